"""systemd integration files: the unit passes `systemd-analyze verify` and scores an
exposure of 2.0 or better in `systemd-analyze security --offline=true`; the sysusers.d and
tmpfiles.d files are accepted by systemd-sysusers / systemd-tmpfiles in a scratch root and
create the user and the 0700 directories the unit expects."""
import os
import re
import shutil
import subprocess
import tempfile

from tap import ok, eq, skip, diag, BIN, TOP

UNIT = os.path.join(TOP, "systemd", "codemaild.service")
SYSUSERS = os.path.join(TOP, "systemd", "codemaild.sysusers")
TMPFILES = os.path.join(TOP, "systemd", "codemaild.tmpfiles")
MAX_EXPOSURE = 2.0


def run(*cmd, **kw):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=120, **kw)


def unit_settings(text):
    """[(key, value)] of the unit, comments dropped."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        k, _, v = line.partition("=")
        out.append((k.strip(), v.strip()))
    return out


def copy_unit(tmp, exe):
    """The unit, with the binary path replaced by exe (verify checks the path exists)."""
    text = open(UNIT, encoding="utf-8").read().replace("/usr/local/sbin/codemaild", exe)
    path = os.path.join(tmp, "codemaild.service")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def our_lines(stderr):
    return [l for l in stderr.splitlines() if "codemaild" in l]


def check_static():
    text = open(UNIT, encoding="utf-8").read()
    s = unit_settings(text)
    d = {}
    for k, v in s:
        d.setdefault(k, []).append(v)
    want = {
        "Type": "notify", "NotifyAccess": "main", "WatchdogSec": "180",
        "User": "codemaild", "Group": "codemaild", "StateDirectory": "codemaild",
        "ConfigurationDirectory": "codemaild", "NoNewPrivileges": "yes",
        "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "PrivateDevices": "yes", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "CapabilityBoundingSet": "", "AmbientCapabilities": "", "UMask": "0077",
        "SystemCallArchitectures": "native", "ReadWritePaths": "/var/spool/codemaild",
        "MemoryDenyWriteExecute": "yes",
    }
    bad = [f"{k}={d.get(k)} (want {v!r})" for k, v in want.items() if v not in d.get(k, [])]
    ok(not bad, "unit has the required settings", "; ".join(bad))
    ok("@system-service" in d.get("SystemCallFilter", []), "SystemCallFilter=@system-service")
    ok(d.get("ExecReload") == ["/bin/kill -HUP $MAINPID"], "ExecReload sends SIGHUP",
       str(d.get("ExecReload")))
    ok(any(v.endswith("check-config") for v in d.get("ExecStartPre", [])),
       "ExecStartPre runs check-config")
    ok(any(v.endswith("-c /etc/codemaild/codemaild.conf run") for v in d.get("ExecStart", [])),
       "ExecStart runs the daemon with the installed config")
    creds = d.get("LoadCredential", [])
    ok("imap-password:/etc/codemaild/imap-password" in creds and
       "smtp-password:/etc/codemaild/smtp-password" in creds,
       "LoadCredential for imap-password and smtp-password", str(creds))
    # Every loaded credential has a SetCredential default, so a missing file is not fatal.
    ids = {c.split(":")[0] for c in creds}
    defaults = {c.split(":")[0] for c in d.get("SetCredential", [])}
    eq(ids - defaults, set(), "every LoadCredential has a SetCredential default")
    ok(not d.get("IPAddressDeny"), "no IPAddressDeny (mail servers must be reachable)")
    # The spool the unit may write is the one tmpfiles.d creates.
    tmpf = open(TMPFILES, encoding="utf-8").read()
    ok(re.search(r"^d /var/spool/codemaild\s+0700 codemaild codemaild", tmpf, re.M) is not None,
       "tmpfiles.d creates the spool the unit makes writable")


def check_verify(tmp):
    if shutil.which("systemd-analyze") is None:
        skip("systemd-analyze verify", "systemd-analyze not installed")
        return
    exe = os.path.abspath(BIN)
    if not os.access(exe, os.X_OK):
        exe = shutil.which("true")      # any existing executable: verify checks the path
        diag(f"{BIN} not built; verifying with ExecStart={exe}")
    unit = copy_unit(tmp, exe)
    r = run("systemd-analyze", "verify", "--man=no", unit)
    eq(r.returncode, 0, "systemd-analyze verify exits 0")
    eq(our_lines(r.stderr), [], "systemd-analyze verify: no warning about codemaild.service")
    if r.stderr.strip():
        diag("verify stderr: " + r.stderr.strip().replace("\n", " | "))
    # Negative control: a binary that does not exist must be reported.
    bad_dir = os.path.join(tmp, "bad")
    os.mkdir(bad_dir)
    bad = copy_unit(bad_dir, "/nonexistent/sbin/codemaild")
    r = run("systemd-analyze", "verify", "--man=no", bad)
    ok(r.returncode != 0 and "not executable" in r.stderr,
       "systemd-analyze verify catches a missing ExecStart binary", r.stderr.strip())

    r = run("systemd-analyze", "security", "--offline=true", "--no-pager", unit)
    m = re.search(r"Overall exposure level for codemaild\.service: ([0-9.]+)", r.stdout)
    ok(m is not None, "systemd-analyze security prints an overall exposure level",
       (r.stdout + r.stderr)[-300:])
    if m:
        level = float(m.group(1))
        diag(f"systemd-analyze security --offline=true: exposure {level}")
        ok(level <= MAX_EXPOSURE, f"exposure level {level} <= {MAX_EXPOSURE}")
    eq(our_lines(r.stderr), [], "systemd-analyze security: unit parses without warnings")


def check_users_and_dirs(tmp):
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "etc"))
    if shutil.which("systemd-sysusers") is None:
        skip("sysusers.d file", "systemd-sysusers not installed")
        return
    r = run("systemd-sysusers", f"--root={root}", SYSUSERS)
    eq(r.returncode, 0, "systemd-sysusers accepts codemaild.sysusers")
    ok("Syntax" not in r.stderr and "ignoring" not in r.stderr.lower(),
       "systemd-sysusers: no syntax warnings", r.stderr.strip())
    pw = {}
    passwd = os.path.join(root, "etc", "passwd")
    if os.path.exists(passwd):
        for line in open(passwd, encoding="utf-8"):
            f = line.rstrip("\n").split(":")
            pw[f[0]] = f
    user = pw.get("codemaild")
    ok(user is not None, "sysusers creates the codemaild user")
    if user is None:
        return
    ok(int(user[2]) < 1000 and int(user[2]) > 0, "codemaild is a system user", user[2])
    eq(user[5], "/var/lib/codemaild", "codemaild's home is the state directory")
    ok(user[6].endswith("nologin"), "codemaild has no login shell", user[6])

    if shutil.which("systemd-tmpfiles") is None:
        skip("tmpfiles.d file", "systemd-tmpfiles not installed")
        return
    if os.geteuid() != 0:
        skip("tmpfiles.d creates owned directories", "needs root to chown")
        return
    r = run("systemd-tmpfiles", f"--root={root}", "--create", TMPFILES)
    eq(r.returncode, 0, "systemd-tmpfiles --create accepts codemaild.tmpfiles")
    eq(r.stderr.strip(), "", "systemd-tmpfiles: no warnings")
    uid, gid = int(user[2]), int(user[3])
    for d in ("var/lib/codemaild", "var/spool/codemaild", "var/spool/codemaild/inbox/new",
              "var/spool/codemaild/outbox"):
        p = os.path.join(root, d)
        if not ok(os.path.isdir(p), f"tmpfiles creates /{d}"):
            continue
        st = os.stat(p)
        eq(oct(st.st_mode & 0o7777), "0o700", f"/{d} is mode 0700")
        eq((st.st_uid, st.st_gid), (uid, gid), f"/{d} is owned by codemaild")


def _set_mdwe():
    """preexec_fn: PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN) — the kernel's own form of
    MemoryDenyWriteExecute= (Linux >= 6.3), inherited across execve."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(65, 1, 0, 0, 0) != 0:
        os._exit(99)


