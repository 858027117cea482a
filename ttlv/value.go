package ttlv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// Value is a decoded TTLV item held as a tree, for callers who prefer a tree
// to the streaming Decoder.
//
// The numeric types share Num: Integer (sign-extended), Long Integer,
// Enumeration, Boolean (0 or 1), Date-Time (POSIX seconds), Interval and
// Date-Time Extended (POSIX microseconds). Text String, Byte String and Big
// Integer (two's complement) values are in Bytes, as are the text of the
// KMIP 3.0 draft's Identifier, Reference and Name Reference; a Structure's items in
// Children. After decoding, Bytes aliases the input: see Clone.
type Value struct {
	Tag      Tag
	Type     Type
	Num      int64
	Bytes    []byte
	Children []Value
}

// Structure returns a Structure value holding children.
func Structure(tag Tag, children ...Value) Value {
	return Value{Tag: tag, Type: TypeStructure, Children: children}
}

// Integer returns an Integer value.
func Integer(tag Tag, v int32) Value { return Value{Tag: tag, Type: TypeInteger, Num: int64(v)} }

// LongInteger returns a Long Integer value.
func LongInteger(tag Tag, v int64) Value { return Value{Tag: tag, Type: TypeLongInteger, Num: v} }

// BigInteger returns a Big Integer value holding x.
func BigInteger(tag Tag, x *big.Int) Value {
	b := AppendBigInteger(nil, tag, x)
	return Value{Tag: tag, Type: TypeBigInteger, Bytes: b[HeaderSize:]}
}

// Enumeration returns an Enumeration value.
func Enumeration(tag Tag, v uint32) Value {
	return Value{Tag: tag, Type: TypeEnumeration, Num: int64(v)}
}

// Boolean returns a Boolean value.
func Boolean(tag Tag, v bool) Value {
	var n int64
	if v {
		n = 1
	}
	return Value{Tag: tag, Type: TypeBoolean, Num: n}
}

// TextString returns a Text String value.
func TextString(tag Tag, s string) Value {
	return Value{Tag: tag, Type: TypeTextString, Bytes: []byte(s)}
}

// Identifier returns an Identifier value (KMIP 3.0 draft: the type of a
// Unique Identifier).
func Identifier(tag Tag, s string) Value {
	return Value{Tag: tag, Type: TypeIdentifier, Bytes: []byte(s)}
}

// Reference returns a Reference value (KMIP 3.0 draft: a link to another
// object by its Unique Identifier).
func Reference(tag Tag, s string) Value {
	return Value{Tag: tag, Type: TypeReference, Bytes: []byte(s)}
}

// NameReference returns a Name Reference value (KMIP 3.0 draft: a link to
// an object by name, such as a Group Link).
func NameReference(tag Tag, s string) Value {
	return Value{Tag: tag, Type: TypeNameReference, Bytes: []byte(s)}
}

// ByteString returns a Byte String value. It keeps b, not a copy.
func ByteString(tag Tag, b []byte) Value { return Value{Tag: tag, Type: TypeByteString, Bytes: b} }

// DateTime returns a Date-Time value of t, truncated to seconds.
func DateTime(tag Tag, t time.Time) Value {
	return Value{Tag: tag, Type: TypeDateTime, Num: t.Unix()}
}

// Interval returns an Interval value.
func Interval(tag Tag, seconds uint32) Value {
	return Value{Tag: tag, Type: TypeInterval, Num: int64(seconds)}
}

// DateTimeExtended returns a Date-Time Extended value of t, truncated to
// microseconds.
func DateTimeExtended(tag Tag, t time.Time) Value {
	return Value{Tag: tag, Type: TypeDateTimeExtended, Num: t.UnixMicro()}
}

// Time returns a Date-Time or Date-Time Extended value as a time in UTC.
func (v *Value) Time() time.Time {
	if v.Type == TypeDateTimeExtended {
		return time.UnixMicro(v.Num).UTC()
	}
	return time.Unix(v.Num, 0).UTC()
}

