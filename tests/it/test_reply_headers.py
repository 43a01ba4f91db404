"""Reply headers every parser reads the same way (issue 13 points 1 and 7, issue 12 point 4).

Every case of tests/fixtures/reply_headers.tsv (hostile and real-world display names and
subjects) is answered by the real binary (`codemaild answer`); each reply is read back by
Python's email package (policy.default with no defects, and policy.strict) and by libetpan's
RFC 5322 parser (tests/tools/hdrcheck): exactly one From (ours) and one To (the sender's exact
address), no header the composer did not write, no header line over 998 octets. Then the
cosmetic points: References keeps the thread root, an id with a space is dropped not joined,
the greeting, UTF-7 subjects, long subjects answered (true reasons), consultant_name checked
by check-config and quoted in From, invalid UTF-8 never sent raw."""
import base64
import email
import email.policy
import os
import re
import subprocess
import sys

from tap import ok, eq, diag, TOP
from cmdhelp import Instance

BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(TOP, "build"))
HDRCHECK = os.path.join(BUILD, "tools", "hdrcheck")
CORPUS = os.path.join(TOP, "tests", "fixtures", "reply_headers.tsv")
OURS = "consult@codemaild.example"
WRITTEN = {"from", "to", "subject", "date", "message-id", "in-reply-to", "references",
           "auto-submitted", "x-auto-response-suppress", "x-codemaild-loop", "mime-version",
           "content-type"}


def unescape(s):
    out = bytearray()
    i = 0
    b = s.encode()
    while i < len(b):
        c = b[i:i + 1]
        if c == b"\\" and i + 1 < len(b):
            n = b[i + 1:i + 2]
            if n == b"r":
                out += b"\r"; i += 2; continue
            if n == b"n":
                out += b"\n"; i += 2; continue
            if n == b"t":
                out += b"\t"; i += 2; continue
            if n == b"\\":
                out += b"\\"; i += 2; continue
            if n == b"x":
                out.append(int(b[i + 2:i + 4], 16)); i += 4; continue
        out += c
        i += 1
    return bytes(out)


def expand(v):
    v = unescape(v)
    v = re.sub(rb"\{REP:(\d+):([^}]*)\}", lambda m: m.group(2) * int(m.group(1)), v)

    def word(m):
        if m.group(1) == b"B":
            return b"=?UTF-8?B?" + base64.b64encode(m.group(2)) + b"?="
        q = b"".join(bytes([c]) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else
                     (b"_" if c == 32 else b"=%02X" % c) for c in m.group(2))
        return b"=?UTF-8?Q?" + q + b"?="
    return re.sub(rb"\{([BQ]):([^}]*)\}", word, v)


def load_corpus():
    cases = []
    with open(CORPUS, encoding="utf-8") as f:
        for ln in f:
            ln = ln.rstrip("\n")
            if not ln or ln.startswith("#"):
                continue
            kind, expect, value = ln.split("\t", 2)
            cases.append((kind, expect, value, expand(value)))
    return cases


def question(frm, subject, msgid, body=b"What is 99213?", extra=b""):
    return (b"From: " + frm + b"\r\nTo: Coding Consultant <" + OURS.encode() + b">\r\nSubject: " + subject +
            b"\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <" + msgid + b">\r\n" + extra +
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body + b"\r\n")


def answer(inst, raw, name="q.eml"):
    path = os.path.join(inst.dir, name)
    with open(path, "wb") as f:
        f.write(raw)
    r = inst.run("answer", path)
    return r.stdout, r.stderr.decode(errors="replace")


def header_block(reply):
    return reply.split(b"\r\n\r\n", 1)[0]


def header_lines(reply):
    return header_block(reply).split(b"\r\n")


def hdrcheck(inst, reply):
    path = os.path.join(inst.dir, "reply.eml")
    with open(path, "wb") as f:
        f.write(reply)
    r = subprocess.run([HDRCHECK, path], capture_output=True)
    return r.returncode, r.stdout.decode("utf-8", errors="replace").splitlines()


