#!/bin/sh
# The CLI's network commands (discover, check-template, token, refresh,
# apply, revert) against the integration servers: run by harness.py with
# Knot DNS and the HTTPS test provider (provider_routes.py) on 127.0.0.2 and
# 127.0.0.3 (see cli_net.harness).
# Usage: cli_net.sh CLI DATA_DIR
set -u
# shared helpers (PY, ok, bad, expect_*, json_eval, cli_suite, harness_net,
# finish, ...)
. "$(dirname "$0")/../support/lib.sh"
# DC_CLI_WRAPPER (e.g. valgrind) runs every CLI invocation under that command.
cli_suite "$1"
harness_net
: "${DC_TEST_HTTPS_LOG:?run under harness.py}"
API=https://api.provider.test
SP=exampleservice.domainconnect.org
SECRET=s3cr3t-Client-Secret-7f2a9c
CODE=code-cli-0f1e2d
CODE2=code-cli-twin-3c4b5a
# expect_exit keeps every output here, for the secret check at the end.
# shellcheck disable=SC2034  # read by expect_exit (tests/support/lib.sh)
OUTPUT_LOG=$T/all-output
mode_of() { stat -c %a "$1"; }

# --- help and usage
for cmd in discover check-template token refresh apply revert; do
  expect_exit 0 "$cmd --help" -- "$CLI" "$cmd" --help
  if grep -q "usage: domainconnect $cmd" "$T/out" && grep -q -- "--dns-server" "$T/out"; then ok
  else bad "$cmd --help text"; fi
  expect_exit 2 "$cmd bad option" -- "$CLI" "$cmd" --no-such-option
done
expect_exit 2 "discover without a domain" -- "$CLI" discover $NET
expect_exit 2 "check-template missing ids" -- "$CLI" check-template $NET example.test $SP

# --- discover
expect_exit 0 "discover apex" -- "$CLI" discover $NET example.test
expect_out_json "discover apex domain" 'd["domain"]' example.test
expect_out_json "discover apex host" 'd["host"]' ""
expect_out_json "discover providerId" 'd["providerId"]' provider.test
expect_out_json "discover urlAPI" 'd["urlAPI"]' "$API"
expect_out_json "discover width" 'd["width"]' 800
if [ "$(wc -l < "$T/out")" -eq 1 ]; then ok; else bad "discover prints one line"; fi
expect_exit 0 "discover sub-domain" -- "$CLI" discover $NET www.example.test
expect_out_json "discover sub-domain zone" 'd["domain"]' example.test
expect_out_json "discover sub-domain host" 'd["host"]' www
expect_exit 0 "discover options after the domain" -- "$CLI" discover www.example.co.uk $NET
expect_out_json "discover co.uk zone" 'd["domain"]' example.co.uk
expect_exit 0 "discover --soa" -- "$CLI" discover --soa $NET www.sub.example.test
expect_out_json "discover --soa zone" 'd["domain"]' sub.example.test
expect_out_json "discover --soa host" 'd["host"]' www
expect_out_json "discover --soa urlAPI" 'd["urlAPI"]' https://api2.provider.test
expect_exit 0 "discover without --soa" -- "$CLI" discover $NET www.sub.example.test
expect_out_json "discover psl zone" 'd["domain"]' example.test
expect_exit 1 "discover no record" -- "$CLI" discover $NET nodc.test
expect_err_starts "discover no record" no_record
expect_exit 1 "discover settings 404" -- "$CLI" discover $NET missing.test
expect_err_starts "discover settings 404" http_status
expect_err_has "discover settings 404 code" 404
expect_exit 1 "discover several TXT" -- "$CLI" discover $NET multi-rr.test
expect_err_starts "discover several TXT" txt_multiple
expect_exit 1 "discover public suffix" -- "$CLI" discover $NET co.uk
expect_err_starts "discover public suffix" public_suffix
# the twin: without the TEST-ONLY allow list the loopback server is refused
expect_exit 1 "discover twin" -- "$CLI" discover $TWIN example.test
expect_err_starts "discover twin" blocked

