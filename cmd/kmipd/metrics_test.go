package main

import (
	"bufio"
	"crypto/tls"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// scrape fetches the Prometheus text exposition at url and returns each
// sample by its series (name and labels as printed).
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// eventually scrapes until series has the value want (hooks run when the
// server notices a connection, a moment after the client does).
func eventually(t *testing.T, url, series string, want float64) {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = scrape(t, url)[series]; got == want {
			return
		}
	}
	t.Errorf("%s = %v, want %v", series, got, want)
}

// kmipd -metrics counts what real KMIP requests over TLS (binary, and
// JSON over HTTPS) did: messages,
// batch items by operation and result, their latencies, the bytes each
// way, the connections open, accepted and refused, the objects held.
func TestMetrics(t *testing.T) {
	d := startDaemon(t, "-metrics", "127.0.0.1:0", "-pprof", "127.0.0.1:0", "-max-conns", "2")
	if d.metrics == "" || d.pprof == "" {
		t.Fatalf("kmipd printed no metrics or pprof address\n%s", d.stderr)
	}
	before := scrape(t, d.metrics)
	if before["kmip_objects"] != 0 || before[`kmip_connections_total{transport="binary"}`] != 0 {
		t.Fatalf("fresh server: objects %v, connections %v", before["kmip_objects"], before[`kmip_connections_total{transport="binary"}`])
	}
	c, err := tls.Dial("tcp", d.binary, d.tlsConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	getUnknown := killItem(0x0A, ttlv.TextString(ttlv.TagUniqueIdentifier, "no-such-object"))
	reqs := [][]byte{createRequest(), createRequest(), killRequest(registerAES(make([]byte, 32)), getUnknown)}
	var in, out int
	for i, req := range reqs {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		resp, err := roundTrip(c, req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		in, out = in+len(req), out+len(resp)
	}
	// One Create as JSON over HTTPS.
	js, err := jsonttlv.AppendJSON(nil, createRequest(), jsonttlv.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	post(t, d, js)
	eventually(t, d.metrics, `kmip_connections_total{transport="http"}`, 1)
	got := scrape(t, d.metrics)
	for series, want := range map[string]float64{
		`kmip_requests_total{form="json",result="ok"}`:                       1,
		`kmip_received_bytes_total{form="json"}`:                             float64(len(js)),
		`kmip_requests_total{form="ttlv",result="ok"}`:                       3,
		`kmip_received_bytes_total{form="ttlv"}`:                             float64(in),
		`kmip_sent_bytes_total{form="ttlv"}`:                                 float64(out),
		`kmip_request_duration_seconds_count{form="ttlv"}`:                   3,
		`kmip_batch_items_total{operation="Create",result="Success"}`:        3,
		`kmip_batch_items_total{operation="Register",result="Success"}`:      1,
		`kmip_batch_items_total{operation="Get",result="ObjectNotFound"}`:    1,
		`kmip_batch_item_duration_seconds_count{operation="Create"}`:         3,
		`kmip_batch_item_duration_seconds_bucket{operation="Get",le="+Inf"}`: 1,
		`kmip_objects`: 4,
		`kmip_connections_open{transport="binary"}`:          1,
		`kmip_connections_total{transport="binary"}`:         1,
		`kmip_connections_refused_total{transport="binary"}`: 0,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	if got[`kmip_batch_item_duration_seconds_sum{operation="Create"}`] <= 0 {
		t.Error("Create latencies sum to nothing")
	}
	// -max-conns 2: a second connection is served, a third refused.
	c2, err := net.Dial("tcp", d.binary)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, d.metrics, `kmip_connections_open{transport="binary"}`, 2)
	c3, err := net.Dial("tcp", d.binary)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	eventually(t, d.metrics, `kmip_connections_refused_total{transport="binary"}`, 1)
	c.Close()
	c2.Close()
	eventually(t, d.metrics, `kmip_connections_open{transport="binary"}`, 0)
	eventually(t, d.metrics, `kmip_connections_total{transport="binary"}`, 2)

	resp, err := http.Get(d.pprof + "goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("pprof goroutine profile: %s", resp.Status)
	}
}

// bulkyMessage is a RequestMessage of size bytes (a multiple of 8, at
// least 16): a header and one long Unique Identifier, which kmipd answers
// with an error.
func bulkyMessage(size int) []byte {
	b, mark := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
	b = ttlv.AppendTextString(b, ttlv.TagUniqueIdentifier, strings.Repeat("k", size-2*ttlv.HeaderSize))
	ttlv.EndStructure(b, mark)
	return b
}

// kmipd -metrics counts the messages that wait for -max-inflight-bytes
// and times their waits: with a 64 KiB budget, a 40 KiB message still
// arriving holds it, a second one waits (counted at once, not yet
// timed), and is read, its wait timed, once the first is answered.
func TestMetricsInflightWait(t *testing.T) {
	d := startDaemon(t, "-metrics", "127.0.0.1:0", "-max-message-size", "65536", "-max-inflight-bytes", "65536")
	const size = 40 << 10
	const waits, waited = `kmip_inflight_waits_total{transport="binary"}`, `kmip_inflight_wait_seconds_count{result="ok",transport="binary"}`
	dial := func() *tls.Conn {
		c, err := tls.Dial("tcp", d.binary, d.tlsConfig(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a, b := dial(), dial()
	amsg, bmsg := bulkyMessage(size), bulkyMessage(size)
	if _, err := a.Write(amsg[:1000]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // a reserves first
	if got := scrape(t, d.metrics)[waits]; got != 0 {
		t.Fatalf("%s = %v before any wait", waits, got)
	}
	if _, err := b.Write(bmsg); err != nil {
		t.Fatal(err)
	}
	eventually(t, d.metrics, waits, 1)
	if got := scrape(t, d.metrics)[waited]; got != 0 {
		t.Errorf("%s = %v while the message still waits", waited, got)
	}
	if _, err := a.Write(amsg[1000:]); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*tls.Conn{a, b} {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := readMessage(c); err != nil {
			t.Fatalf("answer: %v", err)
		}
	}
	eventually(t, d.metrics, waited, 1)
	got := scrape(t, d.metrics)
	if s := got[`kmip_inflight_wait_seconds_sum{result="ok",transport="binary"}`]; s <= 0 || s > 10 {
		t.Errorf("the wait took %v s", s)
	}
	if got[waits] != 1 {
		t.Errorf("%s = %v, want 1", waits, got[waits])
	}
}
