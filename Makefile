# kmipwire — see README.md. Every target works on a fresh clone with Go
# installed; tools come from go.mod (go tool …).
SHELL     := /bin/bash
GO        ?= go
PKGS      ?= ./...
COUNT     ?= 5
BENCHTIME ?= 0.3s
BENCH     ?= .
FUZZTIME  ?= 30s
LOADTIME  ?= 10s
# the load row: AES-GCM Encrypt, one item a message, over TLS, at each
# connection count of LOADCONNS (kmipd in process, then a process of its own)
LOADFLAGS ?= -transport tls -batch 1 -mix encrypt=100
LOADCONNS ?= 1 16 64
# ... and at each GOMAXPROCS of LOADPROCSET (kmipload -procs; 0: Go's
# default, one P per CPU): on a VM whose kernel packs threads onto one
# vCPU, one P keeps the tail short (README, "Where the tail comes from").
LOADPROCSET ?= 0 1
# make bench: the peer comparison's benchtime (its peers are 10-40 times
# slower, so a shorter time still gives each many iterations).
PEERTIME  ?= 100ms
# bench-peers and bench: the servers side by side (bench/peers/cmd/serverload),
# SERVERROUNDS runs of SERVERTIME against each.
SERVERTIME   ?= 5s
SERVERROUNDS ?= 3
# bench-check and bench-baseline: shorter runs, more of them (Mann-Whitney
# needs at least 5 per side to reach p < 0.05 with margin).
CHECKTIME  ?= 200ms
CHECKCOUNT ?= 6
THRESHOLD  ?= 10

.PHONY: interop test vet fmt-check generate check-generated bench bench-peers bench-servers bench-load-split peers-check bench-check bench-baseline fuzz fuzz-smoke oss-fuzz-local lint api-check api-record

## test: vet, gofmt check, generated-code check, race-enabled tests, then
## without -race (which makes sync.Pool drop items at random and distorts
## timings) every allocation test (the tests named …Allocs…, which skip
## under -race where pools count) and the proof that the regression gate
## fails a deliberately slowed benchmark
test: vet fmt-check check-generated
	$(GO) test -race -count=1 $(PKGS)
	$(GO) test -count=1 -run 'Allocs|^TestGateCatchesSlowdown$$' $(PKGS)

## interop: kmipclient against ovh/kmip-go's kmipserver (v0.9.2), in the
## module interop/ovh so that the peer library stays out of go.mod
interop:
	cd interop/ovh && $(GO) vet ./... && $(GO) test -race -count=1 ./...

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed in:"; echo "$$out"; exit 1; fi

## generate: regenerate the tables and the typed layer from internal/spec
generate:
	$(GO) generate ./ttlv/ ./kmip/

## check-generated: fail when committed generated code is stale
check-generated:
	$(GO) test -count=1 -run '^TestGeneratedTablesCurrent$$' ./ttlv/
	$(GO) test -count=1 -run '^TestGeneratedCurrent$$' ./kmip/
	$(GO) test -count=1 -run '^TestStructsCurrent$$' ./internal/gen/specdefs/

## bench: the benchmark suite (package bench) and its report: one row per
## path and message (median over COUNT runs, each path also as a fraction
## of BenchmarkLimit, the message read at memory speed), the machine, the
## peer comparison (bench-peers' rounds at PEERTIME), the SVG chart
## bench/out/chart.svg, LOADTIME runs of cmd/kmipload at LOADCONNS connections, and
## the servers side by side (bench-servers).
## The load row runs each of LOADCONNS at each GOMAXPROCS of LOADPROCSET,
## kmipd in process, then (where taskset and two CPUs are there) each of
## LOADCONNS against kmipd as a process of its own, the two pinned to CPUs
## 0 and 1 with one P each (bench/twoprocs.sh; README, "Where the tail
## comes from").
## Raw go test output: bench/out/latest.txt, bench/out/peers.txt.
bench: peers-check
	@mkdir -p bench/out
	@GO=$(GO) ./bench/rounds.sh bench/out/latest.txt $(COUNT) $(BENCHTIME) '$(BENCH)' tee
	@echo "== peer comparison (bench/peers, $(COUNT) rounds at $(PEERTIME))"
	@GO=$(GO) DIR=bench/peers PKG=. ./bench/rounds.sh bench/out/peers.txt $(COUNT) $(PEERTIME) '$(BENCH)'
	@load=""; if [ -d cmd/kmipload ]; then \
		$(GO) build -o bench/out/kmipload ./cmd/kmipload || exit 1; : > bench/out/load.json; \
		for p in $(LOADPROCSET); do for c in $(LOADCONNS); do \
			echo "== load generator: kmipload $(LOADFLAGS) -conns $$c -procs $$p -duration $(LOADTIME) -json"; \
			bench/out/kmipload $(LOADFLAGS) -conns $$c -procs $$p -duration $(LOADTIME) -json -quiet >> bench/out/load.json || exit 1; \
		done; done; \
		if command -v taskset > /dev/null && [ "$$(nproc)" -ge 2 ]; then \
			$(GO) build -o bench/out/kmipd ./cmd/kmipd || exit 1; \
			for c in $(LOADCONNS); do \
				echo "== load generator: kmipload $(LOADFLAGS) -conns $$c -duration $(LOADTIME) -json on CPU 1 against kmipd (GOMAXPROCS 1) on CPU 0"; \
				SERVERPROCS=1 LOADPROCS=1 ./bench/twoprocs.sh "taskset -c 0" "taskset -c 1" $(LOADFLAGS) -conns $$c -duration $(LOADTIME) -json -quiet \
					-label "kmipd a process of its own (1 P, CPU 0), kmipload on CPU 1" >> bench/out/load.json || exit 1; \
			done; \
		fi; \
		load="-load bench/out/load.json"; \
	fi; \
	echo; echo "== report (go run ./bench/cmd/report)"; \
	$(GO) run ./bench/cmd/report -svg bench/out/chart.svg $$load -peers bench/out/peers.txt -findings bench/out/peers-findings.txt bench/out/latest.txt
	@echo; $(MAKE) --no-print-directory bench-servers

