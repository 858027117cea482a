#!/usr/bin/env bash
# loadsplit.sh ROUNDS DURATION FLAGS CONNS...: the load row's runs in turn
# in its three or four settings, ROUNDS times over at each connection count: kmipd
# in process with kmipload (the row as make bench runs it, Go's default
# GOMAXPROCS), the same with one P (kmipload -procs 1), then kmipd as a
# process of its own (GOMAXPROCS=$SERVERPROCS, default 1) loaded by
# kmipload in another (GOMAXPROCS=$LOADPROCS, default 1), over TLS with the
# server's generated certificate, and (where taskset and two CPUs are
# there) the same two processes pinned to CPUs 0 and 1. One kmipload
# report line a run; the
# settings take turns, so a slow spell of a shared machine falls on all.
# RATEFLAGS (environment, optional, e.g. RATEFLAGS='-rate 59000') is added
# to every kmipload invocation, after FLAGS: an open loop at that rate
# (README, kmipload); -rate in FLAGS does the same.
# bench/out/kmipload and bench/out/kmipd are built by the caller (make
# bench-load-split).
set -euo pipefail
rounds=$1 dur=$2 flags="$3 ${RATEFLAGS:-}"
shift 3
# twoprocs RUN PIN0 PIN1: the two-process setting (bench/twoprocs.sh),
# kmipd under the command prefix PIN0 (empty, or taskset's) and kmipload
# under PIN1.
twoprocs() {
	local out
	out=$(./bench/twoprocs.sh "$2" "$3" $flags -conns "$c" -duration "$dur" -quiet)
	echo "== $1: $out"
}
# The pinned setting needs taskset and two CPUs: kmipd on CPU 0, kmipload
# on CPU 1, so that the kernel never queues one behind the other.
pin=0
if command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then pin=1; fi
for r in $(seq "$rounds"); do
	for c in "$@"; do
		echo "== round $r, $c conns, in process: $(bench/out/kmipload $flags -conns "$c" -duration "$dur" -quiet)"
		echo "== round $r, $c conns, in process, -procs 1: $(bench/out/kmipload $flags -conns "$c" -procs 1 -duration "$dur" -quiet)"
		twoprocs "round $r, $c conns, kmipd GOMAXPROCS=${SERVERPROCS:-1}, kmipload GOMAXPROCS=${LOADPROCS:-1}" "" ""
		if [ $pin = 1 ]; then
			twoprocs "round $r, $c conns, kmipd GOMAXPROCS=${SERVERPROCS:-1} on CPU 0, kmipload GOMAXPROCS=${LOADPROCS:-1} on CPU 1" "taskset -c 0" "taskset -c 1"
		fi
	done
done
