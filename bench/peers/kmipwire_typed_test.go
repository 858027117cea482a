package peers

import (
	"fmt"

	"github.com/kmipwire/kmipwire/kmip"
)

// kmipwire's typed layer: package kmip's RequestMessage and
// ResponseMessage, every payload typed by its Operation, decoded into a
// reused value and encoded into a reused buffer.
func init() {
	typedPaths["kmipwire"] = map[string]impl{
		"typed-unmarshal": {prepare: kwTypedUnmarshal},
		"typed-marshal":   {prepare: kwTypedMarshal},
	}
}

// kwTypedMessage is what both typed message types implement.
type kwTypedMessage interface {
	UnmarshalTTLV(b []byte) error
	AppendTTLV(b []byte, ver kmip.Version) []byte
}

func kwTyped(m *message) (kwTypedMessage, error) {
	var v kwTypedMessage
	switch m.kind {
	case "RequestMessage":
		v = new(kmip.RequestMessage)
	case "ResponseMessage":
		v = new(kmip.ResponseMessage)
	default:
		return nil, fmt.Errorf("no typed message for a %s", m.kind)
	}
	return v, v.UnmarshalTTLV(m.bin)
}

func kwTypedUnmarshal(m *message) (func() error, error) {
	v, err := kwTyped(m)
	if err != nil {
		return nil, err
	}
	return warm(func() error { return v.UnmarshalTTLV(m.bin) }, sameTree(m, v.AppendTTLV(nil, kmip.V2_1)))
}

func kwTypedMarshal(m *message) (func() error, error) {
	v, err := kwTyped(m)
	if err != nil {
		return nil, err
	}
	dst := v.AppendTTLV(nil, kmip.V2_1)
	return warm(func() error {
		dst = v.AppendTTLV(dst[:0], kmip.V2_1)
		return nil
	}, sameTree(m, dst))
}
