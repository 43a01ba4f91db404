/* answer — see answer.h. */
#include "answer.h"

#include <json-c/json.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "codedb.h"
#include "conf.h"
#include "message.h"
#include "util.h"

static void
J_STR(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

#define J_BOOL(o, k, v) json_object_object_add((o), (k), json_object_new_boolean((v) ? 1 : 0))
#define J_INT(o, k, v) json_object_object_add((o), (k), json_object_new_int64((v)))

static const char *examples[] = {
	"What is 99214?",
	"Can I bill 20610 with 99214, which modifier?",
	"Global days for 27447?",
	"MUE for J1745? We gave 50 units.",
	"Is E11.9 billable?",
	"RVUs and national payment for 93000",
};

static void
add_examples(struct json_object *m)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		json_object_array_add(a, json_object_new_string(examples[i]));
	json_object_object_add(m, "examples", a);
}

static void
set_kind(struct json_object *m, const char *kind)
{
	char key[32];

	J_STR(m, "kind", kind);
	if (util_fmt(key, sizeof(key), "k_%s", kind) == 0)
		J_BOOL(m, key, 1);
}

/* "a, b, c" from an array of strings, plus has_KEY */
static void
add_list(struct json_object *m, const char *key, struct json_object *arr)
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

static int
nearest_cb(void *ctx, const char *code, const char *display, const char *title)
{
	(void)code;
	(void)title;
	json_object_array_add(ctx, json_object_new_string(display));
	return 0;
}

static void
add_common(struct json_object *m, const struct message *msg, struct codedb *db,
    const struct conf *conf)
{
	struct buf v;
	int sample = 0;

	if (msg && msg->from.name && *msg->from.name) {
		char first[64];
		size_t n = strcspn(msg->from.name, " ,");

		if (n >= sizeof(first))
			n = sizeof(first) - 1;
		memcpy(first, msg->from.name, n);
		first[n] = '\0';
		J_STR(m, "name", first);
	}
	buf_init(&v, 4096);
	if (db) {
		codedb_vintage(db, &v);
		sample = codedb_is_sample(db);
	} else
		buf_addstr(&v, "no reference data loaded");
	if (conf->sample_data_notice >= 0)
		sample = conf->sample_data_notice;
	J_STR(m, "vintage", buf_cstr(&v));
	J_BOOL(m, "sample", sample);
	J_STR(m, "consultant", conf->consultant_address);
	buf_free(&v);
}

