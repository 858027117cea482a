//go:build gofuzz_libfuzzer

package fuzz

// addSeeds does nothing under OSS-Fuzz's native-fuzzer build
// (compile_native_go_fuzzer, tag gofuzz_libfuzzer), whose testing.F takes
// no seeds: oss-fuzz/build.sh zips the seed corpora instead.
func addSeeds(any, seedKind) {}
