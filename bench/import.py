#!/usr/bin/env python3
"""Import benchmark (issue 5): a full-scale NCCI PTP file (1.7 million rows, exact CMS layout,
written by tests/tools/gen_ptp) imported by `codemaild import ncci-ptp` (validating every row,
building the index, checking the DB, swapping it in), next to the sqlite3 shell importing the
same rows (`.mode tabs`, `.import`, headers stripped beforehand and not timed) into an
equivalent table with the same index, in the same run. Then the "check all pairs" lookup for a
message with 25 codes (300 ordered pairs) with codedb_ptp (tests/tools/bench_pairs).

Env: BENCH_ROWS (default 1700000), BENCH_REPEAT (default 2: best of N, alternating).
"""
import os
import shutil
import subprocess
import sys
import time

TOP = os.environ.get("CODEMAILD_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(TOP, "build"))
BIN = os.environ.get("CODEMAILD", os.path.join(BUILD, "codemaild"))
ROWS = int(os.environ.get("BENCH_ROWS", "1700000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "2"))
OUT = os.path.join(BUILD, "bench")
SRC = os.path.join(OUT, "ccipra-v322r0-f1.TXT")
BODY = os.path.join(OUT, "ptp-body.tsv")


def run(cmd, stdin=None):
    """Runs cmd; returns (wall s, cpu s, peak RSS KB, rc)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        print("  command failed (%d): %s\n%s" % (rc, " ".join(cmd), err[-2000:]))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, rc


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = os.path.join(BUILD, "tools", "gen_ptp")
    pairs = os.path.join(BUILD, "tools", "bench_pairs")
    for b in (BIN, gen, pairs):
        if not os.access(b, os.X_OK):
            print("bench import: missing %s (make all tests)" % b)
            return 1
    sqlite = shutil.which("sqlite3")
    want = "%d" % ROWS
    stamp = SRC + ".rows"
    if not (os.path.exists(SRC) and os.path.exists(stamp) and open(stamp).read() == want):
        t0 = time.monotonic()
        subprocess.run([gen, SRC, want], check=True)
        open(stamp, "w").write(want)
        print("generated %s: %d rows, %.1f MB in %.1f s" % (SRC, ROWS, os.path.getsize(SRC) / 1e6,
                                                           time.monotonic() - t0))
    # the shell's input: the same rows without the six header lines, LF line ends (not timed)
    with open(SRC, "rb") as fi, open(BODY, "wb") as fo:
        for i, line in enumerate(fi):
            if i >= 6:
                fo.write(line.replace(b"\r\n", b"\n"))
    size_mb = os.path.getsize(SRC) / 1e6

    ours_db = os.path.join(OUT, "ours.db")
    shell_db = os.path.join(OUT, "shell.db")
    shell_sql = os.path.join(OUT, "shell.sql")
    with open(shell_sql, "w") as f:
        f.write("PRAGMA journal_mode=OFF;\nPRAGMA synchronous=OFF;\n"
                "CREATE TABLE ptp(col1 TEXT NOT NULL, col2 TEXT NOT NULL, pre1996 TEXT, eff TEXT,"
                " del TEXT, modind TEXT, rationale TEXT);\n"
                ".mode tabs\n.import %s ptp\n"
                "CREATE INDEX ptp_pair ON ptp(col1, col2);\n" % BODY)
    best = {}
    for _ in range(REPEAT):
        for name in ("ours", "shell"):
            if name == "ours":
                for p in (ours_db, ours_db + ".lock"):
                    if os.path.exists(p):
                        os.unlink(p)
                r = run([BIN, "import", "--no-progress", "--quiet", "--db", ours_db, "ncci-ptp", SRC])
            else:
                if not sqlite:
                    continue
                if os.path.exists(shell_db):
                    os.unlink(shell_db)
                with open(shell_sql) as fi:
                    r = run([sqlite, shell_db], stdin=fi)
            if r[3] != 0:
                return 1
            if name not in best or r[0] < best[name][0]:
                best[name] = r
    w, c, rss, _ = best["ours"]
    print("ours : codemaild import ncci-ptp  %d rows (%.0f MB): wall %.2f s, cpu %.2f s, %.0f rows/s,"
          " peak RSS %.0f MB, DB %.1f MB (validates every row, index, quick_check, atomic swap)"
          % (ROWS, size_mb, w, c, ROWS / w, rss / 1024, os.path.getsize(ours_db) / 1e6))
    if "shell" in best:
        sw, sc, srss, _ = best["shell"]
        print("shell: sqlite3 .import + CREATE INDEX  %d rows: wall %.2f s, cpu %.2f s, %.0f rows/s,"
              " peak RSS %.0f MB, DB %.1f MB" % (ROWS, sw, sc, ROWS / sw, srss / 1024,
                                                os.path.getsize(shell_db) / 1e6))
        print("ratio ours/shell: wall %.2f, cpu %.2f (target <= 1.0)  [best of %d]" % (w / sw, c / sc, REPEAT))
    else:
        print("shell: sqlite3 not found, no baseline")
    out = subprocess.run([pairs, ours_db, "500"], capture_output=True, text=True)
    line = out.stdout.strip()
    print("lookup: check all pairs, 25 codes = 300 ordered codedb_ptp() calls on %d rows: %s"
          " (target < 1 ms)" % (ROWS, line))
    return 0


sys.exit(main())
