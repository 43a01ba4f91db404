/* Unit tests: tmpl (the Mustache-subset template engine). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "tmpl.h"

/* A small set of named partials for the lookup callback. */
struct partials {
	const char  *names[8];
	struct tmpl *t[8];
	int          n;
};

static const struct tmpl *
lookup(void *ctx, const char *name)
{
	struct partials *ps = ctx;
	int i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->names[i], name) == 0)
			return ps->t[i];
	return NULL;
}

static const struct tmpl *
lookup_self(void *ctx, const char *name)
{
	(void)name;
	return ctx;
}

static void
add_partial(struct partials *ps, const char *name, const char *src, enum tmpl_escape esc)
{
	struct buf err;

	buf_init(&err, 1000);
	ps->names[ps->n] = name;
	ps->t[ps->n] = tmpl_compile(src, strlen(src), name, esc, &err);
	assert_non_null(ps->t[ps->n]);
	ps->n++;
	buf_free(&err);
}

static void
free_partials(struct partials *ps)
{
	int i;

	for (i = 0; i < ps->n; i++)
		tmpl_free(ps->t[i]);
	ps->n = 0;
}

/* Compiles src, renders it with the JSON document json (may be NULL), returns the output
 * or "ERR:" + the error message (compile or render). Caller frees. */
static char *
run_full(const char *src, enum tmpl_escape esc, const char *json, struct partials *ps,
         size_t cap)
{
	struct buf out, err;
	struct tmpl *t;
	json_object *data = json ? json_tokener_parse(json) : NULL;
	char *res;

	if (json)
		assert_non_null(data);
	buf_init(&out, cap);
	buf_init(&err, 4096);
	t = tmpl_compile(src, strlen(src), "t.txt", esc, &err);
	if (t == NULL) {
		assert_true(err.len > 0);
		buf_reset(&out);
		buf_addstr(&out, "ERR:");
		buf_addstr(&out, buf_cstr(&err));
	} else if (tmpl_render(t, data, ps ? lookup : NULL, ps, &out, &err) < 0) {
		assert_true(err.len > 0);
		assert_int_equal(out.len, 0);   /* output restored on error */
		out.max = 100000;
		buf_addstr(&out, "ERR:");
		buf_addstr(&out, buf_cstr(&err));
	}
	res = buf_steal(&out);
	buf_free(&err);
	tmpl_free(t);
	json_object_put(data);
	return res;
}

static char *
run(const char *src, enum tmpl_escape esc, const char *json)
{
	return run_full(src, esc, json, NULL, 1u << 20);
}

#define CHECK(src, esc, json, want)                               \
	do {                                                      \
		char *got_ = run((src), (esc), (json));           \
		assert_string_equal(got_, (want));                \
		free(got_);                                       \
	} while (0)

#define T TMPL_TEXT
#define H TMPL_HTML

static void
test_plain_text(void **state)
{
	(void)state;
	CHECK("", T, NULL, "");
	CHECK("hello\nworld\n", T, NULL, "hello\nworld\n");
	CHECK("a { b } c {x} }}", T, "{}", "a { b } c {x} }}");
}

static void
test_variable(void **state)
{
	(void)state;
	CHECK("Hi {{name}}!", T, "{\"name\":\"Ann\"}", "Hi Ann!");
	CHECK("Hi {{ name }}!", T, "{\"name\":\"Ann\"}", "Hi Ann!");
	CHECK("[{{missing}}]", T, "{\"name\":\"Ann\"}", "[]");
	CHECK("[{{x}}]", T, NULL, "[]");
}

static void
test_value_types(void **state)
{
	(void)state;
	CHECK("{{i}}|{{n}}|{{big}}|{{u}}", T, "{\"i\":42,\"n\":-7,\"big\":9007199254740993,"
	      "\"u\":18446744073709551615}", "42|-7|9007199254740993|18446744073709551615");
	CHECK("{{d}}|{{e}}|{{f}}", T, "{\"d\":1.5,\"e\":32.7442,\"f\":0.0051}", "1.50|32.74|0.01");
	CHECK("{{a}}|{{b}}|{{c}}", T, "{\"a\":-0.001,\"b\":-2.5,\"c\":1e3}", "0.00|-2.50|1000.00");
	CHECK("{{t}}|{{f}}|{{z}}", T, "{\"t\":true,\"f\":false,\"z\":null}", "true|false|");
	CHECK("[{{o}}][{{a}}]", T, "{\"o\":{\"x\":1},\"a\":[1,2]}", "[][]");
}

