package jsonttlv

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/kmipwire/kmipwire/internal/textform"
	"github.com/kmipwire/kmipwire/ttlv"
)

// DefaultMaxSize bounds the JSON input where DecodeOptions.MaxSize is zero.
const DefaultMaxSize = 16 << 20

// DecodeOptions configures the conversion of JSON to binary TTLV. The zero
// value is strict JSON (RFC 8259) with the default limits.
type DecodeOptions struct {
	// Lenient accepts what documentation that users copy from contains:
	// trailing commas before "]" and "}", a "}" that closes an item object
	// whose "value" array was left open (the missing "]" is implied), tag
	// names that differ from a known name only in letter case ("QLength"
	// for "Qlength"), hex numbers with fewer digits than their type's width
	// ("0x1"), Big Integer hex of any length (sign-extended), Date-Times
	// given as JSON numbers of POSIX seconds, and the message as Cosmian
	// KMS 4.x wrote it (see Cosmian4Message): the names "Message",
	// "Header" and "Items" read by position as RequestMessage (or
	// ResponseMessage, when a batch item holds a Result Status or a
	// Response Payload), RequestHeader (ResponseHeader) and BatchItem, and
	// a structure of batch items inside the message read as those items.
	Lenient bool
	// Registry resolves extension tag and value names; nil means the
	// built-in tables (which include Cosmian KMS's spellings as aliases).
	Registry *ttlv.Registry
	// MaxDepth bounds Structure nesting; zero means ttlv.DefaultMaxDepth,
	// and values above ttlv.MaxDepthLimit are reduced to it.
	MaxDepth int
	// MaxSize bounds the JSON input in bytes; zero means DefaultMaxSize.
	MaxSize int
}

// scanner is the reusable state of one JSON-to-binary conversion: a
// recursive-descent scanner that appends binary TTLV as each item object
// closes. It is pooled.
type scanner struct {
	src      []byte
	pos      int
	dst      []byte
	reg      *ttlv.Registry
	lenient  bool
	maxDepth int
	// tags[i] is the tag of the item object open at depth i (for error
	// paths); attr[i] the tag named by the last KMIP 1.x AttributeName
	// among the items at depth i.
	tags     [ttlv.MaxDepthLimit + 1]ttlv.Tag
	attr     [ttlv.MaxDepthLimit + 1]ttlv.Tag
	scratch  []byte                // unescaped strings
	big      []byte                // Big Integer bytes (Lenient), apart from scratch
	rbuf     []byte                // ReadBinary's input
	cur      int                   // depth of the item object being scanned, for error paths
	tagCache textform.TagNameCache // recently seen built-in tag names
	heads    textform.HeadCache    // compact heads met in this conversion
	enums    textform.EnumCache    // enumeration names met in this conversion
	// each, in tests, parses every head and looks every enumeration name
	// up: what the caches must reproduce.
	each bool
	// cosmian4 is set when Lenient read a Cosmian KMS 4.x part name by
	// position; message when that name was the top-level "Message".
	cosmian4, message bool
}

var scanners = sync.Pool{New: func() any { return new(scanner) }}

// AppendBinary converts one JSON item object in src (KMIP Additional
// Message Encodings v1.0 §4.1) into binary TTLV appended to dst. It scans
// src once and writes each item as its object closes; Structures are
// written with ttlv.BeginStructure and patched with ttlv.EndStructure, with
// no tree in between. Properties may come in any order: a primitive value
// before its "type" is kept as a span of src and converted when the object
// closes, and a Structure whose "tag" follows its "value" has its tag
// patched in. On error it returns an *Error and dst as it was. It allocates
// nothing beyond growing dst.
func AppendBinary(dst, src []byte, opts DecodeOptions) ([]byte, error) {
	s := scanners.Get().(*scanner)
	out, err := s.run(dst, src, &opts)
	s.src, s.dst, s.reg = nil, nil, nil
	if cap(s.scratch) > 1<<20 {
		s.scratch = nil
	}
	scanners.Put(s)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// ReadBinary reads one JSON item object from r, up to end of input, and
// appends its binary TTLV form to dst, as AppendBinary does. The input is
// held in a pooled buffer of at most opts.MaxSize bytes.
func ReadBinary(dst []byte, r io.Reader, opts DecodeOptions) ([]byte, error) {
	s := scanners.Get().(*scanner)
	defer func() {
		s.src, s.dst, s.reg = nil, nil, nil
		if cap(s.rbuf) > 1<<20 {
			s.rbuf = nil
		}
		scanners.Put(s)
	}()
	limit := opts.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	buf, err := textform.ReadAll(s.rbuf[:0], r, limit)
	s.rbuf = buf
	if err == ttlv.ErrTooLarge {
		line, col := textform.LineColumn(buf, limit)
		return dst, &Error{Line: line, Column: col, Offset: int64(limit), Err: fmt.Errorf("%w: more than %d bytes of JSON", ErrTooLarge, limit)}
	}
	if err != nil {
		return dst, fmt.Errorf("jsonttlv: reading input: %w", err)
	}
	out, err := s.run(dst, buf, &opts)
	if err != nil {
		return dst, err
	}
	return out, nil
}

func (s *scanner) run(dst, src []byte, opts *DecodeOptions) ([]byte, error) {
	s.src, s.pos, s.dst = src, 0, dst
	s.reg, s.lenient = opts.Registry, opts.Lenient
	s.maxDepth = ttlv.DefaultMaxDepth
	if opts.MaxDepth > 0 {
		s.maxDepth = min(opts.MaxDepth, ttlv.MaxDepthLimit)
	}
	limit := opts.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	if len(src) > limit {
		return nil, s.fail(0, 0, false, ErrTooLarge, "", "%d bytes of JSON, limit %d", len(src), limit)
	}
	s.attr[0], s.tags[0], s.cur = 0, 0, 0
	s.heads.Reset()
	s.enums.Reset()
	s.cosmian4, s.message = false, false
	base := len(dst)
	s.ws()
	if s.pos >= len(s.src) || s.src[s.pos] != '{' {
		return nil, s.syntax("an item object")
	}
	if err := s.object(0); err != nil {
		return nil, err
	}
	s.ws()
	if s.pos < len(s.src) {
		s.cur, s.tags[0] = 0, 0 // no item is at fault
		return nil, s.syntax("end of input after the top-level object")
	}
	if s.cosmian4 {
		s.dst = reshapeCosmian4(s.dst, base, s.message)
	}
	return s.dst, nil
}

// ws skips JSON whitespace (RFC 8259 §2).
func (s *scanner) ws() {
	// Compact JSON has no whitespace: one comparison decides.
	if s.pos < len(s.src) && s.src[s.pos] > ' ' {
		return
	}
	s.skipWS()
}

func (s *scanner) skipWS() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// tok skips whitespace and returns the byte at the scan position, or 0
// at the end.
func (s *scanner) tok() byte {
	if s.pos < len(s.src) {
		if c := s.src[s.pos]; c > ' ' {
			return c
		}
	}
	s.skipWS()
	return s.peek()
}

// peek returns the byte at the scan position, or 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.src) {
		return s.src[s.pos]
	}
	return 0
}

