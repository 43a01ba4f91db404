/* pipeline — see pipeline.h. */
#include "pipeline.h"

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "codedb.h"
#include "conf.h"
#include "extract.h"
#include "limits.h"
#include "intake.h"
#include "log.h"
#include "message.h"
#include "notify.h"
#include "policy.h"
#include "quota.h"
#include "render.h"
#include "reply.h"
#include "senderkey.h"
#include "sender.h"
#include "util.h"

void
pipeline_crashpoint(const char *step)
{
	static long hits;
	const char *want = getenv("CODEMAILD_CRASHPOINT");
	long count = 1;

	if (want == NULL || strcmp(want, step) != 0)
		return;
	if (getenv("CODEMAILD_CRASHCOUNT"))
		util_parse_long(getenv("CODEMAILD_CRASHCOUNT"), 1, 1000000, &count);
	if (++hits >= count)
		kill(getpid(), SIGKILL);
}

void
decision_init(struct decision *d)
{
	memset(d, 0, sizeof(*d));
	buf_init(&d->reply, 4 * 1024 * 1024);
}

void
decision_free(struct decision *d)
{
	buf_free(&d->reply);
}

static void
set_outcome(struct decision *d, enum st_outcome o, const char *reason, const char *detail)
{
	d->h.outcome = o;
	util_fmt(d->h.reason, sizeof(d->h.reason), "%s", reason);
	util_fmt(d->h.detail, sizeof(d->h.detail), "%s", detail ? detail : "");
}

static int
known_cb(void *ctx, const char *code, enum code_kind kind)
{
	return codedb_known_cb(ctx, code, kind);
}

static int
compose(struct pipeline *p, const char *source_id, const struct message *m,
    struct json_object *model, struct decision *d, struct buf *why)
{
	struct buf text, html;
	struct reply_in ri;
	struct reply_out ro;
	const char *err = NULL;
	int r = -1, rc;

	buf_init(&text, 1024 * 1024);
	buf_init(&html, 2 * 1024 * 1024);
	if (render_reply(p->rd, model, &text, &html, why) < 0)
		goto out;
	memset(&ri, 0, sizeof(ri));
	ri.conf = p->conf;
	ri.q = m;
	ri.source_id = source_id;
	ri.text = buf_cstr(&text);
	ri.html = buf_cstr(&html);
	ri.date = time(NULL);
	if ((rc = reply_compose(&ri, &d->reply, &ro, &err)) < 0) {
		/* no usable recipient is a decision, not an internal error; a reply that could
		 * not be written is a failure, said as such */
		buf_reset(&d->reply);
		if (rc == REPLY_E_RCPT)
			set_outcome(d, ST_IGNORED, "bad-sender-address", err);
		else
			set_outcome(d, ST_FAILED, "compose-failed", err);
		d->h.lookups = 0;          /* nothing answered: nothing charged or recorded */
		d->h.sender_change = ST_SC_NONE;
		d->h.notice = NULL;
		r = 0;
		goto out;
	}
	util_fmt(d->msgid, sizeof(d->msgid), "%s", ro.msgid);
	util_fmt(d->rcpt, sizeof(d->rcpt), "%s", ro.rcpt);
	r = 0;
out:
	buf_free(&text);
	buf_free(&html);
	return r;
}

/* Builds a simple model of kind (help, status, quota, register, notice) with the sender's
 * allowance; flag (may be NULL) selects the notice's text. */
static struct json_object *
simple_model(struct pipeline *p, const char *kind, const char *flag, const struct message *m,
    const struct quota_info *q)
{
	struct json_object *model = answer_simple(kind, m, p->db, p->conf);

	if (model && q)
		quota_to_json(q, model);
	if (model && flag)
		json_object_object_add(model, flag, json_object_new_boolean(1));
	return model;
}

/* The model of a notice intake decided on (kind register: with the new token). */
static struct json_object *
notice_model(struct pipeline *p, const struct message *m, const struct intake_out *io)
{
	struct json_object *model = simple_model(p, io->kind, io->flag, m,
	    io->have_q ? &io->q : NULL);

	if (model && io->change == ST_SC_TOKEN) {
		char when[32];
		time_t t = (time_t)io->token_expires;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		json_object_object_add(model, "token", json_object_new_string(io->token));
		json_object_object_add(model, "token_expires", json_object_new_string(when));
	}
	return model;
}

