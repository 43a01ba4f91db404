/* answer_denial — see answer_denial.h. */
#include "answer_denial.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "answer_priv.h"
#include "codedb.h"
#include "extract.h"
#include "util.h"

/* Denial codes whose usual meaning for a coder we know, by category. The sentences for each
 * category (what it usually means, what to check) live in templates/denial.*.tmpl. */
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

/* A short "what to check" for the lead line, per category. */
static const struct { const char *cat, *check; } checks[] = {
	{ "units", "the code's MUE (units per day) and the units billed" },
	{ "ncci", "NCCI PTP edits between the codes of the date and the global surgery package" },
	{ "global", "the global days of the surgery and the dates of the visits" },
	{ "addon", "that the add-on code's primary procedure is on the same claim" },
	{ "modifier", "the modifier against the code (HCPCS/CPT modifier lists, NCCI modifier indicator)" },
	{ "dx", "the diagnosis codes against the payer's coverage policy (LCD/NCD) and their validity" },
	{ "info", "the claim fields named by the remark codes, then send a corrected claim" },
	{ "codevalid", "that the code exists on the date of service (code dates in the reference files)" },
	{ "patient", "the patient's deductible, coinsurance or copay: billable to the patient" },
	{ "noncovered", "the code's fee schedule status and the plan's coverage; ABN on file?" },
	{ "necessity", "the LCD/NCD and the documentation; ABN (modifier GA) on file?" },
	{ "duplicate", "whether the line was already paid (same code, date and patient)" },
	{ "cob", "the primary payer's payment and the order of payers" },
	{ "timely", "the filing date against the payer's time limit (Medicare: 12 months)" },
	{ "fee", "the allowed amount: the fee schedule amount for the locality" },
	{ "frequency", "how often the service was paid in the period" },
	{ "multiple", "the multiple-procedure indicator of the codes (reduction of the second and later)" },
	{ "auth", "the prior authorization on file" },
	{ "pos", "the place of service against the code (facility or non-facility)" },
	{ "payer", "which payer or contractor the claim belongs to" },
	{ "unlisted", "whether a specific code exists for the service" },
	{ "other", "the line the code is attached to and the remark codes with it" },
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

static const char *
check_of(const char *cat)
{
	size_t i;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (strcmp(checks[i].cat, cat) == 0)
			return checks[i].check;
	return checks[sizeof(checks) / sizeof(checks[0]) - 1].check;
}

static void
jstr(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void
jbool(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v ? 1 : 0));
}

static void
afmt(struct json_object *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
afmt(struct json_object *a, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 4096);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	json_object_array_add(a, json_object_new_string(buf_cstr(&b)));
	buf_free(&b);
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

/* The facts of the reference DB for the category, about the message's codes. */
static void
facts(struct codedb *db, const struct ex_result *ex, const char *dos, const char *cat,
    struct json_object *fa)
{
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
			if (codedb_mue(db, c->code, dos, &m) == 1)
				afmt(fa, "%s: MUE %ld unit%s (%s, MAI %d%s%s)%s", c->code, m.value,
				    m.value == 1 ? "" : "s", m.setting, m.mai, m.mai_text ? ": " : "",
				    m.mai_text ? m.mai_text : "",
				    c->units > m.value ? "; the units asked exceed it" : "");
			else
				afmt(fa, "%s: no MUE in the loaded table", c->code);
			cdb_mue_free(&m);
		}
		if (strcmp(cat, "ncci") == 0 || strcmp(cat, "global") == 0 ||
		    strcmp(cat, "addon") == 0 || strcmp(cat, "multiple") == 0 ||
		    strcmp(cat, "noncovered") == 0) {
			if (codedb_rvu(db, c->code, dos, &r) == 1) {
				if (strcmp(cat, "addon") == 0)
					afmt(fa, "%s: global %s%s", c->code, r.global,
					    strcmp(r.global, "ZZZ") == 0 ? " = add-on code: paid only with its"
					    " primary procedure on the same claim" : " (not an add-on code)");
				else if (strcmp(cat, "noncovered") == 0)
					afmt(fa, "%s: PFS status %c = %s (%s)", c->code, r.status, r.status_text,
					    r.release);
				else if (strcmp(cat, "multiple") == 0)
					afmt(fa, "%s: multiple-procedure indicator %d", c->code, r.mult_proc);
				else
					afmt(fa, "%s: global %s = %s", c->code, r.global, r.global_text);
			}
			cdb_rvu_free(&r);
		}
		if (strcmp(cat, "ncci") == 0) {
			for (j = 0; j < ex->ncodes; j++) {
				struct cdb_ptp p;

				if (j == i || !is_proc(&ex->codes[j]))
					continue;
				if (codedb_ptp(db, c->code, ex->codes[j].code, dos, &p) == 1)
					afmt(fa, "NCCI PTP edit %s (column 1) / %s (column 2): %s, modifier %s",
					    p.col1, p.col2, p.active ? "in effect" : "not in effect on the date",
					    p.modifier == 1 ? "allowed (1)" : p.modifier == 0 ?
					    "not allowed (0)" : "not applicable (9)");
				cdb_ptp_free(&p);
			}
		}
		if (strcmp(cat, "codevalid") == 0) {
			struct cdb_code cc;

			if (codedb_code(db, c->code, dos, &cc) == 1)
				afmt(fa, "%s: %s on %s%s%s%s", c->code, codedb_status_name(cc.status),
				    dos ? dos : "today", cc.status_date[0] ? " (date " : "",
				    cc.status_date[0] ? cc.status_date : "", cc.status_date[0] ? ")" : "");
			else
				afmt(fa, "%s: not in the loaded code lists", c->code);
			cdb_code_free(&cc);
		}
	}
	if (strcmp(cat, "ncci") == 0 && json_object_array_length(fa) == 0)
		afmt(fa, "no second procedure code in your message: name the codes billed on the"
		    " same date to check the NCCI edits between them");
	if ((strcmp(cat, "units") == 0 || strcmp(cat, "addon") == 0) &&
	    json_object_array_length(fa) == 0)
		afmt(fa, "name the procedure code (and the units billed) to see its %s",
		    strcmp(cat, "units") == 0 ? "MUE" : "global days");
}

