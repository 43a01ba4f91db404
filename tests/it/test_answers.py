"""Answers a coder can use: every question in tests/answers/*.eml is answered by
`codemaild answer` against the bundled sample reference DB AND against a full DB imported
from the genuine CMS/CDC files in $SHARED/data (built once per run with the importers); the
text part must contain every fact listed for that DB in tests/answers/expect.json and none
of the forbidden ones. Facts are true values of the data (MUE values, indicators, RVUs,
PTP rows); no CPT descriptor text is asserted. Also: the AMA notice exactly when CPT content
is shown, the sender's words never quoted back, HTML without scripts or remote images."""
import email
import email.policy
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from cmdhelp import Instance
from tap import BIN, SHARED, TOP, diag, eq, ok, skip

ADIR = os.path.join(TOP, "tests", "answers")
DATA = os.path.join(SHARED, "data")
AMA = "CPT(R) is a registered trademark"

IMPORTS = [
    ("hcpcs", ["hcpcs/HCPC2026_JAN_ANWEB_01122026.txt"]),
    ("icd10cm", ["icd10cm/icd10cm-order-Jan-2021.txt"]),
    ("ncci-ptp", ["ncci_ptp/ccipra-v322r0-f1.excerpt.txt"]),
    ("mue", ["mue/MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"]),
    ("pfs-rvu", ["pfs_rvu/PPRRVU2025_Oct.txt"]),
    ("gem", ["crosswalk/2018_I10gem.txt", "crosswalk/2018_I9gem.txt"]),
    ("knowledge", [os.path.join(TOP, "knowledge")]),   # our topics (absolute: not under DATA)
]


def build_full(tmp):
    db = os.path.join(tmp, "full.db")
    t0 = time.time()
    for kind, files in IMPORTS:
        r = subprocess.run([BIN, "import", "--quiet", "--db", db, kind] + [os.path.join(DATA, f) for f in files],
                           capture_output=True, timeout=300)
        if not ok(r.returncode == 0, f"full DB: import {kind}"):
            diag(r.stderr.decode(errors="replace")[-400:])
            return None
    diag(f"full DB built in {time.time() - t0:.1f}s")
    return db


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


def parts(raw):
    m = email.message_from_bytes(raw, policy=email.policy.default)
    t = m.get_body(("plain",))
    h = m.get_body(("html",))
    return (t.get_content() if t else ""), (h.get_content() if h else "")


def question_lines(path):
    m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    b = m.get_body(("plain", "html"))
    return b.get_content() if b else ""


expect = json.load(open(os.path.join(ADIR, "expect.json")))
emls = sorted(glob.glob(os.path.join(ADIR, "*.eml")))
ok(len(emls) >= 60, f"at least 60 questions in tests/answers ({len(emls)})")
eq(sorted(os.path.basename(p)[:-4] for p in emls), sorted(expect), "every question has its expectations and vice versa")

tmp = tempfile.mkdtemp(prefix="codemaild-answers-")
dbs = [("sample", os.path.join(TOP, "data", "sample", "codes.db"))]
if not os.path.isdir(DATA):
    skip("full DB", f"no {DATA}")
else:
    full = build_full(tmp)
    if full:
        dbs.append(("full", full))

covered_intents = set()


def eml(q, subject="question"):
    return ("From: Pat Coder <pat@clinic.example>\r\nTo: consult@codemaild.example\r\n"
            f"Subject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <model-check@clinic.example>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=UTF-8\r\n\r\n{q}\r\n").encode()


