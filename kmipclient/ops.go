package kmipclient

import (
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The request and response payloads of the operations (KMIP 2.1 §6.1,
// 1.4 §4). A request field left at its zero value is left out of the
// message; an empty UniqueIdentifier means the ID Placeholder, the object
// an earlier item of the same batch created, registered or located. The
// byte slices and the Object and Attributes of a response alias the
// response's own buffer: they stay valid until the response is decoded
// into again.

// UIDResponse is the answer of the operations that return only the
// object's Unique Identifier (Activate, Destroy, Revoke, Register, …).
type UIDResponse struct {
	UniqueIdentifier string
	p                payload
}

// DecodePayload implements Response.
func (r *UIDResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err == nil {
		text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
	}
	return err
}

// uidPayload appends a payload holding only a Unique Identifier.
func uidPayload(b []byte, uid string) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, uid)
	return endPayload(b, m)
}

// CreateRequest creates a managed object (a symmetric key, …) from its
// attributes (KMIP 2.1 §6.1.8).
type CreateRequest struct {
	ObjectType kmip.ObjectType
	Attributes Attributes
}

// Operation implements Request.
func (*CreateRequest) Operation() kmip.Operation { return kmip.OperationCreate }

// AppendPayload implements Request.
func (q *CreateRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, uint32(q.ObjectType))
	b, err := appendAttrs(b, v, q.Attributes, ttlv.TagAttributes, ttlv.TagTemplateAttribute, false)
	if err != nil {
		return b, err
	}
	return endPayload(b, m)
}

// CreateResponse is the answer to Create.
type CreateResponse struct {
	ObjectType       kmip.ObjectType
	UniqueIdentifier string
	p                payload
}

// DecodePayload implements Response.
func (r *CreateResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err == nil {
		r.ObjectType = kmip.ObjectType(num(t, ttlv.TagObjectType))
		text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
	}
	return err
}

// CreateKeyPairRequest creates a public and a private key (KMIP 2.1
// §6.1.9): the common attributes apply to both.
type CreateKeyPairRequest struct {
	CommonAttributes, PrivateKeyAttributes, PublicKeyAttributes Attributes
}

// Operation implements Request.
func (*CreateKeyPairRequest) Operation() kmip.Operation { return kmip.OperationCreateKeyPair }

// AppendPayload implements Request.
func (q *CreateKeyPairRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	var err error
	if b, err = appendAttrs(b, v, q.CommonAttributes, ttlv.TagCommonAttributes, ttlv.TagCommonTemplateAttribute, true); err != nil {
		return b, err
	}
	if b, err = appendAttrs(b, v, q.PrivateKeyAttributes, ttlv.TagPrivateKeyAttributes, ttlv.TagPrivateKeyTemplateAttribute, true); err != nil {
		return b, err
	}
	if b, err = appendAttrs(b, v, q.PublicKeyAttributes, ttlv.TagPublicKeyAttributes, ttlv.TagPublicKeyTemplateAttribute, true); err != nil {
		return b, err
	}
	return endPayload(b, m)
}

// CreateKeyPairResponse is the answer to Create Key Pair.
type CreateKeyPairResponse struct {
	PrivateKeyUniqueIdentifier, PublicKeyUniqueIdentifier string
	p                                                     payload
}

// DecodePayload implements Response.
func (r *CreateKeyPairResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err == nil {
		text(&r.PrivateKeyUniqueIdentifier, t, ttlv.TagPrivateKeyUniqueIdentifier)
		text(&r.PublicKeyUniqueIdentifier, t, ttlv.TagPublicKeyUniqueIdentifier)
	}
	return err
}

// RegisterRequest registers an object the client provides (KMIP 2.1
// §6.1.44): Object is the object's Structure, such as SymmetricKey builds.
type RegisterRequest struct {
	ObjectType kmip.ObjectType
	Attributes Attributes
	Object     ttlv.Value
}

// Operation implements Request.
func (*RegisterRequest) Operation() kmip.Operation { return kmip.OperationRegister }

// AppendPayload implements Request.
func (q *RegisterRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, uint32(q.ObjectType))
	b, err := appendAttrs(b, v, q.Attributes, ttlv.TagAttributes, ttlv.TagTemplateAttribute, false)
	if err != nil {
		return b, err
	}
	b = ttlv.AppendValue(b, &q.Object)
	return endPayload(b, m)
}

