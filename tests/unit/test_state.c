/* Unit tests: state DB (exactly-once record, queue, back-off, refunds, migrations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "state.h"
#include "util.h"

static char dbpath[256];

static int
setup(void **st)
{
	struct buf err;

	util_fmt(dbpath, sizeof(dbpath), "/tmp/codemaild-test-state-%ld.db", (long)getpid());
	unlink(dbpath);
	buf_init(&err, 1000);
	*st = state_open(dbpath, &err);
	buf_free(&err);
	return *st ? 0 : -1;
}

static int
teardown(void **st)
{
	char p[300];

	state_close(*st);
	unlink(dbpath);
	util_fmt(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	util_fmt(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return 0;
}

static void
fill(struct st_handled *h, const char *sid, const char *sender, int lookups)
{
	memset(h, 0, sizeof(*h));
	util_fmt(h->source_id, sizeof(h->source_id), "%s", sid);
	util_fmt(h->message_id, sizeof(h->message_id), "m-%s", sid);
	util_fmt(h->raw_sha256, sizeof(h->raw_sha256), "%064d", 7);
	util_fmt(h->sender, sizeof(h->sender), "%s", sender);
	util_fmt(h->reason, sizeof(h->reason), "ok");
	h->outcome = ST_ANSWERED;
	h->lookups = lookups;
}

static struct st_reply
reply_for(const char *msgid)
{
	struct st_reply r = { msgid, "a@b.example", "", "answer", "body\r\n", 6 };

	return r;
}

static void
test_commit_once(void **st)
{
	struct st_handled h, got;
	struct st_reply r = reply_for("r1@x");

	fill(&h, "maildir:1", "a@b.example", 2);
	assert_int_equal(state_commit_message(*st, &h, &r), 0);
	assert_true(h.id > 0);
	assert_int_equal(state_lookup(*st, "maildir:1", &got), 1);
	assert_int_equal(got.outcome, ST_ANSWERED);
	assert_int_equal(got.marked, 0);
	assert_int_equal(state_set_marked(*st, h.id), 0);
	assert_int_equal(state_lookup(*st, "maildir:1", &got), 1);
	assert_int_equal(got.marked, 1);
	/* the same message again: refused, nothing queued twice */
	fill(&h, "maildir:1", "a@b.example", 2);
	errno = 0;
	assert_int_equal(state_commit_message(*st, &h, &r), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(state_queue_depth(*st, NULL), 1);
	assert_int_equal(state_sender_used(*st, "a@b.example", 0), 2);
	assert_int_equal(state_lookup(*st, "maildir:2", &got), 0);
	assert_int_equal(state_lookup_content(*st, "m-maildir:1", h.raw_sha256, &got), 1);
}

static void
test_queue_backoff(void **st)
{
	struct st_handled h;
	struct st_reply r = reply_for("r2@x");
	struct st_queued q[4];
	int64_t now = 1000000;

	fill(&h, "maildir:2", "c@d.example", 1);
	assert_int_equal(state_commit_message(*st, &h, &r), 0);
	assert_int_equal(state_next_due(*st, q, 4, (int64_t)util_now()), 1);
	assert_string_equal(q[0].rcpt, "a@b.example");
	assert_int_equal(q[0].data.len, 6);
	/* temporary failures double the delay: 60, 120, 240 … capped at 3600 */
	assert_int_equal(state_retry(*st, q[0].id, "421 busy", now, 60, 3600, 172800), 0);
	assert_int_equal(state_next_due_in(*st, now), 60);
	assert_int_equal(state_retry(*st, q[0].id, "421 busy", now, 60, 3600, 172800), 0);
	assert_int_equal(state_next_due_in(*st, now), 120);
	for (int i = 0; i < 10; i++)
		state_retry(*st, q[0].id, "421 busy", now, 60, 3600, 172800);
	assert_int_equal(state_next_due_in(*st, now), 3600);
	/* nothing due before its time */
	state_queued_free(&q[0]);
	assert_int_equal(state_next_due(*st, q, 4, now), 0);
	assert_int_equal(state_next_due(*st, q, 4, now + 3600), 1);
	assert_int_equal(state_sent(*st, q[0].id, now), 0);
	state_queued_free(&q[0]);
	assert_int_equal(state_queue_depth(*st, NULL), 0);
	assert_int_equal(state_next_due_in(*st, now), -1);
}

/* Statements are prepared once and handed back reset: the same literal gives the same
 * statement, a released one runs again with new bindings, and several replies recorded
 * as sent in one transaction leave the queue empty. */