# (question, expected kind, lead rules that must appear (in order of first appearance),
#  regexes on the lead texts, regexes that must not match the whole reply text)
MODEL_CASES = [
    ("What is 72291?", "answer", ["notfound"], [r"72291 is not in the loaded releases"], [r"could not find a", r"7229[02-9]", r"(?i)nearest"]),
    ("What happened to codes 72291-72292?", "answer", ["notfound"], [r"72291"], [r"72295"]),
    ("What happened to codes 99200-99206?", "answer", ["range", "notfound"], [r"The range 99200-99206 is not expanded"], [r"9920[2-5]"]),
    ("GA or GY?", "answer", ["modinfo-compare"], [r"GA or GY: GA = .*ABN", r"GY = "], [r"not a modifier in the loaded data"]),
    ("Is KU still valid for K0005?", "answer", ["modinfo"], [r"KU \(Level II\).*effective 2007-07-01"], [r"not a modifier in the loaded data"]),
    ("When is 26 used?", "answer", ["modinfo"], [r"26 \(CPT\): Professional component"], []),
    ("Can we bill 64495 x3 on the same date?", "answer", ["mue", "addon"], [r"64495: MUE 1 per day \(MAI 2, date-of-service edit", r"3 units on one date exceed it"], []),
    ("Is 17003 payable alone?", "answer", ["addon"], [r"17003 is an add-on code.*N122"], []),
    ("reading 71046 only, modifier 26 or TC?", "answer", ["modinfo-compare", "pctc"], [r"-26 \(professional, 0\.31 RVUs\) and -TC \(technical, 0\.70 RVUs\)"], []),
    ("Can I bill 20610 with 99214, which modifier?", "answer", ["em-modifier"], [r"modifier 25 on 99214"], [r"25 on 20610"]),
    ("DOS 01/05/2020, can I bill G2211?", "answer", ["dos-outside"], [r"^Date of service 2020-01-05 is BEFORE G2211 took effect \(2021-01-01, HCPCS 2026 Q1"], []),
    ("Is A4397 still valid? DOS 01/15/2024", "answer", ["dos-outside"], [r"AFTER A4397 ended"], []),
    ("We got RTP code 12345 on our claim for 99213", "answer", ["describe"], [r"99213"], [r"12345"]),
    ("Revenue code 0450 with 99284 in the ER", "answer", [], [r"99284"], [r"0450 \(", r"(?i)global 090"]),
    ("We got CO-97 denial, what now?", "answer", [], [], [r"could not find a"]),
    ("hello, a general question about coding", "nocode", [], [], []),
]


def level2_modifiers(inst, db):
    """Every 8th Level II modifier of the HCPCS file, asked about alone: explained, never
    called unknown, never the no-code reply."""
    import sqlite3
    mods = [r[0] for r in sqlite3.connect(db).execute("SELECT DISTINCT mod FROM hcpcs_mod ORDER BY mod")]
    ok(len(mods) > 300, f"modifiers: the HCPCS file's modifier rows are loaded ({len(mods)})")
    bad = []
    for m in mods[::8]:
        path = os.path.join(inst.dir, "m.eml")
        with open(path, "wb") as f:
            f.write(eml(f"what does modifier {m} mean?"))
        text, _ = parts(inst.run("answer", path).stdout)
        if (f"{m} (Level II)" not in text or "not a modifier in the loaded" in text or
                "could not find a procedure" in text):
            bad.append(m)
    ok(not bad, f"modifiers: {len(mods[::8])} Level II modifiers asked alone are explained ({bad[:5]})")


# sentence ids: the calls that name one, and the argument that does
SAY_CALLS = {"ap_say": 3, "ap_j_say": 2, "ap_say_new": 0, "ap_a_say": 1, "fact": 1}

def _args(s, i):
    """The arguments of the call whose '(' is s[i], as source text."""
    depth, cur, out, j = 0, "", [], i
    while j < len(s):
        ch = s[j]
        if ch == '"':
            k = j + 1
            while s[k] != '"':
                k += 2 if s[k] == "\\" else 1
            cur += s[j:k + 1]; j = k + 1; continue
        if ch == "'":
            k = j + 1
            while s[k] != "'":
                k += 2 if s[k] == "\\" else 1
            cur += s[j:k + 1]; j = k + 1; continue
        if ch in "([{":
            depth += 1
            if depth == 1:
                j += 1; continue
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                out.append(cur); return out
        elif ch == "," and depth == 1:
            out.append(cur); cur = ""; j += 1; continue
        cur += ch; j += 1
    return out

def used_ids():
    """The sentence ids the answer builders (src/answer*.c) name."""
    ids = set()
    for f in glob.glob(os.path.join(TOP, "src", "answer*.c")):
        s = open(f).read()
        for m in re.finditer(r"\b(%s)\s*\(" % "|".join(SAY_CALLS), s):
            if re.match(r"\s*(struct|const)\b", s[m.end():]):
                continue                        # a definition
            a = _args(s, m.end() - 1)
            if len(a) > SAY_CALLS[m.group(1)]:
                ids |= set(re.findall(r'"([a-z][a-z0-9_]*)"', a[SAY_CALLS[m.group(1)]]))
        for st in re.findall(r'\bsay = ([^;]*);', s):          # say = cond ? "a" : "b";
            ids |= set(re.findall(r'"([a-z][a-z0-9_]*)"', st))
        ids |= set(re.findall(r'\{ "\w+", "(icd_note_\w+)"', s))  # answer_facts.c's note table
    return ids

