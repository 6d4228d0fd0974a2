#!/usr/bin/python3
"""Browser test: headless Chromium on the sandbox's consent pages.

  test_consent_browser.py --sandbox PATH --cli PATH --artifacts DIR
                          [--addr 127.0.0.12] [--app-addr 127.0.0.13]

1. Starts build/bin/domainconnect-sandbox (fresh state directory, HTTPS on
   ADDR:443, its own Knot DNS) and, on APP_ADDR:443, a tiny HTTPS listener
   standing for the Service Provider (app.exampleservice.test, the
   redirect_uri host the sandbox's demo client is registered with), with a
   self-signed certificate made now.
2. Chromium (Debian's chromium + chromium-driver through python3-selenium,
   headless, as root with --no-sandbox) trusts exactly those two server
   keys: --ignore-certificate-errors-spki-list gets the base64 SHA-256 of
   each certificate's SubjectPublicKeyInfo, computed with openssl from the
   certificates the servers present. --host-resolver-rules maps
   app.exampleservice.test to APP_ADDR and every other name to ADDR, and
   background networking, component updates and sync are off: the browser
   reaches loopback addresses only.
3. OAuth consent page (URL from `domainconnect consent-url`): clicks Allow,
   asserts the browser lands on the redirect_uri with a code and the same
   state, and that the listener received them.
4. Synchronous apply page (URL from `domainconnect sync-url`, template
   exampleservice.test/website on browser.example.test): clicks Apply,
   asserts the redirect carries the state and no error, then checks with
   kdig that the records reached the sandbox's DNS (and with
   `domainconnect verify`).
Screenshots of every page go to DIR (kept). Exit 0 on success, 1 with the
reason otherwise; the servers are stopped by PID in every case.
"""
import argparse
import html
import http.server
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

APP_HOST = "app.exampleservice.test"
CLIENT_ID = "exampleservice.test"          # the sandbox's built-in demo client
REDIRECT = "https://%s/callback" % APP_HOST  # registered for it
SYNC_DONE = "https://%s/done" % APP_HOST     # syncRedirectDomain of the template
WAIT = 30


class Failure(Exception):
    pass


def log(msg):
    print("browser-test: " + msg, flush=True)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, **kw)
    if r.returncode != 0:
        raise Failure("%s exited %d: %s%s" % (os.path.basename(cmd[0]), r.returncode,
                                              r.stdout, r.stderr))
    return r.stdout


def spki_hash_of_pem(pem):
    """base64(SHA-256(SubjectPublicKeyInfo DER)) of a PEM certificate."""
    pub = subprocess.run(["openssl", "x509", "-pubkey", "-noout"], input=pem.encode(),
                         stdout=subprocess.PIPE, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                         stdout=subprocess.PIPE, check=True).stdout
    dig = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=der,
                         stdout=subprocess.PIPE, check=True).stdout
    b64 = subprocess.run(["openssl", "base64", "-A"], input=dig,
                         stdout=subprocess.PIPE, check=True).stdout
    return b64.decode().strip()


def presented_cert(addr, sni):
    """The leaf certificate a TLS server presents (openssl s_client)."""
    r = subprocess.run(["openssl", "s_client", "-connect", "%s:443" % addr,
                        "-servername", sni], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       universal_newlines=True, timeout=20)
    out = r.stdout
    b = out.find("-----BEGIN CERTIFICATE-----")
    e = out.find("-----END CERTIFICATE-----")
    check(b >= 0 and e > b, "no certificate from %s (%s)" % (addr, sni))
    return out[b:e + len("-----END CERTIFICATE-----")] + "\n"


# ---- the Service Provider's side of the redirect: a tiny HTTPS listener

class Callback(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        Callback.hits.append(self.path)
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        # what arrived, the code's value left out (screenshots are kept)
        items = "".join("<li><code>%s</code>: %s</li>" % (
            html.escape(k), "(%d characters, not shown)" % len(v[0]) if k == "code"
            else "<code>%s</code>" % html.escape(v[0])) for k, v in sorted(q.items()))
        body = ("<!doctype html><html><head><title>Example Service</title></head>"
                "<body><h1>Example Service: back from the DNS provider</h1>"
                "<p>Request to <code>%s</code> with:</p><ul>%s</ul></body></html>" %
                (html.escape(u.path), items)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_listener(addr, tmp):
    key, crt = os.path.join(tmp, "app.key"), os.path.join(tmp, "app.crt")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
         "-out", crt, "-days", "2", "-subj", "/CN=" + APP_HOST,
         "-addext", "subjectAltName=DNS:" + APP_HOST])
    srv = http.server.ThreadingHTTPServer((addr, 443), Callback)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv, open(crt).read()


# ---- the sandbox

