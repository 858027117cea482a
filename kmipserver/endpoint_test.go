package kmipserver

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Tags the fake handler reacts to.
const (
	tagPanic ttlv.Tag = 0x540666 // ServeTTLV panics
	tagSlow  ttlv.Tag = 0x540777 // ServeTTLV waits on fake.release
)

// fake is a Handler that echoes: ServeTTLV returns the message with its
// tag changed to ResponseMessage, ServeJSON the body wrapped in an object,
// ServeOperationJSON the body, or a text error for a body containing
// "fail". A body containing "panic" (or a message tagged tagPanic) panics.
type fake struct {
	started chan struct{} // receives when a tagSlow message arrives
	release chan struct{} // closed to let tagSlow messages finish
}

func newFake() *fake {
	return &fake{started: make(chan struct{}, 16), release: make(chan struct{})}
}

func (f *fake) ServeTTLV(ctx context.Context, dst, req []byte) []byte {
	switch ttlv.Tag(binary.BigEndian.Uint32(req) >> 8) {
	case tagPanic:
		panic("fake: panic requested")
	case tagSlow:
		f.started <- struct{}{}
		<-f.release
	}
	n := len(dst)
	dst = append(dst, req...)
	dst[n], dst[n+1], dst[n+2] = 0x42, 0x00, 0x7B
	return dst
}

func (f *fake) ServeJSON(ctx context.Context, dst, req []byte) []byte {
	if bytes.Contains(req, []byte("panic")) {
		panic("fake: panic requested")
	}
	dst = append(dst, `{"echo":`...)
	dst = append(dst, req...)
	return append(dst, '}')
}

func (f *fake) ServeOperationJSON(ctx context.Context, dst, req []byte) ([]byte, bool) {
	switch {
	case bytes.Contains(req, []byte("panic")):
		panic("fake: panic requested")
	case bytes.Contains(req, []byte("fail")):
		return append(dst, "operation failed"...), false
	}
	return append(dst, req...), true
}

// testLogger logs to the test at debug level when -v, else discards, and
// counts the records at each level.
type logCounter struct {
	mu     sync.Mutex
	counts map[slog.Level]int
	msgs   []string
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[r.Level]++
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		msg += " " + a.String()
		return true
	})
	l.msgs = append(l.msgs, msg)
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

func (l *logCounter) count(level slog.Level) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[level]
}

func (l *logCounter) has(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if strings.Contains(m, msg) {
			return true
		}
	}
	return false
}

// start starts a server on loopback with cfg (plaintext unless TLS is
// configured) and stops it when the test ends.
func start(t testing.TB, cfg EndpointConfig, h Handler) (*Endpoint, *logCounter) {
	t.Helper()
	lc := &logCounter{counts: make(map[slog.Level]int)}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(lc)
	}
	s, err := Listen(context.Background(), cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s, lc
}

// message returns a Structure message tagged tag holding a Text String of
// n bytes.
func message(tag ttlv.Tag, n int) []byte {
	b, mark := ttlv.BeginStructure(nil, tag)
	b = ttlv.AppendTextString(b, ttlv.TagUniqueIdentifier, strings.Repeat("k", n))
	ttlv.EndStructure(b, mark)
	return b
}

// roundTrip writes req and reads one message back.
func roundTrip(c net.Conn, req []byte) ([]byte, error) {
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	return readMessage(c)
}

func readMessage(r io.Reader) ([]byte, error) {
	head := make([]byte, ttlv.HeaderSize)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[4:])
	if n > 1<<20 {
		return nil, errors.New("response too large")
	}
	msg := append(head, make([]byte, n)...)
	_, err := io.ReadFull(r, msg[ttlv.HeaderSize:])
	return msg, err
}

func wantEcho(t *testing.T, req, resp []byte) {
	t.Helper()
	want := append([]byte{0x42, 0x00, 0x7B}, req[3:]...)
	if !bytes.Equal(resp, want) {
		t.Fatalf("response\n%x\nwant\n%x", resp, want)
	}
}

