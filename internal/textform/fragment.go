package textform

import (
	"encoding/binary"
	"unsafe"

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
// not fit. The zero value is ready for Reset; it allocates nothing (its
// text, 8 KiB, is part of it) and is not safe for concurrent use: keep it
// in a pooled value. Its entries point into its own text: do not copy a
// FragmentCache once used.
type FragmentCache struct {
	gen   uint32
	slots [fragmentSlots]fragmentSlot
	// The fragments, text[:used], and room to read a CopyMax-byte block
	// from the start of any.
	text [fragmentArena + CopyMax]byte
	used int
}

type fragmentSlot struct {
	key  uint64
	gen  uint32
	frag []byte // in text, to its end: a slice kept whole, so that Get checks no bounds
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
	c.used = 0
}

// Get returns the fragment stored under key in this conversion, with a
// capacity of CopyMax bytes at least (see CopyMax).
func (c *FragmentCache) Get(key uint64) ([]byte, bool) {
	s := &c.slots[fragmentHash(key)]
	if s.key != key || s.gen != c.gen {
		return nil, false
	}
	return s.frag, true
}

// CopyMax is the length of a block that a converter may copy from the
// start of a fragment Get returned, which has that capacity: a fragment
// of at most CopyMax bytes, when the destination has room for CopyMax
// more, is copied as four 16-byte moves, inline, where append would call
// memmove. The block may write past the fragment into the destination's
// spare capacity, which the slice the converter keeps does not cover, and
// read past it into the cache's text, whose bytes there are not secret
// (other fragments, or zeros).
const CopyMax = 64

// Put stores a copy of frag under key, unless the cache's text is full.
func (c *FragmentCache) Put(key uint64, frag []byte) {
	start := c.used
	if len(frag) > fragmentArena-start {
		return
	}
	c.used += copy(c.text[start:fragmentArena], frag)
	c.slots[fragmentHash(key)] = fragmentSlot{key: key, gen: c.gen, frag: c.text[start:c.used]}
}

// HeadCache is the decoding twin of FragmentCache: it remembers, for one
// conversion, the heads of item objects or elements a text decoder has
// parsed — the bytes from the item's start up to its value, such as
// {"tag":"Operation","type":"Enumeration","value": — with the tag and type
// they gave, so that a later item starting with the same bytes skips the
// scan, the tag-name lookup and the type match. A hit compares the whole
// head with the input, so it gives exactly what parsing those bytes gives;
// a decoder stores only heads whose meaning does not depend on where they
// stand.
//
// Heads are found by a hash of the sixteen input bytes at a fixed offset
// off from the item's start (where the names differ, whatever follows the
// head), in a two-way set: two heads alike in those bytes, such as one tag
// with two types, both stay. Reset starts a conversion (the Registry may
// differ). The zero value is ready for Reset; it allocates nothing (its
// text, 8 KiB, is part of it) and is not safe for concurrent use. Its
// entries point into its own text: do not copy a HeadCache once used.
type HeadCache struct {
	gen   uint32
	sets  [fragmentSlots / 2][2]headSlot
	text  [fragmentArena]byte // the heads, text[:used]
	used  int
	older [fragmentSlots / 2]uint8 // per set, the way to replace next
}

type headSlot struct {
	gen  uint32
	head []byte // in text: a slice kept whole, so that Match checks no bounds
	tag  ttlv.Tag
	typ  ttlv.Type
	aux  uint32
}

// Reset drops every entry.
func (c *HeadCache) Reset() {
	c.gen++
	if c.gen == 0 {
		c.sets = [fragmentSlots / 2][2]headSlot{}
		c.gen = 1
	}
	c.used = 0
}

// headKey returns the hash of the sixteen bytes of src at p+off, or false
// when src has fewer, with src[p:] for the comparison that follows.
func headKey(src []byte, p, off int) (uint, []byte, bool) {
	if p < 0 || off < 0 || p > len(src) || len(src)-p-off < 16 {
		return 0, nil, false
	}
	in := src[p:]
	k := in[off : off+16]
	return headHash(binary.LittleEndian.Uint64(k), binary.LittleEndian.Uint64(k[8:])), in, true
}

func headHash(k0, k1 uint64) uint {
	x := k0 ^ k1*0x9E3779B97F4A7C15
	return uint((x * 0xFF51AFD7ED558CCD) >> (64 - fragmentBits + 1))
}

// Match reports whether src[p:] starts with a head stored by Put with the
// same offset off, and returns its tag, type, aux and length.
//
// It tests the bounds of src once, then reads the hashed words and
// compares each way's head sixteen bytes a step (the last eight
// overlapping), the differences or-ed into one word tested once, through
// load64: no further bounds check and no call. Every word read lies in
// src[p:], whose length a head's is checked against first, or in the
// head, a slice of c.text that Put stored (8 <= n).
func (c *HeadCache) Match(src []byte, p, off int) (t ttlv.Tag, typ ttlv.Type, aux uint32, n int, ok bool) {
	if p < 0 || off < 0 || p > len(src) || len(src)-p-off < 16 {
		return 0, 0, 0, 0, false
	}
	in := unsafe.Add(unsafe.Pointer(unsafe.SliceData(src)), p)
	left := len(src) - p // at least 16
	set := &c.sets[headHash(load64(in, off), load64(in, off+8))]
	for w := range set {
		s := &set[w]
		n := len(s.head)
		if s.gen != c.gen || uint(n-8) > uint(left-8) {
			continue
		}
		head := unsafe.Pointer(unsafe.SliceData(s.head))
		var x uint64
		i := 0
		for ; i+16 <= n; i += 16 {
			x |= (load64(in, i) ^ load64(head, i)) | (load64(in, i+8) ^ load64(head, i+8))
		}
		if i+8 <= n {
			x |= load64(in, i) ^ load64(head, i)
		}
		if x|(load64(in, n-8)^load64(head, n-8)) == 0 {
			return s.tag, s.typ, s.aux, n, true
		}
	}
	return 0, 0, 0, 0, false
}

// load64 returns the little-endian word of the eight bytes at p+off, which
// the caller has checked to lie inside one slice or array.
func load64(p unsafe.Pointer, off int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(p, off))[:])
}

