#!/bin/sh
# parse-callback --sync: the synchronous flow's return (docs/protocol.md
# §2.5; issue 10.2), and consent-url's zone/host split of --domain (10.5),
# offline.
# Usage: test_sync_return.sh CLI DATA_DIR
set -u
. "$(dirname "$0")/../support/lib.sh"
cli_suite "$1"
DATA=$2

# --- success: the redirect_uri (with its own query) plus the echoed state
printf 'https://app.example/done?step=2&state=s-123\n' > "$T/ok"
expect_exit 0 "sync success" -- "$CLI" parse-callback --sync --state s-123 --query-file "$T/ok"
expect_out "sync success" '{"outcome":"ok","state":"s-123","error":null,"error_description":null}'
# from standard input, and without a state (the apply URL carried none)
printf '' > "$T/empty"
expect_exit 0 "sync success, no state" -- sh -c "\"$CLI\" parse-callback --sync < \"$T/empty\""
expect_out "sync success, no state" '{"outcome":"ok","state":null,"error":null,"error_description":null}'
# the state from a file
printf 's-123\n' > "$T/state"
expect_exit 0 "sync success, --state-file" -- "$CLI" parse-callback --sync --state-file "$T/state" \
  --query-file "$T/ok"

# --- the user cancelled (access_denied, description starting user_cancel)
printf 'https://app.example/done?state=s-123&error=access_denied&error_description=user_cancel%%3A+closed\n' > "$T/cancel"
expect_exit 1 "sync user cancel" -- "$CLI" parse-callback --sync --state s-123 --query-file "$T/cancel"
expect_out "sync user cancel" '{"outcome":"user_cancel","state":"s-123","error":"access_denied","error_description":"user_cancel: closed"}'
if [ -s "$T/err" ]; then bad "sync user cancel: stderr '$(cat "$T/err")'"; else ok; fi

# --- access denied and another provider error
printf 'error=access_denied&state=s-123' > "$T/denied"
expect_exit 1 "sync access denied" -- "$CLI" parse-callback --sync --state s-123 --query-file "$T/denied"
expect_out "sync access denied" '{"outcome":"access_denied","state":"s-123","error":"access_denied","error_description":null}'
printf 'error=invalid_request&error_description=bad+host&state=s-123' > "$T/perr"
expect_exit 1 "sync provider error" -- "$CLI" parse-callback --sync --state s-123 --query-file "$T/perr"
expect_out "sync provider error" '{"outcome":"provider_error","state":"s-123","error":"invalid_request","error_description":"bad host"}'

# --- state mismatch: nothing on stdout, the reason on stderr, no state quoted
expect_exit 1 "sync state mismatch" -- "$CLI" parse-callback --sync --state s-999 --query-file "$T/ok"
expect_out "sync state mismatch prints nothing" ""
expect_err_starts "sync state mismatch" state_mismatch
if grep -q s-123 "$T/err"; then bad "state quoted in the message"; else ok; fi
expect_exit 1 "sync state missing" -- "$CLI" parse-callback --sync --state s-123 --query-file "$T/empty"
expect_err_starts "sync state missing" state_mismatch
expect_exit 1 "sync mismatch before the error" -- "$CLI" parse-callback --sync --state s-999 \
  --query-file "$T/cancel"
expect_err_starts "sync mismatch before the error" state_mismatch

# --- malformed
printf 'state=s-123&state=s-123' > "$T/dup"
expect_exit 1 "sync duplicate state" -- "$CLI" parse-callback --sync --state s-123 --query-file "$T/dup"
expect_err_starts "sync duplicate state" callback
# without --sync the same return is refused: the OAuth callback needs a code
expect_exit 1 "callback without --sync" -- "$CLI" parse-callback --state s-123 --query-file "$T/ok"
expect_err_starts "callback without --sync" callback
expect_exit 0 "parse-callback --help names --sync" -- "$CLI" parse-callback --help
if grep -q -- "--sync" "$T/out"; then ok; else bad "--sync not in the help"; fi

# --- consent-url --settings: --domain is split into zone and host (PSL)
S="--settings $DATA/settings/ionos.json --provider-id p.example --service-id t1 --redirect-uri https://app.example/cb"
C=https://domainconnect.ionos.de/async/v2/domainTemplates/providers/p.example
R=redirect_uri=https%3A%2F%2Fapp.example%2Fcb
# shellcheck disable=SC2086
expect_exit 0 "consent-url splits a sub-domain" -- "$CLI" consent-url $S --domain www.example.co.uk
expect_out "consent-url splits a sub-domain" "$C?client_id=p.example&domain=example.co.uk&host=www&$R&response_type=code&scope=t1"
# shellcheck disable=SC2086
expect_exit 0 "consent-url apex: no host" -- "$CLI" consent-url $S --domain example.com
expect_out "consent-url apex: no host" "$C?client_id=p.example&domain=example.com&$R&response_type=code&scope=t1"
# with --host, DOMAIN is the zone (as for sync-url)
# shellcheck disable=SC2086
expect_exit 0 "consent-url --host: DOMAIN is the zone" -- "$CLI" consent-url $S --domain example.com --host a
expect_out "consent-url --host: DOMAIN is the zone" "$C?client_id=p.example&domain=example.com&host=a&$R&response_type=code&scope=t1"
# shellcheck disable=SC2086
expect_exit 1 "consent-url public suffix" -- "$CLI" consent-url $S --domain co.uk
expect_err_starts "consent-url public suffix" public_suffix
# the two commands split alike
# shellcheck disable=SC2086
expect_exit 0 "sync-url splits alike" -- "$CLI" sync-url --settings "$DATA/settings/ionos.json" \
  --provider-id p.example --service-id t1 --domain www.example.co.uk
case "$(cat "$T/out")" in
  *"?domain=example.co.uk&host=www") ok ;;
  *) bad "sync-url split: $(cat "$T/out")" ;;
esac

finish test_sync_return
