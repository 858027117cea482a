// Package kmiptest starts KMIP servers for tests, as net/http/httptest does
// for HTTP: NewServer runs a kmipserver.Server on loopback, binary TTLV
// over mutual TLS and HTTPS, with certificates made for the test, and stops
// it when the test ends. It also makes malformed messages and floods of
// them (Malformed, Flood) for tests that a server survives hostile input.
package kmiptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/kmipserver"
)

// Server is a KMIP server listening on loopback for one test.
type Server struct {
	// Server is the server itself (its store, ServeTTLV for in-process
	// calls).
	*kmipserver.Server
	// Addr is the binary TTLV address (host:port), TLS.
	Addr string
	// URL is the HTTPS URL of the /kmip endpoint.
	URL string
	// ClientTLS is a TLS configuration for a client: it trusts the
	// server's certificate and presents a client certificate (Common Name
	// ClientName). Clone it to change it.
	ClientTLS *tls.Config
	// Dir holds the PEM files of the test's PKI, for clients configured by
	// file (PyKMIP): CAFile, ClientCertFile and ClientKeyFile.
	CAFile, ClientCertFile, ClientKeyFile string

	http *http.Server
}

// ClientName is the Common Name of the client certificate in ClientTLS:
// the Item.Identity of its requests.
const ClientName = "kmiptest-client"

// NewServer starts a server with cfg (cfg.TLS is replaced by the test's:
// a server certificate for 127.0.0.1 and localhost, client certificates
// verified when given) on two loopback ports, binary TTLV and HTTPS. The
// test's Cleanup stops it; a failure to start fails the test.
func NewServer(t testing.TB, cfg kmipserver.Config) *Server {
	t.Helper()
	dir := t.TempDir()
	srvTLS, cli, files, err := newPKI(dir)
	if err != nil {
		t.Fatalf("kmiptest: %v", err)
	}
	cfg.TLS = srvTLS
	ks := kmipserver.New(cfg)
	bin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("kmiptest: %v", err)
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		bin.Close()
		t.Fatalf("kmiptest: %v", err)
	}
	s := &Server{Server: ks, Addr: bin.Addr().String(), URL: "https://" + hl.Addr().String() + "/kmip",
		ClientTLS: cli, CAFile: files[0], ClientCertFile: files[1], ClientKeyFile: files[2],
		http: &http.Server{Handler: ks, TLSConfig: srvTLS, ReadHeaderTimeout: 10 * time.Second}}
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		if err := ks.Serve(bin); err != nil && !errors.Is(err, kmipserver.ErrServerClosed) {
			t.Errorf("kmiptest: Serve: %v", err)
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		if err := s.http.Serve(tls.NewListener(hl, srvTLS)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("kmiptest: HTTP: %v", err)
		}
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			t.Errorf("kmiptest: HTTP shutdown: %v", err)
		}
		if err := ks.Shutdown(ctx); err != nil {
			t.Errorf("kmiptest: shutdown: %v", err)
		}
		<-done
		<-done
	})
	return s
}

// Dial opens a binary TTLV connection to the server with ClientTLS; the
// test's Cleanup closes it.
func (s *Server) Dial(t testing.TB) *tls.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", s.Addr, s.ClientTLS)
	if err != nil {
		t.Fatalf("kmiptest: dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// HTTPClient returns an HTTP client that trusts the server and presents the
// client certificate.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: s.ClientTLS.Clone()}, Timeout: 30 * time.Second}
}

// newPKI makes a CA, a server and a client certificate signed by it, and
// writes the CA and the client's certificate and key to dir.
func newPKI(dir string) (srv, cli *tls.Config, files [3]string, err error) {
	caPEM, caKeyPEM, err := kmipserver.SelfSigned("kmiptest CA", nil, nil, nil, nil)
	if err != nil {
		return nil, nil, files, err
	}
	blk, _ := pem.Decode(caPEM)
	ca, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, nil, files, fmt.Errorf("CA certificate: %w", err)
	}
	kb, _ := pem.Decode(caKeyPEM)
	caKey, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, files, fmt.Errorf("CA key: %w", err)
	}
	srvPEM, srvKeyPEM, err := kmipserver.SelfSigned("kmiptest server", []string{"localhost"},
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, ca, caKey)
	if err != nil {
		return nil, nil, files, err
	}
	cliPEM, cliKeyPEM, err := kmipserver.SelfSigned(ClientName, nil, nil, ca, caKey)
	if err != nil {
		return nil, nil, files, err
	}
	srvCert, err := tls.X509KeyPair(srvPEM, srvKeyPEM)
	if err != nil {
		return nil, nil, files, err
	}
	cliCert, err := tls.X509KeyPair(cliPEM, cliKeyPEM)
	if err != nil {
		return nil, nil, files, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srv = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{srvCert},
		ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	cli = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, Certificates: []tls.Certificate{cliCert},
		ServerName: "localhost"}
	for i, f := range []struct {
		name string
		b    []byte
	}{{"ca.pem", caPEM}, {"client.pem", cliPEM}, {"client-key.pem", cliKeyPEM}} {
		files[i] = filepath.Join(dir, f.name)
		if err := os.WriteFile(files[i], f.b, 0o600); err != nil {
			return nil, nil, files, err
		}
	}
	return srv, cli, files, nil
}
