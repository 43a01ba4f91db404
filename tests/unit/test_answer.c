/* Unit tests: answer (the model answer_build() returns) against a reference DB imported
 * from the bundled sample (data/sample): the lead lines come first and carry the rule that
 * answered (issue 14): modifiers asked alone, codes not in the data (never near codes),
 * ranges not expanded, add-on codes alone, the PC/TC split, a date of service before a
 * code's start, distractor numbers, denial codes, the claim check's pair verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "answer.h"
#include "buf.h"
#include "codedb.h"
#include "conf.h"
#include "render.h"
#include "extract.h"
#include "import.h"
#include "message.h"

static char tmpdir[256], dbpath[300];
static struct codedb *db;
static struct conf conf;
static struct render *rd;          /* the repo's templates: the lead sentences */

static int
setup_all(void **state)
{
	const char *top = getenv("CODEMAILD_TOP");
	struct import_opts o;
	struct buf err;
	char sample[512];
	char *files[1];
	int rc;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_answer.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/codes.db", tmpdir);
	snprintf(sample, sizeof(sample), "%s/data/sample", top ? top : ".");
	import_opts_init(&o);
	o.db_path = dbpath;
	o.quiet = 1;
	o.progress = 0;
	files[0] = sample;
	buf_init(&err, 65536);
	rc = import_run("lay", files, 1, &o, &err);
	buf_free(&err);
	if (rc != 0)
		return -1;
	buf_init(&err, 4096);
	db = codedb_open(dbpath, &err);
	buf_free(&err);
	if (db == NULL || conf_defaults(&conf) < 0 || extract_init() < 0)
		return -1;
	free(conf.templates);
	snprintf(sample, sizeof(sample), "%s/templates", top ? top : ".");
	conf.templates = strdup(sample);
	buf_init(&err, 4096);
	rd = render_load(&conf, &err);
	buf_free(&err);
	return rd ? 0 : -1;
}

static int
teardown_all(void **state)
{
	char cmd[600];

	(void)state;
	codedb_close(db);
	render_free(rd);
	conf_free(&conf);
	extract_fini();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The model for a question (caller puts it). */
static struct json_object *
model_for(const char *question)
{
	struct msg_limits lim;
	struct message *m;
	struct ex_opts xo;
	struct ex_result ex;
	struct answer_in ai;
	struct json_object *model;
	struct buf raw, raw2;
	int lookups = 0;

	message_default_limits(&lim);
	buf_init(&raw, 1 << 20);
	buf_printf(&raw, "From: Pat Coder <pat@clinic.example>\r\nTo: consult@codemaild.example\r\n"
	    "Subject: question\r\nMessage-ID: <t@clinic.example>\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n", question);
	m = message_parse(raw.data, raw.len, &lim);
	assert_non_null(m);
	memset(&xo, 0, sizeof(xo));
	memset(&ex, 0, sizeof(ex));
	xo.max_codes = 25;
	xo.known = codedb_known_cb;
	xo.known_ctx = db;
	assert_int_equal(extract_run(m->subject, m->question_text, &xo, &ex), 0);
	memset(&ai, 0, sizeof(ai));
	ai.conf = &conf;
	ai.msg = m;
	ai.ex = &ex;
	ai.db = db;
	ai.allowance = -1;
	model = answer_build(&ai, &lookups);
	assert_non_null(model);
	buf_init(&raw2, 4096);
	assert_int_equal(render_say(rd, model, &raw2), 0);    /* the sentences' words */
	buf_free(&raw2);
	extract_result_free(&ex);
	message_free(m);
	buf_free(&raw);
	return model;
}

static const char *
kind(struct json_object *m)
{
	return json_object_get_string(json_object_object_get(m, "kind"));
}

/* the rule of lead line i, or "" */
static const char *
rule(struct json_object *m, size_t i)
{
	struct json_object *lead = json_object_object_get(m, "lead");

	if (lead == NULL || i >= json_object_array_length(lead))
		return "";
	return json_object_get_string(json_object_object_get(json_object_array_get_idx(lead, i), "rule"));
}

static int
has_rule(struct json_object *m, const char *r)
{
	struct json_object *lead = json_object_object_get(m, "lead");
	size_t i;

	for (i = 0; lead && i < json_object_array_length(lead); i++)
		if (strcmp(rule(m, i), r) == 0)
			return 1;
	return 0;
}

/* all lead texts, joined */
static void
lead_text(struct json_object *m, struct buf *out)
{
	struct json_object *lead = json_object_object_get(m, "lead");
	size_t i;

	for (i = 0; lead && i < json_object_array_length(lead); i++)
		buf_printf(out, "%s\n", json_object_get_string(json_object_object_get(
		    json_object_array_get_idx(lead, i), "text")));
}

static int
has_section(struct json_object *m, const char *k)
{
	struct json_object *s = json_object_object_get(m, "sections");
	size_t i;

	for (i = 0; s && i < json_object_array_length(s); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(s, i), k, NULL))
			return 1;
	return 0;
}

