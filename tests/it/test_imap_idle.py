"""IDLE robustness of the IMAP driver against a scripted server (plain text on loopback,
tls = none + allow_plaintext): untagged data before "+ idling" (which makes libetpan
1.9.4's mailimap_idle() block until the stream timeout) is handled at once; a server that
goes silent mid-IDLE is caught by our deadline; a server that never answers DONE is caught
by the stream timeout (the watchdog) and reported as a connection problem; BYE during IDLE
is a lost connection."""
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from tap import ok, diag

BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
IMAPCTL = os.path.join(BUILD, "tools", "imapctl")


class Scripted:
    """A minimal IMAP server; `idle` decides what happens after IDLE."""

    def __init__(self, idle):
        self.idle = idle
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(2)
        self.log = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        c, _ = self.sock.accept()
        c.settimeout(30)
        f = c.makefile("rb")
        send = c.sendall
        send(b"* OK [CAPABILITY IMAP4rev1 IDLE] scripted\r\n")
        try:
            for ln in f:
                self.log.append(ln)
                tag, _, rest = ln.decode().strip().partition(" ")
                cmd = rest.split(" ")[0].upper()
                if cmd == "CAPABILITY":
                    send(b"* CAPABILITY IMAP4rev1 IDLE\r\n%s OK done\r\n" % tag.encode())
                elif cmd == "LOGIN":
                    send(b"%s OK logged in\r\n" % tag.encode())
                elif cmd == "SELECT":
                    send(b"* 5 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 6] n\r\n"
                         b"* FLAGS (\\Seen)\r\n%s OK [READ-WRITE] selected\r\n" % tag.encode())
                elif cmd == "IDLE":
                    if self.idle(send, f, tag) == "close":
                        break
                elif cmd == "LOGOUT":
                    send(b"* BYE bye\r\n%s OK bye\r\n" % tag.encode())
                    break
                else:
                    send(b"%s OK done\r\n" % tag.encode())
        except OSError:
            pass
        c.close()
        self.sock.close()


def exists_first(send, f, tag):
    send(b"* 6 EXISTS\r\n+ idling\r\n")
    f.readline()   # DONE
    send(b"%s OK idle done\r\n" % tag.encode())


def silent(send, f, tag):
    send(b"+ idling\r\n")
    f.readline()
    send(b"%s OK idle done\r\n" % tag.encode())


def no_done_reply(send, f, tag):
    send(b"+ idling\r\n")
    f.readline()
    time.sleep(10)   # never answers DONE
    return "close"


def bye(send, f, tag):
    send(b"+ idling\r\n")
    time.sleep(0.3)
    send(b"* BYE shutting down\r\n")
    return "close"


def run(idle, steps, timeout_s="2s", tls="none"):
    srv = Scripted(idle)
    d = tempfile.mkdtemp(prefix="codemaild-idle-")
    pw = os.path.join(d, "pw")
    with open(pw, "w") as fh:
        fh.write("x\n")
    os.chmod(pw, 0o600)
    cfg = os.path.join(d, "c.conf")
    with open(cfg, "w") as fh:
        fh.write("[source]\ntype = imap\n[imap]\nhost = 127.0.0.1\nport = %d\ntls = %s\nallow_plaintext = %s\n"
                 "user = u\npassword_file = %s\nauth = login\ntimeout = %s\n"
                 % (srv.port, tls, "yes" if tls == "none" else "no", pw, timeout_s))
    t0 = time.monotonic()
    r = subprocess.run([IMAPCTL, cfg, "open", *steps], capture_output=True, text=True, timeout=60)
    shutil.rmtree(d, ignore_errors=True)
    return time.monotonic() - t0, r.stdout, r.stderr, srv


el, out, err, _ = run(exists_first, ["list", "wait:8000"])
ok("wait 1" in out and el < 2.0, "untagged EXISTS before '+ idling': wait returns 1 at once (%.2f s)" % el, out + err)
el, out, err, _ = run(silent, ["list", "wait:1500"])
ok("wait 0" in out and 1.3 < el < 3.0, "silent server: wait returns 0 at our deadline (%.2f s)" % el, out + err)
el, out, err, _ = run(no_done_reply, ["list", "wait:500"], timeout_s="2s")
ok("wait -3" in out and el < 6.0, "no reply to DONE: the stream timeout ends it as CONN_TEMP (%.2f s)" % el, out + err)
el, out, err, _ = run(bye, ["list", "wait:5000"])
ok("wait -3" in out and el < 2.0, "BYE during IDLE: connection lost at once (%.2f s)" % el, out + err)
el, out, err, srv = run(silent, [], tls="starttls")
ok("CONN_FATAL" in out and "does not offer STARTTLS" in out, "STARTTLS not offered: refused (CONN_FATAL)", out + err)
ok(not any(b"LOGIN" in ln.upper() for ln in srv.log), "STARTTLS not offered: no LOGIN sent", repr(srv.log))
diag("scripted IDLE cases done")
