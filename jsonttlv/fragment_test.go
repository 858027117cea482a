package jsonttlv

import (
	"bytes"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// compactSets are the option sets that take runCompact: every compact
// combination of the options its heads depend on.
var compactSets = func() (out []EncodeOptions) {
	for _, d := range []Dialect{DialectSpec, DialectCosmian} {
		for bits := range 16 {
			out = append(out, EncodeOptions{
				Dialect:           d,
				HexTags:           bits&1 != 0,
				Names:             bits&2 != 0,
				OmitStructureType: bits&4 != 0,
				Numbers:           bits&8 != 0,
			})
		}
	}
	return out
}()

// appendJSONEach is AppendJSON through runEach, which builds every item in
// full: what runCompact's cached heads must reproduce.
func appendJSONEach(dst, src []byte, opts EncodeOptions) ([]byte, error) {
	e := new(encoder)
	e.opts = opts
	e.w.Reset(src, opts.Decode)
	return e.runEach(dst)
}

// checkCompact holds runCompact to runEach on src, output and error alike.
func checkCompact(t *testing.T, name string, src []byte) {
	t.Helper()
	for _, o := range compactSets {
		got, gerr := AppendJSON(nil, src, o)
		want, werr := appendJSONEach(nil, src, o)
		if !bytes.Equal(got, want) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Fatalf("%s %+v: cached heads differ:\n got %s (%v)\nwant %s (%v)", name, o, got, gerr, want, werr)
		}
	}
}

// manyKinds is a message of more kinds of item than the fragment cache
// holds (slots collide, its text fills up): extension tags, and
// Enumerations of many values.
func manyKinds() []byte {
	var b []byte
	b, mark := ttlv.BeginStructure(b, ttlv.TagRequestMessage)
	for i := range 600 {
		tag := ttlv.Tag(0x540000 + i%300)
		switch i % 3 {
		case 0:
			b = ttlv.AppendEnumeration(b, ttlv.TagOperation, uint32(i%40))
		case 1:
			b = ttlv.AppendTextString(b, tag, "v")
		default:
			var m int
			b, m = ttlv.BeginStructure(b, tag)
			b = ttlv.AppendEnumeration(b, tag, uint32(i))
			b = ttlv.AppendEnumeration(b, ttlv.TagCryptographicAlgorithm, uint32(i%30))
			ttlv.EndStructure(b, m)
		}
	}
	ttlv.EndStructure(b, mark)
	return b
}

func TestCompactFragments(t *testing.T) {
	for _, m := range corpusMessages(t) {
		checkCompact(t, m.name, m.bin)
	}
	for _, m := range pykmipMessages(t) {
		checkCompact(t, m.name, m.bin)
	}
	big := manyKinds()
	checkCompact(t, "many-kinds", big)
	// Malformed input: the same partial output and error.
	for _, n := range []int{7, 16, 100, len(big) / 2, len(big) - 1} {
		checkCompact(t, "truncated", big[:n])
	}
}

// checkHeads holds AppendBinary's result on in (bin, err) to parsing every
// head and looking every enumeration name up (scanner.each).
func checkHeads(t fatalHelper, in []byte, opts DecodeOptions, bin []byte, err error) {
	t.Helper()
	s := &scanner{each: true}
	want, werr := s.run(nil, in, &opts)
	if werr != nil {
		want = nil
	}
	if !bytes.Equal(bin, want) || (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
		t.Fatalf("%+v: cached heads differ on %q:\n got %x (%v)\nwant %x (%v)", opts, in, bin, err, want, werr)
	}
}

