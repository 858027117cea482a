package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/kmipserver"
)

const python = "/usr/bin/python3"

// needPyKMIP skips the test without PyKMIP, or fails it when
// KMIPWIRE_REQUIRE_PYKMIP is set.
func needPyKMIP(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import kmip").Run(); err != nil {
		if os.Getenv("KMIPWIRE_REQUIRE_PYKMIP") != "" {
			t.Fatalf("PyKMIP required but %s cannot import kmip: %v (apt-get install python3-pykmip)", python, err)
		}
		t.Skipf("SKIP: PyKMIP not installed (%s -c 'import kmip': %v); apt-get install python3-pykmip", python, err)
	}
}

// pyStep is one line of testdata/pykmip_client.py's output.
type pyStep struct {
	Op      string `json:"op"`
	OK      bool   `json:"ok"`
	Skipped bool   `json:"skipped"`
	Detail  string `json:"detail"`
	Error   string `json:"error"`
	Trace   string `json:"trace"`
}

// The operations PyKMIP's ProxyKmipClient must get through kmipd.
var pyOps = []string{"create", "register", "get", "get_attributes", "locate", "activate", "encrypt", "encrypt_known_key",
	"decrypt", "create_key_pair", "sign", "signature_verify", "mac", "revoke", "destroy"}

// runPyKMIP runs the client script against addr and checks every step.
func runPyKMIP(t *testing.T, addr, ca, cert, key string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "pykmip_client.py"), host, port, ca, cert, key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pykmip_client.py: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var s pyStep
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("bad output line %q: %v", sc.Text(), err)
		}
		seen[s.Op] = true
		switch {
		case s.OK:
			t.Logf("%-16s ok   %s", s.Op, s.Detail)
		case s.Skipped:
			t.Errorf("%-16s %s", s.Op, s.Error)
		default:
			t.Errorf("%-16s FAIL %s\n%s", s.Op, s.Error, s.Trace)
		}
	}
	for _, op := range pyOps {
		if !seen[op] {
			t.Errorf("%s: no result from the script", op)
		}
	}
}

func TestPyKMIP(t *testing.T) {
	needPyKMIP(t)
	d := startDaemon(t, "-http", "")
	runPyKMIP(t, d.binary, filepath.Join(d.certDir, "cert.pem"), "", "")
	if strings.Contains(d.stderr.String(), "panic") {
		t.Errorf("kmipd logged a panic:\n%s", d.stderr)
	}
}

// PyKMIP with a client certificate against kmipd in mutual TLS, and
// refused without one.
func TestPyKMIPMutualTLS(t *testing.T) {
	needPyKMIP(t)
	dir := t.TempDir()
	caPEM, caKeyPEM, err := kmipserver.SelfSigned("kmipd test CA", nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ca, caKey := parsePair(t, caPEM, caKeyPEM)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	srvPEM, srvKey, err := kmipserver.SelfSigned("localhost", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cliPEM, cliKey, err := kmipserver.SelfSigned("pykmip", nil, nil, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := write("ca.pem", caPEM)
	d := startDaemon(t, "-http", "", "-cert", write("server.pem", srvPEM), "-key", write("server-key.pem", srvKey), "-client-ca", caFile)
	runPyKMIP(t, d.binary, caFile, write("client.pem", cliPEM), write("client-key.pem", cliKey))

	// Without a client certificate the handshake fails and the script
	// cannot connect.
	host, port, _ := net.SplitHostPort(d.binary)
	cmd := exec.Command(python, filepath.Join("testdata", "pykmip_client.py"), host, port, caFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil && (bytes.Contains(out, []byte(`"ok": true`)) || !bytes.Contains(out, []byte("CERTIFICATE_REQUIRED"))) {
		t.Errorf("PyKMIP without a client certificate: want every step refused, the first with a certificate-required alert; got (%v):\n%s\n%s", err, out, stderr.String())
	}
}

// parsePair parses a PEM certificate and PKCS #8 key.
func parsePair(t *testing.T, certPEM, keyPEM []byte) (*x509.Certificate, any) {
	t.Helper()
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		t.Fatal("bad PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
