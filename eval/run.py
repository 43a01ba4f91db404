#!/usr/bin/env python3
"""make eval: the consultant benchmark (see eval/FORMAT.md).

Builds the full reference DB from ../shared/data (scripts/make-data.sh) unless one is given,
turns every case of eval/cases/*.case into a message, asks `codemaild answer` for the reply
(and `codemaild answer --model` for the answer model, when the binary has it), and checks the
reply's text part against the case's required and forbidden regexes.

usage: eval/run.py [--bin build/codemaild] [--db PATH] [--cases DIR] [--only SUBSTR] [-v]
Exit status: 0 when no forbidden statement was hit and no message carrying a code, modifier
or denial code got the no-code reply; 1 otherwise; 2 on a usage or set-up error.
"""
import argparse
import email
import email.policy
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOCODE_MARK = re.compile(r"could not find a (procedure|diagnosis|code)|nothing to look up", re.I)
# What makes a message "carry a code, modifier or denial code" (then the no-code reply is a
# failure): a CPT/HCPCS/ICD-shaped token, "modifier XX" or a known modifier pair, a CARC/RARC.
CARRIES = [
    re.compile(r"\b\d{4}[0-9FTUM]\b"),                      # CPT I/II/III/PLA
    re.compile(r"\b[A-V][0-9]{4}\b"),                        # HCPCS Level II
    re.compile(r"\b[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?\b"),  # ICD-10-CM shaped
    re.compile(r"(?i)\bmodifiers?\s+-?[0-9A-Z]{2}\b"),
    re.compile(r"\b(CO|PR|OA|PI|CR)[- ]?\d{1,3}\b"),         # CARC with group
    re.compile(r"\b(N|M|MA)\d{1,3}\b"),                     # RARC
]


def parse_cases(path):
    cases, cur, key = [], None, None

    def flush():
        if cur and cur.get("id"):
            cur["question"] = cur.get("question", "").strip("\n")
            cases.append(cur)

    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.strip() == "%%":
                flush()
                cur, key = None, None
                continue
            if cur is None:
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                cur = {"file": os.path.basename(path), "line": n, "require": [], "forbid": []}
            m = re.match(r"^(id|area|topic|subject|date|require|forbid|question):\s?(.*)$", line)
            if m and (key != "question" or m.group(1) in ("require", "forbid")):
                k, v = m.group(1), m.group(2)
                if k in ("require", "forbid"):
                    cur[k].append(v)
                    key = k
                elif k == "question":
                    cur["question"] = v + "\n" if v else ""
                    key = "question"
                else:
                    cur[k] = v
                    key = k
            elif key == "question":
                cur["question"] = cur.get("question", "") + line + "\n"
    flush()
    return cases


def make_eml(case, idx):
    subj = case.get("subject") or "coding question"
    body = case["question"].replace("\r", "")
    return ("From: Eval Coder <coder%d@clinic.example>\r\n"
            "To: Coding Consultant <consult@codemaild.example>\r\n"
            "Subject: %s\r\n"
            "Date: Fri, 04 Dec 2026 09:00:00 -0500\r\n"
            "Message-ID: <eval-%d@clinic.example>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n" % (idx, subj, idx, body.replace("\n", "\r\n"))
            ).encode("utf-8")


