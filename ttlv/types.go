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

// The Item Types. Values 0x01–0x0A exist since KMIP 1.0; DateTimeExtended
// (0x0B) was added in KMIP 2.0. Identifier (0x0C), Reference (0x0D) and
// Name Reference (0x0E) are those of the KMIP 3.0 committee draft (Item
// Type enumeration; draft level, see IsString): a Unique Identifier may be
// an Identifier, the links to other objects are References, a link naming
// a group a Name Reference. KMIP 1.x and 2.x define none of the three.
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
	TypeIdentifier       Type = 0x0C
	TypeReference        Type = 0x0D
	TypeNameReference    Type = 0x0E
)

// typeLast is the highest defined Item Type.
const typeLast = TypeNameReference

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
	TypeIdentifier:       "Identifier",
	TypeReference:        "Reference",
	TypeNameReference:    "NameReference",
}

// Valid reports whether t is a defined Item Type: the eleven of KMIP 2.1 or
// the three the KMIP 3.0 draft adds.
func (t Type) Valid() bool { return t >= TypeStructure && t <= typeLast }

// IsString reports whether values of type t are text: a Text String, or
// one of the KMIP 3.0 draft's Identifier, Reference and Name Reference,
// which the draft's Item Type table describes as sequences of characters
// like a Text String. This package encodes and checks all four alike: the
// Item Length counts the UTF-8 bytes, the value is padded with zeros to a
// multiple of eight bytes, and the strict decoder requires valid UTF-8.
// (The draft's encoding section could not be consulted; the
// OASIS 3.0 test cases write these types' values as plain strings.)
func (t Type) IsString() bool {
	return t == TypeTextString || t >= TypeIdentifier && t <= TypeNameReference
}

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
	for t := TypeStructure; t <= typeLast; t++ {
		if string(s) == typeNames[t] {
			return t, true
		}
	}
	return 0, false
}

// fixedLen is the one Item Length the strict decoder accepts for each
// fixed-size type (KMIP 2.1 §10.1.3, Table 427); 0 means variable.
var fixedLen = [...]uint32{
	TypeInteger:          4,
	TypeLongInteger:      8,
	TypeEnumeration:      4,
	TypeBoolean:          8,
	TypeDateTime:         8,
	TypeInterval:         4,
	TypeDateTimeExtended: 8,
	typeLast:             0,
}

// FixedLength returns the Item Length a value of type t must have, and
// false for the variable-length types (Structure, BigInteger, TextString,
// ByteString, Identifier, Reference, NameReference).
func (t Type) FixedLength() (int, bool) {
	if int(t) < len(fixedLen) && fixedLen[t] != 0 {
		return int(fixedLen[t]), true
	}
	return 0, false
}
