"""Mail benchmark against one private Postfix + Dovecot (tests/lib/mailstack.py), one run:

 (a) the stack's own rate: inject N messages over SMTP, time until all are in the IMAP box;
 (a2) a minimal client doing the daemon's mail work with no logic (minimal_client): the
     ceiling any IMAP+SMTP client reaches on this machine and stack;
 (b) the daemon: N questions waiting in the consultant's inbox, `codemaild run` started,
     time until N replies are delivered; replies/s and the ratio b/a (target >= 0.9);
     (a), (a2) and (b) alternate for BENCH_ROUNDS rounds and the medians are compared (the
     machine is shared: one round alone swings by 30 %); each phase prints the machine's
     busy share, which shows whether the cores, not the daemon, set the pace;
 (c) latency from a question's SMTP acceptance to the reply's acceptance by the submission
     server (the daemon's "sent" log line), with IDLE: p50 and p99 (target p50 < 0.5 s);
 (d) a sweep over a mailbox holding SWEEP_N handled messages (flag mode: every message has
     $CodemaildAnswered), full and incremental list_new, vs the same with 1,000 (target < 50 ms);
 and the daemon's peak RSS (VmHWM).

Environment: BENCH_N (1000), BENCH_ROUNDS (3), BENCH_LAT_N (50), BENCH_SWEEP_N (100000),
BENCH_SET ("section.key=value ..." over the daemon's config, to compare settings)."""
import datetime
import os
import re
import signal
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from mailstack import MailStack, codemaild_conf, wait_for  # noqa: E402

