package ttlv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Default limits, used where DecodeOptions leaves a field zero.
const (
	// DefaultMaxMessageSize bounds one top-level item, header included.
	DefaultMaxMessageSize = 16 << 20
	// DefaultMaxDepth bounds Structure nesting; the top-level Structure is
	// depth 1. Real KMIP messages stay below 12.
	DefaultMaxDepth = 64
)

// Lax is a set of strict checks to relax, for peers that get the encoding
// wrong (see DecodeOptions). The zero value is fully strict.
type Lax uint8

const (
	// LaxPadding accepts non-zero padding bytes.
	LaxPadding Lax = 1 << iota
	// LaxBoolean accepts any Boolean value; non-zero reads as true.
	LaxBoolean
	// LaxUTF8 accepts Text Strings that are not valid UTF-8.
	LaxUTF8
	// LaxTrailing accepts, and ignores, bytes after the top-level item of a
	// byte-slice input.
	LaxTrailing
)

// DecodeOptions configures a Decoder. The zero value is strict with the
// default limits. Options are plain values: copy and pass them freely.
type DecodeOptions struct {
	// MaxMessageSize bounds the size of each top-level item (message),
	// header included. Zero means DefaultMaxMessageSize. A reader-backed
	// Decoder checks it before reading or buffering the message.
	MaxMessageSize int
	// MaxDepth bounds Structure nesting. Zero means DefaultMaxDepth.
	MaxDepth int
	// Lax relaxes strict checks.
	Lax Lax
	// Sequence lets a byte-slice input hold several top-level items one
	// after another (a reader-backed Decoder always reads a sequence of
	// messages, as on a KMIP connection).
	Sequence bool
}

func (o *DecodeOptions) maxSize() int {
	if o.MaxMessageSize > 0 {
		return o.MaxMessageSize
	}
	return DefaultMaxMessageSize
}

func (o *DecodeOptions) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}

// Item is one decoded TTLV item. Value aliases the Decoder's input: it is
// valid until the Decoder moves to the next top-level message (byte-slice
// input: as long as the input). Copy it (or use Value.Clone) to keep it.
type Item struct {
	Tag  Tag
	Type Type
	// Offset is the byte offset of the item's header in the input.
	Offset int64
	// Value holds the value bytes without padding. For a Structure it holds
	// the encoded children; for a Big Integer, the two's complement bytes.
	Value []byte
}

// Int returns the value of an Integer item (0 for other lengths).
func (it Item) Int() int32 { return int32(it.u32()) }

// Enum returns the value of an Enumeration item (0 for other lengths).
func (it Item) Enum() uint32 { return it.u32() }

// Interval returns the seconds of an Interval item (0 for other lengths).
func (it Item) Interval() uint32 { return it.u32() }

// Long returns the value of a Long Integer, Date-Time (POSIX seconds) or
// Date-Time Extended (POSIX microseconds) item (0 for other lengths).
func (it Item) Long() int64 { return int64(it.u64()) }

// Bool returns the value of a Boolean item: true for any non-zero value.
func (it Item) Bool() bool { return it.u64() != 0 }

func (it Item) u32() uint32 {
	if len(it.Value) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(it.Value)
}

func (it Item) u64() uint64 {
	if len(it.Value) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(it.Value)
}

// frame is an open Structure on the Decoder's stack.
type frame struct {
	tag       Tag
	parentEnd int // end of the enclosing level, restored by Leave
}

// Decoder reads TTLV items one at a time from a byte slice or from an
// io.Reader, validating each as it goes. It never copies values: items alias
// the input. Its methods are not safe for concurrent use.
//
// Walking a message:
//
//	for {
//		it, err := d.Next()
//		if err == io.EOF { break } // end of the current Structure
//		…
//		if it.Type == TypeStructure { d.Enter() } // or leave it unvisited
//	}
//	d.Leave()
type Decoder struct {
	buf   []byte // the current message (reader) or the whole input (slice)
	pos   int    // offset in buf of the next header
	end   int    // end of the current level
	base  int64  // input offset of buf[0]
	stack []frame

	// The item Next returned last, for Enter and error paths.
	lastTag    Tag
	lastStruct bool // a Structure that Enter may open
	lastPos    int
	lastEnd    int
	topItems   int // top-level items read

	opts     DecodeOptions
	maxSize  int
	maxDepth int

	r       io.Reader
	br      *bufio.Reader
	discard int    // bytes of br to drop before the next message
	own     []byte // message buffer when r is not a *bufio.Reader
	err     error  // sticky
}