/* Patterns that suggest patient information. Compiled once. */
int
answer_has_phi(const char *text)
{
	static pcre2_code *re;
	static int failed;
	pcre2_match_data *md;
	int rc;

	if (text == NULL)
		return 0;
	if (re == NULL && !failed) {
		int errc;
		PCRE2_SIZE erro;

		re = pcre2_compile((PCRE2_SPTR)
		    "\\b\\d{3}-\\d{2}-\\d{4}\\b"                          /* SSN */
		    "|\\b(?:DOB|D\\.O\\.B\\.?|date of birth|birth ?date)\\b"
		    "|\\b(?:MRN|medical record (?:number|no\\.?|#))\\b"
		    "|\\b(?:member|subscriber|medicare|medicaid|policy) ?(?:id|#|number|no\\.?)\\s*[:#]?\\s*[A-Z0-9]{6,}"
		    "|\\bpatient(?:'s)? name\\b",
		    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &errc, &erro, NULL);
		if (re == NULL) {
			failed = 1;
			return 0;
		}
	}
	if (re == NULL)
		return 0;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	if (md == NULL)
		return 0;
	rc = pcre2_match(re, (PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

static void
describe_code(struct codedb *db, const struct ex_code *c, const char *dos,
    struct json_object *sections, struct json_object *summary, int *cpt, int *lookups)
{
	struct json_object *sec = json_object_new_object(), *d = json_object_new_object();
	struct cdb_code cc;
	struct cdb_icd icd;
	struct buf line;
	int found = 0;

	memset(&cc, 0, sizeof(cc));
	memset(&icd, 0, sizeof(icd));
	buf_init(&line, 1024);
	J_STR(d, "code", c->code);
	J_STR(d, "family", extract_kind_name(c->kind));
	if (db && c->kind == CODE_ICD10) {
		found = codedb_icd(db, c->code, &icd) == 1;
		if (found) {
			J_STR(d, "title", icd.long_title);
			J_STR(d, "short", icd.short_title);
			J_BOOL(d, "billable", icd.billable);
			J_STR(d, "release", icd.release);
			buf_printf(&line, "%s: %s (%s)", icd.display, icd.long_title ? icd.long_title : "",
			    icd.billable ? "billable" : "header, not billable");
		}
	} else if (db) {
		found = codedb_code(db, c->code, dos, &cc) == 1;
		if (found) {
			const char *title = cc.licensed && cc.descriptor ? cc.descriptor :
			    cc.hcpcs_long ? cc.hcpcs_long : cc.lay;
			int is_cpt = c->kind != CODE_HCPCS;

			J_STR(d, "title", title ? title : "(no description in the loaded data)");
			J_BOOL(d, "licensed", cc.licensed);
			J_BOOL(d, "lay_only", is_cpt && !cc.licensed);
			J_STR(d, "status", codedb_status_name(cc.status));
			J_STR(d, "status_date", cc.status_date);
			J_BOOL(d, "active", cc.status == CDB_ACTIVE || cc.status == CDB_UNKNOWN_STATUS);
			if (cc.replacement)
				J_STR(d, "replacement", cc.replacement);
			if (*cc.coverage)
				J_STR(d, "coverage", cc.coverage_text);
			if (is_cpt)
				*cpt = 1;
			buf_printf(&line, "%s: %s", c->code, title ? title : "");
		}
	}
	J_BOOL(d, "found", found);
	if (!found) {
		struct json_object *sug = json_object_new_array();

		if (db)
			codedb_nearest(db, c->code, 5, nearest_cb, sug);
		add_list(d, "suggestions", sug);
		buf_printf(&line, "%s: not found in the loaded data", c->code);
	} else
		(*lookups)++;
	json_object_array_add(summary, json_object_new_string(buf_cstr(&line)));
	json_object_object_add(sec, found ? (c->kind == CODE_ICD10 ? "icd10" : "describe") : "unknown", d);
	json_object_array_add(sections, sec);
	cdb_code_free(&cc);
	cdb_icd_free(&icd);
	buf_free(&line);
}

struct json_object *
answer_build(const struct answer_in *in, int *lookups)
{
	struct json_object *m = json_object_new_object();
	struct json_object *sections = json_object_new_array(), *summary = json_object_new_array();
	struct json_object *over = json_object_new_array(), *skipped = json_object_new_array();
	const struct ex_result *ex = in->ex;
	const char *dos = ex->ndates ? ex->dates[0] : NULL;
	int cpt = 0, other;
	size_t i;

	*lookups = 0;
	add_common(m, in->msg, in->db, in->conf);
	set_kind(m, ex->ncodes ? "answer" : "nocode");
	J_INT(m, "max_codes", in->conf->codes_per_message);
	if (dos)
		J_STR(m, "dos", dos);
	for (i = 0; i < ex->ncodes; i++) {
		if (in->allowance >= 0 && *lookups >= in->allowance) {
			json_object_array_add(over, json_object_new_string(ex->codes[i].code));
			continue;
		}
		describe_code(in->db, &ex->codes[i], dos, sections, summary, &cpt, lookups);
	}
	for (i = 0; i < ex->nskipped_listed; i++)
		json_object_array_add(skipped, json_object_new_string(ex->skipped[i]));
	/* intents beyond "describe" get an honest placeholder until their answers exist */
	other = ex->intents & ~(INTENT_DESCRIBE | INTENT_ICD10_LOOKUP | INTENT_OTHER);
	for (i = 0; i < INTENT_COUNT && ex->ncodes; i++) {
		if (other & (1 << i)) {
			struct json_object *sec = json_object_new_object(), *d = json_object_new_object();

			J_STR(d, "what", extract_intent_name(1 << i));
			json_object_object_add(sec, "stub", d);
			json_object_array_add(sections, sec);
		}
	}
	json_object_object_add(m, "sections", sections);
	add_list(m, "summary", summary);
	add_list(m, "over_quota", over);
	add_list(m, "skipped", skipped);
	J_BOOL(m, "cpt", cpt);
	J_BOOL(m, "phi", answer_has_phi(in->msg->question_text));
	if (!ex->ncodes)
		add_examples(m);
	return m;
}

struct json_object *
answer_simple(const char *kind, const struct message *msg, struct codedb *db,
    const struct conf *conf)
{
	struct json_object *m = json_object_new_object();

	add_common(m, msg, db, conf);
	set_kind(m, kind);
	add_examples(m);
	return m;
}