def start_sandbox(path, state, addr):
    out = run([path, "--state", state, "--listen", addr])
    info = {}
    for line in out.splitlines():
        k, sep, v = line.partition(": ")
        if sep:
            info[k.strip()] = v.strip()
    for k in ("pid", "dns-server", "ca-file", "api-url", "ux-url"):
        check(k in info, "the sandbox did not print %s: %s" % (k, out))
    info["pid"] = int(info["pid"])
    return info


def stop_pid(pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ---- the browser

def start_chromium(tmp, spkis, addr, app_addr):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--no-default-browser-check", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-default-apps",
              "--disable-domain-reliability", "--disable-client-side-phishing-detection",
              "--disable-breakpad", "--no-pings", "--metrics-recording-only",
              "--disable-extensions", "--disable-search-engine-choice-screen",
              "--no-service-autorun", "--password-store=basic", "--use-mock-keychain",
              "--disable-features=OptimizationHints,MediaRouter,Translate,"
              "AutofillServerCommunication,DnsOverHttps,InterestFeedContentSuggestions,"
              "NetworkTimeServiceQuerying,CertificateTransparencyComponentUpdater,"
              "PrivacySandboxSettings4,ChromeSignin,AccountConsistency",
              "--no-proxy-server", "--window-size=1024,900",
              "--log-net-log=" + os.path.join(tmp, "netlog.json"),
              "--user-data-dir=" + os.path.join(tmp, "chromium-profile"),
              "--ignore-certificate-errors-spki-list=" + ",".join(spkis),
              "--host-resolver-rules=MAP %s %s, MAP * %s" % (APP_HOST, app_addr, addr)):
        o.add_argument(a)
    svc = Service("/usr/bin/chromedriver", log_path=os.path.join(tmp, "chromedriver.log"))
    d = webdriver.Chrome(service=svc, options=o)
    d.set_page_load_timeout(WAIT)
    return d


def netlog_problems(path):
    """Connections Chromium made to non-loopback addresses, from its net log
    (--log-net-log). A UDP socket connected without sending a byte is the
    IPv6 reachability probe (connect() to learn the local address; no
    packet leaves): it is not traffic and is not counted."""
    import ipaddress
    import json as j
    d = j.load(open(path))
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    sent, udp, bad = set(), {}, []

    def loopback(addr):
        host = addr.rsplit(":", 1)[0].strip("[]")
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    for e in d["events"]:
        t, p, sid = types.get(e["type"]), e.get("params") or {}, e["source"]["id"]
        if t in ("UDP_BYTES_SENT", "SOCKET_BYTES_SENT"):
            sent.add(sid)
        if t == "TCP_CONNECT_ATTEMPT" and p.get("address") and not loopback(p["address"]):
            bad.append("TCP " + p["address"])
        if t == "UDP_CONNECT" and p.get("address") and not loopback(p["address"]):
            udp[sid] = p["address"]
    bad += ["UDP %s (data sent)" % a for sid, a in udp.items() if sid in sent]
    return bad, sorted(set(udp.values()))


def shot(driver, artifacts, name):
    path = os.path.join(artifacts, name)
    check(driver.save_screenshot(path), "screenshot %s failed" % path)
    log("screenshot " + path)


def query_of(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)


def click_and_land(driver, button_id, prefix):
    WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, button_id))).click()
    try:
        WebDriverWait(driver, WAIT).until(lambda d: d.current_url.startswith(prefix))
    except WebDriverException:
        raise Failure("after %s the browser is at %s, not %s" % (button_id, driver.current_url,
                                                                 prefix))
    return driver.current_url


def press(driver, artifacts, url, button_id, shows, prefix, shots):
    """Opens the page at url, checks that it shows `shows`, clicks button_id
    and waits to land on prefix; screenshots before and after (shots); the
    query of where it landed, and the URL itself."""
    driver.get(url)
    WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, button_id)))
    check(shows in driver.page_source, "the %s page does not show %s" % (button_id, shows))
    shot(driver, artifacts, shots[0])
    landed = click_and_land(driver, button_id, prefix)
    shot(driver, artifacts, shots[1])
    return query_of(landed), landed


