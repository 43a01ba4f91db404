"""Hostile inputs for `codemaild parse`: the two inputs that break Debian's libetpan, deep
nesting, huge part counts, oversized messages and header lines, NUL bytes, invalid UTF-8 and
charset labels. Each must end within its limit, in bounded time, with a clear outcome (an
error or a warning in valid JSON) and an exit code that is not a crash."""
import json
import os
import subprocess
import tempfile
import time

from tap import ok, eq, diag, BIN

EX_DATAERR = 65
tmp = tempfile.mkdtemp(prefix="hostile-")


def run(name, data, max_secs):
    path = os.path.join(tmp, name + ".eml")
    with open(path, "wb") as fh:
        fh.write(data)
    t0 = time.monotonic()
    p = subprocess.run([BIN, "parse", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    dt = time.monotonic() - t0
    diag("%-22s %9d bytes  %6.3f s  exit %d" % (name, len(data), dt, p.returncode))
    ok(p.returncode in (0, EX_DATAERR), name + ": exit 0 or EX_DATAERR, not a crash",
       "exit %d %s" % (p.returncode, p.stderr[-300:]))
    ok(dt < max_secs, "%s: done in %.3f s (< %g s)" % (name, dt, max_secs))
    try:
        r = json.loads(p.stdout.decode("utf-8"))     # strict UTF-8
    except ValueError as e:
        ok(False, name + ": valid UTF-8 JSON", str(e))
        return {}, p.returncode
    ok(True, name + ": valid UTF-8 JSON")
    return r, p.returncode


H = b"From: a@example.com\nSubject: hostile\n"

# 1. libetpan 1.9.4: negative-size copy on this boundary
r, rc = run("libetpan-boundary", H + b'Content-Type: multipart/mixed; boundary="\\""\n\n'
            b'--"\nContent-Type: text/plain\n\nstill read\n--"--\n', 2)
eq(rc, 0, "libetpan-boundary: parsed")
eq(r.get("body_text"), "still read", "libetpan-boundary: the quoted boundary works")

# 2. libetpan 1.9.4: QP decoder reads past a 4-byte body "abc="
r, rc = run("libetpan-qp", H + b"Content-Transfer-Encoding: quoted-printable\n\nabc=", 2)
eq(r.get("body_text"), "abc", "libetpan-qp: soft break at the end, nothing read past")

# 3. 20,000-deep nesting: rejected at depth 100, in milliseconds
deep = H + b"".join(b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i)
                    for i in range(20000))
r, rc = run("deep-20000", deep, 1.0)
eq(rc, EX_DATAERR, "deep-20000: EX_DATAERR")
ok("nesting" in (r.get("error") or ""), "deep-20000: error says nesting", r.get("error"))

# 4. 100,000 parts: rejected at 10,000
many = H + b"Content-Type: multipart/mixed; boundary=p\n\n" + b"--p\n\nx\n" * 100000 + b"--p--\n"
r, rc = run("parts-100000", many, 2.0)
eq(rc, EX_DATAERR, "parts-100000: EX_DATAERR")
ok("parts" in (r.get("error") or ""), "parts-100000: error says parts", r.get("error"))

# 5. 50 MB: over the 10 MB limit, header still read, not slurped whole
big = H + b"Message-ID: <big@example.com>\n\n" + (b"x" * 76 + b"\n") * (50 * 1024 * 1024 // 77)
r, rc = run("size-50MB", big, 3.0)
eq(rc, EX_DATAERR, "size-50MB: EX_DATAERR")
ok("limit" in (r.get("error") or ""), "size-50MB: error says limit", r.get("error"))
eq(r.get("message_id"), "big@example.com", "size-50MB: header still read for the logs")
del big

# 6. NUL bytes in headers and bodies
r, rc = run("nul-bytes", b"From: a@exa\0mple.com\nSubject: nul\0inside\n\nbody\0with\0nuls\n", 2)
eq(rc, 0, "nul-bytes: parsed")
ok("\ufffd" in r.get("subject", "") and "\ufffd" in r.get("body_text", ""),
   "nul-bytes: NULs shown as U+FFFD")
ok(any("NUL" in w for w in r.get("warnings", [])), "nul-bytes: a warning says so")

# 7. a 1 MB header line: over the 256 KB header block limit
r, rc = run("header-line-1MB", H + b"X-Long: " + b"a" * (1024 * 1024) + b"\n\nbody\n", 2)
eq(rc, EX_DATAERR, "header-line-1MB: EX_DATAERR")
ok("header" in (r.get("error") or ""), "header-line-1MB: error says header", r.get("error"))

# 7b. a 2 MB body line: over the 1 MB line limit
r, rc = run("body-line-2MB", H + b"\n" + b"a" * (2 * 1024 * 1024) + b"\n", 2)
eq(rc, EX_DATAERR, "body-line-2MB: EX_DATAERR")
ok("line" in (r.get("error") or ""), "body-line-2MB: error says line", r.get("error"))

# 8. invalid UTF-8 everywhere
r, rc = run("invalid-utf8", b"From: \xff\xfe <a@example.com>\nSubject: \xc3\x28 \xed\xa0\x80\n"
            b"Content-Type: text/plain; charset=utf-8\n\nbad \xc0\xaf \xf8\x88\x80\x80\x80 end\n", 2)
eq(rc, 0, "invalid-utf8: parsed")
ok("\ufffd" in r.get("body_text", ""), "invalid-utf8: replaced by U+FFFD")
ok(any("UTF-8" in w for w in r.get("warnings", [])), "invalid-utf8: a warning says so")

# 9. invalid charset labels
for i, label in enumerate([b'x-no-such-charset', b'"utf-8\\"; evil=1"', b"a" * 5000,
                           b"../../etc/passwd", b"UTF-8//TRANSLIT", b"\xff\xfe"]):
    r, rc = run("charset-%d" % i, H + b"Content-Type: text/plain; charset=" + label +
                b"\n\ncaf\xe9 text\n", 2)
    eq(rc, 0, "charset-%d: parsed" % i)
    ok("text" in r.get("body_text", ""), "charset-%d: body read" % i)

# 10. worst case for boundary matching: 100 open boundaries, 8 MB of "--" lines
bounds = b"".join(b"Content-Type: multipart/mixed; boundary=bound%03d\n\n--bound%03d\n" % (i, i)
                  for i in range(99))
body = b"--bound000x\n--boundXYZ\n" * (8 * 1024 * 1024 // 24)
r, rc = run("boundary-scan-8MB", H + bounds + b"\n" + body, 4.0)
eq(rc, 0, "boundary-scan-8MB: parsed")

# 11. base64 full of junk, unterminated quoted strings and comments in headers
r, rc = run("junk-headers", b'From: "unterminated <a@example.com>\nTo: (((((((((\n'
            b'Subject: =?utf-8?B?====?= =?\nContent-Type: text/plain; charset="\n'
            b"Content-Transfer-Encoding: base64\n\n!!!!SGVs***bG8=====\n", 2)
eq(rc, 0, "junk-headers: parsed")
eq(r.get("body_text"), "Hello", "junk-headers: base64 junk skipped")

# 12. HTML built to be expensive: a million table cells (a parse tree of it would take
# hundreds of MB; the SAX conversion keeps memory flat), deep nesting, entity floods
import resource
for name, html in [("html-cells", b"<table>" + b"<td>x\n" * 1000000),
                   ("html-deep", b"<div>\n" * 1000000 + b"x"),
                   ("html-entities", b"&amp;&#1234;&bogus;\n" * 300000)]:
    r, rc = run(name, H + b"Content-Type: text/html\n\n" + html, 5.0)
    eq(rc, 0, name + ": parsed")
    eq(r.get("body_source"), "html", name + ": read as HTML")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
diag("largest child RSS so far: %d MB" % rss)
ok(rss < 300, "no child used 300 MB or more (got %d MB)" % rss)

# 13. patterns that would be quadratic in a naive splitter or address parser
r, rc = run("uuencode-begins", H + b"\n" + b"begin 644 x\n" * 500000, 3.0)
eq(rc, 0, "uuencode-begins: parsed")
r, rc = run("address-atoms", b"From: a@example.com\nTo: " + b"a " * 100000 + b"\n\nbody\n", 2.0)
eq(rc, 0, "address-atoms: parsed")
r, rc = run("unterminated-words", H + b"X-A: " + b"=?a?q?" * 40000 + b"\n\nbody\n", 2.0)
eq(rc, 0, "unterminated-words: parsed")
r, rc = run("attribution-lines", H + b"\n" + b"On 1 Jan x@y wrote:\n\n" * 200000, 3.0)
eq(rc, 0, "attribution-lines: parsed")
