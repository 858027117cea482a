package kmipserver

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"encoding/binary"
	"encoding/hex"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Multi-part (streamed) cryptographic operations (KMIP 1.4 §4.29–4.35,
// 2.1 §6.1.14, 6.1.18, 6.1.24, 6.1.31–6.1.33, 6.1.47–6.1.48): the first
// request of a stream carries Init Indicator, the server answers a
// Correlation Value, the following requests carry it back, and the one
// with Final Indicator gets the result. Hash, MAC, MAC Verify, Sign and
// Signature Verify gather the parts' data and run once on the whole;
// Encrypt and Decrypt with a block cipher in ECB or CBC mode answer each
// part with the whole blocks it completes (AES-GCM Encrypt streams in
// stream.go). A stream keeps its Correlation Value from the first part to
// the last. The same table bounds the streams as maxStreams and
// maxStreamData do the GCM ones.

// partStream is one multi-part operation in progress.
type partStream struct {
	op    uint32
	id    string // the key's Unique Identifier, "" for Hash
	data  []byte // the data so far (gathering operations)
	first []byte // the first part's parameters (MAC Data, Signature Data, …), encoded
	// block cipher streams (Encrypt, Decrypt)
	blk     cipher.Block
	cbc     cipher.BlockMode // nil for ECB
	decrypt bool
	padding uint32
	rem     []byte // input of an incomplete block
	last    time.Time
}

// partStreams holds the streams in progress by Correlation Value (hex).
type partStreams struct {
	mu sync.Mutex
	m  map[string]*partStream
}

func (s *partStreams) take(cv []byte) *partStream {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := hex.EncodeToString(cv)
	st := s.m[k]
	delete(s.m, k)
	return st
}

func (s *partStreams) has(cv []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[hex.EncodeToString(cv)]
	return ok
}

func (s *partStreams) put(cv []byte, st *partStream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]*partStream)
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

// newCorrelationValue returns a random Correlation Value.
func (c *reqCtx) newCorrelationValue() ([]byte, *opError) {
	cv := make([]byte, 16)
	if _, err := io.ReadFull(c.s.rand, cv); err != nil {
		return nil, fail(rrCryptographicFailure, "no random Correlation Value")
	}
	return cv, nil
}

// streamItem reports the items of a part that are not its operation's
// parameters: the stream's (Init Indicator, Final Indicator, Correlation
// Value) and the part's Data.
func streamItem(t ttlv.Tag) bool {
	switch t {
	case ttlv.TagInitIndicator, ttlv.TagFinalIndicator, ttlv.TagCorrelationValue, ttlv.TagData:
		return true
	}
	return false
}

// part is what a Request Payload says of the stream it may belong to: its
// Init and Final Indicators, Correlation Value and Data (nil when absent,
// not nil when present, as bytesOf gives them) and the text of its Unique
// Identifier ("" when absent or not text).
type part struct {
	init, final bool
	cv, data    []byte
	id          string
}

// partOf reads the stream items of payload, a Request Payload Structure
// (the first item of each tag, as ttlv.Value.Child finds it).
func partOf(payload []byte) part {
	var pr part
	var seen struct{ init, final, cv, data, id bool }
	_, body, n := ttlv.ConsumeStructure(payload)
	for n >= 0 && len(body) > 0 {
		tag, typ, val, m := ttlv.ConsumeValue(body)
		if m < 0 {
			break
		}
		body = body[m:]
		switch {
		case tag == ttlv.TagInitIndicator && !seen.init:
			seen.init, pr.init = true, boolValue(typ, val)
		case tag == ttlv.TagFinalIndicator && !seen.final:
			seen.final, pr.final = true, boolValue(typ, val)
		case tag == ttlv.TagCorrelationValue && !seen.cv:
			seen.cv, pr.cv = true, bytesValue(typ, val)
		case tag == ttlv.TagData && !seen.data:
			seen.data, pr.data = true, bytesValue(typ, val)
		case tag == ttlv.TagUniqueIdentifier && !seen.id:
			seen.id = true
			if text(typ) {
				pr.id = string(val)
			}
		}
	}
	return pr
}