// SymmetricKey is a Symmetric Key object holding key in the Raw format.
func SymmetricKey(alg kmip.CryptographicAlgorithm, key []byte) ttlv.Value {
	return ttlv.Structure(ttlv.TagSymmetricKey,
		ttlv.Structure(ttlv.TagKeyBlock,
			ttlv.Enumeration(ttlv.TagKeyFormatType, uint32(kmip.KeyFormatTypeRaw)),
			ttlv.Structure(ttlv.TagKeyValue, ttlv.ByteString(ttlv.TagKeyMaterial, key)),
			ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, uint32(alg)),
			ttlv.Integer(ttlv.TagCryptographicLength, int32(8*len(key)))))
}

// ReKeyRequest replaces a symmetric key with a new one (KMIP 2.1 §6.1.46):
// Offset moves the new key's dates; Attributes override the old key's.
type ReKeyRequest struct {
	UniqueIdentifier string
	Offset           time.Duration
	Attributes       Attributes
}

// Operation implements Request.
func (*ReKeyRequest) Operation() kmip.Operation { return kmip.OperationReKey }

// AppendPayload implements Request.
func (q *ReKeyRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, q.UniqueIdentifier)
	if q.Offset != 0 {
		b = ttlv.AppendInterval(b, ttlv.TagOffset, uint32(q.Offset/time.Second))
	}
	b, err := appendAttrs(b, v, q.Attributes, ttlv.TagAttributes, ttlv.TagTemplateAttribute, true)
	if err != nil {
		return b, err
	}
	return endPayload(b, m)
}

// GetRequest asks for an object (KMIP 2.1 §6.1.22), in KeyFormatType when
// not zero.
type GetRequest struct {
	UniqueIdentifier string
	KeyFormatType    kmip.KeyFormatType
}

// Operation implements Request.
func (*GetRequest) Operation() kmip.Operation { return kmip.OperationGet }

// AppendPayload implements Request.
func (q *GetRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, q.UniqueIdentifier)
	b = appendEnum(b, ttlv.TagKeyFormatType, uint32(q.KeyFormatType))
	return endPayload(b, m)
}

// GetResponse is the answer to Get: Object is the object's Structure
// (SymmetricKey, PrivateKey, Certificate, …).
type GetResponse struct {
	ObjectType       kmip.ObjectType
	UniqueIdentifier string
	Object           ttlv.Value
	p                payload
}

// DecodePayload implements Response.
func (r *GetResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err != nil {
		return err
	}
	r.ObjectType = kmip.ObjectType(num(t, ttlv.TagObjectType))
	text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
	r.Object = ttlv.Value{}
	for i := range t.Children {
		if c := &t.Children[i]; c.Type == ttlv.TypeStructure {
			r.Object = *c
			break
		}
	}
	return nil
}

// KeyMaterial is the Key Material of a key object's Key Block when it is a
// Byte String (the Raw and Transparent Symmetric formats, PKCS#1, PKCS#8,
// …), or nil.
func (r *GetResponse) KeyMaterial() []byte {
	kb := r.Object.Child(ttlv.TagKeyBlock)
	if kb == nil {
		return nil
	}
	kv := kb.Child(ttlv.TagKeyValue)
	if kv == nil {
		return nil
	}
	if km := kv.Child(ttlv.TagKeyMaterial); km != nil && km.Type == ttlv.TypeByteString {
		return km.Bytes
	}
	return nil
}

// appendAttrRefs appends the names of attributes: 1.x Attribute Names,
// 2.x Attribute References (the tag as an Enumeration, KMIP 2.1 §7.x).
func appendAttrRefs(b []byte, v Version, tags []ttlv.Tag) ([]byte, error) {
	for _, t := range tags {
		if v >= V2_0 {
			b = ttlv.AppendEnumeration(b, ttlv.TagAttributeReference, uint32(t))
			continue
		}
		name, err := attrName1x(t)
		if err != nil {
			return b, err
		}
		b = ttlv.AppendTextString(b, ttlv.TagAttributeName, name)
	}
	return b, nil
}

