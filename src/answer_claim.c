/* answer_claim — a claim check (CLAIM_MIN procedure codes or more): one table row per line
 * (units against the MUE, global days, PFS status, flags), then the pair-by-pair NCCI
 * verdicts among its codes. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_priv.h"
#include "buf.h"
#include "util.h"

static void claim_pairs(struct ctx *c, struct json_object *body);

struct json_object *
ap_claim_section(struct ctx *c, struct json_object *summary)
{
	struct json_object *body, *sec, *rows = json_object_new_array();
	size_t i;
	char h[96];

	util_fmt(h, sizeof(h), "Claim check: %zu codes, date of service %s", c->n, c->asof);
	sec = ap_new_section(&body, "claim", h);
	for (i = 0; i < c->n; i++) {
		struct item *it = &c->it[i];
		struct json_object *r = json_object_new_object();
		struct buf mods;
		const char *title = it->found ? ap_item_title(it) : NULL;
		char what[40];
		int k;

		buf_init(&mods, 64);
		for (k = 0; k < it->ex->nmods; k++)
			buf_printf(&mods, "%s%s", k ? "," : "", it->ex->mods[k]);
		J_FMT(r, "line", "%zu", i + 1);
		J_STR(r, "code", ap_item_code(it));
		J_STR(r, "mods", buf_cstr(&mods));
		if (it->units)
			J_FMT(r, "units", "%d", it->units);
		else
			J_STR(r, "units", it->icd ? "" : "1");
		J_STR(r, "mue", it->has_mue ? "" : "-");
		if (it->has_mue) {
			J_FMT(r, "mue", "%ld/%d", it->mue.value, it->mue.mai);
			if ((it->units ? it->units : 1) > it->mue.value) {
				J_STR(r, "flag", "> MUE");
				J_BOOL(r, "over", 1);
			}
		}
		J_STR(r, "global", it->has_rvu ? it->rvu.global : "-");
		if (it->has_rvu)
			J_FMT(r, "pfs", "%c", it->rvu.status);
		else
			J_STR(r, "pfs", "-");
		if (!it->found)
			J_STR(r, "flag", "NOT FOUND");
		else if (!it->icd && it->cc.status == CDB_DELETED)
			J_STR(r, "flag", "DELETED");
		else if (!it->icd && it->cc.status == CDB_NOT_YET)
			J_STR(r, "flag", "NOT YET");
		else if (it->icd && !it->icd_row.billable)
			J_STR(r, "flag", "HEADER");
		if (title) {
			size_t l = strlen(title);

			if (l > 22) {
				size_t cut = 19;

				while (cut > 0 && ((unsigned char)title[cut] & 0xC0) == 0x80)
					cut--;
				util_fmt(what, sizeof(what), "%.*s...", (int)cut, title);
			} else
				util_fmt(what, sizeof(what), "%s", title);
			J_STR(r, "what", what);
		} else
			J_STR(r, "what", it->found ? "" : "not in the data");
		json_object_array_add(rows, r);
		buf_free(&mods);
	}
	json_object_object_add(body, "rows", rows);
	claim_pairs(c, body);
	A_FMT(summary, "Claim check: %zu codes in a table (MUE, global days, PFS status, flags)", c->n);
	return sec;
}

/* The claim's pair-by-pair verdicts: every PTP row among its codes, with what it means on
 * the date of service, then how many pairs have no edit in the loaded data. */
static void
claim_pairs(struct ctx *c, struct json_object *body)
{
	struct json_object *pairs = json_object_new_array();
	size_t i, j, nwith = 0;

	for (i = 0; i < c->ned; i++) {
		const struct cdb_ptp *p = &c->ed[i].p;
		struct json_object *e = json_object_new_object(), *f = json_object_new_object();

		J_STR(e, "col1", p->col1);
		J_STR(e, "col2", p->col2);
		J_FMT(e, "mi", "%d", p->modifier);
		J_STR(e, "effective", p->effective);
		J_STR(e, "deletion", p->deletion[0] ? p->deletion : "none");
		J_STR(f, "col2", p->col2);
		J_BOOL(f, "active", p->active);
		J_BOOL(f, "deleted", !p->active && p->deletion[0] && strcmp(p->deletion, c->asof) <= 0);
		J_BOOL(f, "ind0", p->modifier == 0);
		ap_j_say(e, "verdict", "claim_verdict", f);
		json_object_array_add(pairs, e);
	}
	for (i = 0; i < c->n; i++)
		for (j = i + 1; j < c->n; j++)
			if (c->it[i].found && !c->it[i].icd && c->it[j].found && !c->it[j].icd &&
			    ap_find_edit(c, c->it[i].ex->code, c->it[j].ex->code))
				nwith++;
	J_BOOL(body, "has_pairs", c->ned > 0);
	json_object_object_add(body, "pairs", pairs);
	J_INT(body, "pairs_checked", (long)c->pairs);
	{
		struct json_object *f = json_object_new_object();

		J_INT(f, "pairs", (int64_t)c->pairs);
		J_INT(f, "others", (int64_t)(c->pairs - nwith));
		J_BOOL(f, "excerpt", c->ptp_rows < 100000);
		ap_j_say(body, "pairs_note", c->ptp_loaded ? "claim_pairs_note" : "claim_pairs_noptp", f);
	}
	{
		char later[11] = "";

		for (i = 0; i < c->n; i++)
			if (c->it[i].has_mue && c->it[i].mue.effective[0] &&
			    strcmp(c->it[i].mue.effective, c->asof) > 0)
				util_fmt(later, sizeof(later), "%s", c->it[i].mue.effective);
		if (later[0]) {
			struct json_object *f = json_object_new_object();

			J_STR(f, "effective", later);
			J_STR(f, "date", c->asof);
			ap_j_say(body, "later", "mue_later", f);
		}
	}
}
