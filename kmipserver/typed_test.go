package kmipserver

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestTypedUniqueIdentifier: the operations answered from typed payloads
// resolve the Unique Identifier as the tree's idOf does — the text, or the
// ID Placeholder when it is absent, empty or the KMIP 2.x ID Placeholder
// enumeration; an item of another type refused (a KMIP 3.0 Identifier
// before 3.0 too), and no placeholder to fall back on a Missing Data.
func TestTypedUniqueIdentifier(t *testing.T) {
	ident := func(id string) v {
		return v{Tag: ttlv.TagUniqueIdentifier, Type: ttlv.TypeIdentifier, Bytes: []byte(id)}
	}
	for _, op := range []uint32{opGet, opGetAttributes, opExport, opDestroy} {
		s := newTestServer()
		id := ok(t, &do(t, s, h21, createAES(h21, 256)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		for _, tc := range []struct {
			name   string
			uid    []v // the item's Unique Identifier (none for nil)
			reason uint32
		}{
			{"placeholder enumeration", []v{enum(ttlv.TagUniqueIdentifier, 1)}, 0},
			{"absent", nil, 0},
			{"empty", []v{uid("")}, 0},
			{"text", []v{uid(id)}, 0},
			{"other enumeration", []v{enum(ttlv.TagUniqueIdentifier, 2)}, rrInvalidField},
			{"integer", []v{integer(ttlv.TagUniqueIdentifier, 1)}, rrInvalidField},
			{"3.0 Identifier in 2.1", []v{ident(id)}, rrInvalidField},
		} {
			if op == opDestroy && tc.reason == 0 && tc.name != "text" {
				continue // destroys the object once, below
			}
			r := do(t, s, h21, createAES(h21, 256), item(op, tc.uid...))
			if tc.reason == 0 {
				got := ok(t, &r.items[1]).Child(ttlv.TagUniqueIdentifier).Text()
				want := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
				if tc.name == "text" {
					want = id
				}
				if got != want {
					t.Errorf("op %d, %s: answered for %q, want %q", op, tc.name, got, want)
				}
				continue
			}
			failed(t, &r.items[1], tc.reason)
		}
		// No placeholder: the first item of a message.
		failed(t, &do(t, s, h21, item(op)).items[0], rrMissingData)
		// KMIP 3.0: the Identifier type is the Unique Identifier's.
		h30 := hdr{major: 3, minor: 0, noCount: true}
		id3 := ok(t, &do(t, s, h30, createAES(h30, 256)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		ok(t, &do(t, s, h30, item(op, ident(id3))).items[0])
	}
}

// TestTypedGetAttributesReferences: Get Attributes names its attributes
// by KMIP 1.x Attribute Name or by 2.x Attribute
// Reference (an Enumeration of the tag, or a vendor's Structure); names
// that match nothing are left out, and naming none returns all.
func TestTypedGetAttributesReferences(t *testing.T) {
	s := newTestServer()
	vendor := st(ttlv.TagAttribute, str(ttlv.TagVendorIdentification, "x"), str(ttlv.TagAttributeName, "team"),
		str(ttlv.TagAttributeValue, "ops"))
	id := ok(t, &do(t, s, h21, createAES(h21, 256, vendor)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	attrsOf := func(h hdr, refs ...v) *v {
		t.Helper()
		p := ok(t, &do(t, s, h, item(opGetAttributes, append([]v{uid(id)}, refs...)...)).items[0])
		if h.major >= 2 {
			return p.Child(ttlv.TagAttributes)
		}
		return p
	}
	got := attrsOf(h21, enum(ttlv.TagAttributeReference, uint32(ttlv.TagCryptographicLength)),
		st(ttlv.TagAttributeReference, str(ttlv.TagVendorIdentification, "x"), str(ttlv.TagAttributeName, "team")),
		enum(ttlv.TagAttributeReference, uint32(ttlv.TagCertificateLength)))
	if len(got.Children) != 2 || got.Children[0].Tag != ttlv.TagCryptographicLength || got.Children[1].Tag != ttlv.TagAttribute {
		t.Errorf("2.1 by reference: %s, want the Cryptographic Length and the vendor attribute", got)
	}
	if all := attrsOf(h21); len(all.Children) < 5 {
		t.Errorf("2.1, none named: %d attributes", len(all.Children))
	}
	h14 := hdr{major: 1, minor: 4}
	got = attrsOf(h14, str(ttlv.TagAttributeName, "Cryptographic Algorithm"), str(ttlv.TagAttributeName, "Object Type"),
		str(ttlv.TagAttributeName, "No Such Attribute"))
	if names := attributeNames(got); len(names) != 2 || names[0] != "Object Type" || names[1] != "Cryptographic Algorithm" {
		t.Errorf("1.4 by name: %v, want Object Type and Cryptographic Algorithm", names)
	}
}

// attributeNames lists the Attribute Names of a 1.x payload's Attributes.
func attributeNames(p *v) []string {
	var out []string
	for i := range p.Children {
		if a := &p.Children[i]; a.Tag == ttlv.TagAttribute {
			out = append(out, a.Child(ttlv.TagAttributeName).Text())
		}
	}
	return out
}

// TestTypedEncryptDecrypt: Encrypt and Decrypt, answered from their typed
// payloads, round-trip AES-GCM with the ID Placeholder enumeration for the
// key, server-made IV and additional data; an Integer Unique Identifier is
// refused before the key is used.
func TestTypedEncryptDecrypt(t *testing.T) {
	s := newTestServer()
	plain := []byte("the typed payloads carry this")
	aad := bstr(ttlv.TagAuthenticatedEncryptionAdditionalData, []byte("aad"))
	r := do(t, s, h21, createAES(h21, 256), item(opActivate), item(opEncrypt, enum(ttlv.TagUniqueIdentifier, 1),
		bstr(ttlv.TagData, plain), aad))
	id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	enc := ok(t, &r.items[2])
	if got := enc.Child(ttlv.TagUniqueIdentifier).Text(); got != id {
		t.Fatalf("Encrypt answered for %q, want %q", got, id)
	}
	ct, iv, tag := enc.Child(ttlv.TagData), enc.Child(ttlv.TagIVCounterNonce), enc.Child(ttlv.TagAuthenticatedEncryptionTag)
	if ct == nil || iv == nil || tag == nil || len(iv.Bytes) != 12 || len(tag.Bytes) != 16 {
		t.Fatalf("Encrypt answer %s: want Data, a 12-byte IV and a 16-byte tag", enc)
	}
	dec := ok(t, &do(t, s, h21, item(opDecrypt, uid(id), bstr(ttlv.TagData, ct.Bytes), bstr(ttlv.TagIVCounterNonce, iv.Bytes),
		aad, bstr(ttlv.TagAuthenticatedEncryptionTag, tag.Bytes))).items[0])
	if got := dec.Child(ttlv.TagData); got == nil || string(got.Bytes) != string(plain) {
		t.Fatalf("Decrypt answer %s, want %q", dec, plain)
	}
	// A wrong tag fails authentication; a missing IV is an Invalid Message.
	bad := append([]byte{tag.Bytes[0] ^ 1}, tag.Bytes[1:]...)
	failed(t, &do(t, s, h21, item(opDecrypt, uid(id), bstr(ttlv.TagData, ct.Bytes), bstr(ttlv.TagIVCounterNonce, iv.Bytes),
		aad, bstr(ttlv.TagAuthenticatedEncryptionTag, bad))).items[0], rrCryptographicFailure)
	failed(t, &do(t, s, h21, item(opDecrypt, uid(id), bstr(ttlv.TagData, ct.Bytes))).items[0], rrInvalidMessage)
	for _, op := range []uint32{opEncrypt, opDecrypt} {
		failed(t, &do(t, s, h21, item(op, integer(ttlv.TagUniqueIdentifier, 1), bstr(ttlv.TagData, plain))).items[0], rrInvalidField)
	}
}

// TestTypedSignParts: Sign, answered from its typed payload, in several
// parts whose later ones carry only their Data and the Correlation Value:
// the key and the Cryptographic Parameters of the first part hold for the
// whole, and the signature verifies over all the data. The same data in
// one part gives a signature that verifies too.
func TestTypedSignParts(t *testing.T) {
	s := New(Config{})
	for _, alg := range []struct {
		name   string
		common []v
		params []v
	}{
		{"Ed25519", []v{enum(ttlv.TagCryptographicAlgorithm, algEd25519)}, nil},
		{"RSA-PSS", []v{enum(ttlv.TagCryptographicAlgorithm, algRSA), integer(ttlv.TagCryptographicLength, 2048)},
			[]v{st(ttlv.TagCryptographicParameters, enum(ttlv.TagPaddingMethod, padPSS), enum(ttlv.TagHashingAlgorithm, hashSHA256))}},
	} {
		priv, pub := createKeyPair(t, s, alg.common...)
		parts := []string{"the data ", "", "signed in ", "parts"}
		var cv []byte
		var sig []byte
		for i, part := range parts {
			f := []v{bstr(ttlv.TagData, []byte(part))}
			if i == 0 {
				f = append(append(f, uid(priv), ttlv.Boolean(ttlv.TagInitIndicator, true)), alg.params...)
			} else {
				f = append(f, bstr(ttlv.TagCorrelationValue, cv))
			}
			if i == len(parts)-1 {
				f = append(f, ttlv.Boolean(ttlv.TagFinalIndicator, true))
			}
			p := ok(t, &do(t, s, h21, item(opSign, f...)).items[0])
			if i < len(parts)-1 {
				cv = p.Child(ttlv.TagCorrelationValue).Bytes
				if got := p.Child(ttlv.TagUniqueIdentifier); got == nil || got.Text() != priv {
					t.Fatalf("%s part %d: Unique Identifier %v, want %s", alg.name, i, got, priv)
				}
				continue
			}
			sig = p.Child(ttlv.TagSignatureData).Bytes
		}
		all := []byte("the data signed in parts")
		oneSig := ok(t, &do(t, s, h21, item(opSign, append([]v{uid(priv), bstr(ttlv.TagData, all)}, alg.params...)...)).items[0]).
			Child(ttlv.TagSignatureData).Bytes
		for name, sg := range map[string][]byte{"in parts": sig, "in one part": oneSig} {
			args := append([]v{uid(pub), bstr(ttlv.TagData, all), bstr(ttlv.TagSignatureData, sg)}, alg.params...)
			p := ok(t, &do(t, s, h21, item(opSignatureVerify, args...)).items[0])
			if got := uint32(p.Child(ttlv.TagValidityIndicator).Num); got != validityValid {
				t.Errorf("%s signed %s: validity %d", alg.name, name, got)
			}
		}
		// an unknown Correlation Value; a missing key at the first part
		failed(t, &do(t, s, h21, item(opSign, bstr(ttlv.TagData, all), bstr(ttlv.TagCorrelationValue, []byte("nope")))).items[0], rrInvalidField)
		failed(t, &do(t, s, h21, item(opSign, uid("no such key"), bstr(ttlv.TagData, all), ttlv.Boolean(ttlv.TagInitIndicator, true))).items[0], rrObjectNotFound)
	}
}

// TestTypedLocate: Locate reads Maximum Items, Offset Items and Storage
// Status Mask from its typed payload and its filter from the payload as
// received — the 2.x Attributes and 1.x Attribute items together, each
// refused when not a Structure — as the tree did.
func TestTypedLocate(t *testing.T) {
	s := newTestServer()
	var ids []string
	for i := range 3 {
		r := do(t, s, h21, createNamed(algAES, 256, fmt.Sprintf("k%d", i), "g"))
		ids = append(ids, ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text())
	}
	name1 := attr1("Name", st(ttlv.TagName, str(ttlv.TagNameValue, "k1"), enum(ttlv.TagNameType, 1)))
	group := st(ttlv.TagAttributes, str(ttlv.TagObjectGroup, "g"))
	for _, tc := range []struct {
		name   string
		args   []v
		want   []string
		total  int64
		reason uint32
	}{
		{"2.x Attributes", []v{group}, []string{ids[2], ids[1], ids[0]}, 3, 0},
		{"1.x Attribute and 2.x Attributes", []v{name1, group}, []string{ids[1]}, 1, 0},
		{"Maximum and Offset Items", []v{integer(ttlv.TagMaximumItems, 1), integer(ttlv.TagOffsetItems, 1), group}, []string{ids[1]}, 3, 0},
		{"Storage Status Mask online", []v{integer(ttlv.TagStorageStatusMask, 1), group}, []string{ids[2], ids[1], ids[0]}, 3, 0},
		{"Attribute not a Structure", []v{str(ttlv.TagAttribute, "x")}, nil, 0, rrInvalidField},
		{"Attributes not a Structure", []v{integer(ttlv.TagAttributes, 1)}, nil, 0, rrInvalidField},
		{"negative Offset Items", []v{integer(ttlv.TagOffsetItems, -1)}, nil, 0, rrInvalidField},
		{"Maximum Items below -1", []v{integer(ttlv.TagMaximumItems, -2)}, nil, 0, rrInvalidField},
	} {
		r := do(t, s, h21, item(opLocate, tc.args...))
		if tc.reason != 0 {
			failed(t, &r.items[0], tc.reason)
			continue
		}
		p := ok(t, &r.items[0])
		if got := texts(p, ttlv.TagUniqueIdentifier); !slices.Equal(got, tc.want) {
			t.Errorf("%s: located %q, want %q", tc.name, got, tc.want)
		}
		if li := p.Child(ttlv.TagLocatedItems); li == nil || li.Num != tc.total {
			t.Errorf("%s: Located Items %v, want %d", tc.name, li, tc.total)
		}
	}
}

// TestTypedCreate: Create reads its Object Type from the typed payload —
// absent, or not an Enumeration, an Invalid Field — and its attributes
// from the payload as received: the 2.x Attributes when there are both
// containers, else the 1.x Template-Attribute.
func TestTypedCreate(t *testing.T) {
	s := newTestServer()
	as := st(ttlv.TagAttributes, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256))
	ta := st(ttlv.TagTemplateAttribute, attr1("Cryptographic Algorithm", enum(0, algAES)), attr1("Cryptographic Length", integer(0, 128)))
	for _, tc := range []struct {
		name   string
		args   []v
		bits   int64
		reason uint32
	}{
		{"Attributes", []v{enum(ttlv.TagObjectType, objSymmetricKey), as}, 256, 0},
		{"Template-Attribute", []v{enum(ttlv.TagObjectType, objSymmetricKey), ta}, 128, 0},
		{"both: the Attributes", []v{enum(ttlv.TagObjectType, objSymmetricKey), ta, as}, 256, 0},
		{"no Object Type", []v{as}, 0, rrInvalidField},
		{"Object Type an Integer", []v{integer(ttlv.TagObjectType, int32(objSymmetricKey)), as}, 0, rrInvalidField},
		{"Object Type 0", []v{enum(ttlv.TagObjectType, 0), as}, 0, rrInvalidField},
		{"Private Key", []v{enum(ttlv.TagObjectType, objPrivateKey), as}, 0, rrInvalidField},
		{"Attributes not a Structure", []v{enum(ttlv.TagObjectType, objSymmetricKey), integer(ttlv.TagAttributes, 1)}, 0, rrInvalidField},
	} {
		r := do(t, s, h21, item(opCreate, tc.args...), item(opGetAttributes, enum(ttlv.TagAttributeReference, uint32(ttlv.TagCryptographicLength))))
		if tc.reason != 0 {
			failed(t, &r.items[0], tc.reason)
			continue
		}
		ok(t, &r.items[0])
		got := ok(t, &r.items[1]).Child(ttlv.TagAttributes).Child(ttlv.TagCryptographicLength)
		if got == nil || got.Num != tc.bits {
			t.Errorf("%s: Cryptographic Length %v, want %d", tc.name, got, tc.bits)
		}
	}
}

// TestTypedRegister: Register reads its Object Type from the typed payload
// and the managed object and attributes from the payload as received: the
// object of the Object Type's tag, a Structure, required; the key material
// and the attributes stored as given; two Registers in one message, each
// with its own object.
func TestTypedRegister(t *testing.T) {
	s := newTestServer()
	secret := func(key string) v {
		return st(ttlv.TagSecretData, enum(ttlv.TagSecretDataType, secretPassword),
			st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfOpaque), st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, []byte(key)))))
	}
	ot := enum(ttlv.TagObjectType, objSecretData)
	as := st(ttlv.TagAttributes, name("registered"))
	r := do(t, s, h21, item(opRegister, ot, as, secret("one")), item(opRegister, ot, st(ttlv.TagAttributes), secret("two")))
	for i, key := range []string{"one", "two"} {
		if got := material(t, s, ok(t, &r.items[i]).Child(ttlv.TagUniqueIdentifier).Text()); string(got) != key {
			t.Errorf("Register %d: key material %q, want %q", i, got, key)
		}
	}
	if got, _ := located(t, s, st(ttlv.TagAttributes, name("registered"))); len(got) != 1 {
		t.Errorf("located %q by the registered Name, want one", got)
	}
	for _, tc := range []struct {
		name string
		args []v
	}{
		{"no Object Type", []v{as, secret("k")}},
		{"Object Type an Integer", []v{integer(ttlv.TagObjectType, int32(objSecretData)), as, secret("k")}},
		{"no object", []v{ot, as}},
		{"another type's object", []v{enum(ttlv.TagObjectType, objSymmetricKey), as, secret("k")}},
		{"object not a Structure", []v{ot, as, bstr(ttlv.TagSecretData, []byte("k"))}},
		{"Template in 2.1", []v{enum(ttlv.TagObjectType, objTemplate), as, st(ttlv.TagTemplate)}},
	} {
		failed(t, &do(t, s, h21, item(opRegister, tc.args...)).items[0], rrInvalidField)
	}
}

// TestScalarValue: an attribute container of scalar items read without a
// tree (scalarAttrs) gives the attributes collectAttrs gives from the tree;
// a container holding a Structure or an Attribute item, or a
// Template-Attribute, is left to the tree.
func TestScalarValue(t *testing.T) {
	when := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	set := st(ttlv.TagAttributes,
		integer(ttlv.TagCryptographicLength, -7), enum(ttlv.TagCryptographicAlgorithm, 0xFFFFFFFF),
		ttlv.Interval(ttlv.TagLeaseTime, 3600), ttlv.LongInteger(ttlv.TagUsageLimitsTotal, -1<<40),
		ttlv.DateTime(ttlv.TagActivationDate, when), ttlv.DateTimeExtended(ttlv.TagDeactivationDate, when),
		ttlv.Boolean(ttlv.TagSensitive, true), ttlv.Boolean(ttlv.TagExtractable, false),
		str(ttlv.TagObjectGroup, "g"), bstr(ttlv.TagShortUniqueIdentifier, []byte{1, 2}),
		v{Tag: ttlv.TagCertificateLength, Type: ttlv.TypeBigInteger, Bytes: make([]byte, 8)},
		v{Tag: ttlv.TagUniqueIdentifier, Type: ttlv.TypeIdentifier, Bytes: []byte("id")})
	enc := ttlv.Marshal(&set)
	got, ok := scalarAttrs(nil, enc)
	if !ok {
		t.Fatal("scalar container left to the tree")
	}
	var tree v
	if err := ttlv.Unmarshal(enc, &tree); err != nil {
		t.Fatal(err)
	}
	want, err := collectAttrs(nil, &tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d attributes, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.tag != w.tag || g.index != w.index || g.vendor != w.vendor || g.name != w.name ||
			g.val.Tag != w.val.Tag || g.val.Type != w.val.Type || g.val.Num != w.val.Num ||
			!bytes.Equal(g.val.Bytes, w.val.Bytes) || (g.val.Bytes == nil) != (w.val.Bytes == nil) || len(w.val.Children) != 0 {
			t.Errorf("attribute %d: %+v, want %+v", i, g, w)
		}
	}
	for _, c := range []v{
		st(ttlv.TagAttributes, name("n")),
		st(ttlv.TagAttributes, str(ttlv.TagAttribute, "x")),
		st(ttlv.TagTemplateAttribute, str(ttlv.TagObjectGroup, "g")),
		integer(ttlv.TagAttributes, 1),
	} {
		if _, ok := scalarAttrs(nil, ttlv.Marshal(&c)); ok {
			t.Errorf("%s read without a tree", c.String())
		}
	}
}

// TestTypedCreateKeyPair: Create Key Pair reads its three attribute sets
// from the payload as received, in the 2.x form (scalar sets and one with
// a Structure, the Cryptographic Domain Parameters) and the 1.x form: each
// key gets the common attributes and its own.
func TestTypedCreateKeyPair(t *testing.T) {
	s := newTestServer()
	domain := st(ttlv.TagCryptographicDomainParameters, enum(ttlv.TagRecommendedCurve, curveP256))
	for _, tc := range []struct {
		name string
		h    hdr
		args []v
	}{
		{"2.x", h21, []v{
			st(ttlv.TagCommonAttributes, enum(ttlv.TagCryptographicAlgorithm, algECDSA), domain),
			st(ttlv.TagPrivateKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
			st(ttlv.TagPublicKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageVerify)), str(ttlv.TagObjectGroup, "pub"))}},
		{"1.x", hdr{major: 1, minor: 4}, []v{
			st(ttlv.TagCommonTemplateAttribute, attr1("Cryptographic Algorithm", enum(0, algECDSA)),
				attr1("Cryptographic Domain Parameters", st(0, enum(ttlv.TagRecommendedCurve, curveP256)))),
			st(ttlv.TagPrivateKeyTemplateAttribute, attr1("Cryptographic Usage Mask", integer(0, int32(usageSign)))),
			st(ttlv.TagPublicKeyTemplateAttribute, attr1("Cryptographic Usage Mask", integer(0, int32(usageVerify))),
				attr1("Object Group", str(0, "pub")))}},
	} {
		p := ok(t, &do(t, s, tc.h, item(opCreateKeyPair, tc.args...)).items[0])
		for _, k := range []struct {
			tag   ttlv.Tag
			usage uint32
			group bool
		}{{ttlv.TagPrivateKeyUniqueIdentifier, usageSign, false}, {ttlv.TagPublicKeyUniqueIdentifier, usageVerify, true}} {
			id := p.Child(k.tag).Text()
			a := ok(t, &do(t, s, h21, item(opGetAttributes, uid(id))).items[0]).Child(ttlv.TagAttributes)
			if m := a.Child(ttlv.TagCryptographicUsageMask); m == nil || uint32(m.Num) != k.usage {
				t.Errorf("%s %s: usage mask %v, want %#x", tc.name, k.tag, m, k.usage)
			}
			if alg := a.Child(ttlv.TagCryptographicAlgorithm); alg == nil || uint32(alg.Num) != algECDSA {
				t.Errorf("%s %s: algorithm %v, want ECDSA", tc.name, k.tag, alg)
			}
			if g := a.Child(ttlv.TagObjectGroup); (g != nil) != k.group {
				t.Errorf("%s %s: Object Group %v, want it: %v", tc.name, k.tag, g, k.group)
			}
		}
	}
}
