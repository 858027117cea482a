package load

import (
	"context"
	"runtime"
	"time"
)

// DefaultRateQuantum is Config.RateQuantum's default: the shortest sleep
// of an open loop's pacer. At 35 000 messages/s (a slot every 29 µs) it
// wakes for about two slots at a time, each sent at most 50 µs after its
// scheduled time by the pacer's own choice (the send lag shows it).
const DefaultRateQuantum = 50 * time.Microsecond

// maxYields bounds the pacer's runs of yields (see pacer.run): while it
// yields, the Go scheduler runs the goroutines ready to run but does not
// poll the network, so answers wait; after this many it sleeps on its
// timer, which lets the poller run.
const maxYields = 4

// pacer owns an open loop's schedule: slot j, due at start + j/rate
// (Scheduled for connection j mod conns, its message j div conns), is
// released to that connection's worker, in order, each slot exactly once.
// A worker sends its k-th message once k+1 of its slots are released (see
// worker.waitSlot): at once if it was busy past the slot's time, never
// skipping one.
//
// One goroutine and one timer for all the connections: a worker each
// sleeping on its own timer cost three system calls a message
// (timerfd_settime, a read finding the timerfd empty, the read after the
// wake), which at tens of thousands of messages a second made the load
// generator the bottleneck.
type pacer struct {
	rate     float64
	conns    int
	start    time.Time
	duration time.Duration // no slot due at or after it
	requests int64         // when positive, no slot j ≥ requests
	quantum  time.Duration
	workers  []*worker
	goTimers bool     // no hrClock: Go's timers (for tests)
	clock    *hrClock // nil where there is none, then timer
	timer    *time.Timer
	err      error // the timerfd's failure, if it failed
	// Counts, for tests.
	sleeps, yields int64
}

// slot returns when slot j is due, from the start, and whether it is in
// the run.
func (p *pacer) slot(j int64) (time.Duration, bool) {
	if p.requests > 0 && j >= p.requests {
		return 0, false
	}
	at := Scheduled(p.rate, p.conns, int(j%int64(p.conns)), j/int64(p.conns))
	return at, at < p.duration
}

// run releases the slots as they come due until the last one or until
// ctx ends. It releases every slot due when it looks; then, if it released
// any, the process is busy (the workers it woke are about to run): it
// yields (runtime.Gosched) rather than arm a timer, as long as a slot
// comes due each time round, up to maxYields running; otherwise it
// sleeps until the next slot is due, but not less than p.quantum, so that
// under load one wake releases several slots.
func (p *pacer) run(ctx context.Context) {
	if !p.goTimers {
		if c, err := newHRClock(ctx); err == nil {
			p.clock = c
		}
	}
	defer func() {
		if p.clock != nil {
			p.clock.close()
		}
		if p.timer != nil {
			p.timer.Stop()
		}
	}()
	yields := 0
	for j := int64(0); ; {
		now := time.Since(p.start)
		released := false
		var next time.Duration
		for {
			at, ok := p.slot(j)
			if !ok {
				return
			}
			if at > now {
				next = at
				break
			}
			w := p.workers[j%int64(p.conns)]
			w.released.Add(1)
			select {
			case w.wake <- struct{}{}:
			default: // a wake is pending already, or the worker is busy and will look
			}
			released = true
			j++
		}
		if ctx.Err() != nil {
			return
		}
		if released && yields < maxYields {
			yields++
			p.yields++
			runtime.Gosched()
			continue
		}
		yields = 0
		p.sleeps++
		if !p.sleep(ctx, max(next-now, p.quantum)) {
			return
		}
	}
}

// sleep returns after d, or false when ctx ends. It sleeps on the pacer's
// hrClock (Linux's timerfd), else on Go's timers, which fire up to about
// a millisecond late in a process otherwise idle (see hrClock); either is
// made once and re-armed: sleeping allocates nothing.
func (p *pacer) sleep(ctx context.Context, d time.Duration) bool {
	if p.clock != nil {
		ok, err := p.clock.sleep(d)
		if err == nil {
			return ok
		}
		p.clock.close() // it failed: Go's timers from now on
		p.clock = nil
		p.err = err // reported once the run is done
		return ctx.Err() == nil
	}
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d) // since Go 1.23, Reset leaves no stale tick in C
	}
	select {
	case <-p.timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// waitSlot returns when the worker's k-th slot (from 0) is released: at
// once if it is (slept false), or ok false if ctx ends first.
func (w *worker) waitSlot(ctx context.Context, k int64) (slept, ok bool) {
	if w.released.Load() > k {
		return false, ctx.Err() == nil
	}
	for {
		select {
		case <-w.wake:
		case <-ctx.Done():
			return true, false
		}
		if w.released.Load() > k {
			return true, true
		}
	}
}

// newPacer returns the pacer of cfg's open loop (cfg with its defaults)
// over workers, which started at start.
func newPacer(cfg Config, start time.Time, workers []*worker) *pacer {
	return &pacer{rate: cfg.Rate, conns: cfg.Conns, start: start, duration: cfg.Duration,
		requests: cfg.Requests, quantum: cfg.RateQuantum, workers: workers}
}
