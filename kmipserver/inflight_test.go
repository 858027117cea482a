package kmipserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// startLarge sends the header and the first part of a message of size
// bytes on a new connection and returns the connection and the rest.
func startLarge(t *testing.T, s *Endpoint, size, first int) (net.Conn, []byte) {
	return startLargeTagged(t, s, ttlv.TagRequestMessage, size, first)
}

func startLargeTagged(t *testing.T, s *Endpoint, tag ttlv.Tag, size, first int) (net.Conn, []byte) {
	t.Helper()
	msg := message(tag, size-16)
	if len(msg) != size {
		t.Fatalf("message of %d bytes, want %d", len(msg), size)
	}
	c := dial(t, s)
	if _, err := c.Write(msg[:first]); err != nil {
		t.Fatal(err)
	}
	return c, msg
}

// TestInflightBudget: two 40 KiB messages do not fit a 64 KiB budget at
// once: the second waits, unread, while a small message on a third
// connection is answered; it is read and answered once the first is.
func TestInflightBudget(t *testing.T) {
	s, _ := start(t, EndpointConfig{Plaintext: true, MaxInflightBytes: 64 << 10, ReadTimeout: 5 * time.Second}, newFake())
	const size = 40 << 10
	a, amsg := startLarge(t, s, size, 1000)
	time.Sleep(50 * time.Millisecond) // a reserves first
	b, bmsg := startLarge(t, s, size, size)
	small := dial(t, s)
	req := message(ttlv.TagRequestMessage, 100)
	for range 3 {
		small.SetDeadline(time.Now().Add(2 * time.Second))
		resp, err := roundTrip(small, req)
		if err != nil {
			t.Fatalf("small message while the budget is taken: %v", err)
		}
		wantEcho(t, req, resp)
	}
	b.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := readMessage(b); err == nil {
		t.Fatal("the second large message was answered while the first held the budget")
	}
	if w := s.budget.waits.Load(); w != 1 {
		t.Errorf("%d waits for the budget, want 1", w)
	}
	if _, err := a.Write(amsg[1000:]); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		c   net.Conn
		msg []byte
	}{{a, amsg}, {b, bmsg}} {
		x.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := readMessage(x.c)
		if err != nil {
			t.Fatal(err)
		}
		wantEcho(t, x.msg, resp)
	}
	// Everything given back (just after the answers were written): the
	// whole budget can be taken again.
	deadline := time.Now().Add(2 * time.Second)
	for !s.budget.sem.TryAcquire(64 << 10) {
		if time.Now().After(deadline) {
			t.Fatal("the budget was not given back")
		}
		time.Sleep(time.Millisecond)
	}
	s.budget.release(64 << 10)
}

// TestInflightBudgetTimeout: a message that waits past the read timeout
// for the budget closes its connection, logged; one larger than the whole
// budget is refused at once.
func TestInflightBudgetTimeout(t *testing.T) {
	f := newFake()
	s, lc := start(t, EndpointConfig{Plaintext: true, MaxInflightBytes: 64 << 10, ReadTimeout: 300 * time.Millisecond}, f)
	// The first message holds 40 KiB while its handler waits.
	a, amsg := startLargeTagged(t, s, tagSlow, 40<<10, 40<<10)
	<-f.started
	b, _ := startLarge(t, s, 40<<10, 100)
	wantClosed(t, b)
	close(f.release)
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, err := readMessage(a); err != nil || len(resp) != len(amsg) {
		t.Fatalf("the slow message's answer: %d bytes, %v", len(resp), err)
	}
	if !lc.has("in-flight budget exhausted") {
		t.Errorf("no log of the budget; logs: %v", lc.msgs)
	}
	c := dial(t, s)
	c.Write(ttlv.AppendHeader(nil, ttlv.TagRequestMessage, ttlv.TypeStructure, 128<<10))
	start := time.Now()
	wantClosed(t, c)
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("a message larger than the budget waited %v", d)
	}
}

