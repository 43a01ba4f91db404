"""SMTP sender (smtp.c) against a private Postfix, through tests/tools/smtpsend:
delivery over submission+STARTTLS and smtps with AUTH, null sender, one connection per
batch, and the classification: Postfix stopped -> TEMP, 4xx -> TEMP, 5xx -> PERM with the
server's text, bad password -> PAUSE, no STARTTLS offered -> PAUSE."""
import os
import re
import socket
import subprocess
import threading
from collections import Counter

from tap import ok, eq
from mailstack import MailStack, free_port, wait_for

BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SMTPSEND = os.path.join(BUILD, "tools", "smtpsend")


def conf(st, name, **kw):
    v = dict(smtp_url="smtp://localhost:%d" % st.submission_port, user="consult@example.test",
             password_file=st.write_secret(), ca_file=st.ca_file, timeout="10s", envelope_from="")
    v.update(kw)
    path = os.path.join(st.dir, name)
    with open(path, "w") as f:
        f.write("[sender]\ntype = smtp\n" + "".join("%s = %s\n" % kv for kv in v.items()))
    return path


def send(st, cfg, rcpt="coder1@example.test", count=1, subject="t", many=None):
    msgf = os.path.join(st.dir, "m.eml")
    with open(msgf, "w") as f:
        f.write("From: consult@example.test\nTo: %s\nSubject: %s\nAuto-Submitted: auto-replied\n\n"
                ".leading dot line\nhello\n" % (rcpt, subject))
    r = subprocess.run([SMTPSEND, cfg, rcpt, msgf, str(count)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120, env=dict(os.environ, **({"SMTPSEND_MANY": str(many)} if many else {})))
    return r.stdout + r.stderr


def no_starttls_server():
    port = free_port()
    srv = socket.socket()
    srv.bind(("127.0.0.1", port))
    srv.listen(1)
    got = []

    def run():
        c, _ = srv.accept()
        c.sendall(b"220 plain ESMTP\r\n")
        f = c.makefile("rb")
        for ln in f:
            got.append(ln)
            if ln.upper().startswith(b"EHLO"):
                c.sendall(b"250-plain\r\n250 AUTH PLAIN\r\n")
            elif ln.upper().startswith(b"QUIT"):
                c.sendall(b"221 bye\r\n")
                break
            else:
                c.sendall(b"502 no\r\n")
        c.close()
        srv.close()
    threading.Thread(target=run, daemon=True).start()
    return port, got


st = MailStack().start()
try:
    sub = conf(st, "sub.conf")
    out = send(st, sub, subject="via submission")
    ok("send 1 OK" in out, "submission + STARTTLS + AUTH PLAIN delivers", out)
    msgs = wait_for(lambda: [m for m in st.fetch("coder1") if m["Subject"] == "via submission"], 15)
    ok(msgs, "reply arrived in the recipient's IMAP inbox")
    if msgs:
        eq(msgs[0]["Return-Path"], "<>", "null envelope sender <> (RFC 3834)")
        body = msgs[0].get_payload()
        ok(body.startswith(".leading dot line"), "a leading dot survives (curl dot-stuffing)", repr(body[:40]))
    out = send(st, conf(st, "smtps.conf", smtp_url="smtps://localhost:%d" % st.smtps_port, auth="login",
                        envelope_from="consult@example.test"), subject="via smtps")
    ok("send 1 OK" in out, "smtps + AUTH LOGIN delivers", out)
    msgs = wait_for(lambda: [m for m in st.fetch("coder1") if m["Subject"] == "via smtps"], 15)
    ok(msgs and msgs[0]["Return-Path"] == "<consult@example.test>", "configured envelope sender used")

    st.add_oauth_token("consult", "ya29.smtp-token")
    out = send(st, conf(st, "xo.conf", auth="xoauth2", oauth2_token_file=st.write_secret("tok", "ya29.smtp-token")),
               subject="via xoauth2")
    ok("send 1 OK" in out, "submission + AUTH XOAUTH2 delivers", out)
    out = send(st, conf(st, "xobad.conf", auth="xoauth2", oauth2_token_file=st.write_secret("tok2", "ya29.bad")))
    ok("send 1 PAUSE" in out, "XOAUTH2 with a bad token -> PAUSE", out)

    # one connection per batch
    out = send(st, sub, count=5, subject="batch")
    ok(out.count(" OK ") == 5, "5 messages in a batch", out)
    ok(wait_for(lambda: len([m for m in st.fetch("coder1") if m["Subject"] == "batch"]) == 5, 15),
       "all 5 delivered")
    log = open(st.maillog).read()
    # count smtpd connections that carried the batch: one "connect from" followed by 5 queue ids
    sessions = re.findall(r"smtpd\[(\d+)\]: [0-9A-F]+: client=", log)
    ok(max(Counter(sessions).values()) >= 5, "the batch reused one connection", repr(Counter(sessions)))

    # parallel sessions (send_many, 8 connections, batches of 16 as the daemon drains):
    # every session is kept from one batch to the next; curl's cache once closed the ones
    # beyond 4 at the tail of each batch, and the next batch opened them again
    before = open(st.maillog).read().count(" connect from ")
    out = send(st, conf(st, "many.conf", connections="8"), count=48, subject="many", many=16)
    ok(out.count(" OK ") == 48, "48 messages over send_many", out[-300:])
    connects = open(st.maillog).read().count(" connect from ") - before
    ok(1 <= connects <= 8, "48 messages in 3 batches over at most 8 sessions (%d)" % connects)

    # classification
    out = send(st, sub, rcpt="nobody-here@example.test")
    ok("send 1 PERM" in out and "550" in out and "nobody-here" in out,
       "unknown recipient: 5xx -> PERM with the server text", out)
    out = send(st, sub, rcpt="policy-reject@example.test")
    ok("send 1 PERM" in out and "554 5.7.1" in out and "rejected by local policy" in out, "554 -> PERM with text", out)
    out = send(st, sub, rcpt="tempfail@example.test")
    ok("send 1 TEMP" in out and "451" in out, "451 -> TEMP", out)
    out = send(st, conf(st, "bad.conf", password_file=st.write_secret("bad", "wrong-password")))
    ok("send 1 PAUSE" in out and "535" in out, "bad password: 535 -> PAUSE", out)
    ok("wrong-password" not in out, "password not printed")
    out = send(st, conf(st, "nofile.conf", password_file=os.path.join(st.dir, "missing")))
    ok("send 1 PAUSE" in out, "missing password file -> PAUSE", out)
    port, got = no_starttls_server()
    out = send(st, conf(st, "nostarttls.conf", smtp_url="smtp://localhost:%d" % port))
    ok("send 1 PAUSE" in out, "no STARTTLS offered -> PAUSE (never plain text)", out)
    ok(not any(b"AUTH" in ln.upper() for ln in got), "no AUTH in plain text", repr(got))
    out = send(st, conf(st, "plain.conf", smtp_url="smtp://127.0.0.1:%d" % st.smtp_port, auth="none",
                        allow_plaintext="yes"), subject="plain loopback")
    ok("send 1 OK" in out, "allow_plaintext to loopback without auth works", out)

    st.stop_postfix()
    out = send(st, sub)
    ok("send 1 TEMP" in out, "Postfix stopped -> TEMP", out)
    st.start_postfix()
    out = send(st, sub, subject="after restart")
    ok("send 1 OK" in out, "Postfix back -> OK", out)
finally:
    st.stop()
