package textform

import (
	"encoding/binary"
	"io"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/kmipwire/kmipwire/ttlv"
)

// The text encodings (KMIP Additional Message Encodings v1.0: §4 JSON, §5
// XML) share the forms of their values: "0x" and hexadecimal digits for
// numbers (§4.1.6, §5.1.1), hex digits for Byte Strings, names for tags,
// enumerations and masks.

// hexDigit maps hex digits to their value and every other byte to 0xFF.
var hexDigit = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

// ParseHexText parses the hexadecimal form of a number in the text
// encodings: "0x" (or "0X") followed by minDigits to maxDigits hex digits
// of either case. The specification writes every leading zero — 8 digits
// for Integer, Enumeration and Interval, 16 for Long Integer, Boolean and
// Date-Time (§4.1.6, §5.1.1) — so a strict reader passes the same number
// twice. maxDigits must not exceed 16.
func ParseHexText(b []byte, minDigits, maxDigits int) (uint64, bool) {
	if len(b) < 2 || b[0] != '0' || (b[1] != 'x' && b[1] != 'X') {
		return 0, false
	}
	d := b[2:]
	if len(d) < minDigits || len(d) > maxDigits || len(d) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range d {
		x := hexDigit[c]
		if x > 15 {
			return 0, false
		}
		v = v<<4 | uint64(x)
	}
	return v, true
}

// ParseIntText parses a decimal integer — an optional '-' and 1 to 20
// digits, nothing else — that lies in [lo, hi], as the text encodings
// write Integer, Long Integer, Interval and Enumeration values (a JSON
// number without fraction or exponent, §4.1.6; xsd:int, xsd:long,
// xsd:unsignedInt, §5.1.6, once the caller has removed white space and a
// '+'). lo must not be positive; hi may exceed math.MaxInt64 only when the
// result is read as a uint64 (int64 conversion wraps).
func ParseIntText(b []byte, lo int64, hi uint64) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false // a fraction, an exponent, a second sign
		}
		d := uint64(c - '0')
		if u > (1<<64-1-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if neg {
		if u > uint64(-lo) && !(lo == -1<<63 && u == 1<<63) {
			return 0, false
		}
		return -int64(u), true
	}
	if u > hi {
		return 0, false
	}
	return int64(u), true
}

// Hex digit pairs by byte value, the first digit in the low byte.
var (
	hexLower = hexPairs("0123456789abcdef")
	hexUpper = hexPairs("0123456789ABCDEF")
)

func hexPairs(digits string) (t [256]uint16) {
	for c := range 256 {
		t[c] = uint16(digits[c>>4]) | uint16(digits[c&0xF])<<8
	}
	return t
}

// AppendHexLower appends the bytes of v as two lower-case hex digits
// each, growing dst once.
func AppendHexLower(dst, v []byte) []byte { return appendHex(dst, v, &hexLower, false) }

// AppendHexUpper appends the bytes of v as two upper-case hex digits each,
// growing dst once.
func AppendHexUpper(dst, v []byte) []byte { return appendHex(dst, v, &hexUpper, false) }

// AppendQuotedHex appends the bytes of v as a JSON string (or an XML
// attribute value) of hex digits, two a byte, upper case when upper is
// set, between double quotes: the whole string in one growth of dst and
// one call.
func AppendQuotedHex(dst, v []byte, upper bool) []byte {
	if upper {
		return appendHex(dst, v, &hexUpper, true)
	}
	return appendHex(dst, v, &hexLower, true)
}

// appendHex writes eight digits per store, from a table of digit pairs,
// which keeps the loop short: Byte Strings and Big Integers of kilobytes
// (keys, certificates) spend most of a conversion to text here. With
// quoted, a '"' goes before and after the digits. Once dst has room, every
// store goes to dst[n:n+m] through at with no further bounds check.
func appendHex(dst, v []byte, pairs *[256]uint16, quoted bool) []byte {
	n, m := len(dst), 2*len(v)
	if quoted {
		m += 2
	}
	if m == 0 {
		return dst // nothing to write: a pointer at n could point past dst (checkptr)
	}
	if cap(dst)-n < m {
		dst = slices.Grow(dst, m)
	}
	dst = dst[:n+m]
	out := unsafe.Add(unsafe.Pointer(unsafe.SliceData(dst)), n)
	if quoted {
		*(*byte)(out) = '"'
		*(*byte)(unsafe.Add(out, m-1)) = '"'
		out = unsafe.Add(out, 1)
	}
	i := 0
	for ; i+4 <= len(v); i += 4 {
		b := (*[4]byte)(v[i : i+4])
		w := uint64(pairs[b[0]]) | uint64(pairs[b[1]])<<16 | uint64(pairs[b[2]])<<32 | uint64(pairs[b[3]])<<48
		binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(out, 2*i))[:], w)
	}
	for ; i < len(v); i++ {
		binary.LittleEndian.PutUint16((*[2]byte)(unsafe.Add(out, 2*i))[:], pairs[v[i]])
	}
	return dst
}

