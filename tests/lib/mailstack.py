"""MailStack: a private Dovecot + Postfix on 127.0.0.1 for the integration tests.

Everything lives in one temporary directory: a test CA and certificates (openssl CLI), a
Dovecot with its own base_dir/state_dir/log (IMAP with STARTTLS, IMAPS, LMTP, an auth socket
for Postfix), and a Postfix instance with its own config_directory, queue_directory and
data_directory (SMTP for injection, submission with STARTTLS + SASL, smtps with SASL),
delivering example.test into Dovecot over LMTP. No system mail configuration is read or
written: Dovecot is started with -c, Postfix with -c (as root, a non-default config
directory needs no alternate_config_directories entry for the postfix command itself).
Ports are picked by binding port 0. Teardown (stop()) kills everything; it is registered
with atexit too, so a failing test does not leave servers behind.

Python 3 stdlib only.
"""
import atexit
import email
import email.utils
import imaplib
import os
import pwd
import grp
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

USERS = ["consult", "coder1", "coder2", "coder3", "other"]
DOMAIN = "example.test"
PASSWORD = "test-secret-pw"

_live = []


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_for(pred, timeout=10.0, interval=0.05):
    """Polls pred() until it returns something true; returns it, or None after timeout."""
    end = time.monotonic() + timeout
    while True:
        try:
            v = pred()
        except Exception:  # noqa: BLE001 - a predicate may fail while servers start
            v = None
        if v:
            return v
        if time.monotonic() > end:
            return None
        time.sleep(interval)


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _run(cmd, **kw):
    """Runs cmd; output through a temporary file, not a pipe: daemons that fork keep
    inherited pipes open and would block the read."""
    with tempfile.TemporaryFile(mode="w+") as out:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, text=True,
                           check=False, **kw)
        out.seek(0)
        r.stdout = out.read()
    return r


def _openssl(*args, cwd):
    r = _run(["openssl", *args], cwd=cwd)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], r.stdout))


