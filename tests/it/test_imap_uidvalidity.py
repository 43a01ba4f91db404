"""UIDVALIDITY change through the daemon (`codemaild once`, IMAP source in flag mode on a
mailbox that is deleted and recreated with the same messages): the stored UIDs are void,
the messages come back under new ids, are re-matched by Message-ID + hash and never
answered twice; a genuinely new question in the recreated mailbox is answered."""
import os
import shutil
import subprocess
import tempfile

from tap import BIN, ok, eq, keep_daemon_log
from mailstack import MailStack, codemaild_conf, wait_for


def q(n):
    return ("From: coder1@example.test\r\nTo: consult@example.test\r\nSubject: uidv %d\r\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <uidv-%d@example.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nWhat is 9921%d?\r\n" % (n, n, 3 + n % 2))


def once(cfg, log):
    r = subprocess.run([BIN, "-c", cfg, "once"], capture_output=True, timeout=120,
                       env=dict(os.environ, CODEMAILD_LOG_STDERR="1"))
    log.append(r.stderr)
    return r


st = MailStack().start()
work = tempfile.mkdtemp(prefix="codemaild-uidv-")
logs = []
try:
    cfg = codemaild_conf(st, work, {"imap": {"mailbox": "Questions", "mark_mode": "flag"}})
    for n in (1, 2):
        st.append("consult", q(n), folder="Questions")
    uidv1 = st.uidvalidity("consult", "Questions")
    r = once(cfg, logs)
    ok(r.returncode == 0, "first once answers", r.stderr.decode()[-400:])
    ok(wait_for(lambda: len(st.fetch("coder1")) == 2, 20), "two replies delivered")

    # the mailbox is recreated: same messages, new UIDVALIDITY, our keywords gone
    st.reset_uidvalidity("consult", "Questions")
    for n in (1, 2, 3):
        st.append("consult", q(n), folder="Questions")
    uidv2 = st.uidvalidity("consult", "Questions")
    ok(uidv2 != uidv1, "UIDVALIDITY changed (%d -> %d)" % (uidv1, uidv2))
    r = once(cfg, logs)
    err = r.stderr.decode(errors="replace")
    ok(r.returncode == 0, "second once runs", err[-400:])
    ok(err.count("rematched") == 2, "the two old questions are re-matched by Message-ID + hash", err[-800:])
    ok(wait_for(lambda: len(st.fetch("coder1")) == 3, 20), "only the new question is answered")
    r = once(cfg, logs)
    eq(len(st.fetch("coder1")), 3, "a third pass answers nothing more")
    m = st.imap("consult")
    m.select('"Questions"', readonly=True)
    typ, data = m.uid("SEARCH", None, "KEYWORD", "$CodemaildAnswered")
    m.logout()
    eq(len(data[0].split()), 3, "all three carry the answered keyword under the new UIDVALIDITY")
finally:
    keep_daemon_log(b"".join(logs), "test_imap_uidvalidity.py: once")
    st.stop()
    shutil.rmtree(work, ignore_errors=True)
