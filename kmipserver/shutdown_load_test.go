package kmipserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// countingHandler is fake counting the binary messages it answered.
type countingHandler struct {
	*fake
	served atomic.Int64
}

func (h *countingHandler) ServeTTLV(ctx context.Context, dst, req []byte) []byte {
	dst = h.fake.ServeTTLV(ctx, dst, req)
	h.served.Add(1)
	return dst
}

// TestShutdownUnderLoad: Shutdown while clients send message after message,
// each on its connection, ends every connection and returns; no answered
// message is lost on the way: each client receives the answer of every
// message the handler served, whole, and otherwise sees its connection
// closed without a byte of a response.
func TestShutdownUnderLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  EndpointConfig
	}{{"plain", EndpointConfig{Plaintext: true}}, {"tls", EndpointConfig{}}} {
		t.Run(tc.name, func(t *testing.T) {
			h := &countingHandler{fake: newFake()}
			cfg := tc.cfg
			cfg.Addr = "127.0.0.1:0"
			cfg.CertDir = t.TempDir()
			s, err := Listen(context.Background(), cfg, h)
			if err != nil {
				t.Fatal(err)
			}
			const clients = 16
			var received atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			var running sync.WaitGroup
			running.Add(clients)
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- loadUntilClosed(s, i, &received, &running)
				}()
			}
			running.Wait() // every client has had an answer
			time.Sleep(20 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			ended := make(chan struct{})
			go func() { wg.Wait(); close(ended) }()
			select {
			case <-ended:
			case <-time.After(10 * time.Second):
				t.Fatal("a client's connection still open 10 s after Shutdown returned")
			}
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			if got, want := received.Load(), h.served.Load(); got != want {
				t.Fatalf("clients received %d answers, the handler served %d", got, want)
			}
			if received.Load() < clients {
				t.Fatalf("%d answers before Shutdown, want at least %d", received.Load(), clients)
			}
		})
	}
}

// loadUntilClosed sends messages on one connection to s, each once the
// previous one is answered, until the server closes it; it counts the
// answers and reports a wrong or partial one. running is told after the
// first answer.
func loadUntilClosed(s *Endpoint, i int, received *atomic.Int64, running *sync.WaitGroup) error {
	var c net.Conn
	var err error
	if s.TLSConfig() != nil {
		c, err = tlsDialInsecure(s.Addr().String())
	} else {
		c, err = net.Dial("tcp", s.Addr().String())
	}
	if err != nil {
		running.Done()
		return err
	}
	defer c.Close()
	first := true
	for n := 0; ; n++ {
		req := message(ttlv.TagRequestMessage, 1+(i+n)%40)
		if _, err := c.Write(req); err != nil {
			if first {
				running.Done()
			}
			return nil // closed before this message was read
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := readMessage(c)
		switch {
		case err == nil:
			want := append([]byte{0x42, 0x00, 0x7B}, req[3:]...)
			if !bytes.Equal(resp, want) {
				return errors.New("a wrong answer")
			}
			received.Add(1)
			if first {
				first = false
				running.Done()
			}
		case len(resp) > 0 || errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("a partial answer: " + err.Error())
		default:
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return errors.New("no answer and no close within 10 s")
			}
			if first {
				running.Done()
			}
			return nil // closed, no byte of an answer sent
		}
	}
}

// tlsDialInsecure dials a TLS connection without verifying the server's
// generated certificate.
func tlsDialInsecure(addr string) (net.Conn, error) {
	return tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
}
