#!/bin/sh
# Inputs that never end and outputs that are not regular files (issue 11
# points 3 and 7): --psl-file refuses /dev/zero, a FIFO and an oversized
# file within seconds; network options are checked before any network use.
# (--out refusing a FIFO and /dev/null needs a provider: see
# tests/integration/cli_proxy.sh.)
# Usage: test_files_cli.sh CLI DATA_DIR
set -u
. "$(dirname "$0")/../support/lib.sh"
cli_suite "$1"

start=$(now_ms)
expect_exit 1 "zone-split --psl-file /dev/zero" -- timeout 20 "$CLI" zone-split --psl-file /dev/zero www.example.com
end=$(now_ms)
expect_err_starts "psl /dev/zero status" psl_file
expect_err_has "psl /dev/zero reason" "/dev/zero is not a regular file"
if [ $((end - start)) -lt 5000 ]; then ok; else bad "psl /dev/zero took $((end - start)) ms"; fi
mkfifo "$T/psl.fifo"
expect_exit 1 "zone-split --psl-file FIFO" -- timeout 20 "$CLI" zone-split --psl-file "$T/psl.fifo" www.example.com
expect_err_has "psl FIFO reason" "not a regular file"
expect_exit 1 "discover --psl-file /dev/zero" -- timeout 20 "$CLI" discover --psl-file /dev/zero \
  --dns-server 127.0.0.1:9 www.example.com
expect_err_starts "discover psl /dev/zero status" psl_file
$PY -c 'import sys; f=open(sys.argv[1],"w"); f.write("// pad\n" * (4*1024*1024//7 + 1))' "$T/big.dat"
expect_exit 1 "zone-split --psl-file over the cap" -- "$CLI" zone-split --psl-file "$T/big.dat" www.example.com
expect_err_has "psl over the cap reason" "larger than 4194304 bytes"
printf 'com\nexample.com\n' > "$T/psl.dat"
expect_exit 0 "zone-split --psl-file regular" -- "$CLI" zone-split --psl-file "$T/psl.dat" a.b.example.com
expect_out "zone-split regular" '{"input":"a.b.example.com","domain":"a.b.example.com","zone":"b.example.com","host":"a"}'

# --proxy and --deadline-ms are judged before any network use
expect_exit 2 "--proxy socks5" -- "$CLI" discover --proxy socks5://127.0.0.1:1080 example.com
expect_err_has "--proxy socks5 reason" "only http:// proxies"
expect_exit 2 "--proxy host name" -- "$CLI" discover --proxy http://proxy.example:3128 example.com
expect_exit 2 "--proxy password not echoed" -- "$CLI" discover --proxy "http://u:Hidden-Pw-42@proxy.example:1" example.com
if grep -q Hidden-Pw-42 "$T/err" "$T/out"; then bad "proxy password printed"; else ok; fi
expect_exit 2 "--deadline-ms 0" -- "$CLI" discover --deadline-ms 0 example.com
expect_err_has "--deadline-ms 0 reason" "outside 1..600000"
expect_exit 0 "discover --help lists --proxy" -- "$CLI" discover --help
if grep -q -- "--proxy URL" "$T/out" && grep -q -- "--deadline-ms MS" "$T/out"; then ok
else bad "discover --help lacks --proxy / --deadline-ms"; fi
finish test_files_cli
