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
	h1 := []byte(`{"tag":"UniqueIdentifier","type":"TextString","value":`)
	src := []byte(`[` + string(h1) + `"x"},` + `{"tag":"UniqueIdentifieR","type":"TextString","value":"y"}]`)
	if _, _, _, ok := c.Match(src, 1, off); ok {
		t.Fatal("hit in an empty cache")
	}
	c.Put(h1, off, ttlv.TagUniqueIdentifier, ttlv.TypeTextString)
	tag, typ, n, ok := c.Match(src, 1, off)
	if !ok || tag != ttlv.TagUniqueIdentifier || typ != ttlv.TypeTextString || n != len(h1) {
		t.Fatalf("Match = %v %v %d %v", tag, typ, n, ok)
	}
	// Same hashed bytes, a different head: no hit.
	if _, _, _, ok := c.Match(src, 1+len(h1)+5, off); ok {
		t.Fatal("hit on a different head")
	}
	// The input ends inside the head: no hit, no read past it.
	for end := 1; end < 1+len(h1); end++ {
		if _, _, _, ok := c.Match(src[:end], 1, off); ok {
			t.Fatalf("hit on input cut at %d", end)
		}
	}
	// Too short to hash: not stored.
	c.Put([]byte(`{"tag":"`), off, ttlv.TagOperation, ttlv.TypeEnumeration)
	c.Reset()
	if _, _, _, ok := c.Match(src, 1, off); ok {
		t.Fatal("hit after Reset")
	}
}
