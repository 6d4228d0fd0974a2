#!/usr/bin/python3
"""tests/integration/httpsd.py for the benchmark: the same server and
options, with TCP_NODELAY on every connection. http.server writes the
headers and the body of a response in two segments; with Nagle's algorithm
the body waits for the client's delayed ACK (~40 ms on Linux), which would
make the server, not the client, the figure being measured."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
import httpsd  # noqa: E402

httpsd.Handler.disable_nagle_algorithm = True

if __name__ == "__main__":
    httpsd.main()