static void
test_stmt_cache_and_sent_many(void **st)
{
	static const char sql[] = "SELECT ?1 + 1";
	struct sqlite3_stmt *a, *b;
	struct st_handled h;
	struct st_reply r1 = reply_for("m1@x"), r2 = reply_for("m2@x"), r3 = reply_for("m3@x");
	struct st_queued q[4];
	int64_t ids[3], now = (int64_t)util_now();
	int i, n;

	a = state_prepare(*st, sql);
	assert_non_null(a);
	b = state_prepare(*st, sql);
	assert_ptr_equal(a, b);
	for (i = 1; i <= 3; i++) {
		sqlite3_bind_int(a, 1, i);
		assert_int_equal(sqlite3_step(a), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(a, 0), i + 1);
		state_release(*st, a);
	}
	/* one left mid-step by a caller that did not release it starts over */
	sqlite3_bind_int(a, 1, 41);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	b = state_prepare(*st, sql);
	assert_int_equal(sqlite3_bind_int(b, 1, 9), SQLITE_OK);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(b, 0), 10);
	state_release(*st, b);
	assert_null(state_prepare(*st, "SELECT FROM nowhere"));   /* a syntax error */
	fill(&h, "maildir:m1", "s@x.example", 1);
	assert_int_equal(state_commit_message(*st, &h, &r1), 0);
	fill(&h, "maildir:m2", "s@x.example", 1);
	assert_int_equal(state_commit_message(*st, &h, &r2), 0);
	fill(&h, "maildir:m3", "s@x.example", 1);
	assert_int_equal(state_commit_message(*st, &h, &r3), 0);
	n = state_next_due(*st, q, 4, now + 1);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		ids[i] = q[i].id;
		state_queued_free(&q[i]);
	}
	assert_int_equal(state_sent_many(*st, ids, 2, now), 0);
	assert_int_equal(state_queue_depth(*st, NULL), 1);
	assert_int_equal(state_sent_many(*st, ids + 2, 1, now), 0);
	assert_int_equal(state_queue_depth(*st, NULL), 0);
}

static void
test_perm_fail_refunds(void **st)
{
	struct st_handled h;
	struct st_reply r = reply_for("r3@x");
	struct st_queued q[2];

	fill(&h, "maildir:3", "e@f.example", 3);
	assert_int_equal(state_commit_message(*st, &h, &r), 0);
	assert_int_equal(state_sender_used(*st, "e@f.example", 0), 3);
	assert_int_equal(state_next_due(*st, q, 2, (int64_t)util_now() + 1), 1);
	assert_int_equal(state_perm_fail(*st, q[0].id, "550 no such user", (int64_t)util_now()), 0);
	state_queued_free(&q[0]);
	assert_int_equal(state_sender_used(*st, "e@f.example", 0), 0);
	assert_int_equal(state_queue_depth(*st, NULL), 0);
}

static void
test_give_up(void **st)
{
	struct st_handled h;
	struct st_reply r = reply_for("r4@x");
	struct st_queued q[2];
	int64_t now = (int64_t)util_now();

	fill(&h, "maildir:4", "g@h.example", 1);
	assert_int_equal(state_commit_message(*st, &h, &r), 0);
	assert_int_equal(state_next_due(*st, q, 2, now + 1), 1);
	/* past give_up: the retry turns into a permanent failure */
	assert_int_equal(state_retry(*st, q[0].id, "421", now + 200000, 60, 3600, 172800), 0);
	state_queued_free(&q[0]);
	assert_int_equal(state_queue_depth(*st, NULL), 0);
	assert_int_equal(state_sender_used(*st, "g@h.example", 0), 0);
}

static void
test_ignored_no_reply(void **st)
{
	struct st_handled h, got;

	fill(&h, "maildir:5", "robot@x.example", 0);
	h.outcome = ST_IGNORED;
	util_fmt(h.reason, sizeof(h.reason), "auto-submitted");
	assert_int_equal(state_commit_message(*st, &h, NULL), 0);
	assert_int_equal(state_lookup(*st, "maildir:5", &got), 1);
	assert_int_equal(got.outcome, ST_IGNORED);
	assert_string_equal(got.reason, "auto-submitted");
	assert_int_equal(state_queue_depth(*st, NULL), 0);
}

static void
test_reopen_keeps_schema(void **st)
{
	struct buf err;
	struct state *again;
	struct st_handled got;

	struct st_handled h;

	fill(&h, "maildir:1", "a@b.example", 1);
	assert_int_equal(state_commit_message(*st, &h, NULL), 0);
	buf_init(&err, 1000);
	again = state_open(dbpath, &err);     /* migrations are idempotent */
	assert_non_null(again);
	assert_int_equal(state_lookup(again, "maildir:1", &got), 1);
	state_close(again);
	buf_free(&err);
	(void)st;
}

