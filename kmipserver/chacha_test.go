package kmipserver

import (
	"bytes"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestChaCha20Poly1305 runs RFC 8439 §2.8.2's AEAD test vector through
// Encrypt and Decrypt, then the tag rules: a tampered tag fails, a
// 12-byte truncated tag verifies, a 1-byte Tag Length is refused.
func TestChaCha20Poly1305(t *testing.T) {
	key := unhex(t, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
	plain := []byte("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")
	nonce := unhex(t, "070000004041424344454647")
	aad := unhex(t, "50515253c0c1c2c3c4c5c6c7")
	wantCT := unhex(t, "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116")
	wantTag := unhex(t, "1ae10b594f09e26a7e902ecbd0600691")

	s := newTestServer()
	r := do(t, s, h21, item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes),
		symKey(kfRaw, key, algChaCha20Poly1305, 256)), item(opActivate))
	id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &r.items[1])

	aead := func(tagLen int32) v {
		return st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeAEAD), integer(ttlv.TagTagLength, tagLen))
	}
	p := ok(t, &do(t, s, h21, item(opEncrypt, uid(id), aead(16), bstr(ttlv.TagData, plain),
		bstr(ttlv.TagIVCounterNonce, nonce), bstr(ttlv.TagAuthenticatedEncryptionAdditionalData, aad))).items[0])
	if got := p.Child(ttlv.TagData).Bytes; !bytes.Equal(got, wantCT) {
		t.Fatalf("ciphertext %x\nwant       %x", got, wantCT)
	}
	if got := p.Child(ttlv.TagAuthenticatedEncryptionTag).Bytes; !bytes.Equal(got, wantTag) {
		t.Fatalf("tag %x, want %x", got, wantTag)
	}
	decrypt := func(tagLen int32, tag []byte) resp {
		return do(t, s, h21, item(opDecrypt, uid(id), aead(tagLen), bstr(ttlv.TagData, wantCT), bstr(ttlv.TagIVCounterNonce, nonce),
			bstr(ttlv.TagAuthenticatedEncryptionAdditionalData, aad), bstr(ttlv.TagAuthenticatedEncryptionTag, tag)))
	}
	if got := ok(t, &decrypt(16, wantTag).items[0]).Child(ttlv.TagData).Bytes; !bytes.Equal(got, plain) {
		t.Fatalf("decrypted %q", got)
	}
	if got := ok(t, &decrypt(12, wantTag[:12]).items[0]).Child(ttlv.TagData).Bytes; !bytes.Equal(got, plain) {
		t.Fatalf("decrypted with a 12-byte tag: %q", got)
	}
	bad := bytes.Clone(wantTag)
	bad[0] ^= 0xe5
	failed(t, &decrypt(16, bad).items[0], rrCryptographicFailure)
	failed(t, &decrypt(12, bad[:12]).items[0], rrCryptographicFailure)
	failed(t, &do(t, s, h21, item(opEncrypt, uid(id), aead(1), bstr(ttlv.TagData, plain),
		bstr(ttlv.TagIVCounterNonce, nonce))).items[0], rrGeneralFailure)
}

// TestChaCha20 checks RFC 8439 §2.4.2's keystream vector (nonce
// 000000000000004a00000000, counter 1) as the 12-byte-nonce cipher with
// counter 0 — its first block is the keystream RFC 8439 §2.3.2 shows — and
// the 8-byte IV of the OASIS test cases: all-zero key and IV give the
// keystream 76b8e0ad… (RFC 8439 §A.1, test vector 1).
func TestChaCha20(t *testing.T) {
	s := newTestServer()
	key := make([]byte, 32)
	r := do(t, s, h21, item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes),
		symKey(kfRaw, key, algChaCha20, 256)), item(opActivate))
	id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	zeros := make([]byte, 64)
	want := unhex(t, "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586")
	for _, iv := range [][]byte{make([]byte, 8), make([]byte, 12)} {
		p := ok(t, &do(t, s, h21, item(opEncrypt, uid(id), bstr(ttlv.TagData, zeros), bstr(ttlv.TagIVCounterNonce, iv))).items[0])
		if got := p.Child(ttlv.TagData).Bytes; !bytes.Equal(got, want) {
			t.Fatalf("%d-byte IV: keystream %x\nwant %x", len(iv), got, want)
		}
		back := ok(t, &do(t, s, h21, item(opDecrypt, uid(id), bstr(ttlv.TagData, want), bstr(ttlv.TagIVCounterNonce, iv))).items[0])
		if !bytes.Equal(back.Child(ttlv.TagData).Bytes, zeros) {
			t.Fatalf("%d-byte IV: decrypt did not invert encrypt", len(iv))
		}
	}
	// A server-made nonce comes back with the ciphertext and decrypts it.
	p := ok(t, &do(t, s, h21, item(opEncrypt, uid(id), bstr(ttlv.TagData, []byte("hello")))).items[0])
	iv := p.Child(ttlv.TagIVCounterNonce)
	if iv == nil || len(iv.Bytes) != 12 {
		t.Fatalf("no 12-byte nonce returned: %s", p)
	}
	back := ok(t, &do(t, s, h21, item(opDecrypt, uid(id), bstr(ttlv.TagData, p.Child(ttlv.TagData).Bytes), bstr(ttlv.TagIVCounterNonce, iv.Bytes))).items[0])
	if string(back.Child(ttlv.TagData).Bytes) != "hello" {
		t.Fatalf("round trip with a server nonce: %q", back.Child(ttlv.TagData).Bytes)
	}
	failed(t, &do(t, s, h21, item(opEncrypt, uid(id), bstr(ttlv.TagData, zeros), bstr(ttlv.TagIVCounterNonce, make([]byte, 5)))).items[0], rrInvalidField)
}
