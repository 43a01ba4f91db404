/* Unit tests: render (issue 13 point 7: imported invalid UTF-8 never sent raw in a part
 * declared UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "mime.h"
#include "render.h"
#include "util.h"

static void
put(const char *dir, const char *name, const char *text)
{
	char path[256];

	util_fmt(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(util_write_file_atomic(path, text, strlen(text), 0600), 0);
}

/* c = the defaults with templates = dir */
static void
conf_for(struct conf *c, const char *dir)
{
	assert_int_equal(conf_defaults(c), 0);
	free(c->templates);
	c->templates = strdup(dir);
}

/* removes the three template files and dir */
static void
cleanup_dir(const char *dir)
{
	static const char *const names[] = { "reply.txt.tmpl", "reply.html.tmpl", "sentences.txt.tmpl" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		util_fmt(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
test_invalid_utf8_repaired(void **state)
{
	char dir[] = "/tmp/codemaild-test-render-XXXXXX";
	struct conf c;
	struct buf err, text, html;
	struct render *r;
	struct json_object *model;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "reply.txt.tmpl", "Hello {{name}}: {{desc}}\n");
	put(dir, "reply.html.tmpl", "<p>{{desc}}</p>\n");
	put(dir, "sentences.txt.tmpl", "{{#x}}{{y}}{{/x}}\n");
	conf_for(&c, dir);
	buf_init(&err, 4096);
	r = render_load(&c, &err);
	assert_non_null(r);
	/* a description read from an imported file with latin-1 and truncated UTF-8 bytes */
	model = json_object_new_object();
	json_object_object_add(model, "name", json_object_new_string("Jos\xc3\xa9"));
	json_object_object_add(model, "desc", json_object_new_string("caf\xe9 \xc3 x\xf0\x9f\x98"));
	buf_init(&text, 1 << 16);
	buf_init(&html, 1 << 16);
	assert_int_equal(render_reply(r, model, &text, &html, &err), 0);
	assert_true(mime_utf8_valid(text.data, text.len));
	assert_true(mime_utf8_valid(html.data, html.len));
	assert_non_null(strstr(buf_cstr(&text), "Jos\xc3\xa9"));          /* valid text kept */
	assert_non_null(strstr(buf_cstr(&text), "caf\xef\xbf\xbd \xef\xbf\xbd x"));
	assert_non_null(strstr(buf_cstr(&html), "caf\xef\xbf\xbd"));
	json_object_put(model);
	buf_free(&text);
	buf_free(&html);
	buf_free(&err);
	render_free(r);
	conf_free(&c);
	cleanup_dir(dir);
}

/* render_say: every {say, facts} object of the model, at any depth, gets its sentence as
 * text (line breaks and space runs made one space); the reply templates show it; a
 * sentence id the file lacks is an error that names it; no sentences file: no render set. */
static void
test_sentences(void **state)
{
	char dir[] = "/tmp/codemaild-test-render-XXXXXX";
	struct conf c;
	struct buf err, text, html;
	struct render *r;
	struct json_object *model;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "reply.txt.tmpl", "{{#lead}}* {{text|wrap:20}}\n{{/lead}}{{#sec}}[{{v.text}}]{{/sec}}\n");
	put(dir, "reply.html.tmpl", "{{#lead}}<li>{{text}}</li>{{/lead}}\n");
	conf_for(&c, dir);
	buf_init(&err, 4096);
	assert_null(render_load(&c, &err));              /* sentences.txt.tmpl is required */
	assert_non_null(strstr(buf_cstr(&err), "sentences.txt.tmpl"));
	put(dir, "sentences.txt.tmpl", "{{#mue}}{{code}}: MUE {{value}}\n  per   day, {{#over}}{{units}} units\n"
	    "exceed it{{/over}}.{{/mue}}\n{{#note}}A <b> note.{{/note}}\n");
	buf_reset(&err);
	r = render_load(&c, &err);
	assert_non_null(r);
	model = json_tokener_parse("{\"lead\":[{\"say\":\"mue\",\"facts\":{\"code\":\"64495\","
	    "\"value\":1,\"units\":3,\"over\":true}}],\"sec\":[{\"v\":{\"say\":\"note\",\"facts\":{}}}]}");
	assert_non_null(model);
	buf_init(&text, 1 << 16);
	buf_init(&html, 1 << 16);
	assert_int_equal(render_reply(r, model, &text, &html, &err), 0);
	assert_string_equal(buf_cstr(&text), "* 64495: MUE 1 per\n  day, 3 units exceed\n  it.\n[A <b> note.]\n");
	assert_string_equal(buf_cstr(&html), "<li>64495: MUE 1 per day, 3 units exceed it.</li>\n");
	json_object_put(model);
	/* a sentence id the file does not have */
	model = json_tokener_parse("{\"lead\":[{\"say\":\"nope\",\"facts\":{}}]}");
	buf_reset(&err);
	assert_int_equal(render_say(r, model, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "no sentence for 'nope'"));
	json_object_put(model);
	buf_free(&text);
	buf_free(&html);
	buf_free(&err);
	render_free(r);
	conf_free(&c);
	cleanup_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_utf8_repaired),
		cmocka_unit_test(test_sentences),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
