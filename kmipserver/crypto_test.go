package kmipserver

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

var h21 = hdr{major: 2, minor: 1}

func keyMaterial(t *testing.T, p *v, objTag ttlv.Tag) (uint32, []byte) {
	t.Helper()
	o := p.Child(objTag)
	if o == nil {
		t.Fatalf("no %s in %s", objTag, p.String())
	}
	kb := o.Child(ttlv.TagKeyBlock)
	return uint32(kb.Child(ttlv.TagKeyFormatType).Num), kb.Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes
}

func createKeyPair(t *testing.T, s *Server, common ...v) (priv, pub string) {
	t.Helper()
	r := do(t, s, h21, item(opCreateKeyPair, st(ttlv.TagCommonAttributes, common...)))
	p := ok(t, &r.items[0])
	priv = p.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text()
	pub = p.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
	ok(t, &do(t, s, h21, item(opActivate, uid(priv)), item(opActivate, uid(pub))).items[0])
	return priv, pub
}

func curve(c uint32) v {
	return st(ttlv.TagCryptographicDomainParameters, enum(ttlv.TagRecommendedCurve, c))
}

// TestKeyPairs: each key pair kind, its keys parsed by Go's x509 from Get,
// and signatures made by Sign checked by Go's verifiers and by Signature
// Verify (which must refuse a changed message).
func TestKeyPairs(t *testing.T) {
	msg := []byte("the quick brown fox")
	d256 := sha256.Sum256(msg)
	d384 := sha512.Sum384(msg)
	cases := []struct {
		name   string
		common []v
		params []v
		verify func(pub any, sig []byte) bool
		sign   bool
	}{
		{"RSA-2048-PSS", []v{enum(ttlv.TagCryptographicAlgorithm, algRSA), integer(ttlv.TagCryptographicLength, 2048)},
			[]v{st(ttlv.TagCryptographicParameters, enum(ttlv.TagPaddingMethod, padPSS), enum(ttlv.TagHashingAlgorithm, hashSHA256))},
			func(pub any, sig []byte) bool {
				return rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA256, d256[:], sig, nil) == nil
			}, true},
		{"RSA-2048-PKCS1", []v{enum(ttlv.TagCryptographicAlgorithm, algRSA), integer(ttlv.TagCryptographicLength, 2048)},
			[]v{st(ttlv.TagCryptographicParameters, enum(ttlv.TagDigitalSignatureAlgorithm, dsaSHA256WithRSA))},
			func(pub any, sig []byte) bool {
				return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, d256[:], sig) == nil
			}, true},
		{"ECDSA-P256", []v{enum(ttlv.TagCryptographicAlgorithm, algECDSA), curve(curveP256)}, nil,
			func(pub any, sig []byte) bool { return ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d256[:], sig) }, true},
		{"ECDSA-P384", []v{enum(ttlv.TagCryptographicAlgorithm, algECDSA), integer(ttlv.TagCryptographicLength, 384)}, nil,
			func(pub any, sig []byte) bool { return ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d384[:], sig) }, true},
		{"Ed25519", []v{enum(ttlv.TagCryptographicAlgorithm, algEd25519)}, nil,
			func(pub any, sig []byte) bool { return ed25519.Verify(pub.(ed25519.PublicKey), msg, sig) }, true},
		{"X25519", []v{enum(ttlv.TagCryptographicAlgorithm, algECDH), curve(curve25519)}, nil, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{})
			priv, pub := createKeyPair(t, s, tc.common...)
			_, pubDER := keyMaterial(t, ok(t, &do(t, s, h21, item(opGet, uid(pub), enum(ttlv.TagKeyFormatType, kfX509))).items[0]), ttlv.TagPublicKey)
			pk, err := x509.ParsePKIXPublicKey(pubDER)
			if err != nil {
				t.Fatal(err)
			}
			_, privDER := keyMaterial(t, ok(t, &do(t, s, h21, item(opGet, uid(priv), enum(ttlv.TagKeyFormatType, kfPKCS8))).items[0]), ttlv.TagPrivateKey)
			sk, err := x509.ParsePKCS8PrivateKey(privDER)
			if err != nil {
				t.Fatal(err)
			}
			if x, ok := sk.(*ecdh.PrivateKey); ok && !x.PublicKey().Equal(pk) {
				t.Fatal("X25519 halves do not match")
			}
			if !tc.sign {
				failed(t, &do(t, s, h21, item(opSign, uid(priv), bstr(ttlv.TagData, msg))).items[0], rrInvalidField)
				return
			}
			args := append([]v{uid(priv), bstr(ttlv.TagData, msg)}, tc.params...)
			sig := ok(t, &do(t, s, h21, item(opSign, args...)).items[0]).Child(ttlv.TagSignatureData).Bytes
			if !tc.verify(pk, sig) {
				t.Fatal("Go does not verify the signature")
			}
			for _, m := range []struct {
				data []byte
				want uint32
			}{{msg, validityValid}, {append(msg, '!'), validityInvalid}} {
				args := append([]v{uid(pub), bstr(ttlv.TagData, m.data), bstr(ttlv.TagSignatureData, sig)}, tc.params...)
				p := ok(t, &do(t, s, h21, item(opSignatureVerify, args...)).items[0])
				if got := uint32(p.Child(ttlv.TagValidityIndicator).Num); got != m.want {
					t.Fatalf("validity %d want %d", got, m.want)
				}
			}
		})
	}
}

