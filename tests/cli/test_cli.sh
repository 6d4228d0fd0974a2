#!/bin/sh
# End-to-end tests of the domainconnect CLI (public API only).
# Usage: test_cli.sh CLI DATA_DIR
set -u
# shared helpers (PY, ok, bad, expect_*, json_eval, wrapped, finish, ...)
. "$(dirname "$0")/../support/lib.sh"
DATA=$2
VEC=$DATA/vectors
# DC_CLI_WRAPPER (e.g. "valgrind --error-exitcode=99 --leak-check=full -q")
# runs every CLI invocation under that command; `make valgrind` uses it.
cli_suite "$1"

json_field() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/out" "$1"; }

# --- usage and help
expect_exit 2 "no command" -- "$CLI"
expect_exit 2 "unknown command" -- "$CLI" frobnicate
expect_exit 0 "global help" -- "$CLI" --help
cp "$T/out" "$T/global-help"
ALL_COMMANDS="zone-split settings-check sync-url consent-url sign verify-sig pubkey-records parse-callback guard discover check-template token refresh apply revert template verify"
# the command list of the help is the list tested here (a new command must be added)
listed=$(sed -n '/^Commands:/,/^$/p' "$T/global-help" | awk 'NF { print $1 }' | grep -v '^Commands:' | tr '\n' ' ')
if [ "$listed" = "$ALL_COMMANDS " ]; then ok; else bad "commands in --help: '$listed'"; fi
for cmd in $ALL_COMMANDS; do
  # every command's --help prints its help on stdout, exit 0
  expect_exit 0 "$cmd --help" -- "$CLI" "$cmd" --help
  if grep -q "usage: domainconnect $cmd" "$T/out"; then ok; else bad "$cmd --help text"; fi
  expect_exit 2 "$cmd bad option" -- "$CLI" "$cmd" --no-such-option
  # the top-level help lists the exit statuses of every command
  if sed -n '/^Exit status/,$p' "$T/global-help" | grep -q "^  $cmd  .*0 [a-z]"; then ok; else
    bad "exit statuses of $cmd not in the global help"; fi
done
# subcommands' --help too
for sub in "template lint" "template apply" "guard ip" "guard txt" "guard url"; do
  expect_exit 0 "$sub --help" -- "$CLI" $sub --help
  if grep -q "usage: domainconnect ${sub%% *}" "$T/out"; then ok; else bad "$sub --help text"; fi
done
if grep -q "apply --batch: 0 every line applied, 4 some lines" "$T/global-help"; then ok; else bad "batch exit statuses in the global help"; fi
# a required option or operand left out: usage error (2) naming what is missing
while IFS="|" read -r cmd needed; do
  # shellcheck disable=SC2086
  expect_exit 2 "$cmd: missing required" -- "$CLI" $cmd
  expect_err_has "$cmd: missing required names it" "$needed"
done <<'EOF2'
zone-split|expected one DOMAIN
settings-check|--settings
sync-url|\(--settings\|--domain\)
consent-url|\(--settings\|--domain\)
sign|--key-file
verify-sig|--records
pubkey-records|--key-file
guard|ip|txt|url
discover|DOMAIN
check-template|DOMAIN PROVIDER_ID SERVICE_ID
token|--api-url
refresh|--token
apply|--token
revert|--token
template|SUBCOMMAND
template lint|FILE
template apply|missing required option --template
verify|--template
EOF2

# --- zone-split
expect_exit 0 "zone-split" -- "$CLI" zone-split WWW.Sub.Example.CO.UK.
expect_out "zone-split json" '{"input":"WWW.Sub.Example.CO.UK.","domain":"www.sub.example.co.uk","zone":"example.co.uk","host":"www.sub"}'
expect_exit 0 "zone-split idn" -- "$CLI" zone-split shop.münchen.de
expect_out "zone-split idn json" '{"input":"shop.münchen.de","domain":"shop.xn--mnchen-3ya.de","zone":"xn--mnchen-3ya.de","host":"shop"}'
expect_exit 1 "zone-split public suffix" -- "$CLI" zone-split co.uk
expect_err_has "zone-split public suffix message" "public suffix"
if head -c 14 "$T/err" | grep -q '^public_suffix:'; then ok; else bad "stderr starts with the stable status name: $(cat "$T/err")"; fi
expect_exit 1 "zone-split invalid" -- "$CLI" zone-split "bad..name.com"
expect_exit 2 "zone-split no arg" -- "$CLI" zone-split
printf 'example\n' > "$T/psl.dat"
expect_exit 0 "zone-split custom psl" -- "$CLI" zone-split --psl-file "$T/psl.dat" a.b.example
expect_out "zone-split custom psl json" '{"input":"a.b.example","domain":"a.b.example","zone":"b.example","host":"a"}'

