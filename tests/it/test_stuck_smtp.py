"""A stuck SMTP server never freezes the daemon (issue 12, point 2).

- an SMTP server that goes silent after DATA (timeout 600 s): new questions are still
  filed (recorded and marked) while the reply hangs, and SIGTERM stops the daemon within
  5 s; after a restart every reply goes, the hung one at most once more;
- Postfix SIGSTOPped (connections accepted by the kernel, no banner): the same with the
  real IMAP source and Postfix of tests/lib/mailstack.py."""
import os
import signal
import sqlite3
import subprocess
import time

from cmdhelp import Instance, question
from mailstack import MailStack, codemaild_conf, wait_for
from smtpsink import SmtpSink
from tap import BIN, diag, eq, keep_daemon_log, ok


def stop_daemon(p):
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    return time.monotonic() - t0, rc


def db_count(path, sql):
    c = sqlite3.connect(path, timeout=10)
    try:
        return c.execute(sql).fetchone()[0]
    finally:
        c.close()


def marked(inst):
    return len([n for n in os.listdir(os.path.join(inst.inbox, "cur"))
                if ":2," in n and "S" in n.split(":2,", 1)[1]])


def silent_server():
    sink = SmtpSink("silent")
    inst = Instance(extra="[sender]\ntype = smtp\nsmtp_url = smtp://127.0.0.1:%d\nallow_plaintext = yes\n"
                          "auth = none\ntimeout = 600s\nretry_min = 1s\nretry_max = 2s\n" % sink.port)
    p = None
    try:
        inst.deliver(question("Coder 1 <coder1@clinic.example>", "silent 1", "What is 99213?",
                              "silent-1@clinic.example"))
        p = inst.start("run")
        ok(wait_for(lambda: len(sink.data_seen) >= 1, 20), "silent server: the reply's DATA is sent, "
           "the server never answers")
        t0 = time.monotonic()
        for i in range(2, 5):
            inst.deliver(question("Coder %d <coder%d@clinic.example>" % (i, i), "silent %d" % i,
                                  "What is 99214?", "silent-%d@clinic.example" % i))
        filed = wait_for(lambda: marked(inst) == 4 and
                         db_count(inst.state, "SELECT COUNT(*) FROM handled") == 4, 20)
        ok(filed, "silent server: 3 new questions are filed (recorded, marked) while the reply hangs")
        if filed:
            diag("silent server: new questions filed %.2f s after arrival" % (time.monotonic() - t0))
        eq(len(sink.accepted), 0, "silent server: nothing accepted meanwhile")
        took, rc = stop_daemon(p)
        p = None
        diag("silent server: stopped %.2f s after SIGTERM (SMTP timeout 600 s)" % took)
        ok(took < 5, "silent server: stops within 5 s of SIGTERM (%.2f s)" % took)
        eq(rc, 0, "silent server: exit 0")
        # the server answers again: every reply goes, none lost
        sink.set_mode("accept")
        rcs = []
        for _ in range(10):      # the hung reply waits for its retry time (1-2 s)
            rcs.append(inst.run("once", timeout=60).returncode)
            if rcs[-1] == 0:
                break
            time.sleep(1)
        eq(rcs[-1], 0, "after the restart passes send the queue (%r)" % rcs)
        eq(len(sink.counts()), 4, "every question's reply delivered (0 lost)")
        eq(sink.duplicates(), 0, "none delivered twice (the silent server never said 250)")
        seen_twice = len(sink.data_seen) - len(set(sink.data_seen))
        diag("silent server: DATA sent twice for %d reply (the one in flight at the hang)" % seen_twice)
        ok(seen_twice <= 4, "at most the connection window (4) sent again (%d)" % seen_twice)
    finally:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        sink.stop()
        inst.cleanup()


def postfix_pids(st):
    try:
        with open(os.path.join(st.pf_queue, "pid", "master.pid")) as f:
            master = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    pids = [master]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == master:
            pids.append(int(d))
    return pids


def signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def q(n):
    return ("From: coder2@example.test\r\nTo: consult@example.test\r\nSubject: frozen %d\r\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <frozen-%d-%d@example.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nWhat is 99213?\r\n"
            % (n, n, os.getpid()))


def stopped_postfix():
    st = MailStack().start()
    work = st.dir
    cfg = codemaild_conf(st, work, {"sender": {"timeout": "600s"}})
    log_path = os.path.join(work, "daemon.log")
    env = dict(os.environ, CODEMAILD_LOG_STDERR="1")
    pids = []
    d = None
    logf = open(log_path, "ab")
    try:
        d = subprocess.Popen([BIN, "-c", cfg, "run"], stdout=logf, stderr=logf, env=env)
        ok(wait_for(lambda: b"connected (" in open(log_path, "rb").read(), 20), "daemon connected to IMAP")
        st.append("consult", q(1))
        ok(wait_for(lambda: len(st.fetch("coder2")) == 1, 30), "a first reply goes while Postfix runs")
        pids = postfix_pids(st)
        ok(len(pids) >= 2, "Postfix master and its processes found (%d)" % len(pids))
        signal_all(pids, signal.SIGSTOP)
        for i in range(2, 6):
            st.append("consult", q(i))
        t0 = time.monotonic()
        filed = wait_for(lambda: st.count("consult", "Consult/Answered") == 5, 30, interval=0.5)
        ok(filed, "Postfix stopped: 4 new questions are filed (moved to Answered) meanwhile")
        if filed:
            diag("Postfix stopped: new questions filed %.2f s after arrival" % (time.monotonic() - t0))
        time.sleep(2)     # the sender is now waiting for a banner that never comes
        took, rc = stop_daemon(d)
        diag("Postfix stopped: daemon stopped %.2f s after SIGTERM" % took)
        ok(took < 5, "Postfix stopped: stops within 5 s of SIGTERM (%.2f s)" % took)
        eq(rc, 0, "Postfix stopped: exit 0")
        signal_all(pids, signal.SIGCONT)
        pids = []
        d = subprocess.Popen([BIN, "-c", cfg, "run"], stdout=logf, stderr=logf, env=env)
        got = wait_for(lambda: len(st.fetch("coder2")) >= 5, 90, interval=1)
        ok(got, "after Postfix resumes every reply is delivered (0 lost)")
        time.sleep(3)
        irt = [str(m["In-Reply-To"]) for m in st.fetch("coder2")]
        dup = len(irt) - len(set(irt))
        diag("Postfix stopped: %d replies for 5 questions, %d duplicates" % (len(irt), dup))
        ok(dup <= 4, "duplicates bounded by the connection window (%d <= 4)" % dup)
        eq(len(set(irt)), 5, "one reply per question")
    finally:
        signal_all(pids, signal.SIGCONT)
        if d is not None and d.poll() is None:
            d.send_signal(signal.SIGTERM)
            try:
                d.wait(20)
            except subprocess.TimeoutExpired:
                d.kill()
        logf.close()
        with open(log_path, "rb") as f:
            keep_daemon_log(f.read(), "test_stuck_smtp.py: run")
        st.stop()


silent_server()
stopped_postfix()
