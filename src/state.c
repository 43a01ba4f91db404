/* state — see state.h. */
#include "state.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "senderkey.h"
#include "util.h"

/* Prepared statements kept for the life of the handle (parsing the SQL again for every
 * message cost about a quarter of the daemon's CPU): keyed by the SQL string's address
 * (the callers pass string literals), confirmed by comparing the text. */
#define STATE_NSTMT 64

struct state {
	sqlite3 *db;
	int in_batch;      /* inside state_batch_begin() .. state_batch_end() */
	struct {
		const char *sql;
		sqlite3_stmt *s;
	} stmt[STATE_NSTMT];
	int nstmt;
	/* The first error of the current operation, kept so that a ROLLBACK after it (which
	 * succeeds: "not an error", or fails: "cannot rollback - no transaction is active")
	 * never hides the real cause. */
	char err[256];
	unsigned long faults;   /* statements that ended in an error (state_faults) */
	int busy_ms;            /* how long a write waits for the other connection's lock */
	const volatile sig_atomic_t *stop;  /* set: stop waiting for a lock */
	char batch_err[256];    /* why the group's transaction was lost (state_batch_end) */
	int io_error;           /* an error was SQLITE_IOERR or SQLITE_FULL (state_open's errno) */
	/* sender key settings (state_sender_keys), copied */
	char key_sep[16];
	char key_dotless[1024];
	char key_fp[1200];         /* their fingerprint; "" = defaults, never synced */
};

/* Keeps the first error of an operation (see err above); what = our own words when SQLite
 * has no error to report. Returns -1 for "return note(...)". */
static int
note(struct state *st, const char *what)
{
	int code = sqlite3_errcode(st->db);

	st->faults++;
	if (st->err[0] != '\0')
		return -1;
	if (code != SQLITE_OK && code != SQLITE_ROW && code != SQLITE_DONE) {
		int os = sqlite3_system_errno(st->db);

		/* "disk I/O error" alone hides "No space left on device", "Operation not permitted" */
		if (os != 0 && (code & 0xff) == SQLITE_IOERR)
			snprintf(st->err, sizeof(st->err), "%s (%s)", sqlite3_errmsg(st->db), strerror(os));
		else
			snprintf(st->err, sizeof(st->err), "%s", sqlite3_errmsg(st->db));
		if ((code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_FULL)
			st->io_error = 1;
	} else
		snprintf(st->err, sizeof(st->err), "%s", what ? what : "unexpected state DB result");
	return -1;
}

/* A new operation starts: its errors are its own. */
static void
err_clear(struct state *st)
{
	st->err[0] = '\0';
}

/* Migrations: index i brings user_version from i to i+1. Append only. */
static const char *migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE handled ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id TEXT NOT NULL UNIQUE,"
	"  message_id TEXT NOT NULL DEFAULT '',"
	"  raw_sha256 TEXT NOT NULL DEFAULT '',"
	"  sender TEXT NOT NULL DEFAULT '',"
	"  outcome TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  lookups INTEGER NOT NULL DEFAULT 0,"
	"  handled_at INTEGER NOT NULL,"
	"  marked_at INTEGER"
	");"
	"CREATE INDEX handled_content ON handled(message_id, raw_sha256);"
	"CREATE INDEX handled_sender ON handled(sender, handled_at);"
	"CREATE INDEX handled_time ON handled(handled_at);"
	"CREATE TABLE queue ("
	"  id INTEGER PRIMARY KEY,"
	"  handled_id INTEGER REFERENCES handled(id),"
	"  msgid TEXT NOT NULL UNIQUE,"
	"  rcpt TEXT NOT NULL,"
	"  rcpt_domain TEXT NOT NULL DEFAULT '',"
	"  env_from TEXT NOT NULL DEFAULT '',"
	"  sender TEXT NOT NULL DEFAULT '',"
	"  kind TEXT NOT NULL,"
	"  body BLOB,"
	"  state TEXT NOT NULL DEFAULT 'queued',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  charged INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  next_try INTEGER NOT NULL,"
	"  sent_at INTEGER,"
	"  last_error TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX queue_due ON queue(state, next_try);"
	"CREATE INDEX queue_rcpt ON queue(rcpt, created_at);"
	"CREATE INDEX queue_domain ON queue(rcpt_domain, created_at);"
	"CREATE INDEX queue_created ON queue(created_at);"
	"CREATE TABLE charges ("
	"  id INTEGER PRIMARY KEY,"
	"  sender TEXT NOT NULL,"
	"  lookups INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  queue_id INTEGER"
	");"
	"CREATE INDEX charges_sender ON charges(sender, at);",
	/* 1 -> 2: senders, tiers, registration, notices (quotas issue) */
	"CREATE TABLE senders ("
	"  addr TEXT PRIMARY KEY,"
	"  tier TEXT,"                        /* admin override: guest|registered|subscriber|blocked */
	"  registered_at INTEGER,"
	"  token TEXT,"
	"  token_expires INTEGER,"
	"  token_msgid TEXT,"
	"  stopped INTEGER NOT NULL DEFAULT 0,"
	"  reset_at INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE domains (domain TEXT PRIMARY KEY, tier TEXT NOT NULL);"
	"CREATE TABLE grants (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, n INTEGER NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX grants_sender ON grants(sender, at);"
	"CREATE TABLE notices (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, kind TEXT NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX notices_sender ON notices(sender, kind, at);",
	/* 2 -> 3: canonical sender keys (issue 13). The queue keeps the recipient's key for
	 * rate limits; keys that depend on the settings are rewritten by state_sender_keys()
	 * (the meta row records the settings they were built with); registration tries. */
	"ALTER TABLE queue ADD COLUMN rcpt_key TEXT NOT NULL DEFAULT '';"
	"UPDATE queue SET rcpt_key = lower(rtrim(rcpt, '.')), rcpt_domain = lower(rtrim(rcpt_domain, '.'));"
	"CREATE INDEX queue_rcpt_key ON queue(rcpt_key, created_at);"
	"ALTER TABLE senders ADD COLUMN token_fails INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE senders ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
	"INSERT INTO meta (k, v) VALUES ('sender_key', 'legacy');",
};
#define NMIGRATIONS (int)(sizeof(migrations) / sizeof(migrations[0]))