TOP = os.environ.get("CODEMAILD_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(TOP, "build"))
BIN = os.environ.get("CODEMAILD", os.path.join(BUILD, "codemaild"))
IMAPCTL = os.path.join(BUILD, "tools", "imapctl")
N = int(os.environ.get("BENCH_N", "1000"))
LAT_N = int(os.environ.get("BENCH_LAT_N", "50"))
SWEEP_N = int(os.environ.get("BENCH_SWEEP_N", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CODES = ["99213", "99214", "20610", "32120", "93000", "71046", "36415", "97110"]
USERS = ["coder1", "coder2", "coder3"]


def question(i, tag):
    frm = "%s@example.test" % USERS[i % 3]
    return frm, ("From: %s\r\nTo: consult@example.test\r\nSubject: bench %d\r\n"
                 "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s-%d@example.test>\r\n"
                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
                 "What is %s?\r\n" % (frm, i, tag, i, CODES[i % len(CODES)]))


class Counter:
    """Message counts over one kept-open IMAP connection per user (a new TLS login per poll
    would load the shared 2-core machine and slow what is measured)."""

    def __init__(self, st, users):
        self.conns = {u: st.imap(u) for u in users}

    def total(self, folder="INBOX"):
        n = 0
        for m in self.conns.values():
            typ, data = m.status('"%s"' % folder, "(MESSAGES)")
            if typ == "OK":
                n += int(data[0].decode().rsplit("MESSAGES", 1)[1].strip(" )").split()[0])
        return n

    def close(self):
        for m in self.conns.values():
            try:
                m.logout()
            except Exception:  # noqa: BLE001
                pass


def inject(st, to, msgs):
    with smtplib.SMTP("127.0.0.1", st.smtp_port, timeout=60) as s:
        for frm, raw in msgs:
            s.sendmail(frm, [st.addr(to)], raw.encode())


def rss_peak_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmHWM:"):
                return int(ln.split()[1])
    return 0


def log_ts(line):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z", line)
    if not m:
        return None
    return datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def pct(xs, p):
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def idle_notify_delay(st, samples=5):
    """The server's own share of the latency: SMTP acceptance of a message -> the EXISTS an
    IDLEing plain imaplib client receives (Dovecot batches notifications: mailbox-watch.c
    NOTIFY_DELAY_MSECS = 500)."""
    m = st.imap("coder3")
    m.select("INBOX")
    out = []
    try:
        for i in range(samples):
            tag = m._new_tag().decode()
            m.send(("%s IDLE\r\n" % tag).encode())
            m.readline()   # "+ idling"
            frm, raw = question(900000 + i, "notify")
            with smtplib.SMTP("127.0.0.1", st.smtp_port, timeout=30) as s:
                s.sendmail(frm, ["coder3@example.test"], raw.encode())
                t = time.time()
            while b"EXISTS" not in m.readline():
                pass
            out.append(time.time() - t)
            m.send(b"DONE\r\n")
            while not m.readline().startswith(tag.encode()):
                pass
    finally:
        m.logout()
    return out


def make_handled_maildir(st, folder, n):
    """Writes n small messages straight into Dovecot's Maildir for folder, every one carrying
    the keyword $CodemaildAnswered (Maildir flag letter 'a' via dovecot-keywords)."""
    base = os.path.join(st.mail_dir, "example.test", "consult", "Maildir", "." + folder)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    open(os.path.join(base, "maildirfolder"), "w").close()
    with open(os.path.join(base, "dovecot-keywords"), "w") as f:
        f.write("0 $CodemaildAnswered\n")
    body = ("From: coder1@example.test\r\nTo: consult@example.test\r\nSubject: old\r\n"
            "Message-ID: <old-%d@example.test>\r\n\r\nWhat is 99213?\r\n")
    cur = os.path.join(base, "cur")
    t = int(time.time()) - 86400
    for i in range(n):
        data = body % i
        with open(os.path.join(cur, "%d.M%dP1.bench,S=%d:2,Sa" % (t, i, len(data))), "w") as f:
            f.write(data)
    uid, gid = st._mail_ids()
    for root, dirs, files in os.walk(base):
        os.chown(root, uid, gid)
        for fn in files:
            os.chown(os.path.join(root, fn), uid, gid)
    m = st.imap("consult")   # subscribe/let Dovecot notice the folder
    m.subscribe('"%s"' % folder)
    m.logout()


def sweep_times(st, folder, reps=5):
    cfg = os.path.join(st.dir, "sweep-%s.conf" % folder)
    with open(cfg, "w") as f:
        f.write("[source]\ntype = imap\n[imap]\nhost = localhost\nport = %d\ntls = implicit\n"
                "ca_file = %s\nuser = consult@example.test\npassword_file = %s\nmailbox = %s\n"
                "mark_mode = flag\ntimeout = 120s\n" % (st.imaps_port, st.ca_file, st.write_secret(), folder))
    subprocess.run([IMAPCTL, cfg, "open", "list"], capture_output=True, timeout=600)   # index warm-up
    full, inc = [], []
    for _ in range(reps):
        r = subprocess.run([IMAPCTL, cfg, "open", "list", "list"], capture_output=True, text=True, timeout=600)
        ts = [float(x) for x in re.findall(r"list_new took ([0-9.]+) ms", r.stderr)]
        if "listed 0" not in r.stdout or len(ts) != 2:
            print("sweep run failed:", r.stdout[-300:], r.stderr[-300:])
            continue
        full.append(ts[0])
        inc.append(ts[1])
    return (statistics.median(full) if full else float("nan"), statistics.median(inc) if inc else float("nan"))


def busy_now():
    """(busy, total) CPU jiffies of the whole machine, from /proc/stat."""
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


class Busy:
    """The machine's busy share over a phase (all cores: 1.0 = every core busy)."""

    def __enter__(self):
        self.b0 = busy_now()
        return self

    def __exit__(self, *exc):
        b1 = busy_now()
        self.share = (b1[0] - self.b0[0]) / max(1, b1[1] - self.b0[1])


def stack_round(st, rnd):
    """(a) N questions injected over one SMTP session; seconds until all are in the box."""
    cnt = Counter(st, ["other"])
    base = cnt.total()
    msgs = [question(i, "stack%d" % rnd) for i in range(N)]
    with Busy() as b:
        t0 = time.monotonic()
        inject(st, "other", msgs)
        done = wait_for(lambda: cnt.total() >= base + N, 600, interval=0.05)
        t = time.monotonic() - t0
    cnt.close()
    return t, b.share, done


def minimal_client(st, folder):
    """The least any client must do for N waiting questions: fetch them over IMAPS (32 per
    UID FETCH), submit a fixed 12 KB reply for each over 4 STARTTLS+AUTH submission sessions,
    UID MOVE them away. No parsing, no answer, no state: the ceiling for any daemon on this
    machine and this stack."""
    import imaplib
    import queue
    import ssl
    import threading
    ctx = ssl.create_default_context(cafile=st.ca_file)
    m = imaplib.IMAP4_SSL("localhost", st.imaps_port, ssl_context=ctx)
    m.login(st.addr("consult"), st.password)
    m.create(folder)
    m.select("INBOX")
    body = ("x" * 76 + "\r\n") * 160
    q = queue.Queue()

    def worker():
        with smtplib.SMTP("localhost", st.submission_port, timeout=60) as s:
            s.starttls(context=ctx)
            s.login(st.addr("consult"), st.password)
            while True:
                item = q.get()
                if item is None:
                    break
                s.sendmail("", [item[0]], item[1])

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for w in workers:
        w.start()
    uids = m.uid("SEARCH", None, "ALL")[1][0].split()
    for i in range(0, len(uids), 32):
        chunk = b",".join(uids[i:i + 32])
        for part in m.uid("FETCH", chunk, "(BODY.PEEK[])")[1]:
            if isinstance(part, tuple):
                frm = re.search(rb"^From: (\S+)", part[1], re.M).group(1).decode()
                q.put((frm, ("From: %s\r\nTo: %s\r\nSubject: Re: bench\r\n\r\n%s"
                             % (st.addr("consult"), frm, body)).encode()))
        m.uid("MOVE", chunk, folder)
    for _ in workers:
        q.put(None)
    for w in workers:
        w.join()
    m.logout()


def load_consult(st, rnd, tag):
    inject(st, "consult", [question(i, "%s%d" % (tag, rnd)) for i in range(N)])
    cnt = Counter(st, ["consult"])
    wait_for(lambda: cnt.total() >= N, 600, interval=0.05)
    cnt.close()


def minimal_round(st, rnd):
    """(a2) the minimal client on N waiting questions; seconds until N replies are delivered."""
    load_consult(st, rnd, "min")
    cnt = Counter(st, USERS)
    base = cnt.total()
    with Busy() as b:
        t0 = time.monotonic()
        minimal_client(st, "Minimal%d" % rnd)
        done = wait_for(lambda: cnt.total() >= base + N, 600, interval=0.05)
        t = time.monotonic() - t0
    cnt.close()
    return t, b.share, done


def start_daemon(cfg, log_path):
    logf = open(log_path, "ab")
    d = subprocess.Popen([BIN, "-c", cfg, "run"], stdout=logf, stderr=logf,
                         env=dict(os.environ, CODEMAILD_LOG_STDERR="1"))
    logf.close()
    return d


def stop_daemon(d):
    d.send_signal(signal.SIGTERM)
    d.wait(30)


def daemon_cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def daemon_round(st, cfg, log_path, rnd):
    """(b) `codemaild run` started on N waiting questions; seconds until N replies are
    delivered, its own time to the last "sent", its CPU seconds."""
    load_consult(st, rnd, "b")
    cnt = Counter(st, USERS)
    base = cnt.total()
    with Busy() as b:
        t0 = time.monotonic()
        t0_wall = time.time()
        d = start_daemon(cfg, log_path)
        done = wait_for(lambda: cnt.total() >= base + N, 600, interval=0.05)
        t = time.monotonic() - t0
    cpu = daemon_cpu(d.pid)
    stop_daemon(d)
    cnt.close()
    sent = [log_ts(ln) for ln in open(log_path, errors="replace") if " sent" in ln]
    sent = [x for x in sent if x and x >= t0_wall]
    own = (max(sent) - t0_wall) if sent else float("nan")
    return t, b.share, done, own, cpu


def main():
    t_start = time.time()
    st = MailStack().start()
    work = tempfile.mkdtemp(prefix="codemaild-bench-")
    d = None
    try:
        over = {"log": {"level": "info"}}
        for kv in os.environ.get("BENCH_SET", "").split():   # e.g. "sender.connections=8"
            key, val = kv.split("=", 1)
            sec, name = key.split(".", 1)
            over.setdefault(sec, {})[name] = val
        cfg = codemaild_conf(st, work, over)
        log_path = os.path.join(work, "daemon.log")
        a, a2, b = [], [], []
        for rnd in range(ROUNDS):
            ta, ba, ok_a = stack_round(st, rnd)
            tm, bm, ok_m = minimal_round(st, rnd)
            tb, bb, ok_b, own, cpu = daemon_round(st, cfg, log_path, rnd)
            a.append(N / ta)
            a2.append(N / tm)
            b.append(N / tb)
            print("  round %d: (a) stack %.1f msg/s, machine busy %.0f%%; (a2) minimal client %.1f/s, "
                  "busy %.0f%%; (b) daemon %.1f replies/s (own %.1f/s), busy %.0f%%, daemon CPU %.2f ms "
                  "per question+reply; b/a %.2f, b/a2 %.2f%s"
                  % (rnd + 1, N / ta, 100 * ba, N / tm, 100 * bm, N / tb, N / own, 100 * bb, 1000 * cpu / N,
                     (N / tb) / (N / ta), (N / tb) / (N / tm),
                     "" if ok_a and ok_m and ok_b else " (INCOMPLETE)"))
        ma, ma2, mb = statistics.median(a), statistics.median(a2), statistics.median(b)
        print("(a) stack: %d messages SMTP -> Postfix -> LMTP -> Dovecot: median %.1f msg/s over %d rounds"
              % (N, ma, ROUNDS))
        print("(a2) minimal client (same mail work as the daemon, no logic): median %.1f replies/s" % ma2)
        print("(b) daemon: %d questions answered, replies delivered: median %.1f replies/s" % (N, mb))
        print("    ratio b/a = %.2f (target >= 0.9); ceiling a2/a = %.2f; b/a2 = %.2f"
              % (mb / ma, ma2 / ma, mb / ma2))

        d = start_daemon(cfg, log_path)
        wait_for(lambda: b"connected" in open(log_path, "rb").read().rsplit(b"started", 1)[-1], 30)
        # (c) latency with IDLE, one question at a time
        lats = []
        for i in range(LAT_N):
            before = open(log_path, "rb").read().count(b" sent")
            frm, raw = question(100000 + i, "lat")
            with smtplib.SMTP("127.0.0.1", st.smtp_port, timeout=30) as s:
                s.sendmail(frm, ["consult@example.test"], raw.encode())
                t_acc = time.time()
            if not wait_for(lambda: open(log_path, "rb").read().count(b" sent") > before, 30, interval=0.02):
                print("latency sample %d timed out" % i)
                continue
            lines = [ln for ln in open(log_path, errors="replace").read().splitlines() if " sent" in ln]
            ts = log_ts(lines[-1])
            if ts is not None:
                lats.append(ts - t_acc)
            time.sleep(0.05)
        if lats:
            print("(c) latency question accepted -> reply accepted, IDLE, n=%d: p50 %.3f s, p99 %.3f s, "
                  "max %.3f s (target p50 < 0.5 s)" % (len(lats), pct(lats, 50), pct(lats, 99), max(lats)))
        srv = idle_notify_delay(st)
        if srv and lats:
            print("    of which the server's own IDLE notification delay (plain imaplib client, n=%d): "
                  "p50 %.3f s; the daemon's share of p50: %.3f s" % (len(srv), pct(srv, 50),
                                                                    pct(lats, 50) - pct(srv, 50)))
        print("    daemon peak RSS (VmHWM): %.1f MiB" % (rss_peak_kb(d.pid) / 1024.0))
        stop_daemon(d)
        d = None

        # (d) sweep over a mailbox of handled messages
        t0 = time.monotonic()
        make_handled_maildir(st, "Handled1k", 1000)
        make_handled_maildir(st, "Handled", SWEEP_N)
        print("    (wrote %d handled messages in %.1f s)" % (SWEEP_N + 1000, time.monotonic() - t0))
        f1, i1 = sweep_times(st, "Handled1k")
        fN, iN = sweep_times(st, "Handled")
        print("(d) sweep (list_new, flag mode, all handled): 1,000 msgs: full %.1f ms, incremental %.1f ms; "
              "%d msgs: full %.1f ms, incremental %.1f ms (target < 50 ms)" % (f1, i1, SWEEP_N, fN, iN))
        print("    ratio full sweep %d/1000 = %.2f" % (SWEEP_N, fN / f1 if f1 else float("nan")))
    finally:
        if d is not None and d.poll() is None:
            d.kill()
            d.wait()
        st.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("bench mail.py total %.0f s" % (time.time() - t_start))


if __name__ == "__main__":
    main()
