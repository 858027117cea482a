package kmipserver

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// streamParts sends op in parts (Init Indicator on the first, Final
// Indicator on the last, the Correlation Value in between), each with
// fields, and returns the responses; the Correlation Value must stay the
// same through the stream.
func streamParts(t *testing.T, s *Server, op uint32, fields []v, parts [][]byte) []*v {
	t.Helper()
	var cv []byte
	var out []*v
	for i, part := range parts {
		f := append(append([]v(nil), fields...), bstr(ttlv.TagData, part))
		if i == 0 {
			f = append(f, ttlv.Boolean(ttlv.TagInitIndicator, true))
		} else {
			f = append(f, bstr(ttlv.TagCorrelationValue, cv))
		}
		if i == len(parts)-1 {
			f = append(f, ttlv.Boolean(ttlv.TagFinalIndicator, true))
		}
		p := ok(t, &do(t, s, v21, item(op, f...)).items[0])
		out = append(out, p)
		if i < len(parts)-1 {
			got := p.Child(ttlv.TagCorrelationValue)
			if got == nil {
				t.Fatalf("part %d: no Correlation Value", i)
			}
			if cv != nil && !bytes.Equal(got.Bytes, cv) {
				t.Fatalf("part %d: Correlation Value %x, was %x", i, got.Bytes, cv)
			}
			cv = got.Bytes
		} else if p.Child(ttlv.TagCorrelationValue) != nil {
			t.Fatalf("final part answered with a Correlation Value")
		}
	}
	// the stream is closed
	f := append(append([]v(nil), fields...), bstr(ttlv.TagData, parts[0]), bstr(ttlv.TagCorrelationValue, cv))
	failed(t, &do(t, s, v21, item(op, f...)).items[0], rrInvalidField)
	return out
}

func joinData(ps []*v, tag ttlv.Tag) []byte {
	var b []byte
	for _, p := range ps {
		if d := p.Child(tag); d != nil {
			b = append(b, d.Bytes...)
		}
	}
	return b
}

func registerSym(t *testing.T, s *Server, key []byte, alg uint32, usage uint32) string {
	t.Helper()
	reg := item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
		st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usage))),
		symKey(kfRaw, key, alg, int32(8*len(key))))
	id := ok(t, &do(t, s, v21, reg).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
	return id
}

// TestMultipartBlockCipher: AES-ECB, AES-CBC with PKCS#5 and Triple DES
// CBC in parts of any length give the one-shot ciphertext, each part
// answered with the blocks it completes, and decrypt back in parts.
func TestMultipartBlockCipher(t *testing.T) {
	s := newTestServer()
	plain := []byte("0123456789abcdef0123456789abcdef012345")
	parts := [][]byte{plain[:5], plain[5:16], {}, plain[16:33], plain[33:]}
	for _, tc := range []struct {
		name string
		alg  uint32
		key  []byte
		mode uint32
		pad  uint32
		iv   []byte
	}{
		{"AES-ECB", algAES, bytes.Repeat([]byte{1}, 16), modeECB, padPKCS5, nil},
		{"AES-CBC", algAES, bytes.Repeat([]byte{2}, 32), modeCBC, padPKCS5, bytes.Repeat([]byte{9}, 16)},
		{"3DES-CBC", alg3DES, bytes.Repeat([]byte{3, 4, 5}, 8), modeCBC, padPKCS5, bytes.Repeat([]byte{7}, 8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := registerSym(t, s, tc.key, tc.alg, usageEncrypt|usageDecrypt)
			fields := []v{uid(id), st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, tc.mode), enum(ttlv.TagPaddingMethod, tc.pad))}
			if tc.iv != nil {
				fields = append(fields, bstr(ttlv.TagIVCounterNonce, tc.iv))
			}
			var blk cipher.Block
			if tc.alg == alg3DES {
				blk, _ = des.NewTripleDESCipher(tc.key)
			} else {
				blk, _ = aes.NewCipher(tc.key)
			}
			bs := blk.BlockSize()
			want := append([]byte(nil), plain...)
			for k := bs - len(plain)%bs; k > 0; k-- {
				want = append(want, byte(bs-len(plain)%bs))
			}
			if tc.iv != nil {
				cipher.NewCBCEncrypter(blk, tc.iv).CryptBlocks(want, want)
			} else {
				for i := 0; i < len(want); i += bs {
					blk.Encrypt(want[i:], want[i:])
				}
			}
			enc := streamParts(t, s, opEncrypt, fields, parts)
			for i, p := range enc {
				if d := p.Child(ttlv.TagData); d != nil && len(d.Bytes)%bs != 0 {
					t.Errorf("part %d: %d bytes, not whole blocks", i, len(d.Bytes))
				}
			}
			if got := joinData(enc, ttlv.TagData); !bytes.Equal(got, want) {
				t.Fatalf("streamed %x, want %x", got, want)
			}
			one := ok(t, &do(t, s, v21, item(opEncrypt, append(fields, bstr(ttlv.TagData, plain))...)).items[0])
			if got := one.Child(ttlv.TagData).Bytes; !bytes.Equal(got, want) {
				t.Fatalf("one part %x, want %x", got, want)
			}
			dec := streamParts(t, s, opDecrypt, fields, [][]byte{want[:3], want[3 : 2*bs], want[2*bs:]})
			if got := joinData(dec, ttlv.TagData); !bytes.Equal(got, plain) {
				t.Fatalf("decrypted %q, want %q", got, plain)
			}
		})
	}
}