// NewDecoder returns a Decoder reading the TTLV item (or, with
// opts.Sequence, items) in b.
func NewDecoder(b []byte, opts DecodeOptions) *Decoder {
	d := new(Decoder)
	d.Reset(b, opts)
	return d
}

// NewReaderDecoder returns a Decoder reading a sequence of messages from r,
// each framed by its 8-byte header. When r is a *bufio.Reader whose buffer
// can hold the message, the Decoder reads through Peek and copies nothing;
// otherwise it buffers one message at a time, growing its buffer only as
// bytes arrive.
func NewReaderDecoder(r io.Reader, opts DecodeOptions) *Decoder {
	d := new(Decoder)
	d.ResetReader(r, opts)
	return d
}

// Reset makes d read b as if newly created, keeping its allocated stack.
func (d *Decoder) Reset(b []byte, opts DecodeOptions) {
	d.reset(opts)
	d.buf = b
	d.end = len(b)
}

// ResetReader makes d read from r as if newly created, keeping its
// allocated stack and buffer.
func (d *Decoder) ResetReader(r io.Reader, opts DecodeOptions) {
	d.reset(opts)
	d.r = r
	d.br, _ = r.(*bufio.Reader)
}

func (d *Decoder) reset(opts DecodeOptions) {
	own := d.own[:0]
	if cap(own) > 4*bufferKeep {
		own = nil // do not pin a huge buffer past one oversized message
	}
	*d = Decoder{stack: d.stack[:0], own: own, opts: opts}
	d.maxSize = opts.maxSize()
	d.maxDepth = opts.maxDepth()
}

// bufferKeep is the buffer size a Decoder keeps across Reset.
const bufferKeep = 64 << 10

// Next returns the next item of the current Structure (at depth 0, the next
// top-level item). It returns io.EOF when the current Structure has no more
// items, or at depth 0 when the input ends cleanly. A Structure returned by
// Next is entered with Enter; if it is not, the following Next skips it.
// After an error other than io.EOF, every call returns the same error.
func (d *Decoder) Next() (Item, error) {
	if d.err != nil {
		return Item{}, d.err
	}
	d.lastStruct = false
	if d.pos >= d.end || len(d.stack) == 0 {
		if err := d.levelEnd(); err != nil {
			return Item{}, err
		}
	}
	b := d.buf[d.pos:d.end]
	if len(b) < HeaderSize {
		return Item{}, d.failAt(d.pos, 0, false, d.shortErr(), "%d bytes left, an item header takes 8", len(b))
	}
	_ = b[7]
	tag := Tag(b[0])<<16 | Tag(b[1])<<8 | Tag(b[2])
	typ := Type(b[3])
	length := binary.BigEndian.Uint32(b[4:8])
	if c := checkLength(typ, length); c < 0 {
		if c == errCodeType {
			return Item{}, d.failAt(d.pos, tag, true, ErrType, "type byte 0x%02X", byte(typ))
		}
		return Item{}, d.failAt(d.pos, tag, true, ErrLength, "%v of length %d, %s", typ, length, lengthRule(typ))
	}
	total := uint64(HeaderSize) + (uint64(length)+7)&^7
	if total > uint64(len(b)) {
		if len(d.stack) == 0 && int64(total) > int64(d.maxSize) {
			return Item{}, d.failAt(d.pos, tag, true, ErrTooLarge, "%d bytes, limit %d", total, d.maxSize)
		}
		return Item{}, d.failAt(d.pos, tag, true, d.shortErr(), "%v of length %d needs %d bytes, %d left", typ, length, total, len(b))
	}
	v := b[HeaderSize : HeaderSize+int(length)]
	if typ == TypeStructure {
		if len(d.stack) >= d.maxDepth {
			return Item{}, d.failAt(d.pos, tag, true, ErrDepth, "depth %d exceeds limit %d", len(d.stack)+1, d.maxDepth)
		}
		d.lastStruct = true
	} else if err := d.checkPrimitive(typ, v, b[HeaderSize+int(length):total]); err != nil {
		return Item{}, d.failAt(d.pos, tag, true, err, "")
	}
	it := Item{Tag: tag, Type: typ, Offset: d.base + int64(d.pos), Value: v}
	d.lastTag = tag
	d.lastPos = d.pos
	d.pos += int(total)
	d.lastEnd = d.pos
	if len(d.stack) == 0 {
		d.topItems++
		if int(total) > d.maxSize {
			return Item{}, d.failAt(d.lastPos, tag, true, ErrTooLarge, "%d bytes, limit %d", total, d.maxSize)
		}
	}
	return it, nil
}

