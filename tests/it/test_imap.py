"""IMAP source driver (src_imap.c) against a private Dovecot, through tests/tools/imapctl:
list/fetch/mark, moves into the outcome folders (created when missing), flag mode, the
size pre-check, UIDVALIDITY change, STARTTLS, bad password (fatal), IDLE latency and
reconnect after a Dovecot restart."""
import os
import subprocess
import sys
import time

from tap import ok, eq, diag
from mailstack import MailStack, make_message, wait_for

BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
IMAPCTL = os.path.join(BUILD, "tools", "imapctl")


def conf(st, path, **kw):
    v = dict(host="localhost", port=st.imaps_port, tls="implicit", ca_file=st.ca_file,
             user="consult@example.test", password_file=st.write_secret(), mailbox="INBOX",
             timeout="10s", idle="yes", sweep_interval="5m")
    v.update(kw)
    extra = v.pop("_extra", "")
    with open(path, "w") as f:
        f.write("[source]\ntype = imap\npoll_interval = 1s\n[imap]\n")
        for k, val in v.items():
            f.write("%s = %s\n" % (k, val))
        f.write(extra)
    return path


def run(cfg, *steps, timeout=60, env=None):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([IMAPCTL, cfg, *steps], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, env=e)
    return r.returncode, r.stdout, r.stderr


def items(out):
    return [ln.split()[1:] for ln in out.splitlines() if ln.startswith("item ")]


def msg(n, body="question about 99213", size_pad=0):
    return make_message("coder1@example.test", "consult@example.test", "q%d" % n,
                        body + ("\r\n" + "x" * 70) * size_pad, msgid="<q%d.%d@example.test>" % (n, time.time_ns()))


