package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/kmipserver/kmiptest"
	"github.com/kmipwire/kmipwire/ttlv"
)

// results decodes a binary ResponseMessage and returns its batch items,
// failing the test unless each succeeded.
func results(t *testing.T, msg []byte) []ttlv.Value {
	t.Helper()
	var v ttlv.Value
	if err := ttlv.Unmarshal(msg, &v); err != nil {
		t.Fatalf("response: %v", err)
	}
	v = v.Clone()
	if v.Tag != ttlv.TagResponseMessage {
		t.Fatalf("response is a %v", v.Tag)
	}
	var items []ttlv.Value
	for _, c := range v.Children {
		if c.Tag != ttlv.TagBatchItem {
			continue
		}
		if st := c.Child(ttlv.TagResultStatus); st == nil || st.Num != 0 {
			t.Errorf("batch item %d failed:\n%s", len(items), c.String())
		}
		items = append(items, c)
	}
	return items
}

// checkSeedResponse checks the answer to the seed's CreateKeyPair + Locate:
// two successful items, the Locate result holding both new identifiers.
func checkSeedResponse(t *testing.T, msg []byte) {
	t.Helper()
	items := results(t, msg)
	if len(items) != 2 {
		t.Fatalf("%d batch items, want 2", len(items))
	}
	p := items[0].Child(ttlv.TagResponsePayload)
	if p == nil || p.Child(ttlv.TagPrivateKeyUniqueIdentifier) == nil || p.Child(ttlv.TagPublicKeyUniqueIdentifier) == nil {
		t.Fatalf("CreateKeyPair payload lacks the identifiers:\n%s", items[0].String())
	}
	priv, pub := p.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text(), p.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
	var found []string
	if lp := items[1].Child(ttlv.TagResponsePayload); lp != nil {
		for _, c := range lp.Children {
			if c.Tag == ttlv.TagUniqueIdentifier {
				found = append(found, c.Text())
			}
		}
	}
	if !slices.Contains(found, priv) || !slices.Contains(found, pub) {
		t.Errorf("Locate found %q, want %s and %s among them", found, priv, pub)
	}
}

