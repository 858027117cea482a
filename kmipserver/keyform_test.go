package kmipserver

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// secp256k1 keys of the OASIS TC-ECC cases: an RFC 5915 ECPrivateKey and
// its SubjectPublicKeyInfo (secp256k1.go).
const (
	k1Private = "30740201010420db4d128c30ca309e62c4019758c00ba244dd64d9bf52a31078866b8a00c19c68a00706052b8104000aa14403420004dab5d3c253113db414abfc1c0ebf5a02559e656aa1c8b0aa8d870aa0324cda4899925ea1e6dbc259a6c7825cf46592ac7594cc40bd604b728d88b636f317d366"
	k1Public  = "3056301006072a8648ce3d020106052b8104000a03420004dab5d3c253113db414abfc1c0ebf5a02559e656aa1c8b0aa8d870aa0324cda4899925ea1e6dbc259a6c7825cf46592ac7594cc40bd604b728d88b636f317d366"
)

func asymKey(objTag ttlv.Tag, kf uint32, key []byte) v {
	return st(objTag, st(ttlv.TagKeyBlock,
		enum(ttlv.TagKeyFormatType, kf),
		st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, key)),
		enum(ttlv.TagCryptographicAlgorithm, algECDSA),
		integer(ttlv.TagCryptographicLength, 256)))
}

// onSecp224k1 is key (a secp256k1 key's encoding) naming secp224k1 (SEC 2
// §A.2.1: 1.3.132.0.32, an identifier as long as secp256k1's), a curve the
// server does not implement.
func onSecp224k1(t *testing.T, key string) []byte {
	b, _ := hex.DecodeString(strings.Replace(key, "06052b8104000a", "06052b81040020", 1))
	return b
}

// TestOpaqueKeys: EC keys on a curve the server does not implement, and
// an encrypted PKCS#8 key, register and Get back as given; signing with
// them fails; malformed material is still refused.
func TestOpaqueKeys(t *testing.T) {
	s := newTestServer()
	priv := onSecp224k1(t, k1Private)
	pub := onSecp224k1(t, k1Public)
	// EncryptedPrivateKeyInfo: pbeWithSHA1And3-KeyTripleDES-CBC, salt, count, data
	enc, _ := hex.DecodeString("3029301c060a2a864886f70d010c0103300e0408dc4dc656aa7bcc04020208000409deadbeefdeadbeef00")
	for _, tc := range []struct {
		name   string
		typ    uint32
		objTag ttlv.Tag
		kf     uint32
		key    []byte
	}{
		{"secp224k1 ECPrivateKey", objPrivateKey, ttlv.TagPrivateKey, kfECPrivateKey, priv},
		{"secp224k1 X.509", objPublicKey, ttlv.TagPublicKey, kfX509, pub},
		{"encrypted PKCS#8", objPrivateKey, ttlv.TagPrivateKey, kfPKCS8, enc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := item(opRegister, enum(ttlv.TagObjectType, tc.typ),
				st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign|usageVerify))),
				asymKey(tc.objTag, tc.kf, tc.key))
			id := ok(t, &do(t, s, v21, reg).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			g := ok(t, &do(t, s, v21, item(opGet, uid(id))).items[0])
			if km := g.Child(tc.objTag).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial); km == nil || !bytes.Equal(km.Bytes, tc.key) {
				t.Errorf("Get: key material %v", km)
			}
			if tc.typ == objPrivateKey {
				ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
				r := do(t, s, v21, item(opSign, uid(id), bstr(ttlv.TagData, []byte("data"))))
				if st := r.items[0].Child(ttlv.TagResultStatus); st == nil || st.Num == 0 {
					t.Errorf("Sign with an unusable key succeeded")
				}
			}
		})
	}
	// truncated material, and garbage, are refused
	for _, key := range [][]byte{priv[:len(priv)-5], []byte("not DER")} {
		reg := item(opRegister, enum(ttlv.TagObjectType, objPrivateKey),
			st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
			asymKey(ttlv.TagPrivateKey, kfECPrivateKey, key))
		failed(t, &do(t, s, v21, reg).items[0], rrInvalidField)
	}
}
