package bench

import (
	"encoding/binary"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
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

// hopItems visits the items of the well-formed message b the cheapest way
// a reader of items one by one can: from header to header, a Structure's
// header to its first child, any other item's over its padded value, with
// no check of any kind. It returns the number of items. Each step's
// address depends on the Length loaded by the step before — a chain of one
// load and a few additions per item, which no item-by-item walk escapes,
// and which bounds its speed however little else it does.
func hopItems(b []byte) int {
	n := 0
	for pos := 0; pos <= len(b)-8; n++ {
		h := binary.BigEndian.Uint64(b[pos:])
		step := ttlv.HeaderSize
		if byte(h>>32) != 0x01 { // not a Structure: step over the value
			step += (int(uint32(h)) + 7) &^ 7
		}
		pos += step
	}
	return n
}

// BenchmarkHop/msg=M is the floor of any item-by-item walk (see
// hopItems): message M's headers visited one after another and nothing
// else, the dependent load of each item's length the whole cost. Set
// beside BenchmarkLimit, it shows how much of the limit a walk that reads
// items one by one can reach at best.
func BenchmarkHop(b *testing.B) {
	for _, m := range loadCorpus(b) {
		b.Run("msg="+m.Name, func(b *testing.B) {
			limitSink = uint64(hopItems(m.bin))
			b.SetBytes(int64(len(m.bin)))
			b.ReportAllocs()
			for b.Loop() {
				limitSink += uint64(hopItems(m.bin))
			}
		})
	}
}

// TestHopItems: the hop visits every item of every message, Structures
// included, as the census of the strict walk counts them.
func TestHopItems(t *testing.T) {
	for _, m := range loadCorpus(t) {
		if got := hopItems(m.bin); got != m.items {
			t.Errorf("%s: hopItems visits %d items, the walk %d", m.Name, got, m.items)
		}
	}
}
