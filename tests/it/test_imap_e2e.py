"""End to end through the real daemon (`codemaild run`, [source] type = imap, [sender]
type = smtp) on the private Dovecot + Postfix: a question sent over SMTP to
consult@example.test is answered into the sender's IMAP inbox (headers and text checked),
the question is moved to the answered folder; an oversize message and one the parser
rejects go to the failed folder without a reply; with Postfix stopped replies stay queued
(CPU idle) and leave within a minute of its return; a Dovecot restart mid-IDLE is survived."""
import email
import email.policy
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from tap import BIN, ok, eq, diag, keep_daemon_log, sensitive
from mailstack import MailStack, codemaild_conf, wait_for

Q1 = ("From: Coder One <coder1@example.test>\r\nTo: Coding Consultant <consult@example.test>\r\n"
      "Subject: What is 32120?\r\nDate: Mon, 23 Nov 2026 09:01:00 -0500\r\n"
      "Message-ID: <e2e-q1@example.test>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
      "Hi,\r\n\r\nWhat is CPT 32120? A surgeon asked me.\r\n\r\nThanks\r\n")


def question(n, frm="coder2@example.test", code="99213"):
    return ("From: %s\r\nTo: consult@example.test\r\nSubject: code %s question %d\r\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <e2e-%d-%d@example.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
            "What is %s?\r\n" % (frm, code, n, n, os.getpid(), code))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def replies(st, user, subj_prefix="Re:"):
    return [m for m in st.fetch(user) if str(m["Subject"] or "").startswith(subj_prefix)]