func TestCachedHeads(t *testing.T) {
	var inputs [][]byte
	for _, m := range corpusMessages(t) {
		for _, o := range compactSets {
			js, err := AppendJSON(nil, m.bin, o)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, js)
		}
	}
	for _, o := range compactSets {
		js, err := AppendJSON(nil, manyKinds(), o)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, js)
	}
	// A head met again where its value is wrong, in lenient spellings,
	// or as Cosmian KMS 4.x names (which depend on the depth).
	inputs = append(inputs,
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"},{"tag":"Operation","type":"Enumeration","value":"Got"}]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"},{"tag":"Operation","type":"Enumeration","value":3}]}`),
		[]byte(`{"tag":"requestmessage","type":"Structure","value":[{"tag":"operation","type":"Enumeration","value":"Get"},{"tag":"operation","type":"Enumeration","value":"Get"},]}`),
		[]byte(`{"tag":"Message","type":"Structure","value":[{"tag":"Items","type":"Structure","value":[{"tag":"Items","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"}]}]}]}`),
		[]byte(`{"tag":"Message","type":"Structure","value":[{"tag":"Items","type":"Structure","value":[{"tag":"Items","type":"Structure","value":[{"tag":"Items","type":"Structure","value":[]}]}]}]}`),
		// A head met again with its string value followed by more than
		// '}' (the loop scans the value again), or with a faulty string.
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"},{"tag":"Operation","type":"Enumeration","value":"Get","name":"x"}]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"},{"tag":"Operation","type":"Enumeration","value":"Get" }]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"},{"tag":"Operation","type":"Enumeration","value":"Get",}]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"},{"tag":"Operation","type":"Enumeration","value":"Get","value":"Get"}]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"},{"tag":"Operation","type":"Enumeration","value":"G\et"}]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"},{"tag":"Operation","type":"Enumeration","value":"G\u0065t"}]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"UniqueIdentifier","type":"TextString","value":"a"},{"tag":"UniqueIdentifier","type":"TextString","value":"\u00e9\n"},{"tag":"UniqueIdentifier","type":"TextString","value":"\xff"}]}`),
		// A cached Structure head with more after its array, or nested
		// past the depth limit.
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"BatchItem","type":"Structure","value":[]},{"tag":"BatchItem","type":"Structure","value":[{"tag":"Operation","type":"Enumeration","value":"Get"}],"name":"x"},{"tag":"BatchItem","type":"Structure","value":[] },{"tag":"BatchItem","type":"Structure","value":[],}]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"BatchItem","type":"Structure","value":[]},{"tag":"BatchItem","type":"Structure","value":[],"value":[]}]}`),
		[]byte(`{"tag":"RequestMessage","type":"Structure","value":[{"tag":"BatchItem","type":"Structure","value":[{"tag":"BatchItem","type":"Structure","value":[{"tag":"BatchItem","type":"Structure","value":[{"tag":"BatchItem","type":"Structure","value":[{"tag":"BatchItem","type":"Structure","value":[{"tag":"BatchItem","type":"Structure","value":[]}]}]}]}]}]}]}`),
		// KMIP 1.x Attributes through the same path: the Attribute Name
		// names the Attribute Value's tag.
		[]byte(`{"tag":"TemplateAttribute","type":"Structure","value":[{"tag":"Attribute","type":"Structure","value":[{"tag":"AttributeName","type":"TextString","value":"Cryptographic Algorithm"},{"tag":"AttributeValue","type":"Enumeration","value":"AES"}]},{"tag":"Attribute","type":"Structure","value":[{"tag":"AttributeName","type":"TextString","value":"Object Type"},{"tag":"AttributeValue","type":"Enumeration","value":"SymmetricKey"}]},{"tag":"Attribute","type":"Structure","value":[{"tag":"AttributeName","type":"TextString","value":"Cryptographic Algorithm"},{"tag":"AttributeValue","type":"Enumeration","value":"SymmetricKey"}]}]}`),
	)
	for _, in := range inputs {
		for _, o := range []DecodeOptions{{}, {Lenient: true}, {MaxDepth: 3}} {
			bin, err := AppendBinary(nil, in, o)
			checkHeads(t, in, o, bin, err)
			for _, n := range []int{len(in) / 2, len(in) - 2} {
				bin, err := AppendBinary(nil, in[:n], o)
				checkHeads(t, in[:n], o, bin, err)
			}
		}
	}
}
