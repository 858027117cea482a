package kmipserver

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Key wrapping values (KMIP 2.1 §11.63 Wrapping Method, §11.18 Encoding
// Option, §11.5 Block Cipher Mode).
const (
	wrapMethodEncrypt  = 0x01
	encodingNone       = 0x01
	modeNISTKeyWrap    = 0x0D
	keyWrapIV          = 0xA6A6A6A6A6A6A6A6 // RFC 3394 §2.2.3.1
	keyWrapBlock       = 8
	keyWrapMinPlaintxt = 16
)

// wrapping is a Key Wrapping Specification the server can carry out:
// Wrapping Method Encrypt under an AES key with AES Key Wrap (NIST SP
// 800-38F KW, RFC 3394).
type wrapping struct {
	kek     cipher.Block
	eki     ttlv.Value // Encryption Key Information, echoed in Key Wrapping Data
	keyOnly bool       // Encoding Option No Encoding: the Key Material only
}

// wrappingOf checks a Key Wrapping Specification of Get (KMIP 2.1
// §7.18, 1.4 §2.1.6) and reads its wrapping key, which must be an
// Active AES key with the Wrap Key usage. The wrapping key is locked
// only while it is read, never together with the object wrapped.
func (c *reqCtx) wrappingOf(ks *kmip.KeyWrappingSpecification) (*wrapping, *opError) {
	if ks.WrappingMethod != kmip.WrappingMethodEncrypt {
		return nil, fail(rrFeatureNotSupported, "key wrapping: only Wrapping Method Encrypt is supported")
	}
	if ks.MACSignatureKeyInformation != nil {
		return nil, fail(rrFeatureNotSupported, "key wrapping: MAC/Signature Key Information is not supported")
	}
	// The Encryption Key Information as a tree too: echoed in the Key
	// Wrapping Data, and its Unique Identifier resolved as idOf does (its
	// item's type matters; decoded, eki encodes back to its bytes).
	w := &wrapping{keyOnly: ks.EncodingOption.Value == kmip.EncodingOptionNoEncoding}
	eki := ks.EncryptionKeyInformation
	if eki != nil {
		if err := ttlv.Unmarshal(eki.AppendTTLV(nil, c.version()), &w.eki); err != nil {
			return nil, fail(rrInvalidField, "key wrapping: %v", err)
		}
	}
	if eki == nil || w.eki.Child(ttlv.TagUniqueIdentifier) == nil {
		return nil, fail(rrInvalidField, "key wrapping: Encryption Key Information without a Unique Identifier")
	}
	if cp := eki.CryptographicParameters; cp != nil {
		if m, ok := cp.BlockCipherMode.Get(); ok && m != kmip.BlockCipherModeNISTKeyWrap {
			return nil, fail(rrFeatureNotSupported, "key wrapping: only Block Cipher Mode NIST Key Wrap is supported")
		}
	}
	wk, err := c.lookup(&w.eki)
	if err != nil {
		return nil, err
	}
	c.rlock(wk)
	err = c.usable(wk, false, usageWrapKey)
	sym, alg := wk.sym, wk.alg
	wk.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if sym == nil || alg != algAES {
		return nil, fail(rrInvalidField, "key wrapping: object %s is not an AES key", wk.id)
	}
	blk, aerr := aes.NewCipher(sym)
	if aerr != nil {
		return nil, fail(rrInvalidField, "key wrapping: %v", aerr)
	}
	w.kek = blk
	return w, nil
}

// wrapBody returns the object Structure body (SymmetricKey{KeyBlock{…}},
// …) with its Key Value wrapped: the Key Value becomes a Byte String
// holding the wrapped TTLV encoding of the Key Value Structure (or of
// the Key Material alone with No Encoding), and the Key Block gets Key
// Wrapping Data (KMIP 1.4 §2.1.3–2.1.5, 2.1 §3.1–3.3).
func (w *wrapping) wrapBody(body []byte) ([]byte, *opError) {
	var obj ttlv.Value
	if err := ttlv.Unmarshal(body, &obj); err != nil {
		return nil, fail(rrGeneralFailure, "key wrapping: %v", err)
	}
	kb := obj.Child(ttlv.TagKeyBlock)
	if kb == nil || kb.Child(ttlv.TagKeyValue) == nil {
		return nil, fail(rrInvalidField, "key wrapping: the object has no Key Block")
	}
	kv := kb.Child(ttlv.TagKeyValue)
	var plain []byte
	if w.keyOnly {
		km := kv.Child(ttlv.TagKeyMaterial)
		if km == nil || km.Type != ttlv.TypeByteString {
			return nil, fail(rrInvalidField, "key wrapping: No Encoding needs a Byte String Key Material")
		}
		plain = km.Bytes
	} else {
		plain = ttlv.Marshal(kv)
	}
	wrapped, err := aesKeyWrap(w.kek, plain)
	if err != nil {
		return nil, err
	}
	*kv = ttlv.ByteString(ttlv.TagKeyValue, wrapped)
	kwd := ttlv.Structure(ttlv.TagKeyWrappingData,
		ttlv.Enumeration(ttlv.TagWrappingMethod, wrapMethodEncrypt), w.eki)
	if w.keyOnly {
		kwd.Children = append(kwd.Children, ttlv.Enumeration(ttlv.TagEncodingOption, encodingNone))
	}
	kb.Children = append(kb.Children, kwd)
	return ttlv.Marshal(&obj), nil
}

// aesKeyWrap is AES Key Wrap (RFC 3394 §2.2.1, NIST SP 800-38F §6.2 W):
// plain must be at least 16 bytes and a multiple of 8.
func aesKeyWrap(kek cipher.Block, plain []byte) ([]byte, *opError) {
	if len(plain) < keyWrapMinPlaintxt || len(plain)%keyWrapBlock != 0 {
		return nil, fail(rrInvalidField, "key wrapping: %d bytes cannot be wrapped with AES Key Wrap (a multiple of 8, at least 16)", len(plain))
	}
	n := len(plain) / keyWrapBlock
	out := make([]byte, keyWrapBlock+len(plain))
	copy(out[keyWrapBlock:], plain)
	a := uint64(keyWrapIV)
	var b [aes.BlockSize]byte
	for j := range 6 {
		for i := 1; i <= n; i++ {
			r := out[i*keyWrapBlock : (i+1)*keyWrapBlock]
			binary.BigEndian.PutUint64(b[:8], a)
			copy(b[8:], r)
			kek.Encrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8]) ^ uint64(n*j+i)
			copy(r, b[8:])
		}
	}
	binary.BigEndian.PutUint64(out[:8], a)
	return out, nil
}