// TestInflightBudgetHTTP: a body the budget cannot hold gets 503, of
// unknown length (chunked) or too large for the whole budget; small
// bodies are served, and the chunked one once the budget is free.
func TestInflightBudgetHTTP(t *testing.T) {
	s, _ := start(t, EndpointConfig{Addr: "-", Plaintext: true, HTTPAddr: "127.0.0.1:0", MaxInflightBytes: 128 << 10}, newFake())
	if !s.budget.sem.TryAcquire(124 << 10) {
		t.Fatal("budget")
	}
	released := false
	defer func() {
		if !released {
			s.budget.release(124 << 10)
		}
	}()
	post := func(body io.Reader) int {
		resp, err := http.Post(s.HTTPURL(), ContentTypeJSON, body)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	big := strings.Repeat("x", 200<<10)
	chunked := func(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) } // hides the length
	if code := post(chunked(big[:100<<10])); code != http.StatusServiceUnavailable {
		t.Errorf("chunked body over the budget: %d, want 503", code)
	}
	if code := post(strings.NewReader(big)); code != http.StatusServiceUnavailable {
		t.Errorf("body of known length over the whole budget: %d, want 503", code)
	}
	if code := post(strings.NewReader(`{"a":1}`)); code != http.StatusOK {
		t.Errorf("small body: %d", code)
	}
	if code := post(chunked(`{"a":1}`)); code != http.StatusOK {
		t.Errorf("small chunked body: %d", code)
	}
	s.budget.release(124 << 10)
	released = true
	if code := post(chunked(big[:100<<10])); code != http.StatusOK {
		t.Errorf("chunked body within the free budget: %d", code)
	}
	// Given back once the handler returned (just after the answer).
	for deadline := time.Now().Add(2 * time.Second); !s.budget.sem.TryAcquire(128 << 10); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the chunked body's share was not given back")
		}
	}
	s.budget.release(128 << 10)
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestInflightBudgetShutdown: with one connection's partial message
// holding the whole budget and a second connection waiting for it,
// Shutdown at once ends the waiting one (well within its 30 s read
// timeout, while the first is still arriving), lets the first finish and
// be answered, then returns; Close ends a waiting connection alike (its
// goroutine too, not only its socket).
func TestInflightBudgetShutdown(t *testing.T) {
	const size = 40 << 10
	cfg := EndpointConfig{Plaintext: true, MaxInflightBytes: 64 << 10, ReadTimeout: 30 * time.Second}
	t.Run("Shutdown", func(t *testing.T) {
		s, _ := start(t, cfg, newFake())
		a, amsg := startLarge(t, s, size, 1000)
		waitFor(t, "the first message to take the budget", func() bool {
			if s.budget.sem.TryAcquire(size) {
				s.budget.release(size)
				return false
			}
			return true
		})
		b, _ := startLarge(t, s, size, size)
		waitFor(t, "the second message to wait", func() bool { return s.budget.waits.Load() == 1 })
		done := make(chan error, 1)
		began := time.Now()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done <- s.Shutdown(ctx)
		}()
		wantClosed(t, b) // within 2 s
		if d := time.Since(began); d > 2*time.Second {
			t.Errorf("the waiting connection ended %v after Shutdown", d)
		}
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned (%v) before the message in progress was answered", err)
		default:
		}
		if _, err := a.Write(amsg[1000:]); err != nil {
			t.Fatal(err)
		}
		a.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := readMessage(a)
		if err != nil {
			t.Fatalf("the message in progress at Shutdown: %v", err)
		}
		wantEcho(t, amsg, resp)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Shutdown did not return once its connections ended")
		}
	})
	t.Run("Close", func(t *testing.T) {
		// Held by no connection: closing connections gives nothing back.
		s, _ := start(t, cfg, newFake())
		if !s.budget.sem.TryAcquire(64 << 10) {
			t.Fatal("budget")
		}
		defer s.budget.release(64 << 10)
		b, _ := startLarge(t, s, size, size)
		waitFor(t, "the second message to wait", func() bool { return s.budget.waits.Load() == 1 })
		s.Close()
		wantClosed(t, b)
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a connection waiting for the budget outlived Close")
		}
	})
}

// TestInflightBudgetShutdownHTTP: an HTTP request waiting for the budget
// is answered 503 as soon as Shutdown is called, which then returns,
// rather than both waiting out the read timeout (net/http's Shutdown
// cancels no request).
func TestInflightBudgetShutdownHTTP(t *testing.T) {
	s, _ := start(t, EndpointConfig{Addr: "-", Plaintext: true, HTTPAddr: "127.0.0.1:0", MaxInflightBytes: 64 << 10,
		ReadTimeout: 30 * time.Second}, newFake())
	if !s.budget.sem.TryAcquire(64 << 10) {
		t.Fatal("budget")
	}
	defer s.budget.release(64 << 10)
	code := make(chan int, 1)
	go func() {
		resp, err := http.Post(s.HTTPURL(), ContentTypeJSON, strings.NewReader(strings.Repeat("x", 40<<10)))
		if err != nil {
			code <- 0
			return
		}
		resp.Body.Close()
		code <- resp.StatusCode
	}()
	waitFor(t, "the request to wait", func() bool { return s.budget.waits.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("Shutdown took %v with a request waiting for the budget", d)
	}
	if c := <-code; c != http.StatusServiceUnavailable {
		t.Errorf("the waiting request: status %d, want 503", c)
	}
}
