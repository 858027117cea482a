// Command kmipload drives a KMIP server with batches of operations and
// reports its throughput and latency.
//
// With no -addr it starts kmipd in-process on loopback (plaintext binary
// TTLV, or HTTP for -transport http-json) and loads that, so
//
//	kmipload -duration 10s
//
// measures this project's own server end to end. Point it at any KMIP
// server with -addr (host:port for the binary transports, a URL such as
// https://host:9998/kmip for http-json):
//
//	kmipload -addr kms.example:5696 -transport tls -ca ca.pem -cert c.pem -key c.key \
//	    -conns 16 -batch 10 -mix get=70,encrypt=20,locate=10 -duration 30s
//
// A live progress line goes to standard error; the final report (one line,
// or one JSON object with -json) to standard output. The exit status is 1
// when the run could not start or when any request or item failed.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kmipwire/kmipwire/cmd/kmipload/internal/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kmipload:", err)
		}
		os.Exit(1)
	}
}

// run is kmipload with its arguments and outputs, for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmipload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr      = fs.String("addr", "", "server `address`: host:port (plain, tls) or URL (http-json); empty starts kmipd in-process on loopback")
		transport = fs.String("transport", "plain", "`transport`: plain (binary TTLV over TCP), tls (binary TTLV over TLS) or http-json (JSON POSTed to /kmip)")
		conns     = fs.Int("conns", 4, "concurrent connections, each with one request in flight")
		batchSize = fs.Int("batch", 10, "batch items per request message")
		mixFlag   = fs.String("mix", "get=70,encrypt=20,locate=10", "operation `weights`: get, locate, encrypt, create (each create adds a key to the server for good, so a mix with create measures a growing store)")
		duration  = fs.Duration("duration", 10*time.Second, "run time")
		requests  = fs.Int64("requests", 0, "stop after this many request messages (0: run for -duration)")
		keys      = fs.Int("keys", 16, "AES keys created and activated before the run, used by get and encrypt")
		dataSize  = fs.Int("data", 64, "plaintext `bytes` per encrypt item")
		version   = fs.String("version", "2.1", "KMIP protocol `version` of the requests (1.x requests use TemplateAttribute)")
		caFile    = fs.String("ca", "", "PEM `file` of the CA that signed the server's certificate (tls, https)")
		certFile  = fs.String("cert", "", "client certificate PEM `file`, for mutual TLS")
		keyFile   = fs.String("key", "", "client private key PEM `file`, for mutual TLS")
		insecure  = fs.Bool("insecure", false, "do not verify the server's certificate")
		jsonOut   = fs.Bool("json", false, "print the report as one JSON object")
		quiet     = fs.Bool("quiet", false, "no progress line")
		seed      = fs.Uint64("seed", 1, "seed of the operation sequence")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: kmipload [flags]\n\nLoad a KMIP server with batches of operations and report throughput and latency.\nWithout -addr, kmipd is started in-process on loopback.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg := load.Config{Addr: *addr, Conns: *conns, Batch: *batchSize, Duration: *duration,
		Requests: *requests, Keys: *keys, DataSize: *dataSize, Seed: *seed}
	var err error
	if cfg.Mix, err = load.ParseMix(*mixFlag); err != nil {
		return err
	}
	if cfg.Version, err = parseVersion(*version); err != nil {
		return err
	}
	switch *transport {
	case "plain":
		cfg.Transport = load.Plain
	case "tls":
		cfg.Transport = load.TLS
	case "http-json", "http":
		cfg.Transport = load.HTTPJSON
	default:
		return fmt.Errorf("-transport %q: want plain, tls or http-json", *transport)
	}
	if cfg.Transport != load.Plain || *caFile != "" || *certFile != "" {
		if cfg.TLS, err = tlsConfig(*caFile, *certFile, *keyFile, *insecure); err != nil {
			return err
		}
	}
	if cfg.Addr == "" {
		addr, shutdown, err := startServer(ctx, cfg.Transport)
		if err != nil {
			return fmt.Errorf("starting kmipd in-process: %w", err)
		}
		defer shutdown()
		cfg.Addr = addr
		if cfg.Transport == load.TLS {
			cfg.TLS.InsecureSkipVerify = true // the in-process server's certificate is self-signed
		}
	}
	var progress io.Writer
	if !*quiet {
		progress = stderr
	}
	rep, err := load.Run(ctx, cfg, progress)
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(stdout, rep)
		if len(rep.Reasons) > 0 {
			fmt.Fprintln(stdout, "failed items by result reason:")
			for name, n := range rep.Reasons {
				fmt.Fprintf(stdout, "  %-32s %d\n", name, n)
			}
		}
		if rep.FirstError != "" {
			fmt.Fprintln(stdout, "first error:", rep.FirstError)
		}
	}
	if rep.ReqErrors > 0 || rep.ItemsFailed > 0 {
		return fmt.Errorf("%d request errors, %d failed items", rep.ReqErrors, rep.ItemsFailed)
	}
	return nil
}

// parseVersion reads "2.1" or "1.4".
func parseVersion(s string) (load.Version, error) {
	major, minor, ok := strings.Cut(s, ".")
	a, err1 := strconv.ParseInt(major, 10, 32)
	b, err2 := strconv.ParseInt(minor, 10, 32)
	if !ok || err1 != nil || err2 != nil || a < 1 || a > 2 || b < 0 {
		return load.Version{}, fmt.Errorf("-version %q: want major.minor, 1.0 to 2.1", s)
	}
	return load.Version{Major: int32(a), Minor: int32(b)}, nil
}

// tlsConfig builds the client side of TLS from PEM files.
func tlsConfig(caFile, certFile, keyFile string, insecure bool) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", caFile)
		}
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("-cert and -key go together")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}
