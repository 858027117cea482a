package jsonttlv

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// jsonSeeds returns JSON inputs for the differential test and the fuzz
// targets: the corpus in every option set, the seed pages, and the
// §4.1.6 input forms of this package's tests.
func jsonSeeds(tb fatalHelper) [][]byte {
	var out [][]byte
	for _, m := range corpusMessages(tb) {
		for _, o := range optionSets {
			js, err := AppendJSON(nil, m.bin, o.opts)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, js)
		}
	}
	files, _ := filepath.Glob("../testdata/json/*.json")
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			out = append(out, b)
		}
	}
	for _, tc := range inputForms {
		out = append(out, []byte(tc.json))
	}
	return out
}

// dropTrailingCommas undoes what Lenient tolerates in the syntax, so that
// encoding/json can judge the rest: outside strings, it removes the commas
// before ']' or '}' (whitespace between) and writes the ']' of an array
// that a '}' closes.
func dropTrailingCommas(in []byte) []byte {
	out := make([]byte, 0, len(in))
	inStr := false
	var open []byte // the brackets open, outside strings
	for i := 0; i < len(in); i++ {
		c := in[i]
		if inStr {
			out = append(out, c)
			if c == '\\' && i+1 < len(in) {
				i++
				out = append(out, in[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			open = append(open, c)
		case ']':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case '}':
			if len(open) > 0 && open[len(open)-1] == '[' {
				out = append(out, ']')
				open = open[:len(open)-1]
			}
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
		if c == ',' {
			j := i + 1
			for j < len(in) && (in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r') {
				j++
			}
			if j < len(in) && (in[j] == ']' || in[j] == '}') {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// checkJSONInput is the property both the differential test and
// FuzzFromJSON check: input that encoding/json rejects is rejected (in
// Lenient mode, once the trailing commas are dropped); output validates as
// strict TTLV and survives binary → JSON → binary unchanged.
func checkJSONInput(t *testing.T, in []byte) {
	for _, lenient := range []bool{false, true} {
		bin, err := AppendBinary(nil, in, DecodeOptions{Lenient: lenient})
		checkHeads(t, in, DecodeOptions{Lenient: lenient}, bin, err)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("lenient=%v: error is %T: %v", lenient, err, err)
			}
			continue
		}
		judged := in
		if lenient {
			judged = dropTrailingCommas(in)
		}
		if !json.Valid(judged) {
			t.Fatalf("lenient=%v: accepted JSON that encoding/json rejects: %q", lenient, in)
		}
		if err := ttlv.Validate(bin, ttlv.DecodeOptions{}); err != nil {
			t.Fatalf("lenient=%v: output does not validate: %v\n%q", lenient, err, in)
		}
		js, err := AppendJSON(nil, bin, EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		back, err := AppendBinary(nil, js, DecodeOptions{})
		if err != nil || !bytes.Equal(back, bin) {
			t.Fatalf("lenient=%v: binary → JSON → binary: %v\n%s", lenient, err, js)
		}
	}
}

// TestDifferentialJSON mutates valid inputs (a byte deleted, inserted or
// replaced, with bytes that matter to JSON) and checks each with
// checkJSONInput: wherever encoding/json rejects, so does AppendBinary.
func TestDifferentialJSON(t *testing.T) {
	var seeds [][]byte
	for _, s := range jsonSeeds(t) {
		if len(s) <= 4096 { // mutations of small inputs explore as much, faster
			seeds = append(seeds, s)
		}
	}
	alphabet := []byte("{}[],:\"\\ \t\n0123456789.eE+-xtrufalsn/u\x00\x1f\x7f\xc3\xa9\xff")
	rng := rand.New(rand.NewPCG(1, 2))
	n := 10000
	if testing.Short() {
		n = 2000
	}
	rejected := 0
	for range n {
		in := bytes.Clone(seeds[rng.IntN(len(seeds))])
		for range 1 + rng.IntN(2) {
			if len(in) == 0 {
				break
			}
			p := rng.IntN(len(in))
			switch rng.IntN(3) {
			case 0:
				in = append(in[:p], in[p+1:]...)
			case 1:
				in = append(in[:p], append([]byte{alphabet[rng.IntN(len(alphabet))]}, in[p:]...)...)
			default:
				in[p] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		if !json.Valid(in) {
			rejected++
		}
		checkJSONInput(t, in)
	}
	t.Logf("%d mutated inputs, %d invalid JSON, all rejected", n, rejected)
}

func FuzzFromJSON(f *testing.F) {
	for _, s := range jsonSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkJSONInput(t, in)
	})
}

// FuzzRoundTrip: any binary input the strict ttlv decoder accepts goes
// binary → JSON → binary unchanged, in every option set; input it rejects
// is rejected by AppendJSON too; compact output from cached heads is what
// building each item in full writes.
func FuzzRoundTrip(f *testing.F) {
	for _, m := range corpusMessages(f) {
		f.Add(m.bin)
	}
	for _, m := range pykmipMessages(f) {
		f.Add(m.bin)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// Validate accepts empty input (no items); the JSON form has no
		// empty message.
		valid := ttlv.Validate(in, ttlv.DecodeOptions{}) == nil && len(in) > 0
		checkCompact(t, "input", in)
		for _, o := range optionSets {
			js, err := AppendJSON(nil, in, o.opts)
			if (err == nil) != valid {
				t.Fatalf("%s: Validate says %v, AppendJSON: %v", o.name, valid, err)
			}
			if err != nil {
				continue
			}
			if !json.Valid(js) {
				t.Fatalf("%s: invalid JSON: %s", o.name, js)
			}
			back, err := AppendBinary(nil, js, DecodeOptions{})
			if err != nil || !bytes.Equal(back, in) {
				t.Fatalf("%s: round trip: %v\n in %x\nout %x\n%s", o.name, err, in, back, js)
			}
		}
	})
}

// FuzzAppendString holds appendString's fast path to the bytewise loop.
func FuzzAppendString(f *testing.F) {
	f.Add([]byte("6a6c1e7e-59f5-4ba5-9d3f-8a1c1b4e7d20"))
	f.Add([]byte("a \"quoted\" \\ path\n\twith é and \xff"))
	f.Fuzz(func(t *testing.T, s []byte) {
		checkAppendString(t, s)
	})
}
