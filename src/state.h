/* state — the state DB (SQLite, WAL, synchronous=FULL): handled messages, the outbound
 * queue, senders and quotas. Schema versioned with migrations (PRAGMA user_version).
 *
 * Invariant: the decision about a message, its queued reply and the quota charge are
 * written in ONE transaction (state_commit_message); the source marks the message done
 * only after that commit; a message found here is never answered again, only re-marked. */
#ifndef CODEMAILD_STATE_H
#define CODEMAILD_STATE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct state;
struct senderkey_conf;

/* A change to the sender's row, written with the message's record (see intake.h). The SQL
 * of each is in state.c. ?-values: now, h->sender_arg, h->sender_num, the reply's msgid. */
enum st_sender_change {
	ST_SC_NONE = 0,
	ST_SC_STOP,                   /* stopped = 1 */
	ST_SC_START,                  /* stopped = 0 */
	ST_SC_TOKEN,                  /* a new registration token = sender_arg, expiring at
	                                 sender_num, sent in the queued reply */
	ST_SC_REGISTERED,             /* registered now; the allowance restarts; token gone */
	ST_SC_TOKEN_FAIL,             /* one more wrong token; at LIM_REGISTER_TRIES the token
	                                 is dropped and registration locked for
	                                 LIM_REGISTER_LOCKOUT seconds (token_msgid is kept:
	                                 replies to the token message meet the lock) */
};

enum st_outcome { ST_ANSWERED = 0, ST_IGNORED, ST_FAILED };
const char *state_outcome_name(enum st_outcome o);

/* A handled message as stored. Strings are fixed-size copies. */
struct st_handled {
	int64_t id;
	char source_id[160];
	char message_id[256];
	char raw_sha256[65];
	char sender[330];             /* canonical sender key (senderkey.h), maybe "unauth:"-
	                                 prefixed; "" if none */
	enum st_outcome outcome;
	char reason[64];              /* stable reason code ("ok", "auto-submitted", …) */
	char detail[256];             /* human detail, never message content */
	int  lookups;                 /* lookups charged */
	int  marked;                  /* 1 once the source confirmed the mark */
	/* Written in the same transaction (intake.c fills these; borrowed, may be NULL):
	 * sender_change updates the senders row of sender (created if missing);
	 * notice records a non-answer reply kind ("quota", "help", …) for once-per-period. */
	enum st_sender_change sender_change;
	const char *sender_arg;
	long long   sender_num;
	const char *notice;
};

/* A reply to queue with the message's record. */
struct st_reply {
	const char *msgid;            /* the reply's Message-ID (without brackets) */
	const char *rcpt;             /* exactly one recipient */
	const char *env_from;         /* "" = null sender */
	const char *kind;             /* "answer", "help", "quota", "register", "notice" */
	const char *data;             /* CRLF message bytes */
	size_t len;
};

struct st_queued {                    /* a due queue item, for the sender */
	int64_t id;
	char msgid[256];
	char rcpt[321];
	char env_from[321];
	char sender[321];             /* whose quota it was charged to */
	int  attempts;
	int  charged;
	int64_t created_at;
	struct buf data;              /* owned: free with buf_free */
};

/* Opens (creating and migrating) the state DB. NULL on error with err filled and errno EIO
 * (an I/O error: disk full, a write refused) or EACCES (cannot open, not a database). */
struct state *state_open(const char *path, struct buf *err);
void state_close(struct state *st);
/* The first error of the last operation that failed (kept across its ROLLBACK); never
 * "not an error". Borrowed until the next call. */
const char *state_errmsg(struct state *st);
/* Statements that ended in an error since the handle was opened, whoever ran them (counted
 * in state_release): a caller compares it before and after a series of reads to know that
 * one failed, even when the reading function returned a default. */
unsigned long state_faults(struct state *st);
/* 0 when the DB can be written (a real write, committed); -1 when it was opened read-only,
 * -2 when the write fails (disk full, I/O error, an immutable WAL); err (may be NULL) says
 * why. */
int state_check_writable(struct state *st, struct buf *err);
/* A write waits up to busy_ms for another connection's lock (default 10 s), and gives up
 * at once when *stop (may be NULL, borrowed) becomes non-zero. */
void state_set_wait(struct state *st, int busy_ms, const volatile sig_atomic_t *stop);

/* A prepared statement for sql, which must be a string literal (the cache keys on its
 * address): kept across calls, so the caller never finalizes it but hands it back with
 * state_release (resets it and clears its bindings). NULL on error (state_errmsg). */
struct sqlite3_stmt *state_prepare(struct state *st, const char *sql);
void state_release(struct state *st, struct sqlite3_stmt *s);

/* Short, stable id for logs: first 10 hex of sha256(source_id). out must hold 11 bytes. */
void state_short_id(const char *source_id, char out[11]);

/* 1 found (filled), 0 not found, -1 error. */
int state_lookup(struct state *st, const char *source_id, struct st_handled *out);
/* Re-match after a UIDVALIDITY change: by Message-ID and raw hash. */
int state_lookup_content(struct state *st, const char *message_id, const char *sha256,
                         struct st_handled *out);

/* One transaction: insert the handled row (h->id set), queue the reply if any, charge
 * h->lookups to h->sender. Returns 0, or -1 (nothing written). A second call for the same
 * source_id fails with -1 and errno EEXIST. */
int state_commit_message(struct state *st, struct st_handled *h, const struct st_reply *r);
int state_set_marked(struct state *st, int64_t handled_id);
int state_set_marked_many(struct state *st, const int64_t *ids, size_t n);  /* one transaction */

