#!/bin/sh
# DNSSEC-validated discovery (docs/security.md §8) through the CLI, offline:
# harness.py starts the HTTPS test provider on 127.0.0.2 (cli_dnssec.harness,
# settings from dnssec_config.json) and the silent DNS server; then this
# script re-runs itself under tests/integration/dnssec/lab.py, which builds a
# private signed tree with fresh keys (secure, insecure and five kinds of
# bogus zone) and a DNSSEC-stripping server.
# Usage: cli_dnssec.sh CLI DATA_DIR
set -u
if [ -z "${DC_LAB_DNS:-}" ]; then
  exec /usr/bin/python3 "$(dirname "$0")/dnssec/lab.py" -- sh "$0" "$@"
fi
. "$(dirname "$0")/../support/lib.sh"
cli_suite "$1"
: "${DC_TEST_CA:?run under harness.py}" "${DC_TEST_SILENT_DNS:?}" "${DC_LAB_ANCHOR:?}"
NET="--dns-server $DC_LAB_DNS --ca-file $DC_TEST_CA --test-allow-address 127.0.0.2"
TA="--trust-anchor $DC_LAB_ANCHOR"
BOGUS="wrongds nosig expired tampered stripped"

# --- the options
expect_exit 2 "--dnssec bad value" -- "$CLI" discover --dnssec maybe good.example
expect_err_has "--dnssec bad value says why" "off, report, validate or require"
if "$CLI" discover --help | grep -q -- "--trust-anchor FILE"; then ok; else bad "help lists --trust-anchor"; fi

# --- off (the default): c-ares, output unchanged (no "dnssec" member)
expect_exit 0 "off: good" -- "$CLI" discover $NET good.example
expect_out_json "off: no dnssec member" '"dnssec" in d' False
expect_exit 0 "off explicit: bogus zone used" -- "$CLI" discover --dnssec off $NET tampered.example
expect_out_json "off: tampered TXT followed" 'd["urlAPI"]' https://api.dnssec.example

# --- validate
expect_exit 0 "validate: good" -- "$CLI" discover --dnssec validate $TA $NET good.example
expect_out_json "validate: good state" 'd["dnssec"]["state"]' secure
expect_out_json "validate: good txt" 'd["dnssec"]["txt"]' secure
expect_out_json "validate: good host" 'd["dnssec"]["host"]' secure
expect_out_json "validate: good no why" '"why" in d["dnssec"]' False
expect_exit 0 "validate: unsigned" -- "$CLI" discover --dnssec validate $TA $NET unsigned.example
expect_out_json "validate: unsigned state" 'd["dnssec"]["state"]' insecure
expect_out_json "validate: unsigned txt" 'd["dnssec"]["txt"]' insecure
expect_out_json "validate: unsigned host" 'd["dnssec"]["host"]' secure
for z in $BOGUS; do
  expect_exit 1 "validate: $z" -- "$CLI" discover --dnssec validate $TA $NET $z.example
  expect_err_starts "validate: $z status" dnssec_bogus
  expect_err_has "validate: $z names the TXT" "the TXT answer for _domainconnect.$z.example is bogus"
  expect_out "validate: $z prints nothing" ""
done
expect_err_has "validate: stripped why" "no signatures"
expect_exit 1 "validate: expired" -- "$CLI" discover --dnssec validate $TA $NET expired.example
expect_err_has "validate: expired why" "signature expired"
expect_exit 1 "validate: wrongds" -- "$CLI" discover --dnssec validate $TA $NET wrongds.example
expect_err_has "validate: wrongds why" "DS hash mismatches key"

# --- require
expect_exit 0 "require: good" -- "$CLI" discover --dnssec require $TA $NET good.example
expect_out_json "require: good state" 'd["dnssec"]["state"]' secure
expect_exit 1 "require: unsigned" -- "$CLI" discover --dnssec require $TA $NET unsigned.example
expect_err_starts "require: unsigned status" dnssec_insecure
expect_err_has "require: unsigned detail" "_domainconnect.unsigned.example is insecure"
for z in $BOGUS; do
  expect_exit 1 "require: $z" -- "$CLI" discover --dnssec require $TA $NET $z.example
  expect_err_starts "require: $z status" dnssec_bogus
done

# --- report: the outcome never changes, the state is attached
expect_exit 0 "report: good" -- "$CLI" discover --dnssec report $TA $NET good.example
expect_out_json "report: good state" 'd["dnssec"]["state"]' secure
expect_exit 0 "report: unsigned" -- "$CLI" discover --dnssec report $TA $NET unsigned.example
expect_out_json "report: unsigned state" 'd["dnssec"]["state"]' insecure
for z in $BOGUS; do
  expect_exit 0 "report: $z" -- "$CLI" discover --dnssec report $TA $NET $z.example
  expect_out_json "report: $z state" 'd["dnssec"]["state"]' bogus
  expect_out_json "report: $z txt" 'd["dnssec"]["txt"]' bogus
  expect_out_json "report: $z host" 'd["dnssec"]["host"]' secure
  expect_out_json "report: $z why" 'len(d["dnssec"]["why"]) > 10' True
  expect_out_json "report: $z domain" 'd["domain"]' $z.example
