package kmipserver

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestTransparentRSA: a Transparent RSA Private Key is read (served as
// registered, converted to PKCS#1 on request), gets the Digests of its
// TTLV Key Material and of its PKCS#1 form, and is refused when its
// numbers do not make a key.
func TestTransparentRSA(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	bi := func(tag ttlv.Tag, x *big.Int) v { return ttlv.BigInteger(tag, x) }
	material := func(n *big.Int) v {
		return st(ttlv.TagKeyMaterial, bi(ttlv.TagModulus, n), bi(ttlv.TagPrivateExponent, k.D), bi(ttlv.TagPublicExponent, big.NewInt(int64(k.E))),
			bi(ttlv.TagP, k.Primes[0]), bi(ttlv.TagQ, k.Primes[1]), bi(ttlv.TagPrimeExponentP, k.Precomputed.Dp),
			bi(ttlv.TagPrimeExponentQ, k.Precomputed.Dq), bi(ttlv.TagCRTCoefficient, k.Precomputed.Qinv))
	}
	register := func(km v) v {
		return item(opRegister, enum(ttlv.TagObjectType, objPrivateKey), st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
			st(ttlv.TagPrivateKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfTransparentRSAPrivate), st(ttlv.TagKeyValue, km),
				enum(ttlv.TagCryptographicAlgorithm, algRSA), integer(ttlv.TagCryptographicLength, 2048))))
	}
	s := newTestServer()
	km := material(k.N)
	id := ok(t, &do(t, s, v21, register(km)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	g := ok(t, &do(t, s, v21, item(opGet, uid(id))).items[0])
	if kb := g.Child(ttlv.TagPrivateKey).Child(ttlv.TagKeyBlock); uint32(kb.Child(ttlv.TagKeyFormatType).Num) != kfTransparentRSAPrivate {
		t.Errorf("Get: %s", g.String())
	}
	g = ok(t, &do(t, s, v21, item(opGet, uid(id), enum(ttlv.TagKeyFormatType, kfPKCS1))).items[0])
	pkcs1 := x509.MarshalPKCS1PrivateKey(k)
	if got := g.Child(ttlv.TagPrivateKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes; !bytes.Equal(got, pkcs1) {
		t.Error("PKCS#1 form differs from crypto/x509's")
	}
	want := map[uint32][32]byte{kfTransparentRSAPrivate: sha256.Sum256(ttlv.Marshal(&km)), kfPKCS1: sha256.Sum256(pkcs1)}
	n := 0
	for _, a := range attrsOf(t, v21, ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0])) {
		if a.Tag != ttlv.TagDigest {
			continue
		}
		n++
		kf := uint32(a.Child(ttlv.TagKeyFormatType).Num)
		if w, ok := want[kf]; !ok || !bytes.Equal(a.Child(ttlv.TagDigestValue).Bytes, w[:]) {
			t.Errorf("Digest %s", a.String())
		}
	}
	if n != 2 {
		t.Errorf("%d Digests, want 2", n)
	}
	// A Modulus that is not P × Q.
	failed(t, &do(t, s, v21, register(material(new(big.Int).Add(k.N, big.NewInt(2))))).items[0], rrInvalidField)
}
