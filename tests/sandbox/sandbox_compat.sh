#!/bin/sh
# domainconnect-sandbox as the clients in use drive it (issue 10 point 11,
# issue 11 point 7):
#   - a successful apply or revert answers 200 with a small JSON body by
#     default (the reference Python client accepts only 200, 202 and 409 and
#     then parses a body), 202 with the body or 204 without one when the
#     client's successStatus says so; the project's CLI accepts all three;
#   - invalid_client at the token endpoint is 400 (RFC 6749 5.2; the client
#     authenticates in the body);
#   - every parameter placement: apply/revert parameters in the query with an
#     empty body (the reference client's way), in a JSON body, form-encoded;
#     the token call with code/grant_type/redirect_uri in the query and the
#     client credentials in a JSON body (reference), all in a JSON or form
#     body; refresh with the credentials in the query (and again, the same,
#     in the body); a field in query and body with different values is a 400
#     naming it, with the same value it is taken once;
#   - one variable-length limit with the engine: a value of
#     DC_MAX_PARAM_VALUE_LEN (4096) bytes is taken, one byte more is a 400
#     naming the parameter (API, form body, consent page).
# Usage: sandbox_compat.sh SANDBOX CLI [ADDR]  (port 443 on ADDR)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../support/lib.sh"
. "$HERE/../support/sandbox_lib.sh"
sandbox_suite sandbox_compat.sh 127.0.0.9 "$@"
demo_client
API=https://api.sandbox.test
UX=https://connect.sandbox.test

# the built-in configuration with absolute paths and two more clients whose
# successStatus is 202 and 204 (the demo client keeps the default, 200)
client() { # client ST: the JSON of client cST.test, successStatus ST
  printf '{"clientId": "c%s.test", "clientSecret": "secret-c%s-0123456789", "redirectUris": ["https://c%s.test/cb"], "successStatus": %s}' \
    "$1" "$1" "$1" "$1"
}
sandbox_config "$HERE/../../sandbox" "$T/config.json" "$(client 202)" "$(client 204)"

start() { sandbox_up --config "$T/config.json"; }

body_is() { # body_is DESC EXPR WANT: json_eval of the last body
  expect_json "$1" "$T/body" "$2" "$3"
}

# code_for CLIENT REDIRECT HOSTS: a fresh authorization code (consent + Allow)
code_for() {
  # shellcheck disable=SC2086
  curl -s -o "$T/page.html" $RES "$UX/v2/domainTemplates/providers/$SP?client_id=$1&redirect_uri=$2&scope=website&domain=example.test&host=$3&state=s"
  post_form "$T/page.html" allow > /dev/null
  query_param "$(location)" code
}

start || { finish; exit 1; }

echo "# success statuses, with the project's CLI"
for st in 200 202 204; do
  if [ $st = 200 ]; then cid=$SP; sec=$SECRET; red=$REDIR
  else cid=c$st.test; sec=secret-c$st-0123456789; red=https://c$st.test/cb; fi
  printf '%s\n' "$sec" > "$T/secret$st"
  code_for "$cid" "$red" "s$st" > "$T/code$st"
  cli 0 "token ($st)" token $NET --api-url $API --client-id "$cid" --client-secret-file "$T/secret$st" \
    --code-file "$T/code$st" --redirect-uri "$red" --out "$T/token$st.json"
  cli 0 "CLI apply, successStatus $st" apply $NET --token "$T/token$st.json" --provider-id $SP \
    --service-id website --domain example.test --host "s$st" --param IP=192.0.2.$((st - 150)) --param SITEID=x$st
  expect_json "CLI apply reports $st" "$T/o" '(d["result"], d["http_status"])' "('applied', $st)"
  expect_dns "apply $st reached DNS" "s$st.example.test" A "192.0.2.$((st - 150))"
  cli 0 "CLI revert, successStatus $st" revert $NET --token "$T/token$st.json" --provider-id $SP \
    --service-id website --domain example.test --host "s$st"
  expect_json "CLI revert reports $st" "$T/o" '(d["result"], d["http_status"])' "('reverted', $st)"
  expect_dns "revert $st reached DNS" "s$st.example.test" A ""
  AT=$(json_eval "$T/token$st.json" 'd["access_token"]')
  # the reference client's way: everything in the query, an empty body
  req "apply $st, query + empty body" $st -X POST -H "Authorization: Bearer $AT" \
    -H 'Content-Type: application/json' --data-binary '' \
    "$API/v2/domainTemplates/providers/$SP/services/website/apply?domain=example.test&host=s$st&IP=192.0.2.7&SITEID=q$st&force=true"
  if [ $st = 204 ]; then
    if [ ! -s "$T/body" ]; then ok; else bad "204 has a body: $(cat "$T/body")"; fi
  else
    body_is "apply $st body" '(d["result"], d["domain"], d["host"], d["serviceId"])' \
      "('applied', 'example.test', 's$st', 'website')"
    check "apply $st is JSON" grep -qi '^content-type: application/json' "$T/hdr"
  fi
  req "revert $st, query" $st -X POST -H "Authorization: Bearer $AT" \
    "$API/v2/domainTemplates/providers/$SP/services/website/revert?domain=example.test&host=s$st"
  if [ $st != 204 ]; then body_is "revert $st body" 'd["result"]' reverted; fi
