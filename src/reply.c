/* reply — see reply.h. */
#include "reply.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "limits.h"
#include "message.h"
#include "mime.h"
#include "util.h"

static int
is_prefix(const char *s, size_t *len)
{
	/* Re:, RE:, Fwd:, Fw:, AW:, SV:, VS:, Antw:, Re[2]:, Re(2): and a following space */
	static const char *pfx[] = { "re", "fwd", "fw", "aw", "sv", "vs", "antw", "wg", "tr", "r" };
	size_t i, n;

	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		n = strlen(pfx[i]);
		if (!util_strncaseeq(s, pfx[i], n))
			continue;
		if (s[n] == '[' || s[n] == '(') {
			char close = s[n] == '[' ? ']' : ')';

			n++;
			while (s[n] >= '0' && s[n] <= '9')
				n++;
			if (s[n] != close)
				continue;
			n++;
		}
		if (s[n] != ':')
			continue;
		n++;
		while (s[n] == ' ' || s[n] == '\t')
			n++;
		*len = n;
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- header text */

/* Length of the (valid) UTF-8 sequence at p; 1 for a stray byte. */
static size_t
u8len(const unsigned char *p)
{
	if (*p < 0x80) return 1;
	if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) return 2;
	if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) return 3;
	if ((*p & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
	    (p[3] & 0xc0) == 0x80) return 4;
	return 1;
}

/* 1 if the character p[0..l) must not stand in a header: C0 controls (CR, LF, TAB…), DEL,
 * C1 controls (U+0085 NEL among them), U+2028/U+2029 (line and paragraph separators) and the
 * bidi embedding/override/isolate controls (U+202A-U+202E, U+2066-U+2069). */
static int
is_control(const unsigned char *p, size_t l)
{
	if (l == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	if (l == 2)
		return p[0] == 0xc2 && p[1] < 0xa0;
	if (l == 3 && p[0] == 0xe2 && p[1] == 0x80)
		return p[2] == 0xa8 || p[2] == 0xa9 || (p[2] >= 0xaa && p[2] <= 0xae);
	if (l == 3 && p[0] == 0xe2 && p[1] == 0x81)
		return p[2] >= 0xa6 && p[2] <= 0xa9;
	return 0;
}

/* Appends v as header text: invalid UTF-8 -> U+FFFD, control characters -> a space, runs of
 * white space -> one space, trimmed; at most cap bytes, cut between characters (*cut = 1 when
 * something was left out). Returns 0 or -1 (out's cap). */
static int
clean_text(const char *v, size_t cap, struct buf *out, int *cut)
{
	struct buf s;
	const unsigned char *p;
	size_t start = out->len, l;
	int r = -1;

	*cut = 0;
	buf_init(&s, strlen(v) * 3 + 16);
	if (mime_utf8_sanitize(v, strlen(v), &s, NULL) < 0)
		goto out;
	for (p = (const unsigned char *)buf_cstr(&s); *p; p += l) {
		l = u8len(p);
		if (is_control(p, l) || *p == ' ') {
			if (out->len == start || out->data[out->len - 1] == ' ')
				continue;
			if (buf_addc(out, ' ') < 0)
				goto out;
			continue;
		}
		if (out->len - start + l > cap) {
			*cut = 1;
			break;
		}
		if (buf_add(out, p, l) < 0)
			goto out;
	}
	while (out->len > start && out->data[out->len - 1] == ' ')
		out->len--;
	if (out->data)
		out->data[out->len] = '\0';
	r = 0;
out:
	buf_free(&s);
	return r;
}

int
reply_clean(const char *v, size_t cap, struct buf *out)
{
	int cut;

	return clean_text(v, cap, out, &cut);
}

int
reply_name_ok(const char *name)
{
	const unsigned char *p;
	size_t l;

	if (strlen(name) > LIM_DISPLAY_NAME || !mime_utf8_valid(name, strlen(name)))
		return 0;
	for (p = (const unsigned char *)name; *p; p += l)
		if (is_control(p, l = u8len(p)))
			return 0;
	return 1;
}

int
reply_subject(const char *orig, struct buf *out)
{
	struct buf c;
	const char *s;
	size_t n, max = LIM_REPLY_SUBJECT - 4;
	int cut, r = -1;

	buf_init(&c, (orig ? strlen(orig) : 0) * 3 + 16);
	if (clean_text(orig ? orig : "", (size_t)-1, &c, &cut) < 0)
		goto out;
	s = buf_cstr(&c);
	while (is_prefix(s, &n))
		s += n;
	if (buf_addstr(out, "Re: ") < 0)
		goto out;
	if (*s == '\0') {
		r = buf_addstr(out, "your coding question");
		goto out;
	}
	n = strlen(s);
	if (n > max) {
		/* cut between characters, at a word when one ends near, and say so */
		n = mime_utf8_cut(s, max - 3);
		for (size_t k = n; k > n * 3 / 4; k--)
			if (s[k] == ' ') {
				n = k;
				break;
			}
		while (n > 0 && s[n - 1] == ' ')
			n--;
		r = buf_add(out, s, n) < 0 ? -1 : buf_addstr(out, "...");
		goto out;
	}
	r = buf_add(out, s, n);
out:
	buf_free(&c);
	return r;
}

static int
b64(struct buf *out, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = { tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], tab[p[i + 2] & 63] };
		if (buf_add(out, q, 4) < 0)
			return -1;
	}
	if (n - i == 1) {
		char q[4] = { tab[p[i] >> 2], tab[(p[i] & 3) << 4], '=', '=' };
		return buf_add(out, q, 4);
	}
	if (n - i == 2) {
		char q[4] = { tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			tab[(p[i + 1] & 15) << 2], '=' };
		return buf_add(out, q, 4);
	}
	return 0;
}