## bench-peers: the peer comparison alone (bench/peers, a module of its
## own: ovh/kmip-go and gemalto/kmip-go against kmipwire): the equivalence
## tests, then COUNT rounds of every path and message at BENCHTIME, codecs
## alternating, and the table (bench/out/peers.txt raw).
## `make bench-peers COUNT=1 BENCHTIME=30ms` is the quick look.
bench-peers: peers-check
	@mkdir -p bench/out
	@GO=$(GO) DIR=bench/peers PKG=. ./bench/rounds.sh bench/out/peers.txt $(COUNT) $(BENCHTIME) '$(BENCH)'
	@$(GO) run ./bench/cmd/report -peers bench/out/peers.txt -findings bench/out/peers-findings.txt
	@echo; $(MAKE) --no-print-directory bench-servers

## bench-servers: kmipwire's server and ovh/kmip-go's kmipserver (with the
## in-memory handlers of bench/peers/cmd/serverload for the operations the
## load uses), both in process on loopback, under cmd/kmipload in turn:
## SERVERROUNDS runs of SERVERTIME each, same mix; medians of messages/s,
## items/s, p50 and p99.
bench-servers:
	@mkdir -p bench/out
	@$(GO) build -o bench/out/kmipload ./cmd/kmipload
	@cd bench/peers && $(GO) run ./cmd/serverload -kmipload ../out/kmipload -duration $(SERVERTIME) -rounds $(SERVERROUNDS)

## bench-load-split: the load row's runs (LOADFLAGS at LOADCONNS, LOADTIME
## each) in its settings in turn, SPLITROUNDS times: kmipd in process
## (Go's default Ps, then one P: kmipload -procs 1), then kmipd and kmipload
## as two processes with SERVERPROCS and LOADPROCS
## Ps (GOMAXPROCS, default 1 each), and those two pinned to CPUs 0 and 1
## (taskset, where there are two CPUs) — README, "Where the tail
## comes from". RATEFLAGS (e.g. '-rate 59000') is added to every kmipload
## run: an open loop at that rate, latency from the schedule (README, kmipload).
SPLITROUNDS ?= 3
bench-load-split:
	@mkdir -p bench/out
	@$(GO) build -o bench/out/kmipload ./cmd/kmipload && $(GO) build -o bench/out/kmipd ./cmd/kmipd
	@RATEFLAGS='$(RATEFLAGS)' ./bench/loadsplit.sh $(SPLITROUNDS) $(LOADTIME) '$(LOADFLAGS)' $(LOADCONNS)

## peers-check: bench/peers' vet and tests (TestEquivalence, TestInterop),
## whose -v output (bench/out/peers-findings.txt) the report prints
peers-check:
	@mkdir -p bench/out
	@cd bench/peers && $(GO) vet ./... && $(GO) test -count=1 -v . > ../out/peers-findings.txt 2>&1 \
		|| { cat ../out/peers-findings.txt; exit 1; }
	@echo "bench/peers: equivalence tests pass"

## bench-check: the regression gate (bench/check.sh): the commit that
## recorded bench/baseline.txt is rebuilt and run in alternation with the
## working tree, CHECKCOUNT rounds; fails when a benchmark is slower beyond
## noise (Mann-Whitney U, p < 0.05) by more than THRESHOLD percent, or
## allocates more, in two interleaved runs. KMIPWIRE_BENCH_SLOWDOWN=P slows
## path P of the working tree: the gate must then fail.
bench-check:
	GO=$(GO) CHECKCOUNT=$(CHECKCOUNT) CHECKTIME=$(CHECKTIME) BENCH='$(BENCH)' THRESHOLD=$(THRESHOLD) ./bench/check.sh

