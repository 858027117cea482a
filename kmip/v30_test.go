package kmip_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// items returns the tags and types of the children of the Structure b.
func items(t *testing.T, b []byte) []string {
	t.Helper()
	_, _, v, n := ttlv.ConsumeValue(b)
	if n < 0 {
		t.Fatalf("not an item: %x", b)
	}
	var out []string
	for len(v) > 0 {
		tag, typ, _, m := ttlv.ConsumeValue(v)
		if m < 0 {
			t.Fatalf("bad child: %x", v)
		}
		out = append(out, tag.String()+" "+typ.String())
		v = v[m:]
	}
	return out
}

// TestName30: a Name is a Structure for 1.x and 2.x and a Text String, its
// Name Value, for the KMIP 3.0 draft (3.0 §4.36); decoded from the Text
// String it has the Name Type such a name has in 2.1, and it round-trips.
func TestName30(t *testing.T) {
	a := kmip.Attributes{Name: []kmip.Name{{NameValue: "key-1", NameType: kmip.NameTypeUninterpretedTextString}}}
	b21 := a.AppendTTLV(nil, kmip.V2_1)
	b30 := a.AppendTTLV(nil, kmip.V3_0)
	if got := items(t, b21); !cmp.Equal(got, []string{"Name Structure"}) {
		t.Errorf("2.1: %v", got)
	}
	want := ttlv.AppendTextString(nil, ttlv.TagName, "key-1")
	if _, _, v, _ := ttlv.ConsumeValue(b30); !bytes.Equal(v, want) {
		t.Errorf("3.0: % x, want % x", v, want)
	}
	var d kmip.Attributes
	if err := d.UnmarshalTTLV(b30); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Name, d.Name, ignoreDecodeState); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	if out := d.AppendTTLV(nil, kmip.V3_0); !bytes.Equal(out, b30) {
		t.Error("3.0 round trip differs")
	}
	if out := d.AppendTTLV(nil, kmip.V2_1); !bytes.Equal(out, b21) {
		t.Errorf("the 3.0 Name encoded for 2.1: % x, want % x", out, b21)
	}
	// A Structure decoded stays one, whatever the version.
	var s kmip.Attributes
	if err := s.UnmarshalTTLV(b21); err != nil {
		t.Fatal(err)
	}
	if out := s.AppendTTLV(nil, kmip.V3_0); !bytes.Equal(out, b21) {
		t.Error("a decoded Name Structure re-encoded for 3.0 changed form")
	}
}

// TestUniqueIdentifier30: a Unique Identifier is an Identifier for 3.0 and
// a Text String before; its Enumeration and Integer forms (2.1 §4.58,
// 3.0 §4.68) are fields of their own, written in its place.
func TestUniqueIdentifier30(t *testing.T) {
	p := kmip.GetAttributesRequestPayload{UniqueIdentifier: kmip.Some("u-1")}
	if got := items(t, p.AppendTTLV(nil, kmip.V3_0)); !cmp.Equal(got, []string{"UniqueIdentifier Identifier"}) {
		t.Errorf("3.0: %v", got)
	}
	if got := items(t, p.AppendTTLV(nil, kmip.V2_1)); !cmp.Equal(got, []string{"UniqueIdentifier TextString"}) {
		t.Errorf("2.1: %v", got)
	}
	r := kmip.ActivateResponsePayload{UniqueIdentifierEnum: kmip.Some(kmip.UniqueIdentifierIDPlaceholder)}
	b := r.AppendTTLV(nil, kmip.V3_0)
	if got := items(t, b); !cmp.Equal(got, []string{"UniqueIdentifier Enumeration"}) {
		t.Errorf("the Enumeration form of a required Unique Identifier: %v", got)
	}
	var d kmip.ActivateResponsePayload
	if err := d.UnmarshalTTLV(b); err != nil {
		t.Fatal(err)
	}
	if v, ok := d.UniqueIdentifierEnum.Get(); !ok || v != kmip.UniqueIdentifierIDPlaceholder || d.UniqueIdentifier != "" || len(d.Unknown()) != 0 {
		t.Errorf("decoded %+v, unknown %v", d, d.Unknown())
	}
	if out := d.AppendTTLV(nil, kmip.V3_0); !bytes.Equal(out, b) {
		t.Error("round trip differs")
	}
	l := kmip.Link{LinkType: kmip.LinkTypePublicKeyLink, LinkedObjectIdentifierEnum: kmip.Some(kmip.UniqueIdentifierCreateKeyPairPublicKey)}
	if got := items(t, l.AppendTTLV(nil, kmip.V2_1)); !cmp.Equal(got, []string{"LinkType Enumeration", "LinkedObjectIdentifier Enumeration"}) {
		t.Errorf("a Link's Linked Object Identifier as an Enumeration (2.1 §4.31): %v", got)
	}
	// Both forms decoded, in field order: both written back.
	both := ttlv.AppendTextString(nil, ttlv.TagUniqueIdentifier, "u-1")
	both = ttlv.AppendEnumeration(both, ttlv.TagUniqueIdentifier, uint32(kmip.UniqueIdentifierIDPlaceholder))
	both = append(ttlv.AppendHeader(nil, ttlv.TagRequestPayload, ttlv.TypeStructure, uint32(len(both))), both...)
	var g kmip.GetRequestPayload
	if err := g.UnmarshalTTLV(both); err != nil {
		t.Fatal(err)
	}
	if out := g.AppendTTLV(nil, kmip.V2_1); !bytes.Equal(out, both) {
		t.Errorf("a Unique Identifier in both forms: % x, want % x", out, both)
	}
	i := kmip.GetRequestPayload{UniqueIdentifierIndex: kmip.Some[int32](-1)}
	if got := items(t, i.AppendTTLV(nil, kmip.V2_1)); !cmp.Equal(got, []string{"UniqueIdentifier Integer"}) {
		t.Errorf("the Integer form: %v", got)
	}
}

