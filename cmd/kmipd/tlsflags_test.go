package main

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"
)

// A legacy client that offers only a CBC suite Go leaves out by default
// connects only when -tls-ciphers lists that suite, and kmipd logs what it
// accepts.
func TestTLSCiphers(t *testing.T) {
	const legacy = tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
	name := tls.CipherSuiteName(legacy)
	dial := func(d *daemon) (*tls.Conn, error) {
		conf := d.tlsConfig(t)
		conf.MaxVersion = tls.VersionTLS12
		conf.CipherSuites = []uint16{legacy}
		return tls.Dial("tcp", d.binary, conf)
	}

	def := startDaemon(t, "-http", "")
	if c, err := dial(def); err == nil {
		c.Close()
		t.Fatalf("the default settings accepted %s", name)
	}
	if logs := def.stderr.String(); !strings.Contains(logs, "TLS accepts") || !strings.Contains(logs, `min_version="TLS 1.2"`) {
		t.Errorf("the default settings are not logged:\n%s", logs)
	}

	d := startDaemon(t, "-http", "", "-tls-ciphers", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "+name)
	c, err := dial(d)
	if err != nil {
		t.Fatalf("-tls-ciphers %s: %v", name, err)
	}
	defer c.Close()
	if cs := c.ConnectionState().CipherSuite; cs != legacy {
		t.Errorf("negotiated %s", tls.CipherSuiteName(cs))
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	resp, err := roundTrip(c, createRequest())
	if err != nil {
		t.Fatal(err)
	}
	results(t, resp)
	if logs := d.stderr.String(); !strings.Contains(logs, name) {
		t.Errorf("the accepted suites are not logged:\n%s", logs)
	}
	// A client that offers the default suites still gets TLS 1.3.
	c13, err := tls.Dial("tcp", d.binary, d.tlsConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c13.Close()
	if v := c13.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Errorf("a modern client got %s", tls.VersionName(v))
	}
}

// -tls-min-version 1.0 lets a TLS 1.0 client in; the default does not.
func TestTLSMinVersion(t *testing.T) {
	dial := func(d *daemon) error {
		conf := d.tlsConfig(t)
		conf.MinVersion, conf.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
		c, err := tls.Dial("tcp", d.binary, conf)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(startDaemon(t, "-http", "")); err == nil {
		t.Fatal("the default settings accepted TLS 1.0")
	}
	d := startDaemon(t, "-http", "", "-tls-min-version", "1.0")
	if err := dial(d); err != nil {
		t.Fatalf("-tls-min-version 1.0: %v", err)
	}
	if logs := d.stderr.String(); !strings.Contains(logs, `min_version="TLS 1.0"`) {
		t.Errorf("the minimum version is not logged:\n%s", logs)
	}
}
