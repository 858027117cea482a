// Package load is the logic of kmipload, a load generator for KMIP
// servers: N connections send batches of operations drawn from a weighted
// mix for a duration or a number of requests, and the run ends with a
// report of throughput, latency quantiles and errors by result reason.
//
// Each connection sends one RequestMessage, waits for its ResponseMessage
// and records the round trip in a latency histogram of its own (merged at
// the end), so measurement costs no locks. Before the run, a setup phase
// creates and activates the symmetric keys that Get and Encrypt use.
package load

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Config describes a run.
type Config struct {
	// Addr is the server: host:port for the binary transports, a URL
	// (http://host:9998/kmip) for HTTPJSON.
	Addr      string
	Transport Transport
	// TLS configures TLS and HTTPS; nil means the defaults.
	TLS *tls.Config
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
	// Version is the protocol version of the requests.
	Version Version
	// MaxResponse bounds a response's size.
	MaxResponse int
	// Seed makes the operation sequence reproducible.
	Seed uint64
}

// Report is the outcome of a run.
type Report struct {
	Addr        string            `json:"addr"`
	Transport   string            `json:"transport"`
	Conns       int               `json:"conns"`
	Batch       int               `json:"batch"`
	Mix         string            `json:"mix"`
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
	return fmt.Sprintf("%s %s, %d conns × batch %d (%s): %.0f msg/s, %.0f items/s; latency p50 %v p90 %v p99 %v p99.9 %v; %d failed items, %d request errors",
		r.Transport, r.Addr, r.Conns, r.Batch, r.Mix, r.MsgsPerSec, r.ItemsPerSec,
		r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.P999, r.ItemsFailed, r.ReqErrors)
}

// worker is one connection's state; only its goroutine touches it until
// the run ends.
type worker struct {
	c        conn
	b        builder
	rng      *rand.Rand
	hist     Histogram
	items    uint64
	failed   uint64
	errors   uint64
	reasons  map[uint32]uint64
	firstErr error
}

// Run executes the load described by cfg and returns its report. progress,
// when not nil, receives a status line every second.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	cfg = withDefaults(cfg)
	ids, err := setup(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	workers := make([]*worker, cfg.Conns)
	for i := range workers {
		c, err := dial(ctx, cfg)
		if err != nil {
			for _, w := range workers[:i] {
				w.c.Close()
			}
			return nil, fmt.Errorf("connection %d: %w", i, err)
		}
		workers[i] = &worker{c: c, b: builder{v: cfg.Version, data: make([]byte, cfg.DataSize)},
			rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i))), reasons: map[uint32]uint64{}}
	}
	defer func() {
		for _, w := range workers {
			w.c.Close()
		}
	}()

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var sent, done, itemsDone atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if cfg.Requests > 0 && sent.Add(1) > cfg.Requests {
					return
				}
				w.request(cfg, ids)
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
	close(stop)
	elapsed := time.Since(start)
	if progress != nil {
		fmt.Fprintln(progress)
	}
	return report(cfg, workers, elapsed), nil
}

// request sends one batch and accounts for its response.
func (w *worker) request(cfg Config, ids [][]byte) {
	m := w.b.begin(cfg.Batch)
	total := cfg.Mix.total()
	for i := 0; i < cfg.Batch; i++ {
		op := cfg.Mix.pick(w.rng.IntN(total))
		w.b.item(op, i, ids[w.rng.IntN(len(ids))])
	}
	req := w.b.end(m)
	t0 := time.Now()
	resp, err := w.c.roundTrip(req)
	if err == nil {
		w.hist.Record(time.Since(t0))
		var n int
		n, err = parseResponse(resp, func(_ int, r itemResult) {
			w.items++
			if r.status != statusSuccess {
				w.failed++
				w.reasons[r.reason]++
				if w.firstErr == nil {
					name, _ := ttlv.EnumName(ttlv.TagResultReason, r.reason)
					w.firstErr = fmt.Errorf("item failed: %s: %s", name, r.message)
				}
			}
		})
		if err == nil && n != cfg.Batch {
			err = fmt.Errorf("%d items answered, %d sent", n, cfg.Batch)
		}
	}
	if err != nil {
		w.errors++
		if w.firstErr == nil {
			w.firstErr = err
		}
	}
}

