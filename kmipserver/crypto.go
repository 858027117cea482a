package kmipserver

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"hash"
	"io"
	"slices"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// keySpec is what a Create Key Pair asks for.
type keySpec struct {
	alg    uint32
	length int32
	curve  uint32
}

func (k *keySpec) take(a *attrIn) {
	switch a.tag {
	case ttlv.TagCryptographicAlgorithm:
		if k.alg == 0 {
			k.alg = uint32(a.val.Num)
		}
	case ttlv.TagCryptographicLength:
		if k.length == 0 {
			k.length = int32(a.val.Num)
		}
	case ttlv.TagCryptographicDomainParameters:
		if rc := a.val.Child(ttlv.TagRecommendedCurve); rc != nil && k.curve == 0 {
			k.curve = uint32(rc.Num)
		}
		if q := a.val.Child(ttlv.TagQlength); q != nil && k.length == 0 {
			k.length = int32(q.Num)
		}
	}
}

// encodeKeyBody encodes an object Structure holding a Key Block (KMIP 2.1
// §2.1.3): Key Format Type, Key Value{Key Material}, Cryptographic
// Algorithm and Length.
func encodeKeyBody(objTag ttlv.Tag, kf uint32, material []byte, alg uint32, length int32) []byte {
	b, m := ttlv.BeginStructure(make([]byte, 0, 96+len(material)), objTag)
	b, kb := ttlv.BeginStructure(b, ttlv.TagKeyBlock)
	b = ttlv.AppendEnumeration(b, ttlv.TagKeyFormatType, kf)
	b, kv := ttlv.BeginStructure(b, ttlv.TagKeyValue)
	if kf == kfTransparentSK {
		var km int
		b, km = ttlv.BeginStructure(b, ttlv.TagKeyMaterial)
		b = ttlv.AppendByteString(b, ttlv.TagKey, material)
		ttlv.EndStructure(b, km)
	} else {
		b = ttlv.AppendByteString(b, ttlv.TagKeyMaterial, material)
	}
	ttlv.EndStructure(b, kv)
	if alg != 0 {
		b = ttlv.AppendEnumeration(b, ttlv.TagCryptographicAlgorithm, alg)
	}
	if length != 0 {
		b = ttlv.AppendInteger(b, ttlv.TagCryptographicLength, length)
	}
	ttlv.EndStructure(b, kb)
	ttlv.EndStructure(b, m)
	return b
}

// isHMAC reports an HMAC algorithm and its hash.
func hmacHash(alg uint32) (func() hash.Hash, bool) {
	switch alg {
	case algHMACSHA1:
		return sha1.New, true
	case algHMACSHA224:
		return sha256.New224, true
	case algHMACSHA256:
		return sha256.New, true
	case algHMACSHA384:
		return sha512.New384, true
	case algHMACSHA512:
		return sha512.New, true
	}
	return nil, false
}

// checkSymmetric refuses a derived key of an algorithm or length the
// server does not make (AES 128/192/256, HMAC of whole bytes).
func (c *reqCtx) checkSymmetric(o *object) *opError {
	if _, isHMAC := hmacHash(o.alg); isHMAC {
		if o.length > 4096 {
			return fail(rrInvalidField, "HMAC key length %d not supported", o.length)
		}
		return nil
	}
	if o.alg == algAES && (o.length == 128 || o.length == 192 || o.length == 256) {
		return nil
	}
	return fail(rrInvalidField, "derived key of algorithm %d, %d bits, not supported (AES 128/192/256, HMAC)", o.alg, o.length)
}

// genSymmetric makes the key of a Create: AES 128/192/256, 3DES (two or
// three keys; stored and returned, not used for Encrypt), or an HMAC key
// of any whole number of bytes up to 512.
func (c *reqCtx) genSymmetric(o *object) *opError {
	switch _, isHMAC := hmacHash(o.alg); {
	case o.alg == algAES:
		if o.length != 128 && o.length != 192 && o.length != 256 {
			return fail(rrInvalidField, "AES key length %d not supported (128, 192, 256)", o.length)
		}
	case isHMAC:
		if o.length <= 0 || o.length%8 != 0 || o.length > 4096 {
			return fail(rrInvalidField, "HMAC key length %d not supported", o.length)
		}
	case o.alg == alg3DES:
		switch o.length {
		case 0, 168, 192:
			o.length = 168
		case 112, 128:
			o.length = 112
		default:
			return fail(rrInvalidField, "3DES key length %d not supported (112, 168)", o.length)
		}
		key := make([]byte, 8*(o.length/56))
		if _, err := io.ReadFull(c.s.rand, key); err != nil {
			return fail(rrCryptographicFailure, "key generation: %v", err)
		}
		return o.setSymmetric(key, kfRaw)
	case o.alg == 0:
		return fail(rrInvalidField, "Create without Cryptographic Algorithm")
	default:
		return fail(rrInvalidField, "Create of algorithm %d not supported (AES, HMAC)", o.alg)
	}
	key := make([]byte, o.length/8)
	if _, err := io.ReadFull(c.s.rand, key); err != nil {
		return fail(rrCryptographicFailure, "key generation: %v", err)
	}
	return o.setSymmetric(key, kfRaw)
}

// genSecretData makes the value of a Secret Data Create: random bytes of
// the Cryptographic Length (a whole number of bytes up to 512), a Password
// in an Opaque Key Block (as the OASIS case TC-CREATE-SD-1 expects).
func (c *reqCtx) genSecretData(o *object) *opError {
	if o.length <= 0 || o.length%8 != 0 || o.length > 4096 {
		return fail(rrInvalidField, "Secret Data length %d not supported", o.length)
	}
	v := make([]byte, o.length/8)
	if _, err := io.ReadFull(c.s.rand, v); err != nil {
		return fail(rrCryptographicFailure, "random: %v", err)
	}
	o.setSecretData(v)
	return nil
}

// setSecretData installs the value of Secret Data: a Password in an Opaque
// Key Block.
func (o *object) setSecretData(v []byte) {
	b, m := ttlv.BeginStructure(nil, ttlv.TagSecretData)
	b = ttlv.AppendEnumeration(b, ttlv.TagSecretDataType, secretPassword)
	b, kb := ttlv.BeginStructure(b, ttlv.TagKeyBlock)
	b = ttlv.AppendEnumeration(b, ttlv.TagKeyFormatType, kfOpaque)
	b, kv := ttlv.BeginStructure(b, ttlv.TagKeyValue)
	b = ttlv.AppendByteString(b, ttlv.TagKeyMaterial, v)
	ttlv.EndStructure(b, kv)
	ttlv.EndStructure(b, kb)
	ttlv.EndStructure(b, m)
	o.kf, o.body = kfOpaque, b
	o.encodeGetResp()
	o.setDigest(v, kfOpaque)
}

// setKeyBlockInfo reads what the attributes take of the Key Block of
// registered Secret Data or a PGP Key, kept as given: its Key Format Type
// (the Key Format Type attribute, 2.1 §4.26), the Cryptographic Algorithm
// and Length it names, when the request's attributes did not, and the
// Digest of its Key Material, a Byte String, in that format (1.4 §3.17,
// 2.1 §4.21).
func (o *object) setKeyBlockInfo(kb *ttlv.Value) {
	if kb == nil {
		return
	}
	kft, kv := kb.Child(ttlv.TagKeyFormatType), kb.Child(ttlv.TagKeyValue)
	if kft == nil || kft.Type != ttlv.TypeEnumeration {
		return
	}
	o.kf = uint32(kft.Num)
	if a := kb.Child(ttlv.TagCryptographicAlgorithm); a != nil && a.Type == ttlv.TypeEnumeration && o.alg == 0 {
		o.alg = uint32(a.Num)
	}
	if l := kb.Child(ttlv.TagCryptographicLength); l != nil && l.Type == ttlv.TypeInteger && l.Num > 0 && o.length == 0 {
		o.length = int32(l.Num)
	}
	if kv == nil || kv.Type != ttlv.TypeStructure || kb.Child(ttlv.TagKeyWrappingData) != nil {
		return
	}
	if km := kv.Child(ttlv.TagKeyMaterial); km != nil && km.Type == ttlv.TypeByteString {
		o.setDigest(km.Bytes, o.kf)
	}
}

