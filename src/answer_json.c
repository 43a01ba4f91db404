/* answer_json — the model helpers every answer builder uses (answer_priv.h): strings and
 * formatted strings, paragraphs and hanging-indent lines wrapped for the text part,
 * bullets, sections, lists. Objects passed in are borrowed; arrays handed to
 * ap_add_list() are taken. */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "answer_priv.h"
#include "buf.h"
#include "util.h"

void
ap_j_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

void
ap_j_fmt(struct json_object *o, const char *k, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 64 * 1024);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	J_STR(o, k, buf_cstr(&b));
	buf_free(&b);
}

void
ap_a_str(struct json_object *a, const char *v)
{
	json_object_array_add(a, json_object_new_string(v ? v : ""));
}

void
ap_a_fmt(struct json_object *a, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 64 * 1024);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	A_STR(a, buf_cstr(&b));
	buf_free(&b);
}

/* key = text, and key_lines = text wrapped at width columns (for the text part) */
void
ap_j_para(struct json_object *o, const char *key, const char *text, size_t width)
{
	struct json_object *lines = json_object_new_array();
	const char *p = text ? text : "";
	char k[64];

	J_STR(o, key, p);
	while (*p) {
		size_t n = strlen(p), cut = n, i;

		if (n > width) {
			cut = 0;
			for (i = 0; i <= width; i++)
				if (p[i] == ' ')
					cut = i;
			if (cut == 0) {
				cut = strcspn(p, " ");
			}
		}
		json_object_array_add(lines, json_object_new_string_len(p, (int)cut));
		p += cut;
		while (*p == ' ')
			p++;
	}
	if (util_fmt(k, sizeof(k), "%s_lines", key) == 0)
		json_object_object_add(o, k, lines);
	else
		json_object_put(lines);
}

/* key = text, and key_lines = "label     text" wrapped at width columns with the
 * continuation lines indented by labelw (a hanging indent, for the text part) */
void
ap_j_hang(struct json_object *o, const char *key, const char *label, const char *text,
    size_t labelw, size_t width)
{
	struct json_object *lines = json_object_new_array();
	const char *p = text ? text : "";
	struct buf line;
	char k[64];
	int first = 1;

	J_STR(o, key, p);
	buf_init(&line, 4096);
	do {
		size_t n = strlen(p), cut = n, i, room = width > labelw + 10 ? width - labelw : 10;

		buf_reset(&line);
		if (first)
			buf_printf(&line, "%-*s", (int)labelw, label);
		else
			buf_printf(&line, "%*s", (int)labelw, "");
		if (n > room) {
			cut = 0;
			for (i = 0; i <= room; i++)
				if (p[i] == ' ')
					cut = i;
			if (cut == 0)
				cut = strcspn(p, " ");
		}
		buf_add(&line, p, cut);
		A_STR(lines, buf_cstr(&line));
		p += cut;
		while (*p == ' ')
			p++;
		first = 0;
	} while (*p);
	if (util_fmt(k, sizeof(k), "%s_lines", key) == 0)
		json_object_object_add(o, k, lines);
	else
		json_object_put(lines);
	buf_free(&line);
}

void
ap_j_hangf(struct json_object *o, const char *key, const char *label, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 64 * 1024);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	J_HANG(o, key, label, buf_cstr(&b), AP_LABELW, AP_WRAP - 2);
	buf_free(&b);
}

/* key_w = the strings of the array key as bullets: [ { "lines": [ "- first", "  more" ] } ] */
void
ap_bullets(struct json_object *o, const char *key, size_t width)
{
	struct json_object *arr = json_object_object_get(o, key), *w = json_object_new_array();
	char k[64];
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_new_object();

		J_HANG(e, "text", "-", json_object_get_string(json_object_array_get_idx(arr, i)), 2, width);
		json_object_array_add(w, e);
	}
	if (util_fmt(k, sizeof(k), "%s_w", key) == 0)
		json_object_object_add(o, k, w);
	else
		json_object_put(w);
}

void
ap_hang(struct json_object *o, const char *key, const char *label, const char *text,
    size_t labelw)
{
	J_HANG(o, key, label, text, labelw, AP_WRAP);
}

void
ap_para(struct json_object *o, const char *key, const char *text)
{
	J_PARA(o, key, text, AP_WRAP - 2);
}

/* heading + a rule of the same length for the text part */
struct json_object *
ap_new_section(struct json_object **body, const char *kind, const char *heading)
{
	struct json_object *sec = json_object_new_object();
	char rule[128];
	size_t n = strlen(heading);

	*body = json_object_new_object();
	if (n >= sizeof(rule))
		n = sizeof(rule) - 1;
	memset(rule, '-', n);
	rule[n] = '\0';
	J_STR(*body, "heading", heading);
	J_STR(*body, "rule", rule);
	json_object_object_add(sec, kind, *body);
	return sec;
}

/* "a, b, c" from an array of strings, plus has_KEY */
void
ap_add_list(struct json_object *m, const char *key, struct json_object *arr)
{
	struct buf b;
	char k[64];
	size_t i, n = json_object_array_length(arr);

	buf_init(&b, 64 * 1024);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", json_object_get_string(json_object_array_get_idx(arr, i)));
	if (util_fmt(k, sizeof(k), "%s_list", key) == 0)
		J_STR(m, k, buf_cstr(&b));
	if (util_fmt(k, sizeof(k), "has_%s", key) == 0)
		J_BOOL(m, k, n > 0);
	json_object_object_add(m, key, arr);
	buf_free(&b);
}
