package kmipserver

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// wireForms serve a binary request in the binary form and, converted, in
// the JSON form (ServeJSON), and answer the binary form of the response.
var wireForms = []struct {
	name  string
	serve func(t *testing.T, s *Server, req []byte) []byte
}{
	{"binary", func(t *testing.T, s *Server, req []byte) []byte {
		return s.ServeTTLV(context.Background(), nil, req)
	}},
	{"json", func(t *testing.T, s *Server, req []byte) []byte {
		t.Helper()
		j, err := jsonttlv.AppendJSON(nil, req, jsonttlv.EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := jsonttlv.AppendBinary(nil, s.ServeJSON(context.Background(), nil, j), jsonttlv.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}},
}

// linkBy is a Link whose Linked Object Identifier is the item given.
func linkBy(typ uint32, id v) v {
	id.Tag = ttlv.TagLinkedObjectIdentifier
	return st(ttlv.TagLink, enum(ttlv.TagLinkType, typ), id)
}

// uidEnum is a Unique Identifier Enumeration value of the given tag.
func uidEnum(x uint32) v { return enum(ttlv.TagUniqueIdentifier, x) }

// uidIndex is the Integer form of a Unique Identifier.
func uidIndex(n int32) v { return integer(ttlv.TagUniqueIdentifier, n) }

// TestLinkPlaceholderPKCS12: a one-batch Register of a password, Register
// of a PKCS#12 key linked to it by the ID Placeholder, and Get in PKCS#12
// answers a container that opens with the password, in both wire forms:
// the Link holds the password's identifier, not the Enumeration.
func TestLinkPlaceholderPKCS12(t *testing.T) {
	f := newPKCS12Fixture(t)
	pfx := f.pfx(t, "pw")
	for _, form := range wireForms {
		t.Run(form.name, func(t *testing.T) {
			h := hdr{major: 2, minor: 1}
			s := newTestServer()
			r := decode(t, form.serve(t, s, pkcs12Batch(h, pfx)))
			pw := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			key := ok(t, &r.items[1]).Child(ttlv.TagUniqueIdentifier).Text()
			got := ok(t, &r.items[2]).Child(ttlv.TagPrivateKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes
			f.checkPFX(t, got, "pw")
			if links := linksOf(t, s, h, key)[linkPKCS12Password]; len(links) != 1 || links[0] != pw {
				t.Errorf("PKCS#12 Password Link %q, want [%s]", links, pw)
			}
		})
	}
}

// TestLinkedObjectIdentifierForms: in one batch, Links given as the ID
// Placeholder, as an operation of the Unique Identifier Enumeration and as
// an Integer index — at Create and Register, and through Add, Set and
// Modify Attribute — are kept as the identifiers they name, in both wire
// forms; the Unique Identifier of an operation is resolved alike.
func TestLinkedObjectIdentifierForms(t *testing.T) {
	for _, form := range wireForms {
		t.Run(form.name, func(t *testing.T) {
			h := hdr{major: 2, minor: 1}
			s := newTestServer()
			parent := ok(t, &do(t, s, h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			req := request(h,
				createAES(h, 256), // 0: K0
				createAES(h, 128, linkBy(linkDerivationBase, uidEnum(uidPlaceholder))),                      // 1: → K0
				createAES(h, 128, linkBy(linkDerivationBase, uidEnum(0x03 /* Create: the last, item 1 */))), // 2: → K1
				createAES(h, 128, linkBy(linkDerivationBase, uidIndex(0))),                                  // 3: → K0
				createAES(h, 128, linkBy(linkDerivationBase, uidIndex(-2))),                                 // 4: → K2
				item(opAddAttribute, uidEnum(0x03), // on K4, → K0
					st(ttlv.TagNewAttribute, linkBy(linkReplacement, uidIndex(0)))),
				item(opSetAttribute, uidIndex(0), // on K0, → K4 (the ID Placeholder)
					st(ttlv.TagNewAttribute, linkBy(linkReplaced, uidEnum(uidPlaceholder)))),
				item(opModifyAttribute, uidIndex(-1), // on K0 (Set Attribute's answer): its Replaced Link → the parent
					st(ttlv.TagCurrentAttribute, linkBy(linkReplaced, uidEnum(uidPlaceholder))),
					st(ttlv.TagNewAttribute, linkBy(linkReplaced, str(0, parent)))),
				item(opGet, uidEnum(0x03)), // K4
			)
			r := decode(t, form.serve(t, s, req))
			var k [5]string
			for i := range k {
				k[i] = ok(t, &r.items[i]).Child(ttlv.TagUniqueIdentifier).Text()
			}
			for i := 5; i < len(r.items); i++ {
				ok(t, &r.items[i])
			}
			if got := r.items[8].Child(ttlv.TagResponsePayload).Child(ttlv.TagUniqueIdentifier).Text(); got != k[4] {
				t.Errorf("Get of Create answered %s, want %s", got, k[4])
			}
			want := map[string]map[uint32][]string{
				k[0]: {linkReplaced: {parent}},
				k[1]: {linkDerivationBase: {k[0]}},
				k[2]: {linkDerivationBase: {k[1]}},
				k[3]: {linkDerivationBase: {k[0]}},
				k[4]: {linkDerivationBase: {k[2]}, linkReplacement: {k[0]}},
			}
			for id, links := range want {
				got := linksOf(t, s, h, id)
				for lt, ids := range links {
					if strings.Join(got[lt], ",") != strings.Join(ids, ",") {
						t.Errorf("%s: Link 0x%X to %q, want %q", id, lt, got[lt], ids)
					}
				}
			}
		})
	}
}

// TestLinkPlaceholderLegacy: a KMIP 1.x Template-Attribute Link, and one
// of a registered Template, given as the ID Placeholder are resolved too
// (KMIP 1.x has the Text String only; kmipd reads the Enumeration in every
// version, as for the Unique Identifier).
func TestLinkPlaceholderLegacy(t *testing.T) {
	h := hdr{major: 1, minor: 4}
	s := newTestServer()
	l := linkBy(linkDerivationBase, uidEnum(uidPlaceholder))
	tmpl := item(opRegister, enum(ttlv.TagObjectType, objTemplate),
		st(ttlv.TagTemplateAttribute, attr1("Name", name("link-template"))),
		st(ttlv.TagTemplate, attr1("Link", l)))
	ok(t, &do(t, s, h, tmpl).items[0])
	r := do(t, s, h, createAES(h, 128), createAES(h, 128, l),
		item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagTemplateAttribute,
			name("link-template"),
			attr1("Cryptographic Algorithm", enum(0, algAES)),
			attr1("Cryptographic Length", integer(0, 128)))))
	var k [3]string
	for i := range k {
		k[i] = ok(t, &r.items[i]).Child(ttlv.TagUniqueIdentifier).Text()
	}
	if got := linksOf(t, s, h, k[1])[linkDerivationBase]; len(got) != 1 || got[0] != k[0] {
		t.Errorf("1.4 Link %q, want [%s]", got, k[0])
	}
	if got := linksOf(t, s, h, k[2])[linkDerivationBase]; len(got) != 1 || got[0] != k[1] {
		t.Errorf("1.4 Template's Link %q, want [%s]", got, k[1])
	}
}

// TestUniqueIdentifierFormsRefused: the forms that name no single object
// of the batch are refused with a KMIP error that says why, and the other
// items of the batch go on.
func TestUniqueIdentifierFormsRefused(t *testing.T) {
	h := hdr{major: 2, minor: 1, cont: batch.Continue}
	s := newTestServer()
	pair := item(opCreateKeyPair,
		st(ttlv.TagCommonAttributes, enum(ttlv.TagCryptographicAlgorithm, algEC), enum(ttlv.TagRecommendedCurve, curveP256)),
		st(ttlv.TagPrivateKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
		st(ttlv.TagPublicKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageVerify))))
	cases := []struct {
		id   v
		msg  string
		want uint32
	}{
		{uidEnum(0x80000001), "Enumeration 0x80000001 not supported", rrInvalidField},
		{uidEnum(0x04), "CreateKeyPair names 2 objects", rrInvalidField},
		{uidEnum(0x0F), "no earlier ReKeyKeyPair", rrInvalidField},
		{uidEnum(0x12), "Enumeration ReProvision not supported", rrInvalidField},
		{uidIndex(5), "index 5: the answers before this item hold", rrInvalidField},
		{uidIndex(-9), "index -9", rrInvalidField},
		{str(0, "unused"), "", 0}, // a placeholder for a Locate that finds nothing: below
	}
	for _, form := range wireForms {
		t.Run(form.name, func(t *testing.T) {
			for _, c := range cases[:len(cases)-1] {
				for _, where := range []string{"Unique Identifier", "Linked Object Identifier"} {
					second := item(opGet, withTag(c.id, ttlv.TagUniqueIdentifier))
					if where != "Unique Identifier" {
						second = createAES(h, 128, linkBy(linkDerivationBase, c.id))
					}
					r := decode(t, form.serve(t, s, request(h, pair, second, createAES(h, 128))))
					ok(t, &r.items[0])
					failed(t, &r.items[1], c.want)
					if m := r.items[1].Child(ttlv.TagResultMessage).Text(); !strings.Contains(m, c.msg) || !strings.Contains(m, where) {
						t.Errorf("%s %v: message %q, want %q", where, c.id, m, c.msg)
					}
					ok(t, &r.items[2])
				}
			}
			// the private key of the pair is one object
			r := decode(t, form.serve(t, s, request(h, pair, item(opGetAttributes, uidEnum(0x05)),
				createAES(h, 128, linkBy(linkPublicKey, uidEnum(0x06))))))
			priv := ok(t, &r.items[0]).Child(ttlv.TagPrivateKeyUniqueIdentifier).Text()
			pub := r.items[0].Child(ttlv.TagResponsePayload).Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
			if got := ok(t, &r.items[1]).Child(ttlv.TagUniqueIdentifier).Text(); got != priv {
				t.Errorf("Create Key Pair Private Key named %s, want %s", got, priv)
			}
			k := ok(t, &r.items[2]).Child(ttlv.TagUniqueIdentifier).Text()
			if got := linksOf(t, s, h, k)[linkPublicKey]; len(got) != 1 || got[0] != pub {
				t.Errorf("Create Key Pair Public Key Link %q, want [%s]", got, pub)
			}
			// a Locate that found nothing names no object
			r = decode(t, form.serve(t, s, request(h,
				item(opLocate, st(ttlv.TagAttributes, name("nothing-has-this-name"))),
				item(opGet, uidEnum(0x0B)))))
			ok(t, &r.items[0])
			failed(t, &r.items[1], rrObjectNotFound)
		})
	}
}

// TestUniqueIdentifierFormsUnordered: in a batch whose items may run in
// any order, the Enumeration and Integer forms are refused: the items they
// name may not have run.
func TestUniqueIdentifierFormsUnordered(t *testing.T) {
	h := hdr{major: 2, minor: 1, cont: batch.Continue, unordered: true}
	s := newTestServer()
	r := do(t, s, h, createAES(h, 128), item(opGet, uidEnum(0x03)), item(opGet, uidIndex(0)),
		createAES(h, 128, linkBy(linkDerivationBase, uidIndex(0))))
	ok(t, &r.items[0])
	for i := 1; i < 4; i++ {
		failed(t, &r.items[i], rrInvalidField)
		if m := r.items[i].Child(ttlv.TagResultMessage).Text(); !strings.Contains(m, "Batch Order Option false") {
			t.Errorf("item %d: message %q", i, m)
		}
	}
}

// TestLinkedObjectIdentifierJSONNames: the JSON form names the
// Enumeration values ("IDPlaceholder", "Create"), as a JSON client writes
// them.
func TestLinkedObjectIdentifierJSONNames(t *testing.T) {
	s := newTestServer()
	req := []byte(`{"tag":"RequestMessage","value":[
 {"tag":"RequestHeader","value":[{"tag":"ProtocolVersion","value":[
  {"tag":"ProtocolVersionMajor","type":"Integer","value":2},{"tag":"ProtocolVersionMinor","type":"Integer","value":1}]},
  {"tag":"BatchCount","type":"Integer","value":3}]},
 {"tag":"BatchItem","value":[{"tag":"Operation","type":"Enumeration","value":"Create"},{"tag":"RequestPayload","value":[
  {"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},
  {"tag":"Attributes","value":[{"tag":"CryptographicAlgorithm","type":"Enumeration","value":"AES"},
   {"tag":"CryptographicLength","type":"Integer","value":128}]}]}]},
 {"tag":"BatchItem","value":[{"tag":"Operation","type":"Enumeration","value":"Create"},{"tag":"RequestPayload","value":[
  {"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},
  {"tag":"Attributes","value":[{"tag":"CryptographicAlgorithm","type":"Enumeration","value":"AES"},
   {"tag":"CryptographicLength","type":"Integer","value":128},
   {"tag":"Link","value":[{"tag":"LinkType","type":"Enumeration","value":"DerivationBaseObjectLink"},
    {"tag":"LinkedObjectIdentifier","type":"Enumeration","value":"IDPlaceholder"}]}]}]}]},
 {"tag":"BatchItem","value":[{"tag":"Operation","type":"Enumeration","value":"GetAttributes"},{"tag":"RequestPayload","value":[
  {"tag":"UniqueIdentifier","type":"Enumeration","value":"Create"}]}]}]}`)
	out, err := jsonttlv.AppendBinary(nil, s.ServeJSON(context.Background(), nil, req), jsonttlv.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := decode(t, out)
	k0 := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	k1 := ok(t, &r.items[1]).Child(ttlv.TagUniqueIdentifier).Text()
	var got []string
	for _, a := range attrsOf(t, hdr{major: 2, minor: 1}, ok(t, &r.items[2])) {
		if a.Tag == ttlv.TagLink {
			id := a.Child(ttlv.TagLinkedObjectIdentifier)
			if id.Type != ttlv.TypeTextString {
				t.Errorf("Linked Object Identifier answered as %s", id.Type)
			}
			got = append(got, id.Text())
		}
	}
	if len(got) != 1 || got[0] != k0 {
		t.Errorf("Get Attributes of Create (%s): Links %q, want [%s]", k1, got, k0)
	}
	if !bytes.Contains(req, []byte(`"IDPlaceholder"`)) {
		t.Fatal("the request lost its name")
	}
}

// withTag returns x tagged t.
func withTag(x v, t ttlv.Tag) v {
	x.Tag = t
	return x
}