func TestEncryptDecrypt(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 2}, {major: 1, minor: 4}, h21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			r := do(t, s, h, createAES(h, 256), item(opActivate))
			id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			plain := []byte("sixteen bytes!!! and some more")
			aad := []byte("header")
			gcm := st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeGCM))
			args := []v{uid(id), gcm, bstr(ttlv.TagData, plain)}
			if h.minor >= 4 || h.major >= 2 {
				args = append(args, bstr(ttlv.TagAuthenticatedEncryptionAdditionalData, aad))
			}
			p := ok(t, &do(t, s, h, item(opEncrypt, args...)).items[0])
			ct := p.Child(ttlv.TagData).Bytes
			iv := p.Child(ttlv.TagIVCounterNonce).Bytes
			tag := p.Child(ttlv.TagAuthenticatedEncryptionTag)
			dargs := []v{uid(id), gcm, bstr(ttlv.TagData, ct), bstr(ttlv.TagIVCounterNonce, iv)}
			if h.major == 1 && h.minor < 4 {
				if tag != nil || len(ct) != len(plain)+16 {
					t.Fatalf("KMIP 1.%d: tag field present or not in Data", h.minor)
				}
			} else {
				if tag == nil || len(tag.Bytes) != 16 || len(ct) != len(plain) {
					t.Fatal("no Authenticated Encryption Tag")
				}
				dargs = append(dargs, bstr(ttlv.TagAuthenticatedEncryptionAdditionalData, aad), bstr(ttlv.TagAuthenticatedEncryptionTag, tag.Bytes))
			}
			got := ok(t, &do(t, s, h, item(opDecrypt, dargs...)).items[0]).Child(ttlv.TagData).Bytes
			if !bytes.Equal(got, plain) {
				t.Fatalf("decrypted %q", got)
			}
			// A flipped bit fails authentication.
			bad := bytes.Clone(ct)
			bad[0] ^= 1
			dargs[2] = bstr(ttlv.TagData, bad)
			failed(t, &do(t, s, h, item(opDecrypt, dargs...)).items[0], rrCryptographicFailure)
			// CBC with PKCS#5 padding round trip.
			cbc := st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeCBC), enum(ttlv.TagPaddingMethod, padPKCS5))
			p = ok(t, &do(t, s, h, item(opEncrypt, uid(id), cbc, bstr(ttlv.TagData, plain))).items[0])
			ct, iv = p.Child(ttlv.TagData).Bytes, p.Child(ttlv.TagIVCounterNonce).Bytes
			if len(ct) != 32 {
				t.Fatalf("CBC ciphertext of %d bytes", len(ct))
			}
			got = ok(t, &do(t, s, h, item(opDecrypt, uid(id), cbc, bstr(ttlv.TagData, ct), bstr(ttlv.TagIVCounterNonce, iv))).items[0]).Child(ttlv.TagData).Bytes
			if !bytes.Equal(got, plain) {
				t.Fatalf("CBC decrypted %q", got)
			}
		})
	}
}

