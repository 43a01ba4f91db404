"""Knowledge topics end to end with the real binary: `knowledge lint` (file:line errors, exit
codes), `check-config` on the override directory, `import knowledge` (versioned in `info`,
refused topics leave the live DB alone, the office's override wins, also for the modifier
guide, confusions and CPT notes; an old DB without those tables still answers), and replies: a rule
question with no code answered by a topic with its Source lines, the "outside our sources"
reply, the keyword code search, and the daemon answering two rule questions from one sender
the same day (only real no-code replies are limited to one a day)."""
import os
import re
import shutil
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cmdhelp import Instance, parse, question, text_part  # noqa: E402
from tap import BIN, SHARED, TOP, diag, eq, ok, skip  # noqa: E402

KDIR = os.path.join(TOP, "knowledge")
SAMPLE = os.path.join(TOP, "data", "sample", "codes.db")


def run(*args, conf=None):
    cmd = [BIN] + (["-c", conf] if conf else ["-c", "/dev/null"]) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def topic(d, area, tid, title, triggers, answer, source="Test Manual | ch.1 §1 | 2025", extra=""):
    os.makedirs(os.path.join(d, area), exist_ok=True)
    with open(os.path.join(d, area, tid + ".topic"), "w") as f:
        f.write(f"id: {tid}\ntitle: {title}\narea: {area}\nscope: medicare\ntriggers: {triggers}\n"
                f"effective: 2021-01-01\n{extra}" + (f"source: {source}\n" if source else "") +
                f"\nanswer:\n{answer}\n")


def reply_text(inst, subject, body):
    path = os.path.join(inst.dir, "q.eml")
    with open(path, "w") as f:
        f.write(question("Pat Coder <pat@clinic.example>", subject, body, f"k{os.getpid()}@clinic.example"))
    r = inst.run("answer", path)
    ok(r.returncode == 0, f"answer: {body[:40]}")
    return text_part(parse(r.stdout))


tmp = os.path.join("/tmp", f"codemaild-knowledge-{os.getpid()}")
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)

# ---- lint -------------------------------------------------------------------------------
r = run("knowledge", "lint", KDIR)
eq(r.returncode, 0, "lint: the shipped topics are valid")
ok("ok (" in r.stdout and "topics)" in r.stdout, "lint: prints the topic count", r.stdout)

bad = os.path.join(tmp, "bad")
topic(bad, "billing", "no-source", "A topic without a source", "nothing", "Some answer.", source=None)
topic(bad, "billing", "bad-date", "A bad date", "nothing", "Some answer.", extra="expires: 2020-13-01\n")
topic(bad, "billing", "odd-field", "An unknown field", "nothing", "Some answer.", extra="payer: Acme\n")
r = run("knowledge", "lint", bad)
eq(r.returncode, 65, "lint: errors exit EX_DATAERR")
ok(f"{bad}/billing/no-source.topic:1: no source" in r.stderr, "lint: topic without a source, file:line", r.stderr)
ok(f"{bad}/billing/bad-date.topic:7: expires: '2020-13-01' is not a date" in r.stderr, "lint: bad date, file:line")
ok(f"{bad}/billing/odd-field.topic:7: unknown field 'payer'" in r.stderr, "lint: unknown field, file:line")
ok("knowledge: 3 errors" in r.stderr, "lint: counts the errors")

dup = os.path.join(tmp, "dup")
topic(dup, "billing", "same", "One", "one", "One.")
topic(dup, "modifiers", "same", "Two", "two", "Two.")
r = run("knowledge", "lint", dup)
ok(r.returncode == 65 and "duplicate id 'same'" in r.stderr, "lint: duplicate ids across areas", r.stderr)

# ---- check-config runs the lint on the override directory ---------------------------------
conf = os.path.join(tmp, "bad.conf")
with open(conf, "w") as f:
    f.write(f"[general]\ntemplates = {os.path.join(TOP, 'templates')}\n[answers]\nknowledge_override = {bad}\n")
r = run("check-config", conf=conf)
eq(r.returncode, 78, "check-config: a bad override topic is a config error (EX_CONFIG)")
ok(f"{bad}/billing/no-source.topic:1: no source" in r.stderr, "check-config: reports the topic's file:line")

# ---- import: versioned, refused topics change nothing, the override wins ------------------
db = os.path.join(tmp, "codes.db")
shutil.copy(SAMPLE, db)
r = run("info", "--db", db)
ok("knowledge" in r.stdout and "topics" in r.stdout, "info: the sample DB holds the knowledge dataset", r.stdout[-600:])
before = os.stat(db).st_ino
r = run("import", "--db", db, "knowledge", bad)
eq(r.returncode, 65, "import: a bad topic refuses the whole import")
ok(re.search(r"/bad/billing/[a-z-]+\.topic:\d+: ", r.stderr) and "the live DB was not changed" in r.stderr,
   "import: says why, file:line", r.stderr)