// AppendHexItem appends an item of type typ (a Byte String or a Big
// Integer) whose value is the bytes that the hex digits h spell, two digits
// a byte, either case, without "0x" (§4.1.6.9–10, xsd:hexBinary in
// §5.1.6.9–10). The Item Length is len(h)/2, padding follows: for a Big
// Integer the caller checks that len(h) is a multiple of 16. It returns b
// unchanged and false when len(h) is odd or h holds a byte that is not a
// hex digit.
//
// Once b has room for the item, every store goes into it, and every load
// reads h, through unchecked pointers: the loops stop at n, and the last
// eight digits read lie at 2n-8 at most.
func AppendHexItem(b []byte, tag ttlv.Tag, typ ttlv.Type, h []byte) ([]byte, bool) {
	if len(h)%2 != 0 || uint64(len(h)/2) > ttlv.MaxLength {
		return b, false
	}
	n := len(h) / 2
	mark := len(b)
	p := (n + 7) &^ 7 // the value padded to 8 bytes
	m := ttlv.HeaderSize + p
	if cap(b)-mark < m {
		b = slices.Grow(b, m)
	}
	b = b[:mark+m]
	item := unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), mark)
	binary.BigEndian.PutUint64((*[8]byte)(item)[:], uint64(tag)<<40|uint64(typ)<<32|uint64(n))
	if n == 0 {
		return b, true // no value: a pointer past the header would point past b (checkptr)
	}
	out := unsafe.Add(item, ttlv.HeaderSize)
	if p > 0 {
		binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(out, p-8))[:], 0) // the padding, before the value's last bytes
	}
	in := unsafe.Pointer(unsafe.SliceData(h))
	i := 0
	var bad uint64
	for ; i+4 <= n; i += 4 {
		w := binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(in, 2*i))[:])
		bad |= hexWordFaults(w)
		binary.LittleEndian.PutUint32((*[4]byte)(unsafe.Add(out, i))[:], hexWordValue(w))
	}
	var badDigit byte
	for ; i < n; i++ {
		d := (*[2]byte)(unsafe.Add(in, 2*i))
		hi, lo := hexDigit[d[0]], hexDigit[d[1]]
		badDigit |= hi | lo
		*(*byte)(unsafe.Add(out, i)) = hi<<4 | lo&0xF
	}
	if bad != 0 || badDigit > 15 {
		return b[:mark], false
	}
	return b, true
}

// hexWordValid reports whether each of the eight bytes of w is a hex
// digit of either case. Each test is one subtraction per byte, the bytes
// kept apart by their high bits (SWAR, in plain Go: the text forms import
// only the standard library): with every byte below 0x80, (b | 0x80) - k
// keeps its high bit exactly when b >= k.
func hexWordValid(w uint64) bool { return hexWordFaults(w) == 0 }

// hexWordFaults is hexWordValid's test as a word, zero when w holds eight
// hex digits, so that a loop can or the words' together and test once.
func hexWordFaults(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	lower := w | 0x20*ones // letters to lower case; digits have the bit already
	digit := ((w | highs) - '0'*ones) &^ ((w | highs) - ('9'+1)*ones)
	letter := ((lower | highs) - 'a'*ones) &^ ((lower | highs) - ('f'+1)*ones)
	return w&highs | ((digit|letter)&highs ^ highs)
}

// hexWordValue returns the four bytes that the eight hex digits in w
// spell, the first digit in w's low byte and the first byte in the
// result's; hexWordValid says whether w holds hex digits at all. A
// digit's value is its low nibble, a letter's its low nibble + 9: bit 6
// is set in the letters of both cases and in no digit.
func hexWordValue(w uint64) uint32 {
	const ones = 0x0101010101010101
	x := w&(0x0F*ones) + 9*(w>>6&ones)
	x = (x<<4 | x>>8) & 0x00FF00FF00FF00FF // each even byte: its digit << 4 | the next
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	return uint32(x | x>>16)
}

