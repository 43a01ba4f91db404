"""SIGHUP and SIGTERM on `codemaild run`: a broken config is refused (error logged, the old
one keeps answering); a good one (with a new template) takes effect on the next answer; a
broken template is refused too; SIGTERM stops cleanly. Also `status --json` and `purge`."""
import json
import os
import signal
import time

from cmdhelp import Instance, parse, question, text_part
from tap import eq, ok

inst = Instance()
override = os.path.join(inst.dir, "override")
os.makedirs(override)
good = open(inst.conf).read().replace("[general]\n", f"[general]\ntemplates_override = {override}\n", 1)
open(inst.conf, "w").write(good)
log_path = os.path.join(inst.dir, "daemon.log")


def log():
    return open(log_path, errors="replace").read() if os.path.exists(log_path) else ""


def ask(i):
    inst.deliver(question(f"R <r{i}@clinic.example>", f"reload question {i}", "What is 99213?", f"reload-{i}@x"))
    t0 = time.time()
    while time.time() - t0 < 15:
        for _, raw in inst.replies():
            m = parse(raw)
            if str(m["In-Reply-To"]) == f"<reload-{i}@x>":
                return text_part(m)
        time.sleep(0.1)
    return None


p = inst.start("run")
t = ask(1)
ok(t is not None and "99213" in t, "daemon answers before any reload")
ok(t is not None and "RELOADED-FOOTER" not in t, "shipped footer in use")

# a broken config: refused, logged, the running one keeps working
open(inst.conf, "w").write(good + "\n[general]\nno_such_key = 1\n")
p.send_signal(signal.SIGHUP)
t0 = time.time()
while "reload refused" not in log() and time.time() - t0 < 10:
    time.sleep(0.1)
ok("reload refused" in log(), "broken config: reload refused and logged")
ok("no_such_key" in log(), "the log names the error")
t = ask(2)
ok(t is not None and "99213" in t, "old config keeps answering after a refused reload")
ok(p.poll() is None, "daemon still running")

# a good config with a new template: takes effect on the next answer
open(inst.conf, "w").write(good)
with open(os.path.join(override, "footer.txt.tmpl"), "w") as f:
    f.write("\n-- \nRELOADED-FOOTER {{vintage}}\n")
p.send_signal(signal.SIGHUP)
t0 = time.time()
while "configuration reloaded" not in log() and time.time() - t0 < 10:
    time.sleep(0.1)
ok("configuration reloaded" in log(), "good config: reload logged")
t = ask(3)
ok(t is not None and "RELOADED-FOOTER" in t, "the new template is used by the next answer")

# a broken template: refused, the previous templates stay
with open(os.path.join(override, "footer.txt.tmpl"), "w") as f:
    f.write("{{#unclosed}}\n")
p.send_signal(signal.SIGHUP)
t0 = time.time()
while log().count("reload refused") < 2 and time.time() - t0 < 10:
    time.sleep(0.1)
ok(log().count("reload refused") >= 2, "broken template: reload refused")
ok("footer.txt.tmpl:1" in log(), "template error names file and line")
t = ask(4)
ok(t is not None and "RELOADED-FOOTER" in t, "previous templates keep working")
r = inst.run("check-config")
eq(r.returncode, 78, "check-config exits EX_CONFIG on a broken template")
ok(b"footer.txt.tmpl:1:" in r.stderr, "check-config reports file:line")

# status while running
r = inst.run("status", "--json")
st = json.loads(r.stdout)
ok(st["running"] is True, "status: running")
eq(st["queue_depth"], 0, "status: queue empty")
ok(any(e["outcome"] == "answered" and e["count"] >= 4 for e in st["today"]), "status: answers today")
ok(any(d["sample"] for d in st.get("data", [])), "status: data vintage (sample)")

# SIGTERM: clean stop
t0 = time.time()
p.send_signal(signal.SIGTERM)
rc = p.wait(timeout=10)
eq(rc, 0, "SIGTERM: exit 0")
ok(time.time() - t0 < 5, "SIGTERM: stops within 5 s")
ok("stopped" in log(), "stop logged")
st = json.loads(inst.run("status", "--json").stdout)
ok(st["running"] is False, "status: not running after stop")

r = inst.run("purge")
eq(r.returncode, 0, "purge runs")
inst.cleanup()

# one daemon per state DB
inst = Instance()
p = inst.start("run")
time.sleep(0.5)
r = inst.run("once")
eq(r.returncode, 75, "a second daemon on the same state DB exits EX_TEMPFAIL")
ok(b"another codemaild is running" in r.stderr, "and says why")
p.send_signal(signal.SIGTERM)
eq(p.wait(timeout=10), 0, "first daemon unaffected, stops cleanly")
inst.cleanup()
