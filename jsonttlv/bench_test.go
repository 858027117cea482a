package jsonttlv

import (
	"bytes"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// The two hot paths, per corpus message (testdata/corpus/*.ttlv): binary
// to JSON and JSON to binary, each into a reused destination. b.SetBytes is
// the JSON size in both directions, so the figures read as MB/s of JSON
// produced and consumed. One function per path serves the benchmark and
// the zero-allocation test.

func toJSON(tb testing.TB, dst, bin []byte, opts EncodeOptions) []byte {
	out, err := AppendJSON(dst[:0], bin, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func fromJSON(tb testing.TB, dst, js []byte, opts DecodeOptions) []byte {
	out, err := AppendBinary(dst[:0], js, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func BenchmarkToJSON(b *testing.B) {
	for _, m := range corpusMessages(b) {
		b.Run(m.name, func(b *testing.B) {
			dst := toJSON(b, nil, m.bin, EncodeOptions{})
			b.SetBytes(int64(len(dst)))
			b.ReportAllocs()
			for b.Loop() {
				dst = toJSON(b, dst, m.bin, EncodeOptions{})
			}
		})
	}
}

func BenchmarkFromJSON(b *testing.B) {
	for _, m := range corpusMessages(b) {
		b.Run(m.name, func(b *testing.B) {
			js := toJSON(b, nil, m.bin, EncodeOptions{})
			dst := fromJSON(b, nil, js, DecodeOptions{})
			b.SetBytes(int64(len(js)))
			b.ReportAllocs()
			for b.Loop() {
				dst = fromJSON(b, dst, js, DecodeOptions{})
			}
		})
	}
}

// BenchmarkFromJSONIndented: the same messages indented (Indent "  "), as
// people write them, which take the scanner's general path.
func BenchmarkFromJSONIndented(b *testing.B) {
	for _, m := range corpusMessages(b) {
		b.Run(m.name, func(b *testing.B) {
			js := toJSON(b, nil, m.bin, EncodeOptions{Indent: "  "})
			dst := fromJSON(b, nil, js, DecodeOptions{})
			b.SetBytes(int64(len(js)))
			b.ReportAllocs()
			for b.Loop() {
				dst = fromJSON(b, dst, js, DecodeOptions{})
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
	// Besides the corpus: a KMIP 1.x Attribute whose custom name is longer
	// than the 32 bytes a string conversion keeps on the stack.
	var attr []byte
	attr, mark := ttlv.BeginStructure(attr, ttlv.TagAttribute)
	attr = ttlv.AppendTextString(attr, ttlv.TagAttributeName, "x-a-custom-attribute-name-longer-than-32-bytes")
	attr = ttlv.AppendTextString(attr, ttlv.TagAttributeValue, "v")
	ttlv.EndStructure(attr, mark)
	for _, m := range append(corpusMessages(t), message{"long-attribute-name", attr}) {
		for _, o := range optionSets {
			js := toJSON(t, nil, m.bin, o.opts)
			bin := fromJSON(t, nil, js, DecodeOptions{})
			if !bytes.Equal(bin, m.bin) {
				t.Fatalf("%s/%s: round trip differs", m.name, o.name)
			}
			if n := testing.AllocsPerRun(50, func() { js = toJSON(t, js, m.bin, o.opts) }); n != 0 {
				t.Errorf("%s/%s: AppendJSON: %v allocations", m.name, o.name, n)
			}
			if n := testing.AllocsPerRun(50, func() { bin = fromJSON(t, bin, js, DecodeOptions{}) }); n != 0 {
				t.Errorf("%s/%s: AppendBinary: %v allocations", m.name, o.name, n)
			}
			if n := testing.AllocsPerRun(50, func() { bin = fromJSON(t, bin, js, DecodeOptions{Lenient: true}) }); n != 0 {
				t.Errorf("%s/%s: AppendBinary (Lenient): %v allocations", m.name, o.name, n)
			}
		}
	}
}
