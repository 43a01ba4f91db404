/* source — the mailbox interface (after isync's driver.h): one table of functions, two
 * drivers (src_maildir.c, src_imap.c), so the whole pipeline runs the same on both.
 *
 * Identity: every message has a stable source id string that never changes while the
 * message sits in the mailbox: "maildir:<unique part of the file name>" or
 * "imap:<mailbox>:<uidvalidity>:<uid>". The state DB keys handled messages on it. */
#ifndef CODEMAILD_SOURCE_H
#define CODEMAILD_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct conf;

/* Errors say how much broke (isync): the caller's retry logic reads these, never strings. */
enum src_status {
	SRC_OK = 0,
	SRC_MSG_BAD,        /* this message cannot be fetched/marked; others can */
	SRC_BOX_BAD,        /* the mailbox is unusable (missing, UIDVALIDITY trouble) */
	SRC_CONN_TEMP,      /* connection/server trouble: retry later with back-off */
	SRC_CONN_FATAL,     /* authentication or certificate failure: stop retrying, alert */
};

/* What happened to a message; the driver moves or flags it accordingly. */
enum src_outcome { SRC_DONE_ANSWERED = 0, SRC_DONE_IGNORED, SRC_DONE_FAILED };

struct src_item {
	char     id[160];       /* stable source id, see above */
	size_t   size;          /* raw size in bytes if known before fetching, else 0 */
	uint32_t uid;           /* IMAP UID (0 for Maildir) */
	char     name[256];     /* driver's handle: Maildir file name under cur/ */
};

struct src_list {
	struct src_item *items;  /* owned by the list; free with src_list_free */
	size_t n, cap;
};
void src_list_free(struct src_list *l);
int  src_list_push(struct src_list *l, const struct src_item *it);

struct source;
struct source_ops {
	const char *name;                                              /* "maildir", "imap" */
	enum src_status (*open)(struct source *s);
	/* Messages not yet marked done, oldest first. Must be cheap when nothing is new. */
	enum src_status (*list_new)(struct source *s, struct src_list *out);
	enum src_status (*fetch)(struct source *s, const struct src_item *it, struct buf *raw);
	/* Optional: these items are fetched next. A driver may get them in one round trip and
	 * serve fetch() from what it holds; a failure here only means fetch() asks again. */
	void (*prefetch)(struct source *s, const struct src_item *items, size_t n);
	/* Called only after the state transaction for the message committed. Idempotent. */
	enum src_status (*mark)(struct source *s, const struct src_item *it, enum src_outcome o);
	/* Waits up to timeout_ms for new mail (IDLE/inotify) or a wake-up: 1 maybe new mail,
	 * 0 timeout, <0 connection trouble (a src_status negated). */
	int  (*wait)(struct source *s, int timeout_ms);
	void (*close)(struct source *s);
};

struct source {
	const struct source_ops *ops;
	const struct conf *conf;   /* borrowed */
	void *priv;                /* driver state */
	char  err[512];            /* last error, for logs (never message content) */
};

/* Creates the driver named by conf->source_type. Caller frees with source_free. */
struct source *source_new(const struct conf *conf);
void source_free(struct source *s);

extern const struct source_ops src_maildir_ops;
extern const struct source_ops src_imap_ops;

#endif
