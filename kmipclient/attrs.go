package kmipclient

import (
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Shorthands for the commonest values of the payloads of package kmip.

// AES returns the attributes of an AES key of bits bits for Encrypt and
// Decrypt.
func AES(bits int32) *kmip.Attributes {
	return &kmip.Attributes{CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES),
		CryptographicLength:    kmip.Some(bits),
		CryptographicUsageMask: kmip.Some(kmip.CryptographicUsageMaskEncrypt | kmip.CryptographicUsageMaskDecrypt)}
}

// Name returns a Name attribute value of type Uninterpreted Text String.
func Name(name string) kmip.Name {
	return kmip.Name{NameValue: name, NameType: kmip.NameTypeUninterpretedTextString}
}

// SymmetricKey returns a Symmetric Key object holding key in the Raw
// format, for Register.
func SymmetricKey(alg kmip.CryptographicAlgorithm, key []byte) *kmip.SymmetricKey {
	return &kmip.SymmetricKey{KeyBlock: &kmip.KeyBlock{
		KeyFormatType: kmip.KeyFormatTypeRaw,
		KeyValue: kmip.NewRaw(func(b []byte) []byte {
			b, m := ttlv.BeginStructure(b, ttlv.TagKeyValue)
			b = ttlv.AppendByteString(b, ttlv.TagKeyMaterial, key)
			ttlv.EndStructure(b, m)
			return b
		}),
		CryptographicAlgorithm: kmip.Some(alg),
		CryptographicLength:    kmip.Some(int32(8 * len(key))),
	}}
}

// KeyMaterial returns the Key Material of the key object an answer to Get
// holds when it is a Byte String (the Raw and Transparent Symmetric
// formats, PKCS#1, PKCS#8, …), or nil. It aliases the answer.
func KeyMaterial(p *kmip.GetResponsePayload) []byte {
	var kb *kmip.KeyBlock
	switch {
	case p.SymmetricKey != nil:
		kb = p.SymmetricKey.KeyBlock
	case p.PrivateKey != nil:
		kb = p.PrivateKey.KeyBlock
	case p.PublicKey != nil:
		kb = p.PublicKey.KeyBlock
	case p.SecretData != nil:
		kb = p.SecretData.KeyBlock
	case p.SplitKey != nil:
		kb = p.SplitKey.KeyBlock
	}
	if kb == nil || kb.KeyValue.Tag() != ttlv.TagKeyValue || kb.KeyValue.Type() != ttlv.TypeStructure {
		return nil
	}
	for b := kb.KeyValue.Value(); len(b) > 0; {
		t, typ, v, n := ttlv.ConsumeValue(b)
		if n < 0 {
			return nil
		}
		if t == ttlv.TagKeyMaterial && typ == ttlv.TypeByteString {
			return v
		}
		b = b[n:]
	}
	return nil
}
