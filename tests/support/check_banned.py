#!/usr/bin/python3
"""Banned C functions: fails on a call to one, listing file:line.

  check_banned.py [--root DIR] [--plant] [DIR ...]

Scans every .c and .h file under the given directories (default: src/,
sandbox/, fuzz/ and bench/ of --root, itself by default the tree this script
is in) for calls to functions with no length or error checking:

  strcpy strcat sprintf vsprintf gets strtok atoi atol atof strncpy
  tmpnam mktemp

Each call is printed as "file:line: name() -- use ...", then a summary line
"FAIL: N banned call(s) in M file(s)", and the exit status is 1; 0 when
there is none. strncpy is banned too: nothing in the tree needs it, and it
neither terminates a truncated copy nor reports the truncation.

A call is the name as a whole identifier followed by '(' (blanks allowed),
not a member (x.name(, p->name(). Comments and string and character
literals are blanked first, so a mention in a comment or a message is not
a call.

--plant writes a file with one call of every banned function, and decoys
that must not count (mentions in comments and strings, snprintf, fgets,
strtok_r, strtoll, mkstemp, a member call), into a new temporary directory
and scans that directory as if it had been given (removed afterwards), so a
test can prove the check fails: it must print "FAIL: 12 banned call(s) in 1
file(s)".
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

BANNED = {
    "strcpy": "snprintf, or memcpy with a checked length",
    "strcat": "snprintf, or memcpy with a checked length",
    "sprintf": "snprintf",
    "vsprintf": "vsnprintf",
    "gets": "fgets",
    "strtok": "strtok_r, or a loop with strcspn",
    "atoi": "strtol with end pointer, errno and range checks",
    "atol": "strtol with end pointer, errno and range checks",
    "atof": "strtod with end pointer and errno checks",
    "strncpy": "snprintf, or memcpy with a checked length",
    "tmpnam": "mkstemp or mkdtemp",
    "mktemp": "mkstemp or mkdtemp",
}
CALL = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(sorted(BANNED)))
DEFAULT_DIRS = ("src", "sandbox", "fuzz", "bench")

PLANTED = r"""/* planted by check_banned.py --plant: strcpy(a, b) in a comment */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void planted(char *d, const char *s, char *line, FILE *f, va_list ap);
void planted(char *d, const char *s, char *line, FILE *f, va_list ap)
{
  strcpy(d, s);
  strcat (d, s);
  sprintf(d, "%s", s);
  vsprintf(d, "%s", ap);
  gets(line);
  (void)strtok(line, " ");
  int i = atoi(s); long l = atol(s); double x = atof(s);
  strncpy(d, s, 4);
  tmpnam(d);
  mktemp(d);
  // decoys: none of these is a banned call
  snprintf(d, 8, "strcpy(%s)", s); vsnprintf(d, 8, "%s", ap);
  fgets(line, 8, f); char *save; strtok_r(line, " ", &save);
  (void)strtoll(s, NULL, 10); (void)mkstemp(d); (void)i; (void)l; (void)x;
  puts("sprintf(d) atoi(s)"); (void)'('; f->gets(line);
}
"""


def blank_noise(text):
    """text with comments and string/char literals replaced by spaces,
    newlines kept (so line numbers stay right)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def c_files(dirs):
    for d in dirs:
        for base, subdirs, files in os.walk(d):
            subdirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.join(base, f)


def scan(path):
    """[(line number, name)] of the banned calls in one file."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = blank_noise(fh.read())
    hits = []
    for lineno, line in enumerate(text.split("\n"), 1):
        for m in CALL.finditer(line):
            hits.append((lineno, m.group(1)))
    return hits


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))
    ap.add_argument("--plant", action="store_true")
    ap.add_argument("dirs", nargs="*", metavar="DIR")
    a = ap.parse_args(argv)
    dirs = list(a.dirs)
    tmp = None
    if a.plant:
        tmp = tempfile.mkdtemp(prefix="dc-banned-")
        with open(os.path.join(tmp, "planted.c"), "w", encoding="utf-8") as fh:
            fh.write(PLANTED)
        dirs.append(tmp)
    elif not dirs:
        dirs = [os.path.join(a.root, d) for d in DEFAULT_DIRS
                if os.path.isdir(os.path.join(a.root, d))]
    try:
        for d in dirs:
            if not os.path.isdir(d):
                print("check_banned: %s is not a directory" % d, file=sys.stderr)
                return 2
        nfiles, bad_files, total = 0, 0, 0
        for path in c_files(dirs):
            nfiles += 1
            hits = scan(path)
            if hits:
                bad_files += 1
            for lineno, name in hits:
                total += 1
                print("%s:%d: %s() -- use %s" % (path, lineno, name, BANNED[name]))
        if total:
            print("FAIL: %d banned call(s) in %d file(s)" % (total, bad_files))
            return 1
        print("check_banned: %d C files in %s, no banned call" % (nfiles, ", ".join(dirs)))
        return 0
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
