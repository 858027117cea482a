package ttlv

import (
	"bytes"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"
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

// AppendValue appends the encoding of v to b.
func AppendValue(b []byte, v *Value) []byte {
	switch v.Type {
	case TypeStructure:
		b, mark := BeginStructure(b, v.Tag)
		for i := range v.Children {
			b = AppendValue(b, &v.Children[i])
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
		// Already a whole number of groups (as decoded): keep it exact.
		b = AppendHeader(b, v.Tag, v.Type, uint32(len(v.Bytes)))
		return append(b, v.Bytes...)
	default: // the text types, ByteString, and undefined types kept raw
		b = AppendHeader(b, v.Tag, v.Type, uint32(len(v.Bytes)))
		b = append(b, v.Bytes...)
		return appendPad(b, len(v.Bytes))
	}
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
