"""The benchmark population: domain dN.bench.test (N = 0, 1, ...) is a
registrable domain under the public suffix bench.test (bench/bench.psl),
and everything about it is a function of N:

  kind(N)     N % 20 == 9   nxdomain  no name at all (NXDOMAIN)     5%
              N % 20 == 19  nodata    _domainconnect.dN has an A, no TXT  5%
              N % 20 == 4   broken settings, by (N // 20) % 3:
                            http404 / http500 / badjson          5%
              N % 100 == 50 slow: settings after 200 ms            1%
              otherwise     ok
  provider(N) one of PROVIDERS providers pK, API host api.pK.bench.test
              (K from a multiplicative hash of N)
  address(K)  127.0.0.(30 + K % servers): the HTTPS server for pK
"""
PROVIDERS = 20
SLOW_SECONDS = 0.2
SUFFIX = "bench.test"
FIRST_ADDR = 30


def name(n):
    return "d%d.%s" % (n, SUFFIX)


def index_of(zone):
    zone = zone.lower().rstrip(".")
    if not zone.startswith("d") or not zone.endswith("." + SUFFIX):
        return None
    digits = zone[1:-len(SUFFIX) - 1]
    if not digits.isdigit() or (len(digits) > 1 and digits[0] == "0"):
        return None
    return int(digits)


def kind(n):
    r = n % 20
    if r == 9:
        return "nxdomain"
    if r == 19:
        return "nodata"
    if r == 4:
        return ("http404", "http500", "badjson")[(n // 20) % 3]
    if n % 100 == 50:
        return "slow"
    return "ok"


def provider(n):
    return ((n * 2654435761) >> 8) % PROVIDERS


def api_host(k):
    return "api.p%d.%s" % (k, SUFFIX)


def address(k, servers):
    return "127.0.0.%d" % (FIRST_ADDR + k % servers)


def settings(k):
    return {
        "providerId": "p%d.%s" % (k, SUFFIX),
        "providerName": "Bench Provider %d" % k,
        "providerDisplayName": "Bench %d" % k,
        "urlSyncUX": "https://sync.p%d.%s" % (k, SUFFIX),
        "urlAsyncUX": "https://consent.p%d.%s" % (k, SUFFIX),
        "urlAPI": "https://%s" % api_host(k),
        "width": 750,
        "height": 750,
    }


# What discovery should report for each kind (dc_status_name).
EXPECTED_STATUS = {
    "ok": "ok", "slow": "ok", "nxdomain": "no_record", "nodata": "no_record",
    "http404": "http_status", "http500": "http_status", "badjson": "json",
}


def zone_text(count, servers):
    """The one Knot zone bench.test holding `count` domains."""
    out = ["$ORIGIN %s." % SUFFIX, "$TTL 300",
           "@ IN SOA ns1 hostmaster 1 3600 900 604800 300",
           "@ IN NS ns1", "ns1 IN A 127.0.0.1"]
    for k in range(PROVIDERS):
        out.append("api.p%d IN A %s" % (k, address(k, servers)))
    for n in range(count):
        kd = kind(n)
        if kd == "nxdomain":
            continue
        if kd == "nodata":
            out.append("_domainconnect.d%d IN A 192.0.2.1" % n)
            continue
        out.append("_domainconnect.d%d IN TXT \"%s\"" % (n, api_host(provider(n))))
    return "\n".join(out) + "\n"
