package kmip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Version is a KMIP protocol version, major<<8 | minor (V1_4 = 0x0104).
// Encoding takes one: it decides which form a field takes where the
// versions differ (the 1.x Template-Attribute and the 2.x Attributes; in
// the KMIP 3.0 draft, a Name as a Text String and a Unique Identifier as an
// Identifier), whether a required field a version lacks is written, and
// leaves out the fields only the 3.0 draft has for an earlier version.
// Versions between 2.1 and 3.0 encode as 2.1 does, versions after 3.0 as
// 3.0.
type Version uint16

// The protocol versions of the specifications. V3_0 is the KMIP 3.0
// committee draft (draft level).
const (
	V1_0 Version = 0x0100
	V1_1 Version = 0x0101
	V1_2 Version = 0x0102
	V1_3 Version = 0x0103
	V1_4 Version = 0x0104
	V2_0 Version = 0x0200
	V2_1 Version = 0x0201
	V3_0 Version = 0x0300
)

// String returns "1.4" for V1_4.
func (v Version) String() string { return fmt.Sprintf("%d.%d", v>>8, v&0xFF) }

// index is v's position in the version masks of the generated code: 1.0-1.4
// are 0-4, 2.0 is 5, 2.1 (and up to 3.0) 6, 3.0 and later 7.
func (v Version) index() uint {
	switch {
	case v >= V3_0:
		return 7
	case v > V2_0: // 2.1, the common case, tested early: encoders ask often
		return 6
	case v == V2_0:
		return 5
	case v < V1_0:
		return 0
	}
	return uint(min(v-V1_0, 4))
}

// in reports whether v is one of the versions of mask.
func (v Version) in(mask uint32) bool { return mask&(1<<v.index()) != 0 }

// Optional is an optional field: Set tells a present zero value from an
// absent one.
type Optional[T any] struct {
	Value T
	Set   bool
}

// Some returns a set Optional holding v.
func Some[T any](v T) Optional[T] { return Optional[T]{Value: v, Set: true} }

// Get returns the value and whether it is set.
func (o Optional[T]) Get() (T, bool) { return o.Value, o.Set }

// Raw is one whole TTLV item (header, value and padding) kept as it was
// encoded: the fields whose type varies (an Attribute Value, Key Material,
// a Credential Value) and the items a structure does not know. Decoded, it
// aliases the input.
type Raw []byte

// Tag returns the item's tag (0 for a malformed Raw).
func (r Raw) Tag() ttlv.Tag {
	t, _, _, n := ttlv.ConsumeHeader(r)
	if n < 0 {
		return 0
	}
	return t
}

// Type returns the item's type (0 for a malformed Raw).
func (r Raw) Type() ttlv.Type {
	_, typ, _, n := ttlv.ConsumeHeader(r)
	if n < 0 {
		return 0
	}
	return typ
}

// Value returns the item's value bytes without padding (for a Structure,
// its encoded children), or nil for a malformed Raw.
func (r Raw) Value() []byte {
	_, _, v, n := ttlv.ConsumeValue(r)
	if n < 0 {
		return nil
	}
	return v
}

// Clone returns a copy of r that does not alias its input.
func (r Raw) Clone() Raw {
	if r == nil {
		return nil
	}
	return append(Raw{}, r...)
}

// NewRaw returns a Raw holding the item append writes, for building a field
// whose type varies: kmip.NewRaw(func(b []byte) []byte { return
// ttlv.AppendTextString(b, ttlv.TagAttributeValue, "x") }). The tag is
// replaced by the field's when the Raw is encoded.
func NewRaw(append func(b []byte) []byte) Raw { return Raw(append(nil)) }

// appendAs appends r with its tag replaced by tag.
func (r Raw) appendAs(b []byte, tag ttlv.Tag) []byte {
	start := len(b)
	b = append(b, r...)
	if len(r) >= 3 {
		b[start], b[start+1], b[start+2] = byte(tag>>16), byte(tag>>8), byte(tag)
	}
	return b
}

// unknownField marks an unknown item in extra.order.
const unknownField = 0xFF

// extra is what a decoded structure keeps beyond its fields so that
// encoding it gives back its input: the order of its items (field index or
// unknownField) and the items no field took.
type extra struct {
	decoded bool
	// canonical: the decoded items were in field order, none unknown, no
	// KMIP 3.0 text type, every required field present — encoding in field
	// order, the fast path, gives them back.
	canonical bool
	order     []uint8
	unknown   []Raw
	alt       []altType // text fields decoded from a KMIP 3.0 text type
}

