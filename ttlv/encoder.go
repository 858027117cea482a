package ttlv

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"math/bits"
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

// more gives e.buf at least n bytes of spare capacity: the pooled buffer
// taken, or grown by append's rule. The methods below test the spare
// capacity inline, call more only when it is short, and then write each
// item in place with whole 8-byte stores, where appending byte by byte
// costs a store per byte (and a call to grab per item).
//
//go:noinline
func (e *Encoder) more(n int) {
	e.grab()
	e.buf = slices.Grow(e.buf, n)
}

// An item's header goes to the Encoder's methods below as the word
// bits.ReverseBytes64(uint64(tag)<<40 | uint64(typ)<<32 | length): stored
// little-endian, it writes the header big-endian, as on the wire, with the
// low 24 bits of tag (as AppendHeader keeps them). Each method that
// writes an item computes it inline, so that for a constant tag the
// compiler folds the word, swap included, into a constant.

// wireLength returns an item's Length field placed in its header word
// as that swap places it.
func wireLength(n uint32) uint64 { return uint64(bits.ReverseBytes32(n)) << 32 }

// put16 appends a fixed-size item: its header word (see above) and its
// value word (a 4-byte value sits in the high half, followed by zero
// padding).
func (e *Encoder) put16(head, value uint64) {
	if cap(e.buf)-len(e.buf) < 16 {
		e.more(16)
	}
	n := len(e.buf)
	// Only the length changes: one store, no write barrier.
	e.buf = e.buf[:n+16]
	p := wordsAt(e.buf, n)
	binary.LittleEndian.PutUint64(p[0][:], head)
	binary.BigEndian.PutUint64(p[1][:], value)
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

// slot appends the header of an item of a variable-length type (its
// header word, see above, with a zero length) with an n-byte value, and
// its zero padding to a multiple of eight bytes, and returns the n bytes
// where the value goes.
func (e *Encoder) slot(head uint64, n int) []byte {
	total := HeaderSize + padded(n)
	if cap(e.buf)-len(e.buf) < total {
		e.more(total)
	}
	m := len(e.buf)
	// Only the length changes: one store, no write barrier; the slicing
	// checks that e.buf[m:m+total] is in bounds, so the stores below go
	// through a pointer without further checks.
	e.buf = e.buf[:m+total]
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(e.buf)), m)
	// The last word first: it holds the padding (for an empty value it is
	// the header, written next); the caller's copy overwrites its value
	// bytes.
	*(*[8]byte)(unsafe.Add(p, total-8)) = [8]byte{}
	binary.LittleEndian.PutUint64((*[8]byte)(p)[:], head|wireLength(uint32(n)))
	// An empty value's slice points at the header, never past the end.
	off := HeaderSize
	if n == 0 {
		off = 0
	}
	return unsafe.Slice((*byte)(unsafe.Add(p, off)), n)
}

// Begin opens a Structure; End closes it.
func (e *Encoder) Begin(tag Tag) {
	e.begin(bits.ReverseBytes64(uint64(tag)<<40 | uint64(TypeStructure)<<32))
}

// begin appends a Structure's header word (see above) and opens it.
func (e *Encoder) begin(head uint64) {
	if cap(e.buf)-len(e.buf) < HeaderSize {
		e.more(HeaderSize)
	}
	n := len(e.buf)
	e.buf = e.buf[:n+HeaderSize] // one store, as in put16
	binary.LittleEndian.PutUint64(wordAt(e.buf, n)[:], head)
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
	e.put16(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeInteger)<<32|4), uint64(uint32(v))<<32)
}

// LongInteger appends a Long Integer item.
func (e *Encoder) LongInteger(tag Tag, v int64) {
	e.put16(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeLongInteger)<<32|8), uint64(v))
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
	e.put16(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeEnumeration)<<32|4), uint64(v)<<32)
}

// Boolean appends a Boolean item.
func (e *Encoder) Boolean(tag Tag, v bool) {
	var u uint64
	if v {
		u = 1
	}
	e.put16(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeBoolean)<<32|8), u)
}

// TextString appends a Text String item.
func (e *Encoder) TextString(tag Tag, s string) {
	copy(e.slot(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeTextString)<<32), len(s)), s)
}

// TextBytes appends a Text String item held in a byte slice.
func (e *Encoder) TextBytes(tag Tag, s []byte) {
	copy(e.slot(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeTextString)<<32), len(s)), s)
}

// Text appends an item of one of the text types (Text String, or the KMIP
// 3.0 draft's Identifier, Reference, Name Reference; see AppendString).
func (e *Encoder) Text(tag Tag, typ Type, s string) {
	copy(e.slot(bits.ReverseBytes64(uint64(tag)<<40|uint64(typ)<<32), len(s)), s)
}

// ByteString appends a Byte String item.
func (e *Encoder) ByteString(tag Tag, v []byte) {
	copy(e.slot(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeByteString)<<32), len(v)), v)
}

// DateTime appends a Date-Time item from POSIX seconds.
func (e *Encoder) DateTime(tag Tag, unixSeconds int64) {
	e.put16(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeDateTime)<<32|8), uint64(unixSeconds))
}

// Time appends a Date-Time item from t, truncated to seconds.
func (e *Encoder) Time(tag Tag, t time.Time) { e.DateTime(tag, t.Unix()) }

// Interval appends an Interval item.
func (e *Encoder) Interval(tag Tag, seconds uint32) {
	e.put16(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeInterval)<<32|4), uint64(seconds)<<32)
}

// DateTimeExtended appends a Date-Time Extended item from POSIX
// microseconds.
func (e *Encoder) DateTimeExtended(tag Tag, unixMicros int64) {
	e.put16(bits.ReverseBytes64(uint64(tag)<<40|uint64(TypeDateTimeExtended)<<32|8), uint64(unixMicros))
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