st = MailStack().start()
tmp = st.dir
try:
    cfg = conf(st, os.path.join(tmp, "imap.conf"))
    for i in range(3):
        st.append("consult", msg(i))
    rc, out, err = run(cfg, "open", "list")
    ok(rc == 0 and "open OK" in out, "open over implicit TLS with the test CA", err)
    its = items(out)
    eq(len(its), 3, "list_new lists the 3 messages")
    uidv = st.uidvalidity("consult")
    ok(all(i[0].startswith("imap:INBOX:%d:" % uidv) for i in its), "ids are imap:INBOX:<uidvalidity>:<uid>",
       repr(its))
    ok(all(int(i[1]) > 100 for i in its), "RFC822.SIZE reported before fetching", repr(its))
    uids = [i[0].rsplit(":", 1)[1] for i in its]
    eq(uids, sorted(uids, key=int), "oldest first")

    # fetch: exact bytes, BODY.PEEK keeps \Seen off
    rc, out, err = run(cfg, "open", "list", "fetch:%s" % uids[0])
    f = [ln.split() for ln in out.splitlines() if ln.startswith("fetched ")]
    ok(rc == 0 and f and int(f[0][2]) == int(its[0][1]), "fetch returns RFC822.SIZE bytes", out + err)
    m = st.imap("consult")
    m.select("INBOX", readonly=True)
    typ, data = m.uid("FETCH", uids[0], "(FLAGS)")
    m.logout()
    ok(b"\\Seen" not in data[0], "BODY.PEEK[] leaves the message unseen", repr(data))

    # mark: move into the three folders, created when missing
    rc, out, err = run(cfg, "open", "list", "mark:%s:answered" % uids[0], "mark:%s:ignored" % uids[1],
                       "mark:%s:failed" % uids[2], "list")
    ok(rc == 0 and out.count(" OK") >= 3, "mark x3", out + err)
    eq(st.count("consult", "Consult/Answered"), 1, "answered folder created and holds 1")
    eq(st.count("consult", "Consult/Ignored"), 1, "ignored folder holds 1")
    eq(st.count("consult", "Consult/Failed"), 1, "failed folder holds 1")
    eq(st.count("consult"), 0, "inbox empty after moves")
    ok("listed 0" in out.splitlines()[-1], "nothing listed after marking", out)
    rc, out, err = run(cfg, "open", "mark:%s:answered" % uids[0], env={"IMAPCTL_UIDVALIDITY": str(uidv)})
    ok(rc == 0, "mark is idempotent (message already moved)", out + err)

    # list_new after the first list: only UIDs above the last one (UID SEARCH last+1:*)
    st.append("consult", msg(10))
    rc, out, err = run(cfg, "open", "list", "list", "wait:100", "list")
    lists = [ln for ln in out.splitlines() if ln.startswith("listed")]
    eq(lists[:2], ["listed 1", "listed 0"], "second list_new returns nothing new (n:* filtered)")
    run(cfg, "open", "process")

    # flag mode: keyword instead of a move, and flagged messages are not listed again
    fcfg = conf(st, os.path.join(tmp, "flag.conf"), mark_mode="flag")
    st.append("consult", msg(20))
    rc, out, err = run(fcfg, "open", "process")
    ok(rc == 0 and "done " in out, "flag mode processes", out + err)
    rc, out, err = run(fcfg, "open", "list")
    ok("listed 0" in out, "flagged message is not listed again", out + err)
    m = st.imap("consult")
    m.select("INBOX", readonly=True)
    typ, data = m.uid("SEARCH", None, "KEYWORD", "$CodemaildAnswered")
    m.logout()
    ok(data[0].split(), "keyword $CodemaildAnswered set", repr(data))
    st.wipe("consult")

    # size pre-check: an oversize message is reported with its size and never fetched
    scfg = conf(st, os.path.join(tmp, "size.conf"), _extra="[limits]\nmessage_size = 20k\n")
    st.append("consult", msg(30, size_pad=600))   # ~43 kB
    st.append("consult", msg(31))
    rc, out, err = run(scfg, "open", "process")
    done = [ln.split() for ln in out.splitlines() if ln.startswith("done ")]
    ok(len(done) == 2 and done[0][3] == "failed" and int(done[0][2]) > 20480 and done[1][3] == "answered",
       "oversize message goes to the failed folder without a fetch", out + err)

    # bodies fetched ahead: one UID FETCH for the group, the same bytes as one at a time;
    # the message over the size limit is left out of it
    st.wipe("consult")
    for i in range(5):
        st.append("consult", msg(50 + i, size_pad=i * 10))
    st.append("consult", msg(59, size_pad=600))   # ~43 kB, over scfg's 20k
    rc, out, err = run(scfg, "open", "list", "fetchall", env=dict(os.environ, IMAPCTL_DEBUG="1"))
    ahead = {ln.split()[1]: ln.split()[3] for ln in out.splitlines() if ln.startswith("fetched ")}
    ok("5 of 5 bodies" in err and "in one UID FETCH" in err, "five bodies fetched ahead in one command",
       err[-600:])
    rc2, out2, err2 = run(scfg, "open", "list", *["fetch:%s" % i.rsplit(":", 1)[1] for i in ahead])
    single = {ln.split()[1]: ln.split()[3] for ln in out2.splitlines() if ln.startswith("fetched ")}
    ok(len(ahead) == 5 and ahead == single, "fetched ahead == fetched one by one (sha256 of 5)",
       repr(ahead) + repr(single))
    ok("status fetch" in out and "MSG_BAD" in out, "the oversize message is still refused when asked for",
       out[-400:])
    st.wipe("consult")

    # STARTTLS on the plain port
    tcfg = conf(st, os.path.join(tmp, "starttls.conf"), port=st.imap_port, tls="starttls")
    st.append("consult", msg(40))
    rc, out, err = run(tcfg, "open", "list")
    ok(rc == 0 and "listed 1" in out, "STARTTLS + verification works", out + err)
    ncfg = conf(st, os.path.join(tmp, "none.conf"), host="example.com", port=st.imap_port, tls="none",
                allow_plaintext="yes")
    rc, out, err = run(ncfg, "open")
    ok("CONN_FATAL" in out and "loopback" in out, "tls = none refused to a non-loopback host", out + err)

    # wrong password: fatal, says so
    bad = st.write_secret("badpw", "wrong")
    bcfg = conf(st, os.path.join(tmp, "bad.conf"), password_file=bad)
    rc, out, err = run(bcfg, "open")
    ok("CONN_FATAL" in out and "authentication failed" in out, "bad password is CONN_FATAL", out + err)
    ok("wrong" not in out + err and st.password not in out + err, "no password in the output")

    # XOAUTH2 (Dovecot's oauth2 passdb asks the stack's userinfo endpoint)
    st.add_oauth_token("consult", "ya29.test-token-1")
    xcfg = conf(st, os.path.join(tmp, "xo.conf"), auth="xoauth2",
                oauth2_token_file=st.write_secret("token", "ya29.test-token-1"))
    rc, out, err = run(xcfg, "open")
    ok(rc == 0 and "open OK" in out, "XOAUTH2 with a token file", out + err)
    xcfg = conf(st, os.path.join(tmp, "xo2.conf"), auth="xoauth2",
                oauth2_token_command="echo ya29.test-token-1")
    rc, out, err = run(xcfg, "open")
    ok(rc == 0 and "open OK" in out, "XOAUTH2 with a token command", out + err)
    xcfg = conf(st, os.path.join(tmp, "xo3.conf"), auth="xoauth2",
                oauth2_token_file=st.write_secret("badtoken", "ya29.expired"))
    rc, out, err = run(xcfg, "open")
    ok("CONN_FATAL" in out and "authentication failed" in out, "XOAUTH2 with a bad token is CONN_FATAL", out + err)
    ok("ya29" not in out + err, "no token in the output")
    xcfg = conf(st, os.path.join(tmp, "xo4.conf"), auth="xoauth2", oauth2_token_command="exit 2")
    rc, out, err = run(xcfg, "open")
    ok("CONN_FATAL" in out and "token command failed" in out, "failing token command is CONN_FATAL", out + err)

    # UIDVALIDITY change on a non-INBOX mailbox
    st.append("consult", msg(50), folder="Questions")
    qcfg = conf(st, os.path.join(tmp, "q.conf"), mailbox="Questions", sweep_interval="1s")
    p = subprocess.Popen([IMAPCTL, qcfg, "open", "list", "wait:1500", "wait:1500", "list", "list"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.7)
    st.reset_uidvalidity("consult", "Questions")
    st.append("consult", msg(51), folder="Questions")
    out, err = p.communicate(timeout=60)
    ok("BOX_BAD" in out and "UIDVALIDITY" in out, "UIDVALIDITY change reported as BOX_BAD once", out + err)
    new_uidv = st.uidvalidity("consult", "Questions")
    ok(out.count("BOX_BAD") == 1 and out.strip().splitlines()[-1] == "listed 1" and
       "item imap:Questions:%d:1 " % new_uidv in out, "then lists under the new UIDVALIDITY", out)

    # IDLE: a new message wakes wait() quickly
    st.wipe("consult")
    p = subprocess.Popen([IMAPCTL, cfg, "open", "loop:12"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(1.5)
    t_send = time.time()
    st.send("coder1@example.test", "consult", msg(60))
    time.sleep(1.0)
    # Dovecot restarted mid-IDLE: the driver reconnects (back-off from 1 s) and sweeps
    st.restart_dovecot()
    st.send("coder1@example.test", "consult", msg(61))
    out, err = p.communicate(timeout=60)
    done = [ln.split() for ln in out.splitlines() if ln.startswith("done ")]
    diag("loop output: " + out.replace("\n", " | "))
    ok(len(done) >= 1, "IDLE loop handled the first message", out + err)
    if done:
        lat = float(done[0][4]) - t_send
        diag("IDLE latency (SMTP accept -> driver done): %.3f s" % lat)
        ok(lat < 2.0, "IDLE wakes up within 2 s (%.3f s)" % lat)
    eq(len(done), 2, "after a Dovecot restart mid-IDLE the driver reconnected and handled the next one")
    ok("connected" in err and err.count("connected (") >= 2, "reconnect logged", err[-500:])
finally:
    st.stop()
