package kmipserver

import (
	"crypto/cipher"
	"crypto/subtle"
	"slices"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/kmipwire/kmipwire/ttlv"
)

// ChaCha20 and ChaCha20-Poly1305 (KMIP 2.1 §11.12 Cryptographic Algorithm
// 0x1C and 0x1E; RFC 8439), as the Cryptographic Services profile's test
// cases use them: a 256-bit symmetric key whose algorithm is ChaCha20 or
// ChaCha20Poly1305, the IV/Counter/Nonce in the request (or made by the
// server and returned) and, for the AEAD, Additional Data in and the
// 16-byte Authenticated Encryption Tag out.

// isChaCha reports whether o is a ChaCha20 or ChaCha20-Poly1305 key.
func isChaCha(o *object) bool {
	return o.sym != nil && (o.alg == algChaCha20 || o.alg == algChaCha20Poly1305)
}

// chachaNonce widens an 8-byte IV to RFC 8439's 12-byte nonce, a 32-bit
// zero prefix with the block counter starting at 0: the layout of the
// original 64-bit-nonce ChaCha20, equal to it while the counter stays
// below 2^32 blocks (256 GiB).
func chachaNonce(iv []byte, scratch *[chacha20.NonceSize]byte) ([]byte, *opError) {
	switch len(iv) {
	case chacha20.NonceSize:
		return iv, nil
	case 8:
		*scratch = [chacha20.NonceSize]byte{}
		copy(scratch[4:], iv)
		return scratch[:], nil
	}
	return nil, fail(rrInvalidField, "ChaCha20 nonce of %d bytes, want 8 or 12", len(iv))
}

// chachaEncrypt answers Encrypt with a ChaCha key; the caller holds o
// read-locked and has checked the usage.
func (c *reqCtx) chachaEncrypt(r *cipherReq, b []byte, o *object, data []byte) ([]byte, *opError) {
	iv := r.iv
	genIV := iv == nil
	var made [chacha20.NonceSize]byte
	if genIV {
		r := c.scratchRand(chacha20.NonceSize)
		if r == nil {
			return b, fail(rrCryptographicFailure, "no random nonce")
		}
		iv = made[:]
		copy(iv, r) // out of the scratch buffer, which holds the output below
	}
	var wide [chacha20.NonceSize]byte
	nonce, err := chachaNonce(iv, &wide)
	if err != nil {
		return b, err
	}
	b = appendID(b, o)
	if o.alg == algChaCha20 {
		s, serr := chacha20.NewUnauthenticatedCipher(o.sym, nonce)
		if serr != nil {
			return b, fail(rrCryptographicFailure, "ChaCha20: %v", serr)
		}
		b, v := appendByteStringSpace(b, ttlv.TagData, len(data))
		s.XORKeyStream(v, data)
		if genIV {
			b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, iv)
		}
		return b, nil
	}
	aead, tagLen, aerr := chachaAEAD(o, r)
	if aerr != nil {
		return b, aerr
	}
	if len(nonce) != aead.NonceSize() {
		return b, fail(rrInvalidField, "ChaCha20-Poly1305 nonce of %d bytes, want %d", len(iv), aead.NonceSize())
	}
	c.scratch = aead.Seal(c.scratch[:0], nonce, data, r.aad)
	n := len(c.scratch) - aead.Overhead()
	b = ttlv.AppendByteString(b, ttlv.TagData, c.scratch[:n])
	if genIV {
		b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, iv)
	}
	return ttlv.AppendByteString(b, ttlv.TagAuthenticatedEncryptionTag, c.scratch[n:n+tagLen]), nil
}

