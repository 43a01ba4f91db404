"""Slow input (issue 12, point 3): a wide code range costs no more than a narrow one, a
message whose decision takes longer than the per-message limit (LIM_STEP_TIMEOUT, CPU
time; $CODEMAILD_STEP_TIMEOUT_MS in tests) is set aside with its reason and never lost,
and the systemd watchdog is fed while a long group of messages is handled."""
import os
import resource
import signal
import socket
import subprocess
import time

from cmdhelp import Instance, question
from mailstack import wait_for
from tap import BIN, diag, eq, ok

RANGE_BODY = "00100-99499\r\n" * (2 * 1024 * 1024 // 13)     # 2 MB


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# 1. the 2 MB range body through `codemaild parse` (the old code: 8.8 s here)
inst = Instance()
try:
    path = os.path.join(inst.dir, "ranges.eml")
    with open(path, "w", newline="") as f:
        f.write(question("A <a@clinic.example>", "ranges", RANGE_BODY, "ranges@clinic.example"))
    c0, t0 = cpu_children(), time.monotonic()
    r = inst.run("parse", path, timeout=120)
    cpu, wall = cpu_children() - c0, time.monotonic() - t0
    diag("parse of a 2 MB body of 00100-99499 lines: %.3f s CPU, %.3f s wall (including the "
         "JSON output of the body)" % (cpu, wall))
    eq(r.returncode, 0, "the 2 MB range body parses")
    ok(b'"99499"' in r.stdout and b'"00100"' in r.stdout, "its end points are read as codes")
    ok(cpu < 2.0, "in linear time (%.2f s CPU; it was 8.8 s)" % cpu)
finally:
    inst.cleanup()

# 2. over the per-message limit: set aside (failed, step-timeout), the others answered
inst = Instance()
try:
    inst.deliver(question("A <a@clinic.example>", "ranges", RANGE_BODY, "big@clinic.example"))
    inst.deliver(question("B <b@clinic.example>", "small", "What is 99213?", "small@clinic.example"))
    r = inst.run("once", env={"CODEMAILD_STEP_TIMEOUT_MS": "50"}, timeout=120)
    eq(r.returncode, 0, "a pass with a slow message ends normally")
    db = inst.db()
    rows = dict(((mid, (o, reason, detail)) for mid, o, reason, detail in db.execute(
        "SELECT message_id, outcome, reason, detail FROM handled")))
    db.close()
    big = rows.get("big@clinic.example", ("", "", ""))
    diag("slow message: %s" % big[2])
    eq(big[:2], ("failed", "step-timeout"), "the slow message is set aside with its true reason")
    ok("limit 50 ms" in big[2], "the detail says how long it took and the limit", big[2])
    eq(rows.get("small@clinic.example", ("",))[0], "answered", "the small question is answered")
    failed = os.listdir(os.path.join(inst.inbox, ".Failed", "cur"))
    eq(len(failed), 1, "the slow message is kept in the Failed folder (not lost)")
    eq(len(inst.replies()), 1, "one reply (none for the set-aside message)")
finally:
    inst.cleanup()

# 3. the watchdog is fed during a long group (each message costs ~0.3 s here)
K = 12
inst = Instance()
sk = None
p = None
try:
    for i in range(K):
        inst.deliver(question("C%d <c%d@clinic.example>" % (i, i), "ranges %d" % i, RANGE_BODY,
                              "wd-%d@clinic.example" % i))
    sock_path = os.path.join(inst.dir, "notify.sock")
    sk = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sk.bind(sock_path)
    sk.settimeout(0.2)
    p = inst.start("run", env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "10000000"})
    log = os.path.join(inst.dir, "daemon.log")
    pings, ready, done = [], None, None
    end = time.monotonic() + 120
    while time.monotonic() < end:
        try:
            m = sk.recv(4096).decode(errors="replace")
            now = time.monotonic()
            if "READY=1" in m and ready is None:
                ready = now
            if m == "WATCHDOG=1":
                pings.append(now)
        except socket.timeout:
            pass
        with open(log, "rb") as f:
            if f.read().count(b"reason=ok") >= K:
                done = time.monotonic()
                break
    ok(ready is not None and done is not None, "the daemon starts and answers the %d messages" % K)
    if ready is not None and done is not None:
        during = [t for t in pings if ready <= t <= done]
        marks = [ready] + during + [done]
        gap = max(b - a for a, b in zip(marks, marks[1:]))
        diag("group of %d x 2 MB: %.1f s, %d watchdog pings, longest gap %.1f s" %
             (K, done - ready, len(during), gap))
        # systemd kills a service that stays silent for WATCHDOG_USEC (10 s here); a gap under
        # half of it is safe on a loaded machine (one 2 MB message took 3.2 s on a busy one)
        ok(gap < 5.0,
           "the watchdog is fed during the group (longest gap %.1f s in %.1f s, limit 10 s)" % (gap, done - ready))
        ok(len(during) >= 1 or done - ready < 1.0, "fed while the group runs (%d pings)" % len(during))
        ok(len(during) >= 1 or done - ready < 2.0, "pings arrive while the group runs (%d)" % len(during))
finally:
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
    if sk is not None:
        sk.close()
    inst.cleanup()