class MailStack:
    def __init__(self, users=None, quiet=True, imap_capability=""):
        self.users = users or USERS
        self.password = PASSWORD
        self.domain = DOMAIN
        self.dir = tempfile.mkdtemp(prefix="codemaild-mailstack-")
        os.chmod(self.dir, 0o755)
        self.certs = os.path.join(self.dir, "certs")
        self.ca_file = os.path.join(self.certs, "ca.crt")
        self.dovecot_dir = os.path.join(self.dir, "dovecot")
        self.pf_conf = os.path.join(self.dir, "postfix")
        self.pf_queue = os.path.join(self.dir, "postfix-spool")
        self.pf_data = os.path.join(self.dir, "postfix-data")
        self.mail_dir = os.path.join(self.dir, "mail")
        self._pick_ports()
        self.oauth_tokens = {}   # access token -> user address (XOAUTH2 introspection)
        self._oauth_srv = None
        # extra TLS servers (openssl s_server) for the certificate tests
        self.bad_servers = {}
        self._dovecot_started = False
        self._postfix_started = False
        self._procs = []
        self.quiet = quiet
        self.imap_capability = imap_capability   # "" = Dovecot's own list
        _live.append(self)

    def _pick_ports(self):
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.lmtp_port = free_port()
        self.smtp_port = free_port()
        self.submission_port = free_port()
        self.smtps_port = free_port()
        self.oauth_port = free_port()

    # ---------------------------------------------------------------- set-up
    def start(self):
        # A port picked free can be taken by another process before Dovecot or Postfix binds
        # it (another test suite on the same machine): then pick new ports and start again.
        for attempt in range(3):
            try:
                self._make_certs()
                self._start_oauth()
                self._write_dovecot()
                self._write_postfix()
                self.start_dovecot()
                self.start_postfix()
                return self
            except RuntimeError as e:
                self.stop()
                if "Address already in use" not in str(e) or attempt == 2:
                    raise
                print("# mailstack: a port was taken meanwhile; starting again on new ports", flush=True)
                os.makedirs(self.dir, exist_ok=True)   # stop() removed it
                _live.append(self)
                self._pick_ports()
            except BaseException:
                self.stop()
                raise
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _make_certs(self):
        os.makedirs(self.certs)
        c = self.certs
        cnf = os.path.join(c, "ext.cnf")
        with open(cnf, "w") as f:
            f.write("[srv]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
                    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    "[wrong]\nsubjectAltName=DNS:evil.invalid\n"
                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                    "")
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ("ca", "otherca"):
            _openssl("req", "-x509", *key, "-keyout", ca + ".key", "-out", ca + ".crt", "-days", "30",
                     "-subj", "/CN=codemaild test %s" % ca,
                     "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=c)
        # name -> (issuing CA, extension section, CN)
        for name, ca, sect, cn in (("server", "ca", "srv", "localhost"),
                                   ("unknown", "otherca", "srv", "localhost"),
                                   ("wrongname", "ca", "wrong", "evil.invalid")):
            _openssl("req", "-new", *key, "-keyout", name + ".key", "-out", name + ".csr",
                     "-subj", "/CN=" + cn, cwd=c)
            _openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                     "-CAcreateserial", "-out", name + ".crt", "-days", "30", "-extfile", cnf,
                     "-extensions", sect, cwd=c)
        for fn in os.listdir(c):
            os.chmod(os.path.join(c, fn), 0o644)

    def _start_oauth(self):
        """A tiny OAuth2 'userinfo' endpoint for Dovecot's oauth2 passdb (introspection_mode =
        auth): a known bearer token maps to its user's address, anything else is 401."""
        stack = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                auth = self.headers.get("Authorization", "")
                tok = auth[7:] if auth.startswith("Bearer ") else ""
                user = stack.oauth_tokens.get(tok)
                body = ('{"email": "%s"}' % user if user else '{"error": "invalid_token"}').encode()
                self.send_response(200 if user else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self._oauth_srv = HTTPServer(("127.0.0.1", self.oauth_port), H)
        threading.Thread(target=self._oauth_srv.serve_forever, daemon=True).start()

    def add_oauth_token(self, user, token):
        self.oauth_tokens[token] = self.addr(user)

    def cert_fingerprint(self, name="server"):
        """SHA-256 of the DER certificate, lower-case hex without colons."""
        r = _run(["openssl", "x509", "-in", os.path.join(self.certs, name + ".crt"), "-noout",
                  "-fingerprint", "-sha256"])
        return r.stdout.strip().split("=", 1)[1].replace(":", "").lower()

    def _mail_ids(self):
        try:
            pw = pwd.getpwnam("nobody")
            gid = grp.getgrnam("nogroup").gr_gid
            return pw.pw_uid, gid
        except KeyError:
            return 65534, 65534

    def _write_dovecot(self):
        d = self.dovecot_dir
        for sub in ("run", "state", "etc"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        os.chmod(os.path.join(d, "run"), 0o755)
        uid, gid = self._mail_ids()
        os.makedirs(self.mail_dir, exist_ok=True)
        os.chown(self.mail_dir, uid, gid)
        users = os.path.join(d, "etc", "users")
        with open(users, "w") as f:
            for u in self.users:
                f.write("%s@%s:{PLAIN}%s:%d:%d::%s/%s/%s::\n" % (u, self.domain, self.password, uid, gid,
                                                                  self.mail_dir, self.domain, u))
        os.chmod(users, 0o644)
        # Postfix's private/ (created early: Dovecot puts Postfix's SASL socket there)
        os.makedirs(self.pf_queue + "/private", exist_ok=True)
        os.chmod(self.pf_queue, 0o755)
        pfu = pwd.getpwnam("postfix")
        os.chown(self.pf_queue + "/private", pfu.pw_uid, 0)
        os.chmod(self.pf_queue + "/private", 0o700)
        dh = "/usr/share/dovecot/dh.pem"
        conf = """# private Dovecot for the codemaild tests (generated)
instance_name = codemaild-test-{port}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{c}/server.crt
ssl_key = <{c}/server.key
{dh}
disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2 oauthbearer
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_privileged_group =
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {users}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d}/etc/oauth2.conf.ext
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {users}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
  process_min_avail = 1
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
service auth {{
  unix_listener {q}/private/auth {{
    mode = 0666
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol lmtp {{
  postmaster_address = postmaster@{dom}
}}
protocol imap {{
  mail_max_userip_connections = 100
  {caps}
}}
""".format(d=d, c=self.certs, port=self.imap_port, dh=("ssl_dh = <" + dh) if os.path.exists(dh) else "",
           users=users, imap=self.imap_port, imaps=self.imaps_port, lmtp=self.lmtp_port,
           q=self.pf_queue, dom=self.domain,
           caps=("imap_capability = " + self.imap_capability) if self.imap_capability else "")
        with open(os.path.join(d, "etc", "oauth2.conf.ext"), "w") as f:
            f.write("introspection_mode = auth\nintrospection_url = http://127.0.0.1:%d/userinfo\n"
                    "username_attribute = email\n" % self.oauth_port)
        self.dovecot_conf = os.path.join(d, "etc", "dovecot.conf")
        with open(self.dovecot_conf, "w") as f:
            f.write(conf)

    def _write_postfix(self):
        os.makedirs(self.pf_conf)
        os.makedirs(self.pf_data)
        pfu = pwd.getpwnam("postfix")
        os.chown(self.pf_data, pfu.pw_uid, pfu.pw_gid)
        self.maillog = os.path.join(self.dir, "postfix.log")
        vmb = os.path.join(self.pf_conf, "vmailbox")
        with open(vmb, "w") as f:
            for u in self.users:
                f.write("%s@%s OK\n" % (u, self.domain))
            f.write("postmaster@%s OK\n" % self.domain)
        main = """# private Postfix for the codemaild tests (generated)
compatibility_level = 3.6
config_directory = {conf}
queue_directory = {q}
data_directory = {data}
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-codemaild-test
maillog_file = {log}
maillog_file_prefixes = {tmp}
myhostname = mx.{dom}
mydomain = {dom}
myorigin = {dom}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtputf8_enable = no
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
relay_domains =
virtual_mailbox_domains = {dom}
virtual_mailbox_maps = texthash:{vmb}
virtual_alias_maps =
virtual_transport = lmtp:inet:127.0.0.1:{lmtp}
smtp_dns_support_level = disabled
lmtp_host_lookup = native
smtp_host_lookup = native
biff = no
append_dot_mydomain = no
smtpd_banner = $myhostname ESMTP codemaild-test
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:{conf}/rcpt_access
smtpd_tls_cert_file = {c}/server.crt
smtpd_tls_key_file = {c}/server.key
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
in_flow_delay = 0
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
delay_warning_time = 0
lmtp_destination_concurrency_limit = 10
default_destination_concurrency_limit = 10
smtpd_client_connection_count_limit = 200
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
default_process_limit = 50
header_checks =
mailbox_size_limit = 0
message_size_limit = 52428800
""".format(conf=self.pf_conf, q=self.pf_queue, data=self.pf_data, log=self.maillog, dom=self.domain, tmp=self.dir,
           vmb=vmb, lmtp=self.lmtp_port, c=self.certs)
        sasl = "-o smtpd_sasl_auth_enable=yes -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
        master = """# private Postfix for the codemaild tests (generated)
127.0.0.1:{smtp} inet n - n - - smtpd
127.0.0.1:{sub} inet n - n - - smtpd -o smtpd_tls_security_level=encrypt {sasl}
127.0.0.1:{smtps} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes {sasl}
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
""".format(smtp=self.smtp_port, sub=self.submission_port, smtps=self.smtps_port, sasl=sasl)
        with open(os.path.join(self.pf_conf, "rcpt_access"), "w") as f:
            f.write("tempfail@%s 451 4.7.1 try again later (test)\n" % self.domain)
            f.write("policy-reject@%s 554 5.7.1 rejected by local policy (test)\n" % self.domain)
        with open(os.path.join(self.pf_conf, "main.cf"), "w") as f:
            f.write(main)
        with open(os.path.join(self.pf_conf, "master.cf"), "w") as f:
            f.write(master)
        os.chmod(self.pf_queue, 0o755)

    # ---------------------------------------------------------------- processes
    def start_dovecot(self):
        r = _run(["dovecot", "-c", self.dovecot_conf])
        if r.returncode != 0:
            raise RuntimeError("dovecot failed to start: %s\n%s" % (r.stdout, self._tail("dovecot")))
        self._dovecot_started = True
        if not wait_for(lambda: port_open(self.imap_port) and port_open(self.lmtp_port), 15):
            raise RuntimeError("dovecot did not open its ports:\n" + self._tail("dovecot"))

    def stop_dovecot(self):
        if not self._dovecot_started:
            return
        _run(["doveadm", "-c", self.dovecot_conf, "stop"])
        pidf = os.path.join(self.dovecot_dir, "run", "master.pid")
        wait_for(lambda: not os.path.exists(pidf), 10)
        # Dovecot's master exits before its imap processes; a real restart drops every
        # session, so end the ones of this instance (found by its unique instance name)
        for pid in self._instance_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._dovecot_started = False

    def _instance_pids(self):
        tag = "codemaild-test-%d/" % self.imap_port
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if tag in cmd:
                pids.append(int(d))
        return pids

    def set_imap_capability(self, caps):
        """Rewrites Dovecot's advertised IMAP capabilities ("" = its own) and restarts it."""
        self.imap_capability = caps
        self.stop_dovecot()
        wait_for(lambda: not port_open(self.imap_port), 5)
        self._write_dovecot()
        self.start_dovecot()

    def restart_dovecot(self):
        self.stop_dovecot()
        wait_for(lambda: not port_open(self.imap_port), 5)
        self.start_dovecot()

    def kick_dovecot(self):
        """Drops every IMAP session (doveadm kick), keeping Dovecot itself running."""
        return _run(["doveadm", "-c", self.dovecot_conf, "kick", "*"])

    def _postfix(self, *args):
        env = dict(os.environ)
        env.pop("MAIL_CONFIG", None)
        return _run(["postfix", "-c", self.pf_conf, *args], env=env)

    def start_postfix(self):
        r = self._postfix("start")
        if r.returncode != 0:
            raise RuntimeError("postfix failed to start: %s\n%s" % (r.stdout, self._tail("postfix")))
        self._postfix_started = True
        if not wait_for(lambda: port_open(self.smtp_port), 15):
            raise RuntimeError("postfix did not open its port:\n" + self._tail("postfix"))
        if not wait_for(self._smtp_greets, 20, interval=0.2):
            raise RuntimeError("postfix accepts connections but never greets:\n" + self._tail("postfix"))

    def _smtp_greets(self):
        """True once smtpd answers a connection with its 220 banner (a port that is open is
        not enough: the master spawns smtpd on demand)."""
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=5) as s:
            return s.noop()[0] == 250

    def stop_postfix(self):
        if not self._postfix_started:
            return
        r = self._postfix("stop")
        if r.returncode != 0:
            self._postfix("abort")
        pidf = os.path.join(self.pf_queue, "pid", "master.pid")
        wait_for(lambda: not port_open(self.smtp_port), 10)
        self._postfix_started = False
        return pidf

    def flush_postfix(self):
        return self._postfix("flush")

    def postfix_queue_count(self):
        n = 0
        for sub in ("incoming", "active", "deferred", "maildrop", "hold"):
            for _root, _dirs, files in os.walk(os.path.join(self.pf_queue, sub)):
                n += len(files)
        return n

    def _tail(self, which, n=40):
        path = os.path.join(self.dovecot_dir, "dovecot.log") if which == "dovecot" else self.maillog
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self):
        """Stops everything this stack started; safe to call twice."""
        for p in self._procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self._procs = []
        try:
            self.stop_postfix()
        except Exception:  # noqa: BLE001
            pass
        try:
            self.stop_dovecot()
        except Exception:  # noqa: BLE001
            pass
        # last resort: kill by the pid files we own
        for pidf in (os.path.join(self.pf_queue, "pid", "master.pid"),
                     os.path.join(self.dovecot_dir, "run", "master.pid")):
            try:
                with open(pidf) as f:
                    pid = int(f.read().split()[0])
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass
        if self._oauth_srv is not None:
            self._oauth_srv.shutdown()
            self._oauth_srv.server_close()
            self._oauth_srv = None
        if self in _live:
            _live.remove(self)
        if os.environ.get("MAILSTACK_KEEP"):
            print("# mailstack kept in %s" % self.dir, flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---------------------------------------------------------------- TLS test servers
    def bad_tls_server(self, cert):
        """Starts a TLS server (openssl s_server) presenting certs/CERT.crt that speaks just
        enough IMAP to greet; returns its port. Stopped by stop()."""
        if cert in self.bad_servers:
            return self.bad_servers[cert]
        port = free_port()
        p = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", "127.0.0.1:%d" % port,
                              "-cert", os.path.join(self.certs, cert + ".crt"),
                              "-key", os.path.join(self.certs, cert + ".key")],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs.append(p)
        wait_for(lambda: port_open(port), 10)
        self.bad_servers[cert] = port
        return port

    # ---------------------------------------------------------------- helpers
    def addr(self, user):
        return user if "@" in user else "%s@%s" % (user, self.domain)

    def write_secret(self, name="password", value=None):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write((value if value is not None else self.password) + "\n")
        os.chmod(path, 0o600)
        return path

    def send(self, from_addr, to_addr, msg, port=None):
        """Injects msg (str or bytes) over plain SMTP from loopback (mynetworks)."""
        if isinstance(msg, str):
            msg = msg.encode()
        s = None
        for attempt in (1, 2):   # only the connection (greeting) is retried, never a DATA
            try:
                s = smtplib.SMTP("127.0.0.1", port or self.smtp_port, timeout=30)
                break
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as e:
                if attempt == 2:
                    raise RuntimeError("SMTP connection failed (%s); postfix log:\n%s" % (e, self._tail("postfix")))
                time.sleep(1)
        with s:
            s.sendmail(from_addr, [self.addr(to_addr)], msg)

    def send_many(self, items):
        """items: iterable of (from, to, msg); one SMTP connection."""
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=60) as s:
            for frm, to, msg in items:
                if isinstance(msg, str):
                    msg = msg.encode()
                s.sendmail(frm, [self.addr(to)], msg)

    def imap(self, user):
        ctx = ssl.create_default_context(cafile=self.ca_file)
        m = imaplib.IMAP4_SSL("localhost", self.imaps_port, ssl_context=ctx, timeout=30)
        m.login(self.addr(user), self.password)
        return m

    def fetch(self, user, folder="INBOX"):
        """All messages in folder as email.message.Message objects (oldest first); [] if the
        folder does not exist."""
        m = self.imap(user)
        try:
            typ, _ = m.select('"%s"' % folder, readonly=True)
            if typ != "OK":
                return []
            typ, data = m.uid("SEARCH", None, "ALL")
            uids = data[0].split() if data and data[0] else []
            out = []
            for u in uids:
                typ, d = m.uid("FETCH", u, "(BODY.PEEK[])")
                for part in d:
                    if isinstance(part, tuple):
                        out.append(email.message_from_bytes(part[1]))
            return out
        finally:
            try:
                m.logout()
            except Exception:  # noqa: BLE001
                pass

    def count(self, user, folder="INBOX"):
        m = self.imap(user)
        try:
            typ, data = m.status('"%s"' % folder, "(MESSAGES)")
            if typ != "OK":
                return 0
            s = data[0].decode()
            return int(s.rsplit("MESSAGES", 1)[1].strip(" )").split()[0])
        finally:
            try:
                m.logout()
            except Exception:  # noqa: BLE001
                pass

    def append(self, user, msg, folder="INBOX", flags=""):
        """APPENDs msg straight into a mailbox (bypassing Postfix)."""
        if isinstance(msg, str):
            msg = msg.encode()
        msg = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        m = self.imap(user)
        try:
            m.create('"%s"' % folder)
            typ, data = m.append('"%s"' % folder, flags or None, None, msg)
            if typ != "OK":
                raise RuntimeError("APPEND failed: %r" % data)
        finally:
            m.logout()

    def wipe(self, user, folder="INBOX"):
        m = self.imap(user)
        try:
            if m.select('"%s"' % folder)[0] == "OK":
                m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                m.expunge()
        except imaplib.IMAP4.error:
            pass
        finally:
            m.logout()

    def uidvalidity(self, user, folder="INBOX"):
        m = self.imap(user)
        try:
            typ, data = m.status('"%s"' % folder, "(UIDVALIDITY)")
            s = data[0].decode()
            return int(s.rsplit("UIDVALIDITY", 1)[1].strip(" )").split()[0])
        finally:
            m.logout()

    def reset_uidvalidity(self, user, folder="INBOX"):
        """Deletes and recreates a mailbox so the server picks a new UIDVALIDITY; keeps nothing."""
        m = self.imap(user)
        try:
            if folder.upper() == "INBOX":
                raise ValueError("cannot delete INBOX")
            m.delete('"%s"' % folder)
            m.create('"%s"' % folder)
        finally:
            m.logout()


