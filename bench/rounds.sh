#!/usr/bin/env bash
# rounds.sh OUT COUNT BENCHTIME REGEX [TEE]: run the suite (package bench)
# COUNT times over, one sample of each benchmark per round, into OUT (and to
# standard output too when TEE is set). DIR and PKG name another suite: the
# directory to run go test in (a module of its own, as bench/peers) and the
# package there.
#
# go test -count N takes a benchmark's N samples back to back, within a few
# seconds; on a shared machine whose speed drifts by tens of percent from
# one minute to the next (the VM this project is measured on does), two such
# runs minutes apart then differ "significantly" with no change to the code.
# In rounds, each benchmark's samples spread over the whole run, so a slow
# spell widens them rather than shifting them, and the gate's test sees it
# as the noise it is.
set -euo pipefail
out=$1 count=$2 time=$3 regex=$4 tee=${5:-}
go=${GO:-go}
dir=${DIR:-.} pkg=${PKG:-./bench/}
: > "$out"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
cd "$dir"
for i in $(seq "$count"); do
	echo "== round $i of $count" >&2
	if [ -n "$tee" ]; then
		"$go" test -run '^$' -bench "$regex" -benchmem -benchtime "$time" -count 1 "$pkg" | tee -a "$out"
	else
		"$go" test -run '^$' -bench "$regex" -benchmem -benchtime "$time" -count 1 "$pkg" >> "$out"
	fi
done