// setDigest sets the Digest attribute of key material (KMIP 1.4 §3.17,
// 2.1 §4.14): SHA-256 of the Key Material as encoded in its Key Format
// Type.
func (o *object) setDigest(material []byte, kf uint32) {
	sum := sha256.Sum256(material)
	b, m := ttlv.BeginStructure(nil, ttlv.TagDigest)
	b = ttlv.AppendEnumeration(b, ttlv.TagHashingAlgorithm, hashSHA256)
	b = ttlv.AppendByteString(b, ttlv.TagDigestValue, sum[:])
	b = ttlv.AppendEnumeration(b, ttlv.TagKeyFormatType, kf)
	ttlv.EndStructure(b, m)
	a := attr{tag: ttlv.TagDigest, enc: b}
	if i := o.findAttr(ttlv.TagDigest, "", "", 0); i >= 0 {
		o.attrs[i] = a
		return
	}
	o.attrs = append(o.attrs, a)
}

// setSymmetric installs symmetric key material and its encodings.
func (o *object) setSymmetric(key []byte, kf uint32) *opError {
	o.sym = key
	if o.alg == algAES {
		blk, err := aes.NewCipher(key)
		if err != nil {
			return fail(rrInvalidField, "AES key: %v", err)
		}
		if o.aead, err = cipher.NewGCM(blk); err != nil {
			return fail(rrCryptographicFailure, "AES-GCM: %v", err)
		}
	}
	o.kf = kf
	o.body = encodeKeyBody(ttlv.TagSymmetricKey, kf, key, o.alg, o.length)
	o.encodeGetResp()
	o.setDigest(key, kf)
	return nil
}

// genKeyPair makes the keys of a Create Key Pair: RSA 2048–4096, ECDSA,
// ECDH or EC on P-256/P-384/P-521 or secp256k1 (secp256k1.go), X25519
// (ECDH or EC on CURVE25519, as the seed request asks), Ed25519.
func (c *reqCtx) genKeyPair(k keySpec, po, uo *object) *opError {
	var priv crypto.PrivateKey
	length := k.length
	var err error
	switch {
	case k.alg == algRSA:
		if length == 0 {
			length = 2048
		}
		if length < 2048 || length > 4096 {
			return fail(rrInvalidField, "RSA key length %d not supported (2048–4096)", length)
		}
		if int(length) > c.s.maxRSABits {
			return fail(rrInvalidField, "RSA key length %d over this server's limit (%d)", length, max(c.s.maxRSABits, 0))
		}
		priv, err = rsa.GenerateKey(c.s.rand, int(length))
	case k.alg == algEd25519, k.curve == curveEd25519Alt, k.alg == algECDSA && k.curve == curve25519:
		_, priv, err = ed25519.GenerateKey(c.s.rand)
		length = 256
	case (k.alg == algECDH || k.alg == algEC) && k.curve == curve25519:
		priv, err = ecdh.X25519().GenerateKey(c.s.rand)
		length = 256
	case k.alg == algECDSA || k.alg == algECDH || k.alg == algEC:
		curve := k.curve
		if curve == 0 {
			curve = map[int32]uint32{0: curveP256, 256: curveP256, 384: curveP384, 521: curveP521}[length]
		}
		var ec elliptic.Curve
		switch curve {
		case curveP256:
			ec, length = elliptic.P256(), 256
		case curveP384:
			ec, length = elliptic.P384(), 384
		case curveP521:
			ec, length = elliptic.P521(), 521
		case curveSECP256K1:
			length = 256
		default:
			return fail(rrInvalidField, "curve %d / length %d not supported (P-256, P-384, P-521, SECP256K1, CURVE25519)", k.curve, k.length)
		}
		if ec == nil {
			priv, err = generateK1(c.s.rand)
		} else {
			priv, err = ecdsa.GenerateKey(ec, c.s.rand)
		}
	case k.alg == 0:
		return fail(rrInvalidField, "Create Key Pair without Cryptographic Algorithm")
	default:
		return fail(rrInvalidField, "Create Key Pair of algorithm %d not supported (RSA, ECDSA, ECDH, EC, Ed25519)", k.alg)
	}
	if err != nil {
		return fail(rrCryptographicFailure, "key generation: %v", err)
	}
	for _, o := range []*object{po, uo} {
		o.alg, o.length = k.alg, length
	}
	if e := po.setPrivate(priv, 0); e != nil {
		return e
	}
	return uo.setPublic(publicOf(priv), 0)
}

func publicOf(priv crypto.PrivateKey) crypto.PublicKey {
	switch k := priv.(type) {
	case *ecdh.PrivateKey:
		return k.PublicKey()
	case crypto.Signer:
		return k.Public()
	}
	return nil
}

// wantedFormat is the Key Format Type the object's attributes ask for
// (KMIP 2.x Key Format Type attribute), 0 if none.
func (o *object) wantedFormat() uint32 {
	if i := o.findAttr(ttlv.TagKeyFormatType, "", "", 0); i >= 0 {
		_, v, n := ttlv.ConsumeEnumeration(o.attrs[i].enc)
		if n > 0 {
			return v
		}
	}
	return 0
}

// setPrivate installs a private key, encoded in kf, the format asked for
// when it fits the key, or the default (PKCS#1 for RSA, PKCS#8 otherwise).
func (o *object) setPrivate(priv crypto.PrivateKey, kf uint32) *opError {
	o.priv, o.pub = priv, publicOf(priv)
	for _, f := range []uint32{kf, o.wantedFormat()} {
		if f == 0 {
			continue
		}
		if m, ok := o.material(f); ok {
			o.kf, o.body = f, encodeKeyBody(ttlv.TagPrivateKey, f, m, o.alg, o.length)
			o.encodeGetResp()
			o.setDigest(m, f)
			return nil
		}
	}
	f := kfPKCS8
	if _, ok := priv.(*rsa.PrivateKey); ok {
		f = kfPKCS1
	}
	m, ok := o.material(f)
	if !ok {
		return fail(rrCryptographicFailure, "cannot encode the private key")
	}
	o.kf, o.body = f, encodeKeyBody(ttlv.TagPrivateKey, f, m, o.alg, o.length)
	o.encodeGetResp()
	o.setDigest(m, f)
	return nil
}

// setPublic installs a public key: PKCS#1 for RSA, X.509 otherwise.
func (o *object) setPublic(pub crypto.PublicKey, kf uint32) *opError {
	o.pub = pub
	f := kfX509
	if _, ok := pub.(*rsa.PublicKey); ok {
		f = kfPKCS1
	}
	if kf != 0 {
		f = kf
	} else if w := o.wantedFormat(); w != 0 {
		if _, ok := o.material(w); ok {
			f = w
		}
	}
	m, ok := o.material(f)
	if !ok {
		return fail(rrCryptographicFailure, "cannot encode the public key")
	}
	o.kf, o.body = f, encodeKeyBody(ttlv.TagPublicKey, f, m, o.alg, o.length)
	o.encodeGetResp()
	o.setDigest(m, f)
	return nil
}