sqlite3_stmt *
state_prepare(struct state *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int i;

	if (sqlite3_get_autocommit(st->db))
		err_clear(st);         /* a new operation outside any transaction */

	for (i = 0; i < st->nstmt; i++)
		if (st->stmt[i].sql == sql && strcmp(sqlite3_sql(st->stmt[i].s), sql) == 0) {
			s = st->stmt[i].s;
			if (sqlite3_stmt_busy(s)) {   /* a caller that did not release: start over */
				sqlite3_reset(s);
				sqlite3_clear_bindings(s);
			}
			return s;
		}
	if (st->nstmt == STATE_NSTMT) {      /* full: an ordinary statement, finalized on release */
		if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
			note(st, "cannot prepare a statement");
			return NULL;
		}
		return s;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		note(st, "cannot prepare a statement");
		return NULL;
	}
	st->stmt[st->nstmt].sql = sql;
	st->stmt[st->nstmt].s = s;
	st->nstmt++;
	return s;
}

void
state_release(struct state *st, sqlite3_stmt *s)
{
	int i;

	if (s == NULL)
		return;
	/* sqlite3_reset() returns the error of the last step, if it failed: every caller's
	 * failed read or write is counted here (state_faults), whoever wrote the SQL */
	if (sqlite3_reset(s) != SQLITE_OK)
		note(st, NULL);
	for (i = 0; i < st->nstmt; i++)
		if (st->stmt[i].s == s) {
			sqlite3_clear_bindings(s);   /* SQLITE_STATIC binds point into the caller's memory */
			return;
		}
	sqlite3_finalize(s);                 /* not cached (the cache was full) */
}

unsigned long
state_faults(struct state *st)
{
	return st->faults;
}

/* A script (several statements, or text built at run time): not cached. */
static int
exec_script(struct state *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* One statement from a string literal, without parameters (BEGIN, SAVEPOINT, COMMIT, …). */
static int
exec1(struct state *st, const char *sql)
{
	sqlite3_stmt *s = state_prepare(st, sql);
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		note(st, NULL);
	state_release(st, s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* Ends a failed transaction without touching the error kept by note(); SQLite may have
 * rolled it back by itself already (SQLITE_FULL, SQLITE_IOERR): then there is nothing to do. */
static void
rollback(struct state *st, const char *sql)
{
	unsigned long f = st->faults;

	if (sqlite3_get_autocommit(st->db))
		return;
	exec1(st, sql);
	st->faults = f;
}

static int
migrate(struct state *st, struct buf *err)
{
	sqlite3_stmt *s = NULL;
	int v = 0, i;

	if ((s = state_prepare(st, "PRAGMA user_version")) == NULL)
		goto fail;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	state_release(st, s);
	if (v > NMIGRATIONS) {
		buf_printf(err, "state DB schema version %d is newer than this codemaild (%d)", v,
		    NMIGRATIONS);
		return -1;
	}
	for (i = v; i < NMIGRATIONS; i++) {
		char pragma[64];

		if (exec1(st, "BEGIN IMMEDIATE") < 0)
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", i + 1);
		if (exec_script(st, migrations[i]) < 0 || exec_script(st, pragma) < 0) {
			buf_printf(err, "state DB migration %d failed: %s", i + 1, sqlite3_errmsg(st->db));
			rollback(st, "ROLLBACK");
			return -1;
		}
		if (exec1(st, "COMMIT") < 0)
			goto fail;
	}
	return 0;
fail:
	buf_printf(err, "state DB: %s", state_errmsg(st));
	return -1;
}

/* Waits for the other connection's write lock (the daemon's intake and sender each have
 * one) up to busy_ms, and not at all once *stop is set. */
static int
busy_cb(void *ctx, int n)
{
	struct state *st = ctx;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if ((st->stop && *st->stop) || (long)n * 10 >= st->busy_ms)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

void
state_set_wait(struct state *st, int busy_ms, const volatile sig_atomic_t *stop)
{
	st->busy_ms = busy_ms;
	st->stop = stop;
}

int
state_check_writable(struct state *st, struct buf *err)
{
	sqlite3_stmt *s;
	int v = 0;

	err_clear(st);
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		snprintf(st->err, sizeof(st->err), "opened read-only");
		if (err)
			buf_printf(err, "%s: opened read-only (check the file's and its directory's "
			    "permissions and attributes)", sqlite3_db_filename(st->db, "main"));
		return -1;
	}
	/* a real write (the header's user_version, rewritten with its own value), committed */
	if ((s = state_prepare(st, "PRAGMA user_version")) == NULL)
		goto fail;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	state_release(st, s);
	if (exec1(st, "BEGIN IMMEDIATE") < 0)
		goto fail;
	{
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v);
		if (exec_script(st, pragma) < 0) {
			note(st, NULL);
			rollback(st, "ROLLBACK");
			goto fail;
		}
	}
	if (exec1(st, "COMMIT") < 0) {
		rollback(st, "ROLLBACK");
		goto fail;
	}
	return 0;
fail:
	if (err)
		buf_printf(err, "%s: cannot write: %s", sqlite3_db_filename(st->db, "main"),
		    state_errmsg(st));
	return -2;
}

struct state *
state_open(const char *path, struct buf *err)
{
	struct state *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		buf_addstr(err, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
		errno = EACCES;
		goto fail;
	}
	st->busy_ms = 10000;
	sqlite3_busy_handler(st->db, busy_cb, st);
	if (exec1(st, "PRAGMA journal_mode=WAL") < 0 || exec1(st, "PRAGMA synchronous=FULL") < 0 ||
	    exec1(st, "PRAGMA foreign_keys=ON") < 0) {
		buf_printf(err, "%s: %s", path, state_errmsg(st));
		errno = st->io_error ? EIO : EACCES;
		goto fail;
	}
	if (migrate(st, err) < 0) {
		errno = st->io_error ? EIO : EACCES;
		goto fail;
	}
	return st;
fail:
	{
		int e = errno;

		state_close(st);
		errno = e;
	}
	return NULL;
}

void
state_close(struct state *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nstmt; i++)
		sqlite3_finalize(st->stmt[i].s);
	sqlite3_close(st->db);
	free(st);
}

const char *
state_errmsg(struct state *st)
{
	int code;

	if (st->err[0] != '\0')
		return st->err;
	code = sqlite3_errcode(st->db);
	if (code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE)
		return "unknown state DB error";     /* never "not an error" */
	return sqlite3_errmsg(st->db);
}

struct sqlite3 *
state_db(struct state *st)
{
	return st->db;
}

const char *
state_outcome_name(enum st_outcome o)
{
	switch (o) {
	case ST_ANSWERED: return "answered";
	case ST_IGNORED: return "ignored";
	case ST_FAILED: return "failed";
	}
	return "unknown";
}

static enum st_outcome
outcome_from(const char *s)
{
	if (s && strcmp(s, "ignored") == 0)
		return ST_IGNORED;
	if (s && strcmp(s, "failed") == 0)
		return ST_FAILED;
	return ST_ANSWERED;
}

void
state_short_id(const char *source_id, char out[11])
{
	char hex[65];

	util_sha256_hex(source_id, strlen(source_id), hex);
	memcpy(out, hex, 10);
	out[10] = '\0';
}

static void
col_copy(sqlite3_stmt *s, int i, char *dst, size_t dstlen)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(dst, dstlen, "%s", t ? (const char *)t : "");
}

