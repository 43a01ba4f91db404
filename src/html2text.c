/* html2text — HTML -> text with libxml2. See html2text.h. */
#include "html2text.h"

#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "buf.h"
#include "mime.h"
#include "util.h"

struct out {
	struct buf b;
	int nl;          /* newlines at the end of the output (0 = mid-line) */
	int space;       /* a space is pending */
	int cell;        /* cells written in the current row */
	int bq;          /* <blockquote> depth: lines get "> " prefixes, as in plain mail */
	int linestart;   /* nothing written on the current line yet */
};

static void
line_prefix(struct out *o)
{
	int i;

	if (!o->linestart)
		return;
	o->linestart = 0;
	for (i = 0; i < o->bq && i < 16; i++)
		(void)buf_add(&o->b, "> ", 2);
}

static void
put_nl(struct out *o, int want)
{
	if (o->b.len == 0)
		return;     /* no leading blank lines */
	o->space = 0;
	while (o->nl < want) {
		(void)buf_addc(&o->b, '\n');
		o->nl++;
	}
	o->linestart = 1;
}

static void
put_text(struct out *o, const char *s, size_t n, int pre)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (pre) {
			if (ch == '\r')
				continue;
			if (ch != '\n')
				line_prefix(o);
			(void)buf_addc(&o->b, ch);
			o->nl = ch == '\n' ? o->nl + 1 : 0;
			o->linestart = ch == '\n';
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f') {
			if (o->nl == 0 && o->b.len > 0)
				o->space = 1;
			continue;
		}
		/* U+00A0 no-break space counts as a space */
		if (ch == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0) {
			if (o->nl == 0 && o->b.len > 0)
				o->space = 1;
			i++;
			continue;
		}
		if (o->space && !o->linestart) {
			(void)buf_addc(&o->b, ' ');
		}
		o->space = 0;
		line_prefix(o);
		(void)buf_addc(&o->b, ch);
		o->nl = 0;
	}
}

/* What a tag does to the text. libxml2's HTML parser hands names over lower-cased. */
enum tagc { T_OTHER = 0, T_SKIP, T_BLOCK, T_PARA, T_BR, T_CELL, T_ROW, T_BQ, T_PRE };

static const struct { const char *name; enum tagc c; } tags[] = {   /* sorted by name */
	{ "address", T_BLOCK }, { "article", T_BLOCK }, { "aside", T_BLOCK },
	{ "blockquote", T_BQ }, { "body", T_BLOCK }, { "br", T_BR }, { "caption", T_BLOCK },
	{ "center", T_BLOCK }, { "dd", T_BLOCK }, { "details", T_BLOCK }, { "div", T_BLOCK },
	{ "dl", T_PARA }, { "dt", T_BLOCK }, { "embed", T_SKIP }, { "fieldset", T_BLOCK },
	{ "figcaption", T_BLOCK }, { "figure", T_BLOCK }, { "footer", T_BLOCK },
	{ "form", T_BLOCK }, { "h1", T_PARA }, { "h2", T_PARA }, { "h3", T_PARA },
	{ "h4", T_PARA }, { "h5", T_PARA }, { "h6", T_PARA }, { "head", T_SKIP },
	{ "header", T_BLOCK }, { "hr", T_BLOCK }, { "html", T_BLOCK }, { "iframe", T_SKIP },
	{ "legend", T_BLOCK }, { "li", T_BLOCK }, { "main", T_BLOCK }, { "menu", T_BLOCK },
	{ "nav", T_BLOCK }, { "noscript", T_SKIP }, { "object", T_SKIP }, { "ol", T_PARA },
	{ "p", T_PARA }, { "pre", T_PRE }, { "script", T_SKIP }, { "section", T_BLOCK },
	{ "style", T_SKIP }, { "summary", T_BLOCK }, { "svg", T_SKIP }, { "table", T_PARA },
	{ "tbody", T_BLOCK }, { "td", T_CELL }, { "template", T_SKIP }, { "tfoot", T_BLOCK },
	{ "th", T_CELL }, { "thead", T_BLOCK }, { "title", T_SKIP }, { "tr", T_ROW },
	{ "ul", T_PARA }, { "xml", T_SKIP },
};

