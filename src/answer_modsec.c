/* answer_modsec — the modifier section: modifiers named with codes (meaning, where they go,
 * the facts of the message's codes that make them relevant: PTP indicators, global days,
 * bilateral and PC/TC indicators, dose units), or which modifier the codes call for when
 * none was named. Modifiers asked about alone are answer_mod.c's modinfo. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_guide.h"
#include "answer_priv.h"
#include "buf.h"
#include "util.h"

static int
mod_listed(char (*seen)[3], size_t n, const char *m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(seen[i], m) == 0)
			return 1;
	return 0;
}

int
ap_mod_attached(const struct ctx *c, const char *m)
{
	size_t k;
	int l;

	for (k = 0; k < c->n; k++)
		for (l = 0; l < c->it[k].ex->nmods; l++)
			if (strcmp(c->it[k].ex->mods[l], m) == 0)
				return 1;
	return 0;
}

int
ap_is_x59(const char *m)
{
	return strcmp(m, "59") == 0 || strcmp(m, "XE") == 0 || strcmp(m, "XP") == 0 ||
	    strcmp(m, "XS") == 0 || strcmp(m, "XU") == 0;
}

/* facts about the message's codes that make modifier m relevant */
/* 1 when the facts about modifier m should name code i: it carries m, or m was named on
 * its own and the message is short (or the code is one m is made for) */
static int
mod_target(const struct ctx *c, size_t i, const char *m, int relevant)
{
	size_t k;
	int any = 0, l;

	for (k = 0; k < c->n; k++)
		for (l = 0; l < c->it[k].ex->nmods; l++)
			if (strcmp(c->it[k].ex->mods[l], m) == 0) {
				if (k == i)
					return 1;
				any = 1;
			}
	if (any)
		return 0;
	return c->nproc <= 4 || relevant;
}

/* -1: nobody carries m; 1: code carries m; 0: another code does */
static int
carries(const struct ctx *c, const char *code, const char *m)
{
	size_t k;
	int l, any = -1;

	for (k = 0; k < c->n; k++)
		for (l = 0; l < c->it[k].ex->nmods; l++)
			if (strcmp(c->it[k].ex->mods[l], m) == 0) {
				if (strcmp(c->it[k].ex->code, code) == 0)
					return 1;
				any = 0;
			}
	return any;
}

/* {code, indicator, text} for an indicator sentence */
static void
ind_facts(struct json_object *f, const char *code, int ind, const char *text)
{
	J_STR(f, "code", code);
	J_INT(f, "indicator", ind);
	J_STR(f, "text", text ? text : "");
}