def check_mdwe():
    """The unit sets MemoryDenyWriteExecute=yes, under which PCRE2 cannot JIT: the extractor
    must fall back to the interpreter and answer exactly the same."""
    import glob
    qs = sorted(glob.glob(os.path.join(TOP, "examples", "questions", "*.eml")))
    if not qs or not os.access(BIN, os.X_OK):
        skip("MemoryDenyWriteExecute: same answers without JIT", "no binary or example questions")
        return
    probe = subprocess.run(["/usr/bin/python3", "-c",
                            "import mmap; mmap.mmap(-1, 4096, prot=7)"],
                           capture_output=True, text=True, preexec_fn=_set_mdwe, timeout=30)
    if probe.returncode == 99:
        skip("MemoryDenyWriteExecute: same answers without JIT", "kernel without PR_SET_MDWE")
        return
    ok(probe.returncode != 0 and "ermission" in probe.stderr,
       "PR_SET_MDWE refuses a writable+executable mapping", probe.stderr.strip()[-200:])

    def answer(q, pre):
        r = subprocess.run([BIN, "-c", "/dev/null", "answer", q], capture_output=True, timeout=60, preexec_fn=pre,
                           cwd=TOP)
        body = b"\n".join(l for l in r.stdout.splitlines()
                          if not l.startswith((b"Date:", b"Message-ID:")))
        return r.returncode, body

    same = []
    for q in qs:
        a, b = answer(q, None), answer(q, _set_mdwe)
        if a[0] == 0 and a == b:
            same.append(q)
    eq(len(same), len(qs), "MemoryDenyWriteExecute: every example question gets the same "
       "reply with the PCRE2 interpreter as with the JIT")