int
pipeline_decide(struct pipeline *p, const char *source_id, const char *raw, size_t len,
    struct decision *d, struct buf *why)
{
	struct message *m = NULL;
	struct ex_result ex;
	struct ex_opts eo;
	struct policy_conf pc;
	struct verdict v;
	struct intake_in ii;
	struct intake_out io;
	struct json_object *model = NULL;
	int64_t now = (int64_t)util_now();
	int lookups = 0, r = -1;
	static char token[33];      /* d->h.sender_arg borrows it until the commit */

	memset(&ex, 0, sizeof(ex));
	util_fmt(d->h.source_id, sizeof(d->h.source_id), "%s", source_id);
	util_sha256_hex(raw, len, d->h.raw_sha256);
	if (len > p->conf->msg_limits.max_size) {
		set_outcome(d, ST_FAILED, "too-big", "message over the size limit");
		return 0;
	}
	m = message_parse(raw, len, &p->conf->msg_limits);
	if (m == NULL) {
		buf_addstr(why, "out of memory parsing a message");
		return -1;
	}
	util_fmt(d->h.message_id, sizeof(d->h.message_id), "%s", m->message_id ? m->message_id : "");
	{
		struct senderkey_conf kc;

		senderkey_conf_from(&kc, p->conf);
		senderkey_canon(m->from.addr ? m->from.addr : "", &kc, d->h.sender,
		    sizeof(d->h.sender));
	}
	if (m->error) {
		set_outcome(d, ST_FAILED, "unparseable", m->error_reason);
		r = 0;
		goto out;
	}
	policy_conf_from(&pc, p->conf);
	policy_check(m, &pc, &v);
	if (!v.answer) {
		set_outcome(d, ST_IGNORED, v.reason, v.detail);
		r = 0;
		goto out;
	}
	memset(&eo, 0, sizeof(eo));
	eo.max_codes = (size_t)p->conf->codes_per_message;
	if (p->db) {
		eo.known = known_cb;
		eo.known_ctx = p->db;
	}
	if (extract_run(m->subject, m->question_text, &eo, &ex) < 0) {
		buf_addstr(why, "out of memory extracting codes");
		goto out;
	}
	/* A reply to one of our replies carries the question's codes in its "Re:" subject:
	 * they were answered (and charged) already, and an autoresponder that keeps the
	 * subject would be answered again and again. Only the new text asks; commands and a
	 * token in the subject still count (a reply whose subject was changed to STOP). */
	if (p->st && ex.ncodes && m->in_reply_to && state_is_our_reply(p->st, m->in_reply_to) == 1) {
		struct ex_result tx;

		if (extract_run(NULL, m->question_text, &eo, &tx) < 0) {
			buf_addstr(why, "out of memory extracting codes");
			goto out;
		}
		tx.commands |= ex.commands;
		if (tx.token == NULL) {
			tx.token = ex.token;
			ex.token = NULL;
		}
		extract_result_free(&ex);
		ex = tx;
	}
	/* the sender-intake rules: key, commands, notices, rate limits, allowance */
	memset(&ii, 0, sizeof(ii));
	ii.conf = p->conf;
	ii.st = p->st;
	ii.m = m;
	ii.v = &v;
	ii.ex = &ex;
	ii.now = now;
	if (intake_decide(&ii, &io, why) < 0)
		goto out;
	util_fmt(d->h.sender, sizeof(d->h.sender), "%s", io.key);
	d->h.sender_change = io.change;
	if (io.change == ST_SC_TOKEN) {
		memcpy(token, io.token, sizeof(token));
		d->h.sender_arg = token;
		d->h.sender_num = io.token_expires;
	}
	d->h.notice = io.notice;
	if (io.outcome == INTAKE_SILENT) {
		set_outcome(d, ST_IGNORED, io.reason ? io.reason : "ignored", io.detail);
		r = 0;
		goto out;
	}
	if (io.outcome == INTAKE_NOTICE) {
		d->kind = io.kind;
		model = notice_model(p, m, &io);
	} else {
		struct answer_in ai;

		memset(&ai, 0, sizeof(ai));
		ai.conf = p->conf;
		ai.msg = m;
		ai.ex = &ex;
		ai.db = p->db;
		ai.allowance = intake_allowance(p->conf, &io);
		model = answer_build(&ai, &lookups);
		lookups = intake_charge(p->conf, lookups);
		if (model && io.have_q) {
			/* the footer shows what is left after this answer */
			io.q.used += lookups;
			if (io.q.left > 0)
				io.q.left = io.q.left > lookups ? io.q.left - lookups : 0;
			quota_to_json(&io.q, model);
		}
		d->kind = io.kind;
		/* a message without a code that a knowledge topic, a modifier or a code search
		 * answered is an answer; only a real no-code reply counts against the
		 * once-a-day notice */
		if (model && strcmp(io.kind, "nocode") == 0) {
			if (strcmp(json_object_get_string(json_object_object_get(model, "kind")),
			    "answer") == 0) {
				d->kind = "answer";
				d->h.notice = NULL;
			} else if (io.nocode_limited) {
				set_outcome(d, ST_IGNORED, "notice-limit", "a no-code reply already went today");
				r = 0;
				goto out;
			}
		}
	}
	if (model == NULL) {
		buf_addstr(why, "out of memory building an answer");
		goto out;
	}
	d->h.lookups = lookups;
	set_outcome(d, ST_ANSWERED, v.reason, d->kind);
	if (compose(p, source_id, m, model, d, why) < 0)
		goto out;
	r = 0;
out:
	json_object_put(model);
	extract_result_free(&ex);
	message_free(m);
	return r;
}

