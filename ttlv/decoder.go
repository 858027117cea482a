package ttlv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
	"unsafe"
)

// Default limits, used where DecodeOptions leaves a field zero.
const (
	// DefaultMaxMessageSize bounds one top-level item, header included.
	DefaultMaxMessageSize = 16 << 20
	// DefaultMaxDepth bounds Structure nesting; the top-level Structure is
	// depth 1. Real KMIP messages stay below 12.
	DefaultMaxDepth = 64
	// MaxDepthLimit is the largest MaxDepth a Decoder accepts; larger
	// settings are reduced to it. The Decoder keeps its Structure stack in
	// a fixed array of this size, so that Enter and Leave stay inlinable.
	MaxDepthLimit = 256
)

// Lax is a set of strict checks to relax, for peers that get the encoding
// wrong (see DecodeOptions). The zero value is fully strict.
type Lax uint8

const (
	// LaxPadding accepts non-zero padding bytes.
	LaxPadding Lax = 1 << iota
	// LaxBoolean accepts any Boolean value; non-zero reads as true.
	LaxBoolean
	// LaxUTF8 accepts Text Strings (and the KMIP 3.0 text types, see
	// Type.IsString) that are not valid UTF-8.
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
	// MaxDepth bounds Structure nesting. Zero means DefaultMaxDepth; at
	// most MaxDepthLimit.
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
		return min(o.MaxDepth, MaxDepthLimit)
	}
	return DefaultMaxDepth
}

// Item is one decoded TTLV item. Value aliases the Decoder's input: it is
// valid until the Decoder moves to the next top-level message (byte-slice
// input: as long as the input). Copy it (or use Value.Clone) to keep it.
// Decoder.ItemOffset gives the item's position in the input.
//
// Item is kept to 32 bytes and three fields so that the compiler holds a
// returned Item in registers; a larger Item costs a spill and a
// store-forwarding stall on every Next.
type Item struct {
	Tag  Tag
	Type Type
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
	depth int    // open Structures; stack[:depth] describes them

	// lastPos is the offset in buf of the header of the item Next returned
	// last, or -1 once Enter or Leave has used it; Enter reads the
	// Structure's tag and length back from there, so Next stores one int.
	lastPos  int
	topItems int // top-level items read

	opts     DecodeOptions
	lax      Lax
	maxSize  int
	maxDepth int

	r       io.Reader
	br      *bufio.Reader
	discard int    // bytes of br to drop before the next message
	own     []byte // message buffer when r is not a *bufio.Reader
	stack   [MaxDepthLimit]frame
	err     error // sticky
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

// Reset makes d read b as if newly created, keeping its buffer.
func (d *Decoder) Reset(b []byte, opts DecodeOptions) {
	d.reset(opts)
	d.buf = b
	d.end = len(b)
}

// ResetReader makes d read from r as if newly created, keeping its buffer.
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
	// Field by field: the stack array is not cleared, only depth.
	d.buf, d.pos, d.end, d.base, d.depth = nil, 0, 0, 0, 0
	d.lastPos, d.topItems = -1, 0
	d.opts, d.lax, d.maxSize, d.maxDepth = opts, opts.Lax, opts.maxSize(), opts.maxDepth()
	d.r, d.br, d.discard, d.own, d.err = nil, nil, 0, own, nil
}

// bufferKeep is the buffer size a Decoder keeps across Reset.
const bufferKeep = 64 << 10

// Next returns the next item of the current Structure (at depth 0, the next
// top-level item). It returns io.EOF when the current Structure has no more
// items, or at depth 0 when the input ends cleanly. A Structure returned by
// Next is entered with Enter; if it is not, the following Next skips it.
// After an error other than io.EOF, every call returns the same error.
func (d *Decoder) Next() (Item, error) { return d.next(false, false) }

// TypeEnd is the pseudo Type of the Item that NextToken returns at the
// end of each Structure. It never appears on the wire.
const TypeEnd Type = 0

