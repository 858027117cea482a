package kmipserver

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"io"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ECDSA on secp256k1 (SEC 2 §2.4.1), which Go's crypto does not have:
// the curve arithmetic and signatures come from
// github.com/decred/dcrd/dcrec/secp256k1 (README, "Dependencies"); this
// file reads the keys from their SEC 1 (RFC 5915), PKCS#8 and
// SubjectPublicKeyInfo (RFC 5480) encodings, writes them for the keys
// Create Key Pair generates on the curve, and adapts them to the server's
// signing and key-agreement (ECDH, derive.go) paths. Signatures are DER (X9.62 Ecdsa-Sig-Value) and
// deterministic (RFC 6979): the OASIS replay compares ECDSA signatures by
// verifying them, not byte for byte.

// oidSecp256k1 is the curve's object identifier (SEC 2 §A.2.1).
var oidSecp256k1 = asn1.ObjectIdentifier{1, 3, 132, 0, 10}

// k1PrivateKey is a secp256k1 private key; a crypto.Signer of DER
// signatures over a digest.
type k1PrivateKey struct {
	k   *secp256k1.PrivateKey
	pub *k1PublicKey
}

// k1PublicKey is a secp256k1 public key.
type k1PublicKey struct{ k *secp256k1.PublicKey }

// Public returns the public half.
func (p *k1PrivateKey) Public() crypto.PublicKey { return p.pub }

// Sign signs digest (truncated to the group order's 256 bits, SEC 1
// §4.1.3 step 5); rand and opts are unused: the nonce is RFC 6979's.
func (p *k1PrivateKey) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	return k1ecdsa.Sign(p.k, truncated(digest)).Serialize(), nil
}

// verify reports whether sig, DER, signs digest.
func (p *k1PublicKey) verify(digest, sig []byte) bool {
	s, err := k1ecdsa.ParseDERSignature(sig)
	return err == nil && s.Verify(truncated(digest), p.k)
}

func truncated(digest []byte) []byte {
	if len(digest) > 32 {
		return digest[:32]
	}
	return digest
}

var errNotK1 = errors.New("not a secp256k1 key")

// generateK1 makes a secp256k1 key pair from rand (a scalar uniform in
// [1, n-1], SEC 1 §3.2.1).
func generateK1(rand io.Reader) (*k1PrivateKey, error) {
	k, err := secp256k1.GeneratePrivateKeyFromRand(rand)
	if err != nil {
		return nil, err
	}
	return &k1PrivateKey{k: k, pub: &k1PublicKey{k: k.PubKey()}}, nil
}

// sharedSecret is the secp256k1 ECDH shared secret of p and q: the
// x-coordinate of d·Q, 32 bytes (SEC 1 §3.3.1). The scalar multiplication
// is the dependency's, not constant-time (as its signing is not).
func (p *k1PrivateKey) sharedSecret(q *k1PublicKey) []byte {
	return secp256k1.GenerateSharedSecret(p.k, q.k)
}

// appendK1Algorithm appends the AlgorithmIdentifier id-ecPublicKey with
// the namedCurve secp256k1 (RFC 5480 §2.1.1).
func appendK1Algorithm(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidECPublicKey)
		b.AddASN1ObjectIdentifier(oidSecp256k1)
	})
}

// appendK1SEC1 appends an ECPrivateKey (RFC 5915 §3): version 1, the
// 32-byte key, the curve when named (not inside PKCS#8, whose algorithm
// names it), the public key.
func (p *k1PrivateKey) appendSEC1(b *cryptobyte.Builder, nameCurve bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1OctetString(p.k.Serialize())
		if nameCurve {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidSecp256k1)
			})
		}
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1BitString(p.pub.k.SerializeUncompressed())
		})
	})
}

// sec1 encodes the key as an ECPrivateKey naming the curve (Key Format
// Type ECPrivateKey).
func (p *k1PrivateKey) sec1() ([]byte, error) {
	var b cryptobyte.Builder
	p.appendSEC1(&b, true)
	return b.Bytes()
}