// TestFields30BeforeV30: what only the 3.0 draft has is not written for an
// earlier version, and a decoded Identifier goes back as a Text String.
func TestFields30BeforeV30(t *testing.T) {
	a := kmip.Attributes{NextLink: []string{"u-2"}, ObjectClass: kmip.Some(kmip.ObjectClassUser), CryptographicLength: kmip.Some[int32](256)}
	if got := items(t, a.AppendTTLV(nil, kmip.V2_1)); !cmp.Equal(got, []string{"CryptographicLength Integer"}) {
		t.Errorf("2.1: %v", got)
	}
	b30 := a.AppendTTLV(nil, kmip.V3_0)
	if got := items(t, b30); !cmp.Equal(got, []string{"CryptographicLength Integer", "NextLink Reference", "ObjectClass Enumeration"}) {
		t.Errorf("3.0: %v", got)
	}
	// A Name Reference decoded is written back as one.
	b := ttlv.AppendString(nil, ttlv.TagGroupLink, ttlv.TypeNameReference, "group-1")
	b = append(ttlv.AppendHeader(nil, ttlv.TagAttributes, ttlv.TypeStructure, uint32(len(b))), b...)
	var d kmip.Attributes
	if err := d.UnmarshalTTLV(b); err != nil {
		t.Fatal(err)
	}
	if len(d.GroupLink) != 1 || d.GroupLink[0] != "group-1" || len(d.Unknown()) != 0 {
		t.Fatalf("decoded %v, unknown %v", d.GroupLink, d.Unknown())
	}
	if out := d.AppendTTLV(nil, kmip.V3_0); !bytes.Equal(out, b) {
		t.Error("the Name Reference did not round-trip")
	}

	var p kmip.GetRequestPayload
	in := kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("u-1")}
	if err := p.UnmarshalTTLV(in.AppendTTLV(nil, kmip.V3_0)); err != nil {
		t.Fatal(err)
	}
	if got := items(t, p.AppendTTLV(nil, kmip.V2_1)); !cmp.Equal(got, []string{"UniqueIdentifier TextString"}) {
		t.Errorf("a decoded 3.0 Identifier encoded for 2.1: %v", got)
	}
}

// TestCreateCredential30: the Create Credential payloads of the 3.0 draft
// (§6.1.9) round-trip without unknown items, without allocating once
// warm.
func TestCreateCredential30(t *testing.T) {
	req := kmip.CreateCredentialRequestPayload{
		CredentialType:     kmip.CredentialTypePassword,
		Attributes:         &kmip.Attributes{Name: []kmip.Name{{NameValue: "alice", NameType: kmip.NameTypeUninterpretedTextString}}},
		PasswordCredential: &kmip.PasswordCredential{Password: kmip.Some("secret")},
	}
	b := req.AppendTTLV(nil, kmip.V3_0)
	if got := items(t, b); !cmp.Equal(got, []string{"CredentialType Enumeration", "Attributes Structure", "PasswordCredential Structure"}) {
		t.Errorf("%v", got)
	}
	var d kmip.CreateCredentialRequestPayload
	if err := d.UnmarshalTTLV(b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&req, &d, ignoreDecodeState); diff != "" || len(d.Unknown()) != 0 {
		t.Errorf("(-built +decoded):\n%s\nunknown %v", diff, d.Unknown())
	}
	var out []byte
	if n := testing.AllocsPerRun(50, func() {
		if err := d.UnmarshalTTLV(b); err != nil {
			t.Fatal(err)
		}
		out = d.AppendTTLV(out[:0], kmip.V3_0)
	}); n != 0 {
		t.Errorf("%v allocations per decode and encode", n)
	}
	if !bytes.Equal(out, b) {
		t.Error("round trip differs")
	}
	if op := d.Operation(); op != kmip.OperationCreateCredential {
		t.Errorf("Operation() = %v", op)
	}
}

