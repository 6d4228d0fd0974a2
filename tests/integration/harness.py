#!/usr/bin/python3
"""Integration-test harness: starts real servers on loopback, runs a command,
stops the servers by PID.

  harness.py [--zones DIR] [--https ADDR]... [--routes MODULE] [--config FILE]
             -- CMD [ARGS...]

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
- Runs CMD with these environment variables:
    DC_TEST_DNS        127.0.0.1:PORT of Knot
    DC_TEST_SILENT_DNS 127.0.0.1:PORT of the silent server
    DC_TEST_CA         PEM of the trusted test CA
    DC_TEST_WRONG_CA   PEM of a CA that signed nothing we serve
    DC_TEST_STATE      the state directory (removed afterwards)
    DC_TEST_HTTPS_LOG  request log of the HTTPS servers
    DC_TEST_KNOT_CONF  knot.conf (for knotc live edits)
    DC_TEST_HTTPS_ADDRS the --https addresses, comma-separated
  and exits with CMD's exit status. Servers are stopped by PID even when CMD
  fails.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, **kw)


def zone_names(zdir):
    zones, hosts = [], set()
    for f in sorted(os.listdir(zdir)):
        if not f.endswith(".zone"):
            continue
        zone = f[:-len(".zone")]
        broken = zone.endswith(".broken")
        if broken:
            zone = zone[:-len(".broken")]
        zones.append((zone, f, broken))
        if broken:
            continue
        origin = zone
        for line in open(os.path.join(zdir, f)):
            line = line.split(";")[0].rstrip()
            if not line or line.startswith("$"):
                continue
            parts = line.split()
            if len(parts) >= 3 and ("A" in parts[1:4] or "AAAA" in parts[1:4]):
                owner = parts[0]
                if owner == "@":
                    hosts.add(origin)
                elif owner.endswith("."):
                    hosts.add(owner[:-1])
                else:
                    hosts.add(owner + "." + origin)
    return zones, hosts


def make_pki(state, names):
    ca_dir = os.path.join(state, "pki")
    os.makedirs(ca_dir)
    p = lambda n: os.path.join(ca_dir, n)
    for ca in ("ca", "wrongca"):
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", p(ca + ".key"), "-out", p(ca + ".crt"), "-days", "2",
             "-subj", "/CN=libdomainconnect test " + ca,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
         p("server.key"), "-out", p("server.csr"), "-subj", "/CN=test server"])
    san = ",".join("DNS:" + n for n in sorted(names))
    with open(p("ext"), "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n" % san)
    run(["openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"),
         "-CAkey", p("ca.key"), "-CAcreateserial", "-out", p("server.crt"),
         "-days", "2", "-extfile", p("ext")])
    return p("ca.crt"), p("wrongca.crt"), p("server.crt"), p("server.key")


def start_knot(state, zdir, zones):
    kdir = os.path.join(state, "knot")
    for d in ("run", "db", "zones"):
        os.makedirs(os.path.join(kdir, d))
    port = free_port()
    conf = os.path.join(kdir, "knot.conf")
    with open(conf, "w") as f:
        f.write('server:\n    rundir: "%s/run"\n    listen: 127.0.0.1@%d\n'
                'log:\n  - target: stderr\n    any: warning\n'
                'database:\n    storage: "%s/db"\n'
                'template:\n  - id: default\n    storage: "%s/zones"\n'
                '    file: "%%s.zone"\n    zonefile-sync: -1\n'
                '    zonefile-load: whole\n    journal-content: none\n'
                'zone:\n' % (kdir, port, kdir, kdir))
        for zone, fname, broken in zones:
            f.write("  - domain: %s\n" % zone)
            shutil.copy(os.path.join(zdir, fname),
                        os.path.join(kdir, "zones", zone + ".zone"))
    log = open(os.path.join(kdir, "knotd.log"), "w")
    proc = subprocess.Popen(["knotd", "-c", conf], stdout=log, stderr=log)
    # Ready when it answers over TCP for the first loadable zone.
    probe = next((z for z, _, b in zones if not b), None)
    deadline = time.time() + 10
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("knotd exited: see %s" % log.name)
        if probe is None:
            break
        r = subprocess.run(["kdig", "-p", str(port), "@127.0.0.1", "+tcp",
                            "+short", "+timeout=1", "+retry=0", probe, "SOA"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if r.returncode == 0 and r.stdout.strip():
            break
        time.sleep(0.05)
    else:
        raise RuntimeError("knotd not ready")
    return proc, port, conf


def start_https(state, addrs, cert, key, routes, config, log_path):
    procs = []
    for addr in addrs:
        ready = os.path.join(state, "https-%s.ready" % addr)
        cmd = ["/usr/bin/python3", os.path.join(HERE, "httpsd.py"),
               "--addr", addr, "--port", "443", "--cert", cert, "--key", key,
               "--log", log_path, "--ready-file", ready]
        if routes:
            cmd += ["--routes", routes]
        if config:
            cmd += ["--config", config]
        errlog = open(os.path.join(state, "https-%s.err" % addr), "w")
        procs.append(subprocess.Popen(cmd, stdout=errlog, stderr=errlog))
        deadline = time.time() + 10
        while not os.path.exists(ready):
            if procs[-1].poll() is not None or time.time() > deadline:
                raise RuntimeError("httpsd on %s did not start: %s" %
                                   (addr, open(errlog.name).read()))
            time.sleep(0.05)
    return procs


def main(argv):
    zdir = routes = config = None
    addrs = []
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a in ("--zones", "--https", "--routes", "--config"):
            v = argv[i + 1]
            i += 2
            if a == "--zones":
                zdir = v
            elif a == "--https":
                addrs.append(v)
            elif a == "--routes":
                routes = v
            else:
                config = v
        else:
            sys.exit("harness.py: unknown option " + a)
    cmd = argv[i + 1:]
    if not cmd:
        sys.exit("harness.py: no command after --")

    state = tempfile.mkdtemp(prefix="dc-it-")
    procs = []
    silent = []
    rc = 1
    try:
        zones, hosts = zone_names(zdir) if zdir else ([], set())
        names = set(hosts)
        for z, _, _ in zones:
            names.add(z)
            names.add("*." + z)
        names.add("localhost.test")
        ca, wrong_ca, cert, key = make_pki(state, names)
        env = dict(os.environ)
        if zones:
            knot, port, conf = start_knot(state, zdir, zones)
            procs.append(knot)
            env["DC_TEST_DNS"] = "127.0.0.1:%d" % port
            env["DC_TEST_KNOT_CONF"] = conf
        # A DNS server that never answers (UDP and TCP on one port).
        sport = free_port()
        su = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        su.bind(("127.0.0.1", sport))
        st = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        st.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        st.bind(("127.0.0.1", sport))
        st.listen(16)
        silent = [su, st]
        env["DC_TEST_SILENT_DNS"] = "127.0.0.1:%d" % sport
        log_path = os.path.join(state, "https-requests.log")
        open(log_path, "w").close()
        if addrs:
            procs += start_https(state, addrs, cert, key, routes, config, log_path)
        env.update(DC_TEST_CA=ca, DC_TEST_WRONG_CA=wrong_ca, DC_TEST_STATE=state,
                   DC_TEST_HTTPS_LOG=log_path,
                   DC_TEST_HTTPS_ADDRS=",".join(addrs))
        rc = subprocess.call(cmd, env=env)
    except Exception as e:  # report and fail, never hang
        print("harness.py: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        for p in procs:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        for s in silent:
            s.close()
        if os.environ.get("DC_TEST_KEEP_STATE"):
            print("harness.py: state kept in " + state, file=sys.stderr)
        else:
            shutil.rmtree(state, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
