/* message — raw RFC 5322/MIME bytes -> parsed message. See message.h.
 *
 * One pass over the raw bytes, line by line, with a stack of the open multipart boundaries
 * (as Dovecot's and Python's parsers do): a line "--b" or "--b--" that matches any open
 * boundary ends every part opened inside that multipart. Parts are recorded as byte ranges
 * of the raw message in a tree; only the chosen text part (and attachment sizes) are decoded
 * afterwards. Every loop advances by at least one line, so cost is linear in the message
 * size times the (bounded) boundary stack depth. */
#include "message.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html2text.h"
#include "limits.h"
#include "mime.h"
#include "quote.h"
#include "util.h"

enum cte { CTE_IDENTITY = 0, CTE_BASE64, CTE_QP };

struct part {
	struct part *parent, *first, *last, *next;
	size_t depth;
	char   type[80];            /* "text/plain", lower-case; "" = not given */
	char   disp[24];            /* "attachment", "inline" or "" */
	char  *ct_raw;              /* first Content-Type value, unfolded raw */
	char  *cd_raw;              /* first Content-Disposition value */
	char  *cid;                 /* Content-ID, raw trimmed */
	char  *boundary;            /* multipart boundary, raw bytes */
	size_t blen;
	enum cte cte;
	int    has_ct, has_cte, has_cid;
	int    multipart;           /* parsed as a multipart container */
	int    ended;
	size_t body_start, body_end;
};

struct ctx {
	const char *raw;
	size_t len;
	struct msg_limits lim;
	struct message *msg;
	struct part **stack;        /* open multiparts, outermost first */
	size_t nstack;
	struct part **all;          /* every part, for freeing */
	size_t nall, allcap;
	size_t next_lf, next_cr;    /* cached positions of the next LF / CR (len if none) */
	size_t nheaderfields;
	int    warned_fields;
};

/* ------------------------------------------------------------------ small helpers */

static char *
xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void
set_error(struct ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_error(struct ctx *c, int code, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	if (c->msg->error)
		return;
	c->msg->error = code;
	buf_init(&b, 512);
	va_start(ap, fmt);
	(void)buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(c->msg->error_reason);
	c->msg->error_reason = buf_steal(&b);
	buf_free(&b);
}

#define MAX_WARNINGS 32

static void
warn(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct ctx *c, const char *fmt, ...)
{
	struct message *m = c->msg;
	struct buf b;
	va_list ap;
	char *s, **nw;
	size_t i;

	if (m->nwarnings >= MAX_WARNINGS)
		return;
	buf_init(&b, 512);
	va_start(ap, fmt);
	(void)buf_vprintf(&b, fmt, ap);
	va_end(ap);
	s = buf_steal(&b);
	buf_free(&b);
	if (s == NULL)
		return;
	for (i = 0; i < m->nwarnings; i++)
		if (strcmp(m->warnings[i], s) == 0) {
			free(s);
			return;
		}
	nw = realloc(m->warnings, (m->nwarnings + 1) * sizeof(*nw));
	if (nw == NULL) {
		free(s);
		return;
	}
	m->warnings = nw;
	m->warnings[m->nwarnings++] = s;
}

static int
is_wsp(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Trims ASCII whitespace (incl. CR/LF) from both ends of [*s, *s+*n). */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && ((*s)[0] == ' ' || (*s)[0] == '\t' || (*s)[0] == '\r' || (*s)[0] == '\n')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' ||
	                  (*s)[*n - 1] == '\n'))
		(*n)--;
}

/* ------------------------------------------------------------------ lines */

/* End of the line at pos (LF, CRLF or a lone CR end a line): returns the position of the
 * line's end (excluding the line break) and sets *next to the start of the next line. */
static size_t
line_end(struct ctx *c, size_t pos, size_t *next)
{
	size_t lf, cr;

	if (c->next_lf < pos || c->next_lf == (size_t)-1) {
		const char *p = memchr(c->raw + pos, '\n', c->len - pos);
		c->next_lf = p ? (size_t)(p - c->raw) : c->len;
	}
	if (c->next_cr < pos || c->next_cr == (size_t)-1) {
		const char *p = memchr(c->raw + pos, '\r', c->len - pos);
		c->next_cr = p ? (size_t)(p - c->raw) : c->len;
	}
	lf = c->next_lf;
	cr = c->next_cr;
	if (cr < lf) {
		*next = (cr + 1 == lf) ? lf + 1 : cr + 1;
		return cr;
	}
	*next = lf < c->len ? lf + 1 : c->len;
	return lf;
}

/* Index of the open multipart whose boundary the line [l, l+n) is, or -1. */
static long
match_boundary(const struct ctx *c, const char *l, size_t n, int *close)
{
	size_t k;

	if (n < 3 || l[0] != '-' || l[1] != '-')
		return -1;
	for (k = c->nstack; k-- > 0;) {
		const struct part *p = c->stack[k];
		size_t i;

		if (n < 2 + p->blen || memcmp(l + 2, p->boundary, p->blen) != 0)
			continue;
		i = 2 + p->blen;
		*close = 0;
		if (i + 1 < n + 0 && l[i] == '-' && l[i + 1] == '-') {
			*close = 1;
			i += 2;
		}
		while (i < n && is_wsp(l[i]))
			i++;
		if (i == n)
			return (long)k;
	}
	return -1;
}

/* ------------------------------------------------------------------ headers */

static struct part *
new_part(struct ctx *c, struct part *parent)
{
	struct part *p;

	if (c->nall >= c->lim.max_parts) {
		set_error(c, MSG_E_TOO_MANY_PARTS, "more than %zu MIME parts", c->lim.max_parts);
		return NULL;
	}
	if (parent && parent->depth + 1 > c->lim.max_depth) {
		set_error(c, MSG_E_TOO_DEEP, "MIME nesting deeper than %zu", c->lim.max_depth);
		return NULL;
	}
	if (c->nall == c->allcap) {
		size_t nc = c->allcap ? c->allcap * 2 : 16;
		struct part **na = realloc(c->all, nc * sizeof(*na));
		if (na == NULL) {
			set_error(c, MSG_E_NOMEM, "out of memory");
			return NULL;
		}
		c->all = na;
		c->allcap = nc;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		set_error(c, MSG_E_NOMEM, "out of memory");
		return NULL;
	}
	c->all[c->nall++] = p;
	p->parent = parent;
	if (parent) {
		p->depth = parent->depth + 1;
		if (parent->last)
			parent->last->next = p;
		else
			parent->first = p;
		parent->last = p;
	}
	return p;
}

