/* answer_mue — units and MUEs (medically unlikely edits): the MUE and its adjudication
 * indicator per code, the units asked against it, dose units of J codes. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_priv.h"
#include "buf.h"
#include "util.h"

struct json_object *
ap_mue_section(struct ctx *c, const char *partial, struct json_object *summary)
{
	struct json_object *body, *sec, *rows = json_object_new_array(), *none = json_object_new_array();
	size_t i;
	struct buf sl;

	char later[11] = "";
	size_t nover = 0, nrows;

	sec = ap_new_section(&body, partial, "Units and MUEs (medically unlikely edits)");
	buf_init(&sl, 4096);
	for (i = 0; i < c->n; i++) {
		struct item *it = &c->it[i];
		struct json_object *r;
		char dose[48];

		if (!it->found || it->icd)
			continue;
		if (!it->has_mue) {
			A_STR(none, it->ex->code);
			continue;
		}
		r = json_object_new_object();
		J_STR(r, "code", it->ex->code);
		J_FMT(r, "value", "%ld", it->mue.value);
		J_FMT(r, "mai", "%d", it->mue.mai);
		J_STR(r, "mai_text", it->mue.mai_text);
		{
			struct json_object *f = json_object_new_object();

			J_INT(f, "mai", it->mue.mai);
			J_BOOL(f, "mai1", it->mue.mai == 1);
			J_BOOL(f, "mai2", it->mue.mai == 2);
			J_BOOL(f, "mai3", it->mue.mai == 3);
			ap_j_say(r, "mai_words", "mue_mai_words", f);
		}
		J_FMT(r, "rationale_kv", "%s", it->mue.rationale ? it->mue.rationale : "");
		J_STR(r, "rationale", it->mue.rationale);
		J_STR(r, "setting", strncmp(it->mue.setting, "practition", 10) == 0 ? "practitioner" : it->mue.setting);
		J_STR(r, "effective", it->mue.effective);
		if (it->mue.effective[0] && strcmp(it->mue.effective, c->asof) > 0)
			util_fmt(later, sizeof(later), "%s", it->mue.effective);
		if (it->units > it->mue.value)
			nover++;
		J_FMT(r, "units_col", "%s", "");
		if (it->units)
			J_FMT(r, "units_col", "%d", it->units);
		ap_dose_unit(it->cc.hcpcs_long, dose, sizeof(dose));
		if (dose[0] && it->ex->code[0] == 'J') {
			struct json_object *f = json_object_new_object();

			J_STR(f, "dose", dose);
			ap_j_say(r, "dose", "mue_dose", f);
		}
		if (it->units) {
			struct json_object *f = json_object_new_object();

			J_FMT(r, "asked", "%d", it->units);
			J_INT(f, "units", it->units);
			J_INT(f, "value", it->mue.value);
			J_BOOL(f, "one", it->units == 1);
			J_BOOL(f, "mai1", it->mue.mai == 1);
			J_BOOL(f, "mai2", it->mue.mai == 2);
			if (it->units > it->mue.value)
				J_BOOL(r, "over", 1);
			ap_j_say(r, "verdict", it->units > it->mue.value ? "mue_verdict_over" : "mue_verdict_within", f);
			buf_printf(&sl, "%s%s MUE %ld (%s), you asked %d: %s", sl.len ? "; " : "", it->ex->code,
			    it->mue.value, it->mue.mai == 1 ? "per line" : "per date of service", it->units,
			    it->units > it->mue.value ? "over" : "within");
		} else
			buf_printf(&sl, "%s%s MUE %ld (%s)", sl.len ? "; " : "", it->ex->code, it->mue.value,
			    it->mue.mai == 1 ? "per line" : "per date of service");
		json_object_array_add(rows, r);
	}
	nrows = json_object_array_length(rows);
	json_object_object_add(body, "rows", rows);
	ap_add_list(body, "none", none);
	J_BOOL(body, "compact", c->claim);
	if (later[0]) {
		struct json_object *f = json_object_new_object();

		J_STR(f, "effective", later);
		J_STR(f, "date", c->asof);
		ap_j_say(body, "later", "mue_later", f);
	}
	if (c->claim)
		A_FMT(summary, "Units: %zu code%s with an MUE; %zu line%s over it", nrows, nrows == 1 ? "" : "s",
		    nover, nover == 1 ? "" : "s");
	else if (sl.len)
		A_FMT(summary, "Units: %s", buf_cstr(&sl));
	else
		A_STR(summary, "Units: no MUE in the loaded data for these codes");
	buf_free(&sl);
	return sec;
}
