"""Quotas, registration and commands end to end over real Dovecot/Postfix, with a running
codemaild (IMAP IDLE in, SMTP submission out) and every reply fetched from the sender's
IMAP inbox.

Allowances (unit = code): guest 2 (lifetime), registered 4, subscriber 6 (month);
subscriber_addresses = coder3@example.test, subscriber_domains = partner.example.test.
Every message carries a trusted Authentication-Results (authserv-id mx.example.test, as our
receiving MTA would add), so From is the authenticated identity.

  - a guest, a registered and a subscriber sender each ask more than allowed: full
    answers, one partial answer (lookups that fit answered, the rest listed as over quota),
    one quota reply, then silence; the counts by `codemaild sender show`, and charges equal
    the lookups answered;
  - registration by the emailed token: replying to the token message (In-Reply-To), and
    `REGISTER <token>` in a new message; an expired token (token_ttl = 2s after a SIGHUP
    reload) and a wrong token do not register; an unauthenticated REGISTER does nothing;
  - STOP silences a sender at once, START re-enables;
  - admin CLI while the daemon runs: quota grant/reset, sender set (blocked, none,
    subscriber), domain add/remove, sender list --tier."""
import re
import time

from tap import ok, eq, diag, sensitive
from mailstack import wait_for
from mailstack_ext import LiveStack, Consultant, question, text_of

AR = "Authentication-Results: mx.example.test; dmarc=pass header.from=%s\r\n"
USERS = ["consult", "coder1", "coder2", "coder3", "other"]
EXTRA = ["dana@partner.example.test", "eve@clinic.example.test"]


def addr(u):
    return u if "@" in u else u + "@example.test"


st = LiveStack(users=USERS, extra_addrs=EXTRA).start()
con = None


def base_conf(ttl="1h"):
    return {"policy": {"authserv_id": "mx.example.test", "require_auth": "dmarc", "unauth_action": "ignore"},
            "quota": {"unit": "code", "guest": "2", "guest_period": "lifetime", "registered": "4",
                      "registered_period": "month", "subscriber": "6", "subscriber_period": "month",
                      "subscriber_addresses": "coder3@example.test",
                      "subscriber_domains": "partner.example.test", "token_ttl": ttl}}


def ask(user, subject, body="", auth=True, extra="", expect_reply=True):
    """Sends one message from user, waits until the daemon handled it and (when a reply is
    queued) until the reply is in user's inbox. Returns (handled row, reply or None)."""
    a = addr(user)
    n = con.handled_count()
    before = st.count(a)
    nq = len(con.queue())
    hdr = (AR % a.split("@")[1] if auth else "") + extra
    m, mid = question(a, "consult@example.test", subject, body or subject, extra=hdr)
    st.send(a, "consult", m)
    if not wait_for(lambda: con.handled_count() > n, 30):
        return ("timeout", "timeout", a, mid, -1), None, mid
    row = con.handled()[-1]
    reply = None
    if len(con.queue()) > nq:
        if wait_for(lambda: st.count(a) > before, 30):
            msgs = st.fetch(a)
            reply = msgs[-1]
    else:
        time.sleep(0.3)
        if st.count(a) != before:
            reply = "UNEXPECTED"
    return row, reply, mid


def show(a):
    rc, out = con.cli("sender", "show", addr(a))
    return out


def footer_left(text):
    m = re.search(r"Your allowance: (\d+) of (\d+) lookups left \((\w+) sender", text)
    return (int(m.group(1)), int(m.group(2)), m.group(3)) if m else None


