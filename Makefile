# ILNP for Linux: kernel patch series, Go tools and VM selftests.
# `make help` lists the targets; README.md explains them.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Go from /usr/local/go, where the README puts it, also when PATH lacks it.
export PATH := $(if $(wildcard /usr/local/go/bin/go),/usr/local/go/bin:)$(PATH)
GO ?= go
BIN := build/bin
# The targets that need the machine set up first run `deps`, which
# installs what is missing (scripts/install-deps.sh --if-missing) and is
# silent and takes about 0.2 s when nothing is. make test checks once and
# tells its stages so with ILNP_DEPS_CHECKED=1.
ifeq ($(ILNP_DEPS_CHECKED),)
DEPS := deps
else
DEPS :=
endif
# DEBUG=1 builds and boots the KASAN/lockdep kernel (build/bzImage-debug).
DEBUG ?= 0
ifeq ($(DEBUG),1)
KERNEL_IMAGE := build/bzImage-debug
else
KERNEL_IMAGE := build/bzImage
endif
# Extra flags for ilnpvm, e.g. VMFLAGS='--timeout 5m --cpus 1'.
VMFLAGS ?=
# The command `make vm` runs in the guest; empty gives a shell.
CMD ?=
export CMD
# Selftest packages to run (default: all) and a -run filter.
SELFTESTS ?=
RUN ?=

TOOLS := ilnpvm vmtest ilnpcheck ilnpctl ilnpdemo
# make demo: added round-trip delay at CN in ms (the paper: 0, 20, 200)
# and the iperf2 protocols, one run each.
DELAY ?= 0
PROTOS ?= udp,tcp

.PHONY: help deps tree kernel patches checkpatch check-series tools vm check unit selftests test bench bench-ilnpcheck demo clean

help:
	@echo 'ILNP for Linux'
	@echo
	@echo '  make demo         the paper'"'"'s mobility-multihoming experiment: table and plots in build/demo (DELAY=0|20|200 PROTOS=udp,tcp)'
	@echo '  make test         vet, unit tests, checkpatch, kernel build, VM selftests (what CI runs)'
	@echo '  make vm CMD=...   boot $(KERNEL_IMAGE) under QEMU and run CMD as root (no CMD: a shell)'
	@echo '  make kernel       build build/bzImage from the base + patches/ (DEBUG=1: KASAN/lockdep)'
	@echo '  make tree         create or update build/linux, the kernel work tree'
	@echo '  make patches      export the commits in build/linux back into patches/'
	@echo '  make checkpatch   checkpatch.pl --strict on every patch in patches/'
	@echo '  make check-series build every patch of the series on its own, with sparse (C=1)'
	@echo '  make selftests    run the VM selftests (SELFTESTS=pkg,... RUN=regexp to narrow)'
	@echo '  make bench        ILNP against plain IPv6 with one path and three, same boot (BENCH_SECONDS=10 BENCH_ROUNDS=3)'
	@echo '  make tools        build the Go tools into $(BIN)/'
	@echo '  make deps         install what this machine lacks (scripts/install-deps.sh; the targets above run it when needed)'
	@echo '  make clean        remove build products (keeps build/linux and its commits)'

deps:
	@scripts/install-deps.sh --if-missing

tree: $(DEPS)
	kernel/tree.sh sync

kernel: tree
	DEBUG=$(DEBUG) kernel/build.sh

patches:
	kernel/tree.sh export

# build/linux is the Debian tarball, without upstream history: checkpatch
# cannot resolve the commit ids of Fixes: tags there, so that one check
# is left out (the tag's form is still checked).
CHECKPATCH_IGNORE := --ignore UNKNOWN_COMMIT_ID

check-series: tree
	kernel/check-series.sh

checkpatch: tree
	@fail=0; n=0; \
	for p in $$(sed -e 's/#.*//' patches/series); do \
		n=$$((n + 1)); \
		rc=0; out=$$(cd build/linux && PATH=/usr/bin:$$PATH ./scripts/checkpatch.pl --strict $(CHECKPATCH_IGNORE) ../../patches/$$p 2>&1) || rc=$$?; \
		if [ $$rc -ne 0 ] || grep -q '^Traceback' <<<"$$out" || \
		   ! grep -q '^total: 0 errors, 0 warnings, 0 checks' <<<"$$out"; then \
			echo "checkpatch: $$p: FAIL"; echo "$$out" | sed 's/^/  /'; fail=1; \
		else echo "checkpatch: $$p: PASS"; fi; \
	done; \
	echo "checkpatch: $$n patch(es) checked"; exit $$fail

