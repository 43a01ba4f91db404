"""make install / make uninstall into a DESTDIR (scripts/install.sh called directly with the
built binary): every file in place with its mode, the installed config pointing at the
installed paths, the installed unit verifying, no system user touched, a modified config
kept on re-install, uninstall removing the files but keeping config, state and spool; and
the installed binary checking (and, with the sample DB, running) the installed config."""
import configparser
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile

from tap import ok, eq, skip, diag, BIN, TOP

SCRIPT = os.path.join(TOP, "scripts", "install.sh")


def sh(*args, **kw):
    return subprocess.run(["sh", SCRIPT, *args], capture_output=True, text=True, timeout=120,
                          **kw)


def mode(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def digest(path):
    try:
        return hashlib.sha256(open(path, "rb").read()).hexdigest()
    except OSError:
        return None


def read_conf(path):
    cp = configparser.ConfigParser(strict=True, interpolation=None,
                                   comment_prefixes=("#", ";"), empty_lines_in_values=False)
    cp.read(path, encoding="utf-8")
    return cp


def localized_conf(dest, src, dst):
    """The installed config with every absolute installed path moved under DESTDIR, so the
    installed binary can use it without the files being in /usr/local, /etc or /var."""
    text = open(src, encoding="utf-8").read()
    for p in ("/usr/local/share/codemaild", "/var/lib/codemaild", "/var/spool/codemaild",
              "/etc/codemaild"):
        text = text.replace(" = " + p, " = " + dest + p)
    # The test runs as whoever runs the suite: no user switch, no codemaild user needed.
    text = text.replace("\nuser = codemaild\n", "\nuser =\nallow_root = yes\n")
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(dst, 0o640)


def check_layout(dest):
    want = {
        "usr/local/sbin/codemaild": "0o755",
        "etc/codemaild/codemaild.conf": "0o640",
        "usr/local/share/man/man8/codemaild.8": "0o644",
        "usr/local/share/man/man5/codemaild.conf.5": "0o644",
        "usr/local/lib/systemd/system/codemaild.service": "0o644",
        "usr/local/lib/sysusers.d/codemaild.conf": "0o644",
        "usr/local/lib/tmpfiles.d/codemaild.conf": "0o644",
        "etc/codemaild": "0o750",
        "etc/codemaild/templates": "0o750",
        "var/lib/codemaild": "0o700",
        "var/spool/codemaild": "0o700",
        "var/spool/codemaild/inbox/new": "0o700",
        "var/spool/codemaild/outbox": "0o700",
    }
    for rel, m in want.items():
        p = os.path.join(dest, rel)
        if ok(os.path.exists(p), f"installed /{rel}"):
            eq(mode(p), m, f"/{rel} has mode {m[2:]}")
    me = (os.getuid(), os.getgid())
    for rel in ("etc/codemaild/codemaild.conf", "var/lib/codemaild", "var/spool/codemaild"):
        st = os.stat(os.path.join(dest, rel))
        eq((st.st_uid, st.st_gid), me, f"DESTDIR install: /{rel} not chowned")
    same = os.path.samefile(os.path.join(dest, "usr/local/sbin/codemaild"), BIN)
    ok(not same and digest(os.path.join(dest, "usr/local/sbin/codemaild")) == digest(BIN),
       "installed binary is a copy of the built one")

    tdir = os.path.join(TOP, "templates")
    if os.path.isdir(tdir):
        shipped = sorted(f for f in os.listdir(tdir) if os.path.isfile(os.path.join(tdir, f)))
        idir = os.path.join(dest, "usr/local/share/codemaild/templates")
        got = sorted(os.listdir(idir)) if os.path.isdir(idir) else []
        eq(got, shipped, "every shipped template installed")
        ok(all(mode(os.path.join(idir, f)) == "0o644" for f in got), "templates are mode 0644")
    else:
        skip("templates installed", "no templates/ in the tree")
    # the knowledge data files (modifier guide, confusions, CPT notes) come with the topics
    kdir = os.path.join(TOP, "knowledge")
    shipped = sorted(f for f in os.listdir(kdir) if f.endswith(".tsv"))
    idir = os.path.join(dest, "usr/local/share/codemaild/knowledge")
    got = sorted(f for f in os.listdir(idir) if f.endswith(".tsv")) if os.path.isdir(idir) else []
    ok(len(shipped) >= 3 and got == shipped, "every knowledge *.tsv installed", f"{got} vs {shipped}")
    sample = os.path.join(TOP, "data", "sample", "codes.db")
    if os.path.exists(sample):
        eq(digest(os.path.join(dest, "usr/local/share/codemaild/sample/codes.db")),
           digest(sample), "sample reference DB installed")
    else:
        skip("sample DB installed", "data/sample/codes.db not built")


def check_config(dest):
    path = os.path.join(dest, "etc/codemaild/codemaild.conf")
    try:
        cp = read_conf(path)
    except configparser.Error as e:
        ok(False, "installed config is valid INI without duplicate keys", str(e))
        return
    ok(True, "installed config is valid INI without duplicate keys")
    want = {
        ("general", "state_db"): "/var/lib/codemaild/state.db",
        ("general", "status_file"): "/var/lib/codemaild/codemaild.status",
        ("general", "templates"): "/usr/local/share/codemaild/templates",
        ("general", "templates_override"): "/etc/codemaild/templates",
        ("general", "reference_db"): "/usr/local/share/codemaild/sample/codes.db",
        ("general", "user"): "codemaild",
        ("source", "maildir"): "/var/spool/codemaild/inbox",
        ("sender", "outbox"): "/var/spool/codemaild/outbox",
    }
    for (s, k), v in want.items():
        got = cp.get(s, k, fallback=None)
        eq(got, v, f"installed config: [{s}] {k} = {v}")
    sample = os.path.join(TOP, "conf", "codemaild.conf")
    if os.path.exists(sample):
        text = open(path, encoding="utf-8").read()
        ok("check-config" in text and len(text) >= os.path.getsize(sample) * 0.9,
           "installed config keeps the sample's comments")
        eq(read_conf(sample).get("general", "state_db", fallback="spool/state.db"),
           "spool/state.db", "repo sample config keeps its relative paths")


def check_unit(dest):
    unit = os.path.join(dest, "usr/local/lib/systemd/system/codemaild.service")
    text = open(unit, encoding="utf-8").read()
    ok("ExecStart=/usr/local/sbin/codemaild -c /etc/codemaild/codemaild.conf run" in text,
       "installed unit runs /usr/local/sbin/codemaild")
    if shutil.which("systemd-analyze") is None:
        skip("installed unit verifies", "systemd-analyze not installed")
        return
    # verify checks that the binary exists: point it at the DESTDIR copy.
    with tempfile.TemporaryDirectory() as t:
        copy = os.path.join(t, "codemaild.service")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(text.replace("/usr/local/sbin/codemaild",
                                 os.path.join(dest, "usr/local/sbin/codemaild")))
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", copy],
                           capture_output=True, text=True, timeout=60)
        ok(r.returncode == 0 and "codemaild" not in r.stderr,
           "installed unit passes systemd-analyze verify", r.stderr.strip())
        # With the man check on: Documentation=man:codemaild(8) man:codemaild.conf(5)
        # must resolve to the installed pages.
        env = dict(os.environ, MANPATH=os.path.join(dest, "usr/local/share/man"))
        r = subprocess.run(["systemd-analyze", "verify", copy], capture_output=True, text=True,
                           timeout=60, env=env)
        ok(r.returncode == 0 and "codemaild" not in r.stderr,
           "installed unit's Documentation= man pages resolve to the installed ones",
           r.stderr.strip())