// Text returns the value of a Text String (or of an Identifier, Reference
// or Name Reference) as a string (a copy).
func (v *Value) Text() string { return string(v.Bytes) }

// BigInt returns a Big Integer value as a new big.Int.
func (v *Value) BigInt() *big.Int { return BigIntegerValue(new(big.Int), v.Bytes) }

// Child returns the first child of a Structure with the given tag, or nil.
func (v *Value) Child(tag Tag) *Value {
	for i := range v.Children {
		if v.Children[i].Tag == tag {
			return &v.Children[i]
		}
	}
	return nil
}

// Clone returns a deep copy of v that shares no memory with it or with the
// input it was decoded from.
func (v *Value) Clone() Value {
	c := *v
	if v.Bytes != nil {
		c.Bytes = bytes.Clone(v.Bytes)
	}
	if v.Type == TypeStructure {
		c.Children = make([]Value, len(v.Children))
		for i := range v.Children {
			c.Children[i] = v.Children[i].Clone()
		}
	} else {
		c.Children = nil
	}
	return c
}

// Equal reports whether v and w encode to the same bytes: same tags, types,
// values and children in the same order.
func (v *Value) Equal(w *Value) bool {
	if v.Tag != w.Tag || v.Type != w.Type {
		return false
	}
	switch v.Type {
	case TypeStructure:
		if len(v.Children) != len(w.Children) {
			return false
		}
		for i := range v.Children {
			if !v.Children[i].Equal(&w.Children[i]) {
				return false
			}
		}
		return true
	case TypeTextString, TypeByteString, TypeBigInteger, TypeIdentifier, TypeReference, TypeNameReference:
		return bytes.Equal(v.Bytes, w.Bytes)
	case TypeInteger, TypeEnumeration, TypeInterval:
		return uint32(v.Num) == uint32(w.Num)
	default:
		return v.Num == w.Num
	}
}

// AppendValue appends the encoding of v to b: each Structure with its
// children and its length, each primitive with its header, value and zero
// padding. A Big Integer whose value is not a whole number of 8-byte
// groups is sign-extended to one (AppendBigIntegerBytes); every other
// value, of an undefined type too, is written as it is held. Once b has
// the room, it allocates nothing.
//
// It writes the tree in one loop (valueWriter.run) that calls nothing per
// item: each item is stored in place as whole words once its room is
// tested, a Structure's header is patched when its last child is written,
// and the open Structures are kept on a small stack of the call's own.
func AppendValue(b []byte, v *Value) []byte {
	var w valueWriter
	w.b, w.pos = b, len(b)
	w.items, w.n = v, 1 // the root: a level of one item
	for {
		switch w.run() {
		case writeDone:
			return w.b[:w.pos]
		case writeGrow:
			// append's growth, for at least the item that stopped the run.
			w.b = slices.Grow(w.b[:w.pos], w.need)
			continue
		}
		// An item the run does not write, appended by itself.
		c := &unsafe.Slice(w.items, w.n)[w.i]
		w.i++
		b := w.b[:w.pos]
		switch {
		case c.Type == TypeStructure:
			// Nested past the run's stack: the subtree in a call of its
			// own.
			b = AppendValue(b, c)
		case c.Type == TypeBigInteger && len(c.Bytes)%8 != 0:
			// Sign-extended on the left to whole groups.
			b = AppendBigIntegerBytes(b, c.Tag, c.Bytes)
		default:
			// A long value of a variable-length type: its header, the
			// value, then the zero padding.
			b = AppendHeader(b, c.Tag, c.Type, uint32(len(c.Bytes)))
			b = append(b, c.Bytes...)
			b = appendPad(b, len(c.Bytes))
		}
		w.b, w.pos = b, len(b)
	}
}

