package kmipserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/kmipwire/kmipwire/internal/pool"
	"github.com/kmipwire/kmipwire/ttlv"
)

// ErrFraming is wrapped by the errors that end a binary connection because
// its byte stream is not a sequence of TTLV messages within the limits.
var ErrFraming = errors.New("malformed framing")

// readerSize is the buffered reader of a binary connection: the header and a
// small body usually arrive in one read.
const readerSize = 16 << 10

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readerSize) }}

// binConn is one binary connection.
type binConn struct {
	s  *Endpoint
	nc net.Conn      // the accepted connection: deadlines and Close
	rw io.ReadWriter // nc or the TLS connection over it
	// mu guards idle: the connection's own lock, not the Endpoint's, so
	// that the connections do not contend for one lock twice a message.
	mu   sync.Mutex
	idle bool
	log  *slog.Logger
	head [ttlv.HeaderSize]byte // a header read in pieces, for the message's buffer
	// held is what the message being served reserved of the in-flight
	// budget.
	held int64
	// readBy and writeBy are the read and write deadlines last set on nc
	// by this connection's goroutine (zero: none), so that a busy
	// connection need not re-arm its timers on every message (lazyDeadline).
	readBy, writeBy time.Time
}

// acceptBinary serves the connections l accepts until l is closed.
func (s *Endpoint) acceptBinary(l net.Listener) error {
	ln := &limitListener{Listener: l, sem: newSem(s.cfg.MaxConns), log: s.log, hooks: s.cfg.Hooks, transport: "binary"}
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors and the like: wait and retry rather
			// than spin or stop serving.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Error("accept failed", "err", err, "retry_in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		c := &binConn{s: s, nc: nc, rw: nc}
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	}
}

// setIdle marks the connection idle (waiting for a message) or busy; it
// reports false when the server is shutting down and an idle connection
// should end instead. Shutdown sets closing before it wakes the idle
// connections (wake), each under c.mu: a connection that turns idle
// after Shutdown looked at it sees closing here, one that turned idle
// before is woken.
func (c *binConn) setIdle(idle bool) bool {
	c.mu.Lock()
	c.idle = idle
	c.mu.Unlock()
	return !(idle && c.s.closing.Load())
}

// wake makes an idle connection's wait for its next message end at once
// (Shutdown, with closing set): its read deadline moves to now. A busy
// connection is left to finish its message.
func (c *binConn) wake() {
	c.mu.Lock()
	if c.idle {
		c.nc.SetReadDeadline(time.Now())
	}
	c.mu.Unlock()
}

func (c *binConn) serve() {
	s := c.s
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.nc.Close()
	}()
	c.log = s.log.With("remote", c.nc.RemoteAddr().String())
	peer := Peer{RemoteAddr: c.nc.RemoteAddr()}
	if s.tls != nil {
		tc := tls.Server(c.nc, s.tls)
		// The handshake counts as idle: a Shutdown ends it at once.
		if c.deadline(c.nc.SetDeadline, &c.readBy, s.cfg.ReadTimeout) != nil || !c.setIdle(true) {
			return
		}
		c.writeBy = c.readBy
		err := tc.Handshake()
		c.setIdle(false)
		if err != nil {
			if !s.isClosing() {
				c.log.Info("TLS handshake failed", "err", err)
			}
			return
		}
		st := tc.ConnectionState()
		peer.TLS = &st
		c.rw = tc
	}
	ctx := context.WithValue(s.base, peerKey{}, peer)
	c.log.Debug("connection opened")

	r := readers.Get().(*bufio.Reader)
	r.Reset(c.rw)
	// The message buffers are pooled while a message is served and nil
	// between messages: an idle connection holds its reader only, and a
	// large buffer goes back to the pool for whichever message needs one
	// next.
	var in, out *[]byte
	defer func() {
		c.release()
		r.Reset(nil)
		readers.Put(r)
		pool.Put(in)
		pool.Put(out)
	}()
	for {
		msg, buffered, err := c.readMessage(r, &in)
		if in != nil {
			*in = msg // the grown buffer goes back to the pool
		}
		if err != nil {
			c.logEnd(err)
			return
		}
		out = pool.Get()
		resp, ok := c.call(ctx, (*out)[:0], msg)
		*out = resp
		if !ok {
			return
		}
		if err := c.lazyDeadline(c.nc.SetWriteDeadline, &c.writeBy, s.cfg.WriteTimeout); err != nil {
			return
		}
		if _, err := c.rw.Write(resp); err != nil {
			c.log.Info("writing a response failed", "err", err)
			return
		}
		if buffered {
			// Served from r's buffer: the handler is done with it (a
			// Handler does not keep req past its call).
			r.Discard(len(msg))
		}
		pool.Put(in)
		pool.Put(out)
		in, out = nil, nil
		c.release()
	}
}