/* Group commit: between begin and end, each state_commit_message() is a savepoint of one
 * outer transaction, so a group of messages costs one fsync. Decisions made inside the
 * group read through the same connection and so see the group's earlier records (quota,
 * notices, rate limits stay exact). A crash before state_batch_end() loses the whole group,
 * which is then handled again: nothing was marked or sent yet. end returns -1 (and rolls
 * back) when the commit fails. */
int state_batch_begin(struct state *st);
int state_batch_end(struct state *st);

/* Queue. state_next_due fills up to max items due now (next_try <= now); -1 on a read error. */
int  state_next_due(struct state *st, struct st_queued *items, int max, int64_t now);
void state_queued_free(struct st_queued *q);
int  state_sent(struct state *st, int64_t qid, int64_t now);
/* Several at once, in one transaction (one fsync): results that came in together. */
int  state_sent_many(struct state *st, const int64_t *qids, int n, int64_t now);
/* Temporary failure: next try after a back-off doubling from retry_min to retry_max;
 * after give_up seconds since creation the item fails permanently. */
int  state_retry(struct state *st, int64_t qid, const char *why, int64_t now,
                 long retry_min, long retry_max, long give_up);
/* Permanent failure: recorded with the server's text; the charge is refunded. */
int  state_perm_fail(struct state *st, int64_t qid, const char *why, int64_t now);
/* Seconds until the next queued item is due (0 = now, and when the DB cannot be read), or
 * -1 if the queue is empty. */
int64_t state_next_due_in(struct state *st, int64_t now);
/* Queued replies, or -1 when the DB cannot be read. */
int  state_queue_depth(struct state *st, int64_t *oldest_created);

/* The counts below return -1 when the DB cannot be read (fail closed: a caller that
 * decides on them checks state_faults() and decides nothing).
 * Sender accounting (quotas issue): lookups charged in the period starting at since. */
/* Sender keys (senderkey.h). The queue keeps each reply's canonical recipient key and
 * domain next to the address as written, so rate limits count every variant of an address
 * as one. Keys depend on the settings: this records them (copied) in the handle and, when
 * they differ from those the DB's keys were built with (or the DB predates keys), rewrites
 * the stored keys in one transaction: senders rows of variants of one address are merged
 * (stopped and blocked win, the earliest registration counts), charges, grants, notices
 * and queue keys are rewritten. Cheap when nothing changed (compared in memory). Until it
 * is called, the defaults apply (separator "+"). 0 ok, -1 error (err filled). */
int  state_sender_keys(struct state *st, const struct senderkey_conf *kc, struct buf *err);
/* The canonical key of addr with the handle's settings. */
void state_key_of(struct state *st, const char *addr, char *out, size_t n);

/* A senders row (quota.c turns it into a tier and an allowance). */
struct st_sender {
	char    tier[16];             /* admin override, "" = none */
	int     registered;           /* registered_at is set */
	char    token[65];            /* pending registration token, "" = none */
	int64_t token_expires;
	char    token_msgid[256];
	int     stopped;
	int64_t reset_at;
	int     token_fails;
	int64_t locked_until;
};
/* 1 found (out filled), 0 no row (out zeroed), -1 DB error. */
int  state_sender_get(struct state *st, const char *key, struct st_sender *out);
/* The admin tier of a domain into out: 1 found, 0 none, -1 DB error. */
int  state_domain_tier(struct state *st, const char *domain, char *out, size_t n);
/* Lookups granted to key since t. */
long state_grants_since(struct state *st, const char *key, int64_t since);
/* Every key with a senders row or a charge, in order: cb(ctx, key). Returns the count, or
 * -1 on a DB error. */
int  state_sender_keys_each(struct state *st, void (*cb)(void *ctx, const char *key), void *ctx);
/* Admin changes, each one transaction (the senders row of an address is created when
 * missing). tier NULL clears the override / removes the domain. 0 ok, -1 error. */
int  state_sender_set_tier(struct state *st, const char *key, const char *tier);
int  state_sender_reset(struct state *st, const char *key, int64_t now);
int  state_sender_grant(struct state *st, const char *key, long n, int64_t now);
int  state_domain_set(struct state *st, const char *domain, const char *tier);

/* Sender accounting (quotas issue): lookups charged in the period starting at since. */
long state_sender_used(struct state *st, const char *sender, int64_t since);
/* Replies (of any kind) queued since t to the canonical recipient key (state_key_of) or
 * the canonical domain (senderkey_domain): for rate limits. */
long state_replies_to(struct state *st, const char *rcpt_key, int64_t since);
long state_replies_to_domain(struct state *st, const char *domain, int64_t since);
/* Non-answer replies of kind recorded for sender since t (once-per-period notices). */
long state_notices_since(struct state *st, const char *sender, const char *kind, int64_t t);
/* 1 if msgid (without <>) is the Message-ID of a reply we queued, 0 if not, -1 DB error. */
int  state_is_our_reply(struct state *st, const char *msgid);
long state_replies_since(struct state *st, int64_t since);

/* Counters for status: outcome -> count since t (callback per (outcome, reason)). */
int state_outcome_counts(struct state *st, int64_t since,
                         void (*cb)(void *ctx, const char *outcome, const char *reason,
                                    long n), void *ctx);
/* Permanent send failures by error text (first 60 characters), for status. */
int state_queue_failures(struct state *st,
                         void (*cb)(void *ctx, const char *outcome, const char *reason, long n),
                         void *ctx);
/* Retention: deletes reply bodies and raw copies older than before. Returns rows touched. */
long state_purge(struct state *st, int64_t before);

/* Low-level access for modules that extend the schema (quota.c). Borrowed. */
struct sqlite3 *state_db(struct state *st);

#endif