tools: $(DEPS)
	@mkdir -p $(BIN)
	@for t in $(TOOLS); do $(GO) build -o $(BIN)/$$t ./cmd/$$t || exit 1; done

vm: tools
	@test -f $(KERNEL_IMAGE) || { echo "no $(KERNEL_IMAGE): run 'make kernel$(if $(filter 1,$(DEBUG)), DEBUG=1)' first" >&2; exit 2; }
	@if [ -n "$$CMD" ]; then $(BIN)/ilnpvm --kernel $(KERNEL_IMAGE) $(VMFLAGS) -- "$$CMD"; \
	else $(BIN)/ilnpvm --kernel $(KERNEL_IMAGE) $(VMFLAGS); fi

check: $(DEPS)
	@bad=$$(gofmt -l $$(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt: these files need formatting:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags vmtest ./selftests/...
	@echo "check: gofmt and go vet clean"

unit: $(DEPS)
	ILNP_REQUIRE_TSHARK=1 $(GO) test ./...

selftests: tools
	@test -f $(KERNEL_IMAGE) || { echo "no $(KERNEL_IMAGE): run 'make kernel' first" >&2; exit 2; }
	$(BIN)/vmtest --kernel $(KERNEL_IMAGE) $(if $(RUN),--run '$(RUN)') $(subst $(comma), ,$(SELFTESTS))

comma := ,

# Benchmarks print figures; they are not part of make test.
BENCH_SECONDS ?= 10
BENCH_ROUNDS ?= 3
bench: tools
	@test -f $(KERNEL_IMAGE) || { echo "no $(KERNEL_IMAGE): run 'make kernel' first" >&2; exit 2; }
	BENCH_SECONDS=$(BENCH_SECONDS) BENCH_ROUNDS=$(BENCH_ROUNDS) $(BIN)/vmtest --kernel $(KERNEL_IMAGE) --tags vmbench bench paths

# ilnpcheck on a synthetic 1-million-packet capture, against tshark.
bench-ilnpcheck: $(DEPS)
	$(GO) test ./tools/ilnpcheck/validate -run '^$$' -bench '^BenchmarkValidate$$' -benchtime 3x -args -tshark

# Each stage is timed; the last line is the plain summary CI reads
# (vmtest's "N passed, M failed", when the selftests ran). TEST_STAGES
# runs some of them, e.g. make test TEST_STAGES='check unit'.
TEST_STAGES ?= check unit checkpatch kernel selftests
test: $(DEPS)
	@rm -f build/selftests/summary; stages="$(TEST_STAGES)"; failed=; times=; \
	for s in $$stages; do \
		start=$$(date +%s); echo "=== make $$s"; \
		if ILNP_DEPS_CHECKED=1 $(MAKE) --no-print-directory $$s; then r=PASS; else r=FAIL; failed="$$failed $$s"; fi; \
		took=$$(( $$(date +%s) - start )); times="$$times $$s $$took s,"; \
		echo "=== make $$s: $$r in $$took s"; \
		[ $$r = PASS ] || [ $$s = check ] || [ $$s = unit ] || [ $$s = checkpatch ] || break; \
	done; \
	echo "make test: stage times:$${times%,}"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; else echo "make test: all stages passed"; fi; \
	[ ! -f build/selftests/summary ] || cat build/selftests/summary; \
	[ -z "$$failed" ]

demo: kernel tools
	@mkdir -p build/demo
	$(BIN)/ilnpvm --kernel $(KERNEL_IMAGE) --timeout 15m $(VMFLAGS) -- \
		$(CURDIR)/$(BIN)/ilnpdemo run --out $(CURDIR)/build/demo --delay $(DELAY)ms --proto $(PROTOS)
	$(BIN)/ilnpdemo report --out build/demo --ilnpcheck $(BIN)/ilnpcheck

clean:
	rm -rf $(BIN) build/kbuild build/kbuild-* build/bzImage build/bzImage-* build/selftests build/vm
