package kmipclient

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// conn is one pooled connection and the buffers it reuses: the request it
// encodes, the response it reads, the results of its items. For the HTTP
// transports it holds only buffers (net/http keeps the connections).
type conn struct {
	nc  net.Conn
	r   *bufio.Reader
	req []byte
	// resp is the last response: a slice of r's buffer when it arrived
	// whole there (held is then its length, discarded from r before the
	// next exchange reads), else of buf, the connection's own buffer.
	resp       []byte
	held       int
	buf        []byte
	json       []byte
	body       bytes.Buffer
	results    []itemResult
	lastUsed   time.Time
	reused     bool // a round trip has completed on nc
	idempotent bool // the request in flight may be sent twice
	deadline   bool // nc has a deadline set
	// ctxDeadline: that deadline is a context's; until: the deadline set
	// from Config.Timeout.
	ctxDeadline bool
	until       time.Time
	// stop, run by context.AfterFunc when the context of the exchange in
	// flight is done, makes its blocked I/O return; it signals stopped
	// when it has, so that the exchange never returns (and the
	// connection is never closed, pooled or reused) while it runs.
	stop    func()
	stopped chan struct{}
}

// aLongTimeAgo is a deadline in the past: it makes blocked I/O return.
var aLongTimeAgo = time.Unix(1, 0)

func (cn *conn) close() {
	if cn.nc != nil {
		cn.nc.Close()
		cn.nc = nil
	}
}

// dial opens a network connection for the binary transports.
func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("kmipclient: %w", err)
	}
	if c.tls != nil {
		tc := tls.Client(nc, c.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("kmipclient: TLS handshake with %s: %w", c.cfg.Addr, err)
		}
		nc = tc
	}
	return nc, nil
}

// staleError is a failure on a pooled connection before any byte of the
// response arrived: the server had most likely closed it while it was idle.
type staleError struct{ err error }

func (e *staleError) Error() string { return e.err.Error() }
func (e *staleError) Unwrap() error { return e.err }

// exchange sends the binary request on the connection and reads the
// binary response into cn.resp.
func (c *Client) exchange(ctx context.Context, cn *conn, req []byte) error {
	if c.http != nil {
		return c.exchangeHTTP(ctx, cn, req)
	}
	// One reading of the clock a message, when any is needed: for the
	// pooled connection's idle time and the Timeout deadline.
	var now time.Time
	if cn.nc != nil && c.cfg.MaxIdleTime > 0 && !cn.lastUsed.IsZero() {
		now = time.Now()
		if now.Sub(cn.lastUsed) > c.cfg.MaxIdleTime {
			cn.close() // idle too long: the server may have dropped it
		}
	}
	if cn.nc == nil {
		nc, err := c.dial(ctx)
		if err != nil {
			return err
		}
		cn.attach(nc)
		now = time.Time{} // the dial took its time
	}
	switch d, ok := ctx.Deadline(); {
	case ok:
		cn.nc.SetDeadline(d)
		cn.deadline, cn.ctxDeadline = true, true
	case c.cfg.Timeout > 0:
		// Renewed only when less than half of Timeout is left: setting
		// a deadline costs about a microsecond, a tenth of a loopback
		// round trip.
		if now.IsZero() {
			now = time.Now()
		}
		if !cn.deadline || cn.ctxDeadline || cn.until.Sub(now) < c.cfg.Timeout/2 {
			cn.until = now.Add(c.cfg.Timeout)
			cn.nc.SetDeadline(cn.until)
			cn.deadline, cn.ctxDeadline = true, false
		}
	case cn.deadline:
		cn.nc.SetDeadline(time.Time{})
		cn.deadline = false
	}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, cn.stop)
	}
	err := cn.readWrite(req, c.cfg.MaxResponseSize)
	if stop != nil && !stop() {
		// cn.stop has started: wait for it, and since it left a
		// deadline in the past, make the next exchange set a new one.
		<-cn.stopped
		cn.deadline, cn.ctxDeadline = true, true
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("kmipclient: %w", cerr)
		}
		// The connection's deadline is the context's: its timeout may
		// come a moment before the context reports it.
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) && errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("kmipclient: %w (%w)", context.DeadlineExceeded, err)
		}
	}
	return err
}

// attach makes nc the connection's network connection.
func (cn *conn) attach(nc net.Conn) {
	cn.nc = nc
	if cn.r == nil {
		cn.r = bufio.NewReaderSize(nc, 16<<10)
		cn.stopped = make(chan struct{}, 1)
		cn.stop = func() {
			if nc := cn.nc; nc != nil {
				nc.SetDeadline(aLongTimeAgo)
			}
			cn.stopped <- struct{}{}
		}
	} else {
		cn.r.Reset(nc)
	}
	cn.reused, cn.deadline = false, false
	cn.resp, cn.held = nil, 0
	cn.lastUsed = time.Time{} // not idle before its first release
}

