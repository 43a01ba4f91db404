/* tmpl — a small logic-less template language (a Mustache subset). See tmpl.h.
 *
 * Compilation runs in two passes over a private copy of the source:
 *   1. tokenize: text spans (split after each '\n') and tags, each with its line number;
 *      then mark "standalone" lines (only section/inverted/close/comment/partial tags and
 *      blank text) and drop their text, remembering a standalone partial's indentation;
 *   2. build a flat node array; a section node records the index just past its body, so
 *      rendering is a loop over nodes with recursion only for section bodies and partials.
 *
 * Rendering rules, beyond what tmpl.h says:
 *   - values: strings as they are; integers in decimal; doubles with "%.2f" (money and RVU
 *     figures; pass a string when another precision is wanted); booleans "true"/"false";
 *     null, missing names, objects and arrays render as "".
 *   - escaping follows the template being rendered from the root (tmpl_render's t), also
 *     inside partials, so an HTML reply is escaped even if a partial was compiled as text.
 *     Control characters (C0 other than \n and \t, DEL, C1 as UTF-8) are removed from
 *     escaped values in both modes; TMPL_HTML also turns & < > " ' into entities. Raw tags
 *     ({{{x}}}, {{&x}}) and the template's own text are copied unchanged.
 *   - padding counts display columns: one per code point, two for East Asian wide and
 *     fullwidth characters, none for combining marks and removed control characters, one
 *     per byte of invalid UTF-8.
 *   - a truthy scalar section value is pushed like an object, so {{#note}}{{.}}{{/note}}
 *     prints the note.
 *   - a standalone partial is indented by the white space before its tag (each line of the
 *     partial's own text), as in the Mustache specification.
 *   - work is bounded: besides out's cap, a render visits at most TMPL_MAX_STEPS nodes
 *     (section iterations included), so a template multiplying empty work through nested
 *     sections or partials fails instead of spinning; the error says so.
 *   - on any render error out is restored to its length at entry.
 */
#include "tmpl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "limits.h"

#define TMPL_MAX_NESTING   32u          /* sections inside one template */
#define TMPL_MAX_PARTIALS  16           /* partials inside partials */
#define TMPL_MAX_PAD       1000L        /* widest {{name:N}} */
#define TMPL_MAX_STEPS     (1ul << 20)  /* node visits per render */
#define TMPL_MAX_FRAMES    ((TMPL_MAX_NESTING + 1) * (TMPL_MAX_PARTIALS + 1) + 1)

enum tok_kind {
	TK_TEXT = 0,
	TK_VAR,        /* {{name}} */
	TK_RAW,        /* {{{name}}} {{&name}} */
	TK_SECTION,    /* {{#name}} */
	TK_INVERTED,   /* {{^name}} */
	TK_CLOSE,      /* {{/name}} */
	TK_COMMENT,    /* {{! ...}} */
	TK_PARTIAL     /* {{> name}} */
};

struct tok {
	enum tok_kind kind;
	unsigned line;        /* line of the token's first byte */
	size_t   off, len;    /* TEXT: the span; tags: the name span (trimmed) */
	long     pad;         /* VAR/RAW: 0 none, >0 left-aligned, <0 right-aligned */
	long     wrap;        /* VAR: |wrap:N, 0 none */
	size_t   ioff, ilen;  /* PARTIAL on a standalone line: its indentation */
	int      drop;        /* TEXT removed by a standalone line */
};

enum node_kind { N_TEXT = 0, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum node_kind kind;
	unsigned line;
	size_t   off, len;    /* TEXT: span in src; PARTIAL: name in names; indent in src */
	size_t   name;        /* VAR/RAW/SECTION/INVERTED/PARTIAL: offset in names */
	unsigned nseg;        /* segments of a dotted name (0 for ".") */
	long     pad;
	long     wrap;        /* VAR: text block width (TMPL_TEXT only), 0 none */
	size_t   end;         /* SECTION/INVERTED: index just past the body */
	size_t   ioff, ilen;  /* PARTIAL: indentation span in src (ilen 0: none) */
};

struct tmpl {
	char            *name;
	char            *src;     /* private copy of the source */
	size_t           srclen;
	enum tmpl_escape esc;
	struct node     *nodes;
	size_t           nnodes;
	char            *names;   /* NUL-separated names; dotted names split into segments */
	size_t           nameslen;
};

/* ---------------------------------------------------------------------------------- */
/* compile */

struct cstate {
	const char *name;
	const char *src;
	size_t      len;
	struct buf *err;
	struct tok *toks;
	size_t      ntoks, captoks;
	int         failed;
};

