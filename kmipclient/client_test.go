package kmipclient_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/kmiptest"
	"github.com/kmipwire/kmipwire/ttlv"
)

func newKey(t testing.TB, c *kmipclient.Client) string {
	t.Helper()
	ctx := context.Background()
	r, err := c.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(256)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Activate(ctx, r.UniqueIdentifier); err != nil {
		t.Fatal(err)
	}
	return r.UniqueIdentifier
}

// named adds a Name to attrs.
func named(attrs *kmip.Attributes, name string) *kmip.Attributes {
	attrs.Name = append(attrs.Name, kmipclient.Name(name))
	return attrs
}

func TestNegotiate(t *testing.T) {
	cfg := startKmipd(t, kmipclient.TLS, kmipserver.EndpointConfig{})
	c := dial(t, cfg)
	if c.Version() != kmipclient.V2_1 {
		t.Errorf("negotiated %v with kmipd, want 2.1", c.Version())
	}
	vs, err := c.DiscoverVersions(context.Background(), kmipclient.V1_1, kmipclient.MakeVersion(9, 9))
	if err != nil || len(vs) != 1 || vs[0] != kmipclient.V1_1 {
		t.Errorf("DiscoverVersions(1.1, 9.9) = %v, %v; want [1.1]", vs, err)
	}
}

func TestBatch(t *testing.T) {
	cfg := startKmipd(t, kmipclient.Plain, kmipserver.EndpointConfig{})
	for _, v := range []kmipclient.Version{kmipclient.V1_4, kmipclient.V2_1} {
		t.Run(v.String(), func(t *testing.T) {
			cfg := cfg
			cfg.Version = v
			c := dial(t, cfg)
			ctx := context.Background()

			// Create, Activate, Encrypt, Get on the ID Placeholder.
			var created kmipclient.Result[kmip.CreateResponsePayload]
			var enc kmipclient.Result[kmip.EncryptResponsePayload]
			var got kmipclient.Result[kmip.GetResponsePayload]
			b := c.NewBatch(kmip.BatchErrorContinuationOptionStop)
			b.Add(&kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)}, &created)
			b.Add(&kmip.ActivateRequestPayload{}, nil)
			b.Add(&kmip.EncryptRequestPayload{Data: kmip.Some([]byte("sixteen bytes!!!")), CryptographicParameters: &kmip.CryptographicParameters{
				BlockCipherMode: kmip.Some(kmip.BlockCipherModeECB), PaddingMethod: kmip.Some(kmip.PaddingMethodNone)}}, &enc)
			b.Add(&kmip.GetRequestPayload{}, &got)
			if err := b.Exec(ctx); err != nil {
				t.Fatalf("Exec: %v", err)
			}
			id, key := created.Payload.UniqueIdentifier, kmipclient.KeyMaterial(&got.Payload)
			if id == "" || got.Payload.UniqueIdentifier != id || len(key) != 16 || len(enc.Payload.Data.Value) != 16 {
				t.Errorf("created %q, got %q (%d key bytes), %d bytes encrypted", id, got.Payload.UniqueIdentifier, len(key), len(enc.Payload.Data.Value))
			}

			// Stop: the item after a failure is not run.
			b = c.NewBatch(kmip.BatchErrorContinuationOptionStop)
			b.Add(&kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}, nil)
			b.Add(&kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("missing")}, nil)
			b.Add(&kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}, nil)
			err := b.Exec(ctx)
			wantReason(t, "Stop batch", err, notFoundIn(v))
			if b.Err(0) != nil || kmipclient.ReasonOf(b.Err(1)) != notFoundIn(v) || !errors.Is(b.Err(2), kmipclient.ErrNotExecuted) {
				t.Errorf("Stop: item errors %v / %v / %v", b.Err(0), b.Err(1), b.Err(2))
			}

			// Continue: every item runs.
			b.Continuation = kmip.BatchErrorContinuationOptionContinue
			b.Exec(ctx)
			if b.Err(0) != nil || b.Err(1) == nil || b.Err(2) != nil {
				t.Errorf("Continue: item errors %v / %v / %v", b.Err(0), b.Err(1), b.Err(2))
			}

			// Undo: the Create before the failure is reverted.
			var undone kmipclient.Result[kmip.CreateResponsePayload]
			b.Reset()
			b.Continuation = kmip.BatchErrorContinuationOptionUndo
			b.Add(&kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: named(kmipclient.AES(128), "undo-"+v.String())}, &undone)
			b.Add(&kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("missing")}, nil)
			b.Exec(ctx)
			var e *kmipclient.Error
			if !errors.As(b.Err(0), &e) || e.Status != kmip.ResultStatusOperationUndone {
				t.Errorf("Undo: first item %v, want Operation Undone", b.Err(0))
			}
			loc, err := c.Locate(ctx, &kmip.LocateRequestPayload{Attributes: named(&kmip.Attributes{}, "undo-"+v.String())})
			if err != nil || len(loc.UniqueIdentifier) != 0 {
				t.Errorf("after Undo, Locate finds %v (%v)", loc, err)
			}
		})
	}
}