static enum src_outcome
to_src(enum st_outcome o)
{
	return o == ST_ANSWERED ? SRC_DONE_ANSWERED : o == ST_IGNORED ? SRC_DONE_IGNORED :
	    SRC_DONE_FAILED;
}

/* The state DB failed during the pass: the pass ends, the daemon says so (not the source). */
static enum src_status
state_fault(struct pipeline *p, const char *what)
{
	p->state_fault = 1;
	util_fmt(p->err, sizeof(p->err), "state DB: %s: %s", what, state_errmsg(p->st));
	return SRC_CONN_TEMP;
}

long
pipeline_step_limit_ms(void)
{
	long ms = LIM_STEP_TIMEOUT * 1000L;
	const char *e = getenv("CODEMAILD_STEP_TIMEOUT_MS");

	if (e != NULL)
		util_parse_long(e, 1, 86400000L, &ms);
	return ms;
}

/* CPU time of this thread, in milliseconds: the cost of a message, whatever else the
 * machine is doing. */
static double
cpu_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* A message handled in the current group, to be marked at the source once the group's
 * transaction committed. */
struct pend {
	struct src_item it;
	struct st_handled h;
	int recorded;          /* 1: written in this group (0: found handled before) */
	int queued;            /* 1: a reply was queued with it */
};

/* After the group's commit: what was decided, counted and logged (never before). */
static int
log_group(struct pipeline *p, const struct pend *pd, size_t n)
{
	char sid[11], masked[64];
	int queued = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct st_handled *h = &pd[i].h;

		if (!pd[i].recorded)
			continue;
		queued |= pd[i].queued;
		if (h->outcome == ST_ANSWERED)
			p->answered++;
		else if (h->outcome == ST_IGNORED)
			p->ignored++;
		else
			p->failed++;
		state_short_id(pd[i].it.id, sid);
		log_info("msg=%s from=%s %s reason=%s lookups=%d%s%s", sid,
		    log_addr(h->sender, masked, sizeof(masked)), state_outcome_name(h->outcome),
		    h->reason, h->lookups, h->outcome == ST_ANSWERED ? "" : " detail=",
		    h->outcome == ST_ANSWERED ? "" : h->detail);
	}
	return queued;
}