// release gives back what the message reserved of the in-flight budget.
func (c *binConn) release() {
	if c.held > 0 {
		c.s.budget.release(c.held)
		c.held = 0
	}
}

// deadline sets a read or write deadline d from now, none when d is 0,
// and records it in *by.
func (c *binConn) deadline(set func(time.Time) error, by *time.Time, d time.Duration) error {
	var t time.Time
	if d > 0 {
		t = time.Now().Add(d)
	}
	*by = t
	return set(t)
}

// lazyDeadline makes sure a read or write deadline of at least d from now
// is set, none when d is 0, without re-arming the connection's timer when
// the one in *by (set earlier) is as far and not much farther: it sets the
// deadline d + d/16 from now, so a connection that gets a message at least
// every d/16 re-arms it once every d/16 instead of once a message. A
// timeout so set fires at least d and at most 17/16 d after the read or
// write it bounds began: never early, at most 1/16 late. (Shutdown's wake-up of an idle connection
// moves its read deadline to now behind this record's back; the
// connection then ends, so the record is not used again.)
func (c *binConn) lazyDeadline(set func(time.Time) error, by *time.Time, d time.Duration) error {
	if d <= 0 {
		if by.IsZero() {
			return nil
		}
		*by = time.Time{}
		return set(*by)
	}
	now := time.Now()
	// by is within [now+d, now+d+d/16]: one Sub of two monotonic
	// readings, not two Adds and two comparisons.
	if !by.IsZero() {
		if left := by.Sub(now); left >= d && left <= d+d/16 {
			return nil
		}
	}
	*by = now.Add(d + d/16)
	return set(*by)
}

// readMessage reads the next message: the header under the idle timeout,
// the body under the read timeout. A message that arrived whole with its
// header, as a small one does, is returned in place, a slice of r's
// buffer (buffered true: the caller discards it from r once served);
// another is read into a buffer taken from the pool once the header
// arrived (*in, for the caller to put back with the message in it). The
// announced length is checked against the limit and the in-flight budget
// before anything is read, and the buffer grows only as the body's bytes
// arrive, so a lying header costs no memory.
func (c *binConn) readMessage(r *bufio.Reader, in **[]byte) (msg []byte, buffered bool, err error) {
	var buf []byte
	// Deadline first, then idle: a Shutdown that starts after setIdle sees
	// the connection idle and moves the deadline to now, after ours.
	if err := c.lazyDeadline(c.nc.SetReadDeadline, &c.readBy, c.s.cfg.IdleTimeout); err != nil {
		return buf, false, err
	}
	if !c.setIdle(true) {
		return buf, false, errShutdown
	}
	head, err := r.Peek(ttlv.HeaderSize)
	c.setIdle(false)
	if err != nil {
		if err == io.EOF && len(head) > 0 {
			err = io.ErrUnexpectedEOF // as io.ReadFull says it
		}
		return buf, false, err
	}
	h := binary.BigEndian.Uint64(head)
	tag, typ, length := ttlv.Tag(h>>40), ttlv.Type(h>>32), uint64(uint32(h))
	if typ != ttlv.TypeStructure {
		return buf, false, fmt.Errorf("%w: message of type %v (tag %v), want a Structure", ErrFraming, typ, tag)
	}
	if size := length + ttlv.HeaderSize; size > uint64(c.s.cfg.MaxMessageSize) {
		return buf, false, fmt.Errorf("%w: message of %d bytes exceeds the limit of %d", ErrFraming, size, c.s.cfg.MaxMessageSize)
	}
	// Whole in r's buffer (so no larger than it, smallMessage: no budget
	// to reserve): served from there, no copy, no buffer taken.
	if size := int(length) + ttlv.HeaderSize; r.Buffered() >= size {
		msg, _ := r.Peek(size)
		return msg, true, nil
	}
	copy(c.head[:], head)
	r.Discard(ttlv.HeaderSize)
	// The body under the read timeout — unless it has arrived with the
	// header: then no read waits for the network.
	if r.Buffered() < int(length) {
		if err := c.deadline(c.nc.SetReadDeadline, &c.readBy, c.s.cfg.ReadTimeout); err != nil {
			return buf, false, err
		}
	}
	// A message waiting for the budget holds no buffer.
	if size := int(length) + ttlv.HeaderSize; c.s.budget != nil && size > smallMessage {
		if err := c.s.budget.reserve(c.s.stop, int64(size), c.s.cfg.ReadTimeout, "binary"); err != nil {
			return buf, false, err
		}
		c.held = int64(size)
		// The wait must not eat the body's read timeout.
		if err := c.deadline(c.nc.SetReadDeadline, &c.readBy, c.s.cfg.ReadTimeout); err != nil {
			return buf, false, err
		}
	}
	*in = pool.Get()
	buf = append((**in)[:0], c.head[:]...)
	buf, err = readN(r, buf, int(length))
	return buf, false, err
}

