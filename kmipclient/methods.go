package kmipclient

import (
	"context"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The methods below send one operation each, its request a payload of
// package kmip, and return the answer's payload in a new value (whose
// strings and slices are its own). Do with a reused request and Result
// does the same without allocating. In every protocol version a request's
// KMIP 2.x fields are the ones to set (Attributes, Attribute References, New
// Attribute): in a 1.x session the client writes them in the 1.x form.

// call sends req and decodes the answer into a new T.
func call[T any](ctx context.Context, c *Client, req kmip.RequestPayload) (*T, error) {
	r := new(Result[T])
	if err := c.Do(ctx, req, r); err != nil {
		return nil, err
	}
	return &r.Payload, nil
}

// Create creates a managed object (KMIP 2.1 §6.1.8).
func (c *Client) Create(ctx context.Context, req *kmip.CreateRequestPayload) (*kmip.CreateResponsePayload, error) {
	return call[kmip.CreateResponsePayload](ctx, c, req)
}

// CreateKeyPair creates a public and a private key (KMIP 2.1 §6.1.9).
func (c *Client) CreateKeyPair(ctx context.Context, req *kmip.CreateKeyPairRequestPayload) (*kmip.CreateKeyPairResponsePayload, error) {
	return call[kmip.CreateKeyPairResponsePayload](ctx, c, req)
}

// Register registers an object the client provides (KMIP 2.1 §6.1.44).
func (c *Client) Register(ctx context.Context, req *kmip.RegisterRequestPayload) (*kmip.RegisterResponsePayload, error) {
	return call[kmip.RegisterResponsePayload](ctx, c, req)
}

// ReKey replaces a symmetric key with a new one (KMIP 2.1 §6.1.46).
func (c *Client) ReKey(ctx context.Context, req *kmip.ReKeyRequestPayload) (*kmip.ReKeyResponsePayload, error) {
	return call[kmip.ReKeyResponsePayload](ctx, c, req)
}

// Get returns an object (KMIP 2.1 §6.1.22); KeyMaterial reads a key's
// bytes.
func (c *Client) Get(ctx context.Context, req *kmip.GetRequestPayload) (*kmip.GetResponsePayload, error) {
	return call[kmip.GetResponsePayload](ctx, c, req)
}

// GetAttributes returns attributes of an object (KMIP 2.1 §6.1.24), those
// the request's AttributeReferences name or all; the answer's Attributes
// hold them in every version.
func (c *Client) GetAttributes(ctx context.Context, req *kmip.GetAttributesRequestPayload) (*kmip.GetAttributesResponsePayload, error) {
	return call[kmip.GetAttributesResponsePayload](ctx, c, req)
}

// GetAttributeList returns the names of the attributes of object id (KMIP
// 2.1 §6.1.23) as Attribute References (ReferenceTag), custom ones of 1.x
// as Attribute Names.
func (c *Client) GetAttributeList(ctx context.Context, id string) (*kmip.GetAttributeListResponsePayload, error) {
	return call[kmip.GetAttributeListResponsePayload](ctx, c, &kmip.GetAttributeListRequestPayload{UniqueIdentifier: kmip.Some(id)})
}

// AddAttribute adds the attribute value of req.NewAttribute to an object
// (KMIP 2.1 §6.1.2).
func (c *Client) AddAttribute(ctx context.Context, req *kmip.AddAttributeRequestPayload) error {
	return c.Do(ctx, req, nil)
}

// ModifyAttribute changes an attribute of an object to req.NewAttribute
// (KMIP 2.1 §6.1.33); in 2.x CurrentAttribute picks the instance, in 1.x
// the first is changed.
func (c *Client) ModifyAttribute(ctx context.Context, req *kmip.ModifyAttributeRequestPayload) error {
	return c.Do(ctx, req, nil)
}

// SetAttribute sets an attribute of an object, replacing any value (KMIP
// 2.1 §6.1.50; 2.0 and later, else ErrVersion).
func (c *Client) SetAttribute(ctx context.Context, req *kmip.SetAttributeRequestPayload) error {
	return c.Do(ctx, req, nil)
}

// DeleteAttribute deletes an attribute of an object (KMIP 2.1 §6.1.15):
// the instance equal to req.CurrentAttribute, or those AttributeReference
// names.
func (c *Client) DeleteAttribute(ctx context.Context, req *kmip.DeleteAttributeRequestPayload) error {
	return c.Do(ctx, req, nil)
}

// Locate returns the identifiers of the objects whose attributes match
// (KMIP 2.1 §6.1.27).
func (c *Client) Locate(ctx context.Context, req *kmip.LocateRequestPayload) (*kmip.LocateResponsePayload, error) {
	return call[kmip.LocateResponsePayload](ctx, c, req)
}

// Activate makes object id Active (KMIP 2.1 §6.1.1).
func (c *Client) Activate(ctx context.Context, id string) error {
	return c.Do(ctx, &kmip.ActivateRequestPayload{UniqueIdentifier: kmip.Some(id)}, nil)
}

// Revoke revokes an object (KMIP 2.1 §6.1.47).
func (c *Client) Revoke(ctx context.Context, req *kmip.RevokeRequestPayload) error {
	return c.Do(ctx, req, nil)
}

// Destroy destroys object id's key material (KMIP 2.1 §6.1.16).
func (c *Client) Destroy(ctx context.Context, id string) error {
	return c.Do(ctx, &kmip.DestroyRequestPayload{UniqueIdentifier: kmip.Some(id)}, nil)
}

// Encrypt encrypts data (KMIP 2.1 §6.1.18).
func (c *Client) Encrypt(ctx context.Context, req *kmip.EncryptRequestPayload) (*kmip.EncryptResponsePayload, error) {
	return call[kmip.EncryptResponsePayload](ctx, c, req)
}

// Decrypt decrypts data (KMIP 2.1 §6.1.14).
func (c *Client) Decrypt(ctx context.Context, req *kmip.DecryptRequestPayload) (*kmip.DecryptResponsePayload, error) {
	return call[kmip.DecryptResponsePayload](ctx, c, req)
}

// Sign signs data (KMIP 2.1 §6.1.51).
func (c *Client) Sign(ctx context.Context, req *kmip.SignRequestPayload) (*kmip.SignResponsePayload, error) {
	return call[kmip.SignResponsePayload](ctx, c, req)
}

// SignatureVerify checks a signature (KMIP 2.1 §6.1.52).
func (c *Client) SignatureVerify(ctx context.Context, req *kmip.SignatureVerifyRequestPayload) (*kmip.SignatureVerifyResponsePayload, error) {
	return call[kmip.SignatureVerifyResponsePayload](ctx, c, req)
}

// MAC computes a MAC (KMIP 2.1 §6.1.29).
func (c *Client) MAC(ctx context.Context, req *kmip.MACRequestPayload) (*kmip.MACResponsePayload, error) {
	return call[kmip.MACResponsePayload](ctx, c, req)
}

// MACVerify checks a MAC (KMIP 2.1 §6.1.30).
func (c *Client) MACVerify(ctx context.Context, req *kmip.MACVerifyRequestPayload) (*kmip.MACVerifyResponsePayload, error) {
	return call[kmip.MACVerifyResponsePayload](ctx, c, req)
}

// Hash hashes data (KMIP 2.1 §6.1.21; 1.2 and later, else ErrVersion).
func (c *Client) Hash(ctx context.Context, req *kmip.HashRequestPayload) (*kmip.HashResponsePayload, error) {
	return call[kmip.HashResponsePayload](ctx, c, req)
}

// DeriveKey derives a key or secret from others (KMIP 2.1 §6.1.13).
func (c *Client) DeriveKey(ctx context.Context, req *kmip.DeriveKeyRequestPayload) (*kmip.DeriveKeyResponsePayload, error) {
	return call[kmip.DeriveKeyResponsePayload](ctx, c, req)
}

// RNGRetrieve returns n random bytes from the server (KMIP 2.1 §6.1.49;
// 1.2 and later, else ErrVersion).
func (c *Client) RNGRetrieve(ctx context.Context, n int32) ([]byte, error) {
	r, err := call[kmip.RNGRetrieveResponsePayload](ctx, c, &kmip.RNGRetrieveRequestPayload{DataLength: n})
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// Query asks what the server supports (KMIP 2.1 §6.1.37); no function
// means Query Operations and Query Objects.
func (c *Client) Query(ctx context.Context, functions ...kmip.QueryFunction) (*kmip.QueryResponsePayload, error) {
	if len(functions) == 0 {
		functions = []kmip.QueryFunction{kmip.QueryFunctionQueryOperations, kmip.QueryFunctionQueryObjects}
	}
	return call[kmip.QueryResponsePayload](ctx, c, &kmip.QueryRequestPayload{QueryFunction: functions})
}

// DiscoverVersions returns which of versions the server speaks (all of its
// versions when none is given), preferred first (KMIP 2.1 §6.1.17).
func (c *Client) DiscoverVersions(ctx context.Context, versions ...Version) ([]Version, error) {
	r, err := call[kmip.DiscoverVersionsResponsePayload](ctx, c, discoverVersions(versions))
	if err != nil {
		return nil, err
	}
	return serverVersions(r), nil
}

// discoverVersions is the request payload offering versions.
func discoverVersions(versions []Version) *kmip.DiscoverVersionsRequestPayload {
	p := &kmip.DiscoverVersionsRequestPayload{ProtocolVersion: make([]kmip.ProtocolVersion, len(versions))}
	for i, v := range versions {
		p.ProtocolVersion[i] = kmip.ProtocolVersion{ProtocolVersionMajor: major(v), ProtocolVersionMinor: minor(v)}
	}
	return p
}

// serverVersions lists the versions of an answer to Discover Versions.
func serverVersions(r *kmip.DiscoverVersionsResponsePayload) []Version {
	vs := make([]Version, len(r.ProtocolVersion))
	for i, pv := range r.ProtocolVersion {
		vs[i] = MakeVersion(pv.ProtocolVersionMajor, pv.ProtocolVersionMinor)
	}
	return vs
}

// Call sends any operation with a payload given as a tree and returns the
// response payload as a tree (a raw call, for vendor operations); the
// payload's tag is written as Request Payload.
func (c *Client) Call(ctx context.Context, op kmip.Operation, payload ttlv.Value) (ttlv.Value, error) {
	payload.Tag, payload.Type = ttlv.TagRequestPayload, ttlv.TypeStructure
	b := ttlv.AppendValue(nil, &payload)
	var raw rawResult
	if err := c.Do(ctx, &kmip.RawRequestPayload{Op: op, Contents: b[ttlv.HeaderSize:]}, &raw); err != nil {
		return ttlv.Value{}, err
	}
	var v ttlv.Value
	if err := ttlv.UnmarshalOptions(raw.buf, &v, ttlv.DecodeOptions{Lax: ^ttlv.Lax(0)}); err != nil {
		return ttlv.Value{}, protoErr("response payload", err)
	}
	return v, nil
}

// DoTyped sends any payload of package kmip and returns the answer in the
// response payload type of its operation (kmip.DecodeResponsePayload; a
// *kmip.RawResponsePayload for an operation package kmip has none for), in
// a new value.
func (c *Client) DoTyped(ctx context.Context, req kmip.RequestPayload) (kmip.ResponsePayload, error) {
	var raw rawResult
	if err := c.Do(ctx, req, &raw); err != nil {
		return nil, err
	}
	p, err := kmip.DecodeResponsePayload(req.Operation(), raw.buf, nil)
	if err != nil {
		return nil, protoErr("response payload", err)
	}
	if c.version < V2_0 {
		if err := responseForm(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}