static int
is_field_name(const char *l, size_t n, size_t *colon)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)l[i];
		if (ch == ':') {
			*colon = i;
			return i > 0;
		}
		if (ch == ' ' || ch == '\t') {
			/* obsolete syntax: whitespace between the name and the colon */
			size_t j = i;
			while (j < n && (l[j] == ' ' || l[j] == '\t'))
				j++;
			if (i > 0 && j < n && l[j] == ':') {
				*colon = j;
				return 1;
			}
			return 0;
		}
		if (ch < 0x21 || ch > 0x7e)
			return 0;
	}
	return 0;
}

static int
add_top_header(struct ctx *c, const char *name, size_t nl, const char *val, size_t vl)
{
	struct message *m = c->msg;
	struct msg_header *h;
	struct buf b;

	if (c->nheaderfields >= LIM_HEADER_FIELDS) {
		if (!c->warned_fields) {
			warn(c, "more than %u header fields; the rest ignored", LIM_HEADER_FIELDS);
			c->warned_fields = 1;
		}
		return 0;
	}
	if ((m->nheaders & 15) == 0) {
		struct msg_header *nh = realloc(m->headers, (m->nheaders + 16) * sizeof(*nh));
		if (nh == NULL)
			return -1;
		m->headers = nh;
	}
	h = &m->headers[m->nheaders];
	memset(h, 0, sizeof(*h));
	buf_init(&b, c->lim.max_header * 4 + 64);
	(void)mime_utf8_sanitize(name, nl, &b, NULL);
	h->name = buf_steal(&b);
	(void)mime_to_utf8(NULL, val, vl, &b, NULL);
	h->raw = buf_steal(&b);
	if (h->raw && !strstr(h->raw, "=?")) {
		h->value = strdup(h->raw);     /* no encoded words: the same text */
	} else {
		(void)mime_decode_header(val, vl, &b, NULL);
		h->value = buf_steal(&b);
	}
	buf_free(&b);
	if (!h->name || !h->raw || !h->value) {
		free(h->name); free(h->raw); free(h->value);
		return -1;
	}
	m->nheaders++;
	c->nheaderfields++;
	return 0;
}

