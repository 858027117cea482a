// Command kmipd is a KMIP server: binary TTLV over TLS on the KMIP port
// (5696) and HTTP on 9998 (POST /kmip with the JSON or binary form of a
// RequestMessage, POST /kmip/2_1 with a bare operation in JSON).
//
// Without -cert and -key it generates a self-signed certificate for
// localhost at start and logs where it wrote it; -client-ca turns on mutual
// TLS; -plaintext serves both ports without TLS, for benchmarks on loopback.
// With -data DIR the objects are kept in an embedded store in DIR and
// survive restarts (every answered change is on disk); memory otherwise.
// -metrics serves Prometheus metrics (kmip_*) and -pprof Go's profiles, each
// on an address of its own; -tls-min-version and -tls-ciphers widen TLS for
// legacy clients, and what TLS accepts is logged at start. With client
// authentication (-client-ca, or -tokens for HTTP bearer tokens) each
// object is its creator's: others get Permission Denied and Locate hides
// it, but for the -admin identities; without any, kmipd warns that anyone
// who reaches it has full access. -max-inflight-bytes bounds the memory
// held for messages still arriving, across all connections.
// It prints the bound addresses on standard output, logs on standard error,
// and stops gracefully on SIGINT or SIGTERM. Run kmipd -h for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/kmipmetrics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kmipd:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// options are the flags.
type options struct {
	tc              kmipserver.EndpointConfig
	maxDepth        int
	maxItems        int
	maxRSABits      int
	strictJSON      bool
	dataDir         string
	interop         bool
	logFormat       string
	logLevel        string
	shutdownTimeout time.Duration
	middleware      []kmipserver.Middleware
	metricsAddr     string
	pprofAddr       string
	tlsMinVersion   string
	tlsCiphers      string
	admins          string
	identitiesFile  string
	tokensFile      string
	caCert, caKey   string
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("kmipd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `usage: kmipd [flags]

kmipd serves KMIP: binary TTLV over TLS (-addr, the IANA KMIP port 5696) and
HTTP (-http): POST /kmip takes a RequestMessage as application/json or
application/octet-stream and answers in the same form, POST /kmip/2_1 takes
a bare operation in JSON (JSON is read leniently unless -strict-json).
Without -cert/-key a self-signed certificate for
localhost is generated (its path is logged). The bound addresses are printed
on standard output; logs go to standard error. SIGINT/SIGTERM stop it
gracefully.

flags:
`)
		fs.PrintDefaults()
	}
	tc := &o.tc
	fs.StringVar(&tc.Addr, "addr", kmipserver.DefaultAddr, "binary TTLV listen `address` (\"-\" disables)")
	fs.StringVar(&tc.HTTPAddr, "http", ":9998", "HTTP listen `address` (empty disables)")
	fs.BoolVar(&tc.Plaintext, "plaintext", false, "serve both transports without TLS (benchmarks on loopback only)")
	fs.StringVar(&tc.CertFile, "cert", "", "server certificate chain `file` (PEM); with -key")
	fs.StringVar(&tc.KeyFile, "key", "", "server private key `file` (PEM); with -cert")
	fs.StringVar(&tc.ClientCAFile, "client-ca", "", "CA certificates `file` (PEM): require client certificates signed by them (mutual TLS)")
	fs.StringVar(&o.tokensFile, "tokens", "", "bearer tokens `file` for HTTP clients: lines \"IDENTITY TOKEN\" (tokens of 16 bytes or more); HTTP requests must then carry one (Authorization: Bearer) or a client certificate")
	fs.StringVar(&o.identitiesFile, "identities", "", "`file` naming client certificates' identities: lines \"IDENTITY sha256:HEX\" (the certificate's digest), \"IDENTITY subject:DN\" or \"IDENTITY cn:NAME\"; other certificates are named by their Common Name")
	fs.StringVar(&o.admins, "admin", "", "comma-separated `identities` that may use every object (with -client-ca or -tokens, objects are otherwise their creator's)")
	fs.StringVar(&o.caCert, "ca-cert", "", "certificate `file` (PEM) of the CA that signs what Certify and Re-certify issue; with -ca-key (default: a CA kmipd makes at start, in memory only)")
	fs.StringVar(&o.caKey, "ca-key", "", "private key `file` (PEM) of the -ca-cert CA")
	fs.StringVar(&tc.CertDir, "cert-dir", "", "`directory` for the generated self-signed certificate (default: a new kmipd-<pid>-* under "+os.TempDir()+")")
	fs.IntVar(&tc.MaxMessageSize, "max-message-size", kmipserver.DefaultMaxMessageSize, "largest binary message in `bytes`, header included; checked before reading")
	fs.IntVar(&tc.MaxBodySize, "max-body-size", 0, "largest HTTP request body in `bytes` (default "+fmt.Sprint(kmipserver.JSONFactor)+" × -max-message-size)")
	fs.IntVar(&o.maxDepth, "max-depth", 0, "deepest Structure nesting accepted (0: the codec's default)")
	fs.IntVar(&o.maxItems, "max-items", 0, "most batch items in one message (0: the default)")
	fs.IntVar(&o.maxRSABits, "max-rsa-bits", 0, "largest RSA key Create Key Pair generates (0: 4096; negative: none) — each RSA-4096 key costs about a second of CPU")
	fs.BoolVar(&o.strictJSON, "strict-json", false, "read JSON requests strictly (RFC 8259, the specification's names); by default trailing commas, tag names in another letter case, a missing ']' and Cosmian KMS 4.x's Message/Header/Items are read, and a 4.x request is answered in 4.x's names")
	fs.StringVar(&o.dataDir, "data", "", "`directory` of the object store (a bbolt file; every change is on disk before it is answered); empty: memory only")
	fs.BoolVar(&o.interop, "interop", false, "enable the Interop operation (KMIP 2.x), which the OASIS interoperability test cases send to mark a test case's start and end")
	fs.DurationVar(&tc.ReadTimeout, "read-timeout", kmipserver.DefaultReadTimeout, "time to read one message (and a TLS handshake) once started; negative: none")
	fs.DurationVar(&tc.IdleTimeout, "idle-timeout", kmipserver.DefaultIdleTimeout, "time a connection may wait for its next message; negative: none")
	fs.DurationVar(&tc.WriteTimeout, "write-timeout", kmipserver.DefaultWriteTimeout, "time to write one response; negative: none")
	fs.IntVar(&tc.MaxConns, "max-conns", kmipserver.DefaultMaxConns, "most open connections per listener, excess ones are closed at once; negative: no limit")
	fs.Int64Var(&tc.MaxInflightBytes, "max-inflight-bytes", kmipserver.DefaultMaxInflightBytes, "most `bytes` held, across every connection, for messages still arriving or being answered: past it a message over 16 KiB waits, unread, up to -read-timeout (smaller ones are always read); negative: no bound")
	fs.StringVar(&o.metricsAddr, "metrics", "", "serve Prometheus metrics (kmip_*) over plain HTTP on `address` at /metrics; empty: none")
	fs.StringVar(&o.pprofAddr, "pprof", "", "serve Go's profiles (net/http/pprof) over plain HTTP on `address` at /debug/pprof/; empty: none")
	fs.StringVar(&o.tlsMinVersion, "tls-min-version", "1.2", "oldest TLS `version` accepted: 1.0, 1.1, 1.2 or 1.3 (below 1.2 only for legacy clients)")
	fs.StringVar(&o.tlsCiphers, "tls-ciphers", "", "comma-separated Go `names` of the cipher suites accepted up to TLS 1.2 (e.g. TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256), for legacy clients; empty: Go's secure defaults; TLS 1.3's suites are not configurable")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGINT/SIGTERM, time the requests in progress get to finish")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if tc.Addr == "" {
		return nil, fmt.Errorf("%w: -addr is empty (use \"-\" to disable the binary transport)", errUsage)
	}
	if tc.Addr == "-" && tc.HTTPAddr == "" {
		return nil, fmt.Errorf("%w: both transports disabled", errUsage)
	}
	if tc.MaxMessageSize < 64 {
		return nil, fmt.Errorf("%w: -max-message-size %d is too small", errUsage, tc.MaxMessageSize)
	}
	if tc.MaxInflightBytes == 0 || tc.MaxInflightBytes > 0 && tc.MaxInflightBytes < int64(tc.MaxMessageSize) {
		return nil, fmt.Errorf("%w: -max-inflight-bytes %d is less than -max-message-size %d", errUsage, tc.MaxInflightBytes, tc.MaxMessageSize)
	}
	v, err := tlsVersion(o.tlsMinVersion)
	if err != nil {
		return nil, fmt.Errorf("%w: -tls-min-version: %w", errUsage, err)
	}
	tc.TLSMinVersion = v
	if tc.TLSCipherSuites, err = cipherSuites(o.tlsCiphers); err != nil {
		return nil, fmt.Errorf("%w: -tls-ciphers: %w", errUsage, err)
	}
	if (o.caCert == "") != (o.caKey == "") {
		return nil, fmt.Errorf("%w: -ca-cert and -ca-key go together", errUsage)
	}
	if tc.Plaintext && (tc.CertFile != "" || tc.KeyFile != "" || tc.ClientCAFile != "") {
		return nil, fmt.Errorf("%w: -plaintext with -cert, -key or -client-ca", errUsage)
	}
	return o, nil
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: -log-level: %w", errUsage, err)
	}
	ho := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("%w: -log-format %q: want text or json", errUsage, format)
}

// run is kmipd: it serves until ctx is done, then shuts down gracefully.
// Tests call it to start the real daemon in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, o.logFormat, o.logLevel)
	if err != nil {
		return err
	}
	o.tc.Logger = log
	var m *kmipmetrics.Metrics
	var reg *prometheus.Registry
	if o.metricsAddr != "" {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		m = kmipmetrics.New(reg)
		o.middleware = append(o.middleware, m.Middleware())
		o.tc.Hooks = m.Hooks()
	}
	h, err := newServer(log, o)
	if err != nil {
		return err
	}
	defer h.Close() // after the transports stopped: closes the store
	var handler kmipserver.Handler = h
	if m != nil {
		m.WatchObjects(h)
		handler = m.Handler(h)
	}
	var side []*http.Server
	defer func() {
		for _, hs := range side {
			hs.Close()
		}
	}()
	if o.metricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		hs, a, err := serveSide(o.metricsAddr, mux, log)
		if err != nil {
			return fmt.Errorf("-metrics: %w", err)
		}
		side = append(side, hs)
		fmt.Fprintf(stdout, "metrics http://%s/metrics\n", a)
		log.Info("serving Prometheus metrics", "addr", a, "path", "/metrics")
	}
	if o.pprofAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		hs, a, err := serveSide(o.pprofAddr, mux, log)
		if err != nil {
			return fmt.Errorf("-pprof: %w", err)
		}
		side = append(side, hs)
		fmt.Fprintf(stdout, "pprof http://%s/debug/pprof/\n", a)
		log.Info("serving profiles", "addr", a, "path", "/debug/pprof/")
	}
	srv, err := kmipserver.Listen(ctx, o.tc, handler)
	if err != nil {
		return err
	}
	logTLS(log, srv.TLSConfig())
	if d := srv.CertDir(); d != "" {
		fmt.Fprintf(stdout, "cert %s\n", d)
	}
	if a := srv.Addr(); a != nil {
		mode := "tls"
		if o.tc.Plaintext {
			mode = "plaintext"
		}
		fmt.Fprintf(stdout, "binary %s %s\n", mode, a)
	}
	if u := srv.HTTPURL(); u != "" {
		fmt.Fprintf(stdout, "http %s\n", u)
	}
	<-ctx.Done()
	log.Info("shutting down", "timeout", o.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// serveSide serves mux over plain HTTP on addr (metrics, profiles) until
// the returned server is closed.
func serveSide(addr string, mux http.Handler, log *slog.Logger) (*http.Server, net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelInfo)}
	go hs.Serve(ln)
	return hs, ln.Addr(), nil
}