// Kinds of primitive value remembered until an object closes.
const (
	vNone   = iota
	vString // a JSON string: span is its contents, between the quotes
	vNumber
	vTrue
	vFalse
	vNull
	vArray // a Structure, already written
)

// object scans the item object at s.pos ('{') at the given depth (the
// number of enclosing Structures) and appends its binary form.
//
// It takes the commonest objects itself — a cached head (see objectAny)
// followed by a string and '}', or by a Structure's array — in a frame
// small enough to keep its state in registers, and leaves everything else
// to objectAny from the object's start, which scans it again and finds
// the same (the string's error, if any, is the one objectAny would
// return), or after such an array to objectAny resumed there.
func (s *scanner) object(depth int) error {
	start := s.pos
	if s.each {
		return s.objectAny(depth, start, nil)
	}
	t, y, _, n, ok := s.heads.Match(s.src, start, headHashAt)
	if !ok {
		return s.objectAny(depth, start, nil)
	}
	s.tags[depth] = t
	s.cur = depth
	src := s.src
	p := start + n
	if y != ttlv.TypeStructure {
		if p < len(src) && src[p] == '"' {
			s.pos = p
			vs, ve, vesc, err := s.str()
			if err != nil {
				return err
			}
			if s.pos < len(src) && src[s.pos] == '}' {
				s.pos++
				if t != ttlv.TagAttributeName && t != ttlv.TagAttributeValue {
					return s.primitive(t, y, t, vString, vs, ve, vesc, depth) // primitiveItem's case, one call fewer
				}
				return s.primitiveItem(t, y, vString, vs, ve, vesc, depth)
			}
		}
		s.pos = start
		return s.objectAny(depth, start, nil)
	}
	if p >= len(src) || src[p] != '[' || depth >= s.maxDepth {
		s.pos = start
		return s.objectAny(depth, start, nil)
	}
	s.pos = p
	var mark int
	s.dst, mark = ttlv.BeginStructure(s.dst, t)
	if err := s.array(depth + 1); err != nil {
		return err
	}
	s.cur = depth
	if !ttlv.EndStructure(s.dst, mark) {
		return s.failAt(p, depth, true, ErrTooLarge, "", "Structure longer than %d bytes", uint64(ttlv.MaxLength))
	}
	if s.pos < len(src) && src[s.pos] == '}' {
		s.pos++
		return nil
	}
	return s.objectAny(depth, start, &afterArray{tag: t, mark: mark, vs: p})
}

// afterArray is where object leaves a cached Structure head's object
// whose array it has written, for objectAny to go on after the array.
type afterArray struct {
	tag      ttlv.Tag
	mark, vs int // the Structure's header in s.dst; the array's offset
}

