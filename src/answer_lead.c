/* answer_lead — the lead lines: 1-6 short answers to what was asked, computed from the
 * facts the lookups found (MUE and its MAI when units are asked, the PC/TC split when
 * 26/TC is asked, an add-on code alone, the NCCI verdict for a pair, a date of service
 * outside a code's dates). Each line carries a rule id (tests, `make eval`). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_guide.h"
#include "answer_priv.h"
#include "buf.h"
#include "util.h"

#define LEAD_MAX 6

/* A lead line whose words come from templates/sentences.txt.tmpl: the sentence `say`, filled
 * from facts (taken) when the reply is rendered (render_say). */
void
ap_say(struct json_object *lead, const char *rule, const char *code, const char *say,
    struct json_object *facts)
{
	struct json_object *o;

	if (lead == NULL) {
		json_object_put(facts);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "rule", json_object_new_string(rule));
	if (code && *code)
		json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "say", json_object_new_string(say));
	json_object_object_add(o, "facts", facts);
	json_object_array_add(lead, o);
}

void
ap_lead_source(struct json_object *lead, const char *source)
{
	size_t n = json_object_array_length(lead);

	if (n && source && *source)
		json_object_object_add(json_object_array_get_idx(lead, n - 1), "source",
		    json_object_new_string(source));
}

void
ap_lead_topic(struct json_object *lead, const char *topic)
{
	size_t n = json_object_array_length(lead);

	if (n && topic)
		json_object_object_add(json_object_array_get_idx(lead, n - 1), "topic",
		    json_object_new_string(topic));
}

#define SPECIFIC (INTENT_NCCI_PAIR | INTENT_MODIFIER | INTENT_UNITS_MUE | INTENT_GLOBAL_PERIOD | \
    INTENT_FEE_RVU | INTENT_COVERAGE | INTENT_CROSSWALK | INTENT_ICD10_LOOKUP | INTENT_GUIDELINE)

int
ap_plain(const struct ctx *c)
{
	return !(c->intents & SPECIFIC);
}

static int
has_mod(const struct ctx *c, const struct item *it, const char *m)
{
	const struct ex_result *ex = c->in->ex;
	size_t i;
	int k;

	for (k = 0; k < it->ex->nmods; k++)
		if (strcmp(it->ex->mods[k], m) == 0)
			return 1;
	for (i = 0; i < ex->nmods; i++)
		if (strcmp(ex->mods[i].mod, m) == 0)
			return 1;
	return 0;
}

static int
text_has(const struct ctx *c, const char *w)
{
	return (c->text && util_strcasestr(c->text, w)) || (c->subject && util_strcasestr(c->subject, w));
}

int
ap_asks(const struct ctx *c, const char *const *words)
{
	for (; *words; words++)
		if (text_has(c, *words))
			return 1;
	return 0;
}

/* new facts {code} for a sentence about one code (caller passes them to ap_say) */
static struct json_object *
facts_code(const char *code)
{
	struct json_object *f = json_object_new_object();

	J_STR(f, "code", code);
	return f;
}