def check_reply(inst, reply, want_to, label, stats):
    """All the checks of one reply; returns a list of defects (empty: clean)."""
    bad = []
    if not reply:
        return ["no reply"]
    lines = header_lines(reply)
    longest = max(len(x) for x in lines)
    stats["maxline"] = max(stats["maxline"], longest)
    # lines that carry no address: what our folding controls
    stats["maxline_text"] = max([stats["maxline_text"]] + [len(x) for x in lines if b"@" not in x])
    if longest > 998:
        bad.append("header line of %d octets" % longest)
    if any(b"\r" in x or b"\n" in x for x in lines):
        bad.append("bare CR or LF in the header")
    names = [x.split(b":", 1)[0].decode(errors="replace").lower() for x in lines if x[:1] not in (b" ", b"\t")]
    extra = set(names) - WRITTEN
    if extra:
        bad.append("extra headers %r" % sorted(extra))
    for h in ("from", "to", "subject"):
        if names.count(h) != 1:
            bad.append("%d %s fields" % (names.count(h), h))
    # Python, policy.default: values and defects
    m = email.message_from_bytes(reply, policy=email.policy.default)
    if m.defects:
        bad.append("message defects %r" % m.defects)
    try:
        to, frm, subj = m["To"], m["From"], m["Subject"]
        for h in (to, frm, subj):
            if h is not None and h.defects:
                bad.append("%s defects %r" % (h.name, h.defects))
        if to is None or len(to.addresses) != 1 or to.addresses[0].addr_spec != want_to:
            bad.append("python To %r" % (None if to is None else [a.addr_spec for a in to.addresses]))
        if frm is None or len(frm.addresses) != 1 or frm.addresses[0].addr_spec != OURS:
            bad.append("python From %r" % (None if frm is None else [a.addr_spec for a in frm.addresses]))
        if to is not None and (len(to.groups) != 1 or to.groups[0].display_name is not None):
            bad.append("python To has a group")
        if subj is None or "\n" in str(subj) or "\r" in str(subj):
            bad.append("python Subject %r" % subj)
        py_name = to.addresses[0].display_name if to is not None and to.addresses else None
        for part in m.walk():
            if part.get_content_maintype() == "text":
                part.get_payload(decode=True).decode("utf-8")   # raises on invalid UTF-8
    except Exception as e:  # noqa: BLE001 - any parse failure is a defect
        bad.append("python raised %r" % e)
        py_name = None
    # Python, policy.strict: raises on any defect
    try:
        ms = email.message_from_bytes(reply, policy=email.policy.strict)
        [a.addr_spec for a in ms["To"].addresses] + [a.addr_spec for a in ms["From"].addresses]
        str(ms["Subject"])
    except Exception as e:  # noqa: BLE001
        bad.append("python strict raised %r" % e)
    # libetpan
    rc, out = hdrcheck(inst, reply)
    if rc != 0:
        bad.append("libetpan could not parse: %r" % out)
    fields = [x.split(" ", 1)[1] for x in out if x.startswith("field ")]
    optional = [x.split(" ", 1)[1] for x in out if x.startswith("optional ")]
    tos = [x[3:].split("\t") for x in out if x.startswith("to ")]
    froms = [x[5:].split("\t") for x in out if x.startswith("from ")]
    if fields.count("From") != 1 or fields.count("To") != 1:
        bad.append("libetpan fields %r" % fields)
    if {"Cc", "Bcc", "Sender", "Reply-To"} & set(fields) or \
            {"from", "to", "cc", "bcc", "subject"} & {o.lower() for o in optional}:
        bad.append("libetpan extra/unparsed fields %r %r" % (fields, optional))
    if [t[0] for t in tos] != [want_to] or any(x.startswith("group ") for x in out):
        bad.append("libetpan To %r" % tos)
    if [f[0] for f in froms] != [OURS]:
        bad.append("libetpan From %r" % froms)
    # the two parsers agree on the display name (white space aside)
    # (Python keeps the white space between two encoded words of a phrase, which RFC 2047
    # says to drop; a name longer than one encoded word may gain a space there)
    if py_name is not None and tos and "".join(py_name.split()) != "".join(tos[0][1].split()):
        stats["name_disagree"].append((label, py_name, tos[0][1]))
    return bad


