package conform

import (
	"bytes"
	"fmt"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// TypedResult is the typed check of one message.
type TypedResult struct {
	Message *Message
	// Err is nil when the message went through the types byte-exact.
	Err error
	// Unknown holds the items no field of a type took (kept, and written
	// back in place).
	Unknown []kmip.Raw
	// Bytes is the size of the binary form.
	Bytes int
}

// CheckTyped runs the typed check on every message of tc: the XML (its
// placeholders given deterministic values) to binary, the binary decoded
// into kmip.RequestMessage or kmip.ResponseMessage and encoded again, which
// must give the same bytes.
func CheckTyped(tc *TestCase) []TypedResult {
	out := make([]TypedResult, 0, len(tc.Messages))
	var req kmip.RequestMessage
	var resp kmip.ResponseMessage
	for i := range tc.Messages {
		m := &tc.Messages[i]
		r := TypedResult{Message: m}
		ph := newPlaceholders()
		b, err := xmlttlv.AppendBinary(nil, m.XML, xmlttlv.DecodeOptions{Registry: Registry(), Placeholder: ph.codec})
		if err == nil {
			r.Bytes = len(b)
			r.Unknown, err = typedRoundTrip(b, &req, &resp)
		}
		if err != nil {
			r.Err = fmt.Errorf("message %d (line %d): %w", m.Index, m.Line, err)
		}
		out = append(out, r)
	}
	return out
}

// typedRoundTrip decodes message b into req or resp (by its tag), encodes
// it and compares.
func typedRoundTrip(b []byte, req *kmip.RequestMessage, resp *kmip.ResponseMessage) ([]kmip.Raw, error) {
	tag, _, _, _ := ttlv.ConsumeHeader(b)
	var out []byte
	var unknown []kmip.Raw
	switch tag {
	case ttlv.TagRequestMessage:
		if err := req.UnmarshalTTLV(b); err != nil {
			return nil, fmt.Errorf("typed decode: %w", err)
		}
		out = req.AppendTTLV(nil, kmip.V2_1)
		unknown = req.Unknown()
	case ttlv.TagResponseMessage:
		if err := resp.UnmarshalTTLV(b); err != nil {
			return nil, fmt.Errorf("typed decode: %w", err)
		}
		out = resp.AppendTTLV(nil, kmip.V2_1)
		unknown = resp.Unknown()
	default:
		return nil, fmt.Errorf("typed decode: a %s is not a message", tag)
	}
	if !bytes.Equal(b, out) {
		return unknown, fmt.Errorf("typed encode: %s", firstByteDiff(b, out))
	}
	return unknown, nil
}
