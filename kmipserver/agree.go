package kmipserver

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"errors"
)

// Derive Key's Asymmetric Key method (KMIP 2.1 §6.1.20, Table 445 "derives
// a key using asymmetric key agreement between a private and public key";
// 1.4 §4.6): the base objects are one Private Key and one Public Key, in
// either order, on the same curve; the agreement is ECDH (the Derivation
// Parameters' Cryptographic Algorithm, when given, must say so) and its
// shared secret Z is the x-coordinate of d·Q (SEC 1 §3.3.1: P-256, P-384,
// P-521, secp256k1) or the X25519 output (RFC 7748 §6.1). The derived key
// is Z's leading bytes, no KDF being named: a Cryptographic Length past Z
// fails.
const deriveAsymmetric uint32 = 0x08 // Derivation Method, 2.1 §11.14

var errCurveMismatch = errors.New("the private and public keys are not on the same curve")

// agreedSecret computes Z for a Derive Key of method Asymmetric Key. Each
// base object is read under its own lock, one after the other.
func (c *reqCtx) agreedSecret(bases []*object, cp cryptoParams) ([]byte, *opError) {
	if cp.alg != 0 && cp.alg != algECDH {
		return nil, fail(rrInvalidField, "asymmetric key derivation with Cryptographic Algorithm %d not supported (ECDH)", cp.alg)
	}
	if len(bases) != 2 {
		return nil, fail(rrInvalidField, "asymmetric key derivation takes a Private Key and a Public Key, not %d objects", len(bases))
	}
	var priv crypto.PrivateKey
	var pub crypto.PublicKey
	for _, o := range bases {
		c.rlock(o)
		typ, state, id := o.typ, o.state, o.id
		usable := !o.hasUsage || o.usage&usageDeriveKey != 0
		k, q := o.priv, o.pub
		o.mu.RUnlock()
		switch {
		case destroyed(state):
			return nil, fail(rrObjectDestroyed, "object %s is destroyed", id)
		case !usable:
			return nil, fail(rrIncompatibleUsageMask, "object %s may not derive keys (no Derive Key in its Cryptographic Usage Mask)", id)
		case typ == objPrivateKey && priv == nil && k != nil:
			priv = k
		case typ == objPublicKey && pub == nil && q != nil:
			pub = q
		case typ == objPrivateKey || typ == objPublicKey:
			return nil, fail(rrInvalidField, "object %s: asymmetric key derivation takes one usable Private Key and one Public Key", id)
		default:
			return nil, fail(rrInvalidField, "object %s is no Private Key or Public Key", id)
		}
	}
	z, err := agree(priv, pub)
	if err != nil {
		return nil, fail(rrInvalidField, "ECDH: %v", err)
	}
	return z, nil
}

// agree is ECDH of priv and pub.
func agree(priv crypto.PrivateKey, pub crypto.PublicKey) ([]byte, error) {
	switch d := priv.(type) {
	case *k1PrivateKey: // secp256k1.go
		q, ok := pub.(*k1PublicKey)
		if !ok {
			return nil, errCurveMismatch
		}
		return d.sharedSecret(q), nil
	case *ecdsa.PrivateKey:
		q, ok := pub.(*ecdsa.PublicKey)
		if !ok || q.Curve != d.Curve {
			return nil, errCurveMismatch
		}
		dk, err := d.ECDH()
		if err != nil {
			return nil, err
		}
		qk, err := q.ECDH()
		if err != nil {
			return nil, err
		}
		return dk.ECDH(qk)
	case *ecdh.PrivateKey:
		q, ok := pub.(*ecdh.PublicKey)
		if !ok || q.Curve() != d.Curve() {
			return nil, errCurveMismatch
		}
		return d.ECDH(q)
	}
	return nil, errors.New("not an elliptic-curve key")
}