func TestConcurrentPool(t *testing.T) {
	cfg := startKmipd(t, kmipclient.TLS, kmipserver.EndpointConfig{})
	cfg.MaxConns = 3
	c := dial(t, cfg)
	id := newKey(t, c)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var req = kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}
			var resp kmipclient.Result[kmip.GetResponsePayload]
			for i := 0; i < 25; i++ {
				if err := c.Do(context.Background(), &req, &resp); err != nil {
					errs <- err
					return
				}
				if resp.Payload.UniqueIdentifier != id || len(kmipclient.KeyMaterial(&resp.Payload)) != 32 {
					errs <- errors.New("wrong answer " + resp.Payload.UniqueIdentifier)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDroppedIdleConnection: the server closes connections idle for 100
// ms; an idempotent request on such a pooled connection is sent again on a
// new one, a Create is not (the server may have run it).
func TestDroppedIdleConnection(t *testing.T) {
	for _, tr := range []kmipclient.Transport{kmipclient.TLS, kmipclient.Plain, kmipclient.HTTPBinary} {
		t.Run(tr.String(), func(t *testing.T) {
			cfg := startKmipd(t, tr, kmipserver.EndpointConfig{IdleTimeout: 100 * time.Millisecond})
			cfg.MaxIdleTime = -1 // keep connections however long they rest
			cfg.MaxConns = 1
			c := dial(t, cfg)
			id := newKey(t, c)
			ctx := context.Background()
			for i := 0; i < 3; i++ {
				time.Sleep(300 * time.Millisecond)
				if _, err := c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}); err != nil {
					t.Fatalf("Get %d after the server dropped the connection: %v", i, err)
				}
			}
			if tr == kmipclient.HTTPBinary {
				return // net/http's own retry covers the rest
			}
			// Ten times the server's idle timeout: the connection is
			// surely gone (had it not been, Create would succeed).
			time.Sleep(time.Second)
			_, err := c.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)})
			if err == nil {
				t.Fatal("Create on a dropped connection succeeded: it was retried")
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				t.Logf("Create: %v", err)
			}
			// The pool recovers: the next call dials anew.
			if _, err := c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}); err != nil {
				t.Errorf("Get after the failed Create: %v", err)
			}
		})
	}
	t.Run("MaxIdleTime", func(t *testing.T) {
		cfg := startKmipd(t, kmipclient.Plain, kmipserver.EndpointConfig{IdleTimeout: 100 * time.Millisecond})
		cfg.MaxIdleTime = 50 * time.Millisecond
		c := dial(t, cfg)
		time.Sleep(200 * time.Millisecond)
		if _, err := c.Create(context.Background(), &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)}); err != nil {
			t.Errorf("Create after MaxIdleTime: %v (the stale connection should have been replaced)", err)
		}
	})
}

