package kmipserver

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"math/big"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Transparent RSA Key Format Types (KMIP 2.1 §11.28, key material §2.1.7;
// 1.4 §2.1.7.6–§2.1.7.7).
const (
	kfTransparentRSAPrivate uint32 = 0x0A
	kfTransparentRSAPublic  uint32 = 0x0B

	// maxRSAModulusBits bounds a registered transparent RSA key.
	maxRSAModulusBits = 16384
)

// transparentRSA reads the Key Material Structure of a Transparent RSA
// Private Key (Modulus, Private Exponent, Public Exponent, P, Q, Prime
// Exponents, CRT Coefficient) or Public Key (Modulus, Public Exponent);
// ok is false when km is not one. The private key is validated and its
// CRT values recomputed.
func transparentRSA(km *ttlv.Value, private bool) (priv *rsa.PrivateKey, pub *rsa.PublicKey, err *opError) {
	num := func(t ttlv.Tag) *big.Int {
		if v := km.Child(t); v != nil && v.Type == ttlv.TypeBigInteger {
			return v.BigInt()
		}
		return nil
	}
	n, e := num(ttlv.TagModulus), num(ttlv.TagPublicExponent)
	if n == nil || e == nil || n.Sign() <= 0 || n.BitLen() > maxRSAModulusBits || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
		return nil, nil, fail(rrInvalidField, "Transparent RSA key without a usable Modulus and Public Exponent")
	}
	pub = &rsa.PublicKey{N: n, E: int(e.Int64())}
	if !private {
		return nil, pub, nil
	}
	d, p, q := num(ttlv.TagPrivateExponent), num(ttlv.TagP), num(ttlv.TagQ)
	if d == nil || p == nil || q == nil {
		return nil, nil, fail(rrInvalidField, "Transparent RSA Private Key without Private Exponent, P and Q")
	}
	priv = &rsa.PrivateKey{PublicKey: *pub, D: d, Primes: []*big.Int{p, q}}
	if verr := priv.Validate(); verr != nil {
		return nil, nil, fail(rrInvalidField, "Transparent RSA Private Key: %v", verr)
	}
	priv.Precompute()
	return priv, pub, nil
}

// loadTransparentRSA installs a registered Transparent RSA key: usable by
// the cryptographic operations, served as registered, and with the two
// Digests the OASIS TC-IMPEXP-4 answer shows — of the TTLV encoding of
// the Key Material Structure, as a Structure's digest is computed (1.4
// §3.17), in the registered format, and of its PKCS#1 encoding.
func (o *object) loadTransparentRSA(km *ttlv.Value, kf uint32) *opError {
	priv, pub, err := transparentRSA(km, kf == kfTransparentRSAPrivate)
	if err != nil {
		return err
	}
	var pkcs1 []byte
	if priv != nil {
		o.priv, o.pub = priv, pub
		pkcs1 = x509.MarshalPKCS1PrivateKey(priv)
	} else {
		o.pub = pub
		pkcs1 = x509.MarshalPKCS1PublicKey(pub)
	}
	o.fillKeyInfo()
	o.setDigest(ttlv.AppendValue(nil, km), kf)
	sum := sha256.Sum256(pkcs1)
	b, m := ttlv.BeginStructure(nil, ttlv.TagDigest)
	b = ttlv.AppendEnumeration(b, ttlv.TagHashingAlgorithm, hashSHA256)
	b = ttlv.AppendByteString(b, ttlv.TagDigestValue, sum[:])
	b = ttlv.AppendEnumeration(b, ttlv.TagKeyFormatType, kfPKCS1)
	ttlv.EndStructure(b, m)
	o.attrs = append(o.attrs, attr{tag: ttlv.TagDigest, enc: b})
	return nil
}
