/* libFuzzer target: tmpl_compile + tmpl_render.
 *
 * Input: template source, then optionally a NUL byte and a JSON document (parsed with
 * json_tokener_parse). Without a NUL, or when the JSON does not parse, a fixed document
 * with every value type is used. The template is compiled in both modes and rendered with
 * a lookup that returns the template itself for any partial name (recursion limit), into
 * a small capped buffer (cap handling). Checks: a failed call leaves an error message and
 * the output as it was; the output never exceeds the cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_doc[] =
	"{\"a\":\"x<&>\\\"'\\r\\n\\u0001\",\"n\":3,\"d\":1.5,\"t\":true,\"f\":false,\"z\":null,"
	"\"l\":[1,\"two\",{\"a\":\"in\",\"l\":[]},[3,4]],\"o\":{\"b\":{\"c\":\"deep\"},\"t\":0},"
	"\"e\":[],\"s\":\"\",\"u\":\"\\u65e5\\u672c\\u8a9e caf\\u00e9\",\"more\":{\"more\":true}}";

static const struct tmpl *
lookup_self(void *ctx, const char *name)
{
	(void)name;
	return ctx;
}

static void
one(const char *src, size_t len, enum tmpl_escape esc, json_object *doc, size_t cap)
{
	struct buf out, err;
	struct tmpl *t;

	buf_init(&out, cap);
	buf_init(&err, 4096);
	t = tmpl_compile(src, len, "fuzz", esc, &err);
	if (t == NULL) {
		if (err.len == 0)
			abort();
		goto out;
	}
	if (strcmp(tmpl_name(t), "fuzz") != 0)
		abort();
	buf_addstr(&out, "pre");
	if (tmpl_render(t, doc, lookup_self, t, &out, &err) < 0) {
		if (err.len == 0 || out.len != 3 || memcmp(out.data, "pre", 3) != 0)
			abort();
	}
	if (out.len > cap)
		abort();
	tmpl_free(t);
out:
	buf_free(&out);
	buf_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t slen = nul ? (size_t)(nul - data) : size;
	json_object *doc = NULL;

	if (nul) {
		size_t jlen = size - slen - 1;
		char *j = malloc(jlen + 1);

		if (j == NULL)
			return 0;
		memcpy(j, nul + 1, jlen);
		j[jlen] = '\0';
		doc = json_tokener_parse(j);
		free(j);
	}
	if (doc == NULL)
		doc = json_tokener_parse(default_doc);
	one(src, slen, TMPL_TEXT, doc, 64 * 1024);
	one(src, slen, TMPL_HTML, doc, 512);
	json_object_put(doc);
	return 0;
}
