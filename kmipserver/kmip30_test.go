package kmipserver

import (
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestKMIP30: a KMIP 3.0 request (the committee draft: no Batch Count)
// is answered in 3.0, without a Batch Count and with the Unique
// Identifiers as Identifiers, and takes Identifiers where it names an
// object; a 1.x or 2.x request keeps its strictness: an Identifier there
// is refused, and the Batch Count is required.
func TestKMIP30(t *testing.T) {
	s := newTestServer()
	h30 := hdr{major: 3, minor: 0, noCount: true}
	r := do(t, s, h30, createAES(h30, 256, str(ttlv.TagName, "kmip30-key")))
	if r.major != 3 || r.minor != 0 {
		t.Fatalf("answered as %d.%d", r.major, r.minor)
	}
	p := ok(t, &r.items[0])
	u := p.Child(ttlv.TagUniqueIdentifier)
	if u == nil || u.Type != ttlv.TypeIdentifier || len(u.Bytes) == 0 {
		t.Fatalf("Create answer: %v", p)
	}
	id := u.Text()
	ident := ttlv.Identifier(ttlv.TagUniqueIdentifier, id)

	// Get and Get Attributes by Identifier; the answers carry Identifiers,
	// at every depth.
	r = do(t, s, h30, item(opGet, ident), item(opGetAttributes, ident), item(opLocate, st(ttlv.TagAttributes, str(ttlv.TagName, "kmip30-key"))))
	for i, it := range r.items {
		p := ok(t, &it)
		var ids []*ttlv.Value
		var walk func(v *ttlv.Value)
		walk = func(v *ttlv.Value) {
			for j := range v.Children {
				c := &v.Children[j]
				if c.Tag == ttlv.TagUniqueIdentifier {
					ids = append(ids, c)
				}
				walk(c)
			}
		}
		walk(p)
		if len(ids) == 0 {
			t.Fatalf("item %d: no Unique Identifier:\n%v", i, p)
		}
		for _, c := range ids {
			if c.Type != ttlv.TypeIdentifier || c.Text() != id {
				t.Errorf("item %d: %s %q, want Identifier %q", i, c.Type, c.Text(), id)
			}
		}
	}
	// A Batch Count in a 3.0 request is still checked: the item runs,
	// the mismatch is reported after it (as in 2.x).
	r = do(t, s, hdr{major: 3, minor: 0, count: 2}, item(opGet, ident))
	ok(t, &r.items[0])
	failed(t, &r.items[1], rrInvalidMessage)
	// Create Key Pair: both identifiers are Identifiers.
	r = do(t, s, h30, item(opCreateKeyPair, st(ttlv.TagCommonAttributes, enum(ttlv.TagCryptographicAlgorithm, algECDSA),
		integer(ttlv.TagCryptographicLength, 256), curve(curveP256))))
	p = ok(t, &r.items[0])
	for _, tag := range []ttlv.Tag{ttlv.TagPrivateKeyUniqueIdentifier, ttlv.TagPublicKeyUniqueIdentifier} {
		if c := p.Child(tag); c == nil || c.Type != ttlv.TypeIdentifier {
			t.Errorf("%s: %v", tag, c)
		}
	}

	// 2.1 keeps its rules: an Identifier is refused, Batch Count required,
	// the answer carries Text Strings.
	r = do(t, s, h21, item(opGet, ident))
	failed(t, &r.items[0], rrInvalidField)
	r = do(t, s, hdr{major: 2, minor: 1, noCount: true}, item(opGet, uid(id)))
	failed(t, &r.items[0], rrInvalidMessage)
	p = ok(t, &do(t, s, h21, item(opGet, uid(id))).items[0])
	if c := p.Child(ttlv.TagUniqueIdentifier); c.Type != ttlv.TypeTextString {
		t.Errorf("2.1 Get answer: %s", c.Type)
	}
}
