package kmipclient_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// warmCalls are the round trips whose client side must not allocate once
// warm: a Get of a 256-bit key and an AES-GCM Encrypt of 64 bytes, each
// with a reused request and response.
type warmCalls struct {
	get     kmip.GetRequestPayload
	getResp kmipclient.Result[kmip.GetResponsePayload]
	enc     kmip.EncryptRequestPayload
	encResp kmipclient.Result[kmip.EncryptResponsePayload]
}

func newWarmCalls(id string) *warmCalls {
	return &warmCalls{
		get: kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)},
		enc: kmip.EncryptRequestPayload{UniqueIdentifier: kmip.Some(id), Data: kmip.Some(make([]byte, 64)),
			CryptographicParameters: &kmip.CryptographicParameters{BlockCipherMode: kmip.Some(kmip.BlockCipherModeGCM), TagLength: kmip.Some(int32(16))}},
	}
}

// recorded sends a request to kmipd as a whole message of its own making
// and returns kmipd's binary answer, to replay.
func recorded(t testing.TB, c *kmipclient.Client, req kmip.RequestPayload) []byte {
	t.Helper()
	v := c.Version()
	var payload ttlv.Value
	if err := ttlv.Unmarshal(req.AppendTTLV(nil, v), &payload); err != nil {
		t.Fatal(err)
	}
	msg := ttlv.Structure(ttlv.TagRequestMessage,
		ttlv.Structure(ttlv.TagRequestHeader, ttlv.Structure(ttlv.TagProtocolVersion,
			ttlv.Integer(ttlv.TagProtocolVersionMajor, int32(v>>8)), ttlv.Integer(ttlv.TagProtocolVersionMinor, int32(v&0xFF))),
			ttlv.Integer(ttlv.TagBatchCount, 1)),
		ttlv.Structure(ttlv.TagBatchItem, ttlv.Enumeration(ttlv.TagOperation, uint32(req.Operation())), payload))
	resp, err := c.RoundTrip(context.Background(), nil, ttlv.Marshal(&msg))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// replayClients returns a client of kmipd and clients (plain and TLS) of
// servers that answer every Get and Encrypt with kmipd's recorded answers:
// a replay costs the server nothing, so allocations counted are the
// client's.
func replayClients(t testing.TB) (kmipd *kmipclient.Client, w *warmCalls, plain, overTLS *kmipclient.Client) {
	cfg := startKmipd(t, kmipclient.Plain, kmipserver.EndpointConfig{})
	cfg.Version = kmipclient.V2_1
	kmipd = dial(t, cfg)
	w = newWarmCalls(newKey(t, kmipd))
	getResp, encResp := recorded(t, kmipd, &w.get), recorded(t, kmipd, &w.enc)
	reply := func(req []byte) []byte {
		// The Operation of the only BatchItem.
		if i := bytes.Index(req, opHeader); i >= 0 && len(req) >= i+12 && req[i+11] == byte(kmip.OperationEncrypt) {
			return encResp
		}
		return getResp
	}
	plain = dial(t, kmipclient.Config{Addr: replyServer(t, reply), Transport: kmipclient.Plain, Version: kmipclient.V2_1})
	overTLS = dial(t, kmipclient.Config{Addr: replayProcess(t, getResp, encResp), Version: kmipclient.V2_1, InsecureSkipVerify: true})
	return kmipd, w, plain, overTLS
}

// TestMain runs the replay server of replayProcess when asked to.
func TestMain(m *testing.M) {
	if dir := os.Getenv("KMIPCLIENT_REPLAY_DIR"); dir != "" {
		replayMain(dir)
		return
	}
	os.Exit(m.Run())
}

// replayProcess starts this test binary as a TLS replay server of the
// answers in another process, so that allocations counted here are the
// client's alone, and returns its address.
func replayProcess(t testing.TB, getResp, encResp []byte) string {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM, err := kmipserver.SelfSigned("replay", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"get": getResp, "encrypt": encResp, "cert": certPEM, "key": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KMIPCLIENT_REPLAY_DIR="+dir)
	stdin, err := cmd.StdinPipe() // the server exits when it closes
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("replay server: %v", err)
	}
	return strings.TrimSpace(line)
}

// replayMain is the replay server process: TLS on loopback, every Encrypt
// answered with dir/encrypt, anything else with dir/get.
func replayMain(dir string) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			log.Fatal(err)
		}
		return b
	}
	getResp, encResp := read("get"), read("encrypt")
	cert, err := tls.X509KeyPair(read("cert"), read("key"))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr())
	go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
	serveReplies(ln, func(req []byte) []byte {
		if i := bytes.Index(req, opHeader); i >= 0 && len(req) >= i+12 && req[i+11] == byte(kmip.OperationEncrypt) {
			return encResp
		}
		return getResp
	})
}

