// Package kmipmetrics exports the metrics of a kmipserver to Prometheus
// (github.com/prometheus/client_golang): messages, batch items by
// operation and result, their latency, bytes in and out, connections,
// waits for the in-flight byte budget and the objects held. Every metric name starts with "kmip_".
//
// It plugs into kmipserver's extension points, so a server without it
// pays nothing: Middleware goes into Config.Middleware, Hooks into
// EndpointConfig.Hooks, Handler wraps the Handler the transports call, and
// WatchObjects reports a Server's object count when scraped.
package kmipmetrics

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Metrics are the collectors of one server; its methods are safe for
// concurrent use.
type Metrics struct {
	reg         prometheus.Registerer
	requests    *prometheus.CounterVec
	reqDuration *prometheus.HistogramVec
	bytesIn     *prometheus.CounterVec
	bytesOut    *prometheus.CounterVec
	items       *prometheus.CounterVec
	itemDur     *prometheus.HistogramVec
	connsOpen   *prometheus.GaugeVec
	conns       *prometheus.CounterVec
	refused     *prometheus.CounterVec
	waits       *prometheus.CounterVec
	waited      *prometheus.HistogramVec
	// byOp holds, for the operations numbered below maxCachedOp, the
	// successful-item counter and the latency histogram once used, so that
	// the hot path looks up no label values.
	byOp [maxCachedOp]atomic.Pointer[opMetrics]
}

// maxCachedOp bounds the Operation values whose metrics are cached (KMIP
// 2.1 §11.40 numbers them below 0x40; 3.0 adds a few more).
const maxCachedOp = 0x80

type opMetrics struct {
	success prometheus.Counter
	latency prometheus.Observer
}

// Buckets of the latency histograms, in seconds: from 10 µs (a Get from
// memory) to 10 s (RSA-4096 key generation, a slow disk).
var latencyBuckets = prometheus.ExponentialBucketsRange(10e-6, 10, 16)

// Buckets of the waits for the in-flight budget, in seconds: from 1 ms to
// 2 min (past the default read timeout of 30 s).
var waitBuckets = prometheus.ExponentialBucketsRange(1e-3, 120, 12)

// New returns the Metrics of a server, registered with reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmip_requests_total",
			Help: "Request messages answered, by form (ttlv, json, operation_json) and result (ok, or error for an operation_json request refused as a whole).",
		}, []string{"form", "result"}),
		reqDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kmip_request_duration_seconds",
			Help:    "Time to answer one request message, by form.",
			Buckets: latencyBuckets,
		}, []string{"form"}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmip_received_bytes_total",
			Help: "Bytes of request messages, by form.",
		}, []string{"form"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmip_sent_bytes_total",
			Help: "Bytes of response messages, by form.",
		}, []string{"form"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmip_batch_items_total",
			Help: "Batch items answered, by operation and result (Success, or the Result Reason).",
		}, []string{"operation", "result"}),
		itemDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kmip_batch_item_duration_seconds",
			Help:    "Time to answer one batch item, by operation.",
			Buckets: latencyBuckets,
		}, []string{"operation"}),
		connsOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kmip_connections_open",
			Help: "Connections open now, by transport (binary, http).",
		}, []string{"transport"}),
		conns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmip_connections_total",
			Help: "Connections accepted, by transport.",
		}, []string{"transport"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmip_connections_refused_total",
			Help: "Connections closed at once because the connection limit was reached, by transport.",
		}, []string{"transport"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmip_inflight_waits_total",
			Help: "Messages that had to wait for the in-flight byte budget (-max-inflight-bytes) before their body was read, by transport; counted when the wait starts.",
		}, []string{"transport"}),
		waited: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kmip_inflight_wait_seconds",
			Help:    "Time messages waited for the in-flight byte budget, by transport and result (ok: got it; timeout: waited past the read timeout; canceled: the server stopped or the client went away).",
			Buckets: waitBuckets,
		}, []string{"transport", "result"}),
	}
	reg.MustRegister(m.requests, m.reqDuration, m.bytesIn, m.bytesOut, m.items, m.itemDur,
		m.connsOpen, m.conns, m.refused, m.waits, m.waited)
	return m
}

