package batch

import (
	"errors"
	"strconv"
	"strings"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Sentinels, for errors.Is. Malformed TTLV wraps the ttlv sentinels instead.
var (
	// ErrNotRequest: the message is not a RequestMessage Structure.
	ErrNotRequest = errors.New("not a RequestMessage")
	// ErrMissing: a required field is absent.
	ErrMissing = errors.New("required field missing")
	// ErrField: a field has the wrong type or an invalid value.
	ErrField = errors.New("invalid field")
	// ErrBatchCount: BatchCount differs from the number of BatchItems.
	ErrBatchCount = errors.New("batch count mismatch")
	// ErrTooManyItems: more batch items than Options.MaxItems.
	ErrTooManyItems = errors.New("too many batch items")
)

// Error locates a fault in a request: which item (-1 for the message or
// its header), the byte offset and the tag path.
type Error struct {
	// Item is the index of the batch item at fault, or -1.
	Item int
	// Offset is the byte offset in the message, -1 if unknown.
	Offset int64
	// Path is the tag path of the faulty field, when known (a wrapped
	// *ttlv.Error carries its own).
	Path ttlv.Path
	// Err wraps a sentinel of this package or of ttlv.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("batch: ")
	if e.Item >= 0 {
		b.WriteString("item ")
		b.WriteString(strconv.Itoa(e.Item))
		b.WriteString(": ")
	}
	if len(e.Path) > 0 {
		b.WriteString("offset ")
		b.WriteString(strconv.FormatInt(e.Offset, 10))
		b.WriteString(" ")
		b.WriteString(e.Path.String())
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }
