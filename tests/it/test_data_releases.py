"""Integration test of issue 16 on the genuine files in $SHARED/data: several releases per
dataset (RVU25D and RVU26C side by side, FY2021 titles and the FY2026 code list), each file
imported with 0 rejected rows (counts and times printed), `info` listing the releases,
`purge-releases`; answers by date of service (same code, 2025 vs 2026: different CF and
payment), local payment for three localities equal to a hand calculation from the raw CSV
rows, 20 CARC/RARC codes explained with their X12 text and status, an Excludes1 conflict
flagged, a 7th character explained, a code deleted by FY2026 said so.
Asserts on numbers, HCPCS Level II / ICD-10-CM / X12 text only (never CPT descriptors)."""
import csv
import email
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from tap import ok, eq, skip, diag, BIN, TOP, SHARED

DATA = os.path.join(SHARED, "data")
F = [  # kind, file, expected rows read
    ("icd10cm", "icd10cm/icd10cm-order-Jan-2021.txt", 95358),
    ("icd10cm", "icd10cm/icd10cm_codes_2026.txt", 74719),
    ("icd10cm-tabular", "icd10cm/icd10cm_tabular_2026.excerpt.xml", None),
    ("pfs-rvu", "pfs_rvu/PPRRVU2025_Oct.txt", 19090),
    ("pfs-rvu", "pfs_rvu/PPRRVU2026_Jul_nonQPP.csv", 19356),
    ("gpci", "pfs_rvu/GPCI2025.csv", 109),
    ("gpci", "pfs_rvu/GPCI2026.csv", 98),
    ("carc", "x12/carc.tsv", 407),
    ("rarc", "x12/rarc.tsv", 1216),
    ("mue", "mue/MCR_MUE_PractitionerServices_Eff_04-01-2026.csv", 15095),
    ("hcpcs", "hcpcs/HCPC2026_JAN_ANWEB_01122026.txt", None),
    ("ncci-ptp", "ncci_ptp/ccipra-v322r0-f1.excerpt.txt", None),
]


def imp(db, kind, path):
    t0 = time.monotonic()
    p = subprocess.run([BIN, "import", "--no-progress", "--db", db, kind, path],
                       capture_output=True, text=True)
    return p, time.monotonic() - t0


def answer(conf, body, subject="question"):
    """The text part of the reply `codemaild answer` gives to a message."""
    d = os.path.dirname(conf)
    path = os.path.join(d, "q.eml")
    with open(path, "w") as f:
        f.write("From: Coder <coder@example.org>\nTo: consult@codemaild.example\n"
                "Subject: %s\nMessage-ID: <q%d@example.org>\nDate: Mon, 1 Jun 2026 10:00:00 +0000\n"
                "\n%s\n" % (subject, time.monotonic_ns(), body))
    p = subprocess.run([BIN, "-c", conf, "answer", path], capture_output=True)
    m = email.message_from_bytes(p.stdout)
    for part in m.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode("utf-8")
    return ""


def model(conf, body):
    """The answer model (`codemaild answer --model`) of a message, {} when it fails."""
    path = os.path.join(os.path.dirname(conf), "q.eml")
    with open(path, "w") as f:
        f.write("From: Coder <coder@example.org>\nTo: consult@codemaild.example\n"
                "Subject: question\nMessage-ID: <m%d@example.org>\nDate: Mon, 1 Jun 2026 10:00:00 +0000\n"
                "\n%s\n" % (time.monotonic_ns(), body))
    p = subprocess.run([BIN, "-c", conf, "answer", "--model", path], capture_output=True)
    return json.loads(p.stdout) if p.returncode == 0 else {}


