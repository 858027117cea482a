package jsonttlv

import (
	"encoding/binary"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Cosmian KMS 4.x wrote the message parts under names of its own (the
// older "Messages" page of its documentation shows them):
//
//	{"tag":"Message","value":[
//	  {"tag":"Header","value":[…]},
//	  {"tag":"Items","value":[{"tag":"Items","value":[…]}, {"tag":"Items","value":[…]}]}]}
//
// a Message for RequestMessage or ResponseMessage, a Header for its header,
// and one Items structure holding the batch items, each named Items. 5.x
// writes the specification's names, and its documentation mixes both. With
// DecodeOptions.Lenient these messages are read by position, and
// EncodeOptions.Cosmian4Names writes them.

// The names of Cosmian KMS 4.x's message parts.
const (
	cosmian4Message = "Message"
	cosmian4Header  = "Header"
	cosmian4Items   = "Items"
)

// Cosmian4Message reports whether the JSON message in src is in the
// naming of Cosmian KMS 4.x: whether its top-level "tag" is "Message", in
// any letter case. A server answers such a request in the same naming
// (EncodeOptions.Cosmian4Names), as Cosmian KMS 4.x did. It reads no
// further than that property and does not allocate; malformed input
// reports false.
func Cosmian4Message(src []byte) bool {
	i := skipSpace(src, 0)
	if i >= len(src) || src[i] != '{' {
		return false
	}
	i++
	for {
		i = skipSpace(src, i)
		ks, ke, ok := jsonString(src, i)
		if !ok {
			return false
		}
		i = skipSpace(src, ke+1)
		if i >= len(src) || src[i] != ':' {
			return false
		}
		i = skipSpace(src, i+1)
		if string(src[ks:ke]) == "tag" {
			vs, ve, ok := jsonString(src, i)
			return ok && foldEqual(src[vs:ve], cosmian4Message)
		}
		if i = skipValue(src, i); i < 0 {
			return false
		}
		i = skipSpace(src, i)
		if i >= len(src) || src[i] != ',' {
			return false
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonString returns the span of the contents of the JSON string at b[i]
// (escapes left as they are) and whether there is one; ke is the index of
// the closing quote.
func jsonString(b []byte, i int) (ks, ke int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return i + 1, j, true
		}
	}
	return 0, 0, false
}

// skipValue returns the index after the JSON value at b[i], or -1. Arrays
// and objects are skipped by counting brackets outside strings.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		_, ke, ok := jsonString(b, i)
		if !ok {
			return -1
		}
		return ke + 1
	case '[', '{':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				_, ke, ok := jsonString(b, i)
				if !ok {
					return -1
				}
				i = ke
			case '[', '{':
				depth++
			case ']', '}':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	for ; i < len(b); i++ { // a number or a literal
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// foldEqual reports whether b equals the ASCII name ignoring letter case.
func foldEqual(b []byte, name string) bool {
	if len(b) != len(name) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != name[i]|0x20 {
			return false
		}
	}
	return true
}

func isMessage(t ttlv.Tag) bool { return t == ttlv.TagRequestMessage || t == ttlv.TagResponseMessage }

// cosmian4Tag resolves, with Lenient, the names of Cosmian KMS 4.x's
// message parts by their position: "Message" at the top, "Header" in a
// message, "Items" in a message (the structure of batch items, or one
// batch item) or in such a structure. A top-level Message is read as a
// RequestMessage until the end shows a response (see reshapeCosmian4).
func (s *scanner) cosmian4Tag(name []byte, depth int) (ttlv.Tag, bool) {
	var parent, grand ttlv.Tag
	if depth > 0 {
		parent = s.tags[depth-1]
	}
	if depth > 1 {
		grand = s.tags[depth-2]
	}
	switch {
	case depth == 0 && foldEqual(name, cosmian4Message):
		s.cosmian4, s.message = true, true
		return ttlv.TagRequestMessage, true
	case depth == 1 && isMessage(parent) && foldEqual(name, cosmian4Header):
		s.cosmian4 = true
		if parent == ttlv.TagResponseMessage {
			return ttlv.TagResponseHeader, true
		}
		return ttlv.TagRequestHeader, true
	case foldEqual(name, cosmian4Items) && (depth == 1 && isMessage(parent) ||
		depth == 2 && parent == ttlv.TagBatchItem && isMessage(grand)):
		s.cosmian4 = true
		return ttlv.TagBatchItem, true
	}
	return 0, false
}

// reshapeCosmian4 finishes a message read with Cosmian KMS 4.x's names:
// in the message that starts at b[base:], a BatchItem holding nothing but
// BatchItems (the 4.x structure of batch items) is replaced by its items,
// and when message (the top-level name was "Message") and a batch item
// holds a Result Status or a Response Payload, the message and its header
// become a ResponseMessage and a ResponseHeader. b holds the scanner's own
// well-formed output.
func reshapeCosmian4(b []byte, base int, message bool) []byte {
	tag, typ, length, _ := ttlv.ConsumeHeader(b[base:])
	if typ != ttlv.TypeStructure || !isMessage(tag) {
		return b
	}
	pos, end := base+ttlv.HeaderSize, base+ttlv.HeaderSize+int(length)
	response := false
	for pos < end {
		ctag, ctyp, clen, _ := ttlv.ConsumeHeader(b[pos:])
		n := ttlv.HeaderSize + (int(clen)+7)&^7
		if ctag == ttlv.TagBatchItem && ctyp == ttlv.TypeStructure {
			inner := b[pos+ttlv.HeaderSize : pos+n]
			if len(inner) > 0 && onlyBatchItems(inner) {
				// Drop the wrapper's header; its items follow in place.
				copy(b[pos:], b[pos+ttlv.HeaderSize:])
				b = b[:len(b)-ttlv.HeaderSize]
				end -= ttlv.HeaderSize
				continue
			}
			if hasChild(inner, ttlv.TagResultStatus) || hasChild(inner, ttlv.TagResponsePayload) {
				response = true
			}
		}
		pos += n
	}
	binary.BigEndian.PutUint32(b[base+4:], uint32(end-base-ttlv.HeaderSize))
	if message && response {
		putTag(b[base:], ttlv.TagResponseMessage)
		if h := base + ttlv.HeaderSize; h < end {
			if ht, _, _, _ := ttlv.ConsumeHeader(b[h:]); ht == ttlv.TagRequestHeader {
				putTag(b[h:], ttlv.TagResponseHeader)
			}
		}
	}
	return b
}

// onlyBatchItems reports whether the items in b are all BatchItem
// Structures.
func onlyBatchItems(b []byte) bool {
	for len(b) > 0 {
		tag, typ, length, _ := ttlv.ConsumeHeader(b)
		if tag != ttlv.TagBatchItem || typ != ttlv.TypeStructure {
			return false
		}
		b = b[ttlv.HeaderSize+int(length):]
	}
	return true
}

// hasChild reports whether the items in b include one tagged tag.
func hasChild(b []byte, tag ttlv.Tag) bool {
	for len(b) > 0 {
		t, _, length, _ := ttlv.ConsumeHeader(b)
		if t == tag {
			return true
		}
		b = b[ttlv.HeaderSize+(int(length)+7)&^7:]
	}
	return false
}

func putTag(b []byte, t ttlv.Tag) { b[0], b[1], b[2] = byte(t>>16), byte(t>>8), byte(t) }

// withItems returns, for EncodeOptions.Cosmian4Names, the message in src
// with its batch items inside one BatchItem Structure (4.x's Items), in
// e.c4buf: the walk then meets the layout Cosmian KMS 4.x wrote, and
// cosmian4Name names its parts. Anything but a valid message with batch
// items is returned as it is (so that errors keep their offsets).
func (e *encoder) withItems(src []byte) []byte {
	tag, typ, length, _ := ttlv.ConsumeHeader(src)
	if typ != ttlv.TypeStructure || !isMessage(tag) || ttlv.Validate(src, e.opts.Decode) != nil {
		return src
	}
	end := ttlv.HeaderSize + int(length)
	first, last := -1, -1 // the run of batch items
	for pos := ttlv.HeaderSize; pos < end; {
		ctag, _, clen, _ := ttlv.ConsumeHeader(src[pos:])
		n := ttlv.HeaderSize + (int(clen)+7)&^7
		if ctag == ttlv.TagBatchItem && (first < 0 || last == pos) {
			if first < 0 {
				first = pos
			}
			last = pos + n
		}
		pos += n
	}
	if first < 0 || uint64(length)+ttlv.HeaderSize > ttlv.MaxLength {
		return src
	}
	b := append(e.c4buf[:0], src[:first]...)
	b = ttlv.AppendHeader(b, ttlv.TagBatchItem, ttlv.TypeStructure, uint32(last-first))
	b = append(b, src[first:]...)
	binary.BigEndian.PutUint32(b[4:], length+ttlv.HeaderSize)
	e.c4buf = b
	return b
}

// cosmian4Name returns the name EncodeOptions.Cosmian4Names gives the
// item tagged t at depth (in the layout of withItems), or "".
func cosmian4Name(o *EncodeOptions, t ttlv.Tag, depth int) string {
	if !o.Cosmian4Names {
		return ""
	}
	switch {
	case depth == 0 && isMessage(t):
		return cosmian4Message
	case depth == 1 && (t == ttlv.TagRequestHeader || t == ttlv.TagResponseHeader):
		return cosmian4Header
	case (depth == 1 || depth == 2) && t == ttlv.TagBatchItem:
		return cosmian4Items
	}
	return ""
}
