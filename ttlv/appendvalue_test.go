package ttlv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// AppendValue is held to refAppendValue, the plain recursive encoder it
// replaced (one append per field, BeginStructure and EndStructure around
// each Structure's children): the same bytes for every tree, whatever the
// destination — nil, a prefix with spare room, room that runs out at
// every possible point, spare bytes that hold garbage — and nothing
// written past the result.

// refAppendValue is AppendValue's definition.
func refAppendValue(b []byte, v *Value) []byte {
	switch v.Type {
	case TypeStructure:
		b, mark := BeginStructure(b, v.Tag)
		for i := range v.Children {
			b = refAppendValue(b, &v.Children[i])
		}
		EndStructure(b, mark)
		return b
	case TypeInteger, TypeEnumeration, TypeInterval:
		return append4(b, v.Tag, v.Type, uint32(v.Num))
	case TypeLongInteger, TypeBoolean, TypeDateTime, TypeDateTimeExtended:
		return append8(b, v.Tag, v.Type, uint64(v.Num))
	case TypeBigInteger:
		if len(v.Bytes)%8 != 0 {
			return AppendBigIntegerBytes(b, v.Tag, v.Bytes)
		}
		b = AppendHeader(b, v.Tag, v.Type, uint32(len(v.Bytes)))
		return append(b, v.Bytes...)
	default:
		b = AppendHeader(b, v.Tag, v.Type, uint32(len(v.Bytes)))
		b = append(b, v.Bytes...)
		return appendPad(b, len(v.Bytes))
	}
}

// checkAppendValue compares AppendValue with refAppendValue on v into
// several destinations, and reports the first difference.
func checkAppendValue(t testing.TB, what string, v *Value) {
	t.Helper()
	want := refAppendValue(nil, v)
	if got := AppendValue(nil, v); !bytes.Equal(got, want) {
		t.Fatalf("%s: into nil: %s", what, diff(got, want))
	}
	prefix := []byte("prefix!")
	// Room for all of it, with garbage in the spare bytes, which must
	// stay as they were past the result.
	dst := make([]byte, len(prefix), len(prefix)+len(want)+24)
	copy(dst, prefix)
	spare := dst[len(dst):cap(dst)]
	for i := range spare {
		spare[i] = 0xA5
	}
	got := AppendValue(dst, v)
	if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("%s: into room: %s", what, diff(got, append(prefix, want...)))
	}
	if &got[0] != &dst[0] {
		t.Fatalf("%s: grew a buffer that had the room", what)
	}
	for i, c := range got[len(got):cap(got)] {
		if c != 0xA5 {
			t.Fatalf("%s: byte %d past the result written (%#x)", what, len(got)+i, c)
		}
	}
	// Room that runs out at each point, with garbage in it: every
	// growth point, the ones inside a value's copy included. (For large
	// results, a sample of the points.)
	step := 1
	if len(want) > 4096 {
		step = len(want)/512 + 1
	}
	for room := 0; room <= len(want); room += step {
		dst := make([]byte, len(prefix), len(prefix)+room)
		copy(dst, prefix)
		spare := dst[len(dst):cap(dst)]
		for i := range spare {
			spare[i] = 0x5A
		}
		got := AppendValue(dst, v)
		if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
			t.Fatalf("%s: into %d bytes of room: %s", what, room, diff(got, append(prefix, want...)))
		}
	}
}

// diff describes where got first differs from want, with the bytes
// around it.
func diff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(i-16, 0)
	return fmt.Sprintf("%d bytes, want %d; first difference at %d:\n got  …%x\n want …%x",
		len(got), len(want), i, got[lo:min(i+24, len(got))], want[lo:min(i+24, len(want))])
}

