/* test_knowledge — knowledge topics: the parser (every refusal with its file:line), the lint
 * over directories (duplicate ids, override directories), the pure question helpers, the
 * import into a temp reference DB (with the sample data for the code search), retrieval
 * ranking (text, trigger phrases, code ranges, modifiers, POS, denial codes, threshold),
 * the office's override, and the keyword code search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <json-c/json.h>

#include "answer_topic.h"
#include "buf.h"
#include "codedb.h"
#include "extract.h"
#include "import.h"
#include "knowledge.h"

static char tmpdir[256];
static char dbpath[300];
static char kdir[300];
static char odir[300];

#define GOOD \
	"id: mod-50-test\n" \
	"title: Bilateral procedures and modifier 50\n" \
	"area: modifiers\n" \
	"scope: medicare, cpt\n" \
	"triggers: bilateral | both knees | modifier 50\n" \
	"codes: 20610, 99202-99215, E11.9\n" \
	"modifiers: 50, RT, LT\n" \
	"pos:\n" \
	"denials:\n" \
	"effective: 2024-01-01\n" \
	"expires:\n" \
	"source: Medicare Claims Processing Manual (Pub. 100-04) | ch.12 §40.7 | 2024\n" \
	"source: CMS PFS Relative Value File (PPRRVU) | BILAT SURG | 2026-01\n" \
	"\n" \
	"answer:\n" \
	"The bilateral indicator of the code decides.\n" \
	"Indicator 1: one line with modifier 50.\n" \
	"\n" \
	"watch:\n" \
	"Check the indicator of the exact code.\n"

static int
parse_str(const char *file, const char *text, struct kn_topic *t, struct buf *err)
{
	return kn_parse(file, text, strlen(text), t, err);
}

static void
test_parse_good(void **state)
{
	struct kn_topic t;
	struct buf err, c;

	(void)state;
	buf_init(&err, 65536);
	assert_int_equal(parse_str("knowledge/modifiers/mod-50-test.topic", GOOD, &t, &err), 0);
	assert_string_equal(buf_cstr(&err), "");
	assert_string_equal(t.id, "mod-50-test");
	assert_string_equal(t.area, "modifiers");
	assert_string_equal(t.effective, "2024-01-01");
	assert_string_equal(t.expires, "");
	assert_int_equal(t.nsrc, 2);
	assert_string_equal(t.src[0].section, "ch.12 §40.7");
	assert_string_equal(t.src[1].date, "2026-01");
	assert_string_equal(t.answer, "The bilateral indicator of the code decides. Indicator 1: one line with modifier 50.");
	assert_string_equal(t.watch, "Check the indicator of the exact code.");
	assert_int_equal(t.id_line, 1);
	buf_init(&c, 1024);
	kn_cite(&t.src[0], &c);
	assert_string_equal(buf_cstr(&c), "Medicare Claims Processing Manual (Pub. 100-04) ch.12 §40.7 (2024)");
	buf_free(&c);
	kn_topic_free(&t);
	buf_free(&err);
}

/* one bad line each: the error names the file and the line */
static void
check_refused(const char *from, const char *to, const char *want)
{
	char text[4096], *p;
	struct kn_topic t;
	struct buf err;
	int n;

	snprintf(text, sizeof(text), "%s", GOOD);
	p = strstr(text, from);
	assert_non_null(p);
	memmove(p + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
	memcpy(p, to, strlen(to));
	buf_init(&err, 65536);
	n = parse_str("k/mod-50-test.topic", text, &t, &err);
	if (strstr(buf_cstr(&err), want) == NULL)
		fprintf(stderr, "want '%s' in:\n%s", want, buf_cstr(&err));
	assert_true(n > 0);
	assert_non_null(strstr(buf_cstr(&err), want));
	assert_null(t.id);      /* freed on error */
	buf_free(&err);
}

static void
test_parse_refusals(void **state)
{
	(void)state;
	/* no source at all */
	check_refused("source: Medicare Claims Processing Manual (Pub. 100-04) | ch.12 §40.7 | 2024\n"
	    "source: CMS PFS Relative Value File (PPRRVU) | BILAT SURG | 2026-01\n", "",
	    "k/mod-50-test.topic:1: no source");
	/* bad dates */
	check_refused("effective: 2024-01-01", "effective: 2024-02-30", "k/mod-50-test.topic:10: effective: '2024-02-30' is not a date");
	check_refused("effective: 2024-01-01", "effective: 01/01/2024", "k/mod-50-test.topic:10: effective:");
	check_refused("expires:", "expires: 2023-12-31", "k/mod-50-test.topic:11: expires 2023-12-31 is before effective");
	check_refused("| 2026-01\n", "| Jan 2026\n", "k/mod-50-test.topic:13: source: 'Jan 2026' is not a date");
	check_refused("| BILAT SURG |", "|", "k/mod-50-test.topic:13: source: expected");
	/* unknown and repeated fields */
	check_refused("pos:\n", "payer: Aetna\n", "k/mod-50-test.topic:8: unknown field 'payer'");
	check_refused("area: modifiers\n", "area: modifiers\narea: ncci\n", "k/mod-50-test.topic:4: field 'area' given twice (first on line 3)");
	/* values */
	check_refused("area: modifiers", "area: surgery", "k/mod-50-test.topic:3: area: unknown 'surgery'");
	check_refused("scope: medicare, cpt", "scope: medicare, aetna", "k/mod-50-test.topic:4: scope: unknown 'aetna'");
	check_refused("codes: 20610,", "codes: 2061,", "k/mod-50-test.topic:6: codes: '2061'");
	check_refused("99202-99215", "99215-99202", "k/mod-50-test.topic:6: codes: bad range '99215-99202'");
	check_refused("modifiers: 50, RT", "modifiers: 50, rt", "k/mod-50-test.topic:7: modifiers: 'rt'");
	check_refused("pos:\n", "pos: 2\n", "k/mod-50-test.topic:8: pos: '2'");
	check_refused("denials:\n", "denials: CO97X\n", "k/mod-50-test.topic:9: denials: 'CO97X'");
	check_refused("id: mod-50-test", "id: Mod_50", "k/mod-50-test.topic:1: id: 'Mod_50'");
	check_refused("id: mod-50-test", "id: mod-50-other", "does not match the file name");
	check_refused("triggers: bilateral | both knees | modifier 50", "triggers: |", "k/mod-50-test.topic:5: no triggers");
	check_refused("answer:\nThe bilateral indicator of the code decides.\nIndicator 1: one line with modifier 50.\n",
	    "", "no answer block");
	check_refused("title: Bilateral procedures and modifier 50\n", "", "k/mod-50-test.topic:1: no title");
	check_refused("effective: 2024-01-01\n", "", "no effective date");
	check_refused("\nanswer:", "\nanswer: x\nanswer:", "second 'answer' block");
	check_refused("triggers: bilateral |", "triggers: bilateral procedure on both sides of the body in one session"
	    " by the same physician with one line and one unit and modifier fifty |",
	    "k/mod-50-test.topic:5: triggers: 'bilateral procedure ...' is longer than 100 characters");
}

static void
test_parse_long_answer(void **state)
{
	struct buf text, err;
	struct kn_topic t;
	int i;

	(void)state;
	buf_init(&text, 65536);
	buf_init(&err, 65536);
	buf_addstr(&text, GOOD);
	buf_addstr(&text, "\nanswer:\n");
	(void)i;
	/* a second answer block is refused; build a long single one instead */
	buf_reset(&text);
	buf_add(&text, GOOD, strstr(GOOD, "answer:") - GOOD);
	buf_addstr(&text, "answer:\n");
	for (i = 0; i < 160; i++)
		buf_addstr(&text, "word ");
	buf_addc(&text, '\n');
	assert_true(kn_parse("k/mod-50-test.topic", text.data, text.len, &t, &err) > 0);
	assert_non_null(strstr(buf_cstr(&err), "answer has 160 words"));
	buf_free(&text);
	buf_free(&err);
}

static void
write_file(const char *dir, const char *sub, const char *name, const char *text)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A topic from parts (every other field fixed). */
static void
topic(const char *dir, const char *area, const char *id, const char *title, const char *triggers,
    const char *codes, const char *mods, const char *pos, const char *denials, const char *answer)
{
	char text[4096], name[128];

	snprintf(text, sizeof(text), "id: %s\ntitle: %s\narea: %s\nscope: medicare\ntriggers: %s\n"
	    "codes: %s\nmodifiers: %s\npos: %s\ndenials: %s\neffective: 2021-01-01\nexpires:\n"
	    "source: Test Manual | ch.1 §1 | 2025\n\nanswer:\n%s\n", id, title, area, triggers, codes,
	    mods, pos, denials, answer);
	snprintf(name, sizeof(name), "%s.topic", id);
	write_file(dir, area, name, text);
}

static int
run_import(const char *kind, char **files, int n, const char *override)
{
	struct import_opts o;
	struct buf err;
	int rc;

	import_opts_init(&o);
	o.db_path = dbpath;
	o.quiet = 1;
	o.progress = 0;
	o.knowledge_override = override;
	buf_init(&err, 65536);
	rc = import_run(kind, files, n, &o, &err);
	if (rc != EX_OK)
		fprintf(stderr, "import %s: %s\n", kind, buf_cstr(&err));
	buf_free(&err);
	return rc;
}

static int
setup_all(void **state)
{
	const char *top = getenv("CODEMAILD_TOP");
	char sample[1024];
	char *f[1];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_knowledge.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/codes.db", tmpdir);
	snprintf(kdir, sizeof(kdir), "%s/knowledge", tmpdir);
	snprintf(odir, sizeof(odir), "%s/local", tmpdir);
	mkdir(kdir, 0700);
	mkdir(odir, 0700);
	/* the sample reference data (codes for the keyword search) */
	snprintf(sample, sizeof(sample), "%s/data/sample", top ? top : ".");
	f[0] = sample;
	if (run_import("lay", f, 1, NULL) != EX_OK)
		return -1;
	/* topics: real codes, real CARC/RARC and POS codes */
	topic(kdir, "modifiers", "bilateral-50", "Bilateral procedures and modifier 50",
	    "bilateral | both knees | both sides | modifier 50", "", "50, RT, LT", "", "",
	    "The bilateral indicator in the fee schedule decides how both sides are reported.");
	topic(kdir, "modifiers", "mod-25-minor", "Modifier 25 with a minor procedure",
	    "modifier 25 | separately identifiable | minor procedure", "99202-99215", "25", "", "",
	    "An E/M visit the same day as a minor procedure needs a separately identifiable service.");
	topic(kdir, "denials", "carc-97", "CO-97: included in another service",
	    "co-97 | co 97 | denial 97 | bundled denial", "", "", "", "CO-97, N122",
	    "The payer says the benefit for this service is included in the payment for another service already adjudicated.");
	topic(kdir, "telehealth", "telehealth-pos", "Telehealth place of service 02 and 10",
	    "telehealth | pos 02 | pos 10 | virtual visit", "", "95", "02, 10", "",
	    "Telehealth claims use place of service 02 or 10 depending on where the patient is.");
	topic(kdir, "global", "global-days", "Global surgery periods",
	    "global period | global days | post-op period", "20610", "", "", "",
	    "Each surgical code has a global period of 000, 010 or 090 days in the fee schedule.");
	topic(kdir, "icd10", "icd-diabetes", "Coding type 2 diabetes with complications",
	    "diabetes with complications | diabetic ckd", "E08-E13", "", "", "",
	    "Use combination codes for diabetes with its complications, as the tabular list directs.");
	/* not in effect today: expired, and not yet effective (real POS code 02) */
	write_file(kdir, "telehealth", "old-rule.topic", "id: old-rule\ntitle: An expired rule\n"
	    "area: telehealth\nscope: medicare\ntriggers: zanzibar rule\neffective: 2020-01-01\n"
	    "expires: 2020-12-31\nsource: Test Manual | ch.1 §1 | 2020\n\nanswer:\nOld.\n");
	write_file(kdir, "telehealth", "future-rule.topic", "id: future-rule\ntitle: A future rule\n"
	    "area: telehealth\nscope: medicare\ntriggers: zanzibar rule\neffective: 2099-01-01\n"
	    "source: Test Manual | ch.1 §1 | 2025\n\nanswer:\nNew.\n");
	/* a lead line is the first sentence, not cut at an abbreviation */
	topic(kdir, "ncci", "abbrev-test", "Abbreviations in an answer", "zebra abbreviation test",
	    "", "", "", "", "Short answers, e.g. Medicare ones, cite Pub. 100-04 whole. A second sentence.");
	/* the office's topic replaces ours with the same id */
	topic(odir, "billing", "global-days", "Global days under our payer contract",
	    "global period | global days | contract global", "", "", "", "",
	    "Our main payer contract follows the Medicare global periods.");
	f[0] = kdir;
	{
		char *two[2] = { kdir, odir };

		if (run_import("knowledge", two, 2, odir) != EX_OK)
			return -1;
	}
	return 0;
}

static int
teardown_all(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_lint_dirs(void **state)
{
	char d[300], *dirs[2];
	struct buf err;
	size_t n, by[KN_NAREAS];

	(void)state;
	buf_init(&err, 65536);
	dirs[0] = kdir;
	dirs[1] = odir;
	assert_int_equal(kn_lint(dirs, 2, &err, &n, by), 0);
	assert_int_equal(n, 9);       /* 10 files, the override replaces one of ours */
	assert_string_equal(kn_area_name(1), "modifiers");
	assert_int_equal(by[1], 2);   /* modifiers: bilateral-50, mod-25-minor */
	assert_int_equal(by[0], 0);   /* global: ours was replaced by the office's (billing) */
	assert_int_equal(by[10], 1);  /* billing */
	assert_int_equal(by[5], 3);   /* telehealth: telehealth-pos, old-rule, future-rule */
	/* a duplicate id in one directory (another area) is an error naming both files */
	snprintf(d, sizeof(d), "%s/dup", tmpdir);
	mkdir(d, 0700);
	topic(d, "modifiers", "same-id", "One", "one", "", "", "", "", "One.");
	topic(d, "billing", "same-id", "Two", "two", "", "", "", "", "Two.");
	dirs[0] = d;
	buf_reset(&err);
	assert_int_equal(kn_lint(dirs, 1, &err, &n, NULL), 1);
	assert_non_null(strstr(buf_cstr(&err), "duplicate id 'same-id' (first in"));
	assert_non_null(strstr(buf_cstr(&err), "/billing/same-id.topic:1:") ||
	    strstr(buf_cstr(&err), "/modifiers/same-id.topic:1:"));
	buf_free(&err);
}

static void
test_helpers(void **state)
{
	struct buf b;
	char hint[8];

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(kn_fts_query("Hi, which modifier for a bilateral knee injection?", &b), 4);
	assert_string_equal(buf_cstr(&b), "\"modifier\" OR \"bilateral\" OR \"knee\" OR \"injection\"");
	buf_reset(&b);
	assert_int_equal(kn_denials_in("what does CO-97 mean, and PR 1? remark N122", &b), 3);
	assert_string_equal(buf_cstr(&b), "97,1,N122");
	buf_reset(&b);
	/* RARC-shaped tokens outside denial wording are diagnosis codes, not denials */
	assert_int_equal(kn_denials_in("is M80 billable", &b), 0);
	assert_int_equal(kn_is_question("hello, I have a question about coding in general"), 0);
	assert_int_equal(kn_is_question("what is the rule for incident-to billing?"), 1);
	buf_reset(&b);
	assert_int_equal(kn_search_words("ICD-10 code for type 2 diabetes with CKD?", &b, hint), 1);
	assert_string_equal(buf_cstr(&b), "type 2 diabetes with CKD");
	assert_string_equal(hint, "icd10");
	buf_reset(&b);
	assert_int_equal(kn_search_words("HCPCS for walker", &b, hint), 1);
	assert_string_equal(buf_cstr(&b), "walker");
	assert_string_equal(hint, "hcpcs");
	buf_reset(&b);
	assert_int_equal(kn_search_words("what is 99213?", &b, hint), 0);
	buf_free(&b);
}

static struct codedb *
open_db(void)
{
	struct buf err;
	struct codedb *db;

	buf_init(&err, 4096);
	db = codedb_open(dbpath, &err);
	if (db == NULL)
		fprintf(stderr, "open: %s\n", buf_cstr(&err));
	buf_free(&err);
	assert_non_null(db);
	return db;
}

/* knowledge_find with a real extraction of the text */
static int
find(struct codedb *db, const char *text, struct kn_hit *hits, size_t max)
{
	struct ex_result ex;
	struct ex_opts o;
	int n;

	memset(&o, 0, sizeof(o));
	assert_int_equal(extract_run(NULL, text, &o, &ex), 0);
	n = knowledge_find(db, text, &ex, hits, max);
	extract_result_free(&ex);
	return n;
}

static void
expect_top(struct codedb *db, const char *text, const char *id)
{
	struct kn_hit h[4];
	int n = find(db, text, h, 4);

	if (n <= 0 || strcmp(h[0].id, id) != 0)
		fprintf(stderr, "'%s': want %s, got %s (%d hits)\n", text, id, n > 0 ? h[0].id : "-", n);
	assert_true(n > 0);
	assert_string_equal(h[0].id, id);
	assert_true(h[0].score >= KN_MIN_SCORE);
	assert_non_null(strstr(h[0].sources, "Test Manual | ch.1 §1 | 2025"));
	kn_hits_free(h, (size_t)n);
}

static void
test_find_ranking(void **state)
{
	struct codedb *db = open_db();
	struct kn_hit h[4];
	int n;

	(void)state;
	/* trigger phrases and text */
	expect_top(db, "Which modifier for a bilateral knee injection?", "bilateral-50");
	expect_top(db, "how do I report injections on both knees", "bilateral-50");
	/* a modifier named with its number */
	expect_top(db, "can I use modifier 25 on the visit with a minor procedure", "mod-25-minor");
	/* denial codes, with and without the group code */
	expect_top(db, "What does CO-97 mean on my EOB?", "carc-97");
	expect_top(db, "denied with remark code N122, why", "carc-97");
	/* place of service */
	expect_top(db, "which POS for a telehealth visit at the patient's home, 10 or 02?", "telehealth-pos");
	/* a code inside a range (ICD-10-CM category range) plus the words */
	expect_top(db, "how to code diabetes with complications, E11.22 with CKD", "icd-diabetes");
	/* the office's topic replaced ours */
	n = find(db, "how many global days does 20610 have", h, 4);
	assert_true(n > 0);
	assert_string_equal(h[0].id, "global-days");
	assert_string_equal(h[0].title, "Global days under our payer contract");
	kn_hits_free(h, (size_t)n);
	/* below the threshold: unrelated words, or a code alone */
	assert_int_equal(find(db, "what is the weather like in Boston today?", h, 4), 0);
	assert_int_equal(find(db, "what is 99213?", h, 4), 0);
	assert_int_equal(find(db, "", h, 4), 0);
	/* topics not in effect today are never shown */
	assert_int_equal(find(db, "what is the zanzibar rule", h, 4), 0);
	/* best first, at most max */
	n = find(db, "bilateral modifier 50 and modifier 25 with a minor procedure", h, 1);
	assert_int_equal(n, 1);
	kn_hits_free(h, 1);
	codedb_close(db);
}

static void
test_code_search(void **state)
{
	struct codedb *db = open_db();
	struct kn_code_match m[8];
	int n, i;

	(void)state;
	n = knowledge_code_search(db, "osteoarthritis right knee", "", m, 8);
	assert_true(n >= 1);
	assert_string_equal(m[0].code, "M17.11");
	assert_string_equal(m[0].kind, "icd10");
	assert_int_equal(m[0].billable, 1);
	kn_code_matches_free(m, (size_t)n);
	/* headers are flagged, billable codes come first */
	n = knowledge_code_search(db, "type 2 diabetes neurological", "icd10", m, 8);
	assert_true(n >= 2);
	assert_int_equal(m[0].billable, 1);
	for (i = 0; i < n; i++)
		if (strcmp(m[i].code, "E11.4") == 0)
			assert_int_equal(m[i].billable, 0);
	kn_code_matches_free(m, (size_t)n);
	/* a kind filter, and nothing for words no title has */
	n = knowledge_code_search(db, "osteoarthritis", "hcpcs", m, 8);
	assert_int_equal(n, 0);
	n = knowledge_code_search(db, "zebra unicorn", "", m, 8);
	assert_int_equal(n, 0);
	codedb_close(db);
}

static void
test_import_refuses_bad_topic(void **state)
{
	char d[300], *f[1];
	struct stat before, after;

	(void)state;
	snprintf(d, sizeof(d), "%s/bad", tmpdir);
	mkdir(d, 0700);
	write_file(d, "billing", "no-source.topic", "id: no-source\ntitle: T\narea: billing\n"
	    "scope: medicare\ntriggers: t\neffective: 2021-01-01\n\nanswer:\nA.\n");
	assert_int_equal(stat(dbpath, &before), 0);
	f[0] = d;
	assert_int_equal(run_import("knowledge", f, 1, NULL), EX_DATAERR);
	assert_int_equal(stat(dbpath, &after), 0);
	assert_true(before.st_ino == after.st_ino);   /* the live DB was not replaced */
}

/* the answer model: lead lines with sources, topic sections, kind, outside */
static struct json_object *
model_for(struct codedb *db, const char *text)
{
	struct json_object *m = json_object_new_object();
	struct answer_topic_in in;
	struct ex_result ex;
	struct ex_opts o;

	json_object_object_add(m, "kind", json_object_new_string("nocode"));
	json_object_object_add(m, "k_nocode", json_object_new_boolean(1));
	json_object_object_add(m, "sections", json_object_new_array());
	memset(&o, 0, sizeof(o));
	assert_int_equal(extract_run(NULL, text, &o, &ex), 0);
	memset(&in, 0, sizeof(in));
	in.db = db;
	in.text = text;
	in.ex = &ex;
	answer_topics(&in, m);
	extract_result_free(&ex);
	return m;
}

static const char *
jget(struct json_object *o, const char *path)
{
	char key[64];
	const char *p = path;

	while (o && *p) {
		size_t n = strcspn(p, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)strtoul(key, NULL, 10));
		else
			o = json_object_object_get(o, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return o ? json_object_get_string(o) : NULL;
}

static void
test_answer_model(void **state)
{
	struct codedb *db = open_db();
	struct json_object *m;

	(void)state;
	m = model_for(db, "Which modifier for a bilateral knee injection?");
	assert_string_equal(jget(m, "kind"), "answer");
	assert_null(json_object_object_get(m, "k_nocode"));
	assert_string_equal(jget(m, "lead.0.topic"), "bilateral-50");
	assert_string_equal(jget(m, "lead.0.source"), "Test Manual ch.1 §1 (2025)");
	assert_string_equal(jget(m, "lead.0.text"),
	    "The bilateral indicator in the fee schedule decides how both sides are reported.");
	assert_string_equal(jget(m, "has_lead"), "true");
	assert_string_equal(jget(m, "sections.0.topic.id"), "bilateral-50");
	assert_string_equal(jget(m, "sections.0.topic.sources.0.cite"), "Test Manual ch.1 §1 (2025)");
	assert_null(json_object_object_get(m, "outside"));
	json_object_put(m);
	m = model_for(db, "zebra abbreviation test");
	assert_string_equal(jget(m, "lead.0.text"), "Short answers, e.g. Medicare ones, cite Pub. 100-04 whole.");
	json_object_put(m);
	/* nothing in our sources: outside, kind stays nocode, no lead */
	m = model_for(db, "What is the rule for incident-to billing of a nurse practitioner visit?");
	assert_string_equal(jget(m, "kind"), "nocode");
	assert_string_equal(jget(m, "outside"), "true");
	assert_null(json_object_object_get(m, "lead"));
	json_object_put(m);
	/* a message that asks nothing keeps the plain no-code reply */
	m = model_for(db, "hello, I have a question about coding in general");
	assert_null(json_object_object_get(m, "outside"));
	json_object_put(m);
	m = model_for(db, "Hi there, I just started as a coder. How does this service work?");
	assert_null(json_object_object_get(m, "outside"));
	json_object_put(m);
	/* keyword search: a search section with real codes and the billable flag */
	m = model_for(db, "what is the ICD-10 code for osteoarthritis of the right knee?");
	assert_string_equal(jget(m, "kind"), "answer");
	assert_string_equal(jget(m, "sections.0.search.matches.0.code"), "M17.11");
	assert_string_equal(jget(m, "sections.0.search.matches.0.billable"), "true");
	assert_string_equal(jget(m, "lead.0.rule"), "code-search");
	json_object_put(m);
	codedb_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_long_answer),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_lint_dirs),
		cmocka_unit_test(test_find_ranking),
		cmocka_unit_test(test_code_search),
		cmocka_unit_test(test_answer_model),
		cmocka_unit_test(test_import_refuses_bad_topic),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