// chachaDecrypt answers Decrypt with a ChaCha key; the caller holds o
// read-locked and has checked the usage.
func (c *reqCtx) chachaDecrypt(r *cipherReq, b []byte, o *object, data []byte) ([]byte, *opError) {
	iv := r.iv
	if len(iv) == 0 {
		return b, fail(rrInvalidMessage, "missing IV/Counter/Nonce")
	}
	var wide [chacha20.NonceSize]byte
	nonce, err := chachaNonce(iv, &wide)
	if err != nil {
		return b, err
	}
	if o.alg == algChaCha20 {
		s, serr := chacha20.NewUnauthenticatedCipher(o.sym, nonce)
		if serr != nil {
			return b, fail(rrCryptographicFailure, "ChaCha20: %v", serr)
		}
		b = appendID(b, o)
		b, v := appendByteStringSpace(b, ttlv.TagData, len(data))
		s.XORKeyStream(v, data)
		return b, nil
	}
	tag := r.tag
	aead, tagLen, aerr := chachaAEAD(o, r)
	if aerr != nil {
		return b, aerr
	}
	if len(nonce) != aead.NonceSize() {
		return b, fail(rrInvalidField, "ChaCha20-Poly1305 nonce of %d bytes, want %d", len(iv), aead.NonceSize())
	}
	if len(tag) != tagLen {
		return b, fail(rrInvalidField, "ChaCha20-Poly1305 tag of %d bytes, Tag Length %d", len(tag), tagLen)
	}
	aad := r.aad
	if tagLen == chacha20poly1305.Overhead {
		c.scratch = append(append(c.scratch[:0], data...), tag...)
		ct := c.scratch
		pt, oerr := aead.Open(ct[len(ct):], nonce, ct, aad)
		if oerr != nil {
			return b, fail(rrCryptographicFailure, "authentication failed")
		}
		b = appendID(b, o)
		return ttlv.AppendByteString(b, ttlv.TagData, pt), nil
	}
	// A truncated tag (Tag Length below 16): decrypt with the keystream
	// from block 1 (RFC 8439 §2.8: block 0 makes the Poly1305 key), seal
	// the plaintext again to learn the full tag, and compare its first
	// tagLen bytes in constant time. The plaintext leaves only if they match.
	s, serr := chacha20.NewUnauthenticatedCipher(o.sym, nonce)
	if serr != nil {
		return b, fail(rrCryptographicFailure, "ChaCha20: %v", serr)
	}
	s.SetCounter(1)
	c.scratch = slices.Grow(c.scratch[:0], 2*len(data)+chacha20poly1305.Overhead)[:len(data)]
	pt := c.scratch
	s.XORKeyStream(pt, data)
	sealed := aead.Seal(pt[len(pt):], nonce, pt, aad)
	if subtle.ConstantTimeCompare(sealed[len(pt):len(pt)+tagLen], tag) != 1 {
		clear(pt)
		return b, fail(rrCryptographicFailure, "authentication failed")
	}
	b = appendID(b, o)
	return ttlv.AppendByteString(b, ttlv.TagData, pt), nil
}

// chachaAEAD returns the ChaCha20-Poly1305 AEAD of o and the tag length
// to use: the Cryptographic Parameters' Tag Length (16 when absent, as
// paramsOf reads it). Tags may be truncated to 12 bytes at the shortest,
// as NIST SP 800-38D allows GCM's (the OASIS test cases use 12); Poly1305
// itself makes 16 (RFC 8439 §2.5).
func chachaAEAD(o *object, r *cipherReq) (cipher.AEAD, int, *opError) {
	tagLen := typedParams(r.params, o).tagLen
	if tagLen < 12 || tagLen > chacha20poly1305.Overhead {
		// General Failure, as for GCM and as the OASIS test cases expect
		// (CS-BC-M-CHACHA20POLY1305-1)
		return nil, 0, fail(rrGeneralFailure, "ChaCha20-Poly1305 with a %d-byte tag, want 12 to 16", tagLen)
	}
	a, err := chacha20poly1305.New(o.sym)
	if err != nil {
		return nil, 0, fail(rrInvalidField, "ChaCha20-Poly1305: %v", err)
	}
	return a, tagLen, nil
}

// appendByteStringSpace appends a Byte String item of n value bytes
// (padding zeroed) and returns the buffer and the value's bytes, for the
// caller to fill in place.
func appendByteStringSpace(b []byte, t ttlv.Tag, n int) ([]byte, []byte) {
	b = ttlv.AppendHeader(b, t, ttlv.TypeByteString, uint32(n))
	start := len(b)
	b = append(b, make([]byte, (n+7)&^7)...)
	return b, b[start : start+n]
}
