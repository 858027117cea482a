package kmip

import (
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// Encoder is what every generated type implements to encode itself.
type Encoder interface {
	AppendTTLV(b []byte, ver Version) []byte
}

// Decoder is what every generated type implements to decode itself.
type Decoder interface {
	UnmarshalTTLV(b []byte) error
}

// AppendJSON appends v in the JSON form (KMIP Additional Message Encodings
// v1.0 §4) for protocol version ver: v's binary encoding converted by
// jsonttlv, the one JSON encoder of the module.
func AppendJSON(dst []byte, v Encoder, ver Version, opts jsonttlv.EncodeOptions) ([]byte, error) {
	return jsonttlv.AppendJSON(dst, v.AppendTTLV(nil, ver), opts)
}

// UnmarshalJSON decodes v from its JSON form: converted to binary by
// jsonttlv, then decoded as UnmarshalTTLV does. v aliases the binary form,
// which is allocated for it.
func UnmarshalJSON(src []byte, v Decoder, opts jsonttlv.DecodeOptions) error {
	b, err := jsonttlv.AppendBinary(nil, src, opts)
	if err != nil {
		return err
	}
	return v.UnmarshalTTLV(b)
}

// AppendXML appends v in the XML form (KMIP Additional Message Encodings
// v1.0 §5) for protocol version ver, converted by xmlttlv.
func AppendXML(dst []byte, v Encoder, ver Version, opts xmlttlv.EncodeOptions) ([]byte, error) {
	return xmlttlv.AppendXML(dst, v.AppendTTLV(nil, ver), opts)
}

// UnmarshalXML decodes v from its XML form, converted to binary by xmlttlv.
func UnmarshalXML(src []byte, v Decoder, opts xmlttlv.DecodeOptions) error {
	b, err := xmlttlv.AppendBinary(nil, src, opts)
	if err != nil {
		return err
	}
	return v.UnmarshalTTLV(b)
}
