package kmipserver

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// registerSecret registers Secret Data holding v, usable for derivation.
func registerSecret(t *testing.T, s *Server, v []byte) string {
	t.Helper()
	p := ok(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objSecretData),
		st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageDeriveKey))),
		st(ttlv.TagSecretData, enum(ttlv.TagSecretDataType, secretPassword),
			st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfOpaque),
				st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, v)))))).items[0])
	return p.Child(ttlv.TagUniqueIdentifier).Text()
}

// material returns the key bytes Get answers for id.
func material(t *testing.T, s *Server, id string) []byte {
	t.Helper()
	p := ok(t, &do(t, s, v21, item(opGet, uid(id))).items[0])
	for _, tag := range []ttlv.Tag{ttlv.TagSymmetricKey, ttlv.TagSecretData} {
		if o := p.Child(tag); o != nil {
			return o.Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes
		}
	}
	t.Fatalf("no key in %s", p.String())
	return nil
}

func deriveItem(typ, method uint32, base string, params v, attrs ...v) v {
	return item(opDeriveKey, enum(ttlv.TagObjectType, typ), uid(base), enum(ttlv.TagDerivationMethod, method),
		params, st(ttlv.TagAttributes, attrs...))
}

func TestDeriveKey(t *testing.T) {
	s := newTestServer()
	pw := registerSecret(t, s, []byte("password"))
	// RFC 6070's first PBKDF2-HMAC-SHA1 vector: "password", "salt", 1
	// iteration, 20 bytes.
	p := ok(t, &do(t, s, v21, deriveItem(objSecretData, derivePBKDF2, pw,
		st(ttlv.TagDerivationParameters, bstr(ttlv.TagSalt, []byte("salt")), integer(ttlv.TagIterationCount, 1)),
		integer(ttlv.TagCryptographicLength, 160))).items[0])
	id := p.Child(ttlv.TagUniqueIdentifier).Text()
	if got, want := hex.EncodeToString(material(t, s, id)), "0c60c80f961f0e71f3a9b524af6012062fe037a6"; got != want {
		t.Errorf("PBKDF2: %s, want %s", got, want)
	}
	// An AES key by PBKDF2-HMAC-SHA256: "password", "salt", 4096
	// iterations, 32 bytes (the published SHA-256 counterpart of RFC 6070's
	// vectors).
	p = ok(t, &do(t, s, v21, deriveItem(objSymmetricKey, derivePBKDF2, pw,
		st(ttlv.TagDerivationParameters, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256)),
			bstr(ttlv.TagSalt, []byte("salt")), integer(ttlv.TagIterationCount, 4096)),
		enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256),
		integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt|usageDecrypt)))).items[0])
	aes := p.Child(ttlv.TagUniqueIdentifier).Text()
	if got, want := hex.EncodeToString(material(t, s, aes)), "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"; got != want {
		t.Errorf("PBKDF2-SHA256: %s, want %s", got, want)
	}
	// Links both ways.
	a := ok(t, &do(t, s, v21, item(opGetAttributes, uid(aes))).items[0]).Child(ttlv.TagAttributes)
	if l := a.Child(ttlv.TagLink); l == nil || l.Child(ttlv.TagLinkType).Num != int64(linkDerivationBase) ||
		l.Child(ttlv.TagLinkedObjectIdentifier).Text() != pw {
		t.Errorf("derived key's link: %v", l)
	}
	// HASH over Derivation Data; HMAC keyed with the base.
	data := []byte("derivation data")
	p = ok(t, &do(t, s, v21, deriveItem(objSecretData, deriveHash, pw,
		st(ttlv.TagDerivationParameters, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256)),
			bstr(ttlv.TagDerivationData, data)), integer(ttlv.TagCryptographicLength, 256))).items[0])
	sum := sha256.Sum256(data)
	if got := material(t, s, p.Child(ttlv.TagUniqueIdentifier).Text()); !bytes.Equal(got, sum[:]) {
		t.Errorf("HASH: %x, want %x", got, sum)
	}
	p = ok(t, &do(t, s, v21, deriveItem(objSecretData, deriveHMAC, pw,
		st(ttlv.TagDerivationParameters, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256)),
			bstr(ttlv.TagDerivationData, data)), integer(ttlv.TagCryptographicLength, 128))).items[0])
	m := hmac.New(sha256.New, []byte("password"))
	m.Write(data)
	if got, want := material(t, s, p.Child(ttlv.TagUniqueIdentifier).Text()), m.Sum(nil)[:16]; !bytes.Equal(got, want) {
		t.Errorf("HMAC: %x, want %x", got, want)
	}
	// SP 800-108 counter mode: two PRF blocks for 48 bytes.
	p = ok(t, &do(t, s, v21, deriveItem(objSecretData, deriveNIST800108C, pw,
		st(ttlv.TagDerivationParameters, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256)),
			bstr(ttlv.TagDerivationData, []byte("label\x00context"))), integer(ttlv.TagCryptographicLength, 384))).items[0])
	var want []byte
	for i := byte(1); i <= 2; i++ {
		m := hmac.New(sha256.New, []byte("password"))
		m.Write([]byte{0, 0, 0, i})
		m.Write([]byte("label\x00context"))
		m.Write([]byte{0, 0, 0x01, 0x80})
		want = m.Sum(want)
	}
	if got := material(t, s, p.Child(ttlv.TagUniqueIdentifier).Text()); !bytes.Equal(got, want[:48]) {
		t.Errorf("NIST800-108-C: %x, want %x", got, want[:48])
	}
	// Refusals: longer than the method gives; a base without Derive Key in
	// its usage mask.
	failed(t, &do(t, s, v21, deriveItem(objSecretData, deriveHash, pw,
		st(ttlv.TagDerivationParameters, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256)),
			bstr(ttlv.TagDerivationData, data)), integer(ttlv.TagCryptographicLength, 512))).items[0], rrInvalidField)
	failed(t, &do(t, s, v21, deriveItem(objSecretData, deriveHash, aes,
		st(ttlv.TagDerivationParameters, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256))),
		integer(ttlv.TagCryptographicLength, 256))).items[0], rrIncompatibleUsageMask)
}

