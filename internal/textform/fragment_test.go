package textform_test

import (
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/internal/textform"
	"github.com/kmipwire/kmipwire/ttlv"
)

func TestFragmentCache(t *testing.T) {
	var c textform.FragmentCache
	c.Reset()
	head := textform.HeadKey(ttlv.TagOperation, ttlv.TypeEnumeration)
	whole := textform.WholeKey(ttlv.TagOperation, ttlv.TypeEnumeration, 0)
	if head == whole {
		t.Fatal("HeadKey equals WholeKey of value 0")
	}
	if _, ok := c.Get(head); ok {
		t.Fatal("hit in an empty cache")
	}
	c.Put(head, []byte("head"))
	c.Put(whole, []byte("whole"))
	if f, ok := c.Get(head); !ok || string(f) != "head" {
		t.Fatalf("Get(head) = %q %v", f, ok)
	}
	if f, ok := c.Get(whole); !ok || string(f) != "whole" {
		t.Fatalf("Get(whole) = %q %v", f, ok)
	}
	c.Reset()
	if _, ok := c.Get(head); ok {
		t.Fatal("hit after Reset")
	}
	// More kinds than slots, more text than the cache holds: every hit
	// is the fragment stored under its own key.
	frag := func(i int) string { return fmt.Sprintf("fragment-%04d-%s", i, "0123456789abcdef0123456789abcdef") }
	for i := range 2000 {
		c.Put(textform.WholeKey(0x420000+ttlv.Tag(i), ttlv.TypeEnumeration, uint32(i)), []byte(frag(i)))
	}
	hits := 0
	for i := range 2000 {
		if f, ok := c.Get(textform.WholeKey(0x420000+ttlv.Tag(i), ttlv.TypeEnumeration, uint32(i))); ok {
			hits++
			if string(f) != frag(i) {
				t.Fatalf("key %d: %q", i, f)
			}
		}
	}
	if hits == 0 || hits > 128 {
		t.Fatalf("%d hits", hits)
	}
	if n := testing.AllocsPerRun(10, func() {
		c.Reset()
		c.Put(head, []byte("head"))
		c.Get(head)
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func TestHeadCache(t *testing.T) {
	var c textform.HeadCache
	c.Reset()
	const off = 8
	h1 := `{"tag":"UniqueIdentifier","type":"TextString","value":`
	src := []byte(`[` + h1 + `"x"},` + `{"tag":"UniqueIdentifieR","type":"TextString","value":"y"}]`)
	if _, _, _, _, ok := c.Match(src, 1, off); ok {
		t.Fatal("hit in an empty cache")
	}
	c.Put(src, 1, len(h1), off, ttlv.TagUniqueIdentifier, ttlv.TypeTextString, 7)
	tag, typ, aux, n, ok := c.Match(src, 1, off)
	if !ok || tag != ttlv.TagUniqueIdentifier || typ != ttlv.TypeTextString || aux != 7 || n != len(h1) {
		t.Fatalf("Match = %v %v %d %d %v", tag, typ, aux, n, ok)
	}
	// Same hashed bytes, a different head: no hit.
	if _, _, _, _, ok := c.Match(src, 1+len(h1)+5, off); ok {
		t.Fatal("hit on a different head")
	}
	// The input ends inside the head: no hit, no read past it.
	for end := 1; end < 1+len(h1); end++ {
		if _, _, _, _, ok := c.Match(src[:end], 1, off); ok {
			t.Fatalf("hit on input cut at %d", end)
		}
	}
	// Two heads alike in the hashed bytes (one tag, two types) both stay;
	// a third replaces the older.
	heads := []string{
		`{"tag":"AttributeValue","type":"Integer","value":`,
		`{"tag":"AttributeValue","type":"TextString","value":`,
		`{"tag":"AttributeValue","type":"Enumeration","value":`,
	}
	for i, h := range heads {
		c.Put([]byte(h), 0, len(h), off, ttlv.TagAttributeValue, ttlv.Type(i+2), 0)
	}
	for i, h := range heads {
		_, typ, _, _, ok := c.Match([]byte(h), 0, off)
		if want := i > 0; ok != want || ok && typ != ttlv.Type(i+2) {
			t.Errorf("%s: Match = %v %v, want a hit: %v", h, typ, ok, want)
		}
	}
	// Too short to hash: not stored.
	c.Put([]byte(`{"tag":"`), 0, 8, off, ttlv.TagOperation, ttlv.TypeEnumeration, 0)
	c.Reset()
	if _, _, _, _, ok := c.Match(src, 1, off); ok {
		t.Fatal("hit after Reset")
	}
	if n := testing.AllocsPerRun(10, func() {
		c.Reset()
		c.Put(src, 1, len(h1), off, ttlv.TagUniqueIdentifier, ttlv.TypeTextString, 7)
		c.Match(src, 1, off)
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// TestHeadCacheEveryByte: a head of every length from 8 to 80 bytes hits
// on itself, with more input after it or none, and misses when any one of
// its bytes differs in any one bit, wherever it stands (Match compares the
// words of a head sixteen bytes a step, the last eight overlapping), for
// heads of letters and of bytes with every bit set (where a difference
// or-ed into the wrong word would hide).
func TestHeadCacheEveryByte(t *testing.T) {
	var c textform.HeadCache
	const off = 1
	for _, fill := range []func(i int) byte{
		func(i int) byte { return byte('A' + i%26) },
		func(int) byte { return 0xFF },
	} {
		for n := 8; n <= 80; n++ {
			head := make([]byte, n)
			for i := range head {
				head[i] = fill(i)
			}
			src := append(append([]byte(nil), head...), make([]byte, 16+off)...) // room to hash any head
			c.Reset()
			c.Put(src, 0, n, off, ttlv.TagOperation, ttlv.TypeEnumeration, uint32(n))
			if _, _, aux, got, ok := c.Match(src, 0, off); !ok || got != n || aux != uint32(n) {
				t.Fatalf("n=%d: Match = %d %v, want a hit of %d bytes", n, got, ok, n)
			}
			if n >= 16+off {
				if _, _, _, _, ok := c.Match(src[:n], 0, off); !ok {
					t.Fatalf("n=%d: no hit on the head alone", n)
				}
			}
			for j := range n {
				for bit := range 8 {
					src[j] ^= 1 << bit
					if _, _, _, _, ok := c.Match(src, 0, off); ok {
						t.Fatalf("n=%d: hit with bit %d of byte %d changed", n, bit, j)
					}
					src[j] ^= 1 << bit
				}
			}
		}
	}
}

func TestEnumCache(t *testing.T) {
	var c textform.EnumCache
	c.Reset()
	for _, tc := range []struct {
		tag  ttlv.Tag
		name string
	}{
		{ttlv.TagOperation, "Get"},
		{ttlv.TagOperation, "Get"},
		{ttlv.TagOperation, "Create"},
		{ttlv.TagObjectType, "SymmetricKey"},
		{ttlv.TagOperation, "SymmetricKey"},                    // another tag's name
		{ttlv.TagOperation, "Ge"},                              // a prefix
		{ttlv.TagCryptographicAlgorithm, "AES"},                // short
		{ttlv.TagResultReason, "CryptographicFailure"},         // longer than the cache keeps
		{ttlv.TagAttributeReference, "CryptographicAlgorithm"}, // a tag as value
	} {
		for range 2 {
			got, gok := c.LookupEnum(nil, tc.tag, []byte(tc.name))
			want, wok := ttlv.LookupEnum(tc.tag, tc.name)
			if got != want || gok != wok {
				t.Errorf("%v %q: %v %v, want %v %v", tc.tag, tc.name, got, gok, want, wok)
			}
		}
	}
	name := []byte("Get")
	if n := testing.AllocsPerRun(10, func() { c.LookupEnum(nil, ttlv.TagOperation, name) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// TestEqualShort: equal slices of every length up to 40 compare equal,
// and a difference at any position, or a different length, is seen.
func TestEqualShort(t *testing.T) {
	a := []byte("0123456789abcdefghijklmnopqrstuvwxyzABCD")
	for n := 0; n <= len(a); n++ {
		b := []byte(string(a[:n]))
		if !textform.EqualShort(a[:n], b) {
			t.Fatalf("%d bytes: equal slices differ", n)
		}
		for i := range n {
			b[i] ^= 0x20
			if textform.EqualShort(a[:n], b) {
				t.Fatalf("%d bytes: a difference at %d is missed", n, i)
			}
			b[i] ^= 0x20
		}
		if n > 0 && textform.EqualShort(a[:n], b[:n-1]) {
			t.Fatalf("%d bytes: equal to a shorter slice", n)
		}
	}
}