def text_part(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    return part.get_content()


def build_db(binary, db):
    data = os.path.join(TOP, "..", "shared", "data")
    if not os.path.isdir(data):
        sys.exit("eval: ../shared/data not found")
    r = subprocess.run(["sh", os.path.join(TOP, "scripts", "make-data.sh"), binary, data, db],
                       cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.stdout.write(r.stdout.decode("utf-8", "replace"))
        sys.exit("eval: building the reference DB failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(TOP, "build", "codemaild"))
    ap.add_argument("--db")
    ap.add_argument("--cases", default=os.path.join(TOP, "eval", "cases"))
    ap.add_argument("--only")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        sys.exit("eval: no binary %s (run make)" % binary)
    tmp = tempfile.mkdtemp(prefix="codemaild-eval-")
    db = a.db or os.path.join(tmp, "codes.db")
    if not a.db:
        build_db(binary, db)
    conf = os.path.join(tmp, "eval.conf")
    with open(conf, "w") as f:
        f.write("[general]\nconsultant_address = consult@codemaild.example\nreference_db = %s\n"
                "templates = %s\nstate_db = %s/state.db\nstatus_file = %s/status\n"
                % (db, os.path.join(TOP, "templates"), tmp, tmp))

    files = sorted(os.path.join(a.cases, n) for n in os.listdir(a.cases) if n.endswith(".case"))
    cases = []
    for p in files:
        cases.extend(parse_cases(p))
    if a.only:
        cases = [c for c in cases if a.only in c["id"] or a.only in c.get("area", "")]
    if not cases:
        sys.exit("eval: no cases")
    ids = {}
    for c in cases:
        if c["id"] in ids:
            print("warning: duplicate id %s (%s:%d)" % (c["id"], c["file"], c["line"]))
        ids[c["id"]] = 1

    has_model = None
    req_total = req_hit = forb_hits = nocode_bad = 0
    topic_total = topic_hit = 0
    lines = []
    by_area = {}
    failures = []
    for i, c in enumerate(cases):
        eml = os.path.join(tmp, "q%d.eml" % i)
        with open(eml, "wb") as f:
            f.write(make_eml(c, i))
        r = subprocess.run([binary, "-c", conf, "answer", eml], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        if r.returncode != 0:
            failures.append((c, "answer exited %d: %s" % (r.returncode, r.stderr.decode()[:200])))
            text = ""
        else:
            text = text_part(r.stdout)
        model = None
        if has_model is not False:
            m = subprocess.run([binary, "-c", conf, "answer", "--model", eml],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            if m.returncode == 0:
                try:
                    model = json.loads(m.stdout)
                    has_model = True
                except ValueError:
                    model = None
            if model is None and has_model is None:
                has_model = False
        nl = len(text.rstrip("\n").split("\n")) if text else 0
        lines.append(nl)
        st = by_area.setdefault(c.get("area", "?"), [0, 0, 0, 0])
        st[0] += 1
        why = []
        for rx in c["require"]:
            req_total += 1
            st[1] += 1
            try:
                ok = re.search(rx, text, re.M) is not None
            except re.error as e:
                why.append("bad require regex %r: %s" % (rx, e))
                continue
            if ok:
                req_hit += 1
                st[2] += 1
            else:
                why.append("missing: %s" % rx)
        for rx in c["forbid"]:
            try:
                hit = re.search(rx, text, re.M)
            except re.error as e:
                why.append("bad forbid regex %r: %s" % (rx, e))
                continue
            if hit:
                forb_hits += 1
                st[3] += 1
                why.append("FORBIDDEN: %s (matched %r)" % (rx, hit.group(0)[:60]))
        q = (c.get("subject") or "") + "\n" + c["question"]
        carries = any(p.search(q) for p in CARRIES)
        nocode = bool(NOCODE_MARK.search(text)) or (model is not None and model.get("kind") == "nocode")
        if carries and nocode:
            nocode_bad += 1
            why.append("no-code reply to a message carrying a code/modifier/denial code")
        if c.get("topic"):
            topic_total += 1
            got = None
            if model is not None and model.get("retrieved"):
                got = model["retrieved"][0]     # the knowledge retrieval's top hit
            elif model is not None:
                for ld in model.get("lead") or []:
                    if isinstance(ld, dict) and ld.get("topic"):
                        got = ld["topic"]
                        break
                if got is None:
                    for sec in model.get("sections") or []:
                        if isinstance(sec, dict) and "topic" in sec and isinstance(sec["topic"], dict):
                            got = sec["topic"].get("id")
                            break
            if got == c["topic"]:
                topic_hit += 1
            else:
                why.append("topic: expected %s, got %s" % (c["topic"], got))
        if why:
            failures.append((c, "; ".join(why)))
        if a.verbose:
            print("=== %s (%s:%d) %d lines" % (c["id"], c["file"], c["line"], nl))
            print(text)
            for w in why:
                print("  !! " + w)

    n = len(cases)
    print("eval: %d cases from %d files; DB %s" % (n, len(files), db if a.db else "built from ../shared/data"))
    print("%-12s %5s %9s %9s" % ("area", "cases", "required", "forbidden"))
    for area in sorted(by_area):
        s = by_area[area]
        print("%-12s %5d %8.1f%% %9d" % (area, s[0], 100.0 * s[2] / s[1] if s[1] else 100.0, s[3]))
    for c, w in failures:
        print("  %s (%s:%d): %s" % (c["id"], c["file"], c["line"], w[:400]))
    print("required facts hit: %d/%d (%.1f%%)" % (req_hit, req_total, 100.0 * req_hit / req_total if req_total else 100.0))
    print("forbidden hits: %d" % forb_hits)
    print("no-code replies to messages with a code, modifier or denial code: %d" % nocode_bad)
    print("text lines: median %s, max %d" % (statistics.median(lines), max(lines)))
    if has_model and topic_total:
        print("topic precision@1: %d/%d (%.1f%%)" % (topic_hit, topic_total, 100.0 * topic_hit / topic_total))
    elif topic_total:
        print("topic precision@1: n/a (this binary has no 'answer --model')")
    return 0 if forb_hits == 0 and nocode_bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