// NextToken returns the next token of a depth-first walk: every item, with
// Structures entered as they come, and after a Structure's last child an
// Item of Type TypeEnd carrying the Structure's tag. It returns io.EOF
// at the end of the input (at depth 0). This is the one-call-per-item way to
// visit a whole message (transcoders, validators); Next with Enter and
// Leave is for callers who skip what they do not need. The two may be
// mixed.
func (d *Decoder) NextToken() (Item, error) { return d.next(true, false) }

// next implements Next and, with tokens, NextToken: one body, so each
// exported wrapper inlines into its caller and costs a single call.
//
// The common case — an item inside the current level — keeps the
// position, the level's end and the input in registers, tests each bound
// once, reads the item through at with no further bounds checks, and calls
// nothing: the end of a level (and every item at depth 0) goes to
// nextSlow, and every fault to one cold call, so that the frame holds no
// error-path spills. nextSlow comes back with top set once levelEnd has
// let an item at depth 0 through.
func (d *Decoder) next(tokens, top bool) (Item, error) {
	// An error empties the stack (see failAt), so this one test also
	// routes every call after an error to the slow path, which returns it.
	if (d.pos >= d.end || d.depth == 0) && !top {
		if tokens && d.depth > 0 {
			d.depth--
			f := d.stack[d.depth&(MaxDepthLimit-1)]
			d.pos, d.end, d.lastPos = d.end, f.parentEnd, -1
			return Item{Tag: f.tag, Type: TypeEnd}, nil
		}
		return d.nextSlow(tokens)
	}
	buf, pos, end := d.buf, d.pos, d.end
	// end <= len(buf) always holds; with 0 <= pos and the item's total
	// length checked against end-pos below, every read of the item is in
	// bounds, so the reads go through at (no bounds checks).
	if end > len(buf) || pos < 0 || end-pos < HeaderSize {
		return Item{}, d.shortHeader()
	}
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(buf)), pos)
	h := binary.BigEndian.Uint64(word(p, 0))
	tag, typ, length := Tag(h>>40), Type(h>>32), int(uint32(h))
	fault := faultLength
	if r := lengthRules[typ]; uint32(length)&r.mask != r.want {
		goto fail
	}
	{
		total := HeaderSize + (length+7)&^7
		if total > end-pos {
			fault = faultShort
			goto fail
		}
		lax := d.lax
		// A value's bytes start after the header; an empty value's slice
		// points at the header instead, never past the end of the input.
		voff := HeaderSize
		if length == 0 {
			voff = 0
		}
		v := at(p, voff, length)
		switch typ {
		case TypeStructure:
			if d.depth >= d.maxDepth {
				fault = faultDepth
				goto fail
			}
		case TypeInteger, TypeEnumeration, TypeInterval:
			if binary.BigEndian.Uint32(word(p, 8)[4:]) != 0 && lax&LaxPadding == 0 {
				fault = faultPadding
				goto fail
			}
		case TypeBoolean:
			if binary.BigEndian.Uint64(word(p, HeaderSize)) > 1 && lax&LaxBoolean == 0 {
				fault = faultBoolean
				goto fail
			}
		case TypeTextString, TypeByteString, TypeIdentifier, TypeReference, TypeNameReference:
			// The padding is the low pad bytes of the value's last 8.
			if pad := total - HeaderSize - length; pad != 0 && lax&LaxPadding == 0 &&
				binary.BigEndian.Uint64(word(p, total-8))<<((64-8*pad)&63) != 0 {
				fault = faultPadding
				goto fail
			}
			if typ != TypeByteString && lax&LaxUTF8 == 0 && !asciiWords(at(p, voff, total-HeaderSize)) &&
				!utf8.Valid(v) {
				fault = faultUTF8
				goto fail
			}
		}
		if d.depth == 0 {
			if total > d.maxSize {
				fault = faultTooLarge
				goto fail
			}
			d.topItems++
		}
		if tokens && typ == TypeStructure {
			d.stack[d.depth&(MaxDepthLimit-1)] = frame{tag: tag, parentEnd: end}
			d.depth++
			d.pos, d.end, d.lastPos = pos+HeaderSize, pos+HeaderSize+length, -1
			return Item{Tag: tag, Type: typ, Value: v}, nil
		}
		d.lastPos, d.pos = pos, pos+total
		return Item{Tag: tag, Type: typ, Value: v}, nil
	}
