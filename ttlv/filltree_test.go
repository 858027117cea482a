package ttlv

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The tree decoder's fused loop (fillChildren, fillRun) against its
// definition: the walk (NextToken) with setScalar, one item a call, as
// DecodeValue read a tree before the loop. Both must build the same tree,
// reusing the same storage, and leave the Decoder in the same state, with
// the same error, whatever the input and the options.

// refDecodeValue is DecodeValue by its definition.
func refDecodeValue(d *Decoder, v *Value) error {
	it, err := d.Next()
	if err != nil {
		return err
	}
	v.Tag, v.Type, v.Num, v.Bytes = it.Tag, it.Type, 0, nil
	if it.Type != TypeStructure {
		v.Children = v.Children[:0]
		v.setScalar(it)
		return nil
	}
	if err := d.Enter(); err != nil {
		v.Children = v.Children[:0]
		return err
	}
	return refFill(d, v)
}

func refFill(d *Decoder, v *Value) error {
	kids := v.Children[:0]
	for {
		it, err := d.NextToken()
		if err != nil {
			v.Children = kids
			return err
		}
		if it.Type == TypeEnd {
			v.Children = kids
			return nil
		}
		var c *Value
		kids, c = grow(kids)
		c.Tag, c.Type = it.Tag, it.Type
		if it.Type == TypeStructure {
			c.Num, c.Bytes = 0, nil
			if err := refFill(d, c); err != nil {
				v.Children = kids
				return err
			}
			continue
		}
		c.Children = c.Children[:0]
		c.setScalar(it)
	}
}

// sameTree reports where a and b differ: tag, type, number, bytes (and
// whether they are nil), children; "" when they do not.
func sameTree(a, b *Value, path string) string {
	path += "/" + a.Tag.Hex()
	switch {
	case a.Tag != b.Tag || a.Type != b.Type || a.Num != b.Num:
		return fmt.Sprintf("%s: %v %v %d, want %v %v %d", path, a.Tag, a.Type, a.Num, b.Tag, b.Type, b.Num)
	case (a.Bytes == nil) != (b.Bytes == nil) || !bytes.Equal(a.Bytes, b.Bytes) || cap(a.Bytes) != cap(b.Bytes):
		return fmt.Sprintf("%s: bytes %x (nil %v, cap %d), want %x (nil %v, cap %d)", path,
			a.Bytes, a.Bytes == nil, cap(a.Bytes), b.Bytes, b.Bytes == nil, cap(b.Bytes))
	case len(a.Children) != len(b.Children):
		return fmt.Sprintf("%s: %d children, want %d", path, len(a.Children), len(b.Children))
	}
	for i := range a.Children {
		if d := sameTree(&a.Children[i], &b.Children[i], path); d != "" {
			return d
		}
	}
	return ""
}

// decoderState is what a caller can see of a Decoder after DecodeValue.
func decoderState(d *Decoder) string {
	return fmt.Sprintf("depth %d, pos %d, end %d, item %d, err %v", d.Depth(), d.InputOffset(), d.end, d.ItemOffset(), d.Err())
}

// checkTwin decodes every message of in (as a sequence when the options
// say so) with DecodeValue and with refDecodeValue, each into a tree that
// first held prev, and compares the trees, the errors and the Decoders
// after each message.
func checkTwin(t *testing.T, prev, in []byte, opts DecodeOptions) {
	t.Helper()
	var fast, ref Value
	if prev != nil {
		_ = Unmarshal(prev, &fast)
		_ = Unmarshal(prev, &ref)
	}
	df, dr := NewDecoder(in, opts), NewDecoder(in, opts)
	for i := 0; ; i++ {
		errF, errR := df.DecodeValue(&fast), refDecodeValue(dr, &ref)
		if fmt.Sprint(errF) != fmt.Sprint(errR) {
			t.Fatalf("message %d, %+v: DecodeValue: %v\nwalk: %v", i, opts, errF, errR)
		}
		if d := sameTree(&fast, &ref, ""); d != "" {
			t.Fatalf("message %d, %+v: tree differs at %s", i, opts, d)
		}
		if sf, sr := decoderState(df), decoderState(dr); sf != sr {
			t.Fatalf("message %d, %+v: Decoder after DecodeValue: %s\nafter the walk: %s", i, opts, sf, sr)
		}
		if errF != nil || i > 64 {
			return
		}
	}
}

// twinOptions are the option sets each input is decoded under.
var twinOptions = []DecodeOptions{
	{},
	{Lax: LaxPadding | LaxBoolean | LaxUTF8},
	{Lax: LaxPadding},
	{MaxDepth: 3},
	{Sequence: true, Lax: LaxBoolean | LaxUTF8},
	{MaxMessageSize: 64},
}

