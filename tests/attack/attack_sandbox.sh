#!/bin/sh
# Attacks from the outside review that held, replayed so they keep holding
# (docs/security.md). Against domainconnect-sandbox as a malicious Service
# Provider, user or web page:
#   token scope    a token used outside its domain, hosts or templates, an
#                  access token presented as a refresh token;
#   code replay    a second exchange of one code fails and revokes the token
#                  the first one gave (RFC 6749 4.1.2);
#   CSRF           consent forms without a token, with a forged one, with
#                  another page's token, and by GET;
#   XSS sinks      markup in every reflected request field (state, host,
#                  variables, names, error texts) never reaches a page raw;
#   open redirect  redirect URIs that look like the registered one;
#   caps           oversized and over-parameterised requests get a 4xx.
# The sandbox runs on its own loopback address (default 127.0.0.14:443) with
# a fresh state directory and is stopped by PID.
#
# Usage: attack_sandbox.sh SANDBOX CLI [ADDR]
set -u
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/sandbox_lib.sh"
sandbox_suite attack_sandbox.sh 127.0.0.14 "$@"
sandbox_up || { finish; exit 1; }
API=https://api.sandbox.test
demo_client
"$CLI" discover $NET example.test > "$T/settings.json" || bad "discover"

no_location() {
  if grep -qi '^location:' "$T/hdr"; then bad "$1: a redirect to $(location)"; else ok; fi
}
# consent_url STATE [REDIRECT] [EXTRA CLI ARGS...]
consent_url() {
  st=$1; redir=${2:-$REDIR}; shift; [ $# -gt 0 ] && shift
  "$CLI" consent-url --settings "$T/settings.json" --domain example.test --provider-id $SP \
    --service-id website --host "" --host h1 --redirect-uri "$redir" --state "$st" "$@"
}
# grant STATE: consent + Allow, then the code in $T/code
grant() {
  req "consent page ($1)" 200 "$(consent_url "$1")"
  cp "$T/body" "$T/page.html"
  consent "$T/page.html" allow
  query_param "$(location)" code > "$T/code"
}
token() { # token OUT: exchanges $T/code
  "$CLI" token $NET --api-url $API --client-id $SP --client-secret-file "$T/secret" \
    --code-file "$T/code" --redirect-uri $REDIR --out "$1" >"$T/o" 2>"$T/e"
}
apply_w() { # apply_w TOKEN ARGS...: exit status of an apply
  tok=$1; shift
  "$CLI" apply $NET --token "$tok" --provider-id $SP "$@" >"$T/o" 2>"$T/e"
}

echo "# token scope"
grant scope-1
token "$T/tok.json" || bad "token: $(cat "$T/e")"
apply_w "$T/tok.json" --service-id website --domain example.test --host h1 \
  --param IP=192.0.2.1 --param SITEID=s1
if [ $? -eq 0 ]; then ok; else bad "apply inside the grant: $(cat "$T/e")"; fi
apply_w "$T/tok.json" --service-id website --domain other.test --host h1 \
  --param IP=192.0.2.1 --param SITEID=s1
if [ $? -ne 0 ]; then ok; else bad "a token used on another domain was accepted"; fi
apply_w "$T/tok.json" --service-id website --domain example.test --host h2 \
  --param IP=192.0.2.1 --param SITEID=s1
if [ $? -ne 0 ] && grep -q '^unauthorized' "$T/e"; then ok; else bad "a host outside the grant: $(cat "$T/e")"; fi
apply_w "$T/tok.json" --service-id mail --domain example.test --force
if [ $? -ne 0 ]; then ok; else bad "a template outside the grant was applied"; fi
ACCESS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$T/tok.json")
req "an access token as a refresh token" 400 -X POST "$API/v2/oauth/access_token" \
  -H 'Content-Type: application/json' \
  -d "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"$ACCESS\",\"client_id\":\"$SP\",\"client_secret\":\"$SECRET\"}"
req "a bearer token of the wrong kind" 401 -X POST \
  "$API/v2/domainTemplates/providers/$SP/services/website/apply?domain=example.test&host=h1&IP=192.0.2.1&SITEID=x" \
  -H "Authorization: Bearer not-a-token"

echo "# code replay"
grant replay-1
token "$T/tok1.json" || bad "first exchange: $(cat "$T/e")"
token "$T/tok2.json"
if [ $? -ne 0 ] && grep -q invalid_grant "$T/e"; then ok; else bad "code replay: $(cat "$T/e")"; fi
apply_w "$T/tok1.json" --service-id website --domain example.test --host h1 \
  --param IP=192.0.2.2 --param SITEID=s2
if [ $? -ne 0 ] && grep -q '^unauthorized' "$T/e"; then ok; else bad "the replayed code's token still works"; fi

echo "# CSRF"
req "consent page (csrf)" 200 "$(consent_url csrf-1)"
cp "$T/body" "$T/a.html"
req "consent page (csrf 2)" 200 "$(consent_url csrf-2)"
cp "$T/body" "$T/b.html"
got=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' $RES https://connect.sandbox.test/consent \
  --data-urlencode "request=$(form_field "$T/a.html" request)" -d action=allow)
case $got in 4*) ok;; *) bad "no CSRF token: HTTP $got";; esac
no_location "no CSRF token"
req "another page's CSRF token" 403 https://connect.sandbox.test/consent \
  --data-urlencode "request=$(form_field "$T/a.html" request)" \
  --data-urlencode "csrf=$(form_field "$T/b.html" csrf)" -d action=allow
