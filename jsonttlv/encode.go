package jsonttlv

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

// Dialect selects the conventions of the JSON written: the specification's
// (the default) or what a particular peer's parser accepts.
type Dialect uint8

const (
	// DialectSpec follows KMIP Additional Message Encodings v1.0 §4.1:
	// normalized tag and enumeration names, masks as "Encrypt|Decrypt",
	// Integers, Intervals and Long Integers below 2^52 as JSON numbers,
	// Long Integers beyond as "0x" and 16 hex digits, Big Integers as "0x"
	// and whole 8-byte groups, Byte Strings in lower-case hex, Date-Times as
	// ISO 8601 UTC ("2001-01-01T00:00:00Z").
	DialectSpec Dialect = iota
	// DialectCosmian writes what Cosmian KMS's JSON parser accepts (see
	// shared/INTEROP.md): properties in the order tag, type, value, always
	// with "type"; no "name"; Cosmian's spelling of the few tags it names
	// differently (X509CertificateIdentifier, PKCS11Function, …);
	// Enumerations as "0x" and 8 upper-case hex digits; Integers and masks
	// as numbers; Long Integers and Date-Time Extendeds as "0x" and 16 hex
	// digits; Byte Strings in upper-case hex; Date-Times as RFC 3339.
	DialectCosmian
)

// EncodeOptions configures the conversion of binary TTLV to JSON. The zero
// value writes compact JSON in the specification's dialect, reading the
// binary input strictly. Options are plain values: copy and pass them freely.
type EncodeOptions struct {
	// Indent, when not empty, writes one property or array element per
	// line, each level indented by one more copy of Indent, as
	// json.MarshalIndent does. Empty means compact output on one line.
	Indent string
	// HexTags writes every tag as "0x" and six hex digits, even those with
	// names.
	HexTags bool
	// Names adds the optional "name" property (§4.1.6) after a tag written
	// in hex, when the tag has a name. Ignored by DialectCosmian.
	Names bool
	// OmitStructureType leaves out "type" for Structures, which §4.1.4
	// makes the default: 4–16 % smaller compact output over the benchmark
	// corpus (12 % for a 100-item Get batch).
	// Ignored by DialectCosmian, which always writes it.
	OmitStructureType bool
	// Numbers writes Enumerations and bit masks as JSON numbers (3,
	// 2108) instead of names ("AES", "Encrypt|Decrypt"), hex or (for
	// DialectCosmian's Enumerations) "0x" and 8 hex digits — §4.1.6.4 and
	// §4.1.6.5 allow both — for peers that cannot read the names:
	// ovh/kmip-go reads neither enumeration names in a KMIP 1.x Attribute
	// Value nor masks as space-separated names.
	Numbers bool
	// Cosmian4Names writes the message parts as Cosmian KMS 4.x named
	// them (see Cosmian4Message): "Message" for RequestMessage and
	// ResponseMessage, "Header" for their header, and the batch items
	// inside one "Items" structure, each named "Items". Values keep the
	// forms of the Dialect. kmipd answers a 4.x request so.
	Cosmian4Names bool
	// Dialect selects the value forms; see Dialect.
	Dialect Dialect
	// Registry names extension tags and values; nil means the built-in
	// tables.
	Registry *ttlv.Registry
	// Decode configures the reading of the binary input (limits, Lax).
	// Its Sequence is ignored: the input is one message, as the JSON form
	// is one object.
	Decode ttlv.DecodeOptions
}

// encoder is the reusable state of one binary-to-JSON conversion. It is
// pooled: AppendJSON allocates nothing once the pool is warm.
type encoder struct {
	w     textform.TextWalker
	opts  EncodeOptions
	frags textform.FragmentCache // compact output: item heads, whole Enumerations
	wbuf  []byte
	c4buf []byte // Cosmian4Names: the message with its Items structure
}

var encoders = sync.Pool{New: func() any { return new(encoder) }}

// AppendJSON converts the binary TTLV message in src into its JSON form
// (KMIP Additional Message Encodings v1.0 §4) and appends it to dst. The
// conversion streams: it walks src item by item with ttlv.Decoder.NextToken
// and writes each as it comes, with no intermediate tree. On malformed
// input it returns the *ttlv.Error of the decoder and dst extended with
// partial output. It allocates nothing beyond growing dst.
func AppendJSON(dst, src []byte, opts EncodeOptions) ([]byte, error) {
	e := encoders.Get().(*encoder)
	dst, err := e.run(dst, src, &opts)
	e.release()
	return dst, err
}

