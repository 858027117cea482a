package jsonttlv

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// The three real Cosmian KMS messages of shared/conformance/cosmian-json
// (Cosmian's spellings: "Operation_Not_Supported", "SHA256") convert to
// valid binary, and back to JSON of the same shape in both dialects, which
// convert to the same bytes again.
func TestCosmianMessages(t *testing.T) {
	dir := filepath.Join(sharedDir(), "conformance", "cosmian-json")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 3 {
		t.Skipf("Cosmian messages not found in %s; set KMIPWIRE_SHARED", dir)
	}
	enumHex := regexp.MustCompile(`^0x[0-9A-F]{8}$`)
	for _, f := range files {
		js, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bin, err := AppendBinary(nil, js, DecodeOptions{})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if err := ttlv.Validate(bin, ttlv.DecodeOptions{}); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		for _, d := range []Dialect{DialectSpec, DialectCosmian} {
			out, err := AppendJSON(nil, bin, EncodeOptions{Dialect: d, Indent: "  "})
			if err != nil {
				t.Fatal(err)
			}
			if err := sameShape(js, out); err != nil {
				t.Errorf("%s dialect %d: %v", filepath.Base(f), d, err)
			}
			back, err := AppendBinary(nil, out, DecodeOptions{})
			if err != nil || !bytes.Equal(back, bin) {
				t.Errorf("%s dialect %d: round trip: %v", filepath.Base(f), d, err)
			}
			if d == DialectCosmian {
				checkCosmianForm(t, out, enumHex)
			}
		}
	}
}

