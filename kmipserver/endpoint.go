package kmipserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Handler serves KMIP messages. The transports call it concurrently, one
// call per message; each call appends its answer to dst and returns it.
// req is only valid during the call.
type Handler interface {
	// ServeTTLV answers a binary RequestMessage with a binary
	// ResponseMessage appended to dst.
	ServeTTLV(ctx context.Context, dst, req []byte) []byte
	// ServeJSON answers a RequestMessage in the JSON form with a
	// ResponseMessage in the JSON form appended to dst.
	ServeJSON(ctx context.Context, dst, req []byte) []byte
	// ServeOperationJSON answers a bare operation in the JSON form (the
	// top tag is the operation's name, as Cosmian KMS's /kmip/2_1 takes
	// it) with the bare response payload; when ok is false the appended
	// bytes are a text error message.
	ServeOperationJSON(ctx context.Context, dst, req []byte) (resp []byte, ok bool)
}

// Defaults for the zero values of EndpointConfig.
const (
	DefaultAddr = ":5696"
	// DefaultMaxMessageSize takes a 1 MiB Encrypt or Register with room
	// to spare (the benchmark corpus has one) while bounding what one
	// message may make the server buffer.
	DefaultMaxMessageSize = 4 << 20
	DefaultReadTimeout    = 30 * time.Second
	DefaultIdleTimeout    = 5 * time.Minute
	DefaultWriteTimeout   = 30 * time.Second
	DefaultMaxConns       = 1024
	// JSONFactor is how much larger than MaxMessageSize an HTTP body may be
	// when MaxBodySize is zero: the JSON form of a message is a few times
	// larger than its TTLV form.
	JSONFactor = 4
)

// EndpointConfig configures a Server. The zero value serves binary TTLV over TLS on
// DefaultAddr with a generated self-signed certificate and no HTTP.
type EndpointConfig struct {
	// Addr is the binary TTLV listen address; empty means DefaultAddr, "-"
	// disables the binary kmipserver.
	Addr string
	// HTTPAddr is the HTTP listen address; empty disables HTTP.
	HTTPAddr string
	// Plaintext serves both transports without TLS (for benchmarks on
	// loopback).
	Plaintext bool
	// CertFile and KeyFile are the server's certificate chain and key in
	// PEM. When both are empty (and TLS is nil), a self-signed ECDSA P-256
	// certificate for localhost is generated and written to CertDir.
	CertFile, KeyFile string
	// CertDir is where a generated certificate and key are written; empty
	// means a new directory kmipd-<pid>-* under os.TempDir().
	CertDir string
	// ClientCAFile, when set, turns on mutual TLS: clients must present a
	// certificate signed by one of the CAs in this PEM file.
	ClientCAFile string
	// TLS, when not nil, is used as is instead of CertFile, KeyFile and
	// ClientCAFile (for tests and embedding).
	TLS *tls.Config
	// MaxMessageSize bounds a binary message, header included; zero means
	// DefaultMaxMessageSize.
	MaxMessageSize int
	// MaxBodySize bounds an HTTP request body; zero means JSONFactor ×
	// MaxMessageSize.
	MaxBodySize int
	// ReadTimeout bounds the reading of one message (and the TLS
	// handshake) once it has started; IdleTimeout the wait for the next
	// message on an open connection; WriteTimeout the writing of a
	// response. Zero means the defaults; negative means none.
	ReadTimeout, IdleTimeout, WriteTimeout time.Duration
	// MaxConns bounds the open connections of each listener; excess
	// connections are closed at once. Zero means DefaultMaxConns; negative
	// means no limit.
	MaxConns int
	// Logger receives the structured log; nil discards it.
	Logger *slog.Logger
	// TLSMinVersion, when not zero, is the oldest TLS version accepted
	// (tls.VersionTLS10 …); zero means TLS 1.2. TLSCipherSuites, when not
	// empty, are the cipher suites accepted up to TLS 1.2 (TLS 1.3's are
	// not configurable), for legacy clients; empty means Go's secure
	// defaults. Both apply to TLS as well.
	TLSMinVersion   uint16
	TLSCipherSuites []uint16
	// Hooks, when not nil, is told when connections open, close or are
	// refused (for metrics); its functions run concurrently.
	Hooks *ConnHooks
	// BearerTokens, when not nil, maps the bearer tokens HTTP clients may
	// present (Authorization: Bearer TOKEN, RFC 6750) to their identities
	// (Peer.Identity). An HTTP request must then carry one of them, or a
	// verified client certificate; others get 401 Unauthorized. The
	// binary transport does not use them.
	BearerTokens map[string]string
	// MaxInflightBytes bounds the bytes held, across every connection of
	// both transports, for messages still arriving or being answered:
	// past it, a message larger than 16 KiB waits (unread, up to the read
	// timeout) for others to finish before its body is read; smaller ones
	// are always read. Zero means DefaultMaxInflightBytes; negative means
	// no bound. A message larger than the bound is refused.
	MaxInflightBytes int64
}