/* Records one message inside the group's transaction: lookup (a message handled before is
 * only re-marked), fetch, decide, state_commit_message. Fills *pd when the message is to be
 * marked. Returns SRC_OK, SRC_MSG_BAD (this message is skipped for now), or a connection /
 * state problem that ends the pass. */
static enum src_status
record(struct pipeline *p, struct source *src, const struct src_item *it, struct pend *pd,
    int *to_mark)
{
	struct decision d;
	struct buf raw, why;
	enum src_status s = SRC_OK;
	char sid[11];
	int found;

	*to_mark = 0;
	notify_watchdog();            /* a long group is not a hung daemon */
	state_short_id(it->id, sid);
	found = state_lookup(p->st, it->id, &pd->h);
	if (found < 0)
		return state_fault(p, "cannot look up a message");
	pd->it = *it;
	if (found == 1) {           /* handled before a crash or an unconfirmed mark: re-mark only */
		p->remarked++;
		log_info("msg=%s already %s, re-marking", sid, state_outcome_name(pd->h.outcome));
		pd->recorded = 0;
		*to_mark = 1;
		return SRC_OK;
	}
	decision_init(&d);
	buf_init(&raw, p->conf->msg_limits.max_size + 1);
	buf_init(&why, 4096);
	if (it->size > p->conf->msg_limits.max_size) {
		util_fmt(d.h.source_id, sizeof(d.h.source_id), "%s", it->id);
		set_outcome(&d, ST_FAILED, "too-big", "message over the size limit (not fetched)");
	} else {
		s = src->ops->fetch(src, it, &raw);
		if (s == SRC_MSG_BAD && raw.len >= p->conf->msg_limits.max_size) {
			util_fmt(d.h.source_id, sizeof(d.h.source_id), "%s", it->id);
			set_outcome(&d, ST_FAILED, "too-big", "message over the size limit");
		} else if (s != SRC_OK) {
			log_warn("msg=%s fetch failed: %s", sid, src->err);
			goto out;
		} else {
			/* After a UIDVALIDITY change the same message comes back under a new id */
			struct st_handled same;
			unsigned long f0 = state_faults(p->st);
			double t0 = cpu_ms(), used;
			int rm = 0;

			pipeline_crashpoint("fetched");
			if (pipeline_decide(p, it->id, buf_cstr(&raw), raw.len, &d, &why) < 0) {
				if (state_faults(p->st) != f0) {
					s = state_fault(p, "a read failed while deciding");
					goto out;
				}
				log_err("msg=%s cannot decide: %s", sid, buf_cstr(&why));
				p->errors++;
				s = SRC_CONN_TEMP;
				util_fmt(p->err, sizeof(p->err), "cannot decide: %s", buf_cstr(&why));
				goto out;
			}
			used = cpu_ms() - t0;
			/* a read that failed (quota, rate, notices) is not "nothing found": no
			 * decision is recorded on it; the message is handled again next pass */
			if (state_faults(p->st) != f0) {
				s = state_fault(p, "a read failed while deciding");
				goto out;
			}
			if (used > (double)pipeline_step_limit_ms()) {
				/* set aside for a person: recorded as failed with the true reason, moved
				 * to the failed folder, never answered half-way */
				buf_reset(&d.reply);
				set_outcome(&d, ST_FAILED, "step-timeout", "");
				util_fmt(d.h.detail, sizeof(d.h.detail), "deciding took %.0f ms of CPU "
				    "(limit %ld ms): set aside", used, pipeline_step_limit_ms());
				d.h.lookups = 0;
				d.h.sender_change = ST_SC_NONE;
				d.h.notice = NULL;
			} else if (*d.h.message_id && (rm = state_lookup_content(p->st, d.h.message_id,
			    d.h.raw_sha256, &same)) < 0) {
				s = state_fault(p, "cannot look up a message's content");
				goto out;
			} else if (rm == 1) {
				buf_reset(&d.reply);
				set_outcome(&d, same.outcome, "rematched", "seen before under another id; not answered again");
				d.h.lookups = 0;
				d.h.sender_change = ST_SC_NONE;
				d.h.notice = NULL;
			}
		}
	}
	{
		struct st_reply r;
		int has_reply = d.reply.len > 0;

		memset(&r, 0, sizeof(r));
		r.msgid = d.msgid;
		r.rcpt = d.rcpt;
		r.env_from = p->conf->envelope_from;
		r.kind = d.kind ? d.kind : "answer";
		r.data = d.reply.data;
		r.len = d.reply.len;
		if (state_commit_message(p->st, &d.h, has_reply ? &r : NULL) < 0) {
			if (errno == EEXIST) {
				log_err("msg=%s cannot record: already handled by another process", sid);
				util_fmt(p->err, sizeof(p->err), "a message was handled by another process");
				s = SRC_CONN_TEMP;
			} else
				s = state_fault(p, "cannot record a new question");
			goto out;
		}
	}
	/* counted and logged once the group's transaction commits (pipeline_pass) */
	pd->h = d.h;
	pd->recorded = 1;
	pd->queued = d.reply.len > 0;
	*to_mark = 1;
out:
	buf_free(&raw);
	buf_free(&why);
	decision_free(&d);
	return s;
}

