#!/usr/bin/env bash
# check.sh: the regression gate behind make bench-check.
#
# bench/baseline.txt holds the figures of the commit that last recorded it.
# Figures taken on a shared machine minutes or hours apart differ by tens of
# percent with no change to the code (this VM drifts so), which a test of
# significance reads as a regression. So the gate measures the baseline
# commit again, here and now: it builds that commit's benchmark binary in a
# temporary worktree and runs it and the working tree's in alternation,
# COUNT rounds of one sample each, then compares the two with benchstat's
# statistics (bench/cmd/report -check). A drift then slows both sides alike.
# Failing benchmarks get a second interleaved run and fail the gate only if
# they fail again. Outside a git checkout (or without the baseline's
# commit) it compares with the recorded figures instead.
#
# Environment: GO, CHECKCOUNT (6), CHECKTIME (200ms), BENCH (.), THRESHOLD
# (10, percent); KMIPWIRE_BENCH_SLOWDOWN applies to the working tree only.
set -euo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}
count=${CHECKCOUNT:-6} btime=${CHECKTIME:-200ms} regex=${BENCH:-.} threshold=${THRESHOLD:-10}
out=$PWD/bench/out
mkdir -p "$out"

report() { "$go" run ./bench/cmd/report -threshold "$threshold" "$@"; }

base=$(git log -1 --format=%H -- bench/baseline.txt 2>/dev/null || true)
tmp=$(mktemp -d)
wt=$tmp/base
cleanup() {
	git worktree remove --force "$wt" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$base" ] || ! git worktree add --detach -q "$wt" "$base" 2>/dev/null; then
	echo "== bench/baseline.txt's commit is not at hand: comparing with its recorded figures"
	./bench/rounds.sh "$out/check.txt" "$count" "$btime" "$regex"
	report -check bench/baseline.txt "$out/check.txt"
	exit
fi
echo "== baseline: commit ${base:0:12} (last to record bench/baseline.txt), rebuilt and run in alternation with the working tree"
(cd "$wt" && "$go" test -c -o "$out/base.test" ./bench/)
"$go" test -c -o "$out/new.test" ./bench/

# interleave OLD NEW REGEX: COUNT rounds, one sample of each benchmark of
# each side per round.
interleave() {
	: > "$1"
	: > "$2"
	for i in $(seq "$count"); do
		echo "== round $i of $count" >&2
		(cd "$wt/bench" && env -u KMIPWIRE_BENCH_SLOWDOWN "$out/base.test" -test.run '^$' \
			-test.bench "$3" -test.benchmem -test.benchtime "$btime" -test.count 1) >> "$1"
		(cd bench && "$out/new.test" -test.run '^$' \
			-test.bench "$3" -test.benchmem -test.benchtime "$btime" -test.count 1) >> "$2"
	done
}

interleave "$out/base.txt" "$out/check.txt" "$regex"
if report -check "$out/base.txt" -failed "$out/failed.txt" "$out/check.txt"; then
	exit 0
fi
[ -s "$out/failed.txt" ] || exit 1
echo "== second interleaved run of the $(wc -l < "$out/failed.txt") failing benchmarks"
interleave "$out/base2.txt" "$out/check2.txt" "$(report -regex "$out/failed.txt")"
report -check "$out/base2.txt" -only "$out/failed.txt" "$out/check2.txt"