static const char *
group_words(const char *g)
{
	if (strcmp(g, "CO") == 0)
		return "contractual obligation: the provider absorbs it and may not bill the patient";
	if (strcmp(g, "PR") == 0)
		return "patient responsibility: may be billed to the patient";
	if (strcmp(g, "OA") == 0)
		return "other adjustment: neither the provider's contractual write-off nor the patient's";
	if (strcmp(g, "PI") == 0)
		return "payer-initiated reduction: the payer's reduction, not billable to the patient";
	if (strcmp(g, "CR") == 0)
		return "correction and reversal of a prior claim";
	return "";
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
		jstr(b, "code", label);
		jstr(b, "bare", d->code);
		jstr(b, "group", d->group);
		{
			char gl[200], pre[16];

			util_fmt(gl, sizeof(gl), "%s.", group_words(d->group));
			util_fmt(pre, sizeof(pre), "Group %s: ", d->group);
			jstr(b, "group_text", d->group[0] ? gl : "");
		}
		jbool(b, "has_group", d->group[0] != '\0');
		jstr(b, "kind", found ? (strcmp(dn.kind, "rarc") == 0 ? "RARC" : "CARC") :
		    d->rarc ? "RARC" : "CARC");
		jbool(b, "found", found);
		{
			/* the description, and X12's "Usage:" guidance apart (kept, not shown in text) */
			char desc[1024];
			const char *u = found ? strstr(dn.text, " Usage:") : NULL;

			util_fmt(desc, sizeof(desc), "%.*s", u ? (int)(u - dn.text) : 1000,
			    found ? dn.text : "");
			jstr(b, "text", desc);
			jstr(b, "usage", u ? u + 1 : "");
		}
		jstr(b, "status", found ? dn.status : "");
		jbool(b, "deactivated", found && strcmp(dn.status, "deactivated") == 0);
		jbool(b, "tobe", found && strcmp(dn.status, "tobe") == 0);
		jstr(b, "category", cat);
		util_fmt(key, sizeof(key), "cat_%s", cat);
		jbool(b, key, 1);
		{
			char ck[300];

			util_fmt(ck, sizeof(ck), "%s.", check_of(cat));
			jstr(b, "check", ck);
			jstr(b, "check_short", check_of(cat));
		}
		facts(db, ex, dos, cat, fa);
		{
			/* each fact as {text} (the template shows it as a bullet) */
			struct json_object *fo = json_object_new_array();
			size_t k;

			for (k = 0; k < json_object_array_length(fa); k++) {
				struct json_object *o = json_object_new_object();

				jstr(o, "text", json_object_get_string(json_object_array_get_idx(fa, k)));
				json_object_array_add(fo, o);
			}
			json_object_put(fa);
			fa = fo;
		}
		jbool(b, "has_facts", json_object_array_length(fa) > 0);
		json_object_object_add(b, "facts", fa);
		json_object_object_add(sec, "denial", b);
		json_object_array_add(sections, sec);
		/* the lead line */
		if (found) {
			first_sentence(dn.text, first, sizeof(first));
			afmt(lead, "%s (%s%s%s): \"%s\"%s Check %s.", label,
			    strcmp(dn.kind, "rarc") == 0 ? "remark code" : "reason code",
			    d->group[0] ? ", group " : "", d->group[0] ? d->group : "", first,
			    strcmp(dn.status, "deactivated") == 0 ? " (a DEACTIVATED code)" : "",
			    check_of(cat));
		} else
			afmt(lead, "%s: a %s code that is not in the loaded X12 lists.", label,
			    d->rarc ? "remark (RARC)" : "reason (CARC)");
		/* lead entries are objects {text, code, rule} */
		jstr(ld, "text", json_object_get_string(json_object_array_get_idx(lead,
		    json_object_array_length(lead) - 1)));
		jstr(ld, "code", label);
		util_fmt(key, sizeof(key), "denial-%s", cat);
		jstr(ld, "rule", key);
		json_object_array_put_idx(lead, json_object_array_length(lead) - 1, ld);
		cdb_denial_free(&dn);
		n++;
	}
	return n;
}
