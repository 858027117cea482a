package kmipserver

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// createNamed is a KMIP 2.1 Create of a symmetric key with a Name and an
// Object Group.
func createNamed(alg uint32, bits int32, nm, group string) v {
	return item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes,
		enum(ttlv.TagCryptographicAlgorithm, alg), integer(ttlv.TagCryptographicLength, bits),
		integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt|usageDecrypt)),
		name(nm), str(ttlv.TagObjectGroup, group)))
}

// fill creates n AES-128 keys named key-0…, in groups group-0…9, in
// messages of up to 1 000 Creates; special of them (spread over the
// store) are HMAC-SHA256 keys instead.
func fill(tb testing.TB, s *Server, n, special int) []string {
	tb.Helper()
	var ids []string
	every := n + 1
	if special > 0 {
		every = n / special
	}
	for start := 0; start < n; start += 1000 {
		var items []v
		for i := start; i < min(n, start+1000); i++ {
			alg, bits := algAES, int32(128)
			if i%every == every-1 {
				alg, bits = algHMACSHA256, 256
			}
			items = append(items, createNamed(alg, bits, fmt.Sprintf("key-%d", i), fmt.Sprintf("group-%d", i%10)))
		}
		r := do(tb, s, v21, items...)
		for i := range r.items {
			ids = append(ids, ok(tb, &r.items[i]).Child(ttlv.TagUniqueIdentifier).Text())
		}
	}
	return ids
}

func located(tb testing.TB, s *Server, args ...v) (ids []string, total int64) {
	tb.Helper()
	r := do(tb, s, v21, item(opLocate, args...))
	p := ok(tb, &r.items[0])
	if li := p.Child(ttlv.TagLocatedItems); li != nil {
		total = li.Num
	}
	return texts(p, ttlv.TagUniqueIdentifier), total
}

// Locate through the index answers exactly what a visit of every object
// answers, after the attributes the index keys on changed (Name modified,
// Object Group added, Links made by Create Key Pair), objects were
// destroyed, and a bulk-mode Undo took back a creation and a rename.
func TestLocateIndexMatchesScan(t *testing.T) {
	s := newTestServer()
	ids := fill(t, s, 300, 7)
	for i := 0; i < 300; i += 13 {
		ok(t, &do(t, s, v21, item(opModifyAttribute, uid(ids[i]), st(ttlv.TagNewAttribute, name(fmt.Sprintf("renamed-%d", i))))).items[0])
	}
	for i := 5; i < 300; i += 17 {
		ok(t, &do(t, s, v21, item(opAddAttribute, uid(ids[i]), st(ttlv.TagNewAttribute, str(ttlv.TagObjectGroup, "extra")))).items[0])
	}
	for i := 2; i < 300; i += 31 {
		ok(t, &do(t, s, v21, item(opDestroy, uid(ids[i]))).items[0])
	}
	kp := ok(t, &do(t, s, v21, item(opCreateKeyPair, st(ttlv.TagCommonAttributes,
		enum(ttlv.TagCryptographicAlgorithm, algECDSA), integer(ttlv.TagCryptographicLength, 256)))).items[0])
	priv := kp.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text()
	pub := kp.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
	// Undone: a new key named key-undone, and ids[1] renamed undone-1.
	r := do(t, s, hdr{major: 2, minor: 1, cont: batch.Undo},
		createNamed(algAES, 128, "key-undone", "group-undone"),
		item(opModifyAttribute, uid(ids[1]), st(ttlv.TagNewAttribute, name("undone-1"))),
		item(opGet, uid("no such object")))
	if rs, _ := status(&r.items[2]); rs != batch.StatusFailed {
		t.Fatal("the Undo batch should fail on its last item")
	}
	// Activated by the clock: an Activation Date a minute ahead, then the
	// clock moves past it, no message touching the key.
	later := ok(t, &do(t, s, v21, item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes,
		enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128),
		ttlv.DateTime(ttlv.TagActivationDate, fixedNow.Add(time.Minute))))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &do(t, s, v21, item(opActivate, uid(ids[3]))).items[0])
	s.now = func() time.Time { return fixedNow.Add(2 * time.Minute) }
	link := func(typ uint32, id string) v {
		return st(ttlv.TagLink, enum(ttlv.TagLinkType, typ), str(ttlv.TagLinkedObjectIdentifier, id))
	}
	filters := map[string][]v{
		"name":              {name("key-42")},
		"renamed":           {name("renamed-26")},
		"old name":          {name("key-26")},
		"undone name":       {name("undone-1")},
		"undone creation":   {name("key-undone")},
		"group":             {str(ttlv.TagObjectGroup, "group-3")},
		"added group":       {str(ttlv.TagObjectGroup, "extra")},
		"type":              {enum(ttlv.TagObjectType, objSymmetricKey)},
		"type+alg":          {enum(ttlv.TagObjectType, objSymmetricKey), enum(ttlv.TagCryptographicAlgorithm, algHMACSHA256)},
		"type+alg+group":    {enum(ttlv.TagObjectType, objSymmetricKey), enum(ttlv.TagCryptographicAlgorithm, algAES), str(ttlv.TagObjectGroup, "group-1")},
		"destroyed":         {name("key-33"), enum(ttlv.TagState, stateDestroyed)},
		"link to public":    {link(linkPublicKey, pub)},
		"link to private":   {link(linkPrivateKey, priv)},
		"private type":      {enum(ttlv.TagObjectType, objPrivateKey)},
		"unknown name":      {name("nobody")},
		"length (not kept)": {integer(ttlv.TagCryptographicLength, 256)},
		"active":            {enum(ttlv.TagState, stateActive)},
		"pre-active":        {enum(ttlv.TagState, statePreActive)},
		"destroyed state":   {enum(ttlv.TagState, stateDestroyed)},
	}
	for nm, f := range filters {
		for _, page := range [][]v{nil, {integer(ttlv.TagMaximumItems, 3)}, {integer(ttlv.TagMaximumItems, 2), integer(ttlv.TagOffsetItems, 4)}} {
			args := append(slices.Clone(page), st(ttlv.TagAttributes, f...))
			s.scanLocate = false
			gotIDs, gotTotal := located(t, s, args...)
			s.scanLocate = true
			wantIDs, wantTotal := located(t, s, args...)
			if !slices.Equal(gotIDs, wantIDs) || gotTotal != wantTotal {
				t.Errorf("%s %v: index %q (%d located), scan %q (%d)", nm, page, gotIDs, gotTotal, wantIDs, wantTotal)
			}
		}
	}
	s.scanLocate = false
	if got, _ := located(t, s, st(ttlv.TagAttributes, name("renamed-26"))); len(got) != 1 || got[0] != ids[26] {
		t.Errorf("renamed key: %q, want %s", got, ids[26])
	}
	if got, _ := located(t, s, st(ttlv.TagAttributes, enum(ttlv.TagState, stateActive))); !slices.Contains(got, later) ||
		!slices.Contains(got, ids[3]) {
		t.Errorf("Active keys %q: want the one the clock activated (%s) and %s", got, later, ids[3])
	}
	if got, _ := located(t, s, st(ttlv.TagAttributes, name("key-undone"))); len(got) != 0 {
		t.Errorf("undone creation located: %q", got)
	}
}