/* Appends "NAME:LINE: message" to err (only the first error is reported). */
static void cerror(struct cstate *cs, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
cerror(struct cstate *cs, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (cs->failed++)
		return;
	if (cs->err == NULL)
		return;
	buf_printf(cs->err, "%s:%u: ", cs->name, line);
	va_start(ap, fmt);
	buf_vprintf(cs->err, fmt, ap);
	va_end(ap);
}

/* A name quoted for an error message: printable ASCII kept, the rest as '?', cut at 40. */
static const char *
quote_name(const char *p, size_t n, char out[48])
{
	size_t i, k = 0;

	for (i = 0; i < n && k < 40; i++)
		out[k++] = (p[i] > 0x20 && p[i] < 0x7f) ? p[i] : '?';
	if (i < n) {
		out[k++] = '.';
		out[k++] = '.';
		out[k++] = '.';
	}
	out[k] = '\0';
	return out;
}

static struct tok *
tok_new(struct cstate *cs)
{
	struct tok *t;

	if (cs->ntoks == cs->captoks) {
		size_t ncap = cs->captoks ? cs->captoks * 2 : 64;
		struct tok *nt = realloc(cs->toks, ncap * sizeof(*nt));

		if (nt == NULL) {
			cerror(cs, 1, "out of memory");
			return NULL;
		}
		cs->toks = nt;
		cs->captoks = ncap;
	}
	t = &cs->toks[cs->ntoks++];
	memset(t, 0, sizeof(*t));
	return t;
}

/* Adds text [off, off+len) split after each newline; advances *line. */
static int
add_text(struct cstate *cs, size_t off, size_t len, unsigned *line)
{
	size_t end = off + len;

	while (off < end) {
		const char *nl = memchr(cs->src + off, '\n', end - off);
		size_t n = nl ? (size_t)(nl - (cs->src + off)) + 1 : end - off;
		struct tok *t = tok_new(cs);

		if (t == NULL)
			return -1;
		t->kind = TK_TEXT;
		t->line = *line;
		t->off = off;
		t->len = n;
		if (nl)
			(*line)++;
		off += n;
	}
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
trim(const char *s, size_t *off, size_t *len)
{
	while (*len > 0 && is_blank(s[*off])) {
		(*off)++;
		(*len)--;
	}
	while (*len > 0 && is_blank(s[*off + *len - 1]))
		(*len)--;
}

/* Checks a data name (for values and sections): "." or dot-separated non-empty segments
 * of bytes other than white space, controls, braces, ':' and the tag sigils (so a typo
 * like "{{ #name}}" is an error rather than a value that is never found). */
static int
check_data_name(struct cstate *cs, unsigned line, const char *p, size_t n)
{
	size_t i;
	char q[48];

	if (n == 0) {
		cerror(cs, line, "empty name");
		return -1;
	}
	if (n == 1 && p[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c == 0x7f || strchr("{}:#^/!>&=<|", c) != NULL ||
		    (c == '.' && (i == 0 || i == n - 1 || p[i + 1] == '.'))) {
			cerror(cs, line, "bad name '%s'", quote_name(p, n, q));
			return -1;
		}
	}
	return 0;
}

static int
check_partial_name(struct cstate *cs, unsigned line, const char *p, size_t n)
{
	size_t i;
	char q[48];

	if (n == 0) {
		cerror(cs, line, "empty name");
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c == 0x7f || c == '{' || c == '}') {
			cerror(cs, line, "bad partial name '%s'", quote_name(p, n, q));
			return -1;
		}
	}
	return 0;
}

/* Parses "-?[0-9]+" within 1..TMPL_MAX_PAD. */
static int
parse_pad(const char *p, size_t n, long *out)
{
	size_t i = 0;
	long v = 0;
	int neg = 0;

	if (n > 0 && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
		if (v > TMPL_MAX_PAD)
			return -1;
	}
	if (v == 0)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

static unsigned
count_lines(const char *p, size_t n)
{
	unsigned c = 0;
	const char *e = p + n;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

/* Reads the tag starting at src[at] ("{{"); appends its token; *next = just past it. */
static int
read_tag(struct cstate *cs, size_t at, unsigned *line, size_t *next)
{
	const char *s = cs->src;
	size_t len = cs->len, cstart, cend, nlen, noff;
	const char *close;
	struct tok *t;
	enum tok_kind kind;
	unsigned tline = *line;
	char q[48];

	if (at + 2 < len && s[at + 2] == '{') {
		cstart = at + 3;
		close = memmem(s + cstart, len - cstart, "}}}", 3);
		if (close == NULL)
			goto unterminated;
		cend = (size_t)(close - s);
		*next = cend + 3;
		kind = TK_RAW;
		noff = cstart;
	} else {
		cstart = at + 2;
		close = memmem(s + cstart, len - cstart, "}}", 2);
		if (close == NULL)
			goto unterminated;
		cend = (size_t)(close - s);
		*next = cend + 2;
		noff = cstart + 1;
		switch (cstart < cend ? s[cstart] : '\0') {
		case '#': kind = TK_SECTION; break;
		case '^': kind = TK_INVERTED; break;
		case '/': kind = TK_CLOSE; break;
		case '!': kind = TK_COMMENT; break;
		case '>': kind = TK_PARTIAL; break;
		case '&': kind = TK_RAW; break;
		case '=':
			cerror(cs, tline, "changing delimiters ({{=...=}}) is not supported");
			return -1;
		default: kind = TK_VAR; noff = cstart; break;
		}
	}
	*line += count_lines(s + at, *next - at);
	t = tok_new(cs);
	if (t == NULL)
		return -1;
	t->kind = kind;
	t->line = tline;
	if (kind == TK_COMMENT)
		return 0;
	nlen = cend - noff;
	trim(s, &noff, &nlen);
	if (kind == TK_VAR) {
		const char *bar = memchr(s + noff, '|', nlen);

		if (bar) {
			size_t foff = (size_t)(bar - s) + 1, flen = noff + nlen - foff;

			nlen = (size_t)(bar - s) - noff;
			trim(s, &noff, &nlen);
			trim(s, &foff, &flen);
			if (flen < 6 || memcmp(s + foff, "wrap:", 5) != 0 ||
			    parse_pad(s + foff + 5, flen - 5, &t->wrap) < 0 || t->wrap < 0) {
				cerror(cs, tline, "bad filter '%s' (want wrap:1..%ld)",
				       quote_name(s + foff, flen, q), TMPL_MAX_PAD);
				return -1;
			}
		}
	}
	if (kind == TK_VAR || kind == TK_RAW) {
		const char *colon = memchr(s + noff, ':', nlen);

		if (colon && t->wrap) {
			cerror(cs, tline, "padding and wrap do not go together: '%s'",
			       quote_name(s + noff, nlen, q));
			return -1;
		}

		if (colon) {
			size_t poff = (size_t)(colon - s) + 1, plen = noff + nlen - poff;

			nlen = (size_t)(colon - s) - noff;
			trim(s, &noff, &nlen);
			trim(s, &poff, &plen);
			if (nlen > 0 && parse_pad(s + poff, plen, &t->pad) < 0) {
				cerror(cs, tline, "bad padding '%s' (want 1..%ld or -1..-%ld)",
				       quote_name(s + poff, plen, q), TMPL_MAX_PAD, TMPL_MAX_PAD);
				return -1;
			}
		}
	}
	t->off = noff;
	t->len = nlen;
	if (kind == TK_PARTIAL)
		return check_partial_name(cs, tline, s + noff, nlen);
	if ((kind == TK_SECTION || kind == TK_INVERTED || kind == TK_CLOSE) && nlen > 0 &&
	    memchr(s + noff, ':', nlen) != NULL) {
		cerror(cs, tline, "padding is only allowed on values: '%s'",
		       quote_name(s + noff, nlen, q));
		return -1;
	}
	return check_data_name(cs, tline, s + noff, nlen);

unterminated:
	cerror(cs, tline, "unterminated tag (no closing '%s')",
	       (at + 2 < len && s[at + 2] == '{') ? "}}}" : "}}");
	return -1;
}

static int
tokenize(struct cstate *cs)
{
	size_t p = 0, next;
	unsigned line = 1;

	while (p < cs->len) {
		const char *o = memmem(cs->src + p, cs->len - p, "{{", 2);
		size_t at = o ? (size_t)(o - cs->src) : cs->len;

		if (add_text(cs, p, at - p, &line) < 0)
			return -1;
		if (o == NULL)
			break;
		if (read_tag(cs, at, &line, &next) < 0)
			return -1;
		p = next;
	}
	return 0;
}

static int
standalone_kind(enum tok_kind k)
{
	return k == TK_SECTION || k == TK_INVERTED || k == TK_CLOSE || k == TK_COMMENT ||
	       k == TK_PARTIAL;
}

/* Is the text token only spaces/tabs, with an optional final "\n" or "\r\n"? */
static int
text_blank(const struct cstate *cs, const struct tok *t)
{
	size_t i, n = t->len;
	const char *p = cs->src + t->off;

	if (n > 0 && p[n - 1] == '\n') {
		n--;
		if (n > 0 && p[n - 1] == '\r')
			n--;
	}
	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return 0;
	return 1;
}

/* Marks the text of standalone lines as dropped. A line is the run of tokens up to and
 * including a text token ending in '\n' (texts are split there), or the last token. */
static void
mark_standalone(struct cstate *cs)
{
	size_t a = 0, b, i;

	while (a < cs->ntoks) {
		int has_sa = 0, ok = 1;

		for (b = a; b < cs->ntoks; b++) {
			const struct tok *t = &cs->toks[b];

			if (t->kind == TK_TEXT) {
				if (!text_blank(cs, t))
					ok = 0;
				if (t->len > 0 && cs->src[t->off + t->len - 1] == '\n')
					break;
			} else if (standalone_kind(t->kind)) {
				has_sa = 1;
			} else {
				ok = 0;
			}
		}
		if (b == cs->ntoks)
			b--;
		if (has_sa && ok) {
			const struct tok *lead = &cs->toks[a];

			for (i = a; i <= b; i++) {
				struct tok *t = &cs->toks[i];

				if (t->kind == TK_TEXT)
					t->drop = 1;
				else if (t->kind == TK_PARTIAL && lead->kind == TK_TEXT) {
					t->ioff = lead->off;
					t->ilen = lead->len;
				}
			}
		}
		a = b + 1;
	}
}

struct open_sec {
	size_t node;
	size_t tok;
};

static int
add_name(struct cstate *cs, struct buf *names, const struct tok *t, struct node *n)
{
	size_t i;

	n->name = names->len;
	n->nseg = 0;
	if (t->len == 1 && cs->src[t->off] == '.' && t->kind != TK_PARTIAL)
		return buf_addc(names, '\0');
	n->nseg = 1;
	for (i = 0; i < t->len; i++) {
		char c = cs->src[t->off + i];

		if (c == '.' && t->kind != TK_PARTIAL) {
			c = '\0';
			n->nseg++;
		}
		if (buf_addc(names, c) < 0)
			return -1;
	}
	return buf_addc(names, '\0');
}

static int
build_nodes(struct cstate *cs, struct tmpl *t)
{
	struct open_sec open[TMPL_MAX_NESTING];
	size_t nopen = 0, i, cap = 0;
	struct buf names;
	char q1[48], q2[48];
	int rc = -1;

	buf_init(&names, (size_t)-1 / 2);
	for (i = 0; i < cs->ntoks; i++) {
		const struct tok *k = &cs->toks[i];
		struct node *n;

		if (k->kind == TK_COMMENT || (k->kind == TK_TEXT && (k->drop || k->len == 0)))
			continue;
		if (k->kind == TK_TEXT && t->nnodes > 0) {
			struct node *prev = &t->nodes[t->nnodes - 1];

			if (prev->kind == N_TEXT && prev->off + prev->len == k->off) {
				prev->len += k->len;
				continue;
			}
		}
		if (k->kind == TK_CLOSE) {
			const struct tok *o;

			if (nopen == 0) {
				cerror(cs, k->line, "'{{/%s}}' closes no open section",
				       quote_name(cs->src + k->off, k->len, q1));
				goto out;
			}
			o = &cs->toks[open[nopen - 1].tok];
			if (o->len != k->len || memcmp(cs->src + o->off, cs->src + k->off, k->len) != 0) {
				cerror(cs, k->line, "'{{/%s}}' does not match '{{%c%s}}' opened at line %u",
				       quote_name(cs->src + k->off, k->len, q1),
				       o->kind == TK_SECTION ? '#' : '^',
				       quote_name(cs->src + o->off, o->len, q2), o->line);
				goto out;
			}
			t->nodes[open[--nopen].node].end = t->nnodes;
			continue;
		}
		if (t->nnodes == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct node *nn = realloc(t->nodes, ncap * sizeof(*nn));

			if (nn == NULL) {
				cerror(cs, k->line, "out of memory");
				goto out;
			}
			t->nodes = nn;
			cap = ncap;
		}
		n = &t->nodes[t->nnodes];
		memset(n, 0, sizeof(*n));
		n->line = k->line;
		switch (k->kind) {
		case TK_TEXT:
			n->kind = N_TEXT;
			n->off = k->off;
			n->len = k->len;
			break;
		case TK_VAR:
		case TK_RAW:
			n->kind = k->kind == TK_VAR ? N_VAR : N_RAW;
			n->pad = k->pad;
			n->wrap = k->wrap;
			break;
		case TK_SECTION:
		case TK_INVERTED:
			if (nopen == TMPL_MAX_NESTING) {
				cerror(cs, k->line, "sections nested deeper than %u", TMPL_MAX_NESTING);
				goto out;
			}
			n->kind = k->kind == TK_SECTION ? N_SECTION : N_INVERTED;
			open[nopen].node = t->nnodes;
			open[nopen].tok = i;
			nopen++;
			break;
		case TK_PARTIAL:
			n->kind = N_PARTIAL;
			n->ioff = k->ioff;
			n->ilen = k->ilen;
			break;
		default:
			break;
		}
		if (n->kind != N_TEXT && add_name(cs, &names, k, n) < 0) {
			cerror(cs, k->line, "out of memory");
			goto out;
		}
		t->nnodes++;
	}
	if (nopen > 0) {
		const struct tok *o = &cs->toks[open[nopen - 1].tok];

		cerror(cs, o->line, "section '{{%c%s}}' is not closed", o->kind == TK_SECTION ? '#' : '^',
		       quote_name(cs->src + o->off, o->len, q1));
		goto out;
	}
	t->nameslen = names.len;
	t->names = buf_steal(&names);
	if (t->names == NULL) {
		cerror(cs, 1, "out of memory");
		goto out;
	}
	rc = 0;
out:
	buf_free(&names);
	return rc;
}

struct tmpl *
tmpl_compile(const char *src, size_t len, const char *name, enum tmpl_escape esc,
             struct buf *err)
{
	struct cstate cs;
	struct tmpl *t;

	memset(&cs, 0, sizeof(cs));
	cs.name = name ? name : "(template)";
	cs.err = err;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		cerror(&cs, 1, "out of memory");
		return NULL;
	}
	t->esc = esc;
	t->name = strdup(cs.name);
	if (len > LIM_TEMPLATE_SIZE) {
		cerror(&cs, 1, "template larger than %u bytes", LIM_TEMPLATE_SIZE);
		goto fail;
	}
	t->src = malloc(len + 1);
	if (t->name == NULL || t->src == NULL) {
		cerror(&cs, 1, "out of memory");
		goto fail;
	}
	if (len)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->srclen = len;
	cs.src = t->src;
	cs.len = len;
	if (tokenize(&cs) < 0)
		goto fail;
	mark_standalone(&cs);
	if (build_nodes(&cs, t) < 0)
		goto fail;
	free(cs.toks);
	return t;
fail:
	free(cs.toks);
	tmpl_free(t);
	return NULL;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->src);
	free(t->nodes);
	free(t->names);
	free(t);
}

const char *
tmpl_name(const struct tmpl *t)
{
	return t->name;
}

/* ---------------------------------------------------------------------------------- */
/* render */

struct indent {
	const char *p;
	size_t      n;
};

struct rstate {
	enum tmpl_escape   esc;
	tmpl_lookup_fn     lookup;
	void              *lookup_ctx;
	struct buf        *out;
	struct buf        *err;
	unsigned long      steps;
	int                depth;        /* partial depth */
	json_object       *stack[TMPL_MAX_FRAMES];
	size_t             nstack;
	struct indent      indent[TMPL_MAX_PARTIALS + 1];
	int                nindent;
	int                pending;      /* at a line start inside an indented partial */
	int                failed;
};

static void rerror(struct rstate *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
rerror(struct rstate *rs, const char *fmt, ...)
{
	va_list ap;

	if (rs->failed++ || rs->err == NULL)
		return;
	va_start(ap, fmt);
	buf_vprintf(rs->err, fmt, ap);
	va_end(ap);
}

static int
out_add(struct rstate *rs, const struct tmpl *t, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (rs->pending) {
		int i;

		rs->pending = 0;
		for (i = 0; i < rs->nindent; i++)
			if (out_add(rs, t, rs->indent[i].p, rs->indent[i].n) < 0)
				return -1;
	}
	if (buf_add(rs->out, p, n) < 0) {
		rerror(rs, "%s: output larger than %zu bytes", t->name, rs->out->max);
		return -1;
	}
	return 0;
}

/* Template text: copied; inside an indented partial each new line gets the indentation. */
static int
out_text(struct rstate *rs, const struct tmpl *t, const char *p, size_t n)
{
	if (rs->nindent == 0)
		return out_add(rs, t, p, n);
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) + 1 : n;

		if (out_add(rs, t, p, k) < 0)
			return -1;
		if (nl)
			rs->pending = 1;
		p += k;
		n -= k;
	}
	return 0;
}