/* A date of service outside a code's dates is said first. */
void
ap_leads_first(struct ctx *c, struct json_object *lead)
{
	size_t i;
	const char *when = c->dos ? c->dos : c->asof;   /* the date answered for */

	for (i = 0; i < c->n; i++) {
		const struct item *it = &c->it[i];
		const char *rel = c->rel_hcpcs[0] ? c->rel_hcpcs : "loaded";

		if (!it->found || it->icd)
			continue;
		if (c->dos == NULL && it->ex->kind == CODE_HCPCS)
			continue;       /* the HCPCS dates are said by the card for today */
		if (c->dos && (it->cc.status == CDB_NOT_YET || it->cc.status == CDB_DELETED)) {
			struct json_object *f = json_object_new_object();
			int before = it->cc.status == CDB_NOT_YET;

			J_STR(f, "dos", c->dos);
			J_STR(f, "code", it->ex->code);
			J_STR(f, "file", rel);
			if (before)
				J_STR(f, "from", it->cc.status_date);
			else
				J_STR(f, "last", it->cc.end[0] ? it->cc.end : it->cc.status_date);
			if (!before && it->cc.replacement)
				J_STR(f, "replacement", it->cc.replacement);
			ap_say(lead, "dos-outside", it->ex->code, before ? "dos_before" : "dos_after", f);
		} else if (it->ex->kind != CODE_HCPCS) {
			/* CPT numbers carry no dates here (no licensed file): the fee schedule releases
			 * tell when a code left or arrived */
			struct cdb_change ch;
			const char *w;

			if (codedb_change(c->db, "pfs_rvu", it->ex->code, when, &ch) != 1)
				continue;
			w = codedb_change_word(&ch);
			if (strcmp(w, "deleted") == 0 || strcmp(w, "later") == 0) {
				struct json_object *f = json_object_new_object();
				int gone = strcmp(w, "deleted") == 0;

				J_STR(f, "code", it->ex->code);
				J_STR(f, "date", when);
				J_STR(f, "cur", ch.cur);
				J_STR(f, gone ? "prev" : "next", gone ? ch.prev : ch.next);
				ap_say(lead, gone ? "release-deleted" : "release-later", it->ex->code,
				    gone ? "release_deleted" : "release_later", f);
			}
		}
	}
}

static void
lead_units(struct ctx *c, const struct item *it, struct json_object *lead)
{
	const char *code = it->ex->code;
	struct json_object *f = json_object_new_object();
	int mai = it->mue.mai;

	J_STR(f, "code", code);
	if (!it->has_mue) {
		J_STR(f, "file", c->rel_mue[0] ? c->rel_mue : "none loaded");
		ap_say(lead, "mue", code, "mue_none", f);
		return;
	}
	J_INT(f, "value", it->mue.value);
	J_INT(f, "mai", mai);
	J_BOOL(f, "per_line", mai == 1);
	J_BOOL(f, "mai1", mai == 1);
	J_BOOL(f, "mai2", mai == 2);
	J_BOOL(f, "mai3", mai == 3);
	J_BOOL(f, "mai_unknown", mai < 1 || mai > 3);
	J_INT(f, "units", it->units);
	J_BOOL(f, "over", it->units > it->mue.value);
	J_BOOL(f, "within", it->units > 0 && it->units <= it->mue.value);
	J_BOOL(f, "one", it->units == 1);
	ap_say(lead, "mue", code, "mue", f);
	ap_lead_topic(lead, "mue-mai");
	ap_lead_source(lead, c->rel_mue);
}

static void
lead_pctc(struct ctx *c, const struct item *it, struct json_object *lead)
{
	struct cdb_rvu p, t;
	int hp, ht;
	const char *code = it->ex->code;

	struct json_object *f = json_object_new_object();

	J_STR(f, "code", code);
	if (!it->has_rvu) {
		J_STR(f, "file", c->rel_rvu[0] ? c->rel_rvu : "none loaded");
		ap_say(lead, "pctc", code, "pctc_norvu", f);
		return;
	}
	memset(&p, 0, sizeof(p));
	memset(&t, 0, sizeof(t));
	hp = codedb_rvu_mod(c->db, code, "26", c->dos, &p) == 1;
	ht = codedb_rvu_mod(c->db, code, "TC", c->dos, &t) == 1;
	J_INT(f, "pctc", it->rvu.pctc);
	J_STR(f, "file", c->rel_rvu);
	if (hp) {
		json_object_object_add(f, "pc_rvu", json_object_new_double(p.total_nf));
		if (ht) {
			json_object_object_add(f, "tc_rvu", json_object_new_double(t.total_nf));
			json_object_object_add(f, "total_rvu", json_object_new_double(it->rvu.total_nf));
		}
	} else
		J_STR(f, "pctc_text", codedb_pctc_text(it->rvu.pctc));
	ap_say(lead, "pctc", code, hp && ht ? "pctc_split" : hp ? "pctc_26only" : "pctc_nosplit", f);
	ap_lead_topic(lead, "mod-26-tc");
	ap_lead_source(lead, c->rel_rvu);
	cdb_rvu_free(&p);
	cdb_rvu_free(&t);
}

