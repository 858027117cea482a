package kmipserver

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

func TestHTTP(t *testing.T) {
	const maxMsg = 512
	s, lc := start(t, EndpointConfig{Plaintext: true, HTTPAddr: "127.0.0.1:0", MaxMessageSize: maxMsg}, newFake())
	base := "http://" + s.HTTPAddr().String()
	if got := s.HTTPURL(); got != base+"/kmip" {
		t.Errorf("HTTPURL = %q", got)
	}
	bin := message(ttlv.TagRequestMessage, 5)
	binResp := append([]byte{0x42, 0x00, 0x7B}, bin[3:]...)
	cases := []struct {
		name, method, path, ctype string
		body                      []byte
		status                    int
		wantType                  string
		want                      []byte // exact body, when not nil
	}{
		{"json", "POST", "/kmip", "application/json", []byte(`{"tag":"RequestMessage"}`), 200, "application/json", []byte(`{"echo":{"tag":"RequestMessage"}}`)},
		{"json with charset", "POST", "/kmip", "application/json; charset=utf-8", []byte(`[]`), 200, "application/json", []byte(`{"echo":[]}`)},
		{"binary", "POST", "/kmip", "application/octet-stream", bin, 200, "application/octet-stream", binResp},
		{"operation", "POST", "/kmip/2_1", "application/json", []byte(`{"tag":"Get"}`), 200, "application/json", []byte(`{"tag":"Get"}`)},
		{"operation fails", "POST", "/kmip/2_1", "application/json", []byte(`{"tag":"fail"}`), 422, "text/plain; charset=utf-8", []byte("operation failed")},
		{"GET", "GET", "/kmip", "", nil, 405, "", nil},
		{"PUT operation", "PUT", "/kmip/2_1", "application/json", []byte(`{}`), 405, "", nil},
		{"text/xml", "POST", "/kmip", "text/xml", []byte(`<x/>`), 415, "", nil},
		{"no content type", "POST", "/kmip", "", []byte(`{}`), 415, "", nil},
		{"bad content type", "POST", "/kmip", "application/", []byte(`{}`), 415, "", nil},
		{"binary operation", "POST", "/kmip/2_1", "application/octet-stream", bin, 415, "", nil},
		{"json too large", "POST", "/kmip", "application/json", bytes.Repeat([]byte(" "), JSONFactor*maxMsg+1), 413, "", nil},
		{"json at the limit", "POST", "/kmip", "application/json", bytes.Repeat([]byte(" "), JSONFactor*maxMsg), 200, "application/json", nil},
		{"binary too large", "POST", "/kmip", "application/octet-stream", make([]byte, maxMsg+1), 413, "", nil},
		{"unknown path", "POST", "/other", "application/json", []byte(`{}`), 404, "", nil},
		{"panic", "POST", "/kmip", "application/json", []byte(`"panic"`), 500, "", nil},
		{"operation panic", "POST", "/kmip/2_1", "application/json", []byte(`"panic"`), 500, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			if tc.status == 405 && resp.Header.Get("Allow") != "POST" {
				t.Errorf("Allow: %q", resp.Header.Get("Allow"))
			}
			if tc.wantType != "" && resp.Header.Get("Content-Type") != tc.wantType {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tc.wantType)
			}
			if tc.want != nil && !bytes.Equal(body, tc.want) {
				t.Errorf("body %q, want %q", body, tc.want)
			}
		})
	}
	// A chunked body (no Content-Length) over the limit is refused too.
	resp, err := http.Post(base+"/kmip", "application/json", io.MultiReader(strings.NewReader("{"), bytes.NewReader(make([]byte, JSONFactor*maxMsg))))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked oversized body: status %d", resp.StatusCode)
	}
	if !lc.has("handler panic") {
		t.Error("HTTP panics not logged")
	}
}

func TestHTTPS(t *testing.T) {
	p := newPKI(t)
	s, _ := start(t, EndpointConfig{Addr: "-", HTTPAddr: "127.0.0.1:0", CertFile: p.certFile, KeyFile: p.keyFile, ClientCAFile: p.caFile}, newFake())
	if s.Addr() != nil {
		t.Errorf("binary transport enabled with Addr \"-\": %v", s.Addr())
	}
	if !strings.HasPrefix(s.HTTPURL(), "https://") {
		t.Fatalf("HTTPURL %q", s.HTTPURL())
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	post := func(cert []tls.Certificate) (int, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: cert, ServerName: "localhost"}}}
		defer c.CloseIdleConnections()
		resp, err := c.Post(s.HTTPURL(), "application/json", strings.NewReader(`{}`))
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := post([]tls.Certificate{p.clientCert}); err != nil || code != 200 {
		t.Fatalf("with a client certificate: %d %v", code, err)
	}
	if _, err := post(nil); err == nil {
		t.Fatal("HTTPS without a client certificate accepted")
	}
}

// The connection limit holds on the HTTP listener too.
func TestHTTPConnectionLimit(t *testing.T) {
	s, _ := start(t, EndpointConfig{Addr: "-", Plaintext: true, HTTPAddr: "127.0.0.1:0", MaxConns: 1}, newFake())
	hold, err := net.Dial("tcp", s.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	hold.Write([]byte("POST /kmip HTTP/1.1\r\nHost: x\r\n")) // a request in progress
	time.Sleep(50 * time.Millisecond)
	tr := &http.Transport{DisableKeepAlives: true}
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	if resp, err := hc.Post(s.HTTPURL(), "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		t.Fatalf("second connection served (%s) with -max-conns 1", resp.Status)
	}
	hold.Close()
	deadline := time.Now().Add(2 * time.Second)
	for {
		resp, err := hc.Post(s.HTTPURL(), "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection served after the first closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
