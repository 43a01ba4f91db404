/* answer_coverage — what the reference files say about coverage (PFS status, HCPCS
 * coverage code, ICD-10-CM billable), and where coverage is really decided (NCD/LCD). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_priv.h"
#include "buf.h"
#include "util.h"

struct json_object *
ap_coverage_section(struct ctx *c, const char *partial, struct json_object *summary)
{
	struct json_object *body, *sec, *rows = json_object_new_array();
	size_t i;
	int has_icd = 0, has_proc = 0;

	sec = ap_new_section(&body, partial, "Coverage: what the reference files say");
	for (i = 0; i < c->n; i++) {
		struct item *it = &c->it[i];
		struct json_object *r, *lines, *f;

		if (!it->found)
			continue;
		r = json_object_new_object();
		lines = json_object_new_array();
		J_STR(r, "code", ap_item_code(it));
		if (it->icd) {
			f = json_object_new_object();
			has_icd = 1;
			J_BOOL(f, "billable", it->icd_row.billable);
			J_STR(f, "release", it->icd_row.release);
			json_object_array_add(lines, ap_say_new("coverage_icd", f));
		} else {
			has_proc = 1;
			f = json_object_new_object();
			if (it->has_rvu) {
				J_FMT(f, "status", "%c", it->rvu.status);
				J_STR(f, "status_text", it->rvu.status_text);
				json_object_array_add(lines, ap_say_new("coverage_pfs", f));
			} else
				json_object_array_add(lines, ap_say_new("coverage_nopfs", f));
			if (it->cc.coverage[0]) {
				f = json_object_new_object();
				J_STR(f, "coverage", it->cc.coverage);
				J_STR(f, "coverage_text", it->cc.coverage_text);
				json_object_array_add(lines, ap_say_new("coverage_hcpcs", f));
			}
			if (it->cc.status == CDB_DELETED) {
				f = json_object_new_object();
				J_STR(f, "date", c->asof);
				json_object_array_add(lines, ap_say_new("coverage_deleted", f));
			}
		}
		json_object_object_add(r, "lines", lines);
		json_object_array_add(rows, r);
	}
	json_object_object_add(body, "rows", rows);
	ap_j_say(body, "lcd", "coverage_lcd", NULL);
	{
		struct json_object *chk = json_object_new_array();

		json_object_array_add(chk, ap_say_new("coverage_check_ncd", NULL));
		json_object_array_add(chk, ap_say_new("coverage_check_lcd", NULL));
		json_object_array_add(chk, ap_say_new("coverage_check_payers", NULL));
		json_object_array_add(chk, ap_say_new("coverage_check_abn", NULL));
		json_object_object_add(body, "check", chk);
	}
	J_BOOL(body, "has_icd", has_icd);
	J_BOOL(body, "has_proc", has_proc);
	A_STR(summary, "Coverage: the files give fee-schedule and HCPCS status only; NCD/LCD coverage depends on your contractor (what to check below)");
	return sec;
}