/* Length of the UTF-8 sequence at p (1..4) with its code point, or 0 if invalid. */
static size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2; c &= 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; c &= 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; c &= 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

struct range {
	uint32_t lo, hi;
};

static int
in_ranges(uint32_t c, const struct range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c >= r[i].lo && c <= r[i].hi)
			return 1;
	return 0;
}

/* Display columns of one code point (after wcwidth, simplified). */
static unsigned
cp_width(uint32_t c)
{
	static const struct range zero[] = {
		{0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x0610, 0x061a},
		{0x064b, 0x065f}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff}, {0x200b, 0x200f},
		{0x2028, 0x202e}, {0x2060, 0x2064}, {0x20d0, 0x20ff}, {0xfe00, 0xfe0f},
		{0xfe20, 0xfe2f}, {0xfeff, 0xfeff}, {0xe0100, 0xe01ef},
	};
	static const struct range wide[] = {
		{0x1100, 0x115f}, {0x231a, 0x231b}, {0x2329, 0x232a}, {0x23e9, 0x23ec},
		{0x2614, 0x2615}, {0x2e80, 0x303e}, {0x3041, 0x33ff}, {0x3400, 0x4dbf},
		{0x4e00, 0x9fff}, {0xa000, 0xa4cf}, {0xa960, 0xa97f}, {0xac00, 0xd7a3},
		{0xf900, 0xfaff}, {0xfe10, 0xfe19}, {0xfe30, 0xfe6f}, {0xff00, 0xff60},
		{0xffe0, 0xffe6}, {0x1f300, 0x1f64f}, {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd},
		{0x30000, 0x3fffd},
	};

	if (c < 0x300)
		return 1;
	if (in_ranges(c, zero, sizeof(zero) / sizeof(zero[0])))
		return 0;
	if (in_ranges(c, wide, sizeof(wide) / sizeof(wide[0])))
		return 2;
	return 1;
}