fail:
	return Item{}, d.itemFault(tag, typ, uint32(length), fault)
}

// nextSlow is next at the end of a level that yields no end token (and at
// depth 0, or after an error): it lets levelEnd decide, then decodes the
// item at d.pos. Out of line, it keeps the fast path free of calls that
// would make it save its arguments on entry.
//
//go:noinline
func (d *Decoder) nextSlow(tokens bool) (Item, error) {
	if err := d.levelEnd(); err != nil {
		return Item{}, err
	}
	if d.pos >= d.end {
		// levelEnd leaves a reader-backed Decoder at depth 0 with its
		// next message framed, so this is the empty-input case only.
		return Item{}, d.shortHeader()
	}
	return d.next(tokens, true)
}

// at returns the n bytes at offset off from p, which next has checked to
// lie inside its input. The slice's capacity is n: a caller's append to an
// Item's Value never overwrites the input after it.
func at(p unsafe.Pointer, off, n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(p, off)), n)
}

// word returns the 8 bytes at offset off from p, which next has checked
// to lie inside its input.
func word(p unsafe.Pointer, off int) []byte {
	return (*[8]byte)(unsafe.Add(p, off))[:]
}

// The faults the fast path of next can find, for itemFault.
const (
	faultLength = iota // or an undefined type
	faultShort
	faultPadding
	faultDepth
	faultBoolean
	faultUTF8
	faultTooLarge
)

// shortHeader reports fewer than HeaderSize bytes left at d.pos.
//
//go:noinline
func (d *Decoder) shortHeader() error {
	return d.failAt(d.pos, 0, false, d.shortErr(), "%d bytes left, an item header takes 8", d.end-d.pos)
}

// itemFault maps the fast path's fault code to its sentinel and builds the
// error (see itemError). A type byte that fails the length rule may be an
// undefined type (ErrType) or a bad length for a defined one (ErrLength).
//
//go:noinline
func (d *Decoder) itemFault(tag Tag, typ Type, length uint32, fault int) error {
	var sentinel error
	switch fault {
	case faultLength:
		sentinel = ErrLength
		if !typ.Valid() {
			sentinel = ErrType
		}
	case faultShort:
		sentinel = d.shortErr()
	case faultPadding:
		sentinel = ErrPadding
	case faultDepth:
		sentinel = ErrDepth
	case faultBoolean:
		sentinel = ErrBoolean
	case faultUTF8:
		sentinel = ErrUTF8
	default:
		sentinel = ErrTooLarge
	}
	return d.itemError(tag, typ, length, sentinel)
}

// lengthRules encodes the Item Lengths allowed per type (KMIP 2.1
// §10.1.3, Table 427) as one test, length&mask == want: the fixed-size
// types compare all bits, Structure and Big Integer the low three (a
// multiple of 8), Text and Byte Strings none. Undefined type bytes have
// a rule no length meets, so one lookup checks the type too.
var lengthRules = func() (r [256]struct{ mask, want uint32 }) {
	for i := range r {
		r[i].want = 1 // mask 0: never met
	}
	all := ^uint32(0)
	r[TypeStructure].mask, r[TypeStructure].want = 7, 0
	r[TypeBigInteger].mask, r[TypeBigInteger].want = 7, 0
	r[TypeTextString].want, r[TypeByteString].want = 0, 0
	r[TypeIdentifier].want, r[TypeReference].want, r[TypeNameReference].want = 0, 0, 0
	for _, t := range []Type{TypeInteger, TypeEnumeration, TypeInterval} {
		r[t].mask, r[t].want = all, 4
	}
	for _, t := range []Type{TypeLongInteger, TypeBoolean, TypeDateTime, TypeDateTimeExtended} {
		r[t].mask, r[t].want = all, 8
	}
	return r
}()

