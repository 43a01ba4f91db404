/* html2text — HTML -> text with libxml2. See html2text.h. */
#include "html2text.h"

#include <string.h>

#include <libxml/HTMLparser.h>
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
put_text(struct out *o, const char *s, int pre)
{
	size_t i;

	for (i = 0; s[i]; i++) {
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
		if (ch == 0xc2 && (unsigned char)s[i + 1] == 0xa0) {
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

static int
name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (util_strcaseeq(name, *list))
			return 1;
	return 0;
}

static const char *const skip_tags[] = { "script", "style", "head", "title", "noscript",
	"template", "object", "embed", "iframe", "svg", "xml", NULL };
static const char *const block_tags[] = { "p", "div", "h1", "h2", "h3", "h4", "h5", "h6",
	"ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "table", "thead", "tbody",
	"tfoot", "tr", "caption", "form", "fieldset", "address", "center", "section",
	"article", "header", "footer", "nav", "aside", "main", "figure", "figcaption", "hr",
	"body", "html", "menu", "details", "summary", "legend", NULL };
static const char *const para_tags[] = { "p", "h1", "h2", "h3", "h4", "h5", "h6",
	"blockquote", "pre", "table", "ul", "ol", "dl", NULL };

static void
enter(struct out *o, xmlNodePtr n)
{
	const char *name = (const char *)n->name;

	if (util_strcaseeq(name, "br")) {
		put_nl(o, 1);
		o->nl = o->nl ? o->nl : 1;
		if (o->b.len == 0)
			return;
		return;
	}
	if (util_strcaseeq(name, "td") || util_strcaseeq(name, "th")) {
		if (o->cell > 0) {
			o->space = 0;
			line_prefix(o);
			(void)buf_addc(&o->b, '\t');
			o->nl = 0;
		}
		o->cell++;
		return;
	}
	if (util_strcaseeq(name, "tr"))
		o->cell = 0;
	if (name_in(name, para_tags) && util_strcaseeq(name, "blockquote")) {
		put_nl(o, 2);
		o->bq++;
		return;
	}
	if (name_in(name, para_tags))
		put_nl(o, 2);
	else if (name_in(name, block_tags))
		put_nl(o, 1);
}

static void
leave(struct out *o, xmlNodePtr n)
{
	const char *name = (const char *)n->name;

	if (util_strcaseeq(name, "blockquote") && o->bq > 0) {
		put_nl(o, 2);
		o->bq--;
		return;
	}
	if (name_in(name, para_tags))
		put_nl(o, 2);
	else if (name_in(name, block_tags))
		put_nl(o, 1);
}

char *
html_to_text(const char *html, size_t n, size_t max)
{
	htmlDocPtr doc;
	xmlNodePtr cur, root;
	struct out o;
	int pre = 0;
	char *r;

	memset(&o, 0, sizeof(o));
	o.linestart = 1;
	buf_init(&o.b, max + 8);
	if (n > 0x7fffffffu)     /* libxml2 takes an int size */
		n = 0x7fffffffu;
	doc = htmlReadMemory(html, (int)n, NULL, "UTF-8",
	    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER |
	    HTML_PARSE_NOBLANKS | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC);
	if (doc == NULL)
		goto done;
	root = xmlDocGetRootElement(doc);
	cur = root;
	while (cur) {
		int descend = 0;

		if (cur->type == XML_ELEMENT_NODE) {
			if (!name_in((const char *)cur->name, skip_tags)) {
				enter(&o, cur);
				descend = cur->children != NULL;
				if (descend && util_strcaseeq((const char *)cur->name, "pre"))
					pre++;
				if (!descend)
					leave(&o, cur);
			}
		} else if (cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) {
			if (cur->content)
				put_text(&o, (const char *)cur->content, pre > 0);
		}
		if (descend) {
			cur = cur->children;
			continue;
		}
		/* next sibling, or climb */
		while (cur && cur->next == NULL) {
			cur = cur->parent;
			if (cur == NULL || cur->type != XML_ELEMENT_NODE || cur == (xmlNodePtr)doc) {
				cur = NULL;
				break;
			}
			if (util_strcaseeq((const char *)cur->name, "pre") && pre > 0)
				pre--;
			leave(&o, cur);
			if (cur == root) {
				cur = NULL;
				break;
			}
		}
		if (cur)
			cur = cur->next;
	}
	xmlFreeDoc(doc);
done:
	/* trim trailing newlines to one */
	while (o.b.len > 0 && o.b.data[o.b.len - 1] == '\n')
		o.b.len--;
	if (o.b.len > 0) {
		o.b.data[o.b.len] = '\0';
		(void)buf_addc(&o.b, '\n');
	}
	if (o.b.len > max)
		buf_truncate(&o.b, mime_utf8_cut(o.b.data, max));
	{
		/* libxml2 output is UTF-8 already; make sure nothing invalid slipped through */
		struct buf s;
		buf_init(&s, o.b.len * 3 + 16);
		if (mime_utf8_sanitize(o.b.data ? o.b.data : "", o.b.len, &s, NULL) < 0) {
			buf_free(&s);
			buf_free(&o.b);
			return NULL;
		}
		r = buf_steal(&s);
		buf_free(&s);
	}
	buf_free(&o.b);
	return r;
}
