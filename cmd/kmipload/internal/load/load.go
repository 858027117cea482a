// Package load is the logic of kmipload, a load generator for KMIP
// servers: N connections send batches of operations drawn from a weighted
// mix for a duration or a number of requests, and the run ends with a
// report of throughput, latency quantiles and errors by result reason.
//
// The requests go through package kmipclient, as a user's would: each
// connection of its pool sends one RequestMessage (a kmipclient.Batch),
// waits for its ResponseMessage and records the round trip in a latency
// histogram of its own (merged at the end), so measurement costs no locks. Before the run, a setup phase
// creates and activates the symmetric keys that Get and Encrypt use.
//
// By default the load is a closed loop: each connection sends its next
// message as soon as the previous one is answered, so the messages in
// flight are the connections and, by Little's law, the mean latency is
// the connections over the throughput whatever the server does. With
// Config.Rate the load is an open loop: messages are scheduled at a fixed
// rate, staggered across the connections, and each latency is measured
// from the time its message was scheduled to be sent, not from when it
// went out, so a server that stalls is charged for every message that
// queued behind the stall (coordinated omission corrected); the time from
// the actual send to the answer is the service time, reported beside it.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
)

// Config describes a run.
type Config struct {
	// Client says how to reach the server: address, transport, TLS
	// (certificates, cipher suites), protocol version (zero: negotiated).
	// Its MaxConns is set to Conns.
	Client kmipclient.Config
	// Conns is the number of connections, each with one request in flight.
	Conns int
	// Batch is the number of batch items per request.
	Batch int
	// Mix weighs the operations.
	Mix Mix
	// Duration bounds the run; Requests, when positive, bounds it too.
	Duration time.Duration
	Requests int64
	// Rate, when positive, makes the run an open loop: messages per
	// second over all connections, connection i of Conns sending its
	// k-th message at the start plus (k·Conns + i)/Rate seconds (see
	// Scheduled), at once when it is late, never skipping one. Each
	// connection still has one message in flight. Zero is the closed
	// loop; negative is an error.
	Rate float64
	// RateQuantum is the open loop's shortest sleep (zero:
	// DefaultRateQuantum): one goroutine, the pacer, releases the slots
	// to the connections as they come due, sleeping until the next one
	// but not less than this, so that a wake releases all the slots due
	// within it; a slot may go out up to this late by the pacer's
	// choice, which the send lag shows. Negative is an error.
	RateQuantum time.Duration
	// Keys is the number of keys the setup phase creates for Get and
	// Encrypt.
	Keys int
	// DataSize is the plaintext size of Encrypt requests.
	DataSize int
	// Seed makes the operation sequence reproducible.
	Seed uint64
	// OnStart and OnStop, when not nil, are called as the load starts
	// (after the setup phase) and once every connection has stopped:
	// kmipload records its -trace and -cpuprofile between them.
	OnStart, OnStop func()
	// Label, when set, names the run's setting in the report (kmipload
	// -label): what the flags do not say, such as where the server runs.
	Label string
}

