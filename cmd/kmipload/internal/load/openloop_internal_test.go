package load

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// TestScheduled: connection i of n sends its k-th message at (k·n + i)/R:
// over all connections the messages are 1/R apart in the order slot =
// k·n + i, each connection's n/R apart; a fractional period rounds to the
// nanosecond; a time past a Duration's range is the largest Duration.
func TestScheduled(t *testing.T) {
	const rate, conns = 2000.0, 4 // 500 µs apart, 2 ms a connection
	for k := int64(0); k < 1000; k++ {
		for i := 0; i < conns; i++ {
			got := Scheduled(rate, conns, i, k)
			want := time.Duration(k*conns+int64(i)) * 500 * time.Microsecond
			if got != want {
				t.Fatalf("conn %d, message %d: %v, want %v", i, k, got, want)
			}
		}
	}
	if got := Scheduled(rate, conns, 1, 7) - Scheduled(rate, conns, 1, 6); got != 2*time.Millisecond {
		t.Errorf("period of a connection: %v, want 2ms", got)
	}
	if got := Scheduled(rate, conns, 3, 0) - Scheduled(rate, conns, 2, 0); got != 500*time.Microsecond {
		t.Errorf("stagger between connections: %v, want 500µs", got)
	}
	// 3 messages a second over 2 connections: 333 333 333.3 ns apart.
	for _, c := range []struct {
		i    int
		k    int64
		want time.Duration
	}{{0, 0, 0}, {1, 0, 333_333_333}, {0, 1, 666_666_667}, {1, 1, time.Second}, {1, 1_000_000, 666_667_000 * time.Millisecond}} {
		if got := Scheduled(3, 2, c.i, c.k); got != c.want {
			t.Errorf("rate 3, conn %d, message %d: %v, want %v", c.i, c.k, got, c.want)
		}
	}
	// 59 000 a second over 64 connections, an hour in: slot 212 400 000.
	k := int64(59_000 * 3600 / 64)
	if got, want := Scheduled(59_000, 64, 0, k), time.Hour; (got - want).Abs() > time.Nanosecond {
		t.Errorf("an hour in: %v, want %v", got, want)
	}
	if got := Scheduled(1e-12, 1, 0, 1); got != math.MaxInt64 {
		t.Errorf("past a Duration: %v, want the largest", got)
	}
}

// TestOpenLoopAllocs: once warm, a paced message (build, wait for the
// pacer's release, send, record), the pacer's sleeps on the timerfd or on
// Go's timer and its releases included, allocates nothing, nor does a
// closed loop's.
func TestOpenLoopAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not counted under -race")
	}
	ctx := context.Background()
	srv, err := kmipserver.Listen(ctx, kmipserver.EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, kmipserver.New(kmipserver.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// 5 000/s on one connection: a slot every 200 µs, more than a round
	// trip here, so the worker mostly waits for its slot.
	cfg := withDefaults(Config{Client: kmipclient.Config{Addr: srv.Addr().String(), Transport: kmipclient.Plain, Version: kmipclient.V2_1},
		Conns: 1, Batch: 2, Mix: Mix{OpGet: 1, OpEncrypt: 1}, Keys: 2, Rate: 5_000, Duration: time.Hour})
	c, err := kmipclient.Dial(ctx, cfg.Client)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ids, err := setup(ctx, c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, goTimers := range []bool{false, true} {
		w := &worker{b: c.NewBatch(0), reqs: newRequests(cfg.Batch, make([]byte, 64)),
			rng: rand.New(rand.NewPCG(1, 2)), reasons: map[kmip.ResultReason]uint64{}, wake: make(chan struct{}, 1)}
		p := newPacer(cfg, time.Now(), []*worker{w})
		p.goTimers = goTimers
		pctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.run(pctx)
		}()
		k := int64(0)
		paced := func() {
			w.build(cfg, ids)
			slept, ok := w.waitSlot(ctx, k)
			if !ok {
				t.Fatal("waitSlot: not ok")
			}
			w.exec(ctx, p.start.Add(Scheduled(cfg.Rate, 1, 0, k)), slept)
			k++
		}
		n := testing.AllocsPerRun(300, paced)
		stop()
		<-done
		if p.clock == nil && !goTimers && p.err == nil {
			t.Logf("no timerfd: Go's timers only")
		}
		if n != 0 {
			t.Errorf("paced (Go's timers %v): %v allocations a message", goTimers, n)
		}
		if w.errors != 0 || w.failed != 0 || p.err != nil || w.lag.Count() == 0 || p.sleeps == 0 || w.service.Count() != uint64(k) {
			t.Errorf("Go's timers %v: %d request errors (%v), %d failed items, pacer error %v, %d waits, %d pacer sleeps, %d service times of %d messages",
				goTimers, w.errors, w.firstErr, w.failed, p.err, w.lag.Count(), p.sleeps, w.service.Count(), k)
		}
		if goTimers {
			closed := func() {
				w.build(cfg, ids)
				w.exec(ctx, time.Time{}, false)
			}
			if n := testing.AllocsPerRun(200, closed); n != 0 {
				t.Errorf("closed loop: %v allocations a message", n)
			}
		}
	}
}