// ConnHooks are told about the connections of an Endpoint; transport is
// "binary" or "http". A nil function is not called.
type ConnHooks struct {
	// Opened is called when a connection is accepted, Closed when it
	// closes, Refused when it is closed at once because MaxConns are open.
	Opened, Closed, Refused func(transport string)
	// Waiting is called when a message starts waiting for the in-flight
	// budget (MaxInflightBytes), Waited when that wait ends, after took:
	// err is nil once the message got its share, else why it gave up
	// (context.DeadlineExceeded past the read timeout; context.Canceled
	// when the server stops or an HTTP client went away).
	Waiting func(transport string)
	Waited  func(transport string, took time.Duration, err error)
}

func (c EndpointConfig) withDefaults() EndpointConfig {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MaxMessageSize < ttlv.HeaderSize {
		c.MaxMessageSize = ttlv.HeaderSize
	}
	if c.MaxBodySize <= 0 {
		c.MaxBodySize = JSONFactor * c.MaxMessageSize
	}
	c.ReadTimeout = orDefault(c.ReadTimeout, DefaultReadTimeout)
	c.IdleTimeout = orDefault(c.IdleTimeout, DefaultIdleTimeout)
	c.WriteTimeout = orDefault(c.WriteTimeout, DefaultWriteTimeout)
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxInflightBytes == 0 {
		c.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Endpoint serves a Handler over binary TTLV and HTTP: on listeners it
// opens itself (Listen) or is given (Serve), and as an http.Handler
// (ServeHTTP). Its methods are safe for concurrent use.
type Endpoint struct {
	cfg     EndpointConfig
	handler Handler
	log     *slog.Logger
	tls     *tls.Config
	base    context.Context
	cancel  context.CancelFunc
	mux     *http.ServeMux
	tokens  tokenTable // EndpointConfig.BearerTokens, nil without
	budget  *budget    // EndpointConfig.MaxInflightBytes, nil without
	// stop is done once Shutdown or Close is called: waits for the
	// budget end.
	stop       context.Context
	stopCancel context.CancelFunc

	bin     net.Listener // Listen's binary listener, nil when disabled
	httpLn  net.Listener // Listen's HTTP listener, nil when disabled
	httpSrv *http.Server
	certDir string // where a generated certificate was written

	wg sync.WaitGroup // accept loops and connections

	mu sync.Mutex
	// closing is set, under mu, by Shutdown or Close; read without it.
	closing atomic.Bool
	lns     map[net.Listener]struct{} // the listeners Serve accepts on
	conns   map[*binConn]struct{}
}

// ErrServerClosed is what Serve returns once Shutdown or Close stopped it.
var ErrServerClosed = errors.New("kmipserver: server closed")

// NewEndpoint returns an Endpoint that serves h; it listens on nothing until
// Serve is called (Listen opens cfg's addresses). cfg.Addr and
// cfg.HTTPAddr are not used. Unless cfg.Plaintext, connections are served
// with TLS (cfg.TLS, or the certificate files, or a generated self-signed
// certificate).
func NewEndpoint(cfg EndpointConfig, h Handler) (*Endpoint, error) {
	return newEndpoint(context.Background(), cfg, h)
}

func newEndpoint(ctx context.Context, cfg EndpointConfig, h Handler) (*Endpoint, error) {
	if h == nil {
		return nil, errors.New("kmipserver: nil Handler")
	}
	cfg = cfg.withDefaults()
	s := &Endpoint{cfg: cfg, handler: h, log: cfg.Logger, conns: make(map[*binConn]struct{}),
		lns: make(map[net.Listener]struct{})}
	s.base, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.tokens = newTokenTable(cfg.BearerTokens)
	s.stop, s.stopCancel = context.WithCancel(context.Background())
	s.budget = newBudget(cfg.MaxInflightBytes, s.stop, cfg.Hooks)
	if !cfg.Plaintext {
		tc, dir, err := serverTLS(cfg, s.log)
		if err != nil {
			s.cancel()
			s.stopCancel()
			return nil, err
		}
		s.tls, s.certDir = tc, dir
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc(PathKMIP, s.serveKMIP)
	s.mux.HandleFunc(PathOperation, s.serveOperation)
	return s, nil
}

// Listen listens on the configured addresses and serves h until Shutdown or
// Close. ctx is the parent of every request's context; cancelling it does
// not stop the server (call Shutdown).
func Listen(ctx context.Context, cfg EndpointConfig, h Handler) (*Endpoint, error) {
	s, err := newEndpoint(ctx, cfg, h)
	if err != nil {
		return nil, err
	}
	cfg = s.cfg
	if cfg.Addr != "-" {
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			s.cancel()
			return nil, fmt.Errorf("kmipserver: binary listener: %w", err)
		}
		s.bin = ln
	}
	if cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			if s.bin != nil {
				s.bin.Close()
			}
			s.cancel()
			return nil, fmt.Errorf("kmipserver: HTTP listener: %w", err)
		}
		s.httpLn = ln
	}
	if s.bin != nil {
		if !s.track(s.bin) {
			return nil, ErrServerClosed
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.acceptBinary(s.bin)
		}()
		s.log.Info("serving binary TTLV", "addr", s.bin.Addr().String(), "tls", s.tls != nil,
			"mutual_tls", s.tls != nil && s.tls.ClientAuth == tls.RequireAndVerifyClientCert)
	}
	if s.httpLn != nil {
		s.startHTTP()
		s.log.Info("serving HTTP", "addr", s.httpLn.Addr().String(), "tls", s.tls != nil,
			"paths", "/kmip /kmip/2_1")
	}
	return s, nil
}