// GetAttributesRequest asks for attributes of an object (KMIP 2.1 §6.1.24):
// those named by their tags, or all when Names is empty.
type GetAttributesRequest struct {
	UniqueIdentifier string
	Names            []ttlv.Tag
}

// Operation implements Request.
func (*GetAttributesRequest) Operation() kmip.Operation { return kmip.OperationGetAttributes }

// AppendPayload implements Request.
func (q *GetAttributesRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, q.UniqueIdentifier)
	b, err := appendAttrRefs(b, v, q.Names)
	if err != nil {
		return b, err
	}
	return endPayload(b, m)
}

// GetAttributesResponse is the answer to Get Attributes, the attributes in
// their 2.x form whatever the version.
type GetAttributesResponse struct {
	UniqueIdentifier string
	Attributes       Attributes
	p                payload
}

// DecodePayload implements Response.
func (r *GetAttributesResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err != nil {
		return err
	}
	text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
	r.Attributes = r.Attributes[:0]
	if a := t.Child(ttlv.TagAttributes); a != nil {
		r.Attributes = decodeAttrs(r.Attributes, a.Children, v)
	} else {
		for i := range t.Children {
			if t.Children[i].Tag == ttlv.TagAttribute {
				r.Attributes = decodeAttrs(r.Attributes, t.Children[i:i+1], v)
			}
		}
	}
	return nil
}

// GetAttributeListRequest asks for the names of an object's attributes
// (KMIP 2.1 §6.1.23).
type GetAttributeListRequest struct{ UniqueIdentifier string }

// Operation implements Request.
func (*GetAttributeListRequest) Operation() kmip.Operation { return kmip.OperationGetAttributeList }

// AppendPayload implements Request.
func (q *GetAttributeListRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return uidPayload(b, q.UniqueIdentifier)
}

// GetAttributeListResponse is the answer to Get Attribute List: the tags
// of the attributes, and the names of custom and vendor ones.
type GetAttributeListResponse struct {
	UniqueIdentifier string
	Names            []ttlv.Tag
	Custom           []string
	p                payload
}

// DecodePayload implements Response.
func (r *GetAttributeListResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err != nil {
		return err
	}
	text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
	r.Names, r.Custom = r.Names[:0], r.Custom[:0]
	for i := range t.Children {
		c := &t.Children[i]
		switch {
		case c.Tag == ttlv.TagAttributeName:
			if tag, ok := ttlv.LookupAttributeNameBytes(c.Bytes); ok {
				r.Names = append(r.Names, tag)
			} else {
				r.Custom = append(r.Custom, string(c.Bytes))
			}
		case c.Tag == ttlv.TagAttributeReference && c.Type == ttlv.TypeEnumeration:
			r.Names = append(r.Names, ttlv.Tag(c.Num))
		case c.Tag == ttlv.TagAttributeReference:
			r.Custom = append(r.Custom, string(bytesOf(c, ttlv.TagAttributeName)))
		}
	}
	return nil
}

// AddAttributeRequest adds an attribute to an object (KMIP 2.1 §6.1.2).
type AddAttributeRequest struct {
	UniqueIdentifier string
	Attribute        ttlv.Value
}

// Operation implements Request.
func (*AddAttributeRequest) Operation() kmip.Operation { return kmip.OperationAddAttribute }

// AppendPayload implements Request.
func (q *AddAttributeRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return appendAttrChange(b, v, q.UniqueIdentifier, nil, &q.Attribute)
}

// appendAttrChange appends the payload of Add, Modify and Set Attribute:
// 1.x Attribute; 2.x [Current Attribute] New Attribute.
func appendAttrChange(b []byte, v Version, uid string, cur, nw *ttlv.Value) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, uid)
	var err error
	if v < V2_0 {
		b, err = appendAttr(b, v, nw)
	} else {
		if cur != nil {
			b, err = appendAttrs(b, v, Attributes{*cur}, ttlv.TagCurrentAttribute, 0, false)
		}
		if err == nil {
			b, err = appendAttrs(b, v, Attributes{*nw}, ttlv.TagNewAttribute, 0, false)
		}
	}
	if err != nil {
		return b, err
	}
	return endPayload(b, m)
}

