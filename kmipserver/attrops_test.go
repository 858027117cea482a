package kmipserver

import (
	"slices"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestAddAttributeCurrentAttribute: an Add Attribute that holds its
// attribute in Current Attribute and has no New Attribute (the KMIP 2.0
// test cases' cnd01 draft) adds it; with New Attribute present, New
// Attribute is what is added; a Current Attribute of two attributes is
// refused as New Attribute would be.
func TestAddAttributeCurrentAttribute(t *testing.T) {
	s := newTestServer()
	id := ok(t, &do(t, s, v21, createAES(v21, 256)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	groups := func() []string {
		p := ok(t, &do(t, s, v21, item(opGetAttributes, uid(id), enum(ttlv.TagAttributeReference, uint32(ttlv.TagObjectGroup)))).items[0])
		return texts(p.Child(ttlv.TagAttributes), ttlv.TagObjectGroup)
	}
	ok(t, &do(t, s, v21, item(opAddAttribute, uid(id), st(ttlv.TagCurrentAttribute, str(ttlv.TagObjectGroup, "g1")))).items[0])
	if g := groups(); !slices.Equal(g, []string{"g1"}) {
		t.Fatalf("after Add Attribute with Current Attribute: Object Groups %q, want [g1]", g)
	}
	ok(t, &do(t, s, v21, item(opAddAttribute, uid(id), st(ttlv.TagCurrentAttribute, str(ttlv.TagObjectGroup, "g3")),
		st(ttlv.TagNewAttribute, str(ttlv.TagObjectGroup, "g2")))).items[0])
	if g := groups(); !slices.Equal(g, []string{"g1", "g2"}) {
		t.Fatalf("after Add Attribute with both: Object Groups %q, want [g1 g2]", g)
	}
	failed(t, &do(t, s, v21, item(opAddAttribute, uid(id), st(ttlv.TagCurrentAttribute,
		str(ttlv.TagObjectGroup, "g4"), str(ttlv.TagObjectGroup, "g5")))).items[0], rrInvalidField)
	failed(t, &do(t, s, v21, item(opAddAttribute, uid(id))).items[0], rrInvalidField)
}
