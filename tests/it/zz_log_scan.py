"""Runs last: scans everything codemaild wrote to its logs during the integration suite
(collected by tests/lib via keep_daemon_log) for the subjects, body text, full addresses and
passwords the tests used (registered with tap.sensitive): none may appear at the default
log level."""
import os

from tap import LOGDIR, diag, ok

logs_path = os.path.join(LOGDIR, "daemon-logs.txt")
sens_path = os.path.join(LOGDIR, "sensitive.txt")
logs = open(logs_path, encoding="utf-8", errors="replace").read() if os.path.exists(logs_path) else ""
values = []
if os.path.exists(sens_path):
    values = sorted({v.strip() for v in open(sens_path, encoding="utf-8", errors="replace") if len(v.strip()) >= 6})
diag(f"{len(logs.splitlines())} log lines, {len(values)} sensitive strings")
ok(len(logs.splitlines()) > 50, "the integration suite's daemon logs were collected")
ok(len(values) > 20, "the tests registered the strings they used")
found = [v for v in values if v in logs]
ok(not found, "no subject, body text, full address or password in the logs", "found: " + "; ".join(found[:10]))
lines = [l for l in logs.splitlines() if not l.startswith("## ")]
ok(all(" debug: " not in l for l in lines), "nothing logged at debug level by default")
