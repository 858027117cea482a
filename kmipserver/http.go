package kmipserver

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/kmipwire/kmipwire/internal/pool"
)

// The media types of the HTTP transport (KMIP Additional Message Encodings
// §5; shared/INTEROP.md "HTTP").
const (
	ContentTypeJSON   = "application/json"
	ContentTypeBinary = "application/octet-stream"
)

// The paths of the HTTP transport: the specification's /kmip, and Cosmian
// KMS's /kmip/2_1 for bare operations.
const (
	PathKMIP      = "/kmip"
	PathOperation = "/kmip/2_1"
)

func (s *Endpoint) startHTTP() {
	s.httpSrv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: s.cfg.ReadTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelInfo),
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, peerKey{}, Peer{RemoteAddr: c.RemoteAddr()})
		},
	}
	var ln net.Listener = &limitListener{Listener: s.httpLn, sem: newSem(s.cfg.MaxConns), log: s.log, hooks: s.cfg.Hooks, transport: "http"}
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("HTTP server stopped", "err", err)
		}
	}()
}

// mediaType returns the media type of a Content-Type header without its
// parameters; the exact common values are matched without parsing.
func mediaType(ct string) string {
	switch ct {
	case ContentTypeJSON, ContentTypeBinary:
		return ct
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// serveKMIP answers POST /kmip: a RequestMessage in the JSON or binary form,
// answered in the same form with 200, KMIP failures included.
func (s *Endpoint) serveKMIP(w http.ResponseWriter, r *http.Request) {
	if !allowPost(w, r) {
		return
	}
	mt := mediaType(r.Header.Get("Content-Type"))
	if mt != ContentTypeJSON && mt != ContentTypeBinary {
		http.Error(w, "unsupported content type: want "+ContentTypeJSON+" or "+ContentTypeBinary, http.StatusUnsupportedMediaType)
		return
	}
	limit := s.cfg.MaxBodySize
	if mt == ContentTypeBinary {
		limit = s.cfg.MaxMessageSize
	}
	s.serveBody(w, r, limit, func(ctx context.Context, dst, req []byte) ([]byte, bool) {
		if mt == ContentTypeJSON {
			return s.handler.ServeJSON(ctx, dst, req), true
		}
		return s.handler.ServeTTLV(ctx, dst, req), true
	}, mt)
}

// serveOperation answers POST /kmip/2_1: a bare operation in the JSON form,
// answered with its response payload, or 422 and a text message.
func (s *Endpoint) serveOperation(w http.ResponseWriter, r *http.Request) {
	if !allowPost(w, r) {
		return
	}
	if mediaType(r.Header.Get("Content-Type")) != ContentTypeJSON {
		http.Error(w, "unsupported content type: want "+ContentTypeJSON, http.StatusUnsupportedMediaType)
		return
	}
	s.serveBody(w, r, s.cfg.MaxBodySize, s.handler.ServeOperationJSON, ContentTypeJSON)
}

func allowPost(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost {
		return true
	}
	w.Header().Set("Allow", http.MethodPost)
	http.Error(w, "method not allowed: use POST", http.StatusMethodNotAllowed)
	return false
}

// serveBody reads the body within limit into a pooled buffer, calls serve
// (recovering a panic as a 500) and writes its answer: 200 with type ct,
// or 422 in text when serve reports failure.
func (s *Endpoint) serveBody(w http.ResponseWriter, r *http.Request, limit int,
	serve func(ctx context.Context, dst, req []byte) ([]byte, bool), ct string) {
	identity, authorized := s.authenticate(w, r)
	if !authorized {
		return
	}
	if r.ContentLength > int64(limit) {
		http.Error(w, "request body too large: limit "+strconv.Itoa(limit)+" bytes", http.StatusRequestEntityTooLarge)
		return
	}
	// The in-flight budget: a body of known length reserves it before it
	// is read, one of unknown length as its bytes arrive, 64 KiB at a
	// time past the first smallMessage, without waiting.
	var held int64
	defer func() {
		if held > 0 {
			s.budget.release(held)
		}
	}()
	var take func(n int) bool
	if s.budget != nil {
		if r.ContentLength > smallMessage {
			if err := s.budget.reserve(r.Context(), r.ContentLength, s.cfg.ReadTimeout, "http"); err != nil {
				s.log.Info("HTTP request refused", "remote", r.RemoteAddr, "err", err)
				w.Header().Set("Retry-After", "1")
				http.Error(w, "server busy: "+errBudget.Error(), http.StatusServiceUnavailable)
				return
			}
			held = r.ContentLength
		} else if r.ContentLength < 0 {
			take = func(n int) bool {
				for int64(n) > smallMessage+held {
					if !s.budget.sem.TryAcquire(bodyStep) {
						return false
					}
					held += bodyStep
				}
				return true
			}
		}
	}
	in, out := pool.Get(), pool.Get()
	defer pool.Put(in)
	defer pool.Put(out)
	body, err := readAll(r.Body, (*in)[:0], limit, take)
	*in = body
	if err != nil {
		if errors.Is(err, errBudget) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "server busy: "+errBudget.Error(), http.StatusServiceUnavailable)
			return
		}
		if errors.Is(err, errTooLarge) {
			http.Error(w, "request body too large: limit "+strconv.Itoa(limit)+" bytes", http.StatusRequestEntityTooLarge)
			return
		}
		s.log.Info("reading an HTTP request body failed", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "reading the request body failed", http.StatusBadRequest)
		return
	}
	resp, ok, panicked := s.callHTTP(r, identity, serve, (*out)[:0], body)
	*out = resp
	if panicked {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h["Content-Length"] = []string{strconv.Itoa(len(resp))}
	if ok {
		h["Content-Type"] = []string{ct}
		w.WriteHeader(http.StatusOK)
	} else {
		h["Content-Type"] = []string{"text/plain; charset=utf-8"}
		w.WriteHeader(http.StatusUnprocessableEntity)
	}
	w.Write(resp)
}

func (s *Endpoint) callHTTP(r *http.Request, identity string, serve func(ctx context.Context, dst, req []byte) ([]byte, bool),
	dst, req []byte) (resp []byte, ok, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler panic", "remote", r.RemoteAddr, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			resp, ok, panicked = dst, false, true
		}
	}()
	ctx := r.Context()
	if r.TLS != nil {
		// The connection's Peer was made before the handshake.
		p, _ := PeerFromContext(ctx)
		p.TLS = r.TLS
		if p.RemoteAddr == nil {
			p.RemoteAddr = httpAddr(r.RemoteAddr)
		}
		ctx = context.WithValue(ctx, peerKey{}, p)
	} else if _, ok := PeerFromContext(ctx); !ok {
		// Served by an http.Server of the caller's (ServeHTTP).
		ctx = context.WithValue(ctx, peerKey{}, Peer{RemoteAddr: httpAddr(r.RemoteAddr)})
	}
	if identity != "" {
		p, _ := PeerFromContext(ctx)
		p.Identity = identity
		ctx = context.WithValue(ctx, peerKey{}, p)
	}
	resp, ok = serve(ctx, dst, req)
	return resp, ok, false
}

var errTooLarge = errors.New("body too large")

// bodyStep is what a body of unknown length takes of the in-flight
// budget at a time.
const bodyStep = 64 << 10

// readAll appends r's bytes to buf up to limit, growing buf as they
// arrive; take, when not nil, is told the length read so far after each
// read and fails the read with errBudget when it returns false.
func readAll(r io.Reader, buf []byte, limit int, take func(n int) bool) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			// One byte past the limit tells a body at the limit from a
			// larger one.
			c := min(max(2*cap(buf), 4<<10), limit+1)
			if c <= len(buf) {
				return buf, errTooLarge
			}
			nb := make([]byte, len(buf), c)
			copy(nb, buf)
			buf = nb
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if len(buf) > limit {
			return buf, errTooLarge
		}
		if take != nil && !take(len(buf)) {
			return buf, errBudget
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// httpAddr is the client address of a request served by an http.Server
// that is not the Endpoint's own (its Peer comes from Request.RemoteAddr).
type httpAddr string

func (a httpAddr) Network() string { return "tcp" }
func (a httpAddr) String() string  { return string(a) }