// material encodes the object's key in a Key Format Type.
func (o *object) material(kf uint32) ([]byte, bool) {
	switch o.typ {
	case objSymmetricKey:
		if o.sym != nil && (kf == kfRaw || kf == kfTransparentSK) {
			return o.sym, true
		}
	case objPrivateKey:
		switch kf {
		case kfPKCS1:
			if k, ok := o.priv.(*rsa.PrivateKey); ok {
				return x509.MarshalPKCS1PrivateKey(k), true
			}
		case kfPKCS8:
			if k, ok := o.priv.(*k1PrivateKey); ok {
				b, err := k.pkcs8()
				return b, err == nil
			}
			if o.priv != nil {
				b, err := x509.MarshalPKCS8PrivateKey(o.priv)
				return b, err == nil
			}
		case kfECPrivateKey:
			switch k := o.priv.(type) {
			case *ecdsa.PrivateKey:
				b, err := x509.MarshalECPrivateKey(k)
				return b, err == nil
			case *k1PrivateKey:
				b, err := k.sec1()
				return b, err == nil
			}
		}
	case objPublicKey:
		switch kf {
		case kfPKCS1:
			if k, ok := o.pub.(*rsa.PublicKey); ok {
				return x509.MarshalPKCS1PublicKey(k), true
			}
		case kfX509:
			if k, ok := o.pub.(*k1PublicKey); ok {
				b, err := k.spki()
				return b, err == nil
			}
			if o.pub != nil {
				b, err := x509.MarshalPKIXPublicKey(o.pub)
				return b, err == nil
			}
		}
	}
	return nil, false
}

// convert encodes the object in another Key Format Type for a Get.
func (c *reqCtx) convert(o *object, kf uint32) ([]byte, *opError) {
	m, ok := o.material(kf)
	if !ok {
		return nil, fail(rrKeyFormatTypeUnsupported, "key format type %d not available for this object", kf)
	}
	tag, _ := objectTag(o.typ)
	return encodeKeyBody(tag, kf, m, o.alg, o.length), nil
}

// loadObject installs the object of a Register: the Structure is stored as
// given (answered by Get), and keys in the formats the server can read are
// parsed for the cryptographic operations.
func (c *reqCtx) loadObject(o *object, obj *ttlv.Value) *opError {
	kb := obj.Child(ttlv.TagKeyBlock)
	switch o.typ {
	case objSymmetricKey, objPrivateKey, objPublicKey:
		if kb == nil {
			return fail(rrInvalidField, "%s without Key Block", obj.Tag)
		}
	default:
		switch o.typ {
		case objCertificate:
			o.setCertificateAttributes(obj) // certattrs.go
		case objSecretData, objPGPKey:
			o.setKeyBlockInfo(kb)
		case objCertificateRequest:
			// Kept as given, once it reads as a request Certify could
			// certify (PKCS#10 in DER or PEM, its signature checked).
			if obj.Child(ttlv.TagCertificateRequestValue) == nil {
				return fail(rrInvalidField, "Certificate Request without Certificate Request Value")
			}
			if _, err := certRequestOf(obj); err != nil {
				return err
			}
		}
		o.body = ttlv.AppendValue(nil, obj)
		o.encodeGetResp()
		return nil
	}
	kft := kb.Child(ttlv.TagKeyFormatType)
	if kft == nil {
		return fail(rrInvalidField, "Key Block without Key Format Type")
	}
	kf := uint32(kft.Num)
	if a := kb.Child(ttlv.TagCryptographicAlgorithm); a != nil && o.alg == 0 {
		o.alg = uint32(a.Num)
	}
	if l := kb.Child(ttlv.TagCryptographicLength); l != nil && o.length == 0 {
		o.length = int32(l.Num)
	}
	store := func() *opError {
		o.kf = kf
		o.body = ttlv.AppendValue(nil, obj)
		o.encodeGetResp()
		return nil
	}
	kv := kb.Child(ttlv.TagKeyValue)
	if kv == nil {
		// metadata only (KMIP 1.4 §2.1.3: Key Value optional): Key Value
		// Present false (1.4 §3.52, 2.1 §4.32), set by the server
		o.setAttr(attr{tag: ttlv.TagKeyValuePresent, enc: ttlv.AppendBoolean(nil, ttlv.TagKeyValuePresent, false)})
		return store()
	}
	if kv.Type != ttlv.TypeStructure || kb.Child(ttlv.TagKeyWrappingData) != nil {
		return store() // wrapped: kept, not usable
	}
	km := kv.Child(ttlv.TagKeyMaterial)
	if km == nil {
		return fail(rrInvalidField, "Key Value without Key Material")
	}
	if km.Type == ttlv.TypeStructure && (kf == kfTransparentRSAPrivate && o.typ == objPrivateKey ||
		kf == kfTransparentRSAPublic && o.typ == objPublicKey) {
		if err := o.loadTransparentRSA(km, kf); err != nil { // transparent.go
			return err
		}
		return store()
	}
	var raw []byte
	switch {
	case km.Type == ttlv.TypeByteString:
		raw = slices.Clone(km.Bytes)
	case kf == kfTransparentSK:
		if k := km.Child(ttlv.TagKey); k != nil {
			raw = slices.Clone(k.Bytes)
		}
	}
	if raw == nil {
		return store() // a transparent key form the server does not read
	}
	switch o.typ {
	case objSymmetricKey:
		if kf != kfRaw && kf != kfTransparentSK {
			return store()
		}
		if o.length == 0 {
			o.length = int32(8 * len(raw))
		}
		desBits := o.alg == alg3DES && (o.length == 168 && len(raw) == 24 || o.length == 112 && len(raw) == 16)
		if int(o.length) != 8*len(raw) && !desBits {
			return fail(rrInvalidField, "Cryptographic Length %d but %d bytes of key", o.length, len(raw))
		}
		if err := o.setSymmetric(raw, kf); err != nil {
			return err
		}
		return store()
	case objPrivateKey:
		var priv crypto.PrivateKey
		var err error
		switch kf {
		case kfPKCS1:
			priv, err = x509.ParsePKCS1PrivateKey(raw)
		case kfPKCS8:
			priv, err = x509.ParsePKCS8PrivateKey(raw)
		case kfECPrivateKey:
			priv, err = x509.ParseECPrivateKey(raw)
		default:
			return store()
		}
		if err != nil {
			if k, kerr := parseK1Private(kf, raw); kerr == nil { // secp256k1.go
				priv, err = k, nil
			}
		}
		if err != nil && opaqueKey(kf, raw) {
			return store() // kept, not usable (keyform.go)
		}
		if err != nil {
			return fail(rrInvalidField, "private key material: %v", err)
		}
		if k, ok := priv.(ed25519.PrivateKey); ok {
			priv = k // value form, as GenerateKey returns
		}
		o.priv, o.pub = priv, publicOf(priv)
		o.fillKeyInfo()
		o.setDigest(raw, kf)
		return store()
	case objPublicKey:
		var pub crypto.PublicKey
		var err error
		switch kf {
		case kfPKCS1:
			pub, err = x509.ParsePKCS1PublicKey(raw)
		case kfX509:
			pub, err = x509.ParsePKIXPublicKey(raw)
		default:
			return store()
		}
		if err != nil && kf == kfX509 {
			if k, kerr := parseK1Public(raw); kerr == nil { // secp256k1.go
				pub, err = k, nil
			}
		}
		if err != nil && opaqueKey(kf, raw) {
			return store() // kept, not usable (keyform.go)
		}
		if err != nil {
			return fail(rrInvalidField, "public key material: %v", err)
		}
		o.pub = pub
		o.fillKeyInfo()
		o.setDigest(raw, kf)
		return store()
	}
	return store()
}

// fillKeyInfo sets the algorithm and length of a registered asymmetric key
// when the request did not give them.
func (o *object) fillKeyInfo() {
	alg, length := keyInfo(o.pub)
	if o.alg == 0 {
		o.alg = alg
	}
	if o.length == 0 {
		o.length = length
	}
}

