#!/bin/sh
# `domainconnect verify` against the harness's Knot server (zone
# tests/integration/zones/verify.test.zone, template
# tests/data/templates/verify.json): exit 0 and the records checked when all
# are present, exit 1 with a not_verified: line naming the first missing
# record, DNS failures with their own status, usage errors exit 2.
# Usage: cli_verify.sh CLI DATA_DIR
set -u
CLI=$1
DATA=$2
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if [ -n "${DC_CLI_WRAPPER:-}" ]; then
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$DC_CLI_WRAPPER" "$CLI" > "$T/cli-wrapped"
  chmod +x "$T/cli-wrapped"
  CLI=$T/cli-wrapped
fi
: "${DC_TEST_DNS:?run under harness.py}" "${DC_TEST_SILENT_DNS:?}"
TPL=$DATA/templates/verify.json
P="--param ip=8.8.8.8 --param target=verify-svc.test --param token=abc123"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# run WANT_EXIT DESC ARGS...: the CLI's verify command with ARGS
run() {
  want=$1; desc=$2; shift 2
  "$CLI" verify "$@" >"$T/out" 2>"$T/err"
  got=$?
  if [ "$got" -eq "$want" ]; then ok; else
    bad "$desc: exit $got, expected $want"; cat "$T/out" "$T/err" >&2; fi
}
err_starts() {
  if head -n 1 "$T/err" | grep -q "^$2:"; then ok; else
    bad "$1: stderr does not start with '$2:': $(cat "$T/err")"; fi
}
err_has() {
  if grep -q -- "$2" "$T/err"; then ok; else bad "$1: stderr lacks '$2': $(cat "$T/err")"; fi
}
json() {
  got=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/out" "$2" 2>/dev/null)
  if [ "$got" = "$3" ]; then ok; else bad "$1: $2 = '$got', expected '$3'"; fi
}

# every type of group "main" present (zone split with the PSL: apex)
run 0 "main" --template "$TPL" --domain verify.test --group-id main $P --dns-server "$DC_TEST_DNS"
json "main" 'd["result"]' verified
json "main" 'len(d["records"])' 9
json "main" 'sorted(set(r["type"] for r in d["records"]))' "['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'SRV', 'TXT']"
json "main" 'd["note"]' None
# a host: from --host, or split from the domain
run 0 "host" --template "$TPL" --domain verify.test --host h1 --group-id hosted --dns-server "$DC_TEST_DNS"
run 0 "host split" --template "$TPL" --domain h1.verify.test --group-id hosted --dns-server "$DC_TEST_DNS"
json "host split" 'd["records"][0]["name"]' h1
# a redirect: its backing record checked, the redirect itself named in the note
run 0 "redir" --template "$TPL" --domain verify.test --group-id redir $P \
  --redirect-record A=8.8.8.8 --dns-server "$DC_TEST_DNS"
json "redir" '"REDIR301 go" in d["note"]' True
# not verified: exit 1, the first missing record named
run 1 "wrong MX" --template "$TPL" --domain verify.test --group-id wrongmx $P --dns-server "$DC_TEST_DNS"
err_starts "wrong MX" not_verified
err_has "wrong MX" 'MX @ (verify.test) 30 "mx1.verify-svc.test"'
err_has "wrong MX" 'DNS has'
run 1 "missing TXT" --template "$TPL" --domain verify.test --group-id missingtxt $P \
  --attempts 2 --interval-ms 50 --dns-server "$DC_TEST_DNS"
err_starts "missing TXT" not_verified
err_has "missing TXT" '_missing.verify.test'
err_has "missing TXT" 'after 2 attempts'
if [ -s "$T/out" ]; then bad "missing TXT: stdout not empty"; else ok; fi
# DNS failures keep their status
run 1 "servfail" --template "$TPL" --domain servfail.test --group-id hosted --dns-server "$DC_TEST_DNS"
err_starts "servfail" dns
run 1 "timeout" --template "$TPL" --domain verify.test --host h1 --group-id hosted \
  --dns-server "$DC_TEST_SILENT_DNS"
err_starts "timeout" dns_timeout
# the template's own errors
run 1 "missing variable" --template "$TPL" --domain verify.test --group-id main --dns-server "$DC_TEST_DNS"
err_starts "missing variable" missing_variable
run 1 "unreadable template" --template "$T/none.json" --domain verify.test --dns-server "$DC_TEST_DNS"
# usage
run 2 "no template" --domain verify.test
run 2 "no domain" --template "$TPL"
run 2 "attempts 0" --template "$TPL" --domain verify.test --attempts 0
run 2 "attempts text" --template "$TPL" --domain verify.test --attempts x
run 2 "interval" --template "$TPL" --domain verify.test --interval-ms -5
run 2 "param" --template "$TPL" --domain verify.test --param novalue
run 2 "extra" --template "$TPL" --domain verify.test extra
run 0 "help" --help
if grep -q -- "--attempts" "$T/out"; then ok; else bad "help lacks --attempts"; fi

echo "cli_verify: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
