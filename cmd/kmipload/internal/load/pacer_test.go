package load

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestPacerReleases: the pacer alone, with workers that take the place
// of connections, at a rate above what they do (each message 50 µs of
// work, 4 workers, 200 000/s offered) and at one they keep up with
// (2 000/s over 2, a slot every 500 µs).
// Every slot is released exactly once, to its worker, never before it
// is due: each worker's count of releases ends at its share of the
// schedule and each message k waits for the k+1-th. A lost wake-up or
// a skipped slot would leave a worker waiting (the 10 s bound fails the
// test); a double release would show as a count above the share. Behind
// schedule the workers find their next slot released when they finish
// and send it at once; ahead of it they wait for each.
func TestPacerReleases(t *testing.T) {
	for _, c := range []struct {
		name     string
		rate     float64
		conns    int
		requests int64
		work     time.Duration
		behind   bool
	}{
		{"behind", 200_000, 4, 2000, 50 * time.Microsecond, true},
		{"ahead", 2_000, 2, 200, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cfg := withDefaults(Config{Conns: c.conns, Rate: c.rate, Requests: c.requests, Duration: time.Minute})
			workers := make([]*worker, c.conns)
			for i := range workers {
				workers[i] = &worker{wake: make(chan struct{}, 1)}
			}
			start := time.Now()
			p := newPacer(cfg, start, workers)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.run(ctx)
			}()
			share := c.requests / int64(c.conns)
			waited := make([]int64, c.conns)
			for i, w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := int64(0); k < share; k++ {
						slept, ok := w.waitSlot(ctx, k)
						if !ok {
							t.Errorf("worker %d, message %d: the run ended waiting (%d released)", i, k, w.released.Load())
							return
						}
						if slept {
							waited[i]++
						}
						due := Scheduled(c.rate, c.conns, i, k)
						if now := time.Since(start); now < due {
							t.Errorf("worker %d, message %d: released at %v, due at %v", i, k, now, due)
						}
						if n := w.released.Load(); n > share {
							t.Errorf("worker %d: %d slots released, its share is %d", i, n, share)
						}
						for t0 := time.Now(); time.Since(t0) < c.work; {
						}
					}
				}()
			}
			wg.Wait()
			var totalWaits int64
			for i, w := range workers {
				if n := w.released.Load(); n != share {
					t.Errorf("worker %d: %d slots released, want %d", i, n, share)
				}
				totalWaits += waited[i]
			}
			t.Logf("%d slots, %d waits for a release, pacer: %d sleeps, %d yields", c.requests, totalWaits, p.sleeps, p.yields)
			// Timing, not correctness: a loaded machine may keep a
			// worker from looking until after its slot, or the pacer
			// from releasing until the worker is free again; the bounds
			// leave room for that.
			if c.behind && totalWaits > c.requests/4 {
				t.Errorf("behind schedule, the workers waited for %d of %d slots: want them released by the time each is free", totalWaits, c.requests)
			}
			if !c.behind && totalWaits < c.requests/4 {
				t.Errorf("ahead of schedule, the workers waited for only %d of %d slots", totalWaits, c.requests)
			}
			if !c.behind && p.sleeps < c.requests/4 {
				t.Errorf("at %v/s the pacer slept %d times for %d slots", c.rate, p.sleeps, c.requests)
			}
		})
	}
}
