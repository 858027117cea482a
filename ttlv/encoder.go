package ttlv

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"slices"
	"time"
	"unsafe"

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

// grab makes sure the Encoder owns a pooled buffer. It inlines into every
// method that writes; taking the buffer stays out of line.
func (e *Encoder) grab() {
	if e.buf == nil {
		e.take()
	}
}

//go:noinline
func (e *Encoder) take() {
	e.pbuf = pool.Get()
	e.buf = *e.pbuf
}

// room returns e.buf with at least n bytes of spare capacity: the pooled
// buffer taken, or grown by append's rule. The methods below then write
// each item in place with whole 8-byte stores, where appending byte by byte
// costs a store per byte (and a call to grab per item).
func (e *Encoder) room(n int) []byte {
	if cap(e.buf)-len(e.buf) < n {
		e.more(n)
	}
	return e.buf
}

//go:noinline
func (e *Encoder) more(n int) {
	e.grab()
	e.buf = slices.Grow(e.buf, n)
}

// headerWord is an item header as the big-endian word it is on the wire,
// keeping the low 24 bits of tag as AppendHeader does.
func headerWord(tag Tag, typ Type, length uint32) uint64 {
	return uint64(tag&0xFFFFFF)<<40 | uint64(typ)<<32 | uint64(length)
}

// put16 appends a fixed-size item: its header and its value word (a
// 4-byte value sits in the high half, followed by zero padding).
func (e *Encoder) put16(tag Tag, typ Type, length uint32, value uint64) {
	b := e.room(16)
	n := len(b)
	b = b[:n+16]
	p := wordsAt(b, n)
	binary.BigEndian.PutUint64(p[0][:], headerWord(tag, typ, length))
	binary.BigEndian.PutUint64(p[1][:], value)
	e.buf = b
}

// wordAt returns the 8-byte word at b[off:off+8], which the caller has
// checked lies inside b, without the bounds checks of indexing b again.
func wordAt(b []byte, off int) *[8]byte {
	return (*[8]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), off))
}

// wordsAt returns the two 8-byte words at b[off:off+16], which the caller
// has sliced b to hold, without the bounds checks of indexing b again.
func wordsAt(b []byte, off int) *[2][8]byte {
	return (*[2][8]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), off))
}

// slot appends the header of an item of a variable-length type with an
// n-byte value, and its zero padding to a multiple of eight bytes, and
// returns the n bytes where the value goes.
func (e *Encoder) slot(tag Tag, typ Type, n int) []byte {
	total := HeaderSize + padded(n)
	b := e.room(total)
	m := len(b)
	b = b[:m+total]
	// b[m:m+total] is in bounds (the slicing above checked it), so the
	// stores below go through a pointer without further checks.
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), m)
	// The last word first: it holds the padding (for an empty value it is
	// the header, written next); the caller's copy overwrites its value
	// bytes.
	*(*[8]byte)(unsafe.Add(p, total-8)) = [8]byte{}
	binary.BigEndian.PutUint64((*[8]byte)(p)[:], headerWord(tag, typ, uint32(n)))
	e.buf = b
	// An empty value's slice points at the header, never past b's end.
	off := HeaderSize
	if n == 0 {
		off = 0
	}
	return unsafe.Slice((*byte)(unsafe.Add(p, off)), n)
}

// Begin opens a Structure; End closes it.
func (e *Encoder) Begin(tag Tag) {
	b := e.room(HeaderSize)
	n := len(b)
	b = b[:n+HeaderSize]
	binary.BigEndian.PutUint64(wordAt(b, n)[:], headerWord(tag, TypeStructure, 0))
	e.buf = b
	e.marks = append(e.marks, n)
}