// altType records that the item at position pos of extra.order, a text
// field, was an Identifier, Reference or Name Reference (KMIP 3.0 draft),
// so that encoding writes that type back.
type altType struct {
	pos int32
	typ ttlv.Type
}

// textType reports whether typ is a Text String or one of the KMIP 3.0
// draft's types encoded like it (Identifier, Reference, Name Reference).
func textType(typ ttlv.Type) bool {
	return typ == ttlv.TypeTextString || typ == ttlv.TypeIdentifier || typ == ttlv.TypeReference || typ == ttlv.TypeNameReference
}

func (x *extra) reset() {
	x.decoded, x.canonical = false, false
	x.order = x.order[:0]
	clear(x.unknown)
	x.unknown = x.unknown[:0]
	x.alt = x.alt[:0]
}

func (x *extra) clone() extra {
	c := extra{decoded: x.decoded, canonical: x.canonical, order: cloneSlice(x.order), alt: cloneSlice(x.alt)}
	if x.unknown != nil {
		c.unknown = make([]Raw, len(x.unknown))
		for i, r := range x.unknown {
			c.unknown[i] = r.Clone()
		}
	}
	return c
}

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// aliasString returns b as a string without copying: the string aliases
// the decoded input, as the package documentation says.
func aliasString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// grow extends s by one element, reusing the capacity (and so the memory of
// an element decoded before).
func grow[T any](s []T) []T {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	var z T
	return append(s, z)
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T{}, s...)
}

func cloneString(s string) string { return string(append([]byte(nil), s...)) }

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// DecodeError is the error of a typed decode: where in the input, inside
// which structures, and what went wrong (a ttlv sentinel such as
// ttlv.ErrTruncated, or ErrWrongItem).
type DecodeError struct {
	Offset int        // byte offset of the offending item in the input
	Path   []ttlv.Tag // the enclosing structures, outermost first, then the item
	Err    error
}

// ErrWrongItem is the DecodeError.Err of an input whose top-level item is
// not the Structure the type decodes.
var ErrWrongItem = errors.New("not the structure expected")

