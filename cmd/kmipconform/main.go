// Command kmipconform runs the OASIS KMIP profile test cases (XML files,
// KMIP Additional Message Encodings v1.0 §5) against kmipwire's codecs and
// against a KMIP server.
//
// Usage:
//
//	kmipconform [-v] [-codec-only] [-typed] [-tls-fresh | -server ADDR [-tls -ca FILE -insecure]] DIR...
//
// It walks each DIR for *.xml files and runs, for every test case:
//
//   - the codec check: every RequestMessage and ResponseMessage converts XML
//     → binary → JSON → binary → XML, the binary byte-identical and the XML
//     structurally equal to the input (placeholders such as $NOW given
//     deterministic values);
//   - with -typed, the typed check: every message decoded into package
//     kmip's RequestMessage or ResponseMessage and encoded again, for the
//     protocol version of its header, must give the same bytes; per
//     profile it counts the messages that did and the items kept as
//     unknown (no type's field took them);
//   - unless -codec-only, the server replay: the requests are sent in order
//     to the server at ADDR (binary TTLV over TCP, or TLS with -tls), or
//     without -server to kmipwire's server in process (a fresh one per test
//     case), and each response is compared with the expected one, the test
//     case's placeholders bound as the run goes, values that describe the
//     server or are randomized (RSA encryption, server-generated IVs and
//     keys, ECDSA/PSS signatures) not compared byte for byte (the policy is
//     cmd/kmipconform/conform's Replay). In process, a test case that locates what
//     the previous one of its series made (TL-M-3, SASED-M-3) is replayed
//     after it on the same server.
//
// It prints a table per profile (files passed, failed, skipped because the
// server does not support an operation the test case requires — it answers
// Operation Not Supported, or its Query does not list it — unreadable
// because the file is not well-formed XML), then a line per file that did not pass with the first
// difference and its tag path (with -v, then a line per file). It exits 0
// only when nothing failed.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kmipwire/kmipwire/cmd/kmipconform/conform"
	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/kmiptest"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kmipconform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	codecOnly := fs.Bool("codec-only", false, "run the codec check only, no server replay")
	addr := fs.String("server", "", "replay against the KMIP server at `ADDR` (host:port, binary TTLV)")
	useTLS := fs.Bool("tls", false, "with -server: connect over TLS")
	tlsFresh := fs.Bool("tls-fresh", false, "replay over mutual TLS, each test case against a fresh in-process kmipd on a loopback listener of its own, with certificates made for it (kmipserver/kmiptest): the in-process replay's fresh servers, through the TLS transport")
	caFile := fs.String("ca", "", "with -tls: PEM `FILE` of the CA certificates to trust")
	insecure := fs.Bool("insecure", false, "with -tls: do not verify the server's certificate")
	timeout := fs.Duration("timeout", 10*time.Second, "bound on each request's round trip")
	typed := fs.Bool("typed", false, "also decode every message into package kmip's typed messages and encode it again: byte-exact, unknown items counted per profile")
	outOfScope := fs.String("out-of-scope", strings.Join(kmipserver.OutOfScope(), ","), "comma-separated `LIST` of the operations and object types the server declares out of scope: an expected Query answer is compared without those of them the server does not list (the default is kmipd's; \"\" compares every item)")
	verbose := fs.Bool("v", false, "also list every file with its outcome and the messages (steps) that passed")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kmipconform [-v] [-codec-only] [-typed] [-server ADDR [-tls -ca FILE -insecure]] DIR...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if (*useTLS || *caFile != "" || *insecure) && *addr == "" {
		fmt.Fprintln(stderr, "kmipconform: -tls, -ca and -insecure need -server")
		return 2
	}
	if *tlsFresh && (*addr != "" || *codecOnly) {
		fmt.Fprintln(stderr, "kmipconform: -tls-fresh starts its own servers: not with -server or -codec-only")
		return 2
	}
	files, err := conform.Walk(fs.Args()...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "kmipconform: no *.xml files found")
		return 1
	}
	failed := false
	codec, err := conform.RunCodec(files)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := codec.Write(stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *verbose {
		codec.WriteFiles(stdout)
	}
	failed = failed || codec.Failed()
	if *typed {
		fmt.Fprintln(stdout)
		rep, err := conform.RunTyped(files)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if err := rep.Write(stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		failed = failed || rep.Failed()
	}
	if !*codecOnly {
		var scope []string
		if *outOfScope != "" {
			scope = strings.Split(*outOfScope, ",")
		}
		srv := conform.Server{Timeout: *timeout, SkipUnlisted: true, Fresh: true, OutOfScope: scope, New: func() (conform.RoundTripper, func(), error) {
			return conform.InProcess{Handler: kmipserver.New(kmipserver.Config{Interop: true})}, func() {}, nil
		}}
		if *tlsFresh {
			srv.New = func() (conform.RoundTripper, func(), error) {
				ks, err := kmiptest.Start(kmipserver.Config{Interop: true})
				if err != nil {
					return nil, nil, err
				}
				c, err := conform.Dial(ctx, ks.Addr, ks.ClientTLS)
				if err != nil {
					ks.Close()
					return nil, nil, err
				}
				return c, func() { c.Close(); ks.Close() }, nil
			}
		}
		if *addr != "" {
			var tlsConf *tls.Config
			if *useTLS {
				tlsConf, err = clientTLS(*caFile, *insecure)
				if err != nil {
					fmt.Fprintln(stderr, "kmipconform:", err)
					return 1
				}
			}
			srv.Fresh = false // one long-lived server: the files run in order
			srv.New = func() (conform.RoundTripper, func(), error) {
				c, err := conform.Dial(ctx, *addr, tlsConf)
				if err != nil {
					return nil, nil, err
				}
				return c, func() { c.Close() }, nil
			}
		}
		fmt.Fprintln(stdout)
		rep, err := conform.RunServer(ctx, files, srv)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if err := rep.Write(stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if *verbose {
			rep.WriteFiles(stdout)
		}
		failed = failed || rep.Failed()
	}
	if failed {
		return 1
	}
	return 0
}

func clientTLS(caFile string, insecure bool) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // -insecure asks for it
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("no certificate in " + caFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}