try:
    sensitive(*[addr(u) for u in USERS + EXTRA])
    con = Consultant(st, "consult", extra=base_conf())
    con.start()
    ok(wait_for(lambda: "connected" in con.daemon_log(), 20), "daemon connected")

    # ================= guest: coder1, 2 lookups
    row, rep, _ = ask("coder1", "What is 99213?", "What is CPT 99213?")
    eq(row[:2] + (row[4],), ("answered", "ok", 1), "guest q1 answered, 1 lookup")
    t = text_of(rep) if rep else ""
    ok("99213" in t and footer_left(t) == (1, 2, "guest"), "guest q1 reply: answer + '1 of 2 left'",
       repr(footer_left(t)))
    row, rep, _ = ask("coder1", "99214 or 99215?", "Should I bill 99214 or 99215 here?")
    eq(row[:2] + (row[4],), ("answered", "ok", 1), "guest q2: partial answer charged 1 lookup")
    t = text_of(rep) if rep else ""
    m = re.search(r"Not looked up \(your allowance is used up\): (.*)", t)
    ok(m and "99215" in m.group(1) and "99214" not in m.group(1), "partial answer lists 99215 as over quota",
       t[-900:])
    ok("99214" in t.split("Not looked up")[0], "partial answer answers 99214")
    eq(footer_left(t), (0, 2, "guest"), "partial answer footer: 0 of 2 left")
    row, rep, _ = ask("coder1", "93000 question", "Is 93000 global?")
    eq((row[0], row[4]), ("answered", 0), "guest q3: quota reply, nothing charged")
    t = text_of(rep) if rep else ""
    ok("allowance of 2 lookups is used up" in t and "REGISTER" in t, "quota reply says used up and how to register",
       t[:600])
    eq(con.queue()[-1][0], "quota", "queued as kind quota")
    row, rep, _ = ask("coder1", "36415 question", "And 36415?")
    eq(row[:2], ("ignored", "quota-exhausted"), "guest q4: silence (quota-exhausted)")
    eq(rep, None, "no reply to q4")
    row, rep, _ = ask("coder1", "97110 question", "And 97110?")
    eq((row[1], rep), ("quota-exhausted", None), "guest q5: still silence")
    out = show("coder1")
    ok(re.search(r"guest\s+used 2\s+of 2\s+left 0", out), "sender show: guest used 2 of 2 left 0", out)
    eq(st.count("coder1"), 3, "coder1 got exactly 3 replies (2 answers, 1 quota reply)")

    # ================= registration by replying to the token message: coder2
    row, rep, _ = ask("coder2", "REGISTER")
    eq(row[0], "answered", "REGISTER handled")
    t = text_of(rep) if rep else ""
    tok = re.search(r"REGISTER ([0-9a-f]{32})", t)
    ok(tok, "the register reply carries a 32-hex token", t[:500])
    token = tok.group(1) if tok else ""
    ok(re.search(r"guest\s+used 0", show("coder2")) and "registered: no" in show("coder2"),
       "not registered before confirming")
    row, rep, _ = ask("coder2", "Re: " + str(rep["Subject"]), "yes please",
                      extra="In-Reply-To: %s\r\nReferences: %s\r\n" % (rep["Message-ID"], rep["Message-ID"]))
    t = text_of(rep) if rep and rep != "UNEXPECTED" else ""
    ok("registration is complete" in t, "reply to the token message completes registration", t[:400])
    out = show("coder2")
    ok(re.search(r"registered\s+used 0\s+of 4\s+left 4", out) and "registered: yes" in out,
       "sender show: registered, 4 left", out)
    # the next question is a reply to that notice: "Re: Re: REGISTER" with codes is a question
    row, rep, _ = ask("coder2", "Re: " + str(rep["Subject"]), "Thanks! 99213 and 99214 please",
                      extra="In-Reply-To: %s\r\n" % rep["Message-ID"])
    eq((row[0], row[4]), ("answered", 2), "registered q1: 2 lookups")
    eq(footer_left(text_of(rep)) if rep else None, (2, 4, "registered"), "footer: 2 of 4 left, registered")
    row, rep, _ = ask("coder2", "three codes", "93000, 36415 and 97110?")
    eq((row[0], row[4]), ("answered", 2), "registered q2: partial, 2 of 3 answered")
    t = text_of(rep) if rep else ""
    m = re.search(r"Not looked up \(your allowance is used up\): (.*)", t)
    ok(m and "97110" in m.group(1), "partial answer lists 97110 over quota", t[-600:])
    row, rep, _ = ask("coder2", "G0439?", "G0439 yearly?")
    eq((row[0], row[4], con.queue()[-1][0]), ("answered", 0, "quota"), "registered q3: the quota reply")
    t = text_of(rep) if rep else ""
    ok("allowance of 4 lookups is used up" in t and "subject REGISTER" not in t,
       "registered quota reply: 4 used up, no registration advice", t[:500])
    now = time.gmtime()
    nxt = "%04d-%02d-01" % (now.tm_year + (now.tm_mon == 12), now.tm_mon % 12 + 1)
    ok("resets: %s" % nxt in t, "registered quota reply: resets on the first of next month (%s)" % nxt, t[:600])
    row, rep, _ = ask("coder2", "20610?", "20610 please")
    eq((row[1], rep), ("quota-exhausted", None), "registered q4: silence")
    ok(re.search(r"registered\s+used 4\s+of 4\s+left 0", show("coder2")), "sender show: registered used 4 of 4")

    # ================= registration with REGISTER <token> in a new message: eve@clinic
    row, rep, _ = ask("eve@clinic.example.test", "register")
    tok = re.search(r"REGISTER ([0-9a-f]{32})", text_of(rep) if rep else "")
    ok(tok, "eve got a token")
    row, rep, _ = ask("eve@clinic.example.test", "REGISTER %s" % (tok.group(1) if tok else "x"))
    ok(rep and "registration is complete" in text_of(rep), "REGISTER <token> completes registration")
    ok("registered: yes" in show("eve@clinic.example.test"), "eve registered")

    # ================= subscriber by address: coder3, 6 lookups
    row, rep, _ = ask("coder3", "four", "99213 99214 99215 93000")
    eq((row[0], row[4]), ("answered", 4), "subscriber q1: 4 lookups")
    eq(footer_left(text_of(rep)) if rep else None, (2, 6, "subscriber"), "footer: 2 of 6 left, subscriber")
    row, rep, _ = ask("coder3", "three", "36415 97110 G0439")
    eq((row[0], row[4]), ("answered", 2), "subscriber q2: partial, 2 of 3")
    t = text_of(rep) if rep else ""
    m = re.search(r"Not looked up \(your allowance is used up\): (.*)", t)
    ok(m and "G0439" in m.group(1), "G0439 listed over quota", t[-500:])
    row, rep, _ = ask("coder3", "one", "20610")
    eq((row[0], row[4], con.queue()[-1][0]), ("answered", 0, "quota"), "subscriber q3: the quota reply")
    ok(rep and "allowance of 6 lookups is used up" in text_of(rep), "subscriber quota reply says 6")
    row, rep, _ = ask("coder3", "again", "J3301")
    eq((row[1], rep), ("quota-exhausted", None), "subscriber q4: silence")
    ok(re.search(r"subscriber\s+used 6\s+of 6\s+left 0\s+\(month\)", show("coder3")), "sender show: subscriber 6 of 6")
    row, rep, _ = ask("coder3", "QUOTA")
    t = text_of(rep) if rep and rep != "UNEXPECTED" else ""
    ok("Used 6 of 6 lookups (month allowance); 0 left." in t, "QUOTA from the exhausted subscriber: its status", t[:400])
    row, rep, _ = ask("coder3", "HELP")
    t = text_of(rep) if rep and rep != "UNEXPECTED" else ""
    ok(t and footer_left(t) == (0, 6, "subscriber"), "HELP: examples with the allowance left (0 of 6)",
       repr(footer_left(t)))

    # ================= subscriber by domain: dana@partner
    row, rep, _ = ask("dana@partner.example.test", "codes", "99203 and 99213")
    eq((row[0], row[4]), ("answered", 2), "domain subscriber answered")
    eq(footer_left(text_of(rep)) if rep else None, (4, 6, "subscriber"), "domain subscriber footer: 4 of 6")

    # ================= unauthenticated REGISTER: no registration, no reply
    row, rep, _ = ask("other", "REGISTER", auth=False)
    eq((row[:2], rep), (("ignored", "auth-missing"), None), "REGISTER without a trusted Authentication-Results: ignored")
    row, rep, _ = ask("other", "REGISTER", extra="Authentication-Results: mx.example.test; dmarc=fail "
                      "header.from=example.test\r\n", auth=False)
    eq((row[:2], rep), (("ignored", "auth-fail"), None), "REGISTER with dmarc=fail: ignored")
    ok("registered: no" in show("other"), "other not registered")

    # ================= wrong token: coder1 (never asked to register)
    row, rep, _ = ask("coder1", "REGISTER 0123456789abcdef0123456789abcdef")
    ok(rep and rep != "UNEXPECTED" and "wrong or has expired" in text_of(rep), "a wrong token gets 'wrong or expired'")
    ok("registered: no" in show("coder1"), "wrong token does not register")

    # ================= expired token: token_ttl = 2s, SIGHUP
    con.write_conf(base_conf(ttl="2s"))
    con.reload()
    ok(wait_for(lambda: "configuration reloaded" in con.daemon_log(), 15), "reloaded with token_ttl = 2s")
    row, rep, _ = ask("other", "REGISTER")
    tok = re.search(r"REGISTER ([0-9a-f]{32})", text_of(rep) if rep and rep != "UNEXPECTED" else "")
    ok(tok, "other got a token")
    time.sleep(3)
    row, rep2, _ = ask("other", "Re: REGISTER", "yes",
                       extra="In-Reply-To: %s\r\n" % (rep["Message-ID"] if rep else "<x@y>"))
    ok(rep2 and rep2 != "UNEXPECTED" and "wrong or has expired" in text_of(rep2),
       "reply after expiry: 'wrong or expired'")
    row, rep3, _ = ask("other", "REGISTER %s" % (tok.group(1) if tok else "x"))
    ok(rep3 is None or (rep3 != "UNEXPECTED" and "complete" not in text_of(rep3)),
       "REGISTER <expired token>: no registration reply")
    out = show("other")
    ok("registered: no" in out and re.search(r"guest\s+used 0\s+of 2", out), "expired token does not register", out)
    con.write_conf(base_conf())
    con.reload()
    ok(wait_for(lambda: con.daemon_log().count("configuration reloaded") >= 2, 15), "reloaded back")

    # ================= STOP / START: dana
    row, rep, _ = ask("dana@partner.example.test", "STOP")
    eq((row[:2], rep), (("ignored", "stop"), None), "STOP: no reply")
    ok("STOPPED" in show("dana@partner.example.test"), "sender show says STOPPED")
    row, rep, _ = ask("dana@partner.example.test", "one more", "99213?")
    eq((row[:2], rep), (("ignored", "stopped"), None), "question right after STOP: silence")
    row, rep, _ = ask("dana@partner.example.test", "HELP")
    eq((row[:2], rep), (("ignored", "stopped"), None), "HELP after STOP: silence")
    row, rep, _ = ask("dana@partner.example.test", "START")
    ok(rep and rep != "UNEXPECTED" and "answer your questions again" in text_of(rep), "START: welcome back reply")
    row, rep, _ = ask("dana@partner.example.test", "Re: " + str(rep["Subject"]), "99214?",
                      extra="In-Reply-To: %s\r\n" % rep["Message-ID"])
    eq((row[0], row[4]), ("answered", 1), "answered again after START (a reply to the welcome, 'Re: Re: START')")
    ok(rep and rep != "UNEXPECTED" and "99214" in text_of(rep), "the reply is the answer, not another welcome")

    # ================= admin CLI while the daemon runs
    rc, out = con.cli("quota", "grant", "coder1@example.test", "2")
    eq(rc, 0, "quota grant exits 0")
    ok(re.search(r"guest\s+used 2\s+of 4\s+left 2", show("coder1")), "grant: 2 of 4 -> 2 left", show("coder1"))
    row, rep, _ = ask("coder1", "granted", "E11.9 please")
    eq((row[0], row[4]), ("answered", 1), "after the grant the guest is answered")
    rc, out = con.cli("quota", "reset", "coder2@example.test")
    eq(rc, 0, "quota reset exits 0")
    ok(re.search(r"registered\s+used 0\s+of 4", show("coder2")), "reset: registered used 0")
    row, rep, _ = ask("coder2", "after reset", "99215?")
    eq((row[0], row[4]), ("answered", 1), "answered again after the reset")
    rc, out = con.cli("sender", "set", "other@example.test", "--tier", "blocked")
    eq(rc, 0, "sender set --tier blocked exits 0")
    row, rep, _ = ask("other", "blocked?", "99213?")
    eq((row[:2], rep), (("ignored", "blocked"), None), "a blocked sender: silence")
    con.cli("sender", "set", "other@example.test", "--tier", "none")
    row, rep, _ = ask("other", "unblocked", "99213?")
    eq((row[0], row[4]), ("answered", 1), "tier none: a guest again, answered")
    rc, out = con.cli("domain", "add", "clinic.example.test", "--tier", "subscriber")
    eq(rc, 0, "domain add exits 0")
    ok(re.search(r"subscriber\s+used 0\s+of 6", show("eve@clinic.example.test")), "domain add: eve is a subscriber")
    row, rep, _ = ask("eve@clinic.example.test", "as subscriber", "97110?")
    eq(footer_left(text_of(rep)) if rep else None, (5, 6, "subscriber"), "eve answered as a subscriber")
    con.cli("domain", "remove", "clinic.example.test")
    ok(re.search(r"registered\s+used 1\s+of 4", show("eve@clinic.example.test")), "domain remove: registered again")
    rc, out = con.cli("sender", "set", "coder1@example.test", "--tier", "subscriber")
    ok(re.search(r"subscriber\s+used 3\s+of 8", show("coder1")), "sender set subscriber: 6 + 2 granted",
       show("coder1"))
    rc, out = con.cli("sender", "list", "--tier", "registered")
    ok("coder2@example.test" in out and "eve@clinic.example.test" in out and "coder1" not in out,
       "sender list --tier registered", out)

    # ================= counts
    charged = dict(con.q("SELECT sender, SUM(lookups) FROM charges GROUP BY sender"))
    answered = dict(con.q("SELECT sender, SUM(lookups) FROM handled WHERE outcome = 'answered' GROUP BY sender"))
    answered = {k: v for k, v in answered.items() if v}
    eq(charged, answered, "charges per sender equal the lookups answered")
    eq(charged, {"coder1@example.test": 3, "coder2@example.test": 5, "coder3@example.test": 6,
                 "dana@partner.example.test": 3, "eve@clinic.example.test": 1, "other@example.test": 1},
       "charges per sender")
    sent = con.q("SELECT rcpt, COUNT(*) FROM queue WHERE state = 'sent' GROUP BY rcpt")
    ok(all(st.count(r) == n for r, n in sent), "every sent reply is in its recipient's inbox, no more",
       repr([(r, n, st.count(r)) for r, n in sent]))
    eq(con.q("SELECT COUNT(*) FROM queue WHERE state != 'sent'")[0][0], 0, "no reply queued or failed")
    ok(con.proc.poll() is None, "daemon still running")
finally:
    if con:
        con.cleanup()
    st.stop()
