/* answer_denial — see answer_denial.h. */
#include "answer_denial.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "answer_priv.h"
#include "codedb.h"
#include "extract.h"
#include "util.h"

/* Denial codes whose usual meaning for a coder we know, by category. The sentences for each
 * category live in templates: what it usually means in templates/denial.*.tmpl, what to
 * check (denial_check) and the facts and lead line in templates/sentences.txt.tmpl. */
static const struct { const char *code; int rarc; const char *cat; } cats[] = {
	{ "1", 0, "patient" }, { "2", 0, "patient" }, { "3", 0, "patient" },
	{ "4", 0, "modifier" }, { "5", 0, "pos" }, { "11", 0, "dx" }, { "16", 0, "info" },
	{ "18", 0, "duplicate" }, { "22", 0, "cob" }, { "29", 0, "timely" }, { "45", 0, "fee" },
	{ "50", 0, "necessity" }, { "59", 0, "multiple" }, { "96", 0, "noncovered" },
	{ "97", 0, "ncci" }, { "109", 0, "payer" }, { "119", 0, "frequency" }, { "151", 0, "units" },
	{ "167", 0, "dx" }, { "181", 0, "codevalid" }, { "182", 0, "modifier" },
	{ "189", 0, "unlisted" }, { "197", 0, "auth" }, { "204", 0, "noncovered" },
	{ "234", 0, "ncci" }, { "236", 0, "ncci" }, { "B15", 0, "addon" },
	{ "N362", 1, "units" }, { "N122", 1, "addon" }, { "M80", 1, "ncci" }, { "N20", 1, "ncci" },
	{ "M15", 1, "ncci" }, { "M144", 1, "global" }, { "N525", 1, "global" },
	{ "MA130", 1, "info" }, { "N290", 1, "info" }, { "M51", 1, "codevalid" },
	{ "N56", 1, "codevalid" }, { "N657", 1, "codevalid" }, { "M76", 1, "dx" },
	{ "N130", 1, "noncovered" }, { "N115", 1, "necessity" }, { "N386", 1, "necessity" },
	{ "N519", 1, "modifier" }, { "M86", 1, "frequency" }, { "MA04", 1, "cob" },
	{ "N4", 1, "cob" },
};

const char *
answer_denial_category(const char *code, int rarc)
{
	size_t i;

	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (cats[i].rarc == rarc && strcmp(cats[i].code, code) == 0)
			return cats[i].cat;
	return "other";
}

