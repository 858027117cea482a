package xmlttlv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// inputForms: every value form of §5.1.6, with the binary it must give.
var inputForms = []struct {
	name, xml string
	want      []byte
}{
	{"integer", `<BatchCount type="Integer" value="10"/>`, ttlv.AppendInteger(nil, ttlv.TagBatchCount, 10)},
	{"integer-hex", `<BatchCount type="Integer" value="0xffffffff"/>`, ttlv.AppendInteger(nil, ttlv.TagBatchCount, -1)},
	{"mask-names", `<CryptographicUsageMask type="Integer" value="Encrypt Decrypt CertificateSign"/>`, ttlv.AppendInteger(nil, ttlv.TagCryptographicUsageMask, 0x100c)},
	{"mask-hex", `<CryptographicUsageMask type="Integer" value="0x0000100c"/>`, ttlv.AppendInteger(nil, ttlv.TagCryptographicUsageMask, 0x100c)},
	{"mask-mixed", `<CryptographicUsageMask type="Integer" value="CertificateSign 0x00000004 0x00000008"/>`, ttlv.AppendInteger(nil, ttlv.TagCryptographicUsageMask, 0x100c)},
	{"mask-bar", `<CryptographicUsageMask type="Integer" value="Encrypt|Decrypt"/>`, ttlv.AppendInteger(nil, ttlv.TagCryptographicUsageMask, 0xc)},
	{"long", `<x540001 type="LongInteger" value="-2"/>`, ttlv.AppendLongInteger(nil, 0x540001, -2)},
	{"long-big", `<UsageLimitsCount type="LongInteger" value="1152921504606846976"/>`, ttlv.AppendLongInteger(nil, ttlv.TagUsageLimitsCount, 1<<60)},
	{"bigint", `<TTLV tag="0x420052" type="BigInteger" value="0000000000000000"/>`, ttlv.AppendBigIntegerBytes(nil, ttlv.TagModulus, make([]byte, 8))},
	{"bigint-extend", `<Modulus type="BigInteger" value="ff01"/>`, ttlv.AppendBigIntegerBytes(nil, ttlv.TagModulus, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})},
	{"enum-hex", `<ObjectType type="Enumeration" value="0x00000002"/>`, ttlv.AppendEnumeration(nil, ttlv.TagObjectType, 2)},
	{"enum-name", `<ObjectType type="Enumeration" value="SymmetricKey"/>`, ttlv.AppendEnumeration(nil, ttlv.TagObjectType, 2)},
	{"bool", `<BatchOrderOption type="Boolean" value="true"/>`, ttlv.AppendBoolean(nil, ttlv.TagBatchOrderOption, true)},
	{"bool-0", `<BatchOrderOption type="Boolean" value="0"/>`, ttlv.AppendBoolean(nil, ttlv.TagBatchOrderOption, false)},
	{"text-entities", `<AttributeName type="TextString" value="a&amp;b &lt;&gt;&quot;&apos;&#65;&#x42;&#10;"/>`, ttlv.AppendTextString(nil, ttlv.TagAttributeName, "a&b <>\"'AB\n")},
	{"text-normalized", "<AttributeName type='TextString' value='a\tb\nc'/>", ttlv.AppendTextString(nil, ttlv.TagAttributeName, "a b c")},
	{"bytes", `<MACSignature type="ByteString" value="C50F77"/>`, ttlv.AppendByteString(nil, ttlv.TagMACSignature, []byte{0xc5, 0x0f, 0x77})},
	{"datetime", `<ArchiveDate type="DateTime" value="2001-01-01T10:00:00+10:00"/>`, ttlv.AppendDateTime(nil, ttlv.TagArchiveDate, 978307200)},
	{"datetime-hex", `<ArchiveDate type="DateTime" value="0x000000003a4fc880"/>`, ttlv.AppendDateTime(nil, ttlv.TagArchiveDate, 978307200)},
	{"interval", `<Offset type="Interval" value="27"/>`, ttlv.AppendInterval(nil, ttlv.TagOffset, 27)},
	// The KMIP 3.0 draft's text types, as its test cases write them.
	{"identifier", `<UniqueIdentifier type="Identifier" value="uid-&amp;1"/>`, ttlv.AppendString(nil, ttlv.TagUniqueIdentifier, ttlv.TypeIdentifier, "uid-&1")},
	{"reference", `<NextLink type="Reference" value="$UNIQUE_IDENTIFIER_1"/>`, ttlv.AppendString(nil, ttlv.TagNextLink, ttlv.TypeReference, "$UNIQUE_IDENTIFIER_1")},
	{"name-reference", `<GroupLink type="NameReference" value="SASED-M-2-30-group"/>`, ttlv.AppendString(nil, ttlv.TagGroupLink, ttlv.TypeNameReference, "SASED-M-2-30-group")},
	{"name-reference-empty", `<GroupLink type="NameReference" value=""/>`, ttlv.AppendString(nil, ttlv.TagGroupLink, ttlv.TypeNameReference, "")},
	{"dte", `<TTLV tag="0x540002" type="DateTimeExtended" value="2001-01-01T00:00:00.000001Z"/>`, ttlv.AppendDateTimeExtended(nil, 0x540002, 978307200000001)},
	{"namespace", `<?xml version="1.0"?><!-- c --><ActivationDate xmlns="urn:oasis:tc:kmip:xmlns" type="DateTime" value="1970-01-01T00:00:06+00:00"/>`, ttlv.AppendDateTime(nil, ttlv.TagActivationDate, 6)},
	{"structure", "<ProtocolVersion type=\"Structure\">\n <!-- x --><ProtocolVersionMajor type=\"Integer\" value=\"1\"></ProtocolVersionMajor>\n <ProtocolVersionMinor type=\"Integer\" value=\"0\"/></ProtocolVersion>",
		structure(ttlv.TagProtocolVersion, ttlv.AppendInteger(nil, ttlv.TagProtocolVersionMajor, 1), ttlv.AppendInteger(nil, ttlv.TagProtocolVersionMinor, 0))},
	{"empty-structure", `<RequestPayload/>`, structure(ttlv.TagRequestPayload)},
	{"attribute-1x", `<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt"/></Attribute>`,
		structure(ttlv.TagAttribute, ttlv.AppendTextString(nil, ttlv.TagAttributeName, "Cryptographic Usage Mask"), ttlv.AppendInteger(nil, ttlv.TagAttributeValue, 0xc))},
	{"attribute-1x-enum", `<Attribute><AttributeName type="TextString" value="Object Type"/><AttributeValue type="Enumeration" value="SymmetricKey"/></Attribute>`,
		structure(ttlv.TagAttribute, ttlv.AppendTextString(nil, ttlv.TagAttributeName, "Object Type"), ttlv.AppendEnumeration(nil, ttlv.TagAttributeValue, 2))},
}