func TestMACAndRNG(t *testing.T) {
	s := New(Config{})
	key := bytes.Repeat([]byte{7}, 32)
	r := do(t, s, h21, item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes),
		symKey(kfRaw, key, algHMACSHA256, 256)), item(opActivate))
	id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &r.items[1])
	data := []byte("message")
	p := ok(t, &do(t, s, h21, item(opMAC, uid(id), bstr(ttlv.TagData, data))).items[0])
	m := hmac.New(sha256.New, key)
	m.Write(data)
	if !bytes.Equal(p.Child(ttlv.TagMACData).Bytes, m.Sum(nil)) {
		t.Fatal("HMAC differs from Go's")
	}
	for _, n := range []int32{1, 33, 64} {
		p := ok(t, &do(t, s, h21, item(opRNGRetrieve, integer(ttlv.TagDataLength, n))).items[0])
		if got := len(p.Child(ttlv.TagData).Bytes); got != int(n) {
			t.Fatalf("RNG Retrieve %d: %d bytes", n, got)
		}
	}
	failed(t, &do(t, s, h21, item(opRNGRetrieve, integer(ttlv.TagDataLength, 0))).items[0], rrInvalidField)
	failed(t, &do(t, s, h21, item(opRNGRetrieve, integer(ttlv.TagDataLength, 1<<30))).items[0], rrInvalidField)
}

// TestRegisterPrivateKey: a PKCS#8 key registered, used to sign, returned
// by Get as registered.
func TestRegisterPrivateKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	s := New(Config{})
	obj := st(ttlv.TagPrivateKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfPKCS8),
		st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, der))))
	r := do(t, s, h21, item(opRegister, enum(ttlv.TagObjectType, objPrivateKey), st(ttlv.TagAttributes), obj), item(opActivate),
		item(opSign, bstr(ttlv.TagData, []byte("x"))), item(opGet))
	for i := range r.items {
		ok(t, &r.items[i])
	}
	d := sha256.Sum256([]byte("x"))
	if !ecdsa.VerifyASN1(&k.PublicKey, d[:], r.items[2].Child(ttlv.TagResponsePayload).Child(ttlv.TagSignatureData).Bytes) {
		t.Fatal("signature does not verify")
	}
	if kf, m := keyMaterial(t, r.items[3].Child(ttlv.TagResponsePayload), ttlv.TagPrivateKey); kf != kfPKCS8 || !bytes.Equal(m, der) {
		t.Fatal("Get does not return the registered key")
	}
	p := ok(t, &do(t, s, h21, item(opGetAttributes, uid(r.items[0].Child(ttlv.TagResponsePayload).Child(ttlv.TagUniqueIdentifier).Text()))).items[0])
	for _, a := range attrsOf(t, h21, p) {
		if a.Tag == ttlv.TagCryptographicLength && a.Num != 256 || a.Tag == ttlv.TagCryptographicAlgorithm && a.Num != int64(algECDSA) {
			t.Fatalf("attribute %s", a.String())
		}
	}
	// Garbage key material is refused.
	bad := st(ttlv.TagPrivateKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfPKCS8),
		st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, []byte("junk")))))
	failed(t, &do(t, s, h21, item(opRegister, enum(ttlv.TagObjectType, objPrivateKey), bad)).items[0], rrInvalidField)
}

func TestServeOperationJSON(t *testing.T) {
	s := New(Config{})
	ctx := context.Background()
	out, ok := s.ServeOperationJSON(ctx, nil, []byte(`{"tag":"Create","type":"Structure","value":[
		{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},
		{"tag":"Attributes","type":"Structure","value":[
			{"tag":"CryptographicAlgorithm","type":"Enumeration","value":"AES"},
			{"tag":"CryptographicLength","type":"Integer","value":256}]}]}`))
	if !ok || !bytes.HasPrefix(out, []byte(`{"tag":"CreateResponse"`)) {
		t.Fatalf("Create: %v %s", ok, out)
	}
	i := bytes.Index(out, []byte(`"UniqueIdentifier","type":"TextString","value":"`))
	if i < 0 {
		t.Fatalf("no identifier: %s", out)
	}
	id := string(out[i+48 : i+48+36])
	out, ok = s.ServeOperationJSON(ctx, nil, []byte(`{"tag":"Encrypt","value":[{"tag":"UniqueIdentifier","type":"TextString","value":"`+id+`"},{"tag":"Data","type":"ByteString","value":"0011"}]}`))
	if ok || !strings.HasPrefix(string(out), "WrongKeyLifecycleState: ") || bytes.ContainsRune(out, '\n') {
		t.Fatalf("Encrypt of a Pre-Active key: %v %s", ok, out)
	}
	for _, junk := range []string{``, `{`, `{"tag":"NoSuchOp","value":[]}`, `{"tag":"Get","value":[{"tag":"Bogus"}]}`} {
		if out, ok := s.ServeOperationJSON(ctx, nil, []byte(junk)); ok || len(out) == 0 {
			t.Fatalf("%q: %v %s", junk, ok, out)
		}
	}
}

