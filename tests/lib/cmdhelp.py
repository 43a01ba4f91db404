"""Helpers for integration tests that drive the real codemaild binary on a temporary
Maildir and file outbox."""
import email
import email.policy
import os
import shutil
import subprocess
import sys
import tempfile
import time

from tap import BIN, TOP, keep_daemon_log, sensitive


class Instance:
    """A temporary embedded-mode installation: Maildir inbox, file outbox, state DB, the
    repo's templates and sample reference DB."""

    def __init__(self, extra="", reference_db=None):
        self.dir = tempfile.mkdtemp(prefix="codemaild-it-")
        self.inbox = os.path.join(self.dir, "inbox")
        self.outbox = os.path.join(self.dir, "outbox")
        self.state = os.path.join(self.dir, "state.db")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.inbox, sub))
        self.conf = os.path.join(self.dir, "codemaild.conf")
        ref = reference_db or os.path.join(TOP, "data", "sample", "codes.db")
        with open(self.conf, "w") as f:
            f.write(f"""[general]
allow_root = yes
consultant_address = consult@codemaild.example
state_db = {self.state}
reference_db = {ref}
templates = {os.path.join(TOP, 'templates')}
status_file = {os.path.join(self.dir, 'status')}
[source]
maildir = {self.inbox}
poll_interval = 1s
[sender]
outbox = {self.outbox}
retry_min = 1s
retry_max = 2s
[log]
destination = stderr
[quota]
guest = -1
{extra}
""")
        self.n = 0

    def deliver(self, raw, name=None):
        """Maildir delivery: write into tmp/, rename into new/."""
        self.n += 1
        name = name or f"{int(time.time())}.M{self.n}P{os.getpid()}.test"
        tmp = os.path.join(self.inbox, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw if isinstance(raw, bytes) else raw.encode())
        os.rename(tmp, os.path.join(self.inbox, "new", name))
        return name

    def run(self, *args, input=None, timeout=60, env=None):
        e = dict(os.environ)
        e["CODEMAILD_LOG_STDERR"] = "1"
        if env:
            e.update(env)
        r = subprocess.run([BIN, "-c", self.conf, *args], input=input, capture_output=True,
                           timeout=timeout, env=e)
        if args and args[0] in ("once", "run"):
            keep_daemon_log(r.stderr, f"{os.path.basename(sys.argv[0])}: {' '.join(args)}")
        return r

    def start(self, *args, env=None):
        e = dict(os.environ)
        e["CODEMAILD_LOG_STDERR"] = "1"
        if env:
            e.update(env)
        log = open(os.path.join(self.dir, "daemon.log"), "ab")
        return subprocess.Popen([BIN, "-c", self.conf, *args], stdout=log, stderr=log, env=e)

    def replies(self):
        out = []
        if not os.path.isdir(self.outbox):
            return out
        for n in sorted(os.listdir(self.outbox)):
            if n.endswith(".eml"):
                with open(os.path.join(self.outbox, n), "rb") as f:
                    out.append((n, f.read()))
        return out

    def db(self):
        import sqlite3
        return sqlite3.connect(self.state)

    def cleanup(self):
        log = os.path.join(self.dir, "daemon.log")
        if os.path.exists(log):
            with open(log, "rb") as f:
                keep_daemon_log(f.read(), f"{os.path.basename(sys.argv[0])}: run")
        shutil.rmtree(self.dir, ignore_errors=True)


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def text_part(m):
    b = m.get_body(("plain",))
    return b.get_content() if b else ""


def question(frm, subject, body, msgid, extra_headers=""):
    import email.utils as _eu
    sensitive(subject, _eu.parseaddr(frm)[1], body.strip().splitlines()[0] if body.strip() else "")
    return (f"From: {frm}\r\nTo: Coding Consultant <consult@codemaild.example>\r\n"
            f"Subject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{msgid}>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=UTF-8\r\n{extra_headers}\r\n{body}\r\n")
