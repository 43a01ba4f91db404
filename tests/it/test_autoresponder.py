"""Real autoresponder peers: Dovecot's Sieve (Pigeonhole) `vacation` and `redirect` on test
users, and two codemaild instances on two consultant accounts mailing each other. Every
exchange stops after the first round trip: the test counts the messages in every mailbox
involved over several seconds after the exchange settled.

  - control: coder3's vacation answers an ordinary mail from coder1 (the peer is live);
  - coder3 (on vacation) asks the consultant: one answer, and the vacation responder stays
    silent on it (our Auto-Submitted: auto-replied; the daemon's envelope sender is the
    consultant address here, so only the header stops it);
  - coder2's vacation answers a mail a human sent from the consultant's address: the
    daemon ignores that vacation notice (auto-submitted), no reply;
  - coder1 forwards everything back to the consultant (Sieve redirect): our answer comes
    back and is ignored (own-loop-header);
  - consultants A (consult) and B (consult2) each answer a question whose From is the other
    consultant: the other side ignores the answer at once, by the shared loop header, and
    with B's loop header renamed, both ways, by Auto-Submitted;
  - broken autoresponders that mark nothing (a Python robot answering every mail): one
    that quotes us gets one no-code reply and then silence; one that pastes our answer
    unquoted (so it keeps "asking") is cut off by the per-sender hourly limit."""
import os
import threading
import time

from tap import ok, eq, diag, sensitive
from mailstack import wait_for
from mailstack_ext import LiveStack, Consultant, question, text_of

USERS = ["consult", "consult2", "coder1", "coder2", "coder3", "other", "robot1", "robot2"]
RATE = 5      # A's answers per sender per hour


class Robot:
    """A broken autoresponder on user's mailbox: answers every new message from `peer` with a
    plain reply carrying no Auto-Submitted, Precedence or X-Auto* marker. mode "quote"
    quotes the message with "> "; mode "echo" pastes its text unquoted ("You wrote: ...")."""

    def __init__(self, st, user, peer, mode):
        self.st, self.user, self.peer, self.mode = st, st.addr(user), peer, mode
        self.seen, self.sent, self.stop = set(), 0, False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop:
            try:
                for m in self.st.fetch(self.user):
                    mid = str(m["Message-ID"])
                    if mid in self.seen or self.peer not in str(m["From"]):
                        continue
                    self.seen.add(mid)
                    text = text_of(m)
                    if self.mode == "quote":
                        body = "Thank you for your message, we will reply soon.\n\n" + \
                            "\n".join("> " + ln for ln in text.splitlines())
                    else:
                        body = "Thank you for your message, we will reply soon.\n\nYou wrote:\n" + text
                    rep = ("From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nIn-Reply-To: %s\r\n"
                           "Message-ID: <robot.%d.%d@example.test>\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
                           % (self.user, self.peer, m["Subject"], mid, self.sent, time.time_ns(),
                              body.replace("\n", "\r\n")))
                    self.st.send(self.user, self.peer, rep)
                    self.sent += 1
            except Exception:  # noqa: BLE001 - keep polling
                pass
            time.sleep(0.3)


