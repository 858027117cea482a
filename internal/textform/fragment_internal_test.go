package textform

import "testing"

// TestNameWords: nameWords holds the bytes of every name of 0 to
// enumCacheName bytes at their places, zero beyond, so that two names
// compare equal as words exactly when they are equal.
func TestNameWords(t *testing.T) {
	var b [enumCacheName]byte
	for i := range b {
		b[i] = byte(0xA1 + 7*i)
	}
	for n := 0; n <= enumCacheName; n++ {
		var want [2]uint64
		for i := range n {
			want[i/8] |= uint64(b[i]) << (8 * (i % 8))
		}
		if w0, w1 := nameWords(b[:n]); w0 != want[0] || w1 != want[1] {
			t.Errorf("%d bytes: %#x %#x, want %#x %#x", n, w0, w1, want[0], want[1])
		}
	}
}
