/* Unit tests: intake (issue 13, points 2, 4, 6, 8) on a temporary state DB: the quota key,
 * rate limits across address variants and Reply-To, registration by token or confirming
 * word with wrong tries counted and locked out, STOP/START, unauthenticated keys, and the
 * rewrite of stored keys made before canonical keys existed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "extract.h"
#include "intake.h"
#include "limits.h"
#include "message.h"
#include "policy.h"
#include "quota.h"
#include "senderkey.h"
#include "state.h"
#include "util.h"

static char dbpath[256];

struct fx {
	struct state *st;
	struct conf c;
	int seq;
};

static int
setup(void **state)
{
	static struct fx f;
	struct buf err;

	memset(&f, 0, sizeof(f));
	util_fmt(dbpath, sizeof(dbpath), "/tmp/codemaild-test-intake-%ld.db", (long)getpid());
	unlink(dbpath);
	buf_init(&err, 1000);
	f.st = state_open(dbpath, &err);
	buf_free(&err);
	if (f.st == NULL || conf_defaults(&f.c) < 0)
		return -1;
	f.c.rate_sender_hour = 0;
	f.c.rate_sender_day = 0;
	f.c.rate_domain_day = 0;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[300];

	state_close(f->st);
	conf_free(&f->c);
	unlink(dbpath);
	util_fmt(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	util_fmt(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return 0;
}

/* One message as intake sees it. */
struct tin {
	struct message m;
	struct verdict v;
	struct ex_result ex;
};

static void
tin_init(struct tin *t, const char *from)
{
	memset(t, 0, sizeof(*t));
	t->m.from.name = (char *)"";
	t->m.from.addr = (char *)from;
	t->m.reply_to.name = (char *)"";
	t->m.reply_to.addr = (char *)"";
	t->m.subject = (char *)"question";
	t->m.question_text = (char *)"What is 99213?";
	t->m.in_reply_to = (char *)"";
	t->v.answer = 1;
	t->v.reason = "ok";
	t->v.authenticated = 1;
	t->v.identity_trusted = 1;
	t->ex.ncodes = 1;
}

static int
decide(struct fx *f, struct tin *t, struct intake_out *o)
{
	struct intake_in in;
	struct buf why;
	int r;

	memset(&in, 0, sizeof(in));
	in.conf = &f->c;
	in.st = f->st;
	in.m = &t->m;
	in.v = &t->v;
	in.ex = &t->ex;
	in.now = (int64_t)util_now();
	buf_init(&why, 1000);
	r = intake_decide(&in, o, &why);
	if (r < 0)
		print_error("intake: %s\n", buf_cstr(&why));
	buf_free(&why);
	return r;
}

/* Records the decision as the pipeline would: the reply (when there is one) is queued to
 * rcpt exactly as written (the From, or the Reply-To). Returns the reply's msgid. */
static const char *
commit(struct fx *f, const struct tin *t, const struct intake_out *o, int lookups)
{
	static char msgid[64];
	struct st_handled h;
	struct st_reply r;
	const char *rcpt = f->c.honour_reply_to && *t->m.reply_to.addr ? t->m.reply_to.addr :
	    t->m.from.addr;

	memset(&h, 0, sizeof(h));
	util_fmt(h.source_id, sizeof(h.source_id), "test:%d", ++f->seq);
	util_fmt(h.raw_sha256, sizeof(h.raw_sha256), "%064d", f->seq);
	util_fmt(h.sender, sizeof(h.sender), "%s", o->key);
	h.outcome = o->outcome == INTAKE_SILENT ? ST_IGNORED : ST_ANSWERED;
	util_fmt(h.reason, sizeof(h.reason), "%s", o->reason ? o->reason : "ok");
	h.lookups = o->outcome == INTAKE_ANSWER ? lookups : 0;
	h.sender_change = o->change;
	h.sender_arg = o->token;
	h.sender_num = o->token_expires;
	h.notice = o->notice;
	util_fmt(msgid, sizeof(msgid), "reply%d@codemaild.example", f->seq);
	memset(&r, 0, sizeof(r));
	r.msgid = msgid;
	r.rcpt = rcpt;
	r.env_from = "";
	r.kind = o->kind ? o->kind : "answer";
	r.data = "x\r\n";
	r.len = 3;
	assert_int_equal(state_commit_message(f->st, &h, o->outcome == INTAKE_SILENT ? NULL : &r), 0);
	return msgid;
}