// pkcs8 encodes the key as a PKCS#8 PrivateKeyInfo (RFC 5208 §5) of
// algorithm id-ecPublicKey on secp256k1 holding its ECPrivateKey.
func (p *k1PrivateKey) pkcs8() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		appendK1Algorithm(b)
		b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { p.appendSEC1(b, false) })
	})
	return b.Bytes()
}

// spki encodes the key as a SubjectPublicKeyInfo (RFC 5480 §2), the point
// uncompressed (SEC 1 §2.3.3).
func (q *k1PublicKey) spki() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		appendK1Algorithm(b)
		b.AddASN1BitString(q.k.SerializeUncompressed())
	})
	return b.Bytes()
}

// parseK1Private reads a secp256k1 private key: an ECPrivateKey (RFC 5915
// §3; kf ECPrivateKey) naming the curve, or a PKCS#8 PrivateKeyInfo (RFC
// 5208 §5) of algorithm id-ecPublicKey on the curve holding one.
func parseK1Private(kf uint32, raw []byte) (*k1PrivateKey, error) {
	in := cryptobyte.String(raw)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errNotK1
	}
	switch kf {
	case kfECPrivateKey:
		return k1FromSEC1(seq, false)
	case kfPKCS8:
		var version int
		var algID, inner cryptobyte.String
		if !seq.ReadASN1Integer(&version) || version != 0 || !seq.ReadASN1(&algID, cbasn1.SEQUENCE) ||
			!k1Algorithm(algID) || !seq.ReadASN1(&inner, cbasn1.OCTET_STRING) {
			return nil, errNotK1
		}
		var ec cryptobyte.String
		if !inner.ReadASN1(&ec, cbasn1.SEQUENCE) || !inner.Empty() {
			return nil, errNotK1
		}
		return k1FromSEC1(ec, true)
	}
	return nil, errNotK1
}

// k1FromSEC1 reads the contents of an ECPrivateKey: version 1, the key,
// [0] the curve (optional inside PKCS#8, whose algorithm names it).
func k1FromSEC1(seq cryptobyte.String, curveKnown bool) (*k1PrivateKey, error) {
	var version int
	var key cryptobyte.String
	if !seq.ReadASN1Integer(&version) || version != 1 || !seq.ReadASN1(&key, cbasn1.OCTET_STRING) || len(key) != 32 {
		return nil, errNotK1
	}
	var params cryptobyte.String
	var has bool
	if !seq.ReadOptionalASN1(&params, &has, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errNotK1
	}
	if has {
		var curve asn1.ObjectIdentifier
		if !params.ReadASN1ObjectIdentifier(&curve) || !curve.Equal(oidSecp256k1) {
			return nil, errNotK1
		}
	} else if !curveKnown {
		return nil, errNotK1
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(key); overflow || s.IsZero() {
		return nil, errors.New("secp256k1 private key out of range")
	}
	k := secp256k1.NewPrivateKey(&s)
	return &k1PrivateKey{k: k, pub: &k1PublicKey{k: k.PubKey()}}, nil
}

// parseK1Public reads a secp256k1 SubjectPublicKeyInfo (RFC 5480 §2).
func parseK1Public(raw []byte) (*k1PublicKey, error) {
	in := cryptobyte.String(raw)
	var seq, algID cryptobyte.String
	var point asn1.BitString
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !seq.ReadASN1(&algID, cbasn1.SEQUENCE) ||
		!k1Algorithm(algID) || !seq.ReadASN1BitString(&point) || !seq.Empty() || point.BitLength%8 != 0 {
		return nil, errNotK1
	}
	k, err := secp256k1.ParsePubKey(point.Bytes)
	if err != nil {
		return nil, err
	}
	return &k1PublicKey{k: k}, nil
}

// k1Algorithm reports an AlgorithmIdentifier id-ecPublicKey on secp256k1.
func k1Algorithm(algID cryptobyte.String) bool {
	var alg, curve asn1.ObjectIdentifier
	return algID.ReadASN1ObjectIdentifier(&alg) && alg.Equal(oidECPublicKey) &&
		algID.ReadASN1ObjectIdentifier(&curve) && curve.Equal(oidSecp256k1)
}
