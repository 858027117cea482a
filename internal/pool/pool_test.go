package pool

import "testing"

func TestPutDropsOversized(t *testing.T) {
	big := make([]byte, 0, MaxKeep+1)
	Put(&big) // must not panic, must not be kept
	for range 100 {
		if p := Get(); cap(*p) > MaxKeep {
			t.Fatalf("Get returned a dropped buffer of capacity %d", cap(*p))
		}
	}
}

func TestGetIsEmpty(t *testing.T) {
	p := Get()
	*p = append(*p, "leftover"...)
	Put(p)
	if q := Get(); len(*q) != 0 {
		t.Fatalf("Get returned a buffer of length %d, want 0", len(*q))
	}
}
