package textform

import "testing"

// hexWordBytewise is what hexWordValid and hexWordValue compute, one byte
// at a time through the hexDigit table.
func hexWordBytewise(w uint64) (uint32, bool) {
	var v uint32
	for i := range 4 {
		hi, lo := hexDigit[byte(w>>(16*i))], hexDigit[byte(w>>(16*i+8))]
		if hi > 15 || lo > 15 {
			return 0, false
		}
		v |= uint32(hi<<4|lo) << (8 * i)
	}
	return v, true
}

// TestHexWord holds the SWAR hex decoder to its bytewise definition: every
// byte value at every position among digits and letters of both cases, and
// every pair of values in the two low bytes.
func TestHexWord(t *testing.T) {
	check := func(w uint64) {
		t.Helper()
		want, wok := hexWordBytewise(w)
		if ok := hexWordValid(w); ok != wok {
			t.Fatalf("hexWordValid(%#016x) = %v, want %v", w, ok, wok)
		}
		if wok {
			if got := hexWordValue(w); got != want {
				t.Fatalf("hexWordValue(%#016x) = %#08x, want %#08x", w, got, want)
			}
		}
	}
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []uint64{0x3030303030303030, 0x3939393939393939, 0x6161616161616161, 0x4646464646464646, 0x6641394630613966} {
				check(fill&^(0xFF<<(8*pos)) | uint64(c)<<(8*pos))
			}
		}
	}
	for a := range 256 {
		for b := range 256 {
			check(0x3766463961303000 | uint64(a) | uint64(b)<<8)
		}
	}
}
