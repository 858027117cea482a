package kmipclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Transport is how messages reach the server.
type Transport int

// The transports.
const (
	// TLS is binary TTLV over TLS, the KMIP standard (port 5696).
	TLS Transport = iota
	// Plain is binary TTLV over TCP without TLS (kmipd -plaintext, for
	// loopback benchmarks).
	Plain
	// HTTPJSON POSTs the JSON form (KMIP Additional Message Encodings §4)
	// to an HTTP(S) URL such as https://host:9998/kmip.
	HTTPJSON
	// HTTPBinary POSTs binary TTLV (application/octet-stream) to an
	// HTTP(S) URL.
	HTTPBinary
)

// String is the transport's name: tls, plain, http-json, http-binary.
func (t Transport) String() string {
	switch t {
	case TLS:
		return "tls"
	case Plain:
		return "plain"
	case HTTPJSON:
		return "http-json"
	case HTTPBinary:
		return "http-binary"
	}
	return fmt.Sprintf("Transport(%d)", int(t))
}

// ParseTransport reads the names String writes.
func ParseTransport(s string) (Transport, error) {
	for t := TLS; t <= HTTPBinary; t++ {
		if s == t.String() {
			return t, nil
		}
	}
	if s == "http" {
		return HTTPJSON, nil
	}
	return 0, &ConfigError{Field: "Transport", Err: fmt.Errorf("%q: want tls, plain, http-json or http-binary", s)}
}

// Defaults for the zero values of Config.
const (
	DefaultMaxConns        = 4
	DefaultMaxIdleTime     = 30 * time.Second
	DefaultDialTimeout     = 10 * time.Second
	DefaultTimeout         = 60 * time.Second
	DefaultMaxResponseSize = ttlv.DefaultMaxMessageSize
)

// Config configures a Client. Only Addr is required: the zero value of every
// other field is a sensible default (TLS 1.2 or later, the system's CAs,
// the protocol version negotiated with Discover Versions).
type Config struct {
	// Addr is the server: host:port for TLS and Plain (5696 is KMIP's
	// port), a URL (https://host:9998/kmip) for the HTTP transports.
	Addr      string
	Transport Transport

	// TLS, when not nil, is the base TLS configuration (cloned; the
	// fields below that are set override it).
	TLS *tls.Config
	// CAFile is a PEM file of the CAs that may sign the server's
	// certificate; empty means the system's.
	CAFile string
	// CertFile and KeyFile are the client's certificate chain and key in
	// PEM, for servers that require mutual TLS.
	CertFile, KeyFile string
	// ServerName is the name the server's certificate must carry; empty
	// means Addr's host.
	ServerName string
	// MinTLSVersion is the lowest TLS version (tls.VersionTLS12 when
	// zero).
	MinTLSVersion uint16
	// CipherSuites lists the TLS 1.0–1.2 suites offered, for servers with
	// legacy policies: Go offers no RSA-key-exchange or CBC-SHA256 suite
	// unless listed (PyKMIP's server needs TLS_RSA_WITH_AES_128_CBC_SHA256).
	// See ParseCipherSuites. Empty means Go's defaults.
	CipherSuites []uint16
	// InsecureSkipVerify accepts any server certificate (tests only).
	InsecureSkipVerify bool

	// Version fixes the protocol version; zero negotiates it with
	// Discover Versions when the client is created (KMIP 2.1 §6.1.21).
	Version Version

	// MaxConns bounds the open connections; calls beyond it wait for one
	// to be free. Zero means DefaultMaxConns.
	MaxConns int
	// MaxIdleTime is how long a connection may rest in the pool before it
	// is closed rather than reused (servers drop idle connections; kmipd
	// after 5 minutes, others sooner). Zero means DefaultMaxIdleTime;
	// negative means no limit.
	MaxIdleTime time.Duration
	// DialTimeout bounds connecting and the TLS handshake; zero means
	// DefaultDialTimeout.
	DialTimeout time.Duration
	// Timeout bounds a call whose context has no deadline: the
	// connection's deadline, renewed when less than half of it is left,
	// so a call has between Timeout/2 and Timeout. Zero means
	// DefaultTimeout, negative no bound.
	Timeout time.Duration
	// MaxResponseSize bounds a response's size; zero means
	// DefaultMaxResponseSize. A larger response fails before it is read.
	MaxResponseSize int
	// Lax relaxes the strict checks of responses, for servers that get
	// the encoding wrong (ttlv.LaxPadding, …).
	Lax ttlv.Lax
}

func (c Config) withDefaults() Config {
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxIdleTime == 0 {
		c.MaxIdleTime = DefaultMaxIdleTime
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxResponseSize <= 0 {
		c.MaxResponseSize = DefaultMaxResponseSize
	}
	return c
}

// tlsConfig builds the client's TLS configuration.
func (c *Config) tlsConfig(host string) (*tls.Config, error) {
	var tc *tls.Config
	if c.TLS != nil {
		tc = c.TLS.Clone()
	} else {
		tc = &tls.Config{}
	}
	switch {
	case c.MinTLSVersion != 0:
		tc.MinVersion = c.MinTLSVersion
	case tc.MinVersion == 0:
		tc.MinVersion = tls.VersionTLS12
	}
	if len(c.CipherSuites) > 0 {
		tc.CipherSuites = c.CipherSuites
	}
	if c.ServerName != "" {
		tc.ServerName = c.ServerName
	} else if tc.ServerName == "" {
		tc.ServerName = host
	}
	if c.InsecureSkipVerify {
		tc.InsecureSkipVerify = true
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, &ConfigError{Field: "CAFile", Err: err}
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, &ConfigError{Field: "CAFile", Err: fmt.Errorf("%s: no PEM certificate in it", c.CAFile)}
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, &ConfigError{Field: "CertFile", Err: errors.New("a client certificate needs both CertFile and KeyFile")}
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, &ConfigError{Field: "CertFile", Err: err}
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// ParseCipherSuites reads a comma-separated list of Go's TLS cipher suite
// names ("TLS_RSA_WITH_AES_128_CBC_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
// the insecure ones included: a legacy server may need them.
func ParseCipherSuites(list string) ([]uint16, error) {
	var ids []uint16
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		id, ok := cipherSuiteID(name)
		if !ok {
			return nil, &ConfigError{Field: "CipherSuites", Err: fmt.Errorf("unknown TLS cipher suite %q (Go names, such as TLS_RSA_WITH_AES_128_CBC_SHA256)", name)}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func cipherSuiteID(name string) (uint16, bool) {
	for _, s := range tls.CipherSuites() {
		if s.Name == name {
			return s.ID, true
		}
	}
	for _, s := range tls.InsecureCipherSuites() {
		if s.Name == name {
			return s.ID, true
		}
	}
	return 0, false
}
