package kmipserver

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"

	"github.com/kmipwire/kmipwire/ttlv"
)

// unwrapBody returns a stored object Structure (SymmetricKey{KeyBlock{…}},
// …) with its Key Value unwrapped, for a Get or Export that asks for Key
// Wrap Type Not Wrapped (KMIP 2.1 §6.1.19, §11.29; 1.4 §4.11): the Key
// Wrapping Data must name Wrapping Method Encrypt under an Active AES key
// with the Unwrap Key usage, with AES Key Wrap (RFC 3394, NIST SP 800-38F
// KW); the unwrapped bytes are the TTLV encoding of the Key Value, or with
// Encoding Option No Encoding its Key Material. An object not wrapped is
// returned as it is. The wrapping key is locked only while it is read.
func (c *reqCtx) unwrapBody(body []byte) ([]byte, *opError) {
	var obj ttlv.Value
	if err := ttlv.Unmarshal(body, &obj); err != nil {
		return nil, fail(rrGeneralFailure, "key unwrapping: %v", err)
	}
	kb := obj.Child(ttlv.TagKeyBlock)
	if kb == nil {
		return body, nil
	}
	kwd := kb.Child(ttlv.TagKeyWrappingData)
	if kwd == nil {
		return body, nil
	}
	if m := kwd.Child(ttlv.TagWrappingMethod); m == nil || m.Num != wrapMethodEncrypt {
		return nil, fail(rrFeatureNotSupported, "key unwrapping: only Wrapping Method Encrypt is supported")
	}
	if kwd.Child(ttlv.TagMACSignatureKeyInformation) != nil {
		return nil, fail(rrFeatureNotSupported, "key unwrapping: MAC/Signature Key Information is not supported")
	}
	eki := kwd.Child(ttlv.TagEncryptionKeyInformation)
	if eki == nil || eki.Child(ttlv.TagUniqueIdentifier) == nil {
		return nil, fail(rrInvalidField, "key unwrapping: Key Wrapping Data without Encryption Key Information")
	}
	if cp := eki.Child(ttlv.TagCryptographicParameters); cp != nil {
		if m := cp.Child(ttlv.TagBlockCipherMode); m != nil && m.Num != modeNISTKeyWrap {
			return nil, fail(rrFeatureNotSupported, "key unwrapping: only Block Cipher Mode NIST Key Wrap is supported")
		}
	}
	wk, err := c.lookup(eki)
	if err != nil {
		return nil, err
	}
	c.rlock(wk)
	err = c.usable(wk, true, usageUnwrapKey)
	sym, alg := wk.sym, wk.alg
	wk.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if sym == nil || alg != algAES {
		return nil, fail(rrInvalidField, "key unwrapping: object %s is not an AES key", wk.id)
	}
	kek, aerr := aes.NewCipher(sym)
	if aerr != nil {
		return nil, fail(rrInvalidField, "key unwrapping: %v", aerr)
	}
	kv := kb.Child(ttlv.TagKeyValue)
	if kv == nil || kv.Type != ttlv.TypeByteString {
		return nil, fail(rrInvalidField, "key unwrapping: the wrapped Key Value is not a Byte String")
	}
	plain, err := aesKeyUnwrap(kek, kv.Bytes)
	if err != nil {
		return nil, err
	}
	if eo := kwd.Child(ttlv.TagEncodingOption); eo != nil && eo.Num == encodingNone {
		*kv = ttlv.Structure(ttlv.TagKeyValue, ttlv.ByteString(ttlv.TagKeyMaterial, plain))
	} else {
		var v ttlv.Value
		if err := ttlv.UnmarshalOptions(plain, &v, c.s.dopts); err != nil || v.Tag != ttlv.TagKeyValue {
			return nil, fail(rrInvalidField, "key unwrapping: the unwrapped bytes are not a TTLV Key Value")
		}
		*kv = v
	}
	kept := kb.Children[:0]
	for _, ch := range kb.Children {
		if ch.Tag != ttlv.TagKeyWrappingData {
			kept = append(kept, ch)
		}
	}
	kb.Children = kept
	return ttlv.Marshal(&obj), nil
}

// getUnwrapped answers a Get of a wrapped object for Key Wrap Type Not
// Wrapped: its object value unwrapped (unwrapBody), then wrapped again by
// w when not nil. Called with o.mu held for reading, which it releases
// before the wrapping key is looked up (never two objects locked at once:
// the wrapping key may be o itself) and takes again for its caller.
func (c *reqCtx) getUnwrapped(o *object, w *wrapping, b []byte) ([]byte, *opError) {
	stored, typ := o.body, o.typ // the body is never changed in place
	o.mu.RUnlock()
	defer o.mu.RLock()
	body, err := c.unwrapBody(stored)
	if err == nil && w != nil {
		body, err = w.wrapBody(body)
	}
	if err != nil {
		return b, err
	}
	c.markServed(o)
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, typ)
	b = appendID(b, o)
	return append(b, body...), nil
}

// aesKeyUnwrap is AES Key Unwrap (RFC 3394 §2.2.2, NIST SP 800-38F §6.2
// W⁻¹ with the default ICV), its integrity check in constant time.
func aesKeyUnwrap(kek cipher.Block, wrapped []byte) ([]byte, *opError) {
	if len(wrapped) < keyWrapBlock+keyWrapMinPlaintxt || len(wrapped)%keyWrapBlock != 0 {
		return nil, fail(rrInvalidField, "key unwrapping: %d bytes are not AES Key Wrap output", len(wrapped))
	}
	n := len(wrapped)/keyWrapBlock - 1
	out := make([]byte, n*keyWrapBlock)
	copy(out, wrapped[keyWrapBlock:])
	a := binary.BigEndian.Uint64(wrapped[:keyWrapBlock])
	var b [aes.BlockSize]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			r := out[(i-1)*keyWrapBlock : i*keyWrapBlock]
			binary.BigEndian.PutUint64(b[:8], a^uint64(n*j+i))
			copy(b[8:], r)
			kek.Decrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8])
			copy(r, b[8:])
		}
	}
	var got, want [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	binary.BigEndian.PutUint64(want[:], keyWrapIV)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return nil, fail(rrCryptographicFailure, "key unwrapping: integrity check failed (wrong key or altered data)")
	}
	return out, nil
}

// wrapped reports an object whose stored Key Block is wrapped (has Key
// Wrapping Data). Call with o.mu held.
func (o *object) wrapped() bool {
	_, body, n := ttlv.ConsumeStructure(o.body)
	if n < 0 {
		return false
	}
	for len(body) >= ttlv.HeaderSize {
		tag, typ, length, _ := ttlv.ConsumeHeader(body)
		k := ttlv.HeaderSize + (int(length)+7)&^7
		if k > len(body) {
			return false
		}
		if tag == ttlv.TagKeyBlock && typ == ttlv.TypeStructure {
			kb := body[ttlv.HeaderSize:k]
			for len(kb) >= ttlv.HeaderSize {
				t, _, l, _ := ttlv.ConsumeHeader(kb)
				m := ttlv.HeaderSize + (int(l)+7)&^7
				if m > len(kb) {
					return false
				}
				if t == ttlv.TagKeyWrappingData {
					return true
				}
				kb = kb[m:]
			}
			return false
		}
		body = body[k:]
	}
	return false
}
