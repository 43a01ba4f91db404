/* policy — the answer-or-not verdict with a stable reason code. See policy.h for the rules
 * and their order. Pure: reads only the parsed message's header fields and structure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "limits.h"
#include "policy.h"
#include "util.h"

/* ---- reason codes ---- */

static const struct {
	const char *code;
	const char *text;
} reasons[] = {
	{ "ok", "answered: an ordinary question from an authenticated (or trusted) sender" },
	{ "ok-unauthenticated", "answered although the sender is not authenticated (unauth_action = answer)" },
	{ "unparseable", "not answered: the message could not be parsed" },
	{ "own-loop-header", "not answered: it carries our own loop header (a reply of ours coming back)" },
	{ "own-address", "not answered: it comes from our own address or one of our aliases" },
	{ "too-many-hops", "not answered: too many Received: hops (a mail loop)" },
	{ "dsn", "not answered: a delivery status notification (bounce)" },
	{ "mdn", "not answered: a message disposition notification (read receipt)" },
	{ "report", "not answered: a machine-generated report (multipart/report)" },
	{ "auto-submitted", "not answered: Auto-Submitted says it was sent automatically (RFC 3834)" },
	{ "auto-reply-header", "not answered: a vendor auto-reply header (X-Autoreply and the like)" },
	{ "x-auto-response-suppress", "not answered: X-Auto-Response-Suppress asks for no automatic replies" },
	{ "list-header", "not answered: mailing-list mail (List-* header)" },
	{ "precedence", "not answered: Precedence bulk, list, junk or auto_reply" },
	{ "null-sender", "not answered: null or missing sender (Return-Path <> or no From)" },
	{ "mailer-daemon", "not answered: the sender is MAILER-DAEMON, postmaster, root or a bounce address" },
	{ "list-sender", "not answered: the sender is a list or list-owner address (owner-, -request ...)" },
	{ "noreply-sender", "not answered: the sender is a no-reply address" },
	{ "auto-reply-subject", "not answered: the subject marks an automatic reply (\"Automatic reply:\" ...)" },
	{ "not-addressed-to-us", "not answered: our address is in neither To nor Cc (Bcc, list or misdelivered copy)" },
	{ "auth-fail", "not answered: the sender's From address failed authentication (possibly forged)" },
	{ "auth-missing", "not answered: no Authentication-Results from our own servers, the sender is unverified" },
};

#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

const char *
policy_reason_code(size_t i)
{
	return i < NREASONS ? reasons[i].code : NULL;
}

int
policy_reason_known(const char *code)
{
	size_t i;

	for (i = 0; code && i < NREASONS; i++)
		if (strcmp(reasons[i].code, code) == 0)
			return 1;
	return 0;
}

const char *
policy_reason_text(const char *reason)
{
	size_t i;

	for (i = 0; reason && i < NREASONS; i++)
		if (strcmp(reasons[i].code, reason) == 0)
			return reasons[i].text;
	return "unknown reason code";
}

/* The table's own pointer for a code (so v->reason is always static). */
static const char *
R(const char *code)
{
	size_t i;

	for (i = 0; i < NREASONS; i++)
		if (strcmp(reasons[i].code, code) == 0)
			return reasons[i].code;
	return "unparseable";
}

/* ---- configuration ---- */

void
policy_conf_from(struct policy_conf *pc, const struct conf *c)
{
	memset(pc, 0, sizeof(*pc));
	pc->consultant_address = c->consultant_address;
	pc->aliases = c->aliases;
	pc->authserv_ids = c->authserv_ids;
	pc->internal_hosts = c->internal_hosts;
	pc->require_auth = c->require_auth == CONF_AUTH_ALIGNED ? POLICY_AUTH_ALIGNED :
	    c->require_auth == CONF_AUTH_NONE ? POLICY_AUTH_NONE : POLICY_AUTH_DMARC;
	pc->unauth_action = c->unauth_action == CONF_UNAUTH_ANSWER ? POLICY_UNAUTH_ANSWER :
	    POLICY_UNAUTH_IGNORE;
	pc->max_received = c->max_received;
	pc->require_recipient = c->require_recipient;
	pc->loop_header = c->loop_header;
	pc->honour_reply_to = c->honour_reply_to;
}

static int
list_nonempty(const char *list)
{
	for (; list && *list; list++)
		if (*list != ',' && *list != ' ' && *list != '\t')
			return 1;
	return 0;
}

const char *
policy_conf_warning(const struct policy_conf *pc)
{
	if (!list_nonempty(pc->authserv_ids))
		return "no [policy] authserv_id configured: sender addresses are not authenticated, "
		       "forged From addresses will get answers and use other senders' quotas";
	if (pc->require_auth == POLICY_AUTH_NONE)
		return "[policy] require_auth = none: sender addresses are not required to be "
		       "authenticated, forged From addresses will get answers and use other senders' quotas";
	return NULL;
}

/* ---- small helpers ---- */

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static void
set_detail(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bounded on purpose: a detail is a short note, truncation is acceptable. */
static void
set_detail(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(v->detail, sizeof(v->detail), fmt, ap) < 0)
		v->detail[0] = '\0';
	va_end(ap);
}

/* Copies a message-supplied value for a log line: printable ASCII only, at most n-1 bytes
 * and at most 40 characters. */
