#!/bin/sh
# `domainconnect discover --batch` against the integration servers (run by
# harness.py like cli_net.sh, see cli_batch.harness): every output line
# equals what `discover DOMAIN` gives for the same domain (settings fields,
# or the status name and detail of the failure), the summary is printed,
# and the exit codes.
# Usage: cli_batch.sh CLI DATA_DIR
set -u
# shared helpers (PY, ok, bad, expect_*, json_eval, wrapped, finish, ...)
. "$(dirname "$0")/../support/lib.sh"
cli_suite "$1"
harness_net

cp "$(dirname "$0")/batch_population.txt" "$T/list"

# shellcheck disable=SC2086
"$CLI" discover --batch "$T/list" --concurrency 8 $NET >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ]; then ok; else bad "discover --batch exit $rc"; cat "$T/err" >&2; fi
if grep -q '^discover --batch: 71 domains in' "$T/err" && grep -q 'by outcome: ok=' "$T/err" \
   && grep -q 'by provider: .*batch-a.provider.test=' "$T/err"; then ok; else
  bad "summary missing"; cat "$T/err" >&2; fi
# the same list from stdin, default concurrency, with the cache
# shellcheck disable=SC2086
"$CLI" discover --batch - --cache-ttl 60 $NET <"$T/list" >"$T/out2" 2>"$T/err2"
if [ $? -eq 0 ] && [ "$(wc -l < "$T/out2")" -eq 71 ]; then ok; else bad "--batch -"; cat "$T/err2" >&2; fi
# one line per domain, compared with `discover DOMAIN` (the reference: run
# without the wrapper; single discoveries are tested under it by cli_net.sh
# and test_discovery)
grep -v '^#' "$T/list" | sed 's/^ *//; s/ *$//' | grep -v '^$' > "$T/domains"
: > "$T/single"
while IFS= read -r d; do
  # shellcheck disable=SC2086
  "$CLI_REF" discover $NET "$d" >"$T/o1" 2>"$T/e1"
  r=$?
  $PY - "$d" "$r" "$T/o1" "$T/e1" >> "$T/single" <<'PYEOF'
import json, sys
d, r, o, e = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read(), open(sys.argv[4]).read()
print(json.dumps({"input": d, "rc": r, "out": o.strip(), "err": e.strip()}))
PYEOF
done < "$T/domains"
if $PY - "$T/out" "$T/single" <<'PYEOF'
import json, sys
batch = {}
for line in open(sys.argv[1]):
    obj = json.loads(line)
    assert obj["input"] not in batch, "duplicate " + obj["input"]
    batch[obj["input"]] = obj
bad = 0
n = 0
for line in open(sys.argv[2]):
    s = json.loads(line)
    n += 1
    b = batch.pop(s["input"], None)
    if b is None:
        print("no batch line for", s["input"]); bad += 1; continue
    if s["rc"] == 0:
        one = json.loads(s["out"])
        rest = {k: v for k, v in b.items() if k not in ("input", "status")}
        if b["status"] != "ok" or rest != one or list(rest) != list(one):
            print("differs:", s["input"], b, one); bad += 1
    else:
        err = s["err"]
        if b["status"] == "ok" or not err.startswith(b["status"] + ":") or b["error"] not in err:
            print("differs:", s["input"], b, err); bad += 1
if batch:
    print("extra batch lines:", list(batch)); bad += 1
print("compared", n, "domains", file=sys.stderr)
sys.exit(1 if bad or n != 71 else 0)
PYEOF
then ok; else bad "batch lines differ from discover"; fi
# usage and failures
"$CLI" discover --batch "$T/list" example.test >/dev/null 2>&1
if [ $? -eq 2 ]; then ok; else bad "--batch with a DOMAIN: not a usage error"; fi
"$CLI" discover --batch "$T/list" --concurrency 0 >/dev/null 2>&1
if [ $? -eq 2 ]; then ok; else bad "--concurrency 0: not a usage error"; fi
"$CLI" discover --concurrency 4 example.test >/dev/null 2>&1
if [ $? -eq 2 ]; then ok; else bad "--concurrency without --batch: not a usage error"; fi
"$CLI" discover --batch "$T/no-such-file" >/dev/null 2>&1
if [ $? -eq 1 ]; then ok; else bad "missing file: exit not 1"; fi
: > "$T/empty"
# shellcheck disable=SC2086
"$CLI" discover --batch "$T/empty" $NET >"$T/o" 2>"$T/e"
if [ $? -eq 0 ] && [ ! -s "$T/o" ] && grep -q '0 domains' "$T/e"; then ok; else bad "empty list"; fi

finish cli_batch
