package kmipserver

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

// TestServeBatchAllocs: Get answers from pre-encoded key material and
// Encrypt seals into pooled buffers: no allocation per item (and none per
// message once warm).
func TestServeBatchAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under -cover and -race")
	}
	for _, tc := range []struct {
		name  string
		batch func(testing.TB, int) (*Server, []byte)
	}{{"Get", getBatch}, {"Get with a Key Format Type", getFormatBatch}, {"Encrypt", encryptBatch}} {
		s, req := tc.batch(t, 100)
		ctx := context.Background()
		dst := s.ServeTTLV(ctx, nil, req)
		allocs := testing.AllocsPerRun(50, func() { dst = s.ServeTTLV(ctx, dst[:0], req) })
		if allocs > 0 {
			t.Errorf("%.1f allocations per 100-item %s batch, want 0", allocs, tc.name)
		}
	}
}

// getFormatBatch is getBatch with each Get naming the Key Format Type the
// keys are stored in (Raw): not the pre-encoded fast path (getFast), the
// typed payload's, which answers from the same pre-encoded bytes.
func getFormatBatch(tb testing.TB, n int) (*Server, []byte) {
	tb.Helper()
	s, req := getBatch(tb, n)
	var m v
	if err := ttlv.Unmarshal(req, &m); err != nil {
		tb.Fatal(err)
	}
	for i := range m.Children {
		if it := &m.Children[i]; it.Tag == ttlv.TagBatchItem {
			p := it.Child(ttlv.TagRequestPayload)
			p.Children = append(p.Children, enum(ttlv.TagKeyFormatType, kfRaw))
		}
	}
	req = ttlv.Marshal(&m)
	r := decode(tb, s.ServeTTLV(context.Background(), nil, req))
	for i := range r.items {
		if p := ok(tb, &r.items[i]); p.Child(ttlv.TagSymmetricKey) == nil {
			tb.Fatalf("item %d: no Symmetric Key: %s", i, p)
		}
	}
	return s, req
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

// encryptBatch returns a server holding an active AES-256 key and a KMIP
// 2.1 request of n AES-GCM Encrypts of 64 bytes (server-made IVs).
func encryptBatch(tb testing.TB, n int) (*Server, []byte) {
	tb.Helper()
	s := newTestServer()
	h := hdr{major: 2, minor: 1}
	id := ok(tb, &do(tb, s, h, createAES(h, 256), item(opActivate)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	var items []v
	gcm := st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeGCM), enum(ttlv.TagCryptographicAlgorithm, algAES))
	for range n {
		items = append(items, item(opEncrypt, uid(id), gcm, bstr(ttlv.TagData, make([]byte, 64))))
	}
	return s, request(h, items...)
}

// BenchmarkServeEncrypt: a 100-item batch of AES-256-GCM Encrypts.
func BenchmarkServeEncrypt(b *testing.B) {
	s, req := encryptBatch(b, 100)
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

// BenchmarkServeCreate: a 10-item batch of AES-256 Creates, KMIP 1.4 (the
// load generator's form); the store grows as it runs.
func BenchmarkServeCreate(b *testing.B) { benchCreate(b, hdr{major: 1, minor: 4}) }

// BenchmarkServeCreate2x: BenchmarkServeCreate in the KMIP 2.1 form, the
// attributes in an Attributes structure.
func BenchmarkServeCreate2x(b *testing.B) { benchCreate(b, h21) }

func benchCreate(b *testing.B, h hdr) {
	s := New(Config{})
	var items []v
	for range 10 {
		items = append(items, createAES(h, 256))
	}
	req := request(h, items...)
	ctx := context.Background()
	dst := s.ServeTTLV(ctx, nil, req)
	r := decode(b, dst)
	for i := range r.items {
		ok(b, &r.items[i])
	}
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		dst = s.ServeTTLV(ctx, dst[:0], req)
	}
}

// BenchmarkServeGet1: one Get per message: the per-message cost.
func BenchmarkServeGet1(b *testing.B) {
	s, req := getBatch(b, 1)
	ctx := context.Background()
	dst := s.ServeTTLV(ctx, nil, req)
	ok(b, &decode(b, dst).items[0])
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		dst = s.ServeTTLV(ctx, dst[:0], req)
	}
}
