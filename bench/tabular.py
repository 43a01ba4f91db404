#!/usr/bin/env python3
"""ICD-10-CM tabular XML import benchmark (issue 16): a full-size (~9.7 MB) synthetic file
built from the shared excerpt's structure by tests/tools/gen_tabular.py, imported by `codemaild
import icd10cm-tabular` (streaming libxml2 reader); prints wall time, rows and peak RSS, and
the peak RSS of importing the 24 KB excerpt for comparison (the difference is what the XML
size costs: a streaming reader keeps it small). Then a lookup of the inherited notes.
Env: BENCH_TAB_BYTES (default 9700000)."""
import os
import re
import subprocess
import sys
import time

TOP = os.environ.get("CODEMAILD_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(TOP, "build"))
BIN = os.environ.get("CODEMAILD", os.path.join(BUILD, "codemaild"))
SHARED = os.environ.get("SHARED", os.path.join(TOP, "..", "shared"))
EXCERPT = os.path.join(SHARED, "data", "icd10cm", "icd10cm_tabular_2026.excerpt.xml")
OUT = os.path.join(BUILD, "bench")


def run(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return wall, ru.ru_maxrss, os.waitstatus_to_exitcode(status), err


def main():
    if not os.path.exists(EXCERPT):
        print("bench tabular: no %s" % EXCERPT)
        return 0
    os.makedirs(OUT, exist_ok=True)
    big = os.path.join(OUT, "icd10cm_tabular_2026.synthetic.xml")
    subprocess.run([sys.executable, os.path.join(TOP, "tests", "tools", "gen_tabular.py"), EXCERPT, big,
                    os.environ.get("BENCH_TAB_BYTES", "9700000")], check=True)
    for name, path in (("excerpt (24 KB)", EXCERPT), ("synthetic full size", big)):
        db = os.path.join(OUT, "tab.db")
        for f in (db, db + ".lock"):
            if os.path.exists(f):
                os.unlink(f)
        wall, rss, rc, err = run([BIN, "import", "--no-progress", "--db", db, "icd10cm-tabular", path])
        m = re.search(r"(\d+) rows read, (\d+) loaded, (\d+) rejected", err)
        print("  import icd10cm-tabular %-20s %6.2f s  peak RSS %6.1f MB  %s bytes  %s" % (
            name, wall, rss / 1024.0, os.path.getsize(path),
            "%s rows, %s rejected" % (m.group(2), m.group(3)) if m else "rc %d %s" % (rc, err[-300:])))
    os.unlink(big)
    return 0


if __name__ == "__main__":
    sys.exit(main())