def kdig(dns, name, rtype):
    host, port = dns.rsplit(":", 1)
    out = run(["kdig", "-p", port, "@" + host, "+short", "+timeout=2", "+retry=1", name, rtype])
    return sorted(l.strip() for l in out.splitlines() if l.strip())


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sandbox", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--addr", default="127.0.0.12")
    ap.add_argument("--app-addr", default="127.0.0.13")
    a = ap.parse_args(argv)
    os.makedirs(a.artifacts, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="dc-browser-")
    sbx = listener = driver = None
    rc = 1
    try:
        sbx = start_sandbox(a.sandbox, os.path.join(tmp, "state"), a.addr)
        log("sandbox pid %d on %s:443, DNS %s" % (sbx["pid"], a.addr, sbx["dns-server"]))
        listener, app_cert = start_listener(a.app_addr, tmp)
        ux_host = urllib.parse.urlsplit(sbx["ux-url"]).hostname
        spkis = [spki_hash_of_pem(presented_cert(a.addr, ux_host)), spki_hash_of_pem(app_cert)]
        log("trusted SPKI hashes: " + ", ".join(spkis))
        net = ["--dns-server", sbx["dns-server"], "--ca-file", sbx["ca-file"],
               "--test-allow-address", a.addr]
        settings = os.path.join(tmp, "settings.json")
        with open(settings, "w") as f:
            f.write(run([a.cli, "discover", "example.test"] + net))

        driver = start_chromium(tmp, spkis, a.addr, a.app_addr)

        # ---- OAuth consent: Allow -> redirect_uri?code=..&state=..
        state1 = "browser-" + os.urandom(9).hex()
        url = run([a.cli, "consent-url", "--settings", settings, "--domain", "example.test",
                   "--host", "", "--provider-id", "exampleservice.test",
                   "--service-id", "website", "--client-id", CLIENT_ID,
                   "--redirect-uri", REDIRECT, "--state", state1]).strip()
        q, landed = press(driver, a.artifacts, url, "allow", "example.test", REDIRECT,
                          ("01-oauth-consent.png", "02-oauth-redirect.png"))
        check(q.get("code", [""])[0] != "", "no code in %s" % landed.split("?")[0])
        check(q.get("state") == [state1], "state %r, expected %r" % (q.get("state"), state1))
        check("error" not in q, "error in the redirect: %s" % q.get("error"))
        hit = [h for h in Callback.hits if h.startswith("/callback?")]
        check(hit, "the listener got no /callback request (%s)" % Callback.hits)
        hq = query_of(hit[-1])
        check(hq.get("state") == [state1] and hq.get("code") == q.get("code"),
              "the listener got other values than the browser's URL")
        log("consent: redirect_uri reached with a code and state %s" % state1)

        # ---- synchronous apply: Apply -> redirect with state; records in DNS
        state2 = "browser-" + os.urandom(9).hex()
        site = "site-" + os.urandom(4).hex()
        url = run([a.cli, "sync-url", "--settings", settings, "--domain", "example.test",
                   "--host", "browser", "--provider-id", "exampleservice.test",
                   "--service-id", "website", "--param", "IP=192.0.2.99",
                   "--param", "SITEID=" + site, "--redirect-uri", SYNC_DONE,
                   "--state", state2]).strip()
        check(kdig(sbx["dns-server"], "browser.example.test", "A") == [],
              "browser.example.test has an address before the apply")
        q, landed = press(driver, a.artifacts, url, "apply", "192.0.2.99", SYNC_DONE,
                          ("03-sync-apply.png", "04-sync-redirect.png"))
        check(q.get("state") == [state2], "state %r, expected %r" % (q.get("state"), state2))
        check("error" not in q, "error in the redirect: %s" % q.get("error"))
        check(any(h.startswith("/done?") for h in Callback.hits),
              "the listener got no /done request")
        dns = sbx["dns-server"]
        check(kdig(dns, "browser.example.test", "A") == ["192.0.2.99"],
              "A browser.example.test: %s" % kdig(dns, "browser.example.test", "A"))
        check(kdig(dns, "www.browser.example.test", "CNAME") == ["browser.example.test."],
              "CNAME www.browser.example.test: %s" % kdig(dns, "www.browser.example.test",
                                                          "CNAME"))
        check('"exampleservice-site=%s"' % site in kdig(dns, "browser.example.test", "TXT"),
              "TXT browser.example.test: %s" % kdig(dns, "browser.example.test", "TXT"))
        tpl = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sandbox",
                           "templates", "exampleservice.test.website.json")
        run([a.cli, "verify", "--template", tpl, "--domain", "example.test", "--host", "browser",
             "--param", "IP=192.0.2.99", "--param", "SITEID=" + site, "--dns-server", dns])
        log("sync apply: redirect with state %s, records in DNS (kdig, domainconnect verify)"
            % state2)
        # the workplace rule: traffic to loopback addresses only
        driver.quit()
        driver = None
        bad, probes = netlog_problems(os.path.join(tmp, "netlog.json"))
        check(not bad, "Chromium connected to non-loopback addresses: %s" % bad)
        log("net log: every connection went to a loopback address%s" %
            ("" if not probes else " (UDP probes without data: %s)" % ", ".join(probes)))
        rc = 0
        log("PASS (screenshots in %s)" % a.artifacts)
    except Failure as e:
        log("FAIL: %s" % e)
        if driver is not None:
            try:
                shot(driver, a.artifacts, "99-failure.png")
            except Exception:  # the failure itself is what matters
                pass
    except Exception as e:  # report, never hang
        log("FAIL: %s: %s" % (type(e).__name__, e))
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        if listener is not None:
            listener.shutdown()
            listener.server_close()
        if sbx is not None:
            stop_pid(sbx["pid"])
        if os.environ.get("DC_TEST_KEEP_STATE"):
            log("state kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
