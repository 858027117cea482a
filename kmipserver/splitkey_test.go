package kmipserver

import (
	"bytes"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestGF256: FIPS 197 §4.2's worked products and every inverse.
func TestGF256(t *testing.T) {
	if got := gfMul(0x57, 0x83); got != 0xc1 {
		t.Errorf("{57}·{83} = %02x, want c1", got)
	}
	if got := gfMul(0x57, 0x13); got != 0xfe {
		t.Errorf("{57}·{13} = %02x, want fe", got)
	}
	for a := 1; a < 256; a++ {
		if gfMul(byte(a), gfInv(byte(a))) != 1 {
			t.Fatalf("inverse of %02x", a)
		}
	}
}

// TestSplitJoin: a registered key split by XOR (all parts) and by
// polynomial sharing over GF(2^8) (3 of 5) is rebuilt by Join Split Key
// from every threshold-sized subset of the parts; fewer parts fail with
// Cryptographic Failure; parts of two splits, a part given twice, and a
// method the server lacks are refused; the ID Placeholder names part 1,
// then the joined key.
func TestSplitJoin(t *testing.T) {
	s := newTestServer()
	key := []byte("0123456789abcdef")
	base := registerSym(t, s, key, algAES, usageEncrypt|usageDecrypt)
	split := func(n, th int32, method uint32) []string {
		r := do(t, s, v21, item(opCreateSplitKey, enum(ttlv.TagObjectType, objSplitKey), uid(base),
			integer(ttlv.TagSplitKeyParts, n), integer(ttlv.TagSplitKeyThreshold, th), enum(ttlv.TagSplitKeyMethod, method)),
			item(opGet))
		var ids []string
		for _, id := range ok(t, &r.items[0]).Children {
			ids = append(ids, id.Text())
		}
		if len(ids) != int(n) {
			t.Fatalf("%d parts, want %d", len(ids), n)
		}
		g := ok(t, &r.items[1])
		sk := g.Child(ttlv.TagSplitKey)
		if g.Child(ttlv.TagUniqueIdentifier).Text() != ids[0] || sk == nil || sk.Child(ttlv.TagKeyPartIdentifier).Num != 1 {
			t.Fatalf("ID Placeholder: Get answered %v", g)
		}
		return ids
	}
	join := func(ids ...string) *v {
		f := []v{enum(ttlv.TagObjectType, objSymmetricKey)}
		for _, id := range ids {
			f = append(f, uid(id))
		}
		r := do(t, s, v21, item(opJoinSplitKey, f...), item(opGet))
		return &r.items[0]
	}
	joined := func(ids ...string) []byte {
		t.Helper()
		id := ok(t, join(ids...)).Child(ttlv.TagUniqueIdentifier).Text()
		return keyBytes(t, s, v21, id)
	}
	x := split(3, 3, splitXOR)
	if got := joined(x...); !bytes.Equal(got, key) {
		t.Errorf("XOR join %x, want %x", got, key)
	}
	failed(t, join(x[0], x[2]), rrCryptographicFailure)
	sh := split(5, 3, splitGF2_8)
	for _, set := range [][]int{{0, 1, 2}, {4, 2, 0}, {1, 3, 4}, {0, 1, 2, 3, 4}} {
		var ids []string
		for _, i := range set {
			ids = append(ids, sh[i])
		}
		if got := joined(ids...); !bytes.Equal(got, key) {
			t.Errorf("parts %v: joined %x, want %x", set, got, key)
		}
	}
	failed(t, join(sh[0], sh[1]), rrCryptographicFailure)
	failed(t, join(sh[0], sh[1], x[0]), rrInvalidField)
	failed(t, join(sh[0], sh[0], sh[1]), rrInvalidField)
	failed(t, join(base), rrInvalidField)
	failed(t, &do(t, s, v21, item(opCreateSplitKey, enum(ttlv.TagObjectType, objSplitKey), uid(base),
		integer(ttlv.TagSplitKeyParts, 3), integer(ttlv.TagSplitKeyThreshold, 2), enum(ttlv.TagSplitKeyMethod, 0x02))).items[0], rrInvalidField)
	failed(t, &do(t, s, v21, item(opCreateSplitKey, enum(ttlv.TagObjectType, objSplitKey), uid(base),
		integer(ttlv.TagSplitKeyParts, 3), integer(ttlv.TagSplitKeyThreshold, 2), enum(ttlv.TagSplitKeyMethod, splitXOR))).items[0], rrInvalidField)
	// without a key: a new secret of the requested length, split
	r := do(t, s, v21, item(opCreateSplitKey, enum(ttlv.TagObjectType, objSplitKey),
		integer(ttlv.TagSplitKeyParts, 2), integer(ttlv.TagSplitKeyThreshold, 2), enum(ttlv.TagSplitKeyMethod, splitGF2_8),
		st(ttlv.TagAttributes, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256))))
	var ids []string
	for _, id := range ok(t, &r.items[0]).Children {
		ids = append(ids, id.Text())
	}
	if got := joined(ids...); len(got) != 32 {
		t.Errorf("new secret of %d bytes, want 32", len(got))
	}
}

func keyBytes(t *testing.T, s *Server, h hdr, id string) []byte {
	t.Helper()
	g := ok(t, &do(t, s, h, item(opGet, uid(id))).items[0])
	return g.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes
}
