package main

import (
	"context"
	"os"
	"time"

	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// startServer starts kmipd in-process on loopback — the same server and
// transports as cmd/kmipd, without its flags — and returns the address
// to load for the transport: host:port for the binary ones, the /kmip URL
// for HTTP JSON. TLS uses a self-signed certificate written to a
// temporary directory that shutdown removes.
func startServer(ctx context.Context, t kmipclient.Transport) (addr string, shutdown func(), err error) {
	cfg := kmipserver.EndpointConfig{Addr: "127.0.0.1:0", Plaintext: t == kmipclient.Plain}
	if t == kmipclient.HTTPJSON || t == kmipclient.HTTPBinary {
		cfg.Addr, cfg.HTTPAddr, cfg.Plaintext = "-", "127.0.0.1:0", true
	}
	if t == kmipclient.TLS {
		dir, err := os.MkdirTemp("", "kmipload-cert-")
		if err != nil {
			return "", nil, err
		}
		cfg.CertDir = dir
	}
	srv, err := kmipserver.Listen(ctx, cfg, kmipserver.New(kmipserver.Config{}))
	if err != nil {
		if cfg.CertDir != "" {
			os.RemoveAll(cfg.CertDir)
		}
		return "", nil, err
	}
	shutdown = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		if cfg.CertDir != "" {
			os.RemoveAll(cfg.CertDir)
		}
	}
	if t == kmipclient.HTTPJSON || t == kmipclient.HTTPBinary {
		return srv.HTTPURL(), shutdown, nil
	}
	return srv.Addr().String(), shutdown, nil
}
