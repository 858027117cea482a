//go:build gofuzz

package fuzz

// go-fuzz entry points (github.com/dvyukov/go-fuzz): the same checks as
// the native targets, for go-fuzz-build and for OSS-Fuzz's libFuzzer mode
// (go-fuzz-build -libfuzzer -func FuzzDecode). A broken property panics,
// which go-fuzz records as a crasher. Each returns 1 for an input the code
// accepted (go-fuzz favours those), 0 otherwise.
//
//	go run github.com/dvyukov/go-fuzz/go-fuzz-build@latest -func FuzzDecode ./fuzz
//	go run github.com/dvyukov/go-fuzz/go-fuzz@latest -bin fuzz-fuzz.zip -workdir /tmp/fuzz-decode

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

// FuzzDecode is the go-fuzz form of the native FuzzDecode (see Decode).
func FuzzDecode(data []byte) int { return entry(Decode, data) }

// FuzzRoundTrip is the go-fuzz form of the native FuzzRoundTrip (see
// RoundTrip).
func FuzzRoundTrip(data []byte) int { return entry(RoundTrip, data) }

// FuzzFromJSON is the go-fuzz form of the native FuzzFromJSON (see
// FromJSON).
func FuzzFromJSON(data []byte) int { return entry(FromJSON, data) }

// FuzzSplit is the go-fuzz form of the native FuzzSplit (see Split).
func FuzzSplit(data []byte) int { return entry(Split, data) }

// FuzzChunked is the go-fuzz form of the native FuzzChunked (see Chunked).
func FuzzChunked(data []byte) int { return entry(Chunked, data) }

// FuzzServe is the go-fuzz form of the native FuzzServe (see Serve).
func FuzzServe(data []byte) int { return entry(Serve, data) }

// FuzzTyped is the go-fuzz form of the native FuzzTyped (see Typed).
func FuzzTyped(data []byte) int { return entry(Typed, data) }
