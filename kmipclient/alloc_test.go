package kmipclient_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
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
	get     kmipclient.GetRequest
	getResp kmipclient.GetResponse
	enc     kmipclient.EncryptRequest
	encResp kmipclient.EncryptResponse
}

func newWarmCalls(id string) *warmCalls {
	return &warmCalls{
		get: kmipclient.GetRequest{UniqueIdentifier: id},
		enc: kmipclient.EncryptRequest{UniqueIdentifier: id, Data: make([]byte, 64),
			CryptographicParameters: &kmipclient.CryptographicParameters{BlockCipherMode: kmip.BlockCipherModeGCM, TagLength: 16}},
	}
}

// recorded sends a request through a client and returns kmipd's binary
// answer, to replay.
func recorded(t testing.TB, c *kmipclient.Client, req kmipclient.Request) []byte {
	t.Helper()
	rec := &recorder{Request: req}
	if err := c.Do(context.Background(), rec, nil); err != nil {
		t.Fatal(err)
	}
	// The message itself, re-sent raw: RoundTrip returns the whole answer.
	msg := ttlv.Marshal(&rec.msg)
	resp, err := c.RoundTrip(context.Background(), nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// recorder keeps the request message a Request makes.
type recorder struct {
	kmipclient.Request
	msg ttlv.Value
}

func (r *recorder) AppendPayload(b []byte, v kmipclient.Version) ([]byte, error) {
	n := len(b)
	b, err := r.Request.AppendPayload(b, v)
	if err != nil {
		return b, err
	}
	var p ttlv.Value
	if err := ttlv.Unmarshal(b[n:], &p); err != nil {
		return b, err
	}
	r.msg = ttlv.Structure(ttlv.TagRequestMessage,
		ttlv.Structure(ttlv.TagRequestHeader, ttlv.Structure(ttlv.TagProtocolVersion,
			ttlv.Integer(ttlv.TagProtocolVersionMajor, v.Major()), ttlv.Integer(ttlv.TagProtocolVersionMinor, v.Minor())),
			ttlv.Integer(ttlv.TagBatchCount, 1)),
		ttlv.Structure(ttlv.TagBatchItem, ttlv.Enumeration(ttlv.TagOperation, uint32(r.Operation())), p.Clone()))
	return b, nil
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
	certPEM, keyPEM, err := kmipserver.SelfSigned("replay", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	tlsAddr := replyServerTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}}, reply)
	overTLS = dial(t, kmipclient.Config{Addr: tlsAddr, Version: kmipclient.V2_1, InsecureSkipVerify: true})
	return kmipd, w, plain, overTLS
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
			req  kmipclient.Request
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
			// Over TLS, crypto/tls allocates one 24-byte atLeastReader per
			// network read (conn.go, readFromUntil) on each side, and the
			// replay server runs in this process: 2 that are not the
			// client's.
			want := 0.0
			if c.name == "tls" {
				want = 2
			}
			if n > want {
				t.Errorf("%s %s: %.1f allocations per round trip, want %v", c.name, call.name, n, want)
			}
		}
	}
	if len(w.getResp.KeyMaterial()) != 32 || len(w.encResp.Data) != 64 || len(w.encResp.Tag) != 16 {
		t.Errorf("replayed answers: key %d bytes, ciphertext %d, tag %d", len(w.getResp.KeyMaterial()), len(w.encResp.Data), len(w.encResp.Tag))
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
			req  kmipclient.Request
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