def check_notify():
    """What the unit's Type=notify, WatchdogSec= and ExecReload= rely on, without systemd:
    the daemon started with $NOTIFY_SOCKET and $WATCHDOG_USEC says READY=1, feeds the
    watchdog, answers SIGHUP with RELOADING=1 then READY=1, and SIGTERM with STOPPING=1."""
    import signal
    import socket
    import time
    try:
        from cmdhelp import Instance
    except ImportError as e:
        skip("daemon speaks sd_notify", f"no cmdhelp: {e}")
        return
    if not os.access(BIN, os.X_OK):
        skip("daemon speaks sd_notify", "binary not built")
        return
    inst = Instance()
    sock_path = os.path.join(inst.dir, "notify.sock")
    sk = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sk.bind(sock_path)
    sk.settimeout(0.5)
    got = []

    def wait_msg(pred, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                m = sk.recv(4096).decode(errors="replace")
            except socket.timeout:
                continue
            got.append(m)
            if pred(m):
                return m
        return None

    proc = inst.start("run", env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "4000000"})
    try:
        ok(wait_msg(lambda m: "READY=1" in m, 20), "daemon sends READY=1 when started", str(got))
        ok(wait_msg(lambda m: m == "WATCHDOG=1", 10),
           "daemon feeds the watchdog (WATCHDOG=1)", str(got[-5:]))
        proc.send_signal(signal.SIGHUP)
        ok(wait_msg(lambda m: m.startswith("RELOADING=1"), 10), "SIGHUP: RELOADING=1",
           str(got[-5:]))
        ok(wait_msg(lambda m: "READY=1" in m, 10), "SIGHUP: READY=1 again after the reload",
           str(got[-5:]))
        proc.send_signal(signal.SIGTERM)
        ok(wait_msg(lambda m: "STOPPING=1" in m, 10), "SIGTERM: STOPPING=1", str(got[-5:]))
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
        eq(rc, 0, "daemon exits 0 on SIGTERM")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sk.close()
        inst.cleanup()


def main():
    check_static()
    check_mdwe()
    check_notify()
    with tempfile.TemporaryDirectory(prefix="codemaild-systemd-") as tmp:
        check_verify(tmp)
        check_users_and_dirs(tmp)


main()
