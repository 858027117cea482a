package server

import (
	"context"
	"os"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// getBatch returns a server holding n AES keys and a KMIP 1.4 request of
// n Get items, one per key, with Unique Batch Item IDs.
func getBatch(tb testing.TB, n int) (*Server, []byte) {
	tb.Helper()
	s := newTestServer()
	h := hdr{major: 1, minor: 4}
	var items []v
	for i := range n {
		id := ok(tb, &do(tb, s, h, createAES(h, 256)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		it := item(opGet, uid(id))
		it.Children = append(it.Children[:1], append([]v{bstr(ttlv.TagUniqueBatchItemID, []byte{byte(i >> 8), byte(i)})}, it.Children[1:]...)...)
		items = append(items, it)
	}
	return s, request(h, items...)
}

// BenchmarkServeBatch: a 100-item Get batch through ServeTTLV, reused
// destination. allocs/item is the allocations per batch item.
func BenchmarkServeBatch(b *testing.B) {
	s, req := getBatch(b, 100)
	ctx := context.Background()
	dst := s.ServeTTLV(ctx, nil, req)
	r := decode(b, dst)
	for i := range r.items {
		ok(b, &r.items[i])
	}
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dst = s.ServeTTLV(ctx, dst[:0], req)
	}
	b.StopTimer()
	allocs := testing.AllocsPerRun(10, func() { dst = s.ServeTTLV(ctx, dst[:0], req) })
	b.ReportMetric(allocs/100, "allocs/item")
}

// TestServeBatchAllocs: Get answers from pre-encoded key material, with no
// allocation per item (and none per message once warm).
func TestServeBatchAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under -cover and -race")
	}
	s, req := getBatch(t, 100)
	ctx := context.Background()
	dst := s.ServeTTLV(ctx, nil, req)
	allocs := testing.AllocsPerRun(50, func() { dst = s.ServeTTLV(ctx, dst[:0], req) })
	if allocs > 0 {
		t.Fatalf("%.1f allocations per 100-item Get batch, want 0", allocs)
	}
}

// BenchmarkServeJSON: the seed request (Create Key Pair on Curve25519 and
// Locate) through ServeJSON.
func BenchmarkServeJSON(b *testing.B) {
	req, err := os.ReadFile("testdata/seed-request.json")
	if err != nil {
		b.Fatal(err)
	}
	s := New(Config{})
	ctx := context.Background()
	dst := s.ServeJSON(ctx, nil, req)
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		// a fresh server now and then: Locate lists every key made so far
		if n++; n%64 == 0 {
			s = New(Config{})
		}
		dst = s.ServeJSON(ctx, dst[:0], req)
	}
}
