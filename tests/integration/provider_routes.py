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

State (codes used, tokens, applied templates) lives in memory per server
process, inside the config dict httpsd passes to every call.
"""
import json
import secrets
import threading
import time
import urllib.parse

_LOCK = threading.Lock()


def _state(config):
    st = config.get("_state")
    if st is None:
        st = {"used_codes": set(), "access": {}, "refresh": {}, "applied": set()}
        config["_state"] = st
    return st


def _split_prefix(path, config):
    """Returns the path with a configured prefix removed, or None."""
    for pre in sorted(config.get("prefixes", [""]), key=len, reverse=True):
        if pre and path.startswith(pre + "/v2/"):
            return path[len(pre):]
        if not pre and path.startswith("/v2/"):
            return path
    return None


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
    life = int(config.get("token_lifetime", 3600))
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


def _token(h, query, headers, body, config):
    p = _params(query, headers, body)
    if p is None:
        return _oauth_error(h, 400, "invalid_request", "body is not JSON")
    clients = config.get("clients", {})
    cid = p.get("client_id")
    if cid not in clients or p.get("client_secret") != clients[cid]["secret"]:
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


def _apply_or_revert(h, provider, service, op, query, headers, body, config):
    with _LOCK:
        info = _bearer(headers, _state(config))
    if info is None:
        h.send_json(401, {"error": "invalid_token",
                          "error_description": "token unknown, expired or revoked"},
                    [("WWW-Authenticate", 'Bearer error="invalid_token"')])
        return True
    p = _params(query, headers, body)
    if p is None or not isinstance(p.get("domain"), str) or not p["domain"]:
        return _oauth_error(h, 400, "invalid_request", "domain missing")
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
    rest = _split_prefix(path, config)
    if rest is None:
        return False
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
                                    headers, body, config)
        return False
    if method == "POST" and rest == "/v2/oauth/access_token":
        return _token(handler, query, headers, body, config)
    return False
