/* render — see render.h. */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "conf.h"
#include "limits.h"
#include "mime.h"
#include "tmpl.h"
#include "util.h"

#define MAX_TEMPLATES 128
#define SAY_MAX_DEPTH 16                  /* model nesting render_say follows */

struct render {
	struct tmpl *t[MAX_TEMPLATES];
	char name[MAX_TEMPLATES][64];     /* "describe.txt" */
	size_t n;
	const char *mode;                 /* "txt" or "html" while rendering */
};

static int
find(const struct render *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->name[i], name) == 0)
			return (int)i;
	return -1;
}

static int
load_dir(struct render *r, const char *dir, int required, struct buf *err)
{
	DIR *d;
	struct dirent *de;
	int nerr = 0;

	if (dir == NULL || *dir == '\0')
		return 0;
	if ((d = opendir(dir)) == NULL) {
		if (required || errno != ENOENT) {
			buf_printf(err, "%s:0: cannot read template directory: %s\n", dir, strerror(errno));
			return 1;
		}
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX], name[64];
		size_t len = strlen(de->d_name);
		struct buf src;
		struct tmpl *t;
		int idx;

		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".tmpl") != 0)
			continue;
		if (len - 5 >= sizeof(name) || util_fmt(path, sizeof(path), "%s/%s", dir, de->d_name) < 0) {
			buf_printf(err, "%s/%s:0: name too long\n", dir, de->d_name);
			nerr++;
			continue;
		}
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		if (find(r, name) >= 0)
			continue;        /* an override already loaded this one */
		if (r->n == MAX_TEMPLATES) {
			buf_printf(err, "%s:0: too many templates (max %d)\n", path, MAX_TEMPLATES);
			nerr++;
			break;
		}
		buf_init(&src, LIM_TEMPLATE_SIZE);
		if (util_read_file(path, LIM_TEMPLATE_SIZE, &src) < 0) {
			buf_printf(err, "%s:0: %s\n", path, strerror(errno));
			buf_free(&src);
			nerr++;
			continue;
		}
		t = tmpl_compile(buf_cstr(&src), src.len, path,
		    strstr(name, ".html") ? TMPL_HTML : TMPL_TEXT, err);
		buf_free(&src);
		if (t == NULL) {
			if (err->len && err->data[err->len - 1] != '\n')
				buf_addc(err, '\n');
			nerr++;
			continue;
		}
		idx = (int)r->n++;
		r->t[idx] = t;
		memcpy(r->name[idx], name, strlen(name) + 1);
	}
	closedir(d);
	return nerr;
}

static int check_sentences(const struct conf *c, struct buf *err);

struct render *
render_load(const struct conf *c, struct buf *err)
{
	struct render *r = calloc(1, sizeof(*r));
	int nerr = 0;

	if (r == NULL)
		return NULL;
	nerr += load_dir(r, c->templates_override, 0, err);
	nerr += load_dir(r, c->templates, 1, err);
	if (!nerr && (find(r, "reply.txt") < 0 || find(r, "reply.html") < 0 || find(r, "sentences.txt") < 0)) {
		buf_printf(err, "%s:0: reply.txt.tmpl, reply.html.tmpl and sentences.txt.tmpl are required\n",
		    c->templates);
		nerr++;
	}
	if (!nerr)
		nerr += check_sentences(c, err);
	if (nerr) {
		render_free(r);
		return NULL;
	}
	return r;
}

void
render_free(struct render *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		tmpl_free(r->t[i]);
	free(r);
}

size_t
render_count(const struct render *r)
{
	return r->n;
}

static const struct tmpl *
lookup(void *ctx, const char *name)
{
	struct render *r = ctx;
	char full[80];
	int i;

	if (util_fmt(full, sizeof(full), "%s.%s", name, r->mode) < 0)
		return NULL;
	i = find(r, full);
	return i < 0 ? NULL : r->t[i];
}