func TestSetAttributeAndReKey(t *testing.T) {
	s := newTestServer()
	id := ok(t, &do(t, s, v21, createAES(v21, 256, name("to-rekey"))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	// Set Attribute adds, then replaces.
	for _, g := range []string{"first", "second"} {
		ok(t, &do(t, s, v21, item(opSetAttribute, uid(id), st(ttlv.TagNewAttribute, str(ttlv.TagObjectGroup, g)))).items[0])
		a := ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0]).Child(ttlv.TagAttributes)
		if got := texts(a, ttlv.TagObjectGroup); len(got) != 1 || got[0] != g {
			t.Errorf("Object Group after Set Attribute %q: %q", g, got)
		}
	}
	// Set Attribute is KMIP 2.x.
	failed(t, &do(t, s, hdr{major: 1, minor: 4}, item(opSetAttribute, uid(id),
		st(ttlv.TagNewAttribute, str(ttlv.TagObjectGroup, "x")))).items[0], rrOperationNotSupported)

	old := material(t, s, id)
	p := ok(t, &do(t, s, v21, item(opReKey, uid(id), ttlv.Interval(ttlv.TagOffset, 0))).items[0])
	nid := p.Child(ttlv.TagUniqueIdentifier).Text()
	if nid == id {
		t.Fatal("Re-key answered the old key")
	}
	if nk := material(t, s, nid); len(nk) != 32 || bytes.Equal(nk, old) {
		t.Errorf("replacement key %x (old %x)", nk, old)
	}
	na := ok(t, &do(t, s, v21, item(opGetAttributes, uid(nid))).items[0]).Child(ttlv.TagAttributes)
	if na.Child(ttlv.TagState).Num != int64(stateActive) {
		t.Errorf("replacement with Offset 0: State %v, want Active", na.Child(ttlv.TagState))
	}
	if got := texts(na, ttlv.TagObjectGroup); len(got) != 1 || got[0] != "second" {
		t.Errorf("replacement's Object Group: %q", got)
	}
	if got, _ := located(t, s, st(ttlv.TagAttributes, name("to-rekey"))); len(got) != 1 || got[0] != nid {
		t.Errorf("the Name located %q, want the replacement %s", got, nid)
	}
	oa := ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0]).Child(ttlv.TagAttributes)
	if l := oa.Child(ttlv.TagLink); l == nil || l.Child(ttlv.TagLinkType).Num != int64(linkReplacement) ||
		l.Child(ttlv.TagLinkedObjectIdentifier).Text() != nid {
		t.Errorf("old key's link: %v", l)
	}
}
