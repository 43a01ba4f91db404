"""Sender identity end to end (issue 13, points 2, 4 and 6) over real Dovecot/Postfix with a
running codemaild (IMAP IDLE in, SMTP submission out):

  - quota by address variants: after kim@ used its guest allowance (2 lookups), kim+1@,
    Kim@, KIM+2@ and kim@example.test. (trailing dot) get the one quota reply and then
    silence, all under the one key kim@example.test; nobody else is charged;
  - the per-sender hourly limit holds whatever the case or +tag of the From
    (Lee@, lee+x@, LEE@ ...);
  - with honour_reply_to, replies to one Reply-To address (in any case or +tag) are limited
    although every From differs;
  - registration: a reply to the token message saying "who are you?" does not register,
    "Yes" does; wrong tokens are counted and, after LIM_REGISTER_TRIES (5), the address is
    locked: even the right token is then ignored (reason token-locked).

Every message carries a trusted Authentication-Results (authserv-id mx.example.test) for its
From domain; the test runs in about a minute."""
import re

from tap import ok, eq, sensitive
from mailstack import wait_for
from mailstack_ext import LiveStack, Consultant, question, text_of

AR = "Authentication-Results: mx.example.test; dmarc=pass header.from=example.test\r\n"
USERS = ["consult", "kim", "lee", "victim", "reg", "eve"] + ["u%d" % i for i in range(1, 5)]
# +tag variants are accepted by Postfix; Dovecot's LMTP delivers them to the base user
VARIANTS = ["kim+1@example.test", "kim+2@example.test", "lee+x@example.test",
            "victim+z@example.test"]


def conf(**over):
    c = {"policy": {"authserv_id": "mx.example.test", "require_auth": "dmarc", "unauth_action": "ignore"},
         "quota": {"unit": "code", "guest": "2", "guest_period": "lifetime"},
         "rate": {"sender_per_hour": "3", "sender_per_day": "0", "domain_per_day": "0",
                  "global_per_minute": "0"}}
    for k, v in over.items():
        c.setdefault(k, {}).update(v)
    return c


st = LiveStack(users=USERS, postfix_only=VARIANTS).start()
con = None


def ask(frm, subject, body="", extra=""):
    """Sends one message with header From frm (envelope from its base user); returns the
    handled row (outcome, reason, sender key, message_id, lookups)."""
    n = con.handled_count()
    m, _ = question(frm, "consult@example.test", subject, body or subject, extra=AR + extra)
    env = re.sub(r"\+[^@]*@", "@", frm.rstrip(".")).lower()
    st.send(env, "consult", m)
    if not wait_for(lambda: con.handled_count() > n, 30):
        return ("timeout", "timeout", frm, "", -1)
    return con.handled()[-1]


def reconfigure(cfg):
    n = con.daemon_log().count("configuration reloaded")
    con.write_conf(cfg)
    con.reload()
    return wait_for(lambda: con.daemon_log().count("configuration reloaded") > n, 15)


