#!/bin/sh
# domainconnect-sandbox against the attacks of an outside review (issue 11),
# each a regression test that failed before its fix:
#   1. 600 requests with 5,000 query parameters each (a 20 KB URI): every one
#      answered with a 4xx (they were dropped without a status line) and the
#      sandbox's resident memory grows by less than 4 MiB (each leaked ~20 KiB);
#      the longest URI of empty parameters, a URI over the cap, header fields
#      over the cap: each a 4xx, never a dropped connection;
#   2. raw NUL and control bytes in the request line (method, path, query,
#      after the version): 400, and the server answers afterwards;
#   3. a flood of consent pages and Allow clicks for one client_id does not
#      push out another client's pending consent page, its code, or its
#      next code (per-client caps); the flooding client's own oldest code goes;
#   4. one consent page may cause at most 32 hosts x scopes dry runs (33: an
#      error redirect naming the cap, 32: the page);
#   5. a knotd left running with this state directory's configuration is
#      stopped on start (same DNS port, the leftover gone), a stranger's
#      knotd is left alone; zone serials only move forward across a crash
#      (a zone file ahead of the store; kill -9 during concurrent applies,
#      restarted at once on the same state).
# Usage: sandbox_hardening.sh SANDBOX CLI [ADDR]  (port 443 on ADDR)
# DC_SANDBOX_WRAPPER (e.g. "valgrind ...") runs the sandbox under that
# command; the memory check is skipped then (valgrind's own memory).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../support/lib.sh"
. "$HERE/../support/sandbox_lib.sh"
sandbox_suite sandbox_hardening.sh 127.0.0.9 "$@"
PROBE="$PY $HERE/sbx_probe.py"
if [ -n "$WRAP" ]; then SBX_PROBE_SECONDS=900; export SBX_PROBE_SECONDS; fi
demo_client

# the built-in configuration with absolute paths and a second client, the
# victim of the floods (VICTIM, its secret and redirect URI)
VICTIM=victim.test
VSECRET=victim-secret-0123456789
VREDIR=https://app.victim.test/cb
sandbox_config "$HERE/../../sandbox" "$T/config.json" \
  "{\"clientId\": \"$VICTIM\", \"clientSecret\": \"$VSECRET\", \"redirectUris\": [\"$VREDIR\"]}"

start() { sandbox_up --config "$T/config.json"; }
probe() { $PROBE "$ADDR" 443 "$CA" "$@"; }
alive() { # alive DESC: the settings endpoint still answers 200
  # shellcheck disable=SC2086
  code=$(curl -s -o /dev/null -w '%{http_code}' $RES https://api.sandbox.test/v2/example.test/settings)
  if [ "$code" = 200 ]; then ok; else bad "$1: the server answers $code afterwards"; fi
}
soa() { dig1 example.test SOA | awk '{print $3}'; }

start || { finish; exit 1; }

echo "# 1. many parameters: a 4xx every time, no memory kept"
# 600 requests make the RSS bound below meaningful; under valgrind, which
# checks every access and leak instead of RSS, 60 do (the other 540 cost
# 48 s there: the twin took 114 s, now 66 s, on 2 cores).
NFLOOD=600
if [ -n "$WRAP" ]; then NFLOOD=60; fi
out=$(probe flood 5000 $NFLOOD "$SPID")
echo "  $out"
case $out in
  "statuses=400 "*) ok;;
  *) bad "5,000 parameters: not a 400 every time: $out";;
esac
# Under valgrind (WRAP) or ASan (make sanitize sets ASAN_OPTIONS) resident
# memory says nothing (ASan keeps freed blocks in quarantine): there the
# sandbox's exit status at stop carries the leak check instead.
if [ -n "$WRAP" ] || [ -n "${ASAN_OPTIONS:-}" ]; then
  echo "  (RSS bound not checked under a memory checker; its leak check runs at stop)"