def check_run(dest):
    conf = os.path.join(dest, "etc/codemaild/codemaild.conf")
    exe = os.path.join(dest, "usr/local/sbin/codemaild")
    r = subprocess.run([exe, "-c", conf, "check-config"], capture_output=True, text=True,
                       timeout=60)
    diag(f"check-config of the installed config as is: exit {r.returncode} "
         "(its paths are under /, not the DESTDIR)")
    local = os.path.join(dest, "etc/codemaild/codemaild.local.conf")
    localized_conf(dest, conf, local)
    r = subprocess.run([exe, "-c", local, "check-config"], capture_output=True, text=True,
                       timeout=60)
    if r.returncode == 69:
        skip("installed binary: check-config", "check-config not implemented in this build")
        return
    eq(r.returncode, 0, "installed binary: check-config of the installed config succeeds")
    ok(" ok" in r.stdout, "check-config says ok", (r.stdout + r.stderr).strip()[-300:])

    if not os.path.exists(os.path.join(dest, "usr/local/share/codemaild/sample/codes.db")):
        skip("installed binary answers a question", "sample DB not built")
        return
    inbox_new = os.path.join(dest, "var/spool/codemaild/inbox/new")
    msg = ("From: Pat Example <pat@clinic.example>\r\nTo: consult@codemaild.example\r\n"
           "Subject: code question\r\nMessage-ID: <install-test-1@clinic.example>\r\n"
           "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nWhat is 99213?\r\n")
    with open(os.path.join(inbox_new, "1.install-test"), "w", encoding="utf-8") as f:
        f.write(msg)
    r = subprocess.run([exe, "-c", local, "once"], capture_output=True, text=True, timeout=120)
    ok(r.returncode in (0, 75), "installed binary: once with the installed config",
       f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
    ok(os.path.exists(os.path.join(dest, "var/lib/codemaild/state.db")),
       "state DB created in the state directory")
    st = os.path.join(dest, "var/lib/codemaild/state.db")
    if os.path.exists(st):
        eq(mode(st), "0o600", "state DB is mode 0600")


def check_reinstall_and_uninstall(dest):
    conf = os.path.join(dest, "etc/codemaild/codemaild.conf")
    new = conf + ".new"
    r = sh(dest, "/usr/local", "/etc", BIN)
    eq(r.returncode, 0, "re-install exits 0")
    ok(not os.path.exists(new), "re-install over an unchanged config writes no .new")
    with open(conf, "a", encoding="utf-8") as f:
        f.write("\n# local change by the admin\n")
    before = digest(conf)
    r = sh(dest, "/usr/local", "/etc", BIN)
    eq(r.returncode, 0, "re-install over a modified config exits 0")
    eq(digest(conf), before, "re-install keeps the modified config")
    ok(os.path.exists(new), "the new default config is installed as codemaild.conf.new")
    if os.path.exists(new):
        eq(mode(new), "0o640", "codemaild.conf.new is mode 0640")
    ok("codemaild.conf.new" in r.stdout, "re-install says where the new config went")

    state_marker = os.path.join(dest, "var/lib/codemaild/marker")
    open(state_marker, "w").close()
    r = sh("--uninstall", dest, "/usr/local", "/etc")
    eq(r.returncode, 0, "uninstall exits 0")
    for rel in ("usr/local/sbin/codemaild", "usr/local/share/man/man8/codemaild.8",
                "usr/local/share/man/man5/codemaild.conf.5",
                "usr/local/lib/systemd/system/codemaild.service",
                "usr/local/lib/sysusers.d/codemaild.conf",
                "usr/local/lib/tmpfiles.d/codemaild.conf", "usr/local/share/codemaild"):
        ok(not os.path.exists(os.path.join(dest, rel)), f"uninstall removes /{rel}")
    eq(digest(conf), before, "uninstall keeps the config")
    ok(os.path.exists(new), "uninstall keeps codemaild.conf.new")
    ok(os.path.exists(state_marker), "uninstall keeps the state directory and its files")
    ok(os.path.isdir(os.path.join(dest, "var/spool/codemaild/outbox")), "uninstall keeps the spool")


def check_prefix_usr(tmp):
    dest = os.path.join(tmp, "usr-prefix")
    r = sh(dest, "/usr", "/etc", BIN)
    eq(r.returncode, 0, "install with PREFIX=/usr exits 0")
    unit = os.path.join(dest, "lib/systemd/system/codemaild.service")
    ok(os.path.exists(unit), "PREFIX=/usr: unit in /lib/systemd/system")
    if os.path.exists(unit):
        text = open(unit, encoding="utf-8").read()
        ok("ExecStart=/usr/sbin/codemaild -c /etc/codemaild/codemaild.conf run" in text,
           "PREFIX=/usr: unit runs /usr/sbin/codemaild")
    ok(os.path.exists(os.path.join(dest, "usr/lib/sysusers.d/codemaild.conf")),
       "PREFIX=/usr: sysusers.d file in /usr/lib/sysusers.d")
    cp = read_conf(os.path.join(dest, "etc/codemaild/codemaild.conf"))
    eq(cp.get("general", "templates", fallback=None), "/usr/share/codemaild/templates",
       "PREFIX=/usr: config points at /usr/share/codemaild/templates")

LIVE_SCRIPT = r"""
set -eu
W=$1; BIN=$2; TOP=$3
mkdir -p "$W/fake" "$W/upper" "$W/work" "$W/usrlocal" "$W/varlib" "$W/varspool"
# /etc with a throw-away user database (root and nobody only) on top, writes kept apart
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$W/fake/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$W/fake/group"
printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$W/fake/shadow"
printf 'root:*::\nnogroup:*::\n' >"$W/fake/gshadow"
chmod 0640 "$W/fake/shadow" "$W/fake/gshadow"
mount -t overlay overlay -o "lowerdir=$W/fake:/etc,upperdir=$W/upper,workdir=$W/work" /etc
mount --bind "$W/usrlocal" /usr/local
mount --bind "$W/varlib" /var/lib
mount --bind "$W/varspool" /var/spool
INSTALL_NO_SYSTEMCTL=1 sh "$TOP/scripts/install.sh" "" /usr/local /etc "$BIN" >"$W/install.log" 2>&1 || { echo "RC install $?"; cat "$W/install.log"; exit 0; }
echo "RC install 0"
echo "USER $(getent passwd codemaild || echo none)"
for p in /usr/local/sbin/codemaild /etc/codemaild /etc/codemaild/codemaild.conf \
         /etc/codemaild/templates /var/lib/codemaild /var/spool/codemaild \
         /var/spool/codemaild/inbox /var/spool/codemaild/inbox/new /var/spool/codemaild/outbox; do
	echo "STAT $(stat -c '%a %U:%G' "$p" 2>/dev/null || echo missing) $p"
done
rc=0
setpriv --reuid=codemaild --regid=codemaild --init-groups \
	/usr/local/sbin/codemaild -c /etc/codemaild/codemaild.conf check-config >"$W/check.log" 2>&1 || rc=$?
echo "RC check-config $rc"
if [ -f /usr/local/share/codemaild/sample/codes.db ]; then
	rc=0
	setpriv --reuid=codemaild --regid=codemaild --init-groups \
		/usr/local/sbin/codemaild -c /etc/codemaild/codemaild.conf once >"$W/once.log" 2>&1 || rc=$?
	echo "RC once $rc"
	echo "STAT $(stat -c '%a %U:%G' /var/lib/codemaild/state.db 2>/dev/null || echo missing) /var/lib/codemaild/state.db"
fi
rc=0
INSTALL_NO_SYSTEMCTL=1 sh "$TOP/scripts/install.sh" --uninstall "" /usr/local /etc >>"$W/install.log" 2>&1 || rc=$?
echo "RC uninstall $rc"
echo "AFTER $(test -e /usr/local/sbin/codemaild && echo binary) $(test -e /etc/codemaild/codemaild.conf && echo config) $(test -d /var/lib/codemaild && echo state)"
"""


def check_live(tmp):
    """make install on the live system (DESTDIR empty, as root): run in a private mount
    namespace where /etc is an overlay with a throw-away user database and /usr/local,
    /var/lib, /var/spool are scratch directories, so the host is not changed."""
    if os.geteuid() != 0:
        skip("live install as root", "not root")
        return
    for tool in ("unshare", "setpriv", "systemd-sysusers", "systemd-tmpfiles"):
        if shutil.which(tool) is None:
            skip("live install as root", f"{tool} not installed")
            return
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        skip("live install as root", "cannot create a mount namespace: " + probe.stderr.strip())
        return
    w = os.path.join(tmp, "live")
    os.mkdir(w, 0o700)
    script = os.path.join(tmp, "live.sh")
    with open(script, "w", encoding="utf-8") as f:
        f.write(LIVE_SCRIPT)
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", script, w,
                        os.path.abspath(BIN), TOP], capture_output=True, text=True, timeout=120)
    if "overlay" in r.stderr and "RC install" not in r.stdout:
        skip("live install as root", "overlayfs not available: " + r.stderr.strip()[-200:])
        return
    rc, stats, user = {}, {}, None
    for line in r.stdout.splitlines():
        f = line.split()
        if f[:1] == ["RC"]:
            rc[f[1]] = int(f[2])
        elif f[:1] == ["STAT"]:
            stats[f[-1]] = " ".join(f[1:-1])
        elif f[:1] == ["USER"]:
            user = line[5:]
    eq(rc.get("install"), 0, "live install exits 0",)
    if rc.get("install") != 0:
        diag(r.stdout + r.stderr)
        return
    ok(user and user.startswith("codemaild:") and user.endswith(":/var/lib/codemaild:/usr/sbin/nologin"),
       "live install creates the codemaild system user (sysusers.d)", user)
    want = {
        "/usr/local/sbin/codemaild": "755 root:root",
        "/etc/codemaild": "750 root:codemaild",
        "/etc/codemaild/codemaild.conf": "640 root:codemaild",
        "/etc/codemaild/templates": "750 root:codemaild",
        "/var/lib/codemaild": "700 codemaild:codemaild",
        "/var/spool/codemaild": "700 codemaild:codemaild",
        "/var/spool/codemaild/inbox": "700 codemaild:codemaild",
        "/var/spool/codemaild/inbox/new": "700 codemaild:codemaild",
        "/var/spool/codemaild/outbox": "700 codemaild:codemaild",
    }
    for p, m in want.items():
        eq(stats.get(p), m, f"live install: {p} is {m}")
    check_log = os.path.join(w, "check.log")
    log = open(check_log, encoding="utf-8").read() if os.path.exists(check_log) else ""
    if rc.get("check-config") == 69:
        skip("live install: check-config as codemaild", "not implemented in this build")
    else:
        eq(rc.get("check-config"), 0, "live install: the installed binary, run as codemaild, "
           "accepts the installed config")
        ok(" ok" in log, "live install: check-config says ok", log.strip()[-300:])
    if "once" in rc:
        ok(rc["once"] in (0, 75), "live install: once as codemaild with the installed config",
           open(os.path.join(w, "once.log"), encoding="utf-8").read()[-300:])
        eq(stats.get("/var/lib/codemaild/state.db"), "600 codemaild:codemaild",
           "live install: state DB is 0600 codemaild")
    else:
        skip("live install: once as codemaild", "sample DB not built")
    eq(rc.get("uninstall"), 0, "live uninstall exits 0")
    after = r.stdout.split("AFTER", 1)[-1].split()
    ok("binary" not in after and "config" in after and "state" in after,
       "live uninstall removes the binary, keeps config and state", str(after))