func withDefaults(cfg Config) Config {
	if cfg.Conns <= 0 {
		cfg.Conns = 1
	}
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
	if cfg.Version.Major == 0 {
		cfg.Version = Version{2, 1}
	}
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = ttlv.DefaultMaxMessageSize
	}
	return cfg
}

func dial(ctx context.Context, cfg Config) (conn, error) {
	switch cfg.Transport {
	case HTTPJSON:
		return newHTTPConn(cfg.Addr, cfg.TLS, cfg.MaxResponse), nil
	case TLS:
		conf := cfg.TLS
		if conf == nil {
			conf = &tls.Config{}
		}
		if conf.ServerName == "" && !conf.InsecureSkipVerify {
			// Verify the certificate against the host dialled, as
			// net/http does for HTTPS.
			host, _, err := net.SplitHostPort(cfg.Addr)
			if err != nil {
				return nil, err
			}
			conf = conf.Clone()
			conf.ServerName = host
		}
		return dialBinary(ctx, cfg.Addr, conf, cfg.MaxResponse)
	default:
		return dialBinary(ctx, cfg.Addr, nil, cfg.MaxResponse)
	}
}

// setupChunk is the most Creates (and then Activates) setup sends in one
// message: servers bound the items of a message (kmipd: 10 000 by
// default), and a smaller message is also answered sooner.
const setupChunk = 1000

// setup creates and activates cfg.Keys AES keys, setupChunk to a message,
// and returns their identifiers.
func setup(ctx context.Context, cfg Config) ([][]byte, error) {
	c, err := dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var ids [][]byte
	for start := 0; start < cfg.Keys; start += setupChunk {
		chunk, err := setupKeys(c, cfg, min(setupChunk, cfg.Keys-start))
		if err != nil {
			return nil, fmt.Errorf("setup, keys %d and on: %w", start, err)
		}
		ids = append(ids, chunk...)
	}
	if len(ids) == 0 {
		return nil, errors.New("no key created")
	}
	return ids, nil
}

// setupKeys creates and activates n keys in two messages.
func setupKeys(c conn, cfg Config, n int) ([][]byte, error) {
	b := builder{v: cfg.Version}
	m := b.begin(n)
	for i := 0; i < n; i++ {
		b.item(OpCreate, i, nil)
	}
	resp, err := c.roundTrip(b.end(m))
	if err != nil {
		return nil, err
	}
	var ids [][]byte
	var fail error
	if _, err := parseResponse(resp, func(i int, r itemResult) {
		if r.status != statusSuccess || r.id == nil {
			name, _ := ttlv.EnumName(ttlv.TagResultReason, r.reason)
			fail = fmt.Errorf("item %d, Create: %s %s", i, name, r.message)
			return
		}
		ids = append(ids, append([]byte(nil), r.id...))
	}); err != nil {
		return nil, err
	}
	if fail != nil {
		return nil, fail
	}
	m = b.begin(len(ids))
	for i, id := range ids {
		b.activate(i, id)
	}
	resp, err = c.roundTrip(b.end(m))
	if err != nil {
		return nil, err
	}
	if _, err := parseResponse(resp, func(i int, r itemResult) {
		if r.status != statusSuccess {
			name, _ := ttlv.EnumName(ttlv.TagResultReason, r.reason)
			fail = fmt.Errorf("item %d, Activate: %s %s", i, name, r.message)
		}
	}); err != nil {
		return nil, err
	}
	return ids, fail
}

func report(cfg Config, workers []*worker, elapsed time.Duration) *Report {
	var h Histogram
	r := &Report{Addr: cfg.Addr, Transport: [...]string{"plain", "tls", "http-json"}[cfg.Transport],
		Conns: cfg.Conns, Batch: cfg.Batch, Mix: cfg.Mix.String(), Elapsed: elapsed}
	for _, w := range workers {
		h.Merge(&w.hist)
		r.Items += w.items
		r.ItemsFailed += w.failed
		r.ReqErrors += w.errors
		for reason, n := range w.reasons {
			if r.Reasons == nil {
				r.Reasons = map[string]uint64{}
			}
			name, ok := ttlv.EnumName(ttlv.TagResultReason, reason)
			if !ok {
				name = fmt.Sprintf("0x%08X", reason)
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