static void
sanitize(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	while (src && *src && i + 1 < n && i < 40) {
		unsigned char c = (unsigned char)*src++;

		dst[i++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	if (n)
		dst[i] = '\0';
}

static const struct msg_header *
hdr(const struct message *m, const char *name, size_t idx)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++) {
		const struct msg_header *h = &m->headers[i];

		if (h->name && util_strcaseeq(h->name, name) && idx-- == 0)
			return h;
	}
	return NULL;
}

static const char *
hval(const struct message *m, const char *name)
{
	const struct msg_header *h = hdr(m, name, 0);

	return h ? (h->value ? h->value : "") : NULL;
}

static size_t
hcount(const struct message *m, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < m->nheaders; i++)
		if (m->headers[i].name && util_strcaseeq(m->headers[i].name, name))
			n++;
	return n;
}

/* Skips white space and (nested) comments. */
static const char *
skip_cfws(const char *p)
{
	for (;;) {
		if (is_ws((unsigned char)*p)) {
			p++;
		} else if (*p == '(') {
			int depth = 0;

			do {
				if (*p == '\\' && p[1]) {
					p += 2;
					continue;
				}
				if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (*p && depth > 0);
		} else {
			return p;
		}
	}
}

/* First token of a header value (comments skipped) into out, lower-cased; stops at white
 * space, ';', ',', '(' . */
static void
first_token(const char *v, char *out, size_t n)
{
	size_t i = 0;

	v = skip_cfws(v);
	while (*v && !is_ws((unsigned char)*v) && *v != ';' && *v != ',' && *v != '(' &&
	       i + 1 < n)
		out[i++] = (char)lc((unsigned char)*v++);
	out[i] = '\0';
}

/* Local part (before the last '@') of addr into out; "" when it does not fit. */
static void
local_part(const char *addr, char *out, size_t n)
{
	const char *at = strrchr(addr, '@');
	size_t len = at ? (size_t)(at - addr) : strlen(addr);

	if (len >= n)
		len = 0;
	memcpy(out, addr, len);
	out[len] = '\0';
}

/* Lower-cased domain (after the last '@', or the whole string when there is none) into out,
 * without a trailing dot; "" when it does not fit. */
static void
domain_of(const char *addr, char *out, size_t n)
{
	const char *at = strrchr(addr, '@');
	const char *d = at ? at + 1 : addr;
	size_t len = strlen(d), i;

	while (len > 0 && d[len - 1] == '.')
		len--;
	if (len >= n)
		len = 0;
	for (i = 0; i < len; i++)
		out[i] = (char)lc((unsigned char)d[i]);
	out[len] = '\0';
}

/* Return-Path value -> the address inside <>; returns 1 for the null path "<>". */
static int
return_path_addr(const char *v, char *out, size_t n)
{
	const char *lt = strchr(v, '<');
	const char *s, *e;
	size_t len;

	out[0] = '\0';
	if (lt) {
		s = lt + 1;
		e = strchr(s, '>');
		if (!e)
			e = s + strlen(s);
	} else {
		s = skip_cfws(v);
		e = s;
		while (*e && !is_ws((unsigned char)*e) && *e != '(')
			e++;
	}
	while (s < e && is_ws((unsigned char)*s))
		s++;
	while (e > s && is_ws((unsigned char)e[-1]))
		e--;
	len = (size_t)(e - s);
	if (len == 0)
		return 1;
	if (len < n) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	return 0;
}

/* ---- our own addresses ---- */

/* 1 if domains a and b are the same name (case-insensitive, trailing dots ignored). */
static int
same_domain(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 0 && a[la - 1] == '.')
		la--;
	while (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && la > 0 && util_strncaseeq(a, b, la);
}

/* 1 if cand is ours: equal to ours (case-insensitive, a trailing dot of the domain
 * ignored), also after dropping a +detail; a %-hack ("consult%codes.example@relay") is
 * read as the address it routes to. */
static int
addr_matches(const char *cand, const char *ours)
{
	const char *cat, *oat, *plus, *pct;
	size_t clen, olen;

	if (!cand || !ours || !*cand || !*ours)
		return 0;
	if (util_strcaseeq(cand, ours))
		return 1;
	cat = strrchr(cand, '@');
	oat = strrchr(ours, '@');
	if (!cat || !oat)
		return 0;
	pct = NULL;
	for (const char *p = cand; p < cat; p++)
		if (*p == '%')
			pct = p;
	if (pct) {                      /* local%domain@relay: the part before '@' routes */
		char routed[LIM_ADDR_LEN + 1];
		size_t n = (size_t)(cat - cand);

		if (n >= sizeof(routed))
			return 0;
		memcpy(routed, cand, n);
		routed[n] = '\0';
		routed[pct - cand] = '@';
		return addr_matches(routed, ours);
	}
	if (!same_domain(cat + 1, oat + 1))
		return 0;
	plus = memchr(cand, '+', (size_t)(cat - cand));
	clen = plus ? (size_t)(plus - cand) : (size_t)(cat - cand);
	olen = (size_t)(oat - ours);
	return clen == olen && util_strncaseeq(cand, ours, clen);
}

static int
ours_cb(void *ctx, const char *item)
{
	return addr_matches((const char *)ctx, item);
}

static int
is_ours(const struct policy_conf *pc, const char *cand)
{
	if (!cand || !*cand)
		return 0;
	if (pc->consultant_address && *pc->consultant_address &&
	    addr_matches(cand, pc->consultant_address))
		return 1;
	return conf_list_each(pc->aliases, ours_cb, (void *)cand) == 1;
}

/* 1 if any address-like word of an X-Loop value (split at white space, ',', '<', '>',
 * '(' and ')') is ours. */
static int
x_loop_is_ours(const struct policy_conf *pc, const char *v)
{
	char word[LIM_ADDR_LEN + 1];

	while (v && *v) {
		size_t n = strcspn(v, " \t\r\n,<>()");

		if (n > 0 && n < sizeof(word)) {
			memcpy(word, v, n);
			word[n] = '\0';
			if (strchr(word, '@') && is_ours(pc, word))
				return 1;
		}
		v += n;
		if (*v)
			v++;
	}
	return 0;
}

static int
addressed_to_us(const struct message *m, const struct policy_conf *pc)
{
	size_t i;

	for (i = 0; i < m->nto; i++)
		if (m->to && is_ours(pc, m->to[i].addr))
			return 1;
	for (i = 0; i < m->ncc; i++)
		if (m->cc && is_ours(pc, m->cc[i].addr))
			return 1;
	return 0;
}

/* ---- robot senders ---- */

static int
ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && util_strcaseeq(s + n - k, suffix);
}