// Report is the outcome of a run.
type Report struct {
	// Label is Config.Label: the caller's name for the run's setting.
	Label     string `json:"label,omitempty"`
	Addr      string `json:"addr"`
	Transport string `json:"transport"`
	Conns     int    `json:"conns"`
	Batch     int    `json:"batch"`
	Mix       string `json:"mix"`
	// Procs is GOMAXPROCS during the run: the Ps that the load
	// generator (and a server in the same process) ran on.
	Procs       int           `json:"procs"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	Requests    uint64        `json:"requests"`
	Items       uint64        `json:"items"`
	ItemsFailed uint64        `json:"items_failed"`
	ReqErrors   uint64        `json:"request_errors"`
	// MsgsPerSec is the messages answered over Elapsed; in an open
	// loop over the span of the schedule they were sent on (the last
	// one's slot plus one, over the rate) if Elapsed is shorter, so that
	// a server that keeps up shows the rate offered, not a little more.
	MsgsPerSec float64 `json:"messages_per_second"`
	// OfferedPerSec is the open loop's Config.Rate, to compare with
	// the MsgsPerSec achieved; absent from a closed loop's report.
	OfferedPerSec float64 `json:"offered_per_second,omitempty"`
	ItemsPerSec   float64 `json:"items_per_second"`
	// Latency is the round trip of each message in a closed loop; in an
	// open loop it is from the time the message was scheduled to be
	// sent to its answer (the corrected latency).
	Latency Latency `json:"latency_ns"`
	// Service, in an open loop only, is from the actual send of each
	// message to its answer: it leaves out the time a message waited
	// for its connection, which is what the corrected Latency adds.
	Service *Latency `json:"service_latency_ns,omitempty"`
	// SendLag, in an open loop only, is from the scheduled time to the
	// actual send of the messages whose connection was free before
	// then: the load generator's own lateness in waking, which the
	// corrected Latency includes (a message sent late because its
	// connection was still busy is the server's, and is not counted
	// here).
	SendLag    *Latency          `json:"send_lag_ns,omitempty"`
	Reasons    map[string]uint64 `json:"errors_by_reason,omitempty"`
	FirstError string            `json:"first_error,omitempty"`
}

// Latency summarizes the round-trip times of the requests.
type Latency struct {
	Mean  time.Duration `json:"mean"`
	P50   time.Duration `json:"p50"`
	P90   time.Duration `json:"p90"`
	P99   time.Duration `json:"p99"`
	P999  time.Duration `json:"p99_9"`
	Max   time.Duration `json:"max"`
	Count uint64        `json:"count"`
}

// String is the one-line summary of a report, after its Label and ": "
// when it has one. An open loop's shows the
// offered and achieved rates and both latencies, the corrected one (from
// the schedule) and the service time.
func (r *Report) String() string {
	if r.Label != "" {
		l := *r
		l.Label = ""
		return r.Label + ": " + l.String()
	}
	if r.Service != nil {
		lag := r.SendLag
		if lag == nil {
			lag = &Latency{}
		}
		return fmt.Sprintf("%s %s, %d conns × batch %d (%s), GOMAXPROCS %d: offered %.0f msg/s, achieved %.0f msg/s, %.0f items/s; latency from schedule p50 %v p90 %v p99 %v p99.9 %v max %v; service p50 %v p99 %v p99.9 %v; send lag p50 %v p99 %v (%d messages); %d failed items, %d request errors",
			r.Transport, r.Addr, r.Conns, r.Batch, r.Mix, r.Procs, r.OfferedPerSec, r.MsgsPerSec, r.ItemsPerSec,
			r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.P999, r.Latency.Max,
			r.Service.P50, r.Service.P99, r.Service.P999, lag.P50, lag.P99, lag.Count, r.ItemsFailed, r.ReqErrors)
	}
	return fmt.Sprintf("%s %s, %d conns × batch %d (%s), GOMAXPROCS %d: %.0f msg/s, %.0f items/s; latency p50 %v p90 %v p99 %v p99.9 %v; %d failed items, %d request errors",
		r.Transport, r.Addr, r.Conns, r.Batch, r.Mix, r.Procs, r.MsgsPerSec, r.ItemsPerSec,
		r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.P999, r.ItemsFailed, r.ReqErrors)
}

// worker is one connection's state; only its goroutine touches it until
// the run ends, but for released and wake, the pacer's too.
type worker struct {
	b       *kmipclient.Batch
	reqs    *requests
	rng     *rand.Rand
	hist    Histogram // round trips, or latencies from the schedule in an open loop
	service Histogram // open loop: from the actual send to the answer
	lag     Histogram // open loop: from the schedule to the send, after a wait
	// Open loop: the worker's slots the pacer has released (it sends
	// its k-th message once k+1 are), and a wake when it waits for one.
	released atomic.Int64
	wake     chan struct{}
	items    uint64
	failed   uint64
	errors   uint64
	reasons  map[kmip.ResultReason]uint64
	slots    int64 // open loop: the last slot sent plus one
	firstErr error
}

// Run executes the load described by cfg and returns its report. progress,
// when not nil, receives a status line every second.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	if !(cfg.Rate >= 0) || math.IsInf(cfg.Rate, 0) { // NaN fails the first test
		return nil, fmt.Errorf("rate %v: want 0 (closed loop) or a finite positive number of messages per second", cfg.Rate)
	}
	if cfg.RateQuantum < 0 {
		return nil, fmt.Errorf("rate quantum %v: want 0 (the default, %v) or more", cfg.RateQuantum, DefaultRateQuantum)
	}
	cfg = withDefaults(cfg)
	c, err := kmipclient.Dial(ctx, cfg.Client)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ids, err := setup(ctx, c, cfg)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	// Every connection is open before the clock starts: a dial and TLS
	// handshake in the run would be charged to its first message and, in
	// an open loop, to every slot queued behind it (64 handshakes put the
	// first 70 ms of a run's schedule late).
	if err := c.Preconnect(ctx, cfg.Conns); err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	workers := make([]*worker, cfg.Conns)
	data := make([]byte, cfg.DataSize)
	for i := range workers {
		workers[i] = &worker{b: c.NewBatch(0), reqs: newRequests(cfg.Batch, data),
			rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i))), reasons: map[kmip.ResultReason]uint64{},
			wake: make(chan struct{}, 1)}
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var sent atomic.Int64
	var n counters
	if cfg.OnStart != nil {
		cfg.OnStart()
	}
	start := time.Now()
	var wg sync.WaitGroup
	var p *pacer
	if cfg.Rate > 0 {
		p = newPacer(cfg, start, workers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.run(ctx)
		}()
	}
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The calls' context has no deadline: the run's end is
			// checked between messages, and a call in flight finishes
			// (a context watched by each call costs an allocation).
			callCtx := context.WithoutCancel(ctx)
			if cfg.Rate > 0 {
				w.paced(ctx, callCtx, cfg, ids, start, i, &n)
				return
			}
			for ctx.Err() == nil {
				if cfg.Requests > 0 && sent.Add(1) > cfg.Requests {
					return
				}
				w.build(cfg, ids)
				w.exec(callCtx, time.Time{}, false)
				n.count(cfg.Batch)
			}
		}()
	}
	stop := make(chan struct{})
	if progress != nil {
		go func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case now := <-t.C:
					s := now.Sub(start).Seconds()
					fmt.Fprintf(progress, "\r%6.1fs  %10.0f msg/s  %12.0f items/s  ", s,
						float64(n.msgs.Load())/s, float64(n.items.Load())/s)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if cfg.OnStop != nil {
		cfg.OnStop()
	}
	close(stop)
	if progress != nil {
		fmt.Fprintln(progress)
	}
	r := report(cfg, workers, elapsed)
	if p != nil && p.err != nil && r.FirstError == "" {
		r.FirstError = p.err.Error()
	}
	return r, nil
}

// counters are the messages and items answered so far, for the progress
// line.
type counters struct{ msgs, items atomic.Int64 }

func (n *counters) count(items int) {
	n.msgs.Add(1)
	n.items.Add(int64(items))
}

// Scheduled returns when, after the start of an open-loop run at rate
// messages per second over conns connections, connection i (0 ≤ i <
// conns) sends its k-th message (k from 0): (k·conns + i)/rate seconds,
// to the nanosecond. The messages of all connections together are evenly
// spaced, 1/rate apart, and each connection's conns/rate apart. A time
// past what a Duration holds is the largest Duration.
func Scheduled(rate float64, conns, i int, k int64) time.Duration {
	ns := math.Round(float64(k*int64(conns)+int64(i)) * 1e9 / rate)
	if !(ns < math.MaxInt64) { // also NaN, from a rate of 0
		return math.MaxInt64
	}
	return time.Duration(ns)
}

// paced is connection i's open loop: its k-th message is due at start +
// Scheduled(cfg.Rate, cfg.Conns, i, k); it waits for the pacer to release
// it if it is ahead, sends at once if it is late, and stops at the first
// message due at or after cfg.Duration (or past cfg.Requests messages
// over all the connections), or when ctx ends.
func (w *worker) paced(ctx, callCtx context.Context, cfg Config, ids []string, start time.Time, i int, n *counters) {
	for k := int64(0); ; k++ {
		if cfg.Requests > 0 && k*int64(cfg.Conns)+int64(i) >= cfg.Requests {
			return
		}
		at := Scheduled(cfg.Rate, cfg.Conns, i, k)
		if at >= cfg.Duration {
			return
		}
		w.build(cfg, ids)
		slept, ok := w.waitSlot(ctx, k)
		if !ok {
			return
		}
		w.exec(callCtx, start.Add(at), slept)
		w.slots = k*int64(cfg.Conns) + int64(i) + 1
		n.count(cfg.Batch)
	}
}

// build fills the worker's batch with cfg.Batch items drawn from the mix.
func (w *worker) build(cfg Config, ids []string) {
	w.b.Reset()
	total := cfg.Mix.total()
	for i := 0; i < cfg.Batch; i++ {
		op := cfg.Mix.pick(w.rng.IntN(total))
		w.reqs.add(w.b, op, i, ids[w.rng.IntN(len(ids))])
	}
}

// exec sends the batch and accounts for its items. due is the time the
// message was scheduled in an open loop, zero in a closed one: its latency
// is then recorded from due, the round trip as its service time, and,
// when the worker waited for due (its connection was free before it), the
// lateness of its send as send lag.
func (w *worker) exec(ctx context.Context, due time.Time, slept bool) {
	t0 := time.Now()
	if slept {
		w.lag.Record(t0.Sub(due))
	}
	err := w.b.Exec(ctx)
	if err != nil && !isItemError(err) {
		w.errors++
		if w.firstErr == nil {
			w.firstErr = err
		}
		return
	}
	end := time.Now()
	if due.IsZero() {
		w.hist.Record(end.Sub(t0))
	} else {
		w.hist.Record(end.Sub(due))
		w.service.Record(end.Sub(t0))
	}
	for i := 0; i < w.b.Len(); i++ {
		w.items++
		if err := w.b.Err(i); err != nil {
			w.failed++
			w.reasons[kmipclient.ReasonOf(err)]++
			if w.firstErr == nil {
				w.firstErr = fmt.Errorf("item failed: %w", err)
			}
		}
	}
}

// isItemError reports the failure of a batch item rather than of the
// message.
func isItemError(err error) bool {
	return kmipclient.ReasonOf(err) != 0 || errors.Is(err, kmipclient.ErrNotExecuted)
}

func withDefaults(cfg Config) Config {
	if cfg.Conns <= 0 {
		cfg.Conns = 1
	}
	cfg.Client.MaxConns = cfg.Conns
	if cfg.Batch <= 0 {
		cfg.Batch = 1
	}
	if cfg.Mix.total() == 0 {
		cfg.Mix = Mix{OpGet: 1}
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Keys <= 0 {
		cfg.Keys = 16
	}
	if cfg.DataSize <= 0 {
		cfg.DataSize = 64
	}
	if cfg.RateQuantum == 0 {
		cfg.RateQuantum = DefaultRateQuantum
	}
	return cfg
}

// setupChunk is the most Creates (and then Activates) setup sends in one
// message: servers bound the items of a message (kmipd: 10 000 by
// default), and a smaller message is also answered sooner.
const setupChunk = 1000

// setup creates and activates cfg.Keys AES keys, setupChunk to a message,
// and returns their identifiers.
func setup(ctx context.Context, c *kmipclient.Client, cfg Config) ([]string, error) {
	ids := make([]string, 0, cfg.Keys)
	b := c.NewBatch(kmip.BatchErrorContinuationOptionStop)
	created := make([]kmipclient.Result[kmip.CreateResponsePayload], min(setupChunk, cfg.Keys))
	for start := 0; start < cfg.Keys; start += setupChunk {
		n := min(setupChunk, cfg.Keys-start)
		b.Reset()
		for i := range created[:n] {
			b.Add(&kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: keyAttributes}, &created[i])
		}
		if err := b.Exec(ctx); err != nil {
			return nil, fmt.Errorf("keys %d and on: Create: %w", start, err)
		}
		b.Reset()
		for i := range created[:n] {
			id := strings.Clone(created[i].Payload.UniqueIdentifier) // it aliases created[i]
			ids = append(ids, id)
			b.Add(&kmip.ActivateRequestPayload{UniqueIdentifier: kmip.Some(id)}, nil)
		}
		if err := b.Exec(ctx); err != nil {
			return nil, fmt.Errorf("keys %d and on: Activate: %w", start, err)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("no key created")
	}
	return ids, nil
}

func report(cfg Config, workers []*worker, elapsed time.Duration) *Report {
	var h, svc, lag Histogram
	r := &Report{Label: cfg.Label, Addr: cfg.Client.Addr, Transport: cfg.Client.Transport.String(),
		Conns: cfg.Conns, Batch: cfg.Batch, Mix: cfg.Mix.String(), Procs: runtime.GOMAXPROCS(0), Elapsed: elapsed}
	for _, w := range workers {
		h.Merge(&w.hist)
		svc.Merge(&w.service)
		lag.Merge(&w.lag)
		r.Items += w.items
		r.ItemsFailed += w.failed
		r.ReqErrors += w.errors
		for reason, n := range w.reasons {
			if r.Reasons == nil {
				r.Reasons = map[string]uint64{}
			}
			name := reason.String()
			if reason == 0 {
				name = "Not Executed"
			}
			r.Reasons[name] += n
		}
		if w.firstErr != nil && r.FirstError == "" {
			r.FirstError = w.firstErr.Error()
		}
	}
	r.Requests = h.Count()
	s := elapsed.Seconds()
	if cfg.Rate > 0 {
		var slots int64
		for _, w := range workers {
			slots = max(slots, w.slots)
		}
		s = max(s, float64(slots)/cfg.Rate)
	}
	r.MsgsPerSec = float64(r.Requests) / s
	r.ItemsPerSec = float64(r.Items) / s
	r.Latency = summary(&h)
	if cfg.Rate > 0 {
		r.OfferedPerSec = cfg.Rate
		s, l := summary(&svc), summary(&lag)
		r.Service, r.SendLag = &s, &l
	}
	return r
}

func summary(h *Histogram) Latency {
	return Latency{Mean: h.Mean(), P50: h.Quantile(0.5), P90: h.Quantile(0.9), P99: h.Quantile(0.99),
		P999: h.Quantile(0.999), Max: h.Max(), Count: h.Count()}
}

// String writes the mix as ParseMix reads it.
func (m Mix) String() string {
	s := ""
	for i, w := range m {
		if w > 0 {
			if s != "" {
				s += ","
			}
			s += fmt.Sprintf("%s=%d", opNames[i], w)
		}
	}
	return s
}
