/* bench_knowledge: per-message latency of rule questions, keyword code searches and
 * out-of-scope questions (pipeline_decide: parse, policy, extract, knowledge retrieval, the
 * code search, answer, render, compose) against a reference DB, as p50/p99/max over
 * ITERATIONS rounds of the question set; retrieval alone (knowledge_find) the same way; and
 * the size of the FTS5 indexes in the DB.
 * Usage: bench_knowledge CODES_DB TEMPLATE_DIR [ITERATIONS]   (default 200). One line per
 * figure, "name value unit". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "buf.h"
#include "codedb.h"
#include "conf.h"
#include "extract.h"
#include "knowledge.h"
#include "pipeline.h"
#include "render.h"
#include "util.h"

static const char *const questions[] = {
	"Which modifier do I use for a bilateral knee injection?",
	"Can I bill an office visit with modifier 25 on the same day as a minor procedure?",
	"Do we need JW or JZ when part of a single-dose vial is discarded?",
	"When do I need an ABN, GA or GZ?",
	"What modifier for an unrelated visit during the global period after surgery?",
	"Modifier 59 or XS for a separate lesion?",
	"Reading the chest x-ray only: 26 or TC?",
	"add-on codes: can they be billed alone?",
	"ICD-10 code for type 2 diabetes with CKD",
	"HCPCS for walker",
	"what is the code for chronic obstructive pulmonary disease with acute exacerbation",
	"What is the rule for incident-to billing of a nurse practitioner visit?",
	"Guidelines for E/M services",
	"what does CO-97 mean on the EOB?",
};
#define NQ (sizeof(questions) / sizeof(questions[0]))

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *name, double *t, size_t n)
{
	qsort(t, n, sizeof(*t), cmp_d);
	printf("%s p50 %.3f ms p99 %.3f ms max %.3f ms (n=%zu)\n", name, t[n / 2] * 1e3,
	    t[(size_t)(n * 0.99)] * 1e3, t[n - 1] * 1e3, n);
}

static void
fts_size(struct codedb *db, const char *like, const char *label)
{
	sqlite3 *h = codedb_handle(db);
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(h, "SELECT sum(pgsize), count(*) FROM dbstat WHERE name LIKE ?1", -1,
	    &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, like, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			printf("%s %.2f MiB (%lld pages)\n", label, sqlite3_column_double(s, 0) / 1048576.0,
			    (long long)sqlite3_column_int64(s, 1));
	} else
		printf("%s ? (no dbstat: %s)\n", label, sqlite3_errmsg(h));
	sqlite3_finalize(s);
}

static long long
count(struct codedb *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(codedb_handle(db), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

int
main(int argc, char **argv)
{
	struct conf cf;
	struct pipeline p;
	struct buf err, raw;
	long n = 200, i;
	size_t q, k = 0, kr = 0, answered = 0;
	double *t, *tr, *tc, *trc;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_knowledge CODES_DB TEMPLATE_DIR [ITERATIONS]\n");
		return 2;
	}
	if (argc > 3 && util_parse_long(argv[3], 1, 10000000, &n) < 0)
		return 2;
	conf_defaults(&cf);
	free(cf.reference_db);
	cf.reference_db = strdup(argv[1]);
	free(cf.templates);
	cf.templates = strdup(argv[2]);
	free(cf.consultant_address);
	cf.consultant_address = strdup("consult@codemaild.example");
	buf_init(&err, 64 * 1024);
	buf_init(&raw, 64 * 1024);
	memset(&p, 0, sizeof(p));
	p.conf = &cf;
	p.db = codedb_open(cf.reference_db, &err);
	p.rd = render_load(&cf, &err);
	if (p.db == NULL || p.rd == NULL || extract_init() < 0) {
		fprintf(stderr, "bench_knowledge: %s\n", buf_cstr(&err));
		return 1;
	}
	t = calloc((size_t)n * NQ, sizeof(*t));
	tr = calloc((size_t)n * NQ, sizeof(*tr));
	tc = calloc((size_t)n * NQ, sizeof(*tc));
	trc = calloc((size_t)n * NQ, sizeof(*trc));
	if (t == NULL || tr == NULL || tc == NULL || trc == NULL)
		return 1;
	printf("topics %lld\n", count(p.db, "SELECT count(*) FROM kn_topic"));
	printf("code_titles %lld\n", count(p.db, "SELECT count(*) FROM code_fts"));
	printf("icd10_titles %lld\n", count(p.db, "SELECT count(*) FROM code_fts WHERE kind = 'icd10'"));
	fts_size(p.db, "code_fts%", "code_fts_size");
	fts_size(p.db, "kn_fts%", "kn_fts_size");
	for (i = 0; i < n; i++) {
		for (q = 0; q < NQ; q++) {
			struct decision d;
			struct ex_result ex;
			struct ex_opts eo;
			struct kn_hit h[4];
			double t0, c0;
			int nh;

			buf_reset(&raw);
			buf_printf(&raw, "From: Kim Lee <kim@clinic.example>\r\nTo: consult@codemaild.example\r\n"
			    "Subject: question\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
			    "Message-ID: <bench-k%ld-%zu@clinic.example>\r\nMIME-Version: 1.0\r\n"
			    "Content-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n", i, q, questions[q]);
			decision_init(&d);
			t0 = mono();
			c0 = cpu();
			if (pipeline_decide(&p, "bench", raw.data, raw.len, &d, &err) < 0 || d.reply.len == 0) {
				fprintf(stderr, "bench_knowledge: no reply: %s\n", buf_cstr(&err));
				return 1;
			}
			tc[k] = cpu() - c0;
			t[k++] = mono() - t0;
			if (i == 0 && d.kind && strcmp(d.kind, "answer") == 0)
				answered++;
			decision_free(&d);
			/* retrieval alone */
			memset(&eo, 0, sizeof(eo));
			memset(&ex, 0, sizeof(ex));
			extract_run(NULL, questions[q], &eo, &ex);
			t0 = mono();
			c0 = cpu();
			nh = knowledge_find(p.db, questions[q], &ex, h, 4);
			trc[kr] = cpu() - c0;
			tr[kr++] = mono() - t0;
			if (nh > 0)
				kn_hits_free(h, (size_t)nh);
			extract_result_free(&ex);
		}
	}
	printf("questions %zu answered_by_topic_or_search %zu\n", NQ, answered);
	if (getenv("BENCH_PER_QUESTION")) {
		for (q = 0; q < NQ; q++) {
			double a[100000], b[100000];
			size_t j, m = 0;

			for (j = q; j < k && m < 100000; j += NQ, m++) {
				a[m] = t[j];
				b[m] = tr[j];
			}
			printf("q%zu %s\n", q, questions[q]);
			report("  answer", a, m);
			report("  retrieval", b, m);
		}
	}
	report("answer", t, k);
	report("retrieval", tr, kr);
	report("answer_cpu", tc, k);
	report("retrieval_cpu", trc, kr);
	free(t);
	free(tr);
	free(tc);
	free(trc);
	buf_free(&raw);
	buf_free(&err);
	render_free(p.rd);
	codedb_close(p.db);
	extract_fini();
	conf_free(&cf);
	return 0;
}