// opHeader is the header of an Operation item.
var opHeader = []byte{0x42, 0x00, 0x5C, byte(ttlv.TypeEnumeration), 0, 0, 0, 4}

func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	_, w, plain, overTLS := replayClients(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		c    *kmipclient.Client
	}{{"plain", plain}, {"tls", overTLS}} {
		for _, call := range []struct {
			name string
			req  kmip.RequestPayload
			resp kmipclient.Response
		}{{"Get", &w.get, &w.getResp}, {"Encrypt", &w.enc, &w.encResp}} {
			if err := c.c.Do(ctx, call.req, call.resp); err != nil {
				t.Fatal(err)
			}
			n := testing.AllocsPerRun(200, func() {
				if err := c.c.Do(ctx, call.req, call.resp); err != nil {
					t.Fatal(err)
				}
			})
			// Over TLS, crypto/tls allocates one 24-byte atLeastReader
			// per network read (conn.go, readFromUntil): the client adds
			// none (the TLS replay server runs in another process).
			want := 0.0
			if c.name == "tls" {
				want = 1
			}
			t.Logf("%s %s: %.1f allocations per round trip", c.name, call.name, n)
			if n > want {
				t.Errorf("%s %s: %.1f allocations per round trip, want %v", c.name, call.name, n, want)
			}
		}
	}
	key, enc := kmipclient.KeyMaterial(&w.getResp.Payload), &w.encResp.Payload
	if len(key) != 32 || len(enc.Data.Value) != 64 || len(enc.AuthenticatedEncryptionTag.Value) != 16 {
		t.Errorf("replayed answers: key %d bytes, ciphertext %d, tag %d", len(key), len(enc.Data.Value), len(enc.AuthenticatedEncryptionTag.Value))
	}
}

// BenchmarkRoundTrip times warm Get and Encrypt round trips on loopback:
// against kmipd in-process (allocations counted are the client's and the
// server's), and against a replay of kmipd's answers (the client's alone).
func BenchmarkRoundTrip(b *testing.B) {
	kmipd, w, plain, overTLS := replayClients(b)
	cfg := startKmipd(b, kmipclient.TLS, kmipserver.EndpointConfig{})
	cfg.Version = kmipclient.V2_1
	kmipdTLS := dial(b, cfg)
	wTLS := newWarmCalls(newKey(b, kmipdTLS))
	for _, c := range []struct {
		name string
		c    *kmipclient.Client
		w    *warmCalls
	}{{"kmipd-plain", kmipd, w}, {"kmipd-tls", kmipdTLS, wTLS}, {"replay-plain", plain, w}, {"replay-tls", overTLS, w}} {
		for _, call := range []struct {
			name string
			req  kmip.RequestPayload
			resp kmipclient.Response
		}{{"Get", &c.w.get, &c.w.getResp}, {"Encrypt", &c.w.enc, &c.w.encResp}} {
			b.Run(call.name+"/"+c.name, func(b *testing.B) {
				ctx := context.Background()
				for range 10 {
					if err := c.c.Do(ctx, call.req, call.resp); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := c.c.Do(ctx, call.req, call.resp); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