# --- check-template
expect_exit 0 "check-template supported" -- "$CLI" check-template $NET example.test $SP template1
expect_out "check-template version" '{"supported":true,"version":2}'
expect_exit 0 "check-template no version" -- "$CLI" check-template $NET example.test $SP noversion
expect_out "check-template null version" '{"supported":true,"version":null}'
expect_exit 1 "check-template unsupported" -- "$CLI" check-template $NET example.test $SP nosuch
expect_err_starts "check-template unsupported" not_supported
expect_exit 1 "check-template twin" -- "$CLI" check-template $TWIN example.test $SP template1
expect_err_starts "check-template twin" blocked

# --- token (secrets from files or the environment, never argv)
printf '%s\n' "$SECRET" > "$T/secret"
printf '%s\n' "$CODE" > "$T/code"
chmod 600 "$T/secret" "$T/code"
expect_exit 2 "token --code refused" -- "$CLI" token $NET --api-url $API --client-id sp-client \
  --client-secret-file "$T/secret" --code "$CODE" --out "$T/token.json"
expect_err_has "token --code says why" "code-file"
expect_exit 2 "token --code @ with no file name" -- "$CLI" token $NET --api-url $API --client-id sp-client \
  --client-secret-file "$T/secret" --code @ --out "$T/token.json"
expect_exit 2 "token without a code" -- env -u DC_OAUTH_CODE "$CLI" token $NET --api-url $API \
  --client-id sp-client --client-secret-file "$T/secret" --out "$T/token.json"
expect_exit 2 "token without --out" -- "$CLI" token $NET --api-url $API --client-id sp-client \
  --client-secret-file "$T/secret" --code-file "$T/code"
if [ -e "$T/token.json" ]; then bad "no token file after usage errors"; else ok; fi
# twin first (the code stays unused: the guard refuses before any request)
expect_exit 1 "token twin" -- "$CLI" token $TWIN --api-url $API --client-id sp-client \
  --client-secret-file "$T/secret" --code-file "$T/code" --redirect-uri https://app.example/cb \
  --out "$T/token.json"
expect_err_starts "token twin" blocked
expect_exit 0 "token" -- "$CLI" token $NET --api-url $API --client-id sp-client \
  --client-secret-file "$T/secret" --code-file "$T/code" --redirect-uri https://app.example/cb \
  --out "$T/token.json"
if [ "$(mode_of "$T/token.json")" = 600 ]; then ok; else bad "token file mode $(mode_of "$T/token.json")"; fi
cp "$T/token.json" "$T/out"
expect_out_json "token api_url" 'd["api_url"]' "$API"
expect_out_json "token provider_id" 'd["provider_id"]' api.provider.test
expect_out_json "token type" 'd["token_type"]' bearer
expect_out_json "token has a refresh token" '"refresh_token" in d' True
if ls "$T" | grep -q tmp; then bad "temporary token file left behind"; else ok; fi
# the code is single-use
expect_exit 1 "token code replay" -- "$CLI" token $NET --api-url $API --client-id sp-client \
  --client-secret-file "$T/secret" --code-file "$T/code" --redirect-uri https://app.example/cb \
  --out "$T/token-replay.json"
expect_err_starts "token code replay" http_status
expect_err_has "token code replay reason" invalid_grant
# --code @FILE and --code - read the same code (so the provider sees it and
# refuses the replay): the code itself never goes on the command line
expect_exit 1 "token --code @FILE" -- "$CLI" token $NET --api-url $API --client-id sp-client \
  --client-secret-file "$T/secret" --code @"$T/code" --redirect-uri https://app.example/cb \
  --out "$T/token-replay.json"
expect_err_has "token --code @FILE sent the code" invalid_grant
expect_exit 1 "token --code -" -- sh -c "\"$CLI\" token $NET --api-url $API --client-id sp-client \
  --client-secret-file \"$T/secret\" --code - --redirect-uri https://app.example/cb \
  --out \"$T/token-replay.json\" < \"$T/code\""
