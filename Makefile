# Top-level wrapper around CMake. Every target installs missing Debian
# packages first (scripts/install-deps is idempotent).
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# Suites run two per core: many wait on servers, timeouts and child
# processes (on 2 cores, make check takes 97 s at -j4 against 137 s at -j2).
TEST_JOBS  ?= $(shell expr 2 \* $(JOBS))
FUZZ_RUNS  ?= 1000000
CTEST_JOBS = $(TEST_JOBS)
CTEST      = ctest --no-tests=error --output-on-failure -j $(CTEST_JOBS)
# Compiler warnings are errors in CI (CI=true, as CI systems and .ci/run
# set it), never for users, whose newer compiler may warn about new things.
WERROR     = -DDC_WERROR=$(if $(filter true 1 yes,$(CI)),ON,OFF)
# Runs ctest in a build directory, then prints the one-line summary of the
# suites that were skipped and why (tests/support/skip-summary): a skipped
# suite is never counted as passed.  $(call ctest_in,DIR,ARGS)
SKIPSUM    = $(CURDIR)/tests/support/skip-summary
comma      = ,
ctest_in   = cd $(1) && rm -f test-skips.log && { $(CTEST) $(2); rc=$$?; $(SKIPSUM) test-skips.log; exit $$rc; }
# Configures a clang Debug build in DIR with the sanitizer flags FLAGS (for
# compiling) and LDFLAGS (for linking).  $(call clang_san,DIR,FLAGS,LDFLAGS)
clang_san  = cmake -S . -B $(1) -G Ninja -DCMAKE_BUILD_TYPE=Debug $(WERROR) \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_C_FLAGS="$(2)" -DCMAKE_EXE_LINKER_FLAGS="$(3)" \
	  -DCMAKE_SHARED_LINKER_FLAGS="$(3)" >/dev/null

.PHONY: all deps build check sanitize tsan valgrind fuzz clean install demo bench

all: build

deps:
	@./scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(WERROR) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

check: build
	@$(call ctest_in,$(BUILD),-LE valgrind_only)

# The whole protocol against the local DNS provider, as a transcript
# (scripts/demo; as root, or as any user inside an unprivileged user +
# network namespace for the sandbox's port 443: tests/support/netns-run).
demo: build
	./scripts/demo $(BUILD)

sanitize: deps
	@$(call clang_san,$(ASAN_BUILD),-fsanitize=address$(comma)undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer,-fsanitize=address$(comma)undefined)
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1; \
	  $(call ctest_in,$(ASAN_BUILD),-LE "nosanitize|valgrind_only")

# ThreadSanitizer: one configured client used by 8 threads at once (plus a
# batch on it; tests/integration/test_threads.c) and the unit suites that are
# cheap, built with clang -fsanitize=thread. A race report fails the run
# (halt_on_error; TSan also exits 66 on any report). Only these targets are
# built: the other suites and the sandbox add time, not threads.
TSAN_UNITS = callback conflicts consent dns_parse dns_rrset guard names query \
             settings status template token txt urlrules
TSAN_REGEX = ^(integration\.test_threads|unit\.test_($(shell echo $(TSAN_UNITS) | tr ' ' '|')))$$
tsan: deps
	@$(call clang_san,$(TSAN_BUILD),-fsanitize=thread -fno-omit-frame-pointer -O1,-fsanitize=thread)
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target test_threads domainconnect_cli \
	  $(addprefix test_,$(TSAN_UNITS))
	@export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"; \
	  $(call ctest_in,$(TSAN_BUILD),-R '$(TSAN_REGEX)')

# Every test binary under valgrind memcheck (leaks and invalid accesses are
# errors); the CLI and integration suites through their valgrind_only twins
# (the tool / suite binary under valgrind, not the shell or the Python
# harness). One suite per core: under valgrind they are CPU-bound, and their
# timing checks (deadlines) want the core they measure on.
# VALGRIND_SKIP: a label regex of twins to leave out (.ci/run: valgrind_cli_net).
VALGRIND_SKIP ?=
valgrind: CTEST_JOBS = $(JOBS)
valgrind: build
	@$(call ctest_in,$(BUILD),-LE "novalgrind|valgrind_only" -T memcheck)
	@$(call ctest_in,$(BUILD),-L valgrind_only $(if $(VALGRIND_SKIP),-LE "$(VALGRIND_SKIP)"))

fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(WERROR) \
	  -DCMAKE_C_COMPILER=clang -DDC_FUZZ=ON \
	  -DCMAKE_C_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize=fuzzer-no-link" >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_RUNS)

# Benchmarks: each prints its figures as ratios against a baseline measured
# in the same run (bench/). bench/run-bench.py starts Knot and HTTPS servers
# on loopback (port 443: as root, or as any user in an unprivileged user +
# network namespace through tests/support/netns-run), measures the baselines,
# the sequential loop, batch discovery at 10k and 100k domains, one-shot
# discover, signing, and bench_template; report in $(BUILD)/bench-report.txt.
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--domains 2000 --big 20000 --quick".
BENCH_ARGS ?=
bench: build
	/usr/bin/python3 tests/support/netns-run --name bench -- ./bench/run-bench.py --build $(BUILD) $(BENCH_ARGS)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
