/* bench_tmpl: microseconds per render of a reply-like text and HTML template with a
 * 25-row table section, and of the same table at 250 and 2500 rows (linearity check).
 * Usage: bench_tmpl [ITERATIONS]   (default 2000). Prints one line per case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "buf.h"
#include "tmpl.h"
#include "util.h"

static const char text_src[] =
	"Hello {{name}},\n"
	"\n"
	"You asked about {{count}} codes.\n"
	"\n"
	"Code      Mod  Units   Work RVU      Fee  Global\n"
	"{{#rows}}\n"
	"{{code:9}} {{mod:4}} {{units:-5}} {{rvu:-10}} {{fee:-8}}  {{global}}\n"
	"{{#note}}\n"
	"          note: {{.}}\n"
	"{{/note}}\n"
	"{{/rows}}\n"
	"{{^rows}}\n"
	"No codes found.\n"
	"{{/rows}}\n"
	"\n"
	"{{> footer}}\n";

static const char html_src[] =
	"<p>Hello {{name}},</p>\n"
	"<table>\n"
	"<tr><th>Code</th><th>Mod</th><th>Units</th><th>RVU</th><th>Fee</th></tr>\n"
	"{{#rows}}\n"
	"<tr><td>{{code}}</td><td>{{mod}}</td><td>{{units}}</td><td>{{rvu}}</td>"
	"<td>{{fee}}</td></tr>\n"
	"{{#note}}<tr><td colspan=\"5\">{{.}}</td></tr>{{/note}}\n"
	"{{/rows}}\n"
	"</table>\n"
	"{{> footer}}\n";

static const char footer_src[] =
	"-- \n"
	"Answered from {{vintage.name}} ({{vintage.date}}).\n"
	"{{#sample}}\n"
	"Sample data: not for billing.\n"
	"{{/sample}}\n";

static struct tmpl *footer_t;

static const struct tmpl *
lookup(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "footer") == 0 ? footer_t : NULL;
}

static json_object *
model(int rows)
{
	json_object *m = json_object_new_object(), *a = json_object_new_array(), *v;
	char code[16];
	int i;

	json_object_object_add(m, "name", json_object_new_string("Dr. O'Neil & Partners <clinic>"));
	json_object_object_add(m, "count", json_object_new_int(rows));
	for (i = 0; i < rows; i++) {
		json_object *r = json_object_new_object();

		snprintf(code, sizeof(code), "99%03d", 200 + i);
		json_object_object_add(r, "code", json_object_new_string(code));
		json_object_object_add(r, "mod", json_object_new_string(i % 3 ? "" : "25"));
		json_object_object_add(r, "units", json_object_new_int(1 + i % 4));
		json_object_object_add(r, "rvu", json_object_new_double(1.3 + i * 0.11));
		json_object_object_add(r, "fee", json_object_new_double(92.03 + i * 3.5));
		json_object_object_add(r, "global", json_object_new_string("XXX"));
		if (i % 5 == 0)
			json_object_object_add(r, "note", json_object_new_string("bundled with 36415"));
		json_object_array_add(a, r);
	}
	json_object_object_add(m, "rows", a);
	v = json_object_new_object();
	json_object_object_add(v, "name", json_object_new_string("CMS PFS RVU26A"));
	json_object_object_add(v, "date", json_object_new_string("2026-01-01"));
	json_object_object_add(m, "vintage", v);
	json_object_object_add(m, "sample", json_object_new_boolean(1));
	return m;
}

static int
bench(const char *label, const char *src, enum tmpl_escape esc, int rows, int iters)
{
	struct buf out, err;
	struct tmpl *t;
	json_object *m = model(rows);
	double t0, t1;
	size_t bytes = 0;
	int i, rc = 1;

	buf_init(&out, 16u * 1024 * 1024);
	buf_init(&err, 1000);
	t = tmpl_compile(src, strlen(src), label, esc, &err);
	if (t == NULL) {
		fprintf(stderr, "%s\n", buf_cstr(&err));
		goto out;
	}
	t0 = util_mono();
	for (i = 0; i < iters; i++) {
		buf_reset(&out);
		if (tmpl_render(t, m, lookup, NULL, &out, &err) < 0) {
			fprintf(stderr, "%s\n", buf_cstr(&err));
			goto out;
		}
		bytes = out.len;
	}
	t1 = util_mono();
	printf("%-5s %5d rows: %9.2f us/render, %8zu bytes, %7.3f us/row\n", label, rows,
	       (t1 - t0) * 1e6 / iters, bytes, (t1 - t0) * 1e6 / iters / rows);
	rc = 0;
out:
	tmpl_free(t);
	json_object_put(m);
	buf_free(&out);
	buf_free(&err);
	return rc;
}

int
main(int argc, char **argv)
{
	struct buf err;
	long iters = 2000;
	int rc = 0;

	if (argc > 1 && util_parse_long(argv[1], 1, 10000000, &iters) < 0) {
		fprintf(stderr, "usage: bench_tmpl [ITERATIONS]\n");
		return 2;
	}
	buf_init(&err, 1000);
	footer_t = tmpl_compile(footer_src, strlen(footer_src), "footer", TMPL_TEXT, &err);
	if (footer_t == NULL) {
		fprintf(stderr, "%s\n", buf_cstr(&err));
		return 1;
	}
	rc |= bench("text", text_src, TMPL_TEXT, 25, (int)iters);
	rc |= bench("html", html_src, TMPL_HTML, 25, (int)iters);
	rc |= bench("text", text_src, TMPL_TEXT, 250, (int)(iters / 10 + 1));
	rc |= bench("text", text_src, TMPL_TEXT, 2500, (int)(iters / 100 + 1));
	tmpl_free(footer_t);
	buf_free(&err);
	return rc;
}
