#!/bin/sh
# End-to-end test of domainconnect-sandbox with the project's CLI, curl and
# kdig: the asynchronous (OAuth) round trip with a 409 conflict and a forced
# apply, DNS checks after apply and revert, the synchronous consent page
# (signed and unsigned), malformed and oversized requests, concurrent
# applies to one zone, a restart on the same state directory, and the
# detached mode. The sandbox runs on its own loopback address (default
# 127.0.0.9, port 443) with a fresh state directory and is stopped by PID.
#
# Usage: sandbox_e2e.sh SANDBOX CLI [ADDR]
# DC_SANDBOX_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") runs the
# sandbox under that command; its exit status must still be 0.
set -u
# shared helpers (PY, ok, bad, expect_*, json_eval, wrapped, finish, ...;
# sandbox_suite, sandbox_up, req, check, cleanup, stop, dig1, expect_dns,
# cli, consent, ...)
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/sandbox_lib.sh"
sandbox_suite sandbox_e2e.sh 127.0.0.9 "$@"

# ---- starting and stopping: the sandbox on ADDR:443 (sandbox_up), stopped
# by PID (stop)
start() { sandbox_up; }

# http DESC WANT_STATUS CURL-ARGS...: req, and every 4xx/5xx must carry a
# JSON {"error","error_description"} body
http() {
  req "$@" || return
  case $code in
    4*|5*)
      if $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["error"], str) and isinstance(d["error_description"], str)' "$T/body" 2>/dev/null
      then ok; else bad "$1: the $code body is not a JSON error: $(head -c 200 "$T/body")"; fi;;
  esac
}

API=https://api.sandbox.test
demo_client

# ======================================================================
echo "# start"
start || { finish; exit 1; }
if [ "$(sed -n 's/^listen: //p' "$T/out")" = "$ADDR:443" ]; then ok; else bad "listen line: $(cat "$T/out")"; fi
if [ "$(sed -n 's/^api-url: //p' "$T/out")" = "$API" ]; then ok; else bad "api-url line"; fi
if [ -z "$WRAP" ]; then
  if [ "$(sed -n 's/^pid: //p' "$T/out")" = "$SPID" ]; then ok; else bad "pid line"; fi
fi
check "the CA file exists" test -s "$CA"
for k in dns-server ca-file api-url listen pid; do
  check "output has $k" grep -q "^$k: " "$T/out"
done

echo "# DNS"
expect_dns "discovery record" _domainconnect.example.test TXT '"api.sandbox.test"'
expect_dns "api host" api.sandbox.test A "$ADDR"
expect_dns "consent host" connect.sandbox.test A "$ADDR"
expect_dns "existing record" www.example.test A 192.0.2.10
if [ "$(dig1 _dck1.exampleservice.test TXT | wc -l)" -ge 2 ]; then ok; else bad "public key records"; fi

echo "# discovery and template query"
cli 0 "discover" discover $NET example.test
cp "$T/o" "$T/settings.json"
expect_json "providerId" "$T/settings.json" 'd["providerId"]' sandbox.test
expect_json "urlAPI" "$T/settings.json" 'd["urlAPI"]' "$API"
expect_json "urlAsyncUX" "$T/settings.json" 'd["urlAsyncUX"]' https://connect.sandbox.test
cli 0 "check-template" check-template $NET example.test $SP website
if [ "$(cat "$T/o")" = '{"supported":true,"version":1}' ]; then ok; else bad "check-template output $(cat "$T/o")"; fi
cli 1 "check-template unknown" check-template $NET example.test $SP nosuch
check "not_supported" grep -q '^not_supported' "$T/e"
cli 1 "discover a zone not hosted" discover $NET nothere.test