// ModifyAttributeRequest changes an attribute's value (KMIP 2.1 §6.1.33);
// in 2.x, Current picks the instance when an attribute has several.
type ModifyAttributeRequest struct {
	UniqueIdentifier string
	Current          *ttlv.Value
	Attribute        ttlv.Value
}

// Operation implements Request.
func (*ModifyAttributeRequest) Operation() kmip.Operation { return kmip.OperationModifyAttribute }

// AppendPayload implements Request.
func (q *ModifyAttributeRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return appendAttrChange(b, v, q.UniqueIdentifier, q.Current, &q.Attribute)
}

// SetAttributeRequest sets an attribute, replacing any value (KMIP 2.1
// §6.1.50; 2.0 and later).
type SetAttributeRequest struct {
	UniqueIdentifier string
	Attribute        ttlv.Value
}

// Operation implements Request.
func (*SetAttributeRequest) Operation() kmip.Operation { return kmip.OperationSetAttribute }

// AppendPayload implements Request.
func (q *SetAttributeRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	if v < V2_0 {
		return b, errVersionOp(kmip.OperationSetAttribute, v)
	}
	return appendAttrChange(b, v, q.UniqueIdentifier, nil, &q.Attribute)
}

// DeleteAttributeRequest deletes an attribute (KMIP 2.1 §6.1.15): the
// instance equal to Attribute when it is set (2.x Current Attribute), else
// the one named Name (with Index, in 1.x).
type DeleteAttributeRequest struct {
	UniqueIdentifier string
	Name             ttlv.Tag
	Index            int32
	Attribute        *ttlv.Value
}

// Operation implements Request.
func (*DeleteAttributeRequest) Operation() kmip.Operation { return kmip.OperationDeleteAttribute }

// AppendPayload implements Request.
func (q *DeleteAttributeRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, q.UniqueIdentifier)
	var err error
	switch {
	case v >= V2_0 && q.Attribute != nil:
		b, err = appendAttrs(b, v, Attributes{*q.Attribute}, ttlv.TagCurrentAttribute, 0, false)
	case v >= V2_0:
		b = ttlv.AppendEnumeration(b, ttlv.TagAttributeReference, uint32(q.Name))
	default:
		name := q.Name
		if q.Attribute != nil {
			name = q.Attribute.Tag
		}
		var n string
		if n, err = attrName1x(name); err == nil {
			b = ttlv.AppendTextString(b, ttlv.TagAttributeName, n)
			b = appendInt(b, ttlv.TagAttributeIndex, q.Index)
		}
	}
	if err != nil {
		return b, err
	}
	return endPayload(b, m)
}

// LocateRequest searches for objects whose attributes match (KMIP 2.1
// §6.1.27).
type LocateRequest struct {
	MaximumItems      int32
	OffsetItems       int32 // KMIP 1.3+
	StorageStatusMask kmip.StorageStatusMask
	ObjectGroupMember kmip.ObjectGroupMember
	Attributes        Attributes
}

// Operation implements Request.
func (*LocateRequest) Operation() kmip.Operation { return kmip.OperationLocate }

// AppendPayload implements Request.
func (q *LocateRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendInt(b, ttlv.TagMaximumItems, q.MaximumItems)
	b = appendInt(b, ttlv.TagOffsetItems, q.OffsetItems)
	if q.StorageStatusMask != 0 {
		b = ttlv.AppendInteger(b, ttlv.TagStorageStatusMask, int32(q.StorageStatusMask))
	}
	b = appendEnum(b, ttlv.TagObjectGroupMember, uint32(q.ObjectGroupMember))
	var err error
	if v >= V2_0 {
		b, err = appendAttrs(b, v, q.Attributes, ttlv.TagAttributes, 0, false)
	} else {
		for i := range q.Attributes {
			if b, err = appendAttr(b, v, &q.Attributes[i]); err != nil {
				break
			}
		}
	}
	if err != nil {
		return b, err
	}
	return endPayload(b, m)
}

// LocateResponse is the answer to Locate; LocatedItems counts all matches
// when the server says so (KMIP 1.3+).
type LocateResponse struct {
	LocatedItems      int32
	UniqueIdentifiers []string
	p                 payload
}

