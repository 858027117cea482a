package kmipserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

func TestSelfSignedGenerated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	s, lc := start(t, EndpointConfig{CertDir: dir}, newFake())
	if s.CertDir() != dir {
		t.Fatalf("CertDir = %q, want %q", s.CertDir(), dir)
	}
	if !lc.has("self-signed") {
		t.Error("generation not logged")
	}
	certFile := filepath.Join(dir, CertFileName)
	cert := pemCert(t, certFile)
	if pk, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || pk.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", cert.PublicKey)
	}
	if !slices.Equal(cert.DNSNames, []string{"localhost"}) {
		t.Errorf("DNS SANs %v", cert.DNSNames)
	}
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	if !slices.Equal(ips, []string{"127.0.0.1", "::1"}) {
		t.Errorf("IP SANs %v", ips)
	}
	if fi, err := os.Stat(filepath.Join(dir, KeyFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v", err, fi.Mode())
	}
	// A client trusting the file as its CA verifies the server by name
	// and by IP address.
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	for _, name := range []string{"localhost", "127.0.0.1"} {
		c, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{RootCAs: roots, ServerName: name})
		if err != nil {
			t.Fatalf("server name %s: %v", name, err)
		}
		req := message(ttlv.TagRequestMessage, 10)
		resp, err := roundTrip(c, req)
		if err != nil {
			t.Fatal(err)
		}
		wantEcho(t, req, resp)
		if v := c.ConnectionState().Version; v < tls.VersionTLS12 {
			t.Errorf("TLS version %x", v)
		}
		c.Close()
	}
}

func TestTLS11Refused(t *testing.T) {
	s, _ := start(t, EndpointConfig{CertDir: t.TempDir()}, newFake())
	_, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11})
	if err == nil {
		t.Fatal("TLS 1.1 handshake succeeded")
	}
}

func TestDefaultTempCertDir(t *testing.T) {
	dir, certFile, keyFile, err := GenerateSelfSigned("")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if filepath.Dir(dir) != filepath.Clean(os.TempDir()) {
		t.Errorf("dir %s not under %s", dir, os.TempDir())
	}
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
}

// pki is a CA and files for mutual TLS tests.
type pki struct {
	caFile                        string
	ca                            *x509.Certificate
	clientCert                    tls.Certificate
	certFile, keyFile             string // the server's, signed by ca
	clientCertFile, clientKeyFile string
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// newPKI makes a CA, a server certificate for localhost and a client
// certificate, all signed by the CA.
func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	caPEM, caKeyPEM, err := SelfSigned("test CA", nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{caFile: writeFile(t, dir, "ca.pem", caPEM)}
	p.ca = pemCert(t, p.caFile)
	blk, _ := pem.Decode(caKeyPEM)
	caKey, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	srvPEM, srvKey, err := SelfSigned("server", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, p.ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	p.certFile, p.keyFile = writeFile(t, dir, "server.pem", srvPEM), writeFile(t, dir, "server-key.pem", srvKey)
	cliPEM, cliKey, err := SelfSigned("client", nil, nil, p.ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	p.clientCertFile, p.clientKeyFile = writeFile(t, dir, "client.pem", cliPEM), writeFile(t, dir, "client-key.pem", cliKey)
	if p.clientCert, err = tls.X509KeyPair(cliPEM, cliKey); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMutualTLS(t *testing.T) {
	p := newPKI(t)
	s, lc := start(t, EndpointConfig{CertFile: p.certFile, KeyFile: p.keyFile, ClientCAFile: p.caFile}, newFake())
	if s.CertDir() != "" {
		t.Errorf("CertDir %q with a configured certificate", s.CertDir())
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	req := message(ttlv.TagRequestMessage, 3)

	// try dials, sends a message and reports whether an answer came.
	try := func(cert *tls.Certificate) error {
		conf := &tls.Config{RootCAs: roots, ServerName: "localhost"}
		if cert != nil {
			conf.Certificates = []tls.Certificate{*cert}
		}
		c, err := tls.Dial("tcp", s.Addr().String(), conf)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = roundTrip(c, req)
		return err
	}
	if err := try(&p.clientCert); err != nil {
		t.Fatalf("client with a certificate from the CA refused: %v", err)
	}
	if err := try(nil); err == nil {
		t.Fatal("client without a certificate accepted")
	}
	// A certificate from another CA is refused.
	otherPEM, otherKey, err := SelfSigned("intruder", nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := tls.X509KeyPair(otherPEM, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := try(&other); err == nil {
		t.Fatal("client with a certificate from another CA accepted")
	}
	if !lc.has("TLS handshake failed") {
		t.Error("refused handshakes not logged")
	}
}

func TestTLSConfigErrors(t *testing.T) {
	p := newPKI(t)
	for name, cfg := range map[string]EndpointConfig{
		"cert without key":  {CertFile: p.certFile},
		"key without cert":  {KeyFile: p.keyFile},
		"missing cert file": {CertFile: p.certFile + ".none", KeyFile: p.keyFile},
		"missing client CA": {CertFile: p.certFile, KeyFile: p.keyFile, ClientCAFile: p.caFile + ".none"},
		"client CA not PEM": {CertFile: p.certFile, KeyFile: p.keyFile, ClientCAFile: writeFile(t, t.TempDir(), "x", []byte("junk"))},
	} {
		cfg.Addr = "127.0.0.1:0"
		if s, err := Listen(t.Context(), cfg, newFake()); err == nil {
			s.Close()
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

// Under mutual TLS the handler sees the client's verified certificate, on
// both transports.
func TestPeerClientCertificate(t *testing.T) {
	p := newPKI(t)
	seen := make(chan string, 2)
	h := handlerFunc(func(ctx context.Context, dst, req []byte) []byte {
		peer, ok := PeerFromContext(ctx)
		switch {
		case !ok || peer.TLS == nil:
			seen <- "no TLS peer"
		case len(peer.TLS.VerifiedChains) == 0:
			seen <- "no verified chain"
		default:
			seen <- peer.TLS.VerifiedChains[0][0].Subject.CommonName
		}
		return append(dst, req...)
	})
	s, _ := start(t, EndpointConfig{HTTPAddr: "127.0.0.1:0", CertFile: p.certFile, KeyFile: p.keyFile, ClientCAFile: p.caFile}, h)
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	conf := &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: []tls.Certificate{p.clientCert}}
	c, err := tls.Dial("tcp", s.Addr().String(), conf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := roundTrip(c, message(ttlv.TagRequestMessage, 1)); err != nil {
		t.Fatal(err)
	}
	if cn := <-seen; cn != "client" {
		t.Errorf("binary: handler saw %q, want the client certificate's CN", cn)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: conf}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Post(s.HTTPURL(), "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cn := <-seen; cn != "client" {
		t.Errorf("HTTP: handler saw %q, want the client certificate's CN", cn)
	}
}
