"""Must-not-answer corpus against the real Dovecot/Postfix: the 58 messages of
tests/corpus/noanswer (auto-replies, DSNs, MDNs, lists, forged senders, loops ...) are
injected over SMTP into the consultant's mailbox with their own envelope sender, read by a
running codemaild over IMAPS: zero replies, each handled row carries the reason of
expected.tsv, each message is moved to the ignored folder. The 11 messages of
tests/corpus/answer go through the same path and are all answered into their senders' IMAP
inboxes. Then a real reply of ours, taken from a sender's inbox, is sent back to the
consultant (a forwarding loop) and is ignored by our loop header, and a real Postfix DSN
(our answer refused by LMTP after the 250) comes back and is ignored.

Consultant consult@codes.example.com (alias help@codes.example.com, authserv-id
mx.codes.example.com, as the corpus assumes) reading the IMAP account consult@example.test."""
import email
import email.policy
import glob
import os
import re
import time

from tap import ok, eq, diag, TOP, sensitive
from mailstack import wait_for
from mailstack_ext import LiveStack, Consultant, text_of

CORPUS = os.path.join(TOP, "tests", "corpus")
NOANS = sorted(glob.glob(os.path.join(CORPUS, "noanswer", "*.eml")))
ANS = sorted(glob.glob(os.path.join(CORPUS, "answer", "*.eml")))

expected = {}
with open(os.path.join(CORPUS, "noanswer", "expected.tsv")) as f:
    for ln in f:
        if ln.strip() and not ln.startswith("#"):
            fn, reason = ln.rstrip("\n").split("\t")
            expected[fn] = reason
eq(len(NOANS), 58, "58 must-not-answer messages")
eq(sorted(expected), sorted(os.path.basename(p) for p in NOANS), "expected.tsv names every message")


def envelope(raw):
    """(envelope sender, message without Return-Path) — Dovecot writes Return-Path from the
    envelope; a message without one is sent from its From address."""
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    m = re.search(rb"^Return-Path:\s*<([^>]*)>", head, re.M | re.I)
    if m:
        env = m.group(1).decode()
    else:
        fm = re.search(rb"^From:.*?<?([^\s<>]+@[^\s<>]+)>?\s*$", head, re.M | re.I)
        env = fm.group(1).decode() if fm else ""
    body = re.sub(rb"^Return-Path:[^\n]*\n", b"", raw, count=1, flags=re.M | re.I)
    return env, body


def msgid(raw):
    m = re.search(rb"^Message-I[dD]:\s*(<[^>]+>)", raw, re.M | re.I)
    return m.group(1).decode()[1:-1]