/* Decides and records one message from `from`; returns the outcome's reason ("" when a
 * reply goes). */
static const char *
ask(struct fx *f, struct tin *t, struct intake_out *o)
{
	assert_int_equal(decide(f, t, o), 0);
	commit(f, t, o, 1);
	return o->outcome == INTAKE_SILENT ? o->reason : "";
}

static void
test_rate_limit_holds_across_case_and_variants(void **state)
{
	static const char *const froms[] = { "Lee@clinic.example", "lee@Clinic.Example",
	                                     "LEE+x@clinic.example.", "lee@clinic.example" };
	struct fx *f = *state;
	struct tin t;
	struct intake_out o;

	f->c.rate_sender_hour = 2;
	f->c.quota_guest = -1;
	tin_init(&t, froms[0]);
	assert_string_equal(ask(f, &t, &o), "");
	assert_string_equal(o.rcpt_key, "lee@clinic.example");
	tin_init(&t, froms[1]);
	assert_string_equal(ask(f, &t, &o), "");
	for (size_t i = 0; i < 4; i++) {
		tin_init(&t, froms[i]);
		assert_string_equal(ask(f, &t, &o), "rate-sender-hour");
	}
	/* an autoresponder writing as Robot1@ is limited the same way */
	for (int i = 0; i < 2; i++) {
		tin_init(&t, i ? "robot1@bots.example" : "Robot1@bots.example");
		assert_string_equal(ask(f, &t, &o), "");
	}
	tin_init(&t, "ROBOT1@BOTS.EXAMPLE");
	assert_string_equal(ask(f, &t, &o), "rate-sender-hour");
}

static void
test_rate_limit_counts_reply_to(void **state)
{
	struct fx *f = *state;
	struct tin t;
	struct intake_out o;
	char from[64];
	int i;

	f->c.rate_sender_hour = 2;
	f->c.quota_guest = -1;
	f->c.honour_reply_to = 1;
	for (i = 0; i < 5; i++) {
		util_fmt(from, sizeof(from), "sender%d@other.example", i);
		tin_init(&t, from);
		t.m.reply_to.addr = (char *)(i % 2 ? "Victim@Target.Example" : "victim+%x@target.example.");
		if (i % 2 == 0)
			t.m.reply_to.addr = (char *)"victim+x@target.example.";
		assert_string_equal(ask(f, &t, &o), i < 2 ? "" : "rate-sender-hour");
		assert_string_equal(o.rcpt_key, "victim@target.example");
	}
}

static void
test_domain_limit_across_case(void **state)
{
	struct fx *f = *state;
	struct tin t;
	struct intake_out o;
	static const char *const froms[] = { "a@Clinic.Example", "b@clinic.example.",
	                                     "c@CLINIC.EXAMPLE", "d@clinic.example" };

	f->c.rate_domain_day = 2;
	f->c.quota_guest = -1;
	for (size_t i = 0; i < 4; i++) {
		tin_init(&t, froms[i]);
		assert_string_equal(ask(f, &t, &o), i < 2 ? "" : "rate-domain-day");
	}
}

static void
test_quota_key_across_variants(void **state)
{
	static const char *const variants[] = { "kim+1@clinic.example", "kim+2@clinic.example",
	                                        "Kim@Clinic.Example", "kim@clinic.example.",
	                                        "k.i.m@clinic.example" };
	struct fx *f = *state;
	struct tin t;
	struct intake_out o;
	size_t i;

	f->c.quota_guest = 2;
	f->c.quota_guest_period = CONF_PERIOD_LIFETIME;
	tin_init(&t, "kim@clinic.example");
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.outcome, INTAKE_ANSWER);
	assert_int_equal(o.q.left, 2);
	commit(f, &t, &o, 2);
	for (i = 0; i < 4; i++) {
		tin_init(&t, variants[i]);
		assert_int_equal(decide(f, &t, &o), 0);
		assert_string_equal(o.key, "kim@clinic.example");
		assert_int_equal(o.q.left, 0);
		assert_int_equal(o.outcome, INTAKE_NOTICE);
		assert_string_equal(o.kind, "quota");
	}
	/* k.i.m is another person unless the domain is configured dotless */
	tin_init(&t, variants[4]);
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.q.left, 2);
	tin_init(&t, "K.i.m+promo@gmail.com");
	assert_int_equal(decide(f, &t, &o), 0);
	commit(f, &t, &o, 2);
	assert_string_equal(o.key, "k.i.m@gmail.com");
	free(f->c.dotless_domains);
	f->c.dotless_domains = strdup("gmail.com");
	tin_init(&t, "kim@gmail.com");    /* the stored key was rewritten: the charge moved */
	assert_int_equal(decide(f, &t, &o), 0);
	assert_string_equal(o.key, "kim@gmail.com");
	assert_int_equal(o.q.left, 0);
	/* the separator can be switched off */
	free(f->c.subaddress_separator);
	f->c.subaddress_separator = strdup("");
	tin_init(&t, "kim+1@clinic.example");
	assert_int_equal(decide(f, &t, &o), 0);
	assert_string_equal(o.key, "kim+1@clinic.example");
	assert_int_equal(o.q.left, 2);
}

