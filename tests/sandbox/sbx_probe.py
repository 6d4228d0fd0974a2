#!/usr/bin/python3
"""Raw HTTPS probes of domainconnect-sandbox for tests/sandbox/*.sh: what
curl cannot send (raw bytes in the request line, thousands of parameters on
fresh connections) or would send too slowly (floods over one keep-alive
connection). Every loop is bounded; every target is the sandbox's loopback
address.

  sbx_probe.py ADDR PORT CA flood N_PARAMS COUNT PID
      COUNT requests GET /v2/example.test/settings?a=b&... (N_PARAMS pairs),
      one connection each; prints "statuses=S1,S2 rss_before=KiB rss_after=KiB"
      where Sx are the distinct status codes ("none": no status line), the
      RSS (VmRSS of PID) read after 50 warm-up requests and at the end.
  sbx_probe.py ADDR PORT CA raw HEXLINE
      sends the request line (hex-encoded bytes) and a Host header; prints
      the status code or "none".
  sbx_probe.py ADDR PORT CA uri QUERY_CHAR COUNT
      GET /v2/example.test/settings?QUERY (QUERY_CHAR repeated COUNT times,
      e.g. "&" for empty parameters); prints the status code or "none".
  sbx_probe.py ADDR PORT CA bigheader BYTES
      one header of BYTES bytes; prints the status code.
  sbx_probe.py ADDR PORT CA consents CLIENT REDIRECT N [allow]
      N async consent pages for CLIENT (scope website, example.test, host
      h1) over one keep-alive connection, each answered Allow when "allow"
      is given; prints "pages=P allowed=A first_code=CODE".
"""
import http.client
import os
import re
import socket
import ssl
import sys
import time
import urllib.parse

ADDR, PORT, CA = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CTX = ssl.create_default_context(cafile=CA)
CTX.check_hostname = False
# a bound on every loop (SBX_PROBE_SECONDS; more under valgrind)
DEADLINE = time.monotonic() + float(os.environ.get("SBX_PROBE_SECONDS", "240"))


def conn():
    s = socket.create_connection((ADDR, PORT), timeout=20)
    return CTX.wrap_socket(s, server_hostname="api.sandbox.test")


def status_of(data):
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", data)
    return m.group(1).decode() if m else "none"


def send_raw(payload):
    t = conn()
    data = b""
    try:
        t.sendall(payload)
        while len(data) < 65536:
            x = t.recv(65536)
            if not x:
                break
            data += x
    except OSError:
        pass
    t.close()
    return status_of(data)


def rss(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def flood(n_params, count, pid):
    q = "&".join(["a=b"] * n_params)
    req = ("GET /v2/example.test/settings?%s HTTP/1.1\r\nHost: api.sandbox.test\r\n"
           "Connection: close\r\n\r\n" % q).encode()
    seen = set()
    before = None
    for i in range(count):
        if time.monotonic() > DEADLINE:
            print("deadline passed after %d requests" % i)
            return
        if i == 50:
            time.sleep(0.3)
            before = rss(pid)
        seen.add(send_raw(req))
    time.sleep(0.5)
    print("statuses=%s rss_before=%s rss_after=%d" % (",".join(sorted(seen)), before, rss(pid)))


def raw(hexline):
    line = bytes.fromhex(hexline)
    print(send_raw(line + b"\r\nHost: api.sandbox.test\r\nConnection: close\r\n\r\n"))


def uri(ch, n):
    print(send_raw(b"GET /v2/example.test/settings?" + ch.encode() * n +
                   b" HTTP/1.1\r\nHost: api.sandbox.test\r\nConnection: close\r\n\r\n"))


def bigheader(n):
    print(send_raw(b"GET /v2/example.test/settings HTTP/1.1\r\nHost: api.sandbox.test\r\n"
                   b"X-Big: " + b"x" * n + b"\r\nConnection: close\r\n\r\n"))


def consents(client, redirect, n, allow):
    c = http.client.HTTPSConnection(ADDR, PORT, context=CTX, timeout=20)
    path = "/v2/domainTemplates/providers/exampleservice.test?" + urllib.parse.urlencode({
        "client_id": client, "redirect_uri": redirect, "scope": "website",
        "domain": "example.test", "host": "h1", "state": "flood"})
    pages = allowed = 0
    first = ""
    for _ in range(n):
        if time.monotonic() > DEADLINE:
            break
        c.request("GET", path, headers={"Host": "connect.sandbox.test"})
        r = c.getresponse()
        body = r.read().decode(errors="replace")
        if r.status != 200:
            continue
        pages += 1
        if not allow:
            continue
        form = {k: re.search(r'name="%s" value="([^"]*)"' % k, body).group(1)
                for k in ("request", "csrf")}
        form["action"] = "allow"
        c.request("POST", "/consent", body=urllib.parse.urlencode(form),
                  headers={"Host": "connect.sandbox.test",
                           "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        loc = r.getheader("Location") or ""
        m = re.search(r"[?&]code=([^&]*)", loc)
        if r.status == 303 and m:
            allowed += 1
            if not first:
                first = urllib.parse.unquote(m.group(1))
    c.close()
    print("pages=%d allowed=%d first_code=%s" % (pages, allowed, first))


def main():
    cmd = sys.argv[4]
    if cmd == "flood":
        flood(int(sys.argv[5]), int(sys.argv[6]), sys.argv[7])
    elif cmd == "raw":
        raw(sys.argv[5])
    elif cmd == "uri":
        uri(sys.argv[5], int(sys.argv[6]))
    elif cmd == "bigheader":
        bigheader(int(sys.argv[5]))
    elif cmd == "consents":
        consents(sys.argv[5], sys.argv[6], int(sys.argv[7]), len(sys.argv) > 8)
    else:
        sys.exit("unknown command " + cmd)


main()
