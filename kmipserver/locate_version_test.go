package kmipserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"slices"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestLocateVersionTypes: Locate answers only objects of the kinds the
// request's protocol version has — no Certificate Request (2.0+) to 1.x,
// no user, group or credential (the 3.0 draft's System objects, a
// Certificate credential too) before 3.0 — as Query Objects lists only
// those types.
func TestLocateVersionTypes(t *testing.T) {
	s := newTestServer()
	h14, h30 := hdr{major: 1, minor: 4}, hdr{major: 3, minor: 0, noCount: true}
	key := ok(t, &do(t, s, v21, createAES(v21, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	pk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "csr"}}, pk)
	if err != nil {
		t.Fatal(err)
	}
	req := ok(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objCertificateRequest), st(ttlv.TagAttributes),
		st(ttlv.TagCertificateRequest, enum(ttlv.TagCertificateRequestType, csrPKCS10), bstr(ttlv.TagCertificateRequestValue, csr)))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	cert := registerCert(t, s, v21, testCertificate(t))
	id := func(r resp) string { return ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text() }
	user := id(do(t, s, h30, item(opCreateUser, st(ttlv.TagAttributes))))
	group := id(do(t, s, h30, item(opCreateGroup, st(ttlv.TagAttributes))))
	pw := id(do(t, s, h30, item(opCreateCredential, enum(ttlv.TagCredentialType, 7), st(ttlv.TagAttributes),
		st(ttlv.TagPasswordCredential, str(ttlv.TagPassword, "pw")))))
	certCred := id(do(t, s, h30, item(opCreateCredential, enum(ttlv.TagCredentialType, 8), st(ttlv.TagAttributes),
		st(ttlv.TagCertificate, enum(ttlv.TagCertificateType, certX509), bstr(ttlv.TagCertificateValue, testCertificate(t))))))

	locate := func(h hdr, filter ...v) []string {
		t.Helper()
		if len(filter) > 0 && h.major < 2 {
			for i := range filter {
				filter[i] = attr1("Object Type", enum(0, uint32(filter[i].Child(ttlv.TagObjectType).Num)))
			}
		}
		got := texts(ok(t, &do(t, s, h, item(opLocate, filter...)).items[0]), ttlv.TagUniqueIdentifier)
		slices.Sort(got)
		return got
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	for _, tc := range []struct {
		h    hdr
		want []string
	}{
		{h14, sorted(key, cert)},
		{hdr{major: 2, minor: 0}, sorted(key, req, cert)},
		{v21, sorted(key, req, cert)},
		{h30, sorted(key, req, cert, user, group, pw, certCred)},
	} {
		if got := locate(tc.h); !slices.Equal(got, tc.want) {
			t.Errorf("%d.%d Locate: %v, want %v", tc.h.major, tc.h.minor, got, tc.want)
		}
	}
	// By Object Type too.
	byType := func(typ uint32) v { return st(ttlv.TagAttributes, enum(ttlv.TagObjectType, typ)) }
	if got := locate(h14, byType(objCertificateRequest)); len(got) != 0 {
		t.Errorf("1.4 Locate of Certificate Requests: %v", got)
	}
	if got := locate(v21, byType(objUser)); len(got) != 0 {
		t.Errorf("2.1 Locate of Users: %v", got)
	}
	if got := locate(v21, byType(objCertificate)); !slices.Equal(got, []string{cert}) {
		t.Errorf("2.1 Locate of Certificates: %v, want [%s] (not the 3.0 credential)", got, cert)
	}
	if got := locate(h30, byType(objCertificate)); !slices.Equal(got, sorted(cert, certCred)) {
		t.Errorf("3.0 Locate of Certificates: %v", got)
	}
	for _, tc := range []struct {
		h    hdr
		typ  uint32
		want bool
	}{{h14, objCertificateRequest, false}, {v21, objCertificateRequest, true}, {v21, objUser, false}, {h30, objUser, true},
		{h14, objTemplate, true}, {v21, objTemplate, false}} {
		if got := queryListsObject(t, s, tc.h, tc.typ); got != tc.want {
			t.Errorf("%d.%d Query Objects lists type %d: %v, want %v", tc.h.major, tc.h.minor, tc.typ, got, tc.want)
		}
	}
}

