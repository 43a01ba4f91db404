/* bench_answer: milliseconds per message to build and render the answer to a 25-code
 * claim-check message (pipeline_decide: parse, policy, extract, lookups, render, compose)
 * against a reference DB, and each stage's share of the CPU, timed stage by stage on the
 * same in-memory message.
 * Usage: bench_answer CODES_DB TEMPLATE_DIR [ITERATIONS [one]]   (default 300; "one": a
 * one-question message instead of the claim). One line per figure, "name value unit";
 * "latency" gives p50/p99/max wall milliseconds of the whole decision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "answer.h"
#include "buf.h"
#include "codedb.h"
#include "conf.h"
#include "extract.h"
#include "message.h"
#include "pipeline.h"
#include "render.h"
#include "util.h"

static const char msg[] =
	"From: Kim Lee <kim@clinic.example>\r\n"
	"To: Coding Consultant <consult@codemaild.example>\r\n"
	"Subject: claim check before we submit\r\n"
	"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
	"Message-ID: <bench-claim@clinic.example>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n"
	"\r\n"
	"Hi, please check this claim, DOS 03/15/2026. Units, bundling and modifiers ok?\r\n"
	"99214-25\r\n20610-RT\r\n20611\r\n20552\r\n64483\r\n64484 x 2 units\r\n"
	"J3301 x 4 units\r\nJ1100 x 10 units\r\n96372\r\n97110 x 3 units\r\n97140\r\n"
	"97530\r\n11102\r\n11103 x 2 units\r\n17110\r\n12001\r\n10060\r\n93000\r\n"
	"71046-26\r\n36415\r\n80053\r\n85025\r\n83036\r\nE11.9\r\nM17.11\r\n"
	"Thanks\r\n";

static const char one_msg[] =
	"From: Kim Lee <kim@clinic.example>\r\n"
	"To: Coding Consultant <consult@codemaild.example>\r\n"
	"Subject: 20610 and 99214 same day\r\n"
	"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
	"Message-ID: <bench-one@clinic.example>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n"
	"\r\n"
	"Can I bill 20610 with 99214 on the same day, and which modifier do I need?\r\n";

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct conf cf;
	struct pipeline p;
	struct buf err, text, html;
	struct message *m;
	struct ex_result ex;
	struct ex_opts eo;
	struct answer_in ai;
	struct json_object *model;
	long n = 300, i;
	double t0, t_total, t_parse, t_extract, t_answer, t_render;
	int lookups = 0;
	size_t len = sizeof(msg) - 1;
	const char *q = msg;
	double *lat;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_answer CODES_DB TEMPLATE_DIR [ITERATIONS]\n");
		return 2;
	}
	if (argc > 3 && util_parse_long(argv[3], 1, 10000000, &n) < 0)
		return 2;
	if (argc > 4 && strcmp(argv[4], "one") == 0) {
		q = one_msg;
		len = sizeof(one_msg) - 1;
	}
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		return 1;
	conf_defaults(&cf);
	free(cf.reference_db);
	cf.reference_db = strdup(argv[1]);
	free(cf.templates);
	cf.templates = strdup(argv[2]);
	free(cf.consultant_address);
	cf.consultant_address = strdup("consult@codemaild.example");
	buf_init(&err, 64 * 1024);
	memset(&p, 0, sizeof(p));
	p.conf = &cf;
	p.db = codedb_open(cf.reference_db, &err);
	p.rd = render_load(&cf, &err);
	if (p.db == NULL || p.rd == NULL || extract_init() < 0) {
		fprintf(stderr, "bench_answer: %s\n", buf_cstr(&err));
		return 1;
	}

	/* the whole decision, as the daemon makes it (no state DB) */
	t0 = now();
	for (i = 0; i < n; i++) {
		struct decision d;
		double w0 = wall();

		decision_init(&d);
		if (pipeline_decide(&p, "bench", q, len, &d, &err) < 0 || d.reply.len == 0) {
			fprintf(stderr, "bench_answer: no reply: %s\n", buf_cstr(&err));
			return 1;
		}
		decision_free(&d);
		lat[i] = (wall() - w0) * 1e3;
	}
	t_total = (now() - t0) / n;
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	printf("latency p50 %.3f p99 %.3f max %.3f ms\n", lat[n / 2], lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	    lat[n - 1]);
	free(lat);

	/* stage by stage */
	t0 = now();
	for (i = 0; i < n; i++)
		message_free(message_parse(q, len, &cf.msg_limits));
	t_parse = (now() - t0) / n;
	m = message_parse(q, len, &cf.msg_limits);
	memset(&eo, 0, sizeof(eo));
	eo.max_codes = (size_t)cf.codes_per_message;
	eo.known = codedb_known_cb;
	eo.known_ctx = p.db;
	t0 = now();
	for (i = 0; i < n; i++) {
		memset(&ex, 0, sizeof(ex));
		extract_run(m->subject, m->question_text, &eo, &ex);
		extract_result_free(&ex);
	}
	t_extract = (now() - t0) / n;
	memset(&ex, 0, sizeof(ex));
	extract_run(m->subject, m->question_text, &eo, &ex);
	memset(&ai, 0, sizeof(ai));
	ai.conf = &cf;
	ai.msg = m;
	ai.ex = &ex;
	ai.db = p.db;
	ai.allowance = -1;
	t0 = now();
	for (i = 0; i < n; i++)
		json_object_put(answer_build(&ai, &lookups));
	t_answer = (now() - t0) / n;
	model = answer_build(&ai, &lookups);
	buf_init(&text, 1024 * 1024);
	buf_init(&html, 2 * 1024 * 1024);
	t0 = now();
	for (i = 0; i < n; i++) {
		buf_reset(&text);
		buf_reset(&html);
		render_reply(p.rd, model, &text, &html, &err);
	}
	t_render = (now() - t0) / n;

	printf("codes %zu looked_up %d text_bytes %zu html_bytes %zu\n", ex.ncodes, lookups, text.len, html.len);
	printf("total %.3f ms/message\n", t_total * 1e3);
	printf("parse %.3f ms %.0f%%\n", t_parse * 1e3, 100 * t_parse / t_total);
	printf("extract %.3f ms %.0f%%\n", t_extract * 1e3, 100 * t_extract / t_total);
	printf("answer %.3f ms %.0f%%\n", t_answer * 1e3, 100 * t_answer / t_total);
	printf("render %.3f ms %.0f%%\n", t_render * 1e3, 100 * t_render / t_total);
	{
		double rest = t_total - t_parse - t_extract - t_answer - t_render;

		printf("policy+compose %.3f ms %.0f%%\n", (rest > 0 ? rest : 0) * 1e3,
		    100 * (rest > 0 ? rest : 0) / t_total);
	}
	json_object_put(model);
	extract_result_free(&ex);
	message_free(m);
	buf_free(&text);
	buf_free(&html);
	buf_free(&err);
	render_free(p.rd);
	codedb_close(p.db);
	extract_fini();
	conf_free(&cf);
	return 0;
}