// silentServer accepts connections, reads and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func TestContext(t *testing.T) {
	addr := silentServer(t)
	c, err := kmipclient.Dial(context.Background(), kmipclient.Config{Addr: addr, Transport: kmipclient.Plain, Version: kmipclient.V2_1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("x")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("deadline of 100ms took %v", d)
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("x")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: %v, want context.Canceled", err)
	}
	// Config.Timeout bounds a call without a deadline.
	c2, err := kmipclient.Dial(context.Background(), kmipclient.Config{Addr: addr, Transport: kmipclient.Plain, Version: kmipclient.V2_1, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Get(context.Background(), &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("x")}); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Timeout: %v, want a timeout", err)
	}
	// Waiting for a connection of a full pool also ends with the context.
	c3, err := kmipclient.Dial(context.Background(), kmipclient.Config{Addr: addr, Transport: kmipclient.Plain, Version: kmipclient.V2_1, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	go c3.Get(context.Background(), &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("blocks")})
	time.Sleep(50 * time.Millisecond)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c3.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("x")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("full pool: %v, want context.DeadlineExceeded", err)
	}
	c3.Close()
	if _, err := c3.Get(context.Background(), &kmip.GetRequestPayload{}); !errors.Is(err, kmipclient.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

// replyServer answers every binary message with reply(request).
func replyServer(t testing.TB, reply func(req []byte) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go serveReplies(ln, reply)
	return ln.Addr().String()
}

func TestHostileServer(t *testing.T) {
	resp := func(ops ...kmip.Operation) []byte {
		v := ttlv.Structure(ttlv.TagResponseMessage,
			ttlv.Structure(ttlv.TagResponseHeader, ttlv.Structure(ttlv.TagProtocolVersion,
				ttlv.Integer(ttlv.TagProtocolVersionMajor, 2), ttlv.Integer(ttlv.TagProtocolVersionMinor, 1)),
				ttlv.Integer(ttlv.TagBatchCount, int32(len(ops)))))
		for _, op := range ops {
			v.Children = append(v.Children, ttlv.Structure(ttlv.TagBatchItem, ttlv.Enumeration(ttlv.TagOperation, uint32(op)),
				ttlv.Enumeration(ttlv.TagResultStatus, 0)))
		}
		return ttlv.Marshal(&v)
	}
	valid := resp(kmip.OperationGet)
	huge := append([]byte(nil), valid[:8]...)
	binary.BigEndian.PutUint32(huge[4:], 1<<30)
	badPad := append([]byte(nil), valid...)
	badPad[len(badPad)-1] = 1
	cases := []struct {
		name  string
		reply []byte
	}{
		{"huge length", huge},
		{"request tag", append([]byte{0x42, 0x00, 0x78}, valid[3:]...)},
		{"bad padding", badPad},
		{"truncated", valid[:len(valid)-8]},
		{"two answers", resp(kmip.OperationGet, kmip.OperationGet)},
		{"wrong operation", resp(kmip.OperationCreate)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := replyServer(t, func([]byte) []byte { return tc.reply })
			c, err := kmipclient.Dial(context.Background(), kmipclient.Config{Addr: addr, Transport: kmipclient.Plain, Version: kmipclient.V2_1,
				MaxResponseSize: 1 << 20, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.Get(context.Background(), &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("x")})
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if tc.name != "truncated" && !errors.Is(err, kmipclient.ErrProtocol) {
				t.Errorf("%v: want ErrProtocol", err)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		addr := replyServer(t, func([]byte) []byte { return valid })
		c, err := kmipclient.Dial(context.Background(), kmipclient.Config{Addr: addr, Transport: kmipclient.Plain, Version: kmipclient.V2_1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Get(context.Background(), &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("x")}); err != nil {
			t.Errorf("valid answer: %v", err)
		}
	})
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []kmipclient.Config{
		{},
		{Addr: "no-port"},
		{Addr: "localhost:1", Transport: kmipclient.HTTPJSON},
		{Addr: "localhost:1", Version: kmipclient.MakeVersion(3, 0)},
		{Addr: "localhost:1", CAFile: "/nonexistent"},
		{Addr: "localhost:1", CertFile: "x"},
	} {
		if _, err := kmipclient.Dial(context.Background(), cfg); err == nil {
			t.Errorf("Dial(%+v) succeeded", cfg)
		} else {
			var ce *kmipclient.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("Dial(%+v): %v, want a *ConfigError", cfg, err)
			}
		}
	}
	ids, err := kmipclient.ParseCipherSuites("TLS_RSA_WITH_AES_128_CBC_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
	if err != nil || len(ids) != 2 || ids[0] != 0x003C {
		t.Errorf("ParseCipherSuites = %x, %v", ids, err)
	}
	if _, err := kmipclient.ParseCipherSuites("TLS_NOPE"); err == nil {
		t.Error("ParseCipherSuites(TLS_NOPE) succeeded")
	}
}

// serveReplies answers every binary message on ln's connections with
// reply(request), until ln is closed.
func serveReplies(ln net.Listener, reply func(req []byte) []byte) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			var buf []byte
			h := make([]byte, 8)
			for {
				if _, err := io.ReadFull(r, h); err != nil {
					return
				}
				n := int(binary.BigEndian.Uint32(h[4:]))
				if cap(buf) < 8+n {
					buf = make([]byte, 8+n)
				}
				buf = buf[:8+n]
				copy(buf, h)
				if _, err := io.ReadFull(r, buf[8:]); err != nil {
					return
				}
				if _, err := c.Write(reply(buf)); err != nil {
					return
				}
			}
		}()
	}
}

// TestCancelLeavesConnectionUsable: a context cancelled while its answer
// arrives must not leave a deadline in the past on the pooled connection
// for the next call (context.AfterFunc runs its function on a goroutine of
// its own, which may still be pending when the call returns).
func TestCancelLeavesConnectionUsable(t *testing.T) {
	s := kmiptest.NewServer(t, kmipserver.Config{})
	c := dial(t, kmipclient.Config{Addr: s.Addr, TLS: s.ClientTLS, MaxConns: 1})
	bg := context.Background()
	key, err := c.Create(bg, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)})
	if err != nil {
		t.Fatal(err)
	}
	get := &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(key.UniqueIdentifier)}
	for i := 0; i < 300; i++ {
		ctx, cancel := context.WithCancel(bg)
		go cancel() // races with the answer: either outcome is fine
		if _, err := c.Get(ctx, get); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: cancelled Get: %v", i, err)
		}
		if _, err := c.Get(bg, get); err != nil {
			t.Fatalf("round %d: the call after a cancelled one: %v", i, err)
		}
	}
}

