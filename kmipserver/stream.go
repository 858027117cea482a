package kmipserver

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"io"
	"sync"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Limits of the streamed (multi-part) AES-GCM encryptions a server keeps:
// at most maxStreams open, each of at most maxStreamData bytes (64 MiB in
// all); a stream idle for streamIdle is dropped, and when the table is
// full the oldest stream gives way.
const (
	maxStreams    = 64
	maxStreamData = 1 << 20
	streamIdle    = 10 * time.Minute
)

// gcmStream is one multi-part AES-GCM Encrypt (KMIP 2.1 §6.1.18, 1.4
// §4.29: Init Indicator, Correlation Value, Final Indicator).
//
// Go's AEAD does not stream, so the parts are encrypted here as GCM does
// (NIST SP 800-38D §7.1): the plaintext XOR the AES encryption of the
// counter blocks inc32(J0), inc32(inc32(J0)), …; the first counter block
// comes from sealing one zero block with the IV (for any IV length) and
// decrypting the result. The final part seals the whole plaintext once
// for the tag, computed over the AAD of the first part.
type gcmStream struct {
	id     string // the key's Unique Identifier
	iv     []byte
	aad    []byte
	tagLen int
	data   []byte // plaintext so far, for the tag
	ctr    [aes.BlockSize]byte
	ks     [aes.BlockSize]byte // keystream of the last counter block
	ksUsed int                 // bytes of ks used; BlockSize: none left
	last   time.Time
}

// xorKeyStream encrypts src into dst with the stream's counter blocks.
func (st *gcmStream) xorKeyStream(blk cipher.Block, dst, src []byte) {
	for i := range src {
		if st.ksUsed == aes.BlockSize {
			blk.Encrypt(st.ks[:], st.ctr[:])
			binary.BigEndian.PutUint32(st.ctr[12:], binary.BigEndian.Uint32(st.ctr[12:])+1) // inc32
			st.ksUsed = 0
		}
		dst[i] = src[i] ^ st.ks[st.ksUsed]
		st.ksUsed++
	}
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

func (s *streams) put(cv []byte, st *gcmStream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]*gcmStream)
	}
	for len(s.m) >= maxStreams {
		oldest := ""
		for k, o := range s.m {
			if st.last.Sub(o.last) > streamIdle {
				delete(s.m, k)
				continue
			}
			if oldest == "" || o.last.Before(s.m[oldest].last) {
				oldest = k
			}
		}
		if len(s.m) >= maxStreams {
			delete(s.m, oldest)
		}
	}
	s.m[hex.EncodeToString(cv)] = st
}

// encryptPart answers one part of a streamed AES-GCM Encrypt; o is
// read-locked and usable, data the part's plaintext.
func (c *reqCtx) encryptPart(r *cipherReq, b []byte, o *object, cp cryptoParams, data []byte) ([]byte, *opError) {
	final := r.final
	var st *gcmStream
	genIV := false
	if cv := r.cv; cv != nil && !r.init {
		if st = c.s.streams.take(cv); st == nil || st.id != o.id {
			return b, fail(rrInvalidField, "unknown Correlation Value")
		}
	} else {
		st = &gcmStream{id: o.id, tagLen: cp.tagLen}
		st.iv = r.iv
		if genIV = st.iv == nil; genIV {
			st.iv = make([]byte, 12)
			if _, err := io.ReadFull(c.s.rand, st.iv); err != nil {
				return b, fail(rrCryptographicFailure, "no random IV")
			}
		} else {
			st.iv = append([]byte(nil), st.iv...)
		}
		st.aad = append([]byte(nil), r.aad...)
	}
	if len(st.data)+len(data) > maxStreamData {
		return b, fail(rrInvalidField, "streamed Encrypt of more than %d bytes", maxStreamData)
	}
	aead, aerr := o.gcm(len(st.iv), st.tagLen)
	if aerr != nil {
		return b, aerr
	}
	if len(st.iv) != aead.NonceSize() {
		return b, fail(rrInvalidField, "IV of %d bytes, want %d", len(st.iv), aead.NonceSize())
	}
	blk, berr := aes.NewCipher(o.sym)
	if berr != nil {
		return b, fail(rrInvalidField, "%v", berr)
	}
	if st.data == nil {
		// the first counter block, inc32(J0): the keystream of a zero
		// block, decrypted
		first := aead.Seal(nil, st.iv, make([]byte, aes.BlockSize), nil)
		blk.Decrypt(st.ctr[:], first[:aes.BlockSize])
		st.ksUsed = aes.BlockSize
		st.data = make([]byte, 0, len(data))
	}
	st.data = append(st.data, data...)
	ct := make([]byte, len(data))
	st.xorKeyStream(blk, ct, data)
	st.last = c.now
	b = appendID(b, o)
	if final {
		sealed := aead.Seal(nil, st.iv, st.data, st.aad)
		tag := sealed[len(st.data):]
		if c.tagInData() {
			ct = append(ct, tag...)
		}
		b = ttlv.AppendByteString(b, ttlv.TagData, ct)
		if genIV {
			b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, st.iv)
		}
		if !c.tagInData() {
			b = ttlv.AppendByteString(b, ttlv.TagAuthenticatedEncryptionTag, tag)
		}
		return b, nil
	}
	b = ttlv.AppendByteString(b, ttlv.TagData, ct)
	if genIV {
		b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, st.iv)
	}
	cv := make([]byte, 16)
	if _, err := io.ReadFull(c.s.rand, cv); err != nil {
		return b, fail(rrCryptographicFailure, "no random Correlation Value")
	}
	c.s.streams.put(cv, st)
	return ttlv.AppendByteString(b, ttlv.TagCorrelationValue, cv), nil
}