// itemError builds the error for the item whose header is at d.pos. It is
// kept out of line so that Next stays small.
//
//go:noinline
func (d *Decoder) itemError(tag Tag, typ Type, length uint32, sentinel error) error {
	total := uint64(HeaderSize) + (uint64(length)+7)&^7
	switch sentinel {
	case ErrType:
		return d.failAt(d.pos, tag, true, ErrType, "type byte 0x%02X", byte(typ))
	case ErrLength:
		return d.failAt(d.pos, tag, true, ErrLength, "%v of length %d, %s", typ, length, lengthRule(typ))
	case ErrDepth:
		return d.failAt(d.pos, tag, true, ErrDepth, "depth %d exceeds limit %d", d.depth+1, d.maxDepth)
	case ErrBoolean:
		return d.failAt(d.pos, tag, true, ErrBoolean, "value %d, want 0 or 1",
			binary.BigEndian.Uint64(d.buf[d.pos+HeaderSize:]))
	case ErrPadding:
		return d.failAt(d.pos, tag, true, ErrPadding, "%v of length %d", typ, length)
	case ErrUTF8:
		return d.failAt(d.pos, tag, true, ErrUTF8, "")
	case ErrTooLarge:
		return d.failAt(d.pos, tag, true, ErrTooLarge, "%d bytes, limit %d", total, d.maxSize)
	}
	if d.depth == 0 && total > uint64(d.maxSize) {
		return d.failAt(d.pos, tag, true, ErrTooLarge, "%d bytes, limit %d", total, d.maxSize)
	}
	return d.failAt(d.pos, tag, true, sentinel, "%v of length %d needs %d bytes, %d left",
		typ, length, total, d.end-d.pos)
}

// shortErr tells apart input that ends (ErrTruncated) from a child that
// runs past its Structure's declared length (ErrOverrun). Every open
// Structure was checked to fit in the input, so below depth 0 a short item
// always overruns its parent.
func (d *Decoder) shortErr() error {
	if d.depth > 0 {
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
	if d.err != nil {
		return d.err
	}
	if d.depth > 0 {
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
		// Read into the owned buffer, not an array in d or on the stack:
		// a slice of either handed to an io.Reader escapes.
		if cap(d.own) < HeaderSize {
			d.own = make([]byte, 0, 4096)
		}
		n, err := io.ReadFull(d.r, d.own[:HeaderSize])
		if err != nil {
			if err == io.EOF && n == 0 {
				return io.EOF
			}
			return d.ioFail(err)
		}
		hdr = d.own[:HeaderSize]
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
			return d.bodyFail(err, tag, typ, length, len(p))
		}
		d.buf, d.end, d.discard = p, n, n
		return nil
	}
	// Grow the buffer only as bytes arrive: a hostile length costs the
	// sender as many bytes as it costs us memory.
	own := append(d.own[:0], hdr...) // a no-op copy when hdr is d.own
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
			return d.bodyFail(err, tag, typ, length, len(own))
		}
	}
	d.own = own
	d.buf, d.end = own, n
	return nil
}

// bodyFail reports a read error inside a message whose header was read:
// a short read names the message's tag and how much arrived.
func (d *Decoder) bodyFail(err error, tag Tag, typ Type, length uint32, got int) error {
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return d.ioFail(err)
	}
	return d.failAt(0, tag, true, ErrTruncated, "%v of length %d needs %d bytes, input ended after %d",
		typ, length, HeaderSize+(uint64(length)+7)&^7, got)
}

