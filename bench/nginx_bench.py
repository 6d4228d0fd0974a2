"""nginx as the benchmark's HTTPS server (bench/run-bench.py): a C server that
does not saturate before the client does, serving the same population as
bench_routes.py (bench/population.py) on the same addresses.

The answers are computed once, at start, into two nginx maps: the request
URI to the domain's provider or fault, and the provider to its settings
document. So nginx serves every answer from memory with no file system
access and no script:

  ok, slow      200 with the provider's settings (nginx has no delay: the
                slow domains answer at once; their expected status is ok
                either way)
  http404       404      http500  500      badjson  200, a body that is not JSON
  nxdomain, nodata, anything else: 404

With `conn_log`, nginx logs each request's connection serial number, so a
run can count the TLS connections the client opened.
"""
import os

import population


def _escape(s):
    return s.replace("\\", "\\\\").replace("'", "\\'")


def write_config(state, addrs, cert, key, count, conn_log=None):
    """nginx.conf for `count` domains in state/nginx/; returns its path."""
    d = os.path.join(state, "nginx")
    os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
    import json
    lines = [
        # as root (or root of a user namespace, where nobody is not mapped)
        # the worker stays root: it only serves loopback for the run
        "user root root;" if os.geteuid() == 0 else "",
        "worker_processes 1;",
        "daemon off;",
        "pid %s/nginx.pid;" % d,
        "error_log %s/error.log warn;" % d,
        "events { worker_connections 16384; multi_accept on; }",
        "http {",
        "  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp;" % (d, d),
        "  fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;" % (d, d, d),
        "  keepalive_requests 1000000; keepalive_timeout 60s;",
        "  ssl_session_cache shared:dc:8m;",
        "  map_hash_max_size %d; map_hash_bucket_size 128;" % max(1024, 2 * count),
    ]
    if conn_log:
        lines += ["  log_format conn '$connection $request_uri $status';",
                  "  access_log %s conn;" % conn_log]
    else:
        lines.append("  access_log off;")
    lines.append("  map $uri $dc_what {")
    lines.append("    default nf;")
    for n in range(count):
        kind = population.kind(n)
        what = {"ok": "p%d" % population.provider(n), "slow": "p%d" % population.provider(n),
                "http404": None, "http500": "e500", "badjson": "bad"}.get(kind)
        if what is not None:
            lines.append("    /v2/%s/settings %s;" % (population.name(n), what))
    lines.append("  }")
    lines.append("  map $dc_what $dc_body {")
    lines.append("    default '';")
    for k in range(population.PROVIDERS):
        body = json.dumps(population.settings(k), separators=(",", ":"))
        lines.append("    p%d '%s';" % (k, _escape(body)))
    lines.append("  }")
    lines.append("  server {")
    for a in addrs:
        lines.append("    listen %s:443 ssl;" % a)
    lines += [
        "    ssl_certificate %s;" % cert,
        "    ssl_certificate_key %s;" % key,
        "    default_type application/json;",
        "    location /v2/ {",
        "      if ($dc_what = nf) { return 404 '{\"error\":\"not found\"}'; }",
        "      if ($dc_what = e500) { return 500 '{\"error\":\"server\"}'; }",
        "      if ($dc_what = bad) { return 200 'this is not json'; }",
        "      return 200 $dc_body;",
        "    }",
        "    location / { return 404 '{\"error\":\"not found\"}'; }",
        "  }",
        "}",
    ]
    path = os.path.join(d, "nginx.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def start(state, addrs, cert, key, count, procs, conn_log=None, nginx="/usr/sbin/nginx"):
    """Starts nginx in the foreground (stopped by PID with the others) and
    waits until it accepts on every address; returns the Popen."""
    import socket
    import time
    conf = write_config(state, addrs, cert, key, count, conn_log)
    d = os.path.dirname(conf)
    p = procs.start([nginx, "-p", d, "-e", os.path.join(d, "error.log"), "-c", conf],
                    os.path.join(d, "stdout.log"))
    deadline = time.monotonic() + 30
    pending = list(addrs)
    while pending:
        if p.poll() is not None:
            text = ""
            for name in ("stdout.log", "error.log"):
                try:
                    with open(os.path.join(d, name)) as f:
                        text += f.read()[-800:]
                except OSError:
                    pass
            raise RuntimeError("nginx exited %d: %s" % (p.returncode, text))
        if time.monotonic() > deadline:
            raise RuntimeError("nginx does not accept on %s after 30 s" % pending)
        try:
            with socket.create_connection((pending[0], 443), timeout=0.5):
                pending.pop(0)
        except OSError:
            time.sleep(0.05)
    return p


def log_size(conn_log):
    try:
        return os.path.getsize(conn_log)
    except OSError:
        return 0


def count_connections(conn_log, offset=0):
    """Distinct connection serials and requests in a conn_log file, from
    byte `offset` on (nginx writes each line whole, unbuffered)."""
    conns, reqs = set(), 0
    with open(conn_log) as f:
        f.seek(offset)
        for line in f:
            parts = line.split()
            if parts:
                conns.add(parts[0])
                reqs += 1
    return len(conns), reqs


def children(pid):
    """PIDs of a process's children (nginx's workers), from /proc."""
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out
