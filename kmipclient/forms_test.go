package kmipclient

import (
	"errors"
	"slices"
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// TestRequestForm: the 2.x fields of a request in their KMIP 1.x form,
// the caller's request left as it was.
func TestRequestForm(t *testing.T) {
	vendorRef := kmip.NewRaw(func(b []byte) []byte {
		b, m := ttlv.BeginStructure(b, ttlv.TagAttributeReference)
		b = ttlv.AppendTextString(b, ttlv.TagVendorIdentification, "x")
		b = ttlv.AppendTextString(b, ttlv.TagAttributeName, "owner")
		ttlv.EndStructure(b, m)
		return b
	})
	ga := &kmip.GetAttributesRequestPayload{UniqueIdentifier: kmip.Some("k"),
		AttributeReference: append(AttributeReferences(ttlv.TagCryptographicLength), vendorRef)}
	got, err := requestForm(ga, ga.Operation(), V1_4)
	if err != nil {
		t.Fatal(err)
	}
	if p := got.(*kmip.GetAttributesRequestPayload); !slices.Equal(p.AttributeName, []string{"Cryptographic Length", "x-owner"}) || p.AttributeReference != nil {
		t.Errorf("Get Attributes in 1.4: names %q, references %d", p.AttributeName, len(p.AttributeReference))
	}
	if len(ga.AttributeReference) != 2 || ga.AttributeName != nil {
		t.Errorf("the caller's request changed: %+v", ga)
	}
	if same, _ := requestForm(ga, ga.Operation(), V2_1); same != kmip.RequestPayload(ga) {
		t.Error("Get Attributes in 2.1: converted")
	}

	del := &kmip.DeleteAttributeRequestPayload{AttributeReference: AttributeReferences(ttlv.TagContactInformation)[0]}
	got, err = requestForm(del, del.Operation(), V1_4)
	if err != nil {
		t.Fatal(err)
	}
	if p := got.(*kmip.DeleteAttributeRequestPayload); p.AttributeName != "Contact Information" || p.AttributeReference != nil {
		t.Errorf("Delete Attribute in 1.4: %+v", p)
	}

	mod := &kmip.ModifyAttributeRequestPayload{NewAttribute: &kmip.Attributes{Name: []kmip.Name{Name("a"), Name("b")}}}
	if _, err := requestForm(mod, mod.Operation(), V1_4); err == nil {
		t.Error("Modify Attribute of two values in 1.4: no error")
	}
	if _, err := requestForm(&kmip.SetAttributeRequestPayload{}, kmip.OperationSetAttribute, V1_4); !errors.Is(err, ErrVersion) {
		t.Errorf("Set Attribute in 1.4: %v, want ErrVersion", err)
	}
	if _, err := requestForm(&kmip.RNGRetrieveRequestPayload{DataLength: 8}, kmip.OperationRNGRetrieve, V1_1); !errors.Is(err, ErrVersion) {
		t.Errorf("RNG Retrieve in 1.1: %v, want ErrVersion", err)
	}
	for _, v := range []Version{V1_0, V2_1} {
		got, err = requestForm(&kmip.RegisterRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey}, kmip.OperationRegister, v)
		if err != nil || got.(*kmip.RegisterRequestPayload).Attributes == nil {
			t.Errorf("Register without attributes in %v: %+v, %v; want an empty set", v, got, err)
		}
	}
}

// TestResponseForm: a 1.x answer's names and attributes in the 2.x fields.
func TestResponseForm(t *testing.T) {
	list := &kmip.GetAttributeListResponsePayload{AttributeName: []string{"Name", "x-owner", "State"}}
	if err := responseForm(list); err != nil {
		t.Fatal(err)
	}
	var tags []ttlv.Tag
	for _, r := range list.AttributeReference {
		tag, _ := ReferenceTag(r)
		tags = append(tags, tag)
	}
	if !slices.Equal(tags, []ttlv.Tag{ttlv.TagName, ttlv.TagState}) || !slices.Equal(list.AttributeName, []string{"x-owner"}) {
		t.Errorf("Get Attribute List: references %v, names %q", tags, list.AttributeName)
	}
	var r Result[int]
	if err := r.DecodePayload(nil, V2_1); err == nil {
		t.Error("Result[int]: no error")
	}
}

// laxResponse is a one-item ResponseMessage, the item failed with a
// Result Message of msg, its padding bytes set to pad.
func laxResponse(msg string, pad byte) []byte {
	b, m := ttlv.BeginStructure(nil, ttlv.TagResponseMessage)
	b, h := ttlv.BeginStructure(b, ttlv.TagResponseHeader)
	b, pv := ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, 2)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, 1)
	ttlv.EndStructure(b, pv)
	b = ttlv.AppendDateTime(b, ttlv.TagTimeStamp, 1)
	b = ttlv.AppendInteger(b, ttlv.TagBatchCount, 1)
	ttlv.EndStructure(b, h)
	b, it := ttlv.BeginStructure(b, ttlv.TagBatchItem)
	b = ttlv.AppendEnumeration(b, ttlv.TagOperation, uint32(kmip.OperationEncrypt))
	b = ttlv.AppendEnumeration(b, ttlv.TagResultStatus, uint32(kmip.ResultStatusOperationFailed))
	b = ttlv.AppendEnumeration(b, ttlv.TagResultReason, uint32(kmip.ResultReasonItemNotFound))
	at := len(b)
	b = ttlv.AppendTextString(b, ttlv.TagResultMessage, msg)
	for i := at + ttlv.HeaderSize + len(msg); i < len(b); i++ {
		b[i] = pad
	}
	ttlv.EndStructure(b, it)
	ttlv.EndStructure(b, m)
	return b
}

// TestParseResponseLax: the Result Message of a response with non-zero
// padding or invalid UTF-8 is refused strictly and read under the Lax
// option that relaxes that check.
func TestParseResponseLax(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  []byte
		lax  ttlv.Lax
	}{
		{"padding", laxResponse("no", 'x'), ttlv.LaxPadding},
		{"utf8", laxResponse("n\xffo", 0), ttlv.LaxUTF8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			results := make([]itemResult, 1)
			if _, err := parseResponse(tc.msg, ttlv.DecodeOptions{}, results); !errors.Is(err, ErrProtocol) {
				t.Fatalf("strict: %v, want a protocol error", err)
			}
			v, err := parseResponse(tc.msg, ttlv.DecodeOptions{Lax: tc.lax}, results)
			if err != nil || v != V2_1 {
				t.Fatalf("lax: version %v, %v", v, err)
			}
			r := &results[0]
			if !r.seen || r.status != kmip.ResultStatusOperationFailed || r.reason != kmip.ResultReasonItemNotFound || len(r.message) == 0 {
				t.Fatalf("lax: result %+v", r)
			}
		})
	}
}
