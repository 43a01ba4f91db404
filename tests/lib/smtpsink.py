"""SmtpSink: a small SMTP server on 127.0.0.1 for the fault tests (plain text, no AUTH),
counting every message it accepts by Message-ID, so a reply delivered twice shows.

Modes (settable while running):
  accept  - 250 after DATA
  hold    - after DATA's final dot, wait until release() (or mode change), then 250
  silent  - after DATA's final dot, never answer (the connection stays open)
Python 3 stdlib only."""
import email
import socket
import threading
from collections import Counter


class SmtpSink:
    def __init__(self, mode="accept"):
        self.mode = mode
        self.lock = threading.Lock()
        self.accepted = []          # Message-IDs, one per 250 after DATA
        self.data_seen = []         # Message-IDs whose DATA arrived (whatever the answer)
        self.sessions = 0
        self._release = threading.Event()
        self._stop = threading.Event()
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def set_mode(self, mode):
        self.mode = mode
        if mode != "hold":
            self._release.set()
        else:
            self._release.clear()

    def release(self):
        self.set_mode("accept")

    def counts(self):
        with self.lock:
            return Counter(self.accepted)

    def duplicates(self):
        return sum(n - 1 for n in self.counts().values())

    def stop(self):
        self._stop.set()
        self._release.set()
        try:
            self.srv.close()
        except OSError:
            pass

    def _accept(self):
        while not self._stop.is_set():
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            with self.lock:
                self.sessions += 1
            threading.Thread(target=self._session, args=(c,), daemon=True).start()

    def _session(self, c):
        try:
            c.sendall(b"220 sink ESMTP\r\n")
            f = c.makefile("rb")
            while not self._stop.is_set():
                ln = f.readline()
                if not ln:
                    return
                cmd = ln[:4].upper()
                if cmd in (b"EHLO", b"HELO"):
                    c.sendall(b"250 sink\r\n")
                elif cmd in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    c.sendall(b"250 ok\r\n")
                elif cmd == b"QUIT":
                    c.sendall(b"221 bye\r\n")
                    return
                elif cmd == b"DATA":
                    c.sendall(b"354 go\r\n")
                    lines = []
                    while True:
                        d = f.readline()
                        if not d:
                            return
                        if d in (b".\r\n", b".\n"):
                            break
                        lines.append(d[1:] if d.startswith(b"..") else d)
                    mid = str(email.message_from_bytes(b"".join(lines))["Message-ID"] or "").strip()
                    with self.lock:
                        self.data_seen.append(mid)
                    if self.mode == "silent":
                        # never answer this message: hold the connection until the client
                        # gives up (closes it) or the sink stops
                        c.settimeout(0.2)
                        while not self._stop.is_set():
                            try:
                                if not c.recv(4096):
                                    return
                            except socket.timeout:
                                continue
                        return
                    if self.mode == "hold":
                        self._release.wait()
                    c.sendall(b"250 2.0.0 queued\r\n")
                    with self.lock:
                        self.accepted.append(mid)
                else:
                    c.sendall(b"502 no\r\n")
        except OSError:
            return
        finally:
            try:
                c.close()
            except OSError:
                pass