// release drops the references to the caller's data before pooling e.
func (e *encoder) release() {
	e.opts.Registry = nil
	if cap(e.c4buf) > 1<<20 {
		e.c4buf = nil
	}
	e.w.Reset(nil, ttlv.DecodeOptions{})
	encoders.Put(e)
}

// WriteJSON converts the binary TTLV message in src into JSON and writes it
// to w in one Write, using a pooled buffer.
func WriteJSON(w io.Writer, src []byte, opts EncodeOptions) error {
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

// Strings the encoder appends, by layout: compact and indented.
const (
	keyTagC   = `{"tag":"`
	keyTypeC  = `","type":"`
	keyValueC = `","value":`
	keyNameC  = `","name":"`
)

func (e *encoder) run(dst, src []byte, opts *EncodeOptions) ([]byte, error) {
	e.opts = *opts
	if opts.Cosmian4Names {
		src = e.withItems(src)
	}
	// One message: a sequence has no JSON form (the walker ignores
	// Sequence), nor has an empty input.
	e.w.Reset(src, opts.Decode)
	if opts.Indent == "" && !opts.Cosmian4Names {
		return e.runCompact(dst)
	}
	return e.runEach(dst)
}

// runEach writes every item in full: the layout may depend on its depth.
func (e *encoder) runEach(dst []byte) ([]byte, error) {
	d := e.w.Decoder()
	for {
		it, err := d.NextToken()
		if err != nil {
			return dst, e.w.Stop(err)
		}
		e.w.Step(it)
		depth := e.w.Depth()
		if it.Type == ttlv.TypeEnd {
			dst = e.endStructure(dst, depth+1, e.w.First())
			continue
		}
		if !e.w.First() {
			dst = append(dst, ',')
		}
		dst = e.beginItem(dst, it, depth)
		if it.Type == ttlv.TypeStructure {
			dst = append(dst, '[')
			continue
		}
		dst = e.value(dst, it, e.w.ValueTag(it.Tag))
		if e.opts.Indent != "" {
			dst = e.indent(dst, 2*depth)
		}
		dst = append(dst, '}')
	}
}

// runCompact is run for compact output without Cosmian4Names, where what
// an item's head is depends only on its tag and type (not on its depth):
// each head is built once per conversion by beginItem and then copied
// from e.frags, and so is a whole Enumeration item whose names are its
// own tag's.
func (e *encoder) runCompact(dst []byte) ([]byte, error) {
	e.frags.Reset()
	d := e.w.Decoder()
	for {
		it, err := d.NextToken()
		if err != nil {
			return dst, e.w.Stop(err)
		}
		e.w.Step(it)
		if it.Type == ttlv.TypeEnd {
			dst = append(dst, ']', '}')
			continue
		}
		// The ',' before an item that is not its Structure's first is
		// part of the fragment: the same kind of item has a fragment
		// with it and one without.
		var comma uint64
		if !e.w.First() {
			comma = commaKey
		}
		valueTag := e.w.ValueTag(it.Tag)
		if it.Type == ttlv.TypeEnumeration && valueTag == it.Tag {
			key := textform.WholeKey(it.Tag, it.Type, binary.BigEndian.Uint32(it.Value)) | comma
			if f, ok := e.frags.Get(key); ok {
				if at := len(dst); len(f) <= textform.CopyMax && cap(f) >= textform.CopyMax && cap(dst)-at >= textform.CopyMax {
					d, g := dst[at:at+textform.CopyMax], f[:textform.CopyMax] // see textform.CopyMax
					*(*[16]byte)(d[0:]) = *(*[16]byte)(g[0:])
					*(*[16]byte)(d[16:]) = *(*[16]byte)(g[16:])
					*(*[16]byte)(d[32:]) = *(*[16]byte)(g[32:])
					*(*[16]byte)(d[48:]) = *(*[16]byte)(g[48:])
					dst = dst[:at+len(f)]
				} else {
					dst = append(dst, f...)
				}
				continue
			}
			start := len(dst)
			if comma != 0 {
				dst = append(dst, ',')
			}
			dst = e.beginItem(dst, it, 0)
			dst = e.value(dst, it, valueTag)
			dst = append(dst, '}')
			e.frags.Put(key, dst[start:])
			continue
		}
		key := textform.HeadKey(it.Tag, it.Type) | comma
		if f, ok := e.frags.Get(key); ok {
			if at := len(dst); len(f) <= textform.CopyMax && cap(f) >= textform.CopyMax && cap(dst)-at >= textform.CopyMax {
				d, g := dst[at:at+textform.CopyMax], f[:textform.CopyMax] // see textform.CopyMax
				*(*[16]byte)(d[0:]) = *(*[16]byte)(g[0:])
				*(*[16]byte)(d[16:]) = *(*[16]byte)(g[16:])
				*(*[16]byte)(d[32:]) = *(*[16]byte)(g[32:])
				*(*[16]byte)(d[48:]) = *(*[16]byte)(g[48:])
				dst = dst[:at+len(f)]
			} else {
				dst = append(dst, f...)
			}
		} else {
			start := len(dst)
			if comma != 0 {
				dst = append(dst, ',')
			}
			dst = e.beginItem(dst, it, 0)
			if it.Type == ttlv.TypeStructure {
				dst = append(dst, '[')
			}
			e.frags.Put(key, dst[start:])
		}
		switch it.Type { // the commonest values without value's switch
		case ttlv.TypeStructure:
			continue
		case ttlv.TypeTextString:
			dst = appendString(dst, it.Value)
		case ttlv.TypeByteString:
			dst = textform.AppendQuotedHex(dst, it.Value, e.opts.Dialect == DialectCosmian)
		default:
			dst = e.value(dst, it, valueTag)
		}
		dst = append(dst, '}')
	}
}

// commaKey marks the key of a fragment that starts with ',': a bit of
// the type byte that neither HeadKey nor WholeKey sets (types end at
// 0x0E, WholeKey sets 0x80).
const commaKey = 0x40 << 32

// newline starts a line indented for the properties of an item whose
// object sits at structure depth depth: each depth takes two levels (the
// object, then its "value" array).
func (e *encoder) newline(dst []byte, depth int) []byte {
	return e.indent(dst, 2*depth+1)
}

// indent starts a new line indented by n levels.
func (e *encoder) indent(dst []byte, n int) []byte {
	dst = append(dst, '\n')
	for range n {
		dst = append(dst, e.opts.Indent...)
	}
	return dst
}

func (e *encoder) endStructure(dst []byte, depth int, empty bool) []byte {
	if e.opts.Indent == "" {
		return append(dst, ']', '}')
	}
	if !empty {
		dst = e.newline(dst, depth-1) // the array's closing bracket
	}
	dst = append(dst, ']')
	dst = e.indent(dst, 2*(depth-1))
	return append(dst, '}')
}

// beginItem writes the item's opening brace, tag, optional name and type,
// up to the value.
func (e *encoder) beginItem(dst []byte, it ttlv.Item, depth int) []byte {
	o := &e.opts
	if o.Indent != "" {
		if depth > 0 {
			dst = e.indent(dst, 2*depth)
		}
		dst = append(dst, '{')
		dst = e.newline(dst, depth)
		dst = append(dst, `"tag": "`...)
	} else {
		dst = append(dst, keyTagC...)
	}
	if name := cosmian4Name(o, it.Tag, depth); name != "" {
		dst = append(dst, name...)
	} else {
		dst = e.appendTag(dst, it.Tag)
	}
	if o.Names && o.HexTags && o.Dialect != DialectCosmian {
		if name, ok := o.Registry.TagName(it.Tag); ok {
			if o.Indent != "" {
				dst = append(dst, '"', ',')
				dst = e.newline(dst, depth)
				dst = append(dst, `"name": "`...)
			} else {
				dst = append(dst, keyNameC...)
			}
			dst = append(dst, name...)
		}
	}
	if o.Indent == "" && it.Type.Valid() && (it.Type != ttlv.TypeStructure || !o.OmitStructureType || o.Dialect == DialectCosmian) {
		return append(dst, compactTypeValue[it.Type]...) // the common case in one copy
	}
	if it.Type != ttlv.TypeStructure || !o.OmitStructureType || o.Dialect == DialectCosmian {
		if o.Indent != "" {
			dst = append(dst, '"', ',')
			dst = e.newline(dst, depth)
			dst = append(dst, `"type": "`...)
		} else {
			dst = append(dst, keyTypeC...)
		}
		dst = append(dst, it.Type.String()...)
	}
	if o.Indent != "" {
		dst = append(dst, '"', ',')
		dst = e.newline(dst, depth)
		return append(dst, `"value": `...)
	}
	return append(dst, keyValueC...)
}

// compactTypeValue holds, per type, what compact output writes between
// the tag (or name) and the value.
var compactTypeValue = func() (t [ttlv.TypeNameReference + 1]string) {
	for typ := ttlv.TypeStructure; typ.Valid(); typ++ {
		t[typ] = keyTypeC + typ.String() + keyValueC
	}
	return t
}()

func (e *encoder) appendTag(dst []byte, t ttlv.Tag) []byte {
	o := &e.opts
	if !o.HexTags {
		if o.Dialect == DialectCosmian {
			if name := cosmianTagName(t); name != "" {
				return append(dst, name...)
			}
		}
		if name, ok := o.Registry.TagName(t); ok {
			return append(dst, name...)
		}
	}
	return appendHex(dst, uint64(t), 6)
}

// value writes the JSON value of a primitive item. valueTag is the tag whose
// enumeration or mask names apply: the item's own, or for a KMIP 1.x
// AttributeValue the tag its AttributeName names.
func (e *encoder) value(dst []byte, it ttlv.Item, valueTag ttlv.Tag) []byte {
	o := &e.opts
	v := it.Value
	switch it.Type {
	case ttlv.TypeInteger:
		n := int32(binary.BigEndian.Uint32(v))
		if o.Dialect == DialectSpec && !o.Numbers && o.Registry.IsMask(valueTag) && n != 0 {
			dst = append(dst, '"')
			dst = o.Registry.AppendMask(dst, valueTag, uint32(n))
			return append(dst, '"')
		}
		return strconv.AppendInt(dst, int64(n), 10)
	case ttlv.TypeEnumeration:
		n := binary.BigEndian.Uint32(v)
		if o.Numbers {
			return strconv.AppendUint(dst, uint64(n), 10)
		}
		dst = append(dst, '"')
		if o.Dialect == DialectSpec {
			if name, ok := o.Registry.EnumName(valueTag, n); ok {
				dst = append(dst, name...)
				return append(dst, '"')
			}
		}
		dst = appendHex(dst, uint64(n), 8)
		return append(dst, '"')
	case ttlv.TypeInterval:
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(v)), 10)
	case ttlv.TypeLongInteger:
		n := int64(binary.BigEndian.Uint64(v))
		if o.Dialect == DialectSpec && n > -1<<52 && n < 1<<52 {
			return strconv.AppendInt(dst, n, 10)
		}
		dst = append(dst, '"')
		dst = appendHex(dst, uint64(n), 16)
		return append(dst, '"')
	case ttlv.TypeBigInteger:
		dst = append(dst, '"', '0', 'x')
		dst = textform.AppendHexUpper(dst, v)
		return append(dst, '"')
	case ttlv.TypeBoolean:
		if binary.BigEndian.Uint64(v) != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case ttlv.TypeTextString, ttlv.TypeIdentifier, ttlv.TypeReference, ttlv.TypeNameReference:
		return appendString(dst, v)
	case ttlv.TypeByteString:
		return textform.AppendQuotedHex(dst, v, o.Dialect == DialectCosmian)
	case ttlv.TypeDateTime:
		n := int64(binary.BigEndian.Uint64(v))
		dst = append(dst, '"')
		if s, ok := ttlv.AppendDateTimeText(dst, n); ok {
			dst = s
		} else {
			dst = appendHex(dst, uint64(n), 16)
		}
		return append(dst, '"')
	case ttlv.TypeDateTimeExtended:
		n := int64(binary.BigEndian.Uint64(v))
		dst = append(dst, '"')
		if o.Dialect == DialectSpec {
			if s, ok := ttlv.AppendDateTimeExtendedText(dst, n); ok {
				return append(s, '"')
			}
		}
		dst = appendHex(dst, uint64(n), 16)
		return append(dst, '"')
	}
	return append(dst, "null"...) // not reached: the decoder checks types
}

