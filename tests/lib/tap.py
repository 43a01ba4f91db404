"""Tiny TAP-style helpers for integration tests: every check prints one line that
tests/run.sh counts ("ok - name" / "not ok - name"). A test file exits non-zero if any
check failed."""
import atexit
import os
import sys

_failed = 0
_count = 0


def ok(cond, name, detail=""):
    global _failed, _count
    _count += 1
    if cond:
        print(f"ok - {name}", flush=True)
    else:
        _failed += 1
        print(f"not ok - {name}" + (f": {detail}" if detail else ""), flush=True)
    return bool(cond)


def eq(got, want, name):
    return ok(got == want, name, f"got {got!r}, want {want!r}")


def skip(name, why):
    print(f"skip - {name}: {why}", flush=True)


def diag(msg):
    print(f"# {msg}", flush=True)


def _done():
    if _failed:
        os._exit(1)


atexit.register(_done)

TOP = os.environ.get("CODEMAILD_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("CODEMAILD", os.path.join(TOP, "build", "codemaild"))
SHARED = os.environ.get("SHARED", os.path.join(TOP, "..", "shared"))


LOGDIR = os.environ.get("CODEMAILD_TEST_LOGS", os.path.join(os.environ.get("CODEMAILD_BUILD", os.path.join(TOP, "build")), "test-logs"))


def sensitive(*values):
    """Registers strings used in a test (subjects, body phrases, full addresses, passwords)
    that must never appear in the daemon's logs; tests/it/zz_log_scan.py checks them."""
    os.makedirs(LOGDIR, exist_ok=True)
    with open(os.path.join(LOGDIR, "sensitive.txt"), "a") as f:
        for v in values:
            if v and "\n" not in v:
                f.write(v + "\n")


def keep_daemon_log(data, origin):
    """Appends what a codemaild process wrote to stderr to the suite's daemon log."""
    os.makedirs(LOGDIR, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(LOGDIR, "daemon-logs.txt"), "ab") as f:
        f.write(f"## {origin}\n".encode() + data + (b"" if data.endswith(b"\n") else b"\n"))
