package main

import (
	"fmt"
	"log/slog"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/boltstore"
)

// newServer returns the KMIP server behind the transports: its objects in
// memory, or with -data in a bbolt file in that directory; its access
// control from -client-ca, -tokens, -identities and -admin (the tokens go
// to o.tc, for the HTTP transport).
func newServer(log *slog.Logger, o *options) (*kmipserver.Server, error) {
	cfg := kmipserver.Config{
		Logger:         log,
		MaxMessageSize: o.tc.MaxMessageSize,
		MaxDepth:       o.maxDepth,
		MaxItems:       o.maxItems,
		MaxRSABits:     o.maxRSABits,
		StrictJSON:     o.strictJSON,
		Interop:        o.interop,
		Middleware:     o.middleware,
	}
	if err := accessConfig(log, o, &cfg); err != nil {
		return nil, err
	}
	if err := caConfig(log, o, &cfg); err != nil {
		return nil, err
	}
	if o.dataDir == "" {
		log.Info("objects are kept in memory only (-data DIR keeps them)")
		return kmipserver.New(cfg), nil
	}
	st, err := boltstore.Open(o.dataDir)
	if err != nil {
		return nil, err
	}
	srv, err := kmipserver.Open(cfg, st)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("-data %s: %w", o.dataDir, err)
	}
	log.Info("objects are kept on disk", "data", o.dataDir)
	return srv, nil
}