def defined_ids():
    """The top-level sections of templates/sentences.txt.tmpl."""
    s = open(os.path.join(TOP, "templates", "sentences.txt.tmpl")).read()
    depth, ids = 0, []
    for m in re.finditer(r"\{\{([#^/!]?)\s*([^}]*)\}\}", s):
        k = m.group(1)
        if k == "!":
            continue
        if k in ("#", "^"):
            if depth == 0 and k == "#":
                ids.append(m.group(2))
            depth += 1
        elif k == "/":
            depth -= 1
    return set(ids)

def sentence_ids():
    """Every sentence id the C code names has its section in sentences.txt.tmpl (else a
    reply would fail at render time), and every section is used (no dead wording)."""
    used, have = used_ids(), defined_ids()
    ok(len(used) > 100 and not (used - have),
       f"sentences: the {len(used)} ids the builders name have a section (missing {sorted(used - have)})")
    ok(not (have - used), f"sentences: every section of sentences.txt.tmpl is used (unused {sorted(have - used)})")


def override_instance(db, prefix):
    """An instance on db whose templates_override is a new empty directory (returned too)."""
    odir = tempfile.mkdtemp(prefix=prefix)
    inst = Instance(reference_db=db, extra="")
    with open(inst.conf) as f:
        conf = f.read()
    with open(inst.conf, "w") as f:
        f.write(conf.replace("[source]", f"templates_override = {odir}\n[source]", 1))
    return inst, odir


def lead_sentences(db):
    """The lead sentences live in templates/sentences.txt.tmpl: the model carries the rule id, the
    sentence id and the facts; an admin's copy in templates_override rewords a sentence
    (facts kept); an override that lacks the sentence is a clear error, not a silent blank;
    and no answer builder keeps a sentence or pre-wrapped lines of its own."""
    inst, odir = override_instance(db, "codemaild-lead-")
    path = os.path.join(inst.dir, "q.eml")
    with open(path, "wb") as f:
        f.write(eml("Can we bill 64495 x3 on the same date?"))
    r = inst.run("answer", "--model", path)
    m = json.loads(r.stdout) if r.returncode == 0 else {}
    mue = [l for l in m.get("lead", []) if l.get("rule") == "mue"]
    ok(mue and mue[0].get("say") == "mue" and mue[0].get("facts", {}).get("value") == 1
       and mue[0]["facts"].get("units") == 3 and mue[0]["facts"].get("over") is True,
       "lead sentences: the model carries the sentence id and the facts (MUE 1, 3 units, over)")
    ok(mue and "3 units on one date exceed it" in mue[0].get("text", ""),
       "lead sentences: answer --model fills the text from sentences.txt.tmpl")
    with open(os.path.join(TOP, "templates", "sentences.txt.tmpl")) as f:
        src = f.read()
    mine = src.replace("{{#over}}:", "{{#over}}: TOO MANY, you asked for", 1)
    with open(os.path.join(odir, "sentences.txt.tmpl"), "w") as f:
        f.write(mine)
    text, html = parts(inst.run("answer", path).stdout)
    ok(re.search(r"^\* 64495: MUE 1 per day \(MAI 2, date-of-service edit, policy\): TOO MANY,\r?\n"
                 r"  you asked for 3 units on one date exceed it", text, re.M),
       "lead sentences: an admin's sentences.txt.tmpl rewords the line, wrapped under '* '")
    ok("TOO MANY, you asked for 3 units" in html, "lead sentences: the HTML part shows the same words")
    with open(os.path.join(odir, "sentences.txt.tmpl"), "w") as f:
        f.write(re.sub(r"\{\{#mue\}\}.*?\{\{/mue\}\}\n", "", src, flags=re.S))
    r = inst.run("answer", path)
    ok(r.returncode != 0 and b"sentences.txt.tmpl:0: no sentence for 'mue' (the shipped" in r.stderr,
       "lead sentences: an override without a shipped sentence is refused with a clear error")
    r = inst.run("check-config")
    ok(r.returncode != 0 and b"no sentence for 'mue'" in r.stdout + r.stderr,
       "lead sentences: check-config catches the override that lacks a sentence (before a reload)")
    inst.cleanup()
    shutil.rmtree(odir, ignore_errors=True)
    srcs = "".join(open(p).read() for p in glob.glob(os.path.join(TOP, "src", "answer*.c")))
    ok("_lines" not in srcs and "ap_lead_add" not in srcs,
       "lead sentences: no builder keeps pre-wrapped *_lines keys or printf lead sentences")
    tm = "".join(open(p).read() for p in glob.glob(os.path.join(TOP, "templates", "*.tmpl")))
    ok("_lines}}" not in tm, "templates: text is wrapped by {{x|wrap:N}}, not by *_lines keys")


