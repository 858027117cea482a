package kmipclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Client is a KMIP client: a pool of connections to one server, safe for
// concurrent use. Each call takes a connection (dialling one when none is
// idle and fewer than Config.MaxConns are open), sends one RequestMessage,
// reads its ResponseMessage and puts the connection back.
type Client struct {
	cfg     Config
	tls     *tls.Config
	http    *http.Client
	version Version
	opts    ttlv.DecodeOptions

	sem    chan struct{} // a token per open (or opening) connection
	done   chan struct{} // closed by Close
	mu     sync.Mutex
	idle   []*conn
	closed bool
}

// Dial creates a client for cfg.Addr, opens its first connection and, unless
// cfg.Version is set, negotiates the protocol version with Discover
// Versions: the first of the server's versions that the client speaks
// (KMIP 1.0–2.1).
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if cfg.Addr == "" {
		return nil, &ConfigError{Field: "Addr", Err: errors.New("empty")}
	}
	if cfg.Version != 0 && !Supported(cfg.Version) {
		return nil, &ConfigError{Field: "Version", Err: fmt.Errorf("%v: %w (1.0 to 2.1)", cfg.Version, ErrVersion)}
	}
	c := &Client{cfg: cfg, version: cfg.Version, sem: make(chan struct{}, cfg.MaxConns), done: make(chan struct{}),
		opts: ttlv.DecodeOptions{MaxMessageSize: cfg.MaxResponseSize, Lax: cfg.Lax}}
	switch cfg.Transport {
	case TLS, Plain:
		host, _, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return nil, &ConfigError{Field: "Addr", Err: err}
		}
		if cfg.Transport == TLS {
			if c.tls, err = cfg.tlsConfig(host); err != nil {
				return nil, err
			}
		}
	case HTTPJSON, HTTPBinary:
		u, err := url.Parse(cfg.Addr)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &ConfigError{Field: "Addr", Err: fmt.Errorf("%q: the HTTP transports want a URL such as https://host:9998/kmip", cfg.Addr)}
		}
		tr := &http.Transport{Proxy: http.ProxyFromEnvironment, MaxConnsPerHost: cfg.MaxConns,
			MaxIdleConnsPerHost: cfg.MaxConns, IdleConnTimeout: max(cfg.MaxIdleTime, 0),
			TLSHandshakeTimeout: cfg.DialTimeout, ForceAttemptHTTP2: false}
		if u.Scheme == "https" {
			if tr.TLSClientConfig, err = cfg.tlsConfig(u.Hostname()); err != nil {
				return nil, err
			}
		}
		tr.DialContext = (&net.Dialer{Timeout: cfg.DialTimeout}).DialContext
		c.http = &http.Client{Transport: tr}
	default:
		return nil, &ConfigError{Field: "Transport", Err: fmt.Errorf("unknown transport %d", cfg.Transport)}
	}
	if err := c.connect(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// connect opens the first connection, negotiating the version if needed.
func (c *Client) connect(ctx context.Context) error {
	if c.version != 0 {
		if c.http != nil {
			return nil
		}
		cn, err := c.acquire(ctx)
		if err != nil {
			return err
		}
		c.release(cn, true)
		return nil
	}
	v, err := c.negotiate(ctx)
	if err != nil {
		return err
	}
	c.version = v
	return nil
}

// negotiate asks the server for its versions: first in a KMIP 1.4 message
// (1.x servers refuse 2.x headers), then in 2.1 for 2.x-only servers.
func (c *Client) negotiate(ctx context.Context) (Version, error) {
	req := discoverVersions(supported[:])
	var resp Result[kmip.DiscoverVersionsResponsePayload]
	var first error
	for _, header := range [...]Version{V1_4, V2_1} {
		err := c.do(ctx, header, req, &resp)
		if err == nil {
			vs := serverVersions(&resp.Payload)
			for _, v := range vs {
				if Supported(v) {
					return v, nil
				}
			}
			return 0, fmt.Errorf("kmipclient: the server speaks %v, the client 1.0 to 2.1: %w", vs, ErrVersion)
		}
		if first == nil {
			first = err
		}
		var e *Error
		if !errors.As(err, &e) && !errors.Is(err, ErrProtocol) {
			break
		}
	}
	return 0, fmt.Errorf("kmipclient: negotiating the protocol version: %w", first)
}

// Version is the protocol version the client speaks, negotiated or fixed.
func (c *Client) Version() Version { return c.version }

// Close closes the idle connections and makes later calls fail with
// ErrClosed; calls in progress finish and close their connection.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, cn := range idle {
		cn.close()
	}
	if c.http != nil {
		c.http.CloseIdleConnections()
	}
	return nil
}

// Preconnect dials connections into the pool until n are open (at most
// Config.MaxConns), so that the calls that follow find them ready rather
// than each paying a dial and, over TLS, a handshake: a load generator
// or a latency-sensitive service calls it before its first requests.
// It takes n connections from the pool at once (the idle ones first,
// dialling the rest) and puts them back, so it waits, as a call would,
// while calls in progress hold the others of MaxConns; it returns the
// first dial's error, keeping the connections opened before it. The HTTP transports leave their
// connections to net/http: there it does nothing.
func (c *Client) Preconnect(ctx context.Context, n int) error {
	if c.http != nil {
		return nil
	}
	n = min(n, c.cfg.MaxConns)
	held := make([]*conn, 0, max(n, 0))
	var err error
	for len(held) < n {
		var cn *conn
		if cn, err = c.acquire(ctx); err != nil {
			break
		}
		held = append(held, cn)
	}
	for _, cn := range held {
		c.release(cn, true)
	}
	return err
}

