// Package gofuzz holds the go-fuzz entry points (github.com/dvyukov/go-fuzz)
// of kmipwire's fuzz checks: the same properties as the native targets of
// package fuzz, as func(data []byte) int. A broken property panics, which
// go-fuzz records as a crasher; each returns 1 for an input the code
// accepted (go-fuzz favours those), 0 otherwise. `make oss-fuzz-local`
// builds each with go-fuzz-build and runs it (fuzz/oss-fuzz/gofuzz.sh):
//
//	go-fuzz-build -func FuzzDecode -o decode.zip ./fuzz/gofuzz
//	go-fuzz -bin decode.zip -workdir /tmp/fuzz-decode
//
// The entry points live in a package of their own, not beside the native
// targets, so that both build under the gofuzz tag that go-fuzz-build and
// OSS-Fuzz's compile step set.
package gofuzz

import "github.com/kmipwire/kmipwire/fuzz"

func entry(check func([]byte) (bool, error), data []byte) int {
	ok, err := check(data)
	if err != nil {
		panic(err)
	}
	if ok {
		return 1
	}
	return 0
}

// FuzzDecode is the go-fuzz form of the native FuzzDecode (see fuzz.Decode).
func FuzzDecode(data []byte) int { return entry(fuzz.Decode, data) }

// FuzzRoundTrip is the go-fuzz form of the native FuzzRoundTrip (see
// fuzz.RoundTrip).
func FuzzRoundTrip(data []byte) int { return entry(fuzz.RoundTrip, data) }

// FuzzFromJSON is the go-fuzz form of the native FuzzFromJSON (see
// fuzz.FromJSON).
func FuzzFromJSON(data []byte) int { return entry(fuzz.FromJSON, data) }

// FuzzSplit is the go-fuzz form of the native FuzzSplit (see fuzz.Split).
func FuzzSplit(data []byte) int { return entry(fuzz.Split, data) }

// FuzzChunked is the go-fuzz form of the native FuzzChunked (see
// fuzz.Chunked).
func FuzzChunked(data []byte) int { return entry(fuzz.Chunked, data) }

// FuzzServe is the go-fuzz form of the native FuzzServe (see fuzz.Serve).
func FuzzServe(data []byte) int { return entry(fuzz.Serve, data) }

// FuzzTyped is the go-fuzz form of the native FuzzTyped (see fuzz.Typed).
func FuzzTyped(data []byte) int { return entry(fuzz.Typed, data) }
