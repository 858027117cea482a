#!/bin/bash -eu
# OSS-Fuzz build script for kmipwire (https://google.github.io/oss-fuzz/):
# builds every native Go fuzz target as a libFuzzer binary with
# compile_native_go_fuzzer_v2 and writes its seed corpus. Runs in the
# OSS-Fuzz base-builder-go image from $SRC/kmipwire (see Dockerfile), and
# here through `make oss-fuzz-local` (local.sh), which supplies its own
# compile step and runs every binary. fuzz/oss-fuzz/check.sh and
# TestOSSFuzzBuildNamesEveryTarget fail when a Fuzz target of the
# repository is missing here.
cd "$SRC/kmipwire"
shopt -s nullglob

# The testing shim that go-118-fuzz-build puts in place of package testing
# must be in the module; local.sh builds the tool at the same version.
GO118FUZZBUILD=${GO118FUZZBUILD:-v0.0.0-20250520111509-a70c2aa677fa}
go get "github.com/AdamKorcz/go-118-fuzz-build/testing@$GO118FUZZBUILD"

# seed NAME [-xml] FILE...: the seed corpus of fuzzer NAME, one input per
# file, each written as the shim reads a []byte (a 4-byte length first;
# see seedzip). Regression inputs (testdata/fuzz/FuzzX/, `go test fuzz v1`
# files) are seeds too.
go build -o "$WORK/seedzip" ./fuzz/oss-fuzz/seedzip
seed() {
	local name=$1
	shift
	"$WORK/seedzip" -o "$OUT/${name}_seed_corpus.zip" "$@"
}

M=github.com/kmipwire/kmipwire
BIN=(testdata/corpus/*.ttlv)
JSON=(testdata/json/*.json)

# go-118-fuzz-build builds the fuzz target's own _test.go file only. The
# targets of ttlv, jsonttlv, xmlttlv and kmipserver use helpers from the
# package's other in-package test files: make those ordinary files for
# this build (the external-package ones, "package x_test", stay out).
for pkg in ttlv jsonttlv xmlttlv kmipserver; do
	for f in "$pkg"/*_test.go; do
		[ "$(basename "$f")" = fuzz_test.go ] && continue
		if grep -q "^package $(basename "$pkg")\$" "$f"; then
			mv "$f" "${f%_test.go}_test_fuzz.go"
		fi
	done
done

compile_native_go_fuzzer_v2 $M/ttlv FuzzDecode ttlv_decode
seed ttlv_decode "${BIN[@]}" ttlv/testdata/fuzz/FuzzDecode/*
# The tree decoder's fused loop against the walk it fuses.
compile_native_go_fuzzer_v2 $M/ttlv FuzzDecodeValueTwin ttlv_decode_value_twin
seed ttlv_decode_value_twin "${BIN[@]}" ttlv/testdata/fuzz/FuzzDecodeValueTwin/*
# The tree encoder's fused loop against the recursive encoder it replaced.
compile_native_go_fuzzer_v2 $M/ttlv FuzzAppendValue ttlv_append_value
seed ttlv_append_value "${BIN[@]}" ttlv/testdata/fuzz/FuzzAppendValue/*
compile_native_go_fuzzer_v2 $M/jsonttlv FuzzFromJSON jsonttlv_from_json
seed jsonttlv_from_json "${JSON[@]}" jsonttlv/testdata/fuzz/FuzzFromJSON/*
compile_native_go_fuzzer_v2 $M/jsonttlv FuzzRoundTrip jsonttlv_round_trip
seed jsonttlv_round_trip "${BIN[@]}" jsonttlv/testdata/fuzz/FuzzRoundTrip/*
# The string writers against their bytewise loops: any text will do.
compile_native_go_fuzzer_v2 $M/jsonttlv FuzzAppendString jsonttlv_append_string
seed jsonttlv_append_string "${JSON[@]}" jsonttlv/testdata/fuzz/FuzzAppendString/*

# The XML form of the corpus (the repository has no XML test files of its
# own): seedzip -xml converts the binary messages.
compile_native_go_fuzzer_v2 $M/xmlttlv FuzzFromXML xmlttlv_from_xml
seed xmlttlv_from_xml -xml "${BIN[@]}" xmlttlv/testdata/fuzz/FuzzFromXML/*
compile_native_go_fuzzer_v2 $M/xmlttlv FuzzAppendEscaped xmlttlv_append_escaped
seed xmlttlv_append_escaped "${JSON[@]}" xmlttlv/testdata/fuzz/FuzzAppendEscaped/*

# The text forms' shared hex decoder against encoding/hex.
compile_native_go_fuzzer_v2 $M/internal/textform FuzzAppendHexItem textform_append_hex_item
seed textform_append_hex_item "${JSON[@]}" internal/textform/testdata/fuzz/FuzzAppendHexItem/*

compile_native_go_fuzzer_v2 $M/fuzz FuzzDecode fuzz_decode
seed fuzz_decode "${BIN[@]}" fuzz/testdata/fuzz/FuzzDecode/*
compile_native_go_fuzzer_v2 $M/fuzz FuzzRoundTrip fuzz_round_trip
seed fuzz_round_trip "${BIN[@]}" fuzz/testdata/fuzz/FuzzRoundTrip/*
compile_native_go_fuzzer_v2 $M/fuzz FuzzFromJSON fuzz_from_json
seed fuzz_from_json "${JSON[@]}" fuzz/testdata/fuzz/FuzzFromJSON/*
compile_native_go_fuzzer_v2 $M/fuzz FuzzSplit fuzz_split
seed fuzz_split "${BIN[@]}" fuzz/testdata/fuzz/FuzzSplit/*
compile_native_go_fuzzer_v2 $M/fuzz FuzzChunked fuzz_chunked
seed fuzz_chunked "${BIN[@]}" fuzz/testdata/fuzz/FuzzChunked/*
compile_native_go_fuzzer_v2 $M/fuzz FuzzServe fuzz_serve
seed fuzz_serve "${BIN[@]}" fuzz/testdata/fuzz/FuzzServe/*
compile_native_go_fuzzer_v2 $M/fuzz FuzzTyped fuzz_typed
seed fuzz_typed "${BIN[@]}" fuzz/testdata/fuzz/FuzzTyped/*

compile_native_go_fuzzer_v2 $M/kmipserver FuzzServeTTLV server_serve_ttlv
seed server_serve_ttlv "${BIN[@]}" kmipserver/testdata/fuzz/FuzzServeTTLV/*
compile_native_go_fuzzer_v2 $M/kmipserver FuzzServeJSON server_serve_json
seed server_serve_json "${JSON[@]}" kmipserver/testdata/fuzz/FuzzServeJSON/*
# Self-contained: serves arbitrary bytes to a loopback server it starts.
compile_native_go_fuzzer_v2 $M/kmipserver FuzzFraming server_framing
seed server_framing "${BIN[@]}" kmipserver/testdata/fuzz/FuzzFraming/*