def check_mail(tmp):
    """The installed binary with the installed config (paths moved under the DESTDIR)
    against the private Dovecot + Postfix: a question sent by SMTP is read over IMAPS, the
    reply leaves by SMTPS and arrives, passwords come from $CREDENTIALS_DIRECTORY the way
    the unit's LoadCredential= passes them."""
    try:
        from mailstack import MailStack, make_message, wait_for
    except ImportError as e:
        skip("installed binary against the mail servers", f"no mailstack: {e}")
        return
    if shutil.which("dovecot") is None or shutil.which("postfix") is None:
        skip("installed binary against the mail servers", "dovecot/postfix not installed")
        return
    dest = os.path.join(tmp, "mail-dest")
    r = sh(dest, "/usr/local", "/etc", BIN)
    if not eq(r.returncode, 0, "install for the mail test"):
        return
    if not os.path.exists(os.path.join(dest, "usr/local/share/codemaild/sample/codes.db")):
        skip("installed binary against the mail servers", "sample DB not built")
        return
    try:
        st = MailStack().start()
    except Exception as e:  # noqa: BLE001 - an environment without working servers
        skip("installed binary against the mail servers", f"mail stack did not start: {e}")
        return
    try:
        creds = os.path.join(tmp, "credentials")
        os.mkdir(creds, 0o700)
        for name in ("imap-password", "smtp-password"):
            path = os.path.join(creds, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(st.password + "\n")
            os.chmod(path, 0o400)
        conf = os.path.join(dest, "etc/codemaild/codemaild.mail.conf")
        localized_conf(dest, os.path.join(dest, "etc/codemaild/codemaild.conf"), conf)
        with open(conf, "a", encoding="utf-8") as f:
            f.write(f"""
[general]
consultant_address = consult@{st.domain}
[source]
type = imap
poll_interval = 1s
[imap]
host = localhost
port = {st.imaps_port}
tls = implicit
ca_file = {st.ca_file}
user = consult@{st.domain}
password_file = imap-password
timeout = 20s
[sender]
type = smtp
smtp_url = smtps://localhost:{st.smtps_port}
user = consult@{st.domain}
password_file = smtp-password
ca_file = {st.ca_file}
timeout = 30s
[quota]
guest = -1
[log]
destination = stderr
""")
        exe = os.path.join(dest, "usr/local/sbin/codemaild")
        env = dict(os.environ, CREDENTIALS_DIRECTORY=creds)
        r = subprocess.run([exe, "-c", conf, "check-config"], capture_output=True, text=True,
                           timeout=60, env=env)
        eq(r.returncode, 0, "mail config: check-config ok", )
        q = make_message(f"coder1@{st.domain}", f"consult@{st.domain}", "install test",
                         "What is the RVU of 99213?")
        st.send(f"coder1@{st.domain}", "consult", q)
        ok(wait_for(lambda: st.count("consult") == 1, timeout=20),
           "question delivered to the consultant's INBOX")
        r = subprocess.run([exe, "-c", conf, "once"], capture_output=True, text=True,
                           timeout=120, env=env)
        eq(r.returncode, 0, "installed binary: once against IMAPS/SMTPS exits 0")
        if r.returncode != 0:
            diag(r.stderr[-800:])
        eq(st.count("consult", "Consult/Answered"), 1, "the question moved to Consult/Answered")
        got = wait_for(lambda: st.fetch("coder1"), timeout=30)
        ok(got and any("install test" in str(m["Subject"]) for m in got),
           "the reply arrived in the sender's mailbox over SMTPS")
        ok(st.password not in r.stderr, "the password is not in the log")
        for rel, m in (("var/lib/codemaild/state.db", "0o600"),):
            p = os.path.join(dest, rel)
            if ok(os.path.exists(p), f"mail test: /{rel} created"):
                eq(mode(p), m, f"mail test: /{rel} is mode {m[2:]}")
        bad = sorted(f for f in os.listdir(os.path.join(dest, "var/lib/codemaild"))
                     if stat.S_IMODE(os.stat(os.path.join(dest, "var/lib/codemaild", f)).st_mode) & 0o077)
        eq(bad, [], "mail test: nothing in the state directory is readable by group or others")
    finally:
        st.stop()


def main():
    if not os.access(BIN, os.X_OK):
        skip("install", f"{BIN} not built")
        return
    passwd_before = digest("/etc/passwd"), digest("/etc/group")
    with tempfile.TemporaryDirectory(prefix="codemaild-install-") as tmp:
        dest = os.path.join(tmp, "dest")
        r = sh(dest, "/usr/local", "/etc", BIN)
        eq(r.returncode, 0, "install.sh DESTDIR=... PREFIX=/usr/local exits 0")
        if r.returncode != 0:
            diag(r.stdout + r.stderr)
            return
        check_layout(dest)
        check_config(dest)
        check_unit(dest)
        check_run(dest)
        check_reinstall_and_uninstall(dest)
        check_prefix_usr(tmp)
        check_live(tmp)
        check_mail(tmp)
        r = sh(os.path.join(tmp, "x"), "/usr/local", "/etc", os.path.join(tmp, "nonexistent"))
        ok(r.returncode != 0 and "not found" in r.stderr, "install refuses a missing binary")
    eq((digest("/etc/passwd"), digest("/etc/group")), passwd_before,
       "DESTDIR installs never touch the system's users and groups")


main()
