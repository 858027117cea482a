package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// daemon is kmipd started in-process by run.
type daemon struct {
	binary, binaryMode string // address and "tls" or "plaintext"
	url                string // the /kmip URL
	certDir            string
	metrics, pprof     string // the /metrics and /debug/pprof/ URLs
	stderr             *syncBuffer
	cancel             context.CancelFunc
	done               chan error
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDaemon runs kmipd with args (on loopback ports chosen by the system
// unless args say otherwise) until the test ends.
func startDaemon(t testing.TB, args ...string) *daemon {
	t.Helper()
	args = append([]string{"-addr", "127.0.0.1:0", "-http", "127.0.0.1:0", "-cert-dir", t.TempDir()}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	d := &daemon{stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := run(ctx, args, pw, d.stderr)
		pw.CloseWithError(fmt.Errorf("kmipd ended: %v", err))
		d.done <- err
	}()
	t.Cleanup(func() {
		if err := d.stop(); err != nil {
			t.Errorf("kmipd: %v", err)
		}
	})
	sc := bufio.NewScanner(pr)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// Which lines to wait for, from the arguments (later flags win).
	wantBin, wantHTTP, wantCert := true, true, true
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-addr":
			wantBin = args[i+1] != "-"
		case "-http":
			wantHTTP = args[i+1] != ""
		case "-plaintext", "-cert":
			wantCert = false
		}
	}
	deadline := time.After(10 * time.Second)
	for (wantBin && d.binary == "") || (wantHTTP && d.url == "") || (wantCert && d.certDir == "") {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("kmipd stopped: %v\n%s", sc.Err(), d.stderr)
			}
			f := strings.Fields(line)
			switch {
			case len(f) == 3 && f[0] == "binary":
				d.binaryMode, d.binary = f[1], f[2]
			case len(f) == 2 && f[0] == "http":
				d.url = f[1]
			case len(f) == 2 && f[0] == "cert":
				d.certDir = f[1]
			case len(f) == 2 && f[0] == "metrics":
				d.metrics = f[1]
			case len(f) == 2 && f[0] == "pprof":
				d.pprof = f[1]
			}
		case <-deadline:
			t.Fatalf("kmipd printed no addresses\n%s", d.stderr)
		}
	}
	go func() {
		for range lines {
		}
	}()
	return d
}

// stop cancels run (as SIGTERM does) and waits for it.
func (d *daemon) stop() error {
	d.cancel()
	select {
	case err := <-d.done:
		d.done <- err
		return err
	case <-time.After(15 * time.Second):
		return errors.New("run did not return after cancellation")
	}
}

// tlsConfig trusts the daemon's generated certificate.
func (d *daemon) tlsConfig(t testing.TB) *tls.Config {
	t.Helper()
	if d.certDir == "" {
		t.Fatal("no generated certificate")
	}
	b, err := os.ReadFile(filepath.Join(d.certDir, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(b) {
		t.Fatal("cert.pem holds no certificate")
	}
	return &tls.Config{RootCAs: roots, ServerName: "localhost"}
}

func (d *daemon) httpClient(t testing.TB) *http.Client {
	tr := &http.Transport{}
	if strings.HasPrefix(d.url, "https:") {
		tr.TLSClientConfig = d.tlsConfig(t)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out, &errOut); err != nil {
		t.Fatalf("-h: %v", err)
	}
	for _, f := range []string{"-addr", "-http", "-plaintext", "-cert", "-key", "-client-ca", "-cert-dir",
		"-max-message-size", "-max-body-size", "-max-depth", "-max-items", "-read-timeout", "-idle-timeout",
		"-write-timeout", "-max-conns", "-shutdown-timeout", "-log-format", "-log-level",
		"-metrics", "-pprof", "-tls-min-version", "-tls-ciphers", "-tokens", "-identities", "-admin", "-max-inflight-bytes"} {
		if !strings.Contains(errOut.String(), "\n  "+f+" ") && !strings.Contains(errOut.String(), "\n  "+f+"\n") {
			t.Errorf("-h does not document %s", f)
		}
	}
	if !strings.Contains(errOut.String(), "5696") || !strings.Contains(errOut.String(), ":9998") {
		t.Error("-h does not give the default ports")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"extra"},
		{"-addr", "-", "-http", ""},
		{"-plaintext", "-cert", "x", "-key", "y"},
		{"-log-format", "xml"},
		{"-log-level", "loud"},
		{"-max-message-size", "10"},
		{"-tls-min-version", "0.9"},
		{"-tls-ciphers", "TLS_NOPE"},
		{"-tls-ciphers", "TLS_AES_128_GCM_SHA256"},
		{"-max-inflight-bytes", "1000"},
		{"-max-inflight-bytes", "0"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

func TestStartStop(t *testing.T) {
	d := startDaemon(t, "-log-format", "json")
	if d.binaryMode != "tls" || !strings.HasPrefix(d.url, "https://127.0.0.1:") {
		t.Fatalf("binary %s %s, http %s", d.binaryMode, d.binary, d.url)
	}
	c, err := tls.Dial("tcp", d.binary, d.tlsConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	logs := d.stderr.String()
	for _, want := range []string{`"msg":"serving binary TTLV"`, `"msg":"serving HTTP"`, `"msg":"stopped"`, filepath.Join(d.certDir, "cert.pem")} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}
