package kmipserver

import (
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
