#!/usr/bin/env bash
# loadsplit.sh ROUNDS DURATION FLAGS CONNS...: the load row's runs in turn
# in its three settings, ROUNDS times over at each connection count: kmipd
# in process with kmipload (the row as make bench runs it, Go's default
# GOMAXPROCS), the same with one P (kmipload -procs 1), then kmipd as a
# process of its own (GOMAXPROCS=$SERVERPROCS, default 1) loaded by
# kmipload in another (GOMAXPROCS=$LOADPROCS, default 1), over TLS with the
# server's generated certificate. One kmipload report line a run; the
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
for r in $(seq "$rounds"); do
	for c in "$@"; do
		echo "== round $r, $c conns, in process: $($bin/kmipload $flags -conns "$c" -duration "$dur" -quiet)"
		echo "== round $r, $c conns, in process, -procs 1: $($bin/kmipload $flags -conns "$c" -procs 1 -duration "$dur" -quiet)"
		# Emptied here, not by the redirection below: that runs in the
		# child, maybe after the first look for the address, which would
		# then find the previous server's.
		: > "$dir/out"
		GOMAXPROCS=${SERVERPROCS:-1} $bin/kmipd -addr 127.0.0.1:0 -http "" -cert-dir "$dir" -log-level error > "$dir/out" &
		srv=$!
		addr=""
		for _ in $(seq 100); do
			addr=$(awk '$1 == "binary" { print $3 }' "$dir/out")
			[ -n "$addr" ] && break
			sleep 0.05
		done
		[ -n "$addr" ] || { echo "kmipd did not start" >&2; exit 1; }
		echo "== round $r, $c conns, kmipd GOMAXPROCS=${SERVERPROCS:-1}, kmipload GOMAXPROCS=${LOADPROCS:-1}: $(GOMAXPROCS=${LOADPROCS:-1} $bin/kmipload $flags -addr "$addr" -ca "$dir/cert.pem" -server-name localhost -conns "$c" -duration "$dur" -quiet)"
		kill "$srv"; wait "$srv" 2>/dev/null || true; srv=""
	done
done