const (
	hexUpper = "0123456789ABCDEF"
	hexLower = "0123456789abcdef"
)

// appendHex appends "0x" and the low digits*4 bits of v in upper-case hex.
func appendHex(dst []byte, v uint64, digits int) []byte {
	n := len(dst)
	dst = append(dst, "0x0000000000000000"[:digits+2]...)
	for i := n + digits + 1; i > n+1; i-- {
		dst[i] = hexUpper[v&0xF]
		v >>= 4
	}
	return dst
}

// escape[c] is 0 for bytes copied as they are into a JSON string, else the
// letter of their short escape, or 'u' for \u00XX.
var escape = func() (t [256]byte) {
	for c := range 0x20 {
		t[c] = 'u'
	}
	t['"'], t['\\'] = '"', '\\'
	t['\b'], t['\f'], t['\n'], t['\r'], t['\t'] = 'b', 'f', 'n', 'r', 't'
	return t
}()

// plainWord reports whether none of the eight bytes of w is escaped in a
// JSON string or starts a multi-byte UTF-8 sequence: no byte below 0x20,
// no '"', no '\\', none at 0x80 or above. See specialBytes.
func plainWord(w uint64) bool { return specialBytes(w) == 0 }

// specialBytes returns the high bits of w's bytes that plainWord refuses,
// exactly for the lowest such byte: no byte below 0x20, no '"', no '\\',
// none at 0x80 or above. Each test is the classic "has a byte less than
// n" trick (a zero byte, after an XOR): with every byte below 0x80,
// subtracting n from each sets a byte's high bit only where that byte, or
// a lower one, was below n — a borrow moves up only from a byte the test
// flags — so a higher bit may be spurious, never the lowest, and none is
// missed. The control characters and '"' take one test: with bit 1
// flipped, '"' (0x22) is 0x20 and they stay below it, and no other byte
// falls below 0x21. bits.TrailingZeros64 of the result, over 8, is the
// offset of the first byte that needs a second look.
func specialBytes(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	ctlQuote := (w ^ 0x02*ones) - 0x21*ones
	bslash := (w ^ '\\'*ones) - ones
	return (w | ctlQuote | bslash) & highs
}