# --- settings-check
expect_exit 0 "settings-check ok" -- "$CLI" settings-check --settings "$DATA/settings/ionos.json" --zone example.com
if [ "$(json_field urlControlPanel)" = "https://my.ionos.de/domains?domain=example.com" ]; then ok; else bad "settings-check %domain% fill"; fi
if [ "$(json_field width)" = "750" ]; then ok; else bad "settings-check width"; fi
expect_exit 1 "settings-check missing urlAPI" -- "$CLI" settings-check --settings "$DATA/settings/missing_api.json"
expect_err_has "settings-check missing urlAPI names field" "urlAPI"
expect_exit 1 "settings-check userinfo URL" -- "$CLI" settings-check --settings "$DATA/settings/bad_url.json"
expect_exit 1 "settings-check missing file" -- "$CLI" settings-check --settings "$T/nope.json"
expect_err_has "missing file says missing" "nope.json: missing (no such file)"
mkdir "$T/somedir"
expect_exit 1 "settings-check unreadable file" -- "$CLI" settings-check --settings "$T/somedir"
expect_err_has "unreadable file says unreadable" "somedir: unreadable (a directory)"
expect_exit 1 "sign key file missing" -- "$CLI" sign --key-file "$T/nokey.pem" --key-id _k "x=1"
expect_err_has "key file missing says missing" "nokey.pem: missing (no such file)"
expect_exit 1 "zone-split psl file missing" -- "$CLI" zone-split --psl-file "$T/nopsl.dat" a.example.com
expect_err_has "psl file missing says missing" "^psl_file: .*nopsl.dat: missing (no such file)"
if [ "$(id -u)" != 0 ]; then
  printf '{}' > "$T/noperm.json"; chmod 000 "$T/noperm.json"
  expect_exit 1 "settings-check permission denied" -- "$CLI" settings-check --settings "$T/noperm.json"
  expect_err_has "permission denied says unreadable" "noperm.json: unreadable (permission denied)"
fi
expect_exit 2 "settings-check no --settings" -- "$CLI" settings-check

# --- sync-url: the reference Python client's vector, byte for byte
expected=$($PY -c 'import json,sys
for e in json.load(open(sys.argv[1])):
    if e["id"] == "py_sync_url_with_signature": print(e["expected_url"])' "$VEC/signature_vectors.json")
cat > "$T/ionos-vec.json" <<'JSON'
{"providerId":"ionos.de","providerName":"IONOS","urlSyncUX":"https://domainconnect.ionos.de/sync","urlAPI":"https://api.domainconnect.ionos.com"}
JSON
expect_exit 0 "sync-url python signed" -- "$CLI" sync-url --settings "$T/ionos-vec.json" \
  --domain diabtrack.com --provider-id exampleservice.domainconnect.org --service-id template2 \
  --param IP=132.148.25.185 --param RANDOMTEXT=shm:1531371203:Hejo \
  --key-file "$VEC/dck1_exampleservice_priv_pkcs1.pem" --key-id _dck1 --profile python
expect_out "sync-url python vector" "$expected"

# default profile, sub-domain split by PSL, verify with published records
expect_exit 0 "pubkey-records" -- "$CLI" pubkey-records --key-file "$VEC/dck1_exampleservice_priv_pkcs1.pem" --key-id _dck1
cp "$T/out" "$T/records.txt"
expect_exit 0 "sync-url default signed" -- "$CLI" sync-url --settings "$DATA/settings/ionos.json" \
  --domain www.example.co.uk --provider-id exampleservice.domainconnect.org --service-id template1 \
  --param "text=a b+c/d" --state "s1" --group-id a --group-id b --redirect-uri https://app.example/cb \
  --key-file "$VEC/dck1_exampleservice_priv_pkcs1.pem" --key-id _dck1
cp "$T/out" "$T/url.txt"
case "$(cat "$T/url.txt")" in
  "https://domainconnect.ionos.de/sync/v2/domainTemplates/providers/exampleservice.domainconnect.org/services/template1/apply?domain=example.co.uk&groupId=a%2Cb&host=www&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1&text=a%20b%2Bc%2Fd&key=_dck1&sig="*) ok ;;
  *) bad "sync-url default layout: $(cat "$T/url.txt")" ;;
