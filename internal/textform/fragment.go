package textform

import (
	"encoding/binary"

	"github.com/kmipwire/kmipwire/ttlv"
)

// FragmentCache remembers, for one conversion, the text a converter writes
// for a (tag, type) pair — an item's head up to its value, or a whole
// item such as an Enumeration with its name — so that the second and later
// items of the same kind cost a table probe and one copy in place of the
// registry lookups and the appends of every property. A message repeats a
// few kinds of item many times (a 100-item batch is five kinds), so nearly
// every item hits.
//
// The text depends on the converter's options and Registry, which are
// fixed for one conversion: Reset starts a conversion, dropping every
// entry. The cache is direct-mapped (a colliding entry replaces the older)
// and holds at most fragmentArena bytes of text, so a message of many
// kinds still converts correctly, only without hits for the kinds that did
// not fit. The zero value is ready for Reset; it allocates only its text
// buffer, once, and is not safe for concurrent use: keep it in a pooled
// value.
type FragmentCache struct {
	gen   uint32
	slots [fragmentSlots]fragmentSlot
	text  []byte
}

type fragmentSlot struct {
	key        uint64
	gen        uint32
	start, end uint32
}

const (
	fragmentBits  = 7
	fragmentSlots = 1 << fragmentBits
	fragmentArena = 8 << 10
)

// HeadKey is the key of the head of an item of tag t and type typ (or of
// the end of a Structure of tag t, for typ ttlv.TypeEnd).
func HeadKey(t ttlv.Tag, typ ttlv.Type) uint64 {
	return uint64(t)<<40 | uint64(typ)<<32
}

// WholeKey is the key of a whole item of tag t, type typ and 32-bit value
// v, such as an Enumeration: never equal to a HeadKey.
func WholeKey(t ttlv.Tag, typ ttlv.Type, v uint32) uint64 {
	return uint64(t)<<40 | uint64(typ|0x80)<<32 | uint64(v)
}

func fragmentHash(key uint64) uint {
	return uint((key * 0x9E3779B97F4A7C15) >> (64 - fragmentBits))
}

// Reset drops every entry: the next conversion may use other options.
func (c *FragmentCache) Reset() {
	c.gen++
	if c.gen == 0 { // wrapped: entries of generation 0 would look current
		c.slots = [fragmentSlots]fragmentSlot{}
		c.gen = 1
	}
	c.text = c.text[:0]
}

// Get returns the fragment stored under key in this conversion.
func (c *FragmentCache) Get(key uint64) ([]byte, bool) {
	s := &c.slots[fragmentHash(key)]
	if s.key != key || s.gen != c.gen {
		return nil, false
	}
	return c.text[s.start:s.end], true
}

// Put stores a copy of frag under key, unless the cache's text is full.
func (c *FragmentCache) Put(key uint64, frag []byte) {
	if len(c.text)+len(frag) > fragmentArena {
		return
	}
	if c.text == nil {
		c.text = make([]byte, 0, fragmentArena)
	}
	start := len(c.text)
	c.text = append(c.text, frag...)
	c.slots[fragmentHash(key)] = fragmentSlot{key: key, gen: c.gen, start: uint32(start), end: uint32(len(c.text))}
}

// HeadCache is the decoding twin of FragmentCache: it remembers, for one
// conversion, the heads of item objects or elements a text decoder has
// parsed — the bytes from the item's start up to its value, such as
// {"tag":"Operation","type":"Enumeration","value": — with the tag and type
// they gave, so that a later item starting with the same bytes skips the
// scan, the tag-name lookup and the type match. A hit compares the whole
// head with the input, so it gives exactly what parsing those bytes gives.
//
// Heads are found by a hash of the eight input bytes at a fixed offset into
// the head (where the names differ), so a decoder stores only heads at
// least that long; see Match. Reset starts a conversion (the Registry may
// differ). The zero value is ready for Reset; it allocates only its text
// buffer, once, and is not safe for concurrent use.
type HeadCache struct {
	gen   uint32
	slots [fragmentSlots]headSlot
	text  []byte
}

type headSlot struct {
	gen        uint32
	start, end uint32
	tag        ttlv.Tag
	typ        ttlv.Type
}

// Reset drops every entry.
func (c *HeadCache) Reset() {
	c.gen++
	if c.gen == 0 {
		c.slots = [fragmentSlots]headSlot{}
		c.gen = 1
	}
	c.text = c.text[:0]
}

func headHash(src []byte, at int) (uint, bool) {
	if at < 0 || len(src)-at < 8 {
		return 0, false
	}
	return uint((binary.LittleEndian.Uint64(src[at:]) * 0x9E3779B97F4A7C15) >> (64 - fragmentBits)), true
}

// Match reports whether src[p:] starts with a head stored by Put with the
// same hash offset off, and returns its tag, type and length.
func (c *HeadCache) Match(src []byte, p, off int) (t ttlv.Tag, typ ttlv.Type, n int, ok bool) {
	h, ok := headHash(src, p+off)
	if !ok {
		return 0, 0, 0, false
	}
	s := &c.slots[h]
	n = int(s.end - s.start)
	if s.gen != c.gen || len(src)-p < n || string(src[p:p+n]) != string(c.text[s.start:s.end]) {
		return 0, 0, 0, false
	}
	return s.tag, s.typ, n, true
}

// Put stores head, which parsed to tag t and type typ, hashed by its eight
// bytes at off; a head shorter than off+8 bytes is not stored.
func (c *HeadCache) Put(head []byte, off int, t ttlv.Tag, typ ttlv.Type) {
	h, ok := headHash(head, off)
	if !ok || len(c.text)+len(head) > fragmentArena {
		return
	}
	if c.text == nil {
		c.text = make([]byte, 0, fragmentArena)
	}
	start := len(c.text)
	c.text = append(c.text, head...)
	c.slots[h] = headSlot{gen: c.gen, start: uint32(start), end: uint32(len(c.text)), tag: t, typ: typ}
}
