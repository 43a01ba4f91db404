"""Integration test of `codemaild import` / `info` on every genuine file in $SHARED/data
(issue 5): rows read/loaded/rejected, true values read back through the codedb API
(tests/tools/cdb_query), CPT descriptor text never stored, bad rows and --strict, refused
truncated/unknown formats, the atomic swap under a reader, a SIGKILLed import, the import lock.
Asserts numbers, flags, HCPCS Level II and ICD-10-CM text only (never CPT descriptors)."""
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time

from tap import ok, eq, skip, diag, BIN, TOP, SHARED

BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(TOP, "build"))
Q = os.path.join(BUILD, "tools", "cdb_query")
GEN = os.path.join(BUILD, "tools", "gen_ptp")
DATA = os.path.join(SHARED, "data")
EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL = 64, 65, 66, 75

F = {
    "hcpcs": os.path.join(DATA, "hcpcs", "HCPC2026_JAN_ANWEB_01122026.txt"),
    "icd10cm": os.path.join(DATA, "icd10cm", "icd10cm-order-Jan-2021.txt"),
    "mue": os.path.join(DATA, "mue", "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"),
    "rvu_txt": os.path.join(DATA, "pfs_rvu", "PPRRVU2025_Oct.txt"),
    "rvu_csv": os.path.join(DATA, "pfs_rvu", "PPRRVU2025_Oct.csv"),
    "ptp": os.path.join(DATA, "ncci_ptp", "ccipra-v322r0-f1.excerpt.txt"),
    "gem10": os.path.join(DATA, "crosswalk", "2018_I10gem.txt"),
    "gem9": os.path.join(DATA, "crosswalk", "2018_I9gem.txt"),
}


def imp(db, kind, *files, extra=()):
    t0 = time.monotonic()
    p = subprocess.run([BIN, "import", "--no-progress", "--db", db, *extra, kind, *files],
                       capture_output=True, text=True)
    return p.returncode, p.stderr, time.monotonic() - t0


def q(db, *args):
    p = subprocess.run([Q, db, *args], capture_output=True, text=True)
    d = {}
    for line in p.stdout.splitlines():
        if "=" in line and "\t" not in line:
            k, v = line.split("=", 1)
            d[k] = v
    d["_out"] = p.stdout
    return d


def counts(stderr, base):
    m = re.search(re.escape(base) + r": (\d+) rows read, (\d+) loaded, (\d+) rejected", stderr)
    return tuple(int(x) for x in m.groups()) if m else None