sensitive("What is 32120?", "A surgeon asked me")
st = MailStack().start()
work = tempfile.mkdtemp(prefix="codemaild-e2e-")
cfg = codemaild_conf(st, work, {"limits": {"message_size": "64k", "mime_depth": "5"}})
log_path = os.path.join(work, "daemon.log")
logf = open(log_path, "ab")
env = dict(os.environ, CODEMAILD_LOG_STDERR="1")
d = subprocess.Popen([BIN, "-c", cfg, "run"], stdout=logf, stderr=logf, env=env)
try:
    ok(wait_for(lambda: b"connected (" in open(log_path, "rb").read(), 15), "daemon connected to IMAP")

    # 1. the question, end to end
    t0 = time.time()
    st.send("coder1@example.test", "consult", Q1)
    got = wait_for(lambda: replies(st, "coder1"), 30)
    ok(got, "reply delivered into coder1's IMAP inbox")
    if got:
        diag("question -> reply in inbox: %.2f s" % (time.time() - t0))
        m = email.message_from_bytes(got[0].as_bytes(), policy=email.policy.default)
        eq(email.utils.parseaddr(str(m["From"]))[1], "consult@example.test", "From is the consultant")
        eq(email.utils.parseaddr(str(m["To"]))[1], "coder1@example.test", "To is the sender")
        eq(str(m["Subject"]), "Re: What is 32120?", "Subject")
        eq(str(m["In-Reply-To"]), "<e2e-q1@example.test>", "In-Reply-To")
        ok("<e2e-q1@example.test>" in str(m["References"]), "References")
        eq(str(m["Auto-Submitted"]), "auto-replied", "Auto-Submitted")
        eq(str(m["Return-Path"]), "<>", "null envelope sender")
        body = m.get_body(("plain",))
        text = body.get_content() if body else ""
        ok("32120" in text, "answer text names the code")
    ok(wait_for(lambda: st.count("consult", "Consult/Answered") == 1, 10), "question moved to Consult/Answered")
    eq(st.count("consult"), 0, "consultant inbox empty")

    # 2. oversize and unparseable: failed folder, no reply, daemon keeps going
    big = question(100, frm="coder3@example.test") + ("x" * 76 + "\r\n") * 1200   # ~95 kB > 64k
    deep = ("From: coder3@example.test\r\nTo: consult@example.test\r\nSubject: deep\r\n"
            "Message-ID: <e2e-deep@example.test>\r\nMIME-Version: 1.0\r\n")
    inner = "Content-Type: text/plain\r\n\r\nWhat is 99213?\r\n"
    for i in range(10):
        inner = ("Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n%s\r\n--b%d--\r\n"
                 % (i, i, inner, i))
    deep += inner
    st.send("coder3@example.test", "consult", big)
    st.send("coder3@example.test", "consult", deep)
    st.send("coder3@example.test", "consult", question(101, frm="coder3@example.test"))
    ok(wait_for(lambda: st.count("consult", "Consult/Failed") == 2, 20), "oversize and unparseable moved to Consult/Failed")
    ok(wait_for(lambda: len(replies(st, "coder3")) == 1, 20), "only the good question after them is answered")
    time.sleep(1)
    eq(len(replies(st, "coder3")), 1, "no reply to the failed ones")
    logtxt = open(log_path, "rb").read()
    ok(b"too-big" in logtxt and b"unparseable" in logtxt, "reasons recorded (too-big, unparseable)")

    # 2b. a burst of 40: the SMTP sessions of a drain stay open from one batch of 16 to
    # the next (curl's cache once closed them at the tail of every batch: a TLS handshake
    # and AUTH again for each), so no drain opens more than [sender] connections (4)
    # sessions. How many drains carry the 40 depends on timing (the intake wakes the
    # sender after each group it commits), so the count is checked per drain, from the
    # daemon's own "queue: N replies sent in this drain over M new SMTP sessions" lines,
    # and those M are checked against the connections Postfix saw.
    n_before = len(replies(st, "coder3"))
    connects_before = open(st.maillog).read().count(" connect from ")
    log_before = len(open(log_path, "rb").read())
    for i in range(40):
        st.append("consult", question(400 + i, frm="coder3@example.test"))
    ok(wait_for(lambda: len(replies(st, "coder3")) >= n_before + 40, 60), "a burst of 40 answered")
    time.sleep(1)
    connects = open(st.maillog).read().count(" connect from ") - connects_before
    drains = [tuple(int(x) for x in m) for m in re.findall(
        rb"queue: (\d+) replies sent in this drain over (\d+) new SMTP sessions",
        open(log_path, "rb").read()[log_before:])]
    diag("burst of 40: drains (sent, sessions) %r, Postfix connections %d" % (drains, connects))
    eq(sum(n for n, _ in drains), 40, "the daemon's drains sent the 40 replies")
    ok(drains and max(m for _, m in drains) <= 4,
       "no drain opens more than 4 SMTP sessions (sessions kept across its batches)", repr(drains))
    eq(connects, sum(m for _, m in drains), "Postfix saw as many connections as the daemon opened")

    # 3. Postfix stopped: replies stay queued, CPU idle, delivered within a minute of its return
    st.stop_postfix()
    for i in range(5):   # inject straight into the mailbox: Postfix is down
        st.append("consult", question(200 + i, frm="coder2@example.test"))
    time.sleep(4)
    c0 = cpu_seconds(d.pid)
    time.sleep(10)
    cpu = cpu_seconds(d.pid) - c0
    diag("daemon CPU while Postfix is down: %.3f s in 10 s" % cpu)
    ok(cpu < 0.5, "CPU stays idle while Postfix is down (%.2f s / 10 s)" % cpu)
    eq(st.count("consult", "Consult/Answered"), 47, "questions handled (answered) while Postfix is down")
    t_back = time.time()
    st.start_postfix()
    got = wait_for(lambda: len(replies(st, "coder2")) == 5, 60, interval=0.5)
    ok(got, "all 5 queued replies delivered within a minute of Postfix's return")
    diag("queued replies delivered %.1f s after Postfix came back" % (time.time() - t_back))

    # 4. Dovecot restarted mid-IDLE: reconnect and answer what arrived meanwhile
    st.restart_dovecot()
    st.send("coder1@example.test", "consult", question(300, frm="coder1@example.test", code="99214"))
    ok(wait_for(lambda: len(replies(st, "coder1")) == 2, 60, interval=0.5),
       "after a Dovecot restart the daemon reconnects and answers the new question")
    ok(d.poll() is None, "daemon still running")
finally:
    if d.poll() is None:
        d.send_signal(signal.SIGTERM)
        try:
            d.wait(20)
        except subprocess.TimeoutExpired:
            d.kill()
    logf.close()
    with open(log_path, "rb") as f:
        data = f.read()
    keep_daemon_log(data, "test_imap_e2e.py: run")
    if os.environ.get("E2E_SHOW_LOG"):
        sys.stdout.write(data.decode(errors="replace"))
    st.stop()
    if not os.environ.get("MAILSTACK_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