// TestMultipartGathered: Hash, MAC and MAC Verify in parts answer as one
// request over all the data would; a part of another operation's stream
// fails.
func TestMultipartGathered(t *testing.T) {
	s := newTestServer()
	parts := [][]byte{[]byte("a"), []byte("bc"), {}, []byte("defg")}
	all := bytes.Join(parts, nil)
	sha := st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256))
	h := streamParts(t, s, opHash, []v{sha}, parts)
	sum := sha256.Sum256(all)
	if got := h[len(h)-1].Child(ttlv.TagData).Bytes; !bytes.Equal(got, sum[:]) {
		t.Errorf("Hash %x, want %x", got, sum)
	}
	key := bytes.Repeat([]byte{5}, 32)
	id := registerSym(t, s, key, algHMACSHA256, usageMACGen|usageMACVer)
	m := streamParts(t, s, opMAC, []v{uid(id)}, parts)
	mac := hmac.New(sha256.New, key)
	mac.Write(all)
	want := mac.Sum(nil)
	if got := m[len(m)-1].Child(ttlv.TagMACData).Bytes; !bytes.Equal(got, want) {
		t.Errorf("MAC %x, want %x", got, want)
	}
	if m[0].Child(ttlv.TagUniqueIdentifier).Text() != id {
		t.Errorf("first part: Unique Identifier %v", m[0].Child(ttlv.TagUniqueIdentifier))
	}
	vr := streamParts(t, s, opMACVerify, []v{uid(id), bstr(ttlv.TagMACData, want)}, parts)
	if got := vr[len(vr)-1].Child(ttlv.TagValidityIndicator); got == nil || uint32(got.Num) != validityValid {
		t.Errorf("MAC Verify: %v", got)
	}
	// a Hash stream's Correlation Value does not continue a MAC
	p := ok(t, &do(t, s, v21, item(opHash, sha, bstr(ttlv.TagData, all), ttlv.Boolean(ttlv.TagInitIndicator, true))).items[0])
	cv := p.Child(ttlv.TagCorrelationValue).Bytes
	failed(t, &do(t, s, v21, item(opMAC, uid(id), bstr(ttlv.TagData, all), bstr(ttlv.TagCorrelationValue, cv))).items[0], rrInvalidField)
	// a bad key fails at the first part
	failed(t, &do(t, s, v21, item(opMAC, uid("no such key"), bstr(ttlv.TagData, all), ttlv.Boolean(ttlv.TagInitIndicator, true))).items[0], rrObjectNotFound)
}

// TestRNGSeed: RNG Seed accepts a seed and uses none of it (the server's
// RNG cannot be seeded), needs Data, and exists from KMIP 1.2 on (1.2
// §4.36).
func TestRNGSeed(t *testing.T) {
	s := newTestServer()
	p := ok(t, &do(t, s, v21, item(opRNGSeed, bstr(ttlv.TagData, bytes.Repeat([]byte{1}, 32)))).items[0])
	if dl := p.Child(ttlv.TagDataLength); dl == nil || dl.Num != 0 {
		t.Errorf("Data Length %v, want 0", dl)
	}
	failed(t, &do(t, s, v21, item(opRNGSeed)).items[0], rrInvalidField)
	failed(t, &do(t, s, hdr{major: 1, minor: 1}, item(opRNGSeed, bstr(ttlv.TagData, []byte{1}))).items[0], rrOperationNotSupported)
	ok(t, &do(t, s, hdr{major: 1, minor: 2}, item(opRNGSeed, bstr(ttlv.TagData, []byte{1}))).items[0])
}
