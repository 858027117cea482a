package xmlttlv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

type message struct {
	name string
	bin  []byte
}

// fatalHelper is what the seed and check helpers use of a testing.TB. The
// testing shim of the OSS-Fuzz build (go-118-fuzz-build puts it in place of
// package testing in fuzz_test.go) has a T and an F with these methods but
// no TB: helpers that a fuzz target calls take this instead.
type fatalHelper interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func corpusMessages(tb fatalHelper) []message {
	tb.Helper()
	files, err := filepath.Glob("../testdata/corpus/*.ttlv")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no corpus: %v", err)
	}
	var out []message
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, message{strings.TrimSuffix(filepath.Base(f), ".ttlv"), b})
	}
	return out
}

// optionSets are the output forms every corpus message is tested in.
var optionSets = []struct {
	name string
	opts EncodeOptions
}{
	{"compact", EncodeOptions{}},
	{"indent", EncodeOptions{Indent: "  "}},
	{"general", EncodeOptions{Indent: "\t", GeneralForm: true, Names: true, StructureType: true}},
}

func toXML(tb testing.TB, dst, bin []byte, opts EncodeOptions) []byte {
	out, err := AppendXML(dst[:0], bin, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func fromXML(tb testing.TB, dst, x []byte, opts DecodeOptions) []byte {
	out, err := AppendBinary(dst[:0], x, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkToXML: binary to indented XML (the OASIS files' layout), into a
// reused destination; b.SetBytes is the XML size.
func BenchmarkToXML(b *testing.B) {
	for _, m := range corpusMessages(b) {
		b.Run(m.name, func(b *testing.B) {
			opts := EncodeOptions{Indent: "  "}
			dst := toXML(b, nil, m.bin, opts)
			b.SetBytes(int64(len(dst)))
			b.ReportAllocs()
			for b.Loop() {
				dst = toXML(b, dst, m.bin, opts)
			}
		})
	}
}

// BenchmarkFromXML: indented XML to binary; b.SetBytes is the XML size.
func BenchmarkFromXML(b *testing.B) {
	for _, m := range corpusMessages(b) {
		b.Run(m.name, func(b *testing.B) {
			x := toXML(b, nil, m.bin, EncodeOptions{Indent: "  "})
			dst := fromXML(b, nil, x, DecodeOptions{})
			b.SetBytes(int64(len(x)))
			b.ReportAllocs()
			for b.Loop() {
				dst = fromXML(b, dst, x, DecodeOptions{})
			}
		})
	}
}

// TestZeroAllocs: both directions allocate nothing per message in steady
// state, for every corpus message, in each option set.
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	if raceEnabled {
		t.Skip("the race detector drops pooled scanners at random")
	}
	var attr []byte
	attr, mark := ttlv.BeginStructure(attr, ttlv.TagAttribute)
	attr = ttlv.AppendTextString(attr, ttlv.TagAttributeName, "x-a-custom-attribute-name-longer-than-32-bytes")
	attr = ttlv.AppendTextString(attr, ttlv.TagAttributeValue, "v & <w>")
	ttlv.EndStructure(attr, mark)
	for _, m := range append(corpusMessages(t), message{"long-attribute-name", attr}) {
		for _, o := range optionSets {
			x := toXML(t, nil, m.bin, o.opts)
			bin := fromXML(t, nil, x, DecodeOptions{})
			if !bytes.Equal(bin, m.bin) {
				t.Fatalf("%s/%s: round trip differs", m.name, o.name)
			}
			if n := testing.AllocsPerRun(50, func() { x = toXML(t, x, m.bin, o.opts) }); n != 0 {
				t.Errorf("%s/%s: AppendXML: %v allocations", m.name, o.name, n)
			}
			if n := testing.AllocsPerRun(50, func() { bin = fromXML(t, bin, x, DecodeOptions{}) }); n != 0 {
				t.Errorf("%s/%s: AppendBinary: %v allocations", m.name, o.name, n)
			}
		}
	}
}
