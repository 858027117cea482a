package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCA writes a CA certificate and key as PEM files.
func writeCA(t *testing.T, isCA bool) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kmipd test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: isCA, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestCAFlags: -ca-cert and -ca-key name the CA that Certify signs with;
// one without the other, or a certificate that is not a CA's, is refused.
func TestCAFlags(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	cert, key := writeCA(t, true)
	o, err := parse([]string{"-ca-cert", cert, "-ca-key", key}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(log, o)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ca, err := srv.CertificateAuthority()
	if err != nil || ca.Subject.CommonName != "kmipd test CA" {
		t.Fatalf("CA %v, %v", ca, err)
	}
	if _, err := parse([]string{"-ca-cert", cert}, io.Discard); err == nil {
		t.Error("-ca-cert without -ca-key accepted")
	}
	notCA, notCAKey := writeCA(t, false)
	o, err = parse([]string{"-ca-cert", notCA, "-ca-key", notCAKey}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newServer(log, o); err == nil || !strings.Contains(err.Error(), "not a CA") {
		t.Errorf("a non-CA certificate: %v", err)
	}
}
