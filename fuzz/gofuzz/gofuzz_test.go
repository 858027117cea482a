package gofuzz

import (
	"testing"

	"github.com/kmipwire/kmipwire/bench/corpus"
)

// TestGoFuzzEntries: every entry point runs, accepts a valid message and
// turns down garbage.
func TestGoFuzzEntries(t *testing.T) {
	msg := corpus.Encode(corpus.Messages()[0])
	for name, fn := range map[string]func([]byte) int{
		"FuzzDecode": FuzzDecode, "FuzzRoundTrip": FuzzRoundTrip, "FuzzSplit": FuzzSplit, "FuzzChunked": FuzzChunked, "FuzzServe": FuzzServe,
	} {
		if got := fn(msg); got != 1 {
			t.Errorf("%s(valid message) = %d, want 1", name, got)
		}
		if got := fn([]byte{1, 2, 3}); got != 0 {
			t.Errorf("%s(garbage) = %d, want 0", name, got)
		}
	}
	if got := FuzzFromJSON([]byte(`{"tag":"BatchCount","type":"Integer","value":1}`)); got != 1 {
		t.Errorf("FuzzFromJSON(valid) = %d, want 1", got)
	}
}