/* A header being written: tokens separated by one space, folded before a token that would
 * pass column 78 (a token longer than a line stands alone on its line). */
#define FOLD_AT 78
struct hw {
	struct buf *out;
	size_t col;          /* current column */
	size_t first;        /* column after "Name:" (no fold before the first token) */
};

static int
hw_begin(struct hw *w, struct buf *out, const char *name)
{
	w->out = out;
	w->col = w->first = strlen(name) + 1;
	return buf_printf(out, "%s:", name);
}

static int
hw_token(struct hw *w, const char *t, size_t n)
{
	if (w->col > w->first && w->col + 1 + n > FOLD_AT) {
		if (buf_addstr(w->out, "\r\n") < 0)
			return -1;
		w->col = 0;
	}
	if (buf_addc(w->out, ' ') < 0 || buf_add(w->out, t, n) < 0)
		return -1;
	w->col += 1 + n;
	return 0;
}

/* text as RFC 2047 "B" encoded words (UTF-8), each at most 75 characters and filling the
 * line it starts on; never splits a character. Valid in unstructured text and phrases. */
static int
hw_encoded(struct hw *w, const char *text, int phrase)
{
	const unsigned char *p = (const unsigned char *)text;

	while (*p) {
		size_t avail = w->col + 1 + 12 + 4 <= FOLD_AT ? (FOLD_AT - w->col - 1 - 12) / 4 * 3 : 0;
		size_t take = 0, l;

		if (avail > 45)
			avail = 45;            /* 12 + 60 = 72 characters: under RFC 2047's 75 */
		while (p[take] && take + (l = u8len(p + take)) <= avail)
			take += l;
		if (phrase && p[take]) {
			/* in a phrase, end a word after a space when one is near: readers that keep
			 * the folding white space between encoded words (Python's email package)
			 * then show at most a doubled space, never one inside a word */
			size_t k = take;

			while (k > take / 2 && p[k - 1] != ' ')
				k--;
			if (k > take / 2)
				take = k;
		}
		if (take == 0) {
			if (w->col == 0)
				return -1;     /* cannot happen: a line holds any character */
			if (buf_addstr(w->out, "\r\n") < 0)
				return -1;
			w->col = 0;
			continue;
		}
		if (buf_addstr(w->out, " =?UTF-8?B?") < 0 || b64(w->out, p, take) < 0 ||
		    buf_addstr(w->out, "?=") < 0)
			return -1;
		w->col += 1 + 12 + (take + 2) / 3 * 4;
		p += take;
	}
	return 0;
}