// DecodePayload implements Response.
func (r *LocateResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err != nil {
		return err
	}
	r.LocatedItems = int32(num(t, ttlv.TagLocatedItems))
	n := 0
	for i := range t.Children {
		if c := &t.Children[i]; c.Tag == ttlv.TagUniqueIdentifier {
			if n < len(r.UniqueIdentifiers) {
				setString(&r.UniqueIdentifiers[n], c.Bytes)
			} else {
				r.UniqueIdentifiers = append(r.UniqueIdentifiers, string(c.Bytes))
			}
			n++
		}
	}
	r.UniqueIdentifiers = r.UniqueIdentifiers[:n]
	return nil
}

// ActivateRequest makes a Pre-Active object Active (KMIP 2.1 §6.1.1).
type ActivateRequest struct{ UniqueIdentifier string }

// Operation implements Request.
func (*ActivateRequest) Operation() kmip.Operation { return kmip.OperationActivate }

// AppendPayload implements Request.
func (q *ActivateRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return uidPayload(b, q.UniqueIdentifier)
}

// DestroyRequest destroys an object's key material (KMIP 2.1 §6.1.16).
type DestroyRequest struct{ UniqueIdentifier string }

// Operation implements Request.
func (*DestroyRequest) Operation() kmip.Operation { return kmip.OperationDestroy }

// AppendPayload implements Request.
func (q *DestroyRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return uidPayload(b, q.UniqueIdentifier)
}

// RevokeRequest revokes an object (KMIP 2.1 §6.1.47): Key Compromise and
// CA Compromise want the CompromiseOccurrenceDate.
type RevokeRequest struct {
	UniqueIdentifier         string
	Reason                   kmip.RevocationReasonCode
	Message                  string
	CompromiseOccurrenceDate time.Time
}

// Operation implements Request.
func (*RevokeRequest) Operation() kmip.Operation { return kmip.OperationRevoke }

// AppendPayload implements Request.
func (q *RevokeRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, q.UniqueIdentifier)
	b, rm := ttlv.BeginStructure(b, ttlv.TagRevocationReason)
	reason := q.Reason
	if reason == 0 {
		reason = kmip.RevocationReasonCodeUnspecified
	}
	b = ttlv.AppendEnumeration(b, ttlv.TagRevocationReasonCode, uint32(reason))
	b = appendText(b, ttlv.TagRevocationMessage, q.Message)
	ttlv.EndStructure(b, rm)
	b = appendTime(b, ttlv.TagCompromiseOccurrenceDate, q.CompromiseOccurrenceDate)
	return endPayload(b, m)
}

// EncryptRequest encrypts Data with a key (KMIP 2.1 §6.1.18). Without an
// IVCounterNonce the server generates one where the mode needs it.
type EncryptRequest struct {
	UniqueIdentifier        string
	CryptographicParameters *CryptographicParameters
	Data                    []byte
	IVCounterNonce          []byte
	// AdditionalData is the AEAD's Authenticated Encryption Additional
	// Data (KMIP 1.4+).
	AdditionalData []byte
}

// Operation implements Request.
func (*EncryptRequest) Operation() kmip.Operation { return kmip.OperationEncrypt }

// AppendPayload implements Request.
func (q *EncryptRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, q.UniqueIdentifier)
	b = q.CryptographicParameters.append(b)
	b = appendBytes(b, ttlv.TagData, q.Data)
	b = appendBytes(b, ttlv.TagIVCounterNonce, q.IVCounterNonce)
	b = appendBytes(b, ttlv.TagAuthenticatedEncryptionAdditionalData, q.AdditionalData)
	return endPayload(b, m)
}

// EncryptResponse is the answer to Encrypt.
type EncryptResponse struct {
	UniqueIdentifier string
	Data             []byte
	IVCounterNonce   []byte
	// Tag is the Authenticated Encryption Tag of an AEAD.
	Tag []byte
	p   payload
}

// DecodePayload implements Response.
func (r *EncryptResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err == nil {
		text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
		r.Data = bytesOf(t, ttlv.TagData)
		r.IVCounterNonce = bytesOf(t, ttlv.TagIVCounterNonce)
		r.Tag = bytesOf(t, ttlv.TagAuthenticatedEncryptionTag)
	}
	return err
}

