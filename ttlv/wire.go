package ttlv

import (
	"encoding/binary"
	"math/big"
	"time"
	"unicode/utf8"
)

// This file holds the stateless layer: functions over []byte that append one
// encoded item, or consume one from the front of a buffer (KMIP 2.1 §10.1,
// KMIP 1.4 §9.1). Consume* functions return values that alias their input and
// report errors as a negative byte count, turned into an error by ParseError.

// HeaderSize is the size of an item's Tag, Type and Length fields.
const HeaderSize = 8

// MaxLength is the largest Item Length the wire form can carry.
const MaxLength = 1<<32 - 1

// Negative results of the Consume functions. ParseError maps each to its
// sentinel error.
const (
	errCodeTruncated = -1 - iota
	errCodeType
	errCodeLength
	errCodePadding
	errCodeBoolean
	errCodeUTF8
)

// ParseError converts a negative count returned by a Consume function into
// an error wrapping one of the package's sentinels (ErrTruncated, ErrType,
// ErrLength, ErrPadding, ErrBoolean, ErrUTF8). It returns nil for n >= 0.
func ParseError(n int) error {
	switch n {
	case errCodeTruncated:
		return ErrTruncated
	case errCodeType:
		return ErrType
	case errCodeLength:
		return ErrLength
	case errCodePadding:
		return ErrPadding
	case errCodeBoolean:
		return ErrBoolean
	case errCodeUTF8:
		return ErrUTF8
	}
	if n < 0 {
		return ErrSyntax
	}
	return nil
}

// padded returns n rounded up to a multiple of eight.
func padded(n int) int { return (n + 7) &^ 7 }

// AppendHeader appends an item header: the 3-byte Tag, 1-byte Type and
// 4-byte Length, all big-endian.
func AppendHeader(b []byte, tag Tag, typ Type, length uint32) []byte {
	return append(b, byte(tag>>16), byte(tag>>8), byte(tag), byte(typ),
		byte(length>>24), byte(length>>16), byte(length>>8), byte(length))
}

// ConsumeHeader parses an item header from the front of b. It checks only
// that eight bytes are present: the Type and Length are returned as found.
func ConsumeHeader(b []byte) (tag Tag, typ Type, length uint32, n int) {
	if len(b) < HeaderSize {
		return 0, 0, 0, errCodeTruncated
	}
	_ = b[7]
	tag = Tag(b[0])<<16 | Tag(b[1])<<8 | Tag(b[2])
	return tag, Type(b[3]), binary.BigEndian.Uint32(b[4:8]), HeaderSize
}

// appendPad appends the zero bytes that bring a value of n bytes to a
// multiple of eight.
func appendPad(b []byte, n int) []byte {
	var zero [8]byte
	return append(b, zero[:padded(n)-n]...)
}

func append4(b []byte, tag Tag, typ Type, v uint32) []byte {
	return append(b, byte(tag>>16), byte(tag>>8), byte(tag), byte(typ), 0, 0, 0, 4,
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v), 0, 0, 0, 0)
}

