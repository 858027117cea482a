# kmipwire — see README.md. Every target works on a fresh clone with Go
# installed; tools come from go.mod (go tool …).
GO        ?= go
PKGS      ?= ./...
COUNT     ?= 5
BENCHTIME ?= 1s
BENCH     ?= .
FUZZTIME  ?= 30s
BENCHPKGS ?= ./ttlv/ ./jsonttlv/ ./batch/

.PHONY: test vet fmt-check generate check-generated bench fuzz lint

## test: vet, gofmt check, generated-code check, race-enabled tests
test: vet fmt-check check-generated
	$(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed in:"; echo "$$out"; exit 1; fi

## generate: regenerate the tables from internal/spec
generate:
	$(GO) generate ./ttlv/

## check-generated: fail when committed generated code is stale
check-generated:
	$(GO) test -count=1 -run '^TestGeneratedTablesCurrent$$' ./ttlv/

## bench: the benchmark report (raw output in bench/out/latest.txt)
bench:
	@mkdir -p bench/out
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -count $(COUNT) $(BENCHPKGS) | tee bench/out/latest.txt
	@echo
	@echo "== summary (benchstat, $(COUNT) runs each)"
	$(GO) tool benchstat bench/out/latest.txt

FUZZPKGS  ?= ./ttlv/ ./jsonttlv/

## fuzz: run every native fuzz target for FUZZTIME (minimizing capped: the
## corpus holds 10 KiB messages, whose default 60 s minimization stalls runs)
fuzz:
	@for p in $(FUZZPKGS); do \
		for t in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
			echo "== $$p $$t"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$p || exit 1; \
		done; \
	done

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
