package jsonttlv

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// The JSON of the two seed pages (Cosmian KMS documentation, "Messages"),
// verbatim in testdata/json (seed0-*: the older page, seed1-*: the newer).
// Strict, none converts: each stops at its first non-KMIP tag with an
// error that names it and the tag meant. Lenient, both requests convert to
// the corrected seed (testdata/corpus/seed-createkeypair-locate.ttlv) —
// Cosmian KMS 4.x's "Message", "Header" and "Items" read by position, the
// Items structure of batch items flattened, "QLength" in the wrong case,
// trailing commas, the second batch item's missing "]" — and so does the
// older page's response; the newer page's response still stops at its
// "BtachItem".
var seedCases = []struct {
	file    string
	fix     []string // old, new pairs applied to the text first
	lenient bool
	want    string // the exact error, or "" for success
	top     ttlv.Tag
	items   int // batch items of the message read
}{
	// As published, strict.
	{"seed0-request", nil, false, `jsonttlv: line 2 column 12: unknown tag: "Message", did you mean "RequestMessage" or "ResponseMessage"?`, 0, 0},
	{"seed0-response", nil, false, `jsonttlv: line 2 column 12: unknown tag: "Message", did you mean "RequestMessage" or "ResponseMessage"?`, 0, 0},
	{"seed1-request", nil, false, `jsonttlv: line 5 column 16 /RequestMessage: unknown tag: "Header", did you mean "RequestHeader"?`, 0, 0},
	{"seed1-response", nil, false, `jsonttlv: line 5 column 16 /ResponseMessage: unknown tag: "Header", did you mean "ResponseHeader"?`, 0, 0},
	// Strict, once the tags are fixed: the syntax.
	{"seed1-request", []string{`"Header"`, `"RequestHeader"`}, false,
		`jsonttlv: line 14 column 17 /RequestMessage/RequestHeader/ProtocolVersion/ProtocolVersionMajor: invalid JSON: unexpected '}' (want a property name string)`, 0, 0},
	// As published, lenient.
	{"seed0-request", nil, true, "", ttlv.TagRequestMessage, 2},
	{"seed1-request", nil, true, "", ttlv.TagRequestMessage, 2},
	{"seed0-response", nil, true, "", ttlv.TagResponseMessage, 2},
	{"seed1-response", nil, true, `jsonttlv: line 56 column 20 /ResponseMessage/BatchItem: unknown tag: "BtachItem", did you mean "BatchItem"?`, 0, 0},
	{"seed1-response", []string{`"BtachItem"`, `"BatchItem"`}, true, "", ttlv.TagResponseMessage, 2},
	// The spec's names with the 4.x layout: the Items structure is still
	// flattened, by position, once a 4.x name is seen.
	{"seed0-request", []string{`"Message"`, `"RequestMessage"`, `"Header"`, `"RequestHeader"`, `"tag": "Items"`, `"tag": "items"`}, true, "", ttlv.TagRequestMessage, 2},
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
			var v ttlv.Value
			if err := ttlv.Unmarshal(bin, &v); err != nil {
				t.Fatal(err)
			}
			items := 0
			for _, c := range v.Children {
				if c.Tag == ttlv.TagBatchItem {
					items++
					if c.Child(ttlv.TagOperation) == nil {
						t.Errorf("%s %q: a batch item without Operation:\n%v", tc.file, tc.fix, &v)
					}
				}
			}
			header := ttlv.TagRequestHeader
			if tc.top == ttlv.TagResponseMessage {
				header = ttlv.TagResponseHeader
			}
			if v.Tag != tc.top || items != tc.items || len(v.Children) == 0 || v.Children[0].Tag != header {
				t.Errorf("%s %q: %s with %d batch items:\n%v", tc.file, tc.fix, v.Tag, items, &v)
			}
			if strings.HasSuffix(tc.file, "request") {
				want, err := os.ReadFile("../testdata/corpus/seed-createkeypair-locate.ttlv")
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(bin, want) {
					t.Errorf("%s %q: not the corrected seed:\n%v", tc.file, tc.fix, &v)
				}
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
