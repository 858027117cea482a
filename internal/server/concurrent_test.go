package server

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