// readWrite sends req and reads the response into cn.resp: in place, a
// slice of cn.r's buffer, when it arrived whole with its header, as a
// small one does (the caller is done with it before the next exchange);
// else into cn.buf.
func (cn *conn) readWrite(req []byte, maxSize int) error {
	if n := cn.held; n > 0 {
		cn.resp, cn.held = nil, 0
		cn.r.Discard(n)
	}
	if _, err := cn.nc.Write(req); err != nil {
		if cn.reused {
			return &staleError{fmt.Errorf("kmipclient: sending the request: %w", err)}
		}
		return fmt.Errorf("kmipclient: sending the request: %w", err)
	}
	head, err := cn.r.Peek(ttlv.HeaderSize)
	if err != nil {
		n := len(head)
		if err == io.EOF && n > 0 {
			err = io.ErrUnexpectedEOF // as io.ReadFull says it
		}
		err = fmt.Errorf("kmipclient: reading the response: %w", err)
		if n == 0 && cn.reused && isDropped(err) {
			return &staleError{err}
		}
		return err
	}
	h := binary.BigEndian.Uint64(head)
	tag, typ, length := ttlv.Tag(h>>40), ttlv.Type(h>>32), int64(uint32(h))
	if tag != ttlv.TagResponseMessage || typ != ttlv.TypeStructure {
		return protoErrf("the server sent %v %v, not a ResponseMessage Structure", tag, typ)
	}
	if size := length + ttlv.HeaderSize; size > int64(maxSize) {
		return protoErrf("a response of %d bytes exceeds MaxResponseSize (%d)", size, maxSize)
	}
	need := int(length) + ttlv.HeaderSize
	if cn.r.Buffered() >= need {
		cn.resp, _ = cn.r.Peek(need)
		cn.held = need
		cn.reused = true
		return nil
	}
	if cap(cn.buf) < need {
		cn.buf = make([]byte, need, need+need/4)
	}
	cn.buf = cn.buf[:need]
	copy(cn.buf, head)
	cn.r.Discard(ttlv.HeaderSize)
	cn.resp = cn.buf
	if _, err := io.ReadFull(cn.r, cn.buf[ttlv.HeaderSize:]); err != nil {
		return fmt.Errorf("kmipclient: reading the response: %w", err)
	}
	cn.reused = true
	return nil
}

// isDropped reports a connection the peer closed or reset.
func isDropped(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed)
}

// exchangeHTTP POSTs the request, in JSON or binary, and reads the answer.
func (c *Client) exchangeHTTP(ctx context.Context, cn *conn, req []byte) error {
	body, ctype := req, "application/octet-stream"
	if c.cfg.Transport == HTTPJSON {
		js, err := jsonttlv.AppendJSON(cn.json[:0], req, jsonttlv.EncodeOptions{})
		cn.json = js
		if err != nil {
			return fmt.Errorf("kmipclient: encoding JSON: %w", err)
		}
		body, ctype = js, "application/json"
	}
	if _, ok := ctx.Deadline(); !ok && c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.Addr, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("kmipclient: %w", err)
	}
	hreq.Header.Set("Content-Type", ctype)
	hreq.Header.Set("Accept", ctype)
	if cn.idempotent {
		// net/http then retries the request on a connection that the
		// server had closed (a nil value is not sent).
		hreq.Header["Idempotency-Key"] = nil
	}
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return fmt.Errorf("kmipclient: %w", err)
	}
	defer hresp.Body.Close()
	limit := int64(c.cfg.MaxResponseSize)
	if c.cfg.Transport == HTTPJSON {
		limit *= 4
	}
	cn.body.Reset()
	if _, err := cn.body.ReadFrom(io.LimitReader(hresp.Body, limit+1)); err != nil {
		return fmt.Errorf("kmipclient: reading the response: %w", err)
	}
	if hresp.StatusCode != http.StatusOK {
		return protoErrf("HTTP %s: %.200q", hresp.Status, cn.body.Bytes())
	}
	if int64(cn.body.Len()) > limit {
		return protoErrf("a response body over %d bytes", limit)
	}
	if c.cfg.Transport == HTTPJSON {
		bin, err := jsonttlv.AppendBinary(cn.buf[:0], cn.body.Bytes(), jsonttlv.DecodeOptions{MaxSize: int(limit)})
		cn.buf, cn.resp = bin, bin
		if err != nil {
			return protoErr("JSON", err)
		}
		return nil
	}
	cn.buf = append(cn.buf[:0], cn.body.Bytes()...)
	cn.resp = cn.buf
	return nil
}
