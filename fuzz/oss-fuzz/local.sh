#!/usr/bin/env bash
# make oss-fuzz-local: runs build.sh as OSS-Fuzz's builder would, without
# Docker, then every fuzzer it built, then the go-fuzz entry points
# (gofuzz.sh). $SRC holds a copy of the working tree (build.sh edits it),
# $OUT the fuzzers and their seed corpora, $WORK the rest, all under
# OSSFUZZ_DIR. The compile step is this repository's own (local/), with
# clang and libFuzzer from Debian's clang package and go-118-fuzz-build
# from the Go module proxy at GO118FUZZBUILD.
#
#   OSSFUZZ_DIR      where to build (default /tmp/kmipwire-oss-fuzz; emptied)
#   OSSFUZZ_RUNS     executions of each fuzzer on its seeds (default 10000)
#   OSSFUZZ_FUZZERS  run only these fuzzers (space-separated names)
#   OSSFUZZ_BUILD=0  reuse the fuzzers of the last build
#   GOFUZZ_TIME      seconds of go-fuzz per entry point (gofuzz.sh; 0 skips)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export OSSFUZZ_DIR=${OSSFUZZ_DIR:-${TMPDIR:-/tmp}/kmipwire-oss-fuzz}
export SRC=$OSSFUZZ_DIR/src OUT=$OSSFUZZ_DIR/out WORK=$OSSFUZZ_DIR/work
export GO118FUZZBUILD=${GO118FUZZBUILD:-v0.0.0-20250520111509-a70c2aa677fa}
runs=${OSSFUZZ_RUNS:-10000}

need=()
command -v clang++ >/dev/null || need+=(clang)
command -v unzip >/dev/null || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
	echo "== installing ${need[*]} (Debian)"
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# What OSS-Fuzz's builder sets for a libFuzzer build with AddressSanitizer.
export CC=clang CXX=clang++
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS=$CFLAGS LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
export GOBIN=$OSSFUZZ_DIR/bin
export PATH=$repo/fuzz/oss-fuzz/local:$GOBIN:$PATH

if [ "${OSSFUZZ_BUILD:-1}" != 0 ]; then
	rm -rf "$OSSFUZZ_DIR"
	mkdir -p "$SRC/kmipwire" "$OUT" "$WORK" "$GOBIN"
	# The working tree as git sees it (tracked and new files, not ignored ones).
	(cd "$repo" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$SRC/kmipwire"
	cp "$repo/fuzz/oss-fuzz/build.sh" "$SRC/build.sh"
	echo "== go install github.com/AdamKorcz/go-118-fuzz-build@$GO118FUZZBUILD"
	(cd "$OSSFUZZ_DIR" && go install "github.com/AdamKorcz/go-118-fuzz-build@$GO118FUZZBUILD")
	echo "== build.sh (SRC=$SRC OUT=$OUT WORK=$WORK)"
	start=$SECONDS
	(cd "$SRC" && bash -eu build.sh)
	echo "== build.sh done in $((SECONDS - start)) s"
fi

# Every fuzzer build.sh names, built, with its seed corpus.
names=$(sed -nE 's/^compile_native_go_fuzzer_v2 \S+ \S+ (\S+).*/\1/p' "$repo/fuzz/oss-fuzz/build.sh")
for n in $names; do
	[ -x "$OUT/$n" ] && [ -s "$OUT/${n}_seed_corpus.zip" ] || { echo "missing $OUT/$n or its seed corpus" >&2; exit 1; }
done
echo "== $(echo "$names" | wc -w) fuzzers in $OUT"

# Each fuzzer: its seeds, then mutations, OSSFUZZ_RUNS executions in all.
# New inputs go to $WORK/corpus/NAME, crashes to $WORK/crashes/.
failed=()
for n in ${OSSFUZZ_FUZZERS:-$names}; do
	seeds=$WORK/seeds/$n corpus=$WORK/corpus/$n log=$WORK/$n.log
	rm -rf "$seeds"
	mkdir -p "$seeds" "$corpus" "$WORK/crashes"
	unzip -qo "$OUT/${n}_seed_corpus.zip" -d "$seeds"
	start=$SECONDS
	if "$OUT/$n" -runs="$runs" -print_final_stats=1 -rss_limit_mb=2560 -timeout=25 \
		-artifact_prefix="$WORK/crashes/$n-" "$corpus" "$seeds" >"$log" 2>&1; then
		status=ok
	else
		status=FAILED
		failed+=("$n")
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	printf '%-22s %-6s %s execs, %s exec/s, %s, %s seeds, %d s\n' "$n" "$status" "${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" \
		"$(ls "$seeds" | wc -l)" $((SECONDS - start))
	if [ $status = FAILED ]; then
		grep -E 'panic|ERROR|Test unit written|^\s+/' "$log" | head -20 >&2 || tail -20 "$log" >&2
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]} (logs: $WORK/NAME.log, inputs: $WORK/crashes/)" >&2
	exit 1
fi

if [ "${GOFUZZ_TIME:-20}" != 0 ] && [ -z "${OSSFUZZ_FUZZERS:-}" ]; then
	"$repo/fuzz/oss-fuzz/gofuzz.sh"
fi