// Put stores the head src[p:p+n], which parsed to tag t and type typ, and
// aux, what else the decoder needs of it (such as the length of an element
// name), found by the sixteen bytes of src at p+off; when src has fewer,
// the head has fewer than eight bytes or the cache's text is full, it
// stores nothing.
func (c *HeadCache) Put(src []byte, p, n, off int, t ttlv.Tag, typ ttlv.Type, aux uint32) {
	h, in, ok := headKey(src, p, off)
	start := c.used
	if !ok || n < 8 || n > len(in) || n > fragmentArena-start {
		return // Match compares eight bytes a step: a shorter head is not kept
	}
	c.used += copy(c.text[start:], in[:n])
	way := c.older[h]
	if c.sets[h][0].gen != c.gen {
		way = 0
	} else if c.sets[h][1].gen != c.gen {
		way = 1
	}
	c.sets[h][way] = headSlot{gen: c.gen, head: c.text[start:c.used:c.used], tag: t, typ: typ, aux: aux}
	c.older[h] = 1 - way
}

// EqualShort reports whether a and b are equal: eight bytes a step, the
// last eight overlapping, the differences or-ed into one word and tested
// once, inline, where a string comparison of the few to 60 bytes of a
// head or an element name would call memequal.
func EqualShort(a, b []byte) bool {
	n := len(a)
	if n != len(b) {
		return false
	}
	if n < 8 {
		return string(a) == string(b)
	}
	var x uint64
	for i := 8; i < n; i += 8 {
		x |= binary.LittleEndian.Uint64(a[i-8:i]) ^ binary.LittleEndian.Uint64(b[i-8:i])
	}
	x |= binary.LittleEndian.Uint64(a[n-8:]) ^ binary.LittleEndian.Uint64(b[n-8:])
	return x == 0
}

// EnumCache speeds up the lookup of enumeration names in text input,
// where a message repeats a few (Operation "Get" in every batch item): it
// remembers, for one conversion, the names Registry.LookupEnumBytes has
// resolved for a tag, by a hash of the tag and the name, so that a hit
// costs a comparison of two words: a name of at most enumCacheName bytes
// is kept as two zero-padded little-endian words, read without a loop.
// Reset starts a conversion (the Registry may differ). The zero value is
// ready for Reset; it allocates nothing and is not safe for concurrent
// use.
type EnumCache struct {
	gen     uint32
	entries [enumCacheSize]enumCacheEntry
}

type enumCacheEntry struct {
	gen    uint32
	tag    ttlv.Tag
	v      uint32
	n      uint32
	w0, w1 uint64 // the name's bytes
}

const (
	enumCacheBits = 6
	enumCacheSize = 1 << enumCacheBits
	enumCacheName = 16 // longer names are looked up each time
)

// Reset drops every entry.
func (c *EnumCache) Reset() {
	c.gen++
	if c.gen == 0 {
		c.entries = [enumCacheSize]enumCacheEntry{}
		c.gen = 1
	}
}

// nameWords returns the bytes of name, at most enumCacheName of them, as
// two little-endian words, zero beyond the name.
func nameWords(name []byte) (w0, w1 uint64) {
	if len(name) > 8 {
		return binary.LittleEndian.Uint64(name), shortWord(name[8:])
	}
	return shortWord(name), 0
}

// shortWord returns the at most eight bytes of b as a little-endian word,
// zero beyond them: two overlapping loads of 4, 2 or 1 bytes, no loop.
func shortWord(b []byte) uint64 {
	switch n := len(b); {
	case n > 8:
		return 0 // not reached: callers pass at most eight bytes
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<(8*(n-4))
	case n >= 2:
		return uint64(binary.LittleEndian.Uint16(b)) | uint64(binary.LittleEndian.Uint16(b[n-2:]))<<(8*(n-2))
	case n == 1:
		return uint64(b[0])
	}
	return 0
}

func enumHash(t ttlv.Tag, n int, w0, w1 uint64) uint {
	x := (w0 ^ w1*0x9E3779B97F4A7C15 ^ uint64(t)<<8 ^ uint64(n)) * 0xFF51AFD7ED558CCD
	return uint(x >> (64 - enumCacheBits))
}

// LookupEnum returns r.LookupEnumBytes(t, name) (r may be nil), answering
// from the cache when it can. It does not allocate.
func (c *EnumCache) LookupEnum(r *ttlv.Registry, t ttlv.Tag, name []byte) (uint32, bool) {
	if len(name) > enumCacheName {
		return r.LookupEnumBytes(t, name)
	}
	w0, w1 := nameWords(name)
	e := &c.entries[enumHash(t, len(name), w0, w1)]
	if e.gen == c.gen && e.tag == t && e.n == uint32(len(name)) && e.w0 == w0 && e.w1 == w1 {
		return e.v, true
	}
	v, ok := r.LookupEnumBytes(t, name)
	if ok {
		*e = enumCacheEntry{gen: c.gen, tag: t, v: v, n: uint32(len(name)), w0: w0, w1: w1}
	}
	return v, ok
}