/* More distinct statements than the 64-slot cache holds: the ones past it are prepared,
 * used and finalized on release (state_release once recursed forever on them). */
#define SQL8(n) "SELECT " #n "0", "SELECT " #n "1", "SELECT " #n "2", "SELECT " #n "3", \
	"SELECT " #n "4", "SELECT " #n "5", "SELECT " #n "6", "SELECT " #n "7"
static const char *const many_sql[] = { SQL8(1), SQL8(2), SQL8(3), SQL8(4), SQL8(5), SQL8(6),
	SQL8(7), SQL8(8), SQL8(9), SQL8(10) };

static void
test_stmt_cache_full(void **st)
{
	size_t i;

	for (i = 0; i < sizeof(many_sql) / sizeof(many_sql[0]); i++) {
		sqlite3_stmt *s = state_prepare(*st, many_sql[i]);

		assert_non_null(s);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		state_release(*st, s);          /* returns: no recursion, no leak (valgrind/asan) */
	}
	/* the cache still serves the state's own statements afterwards */
	assert_int_equal(state_queue_depth(*st, NULL), 0);
}

/* A failed write reports its own cause: not "not an error" (a successful ROLLBACK after
 * it), not "cannot rollback - no transaction is active". */
static void
test_error_kept_across_rollback(void **st)
{
	struct st_handled h, got;
	struct st_reply r = reply_for("r9@x");

	assert_int_equal(sqlite3_exec(state_db(*st), "CREATE TRIGGER no_queue BEFORE INSERT ON "
	    "queue BEGIN SELECT RAISE(ABORT, 'injected queue fault'); END", NULL, NULL, NULL),
	    SQLITE_OK);
	fill(&h, "maildir:9", "a@b.example", 1);
	assert_int_equal(state_commit_message(*st, &h, &r), -1);
	assert_non_null(strstr(state_errmsg(*st), "injected queue fault"));
	assert_int_equal(state_lookup(*st, "maildir:9", &got), 0);      /* nothing written */
	/* the same inside a group: the savepoint rolls back, the group goes on */
	assert_int_equal(state_batch_begin(*st), 0);
	fill(&h, "maildir:10", "a@b.example", 0);
	assert_int_equal(state_commit_message(*st, &h, NULL), 0);
	fill(&h, "maildir:11", "a@b.example", 1);
	assert_int_equal(state_commit_message(*st, &h, &r), -1);
	assert_non_null(strstr(state_errmsg(*st), "injected queue fault"));
	assert_null(strstr(state_errmsg(*st), "not an error"));
	assert_int_equal(state_batch_end(*st), 0);
	assert_int_equal(state_lookup(*st, "maildir:10", &got), 1);
	assert_int_equal(state_lookup(*st, "maildir:11", &got), 0);
}

/* Reads that fail say so (-1, state_faults grows): never a 0 that reads as "none". */
static void
test_failed_reads_fail_closed(void **st)
{
	struct st_queued q[2];
	unsigned long f0 = state_faults(*st);

	assert_int_equal(state_queue_depth(*st, NULL), 0);
	assert_int_equal(state_faults(*st), f0);
	assert_int_equal(sqlite3_exec(state_db(*st), "ALTER TABLE queue RENAME TO queue_gone",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(state_queue_depth(*st, NULL), -1);
	assert_int_equal(state_replies_to(*st, "a@b.example", 0), -1);
	assert_int_equal(state_replies_since(*st, 0), -1);
	assert_int_equal(state_next_due(*st, q, 2, (int64_t)util_now()), -1);
	assert_true(state_faults(*st) > f0);
	assert_null(strstr(state_errmsg(*st), "not an error"));
	assert_int_equal(sqlite3_exec(state_db(*st), "ALTER TABLE queue_gone RENAME TO queue",
	    NULL, NULL, NULL), SQLITE_OK);
}

/* A state DB that cannot be written is found at start (the daemon refuses to run). */
static void
test_check_writable(void **st)
{
	struct buf err;
	struct state *ro;
	char uri[400];

	buf_init(&err, 1000);
	assert_int_equal(state_check_writable(*st, &err), 0);
	util_fmt(uri, sizeof(uri), "file:%s?mode=ro", dbpath);
	/* a read-only handle on the same file stands for an immutable file (chattr +i) */
	{
		sqlite3 *db = NULL;

		assert_int_equal(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
		    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_db_readonly(db, "main"), 1);
		sqlite3_close(db);
	}
	ro = state_open(dbpath, &err);
	assert_non_null(ro);
	assert_int_equal(state_check_writable(ro, &err), 0);
	state_close(ro);
	buf_free(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perm_fail_refunds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache_and_sent_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_give_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored_no_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_kept_across_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_reads_fail_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_writable, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