// BenchmarkLocate: one Locate a message (MaximumItems 16) in stores of
// 1 000, 100 000 and 1 000 000 AES keys, by Name (one match), by Object
// Type + Cryptographic Algorithm (the 16 HMAC keys among them), and by
// Cryptographic Length, which the index does not keep (a visit of every
// object; not run at 1 000 000).
func BenchmarkLocate(b *testing.B) {
	for _, n := range []int{1000, 100_000, 1_000_000} {
		var s *Server
		setup := func(b *testing.B) {
			if s == nil {
				s = newTestServer()
				fill(b, s, n, 16)
			}
		}
		queries := []struct {
			by   string
			args []v
			want int
		}{
			{"name", []v{st(ttlv.TagAttributes, name(fmt.Sprintf("key-%d", n/2)))}, 1},
			{"type+alg", []v{st(ttlv.TagAttributes, enum(ttlv.TagObjectType, objSymmetricKey), enum(ttlv.TagCryptographicAlgorithm, algHMACSHA256))}, 16},
			{"length", []v{st(ttlv.TagAttributes, integer(ttlv.TagCryptographicLength, 256))}, 16},
		}
		for _, q := range queries {
			if q.by == "length" && n > 100_000 {
				continue
			}
			b.Run(fmt.Sprintf("objects=%d/by=%s", n, q.by), func(b *testing.B) {
				setup(b)
				req := request(v21, item(opLocate, append([]v{integer(ttlv.TagMaximumItems, 16)}, q.args...)...))
				if got, _ := located(b, s, append([]v{integer(ttlv.TagMaximumItems, 16)}, q.args...)...); len(got) != q.want {
					b.Fatalf("%d located, want %d", len(got), q.want)
				}
				ctx := context.Background()
				buf := s.ServeTTLV(ctx, nil, req)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					buf = s.ServeTTLV(ctx, buf[:0], req)
				}
			})
		}
	}
}
