#!/usr/bin/python3
"""Module dependencies go one way: fails on a cycle between modules.

  check_layers.py [--root DIR] [--plant A:B]

A module is a directory under src/ (core, dns, guard, ...); the sandbox is
one more module. Module A depends on module B when a file of A includes a
header of B with a project include ("dir/file.h", or "file.h" resolved next
to the including file). Public headers (include/domainconnect/) belong to no
module: every module may use them. A cycle (A -> ... -> A) is printed with
the include lines that make each edge, and the exit status is 1.

Two more rules, each failing the same way:
  - the shared helper tier (src/x/, docs/internals/design.md) is the lowest
    module: it depends on no module;
  - the CLI (src/cli/) and the sandbox use the public API only: besides the
    public headers they may include the shared tier and nothing else of
    src/ (they are compiled with it; the library exports only dc_ symbols).

--plant A:B adds an edge A -> B as if a file of A included a header of B,
so a test can prove the check fails on a cycle.
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
TIER = "x"                      # the shared helper tier: depends on nothing
PUBLIC_ONLY = ("cli", "sandbox")  # may depend on the tier only


def modules(root):
    """{module: [source files]} for src/* and sandbox/."""
    mods = {}
    src = os.path.join(root, "src")
    for m in sorted(os.listdir(src)):
        if os.path.isdir(os.path.join(src, m)):
            mods[m] = [os.path.join(src, m, f) for f in sorted(os.listdir(os.path.join(src, m)))
                       if f.endswith((".c", ".h"))]
    sbx = os.path.join(root, "sandbox")
    if os.path.isdir(sbx):
        mods["sandbox"] = [os.path.join(sbx, f) for f in sorted(os.listdir(sbx))
                           if f.endswith((".c", ".h"))]
    return mods


def owner(root, path):
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "src" and len(rel) > 2:
        return rel[1]
    if rel[0] == "sandbox":
        return "sandbox"
    return None


def edges(root, mods):
    """{(A, B): [why, ...]} for A != B."""
    out = {}
    for m, files in mods.items():
        for f in files:
            with open(f, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    mt = INCLUDE.match(line)
                    if not mt:
                        continue
                    inc = mt.group(1)
                    cands = [os.path.join(os.path.dirname(f), inc),
                             os.path.join(root, "src", inc)]
                    target = next((c for c in cands if os.path.exists(c)), None)
                    if target is None:
                        continue
                    b = owner(root, os.path.normpath(target))
                    if b and b != m:
                        out.setdefault((m, b), []).append(
                            "%s:%d includes \"%s\"" % (os.path.relpath(f, root), n, inc))
    return out


def cycles(nodes, deps):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(deps.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return comps


def rule_violations(e):
    """Lines naming the edges that break the tier and public-API rules."""
    out = []
    for (x, y), why in sorted(e.items()):
        if x == TIER:
            out.append("TIER: the shared tier %s depends on %s: %s" % (x, y, "; ".join(why[:3])))
        elif x in PUBLIC_ONLY and y != TIER:
            out.append("PUBLIC API ONLY: %s depends on %s: %s" % (x, y, "; ".join(why[:3])))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--plant", action="append", default=[], metavar="A:B")
    a = ap.parse_args(argv)
    root = os.path.abspath(a.root)
    mods = modules(root)
    e = edges(root, mods)
    for p in a.plant:
        x, _, y = p.partition(":")
        e.setdefault((x, y), []).append("planted by --plant %s" % p)
    deps = {}
    for (x, y) in e:
        deps.setdefault(x, set()).add(y)
    comps = cycles(mods.keys(), deps)
    for m in sorted(mods):
        print("%-11s -> %s" % (m, ", ".join(sorted(deps.get(m, ()))) or "(nothing)"))
    bad = rule_violations(e)
    for line in bad:
        print(line)
    if not comps and not bad:
        print("layers: %d modules, %d edges, 0 cycles" % (len(mods), len(e)))
        return 0
    for comp in comps:
        print("CYCLE between modules: %s" % ", ".join(comp))
        for (x, y), why in sorted(e.items()):
            if x in comp and y in comp:
                print("  %s -> %s: %s" % (x, y, "; ".join(why[:3])))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
