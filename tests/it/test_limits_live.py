"""Limits and identities end to end over real Dovecot/Postfix, with a running codemaild:

  - unauth_action = answer: a message whose From is not authenticated (no trusted
    Authentication-Results) is answered, but counted under "unauth:ADDR" with the guest
    allowance: it neither uses nor changes the claimed address's allowance, registration
    or START; the real address's STOP still silences it;
  - replies that fail permanently (554 from Postfix) or give up after 4xx (give_up) are
    refunded: the sender's count goes back;
  - per-sender hourly and per-domain daily rate limits, and non-answer replies (HELP) at
    most once a day;
  - the global circuit breaker ([rate] global_per_minute): sending pauses with replies kept
    queued and an error logged once; after a reload without the limit the rest go out;
  - quota unit = message: one lookup per message whatever its codes, no partial answers;
  - a reply to one of our answers ("Re: <subject with a code>") is not charged again for
    the subject's code: only its new text asks."""
import re
import time

from tap import ok, eq, diag, sensitive
from mailstack import wait_for
from mailstack_ext import LiveStack, Consultant, question, text_of

AR = "Authentication-Results: mx.example.test; dmarc=pass header.from=example.test\r\n"
USERS = ["consult", "coder1", "coder2", "coder3", "other"]
EXTRA = ["u%d@example.test" % i for i in range(1, 7)]
RATEDOM = ["x1@rate.example.test", "x2@rate.example.test"]


def addr(u):
    return u if "@" in u else u + "@example.test"


def conf(unit="code", **rate):
    r = {"sender_per_hour": "5", "sender_per_day": "0", "domain_per_day": "0", "global_per_minute": "0"}
    r.update(rate)
    return {"policy": {"authserv_id": "mx.example.test", "unauth_action": "answer"},
            "quota": {"guest": "2", "registered": "4", "subscriber": "6", "unit": unit,
                      "subscriber_addresses": "coder3@example.test"},
            "sender": {"give_up": "3s", "retry_min": "1s", "retry_max": "1s"},
            "rate": r}


st = LiveStack(users=USERS, extra_addrs=EXTRA + RATEDOM).start()
con = None


def ask(user, subject, body="", auth=True):
    a = addr(user)
    undeliverable = a in ("policy-reject@example.test", "tempfail@example.test")
    n, nq, before = con.handled_count(), len(con.queue()), 0 if undeliverable else st.count(a)
    m, _ = question(a, "consult@example.test", subject, body or subject, extra=AR if auth else "")
    st.send(a, "consult", m)
    if not wait_for(lambda: con.handled_count() > n, 30):
        return ("timeout", "timeout", a, "", -1), None
    row = con.handled()[-1]
    rep = None
    if len(con.queue()) > nq and con.queue()[-1][1] == a and not undeliverable:
        if wait_for(lambda: st.count(a) > before, 30):
            rep = st.fetch(a)[-1]
    return row, rep


def reconfigure(cfg):
    """Writes cfg, SIGHUPs the daemon and waits until it says it reloaded."""
    n = con.daemon_log().count("configuration reloaded")
    con.write_conf(cfg)
    con.reload()
    return wait_for(lambda: con.daemon_log().count("configuration reloaded") > n, 15)


def show(a):
    return con.cli("sender", "show", addr(a))[1]