var errShutdown = errors.New("server shutting down")

// readN appends n bytes from r to buf, growing buf geometrically as they
// arrive rather than by n up front.
func readN(r io.Reader, buf []byte, n int) ([]byte, error) {
	want := len(buf) + n
	for len(buf) < want {
		if len(buf) == cap(buf) {
			c := min(max(2*cap(buf), 4<<10), want)
			nb := make([]byte, len(buf), c)
			copy(nb, buf)
			buf = nb
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), want)])
		buf = buf[:len(buf)+m]
		if err != nil && len(buf) < want {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, fmt.Errorf("%w: message truncated after %d of %d bytes: %w", ErrFraming, len(buf), want, err)
		}
	}
	return buf, nil
}

// call runs the handler, recovering a panic: the connection then ends, as
// its state (a half-written response) cannot be trusted.
func (c *binConn) call(ctx context.Context, dst, req []byte) (resp []byte, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("handler panic; closing the connection", "panic", p, "stack", string(debug.Stack()))
			resp, ok = dst, false
		}
	}()
	return c.s.handler.ServeTTLV(ctx, dst, req), true
}

// logEnd logs why a connection ended, quietly for the ordinary reasons.
func (c *binConn) logEnd(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, errShutdown), errors.Is(err, net.ErrClosed):
		c.log.Debug("connection closed", "reason", err)
	case errors.Is(err, ErrFraming):
		c.log.Warn("closing connection", "err", err)
	case errors.Is(err, errBudget):
		if c.s.isClosing() {
			c.log.Debug("connection closed", "reason", errShutdown)
			return
		}
		// Many at once must not flood the log: the 1st, 2nd, 4th…
		if n := c.s.budget.timeouts.Add(1); n&(n-1) == 0 {
			c.log.Warn("closing connection", "err", err, "budget_timeouts_total", n)
		}
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		if c.s.isClosing() {
			c.log.Debug("connection closed", "reason", errShutdown)
			return
		}
		c.log.Info("closing connection: timeout", "err", err)
	default:
		c.log.Info("closing connection", "err", err)
	}
}

// Peer describes the client of a request; the transports put it in the
// context they pass to the Handler.
type Peer struct {
	// RemoteAddr is the client's address.
	RemoteAddr net.Addr
	// TLS is the connection's TLS state (with the verified client
	// certificate chains under mutual TLS), nil in plaintext.
	TLS *tls.ConnectionState
	// Identity is who the transport authenticated the client as other
	// than by its certificate: the identity of an HTTP request's bearer
	// token (EndpointConfig.BearerTokens); empty otherwise.
	Identity string
}

type peerKey struct{}

// WithPeer returns a copy of ctx that names p as the client, as the
// transports do: an embedding program that authenticates its clients
// otherwise serves them in process (ServeTTLV, ServeJSON) with their
// Peer, its Identity set, so that access control applies.
func WithPeer(ctx context.Context, p Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// PeerFromContext returns the client of the request whose context ctx is.
func PeerFromContext(ctx context.Context) (Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(Peer)
	return p, ok
}