// Error gives the offset, the tag path and the cause.
func (e *DecodeError) Error() string {
	s := fmt.Sprintf("kmip: offset %d", e.Offset)
	for i, t := range e.Path {
		if i == 0 {
			s += " at "
		} else {
			s += "/"
		}
		s += t.String()
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *DecodeError) Unwrap() error { return e.Err }

func itemError(off int, tag ttlv.Tag, n int) error {
	var path []ttlv.Tag
	if tag != 0 {
		path = []ttlv.Tag{tag}
	}
	return &DecodeError{Offset: off, Path: path, Err: ttlv.ParseError(n)}
}

// pathError prefixes the tag of the structure the error happened in.
func pathError(err error, tag ttlv.Tag) error {
	var de *DecodeError
	if errors.As(err, &de) {
		de.Path = append([]ttlv.Tag{tag}, de.Path...)
	}
	return err
}

// structure is what every generated structure type implements.
type structure interface {
	appendTTLV(b []byte, tag ttlv.Tag, ver Version) []byte
	decodeTTLV(b []byte, off int) error
	appendUnknown(dst []Raw) []Raw
}

func unmarshalTTLV(v structure, want ttlv.Tag, b []byte) error {
	tag, typ, val, n := ttlv.ConsumeValue(b)
	if n < 0 {
		return itemError(0, tag, n)
	}
	if typ != ttlv.TypeStructure || tag != want {
		return &DecodeError{Path: []ttlv.Tag{tag}, Err: fmt.Errorf("%w: %s %s, want a %s Structure", ErrWrongItem, tag, typ, want)}
	}
	if n != len(b) {
		return &DecodeError{Offset: n, Err: fmt.Errorf("%w: %d bytes after the %s Structure", ErrWrongItem, len(b)-n, want)}
	}
	if err := v.decodeTTLV(val, ttlv.HeaderSize); err != nil {
		return pathError(err, tag)
	}
	return nil
}

func decodeTTLV(v structure, want ttlv.Tag, d *ttlv.Decoder) error {
	it, err := d.Next()
	if err != nil {
		return err
	}
	off := int(d.ItemOffset())
	if it.Type != ttlv.TypeStructure || it.Tag != want {
		return &DecodeError{Offset: off, Path: []ttlv.Tag{it.Tag}, Err: fmt.Errorf("%w: %s %s, want a %s Structure", ErrWrongItem, it.Tag, it.Type, want)}
	}
	if err := v.decodeTTLV(it.Value, off+ttlv.HeaderSize); err != nil {
		return pathError(err, it.Tag)
	}
	return nil
}

// RequestPayload is the Request Payload of a batch item: the
// …RequestPayload type of its Operation (*CreateRequestPayload for
// OperationCreate), or *RawRequestPayload for an operation without one.
type RequestPayload interface {
	// Operation returns the operation whose payload this is.
	Operation() Operation
	// AppendTTLV appends the payload as a Request Payload Structure.
	AppendTTLV(b []byte, ver Version) []byte
	// Unknown returns the items of the decoded payload no field took.
	Unknown() []Raw
	structure
	clonePayload() RequestPayload
}

// ResponsePayload is the Response Payload of a batch item: the
// …ResponsePayload type of its Operation, or *RawResponsePayload.
type ResponsePayload interface {
	// Operation returns the operation whose payload this is.
	Operation() Operation
	// AppendTTLV appends the payload as a Response Payload Structure.
	AppendTTLV(b []byte, ver Version) []byte
	// Unknown returns the items of the decoded payload no field took.
	Unknown() []Raw
	structure
	clonePayload() ResponsePayload
}

// RawRequestPayload is the Request Payload of an operation the package has
// no payload type for (a vendor's, or one of a later version): its encoded
// children, kept as they are.
type RawRequestPayload struct {
	// Op is the batch item's Operation.
	Op Operation
	// Contents holds the payload's encoded children.
	Contents []byte
}

// RawResponsePayload is RawRequestPayload for a Response Payload.
type RawResponsePayload struct {
	// Op is the batch item's Operation.
	Op Operation
	// Contents holds the payload's encoded children.
	Contents []byte
}

// Operation returns p.Op.
func (p *RawRequestPayload) Operation() Operation { return p.Op }

// Operation returns p.Op.
func (p *RawResponsePayload) Operation() Operation { return p.Op }

// AppendTTLV appends p as a Request Payload Structure.
func (p *RawRequestPayload) AppendTTLV(b []byte, ver Version) []byte {
	return p.appendTTLV(b, ttlv.TagRequestPayload, ver)
}

// AppendTTLV appends p as a Response Payload Structure.
func (p *RawResponsePayload) AppendTTLV(b []byte, ver Version) []byte {
	return p.appendTTLV(b, ttlv.TagResponsePayload, ver)
}

func (p *RawRequestPayload) appendTTLV(b []byte, tag ttlv.Tag, _ Version) []byte {
	return appendRawStructure(b, tag, p.Contents)
}

func (p *RawResponsePayload) appendTTLV(b []byte, tag ttlv.Tag, _ Version) []byte {
	return appendRawStructure(b, tag, p.Contents)
}

func appendRawStructure(b []byte, tag ttlv.Tag, contents []byte) []byte {
	b, mark := ttlv.BeginStructure(b, tag)
	b = append(b, contents...)
	ttlv.EndStructure(b, mark)
	return b
}

func (p *RawRequestPayload) decodeTTLV(b []byte, _ int) error  { p.Contents = b; return nil }
func (p *RawResponsePayload) decodeTTLV(b []byte, _ int) error { p.Contents = b; return nil }

// Unknown returns the payload's children: no type took them.
func (p *RawRequestPayload) Unknown() []Raw { return splitItems(nil, p.Contents) }

// Unknown returns the payload's children: no type took them.
func (p *RawResponsePayload) Unknown() []Raw { return splitItems(nil, p.Contents) }

func (p *RawRequestPayload) appendUnknown(dst []Raw) []Raw  { return splitItems(dst, p.Contents) }
func (p *RawResponsePayload) appendUnknown(dst []Raw) []Raw { return splitItems(dst, p.Contents) }

func splitItems(out []Raw, b []byte) []Raw {
	for len(b) > 0 {
		_, _, _, n := ttlv.ConsumeValue(b)
		if n < 0 {
			return append(out, Raw(b))
		}
		out = append(out, Raw(b[:n]))
		b = b[n:]
	}
	return out
}

func (p *RawRequestPayload) clonePayload() RequestPayload {
	return &RawRequestPayload{Op: p.Op, Contents: cloneBytes(p.Contents)}
}

func (p *RawResponsePayload) clonePayload() ResponsePayload {
	return &RawResponsePayload{Op: p.Op, Contents: cloneBytes(p.Contents)}
}

// Version returns the protocol version p holds (V2_1 for 2.1), or 0 for a
// nil p or numbers out of range.
func (p *ProtocolVersion) Version() Version {
	if p == nil || p.ProtocolVersionMajor < 0 || p.ProtocolVersionMajor > 0xFF || p.ProtocolVersionMinor < 0 || p.ProtocolVersionMinor > 0xFF {
		return 0
	}
	return Version(p.ProtocolVersionMajor<<8 | p.ProtocolVersionMinor)
}
