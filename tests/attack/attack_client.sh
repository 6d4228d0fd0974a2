#!/bin/sh
# Attacks from the outside review that held, replayed against the client so
# they keep holding (docs/security.md §3, §4): the TXT record and settings
# are attacker-controlled, so a domain owner tries to make the Service
# Provider's client reach internal addresses (literal forms, names that
# resolve to them, a name mixing public and private answers, mapped and
# translated IPv6), to follow a redirect, or to exhaust it with a huge body.
# Run by tests/integration/harness.py with Knot and the HTTPS test provider
# (attack_client.harness); the guard's verdicts need no allowance, the
# transport attacks use the test-only allowance for the provider's address.
# Usage: attack_client.sh CLI
set -u
. "$(dirname "$0")/../support/lib.sh"
CLI=$1
scratch_dir
: "${DC_TEST_DNS:?run under harness.py}" "${DC_TEST_CA:?}" "${DC_TEST_HTTPS_LOG:?}"
NET="--dns-server $DC_TEST_DNS --ca-file $DC_TEST_CA --test-allow-address 127.0.0.2 --test-allow-address 127.0.0.3"
DNS="--dns-server $DC_TEST_DNS"

refused() { # refused DESC ARGS...: guard must answer 'refuse' (exit 1)
  desc=$1; shift
  "$CLI" guard "$@" >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc -eq 1 ] && grep -q '^refuse' "$T/out"; then ok
  else bad "$desc: exit $rc: $(cat "$T/out" "$T/err")"; fi
}

echo "# internal addresses in every spelling"
for a in 127.0.0.1 10.0.0.1 172.16.0.1 192.168.1.1 169.254.169.254 100.64.0.1 0.0.0.0 \
         255.255.255.255 224.0.0.1 ::1 :: fe80::1 fc00::1 ::ffff:127.0.0.1 ::ffff:10.0.0.1 \
         64:ff9b::a00:1 64:ff9b::7f00:1 2002:a00:1:: 2002:7f00:1:: ::127.0.0.1; do
  refused "ip $a" ip "$a"
done
for a in 127.1 0x7f000001 2130706433 017700000001 127.0.0.1.  " 127.0.0.1" "[::1]%lo"; do
  "$CLI" guard ip "$a" >"$T/out" 2>"$T/err"
  if [ $? -ne 0 ] && ! grep -q '^allow' "$T/out"; then ok; else bad "ip '$a' was allowed"; fi
done
for u in https://127.0.0.1/ "https://[::1]/" "https://[::ffff:7f00:1]/" https://127.1/ \
         https://2130706433/ https://0x7f.1/ https://user@api.provider.test/ \
         https://api.provider.test:8443/ http://api.provider.test/ "https://api.provider.test#x" \
         "https://api.provider.test\\@127.0.0.1/" https://localhost/ https://api.provider.test%2F@x/; do
  refused "url $u" url "$u"
done

echo "# names that resolve to internal addresses (rebinding)"
for h in private.guard.test mixed.guard.test mapped.guard.test loop.guard.test; do
  refused "url https://$h/ --resolve" url "https://$h/" --resolve $DNS
  refused "txt $h --resolve" txt "$h" --resolve $DNS
done
"$CLI" discover $DNS --ca-file "$DC_TEST_CA" batch-blocked.test >"$T/out" 2>"$T/err"
if [ $? -ne 0 ] && grep -q '^blocked' "$T/err"; then ok
else bad "discover of a TXT naming a private host: $(cat "$T/err")"; fi
before=$(wc -l < "$DC_TEST_HTTPS_LOG")
"$CLI" discover $DNS --ca-file "$DC_TEST_CA" example.test >"$T/out" 2>"$T/err"
if [ $? -ne 0 ]; then ok; else bad "discover reached a loopback provider without the allowance"; fi
if [ "$(wc -l < "$DC_TEST_HTTPS_LOG")" = "$before" ]; then ok
else bad "the refused provider was contacted anyway"; fi

echo "# redirects and caps"
"$CLI" discover $NET redirect.test >"$T/out" 2>"$T/err"
if [ $? -ne 0 ] && grep -q 'redirects are never followed' "$T/err"; then ok
else bad "a redirect: $(cat "$T/err")"; fi
"$CLI" discover $NET huge.test >"$T/out" 2>"$T/err"
if [ $? -ne 0 ] && grep -q '^too_large' "$T/err"; then ok; else bad "a 1 MiB settings body: $(cat "$T/err")"; fi
# the allowance itself: the same discovery works with it (the twin above)
"$CLI" discover $NET example.test >"$T/out" 2>"$T/err"
if [ $? -eq 0 ]; then ok; else bad "discover with the allowance: $(cat "$T/err")"; fi

finish