def main():
    if not os.path.isdir(DATA):
        skip("import of shared data", "no %s" % DATA)
        return
    for t in (BIN, Q, GEN):
        if not os.access(t, os.X_OK):
            ok(False, "tool built: " + t)
            return
    tmp = tempfile.mkdtemp(prefix="test_import.")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp):
    db = os.path.join(tmp, "codes.db")

    # ---- every shared file, cumulatively into one DB ----
    plan = [("hcpcs", [F["hcpcs"]], [(9006, 9006, 0)]),
            ("icd10cm", [F["icd10cm"]], [(95358, 95358, 0)]),
            ("mue", [F["mue"]], [(15095, 15095, 0)]),
            ("pfs-rvu", [F["rvu_txt"]], [(19090, 19090, 0)]),
            ("ncci-ptp", [F["ptp"]], [(25, 25, 0)]),
            ("gem", [F["gem10"], F["gem9"]], [(81593, 81593, 0), (24860, 24860, 0)]),
            ("cpt", [os.path.join(TOP, "tests", "fixtures", "cpt_fake.csv")], [(5, 5, 0)])]
    for kind, files, want in plan:
        rc, err, secs = imp(db, kind, *files)
        eq(rc, 0, "import %s exits 0" % kind)
        for f, w in zip(files, want):
            c = counts(err, os.path.basename(f))
            eq(c, w, "import %s %s: rows read/loaded/rejected" % (kind, os.path.basename(f)))
            diag("%s %s: %s in %.2f s" % (kind, os.path.basename(f), c, secs))
    rc, err, secs = imp(os.path.join(tmp, "csv.db"), "pfs-rvu", F["rvu_csv"])
    eq(counts(err, "PPRRVU2025_Oct.csv"), (19090, 19090, 0), "import pfs-rvu CSV: 19090 rows")
    diag("pfs-rvu PPRRVU2025_Oct.csv: %.2f s" % secs)

    info = subprocess.run([BIN, "info", "--db", db], capture_output=True, text=True)
    eq(info.returncode, 0, "info exits 0")
    for name in ("hcpcs", "icd10cm", "mue_practitioner", "pfs_rvu", "ptp_practitioner", "gem", "cpt"):
        ok(re.search(r"^%s\s" % name, info.stdout, re.M), "info lists dataset " + name)
    ok("HCPCS 2026 Q1 (Jan)" in info.stdout and "PFS RVU 2025 Oct (RVU25D)" in info.stdout and
       "MUE 2026-04-01" in info.stdout and "NCCI PTP 2026 Q3 v32.2" in info.stdout and
       "ICD-10-CM FY2021" in info.stdout, "info vintage line names every release")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    sha = dict(con.execute("SELECT source, sha256 FROM imports"))
    eq(sha.get("HCPC2026_JAN_ANWEB_01122026.txt"),
       "1a9ce53ae6546c54e8150fc51b25d2b3e3eeefbca657c2ab2f7f1d7888a2239e", "imports records sha256")
    eq(con.execute("SELECT value FROM meta WHERE key='is_sample'").fetchone()[0], "0",
       "official data is not flagged as sample")
    con.close()

    # ---- values: RVU file (numbers and indicators only) ----
    for code, glob, bilat, extra in [("27447", "090", "1", {"mult_proc": "2", "work": "19.60"}),
                                     ("29881", "090", "1", {"mult_proc": "3"}),
                                     ("47562", "090", "0", {"assistant": "2", "co_surgery": "1"}),
                                     ("66984", "090", "1", {}),
                                     ("10060", "010", "0", {}),
                                     ("11045", "ZZZ", "0", {}),
                                     ("59400", "MMM", "0", {})]:
        r = q(db, "rvu", code)
        eq((r.get("global"), r.get("bilateral")), (glob, bilat), "RVU %s global days and bilateral" % code)
        for k, v in extra.items():
            eq(r.get(k), v, "RVU %s %s" % (code, k))
    r = q(db, "rvu", "71046", "26")
    eq((r.get("pctc"), r.get("work")), ("1", "0.22"), "RVU 71046-26 professional component row")
    eq(q(db, "rvu", "G0439").get("conv_factor"), "32.3465", "RVU conversion factor 32.3465")
    csvdb = os.path.join(tmp, "csv.db")
    txtdb = os.path.join(tmp, "txt.db")
    eq(imp(txtdb, "pfs-rvu", F["rvu_txt"])[0], 0, "import pfs-rvu TXT alone")
    same = all(q(db, "rvu", c)["_out"] == q(csvdb, "rvu", c)["_out"]
               for c in ("27447", "71046", "G0439", "99213", "0591T", "A0425"))
    ok(same, "RVU CSV and TXT imports give the same values")
    # the CPT descriptors of the RVU file never reach the DB (compared in memory, not printed;
    # RVU-only DBs, since some HCPCS Level II texts share words with CPT descriptors)
    blob = open(txtdb, "rb").read() + open(csvdb, "rb").read()
    leaked = 0
    for line in open(F["rvu_txt"], encoding="latin-1"):
        if line[:1].isdigit() and line[5:7] == "  ":
            desc = line[7:57].strip().encode("latin-1")
            if len(desc) > 6 and desc in blob:
                leaked += 1
    eq(leaked, 0, "no CPT descriptor from the RVU file is stored")

    # ---- MUE ----
    for code, val, mai in [("J1885", "8", "3"), ("A0425", "250", "1"), ("G0439", "1", "2"),
                           ("J1745", "150", "3"), ("36415", "2", "3")]:
        r = q(db, "mue", code)
        eq((r.get("value"), r.get("mai")), (val, mai), "MUE %s value and adjudication indicator" % code)
    r = q(db, "mue", "A0425")
    eq((r.get("mai_text"), r.get("rationale")), ("Line Edit", "Clinical: Data"), "MUE text fields")

    # ---- ICD-10-CM header vs billable children ----
    r = q(db, "icd", "E11.4")
    eq((r.get("billable"), r.get("header")), ("0", "1"), "ICD E11.4 is a header")
    r = q(db, "icd", "E11.65")
    eq(r.get("billable"), "1", "ICD E11.65 is billable")
    eq(r.get("long"), "Type 2 diabetes mellitus with hyperglycemia", "ICD E11.65 long title")
    ch = q(db, "children", "E11.4")
    eq(ch.get("count"), "6", "ICD E11.4 has 6 billable children")
    ok("E11.40\t" in ch["_out"] and "E11.49\t" in ch["_out"], "children E11.40 … E11.49")
    eq(q(db, "icd", "U09.9").get("found"), "0", "U09.9 (FY2022) absent from the FY2021 file")
    eq(q(db, "known", "E11.65").get("known"), "1", "known() sees ICD-10-CM codes")

    # ---- HCPCS ----
    r = q(db, "code", "J1885")
    eq(r.get("hcpcs_long"), "Injection, ketorolac tromethamine, per 15 mg", "HCPCS J1885 long description")
    eq((r.get("coverage"), r.get("betos")), ("D", "O1E"), "HCPCS J1885 coverage code and BETOS")
    r = q(db, "code", "E0114")
    eq(r.get("hcpcs_long"), "Crutches underarm, other than wood, adjustable or fixed, pair, with pads,"
       " tips and handgrips", "HCPCS continuation line joined")
    ok(q(db, "code", "G9871").get("found") == "1", "HCPCS G9871 (547-character line) loaded")
    r = q(db, "mod", "LT")
    eq(r.get("official_long"), "Left side (used to identify procedures performed on the left side of"
       " the body)", "HCPCS Level II modifier LT")
    eq(q(db, "mod", "GY").get("official_short"), "Statutorily excluded", "modifier GY short text")

    # ---- PTP excerpt ----
    r = q(db, "ptp", "0001U", "0030U")
    eq((r.get("deletion"), r.get("modifier"), r.get("active")), ("", "1", "1"),
       "PTP 0001U/0030U: '*' deletion = none, indicator 1")
    r = q(db, "ptp", "0001A", "90473")
    eq((r.get("modifier"), r.get("deletion")), ("9", "2022-01-01"), "PTP 0001A/90473: indicator 9")
    r = q(db, "ptp", "0001M", "80050")
    eq((r.get("modifier"), r.get("deletion"), r.get("active")), ("0", "2018-12-31", "0"),
       "PTP 0001M/80050: indicator 0, deleted")
    eq(q(db, "ptp", "0030U", "0001U").get("found"), "0", "PTP pairs are ordered")
    eq(q(db, "ptp", "0001U", "0029U", "2026-06-30").get("active"), "1", "PTP active on its deletion day")

    # ---- GEM, CPT fixture ----
    ok(re.search(r"^E1165\t25080\tapprox=1", q(db, "gem", "E11.65")["_out"], re.M), "GEM E11.65 -> 250.80 approximate")
    r = q(db, "code", "99213")
    eq((r.get("licensed"), r.get("descriptor")),
       ("1", "Made-up test descriptor for an established visit (codemaild fixture)"), "cpt import (made-up fixture)")

    # ---- hospital PTP and MUE settings, ICD plain codes file, CPT TSV with a column map ----
    alt = os.path.join(tmp, "alt.db")
    shutil.copy(db, alt)
    hp = os.path.join(tmp, "ccioph-v322r0-f1.TXT")
    shutil.copy(F["ptp"], hp)
    rc, err, _ = imp(alt, "ncci-ptp", hp)
    ok(rc == 0 and "-> ptp_hospital" in err, "ccioph file goes to the hospital PTP dataset", err.strip()[-200:])
    rc, err, _ = imp(alt, "mue", F["mue"], extra=("--setting", "hospital"))
    ok(rc == 0 and "-> mue_hospital" in err, "mue --setting hospital")
    eq(q(alt, "datasets").get("count"), "9", "hospital datasets added, practitioner ones kept")
    eq(q(alt, "ptp", "0001U", "0030U").get("setting"), "practitioner", "PTP lookup prefers the practitioner edit")
    eq(q(alt, "mue", "J1885").get("setting"), "practitioner", "MUE lookup prefers the practitioner table")
    codes = os.path.join(tmp, "icd10cm-codes-2021.txt")
    n = 0
    with open(F["icd10cm"], encoding="ascii") as fi, open(codes, "w", newline="\r\n") as fo:
        for line in fi:
            if line[14] == "1" and line[6:9] in ("E11", "I10", "J06"):
                fo.write("%-7s %s\n" % (line[6:13].strip(), line[77:].rstrip()))
                n += 1
    rc, err, _ = imp(alt, "icd10cm", codes)
    eq((rc, counts(err, os.path.basename(codes))), (0, (n, n, 0)), "ICD-10-CM plain codes file format")
    r = q(alt, "icd", "E11.65")
    eq((r.get("billable"), r.get("long")), ("1", "Type 2 diabetes mellitus with hyperglycemia"), "codes-file title")
    eq(q(alt, "icd", "E11.4").get("found"), "0", "codes file replaced the order-file dataset")
    ct = os.path.join(tmp, "cpt2026.tsv")
    open(ct, "w").write("notice line\nlong\tcode\nMade-up long text (fixture)\t99214\nMade-up too\t27447\n")
    rc, err, _ = imp(alt, "cpt", ct, extra=("--columns", "code=2,long=1"))
    eq((rc, counts(err, "cpt2026.tsv")), (0, (2, 2, 0)), "cpt TSV with --columns code=2,long=1")
    eq(q(alt, "code", "99214").get("descriptor"), "Made-up long text (fixture)", "cpt column map applied")
    eq(imp(alt, "cpt", ct, extra=("--columns", "code=x"))[0], EX_DATAERR, "bad --columns refused")
    cf = os.path.join(tmp, "cpt.conf")
    open(cf, "w").write("[general]\ncpt_columns = code=2,short=1\n")
    p = subprocess.run([BIN, "-c", cf, "import", "--db", alt, "cpt", ct], capture_output=True, text=True)
    eq((p.returncode, counts(p.stderr, "cpt2026.tsv")), (0, (2, 2, 0)), "cpt column map from the config (cpt_columns)")
    eq(q(alt, "code", "27447").get("descriptor"), "", "config map put the text in the short column")

    # ---- bad rows, --strict ----
    lines = open(F["ptp"], "rb").read().split(b"\r\n")
    bad = lines[:]
    bad[9] = bad[9].replace(b"\t0\t", b"\t5\t")           # line 10: modifier indicator 5
    bp = os.path.join(tmp, "ccipra-v322r0-f1.TXT")
    open(bp, "wb").write(b"\r\n".join(bad))
    st0 = os.stat(db)
    rc, err, _ = imp(db, "ncci-ptp", bp, extra=("--strict",))
    eq(rc, EX_DATAERR, "--strict with a bad row fails")
    ok(os.stat(db).st_ino == st0.st_ino, "--strict failure leaves the live DB")
    ok("ccipra-v322r0-f1.TXT:10: modifier indicator must be 0, 1 or 9" in err, "bad row reported as file:line: why")
    rc, err, _ = imp(db, "ncci-ptp", bp)
    eq((rc, counts(err, "ccipra-v322r0-f1.TXT")), (0, (25, 24, 1)), "without --strict the bad row is skipped and counted")
    rc, err, _ = imp(db, "ncci-ptp", F["ptp"])

    # ---- refused: truncated / unknown ----
    tp = os.path.join(tmp, "ccipra-v322r0-f2.TXT")
    open(tp, "wb").write(b"\r\n".join(lines[:4]))
    rc, err, _ = imp(db, "ncci-ptp", tp)
    ok(rc == EX_DATAERR and "truncated" in err, "PTP file cut in the header is refused", err.strip())
    raw = open(F["ptp"], "rb").read()
    open(tp, "wb").write(raw[:raw.rfind(b"\t", 0, len(raw) - 60)])
    rc, err, _ = imp(db, "ncci-ptp", tp)
    ok(rc == EX_DATAERR and "truncated" in err, "PTP file cut mid-row is refused", err.strip())
    hp = os.path.join(tmp, "HCPC2026_JAN_cut.txt")
    open(hp, "wb").write(open(F["hcpcs"], "rb").read()[:200000])
    rc, err, _ = imp(db, "hcpcs", hp)
    ok(rc == EX_DATAERR and "truncated" in err, "HCPCS file cut mid-record is refused", err.strip())
    mp = os.path.join(tmp, "mue_cut_Eff_04-01-2026.csv")
    open(mp, "wb").write(open(F["mue"], "rb").read()[:300])
    rc, err, _ = imp(db, "mue", mp)
    ok(rc == EX_DATAERR and ("truncated" in err or "not an NCCI MUE" in err), "MUE file cut in the notice is refused", err.strip())
    for kind, f, words in [("ncci-ptp", F["mue"], "not an NCCI PTP file"),
                           ("hcpcs", F["rvu_txt"], "not an HCPCS"),
                           ("icd10cm", F["gem10"], "not an ICD-10-CM"),
                           ("mue", F["ptp"], "not an NCCI MUE"),
                           ("pfs-rvu", F["icd10cm"], "not a PPRRVU"),
                           ("gem", F["hcpcs"], "not a GEM")]:
        rc, err, _ = imp(db, kind, f)
        ok(rc == EX_DATAERR and words in err, "%s refuses %s" % (kind, os.path.basename(f)), err.strip()[:200])
    eq(imp(db, "bogus", F["ptp"])[0], EX_USAGE, "unknown kind: EX_USAGE")
    eq(imp(db, "hcpcs", os.path.join(tmp, "missing.txt"))[0], EX_NOINPUT, "missing file: EX_NOINPUT")
    ok(os.stat(db).st_size > 0 and q(db, "rvu", "27447").get("global") == "090", "live DB still answers after refusals")

    # ---- atomic swap under a reader ----
    probes = ["rvu:27447", "mue:J1885", "icd:E114", "ptp:0001U:0030U", "code:J1885", "known:99213"]
    w = subprocess.Popen([Q, db, "watch", "5", *probes], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    n_ok = 0
    t_end = time.monotonic() + 4
    kinds = [("mue", F["mue"]), ("pfs-rvu", F["rvu_txt"]), ("hcpcs", F["hcpcs"]), ("ncci-ptp", F["ptp"])]
    i = 0
    while time.monotonic() < t_end:
        k, f = kinds[i % len(kinds)]
        n_ok += imp(db, k, f)[0] == 0
        i += 1
    out, errw = w.communicate(timeout=30)
    m = re.search(r"rounds=(\d+) reopens=(\d+) failures=(\d+)", out)
    diag("swap: %d imports during the watch; reader: %s" % (i, out.strip()))
    ok(m and int(m.group(3)) == 0 and int(m.group(1)) > 100, "reader never sees a half-built DB", errw.strip()[:300])
    ok(m and int(m.group(2)) >= 2, "reader reopened the swapped DB")
    eq(n_ok, i, "imports during the watch all succeeded")

    # ---- SIGKILLed import, the lock ----
    big = os.path.join(tmp, "ccipra-v322r0-f3.TXT")
    subprocess.run([GEN, big, "600000"], check=True, capture_output=True)
    before = open(db, "rb").read()
    p = subprocess.Popen([BIN, "import", "--quiet", "--db", db, "ncci-ptp", big],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    newf = "%s.new-%d" % (db, p.pid)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10 and not (os.path.exists(newf) and os.path.getsize(newf) > 1 << 20):
        time.sleep(0.01)
    grown = os.path.exists(newf)
    rc2, err2, _ = imp(db, "mue", F["mue"])
    p.send_signal(signal.SIGKILL)
    p.wait()
    ok(grown, "import was building %s when killed" % os.path.basename(newf))
    ok(rc2 == EX_TEMPFAIL and "another import" in err2, "a second import of the same DB waits its turn (EX_TEMPFAIL)", err2.strip())
    ok(open(db, "rb").read() == before, "SIGKILLed import left the live DB byte-for-byte")
    r = q(db, "ptp", "0001U", "0030U")
    eq(r.get("found"), "1", "previous DB still answers after the kill")
    eq(q(db, "datasets").get("count"), "7", "all datasets still there")
    rc, err, _ = imp(db, "ncci-ptp", F["ptp"])
    ok(rc == 0 and not os.path.exists(newf), "next import removes the killed import's leftover file")


main()