// valueWriter is the state of AppendValue's walk of a tree, kept in one
// place so that its fast loop (run) holds it in registers and the slow
// steps between runs find it. The bytes written so far are b[:pos]: run
// writes past len(b), inside its capacity, and only the slow steps
// reslice b.
type valueWriter struct {
	b     []byte
	pos   int
	need  int    // after writeGrow: the spare capacity the item needs
	items *Value // the level being written: items[0:n]
	n     int
	i     int // the next item of the level
	depth int // open Structures on stack
	stack [valueStackDepth]valueFrame
}

// valueStackDepth is how many open Structures run follows on its own
// stack (a power of two); a Structure nested deeper (never seen in real
// KMIP) is written by a call of AppendValue of its own.
const valueStackDepth = 16

// A valueFrame is an open Structure: the level holding it, as run holds
// one (its items and, in bytes, their end and the offset of the item
// after the Structure), and the offset in b of the Structure's header.
type valueFrame struct {
	items     *Value
	end, next int
	mark      int
}

// What stopped valueWriter.run.
const (
	writeDone = iota // the whole tree is written
	writeGrow        // an item needs w.need bytes of spare capacity
	writeSlow        // an item for AppendValue to write: items[i]
)

// copyInline is the longest value, in bytes, that run copies itself;
// AppendValue appends a longer one with memmove.
const copyInline = 64

// valueSize is the size of a Value, the stride of a level's items.
const valueSize = unsafe.Sizeof(Value{})

