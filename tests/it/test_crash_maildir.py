"""Crash safety on Maildir: `codemaild run` is SIGKILLed at random moments while it answers
200 questions and restarted each time; at the end every question is answered exactly once,
none is lost, and every sender's charge equals the lookups answered. Then the same by step:
a kill right after fetch, after commit, after mark and after send, each resumed."""
import os
import random
import signal
import sys
import time

from cmdhelp import Instance, parse, question
from tap import diag, eq, ok

N = int(os.environ.get("CRASH_N", "200"))
CODES = ["99213", "99214", "20610", "32120", "93000", "71046", "36415", "97110", "J1745",
         "G0439", "27447", "45378", "29881", "11042", "99203", "E11.9", "I10"]
rng = random.Random(int(os.environ.get("CRASH_SEED", "20261124")))

inst = Instance()
sent_ids = []
for i in range(N):
    codes = rng.sample(CODES, rng.randint(1, 3))
    mid = f"crash-{i}@clinic{i % 7}.example"
    sent_ids.append(mid)
    inst.deliver(question(f"Coder {i} <coder{i % 13}@clinic{i % 7}.example>",
                          f"question {i}", "What is " + " and ".join(codes) + "?", mid),
                 name=f"{1790000000 + i}.M{i}.crash")

kills = 0
t_end = time.time() + 120
while time.time() < t_end:
    p = inst.start("run")
    time.sleep(rng.uniform(0.05, 0.5))
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        kills += 1
    p.wait()
    db = inst.db()
    done = db.execute("SELECT COUNT(*) FROM handled").fetchone()[0]
    queued = db.execute("SELECT COUNT(*) FROM queue WHERE state='queued'").fetchone()[0]
    db.close()
    if done == N and queued == 0 and kills >= 20:
        break
diag(f"{kills} SIGKILLs")
ok(kills >= 20, "killed at least 20 times", f"only {kills}")
# let it finish cleanly
r = inst.run("once")
ok(r.returncode == 0, "final pass exits 0", r.stderr.decode()[-300:])

db = inst.db()
eq(db.execute("SELECT COUNT(*) FROM handled").fetchone()[0], N, "every question handled once (one row each)")
eq(db.execute("SELECT COUNT(*) FROM handled WHERE outcome='answered'").fetchone()[0], N, "every question answered")
eq(db.execute("SELECT COUNT(*) FROM queue").fetchone()[0], N, "exactly one reply queued per question")
eq(db.execute("SELECT COUNT(*) FROM queue WHERE state='sent'").fetchone()[0], N, "every reply sent")
reps = inst.replies()
irts = [str(parse(raw)["In-Reply-To"]).strip("<>") for _, raw in reps]
eq(len(reps), N, "one reply file per question")
eq(sorted(irts), sorted(sent_ids), "each question has its own reply, none twice")
ok(not [n for n in os.listdir(inst.outbox) if ".tmp." in n], "no temporary file left in the outbox")
left_new = os.listdir(os.path.join(inst.inbox, "new"))
left_unseen = [n for n in os.listdir(os.path.join(inst.inbox, "cur")) if not n.endswith("S")]
eq(left_new + left_unseen, [], "no message left unhandled in the Maildir")
eq(len(os.listdir(os.path.join(inst.inbox, "cur"))), N, "no message lost or duplicated in the Maildir")
charged = dict(db.execute("SELECT sender, SUM(lookups) FROM charges GROUP BY sender").fetchall())
answered = dict(db.execute("SELECT sender, SUM(lookups) FROM handled WHERE outcome='answered' GROUP BY sender").fetchall())
eq(charged, answered, "each sender's charge equals the lookups answered")
ok(sum(answered.values()) > N, "lookups were counted")
db.close()
inst.cleanup()

# crash by step number (after isync's tests): the kill lands exactly at each step
for step in ("fetched", "committed", "marked", "sent"):
    inst = Instance()
    for i in range(5):
        inst.deliver(question(f"S <s{i}@clinic.example>", "q", "What is 99213?", f"{step}-{i}@x"),
                     name=f"{1790000000 + i}.M{i}.step")
    r = inst.run("once", env={"CODEMAILD_CRASHPOINT": step, "CODEMAILD_CRASHCOUNT": "3"})
    eq(r.returncode, -signal.SIGKILL, f"{step}: killed at the third '{step}'")
    r = inst.run("once")
    eq(r.returncode, 0, f"{step}: resumed run exits 0")
    db = inst.db()
    eq(db.execute("SELECT COUNT(*) FROM handled").fetchone()[0], 5, f"{step}: all 5 handled once")
    eq(db.execute("SELECT COUNT(*) FROM queue WHERE state='sent'").fetchone()[0], 5, f"{step}: 5 replies sent")
    eq(len(inst.replies()), 5, f"{step}: 5 reply files, no duplicate")
    db.close()
    inst.cleanup()
