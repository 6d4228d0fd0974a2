#!/bin/sh
# `domainconnect template lint|apply` (the DNS Provider template engine).
# Usage: test_template_cli.sh CLI DATA_DIR
set -u
# shared helpers (PY, ok, bad, expect_*, json_eval, wrapped, finish, ...)
. "$(dirname "$0")/../support/lib.sh"
CLI=$1
DATA=$2
TPL=$DATA/../conformance/templates
scratch_dir
# DC_CLI_WRAPPER (e.g. valgrind) runs every CLI invocation under that command.
CLI=$(wrapped "$CLI" "${DC_CLI_WRAPPER:-}" cli-wrapped)
expect_out_has() {
  if grep -q -- "$2" "$T/out"; then ok; else bad "$1: stdout lacks '$2': $(cat "$T/out")"; fi
}
# py EXPR: evaluates EXPR with j = the JSON on stdout.
py() { $PY -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$T/out"; }

# --- usage
expect_exit 0 "help" -- "$CLI" template --help
expect_out_has "help text" "usage: domainconnect template lint"
expect_exit 2 "no subcommand" -- "$CLI" template
expect_exit 2 "unknown subcommand" -- "$CLI" template frob
expect_exit 2 "lint without files" -- "$CLI" template lint
expect_exit 2 "apply without template" -- "$CLI" template apply --zone x --domain example.com
expect_exit 2 "apply bad option" -- "$CLI" template apply --no-such-option
expect_exit 2 "apply bad param" -- "$CLI" template apply --param novalue
expect_exit 2 "apply bad redirect record" -- "$CLI" template apply --redirect-record A:x
expect_exit 2 "apply bad group id" -- "$CLI" template apply --group-id "a b"
expect_exit 2 "signature options go together" -- "$CLI" template apply --template a --zone b --domain c --signed-query q

# --- lint
expect_exit 0 "lint conformance templates" -- "$CLI" template lint "$TPL"/*.json
if [ "$(grep -c ': ok$' "$T/out")" -eq 5 ]; then ok; else bad "lint ok lines: $(cat "$T/out")"; fi
printf '{"providerId":"p","providerName":"P","serviceId":"s","serviceName":"S","records":[{"type":"A","host":"@","pointsTo":"192.0.2.1","ttl":1,"data":"x"}]}' > "$T/bad1.json"
printf '{"providerId":"p","providerName":"P","serviceId":"s","serviceName":"S","records":[{"type":"!x","host":"@"}]}' > "$T/bad2.json"
printf '{' > "$T/bad3.json"
expect_exit 1 "lint failures" -- "$CLI" template lint "$TPL/exampleservice.domainconnect.org.template1.json" "$T/bad1.json" "$T/bad2.json" "$T/bad3.json" "$T/missing.json"
expect_out_has "lint ok line" "template1.json: ok"
expect_out_has "lint field error" "bad1.json: template: records\[0\].data: not allowed for type A"
expect_out_has "lint type error" "bad2.json: record_type: records\[0\].type"
expect_out_has "lint json error" "bad3.json: json: "
expect_out_has "lint io error" "missing.json: io: "

# --- apply
printf '[{"type":"A","name":"@","ttl":300,"data":"192.0.2.9"},{"type":"TXT","name":"@","ttl":300,"data":"shm:old"},{"type":"TXT","name":"@","ttl":300,"data":"keep"}]' > "$T/zone.json"
expect_exit 1 "apply conflict" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template1.json" \
  --zone "$T/zone.json" --domain example.com --param IP=192.0.2.1 --param RANDOMTEXT=shm:new
expect_out "conflict body" '{"conflicts":[{"type":"A","host":"@","data":"192.0.2.9"},{"type":"TXT","host":"@","data":"shm:old"}]}'
expect_err_has "conflict message" "conflict: 2 conflicting records"
expect_exit 0 "apply forced" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template1.json" \
  --zone "$T/zone.json" --domain example.com --param IP=192.0.2.1 --param RANDOMTEXT=shm:new --force
if [ "$(py 'len(j["new"]), len(j["deleted"]), len(j["final"])')" = "2 2 3" ]; then ok; else bad "forced counts: $(cat "$T/out")"; fi
if [ "$(wc -l < "$T/out")" -eq 1 ]; then ok; else bad "apply output is not one line"; fi
expect_exit 0 "apply zone from stdin" -- sh -c "\"$CLI\" template apply --template \"$TPL/exampleservice.domainconnect.org.template1.json\" --zone - --domain example.com --param IP=192.0.2.1 --param RANDOMTEXT=x --host www < \"$T/zone.json\""
if [ "$(py 'sorted(r["name"] for r in j["new"])')" = "['www', 'www']" ]; then ok; else bad "host rendering: $(cat "$T/out")"; fi
expect_exit 1 "missing variable" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template1.json" \
  --zone "$T/zone.json" --domain example.com --param IP=192.0.2.1
expect_err_has "missing variable status" "missing_variable: "
expect_err_has "missing variable names it" "%RANDOMTEXT%"
expect_exit 1 "host required" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.templatehostrequired.json" \
  --zone "$T/zone.json" --domain example.com
expect_err_has "host required status" "host_required: "
expect_exit 1 "signature required" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template2.json" \
  --zone "$T/zone.json" --domain example.com --host bar --param IP=192.0.2.1 --param RANDOMTEXT=x
expect_err_has "signature status" "sig_missing: "
expect_exit 0 "signature ignored" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template2.json" \
  --zone "$T/zone.json" --domain example.com --host bar --param IP=192.0.2.1 --param RANDOMTEXT=x --ignore-signature
# the published example key, split into TXT records
$PY - "$DATA/vectors/dck1_exampleservice_pub.pem" > "$T/keys.txt" <<'PYEOF'
import sys
body = "".join(l.strip() for l in open(sys.argv[1]) if not l.startswith("-----"))
for i in range(0, len(body), 200):
    print("p=%d,a=RS256,d=%s" % (i // 200 + 1, body[i:i + 200]))
PYEOF
SIG='LyCE%2B7H0zr%2FXHaxX36pdD1eSQENRiGTFxm79m7A5NLDPiUKLe71IrsEgnDLN76ndQcLTZlr4%2BHhpWzKZKyFl9ieEpNzZlDHRp35H83Erhm0eDctUmI1Zct51alZ8RuTL%2Baa29WC%2BAM7%2BgSpnL%2FAHl9mxckyeEuFFqXcl%2F3ShwK2F9x%2F7r%2BcICefiUEzsZN3EuqOvwqQkBSqcdVy%2FohjNAG%2FInYAYSX%2B0fUK9UNQfQYkuPqOAptPRjX%2BhUnYsXUk%2FeQq16aX7TzhZm%2BeEq%2BEn%2BoiEgh7qps1yvGbJm6QXKovan%2Fsqng40R6FBP3R3dvfZC6QrfCUtGpQ8c0D0S5oLBw%3D%3D'
Q="domain=arnoldblinn.com&RANDOMTEXT=shm%3A1551036164%3Ahello&IP=132.148.25.185&host=bar&sig=$SIG&key=_dck1"
expect_exit 0 "signed apply" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template2.json" \
  --zone "$T/zone.json" --domain arnoldblinn.com --host bar --param IP=132.148.25.185 --param RANDOMTEXT=shm:1551036164:hello \
  --signed-query "https://x.example/apply?$Q" --key-records "$T/keys.txt"
expect_exit 1 "tampered signed apply" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template2.json" \
  --zone "$T/zone.json" --domain arnoldblinn.com --host bar --param IP=132.148.25.185 --param RANDOMTEXT=x \
  --signed-query "host=baz&${Q#*&}" --key-records "$T/keys.txt"
expect_err_has "tampered status" "sig_invalid: "
# redirects, multi-aware state, groups
expect_exit 0 "redirect" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.templateredir.json" \
  --zone "$T/zone.json" --domain example.com --host go --param IP=192.0.2.1 --param RANDOMTEXT=x \
  --redirect-record A:192.0.2.80:600 --redirect-record AAAA:2001:db8::80:600
if [ "$(py '[(r["type"], r["data"]) for r in j["new"] if r["name"] == "go"]')" = "[('A', '192.0.2.80'), ('AAAA', '2001:db8::80'), ('REDIR301', 'http://www.go.example.com')]" ]; then ok; else bad "redirect records: $(cat "$T/out")"; fi
expect_exit 1 "redirect without records" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.templateredir.json" \
  --zone "$T/zone.json" --domain example.com --param IP=192.0.2.1 --param RANDOMTEXT=x
expect_err_has "redirect status" "template: "
expect_exit 0 "multi-aware" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.testmultiinstance.json" \
  --zone "$T/zone.json" --domain example.com --param test=v1 --multi-aware --instance-id one
if [ "$(py 'j["new"][0]["_dc"]')" = "{'id': 'one', 'providerId': 'exampleservice.domainconnect.org', 'serviceId': 'testmultiinstance', 'host': '', 'essential': 'Always'}" ]; then ok; else bad "multi-aware state: $(cat "$T/out")"; fi
py 'json.dumps(j["final"])' > "$T/zone2.json"
expect_exit 0 "multi-instance second apply" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.testmultiinstance.json" \
  --zone "$T/zone2.json" --domain example.com --param test=v2 --multi-aware
if [ "$(py 'len(j["deleted"]), len(j["final"])')" = "0 5" ]; then ok; else bad "multi-instance: $(cat "$T/out")"; fi
expect_exit 1 "bad zone" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template1.json" \
  --zone "$T/bad3.json" --domain example.com
expect_err_has "bad zone status" "json: "
printf '[{"type":"A","name":"@","data":"x","color":1}]' > "$T/zone3.json"
expect_exit 1 "zone unknown field" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template1.json" \
  --zone "$T/zone3.json" --domain example.com
expect_err_has "zone status" "zone: .*unknown field 'color'"
expect_exit 1 "group matches nothing" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template1.json" \
  --zone "$T/zone.json" --domain example.com --param IP=192.0.2.1 --param RANDOMTEXT=x --group-id g9
expect_err_has "group status" "template: .*groupId"

finish