/* Marks the group's messages at the source (the driver may batch them) and records the
 * marks in one transaction. Only called after the group's transaction committed. */
static void
mark_group(struct pipeline *p, struct source *src, struct pend *pd, size_t n)
{
	int64_t ids[PIPELINE_GROUP];
	size_t i, nids = 0;
	char sid[11];

	for (i = 0; i < n; i++) {
		if (pd[i].recorded)
			pipeline_crashpoint("committed");
		if (src->ops->mark(src, &pd[i].it, to_src(pd[i].h.outcome)) != SRC_OK) {
			state_short_id(pd[i].it.id, sid);
			log_warn("msg=%s mark failed: %s (marked again next pass)", sid, src->err);
			continue;
		}
		pipeline_crashpoint("marked");
		ids[nids++] = pd[i].h.id;
	}
	if (state_set_marked_many(p->st, ids, nids) < 0)
		log_warn("cannot record %zu marks: %s", nids, state_errmsg(p->st));
}

/* Tells the source which messages the next group will ask for. The driver skips those over
 * the size limit (never fetched); one already handled before a crash is only re-marked,
 * so at worst a few bodies are read ahead for nothing. */
static void
prefetch_group(struct source *src, const struct src_list *l, size_t from)
{
	size_t n = l->n - from < PIPELINE_GROUP ? l->n - from : PIPELINE_GROUP;

	if (src->ops->prefetch != NULL && n > 1)
		src->ops->prefetch(src, &l->items[from], n);
}

enum src_status
pipeline_pass(struct pipeline *p, struct source *src, struct sender *snd)
{
	struct src_list l;
	struct pend pd[PIPELINE_GROUP];
	enum src_status s;
	size_t i = 0, n;
	int paused = 0;

	memset(&l, 0, sizeof(l));
	s = src->ops->list_new(src, &l);
	if (s != SRC_OK)
		goto out;
	while (i < l.n) {
		int stop = 0;

		prefetch_group(src, &l, i);
		/* one transaction (one fsync) for a group of messages */
		if (state_batch_begin(p->st) < 0) {
			s = state_fault(p, "cannot begin a transaction");
			goto out;
		}
		for (n = 0; n < PIPELINE_GROUP && i < l.n; i++) {
			int to_mark;

			if (p->stop && *p->stop) {      /* SIGTERM: commit what is in hand */
				stop = 1;
				break;
			}
			s = record(p, src, &l.items[i], &pd[n], &to_mark);
			if (to_mark)
				n++;
			if (s == SRC_CONN_TEMP || s == SRC_CONN_FATAL || s == SRC_BOX_BAD) {
				stop = 1;
				break;
			}
			s = SRC_OK;    /* one bad message does not stop the pass */
		}
		if (state_batch_end(p->st) < 0) {
			s = state_fault(p, "cannot commit a group of new questions");
			goto out;
		}
		if (log_group(p, pd, n) && p->queued)
			p->queued(p->queued_ctx);       /* the sender takes them; we go on */
		mark_group(p, src, pd, n);
		/* replies leave while the next group is read */
		if (snd && !paused && pipeline_drain(p, snd) < 0)
			paused = 1;
		if (stop)
			goto out;
	}
out:
	src_list_free(&l);
	return s;
}