static void
mod_facts(struct ctx *c, const char *m, struct json_object *facts)
{
	struct json_object *f;
	size_t i, j;

	if (ap_is_x59(m) || strcmp(m, "RT") == 0 || strcmp(m, "LT") == 0) {
		for (i = 0; i < c->ned; i++) {
			const struct cdb_ptp *p = &c->ed[i].p;

			if (carries(c, p->col1, m) == 0 && carries(c, p->col2, m) == 0)
				continue;
			if (!p->active || p->modifier == 0 || p->modifier == 1) {
				f = ap_a_say(facts, !p->active ? "modsec_edit_off" :
				    p->modifier == 1 ? "modsec_edit_1" : "modsec_edit_0");
				J_STR(f, "col1", p->col1);
				J_STR(f, "col2", p->col2);
				J_STR(f, "mod", m);
				J_STR(f, "date", c->asof);
				J_INT(f, "indicator", p->modifier);
			}
		}
		/* "no edit between these codes" is the lead's line, said once */
		for (i = 0; i < c->n; i++)
			if (c->it[i].em && ap_is_x59(m))
				J_STR(ap_a_say(facts, "modsec_em_no_x"), "code", c->it[i].ex->code);
	}
	if (strcmp(m, "25") == 0 || strcmp(m, "57") == 0) {
		for (i = 0; i < c->n; i++) {
			if (!c->it[i].em)
				continue;
			for (j = 0; j < c->n; j++) {
				const struct item *p = &c->it[j];

				if (j == i || !p->has_rvu || p->em)
					continue;
				if (!ap_is_minor(p) && strcmp(p->rvu.global, "090") != 0)
					continue;
				f = ap_a_say(facts, ap_is_minor(p) ? "modsec_minor_25" : "modsec_major_57");
				J_STR(f, "proc", p->ex->code);
				J_STR(f, "global", p->rvu.global);
				J_STR(f, "em", c->it[i].ex->code);
				J_BOOL(f, "asked57", strcmp(m, "57") == 0);
			}
		}
	}
	if (strcmp(m, "50") == 0 || strcmp(m, "RT") == 0 || strcmp(m, "LT") == 0) {
		for (i = 0; i < c->n; i++)
			if (c->it[i].has_rvu && !c->it[i].em &&
			    mod_target(c, i, m, c->it[i].rvu.bilateral == 1 || c->it[i].rvu.bilateral == 3))
				ind_facts(ap_a_say(facts, "bilateral"), c->it[i].ex->code, c->it[i].rvu.bilateral,
				    codedb_bilateral_text(c->it[i].rvu.bilateral));
	}
	if (strcmp(m, "26") == 0 || strcmp(m, "TC") == 0) {
		for (i = 0; i < c->n; i++) {
			struct cdb_rvu r;

			if (!c->it[i].has_rvu || !mod_target(c, i, m, c->it[i].rvu.pctc == 1))
				continue;
			ind_facts(ap_a_say(facts, "modsec_pctc"), c->it[i].ex->code, c->it[i].rvu.pctc,
			    codedb_pctc_text(c->it[i].rvu.pctc));
			if (codedb_rvu_mod(c->db, c->it[i].ex->code, m, c->dos, &r) == 1) {
				f = ap_a_say(facts, "modsec_pctc_row");
				J_STR(f, "code", c->it[i].ex->code);
				J_STR(f, "mod", m);
				json_object_object_add(f, "rvu", json_object_new_double(r.total_nf));
			} else if (c->it[i].rvu.pctc != 1) {
				f = ap_a_say(facts, "modsec_pctc_norow");
				J_STR(f, "code", c->it[i].ex->code);
				J_STR(f, "mod", m);
			}
			cdb_rvu_free(&r);
		}
	}
	if (strcmp(m, "24") == 0 || strcmp(m, "58") == 0 || strcmp(m, "78") == 0 || strcmp(m, "79") == 0) {
		for (i = 0; i < c->n; i++)
			if (c->it[i].has_rvu && !c->it[i].em && mod_target(c, i, m,
			    strcmp(c->it[i].rvu.global, "010") == 0 || strcmp(c->it[i].rvu.global, "090") == 0)) {
				f = ap_a_say(facts, "modsec_global");
				J_STR(f, "code", c->it[i].ex->code);
				J_STR(f, "global", c->it[i].rvu.global);
				J_STR(f, "text", c->it[i].rvu.global_text ? c->it[i].rvu.global_text : "");
			}
	}
	if (strcmp(m, "51") == 0) {
		for (i = 0; i < c->n; i++)
			if (c->it[i].has_rvu && !c->it[i].em && mod_target(c, i, m, 0))
				ind_facts(ap_a_say(facts, "modsec_mult"), c->it[i].ex->code, c->it[i].rvu.mult_proc,
				    codedb_mult_proc_text(c->it[i].rvu.mult_proc));
	}
	if (strcmp(m, "JW") == 0 || strcmp(m, "JZ") == 0) {
		for (i = 0; i < c->n; i++) {
			char dose[48];

			if (c->it[i].icd || c->it[i].ex->code[0] != 'J')
				continue;
			ap_dose_unit(c->it[i].cc.hcpcs_long, dose, sizeof(dose));
			if (dose[0]) {
				f = ap_a_say(facts, "modsec_dose");
				J_STR(f, "code", c->it[i].ex->code);
				J_STR(f, "dose", dose);
			}
		}
	}
}

/* Which modifier the codes suggest when none was named ("which modifier do I need?"); the
 * summary gets the first suggestion's modifier(s), or NULL when the data calls for none. */
static void
mod_suggest(struct ctx *c, struct json_object *sug, const char **first)
{
	struct json_object *f;
	size_t i, j;
	int any_em = 0;

	*first = NULL;
	for (i = 0; i < c->n; i++)
		any_em |= c->it[i].em;
	for (i = 0; i < c->n && any_em; i++) {
		const struct item *p = &c->it[i];
		const char *say;

		if (p->em || !p->has_rvu)
			continue;
		say = ap_is_minor(p) ? "suggest_25_minor" : strcmp(p->rvu.global, "090") == 0 ?
		    "suggest_57" : strcmp(p->rvu.global, "XXX") == 0 ? "suggest_25_xxx" : NULL;
		for (j = 0; j < c->n && say; j++) {
			if (!c->it[j].em)
				continue;
			f = ap_a_say(sug, say);
			J_STR(f, "em", c->it[j].ex->code);
			J_STR(f, "proc", p->ex->code);
			J_STR(f, "global", p->rvu.global);
			if (*first == NULL)
				*first = strcmp(say, "suggest_57") == 0 ? "57" : "25";
			break;
		}
	}
	for (i = 0; i < c->ned; i++) {
		const struct cdb_ptp *p = &c->ed[i].p;

		if (!p->active || (p->modifier != 0 && p->modifier != 1))
			continue;
		f = ap_a_say(sug, p->modifier == 1 ? "suggest_x" : "suggest_none_0");
		J_STR(f, "col1", p->col1);
		J_STR(f, "col2", p->col2);
		if (*first == NULL && p->modifier == 1)
			*first = "XE/XS/XP/XU (or 59)";
	}
	if (json_object_array_length(sug) == 0)
		ap_a_say(sug, "suggest_nothing");
}