def codemaild_conf(st, workdir, overrides=None):
    """Writes workdir/codemaild.conf for the real daemon: IMAP source (implicit TLS, IDLE) for
    consult@example.test and the SMTP sender (submission + STARTTLS + AUTH) on this stack.
    overrides: {"section": {"key": "value"}} merged over the defaults. Returns the path."""
    top = os.environ.get("CODEMAILD_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    pw = st.write_secret("consult-password")
    sec = {
        "general": {"allow_root": "yes", "consultant_address": "consult@example.test",
                    "consultant_name": "Coding Consultant", "hostname": "codemaild.example",
                    "state_db": os.path.join(workdir, "state.db"),
                    "reference_db": os.path.join(top, "data", "sample", "codes.db"),
                    "templates": os.path.join(top, "templates"),
                    "status_file": os.path.join(workdir, "status")},
        "source": {"type": "imap", "poll_interval": "5s"},
        "imap": {"host": "localhost", "port": str(st.imaps_port), "tls": "implicit", "ca_file": st.ca_file,
                 "user": "consult@example.test", "password_file": pw, "mailbox": "INBOX", "idle": "yes",
                 "sweep_interval": "1m", "timeout": "10s"},
        "sender": {"type": "smtp", "smtp_url": "smtp://localhost:%d" % st.submission_port,
                   "user": "consult@example.test", "password_file": pw, "ca_file": st.ca_file,
                   "retry_min": "2s", "retry_max": "5s", "timeout": "20s", "batch_size": "50"},
        "log": {"destination": "stderr"},
        "quota": {"guest": "-1"},
        "policy": {"require_auth": "none", "unauth_action": "answer"},
        "rate": {"sender_per_hour": "0", "sender_per_day": "0", "domain_per_day": "0",
                 "global_per_minute": "0"},
    }
    for k, v in (overrides or {}).items():
        sec.setdefault(k, {}).update(v)
    path = os.path.join(workdir, "codemaild.conf")
    with open(path, "w") as f:
        for name, kv in sec.items():
            f.write("[%s]\n" % name)
            for k, v in kv.items():
                f.write("%s = %s\n" % (k, v))
    return path


def make_message(frm, to, subject, body, msgid=None, extra=""):
    msgid = msgid or "<%s.%d@%s>" % (time.time_ns(), os.getpid(), frm.split("@")[-1])
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n"
            "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n%s\r\n%s\r\n"
            % (frm, to, subject, msgid, email.utils.formatdate(localtime=False), extra, body))


def _cleanup():
    for st in list(_live):
        st.stop()


atexit.register(_cleanup)


def _on_signal(signum, _frame):
    _cleanup()
    os._exit(128 + signum)


# a test killed by a timeout (SIGTERM/SIGHUP/SIGINT) still stops its servers
for _sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    if signal.getsignal(_sig) in (signal.SIG_DFL, signal.default_int_handler):
        signal.signal(_sig, _on_signal)


if __name__ == "__main__":  # manual smoke test: python3 mailstack.py
    t0 = time.monotonic()
    with MailStack() as st:
        print("started in %.2fs in %s" % (time.monotonic() - t0, st.dir))
        st.send("coder1@example.test", "consult", make_message("coder1@example.test", "consult@example.test",
                                                                 "hello", "test 99213"))
        n = wait_for(lambda: st.count("consult") >= 1, 15)
        print("delivered:", bool(n), "in %.2fs" % (time.monotonic() - t0))