expect_err_has "token --code - sent the code" invalid_grant
# code and secret from the environment
expect_exit 0 "token from the environment" -- env DC_OAUTH_CODE=$CODE2 DC_CLIENT_SECRET=$SECRET \
  "$CLI" token $NET --api-url $API --client-id sp-client --redirect-uri https://app.example/cb \
  --out "$T/token2.json"
if [ "$(mode_of "$T/token2.json")" = 600 ]; then ok; else bad "token2 file mode"; fi

# --- apply
TGT="--provider-id $SP --domain www.example.test"
expect_exit 0 "apply" -- "$CLI" apply $NET --token "$T/token.json" $TGT --service-id template1 \
  --param IP=192.0.2.1 --group-id g1 --instance-id i1
expect_out "apply output" '{"result":"applied","http_status":204}'
expect_exit 0 "apply 202" -- "$CLI" apply $NET --token "$T/token.json" $TGT --service-id accepted
expect_out "apply 202 output" '{"result":"applied","http_status":202}'
expect_exit 3 "apply conflict" -- "$CLI" apply $NET --token "$T/token.json" $TGT --service-id conflict
expect_out_json "conflict code" 'd["code"]' 409
expect_out_json "conflict message" 'd["message"]' "Conflicting records"
expect_out_json "conflict records" 'len(d["records"])' 2
expect_out_json "conflict record 0" '(d["records"][0]["type"], d["records"][0]["host"], d["records"][0]["data"])' "('CNAME', 'www', '@')"
expect_err_starts "apply conflict" conflict
expect_exit 0 "apply --force" -- "$CLI" apply $NET --token "$T/token.json" $TGT --service-id conflict --force
expect_exit 1 "apply reserved variable" -- "$CLI" apply $NET --token "$T/token.json" $TGT \
  --service-id template1 --param domain=evil.test
expect_err_starts "apply reserved variable" reserved_param
expect_exit 2 "apply without --service-id" -- "$CLI" apply $NET --token "$T/token.json" $TGT
expect_exit 2 "apply --param without =" -- "$CLI" apply $NET --token "$T/token.json" $TGT \
  --service-id template1 --param IP
expect_exit 1 "apply missing token file" -- "$CLI" apply $NET --token "$T/nope.json" $TGT --service-id template1
expect_exit 1 "apply twin" -- "$CLI" apply $TWIN --token "$T/token.json" $TGT --service-id template1
expect_err_starts "apply twin" blocked

# --- refresh (rotation: the file is rewritten, the old refresh token dies)
cp "$T/token.json" "$T/token-old.json"
expect_exit 2 "refresh without --client-id" -- "$CLI" refresh $NET --token "$T/token.json" --out "$T/token.json"
expect_exit 1 "refresh twin" -- "$CLI" refresh $TWIN --token "$T/token.json" --out "$T/token.json" \
  --client-id sp-client --client-secret-file "$T/secret" --redirect-uri https://app.example/cb
expect_err_starts "refresh twin" blocked
chmod 644 "$T/token.json"
expect_exit 0 "refresh" -- "$CLI" refresh $NET --token "$T/token.json" --out "$T/token.json" \
  --client-id sp-client --client-secret-file "$T/secret" --redirect-uri https://app.example/cb
if [ "$(mode_of "$T/token.json")" = 600 ]; then ok; else bad "refreshed token mode $(mode_of "$T/token.json")"; fi
old_rt=$(json_eval "$T/token-old.json" 'd["refresh_token"]')
new_rt=$(json_eval "$T/token.json" 'd["refresh_token"]')
old_at=$(json_eval "$T/token-old.json" 'd["access_token"]')
new_at=$(json_eval "$T/token.json" 'd["access_token"]')
if [ -n "$new_rt" ] && [ "$old_rt" != "$new_rt" ] && [ "$old_at" != "$new_at" ]; then ok
else bad "refresh did not rotate the tokens"; fi
expect_exit 1 "refresh with the rotated-away token" -- "$CLI" refresh $NET --token "$T/token-old.json" \
  --out "$T/token-x.json" --client-id sp-client --client-secret-file "$T/secret" \
  --redirect-uri https://app.example/cb
