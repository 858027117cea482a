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
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
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
}

// Report is the outcome of a run.
type Report struct {
	Addr      string `json:"addr"`
	Transport string `json:"transport"`
	Conns     int    `json:"conns"`
	Batch     int    `json:"batch"`
	Mix       string `json:"mix"`
	// Procs is GOMAXPROCS during the run: the Ps that the load
	// generator (and a server in the same process) ran on.
	Procs       int               `json:"procs"`
	Elapsed     time.Duration     `json:"elapsed_ns"`
	Requests    uint64            `json:"requests"`
	Items       uint64            `json:"items"`
	ItemsFailed uint64            `json:"items_failed"`
	ReqErrors   uint64            `json:"request_errors"`
	MsgsPerSec  float64           `json:"messages_per_second"`
	ItemsPerSec float64           `json:"items_per_second"`
	Latency     Latency           `json:"latency_ns"`
	Reasons     map[string]uint64 `json:"errors_by_reason,omitempty"`
	FirstError  string            `json:"first_error,omitempty"`
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

// String is the one-line summary of a report.
func (r *Report) String() string {
	return fmt.Sprintf("%s %s, %d conns × batch %d (%s), GOMAXPROCS %d: %.0f msg/s, %.0f items/s; latency p50 %v p90 %v p99 %v p99.9 %v; %d failed items, %d request errors",
		r.Transport, r.Addr, r.Conns, r.Batch, r.Mix, r.Procs, r.MsgsPerSec, r.ItemsPerSec,
		r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.P999, r.ItemsFailed, r.ReqErrors)
}

// worker is one connection's state; only its goroutine touches it until
// the run ends.
type worker struct {
	b        *kmipclient.Batch
	reqs     *requests
	rng      *rand.Rand
	hist     Histogram
	items    uint64
	failed   uint64
	errors   uint64
	reasons  map[kmip.ResultReason]uint64
	firstErr error
}

// Run executes the load described by cfg and returns its report. progress,
// when not nil, receives a status line every second.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
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
	workers := make([]*worker, cfg.Conns)
	data := make([]byte, cfg.DataSize)
	for i := range workers {
		workers[i] = &worker{b: c.NewBatch(0), reqs: newRequests(cfg.Batch, data),
			rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i))), reasons: map[kmip.ResultReason]uint64{}}
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var sent, done, itemsDone atomic.Int64
	if cfg.OnStart != nil {
		cfg.OnStart()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The calls' context has no deadline: the run's end is
			// checked between messages, and a call in flight finishes
			// (a context watched by each call costs an allocation).
			callCtx := context.WithoutCancel(ctx)
			for ctx.Err() == nil {
				if cfg.Requests > 0 && sent.Add(1) > cfg.Requests {
					return
				}
				w.request(callCtx, cfg, ids)
				done.Add(1)
				itemsDone.Add(int64(cfg.Batch))
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
						float64(done.Load())/s, float64(itemsDone.Load())/s)
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
	return report(cfg, workers, elapsed), nil
}

// request sends one batch and accounts for its items.
func (w *worker) request(ctx context.Context, cfg Config, ids []string) {
	w.b.Reset()
	total := cfg.Mix.total()
	for i := 0; i < cfg.Batch; i++ {
		op := cfg.Mix.pick(w.rng.IntN(total))
		w.reqs.add(w.b, op, i, ids[w.rng.IntN(len(ids))])
	}
	t0 := time.Now()
	err := w.b.Exec(ctx)
	if err != nil && !isItemError(err) {
		w.errors++
		if w.firstErr == nil {
			w.firstErr = err
		}
		return
	}
	w.hist.Record(time.Since(t0))
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
	var h Histogram
	r := &Report{Addr: cfg.Client.Addr, Transport: cfg.Client.Transport.String(),
		Conns: cfg.Conns, Batch: cfg.Batch, Mix: cfg.Mix.String(), Procs: runtime.GOMAXPROCS(0), Elapsed: elapsed}
	for _, w := range workers {
		h.Merge(&w.hist)
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
	r.MsgsPerSec = float64(r.Requests) / s
	r.ItemsPerSec = float64(r.Items) / s
	r.Latency = Latency{Mean: h.Mean(), P50: h.Quantile(0.5), P90: h.Quantile(0.9), P99: h.Quantile(0.99),
		P999: h.Quantile(0.999), Max: h.Max(), Count: h.Count()}
	return r
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
