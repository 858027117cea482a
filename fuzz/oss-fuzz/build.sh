#!/bin/bash -eu
# OSS-Fuzz build script for kmipwire (https://google.github.io/oss-fuzz/):
# builds every native Go fuzz target as a libFuzzer binary with
# compile_native_go_fuzzer and zips its seed corpus from testdata/ at build
# time. Runs in the OSS-Fuzz base-builder-go image from $SRC/kmipwire
# (see Dockerfile). fuzz/oss-fuzz/check.sh and TestOSSFuzzBuildNamesEveryTarget
# fail when a Fuzz target of the repository is missing here.
cd "$SRC/kmipwire"

# compile_native_go_fuzzer needs its testing shim in the module.
go install github.com/AdamKorcz/go-118-fuzz-build@latest
go get github.com/AdamKorcz/go-118-fuzz-build/testing@latest

# seed NAME FILE...: the seed corpus of fuzzer NAME, one input per file.
seed() {
	local name=$1
	shift
	zip -jq "$OUT/${name}_seed_corpus.zip" "$@"
}

M=github.com/kmipwire/kmipwire
BIN=(testdata/corpus/*.ttlv)
JSON=(testdata/json/*.json)
# The XML form of the corpus, written by cmd/ttlv (the repository has no
# XML test files of its own).
mkdir -p "$WORK/xml"
for f in "${BIN[@]}"; do
	go run ./cmd/ttlv xml "$f" > "$WORK/xml/$(basename "$f" .ttlv).xml"
done
XML=("$WORK"/xml/*.xml)

# compile_native_go_fuzzer builds the fuzz target's own _test.go file only.
# The targets of ttlv, jsonttlv, xmlttlv and kmipserver use helpers from the package's other
# in-package test files: make those ordinary files for this build (the
# external-package ones, "package x_test", stay out).
for pkg in ttlv jsonttlv xmlttlv kmipserver; do
	for f in "$pkg"/*_test.go; do
		[ "$(basename "$f")" = fuzz_test.go ] && continue
		if grep -q "^package $(basename "$pkg")\$" "$f"; then
			mv "$f" "${f%_test.go}_test_fuzz.go"
		fi
	done
done

compile_native_go_fuzzer $M/ttlv FuzzDecode ttlv_decode
seed ttlv_decode "${BIN[@]}"
compile_native_go_fuzzer $M/jsonttlv FuzzFromJSON jsonttlv_from_json
seed jsonttlv_from_json "${JSON[@]}"
compile_native_go_fuzzer $M/jsonttlv FuzzRoundTrip jsonttlv_round_trip
seed jsonttlv_round_trip "${BIN[@]}"

compile_native_go_fuzzer $M/xmlttlv FuzzFromXML xmlttlv_from_xml
seed xmlttlv_from_xml "${XML[@]}"

# Self-contained: serves arbitrary bytes to a loopback server it starts.
compile_native_go_fuzzer $M/kmipserver FuzzFraming transport_framing
seed transport_framing "${BIN[@]}"

compile_native_go_fuzzer $M/fuzz FuzzDecode fuzz_decode
seed fuzz_decode "${BIN[@]}"
compile_native_go_fuzzer $M/fuzz FuzzRoundTrip fuzz_round_trip
seed fuzz_round_trip "${BIN[@]}"
compile_native_go_fuzzer $M/fuzz FuzzFromJSON fuzz_from_json
seed fuzz_from_json "${JSON[@]}"
compile_native_go_fuzzer $M/fuzz FuzzSplit fuzz_split
seed fuzz_split "${BIN[@]}"
compile_native_go_fuzzer $M/fuzz FuzzChunked fuzz_chunked
seed fuzz_chunked "${BIN[@]}"
compile_native_go_fuzzer $M/fuzz FuzzServe fuzz_serve
seed fuzz_serve "${BIN[@]}"
compile_native_go_fuzzer $M/fuzz FuzzTyped fuzz_typed
seed fuzz_typed "${BIN[@]}"

compile_native_go_fuzzer $M/kmipserver FuzzServeTTLV server_serve_ttlv
seed server_serve_ttlv "${BIN[@]}"
compile_native_go_fuzzer $M/kmipserver FuzzServeJSON server_serve_json
seed server_serve_json "${JSON[@]}"
