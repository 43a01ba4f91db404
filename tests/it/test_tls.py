"""TLS verification of the IMAP driver (tlsverify.c) and the SMTP sender (libcurl):
a certificate from an unknown CA and one with the wrong name are refused before any
credential is sent; the test CA is accepted when configured; a SHA-256 pin is enforced."""
import os
import socket
import ssl
import subprocess
import threading

from tap import ok, diag
from mailstack import MailStack, free_port

BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
IMAPCTL = os.path.join(BUILD, "tools", "imapctl")
SMTPSEND = os.path.join(BUILD, "tools", "smtpsend")


class FakeServer:
    """A TLS server presenting a chosen certificate, speaking just enough IMAP or SMTP.
    Records every line a client sends after the handshake (to prove no credential left)."""

    def __init__(self, st, cert, proto="imap", starttls=False):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(st.certs, cert + ".crt"), os.path.join(st.certs, cert + ".key"))
        self.proto, self.starttls = proto, starttls
        self.port = free_port()
        self.lines = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(5)
        self.sock.settimeout(0.5)
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            try:
                self.serve(c)
            except (OSError, ssl.SSLError):
                pass
            finally:
                c.close()

    def serve(self, c):
        c.settimeout(5)
        if self.starttls:
            c.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake\r\n")
            f = c.makefile("rb")
            while True:
                ln = f.readline()
                if not ln:
                    return
                tag = ln.split(b" ", 1)[0]
                if b"STARTTLS" in ln.upper():
                    c.sendall(tag + b" OK begin TLS\r\n")
                    break
                if b"CAPABILITY" in ln.upper():
                    c.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" + tag + b" OK done\r\n")
                else:
                    c.sendall(tag + b" BAD no\r\n")
            s = self.ctx.wrap_socket(c, server_side=True)
        else:
            s = self.ctx.wrap_socket(c, server_side=True)
            s.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n" if self.proto == "imap"
                      else b"220 fake ESMTP\r\n")
        f = s.makefile("rb")
        while True:
            ln = f.readline()
            if not ln:
                return
            self.lines.append(ln)
            tag = ln.split(b" ", 1)[0]
            if self.proto == "imap":
                if b"CAPABILITY" in ln.upper():
                    s.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
                elif b"LOGOUT" in ln.upper():
                    s.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
                    return
                else:
                    s.sendall(tag + b" NO fake\r\n")
            else:
                if ln.upper().startswith(b"EHLO"):
                    s.sendall(b"250-fake\r\n250 AUTH PLAIN LOGIN\r\n")
                else:
                    s.sendall(b"535 5.7.8 fake\r\n")

    def close(self):
        self.stop = True
        self.t.join(2)
        self.sock.close()


def imap_conf(st, name, **kw):
    v = dict(host="localhost", port=st.imaps_port, tls="implicit", ca_file=st.ca_file,
             user="consult@example.test", password_file=st.write_secret(), timeout="5s")
    v.update(kw)
    path = os.path.join(st.dir, name)
    with open(path, "w") as f:
        f.write("[source]\ntype = imap\n[imap]\n" + "".join("%s = %s\n" % kv for kv in v.items()))
    return path


def smtp_conf(st, name, **kw):
    v = dict(smtp_url="smtps://localhost:%d" % st.smtps_port, user="consult@example.test",
             password_file=st.write_secret(), ca_file=st.ca_file, timeout="10s")
    v.update(kw)
    path = os.path.join(st.dir, name)
    with open(path, "w") as f:
        f.write("[sender]\ntype = smtp\n" + "".join("%s = %s\n" % kv for kv in v.items()))
    return path


