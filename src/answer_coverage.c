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
		struct json_object *r, *lines;

		if (!it->found)
			continue;
		r = json_object_new_object();
		lines = json_object_new_array();
		J_STR(r, "code", ap_item_code(it));
		if (it->icd) {
			has_icd = 1;
			A_FMT(lines, "%s diagnosis code (ICD-10-CM %s). Whether it supports a service is decided by NCDs/LCDs, not by the code set.",
			    it->icd_row.billable ? "Billable" : "Header, not billable:", it->icd_row.release);
		} else {
			has_proc = 1;
			if (it->has_rvu)
				A_FMT(lines, "PFS status %c: %s.", it->rvu.status, it->rvu.status_text);
			else
				A_STR(lines, "Not in the loaded physician fee schedule.");
			if (it->cc.coverage[0])
				A_FMT(lines, "HCPCS coverage code %s: %s.", it->cc.coverage, it->cc.coverage_text);
			if (it->cc.status == CDB_DELETED)
				A_FMT(lines, "The code is deleted for %s: it cannot be paid.", c->asof);
		}
		json_object_object_add(r, "lines", lines);
		json_object_array_add(rows, r);
	}
	json_object_object_add(body, "rows", rows);
	ap_j_say(body, "lcd", "coverage_lcd", NULL);
	{
		struct json_object *chk = json_object_new_array();

		A_STR(chk, "the CMS Medicare Coverage Database: is there an NCD for the service?");
		A_STR(chk, "your MAC's LCD and billing article: covered ICD-10-CM codes, frequency limits, documentation");
		A_STR(chk, "other payers: their medical or clinical policy, and whether prior authorisation is needed");
		A_STR(chk, "if you expect a denial: an ABN before the service, then modifier GA (or GZ without one)");
		json_object_object_add(body, "check", chk);
	}
	J_BOOL(body, "has_icd", has_icd);
	J_BOOL(body, "has_proc", has_proc);
	A_STR(summary, "Coverage: the files give fee-schedule and HCPCS status only; NCD/LCD coverage depends on your contractor (what to check below)");
	return sec;
}
