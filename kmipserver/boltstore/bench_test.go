package boltstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/boltstore"
	"github.com/kmipwire/kmipwire/ttlv"
)

// BenchmarkStore: Create (an AES-256 key) and Get of a key, one item a
// message, from 1 and 4 concurrent clients, against the memory store and
// the bbolt store (each Create then waits for its fsync; Get writes nothing
// once the key has been served).
func BenchmarkStore(b *testing.B) {
	create := request(0, aesCreate(0x04|0x08))
	for _, op := range []string{"create", "get"} {
		for _, kind := range []string{"memory", "bolt"} {
			for _, conns := range []int{1, 4} {
				b.Run(fmt.Sprintf("op=%s/store=%s/conns=%d", op, kind, conns), func(b *testing.B) {
					var s *kmipserver.Server
					if kind == "memory" {
						s = kmipserver.New(kmipserver.Config{})
					} else {
						st, err := boltstore.Open(b.TempDir())
						if err != nil {
							b.Fatal(err)
						}
						if s, err = kmipserver.Open(kmipserver.Config{}, st); err != nil {
							b.Fatal(err)
						}
					}
					defer s.Close()
					req := create
					if op == "get" {
						var m ttlv.Value
						if err := ttlv.Unmarshal(s.ServeTTLV(context.Background(), nil, create), &m); err != nil {
							b.Fatal(err)
						}
						id := m.Child(ttlv.TagBatchItem).Child(ttlv.TagResponsePayload).Child(ttlv.TagUniqueIdentifier).Text()
						req = request(0, item(opGet, payload(uid(id))))
						s.ServeTTLV(context.Background(), nil, req) // Fresh turns false: stored once
					}
					b.ReportAllocs()
					b.ResetTimer()
					var next atomic.Int64
					var wg sync.WaitGroup
					for range conns {
						wg.Add(1)
						go func() {
							defer wg.Done()
							var buf []byte
							for next.Add(1) <= int64(b.N) {
								buf = s.ServeTTLV(context.Background(), buf[:0], req)
							}
						}()
					}
					wg.Wait()
				})
			}
		}
	}
}
