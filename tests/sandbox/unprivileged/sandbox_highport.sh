#!/bin/sh
# domainconnect-sandbox on a high port, with the CLI's test-only allowance
# for that address AND port (--test-allow-address ADDR:PORT): the pair works
# end to end without root. Checks the printed lines and the _domainconnect
# TXT the sandbox publishes (api.sandbox.test:PORT), that Knot's port is not
# the HTTPS port; discovery, the template query and the guard with the
# allowance; the OAuth flow (consent page, token, apply, revert, refresh)
# and the signed synchronous flow on that port. And the twins, each refused:
# no allowance, the bare address (port 443 only), the address on another
# port, another address on this port (the guard's "blocked"), and the
# address+port allowance for a URL on port 443.
#
# Usage: sandbox_highport.sh SANDBOX CLI [ADDR]
#   ADDR: an IPv4 loopback address (default 127.0.0.1). The port is
#   $DC_HIGHPORT when set, else 8443 when it is free on ADDR, else a free
#   port the kernel gives python3. Binding it needs no privilege.
# DC_SANDBOX_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") runs the
# sandbox under that command; its exit status must still be 0.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shared helpers (PY, ok, bad, expect_json, ...; check, cleanup, stop, dig1,
# expect_dns, cli, consent, sandbox_suite, sandbox_start, ...)
. "$HERE/../../support/lib.sh"
. "$HERE/../../support/sandbox_lib.sh"
sandbox_suite sandbox_highport.sh 127.0.0.1 "$@"
KEY=$HERE/../../../sandbox/keys/exampleservice.test.key.pem

case $ADDR in
  *:*) echo "sandbox_highport.sh: ADDR must be an IPv4 address" >&2; exit 2;;
esac

# pick_port WANT: WANT when a TCP listener can bind ADDR:WANT now, else a
# free port from the kernel (never below 1024)
pick_port() {
  $PY - "$ADDR" "$1" <<'EOF'
import socket, sys
addr, want = sys.argv[1], int(sys.argv[2])
def free(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((addr, p))
        return True
    except OSError:
        return False
    finally:
        s.close()
if want > 0 and free(want):
    print(want)
else:
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((addr, 0))
        p = s.getsockname()[1]
        s.close()
        if p >= 1024 and p != want:
            print(p)
            break
EOF
}

# refused EXPECTED_STATUS REASON DESC ARGS...: the CLI exits 1 and its one
# line on stderr starts with the status name and carries REASON
refused() {
  st=$1; why=$2; desc=$3; shift 3
  cli 1 "$desc" "$@"
  case $(cat "$T/e") in
    "$st: "*"$why"*) ok;;
    *) bad "$desc: stderr '$(cat "$T/e")', expected '$st: ...$why...'";;
  esac
}
# page URL FILE: GETs URL with curl (pinned to ADDR:PORT), prints the status
page() {
  # shellcheck disable=SC2086
  curl -s -o "$2" -D "$T/hdr" -w '%{http_code}' $RES "$1"
}

demo_client

# ======================================================================
echo "# start (uid $(id -u))"
PORT=${DC_HIGHPORT:-}
tries=0
while :; do
  if [ -z "${DC_HIGHPORT:-}" ]; then
    if [ $tries -eq 0 ]; then PORT=$(pick_port 8443); else PORT=$(pick_port 0); fi
  fi
  if [ -z "$PORT" ]; then bad "no free port on $ADDR"; echo "$pass passed, $fail failed"; exit 1; fi
  # the previous run's Knot port (STATE/knot/port) is reused only when it
  # is not the HTTPS port: seed it with this port
  mkdir -p "$STATE/knot" && chmod 700 "$STATE" && echo "$PORT" > "$STATE/knot/port"
  sandbox_start "$ADDR:$PORT"
  r=$?
  [ $r -eq 0 ] && break
  tries=$((tries + 1))
  # another process may have taken the port between the probe and the bind
  if [ $r -ne 1 ] || [ -n "${DC_HIGHPORT:-}" ] || [ $tries -ge 3 ]; then
    bad "the sandbox did not start on $ADDR:$PORT"; tail -20 "$T/sandbox.log" >&2
    echo "$pass passed, $fail failed"; exit 1
  fi
done
echo "# port $PORT"
if [ "$PORT" -ge 1024 ]; then ok; else bad "port $PORT is privileged"; fi
API=https://api.sandbox.test:$PORT
UX=https://connect.sandbox.test:$PORT
BASE="--dns-server $DNS --ca-file $CA"
ALLOW="--test-allow-address $ADDR:$PORT"
NET="$BASE $ALLOW"
RES="--resolve api.sandbox.test:$PORT:$ADDR --resolve connect.sandbox.test:$PORT:$ADDR --cacert $CA"
OTHERPORT=$((PORT + 1))
[ "$PORT" -eq 65535 ] && OTHERPORT=$((PORT - 1))
OTHERADDR=127.0.0.2
[ "$ADDR" = 127.0.0.2 ] && OTHERADDR=127.0.0.3

