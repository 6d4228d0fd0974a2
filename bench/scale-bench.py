#!/usr/bin/python3
"""Batch discovery at internet latency and at a million domains (issue 12,
points 3 and 4; docs/performance.md, "Latency you can dial" and "A million
domains"). Not part of `make bench` (it takes minutes); run it alone, in a
namespace of its own for port 443:

  python3 tests/support/netns-run --name scale -- bench/scale-bench.py \
      --build BUILD [--latency] [--million] [--rtts 50,200]
      [--concurrency 64,256,1024,4096] [--threads 32,256,1024]
      [--seconds S] [--domains N] [--report FILE]

Both parts serve the population of bench/population.py from ONE Knot zone
(127.0.0.1:<free port>) and nginx (bench/nginx_bench.py, one worker), with a
fresh test CA, as bench/run-bench.py's (g) section does.

--latency: bench/delayproxy sits between the client and both servers with a
  round trip time RTT (UDP DNS: RTT per exchange; TCP: RTT/2 per chunk each
  way, the client's first bytes 1.5 RTT after its connect: see
  delayproxy.c). The provider API hosts resolve to 127.0.0.30.. where the
  proxy listens; nginx listens on 127.0.0.60.. behind it. Only domains of
  kind "ok" are used, so every domain costs the same steps. For each RTT and
  concurrency C, bench_batch (dc_batch_run) runs for --seconds; the proxy's
  counters give the DNS exchanges and TCP connections per domain, hence the
  round trips per domain
      rt = DNS round trips (TXT, then the guard's A+AAAA of the API host when
           it is asked, in parallel: one RTT) + 2 per new connection (TCP,
           TLS 1.3) + 1 (the GET)
  and the ideal rate C / (rt x RTT). The achieved fraction is against
  min(ideal, the machine's limit), the machine's limit being the rate at
  RTT 0 through the same proxy at the same concurrency. bench_threads (N
  threads calling dc_discover on one client) runs under the same delay.

--million: `domainconnect discover --batch FILE --progress` over N domains
  (default 1,000,000; all kinds) on nginx without delay; this script reads
  the CLI's stdout (counting lines) and samples the CLI process from /proc
  every 50 ms: VmRSS, VmHWM and the open descriptors (/proc/PID/fd) at the
  start, at 100,000 results and at the last sample before it exits
  (results >= N - 1,000), and bench/fdprobe (LD_PRELOAD) prints the exact
  count of open descriptors before main and at exit; the CLI's own progress lines (--progress, stderr
  not a terminal: one line every 2 s with rate and ETA) are quoted.

Every server is stopped by PID at the end, also on failure.
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import population as pop  # noqa: E402
import dcservers  # noqa: E402
import nginx_bench  # noqa: E402

REPORT = []
BACK_FIRST = 60  # nginx behind the proxy: 127.0.0.60..


def out(line=""):
    print(line, flush=True)
    REPORT.append(line)


def shcmd(cmd):
    return " ".join(c if re.match(r"^[\w@%+=:,./-]+$", c) else "'%s'" % c for c in cmd)


def kv(line):
    return dict(re.findall(r"(\w+)=([\w./%-]+)", line))


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %ds" % timeout
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def write_zone(state, count, servers):
    zdir = os.path.join(state, "zones")
    os.makedirs(zdir, exist_ok=True)
    with open(os.path.join(zdir, "bench.test.zone"), "w") as f:
        f.write(pop.zone_text(count, servers))
    return zdir


def start_delayproxy(bindir, state, rtt, maps, procs, tag):
    log = os.path.join(state, "delayproxy-%s.log" % tag)
    cmd = [os.path.join(bindir, "delayproxy"), "--rtt-ms", str(rtt)]
    for kind, front, back in maps:
        cmd += ["--" + kind, "%s=%s" % (front, back)]
    p = procs.start(cmd, log)
    deadline = time.monotonic() + 10
    while True:
        with open(log) as f:
            text = f.read()
        if "ready" in text:
            return p, log
        if p.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("delayproxy did not start: %s" % text)
        time.sleep(0.02)


def cpu_s(pid):
    """utime+stime of a process in seconds (0 when it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def stop_delayproxy(p, log, procs, t0):
    """Stops the proxy; returns (connections, datagrams, its CPU in % of one
    core since t0)."""
    cpu, wall = cpu_s(p.pid), time.monotonic() - t0
    procs.stop(p)
    with open(log) as f:
        m = re.search(r"(\d+) connections, (\d+) datagrams", f.read())
    pct = 100 * cpu / wall if wall > 0 else 0
    return (int(m.group(1)), int(m.group(2)), pct) if m else (0, 0, pct)


def latency(a, state, bindir, ca, psl, knot_port, procs):
    servers = a.servers
    fronts = [pop.address(k, servers) for k in range(servers)]
    backs = ["127.0.0.%d" % (BACK_FIRST + k) for k in range(servers)]
    ok = [n for n in range(a.domains) if pop.kind(n) == "ok"]
    dom = os.path.join(state, "latency-domains.txt")
    with open(dom, "w") as f:
        for n in ok:
            f.write(pop.name(n) + "\n")
    _, cert, key = a._pki
    nginx_bench.start(state, backs, cert, key, a.domains, procs, nginx=a.nginx)
    dns_front = dcservers.free_port()
    maps = [("udp", "127.0.0.1:%d" % dns_front, "127.0.0.1:%d" % knot_port),
            ("tcp", "127.0.0.1:%d" % dns_front, "127.0.0.1:%d" % knot_port)]
    maps += [("tcp", "%s:443" % f, "%s:443" % b) for f, b in zip(fronts, backs)]
    net = ["--dns-server", "127.0.0.1:%d" % dns_front, "--ca-file", ca, "--psl-file", psl]
    for s in fronts:
        net += ["--test-allow-address", s]
    out()
    out("== latency: %d domains of kind ok (of the first %d), %d provider hosts on %d nginx "
        "addresses behind bench/delayproxy" % (len(ok), a.domains, pop.PROVIDERS, servers))
    rows = []
    limit = {}
    for rtt in [0] + a.rtts:
        concs = a.concs if rtt > 0 else sorted(set(a.concs))
        for conc in concs:
            cmd = [os.path.join(bindir, "bench_batch")] + net + [
                "--concurrency", str(conc), "--seconds", str(a.seconds), dom]
            k, rate, rt, rc = delayed_run(a, bindir, state, rtt, maps, procs,
                                          "%d-%d" % (rtt, conc), cmd)
            if rtt == 0:
                limit[conc] = rate
                continue
            ideal = conc / (rt * rtt / 1000.0)
            bound = min(ideal, limit.get(conc, ideal))
            rows.append(("batch C=%d" % conc, rtt, conc, rate, rt, ideal, limit.get(conc, 0),
                         rate / bound if bound else 0, k.get("client_cpu", "?"), rc))
        for threads in (a.threads if rtt > 0 else []):
            cmd = [os.path.join(bindir, "bench_threads")] + net + [
                "--threads", str(threads), "--seconds", str(a.seconds), "--count",
                str(len(ok)), dom]
            k, rate, rt, rc = delayed_run(a, bindir, state, rtt, maps, procs,
                                          "t%d-%d" % (rtt, threads), cmd)
            ideal = threads / (rt * rtt / 1000.0)
            rows.append(("threads N=%d" % threads, rtt, threads, rate, rt, ideal, 0,
                         rate / ideal if ideal else 0, k.get("client_cpu", "?"), rc))
    out()
    out("== latency table (one run; ideal = C / (round trips x RTT); fraction = achieved / "
        "min(ideal, machine limit at RTT 0 and the same C))")
    out("  %-16s %6s %10s %8s %10s %10s %9s %8s %4s" % (
        "client", "RTT ms", "domains/s", "rt/dom", "ideal/s", "limit/s", "fraction", "cpu", "rc"))
    for r in rows:
        out("  %-16s %6d %10.0f %8.2f %10.0f %10s %9.2f %8s %4d" % (
            r[0], r[1], r[3], r[4], r[5], ("%.0f" % r[6]) if r[6] else "-", r[7], r[8], r[9]))


def delayed_run(a, bindir, state, rtt, maps, procs, tag, cmd):
    """Runs a bench program through a delayproxy at `rtt` ms and reports
    it with the round trips per domain the proxy counted: TXT is one round
    trip, the guard's A and AAAA go out together, a new TCP+TLS connection
    is two, the GET one. Returns (key/values, domains/s, round trips, rc)."""
    p, log = start_delayproxy(bindir, state, rtt, maps, procs, tag)
    t0 = time.monotonic()
    rc, o, e = run(cmd, a.seconds + 120)
    conns, dgrams, pcpu = stop_delayproxy(p, log, procs, t0)
    k = kv(o)
    done = int(k.get("domains", 0) or 0)
    rate = float(k.get("rate", "0/s").split("/")[0])
    out()
    out("$ delayproxy --rtt-ms %d ...; %s" % (rtt, shcmd(cmd)))
    for line in (o + e).strip().splitlines():
        out("  " + line)
    dns_rt = dgrams / 2 / done if done else 0   # exchanges per domain
    conn_per = conns / done if done else 0
    rt = 1 + max(0.0, dns_rt - 1) / 2 + 2 * conn_per + 1
    out("  proxy: %d DNS exchanges (%.2f per domain), %d TCP connections (%.3f per "
        "domain): %.2f round trips per domain; proxy cpu %.0f%% of one core"
        % (dgrams // 2, dns_rt, conns, conn_per, rt, pcpu))
    return k, rate, rt, rc


class Sampler(threading.Thread):
    """Samples VmRSS, VmHWM and open fds of one PID every 50 ms."""

    def __init__(self, pid, lines):
        super().__init__(daemon=True)
        self.pid, self.lines, self.samples, self.done = pid, lines, [], False

    def sample(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                st = f.read()
            fds = len(os.listdir("/proc/%d/fd" % self.pid))
        except OSError:
            return None
        g = lambda k: int(re.search(r"^%s:\s+(\d+)" % k, st, re.M).group(1))
        return (self.lines[0], g("VmRSS"), g("VmHWM"), fds, time.monotonic())

    def run(self):
        while not self.done:
            s = self.sample()
            if s is None:
                break
            self.samples.append(s)
            time.sleep(0.05)


def million(a, state, bindir, ca, psl, knot_port, procs):
    n = a.million
    servers = [pop.address(k, a.servers) for k in range(a.servers)]
    _, cert, key = a._pki
    nginx_bench.start(state, servers, cert, key, n, procs, nginx=a.nginx)
    dom = os.path.join(state, "million.txt")
    with open(dom, "w") as f:
        for i in range(n):
            f.write(pop.name(i) + "\n")
    cli = os.path.join(bindir, "domainconnect")
    cmd = [cli, "discover", "--batch", dom, "--progress", "--concurrency", str(a.million_conc),
           "--dns-server", "127.0.0.1:%d" % knot_port, "--ca-file", ca, "--psl-file", psl]
    for s in servers:
        cmd += ["--test-allow-address", s]
    errlog = os.path.join(state, "million.err")
    lines = [0]
    counts = {}
    mism = 0
    t0 = time.monotonic()
    with open(errlog, "w") as ef:
        env = dict(os.environ)
        probe = os.path.join(bindir, "libfdprobe.so")
        if os.path.exists(probe):
            env["LD_PRELOAD"] = probe
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=ef, env=env)
        sampler = Sampler(p.pid, lines)
        sampler.start()
        import json
        for raw in p.stdout:
            lines[0] += 1
            try:
                j = json.loads(raw)
                st = j["status"]
                counts[st] = counts.get(st, 0) + 1
                i = pop.index_of(j["input"])
                if i is None or pop.EXPECTED_STATUS[pop.kind(i)] != st:
                    mism += 1
            except (ValueError, KeyError):
                counts["unparsable"] = counts.get("unparsable", 0) + 1
                mism += 1
        rc = p.wait()
        sampler.done = True
        sampler.join()
    wall = time.monotonic() - t0
    with open(errlog) as f:
        err = f.read()
    S = sampler.samples
    out()
    out("== a million domains: discover --batch on nginx, no delay")
    out("$ LD_PRELOAD=%s %s > out.jsonl" % (os.path.join(bindir, "libfdprobe.so"), shcmd(cmd)))
    out("  exit=%d lines=%d wall=%.1f s rate=%.0f domains/s; differing from the population's "
        "expected status: %d" % (rc, lines[0], wall, lines[0] / wall if wall else 0, mism))
    out("  outcomes: " + " ".join("%s=%d" % x for x in sorted(counts.items())))
    prog = [l for l in err.splitlines() if "ETA" in l]
    for l in prog[:2] + (["  ..."] if len(prog) > 4 else []) + prog[-2:]:
        out("  stderr: " + l.strip())
    for l in err.splitlines():
        if not l.startswith("[") and "ETA" not in l:
            out("  stderr: " + l)

    def at(count):
        c = [s for s in S if s[0] >= count]
        return c[0] if c else None
    start = S[0] if S else None
    s100 = at(100000)
    last = [s for s in S if s[0] >= n - 1000]
    s_end = last[-1] if last else (S[-1] if S else None)
    for label, s in (("start", start), ("at 100,000", s100), ("at the end", s_end)):
        if s:
            out("  %-11s results=%7d VmRSS=%6d KiB VmHWM=%6d KiB open fds=%d" % (
                label, s[0], s[1], s[2], s[3]))
    if s100 and s_end:
        out("  memory 100k -> end: VmRSS x%.3f, VmHWM x%.3f (flat within 10%%: %s); fds %d at the "
            "start, %d at 100k, %d at the end" % (
                s_end[1] / s100[1], s_end[2] / s100[2],
                "yes" if s_end[2] <= 1.10 * s100[2] else "NO", start[3], s100[3], s_end[3]))
        steps = [at(k * n // 10) for k in range(1, 10)] + [s_end]
        out("  VmHWM KiB by results: " + " ".join(
            "%d:%d" % (x[0], x[2]) for x in steps if x))
        fdmax = max(s[3] for s in S)
        out("  open fds over the run: max %d (%d samples)" % (fdmax, len(S)))
    m = re.search(r"fdprobe: fds_start=(\d+) fds_exit=(\d+) vmhwm_kb=(\d+)", err)
    if m:
        out("  bench/fdprobe (LD_PRELOAD): %s fds before main, %s at exit (after the batch and "
            "the client are freed): %s; VmHWM at exit %s KiB" % (
                m.group(1), m.group(2), "no descriptor leaked" if m.group(1) == m.group(2)
                else "LEAK of %d" % (int(m.group(2)) - int(m.group(1))), m.group(3)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--latency", action="store_true")
    ap.add_argument("--million", type=int, nargs="?", const=1000000, default=0)
    ap.add_argument("--million-conc", type=int, default=256)
    ap.add_argument("--rtts", default="50,200")
    ap.add_argument("--concurrency", default="64,256,1024,4096")
    ap.add_argument("--threads", default="32,256,1024")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--domains", type=int, default=150000)
    ap.add_argument("--servers", type=int, default=4)
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--report")
    a = ap.parse_args()
    a.rtts = [int(x) for x in a.rtts.split(",") if x]
    a.concs = [int(x) for x in a.concurrency.split(",") if x]
    a.threads = [int(x) for x in a.threads.split(",") if x]
    if not (a.latency or a.million):
        ap.error("ask for --latency and/or --million")
    bindir = os.path.join(a.build, "bin")
    report = a.report or os.path.join(a.build, "scale-report.txt")
    dcservers.exit_on_sigterm()
    nofile = raise_nofile()
    state = tempfile.mkdtemp(prefix="dc-scale-")
    procs = dcservers.Processes()
    rc = 1
    try:
        out("libdomainconnect scale bench (bench/scale-bench.py)")
        out("date: %s; nproc=%d; RLIMIT_NOFILE=%s (children inherit it)"
            % (time.strftime("%Y-%m-%d %H:%M:%S %Z"), os.cpu_count(), nofile))
        zone_count = max(a.domains if a.latency else 0, a.million)
        # knotd loads a zone of a million names in tens of seconds
        dcservers.START_TIMEOUT = max(dcservers.START_TIMEOUT, 300)
        t0 = time.monotonic()
        zdir = write_zone(state, zone_count, a.servers)
        psl = os.path.join(state, "bench.psl")
        with open(psl, "w") as f:
            f.write("// benchmark public suffixes\ntest\nbench.test\n")
        ca, _, cert, key = dcservers.make_pki(
            state, {"bench.test"} | {pop.api_host(k) for k in range(pop.PROVIDERS)})
        a._pki = (ca, cert, key)
        _, port, _ = dcservers.start_knot(
            state, zdir, [("bench.test", "bench.test.zone", False)], procs, attempts=3, note=out)
        out("knotd 127.0.0.1:%d, zone bench.test with %d domains, up in %.1f s"
            % (port, zone_count, time.monotonic() - t0))
        if a.latency:
            latency(a, state, bindir, ca, psl, port, procs)
            for p in list(procs[1:]):  # nginx and any proxy; knotd stays
                procs.stop(p)
        if a.million:
            million(a, state, bindir, ca, psl, port, procs)
        rc = 0
    except Exception as e:
        out("scale-bench.py: %s" % e)
        traceback.print_exc()
    finally:
        procs.stop_all()
        shutil.rmtree(state, ignore_errors=True)
        with open(report, "w") as f:
            f.write("\n".join(REPORT) + "\n")
        print("report written to %s" % report)
    return rc


if __name__ == "__main__":
    sys.exit(main())