echo "# OAuth consent"
consent_url() { # consent_url STATE [REDIRECT]: the consent URL for the test scope
  "$CLI" consent-url --settings "$T/settings.json" --domain example.test --provider-id $SP \
    --service-id website --service-id mail --service-id legacy --service-id dkim \
    --host "" --host h1 --host c1 --host c2 --host r1 \
    --redirect-uri "${2:-$REDIR}" --state "$1" --param IP=192.0.2.99
}
URL=$(consent_url deny-state)
http "consent page" 200 "$URL" -o "$T/page1.html"
cp "$T/body" "$T/page1.html"
check "consent page names the domain" grep -q 'id="domain">example.test<' "$T/page1.html"
check "consent page shows the MX conflict" grep -q 'mail.example.test' "$T/page1.html"
consent "$T/page1.html" deny
LOC=$(location)
case $LOC in "$REDIR?"*) ok;; *) bad "deny redirects to $LOC";; esac
if [ "$(query_param "$LOC" error)" = access_denied ] && [ "$(query_param "$LOC" state)" = deny-state ]; then ok
else bad "deny: $LOC"; fi
code=$(post_form "$T/page1.html" allow)
if [ "$code" = 400 ] && grep -q expired "$T/body"; then ok; else bad "a consent form answers once: HTTP $code"; fi
URL=$(consent_url "st&=x")
http "consent page 2" 200 "$URL"
cp "$T/body" "$T/page2.html"
# a forged form (wrong CSRF token) is refused
code=$(curl -s -o /dev/null -w '%{http_code}' $RES https://connect.sandbox.test/consent \
  --data-urlencode "request=$(form_field "$T/page2.html" request)" -d csrf=forged -d action=allow)
if [ "$code" = 403 ]; then ok; else bad "forged CSRF token: HTTP $code"; fi
consent "$T/page2.html" allow
LOC=$(location)
CODE=$(query_param "$LOC" code)
if [ -n "$CODE" ] && [ "$(query_param "$LOC" state)" = "st%26%3Dx" ]; then ok; else bad "allow: $LOC"; fi
printf '%s\n' "$CODE" > "$T/code"
# an unregistered redirect_uri: an error page, never a redirect
code=$(curl -s -o "$T/evil.html" -D "$T/hdr" -w '%{http_code}' $RES "$(consent_url s https://evil.example/cb)")
if [ "$code" = 400 ] && ! grep -qi '^location:' "$T/hdr"; then ok; else bad "unregistered redirect_uri: HTTP $code"; fi

echo "# token"
cli 0 "token" token $NET --api-url $API --client-id $SP --client-secret-file "$T/secret" \
  --code-file "$T/code" --redirect-uri $REDIR --out "$T/token.json"
expect_json "token api_url" "$T/token.json" 'd["api_url"]' "$API"
expect_json "token has a refresh token" "$T/token.json" '"refresh_token" in d' True
cli 1 "code replay" token $NET --api-url $API --client-id $SP --client-secret-file "$T/secret" \
  --code-file "$T/code" --redirect-uri $REDIR --out "$T/token-replay.json"
check "replay: invalid_grant" grep -q invalid_grant "$T/e"
TOK="--token $T/token.json --provider-id $SP"

echo "# apply: conflict, forced apply, DNS"
# the replayed code revoked the first token (RFC 6749 4.1.2): consent again
URL=$(consent_url s2)
http "consent page 3" 200 "$URL"
cp "$T/body" "$T/page3.html"
consent "$T/page3.html" allow
query_param "$(location)" code > "$T/code"
cli 0 "token 2" token $NET --api-url $API --client-id $SP --client-secret-file "$T/secret" \
  --code-file "$T/code" --redirect-uri $REDIR --out "$T/token.json"
cli 3 "apply with conflicts" apply $NET $TOK --service-id website --domain example.test --host "" \
  --param IP=192.0.2.99 --param SITEID=site-1
expect_json "409 code" "$T/o" 'd["code"]' 409
expect_json "409 records" "$T/o" 'sorted((r["type"], r["host"], r["data"]) for r in d["records"])' \
  "[('A', '@', '192.0.2.10'), ('A', 'www', '192.0.2.10')]"
expect_dns "nothing changed after 409" example.test A 192.0.2.10
cli 0 "forced apply" apply $NET $TOK --service-id website --domain example.test --host "" \
  --param IP=192.0.2.99 --param SITEID=site-1 --force
expect_json "forced apply result" "$T/o" 'd["http_status"]' 200
expect_dns "A after apply" example.test A 192.0.2.99
expect_dns "CNAME after apply" www.example.test CNAME example.test.
expect_dns "TXT after apply" example.test TXT '"exampleservice-site=site-1" "v=spf1 mx ~all"'
cli 0 "apply on a host" apply $NET $TOK --service-id website --domain example.test --host h1 \
  --param IP=192.0.2.98 --param SITEID=site-2