// keyInfo returns the Cryptographic Algorithm and Length of a public
// key, 0 and 0 for a kind the server does not know.
func keyInfo(pub crypto.PublicKey) (alg uint32, length int32) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return algRSA, int32(k.N.BitLen())
	case *ecdsa.PublicKey:
		return algECDSA, int32(k.Curve.Params().BitSize)
	case *k1PublicKey:
		return algECDSA, 256
	case ed25519.PublicKey:
		return algEd25519, 256
	case *ecdh.PublicKey:
		return algECDH, 256
	}
	return 0, 0
}

// cryptoParams are the Cryptographic Parameters an operation uses.
type cryptoParams struct {
	mode, padding, hashAlg, dsa, alg, mgfHash uint32
	tagLen                                    int
	label                                     []byte // OAEP P Source
}

// paramsOf reads the request's Cryptographic Parameters, falling back on
// the key's Cryptographic Parameters attribute.
func paramsOf(p *ttlv.Value, o *object) cryptoParams {
	cp := storedParams(o)
	if v := p.Child(ttlv.TagCryptographicParameters); v != nil {
		cp.read(v)
	}
	return cp
}

// typedParams is paramsOf for a typed request's Cryptographic Parameters
// (nil for none).
func typedParams(v *kmip.CryptographicParameters, o *object) cryptoParams {
	cp := storedParams(o)
	if v == nil {
		return cp
	}
	if m, ok := v.BlockCipherMode.Get(); ok {
		cp.mode = uint32(m)
	}
	if m, ok := v.PaddingMethod.Get(); ok {
		cp.padding = uint32(m)
	}
	if h, ok := v.HashingAlgorithm.Get(); ok {
		cp.hashAlg = uint32(h)
	}
	if a, ok := v.DigitalSignatureAlgorithm.Get(); ok {
		cp.dsa = uint32(a)
	}
	if a, ok := v.CryptographicAlgorithm.Get(); ok {
		cp.alg = uint32(a)
	}
	if n, ok := v.TagLength.Get(); ok {
		cp.tagLen = int(n)
	}
	if h, ok := v.MaskGeneratorHashingAlgorithm.Get(); ok {
		cp.mgfHash = uint32(h)
	}
	if l, ok := v.PSource.Get(); ok {
		cp.label = slices.Clone(l)
	}
	return cp
}

// storedParams returns the defaults, overridden by the key's Cryptographic
// Parameters attribute.
func storedParams(o *object) cryptoParams {
	cp := cryptoParams{tagLen: 16}
	if i := o.findAttr(ttlv.TagCryptographicParameters, "", "", 0); i >= 0 {
		var v ttlv.Value
		if ttlv.Unmarshal(o.attrs[i].enc, &v) == nil {
			cp.read(&v)
		}
	}
	return cp
}

// read overrides cp with the fields of a Cryptographic Parameters tree.
func (cp *cryptoParams) read(v *ttlv.Value) {
	for i := range v.Children {
		ch := &v.Children[i]
		switch ch.Tag {
		case ttlv.TagBlockCipherMode:
			cp.mode = uint32(ch.Num)
		case ttlv.TagPaddingMethod:
			cp.padding = uint32(ch.Num)
		case ttlv.TagHashingAlgorithm:
			cp.hashAlg = uint32(ch.Num)
		case ttlv.TagDigitalSignatureAlgorithm:
			cp.dsa = uint32(ch.Num)
		case ttlv.TagCryptographicAlgorithm:
			cp.alg = uint32(ch.Num)
		case ttlv.TagTagLength:
			cp.tagLen = int(ch.Num)
		case ttlv.TagMaskGeneratorHashingAlgorithm:
			cp.mgfHash = uint32(ch.Num)
		case ttlv.TagPSource:
			cp.label = slices.Clone(ch.Bytes)
		}
	}
}

// cipherReq is what Encrypt and Decrypt read of their typed request
// payloads (encryptReq, decryptReq): each byte field nil when absent, not
// nil (if empty) when present, as bytesOf gives them.
type cipherReq struct {
	params                 *kmip.CryptographicParameters
	data, iv, aad, tag, cv []byte // Data, IV/Counter/Nonce, AE Additional Data, AE Tag, Correlation Value
	init, final            bool   // Init and Final Indicators
}

// streamed reports one part of a multi-part operation.
func (r *cipherReq) streamed() bool { return r.init || r.cv != nil }

func encryptReq(p *kmip.EncryptRequestPayload) cipherReq {
	return cipherReq{params: p.CryptographicParameters, data: present(p.Data), iv: present(p.IVCounterNonce),
		aad: present(p.AuthenticatedEncryptionAdditionalData), cv: present(p.CorrelationValue),
		init: p.InitIndicator.Value, final: p.FinalIndicator.Value}
}

func decryptReq(p *kmip.DecryptRequestPayload) cipherReq {
	return cipherReq{params: p.CryptographicParameters, data: present(p.Data), iv: present(p.IVCounterNonce),
		aad: present(p.AuthenticatedEncryptionAdditionalData), tag: present(p.AuthenticatedEncryptionTag),
		cv: present(p.CorrelationValue), init: p.InitIndicator.Value, final: p.FinalIndicator.Value}
}

// present returns an optional Byte String as bytesOf does: nil when
// absent, not nil when set.
func present(o kmip.Optional[[]byte]) []byte {
	if !o.Set {
		return nil
	}
	if o.Value == nil {
		return []byte{}
	}
	return o.Value
}

// bytesOf returns a Byte String child, nil if absent.
func bytesOf(p *ttlv.Value, t ttlv.Tag) []byte {
	if v := p.Child(t); v != nil && v.Type == ttlv.TypeByteString {
		if v.Bytes == nil {
			return []byte{}
		}
		return v.Bytes
	}
	return nil
}

// usable checks the state for a cryptographic operation: protecting
// operations (Encrypt, Sign, MAC) need Active; processing ones (Decrypt,
// Signature Verify) also work Deactivated or Compromised (KMIP 2.1 §5).
//
// The Protect Stop Date ends protection and the Process Start Date starts
// processing (KMIP 2.1 §4.36, §4.38; 1.4 §3.25, §3.26).
//
// need is the Cryptographic Usage Mask bit the operation needs: an object
// with a mask that lacks it is refused (Incompatible Cryptographic Usage
// Mask in KMIP 2.1, Permission Denied before); an object without a mask
// is not restricted.
func (c *reqCtx) usable(o *object, process bool, need uint32) *opError {
	f := o.facts()
	return c.usableWith(o, &f, process, need)
}

// usableWith is usable with o's facts read.
func (c *reqCtx) usableWith(o *object, f *useFacts, process bool, need uint32) *opError {
	ok := o.state == stateActive || process && (o.state == stateDeactivated || o.state == stateCompromised)
	if !ok {
		return c.wrongState("object %s is not in a state that allows this operation", o.id)
	}
	if f.has&factArchive != 0 {
		return fail(rrObjectArchived, "object %s is archived (Recover it first)", o.id)
	}
	if o.hasUsage && o.usage&need == 0 {
		name, _ := ttlv.EnumName(ttlv.TagCryptographicUsageMask, need)
		if c.major > 2 || c.major == 2 && c.minor >= 1 { // KMIP 2.1 and the 3.0 draft
			return fail(rrIncompatibleUsageMask, "object %s lacks the %s usage", o.id, name)
		}
		return fail(rrPermissionDenied, "object %s lacks the %s usage", o.id, name)
	}
	now := c.now.Unix()
	if f.has&factProtectStop != 0 && !process && now >= f.protectStop {
		return c.wrongState("object %s is past its Protect Stop Date", o.id)
	}
	if f.has&factProcessStart != 0 && process && now < f.processStart {
		return c.wrongState("object %s is before its Process Start Date", o.id)
	}
	return nil
}

