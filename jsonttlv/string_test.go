package jsonttlv

import (
	"bytes"
	"math/bits"
	"testing"
	"unicode/utf8"
)

// appendStringBytewise is appendString without the eight-byte fast path:
// the reference the SWAR version is held to.
func appendStringBytewise(dst, s []byte) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch esc := escape[c]; esc {
			case 0:
				dst = append(dst, c)
			case 'u':
				dst = append(dst, '\\', 'u', '0', '0', hexLower[c>>4], hexLower[c&0xF])
			default:
				dst = append(dst, '\\', esc)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
			i++
			continue
		}
		dst = append(dst, s[i:i+size]...)
		i += size
	}
	return append(dst, '"')
}

// plainWordBytewise is plainWord's definition, byte by byte.
func plainWordBytewise(w uint64) bool {
	for range 8 {
		c := byte(w)
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return false
		}
		w >>= 8
	}
	return true
}

// TestPlainWord: every byte value at every position of an otherwise
// plain word, and next to every other byte value, gives the bytewise
// answer (the borrow of a low byte must not hide or fake a higher one).
func TestPlainWord(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []uint64{0x4141414141414141, 0x2020202020202020, 0x7F7F7F7F7F7F7F7F, 0x2323232323232323, 0x5D5D5D5D5D5D5D5D} {
				w := fill&^(0xFF<<(8*pos)) | uint64(c)<<(8*pos)
				if got, want := plainWord(w), plainWordBytewise(w); got != want {
					t.Fatalf("plainWord(%#016x) = %v, want %v", w, got, want)
				}
			}
		}
	}
	for a := range 256 {
		for b := range 256 {
			w := 0x6161616161610000 | uint64(a) | uint64(b)<<8
			if got, want := plainWord(w), plainWordBytewise(w); got != want {
				t.Fatalf("plainWord(%#016x) = %v, want %v", w, got, want)
			}
		}
	}
}

// TestAppendStringSWAR: the eight-byte fast path writes what the bytewise
// loop writes, for strings with the bytes that need care at every offset.
func TestAppendStringSWAR(t *testing.T) {
	specials := []string{"\"", "\\", "\x00", "\x1f", "\n", "é", "€", "\U0001F600", "\xff", "\xe2\x82", "<", "\x7f"}
	base := "0123456789abcdefghijklmnopqrstuvwxyz"
	for _, sp := range specials {
		for i := 0; i <= len(base); i++ {
			s := []byte(base[:i] + sp + base[i:])
			checkAppendString(t, s)
		}
	}
	for n := range 40 {
		checkAppendString(t, []byte(base[:min(n, len(base))]))
	}
}

func checkAppendString(t fatalHelper, s []byte) {
	t.Helper()
	got := appendString([]byte("x"), s)
	want := appendStringBytewise([]byte("x"), s)
	if !bytes.Equal(got, want) {
		t.Fatalf("appendString(%q) = %q, want %q", s, got, want)
	}
}

// TestSpecialBytes: the lowest bit specialBytes sets is the first byte
// needs a second look (plainWordBytewise's test), for every byte value at every position of an
// otherwise plain word, and next to every other byte value.
func TestSpecialBytes(t *testing.T) {
	first := func(w uint64) int { // 8 for none
		for i := range 8 {
			if c := byte(w >> (8 * i)); c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
				return i
			}
		}
		return 8
	}
	check := func(w uint64) {
		t.Helper()
		if got, want := bits.TrailingZeros64(specialBytes(w))>>3, first(w); got != want {
			t.Fatalf("specialBytes(%#016x): first byte %d, want %d", w, got, want)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []uint64{0x4141414141414141, 0x2020202020202020, 0x7F7F7F7F7F7F7F7F, 0x2323232323232323, 0x5D5D5D5D5D5D5D5D} {
				check(fill&^(0xFF<<(8*pos)) | uint64(c)<<(8*pos))
			}
		}
	}
	for a := range 256 {
		for b := range 256 {
			check(0x6161616161610000 | uint64(a) | uint64(b)<<8)
			check(0x6161610000616161 | uint64(a)<<24 | uint64(b)<<32)
		}
	}
}