/* 1 if every word of s (split at spaces) is at most max bytes */
static int
words_fit(const char *s, size_t max)
{
	size_t run = 0;

	for (; *s; s++) {
		run = *s == ' ' ? 0 : run + 1;
		if (run > max)
			return 0;
	}
	return 1;
}

/* text (clean: one-space separated, no controls) as plain words, or as encoded words when it
 * is not ASCII, holds "=?" (which a reader would decode) or has a word too long to fold */
static int
hw_text(struct hw *w, const char *text)
{
	const char *p = text;

	if (!mime_is_ascii(text, strlen(text)) || strstr(text, "=?") || !words_fit(text, 70))
		return hw_encoded(w, text, 0);
	while (*p) {
		size_t n = strcspn(p, " ");

		if (n && hw_token(w, p, n) < 0)
			return -1;
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A display name as an RFC 5322 phrase: atoms when it has only atext and spaces, else one
 * quoted-string (backslash before '"' and '\'), else (not ASCII, "=?", or too long for a
 * line) RFC 2047 encoded words. name is clean (see clean_text). */
static int
hw_phrase(struct hw *w, const char *name)
{
	struct buf q;
	const char *p;
	int atoms = 1, r = -1;

	if (*name == '\0')
		return 0;
	if (!mime_is_ascii(name, strlen(name)) || strstr(name, "=?") || !words_fit(name, 70))
		return hw_encoded(w, name, 1);
	for (p = name; *p; p++)
		if (*p != ' ' && !is_atext((unsigned char)*p))
			atoms = 0;
	if (atoms)
		return hw_text(w, name);
	buf_init(&q, LIM_DISPLAY_NAME * 2 + 3);
	if (buf_addc(&q, '"') < 0)
		goto out;
	for (p = name; *p; p++)
		if (((*p == '"' || *p == '\\') && buf_addc(&q, '\\') < 0) || buf_addc(&q, *p) < 0)
			goto out;
	if (buf_addc(&q, '"') < 0)
		goto out;
	r = q.len > 70 ? hw_encoded(w, name, 1) : hw_token(w, buf_cstr(&q), q.len);
out:
	buf_free(&q);
	return r;
}

/* "Name: phrase <addr>" with the display name cleaned, cut at LIM_DISPLAY_NAME and quoted or
 * encoded as needed; addr must be usable (reply_addr_ok or our own config). */
static int
addr_header(struct buf *out, const char *hname, const char *display, const char *addr)
{
	struct buf name, a;
	struct hw w;
	int cut, r = -1;

	buf_init(&name, LIM_DISPLAY_NAME + 8);
	buf_init(&a, LIM_ADDR_LEN + 8);
	if (clean_text(display ? display : "", LIM_DISPLAY_NAME, &name, &cut) < 0 ||
	    buf_printf(&a, "<%s>", addr) < 0)
		goto out;
	if (hw_begin(&w, out, hname) < 0 || hw_phrase(&w, buf_cstr(&name)) < 0 ||
	    hw_token(&w, buf_cstr(&a), a.len) < 0 || buf_addstr(out, "\r\n") < 0)
		goto out;
	r = 0;
out:
	buf_free(&name);
	buf_free(&a);
	return r;
}

/* "Name: value" for unstructured text: cleaned, folded at 78 columns, RFC 2047-encoded when
 * not plain ASCII. */
int
reply_header(struct buf *out, const char *name, const char *value)
{
	struct buf v;
	struct hw w;
	int cut, r = -1;

	buf_init(&v, LIM_HEADER_VALUE + 8);
	if (clean_text(value ? value : "", LIM_HEADER_VALUE, &v, &cut) < 0)
		goto out;
	if (hw_begin(&w, out, name) < 0 || hw_text(&w, buf_cstr(&v)) < 0)
		goto out;
	r = buf_addstr(out, "\r\n");
out:
	buf_free(&v);
	return r;
}

int
reply_qp(struct buf *out, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)text;
	int col = 0;

	for (; *p; p++) {
		unsigned char c = *p;

		if (c == '\r')
			continue;
		if (c == '\n') {
			if (buf_addstr(out, "\r\n") < 0)
				return -1;
			col = 0;
			continue;
		}
		/* trailing white space before a line break must be encoded */
		int enc = (c == '=' || c < 0x20 || c >= 0x7f) && c != '\t';
		if ((c == ' ' || c == '\t') && (p[1] == '\n' || p[1] == '\r' || p[1] == '\0'))
			enc = 1;
		/* a leading '.' or "From " is harmless in QP over SMTP, but encode '.' at column 0 */
		if (c == '.' && col == 0)
			enc = 1;
		int need = enc ? 3 : 1;
		if (col + need > 75) {
			if (buf_addstr(out, "=\r\n") < 0)
				return -1;
			col = 0;
		}
		if (enc) {
			char e[3] = { '=', hex[c >> 4], hex[c & 15] };

			if (buf_add(out, e, 3) < 0)
				return -1;
		} else if (buf_addc(out, c) < 0)
			return -1;
		col += need;
	}
	if (col > 0 && buf_addstr(out, "\r\n") < 0)
		return -1;
	return 0;
}

void
reply_msgid(const char *source_id, const char *question_msgid, const char *host, char *out,
    size_t outlen)
{
	struct buf b;
	char hex[65];

	buf_init(&b, 4096);
	buf_printf(&b, "%s\n%s", source_id, question_msgid ? question_msgid : "");
	util_sha256_hex(buf_cstr(&b), b.len, hex);
	buf_free(&b);
	util_fmt(out, outlen, "cm.%.32s@%s", hex, host);
}

int
reply_addr_ok(const char *addr)
{
	const char *at;
	const unsigned char *p;
	size_t n = strlen(addr), l;

	if (n < 3 || n > LIM_ADDR_LEN || !mime_utf8_valid(addr, n))
		return 0;
	/* ASCII specials and controls never; UTF-8 letters are fine (RFC 6531/6532: the
	 * reply then needs a server that offers SMTPUTF8, which libcurl asks for by itself) */
	for (p = (const unsigned char *)addr; *p; p += l) {
		l = u8len(p);
		if (is_control(p, l) || *p == ' ' || *p == '<' || *p == '>' || *p == '(' ||
		    *p == ')' || *p == ',' || *p == ';' || *p == '\\' || *p == '"')
			return 0;
		if (l == 2 && p[0] == 0xc2 && p[1] == 0xa0)
			return 0;          /* no-break space */
	}
	at = strrchr(addr, '@');
	return at && at != addr && at[1] && strchr(at + 1, '.') != NULL && strchr(addr, '@') == at;
}

int
reply_addr_utf8(const char *addr)
{
	return !mime_is_ascii(addr, strlen(addr));
}

/* one msg-id token "<x@y>" (no spaces, no nested brackets), or 0 */
static int
msgid_ok(const char *id, size_t n)
{
	size_t i;

	if (n < 3 || n > 250)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f || id[i] == '<' ||
		    id[i] == '>' || id[i] == '"' || id[i] == '\\')
			return 0;
	return 1;
}