func TestServeJSONJunk(t *testing.T) {
	s := New(Config{})
	out := s.ServeJSON(context.Background(), nil, []byte(`{"tag":"RequestMessage","value":[`))
	if !bytes.Contains(out, []byte(`"InvalidMessage"`)) {
		t.Fatalf("answer to junk JSON: %s", out)
	}
}

// TestServeJSONEncrypt: a JSON batch that creates, activates and uses a
// key (the cryptographic output and the JSON conversion share no buffer).
func TestServeJSONEncrypt(t *testing.T) {
	s := New(Config{})
	h := hdr{major: 2, minor: 1}
	req := request(h, createAES(h, 256), item(opActivate),
		item(opEncrypt, bstr(ttlv.TagData, bytes.Repeat([]byte("p"), 100))),
		item(opGet))
	js, err := jsonttlv.AppendJSON(nil, req, jsonttlv.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		out := s.ServeJSON(context.Background(), nil, js)
		bin, err := jsonttlv.AppendBinary(nil, out, jsonttlv.DecodeOptions{})
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		r := decode(t, bin)
		for i := range r.items {
			ok(t, &r.items[i])
		}
		if n := len(r.items[2].Child(ttlv.TagResponsePayload).Child(ttlv.TagData).Bytes); n != 100 {
			t.Fatalf("ciphertext of %d bytes", n)
		}
	}
}

// TestUsageMask: an operation the key's Cryptographic Usage Mask does not
// allow is refused; a key without a mask is not restricted.
func TestUsageMask(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 4}, {major: 2, minor: 0}, h21} {
		s := New(Config{})
		mk := func(mask int32) string {
			reg := item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
				st(ttlv.TagTemplateAttribute, attr1("Cryptographic Usage Mask", integer(0, mask))),
				symKey(kfRaw, make([]byte, 32), algAES, 256))
			if mask < 0 {
				reg = item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), symKey(kfRaw, make([]byte, 32), algAES, 256))
			}
			r := do(t, s, h, reg, item(opActivate))
			ok(t, &r.items[1])
			return ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		}
		want := rrPermissionDenied
		if h.major == 2 && h.minor == 1 {
			want = rrIncompatibleUsageMask
		}
		encOnly, none := mk(int32(usageEncrypt)), mk(-1)
		p := ok(t, &do(t, s, h, item(opEncrypt, uid(encOnly), bstr(ttlv.TagData, []byte("x")))).items[0])
		dec := item(opDecrypt, uid(encOnly), bstr(ttlv.TagData, p.Child(ttlv.TagData).Bytes),
			bstr(ttlv.TagIVCounterNonce, p.Child(ttlv.TagIVCounterNonce).Bytes))
		failed(t, &do(t, s, h, dec).items[0], want)
		failed(t, &do(t, s, h, item(opMAC, uid(encOnly), bstr(ttlv.TagData, []byte("x")))).items[0], want)
		ok(t, &do(t, s, h, item(opEncrypt, uid(none), bstr(ttlv.TagData, []byte("x")))).items[0])
	}
}

func TestMACVerifyAndHash(t *testing.T) {
	s := New(Config{})
	key := bytes.Repeat([]byte{9}, 32)
	r := do(t, s, h21, item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes),
		symKey(kfRaw, key, algHMACSHA256, 256)), item(opActivate))
	id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	m := hmac.New(sha256.New, key)
	m.Write([]byte("data"))
	mac := m.Sum(nil)
	for _, tc := range []struct {
		data []byte
		want uint32
	}{{[]byte("data"), validityValid}, {[]byte("Data"), validityInvalid}} {
		p := ok(t, &do(t, s, h21, item(opMACVerify, uid(id), bstr(ttlv.TagData, tc.data), bstr(ttlv.TagMACData, mac))).items[0])
		if got := uint32(p.Child(ttlv.TagValidityIndicator).Num); got != tc.want {
			t.Fatalf("%q: validity %d want %d", tc.data, got, tc.want)
		}
	}
	sum := sha512.Sum384([]byte("data"))
	p := ok(t, &do(t, s, h21, item(opHash, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA384)),
		bstr(ttlv.TagData, []byte("data")))).items[0])
	if !bytes.Equal(p.Child(ttlv.TagData).Bytes, sum[:]) {
		t.Fatal("Hash differs from Go's SHA-384")
	}
	// Hash is a KMIP 1.2 operation (1.2 §4.37): answered at 1.2, refused at 1.1.
	p = ok(t, &do(t, s, hdr{major: 1, minor: 2}, item(opHash, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA384)),
		bstr(ttlv.TagData, []byte("data")))).items[0])
	if !bytes.Equal(p.Child(ttlv.TagData).Bytes, sum[:]) {
		t.Fatal("Hash at KMIP 1.2 differs from Go's SHA-384")
	}
	failed(t, &do(t, s, hdr{major: 1, minor: 1}, item(opHash, bstr(ttlv.TagData, []byte("x")))).items[0], rrOperationNotSupported)
}

