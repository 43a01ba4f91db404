"""Crash safety of charging over IMAP/SMTP: 6 senders with a guest allowance of 8 lookups
send 88 questions (1 or 2 codes each) to a codemaild that is SIGKILLed at each step
(after fetch, after commit, after the IMAP move, between the server's 250 and our commit;
3 times each) and at 20 random moments while more questions arrive, and restarted. At the
end:
  - every question is handled exactly once (one handled row each, none left in INBOX);
  - every sender's charges equal the lookups of its answers (charged only with a queued
    reply; the allowance is never exceeded: at most 8 lookups each);
  - every sender got its answers and exactly one quota reply, each reply Message-ID
    delivered once, except the kills between 250 and commit, which the test counts."""
import os
import random
import re
import signal
import subprocess
import time

from tap import ok, eq, diag, BIN
from mailstack import wait_for
from mailstack_ext import LiveStack, Consultant, question

SENDERS = ["coder1", "coder2", "coder3", "other", "u1", "u2"]
CODES = ["99213", "99214", "99215", "93000", "36415", "97110", "G0439", "20610"]
ALLOW = 8
rng = random.Random(int(os.environ.get("CRASH_SEED", "4242")))

st = LiveStack(users=["consult"] + SENDERS).start()
con = None
try:
    con = Consultant(st, "consult", extra={"quota": {"guest": str(ALLOW), "unit": "code"},
                                           "imap": {"idle": "yes", "sweep_interval": "2s"}})
    nq = [0]

    def make(k):
        out = []
        for _ in range(k):
            a = SENDERS[nq[0] % len(SENDERS)] + "@example.test"
            codes = rng.sample(CODES, rng.randint(1, 2))
            m, _ = question(a, "consult@example.test", "crash q%d" % nq[0], "What is " + " and ".join(codes) + "?")
            out.append((a, "consult", m))
            nq[0] += 1
        return out

    st.send_many(make(24))
    ok(wait_for(lambda: st.count("consult") == 24, 30), "24 questions delivered to the consultant")

    def done():
        if not os.path.exists(con.state):
            return False
        # (a kill between the IMAP move and recording it leaves marked_at empty for good:
        # the message is no longer in INBOX, so it is never listed again)
        return (con.handled_count() == nq[0] and
                con.q("SELECT COUNT(*) FROM queue WHERE state = 'queued'")[0][0] == 0)

    def launch(env_extra):
        env = dict(os.environ, CODEMAILD_LOG_STDERR="1", **env_extra)
        logf = open(con.log, "ab")
        p = subprocess.Popen([BIN, "-c", con.conf, "run"], stdout=logf, stderr=logf, env=env)
        logf.close()
        return p

    kills = {"random": 0, "fetched": 0, "committed": 0, "marked": 0, "sent": 0}
    steps = ["fetched", "committed", "marked", "sent"]
    rnd = 0
    # by step: the daemon kills itself at the n-th pass through the step
    for step in steps * 3:
        rnd += 1
        t0 = time.monotonic()
        st.send_many(make(2))
        p = launch({"CODEMAILD_CRASHPOINT": step, "CODEMAILD_CRASHCOUNT": str(rng.randint(1, 2))})
        try:
            p.wait(6)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            diag("round %d (%s): no self-kill within 6 s" % (rnd, step))
        else:
            if p.returncode == -signal.SIGKILL:
                kills[step] += 1
    # at random moments, with new questions arriving meanwhile
    for _ in range(20):
        rnd += 1
        st.send_many(make(2))
        p = launch({})
        time.sleep(rng.uniform(0.05, 0.6))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills["random"] += 1
        p.wait()
    N = nq[0]
    diag("kills: %r in %d rounds" % (kills, rnd))
    ok(sum(kills.values()) >= 20, "killed at least 20 times", repr(kills))
    ok(all(kills[s] for s in steps), "killed at every step at least once", repr(kills))
    con.start()
    ok(wait_for(done, 60), "a clean run finishes the work")
    con.stop()

    eq(con.handled_count(), N, "every question handled exactly once")
    eq(len(set(r[3] for r in con.handled())), N, "one row per Message-ID")
    eq(st.count("consult"), 0, "nothing left in INBOX")
    eq(st.count("consult", "Consult/Answered") + st.count("consult", "Consult/Ignored"), N,
       "every question moved to a folder once")
    charged = dict(con.q("SELECT sender, SUM(lookups) FROM charges GROUP BY sender"))
    answered = {k: v for k, v in con.q("SELECT sender, SUM(lookups) FROM handled WHERE outcome = 'answered' "
                                       "GROUP BY sender") if v}
    eq(charged, answered, "charges per sender equal the lookups answered")
    eq(sorted(charged.values()), [ALLOW] * len(SENDERS), "every sender charged exactly its allowance (%d)" % ALLOW)
    eq(con.q("SELECT COUNT(*) FROM queue WHERE state != 'sent'")[0][0], 0, "every reply sent")
    quota_replies = dict(con.q("SELECT rcpt, COUNT(*) FROM queue WHERE kind = 'quota' GROUP BY rcpt"))
    eq(sorted(quota_replies.values()), [1] * len(SENDERS), "exactly one quota reply per sender")
    dup, bad = 0, []
    for s in SENDERS:
        a = s + "@example.test"
        want = set(r[0] for r in con.q("SELECT msgid FROM queue WHERE rcpt = ?", a))
        got = [str(m["Message-ID"]).strip()[1:-1] for m in st.fetch(a)]
        if set(got) != want:
            bad.append((a, sorted(got), sorted(want)))
        dup += len(got) - len(set(got))
    eq(bad, [], "each sender received exactly the replies queued for it")
    # up to [sender] connections (default 4) replies are in flight at once: one kill can
    # catch each of them between the server's 250 and our commit
    ok(dup <= 4 * (kills["sent"] + kills["random"]), "duplicate deliveries only from kills between 250 and commit",
       "%d duplicates, %d kills at 'sent', %d random" % (dup, kills["sent"], kills["random"]))
    diag("%d replies delivered twice (kill after the server's 250, before our commit)" % dup)
finally:
    if con:
        con.cleanup()
    st.stop()
