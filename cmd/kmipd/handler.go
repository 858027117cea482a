package main

import (
	"log/slog"

	"github.com/kmipwire/kmipwire/kmipserver"
)

// newHandler returns the KMIP server behind the transports.
func newHandler(log *slog.Logger, o *options) kmipserver.Handler {
	return kmipserver.New(kmipserver.Config{
		Logger:         log,
		MaxMessageSize: o.tc.MaxMessageSize,
		MaxDepth:       o.maxDepth,
		MaxItems:       o.maxItems,
		MaxRSABits:     o.maxRSABits,
		StrictJSON:     o.strictJSON,
	})
}
