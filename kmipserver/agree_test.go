package kmipserver

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/hex"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// derivingPair creates an EC key pair on the curve whose keys may derive.
func derivingPair(t *testing.T, s *Server, c uint32) (priv, pub string) {
	t.Helper()
	return createKeyPair(t, s, enum(ttlv.TagCryptographicAlgorithm, algEC), curve(c),
		integer(ttlv.TagCryptographicUsageMask, int32(usageDeriveKey|usageSign|usageVerify)))
}

// deriveECDH asks Derive Key, method Asymmetric Key, for an AES key of
// bits from the objects ids and returns the item.
func deriveECDH(t *testing.T, s *Server, bits int32, ids ...string) v {
	t.Helper()
	ch := []v{enum(ttlv.TagObjectType, objSymmetricKey)}
	for _, id := range ids {
		ch = append(ch, uid(id))
	}
	ch = append(ch, enum(ttlv.TagDerivationMethod, deriveAsymmetric),
		st(ttlv.TagDerivationParameters, st(ttlv.TagCryptographicParameters, enum(ttlv.TagCryptographicAlgorithm, algECDH))),
		st(ttlv.TagAttributes, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, bits)))
	return do(t, s, h21, item(opDeriveKey, ch...)).items[0]
}

func derivedKey(t *testing.T, s *Server, it v) []byte {
	t.Helper()
	id := ok(t, &it).Child(ttlv.TagUniqueIdentifier).Text()
	_, k := keyMaterial(t, ok(t, &do(t, s, h21, item(opGet, uid(id))).items[0]), ttlv.TagSymmetricKey)
	return k
}

func getKey(t *testing.T, s *Server, id string, tag ttlv.Tag, kf ...uint32) (uint32, []byte) {
	t.Helper()
	ch := []v{uid(id)}
	if len(kf) > 0 {
		ch = append(ch, enum(ttlv.TagKeyFormatType, kf[0]))
	}
	return keyMaterial(t, ok(t, &do(t, s, h21, item(opGet, ch...)).items[0]), tag)
}

// TestSecp256k1KeyPair: Create Key Pair on SECP256K1 makes keys that Get
// answers in PKCS#8 (the default), ECPrivateKey and X.509, each read back
// by the server's own parsers to the same key; they sign and verify; Re-key
// Key Pair stays on the curve.
func TestSecp256k1KeyPair(t *testing.T) {
	s := newTestServer()
	privID, pubID := derivingPair(t, s, curveSECP256K1)
	kf, p8 := getKey(t, s, privID, ttlv.TagPrivateKey)
	if kf != kfPKCS8 {
		t.Fatalf("private key in Key Format Type %d, want PKCS#8", kf)
	}
	k8, err := parseK1Private(kfPKCS8, p8)
	if err != nil {
		t.Fatalf("PKCS#8 answer: %v", err)
	}
	_, sec1 := getKey(t, s, privID, ttlv.TagPrivateKey, kfECPrivateKey)
	k1, err := parseK1Private(kfECPrivateKey, sec1)
	if err != nil {
		t.Fatalf("ECPrivateKey answer: %v", err)
	}
	kf, spki := getKey(t, s, pubID, ttlv.TagPublicKey)
	if kf != kfX509 {
		t.Fatalf("public key in Key Format Type %d, want X.509", kf)
	}
	q, err := parseK1Public(spki)
	if err != nil {
		t.Fatalf("SubjectPublicKeyInfo answer: %v", err)
	}
	if !k8.k.Key.Equals(&k1.k.Key) || !k8.pub.k.IsEqual(q.k) {
		t.Fatal("the encodings of the generated key pair disagree")
	}
	data := []byte("message")
	sha256 := st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256))
	sig := ok(t, &do(t, s, h21, item(opSign, uid(privID), sha256, bstr(ttlv.TagData, data))).items[0]).Child(ttlv.TagSignatureData).Bytes
	p := ok(t, &do(t, s, h21, item(opSignatureVerify, uid(pubID), sha256, bstr(ttlv.TagData, data), bstr(ttlv.TagSignatureData, sig))).items[0])
	if p.Child(ttlv.TagValidityIndicator).Num != 1 {
		t.Fatal("a generated secp256k1 key's signature does not verify")
	}
	newPriv := ok(t, &do(t, s, h21, item(opReKeyKeyPair, str(ttlv.TagPrivateKeyUniqueIdentifier, privID))).items[0]).
		Child(ttlv.TagPrivateKeyUniqueIdentifier).Text()
	if _, m := getKey(t, s, newPriv, ttlv.TagPrivateKey); func() error { _, err := parseK1Private(kfPKCS8, m); return err }() != nil {
		t.Fatal("Re-key Key Pair of a secp256k1 key left the curve")
	}
}

