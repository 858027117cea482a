// Package kmiptest starts KMIP servers for tests, as net/http/httptest does
// for HTTP: NewServer runs a kmipserver.Server on loopback, binary TTLV
// over mutual TLS and HTTPS, with certificates made for the test, and stops
// it when the test ends. It also makes malformed messages and floods of
// them (Malformed, Flood) for tests that a server survives hostile input.
package kmiptest

import (
	"context"
	"crypto/sha256"
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
	// CAFile, ClientCertFile and ClientKeyFile are the PEM files of the
	// server's CA and of the client certificate, for clients configured by
	// file (PyKMIP); Close removes them.
	CAFile, ClientCertFile, ClientKeyFile string

	http  *http.Server
	ca    *x509.Certificate // the CA of the certificates
	caKey any
	dir   string     // the PKI files
	done  chan error // the two serving goroutines' ends
}

// ClientName is the Common Name of the client certificate in ClientTLS:
// the Item.Identity of its requests.
const ClientName = "kmiptest-client"

// NewServer starts a server with cfg (see Start) and stops it when the
// test ends; a failure to start fails the test.
func NewServer(t testing.TB, cfg kmipserver.Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("kmiptest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("kmiptest: %v", err)
		}
	})
	return s
}

// Start starts a server with cfg on two loopback ports, binary TTLV and
// HTTPS; cfg.TLS is replaced by the server's own: a certificate for
// 127.0.0.1 and localhost from a CA made for it, client certificates
// verified when given. Close stops it.
func Start(cfg kmipserver.Config) (*Server, error) {
	dir, err := os.MkdirTemp("", "kmiptest-")
	if err != nil {
		return nil, err
	}
	srvTLS, cli, files, ca, caKey, err := newPKI(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cfg.TLS = srvTLS
	ks := kmipserver.New(cfg)
	bin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		bin.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{Server: ks, Addr: bin.Addr().String(), URL: "https://" + hl.Addr().String() + "/kmip",
		ClientTLS: cli, CAFile: files[0], ClientCertFile: files[1], ClientKeyFile: files[2], dir: dir,
		ca: ca, caKey: caKey,
		http: &http.Server{Handler: ks, TLSConfig: srvTLS, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan error, 2)}
	go func() {
		err := ks.Serve(bin)
		if errors.Is(err, kmipserver.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	go func() {
		err := s.http.Serve(tls.NewListener(hl, srvTLS))
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Close stops the server: the requests in progress get five seconds to
// finish; then the connections are closed and the certificate files
// removed.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errs := []error{s.http.Shutdown(ctx), s.Server.Shutdown(ctx)}
	errs = append(errs, <-s.done, <-s.done, os.RemoveAll(s.dir))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kmiptest: stopping the server: %w", err)
	}
	return nil
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

// Client is a client certificate the server's CA signed (NewClient).
type Client struct {
	// TLS trusts the server and presents the certificate.
	TLS *tls.Config
	// CertFile and KeyFile are the certificate and its key in PEM, for
	// clients configured by file (PyKMIP); the server's Close removes
	// them.
	CertFile, KeyFile string
}

// NewClient makes a client certificate of Common Name cn, signed by the
// server's CA: its requests have Item.Identity cn. Tests of access
// control make one for each identity.
func (s *Server) NewClient(t testing.TB, cn string) *Client {
	t.Helper()
	certPEM, keyPEM, err := kmipserver.SelfSigned(cn, nil, nil, s.ca, s.caKey)
	if err != nil {
		t.Fatalf("kmiptest: client certificate: %v", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("kmiptest: client certificate: %v", err)
	}
	tc := s.ClientTLS.Clone()
	tc.Certificates = []tls.Certificate{pair}
	c := &Client{TLS: tc}
	base := filepath.Join(s.dir, fmt.Sprintf("client-%x", sha256.Sum256([]byte(cn))))
	c.CertFile, c.KeyFile = base+".pem", base+"-key.pem"
	if err := errors.Join(os.WriteFile(c.CertFile, certPEM, 0o600), os.WriteFile(c.KeyFile, keyPEM, 0o600)); err != nil {
		t.Fatalf("kmiptest: %v", err)
	}
	return c
}

// newPKI makes a CA, a server and a client certificate signed by it, and
// writes the CA and the client's certificate and key to dir.
func newPKI(dir string) (srv, cli *tls.Config, files [3]string, ca *x509.Certificate, caKey any, err error) {
	caPEM, caKeyPEM, err := kmipserver.SelfSigned("kmiptest CA", nil, nil, nil, nil)
	if err != nil {
		return nil, nil, files, nil, nil, err
	}
	blk, _ := pem.Decode(caPEM)
	ca, err = x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, nil, files, nil, nil, fmt.Errorf("CA certificate: %w", err)
	}
	kb, _ := pem.Decode(caKeyPEM)
	caKey, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, files, nil, nil, fmt.Errorf("CA key: %w", err)
	}
	srvPEM, srvKeyPEM, err := kmipserver.SelfSigned("kmiptest server", []string{"localhost"},
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, ca, caKey)
	if err != nil {
		return nil, nil, files, nil, nil, err
	}
	cliPEM, cliKeyPEM, err := kmipserver.SelfSigned(ClientName, nil, nil, ca, caKey)
	if err != nil {
		return nil, nil, files, nil, nil, err
	}
	srvCert, err := tls.X509KeyPair(srvPEM, srvKeyPEM)
	if err != nil {
		return nil, nil, files, nil, nil, err
	}
	cliCert, err := tls.X509KeyPair(cliPEM, cliKeyPEM)
	if err != nil {
		return nil, nil, files, nil, nil, err
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
			return nil, nil, files, nil, nil, err
		}
	}
	return srv, cli, files, ca, caKey, nil
}
