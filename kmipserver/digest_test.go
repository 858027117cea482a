package kmipserver

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestDigestVersions: the Digest of a key holds Hashing Algorithm and
// Digest Value in a KMIP 1.0 answer (1.0 §3.17), and the Key Format Type
// too from 1.1 on (1.1 §3.17); the value is SHA-256 of the Key Material.
func TestDigestVersions(t *testing.T) {
	s := newTestServer()
	key := []byte("0123456789abcdef")
	sum := sha256.Sum256(key)
	for _, h := range []hdr{{major: 1, minor: 0}, {major: 1, minor: 1}, {major: 1, minor: 4}, h21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			kb := st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfRaw),
				st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, key)),
				enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128))
			reg := item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes), st(ttlv.TagSymmetricKey, kb))
			if h.major < 2 {
				reg = item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagTemplateAttribute), st(ttlv.TagSymmetricKey, kb))
			}
			id := ok(t, &do(t, s, h, reg).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			get := item(opGetAttributes, uid(id), enum(ttlv.TagAttributeReference, uint32(ttlv.TagDigest)))
			if h.major < 2 {
				get = item(opGetAttributes, uid(id), str(ttlv.TagAttributeName, "Digest"))
			}
			as := attrsOf(t, h, ok(t, &do(t, s, h, get).items[0]))
			if len(as) != 1 || as[0].Tag != ttlv.TagDigest {
				t.Fatalf("attributes %v, want one Digest", as)
			}
			d := &as[0]
			if alg := d.Child(ttlv.TagHashingAlgorithm); alg == nil || uint32(alg.Num) != hashSHA256 {
				t.Errorf("Hashing Algorithm %v", alg)
			}
			if dv := d.Child(ttlv.TagDigestValue); dv == nil || string(dv.Bytes) != string(sum[:]) {
				t.Errorf("Digest Value %v", dv)
			}
			kf := d.Child(ttlv.TagKeyFormatType)
			if want := h.major > 1 || h.minor >= 1; (kf != nil) != want || kf != nil && uint32(kf.Num) != kfRaw {
				t.Errorf("Key Format Type %v in KMIP %d.%d", kf, h.major, h.minor)
			}
			if len(d.Children) != 2+map[bool]int{true: 1}[kf != nil] {
				t.Errorf("Digest %s", d.String())
			}
		})
	}
}

// TestSecretDataDigest: registered Secret Data gets the Digest of its Key
// Material and a Key Format Type attribute (2.1 §4.21, §4.26); created
// Secret Data the Digest of what the server made.
func TestSecretDataDigest(t *testing.T) {
	s := newTestServer()
	pw := []byte("password")
	sum := sha256.Sum256(pw)
	sd := st(ttlv.TagSecretData, enum(ttlv.TagSecretDataType, secretPassword),
		st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfRaw), st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, pw))))
	id := ok(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objSecretData), st(ttlv.TagAttributes), sd)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	var digest, kf *v
	for _, a := range attrsOf(t, v21, ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0])) {
		switch a.Tag {
		case ttlv.TagDigest:
			digest = &a
		case ttlv.TagKeyFormatType:
			kf = &a
		}
	}
	if digest == nil || string(digest.Child(ttlv.TagDigestValue).Bytes) != string(sum[:]) || uint32(digest.Child(ttlv.TagKeyFormatType).Num) != kfRaw {
		t.Errorf("Digest %v", digest)
	}
	if kf == nil || uint32(kf.Num) != kfRaw {
		t.Errorf("Key Format Type %v", kf)
	}
	// Get in the registered format answers it as registered.
	g := ok(t, &do(t, s, v21, item(opGet, uid(id), enum(ttlv.TagKeyFormatType, kfRaw))).items[0])
	if km := g.Child(ttlv.TagSecretData).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial); string(km.Bytes) != string(pw) {
		t.Errorf("Get: %s", g.String())
	}
}

// TestPGPKeyAttributes: a registered PGP Key, kept as given, gets the
// Cryptographic Algorithm and Length its Key Block names, its Key Format
// Type and the Digest of its Key Material.
func TestPGPKeyAttributes(t *testing.T) {
	s := newTestServer()
	material := []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n...")
	sum := sha256.Sum256(material)
	pgp := st(ttlv.TagPGPKey, integer(ttlv.TagPGPKeyVersion, 4), st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfRaw),
		st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, material)),
		enum(ttlv.TagCryptographicAlgorithm, algRSA), integer(ttlv.TagCryptographicLength, 2048)))
	id := ok(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objPGPKey), st(ttlv.TagAttributes), pgp)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	got := map[ttlv.Tag]*v{}
	for _, a := range attrsOf(t, v21, ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0])) {
		got[a.Tag] = &a
	}
	if a := got[ttlv.TagCryptographicAlgorithm]; a == nil || uint32(a.Num) != algRSA {
		t.Errorf("Cryptographic Algorithm %v", a)
	}
	if a := got[ttlv.TagCryptographicLength]; a == nil || a.Num != 2048 {
		t.Errorf("Cryptographic Length %v", a)
	}
	if a := got[ttlv.TagKeyFormatType]; a == nil || uint32(a.Num) != kfRaw {
		t.Errorf("Key Format Type %v", a)
	}
	if d := got[ttlv.TagDigest]; d == nil || string(d.Child(ttlv.TagDigestValue).Bytes) != string(sum[:]) {
		t.Errorf("Digest %v", d)
	}
}