expect_err_starts "refresh rotated-away" http_status
expect_err_has "refresh rotated-away says re-consent" "re-consent needed"
if [ -e "$T/token-x.json" ]; then bad "no token written after a failed refresh"; else ok; fi
expect_exit 1 "refresh at another API" -- "$CLI" refresh $NET --token "$T/token.json" \
  --out "$T/token-x.json" --api-url https://api2.provider.test --client-id sp-client \
  --client-secret-file "$T/secret"
expect_err_starts "refresh at another API" api_mismatch
# a document holding only refresh_token and api_url (or only refresh_token,
# the API from --api-url) refreshes
cur_rt=$(json_eval "$T/token.json" 'd["refresh_token"]')
printf '{"refresh_token":"%s","api_url":"%s"}\n' "$cur_rt" "$API" > "$T/rt-only.json"
expect_exit 0 "refresh from {refresh_token, api_url}" -- "$CLI" refresh $NET --token "$T/rt-only.json" \
  --out "$T/token.json" --client-id sp-client --client-secret-file "$T/secret" \
  --redirect-uri https://app.example/cb
expect_json "refreshed from a bare refresh token" "$T/token.json" '"access_token" in d' True
cur_rt=$(json_eval "$T/token.json" 'd["refresh_token"]')
printf '{"refresh_token":"%s"}\n' "$cur_rt" > "$T/rt-bare.json"
expect_exit 1 "refresh from {refresh_token} without --api-url" -- "$CLI" refresh $NET \
  --token "$T/rt-bare.json" --out "$T/token-x.json" --client-id sp-client --client-secret-file "$T/secret"
expect_err_starts "refresh bare without --api-url" token
expect_exit 1 "refresh from {refresh_token, api_url} at another API" -- "$CLI" refresh $NET \
  --token "$T/rt-only.json" --api-url https://api2.provider.test --out "$T/token-x.json" \
  --client-id sp-client --client-secret-file "$T/secret"
expect_err_starts "refresh bare at another API" api_mismatch
expect_exit 0 "refresh from {refresh_token} with --api-url" -- "$CLI" refresh $NET \
  --token "$T/rt-bare.json" --api-url "$API" --out "$T/token.json" --client-id sp-client \
  --client-secret-file "$T/secret" --redirect-uri https://app.example/cb

# --- revert
expect_exit 0 "apply with the refreshed token" -- "$CLI" apply $NET --token "$T/token.json" \
  --provider-id $SP --domain example.test --host rv --service-id template1
expect_exit 0 "revert" -- "$CLI" revert $NET --token "$T/token.json" --provider-id $SP \
  --domain example.test --host rv --service-id template1
expect_out "revert output" '{"result":"reverted","http_status":204}'
expect_exit 1 "revert not applied" -- "$CLI" revert $NET --token "$T/token.json" --provider-id $SP \
  --domain example.test --host rv --service-id template1
expect_err_starts "revert not applied" not_applied
expect_exit 1 "revert unsupported" -- "$CLI" revert $NET --token "$T/token.json" $TGT --service-id norevert
expect_err_starts "revert unsupported" revert_unsupported
expect_exit 2 "revert takes no --param" -- "$CLI" revert $NET --token "$T/token.json" $TGT \
  --service-id template1 --param a=b
expect_exit 1 "revert twin" -- "$CLI" revert $TWIN --token "$T/token.json" $TGT --service-id template1
expect_err_starts "revert twin" blocked

# --- placement: a provider reading apply/revert parameters only from the
# query (the default) and one reading only a JSON body (--params-in body)
printf '%s\n' code-cli-q-1a2b3c > "$T/code-q"
expect_exit 0 "token at the query-only provider" -- "$CLI" token $NET --api-url $API/q \
  --client-id sp-client --client-secret-file "$T/secret" --code-file "$T/code-q" \
  --redirect-uri https://app.example/cb --out "$T/tq.json"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); d["api_url"]=sys.argv[3]; json.dump(d,open(sys.argv[2],"w"))' \
  "$T/tq.json" "$T/tb.json" "$API/b"
