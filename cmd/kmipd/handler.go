package main

import (
	"log/slog"

	"github.com/kmipwire/kmipwire/internal/server"
	"github.com/kmipwire/kmipwire/internal/transport"
)

// newHandler returns the KMIP server behind the transports.
func newHandler(log *slog.Logger, o *options) transport.Handler {
	return server.New(server.Config{
		Logger:         log,
		MaxMessageSize: o.tc.MaxMessageSize,
		MaxDepth:       o.maxDepth,
		MaxItems:       o.maxItems,
		MaxRSABits:     o.maxRSABits,
		StrictJSON:     o.strictJSON,
	})
}
