#!/usr/bin/env python3
"""Converts the conformance YAML suites to JSON for the C test.

  yaml2json.py --write   (re)write NAME.json next to every NAME.yaml
  yaml2json.py --check   exit 1 if a committed NAME.json differs from what
                         the YAML gives (run by ctest: the two cannot drift)

Needs python3-yaml (Debian package). The output is deterministic: keys keep
the YAML order, two-space indentation, UTF-8, a final newline.
"""
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def render(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv):
    if len(argv) != 2 or argv[1] not in ("--write", "--check"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = HERE
    bad = 0
    names = sorted(n for n in os.listdir(folder) if n.endswith(".yaml"))
    if not names:
        print("no YAML files in " + folder, file=sys.stderr)
        return 1
    for name in names:
        out = os.path.join(folder, name[:-5] + ".json")
        text = render(os.path.join(folder, name))
        if argv[1] == "--write":
            with open(out, "w", encoding="utf-8") as f:
                f.write(text)
            continue
        try:
            with open(out, encoding="utf-8") as f:
                have = f.read()
        except OSError:
            have = None
        if have != text:
            print("%s: differs from %s (run yaml2json.py --write)" % (out, name),
                  file=sys.stderr)
            bad += 1
    if argv[1] == "--check":
        print("%d file(s) checked, %d differ" % (len(names), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