/* One complete field [s, s+n) (may span lines): unfolds it and records what matters. */
static int
field_done(struct ctx *c, struct part *p, int top, const char *s, size_t n, size_t colon)
{
	char stackbuf[512];
	char *u = stackbuf;
	size_t i, j = 0;
	const char *name = s, *val;
	size_t nl = colon, vl;
	int rc = 0;

	if (n + 1 > sizeof(stackbuf) && (u = malloc(n + 1)) == NULL)
		return -1;
	for (i = colon + 1; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			u[j++] = s[i];
	u[j] = '\0';
	while (nl > 0 && is_wsp(name[nl - 1]))
		nl--;
	val = u;
	vl = j;
	trim(&val, &vl);
	if (top && add_top_header(c, name, nl, val, vl) < 0) {
		set_error(c, MSG_E_NOMEM, "out of memory");
		rc = -1;
		goto out;
	}
	if (nl == 12 && util_strncaseeq(name, "Content-Type", 12) && !p->has_ct) {
		p->has_ct = 1;
		if ((p->ct_raw = xstrndup(val, vl)) == NULL)
			rc = -1;
	} else if (nl == 19 && util_strncaseeq(name, "Content-Disposition", 19) && !p->cd_raw) {
		if ((p->cd_raw = xstrndup(val, vl)) == NULL)
			rc = -1;
	} else if (nl == 25 && util_strncaseeq(name, "Content-Transfer-Encoding", 25) &&
	           !p->has_cte) {
		char tok[32];
		p->has_cte = 1;
		mime_value_token(val, vl, tok, sizeof(tok));
		if (strcmp(tok, "base64") == 0)
			p->cte = CTE_BASE64;
		else if (strcmp(tok, "quoted-printable") == 0)
			p->cte = CTE_QP;
	} else if (nl == 10 && util_strncaseeq(name, "Content-ID", 10) && !p->has_cid) {
		p->has_cid = 1;
		if ((p->cid = xstrndup(val, vl)) == NULL)
			rc = -1;
	}
	if (rc < 0)
		set_error(c, MSG_E_NOMEM, "out of memory");
out:
	if (u != stackbuf)
		free(u);
	return rc;
}

/* Reads the header block of part p starting at pos. Returns the position where the body
 * starts (after the blank line; or at a line that is not a header field, or at a boundary
 * line, both of which belong to the body). */
static size_t
parse_headers(struct ctx *c, struct part *p, size_t pos, int top)
{
	size_t fstart = 0, fend = 0, fcolon = 0, start = pos, lineno = 0;
	int open = 0, close;

	while (pos < c->len && !c->msg->error) {
		size_t next, eol = line_end(c, pos, &next);
		const char *l = c->raw + pos;
		size_t n = eol - pos, colon;

		if (n > c->lim.max_line) {
			set_error(c, MSG_E_LINE_TOO_LONG, "header line longer than %zu bytes",
			    c->lim.max_line);
			return c->len;
		}
		if (next - start > c->lim.max_header) {
			set_error(c, MSG_E_HEADER_TOO_BIG, "header block larger than %zu bytes",
			    c->lim.max_header);
			return c->len;
		}
		if (c->nstack && match_boundary(c, l, n, &close) >= 0)
			break;
		if (n == 0) {
			pos = next;
			goto done;
		}
		if (is_wsp(l[0])) {
			if (open)
				fend = eol;
		} else if (is_field_name(l, n, &colon)) {
			if (open && field_done(c, p, top, c->raw + fstart, fend - fstart, fcolon) < 0)
				return c->len;
			open = 1;
			fstart = pos;
			fend = eol;
			fcolon = colon;
		} else if (lineno == 0 && n >= 5 && memcmp(l, "From ", 5) == 0) {
			/* mbox separator line */
		} else {
			break;     /* not a header field: the body starts here */
		}
		pos = next;
		lineno++;
	}
done:
	if (open && !c->msg->error)
		(void)field_done(c, p, top, c->raw + fstart, fend - fstart, fcolon);
	return pos;
}

/* Interprets the content fields of p once its header block is read. */
static void
part_content(struct ctx *c, struct part *p)
{
	struct part *par = p->parent;
	int digest = par && strcmp(par->type, "multipart/digest") == 0;

	if (p->ct_raw) {
		char tok[80];
		size_t n = mime_value_token(p->ct_raw, strlen(p->ct_raw), tok, sizeof(tok));
		const char *sl = memchr(tok, '/', n);
		if (sl && sl != tok && sl[1] != '\0' && !memchr(sl + 1, '/', strlen(sl + 1)))
			memcpy(p->type, tok, n + 1);
	}
	if (p->type[0] == '\0') {
		/* absent or invalid: RFC 2045 default (message/rfc822 inside a digest) */
		const char *d = digest ? "message/rfc822" : "text/plain";
		memcpy(p->type, d, strlen(d) + 1);
	}
	if (p->cd_raw)
		mime_value_token(p->cd_raw, strlen(p->cd_raw), p->disp, sizeof(p->disp));
	if (strncmp(p->type, "multipart/", 10) == 0 && p->ct_raw) {
		struct buf b;
		buf_init(&b, strlen(p->ct_raw) + 1);
		if (mime_param(p->ct_raw, strlen(p->ct_raw), "boundary", 0, &b) == 1) {
			/* trailing whitespace is not part of a boundary */
			while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
				b.len--;
			if (b.len == 0) {
				warn(c, "empty multipart boundary; part read as text");
			} else if (b.len > c->lim.max_boundary) {
				set_error(c, MSG_E_BOUNDARY_TOO_LONG,
				    "multipart boundary of %zu bytes is over the %zu-byte limit", b.len,
				    c->lim.max_boundary);
			} else {
				p->blen = b.len;
				p->boundary = xstrndup(b.data, b.len);
				if (p->boundary == NULL)
					set_error(c, MSG_E_NOMEM, "out of memory");
			}
		} else {
			warn(c, "multipart without boundary");
		}
		buf_free(&b);
	}
}

/* ------------------------------------------------------------------ structure */

/* Finds the next boundary line at or after pos. Returns its level or -1 (then *bl is len).
 * *bl: start of the boundary line; *after: start of the line after it. */
static long
next_boundary(struct ctx *c, size_t pos, size_t *bl, size_t *after, int *close)
{
	while (pos < c->len) {
		size_t next, eol;
		const char *l = c->raw + pos;
		long lvl;

		if (c->nstack == 0)
			break;
		/* fast skip to a line starting with "--" */
		eol = line_end(c, pos, &next);
		if (eol - pos > c->lim.max_line) {
			set_error(c, MSG_E_LINE_TOO_LONG, "line longer than %zu bytes", c->lim.max_line);
			return -1;
		}
		if (l[0] == '-' && (lvl = match_boundary(c, l, eol - pos, close)) >= 0) {
			*bl = pos;
			*after = next;
			return lvl;
		}
		pos = next;
	}
	if (c->nstack == 0 && pos < c->len) {
		/* no boundaries open: still enforce the line limit over the rest */
		while (pos < c->len) {
			size_t next, eol = line_end(c, pos, &next);
			if (eol - pos > c->lim.max_line) {
				set_error(c, MSG_E_LINE_TOO_LONG, "line longer than %zu bytes",
				    c->lim.max_line);
				return -1;
			}
			pos = next;
		}
	}
	*bl = c->len;
	*after = c->len;
	return -1;
}

/* The line break before position bl (which starts a line) belongs to the boundary. */
static size_t
before_break(const struct ctx *c, size_t start, size_t bl)
{
	if (bl >= c->len)
		return c->len;
	if (bl > start && c->raw[bl - 1] == '\n')
		bl--;
	if (bl > start && c->raw[bl - 1] == '\r')
		bl--;
	return bl;
}

static void
close_up_to(struct part *from, struct part *stop, size_t end)
{
	struct part *p;

	for (p = from; p && p != stop; p = p->parent)
		if (!p->ended) {
			p->ended = 1;
			p->body_end = end;
		}
}

static int
push_stack(struct ctx *c, struct part *p)
{
	if (c->nstack >= c->lim.max_depth + 1) {
		set_error(c, MSG_E_TOO_DEEP, "MIME nesting deeper than %zu", c->lim.max_depth);
		return -1;
	}
	c->stack[c->nstack++] = p;
	return 0;
}

static void
parse_structure(struct ctx *c, struct part *root)
{
	struct part *cur = root;
	size_t pos = 0;
	int epilogue = 0, missing_close = 0;

	if (c->len >= 3 && memcmp(c->raw, "\xef\xbb\xbf", 3) == 0)
		pos = 3;     /* a UTF-8 byte order mark some tools write first */
	pos = parse_headers(c, root, pos, 1);
	for (;;) {
		size_t bl, after, end;
		long lvl;
		int close = 0;

		if (c->msg->error)
			return;
		if (!epilogue) {
			part_content(c, cur);
			cur->body_start = pos;
			if (c->msg->error)
				return;
			if (cur->boundary) {
				cur->multipart = 1;
				if (push_stack(c, cur) < 0)
					return;
			} else if ((strcmp(cur->type, "message/rfc822") == 0 ||
			            strcmp(cur->type, "message/global") == 0) &&
			           cur->cte == CTE_IDENTITY && pos < c->len) {
				struct part *ch = new_part(c, cur);
				if (ch == NULL)
					return;
				pos = parse_headers(c, ch, pos, 0);
				cur = ch;
				continue;
			}
		}
		lvl = next_boundary(c, pos, &bl, &after, &close);
		if (c->msg->error)
			return;
		if (lvl < 0) {
			for (; c->nstack > 0; c->nstack--)
				if (c->stack[c->nstack - 1] != cur || !epilogue)
					missing_close = 1;
			if (!epilogue && cur->multipart)
				missing_close = 1;
			close_up_to(cur, NULL, c->len);
			break;
		}
		end = before_break(c, epilogue ? pos : cur->body_start, bl);
		if (end < pos)
			end = pos;
		if ((size_t)lvl + 1 < c->nstack)
			missing_close = 1;
		close_up_to(cur, c->stack[lvl], end);
		c->nstack = (size_t)lvl + 1;
		if (close) {
			cur = c->stack[lvl];
			c->nstack = (size_t)lvl;
			epilogue = 1;
			pos = after;
			continue;
		}
		cur = new_part(c, c->stack[lvl]);
		if (cur == NULL)
			return;
		epilogue = 0;
		pos = parse_headers(c, cur, after, 0);
	}
	if (missing_close)
		warn(c, "multipart without its final boundary");
}

/* ------------------------------------------------------------------ addresses */

struct addrlist {
	struct msg_addr *v;
	size_t n;
};

static int
addr_push(struct addrlist *al, const char *name, size_t nn, const char *addr, size_t an)
{
	struct msg_addr *nv;
	struct buf b;
	char *at;

	if (al->n >= 1000)
		return 0;
	nv = realloc(al->v, (al->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	al->v = nv;
	buf_init(&b, (nn + an) * 4 + 64);
	trim(&name, &nn);
	(void)mime_decode_header(name, nn, &b, NULL);
	nv[al->n].name = buf_steal(&b);
	trim(&addr, &an);
	(void)mime_to_utf8(NULL, addr, an, &b, NULL);
	nv[al->n].addr = buf_steal(&b);
	buf_free(&b);
	if (!nv[al->n].name || !nv[al->n].addr) {
		free(nv[al->n].name);
		free(nv[al->n].addr);
		return -1;
	}
	if ((at = strrchr(nv[al->n].addr, '@')) != NULL)
		for (; *at; at++)
			if (*at >= 'A' && *at <= 'Z')
				*at = (char)(*at - 'A' + 'a');
	al->n++;
	return 0;
}

/* Ends one mailbox: an angle address with its phrase (or comment) as the name, else the
 * bare addr-spec with a comment as the name ("a@b (Name)"); "Name a@b" without brackets
 * gives the last word as the address. */
static int
addr_finish(struct addrlist *al, struct buf *phrase, struct buf *spec, struct buf *comment,
            struct buf *angle, int have_angle)
{
	int rc = 0;

	if (have_angle) {
		if (phrase->len)
			rc = addr_push(al, buf_cstr(phrase), phrase->len, buf_cstr(angle), angle->len);
		else
			rc = addr_push(al, buf_cstr(comment), comment->len, buf_cstr(angle), angle->len);
	} else if (spec->len) {
		const char *sp = buf_cstr(spec), *last = strrchr(sp, ' ');
		if (last && sp[0] != '"' && strchr(last, '@'))
			rc = addr_push(al, sp, (size_t)(last - sp), last + 1, strlen(last + 1));
		else
			rc = addr_push(al, buf_cstr(comment), comment->len, sp, spec->len);
	}
	buf_reset(phrase);
	buf_reset(spec);
	buf_reset(comment);
	buf_reset(angle);
	return rc;
}

/* Characters that end an atom in an address list. */
static int
addr_special(unsigned char ch)
{
	switch (ch) {
	case ' ': case '\t': case '\r': case '\n': case ',': case ';': case '(': case '"':
	case '<': case '>': case ':': case '\0':
		return 1;
	default:
		return 0;
	}
}

/* Skips a comment starting at s[i] == '('; returns the index after it. */
static size_t
skip_comment(const char *s, size_t n, size_t i, struct buf *keep)
{
	int depth = 1;
	size_t j = i + 1, c0 = j;

	while (j < n && depth > 0) {
		if (s[j] == '\\') j++;
		else if (s[j] == '(') depth++;
		else if (s[j] == ')') depth--;
		j++;
	}
	if (j > n)
		j = n;
	if (keep && keep->len == 0) {
		size_t ce = depth == 0 ? j - 1 : j;
		(void)buf_add(keep, s + c0, ce - c0);
	}
	return j;
}

/* RFC 5322 address-list, leniently: display names (atoms, quoted strings, encoded words),
 * angle addresses (comments and source routes dropped), groups, comments (used as the name
 * of a bare addr-spec), quoted local parts kept quoted; a second address run together with
 * the first without a comma starts a new mailbox. */
static int
parse_addresses(const char *s, size_t n, struct addrlist *al)
{
	struct buf phrase, spec, comment, angle;
	size_t i = 0;
	int have_angle = 0, rc = 0, spec_ws = 0, spec_at = 0;   /* spec_at: '@' in spec */

	buf_init(&phrase, n + 16);
	buf_init(&spec, n + 16);
	buf_init(&comment, n + 16);
	buf_init(&angle, n + 16);
	for (;;) {
		char ch = i < n ? s[i] : ',';

		if (i >= n || ch == ',' || ch == ';') {
			if (addr_finish(al, &phrase, &spec, &comment, &angle, have_angle) < 0)
				rc = -1;
			have_angle = 0;
			spec_ws = 0;
			spec_at = 0;
			if (i >= n || rc < 0)
				break;
			i++;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			if (phrase.len && phrase.data[phrase.len - 1] != ' ')
				(void)buf_addc(&phrase, ' ');
			if (spec.len)
				spec_ws = 1;
			i++;
			continue;
		}
		if (ch == '(') {
			i = skip_comment(s, n, i, &comment);
			continue;
		}
		if (ch == '>') {
			i++;
			continue;
		}
		/* a token after a complete "Name <addr>": a second mailbox without a comma */
		if (have_angle) {
			if (addr_finish(al, &phrase, &spec, &comment, &angle, have_angle) < 0) {
				rc = -1;
				break;
			}
			have_angle = 0;
			spec_ws = 0;
			spec_at = 0;
		}
		if (ch == '"') {
			size_t j = i + 1;
			if (spec_ws && spec.len)
				(void)buf_addc(&spec, ' ');
			spec_ws = 0;
			(void)buf_addc(&spec, '"');
			while (j < n && s[j] != '"') {
				if (s[j] == '\\' && j + 1 < n) {
					(void)buf_addc(&spec, '\\');
					j++;
				}
				(void)buf_addc(&phrase, (unsigned char)s[j]);
				(void)buf_addc(&spec, (unsigned char)s[j]);
				j++;
			}
			(void)buf_addc(&spec, '"');
			i = j < n ? j + 1 : n;
			continue;
		}
		if (ch == '<') {
			size_t j = i + 1, a0;
			while (j < n && s[j] != '>')
				j++;
			a0 = i + 1;
			/* drop a source route "@a,@b:" */
			if (a0 < j && s[a0] == '@') {
				const char *colon = memchr(s + a0, ':', j - a0);
				if (colon)
					a0 = (size_t)(colon - s) + 1;
			}
			buf_reset(&angle);
			while (a0 < j) {
				if (s[a0] == '(') {
					a0 = skip_comment(s, j, a0, NULL);
					continue;
				}
				if (!(s[a0] == ' ' || s[a0] == '\t' || s[a0] == '\r' || s[a0] == '\n'))
					(void)buf_addc(&angle, (unsigned char)s[a0]);
				a0++;
			}
			have_angle = 1;
			i = j < n ? j + 1 : n;
			continue;
		}
		if (ch == ':' && !spec_at) {
			/* group "name:"; its members follow */
			buf_reset(&phrase); buf_reset(&spec); buf_reset(&comment);
			spec_ws = 0;
			i++;
			continue;
		}
		/* atom text */
		{
			size_t j = i;
			while (j < n && !addr_special((unsigned char)s[j]))
				j++;
			if (j == i)
				j = i + 1;
			if (spec_ws && spec.len && s[i] != '@' && s[i] != '.' &&
			    spec.data[spec.len - 1] != '@' && spec.data[spec.len - 1] != '.') {
				if (spec_at && spec.data[0] != '"') {
					/* "a@b c@d": a second address without a comma */
					if (addr_finish(al, &phrase, &spec, &comment, &angle, 0) < 0) {
						rc = -1;
						break;
					}
					spec_at = 0;
				} else {
					(void)buf_addc(&spec, ' ');
				}
			}
			(void)buf_add(&phrase, s + i, j - i);
			(void)buf_add(&spec, s + i, j - i);
			if (memchr(s + i, '@', j - i))
				spec_at = 1;
			spec_ws = 0;
			i = j;
		}
	}
	buf_free(&phrase);
	buf_free(&spec);
	buf_free(&comment);
	buf_free(&angle);
	return rc;
}

/* ------------------------------------------------------------------ ids */

/* Appends the msg-id between a and b (exclusive, brackets not included) as RFC 5322 reads
 * it: white space next to '@' or '.' or at either end is the obsolete syntax's CFWS and is
 * dropped; white space between two atoms ("<a b@x>") is kept, so the id stays as written and
 * is recognisably invalid (the reply leaves it out), never turned into another id. */
static void
add_msgid(struct buf *b, const char *a, const char *e)
{
	const char *p = a;

	while (p < e && is_wsp(*p))
		p++;
	while (e > p && is_wsp(e[-1]))
		e--;
	for (; p < e; p++) {
		if (is_wsp(*p)) {
			const char *q = p;

			while (q < e && is_wsp(*q))
				q++;
			if (b->len && (b->data[b->len - 1] == '@' || b->data[b->len - 1] == '.' ||
			    *q == '@' || *q == '.')) {
				p = q - 1;
				continue;
			}
			(void)buf_addc(b, ' ');
			p = q - 1;
			continue;
		}
		(void)buf_addc(b, (unsigned char)*p);
	}
}

/* First "<...>" of s into a new string without brackets; the trimmed value when none. */
static char *
first_msgid(const char *s)
{
	const char *a = strchr(s, '<'), *b;
	size_t n;

	if (a && (b = strchr(a + 1, '>')) != NULL) {
		struct buf r;
		char *res;

		buf_init(&r, (size_t)(b - a) + 16);
		add_msgid(&r, a + 1, b);
		res = buf_steal(&r);
		buf_free(&r);
		return res ? res : xstrdup("");
	}
	n = strlen(s);
	trim(&s, &n);
	return xstrndup(s, n);
}

static char *
all_msgids(const char *s)
{
	struct buf b;
	const char *a, *e;
	char *r;

	buf_init(&b, strlen(s) + 16);
	while ((a = strchr(s, '<')) != NULL && (e = strchr(a + 1, '>')) != NULL) {
		if (b.len)
			(void)buf_addc(&b, ' ');
		(void)buf_addc(&b, '<');
		add_msgid(&b, a + 1, e);
		(void)buf_addc(&b, '>');
		s = e + 1;
	}
	r = buf_steal(&b);
	buf_free(&b);
	return r;
}

/* ------------------------------------------------------------------ bodies */

static int
is_attachment(const struct part *p)
{
	return strcmp(p->disp, "attachment") == 0;
}

/* Python's get_body(('plain', 'html')): the first text/plain in tree order, else the first
 * text/html; attachments skipped; multipart/related looked at through its start part;
 * message/rfc822 not entered. */
static void
find_body(const struct part *p, int *best_prio, const struct part **best)
{
	const struct part *ch;

	if (*best_prio == 0 || is_attachment(p))
		return;
	if (strncmp(p->type, "text/", 5) == 0) {
		int prio = strcmp(p->type + 5, "plain") == 0 ? 0 :
		           strcmp(p->type + 5, "html") == 0 ? 1 : -1;
		if (prio >= 0 && prio < *best_prio) {
			*best_prio = prio;
			*best = p;
		}
		return;
	}
	if (!p->multipart)
		return;
	if (strcmp(p->type, "multipart/related") != 0) {
		for (ch = p->first; ch; ch = ch->next)
			find_body(ch, best_prio, best);
		return;
	}
	/* related: the start part, else the first */
	ch = p->first;
	if (p->ct_raw) {
		struct buf b;
		buf_init(&b, 1024);
		if (mime_param(p->ct_raw, strlen(p->ct_raw), "start", 0, &b) == 1 && b.len) {
			const struct part *q;
			for (q = p->first; q; q = q->next)
				if (q->cid && strcmp(q->cid, buf_cstr(&b)) == 0) {
					ch = q;
					break;
				}
		}
		buf_free(&b);
	}
	if (ch)
		find_body(ch, best_prio, best);
}

/* Content-transfer decoding of p's body into out. */
static int
part_decode(struct ctx *c, const struct part *p, struct buf *out)
{
	const char *s = c->raw + p->body_start;
	size_t n = p->body_end > p->body_start ? p->body_end - p->body_start : 0;
	int bad = 0, rc;

	switch (p->cte) {
	case CTE_BASE64:
		rc = mime_b64_decode(s, n, out, &bad);
		if (bad)
			warn(c, "base64 with invalid characters or padding");
		return rc;
	case CTE_QP:
		rc = mime_qp_decode(s, n, out, &bad);
		if (bad)
			warn(c, "quoted-printable with invalid escapes");
		return rc;
	default:
		return buf_add(out, s, n);
	}
}

/* RFC 3676 format=flowed: a line ending in a space continues on the next line (of the same
 * quote depth); space-stuffing removed; with delsp=yes the trailing space goes too. The
 * signature separator "-- " is never flowed. Rewrites t in place (it only shrinks). */
static void
unflow(char *t, int delsp)
{
	char *r = t, *w = t;
	int joining = 0;

	while (*r) {
		char *e = strchr(r, '\n');
		size_t n = e ? (size_t)(e - r) : strlen(r), depth = 0, i = 0;
		int flowed;

		while (i < n && r[i] == '>') {
			depth++;
			i++;
		}
		if (i < n && r[i] == ' ')     /* stuffing (or the space after the quote marks) */
			i++;
		if (!joining) {
			/* the quote marks as written (never more bytes than read) */
			memmove(w, r, depth);
			w += depth;
			if (depth && i > depth)
				*w++ = ' ';
		}
		flowed = n > i && r[n - 1] == ' ' && !(n - i == 3 && memcmp(r + i, "-- ", 3) == 0);
		{
			size_t len = n - i;
			if (flowed && delsp)
				len--;
			memmove(w, r + i, len);
			w += len;
		}
		/* join only when the next line has the same quote depth */
		joining = 0;
		if (flowed && e) {
			size_t d2 = 0;
			const char *nx = e + 1;
			while (nx[d2] == '>')
				d2++;
			joining = d2 == depth && nx[0] != '\0';
		}
		if (!joining && e)
			*w++ = '\n';
		if (!e)
			break;
		r = e + 1;
	}
	*w = '\0';
}

/* Decoded, UTF-8, LF-only text of a text part (HTML converted). Caller frees. */
static char *
part_text(struct ctx *c, const struct part *p, int html)
{
	struct buf d, u;
	char *cs = NULL, *r = NULL;
	const char *w = NULL;
	size_t cap = c->lim.max_size + 64;

	buf_init(&d, cap);
	buf_init(&u, cap * 4);
	if (part_decode(c, p, &d) < 0)
		warn(c, "decoded part over the size limit; cut");
	if (p->ct_raw) {
		struct buf b;
		buf_init(&b, 128);
		if (mime_param(p->ct_raw, strlen(p->ct_raw), "charset", 0, &b) == 1)
			cs = buf_steal(&b);
		buf_free(&b);
	}
	if (p->cte == CTE_BASE64 && !mime_utf8_valid(d.data ? d.data : "", d.len) &&
	    (cs == NULL || util_strcaseeq(cs, "utf-8") || util_strcaseeq(cs, "us-ascii"))) {
		/* "base64" that decodes to garbage while the raw part is plain text: a mislabelled
		 * part (Python's parser shows such parts as written too) */
		const char *rs = c->raw + p->body_start;
		size_t rn = p->body_end > p->body_start ? p->body_end - p->body_start : 0;
		size_t i, letters = 0, spaces = 0;
		for (i = 0; i < rn; i++) {
			if (rs[i] == ' ')
				spaces++;
			else if ((rs[i] >= 'a' && rs[i] <= 'z') || (rs[i] >= 'A' && rs[i] <= 'Z'))
				letters++;
		}
		if (spaces * 20 > rn && letters * 2 > rn && mime_utf8_valid(rs, rn)) {
			buf_reset(&d);
			(void)buf_add(&d, rs, rn);
			warn(c, "text labelled base64 is not base64; shown as written");
		}
	}
	if (mime_to_utf8(cs, d.data ? d.data : "", d.len, &u, &w) < 0)
		warn(c, "converted text over the size limit; cut");
	if (w)
		warn(c, "%s%s%s", w, cs ? ": " : "", cs ? "charset given" : "");
	buf_free(&d);
	if (html) {
		r = html_to_text(u.data ? u.data : "", u.len, cap);
		buf_free(&u);
		if (r == NULL) {
			set_error(c, MSG_E_NOMEM, "out of memory");
			goto out;
		}
	} else {
		/* CRLF / CR -> LF */
		size_t i, j = 0;
		r = buf_steal(&u);
		buf_free(&u);
		if (r == NULL)
			goto out;
		for (i = 0; r[i]; i++) {
			if (r[i] == '\r') {
				r[j++] = '\n';
				if (r[i + 1] == '\n')
					i++;
				continue;
			}
			r[j++] = r[i];
		}
		r[j] = '\0';
		if (p->ct_raw) {
			struct buf f;
			buf_init(&f, 64);
			if (mime_param(p->ct_raw, strlen(p->ct_raw), "format", 0, &f) == 1 &&
			    util_strcaseeq(buf_cstr(&f), "flowed")) {
				int delsp;
				buf_reset(&f);
				delsp = mime_param(p->ct_raw, strlen(p->ct_raw), "delsp", 0, &f) == 1 &&
				        util_strcaseeq(buf_cstr(&f), "yes");
				unflow(r, delsp);
			}
			buf_free(&f);
		}
	}
	if (strlen(r) > c->lim.max_text) {
		size_t cut = mime_utf8_cut(r, c->lim.max_text);
		r[cut] = '\0';
		warn(c, "text cut at %zu bytes", c->lim.max_text);
	}
out:
	free(cs);
	return r;
}

static int
add_attachment(struct ctx *c, const struct part *p)
{
	struct message *m = c->msg;
	struct msg_attachment *na, *a;
	struct buf b;
	size_t size;

	if (m->nattachments >= 1000)
		return 0;
	na = realloc(m->attachments, (m->nattachments + 1) * sizeof(*na));
	if (na == NULL)
		return -1;
	m->attachments = na;
	a = &na[m->nattachments];
	buf_init(&b, 4096);
	if (!(p->cd_raw && mime_param(p->cd_raw, strlen(p->cd_raw), "filename", 1, &b) == 1) &&
	    !(p->ct_raw && mime_param(p->ct_raw, strlen(p->ct_raw), "name", 1, &b) == 1))
		buf_reset(&b);
	a->filename = buf_steal(&b);
	buf_free(&b);
	a->content_type = xstrdup(p->type);
	if (p->multipart || p->first) {
		size = p->body_end > p->body_start ? p->body_end - p->body_start : 0;
	} else if (p->cte == CTE_BASE64) {
		size = mime_b64_size(c->raw + p->body_start,
		    p->body_end > p->body_start ? p->body_end - p->body_start : 0);
	} else {
		struct buf d;
		buf_init(&d, c->lim.max_size + 64);
		(void)part_decode(c, p, &d);
		size = d.len;
		buf_free(&d);
	}
	a->size = size;
	if (!a->filename || !a->content_type) {
		free(a->filename);
		free(a->content_type);
		return -1;
	}
	m->nattachments++;
	return 0;
}

/* Lists attachments: every leaf that is not the chosen body and not an alternative text
 * of it; forwarded messages as one entry each. */
static void
list_attachments(struct ctx *c, const struct part *p, const struct part *body)
{
	const struct part *ch;

	if (p == body)
		return;
	if (p->multipart) {
		for (ch = p->first; ch; ch = ch->next)
			list_attachments(c, ch, body);
		return;
	}
	if (p->first || strncmp(p->type, "message/", 8) == 0) {    /* a forwarded message */
		if (add_attachment(c, p) < 0)
			set_error(c, MSG_E_NOMEM, "out of memory");
		return;
	}
	if (!is_attachment(p) && (strcmp(p->type, "text/plain") == 0 ||
	    strcmp(p->type, "text/html") == 0) && !(p->cd_raw && strstr(p->cd_raw, "filename")))
		return;
	if (p->parent == NULL && p->body_end <= p->body_start)
		return;
	if (add_attachment(c, p) < 0)
		set_error(c, MSG_E_NOMEM, "out of memory");
}

/* The first forwarded message part (message/rfc822 or message/global) in tree order. */
static const struct part *
find_forward(const struct part *p)
{
	const struct part *ch, *r;

	if (!p->multipart && (strcmp(p->type, "message/rfc822") == 0 ||
	                      strcmp(p->type, "message/global") == 0))
		return p;
	if (!p->multipart)
		return NULL;
	for (ch = p->first; ch; ch = ch->next)
		if ((r = find_forward(ch)) != NULL)
			return r;
	return NULL;
}

/* ------------------------------------------------------------------ top level */

void
message_default_limits(struct msg_limits *lim)
{
	lim->max_size = LIM_MESSAGE_SIZE;
	lim->max_depth = LIM_MIME_DEPTH;
	lim->max_parts = LIM_MIME_PARTS;
	lim->max_header = LIM_HEADER_BLOCK;
	lim->max_line = LIM_LINE_LENGTH;
	lim->max_boundary = LIM_BOUNDARY_LENGTH;
	lim->max_text = LIM_TEXT_SIZE;
}

static void
fill_top(struct ctx *c)
{
	static const char *const names[] = { "Subject", "Date", "Message-ID", "In-Reply-To",
		"References", "From", "Sender", "Reply-To", "To", "Cc" };
	enum { N = sizeof(names) / sizeof(names[0]) };
	struct message *m = c->msg;
	struct addrlist al[5];
	int seen[N];
	size_t i, k, j;

	memset(al, 0, sizeof(al));
	memset(seen, 0, sizeof(seen));
	/* one pass over the fields: the first of each single field, every To and Cc */
	for (i = 0; i < m->nheaders; i++) {
		const struct msg_header *h = &m->headers[i];
		size_t nl = strlen(h->name);

		for (k = 0; k < N; k++)
			if (strlen(names[k]) == nl && util_strcaseeq(h->name, names[k]))
				break;
		if (k == N || (seen[k] && k < 8))
			continue;
		seen[k] = 1;
		switch (k) {
		case 0: m->subject = xstrdup(h->value); break;
		case 1: m->date = xstrdup(h->value); break;
		case 2: m->message_id = first_msgid(h->raw); break;
		case 3: m->in_reply_to = first_msgid(h->raw); break;
		case 4: m->references = all_msgids(h->raw); break;
		default:
			if (parse_addresses(h->raw, strlen(h->raw), &al[k - 5]) < 0)
				set_error(c, MSG_E_NOMEM, "out of memory");
			break;
		}
	}
	for (j = 0; j < 3; j++) {
		struct msg_addr *dst = j == 0 ? &m->from : j == 1 ? &m->sender : &m->reply_to;
		if (al[j].n > 0) {
			*dst = al[j].v[0];
			for (k = 1; k < al[j].n; k++) {
				free(al[j].v[k].name);
				free(al[j].v[k].addr);
			}
		}
		free(al[j].v);
	}
	m->to = al[3].v;
	m->nto = al[3].n;
	m->cc = al[4].v;
	m->ncc = al[4].n;
}

static int
ensure(char **s)
{
	if (*s == NULL)
		*s = strdup("");
	return *s ? 0 : -1;
}

static int
ensure_addr(struct msg_addr *a)
{
	return ensure(&a->name) | ensure(&a->addr);
}

static int
finish_strings(struct message *m)
{
	int rc = 0;
	size_t i;

	rc |= ensure(&m->subject);
	rc |= ensure_addr(&m->from);
	rc |= ensure_addr(&m->sender);
	rc |= ensure_addr(&m->reply_to);
	for (i = 0; i < m->nto; i++)
		rc |= ensure_addr(&m->to[i]);
	for (i = 0; i < m->ncc; i++)
		rc |= ensure_addr(&m->cc[i]);
	rc |= ensure(&m->message_id);
	rc |= ensure(&m->in_reply_to);
	rc |= ensure(&m->references);
	rc |= ensure(&m->date);
	rc |= ensure(&m->content_type);
	rc |= ensure(&m->report_type);
	rc |= ensure(&m->body_text);
	rc |= ensure(&m->question_text);
	rc |= ensure(&m->quoted_text);
	rc |= ensure(&m->signature);
	rc |= ensure(&m->error_reason);
	return rc;
}

static const struct part *
find_report(const struct part *p)
{
	const struct part *ch, *r;

	if (strcmp(p->type, "multipart/report") == 0)
		return p;
	if (!p->multipart)
		return NULL;
	for (ch = p->first; ch; ch = ch->next)
		if ((r = find_report(ch)) != NULL)
			return r;
	return NULL;
}

static void forward_question(struct ctx *c, const struct part *p, int hops);

static void
choose_body(struct ctx *c, struct part *root)
{
	struct message *m = c->msg;
	const struct part *body = NULL, *rep;
	int prio = 2;
	struct quote_split qs;

	m->content_type = xstrdup(root->type);
	if ((rep = find_report(root)) != NULL && rep->ct_raw) {
		struct buf b;
		size_t i;
		buf_init(&b, 256);
		if (mime_param(rep->ct_raw, strlen(rep->ct_raw), "report-type", 0, &b) == 1) {
			m->report_type = buf_steal(&b);
			for (i = 0; m->report_type && m->report_type[i]; i++)
				if (m->report_type[i] >= 'A' && m->report_type[i] <= 'Z')
					m->report_type[i] = (char)(m->report_type[i] - 'A' + 'a');
		}
		buf_free(&b);
	}
	find_body(root, &prio, &body);
	if (body) {
		m->body_source = prio == 0 ? MSG_BODY_PLAIN : MSG_BODY_HTML;
		m->body_text = part_text(c, body, prio == 1);
	}
	list_attachments(c, root, body);
	if (c->msg->error)
		return;
	memset(&qs, 0, sizeof(qs));
	if (m->body_text && m->body_text[0]) {
		if (quote_split(m->body_text, &qs) < 0) {
			set_error(c, MSG_E_NOMEM, "out of memory");
			return;
		}
		m->question_text = qs.question;
		m->quoted_text = qs.quoted;
		m->signature = qs.signature;
		return;
	}
	/* no text of its own: a forward with no new text asks about the forwarded message */
	forward_question(c, root, 0);
}

/* Sets question/quoted/signature from the text of the first forwarded message under p:
 * parsed in place when it was not transfer-encoded, else decoded and parsed on its own
 * (with the depth left). hops bounds forwards of forwards. */
static void
forward_question(struct ctx *c, const struct part *p, int hops)
{
	struct message *m = c->msg;
	const struct part *fwd = find_forward(p), *inner = NULL;
	struct quote_split qs;
	char *t = NULL;
	int prio = 2;

	if (fwd == NULL || hops > 8 || m->error)
		return;
	if (fwd->first) {
		find_body(fwd->first, &prio, &inner);
		if (inner == NULL) {
			forward_question(c, fwd->first, hops + 1);
			return;
		}
		t = part_text(c, inner, prio == 1);
	} else if (fwd->cte != CTE_IDENTITY && fwd->depth + 1 < c->lim.max_depth) {
		struct msg_limits lim = c->lim;
		struct message *sub;
		struct buf d;

		buf_init(&d, c->lim.max_size + 64);
		(void)part_decode(c, fwd, &d);
		lim.max_depth = c->lim.max_depth - fwd->depth - 1;
		sub = message_parse(d.data ? d.data : "", d.len, &lim);
		buf_free(&d);
		if (sub == NULL) {
			set_error(c, MSG_E_NOMEM, "out of memory");
			return;
		}
		if (!sub->error && sub->question_text[0]) {
			free(m->question_text);
			free(m->quoted_text);
			free(m->signature);
			m->question_text = sub->question_text;
			m->quoted_text = sub->quoted_text;
			m->signature = sub->signature;
			sub->question_text = sub->quoted_text = sub->signature = NULL;
			warn(c, "no text of its own; the question is read from the forwarded message");
		}
		message_free(sub);
		return;
	}
	if (t == NULL)
		return;
	if (quote_split(t, &qs) < 0) {
		free(t);
		set_error(c, MSG_E_NOMEM, "out of memory");
		return;
	}
	free(t);
	free(m->question_text);
	free(m->quoted_text);
	free(m->signature);
	m->question_text = qs.question;
	m->quoted_text = qs.quoted;
	m->signature = qs.signature;
	warn(c, "no text of its own; the question is read from the forwarded message");
}

struct message *
message_parse(const char *raw, size_t len, const struct msg_limits *lim)
{
	struct message *m;
	struct ctx c;
	struct part *root;
	size_t i;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	memset(&c, 0, sizeof(c));
	c.raw = raw ? raw : "";
	c.len = raw ? len : 0;
	c.msg = m;
	c.next_lf = c.next_cr = (size_t)-1;
	if (lim)
		c.lim = *lim;
	else
		message_default_limits(&c.lim);
	if (c.lim.max_depth == 0)
		c.lim.max_depth = 1;
	m->raw_size = len;
	c.stack = calloc(c.lim.max_depth + 2, sizeof(*c.stack));
	if (c.stack == NULL) {
		set_error(&c, MSG_E_NOMEM, "out of memory");
		goto out;
	}
	root = new_part(&c, NULL);
	if (root == NULL)
		goto out;
	if (len > c.lim.max_size) {
		/* read the header block only, for logs and policy; the message is set aside */
		c.len = len;
		(void)parse_headers(&c, root, 0, 1);
		m->error = 0;
		free(m->error_reason);
		m->error_reason = NULL;
		set_error(&c, MSG_E_TOO_BIG, "message of %zu bytes is over the %zu-byte limit",
		    len, c.lim.max_size);
		fill_top(&c);
		goto out;
	}
	if (memchr(c.raw, '\0', c.len))
		warn(&c, "message contains NUL bytes");
	parse_structure(&c, root);
	if (!m->error && m->nheaders == 0)
		set_error(&c, MSG_E_NO_HEADER, "no header fields: not a mail message");
	fill_top(&c);
	if (!m->error)
		choose_body(&c, root);
out:
	for (i = 0; i < c.nall; i++) {
		struct part *p = c.all[i];
		free(p->ct_raw);
		free(p->cd_raw);
		free(p->cid);
		free(p->boundary);
		free(p);
	}
	free(c.all);
	free(c.stack);
	if (finish_strings(m) < 0) {
		message_free(m);
		return NULL;
	}
	return m;
}

static void
free_addr(struct msg_addr *a)
{
	free(a->name);
	free(a->addr);
}

void
message_free(struct message *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
		free(m->headers[i].raw);
	}
	free(m->headers);
	free(m->subject);
	free_addr(&m->from);
	free_addr(&m->sender);
	free_addr(&m->reply_to);
	for (i = 0; i < m->nto; i++)
		free_addr(&m->to[i]);
	free(m->to);
	for (i = 0; i < m->ncc; i++)
		free_addr(&m->cc[i]);
	free(m->cc);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->date);
	free(m->content_type);
	free(m->report_type);
	free(m->body_text);
	free(m->question_text);
	free(m->quoted_text);
	free(m->signature);
	for (i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].filename);
		free(m->attachments[i].content_type);
	}
	free(m->attachments);
	for (i = 0; i < m->nwarnings; i++)
		free(m->warnings[i]);
	free(m->warnings);
	free(m->error_reason);
	free(m);
}

static const struct msg_header *
find_header(const struct message *m, const char *name, size_t idx)
{
	size_t i;

	if (m == NULL || name == NULL)
		return NULL;
	for (i = 0; i < m->nheaders; i++)
		if (util_strcaseeq(m->headers[i].name, name) && idx-- == 0)
			return &m->headers[i];
	return NULL;
}

const char *
message_header(const struct message *m, const char *name, size_t idx)
{
	const struct msg_header *h = find_header(m, name, idx);

	return h ? h->value : NULL;
}

const char *
message_header_raw(const struct message *m, const char *name, size_t idx)
{
	const struct msg_header *h = find_header(m, name, idx);

	return h ? h->raw : NULL;
}

size_t
message_header_count(const struct message *m, const char *name)
{
	size_t i, n = 0;

	if (m == NULL || name == NULL)
		return 0;
	for (i = 0; i < m->nheaders; i++)
		if (util_strcaseeq(m->headers[i].name, name))
			n++;
	return n;
}
