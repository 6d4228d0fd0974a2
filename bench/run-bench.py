#!/usr/bin/python3
"""Benchmark harness of libdomainconnect (make bench).

  bench/run-bench.py [--build DIR] [--domains N] [--big N] [--servers K]
                     [--concurrency C] [--report FILE] [--quick]

Generates the population of bench/population.py (N domains, default 10,000,
over 20 providers; the zone holds max(N, --big) names), serves it from ONE
Knot zone bench.test on 127.0.0.1:<free port> and K HTTPS servers
(tests/integration/httpsd.py with bench/bench_routes.py, default 4) on
127.0.0.30.. port 443, with a fresh test CA (tests/support/dcservers.py, as
the integration harness).
Then, in one run, measures and prints each figure with its command:

  (a) baselines: raw DNS query rate of that Knot (bench/dnsblast.c) and raw
      HTTPS request rate with keep-alive of the servers (bench/httpsblast.c)
  (b) the naive sequential loop (bench/bench_seq.c, dc_discover): one client
      for the loop, and a new client per domain
  (c) batch discovery at N and at --big (default 100,000) domains, through
      the library (bench/bench_batch.c, dc_batch_run) and the CLI
      (`domainconnect discover --batch`): throughput, peak RSS (VmHWM / time
      -v), outcome counts checked against the population, client and server
      CPU (each part is reported PENDING when its API or option is missing)
  (d) one-shot `domainconnect discover DOMAIN`: process wall time, max RSS

Peak memory, as reported: bench_batch's maxrss_kb is VmHWM of its own
process image (/proc/self/status); the CLI's maxrss is /usr/bin/time -v's
"Maximum resident set size", the child's ru_maxrss, which Linux carries over
from the forking parent, so it is at least /usr/bin/time's own peak (about
1 MiB; /usr/bin/time, not this Python script, is the parent). Figures only:
no assertion rests on them (the memory check with an assertion is
tests/integration/test_batch.c, on VmHWM).
  (e) dc_sign against OpenSSL EVP RSA-2048 (bench/bench_sign.c) and
      `openssl speed rsa2048`
  (f) bench_template (template application against zone size)

and the ratios. The report goes to stdout and to --report (default
BUILD/bench-report.txt). Every server is stopped by PID at the end, also on
failure; every loop is bounded in count and in time.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import population as pop  # noqa: E402
import dcservers  # noqa: E402  (make_pki, start_knot, start_https, Processes)
import nginx_bench  # noqa: E402

REPORT = []


def out(line=""):
    print(line, flush=True)
    REPORT.append(line)


def shcmd(cmd):
    return " ".join(c if re.match(r"^[\w@%+=:,./-]+$", c) else "'%s'" % c for c in cmd)


def run(cmd, timeout, stdin=None, stdout=subprocess.PIPE):
    """Runs cmd (bounded by timeout); returns (rc, stdout text, stderr text)."""
    try:
        p = subprocess.run(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %ds" % timeout
    o = p.stdout.decode(errors="replace") if isinstance(p.stdout, bytes) else ""
    return p.returncode, o, p.stderr.decode(errors="replace")


def kv(line):
    return dict(re.findall(r"(\w+)=([\w./-]+)", line))


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    except OSError:
        pass
    return "nproc=%d cpu=%s mem=%s kernel=%s" % (os.cpu_count(), model, mem,
                                                  platform.release())


def time_v(cmd, timeout, stdin=None, stdout=subprocess.DEVNULL):
    """cmd under /usr/bin/time -v: (rc, wall s, maxrss KiB, stderr)."""
    t0 = time.monotonic()
    rc, _, err = run(["/usr/bin/time", "-v"] + cmd, timeout, stdin=stdin, stdout=stdout)
    wall = time.monotonic() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    return rc, wall, int(m.group(1)) if m else -1, err


def cpu_line(err):
    """user/sys seconds and CPU share from /usr/bin/time -v output."""
    g = lambda pat: (re.search(pat, err) or [None, "?"])[1]
    return "cpu: user %s s, sys %s s, %s of one core" % (
        g(r"User time \(seconds\): ([\d.]+)"), g(r"System time \(seconds\): ([\d.]+)"),
        g(r"Percent of CPU this job got: (\d+%)"))


def start_https(state, addrs, cert, key, procs):
    """bench/bench_httpsd.py (httpsd.py with TCP_NODELAY) on each ADDR:443
    with bench_routes and no request log; appended to procs as started."""
    dcservers.start_https(state, addrs, cert, key, procs,
                          script=os.path.join(HERE, "bench_httpsd.py"),
                          log="/dev/null", routes="bench_routes")


def pid_ticks(pid):
    """utime+stime (clock ticks) of one process; None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as sf:
            f = sf.read()
        fields = f[f.rindex(")") + 2:].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None