// boolValue is boolOf for an encoded item: true for a Boolean true.
func boolValue(typ ttlv.Type, val []byte) bool {
	return typ == ttlv.TypeBoolean && len(val) == 8 && binary.BigEndian.Uint64(val) != 0
}

// bytesValue is bytesOf for an encoded item: a Byte String's value, not
// nil when empty; nil for another type.
func bytesValue(typ ttlv.Type, val []byte) []byte {
	if typ != ttlv.TypeByteString {
		return nil
	}
	if val == nil {
		return []byte{}
	}
	return val
}

// text reports the types whose tree value holds bytes (ttlv.Value.Text).
func text(typ ttlv.Type) bool {
	switch typ {
	case ttlv.TypeStructure, ttlv.TypeInteger, ttlv.TypeLongInteger, ttlv.TypeEnumeration, ttlv.TypeBoolean,
		ttlv.TypeDateTime, ttlv.TypeInterval, ttlv.TypeDateTimeExtended:
		return false
	}
	return true
}

// onePart returns the one-part Request Payload a stream amounts to:
// payload's items but the stream items, the items of first (the first
// part's parameters, encoded) of tags payload does not have, and data as
// its Data.
func onePart(payload, first, data []byte) []byte {
	_, body, _ := ttlv.ConsumeStructure(payload)
	q, mark := ttlv.BeginStructure(make([]byte, 0, len(payload)+len(first)+len(data)+2*ttlv.HeaderSize), ttlv.TagRequestPayload)
	q = appendItems(q, body, func(t ttlv.Tag) bool { return !streamItem(t) })
	q = appendItems(q, first, func(t ttlv.Tag) bool { return !hasItem(body, t) })
	q = ttlv.AppendByteString(q, ttlv.TagData, data)
	ttlv.EndStructure(q, mark)
	return q
}

// appendItems appends the items of the encoded list items that keep takes.
func appendItems(b, items []byte, keep func(ttlv.Tag) bool) []byte {
	for len(items) > 0 {
		tag, _, _, n := ttlv.ConsumeValue(items)
		if n < 0 {
			break
		}
		if keep(tag) {
			b = append(b, items[:n]...)
		}
		items = items[n:]
	}
	return b
}

// hasItem reports whether the encoded list items has an item tagged t.
func hasItem(items []byte, t ttlv.Tag) bool {
	for len(items) > 0 {
		tag, _, _, n := ttlv.ConsumeValue(items)
		if n < 0 {
			return false
		}
		if tag == t {
			return true
		}
		items = items[n:]
	}
	return false
}

// gathered runs op as a multi-part operation when payload (a Request
// Payload as received) is one part of several: the parts' data is kept
// until the final part, which runs op on all of it. The first part runs op
// on its own data, the answer dropped, so that a bad key or bad parameters
// fail at once. run is op's one-part form, given the Request Payload to
// answer: nil for payload itself (not part of a stream), else the one-part
// request the stream amounts to (onePart).
func (c *reqCtx) gathered(op uint32, payload, b []byte, run func(q, b []byte) ([]byte, *opError)) ([]byte, *opError) {
	pr := partOf(payload)
	if !pr.init && pr.cv == nil {
		return run(nil, b)
	}
	if pr.init && pr.final {
		return run(onePart(payload, nil, pr.data), b)
	}
	cv := pr.cv
	var st *partStream
	if pr.init {
		if _, err := run(onePart(payload, nil, pr.data), nil); err != nil {
			return b, err
		}
		var err *opError
		if cv, err = c.newCorrelationValue(); err != nil {
			return b, err
		}
		_, body, _ := ttlv.ConsumeStructure(payload)
		// a copy: payload's bytes are the request's
		st = &partStream{op: op, id: pr.id, first: appendItems(nil, body, func(t ttlv.Tag) bool { return !streamItem(t) })}
	} else if st = c.s.parts.take(cv); st == nil || st.op != op || pr.id != "" && pr.id != st.id {
		return b, fail(rrInvalidField, "unknown Correlation Value")
	}
	if len(st.data)+len(pr.data) > maxStreamData {
		return b, fail(rrInvalidField, "multi-part data of more than %d bytes", maxStreamData)
	}
	st.data = append(st.data, pr.data...)
	if pr.final {
		return run(onePart(payload, st.first, st.data), b)
	}
	st.last = c.now
	c.s.parts.put(cv, st)
	if st.id != "" {
		b = ttlv.AppendTextString(b, ttlv.TagUniqueIdentifier, st.id)
	}
	return ttlv.AppendByteString(b, ttlv.TagCorrelationValue, cv), nil
}