done

echo "# invalid_client is 400"
TOKEN_URL=$API/v2/oauth/access_token
req "wrong secret" 400 -X POST "$TOKEN_URL?grant_type=authorization_code&code=x&redirect_uri=$REDIR" \
  -H 'Content-Type: application/json' -d "{\"client_id\":\"$SP\",\"client_secret\":\"wrong\"}"
body_is "wrong secret: invalid_client" 'd["error"]' invalid_client
req "unknown client" 400 -X POST -d grant_type=refresh_token -d refresh_token=x -d client_id=nobody.test "$TOKEN_URL"
body_is "unknown client: invalid_client" 'd["error"]' invalid_client
if grep -qi '^www-authenticate' "$T/hdr"; then bad "400 invalid_client with WWW-Authenticate"; else ok; fi
printf 'wrong-secret-0123456789\n' > "$T/wrong"
C=$(code_for "$SP" "$REDIR" p1)
printf '%s\n' "$C" > "$T/codew"
cli 1 "CLI token with a wrong secret" token $NET --api-url $API --client-id $SP \
  --client-secret-file "$T/wrong" --code-file "$T/codew" --redirect-uri $REDIR --out "$T/tokw.json"
check "the CLI reads invalid_client from the 400" grep -q invalid_client "$T/e"

echo "# token placements"
# reference: code, grant_type, redirect_uri in the query; credentials in a JSON body
C=$(code_for "$SP" "$REDIR" p1)
req "token: reference placement" 200 -X POST -H 'Content-Type: application/json' \
  -d "{\"client_id\":\"$SP\",\"client_secret\":\"$SECRET\"}" \
  "$TOKEN_URL?code=$C&grant_type=authorization_code&redirect_uri=$REDIR"
cp "$T/body" "$T/tokA.json"
C=$(code_for "$SP" "$REDIR" p1)
req "token: all in a JSON body" 200 -X POST -H 'Content-Type: application/json' \
  -d "{\"code\":\"$C\",\"grant_type\":\"authorization_code\",\"redirect_uri\":\"$REDIR\",\"client_id\":\"$SP\",\"client_secret\":\"$SECRET\"}" \
  "$TOKEN_URL"
C=$(code_for "$SP" "$REDIR" "p1,")
req "token: all in a form body" 200 -X POST --data-urlencode "code=$C" -d grant_type=authorization_code \
  --data-urlencode "redirect_uri=$REDIR" -d "client_id=$SP" --data-urlencode "client_secret=$SECRET" "$TOKEN_URL"
cp "$T/body" "$T/tokB.json"
RT=$(json_eval "$T/tokA.json" 'd["refresh_token"]')
# reference refresh: everything, credentials included, in the query, and the
# credentials again (the same) in a JSON body
req "refresh: credentials in the query and the body" 200 -X POST -H 'Content-Type: application/json' \
  -d "{\"client_id\":\"$SP\",\"client_secret\":\"$SECRET\"}" \
  "$TOKEN_URL?client_id=$SP&client_secret=$SECRET&grant_type=refresh_token&refresh_token=$RT"
body_is "refresh gives a token" '"access_token" in d and "refresh_token" in d' True
RT=$(json_eval "$T/body" 'd["refresh_token"]')
req "refresh: credentials only in the query, the token in a form body" 200 -X POST \
  -d grant_type=refresh_token --data-urlencode "refresh_token=$RT" \
  "$TOKEN_URL?client_id=$SP&client_secret=$SECRET"
