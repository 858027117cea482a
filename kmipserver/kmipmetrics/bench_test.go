package kmipmetrics_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/kmipmetrics"
	"github.com/kmipwire/kmipwire/ttlv"
)

func request(items ...ttlv.Value) []byte {
	return ttlv.Marshal(&ttlv.Value{Tag: ttlv.TagRequestMessage, Type: ttlv.TypeStructure, Children: append([]ttlv.Value{
		ttlv.Structure(ttlv.TagRequestHeader,
			ttlv.Structure(ttlv.TagProtocolVersion,
				ttlv.Integer(ttlv.TagProtocolVersionMajor, 2),
				ttlv.Integer(ttlv.TagProtocolVersionMinor, 1)),
			ttlv.Integer(ttlv.TagBatchCount, int32(len(items))))}, items...)})
}

// getBatch registers an AES key in s and returns a message of n Gets of it.
func getBatch(tb testing.TB, s kmipserver.Handler, n int) []byte {
	reg := ttlv.Structure(ttlv.TagBatchItem, ttlv.Enumeration(ttlv.TagOperation, 0x03), // Register
		ttlv.Structure(ttlv.TagRequestPayload,
			ttlv.Enumeration(ttlv.TagObjectType, 0x02),
			ttlv.Structure(ttlv.TagAttributes, ttlv.Integer(ttlv.TagCryptographicUsageMask, 0x04|0x08)),
			ttlv.Structure(ttlv.TagSymmetricKey, ttlv.Structure(ttlv.TagKeyBlock,
				ttlv.Enumeration(ttlv.TagKeyFormatType, 0x01),
				ttlv.Structure(ttlv.TagKeyValue, ttlv.ByteString(ttlv.TagKeyMaterial, make([]byte, 32))),
				ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, 0x03),
				ttlv.Integer(ttlv.TagCryptographicLength, 256)))))
	var resp ttlv.Value
	if err := ttlv.Unmarshal(s.ServeTTLV(context.Background(), nil, request(reg)), &resp); err != nil {
		tb.Fatal(err)
	}
	id := resp.Child(ttlv.TagBatchItem).Child(ttlv.TagResponsePayload).Child(ttlv.TagUniqueIdentifier)
	if id == nil {
		tb.Fatalf("Register failed:\n%s", resp.String())
	}
	items := make([]ttlv.Value, n)
	for i := range items {
		items[i] = ttlv.Structure(ttlv.TagBatchItem, ttlv.Enumeration(ttlv.TagOperation, 0x0A), // Get
			ttlv.Structure(ttlv.TagRequestPayload, ttlv.TextString(ttlv.TagUniqueIdentifier, string(id.Bytes))))
	}
	return request(items...)
}

// BenchmarkServeBatchMetrics is a batch of 100 Gets answered in process by
// a Server without middleware (bare), with one that does nothing (the
// chain's own cost: items leave Get's fast path) and counted by
// kmipmetrics, side by side.
func BenchmarkServeBatchMetrics(b *testing.B) {
	identity := func(next kmipserver.ItemFunc) kmipserver.ItemFunc { return next }
	for _, name := range []string{"bare", "identity", "metrics"} {
		var h kmipserver.Handler
		switch name {
		case "bare":
			h = kmipserver.New(kmipserver.Config{})
		case "identity": // a Middleware that does nothing: the chain's own cost
			h = kmipserver.New(kmipserver.Config{Middleware: []kmipserver.Middleware{identity}})
		case "metrics":
			m := kmipmetrics.New(prometheus.NewRegistry())
			h = m.Handler(kmipserver.New(kmipserver.Config{Middleware: []kmipserver.Middleware{m.Middleware()}}))
		}
		b.Run(name, func(b *testing.B) {
			req := getBatch(b, h, 100)
			ctx := context.Background()
			dst := h.ServeTTLV(ctx, nil, req)
			b.SetBytes(int64(len(req)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				dst = h.ServeTTLV(ctx, dst[:0], req)
			}
		})
	}
}