for where in query body; do
  if [ $where = query ]; then TOK="$T/tq.json"; else TOK="$T/tb.json"; fi
  PIN="--params-in $where"
  expect_exit 0 "$where: apply 204" -- "$CLI" apply $NET --token "$TOK" $TGT --service-id template1 $PIN
  expect_out "$where: apply 204 output" '{"result":"applied","http_status":204}'
  expect_exit 0 "$where: apply 202" -- "$CLI" apply $NET --token "$TOK" $TGT --service-id accepted $PIN
  expect_out "$where: apply 202 output" '{"result":"applied","http_status":202}'
  expect_exit 3 "$where: apply 409" -- "$CLI" apply $NET --token "$TOK" $TGT --service-id conflict $PIN
  expect_out_json "$where: 409 records" 'len(d["records"])' 2
  expect_exit 0 "$where: apply --force" -- "$CLI" apply $NET --token "$TOK" $TGT --service-id conflict --force $PIN
  expect_exit 0 "$where: revert" -- "$CLI" revert $NET --token "$TOK" $TGT --service-id template1 $PIN
  expect_out "$where: revert output" '{"result":"reverted","http_status":204}'
done
# each provider refuses the other placement: it sees no domain
expect_exit 1 "query-only provider, body placement" -- "$CLI" apply $NET --token "$T/tq.json" $TGT \
  --service-id template1 --params-in body
expect_err_has "query-only provider, body placement" "domain missing"
expect_exit 1 "body-only provider, query placement" -- "$CLI" apply $NET --token "$T/tb.json" $TGT \
  --service-id template1
expect_err_has "body-only provider, query placement" "domain missing"
expect_exit 2 "--params-in bad value" -- "$CLI" apply $NET --token "$T/tq.json" $TGT \
  --service-id template1 --params-in form

# --- refresh at a provider that reads the client credentials only from the
# query: refused by default (with the hint), done with --token-params reference
printf '%s\n' code-cli-rq-4d5e6f > "$T/code-rq"
expect_exit 0 "token at the reference provider" -- "$CLI" token $NET --api-url $API/rq \
  --client-id sp-client --client-secret-file "$T/secret" --code-file "$T/code-rq" \
  --redirect-uri https://app.example/cb --out "$T/trq.json"
expect_exit 1 "refresh there, default placement" -- "$CLI" refresh $NET --token "$T/trq.json" \
  --out "$T/trq.json" --client-id sp-client --client-secret-file "$T/secret" \
  --redirect-uri https://app.example/cb
expect_err_has "refresh hint" "token-params reference"
expect_exit 0 "refresh there, --token-params reference" -- "$CLI" refresh $NET --token "$T/trq.json" \
  --out "$T/trq.json" --client-id sp-client --client-secret-file "$T/secret" \
  --redirect-uri https://app.example/cb --token-params reference
expect_exit 2 "--token-params bad value" -- "$CLI" refresh $NET --token "$T/trq.json" \
  --out "$T/trq.json" --client-id sp-client --token-params ref

# --- auto-refresh: an expired token is refreshed, the rotated token written
# back (0600), then the call made once; without it, token_expired
$PY -c 'import json,sys,time; d=json.load(open(sys.argv[1])); d["issued_at"]=int(time.time())-7200; d["expires_at"]=d["issued_at"]+3600; json.dump(d,open(sys.argv[2],"w"))' \
  "$T/token.json" "$T/expired.json"
chmod 644 "$T/expired.json"
cp "$T/expired.json" "$T/expired-before.json"
expect_exit 1 "apply with an expired token" -- "$CLI" apply $NET --token "$T/expired.json" $TGT --service-id template1
expect_err_starts "apply with an expired token" token_expired
expect_exit 2 "registration options without --auto-refresh" -- "$CLI" apply $NET --token "$T/expired.json" \
  $TGT --service-id template1 --client-id sp-client
