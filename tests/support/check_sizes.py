#!/usr/bin/python3
"""Files and functions a reader can hold: fails on a C file or function too long.

  check_sizes.py [--root DIR] [--max-file N] [--max-func N]

Scans src/**/*.c and sandbox/*.c under DIR (default: the tree this script is
in). Reports every file over --max-file lines (default 900) and every
function over --max-func lines (default 120), counted from the first line of
the function's signature to its closing brace, both included. Prints the
largest file and the longest function, and exits 1 on any violation, 0
otherwise.

Function detector (simple on purpose; the tree's style makes it exact):
  - a definition starts with a line at column 0 that begins with an
    identifier (return type, storage class, DC_API, ...); a signature split
    over several lines keeps the first such line as its start;
  - it is a function when a '{' follows before any ';', and the text before
    that '{' has a '(' and no '=' (so tables, structs and enums at column 0
    are not functions); a blank line or a preprocessor line before the '{'
    abandons the candidate;
  - the body ends at the next line that starts with '}' at column 0, or on
    the '{' line itself when that line closes every brace it opens.
The assumption: function bodies are indented, so no line inside one starts
with '}' at column 0, and a definition's signature starts at column 0.
Comments and string literals are blanked before the '{' ';' '(' '=' tests.
"""
import argparse
import glob
import os
import re
import sys

IDENT_START = re.compile(r"[A-Za-z_]")


def blank_noise(line, in_comment):
    """The line with comments and string/char literals replaced by spaces;
    returns (text, still_in_block_comment)."""
    out = []
    i, n = 0, len(line)
    while i < n:
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i = end + 2
            in_comment = False
            out.append(" ")
            continue
        ch = line[i]
        if line.startswith("/*", i):
            in_comment = True
            i += 2
            continue
        if line.startswith("//", i):
            break
        if ch in "\"'":
            j = i + 1
            while j < n and line[j] != ch:
                j += 2 if line[j] == "\\" else 1
            out.append(" ")
            i = j + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out), in_comment


def function_name(head):
    """The identifier before the last '(' at parenthesis depth 0 of a
    signature (so "ATTR(2, 3) static int f(int x)" gives f), or None."""
    name, depth = None, 0
    for m in re.finditer(r"[()]", head):
        if m.group() == ")":
            depth -= 1
            continue
        if depth == 0:
            ident = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", head[:m.start()])
            if ident is not None:
                name = ident.group(1)
        depth += 1
    return name


def functions(lines):
    """[(name, first line number (1-based), length in lines)]."""
    found = []
    in_comment = False
    start = None   # index of the candidate's first line
    sig = ""       # candidate text so far (noise blanked)
    body = None    # (name, start) while inside a function body
    for i, raw in enumerate(lines):
        text, in_comment_after = blank_noise(raw, in_comment)
        starts_in_comment = in_comment
        in_comment = in_comment_after
        if body is not None:
            if raw.startswith("}"):
                found.append((body[0], body[1] + 1, i - body[1] + 1))
                body = None
            continue
        if start is None:
            if starts_in_comment or not IDENT_START.match(raw):
                continue
            start, sig = i, ""
        if raw.strip() == "" or raw.lstrip().startswith("#"):
            start = None
            continue
        sig += " " + text
        brace, semi = sig.find("{"), sig.find(";")
        if semi >= 0 and (brace < 0 or semi < brace):
            start = None          # a declaration or prototype
            continue
        if brace < 0:
            continue              # the signature goes on
        head = sig[:brace]
        name = function_name(head) if "=" not in head else None
        if name is not None:
            rest = sig[brace:]
            if rest.count("{") <= rest.count("}"):
                found.append((name, start + 1, i - start + 1))  # one line
            else:
                body = (name, start)
        start = None
    return found


def c_files(root):
    files = sorted(glob.glob(os.path.join(root, "src", "**", "*.c"), recursive=True))
    files += sorted(glob.glob(os.path.join(root, "sandbox", "*.c")))
    return files


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.normpath(os.path.join(here, "..", "..")))
    ap.add_argument("--max-file", type=int, default=900, metavar="N")
    ap.add_argument("--max-func", type=int, default=120, metavar="N")
    opts = ap.parse_args()

    files = c_files(opts.root)
    if not files:
        print("check_sizes: no C files under %s/src or %s/sandbox" % (opts.root, opts.root))
        return 1
    bad = 0
    biggest_file = (0, "")
    longest_func = (0, "", "", 0)
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        rel = os.path.relpath(path, opts.root)
        if len(lines) > biggest_file[0]:
            biggest_file = (len(lines), rel)
        if len(lines) > opts.max_file:
            print("%s: %d lines (max %d)" % (rel, len(lines), opts.max_file))
            bad += 1
        for name, line, length in functions(lines):
            if length > longest_func[0]:
                longest_func = (length, rel, name, line)
            if length > opts.max_func:
                print("%s:%d: function %s is %d lines (max %d)"
                      % (rel, line, name, length, opts.max_func))
                bad += 1
    print("largest file: %s (%d lines)" % (biggest_file[1], biggest_file[0]))
    print("longest function: %s in %s:%d (%d lines)"
          % (longest_func[2], longest_func[1], longest_func[3], longest_func[0]))
    print("%d files; %s" % (len(files), "%d violation%s" % (bad, "" if bad == 1 else "s")
                                        if bad else "no violation"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
