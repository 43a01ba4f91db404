"""End to end on the embedded default: questions in a temporary Maildir, `codemaild once`,
replies checked header by header in the file outbox; exactly once on a second pass;
set-aside of unusable messages; `codemaild answer` resists header injection."""
import email.utils
import glob
import os
import re
import sys

from cmdhelp import Instance, parse, question, text_part
from tap import TOP, eq, ok, sensitive

inst = Instance()
qdir = os.path.join(TOP, "examples", "questions")
originals = {}
for f in sorted(glob.glob(os.path.join(qdir, "*.eml"))):
    raw = open(f, "rb").read()
    name = inst.deliver(raw, name=f"1790000000.M{len(originals)}.{os.path.basename(f)[:-4]}")
    originals[name] = parse(raw)
    sensitive(str(originals[name]["Subject"]), email.utils.parseaddr(str(originals[name]["From"]))[1])
# one message that cannot be parsed as mail, one over the size limit (set aside, not answered)
inst.deliver(b"\x00\x01\x02 this is not a mail message at all", name="1790000001.M1.garbage")

r = inst.run("once")
eq(r.returncode, 0, "once exits 0")
ok(b"answered" in r.stderr, "once logs outcomes")
reps = inst.replies()
eq(len(reps), len(originals) - 1, "one reply per question except the auto-reply")

by_irt = {}
for name, raw in reps:
    m = parse(raw)
    by_irt[str(m["In-Reply-To"])] = (name, raw, m)

for name, q in originals.items():
    qid = str(q["Message-ID"])
    if "auto-reply" in name:
        ok(qid not in by_irt, f"{name}: no reply to an auto-reply")
        continue
    if not ok(qid in by_irt, f"{name}: reply threaded to the question"):
        continue
    fname, raw, m = by_irt[qid]
    tag = name.split(".", 2)[-1]
    eq(m["From"], "Coding Consultant <consult@codemaild.example>", f"{tag}: From")
    eq(email.utils.parseaddr(str(m["To"]))[1], email.utils.parseaddr(str(q["From"]))[1], f"{tag}: To is the sender")
    subj = str(q["Subject"])
    want = "Re: " + re.sub(r"^(?:(?:re|fwd|fw)\s*:\s*)+", "", subj, flags=re.I)
    eq(str(m["Subject"]), want, f"{tag}: Subject")
    ok(qid in str(m["References"]), f"{tag}: References ends with the question")
    ok(re.fullmatch(r"<cm\.[0-9a-f]{32}@codemaild\.example>", str(m["Message-ID"])), f"{tag}: Message-ID")
    ok(email.utils.parsedate_to_datetime(str(m["Date"])) is not None, f"{tag}: Date")
    eq(str(m["Auto-Submitted"]), "auto-replied", f"{tag}: Auto-Submitted")
    eq(str(m["X-Auto-Response-Suppress"]), "All", f"{tag}: X-Auto-Response-Suppress")
    eq(str(m["X-Codemaild-Loop"]), "codemaild.example", f"{tag}: loop header")
    eq(str(m["MIME-Version"]), "1.0", f"{tag}: MIME-Version")
    eq(m.get_content_type(), "multipart/alternative", f"{tag}: multipart/alternative")
    parts = list(m.iter_parts())
    eq([p.get_content_type() for p in parts], ["text/plain", "text/html"], f"{tag}: text then html")
    ok(all(p.get_content_charset() == "utf-8" and p["Content-Transfer-Encoding"] == "quoted-printable" for p in parts), f"{tag}: UTF-8 QP parts")
    ok(b"\n" not in raw.replace(b"\r\n", b""), f"{tag}: CRLF line ends only")
    ok(max(len(l) for l in raw.split(b"\r\n")) <= 998, f"{tag}: lines <= 998 octets")
    text = text_part(m)
    ok("SAMPLE data" in text, f"{tag}: sample-data notice")
    ok("<" not in text or "<http" in text, f"{tag}: no HTML in the text part")