def settle(st, boxes, secs=3, step=1.5):
    """Counts every folder of each user in boxes now and every step seconds for secs;
    returns the list of snapshots (all equal when nothing moves)."""
    snaps = []
    for _ in range(int(secs // step) + 1):
        snaps.append(tuple(st.all_count(u) for u in boxes))
        time.sleep(step)
    return snaps


def stable(snaps, name):
    return ok(len(set(snaps)) == 1, name, "counts over time: %r" % snaps)


st = LiveStack(users=USERS, sieve=True).start()
A = B = None
try:
    st.set_sieve("coder3", 'require ["vacation"];\n'
                 'vacation :days 1 :subject "Out of office" :addresses ["coder3@example.test"]\n'
                 '  "I am away this week.";\n')
    st.set_sieve("coder2", 'require ["vacation"];\n'
                 'vacation :days 1 :subject "Away" :addresses ["coder2@example.test"] "Back on Monday.";\n')
    st.set_sieve("coder1", 'require ["copy"];\nredirect :copy "consult@example.test";\n')
    sensitive("Out of office", "I am away this week.", "Back on Monday.")

    # ---- control: the vacation responder is live
    m, _ = question("other@example.test", "coder3@example.test", "lunch on friday", "Are you in?")
    st.send("other@example.test", "coder3", m)
    ok(wait_for(lambda: st.count("other") >= 1, 20), "control: coder3's Sieve vacation answers a person")
    vac = st.fetch("other")
    ok(vac and vac[0]["Auto-Submitted"] and "auto-replied" in vac[0]["Auto-Submitted"],
       "control: the vacation notice is Auto-Submitted: auto-replied", repr(vac and vac[0].items()))

    A = Consultant(st, "consult", name="A", extra={
        "sender": {"envelope_from": "consult@example.test"}, "quota": {"guest": "-1"},
        "rate": {"sender_per_hour": str(RATE)}})
    A.start()
    ok(wait_for(lambda: "connected" in A.daemon_log(), 20), "consultant A connected")

    # ---- coder3 on vacation asks a question
    c3 = st.all_count("coder3")     # the control's mail from other
    m, mid = question("Coder Three <coder3@example.test>", "consult@example.test", "CPT 99213 level",
                      "Is 99213 right for a 20 minute follow-up?")
    st.send("coder3@example.test", "consult", m)
    ok(wait_for(lambda: st.count("coder3") >= c3 + 1, 30), "coder3 gets the answer")
    ok(A.wait_sent(10), "A's queue empty")
    snaps = settle(st, ["consult", "coder3"])
    eq(snaps[-1], (1, c3 + 1), "one question in, one answer out")
    eq(st.count("other"), 1, "other still has just the one vacation notice")
    with open(st.dovecot_dir + "/dovecot.log", errors="replace") as f:
        dlog = f.read()
    ok("discarding vacation response to auto-submitted message from <consult@example.test>" in dlog,
       "Pigeonhole says it held back its vacation response because of our Auto-Submitted")
    stable(snaps, "vacation peer: the exchange stops after one round trip")
    eq([r[:2] for r in A.handled()], [("answered", "ok")], "A answered once")

    # ---- a human writes from the consultant address; coder2's vacation answers it
    m, _ = question("Coding Consultant <consult@example.test>", "coder2@example.test", "your call",
                    "Call me back please.")
    st.send("consult@example.test", "coder2", m)
    ok(wait_for(lambda: A.handled_count() >= 2, 30), "the vacation notice reached A")
    eq(A.handled()[-1][:2], ("ignored", "auto-submitted"), "A ignores the Sieve vacation notice")
    snaps = settle(st, ["consult", "coder2"])
    stable(snaps, "no reply to the vacation notice, nothing more moves")
    eq(len(A.queue()), 1, "A queued no reply for it")

    # ---- coder1 forwards everything back (Sieve redirect): our answer returns
    m, _ = question("coder1@example.test", "consult@example.test", "J06.9 question", "What is J06.9?")
    st.send("coder1@example.test", "consult", m)
    ok(wait_for(lambda: A.handled_count() >= 4, 30), "question and the redirected answer handled",
       repr(A.handled()))
    h = A.handled()
    eq([r[:2] for r in h[2:4]], [("answered", "ok"), ("ignored", "own-loop-header")],
       "the answer redirected back is ignored by our loop header")
    snaps = settle(st, ["consult", "coder1"])
    stable(snaps, "redirect loop: stops after one round trip")
    eq(len(A.queue()), 2, "A sent exactly 2 replies in all")

    # ---- broken autoresponders without any auto-reply marker
    sensitive("Thank you for your message, we will reply soon.")
    r1 = Robot(st, "robot1", "consult@example.test", "quote")
    n0 = A.handled_count()
    m, _ = question("robot1@example.test", "consult@example.test", "99215 documentation", "What is 99215?")
    st.send("robot1@example.test", "consult", m)
    ok(wait_for(lambda: r1.sent >= 2 and A.handled_count() >= n0 + 3, 40),
       "quoting robot: answer, robot reply, nocode notice, robot reply", repr(A.handled()[n0:]))
    snaps = settle(st, ["consult", "robot1"])
    stable(snaps, "quoting robot: stops after the one no-code notice of the day")
    eq([r[:2] for r in A.handled()[n0:]], [("answered", "ok"), ("answered", "ok"), ("ignored", "notice-limit")],
       "A: answer, one no-code reply, then notice-limit")
    eq((r1.sent, st.count("robot1")), (2, 2), "robot1 got 2 replies and sent 2")
    r1.stop = True

    r2 = Robot(st, "robot2", "consult@example.test", "echo")
    n0 = A.handled_count()
    m, _ = question("robot2@example.test", "consult@example.test", "99214 documentation", "What is 99214?")
    st.send("robot2@example.test", "consult", m)
    ok(wait_for(lambda: any(r[1] == "rate-sender-hour" for r in A.handled()[n0:]), 60),
       "echoing robot: A stops at the hourly per-sender limit")
    snaps = settle(st, ["consult", "robot2"])
    stable(snaps, "echoing robot: the exchange stops")
    eq(st.count("robot2"), RATE, "robot2 got exactly %d replies (sender_per_hour)" % RATE)
    diag("echo loop: %d robot messages, %d replies" % (r2.sent, st.count("robot2")))
    r2.stop = True

    # ---- two consultants mailing each other
    B = Consultant(st, "consult2", name="B", extra={"quota": {"guest": "-1"}})
    B.start()
    ok(wait_for(lambda: "connected" in B.daemon_log(), 20), "consultant B connected")
    na, nb = A.handled_count(), B.handled_count()
    m, _ = question("Consultant Two <consult2@example.test>", "consult@example.test", "99214 vs 99215",
                    "Which fits: 99214 or 99215?")
    st.send("consult2@example.test", "consult", m)
    ok(wait_for(lambda: B.handled_count() >= nb + 1, 30), "A's answer reached B")
    eq(A.handled()[-1][:2], ("answered", "ok"), "A answered the question from B's address")
    eq(B.handled()[-1][:2], ("ignored", "own-loop-header"), "B ignores A's answer at once (loop header)")
    snaps = settle(st, ["consult", "consult2"])
    stable(snaps, "A <-> B: nothing more after one message each way")
    eq((A.handled_count() - na, B.handled_count() - nb), (1, 1), "one message handled on each side")
    eq(len(B.queue()), 0, "B sent nothing")

    # B as another product with its own loop header: Auto-Submitted alone stops it
    B.stop()
    B.write_conf({"general": {"loop_header": "X-Other-Loop"}, "quota": {"guest": "-1"}})
    B.start()
    ok(wait_for(lambda: B.daemon_log().count("connected") >= 2, 20), "B restarted with X-Other-Loop")
    m, _ = question("Consultant One <consult@example.test>", "consult2@example.test", "G0439 question",
                    "Is G0439 billable yearly?")
    st.send("consult@example.test", "consult2", m)
    ok(wait_for(lambda: A.handled_count() >= na + 2, 30), "B's answer reached A")
    eq(B.handled()[-1][:2], ("answered", "ok"), "B answered the question from A's address")
    eq(A.handled()[-1][:2], ("ignored", "auto-submitted"), "A ignores B's answer by Auto-Submitted")
    r = B.q("SELECT body FROM queue ORDER BY id DESC LIMIT 1")[0][0]
    ok(b"X-Other-Loop:" in r and b"X-Codemaild-Loop" not in r, "B's answer carried only its own loop header")
    # and the way back: A's answer carries X-Codemaild-Loop, which B no longer treats as its own
    m, _ = question("Consultant Two <consult2@example.test>", "consult@example.test", "E11.9 question",
                    "What is E11.9?")
    nb = B.handled_count()
    st.send("consult2@example.test", "consult", m)
    ok(wait_for(lambda: B.handled_count() >= nb + 1, 30), "A's second answer reached B")
    eq(B.handled()[-1][:2], ("ignored", "auto-submitted"), "B ignores it by Auto-Submitted")
    snaps = settle(st, ["consult", "consult2"])
    stable(snaps, "A <-> B with different loop headers: stops at once")
    diag("A: %r" % [r[:2] for r in A.handled()])
    diag("B: %r" % [r[:2] for r in B.handled()])
    for c in (A, B):
        ok(c.proc.poll() is None, "%s still running" % c.name)
finally:
    for c in (A, B):
        if c:
            c.cleanup()
    st.stop()