// Usage Limits Unit values (KMIP 2.1 §11.60, 1.4 §9.1.3.2.22).
const (
	usageUnitByte   = 1
	usageUnitObject = 2
)

// allocate obtains the allocation a protecting operation (Encrypt, Sign,
// MAC) needs from the object's Usage Limits, when it has one: the bytes
// of data (its Data, or Digested Data: usageData) for the Byte unit, one for the Object unit.
// Past the Usage Limits Total the operation fails with Permission Denied
// (KMIP 2.1 §4.59 and §6.1.18, 1.4 §3.21 and §4.29). Processing
// (Decrypt, Verify) is not limited. Call with o read-locked.
func (c *reqCtx) allocate(o *object, data []byte) *opError {
	return c.allocateAt(o, o.findAttr(ttlv.TagUsageLimits, "", "", 0), data)
}

// allocateAt is allocate with i the index of o's Usage Limits in its
// attributes, -1 when it has none.
func (c *reqCtx) allocateAt(o *object, i int, data []byte) *opError {
	if i < 0 {
		return nil
	}
	var v ttlv.Value
	if ttlv.Unmarshal(o.attrs[i].enc, &v) != nil {
		return nil
	}
	total, unit := v.Child(ttlv.TagUsageLimitsTotal), v.Child(ttlv.TagUsageLimitsUnit)
	if total == nil || unit == nil {
		return nil
	}
	var n int64
	switch unit.Num {
	case usageUnitByte:
		n = int64(len(data))
	case usageUnitObject:
		n = 1
	default:
		return nil
	}
	if o.used.Add(n) > total.Num {
		o.used.Add(-n)
		return fail(rrPermissionDenied, "object %s is past its Usage Limits", o.id)
	}
	c.counted(o)
	return nil
}

// usageLeft returns what the object's Usage Limits have left (in their
// unit); limited is false for an object without Usage Limits.
func (o *object) usageLeft() (left int64, limited bool) {
	i := o.findAttr(ttlv.TagUsageLimits, "", "", 0)
	if i < 0 {
		return 0, false
	}
	var v ttlv.Value
	if ttlv.Unmarshal(o.attrs[i].enc, &v) != nil {
		return 0, false
	}
	total := v.Child(ttlv.TagUsageLimitsTotal)
	if total == nil {
		return 0, false
	}
	return total.Num - o.used.Load(), true
}

// usageData is what a tree request's Usage Limits count in bytes: its
// Data, or else its Digested Data.
func usageData(p *ttlv.Value) []byte {
	if data := bytesOf(p, ttlv.TagData); data != nil {
		return data
	}
	return bytesOf(p, ttlv.TagDigestedData)
}

// lockForUseIn is lockForUse for a typed request: payload the Request
// Payload as received (lookupIn).
func (c *reqCtx) lockForUseIn(payload []byte) (*object, *opError) {
	o, err := c.lookupIn(payload)
	if err != nil {
		return nil, err
	}
	c.rlock(o)
	return o, nil
}

// lockForUse looks the object up, applies time-driven transitions and
// returns it read-locked.
func (c *reqCtx) lockForUse(p *ttlv.Value) (*object, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return nil, err
	}
	c.rlock(o)
	return o, nil
}

// rlock read-locks o after applying its time-driven transitions: the
// write lock is taken only when one is due, not for every use of an
// object with an Activation or Deactivation Date.
func (c *reqCtx) rlock(o *object) {
	c.rlockFacts(o)
}

// rlockFacts is rlock, returning o's facts as they are once locked: the
// one pass over its attributes serves the transitions and the caller's
// checks (usableWith, allocateAt).
func (c *reqCtx) rlockFacts(o *object) useFacts {
	o.mu.RLock()
	f := o.facts()
	if f.due(o.state, c.now.Unix()) {
		o.mu.RUnlock()
		o.mu.Lock()
		c.refresh(o)
		o.mu.Unlock()
		o.mu.RLock()
		f = o.facts()
	}
	return f
}

// tagInData reports the KMIP versions without the Authenticated
// Encryption Tag field (before 1.4): there the GCM tag travels appended
// to the ciphertext in Data, as Go's Seal writes it.
func (c *reqCtx) tagInData() bool { return c.v1() && c.minor < 4 }

// encrypt answers Encrypt (2.1 §6.1.18, 1.4 §4.29) with AES: GCM (the
// default), CBC, ECB or CTR.
func (c *reqCtx) encrypt(r *cipherReq, payload, b []byte) ([]byte, *opError) {
	o, err := c.lookupIn(payload)
	if err != nil {
		return b, err
	}
	f := c.rlockFacts(o)
	// The unlock deferred here, in a function of two returns, is
	// open-coded: in encryptLocked's, of many, it would run through the
	// runtime's slow path for every message.
	defer o.mu.RUnlock()
	return c.encryptLocked(r, o, &f, b)
}

// encryptLocked is encrypt with o read-locked, f its facts.
func (c *reqCtx) encryptLocked(r *cipherReq, o *object, f *useFacts, b []byte) ([]byte, *opError) {
	if err := c.usableWith(o, f, false, usageEncrypt); err != nil {
		return b, err
	}
	if err := c.allocateAt(o, f.limits, r.data); err != nil {
		return b, err
	}
	if k, ok := o.pub.(*rsa.PublicKey); ok && o.typ == objPublicKey {
		return c.rsaEncrypt(r, b, o, k)
	}
	data := r.data
	if data == nil && !r.streamed() {
		return b, fail(rrInvalidField, "Encrypt without Data")
	}
	if isChaCha(o) {
		return c.chachaEncrypt(r, b, o, data)
	}
	cp := typedParams(r.params, o)
	if c.blockCipherPart(r, o, cp) {
		return c.blockCipher(r, b, o, cp, data, false)
	}
	if o.sym == nil || o.alg != algAES {
		return b, fail(rrInvalidField, "object %s is not an AES key", o.id)
	}
	iv := r.iv
	genIV := iv == nil
	if !genIV && len(iv) == 0 {
		return b, fail(rrInvalidField, "empty IV/Counter/Nonce")
	}
	if (cp.mode == 0 || cp.mode == modeGCM) && r.streamed() {
		return c.encryptPart(r, b, o, cp, data)
	}
	switch cp.mode {
	case 0, modeGCM:
		aead, aerr := o.gcm(len(iv), cp.tagLen)
		if aerr != nil {
			return b, aerr
		}
		if genIV {
			iv = c.scratchRand(aead.NonceSize())
			if iv == nil {
				return b, fail(rrCryptographicFailure, "no random IV")
			}
		}
		if len(iv) != aead.NonceSize() {
			return b, fail(rrInvalidField, "IV of %d bytes, want %d", len(iv), aead.NonceSize())
		}
		aad := r.aad
		b = appendID(b, o)
		// Seal into c.scratch after the IV (when the server made it), with
		// room for the ciphertext and tag: no allocation once grown.
		var dst []byte
		if genIV {
			c.scratch = slices.Grow(c.scratch[:len(iv)], len(data)+aead.Overhead())
			iv = c.scratch[:len(iv)]
			dst = c.scratch[len(iv):len(iv)]
		} else {
			c.scratch = slices.Grow(c.scratch[:0], len(data)+aead.Overhead())
			dst = c.scratch[:0]
		}
		ct := aead.Seal(dst, iv, data, aad)
		n := len(ct) - aead.Overhead()
		if c.tagInData() {
			n = len(ct)
		}
		b = ttlv.AppendByteString(b, ttlv.TagData, ct[:n])
		if genIV {
			b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, iv)
		}
		if !c.tagInData() {
			b = ttlv.AppendByteString(b, ttlv.TagAuthenticatedEncryptionTag, ct[n:])
		}
		return b, nil
	case modeCBC, modeECB, modeCTR:
		blk, _ := aes.NewCipher(o.sym)
		if cp.mode != modeECB && genIV {
			iv = c.scratchRand(aes.BlockSize)
			if iv == nil {
				return b, fail(rrCryptographicFailure, "no random IV")
			}
			iv = slices.Clone(iv)
		}
		if cp.mode != modeECB && len(iv) != aes.BlockSize {
			return b, fail(rrInvalidField, "IV of %d bytes, want %d", len(iv), aes.BlockSize)
		}
		var out []byte
		if cp.mode == modeCTR {
			out = make([]byte, len(data))
			cipher.NewCTR(blk, iv).XORKeyStream(out, data)
		} else {
			padded := slices.Clone(data)
			if cp.padding == padPKCS5 {
				k := aes.BlockSize - len(data)%aes.BlockSize
				for range k {
					padded = append(padded, byte(k))
				}
			} else if cp.padding != 0 && cp.padding != padNone || len(data)%aes.BlockSize != 0 {
				return b, fail(rrInvalidField, "padding method %d with %d bytes of data not supported", cp.padding, len(data))
			}
			out = padded
			if cp.mode == modeCBC {
				cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, out)
			} else {
				for i := 0; i < len(out); i += aes.BlockSize {
					blk.Encrypt(out[i:], out[i:])
				}
			}
		}
		b = appendID(b, o)
		b = ttlv.AppendByteString(b, ttlv.TagData, out)
		if genIV && cp.mode != modeECB {
			b = ttlv.AppendByteString(b, ttlv.TagIVCounterNonce, iv)
		}
		return b, nil
	}
	return b, fail(rrInvalidField, "block cipher mode %d not supported (GCM, CBC, ECB, CTR)", cp.mode)
}