// TestProtocolVersionVersion: the header's numbers as a Version.
func TestProtocolVersionVersion(t *testing.T) {
	for _, c := range []struct {
		p    *kmip.ProtocolVersion
		want kmip.Version
	}{
		{&kmip.ProtocolVersion{ProtocolVersionMajor: 3}, kmip.V3_0},
		{&kmip.ProtocolVersion{ProtocolVersionMajor: 1, ProtocolVersionMinor: 4}, kmip.V1_4},
		{&kmip.ProtocolVersion{ProtocolVersionMajor: 256}, 0},
		{nil, 0},
	} {
		if got := c.p.Version(); got != c.want {
			t.Errorf("%+v: %v, want %v", c.p, got, c.want)
		}
	}
}

// TestVersionMasks: each version has its own bit in the generated masks,
// those between two specifications the earlier's (2.2 encodes as 2.1).
func TestVersionMasks(t *testing.T) {
	a := kmip.Attributes{NextLink: []string{"n"}}
	for _, c := range []struct {
		ver  kmip.Version
		want int
	}{{kmip.V1_0, 0}, {kmip.V1_4, 0}, {0x0105, 0}, {kmip.V2_0, 0}, {kmip.V2_1, 0}, {0x0202, 0}, {kmip.V3_0, 1}, {0x0301, 1}, {0x0400, 1}} {
		if got := len(items(t, a.AppendTTLV(nil, c.ver))); got != c.want {
			t.Errorf("%v: %d items, want %d", c.ver, got, c.want)
		}
	}
	h := kmip.RequestHeader{ProtocolVersion: &kmip.ProtocolVersion{ProtocolVersionMajor: 1}, BatchCount: 1}
	for _, c := range []struct {
		ver  kmip.Version
		want int
	}{{kmip.V1_0, 2}, {kmip.V1_3, 2}, {kmip.V2_0, 2}, {kmip.V2_1, 2}, {kmip.V3_0, 1}} {
		if got := len(items(t, h.AppendTTLV(nil, c.ver))); got != c.want {
			t.Errorf("RequestHeader for %v: %d items, want %d (Batch Count, reserved in 3.0)", c.ver, got, c.want)
		}
	}
}

// TestLinkForms30: a 3.0 Link attribute given as a Unique Identifier
// Enumeration or an Integer (3.0 §4.35) is held apart from the references
// and round-trips in place.
func TestLinkForms30(t *testing.T) {
	a := kmip.Attributes{
		ParentLink:      []string{"u-0"},
		ParentLinkEnum:  []kmip.UniqueIdentifier{kmip.UniqueIdentifierIDPlaceholder},
		ParentLinkIndex: []int32{-2},
	}
	b := a.AppendTTLV(nil, kmip.V3_0)
	if got := items(t, b); !cmp.Equal(got, []string{"ParentLink Reference", "ParentLink Enumeration", "ParentLink Integer"}) {
		t.Errorf("3.0: %v", got)
	}
	if got := items(t, a.AppendTTLV(nil, kmip.V2_1)); len(got) != 0 {
		t.Errorf("2.1: %v", got)
	}
	// Decoded in another order, written back in it.
	_, _, v, _ := ttlv.ConsumeValue(b)
	first := 8 + 8 // the Reference "u-0", padded
	swapped := append(append([]byte{}, v[first:]...), v[:first]...)
	in := append(ttlv.AppendHeader(nil, ttlv.TagAttributes, ttlv.TypeStructure, uint32(len(swapped))), swapped...)
	var d kmip.Attributes
	if err := d.UnmarshalTTLV(in); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&a, &d, ignoreDecodeState); diff != "" || len(d.Unknown()) != 0 {
		t.Errorf("(-built +decoded):\n%s\nunknown %v", diff, d.Unknown())
	}
	if out := d.AppendTTLV(nil, kmip.V3_0); !bytes.Equal(out, in) {
		t.Error("round trip differs")
	}
}