/* The first sentence of an X12 text, without its "Usage:" notes. */
static void
first_sentence(const char *text, char *out, size_t outlen)
{
	const char *u = strstr(text, " Usage:");
	size_t n = u ? (size_t)(u - text) : strlen(text);
	const char *dot = memchr(text, '.', n);

	if (dot && (size_t)(dot - text) + 1 < n && dot[1] == ' ')
		n = (size_t)(dot - text) + 1;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

static int
is_proc(const struct ex_code *c)
{
	return c->kind != CODE_ICD10;
}

/* fa[] += {say, facts: {code?}}: a fact sentence of templates/sentences.txt.tmpl; returns
 * its facts (borrowed) for the caller to fill */
static struct json_object *
fact(struct json_object *fa, const char *say, const char *code)
{
	struct json_object *f = ap_a_say(fa, say);

	if (code)
		J_STR(f, "code", code);
	return f;
}

/* The facts of the reference DB for the category, about the message's codes. */
static void
facts(struct codedb *db, const struct ex_result *ex, const char *dos, const char *cat,
    struct json_object *fa)
{
	struct json_object *f;
	size_t i, j;

	if (db == NULL)
		return;
	for (i = 0; i < ex->ncodes; i++) {
		const struct ex_code *c = &ex->codes[i];
		struct cdb_rvu r;
		struct cdb_mue m;

		if (!is_proc(c))
			continue;
		if (strcmp(cat, "units") == 0 || strcmp(cat, "frequency") == 0) {
			if (codedb_mue(db, c->code, dos, &m) == 1) {
				f = fact(fa, "denial_fact_mue", c->code);
				json_object_object_add(f, "value", json_object_new_int64(m.value));
				J_BOOL(f, "one", m.value == 1);
				J_STR(f, "setting", m.setting);
				json_object_object_add(f, "mai", json_object_new_int(m.mai));
				J_STR(f, "mai_text", m.mai_text ? m.mai_text : "");
				J_BOOL(f, "over", c->units > m.value);
			} else
				fact(fa, "denial_fact_nomue", c->code);
			cdb_mue_free(&m);
		}
		if (strcmp(cat, "ncci") == 0 || strcmp(cat, "global") == 0 ||
		    strcmp(cat, "addon") == 0 || strcmp(cat, "multiple") == 0 ||
		    strcmp(cat, "noncovered") == 0) {
			if (codedb_rvu(db, c->code, dos, &r) == 1) {
				if (strcmp(cat, "addon") == 0) {
					f = fact(fa, "denial_fact_addon", c->code);
					J_STR(f, "global", r.global);
					J_BOOL(f, "zzz", strcmp(r.global, "ZZZ") == 0);
				} else if (strcmp(cat, "noncovered") == 0) {
					f = fact(fa, "denial_fact_pfs", c->code);
					json_object_object_add(f, "status", json_object_new_string_len(&r.status, 1));
					J_STR(f, "status_text", r.status_text);
					J_STR(f, "release", r.release);
				} else if (strcmp(cat, "multiple") == 0) {
					f = fact(fa, "denial_fact_multiple", c->code);
					json_object_object_add(f, "indicator", json_object_new_int(r.mult_proc));
				} else {
					f = fact(fa, "denial_fact_global", c->code);
					J_STR(f, "global", r.global);
					J_STR(f, "global_text", r.global_text);
				}
			}
			cdb_rvu_free(&r);
		}
		if (strcmp(cat, "ncci") == 0) {
			for (j = 0; j < ex->ncodes; j++) {
				struct cdb_ptp p;

				if (j == i || !is_proc(&ex->codes[j]))
					continue;
				if (codedb_ptp(db, c->code, ex->codes[j].code, dos, &p) == 1) {
					f = fact(fa, "denial_fact_ptp", NULL);
					J_STR(f, "col1", p.col1);
					J_STR(f, "col2", p.col2);
					J_BOOL(f, "active", p.active);
					json_object_object_add(f, "indicator", json_object_new_int(p.modifier));
					J_BOOL(f, "ind0", p.modifier == 0);
					J_BOOL(f, "ind1", p.modifier == 1);
				}
				cdb_ptp_free(&p);
			}
		}
		if (strcmp(cat, "codevalid") == 0) {
			struct cdb_code cc;

			if (codedb_code(db, c->code, dos, &cc) == 1) {
				f = fact(fa, "denial_fact_status", c->code);
				J_STR(f, "status", codedb_status_name(cc.status));
				J_STR(f, "date", dos ? dos : "today");
				J_STR(f, "status_date", cc.status_date);
			} else
				fact(fa, "denial_fact_notfound", c->code);
			cdb_code_free(&cc);
		}
	}
	if (strcmp(cat, "ncci") == 0 && json_object_array_length(fa) == 0)
		fact(fa, "denial_fact_no_second", NULL);
	if ((strcmp(cat, "units") == 0 || strcmp(cat, "addon") == 0) &&
	    json_object_array_length(fa) == 0)
		J_BOOL(fact(fa, "denial_fact_name_code", NULL), "units", strcmp(cat, "units") == 0);
}

/* {say: denial_check, facts: {cat_CATEGORY: true}}: what to check, per category */
static struct json_object *
check_say(const char *cat)
{
	struct json_object *f = json_object_new_object();
	char key[32];

	util_fmt(key, sizeof(key), "cat_%s", cat);
	J_BOOL(f, key, 1);
	return ap_say_new("denial_check", f);
}

int
answer_denial(struct codedb *db, const struct ex_result *ex, const char *dos,
    struct json_object *sections, struct json_object *lead)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ex->ndenials; i++) {
		const struct ex_denial *d = &ex->denials[i];
		struct json_object *sec = json_object_new_object(), *b = json_object_new_object();
		struct json_object *fa = json_object_new_array(), *ld = json_object_new_object();
		struct cdb_denial dn;
		const char *cat;
		char label[16], key[32], first[400];
		int found;

		memset(&dn, 0, sizeof(dn));
		found = db ? codedb_denial(db, d->code, d->rarc ? "rarc" : NULL, &dn) == 1 : 0;
		if (found)
			cat = answer_denial_category(dn.code, strcmp(dn.kind, "rarc") == 0);
		else
			cat = answer_denial_category(d->code, d->rarc);
		util_fmt(label, sizeof(label), "%s%s%s", d->group, d->group[0] ? "-" : "", d->code);
		J_STR(b, "code", label);
		J_STR(b, "bare", d->code);
		J_STR(b, "group", d->group);
		if (d->group[0]) {
			struct json_object *g = json_object_new_object();
			char gk[8];

			util_fmt(gk, sizeof(gk), "g_%s", d->group);
			J_BOOL(g, gk, 1);
			ap_j_say(b, "group_text", "denial_group", g);
		}
		J_BOOL(b, "has_group", d->group[0] != '\0');
		J_STR(b, "kind", found ? (strcmp(dn.kind, "rarc") == 0 ? "RARC" : "CARC") :
		    d->rarc ? "RARC" : "CARC");
		J_BOOL(b, "found", found);
		{
			/* the description, and X12's "Usage:" guidance apart (kept, not shown in text) */
			char desc[1024];
			const char *u = found ? strstr(dn.text, " Usage:") : NULL;

			util_fmt(desc, sizeof(desc), "%.*s", u ? (int)(u - dn.text) : 1000,
			    found ? dn.text : "");
			J_STR(b, "text", desc);
			J_STR(b, "usage", u ? u + 1 : "");
		}
		J_STR(b, "status", found ? dn.status : "");
		J_BOOL(b, "deactivated", found && strcmp(dn.status, "deactivated") == 0);
		J_BOOL(b, "tobe", found && strcmp(dn.status, "tobe") == 0);
		J_STR(b, "category", cat);
		util_fmt(key, sizeof(key), "cat_%s", cat);
		J_BOOL(b, key, 1);
		json_object_object_add(b, "check", check_say(cat));
		facts(db, ex, dos, cat, fa);
		J_BOOL(b, "has_facts", json_object_array_length(fa) > 0);
		json_object_object_add(b, "facts", fa);
		json_object_object_add(sec, "denial", b);
		json_object_array_add(sections, sec);
		/* the lead line */
		J_STR(ld, "label", label);
		J_BOOL(ld, "rarc", found ? strcmp(dn.kind, "rarc") == 0 : d->rarc);
		if (found) {
			first_sentence(dn.text, first, sizeof(first));
			J_STR(ld, "group", d->group);
			J_STR(ld, "first", first);
			J_BOOL(ld, "deactivated", strcmp(dn.status, "deactivated") == 0);
			json_object_object_add(ld, "check", check_say(cat));
		}
		util_fmt(key, sizeof(key), "denial-%s", cat);
		ap_say(lead, key, label, found ? "denial" : "denial_unknown", ld);
		cdb_denial_free(&dn);
		n++;
	}
	return n;
}