def reply_text(tag):
    for name, q in originals.items():
        if name.endswith(tag):
            r = by_irt.get(str(q["Message-ID"]))
            return text_part(r[2]) if r else ""
    return ""

t = reply_text("01-describe")
ok("32120" in t, "describe reply names the code")
ok("American Medical Association" in t, "CPT content carries the AMA notice")
t = reply_text("07-no-code")
ok("could not find" in t and "99214" in t, "no-code reply explains how to ask, with examples")
ok("American Medical Association" not in t, "no AMA notice without CPT content")

db = inst.db()
rows = dict(((sid.split(".", 2)[-1], (o, rs)) for sid, o, rs in db.execute("SELECT source_id, outcome, reason FROM handled")))
eq(rows.get("08-auto-reply"), ("ignored", "auto-submitted"), "auto-reply recorded as ignored:auto-submitted")
eq(rows.get("garbage", ("?", "?"))[0], "failed", "garbage recorded as failed")
ok(os.listdir(os.path.join(inst.inbox, "new")) == [], "new/ is empty")
cur = os.listdir(os.path.join(inst.inbox, "cur"))
ok(all(n.endswith(":2,RS") or n.endswith(":2,S") for n in cur), "every handled message flagged Seen")
ok(sum(n.endswith(":2,RS") for n in cur) == len(reps), "answered messages flagged Replied")
failed = os.listdir(os.path.join(inst.inbox, ".Failed", "cur"))
ok(any(n.startswith("1790000001.M1.garbage") for n in failed), "unusable message set aside in .Failed, not deleted")
eq(db.execute("SELECT COUNT(*) FROM queue WHERE state='sent'").fetchone()[0], len(reps), "queue: every reply sent")

# exactly once: a second pass answers nothing
r = inst.run("once")
eq(r.returncode, 0, "second once exits 0")
eq(len(inst.replies()), len(reps), "second pass sends nothing new")
eq(db.execute("SELECT COUNT(*) FROM handled").fetchone()[0], len(originals) + 1, "one handled row per message")

# a message moved back to new/ (e.g. by a client) is recognised, not answered again
n0 = [n for n in cur if "01-describe" in n][0]
os.rename(os.path.join(inst.inbox, "cur", n0), os.path.join(inst.inbox, "new", n0.split(":")[0]))
r = inst.run("once")
eq(len(inst.replies()), len(reps), "a re-delivered handled message is only re-marked")

# `answer` touches no state and resists header injection, raw and encoded
for label, subj in (("raw", "What is 99213?\r\nBcc: victim@evil.example"),
                    ("encoded", "=?UTF-8?B?" + __import__("base64").b64encode(b"What is 99213?\r\nBcc: victim@evil.example").decode() + "?=")):
    q = question("Eve <eve@clinic.example>", subj, "What is 99213?", f"inj-{label}@clinic.example")
    if label == "raw":   # a raw CRLF inside a header value is a folded line: make it a bare LF
        q = q.replace("99213?\r\nBcc", "99213?\nBcc")
    r = inst.run("answer", "-", input=q.encode())
    eq(r.returncode, 0, f"answer ({label} injection) exits 0")
    m = parse(r.stdout)
    ok(m["Bcc"] is None, f"answer ({label}): no injected Bcc header")
    heads = r.stdout.split(b"\r\n\r\n", 1)[0]
    ok(not re.search(rb"(?m)^Bcc:", heads), f"answer ({label}): no Bcc line in the header block")
eq(db.execute("SELECT COUNT(*) FROM handled").fetchone()[0], len(originals) + 1, "answer wrote no state")

# determinism: the same question gives the same reply Message-ID
q = question("Al <al@clinic.example>", "What is 93000?", "What is 93000?", "det@clinic.example")
a = parse(inst.run("answer", "-", input=q.encode()).stdout)["Message-ID"]
b = parse(inst.run("answer", "-", input=q.encode()).stdout)["Message-ID"]
eq(str(a), str(b), "reply Message-ID is derived from the question's identity")

inst.cleanup()
