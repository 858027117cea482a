package kmiptest

// This file: generators of malformed binary messages and a flood of them
// over concurrent connections, for tests that a server survives hostile
// input while serving well-behaved clients (see the package comment in
// server.go).

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Kinds of malformed messages Malformed makes.
const (
	Truncated    = iota // a valid message cut short
	Oversized           // a header announcing more than the limit
	NotStructure        // a header of another type
	MutatedBody         // a valid frame with bytes of its body changed
	MutatedAny          // a valid message with any bytes changed, header included
	Garbage             // random bytes
	InnerLength         // a valid frame whose first inner item claims a wrong length
	ShortLength         // a header announcing less than the body that follows
	numKinds
)

// Malformed returns a malformed variant of one of the valid messages, of
// kind rng.IntN(numKinds), and its kind. maxSize is the server's limit.
func Malformed(rng *rand.Rand, valid [][]byte, maxSize int) ([]byte, int) {
	v := valid[rng.IntN(len(valid))]
	m := append([]byte(nil), v...)
	kind := rng.IntN(numKinds)
	switch kind {
	case Truncated:
		m = m[:rng.IntN(len(m))]
	case Oversized:
		m = ttlv.AppendHeader(nil, ttlv.TagRequestMessage, ttlv.TypeStructure, uint32(maxSize-ttlv.HeaderSize+1+rng.IntN(1<<20)))
		m = append(m, v[ttlv.HeaderSize:]...)
	case NotStructure:
		m[3] = byte(2 + rng.IntN(12))
	case MutatedBody:
		for range 1 + rng.IntN(4) {
			m[ttlv.HeaderSize+rng.IntN(len(m)-ttlv.HeaderSize)] ^= byte(1 + rng.IntN(255))
		}
	case MutatedAny:
		for range 1 + rng.IntN(4) {
			m[rng.IntN(len(m))] ^= byte(1 + rng.IntN(255))
		}
	case Garbage:
		m = make([]byte, rng.IntN(256))
		for i := range m {
			m[i] = byte(rng.Uint32())
		}
	case InnerLength:
		if len(m) >= 2*ttlv.HeaderSize {
			binary.BigEndian.PutUint32(m[ttlv.HeaderSize+4:], rng.Uint32())
		}
	case ShortLength:
		n := binary.BigEndian.Uint32(m[4:])
		binary.BigEndian.PutUint32(m[4:], uint32(rng.IntN(int(n)+1))&^7)
	}
	return m, kind
}

// Stats counts what a Flood's messages got back.
type Stats struct {
	// Kinds counts the messages sent of each kind.
	Kinds [numKinds]int
	// Answered counts the messages that got at least one byte back (a
	// response to a well-framed but invalid message), Closed those that
	// got none before the server closed the connection.
	Answered, Closed int
}

// Flood sends n malformed messages made by Malformed from valid to addr,
// over conns concurrent connections, a new connection for each: it writes
// the message, closes its write side and reads whatever comes back until
// the server closes the connection. It returns an error when the server
// stops accepting connections or leaves one open past timeout after the
// client's end of input, which would mean it is stuck on hostile input.
func Flood(ctx context.Context, addr string, tlsConf *tls.Config, valid [][]byte, maxSize, n, conns int, seed uint64, timeout time.Duration) (Stats, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		st    Stats
		next  = make(chan []byte)
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				got, err := sendOne(ctx, addr, tlsConf, m, timeout)
				if err != nil {
					fail(err)
				}
				mu.Lock()
				if got > 0 {
					st.Answered++
				} else {
					st.Closed++
				}
				mu.Unlock()
			}
		}()
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := 0; i < n && ctx.Err() == nil; i++ {
		m, kind := Malformed(rng, valid, maxSize)
		st.Kinds[kind]++
		next <- m
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return st, first
}

// sendOne sends m on a new connection and returns how many bytes came back.
func sendOne(ctx context.Context, addr string, tlsConf *tls.Config, m []byte, timeout time.Duration) (int64, error) {
	// A loaded machine may fail a dial now and then (ports in TIME_WAIT, a
	// full backlog): retry a few times, so that only a server that stopped
	// accepting fails the flood.
	var d net.Dialer
	var raw net.Conn
	var err error
	for try := range 4 {
		if raw, err = d.DialContext(ctx, "tcp", addr); err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(25<<try) * time.Millisecond)
	}
	if err != nil {
		return 0, fmt.Errorf("dial: %w", err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(timeout))
	var c net.Conn = raw
	if tlsConf != nil {
		tc := tls.Client(raw, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return 0, fmt.Errorf("TLS handshake: %w", err)
		}
		c = tc
	}
	// A server closing first may reset the connection: write errors are
	// expected.
	c.Write(m)
	if tc, ok := c.(*tls.Conn); ok {
		tc.CloseWrite()
	} else {
		raw.(*net.TCPConn).CloseWrite()
	}
	got, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return got, fmt.Errorf("server kept a connection open %v after a %d-byte malformed message %x…", timeout, len(m), m[:min(len(m), 16)])
	}
	return got, nil
}
