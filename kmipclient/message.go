package kmipclient

import (
	"encoding/binary"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Response receives the response payload of one operation. Result, the
// generated payload type of package kmip decoded in place, is the one to
// use; a Response reused across calls allocates nothing once it has grown.
type Response interface {
	// DecodePayload reads the contents of a ResponsePayload (the
	// Structure's value, without its header; empty when the server sent
	// none) in protocol version v. payload is only valid during the call.
	DecodePayload(payload []byte, v Version) error
}

// msgHeader is what a RequestHeader carries besides the version.
type msgHeader struct {
	version      Version
	continuation kmip.BatchErrorContinuationOption
	maxResponse  int32
}

// appendRequestHeader begins a RequestMessage and writes its header for n
// items; the caller appends the items and ends the message at mark.
func appendRequestHeader(b []byte, h msgHeader, n int) ([]byte, int) {
	b, mark := ttlv.BeginStructure(b, ttlv.TagRequestMessage)
	b, hm := ttlv.BeginStructure(b, ttlv.TagRequestHeader)
	b, pm := ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, major(h.version))
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, minor(h.version))
	ttlv.EndStructure(b, pm)
	if h.maxResponse > 0 {
		b = ttlv.AppendInteger(b, ttlv.TagMaximumResponseSize, h.maxResponse)
	}
	if h.continuation != 0 {
		b = ttlv.AppendEnumeration(b, ttlv.TagBatchErrorContinuationOption, uint32(h.continuation))
	}
	b = ttlv.AppendInteger(b, ttlv.TagBatchCount, int32(n))
	ttlv.EndStructure(b, hm)
	return b, mark
}

// appendItem appends one BatchItem, its payload in version v's form
// (requestForm); id is its Unique Batch Item ID, or -1 for none (a
// one-item message).
func appendItem(b []byte, req kmip.RequestPayload, v Version, id int) ([]byte, error) {
	op := req.Operation()
	req, err := requestForm(req, op, v)
	if err != nil {
		return b, err
	}
	b, im := ttlv.BeginStructure(b, ttlv.TagBatchItem)
	b = ttlv.AppendEnumeration(b, ttlv.TagOperation, uint32(op))
	if id >= 0 {
		var idb [4]byte
		binary.BigEndian.PutUint32(idb[:], uint32(id))
		b = ttlv.AppendByteString(b, ttlv.TagUniqueBatchItemID, idb[:])
	}
	b = req.AppendTTLV(b, v)
	if !ttlv.EndStructure(b, im) {
		return b, protoErrf("request item too large")
	}
	return b, nil
}

// itemResult is one response BatchItem; slices alias the response.
type itemResult struct {
	seen    bool
	op      kmip.Operation
	status  kmip.ResultStatus
	reason  kmip.ResultReason
	message []byte
	payload []byte // the ResponsePayload's contents
}

// err is the item's failure, or nil.
func (r *itemResult) err(index int, op kmip.Operation) error {
	if !r.seen {
		return ErrNotExecuted
	}
	if r.status == kmip.ResultStatusSuccess {
		return nil
	}
	return &Error{Operation: op, Index: index, Status: r.status, Reason: r.reason, Message: string(r.message)}
}

