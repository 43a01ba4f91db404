/* answer_fee — the fee schedule: RVUs (with the 26/TC/53 rows), national payment, the
 * release used, local payment and changes between releases (answer_facts.c), notes. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer_facts.h"
#include "answer_priv.h"
#include "buf.h"
#include "conf.h"
#include "util.h"

void
ap_indicators(const struct cdb_rvu *r, struct json_object *o)
{
	struct json_object *a = json_object_new_array(), *e;

#define IND(label, v, txt) do { e = json_object_new_object(); J_STR(e, "label", label); \
	J_FMT(e, "value", "%d", v); J_STR(e, "text", txt); json_object_array_add(a, e); } while (0)
	IND("Multiple procedures", r->mult_proc, codedb_mult_proc_text(r->mult_proc));
	IND("Bilateral (50)", r->bilateral, codedb_bilateral_text(r->bilateral));
	IND("Assistant at surgery", r->assistant, codedb_assistant_text(r->assistant));
	IND("Co-surgeons (62)", r->co_surgery, codedb_cosurg_text(r->co_surgery));
	IND("Team surgery (66)", r->team_surgery, codedb_team_text(r->team_surgery));
	IND("PC/TC", r->pctc, codedb_pctc_text(r->pctc));
#undef IND
	json_object_object_add(o, "indicators", a);
}

static void
money(char *out, size_t outlen, double rvu, double cf, int na)
{
	if (na)
		util_fmt(out, outlen, "NA");
	else
		util_fmt(out, outlen, "$%.2f", rvu * cf);
}

static void
num(char *out, size_t outlen, double v, int na)
{
	if (na)
		util_fmt(out, outlen, "NA");
	else
		util_fmt(out, outlen, "%.2f", v);
}

static int
priced(char status)
{
	return status == 'A' || status == 'R' || status == 'T';
}

static void
rvu_row(struct json_object *rows, const char *code, const struct cdb_rvu *r)
{
	struct json_object *o = json_object_new_object();
	char b[32];

	J_STR(o, "code", code);
	J_STR(o, "mod", r->mod[0] ? r->mod : "");
	num(b, sizeof(b), r->work, 0); J_STR(o, "work", b);
	num(b, sizeof(b), r->pe_nf, r->pe_nf_na); J_STR(o, "pe_nf", b);
	num(b, sizeof(b), r->pe_f, r->pe_f_na); J_STR(o, "pe_f", b);
	num(b, sizeof(b), r->mp, 0); J_STR(o, "mp", b);
	num(b, sizeof(b), r->total_nf, r->pe_nf_na); J_STR(o, "total_nf", b);
	num(b, sizeof(b), r->total_f, r->pe_f_na); J_STR(o, "total_f", b);
	if (priced(r->status) && r->conv_factor > 0) {
		money(b, sizeof(b), r->total_nf, r->conv_factor, r->pe_nf_na || r->total_nf <= 0);
		J_STR(o, "pay_nf", b);
		money(b, sizeof(b), r->total_f, r->conv_factor, r->pe_f_na || r->total_f <= 0);
		J_STR(o, "pay_f", b);
	} else {
		J_STR(o, "pay_nf", "-");
		J_STR(o, "pay_f", "-");
	}
	json_object_array_add(rows, o);
}

struct json_object *
ap_fee_section(struct ctx *c, const char *partial, struct json_object *summary)
{
	int with_indicators = !(c->shown & INTENT_GLOBAL_PERIOD);  /* else shown there */
	struct json_object *body, *sec, *rows = json_object_new_array(), *notes = json_object_new_array();
	struct json_object *none = json_object_new_array(), *codes = json_object_new_array();
	size_t i;
	double cf = 0;
	char year[8] = "", release[24] = "";
	struct buf sl;
	static const char *const mods[] = { "26", "TC", "53" };

	sec = ap_new_section(&body, partial, "Fee schedule: RVUs and national payment");
	buf_init(&sl, 4096);
	for (i = 0; i < c->n; i++) {
		struct item *it = &c->it[i];
		struct json_object *co;
		size_t k;

		if (!it->found || it->icd)
			continue;
		if (!it->has_rvu) {
			A_STR(none, it->ex->code);
			continue;
		}
		rvu_row(rows, it->ex->code, &it->rvu);
		for (k = 0; k < sizeof(mods) / sizeof(mods[0]); k++) {
			struct cdb_rvu r;

			if (codedb_rvu_mod(c->db, it->ex->code, mods[k], c->dos, &r) == 1)
				rvu_row(rows, it->ex->code, &r);
			cdb_rvu_free(&r);
		}
		if (it->rvu.conv_factor > 0)
			cf = it->rvu.conv_factor;
		util_fmt(year, sizeof(year), "%s", it->rvu.year);
		util_fmt(release, sizeof(release), "%s", it->rvu.release);
		co = json_object_new_object();
		J_STR(co, "code", it->ex->code);
		J_FMT(co, "pfs", "%c = %s", it->rvu.status, it->rvu.status_text ? it->rvu.status_text : "");
		J_FMT(co, "global", "%s = %s", it->rvu.global, it->rvu.global_text ? it->rvu.global_text : "");
		if (with_indicators)
			ap_indicators(&it->rvu, co);
		if (!priced(it->rvu.status)) {
			struct json_object *f = json_object_new_object();

			J_FMT(f, "status", "%c", it->rvu.status);
			ap_j_say(co, "unpriced", "fee_unpriced_card", f);
		}
		json_object_array_add(codes, co);
		if (priced(it->rvu.status) && it->rvu.conv_factor > 0 && !it->rvu.pe_nf_na)
			buf_printf(&sl, "%s%s $%.2f non-facility", sl.len ? "; " : "", it->ex->code,
			    it->rvu.total_nf * it->rvu.conv_factor);
		else if (priced(it->rvu.status) && it->rvu.conv_factor > 0 && !it->rvu.pe_f_na)
			buf_printf(&sl, "%s%s $%.2f facility", sl.len ? "; " : "", it->ex->code,
			    it->rvu.total_f * it->rvu.conv_factor);
		else
			buf_printf(&sl, "%s%s status %c (not priced nationally)", sl.len ? "; " : "", it->ex->code,
			    it->rvu.status);
	}
	json_object_object_add(body, "rows", rows);
	J_BOOL(body, "has_rows", json_object_array_length(rows) > 0);
	json_object_object_add(body, "codes", codes);
	{
		/* release in effect, local payment, codes added/deleted between releases */
		const char *pc[64];
		size_t npc = 0;
		struct json_object *chg = json_object_new_array();

		for (i = 0; i < c->n; i++) {
			if (!c->it[i].found || c->it[i].icd)
				continue;
			answer_fee_change(c->db, c->it[i].ex->code, c->dos, chg);
			if (c->it[i].has_rvu && npc < 64)
				pc[npc++] = c->it[i].ex->code;
		}
		J_BOOL(body, "has_changes", json_object_array_length(chg) > 0);
		json_object_object_add(body, "changes", chg);
		answer_fee_local(c->db, c->in->conf ? c->in->conf->locality : NULL, c->text, c->subject,
		    c->dos, pc, npc, body);
		for (i = 0; i < c->n; i++)
			if (c->it[i].has_rvu && !c->it[i].rvu.release_exact) {
				struct json_object *f = json_object_new_object();

				J_STR(f, "date", c->asof);
				J_STR(f, "release", c->it[i].rvu.release);
				ap_j_say(body, "release_note", "fee_release_nearest", f);
				break;
			}
	}
	ap_add_list(body, "none", none);
	if (cf > 0) {
		J_FMT(body, "cf", "%.4f", cf);
		J_STR(body, "year", year);
		J_STR(body, "release", release);
		struct json_object *f = json_object_new_object();

		J_FMT(f, "cf", "%.4f", cf);
		J_STR(f, "year", year);
		J_STR(f, "release", release);
		J_STR(f, "date", c->asof);
		json_object_array_add(notes, ap_say_new("fee_national_note", f));
	}
	json_object_array_add(notes, ap_say_new("fee_local_note", NULL));
	json_object_object_add(body, "notes", notes);
	if (sl.len)
		A_FMT(summary, "National payment (PFS %s): %s", year[0] ? year : "", buf_cstr(&sl));
	else
		A_STR(summary, "Payment: none of these codes is in the loaded fee schedule");
	buf_free(&sl);
	return sec;
}