if [ "$(sed -n 's/^listen: //p' "$T/out")" = "$ADDR:$PORT" ]; then ok; else bad "listen line: $(cat "$T/out")"; fi
if [ "$(sed -n 's/^api-url: //p' "$T/out")" = "$API" ]; then ok; else bad "api-url line: $(cat "$T/out")"; fi
if [ "$(sed -n 's/^ux-url: //p' "$T/out")" = "$UX" ]; then ok; else bad "ux-url line: $(cat "$T/out")"; fi
if [ -z "$WRAP" ]; then
  if [ "$(sed -n 's/^pid: //p' "$T/out")" = "$SPID" ]; then ok; else bad "pid line"; fi
fi
# Knot (127.0.0.1, UDP+TCP) never takes the HTTPS port, not even when the
# previous run's port file names it
if [ -n "$DNSPORT" ] && [ "$DNSPORT" != "$PORT" ]; then ok; else bad "Knot port $DNSPORT vs HTTPS $PORT"; fi
# and an explicit --dns-port equal to the HTTPS port is refused at start
# (it fails before binding anything; the running sandbox is untouched)
"$SBX" --state "$T/state2" --listen "$ADDR:$PORT" --dns-port "$PORT" --foreground \
  >"$T/out2" 2>"$T/err2" </dev/null
rc=$?
if [ $rc -ne 0 ] && grep -q -- "--dns-port $PORT is the HTTPS port" "$T/err2" && ! grep -q '^pid: ' "$T/out2"
then ok; else bad "--dns-port = HTTPS port: exit $rc: $(cat "$T/err2")"; fi

echo "# DNS"
expect_dns "discovery record names the port" _domainconnect.example.test TXT "\"api.sandbox.test:$PORT\""
expect_dns "api host" api.sandbox.test A "$ADDR"
expect_dns "consent host" connect.sandbox.test A "$ADDR"

echo "# discovery and the guard with the allowance"
cli 0 "discover" discover $NET example.test
cp "$T/o" "$T/settings.json"
expect_json "urlAPI" "$T/settings.json" 'd["urlAPI"]' "$API"
expect_json "urlAsyncUX" "$T/settings.json" 'd["urlAsyncUX"]' "$UX"
expect_json "urlSyncUX" "$T/settings.json" 'd["urlSyncUX"]' "$UX"
cli 0 "check-template" check-template $NET example.test $SP website
if [ "$(cat "$T/o")" = '{"supported":true,"version":1}' ]; then ok; else bad "check-template output $(cat "$T/o")"; fi
cli 0 "guard url" guard url $NET --resolve "$API/v2"
cli 0 "guard txt" guard txt $NET --resolve "api.sandbox.test:$PORT"
# the allowance also holds among others (IPv6 and bare entries)
cli 0 "discover, several entries" discover $BASE --test-allow-address "[::1]:$PORT" \
  --test-allow-address "$OTHERADDR" $ALLOW example.test

echo "# twins: refused without an allowance for exactly ADDR:$PORT"
refused txt_invalid "a scheme or port (':')" "discover without the allowance" \
  discover $BASE example.test
refused txt_invalid "a scheme or port (':')" "discover with the bare address (port 443)" \
  discover $BASE --test-allow-address "$ADDR" example.test
refused txt_invalid "a scheme or port (':')" "discover with the address on port $OTHERPORT" \
  discover $BASE --test-allow-address "$ADDR:$OTHERPORT" example.test
refused blocked "resolves to $ADDR (port other than 443" "discover with $OTHERADDR:$PORT" \
  discover $BASE --test-allow-address "$OTHERADDR:$PORT" example.test
refused unsafe_url "urlAPI: port other than 443" "the settings document under production rules" \
  settings-check --settings "$T/settings.json"
cli 1 "guard url, bare address" guard url $BASE --test-allow-address "$ADDR" --resolve "$API/v2"
check "guard url, bare address: port" grep -q '^refuse: .*port other than 443' "$T/o"
cli 1 "guard url on 443 with ADDR:$PORT" guard url $NET --resolve https://api.sandbox.test/v2
check "guard url on 443: loopback" grep -q "^refuse: api.sandbox.test resolves to $ADDR: loopback" "$T/o"
cli 1 "guard url on $OTHERPORT" guard url $NET --resolve "https://api.sandbox.test:$OTHERPORT/v2"
check "guard url on $OTHERPORT: port" grep -q '^refuse: .*port other than 443' "$T/o"