/* Global outbound circuit breaker ([rate] global_per_minute): replies the server accepted
 * in the last 60 s, counted per second in memory (a restart starts a new window). When the
 * limit is reached, sending pauses (replies stay queued) and an error is logged once; it
 * resumes, with a log line, when the last minute holds fewer. */
static struct {
	int64_t sec;
	long    n;
} sent_win[60];
static int breaker_open;

static long
sent_last_minute(int64_t now)
{
	long n = 0;

	for (int i = 0; i < 60; i++)
		if (sent_win[i].sec > now - 60 && sent_win[i].sec <= now)
			n += sent_win[i].n;
	return n;
}

static void
sent_note(int64_t now)
{
	int i = (int)(now % 60);

	if (sent_win[i].sec != now) {
		sent_win[i].sec = now;
		sent_win[i].n = 0;
	}
	sent_win[i].n++;
}

/* 1 when the breaker holds the queue. */
static int
breaker_check(struct pipeline *p, int64_t now)
{
	long lim = p->conf->rate_global_minute, n;

	if (lim <= 0) {
		breaker_open = 0;
		return 0;
	}
	n = sent_last_minute(now);
	if (n >= lim) {
		if (!breaker_open)
			log_err("circuit breaker tripped: %ld replies sent in the last minute "
			    "([rate] global_per_minute = %ld); sending paused, replies stay queued", n, lim);
		breaker_open = 1;
		return 1;
	}
	if (breaker_open)
		log_warn("circuit breaker closed: sending resumes");
	breaker_open = 0;
	return 0;
}

/* The server's reply text often echoes the recipient ("554 5.7.1 <a@b>: Recipient address
 * rejected"): for the log, every copy of rcpt (any case) becomes its masked form. */
static const char *
log_detail(const char *detail, const char *rcpt, const char *masked, char *out, size_t outlen)
{
	struct buf b;
	const char *s = detail, *hit;
	size_t n = strlen(rcpt);

	if (n == 0 || util_strcasestr(detail, rcpt) == NULL)
		return detail;
	buf_init(&b, outlen);
	while ((hit = util_strcasestr(s, rcpt)) != NULL) {
		buf_add(&b, s, (size_t)(hit - s));
		buf_addstr(&b, masked);
		s = hit + n;
	}
	buf_addstr(&b, s);
	util_fmt(out, outlen, "%s", buf_cstr(&b));
	buf_free(&b);
	return out;
}

#define DRAIN_BATCH 16

/* State faults seen by the sender (one drain at a time: module state, like the breaker).
 * unrec: replies the server accepted that could not be recorded as sent. While any is
 * held, or a retry/failure could not be recorded, nothing is sent. */
static struct {
	int64_t unrec[2 * DRAIN_BATCH];
	int nunrec;
	int fault;                 /* 1 from the first failed write until one succeeds */
	time_t since, next_try;
	long backoff;              /* seconds: 1, 2, 4 … 60 */
	char why[256];
} sf;

static void
fault_enter(struct pipeline *p, const char *what)
{
	time_t now = time(NULL);

	sf.backoff = sf.fault ? (sf.backoff * 2 > 60 ? 60 : sf.backoff * 2) : 1;
	sf.next_try = now + sf.backoff;
	if (sf.fault)
		return;                   /* logged once, when it began */
	sf.fault = 1;
	sf.since = now;
	util_fmt(sf.why, sizeof(sf.why), "%s: %s", what, state_errmsg(p->st));
	log_err("state DB: %s: sending stops until the state DB can be written (tried again "
	    "with a back-off; accepted replies are held in memory and not sent again)", sf.why);
}

/* 0 when sending may go on: the held replies are recorded (or there were none and a
 * write succeeds); -1 while the fault lasts. */