expect_dns "host A" h1.example.test A 192.0.2.98
expect_dns "host CNAME" www.h1.example.test CNAME h1.example.test.
cli 3 "mail conflicts with the MX" apply $NET $TOK --service-id mail --domain example.test
cli 0 "mail forced" apply $NET $TOK --service-id mail --domain example.test --force
expect_dns "MX replaced" example.test MX "10 mx.exampleservice.test."
expect_dns "SPF merged" example.test TXT '"exampleservice-site=site-1" "v=spf1 include:spf.exampleservice.test mx ~all"'
cli 1 "a host outside the grant" apply $NET $TOK --service-id website --domain example.test \
  --host other --param IP=192.0.2.1 --param SITEID=x
check "401 unauthorized" grep -q '^unauthorized' "$T/e"
cli 1 "a template outside the scope" apply $NET $TOK --service-id verify --domain example.test \
  --param TOKEN=x
cli 1 "a missing variable" apply $NET $TOK --service-id website --domain example.test --host h1 \
  --param IP=192.0.2.1
check "400 names the variable" grep -q 'SITEID' "$T/e"

echo "# revert"
cli 0 "revert" revert $NET $TOK --service-id website --domain example.test --host h1
expect_dns "host A gone" h1.example.test A ""
expect_dns "host CNAME gone" www.h1.example.test CNAME ""
expect_dns "apex kept" example.test A 192.0.2.99
cli 1 "revert again" revert $NET $TOK --service-id website --domain example.test --host h1
check "410 not_applied" grep -q '^not_applied' "$T/e"
cli 0 "legacy apply" apply $NET $TOK --service-id legacy --domain example.test --host r1 --param ID=7
cli 1 "legacy revert" revert $NET $TOK --service-id legacy --domain example.test --host r1
check "501 revert_unsupported" grep -q '^revert_unsupported' "$T/e"
cli 0 "multi-instance a" apply $NET $TOK --service-id dkim --domain example.test --host r1 \
  --param SELECTOR=s1 --param PUBLICKEY=AAAA --instance-id s1
cli 0 "multi-instance b" apply $NET $TOK --service-id dkim --domain example.test --host r1 \
  --param SELECTOR=s2 --param PUBLICKEY=BBBB --instance-id s2
cli 0 "revert one instance" revert $NET $TOK --service-id dkim --domain example.test --host r1 \
  --instance-id s1
expect_dns "instance s1 gone" s1._domainkey.r1.example.test TXT ""
expect_dns "instance s2 kept" s2._domainkey.r1.example.test TXT '"v=DKIM1; k=rsa; p=BBBB"'

echo "# refresh"
cp "$T/token.json" "$T/token-old.json"
cli 0 "refresh" refresh $NET --token "$T/token.json" --out "$T/token.json" --client-id $SP \
  --client-secret-file "$T/secret"
cli 1 "the rotated refresh token" refresh $NET --token "$T/token-old.json" --out "$T/t3.json" \
  --client-id $SP --client-secret-file "$T/secret"
cli 0 "apply with the refreshed token" apply $NET $TOK --service-id website --domain example.test \
  --host h1 --param IP=192.0.2.97 --param SITEID=site-3
expect_dns "refreshed token works" h1.example.test A 192.0.2.97

echo "# synchronous flow"
SIGNED=$("$CLI" sync-url --settings "$T/settings.json" --domain example.test --host v1 \
  --provider-id $SP --service-id verify --param TOKEN=tok-1 --redirect-uri https://elsewhere.example/done \
  --state sync-1 --key-file "$(dirname "$0")/../../sandbox/keys/exampleservice.test.key.pem" --key-id _dck1)
