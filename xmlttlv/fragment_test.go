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