// objectAny scans the item object at start ('{', s.pos) at the given
// depth in any form, or with resume the rest of one after its Structure's
// array, which object has written, at s.pos.
func (s *scanner) objectAny(depth, start int, resume *afterArray) error {
	var (
		tag               ttlv.Tag
		typ               = ttlv.TypeStructure
		haveTag, haveType bool
		haveName          bool
		kind              = vNone
		vs, ve            int // value span
		vesc              bool
		mark              = -1
	)
	if resume != nil {
		tag, haveTag, haveType, kind, mark, vs = resume.tag, true, true, vArray, resume.mark, resume.vs
	} else {
		s.pos++
		s.tags[depth] = 0
		s.cur = depth
	}
	// The canonical compact form, {"tag":"T","type":"Y","value":…}, which
	// this package and most peers write, goes straight to its value with
	// tag and type known; anything else (whitespace, another order,
	// escapes) takes the general path of the loop.
	// Most heads repeat one met before in the message: s.heads has it
	// with its tag and type.
	pre := false
	if resume != nil {
		// Tag and type known, the array written: what follows it.
	} else if t, y, _, n, ok := s.heads.Match(s.src, start, headHashAt); ok && !s.each {
		tag, typ, haveTag, haveType, pre = t, y, true, true, true
		s.tags[depth] = tag
		s.pos = start + n
		// The commonest whole item, a head then a string and '}', goes
		// straight to its binary form; anything else after the string
		// (another property) takes the loop, which scans it again.
		if y != ttlv.TypeStructure && s.pos < len(s.src) && s.src[s.pos] == '"' {
			vs, ve, vesc, err := s.str()
			if err != nil {
				return err
			}
			if s.pos < len(s.src) && s.src[s.pos] == '}' {
				s.pos++
				if tag != ttlv.TagAttributeName && tag != ttlv.TagAttributeValue {
					return s.primitive(tag, typ, tag, vString, vs, ve, vesc, depth) // primitiveItem's case, one call fewer
				}
				return s.primitiveItem(tag, typ, vString, vs, ve, vesc, depth)
			}
			s.pos = start + n
		}
	} else if ts, te, t, vpos, ok := s.compactHead(start); ok {
		var err error
		if tag, err = s.resolveTag(ts-1, ts, te, false, depth); err != nil {
			return err
		}
		if !s.lenient || s.exactTag(ts, te) {
			s.heads.Put(s.src, start, vpos-start, headHashAt, tag, t, 0)
		}
		s.tags[depth] = tag
		typ, haveTag, haveType, pre = t, true, true, true
		s.pos = vpos
	} else if s.tok() == '}' {
		s.pos++
		return s.failAt(start, depth, false, ErrObject, "", "empty object: missing \"tag\"")
	}
	for {
		keyPos := s.pos
		code := keyValue
		var key []byte
		if resume != nil {
			resume = nil
			goto afterValue
		}
		if pre {
			pre = false
			// A Structure's array right after its head: the value case
			// below, without its tests of what the property is. (The
			// lines it repeats from there, as a shared method, cost
			// 1.8 % more instructions on a 100-item batch.)
			if typ == ttlv.TypeStructure && s.pos < len(s.src) && s.src[s.pos] == '[' && depth < s.maxDepth {
				vs = s.pos
				s.dst, mark = ttlv.BeginStructure(s.dst, tag)
				if err := s.array(depth + 1); err != nil {
					return err
				}
				s.cur = depth
				if !ttlv.EndStructure(s.dst, mark) {
					return s.failAt(vs, depth, haveTag, ErrTooLarge, "", "Structure longer than %d bytes", uint64(ttlv.MaxLength))
				}
				kind = vArray
				if s.pos < len(s.src) && s.src[s.pos] == '}' {
					s.pos++
					return nil
				}
				goto afterValue
			}
		} else if s.peek() != '"' {
			return s.syntax("a property name string")
		} else if code = s.quickKey(); code == keyOther {
			ks, ke, kesc, err := s.str()
			if err != nil {
				return err
			}
			key = s.src[ks:ke]
			if kesc {
				key = s.unescapeKey(key)
			}
			s.ws()
			if s.peek() != ':' {
				return s.syntax("':' after the property name")
			}
			s.pos++
			code = keyCode(key)
		}
		s.ws()
		switch code {
		case keyTag:
			if haveTag {
				return s.failAt(keyPos, depth, true, ErrObject, "", "duplicate \"tag\"")
			}
			if s.peek() != '"' {
				return s.wantString(depth, false, "a tag name or \"0x\" and 6 hex digits")
			}
			p := s.pos
			// Tag names and hex tags are identifiers: scan them with
			// one table lookup per byte, leaving anything else to str.
			var ts, te int
			var tesc bool
			src := s.src
			i := p + 1
			for i < len(src) && identByte[src[i]] {
				i++
			}
			if i < len(src) && src[i] == '"' {
				ts, te, s.pos = p+1, i, i+1
			} else {
				var err error
				if ts, te, tesc, err = s.str(); err != nil {
					return err
				}
			}
			t, err := s.resolveTag(p, ts, te, tesc, depth)
			if err != nil {
				return err
			}
			tag, haveTag = t, true
			s.tags[depth] = t
			if mark >= 0 { // the Structure was written before its tag was known
				s.dst[mark], s.dst[mark+1], s.dst[mark+2] = byte(t>>16), byte(t>>8), byte(t)
			}
		case keyType:
			if haveType {
				return s.failAt(keyPos, depth, true, ErrObject, "", "duplicate \"type\"")
			}
			if s.peek() != '"' {
				return s.wantString(depth, haveTag, "a KMIP Item Type name")
			}
			p := s.pos
			t, ok := s.quickType()
			var name []byte
			if !ok {
				ts, te, tesc, err := s.str()
				if err != nil {
					return err
				}
				name = s.src[ts:te]
				if tesc {
					name = s.unescapeKey(name)
				}
				t, ok = parseType(name)
			}
			if !ok {
				return s.failAt(p, depth, haveTag, ErrType, "Structure, Integer, LongInteger, BigInteger, Enumeration, Boolean, TextString, ByteString, DateTime, Interval, DateTimeExtended, or of KMIP 3.0 Identifier, Reference or NameReference", "%q", name)
			}
			if kind == vArray && t != ttlv.TypeStructure {
				return s.failAt(p, depth, haveTag, ErrType, "Structure, as the value is an array", "%v", t)
			}
			typ, haveType = t, true
		case keyName:
			if haveName {
				return s.failAt(keyPos, depth, true, ErrObject, "", "duplicate \"name\"")
			}
			if s.peek() != '"' {
				return s.wantString(depth, haveTag, "a JSON string")
			}
			if _, _, _, err := s.str(); err != nil {
				return err
			}
			haveName = true
		case keyValue:
			if kind != vNone {
				return s.failAt(keyPos, depth, true, ErrObject, "", "duplicate \"value\"")
			}
			vs = s.pos
			switch c := s.peek(); {
			case c == '[':
				if haveType && typ != ttlv.TypeStructure {
					return s.failAt(s.pos, depth, haveTag, ErrValue, "a JSON value for "+typ.String(), "an array is only for a Structure")
				}
				if depth >= s.maxDepth {
					return s.depthError(depth, haveTag)
				}
				s.dst, mark = ttlv.BeginStructure(s.dst, tag)
				if err := s.array(depth + 1); err != nil {
					return err
				}
				s.cur = depth
				if !ttlv.EndStructure(s.dst, mark) {
					return s.failAt(vs, depth, haveTag, ErrTooLarge, "", "Structure longer than %d bytes", uint64(ttlv.MaxLength))
				}
				kind = vArray
			case c == '"':
				var err error
				vs, ve, vesc, err = s.str()
				if err != nil {
					return err
				}
				kind = vString
			case c == '-' || c >= '0' && c <= '9':
				if err := s.number(); err != nil {
					return err
				}
				ve, kind = s.pos, vNumber
			case c == 't':
				if err := s.literal("true"); err != nil {
					return err
				}
				kind, ve = vTrue, s.pos
			case c == 'f':
				if err := s.literal("false"); err != nil {
					return err
				}
				kind, ve = vFalse, s.pos
			case c == 'n':
				if err := s.literal("null"); err != nil {
					return err
				}
				kind, ve = vNull, s.pos
			case c == '{':
				return s.failAt(s.pos, depth, haveTag, ErrValue, "an array of item objects, a string, a number or a boolean", "an object as value")
			default:
				return s.syntax("a JSON value")
			}
		default:
			return s.failAt(keyPos, depth, haveTag, ErrObject, "tag, type, value or name", "property %q", key)
		}
	afterValue:
		switch s.tok() {
		case ',':
			s.pos++
			if s.tok() == '}' && s.lenient {
				s.pos++
				goto done
			}
			continue
		case '}':
			s.pos++
			goto done
		}
		return s.syntax("',' or '}' after the property")
	}
done:
	if !haveTag {
		return s.failAt(start, depth, false, ErrObject, "", "missing \"tag\"")
	}
	switch kind {
	case vArray:
		return nil
	case vNone, vNull:
		if typ == ttlv.TypeStructure {
			if depth >= s.maxDepth {
				s.pos = start
				return s.depthError(depth, true)
			}
			s.dst = ttlv.AppendHeader(s.dst, tag, ttlv.TypeStructure, 0)
			return nil
		}
		if kind == vNull {
			return s.failAt(vs, depth, true, ErrValue, "a JSON value for "+typ.String(), "null is only for a Structure")
		}
		return s.failAt(start, depth, true, ErrObject, "", "missing \"value\"")
	}
	if typ == ttlv.TypeStructure {
		return s.failAt(vs, depth, true, ErrValue, "an array of item objects or null", "not a Structure value")
	}
	return s.primitiveItem(tag, typ, kind, vs, ve, vesc, depth)
}