static void
test_dotted(void **state)
{
	(void)state;
	CHECK("{{a.b.c}}", T, "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep");
	CHECK("[{{a.x.c}}]", T, "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "[]");
	CHECK("[{{a.b.c.d}}]", T, "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "[]");
	/* the first segment is found on the stack, the rest inside it */
	CHECK("{{#o}}{{a.b}}{{/o}}", T, "{\"a\":{\"b\":\"outer\"},\"o\":{\"x\":1}}", "outer");
	/* once the first segment is found, no fallback outwards */
	CHECK("{{#o}}[{{a.b}}]{{/o}}", T, "{\"a\":{\"b\":\"outer\"},\"o\":{\"a\":{}}}", "[]");
}

static void
test_dot(void **state)
{
	(void)state;
	CHECK("{{#l}}<{{.}}>{{/l}}", T, "{\"l\":[\"a\",1,2.5,true]}", "<a><1><2.50><true>");
	CHECK("{{.}}", T, "\"top\"", "top");
	CHECK("{{#l}}{{#.}}[{{.}}]{{/.}}{{/l}}", T, "{\"l\":[[1,2],[3]]}", "[1][2][3]");
}

static void
test_html_escape(void **state)
{
	(void)state;
	CHECK("{{v}}", H, "{\"v\":\"<a href=\\\"x\\\">Tom & Jerry's</a>\"}",
	      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	CHECK("<p>{{v}}</p>", H, "{\"v\":\"plain\"}", "<p>plain</p>");
	/* the template's own text is not escaped */
	CHECK("<b>&amp;{{v}}</b>", H, "{\"v\":\"&\"}", "<b>&amp;&amp;</b>");
}

static void
test_text_no_html_escape(void **state)
{
	(void)state;
	CHECK("{{v}}", T, "{\"v\":\"<a> & \\\"q\\\" 'x'\"}", "<a> & \"q\" 'x'");
}

static void
test_text_controls_removed(void **state)
{
	(void)state;
	CHECK("{{v}}", T, "{\"v\":\"a\\r\\nb\\tc\\u0000d\\u001be\\u007ff\\u0085g\\u009fh\\ni\"}",
	      "a\nb\tcdefgh\ni");
	/* printable non-ASCII stays */
	CHECK("{{v}}", T, "{\"v\":\"caf\\u00e9 \\u00a0 \\u65e5\"}", "caf\xc3\xa9 \xc2\xa0 \xe6\x97\xa5");
}

static void
test_html_controls_removed(void **state)
{
	(void)state;
	CHECK("{{v}}", H, "{\"v\":\"a\\r\\n<b>\\u0007\"}", "a\n&lt;b&gt;");
}

static void
test_raw(void **state)
{
	(void)state;
	CHECK("{{{v}}}|{{&v}}|{{& v }}|{{{ v }}}", H, "{\"v\":\"<b>&</b>\"}",
	      "<b>&</b>|<b>&</b>|<b>&</b>|<b>&</b>");
	CHECK("{{{v}}}", T, "{\"v\":\"a\\rb\"}", "a\rb");
}

static void
test_padding_left(void **state)
{
	(void)state;
	CHECK("[{{c:8}}]", T, "{\"c\":\"99213\"}", "[99213   ]");
	CHECK("[{{ c : 8 }}]", T, "{\"c\":\"99213\"}", "[99213   ]");
	CHECK("[{{c:3}}]", T, "{\"c\":\"99213\"}", "[99213]");   /* never cut */
	CHECK("[{{c:4}}]", T, "{}", "[    ]");
	CHECK("[{{n:5}}]", T, "{\"n\":1.5}", "[1.50 ]");
}

static void
test_padding_right(void **state)
{
	(void)state;
	CHECK("[{{n:-8}}]", T, "{\"n\":\"12.50\"}", "[   12.50]");
	CHECK("[{{n:-6}}]", T, "{\"n\":42}", "[    42]");
	CHECK("[{{{n:-4}}}][{{&n:3}}]", T, "{\"n\":\"<\"}", "[   <][<  ]");
}

static void
test_padding_utf8(void **state)
{
	(void)state;
	/* é is one column (two bytes) */
	CHECK("[{{v:6}}]", T, "{\"v\":\"caf\\u00e9\"}", "[caf\xc3\xa9  ]");
	/* combining acute accent adds no column */
	CHECK("[{{v:6}}]", T, "{\"v\":\"cafe\\u0301\"}", "[cafe\xcc\x81  ]");
	/* CJK wide characters take two columns */
	CHECK("[{{v:-6}}]", T, "{\"v\":\"\\u65e5\\u672c\"}", "[  \xe6\x97\xa5\xe6\x9c\xac]");
	/* removed control characters take none */
	CHECK("[{{v:4}}]", T, "{\"v\":\"a\\u0001b\"}", "[ab  ]");
}

static void
test_padding_html(void **state)
{
	(void)state;
	/* width is that of the text as displayed, not of the entities */
	CHECK("[{{v:5}}]", H, "{\"v\":\"a<b\"}", "[a&lt;b  ]");
}

static void
test_section_array(void **state)
{
	(void)state;
	CHECK("{{#l}}({{c}}){{/l}}", T, "{\"l\":[{\"c\":1},{\"c\":2},{\"c\":3}]}", "(1)(2)(3)");
	CHECK("a{{#l}}x{{/l}}b", T, "{\"l\":[]}", "ab");
}

static void
test_section_truthiness(void **state)
{
	(void)state;
	CHECK("{{#t}}T{{/t}}{{#f}}F{{/f}}", T, "{\"t\":true,\"f\":false}", "T");
	CHECK("{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}", T,
	      "{\"a\":0,\"b\":\"\",\"c\":null,\"d\":0.0}", "");
	CHECK("{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}", T,
	      "{\"a\":3,\"b\":\"x\",\"c\":{},\"d\":0.5}", "ABCD");
	CHECK("[{{#missing}}M{{/missing}}]", T, "{}", "[]");
}

static void
test_section_object_pushed(void **state)
{
	(void)state;
	CHECK("{{#o}}{{x}}-{{y}}{{/o}}", T, "{\"o\":{\"x\":\"in\"},\"y\":\"out\",\"x\":\"no\"}",
	      "in-out");
	/* a truthy scalar is pushed too */
	CHECK("{{#note}}Note: {{.}}{{/note}}", T, "{\"note\":\"mind the gap\"}", "Note: mind the gap");
}

static void
test_nested_sections_shadowing(void **state)
{
	(void)state;
	CHECK("{{#a}}{{#b}}{{n}}{{m}}{{/b}}{{/a}}", T,
	      "{\"n\":\"0\",\"m\":\"M\",\"a\":{\"n\":\"1\",\"b\":[{\"n\":\"2\"},{}]}}", "2M1M");
}

static void
test_inverted(void **state)
{
	(void)state;
	CHECK("{{^l}}none{{/l}}", T, "{\"l\":[]}", "none");
	CHECK("{{^l}}none{{/l}}", T, "{\"l\":[1]}", "");
	CHECK("{{^m}}missing{{/m}}", T, "{}", "missing");
	CHECK("{{^f}}F{{/f}}{{^t}}T{{/t}}{{^z}}Z{{/z}}{{^s}}S{{/s}}", T,
	      "{\"f\":false,\"t\":true,\"z\":0,\"s\":\"\"}", "FZS");
	/* inverted pushes nothing */
	CHECK("{{^o}}x{{/o}}{{#o}}{{^a}}no a{{/a}}{{/o}}", T, "{\"o\":{\"b\":1}}", "no a");
}

static void
test_comment(void **state)
{
	(void)state;
	CHECK("a{{! a comment }}b", T, "{}", "ab");
	CHECK("a{{!\nmulti\nline }}b", T, "{}", "ab");
	CHECK("a{{! {{x}} }}b", T, "{}", "a }}b");   /* the first }} ends a comment */
}

static void
test_standalone_section_lines(void **state)
{
	(void)state;
	CHECK("Codes:\n{{#l}}\n- {{.}}\n{{/l}}\nEnd\n", T, "{\"l\":[\"A\",\"B\"]}",
	      "Codes:\n- A\n- B\nEnd\n");
	CHECK("  {{#t}}  \nyes\n\t{{/t}}\t\nEnd", T, "{\"t\":true}", "yes\nEnd");
	CHECK("{{^l}}\nnone\n{{/l}}\n", T, "{\"l\":[]}", "none\n");
}

static void
test_standalone_crlf(void **state)
{
	(void)state;
	CHECK("a\r\n{{#t}}\r\nb\r\n{{/t}}\r\nc", T, "{\"t\":true}", "a\r\nb\r\nc");
}

static void
test_standalone_at_eof_and_start(void **state)
{
	(void)state;
	CHECK("{{#t}}\nx\n{{/t}}", T, "{\"t\":true}", "x\n");
	CHECK("x\n  {{! comment }}", T, "{}", "x\n");
}

static void
test_standalone_comment_and_multi(void **state)
{
	(void)state;
	CHECK("a\n{{! note }}\nb\n", T, "{}", "a\nb\n");
	CHECK("a\n{{!\n  long\n}}\nb\n", T, "{}", "a\nb\n");
	/* several standalone tags on one line still make it standalone */
	CHECK("a\n{{#t}}{{^f}}\nb\n{{/f}}{{/t}}\nc\n", T, "{\"t\":true,\"f\":false}", "a\nb\nc\n");
}

static void
test_not_standalone(void **state)
{
	(void)state;
	/* text or a value on the line keeps it */
	CHECK("a {{#t}}\nb{{/t}} c\n", T, "{\"t\":true}", "a \nb c\n");
	CHECK("{{#t}}{{v}}\n{{/t}}", T, "{\"t\":true,\"v\":\"x\"}", "x\n");
	CHECK("{{v}}\n", T, "{\"v\":\"\"}", "\n");
}

static void
test_partial(void **state)
{
	struct partials ps = {{0}, {0}, 0};
	char *got;

	(void)state;
	add_partial(&ps, "footer", "-- {{sig}}\n", TMPL_TEXT);
	got = run_full("Hi\n{{> footer}}", T, "{\"sig\":\"Bot\"}", &ps, 1000);
	assert_string_equal(got, "Hi\n-- Bot\n");
	free(got);
	/* the partial sees the current context */
	got = run_full("{{#l}}{{>footer}}{{/l}}", T, "{\"l\":[{\"sig\":\"a\"},{\"sig\":\"b\"}]}", &ps,
	               1000);
	assert_string_equal(got, "-- a\n-- b\n");
	free(got);
	free_partials(&ps);
}

static void
test_partial_indent(void **state)
{
	struct partials ps = {{0}, {0}, 0};
	char *got;

	(void)state;
	add_partial(&ps, "item", "code {{c}}\nnote {{n}}\n", TMPL_TEXT);
	got = run_full("List:\n{{#l}}\n  {{> item}}\n{{/l}}\nEnd\n", T,
	               "{\"l\":[{\"c\":\"1\",\"n\":\"x\\ny\"}]}", &ps, 1000);
	/* lines of the partial's text are indented; a value's own newlines are not */
	assert_string_equal(got, "List:\n  code 1\n  note x\ny\nEnd\n");
	free(got);
	/* inline partial: no indentation */
	got = run_full("> {{>item}}", T, "{\"c\":\"1\",\"n\":\"2\"}", &ps, 1000);
	assert_string_equal(got, "> code 1\nnote 2\n");
	free(got);
	free_partials(&ps);
}

static void
test_partial_uses_root_escaping(void **state)
{
	struct partials ps = {{0}, {0}, 0};
	char *got;

	(void)state;
	add_partial(&ps, "p", "{{v}}", TMPL_TEXT);
	got = run_full("<i>{{>p}}</i>", H, "{\"v\":\"<&>\"}", &ps, 1000);
	assert_string_equal(got, "<i>&lt;&amp;&gt;</i>");
	free(got);
	free_partials(&ps);
}

static void
test_partial_missing(void **state)
{
	struct partials ps = {{0}, {0}, 0};
	char *got;

	(void)state;
	got = run_full("a\nb {{> nowhere}}\n", T, "{}", &ps, 1000);
	assert_string_equal(got, "ERR:t.txt:2: partial 'nowhere' not found");
	free(got);
	got = run_full("{{>x}}", T, "{}", NULL, 1000);   /* no lookup function at all */
	assert_string_equal(got, "ERR:t.txt:1: partial 'x' not found");
	free(got);
}

static void
test_partial_depth_limit(void **state)
{
	struct buf out, err;
	struct tmpl *t;
	json_object *d;
	const char *src = "{{#more}}x{{> self}}{{/more}}";
	int i;

	(void)state;
	buf_init(&out, 10000);
	buf_init(&err, 1000);
	t = tmpl_compile(src, strlen(src), "self", TMPL_TEXT, &err);
	assert_non_null(t);
	/* endless recursion stops with an error and no output */
	d = json_tokener_parse("{\"more\":true}");
	assert_int_equal(tmpl_render(t, d, lookup_self, t, &out, &err), -1);
	assert_int_equal(out.len, 0);
	assert_non_null(strstr(buf_cstr(&err), "partials nested deeper than 16"));
	json_object_put(d);
	/* exactly 16 levels of partials are fine: the root and 15 partials print x, the 16th stops */
	buf_reset(&err);
	d = json_object_new_object();
	{
		json_object *cur = d;

		for (i = 0; i < 16; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(cur, "more", o);
			cur = o;
		}
		/* innermost: stop (else the lookup finds an outer "more") */
		json_object_object_add(cur, "more", json_object_new_boolean(0));
	}
	assert_int_equal(tmpl_render(t, d, lookup_self, t, &out, &err), 0);
	assert_int_equal(out.len, 16);
	json_object_put(d);
	buf_free(&out);
	buf_free(&err);
	tmpl_free(t);
}

static void
test_cap(void **state)
{
	struct buf out, err;
	struct tmpl *t;
	json_object *d;
	const char *src = "{{#l}}{{v}}{{/l}}";

	(void)state;
	buf_init(&out, 25);
	buf_init(&err, 1000);
	buf_addstr(&out, "prefix:");
	t = tmpl_compile(src, strlen(src), "cap", TMPL_TEXT, &err);
	assert_non_null(t);
	d = json_tokener_parse("{\"l\":[1,2,3],\"v\":\"123456\"}");
	assert_int_equal(tmpl_render(t, d, NULL, NULL, &out, &err), 0);   /* 7 + 18 = 25 fits */
	assert_string_equal(buf_cstr(&out), "prefix:123456123456123456");
	buf_truncate(&out, 7);
	json_object_object_add(d, "v", json_object_new_string("1234567"));
	assert_int_equal(tmpl_render(t, d, NULL, NULL, &out, &err), -1);
	assert_string_equal(buf_cstr(&out), "prefix:");      /* restored, earlier content kept */
	assert_non_null(strstr(buf_cstr(&err), "output larger than 25 bytes"));
	json_object_put(d);
	buf_free(&out);
	buf_free(&err);
	tmpl_free(t);
}

static void
test_cap_via_padding_and_escape(void **state)
{
	char *got;

	(void)state;
	got = run_full("{{v:-1000}}", T, "{\"v\":\"x\"}", NULL, 999);
	assert_non_null(strstr(got, "output larger than 999 bytes"));
	free(got);
	got = run_full("{{v}}", H, "{\"v\":\"<<<<\"}", NULL, 15);
	assert_non_null(strstr(got, "output larger than 15 bytes"));
	free(got);
	got = run_full("{{v}}", H, "{\"v\":\"<<<<\"}", NULL, 16);
	assert_string_equal(got, "&lt;&lt;&lt;&lt;");
	free(got);
}

static void
test_work_limit(void **state)
{
	char *got;
	struct buf src;
	int i;

	(void)state;
	/* 32 nested sections over a 10-element array produce nothing but would run 10^32 times */
	buf_init(&src, 10000);
	for (i = 0; i < 32; i++)
		buf_addstr(&src, "{{#l}}");
	for (i = 0; i < 32; i++)
		buf_addstr(&src, "{{/l}}");
	got = run(buf_cstr(&src), T, "{\"l\":[0,1,2,3,4,5,6,7,8,9]}");
	assert_non_null(strstr(got, "too much work"));
	free(got);
	buf_free(&src);
	/* partials fanning out 4 ways, 15 levels deep: 4^15 calls, stopped by the work limit */
	{
		struct buf out, err;
		struct tmpl *t;
		json_object *d = json_object_new_object(), *cur = d;
		const char *fan = "{{#m}}{{>f}}{{>f}}{{>f}}{{>f}}{{/m}}";

		for (i = 0; i < 15; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(cur, "m", o);
			cur = o;
		}
		json_object_object_add(cur, "m", json_object_new_boolean(0));
		buf_init(&out, 1000);
		buf_init(&err, 1000);
		t = tmpl_compile(fan, strlen(fan), "f", TMPL_TEXT, &err);
		assert_non_null(t);
		assert_int_equal(tmpl_render(t, d, lookup_self, t, &out, &err), -1);
		assert_non_null(strstr(buf_cstr(&err), "too much work"));
		tmpl_free(t);
		json_object_put(d);
		buf_free(&out);
		buf_free(&err);
	}
}

#define ERR(src, want)                                                         \
	do {                                                                   \
		char *got_ = run((src), T, "{}");                              \
		assert_string_equal(got_, "ERR:" want);                        \
		free(got_);                                                    \
	} while (0)

static void
test_error_unclosed(void **state)
{
	(void)state;
	ERR("a\nb\n{{#sec}}\nc\n", "t.txt:3: section '{{#sec}}' is not closed");
	ERR("{{#a}}{{^b}}\n{{/b}}", "t.txt:1: section '{{#a}}' is not closed");
}

static void
test_error_mismatched(void **state)
{
	(void)state;
	ERR("{{#a}}\n\n{{/b}}", "t.txt:3: '{{/b}}' does not match '{{#a}}' opened at line 1");
	ERR("x\n{{/a}}", "t.txt:2: '{{/a}}' closes no open section");
}

static void
test_error_unterminated(void **state)
{
	(void)state;
	ERR("line1\nline2 {{name\nmore", "t.txt:2: unterminated tag (no closing '}}')");
	ERR("{{{raw}}\n", "t.txt:1: unterminated tag (no closing '}}}')");
	ERR("a\n{{! never ends", "t.txt:2: unterminated tag (no closing '}}')");
}

static void
test_error_empty_and_bad_name(void **state)
{
	(void)state;
	ERR("{{}}", "t.txt:1: empty name");
	ERR("\n{{ }}", "t.txt:2: empty name");
	ERR("{{#}}{{/}}", "t.txt:1: empty name");
	ERR("{{>}}", "t.txt:1: empty name");
	ERR("{{{ }}}", "t.txt:1: empty name");
	ERR("{{a b}}", "t.txt:1: bad name 'a?b'");
	ERR("{{a..b}}", "t.txt:1: bad name 'a..b'");
	ERR("{{.a}}", "t.txt:1: bad name '.a'");
	ERR("{{ #a}}{{/a}}", "t.txt:1: bad name '#a'");
	ERR("{{#a}}{{ /a}}", "t.txt:1: bad name '/a'");
	ERR("{{a>b}}", "t.txt:1: bad name 'a>b'");
	ERR("{{#a b}}{{/a b}}", "t.txt:1: bad name 'a?b'");
	ERR("{{> a b}}", "t.txt:1: bad partial name 'a?b'");
	ERR("{{=<% %>=}}", "t.txt:1: changing delimiters ({{=...=}}) is not supported");
}

static void
test_error_bad_padding(void **state)
{
	(void)state;
	ERR("\n\n{{a:x}}", "t.txt:3: bad padding 'x' (want 1..1000 or -1..-1000)");
	ERR("{{a:}}", "t.txt:1: bad padding '' (want 1..1000 or -1..-1000)");
	ERR("{{a:0}}", "t.txt:1: bad padding '0' (want 1..1000 or -1..-1000)");
	ERR("{{a:1001}}", "t.txt:1: bad padding '1001' (want 1..1000 or -1..-1000)");
	ERR("{{a:--3}}", "t.txt:1: bad padding '--3' (want 1..1000 or -1..-1000)");
	ERR("{{#a:3}}{{/a}}", "t.txt:1: padding is only allowed on values: 'a:3'");
}

/* {{x|wrap:W}}: lines of at most W columns, continuation lines under the tag's column */
static void
test_wrap(void **state)
{
	struct partials ps = { 0 };
	char *got;

	(void)state;
	/* fits: unchanged */
	CHECK("  {{a|wrap:20}}\n", T, "{\"a\":\"short text\"}", "  short text\n");
	/* wrapped at spaces, continuation under the tag (column 2) */
	CHECK("  {{a|wrap:10}}\n", T, "{\"a\":\"one two three four five\"}",
	      "  one two\n  three four\n  five\n");
	/* exactly W columns fit */
	CHECK("{{a|wrap:7}}|", T, "{\"a\":\"one two three\"}", "one two\nthree|");
	/* a hanging indent under a padded label */
	CHECK("  {{l:8}}{{a|wrap:12}}\n", T, "{\"l\":\"Status:\",\"a\":\"active on 2026-01-01 since 2020\"}",
	      "  Status: active on\n          2026-01-01\n          since 2020\n");
	/* a word wider than W stands alone; spaces at a break are dropped */
	CHECK("{{a|wrap:4}}", T, "{\"a\":\"abcdefgh   ij\"}", "abcdefgh\nij");
	/* UTF-8 counts columns, not bytes: 5 x "\u00e9" is 5 columns */
	CHECK("{{a|wrap:5}}", T, "{\"a\":\"\u00e9\u00e9\u00e9\u00e9\u00e9 x\"}",
	      "\u00e9\u00e9\u00e9\u00e9\u00e9\nx");
	/* a newline in the value starts a new line at the column; blank lines stay blank */
	CHECK("- {{a|wrap:40}}", T, "{\"a\":\"first\\nsecond\\n\\nthird\"}",
	      "- first\n  second\n\n  third");
	/* values are escaped as usual (controls removed) */
	CHECK("{{a|wrap:40}}", T, "{\"a\":\"x\\u0001y\"}", "xy");
	/* {{.|wrap:W}} in a list, and a number */
	CHECK("{{#l}}* {{.|wrap:6}}\n{{/l}}", T, "{\"l\":[\"aa bb cc\",7]}", "* aa bb\n  cc\n* 7\n");
	/* HTML: no wrapping (the browser flows text), still escaped */
	CHECK("<p>{{a|wrap:3}}</p>", H, "{\"a\":\"a <b> c d\"}", "<p>a &lt;b&gt; c d</p>");
	/* inside an indented standalone partial the indentation counts */
	add_partial(&ps, "p", "{{a|wrap:6}}\n", T);
	got = run_full("x\n  {{> p}}\n", T, "{\"a\":\"aa bb cc\"}", &ps, 1u << 20);
	assert_string_equal(got, "x\n  aa bb\n  cc\n");
	free(got);
	free_partials(&ps);
	/* empty and missing values print nothing */
	CHECK("[{{a|wrap:5}}][{{b|wrap:5}}]", T, "{\"a\":\"\"}", "[][]");
}

static void
test_error_bad_filter(void **state)
{
	(void)state;
	ERR("{{a|wrap}}", "t.txt:1: bad filter 'wrap' (want wrap:1..1000)");
	ERR("{{a|wrap:0}}", "t.txt:1: bad filter 'wrap:0' (want wrap:1..1000)");
	ERR("{{a|upper}}", "t.txt:1: bad filter 'upper' (want wrap:1..1000)");
	ERR("{{a|wrap:-3}}", "t.txt:1: bad filter 'wrap:-3' (want wrap:1..1000)");
	ERR("{{a:3|wrap:9}}", "t.txt:1: padding and wrap do not go together: 'a:3'");
	ERR("{{#a|wrap:9}}{{/a}}", "t.txt:1: padding is only allowed on values: 'a|wrap:9'");
	ERR("{{{a|wrap:9}}}", "t.txt:1: bad name 'a|wrap'");
}

static void
test_error_nesting(void **state)
{
	struct buf src;
	char *got;
	int i;

	(void)state;
	buf_init(&src, 10000);
	for (i = 0; i < 32; i++)
		buf_addstr(&src, "{{#a}}\n");
	for (i = 0; i < 32; i++)
		buf_addstr(&src, "{{/a}}\n");
	got = run(buf_cstr(&src), T, "{}");
	assert_string_equal(got, "");       /* 32 deep is allowed */
	free(got);
	buf_reset(&src);
	for (i = 0; i < 33; i++)
		buf_addstr(&src, "{{#a}}\n");
	for (i = 0; i < 33; i++)
		buf_addstr(&src, "{{/a}}\n");
	got = run(buf_cstr(&src), T, "{}");
	assert_string_equal(got, "ERR:t.txt:33: sections nested deeper than 32");
	free(got);
	buf_free(&src);
}

static void
test_error_line_after_multiline_tag(void **state)
{
	(void)state;
	/* lines inside a multi-line comment count */
	ERR("{{! one\ntwo\nthree }}\n{{#x}}", "t.txt:4: section '{{#x}}' is not closed");
}

static void
test_compile_not_nul_terminated(void **state)
{
	struct buf out, err;
	struct tmpl *t;
	const char src[] = "{{a}}XYZ";

	(void)state;
	buf_init(&out, 100);
	buf_init(&err, 100);
	t = tmpl_compile(src, 6, "n", TMPL_TEXT, &err);   /* "{{a}}X" */
	assert_non_null(t);
	assert_string_equal(tmpl_name(t), "n");
	assert_int_equal(tmpl_render(t, NULL, NULL, NULL, &out, &err), 0);
	assert_string_equal(buf_cstr(&out), "X");
	tmpl_free(t);
	/* a tag cut by the length is unterminated */
	t = tmpl_compile(src, 4, "n", TMPL_TEXT, &err);
	assert_null(t);
	assert_string_equal(buf_cstr(&err), "n:1: unterminated tag (no closing '}}')");
	buf_free(&out);
	buf_free(&err);
}

static void
test_nul_in_value_and_template(void **state)
{
	struct buf out, err;
	struct tmpl *t;
	const char src[] = "a\0b{{v}}";
	json_object *d;

	(void)state;
	buf_init(&out, 100);
	buf_init(&err, 100);
	t = tmpl_compile(src, sizeof(src) - 1, "n", TMPL_TEXT, &err);
	assert_non_null(t);
	d = json_object_new_object();
	json_object_object_add(d, "v", json_object_new_string_len("x\0y", 3));
	assert_int_equal(tmpl_render(t, d, NULL, NULL, &out, &err), 0);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.data, "a\0bxy", 5);   /* NUL in a value is removed */
	json_object_put(d);
	tmpl_free(t);
	buf_free(&out);
	buf_free(&err);
}

static void
test_template_size_limit(void **state)
{
	struct buf err;
	char *big;
	size_t n = 256 * 1024 + 1;

	(void)state;
	buf_init(&err, 1000);
	big = malloc(n);
	assert_non_null(big);
	memset(big, 'x', n);
	assert_null(tmpl_compile(big, n, "big", TMPL_TEXT, &err));
	assert_non_null(strstr(buf_cstr(&err), "big:1: template larger than"));
	free(big);
	buf_free(&err);
}

static void
test_table_render(void **state)
{
	const char *src =
		"Code     Units  Fee\n"
		"{{#rows}}\n"
		"{{code:8}} {{units:-5}} {{fee:-8}}\n"
		"{{/rows}}\n"
		"{{^rows}}\n"
		"(none)\n"
		"{{/rows}}\n";

	(void)state;
	CHECK(src, T, "{\"rows\":[{\"code\":\"99213\",\"units\":1,\"fee\":92.03},"
	      "{\"code\":\"G0439\",\"units\":12,\"fee\":1234.5}]}",
	      "Code     Units  Fee\n"
	      "99213        1    92.03\n"
	      "G0439       12  1234.50\n");
	CHECK(src, T, "{\"rows\":[]}", "Code     Units  Fee\n(none)\n");
}

static void
test_reuse_compiled(void **state)
{
	struct buf out, err;
	struct tmpl *t;
	json_object *a = json_tokener_parse("{\"v\":\"one\"}"), *b = json_tokener_parse("{\"v\":\"two\"}");
	const char *src = "{{v}};";

	(void)state;
	buf_init(&out, 100);
	buf_init(&err, 100);
	t = tmpl_compile(src, strlen(src), "r", TMPL_HTML, &err);
	assert_int_equal(tmpl_render(t, a, NULL, NULL, &out, &err), 0);
	assert_int_equal(tmpl_render(t, b, NULL, NULL, &out, &err), 0);
	assert_string_equal(buf_cstr(&out), "one;two;");
	tmpl_free(t);
	tmpl_free(NULL);
	json_object_put(a);
	json_object_put(b);
	buf_free(&out);
	buf_free(&err);
}

static void
test_invalid_utf8_value(void **state)
{
	(void)state;
	/* invalid bytes pass through, and count one column each for padding */
	{
		struct buf out, err;
		struct tmpl *t;
		json_object *d = json_object_new_object();
		const char *src = "[{{v:4}}]";

		buf_init(&out, 100);
		buf_init(&err, 100);
		json_object_object_add(d, "v", json_object_new_string("\xff\xc3"));
		t = tmpl_compile(src, strlen(src), "u", TMPL_TEXT, &err);
		assert_int_equal(tmpl_render(t, d, NULL, NULL, &out, &err), 0);
		assert_string_equal(buf_cstr(&out), "[\xff\xc3  ]");
		tmpl_free(t);
		json_object_put(d);
		buf_free(&out);
		buf_free(&err);
	}
}

static void
test_partial_nested_indent(void **state)
{
	struct partials ps = {{0}, {0}, 0};
	char *got;

	(void)state;
	add_partial(&ps, "outer", "a\n  {{>inner}}\nb\n", TMPL_TEXT);
	add_partial(&ps, "inner", "x\n{{#t}}\ny\n{{/t}}\n", TMPL_TEXT);
	got = run_full("  {{>outer}}", T, "{\"t\":true}", &ps, 1000);
	assert_string_equal(got, "  a\n    x\n    y\n  b\n");
	free(got);
	/* spec: indentation before a multi-line raw value's first line only */
	add_partial(&ps, "box", "|\n{{{content}}}\n|\n", TMPL_TEXT);
	got = run_full("\\\n {{>box}}\n/\n", T, "{\"content\":\"<\\n->\"}", &ps, 1000);
	assert_string_equal(got, "\\\n |\n <\n->\n |\n/\n");
	free(got);
	free_partials(&ps);
}

static void
test_partial_recursive_tree(void **state)
{
	struct partials ps = {{0}, {0}, 0};
	char *got;

	(void)state;
	add_partial(&ps, "node", "{{name}}({{#kids}}{{>node}}{{/kids}})", TMPL_TEXT);
	got = run_full("{{>node}}", T,
	               "{\"name\":\"r\",\"kids\":[{\"name\":\"a\",\"kids\":[{\"name\":\"b\",\"kids\":[]}]},"
	               "{\"name\":\"c\",\"kids\":[]}]}", &ps, 1000);
	assert_string_equal(got, "r(a(b())c())");
	free(got);
	free_partials(&ps);
}

static void
test_dotted_sections(void **state)
{
	(void)state;
	CHECK("\"{{#a.b.c}}Here{{/a.b.c}}\"", T, "{\"a\":{\"b\":{\"c\":true}}}", "\"Here\"");
	CHECK("\"{{#a.b.c}}Here{{/a.b.c}}\"", T, "{\"a\":{\"b\":{\"c\":false}}}", "\"\"");
	CHECK("\"{{^a.b.c}}Here{{/a.b.c}}\"", T, "{\"a\":{}}", "\"Here\"");
	CHECK("|{{# boolean }}={{/ boolean }}|", T, "{\"boolean\":true}", "|=|");
}

static void
test_deeply_nested_contexts(void **state)
{
	(void)state;
	CHECK("{{#a}}\n{{one}}\n{{#b}}\n{{one}}{{two}}{{one}}\n{{#c}}\n{{one}}{{two}}{{three}}"
	      "{{two}}{{one}}\n{{/c}}\n{{/b}}\n{{/a}}\n", T,
	      "{\"a\":{\"one\":1},\"b\":{\"two\":2},\"c\":{\"three\":3}}", "1\n121\n12321\n");
}

static void
test_standalone_whitespace_preserved(void **state)
{
	(void)state;
	/* sections inline keep surrounding and internal white space */
	CHECK(" | {{#b}}\t|\t{{/b}} | \n", T, "{\"b\":true}", " | \t|\t | \n");
	CHECK(" | {{#b}} {{! Important Whitespace }}\n {{/b}} | \n", T, "{\"b\":true}",
	      " |  \n  | \n");
	CHECK(" {{#b}}YES{{/b}}\n {{#b}}GOOD{{/b}}\n", T, "{\"b\":true}", " YES\n GOOD\n");
	CHECK("  {{#b}}\n#{{/b}}\n/", T, "{\"b\":true}", "#\n/");
	CHECK("#{{#b}}\n/\n  {{/b}}", T, "{\"b\":true}", "#\n/\n");
}

static void
test_html_raw_and_padding_modes(void **state)
{
	(void)state;
	CHECK("{{#l}}({{&.}}|{{.}}){{/l}}", H, "{\"l\":[\"&\",\"\\\"\"]}", "(&|&amp;)(\"|&quot;)");
	CHECK("[{{v:-6}}]", H, "{\"v\":\"O'Br\"}", "[  O&#39;Br]");
	CHECK("[{{v:4}}]", H, "{\"v\":true}", "[true]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_variable),
		cmocka_unit_test(test_value_types),
		cmocka_unit_test(test_dotted),
		cmocka_unit_test(test_dot),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_text_no_html_escape),
		cmocka_unit_test(test_text_controls_removed),
		cmocka_unit_test(test_html_controls_removed),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_padding_left),
		cmocka_unit_test(test_padding_right),
		cmocka_unit_test(test_padding_utf8),
		cmocka_unit_test(test_padding_html),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_error_bad_filter),
		cmocka_unit_test(test_section_array),
		cmocka_unit_test(test_section_truthiness),
		cmocka_unit_test(test_section_object_pushed),
		cmocka_unit_test(test_nested_sections_shadowing),
		cmocka_unit_test(test_inverted),
		cmocka_unit_test(test_comment),
		cmocka_unit_test(test_standalone_section_lines),
		cmocka_unit_test(test_standalone_crlf),
		cmocka_unit_test(test_standalone_at_eof_and_start),
		cmocka_unit_test(test_standalone_comment_and_multi),
		cmocka_unit_test(test_not_standalone),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_partial_indent),
		cmocka_unit_test(test_partial_uses_root_escaping),
		cmocka_unit_test(test_partial_missing),
		cmocka_unit_test(test_partial_depth_limit),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_cap_via_padding_and_escape),
		cmocka_unit_test(test_work_limit),
		cmocka_unit_test(test_error_unclosed),
		cmocka_unit_test(test_error_mismatched),
		cmocka_unit_test(test_error_unterminated),
		cmocka_unit_test(test_error_empty_and_bad_name),
		cmocka_unit_test(test_error_bad_padding),
		cmocka_unit_test(test_error_nesting),
		cmocka_unit_test(test_error_line_after_multiline_tag),
		cmocka_unit_test(test_compile_not_nul_terminated),
		cmocka_unit_test(test_nul_in_value_and_template),
		cmocka_unit_test(test_template_size_limit),
		cmocka_unit_test(test_table_render),
		cmocka_unit_test(test_reuse_compiled),
		cmocka_unit_test(test_invalid_utf8_value),
		cmocka_unit_test(test_partial_nested_indent),
		cmocka_unit_test(test_partial_recursive_tree),
		cmocka_unit_test(test_dotted_sections),
		cmocka_unit_test(test_deeply_nested_contexts),
		cmocka_unit_test(test_standalone_whitespace_preserved),
		cmocka_unit_test(test_html_raw_and_padding_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