// success counts a successful item of op and its latency.
func (m *Metrics) success(op uint32, took time.Duration) bool {
	if op >= maxCachedOp {
		return false
	}
	c := m.byOp[op].Load()
	if c == nil {
		name, ok := ttlv.EnumName(ttlv.TagOperation, op)
		if !ok {
			return false
		}
		// Racing first uses get the same children from the vectors.
		c = &opMetrics{success: m.items.WithLabelValues(name, "Success"), latency: m.itemDur.WithLabelValues(name)}
		m.byOp[op].Store(c)
	}
	c.success.Inc()
	c.latency.Observe(took.Seconds())
	return true
}

// WatchObjects registers kmip_objects, the number of managed objects s
// holds, read when scraped.
func (m *Metrics) WatchObjects(s *kmipserver.Server) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kmip_objects",
		Help: "Managed objects held by the server.",
	}, func() float64 { return float64(s.Objects()) }))
}

// Middleware counts and times every batch item.
func (m *Metrics) Middleware() kmipserver.Middleware {
	return func(next kmipserver.ItemFunc) kmipserver.ItemFunc {
		return func(ctx context.Context, it *kmipserver.Item, dst []byte) ([]byte, error) {
			start := time.Now()
			out, err := next(ctx, it, dst)
			took := time.Since(start)
			if err == nil && m.success(it.Operation, took) {
				return out, err
			}
			op, ok := ttlv.EnumName(ttlv.TagOperation, it.Operation)
			if !ok {
				op = "unknown"
			}
			result := "Success"
			if err != nil {
				if result, ok = ttlv.EnumName(ttlv.TagResultReason, kmipserver.ResultReason(err)); !ok {
					result = "unknown"
				}
			}
			m.items.WithLabelValues(op, result).Inc()
			m.itemDur.WithLabelValues(op).Observe(took.Seconds())
			return out, err
		}
	}
}

// Hooks returns the connection hooks for EndpointConfig.Hooks.
func (m *Metrics) Hooks() *kmipserver.ConnHooks {
	return &kmipserver.ConnHooks{
		Opened: func(t string) {
			m.conns.WithLabelValues(t).Inc()
			m.connsOpen.WithLabelValues(t).Inc()
		},
		Closed:  func(t string) { m.connsOpen.WithLabelValues(t).Dec() },
		Refused: func(t string) { m.refused.WithLabelValues(t).Inc() },
		Waiting: func(t string) { m.waits.WithLabelValues(t).Inc() },
		Waited: func(t string, took time.Duration, err error) {
			result := "ok"
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				result = "timeout"
			case err != nil:
				result = "canceled"
			}
			m.waited.WithLabelValues(t, result).Observe(took.Seconds())
		},
	}
}

// Handler wraps h so that every message is counted, timed and measured.
func (m *Metrics) Handler(h kmipserver.Handler) kmipserver.Handler {
	return &handler{h: h, m: m}
}

type handler struct {
	h kmipserver.Handler
	m *Metrics
}

func (h *handler) done(form, result string, start time.Time, in, out int) {
	h.m.requests.WithLabelValues(form, result).Inc()
	h.m.reqDuration.WithLabelValues(form).Observe(time.Since(start).Seconds())
	h.m.bytesIn.WithLabelValues(form).Add(float64(in))
	h.m.bytesOut.WithLabelValues(form).Add(float64(out))
}

func (h *handler) ServeTTLV(ctx context.Context, dst, req []byte) []byte {
	start := time.Now()
	out := h.h.ServeTTLV(ctx, dst, req)
	h.done("ttlv", "ok", start, len(req), len(out)-len(dst))
	return out
}

func (h *handler) ServeJSON(ctx context.Context, dst, req []byte) []byte {
	start := time.Now()
	out := h.h.ServeJSON(ctx, dst, req)
	h.done("json", "ok", start, len(req), len(out)-len(dst))
	return out
}

func (h *handler) ServeOperationJSON(ctx context.Context, dst, req []byte) ([]byte, bool) {
	start := time.Now()
	out, ok := h.h.ServeOperationJSON(ctx, dst, req)
	result := "ok"
	if !ok {
		result = "error"
	}
	h.done("operation_json", result, start, len(req), len(out)-len(dst))
	return out, ok
}