// primitiveItem appends the primitive item whose object has closed, of tag
// and type typ (not a Structure), its value of kind kind at src[vs:ve]
// (vesc: with escapes), and for a KMIP 1.x Attribute Name remembers the
// tag it names for the Attribute Value after it.
func (s *scanner) primitiveItem(tag ttlv.Tag, typ ttlv.Type, kind, vs, ve int, vesc bool, depth int) error {
	valueTag := tag
	if tag == ttlv.TagAttributeValue && s.attr[depth] != 0 {
		valueTag = s.attr[depth]
	}
	if err := s.primitive(tag, typ, valueTag, kind, vs, ve, vesc, depth); err != nil {
		return err
	}
	if tag == ttlv.TagAttributeName && typ == ttlv.TypeTextString {
		v := s.src[vs:ve]
		if vesc {
			v = s.unescape(v)
		}
		s.attr[depth], _ = ttlv.LookupAttributeNameBytes(v)
	}
	return nil
}

// array scans a Structure's array of item objects at s.pos ('['); depth is
// the depth of its items.
func (s *scanner) array(depth int) error {
	s.pos++
	s.attr[depth] = 0
	if s.tok() == ']' {
		s.pos++
		return nil
	}
	for {
		if s.peek() != '{' {
			if c := s.peek(); c == '"' || c == '[' || c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n' {
				return s.failAt(s.pos, depth, false, ErrObject, "an item object", "a Structure's value holds a non-object")
			}
			return s.syntax("an item object")
		}
		if err := s.object(depth); err != nil {
			return err
		}
		s.cur = depth - 1 // for errors: the path ends at the Structure
		switch s.tok() {
		case ',':
			s.pos++
			if c := s.tok(); s.lenient {
				switch c {
				case ']':
					s.pos++
					return nil
				case '}':
					return nil // "]" left out: the '}' closes the enclosing object
				}
			}
			continue
		case ']':
			s.pos++
			return nil
		case '}':
			if s.lenient {
				return nil // as above, without the trailing comma
			}
		}
		return s.syntax("',' or ']' after the item")
	}
}

// strClass classifies string bytes: 0 plain ASCII, 1 '"', 2 '\\',
// 3 control character, 4 start of a multi-byte sequence.
var strClass = func() (t [256]byte) {
	for c := range 0x20 {
		t[c] = 3
	}
	t['"'], t['\\'] = 1, 2
	for c := 0x80; c < 0x100; c++ {
		t[c] = 4
	}
	return t
}()