/* References: the question's References (valid tokens only; when there are more than 20,
 * the first, the thread's root, and the last 19, as RFC 5322 3.6.4 suggests) plus its
 * Message-ID, folded one id per line. An id that is not a valid token is left out. */
#define REFS_KEEP 20
static int
add_references(struct buf *out, const struct message *q)
{
	const char *ids[REFS_KEEP + 1];
	size_t lens[REFS_KEEP + 1], n = 0, i;
	const char *p = q->references ? q->references : "";

	while (*p) {
		const char *lt = strchr(p, '<'), *gt;

		if (lt == NULL)
			break;
		gt = strchr(lt + 1, '>');
		if (gt == NULL)
			break;
		if (msgid_ok(lt + 1, (size_t)(gt - lt - 1))) {
			if (n == REFS_KEEP) {
				/* keep ids[0], the root; drop the oldest after it */
				memmove(ids + 1, ids + 2, (REFS_KEEP - 2) * sizeof(ids[0]));
				memmove(lens + 1, lens + 2, (REFS_KEEP - 2) * sizeof(lens[0]));
				n = REFS_KEEP - 1;
			}
			ids[n] = lt + 1;
			lens[n++] = (size_t)(gt - lt - 1);
		}
		p = gt + 1;
	}
	if (q->message_id && msgid_ok(q->message_id, strlen(q->message_id))) {
		ids[n] = q->message_id;
		lens[n++] = strlen(q->message_id);
	}
	if (n == 0)
		return 0;
	if (buf_addstr(out, "References:") < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (buf_printf(out, "%s<%.*s>", i ? "\r\n " : " ", (int)lens[i], ids[i]) < 0)
			return -1;
	return buf_addstr(out, "\r\n");
}

int
reply_compose(const struct reply_in *in, struct buf *out, struct reply_out *ro, const char **why)
{
	const struct conf *c = in->conf;
	const struct message *q = in->q;
	const struct msg_addr *to = &q->from;
	struct buf tmp;
	char date[64], host[256], boundary[64];
	const char *at;
	int r = REPLY_E_RCPT;

	buf_init(&tmp, LIM_HEADER_VALUE);
	*why = "reply too big to compose";
	if (c->honour_reply_to && q->reply_to.addr && *q->reply_to.addr)
		to = &q->reply_to;
	if (to->addr == NULL || !reply_addr_ok(to->addr)) {
		*why = "no usable sender address";
		goto out;
	}
	r = REPLY_E_COMPOSE;
	util_fmt(ro->rcpt, sizeof(ro->rcpt), "%s", to->addr);
	at = strrchr(c->consultant_address, '@');
	util_fmt(host, sizeof(host), "%s", *c->hostname ? c->hostname : (at ? at + 1 : "localhost"));
	reply_msgid(in->source_id, q->message_id, host, ro->msgid, sizeof(ro->msgid));
	util_fmt(boundary, sizeof(boundary), "=_cm_%.24s", ro->msgid + 3);
	util_rfc5322_date(in->date, date, sizeof(date));

	/* From and To: display names quoted or encoded as phrases (the sender's is untrusted,
	 * ours comes from the config), never copied raw; each header is one address */
	if (addr_header(out, "From", c->consultant_name, c->consultant_address) < 0 ||
	    addr_header(out, "To", to->name, ro->rcpt) < 0)
		goto out;

	buf_reset(&tmp);
	if (in->subject ? buf_addstr(&tmp, in->subject) < 0 : reply_subject(q->subject, &tmp) < 0)
		goto out;      /* reply_subject cuts long subjects: only a huge in->subject fails */
	if (reply_header(out, "Subject", buf_cstr(&tmp)) < 0 ||
	    buf_printf(out, "Date: %s\r\nMessage-ID: <%s>\r\n", date, ro->msgid) < 0)
		goto out;
	if (q->message_id && msgid_ok(q->message_id, strlen(q->message_id)) &&
	    buf_printf(out, "In-Reply-To: <%s>\r\n", q->message_id) < 0)
		goto out;
	if (add_references(out, q) < 0)
		goto out;
	if (buf_printf(out, "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n"
	    "%s: %s\r\nMIME-Version: 1.0\r\n", c->loop_header, host) < 0)
		goto out;
	if (in->html) {
		if (buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
		    "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n", boundary, boundary) < 0)
			goto out;
	}
	if (buf_addstr(out, "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n") < 0 || reply_qp(out, in->text) < 0)
		goto out;
	if (in->html) {
		if (buf_printf(out, "\r\n--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary) < 0 ||
		    reply_qp(out, in->html) < 0 || buf_printf(out, "\r\n--%s--\r\n", boundary) < 0)
			goto out;
	}
	r = 0;
out:
	buf_free(&tmp);
	return r;
}