// TestMaxRSABits: Config.MaxRSABits bounds RSA key generation, and a
// negative value turns it off, each item failing alone.
func TestMaxRSABits(t *testing.T) {
	rsaPair := func(bits int32) v {
		return item(opCreateKeyPair, st(ttlv.TagCommonAttributes,
			enum(ttlv.TagCryptographicAlgorithm, algRSA), integer(ttlv.TagCryptographicLength, bits)))
	}
	s := New(Config{MaxRSABits: 2048})
	r := do(t, s, h21, rsaPair(3072))
	failed(t, &r.items[0], rrInvalidField)
	s = New(Config{MaxRSABits: -1})
	r = do(t, s, hdr{major: 2, minor: 1, cont: 0x01}, rsaPair(2048),
		item(opCreateKeyPair, st(ttlv.TagCommonAttributes, enum(ttlv.TagCryptographicAlgorithm, algEd25519))))
	failed(t, &r.items[0], rrInvalidField)
	ok(t, &r.items[1])
}

// TestEncryptReadLockOnly: Encrypt with an Active key that has an
// Activation Date and a Deactivation Date still ahead holds the key's read
// lock only — it is served while another reader holds the lock, which a
// write lock (taken for a time-driven transition that is not due) would
// wait for.
func TestEncryptReadLockOnly(t *testing.T) {
	s := newTestServer()
	h := hdr{major: 2, minor: 1}
	deact := ttlv.DateTime(ttlv.TagDeactivationDate, fixedNow.Add(time.Hour))
	r := do(t, s, h, createAES(h, 128, deact), item(opActivate))
	id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	o := s.store.get([]byte(id))
	if o == nil || !o.timed() {
		t.Fatalf("object %s not found or without dates", id)
	}
	o.mu.RLock()
	done := make(chan resp, 1)
	go func() { done <- do(t, s, h, item(opEncrypt, uid(id), bstr(ttlv.TagData, []byte("x")))) }()
	select {
	case r := <-done:
		o.mu.RUnlock()
		ok(t, &r.items[0])
	case <-time.After(5 * time.Second):
		o.mu.RUnlock()
		<-done
		t.Fatal("Encrypt waited for the key's write lock")
	}
}

// TestProtectStopProcessStart: past its Protect Stop Date a key no longer
// encrypts but still decrypts; before its Process Start Date it encrypts
// but does not decrypt yet (KMIP 2.1 §4.36, §4.38).
func TestProtectStopProcessStart(t *testing.T) {
	now := fixedNow
	s := New(Config{Now: func() time.Time { return now }})
	h := hdr{major: 2, minor: 1}
	stop := ttlv.DateTime(ttlv.TagProtectStopDate, now.Add(time.Hour))
	start := ttlv.DateTime(ttlv.TagProcessStartDate, now.Add(time.Hour))
	key := func(extra v) string {
		r := do(t, s, h, createAES(h, 128, extra), item(opActivate))
		return ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	}
	a, b := key(stop), key(start)
	enc := func(id string) resp { return do(t, s, h, item(opEncrypt, uid(id), bstr(ttlv.TagData, []byte("x")))) }
	dec := func(id string, p *v) resp {
		return do(t, s, h, item(opDecrypt, uid(id), bstr(ttlv.TagData, p.Child(ttlv.TagData).Bytes),
			bstr(ttlv.TagIVCounterNonce, p.Child(ttlv.TagIVCounterNonce).Bytes),
			bstr(ttlv.TagAuthenticatedEncryptionTag, p.Child(ttlv.TagAuthenticatedEncryptionTag).Bytes)))
	}
	pa := ok(t, &enc(a).items[0])
	pb := ok(t, &enc(b).items[0])
	ok(t, &dec(a, pa).items[0])
	failed(t, &dec(b, pb).items[0], rrWrongKeyLifecycleState)
	now = now.Add(2 * time.Hour)
	failed(t, &enc(a).items[0], rrWrongKeyLifecycleState)
	ok(t, &dec(a, pa).items[0])
	ok(t, &enc(b).items[0])
	ok(t, &dec(b, pb).items[0])
}
