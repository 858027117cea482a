package kmipserver

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// echoClient does round trips over c with buffers it reuses.
type echoClient struct {
	c    net.Conn
	resp []byte
}

func (e *echoClient) roundTrip(tb testing.TB, req []byte) {
	if _, err := e.c.Write(req); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.ReadFull(e.c, e.resp[:len(req)]); err != nil {
		tb.Fatal(err)
	}
}

// runBinary serves a binary round trip on a plaintext loopback connection.
func runBinary(tb testing.TB, size int) (func(), []byte) {
	s, _ := start(tb, EndpointConfig{Plaintext: true}, newFake())
	req := message(ttlv.TagRequestMessage, size)
	ec := &echoClient{c: dial(tb, s), resp: make([]byte, len(req))}
	ec.roundTrip(tb, req) // warm the connection's buffers
	return func() { ec.roundTrip(tb, req) }, req
}

// The binary path allocates nothing per message, on either side of the
// loopback connection once warm: a small message, and one large enough to
// reserve the in-flight budget and be read in chunks.
func TestBinaryRoundTripAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("coverage and race instrumentation allocate")
	}
	for _, size := range []int{200, 200 << 10} {
		f, _ := runBinary(t, size)
		if a := testing.AllocsPerRun(200, f); a > 0 {
			t.Errorf("%d bytes: %v allocations per round trip, want 0", size, a)
		}
	}
}

func BenchmarkBinaryRoundTrip(b *testing.B) {
	for _, size := range []int{100, 10000, 256 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			f, req := runBinary(b, size)
			b.ReportAllocs()
			b.SetBytes(int64(len(req)))
			for b.Loop() {
				f()
			}
		})
	}
}

func byteSize(n int) string {
	if n >= 1000 {
		return strconv.Itoa(n/1000) + "KB"
	}
	return strconv.Itoa(n) + "B"
}

// BenchmarkHTTPJSON measures a POST /kmip round trip on a kept-alive
// plaintext loopback connection (net/http allocates on both sides).
func BenchmarkHTTPJSON(b *testing.B) {
	s, _ := start(b, EndpointConfig{Addr: "-", Plaintext: true, HTTPAddr: "127.0.0.1:0"}, newFake())
	body := []byte(`{"tag":"RequestMessage","value":[{"tag":"BatchCount","type":"Integer","value":1}]}`)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	url := s.HTTPURL()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		resp, err := hc.Post(url, ContentTypeJSON, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
}
