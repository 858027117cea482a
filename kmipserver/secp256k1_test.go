package kmipserver

import (
	"encoding/hex"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestSecp256k1: a registered secp256k1 key pair (the OASIS TC-ECDSA-SIGN
// keys) signs and verifies ECDSA with SHA-256, of Data and of Digested
// Data (a 16-byte digest signed as given when no hash is named); the test
// case's own signature verifies, a changed one does not; PKCS#8 reads too.
func TestSecp256k1(t *testing.T) {
	s := newTestServer()
	priv, _ := hex.DecodeString(k1Private)
	pub, _ := hex.DecodeString(k1Public)
	reg := func(typ uint32, tag ttlv.Tag, kf uint32, key []byte, usage uint32) string {
		return ok(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, typ),
			st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usage))),
			asymKey(tag, kf, key))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	}
	privID := reg(objPrivateKey, ttlv.TagPrivateKey, kfECPrivateKey, priv, usageSign)
	pubID := reg(objPublicKey, ttlv.TagPublicKey, kfX509, pub, usageVerify)
	for _, id := range []string{privID, pubID} {
		ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
	}
	sha256 := st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, 6), enum(ttlv.TagCryptographicAlgorithm, algECDSA))
	data, _ := hex.DecodeString("01020304050607080910111213141516")
	verify := func(sig []byte, in v, params ...v) uint32 {
		ch := append([]v{uid(pubID)}, params...)
		ch = append(ch, in, bstr(ttlv.TagSignatureData, sig))
		p := ok(t, &do(t, s, v21, item(opSignatureVerify, ch...)).items[0])
		return uint32(p.Child(ttlv.TagValidityIndicator).Num)
	}
	p := ok(t, &do(t, s, v21, item(opSign, uid(privID), sha256, bstr(ttlv.TagData, data))).items[0])
	sig := p.Child(ttlv.TagSignatureData).Bytes
	if got := verify(sig, bstr(ttlv.TagData, data), sha256); got != 1 {
		t.Errorf("own signature: Validity Indicator %d, want Valid", got)
	}
	// TC-ECDSA-SIGN-1-20's signature of the same data.
	theirs, _ := hex.DecodeString("30440220078ac91570286b4b35f2bf1da113c6e25e8c45dfc7a7dc7db07f7ff34ffc08d702200135d58e21d091e60b81a0e63db3d914af9fe56de9b3cf747cd8ecc74a75ee71")
	if got := verify(theirs, bstr(ttlv.TagData, data), sha256); got != 1 {
		t.Errorf("the test case's signature: Validity Indicator %d, want Valid", got)
	}
	sig[len(sig)-1] ^= 1
	if got := verify(sig, bstr(ttlv.TagData, data), sha256); got != 2 {
		t.Errorf("changed signature: Validity Indicator %d, want Invalid", got)
	}
	p = ok(t, &do(t, s, v21, item(opSign, uid(privID), bstr(ttlv.TagDigestedData, data))).items[0])
	if got := verify(p.Child(ttlv.TagSignatureData).Bytes, bstr(ttlv.TagDigestedData, data)); got != 1 {
		t.Errorf("Digested Data signature: Validity Indicator %d, want Valid", got)
	}
	// PKCS#8 PrivateKeyInfo: version 0, id-ecPublicKey secp256k1, the ECPrivateKey.
	algID := "301006072a8648ce3d020106052b8104000a"
	body := "020100" + algID + "0476" + k1Private
	p8, _ := hex.DecodeString("3081" + hex.EncodeToString([]byte{byte(len(body) / 2)}) + body)
	id := reg(objPrivateKey, ttlv.TagPrivateKey, kfPKCS8, p8, usageSign)
	if o := s.store.get([]byte(id)); o == nil || o.priv == nil {
		t.Fatalf("PKCS#8 secp256k1 key not usable")
	}
}