// appendValueInputs are binary inputs to decode into trees: the corpus
// files, the specification's examples, the malformed cases, the twin
// tests' inputs (every type, what a Lax option accepts, nesting past the
// stacks), the third-party conformance vectors (the testdata subset, and
// shared/ when present) and the PyKMIP messages.
func appendValueInputs(t testing.TB) map[string][]byte {
	ins := map[string][]byte{}
	for i, in := range twinInputs(t) {
		ins[fmt.Sprintf("twin input %d", i)] = in
	}
	for _, dir := range []string{"../testdata/conformance/binary-hex", filepath.Join(sharedDir(), "conformance", "binary-hex")} {
		if tt, ok := t.(*testing.T); ok {
			for _, vec := range loadVectors(tt, dir) {
				ins[dir+"/"+vec.file] = vec.bin
			}
		}
	}
	if data, err := os.ReadFile(pyKMIPDir + "/messages.jsonl"); err == nil {
		if tt, ok := t.(*testing.T); ok {
			for _, m := range readPyMessages(tt, data) {
				ins["pykmip "+m.Name] = m.bin
			}
		}
	}
	return ins
}

// decodeAll decodes every top-level item of in that decodes, leniently,
// as trees (the first error ends the sequence).
func decodeAll(in []byte) []Value {
	d := NewDecoder(in, DecodeOptions{Sequence: true, Lax: ^Lax(0), MaxMessageSize: 1 << 30})
	var out []Value
	for len(out) < 64 {
		var v Value
		if err := d.DecodeValue(&v); err != nil {
			break
		}
		out = append(out, v)
	}
	return out
}

func TestAppendValueMatchesReference(t *testing.T) {
	ins := appendValueInputs(t)
	trees := 0
	for name, in := range ins {
		for i, v := range decodeAll(in) {
			checkAppendValue(t, fmt.Sprintf("%s, item %d", name, i), &v)
			trees++
		}
	}
	if trees < 200 {
		t.Fatalf("only %d trees from %d inputs", trees, len(ins))
	}
	for name, v := range handTrees() {
		checkAppendValue(t, name, &v)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		src := make([]byte, 1+r.IntN(600))
		for j := range src {
			src[j] = byte(r.Uint32())
		}
		v := treeFrom(src)
		checkAppendValue(t, fmt.Sprintf("random tree %d (%x)", i, src), &v)
	}
}

// handTrees are trees no decoder builds: every type with every value
// length around the word and copy boundaries, Big Integers that are not
// whole groups, undefined types, tags past 24 bits, 4-byte types whose
// Num has high bits, children on primitives (ignored), nesting past the
// writer's stack with items at every level, empty Structures.
func handTrees() map[string]Value {
	trees := map[string]Value{}
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i*7 + 1)
	}
	for _, typ := range []Type{0, TypeStructure, TypeInteger, TypeLongInteger, TypeBigInteger, TypeEnumeration,
		TypeBoolean, TypeTextString, TypeByteString, TypeDateTime, TypeInterval, TypeDateTimeExtended,
		TypeIdentifier, TypeReference, TypeNameReference, 0x0F, 0x80, 0xFF} {
		var kids []Value
		for l := 0; l <= 150; l++ {
			kids = append(kids, Value{Tag: 0xAB420000 | Tag(l), Type: typ, Num: -1 << 33 / int64(l+1), Bytes: data[:l]})
		}
		kids = append(kids, Value{Tag: 0x420001, Type: typ, Bytes: data[:260]},
			Value{Tag: 0x420002, Type: typ, Bytes: nil},
			Value{Tag: 0x420003, Type: typ, Bytes: []byte{}, Children: []Value{Integer(1, 1)}})
		trees[fmt.Sprintf("type %#x", uint8(typ))] = Structure(0x420004, kids...)
	}
	for _, n := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 33} {
		pos := make([]byte, n)
		neg := make([]byte, n)
		for i := range pos {
			pos[i], neg[i] = 0x7F-byte(i), 0x80|byte(i)
		}
		trees[fmt.Sprintf("big integer %d", n)] = Structure(0x420005,
			Value{Tag: 0x420006, Type: TypeBigInteger, Bytes: pos},
			Value{Tag: 0x420006, Type: TypeBigInteger, Bytes: neg})
	}
	for _, depth := range []int{valueStackDepth - 1, valueStackDepth, valueStackDepth + 1, 3*valueStackDepth + 5} {
		v := Integer(0x420007, -9)
		for d := range depth {
			v = Structure(0x420008, TextString(0x420009, "x"), v, Structure(0x42000A),
				ByteString(0x42000B, data[:d]), Enumeration(0x42000C, uint32(d)))
		}
		trees[fmt.Sprintf("depth %d", depth)] = v
	}
	trees["empty structure"] = Structure(0x42000D)
	trees["nested empty structures"] = Structure(0x42000D, Structure(0x42000E, Structure(0x42000F)), Structure(0x420010))
	trees["lone integer"] = Integer(0x420011, 5)
	trees["lone text"] = TextString(0x420012, "hello, world")
	return trees
}