// appendString appends s as a quoted JSON string (RFC 8259 §7). Bytes that
// are not valid UTF-8 (only possible with ttlv.LaxUTF8) become U+FFFD so
// that the output stays valid JSON.
//
// A string that needs no escape, most of them, is copied eight bytes a
// step as it is tested (the last eight overlapping), into room made once,
// in a loop that calls nothing and, through word, checks no bounds; from
// the first word or byte that needs a second look, appendStringRest
// writes the rest. (xmlttlv's copyPlain is the loop's twin with XML's
// tests: a shared loop would call its test through a function value,
// which does not inline.)
func appendString(dst, s []byte) []byte {
	n, m := len(dst), len(s)
	if cap(dst)-n < m+2 {
		dst = slices.Grow(dst, m+2)
	}
	dst = dst[:n+m+2]
	// The m+2 bytes at out are dst's; every offset below stays inside
	// them (and inside s for the loads: at most m-8).
	out := unsafe.Add(unsafe.Pointer(unsafe.SliceData(dst)), n)
	*(*byte)(out) = '"'
	i := 0
	if m >= 8 {
		from := unsafe.Pointer(unsafe.SliceData(s))
		for ; i < m-8; i += 8 {
			w := binary.LittleEndian.Uint64(word(from, i))
			if !plainWord(w) {
				return appendStringRest(dst[:n+1+i], s[i:])
			}
			binary.LittleEndian.PutUint64(word(out, 1+i), w)
		}
		// The last eight bytes, overlapping those copied.
		w := binary.LittleEndian.Uint64(word(from, m-8))
		if !plainWord(w) {
			return appendStringRest(dst[:n+1+i], s[i:])
		}
		binary.LittleEndian.PutUint64(word(out, 1+m-8), w)
	} else {
		for ; i < m; i++ {
			c := s[i]
			if escape[c] != 0 || c >= utf8.RuneSelf {
				return appendStringRest(dst[:n+1+i], s[i:])
			}
			*(*byte)(unsafe.Add(out, 1+i)) = c
		}
	}
	*(*byte)(unsafe.Add(out, 1+m)) = '"'
	return dst
}

// word returns the eight bytes at offset off from p, which the caller has
// checked to lie inside one slice.
func word(p unsafe.Pointer, off int) []byte {
	return (*[8]byte)(unsafe.Add(p, off))[:]
}

// appendStringRest appends s, the rest of a string whose opening quote
// and plain ASCII start dst ends with, escaped, and the closing quote.
func appendStringRest(dst, s []byte) []byte {
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs a second look (SWAR, in
		// plain Go: the package imports only the standard library).
		if i+8 <= len(s) && plainWord(binary.LittleEndian.Uint64(s[i:])) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if escape[c] == 0 {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			if esc := escape[c]; esc != 'u' {
				dst = append(dst, '\\', esc)
			} else {
				dst = append(dst, '\\', 'u', '0', '0', hexLower[c>>4], hexLower[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