code=$(curl -s -o "$T/sync.html" -w '%{http_code}' $RES "$SIGNED")
if [ "$code" = 200 ] && grep -q 'id="signed"' "$T/sync.html"; then ok; else bad "signed sync page: HTTP $code"; fi
check "sync page shows the record" grep -q 'verification=tok-1' "$T/sync.html"
consent "$T/sync.html" apply
if [ "$(location)" = "https://elsewhere.example/done?state=sync-1" ]; then ok; else bad "signed apply redirect: $(location)"; fi
expect_dns "signed apply reached DNS" _exampleservice.v1.example.test TXT '"verification=tok-1"'
TAMPERED=$(echo "$SIGNED" | sed 's/tok-1/tok-2/')
code=$(curl -s -o "$T/sync2.html" -D "$T/hdr" -w '%{http_code}' $RES "$TAMPERED")
if [ "$code" = 400 ] && grep -q sig_invalid "$T/sync2.html" && ! grep -qi '^location' "$T/hdr"; then ok
else bad "tampered signature: HTTP $code"; fi
UNSIGNED=$("$CLI" sync-url --settings "$T/settings.json" --domain example.test --host v1 \
  --provider-id $SP --service-id verify --param TOKEN=tok-1 \
  --redirect-uri https://app.exampleservice.test/done --state sync-2)
code=$(curl -s -o /dev/null -D "$T/hdr" -w '%{http_code}' $RES "$UNSIGNED")
LOC=$(location)
if [ "$code" = 302 ] && [ "$(query_param "$LOC" error)" = invalid_request ] && [ "$(query_param "$LOC" state)" = sync-2 ]
then ok; else bad "unsigned request to a signed template: $code $LOC"; fi
WEB=$("$CLI" sync-url --settings "$T/settings.json" --domain example2.test --host w1 \
  --provider-id $SP --service-id website --param IP=192.0.2.50 --param SITEID=s \
  --redirect-uri https://app.exampleservice.test/done --state sync-3)
code=$(curl -s -o "$T/sync3.html" -w '%{http_code}' $RES "$WEB")
if [ "$code" = 200 ] && grep -q 'class="warn"' "$T/sync3.html"; then ok; else bad "unsigned page with warnPhishing: $code"; fi
consent "$T/sync3.html" cancel
LOC=$(location)
if [ "$(query_param "$LOC" error)" = access_denied ] && [ "$(query_param "$LOC" error_description)" = user_cancel ] &&
   [ "$(query_param "$LOC" state)" = sync-3 ]; then ok; else bad "cancel: $LOC"; fi
expect_dns "cancel changed nothing" w1.example2.test A ""
code=$(curl -s -o "$T/sync4.html" -w '%{http_code}' $RES "$WEB")
consent "$T/sync4.html" apply
if [ "$(location)" = "https://app.exampleservice.test/done?state=sync-3" ]; then ok; else bad "sync apply: $(location)"; fi
expect_dns "sync apply reached DNS" w1.example2.test A 192.0.2.50
OFFSITE=$(echo "$WEB" | sed 's/app.exampleservice.test/evil.example/')
code=$(curl -s -o "$T/sync5.html" -w '%{http_code}' $RES "$OFFSITE")
if [ "$code" = 200 ] && grep -q 'will stay here' "$T/sync5.html"; then ok; else bad "off-site redirect_uri: $code"; fi
code=$(post_form "$T/sync5.html" apply)
if [ "$code" = 200 ] && ! grep -qi '^location' "$T/hdr" && grep -q 'id="result"' "$T/body"; then ok
else bad "off-site redirect_uri after apply: HTTP $code $(location)"; fi

echo "# malformed and oversized requests"
AT=$(json_eval "$T/token.json" 'd["access_token"]' 2>/dev/null)
APPLY=$API/v2/domainTemplates/providers/$SP/services/website/apply
http "unknown path" 404 "$API/nope"
http "wrong method" 405 -X DELETE "$API/v2/example.test/settings"
http "settings of a zone not hosted" 404 "$API/v2/nothere.test/settings"
http "bad percent escape" 400 "$API/v2/%zz/settings"
http "NUL escape" 400 "$API/v2/a%00b/settings"
http "bad JSON" 400 -H 'Content-Type: application/json' -d '{"grant_type":' "$API/v2/oauth/access_token"
http "JSON array" 400 -H 'Content-Type: application/json' -d '[1,2]' "$API/v2/oauth/access_token"
http "nested JSON" 400 -H 'Content-Type: application/json' -d '{"a":{"b":[1]}}' "$API/v2/oauth/access_token"
http "duplicate JSON key" 400 -H 'Content-Type: application/json' -d '{"a":"1","a":"2"}' "$API/v2/oauth/access_token"
http "parameter twice" 400 -X POST "$API/v2/oauth/access_token?grant_type=a&grant_type=b"
http "no client" 400 -H 'Content-Type: application/json' -d '{"grant_type":"authorization_code"}' "$API/v2/oauth/access_token"
http "wrong secret (invalid_client, RFC 6749 5.2)" 400 -H 'Content-Type: application/json' \
  -d '{"grant_type":"authorization_code","code":"x","client_id":"exampleservice.test","client_secret":"wrong"}' "$API/v2/oauth/access_token"
http "unknown grant type" 400 -H 'Content-Type: application/json' \
  -d "{\"grant_type\":\"password\",\"client_id\":\"$SP\",\"client_secret\":\"$SECRET\"}" "$API/v2/oauth/access_token"
http "unknown code" 400 -d grant_type=authorization_code -d code=nope -d client_id=$SP \
  -d "client_secret=$SECRET" "$API/v2/oauth/access_token"
head -c 70000 /dev/zero | tr '\0' 'a' > "$T/big"
http "body over 64 KiB" 413 -H 'Content-Type: application/json' --data-binary @"$T/big" "$API/v2/oauth/access_token"
http "chunked body over 64 KiB" 413 -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
  --data-binary @"$T/big" "$API/v2/oauth/access_token"
LONGQ=$(head -c 90000 /dev/zero | tr '\0' 'q')
http "URI over 80 KiB" 414 "$API/v2/example.test/settings?x=$LONGQ"
http "apply without a token" 401 -X POST "$APPLY?domain=example.test"
check "WWW-Authenticate" grep -qi '^www-authenticate: Bearer' "$T/hdr"
http "apply with a bad token" 401 -X POST -H 'Authorization: Bearer sbx_at_nope' "$APPLY?domain=example.test"
http "apply with a malformed header" 401 -X POST -H 'Authorization: Bearer a b c' "$APPLY?domain=example.test"
http "apply without domain" 400 -X POST -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' -d '{}' "$APPLY"
http "apply with a bad domain" 400 -X POST -H "Authorization: Bearer $AT" "$APPLY?domain=-bad-.test"
http "apply with bad force" 400 -X POST -H "Authorization: Bearer $AT" "$APPLY?domain=example.test&host=h1&force=maybe&IP=1.2.3.4&SITEID=x"
http "apply with an invalid IP" 400 -X POST -H "Authorization: Bearer $AT" "$APPLY?domain=example.test&host=h1&IP=999.1.1.1&SITEID=x"
http "apply, query parameters" 200 -X POST -H "Authorization: Bearer $AT" "$APPLY?domain=example.test&host=h1&IP=192.0.2.96&SITEID=q&force=true"
expect_dns "query-parameter apply" h1.example.test A 192.0.2.96
http "apply, JSON body with numbers" 200 -X POST -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
  -d '{"domain":"example.test","host":"h1","IP":"192.0.2.95","SITEID":42,"force":1}' "$APPLY"
expect_dns "JSON apply" h1.example.test TXT '"exampleservice-site=42"'
# garbage on the TLS port, plain HTTP, a handshake cut short
$PY - "$ADDR" <<'EOF'
import os, socket, sys
for payload in (os.urandom(4096), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x00\x05\x01"):
    s = socket.create_connection((sys.argv[1], 443), timeout=3)
    try:
        s.sendall(payload)
        s.recv(100)
    except OSError:
        pass
    s.close()
EOF
curl -s -o /dev/null --max-time 3 "http://$ADDR:443/" 2>/dev/null
http "alive after the bad requests" 200 "$API/v2/example.test/settings"

echo "# concurrent applies to one zone"
round=1
while [ $round -le 3 ]; do
  "$CLI" apply $NET $TOK --service-id website --domain example.test --host c1 \
    --param IP=192.0.2.$((110 + round)) --param SITEID=c1-$round --force > "$T/c1.out" 2>&1 &
  p1=$!
  "$CLI" apply $NET $TOK --service-id website --domain example.test --host c2 \
    --param IP=192.0.2.$((120 + round)) --param SITEID=c2-$round --force > "$T/c2.out" 2>&1 &
  p2=$!
  wait $p1; r1=$?
  wait $p2; r2=$?
  if [ $r1 -eq 0 ] && [ $r2 -eq 0 ]; then ok; else
    bad "concurrent round $round: exits $r1 $r2: $(cat "$T/c1.out" "$T/c2.out")"; fi
  expect_dns "c1 round $round" c1.example.test A 192.0.2.$((110 + round))
  expect_dns "c2 round $round" c2.example.test A 192.0.2.$((120 + round))
  round=$((round + 1))
done
# two at once on the same host: both land (the second replaces the first)
# or one is refused with 409; exactly one instance remains
"$CLI" apply $NET $TOK --service-id website --domain example.test --host c1 \
  --param IP=192.0.2.131 --param SITEID=x1 > /dev/null 2>&1 &
p1=$!
"$CLI" apply $NET $TOK --service-id website --domain example.test --host c1 \
  --param IP=192.0.2.132 --param SITEID=x2 > /dev/null 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
if { [ $r1 -eq 0 ] || [ $r1 -eq 3 ]; } && { [ $r2 -eq 0 ] || [ $r2 -eq 3 ]; }; then ok; else bad "same-host race: exits $r1 $r2"; fi
if [ "$(dig1 c1.example.test A | wc -l)" -eq 1 ]; then ok; else bad "same-host race left $(dig1 c1.example.test A | tr '\n' ' ')"; fi
expect_dns "c2 untouched by the c1 race" c2.example.test A 192.0.2.123
curl -s $RES "$API/zones/example.test/records" > "$T/zone.json"
expect_json "store and DNS agree on c2" "$T/zone.json" \
  '[r["data"] for r in d["records"] if r["name"] == "c2" and r["type"] == "A"]' "['192.0.2.123']"

echo "# restart on the same state directory"
NAMES="example.test/A example.test/TXT example.test/MX www.example.test/CNAME h1.example.test/A c1.example.test/A c2.example.test/A _exampleservice.v1.example.test/TXT s2._domainkey.r1.example.test/TXT w1.example2.test/A _domainconnect.shop.test/TXT"
snapshot() {
  for nt in $NAMES; do echo "$nt: $(dig1 "${nt%/*}" "${nt#*/}" | sort | tr '\n' ' ')"; done
}
snapshot > "$T/dns-before"
curl -s $RES "$API/zones/example.test/records" > "$T/zone-before.json"
curl -s $RES "$API/zones/example2.test/records" >> "$T/zone-before.json"
stop
if dig1 example.test SOA | grep -q .; then bad "Knot still answers after stop"; else ok; fi
start || { finish; exit 1; }
snapshot > "$T/dns-after"
curl -s $RES "$API/zones/example.test/records" > "$T/zone-after.json"
curl -s $RES "$API/zones/example2.test/records" >> "$T/zone-after.json"
if cmp -s "$T/dns-before" "$T/dns-after"; then ok; else bad "DNS answers changed across a restart"; diff "$T/dns-before" "$T/dns-after" >&2; fi
if cmp -s "$T/zone-before.json" "$T/zone-after.json"; then ok; else bad "zone content changed across a restart"; fi
cli 0 "the token survives a restart" apply $NET $TOK --service-id website --domain example.test \
  --host h1 --param IP=192.0.2.94 --param SITEID=after-restart --force
expect_dns "apply after restart" h1.example.test A 192.0.2.94
stop

echo "# detached mode"
if [ -z "$WRAP" ]; then
  "$SBX" --state "$STATE" --listen "$ADDR" > "$T/out" 2>"$T/err"
  rc=$?
  DPID=$(sed -n 's/^pid: //p' "$T/out")
  if [ $rc -eq 0 ] && [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then ok; else bad "detached start: exit $rc $(cat "$T/err")"; fi
  DNSPORT=$(sed -n 's/^dns-server: 127.0.0.1://p' "$T/out")
  expect_dns "detached sandbox answers" example.test A 192.0.2.99
  # a second sandbox on the same state directory is refused
  "$SBX" --state "$STATE" --listen "$ADDR" > /dev/null 2>&1
  if [ $? -ne 0 ]; then ok; else bad "a second sandbox on one state directory"; fi
  kill -TERM "$DPID"
  i=0
  while kill -0 "$DPID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$DPID" 2>/dev/null; then bad "detached sandbox still running"; else ok; fi
  if dig1 example.test SOA | grep -q .; then bad "Knot still answers after the detached stop"; else ok; fi
fi

echo "# secrets never in logs"
for s in "$SECRET" "$CODE" "$AT" "$(json_eval "$T/token.json" 'd["refresh_token"]' 2>/dev/null)"; do
  if grep -qF -- "$s" "$T/sandbox.log" "$STATE/sandbox.log" 2>/dev/null; then bad "a secret is in the log"; else ok; fi
done
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/sandbox.log"; then bad "sanitizer reports in the log"; else ok; fi

finish