static void
lead_describe(struct ctx *c, const struct item *it, struct json_object *lead)
{
	const char *code = it->ex->code;
	struct json_object *f = json_object_new_object();

	if (it->icd) {
		struct cdb_icd_valid v;
		int val = codedb_icd_validity(c->db, code, c->asof, &v) == 1 ? (int)v.v : -1;

		if (val == CDB_ICD_DELETED) {
			/* gone (or a header now) in the release in effect: the ICD-10-CM lead line
			 * (answer_icd_lead) says so and what to report; an older title called
			 * "billable" here would contradict it */
			json_object_put(f);
			return;
		}
		J_STR(f, "code", it->icd_row.display);
		J_STR(f, "title", it->icd_row.short_title ? it->icd_row.short_title : "");
		J_BOOL(f, "billable", it->icd_row.billable);
		if (val == CDB_ICD_VALID && v.title_release[0] && strcmp(v.title_release, v.release)) {
			/* valid now, but the wording loaded is older: it may have changed */
			J_STR(f, "release", v.release);
			J_STR(f, "title_release", v.title_release);
			ap_say(lead, "describe", it->icd_row.display, "describe_icd_oldtitle", f);
		} else {
			J_STR(f, "release", it->icd_row.release);
			ap_say(lead, "describe", it->icd_row.display, "describe_icd", f);
		}
		return;
	}
	J_STR(f, "code", code);
	J_STR(f, "kind_name", extract_kind_name(it->ex->kind));
	J_STR(f, "asof", c->asof);
	if (it->cc.hcpcs_short && it->ex->kind == CODE_HCPCS)
		J_STR(f, "desc", it->cc.hcpcs_long ? it->cc.hcpcs_long : it->cc.hcpcs_short);
	else if (it->cc.lay) {
		size_t l = strlen(it->cc.lay);

		J_FMT(f, "desc", "%.*s", (int)(l && it->cc.lay[l - 1] == '.' ? l - 1 : l), it->cc.lay);
	}
	switch (it->cc.status) {
	case CDB_ACTIVE:
		J_BOOL(f, "active", 1);
		break;
	case CDB_DELETED:
		J_BOOL(f, "deleted", 1);
		J_STR(f, "date", it->cc.status_date);
		break;
	case CDB_NOT_YET:
		J_BOOL(f, "not_yet", 1);
		J_STR(f, "date", it->cc.status_date);
		break;
	default:
		if (it->has_rvu) {
			J_BOOL(f, "in_pfs", 1);
			J_STR(f, "year", it->rvu.year);
			J_FMT(f, "pfs_status", "%c", it->rvu.status);
		}
		break;
	}
	if (it->has_rvu && strcmp(it->rvu.global, "XXX") != 0) {
		J_STR(f, "global", it->rvu.global);
		J_STR(f, "global_short", ap_global_short(it->rvu.global));
	}
	ap_say(lead, "describe", code, "describe", f);
}

static void
lead_pair(struct ctx *c, const struct item *a, const struct item *b, struct json_object *lead,
    struct buf *none)
{
	const struct cdb_ptp *p = ap_find_edit(c, a->ex->code, b->ex->code);
	const struct item *em = a->em ? a : b->em ? b : NULL, *pr = em == a ? b : a;

	struct json_object *f;

