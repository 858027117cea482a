#!/usr/bin/awk -f
# fuzzstat.awk: reads the output of a `go test -fuzz` run (make fuzz tees
# it to a file: awk implementations buffer a pipe, mawk by 4 KiB, which
# would hold the progress reports back) and prints one line of where the
# time went: executions, the seconds spent gathering
# baseline coverage, and the seconds between progress reports (every 3 s)
# across which the execution count did not move — the coordinator's
# "0/sec", time that went to no fuzzing (minimizing, or one slow input).
#   == FuzzSplit: 1523412 execs in 60 s (25390/s), baseline 1 s, stalled 0 s
function secs(s,    t, n) {
	t = 0
	while (match(s, /^[0-9.]+[hms]/)) {
		n = substr(s, 1, RLENGTH - 1) + 0
		u = substr(s, RLENGTH, 1)
		t += (u == "h") ? n * 3600 : (u == "m") ? n * 60 : n
		s = substr(s, RLENGTH + 1)
	}
	return t
}
/^fuzz: elapsed: / {
	e = $3; sub(/,$/, "", e); t = secs(e)
	if ($4 == "gathering") { base = t; next }
	if ($4 == "execs:") {
		n = $5 + 0
		if (seen && t > last && n == lastn) stalled += t - last
		seen = 1; last = t; lastn = n
	}
}
END {
	if (seen) {
		run = last - base
		printf "== %s: %d execs in %d s (%d/s), baseline %d s, stalled %d s\n", \
			(ENVIRON["FUZZTARGET"] != "" ? ENVIRON["FUZZTARGET"] : "fuzz"), lastn, last, (run > 0 ? lastn / run : 0), base, stalled
	}
}