// asciiWords reports whether p, whose length is a multiple of 8, holds only
// ASCII bytes. It is the inlined fast path of the Text String check: callers
// pass the value with its padding, as on the wire, and call utf8.Valid on
// the value only when this fails. Zero padding is ASCII; non-zero padding,
// accepted only with LaxPadding, at worst sends the check to utf8.Valid.
func asciiWords(p []byte) bool {
	var acc uint64
	for ; len(p) >= 8; p = p[8:] {
		acc |= binary.LittleEndian.Uint64(p)
	}
	return acc&0x8080808080808080 == 0
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
	path := make(Path, 0, d.depth+1)
	for _, f := range d.stack[:d.depth] {
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
	d.depth, d.lastPos = 0, -1
	return d.err
}

// Enter descends into the Structure that the last call to Next returned, so
// that Next returns its children.
func (d *Decoder) Enter() error {
	p := d.lastPos
	if p < 0 || d.buf[p+3] != byte(TypeStructure) {
		return d.enterError()
	}
	h := binary.BigEndian.Uint64(d.buf[p:])
	// Next refused Structures beyond maxDepth <= MaxDepthLimit; the mask
	// only spares the bounds check.
	d.stack[d.depth&(MaxDepthLimit-1)] = frame{tag: Tag(h >> 40), parentEnd: d.end}
	d.depth++
	d.pos = p + HeaderSize
	d.end = d.pos + int(uint32(h))
	d.lastPos = -1
	return nil
}

// Skip leaves the Structure that the last call to Next returned unvisited.
// Calling it is optional (Next skips an unentered Structure); it exists to
// make intent explicit. Skipped contents are not validated.
func (d *Decoder) Skip() { d.lastPos = -1 }

// More reports whether the current Structure has items left for Next. At
// depth 0 it reports whether a byte-slice input has bytes left, and is
// always true for a reader (only Next can tell the end of a stream).
// Walking with More avoids the io.EOF round trip at each Structure's end.
func (d *Decoder) More() bool { return d.pos < d.end || (d.depth == 0 && d.r != nil) }

// Leave skips what remains of the current Structure, unvalidated, and
// returns to its parent: the next call to Next returns the Structure's next
// sibling.
func (d *Decoder) Leave() error {
	if d.depth == 0 {
		return d.leaveError()
	}
	d.depth--
	d.pos = d.end
	d.end = d.stack[d.depth&(MaxDepthLimit-1)].parentEnd
	d.lastPos = -1
	return nil
}

// enterError and leaveError report a call that the Decoder's state does
// not allow (or the sticky error); they do not make the error sticky.
//
//go:noinline
func (d *Decoder) enterError() error {
	if d.err != nil {
		return d.err
	}
	return fmt.Errorf("ttlv: Enter: %w: the last item is not a Structure", ErrSyntax)
}

//go:noinline
func (d *Decoder) leaveError() error {
	if d.err != nil {
		return d.err
	}
	return fmt.Errorf("ttlv: Leave: %w: not inside a Structure", ErrSyntax)
}

// Depth returns the number of Structures entered and not left.
func (d *Decoder) Depth() int { return d.depth }

// StackTag returns the tag of the i-th open Structure, 0 being the
// outermost.
func (d *Decoder) StackTag(i int) Tag { return d.stack[:d.depth][i].tag }

// AppendPath appends to p the tags of the open Structures and of the item
// that Next returned last (unless Enter, Leave or Skip followed it), and
// returns the extended path.
func (d *Decoder) AppendPath(p Path) Path {
	for _, f := range d.stack[:d.depth] {
		p = append(p, f.tag)
	}
	if d.lastPos >= 0 {
		p = append(p, Tag(binary.BigEndian.Uint32(d.buf[d.lastPos:])>>8))
	}
	return p
}

// ItemOffset returns the input offset of the header of the item that Next
// returned last.
// It is -1 after Enter, Leave or Skip.
func (d *Decoder) ItemOffset() int64 {
	if d.lastPos < 0 {
		return -1
	}
	return d.base + int64(d.lastPos)
}

// InputOffset returns the input offset of the next byte Next will read.
func (d *Decoder) InputOffset() int64 { return d.base + int64(d.pos) }

// Err returns the sticky error, if any.
func (d *Decoder) Err() error { return d.err }
