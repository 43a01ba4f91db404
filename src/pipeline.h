/* pipeline — one question from raw bytes to a queued reply, and the queue drain.
 *
 *   fetch -> message_parse -> policy -> extract -> quota -> answer -> render -> reply
 *         -> state_commit_message (ONE transaction) -> source mark
 *
 * pipeline_decide() is the pure-ish core (no state writes) shared by `codemaild answer`
 * and pipeline_handle(). */
#ifndef CODEMAILD_PIPELINE_H
#define CODEMAILD_PIPELINE_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "source.h"
#include "state.h"

struct conf;
struct codedb;
struct render;
struct sender;

struct pipeline {
	const struct conf *conf;   /* borrowed */
	struct state  *st;         /* may be NULL for pipeline_decide only */
	struct codedb *db;         /* may be NULL (no reference data) */
	struct render *rd;
	/* counters for one pass */
	int answered, ignored, failed, remarked, errors;
	/* Borrowed, may be NULL: once *stop is non-zero a pass ends after the message in
	 * hand (its group is committed and marked) and a drain starts nothing new. */
	const volatile sig_atomic_t *stop;
	/* May be NULL: called after each group's commit that queued replies (the daemon wakes
	 * its sender; the intake never waits for it). */
	void (*queued)(void *ctx);
	void *queued_ctx;
	/* Set by pipeline_pass when the pass stopped because the state DB failed (not the
	 * source): the new questions stay unmarked at the source; err says why. */
	int state_fault;
	char err[256];
};

struct decision {
	struct st_handled h;       /* outcome, reason, detail, sender, message_id, sha, lookups */
	struct buf reply;          /* the composed reply, empty when none */
	char msgid[256];
	char rcpt[321];
	const char *kind;          /* "answer", "help", … */
};

void decision_init(struct decision *d);
void decision_free(struct decision *d);

/* Decides what to do with raw bytes; composes the reply when there is one. Never writes
 * state. Returns 0, or -1 on an internal error (out of memory, templates) with why. */
int pipeline_decide(struct pipeline *p, const char *source_id, const char *raw, size_t len,
                    struct decision *d, struct buf *why);

/* Messages recorded per state transaction (group commit, see state_batch_begin). */
#define PIPELINE_GROUP 32

/* Handles every new message of the source once, in groups: record a group in one
 * transaction, mark it at the source, then (with snd) send what is due while the next group
 * waits. Returns a src_status for the pass. */
enum src_status pipeline_pass(struct pipeline *p, struct source *src, struct sender *snd);

/* Sends what is due in the queue. Sessions stay open for the next call: the caller ends
 * them with snd->ops->flush() before it sleeps. Returns the number left due now
 * (0 = drained), or -1 when the sender asked to pause (authentication/certificate
 * trouble), the circuit breaker holds the queue, or the state DB cannot record results.
 *
 * State faults: a reply the server accepted but that cannot be recorded as sent is kept
 * in memory (never sent again by this process); nothing more is sent, by this drain or the
 * next ones, until a state write succeeds (tried again with a back-off from 1 s to 60 s).
 * One drain at a time (the daemon's sender thread, or `once`). */
int pipeline_drain(struct pipeline *p, struct sender *snd);

/* 1 while the state DB cannot record the sender's results, with why (since when, and the
 * seconds until the next try); 0 otherwise. */
int pipeline_send_fault(char *why, size_t whylen, long *retry_in);

/* At shutdown: records the replies accepted but not yet recorded, if the state DB allows;
 * returns how many are still unrecorded (they will be sent again at the next start). */
int pipeline_drain_finish(struct pipeline *p);

/* The per-message decision limit (LIM_STEP_TIMEOUT, CPU seconds), in milliseconds;
 * $CODEMAILD_STEP_TIMEOUT_MS overrides it (tests). */
long pipeline_step_limit_ms(void);

/* Test hook: when $CODEMAILD_CRASHPOINT names this step ("fetched", "committed", "marked",
 * "sent") the process kills itself the $CODEMAILD_CRASHCOUNT-th time (default 1) it gets
 * there. No effect otherwise. */
void pipeline_crashpoint(const char *step);

#endif