// gatheredTree is gathered for an operation answered from a ttlv.Value
// tree: p is payload's, decoded; a one-part request is decoded anew.
func (c *reqCtx) gatheredTree(op uint32, p *ttlv.Value, payload, b []byte, h func(*ttlv.Value, []byte) ([]byte, *opError)) ([]byte, *opError) {
	return c.gathered(op, payload, b, func(q, b []byte) ([]byte, *opError) {
		if q == nil {
			return h(p, b)
		}
		var v ttlv.Value
		if err := ttlv.Unmarshal(q, &v); err != nil {
			return b, fail(rrInvalidMessage, "%v", err)
		}
		return h(&v, b)
	})
}

// blockCipherPart reports whether an Encrypt or Decrypt with o and cp
// goes through blockCipher: a part of a stream blockCipher began, a
// multi-part one in ECB or CBC mode, or Triple DES (ECB, CBC) in one part
// or several.
func (c *reqCtx) blockCipherPart(r *cipherReq, o *object, cp cryptoParams) bool {
	if cv := r.cv; cv != nil && !r.init {
		// a stream of its own, or one that is no longer known
		return c.s.parts.has(cv) || o.sym != nil && (cp.mode == modeECB || cp.mode == modeCBC)
	}
	if o.sym == nil || cp.mode != modeECB && cp.mode != modeCBC {
		return false
	}
	return o.alg == alg3DES || o.alg == algAES && r.streamed()
}

