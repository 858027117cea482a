package xmlttlv

import (
	"bytes"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// fragmentSets: every combination of the options a fragment depends on.
var fragmentSets = func() (out []EncodeOptions) {
	for bits := range 16 {
		o := EncodeOptions{GeneralForm: bits&1 != 0, Names: bits&2 != 0, StructureType: bits&4 != 0}
		if bits&8 != 0 {
			o.Indent = " "
		}
		out = append(out, o)
	}
	return out
}()

// checkFragments holds AppendXML's cached fragments to building each one
// for every item (encoder.each), output and error alike.
func checkFragments(t fatalHelper, name string, src []byte) {
	t.Helper()
	for _, o := range fragmentSets {
		got, gerr := AppendXML(nil, src, o)
		e := &encoder{each: true}
		want, werr := e.run(nil, src, &o)
		if !bytes.Equal(got, want) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Fatalf("%s %+v: cached fragments differ:\n got %s (%v)\nwant %s (%v)", name, o, got, gerr, want, werr)
		}
	}
}

func TestFragments(t *testing.T) {
	for _, m := range corpusMessages(t) {
		checkFragments(t, m.name, m.bin)
	}
	// More kinds than the cache holds: extension tags (TTLV elements),
	// empty and nested Structures, Enumerations of many values, KMIP 1.x
	// Attributes whose values take another tag's names.
	var b []byte
	b, top := ttlv.BeginStructure(b, ttlv.TagResponseMessage)
	for i := range 400 {
		var m int
		b, m = ttlv.BeginStructure(b, ttlv.Tag(0x540000+i%250))
		b = ttlv.AppendEnumeration(b, ttlv.TagResultStatus, uint32(i%5))
		b = ttlv.AppendEnumeration(b, ttlv.Tag(0x550000+i%90), uint32(i))
		var a int
		b, a = ttlv.BeginStructure(b, ttlv.TagAttribute)
		b = ttlv.AppendTextString(b, ttlv.TagAttributeName, "Cryptographic Algorithm")
		b = ttlv.AppendEnumeration(b, ttlv.TagAttributeValue, uint32(i%12))
		ttlv.EndStructure(b, a)
		b, a = ttlv.BeginStructure(b, ttlv.TagAttributes)
		ttlv.EndStructure(b, a)
		ttlv.EndStructure(b, m)
	}
	ttlv.EndStructure(b, top)
	checkFragments(t, "many-kinds", b)
	for _, n := range []int{5, 16, 200, len(b) / 3, len(b) - 8} {
		checkFragments(t, "truncated", b[:n])
	}
}

// checkHeads holds AppendBinary's result on in to scanning every start tag
// and looking every enumeration name up (scanner.each).
func checkHeads(t fatalHelper, in []byte, opts DecodeOptions) {
	t.Helper()
	got, gerr := AppendBinary(nil, in, opts)
	s := &scanner{each: true}
	want, werr := s.run(nil, in, &opts)
	if werr != nil {
		want = nil
	}
	if !bytes.Equal(got, want) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("cached heads differ on %q:\n got %x (%v)\nwant %x (%v)", in, got, gerr, want, werr)
	}
}

func TestCachedHeads(t *testing.T) {
	var inputs [][]byte
	for _, m := range corpusMessages(t) {
		for _, o := range fragmentSets {
			x, err := AppendXML(nil, m.bin, o)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, x)
		}
	}
	for _, tc := range inputForms {
		inputs = append(inputs, []byte(tc.xml))
	}
	// A head met again with what the general path must judge after it.
	const op = `<Operation type="Enumeration" value="`
	for _, tail := range []string{
		`Get"/>`, `Got"/>`, `Get" />`, `Get"></Operation>`, `Get" name="x"/>`, `G&amp;t"/>`, `G&#x65;t"/>`,
		`G<t"/>`, "G\x01t\"/>", `Get'/>`, `Get`, `Get"`, `Get"/`, `0x00000001"/>`, `$x"/>`,
	} {
		inputs = append(inputs, []byte(`<RequestMessage><BatchItem>`+op+`Get"/>`+op+tail+`</BatchItem></RequestMessage>`))
	}
	// Text after a cached head: ASCII needs no UTF-8 check, anything else
	// does (invalid UTF-8, raw or as references), and a placeholder's
	// replacement too.
	const uid = `<UniqueIdentifier type="TextString" value="`
	for _, tail := range []string{
		`abcdefgh-0123456789"/>`, `é"/>`, "\xff\"/>", "abcdefgh\xff\"/>", "abcdefgh\xe2\x82\"/>", `&#233;"/>`, `&#xD800;"/>`,
		"ab\x7f\"/>", `a>b"/>`, `$x"/>`,
	} {
		inputs = append(inputs, []byte(`<RequestMessage><BatchItem>`+uid+`a"/>`+uid+tail+`</BatchItem></RequestMessage>`))
	}
	inputs = append(inputs,
		[]byte(`<RequestMessage><BatchItem></BatchItem><BatchItem/><BatchItem ></BatchItem><BatchItem type="Structure"></BatchItem></RequestMessage>`),
		[]byte(`<RequestMessage><BatchItem><TTLV tag="0x540001" type="Integer" value="1"/><TTLV tag="0x540001" type="Integer" value="2"/></BatchItem></RequestMessage>`),
		[]byte(`<RequestMessage><BatchItem><BatchItem><BatchItem></BatchItem></BatchItem></BatchItem></RequestMessage>`),
		[]byte(`<RequestMessage><Attribute><AttributeName type="TextString" value="State"/><AttributeValue type="Enumeration" value="Active"/></Attribute><Attribute><AttributeName type="TextString" value="Object Type"/><AttributeValue type="Enumeration" value="Active"/></Attribute></RequestMessage>`),
	)
	for _, in := range inputs {
		for _, o := range []DecodeOptions{{}, {MaxDepth: 2}, {Placeholder: func(p Placeholder) ([]byte, error) { return []byte("Create"), nil }}, {Placeholder: func(p Placeholder) ([]byte, error) { return []byte("\xff"), nil }}} {
			checkHeads(t, in, o)
			for _, n := range []int{len(in) / 2, len(in) - 3} {
				checkHeads(t, in[:n], o)
			}
		}
	}
}