try:
    sensitive(*[addr(u) for u in USERS + EXTRA + RATEDOM])
    con = Consultant(st, "consult", extra=conf())
    con.start()
    ok(wait_for(lambda: "connected" in con.daemon_log(), 20), "daemon connected")

    # ============ unauthenticated From: its own guest bucket
    row, rep = ask("coder3", "three codes", "99213 99214 99215")
    eq((row[0], row[1], row[4]), ("answered", "ok", 3), "authenticated subscriber: 3 lookups")
    row, rep = ask("coder3", "forged one", "93000 36415", auth=False)
    eq((row[0], row[1], row[2], row[4]), ("answered", "ok-unauthenticated", "unauth:coder3@example.test", 2),
       "unauthenticated From answered, counted under unauth:ADDR")
    ok(rep is not None and "(guest sender" in text_of(rep), "its footer shows the guest allowance")
    ok(re.search(r"subscriber\s+used 3\s+of 6\s+left 3", show("coder3")),
       "the real subscriber's count is untouched", show("coder3"))
    ok(re.search(r"guest\s+used 2\s+of 2\s+left 0", show("unauth:coder3@example.test")),
       "the unauth bucket used its guest allowance", show("unauth:coder3@example.test"))
    row, rep = ask("coder3", "forged two", "97110", auth=False)
    eq((row[0], row[4], con.queue()[-1][0]), ("answered", 0, "quota"), "unauth bucket exhausted: quota reply")
    row, rep = ask("coder3", "real again", "97110")
    eq((row[0], row[4]), ("answered", 1), "the real subscriber is still answered")
    row, rep = ask("coder1", "REGISTER", auth=False)
    ok(rep is not None and "could not verify" in text_of(rep), "unauthenticated REGISTER: 'could not verify'")
    ok("registered: no" in show("coder1") and "token" not in show("coder1"), "no registration started")
    row, rep = ask("coder2", "STOP")
    eq(row[:2], ("ignored", "stop"), "coder2 (authenticated) sends STOP")
    row, rep = ask("coder2", "START", auth=False)
    eq((row[:2], rep), (("ignored", "stopped"), None), "a forged START cannot re-enable a stopped address")
    ok("STOPPED" in show("coder2"), "coder2 still STOPPED")
    row, rep = ask("coder2", "forged question", "99213?", auth=False)
    eq((row[:2], rep), (("ignored", "stopped"), None), "unauthenticated mail to a STOPped address: silence")
    row, rep = ask("coder2", "START")
    ok(rep is not None and "again" in text_of(rep), "an authenticated START re-enables")
    row, rep = ask("coder2", "START")
    eq((row[:2], rep), (("ignored", "notice-limit"), None), "a second START the same day: no second welcome")
    ok("STOPPED" not in show("coder2"), "coder2 not stopped")

    # ============ a reply to our answer keeps the code in its "Re:" subject: not re-asked
    row, rep = ask("coder2", "99213 question", "Is it right for a follow-up?")
    eq((row[0], row[4]), ("answered", 1), "code in the subject answered, 1 lookup")
    m, _ = question(addr("coder2"), "consult@example.test", "Re: " + str(rep["Subject"]), "Thanks!",
                    extra=AR + "In-Reply-To: %s\r\n" % rep["Message-ID"])
    n = con.handled_count()
    st.send(addr("coder2"), "consult", m)
    ok(wait_for(lambda: con.handled_count() > n, 30), "thank-you reply handled")
    eq((con.handled()[-1][0], con.handled()[-1][4], con.queue()[-1][0]), ("answered", 0, "nocode"),
       "'Thanks!' to our answer: no re-answer of the subject's 99213, nothing charged")
    wait_for(lambda: st.count("coder2") >= 3, 20)
    m, _ = question(addr("coder2"), "consult@example.test", "Re: " + str(rep["Subject"]), "And 99214?",
                    extra=AR + "In-Reply-To: %s\r\n" % rep["Message-ID"])
    n = con.handled_count()
    st.send(addr("coder2"), "consult", m)
    ok(wait_for(lambda: con.handled_count() > n, 30), "follow-up handled")
    eq((con.handled()[-1][0], con.handled()[-1][4]), ("answered", 1), "follow-up: only the new code (99214) charged")
    ok(re.search(r"guest\s+used 2\s+of 2", show("coder2")), "coder2 used 2 of 2", show("coder2"))

    # ============ refunds
    row, rep = ask("policy-reject@example.test", "two", "99213 and 99214")
    eq((row[0], row[4]), ("answered", 2), "answered, 2 lookups")
    ok(wait_for(lambda: con.q("SELECT state FROM queue ORDER BY id DESC LIMIT 1")[0][0] == "failed", 15),
       "554 from Postfix: permanent failure")
    ok(re.search(r"used 0\s+of 2", show("policy-reject@example.test")), "permanent failure refunded the charge")
    row, rep = ask("tempfail@example.test", "two", "99213 and 99214")
    q = con.q("SELECT state, last_error FROM queue ORDER BY id DESC LIMIT 1")[0]
    ok(q[0] == "queued" or "451" in q[1], "451: retried", repr(q))
    ok(re.search(r"used 2\s+of 2", show("tempfail@example.test")), "charged while retrying")
    ok(wait_for(lambda: con.q("SELECT state FROM queue ORDER BY id DESC LIMIT 1")[0][0] == "failed", 20),
       "gave up after give_up")
    ok(re.search(r"used 0\s+of 2", show("tempfail@example.test")), "giving up refunded the charge")

    # ============ per-sender rate limit (5 replies an hour) and once-a-day notices
    rc, out = con.cli("sender", "set", "other@example.test", "--tier", "subscriber")
    row, rep = ask("other", "HELP")
    eq((row[0], con.queue()[-1][0]), ("answered", "help"), "HELP answered (reply 1 this hour)")
    row, rep = ask("other", "HELP")
    eq((row[:2], rep), (("ignored", "notice-limit"), None), "second HELP the same day: silence")
    helprep = st.fetch("other")[-1]
    for i, code in enumerate(("99213", "99214", "99215", "93000")):
        # the first is a reply to the HELP reply ("Re: Re: HELP"): a question, not a HELP
        row, rep = ask("other", "Re: " + str(helprep["Subject"]) if i == 0 else "q%d" % i, "What is %s?" % code)
        eq((row[0], rep is not None), ("answered", True), "question %d answered (reply %d this hour)" % (i + 1, i + 2))
    row, rep = ask("other", "q", "36415?")
    eq((row[:2], rep), (("ignored", "rate-sender-hour"), None), "reply 6 this hour: rate-sender-hour, silence")
    ok(re.search(r"subscriber\s+used 4\s+of 6", show("other")), "rate-limited question not charged", show("other"))

    # ============ per-domain daily limit (2 replies a day to rate.example.test)
    ok(reconfigure(conf(domain_per_day="2")), "reloaded with domain_per_day = 2")
    row, rep = ask(RATEDOM[0], "d1", "99213?")
    eq((row[0], rep is not None), ("answered", True), "domain reply 1")
    row, rep = ask(RATEDOM[1], "d2", "99214?")
    eq((row[0], rep is not None), ("answered", True), "domain reply 2 (another sender)")
    row, rep = ask(RATEDOM[0], "d3", "99215?")
    eq((row[:2], rep), (("ignored", "rate-domain-day"), None), "domain reply 3: rate-domain-day, silence")

    # ============ global circuit breaker: 3 replies a minute
    # a restart starts a new (in-memory) one-minute window
    con.wait_sent(20)
    con.stop()
    con.write_conf(conf(global_per_minute="3", sender_per_hour="0"))
    con.start()
    ok(wait_for(lambda: con.daemon_log().count("connected") >= 2, 20), "restarted with global_per_minute = 3")
    nq = len(con.queue())
    items = []
    for i, u in enumerate(EXTRA):
        m, _ = question(u, "consult@example.test", "burst %d" % i, "What is 9921%d?" % (3 + i % 3), extra=AR)
        items.append((u, "consult", m))
    st.send_many(items)
    ok(wait_for(lambda: len(con.queue()) >= nq + 6, 30), "6 answers queued")
    ok(wait_for(lambda: "circuit breaker tripped" in con.daemon_log(), 20), "breaker tripped and logged")
    time.sleep(3)
    states = [r[2] for r in con.queue()[nq:]]
    eq((states.count("sent"), states.count("queued")), (3, 3), "3 sent, 3 held in the queue")
    eq(sum(st.count(u) for u in EXTRA), 3, "3 replies delivered, no more")
    eq(con.daemon_log().count("circuit breaker tripped"), 1, "alert logged once, not per retry")
    ok(reconfigure(conf(global_per_minute="0", sender_per_hour="0")), "reloaded without the breaker")
    ok(wait_for(lambda: sum(st.count(u) for u in EXTRA) == 6, 30), "limit lifted: the held replies go out")
    eq(con.q("SELECT COUNT(*) FROM queue WHERE state = 'queued'")[0][0], 0, "queue empty")

    # ============ unit = message: a message is one lookup whatever its codes
    ok(reconfigure(conf(sender_per_hour="0", unit="message")), "reloaded with unit = message")
    row, rep = ask("coder1", "three codes", "99213, 99214 and 99215?")
    eq((row[0], row[4]), ("answered", 1), "unit message: 3 codes, 1 lookup charged")
    t = text_of(rep) if rep else ""
    ok(all(c in t for c in ("99213", "99214", "99215")) and "1 of 2 lookups left" in t,
       "all 3 answered, footer 1 of 2 left", t[-400:])
    row, rep = ask("coder1", "two codes", "93000 and 36415?")
    eq((row[0], row[4]), ("answered", 1), "unit message: second message charged 1")
    ok(rep is not None and "Not looked up" not in text_of(rep), "no partial answer by message")
    row, rep = ask("coder1", "more", "97110?")
    eq((row[0], row[4], con.queue()[-1][0]), ("answered", 0, "quota"), "third message: the quota reply")
    row, rep = ask("coder1", "more", "G0439?")
    eq((row[1], rep), ("quota-exhausted", None), "fourth: silence")

    charged = dict(con.q("SELECT sender, SUM(lookups) FROM charges GROUP BY sender"))
    answered = {k: v for k, v in con.q("SELECT h.sender, SUM(h.lookups) FROM handled h JOIN queue q "
                                       "ON q.handled_id = h.id WHERE q.state = 'sent' GROUP BY h.sender") if v}
    eq(charged, answered, "charges equal the lookups of delivered answers, per sender")
    ok(con.proc.poll() is None, "daemon still running")
finally:
    if con:
        con.cleanup()
    st.stop()
