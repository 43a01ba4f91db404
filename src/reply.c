/* reply — see reply.h. */
#include "reply.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "limits.h"
#include "message.h"
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

int
reply_subject(const char *orig, struct buf *out)
{
	const char *s = orig ? orig : "";
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	while (is_prefix(s, &n))
		s += n;
	if (buf_addstr(out, "Re: ") < 0)
		return -1;
	if (*s == '\0')
		return buf_addstr(out, "your coding question");
	return buf_addstr(out, s);
}

static int
needs_encoding(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v >= 0x7f || (unsigned char)*v < 0x20)
			return 1;
	return 0;
}

/* copies v with control characters (CR, LF, TAB, …) turned into spaces */
static int
clean(const char *v, struct buf *out)
{
	for (; *v; v++)
		if (buf_addc(out, (unsigned char)*v < 0x20 || *v == 0x7f ? ' ' : *v) < 0)
			return -1;
	return 0;
}

/* length of the UTF-8 sequence starting at p (1 for invalid bytes) */
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

/* "Name: value" folded at 78 columns; non-ASCII values become RFC 2047 B-encoded words of
 * at most 45 raw bytes each, never splitting a UTF-8 sequence. */
int
reply_header(struct buf *out, const char *name, const char *value)
{
	struct buf v;
	const unsigned char *p;
	size_t col, len;
	int r = -1;

	buf_init(&v, LIM_HEADER_VALUE);
	if (clean(value ? value : "", &v) < 0)
		goto out;
	if (buf_printf(out, "%s:", name) < 0)
		goto out;
	col = strlen(name) + 1;
	p = (const unsigned char *)buf_cstr(&v);
	if (!needs_encoding((const char *)p)) {
		/* fold at spaces */
		while (*p) {
			const unsigned char *sp;

			while (*p == ' ')
				p++;
			if (!*p)
				break;
			sp = (const unsigned char *)strchr((const char *)p, ' ');
			len = sp ? (size_t)(sp - p) : strlen((const char *)p);
			if (col + 1 + len > 78 && col > strlen(name) + 1) {
				if (buf_addstr(out, "\r\n") < 0)
					goto out;
				col = 0;
			}
			if (buf_addc(out, ' ') < 0 || buf_add(out, p, len) < 0)
				goto out;
			col += 1 + len;
			p += len;
		}
	} else {
		while (*p) {
			size_t take = 0;

			while (p[take]) {
				size_t l = u8len(p + take);

				if (take + l > 45)
					break;
				take += l;
			}
			if (col + 1 + 12 + (take + 2) / 3 * 4 > 78 && col > strlen(name) + 1) {
				if (buf_addstr(out, "\r\n") < 0)
					goto out;
				col = 0;
			}
			if (buf_addstr(out, " =?UTF-8?B?") < 0 || b64(out, p, take) < 0 ||
			    buf_addstr(out, "?=") < 0)
				goto out;
			col += 1 + 12 + (take + 2) / 3 * 4;
			p += take;
		}
	}
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
	size_t n = strlen(addr);

	if (n < 3 || n > LIM_ADDR_LEN)
		return 0;
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == '<' || *p == '>' || *p == '(' || *p == ')' ||
		    *p == ',' || *p == ';' || *p == '\\' || *p == '"' || (unsigned char)*p >= 0x7f)
			return 0;
	at = strrchr(addr, '@');
	return at && at != addr && at[1] && strchr(at + 1, '.') != NULL && strchr(addr, '@') == at;
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

/* References: the question's References (valid tokens only, at most the last 20) plus its
 * Message-ID, folded one id per line. */
static int
add_references(struct buf *out, const struct message *q)
{
	const char *ids[21];
	size_t lens[21], n = 0, i;
	const char *p = q->references ? q->references : "";

	while (*p) {
		const char *lt = strchr(p, '<'), *gt;

		if (lt == NULL)
			break;
		gt = strchr(lt + 1, '>');
		if (gt == NULL)
			break;
		if (msgid_ok(lt + 1, (size_t)(gt - lt - 1))) {
			if (n == 20) {
				memmove(ids, ids + 1, 19 * sizeof(ids[0]));
				memmove(lens, lens + 1, 19 * sizeof(lens[0]));
				n = 19;
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
	int r = -1;

	buf_init(&tmp, LIM_HEADER_VALUE);
	*why = "out of space";
	if (c->honour_reply_to && q->reply_to.addr && *q->reply_to.addr)
		to = &q->reply_to;
	if (to->addr == NULL || !reply_addr_ok(to->addr)) {
		*why = "no usable sender address";
		goto out;
	}
	util_fmt(ro->rcpt, sizeof(ro->rcpt), "%s", to->addr);
	at = strrchr(c->consultant_address, '@');
	util_fmt(host, sizeof(host), "%s", *c->hostname ? c->hostname : (at ? at + 1 : "localhost"));
	reply_msgid(in->source_id, q->message_id, host, ro->msgid, sizeof(ro->msgid));
	util_fmt(boundary, sizeof(boundary), "=_cm_%.24s", ro->msgid + 3);
	util_rfc5322_date(in->date, date, sizeof(date));

	/* From: "Name" <addr> — the name is ours (config), still encoded if needed */
	if (buf_printf(&tmp, "%s", c->consultant_name) < 0)
		goto out;
	if (needs_encoding(buf_cstr(&tmp)) || strpbrk(buf_cstr(&tmp), "\"\\()<>[]:;@,.")) {
		if (reply_header(out, "From", buf_cstr(&tmp)) < 0)
			goto out;
		out->len -= 2;  /* reopen the line to append the address */
		if (buf_printf(out, " <%s>\r\n", c->consultant_address) < 0)
			goto out;
	} else if (buf_printf(out, "From: %s <%s>\r\n", buf_cstr(&tmp), c->consultant_address) < 0)
		goto out;

	/* To: the sender's display name is untrusted: encode it, never copy raw */
	if (to->name && *to->name) {
		if (reply_header(out, "To", to->name) < 0)
			goto out;
		out->len -= 2;
		if (buf_printf(out, " <%s>\r\n", ro->rcpt) < 0)
			goto out;
	} else if (buf_printf(out, "To: <%s>\r\n", ro->rcpt) < 0)
		goto out;

	buf_reset(&tmp);
	if (in->subject ? buf_addstr(&tmp, in->subject) < 0 : reply_subject(q->subject, &tmp) < 0)
		goto out;
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