func TestSeedOverHTTPJSON(t *testing.T) {
	d := startDaemon(t)
	req, err := os.ReadFile(filepath.Join("testdata", "seed-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := d.httpClient(t).Post(d.url, "application/json", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	bin, err := jsonttlv.AppendBinary(nil, body, jsonttlv.DecodeOptions{})
	if err != nil {
		t.Fatalf("response JSON: %v\n%s", err, body)
	}
	checkSeedResponse(t, bin)
}

func TestSeedOverTLS(t *testing.T) {
	d := startDaemon(t, "-http", "")
	req, err := os.ReadFile(filepath.Join("..", "..", "testdata", "corpus", "seed-createkeypair-locate.ttlv"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.Dial("tcp", d.binary, d.tlsConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	resp, err := roundTrip(c, req)
	if err != nil {
		t.Fatal(err)
	}
	checkSeedResponse(t, resp)
}

func TestSeedOverHTTPBinary(t *testing.T) {
	d := startDaemon(t, "-addr", "-")
	req, err := os.ReadFile(filepath.Join("..", "..", "testdata", "corpus", "seed-createkeypair-locate.ttlv"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := d.httpClient(t).Post(d.url, "application/octet-stream", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	checkSeedResponse(t, body)
}

// createRequest is a KMIP 2.1 Create of an AES-256 key.
func createRequest() []byte {
	b, msg := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
	b, hdr := ttlv.BeginStructure(b, ttlv.TagRequestHeader)
	b, pv := ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, 2)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, 1)
	ttlv.EndStructure(b, pv)
	b = ttlv.AppendInteger(b, ttlv.TagBatchCount, 1)
	ttlv.EndStructure(b, hdr)
	b, item := ttlv.BeginStructure(b, ttlv.TagBatchItem)
	b = ttlv.AppendEnumeration(b, ttlv.TagOperation, 0x01) // Create
	b, pl := ttlv.BeginStructure(b, ttlv.TagRequestPayload)
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, 0x02) // Symmetric Key
	b, at := ttlv.BeginStructure(b, ttlv.TagAttributes)
	b = ttlv.AppendEnumeration(b, ttlv.TagCryptographicAlgorithm, 0x03) // AES
	b = ttlv.AppendInteger(b, ttlv.TagCryptographicLength, 256)
	b = ttlv.AppendInteger(b, ttlv.TagCryptographicUsageMask, 0x04|0x08) // Encrypt|Decrypt
	ttlv.EndStructure(b, at)
	ttlv.EndStructure(b, pl)
	ttlv.EndStructure(b, item)
	ttlv.EndStructure(b, msg)
	return b
}

// The real daemon survives 1 000 malformed messages (truncated, oversized,
// wrong types, mutated valid requests) on 8 concurrent connections while a
// well-behaved client keeps working; every one of its requests succeeds.
func TestHostileFloodDaemon(t *testing.T) {
	const maxSize = 64 << 10
	d := startDaemon(t, "-plaintext", "-http", "", "-max-message-size", fmt.Sprint(maxSize), "-read-timeout", "5s", "-log-level", "error")
	var valid [][]byte
	for _, f := range []string{"get.ttlv", "seed-createkeypair-locate.ttlv", "register-rsa4096.ttlv", "get-batch-100.ttlv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "corpus", f))
		if err != nil {
			t.Fatal(err)
		}
		valid = append(valid, b)
	}
	valid = append(valid, createRequest())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	var st kmiptest.Stats
	go func() {
		var err error
		st, err = kmiptest.Flood(ctx, d.binary, nil, valid, maxSize, 1000, 8, 7, 10*time.Second)
		done <- err
	}()
	c, err := net.Dial("tcp", d.binary)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := createRequest()
	served := 0
	for flooding := true; flooding; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			flooding = false
		default:
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		resp, err := roundTrip(c, req)
		if err != nil {
			t.Fatalf("well-behaved request %d: %v", served, err)
		}
		if items := results(t, resp); len(items) != 1 {
			t.Fatalf("well-behaved request %d: %d items", served, len(items))
		}
		if t.Failed() {
			t.FailNow()
		}
		served++
	}
	t.Logf("1000 malformed messages in %v (by kind %v; %d answered, %d closed without an answer); %d well-behaved requests served meanwhile",
		time.Since(start).Round(time.Millisecond), st.Kinds, st.Answered, st.Closed, served)
	if st.Answered == 0 || st.Closed == 0 {
		t.Error("the flood should mix messages the server answers and framing faults it closes on")
	}
	if strings.Contains(d.stderr.String(), "panic") {
		t.Errorf("kmipd logged a panic:\n%s", d.stderr)
	}
}

// roundTrip writes a binary message and reads one back.
func roundTrip(c net.Conn, req []byte) ([]byte, error) {
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	return readMessage(c)
}

// readMessage reads one binary message.
func readMessage(c net.Conn) ([]byte, error) {
	head := make([]byte, ttlv.HeaderSize)
	if _, err := io.ReadFull(c, head); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[4:])
	if n > 16<<20 {
		return nil, fmt.Errorf("response of %d bytes", n)
	}
	msg := append(head, make([]byte, n)...)
	_, err := io.ReadFull(c, msg[ttlv.HeaderSize:])
	return msg, err
}

// POST /kmip/2_1 takes a bare operation (Cosmian KMS's extension): a Create
// answers CreateResponse with the new identifier, which a bare Get then
// finds; a Get of an unknown identifier is a 422 with a text message.
func TestBareOperation(t *testing.T) {
	d := startDaemon(t, "-addr", "-")
	hc := d.httpClient(t)
	url := strings.TrimSuffix(d.url, "/kmip") + "/kmip/2_1"
	post := func(body string) (int, string, string) {
		t.Helper()
		resp, err := hc.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	code, ct, body := post(`{"tag":"Create","value":[
		{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},
		{"tag":"Attributes","value":[
			{"tag":"CryptographicAlgorithm","type":"Enumeration","value":"AES"},
			{"tag":"CryptographicLength","type":"Integer","value":256},
			{"tag":"CryptographicUsageMask","type":"Integer","value":12}]}]}`)
	if code != 200 || ct != "application/json" || !strings.Contains(body, `"CreateResponse"`) {
		t.Fatalf("Create: %d %s %s", code, ct, body)
	}
	// "CreateResponse" is Cosmian's name, not a KMIP tag: read it as JSON.
	var resp struct {
		Value []struct {
			Tag   string `json:"tag"`
			Value any    `json:"value"`
		} `json:"value"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatalf("CreateResponse: %v\n%s", err, body)
	}
	var id string
	for _, f := range resp.Value {
		if f.Tag == "UniqueIdentifier" {
			id, _ = f.Value.(string)
		}
	}
	if id == "" {
		t.Fatalf("CreateResponse without UniqueIdentifier: %s", body)
	}
	code, _, body = post(`{"tag":"Get","value":[{"tag":"UniqueIdentifier","type":"TextString","value":"` + id + `"}]}`)
	if code != 200 || !strings.Contains(body, `"GetResponse"`) || !strings.Contains(body, id) {
		t.Fatalf("Get: %d %s", code, body)
	}
	code, ct, body = post(`{"tag":"Get","value":[{"tag":"UniqueIdentifier","type":"TextString","value":"no-such-key"}]}`)
	if code != 422 || !strings.HasPrefix(ct, "text/plain") || body == "" {
		t.Fatalf("Get of an unknown key: %d %q %q", code, ct, body)
	}
	t.Logf("422: %s", body)
}

// A malformed request to /kmip is still a KMIP answer: 200 and a
// ResponseMessage whose one item failed with Invalid Message (INTEROP.md
// "HTTP"), in JSON and in binary.
func TestMalformedOverHTTP(t *testing.T) {
	d := startDaemon(t, "-addr", "-")
	hc := d.httpClient(t)
	for _, tc := range []struct{ ctype, body string }{
		{"application/json", `{"tag":"RequestMessage","value":[`},
		{"application/octet-stream", "\x42\x00\x78\x01\x00\x00\x00\x08\x42\x00\x77"},
	} {
		resp, err := hc.Post(d.url, tc.ctype, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype {
			t.Fatalf("%s: %d %q", tc.ctype, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if tc.ctype == "application/json" {
			if b, err = jsonttlv.AppendBinary(nil, b, jsonttlv.DecodeOptions{}); err != nil {
				t.Fatalf("JSON answer: %v", err)
			}
		}
		var v ttlv.Value
		if err := ttlv.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s answer: %v", tc.ctype, err)
		}
		item := v.Child(ttlv.TagBatchItem)
		if item == nil || item.Child(ttlv.TagResultStatus) == nil || item.Child(ttlv.TagResultStatus).Num != 1 ||
			item.Child(ttlv.TagResultReason) == nil || item.Child(ttlv.TagResultReason).Num != 0x04 {
			t.Errorf("%s: want one failed item, reason Invalid Message:\n%s", tc.ctype, v.String())
		}
	}
}
