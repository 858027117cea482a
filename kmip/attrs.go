package kmip

import (
	"fmt"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// appendForm appends the attribute set a in the form of protocol version
// ver: for KMIP 2.x (or when a was decoded, in the form it was read) the
// Attributes structure under tag; for KMIP 1.x a Template-Attribute under
// tag1 holding one Attribute per attribute value (KMIP 1.4 §2.1.1, §2.1.8):
// its Attribute Name the attribute's specification name, its Attribute
// Value the value item retagged. It converts in place, allocating nothing
// beyond growing b.
func (a *Attributes) appendForm(b []byte, tag, tag1 ttlv.Tag, ver Version) []byte {
	if ver >= V2_0 || a.x.decoded {
		return a.appendTTLV(b, tag, ver)
	}
	return a.appendTemplate(b, tag1, ver)
}

// appendTemplate appends the attribute set a as a KMIP 1.x
// Template-Attribute under tag1 (appendForm's 1.x form, whatever a's
// origin).
func (a *Attributes) appendTemplate(b []byte, tag1 ttlv.Tag, ver Version) []byte {
	start := len(b)
	b = a.appendTTLV(b, ttlv.TagAttributes, ver) // the 2.x form first, converted below
	mid := len(b)
	b, mark := ttlv.BeginStructure(b, tag1)
	children := b[start+ttlv.HeaderSize : mid]
	vendors := 0 // the vendor attributes converted
	for len(children) > 0 {
		t, _, _, n := ttlv.ConsumeValue(children)
		if n < 0 {
			break // cannot happen: a.appendTTLV wrote it
		}
		item := Raw(children[:n])
		var am int
		b, am = ttlv.BeginStructure(b, ttlv.TagAttribute)
		if t == ttlv.TagAttribute {
			// A vendor attribute: a 1.x custom attribute "vendor-name".
			// Encoded for 1.x, a built one lacks its Vendor
			// Identification (a 2.x field): it is read from the field.
			var vb, vname []byte
			item, vb, vname = vendorAttribute(item)
			vendor := aliasString(vb)
			if vendor == "" && vendors < len(a.Attribute) {
				vendor = a.Attribute[vendors].VendorIdentification
			}
			vendors++
			l := len(vendor) + 1 + len(vname)
			b = ttlv.AppendHeader(b, ttlv.TagAttributeName, ttlv.TypeTextString, uint32(l))
			b = append(append(append(b, vendor...), '-'), vname...)
			b = append(b, make([]byte, (8-l%8)%8)...)
		} else {
			name, _ := ttlv.TagSpecName(t)
			b = ttlv.AppendTextString(b, ttlv.TagAttributeName, name)
		}
		b = item.appendAs(b, ttlv.TagAttributeValue)
		ttlv.EndStructure(b, am)
		children = children[n:]
	}
	ttlv.EndStructure(b, mark)
	n := copy(b[start:], b[mid:])
	return b[:start+n]
}

// vendorAttribute reads a 2.x vendor attribute (an Attribute Structure of
// Vendor Identification, Attribute Name and Attribute Value): its value
// item, vendor and name.
func vendorAttribute(r Raw) (value Raw, vendor, name []byte) {
	b := r.Value()
	for len(b) > 0 {
		t, _, v, n := ttlv.ConsumeValue(b)
		if n < 0 {
			break
		}
		switch t {
		case ttlv.TagVendorIdentification:
			vendor = v
		case ttlv.TagAttributeName:
			name = v
		case ttlv.TagAttributeValue:
			value = Raw(b[:n])
		}
		b = b[n:]
	}
	return value, vendor, name
}

// AttributeSet returns the attributes t holds as the attribute set, as
// KMIP 2.x writes them (KMIP 2.0 §1.2's conversion): each Attribute's value
// under the tag its Attribute Name stands for (typed by name, as the codec
// reads 1.x Attribute Values), and a custom attribute ("x-Name", "y-Name")
// as a vendor attribute with Vendor Identification "x" or "y". The
// deprecated template Names are not attributes and are left out. The
// result aliases t's memory; an Attribute Name that is neither a standard
// attribute nor custom is an error.
func (t *TemplateAttribute) AttributeSet() (*Attributes, error) {
	b, mark := ttlv.BeginStructure(nil, ttlv.TagAttributes)
	for i := range t.Attribute {
		a := &t.Attribute[i]
		if tag, ok := ttlv.LookupAttributeName(a.AttributeName); ok {
			b = a.AttributeValue.appendAs(b, tag)
			continue
		}
		vendor, name, ok := cutCustom(a.AttributeName)
		if !ok {
			return nil, fmt.Errorf("kmip: Attribute Name %q: %w", a.AttributeName, ErrUnknownName)
		}
		var am int
		b, am = ttlv.BeginStructure(b, ttlv.TagAttribute)
		b = ttlv.AppendTextString(b, ttlv.TagVendorIdentification, vendor)
		b = ttlv.AppendTextString(b, ttlv.TagAttributeName, name)
		b = a.AttributeValue.appendAs(b, ttlv.TagAttributeValue)
		ttlv.EndStructure(b, am)
	}
	ttlv.EndStructure(b, mark)
	set := new(Attributes)
	if err := set.UnmarshalTTLV(b); err != nil {
		return nil, err
	}
	return set, nil
}

// AttributeList returns the attributes a holds as KMIP 1.x writes them,
// an Attribute (Attribute Name, Attribute Value) per attribute value, in
// the order of a 1.x Template-Attribute (KMIP 1.4 §2.1.1, §2.1.8): the
// reverse of TemplateAttribute.AttributeSet, for the 1.x payloads that
// carry Attributes outside a Template-Attribute (Locate, Add Attribute,
// Modify Attribute). A vendor attribute becomes a custom attribute named
// "vendor-name". The Attribute Values alias one new buffer.
func (a *Attributes) AttributeList() ([]Attribute, error) {
	var t TemplateAttribute
	if err := t.UnmarshalTTLV(a.appendTemplate(nil, ttlv.TagTemplateAttribute, V1_4)); err != nil {
		return nil, err
	}
	return t.Attribute, nil
}

// cutCustom splits a KMIP 1.x custom attribute name, "x-" (client) or "y-"
// (server) then the name (KMIP 1.4 §3.39).
func cutCustom(s string) (vendor, name string, ok bool) {
	if len(s) > 2 && (s[0] == 'x' || s[0] == 'y') && s[1] == '-' {
		return s[:1], s[2:], true
	}
	return "", "", false
}

// RangeEnd returns the second value of the date attribute tag in a decoded
// attribute set: a Locate asks for objects whose date lies between two
// instances of the attribute (KMIP 2.1 §6.1.27, 1.4 §4.9). The field holds
// the first; the second, which a single-instance field cannot, is kept as
// an unknown item, read here. It allocates nothing.
func (a *Attributes) RangeEnd(tag ttlv.Tag) (time.Time, bool) {
	for _, r := range a.x.unknown {
		t, v, n := ttlv.ConsumeDateTime(r)
		if n > 0 && t == tag {
			return time.Unix(v, 0).UTC(), true
		}
	}
	return time.Time{}, false
}
