package bench

import (
	"encoding/binary"
	"testing"
)

// scanWords reads b as 8-byte words and folds them together: the least
// a reader of every byte can do, at memory speed. Trailing bytes of a
// length that is not a multiple of 8 are left out (TTLV messages are
// 8-byte aligned).
func scanWords(b []byte) uint64 {
	var x uint64
	for len(b) >= 8 {
		x ^= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	return x
}

// limitSink keeps the compiler from dropping the scan.
var limitSink uint64

// BenchmarkLimit/msg=M is the physical limit the paths are measured
// against: message M's bytes read at memory speed, a bare 8-byte-stride
// scan that touches every word and does nothing else. The report prints
// each path's throughput as a fraction of its message's limit.
func BenchmarkLimit(b *testing.B) {
	for _, m := range loadCorpus(b) {
		b.Run("msg="+m.Name, func(b *testing.B) {
			limitSink = scanWords(m.bin)
			b.SetBytes(int64(len(m.bin)))
			b.ReportAllocs()
			for b.Loop() {
				limitSink ^= scanWords(m.bin)
			}
		})
	}
}

// TestScanWords: the scan reads every word (a change to any of them
// changes its result) and stops at the last whole one.
func TestScanWords(t *testing.T) {
	b := make([]byte, 8*5+3)
	base := scanWords(b)
	for i := 0; i < 8*5; i++ {
		b[i] ^= 1
		if scanWords(b) == base {
			t.Fatalf("byte %d not read", i)
		}
		b[i] ^= 1
	}
	b[8*5] = 1
	if scanWords(b) != base {
		t.Error("a trailing partial word was read")
	}
}
