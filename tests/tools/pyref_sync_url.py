#!/usr/bin/python3
"""Test oracle: the synchronous apply URL as the reference Python client
(Domain-Connect/domainconnect_python) composes it, using the same standard
library calls, so the C library's DC_PROFILE_PYTHON output can be compared
byte for byte.

Input (stdin): one JSON object
  {"url_sync_ux": str, "provider_id": str, "service_id": str,
   "domain": str, "host": str (optional; sent only when non-empty),
   "redirect_uri": str (optional), "state": str (optional),
   "group_ids": [str] (optional), "params": {name: value} (template
   variables, and providerName/serviceName/instanceId which are simply more
   parameters here), "key_file": PEM path (optional), "key_id": str,
   "profile": "python" (default) or "rfc3986"}
"python" is the reference client's composition. "rfc3986" is an independent
model of the library's default profile: names and values quoted with
urllib.parse.quote(safe=''), pairs sorted by the encoded name, signature
appended as "&key=K&sig=S".
Output (stdout): the URL, no trailing newline.
"""
import base64
import json
import sys
import urllib.parse


def sign(key_file, data):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    with open(key_file, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    sig = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(sig).decode("ascii")


def main():
    d = json.load(sys.stdin)
    params = dict(d.get("params", {}))
    params["domain"] = d["domain"]
    if d.get("host"):
        params["host"] = d["host"]
    if d.get("redirect_uri") is not None:
        params["redirect_uri"] = d["redirect_uri"]
    if d.get("state") is not None:
        params["state"] = d["state"]
    if d.get("group_ids") is not None:
        params["groupId"] = ",".join(d["group_ids"])

    rfc3986 = d.get("profile", "python") == "rfc3986"
    if rfc3986:
        quote = urllib.parse.quote
        enc = [(quote(k, safe=""), quote(v, safe="")) for k, v in params.items()]
        query = "&".join(k + "=" + v for k, v in sorted(enc, key=lambda kv: kv[0]))
    else:
        # The reference client: urlencode over the items sorted by name.
        query = urllib.parse.urlencode(sorted(params.items(), key=lambda kv: kv[0]))
    sigparams = ""
    if d.get("key_file"):
        sig = sign(d["key_file"], query.encode("utf-8"))
        if rfc3986:
            sigparams = "&key={}&sig={}".format(
                urllib.parse.quote(d["key_id"], safe=""),
                urllib.parse.quote(sig, safe=""))
        else:
            sigparams = "&" + urllib.parse.urlencode({"sig": sig, "key": d["key_id"]})

    url = "{}/v2/domainTemplates/providers/{}/services/{}/apply?{}{}".format(
        d["url_sync_ux"], d["provider_id"], d["service_id"], query, sigparams)
    sys.stdout.write(url)


if __name__ == "__main__":
    main()
