package jsonttlv

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// The JSON of the two seed pages (Cosmian KMS documentation, "Messages"),
// verbatim in testdata/json (seed0-*: the older page, seed1-*: the newer).
// None converts as published: each stops at its first non-KMIP tag with an
// error that names it and the tag meant. Fixing the tags one by one, as a
// user would after reading each error, walks through every fault in turn:
// the responses then convert with Lenient (trailing commas, "Timestamp"
// and "QLength" in the wrong case); the requests never do, as their second
// BatchItem closes its value array with '}' instead of ']'.
var seedCases = []struct {
	file    string
	fix     []string // old, new pairs applied to the text first
	lenient bool
	want    string // the exact error, or "" for success
}{
	// As published.
	{"seed0-request", nil, false, `jsonttlv: line 2 column 12: unknown tag: "Message", did you mean "RequestMessage" or "ResponseMessage"?`},
	{"seed0-response", nil, true, `jsonttlv: line 2 column 12: unknown tag: "Message", did you mean "RequestMessage" or "ResponseMessage"?`},
	{"seed1-request", nil, false, `jsonttlv: line 5 column 16 /RequestMessage: unknown tag: "Header", did you mean "RequestHeader"?`},
	{"seed1-response", nil, true, `jsonttlv: line 5 column 16 /ResponseMessage: unknown tag: "Header", did you mean "ResponseHeader"?`},
	// The next faults, once the earlier ones are fixed.
	{"seed0-request", []string{`"Message"`, `"RequestMessage"`}, false,
		`jsonttlv: line 5 column 16 /RequestMessage: unknown tag: "Header", did you mean "RequestHeader"?`},
	{"seed1-request", []string{`"Header"`, `"RequestHeader"`}, false,
		`jsonttlv: line 14 column 17 /RequestMessage/RequestHeader/ProtocolVersion/ProtocolVersionMajor: invalid JSON: unexpected '}' (want a property name string)`},
	{"seed1-request", []string{`"Header"`, `"RequestHeader"`}, true,
		`jsonttlv: line 33 column 20 /RequestMessage/BatchItem: unknown tag: "Items", did you mean "BatchItem"?`},
	{"seed1-request", []string{`"Header"`, `"RequestHeader"`, `"Items"`, `"BatchItem"`}, true,
		`jsonttlv: line 97 column 9 /RequestMessage/BatchItem/BatchItem: invalid JSON: unexpected '}' (want an item object)`},
	{"seed0-request", []string{`"Message"`, `"RequestMessage"`, `"Header"`, `"RequestHeader"`, `"Items"`, `"BatchItem"`}, true,
		`jsonttlv: line 97 column 9 /RequestMessage/BatchItem/BatchItem: invalid JSON: unexpected '}' (want an item object)`},
	{"seed1-response", []string{`"Header"`, `"ResponseHeader"`, `"Items"`, `"BatchItem"`}, true,
		`jsonttlv: line 56 column 20 /ResponseMessage/BatchItem: unknown tag: "BtachItem", did you mean "BatchItem"?`},
	{"seed1-response", []string{`"Header"`, `"ResponseHeader"`, `"Items"`, `"BatchItem"`, `"BtachItem"`, `"BatchItem"`}, false,
		`jsonttlv: line 14 column 13 /ResponseMessage/ResponseHeader/ProtocolVersion/ProtocolVersionMajor: invalid JSON: unexpected '}' (want a property name string)`},
	{"seed1-response", []string{`"Header"`, `"ResponseHeader"`, `"Items"`, `"BatchItem"`, `"BtachItem"`, `"BatchItem"`, `"Timestamp"`, `"TimeStamp"`}, false,
		`jsonttlv: line 14 column 13 /ResponseMessage/ResponseHeader/ProtocolVersion/ProtocolVersionMajor: invalid JSON: unexpected '}' (want a property name string)`},
	// Converts: Lenient takes the trailing commas and "Timestamp".
	{"seed1-response", []string{`"Header"`, `"ResponseHeader"`, `"Items"`, `"BatchItem"`, `"BtachItem"`, `"BatchItem"`}, true, ""},
	{"seed0-response", []string{`"Message"`, `"ResponseMessage"`, `"Header"`, `"ResponseHeader"`, `"Items"`, `"BatchItem"`}, true, ""},
}

func TestSeeds(t *testing.T) {
	for _, tc := range seedCases {
		b, err := os.ReadFile("../testdata/json/" + tc.file + ".json")
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for i := 0; i+1 < len(tc.fix); i += 2 {
			text = strings.ReplaceAll(text, tc.fix[i], tc.fix[i+1])
		}
		bin, err := AppendBinary(nil, []byte(text), DecodeOptions{Lenient: tc.lenient})
		got := ""
		if err != nil {
			got = err.Error()
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%s: not an *Error: %T", tc.file, err)
			}
		}
		if got != tc.want {
			t.Errorf("%s %q lenient=%v:\n got %s\nwant %s", tc.file, tc.fix, tc.lenient, got, tc.want)
			continue
		}
		if err == nil {
			if err := ttlv.Validate(bin, ttlv.DecodeOptions{}); err != nil {
				t.Errorf("%s: output does not validate: %v", tc.file, err)
			}
			roundTrip(t, tc.file, bin)
		}
	}
}

// TestSuggestions: unknown tags name the tag meant.
func TestSuggestions(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"tag":"BtachItem"}`, `unknown tag: "BtachItem", did you mean "BatchItem"?`},
		{`{"tag":"RequestMessage","value":[{"tag":"Header"}]}`, `unknown tag: "Header", did you mean "RequestHeader"?`},
		{`{"tag":"ResponseMessage","value":[{"tag":"Items"}]}`, `unknown tag: "Items", did you mean "BatchItem"?`},
		{`{"tag":"Message"}`, `unknown tag: "Message", did you mean "RequestMessage" or "ResponseMessage"?`},
		{`{"tag":"QLength","type":"Integer","value":1}`, `unknown tag: "QLength", did you mean "Qlength"?`},
		{`{"tag":"0x4201","type":"Integer","value":1}`, `unknown tag: "0x4201" (want "0x" and 6 hex digits)`},
		{`{"tag":"Zzzzzzzzzzzzzzzzzzzzz"}`, `unknown tag: "Zzzzzzzzzzzzzzzzzzzzz" (want a KMIP tag name or "0x" and 6 hex digits)`},
	}
	for _, tc := range tests {
		_, err := AppendBinary(nil, []byte(tc.in), DecodeOptions{})
		if !errors.Is(err, ErrUnknownTag) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant …%s", tc.in, err, tc.want)
		}
	}
}