def rvu_rows(path):
    """{code: (work, pe_nf, pe_f, mp, cf)} of the global rows (no modifier) of a PPRRVU CSV."""
    out = {}
    with open(path, encoding="latin-1") as f:
        rows = list(csv.reader(f))
    hdr = [i for i, r in enumerate(rows) if r[:2] == ["HCPCS", "MOD"]][0]
    pric = 1 if len(rows[hdr]) >= 32 and rows[hdr][23] == "IND" else 0
    for r in rows[hdr + 1:]:
        if len(r) < 28 or r[1] != "":
            continue
        out[r[0]] = (float(r[5]), float(r[6]), float(r[8]), float(r[10]), float(r[24 + pric]))
    return out


def gpci_rows(path):
    out = {}
    with open(path, encoding="latin-1") as f:
        for r in csv.reader(f):
            if len(r) >= 7 and re.fullmatch(r"\d{5}", r[0].strip()):
                out[r[3].strip().rstrip("*")] = (r[0], r[2], float(r[4]), float(r[5]), float(r[6]))
    return out


def main():
    if not os.path.isdir(DATA):
        skip("issue 16 data", "no %s" % DATA)
        return
    tmp = tempfile.mkdtemp(prefix="cm-rel-")
    db = os.path.join(tmp, "codes.db")
    conf = os.path.join(tmp, "c.conf")
    with open(conf, "w") as f:
        f.write("[general]\nreference_db = %s\ntemplates = %s\n" % (db, os.path.join(TOP, "templates")))
    try:
        # ---- every file imports with 0 rejected rows
        for kind, rel, want in F:
            path = os.path.join(DATA, rel)
            p, secs = imp(db, kind, path)
            m = re.search(re.escape(os.path.basename(path)) +
                          r": (\d+) rows read, (\d+) loaded, (\d+) rejected", p.stderr)
            ok(p.returncode == 0 and m is not None, "import %s %s" % (kind, rel), p.stderr[-300:])
            if m:
                read, loaded, rej = (int(x) for x in m.groups())
                diag("%s: %d read, %d loaded, %d rejected, %.2f s" % (rel, read, loaded, rej, secs))
                eq(rej, 0, "%s: 0 rejected rows" % rel)
                if want is not None:
                    eq(read, want, "%s: %d rows read" % (rel, want))
        # ---- releases side by side
        info = subprocess.run([BIN, "info", "--db", db], capture_output=True, text=True).stdout
        ok(re.search(r"pfs_rvu\s+2025 Oct \(RVU25D\)\s+2025-10-01 2025-12-31\s+19090", info),
           "info lists RVU25D with its range", info[-800:])
        ok(re.search(r"pfs_rvu\s+2026 Jul \(RVU26C\)\s+2026-07-01 2026-12-31\s+19356", info),
           "info lists RVU26C with its range")
        ok(re.search(r"icd10cm\s+FY2021\s+2021-01-01 2021-09-30", info) and
           re.search(r"icd10cm\s+FY2026\s+2025-10-01 2026-09-30", info), "info lists both ICD-10-CM releases")
        ok(re.search(r"gpci\s+CY2025", info) and re.search(r"gpci\s+CY2026", info), "info lists both GPCI years")
        # re-importing a release replaces it, the other stays
        p, _ = imp(db, "pfs-rvu", os.path.join(DATA, "pfs_rvu/PPRRVU2026_Jul_nonQPP.csv"))
        info2 = subprocess.run([BIN, "info", "--db", db], capture_output=True, text=True).stdout
        ok(p.returncode == 0 and "19090" in info2 and re.search(r"pfs_rvu\s+2026 Jul \(RVU26C\).*19356", info2)
           and re.search(r"pfs_rvu\s+.*\s38446\s", info2), "re-import of RVU26C replaces it and keeps RVU25D",
           info2[:900])

        # ---- same code, 2025 vs 2026 date of service
        r25 = rvu_rows(os.path.join(DATA, "pfs_rvu/PPRRVU2025_Oct.csv"))
        r26 = rvu_rows(os.path.join(DATA, "pfs_rvu/PPRRVU2026_Jul_nonQPP.csv"))
        g25 = gpci_rows(os.path.join(DATA, "pfs_rvu/GPCI2025.csv"))
        g26 = gpci_rows(os.path.join(DATA, "pfs_rvu/GPCI2026.csv"))
        code = "G0439"          # HCPCS Level II: public-domain row
        a25 = answer(conf, "What is the Medicare fee for %s? DOS 11/03/2025" % code)
        a26 = answer(conf, "What is the Medicare fee for %s? DOS 08/03/2026" % code)
        ok("$32.3465" in a25 and "RVU25D" in a25, "2025 DOS priced with RVU25D, CF 32.3465", a25[:1500])
        ok("$33.4009" in a26 and "RVU26C" in a26, "2026 DOS priced with RVU26C, CF 33.4009", a26[:1500])
        w, penf, pef, mp, cf = r25[code]
        p25 = "$%.2f" % (round(w + penf + mp, 2) * cf)
        w, penf, pef, mp, cf = r26[code]
        p26 = "$%.2f" % (round(w + penf + mp, 2) * cf)
        ok(p25 != p26 and p25 in a25 and p26 in a26, "payment differs: %s (2025) vs %s (2026)" % (p25, p26))
        ok("$33.4009" not in a25 and "$32.3465" not in a26, "each date uses one release only")

        # ---- codes added / deleted between the two releases (HCPCS Level II rows)
        txt = re.sub(r"\s+", " ", answer(conf, "Medicare fee for A2040 and A9155? DOS 08/20/2026"))
        ok("A2040: new in the 2026 Jul (RVU26C) fee schedule (not in 2025 Oct (RVU25D))" in txt,
           "A2040 reported as added in RVU26C", txt[:1500])
        ok("A9155: not in the 2026 Jul (RVU26C) fee schedule used for this date; it was in 2025 Oct (RVU25D)"
           in txt, "A9155 reported as deleted in RVU26C")
        txt = re.sub(r"\s+", " ", answer(conf, "Medicare fee for A2040 and A9155? DOS 11/20/2025"))
        ok("A9155: in 2025 Oct (RVU25D), but no longer in the next loaded release" in txt and
           "A2040: not in the 2025 Oct (RVU25D) fee schedule used for this date; first in" in txt,
           "on a 2025 date: A9155 dropped later, A2040 added later", txt[:1500])

        # ---- local payment: three localities, hand calculation from the raw rows
        for place, key, dos, rows, gp in (("Manhattan", "MANHATTAN", "2025-11-03", r25, g25),
                                          ("Alaska", "ALASKA", "2026-08-03", r26, g26),
                                          ("rest of Texas", "REST OF TEXAS", "2026-08-03", r26, g26)):
            for c in ("99213", "G0439"):
                w, penf, pef, mp, cf = rows[c]
                mac, loc, gw, gpe, gmp = gp[key]
                nf = "$%.2f" % ((w * gw + penf * gpe + mp * gmp) * cf)
                f = "$%.2f" % ((w * gw + pef * gpe + mp * gmp) * cf)
                txt = answer(conf, "What does Medicare pay for %s in %s? DOS %s" % (c, place, dos))
                ok(nf in txt and f in txt and key in txt and ("MAC %s" % mac) in txt,
                   "local payment %s %s %s = %s / %s" % (c, key, dos, nf, f), txt[:1800])
        # the configured locality when the question names none
        with open(conf, "a") as fh:
            fh.write("[answers]\nlocality = 13202-01\n")
        w, penf, pef, mp, cf = r26["99213"]
        mac, loc, gw, gpe, gmp = g26["MANHATTAN"]
        want = "$%.2f" % ((w * gw + penf * gpe + mp * gmp) * cf)
        txt = re.sub(r"\s+", " ", answer(conf, "Fee for 99213? DOS 08/03/2026"))
        ok(want in txt and "the configured locality" in txt, "configured locality 13202-01 used", txt[:1500])

        # ---- denial codes: 20 explained with the X12 text and status
        x12 = {}
        for fn, kind in (("carc.tsv", "CARC"), ("rarc.tsv", "RARC")):
            with open(os.path.join(DATA, "x12", fn)) as fh:
                for line in fh.read().splitlines()[1:]:
                    c, st, text = line.split("\t", 2)
                    x12[c] = (kind, st, text)
        forms = ["CO-97", "CO 16", "PR-1", "PR-2", "PR-3", "CO-4", "CO-11", "CO-18", "OA-23",
                 "CO-45", "CO-50", "CO-B5", "CO-151", "CO-167", "CO-197", "PI-204", "CO-236",
                 "N362", "N122", "M80", "MA130", "N130", "N290", "reason code 29", "remark code N20"]
        n = 0
        for form in forms:
            bare = re.sub(r"^(?:CO|PR|OA|PI)[- ]|^(?:reason|remark) code ", "", form)
            kind, st, text = x12[bare]
            txt = answer(conf, "We got %s on the remittance, what does it mean?" % form)
            first = re.sub(r"\s+", " ", text)[:40]
            flat = re.sub(r"\s+", " ", txt)
            good = ("Denial code %s" % (form if form[:2] in ("CO", "PR", "OA", "PI") else bare).replace(" ", "-")
                    in flat and first in flat and ("status: %s" % st) in flat and
                    "could not find" not in flat.lower())
            n += good
            ok(good, "denial %s explained (%s, %s)" % (form, kind, st), flat[:700])
        ok(n >= 20, "at least 20 CARC/RARC codes explained (%d)" % n)
        txt = answer(conf, "CO-B5 came back")
        ok("DEACTIVATED" in txt, "deactivated CARC B5 said so", txt[:800])
        txt = answer(conf, "Got N362 on the EOB for 64495 x3, why?")
        ok(re.search(r"64495: MUE 1 unit", txt) and "exceed" in txt, "N362 shows the code's MUE", txt[:1500])
        txt = answer(conf, "N122 on 64495")
        ok("add-on code" in txt and "ZZZ" in txt, "N122 names the add-on code", txt[:1500])

        # ---- ICD-10-CM notes and validity
        txt = answer(conf, "Can we report dx K20.9 with K21.00 on the same claim? DOS 02/01/2026")
        ok("EXCLUDES1 CONFLICT" in txt and "K21.0-" in txt, "Excludes1 conflict K20.9 / K21.00 flagged", txt[:2000])
        txt = answer(conf, "dx K21.00 and K44.9 together?")
        ok("EXCLUDES1 CONFLICT" not in txt, "no conflict for an Excludes2 pair")
        txt = answer(conf, "dx S39.012A: what does the A mean?")
        ok("7th character A = initial encounter" in txt, "7th character explained", txt[:1500])
        # the card's sentences are sentence ids + facts in the model (templates/sentences.txt.tmpl)
        m = model(conf, "dx S39.012A: what does the A mean? DOS 03/01/2026")
        card = [s["icd10"] for s in m.get("sections", []) if isinstance(s, dict) and "icd10" in s]
        card = card[0] if card else {}
        sev = card.get("seventh", {})
        ok(sev.get("say") == "icd_seventh" and sev.get("facts") == {"char": "A", "meaning": "initial encounter"}
           and sev.get("text") == "7th character A = initial encounter.", "model: 7th character is {say, facts, text}",
           json.dumps(sev))
        notes = card.get("notes", [])
        ok(notes and all(n.get("say", "").startswith("icd_note_") and n.get("text") for n in notes) and
           any(n.get("say") == "icd_note_code_also" and n["facts"].get("at") == "S39" for n in notes),
           "model: the tabular notes are sentences (code also at S39)", json.dumps(notes)[:600])
        val = card.get("validity", {})
        ok(val.get("say") == "icd_valid" and val.get("facts", {}).get("dos") == "2026-03-01" and
           val.get("text", "").startswith("Valid in ICD-10-CM FY2026, the release in effect on 2026-03-01"),
           "model: validity is {say, facts, text} with the date of service", json.dumps(val))
        lead7 = [l for l in m.get("lead", []) if l.get("rule") == "icd-7th"]
        ok(lead7 and lead7[0].get("say") == "icd_lead_seventh" and
           lead7[0].get("text") == "S39.012A: the 7th character A means initial encounter.",
           "model: the 7th-character lead line is a sentence", json.dumps(lead7))
        m = model(conf, "dx O35.0XX0 for DOS 03/01/2026?")
        card = [s["icd10"] for s in m.get("sections", []) if isinstance(s, dict) and "icd10" in s]
        card = card[0] if card else {}
        ok(card.get("validity", {}).get("say") == "icd_deleted" and
           card.get("placeholder_text", {}).get("say") == "icd_placeholder",
           "model: deleted code and placeholder X are sentences", json.dumps(card)[:800])
        txt = answer(conf, "dx O35.0XX0 for DOS 03/01/2026?")
        ok("Deleted by FY2026" in txt and "placeholder" in txt, "deleted-by-FY2026 code said so, X placeholder",
           txt[:1500])
        txt = answer(conf, "dx U09.9 for DOS 03/01/2026?")
        ok("title not loaded" in txt and "Valid in ICD-10-CM FY2026" in txt, "FY2026 code without a title", txt[:1500])
        txt = answer(conf, "dx M54.5 for DOS 03/01/2026?")
        ok("No longer billable" in txt and "M54.50" in txt, "M54.5 no longer billable in FY2026", txt[:1500])
        lead = txt.split("\n\n")[1] if "\n\n" in txt else txt
        ok("billable;" not in lead and "; billable" not in lead and "no longer a billable code" in lead,
           "M54.5: the lead never calls the FY2021 header billable", lead)
        # a CPT number in the CY2025 RVU file but not in CY2026 (0275T): said first for a 2026
        # date, not for a 2025 one
        txt = answer(conf, "Can we still bill 0275T? DOS 08/10/2026")
        lead = txt.split("\n\n")[1] if "\n\n" in txt else txt
        ok("0275T is not in the fee schedule in effect on 2026-08-10" in lead and "RVU25D" in lead,
           "0275T: gone from the 2026 fee schedule, said in the lead", lead)
        txt = answer(conf, "What is 0275T? DOS 03/10/2025")
        ok("is not in the fee schedule" not in txt, "0275T on a 2025 date: no such line", txt[:800])
        txt = answer(conf, "RVUs for 0988T, DOS 05/10/2025?")
        ok("0988T is not in the fee schedule in effect on 2025-05-10" in txt and "first appears in" in txt,
           "0988T: not yet in the 2025 fee schedule, first in 2026", txt[:800])
        txt = answer(conf, "what does Z68.54 mean, DOS 03/01/2026?")
        lead = txt.split("\n\n")[1] if "\n\n" in txt else txt
        ok("valid in ICD-10-CM FY2026" in lead and "may have" in lead and "changed since" in lead,
           "Z68.54: a FY2021 title for a FY2026 code is flagged as possibly reworded", lead)

        # ---- purge-releases
        p = subprocess.run([BIN, "purge-releases", "--db", db, "--before", "2026-01-01"],
                           capture_output=True, text=True)
        info3 = subprocess.run([BIN, "info", "--db", db], capture_output=True, text=True).stdout
        ok(p.returncode == 0 and "RVU25D" in p.stdout and "RVU25D" not in info3.split("releases")[1]
           and "RVU26C" in info3, "purge-releases --before 2026-01-01 drops RVU25D, keeps RVU26C", p.stdout + p.stderr)
        txt = answer(conf, "What is the Medicare fee for G0439? DOS 11/03/2025")
        ok("RVU26C" in txt and "nearest loaded" in txt, "after the purge a 2025 date says the nearest release is used",
           txt[:1500])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
