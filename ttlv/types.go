package ttlv

import "strconv"

// Tag is a KMIP Item Tag: a 24-bit unsigned integer, transmitted as three
// big-endian bytes (KMIP 2.1 §10.1.1, KMIP 1.4 §9.1.1.1). Tags defined by the
// specification lie in 0x420000–0x42FFFF; 0x540000–0x54FFFF is the extension
// range (KMIP 2.1 §11, "Tag" enumeration).
type Tag uint32

// Extension reports whether t lies in the 0x54xxxx extension range.
func (t Tag) Extension() bool { return t>>16 == 0x54 }

// Valid reports whether t fits in the 24 bits of the wire form.
func (t Tag) Valid() bool { return t <= 0xFFFFFF }

// String returns the normalized KMIP name of t (KMIP 2.1 tag table, e.g.
// "BatchItem"), or "0x42XXXX" when the built-in tables do not name it.
func (t Tag) String() string {
	if name, ok := builtinTagName(t); ok {
		return name
	}
	return t.Hex()
}

// Hex returns t as "0x" followed by six upper-case hexadecimal digits,
// the form the JSON and XML encodings use for unnamed tags.
func (t Tag) Hex() string {
	var b [8]byte
	return string(appendHex(b[:0], uint32(t), 6))
}

// appendHex appends "0x" and the low n hex digits of v, upper case: the
// form of unnamed tags (n = 6) and enumeration values (n = 8).
func appendHex(b []byte, v uint32, n int) []byte {
	const digits = "0123456789ABCDEF"
	b = append(b, '0', 'x')
	for shift := 4 * (n - 1); shift >= 0; shift -= 4 {
		b = append(b, digits[(v>>uint(shift))&0xF])
	}
	return b
}

// Type is a KMIP Item Type (KMIP 2.1 §10.1.2 and §11.23, Table 458).
type Type uint8

// The eleven Item Types of KMIP 2.1. Values 0x01–0x0A exist since KMIP 1.0;
// DateTimeExtended (0x0B) was added in KMIP 2.0.
const (
	TypeStructure        Type = 0x01
	TypeInteger          Type = 0x02
	TypeLongInteger      Type = 0x03
	TypeBigInteger       Type = 0x04
	TypeEnumeration      Type = 0x05
	TypeBoolean          Type = 0x06
	TypeTextString       Type = 0x07
	TypeByteString       Type = 0x08
	TypeDateTime         Type = 0x09
	TypeInterval         Type = 0x0A
	TypeDateTimeExtended Type = 0x0B
)

var typeNames = [...]string{
	TypeStructure:        "Structure",
	TypeInteger:          "Integer",
	TypeLongInteger:      "LongInteger",
	TypeBigInteger:       "BigInteger",
	TypeEnumeration:      "Enumeration",
	TypeBoolean:          "Boolean",
	TypeTextString:       "TextString",
	TypeByteString:       "ByteString",
	TypeDateTime:         "DateTime",
	TypeInterval:         "Interval",
	TypeDateTimeExtended: "DateTimeExtended",
}

// Valid reports whether t is one of the eleven defined Item Types.
func (t Type) Valid() bool { return t >= TypeStructure && t <= TypeDateTimeExtended }

// String returns the type's name as the JSON and XML encodings spell it
// ("Structure", "LongInteger", …), or "0xNN" for an undefined type byte.
func (t Type) String() string {
	if t == TypeEnd {
		return "End"
	}
	if t.Valid() {
		return typeNames[t]
	}
	return "0x" + strconv.FormatUint(uint64(t)|0x100, 16)[1:]
}

// ParseType returns the Type named s, as produced by [Type.String].
// It does not allocate.
func ParseType(s []byte) (Type, bool) {
	for t := TypeStructure; t <= TypeDateTimeExtended; t++ {
		if string(s) == typeNames[t] {
			return t, true
		}
	}
	return 0, false
}

// fixedLen is the one Item Length the strict decoder accepts for each
// fixed-size type (KMIP 2.1 §10.1.3, Table 427); 0 means variable.
var fixedLen = [...]uint32{
	TypeInteger:              4,
	TypeLongInteger:          8,
	TypeEnumeration:          4,
	TypeBoolean:              8,
	TypeDateTime:             8,
	TypeInterval:             4,
	TypeDateTimeExtended:     8,
	TypeDateTimeExtended + 1: 0,
}

// FixedLength returns the Item Length a value of type t must have, and
// false for the variable-length types (Structure, BigInteger, TextString,
// ByteString).
func (t Type) FixedLength() (int, bool) {
	if int(t) < len(fixedLen) && fixedLen[t] != 0 {
		return int(fixedLen[t]), true
	}
	return 0, false
}
