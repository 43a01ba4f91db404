#!/bin/sh
# make demo: the embedded default end to end. Drops the sample questions from
# examples/questions into the Maildir spool/inbox, runs one pass of `codemaild once` with
# conf/codemaild.conf (Maildir in, file outbox, bundled sample data), then prints every reply
# (headers and the text part) and a one-line summary per question.
set -eu
BIN=${1:-build/codemaild}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
CONF=conf/codemaild.conf

# a clean slate for the demo (the demo owns spool/; a real install uses /var/spool/codemaild)
rm -rf spool/inbox spool/outbox spool/state.db spool/state.db-wal spool/state.db-shm
mkdir -p spool/inbox/new spool/inbox/cur spool/inbox/tmp
now=$(date +%s)
i=0
for q in examples/questions/*.eml; do
	i=$((i + 1))
	name=$(basename "$q" .eml)
	# Maildir delivery: write in tmp/, then rename into new/
	cp "$q" "spool/inbox/tmp/$now.M$i.$name"
	mv "spool/inbox/tmp/$now.M$i.$name" "spool/inbox/new/$now.M$i.$name"
done
echo "== $i questions dropped into spool/inbox/new; running: $BIN -c $CONF once"
rc=0
CODEMAILD_ALLOW_ROOT=1 CODEMAILD_LOG_STDERR=1 "$BIN" -c "$CONF" once || rc=$?
echo "== codemaild once exited $rc"
"$PY" - "$TOP" <<'PYEOF'
import email, email.policy, glob, os, sqlite3, sys
top = sys.argv[1]
outbox = os.path.join(top, "spool", "outbox")
replies = {}
for f in sorted(glob.glob(os.path.join(outbox, "*.eml"))):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    replies[str(m["In-Reply-To"] or "")] = (f, m)
db = sqlite3.connect(os.path.join(top, "spool", "state.db"))
rows = db.execute("SELECT source_id, message_id, outcome, reason, detail, lookups FROM handled ORDER BY source_id").fetchall()
for sid, mid, outcome, reason, detail, lookups in rows:
    name = sid.split(".", 2)[-1]
    r = replies.get(f"<{mid}>")
    print("=" * 78)
    print(f"question {name}: {outcome}" + (f" ({reason}{': ' + detail if detail else ''})" if outcome != "answered" else f", {lookups} code(s) looked up"))
    if not r:
        print("  (no reply: codemaild stays silent here)")
        continue
    f, m = r
    print(f"reply file: spool/outbox/{os.path.basename(f)}")
    for h in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted", "X-Auto-Response-Suppress", "X-Codemaild-Loop", "Content-Type"):
        if m[h] is not None:
            print(f"{h}: {m[h]}")
    print()
    body = m.get_body(("plain",))
    print(body.get_content().rstrip() if body else "(no text part)")
print("=" * 78)
print("summary:")
for sid, mid, outcome, reason, detail, lookups in rows:
    name = sid.split(".", 2)[-1]
    what = f"answered, {lookups} code(s)" if outcome == "answered" else f"{outcome}: {reason}"
    print(f"  {name:24} {what}")
n_ans = sum(1 for r in rows if r[2] == "answered")
print(f"{len(rows)} questions: {n_ans} answered, {len(rows) - n_ans} not answered; {len(replies)} reply files in spool/outbox")
PYEOF