req "refresh: a secret in the query and another in the body" 400 -X POST -H 'Content-Type: application/json' \
  -d "{\"client_secret\":\"other\"}" "$TOKEN_URL?client_id=$SP&client_secret=$SECRET&grant_type=refresh_token&refresh_token=x"
check "the 400 names client_secret" grep -q 'parameter client_secret is given twice' "$T/body"
if grep -q -- "$SECRET" "$T/body"; then bad "the secret is echoed"; else ok; fi

echo "# apply placements"
AT=$(json_eval "$T/tokB.json" 'd["access_token"]')
APPLY=$API/v2/domainTemplates/providers/$SP/services/website/apply
AUTH="Authorization: Bearer $AT"
req "apply: query, no body, no type" 200 -X POST -H "$AUTH" "$APPLY?domain=example.test&host=p1&IP=192.0.2.61&SITEID=a&force=1"
expect_dns "query apply" p1.example.test A 192.0.2.61
req "apply: JSON body" 200 -X POST -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"domain":"example.test","host":"p1","IP":"192.0.2.62","SITEID":"b","force":true}' "$APPLY"
expect_dns "JSON apply" p1.example.test A 192.0.2.62
req "apply: form body" 200 -X POST -H "$AUTH" -d domain=example.test -d host=p1 -d IP=192.0.2.63 \
  -d SITEID=c -d force=1 "$APPLY"
expect_dns "form apply" p1.example.test A 192.0.2.63
req "apply: split between query and JSON body" 200 -X POST -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"IP":"192.0.2.64","SITEID":"d"}' "$APPLY?domain=example.test&host=p1&force=true"
expect_dns "split apply" p1.example.test A 192.0.2.64
req "apply: the same host in query and body" 200 -X POST -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"host":"p1","IP":"192.0.2.65","SITEID":"e"}' "$APPLY?domain=example.test&host=p1&force=1"
req "apply: another host in the body" 400 -X POST -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"host":"other","IP":"192.0.2.66","SITEID":"f"}' "$APPLY?domain=example.test&host=p1"
check "the 400 names host" grep -q 'parameter host is given twice' "$T/body"
expect_dns "nothing applied on a conflict" p1.example.test A 192.0.2.65
# a 409 the reference client reads: query placement, no force
req "apply: conflict without force" 409 -X POST -H "$AUTH" "$APPLY?domain=example.test&host=&IP=192.0.2.67&SITEID=g"
body_is "409 body" 'd["code"]' 409
req "revert: JSON body" 200 -X POST -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"domain":"example.test","host":"p1"}' "$API/v2/domainTemplates/providers/$SP/services/website/revert"
expect_dns "JSON revert" p1.example.test A ""

echo "# one variable-length limit (4096 bytes)"
V4096=$($PY -c 'print("v" * 4096)')
V4097=$($PY -c 'print("v" * 4097)')
req "apply: a 4096-byte variable" 200 -X POST -H "$AUTH" \
  "$APPLY?domain=example.test&host=p1&IP=192.0.2.68&SITEID=$V4096&force=1"
req "apply: a 4097-byte variable in the query" 400 -X POST -H "$AUTH" \
  "$APPLY?domain=example.test&host=p1&IP=192.0.2.69&SITEID=$V4097&force=1"
check "the 400 names SITEID" grep -q 'parameter SITEID: .*4096' "$T/body"
req "apply: a 4097-byte variable in a JSON body" 400 -X POST -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"domain\":\"example.test\",\"host\":\"p1\",\"IP\":\"192.0.2.69\",\"SITEID\":\"$V4097\"}" "$APPLY"
check "the JSON 400 names SITEID" grep -q 'parameter SITEID: ' "$T/body"
req "apply: a 4097-byte variable in a form body" 400 -X POST -H "$AUTH" -d domain=example.test \
  -d host=p1 -d IP=192.0.2.69 -d "SITEID=$V4097" "$APPLY"
check "the form 400 names SITEID" grep -q 'parameter SITEID: ' "$T/body"
if grep -q 'has no value' "$T/body"; then bad "the misleading 'has no value'"; else ok; fi
expect_dns "the 4096-byte value was applied, not the longer ones" p1.example.test A 192.0.2.68
req "sync consent page: a 4097-byte variable" 400 \
  "$UX/v2/domainTemplates/providers/$SP/services/website/apply?domain=example2.test&host=w&IP=192.0.2.1&SITEID=$V4097"
check "the page names SITEID" grep -q 'parameter SITEID is too long' "$T/body"

stop
finish
