"""Corpus: `codemaild parse --jsonl` over the 275 real MIME messages in $SHARED/corpus/mime,
scored with the corpus's own compare.py against expected.jsonl (Python's email package).
Zero crashes, every line valid JSON, subject >= 98% and body_text >= 95% agreement on the
"certain" columns."""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

from tap import ok, eq, skip, diag, BIN, SHARED

CORPUS = os.path.join(SHARED, "corpus", "mime")
THRESHOLDS = {"subject": 98.0, "body_text": 95.0}

files = sorted(glob.glob(os.path.join(CORPUS, "*", "*.eml")))
if not files:
    skip("corpus", "no corpus at %s" % CORPUS)
    sys.exit(0)

eq(len(files), 275, "corpus has 275 messages")
p = subprocess.run([BIN, "parse", "--jsonl"] + files, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, timeout=120)
ok(p.returncode in (0, 65), "parse --jsonl exits 0 or EX_DATAERR (no crash)",
   "exit %d: %s" % (p.returncode, p.stderr[-500:]))
lines = p.stdout.decode("utf-8").splitlines()   # raises (fails the test) on invalid UTF-8
eq(len(lines), len(files), "one line per message")
bad = 0
recs = []
for ln in lines:
    try:
        r = json.loads(ln)
        recs.append(r)
    except ValueError:
        bad += 1
eq(bad, 0, "every line is valid JSON")
ok(all("file" in r and "subject" in r and "body_text" in r for r in recs),
   "every record has file, subject, body_text")
errs = [r for r in recs if "error" in r]
diag("%d messages set aside with an error: %s" % (len(errs), ", ".join(
    "%s (%s)" % (os.path.relpath(r["file"], CORPUS), r["error"]) for r in errs)))
ok(len(errs) <= 10, "at most 10 corpus messages set aside", "%d" % len(errs))

# one process per message too: a crash in one cannot hide behind the others
crashes = []
for f in files:
    q = subprocess.run([BIN, "parse", f], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=30)
    if q.returncode not in (0, 65):
        crashes.append((f, q.returncode))
eq(crashes, [], "no crash parsing each message alone")

with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
    fh.write(p.stdout.decode("utf-8"))
    cand = fh.name
try:
    c = subprocess.run([sys.executable, os.path.join(CORPUS, "compare.py"),
                        os.path.join(CORPUS, "expected.jsonl"), cand],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
finally:
    os.unlink(cand)
out = c.stdout.decode("utf-8", "replace")
table = {}
for ln in out.splitlines():
    m = re.match(r"^(subject|from_addr|message_id|in_reply_to|body_text)\s+(\d+)\s+(\d+)\s+"
                 r"([\d.]+)%\s+(\d+)\s+(\d+)\s+([\d.]+)%", ln)
    if m:
        table[m.group(1)] = (int(m.group(2)), int(m.group(3)), float(m.group(4)),
                             int(m.group(5)), int(m.group(6)), float(m.group(7)))
for ln in out.splitlines()[:14]:
    diag(ln)
eq(sorted(table), sorted(["subject", "from_addr", "message_id", "in_reply_to", "body_text"]),
   "compare.py printed the table")
for field, want in THRESHOLDS.items():
    got = table.get(field, (0, 0, 0.0, 0, 0, 0.0))[5]
    ok(got >= want, "%s agreement on certain records >= %.0f%% (got %.1f%%)" % (field, want, got))
for field in ("from_addr", "message_id", "in_reply_to"):
    got = table.get(field, (0, 0, 0.0, 0, 0, 0.0))[5]
    ok(got >= 95.0, "%s agreement on certain records >= 95%% (got %.1f%%)" % (field, got))

# ---- the command line itself: single file, stdin, directory, exit codes
one = files[0]
p = subprocess.run([BIN, "parse", one], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
eq(p.returncode, 0, "parse FILE exits 0")
r = json.loads(p.stdout.decode("utf-8"))
want = {"subject", "from_addr", "from_name", "to", "message_id", "in_reply_to", "references",
        "date", "body_text", "body_source", "question_text", "quoted_text", "signature",
        "attachments", "codes", "intents", "commands", "dates", "skipped", "warnings"}
eq(sorted(want - set(r)), [], "parse FILE prints every field")
ok("error" not in r and "file" not in r, "no error and no file field for a good single file")
with open(one, "rb") as fh:
    p2 = subprocess.run([BIN, "parse", "-"], stdin=fh, stdout=subprocess.PIPE, timeout=30)
eq(json.loads(p2.stdout.decode("utf-8")), r, "parse - reads stdin, same result")
d = os.path.join(CORPUS, "cpython")
p = subprocess.run([BIN, "parse", "--jsonl", d], stdout=subprocess.PIPE, timeout=60)
got = [json.loads(x)["file"] for x in p.stdout.decode("utf-8").splitlines()]
eq(got, sorted(os.path.join(d, x) for x in os.listdir(d) if not x.startswith(".")),
   "parse --jsonl DIR: every file, sorted, path as found")
p = subprocess.run([BIN, "parse", "--jsonl", "/nonexistent/x.eml", one], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, timeout=30)
eq(p.returncode, 66, "unreadable file: EX_NOINPUT")
ls = p.stdout.decode("utf-8").splitlines()
eq(len(ls), 2, "unreadable file: still one line per input")
ok("error" in json.loads(ls[0]) and "error" not in json.loads(ls[1]),
   "unreadable file: its line carries the error, the next file is parsed")
with tempfile.NamedTemporaryFile("wb", suffix=".eml", delete=False) as fh:
    fh.write(b"no header here\n")
    nohdr = fh.name
p = subprocess.run([BIN, "parse", nohdr], stdout=subprocess.PIPE, timeout=30)
os.unlink(nohdr)
eq(p.returncode, 65, "message with an error: EX_DATAERR")
ok(json.loads(p.stdout.decode("utf-8")).get("error"), "message with an error: JSON says why")
p = subprocess.run([BIN, "parse"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
eq(p.returncode, 64, "no argument: EX_USAGE")
p = subprocess.run([BIN, "parse", files[0], files[1]], stdout=subprocess.PIPE, timeout=30)
ls = p.stdout.decode("utf-8").splitlines()
eq([json.loads(x)["file"] for x in ls], files[:2], "several files without --jsonl: one line each")