esac
expect_exit 0 "verify-sig our URL" -- "$CLI" verify-sig --records "$T/records.txt" --key-id _dck1 "$(cat "$T/url.txt")"
expect_out "verify-sig prints valid" "valid"
tampered=$(sed 's/text=a%20b/text=a%20c/' "$T/url.txt")
expect_exit 1 "verify-sig tampered" -- "$CLI" verify-sig --records "$T/records.txt" "$tampered"
expect_err_has "verify-sig tampered reason" "does not verify"
expect_exit 1 "verify-sig wrong key id" -- "$CLI" verify-sig --records "$T/records.txt" --key-id _other "$(cat "$T/url.txt")"
expect_exit 1 "verify-sig unsigned" -- "$CLI" verify-sig --records "$T/records.txt" "domain=example.com"
# stdin input and zone-file style records
sed 's/^\(.*\)$/_dck1 IN TXT "\1"/' "$T/records.txt" > "$T/zone-records.txt"
expect_exit 0 "verify-sig stdin zone-file records" -- sh -c "\"$CLI\" verify-sig --records \"$T/zone-records.txt\" < \"$T/url.txt\""

# sync-url refusals
expect_exit 1 "sync-url reserved param" -- "$CLI" sync-url --settings "$DATA/settings/ionos.json" \
  --domain example.com --provider-id p.example --service-id s --param domain=evil.com
expect_err_has "reserved param message" "^reserved_param: "
# reserved names are matched ignoring ASCII case
for name in Domain HOST Redirect_Uri groupid STATE Sig; do
  expect_exit 1 "sync-url reserved param $name" -- "$CLI" sync-url --settings "$DATA/settings/ionos.json" \
    --domain example.com --provider-id p.example --service-id s --param "$name=evil.com"
  expect_err_has "reserved param $name message" "^reserved_param: "
done
expect_exit 0 "sync-url near-reserved name is a variable" -- "$CLI" sync-url --settings "$DATA/settings/ionos.json" \
  --domain example.com --provider-id p.example --service-id s --param "domains=x"
expect_exit 1 "sync-url no urlSyncUX" -- "$CLI" sync-url --settings "$DATA/settings/no_sync.json" \
  --domain example.com --provider-id p.example --service-id s
expect_err_has "no urlSyncUX message" "urlSyncUX"
expect_exit 2 "sync-url bad profile" -- "$CLI" sync-url --settings "$DATA/settings/ionos.json" \
  --domain example.com --provider-id p --service-id s --profile perl
expect_exit 2 "sync-url key-file without key-id" -- "$CLI" sync-url --settings "$DATA/settings/ionos.json" \
  --domain example.com --provider-id p --service-id s --key-file "$VEC/dck1_exampleservice_priv_pkcs1.pem"
expect_exit 1 "sync-url bad key id" -- "$CLI" sync-url --settings "$DATA/settings/ionos.json" \
  --domain example.com --provider-id p --service-id s --key-file "$VEC/dck1_exampleservice_priv_pkcs1.pem" --key-id "a.b"

