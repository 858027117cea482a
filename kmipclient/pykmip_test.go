package kmipclient_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
)

const python = "/usr/bin/python3"

// needPyKMIP skips the test without PyKMIP's server, or fails it when
// KMIPWIRE_REQUIRE_PYKMIP is set (CI installs python3-pykmip).
func needPyKMIP(t testing.TB) {
	t.Helper()
	err := exec.Command(python, "-c", "import kmip.services.server").Run()
	if err == nil {
		_, err = os.Stat("/usr/bin/pykmip-server")
	}
	if err != nil {
		if os.Getenv("KMIPWIRE_REQUIRE_PYKMIP") != "" {
			t.Fatalf("PyKMIP required but its server is missing: %v (apt-get install python3-pykmip)", err)
		}
		t.Skipf("SKIP: PyKMIP's server not installed (%v); apt-get install python3-pykmip", err)
	}
}

// pki is a test CA with a server and a client certificate, RSA keys: the
// server's TLS 1.2 suites (AES128-SHA256, …) use RSA key exchange.
type pki struct {
	dir                                   string
	ca, serverCert, serverKey, clientCert string
	clientKey                             string
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	dir := t.TempDir()
	p := &pki{dir: dir}
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kmipclient test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	p.ca = p.write(t, "ca.pem", "CERTIFICATE", caDER)
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return p.write(t, name+".pem", "CERTIFICATE", der), p.write(t, name+"-key.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
	}
	p.serverCert, p.serverKey = leaf("server", 2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = leaf("client", 3, x509.ExtKeyUsageClientAuth)
	return p
}

func (p *pki) write(t testing.TB, name, typ string, der []byte) string {
	t.Helper()
	f := filepath.Join(p.dir, name)
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// pykmipServer is a running pykmip-server.
type pykmipServer struct {
	addr string
	pki  *pki
	log  string
}

// startPyKMIP starts PyKMIP's own server (/usr/bin/pykmip-server, SQLite
// store) with a generated configuration and certificates, mutual TLS, and
// stops it when the test ends.
func startPyKMIP(t testing.TB) *pykmipServer {
	t.Helper()
	needPyKMIP(t)
	p := newPKI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	policies := filepath.Join(p.dir, "policies")
	if err := os.Mkdir(policies, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(p.dir, "server.conf")
	logFile := filepath.Join(p.dir, "server.log")
	err = os.WriteFile(conf, fmt.Appendf(nil, `[server]
hostname=127.0.0.1
port=%d
certificate_path=%s
key_path=%s
ca_path=%s
auth_suite=TLS1.2
policy_path=%s
enable_tls_client_auth=True
logging_level=INFO
database_path=%s
`, port, p.serverCert, p.serverKey, p.ca, policies, filepath.Join(p.dir, "pykmip.db")), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(p.dir, "server.out")
	out, err := os.Create(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	// The server forks a process per connection: it runs in a process
	// group of its own, which the test ends as a whole.
	cmd := exec.Command(python, "/usr/bin/pykmip-server", "-f", conf, "-l", logFile)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	output := func() string { b, _ := os.ReadFile(outFile); return string(b) }
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			exited <- err
			log, _ := os.ReadFile(logFile)
			t.Fatalf("pykmip-server exited (%v):\n%s\n%s", err, output(), log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("pykmip-server not listening on %s after 30 s:\n%s", addr, output())
		}
	}
	return &pykmipServer{addr: addr, pki: p, log: logFile}
}

// config is a client configuration for the server: its CA, the client
// certificate, and the RSA-key-exchange suite its TLS 1.2 policy needs.
func (s *pykmipServer) config(v kmipclient.Version) kmipclient.Config {
	suites, err := kmipclient.ParseCipherSuites("TLS_RSA_WITH_AES_128_CBC_SHA256")
	if err != nil {
		panic(err)
	}
	return kmipclient.Config{Addr: s.addr, CAFile: s.pki.ca, CertFile: s.pki.clientCert, KeyFile: s.pki.clientKey,
		CipherSuites: suites, Version: v}
}

// TestPyKMIPServer runs every method against PyKMIP's server in KMIP 1.2
// and 2.0, and the version negotiation.
func TestPyKMIPServer(t *testing.T) {
	s := startPyKMIP(t)
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(s.log)
			if len(log) > 8000 {
				log = log[len(log)-8000:]
			}
			t.Logf("pykmip-server log (tail):\n%s", log)
		}
	})
	t.Run("negotiate", func(t *testing.T) {
		c := dial(t, s.config(0))
		if c.Version() != kmipclient.V2_0 {
			t.Errorf("negotiated %v with PyKMIP, want 2.0 (its newest)", c.Version())
		}
	})
	t.Run("no cipher suite", func(t *testing.T) {
		cfg := s.config(kmipclient.V1_2)
		cfg.CipherSuites = nil
		if _, err := kmipclient.Dial(context.Background(), cfg); err == nil {
			t.Error("connected without listing an RSA-key-exchange suite: the README's advice is stale")
		}
	})
	for _, v := range []kmipclient.Version{kmipclient.V1_2, kmipclient.V2_0} {
		t.Run(v.String(), func(t *testing.T) {
			everyMethod(t, dial(t, s.config(v)), serverPyKMIP)
		})
	}
	t.Run("batch", func(t *testing.T) {
		c := dial(t, s.config(kmipclient.V1_2))
		var created kmipclient.CreateResponse
		var got kmipclient.GetResponse
		b := c.NewBatch(0)
		b.Add(&kmipclient.CreateRequest{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)}, &created)
		b.Add(&kmipclient.GetRequest{}, &got)
		if err := b.Exec(context.Background()); err != nil {
			t.Fatalf("Create, Get on the ID Placeholder: %v", err)
		}
		if got.UniqueIdentifier != created.UniqueIdentifier || len(got.KeyMaterial()) != 16 {
			t.Errorf("Get on the placeholder: %q, %d key bytes; created %q", got.UniqueIdentifier, len(got.KeyMaterial()), created.UniqueIdentifier)
		}
		// PyKMIP requires the Unique Identifier of Activate (KMIP 1.2
		// §4.19 makes it optional): the whole message fails to parse.
		b.Reset()
		b.Add(&kmipclient.CreateRequest{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)}, &created)
		b.Add(&kmipclient.ActivateRequest{}, nil)
		wantReason(t, "Create, Activate on the ID Placeholder", b.Exec(context.Background()), kmip.ResultReasonInvalidMessage)
	})
}
