package kmipserver

import (
	"bytes"
	"crypto/aes"
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// TestAESKeyUnwrap checks aesKeyUnwrap against RFC 3394 §4.1 and §4.6,
// and that altered input fails its integrity check.
func TestAESKeyUnwrap(t *testing.T) {
	for _, tc := range []struct{ kek, key, wrapped string }{
		{"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
			"1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
			"00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
			"28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	} {
		blk, _ := aes.NewCipher(unhex(t, tc.kek))
		got, err := aesKeyUnwrap(blk, unhex(t, tc.wrapped))
		if err != nil || !bytes.Equal(got, unhex(t, tc.key)) {
			t.Errorf("unwrap %s: %X, %v", tc.wrapped, got, err)
		}
		bad := unhex(t, tc.wrapped)
		bad[len(bad)-1] ^= 1
		if _, err := aesKeyUnwrap(blk, bad); err == nil || err.reason != rrCryptographicFailure {
			t.Errorf("altered input: %v", err)
		}
	}
	blk, _ := aes.NewCipher(make([]byte, 16))
	if _, err := aesKeyUnwrap(blk, make([]byte, 20)); err == nil {
		t.Error("20 bytes unwrapped")
	}
}

// TestGetUnwrapped: a key registered wrapped is answered unwrapped for Key
// Wrap Type Not Wrapped (TTLV and No Encoding), as registered otherwise,
// and wrapped again when a Key Wrapping Specification asks; the wrapping
// key must have the Unwrap Key usage.
func TestGetUnwrapped(t *testing.T) {
	s := newTestServer()
	reg := func(body v, usage uint32) string {
		it := item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
			st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usage))), body)
		id := ok(t, &do(t, s, v21, it).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
		return id
	}
	kekBytes := bytes.Repeat([]byte{1}, 16)
	kek := reg(symKey(kfRaw, kekBytes, algAES, 128), usageWrapKey|usageUnwrapKey)
	wrapOnly := reg(symKey(kfRaw, kekBytes, algAES, 128), usageWrapKey)
	key := bytes.Repeat([]byte{2}, 16)
	blk, _ := aes.NewCipher(kekBytes)
	wrappedKey := func(kekID string, noEncoding bool) v {
		plain := st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, key))
		in := ttlv.Marshal(&plain)
		kwd := st(ttlv.TagKeyWrappingData, enum(ttlv.TagWrappingMethod, wrapMethodEncrypt),
			st(ttlv.TagEncryptionKeyInformation, uid(kekID), st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeNISTKeyWrap))))
		if noEncoding {
			in = key
			kwd.Children = append(kwd.Children, enum(ttlv.TagEncodingOption, encodingNone))
		}
		w, err := aesKeyWrap(blk, in)
		if err != nil {
			t.Fatal(err)
		}
		return st(ttlv.TagSymmetricKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfRaw), bstr(ttlv.TagKeyValue, w),
			enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128), kwd))
	}
	notWrapped := enum(ttlv.TagKeyWrapType, uint32(kmip.KeyWrapTypeNotWrapped))
	material := func(p *v) *v {
		return p.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue)
	}
	for _, noEnc := range []bool{false, true} {
		id := reg(wrappedKey(kek, noEnc), usageEncrypt)
		p := ok(t, &do(t, s, v21, item(opGet, uid(id), notWrapped)).items[0])
		if kv := material(p); kv.Type != ttlv.TypeStructure || !bytes.Equal(kv.Child(ttlv.TagKeyMaterial).Bytes, key) ||
			p.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyWrappingData) != nil {
			t.Errorf("No Encoding %v: unwrapped %s", noEnc, p.String())
		}
		// As registered: still wrapped.
		if kv := material(ok(t, &do(t, s, v21, item(opGet, uid(id))).items[0])); kv.Type != ttlv.TypeByteString {
			t.Errorf("No Encoding %v: as registered %s", noEnc, kv.String())
		}
	}
	// Unwrapped, then wrapped again under the same key, No Encoding.
	id := reg(wrappedKey(kek, false), usageEncrypt)
	spec := st(ttlv.TagKeyWrappingSpecification, enum(ttlv.TagWrappingMethod, wrapMethodEncrypt),
		st(ttlv.TagEncryptionKeyInformation, uid(kek), st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeNISTKeyWrap))),
		enum(ttlv.TagEncodingOption, encodingNone))
	p := ok(t, &do(t, s, v21, item(opGet, uid(id), notWrapped, spec)).items[0])
	if want, _ := aesKeyWrap(blk, key); !bytes.Equal(material(p).Bytes, want) {
		t.Errorf("re-wrapped %s", p.String())
	}
	// A key wrapped under itself (an Import may name its own identifier):
	// refused, not locked twice.
	self := wrappedKey("self-wrapped", false)
	ok(t, &do(t, s, v21, item(opImport, uid("self-wrapped"), enum(ttlv.TagObjectType, objSymmetricKey),
		st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageUnwrapKey))), self)).items[0])
	ok(t, &do(t, s, v21, item(opActivate, uid("self-wrapped"))).items[0])
	failed(t, &do(t, s, v21, item(opGet, uid("self-wrapped"), notWrapped)).items[0], rrInvalidField)
	failed(t, &do(t, s, v21, item(opExport, uid("self-wrapped"), notWrapped)).items[0], rrInvalidField)
	// A wrapping key without Unwrap Key cannot unwrap.
	id = reg(wrappedKey(wrapOnly, false), usageEncrypt)
	failed(t, &do(t, s, v21, item(opGet, uid(id), notWrapped)).items[0], rrIncompatibleUsageMask)
}

// TestImportUnwrapped: Import with Key Wrap Type Not Wrapped stores the
// object unwrapped (2.1 §6.1.25).
func TestImportUnwrapped(t *testing.T) {
	s := newTestServer()
	kekBytes := bytes.Repeat([]byte{5}, 16)
	kek := ok(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
		st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageWrapKey|usageUnwrapKey))),
		symKey(kfRaw, kekBytes, algAES, 128))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &do(t, s, v21, item(opActivate, uid(kek))).items[0])
	blk, _ := aes.NewCipher(kekBytes)
	key := bytes.Repeat([]byte{6}, 16)
	w, _ := aesKeyWrap(blk, key)
	body := st(ttlv.TagSymmetricKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfRaw), bstr(ttlv.TagKeyValue, w),
		enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128),
		st(ttlv.TagKeyWrappingData, enum(ttlv.TagWrappingMethod, wrapMethodEncrypt), st(ttlv.TagEncryptionKeyInformation, uid(kek)),
			enum(ttlv.TagEncodingOption, encodingNone))))
	imp := item(opImport, uid("imported-unwrapped"), enum(ttlv.TagObjectType, objSymmetricKey),
		enum(ttlv.TagKeyWrapType, uint32(kmip.KeyWrapTypeNotWrapped)),
		st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt))), body)
	ok(t, &do(t, s, v21, imp).items[0])
	g := ok(t, &do(t, s, v21, item(opGet, uid("imported-unwrapped"))).items[0])
	if km := g.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial); km == nil || !bytes.Equal(km.Bytes, key) {
		t.Errorf("imported %s", g.String())
	}
}