// treeReader hands out the bytes of a fuzz input, then zeros.
type treeReader struct {
	src   []byte
	nodes int
}

func (r *treeReader) byte() byte {
	if len(r.src) == 0 {
		return 0
	}
	c := r.src[0]
	r.src = r.src[1:]
	return c
}

func (r *treeReader) uint64() uint64 {
	var u uint64
	for range 8 {
		u = u<<8 | uint64(r.byte())
	}
	return u
}

// treeFrom builds a tree from arbitrary bytes: any type byte, tag (32
// bits) and number, values of up to 255 bytes, Structures up to 40 deep
// with up to 15 children, and children on primitives too.
func treeFrom(src []byte) Value {
	r := &treeReader{src: src}
	return r.tree(0)
}

func (r *treeReader) tree(depth int) Value {
	r.nodes++
	k := r.byte()
	v := Value{Tag: Tag(r.uint64()), Num: int64(r.uint64())}
	if k < 0x60 && depth < 40 && r.nodes < 2000 {
		v.Type = TypeStructure
		for n := k & 15; n > 0 && len(r.src) > 0; n-- {
			v.Children = append(v.Children, r.tree(depth+1))
		}
		return v
	}
	v.Type = Type(r.byte())
	if k&1 != 0 {
		l := int(r.byte())
		if k&2 == 0 {
			l %= 72
		}
		v.Bytes = make([]byte, l)
		for i := range v.Bytes {
			v.Bytes[i] = r.byte() ^ byte(i)
		}
	}
	if k&4 != 0 && v.Type != TypeStructure {
		v.Children = []Value{Integer(1, 2)} // ignored by the encoders
	}
	return v
}

// TestAppendValueInPlace: a tree decoded from a buffer encodes back into
// the same buffer, from its start, to the same bytes (each value is copied
// onto itself).
func TestAppendValueInPlace(t *testing.T) {
	for name, in := range appendValueInputs(t) {
		checkInPlace(t, name, in)
	}
}

func checkInPlace(t testing.TB, name string, in []byte) {
	t.Helper()
	buf := bytes.Clone(in)
	d := NewDecoder(buf, DecodeOptions{Lax: ^Lax(0), MaxMessageSize: 1 << 30})
	var v Value
	if err := d.DecodeValue(&v); err != nil {
		return
	}
	c := v.Clone()
	want := refAppendValue(nil, &c)
	if got := AppendValue(buf[:0], &v); !bytes.Equal(got, want) {
		t.Fatalf("%s: in place: %s", name, diff(got, want))
	}
}

func TestAppendValueZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("SKIP: allocation counts are meaningless under -cover")
	}
	var trees []Value
	for _, v := range handTrees() {
		trees = append(trees, v)
	}
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var v Value
		if err := Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		trees = append(trees, v.Clone())
	}
	for i := range trees {
		// The fast loop and every slow step (deep nesting, long
		// values, Big Integers of part groups) once dst has grown.
		dst := AppendValue(nil, &trees[i])
		if n := testing.AllocsPerRun(20, func() { dst = AppendValue(dst[:0], &trees[i]) }); n != 0 {
			t.Errorf("tree %d: %v allocations per run, want 0", i, n)
		}
	}
}
