"""Extensions of MailStack (tests/lib/mailstack.py, owned by the mail helper) for the
loop/quota integration tests, and a Consultant: one codemaild instance reading a mailbox of
the stack over IMAPS and replying over submission (STARTTLS + AUTH).

LiveStack(MailStack) adds, without touching the base class:
  - extra full addresses in other domains (extra_addrs=["alice@clinic.example.test"]):
    Dovecot users and Postfix virtual mailbox domains/maps, so replies to them are delivered;
  - Sieve (Pigeonhole) for LMTP deliveries when sieve=True, with scripts set by
    set_sieve(user, text) and replies of `vacation`/`redirect` submitted to our own
    Postfix (submission_host), never to the system's sendmail;
  - no header rewriting by Postfix for loopback clients (local_header_rewrite_clients
    empty): a test message reaches Dovecot with the headers the test wrote (Postfix would
    otherwise add a From/Message-ID/Date and qualify bare addresses, as it does for local
    submissions).

Python 3 stdlib only."""
import email
import email.policy
import imaplib
import os
import pwd
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from mailstack import MailStack, wait_for
from tap import BIN, TOP, keep_daemon_log, sensitive


class LiveStack(MailStack):
    def __init__(self, users=None, extra_addrs=(), sieve=False, quiet=True, postfix_only=()):
        super().__init__(users=users, quiet=quiet)
        self.extra_addrs = list(extra_addrs)
        # accepted by Postfix but unknown to Dovecot: LMTP refuses them after the SMTP 250,
        # so Postfix sends a real DSN to the envelope sender
        self.postfix_only = list(postfix_only)
        self.sieve = sieve
        self.sieve_dir = os.path.join(self.dir, "sieve")
        sensitive(self.password)

    # ------------------------------------------------------------ config derivation
    def _write_dovecot(self):
        super()._write_dovecot()
        uid, gid = self._mail_ids()
        users = os.path.join(self.dovecot_dir, "etc", "users")
        with open(users, "a") as f:
            for a in self.extra_addrs:
                loc, dom = a.split("@", 1)
                f.write("%s:{PLAIN}%s:%d:%d::%s/%s/%s::\n" % (a, self.password, uid, gid, self.mail_dir,
                                                                dom, loc))
        if not self.sieve:
            return
        os.makedirs(self.sieve_dir, exist_ok=True)
        os.chown(self.sieve_dir, uid, gid)
        with open(self.dovecot_conf) as f:
            conf = f.read()
        conf = conf.replace("protocol lmtp {\n", "protocol lmtp {\n  mail_plugins = $mail_plugins sieve\n", 1)
        conf += """
# added by mailstack_ext (sieve for the loop tests)
submission_host = 127.0.0.1:{smtp}
plugin {{
  sieve = file:{sd}/%u;active={sd}/%u.sieve
  sieve_vacation_min_period = 0
  sieve_vacation_default_period = 1d
  sieve_redirect_envelope_from = orig_recipient
}}
""".format(smtp=self.smtp_port, sd=self.sieve_dir)
        with open(self.dovecot_conf, "w") as f:
            f.write(conf)

    def _write_postfix(self):
        super()._write_postfix()
        doms = sorted({a.split("@", 1)[1] for a in self.extra_addrs} - {self.domain})
        main = os.path.join(self.pf_conf, "main.cf")
        with open(main) as f:
            text = f.read()
        if doms:
            text = re.sub(r"^virtual_mailbox_domains = (.*)$",
                          lambda m: "virtual_mailbox_domains = %s %s" % (m.group(1), " ".join(doms)),
                          text, count=1, flags=re.M)
        with open(os.path.join(self.pf_conf, "vmailbox"), "a") as f:
            for a in self.extra_addrs + self.postfix_only:
                f.write("%s OK\n" % a)
        text += "\n# added by mailstack_ext\nlocal_header_rewrite_clients =\n"
        with open(main, "w") as f:
            f.write(text)

    # ------------------------------------------------------------ sieve
    def set_sieve(self, user, script):
        """Installs script as the active Sieve script of user (full address or local part)."""
        if not self.sieve:
            raise RuntimeError("LiveStack(sieve=True) needed")
        uid, gid = self._mail_ids()
        addr = self.addr(user)
        path = os.path.join(self.sieve_dir, addr + ".sieve")
        with open(path, "w") as f:
            f.write(script)
        os.chown(path, uid, gid)
        r = subprocess.run(["sievec", "-c", self.dovecot_conf, path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("sievec: " + r.stdout)
        binp = path[:-len(".sieve")] + ".svbin"
        if os.path.exists(binp):
            os.chown(binp, uid, gid)
        return path

    # ------------------------------------------------------------ counting
    # (an IMAP LOGIN can meet EOF once in a while on a loaded machine: retry a read twice)
    def _again(self, fn, *a, **kw):
        for i in range(3):
            try:
                return fn(*a, **kw)
            except (imaplib.IMAP4.abort, OSError):
                if i == 2:
                    raise
                time.sleep(0.5)

    def count(self, user, folder="INBOX"):
        return self._again(super().count, user, folder)

    def fetch(self, user, folder="INBOX"):
        return self._again(super().fetch, user, folder)

    def total(self, user, folders=("INBOX",)):
        return sum(self.count(user, f) for f in folders)

    def folders(self, user):
        return self._again(self._folders, user)

    def _folders(self, user):
        m = self.imap(user)
        try:
            typ, data = m.list()
            out = []
            for ln in data or []:
                s = ln.decode(errors="replace")
                name = s.rsplit(' "/" ', 1)[-1].strip().strip('"')
                out.append(name)
            return out
        finally:
            m.logout()

    def all_count(self, user):
        """Messages in every folder of user."""
        return sum(self.count(user, f) for f in self.folders(user))


def parse(raw):
    if isinstance(raw, email.message.Message):
        raw = raw.as_bytes()
    return email.message_from_bytes(raw, policy=email.policy.default)


def text_of(msg):
    m = parse(msg)
    b = m.get_body(("plain",))
    return b.get_content() if b else ""


class Consultant:
    """One codemaild instance: [source] imap on `user`'s INBOX (IMAPS, test CA), [sender] smtp
    over submission with STARTTLS as `user`, its own state DB. extra: more config lines,
    appended per section (dict section -> text) or as raw text."""

    def __init__(self, st, user="consult", address=None, aliases="", extra=None, name=None):
        self.st = st
        self.user = st.addr(user)
        self.address = address or self.user
        self.name = name or user
        self.dir = tempfile.mkdtemp(prefix="codemaild-live-%s-" % self.name)
        self.state = os.path.join(self.dir, "state.db")
        self.conf = os.path.join(self.dir, "codemaild.conf")
        self.log = os.path.join(self.dir, "daemon.log")
        self.pwfile = st.write_secret("pw-" + self.name)
        self.proc = None
        self.aliases = aliases
        self.write_conf(extra or {})

    def write_conf(self, extra):
        sec = {
            "general": {"allow_root": "yes", "consultant_address": self.address, "aliases": self.aliases,
                        "state_db": self.state,
                        "reference_db": os.path.join(TOP, "data", "sample", "codes.db"),
                        "templates": os.path.join(TOP, "templates"),
                        "status_file": os.path.join(self.dir, "status")},
            "source": {"type": "imap", "poll_interval": "1s"},
            "imap": {"host": "localhost", "port": str(self.st.imaps_port), "tls": "implicit",
                     "ca_file": self.st.ca_file, "user": self.user, "password_file": self.pwfile,
                     "timeout": "10s", "idle": "yes", "sweep_interval": "5s"},
            "sender": {"type": "smtp", "smtp_url": "smtp://localhost:%d" % self.st.submission_port,
                       "user": self.user, "password_file": self.pwfile, "ca_file": self.st.ca_file,
                       "timeout": "20s", "retry_min": "1s", "retry_max": "2s"},
            "log": {"destination": "stderr", "level": "info"},
            "rate": {"sender_per_hour": "0", "sender_per_day": "0", "domain_per_day": "0",
                     "global_per_minute": "0"},
        }
        for s, kv in extra.items():
            sec.setdefault(s, {}).update(kv)
        with open(self.conf, "w") as f:
            for s, kv in sec.items():
                f.write("[%s]\n" % s)
                for k, v in kv.items():
                    f.write("%s = %s\n" % (k, v))

    # ------------------------------------------------------------ running
    def _env(self):
        e = dict(os.environ)
        e["CODEMAILD_LOG_STDERR"] = "1"
        return e

    def once(self, timeout=60):
        r = subprocess.run([BIN, "-c", self.conf, "once"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=self._env())
        keep_daemon_log(r.stderr, "%s: once (%s)" % (os.path.basename(sys.argv[0]), self.name))
        self.last_stderr = r.stderr.decode(errors="replace")
        return r.returncode

    def start(self):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen([BIN, "-c", self.conf, "run"], stdout=logf, stderr=logf,
                                     env=self._env())
        logf.close()
        return self.proc

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def reload(self):
        if self.proc:
            self.proc.send_signal(signal.SIGHUP)

    def cli(self, *args):
        r = subprocess.run([BIN, "-c", self.conf, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30, env=self._env())
        return r.returncode, r.stdout + r.stderr

    def cleanup(self):
        self.stop()
        if os.path.exists(self.log):
            with open(self.log, "rb") as f:
                keep_daemon_log(f.read(), "%s: run (%s)" % (os.path.basename(sys.argv[0]), self.name))
        if not os.environ.get("MAILSTACK_KEEP"):
            import shutil
            shutil.rmtree(self.dir, ignore_errors=True)

    def daemon_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ------------------------------------------------------------ state DB
    def q(self, sql, *args):
        if not os.path.exists(self.state):
            return []
        c = sqlite3.connect("file:%s?mode=ro" % self.state, uri=True, timeout=10)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def handled(self):
        """[(outcome, reason, sender, message_id, lookups)] oldest first."""
        return self.q("SELECT outcome, reason, sender, message_id, lookups FROM handled ORDER BY id")

    def handled_count(self):
        return self.q("SELECT COUNT(*) FROM handled")[0][0] if os.path.exists(self.state) else 0

    def queue(self):
        return self.q("SELECT kind, rcpt, state, charged FROM queue ORDER BY id")

    def wait_handled(self, n, timeout=30):
        return wait_for(lambda: self.handled_count() >= n, timeout, 0.2)

    def wait_sent(self, timeout=30):
        """Until no reply is queued."""
        return wait_for(lambda: not self.q("SELECT 1 FROM queue WHERE state = 'queued'"), timeout, 0.2)


_seq = [0]


def question(frm, to, subject, body, extra="", msgid=None, domain=None):
    """A question as CRLF text; registers subject, sender and first body line as sensitive."""
    _seq[0] += 1
    dom = domain or frm.rsplit("@", 1)[-1].strip(">")
    msgid = msgid or "<q%d.%d.%d@%s>" % (_seq[0], os.getpid(), time.time_ns(), dom)
    sensitive(subject, frm, body.strip().splitlines()[0] if body.strip() else "")
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n"
            "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n%s\r\n%s\r\n"
            % (frm, to, subject, msgid, email.utils.formatdate(localtime=False), extra, body)), msgid


import email.utils  # noqa: E402  (used by question())