static int
fault_clear(struct pipeline *p)
{
	time_t now = time(NULL);
	int n = sf.nunrec;

	if (!sf.fault && sf.nunrec == 0)
		return 0;
	if (now < sf.next_try)
		return -1;
	if (sf.nunrec > 0 ? state_sent_many(p->st, sf.unrec, sf.nunrec, (int64_t)now) < 0 :
	    state_check_writable(p->st, NULL) < 0) {
		fault_enter(p, sf.nunrec ? "cannot record sent replies" : "cannot write");
		return -1;
	}
	sf.nunrec = 0;
	sf.fault = 0;
	log_warn("state DB: writable again after %ld s; %d sent replies recorded; sending "
	    "resumes", (long)(now - sf.since), n);
	return 0;
}

int
pipeline_send_fault(char *why, size_t whylen, long *retry_in)
{
	if (!sf.fault)
		return 0;
	util_fmt(why, whylen, "%s (since %ld s, %d sent replies not yet recorded)", sf.why,
	    (long)(time(NULL) - sf.since), sf.nunrec);
	if (retry_in)
		*retry_in = sf.next_try > time(NULL) ? (long)(sf.next_try - time(NULL)) : 0;
	return 1;
}

int
pipeline_drain_finish(struct pipeline *p)
{
	if (sf.nunrec > 0) {
		sf.next_try = 0;
		fault_clear(p);
	}
	if (sf.nunrec > 0)
		log_err("state DB: %d replies were accepted by the SMTP server but cannot be "
		    "recorded: %s; they will be sent again at the next start", sf.nunrec, sf.why);
	return sf.nunrec;
}

struct drain {
	struct pipeline *p;
	struct st_queued *items;
	struct send_job *jobs;
	int64_t now;
	int left, paused, halt, nsent;
	int ok[DRAIN_BATCH], nok;     /* accepted replies not yet recorded (indexes) */
};

/* Records the accepted replies gathered by settle() in one transaction: one fsync for
 * the results that came in together, none of them waiting for a later one. When that
 * fails they are held (sf.unrec) and the drain halts: never sent twice meanwhile. */
static void
record_sent(struct drain *dr)
{
	int64_t ids[DRAIN_BATCH];
	char masked[64];
	int k, recorded = 1;

	if (dr->nok == 0)
		return;
	for (k = 0; k < dr->nok; k++) {
		pipeline_crashpoint("sent");
		ids[k] = dr->items[dr->ok[k]].id;
	}
	if (sf.fault || state_sent_many(dr->p->st, ids, dr->nok, dr->now) < 0) {
		recorded = 0;
		for (k = 0; k < dr->nok && sf.nunrec < (int)(sizeof(sf.unrec) / sizeof(sf.unrec[0])); k++)
			sf.unrec[sf.nunrec++] = ids[k];
		fault_enter(dr->p, "cannot record sent replies");
		dr->halt = 1;
	}
	for (k = 0; k < dr->nok; k++) {
		struct st_queued *q = &dr->items[dr->ok[k]];

		log_addr(q->rcpt, masked, sizeof(masked));
		log_info("queue=%lld to=%s sent%s", (long long)q->id, masked,
		    recorded ? "" : " (not yet recorded)");
	}
	dr->nok = 0;
}

/* The sender's done() callback: job i's outcome; i = -1 when the results that came in
 * together are all in (the accepted ones are then recorded, before the sender waits).
 * Returns 1 when no further job may start (a state fault). */
