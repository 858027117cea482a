// Command kmipload drives a KMIP server with batches of operations and
// reports its throughput and latency.
//
// With no -addr it starts kmipd in-process on loopback (plaintext binary
// TTLV, or HTTP for -transport http-json) and loads that, so
//
//	kmipload -duration 10s
//
// measures this project's own server end to end; -procs sets GOMAXPROCS
// for the run, the in-process server's included. Point it at any KMIP
// server with -addr (host:port for the binary transports, a URL such as
// https://host:9998/kmip for http-json):
//
//	kmipload -addr kms.example:5696 -transport tls -ca ca.pem -cert c.pem -key c.key \
//	    -conns 16 -batch 10 -mix get=70,encrypt=20,locate=10 -duration 30s
//
// The requests go through package kmipclient. A server with a legacy TLS
// policy may need -tls-ciphers; PyKMIP's, for one:
//
//	kmipload -addr 127.0.0.1:5696 -transport tls -ca ca.pem -cert c.pem -key c.key \
//	    -tls-ciphers TLS_RSA_WITH_AES_128_CBC_SHA256 -version 1.2
//
// By default each connection sends its next message as soon as the
// previous one is answered (a closed loop): with N connections the mean
// latency is then N over the throughput (Little's law), whatever the
// server does, and a server that stalls holds back the messages that
// would have been sent meanwhile, so they are never measured (coordinated
// omission). -rate R makes it an open loop: R messages a second over all
// the connections, connection i of N sending its k-th at (k·N + i)/R
// seconds from the start (at once if it is late), each latency measured
// from that scheduled time; the report adds the service time (from the
// actual send) and the offered rate beside the achieved one:
//
//	kmipload -transport tls -batch 1 -mix encrypt=100 -conns 16 -rate 20000 -duration 10s
//
// A live progress line goes to standard error; the final report (one line,
// or one JSON object with -json) to standard output. The exit status is 1
// when the run could not start or when any request or item failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/kmipwire/kmipwire/cmd/kmipload/internal/load"
	"github.com/kmipwire/kmipwire/kmipclient"
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
		addr       = fs.String("addr", "", "server `address`: host:port (plain, tls) or URL (http-json); empty starts kmipd in-process on loopback")
		transport  = fs.String("transport", "plain", "`transport`: plain (binary TTLV over TCP), tls (binary TTLV over TLS), http-json (JSON POSTed to /kmip) or http-binary (binary TTLV POSTed)")
		conns      = fs.Int("conns", 4, "concurrent connections, each with one request in flight")
		batchSize  = fs.Int("batch", 10, "batch items per request message")
		mixFlag    = fs.String("mix", "get=70,encrypt=20,locate=10", "operation `weights`: get, locate, encrypt, create (each create adds a key to the server for good, so a mix with create measures a growing store)")
		duration   = fs.Duration("duration", 10*time.Second, "run time")
		requests   = fs.Int64("requests", 0, "stop after this many request messages (0: run for -duration)")
		rate       = fs.Float64("rate", 0, "open loop: request messages per second over all connections, each latency measured from when its message was scheduled (coordinated omission corrected) and the service time beside it; 0: closed loop, each connection sends when answered")
		quantum    = fs.Duration("rate-quantum", load.DefaultRateQuantum, "open loop: the pacer's shortest sleep; one wake releases the messages due within it, each sent up to this late (shown in the send lag); shorter wakes the load generator more often")
		keys       = fs.Int("keys", 16, "AES keys created and activated before the run, used by get and encrypt")
		dataSize   = fs.Int("data", 64, "plaintext `bytes` per encrypt item")
		version    = fs.String("version", "2.1", "KMIP protocol `version` of the requests (1.x requests use TemplateAttribute), or auto: negotiated with Discover Versions")
		caFile     = fs.String("ca", "", "PEM `file` of the CA that signed the server's certificate (tls, https)")
		certFile   = fs.String("cert", "", "client certificate PEM `file`, for mutual TLS")
		keyFile    = fs.String("key", "", "client private key PEM `file`, for mutual TLS")
		insecure   = fs.Bool("insecure", false, "do not verify the server's certificate")
		ciphers    = fs.String("tls-ciphers", "", "TLS 1.2 cipher suites to offer, Go `names` comma-separated (TLS_RSA_WITH_AES_128_CBC_SHA256 for PyKMIP's server); empty: Go's defaults")
		serverName = fs.String("server-name", "", "`name` the server's certificate must carry (default: the host of -addr)")
		jsonOut    = fs.Bool("json", false, "print the report as one JSON object")
		label      = fs.String("label", "", "`text` naming the run's setting in the report (\"label\" in -json), such as where the server runs")
		quiet      = fs.Bool("quiet", false, "no progress line")
		seed       = fs.Uint64("seed", 1, "seed of the operation sequence")
		traceFile  = fs.String("trace", "", "write a runtime/trace of the run (setup excluded) to `file`: go tool trace -pprof=sched shows where goroutines waited to run")
		cpuFile    = fs.String("cpuprofile", "", "write a CPU profile of the run (setup excluded) to `file`")
		procs      = fs.Int("procs", 0, "GOMAXPROCS of the run, the in-process kmipd's too (0: Go's default, one per CPU); on a VM whose kernel packs threads onto few vCPUs, 1 keeps the tail short (README)")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: kmipload [flags]\n\nLoad a KMIP server with batches of operations and report throughput and latency.\nWithout -addr, kmipd is started in-process on loopback.\n\n"+
			"By default the load is a closed loop: each connection sends its next message when the previous one\n"+
			"is answered, so the mean latency is the connections over the throughput (Little's law) and a stall\n"+
			"delays the messages behind it unmeasured. -rate R schedules R messages a second instead (an open loop)\n"+
			"and measures each latency from its scheduled time (coordinated omission corrected), the service time\n"+
			"from the actual send beside it; an offered rate not reached shows as achieved < offered.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *procs < 0 {
		return fmt.Errorf("-procs %d: want 0 (Go's default) or more", *procs)
	}
	if !(*rate >= 0) || math.IsInf(*rate, 0) {
		return fmt.Errorf("-rate %v: want 0 (closed loop) or a positive number of messages per second", *rate)
	}
	if *quantum <= 0 {
		return fmt.Errorf("-rate-quantum %v: want a positive duration", *quantum)
	}
	if *procs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(*procs))
	}
	cfg := load.Config{Conns: *conns, Batch: *batchSize, Duration: *duration,
		Requests: *requests, Rate: *rate, RateQuantum: *quantum, Keys: *keys, DataSize: *dataSize, Seed: *seed}
	cc := kmipclient.Config{Addr: *addr, CAFile: *caFile, CertFile: *certFile, KeyFile: *keyFile,
		ServerName: *serverName, InsecureSkipVerify: *insecure}
	var err error
	if cfg.Mix, err = load.ParseMix(*mixFlag); err != nil {
		return err
	}
	if *version != "auto" {
		if cc.Version, err = kmipclient.ParseVersion(*version); err != nil || !kmipclient.Supported(cc.Version) {
			return fmt.Errorf("-version %q: want auto or major.minor, 1.0 to 2.1", *version)
		}
	}
	if cc.Transport, err = kmipclient.ParseTransport(*transport); err != nil {
		return fmt.Errorf("-transport %q: want plain, tls, http-json or http-binary", *transport)
	}
	if *ciphers != "" {
		if cc.CipherSuites, err = kmipclient.ParseCipherSuites(*ciphers); err != nil {
			return fmt.Errorf("-tls-ciphers: %w", err)
		}
	}
	if (*certFile == "") != (*keyFile == "") {
		return errors.New("-cert and -key go together")
	}
	if cc.Addr == "" {
		addr, shutdown, err := startServer(ctx, cc.Transport)
		if err != nil {
			return fmt.Errorf("starting kmipd in-process: %w", err)
		}
		defer shutdown()
		cc.Addr = addr
		if cc.Transport == kmipclient.TLS {
			cc.InsecureSkipVerify = true // the in-process server's certificate is self-signed
		}
	}
	cfg.Client = cc
	cfg.Label = *label
	var progress io.Writer
	if !*quiet {
		progress = stderr
	}
	var prof *profiles
	if *traceFile != "" || *cpuFile != "" {
		if prof, err = newProfiles(*traceFile, *cpuFile); err != nil {
			return err
		}
		cfg.OnStart, cfg.OnStop = prof.start, prof.stop
	}
	rep, err := load.Run(ctx, cfg, progress)
	if prof != nil {
		err = errors.Join(err, prof.close())
	}
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