try:
    sensitive(*[st.addr(u) for u in USERS], *VARIANTS)
    con = Consultant(st, "consult", extra=conf())
    con.start()
    ok(wait_for(lambda: "connected" in con.daemon_log(), 20), "daemon connected")

    # ---- point 4: one allowance whatever the variant
    row = ask("kim@example.test", "two codes", "What are 99213 and 99214?")
    eq((row[0], row[2], row[4]), ("answered", "kim@example.test", 2), "kim: 2 lookups charged")
    rows = [ask(a, "more", "And 93000?") for a in
            ("kim+1@example.test", "Kim@Example.Test", "KIM+2@example.test", "kim@example.test.")]
    eq([r[2] for r in rows], ["kim@example.test"] * 4, "every variant is keyed kim@example.test")
    eq([(r[0], r[4]) for r in rows], [("answered", 0)] + [("ignored", 0)] * 3,
       "variants: one quota reply, then silence, nothing charged")
    eq([r[1] for r in rows[1:]], ["quota-exhausted"] * 3, "silence says quota-exhausted")
    eq(con.q("SELECT kind FROM queue ORDER BY id"), [("answer",), ("quota",)],
       "queued: the answer and one quota reply")
    eq(con.q("SELECT sender, SUM(lookups) FROM charges GROUP BY sender"), [("kim@example.test", 2)],
       "charges: 2, all to kim@example.test")
    out = con.cli("sender", "show", "KIM+9@Example.Test.")[1]
    ok(re.search(r"kim@example.test\s+guest\s+used 2\s+of 2\s+left 0", out), "sender show of a variant", out)

    # ---- point 2: the hourly limit (3) across case and +tag
    froms = ["lee@example.test", "Lee@example.test", "lee+x@example.test", "LEE@EXAMPLE.TEST",
             "lee@example.test."]
    rows = [ask(a, "question %d" % i, "What is 36415?") for i, a in enumerate(froms)]
    eq([r[0] for r in rows[:3]], ["answered"] * 3, "lee: 3 replies")
    eq([r[1] for r in rows[3:]], ["rate-sender-hour"] * 2, "lee: then rate-sender-hour, whatever the case")
    eq(con.q("SELECT COUNT(*) FROM queue WHERE rcpt_key = 'lee@example.test'")[0][0], 3,
       "3 replies queued under the key lee@example.test")

    # ---- point 2: honour_reply_to, one victim
    ok(reconfigure(conf(policy={"honour_reply_to": "yes"}, rate={"sender_per_hour": "2"},
                        quota={"guest": "-1"})), "reloaded with honour_reply_to")
    rts = ["victim@example.test", "Victim@Example.Test", "victim+z@example.test", "VICTIM@example.test"]
    rows = [ask("u%d@example.test" % (i + 1), "q", "What is 97110?", extra="Reply-To: %s\r\n" % rt)
            for i, rt in enumerate(rts)]
    eq([r[1] for r in rows], ["ok", "ok", "rate-sender-hour", "rate-sender-hour"],
       "Reply-To victim: 2 replies, then limited although every From differs")

    # ---- point 6: registration only by the token or a confirming word
    ok(reconfigure(conf()), "reloaded")
    n = st.count("reg")
    row = ask("reg@example.test", "REGISTER")
    ok(wait_for(lambda: st.count("reg") > n, 30), "the token message arrived")
    tokmsg = st.fetch("reg")[-1]
    tok = re.search(r"REGISTER ([0-9a-f]{32})", text_of(tokmsg))
    ok(tok, "it carries a token")
    irt = "In-Reply-To: %s\r\nReferences: %s\r\n" % (tokmsg["Message-ID"], tokmsg["Message-ID"])
    row = ask("reg@example.test", "Re: " + str(tokmsg["Subject"]), "who are you?", extra=irt)
    out = con.cli("sender", "show", "reg@example.test")[1]
    ok("registered: no" in out, "'who are you?' does not register", out)
    row = ask("Reg@example.test", "Re: " + str(tokmsg["Subject"]), "Yes", extra=irt)
    out = con.cli("sender", "show", "reg@example.test")[1]
    ok("registered: yes" in out, "'Yes' registers", out)

    n = st.count("eve")
    ask("eve@example.test", "REGISTER")
    ok(wait_for(lambda: st.count("eve") > n, 30), "eve's token message arrived")
    good = re.search(r"REGISTER ([0-9a-f]{32})", text_of(st.fetch("eve")[-1]))
    good = good.group(1) if good else "x"
    bad = "0123456789abcdef0123456789abcdef" if good != "0123456789abcdef0123456789abcdef" else "f" * 32
    rows = [ask("eve@example.test", "REGISTER %s" % bad) for _ in range(5)]
    eq([r[0] for r in rows], ["answered"] + ["ignored"] * 4, "wrong tokens: one invalid-token notice, then silence")
    eq(con.q("SELECT token_fails, locked_until > strftime('%s','now'), token IS NULL FROM senders "
             "WHERE addr = 'eve@example.test'"), [(5, 1, 1)], "5 tries counted, locked, token dropped")
    row = ask("eve@example.test", "REGISTER %s" % good)
    eq(row[:2], ("ignored", "token-locked"), "locked: the right token is ignored too")
    ok("registered: no" in con.cli("sender", "show", "eve@example.test")[1], "eve not registered")
    ok(con.proc.poll() is None, "daemon still running")
finally:
    if con:
        con.cleanup()
    st.stop()
