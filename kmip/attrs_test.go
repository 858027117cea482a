package kmip_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// attribute1x is a KMIP 1.x Attribute with the value append writes.
func attribute1x(name string, value func(b []byte) []byte) kmip.Attribute {
	return kmip.Attribute{AttributeName: name, AttributeValue: kmip.NewRaw(value)}
}

// aesTemplate1x is the 1.x Template-Attribute of an AES-256 key with a
// custom attribute, and set2x the same attributes as KMIP 2.x writes them.
func aesTemplate1x() (*kmip.TemplateAttribute, *kmip.Attributes) {
	tmpl := &kmip.TemplateAttribute{Attribute: []kmip.Attribute{
		attribute1x("Cryptographic Algorithm", func(b []byte) []byte {
			return ttlv.AppendEnumeration(b, ttlv.TagAttributeValue, uint32(kmip.CryptographicAlgorithmAES))
		}),
		attribute1x("Cryptographic Length", func(b []byte) []byte { return ttlv.AppendInteger(b, ttlv.TagAttributeValue, 256) }),
		attribute1x("Name", func(b []byte) []byte {
			b, m := ttlv.BeginStructure(b, ttlv.TagAttributeValue)
			b = ttlv.AppendTextString(b, ttlv.TagNameValue, "key-1")
			b = ttlv.AppendEnumeration(b, ttlv.TagNameType, uint32(kmip.NameTypeUninterpretedTextString))
			ttlv.EndStructure(b, m)
			return b
		}),
		attribute1x("x-Owner", func(b []byte) []byte { return ttlv.AppendTextString(b, ttlv.TagAttributeValue, "ops") }),
	}}
	set := &kmip.Attributes{
		CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES),
		CryptographicLength:    kmip.Some(int32(256)),
		Name:                   []kmip.Name{{NameValue: "key-1", NameType: kmip.NameTypeUninterpretedTextString}},
		Attribute: []kmip.Attribute{{VendorIdentification: "x", AttributeName: "Owner",
			AttributeValue: kmip.NewRaw(func(b []byte) []byte { return ttlv.AppendTextString(b, ttlv.TagAttributeValue, "ops") })}},
	}
	return tmpl, set
}

// TestTemplateAttributeAs2x: a Template-Attribute the caller sets on a
// payload is written as the 2.x Attributes, in the Attributes field's
// place, when encoding for KMIP 2.x; as given for 1.x, and as given when
// it holds what 2.x cannot say (a template Name) or the 2.x field is set
// too.
func TestTemplateAttributeAs2x(t *testing.T) {
	tmpl, set := aesTemplate1x()
	built := &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, TemplateAttribute: tmpl,
		ProtectionStorageMasks: kmip.Some(uint32(1))}
	want := &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: set,
		ProtectionStorageMasks: kmip.Some(uint32(1))}
	for _, ver := range []kmip.Version{kmip.V2_0, kmip.V2_1} {
		got, exp := built.AppendTTLV(nil, ver), want.AppendTTLV(nil, ver)
		if !bytes.Equal(got, exp) {
			t.Errorf("%s: Create with a Template-Attribute:\n%x\nwant the Attributes form\n%x", ver, got, exp)
		}
		var back kmip.CreateRequestPayload
		if err := back.UnmarshalTTLV(got); err != nil {
			t.Fatal(err)
		}
		if back.TemplateAttribute != nil || back.Attributes == nil {
			t.Errorf("%s: decoded Template-Attribute %v, Attributes %v: want Attributes only", ver, back.TemplateAttribute, back.Attributes)
		}
		if diff := cmp.Diff(set.CryptographicLength, back.Attributes.CryptographicLength); diff != "" {
			t.Errorf("%s: Cryptographic Length (-want +got):\n%s", ver, diff)
		}
	}

	// KMIP 1.4: the Template-Attribute as given, and the 2.x set written as
	// the same Template-Attribute ("x-Owner" for the vendor attribute).
	built.ProtectionStorageMasks, want.ProtectionStorageMasks = kmip.Optional[uint32]{}, kmip.Optional[uint32]{}
	v14 := built.AppendTTLV(nil, kmip.V1_4)
	var back kmip.CreateRequestPayload
	if err := back.UnmarshalTTLV(v14); err != nil {
		t.Fatal(err)
	}
	if back.Attributes != nil || back.TemplateAttribute == nil || len(back.TemplateAttribute.Attribute) != 4 {
		t.Fatalf("1.4: decoded %+v, want the Template-Attribute of 4 attributes", back)
	}
	if got := want.AppendTTLV(nil, kmip.V1_4); !bytes.Equal(got, v14) {
		t.Errorf("1.4: the Attributes form\n%x\nwant the Template-Attribute\n%x", got, v14)
	}

	// What 2.x cannot carry stays as given.
	named := &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey,
		TemplateAttribute: &kmip.TemplateAttribute{Name: []kmip.Name{{NameValue: "tmpl", NameType: kmip.NameTypeUninterpretedTextString}},
			Attribute: tmpl.Attribute}}
	unknown := &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey,
		TemplateAttribute: &kmip.TemplateAttribute{Attribute: []kmip.Attribute{
			attribute1x("Not An Attribute", func(b []byte) []byte { return ttlv.AppendInteger(b, ttlv.TagAttributeValue, 1) })}}}
	both := &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: set, TemplateAttribute: tmpl}
	for name, p := range map[string]*kmip.CreateRequestPayload{"template Name": named, "unknown name": unknown, "both set": both} {
		var back kmip.CreateRequestPayload
		if err := back.UnmarshalTTLV(p.AppendTTLV(nil, kmip.V2_1)); err != nil {
			t.Fatal(err)
		}
		if back.TemplateAttribute == nil {
			t.Errorf("%s: the Template-Attribute was dropped", name)
		}
	}

	// Create Key Pair: each of the three sets in its own 2.x field.
	kp := &kmip.CreateKeyPairRequestPayload{CommonTemplateAttribute: tmpl, PublicKeyTemplateAttribute: tmpl}
	kpWant := &kmip.CreateKeyPairRequestPayload{CommonAttributes: set, PublicKeyAttributes: set}
	if got, exp := kp.AppendTTLV(nil, kmip.V2_1), kpWant.AppendTTLV(nil, kmip.V2_1); !bytes.Equal(got, exp) {
		t.Errorf("Create Key Pair:\n%x\nwant\n%x", got, exp)
	}

	// A decoded 1.x payload keeps its form: re-encoding gives its bytes.
	if err := back.UnmarshalTTLV(v14); err != nil {
		t.Fatal(err)
	}
	if got := back.AppendTTLV(nil, kmip.V2_1); !bytes.Equal(got, v14) {
		t.Errorf("decoded 1.4 payload re-encoded for 2.1:\n%x\nwant its input\n%x", got, v14)
	}
}