no_location "another page's CSRF token"
got=$(curl -s -o /dev/null -w '%{http_code}' $RES \
  "https://connect.sandbox.test/consent?request=$(form_field "$T/a.html" request)&csrf=$(form_field "$T/a.html" csrf)&action=allow")
case $got in 4*) ok;; *) bad "consent by GET: HTTP $got";; esac
consent "$T/a.html" allow   # the genuine form still works once

echo "# XSS sinks"
X='"><script>alert(1)</script><img src=x onerror=alert(2)>'
raw_markup() { grep -q -e '<script>alert' -e '<img src=x' "$1"; }
req "consent page with markup in state and variables" 200 \
  "$(consent_url "$X" "$REDIR" --param "IP=$X")"
if raw_markup "$T/body"; then bad "markup reflected raw in the consent page"; else ok; fi
enc=$($PY -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$X")
for field in host domain providerName serviceName client_id redirect_uri scope; do
  curl -s -o "$T/body" $RES "$(consent_url s)&$field=$enc"
  if raw_markup "$T/body"; then bad "markup in $field reflected raw"; else ok; fi
done
curl -s -o "$T/body" $RES \
  "https://connect.sandbox.test/v2/domainTemplates/providers/$SP/services/website/apply?domain=example.test&host=$enc&IP=$enc&SITEID=$enc&redirect_uri=$enc&state=$enc&providerName=$enc&serviceName=$enc"
if raw_markup "$T/body"; then bad "markup reflected raw in the sync page"; else ok; fi
curl -s -o "$T/body" $RES "https://connect.sandbox.test/$enc?error=$enc"
if raw_markup "$T/body"; then bad "markup reflected raw in a not-found page"; else ok; fi

echo "# open redirects"
for evil in "https://app.exampleservice.test.evil.example/callback" \
            "https://app.exampleservice.test@evil.example/callback" \
            "https://evil.example/callback?x=https://app.exampleservice.test/callback" \
            "http://app.exampleservice.test/callback" \
            "https://app.exampleservice.test/callback/../../evil" \
            "https://APP.exampleservice.test%2F@evil.example/callback" \
            "//evil.example/callback"; do
  u=$(consent_url s "$evil" 2>/dev/null) || { ok; continue; }  # the CLI refused to build it
  got=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' $RES "$u")
  case $got in 4*) ok;; *) bad "redirect_uri $evil: HTTP $got";; esac
  no_location "redirect_uri $evil"
done

echo "# caps"
long=$($PY -c 'print("a=b&" * 30000, end="")')
got=$(curl -s -o /dev/null -w '%{http_code}' $RES "$API/v2/example.test/settings?$long")
case $got in 4*) ok;; *) bad "a 120 KB request line: HTTP $got";; esac
big=$($PY -c 'print("x" * 300000, end="")')
got=$(printf '%s' "$big" | curl -s -o /dev/null -w '%{http_code}' $RES -X POST \
  -H 'Content-Type: application/json' --data-binary @- "$API/v2/oauth/access_token")
case $got in 4*) ok;; *) bad "a 300 KB token request body: HTTP $got";; esac
kill -0 "$SPID" 2>/dev/null && ok || bad "the sandbox died"

stop
finish