static enum tagc
tag_class(const char *name)
{
	size_t lo = 0, hi = sizeof(tags) / sizeof(tags[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, tags[mid].name);
		if (c == 0)
			return tags[mid].c;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return T_OTHER;
}

struct sax {
	struct out o;
	size_t skip;     /* depth inside a skipped element (script, style, head …) */
	size_t pre;      /* depth inside <pre> */
};

static void
sax_start(void *ctx, const xmlChar *xname, const xmlChar **attrs)
{
	struct sax *x = ctx;
	struct out *o = &x->o;
	enum tagc c = tag_class((const char *)xname);

	(void)attrs;
	if (x->skip) {
		x->skip++;
		return;
	}
	switch (c) {
	case T_SKIP:
		x->skip = 1;
		return;
	case T_BR:
		put_nl(o, 1);
		o->linestart = 1;
		return;
	case T_CELL:
		if (o->cell > 0) {
			o->space = 0;
			line_prefix(o);
			(void)buf_addc(&o->b, '\t');
			o->nl = 0;
		}
		o->cell++;
		return;
	case T_ROW:
		o->cell = 0;
		put_nl(o, 1);
		return;
	case T_BQ:
		put_nl(o, 2);
		o->bq++;
		return;
	case T_PRE:
		x->pre++;
		put_nl(o, 2);
		return;
	case T_PARA:
		put_nl(o, 2);
		return;
	case T_BLOCK:
		put_nl(o, 1);
		return;
	default:
		return;
	}
}

static void
sax_end(void *ctx, const xmlChar *xname)
{
	struct sax *x = ctx;
	struct out *o = &x->o;

	if (x->skip) {
		x->skip--;
		return;
	}
	switch (tag_class((const char *)xname)) {
	case T_BQ:
		put_nl(o, 2);
		if (o->bq > 0)
			o->bq--;
		return;
	case T_PRE:
		if (x->pre > 0)
			x->pre--;
		put_nl(o, 2);
		return;
	case T_PARA:
		put_nl(o, 2);
		return;
	case T_BLOCK: case T_ROW:
		put_nl(o, 1);
		return;
	default:
		return;
	}
}

static void
sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct sax *x = ctx;

	if (x->skip || len <= 0)
		return;
	put_text(&x->o, (const char *)ch, (size_t)len, x->pre > 0);
}

static void
sax_blank(void *ctx, const xmlChar *ch, int len)
{
	struct sax *x = ctx;

	(void)ch;
	(void)len;
	if (!x->skip && x->o.nl == 0 && x->o.b.len > 0)
		x->o.space = 1;
}

/* Quiet: no diagnostics from the parser reach stderr. */
static void
sax_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

char *
html_to_text(const char *html, size_t n, size_t max)
{
	htmlParserCtxtPtr ctxt;
	xmlCharEncodingHandlerPtr utf8;
	struct sax x;
	struct out *o = &x.o;
	char *r;

	memset(&x, 0, sizeof(x));
	o->linestart = 1;
	buf_init(&o->b, max + 8);
	if (n > 0x7fffffffu)     /* libxml2 takes an int size */
		n = 0x7fffffffu;
	if (n == 0)
		goto done;
	/* SAX: the text is written as the parser goes, no tree is built (a tree of a hostile
	 * 10 MB table would take hundreds of MB) */
	ctxt = htmlCreateMemoryParserCtxt(html, (int)n);
	if (ctxt == NULL)
		goto done;
	if (ctxt->sax) {
		memset(ctxt->sax, 0, sizeof(*ctxt->sax));
		ctxt->sax->initialized = 1;
		ctxt->sax->startElement = sax_start;
		ctxt->sax->endElement = sax_end;
		ctxt->sax->characters = sax_text;
		ctxt->sax->cdataBlock = sax_text;
		ctxt->sax->ignorableWhitespace = sax_blank;
		ctxt->sax->warning = sax_quiet;
		ctxt->sax->error = sax_quiet;
		ctxt->sax->fatalError = sax_quiet;
	}
	ctxt->userData = &x;
	htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_RECOVER | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC);
	if ((utf8 = xmlFindCharEncodingHandler("UTF-8")) != NULL)
		xmlSwitchToEncoding(ctxt, utf8);     /* the text was converted to UTF-8 already */
	(void)htmlParseDocument(ctxt);
	if (ctxt->myDoc)
		xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	htmlFreeParserCtxt(ctxt);
done:
	/* trim trailing newlines to one */
	while (o->b.len > 0 && o->b.data[o->b.len - 1] == '\n')
		o->b.len--;
	if (o->b.len > 0) {
		o->b.data[o->b.len] = '\0';
		(void)buf_addc(&o->b, '\n');
	}
	if (o->b.len > max)
		buf_truncate(&o->b, mime_utf8_cut(o->b.data, max));
	{
		/* libxml2 output is UTF-8 already; make sure nothing invalid slipped through */
		struct buf s;
		buf_init(&s, o->b.len * 3 + 16);
		if (mime_utf8_sanitize(o->b.data ? o->b.data : "", o->b.len, &s, NULL) < 0) {
			buf_free(&s);
			buf_free(&o->b);
			return NULL;
		}
		r = buf_steal(&s);
		buf_free(&s);
	}
	buf_free(&o->b);
	return r;
}
