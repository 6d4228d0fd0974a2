# Shared helpers of the shell suites (tests/cli/*.sh, tests/integration/*.sh,
# tests/sandbox/*.sh). POSIX sh. A suite, run as `sh SCRIPT ARGS` (see
# tests/CMakeLists.txt), sources it first:
#   . "$(dirname "$0")/../support/lib.sh"
# It sets PY and the tally (pass, fail). The helpers that run a command or
# read its output use the suite's scratch directory $T ($T/out, $T/err).
# Helpers only one suite needs, or whose behaviour differs, stay in the suite.

PY=/usr/bin/python3
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# finish [NAME]: prints the tally ("[NAME: ]P passed, F failed"); its status
# (0 when nothing failed) is the suite's when it comes last.
finish() {
  echo "${1:+$1: }$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

# scratch_dir: T = a new temporary directory, removed when the suite exits.
scratch_dir() {
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
}

# cli_suite CLI: the start of a suite that runs the CLI: T = a scratch
# directory (scratch_dir) and CLI = CLI, run under DC_CLI_WRAPPER when that
# is set (wrapped; `make valgrind` and the valgrind_only twins set it).
# CLI_REF = CLI as it is, never wrapped: for the reference outputs a suite
# compares the tested command with (their own paths are tested elsewhere,
# under the wrapper too), so valgrind time goes to what the suite tests.
cli_suite() {
  CLI=$1
  CLI_REF=$1
  scratch_dir
  CLI=$(wrapped "$CLI" "${DC_CLI_WRAPPER:-}" cli-wrapped)
}

# harness_net: for a suite run by tests/integration/harness.py (exits unless
# DC_TEST_DNS and DC_TEST_CA are set): NET = the CLI's --dns-server,
# --ca-file and the TEST-ONLY allowance of 127.0.0.2 and 127.0.0.3 (where
# the harness's HTTPS servers listen); TWIN = the same without the
# allowance, for the twins the guard must refuse.
# shellcheck disable=SC2034  # NET and TWIN are read by the suites
harness_net() {
  : "${DC_TEST_DNS:?run under harness.py}" "${DC_TEST_CA:?run under harness.py}"
  NET="--dns-server $DC_TEST_DNS --ca-file $DC_TEST_CA --test-allow-address 127.0.0.2 --test-allow-address 127.0.0.3"
  TWIN="--dns-server $DC_TEST_DNS --ca-file $DC_TEST_CA"
}

# now_ms: a monotonic clock, in milliseconds.
now_ms() { $PY -c 'import time; print(int(time.monotonic()*1000))'; }

# startup_ms: how long `$CLI --version` takes, start to exit, in ms: the
# baseline a timing check subtracts before its upper bound, so that a
# wrapper (valgrind) or a loaded machine moves the baseline too. Lower
# bounds are checked on the raw time.
startup_ms() {
  startup_t0=$(now_ms)
  "$CLI" --version >/dev/null 2>&1
  echo $(($(now_ms) - startup_t0))
}

# wrapped PROG WRAPPER NAME: prints PROG; or, when WRAPPER is not empty (a
# command line such as "valgrind --error-exitcode=99 --leak-check=full -q":
# DC_CLI_WRAPPER, DC_SANDBOX_WRAPPER, set by `make valgrind` and the
# valgrind_only twins), writes $T/NAME, a script that runs PROG under that
# command with its arguments (exec: same PID), and prints its path.
wrapped() {
  if [ -z "$2" ]; then
    printf '%s\n' "$1"
    return
  fi
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$2" "$1" > "$T/$3"
  chmod +x "$T/$3"
  printf '%s\n' "$T/$3"
}

# expect_exit CODE DESC -- CMD...: runs CMD (stdout in $T/out, stderr in
# $T/err), compares the exit code. With OUTPUT_LOG set, both outputs are
# also appended to that file (for a check over every output at the end).
expect_exit() {
  want=$1; desc=$2; shift 3
  "$@" >"$T/out" 2>"$T/err"
  got=$?
  if [ -n "${OUTPUT_LOG:-}" ]; then cat "$T/out" "$T/err" >> "$OUTPUT_LOG"; fi
  if [ "$got" -eq "$want" ]; then ok; else
    bad "$desc: exit $got, expected $want"; cat "$T/out" "$T/err" >&2; fi
}
# expect_out DESC EXPECTED: the last command's stdout (one line) is EXPECTED.
expect_out() {
  if [ "$(cat "$T/out")" = "$2" ]; then ok; else
    bad "$1: got '$(cat "$T/out")', expected '$2'"; fi
}
# expect_err_has DESC PATTERN: the last command's stderr matches PATTERN.
expect_err_has() {
  if grep -q -- "$2" "$T/err"; then ok; else
    bad "$1: stderr lacks '$2': $(cat "$T/err")"; fi
}
# expect_err_starts DESC STATUS: stderr's first line starts with the stable
# status name STATUS and a colon.
expect_err_starts() {
  if head -n 1 "$T/err" | grep -q "^$2:"; then ok; else
    bad "$1: stderr does not start with '$2:': $(cat "$T/err")"; fi
}

# json_eval FILE EXPR: prints the Python expression EXPR evaluated with d =
# the JSON document in FILE.
json_eval() {
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# expect_json DESC FILE EXPR WANT: json_eval FILE EXPR prints WANT.
expect_json() {
  got=$(json_eval "$2" "$3" 2>/dev/null)
  if [ "$got" = "$4" ]; then ok; else bad "$1: $3 = '$got', expected '$4'"; fi
}
# expect_out_json DESC EXPR WANT: the same on the last command's stdout.
expect_out_json() { expect_json "$1" "$T/out" "$2" "$3"; }