// wrap returns items as the contents of a Structure, n levels deep.
func wrap(items []byte, n int) []byte {
	for range n {
		items = append(AppendHeader(nil, 0x420078, TypeStructure, uint32(len(items))), items...)
	}
	return items
}

// twinInputs are the inputs of TestDecodeValueTwin and the seeds of
// FuzzDecodeValueTwin: the corpus, the specification's examples and the
// malformed cases, each also nested in Structures, and cases for the
// fused loop's exits: every primitive type, what a Lax option accepts,
// non-ASCII text, nesting past fillDepth, empty values and Structures.
func twinInputs(tb testing.TB) [][]byte {
	var ins [][]byte
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		ins = append(ins, b)
	}
	for _, tc := range specExamples {
		ins = append(ins, h(tc.hex), wrap(h(tc.hex), 1), wrap(h(tc.hex), 3))
	}
	for _, tc := range malformed {
		in := tc.in[:min(len(tc.in), 4096)]
		ins = append(ins, in, wrap(in, 1), wrap(in, 2))
	}
	var every []byte
	every = AppendInteger(every, 0x42006A, -7)
	every = AppendLongInteger(every, 0x420020, -1<<40)
	every = AppendBigIntegerBytes(every, 0x420020, []byte{0x80, 1, 2, 3, 4, 5, 6, 7, 8})
	every = AppendEnumeration(every, 0x42005C, 0xFFFFFFFF)
	every = AppendBoolean(every, 0x420020, true)
	every = AppendBoolean(every, 0x420020, false)
	every = AppendTextString(every, 0x420094, "7e3b1a9c-0000-4000-8000-000000000000")
	every = AppendTextString(every, 0x420094, "")
	every = AppendTextString(every, 0x420094, "clé é")
	every = AppendByteString(every, 0x420093, []byte{0xFF, 0x80})
	every = AppendByteString(every, 0x420093, nil)
	every = AppendDateTime(every, 0x420020, 1<<33)
	every = AppendInterval(every, 0x420020, 0x80000000)
	every = AppendDateTimeExtended(every, 0x420020, -5)
	every = AppendString(every, 0x420094, TypeIdentifier, "id")
	every = AppendString(every, 0x420094, TypeReference, "r")
	every = AppendString(every, 0x420094, TypeNameReference, "")
	every = append(every, wrap(nil, 1)...) // an empty Structure
	ins = append(ins, wrap(every, 1), wrap(append(wrap(every, 2), every...), 2))
	// What only a Lax option accepts, and invalid text, between valid
	// items at two depths.
	for _, odd := range []string{
		"420020 02 00000004 00000008 00000001", // padding
		"420020 07 00000001 41000000 0000FF00", // text padding
		"420020 08 00000001 41000000 0000FF00", // byte string padding
		"420020 06 00000008 00000000 00000002", // Boolean 2
		"420020 07 00000002 C328000000000000",  // invalid UTF-8
		"420020 0C 00000001 FF00000000000000",  // invalid UTF-8, Identifier
	} {
		item := append(append(AppendInteger(nil, 0x42006A, 1), h(odd)...), AppendInteger(nil, 0x42006A, 2)...)
		ins = append(ins, wrap(item, 1), wrap(append(wrap(item, 1), item...), 1))
	}
	// Deeper than fillDepth below the top, with items at every level.
	deep := AppendInteger(nil, 0x42006A, 3)
	for range 2*fillDepth + 3 {
		deep = append(AppendTextString(nil, 0x420094, "x"), wrap(deep, 1)...)
		deep = append(deep, AppendEnumeration(nil, 0x42005C, 1)...)
	}
	ins = append(ins, wrap(deep, 1), nested(fillDepth+2), nested(3*fillDepth))
	// A fault below fillDepth, and one above it after a deep subtree.
	bad := h("420020 06 00000008 00000000 00000002")
	ins = append(ins, wrap(append(wrap(bad, fillDepth+4), bad...), 2), wrap(append(wrap(deep, 1), bad...), 1))
	return ins
}

func TestDecodeValueTwin(t *testing.T) {
	ins := twinInputs(t)
	for _, in := range ins {
		for _, opts := range twinOptions {
			checkTwin(t, nil, in, opts)
			checkTwin(t, ins[0], in, opts) // into a tree built before
			if opts.MaxDepth == 0 {
				opts.MaxDepth = MaxDepthLimit
				checkTwin(t, in, in, opts) // the same message again
			}
		}
	}
}

// TestDecodeValueTwinEOF: both read the end of a sequence alike.
func TestDecodeValueTwinEOF(t *testing.T) {
	var v Value
	if err := NewDecoder(nil, DecodeOptions{}).DecodeValue(&v); err != io.EOF {
		t.Fatalf("empty input: %v, want io.EOF", err)
	}
}