## bench-baseline: record bench/baseline.txt (and the suite's chart
## bench/chart.svg) from a fresh run; commit both with the change that
## moved the figures.
bench-baseline:
	@mkdir -p bench/out
	GO=$(GO) ./bench/rounds.sh bench/out/baseline.txt $(CHECKCOUNT) $(CHECKTIME) .
	sed 's/[[:space:]]\{1,\}/ /g' bench/out/baseline.txt > bench/baseline.txt
	$(GO) run ./bench/cmd/report -svg bench/chart.svg bench/baseline.txt

# Every package with a native fuzz target (func FuzzX(f *testing.F)).
FUZZPKGS     ?= $(shell grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | xargs -n1 dirname | sort -u | sed 's|$$|/|')
FUZZSMOKE    ?= 10000x
FUZZPARALLEL ?= 1
FUZZMINIMIZE ?= 100x

## fuzz: run every native fuzz target (of FUZZPKGS) for FUZZTIME each,
## each ending with a line of where its time went (fuzz/fuzzstat.awk:
## executions, baseline coverage, seconds stalled at 0 execs/s). One worker
## (FUZZPARALLEL) and minimization of each new input capped at FUZZMINIMIZE
## runs: at Go's default of 60 s, one worker spends most of a run
## minimizing (FuzzServe: 0 execs/s for 52 of 61 s, 49k execs; capped: 0 s
## stalled, 497k execs in 90 s). A failure leaves its input under the
## package's testdata/fuzz/ as a regression test: commit it.
fuzz:
	@set -o pipefail; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for p in $(FUZZPKGS); do \
		for t in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
			echo "== $$p $$t ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -parallel $(FUZZPARALLEL) -fuzzminimizetime $(FUZZMINIMIZE) $$p 2>&1 | tee "$$log" || exit 1; \
			FUZZTARGET="$$p $$t" awk -f fuzz/fuzzstat.awk "$$log"; \
		done; \
	done

## fuzz-smoke: every fuzz target for FUZZSMOKE executions (CI: .ci/run) —
## a count, not a duration: Go 1.26's coordinator can fail a duration run
## with a bare "context deadline exceeded" as -fuzztime expires, no input
## at fault (go.dev/issue/75804, fixed in Go 1.27) — plus the fuzz
## packages vetted with the tags of OSS-Fuzz's build (gofuzz, and the
## gofuzz_libfuzzer that go-118-fuzz-build adds), and the OSS-Fuzz build
## script checked against the targets.
fuzz-smoke:
	$(GO) vet -tags gofuzz ./fuzz/...
	$(GO) vet -tags gofuzz,gofuzz_libfuzzer ./fuzz/...
	./fuzz/oss-fuzz/check.sh
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSMOKE)

## oss-fuzz-local: fuzz/oss-fuzz/build.sh run as OSS-Fuzz would, without
## Docker (fuzz/oss-fuzz/local.sh): clang and libFuzzer from Debian,
## go-118-fuzz-build from the module proxy, one libFuzzer binary per target
## and its seed corpus in $$OSSFUZZ_DIR/out (/tmp/kmipwire-oss-fuzz), each
## run OSSFUZZ_RUNS (10000) executions on its seeds; then the go-fuzz entry
## points built by go-fuzz-build and each run GOFUZZ_TIME (20) seconds
## (fuzz/oss-fuzz/gofuzz.sh). 10 min 45 s on the shared 2-core VM.
oss-fuzz-local:
	./fuzz/oss-fuzz/local.sh

## api-check: the exported API of the stable packages (ttlv, jsonttlv,
## xmlttlv, batch) against the commit recorded in api/BASE (apidiff); an
## incompatible change fails unless CHANGELOG.md's Unreleased section names
## it (api/check.sh). Then the gate's self-test: a removed function must fail.
api-check:
	GO=$(GO) ./api/check.sh
	GO=$(GO) ./api/check.sh -self-test

## api-record: record HEAD as the API baseline (api/BASE); commit the file
api-record:
	GO=$(GO) ./api/check.sh -record

## lint: staticcheck on top of vet
lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

## conformance: the OASIS KMIP XML test cases through the codecs and (once
## an in-process server exists, or with KMIPCONFORM_FLAGS=-server ADDR) a
## server; KMIP_CONFORMANCE_DIR is the suite's location
KMIP_CONFORMANCE_DIR ?= ../shared/conformance/kmip-xml
KMIPCONFORM_FLAGS    ?=
.PHONY: conformance bench-xml
conformance:
	$(GO) run ./cmd/kmipconform $(KMIPCONFORM_FLAGS) $(KMIP_CONFORMANCE_DIR)

## bench-xml: the XML form's benchmarks (BenchmarkToXML, BenchmarkFromXML)
bench-xml:
	$(GO) test -run '^$$' -bench 'XML' -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./xmlttlv/