// str scans the JSON string at s.pos and returns the span of its contents
// and whether it holds escapes. It checks escapes and UTF-8.
func (s *scanner) str() (start, end int, esc bool, err error) {
	s.pos++
	start = s.pos
	src := s.src
	i := s.pos
	if i <= len(src) {
		i += plainPrefix(src[i:])
	}
	// Most strings hold no escape: the first byte after the plain run
	// closes them.
	if i < len(src) && src[i] == '"' {
		s.pos = i + 1
		return start, i, false, nil
	}
	for {
		if i <= len(src) {
			i += plainPrefix(src[i:])
		}
		if i >= len(src) {
			s.pos = i
			return 0, 0, false, s.syntax("a closing '\"'")
		}
		switch strClass[src[i]] {
		case 1:
			s.pos = i + 1
			return start, i, esc, nil
		case 2:
			esc = true
			if i+1 >= len(src) {
				s.pos = i + 1
				return 0, 0, false, s.syntax("an escape character")
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(src) {
					s.pos = i
					return 0, 0, false, s.syntax("4 hex digits after \\u")
				}
				for _, c := range src[i+2 : i+6] {
					if hexVal[c] > 15 {
						s.pos = i
						return 0, 0, false, s.syntax("4 hex digits after \\u")
					}
				}
				i += 6
			default:
				s.pos = i
				return 0, 0, false, s.syntax("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
			}
		case 3:
			s.pos = i
			return 0, 0, false, s.syntax("no control characters in a string (escape them)")
		case 4:
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size == 1 {
				s.pos = i
				return 0, 0, false, s.fail(i, 0, false, ErrSyntax, "valid UTF-8", "invalid UTF-8 in a string")
			}
			i += size
		}
	}
}

// plainPrefix returns the length of the run of plain ASCII (strClass 0)
// that b starts with: eight bytes a step, the first byte that ends the
// run found in its word by specialBytes, the last few bytes one at a time.
// It calls nothing, so that its loop keeps everything in registers, and
// reads each word with no bounds check (i+8 <= len(b)).
func plainPrefix(b []byte) int {
	at := unsafe.Pointer(unsafe.SliceData(b))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if m := specialBytes(binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(at, i))[:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b) && strClass[b[i]] == 0; i++ {
	}
	return i
}

// compactHead matches the head of an item object written compactly in the
// canonical order, {"tag":"Name","type":"Type","value":, at start, with a
// tag spelled as an identifier. It returns the span of the tag, the type
// and the offset of the value, without moving.
func (s *scanner) compactHead(start int) (ts, te int, typ ttlv.Type, vpos int, ok bool) {
	src := s.src
	p := start
	if len(src)-p < 8 || string(src[p:p+8]) != `{"tag":"` {
		return
	}
	p += 8
	ts = p
	for p < len(src) && identByte[src[p]] {
		p++
	}
	if p == ts || len(src)-p < 10 || string(src[p:p+9]) != `","type":` {
		return
	}
	te = p
	p += 9
	w, n := quickTypeAt(src[p:])
	if n == 0 {
		return
	}
	p += n
	if len(src)-p < 9 || string(src[p:p+9]) != `,"value":` {
		return
	}
	return ts, te, w, p + 9, true
}

// headHashAt is where s.heads hashes a compact head: its tag name's first
// sixteen bytes (or the name and what follows it).
const headHashAt = len(`{"tag":"`)

// exactTag reports whether the tag name src[ts:te] of a compact head means
// the same wherever it stands: a hex tag or a name the Registry or the
// built-in tables know, not one that Lenient reads by its case-folded
// spelling or as a Cosmian KMS 4.x part name (which depends on the depth).
func (s *scanner) exactTag(ts, te int) bool {
	name := s.src[ts:te]
	if len(name) > 1 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X') {
		return true
	}
	_, ok := s.tagCache.LookupTag(s.reg, name)
	return ok
}

func (s *scanner) lookupEnum(t ttlv.Tag, name []byte) (uint32, bool) {
	if s.each {
		return s.reg.LookupEnumBytes(t, name)
	}
	return s.enums.LookupEnum(s.reg, t, name)
}

// Property names of an item object (§4.1.6).
const (
	keyOther = iota
	keyTag
	keyType
	keyValue
	keyName
)

func keyCode(k []byte) int {
	switch string(k) {
	case "tag":
		return keyTag
	case "type":
		return keyType
	case "value":
		return keyValue
	case "name":
		return keyName
	}
	return keyOther
}

// quickKey recognizes "tag":, "type": and "value": written without escapes
// or whitespace before the colon, the common case, and moves past them;
// keyOther sends the caller to the general path.
func (s *scanner) quickKey() int {
	r := s.src[s.pos:]
	if len(r) >= 8 {
		switch {
		case string(r[1:6]) == `tag":`:
			s.pos += 6
			return keyTag
		case string(r[1:7]) == `type":`:
			s.pos += 7
			return keyType
		case string(r[1:8]) == `value":`:
			s.pos += 8
			return keyValue
		}
	}
	return keyOther
}

// identByte reports the bytes of normalized names and hex numbers:
// letters, digits and '_'.
var identByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	t['_'] = true
	return t
}()

// hexVal maps hex digits to their value and everything else to 0xFF.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return t
}()

// unescape decodes the contents of a JSON string holding escapes into
// s.scratch and returns it. Lone UTF-16 surrogates become U+FFFD, as
// encoding/json does.
func (s *scanner) unescape(v []byte) []byte {
	out := s.scratch[:0]
	for i := 0; i < len(v); {
		c := v[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch v[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hex4(v[i+2:]))
			i += 6
			if utf16Surrogate(r) {
				if r < 0xDC00 && i+6 <= len(v) && v[i] == '\\' && v[i+1] == 'u' {
					if r2 := rune(hex4(v[i+2:])); r2 >= 0xDC00 && r2 < 0xE000 {
						r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
						i += 6
						out = utf8.AppendRune(out, r)
						continue
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, v[i+1])
		}
		i += 2
	}
	s.scratch = out
	return out
}

// unescapeKey is unescape for short strings (property names, types, tags),
// which must not disturb s.scratch... they may: each is used at once.
func (s *scanner) unescapeKey(v []byte) []byte { return s.unescape(v) }

func utf16Surrogate(r rune) bool { return r >= 0xD800 && r < 0xE000 }

func hex4(b []byte) uint32 {
	return uint32(hexVal[b[0]])<<12 | uint32(hexVal[b[1]])<<8 | uint32(hexVal[b[2]])<<4 | uint32(hexVal[b[3]])
}

// number scans a JSON number (RFC 8259 §6) at s.pos.
func (s *scanner) number() error {
	src, i := s.src, s.pos
	if i < len(src) && src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return s.syntax("a digit")
	}
	if i < len(src) && src[i] == '.' {
		i++
		j := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return s.syntax("a digit after '.'")
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		j := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return s.syntax("a digit in the exponent")
		}
	}
	s.pos = i
	return nil
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.src[s.pos:], []byte(lit)) {
		return s.syntax("true, false or null")
	}
	s.pos += len(lit)
	return nil
}

// quotedTypes holds each type's name in quotes, indexed by Type.
var quotedTypes = [...]string{
	ttlv.TypeStructure:        `"Structure"`,
	ttlv.TypeInteger:          `"Integer"`,
	ttlv.TypeLongInteger:      `"LongInteger"`,
	ttlv.TypeBigInteger:       `"BigInteger"`,
	ttlv.TypeEnumeration:      `"Enumeration"`,
	ttlv.TypeBoolean:          `"Boolean"`,
	ttlv.TypeTextString:       `"TextString"`,
	ttlv.TypeByteString:       `"ByteString"`,
	ttlv.TypeDateTime:         `"DateTime"`,
	ttlv.TypeInterval:         `"Interval"`,
	ttlv.TypeDateTimeExtended: `"DateTimeExtended"`,
	ttlv.TypeIdentifier:       `"Identifier"`,
	ttlv.TypeReference:        `"Reference"`,
	ttlv.TypeNameReference:    `"NameReference"`,
}