def header_addrs(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [a for _n, a in email.utils.getaddresses(msg.get_all("From", []))]


import email.utils  # noqa: E402

ans_senders = sorted({header_addrs(open(p, "rb").read())[0].lower() for p in ANS})
st = LiveStack(extra_addrs=[a for a in ans_senders], postfix_only=["ghost@example.test"])
st.start()
con = None
try:
    for p in NOANS + ANS:
        raw = open(p, "rb").read()
        m = email.message_from_bytes(raw, policy=email.policy.compat32)
        sensitive(str(m.get("Subject", "")).strip(), *header_addrs(raw))
    sensitive(*ans_senders)
    con = Consultant(st, "consult", address="consult@codes.example.com", aliases="help@codes.example.com",
                     extra={"policy": {"authserv_id": "mx.codes.example.com", "require_auth": "dmarc",
                                       "unauth_action": "ignore", "max_received": "30"},
                            "quota": {"guest": "-1"},
                            # a real envelope sender, so that a late bounce comes back to us
                            "sender": {"envelope_from": "consult@example.test"}})
    con.start()
    ok(wait_for(lambda: "connected" in con.daemon_log(), 20), "daemon connected over IMAPS")

    # ---- the must-not-answer corpus
    t0 = time.monotonic()
    ids = {}
    for p in NOANS:
        env, raw = envelope(open(p, "rb").read())
        ids[msgid(raw)] = os.path.basename(p)
        st.send(env, "consult", raw)
    got = wait_for(lambda: con.handled_count() >= len(NOANS), 60)
    ok(got, "all %d handled" % len(NOANS), "handled %d" % con.handled_count())
    diag("%d messages injected and handled in %.1fs" % (len(NOANS), time.monotonic() - t0))
    rows = {r[3]: r for r in con.handled()}
    wrong = []
    for mid, fn in sorted(ids.items(), key=lambda kv: kv[1]):
        r = rows.get(mid)
        if r is None or r[0] != "ignored" or r[1] != expected[fn]:
            wrong.append("%s: got %s, want ignored/%s" % (fn, r[:2] if r else None, expected[fn]))
    eq(wrong, [], "every must-not-answer message ignored with the expected reason")
    eq(con.q("SELECT COUNT(*) FROM queue")[0][0], 0, "zero replies queued")
    eq(con.q("SELECT COALESCE(SUM(lookups),0) FROM charges")[0][0], 0, "nobody charged")
    ok(wait_for(lambda: st.count("consult", "Consult/Ignored") == len(NOANS), 20),
       "all %d moved to Consult/Ignored" % len(NOANS), "%d" % st.count("consult", "Consult/Ignored"))
    eq(st.count("consult"), 0, "INBOX empty")
    eq(st.count("consult", "Consult/Answered"), 0, "nothing in Consult/Answered")
    unmarked = con.q("SELECT COUNT(*) FROM handled WHERE marked_at IS NULL")[0][0]
    eq(unmarked, 0, "every handled row records the mark")

    # ---- the must-answer corpus, same path
    aids = {}
    for p in ANS:
        env, raw = envelope(open(p, "rb").read())
        aids[msgid(raw)] = os.path.basename(p)
        st.send(env, "consult", raw)
    ok(wait_for(lambda: con.handled_count() >= len(NOANS) + len(ANS), 60), "answer corpus handled")
    rows = {r[3]: r for r in con.handled()}
    bad = ["%s: %s" % (fn, rows.get(mid, (None, None))[:2]) for mid, fn in aids.items()
           if rows.get(mid, ("",))[0] != "answered"]
    eq(bad, [], "all %d must-answer messages answered" % len(ANS))
    ok(con.wait_sent(30), "replies left the queue")
    eq(sorted(set(r[2] for r in con.queue())), ["sent"], "every reply accepted by Postfix")
    per_sender = {}
    for p in ANS:
        a = header_addrs(open(p, "rb").read())[0].lower()
        per_sender[a] = per_sender.get(a, 0) + 1
    ok(wait_for(lambda: all(st.count(a) >= n for a, n in per_sender.items()), 30),
       "each sender has its replies in its IMAP inbox")
    replies = {}
    for a in per_sender:
        for m in st.fetch(a):
            replies.setdefault(a, []).append(m)
    eq(sum(len(v) for v in replies.values()), len(ANS), "exactly one reply per question (%d)" % len(ANS))
    want_irt = sorted("<%s>" % mid for mid in aids)
    got_irt = sorted(m["In-Reply-To"].strip() for v in replies.values() for m in v)
    eq(got_irt, want_irt, "each reply's In-Reply-To names its question")
    ok(all(m["Auto-Submitted"] == "auto-replied" for v in replies.values() for m in v),
       "every reply says Auto-Submitted: auto-replied")
    ok(wait_for(lambda: st.count("consult", "Consult/Answered") == len(ANS), 20), "11 in Consult/Answered")

    # ---- one of our own replies comes back (a user forwards it / a forwarding loop)
    alice = replies["alice@example.test"][0]
    raw = alice.as_bytes()
    n0 = con.handled_count()
    st.send("alice@example.test", "consult", raw)
    ok(wait_for(lambda: con.handled_count() > n0, 30), "returned reply handled")
    last = con.handled()[-1]
    eq(last[:2], ("ignored", "own-loop-header"), "our own reply coming back is ignored (loop header)")
    # the same bytes but the loop header dropped by a forwarder: From is our own address
    stripped = re.sub(rb"^X-Codemaild-Loop:[^\n]*\n", b"", raw, flags=re.M | re.I)
    stripped = stripped.replace(b"Message-ID: <cm.", b"Message-ID: <fwd.cm.", 1)
    st.send("alice@example.test", "consult", stripped)
    ok(wait_for(lambda: con.handled_count() > n0 + 1, 30), "stripped reply handled")
    last = con.handled()[-1]
    eq(last[:2], ("ignored", "own-address"), "without the loop header: our own From stops it")

    # ---- a real DSN from Postfix: our answer to ghost@ is accepted (250), then refused by
    # Dovecot's LMTP; Postfix bounces it to our envelope sender, i.e. into our INBOX
    ghost_q = ("From: Ghost <ghost@example.test>\r\nTo: consult@codes.example.com\r\n"
               "Subject: What is 99213?\r\nMessage-ID: <ghost.1@example.test>\r\n"
               "Authentication-Results: mx.codes.example.com; dmarc=pass header.from=example.test\r\n"
               "\r\nWhat is 99213?\r\n")
    sensitive("ghost@example.test")
    n0 = con.handled_count()
    st.send("ghost@example.test", "consult", ghost_q)
    ok(wait_for(lambda: con.handled_count() >= n0 + 2, 40), "the question and Postfix's bounce were handled",
       repr(con.handled()[n0:]))
    eq([r[:2] for r in con.handled()[n0:n0 + 2]], [("answered", "ok"), ("ignored", "dsn")],
       "answered, then the real DSN ignored (dsn)")
    time.sleep(2)
    eq(len(con.queue()), len(ANS) + 1, "no reply to the bounce: 12 replies queued, ever")
    eq(st.count("alice@example.test"), per_sender["alice@example.test"], "alice got nothing more")
    ok(con.proc.poll() is None, "daemon still running")
finally:
    if con:
        con.cleanup()
    st.stop()
