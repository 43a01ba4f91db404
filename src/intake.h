/* intake — the sender-intake rules between the policy verdict and the answer: who is
 * charged (the canonical sender key, or "unauth:KEY" for an unauthenticated From), the
 * sender's commands (STOP, START, REGISTER and its confirmation, HELP, QUOTA), the
 * once-a-day notices, the rate limits and the used-up allowance. Reads the state DB
 * (through state.c and quota.c; no SQL here), writes nothing: the sender change it
 * returns is written by state_commit_message() with the message's record.
 *
 * Rules, in order (the first that decides wins):
 *   1. the quota key: the canonical From key when the verdict trusts the From as an
 *      identity, else "unauth:KEY" with the guest allowance (the real key's block or
 *      STOP still silences it)                                     [blocked] [stopped]
 *   2. an admin block                                              [blocked]
 *   3. STOP (change: stopped)                                      [stop]
 *   4. a stopped sender without START                              [stopped]
 *   5. registration: locked after LIM_REGISTER_TRIES wrong tokens  [token-locked]
 *      a pending token is confirmed by REGISTER <token>, or by a reply to the token
 *      message whose new text carries the token or starts with an explicit confirming
 *      word (yes, confirm, confirmed, register); any other reply to the token message is
 *      an ordinary message. A wrong token is counted (change: token-fail) and answered
 *      once a day with the invalid-token notice. An expired token or an unauthenticated
 *      confirmation gets the invalid-token notice.
 *   6. REGISTER (new token), START (change: stopped = 0), HELP, QUOTA: one notice of a
 *      kind per sender and day                                     [notice-limit]
 *   7. rate limits: replies queued in the last hour / day to the reply's recipient or to
 *      the From (canonical keys), and to either's domain         [rate-sender-hour]
 *      [rate-sender-day] [rate-domain-day]
 *   8. no codes: one "nocode" reply per sender and day, applied by the caller once the
 *      answer is built (a modifier, denial code or topic answer is not a no-code reply)
 *                                                                  [notice-limit]
 *   9. codes but the allowance is used up: one quota reply per period, then silence
 *                                                                  [quota-exhausted]
 *  10. otherwise: answer, charging the key (intake_charge). */
#ifndef CODEMAILD_INTAKE_H
#define CODEMAILD_INTAKE_H

#include <stdint.h>

#include "buf.h"
#include "quota.h"
#include "state.h"

struct conf;
struct message;
struct verdict;
struct ex_result;

enum intake_outcome {
	INTAKE_SILENT = 0,      /* no reply: reason and detail say why */
	INTAKE_NOTICE,          /* a non-answer reply of kind (and flag) */
	INTAKE_ANSWER,          /* look the codes up (or the no-code reply when there are none) */
};

struct intake_in {
	const struct conf *conf;        /* borrowed */
	struct state *st;               /* NULL: no state (the `answer` command) */
	const struct message *m;
	const struct verdict *v;
	const struct ex_result *ex;
	int64_t now;
};

struct intake_out {
	enum intake_outcome outcome;
	const char *reason;             /* SILENT: a stable reason code (static) */
	const char *detail;             /* SILENT: a sentence (static) */
	char key[330];                  /* quota key charged and recorded ("" = none) */
	char rcpt_key[330];             /* canonical key of the reply's recipient */
	struct quota_info q;            /* the key's allowance, when have_q */
	int  have_q;
	const char *kind;               /* NOTICE: "notice", "help", "status", "quota",
	                                   "register"; ANSWER: "answer" or "nocode" */
	const char *flag;               /* NOTICE of kind "notice": the text's flag
	                                   ("n_registered", "n_token_invalid" ...) or NULL */
	const char *notice;             /* notices row to record with the reply, or NULL */
	int  nocode_limited;            /* ANSWER of kind "nocode": a no-code reply already went
	                                   today; if the answer built is a no-code reply, it is
	                                   not sent (reason notice-limit) */
	enum st_sender_change change;   /* written with the record, also when SILENT */
	char token[33];                 /* ST_SC_TOKEN: the new token */
	int64_t token_expires;
};

/* Applies the rules to one message. Returns 0 (out filled), or -1 on a state DB error
 * (why filled). */
int intake_decide(const struct intake_in *in, struct intake_out *out, struct buf *why);

/* Units charged for an answer that made `lookups` lookups ([quota] unit). */
int intake_charge(const struct conf *c, int lookups);
/* The allowance handed to the answer builder: -1 unlimited (or no state), else the
 * lookups left ([quota] unit = message: 0 or unlimited). */
long intake_allowance(const struct conf *c, const struct intake_out *out);

/* 1 when the first non-empty line of text starts with an explicit confirming word
 * (yes, confirm, confirmed, register; any case). Pure, for tests. */
int intake_confirms(const char *text);

#endif
