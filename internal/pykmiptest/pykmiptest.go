// Package pykmiptest starts PyKMIP's own KMIP server (pykmip-server from
// Debian's python3-pykmip 0.10, SQLite store, KMIP 1.0–2.0) for tests, with
// a configuration and an RSA PKI generated for the test, and mutual TLS.
package pykmiptest

import (
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
)

const python = "/usr/bin/python3"

// Need skips the test without PyKMIP's server, or fails it when
// KMIPWIRE_REQUIRE_PYKMIP is set (CI installs python3-pykmip).
func Need(t testing.TB) {
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

// Server is a running pykmip-server.
type Server struct {
	// Addr is its host:port: binary TTLV over TLS 1.2, RSA key exchange
	// suites only (AES128-SHA256, …), client certificates required.
	Addr string
	// CAFile, ClientCertFile and ClientKeyFile are PEM files: the CA of
	// the server's and the client's certificates, and the client's.
	CAFile, ClientCertFile, ClientKeyFile string
	// LogFile is the server's log.
	LogFile string
}

// CipherSuite is the Go name of the suite the server's TLS 1.2 policy
// offers that Go leaves out unless listed.
const CipherSuite = "TLS_RSA_WITH_AES_128_CBC_SHA256"

// LogTail is the end of the server's log, for a failed test.
func (s *Server) LogTail() string {
	b, _ := os.ReadFile(s.LogFile)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// Start starts PyKMIP's own server (/usr/bin/pykmip-server, SQLite
// store) with a generated configuration and certificates, mutual TLS, and
// stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	Need(t)
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
	return &Server{Addr: addr, CAFile: p.ca, ClientCertFile: p.clientCert, ClientKeyFile: p.clientKey, LogFile: logFile}
}