static int
is_removed_control(uint32_t c)
{
	return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f);
}

/* Display columns of a value as it will appear (removed controls count 0). */
static size_t
disp_width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w = 0;

	while (i < n) {
		uint32_t c;
		size_t k = utf8_decode(p + i, n - i, &c);

		if (k == 0) {
			w++;
			i++;
			continue;
		}
		i += k;
		if (!is_removed_control(c))
			w += cp_width(c);
	}
	return w;
}

/* Escaped value: controls removed; HTML special characters as entities in TMPL_HTML. */
static int
out_escaped(struct rstate *rs, const struct tmpl *t, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char c = p[i];
		const char *rep = NULL;
		size_t skip = 0;

		if (c < 0x20) {
			if (c != '\n' && c != '\t')
				skip = 1;
		} else if (c == 0x7f) {
			skip = 1;
		} else if (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
			skip = 2;
		} else if (rs->esc == TMPL_HTML) {
			switch (c) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&#39;"; break;
			default: break;
			}
		}
		if (skip == 0 && rep == NULL) {
			i++;
			continue;
		}
		if (out_add(rs, t, s + run, i - run) < 0)
			return -1;
		if (rep && out_add(rs, t, rep, strlen(rep)) < 0)
			return -1;
		i += rep ? 1 : skip;
		run = i;
	}
	return out_add(rs, t, s + run, n - run);
}

