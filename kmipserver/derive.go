package kmipserver

import (
	"crypto"
	"crypto/hmac"
	"crypto/pbkdf2"
	"encoding/binary"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Values of Derive Key (KMIP 2.1 §6.1.20, 1.4 §4.6).
const (
	opDeriveKey uint32 = 0x05 // Operation, 2.1 §11.36

	derivePBKDF2       uint32 = 0x01 // Derivation Method, 2.1 §11.14
	deriveHash         uint32 = 0x02
	deriveHMAC         uint32 = 0x03
	deriveNIST800108C  uint32 = 0x05
	usageDeriveKey     uint32 = 0x200 // Cryptographic Usage Mask, §12.1
	linkDerivationBase uint32 = 0x104 // Link Type, 2.1 §11.28
	linkDerivedKey     uint32 = 0x105
)

// deriveKey answers Derive Key (2.1 §6.1.20, 1.4 §4.6): a Symmetric Key
// or Secret Data of the Cryptographic Length asked, derived from the base
// objects with PBKDF2 (RFC 8018: the base object's bytes, or Derivation
// Data, as the password; SHA-1 unless Cryptographic Parameters name
// another hash), HASH (the hash of Derivation Data, or else of the base
// key), HMAC (over Derivation Data, keyed with the base key; its hash is
// the HMAC key's algorithm's or Cryptographic Parameters') or NIST SP
// 800-108 in counter mode with an HMAC PRF (Derivation Data is
// Label‖0x00‖Context), or Asymmetric Key (ECDH of a Private Key and a
// Public Key, agree.go). A length past what the method gives fails. The new
// object and its bases are linked both ways (Derivation Base Object,
// Derived Key).
func (c *reqCtx) deriveKey(p *ttlv.Value, b []byte) ([]byte, *opError) {
	ot := p.Child(ttlv.TagObjectType)
	if ot == nil || (uint32(ot.Num) != objSymmetricKey && uint32(ot.Num) != objSecretData) {
		return b, fail(rrInvalidField, "Derive Key makes a Symmetric Key or Secret Data")
	}
	method := p.Child(ttlv.TagDerivationMethod)
	params := p.Child(ttlv.TagDerivationParameters)
	if method == nil || params == nil {
		return b, fail(rrInvalidField, "Derive Key without Derivation Method or Derivation Parameters")
	}
	var bases []*object
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
		bases = append(bases, o)
	}
	if len(bases) == 0 { // the ID Placeholder is not used here (1.4 §4.6)
		return b, fail(rrInvalidField, "Derive Key without the Unique Identifier of a base object")
	}
	in, err := collectAttrs(nil, templateOf(p, ttlv.TagTemplateAttribute, ttlv.TagAttributes))
	if err != nil {
		return b, err
	}
	if err := c.newNames(in); err != nil { // names.go
		return b, err
	}
	base := bases[0]
	asymmetric := uint32(method.Num) == deriveAsymmetric
	var key []byte
	var kerr *opError
	c.rlock(base)
	if !asymmetric {
		key, kerr = base.derivationKey()
	}
	cp := paramsOf(params, base)
	baseAlg := base.alg
	base.mu.RUnlock()
	if asymmetric && kerr == nil {
		key, kerr = c.agreedSecret(bases, cp) // agree.go
	}
	if kerr != nil {
		return b, kerr
	}
	id, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	o := &object{id: id}
	o.typ = uint32(ot.Num)
	if err := c.applyInitial(o, in); err != nil {
		return b, err
	}
	if _, err := c.withDefaults(o, o.typ); err != nil { // defaults.go
		return b, err
	}
	if o.length <= 0 || o.length%8 != 0 {
		return b, fail(rrInvalidField, "Derive Key needs a Cryptographic Length in whole bytes")
	}
	if o.typ == objSymmetricKey && o.alg == 0 {
		return b, fail(rrInvalidField, "Derive Key of a Symmetric Key needs a Cryptographic Algorithm")
	}
	n := int(o.length / 8)
	data := bytesOf(params, ttlv.TagDerivationData)
	var out []byte
	switch uint32(method.Num) {
	case derivePBKDF2:
		salt, iter := bytesOf(params, ttlv.TagSalt), params.Child(ttlv.TagIterationCount)
		if salt == nil || iter == nil || iter.Num <= 0 {
			return b, fail(rrInvalidField, "PBKDF2 needs a Salt and a positive Iteration Count")
		}
		if iter.Num > 1_000_000 {
			return b, fail(rrInvalidField, "Iteration Count %d over this server's limit (1 000 000)", iter.Num)
		}
		password := key
		if data != nil {
			password = data
		}
		h, err := hashOf(cp.hashAlg, 0)
		if err != nil {
			return b, err
		}
		if h == 0 {
			h = crypto.SHA1 // PBKDF2's default PRF, HMAC-SHA-1 (RFC 8018 §5.2)
		}
		var perr error
		if out, perr = pbkdf2.Key(h.New, string(password), salt, int(iter.Num), n); perr != nil {
			return b, fail(rrCryptographicFailure, "PBKDF2: %v", perr)
		}
	case deriveHash:
		h, err := hashOf(cp.hashAlg, 0)
		if err != nil {
			return b, err
		}
		if h == 0 {
			return b, fail(rrInvalidField, "HASH derivation needs the Hashing Algorithm in Cryptographic Parameters")
		}
		src := key
		if data != nil {
			src = data
		}
		hh := h.New()
		hh.Write(src)
		out = hh.Sum(nil)
	case deriveHMAC, deriveNIST800108C:
		newHash, isHMAC := hmacHash(baseAlg)
		if h, err := hashOf(cp.hashAlg, 0); err != nil {
			return b, err
		} else if h != 0 {
			newHash, isHMAC = h.New, true
		}
		if !isHMAC {
			return b, fail(rrInvalidField, "HMAC derivation needs an HMAC key or a Hashing Algorithm")
		}
		if data == nil {
			return b, fail(rrInvalidField, "HMAC derivation needs Derivation Data")
		}
		mac := hmac.New(newHash, key)
		if uint32(method.Num) == deriveHMAC {
			mac.Write(data)
			out = mac.Sum(nil)
			break
		}
		// SP 800-108r1 §4.1: K(i) = PRF(key, [i]₃₂ ‖ Label ‖ 0x00 ‖ Context ‖ [L]₃₂).
		var ctr, l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(8*n))
		for i := uint32(1); len(out) < n; i++ {
			binary.BigEndian.PutUint32(ctr[:], i)
			mac.Reset()
			mac.Write(ctr[:])
			mac.Write(data)
			mac.Write(l[:])
			out = mac.Sum(out)
		}
	case deriveAsymmetric:
		out = key
	default:
		return b, fail(rrInvalidField, "derivation method %d not supported (PBKDF2, HASH, HMAC, NIST800-108-C, Asymmetric Key)", method.Num)
	}
	if n > len(out) {
		return b, fail(rrInvalidField, "Cryptographic Length %d exceeds the %d bits the derivation gives", o.length, 8*len(out))
	}
	out = out[:n]
	if o.typ == objSymmetricKey {
		if err := c.checkSymmetric(o); err != nil {
			return b, err
		}
		if err := o.setSymmetric(out, kfRaw); err != nil {
			return b, err
		}
	} else {
		o.setSecretData(out)
	}
	for _, bo := range bases {
		o.attrs = append(o.attrs, linkAttr(linkDerivationBase, bo.id))
	}
	c.initDates(o, false)
	if err := c.constrain(o); err != nil { // constraints.go
		return b, err
	}
	c.add(o)
	c.recordCreated(o)
	for _, bo := range bases {
		bo.mu.Lock()
		c.record(bo)
		bo.attrs = append(bo.attrs, linkAttr(linkDerivedKey, id))
		c.touch(bo)
		bo.mu.Unlock()
	}
	c.placeholder = id
	return appendID(b, o), nil
}

// derivationKey returns the bytes a derivation starts from: the key of a
// Symmetric Key, the value of Secret Data. Call with o.mu held.
func (o *object) derivationKey() ([]byte, *opError) {
	if destroyed(o.state) || o.body == nil {
		return nil, fail(rrObjectDestroyed, "object %s is destroyed", o.id)
	}
	if o.hasUsage && o.usage&usageDeriveKey == 0 {
		return nil, fail(rrIncompatibleUsageMask, "object %s may not derive keys (no Derive Key in its Cryptographic Usage Mask)", o.id)
	}
	if o.sym != nil {
		return o.sym, nil
	}
	if o.typ == objSecretData || o.typ == objSymmetricKey {
		var v ttlv.Value
		if ttlv.Unmarshal(o.body, &v) == nil {
			if kb := v.Child(ttlv.TagKeyBlock); kb != nil {
				if kv := kb.Child(ttlv.TagKeyValue); kv != nil {
					if km := kv.Child(ttlv.TagKeyMaterial); km != nil && km.Type == ttlv.TypeByteString {
						return km.Bytes, nil
					}
				}
			}
		}
	}
	return nil, fail(rrInvalidField, "object %s holds no key material a derivation can use", o.id)
}