// DecryptRequest decrypts Data (KMIP 2.1 §6.1.14).
type DecryptRequest struct {
	UniqueIdentifier        string
	CryptographicParameters *CryptographicParameters
	Data                    []byte
	IVCounterNonce          []byte
	AdditionalData          []byte
	// Tag is the Authenticated Encryption Tag of an AEAD.
	Tag []byte
}

// Operation implements Request.
func (*DecryptRequest) Operation() kmip.Operation { return kmip.OperationDecrypt }

// AppendPayload implements Request.
func (q *DecryptRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, q.UniqueIdentifier)
	b = q.CryptographicParameters.append(b)
	b = appendBytes(b, ttlv.TagData, q.Data)
	b = appendBytes(b, ttlv.TagIVCounterNonce, q.IVCounterNonce)
	b = appendBytes(b, ttlv.TagAuthenticatedEncryptionAdditionalData, q.AdditionalData)
	b = appendBytes(b, ttlv.TagAuthenticatedEncryptionTag, q.Tag)
	return endPayload(b, m)
}

// DataResponse is the answer of the operations that return Data (Decrypt,
// Hash, RNG Retrieve).
type DataResponse struct {
	UniqueIdentifier string
	Data             []byte
	p                payload
}

// DecodePayload implements Response.
func (r *DataResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err == nil {
		text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
		r.Data = bytesOf(t, ttlv.TagData)
	}
	return err
}

// SignRequest signs Data (KMIP 2.1 §6.1.51).
type SignRequest struct {
	UniqueIdentifier        string
	CryptographicParameters *CryptographicParameters
	Data                    []byte
}

// Operation implements Request.
func (*SignRequest) Operation() kmip.Operation { return kmip.OperationSign }

// AppendPayload implements Request.
func (q *SignRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return cryptoPayload(b, q.UniqueIdentifier, q.CryptographicParameters, q.Data, 0, nil)
}

// cryptoPayload appends Unique Identifier, Cryptographic Parameters, Data
// and an optional last Byte String (Signature Data, MAC Data).
func cryptoPayload(b []byte, uid string, cp *CryptographicParameters, data []byte, tag ttlv.Tag, extra []byte) ([]byte, error) {
	b, m := beginPayload(b)
	b = appendText(b, ttlv.TagUniqueIdentifier, uid)
	b = cp.append(b)
	b = appendBytes(b, ttlv.TagData, data)
	if tag != 0 {
		b = appendBytes(b, tag, extra)
	}
	return endPayload(b, m)
}

// SignResponse is the answer to Sign.
type SignResponse struct {
	UniqueIdentifier string
	SignatureData    []byte
	p                payload
}

// DecodePayload implements Response.
func (r *SignResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err == nil {
		text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
		r.SignatureData = bytesOf(t, ttlv.TagSignatureData)
	}
	return err
}

// SignatureVerifyRequest checks a signature of Data (KMIP 2.1 §6.1.52).
type SignatureVerifyRequest struct {
	UniqueIdentifier        string
	CryptographicParameters *CryptographicParameters
	Data                    []byte
	SignatureData           []byte
}

// Operation implements Request.
func (*SignatureVerifyRequest) Operation() kmip.Operation { return kmip.OperationSignatureVerify }

// AppendPayload implements Request.
func (q *SignatureVerifyRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return cryptoPayload(b, q.UniqueIdentifier, q.CryptographicParameters, q.Data, ttlv.TagSignatureData, q.SignatureData)
}

// VerifyResponse is the answer to Signature Verify and MAC Verify.
type VerifyResponse struct {
	UniqueIdentifier  string
	ValidityIndicator kmip.ValidityIndicator
	p                 payload
}

// Valid reports a Validity Indicator of Valid.
func (r *VerifyResponse) Valid() bool { return r.ValidityIndicator == kmip.ValidityIndicatorValid }

// DecodePayload implements Response.
func (r *VerifyResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err == nil {
		text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
		r.ValidityIndicator = kmip.ValidityIndicator(num(t, ttlv.TagValidityIndicator))
	}
	return err
}

// MACRequest computes a MAC of Data (KMIP 2.1 §6.1.29).
type MACRequest struct {
	UniqueIdentifier        string
	CryptographicParameters *CryptographicParameters
	Data                    []byte
}

// Operation implements Request.
func (*MACRequest) Operation() kmip.Operation { return kmip.OperationMAC }

