package fuzz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// serveTimeout bounds one request: a fuzzer that asks for an RSA-4096 key
// pair should not hang the run.
const serveTimeout = 10 * time.Second

// checkResponseMessage checks that resp is one strictly valid
// ResponseMessage with a ResponseHeader (ProtocolVersion, TimeStamp,
// BatchCount) whose BatchCount counts its BatchItems, each with an
// Operation-independent ResultStatus; it returns the number of items.
// A KMIP 3.0 response carries no BatchCount: the KMIP 3.0 committee draft
// reserves that tag (as batch.Assembler does), so there the check is that none is present.
func checkResponseMessage(resp []byte) (int, error) {
	var v ttlv.Value
	if err := ttlv.Unmarshal(resp, &v); err != nil {
		return 0, fmt.Errorf("response is not valid TTLV: %w", err)
	}
	if v.Tag != ttlv.TagResponseMessage || v.Type != ttlv.TypeStructure || len(v.Children) == 0 {
		return 0, fmt.Errorf("response is a %v %v, want a ResponseMessage Structure", v.Tag, v.Type)
	}
	h := &v.Children[0]
	if h.Tag != ttlv.TagResponseHeader || h.Child(ttlv.TagProtocolVersion) == nil || h.Child(ttlv.TagTimeStamp) == nil {
		return 0, fmt.Errorf("response lacks a ResponseHeader with ProtocolVersion and TimeStamp")
	}
	major := int64(-1)
	if pv := h.Child(ttlv.TagProtocolVersion); pv != nil {
		if m := pv.Child(ttlv.TagProtocolVersionMajor); m != nil {
			major = m.Num
		}
	}
	count := h.Child(ttlv.TagBatchCount)
	switch {
	case major >= 3 && count != nil:
		return 0, fmt.Errorf("a KMIP 3 response header carries a BatchCount")
	case major < 3 && (count == nil || count.Type != ttlv.TypeInteger):
		return 0, fmt.Errorf("response header lacks an Integer BatchCount")
	}
	items := 0
	for i := 1; i < len(v.Children); i++ {
		c := &v.Children[i]
		if c.Tag != ttlv.TagBatchItem || c.Type != ttlv.TypeStructure {
			return 0, fmt.Errorf("response child %d is a %v %v, want a BatchItem", i, c.Tag, c.Type)
		}
		if st := c.Child(ttlv.TagResultStatus); st == nil || st.Type != ttlv.TypeEnumeration {
			return 0, fmt.Errorf("response item %d lacks a ResultStatus", items)
		}
		items++
	}
	if items == 0 {
		return 0, fmt.Errorf("response has no BatchItem")
	}
	if count != nil && int64(items) != count.Num {
		return 0, fmt.Errorf("response has %d BatchItems, BatchCount %d", items, count.Num)
	}
	return items, nil
}

// Serve checks the in-process server's handler on in: whatever the bytes,
// ServeTTLV answers (it never panics: a panic fails the fuzz run) with a
// valid ResponseMessage; a request that splits into N items gets at most N
// results; and the JSON form of a valid request gets, through ServeJSON,
// JSON that converts to a valid ResponseMessage. It reports whether in
// split cleanly.
func Serve(in []byte) (bool, error) {
	if len(in) > MaxInput {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), serveTimeout)
	defer cancel()
	s := newFuzzServer()
	n, err := checkResponseMessage(s.ServeTTLV(ctx, nil, in))
	if err != nil {
		return false, fmt.Errorf("ServeTTLV: %w", err)
	}
	var sp batch.Splitter
	var it batch.Item
	items, clean := 0, false
	if _, err := sp.Reset(in, batch.Options{Decode: decodeOpts}); err == nil {
		for {
			err := sp.Next(&it)
			if err == io.EOF {
				clean = true
				break
			}
			var be *batch.Error
			if err != nil && !(errors.As(err, &be) && be.Item == it.Index && be.Item >= 0) {
				break
			}
			items++
		}
	}
	if clean && n > items {
		return clean, fmt.Errorf("ServeTTLV: %d results for %d request items", n, items)
	}
	if ttlv.Validate(in, decodeOpts) == nil && len(in) > 0 {
		js, err := jsonttlv.AppendJSON(nil, in, jsonttlv.EncodeOptions{Decode: decodeOpts})
		if err != nil {
			return clean, fmt.Errorf("AppendJSON of a valid message: %w", err)
		}
		out := newFuzzServer().ServeJSON(ctx, nil, js)
		if !json.Valid(out) {
			return clean, fmt.Errorf("ServeJSON wrote invalid JSON: %q", out)
		}
		bin, err := jsonttlv.AppendBinary(nil, out, jsonttlv.DecodeOptions{})
		if err != nil {
			return clean, fmt.Errorf("ServeJSON's answer does not convert: %w", err)
		}
		if _, err := checkResponseMessage(bin); err != nil {
			return clean, fmt.Errorf("ServeJSON: %w", err)
		}
	}
	return clean, nil
}

// newFuzzServer returns the server under fuzzing, RSA key generation off:
// an RSA-4096 Create Key Pair costs a second of CPU, mutated inputs ask for
// it often, and each such input would slow the fuzzer a thousandfold
// without exercising anything of this project's.
func newFuzzServer() *kmipserver.Server {
	return kmipserver.New(kmipserver.Config{MaxMessageSize: MaxInput, MaxRSABits: -1})
}
