package kmipserver

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestRSASignUnhashed: Digested Data for an RSA key with no hash named is
// signed as given with PKCS#1 v1.5 (no DigestInfo) and verifies so; asking
// for PSS, which needs the hash, is refused for a digest of no known size.
func TestRSASignUnhashed(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer()
	reg := func(typ uint32, usage uint32, kf uint32, der []byte) string {
		tag := ttlv.TagPrivateKey
		if typ == objPublicKey {
			tag = ttlv.TagPublicKey
		}
		id := ok(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, typ),
			st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usage))),
			st(tag, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kf), st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, der)),
				enum(ttlv.TagCryptographicAlgorithm, algRSA), integer(ttlv.TagCryptographicLength, 2048))))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
		return id
	}
	priv := reg(objPrivateKey, usageSign, kfPKCS1, x509.MarshalPKCS1PrivateKey(k))
	pub := reg(objPublicKey, usageVerify, kfPKCS1, x509.MarshalPKCS1PublicKey(&k.PublicKey))
	dd := []byte("sixteen bytes!!!")
	sig := ok(t, &do(t, s, v21, item(opSign, uid(priv), bstr(ttlv.TagDigestedData, dd))).items[0]).Child(ttlv.TagSignatureData).Bytes
	if err := rsa.VerifyPKCS1v15(&k.PublicKey, 0, dd, sig); err != nil {
		t.Errorf("signature does not verify as unhashed PKCS#1 v1.5: %v", err)
	}
	verify := func(args ...v) uint32 {
		t.Helper()
		p := ok(t, &do(t, s, v21, item(opSignatureVerify, append([]v{uid(pub)}, args...)...)).items[0])
		return uint32(p.Child(ttlv.TagValidityIndicator).Num)
	}
	if got := verify(bstr(ttlv.TagDigestedData, dd), bstr(ttlv.TagSignatureData, sig)); got != validityValid {
		t.Errorf("Signature Verify: %d", got)
	}
	if got := verify(bstr(ttlv.TagDigestedData, []byte("sixteen bytes!!?")), bstr(ttlv.TagSignatureData, sig)); got != validityInvalid {
		t.Errorf("Signature Verify of other bytes: %d", got)
	}
	pss := st(ttlv.TagCryptographicParameters, enum(ttlv.TagPaddingMethod, padPSS))
	failed(t, &do(t, s, v21, item(opSign, uid(priv), pss, bstr(ttlv.TagDigestedData, dd))).items[0], rrInvalidField)
}