else
  before=$(echo "$out" | sed -n 's/.*rss_before=\([0-9]*\).*/\1/p')
  after=$(echo "$out" | sed -n 's/.*rss_after=\([0-9]*\).*/\1/p')
  if [ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -lt 4096 ]; then ok
  else bad "RSS grew from ${before:-?} to ${after:-?} KiB over $NFLOOD requests (4 MiB allowed)"; fi
fi
# the longest URI (80 KiB) made of empty parameters, and one over the cap
got=$(probe uri '&' 81000)
if [ "$got" = 400 ]; then ok; else bad "81,000 empty parameters: $got, expected 400"; fi
got=$(probe uri q 200000)
if [ "$got" = 414 ]; then ok; else bad "a 200 KB URI: $got, expected 414"; fi
got=$(probe bigheader 70000)
if [ "$got" = 431 ]; then ok; else bad "70 KB of header fields: $got, expected 431"; fi
got=$(probe raw "$($PY -c 'print(("GET /v2/example.test/settings?" + "&".join(["a=b"] * 256) + " HTTP/1.1").encode().hex())')")
if [ "$got" = 200 ]; then ok; else bad "256 parameters (the cap): $got, expected 200"; fi
alive "after the floods"

echo "# 2. raw NUL and control bytes in the request line"
for line in \
  'GET /v2/example.test/settings\x00x HTTP/1.1' \
  'GET /v2/example.test/settings?a=\x00b HTTP/1.1' \
  'GE\x00T /v2/example.test/settings HTTP/1.1' \
  'GET /v2/example.\x01test/settings HTTP/1.1' \
  'GET /v2/example.test/settings?a=b\x7f HTTP/1.1' \
  'GET /v2/example.test/settings?a=\x1b[1m HTTP/1.1' \
  'GET /v2/example.test/settings?a=b\tc HTTP/1.1' \
  'GET /v2/example.test/settings?a=\xc3\xa9 HTTP/1.1'; do
  hex=$($PY -c 'import sys; print(sys.argv[1].encode().decode("unicode_escape").encode("latin-1").hex())' "$line")
  got=$(probe raw "$hex")
  if [ "$got" = 400 ]; then ok; else bad "request line '$line': $got, expected 400"; fi
done
got=$(probe raw "$($PY -c 'print(b"GET /v2/example.test/settings?a=%41 HTTP/1.1".hex())')")
if [ "$got" = 200 ]; then ok; else bad "a clean request line: $got, expected 200"; fi
alive "after the raw bytes"

echo "# 3. a consent flood from one client_id"
vconsent() { # vconsent FILE: the victim's consent page in FILE
  # shellcheck disable=SC2086
  curl -s -o "$1" $RES "https://connect.sandbox.test/v2/domainTemplates/providers/$SP?client_id=$VICTIM&redirect_uri=$VREDIR&scope=website&domain=example.test&host=v&state=v"
}
vconsent "$T/victim1.html"
check "the victim's consent page" grep -q 'name="csrf"' "$T/victim1.html"
out=$(probe consents "$SP" "$REDIR" 1100)
case $out in "pages=1100 "*) ok;; *) bad "flood of consent pages: $out";; esac
consent "$T/victim1.html" allow "" # 303 with a code: the page was not pushed out
VCODE=$(query_param "$(location)" code)
if [ -n "$VCODE" ]; then ok; else bad "no code for the victim after the page flood: $(location)"; fi
out=$(probe consents "$SP" "$REDIR" 1100 allow)
case $out in "pages=1100 allowed=1100 "*) ok;; *) bad "flood of Allow clicks: $out";; esac
FIRST=$(echo "$out" | sed -n 's/.*first_code=//p')
token_call() { # token_call CODE CLIENT SECRET REDIRECT: the status of the code exchange
  # shellcheck disable=SC2086
  curl -s -o "$T/tok.json" -w '%{http_code}' $RES -X POST \
    --data-urlencode "code=$1" -d grant_type=authorization_code -d "client_id=$2" \
    --data-urlencode "client_secret=$3" --data-urlencode "redirect_uri=$4" \
    https://api.sandbox.test/v2/oauth/access_token
}
code=$(token_call "$VCODE" "$VICTIM" "$VSECRET" "$VREDIR")
if [ "$code" = 200 ]; then ok; else bad "the victim's code after the flood: HTTP $code $(cat "$T/tok.json")"; fi
vconsent "$T/victim2.html"
consent "$T/victim2.html" allow ""
if [ -n "$(query_param "$(location)" code)" ]; then ok; else bad "a new code for the victim after the flood: $(location)"; fi
code=$(token_call "$FIRST" "$SP" "$SECRET" "$REDIR")
if [ "$code" = 400 ] && grep -q invalid_grant "$T/tok.json"; then ok
else bad "the flooding client's oldest code should be gone: HTTP $code"; fi

