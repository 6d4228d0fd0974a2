#!/bin/sh
# The skip path of the port-443 suites, proved on the real registrations:
# the build's own tests/CTestTestfile.cmake is copied to a scratch directory
# (so this run writes neither the build's skip log nor its ctest logs) and
# run with DC_TEST_NO_PORT443=1. Every suite labelled port443 must come out
# "Skipped" (none "Passed", none failed), each with its reason in the skip
# log, and tests/support/skip-summary must say so in one line.
# Usage: test_skip_path.sh BUILD_DIR SOURCE_DIR
set -u
BUILD=$1
SRC=$2
# shared helpers (bad, scratch_dir)
. "$SRC/tests/support/lib.sh"
scratch_dir

sed "s|$BUILD/test-skips.log|$T/skips.log|g" "$BUILD/tests/CTestTestfile.cmake" \
  > "$T/CTestTestfile.cmake"
grep -q "$T/skips.log" "$T/CTestTestfile.cmake" || bad "skip log path not found in the test file"

want=$(cd "$T" && ctest -N -L port443 -LE valgrind_only | sed -n 's/^Total Tests: //p')
[ "${want:-0}" -ge 8 ] || bad "only '${want:-0}' port443 suites registered (expected 8 or more)"

(cd "$T" && DC_TEST_NO_PORT443=1 ctest --no-tests=error -L port443 -LE valgrind_only) \
  > "$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] || bad "ctest exit $rc with every suite skipped: $(tail -5 "$T/out")"
skipped=$(grep -c '(Skipped)$' "$T/out")
passed=$(grep -c 'Passed' "$T/out")
[ "$skipped" = "$want" ] || bad "$skipped suites shown as Skipped, expected $want"
[ "$passed" = 0 ] || bad "$passed suites shown as Passed with the fallback forced"
lines=$(wc -l < "$T/skips.log" 2>/dev/null || echo 0)
[ "$lines" = "$want" ] || bad "skip log has $lines lines, expected $want"
grep -v "	port 443 not available: forced by DC_TEST_NO_PORT443=1$" "$T/skips.log" \
  > "$T/odd" && bad "skip log lines without the reason: $(cat "$T/odd")"

summary=$("$SRC/tests/support/skip-summary" "$T/skips.log")
echo "$summary"
case $summary in
  "skipped: $want suite(s) ("*"): port 443 not available: forced by DC_TEST_NO_PORT443=1") ;;
  *) bad "summary line: $summary" ;;
esac
[ "$("$SRC/tests/support/skip-summary" "$T/none.log")" = "skipped: none" ] || bad "summary of no skips"

# Without the switch, the wrapper runs the command (as root directly, else in
# a namespace) and passes its exit status through.
python3 "$SRC/tests/support/netns-run" --name probe -- sh -c 'exit 5'
[ $? -eq 5 ] || bad "netns-run does not pass the command's exit status through"
python3 "$SRC/tests/support/netns-run" --name probe -- \
  python3 -c 'import socket; socket.socket().bind(("127.0.0.1", 443))'
rc=$?
case $rc in
  0) ;;
  77) echo "note: this machine gives no port 443 (see the SKIPPED line above)" ;;
  *) bad "the command under netns-run could not bind port 443 (exit $rc)" ;;
esac

if [ $fail -ne 0 ]; then echo "$fail check(s) failed"; exit 1; fi
echo "skip path: $want suites skipped with the reason, 0 passed"
