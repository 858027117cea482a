package kmipserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/kmipwire/kmipwire/ttlv"
)

// testCertificate returns a self-signed ECDSA P-256 certificate.
func testCertificate(t testing.TB) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{Country: []string{"AU"}, Organization: []string{"Kmip Test"}, OrganizationalUnit: []string{"OU"}, CommonName: "EE"}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x3132333435363738), Subject: name, Issuer: name,
		NotBefore: fixedNow, NotAfter: fixedNow.Add(24 * time.Hour), SignatureAlgorithm: x509.ECDSAWithSHA256}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func registerCert(t *testing.T, s *Server, h hdr, der []byte) string {
	t.Helper()
	c := st(ttlv.TagCertificate, enum(ttlv.TagCertificateType, certX509), bstr(ttlv.TagCertificateValue, der))
	tmpl := st(ttlv.TagAttributes)
	if h.major < 2 {
		tmpl = st(ttlv.TagTemplateAttribute)
	}
	return ok(t, &do(t, s, h, item(opRegister, enum(ttlv.TagObjectType, objCertificate), tmpl, c)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
}

// TestCertificateAttributes: a registered X.509 certificate gets the
// attributes derived from it (KMIP 2.1 §4.6–§4.8, §4.21–§4.22,
// §4.64–§4.66), the 2.x ones in 2.x, the 1.x ones in 1.x.
func TestCertificateAttributes(t *testing.T) {
	der := testCertificate(t)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	serial, _ := asn1.Marshal(cert.SerialNumber)
	s := newTestServer()
	id := registerCert(t, s, v21, der)
	p := ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0])
	got := map[ttlv.Tag][]v{}
	for _, a := range attrsOf(t, v21, p) {
		got[a.Tag] = append(got[a.Tag], a)
	}
	one := func(tag ttlv.Tag) *v {
		t.Helper()
		if len(got[tag]) != 1 {
			t.Fatalf("%d instances of %s:\n%s", len(got[tag]), tag, p.String())
		}
		return &got[tag][0]
	}
	for _, tc := range []struct {
		tag  ttlv.Tag
		want int64
	}{{ttlv.TagCertificateType, int64(certX509)}, {ttlv.TagCertificateLength, int64(len(der))},
		{ttlv.TagCryptographicAlgorithm, int64(algECDSA)}, {ttlv.TagCryptographicLength, 256},
		{ttlv.TagDigitalSignatureAlgorithm, int64(dsaECDSAWithSHA256)}, {ttlv.TagKeyFormatType, int64(kfRaw)}} {
		if n := one(tc.tag).Num; n != tc.want {
			t.Errorf("%s = %d, want %d", tc.tag, n, tc.want)
		}
	}
	if d := one(ttlv.TagDigest); !bytes.Equal(d.Child(ttlv.TagDigestValue).Bytes, sum[:]) {
		t.Errorf("Digest %s", d.String())
	}
	xid := one(ttlv.TagX_509CertificateIdentifier)
	if !bytes.Equal(xid.Child(ttlv.TagIssuerDistinguishedName).Bytes, cert.RawIssuer) || !bytes.Equal(xid.Child(ttlv.TagCertificateSerialNumber).Bytes, serial) {
		t.Errorf("X.509 Certificate Identifier %s", xid.String())
	}
	if !bytes.Equal(one(ttlv.TagX_509CertificateSubject).Child(ttlv.TagSubjectDistinguishedName).Bytes, cert.RawSubject) ||
		!bytes.Equal(one(ttlv.TagX_509CertificateIssuer).Child(ttlv.TagIssuerDistinguishedName).Bytes, cert.RawIssuer) {
		t.Error("X.509 Certificate Subject or Issuer")
	}
	for tag, want := range map[ttlv.Tag]string{ttlv.TagCertificateSubjectCN: "EE", ttlv.TagCertificateSubjectC: "AU",
		ttlv.TagCertificateSubjectO: "Kmip Test", ttlv.TagCertificateSubjectOU: "OU", ttlv.TagCertificateIssuerCN: "EE",
		ttlv.TagCertificateIssuerO: "Kmip Test"} {
		if s := one(tag).Text(); s != want {
			t.Errorf("%s = %q, want %q", tag, s, want)
		}
	}
	if len(got[ttlv.TagCertificateIdentifier]) != 0 || len(got[ttlv.TagCertificateSubject]) != 0 {
		t.Error("KMIP 1.0 certificate attributes in a 2.1 answer")
	}
	// In 1.4: the 1.0 forms as RFC 2253 text, no 2.x name attributes.
	h := hdr{major: 1, minor: 4}
	id = registerCert(t, s, h, der)
	names := map[string]*v{}
	for _, a := range ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0]).Children {
		if a.Tag == ttlv.TagAttribute {
			names[a.Child(ttlv.TagAttributeName).Text()] = a.Child(ttlv.TagAttributeValue)
		}
	}
	if ci := names["Certificate Identifier"]; ci == nil || ci.Child(ttlv.TagIssuer).Text() != "CN=EE,OU=OU,O=Kmip Test,C=AU" ||
		ci.Child(ttlv.TagSerialNumber).Text() != "3132333435363738" {
		t.Errorf("1.4 Certificate Identifier %v", ci)
	}
	if names["X.509 Certificate Identifier"] == nil || names["Certificate Subject CN"] != nil {
		t.Errorf("1.4 attributes %v", names)
	}
}

