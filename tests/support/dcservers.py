"""Real servers on loopback for the integration suites and the benchmark.

Used by tests/integration/harness.py (the integration harness) and
bench/run-bench.py (make bench):

- make_pki: a test CA, a second CA that signs nothing, and a server
  certificate for given names (openssl);
- zone_names: the zones of a directory of <zone>.zone files and the names
  owning A/AAAA records in them;
- free_port: a port free for both UDP and TCP on a loopback address;
- start_knot: Knot DNS (knotd) serving zones on 127.0.0.1:<free port>,
  ready when it answers over TCP;
- start_https: the HTTPS test server (tests/integration/httpsd.py, or a
  variant of it) on ADDR:443 for each address, ready when it says so;
- SilentDNS: a UDP+TCP socket pair on one port that never answers;
- start_tinyproxy: tinyproxy (an HTTP CONNECT proxy) on 127.0.0.1:<free
  port>, CONNECT to port 443 only, loopback clients only, logging every
  connection and request line to a file;
- Processes: every process started, stopped by PID (SIGTERM, wait, SIGKILL
  after a timeout) when the `with` block ends, also on an exception;
  exit_on_sigterm makes a SIGTERM to the caller such an exception;
- state_dir: a fresh temporary directory for a run's state, removed when
  the `with` block ends unless DC_TEST_KEEP_STATE is set (then its path is
  printed).

Every start-up is bounded in time and raises RuntimeError with the reason
(and the server's own log) when it fails. Every file is opened with `with`.
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
HTTPSD = os.path.join(TESTS, "integration", "httpsd.py")
STOP_TIMEOUT = 5     # seconds between SIGTERM and SIGKILL
START_TIMEOUT = 10   # seconds for a server to become ready


# ---- processes

@contextlib.contextmanager
def state_dir(tool, prefix):
    """A new temporary directory (mkdtemp with `prefix`) for the block; kept
    and named on stderr (as `tool`) when DC_TEST_KEEP_STATE is set."""
    d = tempfile.mkdtemp(prefix=prefix)
    try:
        yield d
    finally:
        if os.environ.get("DC_TEST_KEEP_STATE"):
            print("%s: state kept in %s" % (tool, d), file=sys.stderr)
        else:
            shutil.rmtree(d, ignore_errors=True)


class Processes(list):
    """The processes started for one run (subprocess.Popen objects, in
    start order). Used as a context manager, it stops all of them by PID
    when the block ends, however it ends."""

    def start(self, cmd, log_path):
        """Starts cmd with stdout and stderr to log_path (truncated), adds it
        here and returns it."""
        with open(log_path, "w") as log:  # the child keeps its own descriptor
            p = subprocess.Popen(cmd, stdout=log, stderr=log)
        self.append(p)
        return p

    def stop(self, p, timeout=STOP_TIMEOUT):
        """Stops one process (see stop_all) and forgets it."""
        stop_all([p], timeout)
        self.remove(p)

    def stop_all(self, timeout=STOP_TIMEOUT):
        stop_all(self, timeout)
        del self[:]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()
        return False


def exit_on_sigterm():
    """SIGTERM (ctest's timeout, a kill by PID) exits through SystemExit, so
    `with Processes()` blocks and `finally` clauses still stop the servers
    (Python's default would end the process at once and orphan them)."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def stop_all(procs, timeout=STOP_TIMEOUT):
    """SIGTERM to every process by PID, then waits for each; one still
    running after `timeout` seconds gets SIGKILL. Never raises for a process
    that is already gone."""
    for p in procs:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


# ---- ports

def _bind_pair(host, port, reuse):
    """UDP and TCP sockets bound to host:port (port 0: the kernel's choice
    for UDP, the same for TCP); None if TCP cannot have that port."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind((host, port))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if reuse:
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((host, port))
        except OSError:
            t.close()
            u.close()
            return None
        return u, t
    except BaseException:
        u.close()
        raise


def free_port(host="127.0.0.1", tries=100):
    """A port that was free for both UDP and TCP on host (knotd listens on
    both): both are bound before the port is returned. The probes are then
    closed, so another process may still take it before the server binds it
    (start_knot retries with a new port)."""
    for _ in range(tries):
        pair = _bind_pair(host, 0, reuse=False)
        if pair:
            port = pair[0].getsockname()[1]
            for s in pair:
                s.close()
            return port
    raise RuntimeError("no port free for both UDP and TCP on %s after %d tries"
                       % (host, tries))


class SilentDNS:
    """A DNS server that never answers: a UDP socket and a listening TCP
    socket on one port of host, held until close()."""

    def __init__(self, host="127.0.0.1", tries=100):
        for _ in range(tries):
            pair = _bind_pair(host, 0, reuse=True)
            if pair:
                self.udp, self.tcp = pair
                self.tcp.listen(16)
                self.port = self.udp.getsockname()[1]
                self.addr = "%s:%d" % (host, self.port)
                return
        raise RuntimeError("no port free for both UDP and TCP on %s" % host)

    def close(self):
        self.udp.close()
        self.tcp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# ---- PKI

def run(cmd, **kw):
    """Runs a set-up command; raises RuntimeError with its stderr if it fails."""
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), r.returncode,
                                                 r.stderr.decode(errors="replace").strip()))


def make_pki(state, names):
    """In state/pki: the test CA (ca.crt), a CA that signs nothing
    (wrongca.crt) and a server certificate for `names` (subjectAltName
    DNS:name each) signed by the test CA. Returns the paths (ca, wrong_ca,
    server cert, server key)."""
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


# ---- Knot DNS

def zone_names(zdir):
    """([(zone, file name, broken)], {names owning A/AAAA}) of zdir: every
    <zone>.zone; <zone>.broken.zone is a zone that cannot load."""
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
        with open(os.path.join(zdir, f)) as zf:
            for line in zf:
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


def _knot_once(kdir, zdir, zones, procs):
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
        for zone, fname, _ in zones:
            f.write("  - domain: %s\n" % zone)
            shutil.copy(os.path.join(zdir, fname),
                        os.path.join(kdir, "zones", zone + ".zone"))
    log = os.path.join(kdir, "knotd.log")
    proc = procs.start(["knotd", "-c", conf], log)
    try:
        # Ready when it answers over TCP for the first loadable zone.
        probe = next((z for z, _, b in zones if not b), None)
        deadline = time.monotonic() + START_TIMEOUT
        while probe is not None:
            if proc.poll() is not None:
                raise RuntimeError("knotd exited %d: see %s" % (proc.returncode, log))
            if time.monotonic() > deadline:
                raise RuntimeError("knotd not ready in %d s: see %s" % (START_TIMEOUT, log))
            r = subprocess.run(["kdig", "-p", str(port), "@127.0.0.1", "+tcp",
                                "+short", "+timeout=1", "+retry=0", probe, "SOA"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            if r.returncode == 0 and r.stdout.strip():
                break
            time.sleep(0.05)
    except BaseException:
        procs.stop(proc)  # by PID, before the caller retries or gives up
        raise
    return proc, port, conf


def start_knot(state, zdir, zones, procs, attempts=3, note=None):
    """knotd serving `zones` (as from zone_names) of zdir on 127.0.0.1 at a
    free port, its files in state/knot (a retry in state/knot-N), started in
    `procs`. A knotd that does not get ready (another process may have taken
    the port) is stopped by PID and, up to `attempts` times, started again on
    a new port; note(text) is told about each retry. Returns (Popen, port,
    path of knot.conf)."""
    for attempt in range(attempts):
        kdir = os.path.join(state, "knot" if attempt == 0 else "knot-%d" % attempt)
        try:
            return _knot_once(kdir, zdir, zones, procs)
        except RuntimeError as e:
            if attempt + 1 == attempts:
                raise
            if note:
                note("knotd did not start (%s): retrying" % e)


# ---- HTTPS servers

def start_https(state, addrs, cert, key, procs, script=HTTPSD, log="/dev/null",
                routes=None, config=None):
    """`script` (httpsd.py or a variant with its options) on ADDR:443 for
    each address, logging requests to `log`, with --routes/--config when
    given; each is added to `procs` as it starts, and ready when it has
    created its ready file. Returns the processes started here."""
    started = []
    for addr in addrs:
        ready = os.path.join(state, "https-%s.ready" % addr)
        errlog = os.path.join(state, "https-%s.err" % addr)
        cmd = [sys.executable, script, "--addr", addr, "--port", "443",
               "--cert", cert, "--key", key, "--log", log, "--ready-file", ready]
        if routes:
            cmd += ["--routes", routes]
        if config:
            cmd += ["--config", config]
        p = procs.start(cmd, errlog)
        started.append(p)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(ready):
            if p.poll() is not None or time.monotonic() > deadline:
                with open(errlog) as f:
                    why = f.read()
                raise RuntimeError("%s on %s did not start: %s"
                                   % (os.path.basename(script), addr, why))
            time.sleep(0.05)
    return started


# ---- tinyproxy (HTTP CONNECT proxy)

def _tinyproxy_once(pdir, procs):
    os.makedirs(pdir)
    port = free_port()
    conf = os.path.join(pdir, "tinyproxy.conf")
    log = os.path.join(pdir, "tinyproxy.log")
    # LogLevel Info records every connection ("Connect (file descriptor N):
    # 127.0.0.1") and request line ("Request (file descriptor N): CONNECT
    # 127.0.0.2:443 HTTP/1.1"). Run as the current user (root in CI: it warns
    # and carries on), in the foreground (-d) so it is stopped by PID.
    with open(conf, "w") as f:
        f.write('Port %d\nListen 127.0.0.1\nTimeout 30\nLogFile "%s"\n'
                'LogLevel Info\nMaxClients 32\nAllow 127.0.0.1\n'
                'ConnectPort 443\nDisableViaHeader Yes\n' % (port, log))
    proc = procs.start(["tinyproxy", "-d", "-c", conf], os.path.join(pdir, "stderr.log"))
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError("tinyproxy exited %d: see %s" % (proc.returncode, log))
            if time.monotonic() > deadline:
                raise RuntimeError("tinyproxy not ready in %d s: see %s" % (START_TIMEOUT, log))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
    except BaseException:
        procs.stop(proc)
        raise
    return proc, port, log


def start_tinyproxy(state, procs, attempts=3, note=None):
    """tinyproxy on 127.0.0.1 at a free port, its files in state/tinyproxy
    (a retry in state/tinyproxy-N), started in `procs`, ready when it
    accepts a TCP connection (the readiness probe leaves one "Connect" line
    in the log before the suite starts). Returns (Popen, port, log path)."""
    for attempt in range(attempts):
        pdir = os.path.join(state, "tinyproxy" if attempt == 0 else "tinyproxy-%d" % attempt)
        try:
            return _tinyproxy_once(pdir, procs)
        except RuntimeError as e:
            if attempt + 1 == attempts:
                raise
            if note:
                note("tinyproxy did not start (%s): retrying" % e)