done

# --- sync URL building discovers through the same validation
IDS="--provider-id exampleservice.domainconnect.org --service-id template1"
expect_exit 0 "sync-url validate: good" -- "$CLI" sync-url --domain www.good.example $IDS \
  --dnssec validate $TA $NET
expect_out "sync-url validate: good" \
  "https://api.dnssec.example/sync/v2/domainTemplates/providers/exampleservice.domainconnect.org/services/template1/apply?domain=good.example&host=www"
expect_exit 1 "sync-url validate: tampered" -- "$CLI" sync-url --domain tampered.example $IDS \
  --dnssec validate $TA $NET
expect_err_starts "sync-url validate: tampered status" dnssec_bogus
expect_exit 1 "sync-url require: unsigned" -- "$CLI" sync-url --domain unsigned.example $IDS \
  --dnssec require $TA $NET
expect_err_starts "sync-url require: unsigned status" dnssec_insecure

# --- the SOA walk is validated too
expect_exit 0 "validate --soa: sub.good" -- "$CLI" discover --soa --dnssec validate $TA $NET sub.good.example
expect_out_json "validate --soa: zone" 'd["domain"]' good.example
expect_out_json "validate --soa: host" 'd["host"]' sub
expect_out_json "validate --soa: state" 'd["dnssec"]["state"]' secure

# --- the guard still decides: without the test allowance the secure path is refused
expect_exit 1 "validate: guard twin" -- "$CLI" discover --dnssec validate $TA \
  --dns-server $DC_LAB_DNS --ca-file $DC_TEST_CA good.example
expect_err_starts "validate: guard twin status" blocked

# --- a DNSSEC-stripping upstream fails closed, and says so
expect_exit 1 "strip: validate" -- "$CLI" discover --dnssec validate $TA \
  --dns-server $DC_LAB_STRIP_DNS --ca-file $DC_TEST_CA --test-allow-address 127.0.0.2 good.example
expect_err_starts "strip: status" dnssec_bogus
expect_err_has "strip: hint" "do these servers support DNSSEC?"
expect_exit 0 "strip: report still works" -- "$CLI" discover --dnssec report $TA \
  --dns-server $DC_LAB_STRIP_DNS --ca-file $DC_TEST_CA --test-allow-address 127.0.0.2 good.example
expect_out_json "strip: report state" 'd["dnssec"]["state"]' bogus

# --- anchors: the system's root key (default) does not cover the private root
expect_exit 1 "default anchor: private tree is bogus" -- "$CLI" discover --dnssec validate $NET good.example
expect_err_starts "default anchor: status" dnssec_bogus
expect_err_has "default anchor: at the trust anchor" "for trust anchor"
expect_exit 1 "anchor file missing" -- "$CLI" discover --dnssec validate \
  --trust-anchor "$T/no-such-anchor" $NET good.example
expect_err_starts "anchor file missing: status" io
printf '; a comment\n. IN DS 1 13 2 zz\n' > "$T/bad.anchor"
expect_exit 2 "anchor file malformed" -- "$CLI" discover --dnssec validate \
  --trust-anchor "$T/bad.anchor" $NET good.example
expect_err_has "anchor file malformed: line" "line 2: DS digest is not hexadecimal"
printf '; only comments\n\n' > "$T/empty.anchor"
expect_exit 2 "anchor file without anchors" -- "$CLI" discover --dnssec validate \
  --trust-anchor "$T/empty.anchor" $NET good.example
expect_err_has "anchor file without anchors: why" "no DS or DNSKEY record"
# an anchor at example. only: names outside it are indeterminate, not insecure
grep -v '^;' "$DC_LAB_ANCHOR" > "$T/root.anchor"
expect_exit 0 "two anchor files" -- "$CLI" discover --dnssec validate $TA \
  --trust-anchor "$T/root.anchor" $NET good.example
expect_out_json "two anchor files: secure" 'd["dnssec"]["state"]' secure

# RFC 5011 state file: validated with, then rewritten by libunbound
cp "$DC_LAB_ANCHOR" "$T/root.autr"
expect_exit 0 "rfc5011 state file" -- "$CLI" discover --dnssec require \
  --trust-anchor-rfc5011 "$T/root.autr" $NET good.example