// TestLookupVersionTypes: a lookup by identifier in a protocol version
// that does not have the object's kind answers as for an unknown
// identifier (Item Not Found in 1.x, Object Not Found from 2.0 on) and
// leaves the object as it was: the 3.0 draft's users, groups and
// credentials (a Certificate credential too) before 3.0, a Certificate
// Request (2.0+, 2.0 Table 430; not in 1.4 Table 300) in 1.x, a 1.x
// Template from 2.0 on. Get (its fast path too), Get Attributes, Destroy
// and Revoke are refused alike; the versions that have the object answer
// it.
func TestLookupVersionTypes(t *testing.T) {
	s := newTestServer()
	h14, h20, h30 := hdr{major: 1, minor: 4}, hdr{major: 2, minor: 0}, hdr{major: 3, minor: 0, noCount: true}
	id := func(r resp) string { return ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text() }
	key := id(do(t, s, v21, createAES(v21, 128)))
	pk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "csr"}}, pk)
	if err != nil {
		t.Fatal(err)
	}
	req := id(do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objCertificateRequest), st(ttlv.TagAttributes),
		st(ttlv.TagCertificateRequest, enum(ttlv.TagCertificateRequestType, csrPKCS10), bstr(ttlv.TagCertificateRequestValue, csr)))))
	tmpl := id(do(t, s, h14, item(opRegister, enum(ttlv.TagObjectType, objTemplate), st(ttlv.TagTemplateAttribute),
		st(ttlv.TagTemplate, attr1("Cryptographic Length", integer(0, 128))))))
	user := id(do(t, s, h30, item(opCreateUser, st(ttlv.TagAttributes))))
	group := id(do(t, s, h30, item(opCreateGroup, st(ttlv.TagAttributes))))
	pw := id(do(t, s, h30, item(opCreateCredential, enum(ttlv.TagCredentialType, 7), st(ttlv.TagAttributes),
		st(ttlv.TagPasswordCredential, str(ttlv.TagPassword, "pw")))))
	certCred := id(do(t, s, h30, item(opCreateCredential, enum(ttlv.TagCredentialType, 8), st(ttlv.TagAttributes),
		st(ttlv.TagCertificate, enum(ttlv.TagCertificateType, certX509), bstr(ttlv.TagCertificateValue, testCertificate(t))))))
	cert := registerCert(t, s, v21, testCertificate(t))

	system := []string{user, group, pw, certCred}
	for _, tc := range []struct {
		h      hdr
		shown  []string
		hidden []string
	}{
		{h14, []string{key, cert, tmpl}, append([]string{req}, system...)},
		{h20, []string{key, cert, req}, append([]string{tmpl}, system...)},
		{v21, []string{key, cert, req}, append([]string{tmpl}, system...)},
		{h30, append([]string{key, cert, req}, system...), []string{tmpl}},
	} {
		h := tc.h
		rev := st(ttlv.TagRevocationReason, enum(ttlv.TagRevocationReasonCode, revKeyCompromise))
		for _, o := range tc.hidden {
			for _, it := range []v{item(opGet, uid(o)), item(opGetAttributes, uid(o)), item(opDestroy, uid(o)), item(opRevoke, uid(o), rev)} {
				r := do(t, s, h, it)
				if rs, rr := status(&r.items[0]); rs != 1 || rr != notFoundIn(h) {
					t.Errorf("%d.%d %s of %s (not of this version): status %d reason 0x%X, want not found 0x%X",
						h.major, h.minor, opOf(&it), o, rs, rr, notFoundIn(h))
				}
			}
		}
		for _, o := range tc.shown {
			ok(t, &do(t, s, h, item(opGetAttributes, uid(o))).items[0])
		}
		// Get's fast path answers a Certificate by identifier: not the
		// 3.0 credential before 3.0, a Certificate of any version.
		ok(t, &do(t, s, h, item(opGet, uid(cert))).items[0])
	}
	// The refused Destroys and Revokes left every object as it was.
	for _, o := range []string{req, user, group, pw, certCred} {
		if got := stateOf(t, h30, ok(t, &do(t, s, h30, item(opGetAttributes, uid(o))).items[0])); destroyed(got) || got == stateCompromised {
			t.Errorf("%s in state %d after refused operations", o, got)
		}
	}
	ok(t, &do(t, s, h30, item(opGet, uid(certCred))).items[0])
	if got := stateOf(t, h14, ok(t, &do(t, s, h14, item(opGetAttributes, uid(tmpl))).items[0])); destroyed(got) || got == stateCompromised {
		t.Errorf("Template in state %d after refused operations", got)
	}
}