expect_exit 2 "--auto-refresh without --client-id" -- "$CLI" apply $NET --token "$T/expired.json" \
  $TGT --service-id template1 --auto-refresh
expect_exit 0 "apply --auto-refresh" -- "$CLI" apply $NET --token "$T/expired.json" $TGT \
  --service-id template1 --auto-refresh --client-id sp-client --client-secret-file "$T/secret" \
  --redirect-uri https://app.example/cb
expect_out "apply --auto-refresh output" '{"result":"applied","http_status":204}'
if [ "$(mode_of "$T/expired.json")" = 600 ]; then ok; else bad "auto-refreshed token mode $(mode_of "$T/expired.json")"; fi
if $PY -c 'import json,sys,time; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a["access_token"]!=b["access_token"] and b["expires_at"]>time.time()+3000 else 1)' \
  "$T/expired-before.json" "$T/expired.json"; then ok; else bad "auto-refresh did not store the rotated token"; fi
# a 30-second token is usable at once
printf '%s\n' code-cli-short-0j1k > "$T/code-short"
printf '%s\n' short-lived-Secret-4e9a > "$T/secret-short"
expect_exit 0 "token with expires_in 30" -- "$CLI" token $NET --api-url $API --client-id sp-short \
  --client-secret-file "$T/secret-short" --code-file "$T/code-short" --out "$T/short.json"
expect_json "30-second token" "$T/short.json" 'd["expires_at"]-d["issued_at"]' 30
expect_exit 0 "apply with the 30-second token" -- "$CLI" apply $NET --token "$T/short.json" $TGT --service-id template1

# --- signed apply (the provider checks the signature with the public key)
KEY="$2/vectors/dck1_exampleservice_priv_pkcs1.pem"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); d["api_url"]=sys.argv[3]; json.dump(d,open(sys.argv[2],"w"))' \
  "$T/tq.json" "$T/ts.json" "$API/s"
expect_exit 1 "unsigned apply at the verifying provider" -- "$CLI" apply $NET --token "$T/ts.json" $TGT --service-id template1
expect_err_has "unsigned apply refused" "signature missing"
expect_exit 0 "signed apply" -- "$CLI" apply $NET --token "$T/ts.json" $TGT --service-id template1 \
  --param IP=192.0.2.5 --key-file "$KEY" --key-id _dck1
expect_exit 2 "signed apply with --params-in body" -- "$CLI" apply $NET --token "$T/ts.json" $TGT \
  --service-id template1 --key-file "$KEY" --key-id _dck1 --params-in body
expect_exit 2 "--key-file without --key-id" -- "$CLI" apply $NET --token "$T/ts.json" $TGT \
  --service-id template1 --key-file "$KEY"
expect_exit 1 "--key-file missing" -- "$CLI" apply $NET --token "$T/ts.json" $TGT \
  --service-id template1 --key-file "$T/no-such.pem" --key-id _dck1
expect_err_has "--key-file missing says so" "no-such.pem"

# --- a hostile provider echoing the secrets (provider_routes.py "echo"): no
# 10-byte piece of any of them in anything the CLI prints
ESECRET=Echo-Client-Secret-5Qz8Lm2Rt
EAT=echo-at-Vb7Nm3Kq9Lp2Xz5Wc8
ERT=split.Rf5Hn2Kw8Qm4Tz1
printf '%s\n' "$ESECRET" > "$T/esecret"
: > "$T/echo-output"
for mode in loc upper split ctl cut; do
  printf '%s.Zq8mK3vT9pL2xW7c\n' $mode > "$T/ecode"
  expect_exit 1 "echo token $mode" -- "$CLI" token $NET --api-url $API/echo --client-id echo-client \
    --client-secret-file "$T/esecret" --code-file "$T/ecode" --out "$T/etok.json"
  cat "$T/out" "$T/err" >> "$T/echo-output"
done
printf '{"refresh_token":"%s","api_url":"%s/echo"}\n' "$ERT" "$API" > "$T/ert.json"
expect_exit 1 "echo refresh" -- "$CLI" refresh $NET --token "$T/ert.json" --out "$T/etok.json" \
  --client-id echo-client --client-secret-file "$T/esecret"