eq(os.stat(db).st_ino, before, "import: the live DB is untouched")

local = os.path.join(tmp, "local")
topic(local, "modifiers", "mod-50", "Bilateral procedures under our payer contract",
      "bilateral | both knees", "Our payer wants two lines with RT and LT for every bilateral procedure.")
# the office's modifier guide rows (modifiers.tsv) win by mod; they may name our topics
with open(os.path.join(local, "modifiers.tsv"), "w") as f:
    f.write("# ours\nmod\tmeaning\tgoes_on\twhen\ttopic\n"
            "50\tBilateral, as our payer wants it.\tthe procedure code\ttwo lines under our contract\tmod-50\n")
# ... and so do its modifier confusions (by mod and with) and CPT modifier notes (by mod)
with open(os.path.join(local, "modifier_confusions.tsv"), "w") as f:
    f.write("mod\twith\twhy\nGA\tGZ\tour payer wants GZ whenever the ABN is missing or unsigned\n")
with open(os.path.join(local, "cpt_modifiers.tsv"), "w") as f:
    f.write("mod\tmeaning\n22\tIncreased procedural services, with the operative report attached for our payer\n")
goodconf = os.path.join(tmp, "good.conf")
with open(goodconf, "w") as f:
    f.write(f"[general]\nreference_db = {db}\ntemplates = {os.path.join(TOP, 'templates')}\n"
            f"[answers]\nknowledge_override = {local}\n")
r = run("check-config", conf=goodconf)
eq(r.returncode, 0, "check-config: a valid override directory passes")
r = run("import", "--db", db, "knowledge", KDIR, conf=goodconf)
eq(r.returncode, 0, "import knowledge with the override directory")
r = run("info", "--db", db)
line = [l for l in r.stdout.splitlines() if l.startswith("knowledge")]
ok(line and "topics (1 local)" in line[0], "info: topic count with the local ones", "\n".join(line))
ok("sha256" in r.stdout, "info: content hash shown")
ok("modifier guide: 25 modifiers" in r.stdout, "info: the modifier guide is in", r.stdout[-300:])
con = sqlite3.connect(db)
rows = dict((m, (t, o)) for m, t, o in con.execute("SELECT mod, meaning, origin FROM kn_modifier"))
con.close()
eq(rows.get("50"), ("Bilateral, as our payer wants it.", 1), "modifiers.tsv: the office's row wins")
eq(rows.get("25", ("", 9))[1], 0, "modifiers.tsv: rows the office does not name stay ours")
ok("modifier confusions: 29" in r.stdout and "CPT modifier notes: 23 modifiers" in r.stdout,
   "info: the modifier confusions and CPT notes are in", r.stdout[-400:])
con = sqlite3.connect(db)
conf_rows = list(con.execute("SELECT with_, why, origin FROM kn_mod_confusion WHERE mod = 'GA' ORDER BY ord"))
notes = dict((m, (t, o)) for m, t, o in con.execute("SELECT mod, meaning, origin FROM kn_cpt_modifier"))
con.close()
eq([(w, o) for w, _, o in conf_rows], [("GZ", 1), ("GY", 0)],
   "modifier_confusions.tsv: the office's GA/GZ row replaces ours in its place")
eq(notes.get("22", ("", 9))[1], 1, "cpt_modifiers.tsv: the office's row wins")
eq(notes.get("52", ("", 9))[1], 0, "cpt_modifiers.tsv: rows the office does not name stay ours")
# importing another dataset keeps the modifier data, the office's rows and their order
cfdb = os.path.join(tmp, "copyforward.db")
shutil.copy(db, cfdb)
rc = run("import", "--db", cfdb, "lay", os.path.join(TOP, "data", "sample", "modifiers.tsv"))
ok(rc.returncode == 0, "import lay into a DB with knowledge", rc.stderr[-300:])
con = sqlite3.connect(cfdb)
eq(list(con.execute("SELECT with_, why, origin FROM kn_mod_confusion WHERE mod = 'GA' ORDER BY ord")), conf_rows,
   "another import copies kn_mod_confusion forward")
eq(dict((m, (t, o)) for m, t, o in con.execute("SELECT mod, meaning, origin FROM kn_cpt_modifier")), notes,
   "another import copies kn_cpt_modifier forward")
