package xmlttlv

import (
	"encoding/binary"
	"io"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/kmipwire/kmipwire/internal/textform"
	"github.com/kmipwire/kmipwire/ttlv"
)

// EncodeOptions configures the conversion of binary TTLV to XML. The zero
// value writes compact XML (no white space between elements), named
// elements, reading the binary input strictly. Options are plain values.
type EncodeOptions struct {
	// Indent, when not empty, writes one element per line, each level
	// indented by one more copy of Indent (the OASIS test cases use two
	// spaces).
	Indent string
	// GeneralForm writes every item as <TTLV tag="0x42…" …>, the form that
	// encodes any tag (§5.1.6); otherwise items with a known name are
	// elements of that name and the others TTLV elements.
	GeneralForm bool
	// Names adds the optional "name" attribute to TTLV elements whose tag
	// has a name.
	Names bool
	// StructureType writes type="Structure", which §5.1.4 makes the
	// default and the OASIS test cases leave out.
	StructureType bool
	// Registry names extension tags and values; nil means the built-in
	// tables.
	Registry *ttlv.Registry
	// Decode configures the reading of the binary input (limits, Lax).
	// Its Sequence is ignored: the input is one message.
	Decode ttlv.DecodeOptions
}

// encoder is the reusable state of one binary-to-XML conversion. It is
// pooled: AppendXML allocates nothing once the pool is warm.
type encoder struct {
	w     textform.TextWalker
	opts  EncodeOptions
	wbuf  []byte
	frags textform.FragmentCache // start and end tags, whole Enumerations
	// each, in tests, builds every fragment: what the cache must
	// reproduce.
	each bool
}

var encoders = sync.Pool{New: func() any { return new(encoder) }}

// AppendXML converts the binary TTLV message in src into its XML form (KMIP
// Additional Message Encodings v1.0 §5) and appends it to dst. The
// conversion streams: it walks src with ttlv.Decoder.NextToken and writes
// each item as it comes, with no tree in between. On malformed input it
// returns the *ttlv.Error of the decoder and dst extended with partial
// output. It allocates nothing beyond growing dst.
func AppendXML(dst, src []byte, opts EncodeOptions) ([]byte, error) {
	e := encoders.Get().(*encoder)
	dst, err := e.run(dst, src, &opts)
	e.release()
	return dst, err
}

func (e *encoder) release() {
	e.opts.Registry = nil
	e.w.Reset(nil, ttlv.DecodeOptions{})
	encoders.Put(e)
}

// WriteXML converts the binary TTLV message in src into XML and writes it
// to w in one Write, using a pooled buffer.
func WriteXML(w io.Writer, src []byte, opts EncodeOptions) error {
	e := encoders.Get().(*encoder)
	buf, err := e.run(e.wbuf[:0], src, &opts)
	if err == nil {
		_, err = w.Write(buf)
	}
	if cap(buf) <= 1<<20 {
		e.wbuf = buf[:0]
	} else {
		e.wbuf = nil
	}
	e.release()
	return err
}