static void
test_unauthenticated_key(void **state)
{
	struct fx *f = *state;
	struct tin t;
	struct intake_out o;

	tin_init(&t, "Kim+x@Clinic.Example");
	t.v.identity_trusted = 0;
	t.v.authenticated = 0;
	assert_int_equal(decide(f, &t, &o), 0);
	assert_string_equal(o.key, "unauth:kim@clinic.example");
	/* STOP by the real (authenticated) address silences unauthenticated mail too */
	tin_init(&t, "kim@clinic.example");
	t.ex.commands = CMD_STOP;
	assert_string_equal(ask(f, &t, &o), "stop");
	assert_int_equal(o.change, ST_SC_STOP);
	tin_init(&t, "KIM+y@clinic.example");
	t.v.identity_trusted = 0;
	assert_string_equal(ask(f, &t, &o), "stopped");
	tin_init(&t, "Kim@clinic.example.");
	assert_string_equal(ask(f, &t, &o), "stopped");
	tin_init(&t, "kim@clinic.example");
	t.ex.commands = CMD_START;
	t.ex.ncodes = 0;
	assert_string_equal(ask(f, &t, &o), "");
	assert_int_equal(o.change, ST_SC_START);
	assert_string_equal(o.flag, "n_started");
	tin_init(&t, "kim+z@clinic.example");
	assert_string_equal(ask(f, &t, &o), "");
	assert_int_equal(o.outcome, INTAKE_ANSWER);
}

/* REGISTER from addr; returns the token and the token message's msgid in tok/msgid. */
static void
get_token(struct fx *f, const char *addr, char tok[33], char msgid[64])
{
	struct tin t;
	struct intake_out o;

	tin_init(&t, addr);
	t.ex.commands = CMD_REGISTER;
	t.ex.ncodes = 0;
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.outcome, INTAKE_NOTICE);
	assert_string_equal(o.kind, "register");
	assert_int_equal(o.change, ST_SC_TOKEN);
	memcpy(tok, o.token, 33);
	util_fmt(msgid, 64, "%s", commit(f, &t, &o, 0));
}

static void
test_registration_needs_token_or_confirming_word(void **state)
{
	struct fx *f = *state;
	struct tin t;
	struct intake_out o;
	char tok[33], msgid[64], text[128];

	f->c.quota_guest = 5;
	get_token(f, "ann@clinic.example", tok, msgid);
	/* a reply to the token message that confirms nothing is an ordinary message, even
	 * when its subject repeats ours ("Re: REGISTER" reads as the REGISTER command) */
	tin_init(&t, "Ann@clinic.example");
	t.m.in_reply_to = msgid;
	t.m.subject = (char *)"Re: Re: REGISTER";
	t.m.question_text = (char *)"who are you?";
	t.ex.ncodes = 0;
	t.ex.commands = CMD_REGISTER;
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.outcome, INTAKE_ANSWER);   /* not a second REGISTER either */
	assert_string_equal(o.kind, "nocode");
	assert_int_equal(o.change, ST_SC_NONE);
	assert_int_equal(o.q.registered, 0);
	/* a question in such a reply is answered as a question */
	t.ex.ncodes = 1;
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.outcome, INTAKE_ANSWER);
	assert_string_equal(o.kind, "answer");
	assert_int_equal(o.change, ST_SC_NONE);
	t.ex.ncodes = 0;
	/* "yesterday" is not "yes" */
	t.m.question_text = (char *)"yesterday I asked about 99213";
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.change, ST_SC_NONE);
	/* an explicit confirming word registers */
	t.m.question_text = (char *)"Yes, please register me.";
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.change, ST_SC_REGISTERED);
	assert_string_equal(o.flag, "n_registered");
	commit(f, &t, &o, 0);
	tin_init(&t, "ann@clinic.example");
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.q.registered, 1);
	assert_int_equal(o.q.tier, TIER_REGISTERED);

	/* the token itself in the new text registers (in a reply or REGISTER <token>) */
	get_token(f, "bob@clinic.example", tok, msgid);
	tin_init(&t, "bob@clinic.example");
	t.m.in_reply_to = msgid;
	util_fmt(text, sizeof(text), "%s\n", tok);
	t.m.question_text = text;
	t.ex.ncodes = 0;
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.change, ST_SC_REGISTERED);
	/* not when it is only in the quoted part: the quote is not the question text */
	t.m.question_text = (char *)"who are you?";
	t.m.quoted_text = text;
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.change, ST_SC_NONE);
}