echo "# 4. dry runs per consent page"
hosts() { $PY -c 'import sys; print(",".join("h%d" % i for i in range(int(sys.argv[1]))))' "$1"; }
# shellcheck disable=SC2086
code=$(curl -s -o /dev/null -D "$T/hdr" -w '%{http_code}' $RES "https://connect.sandbox.test/v2/domainTemplates/providers/$SP?client_id=$SP&redirect_uri=$REDIR&scope=website+mail+verify+dkim&domain=example.test&host=$(hosts 9)&state=cap")
LOC=$(location)
if [ "$code" = 302 ] && [ "$(query_param "$LOC" error)" = invalid_request ] && echo "$LOC" | grep -q 'at%20most%2032'; then ok
else bad "9 hosts x 4 scopes: HTTP $code $LOC"; fi
# shellcheck disable=SC2086
code=$(curl -s -o /dev/null -w '%{http_code}' $RES "https://connect.sandbox.test/v2/domainTemplates/providers/$SP?client_id=$SP&redirect_uri=$REDIR&scope=website+mail+verify+dkim&domain=example.test&host=$(hosts 8)&state=cap")
if [ "$code" = 200 ]; then ok; else bad "8 hosts x 4 scopes (the cap): HTTP $code"; fi

echo "# 5. restart after a crash"
# a token for the applies below
# shellcheck disable=SC2086
curl -s -o "$T/p.html" $RES "https://connect.sandbox.test/v2/domainTemplates/providers/$SP?client_id=$SP&redirect_uri=$REDIR&scope=website&domain=example.test&host=k1,k2,k3&state=k"
consent "$T/p.html" allow ""
query_param "$(location)" code > "$T/code"
cli 0 "token" token $NET --api-url https://api.sandbox.test --client-id $SP \
  --client-secret-file "$T/secret" --code-file "$T/code" --redirect-uri $REDIR --out "$T/token.json"
apply_k() { # apply_k HOST N: one apply, exit status
  "$CLI" apply $NET --token "$T/token.json" --provider-id $SP --service-id website \
    --domain example.test --host "$1" --param IP=192.0.2.$2 --param SITEID=k$2 --force >/dev/null 2>&1
}
apply_k k1 1 && ok || bad "apply before the restarts"
S0=$(soa)
OLDPORT=$DNSPORT
stop
# a knotd of this state directory left running (as after a hard kill), and a
# stranger's knotd with its own configuration
mkdir -p "$T/bin" "$T/stranger/run" "$T/stranger/db"
ln -s "$(command -v knotd)" "$T/bin/knotd"
"$T/bin/knotd" -c "$STATE/knot/knot.conf" >"$T/leftover.log" 2>&1 &
LEFT=$!
SPORT=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'server:\n    rundir: "%s/stranger/run"\n    listen: 127.0.0.1@%s\ndatabase:\n    storage: "%s/stranger/db"\n' \
  "$T" "$SPORT" "$T" > "$T/stranger/knot.conf"
