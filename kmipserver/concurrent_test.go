package kmipserver

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// TestConcurrentClients: goroutines create, activate, use, revoke, destroy
// and locate keys at once on one Server (run with -race); every answer is
// well-formed and every lifecycle step of each goroutine's own key
// succeeds.
func TestConcurrentClients(t *testing.T) {
	s := New(Config{})
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := versionsUnderTest[w%len(versionsUnderTest)]
			h.cont = batch.Stop
			ctx := context.Background()
			var out []byte
			for i := range rounds {
				req := request(h, createAES(h, 128, name(fmt.Sprintf("w%d-%d", w, i))), item(opActivate),
					item(opEncrypt, bstr(ttlv.TagData, []byte("data"))), item(opGet),
					item(opRevoke, st(ttlv.TagRevocationReason, enum(ttlv.TagRevocationReasonCode, revUnspecified))),
					item(opDestroy), item(opLocate, integer(ttlv.TagMaximumItems, 3)))
				out = s.ServeTTLV(ctx, out[:0], req)
				if err := ttlv.Validate(out, ttlv.DecodeOptions{}); err != nil {
					errs <- err
					return
				}
				var m ttlv.Value
				if err := ttlv.Unmarshal(out, &m); err != nil {
					errs <- err
					return
				}
				n := 0
				for _, it := range m.Children {
					if it.Tag != ttlv.TagBatchItem {
						continue
					}
					n++
					if rs, rr := status(&it); rs != 0 {
						errs <- fmt.Errorf("worker %d round %d: item %d failed, reason 0x%X", w, i, n, rr)
						return
					}
				}
				if n != 7 {
					errs <- fmt.Errorf("worker %d: %d items", w, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestUnorderedBatch: with Batch Order Option false and Continue, items
// run concurrently and the answer keeps the request's order.
func TestUnorderedBatch(t *testing.T) {
	s := New(Config{})
	h := hdr{major: 2, minor: 1}
	var ids []string
	for range 20 {
		ids = append(ids, ok(t, &do(t, s, h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text())
	}
	h.unordered, h.cont = true, batch.Continue
	var items []v
	for i, id := range ids {
		it := item(opGet, uid(id))
		if i%5 == 4 {
			it = item(opGet, uid("missing"))
		}
		it.Children = append(it.Children[:1], append([]v{bstr(ttlv.TagUniqueBatchItemID, []byte{byte(i)})}, it.Children[1:]...)...)
		items = append(items, it)
	}
	items = append(items, item(opGet)) // no ID Placeholder without order
	r := do(t, s, h, items...)
	if len(r.items) != 21 {
		t.Fatalf("%d items", len(r.items))
	}
	for i := range 20 {
		if got := r.items[i].Child(ttlv.TagUniqueBatchItemID).Bytes; len(got) != 1 || got[0] != byte(i) {
			t.Fatalf("item %d answered as %x", i, got)
		}
		if i%5 == 4 {
			failed(t, &r.items[i], notFoundIn(h))
			continue
		}
		if got := ok(t, &r.items[i]).Child(ttlv.TagUniqueIdentifier).Text(); got != ids[i] {
			t.Fatalf("item %d: key %s, want %s", i, got, ids[i])
		}
	}
	failed(t, &r.items[20], rrMissingData)
}