// blockCipher answers an Encrypt or Decrypt (decrypt) in ECB or CBC mode
// with AES or Triple DES (NIST SP 800-67), in one part or several; o is
// read-locked and usable. Each part is answered with the whole blocks it
// completes; with PKCS#5 padding a Decrypt keeps its last block back for
// the final part, which removes the padding.
func (c *reqCtx) blockCipher(r *cipherReq, b []byte, o *object, cp cryptoParams, data []byte, decrypt bool) ([]byte, *opError) {
	op := opEncrypt
	if decrypt {
		op = opDecrypt
	}
	init := r.init
	cv := r.cv
	oneShot := !init && cv == nil || init && r.final
	final := oneShot || r.final
	var st *partStream
	var genIV []byte
	if init || cv == nil {
		var blk cipher.Block
		var err error
		if o.alg == alg3DES {
			key := o.sym
			if len(key) == 16 { // keying option 2: K1, K2, K1
				key = append(slices.Clone(key), key[:8]...)
			}
			blk, err = des.NewTripleDESCipher(key)
		} else {
			blk, err = aes.NewCipher(o.sym)
		}
		if err != nil {
			return b, fail(rrInvalidField, "%v", err)
		}
		st = &partStream{op: op, id: o.id, blk: blk, decrypt: decrypt, padding: cp.padding}
		if cp.padding != 0 && cp.padding != padNone && cp.padding != padPKCS5 {
			return b, fail(rrInvalidField, "padding method %d not supported (None, PKCS5)", cp.padding)
		}
		if cp.mode == modeCBC {
			iv := r.iv
			if iv == nil && decrypt {
				// Invalid Message, as for AES (CS-BC-M-11)
				return b, fail(rrInvalidMessage, "missing IV/Counter/Nonce")
			}
			if iv == nil {
				genIV = make([]byte, blk.BlockSize())
				if _, err := io.ReadFull(c.s.rand, genIV); err != nil {
					return b, fail(rrCryptographicFailure, "no random IV")
				}
				iv = genIV
			}
			if len(iv) != blk.BlockSize() {
				return b, fail(rrInvalidField, "IV of %d bytes, want %d", len(iv), blk.BlockSize())
			}
			if decrypt {
				st.cbc = cipher.NewCBCDecrypter(blk, iv)
			} else {
				st.cbc = cipher.NewCBCEncrypter(blk, iv)
			}
		}
		if !final {
			var oerr *opError
			if cv, oerr = c.newCorrelationValue(); oerr != nil {
				return b, oerr
			}
		}
	} else if st = c.s.parts.take(cv); st == nil || st.op != op || st.id != o.id {
		return b, fail(rrInvalidField, "unknown Correlation Value")
	}
	if len(st.rem)+len(data) > maxStreamData {
		return b, fail(rrInvalidField, "a part of more than %d bytes", maxStreamData)
	}
	buf := append(st.rem, data...)
	bs := st.blk.BlockSize()
	pkcs5 := st.padding == padPKCS5
	var out []byte
	if final {
		if pkcs5 && !decrypt {
			k := bs - len(buf)%bs
			for range k {
				buf = append(buf, byte(k))
			}
		}
		if len(buf)%bs != 0 {
			if decrypt {
				return b, fail(rrCryptographicFailure, "ciphertext not a whole number of blocks")
			}
			return b, fail(rrInvalidField, "padding method %d with %d bytes of data not supported", st.padding, len(buf))
		}
		out = st.crypt(buf)
		if pkcs5 && decrypt {
			var ok bool
			if out, ok = unpadPKCS5(out, bs); !ok {
				return b, fail(rrCryptographicFailure, "bad padding")
			}
		}
	} else {
		n := len(buf) / bs * bs
		if pkcs5 && decrypt && n == len(buf) && n > 0 {
			n -= bs // may be the padded block
		}
		out = st.crypt(buf[:n])
		st.rem = slices.Clone(buf[n:])
	}
	b = appendID(b, o)
	if len(out) > 0 || oneShot {
		b = ttlv.AppendByteString(b, ttlv.TagData, out)
	}
	if genIV != nil {
		b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, genIV)
	}
	if final {
		return b, nil
	}
	st.last = c.now
	c.s.parts.put(cv, st)
	return ttlv.AppendByteString(b, ttlv.TagCorrelationValue, cv), nil
}

// crypt runs the stream's cipher over whole blocks, into a new slice.
func (st *partStream) crypt(in []byte) []byte {
	out := slices.Clone(in)
	if st.cbc != nil {
		st.cbc.CryptBlocks(out, out)
		return out
	}
	bs := st.blk.BlockSize()
	for i := 0; i < len(out); i += bs {
		if st.decrypt {
			st.blk.Decrypt(out[i:], out[i:])
		} else {
			st.blk.Encrypt(out[i:], out[i:])
		}
	}
	return out
}

// unpadPKCS5 removes PKCS#5 (RFC 8018 §6.1.1) padding.
func unpadPKCS5(out []byte, bs int) ([]byte, bool) {
	if len(out) == 0 {
		return nil, false
	}
	k := int(out[len(out)-1])
	if k == 0 || k > bs || k > len(out) {
		return nil, false
	}
	for _, x := range out[len(out)-k:] {
		if int(x) != k {
			return nil, false
		}
	}
	return out[:len(out)-k], true
}