echo "# OAuth on port $PORT"
consent_url() { # consent_url STATE [ALLOW...]: the consent URL for the test scope
  st=$1; shift
  "$CLI" consent-url --settings "$T/settings.json" --domain example.test --provider-id $SP \
    --service-id website --host "" --host h1 --redirect-uri "$REDIR" --state "$st" "$@"
}
URL=$(consent_url s1 $ALLOW)
case $URL in "$UX/v2/domainTemplates/providers/$SP?"*) ok;; *) bad "consent URL: $URL";; esac
if consent_url s1 >/dev/null 2>"$T/e"; then bad "consent-url without the allowance succeeded"
elif grep -q '^unsafe_url: .*port other than 443' "$T/e"; then ok
else bad "consent-url without the allowance: $(cat "$T/e")"; fi
code=$(page "$URL" "$T/page1.html")
if [ "$code" = 200 ] && grep -q 'id="domain">example.test<' "$T/page1.html"; then ok; else bad "consent page: HTTP $code"; fi
consent "$T/page1.html" allow "$UX/consent"
LOC=$(location)
CODE=$(query_param "$LOC" code)
if [ -n "$CODE" ] && [ "$(query_param "$LOC" state)" = s1 ]; then ok; else bad "allow: $LOC"; fi
printf '%s\n' "$CODE" > "$T/code"
refused unsafe_url "port other than 443" "token without the allowance" \
  token $BASE --api-url "$API" --client-id $SP --client-secret-file "$T/secret" \
  --code-file "$T/code" --redirect-uri $REDIR --out "$T/token-x.json"
check "no token file without the allowance" test ! -e "$T/token-x.json"
# ADDR:PORT never opens ADDR:443: the same API host on port 443 is blocked
# by the guard before any connection (nothing needs to listen there)
refused blocked "resolves to $ADDR (loopback 127.0.0.0/8)" "token on port 443 with ADDR:$PORT" \
  token $NET --api-url https://api.sandbox.test --client-id $SP --client-secret-file "$T/secret" \
  --code-file "$T/code" --redirect-uri $REDIR --out "$T/token-x.json"
cli 0 "token" token $NET --api-url "$API" --client-id $SP --client-secret-file "$T/secret" \
  --code-file "$T/code" --redirect-uri $REDIR --out "$T/token.json"
expect_json "token api_url names the port" "$T/token.json" 'd["api_url"]' "$API"
TOK="--token $T/token.json --provider-id $SP"
refused unsafe_url "port other than 443" "apply without the allowance" \
  apply $BASE $TOK --service-id website --domain example.test --host h1 \
  --param IP=192.0.2.98 --param SITEID=hp-0
refused blocked "port other than 443" "apply with $OTHERADDR:$PORT" \
  apply $BASE --test-allow-address "$OTHERADDR:$PORT" $TOK --service-id website \
  --domain example.test --host h1 --param IP=192.0.2.98 --param SITEID=hp-0
expect_dns "nothing applied by the refused calls" h1.example.test A ""
cli 0 "apply" apply $NET $TOK --service-id website --domain example.test --host h1 \
  --param IP=192.0.2.98 --param SITEID=hp-1
expect_dns "A after apply" h1.example.test A 192.0.2.98
cli 0 "revert" revert $NET $TOK --service-id website --domain example.test --host h1
expect_dns "A gone after revert" h1.example.test A ""
cli 0 "refresh" refresh $NET --token "$T/token.json" --out "$T/token.json" --client-id $SP \
  --client-secret-file "$T/secret"
cli 0 "apply with the refreshed token" apply $NET $TOK --service-id website \
  --domain example.test --host h1 --param IP=192.0.2.97 --param SITEID=hp-2
expect_dns "refreshed token works" h1.example.test A 192.0.2.97

echo "# synchronous flow on port $PORT"
SIGNED=$("$CLI" sync-url --settings "$T/settings.json" --domain example.test --host v1 \
  --provider-id $SP --service-id verify --param TOKEN=hp-tok --redirect-uri https://elsewhere.example/done \
  --state sync-1 --key-file "$KEY" --key-id _dck1 $ALLOW)
case $SIGNED in "$UX/v2/domainTemplates/providers/$SP/services/verify/apply?"*) ok;; *) bad "sync URL: $SIGNED";; esac
refused unsafe_url "port other than 443" "sync-url without the allowance" \
  sync-url --settings "$T/settings.json" --domain example.test --host v1 \
  --provider-id $SP --service-id verify --param TOKEN=hp-tok --state sync-1
code=$(page "$SIGNED" "$T/sync.html")
if [ "$code" = 200 ] && grep -q 'id="signed"' "$T/sync.html"; then ok; else bad "signed sync page: HTTP $code"; fi
consent "$T/sync.html" apply "$UX/consent"
if [ "$(location)" = "https://elsewhere.example/done?state=sync-1" ]; then ok; else bad "signed apply redirect: $(location)"; fi
expect_dns "signed apply reached DNS" _exampleservice.v1.example.test TXT '"verification=hp-tok"'

echo "# stop"
stop
if grep -q "$SECRET" "$T/sandbox.log" 2>/dev/null; then bad "the client secret reached the log"; else ok; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