con.close()
# a malformed modifiers.tsv refuses the import with file:line, like a bad topic
badmod = os.path.join(tmp, "badmod")
shutil.copytree(KDIR, badmod)
with open(os.path.join(badmod, "modifiers.tsv"), "a") as f:
    f.write("2a\tNot a modifier.\tx\ty\t\n")
before = os.stat(db).st_ino
rb = run("import", "--db", db, "knowledge", badmod, conf=goodconf)
eq(rb.returncode, 65, "import: a bad modifiers.tsv row refuses the import")
ok(re.search(r"/badmod/modifiers\.tsv:\d+: mod '2a' is not 2 upper-case", rb.stderr), "import: modifiers.tsv file:line", rb.stderr[-500:])
eq(os.stat(db).st_ino, before, "import: the live DB is untouched (bad modifiers.tsv)")
rb = run("knowledge", "lint", badmod)
eq(rb.returncode, 65, "lint: a bad modifiers.tsv row is an error")
ok(re.search(r"/badmod/modifiers\.tsv:\d+: mod '2a'", rb.stderr), "lint: modifiers.tsv file:line", rb.stderr[-500:])
# a malformed row of the other two files too
for name, row, msg in (("modifier_confusions.tsv", "GA\tGA\tx\n", r"with 'GA' names the mod itself"),
                       ("cpt_modifiers.tsv", "22\tagain\n", r"duplicate mod '22'")):
    badf = os.path.join(tmp, "bad-" + name.split(".")[0])
    shutil.copytree(KDIR, badf)
    with open(os.path.join(badf, name), "a") as f:
        f.write(row)
    rb = run("import", "--db", db, "knowledge", badf, conf=goodconf)
    eq(rb.returncode, 65, f"import: a bad {name} row refuses the import")
    ok(re.search(re.escape(f"{badf}/{name}:") + r"\d+: " + msg, rb.stderr), f"import: {name} file:line", rb.stderr[-500:])
    rb = run("knowledge", "lint", badf)
    ok(rb.returncode == 65 and re.search(re.escape(f"{badf}/{name}:") + r"\d+: " + msg, rb.stderr),
       f"lint: a bad {name} row, file:line", rb.stderr[-500:])
eq(os.stat(db).st_ino, before, "import: the live DB is untouched (bad confusions, bad notes)")
r2 = run("info", "--db", db)
eq(r2.stdout.count("sha256"), r.stdout.count("sha256"), "info: stable")

inst = Instance(reference_db=db)
t = reply_text(inst, "kq1 subject", "which modifier for a bilateral procedure on both knees?")
ok("Bilateral procedures under our payer contract" in t, "override: the office's topic answers", t[:800])
ok("two lines with RT and LT" in t and "Source: Test Manual ch.1 §1 (2025)" in t, "override: its text and source")
ok("could not find" not in t, "override: not a no-code reply")
# the office's words are in the reply: a confusion of GA and a CPT modifier note
t = reply_text(inst, "kq3 subject", "GA or GY?")
flat = " ".join(t.split())
ok("not GZ: our payer wants GZ whenever the ABN is missing or unsigned." in flat,
   "override: the office's confusion text for GA is in the reply", t[:1500])
ok("no ABN was given" not in flat, "override: our GA/GZ text is not", t[:1500])
ok("not GY: GY is for a service excluded by law" in flat, "override: our other GA row stays")
t = reply_text(inst, "kq4 subject", "what does modifier 22 mean?")
flat = " ".join(t.split())
ok("with the operative report attached for our payer" in flat, "override: the office's CPT note for 22", t[:1200])
inst.cleanup()

# a reference DB built before the confusions and notes existed still answers a modifier question
olddb = os.path.join(tmp, "old.db")
shutil.copy(db, olddb)
con = sqlite3.connect(olddb)
con.execute("DROP TABLE kn_mod_confusion")
con.execute("DROP TABLE kn_cpt_modifier")
con.commit()
con.close()
r = run("info", "--db", olddb)
ok("modifier confusions: missing" in r.stdout and "CPT modifier notes: missing" in r.stdout
   and "modifier guide: 25 modifiers" in r.stdout, "info: an old DB says the tables are missing", r.stdout[-500:])
inst = Instance(reference_db=olddb)
t = reply_text(inst, "kq5 subject", "GA or GY?")
flat = " ".join(t.split())
ok("Modifiers" in t and "GA" in t and "GY" in t and "Mixed up with" not in t,
   "old DB: GA or GY is answered, without confusions", t[:1500])
t = reply_text(inst, "kq6 subject", "what does modifier 22 mean?")
flat = " ".join(t.split())
ok("a CPT modifier codemaild has no notes on" in flat and "operative report" not in flat,
   "old DB: modifier 22 is answered without a note", t[:1200])