cat "$T/out" "$T/err" >> "$T/echo-output"
$PY -c 'import json,sys,time; n=int(time.time()); json.dump({"access_token":sys.argv[2],"token_type":"bearer","issued_at":n,"expires_at":n+3600,"api_url":sys.argv[3],"provider_id":"p.test"},open(sys.argv[1],"w"))' \
  "$T/eat.json" "$EAT" "$API/echo"
for svc in echo-loc echo-upper echo-split echo-ctl echo-cut; do
  expect_exit 1 "echo apply $svc" -- "$CLI" apply $NET --token "$T/eat.json" $TGT --service-id $svc
  cat "$T/out" "$T/err" >> "$T/echo-output"
done
expect_exit 3 "echo apply 409" -- "$CLI" apply $NET --token "$T/eat.json" $TGT --service-id echo-c409
expect_out_json "echo 409 records kept" 'len(d["records"])' 2
cat "$T/out" "$T/err" >> "$T/echo-output"
if [ "$(wc -l < "$T/echo-output")" -ge 12 ]; then ok; else bad "echo output too short"; fi
if $PY - "$T/echo-output" "$ESECRET" "$EAT" "$ERT" \
  loc.Zq8mK3vT9pL2xW7c upper.Zq8mK3vT9pL2xW7c split.Zq8mK3vT9pL2xW7c ctl.Zq8mK3vT9pL2xW7c \
  cut.Zq8mK3vT9pL2xW7c <<'EOF'
import sys
out = open(sys.argv[1], encoding="latin-1").read().lower()
for s in sys.argv[2:]:
    for i in range(len(s) - 9):
        if s[i:i + 10].lower() in out:
            sys.exit("a piece %r of a secret is in the output" % s[i:i + 10])
EOF
then ok; else bad "a secret piece in the echo output"; fi

# --- secrets: never in any output, never in a request line; the client
# secret and codes only in token-endpoint bodies
if grep -q -e "$SECRET" -e "$CODE" -e "$CODE2" "$T/all-output"; then
  bad "a secret appeared in the CLI's output"; else ok; fi
if $PY - "$DC_TEST_HTTPS_LOG" "$SECRET" "$CODE" "$CODE2" "$old_rt" "$new_rt" "$old_at" "$new_at" <<'EOF'
import json, sys
log, secret, code, code2, *tokens = sys.argv[1:]
body_only = [secret, code, code2] + tokens[:2]
n = 0
for line in open(log, encoding="utf-8"):
    r = json.loads(line)
    n += 1
    pq, body, hdrs = r["path_and_query"], r["body"], json.dumps(r["headers"])
    if pq.startswith("/rq/") or pq.startswith("/echo/"):
        continue  # the opt-in reference placement; the hostile provider
    token_ep = pq.split("?")[0].endswith("/v2/oauth/access_token")
    for s in body_only + tokens[2:]:
        # the default placement puts the single-use code (only it) in the
        # token endpoint's query, as the reference client does
        if s and s in pq and not (token_ep and s in (code, code2)):
            sys.exit("secret in request line " + pq)
    for s in body_only:
        if s and s in hdrs:
            sys.exit("secret in headers of " + pq)
        if s and s in body and not token_ep:
            sys.exit("secret in the body of " + pq)
sys.exit(0 if n > 10 else "too few requests logged")
EOF
then ok; else bad "request log check"; fi

# --- every path a command writes is checked before any request (the
# writer's rules, docs/security.md §7.6): a refused --out must not use up the
# single-use code, nor a refused --auto-refresh write-back target rotate the
# refresh token away. The provider's request log must not grow.
OCODE=code-cli-out-8k9m
printf '%s\n' "$OCODE" > "$T/ocode"
mkfifo "$T/ofifo"
mkdir "$T/odir"
printf 'keep\n' > "$T/otarget"
ln -s "$T/otarget" "$T/olink"
cp "$T/expired-before.json" "$T/oexp.json"
ln -s "$T/oexp.json" "$T/oexp-link"
settled_log_lines() { sleep 0.3; wc -l < "$DC_TEST_HTTPS_LOG"; }
log_before=$(settled_log_lines)
for target in "$T/ofifo" /dev/null "$T/odir" "$T/olink"; do
  expect_exit 1 "token --out $target" -- "$CLI" token $NET --api-url $API --client-id sp-client \
    --client-secret-file "$T/secret" --code-file "$T/ocode" --redirect-uri https://app.example/cb \
    --out "$target"
  expect_err_has "token --out $target says why" "token: cannot write $target: not a regular file"