/* Classifies a local part: NULL (a person, as far as we can tell) or a reason code. */
static const char *
robot_local_part(const char *local)
{
	static const char *const daemons[] = { "mailer-daemon", "postmaster", "double-bounce",
	                                       "bounce", "bounces", "root" };
	static const char *const lists[] = { "listserv", "majordomo", "majordom", "listproc",
	                                     "mailman" };
	char base[LIM_ADDR_LEN + 1], norm[LIM_ADDR_LEN + 1];
	const char *plus;
	size_t i, j, n;

	if (!*local)
		return NULL;
	plus = strchr(local, '+');
	n = plus ? (size_t)(plus - local) : strlen(local);
	if (n >= sizeof(base))
		return NULL;
	memcpy(base, local, n);
	base[n] = '\0';
	for (i = j = 0; i < n; i++)      /* mailer_daemon, mailer.daemon: mailer-daemon */
		norm[j++] = base[i] == '_' || base[i] == '.' ? '-' : base[i];
	norm[j] = '\0';
	for (i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++)
		if (util_strcaseeq(base, daemons[i]) || util_strcaseeq(norm, daemons[i]))
			return "mailer-daemon";
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (util_strcaseeq(base, lists[i]))
			return "list-sender";
	if ((n > 6 && util_strncaseeq(base, "owner-", 6)) || ends_with_ci(base, "-request") ||
	    ends_with_ci(base, "-owner") || ends_with_ci(base, "-bounces"))
		return "list-sender";
	for (i = j = 0; i < n; i++)
		if (base[i] != '-' && base[i] != '_' && base[i] != '.')
			norm[j++] = (char)lc((unsigned char)base[i]);
	norm[j] = '\0';
	if (strstr(norm, "noreply") || strstr(norm, "donotreply"))
		return "noreply-sender";
	return NULL;
}

/* ---- header rules ---- */

static int
value_in_list(const char *v, const char *const *list, size_t n)
{
	char tok[32];
	size_t i;

	first_token(v, tok, sizeof(tok));
	for (i = 0; i < n; i++)
		if (strcmp(tok, list[i]) == 0)
			return 1;
	return 0;
}

static const char *const bulk_values[] = { "bulk", "list", "junk", "auto_reply", "auto-reply" };
#define NBULK (sizeof(bulk_values) / sizeof(bulk_values[0]))

/* X-Auto-Response-Suppress: a comma list of All, DR, NDR, RN, NRN, OOF, AutoReply. */
static int
suppress_autoreply(const char *v)
{
	const char *p = v;

	while (*p) {
		char tok[32];
		size_t i = 0;

		while (*p == ',' || is_ws((unsigned char)*p))
			p++;
		while (*p && *p != ',' && !is_ws((unsigned char)*p) && i + 1 < sizeof(tok))
			tok[i++] = (char)lc((unsigned char)*p++);
		tok[i] = '\0';
		while (*p && *p != ',')
			p++;
		if (strcmp(tok, "all") == 0 || strcmp(tok, "oof") == 0 ||
		    strcmp(tok, "autoreply") == 0)
			return 1;
	}
	return 0;
}