static void
test_wrong_tokens_counted_and_locked(void **state)
{
	struct fx *f = *state;
	struct tin t;
	struct intake_out o;
	struct quota_info q;
	char tok[33], msgid[64];
	int i;

	get_token(f, "eve@clinic.example", tok, msgid);
	for (i = 0; i < LIM_REGISTER_TRIES; i++) {
		tin_init(&t, i % 2 ? "Eve@clinic.example" : "eve+x@clinic.example");
		t.ex.commands = CMD_REGISTER;
		t.ex.ncodes = 0;
		t.ex.token = (char *)"0123456789abcdef0123456789abcdef";
		assert_int_equal(decide(f, &t, &o), 0);
		assert_int_equal(o.change, ST_SC_TOKEN_FAIL);
		/* one invalid-token notice a day, the rest silent, every try counted */
		if (i == 0)
			assert_string_equal(o.flag, "n_token_invalid");
		else
			assert_string_equal(o.reason, "notice-limit");
		commit(f, &t, &o, 0);
	}
	assert_int_equal(quota_get(f->st, &f->c, "eve@clinic.example", (int64_t)util_now(), &q), 0);
	assert_int_equal(q.token_fails, LIM_REGISTER_TRIES);
	assert_true(q.locked_until > (int64_t)util_now());
	assert_string_equal(q.token, "");            /* the pending token is gone */
	/* locked: even the right token does nothing now */
	tin_init(&t, "eve@clinic.example");
	t.ex.commands = CMD_REGISTER;
	t.ex.ncodes = 0;
	t.ex.token = tok;
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.outcome, INTAKE_SILENT);
	assert_string_equal(o.reason, "token-locked");
	tin_init(&t, "eve@clinic.example");
	t.m.in_reply_to = msgid;
	t.m.question_text = (char *)"yes";
	assert_int_equal(decide(f, &t, &o), 0);
	assert_string_equal(o.reason, "token-locked");
	assert_int_equal(o.change, ST_SC_NONE);
	/* a question in a reply to the token message is still a question */
	t.m.subject = (char *)"Re: REGISTER";
	t.ex.commands = CMD_REGISTER;
	t.m.question_text = (char *)"What is 99213?";
	assert_int_equal(decide(f, &t, &o), 0);
	assert_int_equal(o.outcome, INTAKE_ANSWER);
	assert_string_equal(o.kind, "answer");
}

static void
test_confirm_words(void **state)
{
	(void)state;
	assert_true(intake_confirms("yes"));
	assert_true(intake_confirms("\n\n  Confirm\n"));
	assert_true(intake_confirms("CONFIRMED."));
	assert_true(intake_confirms("register please"));
	assert_false(intake_confirms("who are you?"));
	assert_false(intake_confirms("yesterday"));
	assert_false(intake_confirms("no, yes"));
	assert_false(intake_confirms(""));
	assert_false(intake_confirms(NULL));
}