static int
out_spaces(struct rstate *rs, const struct tmpl *t, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		if (out_add(rs, t, sp, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* Display column where the next output byte lands: the current line's width so far, plus
 * the partial indentation still pending at a line start. */
static size_t
out_column(const struct rstate *rs)
{
	const char *d = rs->out->data, *nl;
	size_t col = 0, from = 0;
	int i;

	if (d && rs->out->len) {
		nl = memrchr(d, '\n', rs->out->len);
		from = nl ? (size_t)(nl - d) + 1 : 0;
		col = disp_width(d + from, rs->out->len - from);
	}
	if (rs->pending)
		for (i = 0; i < rs->nindent; i++)
			col += disp_width(rs->indent[i].p, rs->indent[i].n);
	return col;
}

/* {{name|wrap:W}} in a text template: the value filled into lines of at most W display
 * columns, broken at spaces (a word longer than W stands alone), each continuation line
 * indented to the column where the tag began: a hanging indent under a label. A newline in
 * the value starts a new line at that column too. */
static int
out_wrapped(struct rstate *rs, const struct tmpl *t, const char *s, size_t n, size_t width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t col = out_column(rs), i = 0;
	int first = 1;

	while (i < n) {
		size_t j = i, w = 0, cut = 0, end;
		int have_cut = 0;

		/* the hard line: up to a newline */
		end = i;
		while (end < n && p[end] != '\n')
			end++;
		if (disp_width(s + i, end - i) > width) {
			while (j < end) {
				uint32_t c;
				size_t k = utf8_decode(p + j, end - j, &c);

				if (p[j] == ' ' && w <= width) {
					cut = j;
					have_cut = 1;
				}
				if (w > width && have_cut)
					break;
				if (p[j] == ' ' && !have_cut) {
					cut = j;        /* a first word wider than the line */
					have_cut = 1;
					break;
				}
				if (k == 0) {
					w++;
					j++;
				} else {
					w += is_removed_control(c) ? 0 : cp_width(c);
					j += k;
				}
			}
			if (!have_cut)
				cut = end;
		} else {
			cut = end;
		}
		if (!first && (out_add(rs, t, "\n", 1) < 0 ||
		    (cut > i && out_spaces(rs, t, col) < 0)))
			return -1;
		first = 0;
		if (out_escaped(rs, t, s + i, cut - i) < 0)
			return -1;
		i = cut;
		while (i < n && p[i] == ' ')
			i++;
		if (i < n && p[i] == '\n') {
			i++;            /* a newline in the value: the next line starts afresh */
			while (i < n && p[i] == ' ')
				i++;
		}
	}
	return 0;
}

static int
out_value(struct rstate *rs, const struct tmpl *t, const struct node *nd, json_object *v)
{
	char num[400];
	const char *s = "";
	size_t n = 0, w = 0, width;

	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		break;
	case json_type_int:
		if (json_object_get_int64(v) == INT64_MAX)
			snprintf(num, sizeof(num), "%" PRIu64, json_object_get_uint64(v));
		else
			snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
		s = num;
		n = strlen(num);
		break;
	case json_type_double:
		snprintf(num, sizeof(num), "%.2f", json_object_get_double(v));
		s = num;
		if (strcmp(num, "-0.00") == 0)      /* a tiny negative is no debt */
			s++;
		n = strlen(s);
		break;
	case json_type_boolean:
		s = json_object_get_boolean(v) ? "true" : "false";
		n = strlen(s);
		break;
	default:
		break;
	}
	if (nd->wrap > 0 && rs->esc == TMPL_TEXT)
		return out_wrapped(rs, t, s, n, (size_t)nd->wrap);
	width = nd->pad < 0 ? (size_t)-nd->pad : (size_t)nd->pad;
	if (width > 0)
		w = disp_width(s, n);
	if (nd->pad < 0 && w < width && out_spaces(rs, t, width - w) < 0)
		return -1;
	if (nd->kind == N_RAW ? out_add(rs, t, s, n) < 0 : out_escaped(rs, t, s, n) < 0)
		return -1;
	if (nd->pad > 0 && w < width && out_spaces(rs, t, width - w) < 0)
		return -1;
	return 0;
}

/* Looks a name up on the context stack; *found says whether the first segment exists. */
static json_object *
resolve(const struct rstate *rs, const struct tmpl *t, const struct node *nd)
{
	const char *seg = t->names + nd->name;
	json_object *v = NULL;
	size_t f;
	unsigned i;
	int found = 0;

	if (nd->nseg == 0)
		return rs->nstack ? rs->stack[rs->nstack - 1] : NULL;
	for (f = rs->nstack; f-- > 0;) {
		json_object *o = rs->stack[f];

		if (json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, seg, &v)) {
			found = 1;
			break;
		}
	}
	if (!found)
		return NULL;
	for (i = 1; i < nd->nseg; i++) {
		seg += strlen(seg) + 1;
		if (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, seg, &v))
			return NULL;
	}
	return v;
}

