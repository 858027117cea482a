package kmipserver

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAESKeyWrap checks aesKeyWrap against RFC 3394 §4.1 (128-bit KEK,
// 128-bit key) and §4.6 (256-bit KEK, 256-bit key).
func TestAESKeyWrap(t *testing.T) {
	for _, tc := range []struct{ kek, key, want string }{
		{"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
			"1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
			"00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
			"28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	} {
		blk, err := aes.NewCipher(unhex(t, tc.kek))
		if err != nil {
			t.Fatal(err)
		}
		got, werr := aesKeyWrap(blk, unhex(t, tc.key))
		if werr != nil {
			t.Fatal(werr)
		}
		if want := unhex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("wrap %s under %s: %X, want %X", tc.key, tc.kek, got, want)
		}
	}
	blk, _ := aes.NewCipher(make([]byte, 16))
	if _, err := aesKeyWrap(blk, make([]byte, 12)); err == nil {
		t.Error("12 bytes wrapped")
	}
}

// TestGetWrapped: Get with a Key Wrapping Specification answers the Key
// Value wrapped under the Wrap Key AES key, with Key Wrapping Data; a
// wrapping key without the Wrap Key usage is refused.
func TestGetWrapped(t *testing.T) {
	s := newTestServer()
	kek := bytes.Repeat([]byte{1}, 32)
	reg := func(key []byte, usage uint32) string {
		it := item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
			st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usage))),
			symKey(kfRaw, key, algAES, int32(8*len(key))))
		id := ok(t, &do(t, s, v21, it).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
		return id
	}
	kekID := reg(kek, usageWrapKey)
	key := bytes.Repeat([]byte{2}, 16)
	keyID := reg(key, usageEncrypt)
	spec := func(id string) v {
		return st(ttlv.TagKeyWrappingSpecification, enum(ttlv.TagWrappingMethod, wrapMethodEncrypt),
			st(ttlv.TagEncryptionKeyInformation, uid(id),
				st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeNISTKeyWrap))))
	}
	p := ok(t, &do(t, s, v21, item(opGet, uid(keyID), spec(kekID))).items[0])
	kb := p.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock)
	kv := kb.Child(ttlv.TagKeyValue)
	if kv.Type != ttlv.TypeByteString {
		t.Fatalf("Key Value %s", kv.String())
	}
	blk, _ := aes.NewCipher(kek)
	plain := st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, key))
	want, _ := aesKeyWrap(blk, ttlv.Marshal(&plain))
	if !bytes.Equal(kv.Bytes, want) {
		t.Errorf("wrapped %x, want %x", kv.Bytes, want)
	}
	kwd := kb.Child(ttlv.TagKeyWrappingData)
	if kwd == nil || kwd.Child(ttlv.TagEncryptionKeyInformation).Child(ttlv.TagUniqueIdentifier).Text() != kekID {
		t.Errorf("Key Wrapping Data %v", kwd)
	}
	// the key itself lacks Wrap Key: it cannot wrap
	failed(t, &do(t, s, v21, item(opGet, uid(kekID), spec(keyID))).items[0], rrIncompatibleUsageMask)
}
