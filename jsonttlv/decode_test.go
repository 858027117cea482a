package jsonttlv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Input forms: each JSON converts to the hex given (§4.1 and the tolerated
// peer forms of shared/INTEROP.md).
var inputForms = []struct {
	name    string
	json    string
	hex     string
	lenient bool
}{
	{"value before type", `{"value":10,"type":"Integer","tag":"BatchCount"}`, "42000d02000000040000000a00000000", false},
	{"value before tag", `{"type":"Integer","value":"0x0000000A","tag":"0x42000d"}`, "42000d02000000040000000a00000000", false},
	{"type omitted", `{"tag":"Attributes","value":[]}`, "4200970100000000"[:0] + "4201250100000000", false},
	{"null Structure", `{"tag":"Attributes","type":"Structure","value":null}`, "4201250100000000", false},
	{"no value Structure", `{"tag":"Attributes"}`, "4201250100000000", false},
	{"Structure tag after value", `{"value":[{"tag":"BatchCount","type":"Integer","value":1}],"tag":"RequestHeader"}`,
		"4200770100000010" + "42000d02000000040000000100000000", false},
	{"Structure type after value", `{"tag":"RequestHeader","value":[],"type":"Structure"}`, "4200770100000000", false},
	{"name ignored", `{"tag":"0x54FFFF","name":"SomeExtension","type":"Integer","value":"0x00000001"}`, "54ffff02000000040000000100000000", false},
	{"whitespace", " \t\r\n{ \"tag\" : \"BatchCount\" , \"type\" : \"Integer\" , \"value\" : 1 } \n", "42000d02000000040000000100000000", false},
	{"escaped key and text", `{"t\u0061g":"AttributeName","type":"TextString","value":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"}`,
		"42000a070000000e" + hex.EncodeToString([]byte("é😀\"\\/\b\f\n\r\t")) + "0000", false},
	{"lone surrogate", `{"tag":"AttributeName","type":"TextString","value":"\ud800"}`, "42000a0700000003efbfbd0000000000", false},
	{"Integer -1", `{"tag":"BatchCount","type":"Integer","value":-1}`, "42000d0200000004ffffffff00000000", false},
	{"Integer hex -1", `{"tag":"BatchCount","type":"Integer","value":"0xffffffff"}`, "42000d0200000004ffffffff00000000", false},
	{"Integer unsigned mask", `{"tag":"CryptographicUsageMask","type":"Integer","value":4294967295}`, "42002c0200000004ffffffff00000000", false},
	{"mask spaces", `{"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt | Decrypt"}`, "42002c02000000040000000c00000000", false},
	{"LongInteger min", `{"tag":"UsageLimitsCount","type":"LongInteger","value":-9223372036854775808}`, "42009603000000088000000000000000", false},
	{"BigInteger number -1", `{"tag":"Modulus","type":"BigInteger","value":-1}`, "4200520400000008ffffffffffffffff", false},
	{"BigInteger 16 bytes", `{"tag":"Modulus","type":"BigInteger","value":"0x00000000000000000000000000000001"}`, "42005204000000100000000000000000" + "0000000000000001", false},
	{"BigInteger short (lenient)", `{"tag":"Modulus","type":"BigInteger","value":"0xFF01"}`, "4200520400000008ffffffffffffff01", true},
	{"BigInteger escaped (lenient)", `{"tag":"Modulus","type":"BigInteger","value":"0x\u0046F01"}`, "4200520400000008ffffffffffffff01", true},
	{"Enumeration number", `{"tag":"ObjectType","type":"Enumeration","value":2}`, "42005705000000040000000200000000", false},
	{"Enumeration Cosmian alias", `{"tag":"ResultReason","type":"Enumeration","value":"Item_Not_Found"}`, "42007e05000000040000000100000000", false},
	{"Enumeration Cosmian hex", `{"tag":"ObjectType","type":"Enumeration","value":"0x00000002"}`, "42005705000000040000000200000000", false},
	{"Cosmian tag spelling", `{"tag":"X509CertificateIdentifier","value":[]}`, "4200b50100000000", false},
	{"Boolean false hex", `{"tag":"BatchOrderOption","type":"Boolean","value":"0x0000000000000000"}`, "42001006000000080000000000000000", false},
	{"ByteString empty", `{"tag":"MACSignature","type":"ByteString","value":""}`, "42004d0800000000", false},
	{"ByteString mixed case", `{"tag":"MACSignature","type":"ByteString","value":"aBcD"}`, "42004d0800000002abcd000000000000", false},
	{"DateTime Z", `{"tag":"ArchiveDate","type":"DateTime","value":"2001-01-01T10:00:00Z"}`, "42000509000000080000000" + "03a505520", false},
	{"DateTime no zone", `{"tag":"ArchiveDate","type":"DateTime","value":"2001-01-01T10:00:00"}`, "42000509000000080000000" + "03a505520", false},
	{"DateTime negative offset", `{"tag":"ArchiveDate","type":"DateTime","value":"2001-01-01T05:30:00-04:30"}`, "42000509000000080000000" + "03a505520", false},
	{"DateTime fraction truncated", `{"tag":"ArchiveDate","type":"DateTime","value":"2001-01-01T10:00:00.999Z"}`, "42000509000000080000000" + "03a505520", false},
	{"DateTime 1969", `{"tag":"ArchiveDate","type":"DateTime","value":"1969-12-31T23:59:59Z"}`, "4200050900000008ffffffffffffffff", false},
	{"DateTime year 0", `{"tag":"ArchiveDate","type":"DateTime","value":"0000-01-01T00:00:00Z"}`, "4200050900000008fffffff1868b8400", false},
	{"DateTime leap day", `{"tag":"ArchiveDate","type":"DateTime","value":"2024-02-29T00:00:00Z"}`, "420005090000000800000000" + "65dfc900", false},
	{"DateTime number (lenient)", `{"tag":"ArchiveDate","type":"DateTime","value":978343200}`, "42000509000000080000000" + "03a505520", true},
	{"DateTimeExtended ISO", `{"tag":"ArchiveDate","type":"DateTimeExtended","value":"2001-01-01T10:00:00.000001Z"}`, "42000508"[:6] + "0b00000008000379cc46e78801", false},
	{"DateTimeExtended number", `{"tag":"ArchiveDate","type":"DateTimeExtended","value":1}`, "4200050b000000080000000000000001", false},
	{"Interval", `{"tag":"LeaseTime","type":"Interval","value":4294967295}`, "4200490a00000004ffffffff00000000", false},
	// The KMIP 3.0 draft's text types: JSON strings, padded like Text Strings.
	{"Identifier", `{"tag":"UniqueIdentifier","type":"Identifier","value":"uid-1"}`, "4200940c00000005" + "7569642d31000000", false},
	{"Identifier escaped", `{"tag":"UniqueIdentifier","type":"Identifier","value":"\u00e9"}`, "4200940c00000002" + "c3a9000000000000", false},
	{"Reference", `{"tag":"NextLink","type":"Reference","value":"12345678"}`, "4201940d00000008" + "3132333435363738", false},
	{"NameReference", `{"type":"NameReference","tag":"GroupLink","value":"g"}`, "4201b30e00000001" + "6700000000000000", false},
	{"hex short (lenient)", `{"tag":"0x42d","type":"Integer","value":"0x1"}`, "00042d02000000040000000100000000", true},
	{"trailing commas (lenient)", `{"tag":"RequestHeader","value":[{"tag":"BatchCount","type":"Integer","value":1,},],}`,
		"4200770100000010" + "42000d02000000040000000100000000", true},
	{"tag case (lenient)", `{"tag":"QLength","type":"Integer","value":1}`, "42007302000000040000000100000000", true},
	// KMIP 1.x: the AttributeValue's names follow its AttributeName.
	{"1.x attribute enum", `{"tag":"Attribute","value":[{"tag":"AttributeName","type":"TextString","value":"Cryptographic Algorithm"},{"tag":"AttributeValue","type":"Enumeration","value":"AES"}]}`,
		"4200080100000030" + "42000a070000001743727970746f6772617068696320416c676f726974686d00" + "42000b05000000040000000300000000", false},
	{"1.x attribute mask", `{"tag":"Attribute","value":[{"tag":"AttributeName","type":"TextString","value":"Cryptographic Usage Mask"},{"tag":"AttributeValue","type":"Integer","value":"Encrypt|Decrypt"}]}`,
		"4200080100000030" + "42000a070000001843727970746f67726170686963205573616765204d61736b" + "42000b02000000040000000c00000000", false},
}

func TestInputForms(t *testing.T) {
	for _, tc := range inputForms {
		got, err := AppendBinary(nil, []byte(tc.json), DecodeOptions{Lenient: tc.lenient})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if h := hex.EncodeToString(got); h != tc.hex {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, h, tc.hex)
		}
		if tc.lenient {
			if _, err := AppendBinary(nil, []byte(tc.json), DecodeOptions{}); err == nil {
				t.Errorf("%s: accepted without Lenient", tc.name)
			}
		}
		// Whatever the input form, the output converts back to the same bytes.
		roundTrip(t, tc.name, got)
	}
}