// checkPrimitive applies the strict value rules, less those relaxed by Lax.
func (d *Decoder) checkPrimitive(typ Type, v, pad []byte) error {
	if d.opts.Lax&LaxPadding == 0 {
		for _, c := range pad {
			if c != 0 {
				return ErrPadding
			}
		}
	}
	switch typ {
	case TypeBoolean:
		if d.opts.Lax&LaxBoolean == 0 && binary.BigEndian.Uint64(v) > 1 {
			return fmt.Errorf("%w: value %d, want 0 or 1", ErrBoolean, binary.BigEndian.Uint64(v))
		}
	case TypeTextString:
		if d.opts.Lax&LaxUTF8 == 0 && !utf8.Valid(v) {
			return ErrUTF8
		}
	}
	return nil
}

// shortErr tells apart input that ends (ErrTruncated) from a child that
// runs past its Structure's declared length (ErrOverrun). Every open
// Structure was checked to fit in the input, so below depth 0 a short item
// always overruns its parent.
func (d *Decoder) shortErr() error {
	if len(d.stack) > 0 {
		return ErrOverrun
	}
	return ErrTruncated
}

func lengthRule(typ Type) string {
	if n, ok := typ.FixedLength(); ok {
		return fmt.Sprintf("want %d", n)
	}
	return "want a multiple of 8"
}

// levelEnd handles the slow path of Next: the end of the current
// Structure, and every item at depth 0. It returns nil when Next should go
// on to decode an item at d.pos.
func (d *Decoder) levelEnd() error {
	if len(d.stack) > 0 {
		return io.EOF
	}
	if d.r != nil {
		if d.pos < d.end {
			return nil
		}
		return d.readMessage()
	}
	if d.pos >= d.end {
		return io.EOF
	}
	if d.topItems > 0 && !d.opts.Sequence {
		if d.opts.Lax&LaxTrailing != 0 {
			return io.EOF
		}
		return d.failAt(d.pos, 0, false, ErrTrailing, "%d bytes follow the top-level item", d.end-d.pos)
	}
	return nil
}

// readMessage frames the next message from the reader into d.buf.
func (d *Decoder) readMessage() error {
	if d.br != nil && d.discard > 0 {
		if _, err := d.br.Discard(d.discard); err != nil {
			return d.ioFail(err)
		}
		d.discard = 0
	}
	d.base += int64(len(d.buf))
	d.buf, d.pos, d.end = nil, 0, 0

	var hdr []byte
	var hdrArr [HeaderSize]byte
	if d.br != nil {
		p, err := d.br.Peek(HeaderSize)
		if err != nil {
			if err == io.EOF && len(p) == 0 {
				return io.EOF
			}
			return d.ioFail(err)
		}
		hdr = p
	} else {
		n, err := io.ReadFull(d.r, hdrArr[:])
		if err != nil {
			if err == io.EOF && n == 0 {
				return io.EOF
			}
			return d.ioFail(err)
		}
		hdr = hdrArr[:]
	}
	tag, typ, length, _ := ConsumeHeader(hdr)
	if c := checkLength(typ, length); c < 0 {
		d.buf = hdr // so the error path can name the tag
		if c == errCodeType {
			return d.failAt(0, tag, true, ErrType, "type byte 0x%02X", byte(typ))
		}
		return d.failAt(0, tag, true, ErrLength, "%v of length %d, %s", typ, length, lengthRule(typ))
	}
	total := uint64(HeaderSize) + (uint64(length)+7)&^7
	if total > uint64(d.maxSize) {
		return d.failAt(0, tag, true, ErrTooLarge, "%d bytes announced, limit %d", total, d.maxSize)
	}
	n := int(total)
	if d.br != nil && n <= d.br.Size() {
		p, err := d.br.Peek(n)
		if err != nil {
			return d.ioFail(err)
		}
		d.buf, d.end, d.discard = p, n, n
		return nil
	}
	// Grow the buffer only as bytes arrive: a hostile length costs the
	// sender as many bytes as it costs us memory.
	own := append(d.own[:0], hdr...)
	if d.br != nil {
		if _, err := d.br.Discard(HeaderSize); err != nil {
			return d.ioFail(err)
		}
	}
	for len(own) < n {
		chunk := min(n-len(own), max(len(own), 4096))
		if cap(own)-len(own) < chunk {
			own = append(own[:cap(own)], make([]byte, chunk-(cap(own)-len(own)))...)[:len(own)]
		}
		k, err := io.ReadFull(d.r, own[len(own):len(own)+chunk])
		own = own[:len(own)+k]
		if err != nil {
			d.own = own
			return d.ioFail(err)
		}
	}
	d.own = own
	d.buf, d.end = own, n
	return nil
}