// AppendPayload implements Request.
func (q *MACRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return cryptoPayload(b, q.UniqueIdentifier, q.CryptographicParameters, q.Data, 0, nil)
}

// MACResponse is the answer to MAC.
type MACResponse struct {
	UniqueIdentifier string
	MACData          []byte
	p                payload
}

// DecodePayload implements Response.
func (r *MACResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err == nil {
		text(&r.UniqueIdentifier, t, ttlv.TagUniqueIdentifier)
		r.MACData = bytesOf(t, ttlv.TagMACData)
	}
	return err
}

// MACVerifyRequest checks a MAC of Data (KMIP 2.1 §6.1.30).
type MACVerifyRequest struct {
	UniqueIdentifier        string
	CryptographicParameters *CryptographicParameters
	Data                    []byte
	MACData                 []byte
}

// Operation implements Request.
func (*MACVerifyRequest) Operation() kmip.Operation { return kmip.OperationMACVerify }

// AppendPayload implements Request.
func (q *MACVerifyRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return cryptoPayload(b, q.UniqueIdentifier, q.CryptographicParameters, q.Data, ttlv.TagMACData, q.MACData)
}

// HashRequest hashes Data with the Hashing Algorithm of its parameters
// (KMIP 2.1 §6.1.21; 1.2 and later, 1.2 §4.37).
type HashRequest struct {
	CryptographicParameters CryptographicParameters
	Data                    []byte
}

// Operation implements Request.
func (*HashRequest) Operation() kmip.Operation { return kmip.OperationHash }

// AppendPayload implements Request.
func (q *HashRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	if v < V1_2 {
		return b, errVersionOp(kmip.OperationHash, v)
	}
	return cryptoPayload(b, "", &q.CryptographicParameters, q.Data, 0, nil)
}

// DerivationParameters are the inputs of Derive Key (KMIP 2.1 §6.1.13).
type DerivationParameters struct {
	CryptographicParameters *CryptographicParameters
	InitializationVector    []byte
	DerivationData          []byte
	Salt                    []byte
	IterationCount          int32
}

// DeriveKeyRequest derives a key or secret from others (KMIP 2.1 §6.1.13).
type DeriveKeyRequest struct {
	ObjectType        kmip.ObjectType
	UniqueIdentifiers []string
	Method            kmip.DerivationMethod
	Parameters        DerivationParameters
	Attributes        Attributes
}

// Operation implements Request.
func (*DeriveKeyRequest) Operation() kmip.Operation { return kmip.OperationDeriveKey }

// AppendPayload implements Request.
func (q *DeriveKeyRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, uint32(q.ObjectType))
	for _, id := range q.UniqueIdentifiers {
		b = ttlv.AppendTextString(b, ttlv.TagUniqueIdentifier, id)
	}
	b = ttlv.AppendEnumeration(b, ttlv.TagDerivationMethod, uint32(q.Method))
	b, dm := ttlv.BeginStructure(b, ttlv.TagDerivationParameters)
	p := &q.Parameters
	b = p.CryptographicParameters.append(b)
	b = appendBytes(b, ttlv.TagInitializationVector, p.InitializationVector)
	b = appendBytes(b, ttlv.TagDerivationData, p.DerivationData)
	b = appendBytes(b, ttlv.TagSalt, p.Salt)
	b = appendInt(b, ttlv.TagIterationCount, p.IterationCount)
	ttlv.EndStructure(b, dm)
	b, err := appendAttrs(b, v, q.Attributes, ttlv.TagAttributes, ttlv.TagTemplateAttribute, false)
	if err != nil {
		return b, err
	}
	return endPayload(b, m)
}

// RNGRetrieveRequest asks for DataLength random bytes (KMIP 2.1 §6.1.49;
// 1.2 and later, 1.2 §4.35).
type RNGRetrieveRequest struct{ DataLength int32 }

// Operation implements Request.
func (*RNGRetrieveRequest) Operation() kmip.Operation { return kmip.OperationRNGRetrieve }

// AppendPayload implements Request.
func (q *RNGRetrieveRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	if v < V1_2 {
		return b, errVersionOp(kmip.OperationRNGRetrieve, v)
	}
	b, m := beginPayload(b)
	b = ttlv.AppendInteger(b, ttlv.TagDataLength, q.DataLength)
	return endPayload(b, m)
}

