"""make bench: parse+extract throughput over the MIME corpus, ours (tests/tools/bench_parse,
in memory) against Python's standard email package (policy=default, get_body(('plain',
'html')), get_content()) over the same files in the same run. Prints MB/s, messages/s, peak
RSS, and the ratio (target >= 30x). Times are process CPU times (the machine may be shared:
wall time would measure the neighbours); wall times are printed too."""
import email
import email.policy
import glob
import os
import resource
import subprocess
import sys
import time

BUILD = os.environ.get("CODEMAILD_BUILD", os.path.join(os.path.dirname(__file__), "..", "build"))
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
TOOL = os.path.join(BUILD, "tools", "bench_parse")
files = sorted(glob.glob(os.path.join(SHARED, "corpus", "mime", "*", "*.eml")))
if not files:
    print("parse: no corpus under %s/corpus/mime" % SHARED)
    sys.exit(1)
if not os.access(TOOL, os.X_OK):
    print("parse: %s not built (make tests)" % TOOL)
    sys.exit(1)
datas = [open(f, "rb").read() for f in files]
total = sum(len(d) for d in datas)


def python_round():
    for d in datas:
        try:
            m = email.message_from_bytes(d, policy=email.policy.default)
            str(m.get("subject", ""))
            b = m.get_body(("plain", "html"))
            if b is not None:
                b.get_content()
        except Exception:
            pass


# Python: at least one round and ~2 s
py_rounds, t0, w0 = 0, time.process_time(), time.monotonic()
while True:
    python_round()
    py_rounds += 1
    py_secs = time.process_time() - t0
    if py_secs > 2.0:
        break
py_wall = time.monotonic() - w0
py_mbs = total * py_rounds / py_secs / 1e6
py_msgs = len(datas) * py_rounds / py_secs
py_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

# ours: enough rounds for ~2 s
rounds = max(1, int(2.0 / max(py_secs / py_rounds / 40, 1e-4)))
out = subprocess.run([TOOL, str(rounds)] + files, stdout=subprocess.PIPE, check=True).stdout
kv = dict(x.split("=", 1) for x in out.decode().split())
c_mbs, c_msgs = float(kv["mb_per_s"]), float(kv["msgs_per_s"])

print("corpus: %d messages, %.2f MB" % (len(datas), total / 1e6))
print("codemaild parse+extract: %8.2f MB/s %9.0f msgs/s  peak RSS %6.1f MB  (%s rounds, %s s CPU, %s s wall)"
      % (c_mbs, c_msgs, int(kv["peak_rss_kb"]) / 1024, kv["rounds"], kv["secs"], kv["wall"]))
print("python email (default):  %8.2f MB/s %9.0f msgs/s  peak RSS %6.1f MB  (%d rounds, %.3f s CPU, %.3f s wall)"
      % (py_mbs, py_msgs, py_rss / 1024, py_rounds, py_secs, py_wall))
ratio = c_mbs / py_mbs
print("ratio: %.1fx faster than Python's email package (target >= 30x): %s"
      % (ratio, "ok" if ratio >= 30 else "BELOW TARGET"))
