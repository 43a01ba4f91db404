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