// checkCosmianForm checks the Cosmian dialect's conventions: keys tag,
// type, value in that order, no "name", Enumerations as "0x%08X",
// Integers as numbers.
func checkCosmianForm(t *testing.T, js []byte, enumHex *regexp.Regexp) {
	t.Helper()
	var node func(v any)
	node = func(v any) {
		o := v.(map[string]any)
		if _, ok := o["name"]; ok {
			t.Errorf("Cosmian dialect wrote a name: %v", o)
		}
		switch o["type"] {
		case "Enumeration":
			if s, _ := o["value"].(string); !enumHex.MatchString(s) {
				t.Errorf("Cosmian enumeration %v", o["value"])
			}
		case "Integer":
			if _, ok := o["value"].(float64); !ok {
				t.Errorf("Cosmian integer %v", o["value"])
			}
		case "Structure":
			for _, c := range o["value"].([]any) {
				node(c)
			}
		case nil:
			t.Errorf("Cosmian dialect left out a type: %v", o)
		}
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	node(v)
	// Key order, textually: every object starts with "tag", then "type",
	// then "value".
	order := regexp.MustCompile(`\{\s*"tag": "[^"]*",\s*"type": "[^"]*",\s*"value": `)
	if got, want := len(order.FindAll(js, -1)), bytes.Count(js, []byte("{")); got != want {
		t.Errorf("Cosmian key order: %d of %d objects in order tag, type, value", got, want)
	}
}

// TestDialectForms pins the value forms of each dialect.
func TestDialectForms(t *testing.T) {
	var b []byte
	b, m := ttlv.BeginStructure(b, ttlv.TagRequestPayload)
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, 2)
	b = ttlv.AppendInteger(b, ttlv.TagCryptographicUsageMask, 12)
	b = ttlv.AppendLongInteger(b, ttlv.TagUsageLimitsCount, 1<<60)
	b = ttlv.AppendLongInteger(b, ttlv.TagUsageLimitsCount, 5)
	b = ttlv.AppendByteString(b, ttlv.TagMACSignature, []byte{0xC5, 0x0F, 0x77})
	b = ttlv.AppendDateTime(b, ttlv.TagArchiveDate, 978343200)
	b = ttlv.AppendDateTimeExtended(b, ttlv.TagArchiveDate, 978343200_000001)
	b = ttlv.AppendBigIntegerBytes(b, ttlv.TagModulus, []byte{1})
	b = ttlv.AppendTextString(b, ttlv.TagX_509CertificateIdentifier, "a\"\\\n\x01é")
	ttlv.EndStructure(b, m)
	tests := []struct {
		opts EncodeOptions
		want string
	}{
		{EncodeOptions{}, `{"tag":"RequestPayload","type":"Structure","value":[` +
			`{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},` +
			`{"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|Decrypt"},` +
			`{"tag":"UsageLimitsCount","type":"LongInteger","value":"0x1000000000000000"},` +
			`{"tag":"UsageLimitsCount","type":"LongInteger","value":5},` +
			`{"tag":"MACSignature","type":"ByteString","value":"c50f77"},` +
			`{"tag":"ArchiveDate","type":"DateTime","value":"2001-01-01T10:00:00Z"},` +
			`{"tag":"ArchiveDate","type":"DateTimeExtended","value":"2001-01-01T10:00:00.000001Z"},` +
			`{"tag":"Modulus","type":"BigInteger","value":"0x0000000000000001"},` +
			`{"tag":"X_509CertificateIdentifier","type":"TextString","value":"a\"\\\n\u0001é"}]}`},
		{EncodeOptions{Dialect: DialectCosmian}, `{"tag":"RequestPayload","type":"Structure","value":[` +
			`{"tag":"ObjectType","type":"Enumeration","value":"0x00000002"},` +
			`{"tag":"CryptographicUsageMask","type":"Integer","value":12},` +
			`{"tag":"UsageLimitsCount","type":"LongInteger","value":"0x1000000000000000"},` +
			`{"tag":"UsageLimitsCount","type":"LongInteger","value":"0x0000000000000005"},` +
			`{"tag":"MACSignature","type":"ByteString","value":"C50F77"},` +
			`{"tag":"ArchiveDate","type":"DateTime","value":"2001-01-01T10:00:00Z"},` +
			`{"tag":"ArchiveDate","type":"DateTimeExtended","value":"0x000379CC46E78801"},` +
			`{"tag":"Modulus","type":"BigInteger","value":"0x0000000000000001"},` +
			`{"tag":"X509CertificateIdentifier","type":"TextString","value":"a\"\\\n\u0001é"}]}`},
		{EncodeOptions{Numbers: true, OmitStructureType: true}, `{"tag":"RequestPayload","value":[` +
			`{"tag":"ObjectType","type":"Enumeration","value":2},` +
			`{"tag":"CryptographicUsageMask","type":"Integer","value":12},`},
		{EncodeOptions{Numbers: true, Dialect: DialectCosmian}, `{"tag":"RequestPayload","type":"Structure","value":[` +
			`{"tag":"ObjectType","type":"Enumeration","value":2},` +
			`{"tag":"CryptographicUsageMask","type":"Integer","value":12},`},
		{EncodeOptions{Numbers: true, Indent: " "}, "{\n \"tag\": \"RequestPayload\",\n \"type\": \"Structure\",\n \"value\": [\n  {\n   \"tag\": \"ObjectType\",\n   \"type\": \"Enumeration\",\n   \"value\": 2\n  },"},
		{EncodeOptions{HexTags: true, Names: true, OmitStructureType: true}, `{"tag":"0x420079","name":"RequestPayload","value":[` +
			`{"tag":"0x420057","name":"ObjectType","type":"Enumeration","value":"SymmetricKey"},`},
	}
	for _, tc := range tests {
		got, err := AppendJSON(nil, b, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(got, []byte(tc.want)) {
			t.Errorf("%+v:\n got %s\nwant %s", tc.opts, got, tc.want)
		}
		back, err := AppendBinary(nil, got, DecodeOptions{})
		if err != nil || !bytes.Equal(back, b) {
			t.Errorf("%+v: round trip: %v", tc.opts, err)
		}
	}
}

// TestRegistry: extension tags and values named by a ttlv.Registry are
// written and read by name, and by hex without it.
func TestRegistry(t *testing.T) {
	reg := ttlv.NewRegistry()
	if err := reg.DefineTag(0x540001, "VendorMode"); err != nil {
		t.Fatal(err)
	}
	if err := reg.DefineEnum(0x540001, 7, "Turbo"); err != nil {
		t.Fatal(err)
	}
	bin := ttlv.AppendEnumeration(nil, 0x540001, 7)
	js, err := AppendJSON(nil, bin, EncodeOptions{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"tag":"VendorMode","type":"Enumeration","value":"Turbo"}`; string(js) != want {
		t.Errorf("got %s, want %s", js, want)
	}
	back, err := AppendBinary(nil, js, DecodeOptions{Registry: reg})
	if err != nil || !bytes.Equal(back, bin) {
		t.Errorf("with registry: %v", err)
	}
	if _, err := AppendBinary(nil, js, DecodeOptions{}); err == nil {
		t.Errorf("extension name accepted without the registry")
	}
	js, _ = AppendJSON(nil, bin, EncodeOptions{})
	if want := `{"tag":"0x540001","type":"Enumeration","value":"0x00000007"}`; string(js) != want {
		t.Errorf("got %s, want %s", js, want)
	}
}
