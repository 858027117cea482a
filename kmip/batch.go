package kmip

import (
	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// DecodeRequestPayload decodes the Request Payload of a batch.Splitter item
// into the payload type of the item's Operation (a *RawRequestPayload for
// an operation without one), reusing old when it is of that type: with the
// same old, a server decoding batch after batch allocates nothing once
// warm. The payload aliases the item's message. An item without a payload
// gives nil.
func DecodeRequestPayload(it *batch.Item, old RequestPayload) (RequestPayload, error) {
	if it.Payload == nil {
		return nil, nil
	}
	op := Operation(it.Operation)
	p := newRequestPayload(old, op, true)
	if raw, ok := p.(*RawRequestPayload); ok {
		raw.Op = op
	}
	if err := unmarshalTTLV(p, ttlv.TagRequestPayload, it.Payload); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodeResponsePayload decodes b, one Response Payload Structure, into
// the payload type of operation op, reusing old when it is of that type.
func DecodeResponsePayload(op Operation, b []byte, old ResponsePayload) (ResponsePayload, error) {
	p := newResponsePayload(old, op, true)
	if raw, ok := p.(*RawResponsePayload); ok {
		raw.Op = op
	}
	if err := unmarshalTTLV(p, ttlv.TagResponsePayload, b); err != nil {
		return nil, err
	}
	return p, nil
}

// AppendSuccess appends a successful result of operation op carrying the
// typed payload p to the batch.Assembler a, encoded in place for protocol
// version ver (no copy); id is the request item's Unique Batch Item ID, nil
// for none. A nil p appends a result without a payload.
func AppendSuccess(a *batch.Assembler, op Operation, id []byte, p ResponsePayload, ver Version) {
	if p == nil {
		a.Success(uint32(op), id, nil)
		return
	}
	buf, mark := a.BeginSuccess(uint32(op), id)
	buf = p.AppendTTLV(buf, ver)
	a.EndSuccess(buf, mark)
}
