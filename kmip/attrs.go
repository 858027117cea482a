package kmip

import (
	"fmt"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// appendForm appends the attribute set a in the form of protocol version
// ver: for KMIP 2.x (or when a was decoded, in the form it was read) the
// Attributes structure under tag; for KMIP 1.x one Attribute per attribute
// value (KMIP 1.4 §2.1.1), inside a Template-Attribute under tag1 (§2.1.8)
// or, for tag1 0, as a list of Attribute items (as Locate and Get
// Attributes carry them, 1.4 §4.9, §4.12): its Attribute Name the
// attribute's specification name, its Attribute Value the value item
// retagged. It converts in place, allocating nothing beyond growing b.
func (a *Attributes) appendForm(b []byte, tag, tag1 ttlv.Tag, ver Version) []byte {
	if ver >= V2_0 || a.x.decoded {
		return a.appendTTLV(b, tag, ver)
	}
	return a.append1x(b, tag1, ver)
}

// append1x appends the attribute set a in its KMIP 1.x form, as appendForm
// does for a 1.x ver, whatever a's origin.
func (a *Attributes) append1x(b []byte, tag1 ttlv.Tag, ver Version) []byte {
	start := len(b)
	b = a.appendTTLV(b, ttlv.TagAttributes, ver) // the 2.x form first, converted below
	mid := len(b)
	var mark int
	if tag1 != 0 {
		b, mark = ttlv.BeginStructure(b, tag1)
	}
	children := b[start+ttlv.HeaderSize : mid]
	vendors := 0 // the vendor attributes seen: a.Attribute's, in order
	for len(children) > 0 {
		t, _, _, n := ttlv.ConsumeValue(children)
		if n < 0 {
			break // cannot happen: a.appendTTLV wrote it
		}
		item := Raw(children[:n])
		var am int
		b, am = ttlv.BeginStructure(b, ttlv.TagAttribute)
		if t == ttlv.TagAttribute {
			// A vendor attribute: a 1.x custom attribute "vendor-name". Its
			// Vendor Identification, a 2.x field, was not written for ver.
			var vname []byte
			item, vname = vendorAttribute(item)
			var vendor string
			if vendors < len(a.Attribute) {
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
	if tag1 != 0 {
		ttlv.EndStructure(b, mark)
	}
	n := copy(b[start:], b[mid:])
	return b[:start+n]
}

// vendorAttribute reads a vendor attribute (an Attribute Structure of
// Attribute Name and Attribute Value, with a Vendor Identification in 2.x):
// its value item and name.
func vendorAttribute(r Raw) (value Raw, name []byte) {
	b := r.Value()
	for len(b) > 0 {
		t, _, v, n := ttlv.ConsumeValue(b)
		if n < 0 {
			break
		}
		switch t {
		case ttlv.TagAttributeName:
			name = v
		case ttlv.TagAttributeValue:
			value = Raw(b[:n])
		}
		b = b[n:]
	}
	return value, name
}

// as2x reports whether t, a Template-Attribute the caller built (not
// decoded), is written as KMIP 2.x Attributes when encoding for ver: ver is
// 2.x and every item has a 2.x form — no template Name (KMIP 2.0 has no
// templates) and every Attribute convertible (attributeList2x). A nil t
// gives false.
func (t *TemplateAttribute) as2x(ver Version) bool {
	return t != nil && ver >= V2_0 && !t.x.decoded && len(t.Name) == 0 && attributeList2x(t.Attribute, ver)
}

// attributeList2x reports whether the 1.x Attributes list, encoded for a
// KMIP 2.x ver, converts to an Attributes structure (appendAttributes2x):
// it is not empty and each Attribute is a 2.x vendor attribute (Vendor
// Identification set) or has a value and an Attribute Name that is a
// standard attribute's or a custom one ("x-…", "y-…").
func attributeList2x(list []Attribute, ver Version) bool {
	if ver < V2_0 || len(list) == 0 {
		return false
	}
	for i := range list {
		a := &list[i]
		if a.AttributeValue.Tag() == 0 {
			return false
		}
		if a.VendorIdentification != "" {
			continue
		}
		if _, ok := ttlv.LookupAttributeName(a.AttributeName); ok {
			continue
		}
		if _, _, ok := cutCustom(a.AttributeName); !ok {
			return false
		}
	}
	return true
}

// appendAttributes2x appends the 1.x Attribute list as a KMIP 2.x
// Attributes structure under tag (KMIP 2.0 §1.2's conversion): each value
// under the tag its Attribute Name stands for, a custom attribute ("x-Name")
// as a vendor attribute of Vendor Identification "x", a 2.x vendor
// attribute as it is. The Attribute Index has no 2.x form: the instances
// keep their order. A name attributeList2x refuses is left out.
func appendAttributes2x(b []byte, tag ttlv.Tag, list []Attribute, ver Version) []byte {
	b, mark := ttlv.BeginStructure(b, tag)
	for i := range list {
		a := &list[i]
		if a.VendorIdentification != "" {
			b = a.appendTTLV(b, ttlv.TagAttribute, ver)
			continue
		}
		if t, ok := ttlv.LookupAttributeName(a.AttributeName); ok {
			b = a.AttributeValue.appendAs(b, t)
			continue
		}
		vendor, name, ok := cutCustom(a.AttributeName)
		if !ok {
			continue
		}
		var am int
		b, am = ttlv.BeginStructure(b, ttlv.TagAttribute)
		b = ttlv.AppendTextString(b, ttlv.TagVendorIdentification, vendor)
		b = ttlv.AppendTextString(b, ttlv.TagAttributeName, name)
		b = a.AttributeValue.appendAs(b, ttlv.TagAttributeValue)
		ttlv.EndStructure(b, am)
	}
	ttlv.EndStructure(b, mark)
	return b
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
	for i := range t.Attribute {
		a := &t.Attribute[i]
		if _, ok := ttlv.LookupAttributeName(a.AttributeName); ok || a.VendorIdentification != "" {
			continue
		}
		if _, _, ok := cutCustom(a.AttributeName); !ok {
			return nil, fmt.Errorf("kmip: Attribute Name %q: %w", a.AttributeName, ErrUnknownName)
		}
	}
	b := appendAttributes2x(nil, ttlv.TagAttributes, t.Attribute, V2_1)
	set := new(Attributes)
	if err := set.UnmarshalTTLV(b); err != nil {
		return nil, err
	}
	return set, nil
}

// AttributeList returns the attributes a holds as KMIP 1.x writes them,
// an Attribute (Attribute Name, Attribute Value) per attribute value (KMIP
// 1.4 §2.1.1): the reverse of TemplateAttribute.AttributeSet, for a 1.x
// payload field that holds one Attribute (Add Attribute, Modify
// Attribute). A vendor attribute becomes a custom attribute named
// "vendor-name". The Attribute Values alias one new buffer.
func (a *Attributes) AttributeList() ([]Attribute, error) {
	b, mark := ttlv.BeginStructure(nil, ttlv.TagTemplateAttribute)
	b = a.append1x(b, 0, V1_4)
	ttlv.EndStructure(b, mark)
	var t TemplateAttribute
	if err := t.UnmarshalTTLV(b); err != nil {
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
// the first; the second, which a single-instance field cannot, is kept in
// its place among the items no field took (Unknown does not list it), read
// here. It allocates nothing.
func (a *Attributes) RangeEnd(tag ttlv.Tag) (time.Time, bool) {
	for _, r := range a.x.unknown {
		t, v, n := ttlv.ConsumeDateTime(r)
		if n > 0 && t == tag {
			return time.Unix(v, 0).UTC(), true
		}
	}
	return time.Time{}, false
}
