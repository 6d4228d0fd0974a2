#!/usr/bin/python3
"""Integration-test harness: starts real servers on loopback, runs a command,
stops the servers by PID.

  harness.py [--zones DIR] [--https ADDR]... [--routes MODULE] [--config FILE]
             [--tinyproxy] -- CMD [ARGS...]

- Generates a test CA (and a second, untrusted CA) and a server certificate
  whose SANs are every name owning an A/AAAA record in the zones plus
  *.<zone> for each zone, in a fresh state directory.
- Starts Knot DNS (knotd) on 127.0.0.1:<free high port>, serving every
  DIR/<zone>.zone; a zone file named <zone>.broken.zone is served but cannot
  load, so Knot answers SERVFAIL for it.
- Starts the HTTPS test server (tests/integration/httpsd.py) on ADDR:443 for
  each --https (loopback addresses such as 127.0.0.2; port 443 because the
  guard allows no other port; needs root, as CI has), with --routes/--config
  passed through, logging every request to $DC_TEST_HTTPS_LOG.
- Holds a UDP+TCP socket on 127.0.0.1:<port> that never answers (a silent
  DNS server) for timeout tests.
- With --tinyproxy, starts tinyproxy (an HTTP CONNECT proxy; CONNECT to
  port 443 only, loopback clients only) on 127.0.0.1:<free high port>,
  logging to a file (tests/support/dcservers.py start_tinyproxy).
- Runs CMD with these environment variables:
    DC_TEST_DNS        127.0.0.1:PORT of Knot
    DC_TEST_SILENT_DNS 127.0.0.1:PORT of the silent server
    DC_TEST_CA         PEM of the trusted test CA
    DC_TEST_WRONG_CA   PEM of a CA that signed nothing we serve
    DC_TEST_STATE      the state directory (removed afterwards)
    DC_TEST_HTTPS_LOG  request log of the HTTPS servers
    DC_TEST_KNOT_CONF  knot.conf (for knotc live edits)
    DC_TEST_HTTPS_ADDRS the --https addresses, comma-separated
    DC_TEST_PROXY      127.0.0.1:PORT of tinyproxy (with --tinyproxy)
    DC_TEST_PROXY_LOG  tinyproxy's log file (with --tinyproxy)
  and exits with CMD's exit status. Servers are stopped by PID even when CMD
  or the set-up fails; an unexpected error prints its traceback and exits 1.
  DC_TEST_KEEP_STATE=1 keeps the state directory.

The servers themselves are started by tests/support/dcservers.py (shared
with bench/run-bench.py).
"""
import argparse
import os
import subprocess
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "support"))
import dcservers  # noqa: E402


def parse_args(argv):
    """(options, CMD): the options before "--", the command after it."""
    ap = argparse.ArgumentParser(
        prog="harness.py", description=__doc__.split("\n\n")[0],
        usage="%(prog)s [--zones DIR] [--https ADDR]... [--routes MODULE] "
              "[--config FILE] [--tinyproxy] -- CMD [ARGS...]")
    ap.add_argument("--zones", metavar="DIR",
                    help="serve every DIR/<zone>.zone from Knot")
    ap.add_argument("--https", metavar="ADDR", action="append", default=[],
                    help="an HTTPS test server on ADDR:443 (repeatable)")
    ap.add_argument("--routes", metavar="MODULE", help="httpsd.py --routes")
    ap.add_argument("--config", metavar="FILE", help="httpsd.py --config")
    ap.add_argument("--tinyproxy", action="store_true",
                    help="an HTTP CONNECT proxy (tinyproxy) on 127.0.0.1")
    i = argv.index("--") if "--" in argv else len(argv)
    opts = ap.parse_args(argv[:i])
    cmd = argv[i + 1:]
    if not cmd:
        ap.error("no command after --")
    return opts, cmd


def run(opts, cmd, state, procs, silent):
    """Starts the servers (into procs), runs cmd; its exit status."""
    zones, hosts = dcservers.zone_names(opts.zones) if opts.zones else ([], set())
    names = set(hosts)
    for z, _, _ in zones:
        names.add(z)
        names.add("*." + z)
    names.add("localhost.test")
    ca, wrong_ca, cert, key = dcservers.make_pki(state, names)
    env = dict(os.environ)
    if zones:
        _, port, conf = dcservers.start_knot(
            state, opts.zones, zones, procs,
            note=lambda text: print("harness.py: " + text, file=sys.stderr))
        env["DC_TEST_DNS"] = "127.0.0.1:%d" % port
        env["DC_TEST_KNOT_CONF"] = conf
    env["DC_TEST_SILENT_DNS"] = silent.addr
    log_path = os.path.join(state, "https-requests.log")
    with open(log_path, "w"):
        pass
    if opts.https:
        dcservers.start_https(state, opts.https, cert, key, procs, log=log_path,
                              routes=opts.routes, config=opts.config)
    if opts.tinyproxy:
        _, pport, plog = dcservers.start_tinyproxy(
            state, procs,
            note=lambda text: print("harness.py: " + text, file=sys.stderr))
        env["DC_TEST_PROXY"] = "127.0.0.1:%d" % pport
        env["DC_TEST_PROXY_LOG"] = plog
    env.update(DC_TEST_CA=ca, DC_TEST_WRONG_CA=wrong_ca, DC_TEST_STATE=state,
               DC_TEST_HTTPS_LOG=log_path,
               DC_TEST_HTTPS_ADDRS=",".join(opts.https))
    return subprocess.call(cmd, env=env)


def main(argv):
    opts, cmd = parse_args(argv)
    dcservers.exit_on_sigterm()
    with dcservers.state_dir("harness.py", "dc-it-") as state:
        try:
            with dcservers.Processes() as procs, dcservers.SilentDNS() as silent:
                return run(opts, cmd, state, procs, silent)
        except Exception:  # report and fail, never hang; servers already stopped
            print("harness.py: unexpected error:", file=sys.stderr)
            traceback.print_exc()
            return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