// run writes the items of the tree from w's level and item on, each in
// place with whole 8-byte stores once it has tested the spare capacity
// the item needs: it enters a Structure (its header written with a zero
// length, the level it leaves pushed on w.stack) and leaves it after its
// last child, patching the length, inline. It calls nothing, so that the
// position and the level being written stay in registers; it stops for an
// item that needs more room than b has (writeGrow), for one it does not
// write (writeSlow: a Structure past the stack, a Big Integer that is not
// whole groups, a value longer than copyInline), and at the end, w set at
// the item.
func (w *valueWriter) run() int {
	// The level as byte offsets: the item at i, the end of the items
	// at n (len*valueSize, which a slice's length cannot overflow).
	items, n, i := w.items, w.n*int(valueSize), w.i*int(valueSize)
	pos := w.pos
	// Every store below lies in [pos, pos+size) for a size tested against
	// limit-pos first, where 0 <= pos <= limit = cap(w.b) (pos starts at
	// len(w.b) and only grows past a test): inside w.b's capacity.
	base := unsafe.Pointer(unsafe.SliceData(w.b))
	limit := cap(w.b)
	why := writeDone
	for {
		// The primitive items of the level, up to a Structure or the
		// level's end.
		for i < n {
			// 0 <= i < n: the item lies inside the level's array.
			c := (*Value)(unsafe.Add(unsafe.Pointer(items), i))
			if c.Type == TypeStructure {
				break
			}
			// The header word, stored little-endian: the 3-byte tag
			// (the shift drops its high byte, as AppendHeader does),
			// the type and the length, big-endian as on the wire.
			head := uint64(c.Tag)<<40 | uint64(c.Type)<<32
			var total int
			if size := fixedSizes[c.Type]; size != 0 {
				// A fixed-size item: the header word and the value
				// word, a 4-byte value in its high half (the shift
				// drops the bits above 32, as uint32(v.Num) does),
				// then zero padding.
				total = 16
				if limit-pos < total {
					why, w.need = writeGrow, total
					goto stop
				}
				p := (*[2][8]byte)(unsafe.Add(base, pos))
				binary.LittleEndian.PutUint64(p[0][:], bits.ReverseBytes64(head|uint64(size)))
				binary.BigEndian.PutUint64(p[1][:], uint64(c.Num)<<((64-8*size)&63))
			} else {
				// A variable-length item: the text types, Byte String,
				// a Big Integer of whole groups, undefined types kept
				// raw.
				l := len(c.Bytes)
				if l > copyInline || (c.Type == TypeBigInteger && l%8 != 0) {
					why = writeSlow
					goto stop
				}
				total = HeaderSize + padded(l)
				if limit-pos < total {
					why, w.need = writeGrow, total
					goto stop
				}
				p := unsafe.Add(base, pos)
				binary.LittleEndian.PutUint64((*[8]byte)(p)[:], bits.ReverseBytes64(head|uint64(l)))
				// The value and its padding as whole words, in
				// p[8:total]. Each word of the value is loaded before
				// it is stored, so a value that is the very bytes being
				// written (a tree decoded from the buffer it is encoded
				// back into, at the same offset) is copied onto itself
				// unchanged. Every load stays inside c.Bytes. An empty
				// value writes nothing and forms no pointer to p+8, which
				// may be the end of b's capacity (checkptr rejects a
				// pointer past its buffer even when nothing is written).
				s := unsafe.Pointer(unsafe.SliceData(c.Bytes))
				switch {
				case l >= 8:
					d := unsafe.Add(p, HeaderSize)
					whole := l &^ 7
					off := 0
					for ; off+16 <= whole; off += 16 {
						*(*[16]byte)(unsafe.Add(d, off)) = *(*[16]byte)(unsafe.Add(s, off))
					}
					if off < whole {
						*(*[8]byte)(unsafe.Add(d, off)) = *(*[8]byte)(unsafe.Add(s, off))
					}
					if r := l & 7; r != 0 {
						// The last r bytes, from the word s[l-8:l] shifted down:
						// its high 8-r bytes, the padding, become zero.
						t := binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(s, l-8))[:]) >> ((64 - 8*r) & 63)
						binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(d, whole))[:], t)
					}
				case l >= 4:
					d := unsafe.Add(p, HeaderSize)
					// s[0:4] and s[l-4:l], overlapping unless l is 8 (the bytes
					// they share are the same), over a zero word.
					lo := *(*[4]byte)(s)
					hi := *(*[4]byte)(unsafe.Add(s, l-4))
					*(*[8]byte)(d) = [8]byte{}
					*(*[4]byte)(d) = lo
					*(*[4]byte)(unsafe.Add(d, l-4)) = hi
				case l > 0:
					d := unsafe.Add(p, HeaderSize)
					// s[0], s[l/2] and s[l-1]: every byte of 1 to 3, over a zero
					// word.
					b0, b1, b2 := *(*byte)(s), *(*byte)(unsafe.Add(s, l/2)), *(*byte)(unsafe.Add(s, l-1))
					*(*[8]byte)(d) = [8]byte{}
					*(*byte)(d) = b0
					*(*byte)(unsafe.Add(d, l/2)) = b1
					*(*byte)(unsafe.Add(d, l-1)) = b2
				}
			}
			pos += total
			i += int(valueSize)
		}
		if i < n {
			// A Structure: its header, with a zero length, and its
			// children next.
			c := (*Value)(unsafe.Add(unsafe.Pointer(items), i))
			if w.depth >= valueStackDepth {
				why = writeSlow
				break
			}
			if limit-pos < HeaderSize {
				why, w.need = writeGrow, HeaderSize
				break
			}
			binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(base, pos))[:],
				bits.ReverseBytes64(uint64(c.Tag)<<40|uint64(TypeStructure)<<32))
			// Field by field: one write barrier, for the pointer.
			f := &w.stack[w.depth&(valueStackDepth-1)]
			f.items, f.end, f.next, f.mark = items, n, i+int(valueSize), pos
			w.depth++
			pos += HeaderSize
			items, n, i = unsafe.SliceData(c.Children), len(c.Children)*int(valueSize), 0
			continue
		}
		// The end of a level: an open Structure's, or the root's.
		if w.depth == 0 {
			break
		}
		w.depth--
		f := &w.stack[w.depth&(valueStackDepth-1)]
		// EndStructure's rule: the length is patched only when it fits
		// the 4-byte field. The header was written at f.mark, so
		// 0 <= f.mark and f.mark+8 <= pos <= limit.
		if l := pos - f.mark - HeaderSize; uint64(l) <= MaxLength {
			binary.BigEndian.PutUint32((*[8]byte)(unsafe.Add(base, f.mark))[4:], uint32(l))
		}
		items, n, i = f.items, f.end, f.next
	}