static void
test_modifier_alone_compared(void **state)
{
	struct json_object *m = model_for("GA or GY?");
	struct buf t;

	(void)state;
	assert_string_equal(kind(m), "answer");
	assert_string_equal(rule(m, 0), "modinfo-compare");
	assert_true(has_section(m, "modinfo"));
	buf_init(&t, 65536);
	lead_text(m, &t);
	assert_non_null(strstr(buf_cstr(&t), "GA or GY: GA = "));
	assert_null(strstr(json_object_to_json_string(m), "not a modifier in the loaded data"));
	buf_free(&t);
	json_object_put(m);
}

static void
test_cpt_modifier_alone(void **state)
{
	struct json_object *m = model_for("when is 26 used?");

	(void)state;
	assert_string_equal(kind(m), "answer");
	assert_string_equal(rule(m, 0), "modinfo");
	assert_true(json_object_get_boolean(json_object_object_get(m, "cpt")));
	json_object_put(m);
}

static void
test_code_not_in_data_no_near_codes(void **state)
{
	struct json_object *m = model_for("What is 72291?");
	const char *js;

	(void)state;
	assert_string_equal(kind(m), "answer");
	assert_string_equal(rule(m, 0), "notfound");
	assert_true(has_section(m, "notfound"));
	js = json_object_to_json_string(m);
	assert_null(strstr(js, "suggestion"));
	assert_null(strstr(js, "72290"));
	assert_null(strstr(js, "72292"));
	json_object_put(m);
}

static void
test_range_not_expanded(void **state)
{
	struct json_object *m = model_for("what happened to codes 99200-99206?");
	const char *js;

	(void)state;
	assert_string_equal(rule(m, 0), "range");
	assert_true(has_rule(m, "notfound"));
	js = json_object_to_json_string(m);
	assert_null(strstr(js, "\"99213\""));
	assert_null(strstr(js, "99203"));       /* a known code inside the range */
	json_object_put(m);
}

static void
test_addon_alone(void **state)
{
	struct json_object *m = model_for("Can 11045 be billed by itself?");
	struct buf t;

	(void)state;
	assert_true(has_rule(m, "addon"));
	buf_init(&t, 65536);
	lead_text(m, &t);
	assert_non_null(strstr(buf_cstr(&t), "11045 is an add-on code"));
	assert_non_null(strstr(buf_cstr(&t), "N122"));
	buf_free(&t);
	json_object_put(m);
}

static void
test_pctc_split(void **state)
{
	struct json_object *m = model_for("reading 71046 only, modifier 26 or TC?");
	struct buf t;

	(void)state;
	assert_true(has_rule(m, "pctc"));
	buf_init(&t, 65536);
	lead_text(m, &t);
	assert_non_null(strstr(buf_cstr(&t), "71046: PC/TC indicator 1, split into -26 (professional"));
	buf_free(&t);
	json_object_put(m);
}

