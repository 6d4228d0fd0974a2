#!/bin/sh
# `domainconnect template lint|apply` (the DNS Provider template engine).
# Usage: test_template_cli.sh CLI DATA_DIR
set -u
# shared helpers (PY, ok, bad, expect_*, json_eval, wrapped, finish, ...)
. "$(dirname "$0")/../support/lib.sh"
DATA=$2
TPL=$DATA/../conformance/templates
# DC_CLI_WRAPPER (e.g. valgrind) runs every CLI invocation under that command.
cli_suite "$1"
expect_out_has() {
  if grep -q -- "$2" "$T/out"; then ok; else bad "$1: stdout lacks '$2': $(cat "$T/out")"; fi
}
# py EXPR: evaluates EXPR with j = the JSON on stdout.
py() { $PY -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$T/out"; }

# --- usage
expect_exit 0 "help" -- "$CLI" template --help
expect_out_has "help text" "usage: domainconnect template lint"
expect_out_has "help text has apply" "usage: domainconnect template apply"
# every subcommand's --help prints its own help (exit 0)
for sub in lint apply; do
  expect_exit 0 "template $sub --help" -- "$CLI" template "$sub" --help
  expect_out_has "template $sub --help text" "usage: domainconnect template $sub"
  if [ -s "$T/err" ]; then bad "template $sub --help wrote on stderr"; else ok; fi
done
expect_exit 0 "template lint -h" -- "$CLI" template lint -h
expect_out_has "template lint -h text" "usage: domainconnect template lint"
expect_exit 2 "no subcommand" -- "$CLI" template
expect_err_has "no subcommand message" "missing SUBCOMMAND"
expect_exit 2 "unknown subcommand" -- "$CLI" template frob
expect_exit 2 "lint without files" -- "$CLI" template lint
expect_err_has "lint without files message" "missing FILE"
expect_exit 2 "lint bad option" -- "$CLI" template lint --frob x.json
# each missing required option is a usage error that names it
expect_exit 2 "apply without template" -- "$CLI" template apply --zone x --domain example.com
expect_err_has "apply without template names it" "missing required option --template"
expect_exit 2 "apply without zone" -- "$CLI" template apply --template x --domain example.com
expect_err_has "apply without zone names it" "missing required option --zone"
expect_exit 2 "apply without domain" -- "$CLI" template apply --template x --zone y
expect_err_has "apply without domain names it" "missing required option --domain"
expect_exit 2 "batch with another option" -- "$CLI" template apply --batch - --force
expect_err_has "batch with another option message" "--batch takes no other option"
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
mkdir "$T/adir.json"
expect_exit 1 "lint failures" -- "$CLI" template lint "$TPL/exampleservice.domainconnect.org.template1.json" "$T/bad1.json" "$T/bad2.json" "$T/bad3.json" "$T/missing.json" "$T/adir.json"
# ok lines on stdout, failures on stderr
expect_out "lint stdout: the ok line only" "$TPL/exampleservice.domainconnect.org.template1.json: ok"
expect_err_has "lint field error" "bad1.json: template: records\[0\].data: not allowed for type A"
expect_err_has "lint type error" "bad2.json: record_type: records\[0\].type"
expect_err_has "lint json error" "bad3.json: json: "
# file errors say whether the file is missing or unreadable
expect_err_has "lint missing file" "missing.json: io: .*: missing (no such file)"
expect_err_has "lint unreadable file" "adir.json: io: .*: unreadable (a directory)"
if [ "$(wc -l < "$T/err")" -eq 5 ]; then ok; else bad "lint stderr lines: $(cat "$T/err")"; fi
expect_exit 1 "apply missing template file" -- "$CLI" template apply --template "$T/missing.json" --zone "$T/bad3.json" --domain example.com
expect_err_has "apply missing template file message" "^io: .*missing.json: missing (no such file)"
expect_exit 1 "apply unreadable zone file" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template1.json" --zone "$T/adir.json" --domain example.com
expect_err_has "apply unreadable zone message" "adir.json: unreadable (a directory)"
expect_exit 1 "apply missing zone file" -- "$CLI" template apply --template "$TPL/exampleservice.domainconnect.org.template1.json" --zone "$T/nozone.json" --domain example.com
expect_err_has "apply missing zone message" "nozone.json: missing (no such file)"

# --- templates as published: "syncRedirectDomain": "" lints and applies
# exactly like the same template without the field
SR_RECS='"records":[{"type":"A","host":"@","pointsTo":"%ip%","ttl":600},{"type":"CNAME","host":"www","pointsTo":"@","ttl":600},{"type":"TXT","host":"@","data":"site-verify=%code%","ttl":600,"txtConflictMatchingMode":"Prefix","txtConflictMatchingPrefix":"site-verify="}]'
SR_HEAD='"providerId":"h5.example","providerName":"H5","serviceId":"site","serviceName":"Site","version":2'
printf '{%s,"syncRedirectDomain":"",%s}' "$SR_HEAD" "$SR_RECS" > "$T/sr-empty.json"
printf '{%s,%s}' "$SR_HEAD" "$SR_RECS" > "$T/sr-absent.json"
printf '[{"type":"A","name":"@","ttl":300,"data":"192.0.2.9"},{"type":"TXT","name":"@","ttl":300,"data":"site-verify=old"},{"type":"MX","name":"@","ttl":300,"data":"mx.example.net","priority":10}]' > "$T/sr-zone.json"
expect_exit 0 "lint syncRedirectDomain empty" -- "$CLI" template lint "$T/sr-empty.json"
expect_out "lint syncRedirectDomain empty ok" "$T/sr-empty.json: ok"
for mode in "" "--force"; do
  expect_exit "$([ -n "$mode" ] && echo 0 || echo 1)" "apply syncRedirectDomain empty $mode" -- \
    "$CLI" template apply --template "$T/sr-empty.json" --zone "$T/sr-zone.json" --domain example.com --param ip=192.0.2.1 --param code=new $mode
  cp "$T/out" "$T/sr-out-empty"; cp "$T/err" "$T/sr-err-empty"
  expect_exit "$([ -n "$mode" ] && echo 0 || echo 1)" "apply syncRedirectDomain absent $mode" -- \
    "$CLI" template apply --template "$T/sr-absent.json" --zone "$T/sr-zone.json" --domain example.com --param ip=192.0.2.1 --param code=new $mode
  if cmp -s "$T/out" "$T/sr-out-empty" && cmp -s "$T/err" "$T/sr-err-empty" && [ -s "$T/out" ]; then ok; else
    bad "syncRedirectDomain \"\" applies differently $mode: $(cat "$T/sr-out-empty") vs $(cat "$T/out")"; fi
done

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

# --- template apply --batch: the same answers as one process per case
printf '[]' > "$T/empty-zone.json"
$PY - "$T" "$TPL" > "$T/cases.jsonl" <<'PYEOF'
import json, sys
t, tpl = sys.argv[1], sys.argv[2]
t1 = tpl + "/exampleservice.domainconnect.org.template1.json"
t2 = tpl + "/exampleservice.domainconnect.org.template2.json"
hr = tpl + "/exampleservice.domainconnect.org.templatehostrequired.json"
rd = tpl + "/exampleservice.domainconnect.org.templateredir.json"
mi = tpl + "/exampleservice.domainconnect.org.testmultiinstance.json"
z, e, sz = t + "/zone.json", t + "/empty-zone.json", t + "/sr-zone.json"
p1 = {"IP": "192.0.2.1", "RANDOMTEXT": "shm:new"}
cases = [
    {"templateFile": t1, "zoneFile": z, "domain": "example.com", "params": p1},
    {"templateFile": t1, "zoneFile": z, "domain": "example.com", "params": p1, "force": True},
    {"templateFile": t1, "zoneFile": e, "domain": "example.com", "params": p1, "host": "www"},
    {"templateFile": t1, "zoneFile": z, "domain": "Example.COM.", "params": p1, "host": "a.b", "force": True},
    {"templateFile": t1, "zoneFile": z, "domain": "example.com", "params": {"IP": "192.0.2.1"}},
    {"templateFile": t1, "zoneFile": z, "domain": "example.com", "params": {"IP": "300.1.1.1", "RANDOMTEXT": "x"}},
    {"templateFile": t1, "zoneFile": z, "domain": "bad..example", "params": p1},
    {"templateFile": t1, "zoneFile": z, "domain": "example.com", "params": p1, "groupIds": ["g9"]},
    {"templateFile": t2, "zoneFile": z, "domain": "example.com", "host": "bar", "params": p1},
    {"templateFile": t2, "zoneFile": z, "domain": "example.com", "host": "bar", "params": p1, "ignoreSignature": True},
    {"templateFile": hr, "zoneFile": z, "domain": "example.com"},
    {"templateFile": hr, "zoneFile": z, "domain": "example.com", "host": "shop", "params": p1, "force": True},
    {"templateFile": rd, "zoneFile": z, "domain": "example.com", "host": "go", "params": p1},
    {"templateFile": rd, "zoneFile": z, "domain": "example.com", "host": "go", "params": p1,
     "redirectRecords": [{"type": "A", "data": "192.0.2.80", "ttl": 600},
                         {"type": "AAAA", "data": "2001:db8::80", "ttl": 600}]},
    {"templateFile": mi, "zoneFile": z, "domain": "example.com", "params": {"test": "v1"},
     "multiAware": True, "instanceId": "one"},
    {"templateFile": mi, "zoneFile": e, "domain": "example.com", "host": "x", "params": {"test": "v2"},
     "multiAware": True, "instanceId": "two", "force": True},
    {"templateFile": t + "/sr-empty.json", "zoneFile": sz, "domain": "example.com",
     "params": {"ip": "192.0.2.1", "code": "new"}},
    {"templateFile": t + "/sr-empty.json", "zoneFile": sz, "domain": "example.com",
     "params": {"ip": "192.0.2.1", "code": "new"}, "force": True},
    {"templateFile": t + "/sr-absent.json", "zoneFile": sz, "domain": "example.com", "host": "sub",
     "params": {"ip": "192.0.2.1", "code": "x"}},
    {"templateFile": t + "/missing.json", "zoneFile": z, "domain": "example.com"},
    {"templateFile": t1, "zoneFile": t + "/nozone.json", "domain": "example.com", "params": p1},
    {"templateFile": t1, "zoneFile": t + "/adir.json", "domain": "example.com", "params": p1},
    {"templateFile": t1, "zoneFile": t + "/bad3.json", "domain": "example.com", "params": p1},
    {"templateFile": t + "/bad1.json", "zoneFile": z, "domain": "example.com"},
    {"templateFile": t + "/bad2.json", "zoneFile": z, "domain": "example.com"},
]
for c in cases:
    print(json.dumps(c))
PYEOF
expect_exit 4 "batch: some lines fail" -- "$CLI" template apply --batch "$T/cases.jsonl"
cp "$T/out" "$T/batch.out"
expect_err_has "batch summary" "template apply --batch: 10 applied, 15 failed"
# one process per case, compared line by line: status, exit status, output
$PY - "$CLI" "$T/cases.jsonl" "$T/batch.out" <<'PYEOF'
import json, subprocess, sys
cli, cases, out = sys.argv[1], sys.argv[2], sys.argv[3]
answers = [json.loads(l) for l in open(out)]
reqs = [json.loads(l) for l in open(cases)]
bad = 0
if len(answers) != len(reqs):
    print("FAIL: %d answers for %d requests" % (len(answers), len(reqs)), file=sys.stderr)
    sys.exit(1)
for n, (req, ans) in enumerate(zip(reqs, answers), 1):
    argv = [cli, "template", "apply", "--template", req["templateFile"], "--zone", req["zoneFile"],
            "--domain", req["domain"]]
    if "host" in req: argv += ["--host", req["host"]]
    for k, v in req.get("params", {}).items(): argv += ["--param", "%s=%s" % (k, v)]
    for g in req.get("groupIds", []): argv += ["--group-id", g]
    for r in req.get("redirectRecords", []): argv += ["--redirect-record", "%s:%s:%d" % (r["type"], r["data"], r["ttl"])]
    if req.get("multiAware"): argv.append("--multi-aware")
    if "instanceId" in req: argv += ["--instance-id", req["instanceId"]]
    if req.get("force"): argv.append("--force")
    if req.get("ignoreSignature"): argv.append("--ignore-signature")
    p = subprocess.run(argv, capture_output=True, text=True)
    status = "ok" if p.returncode == 0 else p.stderr.split(":", 1)[0]
    result = json.loads(p.stdout) if p.stdout.strip() else None
    got = (ans["line"], ans["status"], ans["exit"], ans.get("result"))
    want = (n, status, p.returncode, result)
    if got != want:
        bad += 1
        print("FAIL: case %d: batch %r, single %r (%s)" % (n, got, want, p.stderr.strip()), file=sys.stderr)
    if (ans["status"] == "ok") != ("error" not in ans):
        bad += 1
        print("FAIL: case %d: error member %r" % (n, ans), file=sys.stderr)
print("%d cases compared, %d differ" % (len(reqs), bad))
sys.exit(1 if bad else 0)
PYEOF
if [ $? -eq 0 ]; then ok; else bad "batch answers differ from single applies"; fi
# the statuses the comparison covers (so it cannot pass on all-equal errors)
if [ "$($PY -c 'import json,sys; print(" ".join(json.loads(l)["status"] for l in open(sys.argv[1])))' "$T/batch.out")" = \
  "conflict ok ok ok missing_variable record invalid_domain template sig_missing ok host_required ok template ok ok ok conflict ok ok io io io json template record_type" ]; then ok; else
  bad "batch statuses: $(cat "$T/batch.out")"; fi
if grep -q '"line":20,"status":"io","exit":1,.*missing.json: missing (no such file)' "$T/batch.out"; then ok; else bad "batch missing template file line"; fi
if grep -q '"line":22,"status":"io","exit":1,.*adir.json: unreadable (a directory)' "$T/batch.out"; then ok; else bad "batch unreadable zone file line"; fi

# bad lines: an error line each (line number, specific status), the batch goes on
{
  printf '{"templateFile":"%s","zoneFile":"%s","domain":"example.com","params":{"IP":"192.0.2.1","RANDOMTEXT":"a"},"force":true}\n' "$TPL/exampleservice.domainconnect.org.template1.json" "$T/zone.json"
  printf '\n   \n'
  printf '{not json\n'
  printf '{"templateFile":"x","domain":"example.com","forse":true}\n'
  printf '{"domain":"example.com"}\n'
  printf '{"templateFile":"x","domain":"example.com","groupIds":["a b"]}\n'
  printf '[1]\n'
  $PY -c 'import sys; sys.stdout.write("{\"domain\":\"" + "a" * 4194304 + "\"}\n")'
  printf '{"template":{"providerId":"p","providerName":"P","serviceId":"s","serviceName":"S","records":[{"type":"TXT","host":"@","data":"%%v%%","ttl":60}]},"domain":"example.com","params":{"v":"inline"}}\r\n'
  printf '{"template":{"providerId":"p","providerName":"P","serviceId":"s","serviceName":"S","records":[]},"domain":"example.com"}'
} > "$T/badlines.jsonl"
expect_exit 4 "batch bad lines" -- "$CLI" template apply --batch "$T/badlines.jsonl"
$PY - "$T/out" > "$T/bl.txt" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    print(a["line"], a["status"], a["exit"], "result" in a)
PYEOF
printf '1 ok 0 True\n4 json 2 False\n5 invalid_arg 2 False\n6 invalid_arg 2 False\n7 invalid_id 2 False\n8 json 2 False\n9 limit 2 False\n10 ok 0 True\n11 template 1 False\n' > "$T/bl.want"
if cmp -s "$T/bl.txt" "$T/bl.want"; then ok; else bad "batch bad lines: $(cat "$T/bl.txt")"; fi
if grep -q '"line":5,.*"error":"request: unknown member '"'"'forse'"'"'"' "$T/out"; then ok; else bad "unknown member detail: $(sed -n 3p "$T/out")"; fi
if grep -q '"line":9,"status":"limit","exit":2,"error":"line longer than 4194304 bytes"' "$T/out"; then ok; else bad "line cap answer"; fi
# a line of exactly the cap is read whole (and refused for its content, not its length)
$PY -c 'import sys; s = "{\"domain\":\"" + "a" * (4194304 - 13) + "\"}"; assert len(s) == 4194304; print(s)' > "$T/capline.jsonl"
expect_exit 4 "batch line at the cap" -- "$CLI" template apply --batch "$T/capline.jsonl"
if grep -q '"line":1,"status":"limit","exit":2,"error":"request: ' "$T/out"; then ok; else bad "line at the cap: $(cut -c1-200 "$T/out")"; fi
# standard input, all good: exit 0; empty input: exit 0, no output
head -n 1 "$T/cases.jsonl" | sed 's/}$/,"force":true}/' > "$T/one.jsonl"
expect_exit 0 "batch from stdin" -- sh -c "\"$CLI\" template apply --batch - < \"$T/one.jsonl\""
if [ "$(grep -c '"status":"ok"' "$T/out")" -eq 1 ]; then ok; else bad "batch stdin output: $(cat "$T/out")"; fi
expect_exit 0 "batch empty input" -- "$CLI" template apply --batch /dev/null
if [ -s "$T/out" ]; then bad "empty batch printed something"; else ok; fi
expect_exit 1 "batch input missing" -- "$CLI" template apply --batch "$T/nothere.jsonl"
expect_err_has "batch input missing message" "nothere.jsonl: missing (no such file)"
expect_exit 1 "batch input a directory" -- "$CLI" template apply --batch "$T/adir.json"
expect_err_has "batch input directory message" "unreadable (a directory)"

finish
