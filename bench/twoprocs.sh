#!/usr/bin/env bash
# twoprocs.sh PIN0 PIN1 KMIPLOAD-ARGS...: one kmipload run against kmipd as a
# process of its own, over TLS with the server's generated certificate:
# kmipd (GOMAXPROCS=$SERVERPROCS, default 1) under the command prefix PIN0,
# kmipload (GOMAXPROCS=$LOADPROCS, default 1) under PIN1, each prefix empty
# or a taskset invocation such as "taskset -c 0". kmipload's output (its
# report line, or -json's object) goes to stdout; kmipd is stopped after.
# bench/out/kmipd and bench/out/kmipload are built by the caller (make bench,
# bench/loadsplit.sh's caller make bench-load-split).
set -euo pipefail
pin0=$1 pin1=$2
shift 2
bin=bench/out
dir=$(mktemp -d)
srv=""
cleanup() {
	if [ -n "$srv" ]; then kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT
GOMAXPROCS=${SERVERPROCS:-1} $pin0 $bin/kmipd -addr 127.0.0.1:0 -http "" -cert-dir "$dir" -log-level error > "$dir/out" &
srv=$!
addr=""
for _ in $(seq 100); do
	addr=$(awk '$1 == "binary" { print $3 }' "$dir/out")
	[ -n "$addr" ] && break
	sleep 0.05
done
[ -n "$addr" ] || { echo "kmipd did not start" >&2; exit 1; }
GOMAXPROCS=${LOADPROCS:-1} $pin1 $bin/kmipload "$@" -addr "$addr" -ca "$dir/cert.pem" -server-name localhost
