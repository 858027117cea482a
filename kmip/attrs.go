package kmip

import (
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
	start := len(b)
	b = a.appendTTLV(b, tag, ver) // the 2.x form first, converted below
	mid := len(b)
	b, mark := ttlv.BeginStructure(b, tag1)
	children := b[start+ttlv.HeaderSize : mid]
	for len(children) > 0 {
		t, _, _, n := ttlv.ConsumeValue(children)
		if n < 0 {
			break // cannot happen: a.appendTTLV wrote it
		}
		name, _ := ttlv.TagSpecName(t)
		var am int
		b, am = ttlv.BeginStructure(b, ttlv.TagAttribute)
		b = ttlv.AppendTextString(b, ttlv.TagAttributeName, name)
		b = Raw(children[:n]).appendAs(b, ttlv.TagAttributeValue)
		ttlv.EndStructure(b, am)
		children = children[n:]
	}
	ttlv.EndStructure(b, mark)
	n := copy(b[start:], b[mid:])
	return b[:start+n]
}