inst.cleanup()

# ---- replies on the shipped sample DB ------------------------------------------------------
inst = Instance()
t = reply_text(inst, "kq2 subject", "do we need the JW modifier when part of a single-dose vial is thrown away?")
# the modifier's own facts answer first; the JW/JZ topic follows as a pointer with its source
ok(t.split("\n", 2)[2].startswith("* JW") and "discarded" in t, "topic: the JW question answered first", t[:1500])
ok("Source: Medicare Claims Processing Manual (Pub. 100-04) ch.17 §40" in t, "topic: its Source line", t[:1500])
ok("In short:" not in t and "Guidance:" not in t, "topic: no 'In short' list")
ok("could not find" not in t and "outside what I can answer" not in t, "topic: no no-code boilerplate")

t = reply_text(inst, "kq3 subject", "What are the credentialing requirements for a dental hygienist license renewal in Texas?")
ok("outside what I can answer from my sources" in t, "outside: said plainly", t[:1200])
ok("Medicare Administrative Contractor (MAC)" in t and "AMA's CPT Network" in t and "payer" in t,
   "outside: where to ask (MAC, payer, AMA CPT Network)")
ok("What is 99214?" not in t, "outside: no generic examples")

t = reply_text(inst, "kq4 subject", "hello, I have a question about coding in general")
ok("I could not find a procedure or diagnosis code" in t, "nocode: a message that asks nothing keeps the no-code reply")

t = reply_text(inst, "kq5 subject", "what is the ICD-10 code for osteoarthritis of the right knee?")
ok("M17.11" in t and "Unilateral primary osteoarthritis, right knee" in t, "search: ICD-10-CM title match", t[:1500])
ok("ICD-10-CM, billable" in t, "search: billable flag")
inst.cleanup()

# ---- the daemon: two rule questions from one sender, the same day --------------------------
inst = Instance()
inst.deliver(question("Pat Coder <pat@clinic.example>", "kq-daemon-one subject", "what modifier for an unrelated visit during the global period after surgery?", "g1@clinic.example"))
inst.deliver(question("Pat Coder <pat@clinic.example>", "kq-daemon-two subject", "when do I need an ABN and the GA modifier?", "g2@clinic.example"))
r = inst.run("once")
reps = inst.replies()
eq(len(reps), 2, "daemon: both rule questions answered (not limited as no-code notices)")
texts = [text_part(parse(raw)) for _, raw in reps]
ok(any("global" in x.lower() and "Source:" in x and "modifier 24" in x.lower().replace("(24)", "modifier 24") for x in texts), "daemon: global surgery topic")
ok(any("ABN" in x and "GA" in x for x in texts), "daemon: ABN topic")
inst.cleanup()

# ---- keyword search on the full reference DB, when the genuine files are there -------------
data = os.path.join(SHARED, "data")
if not os.path.isdir(data):
    skip("full DB keyword search", f"no {data}")
else:
    full = os.path.join(tmp, "full.db")
    r = subprocess.run(["sh", os.path.join(TOP, "scripts", "make-data.sh"), BIN, data, full],
                       capture_output=True, text=True, timeout=600)
    if ok(r.returncode == 0, "make-data builds the full DB with the knowledge step", r.stderr[-400:]):
        ok("make-data: knowledge:" in r.stdout, "make-data: imports knowledge/")
        inst = Instance(reference_db=full)
        t = reply_text(inst, "kq6 subject", "ICD-10 code for type 2 diabetes with CKD")
        ok("E11.22" in t and "Type 2 diabetes mellitus with diabetic chronic kidney disease" in t,
           "search: E11.22 for type 2 diabetes with CKD", t[:1500])
        t = reply_text(inst, "kq7 subject", "HCPCS for walker")
        ok("E0130" in t and "Walker, rigid (pickup)" in t, "search: HCPCS walkers", t[:1500])
        # a FY2021 title whose code is a header in FY2026 (M54.5 split into M54.50/51/59) is
        # never offered as billable
        t = reply_text(inst, "kq9 subject", "What is the ICD-10 code for low back pain?")
        ok("M54.5" in t and "ICD-10-CM, billable" not in t and "NOT billable today" in t
           and "M54.50" in t and "M54.59" in t, "search: M54.5 not billable in FY2026, its codes named", t[:1500])
        t = reply_text(inst, "kq8 subject", "HCPCS code for a zebra-striped unicorn saddle")
        ok("no code title in the loaded data matches" in t.lower() or "outside what i can answer" in t.lower(),
           "search: nothing invented when no title matches", t[:800])
        inst.cleanup()

shutil.rmtree(tmp, ignore_errors=True)
