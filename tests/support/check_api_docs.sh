#!/bin/sh
# Every function the shared library exports has a reference entry, and the
# reference has no entry for a function that is not exported.
#
#   exported:   `nm -D --defined-only LIB`, symbols of type T named dc_*
#               (a symbol version suffix "@..." is ignored);
#   documented: headings "### dc_name" in DOCS_DIR/*.md (outside ``` fences).
#
# Fails (exit 1) when an exported function has no heading (missing), when a
# heading names a function that is not exported (stale), when a name has two
# headings (duplicate), or when a "### dc_..." heading is not exactly one bare
# function name (malformed: "### dc_x()", "### `dc_x`", "### dc_x - text").
# Exit 2: usage error, or the library or the directory cannot be read.
# Usage: check_api_docs.sh LIBRARY DOCS_DIR
set -u
LC_ALL=C
export LC_ALL   # sort and comm must agree on the order

if [ $# -ne 2 ]; then
  echo "usage: $0 LIBRARY DOCS_DIR" >&2
  exit 2
fi
lib=$1
dir=$2
if [ ! -r "$lib" ]; then
  echo "FAIL: cannot read the library $lib" >&2
  exit 2
fi
if [ ! -d "$dir" ]; then
  echo "FAIL: $dir is not a directory" >&2
  exit 2
fi
if ! command -v nm >/dev/null 2>&1; then
  echo "FAIL: nm not found (binutils)" >&2
  exit 2
fi

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# Exported functions.
if ! nm -D --defined-only "$lib" >"$tmp/nm" 2>"$tmp/nm.err"; then
  echo "FAIL: nm -D --defined-only $lib failed:" >&2
  cat "$tmp/nm.err" >&2
  exit 2
fi
awk 'NF >= 3 && $2 == "T" { n = $3; sub(/@.*/, "", n); if (n ~ /^dc_/) print n }' \
  "$tmp/nm" | sort -u >"$tmp/exported"

# Headings of the reference. Lines inside ``` fences are examples, not headings.
set -- "$dir"/*.md
if [ ! -e "$1" ]; then
  echo "FAIL: no *.md file in $dir" >&2
  exit 2
fi
: >"$tmp/headings"
: >"$tmp/malformed"
for f in "$@"; do
  awk -v file="$(basename "$f")" -v bad="$tmp/malformed" '
    /^[ \t]*```/ { fence = !fence; next }
    fence { next }
    /^###[ \t]/ {
      text = $0
      sub(/^###[ \t]+/, "", text)
      sub(/[ \t]+$/, "", text)
      if (text ~ /^[A-Za-z_][A-Za-z0-9_]*$/) {
        if (text ~ /^dc_/) print text
      } else if (text ~ /^[`*_]*dc_/) {
        printf "%s:%d: \"%s\"\n", file, NR, $0 >> bad
      }
    }' "$f" >>"$tmp/headings"
done
sort "$tmp/headings" | uniq -d >"$tmp/dup"
sort -u "$tmp/headings" >"$tmp/documented"

comm -23 "$tmp/exported" "$tmp/documented" >"$tmp/missing"
comm -13 "$tmp/exported" "$tmp/documented" >"$tmp/stale"

n_exp=$(wc -l <"$tmp/exported" | tr -d ' ')
n_doc=$(wc -l <"$tmp/documented" | tr -d ' ')
n_both=$(comm -12 "$tmp/exported" "$tmp/documented" | wc -l | tr -d ' ')
echo "exported dc_* functions: $n_exp"
echo "documented (### headings in $dir): $n_doc ($n_both of them exported)"

fail=0
if [ "$n_exp" -eq 0 ]; then
  echo "FAIL: no exported dc_* function in $lib (wrong file, or stripped?)"
  fail=1
fi
if [ -s "$tmp/missing" ]; then
  echo "FAIL: $(wc -l <"$tmp/missing" | tr -d ' ') exported function(s) without an entry:"
  sed 's/^/  missing: /' "$tmp/missing"
  fail=1
fi
if [ -s "$tmp/stale" ]; then
  echo "FAIL: $(wc -l <"$tmp/stale" | tr -d ' ') entr(y/ies) for functions the library does not export:"
  sed 's/^/  stale: /' "$tmp/stale"
  fail=1
fi
if [ -s "$tmp/dup" ]; then
  echo "FAIL: function(s) with more than one entry:"
  sed 's/^/  duplicate: /' "$tmp/dup"
  fail=1
fi
if [ -s "$tmp/malformed" ]; then
  echo "FAIL: headings that are not exactly one function name (write \"### dc_name\"):"
  sed 's/^/  malformed: /' "$tmp/malformed"
  fail=1
fi
if [ "$fail" -eq 0 ]; then
  echo "ok: every exported dc_* function has exactly one entry, and no entry is stale"
fi
exit "$fail"
