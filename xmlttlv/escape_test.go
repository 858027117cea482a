package xmlttlv

import (
	"bytes"
	"math/bits"
	"strconv"
	"testing"
	"unicode/utf8"
)

// appendEscapedBytewise is appendEscaped without the eight-byte fast
// path: the reference the SWAR version is held to.
func appendEscapedBytewise(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case !attrEscape[c]:
				dst = append(dst, c)
			case c == '&':
				dst = append(dst, "&amp;"...)
			case c == '<':
				dst = append(dst, "&lt;"...)
			case c == '>':
				dst = append(dst, "&gt;"...)
			case c == '"':
				dst = append(dst, "&quot;"...)
			case c == '\t' || c == '\n' || c == '\r' || c == 0x7F:
				dst = append(dst, '&', '#')
				dst = strconv.AppendInt(dst, int64(c), 10)
				dst = append(dst, ';')
			default:
				dst = append(dst, "\uFFFD"...)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// plainAttrWordBytewise is plainAttrWord's definition, byte by byte.
func plainAttrWordBytewise(w uint64) bool {
	for range 8 {
		if c := byte(w); c >= 0x80 || attrEscape[c] {
			return false
		}
		w >>= 8
	}
	return true
}

// TestPlainAttrWord: every byte value at every position of otherwise plain
// words, and every pair of values in the two low bytes (where a borrow or
// carry would hide or fake a higher one), gives the bytewise answer.
func TestPlainAttrWord(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []uint64{0x4141414141414141, 0x2020202020202020, 0x7E7E7E7E7E7E7E7E, 0x2727272727272727, 0x3D3D3D3D3D3D3D3D, 0x3F3F3F3F3F3F3F3F} {
				w := fill&^(0xFF<<(8*pos)) | uint64(c)<<(8*pos)
				if got, want := plainAttrWord(w), plainAttrWordBytewise(w); got != want {
					t.Fatalf("plainAttrWord(%#016x) = %v, want %v", w, got, want)
				}
			}
		}
	}
	for a := range 256 {
		for b := range 256 {
			w := 0x6161616161610000 | uint64(a) | uint64(b)<<8
			if got, want := plainAttrWord(w), plainAttrWordBytewise(w); got != want {
				t.Fatalf("plainAttrWord(%#016x) = %v, want %v", w, got, want)
			}
		}
	}
}

// TestAppendEscapedSWAR: the fast path writes what the bytewise loop
// writes, with each byte that needs care at every offset.
func TestAppendEscapedSWAR(t *testing.T) {
	specials := []string{"&", "<", ">", "\"", "\t", "\n", "\r", "\x7f", "\x00", "\x1f", "é", "€", "\U0001F600", "\xff", "\xe2\x82", "'"}
	base := "0123456789abcdefghijklmnopqrstuvwxyz"
	for _, sp := range specials {
		for i := 0; i <= len(base); i++ {
			checkAppendEscaped(t, []byte(base[:i]+sp+base[i:]))
		}
	}
	for n := range len(base) + 1 {
		checkAppendEscaped(t, []byte(base[:n]))
	}
}

func checkAppendEscaped(t fatalHelper, s []byte) {
	t.Helper()
	got := appendEscaped([]byte("x"), s)
	want := appendEscapedBytewise([]byte("x"), s)
	if !bytes.Equal(got, want) {
		t.Fatalf("appendEscaped(%q) = %q, want %q", s, got, want)
	}
}

// TestAttrSpecialBytes: the lowest bit attrSpecialBytes sets is the first
// byte plainAttrWord's bytewise definition refuses, for every byte value
// at every position of otherwise plain words, and next to every other
// byte value.
func TestAttrSpecialBytes(t *testing.T) {
	first := func(w uint64) int { // 8 for none
		for i := range 8 {
			if c := byte(w >> (8 * i)); c >= 0x80 || attrEscape[c] {
				return i
			}
		}
		return 8
	}
	check := func(w uint64) {
		t.Helper()
		if got, want := bits.TrailingZeros64(attrSpecialBytes(w))>>3, first(w); got != want {
			t.Fatalf("attrSpecialBytes(%#016x): first byte %d, want %d", w, got, want)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []uint64{0x4141414141414141, 0x2020202020202020, 0x7E7E7E7E7E7E7E7E, 0x2727272727272727, 0x3D3D3D3D3D3D3D3D, 0x3F3F3F3F3F3F3F3F} {
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