static int
truthy(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:    return 0;
	case json_type_boolean: return json_object_get_boolean(v);
	case json_type_int:     return json_object_get_int64(v) != 0;
	case json_type_double:  return json_object_get_double(v) != 0.0;
	case json_type_string:  return json_object_get_string_len(v) > 0;
	case json_type_array:   return json_object_array_length(v) > 0;
	case json_type_object:  return 1;
	}
	return 0;
}

static int render_nodes(struct rstate *rs, const struct tmpl *t, size_t from, size_t to);

static int
push_render(struct rstate *rs, const struct tmpl *t, json_object *v, size_t from, size_t to)
{
	int r;

	if (rs->nstack == TMPL_MAX_FRAMES) {     /* cannot happen: nesting is bounded */
		rerror(rs, "%s: context stack overflow", t->name);
		return -1;
	}
	rs->stack[rs->nstack++] = v;
	r = render_nodes(rs, t, from, to);
	rs->nstack--;
	return r;
}

static int
render_partial(struct rstate *rs, const struct tmpl *t, const struct node *nd)
{
	const char *pname = t->names + nd->name;
	const struct tmpl *p = rs->lookup ? rs->lookup(rs->lookup_ctx, pname) : NULL;
	size_t nstack = rs->nstack;
	int r, indented = nd->ilen > 0;
	char q[48];

	if (p == NULL) {
		rerror(rs, "%s:%u: partial '%s' not found", t->name, nd->line,
		       quote_name(pname, strlen(pname), q));
		return -1;
	}
	if (rs->depth >= TMPL_MAX_PARTIALS) {
		rerror(rs, "%s:%u: partials nested deeper than %d (at '%s')", t->name, nd->line,
		       TMPL_MAX_PARTIALS, quote_name(pname, strlen(pname), q));
		return -1;
	}
	if (indented) {
		rs->indent[rs->nindent].p = t->src + nd->ioff;
		rs->indent[rs->nindent].n = nd->ilen;
		rs->nindent++;
		rs->pending = 1;
	}
	rs->depth++;
	r = render_nodes(rs, p, 0, p->nnodes);
	rs->depth--;
	rs->nstack = nstack;
	if (indented) {
		rs->nindent--;
		rs->pending = rs->pending && rs->nindent > 0;
	}
	return r;
}