/* The reply parts are declared UTF-8: text from the reference DB (imported files), the
 * question or a template that is not valid UTF-8 is repaired here, each bad byte becoming
 * U+FFFD, so no part ever carries raw invalid bytes. */
static int
utf8_repair(struct buf *b, struct buf *err)
{
	struct buf fixed;
	int r = 0;

	if (b->len == 0 || mime_utf8_valid(b->data, b->len))
		return 0;
	buf_init(&fixed, b->max);
	if (mime_utf8_sanitize(b->data, b->len, &fixed, NULL) < 0) {
		buf_printf(err, "reply too big after replacing invalid UTF-8");
		r = -1;
	} else {
		buf_reset(b);
		if (buf_add(b, fixed.data, fixed.len) < 0)
			r = -1;
	}
	buf_free(&fixed);
	return r;
}

/* One sentence: sentences.txt rendered with { say: facts }, white space runs made one space. */
static int
say_one(struct render *r, const char *say, struct json_object *facts, struct buf *out,
    struct buf *err)
{
	struct json_object *data = json_object_new_object();
	struct buf raw;
	size_t i;
	int rc = -1, sp = 0;

	buf_init(&raw, LIM_TEMPLATE_SIZE);
	json_object_object_add(data, say, json_object_get(facts));
	r->mode = "txt";
	if (tmpl_render(r->t[find(r, "sentences.txt")], data, lookup, r, &raw, err) < 0)
		goto out;
	for (i = 0; i < raw.len; i++) {
		unsigned char ch = (unsigned char)raw.data[i];

		if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
			sp = out->len > 0;
			continue;
		}
		if ((sp && buf_addc(out, ' ') < 0) || buf_addc(out, (char)ch) < 0)
			goto out;
		sp = 0;
	}
	if (out->len == 0) {
		buf_printf(err, "sentences.txt.tmpl: no sentence for '%s'", say);
		goto out;
	}
	rc = 0;
out:
	buf_free(&raw);
	json_object_put(data);
	return rc;
}

/* Every object of the model (depth-first, at most SAY_MAX_DEPTH deep) that carries a sentence id (say)
 * and its facts gets its text; sentence objects inside its facts get theirs first. */
