package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/internal/transport"
	"github.com/kmipwire/kmipwire/jsonttlv"
)

// newHandler returns the KMIP server behind the transports.
//
// Until internal/server is merged, every operation fails with Operation Not
// Supported (KMIP 2.1 §11.46): the transports can be run and measured.
// serverMerged reports whether newHandler returns internal/server.
const serverMerged = false

func newHandler(log *slog.Logger, o *options) transport.Handler {
	return &unsupported{opts: batch.Options{MaxItems: o.maxItems}}
}

const (
	reasonInvalidMessage        = 0x04
	reasonOperationNotSupported = 0x05
)

type unsupported struct{ opts batch.Options }

func (u *unsupported) ServeTTLV(ctx context.Context, dst, req []byte) []byte {
	var s batch.Splitter
	var a batch.Assembler
	h, err := s.Reset(req, u.opts)
	if err != nil {
		a.Begin(dst, 2, 1, time.Now().Unix())
		a.Failure(0, nil, reasonInvalidMessage, err.Error())
		return a.Finish()
	}
	a.Begin(dst, h.Major, h.Minor, time.Now().Unix())
	var it batch.Item
	for s.Next(&it) == nil {
		a.Failure(it.Operation, it.ID, reasonOperationNotSupported, "operation not supported")
	}
	return a.Finish()
}

func (u *unsupported) ServeJSON(ctx context.Context, dst, req []byte) []byte {
	bin, err := jsonttlv.AppendBinary(nil, req, jsonttlv.DecodeOptions{})
	if err != nil {
		bin = nil
	}
	out := u.ServeTTLV(ctx, nil, bin)
	res, err := jsonttlv.AppendJSON(dst, out, jsonttlv.EncodeOptions{})
	if err != nil {
		return append(dst, `{}`...)
	}
	return res
}

func (u *unsupported) ServeOperationJSON(ctx context.Context, dst, req []byte) ([]byte, bool) {
	return append(dst, "operation not supported"...), false
}
