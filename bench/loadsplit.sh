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
bin=bench/out
dir=$(mktemp -d)
srv=""
cleanup() {
	if [ -n "$srv" ]; then kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT
# twoprocs RUN PIN0 PIN1: the two-process setting, kmipd under the command
# prefix PIN0 (empty, or taskset's) and kmipload under PIN1.
twoprocs() {
	local run=$1 pin0=$2 pin1=$3
	# Emptied here, not by the redirection below: that runs in the
	# child, maybe after the first look for the address, which would
	# then find the previous server's.
	: > "$dir/out"
	GOMAXPROCS=${SERVERPROCS:-1} $pin0 $bin/kmipd -addr 127.0.0.1:0 -http "" -cert-dir "$dir" -log-level error > "$dir/out" &
	srv=$!
	addr=""
	for _ in $(seq 100); do
		addr=$(awk '$1 == "binary" { print $3 }' "$dir/out")
		[ -n "$addr" ] && break
		sleep 0.05
	done
	[ -n "$addr" ] || { echo "kmipd did not start" >&2; exit 1; }
	echo "== $run: $(GOMAXPROCS=${LOADPROCS:-1} $pin1 $bin/kmipload $flags -addr "$addr" -ca "$dir/cert.pem" -server-name localhost -conns "$c" -duration "$dur" -quiet)"
	kill "$srv"; wait "$srv" 2>/dev/null || true; srv=""
}
# The pinned setting needs taskset and two CPUs: kmipd on CPU 0, kmipload
# on CPU 1, so that the kernel never queues one behind the other.
pin=0
if command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then pin=1; fi
for r in $(seq "$rounds"); do
	for c in "$@"; do
		echo "== round $r, $c conns, in process: $($bin/kmipload $flags -conns "$c" -duration "$dur" -quiet)"
		echo "== round $r, $c conns, in process, -procs 1: $($bin/kmipload $flags -conns "$c" -procs 1 -duration "$dur" -quiet)"
		twoprocs "round $r, $c conns, kmipd GOMAXPROCS=${SERVERPROCS:-1}, kmipload GOMAXPROCS=${LOADPROCS:-1}" "" ""
		if [ $pin = 1 ]; then
			twoprocs "round $r, $c conns, kmipd GOMAXPROCS=${SERVERPROCS:-1} on CPU 0, kmipload GOMAXPROCS=${LOADPROCS:-1} on CPU 1" "taskset -c 0" "taskset -c 1"
		fi
	done
done