// quickType recognizes a type name written without escapes at s.pos by
// its first letters, and moves past it.
func (s *scanner) quickType() (ttlv.Type, bool) {
	t, n := quickTypeAt(s.src[s.pos:])
	s.pos += n
	return t, n != 0
}

// quickTypeAt recognizes a quoted type name at the start of r and returns
// it and its quoted length, or a length of 0.
func quickTypeAt(r []byte) (ttlv.Type, int) {
	if len(r) < 3 {
		return 0, 0
	}
	var t ttlv.Type
	switch r[1] {
	case 'S':
		t = ttlv.TypeStructure
	case 'I':
		t = ttlv.TypeInteger
		if r[2] == 'd' {
			t = ttlv.TypeIdentifier
		} else if r[2] == 'n' && len(r) > 6 && r[6] == 'v' {
			t = ttlv.TypeInterval
		}
	case 'R':
		t = ttlv.TypeReference
	case 'N':
		t = ttlv.TypeNameReference
	case 'L':
		t = ttlv.TypeLongInteger
	case 'B':
		t = ttlv.TypeBigInteger
		if r[2] == 'o' {
			t = ttlv.TypeBoolean
		} else if r[2] == 'y' {
			t = ttlv.TypeByteString
		}
	case 'E':
		t = ttlv.TypeEnumeration
	case 'T':
		t = ttlv.TypeTextString
	case 'D':
		t = ttlv.TypeDateTime
		if len(r) > 10 && r[9] == 'E' {
			t = ttlv.TypeDateTimeExtended
		}
	default:
		return 0, 0
	}
	// Every quoted name is 9 to 18 bytes: two 8-byte words compare it,
	// overlapping up to 16 bytes; the longest, "DateTimeExtended", has two
	// bytes between them to compare as well.
	w := &typeWords[t]
	n := int(w.n)
	if len(r) < n || binary.LittleEndian.Uint64(r) != w.head || binary.LittleEndian.Uint64(r[n-8:]) != w.tail {
		return 0, 0
	}
	if n > 16 && string(r[8:n-8]) != quotedTypes[t][8:n-8] {
		return 0, 0
	}
	return t, n
}

// typeWords holds, per type, the first and last eight bytes of its quoted
// name and the name's length.
var typeWords = func() (t [len(quotedTypes)]struct {
	head, tail uint64
	n          uint8
}) {
	for typ := ttlv.TypeStructure; typ.Valid(); typ++ {
		q := []byte(quotedTypes[typ])
		t[typ].head = binary.LittleEndian.Uint64(q)
		t[typ].tail = binary.LittleEndian.Uint64(q[len(q)-8:])
		t[typ].n = uint8(len(q))
	}
	return t
}()

// parseType maps a type name (§4.1.4) to its Type.
func parseType(b []byte) (ttlv.Type, bool) {
	switch string(b) {
	case "Structure":
		return ttlv.TypeStructure, true
	case "Integer":
		return ttlv.TypeInteger, true
	case "LongInteger":
		return ttlv.TypeLongInteger, true
	case "BigInteger":
		return ttlv.TypeBigInteger, true
	case "Enumeration":
		return ttlv.TypeEnumeration, true
	case "Boolean":
		return ttlv.TypeBoolean, true
	case "TextString":
		return ttlv.TypeTextString, true
	case "ByteString":
		return ttlv.TypeByteString, true
	case "DateTime":
		return ttlv.TypeDateTime, true
	case "Interval":
		return ttlv.TypeInterval, true
	case "DateTimeExtended":
		return ttlv.TypeDateTimeExtended, true
	case "Identifier":
		return ttlv.TypeIdentifier, true
	case "Reference":
		return ttlv.TypeReference, true
	case "NameReference":
		return ttlv.TypeNameReference, true
	}
	return 0, false
}

// parseHex parses "0x" followed by hex digits: exactly width digits, or
// with lenient 1 to width.
func parseHex(b []byte, width int, lenient bool) (uint64, bool) {
	if lenient {
		return textform.ParseHexText(b, 1, width)
	}
	return textform.ParseHexText(b, width, width)
}

// resolveTag turns a "tag" string into a Tag (§4.1.2).
func (s *scanner) resolveTag(p, ts, te int, esc bool, depth int) (ttlv.Tag, error) {
	name := s.src[ts:te]
	if esc {
		name = s.unescape(name)
	}
	if len(name) > 1 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X') {
		if v, ok := parseHex(name, 6, s.lenient); ok {
			return ttlv.Tag(v), nil
		}
		return 0, s.failAt(p, depth, false, ErrUnknownTag, "\"0x\" and 6 hex digits", "%q", name)
	}
	if len(name) == 0 {
		return 0, s.unknownTag(p, depth, "")
	}
	if t, ok := s.tagCache.LookupTag(s.reg, name); ok {
		return t, nil
	}
	if s.lenient {
		if t, ok := lookupTagFold(name); ok {
			return t, nil
		}
		if t, ok := s.cosmian4Tag(name, depth); ok {
			return t, nil
		}
	}
	return 0, s.unknownTag(p, depth, string(name))
}

// unknownTag builds the error for an unknown tag name, with the nearest
// known name. The names that Cosmian KMS's older documentation uses for the
// message layout ("Message", "Header", "Items") get the KMIP tag meant.
//
//go:noinline
func (s *scanner) unknownTag(p, depth int, name string) error {
	parent := ttlv.Tag(0)
	if depth > 0 {
		parent = s.tags[depth-1]
	}
	if hint := textform.SuggestTagHint(name, parent); hint != "" {
		return s.failAt(p, depth, false, ErrUnknownTag, "", "%q, did you mean %s?", name, hint)
	}
	return s.failAt(p, depth, false, ErrUnknownTag, "a KMIP tag name or \"0x\" and 6 hex digits", "%q", name)
}

