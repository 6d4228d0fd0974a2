#!/usr/bin/python3
"""HTTPS test server for the integration suites (Python 3 standard library
only). harness.py starts one per --https address:

  httpsd.py --addr A --port 443 --cert CERT --key KEY --log FILE
            --ready-file F [--routes MODULE] [--config FILE]

It listens on A:PORT with TLS (the harness's test CA signed CERT), speaks
HTTP/1.1 with keep-alive, creates F once it is listening, and appends one
JSON line per request to FILE (flushed per line, one lock across threads):

  {"addr": A, "client": "IP:PORT", "sni": "name or null", "method": "GET",
   "path_and_query": "/p?q", "headers": {"Name": "value", ...},
   "body": "text decoded as latin-1"}

Every request is logged before it is answered, whatever the route.

Built-in fault routes (under /_test/):
  /_test/status/NNN          NNN (100 < NNN < 600) with {"status": NNN}
  /_test/redirect            302, Location: https://127.0.0.1/secret?x=1
  /_test/redirect307         307, same Location
  /_test/big-chunked?bytes=N N bytes, chunked, no Content-Length
  /_test/big-length?bytes=N  N bytes with Content-Length
  /_test/slow?seconds=S      headers at once, then 1 byte per 200 ms for S s
  /_test/big-headers?bytes=N one response header (X-Big) of N bytes
  /_test/echo                JSON {"method", "path", "query", "headers",
                             "body", "sni"} of what it received

ROUTES INTERFACE (--routes MODULE): MODULE is a Python file in this
directory (given as "provider_routes" or "provider_routes.py"). For any
request that is not a /_test/ route, httpsd calls

  MODULE.handle(handler, method, path, query, headers, body, config) -> bool

  handler  the http.server.BaseHTTPRequestHandler for the request; it also
           has handler.send_json(status, obj, headers=None) and
           handler.send_bytes(status, data, content_type, headers=None)
           (headers: list of (name, value)), handler.raw_query (the query
           string without '?'), handler.server_addr (A) and handler.sni
  method   "GET", "POST", ...
  path     the path without the query, percent-escapes left as sent
  query    dict name -> list of values (urllib.parse.parse_qs,
           keep_blank_values=True)
  headers  dict of request headers with lower-case names (repeated headers
           joined with ", ")
  body     the request body as bytes (b"" if none)
  config   the JSON document of --config FILE (a dict), {} without one; the
           same object for every request, so a module may keep state in it

and expects True when it sent a response, False to get a 404. An exception
in the module is answered with a 500 and printed to stderr.
"""
import argparse
import importlib
import json
import os
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_BODY = 16 * 1024 * 1024