stop:
	w.items, w.n, w.i, w.pos = items, n/int(valueSize), i/int(valueSize), pos
	return why
}

// fixedSizes holds the value size of each fixed-size type (KMIP 2.1
// §10.1.2), zero for the others.
var fixedSizes = [256]uint8{
	TypeInteger:          4,
	TypeEnumeration:      4,
	TypeInterval:         4,
	TypeLongInteger:      8,
	TypeBoolean:          8,
	TypeDateTime:         8,
	TypeDateTimeExtended: 8,
}

// Value appends the encoding of v.
func (e *Encoder) Value(v *Value) { e.grab(); e.buf = AppendValue(e.buf, v) }

// DecodeValue reads the next item, with its whole subtree, into v. It
// reuses v's Children slices at every level, so decoding into the same
// Value again allocates nothing once the tree has reached its size. Byte
// values alias the input (see Clone). It returns io.EOF like Next.
func (d *Decoder) DecodeValue(v *Value) error {
	it, err := d.Next()
	if err != nil {
		return err
	}
	return d.fill(v, it)
}

func (d *Decoder) fill(v *Value, it Item) error {
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
	return d.fillChildren(v)
}

// setScalar stores the value of a primitive item in v (Tag and Type set),
// Num and Bytes both (whatever v held before).
func (v *Value) setScalar(it Item) {
	switch it.Type {
	case TypeInteger:
		v.Num, v.Bytes = int64(it.Int()), nil
	case TypeEnumeration, TypeInterval:
		v.Num, v.Bytes = int64(it.Enum()), nil
	case TypeLongInteger, TypeDateTime, TypeDateTimeExtended:
		v.Num, v.Bytes = it.Long(), nil
	case TypeBoolean:
		v.Num, v.Bytes = 0, nil
		if it.Bool() {
			v.Num = 1
		}
	default:
		v.Num, v.Bytes = 0, it.Value
	}
}

var decoderPool = sync.Pool{New: func() any { return new(Decoder) }}

// Unmarshal decodes the single TTLV message in b into v, strictly and with
// the default limits, reusing v's storage (see Decoder.DecodeValue).
func Unmarshal(b []byte, v *Value) error {
	return UnmarshalOptions(b, v, DecodeOptions{})
}

// UnmarshalOptions is Unmarshal with options.
func UnmarshalOptions(b []byte, v *Value, opts DecodeOptions) error {
	opts.Sequence = false
	d := decoderPool.Get().(*Decoder)
	d.Reset(b, opts)
	err := d.DecodeValue(v)
	if err == nil {
		// The message must be the whole input.
		if _, err = d.Next(); err == io.EOF {
			err = nil
		} else if err == nil {
			err = fmt.Errorf("ttlv: %w", ErrTrailing)
		}
	} else if err == io.EOF {
		err = &Error{Offset: 0, Err: fmt.Errorf("%w: empty input", ErrTruncated)}
	}
	d.Reset(nil, DecodeOptions{})
	decoderPool.Put(d)
	return err
}

// Marshal returns the encoding of v in a new slice.
func Marshal(v *Value) []byte { return AppendValue(nil, v) }

// String renders v as an indented dump (see Dump).
func (v *Value) String() string {
	b := AppendValue(nil, v)
	var out bytes.Buffer
	if err := Dump(&out, b, DumpOptions{NoOffsets: true, Decode: DecodeOptions{Lax: ^Lax(0)}}); err != nil {
		fmt.Fprintf(&out, "<%v>", err)
	}
	return out.String()
}
