package fuzz

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// roundTripVersion is the version Typed encodes for.
const roundTripVersion = kmip.V3_0

// typedMessage is what kmip.RequestMessage and kmip.ResponseMessage share.
type typedMessage interface {
	UnmarshalTTLV(b []byte) error
	AppendTTLV(b []byte, ver kmip.Version) []byte
	Unknown() []kmip.Raw
}

// Typed checks package kmip's typed messages: decoding never panics and
// fails with a *kmip.DecodeError; whatever it accepts encodes back to
// exactly its input, decodes alike a second time into the same (reused)
// value, and its Clone encodes alike too. It encodes for KMIP 3.0
// (kmip.V3_0), the version for which a decoded value keeps every form it
// was read in: for an earlier one the KMIP 3.0 draft's items and text
// types are left out or written as that version has them.
func Typed(in []byte) (bool, error) {
	if len(in) > MaxInput {
		return false, nil
	}
	var v typedMessage
	var clone func() typedMessage
	tag, _, _, _ := ttlv.ConsumeHeader(in)
	if tag == ttlv.TagResponseMessage {
		m := new(kmip.ResponseMessage)
		v, clone = m, func() typedMessage { return m.Clone() }
	} else {
		m := new(kmip.RequestMessage)
		v, clone = m, func() typedMessage { return m.Clone() }
	}
	if err := v.UnmarshalTTLV(in); err != nil {
		var de *kmip.DecodeError
		if !errors.As(err, &de) {
			return false, fmt.Errorf("typed decode error %T is not a *kmip.DecodeError: %v", err, err)
		}
		if de.Offset < 0 || de.Offset > len(in) {
			return false, fmt.Errorf("typed decode error offset %d outside the %d-byte input", de.Offset, len(in))
		}
		return false, nil
	}
	out := v.AppendTTLV(nil, roundTripVersion)
	if !bytes.Equal(out, in) {
		return true, fmt.Errorf("typed decode → encode differs: %d bytes in, %d out", len(in), len(out))
	}
	c := clone()
	if err := v.UnmarshalTTLV(in); err != nil {
		return true, fmt.Errorf("second typed decode into the reused value: %v", err)
	}
	if out2 := v.AppendTTLV(nil, roundTripVersion); !bytes.Equal(out2, in) {
		return true, errors.New("typed decode into a reused value encodes differently")
	}
	if out3 := c.AppendTTLV(nil, roundTripVersion); !bytes.Equal(out3, in) {
		return true, errors.New("the Clone of a typed message encodes differently")
	}
	return true, nil
}
