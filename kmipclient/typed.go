package kmipclient

import (
	"context"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Typed makes a payload of package kmip — the generated type of any
// operation, every field of KMIP 1.0–2.1 — a Request, for what this
// package's request types leave out:
//
//	req := &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id), KeyWrapType: kmip.Some(kmip.KeyWrapTypeAsRegistered)}
//	var resp kmipclient.TypedResponse[kmip.GetResponsePayload, *kmip.GetResponsePayload]
//	err := c.Do(ctx, kmipclient.Typed(req), &resp)
func Typed(p kmip.RequestPayload) Request { return typedRequest{p} }

type typedRequest struct{ p kmip.RequestPayload }

func (t typedRequest) Operation() kmip.Operation { return t.p.Operation() }

func (t typedRequest) AppendPayload(b []byte, v Version) ([]byte, error) {
	return t.p.AppendTTLV(b, v), nil
}

// TypedResponse decodes a response into a payload of package kmip,
// Payload, reused from call to call (its fields alias the response's own
// buffer until the next decode).
type TypedResponse[T any, P interface {
	*T
	UnmarshalTTLV([]byte) error
}] struct {
	Payload T
	buf     []byte
}

// DecodePayload implements Response.
func (r *TypedResponse[T, P]) DecodePayload(b []byte, _ Version) error {
	r.buf = ttlv.AppendHeader(r.buf[:0], ttlv.TagResponsePayload, ttlv.TypeStructure, uint32(len(b)))
	r.buf = append(r.buf, b...)
	if err := P(&r.Payload).UnmarshalTTLV(r.buf); err != nil {
		return protoErr("response payload", err)
	}
	return nil
}

// DoTyped sends a payload of package kmip and returns the answer as the
// response payload type of its operation (kmip.DecodeResponsePayload), in
// a new value.
func (c *Client) DoTyped(ctx context.Context, req kmip.RequestPayload) (kmip.ResponsePayload, error) {
	var raw rawPayload
	if err := c.Do(ctx, Typed(req), &raw); err != nil {
		return nil, err
	}
	p, err := kmip.DecodeResponsePayload(req.Operation(), raw.buf, nil)
	if err != nil {
		return nil, protoErr("response payload", err)
	}
	return p, nil
}

// rawPayload keeps a copy of the whole Response Payload Structure.
type rawPayload struct{ buf []byte }

func (r *rawPayload) DecodePayload(b []byte, _ Version) error {
	r.buf = ttlv.AppendHeader(nil, ttlv.TagResponsePayload, ttlv.TypeStructure, uint32(len(b)))
	r.buf = append(r.buf, b...)
	return nil
}