func (e *encoder) run(dst, src []byte, opts *EncodeOptions) ([]byte, error) {
	e.opts = *opts
	e.w.Reset(src, opts.Decode)
	e.frags.Reset()
	d := e.w.Decoder()
	for {
		it, err := d.NextToken()
		if err != nil {
			return dst, e.w.Stop(err)
		}
		e.w.Step(it)
		depth := e.w.Depth()
		if it.Type == ttlv.TypeEnd {
			if e.w.First() {
				// No child: <Tag/> rather than <Tag></Tag>.
				dst = append(dst[:len(dst)-1], '/', '>')
				continue
			}
			dst = e.newline(dst, depth)
			// The cached fragments are copied here, inline; cached
			// builds one on a miss.
			if f, ok := e.frags.Get(textform.HeadKey(it.Tag, ttlv.TypeEnd)); ok && !e.each {
				dst = append(dst, f...)
			} else {
				dst = e.cached(dst, textform.HeadKey(it.Tag, ttlv.TypeEnd), it, (*encoder).endTag)
			}
			continue
		}
		if depth > 0 || !e.w.First() {
			dst = e.newline(dst, depth)
		}
		valueTag := e.w.ValueTag(it.Tag)
		if it.Type == ttlv.TypeEnumeration && valueTag == it.Tag {
			key := textform.WholeKey(it.Tag, it.Type, binary.BigEndian.Uint32(it.Value))
			if f, ok := e.frags.Get(key); ok && !e.each {
				dst = append(dst, f...)
			} else {
				dst = e.cached(dst, key, it, (*encoder).item)
			}
			continue
		}
		if f, ok := e.frags.Get(textform.HeadKey(it.Tag, it.Type)); ok && !e.each {
			dst = append(dst, f...)
		} else {
			dst = e.cached(dst, textform.HeadKey(it.Tag, it.Type), it, (*encoder).head)
		}
		if it.Type == ttlv.TypeStructure {
			continue
		}
		switch it.Type { // the commonest values without value's switch
		case ttlv.TypeTextString:
			dst = appendEscaped(dst, it.Value)
		case ttlv.TypeByteString:
			dst = textform.AppendHexLower(dst, it.Value)
		default:
			dst = e.value(dst, it, valueTag)
		}
		dst = append(dst, '"', '/', '>')
	}
}

// cached appends the fragment stored under key in e.frags, or on a miss
// builds it with build and stores it: what an item's head, end tag or
// whole item is depends only on its kind (tag, type, and for a whole
// Enumeration its value) and the options, fixed for a conversion, so each
// is built once per conversion and copied for the later items of its kind.
func (e *encoder) cached(dst []byte, key uint64, it ttlv.Item, build func(*encoder, []byte, ttlv.Item) []byte) []byte {
	if f, ok := e.frags.Get(key); ok && !e.each {
		return append(dst, f...)
	}
	start := len(dst)
	dst = build(e, dst, it)
	e.frags.Put(key, dst[start:])
	return dst
}

// head writes an item's start tag: its name and attributes up to the
// value's content, or for a Structure the whole start tag.
func (e *encoder) head(dst []byte, it ttlv.Item) []byte {
	dst = append(dst, '<')
	dst = e.appendName(dst, it.Tag)
	if e.opts.GeneralForm || e.general(it.Tag) {
		dst = append(dst, ` tag="`...)
		dst = appendHex(dst, uint64(it.Tag), 6)
		dst = append(dst, '"')
		if e.opts.Names {
			if name, ok := e.opts.Registry.TagName(it.Tag); ok {
				dst = append(dst, ` name="`...)
				dst = append(dst, name...)
				dst = append(dst, '"')
			}
		}
	}
	if it.Type == ttlv.TypeStructure {
		if e.opts.StructureType {
			dst = append(dst, ` type="Structure"`...)
		}
		return append(dst, '>')
	}
	return append(dst, typeValue[it.Type]...)
}

// item writes a whole primitive item whose value's names are its own
// tag's.
func (e *encoder) item(dst []byte, it ttlv.Item) []byte {
	dst = e.head(dst, it)
	dst = e.value(dst, it, it.Tag)
	return append(dst, '"', '/', '>')
}

// endTag writes a Structure's end tag.
func (e *encoder) endTag(dst []byte, it ttlv.Item) []byte {
	dst = append(dst, '<', '/')
	dst = e.appendName(dst, it.Tag)
	return append(dst, '>')
}

// typeValue holds, per type, what is written between the tag and the
// value.
var typeValue = func() (t [ttlv.TypeNameReference + 1]string) {
	for typ := ttlv.TypeStructure; typ.Valid(); typ++ {
		t[typ] = ` type="` + typ.String() + `" value="`
	}
	return t
}()

// general reports whether t has no name to be an element name.
func (e *encoder) general(t ttlv.Tag) bool {
	_, ok := e.opts.Registry.TagName(t)
	return !ok
}

func (e *encoder) appendName(dst []byte, t ttlv.Tag) []byte {
	if !e.opts.GeneralForm {
		if name, ok := e.opts.Registry.TagName(t); ok {
			return append(dst, name...)
		}
	}
	return append(dst, "TTLV"...)
}

