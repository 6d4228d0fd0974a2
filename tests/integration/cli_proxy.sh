#!/bin/sh
# The CLI through an HTTP CONNECT proxy (--proxy), the overall discovery
# deadline (--deadline-ms) and --out refusing what is not a regular file:
# run by harness.py with Knot DNS, the HTTPS test provider
# (provider_routes.py) on 127.0.0.2 and 127.0.0.3 and tinyproxy on
# 127.0.0.1 (see cli_proxy.harness). docs/security.md §2.9, §7.6.
# Usage: cli_proxy.sh CLI DATA_DIR
set -u
. "$(dirname "$0")/../support/lib.sh"
cli_suite "$1"
harness_net
: "${DC_TEST_PROXY:?run under harness.py}" "${DC_TEST_PROXY_LOG:?}" "${DC_TEST_SILENT_DNS:?}"
PROXY="--proxy http://$DC_TEST_PROXY"
API=https://api.provider.test
SP=exampleservice.domainconnect.org
SECRET=s3cr3t-Client-Secret-7f2a9c
PROXY_PW=Pr0xy-Passw0rd-9c1d
# shellcheck disable=SC2034  # read by expect_exit (tests/support/lib.sh)
OUTPUT_LOG=$T/all-output
log_lines() { wc -l < "$DC_TEST_PROXY_LOG"; }
# connections the proxy accepted so far (tinyproxy may still append the
# closing lines of an earlier connection: those are not counted)
connects() { grep -c "Connect (file descriptor" "$DC_TEST_PROXY_LOG"; }
# connects_since N: the proxy's connections after line N of its log
connects_since() { tail -n +"$(($1 + 1))" "$DC_TEST_PROXY_LOG" | grep -c "Connect (file descriptor"; }
# requests_since N: the request lines the proxy received after line N
requests_since() { tail -n +"$(($1 + 1))" "$DC_TEST_PROXY_LOG" | grep "Request (file descriptor" | sed 's/.*: Request (file descriptor [0-9]*): //'; }

# --- the proxy URL: http://IP:PORT only
for bad_url in socks5://127.0.0.1:1080 https://127.0.0.1:3128 "http://proxy.example:3128" \
               "http://127.0.0.1" "http://127.0.0.1:3128/path" "ftp://127.0.0.1:21" "127.0.0.1:3128"; do
  expect_exit 2 "--proxy $bad_url refused" -- "$CLI" discover $NET --proxy "$bad_url" example.test
  expect_err_has "--proxy $bad_url says why" "proxy: "
done
expect_exit 2 "--proxy socks5 names http://" -- "$CLI" discover $NET --proxy socks5://127.0.0.1:1 example.test
expect_err_has "--proxy socks5 says http:// only" "only http:// proxies"
# userinfo: accepted, never printed (the proxy at port 1 refuses the connection)
expect_exit 1 "--proxy with userinfo, nothing listening" -- "$CLI" discover $NET \
  --proxy "http://user:$PROXY_PW@127.0.0.1:1" example.test
expect_err_starts "--proxy unreachable" transport
expect_err_has "--proxy unreachable names the proxy" "through the proxy http://127.0.0.1:1"
expect_exit 2 "--proxy userinfo in a bad URL" -- "$CLI" discover $NET \
  --proxy "http://user:$PROXY_PW@proxy.example:1" example.test

# --- discovery through the proxy: CONNECT to the checked ADDRESS, not the name
n=$(log_lines)
expect_exit 0 "discover through the proxy" -- "$CLI" discover $NET $PROXY example.test
expect_out_json "discover through the proxy urlAPI" 'd["urlAPI"]' "$API"
if [ "$(connects_since "$n")" -eq 1 ]; then ok; else bad "one connection to the proxy: $(connects_since "$n")"; fi
if [ "$(requests_since "$n")" = "CONNECT 127.0.0.2:443 HTTP/1.1" ]; then ok
else bad "proxy request lines: '$(requests_since "$n")'"; fi
if tail -n +"$((n + 1))" "$DC_TEST_PROXY_LOG" | grep -q "provider.test"; then
  bad "the host name reached the proxy"; else ok; fi
# SOA walk and a sub-domain provider (api2 on 127.0.0.3)
n=$(log_lines)
expect_exit 0 "discover --soa through the proxy" -- "$CLI" discover --soa $NET $PROXY www.sub.example.test
expect_out_json "discover --soa urlAPI" 'd["urlAPI"]' https://api2.provider.test
if [ "$(requests_since "$n")" = "CONNECT 127.0.0.3:443 HTTP/1.1" ]; then ok
else bad "proxy request lines (soa): '$(requests_since "$n")'"; fi

