"""Routes module for tests/integration/httpsd.py (--routes bench_routes):
the settings of the benchmark population (bench/population.py), computed
from the zone name, so one server answers for every domain without a
config file:

  GET /v2/dN.bench.test/settings  -> the settings of provider p(N), or the
  domain's fault (404, 500, a body that is not JSON), or the settings after
  a 200 ms delay for the slow ones. Anything else -> 404.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import population  # noqa: E402


def handle(handler, method, path, query, headers, body, config):
    parts = path.split("/")
    # "", "v2", zone, "settings"
    if method != "GET" or len(parts) != 4 or parts[1] != "v2" or parts[3] != "settings":
        return False
    n = population.index_of(parts[2])
    if n is None:
        return False
    kind = population.kind(n)
    if kind in ("nxdomain", "nodata"):
        return False
    # the population's faults, as httpsd.py serves them for every route module
    faults = {"http404": "404", "http500": "500", "badjson": "badjson"}
    if not handler.send_settings_fault(faults.get(kind)):
        if kind == "slow":
            time.sleep(population.SLOW_SECONDS)
        handler.send_json(200, population.settings(population.provider(n)))
    return True
