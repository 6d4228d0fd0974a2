#!/bin/sh
# Batch discovery throughput with DNSSEC validation, as a ratio to no
# validation (docs/security.md §8; issue 13). Not run by ctest.
#
#   bench/dnssec_bench.sh BUILD_DIR [N] [CONCURRENCY] [ROUNDS]
#
# Builds the DNSSEC lab (tests/integration/dnssec/lab.py) with a population
# of N signed zones p00000.example ... (default 1000), each delegated with a
# DS from a signed example. under a private signed root, each with
# _domainconnect TXT "api.dnssec.example" (a signed provider zone). Then runs
# `domainconnect discover --batch` over the population ROUNDS times (default
# 3) with --dnssec off (c-ares) and with --dnssec validate (libunbound: one
# context for the batch, so the DNSKEY/DS of example. and of the root are
# validated once and cached; every zone's own DS and DNSKEY are fetched and
# verified), alternating, and prints each rate and the ratio of the medians.
#
# What is measured: the DNS part of discovery (the TXT and the provider
# host's A/AAAA, validated), which is what DNSSEC changes. The settings GET
# is not made: without a TEST-ONLY address allowance the guard refuses the
# loopback provider address after the validated A/AAAA lookup (every line
# ends "blocked"), so no HTTPS server is needed and its cost, the same under
# both policies, does not dilute the ratio. Knot DNS answers on loopback
# with no network latency: the ratio is the local cost of validation, a
# worst case relative to real resolvers, where round trips dominate.
set -eu
BUILD=$1
N=${2:-1000}
CONC=${3:-64}
ROUNDS=${4:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
CLI=$BUILD/bin/domainconnect
[ -x "$CLI" ] || { echo "dnssec_bench: no $CLI" >&2; exit 2; }
cat > "${TMPDIR:-/tmp}/dnssec_bench_run.$$" <<'INNER'
set -eu
CLI=$1; CONC=$2; ROUNDS=$3
rate() { # rate POLICY: domains/s of one batch run (its summary line)
  "$CLI" discover --batch "$DC_LAB_POPULATION_FILE" --concurrency "$CONC" \
    --dnssec "$1" --trust-anchor "$DC_LAB_ANCHOR" --dns-server "$DC_LAB_DNS" \
    > "$DC_LAB_DIR/out.$1" 2> "$DC_LAB_DIR/err.$1"
  grep -q '"status":"blocked"' "$DC_LAB_DIR/out.$1" || { cat "$DC_LAB_DIR/err.$1" >&2; exit 1; }
  bad=$(grep -vc '"status":"blocked"' "$DC_LAB_DIR/out.$1" || true)
  [ "$bad" -eq 0 ] || { echo "dnssec_bench: $bad lines not blocked ($1)" >&2; head -3 "$DC_LAB_DIR/out.$1" >&2; exit 1; }
  sed -n 's/.*(\([0-9.]*\)\/s).*/\1/p' "$DC_LAB_DIR/err.$1" | head -1
}
rate validate >/dev/null  # warm-up (page cache, knotd)
offs=""; vals=""
i=0
while [ "$i" -lt "$ROUNDS" ]; do
  o=$(rate off); v=$(rate validate)
  echo "round $((i + 1)): off ${o}/s validate ${v}/s"
  offs="$offs $o"; vals="$vals $v"
  i=$((i + 1))
done
grep "by DNSSEC state" "$DC_LAB_DIR/err.validate"
python3 - "$offs" "$vals" <<'PY'
import statistics, sys
o = statistics.median(float(x) for x in sys.argv[1].split())
v = statistics.median(float(x) for x in sys.argv[2].split())
print("median: off %.1f/s, validate %.1f/s, ratio validate/off = %.2f" % (o, v, v / o))
PY
INNER
DC_LAB_POPULATION=$N python3 "$HERE/../tests/integration/dnssec/lab.py" -- \
  sh "${TMPDIR:-/tmp}/dnssec_bench_run.$$" "$CLI" "$CONC" "$ROUNDS"
rc=$?
rm -f "${TMPDIR:-/tmp}/dnssec_bench_run.$$"
exit $rc