func dial(t testing.TB, s *Endpoint) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantClosed asserts that the server closes c (a read ends in EOF or a
// reset) within a second, with no bytes sent.
func wantClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var b [1]byte
	n, err := c.Read(b[:])
	if n != 0 || err == nil {
		t.Fatalf("read %d bytes, err %v; want the connection closed", n, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open: %v", err)
	}
}

func TestBinaryManyMessagesPerConnection(t *testing.T) {
	s, _ := start(t, EndpointConfig{Plaintext: true}, newFake())
	c := dial(t, s)
	for _, n := range []int{0, 1, 7, 100, 5000, 70000, 3} {
		req := message(ttlv.TagRequestMessage, n)
		resp, err := roundTrip(c, req)
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		wantEcho(t, req, resp)
	}
	// Pipelined: three messages in one write, three answers in order.
	reqs := [][]byte{message(ttlv.TagRequestMessage, 1), message(ttlv.TagRequestMessage, 2), message(ttlv.TagRequestMessage, 3)}
	if _, err := c.Write(bytes.Join(reqs, nil)); err != nil {
		t.Fatal(err)
	}
	for _, req := range reqs {
		resp, err := readMessage(c)
		if err != nil {
			t.Fatal(err)
		}
		wantEcho(t, req, resp)
	}
}

// A message that arrives one byte at a time is served whole.
func TestBinarySlowWriter(t *testing.T) {
	s, _ := start(t, EndpointConfig{Plaintext: true}, newFake())
	c := dial(t, s)
	c.(*net.TCPConn).SetNoDelay(true)
	req := message(ttlv.TagRequestMessage, 20)
	for i := range req {
		if _, err := c.Write(req[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := readMessage(c)
	if err != nil {
		t.Fatal(err)
	}
	wantEcho(t, req, resp)
}

func TestBinaryFraming(t *testing.T) {
	const max = 1024
	s, lc := start(t, EndpointConfig{Plaintext: true, MaxMessageSize: max}, newFake())
	at := func(b []byte, i int, v byte) []byte { b = bytes.Clone(b); b[i] = v; return b }
	ok := message(ttlv.TagRequestMessage, 8)
	lengthOf := func(n uint32) []byte {
		b := bytes.Clone(ok[:8])
		binary.BigEndian.PutUint32(b[4:], n)
		return b
	}
	cases := []struct {
		name string
		send []byte
	}{
		{"not a Structure", at(ok, 3, byte(ttlv.TypeInteger))},
		{"undefined type", at(ok, 3, 0x0F)},
		{"oversized by one", lengthOf(max - ttlv.HeaderSize + 1)},
		{"oversized huge", lengthOf(0xFFFFFFFF)},
		{"truncated body", ok[:len(ok)-3]},
		{"truncated header", ok[:5]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			if _, err := c.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(tc.name, "truncated") {
				c.(*net.TCPConn).CloseWrite()
			}
			wantClosed(t, c)
		})
	}
	// The largest allowed message is served.
	c := dial(t, s)
	req := message(ttlv.TagRequestMessage, max-2*ttlv.HeaderSize)
	if len(req) != max {
		t.Fatalf("test message is %d bytes, want %d", len(req), max)
	}
	resp, err := roundTrip(c, req)
	if err != nil {
		t.Fatal(err)
	}
	wantEcho(t, req, resp)
	if !lc.has("closing connection") {
		t.Error("framing faults not logged")
	}
}

// An announced length is not allocated before its bytes arrive.
func TestBinaryLyingLengthAllocatesNothing(t *testing.T) {
	s, _ := start(t, EndpointConfig{Plaintext: true, MaxMessageSize: 64 << 20, ReadTimeout: 200 * time.Millisecond}, newFake())
	var before, after runtimeMem
	before.read()
	var conns []net.Conn
	for range 8 {
		c := dial(t, s)
		head := ttlv.AppendHeader(nil, ttlv.TagRequestMessage, ttlv.TypeStructure, 64<<20-ttlv.HeaderSize)
		if _, err := c.Write(head); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	time.Sleep(50 * time.Millisecond)
	after.read()
	if grew := int64(after.heap) - int64(before.heap); grew > 16<<20 {
		t.Errorf("heap grew by %d bytes for 8 connections announcing 64 MiB each", grew)
	}
	for _, c := range conns {
		wantClosed(t, c) // by the read timeout
	}
}

func TestBinaryTimeouts(t *testing.T) {
	s, _ := start(t, EndpointConfig{Plaintext: true, ReadTimeout: 100 * time.Millisecond, IdleTimeout: 150 * time.Millisecond}, newFake())
	t.Run("idle", func(t *testing.T) {
		c := dial(t, s)
		req := message(ttlv.TagRequestMessage, 1)
		if _, err := roundTrip(c, req); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		wantClosed(t, c)
		if d := time.Since(t0); d < 100*time.Millisecond {
			t.Errorf("closed after %v, before the idle timeout", d)
		}
	})
	t.Run("read", func(t *testing.T) {
		c := dial(t, s)
		req := message(ttlv.TagRequestMessage, 100)
		if _, err := c.Write(req[:20]); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		wantClosed(t, c)
		if d := time.Since(t0); d > time.Second {
			t.Errorf("closed after %v", d)
		}
	})
}

func TestConnectionLimit(t *testing.T) {
	s, lc := start(t, EndpointConfig{Plaintext: true, MaxConns: 2}, newFake())
	req := message(ttlv.TagRequestMessage, 4)
	c1, c2 := dial(t, s), dial(t, s)
	for _, c := range []net.Conn{c1, c2} {
		if _, err := roundTrip(c, req); err != nil {
			t.Fatal(err)
		}
	}
	c3 := dial(t, s)
	c3.Write(req)
	wantClosed(t, c3)
	if !lc.has("connection limit") {
		t.Error("refusal not logged")
	}
	// A slot frees when a connection ends.
	c1.Close()
	deadline := time.Now().Add(2 * time.Second)
	for {
		c := dial(t, s)
		c.SetDeadline(time.Now().Add(time.Second))
		if _, err := roundTrip(c, req); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no connection accepted after one closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := roundTrip(c2, req); err != nil {
		t.Fatal(err)
	}
}

func TestHandlerPanicClosesOnlyItsConnection(t *testing.T) {
	s, lc := start(t, EndpointConfig{Plaintext: true}, newFake())
	good := dial(t, s)
	req := message(ttlv.TagRequestMessage, 4)
	if _, err := roundTrip(good, req); err != nil {
		t.Fatal(err)
	}
	bad := dial(t, s)
	bad.Write(message(tagPanic, 4))
	wantClosed(t, bad)
	if resp, err := roundTrip(good, req); err != nil {
		t.Fatal(err)
	} else {
		wantEcho(t, req, resp)
	}
	if lc.count(slog.LevelError) != 1 || !lc.has("panic") {
		t.Errorf("panic not logged once as an error: %v", lc.msgs)
	}
}

func TestShutdownFinishesInFlight(t *testing.T) {
	f := newFake()
	s, err := Listen(context.Background(), EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, f)
	if err != nil {
		t.Fatal(err)
	}
	idle := dial(t, s)
	if _, err := roundTrip(idle, message(ttlv.TagRequestMessage, 1)); err != nil {
		t.Fatal(err)
	}
	busy := dial(t, s)
	slow := message(tagSlow, 4)
	busy.Write(slow)
	<-f.started
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	wantClosed(t, idle)
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(f.release)
	resp, err := readMessage(busy)
	if err != nil {
		t.Fatalf("in-flight request lost: %v", err)
	}
	if !bytes.Equal(resp[3:], slow[3:]) {
		t.Fatal("in-flight response corrupted")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantClosed(t, busy)
	if _, err := net.Dial("tcp", s.Addr().String()); err == nil {
		t.Error("listener still accepting after Shutdown")
	}
}

func TestShutdownDeadlineClosesConnections(t *testing.T) {
	f := newFake()
	defer close(f.release)
	s, err := Listen(context.Background(), EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, f)
	if err != nil {
		t.Fatal(err)
	}
	busy := dial(t, s)
	busy.Write(message(tagSlow, 4))
	<-f.started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	go func() { time.Sleep(200 * time.Millisecond); f.release <- struct{}{} }()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want the context's deadline", err)
	}
}

type runtimeMem struct{ heap uint64 }

func (m *runtimeMem) read() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.heap = ms.HeapAlloc
}

func TestPeerInContext(t *testing.T) {
	var got Peer
	var mu sync.Mutex
	h := handlerFunc(func(ctx context.Context, dst, req []byte) []byte {
		mu.Lock()
		got, _ = PeerFromContext(ctx)
		mu.Unlock()
		return append(dst, req...)
	})
	s, _ := start(t, EndpointConfig{Plaintext: true}, h)
	c := dial(t, s)
	if _, err := roundTrip(c, message(ttlv.TagRequestMessage, 1)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.RemoteAddr == nil || got.RemoteAddr.String() != c.LocalAddr().String() {
		t.Errorf("peer %v, want %v", got.RemoteAddr, c.LocalAddr())
	}
}

// handlerFunc is a Handler whose binary path is a function.
type handlerFunc func(ctx context.Context, dst, req []byte) []byte

func (f handlerFunc) ServeTTLV(ctx context.Context, dst, req []byte) []byte { return f(ctx, dst, req) }
func (f handlerFunc) ServeJSON(ctx context.Context, dst, req []byte) []byte { return f(ctx, dst, req) }
func (f handlerFunc) ServeOperationJSON(ctx context.Context, dst, req []byte) ([]byte, bool) {
	return f(ctx, dst, req), true
}

// pemCert parses the first certificate of a PEM file.
func pemCert(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM block", file)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A client that connects to the TLS port and never says hello does not
// hold up Shutdown.
func TestShutdownDuringHandshake(t *testing.T) {
	s, err := Listen(context.Background(), EndpointConfig{Addr: "127.0.0.1:0", CertDir: t.TempDir()}, newFake())
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)
	time.Sleep(50 * time.Millisecond) // let the server start its handshake
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	t0 := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v after %v", err, time.Since(t0))
	}
	wantClosed(t, c)
}

// A TLS handshake that never completes is cut by the read timeout.
func TestHandshakeTimeout(t *testing.T) {
	s, _ := start(t, EndpointConfig{CertDir: t.TempDir(), ReadTimeout: 100 * time.Millisecond}, newFake())
	c := dial(t, s)
	c.Write([]byte{0x16, 0x03, 0x01}) // the start of a ClientHello record
	t0 := time.Now()
	wantClosed(t, c)
	if d := time.Since(t0); d > time.Second {
		t.Errorf("closed after %v", d)
	}
}

// TestLazyDeadline: the idle and write deadlines are re-armed only when
// the one set is nearer than the timeout or more than 1/16 of it farther,
// so a busy connection does not touch its timer on every message, and a
// deadline is never nearer than the timeout.
func TestLazyDeadline(t *testing.T) {
	var c binConn
	var by time.Time
	var sets int
	var last time.Time
	set := func(t time.Time) error { sets++; last = t; return nil }
	const d = time.Hour
	check := func(what string, wantSets int) {
		t.Helper()
		if err := c.lazyDeadline(set, &by, d); err != nil {
			t.Fatal(err)
		}
		if sets != wantSets {
			t.Fatalf("%s: %d deadlines set, want %d", what, sets, wantSets)
		}
		if now := time.Now(); by.Before(now.Add(d)) || by.After(now.Add(d+d/16)) || !last.Equal(by) {
			t.Fatalf("%s: deadline %v from now (set %v), want %v to %v", what, by.Sub(now), last.Sub(now), d, d+d/16)
		}
	}
	check("first", 1)
	check("again at once", 1)
	by = time.Now().Add(30 * time.Second) // the body's read timeout was set
	check("after a shorter deadline", 2)
	by = time.Now().Add(3 * d) // a longer one (IdleTimeout below ReadTimeout)
	check("after a longer deadline", 3)
	if err := c.lazyDeadline(set, &by, 0); err != nil || sets != 4 || !last.IsZero() || !by.IsZero() {
		t.Fatalf("timeout 0 after a deadline: %d sets, last %v, by %v; want the deadline cleared", sets, last, by)
	}
	if err := c.lazyDeadline(set, &by, 0); err != nil || sets != 4 {
		t.Fatalf("timeout 0 again: %d sets, want none more", sets)
	}
}

// TestBinaryIdleAfterBusySpell: a connection that served messages back to
// back — re-arming its idle deadline lazily, not once a message — still
// ends by its idle timeout once the messages stop, neither early nor much
// late.
func TestBinaryIdleAfterBusySpell(t *testing.T) {
	s, _ := start(t, EndpointConfig{Plaintext: true, ReadTimeout: time.Minute, IdleTimeout: 300 * time.Millisecond, WriteTimeout: time.Minute}, newFake())
	c := dial(t, s)
	req := message(ttlv.TagRequestMessage, 4)
	for range 200 {
		if _, err := roundTrip(c, req); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	wantClosed(t, c)
	if d := time.Since(t0); d < 280*time.Millisecond || d > 2*time.Second {
		t.Errorf("closed %v after the last message, want the idle timeout (300 ms, at most 1/16 late)", d)
	}
}
