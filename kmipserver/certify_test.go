package kmipserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// certOf returns the X.509 certificate a Get of id answers.
func certOf(t *testing.T, s *Server, h hdr, id string) *x509.Certificate {
	t.Helper()
	g := ok(t, &do(t, s, h, item(opGet, uid(id))).items[0])
	c, err := x509.ParseCertificate(g.Child(ttlv.TagCertificate).Child(ttlv.TagCertificateValue).Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// linksOf returns an object's Links by type.
func linksOf(t *testing.T, s *Server, h hdr, id string) map[uint32][]string {
	t.Helper()
	out := map[uint32][]string{}
	for _, a := range attrsOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0])) {
		if a.Tag == ttlv.TagLink {
			lt := uint32(a.Child(ttlv.TagLinkType).Num)
			out[lt] = append(out[lt], a.Child(ttlv.TagLinkedObjectIdentifier).Text())
		}
	}
	return out
}

// verifies checks that cert chains to the server's certificate authority.
func verifies(t *testing.T, s *Server, cert *x509.Certificate) {
	t.Helper()
	ca, err := s.CertificateAuthority()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: fixedNow.Add(time.Hour), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("issued certificate does not verify: %v", err)
	}
}

func ecPair(t *testing.T, s *Server, h hdr) (priv, pub string) {
	t.Helper()
	var create v
	if h.major < 2 {
		create = item(opCreateKeyPair, st(ttlv.TagCommonTemplateAttribute,
			attr1("Cryptographic Algorithm", enum(0, algECDSA)), attr1("Cryptographic Length", integer(0, 256))),
			st(ttlv.TagPrivateKeyTemplateAttribute, attr1("Cryptographic Usage Mask", integer(0, int32(usageSign)))),
			st(ttlv.TagPublicKeyTemplateAttribute, attr1("Cryptographic Usage Mask", integer(0, int32(usageVerify)))))
	} else {
		create = item(opCreateKeyPair, st(ttlv.TagCommonAttributes,
			enum(ttlv.TagCryptographicAlgorithm, algECDSA), integer(ttlv.TagCryptographicLength, 256)),
			st(ttlv.TagPrivateKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
			st(ttlv.TagPublicKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageVerify))))
	}
	p := ok(t, &do(t, s, h, create).items[0])
	return p.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text(), p.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
}

// TestCertify: Certify (2.1 §6.1.6, 1.4 §4.7) of a managed Public Key and
// of a PKCS#10 request; the certificate chains to the server's CA, holds
// the subject asked for and the key, and is linked with the key.
func TestCertify(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			_, pub := ecPair(t, s, h)
			var attrs v
			if h.major < 2 {
				attrs = st(ttlv.TagTemplateAttribute, attr1("Certificate Type", enum(0, certX509)), attr1("Name", name("svc-cert")))
			} else {
				attrs = st(ttlv.TagAttributes, enum(ttlv.TagCertificateType, certX509), name("svc-cert"),
					str(ttlv.TagCertificateSubjectO, "Kmip Test"), str(ttlv.TagCertificateSubjectCN, "svc"))
			}
			r := do(t, s, h, item(opCertify, uid(pub), attrs), item(opGetAttributes))
			id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			if got := ok(t, &r.items[1]).Child(ttlv.TagUniqueIdentifier).Text(); got != id {
				t.Errorf("ID Placeholder %q, want the certificate %q", got, id)
			}
			cert := certOf(t, s, h, id)
			verifies(t, s, cert)
			wantCN := pub
			if h.major >= 2 {
				wantCN = "svc"
				if len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != "Kmip Test" {
					t.Errorf("subject %s", cert.Subject)
				}
			}
			if cert.Subject.CommonName != wantCN || cert.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("subject %s, key usage %v", cert.Subject, cert.KeyUsage)
			}
			if l := linksOf(t, s, h, id); len(l[linkPublicKey]) != 1 || l[linkPublicKey][0] != pub {
				t.Errorf("certificate links %v", l)
			}
			if l := linksOf(t, s, h, pub); len(l[linkCertificate]) != 1 || l[linkCertificate][0] != id {
				t.Errorf("public key links %v", l)
			}
			// A PKCS#10 request, in DER and in PEM: its subject and key.
			key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
			csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "from-csr"}}, key)
			if err != nil {
				t.Fatal(err)
			}
			reqTag := ttlv.TagCertificateRequestValue
			if h.major < 2 {
				reqTag = ttlv.TagCertificateRequest
			}
			for _, form := range []struct {
				typ uint32
				b   []byte
			}{{csrPKCS10, csr}, {csrPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})}} {
				id := ok(t, &do(t, s, h, item(opCertify, enum(ttlv.TagCertificateRequestType, form.typ), bstr(reqTag, form.b))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
				cert := certOf(t, s, h, id)
				verifies(t, s, cert)
				if cert.Subject.CommonName != "from-csr" || !key.PublicKey.Equal(cert.PublicKey) {
					t.Errorf("certificate of the request: %s", cert.Subject)
				}
			}
			// A request whose signature does not verify; a symmetric key.
			bad := append([]byte(nil), csr...)
			bad[len(bad)-3] ^= 0xff
			failed(t, &do(t, s, h, item(opCertify, enum(ttlv.TagCertificateRequestType, csrPKCS10), bstr(reqTag, bad))).items[0], (&reqCtx{major: h.major}).reason(rrInvalidCSR))
			aes := ok(t, &do(t, s, h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			failed(t, &do(t, s, h, item(opCertify, uid(aes))).items[0], rrInvalidField)
		})
	}
}

