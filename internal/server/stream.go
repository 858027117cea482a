package server

import (
	"encoding/hex"
	"io"
	"sync"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Limits of the streamed (multi-part) AES-GCM encryptions a server keeps.
const (
	maxStreams    = 1024    // open streams
	maxStreamData = 1 << 20 // plaintext bytes of one stream
)

// gcmStream is one multi-part AES-GCM Encrypt (KMIP 2.1 §6.1.18, 1.4
// §4.29: Init Indicator, Correlation Value, Final Indicator).
//
// Go's AEAD does not stream, but GCM's ciphertext is the CTR encryption of
// the plaintext, so a prefix of the ciphertext depends only on the same
// prefix of the plaintext: each part Seals the plaintext received so far
// and answers the ciphertext bytes not yet sent; the final part answers
// the rest and the tag (computed over the AAD of the first part).
type gcmStream struct {
	id     string // the key's Unique Identifier
	iv     []byte
	aad    []byte
	tagLen int
	data   []byte // plaintext so far
	sent   int    // ciphertext bytes answered
}

// streams holds the open streams by Correlation Value (hex).
type streams struct {
	mu sync.Mutex
	m  map[string]*gcmStream
}

func (s *streams) take(cv []byte) *gcmStream {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := hex.EncodeToString(cv)
	st := s.m[k]
	delete(s.m, k)
	return st
}

func (s *streams) put(cv []byte, st *gcmStream) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]*gcmStream)
	}
	if len(s.m) >= maxStreams {
		return false
	}
	s.m[hex.EncodeToString(cv)] = st
	return true
}

// streamed reports an Encrypt that is one part of several.
func streamed(p *ttlv.Value) bool {
	return boolOf(p, ttlv.TagInitIndicator) || p.Child(ttlv.TagCorrelationValue) != nil
}

func boolOf(p *ttlv.Value, t ttlv.Tag) bool {
	v := p.Child(t)
	return v != nil && v.Type == ttlv.TypeBoolean && v.Num != 0
}

// encryptPart answers one part of a streamed AES-GCM Encrypt; o is
// read-locked and usable, data the part's plaintext.
func (c *reqCtx) encryptPart(p *ttlv.Value, b []byte, o *object, cp cryptoParams, data []byte) ([]byte, *opError) {
	final := boolOf(p, ttlv.TagFinalIndicator)
	var st *gcmStream
	genIV := false
	if cv := bytesOf(p, ttlv.TagCorrelationValue); cv != nil && !boolOf(p, ttlv.TagInitIndicator) {
		if st = c.s.streams.take(cv); st == nil || st.id != o.id {
			return b, fail(rrInvalidField, "unknown Correlation Value")
		}
	} else {
		st = &gcmStream{id: o.id, tagLen: cp.tagLen}
		st.iv = bytesOf(p, ttlv.TagIVCounterNonce)
		if genIV = st.iv == nil; genIV {
			st.iv = make([]byte, 12)
			if _, err := io.ReadFull(c.s.rand, st.iv); err != nil {
				return b, fail(rrCryptographicFailure, "no random IV")
			}
		} else {
			st.iv = append([]byte(nil), st.iv...)
		}
		st.aad = append([]byte(nil), bytesOf(p, ttlv.TagAuthenticatedEncryptionAdditionalData)...)
	}
	if len(st.data)+len(data) > maxStreamData {
		return b, fail(rrInvalidField, "streamed Encrypt of more than %d bytes", maxStreamData)
	}
	st.data = append(st.data, data...)
	aead, aerr := o.gcm(len(st.iv), st.tagLen)
	if aerr != nil {
		return b, aerr
	}
	if len(st.iv) != aead.NonceSize() {
		return b, fail(rrInvalidField, "IV of %d bytes, want %d", len(st.iv), aead.NonceSize())
	}
	ct := aead.Seal(nil, st.iv, st.data, st.aad)
	n := len(st.data)
	b = appendID(b, o)
	if final {
		if c.tagInData() {
			n = len(ct)
		}
		b = ttlv.AppendByteString(b, ttlv.TagData, ct[st.sent:n])
		if genIV {
			b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, st.iv)
		}
		if !c.tagInData() {
			b = ttlv.AppendByteString(b, ttlv.TagAuthenticatedEncryptionTag, ct[n:])
		}
		return b, nil
	}
	b = ttlv.AppendByteString(b, ttlv.TagData, ct[st.sent:n])
	st.sent = n
	if genIV {
		b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, st.iv)
	}
	cv := make([]byte, 16)
	if _, err := io.ReadFull(c.s.rand, cv); err != nil {
		return b, fail(rrCryptographicFailure, "no random Correlation Value")
	}
	if !c.s.streams.put(cv, st) {
		return b, fail(rrGeneralFailure, "too many streamed operations open")
	}
	return ttlv.AppendByteString(b, ttlv.TagCorrelationValue, cv), nil
}
