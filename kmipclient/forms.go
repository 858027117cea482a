package kmipclient

import (
	"encoding/binary"
	"fmt"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The client takes a request's KMIP 2.x fields in every version and writes
// them in the form of the version in use. Package kmip converts attribute
// sets itself (to 1.x Template-Attributes, or Locate's Attribute items);
// requestForm does the rest, where a 1.x payload has other fields: the New
// Attribute of Add and Modify Attribute as an Attribute, Attribute
// References as Attribute Names. A request with its 1.x fields set is sent
// as it is. responseForm does the reverse for the answers.

// requestForm returns req, of operation op, as protocol version v writes
// it: req itself, or a converted copy, or an error wrapping ErrVersion for
// an operation v does not have.
func requestForm(req kmip.RequestPayload, op kmip.Operation, v Version) (kmip.RequestPayload, error) {
	switch op {
	case kmip.OperationSetAttribute:
		if v < V2_0 {
			return nil, errVersionOp(op, v)
		}
	case kmip.OperationHash, kmip.OperationRNGRetrieve:
		if v < V1_2 {
			return nil, errVersionOp(op, v)
		}
	case kmip.OperationCreate, kmip.OperationRegister, kmip.OperationDeriveKey:
		// They require their attributes (a Template-Attribute in 1.x), if
		// only an empty set.
		if q := withAttributes(req); q != nil {
			return requestForm(q, op, v)
		}
	}
	if v >= V2_0 {
		return req, nil
	}
	switch p := req.(type) {
	case *kmip.GetAttributesRequestPayload:
		if len(p.AttributeReference) > 0 {
			q := *p
			q.AttributeReference, q.AttributeName = nil, append([]string(nil), p.AttributeName...)
			for _, r := range p.AttributeReference {
				name, err := referenceName(r)
				if err != nil {
					return nil, err
				}
				q.AttributeName = append(q.AttributeName, name)
			}
			return &q, nil
		}
	case *kmip.AddAttributeRequestPayload:
		if p.NewAttribute != nil && p.Attribute == nil {
			a, err := oneAttribute(p.NewAttribute)
			if err != nil {
				return nil, err
			}
			q := *p
			q.NewAttribute, q.Attribute = nil, a
			return &q, nil
		}
	case *kmip.ModifyAttributeRequestPayload:
		if p.NewAttribute != nil && p.Attribute == nil {
			a, err := oneAttribute(p.NewAttribute)
			if err != nil {
				return nil, err
			}
			q := *p // 1.x has no Current Attribute: the first instance
			q.CurrentAttribute, q.NewAttribute, q.Attribute = nil, nil, a
			return &q, nil
		}
	case *kmip.DeleteAttributeRequestPayload:
		if p.AttributeName == "" {
			q := *p
			switch {
			case p.CurrentAttribute != nil:
				a, err := oneAttribute(p.CurrentAttribute)
				if err != nil {
					return nil, err
				}
				q.AttributeName = a.AttributeName
			case p.AttributeReference != nil:
				name, err := referenceName(p.AttributeReference)
				if err != nil {
					return nil, err
				}
				q.AttributeName = name
			}
			q.CurrentAttribute, q.AttributeReference = nil, nil
			return &q, nil
		}
	}
	return req, nil
}

// withAttributes returns a copy of a Create, Register or Derive Key request
// with an empty attribute set where it has none, or nil.
func withAttributes(req kmip.RequestPayload) kmip.RequestPayload {
	switch p := req.(type) {
	case *kmip.CreateRequestPayload:
		if p.Attributes == nil && p.TemplateAttribute == nil {
			q := *p
			q.Attributes = new(kmip.Attributes)
			return &q
		}
	case *kmip.RegisterRequestPayload:
		if p.Attributes == nil && p.TemplateAttribute == nil {
			q := *p
			q.Attributes = new(kmip.Attributes)
			return &q
		}
	case *kmip.DeriveKeyRequestPayload:
		if p.Attributes == nil && p.TemplateAttribute == nil {
			q := *p
			q.Attributes = new(kmip.Attributes)
			return &q
		}
	}
	return nil
}

// oneAttribute is the 1.x Attribute of a set holding one attribute value
// (a New or Current Attribute).
func oneAttribute(a *kmip.Attributes) (*kmip.Attribute, error) {
	list, err := a.AttributeList()
	if err != nil {
		return nil, fmt.Errorf("kmipclient: an attribute in its KMIP 1.x form: %w", err)
	}
	if len(list) != 1 {
		return nil, fmt.Errorf("kmipclient: %d attribute values where KMIP 1.x takes one Attribute", len(list))
	}
	return &list[0], nil
}

// referenceName is the 1.x Attribute Name of a 2.x Attribute Reference.
func referenceName(r kmip.Raw) (string, error) {
	if t, ok := ReferenceTag(r); ok {
		if name, ok := ttlv.TagSpecName(t); ok {
			return name, nil
		}
		return "", fmt.Errorf("kmipclient: %v has no KMIP 1.x attribute name: %w", t, ErrVersion)
	}
	// A vendor attribute's reference, a Structure of Vendor Identification
	// and Attribute Name (an Attribute's first two fields), is the 1.x
	// custom attribute "vendor-name".
	var a kmip.Attribute
	tag := uint32(ttlv.TagAttribute)
	b := append([]byte(nil), r...)
	if len(b) > 3 {
		b[0], b[1], b[2] = byte(tag>>16), byte(tag>>8), byte(tag)
	}
	if err := a.UnmarshalTTLV(b); err != nil || a.AttributeName == "" {
		return "", fmt.Errorf("kmipclient: an Attribute Reference of %v %v names no attribute", r.Tag(), r.Type())
	}
	if a.VendorIdentification == "" {
		return a.AttributeName, nil
	}
	return a.VendorIdentification + "-" + a.AttributeName, nil
}

// AttributeReferences returns Attribute References naming the attributes
// of tags (KMIP 2.1 §7.x: the tag as an Enumeration), for Get Attributes
// and Delete Attribute; in a KMIP 1.x session the client writes them as
// Attribute Names.
func AttributeReferences(tags ...ttlv.Tag) []kmip.Raw {
	b := make([]byte, 0, 16*len(tags))
	refs := make([]kmip.Raw, len(tags))
	for i, t := range tags {
		start := len(b)
		b = ttlv.AppendEnumeration(b, ttlv.TagAttributeReference, uint32(t))
		refs[i] = kmip.Raw(b[start:len(b):len(b)])
	}
	return refs
}

// ReferenceTag returns the tag of the attribute an Attribute Reference
// names in its Enumeration form, or false (a vendor attribute's Structure
// form).
func ReferenceTag(r kmip.Raw) (ttlv.Tag, bool) {
	if r.Type() != ttlv.TypeEnumeration || len(r.Value()) != 4 {
		return 0, false
	}
	return ttlv.Tag(binary.BigEndian.Uint32(r.Value())), true
}

// responseForm gives the 1.x forms of a decoded answer in its 2.x fields.
func responseForm(d any) error {
	switch p := d.(type) {
	case *kmip.GetAttributesResponsePayload:
		if p.Attributes == nil && len(p.Attribute) > 0 {
			set, err := (&kmip.TemplateAttribute{Attribute: p.Attribute}).AttributeSet()
			if err != nil {
				return protoErr("Get Attributes", err)
			}
			p.Attributes = set
		}
	case *kmip.GetAttributeListResponsePayload:
		custom := p.AttributeName[:0]
		for _, name := range p.AttributeName {
			t, ok := ttlv.LookupAttributeName(name)
			if !ok {
				custom = append(custom, name)
				continue
			}
			p.AttributeReference = append(p.AttributeReference, AttributeReferences(t)...)
		}
		p.AttributeName = custom
	}
	return nil
}