# encrypted key, passphrase from a file (never argv)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc -pass pass:correct-horse -out "$T/enc.pem" 2>/dev/null
printf 'correct-horse\n' > "$T/pass.txt"
printf 'Tr0ub4dor\n' > "$T/wrong.txt"
expect_exit 0 "sign encrypted key" -- "$CLI" sign --key-file "$T/enc.pem" --key-id _k2 --passphrase-file "$T/pass.txt" "domain=example.com&x=1"
cp "$T/out" "$T/signed.txt"
expect_exit 0 "pubkey-records encrypted" -- "$CLI" pubkey-records --key-file "$T/enc.pem" --key-id _k2 --passphrase-file "$T/pass.txt"
cp "$T/out" "$T/rec2.txt"
expect_exit 0 "verify own signature" -- "$CLI" verify-sig --records "$T/rec2.txt" "$(cat "$T/signed.txt")"
expect_exit 1 "sign wrong passphrase" -- "$CLI" sign --key-file "$T/enc.pem" --key-id _k2 --passphrase-file "$T/wrong.txt" "x=1"
expect_err_has "wrong passphrase message" "passphrase"
if grep -q "Tr0ub4dor" "$T/err"; then bad "passphrase leaked into the message"; else ok; fi
expect_exit 1 "sign no passphrase" -- "$CLI" sign --key-file "$T/enc.pem" --key-id _k2 "x=1"
expect_exit 0 "sign json" -- "$CLI" sign --json --key-file "$VEC/dck1_exampleservice_priv_pkcs1.pem" --key-id _dck1 "a=1&b=2&ip=10.10.10.10&domain=example.net"
want_sig=$($PY -c 'import json,sys
for e in json.load(open(sys.argv[1])):
    if e["id"] == "spec_sig_example": print(e["sig_base64"])' "$VEC/signature_vectors.json")
if [ "$(json_field sig)" = "$want_sig" ]; then ok; else bad "sign reproduces the spec signature"; fi

# --- consent-url
expect_exit 0 "consent-url" -- "$CLI" consent-url --settings "$DATA/settings/ionos.json" --domain example.com \
  --provider-id exampleservice.domainconnect.org --service-id t1 --service-id t2 --host "" --host sub1 \
  --redirect-uri https://app.example/cb --state st
expect_out "consent-url layout" "https://domainconnect.ionos.de/async/v2/domainTemplates/providers/exampleservice.domainconnect.org?client_id=exampleservice.domainconnect.org&domain=example.com&host=%2Csub1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=t1%20t2&state=st"
expect_exit 1 "consent-url no urlAsyncUX" -- "$CLI" consent-url --settings "$T/ionos-vec.json" --domain example.com \
  --provider-id p.example --service-id t1 --redirect-uri https://app.example/cb
expect_err_has "no urlAsyncUX message" "urlAsyncUX"
expect_exit 0 "consent-url without urlSyncUX" -- "$CLI" consent-url --settings "$DATA/settings/no_sync.json" --domain example.com \
  --provider-id p.example --service-id t1 --redirect-uri https://app.example/cb
expect_exit 1 "consent-url missing redirect" -- "$CLI" consent-url --settings "$DATA/settings/ionos.json" --domain example.com \
  --provider-id p.example --service-id t1

# --- parse-callback (query from stdin, never argv)
printf 'https://app.example/cb?code=abc123&state=st\n' > "$T/cb1"
expect_exit 0 "callback ok" -- sh -c "\"$CLI\" parse-callback --state st < \"$T/cb1\""
if [ "$(json_field outcome)" = "ok" ] && [ "$(json_field code)" = "abc123" ]; then ok; else bad "callback ok fields"; fi
printf 'error=access_denied&error_description=user_cancel%%20pressed&state=st' > "$T/cb2"
expect_exit 1 "callback user cancel" -- "$CLI" parse-callback --state st --query-file "$T/cb2"
if [ "$(json_field outcome)" = "user_cancel" ]; then ok; else bad "callback user_cancel outcome"; fi
expect_exit 1 "callback state mismatch" -- "$CLI" parse-callback --state other --query-file "$T/cb1"
expect_err_has "state mismatch message" "state"
if grep -q abc123 "$T/err"; then bad "code leaked into the message"; else ok; fi
printf 'code=a&code=b&state=st' > "$T/cb3"
expect_exit 1 "callback duplicate code" -- "$CLI" parse-callback --state st --query-file "$T/cb3"
expect_exit 2 "callback query in argv refused" -- "$CLI" parse-callback --state st "code=abc&state=st"

# --- discover --batch: progress bar only on a terminal (no network needed:
# invalid names fail before any lookup)
printf 'bad..one.com\n# comment\n\nbad..two.com\n-x-.com\n' > "$T/batch.txt"
expect_exit 0 "batch without a terminal" -- "$CLI" discover --batch "$T/batch.txt"
if [ "$(grep -c '"status":"invalid_domain"' "$T/out")" = 3 ]; then ok; else bad "batch result lines"; fi
if grep -q '%' "$T/err"; then bad "progress bar drawn without a terminal"; else ok; fi
expect_err_has "batch summary" "by outcome: invalid_domain=3"
# script(1) gives the tool a terminal; the bar knows the total of a file
script -qfec "\"$CLI\" discover --batch \"$T/batch.txt\"" /dev/null > "$T/tty" 2>&1
if grep -q '\[##############################\] 100% 3/3' "$T/tty"; then ok; else
  bad "progress bar on a terminal: $(cat "$T/tty")"; fi

finish
