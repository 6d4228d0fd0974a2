#!/bin/sh
# `domainconnect verify` against the harness's Knot server (zone
# tests/integration/zones/verify.test.zone, template
# tests/data/templates/verify.json): exit 0 and the records checked when all
# are present, exit 1 with a not_verified: line naming the first missing
# record, DNS failures with their own status, usage errors exit 2.
# Usage: cli_verify.sh CLI DATA_DIR
set -u
# shared helpers (PY, ok, bad, expect_*, json_eval, cli_suite, finish, ...)
. "$(dirname "$0")/../support/lib.sh"
cli_suite "$1"
DATA=$2
: "${DC_TEST_DNS:?run under harness.py}" "${DC_TEST_SILENT_DNS:?}"
TPL=$DATA/templates/verify.json
P="--param ip=8.8.8.8 --param target=verify-svc.test --param token=abc123"

# run WANT_EXIT DESC ARGS...: the CLI's verify command with ARGS
run() {
  want=$1; desc=$2; shift 2
  expect_exit "$want" "$desc" -- "$CLI" verify "$@"
}

# every type of group "main" present (zone split with the PSL: apex)
run 0 "main" --template "$TPL" --domain verify.test --group-id main $P --dns-server "$DC_TEST_DNS"
expect_out_json "main" 'd["result"]' verified
expect_out_json "main" 'len(d["records"])' 9
expect_out_json "main" 'sorted(set(r["type"] for r in d["records"]))' "['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'SRV', 'TXT']"
expect_out_json "main" 'd["note"]' None
# a host: from --host, or split from the domain
run 0 "host" --template "$TPL" --domain verify.test --host h1 --group-id hosted --dns-server "$DC_TEST_DNS"
run 0 "host split" --template "$TPL" --domain h1.verify.test --group-id hosted --dns-server "$DC_TEST_DNS"
expect_out_json "host split" 'd["records"][0]["name"]' h1
# a redirect: its backing record checked, the redirect itself named in the note
run 0 "redir" --template "$TPL" --domain verify.test --group-id redir $P \
  --redirect-record A=8.8.8.8 --dns-server "$DC_TEST_DNS"
expect_out_json "redir" '"REDIR301 go" in d["note"]' True
# not verified: exit 1, the first missing record named
run 1 "wrong MX" --template "$TPL" --domain verify.test --group-id wrongmx $P --dns-server "$DC_TEST_DNS"
expect_err_starts "wrong MX" not_verified
expect_err_has "wrong MX" 'MX @ (verify.test) 30 "mx1.verify-svc.test"'
expect_err_has "wrong MX" 'DNS has'
run 1 "missing TXT" --template "$TPL" --domain verify.test --group-id missingtxt $P \
  --attempts 2 --interval-ms 50 --dns-server "$DC_TEST_DNS"
expect_err_starts "missing TXT" not_verified
expect_err_has "missing TXT" '_missing.verify.test'
expect_err_has "missing TXT" 'after 2 attempts'
if [ -s "$T/out" ]; then bad "missing TXT: stdout not empty"; else ok; fi
# DNS failures keep their status
run 1 "servfail" --template "$TPL" --domain servfail.test --group-id hosted --dns-server "$DC_TEST_DNS"
expect_err_starts "servfail" dns
run 1 "timeout" --template "$TPL" --domain verify.test --host h1 --group-id hosted \
  --dns-server "$DC_TEST_SILENT_DNS"
expect_err_starts "timeout" dns_timeout
# the template's own errors
run 1 "missing variable" --template "$TPL" --domain verify.test --group-id main --dns-server "$DC_TEST_DNS"
expect_err_starts "missing variable" missing_variable
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

finish cli_verify