func append8(b []byte, tag Tag, typ Type, v uint64) []byte {
	return append(b, byte(tag>>16), byte(tag>>8), byte(tag), byte(typ), 0, 0, 0, 8,
		byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// AppendInteger appends an Integer item (32-bit signed, padded to 8 bytes).
func AppendInteger(b []byte, tag Tag, v int32) []byte {
	return append4(b, tag, TypeInteger, uint32(v))
}

// AppendLongInteger appends a Long Integer item (64-bit signed).
func AppendLongInteger(b []byte, tag Tag, v int64) []byte {
	return append8(b, tag, TypeLongInteger, uint64(v))
}

// AppendEnumeration appends an Enumeration item (32-bit unsigned, padded).
func AppendEnumeration(b []byte, tag Tag, v uint32) []byte {
	return append4(b, tag, TypeEnumeration, v)
}

// AppendBoolean appends a Boolean item: eight bytes holding 0 or 1.
func AppendBoolean(b []byte, tag Tag, v bool) []byte {
	var u uint64
	if v {
		u = 1
	}
	return append8(b, tag, TypeBoolean, u)
}

// AppendDateTime appends a Date-Time item: POSIX seconds as a signed 64-bit
// integer.
func AppendDateTime(b []byte, tag Tag, unixSeconds int64) []byte {
	return append8(b, tag, TypeDateTime, uint64(unixSeconds))
}

// AppendTime appends t as a Date-Time item, truncated to whole seconds.
func AppendTime(b []byte, tag Tag, t time.Time) []byte {
	return AppendDateTime(b, tag, t.Unix())
}

// AppendDateTimeExtended appends a Date-Time Extended item (KMIP 2.0+):
// POSIX microseconds as a signed 64-bit integer.
func AppendDateTimeExtended(b []byte, tag Tag, unixMicros int64) []byte {
	return append8(b, tag, TypeDateTimeExtended, uint64(unixMicros))
}

// AppendInterval appends an Interval item: unsigned 32-bit seconds, padded.
func AppendInterval(b []byte, tag Tag, seconds uint32) []byte {
	return append4(b, tag, TypeInterval, seconds)
}

// AppendTextString appends a Text String item. The caller is responsible for
// s being valid UTF-8; the strict decoder rejects anything else.
func AppendTextString(b []byte, tag Tag, s string) []byte {
	b = AppendHeader(b, tag, TypeTextString, uint32(len(s)))
	b = append(b, s...)
	return appendPad(b, len(s))
}

// AppendTextBytes is AppendTextString for text held in a byte slice.
func AppendTextBytes(b []byte, tag Tag, s []byte) []byte {
	b = AppendHeader(b, tag, TypeTextString, uint32(len(s)))
	b = append(b, s...)
	return appendPad(b, len(s))
}

// AppendString appends an item of one of the text types (see
// Type.IsString): a Text String, or an Identifier, Reference or Name
// Reference of the KMIP 3.0 draft, encoded alike; s is a string or a
// []byte. The caller is responsible for typ being one of them and s valid
// UTF-8.
func AppendString[S string | []byte](b []byte, tag Tag, typ Type, s S) []byte {
	b = AppendHeader(b, tag, typ, uint32(len(s)))
	b = append(b, s...)
	return appendPad(b, len(s))
}

// AppendByteString appends a Byte String item.
func AppendByteString(b []byte, tag Tag, v []byte) []byte {
	b = AppendHeader(b, tag, TypeByteString, uint32(len(v)))
	b = append(b, v...)
	return appendPad(b, len(v))
}

// AppendBigIntegerBytes appends a Big Integer item whose value is the
// big-endian two's complement integer in v. The value is sign-extended on
// the left to a multiple of eight bytes, and that extension counts in the
// Item Length (KMIP 2.1 §10.1.2). An empty v encodes zero as eight zero
// bytes.
func AppendBigIntegerBytes(b []byte, tag Tag, v []byte) []byte {
	n := padded(len(v))
	if n == 0 {
		n = 8
	}
	b = AppendHeader(b, tag, TypeBigInteger, uint32(n))
	var ext byte
	if len(v) > 0 && v[0]&0x80 != 0 {
		ext = 0xFF
	}
	for i := len(v); i < n; i++ {
		b = append(b, ext)
	}
	return append(b, v...)
}

// AppendBigInteger appends x as a Big Integer item in the minimal number of
// eight-byte groups.
func AppendBigInteger(b []byte, tag Tag, x *big.Int) []byte {
	n := SizeBigInteger(x) - HeaderSize
	b = AppendHeader(b, tag, TypeBigInteger, uint32(n))
	start := len(b)
	b = append(b, make([]byte, n)...)
	dst := b[start:]
	if x.Sign() >= 0 {
		x.FillBytes(dst)
		return b
	}
	// Two's complement of a negative x: invert the bits of |x|-1.
	var m big.Int
	m.Neg(x)
	m.Sub(&m, bigOne)
	m.FillBytes(dst)
	for i := range dst {
		dst[i] = ^dst[i]
	}
	return b
}

var bigOne = big.NewInt(1)

// SizeBigInteger returns the encoded size of x as a Big Integer item,
// header included.
func SizeBigInteger(x *big.Int) int {
	// Bits needed for two's complement, plus one for the sign.
	var bits int
	if x.Sign() >= 0 {
		bits = x.BitLen() + 1
	} else {
		var m big.Int
		m.Neg(x)
		m.Sub(&m, bigOne)
		bits = m.BitLen() + 1
	}
	n := padded((bits + 7) / 8)
	return HeaderSize + n
}

// BeginStructure appends the header of a Structure with a zero length and
// returns the buffer and a mark. Append the children, then call EndStructure
// with the mark to patch the length. Structures nest by keeping one mark per
// open Structure; no closure or intermediate buffer is involved.
func BeginStructure(b []byte, tag Tag) ([]byte, int) {
	mark := len(b)
	return AppendHeader(b, tag, TypeStructure, 0), mark
}

// EndStructure patches the length of the Structure whose header starts at
// mark, as returned by BeginStructure. It returns false, leaving b unchanged,
// when the contents exceed MaxLength or the mark does not point at a header.
func EndStructure(b []byte, mark int) bool {
	if mark < 0 || mark+HeaderSize > len(b) {
		return false
	}
	n := len(b) - mark - HeaderSize
	if uint64(n) > MaxLength {
		return false
	}
	binary.BigEndian.PutUint32(b[mark+4:mark+8], uint32(n))
	return true
}

// Sizes of the fixed-size items, header and padding included.
const (
	SizeInteger          = 16
	SizeLongInteger      = 16
	SizeEnumeration      = 16
	SizeBoolean          = 16
	SizeDateTime         = 16
	SizeInterval         = 16
	SizeDateTimeExtended = 16
)

// SizeBytes returns the encoded size of a Text String or Byte String item
// whose value is n bytes long, header and padding included.
func SizeBytes(n int) int { return HeaderSize + padded(n) }

// SizeStructure returns the encoded size of a Structure whose children take
// n bytes (n is a multiple of eight for well-formed children).
func SizeStructure(n int) int { return HeaderSize + n }

// ConsumeValue parses one whole item from the front of b and checks it
// against the strict rules of KMIP 2.1 §10.1: a defined Type, the fixed
// length of the fixed-size types, a Big Integer length that is a multiple of
// eight, a Boolean of 0 or 1, zero padding, valid UTF-8 text. It returns the
// value bytes without header and padding (for a Structure, its contents,
// not validated) and the number of bytes consumed, or a negative n.
func ConsumeValue(b []byte) (tag Tag, typ Type, v []byte, n int) {
	tag, typ, length, n := ConsumeHeader(b)
	if n < 0 {
		return 0, 0, nil, n
	}
	if c := checkLength(typ, length); c < 0 {
		return tag, typ, nil, c
	}
	end := padded(int(length))
	if uint64(length) > uint64(len(b)-HeaderSize) || end > len(b)-HeaderSize {
		return tag, typ, nil, errCodeTruncated
	}
	v = b[HeaderSize : HeaderSize+int(length)]
	if c := checkValue(typ, v, b[HeaderSize+int(length):HeaderSize+end]); c < 0 {
		return tag, typ, nil, c
	}
	return tag, typ, v, HeaderSize + end
}

// checkLength validates an Item Length against its Type (Table 427).
func checkLength(typ Type, length uint32) int {
	switch typ {
	case TypeStructure, TypeBigInteger:
		if length%8 != 0 {
			return errCodeLength
		}
	case TypeTextString, TypeByteString, TypeIdentifier, TypeReference, TypeNameReference:
	case TypeInteger, TypeEnumeration, TypeInterval:
		if length != 4 {
			return errCodeLength
		}
	case TypeLongInteger, TypeBoolean, TypeDateTime, TypeDateTimeExtended:
		if length != 8 {
			return errCodeLength
		}
	default:
		return errCodeType
	}
	return 0
}

// checkValue validates a primitive value and its padding.
func checkValue(typ Type, v, pad []byte) int {
	for _, c := range pad {
		if c != 0 {
			return errCodePadding
		}
	}
	switch typ {
	case TypeBoolean:
		if binary.BigEndian.Uint64(v) > 1 {
			return errCodeBoolean
		}
	case TypeTextString, TypeIdentifier, TypeReference, TypeNameReference:
		if !utf8.Valid(v) {
			return errCodeUTF8
		}
	}
	return 0
}

// ConsumeInteger parses an Integer item from the front of b.
func ConsumeInteger(b []byte) (tag Tag, v int32, n int) {
	tag, v32, n := consume4(b, TypeInteger)
	return tag, int32(v32), n
}

// ConsumeEnumeration parses an Enumeration item from the front of b.
func ConsumeEnumeration(b []byte) (tag Tag, v uint32, n int) {
	return consume4(b, TypeEnumeration)
}

// ConsumeInterval parses an Interval item from the front of b.
func ConsumeInterval(b []byte) (tag Tag, seconds uint32, n int) {
	return consume4(b, TypeInterval)
}

// ConsumeLongInteger parses a Long Integer item from the front of b.
func ConsumeLongInteger(b []byte) (tag Tag, v int64, n int) {
	tag, u, n := consume8(b, TypeLongInteger)
	return tag, int64(u), n
}

// ConsumeDateTime parses a Date-Time item (POSIX seconds).
func ConsumeDateTime(b []byte) (tag Tag, unixSeconds int64, n int) {
	tag, u, n := consume8(b, TypeDateTime)
	return tag, int64(u), n
}

// ConsumeDateTimeExtended parses a Date-Time Extended item (POSIX
// microseconds).
func ConsumeDateTimeExtended(b []byte) (tag Tag, unixMicros int64, n int) {
	tag, u, n := consume8(b, TypeDateTimeExtended)
	return tag, int64(u), n
}

// ConsumeBoolean parses a Boolean item; values other than 0 and 1 are an
// error.
func ConsumeBoolean(b []byte) (tag Tag, v bool, n int) {
	tag, u, n := consume8(b, TypeBoolean)
	return tag, u == 1, n
}

// ConsumeTextString parses a Text String item. The returned slice aliases b.
func ConsumeTextString(b []byte) (tag Tag, v []byte, n int) {
	return consumeBytes(b, TypeTextString)
}

// ConsumeString parses an item of any of the text types (see
// Type.IsString) and returns its type with the value, which aliases b:
// where KMIP 3.0 lets a field be a Text String or an Identifier (a Unique
// Identifier), one call reads both.
func ConsumeString(b []byte) (tag Tag, typ Type, v []byte, n int) {
	tag, typ, v, n = ConsumeValue(b)
	if n < 0 {
		return tag, typ, nil, n
	}
	if !typ.IsString() {
		return tag, typ, nil, errCodeType
	}
	return tag, typ, v, n
}

// ConsumeByteString parses a Byte String item. The returned slice aliases b.
func ConsumeByteString(b []byte) (tag Tag, v []byte, n int) {
	return consumeBytes(b, TypeByteString)
}

// ConsumeBigInteger parses a Big Integer item and returns its two's
// complement big-endian bytes, aliasing b. Use BigIntegerValue to convert.
func ConsumeBigInteger(b []byte) (tag Tag, v []byte, n int) {
	return consumeBytes(b, TypeBigInteger)
}

// ConsumeStructure parses a Structure header and returns its contents,
// aliasing b, without validating them. n counts the whole Structure.
func ConsumeStructure(b []byte) (tag Tag, contents []byte, n int) {
	return consumeBytes(b, TypeStructure)
}

func consume4(b []byte, want Type) (Tag, uint32, int) {
	tag, typ, v, n := ConsumeValue(b)
	if n < 0 {
		return tag, 0, n
	}
	if typ != want {
		return tag, 0, errCodeType
	}
	return tag, binary.BigEndian.Uint32(v), n
}

func consume8(b []byte, want Type) (Tag, uint64, int) {
	tag, typ, v, n := ConsumeValue(b)
	if n < 0 {
		return tag, 0, n
	}
	if typ != want {
		return tag, 0, errCodeType
	}
	return tag, binary.BigEndian.Uint64(v), n
}

func consumeBytes(b []byte, want Type) (Tag, []byte, int) {
	tag, typ, v, n := ConsumeValue(b)
	if n < 0 {
		return tag, nil, n
	}
	if typ != want {
		return tag, nil, errCodeType
	}
	return tag, v, n
}

// BigIntegerValue converts a Big Integer value (two's complement,
// big-endian) into z and returns z.
func BigIntegerValue(z *big.Int, v []byte) *big.Int {
	z.SetBytes(v)
	if len(v) > 0 && v[0]&0x80 != 0 {
		// Negative: subtract 2^(8·len).
		var m big.Int
		m.Lsh(bigOne, uint(8*len(v)))
		z.Sub(z, &m)
	}
	return z
}