// parseResponse checks a ResponseMessage and fills results, which has one
// entry per request item, matched by Unique Batch Item ID when the server
// echoes it and by position otherwise. It returns the response's version.
func parseResponse(msg []byte, opts ttlv.DecodeOptions, results []itemResult) (Version, error) {
	for i := range results {
		results[i] = itemResult{}
	}
	if err := ttlv.Validate(msg, opts); err != nil {
		return 0, protoErr("malformed TTLV", err)
	}
	tag, body, _ := ttlv.ConsumeStructure(msg)
	if tag != ttlv.TagResponseMessage {
		return 0, protoErrf("%v instead of a ResponseMessage", tag)
	}
	// Validate accepted msg: its items are split off with their bounds
	// checked only (split), not each value again.
	var v Version
	pos := 0
	for len(body) > 0 {
		tag, typ, val, n := split(body)
		if n < 0 {
			return 0, protoErr("malformed TTLV", ttlv.ParseError(n))
		}
		body = body[n:]
		switch {
		case tag == ttlv.TagResponseHeader && typ == ttlv.TypeStructure:
			v = headerVersion(val)
		case tag == ttlv.TagBatchItem && typ == ttlv.TypeStructure:
			var r itemResult
			id := -1
			for len(val) > 0 {
				t, ty, fv, k := split(val)
				if k < 0 {
					return 0, protoErr("malformed TTLV", ttlv.ParseError(k))
				}
				val = val[k:]
				switch {
				case t == ttlv.TagOperation && ty == ttlv.TypeEnumeration:
					r.op = kmip.Operation(binary.BigEndian.Uint32(fv))
				case t == ttlv.TagUniqueBatchItemID && ty == ttlv.TypeByteString:
					if len(fv) == 4 {
						id = int(binary.BigEndian.Uint32(fv))
					} else {
						id = -2
					}
				case t == ttlv.TagResultStatus && ty == ttlv.TypeEnumeration:
					r.status = kmip.ResultStatus(binary.BigEndian.Uint32(fv))
				case t == ttlv.TagResultReason && ty == ttlv.TypeEnumeration:
					r.reason = kmip.ResultReason(binary.BigEndian.Uint32(fv))
				case t == ttlv.TagResultMessage && ty.IsString():
					r.message = fv
				case t == ttlv.TagResponsePayload && ty == ttlv.TypeStructure:
					r.payload = fv
				}
			}
			r.seen = true
			i := pos
			if id >= 0 && len(results) > 1 {
				i = id
			} else if id == -2 && len(results) > 1 {
				return 0, protoErrf("batch item %d: a Unique Batch Item ID this client did not send", pos)
			}
			if i >= len(results) {
				// One item without a payload answers a message the server
				// could not parse (Invalid Message): report it for item 0.
				if len(results) > 0 && pos == 0 && r.status != kmip.ResultStatusSuccess {
					i = 0
				} else {
					return 0, protoErrf("%d batch items answered, %d sent", pos+1, len(results))
				}
			}
			if results[i].seen {
				return 0, protoErrf("batch item %d answered twice", i)
			}
			results[i] = r
			pos++
		}
	}
	if v == 0 {
		return 0, protoErrf("no ResponseHeader with a ProtocolVersion")
	}
	return v, nil
}

// split splits the first item off b, part of a message ttlv.Validate
// accepted: its tag, type, value (without padding) and length with
// padding, n < 0 (a ttlv.ParseError) when b is too short for it — the
// only check, the values having been checked by Validate.
func split(b []byte) (tag ttlv.Tag, typ ttlv.Type, v []byte, n int) {
	tag, typ, length, n := ttlv.ConsumeHeader(b)
	if n < 0 {
		return 0, 0, nil, n
	}
	end := ttlv.HeaderSize + (int(length)+7)&^7
	if uint64(length) > uint64(len(b)-ttlv.HeaderSize) || end > len(b) {
		_, _, _, n = ttlv.ConsumeValue(b) // its error for the same bounds
		return tag, typ, nil, n
	}
	return tag, typ, b[ttlv.HeaderSize : ttlv.HeaderSize+int(length)], end
}

// headerVersion reads the ProtocolVersion of a ResponseHeader (part of a
// message Validate accepted).
func headerVersion(h []byte) Version {
	for len(h) > 0 {
		tag, typ, val, n := split(h)
		if n < 0 {
			return 0
		}
		h = h[n:]
		if tag == ttlv.TagProtocolVersion && typ == ttlv.TypeStructure {
			var major, minor int32 = -1, -1
			for len(val) > 0 {
				t, ty, fv, k := split(val)
				if k < 0 || ty != ttlv.TypeInteger || len(fv) != 4 {
					break // as ttlv.ConsumeInteger refuses it
				}
				val = val[k:]
				x := int32(binary.BigEndian.Uint32(fv))
				switch t {
				case ttlv.TagProtocolVersionMajor:
					major = x
				case ttlv.TagProtocolVersionMinor:
					minor = x
				}
			}
			if major >= 0 && minor >= 0 {
				return MakeVersion(major, minor)
			}
		}
	}
	return 0
}