// Rejected inputs: the sentinel, and the error text's position and path.
var rejected = []struct {
	name, json string
	sentinel   error
	want       string // a substring of the message
}{
	{"empty", ``, ErrSyntax, "line 1 column 1: invalid JSON: unexpected end of input (want an item object)"},
	{"not an object", `[]`, ErrSyntax, "unexpected '['"},
	{"trailing data", `{"tag":"Attributes"} x`, ErrSyntax, "line 1 column 22: invalid JSON: unexpected 'x' (want end of input after the top-level object)"},
	{"trailing comma", `{"tag":"Attributes",}`, ErrSyntax, "column 21"},
	{"trailing comma array", `{"tag":"RequestHeader","value":[{"tag":"BatchCount","type":"Integer","value":1},]}`, ErrSyntax, "/RequestHeader: invalid JSON: unexpected ']' (want an item object)"},
	{"missing tag", `{"type":"Integer","value":1}`, ErrObject, `missing "tag"`},
	{"missing value", `{"tag":"BatchCount","type":"Integer"}`, ErrObject, `/BatchCount: invalid item object: missing "value"`},
	{"duplicate tag", `{"tag":"BatchCount","tag":"BatchCount"}`, ErrObject, `duplicate "tag"`},
	{"unknown property", `{"tag":"BatchCount","vaule":1}`, ErrObject, `property "vaule" (want tag, type, value or name)`},
	{"bad type", `{"tag":"BatchCount","type":"Int","value":1}`, ErrType, `invalid type: "Int"`},
	{"array for Integer", `{"tag":"BatchCount","type":"Integer","value":[]}`, ErrValue, "an array is only for a Structure"},
	{"type after array", `{"tag":"BatchCount","value":[],"type":"Integer"}`, ErrType, "want Structure, as the value is an array"},
	{"Integer overflow", `{"tag":"BatchCount","type":"Integer","value":4294967296}`, ErrValue, `/BatchCount: invalid value: "4294967296"`},
	{"Integer fraction", `{"tag":"BatchCount","type":"Integer","value":1.5}`, ErrValue, `"1.5"`},
	{"Integer short hex", `{"tag":"BatchCount","type":"Integer","value":"0x1"}`, ErrValue, `"0x1"`},
	{"unknown enum", `{"tag":"ObjectType","type":"Enumeration","value":"SymetricKey"}`, ErrValue, `unknown enumeration name "SymetricKey"`},
	{"bad mask", `{"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|"}`, ErrValue, "mask bit names"},
	{"Boolean 2", `{"tag":"BatchOrderOption","type":"Boolean","value":"0x0000000000000002"}`, ErrValue, "want true, false"},
	{"odd hex", `{"tag":"MACSignature","type":"ByteString","value":"abc"}`, ErrValue, "even number of hex digits"},
	{"bad hex", `{"tag":"MACSignature","type":"ByteString","value":"zz"}`, ErrValue, "even number of hex digits"},
	{"bad date", `{"tag":"ArchiveDate","type":"DateTime","value":"2001-02-29T00:00:00Z"}`, ErrValue, "ISO 8601"},
	{"date number strict", `{"tag":"ArchiveDate","type":"DateTime","value":1}`, ErrValue, "ISO 8601"},
	{"BigInteger odd bytes", `{"tag":"Modulus","type":"BigInteger","value":"0x0001"}`, ErrValue, "multiple of 16 hex digits"},
	{"null Integer", `{"tag":"BatchCount","type":"Integer","value":null}`, ErrValue, "null is only for a Structure"},
	{"object value", `{"tag":"BatchCount","type":"Integer","value":{}}`, ErrValue, "an object as value"},
	{"control char", "{\"tag\":\"AttributeName\",\"type\":\"TextString\",\"value\":\"a\x01\"}", ErrSyntax, "no control characters"},
	{"bad escape", `{"tag":"AttributeName","type":"TextString","value":"\x"}`, ErrSyntax, "a valid escape"},
	{"bad UTF-8", "{\"tag\":\"AttributeName\",\"type\":\"TextString\",\"value\":\"\xff\"}", ErrSyntax, "invalid UTF-8"},
	{"type with a newline", "{\"tag\":\"ArchiveDate\",\"type\":\"DateTim\nExtended\",\"value\":1}", ErrSyntax, "no control characters"},
	{"type misspelled inside", `{"tag":"ArchiveDate","type":"DateTimxExtended","value":1}`, ErrType, `"DateTimxExtended"`},
	{"Identifier number", `{"tag":"UniqueIdentifier","type":"Identifier","value":1}`, ErrValue, "a JSON string"},
	{"leading zero", `{"tag":"BatchCount","type":"Integer","value":01}`, ErrSyntax, "unexpected '1'"},
	{"line and column", "{\"tag\":\"RequestHeader\",\n \"value\":[\n  {\"tag\":\"BatchCount\",\"type\":\"Integer\",\"value\":true}]}", ErrValue,
		"line 3 column 48 /RequestHeader/BatchCount: invalid value: \"true\""},
}