// TestDeriveKeyECDH: Derive Key, Asymmetric Key, agrees the same key from
// either side (private key of one pair, public key of the other, in
// either order) on secp256k1, P-256 and X25519; with the generator G as
// the public key secp256k1 gives x(d·G), the private key's own public x;
// the P-256 and X25519 secrets equal crypto/ecdh's of the keys Get
// answers; what does not fit is refused.
func TestDeriveKeyECDH(t *testing.T) {
	s := newTestServer()
	for _, c := range []uint32{curveSECP256K1, curveP256, curve25519} {
		pri1, pub1 := derivingPair(t, s, c)
		pri2, pub2 := derivingPair(t, s, c)
		a := derivedKey(t, s, deriveECDH(t, s, 256, pri1, pub2))
		b := derivedKey(t, s, deriveECDH(t, s, 256, pub1, pri2))
		if len(a) != 32 || !bytes.Equal(a, b) {
			t.Fatalf("curve %d: the two sides agree %x and %x", c, a, b)
		}
		if c == curveSECP256K1 {
			continue
		}
		_, p8 := getKey(t, s, pri1, ttlv.TagPrivateKey)
		_, spki := getKey(t, s, pub2, ttlv.TagPublicKey)
		d, err := x509.ParsePKCS8PrivateKey(p8)
		if err != nil {
			t.Fatal(err)
		}
		q, err := x509.ParsePKIXPublicKey(spki)
		if err != nil {
			t.Fatal(err)
		}
		var z []byte
		switch d := d.(type) {
		case *ecdsa.PrivateKey:
			dk, _ := d.ECDH()
			qk, _ := q.(*ecdsa.PublicKey).ECDH()
			z, err = dk.ECDH(qk)
		case *ecdh.PrivateKey:
			z, err = d.ECDH(q.(*ecdh.PublicKey))
		}
		if err != nil || !bytes.Equal(z, a) {
			t.Fatalf("curve %d: derived %x, crypto/ecdh %x (%v)", c, a, z, err)
		}
	}

	// secp256k1 with Q = G: Z = x(d·G).
	pri, pub := derivingPair(t, s, curveSECP256K1)
	g, _ := hex.DecodeString("3056301006072a8648ce3d020106052b8104000a034200" +
		"0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" +
		"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
	gID := ok(t, &do(t, s, h21, item(opRegister, enum(ttlv.TagObjectType, objPublicKey),
		st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageDeriveKey))),
		asymKey(ttlv.TagPublicKey, kfX509, g))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	_, spki := getKey(t, s, pub, ttlv.TagPublicKey)
	q, err := parseK1Public(spki)
	if err != nil {
		t.Fatal(err)
	}
	x := q.k.SerializeUncompressed()[1:33]
	if z := derivedKey(t, s, deriveECDH(t, s, 256, pri, gID)); !bytes.Equal(z, x) {
		t.Fatalf("ECDH with G: %x, want the public x %x", z, x)
	}
	if z := derivedKey(t, s, deriveECDH(t, s, 128, pri, gID)); !bytes.Equal(z, x[:16]) {
		t.Fatalf("128-bit ECDH key: %x, want the leading bytes %x", z, x[:16])
	}

	p256, p256pub := derivingPair(t, s, curveP256)
	noDerive, _ := createKeyPair(t, s, enum(ttlv.TagCryptographicAlgorithm, algEC), curve(curveSECP256K1),
		integer(ttlv.TagCryptographicUsageMask, int32(usageSign|usageVerify)))
	for name, c := range map[string]struct {
		ids    []string
		bits   int32
		reason uint32
	}{
		"curves differ":      {[]string{pri, p256pub}, 256, rrInvalidField},
		"two private keys":   {[]string{pri, p256}, 256, rrInvalidField},
		"one object":         {[]string{pri}, 256, rrInvalidField},
		"longer than Z":      {[]string{pri, gID}, 512, rrInvalidField},
		"no Derive Key mask": {[]string{noDerive, gID}, 256, rrIncompatibleUsageMask},
	} {
		t.Run(name, func(t *testing.T) {
			it := deriveECDH(t, s, c.bits, c.ids...)
			failed(t, &it, c.reason)
		})
	}
}