func (e *encoder) newline(dst []byte, depth int) []byte {
	if e.opts.Indent == "" {
		return dst
	}
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, e.opts.Indent...)
	}
	return dst
}

// value writes the value attribute's content of a primitive item. valueTag
// is the tag whose enumeration or mask names apply.
func (e *encoder) value(dst []byte, it ttlv.Item, valueTag ttlv.Tag) []byte {
	reg := e.opts.Registry
	v := it.Value
	switch it.Type {
	case ttlv.TypeInteger:
		n := int32(binary.BigEndian.Uint32(v))
		if n != 0 && reg.IsMask(valueTag) {
			// xsd:list: names separated by spaces (§5.1.6.4).
			start := len(dst)
			dst = reg.AppendMask(dst, valueTag, uint32(n))
			for i := start; i < len(dst); i++ {
				if dst[i] == '|' {
					dst[i] = ' '
				}
			}
			return dst
		}
		return strconv.AppendInt(dst, int64(n), 10)
	case ttlv.TypeEnumeration:
		n := binary.BigEndian.Uint32(v)
		if name, ok := reg.EnumName(valueTag, n); ok {
			return append(dst, name...)
		}
		return appendHex(dst, uint64(n), 8)
	case ttlv.TypeInterval:
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(v)), 10)
	case ttlv.TypeLongInteger:
		return strconv.AppendInt(dst, int64(binary.BigEndian.Uint64(v)), 10)
	case ttlv.TypeBigInteger, ttlv.TypeByteString:
		return textform.AppendHexLower(dst, v) // xsd:hexBinary
	case ttlv.TypeBoolean:
		if binary.BigEndian.Uint64(v) != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case ttlv.TypeTextString, ttlv.TypeIdentifier, ttlv.TypeReference, ttlv.TypeNameReference:
		return appendEscaped(dst, v)
	case ttlv.TypeDateTime:
		n := int64(binary.BigEndian.Uint64(v))
		if s, ok := ttlv.AppendDateTimeText(dst, n); ok {
			return append(s[:len(s)-1], "+00:00"...)
		}
		return appendHex(dst, uint64(n), 16)
	case ttlv.TypeDateTimeExtended:
		n := int64(binary.BigEndian.Uint64(v))
		if s, ok := ttlv.AppendDateTimeExtendedText(dst, n); ok {
			return append(s[:len(s)-1], "+00:00"...)
		}
		return appendHex(dst, uint64(n), 16)
	}
	return dst // not reached: the decoder checks types
}

const hexLower = "0123456789abcdef"

// appendHex appends "0x" and the low digits*4 bits of v in lower-case hex
// (§5.1.1: all leading zeros).
func appendHex(dst []byte, v uint64, digits int) []byte {
	n := len(dst)
	dst = append(dst, "0x0000000000000000"[:digits+2]...)
	for i := n + digits + 1; i > n+1; i-- {
		dst[i] = hexLower[v&0xF]
		v >>= 4
	}
	return dst
}

// attrEscape[c] is true for bytes that cannot appear as themselves in a
// double-quoted attribute value: markup, and the white space and control
// characters that attribute-value normalization would change.
var attrEscape = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['&'], t['<'], t['>'], t['"'], t[0x7F] = true, true, true, true, true
	return t
}()

// plainAttrWord reports whether none of the eight bytes of w is escaped in
// an attribute value (attrEscape) or starts a multi-byte UTF-8 sequence.
// See attrSpecialBytes.
func plainAttrWord(w uint64) bool { return attrSpecialBytes(w) == 0 }

