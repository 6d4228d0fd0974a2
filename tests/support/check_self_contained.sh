#!/bin/sh
# The tree stands alone: no file in it points at the team's reference folder
# beside the repository (the parent directory's "shared"), and no build or
# test setting names it. The fresh-clone pass of .ci/run proves the same by
# running `make check` where nothing lies beside the clone.
# Usage: check_self_contained.sh SOURCE_DIR
set -u
cd "$1" || exit 1
pat='\.\./'"shared"           # split so this file does not match itself
if [ -d .git ] && command -v git >/dev/null 2>&1; then
  files=$(git ls-files)
else
  files=$(find . -type f ! -path './build*' | sed 's|^\./||')
fi
hits=$(printf '%s\n' "$files" | grep -v '^$' | tr '\n' '\0' |
       xargs -0 grep -n -I -e "$pat" -e 'DC_'"SHARED_DIR" -- 2>/dev/null)
if [ -n "$hits" ]; then
  echo "FAIL: references outside the repository:"
  echo "$hits"
  exit 1
fi
echo "self-contained: $(printf '%s\n' "$files" | wc -l | tr -d ' ') files, no reference to the folder beside the repository"
