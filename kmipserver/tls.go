package kmipserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// serverTLS builds the TLS configuration from cfg, generating a
// self-signed certificate when none is configured; dir is where it was
// written, if so.
func serverTLS(cfg EndpointConfig, log *slog.Logger) (tc *tls.Config, dir string, err error) {
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
		if tc.MinVersion < tls.VersionTLS12 {
			tc.MinVersion = tls.VersionTLS12
		}
		applyTLSSettings(cfg, tc)
		return tc, "", nil
	}
	certFile, keyFile := cfg.CertFile, cfg.KeyFile
	switch {
	case certFile != "" && keyFile != "":
	case certFile != "" || keyFile != "":
		return nil, "", errors.New("transport: a certificate needs both a certificate file and a key file")
	default:
		dir, certFile, keyFile, err = GenerateSelfSigned(cfg.CertDir)
		if err != nil {
			return nil, "", err
		}
		log.Info("no certificate configured: generated a self-signed one (ECDSA P-256; localhost, 127.0.0.1, ::1)",
			"cert", certFile, "key", keyFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, "", fmt.Errorf("transport: loading the certificate: %w", err)
	}
	tc = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if cfg.ClientCAFile != "" {
		pemBytes, err := os.ReadFile(cfg.ClientCAFile)
		if err != nil {
			return nil, "", fmt.Errorf("transport: client CA: %w", err)
		}
		cas := x509.NewCertPool()
		if !cas.AppendCertsFromPEM(pemBytes) {
			return nil, "", fmt.Errorf("transport: client CA %s: no PEM certificate in it", cfg.ClientCAFile)
		}
		tc.ClientCAs = cas
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	applyTLSSettings(cfg, tc)
	return tc, dir, nil
}

// applyTLSSettings sets the legacy-client settings of cfg on tc.
func applyTLSSettings(cfg EndpointConfig, tc *tls.Config) {
	if cfg.TLSMinVersion != 0 {
		tc.MinVersion = cfg.TLSMinVersion
	}
	if len(cfg.TLSCipherSuites) > 0 {
		tc.CipherSuites = cfg.TLSCipherSuites
	}
}

// Names of the files GenerateSelfSigned writes.
const (
	CertFileName = "cert.pem"
	KeyFileName  = "key.pem"
)

// GenerateSelfSigned writes a new self-signed certificate (ECDSA P-256,
// valid for a year, for localhost, 127.0.0.1 and ::1) and its key as PEM
// files CertFileName and KeyFileName in dir, created if needed; an empty
// dir means a new directory kmipd-<pid>-* under os.TempDir(). The
// certificate is its own CA, so clients can trust it as their CA file.
func GenerateSelfSigned(dir string) (outDir, certFile, keyFile string, err error) {
	if dir == "" {
		dir, err = os.MkdirTemp("", fmt.Sprintf("kmipd-%d-", os.Getpid()))
	} else {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return "", "", "", fmt.Errorf("transport: certificate directory: %w", err)
	}
	certPEM, keyPEM, err := SelfSigned("kmipd self-signed", []string{"localhost"},
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, nil, nil)
	if err != nil {
		return "", "", "", err
	}
	certFile, keyFile = filepath.Join(dir, CertFileName), filepath.Join(dir, KeyFileName)
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return "", "", "", fmt.Errorf("transport: writing the key: %w", err)
	}
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return "", "", "", fmt.Errorf("transport: writing the certificate: %w", err)
	}
	return dir, certFile, keyFile, nil
}

// SelfSigned returns a new ECDSA P-256 certificate and its PKCS #8 key, in
// PEM, valid from an hour ago for a year. With a nil parent it is
// self-signed and a CA; otherwise parent and parentKey (a *ecdsa.PrivateKey
// or another crypto.Signer) sign it and it is a leaf for both server and
// client authentication (tests use this for mutual TLS).
func SelfSigned(cn string, dnsNames []string, ips []net.IP, parent *x509.Certificate, parentKey any) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("transport: generating a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("transport: serial number: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"kmipwire"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		DNSNames:              dnsNames,
		IPAddresses:           ips,
	}
	signer := any(key)
	if parent == nil {
		tmpl.IsCA = true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		parent = tmpl
	} else {
		signer = parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, fmt.Errorf("transport: creating the certificate: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("transport: encoding the key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), nil
}
