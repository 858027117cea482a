package ttlv

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Every error returned by the decoding functions of this
// package wraps exactly one of them, so callers can test with errors.Is.
var (
	// ErrTruncated: the input ends before the item it announces.
	ErrTruncated = errors.New("truncated input")
	// ErrType: the Item Type byte is not one of the eleven defined types.
	ErrType = errors.New("invalid item type")
	// ErrLength: the Item Length is not allowed for the Item Type
	// (KMIP 2.1 §10.1.3, Table 427).
	ErrLength = errors.New("invalid item length")
	// ErrPadding: a padding byte is not zero.
	ErrPadding = errors.New("non-zero padding")
	// ErrBoolean: a Boolean holds a value other than 0 or 1.
	ErrBoolean = errors.New("invalid boolean")
	// ErrUTF8: a Text String is not valid UTF-8 (RFC 3629).
	ErrUTF8 = errors.New("invalid UTF-8 in text string")
	// ErrOverrun: an item extends past the end of its enclosing Structure.
	ErrOverrun = errors.New("item overruns its structure")
	// ErrDepth: Structures nest deeper than the configured limit.
	ErrDepth = errors.New("structure nesting too deep")
	// ErrTooLarge: a message exceeds the configured maximum size.
	ErrTooLarge = errors.New("message too large")
	// ErrTrailing: bytes follow the top-level item.
	ErrTrailing = errors.New("trailing bytes after message")
	// ErrSyntax: a misuse of the streaming API or another malformation.
	ErrSyntax = errors.New("malformed TTLV")
)

// Error describes malformed input: where it is and what was expected.
// Err wraps one of the sentinels above.
type Error struct {
	// Offset is the byte offset, from the start of the input, of the item
	// header (or byte) at fault.
	Offset int64
	// Path lists the tags from the outermost Structure down to the item at
	// fault, when the item's tag could be read.
	Path Path
	// Err is the sentinel, possibly wrapped with detail.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ttlv: offset ")
	b.WriteString(strconv.FormatInt(e.Offset, 10))
	if len(e.Path) > 0 {
		b.WriteString(" ")
		b.WriteString(e.Path.String())
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Path is a sequence of tags from the outermost Structure inwards.
type Path []Tag

// String renders p as "/RequestMessage/BatchItem/Operation", with names from
// the built-in tables and "0x54XXXX" for tags they do not know.
func (p Path) String() string {
	var b strings.Builder
	for _, t := range p {
		b.WriteByte('/')
		b.WriteString(t.String())
	}
	if len(p) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}
