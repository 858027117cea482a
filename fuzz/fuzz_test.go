package fuzz

import "testing"

// Native fuzz targets: `go test -fuzz '^FuzzDecode$' ./fuzz/`, or make
// fuzz for all. Each calls the check of the same name (checks.go) and uses
// nothing of testing.F but Fuzz, besides addSeeds, so that OSS-Fuzz's
// compile_native_go_fuzzer builds this file alone.

func FuzzDecode(f *testing.F) {
	addSeeds(f, seedBinary)
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := Decode(in); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	addSeeds(f, seedBinary)
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := RoundTrip(in); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzFromJSON(f *testing.F) {
	addSeeds(f, seedJSON)
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := FromJSON(in); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzSplit(f *testing.F) {
	addSeeds(f, seedBinary)
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := Split(in); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzChunked(f *testing.F) {
	addSeeds(f, seedStream)
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := Chunked(in); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzServe(f *testing.F) {
	addSeeds(f, seedBinary)
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := Serve(in); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzTyped(f *testing.F) {
	addSeeds(f, seedBinary)
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := Typed(in); err != nil {
			t.Fatal(err)
		}
	})
}