// countingServer accepts TCP connections, counts them and holds them open
// without answering (a client with a fixed Version sends nothing to open
// its first connection).
func countingServer(t *testing.T) (addr string, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String(), func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(conns)
	}
}

// waitAccepted waits up to 5 s for the server to have accepted want
// connections, then a little longer to see that no more arrive.
func waitAccepted(t *testing.T, accepted func() int, want int, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); accepted() < want && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if got := accepted(); got != want {
		t.Errorf("%s: the server accepted %d connections, want %d", what, got, want)
	}
}

// TestPreconnect: Preconnect dials until n connections are open, never
// more than MaxConns, counts the ones already open, and the pooled
// connections then serve concurrent calls without a dial.
func TestPreconnect(t *testing.T) {
	addr, accepted := countingServer(t)
	c := dial(t, kmipclient.Config{Transport: kmipclient.Plain, Addr: addr, Version: kmipclient.V2_1, MaxConns: 6})
	waitAccepted(t, accepted, 1, "Dial")
	ctx := context.Background()
	if err := c.Preconnect(ctx, 4); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, accepted, 4, "Preconnect(4)")
	if err := c.Preconnect(ctx, 3); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, accepted, 4, "Preconnect(3) after 4")
	if err := c.Preconnect(ctx, 100); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, accepted, 6, "Preconnect(100) with MaxConns 6")

	// Against kmipd over TLS: after Preconnect(8), eight concurrent calls
	// succeed on the pooled connections.
	cfg := startKmipd(t, kmipclient.TLS, kmipserver.EndpointConfig{})
	cfg.MaxConns = 8
	k := dial(t, cfg)
	if err := k.Preconnect(ctx, 8); err != nil {
		t.Fatal(err)
	}
	id := newKey(t, k)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := k.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	// A dial that fails is Preconnect's error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := dial(t, kmipclient.Config{Transport: kmipclient.Plain, Addr: ln.Addr().String(), Version: kmipclient.V2_1, MaxConns: 3})
	ln.Close()
	if err := gone.Preconnect(ctx, 3); err == nil {
		t.Error("Preconnect to a closed port succeeded")
	}
}
