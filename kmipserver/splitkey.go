package kmipserver

import (
	"io"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Create Split Key and Join Split Key (KMIP 1.4 §4.38–4.39, 2.1 §6.1.13,
// 6.1.27; the Split Key object, 1.4 §2.2.5).
const (
	opCreateSplitKey uint32 = 0x28 // Operation, 1.4 §9.1.3.2.27
	opJoinSplitKey   uint32 = 0x29

	splitXOR     uint32 = 0x01 // Split Key Method, 1.4 §9.1.3.2.8
	splitGF2_8   uint32 = 0x04 // Polynomial Sharing GF(2^8)
	maxSplitKeys        = 255  // the x-coordinates of GF(2^8), 1 to 255
)

// splitKeyInfo is what a Split Key object says of its split.
type splitKeyInfo struct {
	parts, part, threshold int
	method                 uint32
	material               []byte
	alg                    uint32
	length                 int32
}

// createSplitKey answers Create Split Key: the key named by the request
// (or, without one, a new secret of the requested Cryptographic
// Algorithm and Length) split into Split Key Parts Split Key objects, any
// Split Key Threshold of which rebuild it: XOR (every part needed) or
// Shamir's polynomial sharing over GF(2^8) (FIPS 197 §4.2's field, the
// part's Key Part Identifier as its x-coordinate). The parts take the
// key's algorithm, length and usage mask, then the request's attributes;
// the ID Placeholder names part 1.
func (c *reqCtx) createSplitKey(p *ttlv.Value, b []byte) ([]byte, *opError) {
	if ot := p.Child(ttlv.TagObjectType); ot == nil || uint32(ot.Num) != objSplitKey {
		return b, fail(rrInvalidField, "Create Split Key needs Object Type Split Key")
	}
	n, t := intOf(p, ttlv.TagSplitKeyParts), intOf(p, ttlv.TagSplitKeyThreshold)
	method := uint32(intOf(p, ttlv.TagSplitKeyMethod))
	switch {
	case n < 1 || n > maxSplitKeys || t < 1 || t > n:
		return b, fail(rrInvalidField, "Split Key Parts %d and Threshold %d: want 1 ≤ Threshold ≤ Parts ≤ %d", n, t, maxSplitKeys)
	case method == splitXOR && t != n:
		return b, fail(rrInvalidField, "XOR splits need every part: Threshold %d, Parts %d", t, n)
	case method != splitXOR && method != splitGF2_8:
		return b, fail(rrInvalidField, "Split Key Method %d not supported (XOR, Polynomial Sharing GF(2^8))", method)
	}
	in, err := collectAttrs(nil, templateOf(p, ttlv.TagTemplateAttribute, ttlv.TagAttributes))
	if err != nil {
		return b, err
	}
	if err := c.newNames(in); err != nil { // names.go
		return b, err
	}
	var secret []byte
	base := &object{}
	if p.Child(ttlv.TagUniqueIdentifier) != nil {
		o, err := c.lookup(p)
		if err != nil {
			return b, err
		}
		c.rlock(o)
		if o.sym == nil {
			o.mu.RUnlock()
			return b, fail(rrInvalidField, "object %s holds no symmetric key material to split", o.id)
		}
		secret = append([]byte(nil), o.sym...)
		base.alg, base.length, base.usage, base.hasUsage = o.alg, o.length, o.usage, o.hasUsage
		o.mu.RUnlock()
	} else {
		if err := c.applyInitial(base, in); err != nil {
			return b, err
		}
		// the parts' defaults make the secret too (defaults.go)
		if _, err := c.withDefaults(base, objSplitKey); err != nil {
			return b, err
		}
		if base.length <= 0 || base.length%8 != 0 || base.length > 4096 {
			return b, fail(rrInvalidField, "Cryptographic Length %d: want a whole number of bytes up to 512", base.length)
		}
		secret = make([]byte, base.length/8)
		if _, err := io.ReadFull(c.s.rand, secret); err != nil {
			return b, fail(rrCryptographicFailure, "key generation: %v", err)
		}
	}
	shares, serr := splitSecret(secret, int(n), int(t), method, c.s.rand)
	if serr != nil {
		return b, serr
	}
	objs := make([]*object, n)
	for i := range objs {
		id, ierr := c.s.newID()
		if ierr != nil {
			return b, fail(rrGeneralFailure, "%v", ierr)
		}
		o := &object{id: id}
		o.typ, o.alg, o.length, o.usage, o.hasUsage = objSplitKey, base.alg, base.length, base.usage, base.hasUsage
		if err := c.applyInitial(o, in); err != nil {
			return b, err
		}
		if _, err := c.withDefaults(o, o.typ); err != nil { // defaults.go
			return b, err
		}
		body := splitKeyValue(splitKeyInfo{parts: int(n), part: i + 1, threshold: int(t), method: method,
			material: shares[i], alg: o.alg, length: o.length})
		if err := c.loadObject(o, &body); err != nil {
			return b, err
		}
		c.initDates(o, false)
		objs[i] = o
	}
	if err := c.constrain(objs...); err != nil { // constraints.go
		return b, err
	}
	for _, o := range objs {
		c.add(o)
		c.recordCreated(o)
		b = appendID(b, o)
	}
	c.placeholder = objs[0].id
	return b, nil
}

// joinSplitKey answers Join Split Key: at least Split Key Threshold parts
// of one split (Cryptographic Failure with fewer, as 1.4 §11.40 says)
// rebuild the secret as a new Symmetric Key or Secret Data, with the
// parts' algorithm and length unless the request gives others; the ID
// Placeholder names it.
func (c *reqCtx) joinSplitKey(p *ttlv.Value, b []byte) ([]byte, *opError) {
	ot := p.Child(ttlv.TagObjectType)
	if ot == nil || uint32(ot.Num) != objSymmetricKey && uint32(ot.Num) != objSecretData {
		return b, fail(rrInvalidField, "Join Split Key makes a Symmetric Key or Secret Data")
	}
	in, err := collectAttrs(nil, templateOf(p, ttlv.TagTemplateAttribute, ttlv.TagAttributes))
	if err != nil {
		return b, err
	}
	if err := c.newNames(in); err != nil { // names.go
		return b, err
	}
	var infos []splitKeyInfo
	seen := map[int]bool{}
	for i := range p.Children {
		ch := &p.Children[i]
		if ch.Tag != ttlv.TagUniqueIdentifier {
			continue
		}
		o, denied := c.find(ch.Bytes)
		if denied != nil {
			return b, denied
		}
		if o == nil {
			return b, c.notFound(ch.Bytes)
		}
		c.rlock(o)
		info, ok := o.splitKey()
		o.mu.RUnlock()
		if !ok {
			return b, fail(rrInvalidField, "object %s is not a Split Key", o.id)
		}
		if len(infos) > 0 && (info.method != infos[0].method || info.threshold != infos[0].threshold ||
			info.parts != infos[0].parts || len(info.material) != len(infos[0].material)) {
			return b, fail(rrInvalidField, "object %s is a part of another split", o.id)
		}
		if seen[info.part] {
			return b, fail(rrInvalidField, "Key Part Identifier %d given twice", info.part)
		}
		seen[info.part] = true
		infos = append(infos, info)
	}
	if len(infos) == 0 {
		return b, fail(rrInvalidField, "Join Split Key without Unique Identifiers")
	}
	if len(infos) < infos[0].threshold {
		return b, fail(rrCryptographicFailure, "%d parts of a split whose threshold is %d", len(infos), infos[0].threshold)
	}
	secret := joinShares(infos)
	id, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	o := &object{id: id}
	o.typ, o.alg, o.length = uint32(ot.Num), infos[0].alg, infos[0].length
	if err := c.applyInitial(o, in); err != nil {
		return b, err
	}
	if _, err := c.withDefaults(o, o.typ); err != nil { // defaults.go
		return b, err
	}
	if o.length == 0 {
		o.length = int32(8 * len(secret))
	}
	desBits := o.alg == alg3DES && (o.length == 168 && len(secret) == 24 || o.length == 112 && len(secret) == 16)
	if int(o.length) != 8*len(secret) && !desBits {
		return b, fail(rrCryptographicFailure, "the parts make %d bits, not the Cryptographic Length %d", 8*len(secret), o.length)
	}
	if o.typ == objSymmetricKey {
		if err := o.setSymmetric(secret, kfRaw); err != nil {
			return b, err
		}
	} else {
		body := ttlv.Structure(ttlv.TagSecretData, ttlv.Enumeration(ttlv.TagSecretDataType, secretDataType(p)),
			ttlv.Structure(ttlv.TagKeyBlock, ttlv.Enumeration(ttlv.TagKeyFormatType, kfOpaque),
				ttlv.Structure(ttlv.TagKeyValue, ttlv.ByteString(ttlv.TagKeyMaterial, secret))))
		if err := c.loadObject(o, &body); err != nil {
			return b, err
		}
	}
	c.initDates(o, false)
	if err := c.constrain(o); err != nil {
		return b, err
	}
	c.add(o)
	c.recordCreated(o)
	c.placeholder = id
	return appendID(b, o), nil
}

// secretDataType is the request's Secret Data Type, Seed by default.
func secretDataType(p *ttlv.Value) uint32 {
	if v := p.Child(ttlv.TagSecretDataType); v != nil {
		return uint32(v.Num)
	}
	return 0x02 // Seed (1.4 §9.1.3.2.9)
}

func intOf(p *ttlv.Value, t ttlv.Tag) int64 {
	if v := p.Child(t); v != nil {
		return v.Num
	}
	return 0
}

// splitKeyValue is the Split Key object of one part (1.4 §2.2.5).
func splitKeyValue(s splitKeyInfo) ttlv.Value {
	return ttlv.Structure(ttlv.TagSplitKey,
		ttlv.Integer(ttlv.TagSplitKeyParts, int32(s.parts)),
		ttlv.Integer(ttlv.TagKeyPartIdentifier, int32(s.part)),
		ttlv.Integer(ttlv.TagSplitKeyThreshold, int32(s.threshold)),
		ttlv.Enumeration(ttlv.TagSplitKeyMethod, s.method),
		ttlv.Structure(ttlv.TagKeyBlock,
			ttlv.Enumeration(ttlv.TagKeyFormatType, kfRaw),
			ttlv.Structure(ttlv.TagKeyValue, ttlv.ByteString(ttlv.TagKeyMaterial, s.material)),
			ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, s.alg),
			ttlv.Integer(ttlv.TagCryptographicLength, s.length)))
}

// splitKey reads the split of a Split Key object (registered or made by
// Create Split Key); ok false for any other object. Call it with o.mu
// held.
func (o *object) splitKey() (splitKeyInfo, bool) {
	if o.typ != objSplitKey || o.body == nil {
		return splitKeyInfo{}, false
	}
	var v ttlv.Value
	if ttlv.Unmarshal(o.body, &v) != nil {
		return splitKeyInfo{}, false
	}
	s := splitKeyInfo{parts: int(intOf(&v, ttlv.TagSplitKeyParts)), part: int(intOf(&v, ttlv.TagKeyPartIdentifier)),
		threshold: int(intOf(&v, ttlv.TagSplitKeyThreshold)), method: uint32(intOf(&v, ttlv.TagSplitKeyMethod)),
		alg: o.alg, length: o.length}
	if kb := v.Child(ttlv.TagKeyBlock); kb != nil {
		if kv := kb.Child(ttlv.TagKeyValue); kv != nil {
			if km := kv.Child(ttlv.TagKeyMaterial); km != nil && km.Type == ttlv.TypeByteString {
				s.material = km.Bytes
			}
		}
	}
	ok := s.material != nil && s.part >= 1 && s.part <= s.parts && s.threshold >= 1 && s.threshold <= s.parts &&
		(s.method == splitXOR || s.method == splitGF2_8)
	return s, ok
}

// splitSecret splits secret into n shares, any t of which rebuild it.
func splitSecret(secret []byte, n, t int, method uint32, rnd io.Reader) ([][]byte, *opError) {
	shares := make([][]byte, n)
	for i := range shares {
		shares[i] = make([]byte, len(secret))
	}
	if method == splitXOR {
		copy(shares[n-1], secret)
		for i := 0; i < n-1; i++ {
			if _, err := io.ReadFull(rnd, shares[i]); err != nil {
				return nil, fail(rrCryptographicFailure, "random share: %v", err)
			}
			for j := range secret {
				shares[n-1][j] ^= shares[i][j]
			}
		}
		return shares, nil
	}
	// Shamir over GF(2^8), one polynomial of degree t-1 per byte: its
	// constant term the secret byte, share i its value at x = i+1.
	coef := make([]byte, t-1)
	for j, s := range secret {
		if _, err := io.ReadFull(rnd, coef); err != nil {
			return nil, fail(rrCryptographicFailure, "random coefficients: %v", err)
		}
		for i := range shares {
			x := byte(i + 1)
			y := byte(0)
			for k := len(coef) - 1; k >= 0; k-- { // Horner
				y = gfMul(y, x) ^ coef[k]
			}
			shares[i][j] = gfMul(y, x) ^ s
		}
	}
	return shares, nil
}

// joinShares rebuilds the secret from at least threshold shares.
func joinShares(infos []splitKeyInfo) []byte {
	out := make([]byte, len(infos[0].material))
	if infos[0].method == splitXOR {
		for _, s := range infos {
			for j, v := range s.material {
				out[j] ^= v
			}
		}
		return out
	}
	// Lagrange interpolation at x = 0: secret = Σ y_i Π_{j≠i} x_j/(x_j − x_i),
	// subtraction being XOR in GF(2^8).
	use := infos[:infos[0].threshold]
	for i, si := range use {
		xi := byte(si.part)
		l := byte(1)
		for j, sj := range use {
			if i != j {
				xj := byte(sj.part)
				l = gfMul(l, gfMul(xj, gfInv(xj^xi)))
			}
		}
		for k, y := range si.material {
			out[k] ^= gfMul(y, l)
		}
	}
	return out
}

// gfMul multiplies in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197
// §4.2).
func gfMul(a, b byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1b
		}
		b >>= 1
	}
	return p
}

// gfInv is the multiplicative inverse in GF(2^8): a^254 (a ≠ 0).
func gfInv(a byte) byte {
	r := byte(1)
	for range 254 {
		r = gfMul(r, a)
	}
	return r
}