func structure(tag ttlv.Tag, items ...[]byte) []byte {
	b, mark := ttlv.BeginStructure(nil, tag)
	for _, it := range items {
		b = append(b, it...)
	}
	ttlv.EndStructure(b, mark)
	return b
}

func TestInputForms(t *testing.T) {
	for _, tc := range inputForms {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendBinary(nil, []byte(tc.xml), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got  %s\nwant %s", hex.EncodeToString(got), hex.EncodeToString(tc.want))
			}
			// And back: the XML written converts to the same binary.
			x, err := AppendXML(nil, got, EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			again, err := AppendBinary(nil, x, DecodeOptions{})
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("round trip of %s: %v", x, err)
			}
		})
	}
}

func TestOutputForm(t *testing.T) {
	bin := structure(ttlv.TagAttribute,
		ttlv.AppendTextString(nil, ttlv.TagAttributeName, "Cryptographic Usage Mask"),
		ttlv.AppendInteger(nil, ttlv.TagAttributeValue, 0xc),
		structure(ttlv.TagRequestPayload),
		ttlv.AppendDateTime(nil, ttlv.TagArchiveDate, 978307200),
		ttlv.AppendTextString(nil, 0x540001, `<"&>`),
	)
	want := `<Attribute>
  <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
  <AttributeValue type="Integer" value="Encrypt Decrypt"/>
  <RequestPayload/>
  <ArchiveDate type="DateTime" value="2001-01-01T00:00:00+00:00"/>
  <TTLV tag="0x540001" type="TextString" value="&lt;&quot;&amp;&gt;"/>
</Attribute>`
	got, err := AppendXML(nil, bin, EncodeOptions{Indent: "  "})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, xml string
		sentinel  error
		msg       string
	}{
		{"unknown-tag", "<RequestMessage>\n  <Header/>\n</RequestMessage>", ErrUnknownTag,
			`xmlttlv: line 2 column 3 /RequestMessage: unknown tag: "Header", did you mean "RequestHeader"?`},
		{"mismatch", "<RequestMessage>\n</ResponseMessage>", ErrSyntax,
			`xmlttlv: line 2 column 1 /RequestMessage: invalid XML: end tag "</ResponseMessage>" does not match "<RequestMessage>" (want "</RequestMessage>")`},
		{"bad-int", `<BatchItem><BatchCount type="Integer" value="x"/></BatchItem>`, ErrValue,
			`xmlttlv: line 1 column 46 /BatchItem/BatchCount: invalid value: "x" (want a 32-bit decimal integer or "0x" and 8 hex digits)`},
		{"int-range", `<BatchCount type="Integer" value="2147483648"/>`, ErrValue, ""},
		{"bad-type", `<BatchCount type="Int" value="1"/>`, ErrType, ""},
		{"no-value", `<BatchCount type="Integer"/>`, ErrElement, ""},
		{"struct-value", `<BatchItem value="1"/>`, ErrElement, ""},
		{"unknown-attr", `<BatchCount type="Integer" value="1" foo="2"/>`, ErrElement, ""},
		{"repeat-attr", `<BatchCount type="Integer" value="1" value="2"/>`, ErrElement, ""},
		{"text", `<BatchItem>hello</BatchItem>`, ErrSyntax, ""},
		{"text-in-primitive", `<BatchCount type="Integer" value="1">1</BatchCount>`, ErrElement, ""},
		{"lt-in-attr", `<BatchCount type="Integer" value="<"/>`, ErrSyntax, ""},
		{"bad-entity", `<NameValue type="TextString" value="&foo;"/>`, ErrSyntax, ""},
		{"doctype", `<!DOCTYPE x><BatchItem/>`, ErrSyntax, ""},
		{"truncated", `<BatchItem><BatchCount type="Integer" value="1"/>`, ErrSyntax, ""},
		{"trailing", `<BatchItem/><BatchItem/>`, ErrSyntax, ""},
		{"empty", ``, ErrSyntax, ""},
		{"bytes-odd", `<MACSignature type="ByteString" value="abc"/>`, ErrValue, ""},
		{"enum-name", `<ObjectType type="Enumeration" value="Nope"/>`, ErrValue, ""},
		{"enum-short-hex", `<ObjectType type="Enumeration" value="0x2"/>`, ErrValue, ""},
		{"date", `<ArchiveDate type="DateTime" value="2001-13-01T00:00:00Z"/>`, ErrValue, ""},
		{"ttlv-no-tag", `<TTLV type="Integer" value="1"/>`, ErrElement, ""},
		{"ttlv-bad-tag", `<TTLV tag="0x4201" type="Integer" value="1"/>`, ErrUnknownTag, ""},
		{"depth", strings.Repeat("<BatchItem>", 65) + strings.Repeat("</BatchItem>", 65), ErrDepth, ""},
		{"comment", `<BatchItem><!-- a -- b --></BatchItem>`, ErrSyntax, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("keep")
			out, err := AppendBinary(dst, []byte(tc.xml), DecodeOptions{})
			if err == nil {
				t.Fatalf("no error, got %x", out)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("error %v, want %v", err, tc.sentinel)
			}
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 {
				t.Fatalf("not a located *Error: %#v", err)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Fatalf("message\n got %s\nwant %s", err, tc.msg)
			}
			if string(out) != "keep" {
				t.Fatalf("dst changed: %q", out)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	x := []byte(`<BatchItem><BatchCount type="Integer" value="1"/></BatchItem>`)
	if _, err := AppendBinary(nil, x, DecodeOptions{MaxSize: 10}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("MaxSize: %v", err)
	}
	if _, err := AppendBinary(nil, x, DecodeOptions{MaxDepth: 1}); err != nil {
		t.Fatalf("depth 1: %v", err)
	}
	y := []byte(`<BatchItem><RequestPayload/></BatchItem>`)
	if _, err := AppendBinary(nil, y, DecodeOptions{MaxDepth: 1}); !errors.Is(err, ErrDepth) {
		t.Fatalf("MaxDepth: %v", err)
	}
	if _, err := ReadBinary(nil, bytes.NewReader(x), DecodeOptions{MaxSize: 10}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadBinary MaxSize: %v", err)
	}
	got, err := ReadBinary(nil, io.MultiReader(bytes.NewReader(x[:5]), bytes.NewReader(x[5:])), DecodeOptions{})
	want, _ := AppendBinary(nil, x, DecodeOptions{})
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadBinary: %v", err)
	}
}

func TestDecoderDocument(t *testing.T) {
	for _, root := range []string{"KMIP", "KmipTestCase"} {
		testDecoderDocument(t, root)
	}
}

// testDecoderDocument reads a test-case document whose root element is
// root: <KMIP>, or <KmipTestCase> as the KMIP 1.0 profile test cases have it.
func testDecoderDocument(t *testing.T, root string) {
	doc := `<?xml version="1.0"?>
<KMIP>
<!-- header -->
# [[note]]
<RequestMessage><BatchItem><Operation type="Enumeration" value="Query"/></BatchItem></RequestMessage>
<ResponseMessage><ResponseHeader><TimeStamp type="DateTime" value="$NOW"/></ResponseHeader></ResponseMessage>
</KMIP>
`
	doc = strings.ReplaceAll(doc, "KMIP>", root+">")
	var seen []Placeholder
	d := NewDecoder([]byte(doc), DecodeOptions{Placeholder: func(p Placeholder) ([]byte, error) {
		p.Value = bytes.Clone(p.Value)
		seen = append(seen, p)
		return []byte("2001-01-01T00:00:00Z"), nil
	}})
	var n int
	for {
		_, err := d.Next(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s, e := d.Span()
		if doc[s] != '<' || doc[e-1] != '>' {
			t.Fatalf("span %d:%d", s, e)
		}
		n++
	}
	if n != 2 || len(seen) != 1 || seen[0].Item != 2 || seen[0].Tag != ttlv.TagTimeStamp || string(seen[0].Value) != "$NOW" {
		t.Fatalf("%d messages, placeholders %+v", n, seen)
	}
	// The upstream faults: a duplicated end tag, text before the root.
	for _, bad := range []struct{ doc, msg string }{
		{"<KMIP><BatchItem/></KMIP>\n</KMIP>", `xmlttlv: line 2 column 1: invalid XML: end tag "</KMIP>" with no open element (want end of input after </KMIP>)`},
		{"# note\n<BatchItem/>", `xmlttlv: line 1 column 1: invalid XML: text "# note" outside the root element (want an item element)`},
		{"<KMIP><BatchItem/>", `xmlttlv: line 1 column ` + fmt.Sprint(19+len(root)-4) + `: invalid XML: unexpected end of input (want "</KMIP>")`},
		{"<KMIP><BatchItem/></OTHER>", `xmlttlv: line 1 column ` + fmt.Sprint(19+len(root)-4) + `: invalid XML: end tag "</OTHER>" does not match "<KMIP>" (want "</KMIP>")`},
	} {
		bad.doc = strings.ReplaceAll(bad.doc, "KMIP>", root+">")
		bad.msg = strings.ReplaceAll(bad.msg, "KMIP>", root+">")
		other := map[string]string{"KMIP": "KmipTestCase", "KmipTestCase": "KMIP"}[root]
		bad.doc = strings.ReplaceAll(bad.doc, "OTHER", other)
		bad.msg = strings.ReplaceAll(bad.msg, "OTHER", other)
		d := NewDecoder([]byte(bad.doc), DecodeOptions{})
		var err error
		for err == nil {
			_, err = d.Next(nil)
		}
		if err.Error() != bad.msg {
			t.Errorf("got  %v\nwant %s", err, bad.msg)
		}
		if _, again := d.Next(nil); again != err {
			t.Errorf("error not sticky: %v", again)
		}
	}
}

// TestTextOutput: what XML 1.0 cannot carry in an attribute — control
// characters, invalid UTF-8 (read with ttlv.LaxUTF8) — becomes U+FFFD;
// tab, line feed and carriage return become references and survive.
func TestTextOutput(t *testing.T) {
	bin := ttlv.AppendTextString(nil, ttlv.TagNameValue, "a\tb\nc\rd\x01e\xffz")
	x, err := AppendXML(nil, bin, EncodeOptions{Decode: ttlv.DecodeOptions{Lax: ttlv.LaxUTF8}})
	if err != nil {
		t.Fatal(err)
	}
	want := `<NameValue type="TextString" value="a&#9;b&#10;c&#13;d` + "\uFFFD" + `e` + "\uFFFD" + `z"/>`
	if string(x) != want {
		t.Fatalf("got  %s\nwant %s", x, want)
	}
	back, err := AppendBinary(nil, x, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := ttlv.AppendTextString(nil, ttlv.TagNameValue, "a\tb\nc\rd\uFFFDe\uFFFDz"); !bytes.Equal(back, want) {
		t.Fatalf("back %x", back)
	}
	if _, err := AppendXML(nil, bin, EncodeOptions{}); err == nil {
		t.Fatal("invalid UTF-8 accepted without LaxUTF8")
	}
}