# --- a refused target never reaches the proxy
n=$(connects)
expect_exit 1 "private target through the proxy" -- "$CLI" discover $NET $PROXY batch-blocked.test
expect_err_starts "private target through the proxy" blocked
expect_err_has "private target reason" "10.0.0.1"
expect_exit 1 "twin: loopback target without the allow list" -- "$CLI" discover $TWIN $PROXY example.test
expect_err_starts "twin through the proxy" blocked
if [ "$(connects)" -eq "$n" ]; then ok; else
  bad "the proxy was contacted for refused targets: $(cat "$DC_TEST_PROXY_LOG")"; fi

# --- no proxy from the environment, ever
c=$(connects)
n=$(log_lines)
expect_exit 0 "environment proxy ignored" -- env http_proxy="http://$DC_TEST_PROXY" \
  https_proxy="http://$DC_TEST_PROXY" HTTPS_PROXY="http://$DC_TEST_PROXY" \
  ALL_PROXY="http://$DC_TEST_PROXY" all_proxy="http://$DC_TEST_PROXY" \
  "$CLI" discover $NET example.test
if [ "$(connects)" -eq "$c" ]; then ok; else bad "an environment proxy was used"; fi
expect_exit 0 "NO_PROXY does not bypass --proxy" -- env NO_PROXY='*' no_proxy='*' \
  "$CLI" discover $NET $PROXY example.test
if [ "$(connects_since "$n")" -eq 1 ]; then ok; else bad "NO_PROXY bypassed --proxy"; fi

# --- token, apply, revert through the proxy
printf '%s\n' "$SECRET" > "$T/secret"
printf '%s\n' code-cli-0f1e2d > "$T/code"
printf '%s\n' code-cli-twin-3c4b5a > "$T/code2"
n=$(log_lines)
expect_exit 0 "token through the proxy" -- "$CLI" token $NET $PROXY --api-url $API \
  --client-id sp-client --client-secret-file "$T/secret" --code-file "$T/code" \
  --redirect-uri https://app.example/cb --out "$T/token.json"
expect_exit 0 "apply through the proxy" -- "$CLI" apply $NET $PROXY --token "$T/token.json" \
  --provider-id $SP --domain www.example.test --service-id template1 --param IP=192.0.2.1
expect_out "apply through the proxy output" '{"result":"applied","http_status":204}'
expect_exit 0 "revert through the proxy" -- "$CLI" revert $NET $PROXY --token "$T/token.json" \
  --provider-id $SP --domain www.example.test --service-id template1
want=$(printf 'CONNECT 127.0.0.2:443 HTTP/1.1\nCONNECT 127.0.0.2:443 HTTP/1.1\nCONNECT 127.0.0.2:443 HTTP/1.1')
if [ "$(requests_since "$n")" = "$want" ]; then ok
else bad "proxy request lines (oauth): '$(requests_since "$n")'"; fi

# --- --deadline-ms: the whole discovery, against a DNS server that never answers
expect_exit 2 "--deadline-ms 0" -- "$CLI" discover $NET --deadline-ms 0 example.test
expect_exit 2 "--deadline-ms not a number" -- "$CLI" discover $NET --deadline-ms soon example.test
base=$(startup_ms)
start=$(now_ms)
expect_exit 1 "discover --soa past its deadline" -- "$CLI" discover --soa \
  --dns-server "$DC_TEST_SILENT_DNS" --deadline-ms 600 a.b.c.example.test
end=$(now_ms)
expect_err_starts "deadline status" timeout
expect_err_has "deadline detail" "overall deadline of 600 ms exceeded"
# 600 ms past the process's start-up; the DNS timeout alone is 3 s per lookup
if [ $((end - start - base)) -lt 2000 ]; then ok; else
  bad "deadline took $((end - start)) ms, start-up $base ms"; fi

# --- --out writes only regular files
mkfifo "$T/fifo"
expect_exit 1 "token --out FIFO refused" -- "$CLI" token $NET --api-url $API \
  --client-id sp-client --client-secret-file "$T/secret" --code-file "$T/code2" \
  --redirect-uri https://app.example/cb --out "$T/fifo"
expect_err_has "token --out FIFO says why" "$T/fifo"
if [ -p "$T/fifo" ]; then ok; else bad "the FIFO was replaced"; fi
if ls -a "$T" | grep -q '\.tmp\.'; then bad "temporary file left behind"; else ok; fi
cp "$T/token.json" "$T/token-before.json"
expect_exit 1 "refresh --out /dev/null refused" -- "$CLI" refresh $NET --token "$T/token.json" \
  --out /dev/null --client-id sp-client --client-secret-file "$T/secret" \
  --redirect-uri https://app.example/cb
expect_err_has "refresh --out /dev/null says why" "/dev/null"
if [ -c /dev/null ]; then ok; else bad "/dev/null is no longer a device"; fi
# (a symbolic link is refused too: tests/unit/test_netconf.c)

# --- nothing secret in any output
if grep -q -e "$SECRET" -e "$PROXY_PW" -e code-cli-0f1e2d "$T/all-output"; then
  bad "a secret appeared in the CLI's output"; else ok; fi
finish cli_proxy