expect_out_json "rfc5011 state file: secure" 'd["dnssec"]["state"]' secure
if grep -q ';;id: \. 1' "$T/root.autr"; then ok; else bad "rfc5011 file not maintained: $(cat "$T/root.autr")"; fi
expect_exit 1 "rfc5011 state file missing" -- "$CLI" discover --dnssec require \
  --trust-anchor-rfc5011 "$T/none.autr" $NET good.example
expect_err_starts "rfc5011 state file missing: status" io

# --- a silent DNS server: the documented DNS timeout (3000 ms), not libunbound's
base=$(startup_ms)
start=$(now_ms)
expect_exit 1 "silent server" -- "$CLI" discover --dnssec validate $TA \
  --dns-server "$DC_TEST_SILENT_DNS" good.example
end=$(now_ms)
expect_err_starts "silent server: status" dns_timeout
expect_err_has "silent server: detail" "no answer within 3000 ms"
ms=$((end - start))
if [ "$ms" -ge 2900 ] && [ $((ms - base)) -lt 6000 ]; then ok; else
  bad "silent server took $ms ms, start-up $base ms"; fi
base=$(startup_ms)
start=$(now_ms)
expect_exit 1 "silent server, --deadline-ms 1000" -- "$CLI" discover --dnssec validate $TA \
  --dns-server "$DC_TEST_SILENT_DNS" --deadline-ms 1000 good.example
end=$(now_ms)
expect_err_starts "silent server deadline: status" timeout
ms=$((end - start))
if [ "$ms" -ge 900 ] && [ $((ms - base)) -lt 2800 ]; then ok; else
  bad "deadline run took $ms ms, start-up $base ms"; fi

# --- discover --batch: the same verdicts on one event loop
printf 'good.example\nunsigned.example\n' > "$T/in"
for z in $BOGUS; do echo "$z.example" >> "$T/in"; done
for pol in validate require report; do
  expect_exit 0 "batch $pol" -- "$CLI" discover --batch "$T/in" --dnssec $pol $TA $NET
  cp "$T/out" "$T/batch-$pol"
  cp "$T/err" "$T/batch-$pol.err"
done
bl() { # bl POLICY INPUT EXPR: EXPR on that input's line
  $PY -c 'import json,sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["input"] == sys.argv[2]: print(eval(sys.argv[3]))' "$T/batch-$1" "$2" "$3"
}
expect_bl() { # expect_bl POLICY INPUT EXPR WANT
  got=$(bl "$1" "$2" "$3")
  if [ "$got" = "$4" ]; then ok; else bad "batch $1 $2 $3: got '$got', expected '$4'"; fi
}
expect_bl validate good.example 'd["status"]+" "+d["dnssec"]["state"]' "ok secure"
expect_bl validate unsigned.example 'd["status"]+" "+d["dnssec"]["state"]' "ok insecure"
expect_bl require good.example 'd["status"]+" "+d["dnssec"]["state"]' "ok secure"
expect_bl require unsigned.example 'd["status"]+" "+d["dnssec"]["state"]' "dnssec_insecure insecure"
expect_bl report good.example 'd["status"]+" "+d["dnssec"]["state"]' "ok secure"
expect_bl report unsigned.example 'd["status"]+" "+d["dnssec"]["state"]' "ok insecure"
for z in $BOGUS; do
  expect_bl validate $z.example 'd["status"]+" "+d["dnssec"]["state"]' "dnssec_bogus bogus"
  expect_bl require $z.example 'd["status"]+" "+d["dnssec"]["state"]' "dnssec_bogus bogus"
  expect_bl report $z.example 'd["status"]+" "+d["dnssec"]["state"]' "ok bogus"
done
if grep -q "by DNSSEC state: secure=1 insecure=1 bogus=5" "$T/batch-validate.err"; then ok
else bad "batch summary counts states: $(cat "$T/batch-validate.err")"; fi
if grep -q "by outcome: ok=2 dnssec_bogus=5" "$T/batch-validate.err"; then ok
else bad "batch summary outcomes: $(cat "$T/batch-validate.err")"; fi
expect_exit 0 "batch off" -- "$CLI" discover --batch "$T/in" $NET
if grep -q '"dnssec"' "$T/out" || grep -q "DNSSEC" "$T/err"; then bad "batch off mentions DNSSEC"; else ok; fi
printf 'good.example\n' > "$T/in1"
base=$(startup_ms)
start=$(now_ms)
expect_exit 0 "batch silent server" -- "$CLI" discover --batch "$T/in1" --dnssec validate $TA \
  --dns-server "$DC_TEST_SILENT_DNS"
end=$(now_ms)
expect_out_json "batch silent: status" 'd["status"]' dns_timeout
ms=$((end - start))
if [ "$ms" -ge 2900 ] && [ $((ms - base)) -lt 6000 ]; then ok; else
  bad "batch silent server took $ms ms, start-up $base ms"; fi

finish