// TestCertificateAttributesUnknownCurve: a certificate whose key is on a
// curve crypto/x509 refuses (secp256k1) still gets its names, serial
// number and algorithms, read from its TBSCertificate.
func TestCertificateAttributesUnknownCurve(t *testing.T) {
	name, _ := asn1.Marshal(pkix.Name{CommonName: "KMIP-EC-secp256k1", Country: []string{"US"}}.ToRDNSequence())
	algID := func(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, param asn1.ObjectIdentifier) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			if param != nil {
				b.AddASN1ObjectIdentifier(param)
			}
		})
	}
	ecdsaSHA256 := asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	var cb cryptobyte.Builder
	cb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // TBSCertificate
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(2) })
			b.AddASN1BigInt(big.NewInt(0x6c0b7402196d5295))
			algID(b, ecdsaSHA256, nil)
			b.AddBytes(name)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1UTCTime(fixedNow)
				b.AddASN1UTCTime(fixedNow.Add(time.Hour))
			})
			b.AddBytes(name)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				algID(b, oidECPublicKey, asn1.ObjectIdentifier{1, 3, 132, 0, 10})
				b.AddASN1BitString(append([]byte{4}, make([]byte, 64)...))
			})
		})
		algID(b, ecdsaSHA256, nil)
		b.AddASN1BitString(make([]byte, 70))
	})
	der := cb.BytesOrPanic()
	if _, err := x509.ParseCertificate(der); err == nil {
		t.Fatal("crypto/x509 reads the secp256k1 certificate: the test needs another")
	}
	s := newTestServer()
	id := registerCert(t, s, v21, der)
	p := ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0])
	want := map[ttlv.Tag]int64{ttlv.TagCryptographicAlgorithm: int64(algECDSA), ttlv.TagCryptographicLength: 256,
		ttlv.TagDigitalSignatureAlgorithm: int64(dsaECDSAWithSHA256)}
	seen := 0
	for _, a := range attrsOf(t, v21, p) {
		switch {
		case want[a.Tag] != 0:
			seen++
			if a.Num != want[a.Tag] {
				t.Errorf("%s = %d, want %d", a.Tag, a.Num, want[a.Tag])
			}
		case a.Tag == ttlv.TagCertificateSubjectCN:
			seen++
			if a.Text() != "KMIP-EC-secp256k1" {
				t.Errorf("CN %q", a.Text())
			}
		case a.Tag == ttlv.TagX_509CertificateSubject:
			seen++
			if !bytes.Equal(a.Child(ttlv.TagSubjectDistinguishedName).Bytes, name) {
				t.Error("X.509 Certificate Subject")
			}
		}
	}
	if seen != 5 {
		t.Errorf("%d of the 5 attributes:\n%s", seen, p.String())
	}
}