def said(o, out):
    """{say: [text, ...]} of every {say, facts} object of a model, at any depth"""
    if isinstance(o, list):
        for v in o:
            said(v, out)
    elif isinstance(o, dict):
        if "say" in o and "facts" in o:
            out.setdefault(o["say"], []).append(o.get("text", ""))
        for v in o.values():
            said(v, out)
    return out


def card_sentences(db):
    """The sentences inside the code cards (status on the date, dose unit, ICD-10-CM
    validity, 7th character, tabular notes, codes below a header, the not-found card) are
    sentence ids + facts in the model, their words in templates/sentences.txt.tmpl: an admin's
    copy rewords them in both parts; answer_facts.c, answer_card.c and answer_notfound.c
    keep no sentence of their own (sentence_ids() checks that every id has its section)."""
    inst, odir = override_instance(db, "codemaild-card-")
    path = os.path.join(inst.dir, "q.eml")
    want = {
        "What is J0696?": {"status_active": r"^active on \d{4}-\d\d-\d\d \(in effect since \d{4}-\d\d-\d\d\)$",
                           "dose_unit": r"^1 unit = 250 mg$"},
        "ICD-10 E11 billable?": {"icd_children": r"^Billable codes below it \(\d+\): E11\.00, E11\.01, .*, \.\.\. and \d+ more$"},
        "What is E11.9?": {"icd_valid": r"^Valid in ICD-10-CM FY2021, the release in effect today\.$"},
        "What is 72291?": {"notfound_card": r"^72291 is not in the loaded releases \(.*\): it may have been deleted"},
    }
    for q, says in want.items():
        with open(path, "wb") as f:
            f.write(eml(q))
        r = inst.run("answer", "--model", path)
        got = said(json.loads(r.stdout), {}) if r.returncode == 0 else {}
        for sid, rx in says.items():
            ok(any(re.search(rx, t) for t in got.get(sid, [])),
               f"card sentences: {q!r} carries {sid} with its text /{rx}/ (got {got.get(sid)})")
    with open(os.path.join(TOP, "templates", "sentences.txt.tmpl")) as f:
        src = f.read()
    mine = src.replace("1 unit = {{dose}}", "one billing unit is {{dose}}", 1)
    mine = mine.replace("Valid in ICD-10-CM {{release}}, the release", "In ICD-10-CM {{release}}, the edition", 1)
    ok("one billing unit" in mine and "the edition" in mine, "card sentences: the override edits apply")
    with open(os.path.join(odir, "sentences.txt.tmpl"), "w") as f:
        f.write(mine)
    for q, words in (("What is E11.9?", "In ICD-10-CM FY2021, the edition in effect today."),
                     ("What is J0696?", "one billing unit is 250 mg")):
        with open(path, "wb") as f:
            f.write(eml(q))
        text, html = parts(inst.run("answer", path).stdout)
        ok(words in norm(text) and words in norm(html),
           f"card sentences: an admin's sentences.txt.tmpl rewords {words!r} in both parts")
    inst.cleanup()
    shutil.rmtree(odir, ignore_errors=True)
    cs = {n: open(os.path.join(TOP, "src", n)).read() for n in ("answer_facts.c", "answer_card.c", "answer_notfound.c")}
    for n, c in cs.items():
        left = [w for w in ("Valid in ICD-10-CM", "character %c", "placeholder:", "EXCLUDES1", "not valid on",
                            "NOT YET", "active on", "1 unit =", "below it", "is not in the loaded", "Local payment",
                            "fee schedule", "Medicare amount", "should not be reported", "never together")
                if w in c]
        ok(not left, f"card sentences: {n} keeps no sentence of its own (found {left})")


