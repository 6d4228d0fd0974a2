# Shared helpers of the sandbox suites (tests/sandbox/*.sh and
# tests/sandbox/unprivileged/*.sh). POSIX sh, sourced after lib.sh:
#   . "$SUPPORT/lib.sh"
#   . "$SUPPORT/sandbox_lib.sh"
# The suite sets T (its scratch directory), SPID (empty until the sandbox
# runs) and CLI before it calls them, and once the sandbox runs DNSPORT
# (Knot's port on 127.0.0.1) and RES (curl's --resolve and --cacert
# arguments). Sourcing it installs the cleanup: the sandbox, when still
# running, is stopped by PID and $T removed (kept when KEEP is set).
# Starting the sandbox differs per suite and stays in the suite.

check() { # check DESC CMD...: passes when CMD succeeds
  desc=$1; shift
  if "$@" >/dev/null 2>&1; then ok; else bad "$desc"; fi
}

cleanup() {
  if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
    kill -TERM "$SPID" 2>/dev/null
    wait "$SPID" 2>/dev/null
  fi
  if [ -n "${KEEP:-}" ]; then echo "state kept in $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# need_tools SUITE: exits 1 unless curl, kdig, knotd and python3 are there
need_tools() {
  for tool in curl kdig knotd "$PY"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$1: $tool is needed" >&2
      exit 1
    fi
  done
}

stop() { # stop: SIGTERM by PID; the sandbox must exit 0
  kill -TERM "$SPID"
  wait "$SPID"
  rc=$?
  SPID=
  if [ "$rc" -eq 0 ]; then ok; else bad "the sandbox exited $rc after SIGTERM"; tail -30 "$T/sandbox.log" >&2; fi
}

dig1() { kdig -p "$DNSPORT" @127.0.0.1 +short +timeout=2 +retry=1 "$@" 2>/dev/null; }
expect_dns() { # expect_dns DESC NAME TYPE WANT (sorted, space-joined answer)
  got=$(dig1 "$2" "$3" | sort | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$4" ]; then ok; else bad "$1: $2 $3 = '$got', expected '$4'"; fi
}

# cli EXPECTED_EXIT DESC ARGS...: runs the CLI, output in $T/o and $T/e
cli() {
  want=$1; desc=$2; shift 2
  "$CLI" "$@" >"$T/o" 2>"$T/e"
  got=$?
  cat "$T/o" "$T/e" >> "$T/cli-output"
  if [ "$got" -eq "$want" ]; then ok; else bad "$desc: exit $got, expected $want: $(cat "$T/o" "$T/e")"; fi
}

# demo_client: SP, SECRET and REDIR of the sandbox's demo Service Provider
# (sandbox/sandbox.json), and SECRET in $T/secret (mode 0600)
demo_client() {
  SP=exampleservice.test
  SECRET=sandbox-demo-secret-4f1c
  REDIR=https://app.exampleservice.test/callback
  printf '%s\n' "$SECRET" > "$T/secret"
  chmod 600 "$T/secret"
}

location() { grep -i '^location:' "$T/hdr" | tr -d '\r' | sed 's/^[Ll]ocation: //'; }
query_param() { echo "$1" | sed -n "s/.*[?&]$2=\([^&]*\).*/\1/p"; }
form_field() { sed -n "s/.*name=\"$2\" value=\"\([^\"]*\)\".*/\1/p" "$1"; }
# post_form FILE ACTION [URL]: posts the consent form of page FILE with the
# button ACTION to URL (default https://connect.sandbox.test/consent);
# prints the HTTP status (body in $T/body, headers in $T/hdr)
post_form() {
  # shellcheck disable=SC2086
  curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' $RES "${3:-https://connect.sandbox.test/consent}" \
    --data-urlencode "request=$(form_field "$1" request)" \
    --data-urlencode "csrf=$(form_field "$1" csrf)" -d "action=$2"
}
# consent FILE ACTION [URL]: the same, expecting a 303 redirect
consent() {
  code=$(post_form "$1" "$2" "${3:-}")
  if [ "$code" = 303 ]; then ok; else bad "consent $2: HTTP $code"; fi
}