/* A vendor auto-reply header: returns its name, or NULL. */
static const char *
vendor_autoreply(const struct message *m, char *val, size_t n)
{
	static const char *const names[] = { "X-Autoreply", "X-Autorespond", "X-Auto-Reply",
	                                     "X-Autoresponder", "X-AutoReply-From",
	                                     "X-Mail-Autoreply", "X-Autogenerated",
	                                     /* Exchange: an inbox rule forwarded or answered it */
	                                     "X-MS-Exchange-Inbox-Rules-Loop",
	                                     /* FirstClass */
	                                     "X-FC-MachineGenerated" };
	size_t i, k;

	for (i = 0; i < m->nheaders; i++) {
		const struct msg_header *h = &m->headers[i];
		const char *v = h->value ? h->value : "";

		if (!h->name)
			continue;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			char tok[16];

			if (!util_strcaseeq(h->name, names[k]))
				continue;
			first_token(v, tok, sizeof(tok));
			if (strcmp(tok, "no") == 0 || strcmp(tok, "false") == 0 ||
			    strcmp(tok, "0") == 0)
				continue;
			/* the detail is logged: an address (X-AutoReply-From, the Exchange
			 * rules loop names the mailbox) is not copied */
			sanitize(val, n, strchr(v, '@') ? "(an address)" : v);
			return names[k];
		}
		if (util_strcaseeq(h->name, "X-Precedence") && value_in_list(v, bulk_values, NBULK)) {
			sanitize(val, n, v);
			return "X-Precedence";
		}
		/* Novell GroupWise / IBM: "X-POST-MessageClass: 9; Autoresponder" */
		if (util_strcaseeq(h->name, "X-POST-MessageClass") &&
		    util_strcasestr(v, "autoresponder") != NULL) {
			sanitize(val, n, v);
			return "X-POST-MessageClass";
		}
	}
	return NULL;
}