// scratchRand returns n random bytes at the start of c.scratch.
func (c *reqCtx) scratchRand(n int) []byte {
	c.scratch = slices.Grow(c.scratch[:0], n)[:n]
	if _, err := io.ReadFull(c.s.rand, c.scratch); err != nil {
		return nil
	}
	return c.scratch
}

// gcm returns the AES-GCM AEAD for a nonce and tag size (the cached one
// for the defaults, 12 and 16); nonce 0 means the default.
func (o *object) gcm(nonce, tagLen int) (cipher.AEAD, *opError) {
	if (nonce == 0 || nonce == 12) && tagLen == 16 && o.aead != nil {
		return o.aead, nil
	}
	if nonce < 0 || nonce > 256 {
		return nil, fail(rrInvalidField, "GCM IV of %d bytes not supported", nonce)
	}
	blk, err := aes.NewCipher(o.sym)
	if err != nil {
		return nil, fail(rrCryptographicFailure, "AES: %v", err)
	}
	var a cipher.AEAD
	switch {
	case tagLen != 16 && (nonce == 0 || nonce == 12):
		a, err = cipher.NewGCMWithTagSize(blk, tagLen)
	case tagLen == 16 && nonce > 0:
		a, err = cipher.NewGCMWithNonceSize(blk, nonce)
	default:
		return nil, fail(rrInvalidField, "GCM with a %d-byte IV and a %d-byte tag not supported", nonce, tagLen)
	}
	if err != nil {
		// General Failure, as the OASIS test cases expect (CS-BC-M-GCM-1)
		return nil, fail(rrGeneralFailure, "GCM: %v", err)
	}
	return a, nil
}

// decrypt answers Decrypt (2.1 §6.1.14, 1.4 §4.30).
func (c *reqCtx) decrypt(r *cipherReq, payload, b []byte) ([]byte, *opError) {
	o, err := c.lockForUseIn(payload)
	if err != nil {
		return b, err
	}
	defer o.mu.RUnlock()
	if err := c.usable(o, true, usageDecrypt); err != nil {
		return b, err
	}
	if k, ok := o.priv.(*rsa.PrivateKey); ok {
		return c.rsaDecrypt(r, b, o, k)
	}
	data := r.data
	if data == nil && !r.streamed() {
		return b, fail(rrInvalidField, "Decrypt without Data")
	}
	if isChaCha(o) {
		return c.chachaDecrypt(r, b, o, data)
	}
	cp := typedParams(r.params, o)
	if c.blockCipherPart(r, o, cp) {
		return c.blockCipher(r, b, o, cp, data, true)
	}
	if o.sym == nil || o.alg != algAES {
		return b, fail(rrInvalidField, "object %s is not an AES key", o.id)
	}
	iv := r.iv
	if len(iv) == 0 && cp.mode != modeECB {
		// Invalid Message, as the OASIS test cases expect (CS-BC-M-11)
		return b, fail(rrInvalidMessage, "missing IV/Counter/Nonce")
	}
	switch cp.mode {
	case 0, modeGCM:
		tag := r.tag
		if tag != nil {
			cp.tagLen = len(tag)
		}
		aead, aerr := o.gcm(len(iv), cp.tagLen)
		if aerr != nil {
			return b, aerr
		}
		ct := data
		if tag != nil {
			c.scratch = append(append(c.scratch[:0], data...), tag...)
			ct = c.scratch
		}
		if len(iv) != aead.NonceSize() {
			return b, fail(rrInvalidField, "IV of %d bytes, want %d", len(iv), aead.NonceSize())
		}
		if len(ct) < aead.Overhead() {
			return b, fail(rrCryptographicFailure, "ciphertext shorter than its tag")
		}
		aad := r.aad
		b = appendID(b, o)
		mark := len(b)
		b = ttlv.AppendHeader(b, ttlv.TagData, ttlv.TypeByteString, 0)
		start := len(b)
		out, oerr := aead.Open(b, iv, ct, aad)
		if oerr != nil {
			return b[:mark], fail(rrCryptographicFailure, "authentication failed")
		}
		n := len(out) - start
		out[start-4], out[start-3], out[start-2], out[start-1] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		return out, nil
	case modeCBC, modeECB, modeCTR:
		blk, _ := aes.NewCipher(o.sym)
		if cp.mode != modeECB && len(iv) != aes.BlockSize {
			return b, fail(rrInvalidField, "IV of %d bytes, want %d", len(iv), aes.BlockSize)
		}
		out := slices.Clone(data)
		if cp.mode == modeCTR {
			cipher.NewCTR(blk, iv).XORKeyStream(out, out)
		} else {
			if len(out)%aes.BlockSize != 0 {
				return b, fail(rrCryptographicFailure, "ciphertext not a whole number of blocks")
			}
			if cp.mode == modeCBC {
				cipher.NewCBCDecrypter(blk, iv).CryptBlocks(out, out)
			} else {
				for i := 0; i < len(out); i += aes.BlockSize {
					blk.Decrypt(out[i:], out[i:])
				}
			}
			if cp.padding == padPKCS5 {
				if len(out) == 0 {
					return b, fail(rrCryptographicFailure, "bad padding")
				}
				k := int(out[len(out)-1])
				if k == 0 || k > aes.BlockSize || k > len(out) {
					return b, fail(rrCryptographicFailure, "bad padding")
				}
				for _, x := range out[len(out)-k:] {
					if int(x) != k {
						return b, fail(rrCryptographicFailure, "bad padding")
					}
				}
				out = out[:len(out)-k]
			}
		}
		b = appendID(b, o)
		return ttlv.AppendByteString(b, ttlv.TagData, out), nil
	}
	return b, fail(rrInvalidField, "block cipher mode %d not supported (GCM, CBC, ECB, CTR)", cp.mode)
}

// hashOf maps a Hashing Algorithm to a hash, def when it is 0.
func hashOf(alg uint32, def crypto.Hash) (crypto.Hash, *opError) {
	switch alg {
	case 0:
		return def, nil
	case hashSHA1:
		return crypto.SHA1, nil
	case hashSHA224:
		return crypto.SHA224, nil
	case hashSHA256:
		return crypto.SHA256, nil
	case hashSHA384:
		return crypto.SHA384, nil
	case hashSHA512:
		return crypto.SHA512, nil
	}
	return 0, fail(rrInvalidField, "hashing algorithm %d not supported", alg)
}