static void
test_notices_once_a_day_per_key(void **state)
{
	struct fx *f = *state;
	struct tin t;
	struct intake_out o;

	tin_init(&t, "dan@clinic.example");
	t.ex.commands = CMD_HELP;
	t.ex.ncodes = 0;
	assert_string_equal(ask(f, &t, &o), "");
	assert_string_equal(o.kind, "help");
	tin_init(&t, "Dan+2@Clinic.Example.");
	t.ex.commands = CMD_HELP;
	t.ex.ncodes = 0;
	assert_string_equal(ask(f, &t, &o), "notice-limit");
	tin_init(&t, "dan@clinic.example");
	t.ex.ncodes = 0;
	assert_string_equal(ask(f, &t, &o), "");
	assert_string_equal(o.kind, "nocode");
	tin_init(&t, "DAN@clinic.example");
	t.ex.ncodes = 0;
	assert_string_equal(ask(f, &t, &o), "");
	assert_string_equal(o.kind, "nocode");
	assert_int_equal(o.nocode_limited, 1);   /* the pipeline drops a second no-code reply */
}

static void
test_charge_and_allowance(void **state)
{
	struct fx *f = *state;
	struct intake_out o;

	memset(&o, 0, sizeof(o));
	f->c.quota_unit = CONF_UNIT_CODE;
	assert_int_equal(intake_charge(&f->c, 3), 3);
	assert_int_equal(intake_allowance(&f->c, &o), -1);
	o.have_q = 1;
	o.q.left = 4;
	assert_int_equal(intake_allowance(&f->c, &o), 4);
	f->c.quota_unit = CONF_UNIT_MESSAGE;
	assert_int_equal(intake_charge(&f->c, 3), 1);
	assert_int_equal(intake_charge(&f->c, 0), 0);
	assert_int_equal(intake_allowance(&f->c, &o), -1);
	o.q.left = 0;
	assert_int_equal(intake_allowance(&f->c, &o), 0);
}

/* Rows written before canonical keys (schema 2: lower-cased From only) keep working: the
 * first state_sender_keys() merges them. */
static void
test_old_rows_rewritten(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = state_db(f->st);
	struct tin t;
	struct intake_out o;
	struct quota_info q;

	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO senders (addr, created_at, stopped) VALUES ('old+a@clinic.example', 1, 1);"
	    "INSERT INTO senders (addr, created_at, tier) VALUES ('old@clinic.example', 1, 'subscriber');"
	    "INSERT INTO senders (addr, created_at, tier) VALUES ('bad+x@clinic.example', 1, 'blocked');"
	    "INSERT INTO senders (addr, created_at, registered_at) VALUES ('reg+1@clinic.example', 1, 5);"
	    "INSERT INTO charges (sender, lookups, at) VALUES ('cnt+1@clinic.example', 2, 10);"
	    "INSERT INTO charges (sender, lookups, at) VALUES ('cnt@clinic.example', 1, 10);"
	    "INSERT INTO charges (sender, lookups, at) VALUES ('unauth:cnt+9@clinic.example', 1, 10);"
	    "INSERT INTO queue (msgid, rcpt, rcpt_domain, kind, created_at, next_try, rcpt_key) "
	    "  VALUES ('q1@x', 'Q+1@Clinic.Example', 'Clinic.Example', 'answer', 99, 99, 'q+1@clinic.example');"
	    "UPDATE meta SET v = 'legacy' WHERE k = 'sender_key';", NULL, NULL, NULL), SQLITE_OK);
	tin_init(&t, "old@clinic.example");    /* the first decision rewrites the keys */
	assert_int_equal(decide(f, &t, &o), 0);
	assert_string_equal(o.reason, "stopped");              /* stopped wins */
	assert_int_equal(o.q.tier, TIER_SUBSCRIBER);           /* the canonical tier stays */
	tin_init(&t, "bad@clinic.example");
	assert_int_equal(decide(f, &t, &o), 0);
	assert_string_equal(o.reason, "blocked");
	assert_int_equal(quota_get(f->st, &f->c, "reg@clinic.example", 100, &q), 0);
	assert_int_equal(q.registered, 1);
	assert_int_equal(state_sender_used(f->st, "cnt@clinic.example", 0), 3);
	assert_int_equal(state_sender_used(f->st, "unauth:cnt@clinic.example", 0), 1);
	assert_int_equal(state_replies_to(f->st, "q@clinic.example", 0), 1);
	assert_int_equal(state_replies_to_domain(f->st, "clinic.example", 0), 1);
}

/* A state DB of schema 2 (before issue 13), written by hand as that version's migrations
 * left it: state_open() migrates it to 3 and the first decision rewrites its keys. */
