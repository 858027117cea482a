#!/usr/bin/env bash
# The go-fuzz entry points (package fuzz/gofuzz) built by go-fuzz-build
# and run by go-fuzz (github.com/dvyukov/go-fuzz at GOFUZZ_VERSION, from the
# Go module proxy), each for GOFUZZ_TIME seconds on one core; fails on a
# crasher. Run by local.sh, or alone. It works in a copy of the working
# tree of its own (go.mod takes go-fuzz-dep; build.sh's copy has test files
# made ordinary ones, which go-fuzz-build would instrument too).
#
#   GOFUZZ_TIME      seconds per entry point (default 20)
#   GOFUZZ_MINIMIZE  go-fuzz -minimize, time to minimize a new input (1s)
#   GOFUZZ_FUNCS     only these entry points (space-separated)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
GOFUZZ_VERSION=${GOFUZZ_VERSION:-v0.0.0-20220726122315-1d375ef9f9f6}
dir=${OSSFUZZ_DIR:-${TMPDIR:-/tmp}/kmipwire-oss-fuzz}
src=$dir/gofuzz-src/kmipwire work=$dir/work/gofuzz
export GOBIN=$dir/bin PATH=$dir/bin:$PATH
rm -rf "$src" "$work"
mkdir -p "$src" "$work" "$GOBIN"
(cd "$repo" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$src"
cd "$src"
# Its rewriting also separates some of this module's //go:noinline
# directives from their functions ("misplaced compiler directive", ttlv's
# encoder): in the copy they become blank lines (line numbers kept), an
# inlining hint the instrumented build does without.
grep -rlZ --include='*.go' '^//go:noinline$' . | xargs -0 -r sed -i 's|^//go:noinline$||'

echo "== go-fuzz, go-fuzz-build @$GOFUZZ_VERSION"
(cd "$dir" && go install "github.com/dvyukov/go-fuzz/go-fuzz@$GOFUZZ_VERSION" "github.com/dvyukov/go-fuzz/go-fuzz-build@$GOFUZZ_VERSION")
go get "github.com/dvyukov/go-fuzz/go-fuzz-dep@$GOFUZZ_VERSION"

# go-fuzz-build rewrites every package it instruments, and its rewriting
# breaks the standard library's compiler directives (crypto/internal/
# fips140/bigmod: "misplaced compiler directive"): instrument only this
# module's packages.
std=$(go list -tags gofuzz -deps -f '{{if .Standard}}{{.ImportPath}}{{end}}' ./fuzz/gofuzz | paste -sd, -)
start=$SECONDS
go-fuzz-build -preserve "$std" -o "$work/gofuzz.zip" ./fuzz/gofuzz
echo "== go-fuzz-build ./fuzz/gofuzz: $((SECONDS - start)) s"

funcs=${GOFUZZ_FUNCS:-$(sed -nE 's/^func (Fuzz[A-Za-z0-9]+)\(data \[\]byte\) int.*/\1/p' fuzz/gofuzz/gofuzz.go)}
crashed=()
for f in $funcs; do
	wd=$work/$f
	mkdir -p "$wd/corpus"
	case $f in
	FuzzFromJSON) cp testdata/json/*.json "$wd/corpus/" ;;
	*) cp testdata/corpus/*.ttlv "$wd/corpus/" ;;
	esac
	# go-fuzz runs until interrupted: SIGINT after GOFUZZ_TIME seconds.
	# -minimize: go-fuzz's default of a minute per new input spends a short
	# run minimizing its first seed (a 20 s run: 380 000 execs, all of them
	# minimizing, corpus and cover unchanged); a second leaves it fuzzing.
	timeout -s INT "${GOFUZZ_TIME:-20}" go-fuzz -bin "$work/gofuzz.zip" -func "$f" -workdir "$wd" \
		-procs 1 -minimize "${GOFUZZ_MINIMIZE:-1s}" >"$wd/log" 2>&1 || true
	last=$(grep -E '^20.*execs:' "$wd/log" | tail -1 | sed -E 's/^[0-9/]+ [0-9:]+ //' || true)
	n=$(find "$wd/crashers" -name '*.quoted' 2>/dev/null | wc -l)
	echo "$f: ${last:-no stats (see $wd/log)}"
	if [ -z "$last" ] || [ "$n" -gt 0 ]; then
		crashed+=("$f")
	fi
done
if [ ${#crashed[@]} -gt 0 ]; then
	echo "go-fuzz failed or found crashers: ${crashed[*]} (see $work/FUNC/log, $work/FUNC/crashers/)" >&2
	exit 1
fi