// rsaOAEP returns the OAEP options of the request (SHA-1 by default, as
// RFC 8017's default parameters). PKCS#1 v1.5 encryption is refused: its
// decryption is a padding oracle (Go 1.26 deprecates it for that).
func rsaOAEP(cp cryptoParams) (*rsa.OAEPOptions, *opError) {
	switch cp.padding {
	case 0, padOAEP:
	default:
		return nil, fail(rrInvalidField, "padding method %d not supported for RSA encryption (OAEP only)", cp.padding)
	}
	h, err := hashOf(cp.hashAlg, crypto.SHA1)
	if err != nil {
		return nil, err
	}
	mgf, err := hashOf(cp.mgfHash, h)
	if err != nil {
		return nil, err
	}
	return &rsa.OAEPOptions{Hash: h, MGFHash: mgf, Label: cp.label}, nil
}

// rsaEncrypt encrypts with an RSA public key (OAEP).
func (c *reqCtx) rsaEncrypt(r *cipherReq, b []byte, o *object, k *rsa.PublicKey) ([]byte, *opError) {
	data := r.data
	if data == nil && !r.streamed() {
		return b, fail(rrInvalidField, "Encrypt without Data")
	}
	opts, oerr := rsaOAEP(typedParams(r.params, o))
	if oerr != nil {
		return b, oerr
	}
	out, err := rsa.EncryptOAEPWithOptions(c.s.rand, k, data, opts)
	if err != nil {
		return b, fail(rrCryptographicFailure, "RSA encrypt: %v", err)
	}
	b = appendID(b, o)
	return ttlv.AppendByteString(b, ttlv.TagData, out), nil
}

// rsaDecrypt decrypts with an RSA private key (OAEP).
func (c *reqCtx) rsaDecrypt(r *cipherReq, b []byte, o *object, k *rsa.PrivateKey) ([]byte, *opError) {
	data := r.data
	if data == nil && !r.streamed() {
		return b, fail(rrInvalidField, "Decrypt without Data")
	}
	opts, oerr := rsaOAEP(typedParams(r.params, o))
	if oerr != nil {
		return b, oerr
	}
	out, err := k.Decrypt(nil, data, opts)
	if err != nil {
		return b, fail(rrCryptographicFailure, "RSA decrypt failed")
	}
	b = appendID(b, o)
	return ttlv.AppendByteString(b, ttlv.TagData, out), nil
}

// hashFor picks the hash of a signature: from the Digital Signature
// Algorithm, the Hashing Algorithm, or the key (the curve's size for
// ECDSA, SHA-256 for RSA).
func hashFor(cp cryptoParams, key crypto.PublicKey) (crypto.Hash, *opError) {
	switch cp.dsa {
	case dsaSHA256WithRSA, dsaECDSAWithSHA256:
		return crypto.SHA256, nil
	case dsaSHA384WithRSA, dsaECDSAWithSHA384:
		return crypto.SHA384, nil
	case dsaSHA512WithRSA, dsaECDSAWithSHA512:
		return crypto.SHA512, nil
	}
	if cp.hashAlg != 0 {
		return hashOf(cp.hashAlg, 0)
	}
	if k, ok := key.(*ecdsa.PublicKey); ok {
		switch k.Curve.Params().BitSize {
		case 384:
			return crypto.SHA384, nil
		case 521:
			return crypto.SHA512, nil
		}
	}
	return crypto.SHA256, nil
}

// rsaPSS reports whether an RSA signature uses PSS (the default) rather
// than PKCS#1 v1.5.
func rsaPSS(cp cryptoParams) bool {
	switch {
	case cp.dsa == dsaRSASSAPSS || cp.padding == padPSS:
		return true
	case cp.padding == padPKCS1, cp.dsa >= 1 && cp.dsa <= 7:
		return false
	}
	return true
}

// digestOf returns the digest to sign or verify: digested (the Digested
// Data) as given, or the hash of data (nil for either: absent).
func digestOf(digested, data []byte, h crypto.Hash) ([]byte, *opError) {
	if digested != nil {
		if len(digested) != h.Size() {
			return nil, fail(rrInvalidField, "Digested Data of %d bytes, want %d", len(digested), h.Size())
		}
		return digested, nil
	}
	if data == nil {
		return nil, fail(rrInvalidField, "no Data")
	}
	if !h.Available() {
		return nil, fail(rrInvalidField, "hash not available")
	}
	hh := h.New()
	hh.Write(data)
	return hh.Sum(nil), nil
}

// signPart answers Sign in one part or several (gathered's run): q the
// one-part Request Payload, or nil for the request's own
// (c.typed.signPayload, decoded in c.typed.sign).
func (c *reqCtx) signPart(q, b []byte) ([]byte, *opError) {
	if q == nil {
		return c.sign(&c.typed.sign, c.typed.signPayload, b)
	}
	if err := c.typed.sign.UnmarshalTTLV(q); err != nil {
		return b, fail(rrInvalidMessage, "%v", err)
	}
	return c.sign(&c.typed.sign, q, b)
}