static void
row_to_handled(sqlite3_stmt *s, struct st_handled *h)
{
	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(s, 0);
	col_copy(s, 1, h->source_id, sizeof(h->source_id));
	col_copy(s, 2, h->message_id, sizeof(h->message_id));
	col_copy(s, 3, h->raw_sha256, sizeof(h->raw_sha256));
	col_copy(s, 4, h->sender, sizeof(h->sender));
	h->outcome = outcome_from((const char *)sqlite3_column_text(s, 5));
	col_copy(s, 6, h->reason, sizeof(h->reason));
	col_copy(s, 7, h->detail, sizeof(h->detail));
	h->lookups = sqlite3_column_int(s, 8);
	h->marked = sqlite3_column_type(s, 9) != SQLITE_NULL;
}

#define HANDLED_COLS "id, source_id, message_id, raw_sha256, sender, outcome, reason, detail, lookups, marked_at"

static int
lookup_one(struct state *st, const char *sql, const char *a, const char *b, struct st_handled *out)
{
	sqlite3_stmt *s = NULL;
	int r = -1, rc;

	err_clear(st);
	if ((s = state_prepare(st, sql)) == NULL)
		goto out;
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		row_to_handled(s, out);
		r = 1;
	} else if (rc == SQLITE_DONE)
		r = 0;
out:
	state_release(st, s);
	return r;
}

int
state_lookup(struct state *st, const char *source_id, struct st_handled *out)
{
	return lookup_one(st, "SELECT " HANDLED_COLS " FROM handled WHERE source_id = ?1",
	    source_id, NULL, out);
}

int
state_lookup_content(struct state *st, const char *message_id, const char *sha256,
    struct st_handled *out)
{
	return lookup_one(st, "SELECT " HANDLED_COLS " FROM handled WHERE message_id = ?1 AND "
	    "raw_sha256 = ?2 ORDER BY id LIMIT 1", message_id, sha256, out);
}

/* ---- sender keys ---- */

static void
key_conf(struct state *st, struct senderkey_conf *kc)
{
	kc->separator = st->key_fp[0] ? st->key_sep : "+";
	kc->dotless_domains = st->key_fp[0] ? st->key_dotless : "";
}

void
state_key_of(struct state *st, const char *addr, char *out, size_t n)
{
	struct senderkey_conf kc;

	key_conf(st, &kc);
	senderkey_canon(addr, &kc, out, n);
}

