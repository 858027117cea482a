package jsonttlv

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

func TestCosmian4Message(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`{"tag":"Message","value":[]}`, true},
		{` { "tag" : "message" }`, true},
		{`{"type":"Structure","value":[{"tag":"Header"}],"tag":"MESSAGE"}`, true},
		{`{"value":"a]}\"[","tag":"Message"}`, true},
		{`{"value":[{"tag":"Message"}],"tag":"RequestMessage"}`, false},
		{`{"tag":"RequestMessage","value":[]}`, false},
		{`{"tag":"Messages"}`, false},
		{`{"tag":1}`, false},
		{`["Message"]`, false},
		{`{"value":[`, false},
		{``, false},
	} {
		if got := Cosmian4Message([]byte(tc.in)); got != tc.want {
			t.Errorf("Cosmian4Message(%s) = %v", tc.in, got)
		}
	}
	for file, want := range map[string]bool{"seed0-request": true, "seed0-response": true, "seed1-request": false, "seed1-response": false} {
		b, err := os.ReadFile("../testdata/json/" + file + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if got := Cosmian4Message(b); got != want {
			t.Errorf("%s: %v", file, got)
		}
	}
}

// names returns the tag names of a JSON message's top-level item, its
// children and their children, in order, as a tree of strings.
func names(t *testing.T, js []byte) []any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	var walk func(m map[string]any, depth int) []any
	walk = func(m map[string]any, depth int) []any {
		out := []any{m["tag"]}
		if kids, ok := m["value"].([]any); ok && depth < 2 {
			for _, k := range kids {
				out = append(out, walk(k.(map[string]any), depth+1))
			}
		}
		return out
	}
	return walk(v, 0)
}

// TestCosmian4Names: a message written in the naming of Cosmian KMS 4.x
// has the layout of the older seed page, compact and indented, in both
// dialects, and reads back (Lenient) to the same binary.
func TestCosmian4Names(t *testing.T) {
	var msgs [][]byte
	for _, f := range []string{"seed0-request", "seed0-response"} {
		b, err := os.ReadFile("../testdata/json/" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		bin, err := AppendBinary(nil, b, DecodeOptions{Lenient: true})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, bin)
	}
	// A message with one batch item and a Message Extension after it.
	ext, m := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
	ext, h := ttlv.BeginStructure(ext, ttlv.TagRequestHeader)
	ext = ttlv.AppendInteger(ext, ttlv.TagBatchCount, 1)
	ttlv.EndStructure(ext, h)
	ext, bi := ttlv.BeginStructure(ext, ttlv.TagBatchItem)
	ext = ttlv.AppendEnumeration(ext, ttlv.TagOperation, 0x18)
	ttlv.EndStructure(ext, bi)
	ext, me := ttlv.BeginStructure(ext, ttlv.TagMessageExtension)
	ttlv.EndStructure(ext, me)
	ttlv.EndStructure(ext, m)
	msgs = append(msgs, ext)
	want := [][]any{
		{"Message", []any{"Header", []any{"ProtocolVersion"}, []any{"MaximumResponseSize"}, []any{"BatchCount"}},
			[]any{"Items", []any{"Items"}, []any{"Items"}}},
		{"Message", []any{"Header", []any{"ProtocolVersion"}, []any{"TimeStamp"}, []any{"BatchCount"}},
			[]any{"Items", []any{"Items"}, []any{"Items"}}},
		{"Message", []any{"Header", []any{"BatchCount"}}, []any{"Items", []any{"Items"}}, []any{"MessageExtension"}},
	}
	for i, bin := range msgs {
		for _, o := range []EncodeOptions{{Cosmian4Names: true}, {Cosmian4Names: true, Indent: "    "},
			{Cosmian4Names: true, Dialect: DialectCosmian}, {Cosmian4Names: true, OmitStructureType: true, Numbers: true}} {
			js, err := AppendJSON(nil, bin, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(t, js); !equalTree(got, want[i]) {
				t.Errorf("message %d %+v: %v\n%s", i, o, got, js)
			}
			if !Cosmian4Message(js) {
				t.Errorf("message %d %+v: Cosmian4Message false", i, o)
			}
			back, err := AppendBinary(nil, js, DecodeOptions{Lenient: true})
			if err != nil || !bytes.Equal(back, bin) {
				t.Errorf("message %d %+v: read back: %v\n%s", i, o, err, js)
			}
			if _, err := AppendBinary(nil, js, DecodeOptions{}); err == nil {
				t.Errorf("message %d: 4.x names read strictly", i)
			}
		}
	}
	// Not a message: nothing renamed.
	pv := ttlv.AppendInteger(nil, ttlv.TagBatchCount, 1)
	if js, _ := AppendJSON(nil, pv, EncodeOptions{Cosmian4Names: true}); string(js) != `{"tag":"BatchCount","type":"Integer","value":1}` {
		t.Errorf("BatchCount: %s", js)
	}
}

func equalTree(a, b []any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
