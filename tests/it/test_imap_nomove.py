"""IMAP driver on servers without MOVE (UID COPY + UID STORE \\Deleted + UID EXPUNGE) and
without MOVE and UIDPLUS (copy and \\Deleted only: never a bare EXPUNGE; \\Deleted messages
are not listed again), and polling without IDLE. Dovecot is told to advertise fewer
capabilities (imap_capability); the commands the driver sends are checked in its log."""
import os
import subprocess
import time

from tap import ok, eq
from mailstack import MailStack, make_message, wait_for

BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
IMAPCTL = os.path.join(BUILD, "tools", "imapctl")
BASE = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ AUTH=PLAIN"


def conf(st, name, **kw):
    v = dict(host="localhost", port=st.imaps_port, tls="implicit", ca_file=st.ca_file,
             user="consult@example.test", password_file=st.write_secret(), timeout="10s")
    v.update(kw)
    path = os.path.join(st.dir, name)
    with open(path, "w") as f:
        f.write("[source]\ntype = imap\npoll_interval = 1s\n[imap]\n" + "".join("%s = %s\n" % kv for kv in v.items()))
    return path


def run(cfg, *steps):
    r = subprocess.run([IMAPCTL, cfg, "open", *steps], capture_output=True, text=True, timeout=60)
    return r.stdout + r.stderr


def q(n):
    return make_message("coder1@example.test", "consult@example.test", "nm%d" % n, "What is 99213?",
                        msgid="<nm%d.%d@example.test>" % (n, time.time_ns()))


st = MailStack(imap_capability=BASE + " IDLE UIDPLUS").start()
try:
    cfg = conf(st, "a.conf")
    st.append("consult", q(1))
    st.append("consult", q(2))
    out = run(cfg, "process", "list")
    ok("connected (TLS, IDLE, UIDPLUS)" in out, "server advertises UIDPLUS but not MOVE", out)
    ok(out.count("done ") == 2 and "\nlisted 0\n" in out, "no MOVE: both processed, nothing listed after", out)
    eq(st.count("consult", "Consult/Answered"), 2, "no MOVE: copied into Consult/Answered")
    eq(st.count("consult"), 0, "no MOVE: removed from INBOX with UID EXPUNGE")

    st.set_imap_capability(BASE)   # neither MOVE nor UIDPLUS nor IDLE
    st.append("consult", q(3))
    m = st.imap("consult")   # a message someone else marked \\Deleted stays: we never EXPUNGE it
    m.select("INBOX")
    m.append("INBOX", "(\\Deleted)", None, q(4).encode())
    m.logout()
    out = run(cfg, "process", "list")
    ok("connected (TLS)" in out, "server advertises neither MOVE, UIDPLUS nor IDLE", out)
    ok(out.count("done ") == 1, "the \\Deleted message is not listed; the other is processed", out)
    eq(st.count("consult", "Consult/Answered"), 3, "no UIDPLUS: copied into Consult/Answered")
    eq(st.count("consult"), 2, "no UIDPLUS: nothing expunged (ours is \\Deleted, the other untouched)")
    m = st.imap("consult")
    m.select("INBOX", readonly=True)
    typ, data = m.uid("SEARCH", None, "DELETED")
    m.logout()
    eq(len(data[0].split()), 2, "both remaining messages carry \\Deleted; no bare EXPUNGE was sent")

    # polling without IDLE: a message appended while waiting is picked up within poll_interval
    p = subprocess.Popen([IMAPCTL, cfg, "open", "loop:5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    t0 = time.time()
    st.append("consult", q(5))
    out, err = p.communicate(timeout=30)
    done = [ln.split() for ln in out.splitlines() if ln.startswith("done ")]
    ok(len(done) == 1 and float(done[0][4]) - t0 < 2.5, "no IDLE: polled within poll_interval (1 s)", out + err)
finally:
    st.stop()
