/* answer_json — the model helpers every answer builder uses (answer_priv.h): strings and
 * formatted strings, sections, lists. The model holds plain text; wrapping it for the text
 * part is the templates' business ({{key|wrap:N}}, tmpl.h). Objects passed in are borrowed; arrays handed to
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

/* a new JSON string from fmt and ap (capped like every model string) */
static struct json_object *
vstr(const char *fmt, va_list ap)
{
	struct json_object *o;
	struct buf b;

	buf_init(&b, 64 * 1024);
	buf_vprintf(&b, fmt, ap);
	o = json_object_new_string(buf_cstr(&b));
	buf_free(&b);
	return o;
}

void
ap_j_fmt(struct json_object *o, const char *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	json_object_object_add(o, k, vstr(fmt, ap));
	va_end(ap);
}

void
ap_a_str(struct json_object *a, const char *v)
{
	json_object_array_add(a, json_object_new_string(v ? v : ""));
}

void
ap_a_fmt(struct json_object *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	json_object_array_add(a, vstr(fmt, ap));
	va_end(ap);
}

/* {say, facts}: a sentence of templates/sentences.txt.tmpl, filled from facts (taken) into
 * its text when the reply is rendered (render_say) */
struct json_object *
ap_say_new(const char *say, struct json_object *facts)
{
	struct json_object *s = json_object_new_object();

	J_STR(s, "say", say);
	json_object_object_add(s, "facts", facts ? facts : json_object_new_object());
	return s;
}

struct json_object *
ap_a_say(struct json_object *a, const char *say)
{
	struct json_object *f = json_object_new_object();

	json_object_array_add(a, ap_say_new(say, f));
	return f;
}

void
ap_j_say(struct json_object *o, const char *key, const char *say, struct json_object *facts)
{
	json_object_object_add(o, key, ap_say_new(say, facts));
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