// sign answers Sign (2.1 §6.1.51, 1.4 §4.31): ECDSA (ASN.1 DER
// signatures), Ed25519, RSA-PSS (salt as long as the hash) and RSA PKCS#1
// v1.5.
func (c *reqCtx) sign(p *kmip.SignRequestPayload, payload, b []byte) ([]byte, *opError) {
	o, err := c.lockForUseIn(payload)
	if err != nil {
		return b, err
	}
	defer o.mu.RUnlock()
	if err := c.usable(o, false, usageSign); err != nil {
		return b, err
	}
	if err := c.allocate(o, signedBytes(p)); err != nil {
		return b, err
	}
	signer, ok := o.priv.(crypto.Signer)
	if !ok {
		return b, fail(rrInvalidField, "object %s is not a signing key", o.id)
	}
	cp := typedParams(p.CryptographicParameters, o)
	var sig []byte
	var serr error
	switch k := signer.(type) {
	case ed25519.PrivateKey:
		data := present(p.Data)
		if data == nil {
			return b, fail(rrInvalidField, "Ed25519 signs Data, not Digested Data")
		}
		sig = ed25519.Sign(k, data)
	case *ecdsa.PrivateKey:
		h, herr := hashFor(cp, &k.PublicKey)
		if herr != nil {
			return b, herr
		}
		d, derr := ecdsaDigest(cp, present(p.DigestedData), present(p.Data), h)
		if derr != nil {
			return b, derr
		}
		sig, serr = ecdsa.SignASN1(c.s.rand, k, d)
	case *k1PrivateKey: // secp256k1.go
		h, herr := hashFor(cp, k.pub)
		if herr != nil {
			return b, herr
		}
		d, derr := ecdsaDigest(cp, present(p.DigestedData), present(p.Data), h)
		if derr != nil {
			return b, derr
		}
		sig, serr = k.Sign(nil, d, h)
	case *rsa.PrivateKey:
		if dd := present(p.DigestedData); dd != nil && unhashedRSA(cp) { // rawsign.go
			sig, serr = rsa.SignPKCS1v15(nil, k, 0, dd)
			break
		}
		h, herr := hashFor(cp, &k.PublicKey)
		if herr != nil {
			return b, herr
		}
		d, derr := digestOf(present(p.DigestedData), present(p.Data), h)
		if derr != nil {
			return b, derr
		}
		if rsaPSS(cp) {
			sig, serr = rsa.SignPSS(c.s.rand, k, h, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, serr = rsa.SignPKCS1v15(c.s.rand, k, h, d)
		}
	default:
		return b, fail(rrInvalidField, "object %s is not a signing key", o.id)
	}
	if serr != nil {
		return b, fail(rrCryptographicFailure, "sign: %v", serr)
	}
	b = appendID(b, o)
	return ttlv.AppendByteString(b, ttlv.TagSignatureData, sig), nil
}

// signedBytes is what a Sign's Usage Limits count in bytes: its Data, or
// else its Digested Data (usageData).
func signedBytes(p *kmip.SignRequestPayload) []byte {
	if data := present(p.Data); data != nil {
		return data
	}
	return present(p.DigestedData)
}

// signatureVerify answers Signature Verify (2.1 §6.1.52, 1.4 §4.32) with
// the public key, or the public half of a private key.
func (c *reqCtx) signatureVerify(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lockForUse(p)
	if err != nil {
		return b, err
	}
	defer o.mu.RUnlock()
	if err := c.usable(o, true, usageVerify); err != nil {
		return b, err
	}
	sig := bytesOf(p, ttlv.TagSignatureData)
	if sig == nil {
		return b, fail(rrInvalidField, "Signature Verify without Signature Data")
	}
	cp := paramsOf(p, o)
	valid := false
	switch k := o.pub.(type) {
	case ed25519.PublicKey:
		data := bytesOf(p, ttlv.TagData)
		if data == nil {
			return b, fail(rrInvalidField, "Ed25519 verifies Data, not Digested Data")
		}
		valid = ed25519.Verify(k, data, sig)
	case *ecdsa.PublicKey:
		h, herr := hashFor(cp, k)
		if herr != nil {
			return b, herr
		}
		d, derr := ecdsaDigest(cp, bytesOf(p, ttlv.TagDigestedData), bytesOf(p, ttlv.TagData), h)
		if derr != nil {
			return b, derr
		}
		valid = ecdsa.VerifyASN1(k, d, sig)
	case *k1PublicKey: // secp256k1.go
		h, herr := hashFor(cp, k)
		if herr != nil {
			return b, herr
		}
		d, derr := ecdsaDigest(cp, bytesOf(p, ttlv.TagDigestedData), bytesOf(p, ttlv.TagData), h)
		if derr != nil {
			return b, derr
		}
		valid = k.verify(d, sig)
	case *rsa.PublicKey:
		if dd := bytesOf(p, ttlv.TagDigestedData); dd != nil && unhashedRSA(cp) { // rawsign.go
			valid = rsa.VerifyPKCS1v15(k, 0, dd, sig) == nil
			break
		}
		h, herr := hashFor(cp, k)
		if herr != nil {
			return b, herr
		}
		d, derr := digestOf(bytesOf(p, ttlv.TagDigestedData), bytesOf(p, ttlv.TagData), h)
		if derr != nil {
			return b, derr
		}
		if rsaPSS(cp) {
			valid = rsa.VerifyPSS(k, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
		} else {
			valid = rsa.VerifyPKCS1v15(k, h, d, sig) == nil
		}
	default:
		return b, fail(rrInvalidField, "object %s is not a verification key", o.id)
	}
	b = appendID(b, o)
	v := validityInvalid
	if valid {
		v = validityValid
	}
	return ttlv.AppendEnumeration(b, ttlv.TagValidityIndicator, v), nil
}

// mac answers MAC (2.1 §6.1.28, 1.4 §4.33): HMAC with SHA-1/224/256/384/512.
func (c *reqCtx) mac(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lockForUse(p)
	if err != nil {
		return b, err
	}
	defer o.mu.RUnlock()
	if err := c.usable(o, false, usageMACGen); err != nil {
		return b, err
	}
	if err := c.allocate(o, usageData(p)); err != nil {
		return b, err
	}
	if o.sym == nil {
		return b, fail(rrInvalidField, "object %s is not a symmetric key", o.id)
	}
	cp := paramsOf(p, o)
	alg := cp.alg
	if alg == 0 {
		alg = o.alg
	}
	h, ok := hmacHash(alg)
	if !ok {
		return b, fail(rrInvalidField, "MAC algorithm %d not supported (HMAC-SHA*)", alg)
	}
	data := bytesOf(p, ttlv.TagData)
	if data == nil {
		return b, fail(rrInvalidField, "MAC without Data")
	}
	m := hmac.New(h, o.sym)
	m.Write(data)
	b = appendID(b, o)
	return ttlv.AppendByteString(b, ttlv.TagMACData, m.Sum(nil)), nil
}

// macVerify answers MAC Verify (2.1 §6.1.29, 1.4 §4.34): the HMAC of
// Data compared in constant time with MAC Data.
func (c *reqCtx) macVerify(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lockForUse(p)
	if err != nil {
		return b, err
	}
	defer o.mu.RUnlock()
	if err := c.usable(o, true, usageMACVer); err != nil {
		return b, err
	}
	if o.sym == nil {
		return b, fail(rrInvalidField, "object %s is not a symmetric key", o.id)
	}
	cp := paramsOf(p, o)
	alg := cp.alg
	if alg == 0 {
		alg = o.alg
	}
	h, ok := hmacHash(alg)
	if !ok {
		return b, fail(rrInvalidField, "MAC algorithm %d not supported (HMAC-SHA*)", alg)
	}
	data, want := bytesOf(p, ttlv.TagData), bytesOf(p, ttlv.TagMACData)
	if data == nil || want == nil {
		return b, fail(rrInvalidField, "MAC Verify needs Data and MAC Data")
	}
	m := hmac.New(h, o.sym)
	m.Write(data)
	v := validityInvalid
	if hmac.Equal(m.Sum(nil), want) {
		v = validityValid
	}
	b = appendID(b, o)
	return ttlv.AppendEnumeration(b, ttlv.TagValidityIndicator, v), nil
}

// hash answers Hash (KMIP 2.1 §6.1.21, 1.4 §4.37): the digest of Data with the
// Hashing Algorithm of the Cryptographic Parameters.
func (c *reqCtx) hash(p *ttlv.Value, b []byte) ([]byte, *opError) {
	var cp cryptoParams
	if v := p.Child(ttlv.TagCryptographicParameters); v != nil {
		if ha := v.Child(ttlv.TagHashingAlgorithm); ha != nil {
			cp.hashAlg = uint32(ha.Num)
		}
	}
	if cp.hashAlg == 0 {
		return b, fail(rrInvalidField, "Hash needs a Hashing Algorithm")
	}
	h, err := hashOf(cp.hashAlg, 0)
	if err != nil {
		return b, err
	}
	data := bytesOf(p, ttlv.TagData)
	if data == nil {
		return b, fail(rrInvalidField, "Hash without Data")
	}
	hh := h.New()
	hh.Write(data)
	return ttlv.AppendByteString(b, ttlv.TagData, hh.Sum(nil)), nil
}

// maxRNG bounds one RNG Retrieve.
const maxRNG = 1 << 16

// rngRetrieve answers RNG Retrieve (2.1 §6.1.45, 1.4 §4.35).
func (c *reqCtx) rngRetrieve(p *ttlv.Value, b []byte) ([]byte, *opError) {
	dl := p.Child(ttlv.TagDataLength)
	if dl == nil || dl.Num <= 0 {
		return b, fail(rrInvalidField, "RNG Retrieve needs a positive Data Length")
	}
	if dl.Num > maxRNG {
		return b, fail(rrInvalidField, "Data Length %d exceeds %d", dl.Num, maxRNG)
	}
	n := int(dl.Num)
	b = ttlv.AppendHeader(b, ttlv.TagData, ttlv.TypeByteString, uint32(n))
	start := len(b)
	b = append(b, make([]byte, (n+7)&^7)...)
	if _, err := io.ReadFull(c.s.rand, b[start:start+n]); err != nil {
		return b[:start-8], fail(rrCryptographicFailure, "random: %v", err)
	}
	return b, nil
}