var (
	foldOnce sync.Once
	foldTags map[string]ttlv.Tag // lower-case name → tag; 0 when ambiguous
)

// lookupTagFold finds a built-in tag whose name equals name ignoring ASCII
// case. The index is built on first use (Lenient only).
func lookupTagFold(name []byte) (ttlv.Tag, bool) {
	foldOnce.Do(func() {
		foldTags = map[string]ttlv.Tag{}
		for t := ttlv.Tag(0x420001); t <= 0x42FFFF; t++ {
			n := t.String()
			if strings.HasPrefix(n, "0x") {
				continue
			}
			k := strings.ToLower(n)
			if _, dup := foldTags[k]; dup {
				foldTags[k] = 0
			} else {
				foldTags[k] = t
			}
		}
	})
	var buf [64]byte
	if len(name) > len(buf) {
		return 0, false
	}
	low := buf[:len(name)]
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	t, ok := foldTags[string(low)]
	return t, ok && t != 0
}

// primitive converts the value span of a non-Structure item and appends the
// item (§4.1.6.3 to §4.1.6.12).
func (s *scanner) primitive(tag ttlv.Tag, typ ttlv.Type, valueTag ttlv.Tag, kind, vs, ve int, esc bool, depth int) error {
	v := s.src[vs:ve]
	if kind == vString && esc {
		v = s.unescape(v)
	}
	lenient := s.lenient
	switch typ {
	case ttlv.TypeInteger:
		switch kind {
		case vNumber:
			// Up to 2^32-1 too: peers write masks as unsigned numbers.
			if n, ok := textform.ParseIntText(v, math.MinInt32, math.MaxUint32); ok {
				s.dst = ttlv.AppendInteger(s.dst, tag, int32(uint32(n)))
				return nil
			}
		case vString:
			if s.reg.IsMask(valueTag) {
				if n, ok := s.reg.ParseMask(valueTag, v); ok {
					s.dst = ttlv.AppendInteger(s.dst, tag, int32(n))
					return nil
				}
				return s.badValue(vs, depth, "mask bit names or hex numbers joined by '|'", v)
			}
			if n, ok := parseHex(v, 8, lenient); ok {
				s.dst = ttlv.AppendInteger(s.dst, tag, int32(uint32(n)))
				return nil
			}
		}
		return s.badValue(vs, depth, "a 32-bit integer: a JSON number or \"0x\" and 8 hex digits", v)
	case ttlv.TypeLongInteger:
		switch kind {
		case vNumber:
			if n, ok := textform.ParseIntText(v, math.MinInt64, math.MaxInt64); ok {
				s.dst = ttlv.AppendLongInteger(s.dst, tag, n)
				return nil
			}
		case vString:
			if n, ok := parseHex(v, 16, lenient); ok {
				s.dst = ttlv.AppendLongInteger(s.dst, tag, int64(n))
				return nil
			}
		}
		return s.badValue(vs, depth, "a 64-bit integer: a JSON number or \"0x\" and 16 hex digits", v)
	case ttlv.TypeInterval:
		switch kind {
		case vNumber:
			if n, ok := textform.ParseIntText(v, 0, math.MaxUint32); ok {
				s.dst = ttlv.AppendInterval(s.dst, tag, uint32(n))
				return nil
			}
		case vString:
			if n, ok := parseHex(v, 8, lenient); ok {
				s.dst = ttlv.AppendInterval(s.dst, tag, uint32(n))
				return nil
			}
		}
		return s.badValue(vs, depth, "an unsigned 32-bit number of seconds: a JSON number or \"0x\" and 8 hex digits", v)
	case ttlv.TypeEnumeration:
		switch kind {
		case vNumber:
			if n, ok := textform.ParseIntText(v, 0, math.MaxUint32); ok {
				s.dst = ttlv.AppendEnumeration(s.dst, tag, uint32(n))
				return nil
			}
		case vString:
			if len(v) > 1 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
				if n, ok := parseHex(v, 8, lenient); ok {
					s.dst = ttlv.AppendEnumeration(s.dst, tag, uint32(n))
					return nil
				}
				break
			}
			if n, ok := s.lookupEnum(valueTag, v); ok {
				s.dst = ttlv.AppendEnumeration(s.dst, tag, n)
				return nil
			}
			return s.failAt(vs, depth, true, ErrValue, "a "+valueTag.String()+" name, a JSON number or \"0x\" and 8 hex digits", "unknown enumeration name %q", v)
		}
		return s.badValue(vs, depth, "an enumeration name, a JSON number or \"0x\" and 8 hex digits", v)
	case ttlv.TypeBoolean:
		switch kind {
		case vTrue, vFalse:
			s.dst = ttlv.AppendBoolean(s.dst, tag, kind == vTrue)
			return nil
		case vString:
			if n, ok := parseHex(v, 16, lenient); ok && n <= 1 {
				s.dst = ttlv.AppendBoolean(s.dst, tag, n == 1)
				return nil
			}
		}
		return s.badValue(vs, depth, "true, false, \"0x0000000000000000\" or \"0x0000000000000001\"", v)
	case ttlv.TypeTextString:
		if kind == vString {
			s.dst = ttlv.AppendTextBytes(s.dst, tag, v)
			return nil
		}
		return s.badValue(vs, depth, "a JSON string", v)
	case ttlv.TypeIdentifier, ttlv.TypeReference, ttlv.TypeNameReference:
		if kind == vString {
			s.dst = ttlv.AppendString(s.dst, tag, typ, v)
			return nil
		}
		return s.badValue(vs, depth, "a JSON string", v)
	case ttlv.TypeByteString:
		if kind == vString && len(v)%2 == 0 {
			if out, ok := textform.AppendHexItem(s.dst, tag, ttlv.TypeByteString, v); ok {
				s.dst = out
				return nil
			}
		}
		return s.badValue(vs, depth, "an even number of hex digits, without \"0x\"", v)
	case ttlv.TypeBigInteger:
		switch kind {
		case vNumber:
			if n, ok := textform.ParseIntText(v, math.MinInt64, math.MaxInt64); ok {
				var b [8]byte
				binary.BigEndian.PutUint64(b[:], uint64(n))
				s.dst = ttlv.AppendBigIntegerBytes(s.dst, tag, b[:])
				return nil
			}
		case vString:
			if out, ok := appendBigHex(s.dst, tag, v, lenient, &s.big); ok {
				s.dst = out
				return nil
			}
		}
		return s.badValue(vs, depth, "\"0x\" and a multiple of 16 hex digits (two's complement), or a JSON number", v)
	case ttlv.TypeDateTime:
		switch kind {
		case vString:
			if len(v) > 1 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
				if n, ok := parseHex(v, 16, lenient); ok {
					s.dst = ttlv.AppendDateTime(s.dst, tag, int64(n))
					return nil
				}
				break
			}
			if sec, _, ok := ttlv.ParseDateTimeText(v); ok {
				s.dst = ttlv.AppendDateTime(s.dst, tag, sec)
				return nil
			}
		case vNumber:
			if lenient {
				if n, ok := textform.ParseIntText(v, math.MinInt64, math.MaxInt64); ok {
					s.dst = ttlv.AppendDateTime(s.dst, tag, n)
					return nil
				}
			}
		}
		return s.badValue(vs, depth, "an ISO 8601 date-time (\"2001-01-01T10:00:00+10:00\") or \"0x\" and 16 hex digits", v)
	case ttlv.TypeDateTimeExtended:
		switch kind {
		case vNumber:
			if n, ok := textform.ParseIntText(v, math.MinInt64, math.MaxInt64); ok {
				s.dst = ttlv.AppendDateTimeExtended(s.dst, tag, n)
				return nil
			}
		case vString:
			if len(v) > 1 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
				if n, ok := parseHex(v, 16, lenient); ok {
					s.dst = ttlv.AppendDateTimeExtended(s.dst, tag, int64(n))
					return nil
				}
				break
			}
			if sec, us, ok := ttlv.ParseDateTimeText(v); ok {
				s.dst = ttlv.AppendDateTimeExtended(s.dst, tag, sec*1e6+us)
				return nil
			}
		}
		return s.badValue(vs, depth, "microseconds as a JSON number, \"0x\" and 16 hex digits, or an ISO 8601 date-time", v)
	}
	return s.badValue(vs, depth, "a known type", v)
}