static void
test_schema2_migrates(void **state)
{
	struct fx *f = *state;
	char path[300];
	sqlite3 *db;
	struct state *st;
	struct buf err;
	struct tin t;
	struct intake_in in;
	struct intake_out o;

	(void)f;
	util_fmt(path, sizeof(path), "%s.v2", dbpath);
	unlink(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "CREATE TABLE handled (id INTEGER PRIMARY KEY, source_id TEXT NOT NULL UNIQUE,"
	    " message_id TEXT NOT NULL DEFAULT '', raw_sha256 TEXT NOT NULL DEFAULT '',"
	    " sender TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL, reason TEXT NOT NULL,"
	    " detail TEXT NOT NULL DEFAULT '', lookups INTEGER NOT NULL DEFAULT 0,"
	    " handled_at INTEGER NOT NULL, marked_at INTEGER);"
	    "CREATE TABLE queue (id INTEGER PRIMARY KEY, handled_id INTEGER REFERENCES handled(id),"
	    " msgid TEXT NOT NULL UNIQUE, rcpt TEXT NOT NULL, rcpt_domain TEXT NOT NULL DEFAULT '',"
	    " env_from TEXT NOT NULL DEFAULT '', sender TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL,"
	    " body BLOB, state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,"
	    " charged INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, next_try INTEGER NOT NULL,"
	    " sent_at INTEGER, last_error TEXT NOT NULL DEFAULT '');"
	    "CREATE TABLE charges (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, lookups INTEGER NOT NULL,"
	    " at INTEGER NOT NULL, queue_id INTEGER);"
	    "CREATE TABLE senders (addr TEXT PRIMARY KEY, tier TEXT, registered_at INTEGER, token TEXT,"
	    " token_expires INTEGER, token_msgid TEXT, stopped INTEGER NOT NULL DEFAULT 0,"
	    " reset_at INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);"
	    "CREATE TABLE domains (domain TEXT PRIMARY KEY, tier TEXT NOT NULL);"
	    "CREATE TABLE grants (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, n INTEGER NOT NULL,"
	    " at INTEGER NOT NULL);"
	    "CREATE TABLE notices (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, kind TEXT NOT NULL,"
	    " at INTEGER NOT NULL);"
	    "INSERT INTO senders (addr, created_at, stopped) VALUES ('lee+news@clinic.example', 1, 1);"
	    "INSERT INTO charges (sender, lookups, at) VALUES ('kim+1@clinic.example', 3, 10);"
	    "INSERT INTO queue (msgid, rcpt, rcpt_domain, sender, kind, created_at, next_try) VALUES"
	    " ('m1@x', 'Kim+1@Clinic.Example', 'Clinic.Example', 'kim+1@clinic.example', 'answer',"
	    " strftime('%s','now'), 0);"
	    "PRAGMA user_version = 2;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	buf_init(&err, 1000);
	st = state_open(path, &err);
	buf_free(&err);
	assert_non_null(st);
	tin_init(&t, "Kim@Clinic.Example");
	memset(&in, 0, sizeof(in));
	in.conf = &f->c;
	in.st = st;
	in.m = &t.m;
	in.v = &t.v;
	in.ex = &t.ex;
	in.now = (int64_t)util_now();
	f->c.quota_guest = 3;
	f->c.rate_sender_hour = 1;
	buf_init(&err, 1000);
	assert_int_equal(intake_decide(&in, &o, &err), 0);
	buf_free(&err);
	assert_string_equal(o.key, "kim@clinic.example");
	/* the old reply to Kim+1@ counts for the rate limit, the old charge for the quota */
	assert_string_equal(o.reason, "rate-sender-hour");
	assert_int_equal(o.q.used, 3);
	tin_init(&t, "LEE@clinic.example");
	buf_init(&err, 1000);
	assert_int_equal(intake_decide(&in, &o, &err), 0);
	buf_free(&err);
	assert_string_equal(o.reason, "stopped");
	state_close(st);
	unlink(path);
	util_fmt(path, sizeof(path), "%s.v2-wal", dbpath);
	unlink(path);
	util_fmt(path, sizeof(path), "%s.v2-shm", dbpath);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rate_limit_holds_across_case_and_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_counts_reply_to, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_limit_across_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota_key_across_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unauthenticated_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registration_needs_token_or_confirming_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_tokens_counted_and_locked, setup, teardown),
		cmocka_unit_test(test_confirm_words),
		cmocka_unit_test_setup_teardown(test_notices_once_a_day_per_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charge_and_allowance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_rows_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema2_migrates, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
