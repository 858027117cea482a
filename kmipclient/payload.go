package kmipclient

import (
	"fmt"
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// payload is a response's own copy of its payload, decoded into a tree that
// is reused from call to call: the response's byte slices alias buf, and
// decoding allocates nothing once buf and the tree have grown.
type payload struct {
	buf  []byte
	tree ttlv.Value
}

// laxAll: the response was validated (with Config.Lax) before the payload
// is read again here.
const laxAll = ^ttlv.Lax(0)

func (p *payload) load(contents []byte) (*ttlv.Value, error) {
	p.buf = ttlv.AppendHeader(p.buf[:0], ttlv.TagResponsePayload, ttlv.TypeStructure, uint32(len(contents)))
	p.buf = append(p.buf, contents...)
	if err := ttlv.UnmarshalOptions(p.buf, &p.tree, ttlv.DecodeOptions{Lax: laxAll}); err != nil {
		return nil, protoErr("response payload", err)
	}
	return &p.tree, nil
}

// setString sets *s to b, allocating only when the text changed.
func setString(s *string, b []byte) {
	if *s != string(b) {
		*s = string(b)
	}
}

// text sets *s to the Text String child t of v ("" when absent).
func text(s *string, v *ttlv.Value, t ttlv.Tag) {
	if c := v.Child(t); c != nil {
		setString(s, c.Bytes)
	} else {
		*s = ""
	}
}

// bytesOf is the bytes of child t of v, or nil.
func bytesOf(v *ttlv.Value, t ttlv.Tag) []byte {
	if c := v.Child(t); c != nil {
		return c.Bytes
	}
	return nil
}

// num is the number of child t of v, or 0.
func num(v *ttlv.Value, t ttlv.Tag) int64 {
	if c := v.Child(t); c != nil {
		return c.Num
	}
	return 0
}

// beginPayload starts a RequestPayload.
func beginPayload(b []byte) ([]byte, int) { return ttlv.BeginStructure(b, ttlv.TagRequestPayload) }

func endPayload(b []byte, m int) ([]byte, error) {
	if !ttlv.EndStructure(b, m) {
		return b, fmt.Errorf("kmipclient: request payload too large")
	}
	return b, nil
}

// appendText appends a Text String unless s is empty.
func appendText(b []byte, t ttlv.Tag, s string) []byte {
	if s == "" {
		return b
	}
	return ttlv.AppendTextString(b, t, s)
}

// appendBytes appends a Byte String unless v is nil.
func appendBytes(b []byte, t ttlv.Tag, v []byte) []byte {
	if v == nil {
		return b
	}
	return ttlv.AppendByteString(b, t, v)
}

// appendEnum appends an Enumeration unless v is 0.
func appendEnum(b []byte, t ttlv.Tag, v uint32) []byte {
	if v == 0 {
		return b
	}
	return ttlv.AppendEnumeration(b, t, v)
}

// appendInt appends an Integer unless v is 0.
func appendInt(b []byte, t ttlv.Tag, v int32) []byte {
	if v == 0 {
		return b
	}
	return ttlv.AppendInteger(b, t, v)
}

// CryptographicParameters says how a cryptographic operation uses its key
// (KMIP 2.1 §4.12, 1.4 §3.6). Zero fields are left out.
type CryptographicParameters struct {
	BlockCipherMode           kmip.BlockCipherMode
	PaddingMethod             kmip.PaddingMethod
	HashingAlgorithm          kmip.HashingAlgorithm
	KeyRoleType               kmip.KeyRoleType
	DigitalSignatureAlgorithm kmip.DigitalSignatureAlgorithm
	CryptographicAlgorithm    kmip.CryptographicAlgorithm
	// RandomIV asks the server to generate the IV (KMIP 1.2+).
	RandomIV  bool
	IVLength  int32 // bits
	TagLength int32 // bytes
	// MaskGenerator and its hash, for RSA-OAEP and RSA-PSS (KMIP 1.4+).
	MaskGenerator                 kmip.MaskGenerator
	MaskGeneratorHashingAlgorithm kmip.HashingAlgorithm
}

func (p *CryptographicParameters) append(b []byte) []byte {
	if p == nil {
		return b
	}
	b, m := ttlv.BeginStructure(b, ttlv.TagCryptographicParameters)
	b = appendEnum(b, ttlv.TagBlockCipherMode, uint32(p.BlockCipherMode))
	b = appendEnum(b, ttlv.TagPaddingMethod, uint32(p.PaddingMethod))
	b = appendEnum(b, ttlv.TagHashingAlgorithm, uint32(p.HashingAlgorithm))
	b = appendEnum(b, ttlv.TagKeyRoleType, uint32(p.KeyRoleType))
	b = appendEnum(b, ttlv.TagDigitalSignatureAlgorithm, uint32(p.DigitalSignatureAlgorithm))
	b = appendEnum(b, ttlv.TagCryptographicAlgorithm, uint32(p.CryptographicAlgorithm))
	if p.RandomIV {
		b = ttlv.AppendBoolean(b, ttlv.TagRandomIV, true)
	}
	b = appendInt(b, ttlv.TagIVLength, p.IVLength)
	b = appendInt(b, ttlv.TagTagLength, p.TagLength)
	b = appendEnum(b, ttlv.TagMaskGenerator, uint32(p.MaskGenerator))
	b = appendEnum(b, ttlv.TagMaskGeneratorHashingAlgorithm, uint32(p.MaskGeneratorHashingAlgorithm))
	ttlv.EndStructure(b, m)
	return b
}

// appendTime appends a Date-Time unless t is zero.
func appendTime(b []byte, tag ttlv.Tag, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return ttlv.AppendDateTime(b, tag, t.Unix())
}
