package kmipclient

import (
	"fmt"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Attributes are object attributes in their KMIP 2.x form, whatever the
// protocol version: each is an item tagged with the attribute's tag
// (Cryptographic Algorithm as an Enumeration, Name as a Structure of Name
// Value and Name Type, …); a vendor (custom) attribute is an Attribute
// Structure of Vendor Identification, Attribute Name and Attribute Value.
// In KMIP 1.x messages the client converts them to and from
// Attribute{Attribute Name, Attribute Value} (KMIP 1.4 §2.1.1), with
// custom names ("x-…") as they are.
type Attributes []ttlv.Value

// Get returns the first attribute with tag t, or nil.
func (a Attributes) Get(t ttlv.Tag) *ttlv.Value {
	for i := range a {
		if a[i].Tag == t {
			return &a[i]
		}
	}
	return nil
}

// Algorithm is the Cryptographic Algorithm attribute.
func Algorithm(alg kmip.CryptographicAlgorithm) ttlv.Value {
	return ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, uint32(alg))
}

// Length is the Cryptographic Length attribute, in bits.
func Length(bits int32) ttlv.Value { return ttlv.Integer(ttlv.TagCryptographicLength, bits) }

// UsageMask is the Cryptographic Usage Mask attribute.
func UsageMask(m kmip.CryptographicUsageMask) ttlv.Value {
	return ttlv.Integer(ttlv.TagCryptographicUsageMask, int32(m))
}

// Name is a Name attribute of type Uninterpreted Text String.
func Name(name string) ttlv.Value {
	return ttlv.Structure(ttlv.TagName,
		ttlv.TextString(ttlv.TagNameValue, name),
		ttlv.Enumeration(ttlv.TagNameType, uint32(kmip.NameTypeUninterpretedTextString)))
}

// ObjectGroup is the Object Group attribute.
func ObjectGroup(group string) ttlv.Value { return ttlv.TextString(ttlv.TagObjectGroup, group) }

// VendorAttribute is a custom attribute: in KMIP 1.x its name alone
// ("x-owner") names it; in 2.x vendor and name.
func VendorAttribute(vendor, name string, value ttlv.Value) ttlv.Value {
	value.Tag = ttlv.TagAttributeValue
	return ttlv.Structure(ttlv.TagAttribute,
		ttlv.TextString(ttlv.TagVendorIdentification, vendor),
		ttlv.TextString(ttlv.TagAttributeName, name), value)
}

// AES is the attributes of an AES key of bits bits for Encrypt and Decrypt.
func AES(bits int32) Attributes {
	return Attributes{Algorithm(kmip.CryptographicAlgorithmAES), Length(bits),
		UsageMask(kmip.CryptographicUsageMaskEncrypt | kmip.CryptographicUsageMaskDecrypt)}
}

// appendAttrs appends attrs as a Structure: tag2 (Attributes, Common
// Attributes, …) in 2.x, tag1 (Template-Attribute, …) in 1.x. An empty
// set is left out when omitEmpty.
func appendAttrs(b []byte, v Version, attrs Attributes, tag2, tag1 ttlv.Tag, omitEmpty bool) ([]byte, error) {
	if len(attrs) == 0 && omitEmpty {
		return b, nil
	}
	tag := tag2
	if v < V2_0 {
		tag = tag1
	}
	b, m := ttlv.BeginStructure(b, tag)
	for i := range attrs {
		var err error
		if b, err = appendAttr(b, v, &attrs[i]); err != nil {
			return b, err
		}
	}
	ttlv.EndStructure(b, m)
	return b, nil
}

// appendAttr appends one attribute in v's form.
func appendAttr(b []byte, v Version, a *ttlv.Value) ([]byte, error) {
	if v >= V2_0 {
		return ttlv.AppendValue(b, a), nil
	}
	name, val, err := attr1x(a)
	if err != nil {
		return b, err
	}
	b, m := ttlv.BeginStructure(b, ttlv.TagAttribute)
	b = ttlv.AppendTextString(b, ttlv.TagAttributeName, name)
	val.Tag = ttlv.TagAttributeValue
	b = ttlv.AppendValue(b, &val)
	ttlv.EndStructure(b, m)
	return b, nil
}

// attr1x gives the KMIP 1.x name and value of an attribute.
func attr1x(a *ttlv.Value) (string, ttlv.Value, error) {
	if a.Tag == ttlv.TagAttribute {
		name, val := a.Child(ttlv.TagAttributeName), a.Child(ttlv.TagAttributeValue)
		if name == nil || val == nil {
			return "", ttlv.Value{}, fmt.Errorf("kmipclient: an Attribute needs an Attribute Name and an Attribute Value")
		}
		return string(name.Bytes), *val, nil
	}
	name, ok := ttlv.TagSpecName(a.Tag)
	if !ok {
		return "", ttlv.Value{}, fmt.Errorf("kmipclient: %v is not an attribute of KMIP 1.x: %w", a.Tag, ErrVersion)
	}
	return name, *a, nil
}

// attrName1x is the KMIP 1.x Attribute Name of tag t.
func attrName1x(t ttlv.Tag) (string, error) {
	name, ok := ttlv.TagSpecName(t)
	if !ok {
		return "", fmt.Errorf("kmipclient: %v has no KMIP 1.x attribute name: %w", t, ErrVersion)
	}
	return name, nil
}

// decodeAttrs appends to dst the attributes of an Attributes Structure
// (2.x) or of Attribute Structures (1.x), converted to the 2.x form. Values
// alias the Structure.
func decodeAttrs(dst Attributes, items []ttlv.Value, v Version) Attributes {
	for i := range items {
		it := &items[i]
		if v >= V2_0 || it.Tag != ttlv.TagAttribute {
			dst = append(dst, *it)
			continue
		}
		name, val := it.Child(ttlv.TagAttributeName), it.Child(ttlv.TagAttributeValue)
		if name == nil || val == nil {
			continue
		}
		if t, ok := ttlv.LookupAttributeNameBytes(name.Bytes); ok {
			a := *val
			a.Tag = t
			dst = append(dst, a)
			continue
		}
		dst = append(dst, *it) // a custom attribute: kept as it came
	}
	return dst
}
