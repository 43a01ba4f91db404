/* sender — hands one composed reply to the outside world: the file outbox (outbox.c) or
 * SMTP (smtp.c). The queue itself lives in the state DB (state.c); the daemon drains it. */
#ifndef CODEMAILD_SENDER_H
#define CODEMAILD_SENDER_H

#include <signal.h>
#include <stddef.h>

struct conf;

enum send_status {
	SEND_OK = 0,        /* accepted: mark sent */
	SEND_TEMP,          /* 4xx, connection, timeout, TLS handshake: retry with back-off */
	SEND_PERM,          /* 5xx: record permanent failure with the server text; no bounce */
	SEND_PAUSE,         /* authentication/certificate failure: pause the queue, alert */
	SEND_SKIPPED,       /* send_many() only: not attempted (the batch stopped on a PAUSE) */
};

/* One reply for send_many(): in = the first five fields, out = st and detail. */
struct send_job {
	const char *id, *env_from, *rcpt, *data;
	size_t len;
	enum send_status st;
	char detail[512];
};

struct sender;
struct sender_ops {
	const char *name;   /* "file", "smtp" */
	/* Sends data (CRLF message bytes) from env_from ("" = null sender) to exactly one rcpt.
	 * id is the queue id (for file names and logs). detail receives the server's text. */
	enum send_status (*send)(struct sender *s, const char *id, const char *env_from,
	                         const char *rcpt, const char *data, size_t len,
	                         char *detail, size_t detail_len);
	void (*flush)(struct sender *s);     /* end of a batch: may close a reused connection */
	void (*close)(struct sender *s);
	/* Optional: sends n jobs, possibly over several connections at once, filling each
	 * job's st and detail exactly as send() would, and calling done(ctx, i) for job i as
	 * soon as its outcome is known, then done(ctx, -1) once the results that came in
	 * together are all handed over, before it waits for more (the caller records those
	 * 250s at once, in one transaction: a crash re-sends at most the replies in flight).
	 * done() returns non-zero when no further job may start (the caller cannot record
	 * results): the transfers in flight end, the rest are skipped. Jobs never attempted
	 * end as SEND_SKIPPED (done is called for them too). NULL: the caller uses send(). */
	void (*send_many)(struct sender *s, struct send_job *jobs, int n,
	                  int (*done)(void *ctx, int i), void *ctx);
	/* Optional, called from ANOTHER thread after *stop was set: breaks every connection at
	 * once (libcurl waits for the answer to the end of DATA in a blocking call that a
	 * stop flag does not reach); the sending thread then fails its transfers quickly. */
	void (*abort)(struct sender *s);
};

struct sender {
	const struct sender_ops *ops;
	const struct conf *conf;    /* borrowed */
	void *priv;
	/* Borrowed, may be NULL: once *stop is non-zero, a transfer in progress is abandoned
	 * within about a second (SEND_TEMP, "stopping") and nothing new starts. */
	const volatile sig_atomic_t *stop;
	long sessions;              /* connections opened so far (smtp), for the drain's log */
};

struct sender *sender_new(const struct conf *conf);   /* by conf->sender_type */
void sender_free(struct sender *s);

extern const struct sender_ops outbox_ops;
extern const struct sender_ops smtp_ops;

#endif