// TestAttributeListForms: Locate and Get Attributes carry 1.x attributes
// as a list of Attribute items, not in a Template-Attribute (KMIP 1.4
// §4.9, §4.12): the 2.x set encodes so for 1.x, and a 1.x list as the 2.x
// Attributes for 2.x.
func TestAttributeListForms(t *testing.T) {
	tmpl, set := aesTemplate1x()
	list := &kmip.LocateRequestPayload{MaximumItems: kmip.Some(int32(2)), Attribute: tmpl.Attribute}
	typed := &kmip.LocateRequestPayload{MaximumItems: kmip.Some(int32(2)), Attributes: set}
	for _, ver := range []kmip.Version{kmip.V1_0, kmip.V1_4, kmip.V2_0, kmip.V2_1} {
		got, exp := typed.AppendTTLV(nil, ver), list.AppendTTLV(nil, ver)
		if !bytes.Equal(got, exp) {
			t.Errorf("%s: Locate with Attributes\n%x\nwant the one with the Attribute list\n%x", ver, got, exp)
		}
		var back kmip.LocateRequestPayload
		if err := back.UnmarshalTTLV(got); err != nil {
			t.Fatal(err)
		}
		if v1 := ver < kmip.V2_0; v1 != (len(back.Attribute) == 4) || v1 != (back.Attributes == nil) {
			t.Errorf("%s: decoded %d Attribute items and Attributes %v", ver, len(back.Attribute), back.Attributes)
		}
	}
	resp := &kmip.GetAttributesResponsePayload{UniqueIdentifier: "1", Attributes: set}
	var back kmip.GetAttributesResponsePayload
	if err := back.UnmarshalTTLV(resp.AppendTTLV(nil, kmip.V1_4)); err != nil {
		t.Fatal(err)
	}
	if len(back.Attribute) != 4 || back.Attribute[3].AttributeName != "x-Owner" || len(back.Unknown()) != 0 {
		t.Errorf("1.4 Get Attributes response: %+v, want 4 Attribute items, the last x-Owner", back.Attribute)
	}
}

// TestFormConversionAllocs: converting between the forms allocates
// nothing beyond the output buffer.
func TestFormConversionAllocs(t *testing.T) {
	tmpl, set := aesTemplate1x()
	create := &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, TemplateAttribute: tmpl}
	locate := &kmip.LocateRequestPayload{Attributes: set}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() {
		buf = create.AppendTTLV(buf[:0], kmip.V2_1)
		buf = locate.AppendTTLV(buf, kmip.V1_4)
	}); n != 0 {
		t.Errorf("%.1f allocations, want 0", n)
	}
}