// QueryRequest asks what the server supports (KMIP 2.1 §6.1.37).
type QueryRequest struct{ Functions []kmip.QueryFunction }

// Operation implements Request.
func (*QueryRequest) Operation() kmip.Operation { return kmip.OperationQuery }

// AppendPayload implements Request.
func (q *QueryRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	b, m := beginPayload(b)
	for _, f := range q.Functions {
		b = ttlv.AppendEnumeration(b, ttlv.TagQueryFunction, uint32(f))
	}
	return endPayload(b, m)
}

// QueryResponse is the answer to Query; Payload holds all of it, the
// fields the commonest parts.
type QueryResponse struct {
	Operations           []kmip.Operation
	ObjectTypes          []kmip.ObjectType
	VendorIdentification string
	Payload              ttlv.Value
	p                    payload
}

// DecodePayload implements Response.
func (r *QueryResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err != nil {
		return err
	}
	r.Payload = *t
	r.Operations, r.ObjectTypes = r.Operations[:0], r.ObjectTypes[:0]
	text(&r.VendorIdentification, t, ttlv.TagVendorIdentification)
	for i := range t.Children {
		switch c := &t.Children[i]; c.Tag {
		case ttlv.TagOperation:
			r.Operations = append(r.Operations, kmip.Operation(c.Num))
		case ttlv.TagObjectType:
			r.ObjectTypes = append(r.ObjectTypes, kmip.ObjectType(c.Num))
		}
	}
	return nil
}

// Supports reports whether the server listed op.
func (r *QueryResponse) Supports(op kmip.Operation) bool {
	for _, o := range r.Operations {
		if o == op {
			return true
		}
	}
	return false
}

// DiscoverVersionsRequest asks which of Versions the server speaks, or all
// its versions when Versions is empty (KMIP 2.1 §6.1.17).
type DiscoverVersionsRequest struct{ Versions []Version }

// Operation implements Request.
func (*DiscoverVersionsRequest) Operation() kmip.Operation { return kmip.OperationDiscoverVersions }

// AppendPayload implements Request.
func (q *DiscoverVersionsRequest) AppendPayload(b []byte, _ Version) ([]byte, error) {
	b, m := beginPayload(b)
	for _, x := range q.Versions {
		var pm int
		b, pm = ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
		b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, major(x))
		b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, minor(x))
		ttlv.EndStructure(b, pm)
	}
	return endPayload(b, m)
}

// DiscoverVersionsResponse lists the server's versions, preferred first.
type DiscoverVersionsResponse struct {
	Versions []Version
	p        payload
}

// DecodePayload implements Response.
func (r *DiscoverVersionsResponse) DecodePayload(b []byte, v Version) error {
	t, err := r.p.load(b)
	if err != nil {
		return err
	}
	r.Versions = r.Versions[:0]
	for i := range t.Children {
		if c := &t.Children[i]; c.Tag == ttlv.TagProtocolVersion {
			r.Versions = append(r.Versions, MakeVersion(int32(num(c, ttlv.TagProtocolVersionMajor)), int32(num(c, ttlv.TagProtocolVersionMinor))))
		}
	}
	return nil
}

// RawRequest is any operation, its payload given as a tree (its tag is
// written as RequestPayload): vendor operations, or fields this package
// does not model.
type RawRequest struct {
	Op      kmip.Operation
	Payload ttlv.Value
}

// Operation implements Request.
func (q *RawRequest) Operation() kmip.Operation { return q.Op }

// AppendPayload implements Request.
func (q *RawRequest) AppendPayload(b []byte, _ Version) ([]byte, error) {
	p := q.Payload
	p.Tag, p.Type = ttlv.TagRequestPayload, ttlv.TypeStructure
	return ttlv.AppendValue(b, &p), nil
}

// RawResponse is any response payload, as a tree (tag ResponsePayload).
type RawResponse struct {
	Payload ttlv.Value
	p       payload
}

// DecodePayload implements Response.
func (r *RawResponse) DecodePayload(b []byte, _ Version) error {
	t, err := r.p.load(b)
	if err == nil {
		r.Payload = *t
	}
	return err
}