"$T/bin/knotd" -c "$T/stranger/knot.conf" >"$T/stranger.log" 2>&1 &
STRANGER=$!
i=0
while [ $i -lt 50 ] && ! dig1 example.test SOA | grep -q .; do sleep 0.1; i=$((i + 1)); done
if dig1 example.test SOA | grep -q .; then ok; else bad "the leftover knotd does not serve"; fi
start || { kill "$LEFT" "$STRANGER" 2>/dev/null; finish; exit 1; }
if kill -0 "$LEFT" 2>/dev/null; then bad "the leftover knotd still runs"; kill "$LEFT"; else ok; fi
wait "$LEFT" 2>/dev/null
if [ "$DNSPORT" = "$OLDPORT" ]; then ok; else bad "DNS port changed from $OLDPORT to $DNSPORT"; fi
if kill -0 "$STRANGER" 2>/dev/null; then ok; else bad "a stranger's knotd was stopped"; fi
kill "$STRANGER" 2>/dev/null
wait "$STRANGER" 2>/dev/null
if [ "$(soa)" -ge "$S0" ]; then ok; else bad "serial $(soa) after the restart, $S0 before"; fi
# a zone file ahead of the store (a change published, the store not yet
# written): the next start serves past both, and saves it
stop
ZF=$STATE/knot/zones/example.test.zone
STORE=$(json_eval "$STATE/zones/example.test.json" 'd["serial"]')
AHEAD=$((STORE + 5))
sed -i "s/^\(@ [0-9]* IN SOA [^ ]* [^ ]* \)$STORE /\1$AHEAD /" "$ZF"
check "the zone file now has serial $AHEAD" grep -q " $AHEAD 3600 " "$ZF"
start || { finish; exit 1; }
if [ "$(soa)" -gt "$AHEAD" ]; then ok; else bad "serial $(soa) served, the zone file had $AHEAD"; fi
expect_json "the store keeps the new serial" "$STATE/zones/example.test.json" 'd["serial"]' "$(soa)"
# kill -9 during concurrent applies, restarted at once on the same state
round=1
while [ $round -le 3 ]; do
  BEFORE=$(soa)
  apply_k k1 $((10 + round)) & a1=$!
  apply_k k2 $((20 + round)) & a2=$!
  apply_k k3 $((30 + round)) & a3=$!
  sleep 0.$((2 * round))
  HIGH=$(sed -n 's/^@ [0-9]* IN SOA [^ ]* [^ ]* \([0-9]*\) .*/\1/p' "$ZF")
  kill -9 "$SPID"
  wait "$SPID" 2>/dev/null
  SPID=
  wait $a1 $a2 $a3 2>/dev/null
  HIGH2=$(sed -n 's/^@ [0-9]* IN SOA [^ ]* [^ ]* \([0-9]*\) .*/\1/p' "$ZF")
  [ "$HIGH2" -gt "$HIGH" ] && HIGH=$HIGH2
  start || { finish; exit 1; }
  NOW=$(soa)
  if [ -n "$NOW" ] && [ "$NOW" -ge "$BEFORE" ] && [ "$NOW" -ge "$HIGH" ]; then ok
  else bad "round $round: serial ${NOW:-none} after kill -9, $BEFORE before, the zone file had $HIGH"; fi
  curl -s $RES https://api.sandbox.test/zones/example.test/records > "$T/zone.json"
  expect_json "round $round: the store's serial is served" "$T/zone.json" 'd["serial"]' "$NOW"
  round=$((round + 1))
done
apply_k k1 99 && ok || bad "apply after the crashes"
if [ "$(soa)" -gt "$NOW" ]; then ok; else bad "serial after the next apply: $(soa), $NOW before"; fi
stop

if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/sandbox.log"; then bad "sanitizer reports in the log"; else ok; fi
finish