// attrSpecialBytes returns the high bits of w's bytes that plainAttrWord
// refuses, exactly for the lowest such byte. With every byte below 0x80
// (the w term), subtracting n from each byte sets a byte's high bit only
// where that byte, or a lower one, was below n, and adding 1 sets it only
// on 0x7F (or above a byte at 0xFF, which the w term flags): a borrow or
// carry moves up only from a flagged byte, so a higher bit may be
// spurious, never the lowest, and none is missed. bits.TrailingZeros64 of
// the result, over 8, is the offset of the first byte that needs a second
// look.
//
// '"' (0x22) and '&' (0x26) differ only in bit 2, '<' (0x3C) and '>'
// (0x3E) only in bit 1, so each pair takes one test: a byte b is one of
// the first two exactly when b|4 == '&', of the last two when b|2 == '>'.
func attrSpecialBytes(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	ctl := w - 0x20*ones
	quotAmp := ((w | 0x04*ones) ^ '&'*ones) - ones
	ltGt := ((w | 0x02*ones) ^ '>'*ones) - ones
	del := w + ones
	return (w | ctl | quotAmp | ltGt | del) & highs
}

// appendEscaped appends s as the content of a double-quoted attribute
// value. Bytes that are not valid UTF-8 (only possible with ttlv.LaxUTF8)
// and control characters that XML 1.0 cannot carry become U+FFFD.
//
// A value that needs no escape, most of them, is copied eight bytes a
// step as it is tested (the last eight overlapping), into room made once;
// from the first word or byte that needs a second look,
// appendEscapedRest writes the rest.
func appendEscaped(dst, s []byte) []byte {
	n := len(dst)
	if cap(dst)-n < len(s) {
		dst = slices.Grow(dst, len(s))
	}
	out := dst[n : n+len(s)]
	if i := copyPlain(out, s); i < len(s) {
		return appendEscapedRest(dst[:n+i], s[i:])
	}
	return dst[:n+len(s)]
}

// copyPlain copies s to out, which has room for it, while no byte needs
// an escape or starts a multi-byte sequence, and returns how many bytes
// it copied: len(s) for a plain value. It calls nothing, so that its loop
// keeps everything in registers, and once it has checked that out has
// room it reads and writes each word with no further bounds check (word:
// every offset it passes is at most len(s)-8). (jsonttlv's appendString
// holds its twin with JSON's tests: a shared loop would call its test
// through a function value, which does not inline.)
func copyPlain(out, s []byte) int {
	n := len(s)
	if len(out) < n {
		return 0
	}
	if n < 8 {
		for i := range n {
			c := s[i]
			if attrEscape[c] || c >= utf8.RuneSelf {
				return i
			}
			out[i] = c
		}
		return n
	}
	from, to := unsafe.Pointer(unsafe.SliceData(s)), unsafe.Pointer(unsafe.SliceData(out))
	i := 0
	for ; i < n-8; i += 8 {
		w := binary.LittleEndian.Uint64(word(from, i))
		if !plainAttrWord(w) {
			return i
		}
		binary.LittleEndian.PutUint64(word(to, i), w)
	}
	// The last eight bytes, overlapping those copied.
	w := binary.LittleEndian.Uint64(word(from, n-8))
	if !plainAttrWord(w) {
		return i
	}
	binary.LittleEndian.PutUint64(word(to, n-8), w)
	return n
}

// word returns the eight bytes at offset off from p, which the caller has
// checked to lie inside one slice.
func word(p unsafe.Pointer, off int) []byte {
	return (*[8]byte)(unsafe.Add(p, off))[:]
}

// appendEscapedRest appends s, the rest of a value whose plain ASCII
// start dst ends with, escaped.
func appendEscapedRest(dst, s []byte) []byte {
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs a second look (SWAR, in
		// plain Go: the package imports only the standard library).
		if i+8 <= len(s) && plainAttrWord(binary.LittleEndian.Uint64(s[i:])) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if !attrEscape[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '&':
				dst = append(dst, "&amp;"...)
			case '<':
				dst = append(dst, "&lt;"...)
			case '>':
				dst = append(dst, "&gt;"...)
			case '"':
				dst = append(dst, "&quot;"...)
			case '\t', '\n', '\r', 0x7F:
				dst = append(dst, '&', '#')
				dst = strconv.AppendInt(dst, int64(c), 10)
				dst = append(dst, ';')
			default:
				dst = append(dst, "\uFFFD"...) // not an XML 1.0 Char
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}
