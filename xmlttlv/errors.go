package xmlttlv

import (
	"errors"

	"github.com/kmipwire/kmipwire/internal/textform"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Sentinel errors. Every *Error wraps exactly one of them, for errors.Is.
var (
	// ErrSyntax: the input is not well-formed XML, or uses XML that the
	// KMIP form has no use for (a DOCTYPE, CDATA, text between elements).
	ErrSyntax = errors.New("invalid XML")
	// ErrUnknownTag: an element name or "tag" attribute is neither a known
	// tag name nor "0x" and six hex digits.
	ErrUnknownTag = errors.New("unknown tag")
	// ErrType: a "type" attribute is not one of the KMIP Item Type names.
	ErrType = errors.New("invalid type")
	// ErrValue: a "value" cannot be converted to its type (a number out of
	// range, bad hex, an unknown enumeration name, a malformed date).
	ErrValue = errors.New("invalid value")
	// ErrElement: an item element lacks "value" (or "tag" for TTLV),
	// repeats an attribute, has one that KMIP does not define, or has a
	// "value" on a Structure.
	ErrElement = errors.New("invalid item element")
	// ErrDepth: Structures nest deeper than the configured limit.
	ErrDepth = errors.New("structure nesting too deep")
	// ErrTooLarge: the input or a Structure exceeds a size limit.
	ErrTooLarge = errors.New("message too large")
)

// Error describes XML input that cannot be converted: where it is, the tags
// of the items around it, and what was expected there. Err wraps one of the
// sentinels above.
type Error struct {
	// Line and Column locate the fault, both counting from 1; Column counts
	// bytes.
	Line, Column int
	// Offset is the byte offset of the fault in the input.
	Offset int64
	// Path lists the tags of the enclosing Structures and, when it was
	// read, of the item at fault.
	Path ttlv.Path
	// Want says what the input should have held, when that is useful.
	Want string
	// Err is the sentinel, possibly wrapped with detail.
	Err error
}

// Error implements the error interface:
//
//	xmlttlv: line 5 column 4 /RequestMessage: unknown tag: "Header", did you mean "RequestHeader"?
func (e *Error) Error() string {
	return textform.TextErrorString("xmlttlv", e.Line, e.Column, e.Path, e.Err, e.Want)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }
