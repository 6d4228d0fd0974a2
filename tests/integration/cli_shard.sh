#!/bin/sh
# `domainconnect discover --batch` beyond one machine (docs/batch-at-scale.md),
# against the integration servers (cli_shard.harness, as cli_batch.sh):
#   - --shard I/N over 4 shards: each input lands in the shard of the
#     documented hash (FNV-1a 64 of the ASCII-lowercased input without one
#     trailing dot, modulo N), and the 4 outputs merged are exactly the
#     unsharded output (same lines, each input once);
#   - --resume FILE after a run killed midway (SIGKILL, output cut where
#     stdio last flushed) and after a file cut mid-line: the new run does
#     only the inputs without a complete line, and old + new merged by input
#     are exactly the unsharded output;
#   - bad --shard values and the batch-only options without --batch are
#     usage errors (exit 2); a missing --resume file exits 1;
#   - --progress writes the bar with rate and ETA to a stderr that is not a
#     terminal;
#   - the same batch without --test-allow-address: the guard refuses every
#     provider (the twin of the allowance).
# Usage: cli_shard.sh CLI DATA_DIR
set -u
. "$(dirname "$0")/../support/lib.sh"
cli_suite "$1"
harness_net
BASE=$TWIN

# the population of cli_batch.sh, with case and trailing-dot variants
cp "$(dirname "$0")/batch_population.txt" "$T/list"
ALL=71

# compare.py ALL FILE...: the complete lines of FILEs (a last line without
# its newline is dropped, as --resume does), merged by input, equal the
# lines of ALL; every input at most once in the merge.
cat > "$T/compare.py" <<'PYEOF'
import json, sys
def lines(path):
    data = open(path, "rb").read().decode()
    parts = data.split("\n")
    return [l for l in parts[:-1]]  # the part after the last newline is cut
want = {}
for l in lines(sys.argv[1]):
    o = json.loads(l)
    assert o["input"] not in want, "duplicate in the unsharded run: " + o["input"]
    want[o["input"]] = o
got = {}
for path in sys.argv[2:]:
    seen = set()
    for l in lines(path):
        o = json.loads(l)
        assert o["input"] not in seen, "duplicate in %s: %s" % (path, o["input"])
        seen.add(o["input"])
        assert o["input"] not in got, "answered twice: " + o["input"]
        got[o["input"]] = o
bad = 0
for k in sorted(set(want) | set(got)):
    if want.get(k) != got.get(k):
        print("differs:", k, want.get(k), got.get(k)); bad += 1
print("merged", len(got), "inputs, unsharded", len(want), file=sys.stderr)
sys.exit(1 if bad or not want else 0)
PYEOF

# ---- the unsharded run (the reference the shards are compared with: run
# without the wrapper; cli_batch.sh runs the same batch under it)
# shellcheck disable=SC2086
"$CLI_REF" discover --batch "$T/list" --concurrency 8 $NET >"$T/all" 2>"$T/err"
if [ $? -eq 0 ] && [ "$(wc -l < "$T/all")" -eq $ALL ]; then ok; else
  bad "unsharded run"; cat "$T/err" >&2; fi
if grep -q '"status":"ok"' "$T/all"; then ok; else bad "no ok line in the unsharded run"; fi

# ---- 4 shards
for i in 0 1 2 3; do
  # shellcheck disable=SC2086
  "$CLI" discover --batch "$T/list" --shard $i/4 --concurrency 8 $NET >"$T/s$i" 2>"$T/e$i"
  rc=$?
  n=$(wc -l < "$T/s$i")
  if [ $rc -eq 0 ] && [ "$n" -gt 0 ] \
     && grep -q "^  shard $i/4: $((ALL - n)) inputs of other shards skipped" "$T/e$i"; then ok; else
    bad "shard $i/4: exit $rc, $n lines"; cat "$T/e$i" >&2; fi
done
if $PY "$T/compare.py" "$T/all" "$T/s0" "$T/s1" "$T/s2" "$T/s3"; then ok; else
  bad "4 shards merged differ from the unsharded run"; fi
# each input is in the shard the documented hash names
if $PY - "$T/s0" "$T/s1" "$T/s2" "$T/s3" <<'PYEOF'
import json, sys
def shard(s, n):
    s = s.encode()
    if s.endswith(b"."):
        s = s[:-1]
    h = 14695981039346656037
    for b in s.lower():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h % n
bad = 0
for i, path in enumerate(sys.argv[1:]):
    for line in open(path):
        inp = json.loads(line)["input"]
        if shard(inp, 4) != i:
            print("input", inp, "in shard", i, "hash says", shard(inp, 4)); bad += 1
# variants of one name share a shard
assert shard("WWW.Example.Test.", 4) == shard("www.example.test", 4)
sys.exit(1 if bad else 0)
PYEOF
then ok; else bad "inputs in the wrong shard"; fi
# shard 0/1 is everything
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --shard 0/1 --concurrency 8 $NET >"$T/one" 2>"$T/e"
if [ $? -eq 0 ] && $PY "$T/compare.py" "$T/all" "$T/one"; then ok; else bad "--shard 0/1"; fi

# ---- --resume from a file cut mid-line (a crash while writing)
$PY - "$T/all" "$T/cut" <<'PYEOF'
import sys
data = open(sys.argv[1], "rb").read()
# 30 complete lines, then half of the 31st
pos = 0
for _ in range(30):
    pos = data.index(b"\n", pos) + 1
end = data.index(b"\n", pos)
open(sys.argv[2], "wb").write(data[:pos + (end - pos) // 2])
PYEOF
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --resume "$T/cut" --concurrency 8 $NET >"$T/r1" 2>"$T/e"
rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l < "$T/r1")" -eq $((ALL - 30)) ] \
   && grep -q '^  resume: 30 answered inputs read (1 lines ignored), 30 inputs skipped' "$T/e"; then ok; else
  bad "--resume of a cut file: exit $rc, $(wc -l < "$T/r1") lines"; cat "$T/e" >&2; fi
if $PY "$T/compare.py" "$T/all" "$T/cut" "$T/r1"; then ok; else
  bad "cut file + resumed run differ from the unsharded run"; fi

# a last line whole but without its newline is not complete either (a
# crash between the two writes): its input is discovered again
head -31 "$T/all" | head -c -1 > "$T/cut2"
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --resume "$T/cut2" --concurrency 8 $NET >"$T/r0" 2>"$T/e"
if [ $? -eq 0 ] && [ "$(wc -l < "$T/r0")" -eq $((ALL - 30)) ] \
   && grep -q '^  resume: 30 answered inputs read (1 lines ignored)' "$T/e" \
   && $PY "$T/compare.py" "$T/all" "$T/cut2" "$T/r0"; then ok; else
  bad "--resume of a file without its last newline"; cat "$T/e" >&2; fi

# ---- --resume after a run killed midway: the list comes through a FIFO;
# after 50 domains the writer waits until the CLI's output reached the file
# (stdio flushes in blocks, so the last line is usually cut), then SIGKILL
mkfifo "$T/fifo"
# shellcheck disable=SC2086
"$CLI" discover --batch - --concurrency 4 $NET <"$T/fifo" >"$T/killed" 2>"$T/ek" &
pid=$!
exec 3>"$T/fifo"
grep -v '^#' "$T/list" | head -50 >&3
k=0
while [ ! -s "$T/killed" ] && [ $k -lt 300 ] && kill -0 $pid 2>/dev/null; do
  sleep 0.1; k=$((k + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
exec 3>&-
done_lines=$(wc -l < "$T/killed")
if [ -s "$T/killed" ] && [ "$done_lines" -lt $ALL ]; then ok; else
  bad "the killed run wrote nothing or everything ($done_lines lines)"; cat "$T/ek" >&2; fi
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --resume "$T/killed" --concurrency 8 $NET >"$T/r2" 2>"$T/e"
rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l < "$T/r2")" -eq $((ALL - done_lines)) ]; then ok; else
  bad "--resume after kill: exit $rc, $(wc -l < "$T/r2") lines after $done_lines"; cat "$T/e" >&2; fi
if $PY "$T/compare.py" "$T/all" "$T/killed" "$T/r2"; then ok; else
  bad "killed run + resumed run differ from the unsharded run"; fi
# resuming a finished run does nothing; shard and resume together
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --resume "$T/all" $NET >"$T/r3" 2>"$T/e"
if [ $? -eq 0 ] && [ ! -s "$T/r3" ] && grep -q "^  resume: $ALL answered inputs read (0 lines ignored), $ALL inputs skipped" "$T/e"; then ok; else
  bad "--resume of a complete run"; cat "$T/e" >&2; fi
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --shard 2/4 --resume "$T/cut" $NET >"$T/r4" 2>"$T/e"
if [ $? -eq 0 ] && $PY - "$T/s2" "$T/cut" "$T/r4" <<'PYEOF'
import json, sys
s2 = [json.loads(l) for l in open(sys.argv[1])]
done = {json.loads(l)["input"] for l in open(sys.argv[2], "rb").read().decode().split("\n")[:-1]}
r4 = sorted((json.loads(l) for l in open(sys.argv[3])), key=lambda o: o["input"])
want = sorted((o for o in s2 if o["input"] not in done), key=lambda o: o["input"])
sys.exit(0 if r4 == want and r4 else 1)
PYEOF
then ok; else bad "--shard 2/4 --resume: not shard 2 minus the answered inputs"; fi
# a resume file that is no output at all: every line ignored, all redone
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --resume "$T/list" --concurrency 8 $NET >"$T/r5" 2>"$T/e"
if [ $? -eq 0 ] && [ "$(wc -l < "$T/r5")" -eq $ALL ] && grep -q '^  resume: 0 answered inputs read' "$T/e"; then ok; else
  bad "--resume of a non-output file"; cat "$T/e" >&2; fi

# ---- usage errors and failures
for s in "" 4 4/4 5/4 -1/4 1/0 a/4 1/4x 1//4 " 1/4" "1/ 4" +1/4 0/65537 0/9999999 /4 0/; do
  # shellcheck disable=SC2086
  "$CLI" discover --batch "$T/list" --shard "$s" $NET >"$T/o" 2>"$T/e"
  rc=$?
  if [ $rc -eq 2 ] && [ ! -s "$T/o" ] && grep -q -- '--shard takes I/N' "$T/e"; then ok; else
    bad "--shard '$s': exit $rc, expected 2"; fi
done
for o in "--shard 0/2" "--resume $T/all" "--progress"; do
  # shellcheck disable=SC2086
  "$CLI" discover $o $NET example.test >"$T/o" 2>"$T/e"
  rc=$?
  if [ $rc -eq 2 ] && [ ! -s "$T/o" ]; then ok; else bad "$o without --batch: exit $rc"; fi
done
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --resume "$T/no-such-file" $NET >"$T/o" 2>"$T/e"
rc=$?
if [ $rc -eq 1 ] && [ ! -s "$T/o" ] && grep -q 'no-such-file: missing' "$T/e"; then ok; else
  bad "missing --resume file: exit $rc"; cat "$T/e" >&2; fi

# ---- --progress into a file: the bar with rate and ETA, then 100%
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --progress --concurrency 8 $NET >"$T/o" 2>"$T/e"
if [ $? -eq 0 ] && grep -q "^\[##############################\] 100% $ALL/$ALL, [0-9]* ok, [0-9]*/s, ETA 0s" "$T/e"; then ok; else
  bad "--progress: no final bar"; cat "$T/e" >&2; fi
# without --progress (stderr not a terminal): only the summary
if ! grep -q 'ETA' "$T/err"; then ok; else bad "progress without --progress"; fi

# ---- the twin: without the TEST-ONLY allowance the guard refuses the
# loopback providers, so no input of the same batch is ok
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --shard 0/1 --concurrency 8 $BASE >"$T/o" 2>"$T/e"
if [ $? -eq 0 ] && [ "$(wc -l < "$T/o")" -eq $ALL ] && ! grep -q '"status":"ok"' "$T/o" \
   && grep -q '"input":"example.test","status":"blocked"' "$T/o"; then ok; else
  bad "without --test-allow-address: not refused"; head -3 "$T/o" >&2; fi

finish cli_shard
