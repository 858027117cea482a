package kmip

import (
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestAttributeList: an attribute set to KMIP 1.x Attributes and back
// (AttributeSet), a vendor attribute as a custom one.
func TestAttributeList(t *testing.T) {
	a := &Attributes{
		CryptographicAlgorithm: Some(CryptographicAlgorithmAES),
		CryptographicLength:    Some(int32(128)),
		Name:                   []Name{{NameValue: "k1", NameType: NameTypeUninterpretedTextString}, {NameValue: "k2", NameType: NameTypeURI}},
		Attribute: []Attribute{{VendorIdentification: "x", AttributeName: "owner",
			AttributeValue: NewRaw(func(b []byte) []byte { return ttlv.AppendTextString(b, ttlv.TagAttributeValue, "ops") })}},
	}
	list, err := a.AttributeList()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, at := range list {
		names = append(names, at.AttributeName)
	}
	want := []string{"Cryptographic Algorithm", "Cryptographic Length", "Name", "Name", "x-owner"}
	if len(names) != len(want) {
		t.Fatalf("names %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names %q, want %q", names, want)
		}
	}
	back, err := (&TemplateAttribute{Attribute: list}).AttributeSet()
	if err != nil {
		t.Fatal(err)
	}
	if back.CryptographicLength.Value != 128 || back.CryptographicAlgorithm.Value != CryptographicAlgorithmAES ||
		len(back.Name) != 2 || back.Name[1].NameValue != "k2" || back.Name[1].NameType != NameTypeURI ||
		len(back.Attribute) != 1 || back.Attribute[0].AttributeName != "owner" || back.Attribute[0].VendorIdentification != "x" {
		t.Errorf("round trip: %+v", back)
	}
	// A decoded set converts too (appendForm keeps a decoded set's form).
	var dec Attributes
	if err := dec.UnmarshalTTLV(a.AppendTTLV(nil, V2_1)); err != nil {
		t.Fatal(err)
	}
	if l, err := dec.AttributeList(); err != nil || len(l) != len(list) {
		t.Errorf("decoded set: %d attributes, %v; want %d", len(l), err, len(list))
	}
}

// An attribute set in the KMIP 1.x form, as a 1.x Locate or Add Attribute
// carries it: one Attribute per value.
func ExampleAttributes_AttributeList() {
	set := &Attributes{CryptographicAlgorithm: Some(CryptographicAlgorithmAES), ObjectGroup: []string{"payroll"}}
	list, err := set.AttributeList()
	if err != nil {
		panic(err)
	}
	for _, a := range list {
		fmt.Printf("%s: %v %v\n", a.AttributeName, a.AttributeValue.Type(), a.AttributeValue.Tag())
	}
	// Output:
	// Cryptographic Algorithm: Enumeration AttributeValue
	// Object Group: TextString AttributeValue
}