static int
say_walk(struct render *r, struct json_object *o, int depth, struct buf *err)
{
	struct json_object *say, *facts;
	size_t i;

	if (depth > SAY_MAX_DEPTH)
		return 0;
	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			if (say_walk(r, json_object_array_get_idx(o, i), depth + 1, err) < 0)
				return -1;
		return 0;
	}
	if (!json_object_is_type(o, json_type_object))
		return 0;
	if (json_object_object_get_ex(o, "say", &say) && json_object_is_type(say, json_type_string) &&
	    json_object_object_get_ex(o, "facts", &facts)) {
		struct buf s;
		int rc;

		/* sentences inside the facts first: a sentence may show another's text */
		if (say_walk(r, facts, depth + 1, err) < 0)
			return -1;
		buf_init(&s, LIM_TEMPLATE_SIZE);
		rc = say_one(r, json_object_get_string(say), facts, &s, err);
		if (rc == 0)
			json_object_object_add(o, "text", json_object_new_string(buf_cstr(&s)));
		buf_free(&s);
		return rc;
	}
	{
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (say_walk(r, v, depth + 1, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* The sentence ids of a sentences file: the names of its top-level sections, in order, each
 * followed by a NUL, into ids. Comments are skipped; nesting is followed by the tags alone. */
static void
sentence_ids(const char *s, size_t n, struct buf *ids)
{
	const char *p = s, *e = s + n;
	int depth = 0;

	while (p < e && (p = memmem(p, (size_t)(e - p), "{{", 2)) != NULL) {
		const char *q = memmem(p + 2, (size_t)(e - p - 2), "}}", 2);
		char k;

		if (q == NULL)
			break;
		k = p[2];
		if (k == '#' || k == '^') {
			if (depth++ == 0 && k == '#') {
				buf_add(ids, p + 3, (size_t)(q - p - 3));
				buf_addc(ids, '\0');
			}
		} else if (k == '/' && depth > 0)
			depth--;
		p = q + 2;
	}
}

/* 1 when id is one of the NUL-separated names in ids */
static int
has_id(const struct buf *ids, const char *id)
{
	const char *p;

	for (p = ids->data; p && p < ids->data + ids->len; p += strlen(p) + 1)
		if (strcmp(p, id) == 0)
			return 1;
	return 0;
}

/* An admin's sentences.txt.tmpl must have every sentence (top-level section) the shipped one
 * has, or a reply would fail at render time. Returns the number of errors (named in err). */
static int
check_sentences(const struct conf *c, struct buf *err)
{
	char path[PATH_MAX], opath[PATH_MAX];
	struct buf src, osrc, ids, oids;
	const char *id;
	int nerr = 0;

	if (c->templates_override == NULL || *c->templates_override == '\0' ||
	    util_fmt(opath, sizeof(opath), "%s/sentences.txt.tmpl", c->templates_override) < 0 ||
	    access(opath, F_OK) != 0 ||
	    util_fmt(path, sizeof(path), "%s/sentences.txt.tmpl", c->templates) < 0)
		return 0;
	buf_init(&src, LIM_TEMPLATE_SIZE);
	buf_init(&osrc, LIM_TEMPLATE_SIZE);
	buf_init(&ids, LIM_TEMPLATE_SIZE);
	buf_init(&oids, LIM_TEMPLATE_SIZE);
	if (util_read_file(path, LIM_TEMPLATE_SIZE, &src) == 0 &&
	    util_read_file(opath, LIM_TEMPLATE_SIZE, &osrc) == 0) {
		sentence_ids(buf_cstr(&src), src.len, &ids);
		sentence_ids(buf_cstr(&osrc), osrc.len, &oids);
		for (id = ids.data; id && id < ids.data + ids.len; id += strlen(id) + 1)
			if (!has_id(&oids, id)) {
				buf_printf(err, "%s:0: no sentence for '%s' (the shipped sentences.txt.tmpl has one)\n",
				    opath, id);
				nerr++;
			}
	}
	buf_free(&src);
	buf_free(&osrc);
	buf_free(&ids);
	buf_free(&oids);
	return nerr;
}

int
render_say(struct render *r, struct json_object *model, struct buf *err)
{
	return say_walk(r, model, 0, err);
}

/* The text part from `from` on: at most one blank line in a row (sections that end with a
 * blank line and are followed by one would leave two), no blank line at its start. */
static void
squeeze_blank(struct buf *b, size_t from)
{
	size_t i = from, o = from, blanks = 0;
	int start = 1;

	while (i < b->len) {
		size_t e = i, k;
		int blank = 1;

		while (e < b->len && b->data[e] != '\n')
			e++;
		for (k = i; k < e; k++)
			if (b->data[k] != ' ' && b->data[k] != '\t' && b->data[k] != '\r')
				blank = 0;
		if (blank && e < b->len && (start || blanks++ > 0)) {
			i = e + 1;              /* drop the line */
			continue;
		}
		if (!blank) {
			blanks = 0;
			start = 0;
		}
		if (e < b->len)
			e++;                    /* with its newline */
		memmove(b->data + o, b->data + i, e - i);
		o += e - i;
		i = e;
	}
	b->len = o;
	if (b->data)
		b->data[o] = '\0';
}

int
render_reply(struct render *r, struct json_object *model, struct buf *text, struct buf *html,
    struct buf *err)
{
	size_t from = text->len;

	if (render_say(r, model, err) < 0)
		return -1;
	r->mode = "txt";
	if (tmpl_render(r->t[find(r, "reply.txt")], model, lookup, r, text, err) < 0 ||
	    utf8_repair(text, err) < 0)
		return -1;
	squeeze_blank(text, from);
	r->mode = "html";
	if (tmpl_render(r->t[find(r, "reply.html")], model, lookup, r, html, err) < 0 ||
	    utf8_repair(html, err) < 0)
		return -1;
	return 0;
}
