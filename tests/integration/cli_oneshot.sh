#!/bin/sh
# The CLI from a domain alone (issue 10, points 5 and 6): sync-url and
# consent-url without --settings discover the provider (Knot DNS and the
# HTTPS test provider, provider_routes.py with oneshot_config.json on
# 127.0.0.2 and 127.0.0.3: see cli_oneshot.harness) and take the zone and
# host from the discovery; discover prints the settings' unknown members as
# they came. Every call that needs the TEST-ONLY allow list has a twin that
# the guard refuses without it.
# Usage: cli_oneshot.sh CLI DATA_DIR
set -u
. "$(dirname "$0")/../support/lib.sh"
cli_suite "$1"
harness_net
: "${DC_TEST_HTTPS_LOG:?run under harness.py}"
SP=exampleservice.domainconnect.org
IDS="--provider-id $SP --service-id template1"
SYNC=https://sync.provider.test/v2/domainTemplates/providers/$SP/services/template1/apply
CONSENT=https://consent.provider.test/v2/domainTemplates/providers/$SP
RU=https%3A%2F%2Fapp.example%2Fcb

# --- sync-url from a domain alone: zone and host from the discovery
expect_exit 0 "sync-url from a sub-domain" -- "$CLI" sync-url $NET --domain www.example.test $IDS \
  --param IP=192.0.2.1
expect_out "sync-url from a sub-domain" "$SYNC?IP=192.0.2.1&domain=example.test&host=www"
expect_exit 0 "sync-url from the apex" -- "$CLI" sync-url --domain example.test $IDS $NET
expect_out "sync-url from the apex" "$SYNC?domain=example.test"
expect_exit 0 "sync-url: --host with the zone" -- "$CLI" sync-url $NET --domain example.test \
  --host api $IDS
expect_out "sync-url: --host with the zone" "$SYNC?domain=example.test&host=api"
n_before=$(wc -l < "$DC_TEST_HTTPS_LOG")
expect_exit 0 "sync-url from the apex, signed" -- "$CLI" sync-url $NET --domain a.b.example.test \
  $IDS --key-file "$2/vectors/dck1_exampleservice_priv_pkcs1.pem" --key-id _dck1
if grep -q "^$SYNC?domain=example.test&host=a.b&key=_dck1&sig=" "$T/out"; then ok
else bad "signed sync-url from a domain: $(cat "$T/out")"; fi
# the discovery went to the provider: one settings request per call
n_after=$(wc -l < "$DC_TEST_HTTPS_LOG")
if [ "$n_after" -eq $((n_before + 1)) ] && tail -n 1 "$DC_TEST_HTTPS_LOG" | \
   grep -q '"path_and_query": "/v2/example.test/settings"'; then ok
else bad "sync-url fetched the settings once"; fi
# --soa: the delegated sub-zone's provider, which has no sync flow
expect_exit 1 "sync-url --soa: no urlSyncUX" -- "$CLI" sync-url $NET --soa \
  --domain www.sub.example.test $IDS
expect_err_starts "sync-url --soa: no urlSyncUX" no_sync_ux
# the mismatch: with --host, DOMAIN must be the zone the discovery finds
expect_exit 1 "sync-url: domain is not the zone" -- "$CLI" sync-url $NET \
  --domain www.example.test --host api $IDS
expect_err_starts "sync-url: domain is not the zone" settings_mismatch
expect_err_has "sync-url mismatch names both" "www.example.test is not the zone the settings are for (example.test)"
# the twin: without the TEST-ONLY allow list the guard refuses the provider
expect_exit 1 "sync-url twin" -- "$CLI" sync-url $TWIN --domain www.example.test $IDS
expect_err_starts "sync-url twin" blocked
expect_exit 2 "sync-url --soa with --settings" -- "$CLI" sync-url --settings /dev/null --soa \
  --domain example.test $IDS

# --- consent-url from a domain alone
expect_exit 0 "consent-url from a sub-domain" -- "$CLI" consent-url $NET \
  --domain www.example.test $IDS --redirect-uri https://app.example/cb --state s1
expect_out "consent-url from a sub-domain" \
  "$CONSENT?client_id=$SP&domain=example.test&host=www&redirect_uri=$RU&response_type=code&scope=template1&state=s1"