def proc_cpu(procs):
    """utime+stime (clock ticks) of each server process, by PID."""
    d = {}
    for p in procs:
        t = pid_ticks(p.pid)
        if t is not None:
            d[p.pid] = t
    return d


def servers_cpu(procs, before, wall):
    """The servers' CPU over a phase, in % of one core: knotd and httpsd."""
    after = proc_cpu(procs)
    hz = os.sysconf("SC_CLK_TCK")
    knot = httpsd = 0.0
    for i, p in enumerate(procs):
        used = (after.get(p.pid, 0) - before.get(p.pid, 0)) / hz
        if i == 0:
            knot += used
        else:
            httpsd += used
    if wall <= 0:
        return "servers' cpu: ?"
    return ("servers' cpu: knotd %.0f%%, httpsd (%d procs) %.0f%% of one core "
            "(machine: %d cores)" % (100 * knot / wall, len(procs) - 1,
                                      100 * httpsd / wall, os.cpu_count()))


def has_batch(cli):
    rc, o, e = run([cli, "discover", "--help"], 10)
    return "--batch" in (o + e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--domains", type=int, default=10000)
    ap.add_argument("--big", type=int, default=100000)
    ap.add_argument("--servers", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=256,
                    help="batch concurrency (default 256; 64, the library's "
                         "default, is measured at --domains too)")
    ap.add_argument("--report")
    ap.add_argument("--nginx", default="/usr/sbin/nginx",
                    help="nginx binary for the (g) runs (skipped when missing)")
    ap.add_argument("--perf", metavar="FILE",
                    help="record the last nginx batch run with perf (perf record -g -o FILE)")
    ap.add_argument("--only-nginx", action="store_true",
                    help="skip (b)..(f): baselines, then the nginx runs")
    ap.add_argument("--quick", action="store_true",
                    help="short bounds (smoke test of the harness)")
    a = ap.parse_args()
    if not 1 <= a.servers <= 16:
        sys.exit("run-bench.py: --servers must be 1..16 (the test allow list)")
    report = a.report or os.path.join(a.build, "bench-report.txt")
    bindir = os.path.join(a.build, "bin")
    cli = os.path.join(bindir, "domainconnect")
    secs = 2 if a.quick else 5

    dcservers.exit_on_sigterm()
    state = tempfile.mkdtemp(prefix="dc-bench-")
    procs = dcservers.Processes()
    rc = 1
    try:
        rc = bench(a, state, bindir, cli, secs, procs)
    except Exception as e:  # report and fail, never hang
        out("run-bench.py: %s" % e)
        traceback.print_exc()
        rc = 1
    finally:
        procs.stop_all()  # by PID: SIGTERM, wait, SIGKILL after 5 s
        shutil.rmtree(state, ignore_errors=True)
        os.makedirs(os.path.dirname(os.path.abspath(report)), exist_ok=True)
        with open(report, "w") as f:
            f.write("\n".join(REPORT) + "\n")
        print("report written to %s" % report)
    return rc


def bench(a, state, bindir, cli, secs, procs):
    n_small, n_big = a.domains, max(a.domains, a.big)
    servers = [pop.address(k, a.servers) for k in range(a.servers)]
    out("libdomainconnect benchmark report")
    out("date: %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    out("machine: %s" % machine())
    out("population: %d domains (zone holds %d) over %d providers, %d HTTPS "
        "server(s) %s..%s:443 (httpsd.py, threaded Python), one Knot zone"
        % (n_small, n_big, pop.PROVIDERS, a.servers, servers[0], servers[-1]))
    kinds = {}
    for n in range(n_small):
        kinds[pop.kind(n)] = kinds.get(pop.kind(n), 0) + 1
    out("kinds in the first %d: %s" % (n_small, " ".join(
        "%s=%d" % kv_ for kv_ in sorted(kinds.items()))))

    # ---- population: zone, PSL, lists
    zdir = os.path.join(state, "zones")
    os.makedirs(zdir)
    with open(os.path.join(zdir, "bench.test.zone"), "w") as f:
        f.write(pop.zone_text(n_big, a.servers))
    psl = os.path.join(state, "bench.psl")
    with open(psl, "w") as f:
        f.write("// benchmark public suffixes\ntest\nbench.test\n")

    def domains_file(path, count):
        with open(path, "w") as f:
            for n in range(count):
                f.write(pop.name(n) + "\n")
        return path
    dom_small = domains_file(os.path.join(state, "domains-small.txt"), n_small)
    dom_big = domains_file(os.path.join(state, "domains-big.txt"), n_big)
    qnames = os.path.join(state, "qnames.txt")
    with open(qnames, "w") as f:
        for n in range(n_small):
            f.write("_domainconnect.%s\n" % pop.name(n))
    urls = os.path.join(state, "urls.txt")
    with open(urls, "w") as f:
        for n in range(n_small):
            if pop.kind(n) == "ok":
                k = pop.provider(n)
                f.write("%s https://%s/v2/%s/settings\n" % (
                    pop.address(k, a.servers), pop.api_host(k), pop.name(n)))

    # ---- servers
    t0 = time.monotonic()
    ca, _, cert, key = dcservers.make_pki(
        state, {"bench.test"} | {pop.api_host(k) for k in range(pop.PROVIDERS)})
    # The free port's probes are closed before knotd binds it, so another
    # process may take it in between: start_knot stops that knotd by PID and
    # retries with a new port (up to 3 attempts). knotd is procs[0].
    _, port, _ = dcservers.start_knot(
        state, zdir, [("bench.test", "bench.test.zone", False)], procs,
        attempts=3, note=out)
    start_https(state, servers, cert, key, procs)
    dns = "127.0.0.1:%d" % port
    out("servers up in %.1f s: knotd %s (zone bench.test, %d names), httpsd %s"
        % (time.monotonic() - t0, dns, n_big, ",".join(servers)))
    netopts = ["--dns-server", dns, "--ca-file", ca, "--psl-file", psl]
    for s in servers:
        netopts += ["--test-allow-address", s]
    R = {}

    def show(title, cmd, lines):
        out()
        out("== " + title)
        out("$ " + shcmd(cmd))
        for line in lines:
            out("  " + line)

    # ---- (a) baselines
    cmd = [os.path.join(bindir, "dnsblast"), "127.0.0.1", str(port), qnames,
           "1000000", str(secs), "100"]
    cpu0, t0 = proc_cpu(procs), time.monotonic()
    rc, o, e = run(cmd, secs + 30)
    show("(a1) raw DNS query rate of Knot (UDP, TXT _domainconnect.dN, 100 in flight)",
         cmd, (o + e).strip().splitlines() +
         [servers_cpu(procs, cpu0, time.monotonic() - t0)])
    R["dns_qps"] = float(kv(o).get("qps", 0))

    cmd = [os.path.join(bindir, "httpsblast"), ca, urls, "200000", str(secs + 3), "40"]
    cpu0, t0 = proc_cpu(procs), time.monotonic()
    rc, o, e = run(cmd, secs + 40)
    show("(a2) raw HTTPS request rate, keep-alive, 40 connections (2 per provider host) over %d servers"
         % a.servers, cmd, (o + e).strip().splitlines() +
         [servers_cpu(procs, cpu0, time.monotonic() - t0)])
    R["https_rps"] = float(kv(o).get("rps", 0))
    https_cmd = cmd
    cmd = cmd[:-1] + ["%d" % pop.PROVIDERS]
    cpu0, t0 = proc_cpu(procs), time.monotonic()
    rc, o, e = run(cmd, secs + 40)
    show("(a3) the same with %d connections (1 per provider host): how much one "
         "keep-alive connection per host gives" % pop.PROVIDERS, cmd,
         (o + e).strip().splitlines() + [servers_cpu(procs, cpu0, time.monotonic() - t0)])
    R["https_rps_1conn"] = float(kv(o).get("rps", 0))

    if a.only_nginx:
        nginx_section(a, state, bindir, netopts, servers, cert, key, urls, dom_small,
                      dom_big, n_small, n_big, secs, procs, show, batch_check, parse_plain, R)
        out()
        out("== ratios (nginx only)")
        nginx_ratios(R)
        return 0

    # ---- (b) sequential loop
    cmd = [os.path.join(bindir, "bench_seq")] + netopts + [
        "--count", "3000", "--seconds", str(2 * secs + 5), dom_small]
    rc, o, e = run(cmd, 4 * secs + 60)
    show("(b1) naive sequential loop, one dc_client, dc_discover per domain",
         cmd, (o + e).strip().splitlines())
    R["seq_rate"] = float(kv(o).get("rate", "0/s").split("/")[0])
    cmd = [os.path.join(bindir, "bench_seq"), "--new-client-per-domain"] + netopts + [
        "--count", "1000", "--seconds", str(secs + 2), dom_small]
    rc, o, e = run(cmd, 2 * secs + 60)
    show("(b2) naive sequential loop, a new dc_client per domain",
         cmd, (o + e).strip().splitlines())
    R["seq_new_rate"] = float(kv(o).get("rate", "0/s").split("/")[0])

    # ---- (c) batch
    R["batch"] = {}

    check = batch_check

    def parse_json(line):
        try:
            j = json.loads(line)
            return j.get("input"), j.get("status", "?")
        except ValueError:
            return None, "unparsable"

    bb = os.path.join(bindir, "bench_batch")
    runs = [("small", n_small, dom_small, a.concurrency), ("big", n_big, dom_big, a.concurrency)]
    if a.concurrency != 64:
        runs.insert(0, ("small-c64", n_small, dom_small, 64))
    for label, count, path, conc in runs:
        if not os.path.exists(bb):
            break
        res = os.path.join(state, "batch-%s.txt" % label)
        cpu0 = proc_cpu(procs)
        cmd = [bb] + netopts + ["--concurrency", str(conc),
                                "--seconds", "600", "--out", res, path]
        t0 = time.monotonic()
        rc, o, e = run(cmd, 900)
        wall = time.monotonic() - t0
        counts, lines, mism = check(res, parse_plain) if os.path.exists(res) else ({}, 0, -1)
        show("(c1) batch discovery (library, dc_batch_run), %d domains, concurrency %d"
             % (count, conc), cmd,
             (o + e).strip().splitlines() +
             ["process wall %.2f s (with client setup and exit); results=%d; "
              "differing from the population's expected status: %d" % (wall, lines, mism),
              servers_cpu(procs, cpu0, wall)])
        k = kv(o)
        rate = float(k.get("rate", "0/s").split("/")[0])
        R["batch"][label] = (count, rate, int(k.get("maxrss_kb", -1)), rc, mism)
    if not os.path.exists(bb):
        out()
        out("== (c1) batch discovery (library): PENDING (no include/domainconnect/batch.h "
            "when this tree was configured)")

    if has_batch(cli):
        for label, count, path in (("small", n_small, dom_small), ("big", n_big, dom_big)):
            outjson = os.path.join(state, "batch-%s.jsonl" % label)
            cmd = [cli, "discover", "--batch", path, "--concurrency",
                   str(a.concurrency)] + netopts
            cpu0 = proc_cpu(procs)
            with open(outjson, "w") as fo:
                rc, wall, rss, err = time_v(cmd, 900, stdout=fo)
            counts, lines, mism = check(outjson, parse_json)
            rate = lines / wall if wall > 0 else 0
            summary = [l for l in err.splitlines()
                       if not l.startswith("\t") and "Command exited" not in l][-6:]
            show("(c2) batch discovery (CLI), %d domains, --concurrency %d"
                 % (count, a.concurrency),
                 ["/usr/bin/time", "-v"] + cmd + [">", os.path.basename(outjson)],
                 ["exit=%d lines=%d wall=%.2f s rate=%.0f domains/s maxrss=%d KiB"
                  % (rc, lines, wall, rate, rss),
                  "outcomes: " + " ".join("%s=%d" % x for x in sorted(counts.items())),
                  "differing from the population's expected status: %d" % mism,
                  cpu_line(err), servers_cpu(procs, cpu0, wall)]
                 + ["stderr: " + l for l in summary])
            R["batch"]["cli-" + label] = (count, rate, rss, rc, mism)
    else:
        out()
        out("== (c2) batch discovery (CLI): PENDING (%s discover has no --batch yet)" % cli)

    # ---- (a2) again: on a small shared machine the servers' rate drifts;
    # the ratios use the higher of the two (the conservative baseline).
    cpu0, t0 = proc_cpu(procs), time.monotonic()
    rc, o, e = run(https_cmd, secs + 40)
    show("(a2, again after the batch runs) raw HTTPS request rate", https_cmd,
         (o + e).strip().splitlines() + [servers_cpu(procs, cpu0, time.monotonic() - t0)])
    again = float(kv(o).get("rps", 0))
    out("  HTTPS baseline for the ratios: max(%.0f, %.0f) = %.0f requests/s"
        % (R["https_rps"], again, max(R["https_rps"], again)))
    R["https_rps"] = max(R["https_rps"], again)
    if R.get("https_rps_1conn"):
        out("  (with 1 connection per provider host: %.0f requests/s)" % R["https_rps_1conn"])

    # ---- (d) one-shot
    ok_domain = next(pop.name(n) for n in range(n_small) if pop.kind(n) == "ok")
    cmd = [cli, "discover"] + netopts + [ok_domain]
    walls, rsss, rcs = [], [], []
    for _ in range(5 if a.quick else 20):
        rc, wall, rss, _ = time_v(cmd, 30)
        walls.append(wall)
        rsss.append(rss)
        rcs.append(rc)
    show("(d) one-shot discover, %d runs (wall includes /usr/bin/time's fork+exec)"
         % len(walls), ["/usr/bin/time", "-v"] + cmd,
         ["exit codes: %s" % sorted(set(rcs)),
          "wall median=%.1f ms min=%.1f ms max=%.1f ms; maxrss median=%d KiB max=%d KiB"
          % (statistics.median(walls) * 1e3, min(walls) * 1e3, max(walls) * 1e3,
             statistics.median(rsss), max(rsss))])
    R["oneshot_ms"] = statistics.median(walls) * 1e3
    R["oneshot_rss"] = statistics.median(rsss)

    # ---- (e) signing
    keyf = os.path.join(state, "sign.key")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", keyf], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cmd = [os.path.join(bindir, "bench_sign"), keyf, "1" if a.quick else "2"]
    rc, o, e = run(cmd, 60)
    show("(e1) dc_sign vs OpenSSL EVP_DigestSign, same RSA-2048 key and bytes",
         cmd, (o + e).strip().splitlines())
    R["sign"] = kv(o)
    cmd = ["openssl", "speed", "-seconds", "1" if a.quick else "2", "rsa2048"]
    rc, o, e = run(cmd, 60)
    m = re.search(r"^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)", o, re.M)
    show("(e2) OpenSSL's own RSA-2048 sign rate (raw, no hashing or base64)",
         cmd, ["sign/s=%s" % (m.group(1) if m else "?")])
    R["ossl_speed"] = float(m.group(1)) if m else 0

    # ---- (f) template
    cmd = [os.path.join(bindir, "bench_template"), "0.3" if a.quick else "0.5"]
    rc, o, e = run(cmd, 300)
    show("(f) template application against zone size", cmd,
         (o + e).strip().splitlines())

    # ---- (g) nginx: a C server that does not saturate first
    if a.nginx and os.path.exists(a.nginx):
        nginx_section(a, state, bindir, netopts, servers, cert, key, urls, dom_small,
                      dom_big, n_small, n_big, secs, procs, show, check, parse_plain, R)
    else:
        out()
        out("== (g) nginx: SKIPPED (%s not found; scripts/install-deps installs nginx-light)"
            % a.nginx)

    # ---- ratios
    def tag(label):
        return "batch (%s, concurrency %d)" % (
            "CLI" if label.startswith("cli") else "library",
            64 if label == "small-c64" else a.concurrency)

    out()
    out("== ratios")
    seq = R["seq_rate"]
    out("  sequential loop: %.1f domains/s (one client), %.1f domains/s (new client "
        "per domain)" % (seq, R["seq_new_rate"]))
    for label in ("small-c64", "small", "big", "cli-small", "cli-big"):
        if label not in R["batch"]:
            continue
        count, rate, rss, brc, mism = R["batch"][label]
        out("  %s %d: %.0f domains/s = %.2f of DNS qps (%.0f), %.2f of HTTPS rps "
            "(%.0f); speed-up over the sequential loop x%.1f; maxrss %d KiB"
            % (tag(label), count, rate, rate / R["dns_qps"] if R["dns_qps"] else 0, R["dns_qps"],
               rate / R["https_rps"] if R["https_rps"] else 0, R["https_rps"],
               rate / seq if seq else 0, rss))
    # Per domain the batch sends one TXT query (plus the API host's A/AAAA
    # unless cached) and one settings GET for every domain that has a TXT.
    with_txt = sum(1 for n in range(n_small) if pop.kind(n) not in ("nxdomain", "nodata"))
    frac = with_txt / n_small if n_small else 0
    for label in ("small-c64", "small", "big", "cli-small", "cli-big"):
        if label in R["batch"] and R["https_rps"]:
            rate = R["batch"][label][1]
            out("  %s %d: settings GETs %.0f/s (%.0f%% of domains have a TXT) = %.2f "
                "of the HTTPS baseline" % (tag(label), R["batch"][label][0],
                                           rate * frac, 100 * frac,
                                           rate * frac / R["https_rps"]))
    for pre in ("", "cli-"):
        if pre + "small" not in R["batch"] or pre + "big" not in R["batch"]:
            continue
        s, b = R["batch"][pre + "small"], R["batch"][pre + "big"]
        out(("  memory (%s): maxrss" % ("CLI" if pre else "library")) + " %d KiB at %d domains vs %d KiB at %d domains (x%.2f)"
            % (s[2], s[0], b[2], b[0], b[2] / s[2] if s[2] > 0 else 0))
    if R["batch"]:
        out("  (maxrss: library = VmHWM of bench_batch's own process; CLI and "
            "one-shot = /usr/bin/time -v's ru_maxrss of the child, at least "
            "/usr/bin/time's own ~1 MiB)")
    if not R["batch"]:
        out("  batch: pending (no --batch in the CLI)")
    sg = R["sign"]
    if sg:
        dcr = float(sg.get("dc_sign", "0/s").split("/")[0])
        evp = float(sg.get("openssl_evp", "0/s").split("/")[0])
        out("  signing: dc_sign %.0f/s = %.2f of OpenSSL EVP (%.0f/s) and %.2f of "
            "`openssl speed` (%.0f/s)" % (dcr, dcr / evp if evp else 0, evp,
                                          dcr / R["ossl_speed"] if R["ossl_speed"] else 0,
                                          R["ossl_speed"]))
    out("  one-shot discover: %.1f ms wall, %d KiB maxrss per process"
        % (R["oneshot_ms"], R["oneshot_rss"]))
    nginx_ratios(R)
    return 0


def nginx_ratios(R):
    ng = R.get("nginx")
    if ng:
        base = ng["rps"]
        out("  nginx keep-alive baseline: %.0f requests/s, minimal libcurl client %.1f us CPU "
            "per request" % (base, ng["us_req"]))
        for label, (count, conc, rate, us) in sorted(ng["batch"].items()):
            out("  batch on nginx (library, %d domains, concurrency %d): %.0f domains/s = %.2f "
                "of nginx's rate; client CPU %.1f us per domain = %.2fx the raw GET"
                % (count, conc, rate, rate / base if base else 0, us,
                   us / ng["us_req"] if ng["us_req"] else 0))
        if "seq_conns" in ng:
            out("  concurrency 1 (sequential, one client) on nginx: %d TLS connections for %d "
                "domains over %d provider hosts (%.1f per host)"
                % (ng["seq_conns"], ng["seq_domains"], pop.PROVIDERS,
                   ng["seq_conns"] / pop.PROVIDERS))


def batch_check(path, parse):
    """Outcome counts of a result file and how many differ from the
    population's expected status."""
    counts, lines, mism = {}, 0, 0
    with open(path) as f:
        for line in f:
            lines += 1
            inp, st = parse(line)
            counts[st] = counts.get(st, 0) + 1
            n = pop.index_of(inp or "")
            if n is None or pop.EXPECTED_STATUS[pop.kind(n)] != st:
                mism += 1
    return counts, lines, mism


def parse_plain(line):
    p = line.split()
    return (p[0], p[1]) if len(p) == 2 else (None, "unparsable")


def cpu_us(k, count):
    """Client CPU per item in microseconds from a `seconds=S ... client_cpu=P%`
    line (P is percent of one core over S)."""
    try:
        pct = float(k.get("client_cpu", "nan%").rstrip("%"))
        sec = float(k.get("seconds", "nan"))
        return pct / 100 * sec / count * 1e6 if count else float("nan")
    except ValueError:
        return float("nan")


def nginx_section(a, state, bindir, netopts, servers, cert, key, urls, dom_small, dom_big,
                  n_small, n_big, secs, procs, show, check, parse_plain, R):
    """(g) The same population served by nginx on the same addresses: the
    raw keep-alive rate and CPU per request of the minimal libcurl client,
    the batch's rate and CPU per domain, and the TLS connections a sequential
    loop opens (from nginx's log of connection serials)."""
    for p in list(procs[1:]):  # the Python servers; knotd (procs[0]) stays
        procs.stop(p)
    log = os.path.join(state, "nginx", "conn.log")
    ng = nginx_bench.start(state, servers, cert, key, n_big, procs, conn_log=log, nginx=a.nginx)
    R["nginx"] = {"batch": {}}

    def ng_ticks():
        """utime+stime of nginx's master and worker (its children)."""
        return sum(pid_ticks(pid) or 0 for pid in [ng.pid] + nginx_bench.children(ng.pid))
    cmd = [os.path.join(bindir, "httpsblast"), a_ca(netopts), urls, "2000000", str(secs + 3), "40"]
    cpu0, t0 = ng_ticks(), time.monotonic()
    rc, o, e = run(cmd, secs + 40)
    wall = time.monotonic() - t0
    hz = os.sysconf("SC_CLK_TCK")
    srv = (ng_ticks() - cpu0) / hz
    k = kv(o)
    rps = float(k.get("rps", 0))
    us_req = cpu_us(k, int(k.get("done", 0) or 0))
    show("(g1) nginx (1 worker) keep-alive rate, minimal libcurl multi client, 40 connections",
         cmd, (o + e).strip().splitlines() +
         ["nginx cpu %.0f%% of one core; client CPU per request %.1f us" % (100 * srv / wall, us_req)])
    R["nginx"]["rps"], R["nginx"]["us_req"] = rps, us_req
    bb = os.path.join(bindir, "bench_batch")
    for count, path, conc in ((n_small, dom_small, 64), (n_small, dom_small, a.concurrency),
                              (n_big, dom_big, a.concurrency)):
        res = os.path.join(state, "nginx-batch-%d-%d.txt" % (count, conc))
        cmd = [bb] + netopts + ["--concurrency", str(conc), "--seconds", "600", "--out", res, path]
        if a.perf and count == n_big:
            cmd = ["perf", "record", "-F", "1000", "--call-graph", "dwarf,16384", "-o", a.perf, "--"] + cmd
        cpu0, t0, off = ng_ticks(), time.monotonic(), nginx_bench.log_size(log)
        rc, o, e = run(cmd, 900)
        wall = time.monotonic() - t0
        srv = (ng_ticks() - cpu0) / hz
        conns, reqs = nginx_bench.count_connections(log, off)
        counts, lines, mism = check(res, parse_plain) if os.path.exists(res) else ({}, 0, -1)
        k = kv(o)
        us = cpu_us(k, count)
        show("(g2) batch discovery (library) on nginx, %d domains, concurrency %d" % (count, conc),
             cmd, (o + e).strip().splitlines() +
             ["results=%d; differing from the population's expected status: %d" % (lines, mism),
              "nginx saw %d requests on %d TLS connections" % (reqs, conns),
              "nginx cpu %.0f%% of one core; client CPU per domain %.1f us" % (100 * srv / wall, us)])
        R["nginx"]["batch"]["%07d-%05d" % (count, conc)] = (
            count, conc, float(k.get("rate", "0/s").split("/")[0]), us)
    # (g3) connections at concurrency 1, from nginx's log of connection serials
    cmd = [os.path.join(bindir, "bench_seq")] + netopts + [
        "--count", "3000", "--seconds", str(4 * secs + 20), dom_small]
    off = nginx_bench.log_size(log)
    rc, o, e = run(cmd, 8 * secs + 60)
    conns, reqs = nginx_bench.count_connections(log, off)
    k = kv(o)
    show("(g3) sequential loop (one dc_client) on nginx: TLS connections opened", cmd,
         (o + e).strip().splitlines() +
         ["nginx saw %d requests on %d TLS connections (%d provider hosts)"
          % (reqs, conns, pop.PROVIDERS)])
    R["nginx"]["seq_conns"], R["nginx"]["seq_domains"] = conns, int(k.get("domains", 0) or 0)


def a_ca(netopts):
    return netopts[netopts.index("--ca-file") + 1]


if __name__ == "__main__":
    sys.exit(main())
