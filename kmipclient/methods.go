package kmipclient

import (
	"context"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The methods below send one operation each and return a new response;
// Do with a reused request and response does the same without allocating.

// call sends req and decodes the answer into a new R.
func call[R any, P interface {
	*R
	Response
}](ctx context.Context, c *Client, req Request) (*R, error) {
	r := new(R)
	if err := c.Do(ctx, req, P(r)); err != nil {
		return nil, err
	}
	return r, nil
}

// Create creates a managed object.
func (c *Client) Create(ctx context.Context, req *CreateRequest) (*CreateResponse, error) {
	return call[CreateResponse](ctx, c, req)
}

// CreateKeyPair creates a public and a private key.
func (c *Client) CreateKeyPair(ctx context.Context, req *CreateKeyPairRequest) (*CreateKeyPairResponse, error) {
	return call[CreateKeyPairResponse](ctx, c, req)
}

// Register registers an object the client provides.
func (c *Client) Register(ctx context.Context, req *RegisterRequest) (*UIDResponse, error) {
	return call[UIDResponse](ctx, c, req)
}

// ReKey replaces a symmetric key with a new one.
func (c *Client) ReKey(ctx context.Context, req *ReKeyRequest) (*UIDResponse, error) {
	return call[UIDResponse](ctx, c, req)
}

// Get returns an object.
func (c *Client) Get(ctx context.Context, req *GetRequest) (*GetResponse, error) {
	return call[GetResponse](ctx, c, req)
}

// GetAttributes returns attributes of an object.
func (c *Client) GetAttributes(ctx context.Context, req *GetAttributesRequest) (*GetAttributesResponse, error) {
	return call[GetAttributesResponse](ctx, c, req)
}

// GetAttributeList returns the names of an object's attributes.
func (c *Client) GetAttributeList(ctx context.Context, id string) (*GetAttributeListResponse, error) {
	return call[GetAttributeListResponse](ctx, c, &GetAttributeListRequest{UniqueIdentifier: id})
}

// AddAttribute adds an attribute to an object.
func (c *Client) AddAttribute(ctx context.Context, id string, attr ttlv.Value) error {
	return c.Do(ctx, &AddAttributeRequest{UniqueIdentifier: id, Attribute: attr}, nil)
}

// ModifyAttribute changes an attribute of an object.
func (c *Client) ModifyAttribute(ctx context.Context, req *ModifyAttributeRequest) error {
	return c.Do(ctx, req, nil)
}

// SetAttribute sets an attribute of an object (KMIP 2.0 and later).
func (c *Client) SetAttribute(ctx context.Context, id string, attr ttlv.Value) error {
	return c.Do(ctx, &SetAttributeRequest{UniqueIdentifier: id, Attribute: attr}, nil)
}

// DeleteAttribute deletes an attribute of an object.
func (c *Client) DeleteAttribute(ctx context.Context, req *DeleteAttributeRequest) error {
	return c.Do(ctx, req, nil)
}

// Locate returns the identifiers of the objects that match.
func (c *Client) Locate(ctx context.Context, req *LocateRequest) (*LocateResponse, error) {
	return call[LocateResponse](ctx, c, req)
}

// Activate activates an object.
func (c *Client) Activate(ctx context.Context, id string) error {
	return c.Do(ctx, &ActivateRequest{UniqueIdentifier: id}, nil)
}

// Revoke revokes an object.
func (c *Client) Revoke(ctx context.Context, req *RevokeRequest) error {
	return c.Do(ctx, req, nil)
}

// Destroy destroys an object.
func (c *Client) Destroy(ctx context.Context, id string) error {
	return c.Do(ctx, &DestroyRequest{UniqueIdentifier: id}, nil)
}

// Encrypt encrypts data.
func (c *Client) Encrypt(ctx context.Context, req *EncryptRequest) (*EncryptResponse, error) {
	return call[EncryptResponse](ctx, c, req)
}

// Decrypt decrypts data.
func (c *Client) Decrypt(ctx context.Context, req *DecryptRequest) (*DataResponse, error) {
	return call[DataResponse](ctx, c, req)
}

// Sign signs data.
func (c *Client) Sign(ctx context.Context, req *SignRequest) (*SignResponse, error) {
	return call[SignResponse](ctx, c, req)
}

// SignatureVerify checks a signature.
func (c *Client) SignatureVerify(ctx context.Context, req *SignatureVerifyRequest) (*VerifyResponse, error) {
	return call[VerifyResponse](ctx, c, req)
}

// MAC computes a MAC.
func (c *Client) MAC(ctx context.Context, req *MACRequest) (*MACResponse, error) {
	return call[MACResponse](ctx, c, req)
}

// MACVerify checks a MAC.
func (c *Client) MACVerify(ctx context.Context, req *MACVerifyRequest) (*VerifyResponse, error) {
	return call[VerifyResponse](ctx, c, req)
}

// Hash hashes data.
func (c *Client) Hash(ctx context.Context, req *HashRequest) (*DataResponse, error) {
	return call[DataResponse](ctx, c, req)
}

// DeriveKey derives a key or secret.
func (c *Client) DeriveKey(ctx context.Context, req *DeriveKeyRequest) (*UIDResponse, error) {
	return call[UIDResponse](ctx, c, req)
}

// RNGRetrieve returns n random bytes from the server.
func (c *Client) RNGRetrieve(ctx context.Context, n int32) ([]byte, error) {
	r, err := call[DataResponse](ctx, c, &RNGRetrieveRequest{DataLength: n})
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// Query asks what the server supports; no function means Query Operations
// and Query Objects.
func (c *Client) Query(ctx context.Context, functions ...kmip.QueryFunction) (*QueryResponse, error) {
	if len(functions) == 0 {
		functions = []kmip.QueryFunction{kmip.QueryFunctionQueryOperations, kmip.QueryFunctionQueryObjects}
	}
	return call[QueryResponse](ctx, c, &QueryRequest{Functions: functions})
}

// DiscoverVersions returns which of versions the server speaks (all of its
// versions when none is given), preferred first.
func (c *Client) DiscoverVersions(ctx context.Context, versions ...Version) ([]Version, error) {
	r, err := call[DiscoverVersionsResponse](ctx, c, &DiscoverVersionsRequest{Versions: versions})
	if err != nil {
		return nil, err
	}
	return r.Versions, nil
}

// Call sends any operation with a payload given as a tree and returns the
// response payload as a tree (a raw call, for vendor operations).
func (c *Client) Call(ctx context.Context, op kmip.Operation, payload ttlv.Value) (ttlv.Value, error) {
	r, err := call[RawResponse](ctx, c, &RawRequest{Op: op, Payload: payload})
	if err != nil {
		return ttlv.Value{}, err
	}
	return r.Payload, nil
}