// ioFail turns a read error into the Decoder's sticky error: a short read
// is ErrTruncated at the offset reached; other errors pass through wrapped.
func (d *Decoder) ioFail(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		d.err = &Error{Offset: d.base + int64(len(d.buf)), Err: fmt.Errorf("%w: %w", ErrTruncated, io.ErrUnexpectedEOF)}
	} else {
		d.err = fmt.Errorf("ttlv: reading message at offset %d: %w", d.base, err)
	}
	return d.err
}

// failAt records and returns a positioned error. Paths and messages are
// built only here, on the error path.
func (d *Decoder) failAt(pos int, tag Tag, tagKnown bool, sentinel error, format string, args ...any) error {
	path := make(Path, 0, len(d.stack)+1)
	for _, f := range d.stack {
		path = append(path, f.tag)
	}
	if tagKnown {
		path = append(path, tag)
	}
	err := sentinel
	if format != "" {
		err = fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
	}
	d.err = &Error{Offset: d.base + int64(pos), Path: path, Err: err}
	return d.err
}

// Enter descends into the Structure that the last call to Next returned, so
// that Next returns its children.
func (d *Decoder) Enter() error {
	if d.err != nil {
		return d.err
	}
	if !d.lastStruct {
		return fmt.Errorf("ttlv: Enter: %w: the last item is not a Structure", ErrSyntax)
	}
	d.lastStruct = false
	d.stack = append(d.stack, frame{tag: d.lastTag, parentEnd: d.end})
	d.end = d.lastEnd
	d.pos = d.lastPos + HeaderSize
	return nil
}

// Skip leaves the Structure that the last call to Next returned unvisited.
// Calling it is optional (Next skips an unentered Structure); it exists to
// make intent explicit. Skipped contents are not validated.
func (d *Decoder) Skip() { d.lastStruct = false }

// Leave skips what remains of the current Structure, unvalidated, and
// returns to its parent: the next call to Next returns the Structure's next
// sibling.
func (d *Decoder) Leave() error {
	if d.err != nil {
		return d.err
	}
	if len(d.stack) == 0 {
		return fmt.Errorf("ttlv: Leave: %w: not inside a Structure", ErrSyntax)
	}
	f := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	d.pos = d.end
	d.end = f.parentEnd
	d.lastStruct = false
	return nil
}

// Depth returns the number of Structures entered and not left.
func (d *Decoder) Depth() int { return len(d.stack) }

// StackTag returns the tag of the i-th open Structure, 0 being the
// outermost.
func (d *Decoder) StackTag(i int) Tag { return d.stack[i].tag }

// AppendPath appends to p the tags of the open Structures and of the item
// that Next returned last, and returns the extended path.
func (d *Decoder) AppendPath(p Path) Path {
	for _, f := range d.stack {
		p = append(p, f.tag)
	}
	return append(p, d.lastTag)
}

// InputOffset returns the input offset of the next byte Next will read.
func (d *Decoder) InputOffset() int64 { return d.base + int64(d.pos) }

// Err returns the sticky error, if any.
func (d *Decoder) Err() error { return d.err }