expect_exit 0 "consent-url: --host list with the zone" -- "$CLI" consent-url $NET \
  --domain example.test --host www --host "" $IDS --redirect-uri https://app.example/cb
expect_out "consent-url: --host list with the zone" \
  "$CONSENT?client_id=$SP&domain=example.test&host=www%2C&redirect_uri=$RU&response_type=code&scope=template1"
expect_exit 1 "consent-url: domain is not the zone" -- "$CLI" consent-url $NET \
  --domain www.example.test --host www $IDS --redirect-uri https://app.example/cb
expect_err_starts "consent-url: domain is not the zone" settings_mismatch
expect_exit 1 "consent-url twin" -- "$CLI" consent-url $TWIN --domain www.example.test $IDS \
  --redirect-uri https://app.example/cb
expect_err_starts "consent-url twin" blocked
# --settings: --domain is split into zone and host as sync-url does
$CLI discover $NET example.test > "$T/disc.json" 2>/dev/null
$PY - "$T/disc.json" "$T/settings.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = {k: v for k, v in d.items() if k not in ("domain", "host", "unknown")}
json.dump(s, open(sys.argv[2], "w"))
PYEOF
expect_exit 0 "consent-url --settings splits --domain" -- "$CLI" consent-url \
  --settings "$T/settings.json" --domain www.example.test $IDS --redirect-uri https://app.example/cb
expect_out "consent-url --settings splits --domain" \
  "$CONSENT?client_id=$SP&domain=example.test&host=www&redirect_uri=$RU&response_type=code&scope=template1"

# --- discover: the settings' unknown members, as they came
expect_exit 0 "discover with unknown members" -- "$CLI" discover $NET example.test
expect_out_json "discover unknown x-vendor" 'd["unknown"]["x-vendor"]' "{'tier': 'gold', 'limits': [1, 2.5]}"
expect_out_json "discover unknown redirectSupported" 'd["unknown"]["redirectSupported"]' True
expect_out_json "discover unknown has only those" 'sorted(d["unknown"])' "['redirectSupported', 'x-vendor']"
expect_out_json "discover known fields unchanged" 'd["providerId"], d["width"], d["domain"], d["host"]' \
  "('provider.test', 800, 'example.test', '')"
# as they came, whitespace between tokens dropped (the server sends
# Python's json.dumps: {"tier": "gold", "limits": [1, 2.5]}); byte-exact
# values (2.50 stays 2.50) are pinned by tests/unit/test_settings.c
if grep -q '"unknown":{"x-vendor":{"tier":"gold","limits":\[1,2.5\]},"redirectSupported":true}}$' "$T/out"
then ok; else bad "unknown members not as they came: $(cat "$T/out")"; fi
expect_exit 0 "discover without unknown members" -- "$CLI" discover $NET www.sub.example.test --soa
expect_out_json "no unknown member when none" '"unknown" in d' False
# settings-check prints them too
printf '{"providerId":"p.example", "providerName":"P","urlAPI":"https://a.example",\n "extra": {"k": [true, null, 2.50]}}\n' > "$T/extra.json"
expect_exit 0 "settings-check unknown" -- "$CLI" settings-check --settings "$T/extra.json"
expect_out "settings-check unknown" '{"providerId":"p.example","providerName":"P","urlAPI":"https://a.example","width":750,"height":750,"unknown":{"extra":{"k":[true,null,2.50]}}}'

# --- guard --json: the reasons on the network path
expect_exit 1 "guard --json --resolve refused" -- "$CLI" guard url https://api.provider.test \
  --resolve --json $TWIN
expect_out_json "guard --json blocked_address" 'd["verdict"], d["reason"]' "('refuse', 'blocked_address')"
expect_exit 0 "guard --json --resolve allowed" -- "$CLI" guard url https://api.provider.test \
  --resolve --json $NET
expect_out "guard --json allowed" '{"verdict":"allow","reason":"none","detail":null}'
expect_exit 1 "guard --json unresolvable" -- "$CLI" guard txt nosuch.example.test --resolve --json $NET
expect_out_json "guard --json unresolvable" 'd["verdict"], d["reason"], d["status"]' \
  "('refuse', 'unresolvable', 'no_record')"

finish cli_oneshot