struct json_object *
ap_modifier_section(struct ctx *c, const char *partial, struct json_object *summary)
{
	struct json_object *body, *sec, *list = json_object_new_array();
	const struct ex_result *ex = c->in->ex;
	char seen[32][3];
	size_t nseen = 0, i;
	int k;
	struct buf sl;

	sec = ap_new_section(&body, partial, "Modifiers");
	/* modifiers named in the message: on their own, then attached to codes */
	for (i = 0; i < ex->nmods && nseen < 32; i++)
		if (!mod_listed(seen, nseen, ex->mods[i].mod) &&
		    (guide_modifier(ex->mods[i].mod) || ap_mod_attached(c, ex->mods[i].mod)))
			util_fmt(seen[nseen++], 3, "%s", ex->mods[i].mod);     /* others: modinfo */
	for (i = 0; i < c->n && nseen < 32; i++)
		for (k = 0; k < c->it[i].ex->nmods && nseen < 32; k++)
			if (!mod_listed(seen, nseen, c->it[i].ex->mods[k]))
				util_fmt(seen[nseen++], 3, "%s", c->it[i].ex->mods[k]);
	buf_init(&sl, 4096);
	for (i = 0; i < nseen; i++) {
		struct json_object *o = json_object_new_object(), *facts = json_object_new_array();
		const struct guide_mod *g = guide_modifier(seen[i]);
		struct cdb_modifier cm;
		int have = c->db && codedb_modifier(c->db, seen[i], &cm) == 1;
		const char *meaning = have && cm.lay ? cm.lay : g ? g->meaning :
		    have && cm.official_long ? cm.official_long : guide_cpt_note(seen[i]);

		if (!have)
			memset(&cm, 0, sizeof(cm));
		J_STR(o, "mod", seen[i]);
		J_BOOL(o, "compact", c->claim);       /* a claim: the facts for its codes only */
		if (meaning)
			J_STR(o, "meaning", meaning);
		else
			ap_j_say(o, "meaning_say", extract_is_modifier(seen[i]) ? "modsec_meaning_nonotes" :
			    "modsec_meaning_unknown", NULL);
		/* the HCPCS text when it adds to our words and is short enough to read */
		if (have && cm.official_long && meaning != cm.official_long && !g && strlen(cm.official_long) < 160)
			J_STR(o, "official", cm.official_long);
		J_BOOL(o, "cpt_mod", seen[i][0] >= '0' && seen[i][0] <= '9');
		if (seen[i][0] >= '0' && seen[i][0] <= '9')
			c->cpt = 1;
		if (g) {
			J_STR(o, "sits_on", g->sits_on);
			J_STR(o, "when", g->when);
		}
		mod_facts(c, seen[i], facts);
		J_BOOL(o, "has_facts", json_object_array_length(facts) > 0);
		json_object_object_add(o, "facts", facts);
		json_object_array_add(list, o);
		buf_printf(&sl, "%s%s", i ? ", " : "", seen[i]);
		if (g && i == 0)
			buf_printf(&sl, " (goes on %s)", g->sits_on);
		cdb_modifier_free(&cm);
	}
	json_object_object_add(body, "mods", list);
	J_BOOL(body, "has_mods", nseen > 0);
	if (nseen == 0) {
		struct json_object *sug = json_object_new_array();
		const char *first;

		mod_suggest(c, sug, &first);
		json_object_object_add(body, "suggest", sug);
		if (first == NULL)
			A_STR(summary, "Which modifier: none that the data calls for (see below)");
		else
			A_FMT(summary, "Which modifier: %s%s (see below)", first,
			    json_object_array_length(sug) > 1 ? ", and more" : "");
	} else
		A_FMT(summary, "Modifier%s %s", nseen == 1 ? "" : "s", buf_cstr(&sl));
	buf_free(&sl);
	return sec;
}