	if (p) {
		f = json_object_new_object();
		J_STR(f, "a", a->ex->code);
		J_STR(f, "b", b->ex->code);
		J_STR(f, "col1", p->col1);
		J_STR(f, "col2", p->col2);
		J_INT(f, "indicator", p->modifier);
		J_STR(f, "date", c->asof);
		J_BOOL(f, "deleted", p->deletion[0] && strcmp(p->deletion, c->asof) < 0);
		ap_say(lead, "ncci", p->col2, !p->active ? "ncci_off" : p->modifier == 0 ? "ncci_0" : "ncci_1", f);
	}
	if (p && p->active) {
		ap_lead_topic(lead, "ncci-mod-59-xepsu");
		ap_lead_source(lead, c->ptp_release[0] ? c->ptp_release : NULL);
		return;
	}
	if (em && !pr->em && pr->has_rvu) {
		if (ap_is_minor(pr) || strcmp(pr->rvu.global, "090") == 0) {
			f = json_object_new_object();
			J_STR(f, "proc", pr->ex->code);
			J_STR(f, "em", em->ex->code);
			J_STR(f, "global", pr->rvu.global);
			J_BOOL(f, "no_edit", p == NULL);
			J_BOOL(f, "excerpt", c->ptp_rows < 100000);
			ap_say(lead, "em-modifier", em->ex->code, ap_is_minor(pr) ? "em_25" : "em_57", f);
			ap_lead_topic(lead, "mod-25");
			return;
		}
	}
	if (p == NULL && none)
		buf_printf(none, "%s%s + %s", none->len ? ", " : "", a->ex->code, b->ex->code);
}

static void
lead_claim(struct ctx *c, struct json_object *lead)
{
	size_t i, over = 0, bad = 0, active = 0;
	struct json_object *f;
	struct buf ob;

	buf_init(&ob, 4096);
	for (i = 0; i < c->n; i++) {
		const struct item *it = &c->it[i];

		if (!it->found || (!it->icd && (it->cc.status == CDB_DELETED || it->cc.status == CDB_NOT_YET)))
			bad++;
		if (it->has_mue && (it->units ? it->units : 1) > it->mue.value) {
			over++;
			buf_printf(&ob, "%s%s (%d > %ld)", ob.len ? ", " : "", it->ex->code,
			    it->units ? it->units : 1, it->mue.value);
		}
	}
	for (i = 0; i < c->ned; i++)
		active += c->ed[i].p.active;
	f = json_object_new_object();
	J_INT(f, "n", (int64_t)c->n);
	J_STR(f, "date", c->asof);
	J_INT(f, "over", (int64_t)over);
	J_BOOL(f, "over_one", over == 1);
	J_STR(f, "over_list", buf_cstr(&ob));
	J_INT(f, "active", (int64_t)active);
	J_BOOL(f, "active_one", active == 1);
	J_INT(f, "pairs", (int64_t)c->pairs);
	J_INT(f, "bad", (int64_t)bad);
	J_BOOL(f, "bad_one", bad == 1);
	ap_say(lead, "claim", NULL, "claim", f);
	buf_free(&ob);
}