// LineColumn converts the byte offset off of a text input src into a
// 1-based line and a 1-based column counted in bytes, for the error
// messages of text decoders. An offset past the end counts as the end.
func LineColumn(src []byte, off int) (line, column int) {
	if off > len(src) {
		off = len(src)
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, off - start + 1
}

// SuggestTagHint returns what an error message can offer, after "did you
// mean", for the unknown tag name name of an item inside a Structure
// tagged parent (0 at the top level): one or two quoted tag names, or "".
// The names of the message layout that hand-written messages and older
// documentation use get the KMIP tags meant ("Header" inside a
// RequestMessage is "RequestHeader"; "Message", "Items"); other names get
// SuggestTag's nearest name. It allocates; use it on error paths.
func SuggestTagHint(name string, parent ttlv.Tag) string {
	switch name {
	case "Message":
		return `"RequestMessage" or "ResponseMessage"`
	case "Header":
		switch parent {
		case ttlv.TagRequestMessage:
			return `"RequestHeader"`
		case ttlv.TagResponseMessage:
			return `"ResponseHeader"`
		}
		return `"RequestHeader" or "ResponseHeader"`
	case "Items", "Item", "Batch", "Batchitem":
		return `"BatchItem"`
	}
	if sug := ttlv.SuggestTag(name); sug != "" {
		return strconv.Quote(sug)
	}
	return ""
}

// TagNameCache speeds up the lookup of tag names in text input, where the
// same few names recur: it remembers the built-in canonical names it has
// resolved, by a cheap hash, so that a hit costs one string comparison in
// place of the registry's hash and probe. Only built-in names are cached —
// no Registry can give them another meaning (DefineTag refuses them) — so
// one cache serves lookups through any Registry. The zero value is ready to
// use; a TagNameCache is not safe for concurrent use. It is 8 KiB: keep it
// in a pooled or long-lived value.
type TagNameCache struct {
	entries [tagCacheSize]tagCacheEntry
}

type tagCacheEntry struct {
	name string // a built-in canonical name (static data)
	tag  ttlv.Tag
}

const (
	tagCacheBits = 9
	tagCacheSize = 1 << tagCacheBits
)

// tagCacheHash mixes the length and the first and last eight bytes of a
// non-empty name.
func tagCacheHash(b []byte) uint {
	n := len(b)
	var x uint64
	if n >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ binary.LittleEndian.Uint64(b[n-8:])*0x9E3779B97F4A7C15
	} else {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
	}
	x ^= uint64(n)
	return uint((x * 0xFF51AFD7ED558CCD) >> (64 - tagCacheBits))
}

// LookupTag returns r.LookupTagBytes(name) (r may be nil: built-in names
// only), answering from the cache when it can. It does not allocate.
func (c *TagNameCache) LookupTag(r *ttlv.Registry, name []byte) (ttlv.Tag, bool) {
	if len(name) == 0 {
		return 0, false
	}
	h := tagCacheHash(name)
	if e := &c.entries[h]; e.name == string(name) && e.tag != 0 {
		return e.tag, true
	}
	t, ok := r.LookupTagBytes(name)
	if ok {
		// Cache canonical built-in names only: for a built-in tag (a
		// table index away, TagSpecName tells) Tag.String returns the
		// name as static data, where for another it would build one.
		if _, builtin := ttlv.TagSpecName(t); builtin {
			if n := t.String(); n == string(name) {
				c.entries[h] = tagCacheEntry{n, t}
			}
		}
	}
	return t, ok
}

// ReadAll appends everything r yields up to io.EOF to buf, growing it as
// bytes arrive (never by more than doubling), and returns it: a text
// decoder reads a whole document this way into a reused buffer. Once buf
// holds more than limit bytes it stops and returns ErrTooLarge, unwrapped,
// so that nothing is read or allocated far past the limit. Other read
// errors are returned as they come. In every case the buffer read so far
// is returned too, for its capacity and for error positions.
func ReadAll(buf []byte, r io.Reader, limit int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return buf, ttlv.ErrTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// TextErrorString renders an error of a text decoder at a line and column
// of its input, inside the Structures of path, as packages jsonttlv and
// xmlttlv write theirs:
//
//	pkg: line 5 column 17 /RequestMessage: unknown tag: "Header", did you mean "RequestHeader"? (want …)
//
// The path is left out when empty, the "(want …)" part when want is "".
func TextErrorString(pkg string, line, column int, path ttlv.Path, err error, want string) string {
	var b strings.Builder
	b.WriteString(pkg)
	b.WriteString(": line ")
	b.WriteString(strconv.Itoa(line))
	b.WriteString(" column ")
	b.WriteString(strconv.Itoa(column))
	if len(path) > 0 {
		b.WriteByte(' ')
		b.WriteString(path.String())
	}
	b.WriteString(": ")
	b.WriteString(err.Error())
	if want != "" {
		b.WriteString(" (want ")
		b.WriteString(want)
		b.WriteByte(')')
	}
	return b.String()
}
