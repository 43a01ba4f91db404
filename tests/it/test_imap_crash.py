"""Crash safety on real mail: 300 questions sent over SMTP to consult@example.test while
`codemaild run` (IMAP source, SMTP sender) is SIGKILLed at random moments (at least 20
times) and restarted. At the end every question is handled once in the state DB and
answered; each reply reaches the sender exactly once, except where a kill fell between the
server's 250 and our commit of "sent" (such a reply goes out twice; counted and printed,
and never more than the number of kills). Then the same by step: a kill right after fetch,
after commit, after mark and after send, each resumed."""
import os
import shutil
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

from tap import BIN, ok, eq, diag, keep_daemon_log
from mailstack import MailStack, codemaild_conf, wait_for

N = int(os.environ.get("CRASH_N", "300"))
MIN_KILLS = int(os.environ.get("CRASH_KILLS", "20"))
rng = random.Random(int(os.environ.get("CRASH_SEED", "4242")))
CODES = ["99213", "99214", "20610", "32120", "93000", "71046", "36415", "97110"]   # all in the sample DB
USERS = ["coder1", "coder2", "coder3"]


def q(i, tag="crash"):
    frm = "%s@example.test" % USERS[i % 3]
    return frm, ("From: %s\r\nTo: consult@example.test\r\nSubject: question %d\r\n"
                 "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s-%d@example.test>\r\n"
                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
                 "What is %s?\r\n" % (frm, i, tag, i, rng.choice(CODES)))


def reply_irts(st):
    out = []
    for u in USERS:
        for m in st.fetch(u):
            irt = str(m["In-Reply-To"] or "")
            if irt:
                out.append(irt.strip("<>"))
    return out


st = MailStack().start()
work = tempfile.mkdtemp(prefix="codemaild-crash-")
cfg = codemaild_conf(st, work, {"sender": {"retry_min": "1s", "retry_max": "2s"}})
log_path = os.path.join(work, "daemon.log")
env = dict(os.environ, CODEMAILD_LOG_STDERR="1")


def start(extra_env=None):
    e = dict(env)
    e.update(extra_env or {})
    logf = open(log_path, "ab")
    p = subprocess.Popen([BIN, "-c", cfg, "run"], stdout=logf, stderr=logf, env=e)
    logf.close()
    return p


def db_counts():
    try:
        db = sqlite3.connect(os.path.join(work, "state.db"), timeout=5)
        try:
            h = db.execute("SELECT COUNT(*) FROM handled").fetchone()[0]
            qd = db.execute("SELECT COUNT(*) FROM queue WHERE state != 'sent'").fetchone()[0]
        finally:
            db.close()
        return h, qd
    except sqlite3.Error:
        return 0, 1


try:
    # questions arrive over time while the daemon is being killed
    msgs = [q(i) for i in range(N)]

    def inject():
        for b in range(0, N, 30):
            st.send_many([(frm, "consult", raw) for frm, raw in msgs[b:b + 30]])
            time.sleep(0.3)
    t = threading.Thread(target=inject)
    t.start()
    kills = 0
    t_end = time.time() + 150
    while time.time() < t_end:
        p = start()
        time.sleep(rng.uniform(0.1, 0.9))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
        h, left = db_counts()
        if kills >= MIN_KILLS and h >= N and left == 0 and not t.is_alive():
            break
    t.join()
    diag("%d SIGKILLs; handled before the final run: %d" % (kills, db_counts()[0]))
    ok(kills >= MIN_KILLS, "killed at least %d times" % MIN_KILLS, "only %d" % kills)

    # let it finish: run until everything is handled, sent and delivered
    p = start()
    ok(wait_for(lambda: db_counts() == (N, 0), 120, interval=0.5), "all %d handled and all replies sent" % N,
       repr(db_counts()))
    wait_for(lambda: len(reply_irts(st)) >= N and st.postfix_queue_count() == 0, 60, interval=1)
    p.send_signal(signal.SIGTERM)
    p.wait(20)

    db = sqlite3.connect(os.path.join(work, "state.db"))
    eq(db.execute("SELECT COUNT(*) FROM handled").fetchone()[0], N, "one handled row per question")
    eq(db.execute("SELECT COUNT(*) FROM handled WHERE outcome='answered'").fetchone()[0], N, "every question answered")
    eq(db.execute("SELECT COUNT(*) FROM queue").fetchone()[0], N, "exactly one reply queued per question")
    db.close()
    irts = Counter(reply_irts(st))
    want = set("crash-%d@example.test" % i for i in range(N))
    missing = sorted(want - set(irts))
    ok(not missing, "every question got a reply", "%d missing, e.g. %s" % (len(missing), missing[:5]))
    dups = {k: v for k, v in irts.items() if v > 1}
    diag("replies delivered twice (kill between the server's 250 and our commit): %d" % len(dups))
    ok(all(v == 2 for v in dups.values()), "no reply delivered more than twice", repr(dups))
    # up to [sender] connections (default 4) replies are in flight at once
    ok(len(dups) <= 4 * kills, "duplicates (%d) never exceed 4 x the kills (%d)" % (len(dups), kills))
    eq(st.count("consult"), 0, "consultant inbox empty")
    eq(st.count("consult", "Consult/Answered"), N, "every question in Consult/Answered")

    # by step: a kill right after each step, then a resumed run
    for step in ("fetched", "committed", "marked", "sent"):
        for u in USERS:
            st.wipe(u)
        frm, raw = q(1000, tag="step-" + step)
        st.send(frm, "consult", raw)
        wait_for(lambda: st.count("consult") == 1, 10)
        p = start({"CODEMAILD_CRASHPOINT": step})
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        ok(p.returncode == -signal.SIGKILL, "crashpoint %s: killed there" % step, str(p.returncode))
        p = start()
        got = wait_for(lambda: reply_irts(st), 30)
        time.sleep(1.5)
        p.send_signal(signal.SIGTERM)
        p.wait(20)
        n = len(reply_irts(st))
        if step == "sent":
            eq(n, 2, "crash after the 250, before the commit: the reply goes out again (expected)")
        else:
            eq(n, 1, "crash after %s: answered exactly once after restart" % step)
        eq(st.count("consult"), 0, "crash after %s: question marked after restart" % step)
finally:
    if os.path.exists(log_path):
        with open(log_path, "rb") as f:
            keep_daemon_log(f.read(), "test_imap_crash.py: run")
    st.stop()
    if not os.environ.get("MAILSTACK_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