// Serve accepts binary TTLV connections on l (TLS unless the Endpoint is
// plaintext: give it a plain listener) and serves them until Shutdown or
// Close, when it returns ErrServerClosed; l is closed then. It may be
// called for several listeners.
func (s *Endpoint) Serve(l net.Listener) error {
	if !s.track(l) {
		l.Close()
		return ErrServerClosed
	}
	s.wg.Add(1)
	defer s.wg.Done()
	return s.acceptBinary(l)
}

// track adds l to the listeners Shutdown closes; false when closing.
func (s *Endpoint) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.lns[l] = struct{}{}
	return true
}

// closeListeners closes what Serve and Listen accept on.
func (s *Endpoint) closeListeners() {
	s.mu.Lock()
	lns := s.lns
	s.lns = map[net.Listener]struct{}{}
	s.mu.Unlock()
	for l := range lns {
		l.Close()
	}
}

// ServeHTTP answers POST /kmip (a RequestMessage in the JSON or binary
// form) and POST /kmip/2_1 (a bare operation in JSON); other paths get 404.
// Mount it in an http.Server of your own (TLS is that server's), or let
// Listen run one.
func (s *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Addr returns the bound binary address, nil when the binary transport is
// disabled.
func (s *Endpoint) Addr() net.Addr {
	if s.bin == nil {
		return nil
	}
	return s.bin.Addr()
}

// HTTPAddr returns the bound HTTP address, nil when HTTP is disabled.
func (s *Endpoint) HTTPAddr() net.Addr {
	if s.httpLn == nil {
		return nil
	}
	return s.httpLn.Addr()
}

// HTTPURL returns the URL of the /kmip endpoint ("http://…" or
// "https://…"), empty when HTTP is disabled.
func (s *Endpoint) HTTPURL() string {
	if s.httpLn == nil {
		return ""
	}
	scheme := "https"
	if s.tls == nil {
		scheme = "http"
	}
	return scheme + "://" + s.httpLn.Addr().String() + "/kmip"
}

// CertDir returns the directory where a generated self-signed certificate
// (cert.pem) and its key (key.pem) were written, empty when none was
// generated.
func (s *Endpoint) CertDir() string { return s.certDir }

// TLSConfig returns the server's TLS configuration, nil in plaintext mode.
// The caller must not modify it.
func (s *Endpoint) TLSConfig() *tls.Config { return s.tls }

// Shutdown stops accepting connections, lets the requests in progress
// finish, closes idle connections and waits for every connection to end,
// or for ctx to be done, in which case it closes the remaining connections
// and returns ctx's error.
func (s *Endpoint) Shutdown(ctx context.Context) error {
	s.stopCancel()
	s.mu.Lock()
	already := s.closing.Swap(true)
	if !already {
		// An idle connection waits in a header read: wake it up. A busy one
		// sees closing before its next read.
		for c := range s.conns {
			c.wake()
		}
	}
	s.mu.Unlock()
	if !already {
		s.closeListeners()
	}
	var httpErr error
	if s.httpSrv != nil {
		httpErr = s.httpSrv.Shutdown(ctx)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancel()
		return httpErr
	case <-ctx.Done():
		s.Close()
		<-done
		return ctx.Err()
	}
}

// Close closes the listeners and every connection at once.
func (s *Endpoint) Close() error {
	s.stopCancel()
	s.mu.Lock()
	already := s.closing.Swap(true)
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	if !already {
		s.closeListeners()
	}
	var err error
	if s.httpSrv != nil {
		err = s.httpSrv.Close()
	}
	s.cancel()
	return err
}

// isClosing reports whether Shutdown or Close has been called.
func (s *Endpoint) isClosing() bool {
	return s.closing.Load()
}

// sem bounds open connections; nil means no bound.
type sem chan struct{}

func newSem(n int) sem {
	if n < 0 {
		return nil
	}
	return make(sem, n)
}

func (c sem) tryAcquire() bool {
	if c == nil {
		return true
	}
	select {
	case c <- struct{}{}:
		return true
	default:
		return false
	}
}

func (c sem) release() {
	if c != nil {
		<-c
	}
}

// limitListener closes connections beyond its semaphore's capacity as soon
// as they are accepted, so a flood of connections costs a file descriptor
// for an instant each, not a goroutine and buffers.
type limitListener struct {
	net.Listener
	sem       sem
	log       *slog.Logger
	refused   atomic.Uint64
	hooks     *ConnHooks
	transport string
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.sem.tryAcquire() {
			lc := &limitConn{Conn: c, release: l.sem.release}
			if h := l.hooks; h != nil {
				if h.Opened != nil {
					h.Opened(l.transport)
				}
				if h.Closed != nil {
					t, release := l.transport, lc.release
					lc.release = func() { release(); h.Closed(t) }
				}
			}
			return lc, nil
		}
		if h := l.hooks; h != nil && h.Refused != nil {
			h.Refused(l.transport)
		}
		// A flood of connections must not flood the log too: log the 1st,
		// 2nd, 4th, 8th… refusal.
		if n := l.refused.Add(1); n&(n-1) == 0 {
			l.log.Warn("connection refused: connection limit reached", "remote", c.RemoteAddr().String(), "limit", cap(l.sem), "refused_total", n)
		}
		c.Close()
	}
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
