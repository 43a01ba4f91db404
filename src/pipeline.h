/* pipeline — one question from raw bytes to a queued reply, and the queue drain.
 *
 *   fetch -> message_parse -> policy -> extract -> quota -> answer -> render -> reply
 *         -> state_commit_message (ONE transaction) -> source mark
 *
 * pipeline_decide() is the pure-ish core (no state writes) shared by `codemaild answer`
 * and pipeline_handle(). */
#ifndef CODEMAILD_PIPELINE_H
#define CODEMAILD_PIPELINE_H

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
 * trouble) or the circuit breaker holds the queue. */
int pipeline_drain(struct pipeline *p, struct sender *snd);

/* Test hook: when $CODEMAILD_CRASHPOINT names this step ("fetched", "committed", "marked",
 * "sent") the process kills itself the $CODEMAILD_CRASHCOUNT-th time (default 1) it gets
 * there. No effect otherwise. */
void pipeline_crashpoint(const char *step);

#endif