// appendBigHex appends a Big Integer item from "0x" and hex digits: a
// multiple of 16 digits, or with lenient any number, sign-extended. "0x"
// alone is the zero-length Big Integer, which the binary decoder accepts
// (its length is a multiple of 8) and AppendJSON writes so.
func appendBigHex(dst []byte, tag ttlv.Tag, h []byte, lenient bool, scratch *[]byte) ([]byte, bool) {
	if len(h) < 2 || h[0] != '0' || (h[1] != 'x' && h[1] != 'X') {
		return dst, false
	}
	h = h[2:]
	if len(h)%16 == 0 {
		return textform.AppendHexItem(dst, tag, ttlv.TypeBigInteger, h)
	}
	if !lenient {
		return dst, false
	}
	b := (*scratch)[:0]
	if len(h)%2 == 1 {
		x := hexVal[h[0]]
		if x > 15 {
			return dst, false
		}
		b = append(b, x)
		h = h[1:]
	}
	b, err := hex.AppendDecode(b, h)
	*scratch = b
	if err != nil {
		return dst, false
	}
	return ttlv.AppendBigIntegerBytes(dst, tag, b), true
}

// Error construction: only on the error path.

//go:noinline
func (s *scanner) syntax(want string) error {
	withTag := s.tags[s.cur] != 0
	if s.pos >= len(s.src) {
		return s.failAt(s.pos, s.cur, withTag, ErrSyntax, want, "unexpected end of input")
	}
	c := s.src[s.pos]
	if c >= 0x20 && c < 0x7F {
		return s.failAt(s.pos, s.cur, withTag, ErrSyntax, want, "unexpected '%c'", c)
	}
	return s.failAt(s.pos, s.cur, withTag, ErrSyntax, want, "unexpected byte 0x%02X", c)
}

// depthError reports a Structure at depth (0 for the top level) that would
// nest deeper than MaxDepth Structures, as ttlv counts them.
//
//go:noinline
func (s *scanner) depthError(depth int, haveTag bool) error {
	return s.failAt(s.pos, depth, haveTag, ErrDepth, "", "depth %d exceeds limit %d", depth+1, s.maxDepth)
}

//go:noinline
func (s *scanner) wantString(depth int, haveTag bool, want string) error {
	return s.failAt(s.pos, depth, haveTag, ErrObject, want, "not a string")
}

//go:noinline
func (s *scanner) badValue(pos, depth int, want string, v []byte) error {
	shown := v
	if len(shown) > 40 {
		shown = shown[:40]
	}
	return s.failAt(pos, depth, true, ErrValue, want, "%q", shown)
}

// failAt reports an error at pos inside the item object at depth; with
// withTag, the item's own tag ends the path.
//
//go:noinline
func (s *scanner) failAt(pos, depth int, withTag bool, sentinel error, want, format string, args ...any) error {
	return s.fail(pos, depth+1, withTag, sentinel, want, format, args...)
}

// fail builds an *Error. levels is the number of entries of s.tags that
// describe enclosing objects (0: none known, for syntax errors, which use
// the whole open path), the last one the failing item itself when withTag.
func (s *scanner) fail(pos, levels int, withTag bool, sentinel error, want, format string, args ...any) error {
	line, col := textform.LineColumn(s.src, pos)
	var path ttlv.Path
	if levels > 0 {
		n := levels
		if !withTag {
			n--
		}
		for _, t := range s.tags[:n] {
			path = append(path, t)
		}
	}
	err := sentinel
	if format != "" {
		err = fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
	}
	return &Error{Line: line, Column: col, Offset: int64(pos), Path: path, Want: want, Err: err}
}