/* SQL function sender_key(text): the canonical key with the handle's settings. */
static void
sql_sender_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct state *st = sqlite3_user_data(ctx);
	const unsigned char *in = argc == 1 ? sqlite3_value_text(argv[0]) : NULL;
	char out[LIM_ADDR_LEN + 16];

	if (in == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	state_key_of(st, (const char *)in, out, sizeof(out));
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

/* The rewrite of every stored key (see state.h). Variants of one address are merged into
 * the canonical senders row: blocked and stopped win, a tier set on any variant is kept
 * when the canonical row has none, the earliest registration counts, a pending token of
 * the canonical row is kept (variants' tokens are dropped), wrong-token counts add up. */
static const char keys_rewrite[] =
	"CREATE TEMP TABLE km AS SELECT addr, sender_key(addr) AS key FROM senders "
	"  WHERE sender_key(addr) != addr;"
	"INSERT OR IGNORE INTO senders (addr, created_at) SELECT km.key, MIN(s.created_at) "
	"  FROM km JOIN senders s ON s.addr = km.addr GROUP BY km.key;"
	"UPDATE senders SET "
	"  tier = CASE WHEN EXISTS (SELECT 1 FROM km JOIN senders v ON v.addr = km.addr "
	"      WHERE km.key = senders.addr AND v.tier = 'blocked') THEN 'blocked' "
	"    ELSE COALESCE(tier, (SELECT v.tier FROM km JOIN senders v ON v.addr = km.addr "
	"      WHERE km.key = senders.addr AND v.tier IS NOT NULL ORDER BY v.addr LIMIT 1)) END,"
	"  stopped = MAX(stopped, (SELECT COALESCE(MAX(v.stopped), 0) FROM km JOIN senders v "
	"      ON v.addr = km.addr WHERE km.key = senders.addr)),"
	"  registered_at = COALESCE(MIN(registered_at, (SELECT MIN(v.registered_at) FROM km "
	"      JOIN senders v ON v.addr = km.addr WHERE km.key = senders.addr)), registered_at, "
	"    (SELECT MIN(v.registered_at) FROM km JOIN senders v ON v.addr = km.addr "
	"      WHERE km.key = senders.addr)),"
	"  token_fails = token_fails + (SELECT COALESCE(SUM(v.token_fails), 0) FROM km "
	"      JOIN senders v ON v.addr = km.addr WHERE km.key = senders.addr),"
	"  locked_until = MAX(locked_until, (SELECT COALESCE(MAX(v.locked_until), 0) FROM km "
	"      JOIN senders v ON v.addr = km.addr WHERE km.key = senders.addr)) "
	"  WHERE addr IN (SELECT key FROM km);"
	"DELETE FROM senders WHERE addr IN (SELECT addr FROM km);"
	"DROP TABLE km;"
	"UPDATE charges SET sender = sender_key(sender) WHERE sender != '' AND sender != sender_key(sender);"
	"UPDATE grants SET sender = sender_key(sender) WHERE sender != sender_key(sender);"
	"UPDATE notices SET sender = sender_key(sender) WHERE sender != sender_key(sender);"
	"UPDATE queue SET rcpt_key = sender_key(rcpt), sender = sender_key(sender), "
	"  rcpt_domain = lower(rtrim(rcpt_domain, '.')) "
	"  WHERE rcpt_key != sender_key(rcpt) OR (sender != '' AND sender != sender_key(sender)) "
	"  OR rcpt_domain != lower(rtrim(rcpt_domain, '.'));";

int
state_sender_keys(struct state *st, const struct senderkey_conf *kc, struct buf *err)
{
	sqlite3_stmt *s = NULL;
	char fp[sizeof(st->key_fp)], stored[sizeof(st->key_fp)] = "";

	senderkey_fingerprint(kc, fp, sizeof(fp));
	if (strcmp(fp, st->key_fp) == 0)
		return 0;
	if (strlen(kc->separator ? kc->separator : "") >= sizeof(st->key_sep) ||
	    strlen(kc->dotless_domains ? kc->dotless_domains : "") >= sizeof(st->key_dotless)) {
		buf_addstr(err, "sender key settings too long");
		return -1;
	}
	util_fmt(st->key_sep, sizeof(st->key_sep), "%s", kc->separator ? kc->separator : "");
	util_fmt(st->key_dotless, sizeof(st->key_dotless), "%s",
	    kc->dotless_domains ? kc->dotless_domains : "");
	util_fmt(st->key_fp, sizeof(st->key_fp), "%s", fp);
	if (sqlite3_create_function(st->db, "sender_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	    st, sql_sender_key, NULL, NULL) != SQLITE_OK)
		goto fail;
	if ((s = state_prepare(st, "SELECT v FROM meta WHERE k = 'sender_key'")) == NULL)
		goto fail;
	if (sqlite3_step(s) == SQLITE_ROW)
		util_fmt(stored, sizeof(stored), "%s", (const char *)sqlite3_column_text(s, 0));
	state_release(st, s);
	s = NULL;
	if (strcmp(stored, fp) == 0)
		return 0;
	/* a savepoint: its own transaction, or a step of the caller's batch */
	if (exec_script(st, "SAVEPOINT keys") < 0)
		goto fail;
	if (exec_script(st, keys_rewrite) < 0)
		goto undo;
	if ((s = state_prepare(st, "INSERT INTO meta (k, v) VALUES ('sender_key', ?1) "
	    "ON CONFLICT(k) DO UPDATE SET v = excluded.v")) == NULL)
		goto undo;
	sqlite3_bind_text(s, 1, fp, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto undo;
	state_release(st, s);
	s = NULL;
	if (exec_script(st, "RELEASE keys") < 0)
		goto undo;
	return 0;
undo:
	buf_printf(err, "state DB: rewriting sender keys: %s", sqlite3_errmsg(st->db));
	state_release(st, s);
	exec_script(st, "ROLLBACK TO keys");
	exec_script(st, "RELEASE keys");
	st->key_fp[0] = '\0';
	return -1;
fail:
	buf_printf(err, "state DB: %s", sqlite3_errmsg(st->db));
	state_release(st, s);
	st->key_fp[0] = '\0';
	return -1;
}

/* The SQL of each sender change (enum st_sender_change): ?1 = sender, ?2 = now,
 * ?3 = sender_arg, ?4 = sender_num, ?5 = the queued reply's Message-ID (or ""). */
#define STR_(x) #x
#define STR(x) STR_(x)
static const char *
sender_change_sql(enum st_sender_change c)
{
	switch (c) {
	case ST_SC_NONE:
		return NULL;
	case ST_SC_STOP:
		return "UPDATE senders SET stopped = 1 WHERE addr = ?1";
	case ST_SC_START:
		return "UPDATE senders SET stopped = 0 WHERE addr = ?1";
	case ST_SC_TOKEN:
		return "UPDATE senders SET token = ?3, token_expires = ?4, token_msgid = ?5, "
		    "token_fails = CASE WHEN locked_until > 0 AND locked_until <= ?2 THEN 0 "
		    "ELSE token_fails END, "
		    "locked_until = CASE WHEN locked_until <= ?2 THEN 0 ELSE locked_until END "
		    "WHERE addr = ?1";
	case ST_SC_REGISTERED:
		/* the registered allowance starts at registration (guest use does not count) */
		return "UPDATE senders SET registered_at = ?2, reset_at = ?2, token = NULL, "
		    "token_expires = NULL, token_msgid = NULL, token_fails = 0, locked_until = 0 "
		    "WHERE addr = ?1";
	case ST_SC_TOKEN_FAIL:
		return "UPDATE senders SET token_fails = token_fails + 1, "
		    "locked_until = CASE WHEN token_fails + 1 >= " STR(LIM_REGISTER_TRIES)
		    " THEN ?2 + " STR(LIM_REGISTER_LOCKOUT) " ELSE locked_until END, "
		    "token = CASE WHEN token_fails + 1 >= " STR(LIM_REGISTER_TRIES)
		    " THEN NULL ELSE token END WHERE addr = ?1";
	}
	return NULL;
}

int
state_commit_message(struct state *st, struct st_handled *h, const struct st_reply *r)
{
	sqlite3_stmt *s = NULL;
	int64_t now = (int64_t)util_now(), qid = 0;
	char rkey[LIM_ADDR_LEN + 16], rdom[LIM_KEY_DOMAIN];
	const char *change_sql = sender_change_sql(h->sender_change);

	err_clear(st);
	/* the group's transaction is gone (SQLite rolls it back by itself on SQLITE_FULL or
	 * SQLITE_IOERR): a SAVEPOINT now would start a transaction of its own */
	if (st->in_batch && sqlite3_get_autocommit(st->db)) {
		snprintf(st->err, sizeof(st->err), "%s", st->batch_err[0] ? st->batch_err :
		    "the group's transaction was rolled back");
		errno = EIO;
		return -1;
	}
	/* a savepoint: its own transaction, or one step of a state_batch_begin() group */
	if (exec1(st, st->in_batch ? "SAVEPOINT msg" : "BEGIN IMMEDIATE") < 0)
		return -1;
	if ((s = state_prepare(st, "INSERT INTO handled (source_id, message_id, raw_sha256, "
	    "sender, outcome, reason, detail, lookups, handled_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)")) == NULL)
		goto fail;
	sqlite3_bind_text(s, 1, h->source_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, h->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, h->raw_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, h->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, state_outcome_name(h->outcome), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, h->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, h->detail, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 8, h->lookups);
	sqlite3_bind_int64(s, 9, now);
	if (sqlite3_step(s) != SQLITE_DONE) {
		note(st, NULL);
		if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
			errno = EEXIST;
		else
			errno = EIO;
		goto fail;
	}
	state_release(st, s);
	s = NULL;
	h->id = sqlite3_last_insert_rowid(st->db);
	if (r) {
		if ((s = state_prepare(st, "INSERT INTO queue (handled_id, msgid, rcpt, "
		    "rcpt_domain, env_from, sender, kind, body, charged, created_at, next_try, "
		    "rcpt_key) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10,?11)")) == NULL)
			goto fail;
		sqlite3_bind_int64(s, 1, h->id);
		sqlite3_bind_text(s, 2, r->msgid, -1, SQLITE_STATIC);
		state_key_of(st, r->rcpt, rkey, sizeof(rkey));
		senderkey_domain(r->rcpt, rdom, sizeof(rdom));
		sqlite3_bind_text(s, 3, r->rcpt, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, rdom, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 11, rkey, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, r->env_from, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, h->sender, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 7, r->kind, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 8, r->data, (int)r->len, SQLITE_STATIC);
		sqlite3_bind_int(s, 9, h->lookups);
		sqlite3_bind_int64(s, 10, now);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
		state_release(st, s);
		s = NULL;
		qid = sqlite3_last_insert_rowid(st->db);
	}
	if (h->lookups > 0 && *h->sender) {
		if ((s = state_prepare(st, "INSERT INTO charges (sender, lookups, at, queue_id) "
		    "VALUES (?1,?2,?3,?4)")) == NULL)
			goto fail;
		sqlite3_bind_text(s, 1, h->sender, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, h->lookups);
		sqlite3_bind_int64(s, 3, now);
		if (qid)
			sqlite3_bind_int64(s, 4, qid);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
		state_release(st, s);
		s = NULL;
	}
	if (change_sql && *h->sender) {
		if ((s = state_prepare(st, "INSERT OR IGNORE INTO senders (addr, created_at) "
		    "VALUES (?1, ?2)")) == NULL)
			goto fail;
		sqlite3_bind_text(s, 1, h->sender, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, now);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
		state_release(st, s);
		s = NULL;
		if ((s = state_prepare(st, change_sql)) == NULL)
			goto fail;
		sqlite3_bind_text(s, 1, h->sender, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_text(s, 3, h->sender_arg ? h->sender_arg : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, h->sender_num);
		sqlite3_bind_text(s, 5, r ? r->msgid : "", -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
		state_release(st, s);
		s = NULL;
	}
	if (h->notice && *h->sender) {
		if ((s = state_prepare(st, "INSERT INTO notices (sender, kind, at) VALUES (?1,?2,?3)")) == NULL)
			goto fail;
		sqlite3_bind_text(s, 1, h->sender, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, h->notice, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
		state_release(st, s);
		s = NULL;
	}
	if (exec1(st, st->in_batch ? "RELEASE msg" : "COMMIT") < 0)
		goto fail;
	return 0;
fail:
	{
		int saved = errno;

		note(st, NULL);
		state_release(st, s);
		if (st->in_batch) {
			rollback(st, "ROLLBACK TO msg");
			rollback(st, "RELEASE msg");
			if (sqlite3_get_autocommit(st->db))   /* the whole group went with it */
				snprintf(st->batch_err, sizeof(st->batch_err), "%s", st->err);
		} else
			rollback(st, "ROLLBACK");
		errno = saved;
	}
	return -1;
}

/* Runs sql with ?1 = a, ?2 = b, ?3 = t (unused parameters are simply not bound). */
static int
exec_bind2(struct state *st, const char *sql, int64_t a, int64_t b, const char *t)
{
	sqlite3_stmt *s = NULL;
	int r = -1;

	if ((s = state_prepare(st, sql)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	if (t)
		sqlite3_bind_text(s, 3, t, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		r = 0;
	else
		note(st, NULL);
out:
	state_release(st, s);
	return r;
}

int
state_batch_begin(struct state *st)
{
	err_clear(st);
	st->batch_err[0] = '\0';
	if (exec1(st, "BEGIN IMMEDIATE") < 0)
		return -1;
	st->in_batch = 1;
	return 0;
}

int
state_batch_end(struct state *st)
{
	err_clear(st);
	st->in_batch = 0;
	if (sqlite3_get_autocommit(st->db)) {     /* rolled back by SQLite after an error */
		snprintf(st->err, sizeof(st->err), "%s", st->batch_err[0] ? st->batch_err :
		    "the group's transaction was rolled back");
		st->batch_err[0] = '\0';
		return -1;
	}
	if (exec1(st, "COMMIT") == 0)
		return 0;
	rollback(st, "ROLLBACK");
	return -1;
}

int
state_set_marked_many(struct state *st, const int64_t *ids, size_t n)
{
	size_t i;
	int r = 0;

	if (n == 0)
		return 0;
	err_clear(st);
	if (exec1(st, "BEGIN IMMEDIATE") < 0)
		return -1;
	for (i = 0; i < n && r == 0; i++)
		r = state_set_marked(st, ids[i]);
	if (r < 0 || exec1(st, "COMMIT") < 0) {
		rollback(st, "ROLLBACK");
		return -1;
	}
	return 0;
}

int
state_set_marked(struct state *st, int64_t handled_id)
{
	return exec_bind2(st, "UPDATE handled SET marked_at = ?2 WHERE id = ?1", handled_id,
	    (int64_t)util_now(), NULL);
}

int
state_next_due(struct state *st, struct st_queued *items, int max, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int n = 0, rc = SQLITE_DONE;

	err_clear(st);
	if ((s = state_prepare(st, "SELECT id, msgid, rcpt, env_from, sender, attempts, "
	    "charged, created_at, body FROM queue WHERE state = 'queued' AND next_try <= ?1 "
	    "ORDER BY next_try, id LIMIT ?2")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct st_queued *q = &items[n];
		const void *body = sqlite3_column_blob(s, 8);
		int blen = sqlite3_column_bytes(s, 8);

		memset(q, 0, sizeof(*q));
		q->id = sqlite3_column_int64(s, 0);
		col_copy(s, 1, q->msgid, sizeof(q->msgid));
		col_copy(s, 2, q->rcpt, sizeof(q->rcpt));
		col_copy(s, 3, q->env_from, sizeof(q->env_from));
		col_copy(s, 4, q->sender, sizeof(q->sender));
		q->attempts = sqlite3_column_int(s, 5);
		q->charged = sqlite3_column_int(s, 6);
		q->created_at = sqlite3_column_int64(s, 7);
		buf_init(&q->data, (size_t)blen + 1);
		if (body && buf_add(&q->data, body, (size_t)blen) < 0) {
			buf_free(&q->data);
			rc = SQLITE_NOMEM;
			note(st, "out of memory reading a queued reply");
			break;
		}
		n++;
	}
	state_release(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE && n == 0)
		return -1;               /* a read that failed is not an empty queue */
	return n;
}

void
state_queued_free(struct st_queued *q)
{
	buf_free(&q->data);
}

static const char sent_sql[] = "UPDATE queue SET state = 'sent', sent_at = ?2, "
    "attempts = attempts + 1 WHERE id = ?1";

int
state_sent(struct state *st, int64_t qid, int64_t now)
{
	return state_sent_many(st, &qid, 1, now);
}

int
state_sent_many(struct state *st, const int64_t *qids, int n, int64_t now)
{
	int own = n > 1 && !st->in_batch, i;   /* a single statement commits by itself */

	err_clear(st);
	if (n <= 0)
		return 0;
	if (own && exec1(st, "BEGIN IMMEDIATE") < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (exec_bind2(st, sent_sql, qids[i], now, NULL) < 0)
			goto fail;
	if (own && exec1(st, "COMMIT") < 0)
		goto fail;
	return 0;
fail:
	if (own)
		rollback(st, "ROLLBACK");
	return -1;
}

int
state_retry(struct state *st, int64_t qid, const char *why, int64_t now, long retry_min,
    long retry_max, long give_up)
{
	sqlite3_stmt *s = NULL;
	int attempts = 0, r = -1;
	int64_t created = now, delay;
	int rc;

	err_clear(st);
	if ((s = state_prepare(st, "SELECT attempts, created_at FROM queue WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, qid);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		attempts = sqlite3_column_int(s, 0);
		created = sqlite3_column_int64(s, 1);
	}
	state_release(st, s);
	if (rc != SQLITE_ROW)
		return -1;                  /* unreadable (or gone): no guess at the back-off */
	s = NULL;
	if (now - created >= give_up) {
		char msg[512];

		snprintf(msg, sizeof(msg), "gave up after %ld s: %s", (long)(now - created), why);
		return state_perm_fail(st, qid, msg, now);
	}
	delay = retry_min;
	for (int i = 0; i < attempts && delay < retry_max; i++)
		delay *= 2;
	if (delay > retry_max)
		delay = retry_max;
	if ((s = state_prepare(st, "UPDATE queue SET attempts = attempts + 1, next_try = ?2, "
	    "last_error = ?3 WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, qid);
	sqlite3_bind_int64(s, 2, now + delay);
	sqlite3_bind_text(s, 3, why, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		r = 0;
	else
		note(st, NULL);
	state_release(st, s);
	return r;
}

int
state_perm_fail(struct state *st, int64_t qid, const char *why, int64_t now)
{
	if (exec1(st, "BEGIN IMMEDIATE") < 0)
		return -1;      /* (errors kept from the caller's operation: state_retry gives up here) */
	if (exec_bind2(st, "UPDATE queue SET state = 'failed', attempts = attempts + 1, "
	    "sent_at = ?2, last_error = ?3 WHERE id = ?1", qid, now, why) < 0 ||
	    /* a reply that never arrives is not charged */
	    exec_bind2(st, "DELETE FROM charges WHERE queue_id = ?1", qid, now, NULL) < 0 ||
	    exec1(st, "COMMIT") < 0) {
		rollback(st, "ROLLBACK");
		return -1;
	}
	return 0;
}

/* First column of the first row, or dflt when the row or its value is absent (NULL).
 * With t: ?1 = t, ?2 = a; else ?1 = a. A read that fails returns -1 and sets *failed
 * (and counts in state_faults): never the default, which would read as "nothing". */
static int64_t
scalar(struct state *st, const char *sql, const char *t, int64_t a, int64_t dflt, int *failed)
{
	sqlite3_stmt *s = NULL;
	int64_t v = dflt;
	int rc;

	*failed = 0;
	err_clear(st);
	if ((s = state_prepare(st, sql)) == NULL) {
		*failed = 1;
		return -1;
	}
	if (t) {
		sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, a);
	} else
		sqlite3_bind_int64(s, 1, a);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		note(st, NULL);
		*failed = 1;
		v = -1;
	}
	state_release(st, s);
	return v;
}

int64_t
state_next_due_in(struct state *st, int64_t now)
{
	int failed;
	int64_t t = scalar(st, "SELECT MIN(next_try) FROM queue WHERE state = 'queued'",
	    NULL, now, -1, &failed);

	if (failed)
		return 0;           /* unknown: try now (the drain reports the error) */
	if (t < 0)
		return -1;
	return t <= now ? 0 : t - now;
}

int
state_queue_depth(struct state *st, int64_t *oldest_created)
{
	int failed, failed2 = 0;
	int64_t n;

	if (oldest_created) {
		*oldest_created = scalar(st, "SELECT MIN(created_at) FROM queue WHERE state = "
		    "'queued'", NULL, 0, 0, &failed2);
		if (failed2)
			*oldest_created = 0;
	}
	n = scalar(st, "SELECT COUNT(*) FROM queue WHERE state = 'queued'", NULL, 0, 0, &failed);
	return failed || failed2 ? -1 : (int)n;
}

long
state_sender_used(struct state *st, const char *sender, int64_t since)
{
	int failed;

	return (long)scalar(st, "SELECT COALESCE(SUM(lookups),0) FROM charges WHERE sender = ?1 "
	    "AND at >= ?2", sender, since, 0, &failed);
}

long
state_replies_to(struct state *st, const char *rcpt_key, int64_t since)
{
	int failed;

	return (long)scalar(st, "SELECT COUNT(*) FROM queue WHERE rcpt_key = ?1 AND "
	    "created_at >= ?2", rcpt_key, since, 0, &failed);
}

int
state_sender_get(struct state *st, const char *key, struct st_sender *o)
{
	sqlite3_stmt *s;
	int rc;

	memset(o, 0, sizeof(*o));
	if ((s = state_prepare(st, "SELECT tier, registered_at, token, token_expires, token_msgid, "
	    "stopped, reset_at, token_fails, locked_until FROM senders WHERE addr = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		col_copy(s, 0, o->tier, sizeof(o->tier));
		o->registered = sqlite3_column_type(s, 1) != SQLITE_NULL;
		col_copy(s, 2, o->token, sizeof(o->token));
		o->token_expires = sqlite3_column_int64(s, 3);
		col_copy(s, 4, o->token_msgid, sizeof(o->token_msgid));
		o->stopped = sqlite3_column_int(s, 5);
		o->reset_at = sqlite3_column_int64(s, 6);
		o->token_fails = sqlite3_column_int(s, 7);
		o->locked_until = sqlite3_column_int64(s, 8);
	}
	state_release(st, s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
state_domain_tier(struct state *st, const char *domain, char *out, size_t n)
{
	sqlite3_stmt *s;
	int rc;

	out[0] = '\0';
	if ((s = state_prepare(st, "SELECT tier FROM domains WHERE domain = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, domain, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		col_copy(s, 0, out, n);
	state_release(st, s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

long
state_grants_since(struct state *st, const char *key, int64_t since)
{
	int failed;

	return (long)scalar(st, "SELECT COALESCE(SUM(n),0) FROM grants WHERE sender = ?1 AND "
	    "at >= ?2", key, since, 0, &failed);
}

int
state_sender_keys_each(struct state *st, void (*cb)(void *ctx, const char *key), void *ctx)
{
	sqlite3_stmt *s;
	int n = 0, rc;
	char key[LIM_ADDR_LEN + 16];

	if ((s = state_prepare(st, "SELECT addr FROM senders UNION SELECT DISTINCT sender "
	    "FROM charges WHERE sender != '' ORDER BY 1")) == NULL)
		return -1;
	/* copied out: the callback may use the handle (its own statements) */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		col_copy(s, 0, key, sizeof(key));
		cb(ctx, key);
		n++;
	}
	state_release(st, s);
	return rc == SQLITE_DONE ? n : -1;
}

/* One admin change in one transaction: makes sure the senders row exists (for an address),
 * then runs sql with ?1 = a, ?2 = b (or NULL), ?3 = n, ?4 = t; parameters a statement does
 * not use are simply not bound (sqlite reports SQLITE_RANGE, ignored). */
static int
admin_exec(struct state *st, const char *sql, const char *a, const char *b, int64_t n, int64_t t)
{
	sqlite3_stmt *s = NULL;
	int r = -1;

	if (exec1(st, "BEGIN IMMEDIATE") < 0)
		return -1;
	if ((s = state_prepare(st, "INSERT OR IGNORE INTO senders (addr, created_at) VALUES (?1, ?2)")) == NULL)
		goto out;
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t);
	if (strchr(a, '@') && sqlite3_step(s) != SQLITE_DONE)
		goto out;
	state_release(st, s);
	s = NULL;
	if ((s = state_prepare(st, sql)) == NULL)
		goto out;
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_int64(s, 3, n);
	sqlite3_bind_int64(s, 4, t);
	if (sqlite3_step(s) == SQLITE_DONE)
		r = 0;
out:
	state_release(st, s);
	if (exec1(st, r == 0 ? "COMMIT" : "ROLLBACK") < 0 && r == 0) {
		exec1(st, "ROLLBACK");
		r = -1;
	}
	return r;
}

int
state_sender_set_tier(struct state *st, const char *key, const char *tier)
{
	return admin_exec(st, "UPDATE senders SET tier = ?2 WHERE addr = ?1",
	    key, tier && *tier ? tier : NULL, 0, (int64_t)util_now());
}

int
state_sender_reset(struct state *st, const char *key, int64_t now)
{
	return admin_exec(st, "UPDATE senders SET reset_at = ?4 WHERE addr = ?1", key, NULL, 0, now);
}

int
state_sender_grant(struct state *st, const char *key, long n, int64_t now)
{
	return admin_exec(st, "INSERT INTO grants (sender, n, at) VALUES (?1, ?3, ?4)",
	    key, NULL, n, now);
}

int
state_domain_set(struct state *st, const char *domain, const char *tier)
{
	if (tier == NULL)
		return admin_exec(st, "DELETE FROM domains WHERE domain = ?1", domain, NULL, 0, 0);
	return admin_exec(st, "INSERT INTO domains (domain, tier) VALUES (?1, ?2) ON CONFLICT(domain) "
	    "DO UPDATE SET tier = excluded.tier", domain, tier, 0, 0);
}

long
state_notices_since(struct state *st, const char *sender, const char *kind, int64_t t)
{
	sqlite3_stmt *s = NULL;
	long n = 0;

	if ((s = state_prepare(st, "SELECT COUNT(*) FROM notices WHERE sender = ?1 AND "
	    "kind = ?2 AND at >= ?3")) == NULL)
		return 0;
	sqlite3_bind_text(s, 1, sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, t);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	state_release(st, s);
	return n;
}

int
state_is_our_reply(struct state *st, const char *msgid)
{
	sqlite3_stmt *s = NULL;
	int r = -1;

	if (msgid == NULL || *msgid == '\0')
		return 0;
	if ((s = state_prepare(st, "SELECT 1 FROM queue WHERE msgid = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, msgid, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW: r = 1; break;
	case SQLITE_DONE: r = 0; break;
	default: break;
	}
	state_release(st, s);
	return r;
}

long
state_replies_to_domain(struct state *st, const char *domain, int64_t since)
{
	int failed;

	return (long)scalar(st, "SELECT COUNT(*) FROM queue WHERE rcpt_domain = ?1 AND "
	    "created_at >= ?2", domain, since, 0, &failed);
}

long
state_replies_since(struct state *st, int64_t since)
{
	int failed;

	return (long)scalar(st, "SELECT COUNT(*) FROM queue WHERE created_at >= ?1", NULL, since, 0, &failed);
}

int
state_outcome_counts(struct state *st, int64_t since,
    void (*cb)(void *ctx, const char *outcome, const char *reason, long n), void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc;

	err_clear(st);
	if ((s = state_prepare(st, "SELECT outcome, reason, COUNT(*) FROM handled WHERE "
	    "handled_at >= ?1 GROUP BY outcome, reason ORDER BY outcome, reason")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cb(ctx, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
		    (long)sqlite3_column_int64(s, 2));
	state_release(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
state_queue_failures(struct state *st,
    void (*cb)(void *ctx, const char *outcome, const char *reason, long n), void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc;

	err_clear(st);
	if ((s = state_prepare(st, "SELECT substr(last_error, 1, 60), COUNT(*) FROM queue "
	    "WHERE state = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 20")) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cb(ctx, "send-failed", (const char *)sqlite3_column_text(s, 0),
		    (long)sqlite3_column_int64(s, 1));
	state_release(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

long
state_purge(struct state *st, int64_t before)
{
	long n = -1;

	if (exec_bind2(st, "UPDATE queue SET body = NULL WHERE body IS NOT NULL AND state != "
	    "'queued' AND created_at < ?1", before, 0, NULL) == 0)
		n = sqlite3_changes(st->db);
	return n;
}