// End closes the Structure opened by the matching Begin.
func (e *Encoder) End() {
	k := len(e.marks) - 1
	if k < 0 {
		e.endError(false)
		return
	}
	mark := e.marks[k]
	e.marks = e.marks[:k]
	// EndStructure's checks, inline: the mark points at a header in buf,
	// and the contents fit the 4-byte length.
	b := e.buf
	n := len(b) - mark - HeaderSize
	if mark < 0 || n < 0 || uint64(n) > MaxLength {
		e.endError(true)
		return
	}
	// 0 <= mark and mark+HeaderSize <= len(b) (n >= 0): the header is in b.
	binary.BigEndian.PutUint32(wordAt(b, mark)[4:], uint32(n))
}

//go:noinline
func (e *Encoder) endError(open bool) {
	if !open {
		e.fail(fmt.Errorf("ttlv: Encoder.End: %w: no open Structure", ErrSyntax))
		return
	}
	e.fail(fmt.Errorf("ttlv: Encoder.End: %w: Structure longer than %d bytes", ErrTooLarge, uint64(MaxLength)))
}

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// Depth returns the number of open Structures.
func (e *Encoder) Depth() int { return len(e.marks) }

// Integer appends an Integer item.
func (e *Encoder) Integer(tag Tag, v int32) {
	e.put16(tag, TypeInteger, 4, uint64(uint32(v))<<32)
}

// LongInteger appends a Long Integer item.
func (e *Encoder) LongInteger(tag Tag, v int64) {
	e.put16(tag, TypeLongInteger, 8, uint64(v))
}

// BigInteger appends a Big Integer item.
func (e *Encoder) BigInteger(tag Tag, x *big.Int) { e.grab(); e.buf = AppendBigInteger(e.buf, tag, x) }

// BigIntegerBytes appends a Big Integer item from two's complement bytes.
func (e *Encoder) BigIntegerBytes(tag Tag, v []byte) {
	e.grab()
	e.buf = AppendBigIntegerBytes(e.buf, tag, v)
}

// Enumeration appends an Enumeration item.
func (e *Encoder) Enumeration(tag Tag, v uint32) {
	e.put16(tag, TypeEnumeration, 4, uint64(v)<<32)
}

// Boolean appends a Boolean item.
func (e *Encoder) Boolean(tag Tag, v bool) {
	var u uint64
	if v {
		u = 1
	}
	e.put16(tag, TypeBoolean, 8, u)
}

// TextString appends a Text String item.
func (e *Encoder) TextString(tag Tag, s string) { copy(e.slot(tag, TypeTextString, len(s)), s) }

// TextBytes appends a Text String item held in a byte slice.
func (e *Encoder) TextBytes(tag Tag, s []byte) { copy(e.slot(tag, TypeTextString, len(s)), s) }

// Text appends an item of one of the text types (Text String, or the KMIP
// 3.0 draft's Identifier, Reference, Name Reference; see AppendString).
func (e *Encoder) Text(tag Tag, typ Type, s string) {
	copy(e.slot(tag, typ, len(s)), s)
}

// ByteString appends a Byte String item.
func (e *Encoder) ByteString(tag Tag, v []byte) { copy(e.slot(tag, TypeByteString, len(v)), v) }

// DateTime appends a Date-Time item from POSIX seconds.
func (e *Encoder) DateTime(tag Tag, unixSeconds int64) {
	e.put16(tag, TypeDateTime, 8, uint64(unixSeconds))
}

// Time appends a Date-Time item from t, truncated to seconds.
func (e *Encoder) Time(tag Tag, t time.Time) { e.DateTime(tag, t.Unix()) }

// Interval appends an Interval item.
func (e *Encoder) Interval(tag Tag, seconds uint32) {
	e.put16(tag, TypeInterval, 4, uint64(seconds)<<32)
}

// DateTimeExtended appends a Date-Time Extended item from POSIX
// microseconds.
func (e *Encoder) DateTimeExtended(tag Tag, unixMicros int64) {
	e.put16(tag, TypeDateTimeExtended, 8, uint64(unixMicros))
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