func TestRejected(t *testing.T) {
	for _, tc := range rejected {
		out, err := AppendBinary([]byte("keep"), []byte(tc.json), DecodeOptions{})
		if !errors.Is(err, tc.sentinel) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.sentinel)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 {
			t.Errorf("%s: not a positioned *Error: %#v", tc.name, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant …%s", tc.name, err, tc.want)
		}
		if string(out) != "keep" {
			t.Errorf("%s: dst changed on error: %q", tc.name, out)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat(`{"tag":"Attributes","value":[`, 10) + strings.Repeat(`]}`, 10)
	if _, err := AppendBinary(nil, []byte(deep), DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := AppendBinary(nil, []byte(deep), DecodeOptions{MaxDepth: 5}); !errors.Is(err, ErrDepth) {
		t.Errorf("depth: %v", err)
	}
	// MaxDepth counts Structures as ttlv does: the top level is depth 1.
	for _, tc := range []struct {
		json string
		ok   bool
	}{
		{strings.Repeat(`{"tag":"Attributes","value":[`, 4) + `{"tag":"Attributes"}` + strings.Repeat(`]}`, 4), true},
		{strings.Repeat(`{"tag":"Attributes","value":[`, 5) + `{"tag":"Attributes"}` + strings.Repeat(`]}`, 5), false},
		{strings.Repeat(`{"tag":"Attributes","value":[`, 5) + `{"tag":"BatchCount","type":"Integer","value":1}` + strings.Repeat(`]}`, 5), true},
		{strings.Repeat(`{"tag":"Attributes","value":[`, 5) + `{"tag":"Attributes","value":[]}` + strings.Repeat(`]}`, 5), false},
	} {
		bin, err := AppendBinary(nil, []byte(tc.json), DecodeOptions{MaxDepth: 5})
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrDepth)) {
			t.Errorf("%s: %v", tc.json, err)
		}
		if err == nil {
			if err := ttlv.Validate(bin, ttlv.DecodeOptions{MaxDepth: 5}); err != nil {
				t.Errorf("%s: %v", tc.json, err)
			}
		}
	}
	huge := strings.Repeat(`{"tag":"Attributes","value":[`, 1000) + strings.Repeat(`]}`, 1000)
	if _, err := AppendBinary(nil, []byte(huge), DecodeOptions{}); !errors.Is(err, ErrDepth) {
		t.Errorf("default depth: %v", err)
	}
	if _, err := AppendBinary(nil, []byte(deep), DecodeOptions{MaxSize: 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("size: %v", err)
	}
	if _, err := ReadBinary(nil, strings.NewReader(deep), DecodeOptions{MaxSize: 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("reader size: %v", err)
	}
}

// TestReaders: ReadBinary over short reads equals AppendBinary; WriteJSON
// equals AppendJSON.
func TestReaders(t *testing.T) {
	for _, m := range corpusMessages(t) {
		js, err := AppendJSON(nil, m.bin, EncodeOptions{Indent: " "})
		if err != nil {
			t.Fatal(err)
		}
		var w bytes.Buffer
		if err := WriteJSON(&w, m.bin, EncodeOptions{Indent: " "}); err != nil || !bytes.Equal(w.Bytes(), js) {
			t.Errorf("%s: WriteJSON differs: %v", m.name, err)
		}
		got, err := ReadBinary(nil, iotest.OneByteReader(bytes.NewReader(js)), DecodeOptions{})
		if err != nil || !bytes.Equal(got, m.bin) {
			t.Errorf("%s: ReadBinary: %v", m.name, err)
		}
		if _, err := ReadBinary(nil, iotest.ErrReader(errors.New("boom")), DecodeOptions{}); err == nil || !strings.Contains(err.Error(), "boom") {
			t.Errorf("read error: %v", err)
		}
	}
}

// TestBinaryErrors: malformed binary input yields the decoder's *ttlv.Error.
func TestBinaryErrors(t *testing.T) {
	bad := []byte{0x42, 0x00, 0x0D, 0x02, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0}
	_, err := AppendJSON(nil, bad, EncodeOptions{})
	var e *ttlv.Error
	if !errors.As(err, &e) || !errors.Is(err, ttlv.ErrLength) {
		t.Errorf("got %v", err)
	}
	if err := WriteJSON(&bytes.Buffer{}, bad, EncodeOptions{}); !errors.Is(err, ttlv.ErrLength) {
		t.Errorf("WriteJSON: %v", err)
	}
}

// TestDateTimeRange: Date-Times outside years 0000–9999 are written in hex
// and read back, those inside as ISO 8601 (the calendar itself is tested
// with ttlv.AppendDateTimeText).
func TestDateTimeRange(t *testing.T) {
	const minISO, maxISO = -62167219200, 253402300800 // 0000-01-01, 10000-01-01
	for _, sec := range []int64{minISO - 1, maxISO, -1 << 63, 1<<63 - 1, minISO, maxISO - 1, 0, 951782400, 4107542400} {
		bin := ttlv.AppendDateTime(nil, ttlv.TagArchiveDate, sec)
		roundTrip(t, "datetime", bin)
		bin = ttlv.AppendDateTimeExtended(nil, ttlv.TagArchiveDate, sec)
		roundTrip(t, "datetimeextended", bin)
	}
}