static void
test_mue_units_over(void **state)
{
	struct json_object *m = model_for("11042 x2 on one date, ok?");
	struct buf t;

	(void)state;
	assert_true(has_rule(m, "mue"));
	buf_init(&t, 65536);
	lead_text(m, &t);
	assert_non_null(strstr(buf_cstr(&t), "11042: MUE 1 per day (MAI 2"));
	assert_non_null(strstr(buf_cstr(&t), "2 units on one date exceed it"));
	buf_free(&t);
	json_object_put(m);
}

static void
test_dos_before_start_said_first(void **state)
{
	struct json_object *m = model_for("DOS 01/05/2020, can I bill G2211?");
	struct buf t;

	(void)state;
	assert_string_equal(rule(m, 0), "dos-outside");
	buf_init(&t, 65536);
	lead_text(m, &t);
	assert_non_null(strstr(buf_cstr(&t), "Date of service 2020-01-05 is BEFORE G2211 took effect"));
	buf_free(&t);
	json_object_put(m);
}

static void
test_distractor_numbers(void **state)
{
	struct json_object *m = model_for("RTP code 12345 and revenue code 0450 for 99213, what do we fix?");
	const char *js;

	(void)state;
	assert_string_equal(kind(m), "answer");
	js = json_object_to_json_string(m);
	assert_null(strstr(js, "12345"));
	assert_null(strstr(js, "\"0450\""));
	assert_non_null(strstr(js, "99213"));
	json_object_put(m);
}

static void
test_denial_code_is_not_nocode(void **state)
{
	struct json_object *m = model_for("We got CO-97 on the remittance, what now?");

	(void)state;
	assert_string_equal(kind(m), "answer");
	json_object_put(m);
	m = model_for("hello, a general question about coding");
	assert_string_equal(kind(m), "nocode");
	json_object_put(m);
}

static void
test_claim_pair_verdicts_first(void **state)
{
	struct json_object *m = model_for("claim dos 2026-03-15: 99214-25, 20610-RT, J1885 x 2 units, 96372, 93000, 36415, 71046-26, 11042, 11045, 80053");
	struct json_object *s, *claim = NULL;
	size_t i;

	(void)state;
	assert_string_equal(rule(m, 0), "claim");
	s = json_object_object_get(m, "sections");
	for (i = 0; s && i < json_object_array_length(s) && claim == NULL; i++)
		json_object_object_get_ex(json_object_array_get_idx(s, i), "claim", &claim);
	assert_non_null(claim);
	assert_non_null(json_object_object_get(claim, "pairs"));
	assert_int_equal(json_object_get_int(json_object_object_get(claim, "pairs_checked")), 45);
	assert_non_null(json_object_object_get(claim, "pairs_note"));
	assert_false(has_section(m, "units_mue"));
	json_object_put(m);
}

static void
test_lead_at_most_six(void **state)
{
	struct json_object *m = model_for("what are 99202, 99203, 99204, 99205, 99211, 99212, 99213 and 99214?");

	(void)state;
	assert_true(json_object_array_length(json_object_object_get(m, "lead")) <= 6);
	assert_true(json_object_get_boolean(json_object_object_get(m, "has_lead")));
	json_object_put(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modifier_alone_compared),
		cmocka_unit_test(test_cpt_modifier_alone),
		cmocka_unit_test(test_code_not_in_data_no_near_codes),
		cmocka_unit_test(test_range_not_expanded),
		cmocka_unit_test(test_addon_alone),
		cmocka_unit_test(test_pctc_split),
		cmocka_unit_test(test_mue_units_over),
		cmocka_unit_test(test_dos_before_start_said_first),
		cmocka_unit_test(test_distractor_numbers),
		cmocka_unit_test(test_denial_code_is_not_nocode),
		cmocka_unit_test(test_claim_pair_verdicts_first),
		cmocka_unit_test(test_lead_at_most_six),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
