package kmipclient

import (
	"fmt"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Result is a Response that decodes into Payload, a response payload type
// of package kmip (kmip.GetResponsePayload, kmip.EncryptResponsePayload,
// …). Payload's strings, byte slices and Raw items alias the Result's own
// copy of the answer: they stay valid until the Result is decoded into
// again. Reused from call to call, a Result allocates nothing once it has
// grown to the answer's shape:
//
//	req := &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}
//	var resp kmipclient.Result[kmip.GetResponsePayload]
//	err := c.Do(ctx, req, &resp) // resp.Payload.SymmetricKey, …
//
// In a KMIP 1.x session the 1.x forms of an answer are also given in the
// 2.x fields, as the client's requests take them: Get Attributes'
// Attribute list as Attributes, Get Attribute List's Attribute Names as
// Attribute References (custom names stay Attribute Names).
type Result[T any] struct {
	// Payload is the decoded answer.
	Payload T
	buf     []byte
}

// DecodePayload implements Response.
func (r *Result[T]) DecodePayload(b []byte, v Version) error {
	d, ok := any(&r.Payload).(kmip.Decoder)
	if !ok {
		return fmt.Errorf("kmipclient: Result[%T]: not a payload type of package kmip", r.Payload)
	}
	r.buf = ttlv.AppendHeader(r.buf[:0], ttlv.TagResponsePayload, ttlv.TypeStructure, uint32(len(b)))
	r.buf = append(r.buf, b...)
	if err := d.UnmarshalTTLV(r.buf); err != nil {
		return protoErr("response payload", err)
	}
	if v < V2_0 {
		return responseForm(d)
	}
	return nil
}

// rawResult keeps a copy of the whole Response Payload Structure.
type rawResult struct{ buf []byte }

func (r *rawResult) DecodePayload(b []byte, _ Version) error {
	r.buf = ttlv.AppendHeader(nil, ttlv.TagResponsePayload, ttlv.TypeStructure, uint32(len(b)))
	r.buf = append(r.buf, b...)
	return nil
}
