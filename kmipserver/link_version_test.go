package kmipserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestAccessLinkVersionTypes: under access control, a Link to an object
// the request's protocol version does not have (a 1.x Template from 2.0
// on, a Certificate Request in 1.x, the 3.0 draft's users and system
// Certificates before 3.0) is refused with the answer a Link to an
// identifier that does not exist gets, though the client owns the
// object; in a version that has it the Link is kept.
func TestAccessLinkVersionTypes(t *testing.T) {
	s := newACLServer()
	h14, h20, h30 := hdr{major: 1, minor: 4}, hdr{major: 2, minor: 0}, hdr{major: 3, minor: 0, noCount: true}
	pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "csr"}}, pk)
	if err != nil {
		t.Fatal(err)
	}
	req := createdID(t, doAs(t, s, "bob", v21, item(opRegister, enum(ttlv.TagObjectType, objCertificateRequest), st(ttlv.TagAttributes),
		st(ttlv.TagCertificateRequest, enum(ttlv.TagCertificateRequestType, csrPKCS10), bstr(ttlv.TagCertificateRequestValue, csr)))))
	tmpl := createdID(t, doAs(t, s, "bob", h14, item(opRegister, enum(ttlv.TagObjectType, objTemplate), st(ttlv.TagTemplateAttribute),
		st(ttlv.TagTemplate, attr1("Cryptographic Length", integer(0, 128))))))
	user := createdID(t, doAs(t, s, "bob", h30, item(opCreateUser, st(ttlv.TagAttributes))))
	certCred := createdID(t, doAs(t, s, "bob", h30, item(opCreateCredential, enum(ttlv.TagCredentialType, 8), st(ttlv.TagAttributes),
		st(ttlv.TagCertificate, enum(ttlv.TagCertificateType, certX509), bstr(ttlv.TagCertificateValue, testCertificate(t))))))
	const unknown = "no-such-object"
	for _, tc := range []struct {
		h      hdr
		shown  []string
		hidden []string
	}{
		{h14, []string{tmpl}, []string{req, user, certCred}},
		{h20, []string{req}, []string{tmpl, user, certCred}},
		{v21, []string{req}, []string{tmpl, user, certCred}},
		{h30, []string{req, user, certCred}, []string{tmpl}},
	} {
		h := tc.h
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			key := createdID(t, doAs(t, s, "bob", h, createAES(h, 128)))
			add := func(id string) v {
				if h.major < 2 {
					return item(opAddAttribute, uid(key), attr1("Link", linkTo(id)))
				}
				return item(opAddAttribute, uid(key), st(ttlv.TagNewAttribute, linkTo(id)))
			}
			create := func(id string) v { return createAES(h, 128, linkTo(id)) }
			for name, mk := range map[string]func(string) v{"Create": create, "AddAttribute": add} {
				toUnknown := refusal(&doAs(t, s, "bob", h, mk(unknown)).items[0], unknown)
				for _, id := range tc.hidden {
					if got := refusal(&doAs(t, s, "bob", h, mk(id)).items[0], id); got != toUnknown {
						t.Errorf("%s of a Link to %s (not of this version): %s; to an unknown identifier: %s", name, id, got, toUnknown)
					}
				}
				for _, id := range tc.shown {
					ok(t, &doAs(t, s, "bob", h, mk(id)).items[0])
				}
			}
		})
	}
}
