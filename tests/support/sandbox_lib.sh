# Shared helpers of the sandbox suites (tests/sandbox/*.sh,
# tests/sandbox/unprivileged/*.sh, tests/attack/attack_sandbox.sh). POSIX sh,
# sourced after lib.sh:
#   . "$SUPPORT/lib.sh"
#   . "$SUPPORT/sandbox_lib.sh"
#   sandbox_suite NAME DEFAULT_ADDR "$@"
# sandbox_suite sets SBX, CLI, ADDR, WRAP, T (the suite's scratch directory),
# STATE and SPID (empty until the sandbox runs); sandbox_start (or
# sandbox_up) starts the sandbox and sets DNS, DNSPORT (Knot's port on
# 127.0.0.1) and CA, sandbox_up also NET (the CLI's arguments) and RES
# (curl's --resolve and --cacert arguments) for port 443. Sourcing it
# installs the cleanup: the sandbox, when still running, is stopped by PID
# and $T removed (kept when KEEP is set).

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

# sandbox_suite NAME DEFAULT_ADDR SANDBOX CLI [ADDR]: a suite's arguments
# (ADDR defaults to DEFAULT_ADDR); a fresh T and STATE; SBX wrapped in
# DC_SANDBOX_WRAPPER when set; exits 1 unless the tools are there.
sandbox_suite() {
  SBX=$3
  CLI=$4
  ADDR=${5:-$2}
  WRAP=${DC_SANDBOX_WRAPPER:-}
  T=$(mktemp -d)
  STATE=$T/state
  SPID=
  SBX=$(wrapped "$SBX" "$WRAP" sandbox-wrapped)
  need_tools "$1"
}

# sandbox_start LISTEN [ARG...]: runs the sandbox in the foreground (so its
# exit status can be read) as `$SBX --state $STATE --listen LISTEN
# --foreground ARG...`, SPID its PID, stdout in $T/out, stderr appended to
# $T/sandbox.log; ready when it has printed its pid line, then DNS, DNSPORT
# and CA are set from its output. Returns 0 when ready, 1 when it exited
# first (SPID empty again), 2 when not ready after 120 s. Counts nothing.
sandbox_start() {
  listen=$1; shift
  : > "$T/out"
  "$SBX" --state "$STATE" --listen "$listen" --foreground "$@" >"$T/out" 2>>"$T/sandbox.log" &
  SPID=$!
  i=0
  while ! grep -q '^pid: ' "$T/out"; do
    if ! kill -0 "$SPID" 2>/dev/null; then wait "$SPID" 2>/dev/null; SPID=; return 1; fi
    i=$((i + 1))
    if [ $i -gt 1200 ]; then return 2; fi
    sleep 0.1
  done
  DNS=$(sed -n 's/^dns-server: //p' "$T/out")
  DNSPORT=${DNS#127.0.0.1:}
  CA=$(sed -n 's/^ca-file: //p' "$T/out")
  return 0
}

# sandbox_up [ARG...]: sandbox_start on ADDR (port 443) with ARG..., a
# failed start counted (bad, with the log's tail); then NET and RES for
# ADDR:443. Returns 1 when the sandbox does not run.
sandbox_up() {
  sandbox_start "$ADDR" "$@"
  case $? in
    0) ;;
    1) bad "the sandbox exited at start"; tail -20 "$T/sandbox.log" >&2; return 1;;
    *) bad "the sandbox is not ready after 120 s"; return 1;;
  esac
  # shellcheck disable=SC2034  # read by the suites
  NET="--dns-server $DNS --ca-file $CA --test-allow-address $ADDR"
  RES="--resolve api.sandbox.test:443:$ADDR --resolve connect.sandbox.test:443:$ADDR --cacert $CA"
  return 0
}

# sandbox_config SRC OUT [CLIENT...]: writes OUT, the built-in configuration
# (SRC/sandbox.json, SRC the source tree's sandbox/) with absolute paths and
# each CLIENT (a JSON object) appended to its clients
sandbox_config() {
  $PY - "$@" <<'PYEOF'
import json, sys
src, out = sys.argv[1:3]
c = json.load(open(src + "/sandbox.json"))
c["templateDirs"] = [src + "/templates"]
for k in c["publicKeys"]:
    k["file"] = src + "/" + k["file"]
c["clients"].extend(json.loads(x) for x in sys.argv[3:])
json.dump(c, open(out, "w"))
PYEOF
}

# req DESC WANT CURL-ARGS...: curl (with RES) must answer HTTP WANT; body
# in $T/body, headers in $T/hdr. Returns 1 (counted) otherwise.
req() {
  desc=$1; want=$2; shift 2
  # shellcheck disable=SC2086
  code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' $RES "$@")
  if [ "$code" = "$want" ]; then ok; else
    bad "$desc: HTTP $code, expected $want: $(head -c 300 "$T/body")"; return 1; fi
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