static int
render_nodes(struct rstate *rs, const struct tmpl *t, size_t from, size_t to)
{
	size_t i = from;

	while (i < to) {
		const struct node *nd = &t->nodes[i];
		json_object *v;

		if (++rs->steps > TMPL_MAX_STEPS) {
			rerror(rs, "%s:%u: template does too much work (over %lu steps)", t->name,
			       nd->line, TMPL_MAX_STEPS);
			return -1;
		}
		switch (nd->kind) {
		case N_TEXT:
			if (out_text(rs, t, t->src + nd->off, nd->len) < 0)
				return -1;
			break;
		case N_VAR:
		case N_RAW:
			if (out_value(rs, t, nd, resolve(rs, t, nd)) < 0)
				return -1;
			break;
		case N_SECTION:
			v = resolve(rs, t, nd);
			if (json_object_is_type(v, json_type_array)) {
				size_t k, n = json_object_array_length(v);

				for (k = 0; k < n; k++) {
					if (k > 0 && ++rs->steps > TMPL_MAX_STEPS) {
						rerror(rs, "%s:%u: template does too much work (over %lu steps)",
						       t->name, nd->line, TMPL_MAX_STEPS);
						return -1;
					}
					if (push_render(rs, t, json_object_array_get_idx(v, k), i + 1,
					                nd->end) < 0)
						return -1;
				}
			} else if (truthy(v)) {
				if (push_render(rs, t, v, i + 1, nd->end) < 0)
					return -1;
			}
			i = nd->end;
			continue;
		case N_INVERTED:
			if (!truthy(resolve(rs, t, nd)) && render_nodes(rs, t, i + 1, nd->end) < 0)
				return -1;
			i = nd->end;
			continue;
		case N_PARTIAL:
			if (render_partial(rs, t, nd) < 0)
				return -1;
			break;
		}
		i++;
	}
	return 0;
}

int
tmpl_render(const struct tmpl *t, struct json_object *data, tmpl_lookup_fn lookup,
            void *lookup_ctx, struct buf *out, struct buf *err)
{
	struct rstate *rs;
	size_t start = out->len;
	int r;

	rs = calloc(1, sizeof(*rs));
	if (rs == NULL) {
		if (err)
			buf_printf(err, "%s: out of memory", t->name);
		return -1;
	}
	rs->esc = t->esc;
	rs->lookup = lookup;
	rs->lookup_ctx = lookup_ctx;
	rs->out = out;
	rs->err = err;
	rs->stack[rs->nstack++] = data;
	r = render_nodes(rs, t, 0, t->nnodes);
	if (r < 0)
		buf_truncate(out, start);
	free(rs);
	return r;
}