def model_checks(inst):
    for q, kind, rules, texts, forbid in MODEL_CASES:
        name = q[:40]
        path = os.path.join(inst.dir, "q.eml")
        with open(path, "wb") as f:
            f.write(eml(q))
        r = inst.run("answer", "--model", path)
        if not ok(r.returncode == 0, f"model/{name}: answer --model exits 0"):
            diag(r.stderr.decode(errors="replace")[-300:])
            continue
        m = json.loads(r.stdout)
        eq(m.get("kind"), kind, f"model/{name}: kind {kind}")
        lead = m.get("lead", [])
        eq(bool(m.get("has_lead")), bool(lead), f"model/{name}: has_lead matches lead")
        got = [l.get("rule") for l in lead]
        first = []
        for g in got:
            if g not in first:
                first.append(g)
        ok(all(x in got for x in rules) and [x for x in first if x in rules] == rules,
           f"model/{name}: lead rules {rules} (got {got})")
        ok(len(lead) <= 6, f"model/{name}: at most 6 lead lines")
        joined = "\n".join(l.get("text", "") for l in lead)
        for t in texts:
            ok(re.search(t, joined, re.M), f"model/{name}: lead says /{t}/")
        rr = inst.run("answer", path)
        text, _ = parts(rr.stdout)
        for f in forbid:
            ok(not re.search(f, text), f"model/{name}: reply has not /{f}/")
        ok(isinstance(m.get("release"), list) and (kind == "nocode" or m["release"]),
           f"model/{name}: the releases that answered are named")
for label, db in dbs:
    inst = Instance(reference_db=db)
    for path in emls:
        name = os.path.basename(path)[:-4]
        e = expect.get(name, {})
        r = inst.run("answer", path)
        if not ok(r.returncode == 0 and r.stdout, f"{label}/{name}: answered"):
            diag(r.stderr.decode(errors="replace")[-300:])
            continue
        text, html = parts(r.stdout)
        flat = norm(text)
        for key in ("both", label):
            for fact in e.get(key, {}).get("must", []):
                if not ok(norm(fact) in flat, f"{label}/{name}: has {fact!r}"):
                    diag(text[:3000])
            for fact in e.get(key, {}).get("must_not", []):
                ok(norm(fact) not in flat, f"{label}/{name}: has not {fact!r}")
        if "cpt" in e and label == "full":
            eq(AMA in text, e["cpt"], f"{label}/{name}: AMA notice {'shown' if e['cpt'] else 'absent'}")
        if e.get("quote"):
            ok(e["quote"] not in text and e["quote"] not in html, f"{label}/{name}: the question is not quoted back")
        ok("<script" not in html.lower() and not re.search(r"<img|src\s*=\s*[\"']?https?:", html, re.I),
           f"{label}/{name}: HTML has no scripts or remote images")
        # the answer comes first: lead lines ("* ...") right after the greeting, or the
        # no-code reply; the old "In short" list of section names is gone
        body = text.split("\n", 2)[2] if text.count("\n") >= 2 else text
        ok(body.startswith("* ") or "could not find" in text, f"{label}/{name}: lead first or no-code reply")
        ok("In short:" not in text, f"{label}/{name}: no 'In short' list")
        # the HTML part opens with the same lead: one <li> per "* " line, before any section
        # heading, and a Source line exactly where the text part has one (knowledge lines)
        if body.startswith("* "):
            tlead = body.replace("\r\n", "\n").split("\n\n", 1)[0]
            hl = re.search(r"border-left:4px solid #2b6cb0;[^>]*>\s*<ul[^>]*>(.*?)</ul>", html, re.S)
            if ok(hl is not None and ("<h3" not in html or html.index("<h3") > hl.start()),
                  f"{label}/{name}: HTML lead list first"):
                eq(hl.group(1).count("<li"), len(re.findall(r"^\* ", tlead, re.M)),
                   f"{label}/{name}: HTML lead has the text's lines")
                eq(hl.group(1).count(">Source: "), len(re.findall(r"^  Source: ", tlead, re.M)),
                   f"{label}/{name}: HTML lead Sources as in the text")
        # length budget: a one-question reply stays under 60 lines (claims and multi-question
        # messages may take more)
        if e.get("budget", 60):
            n = len(text.splitlines())
            ok(n < e.get("budget", 60), f"{label}/{name}: {n} lines < {e.get('budget', 60)}")
        for m in re.finditer(r"^([A-Z][A-Za-z ,/()-]+)\n(-+)$", text, re.M):
            if len(m.group(1)) != len(m.group(2)):
                ok(False, f"{label}/{name}: heading rule matches {m.group(1)!r}")
        # aligned text: no line of a table is wider than 100 columns
        wide = [l for l in text.splitlines() if len(l) > 100 and not l.startswith("  * ") and not l.startswith("Data:")]
        ok(not wide, f"{label}/{name}: text lines fit a fixed-width reader")
        if wide:
            diag(wide[0])
    if label == "full":
        model_checks(inst)
        level2_modifiers(inst, db)
        lead_sentences(db)
        sentence_ids()
        card_sentences(db)
    inst.cleanup()
shutil.rmtree(tmp, ignore_errors=True)