done
expect_exit 1 "token --out in a missing directory" -- "$CLI" token $NET --api-url $API \
  --client-id sp-client --client-secret-file "$T/secret" --code-file "$T/ocode" \
  --redirect-uri https://app.example/cb --out "$T/nodir/tok.json"
expect_err_has "token --out in a missing directory says why" \
  "cannot create a file next to $T/nodir/tok.json: No such file or directory"
expect_exit 1 "refresh --out FIFO" -- "$CLI" refresh $NET --token "$T/token.json" --out "$T/ofifo" \
  --client-id sp-client --client-secret-file "$T/secret" --redirect-uri https://app.example/cb
expect_err_has "refresh --out FIFO says why" "refresh: cannot write $T/ofifo: not a regular file"
expect_exit 1 "refresh --out directory" -- "$CLI" refresh $NET --token "$T/token.json" --out "$T/odir" \
  --client-id sp-client --client-secret-file "$T/secret" --redirect-uri https://app.example/cb
expect_err_has "refresh --out directory says why" "cannot write $T/odir: not a regular file"
for cmd in apply revert; do
  expect_exit 1 "$cmd --auto-refresh, --token a symbolic link" -- "$CLI" $cmd $NET \
    --token "$T/oexp-link" $TGT --service-id template1 --auto-refresh --client-id sp-client \
    --client-secret-file "$T/secret" --redirect-uri https://app.example/cb
  expect_err_has "$cmd --auto-refresh link says why" "$cmd: cannot write $T/oexp-link: not a regular file"
done
if [ "$(id -u)" != 0 ]; then # root may write anywhere
  mkdir "$T/ro"; cp "$T/oexp.json" "$T/ro/exp.json"; chmod 555 "$T/ro"
  expect_exit 1 "apply --auto-refresh, read-only directory" -- "$CLI" apply $NET \
    --token "$T/ro/exp.json" $TGT --service-id template1 --auto-refresh --client-id sp-client \
    --client-secret-file "$T/secret" --redirect-uri https://app.example/cb
  expect_err_has "read-only directory says why" "cannot create a file next to $T/ro/exp.json"
  chmod 755 "$T/ro"
fi
log_after=$(settled_log_lines)
if [ "$log_after" -eq "$log_before" ]; then ok; else
  bad "refused write targets: $((log_after - log_before)) request(s) reached the provider"; fi
if [ -p "$T/ofifo" ]; then ok; else bad "the FIFO was replaced"; fi
if [ -c /dev/null ]; then ok; else bad "/dev/null was replaced"; fi
if [ -L "$T/olink" ] && [ "$(cat "$T/otarget")" = keep ]; then ok; else bad "the link or its target changed"; fi
if [ -L "$T/oexp-link" ] && cmp -s "$T/oexp.json" "$T/expired-before.json"; then ok
else bad "the auto-refresh link or its target changed"; fi
if [ -z "$(ls -A "$T/odir")" ] && ! ls -a "$T" | grep -q '\.tmp\.'; then ok
else bad "a temporary file was left behind"; fi
# the code was not used up: the same code to a writable --out succeeds
expect_exit 0 "token after the refusals" -- "$CLI" token $NET --api-url $API --client-id sp-client \
  --client-secret-file "$T/secret" --code-file "$T/ocode" --redirect-uri https://app.example/cb \
  --out "$T/otok.json"
if [ "$(mode_of "$T/otok.json")" = 600 ]; then ok; else bad "token after the refusals: no token file"; fi

finish