inst = Instance()
try:
    cases = load_corpus()
    ok(len(cases) >= 60, "corpus holds at least 60 cases (%d)" % len(cases))
    stats = {"maxline": 0, "maxline_text": 0, "name_disagree": []}
    defects = 0
    replies = 0
    for i, (kind, expect, value, raw) in enumerate(cases):
        label = "%s %r" % (kind, value[:60])
        if kind == "from":
            q = question(raw, b"What is 99213?", b"corpus-%d@clinic.example" % i)
        else:
            q = question(b"Pat <pat@clinic.example>", raw, b"corpus-%d@clinic.example" % i)
        reply, err = answer(inst, q)
        if kind == "from" and expect == "-":
            ok(not reply and ("(bad-sender-address)" in err or "(null-sender)" in err),
               "no reply, true reason: " + label, err.strip())
            continue
        replies += 1
        bad = check_reply(inst, reply, expect if kind == "from" else "pat@clinic.example", label, stats)
        if kind == "subject" and reply and not bad:
            s = str(email.message_from_bytes(reply, policy=email.policy.default)["Subject"])
            if expect != "*" and expect not in s:
                bad.append("subject %r lacks %r" % (s[:80], expect))
        defects += len(bad)
        ok(not bad, "clean reply: " + label, "; ".join(bad)[:600] + " | " + err.strip()[:200])
    eq(defects, 0, "0 defects over %d replies (Python default + strict, libetpan)" % replies)
    diag("longest header line %d octets; longest without an address %d" % (stats["maxline"], stats["maxline_text"]))
    ok(stats["maxline_text"] <= 78, "header lines without an address fold within 78 columns (%d)" % stats["maxline_text"])

    # --- generated names: random mixes of specials, quotes, backslashes, controls, non-ASCII
    # and encoded words (fixed seed: the same 150 every run)
    import random
    rnd = random.Random(13)
    pieces = ['"', "\\", ",", ";", ":", "<", ">", "@", "(", ")", "[", "]", ".", " ", "\t", "=?", "?=",
              "\r\n", "\x00", "\x1b", "\u0085", "\u2028", "\u202e", "\u00e9", "\u5c71", "\U0001f600",
              "Bcc: x@evil.example", "Smith", "John", "a@b.example", "=?UTF-8?Q?x?=", "'", "\xa0"]
    gbad = 0
    for i in range(150):
        name = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12)))
        form = i % 3
        if form == 0:
            frm = b"=?UTF-8?B?" + base64.b64encode(name.encode("utf-8", "surrogatepass")) + b"?="
        elif form == 1:
            frm = b'"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "").encode() + b'"'
        else:
            frm = b"=?UTF-8?Q?" + b"".join(b"=%02X" % c for c in name.encode()) + b"?="
        addr = "gen%d@clinic.example" % i
        reply, err = answer(inst, question(frm + b" <" + addr.encode() + b">", b"What is 99213?", b"gen-%d@x" % i))
        bad = check_reply(inst, reply, addr, "gen", stats)
        gbad += len(bad)
        if bad:
            diag("generated name %r: %s" % (name, "; ".join(bad)[:300]))
    eq(gbad, 0, "150 generated display names, 0 defects")

    # --- honour_reply_to: the Reply-To's display name goes through the same phrase rules
    rinst = Instance(extra="[policy]\nhonour_reply_to = yes\n")
    try:
        hostile = [c for c in cases if c[0] == "from" and c[1] != "-"][:30]
        rbad = 0
        for i, (kind, expect, value, raw) in enumerate(hostile):
            q = question(b"Pat <pat@clinic.example>", b"What is 99213?", b"rt-%d@clinic.example" % i,
                         extra=b"Reply-To: " + raw + b"\r\n")
            reply, err = answer(rinst, q)
            bad = check_reply(rinst, reply, expect, "reply-to", stats)
            rbad += len(bad)
            if bad:
                diag("Reply-To %r: %s" % (value[:50], "; ".join(bad)[:300]))
        eq(rbad, 0, "honour_reply_to: %d hostile Reply-To names, 0 defects" % len(hostile))
    finally:
        rinst.cleanup()

    ok(not stats["name_disagree"], "Python and libetpan read the same display names (corpus, generated, Reply-To)",
       repr(stats["name_disagree"][:5]))

    # --- greeting: the name as written, not cut at the comma
    reply, _ = answer(inst, question(b'"Smith, John" <js@clinic.example>', b"What is 99213?", b"greet-1@x"))
    m = email.message_from_bytes(reply, policy=email.policy.default)
    text = m.get_body(("plain",)).get_content()
    ok("Hello Smith, John," in text and "Hello Smith,\n" not in text, "\"Smith, John\" greeted by the whole name",
       text[:80])
    reply, _ = answer(inst, question(b"=?UTF-8?B?" + base64.b64encode(b"Evil\r\nBcc: v@evil.example") +
                                     b"?= <ev@clinic.example>", b"What is 99213?", b"greet-2@x"))
    text = email.message_from_bytes(reply, policy=email.policy.default).get_body(("plain",)).get_content()
    ok(text.startswith("Hello Evil Bcc: v@evil.example,") or text.startswith("Hello,"),
       "greeting name on one line, no line break from the name", text[:60])
    reply, _ = answer(inst, question(b'"Kim <kim@evil.example>" <kim@clinic.example>', b"What is 99213?", b"greet-3@x"))
    text = email.message_from_bytes(reply, policy=email.policy.default).get_body(("plain",)).get_content()
    ok(text.startswith("Hello,") and "evil.example" not in text.split("\n")[0],
       "a name holding an address is not used in the greeting", text[:60])

    # --- References: the thread root kept when trimming; "<a b@x>" dropped, never joined
    refs = b" ".join(b"<ref%d@clinic.example>" % k for k in range(30))
    reply, _ = answer(inst, question(b"Pat <pat@clinic.example>", b"What is 99213?", b"thread-30@clinic.example",
                                     extra=b"References: " + refs + b"\r\n"))
    m = email.message_from_bytes(reply, policy=email.policy.default)
    ids = re.findall(r"<[^>]*>", str(m["References"]))
    ok(ids and ids[0] == "<ref0@clinic.example>", "References keeps the thread root first", repr(ids[:2]))
    ok(ids and ids[-1] == "<thread-30@clinic.example>" and "<ref29@clinic.example>" in ids,
       "References ends with the latest ids and the question's id", repr(ids[-3:]))
    ok(len(ids) <= 21, "References trimmed (%d ids)" % len(ids))
    q = question(b"Pat <pat@clinic.example>", b"What is 99213?", b"a b@x",
                 extra=b"References: <root@x> <c d@x> <e@x>\r\n")
    reply, err = answer(inst, q)
    ok(reply and b"<ab@x>" not in reply and b"<cd@x>" not in reply, "\"<a b@x>\" is not turned into \"<ab@x>\"")
    hdr = header_block(reply)
    ok(b"In-Reply-To" not in hdr and b"<root@x>" in hdr and b"<e@x>" in hdr,
       "an id with a space is dropped, valid ids kept", hdr.decode(errors="replace")[-200:])

    # --- long subjects: answered (not "bad-sender-address"), truncated, folded
    for n, unit in ((2100, b"z"), (1100, "é".encode()), (700, b"word "), (999, b"q")):
        reply, err = answer(inst, question(b"Pat <pat@clinic.example>", unit * n, b"long-%d@x" % n))
        lines = header_lines(reply) if reply else [b""]
        ok(reply and "answered" in err, "subject of %d bytes answered" % (len(unit) * n), err.strip())
        ok(max(len(x) for x in lines) <= 78, "its header lines are at most 78 octets (%d)" % max(len(x) for x in lines))
        if reply:
            s = str(email.message_from_bytes(reply, policy=email.policy.default)["Subject"])
            ok(s.startswith("Re: " + unit.decode()[:1]) and len(s.encode()) < 400,
               "its subject truncated at a character boundary (%d bytes)" % len(s.encode()), s[:40])

    # --- UTF-7 subject decoded
    reply, _ = answer(inst, question(b"Pat <pat@clinic.example>", b"=?UTF-7?Q?Hi_+AOk-t+AOk-?=", b"u7@x"))
    eq(str(email.message_from_bytes(reply, policy=email.policy.default)["Subject"]), "Re: Hi été",
       "UTF-7 encoded subject decoded")

    # --- consultant_name: check-config accepts a name it can quote, refuses CR / controls
    def cfg_with(name):
        path = os.path.join(inst.dir, "name.conf")
        with open(inst.conf, "rb") as f:
            base = f.read()
        with open(path, "wb") as f:
            f.write(base.replace(b"[general]\n", b"[general]\nconsultant_name = " + name + b"\n", 1))
        return path

    def run_cfg(path, *args):
        e = dict(os.environ, CODEMAILD_LOG_STDERR="1")
        return subprocess.run([os.environ.get("CODEMAILD", os.path.join(BUILD, "codemaild")), "-c", path, *args],
                              capture_output=True, env=e)
    for name in (b'Coding Desk, Billing (Main) "Team"', b"Dr. Lee; O'Brien <x@y>", "Coding Caf\u00e9, Dépt".encode()):
        path = cfg_with(name)
        r = run_cfg(path, "check-config")
        ok(r.returncode == 0, "check-config accepts consultant_name %r" % name, r.stderr.decode(errors="replace"))
        qpath = os.path.join(inst.dir, "cq.eml")
        with open(qpath, "wb") as f:
            f.write(question(b"Pat <pat@clinic.example>", b"What is 99213?", b"cn@x"))
        r = run_cfg(path, "answer", qpath)
        st2 = {"maxline": 0, "maxline_text": 0, "name_disagree": []}
        bad = check_reply(inst, r.stdout, "pat@clinic.example", "cn", st2)
        frm = email.message_from_bytes(r.stdout, policy=email.policy.default)["From"] if r.stdout else None
        ok(not bad and frm is not None and frm.addresses[0].display_name == name.decode(),
           "From quoted for consultant_name %r" % name, "; ".join(bad))
    for name in (b"Coding\rBcc: x@evil.example", b"Coding \x01Desk", b"Bad \xff UTF-8", b"x" * 140):
        r = run_cfg(cfg_with(name), "check-config")
        ok(r.returncode != 0 and b"consultant_name" in r.stderr,
           "check-config refuses consultant_name %r" % name[:40], r.stderr.decode(errors="replace")[:200])
finally:
    inst.cleanup()
