package xmlttlv

import (
	"bytes"
	"testing"
)

// FuzzFromXML: XML → binary never panics; for accepted input, binary → XML
// → binary is byte-exact, in every output form, and the cached fragments
// of AppendXML are what building each item's writes, and the cached heads
// of AppendBinary what scanning each start tag reads.
func FuzzFromXML(f *testing.F) {
	for _, m := range corpusMessages(f) {
		for _, o := range optionSets {
			x, err := AppendXML(nil, m.bin, o.opts)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(x)
		}
	}
	for _, tc := range inputForms {
		f.Add([]byte(tc.xml))
	}
	f.Fuzz(func(t *testing.T, x []byte) {
		checkHeads(t, x, DecodeOptions{})
		bin, err := AppendBinary(nil, x, DecodeOptions{})
		if err != nil {
			return
		}
		checkFragments(t, "input", bin)
		for _, o := range optionSets {
			x2, err := AppendXML(nil, bin, o.opts)
			if err != nil {
				t.Fatalf("%s: binary of accepted XML not readable: %v", o.name, err)
			}
			bin2, err := AppendBinary(nil, x2, DecodeOptions{})
			if err != nil {
				t.Fatalf("%s: XML written not accepted: %v\n%s", o.name, err, x2)
			}
			if !bytes.Equal(bin, bin2) {
				t.Fatalf("%s: round trip differs\n%x\n%x", o.name, bin, bin2)
			}
		}
	})
}

// FuzzAppendEscaped holds appendEscaped's fast path to the bytewise loop.
func FuzzAppendEscaped(f *testing.F) {
	f.Add([]byte("6a6c1e7e-59f5-4ba5-9d3f-8a1c1b4e7d20"))
	f.Add([]byte("a <b> & \"c\"\twith é, \x7f and \xff"))
	f.Fuzz(func(t *testing.T, s []byte) {
		checkAppendEscaped(t, s)
	})
}