static int
settle(void *ctx, int i)
{
	struct drain *dr = ctx;
	struct pipeline *p = dr->p;
	struct st_queued *q;
	const char *detail;
	char masked[64], safe[512];

	if (i < 0 || dr->jobs[i].st != SEND_OK)
		record_sent(dr);            /* keep the records in the order the results came */
	if (i < 0)
		return dr->halt;
	q = &dr->items[i];
	detail = dr->jobs[i].detail;
	log_addr(q->rcpt, masked, sizeof(masked));
	switch (dr->jobs[i].st) {
	case SEND_OK:
		sent_note((int64_t)util_now());
		dr->nsent++;
		dr->ok[dr->nok++] = i;
		break;
	case SEND_TEMP:
		if (state_retry(p->st, q->id, detail, dr->now, p->conf->retry_min,
		    p->conf->retry_max, p->conf->give_up) < 0) {
			fault_enter(p, "cannot record a deferred reply");
			dr->halt = 1;
		}
		log_warn("queue=%lld to=%s deferred: %s", (long long)q->id, masked,
		    log_detail(detail, q->rcpt, masked, safe, sizeof(safe)));
		dr->left++;
		break;
	case SEND_PERM:
		if (state_perm_fail(p->st, q->id, detail, dr->now) < 0) {
			fault_enter(p, "cannot record a failed reply");
			dr->halt = 1;
		}
		log_err("queue=%lld to=%s failed permanently: %s", (long long)q->id, masked,
		    log_detail(detail, q->rcpt, masked, safe, sizeof(safe)));
		break;
	case SEND_PAUSE:
		if (state_retry(p->st, q->id, detail, dr->now, p->conf->retry_min,
		    p->conf->retry_max, p->conf->give_up) < 0) {
			fault_enter(p, "cannot record a deferred reply");
			dr->halt = 1;
		}
		log_err("queue paused: %s", log_detail(detail, q->rcpt, masked, safe, sizeof(safe)));
		dr->paused = 1;
		break;
	case SEND_SKIPPED:     /* stays queued, due as before */
		break;
	}
	return dr->halt;
}

int
pipeline_drain(struct pipeline *p, struct sender *snd)
{
	struct st_queued items[DRAIN_BATCH];
	struct send_job jobs[DRAIN_BATCH];
	struct drain dr;
	int n, i;
	long sessions0;

	memset(&dr, 0, sizeof(dr));
	dr.p = p;
	dr.items = items;
	dr.jobs = jobs;
	sessions0 = snd->sessions;
	for (;;) {
		long lim = p->conf->rate_global_minute;

		dr.now = (int64_t)util_now();
		if (p->stop && *p->stop)
			break;
		if (fault_clear(p) < 0) {
			dr.paused = 1;
			break;
		}
		if (breaker_check(p, dr.now)) {
			dr.paused = 1;
			break;
		}
		n = state_next_due(p->st, items, DRAIN_BATCH, dr.now);
		if (n < 0) {
			fault_enter(p, "cannot read the queue");
			dr.paused = 1;
			break;
		}
		if (n == 0)
			break;
		/* no batch may carry the breaker past its limit */
		if (lim > 0 && n > lim - sent_last_minute(dr.now)) {
			int room = (int)(lim - sent_last_minute(dr.now));

			for (i = room; i < n; i++)
				state_queued_free(&items[i]);
			n = room;
		}
		for (i = 0; i < n; i++) {
			memset(&jobs[i], 0, sizeof(jobs[i]));
			jobs[i].id = items[i].msgid;
			jobs[i].env_from = items[i].env_from;
			jobs[i].rcpt = items[i].rcpt;
			jobs[i].data = items[i].data.data;
			jobs[i].len = items[i].data.len;
		}
		if (snd->ops->send_many && n > 1)
			snd->ops->send_many(snd, jobs, n, settle, &dr);
		else
			for (i = 0; i < n; i++) {
				jobs[i].st = dr.paused || dr.halt || (p->stop && *p->stop) ? SEND_SKIPPED :
				    snd->ops->send(snd, jobs[i].id, jobs[i].env_from, jobs[i].rcpt,
				    jobs[i].data, jobs[i].len, jobs[i].detail, sizeof(jobs[i].detail));
				settle(&dr, i);
				settle(&dr, -1);
			}
		settle(&dr, -1);
		for (i = 0; i < n; i++)
			state_queued_free(&items[i]);
		if (dr.left || dr.paused || dr.halt)
			break;
	}
	if (dr.nsent > 0 && strcmp(snd->ops->name, "smtp") == 0)
		log_info("queue: %d replies sent in this drain over %ld new SMTP sessions", dr.nsent,
		    snd->sessions - sessions0);
	return dr.paused || dr.halt ? -1 : dr.left;
}