void
ap_leads(struct ctx *c, struct json_object *lead)
{
	size_t i, j, nproc_found = 0, start = json_object_array_length(lead);
	int pctc = text_has(c, "professional component") || text_has(c, "technical component") ||
	    text_has(c, "26/TC") || text_has(c, "PC/TC");
	int bilat = text_has(c, "bilateral");
	int alone = text_has(c, "alone") || text_has(c, "by itself") || text_has(c, "without") ||
	    text_has(c, "on its own") || text_has(c, "add-on") || text_has(c, "addon");
	int plain = ap_plain(c);
	struct buf none;

	if (c->claim) {
		lead_claim(c, lead);
		return;
	}
	buf_init(&none, 8192);
	/* modifiers named with codes (the modifier section has the facts for the codes) */
	if (c->n && (c->intents & INTENT_MODIFIER)) {
		const struct ex_result *ex = c->in->ex;
		const struct guide_mod *g[2] = { NULL, NULL };
		size_t ng = 0;

		for (i = 0; i < ex->nmods && ng < 3; i++)
			if (guide_modifier(ex->mods[i].mod)) {
				if (ng < 2)
					g[ng] = guide_modifier(ex->mods[i].mod);
				ng++;
			}
		if (ng == 2) {
			struct json_object *f = json_object_new_object();

			/* a meaning's first clause (to its first '.' or ':') */
			J_STR(f, "a", g[0]->mod);
			J_FMT(f, "a_meaning", "%.*s", (int)strcspn(g[0]->meaning, ".:"), g[0]->meaning);
			J_STR(f, "a_on", g[0]->sits_on);
			J_STR(f, "b", g[1]->mod);
			J_FMT(f, "b_meaning", "%.*s", (int)strcspn(g[1]->meaning, ".:"), g[1]->meaning);
			J_STR(f, "b_on", g[1]->sits_on);
			ap_say(lead, "modinfo-compare", g[0]->mod, "mod_compare", f);
		} else if (ng == 1 && !c->it[0].em) {
			struct json_object *f = json_object_new_object();

			J_STR(f, "mod", g[0]->mod);
			J_STR(f, "on", g[0]->sits_on);
			ap_say(lead, "modinfo", g[0]->mod, "mod_goes_on", f);
		}
		if (ng == 1 || ng == 2)
			ap_lead_topic(lead, g[0]->topic);
	}
	for (i = 0; i < c->n; i++)
		if (c->it[i].found && !c->it[i].icd)
			nproc_found++;
	for (i = 0; i < c->n; i++) {
		const struct item *it = &c->it[i];
		int said = 0;

		if (!it->found || json_object_array_length(lead) >= LEAD_MAX)
			continue;
		if (it->icd) {
			if (plain || (c->intents & INTENT_ICD10_LOOKUP))
				lead_describe(c, it, lead);
			continue;
		}
		if ((c->intents & INTENT_UNITS_MUE) || it->units) {
			lead_units(c, it, lead);
			said = 1;
		}
		if (has_mod(c, it, "26") || has_mod(c, it, "TC") ||
		    (pctc && (nproc_found == 1 || (it->has_rvu && it->rvu.pctc == 1)))) {
			lead_pctc(c, it, lead);
			said = 1;
		}
		if (it->has_rvu && (has_mod(c, it, "50") || bilat ||
		    ((has_mod(c, it, "RT") || has_mod(c, it, "LT")) && (c->intents & INTENT_MODIFIER)))) {
			struct json_object *f = facts_code(it->ex->code);

			J_INT(f, "indicator", it->rvu.bilateral);
			J_STR(f, "text", codedb_bilateral_text(it->rvu.bilateral));
			ap_say(lead, "bilateral", it->ex->code, "bilateral", f);
			ap_lead_topic(lead, "mod-50");
			ap_lead_source(lead, c->rel_rvu);
			said = 1;
		}
		if (it->has_rvu && strcmp(it->rvu.global, "ZZZ") == 0 &&
		    (nproc_found == 1 || plain || alone || (c->intents & (INTENT_COVERAGE | INTENT_GUIDELINE)))) {
			ap_say(lead, "addon", it->ex->code, "addon", facts_code(it->ex->code));
			ap_lead_topic(lead, "ncci-addon-codes");
			ap_lead_source(lead, c->rel_rvu);
			said = 1;
		}
		if ((c->intents & INTENT_GLOBAL_PERIOD) && it->has_rvu && strcmp(it->rvu.global, "ZZZ") != 0 &&
		    (nproc_found == 1 || strcmp(it->rvu.global, "XXX") != 0)) {
			const char *g = it->rvu.global;
			struct json_object *f = facts_code(it->ex->code);

			J_STR(f, "global", g);
			J_STR(f, "short", ap_global_short(g));
			J_BOOL(f, "g090", strcmp(g, "090") == 0);
			J_BOOL(f, "g010", strcmp(g, "010") == 0);
			J_BOOL(f, "g000", strcmp(g, "000") == 0);
			ap_say(lead, "global", it->ex->code, "global", f);
			ap_lead_topic(lead, "global-periods");
			ap_lead_source(lead, c->rel_rvu);
			said = 1;
		} else if ((c->intents & INTENT_GLOBAL_PERIOD) && !it->has_rvu) {
			struct json_object *f = facts_code(it->ex->code);

			J_STR(f, "file", c->rel_rvu[0] ? c->rel_rvu : "none loaded");
			ap_say(lead, "global", it->ex->code, "global_norvu", f);
			said = 1;
		}
		if ((c->intents & INTENT_FEE_RVU) && it->has_rvu) {
			struct json_object *f = facts_code(it->ex->code);
			double cf = it->rvu.conv_factor;

			if (cf > 0 && (it->rvu.status == 'A' || it->rvu.status == 'R' || it->rvu.status == 'T')) {
				json_object_object_add(f, "total_nf", json_object_new_double(it->rvu.total_nf));
				json_object_object_add(f, "total_f", json_object_new_double(it->rvu.total_f));
				json_object_object_add(f, "pay_nf", json_object_new_double(it->rvu.total_nf * cf));
				json_object_object_add(f, "pay_f", json_object_new_double(it->rvu.total_f * cf));
				J_FMT(f, "cf", "%.4f", cf);
				J_STR(f, "file", c->rel_rvu);
				ap_say(lead, "fee", it->ex->code, "fee", f);
			} else {
				J_FMT(f, "status", "%c", it->rvu.status);
				J_STR(f, "status_text", it->rvu.status_text ? it->rvu.status_text : "");
				ap_say(lead, "fee", it->ex->code, "fee_unpriced", f);
			}
			said = 1;
		}
		if ((c->intents & INTENT_COVERAGE) && !said) {
			struct json_object *f = facts_code(it->ex->code);

			J_BOOL(f, "in_pfs", it->has_rvu);
			if (it->has_rvu)
				J_FMT(f, "status", "%c", it->rvu.status);
			J_BOOL(f, "hcpcs_coverage", it->cc.coverage[0] != '\0');
			ap_say(lead, "coverage", it->ex->code, "coverage", f);
			said = 1;
		}
		/* describe a code when nothing else was asked about it */
		if (!said && (nproc_found == 1 || !(c->asked & SPECIFIC & ~INTENT_NCCI_PAIR)) &&
		    !((c->asked & INTENT_NCCI_PAIR) && !(c->asked & INTENT_DESCRIBE)))
			lead_describe(c, it, lead);
	}
	/* pairs: the NCCI verdict, or the E/M modifier rule */
	if (nproc_found >= 2 && json_object_array_length(lead) < LEAD_MAX)
		for (i = 0; i < c->n; i++)
			for (j = i + 1; j < c->n; j++) {
				if (!c->it[i].found || c->it[i].icd || !c->it[j].found || c->it[j].icd)
					continue;
				if (json_object_array_length(lead) >= LEAD_MAX)
					break;
				lead_pair(c, &c->it[i], &c->it[j], lead, &none);
			}
	/* pairs without an edit: one line, when the pairs were the question */
	if (none.len && json_object_array_length(lead) < LEAD_MAX &&
	    (plain || (c->intents & (INTENT_NCCI_PAIR | INTENT_MODIFIER)) || json_object_array_length(lead) == start)) {
		struct json_object *f = json_object_new_object();

		J_STR(f, "pairs", buf_cstr(&none));
		J_BOOL(f, "no_ptp", !c->ptp_loaded);
		J_BOOL(f, "excerpt", c->ptp_loaded && c->ptp_rows < 100000);
		ap_say(lead, "ncci", NULL, "ncci_none", f);
	}
	buf_free(&none);
	if (json_object_array_length(lead) == start && c->in->ex->nremarks > 0 && c->n == 0)
		ap_say(lead, "remark", NULL, "remark", json_object_new_object());
}

/* At most LEAD_MAX lead lines, whoever added them (the code facts here, the denial,
 * ICD-10-CM and fee builders, knowledge topics). How a line looks ("* text" with a hanging
 * indent, and for a line from a knowledge topic (key cite) its "Source:" below) is the
 * reply template's business. */
void
ap_lead_finish(struct json_object *lead)
{
	size_t n;

	if (lead == NULL)
		return;
	n = json_object_array_length(lead);
	if (n > LEAD_MAX)
		json_object_array_del_idx(lead, LEAD_MAX, n - LEAD_MAX);
}