def imapctl(cfg, *steps):
    r = subprocess.run([IMAPCTL, cfg, *steps], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    return r.stdout + r.stderr


def smtpsend(st, cfg):
    msgf = os.path.join(st.dir, "m.eml")
    with open(msgf, "w") as f:
        f.write("From: consult@example.test\nTo: coder1@example.test\nSubject: t\n\nhello\n")
    r = subprocess.run([SMTPSEND, cfg, "coder1@example.test", msgf], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    return r.stdout + r.stderr


st = MailStack().start()
fakes = []
try:
    out = imapctl(imap_conf(st, "good.conf"), "open")
    ok("open OK" in out, "IMAP: the test CA is accepted when configured as ca_file", out)

    out = imapctl(imap_conf(st, "sys.conf", ca_file=""), "open")
    ok("CONN_FATAL" in out and "unknown CA" in out,
       "IMAP: the test CA is refused against the system store (no ca_file)", out)

    for cert, what, starttls in (("unknown", "unknown CA", False), ("wrongname", "host name mismatch", False),
                                 ("unknown", "unknown CA", True)):
        fs = FakeServer(st, cert, starttls=starttls)
        fakes.append(fs)
        out = imapctl(imap_conf(st, "fake.conf", port=fs.port, tls="starttls" if starttls else "implicit"),
                      "open")
        mode = "STARTTLS" if starttls else "implicit TLS"
        ok("CONN_FATAL" in out and what in out, "IMAP %s: %s certificate refused" % (mode, cert), out)
        sent = b"".join(fs.lines)
        ok(b"LOGIN" not in sent.upper() and b"AUTHENTICATE" not in sent.upper()
           and st.password.encode() not in sent, "IMAP %s: no credential sent to the %s server" % (mode, cert),
           repr(sent))

    # tls_verify = no is explicit and loud
    fs = FakeServer(st, "unknown")
    fakes.append(fs)
    out = imapctl(imap_conf(st, "noverify.conf", port=fs.port, tls_verify="no"), "open")
    ok("NOT verified" in out and "certificate refused" not in out, "tls_verify = no skips the check, loudly", out)

    # fingerprint pin
    fp = st.cert_fingerprint("server")
    out = imapctl(imap_conf(st, "pin.conf", fingerprint=":".join(fp[i:i + 2] for i in range(0, 64, 2)).upper()),
                  "open")
    ok("open OK" in out, "IMAP: matching SHA-256 pin accepted (colon form, upper case)", out)
    out = imapctl(imap_conf(st, "badpin.conf", fingerprint=st.cert_fingerprint("unknown")), "open")
    ok("CONN_FATAL" in out and "fingerprint mismatch" in out, "IMAP: wrong pin refused despite a valid chain", out)
    out = imapctl(imap_conf(st, "pinonly.conf", ca_file="", tls_verify="no", fingerprint=fp), "open")
    ok("open OK" in out, "IMAP: tls_verify = no + pin accepts a pinned self-managed certificate", out)

    # SMTP: libcurl verifies
    out = smtpsend(st, smtp_conf(st, "s-good.conf"))
    ok("send 1 OK" in out, "SMTP: smtps with the test CA accepted", out)
    out = smtpsend(st, smtp_conf(st, "s-sys.conf", ca_file=""))
    ok("send 1 PAUSE" in out, "SMTP: unknown CA (system store) pauses the queue", out)
    fs = FakeServer(st, "wrongname", proto="smtp")
    fakes.append(fs)
    out = smtpsend(st, smtp_conf(st, "s-wrong.conf", smtp_url="smtps://localhost:%d" % fs.port))
    ok("send 1 PAUSE" in out, "SMTP: wrong host name pauses the queue", out)
    ok(not any(b"AUTH" in ln.upper() for ln in fs.lines), "SMTP: no AUTH sent to the wrong-name server",
       repr(fs.lines))
    fs = FakeServer(st, "unknown", proto="smtp")
    fakes.append(fs)
    out = smtpsend(st, smtp_conf(st, "s-unk.conf", smtp_url="smtps://localhost:%d" % fs.port))
    ok("send 1 PAUSE" in out, "SMTP: unknown CA pauses the queue", out)
    diag("SMTP refusal text: " + out.splitlines()[0][:200])
finally:
    for fs in fakes:
        fs.close()
    st.stop()