// acquire takes a connection from the pool, waiting for one when
// MaxConns are in use. A new one is dialled on first use (exchange).
func (c *Client) acquire(ctx context.Context) (*conn, error) {
	select {
	case c.sem <- struct{}{}:
	default:
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("kmipclient: waiting for a connection: %w", ctx.Err())
		case <-c.done:
			return nil, ErrClosed
		}
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		<-c.sem
		return nil, ErrClosed
	}
	var cn *conn
	if n := len(c.idle); n > 0 {
		cn = c.idle[n-1]
		c.idle[n-1] = nil
		c.idle = c.idle[:n-1]
	}
	c.mu.Unlock()
	if cn == nil {
		cn = &conn{}
	}
	// A pooled connection idle too long is replaced by exchange, which
	// reads the clock anyway.
	if cn.nc == nil && c.http == nil {
		nc, err := c.dial(ctx)
		if err != nil {
			c.release(cn, false)
			return nil, err
		}
		cn.attach(nc)
	}
	return cn, nil
}

// release puts a connection back; a connection whose last exchange failed
// is closed (its stream may hold half a message).
func (c *Client) release(cn *conn, ok bool) {
	if !ok {
		cn.close()
	}
	cn.lastUsed = time.Now()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cn.close()
	} else {
		c.idle = append(c.idle, cn)
		c.mu.Unlock()
	}
	<-c.sem
}

// roundTrip sends the message in cn.req and reads the answer into cn.resp,
// once more on a new connection when the pooled one turns out to have
// been dropped by the server and the request may be repeated.
func (c *Client) roundTrip(ctx context.Context, cn *conn, idempotent bool) error {
	cn.idempotent = idempotent
	err := c.exchange(ctx, cn, cn.req)
	if err != nil && idempotent && isStale(err) && ctx.Err() == nil {
		cn.close()
		err = c.exchange(ctx, cn, cn.req)
	}
	return err
}

// isStale reports a *staleError (kept apart: the errors.As target escapes).
func isStale(err error) bool {
	var stale *staleError
	return errors.As(err, &stale)
}

// Do sends one request, a payload of package kmip (its Operation is the
// item's; a *kmip.RawRequestPayload for any other operation), and decodes
// the server's answer into resp, which may be nil: a *Result of the
// operation's response payload type. A failed operation is an *Error. With
// req and resp reused from call to call, Do allocates nothing once warm on
// the binary transports (with a context without Done, or once the
// AfterFunc that watches one is counted: context.AfterFunc allocates).
func (c *Client) Do(ctx context.Context, req kmip.RequestPayload, resp Response) error {
	return c.do(ctx, c.version, req, resp)
}

func (c *Client) do(ctx context.Context, v Version, req kmip.RequestPayload, resp Response) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kmipclient: %w", err)
	}
	cn, err := c.acquire(ctx)
	if err != nil {
		return err
	}
	op := req.Operation()
	b, mark := appendRequestHeader(cn.req[:0], msgHeader{version: v}, 1)
	b, err = appendItem(b, req, v, -1)
	cn.req = b
	if err != nil {
		c.release(cn, true)
		return err
	}
	if !ttlv.EndStructure(b, mark) {
		c.release(cn, true)
		return protoErrf("request too large")
	}
	if err := c.roundTrip(ctx, cn, Idempotent(op)); err != nil {
		c.release(cn, false)
		return err
	}
	if cap(cn.results) == 0 {
		cn.results = make([]itemResult, 1, 8)
	}
	cn.results = cn.results[:1]
	rv, err := parseResponse(cn.resp, c.opts, cn.results)
	if err != nil {
		c.release(cn, false)
		return err
	}
	r := &cn.results[0]
	if err := r.err(0, op); err != nil {
		c.release(cn, true)
		return err
	}
	if r.op != 0 && r.op != op {
		c.release(cn, true)
		return protoErrf("the answer to %v is for %v", op, r.op)
	}
	if resp != nil {
		err = resp.DecodePayload(r.payload, rv)
	}
	c.release(cn, true)
	return err
}

// RoundTrip sends a whole binary RequestMessage, as the caller encoded it,
// and appends the binary ResponseMessage to dst. It checks the framing of
// the answer but not its contents. A request is never retried.
func (c *Client) RoundTrip(ctx context.Context, dst, req []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return dst, fmt.Errorf("kmipclient: %w", err)
	}
	cn, err := c.acquire(ctx)
	if err != nil {
		return dst, err
	}
	saved := cn.req
	cn.req = req
	err = c.roundTrip(ctx, cn, false)
	cn.req = saved
	if err != nil {
		c.release(cn, false)
		return dst, err
	}
	dst = append(dst, cn.resp...)
	c.release(cn, true)
	return dst, nil
}

// Idempotent reports whether a request of operation op may be sent again
// when its connection failed before any answer: repeating it cannot change
// what the server holds twice. The client retries these, and only these, on
// a connection the server dropped while it was idle.
func Idempotent(op kmip.Operation) bool {
	switch op {
	case kmip.OperationGet, kmip.OperationGetAttributes, kmip.OperationGetAttributeList,
		kmip.OperationLocate, kmip.OperationQuery, kmip.OperationDiscoverVersions,
		kmip.OperationEncrypt, kmip.OperationDecrypt, kmip.OperationSign,
		kmip.OperationSignatureVerify, kmip.OperationMAC, kmip.OperationMACVerify,
		kmip.OperationHash, kmip.OperationRNGRetrieve, kmip.OperationCheck,
		kmip.OperationValidate, kmip.OperationSetAttribute, kmip.OperationModifyAttribute:
		return true
	}
	return false
}