// TestReCertify: Re-certify (2.1 §6.1.45, 1.4 §4.8) issues a new
// certificate for the same key and subject, moves the Names and the
// public key's Certificate Link, and links the certificates both ways.
func TestReCertify(t *testing.T) {
	s := newTestServer()
	_, pub := ecPair(t, s, v21)
	old := ok(t, &do(t, s, v21, item(opCertify, uid(pub), st(ttlv.TagAttributes, name("c"), str(ttlv.TagCertificateSubjectCN, "svc")))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	nu := ok(t, &do(t, s, v21, item(opReCertify, uid(old))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	oc, nc := certOf(t, s, v21, old), certOf(t, s, v21, nu)
	verifies(t, s, nc)
	if nc.SerialNumber.Cmp(oc.SerialNumber) == 0 || nc.Subject.String() != oc.Subject.String() || !nc.PublicKey.(*ecdsa.PublicKey).Equal(oc.PublicKey) {
		t.Errorf("new certificate %s (serial %s) of %s (serial %s)", nc.Subject, nc.SerialNumber, oc.Subject, oc.SerialNumber)
	}
	if l := linksOf(t, s, v21, pub); len(l[linkCertificate]) != 1 || l[linkCertificate][0] != nu {
		t.Errorf("public key links %v", l)
	}
	nl, ol := linksOf(t, s, v21, nu), linksOf(t, s, v21, old)
	if len(nl[linkReplaced]) != 1 || nl[linkReplaced][0] != old || len(ol[linkReplacement]) != 1 || ol[linkReplacement][0] != nu || len(nl[linkPublicKey]) != 1 {
		t.Errorf("links: new %v, existing %v", nl, ol)
	}
	names := func(id string) int {
		n := 0
		for _, a := range attrsOf(t, v21, ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0])) {
			if a.Tag == ttlv.TagName {
				n++
			}
		}
		return n
	}
	if names(nu) != 1 || names(old) != 0 {
		t.Errorf("Names: new %d, existing %d", names(nu), names(old))
	}
	failed(t, &do(t, s, v21, item(opReCertify, uid(pub))).items[0], rrInvalidField)
}

// TestValidate: the chain policy of Validate (2.1 §6.1.57).
func TestValidate(t *testing.T) {
	s := newTestServer()
	_, pub := ecPair(t, s, v21)
	leaf := ok(t, &do(t, s, v21, item(opCertify, uid(pub))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	self := testCertificate(t) // self-signed, valid for a day from fixedNow
	selfID := registerCert(t, s, v21, self)
	byValue := func(der []byte) v {
		return st(ttlv.TagCertificate, enum(ttlv.TagCertificateType, certX509), bstr(ttlv.TagCertificateValue, der))
	}
	leafDER := certOf(t, s, v21, leaf).Raw
	validity := func(args ...v) uint32 {
		t.Helper()
		return uint32(ok(t, &do(t, s, v21, item(opValidate, args...)).items[0]).Child(ttlv.TagValidityIndicator).Num)
	}
	for _, tc := range []struct {
		name string
		args []v
		want uint32
	}{
		{"issued by the server's CA", []v{uid(leaf)}, validityValid},
		{"issued, by value", []v{byValue(leafDER)}, validityValid},
		{"issued, after it expires", []v{uid(leaf), ttlv.DateTime(ttlv.TagValidityDate, fixedNow.Add(2*certValidity))}, validityInvalid},
		{"self-signed, registered", []v{uid(selfID)}, validityValid},
		{"self-signed, by value only", []v{byValue(self)}, validityUnknown},
		{"leaf under the wrong issuer", []v{byValue(leafDER), uid(selfID)}, validityInvalid},
		{"unreadable", []v{byValue([]byte{0x30, 0x03, 0x02, 0x01, 0x01})}, validityUnknown},
	} {
		if got := validity(tc.args...); got != tc.want {
			t.Errorf("%s: validity %d, want %d", tc.name, got, tc.want)
		}
	}
	failed(t, &do(t, s, v21, item(opValidate)).items[0], rrInvalidField)
	failed(t, &do(t, s, v21, item(opValidate, uid(pub))).items[0], rrInvalidField)
	failed(t, &do(t, s, v21, item(opValidate, uid("nope"))).items[0], rrObjectNotFound)
}

// TestCertifyWithConfiguredCA: Config.CA signs what Certify issues.
func TestCertifyWithConfiguredCA(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: fixedNow.Add(-time.Hour),
		NotAfter: fixedNow.Add(48 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Now: func() time.Time { return fixedNow }, Rand: &detRand{}, CA: &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}})
	_, pub := ecPair(t, s, v21)
	id := ok(t, &do(t, s, v21, item(opCertify, uid(pub))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	cert := certOf(t, s, v21, id)
	if cert.Issuer.CommonName != "test CA" {
		t.Errorf("issuer %s", cert.Issuer)
	}
	verifies(t, s, cert)
}

// TestCertificateRequestObject: the Certificate Request object of KMIP 2.x
// (2.1 §2.2) is registered, found, got back as given, certified by its
// Unique Identifier (Certify, 2.1 §6.1.6) and named by a Re-certify's
// Certificate Request Unique Identifier (§6.1.45); a request that does
// not read is refused, and so is the object in 1.x, whose Query does not
// list it.
func TestCertificateRequestObject(t *testing.T) {
	s := newTestServer()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "stored-csr"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	object := func(typ uint32, b []byte) v {
		return st(ttlv.TagCertificateRequest, enum(ttlv.TagCertificateRequestType, typ), bstr(ttlv.TagCertificateRequestValue, b))
	}
	n := 0
	register := func(h hdr, obj v) *v {
		n++
		attrs := st(ttlv.TagAttributes, name(fmt.Sprintf("csr-%d", n)))
		if h.major < 2 {
			attrs = st(ttlv.TagTemplateAttribute, attr1("Name", name(fmt.Sprintf("csr-%d", n))))
		}
		return &do(t, s, h, item(opRegister, enum(ttlv.TagObjectType, objCertificateRequest), attrs, obj)).items[0]
	}
	id := ok(t, register(v21, object(csrPKCS10, csr))).Child(ttlv.TagUniqueIdentifier).Text()

	g := ok(t, &do(t, s, v21, item(opGet, uid(id))).items[0])
	if ot := g.Child(ttlv.TagObjectType); ot == nil || uint32(ot.Num) != objCertificateRequest {
		t.Fatalf("Get answers object type %v", ot)
	}
	if got := g.Child(ttlv.TagCertificateRequest).Child(ttlv.TagCertificateRequestValue); got == nil || string(got.Bytes) != string(csr) {
		t.Error("Get does not answer the request as registered")
	}
	if got := texts(ok(t, &do(t, s, v21, item(opLocate, st(ttlv.TagAttributes, enum(ttlv.TagObjectType, objCertificateRequest)))).items[0]), ttlv.TagUniqueIdentifier); len(got) != 1 || got[0] != id {
		t.Errorf("Locate by Object Type Certificate Request: %v, want [%s]", got, id)
	}

	cid := ok(t, &do(t, s, v21, item(opCertify, uid(id))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	cert := certOf(t, s, v21, cid)
	verifies(t, s, cert)
	if cert.Subject.CommonName != "stored-csr" || !key.PublicKey.Equal(cert.PublicKey) {
		t.Errorf("certificate of the stored request: %s", cert.Subject)
	}
	// Re-certify under the key of another stored request.
	key2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr2, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "rekeyed"}}, key2)
	if err != nil {
		t.Fatal(err)
	}
	pemReq := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr2})
	id2 := ok(t, register(v21, st(ttlv.TagCertificateRequest, enum(ttlv.TagCertificateRequestType, csrPEM), bstr(ttlv.TagCertificateRequestValue, pemReq)))).Child(ttlv.TagUniqueIdentifier).Text()
	nid := ok(t, &do(t, s, v21, item(opReCertify, uid(cid), str(ttlv.TagCertificateRequestUniqueIdentifier, id2))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	if nc := certOf(t, s, v21, nid); nc.Subject.CommonName != "rekeyed" || !key2.PublicKey.Equal(nc.PublicKey) {
		t.Errorf("re-certified from the stored request: %s", nc.Subject)
	}
	failed(t, &do(t, s, v21, item(opReCertify, uid(cid), str(ttlv.TagCertificateRequestUniqueIdentifier, cid))).items[0], rrInvalidField)

	// Refused: a request that does not verify, one without its value, the
	// object in 1.x; a destroyed request is not certified.
	bad := append([]byte(nil), csr...)
	bad[len(bad)-3] ^= 0xff
	failed(t, register(v21, object(csrPKCS10, bad)), rrInvalidCSR)
	failed(t, register(v21, st(ttlv.TagCertificateRequest, enum(ttlv.TagCertificateRequestType, csrPKCS10))), rrInvalidField)
	h14 := hdr{major: 1, minor: 4}
	failed(t, register(h14, object(csrPKCS10, csr)), rrInvalidField)
	ok(t, &do(t, s, v21, item(opDestroy, uid(id))).items[0])
	failed(t, &do(t, s, v21, item(opCertify, uid(id))).items[0], rrWrongKeyLifecycleState)

	if l14, l21 := queryListsObject(t, s, h14, objCertificateRequest), queryListsObject(t, s, v21, objCertificateRequest); l14 || !l21 {
		t.Errorf("Query lists Certificate Request: 1.4 %v, 2.1 %v", l14, l21)
	}
}