class RequestLog:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="utf-8")

    def write(self, entry):
        line = json.dumps(entry, sort_keys=True)
        with self.lock:
            self.f.write(line + "\n")
            self.f.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dc-httpsd"
    sys_version = ""
    timeout = 30  # idle keep-alive connections end eventually

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    # ---- helpers for built-in routes and the routes module
    def send_bytes(self, status, data, content_type="application/octet-stream",
                   headers=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in headers or []:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status, obj, headers=None):
        self.send_bytes(status, json.dumps(obj).encode(), "application/json",
                        headers)

    def send_settings_fault(self, fault):
        """The faulty answers of a settings route, shared by the route
        modules: "404", "500" or "badjson" (a body that is not JSON). Returns
        False, sending nothing, for any other fault."""
        if fault == "404":
            self.send_json(404, {"error": "zone not hosted here"})
        elif fault == "500":
            self.send_json(500, {"error": "internal error"})
        elif fault == "badjson":
            self.send_bytes(200, b'{"providerId": "provider.test", oops', "application/json")
        else:
            return False
        return True

    # ---- request reading
    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
                if len(out) > MAX_BODY:
                    raise ValueError("request body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(n) if n else b""

    def header_dict(self, lower):
        d = {}
        for k, v in self.headers.items():
            key = k.lower() if lower else k
            d[key] = d[key] + ", " + v if key in d else v
        return d

    def handle_any(self):
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_json(400, {"error": "bad request body"})
            return
        parsed = urllib.parse.urlsplit(self.path)
        path, self.raw_query = parsed.path, parsed.query
        query = urllib.parse.parse_qs(self.raw_query, keep_blank_values=True)
        self.server_addr = self.server.dc_addr
        self.sni = getattr(self.connection, "dc_sni", None)
        self.server.dc_log.write({
            "addr": self.server.dc_addr,
            "client": "%s:%d" % self.client_address[:2],
            "sni": self.sni,
            "method": self.command,
            "path_and_query": self.path,
            "headers": self.header_dict(False),
            "body": body.decode("latin-1"),
        })
        if path.startswith("/_test/"):
            self.builtin(path, query, body)
            return
        mod = self.server.dc_routes
        if mod is not None:
            try:
                if mod.handle(self, self.command, path, query,
                              self.header_dict(True), body,
                              self.server.dc_config):
                    return
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True
                return
            except Exception:
                traceback.print_exc()
                self.close_connection = True
                self.send_json(500, {"error": "routes module failed"})
                return
        self.send_json(404, {"error": "not found", "path": path})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any

    # ---- built-in fault routes
    def builtin(self, path, query, body):
        def num(name, default):
            try:
                return float(query.get(name, [default])[0])
            except ValueError:
                return float(default)

        try:
            if path.startswith("/_test/status/"):
                code = int(path[len("/_test/status/"):])
                if not 100 < code < 600:
                    raise ValueError
                if code in (204, 304):
                    self.send_response(code)
                    self.end_headers()
                else:
                    self.send_json(code, {"status": code})
            elif path in ("/_test/redirect", "/_test/redirect307"):
                code = 302 if path == "/_test/redirect" else 307
                self.send_json(code, {"status": code},
                               [("Location", "https://127.0.0.1/secret?x=1")])
            elif path == "/_test/big-chunked":
                n = int(num("bytes", 1 << 20))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 8192
                while n > 0:
                    part = chunk[:n]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    n -= len(part)
                self.wfile.write(b"0\r\n\r\n")
            elif path == "/_test/big-length":
                n = int(num("bytes", 1 << 20))
                self.send_bytes(200, b"y" * n, "application/json")
            elif path == "/_test/slow":
                secs = num("seconds", 30)
                count = max(1, int(secs / 0.2))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(count))
                self.end_headers()
                self.wfile.flush()
                for _ in range(count):
                    time.sleep(0.2)
                    self.wfile.write(b".")
                    self.wfile.flush()
            elif path == "/_test/big-headers":
                n = int(num("bytes", 64 * 1024))
                self.send_response(200)
                self.send_header("X-Big", "h" * n)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
            elif path == "/_test/echo":
                self.send_json(200, {
                    "method": self.command,
                    "path": path,
                    "query": self.raw_query,
                    "headers": self.header_dict(False),
                    "body": body.decode("latin-1"),
                    "sni": self.sni,
                })
            else:
                self.send_json(404, {"error": "no such test route"})
        except ValueError:
            self.send_json(400, {"error": "bad test route parameter"})
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, port, tls, log, routes, config):
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        self.address_family = family
        super().__init__((addr, port), Handler)
        self.dc_addr = addr
        self.dc_tls = tls
        self.dc_log = log
        self.dc_routes = routes
        self.dc_config = config

    def finish_request(self, request, client_address):
        # TLS handshake in the connection's own thread, not in accept().
        request.settimeout(30)
        try:
            conn = self.dc_tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # e.g. the client refused our certificate
        try:
            Handler(conn, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def load_routes(name):
    if not name:
        return None
    name = os.path.basename(name)
    if name.endswith(".py"):
        name = name[:-3]
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    return importlib.import_module(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--routes")
    ap.add_argument("--config")
    a = ap.parse_args()

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(a.cert, a.key)

    def on_sni(sslobj, server_name, ctx):
        # Record the name the client asked for (None when it sent no SNI).
        sslobj.dc_sni = server_name
        return None

    tls.sni_callback = on_sni

    config = {}
    if a.config:
        with open(a.config, encoding="utf-8") as f:
            config = json.load(f)
    routes = load_routes(a.routes)
    log = RequestLog(a.log)
    srv = Server(a.addr, a.port, tls, log, routes, config)
    with open(a.ready_file, "w") as f:
        f.write("%d\n" % os.getpid())
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main()