static int
auto_reply_subject(const char *s)
{
	static const char *const prefixes[] = {
		"automatic reply:", "auto-reply:", "autoreply:", "auto reply:", "auto response:",
		"auto-response:", "autoresponse:", "out of office:", "out of office autoreply:",
		"out of office reply:", "abwesenheitsnotiz:", "automatische antwort:",
		"r\xc3\xa9ponse automatique", "respuesta autom\xc3\xa1tica", "automatisch antwoord:",
		"autosvar:", "risposta automatica:", "resposta autom\xc3\xa1tica",
		"abwesend:", "on vacation:", "vacation reply:", "away from my mail:",
	};
	/* reply and forward prefixes an autoresponder puts in front ("Re: Automatic reply:") */
	static const char *const re[] = { "re:", "aw:", "sv:", "antw:", "fw:", "fwd:", "wg:", "tr:" };
	size_t i, k;

	if (!s)
		return 0;
	for (k = 0; k < 8; k++) {        /* a few nested prefixes, not a loop over the subject */
		int strip = 0;

		while (is_ws((unsigned char)*s))
			s++;
		for (i = 0; i < sizeof(re) / sizeof(re[0]); i++)
			if (util_strncaseeq(s, re[i], strlen(re[i]))) {
				s += strlen(re[i]);
				strip = 1;
				break;
			}
		if (!strip)
			break;
	}
	while (is_ws((unsigned char)*s))
		s++;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (util_strncaseeq(s, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* ---- Authentication-Results (RFC 8601) ---- */

static int
is_kw(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* A keyword, lower-cased and truncated into out (which may be NULL to discard). */
static const char *
read_kw(const char *p, char *out, size_t n)
{
	size_t i = 0;

	while (is_kw((unsigned char)*p)) {
		if (out && i + 1 < n)
			out[i++] = (char)lc((unsigned char)*p);
		p++;
	}
	if (out && n)
		out[i] = '\0';
	return p;
}

static const char *
skip_quoted(const char *p)
{
	p++;
	while (*p && *p != '"') {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return *p == '"' ? p + 1 : p;
}

static const char *
skip_to_semi(const char *p)
{
	while (*p && *p != ';') {
		if (*p == '(')
			p = skip_cfws(p);
		else if (*p == '"')
			p = skip_quoted(p);
		else
			p++;
	}
	return p;
}

/* A value (token, quoted string, or local-part@domain) into out, unquoted. Sets *over when
 * it did not fit. Stops at white space, ';' and '('. */
static const char *
read_pvalue(const char *p, char *out, size_t n, int *over)
{
	size_t i = 0;

	*over = 0;
	while (*p && !is_ws((unsigned char)*p) && *p != ';' && *p != '(') {
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				if (i + 1 < n)
					out[i++] = *p;
				else
					*over = 1;
				p++;
			}
			if (*p == '"')
				p++;
			else
				*over = 1;      /* unterminated: not a value */
			continue;
		}
		if (i + 1 < n)
			out[i++] = *p;
		else
			*over = 1;
		p++;
	}
	out[i] = '\0';
	return p;
}

static void
store_prop(struct policy_ar_result *r, const char *ptype, const char *prop, const char *val)
{
	char *dst = NULL;

	if (strcmp(ptype, "header") == 0 && strcmp(prop, "from") == 0)
		dst = r->header_from;
	else if (strcmp(ptype, "header") == 0 && strcmp(prop, "d") == 0)
		dst = r->header_d;
	else if (strcmp(ptype, "header") == 0 && strcmp(prop, "i") == 0)
		dst = r->header_i;
	else if (strcmp(ptype, "smtp") == 0 && strcmp(prop, "mailfrom") == 0)
		dst = r->smtp_mailfrom;
	if (dst)
		domain_of(val, dst, POLICY_AR_DOMAIN);
}

int
policy_ar_parse(const char *value, struct policy_ar *ar)
{
	const char *p;
	size_t i = 0;
	int over = 0;

	memset(ar, 0, sizeof(*ar));
	if (!value)
		return -1;
	p = skip_cfws(value);
	/* authserv-id: a token or a quoted string */
	if (*p == '"') {
		p = read_pvalue(p, ar->authserv_id, sizeof(ar->authserv_id), &over);
		for (i = 0; ar->authserv_id[i]; i++)
			ar->authserv_id[i] = (char)lc((unsigned char)ar->authserv_id[i]);
	} else {
		while (*p && !is_ws((unsigned char)*p) && !strchr("()<>@,;:\\\"/[]?=", *p)) {
			if (i + 1 < sizeof(ar->authserv_id))
				ar->authserv_id[i++] = (char)lc((unsigned char)*p);
			else
				over = 1;
			p++;
		}
		ar->authserv_id[i] = '\0';
	}
	p = skip_cfws(p);
	if (ar->authserv_id[0] == '\0' || over || (*p != ';' && *p != '\0' && !is_kw((unsigned char)*p))) {
		/* no authserv-id (e.g. "spf=pass ..." as some providers write it) */
		memset(ar, 0, sizeof(*ar));
		return -1;
	}
	if (*p >= '0' && *p <= '9') {          /* authres-version */
		p = read_kw(p, NULL, 0);
		p = skip_cfws(p);
	}
	if (*p != ';' && *p != '\0') {
		/* a second word where ";" belongs: not an authserv-id after all */
		memset(ar, 0, sizeof(*ar));
		return -1;
	}
	while (*p) {
		struct policy_ar_result tmp, *r;
		char method[POLICY_AR_TOKEN];

		p = skip_to_semi(p);
		if (*p != ';')
			break;
		p = skip_cfws(p + 1);
		p = read_kw(p, method, sizeof(method));
		if (method[0] == '\0')
			continue;
		p = skip_cfws(p);
		if (strcmp(method, "none") == 0 && (*p == ';' || *p == '\0'))
			continue;
		if (*p == '/') {                /* method version */
			p = skip_cfws(p + 1);
			p = read_kw(p, NULL, 0);
			p = skip_cfws(p);
		}
		if (*p != '=')
			continue;
		p = skip_cfws(p + 1);
		r = ar->nresults < POLICY_AR_MAX_RESULTS ? &ar->results[ar->nresults] : &tmp;
		memset(r, 0, sizeof(*r));
		memcpy(r->method, method, sizeof(r->method));
		p = read_kw(p, r->result, sizeof(r->result));
		if (r->result[0] == '\0')
			continue;
		if (r == &tmp)
			ar->truncated = 1;
		else
			ar->nresults++;
		/* reasonspec / propspecs / unknown key=value items, up to the next ';' */
		for (;;) {
			char ptype[POLICY_AR_TOKEN], prop[POLICY_AR_TOKEN], val[POLICY_AR_DOMAIN];

			p = skip_cfws(p);
			if (*p == '\0' || *p == ';')
				break;
			p = read_kw(p, ptype, sizeof(ptype));
			if (ptype[0] == '\0') {
				p = *p == '"' ? skip_quoted(p) : p + 1;
				continue;
			}
			p = skip_cfws(p);
			if (*p == '.') {
				p = skip_cfws(p + 1);
				p = read_kw(p, prop, sizeof(prop));
				p = skip_cfws(p);
				if (*p != '=')
					continue;
				p = skip_cfws(p + 1);
				p = read_pvalue(p, val, sizeof(val), &over);
				if (!over && prop[0])
					store_prop(r, ptype, prop, val);
			} else if (*p == '=') {
				p = skip_cfws(p + 1);
				p = read_pvalue(p, val, sizeof(val), &over);
			}
		}
	}
	return 0;
}

static size_t
count_labels(const char *d)
{
	size_t n = 1;

	for (; *d; d++)
		if (*d == '.')
			n++;
	return n;
}

int
policy_domain_aligned(const char *a, const char *b)
{
	size_t la, lb;
	const char *longer, *shorter;
	size_t ll, ls;

	if (!a || !b || !*a || !*b)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	if (la >= lb) {
		longer = a; ll = la; shorter = b; ls = lb;
	} else {
		longer = b; ll = lb; shorter = a; ls = la;
	}
	if (count_labels(shorter) < 2 || shorter[0] == '.' || shorter[ls - 1] == '.')
		return 0;
	if (ll == ls)
		return util_strcaseeq(a, b);
	return longer[ll - ls - 1] == '.' && util_strcaseeq(longer + ll - ls, shorter);
}

struct authinfo {
	int trusted_fields;     /* trusted A-R fields seen */
	int below_fields;       /* A-R fields with our id below the trusted zone (ignored) */
	int ignored_fields;     /* A-R fields from other authserv-ids (or none) */
	int seen;               /* a trusted dmarc/dkim/spf result */
	int dmarc_pass, dmarc_fail, dmarc_nonpass, dmarc_other_domain;
	int dkim_pass, spf_pass, spf_nonpass;
	char first_bad[48];     /* e.g. "dmarc=fail" for the detail */
};

static void
note_bad(struct authinfo *ai, const struct policy_ar_result *r)
{
	if (ai->first_bad[0] == '\0')
		snprintf(ai->first_bad, sizeof(ai->first_bad), "%s=%s", r->method, r->result);
}

/* The host after "by" in a Received value, lower-cased, without a trailing dot; "" if
 * none. */
static void
received_by(const char *v, char *out, size_t n)
{
	const char *p = v;

	out[0] = '\0';
	while (*p) {
		p = skip_cfws(p);
		if ((p == v || is_ws((unsigned char)p[-1]) || p[-1] == ')') &&
		    util_strncaseeq(p, "by", 2) && is_ws((unsigned char)p[2])) {
			size_t i = 0;

			p = skip_cfws(p + 2);
			while (*p && !is_ws((unsigned char)*p) && *p != ';' && *p != '(' && i + 1 < n)
				out[i++] = (char)lc((unsigned char)*p++);
			while (i > 0 && out[i - 1] == '.')
				i--;
			out[i] = '\0';
			return;
		}
		if (*p == '"')
			p = skip_quoted(p);
		else if (*p)
			p++;
	}
}

/* 1 when a Received field counts as written inside our own system: always when no
 * internal_hosts are configured (then only the position of our A-R fields is used), else
 * when its "by" host is one of internal_hosts or authserv_ids. */
static int
received_by_us(const struct policy_conf *pc, const char *v)
{
	char host[POLICY_AR_DOMAIN];

	if (!list_nonempty(pc->internal_hosts))
		return 1;
	received_by(v, host, sizeof(host));
	return *host && (conf_list_has(pc->internal_hosts, host) ||
	    conf_list_has(pc->authserv_ids, host));
}

static void
auth_collect(const struct message *m, const struct policy_conf *pc, const char *from_domain,
             struct authinfo *ai)
{
	struct policy_ar ar;
	size_t i, k;
	int ours_seen = 0, closed = 0;

	for (i = 0; i < m->nheaders; i++) {
		const struct msg_header *h = &m->headers[i];
		const char *raw;

		if (!h->name)
			continue;
		if (util_strcaseeq(h->name, "Received")) {
			/* the trusted zone ends at the first Received field below one of our A-R
			 * fields, or at one added by a host that is not ours (internal_hosts) */
			if (ours_seen || !received_by_us(pc, h->value ? h->value : ""))
				closed = 1;
			continue;
		}
		if (!util_strcaseeq(h->name, "Authentication-Results"))
			continue;
		raw = h->raw ? h->raw : h->value;
		if (policy_ar_parse(raw, &ar) != 0 || !conf_list_has(pc->authserv_ids, ar.authserv_id)) {
			ai->ignored_fields++;
			continue;
		}
		if (closed) {                   /* our id below the trusted zone: forged */
			ai->ignored_fields++;
			ai->below_fields++;
			continue;
		}
		ours_seen = 1;
		ai->trusted_fields++;
		for (k = 0; k < ar.nresults; k++) {
			const struct policy_ar_result *r = &ar.results[k];
			int pass = strcmp(r->result, "pass") == 0;

			if (strcmp(r->method, "dmarc") == 0) {
				/* a pass must name the From domain; any other result (fail, none,
				 * temperror ...) vetoes a pass in another field */
				ai->seen = 1;
				if (pass && r->header_from[0] && strcmp(r->header_from, from_domain) == 0) {
					ai->dmarc_pass = 1;
				} else if (pass) {
					ai->dmarc_other_domain = 1;
					note_bad(ai, r);
				} else {
					/* fail vetoes every method; none, temperror ... veto a
					 * dmarc=pass (dkim/spf alignment still counts in aligned mode) */
					if (strcmp(r->result, "fail") == 0)
						ai->dmarc_fail = 1;
					else
						ai->dmarc_nonpass = 1;
					note_bad(ai, r);
				}
			} else if (strcmp(r->method, "dkim") == 0) {
				const char *d = r->header_d[0] ? r->header_d : r->header_i;

				ai->seen = 1;
				if (pass && policy_domain_aligned(d, from_domain))
					ai->dkim_pass = 1;
				else
					note_bad(ai, r);
			} else if (strcmp(r->method, "spf") == 0) {
				ai->seen = 1;
				if (!r->smtp_mailfrom[0])
					continue;       /* a HELO-only result says nothing of From */
				if (pass && policy_domain_aligned(r->smtp_mailfrom, from_domain)) {
					ai->spf_pass = 1;
				} else if (!pass) {
					ai->spf_nonpass = 1;
					note_bad(ai, r);
				} else {
					note_bad(ai, r);
				}
			}
		}
	}
}

static void
auth_evaluate(const struct message *m, const struct policy_conf *pc, struct verdict *v,
              char *why, size_t whylen)
{
	struct authinfo ai;
	char from_domain[POLICY_AR_DOMAIN];
	int aligned_rules = pc->require_auth != POLICY_AUTH_DMARC;

	memset(&ai, 0, sizeof(ai));
	v->authenticated = 0;
	v->auth_method = "";
	why[0] = '\0';
	if (!list_nonempty(pc->authserv_ids)) {
		v->auth_state = POLICY_AS_UNCONFIGURED;
		snprintf(why, whylen, "no authserv_id configured");
		return;
	}
	domain_of(m->from.addr ? m->from.addr : "", from_domain, sizeof(from_domain));
	auth_collect(m, pc, from_domain, &ai);
	if (!ai.seen) {
		v->auth_state = POLICY_AS_MISSING;
		snprintf(why, whylen, "no trusted Authentication-Results (%d trusted field(s) "
		         "without dmarc/dkim/spf, %d foreign ignored, %d of ours below a Received)",
		         ai.trusted_fields, ai.ignored_fields, ai.below_fields);
		return;
	}
	v->auth_state = POLICY_AS_FAIL;
	if (hcount(m, "From") > 1 || !from_domain[0]) {
		snprintf(why, whylen, "%s", from_domain[0] ? "more than one From field"
		                                           : "no From domain");
		return;
	}
	if (ai.dmarc_fail || ai.dmarc_other_domain) {
		snprintf(why, whylen, "trusted %s", ai.first_bad[0] ? ai.first_bad : "dmarc=fail");
		return;
	}
	if (ai.dmarc_pass && !ai.dmarc_nonpass) {
		v->auth_method = "dmarc";
	} else if (aligned_rules && ai.dkim_pass) {
		v->auth_method = "dkim";
	} else if (aligned_rules && ai.spf_pass && !ai.spf_nonpass) {
		v->auth_method = "spf";
	} else {
		snprintf(why, whylen, "no %s pass from a trusted authserv-id%s%s",
		         aligned_rules ? "aligned dmarc/dkim/spf" : "dmarc",
		         ai.first_bad[0] ? ", saw " : "", ai.first_bad);
		return;
	}
	v->auth_state = POLICY_AS_PASS;
	v->authenticated = 1;
	snprintf(why, whylen, "%s=pass", v->auth_method);
}

static const char *
auth_state_text(enum policy_auth_state s)
{
	switch (s) {
	case POLICY_AS_UNCONFIGURED: return "unconfigured";
	case POLICY_AS_MISSING:      return "missing";
	case POLICY_AS_FAIL:         return "fail";
	case POLICY_AS_PASS:         return "pass";
	}
	return "unconfigured";
}

/* ---- the verdict ---- */

/* A delivery status part below the top level (a bounce wrapped in multipart/mixed by a
 * gateway or a forwarding rule): the part's type, or NULL. */
static const char *
nested_dsn(const struct message *m)
{
	size_t i;

	for (i = 0; m->attachments && i < m->nattachments; i++) {
		const char *ct = m->attachments[i].content_type;

		if (ct && (util_strcaseeq(ct, "message/delivery-status") ||
		    util_strcaseeq(ct, "message/global-delivery-status")))
			return util_strcaseeq(ct, "message/delivery-status") ? "message/delivery-status" :
			    "message/global-delivery-status";
	}
	return NULL;
}

static int
say_no(struct verdict *v, const char *code)
{
	v->answer = 0;
	v->reason = R(code);
	return 0;
}

int
policy_check(const struct message *m, const struct policy_conf *pc, struct verdict *v)
{
	char val[48], local[LIM_ADDR_LEN + 1], rp[LIM_ADDR_LEN + 1], why[128];
	const struct msg_header *h;
	const char *from, *replyto, *s, *code, *name;
	size_t i, n;
	int null_rp = 0, have_rp = 0;

	if (!v)
		return -1;
	memset(v, 0, sizeof(*v));
	v->reason = R("unparseable");
	v->auth_method = "";
	v->auth_state_text = auth_state_text(POLICY_AS_UNCONFIGURED);
	if (!m || !pc) {
		set_detail(v, "no message or no policy settings");
		return -1;
	}

	auth_evaluate(m, pc, v, why, sizeof(why));
	v->auth_state_text = auth_state_text(v->auth_state);
	v->identity_trusted = v->authenticated || v->auth_state == POLICY_AS_UNCONFIGURED ||
	                      pc->require_auth == POLICY_AUTH_NONE;
	from = m->from.addr ? m->from.addr : "";

	/* 1. */
	if (m->error) {
		set_detail(v, "parser error %d", m->error);
		return say_no(v, "unparseable");
	}
	/* 2. loops */
	if (pc->loop_header && *pc->loop_header && hdr(m, pc->loop_header, 0)) {
		set_detail(v, "%s present", pc->loop_header);
		return say_no(v, "own-loop-header");
	}
	for (i = 0; (h = hdr(m, "X-Loop", i)) != NULL; i++)
		if (x_loop_is_ours(pc, h->value)) {
			set_detail(v, "X-Loop names our address");
			return say_no(v, "own-loop-header");
		}
	/* 3. */
	if (is_ours(pc, from)) {
		set_detail(v, "From is our own address or alias");
		return say_no(v, "own-address");
	}
	replyto = pc->honour_reply_to && m->reply_to.addr ? m->reply_to.addr : "";
	if (is_ours(pc, replyto)) {
		set_detail(v, "Reply-To is our own address or alias");
		return say_no(v, "own-address");
	}
	/* 4. */
	n = hcount(m, "Received");
	if (pc->max_received > 0 && n > (size_t)pc->max_received) {
		set_detail(v, "%zu Received: fields, limit %ld", n, pc->max_received);
		return say_no(v, "too-many-hops");
	}
	/* 5.-7. reports */
	if ((s = nested_dsn(m)) != NULL) {
		set_detail(v, "%s part inside %s", s, m->content_type ? m->content_type : "the message");
		return say_no(v, "dsn");
	}
	if (m->content_type) {
		const char *ct = m->content_type, *rt = m->report_type ? m->report_type : "";

		if ((util_strcaseeq(ct, "multipart/report") && util_strcaseeq(rt, "delivery-status")) ||
		    util_strcaseeq(ct, "message/delivery-status") ||
		    util_strcaseeq(ct, "message/global-delivery-status")) {
			set_detail(v, "%s%s%s", ct, *rt ? "; report-type=" : "", rt);
			return say_no(v, "dsn");
		}
		if ((util_strcaseeq(ct, "multipart/report") &&
		     util_strcaseeq(rt, "disposition-notification")) ||
		    util_strcaseeq(ct, "message/disposition-notification") ||
		    util_strcaseeq(ct, "message/global-disposition-notification")) {
			set_detail(v, "%s%s%s", ct, *rt ? "; report-type=" : "", rt);
			return say_no(v, "mdn");
		}
		if (util_strcaseeq(ct, "multipart/report")) {
			sanitize(val, sizeof(val), rt);
			set_detail(v, "multipart/report; report-type=%s", *val ? val : "(none)");
			return say_no(v, "report");
		}
	}
	/* 8. */
	for (i = 0; (h = hdr(m, "Auto-Submitted", i)) != NULL; i++) {
		const char *as = h->value;
		char tok[16];

		first_token(as ? as : "", tok, sizeof(tok));
		if (strcmp(tok, "no") != 0) {
			sanitize(val, sizeof(val), as);
			set_detail(v, "Auto-Submitted: %s", val);
			return say_no(v, "auto-submitted");
		}
	}
	/* 9. */
	if ((name = vendor_autoreply(m, val, sizeof(val))) != NULL) {
		set_detail(v, "%s: %s", name, val);
		return say_no(v, "auto-reply-header");
	}
	/* 10. */
	for (i = 0; (h = hdr(m, "X-Auto-Response-Suppress", i)) != NULL; i++) {
		const char *xs = h->value;

		if (xs && suppress_autoreply(xs)) {
			sanitize(val, sizeof(val), xs);
			set_detail(v, "X-Auto-Response-Suppress: %s", val);
			return say_no(v, "x-auto-response-suppress");
		}
	}
	/* 11. */
	for (i = 0; i < m->nheaders; i++) {
		const char *hn = m->headers[i].name;

		if (hn && ((strlen(hn) > 5 && util_strncaseeq(hn, "List-", 5)) ||
		    util_strcaseeq(hn, "Mailing-List") || util_strcaseeq(hn, "X-Mailing-List") ||
		    util_strcaseeq(hn, "X-List"))) {
			sanitize(val, sizeof(val), hn);
			set_detail(v, "%s present", val);
			return say_no(v, "list-header");
		}
	}
	/* 12. */
	for (i = 0; (h = hdr(m, "Precedence", i)) != NULL; i++)  /* every field, not the first */
		if (h->value && value_in_list(h->value, bulk_values, NBULK)) {
			sanitize(val, sizeof(val), h->value);
			set_detail(v, "Precedence: %s", val);
			return say_no(v, "precedence");
		}
	/* 13. */
	if ((s = hval(m, "Return-Path")) != NULL) {
		have_rp = 1;
		null_rp = return_path_addr(s, rp, sizeof(rp));
	}
	if (!*from || !strchr(from, '@') || null_rp) {
		set_detail(v, "%s", null_rp ? "Return-Path: <>" : "no From address");
		return say_no(v, "null-sender");
	}
	/* 14.-16. */
	local_part(from, local, sizeof(local));
	if ((code = robot_local_part(local)) != NULL) {
		sanitize(val, sizeof(val), local);
		set_detail(v, "From local part \"%s\"", val);
		return say_no(v, code);
	}
	if (have_rp && rp[0]) {
		local_part(rp, local, sizeof(local));
		if ((code = robot_local_part(local)) != NULL) {
			sanitize(val, sizeof(val), local);
			set_detail(v, "Return-Path local part \"%s\"", val);
			return say_no(v, code);
		}
	}
	if (m->sender.addr && *m->sender.addr) {
		local_part(m->sender.addr, local, sizeof(local));
		if ((code = robot_local_part(local)) != NULL) {
			sanitize(val, sizeof(val), local);
			set_detail(v, "Sender local part \"%s\"", val);
			return say_no(v, code);
		}
	}
	if (*replyto) {
		local_part(replyto, local, sizeof(local));
		if ((code = robot_local_part(local)) != NULL) {
			sanitize(val, sizeof(val), local);
			set_detail(v, "Reply-To local part \"%s\"", val);
			return say_no(v, code);
		}
	}
	/* 17. */
	if (auto_reply_subject(m->subject)) {
		set_detail(v, "Subject has an auto-reply prefix");
		return say_no(v, "auto-reply-subject");
	}
	/* 18. */
	if (pc->require_recipient && !addressed_to_us(m, pc)) {
		set_detail(v, "our address is in neither To (%zu) nor Cc (%zu)", m->nto, m->ncc);
		return say_no(v, "not-addressed-to-us");
	}
	/* 19. */
	if (pc->require_auth != POLICY_AUTH_NONE &&
	    (v->auth_state == POLICY_AS_FAIL || v->auth_state == POLICY_AS_MISSING)) {
		set_detail(v, "%s", why);
		if (pc->unauth_action == POLICY_UNAUTH_IGNORE)
			return say_no(v, v->auth_state == POLICY_AS_FAIL ? "auth-fail" : "auth-missing");
		v->answer = 1;
		v->reason = R("ok-unauthenticated");
		return 1;
	}
	set_detail(v, "%s", why);
	v->answer = 1;
	v->reason = R("ok");
	return 1;
}
