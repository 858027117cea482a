package peers

import (
	"fmt"

	kmip "github.com/ovh/kmip-go"
	_ "github.com/ovh/kmip-go/payloads" // registers the operations' payload types
	ovh "github.com/ovh/kmip-go/ttlv"
)

// ovh's typed layer: kmip.RequestMessage and kmip.ResponseMessage, every
// payload a Go struct (package payloads registers them; without it they
// stay kmip.UnknownPayload), through ttlv.UnmarshalTTLV and an Encoder.
func init() {
	typedPaths["ovh"] = map[string]impl{
		"typed-unmarshal": {prepare: ovhTypedUnmarshal},
		"typed-marshal":   {prepare: ovhTypedMarshal},
	}
}

// ovhTyped returns a new typed message for m's kind.
func ovhTyped(m *message) (any, error) {
	switch m.kind {
	case "RequestMessage":
		return new(kmip.RequestMessage), nil
	case "ResponseMessage":
		return new(kmip.ResponseMessage), nil
	}
	return nil, fmt.Errorf("no typed message for a %s", m.kind)
}

func ovhTypedMarshalOnce(e *ovh.Encoder, v any) []byte {
	e.Clear()
	e.Any(v)
	return e.Bytes()
}

func ovhTypedUnmarshal(m *message) (func() error, error) {
	v, err := ovhTyped(m)
	if err != nil {
		return nil, err
	}
	op := func() error {
		v, _ = ovhTyped(m)
		return ovh.UnmarshalTTLV(m.bin, v)
	}
	if err := op(); err != nil {
		return nil, err
	}
	e := ovh.NewTTLVEncoder()
	return op, sameTree(m, ovhTypedMarshalOnce(&e, v))
}

func ovhTypedMarshal(m *message) (func() error, error) {
	v, err := ovhTyped(m)
	if err != nil {
		return nil, err
	}
	if err := ovh.UnmarshalTTLV(m.bin, v); err != nil {
		return nil, err
	}
	e := ovh.NewTTLVEncoder()
	return warm(func() error {
		ovhTypedMarshalOnce(&e, v)
		return nil
	}, sameTree(m, ovhTypedMarshalOnce(&e, v)))
}
