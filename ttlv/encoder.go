package ttlv

import (
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/kmipwire/kmipwire/internal/pool"
)

// Encoder writes TTLV items into a buffer taken from a pool, patching each
// Structure's length when it ends (no second pass, no closures), and flushes
// complete top-level items to an io.Writer.
//
// Misuse (End without Begin, a Structure over 4 GiB, Flush inside a
// Structure) does not panic: it records an error that Err, Flush and every
// later call report, and the output is not to be used.
type Encoder struct {
	buf   []byte
	pbuf  *[]byte // pooled backing of buf, returned by Release
	marks []int
	w     io.Writer
	err   error
}

// NewEncoder returns an Encoder that flushes to w. With a nil w, the
// encoded bytes are read with Bytes.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Reset discards any output and errors and sets the destination to w,
// keeping the buffer.
func (e *Encoder) Reset(w io.Writer) {
	e.buf = e.buf[:0]
	e.marks = e.marks[:0]
	e.w = w
	e.err = nil
}

// Release returns the buffer to the pool. The Encoder stays usable; it
// takes a new buffer when it next writes. Bytes previously returned by
// Bytes must not be used after Release.
func (e *Encoder) Release() {
	if e.pbuf != nil {
		*e.pbuf = e.buf
		pool.Put(e.pbuf)
	}
	e.pbuf, e.buf = nil, nil
}

// grab makes sure the Encoder owns a pooled buffer.
func (e *Encoder) grab() {
	if e.buf == nil {
		e.pbuf = pool.Get()
		e.buf = *e.pbuf
	}
}

// Begin opens a Structure; End closes it.
func (e *Encoder) Begin(tag Tag) {
	e.grab()
	var mark int
	e.buf, mark = BeginStructure(e.buf, tag)
	e.marks = append(e.marks, mark)
}

// End closes the Structure opened by the matching Begin.
func (e *Encoder) End() {
	if len(e.marks) == 0 {
		e.fail(fmt.Errorf("ttlv: Encoder.End: %w: no open Structure", ErrSyntax))
		return
	}
	mark := e.marks[len(e.marks)-1]
	e.marks = e.marks[:len(e.marks)-1]
	if !EndStructure(e.buf, mark) {
		e.fail(fmt.Errorf("ttlv: Encoder.End: %w: Structure longer than %d bytes", ErrTooLarge, uint64(MaxLength)))
	}
}

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// Depth returns the number of open Structures.
func (e *Encoder) Depth() int { return len(e.marks) }

// Integer appends an Integer item.
func (e *Encoder) Integer(tag Tag, v int32) { e.grab(); e.buf = AppendInteger(e.buf, tag, v) }

// LongInteger appends a Long Integer item.
func (e *Encoder) LongInteger(tag Tag, v int64) { e.grab(); e.buf = AppendLongInteger(e.buf, tag, v) }

// BigInteger appends a Big Integer item.
func (e *Encoder) BigInteger(tag Tag, x *big.Int) { e.grab(); e.buf = AppendBigInteger(e.buf, tag, x) }

// BigIntegerBytes appends a Big Integer item from two's complement bytes.
func (e *Encoder) BigIntegerBytes(tag Tag, v []byte) {
	e.grab()
	e.buf = AppendBigIntegerBytes(e.buf, tag, v)
}

// Enumeration appends an Enumeration item.
func (e *Encoder) Enumeration(tag Tag, v uint32) { e.grab(); e.buf = AppendEnumeration(e.buf, tag, v) }

// Boolean appends a Boolean item.
func (e *Encoder) Boolean(tag Tag, v bool) { e.grab(); e.buf = AppendBoolean(e.buf, tag, v) }

// TextString appends a Text String item.
func (e *Encoder) TextString(tag Tag, s string) { e.grab(); e.buf = AppendTextString(e.buf, tag, s) }

// TextBytes appends a Text String item held in a byte slice.
func (e *Encoder) TextBytes(tag Tag, s []byte) { e.grab(); e.buf = AppendTextBytes(e.buf, tag, s) }

// Text appends an item of one of the text types (Text String, or the KMIP
// 3.0 draft's Identifier, Reference, Name Reference; see AppendString).
func (e *Encoder) Text(tag Tag, typ Type, s string) {
	e.grab()
	e.buf = AppendString(e.buf, tag, typ, s)
}

// ByteString appends a Byte String item.
func (e *Encoder) ByteString(tag Tag, v []byte) { e.grab(); e.buf = AppendByteString(e.buf, tag, v) }

// DateTime appends a Date-Time item from POSIX seconds.
func (e *Encoder) DateTime(tag Tag, unixSeconds int64) {
	e.grab()
	e.buf = AppendDateTime(e.buf, tag, unixSeconds)
}

// Time appends a Date-Time item from t, truncated to seconds.
func (e *Encoder) Time(tag Tag, t time.Time) { e.grab(); e.buf = AppendTime(e.buf, tag, t) }

// Interval appends an Interval item.
func (e *Encoder) Interval(tag Tag, seconds uint32) {
	e.grab()
	e.buf = AppendInterval(e.buf, tag, seconds)
}

// DateTimeExtended appends a Date-Time Extended item from POSIX
// microseconds.
func (e *Encoder) DateTimeExtended(tag Tag, unixMicros int64) {
	e.grab()
	e.buf = AppendDateTimeExtended(e.buf, tag, unixMicros)
}

// Item appends a decoded item unchanged: header, value and zero padding.
// A Structure's Value is copied verbatim as its contents.
func (e *Encoder) Item(it Item) {
	e.grab()
	e.buf = AppendItem(e.buf, it)
}

// Raw appends bytes that already hold encoded TTLV items, such as a
// payload passed through from a Decoder.
func (e *Encoder) Raw(b []byte) { e.grab(); e.buf = append(e.buf, b...) }

// Bytes returns the bytes encoded and not yet flushed. They alias the
// Encoder's buffer and are valid until the next call that writes.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the number of bytes encoded and not yet flushed.
func (e *Encoder) Len() int { return len(e.buf) }

// Err returns the first misuse error, if any.
func (e *Encoder) Err() error { return e.err }

// Flush writes the encoded bytes to the Encoder's writer and empties the
// buffer. It is an error to flush inside a Structure, whose length is not
// known yet.
func (e *Encoder) Flush() error {
	if e.err != nil {
		return e.err
	}
	if len(e.marks) > 0 {
		return fmt.Errorf("ttlv: Encoder.Flush: %w: %d Structures still open", ErrSyntax, len(e.marks))
	}
	if e.w == nil || len(e.buf) == 0 {
		return nil
	}
	_, err := e.w.Write(e.buf)
	e.buf = e.buf[:0]
	if err != nil {
		e.err = fmt.Errorf("ttlv: Encoder.Flush: %w", err)
	}
	return e.err
}

// AppendItem appends it as an encoded item: its header, its Value and the
// zero padding the type requires.
func AppendItem(b []byte, it Item) []byte {
	b = AppendHeader(b, it.Tag, it.Type, uint32(len(it.Value)))
	b = append(b, it.Value...)
	return appendPad(b, len(it.Value))
}
