/* answer_mod — modifiers asked about on their own ("GA or GY?", "when is 26 used?", "is KU
 * still valid for K0005?"): the modinfo section and its lead lines. Facts come from the
 * HCPCS file's modifier rows (Level II: official text, effective and end dates) and from
 * codemaild's own words, all of them data an admin can override (answer_guide.h): the
 * modifier guide (knowledge/modifiers.tsv), what each modifier is commonly mistaken for
 * (knowledge/modifier_confusions.tsv), short meanings of other CPT modifiers
 * (knowledge/cpt_modifiers.tsv) and the lay texts of the reference DB
 * (data/sample/modifiers.tsv). The sentences of the lead lines are templates
 * (sentences.txt.tmpl); this file carries the facts and the rule ids. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_guide.h"
#include "answer_priv.h"
#include "buf.h"
#include "util.h"

struct mod_facts {
	char mod[3];
	int have;                   /* in the reference DB (HCPCS file or our lay text) */
	int level;                  /* 1 CPT, 2 Level II */
	struct cdb_modifier cm;
	const struct guide_mod *g;
	const char *meaning;        /* borrowed: the shortest good text */
	int known;                  /* a real modifier without DB text (CPT notes or list) */
};

static void
load_mod(struct ctx *c, const char *mod, struct mod_facts *f)
{
	memset(f, 0, sizeof(*f));
	util_fmt(f->mod, sizeof(f->mod), "%s", mod);
	f->have = c->db && codedb_modifier(c->db, mod, &f->cm) == 1;
	if (!f->have)
		memset(&f->cm, 0, sizeof(f->cm));
	f->g = guide_modifier(mod);
	f->level = f->have ? f->cm.level : (mod[0] >= '0' && mod[0] <= '9') ? 1 : 2;
	if (f->have && f->cm.official_long && f->cm.level == 2 && !f->cm.lay && !f->g)
		f->meaning = f->cm.official_long;
	else if (f->g)
		f->meaning = f->g->meaning;
	else if (f->have && f->cm.lay)
		f->meaning = f->cm.lay;
	else if (f->have && f->cm.official_long)
		f->meaning = f->cm.official_long;
	else if (guide_cpt_note(mod)) {
		f->meaning = guide_cpt_note(mod);
		f->level = 1;
		f->known = 1;
	} else if (extract_is_modifier(mod))
		f->known = 1;             /* in the modifier list, but no notes of ours */
}

/* A Level II modifier's status on the date answered, from the HCPCS file's dates: a new
 * {say: mod_status, facts} (caller owns it), or NULL when the file has no row for it. */
static struct json_object *
status_say(const struct ctx *c, const struct mod_facts *f)
{
	struct json_object *o;

	if (!f->have || f->level != 2 || !f->cm.official_long)
		return NULL;
	o = json_object_new_object();
	J_STR(o, "date", c->asof);
	J_STR(o, "file", c->rel_hcpcs[0] ? c->rel_hcpcs : "the loaded HCPCS");
	J_STR(o, "effective", f->cm.effective[0] ? f->cm.effective : "?");
	J_STR(o, "end", f->cm.end);
	J_BOOL(o, "ended", f->cm.end[0] && strcmp(f->cm.end, c->asof) < 0);
	J_BOOL(o, "not_yet", !(f->cm.end[0] && strcmp(f->cm.end, c->asof) < 0) &&
	    f->cm.effective[0] && strcmp(f->cm.effective, c->asof) > 0);
	return ap_say_new("mod_status", o);
}

/* the first sentence of a text, at most n bytes, without its final period */
static void
first_sentence(const char *t, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	if (t == NULL)
		return;
	while (t[n] && !(t[n] == '.' && (t[n + 1] == ' ' || t[n + 1] == '\0')) && n + 1 < outlen)
		n++;
	util_fmt(out, outlen, "%.*s", (int)n, t);
}

/* Modifiers to explain: those named on their own, not attached to a code of the message. */
static size_t
asked_mods(const struct ctx *c, char (*out)[3], size_t max)
{
	const struct ex_result *ex = c->in->ex;
	size_t i, k, n = 0;
	int l;

	for (i = 0; i < ex->nmods && n < max; i++) {
		int attached = 0;

		for (k = 0; k < c->n && !attached; k++)
			for (l = 0; l < c->it[k].ex->nmods; l++)
				if (strcmp(c->it[k].ex->mods[l], ex->mods[i].mod) == 0)
					attached = 1;
		if (attached && c->n)
			continue;
		/* with codes, modifiers codemaild has notes on are explained in the modifier
		 * section, with the facts for those codes */
		if (c->n && guide_modifier(ex->mods[i].mod))
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(out[k], ex->mods[i].mod) == 0)
				break;
		if (k == n)
			util_fmt(out[n++], 3, "%s", ex->mods[i].mod);
	}
	return n;
}

struct json_object *
ap_modinfo_section(struct ctx *c, struct json_object *lead)
{
	struct mod_facts f[6];
	char mods[6][3];
	size_t n = asked_mods(c, mods, 6), i, k;
	struct json_object *sec, *body, *list;

	if (n == 0)
		return NULL;
	sec = json_object_new_object();
	body = json_object_new_object();
	list = json_object_new_array();
	json_object_object_add(body, "heading", json_object_new_string(n == 1 ? "Modifier" : "Modifiers"));
	json_object_object_add(body, "rule", json_object_new_string(n == 1 ? "--------" : "---------"));
	for (i = 0; i < n; i++) {
		load_mod(c, mods[i], &f[i]);
		if (f[i].level == 1)
			c->cpt = 1;             /* CPT modifiers: the AMA notice */
	}
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object(), *cw = json_object_new_array();
		const struct guide_confusion *cf;
		struct json_object *st = status_say(c, &f[i]);
		char one[240];

		json_object_object_add(o, "mod", json_object_new_string(f[i].mod));
		json_object_object_add(o, "level", json_object_new_int(f[i].level));
		json_object_object_add(o, "level_name", json_object_new_string(f[i].level == 1 ?
		    "CPT modifier" : "HCPCS Level II modifier"));
		if (f[i].have && f[i].cm.official_long && f[i].level == 2)
			J_STR(o, "official", f[i].cm.official_long);
		if (f[i].meaning && !(f[i].meaning == f[i].cm.official_long))
			J_STR(o, "lay", f[i].meaning);
		if (f[i].g) {
			J_STR(o, "where", f[i].g->sits_on);
			J_STR(o, "when", f[i].g->when);
		}
		if (st)
			json_object_object_add(o, "status", json_object_get(st));
		for (k = 0; (cf = guide_confusion(f[i].mod, k)) != NULL; k++) {
			struct json_object *fc = json_object_new_object(), *e;

			J_STR(fc, "with", cf->with);
			J_STR(fc, "why", cf->why);
			e = ap_say_new("mod_confusion", fc);
			J_STR(e, "with", cf->with);
			json_object_array_add(cw, e);
		}
		if (json_object_array_length(cw) > 0)
			json_object_object_add(o, "has_confused", json_object_new_boolean(1));
		json_object_object_add(o, "confused_with", cw);
		if (!f[i].have && !f[i].g && !f[i].meaning) {
			json_object_object_add(o, "unknown", json_object_new_boolean(!f[i].known));
			ap_j_say(o, "lay_say", f[i].known ? "modinfo_lay_nonotes" : "modinfo_lay_unknown", NULL);
		}
		json_object_array_add(list, o);
		/* the lead line(s) */
		first_sentence(f[i].meaning, one, sizeof(one));
		if (n == 2 && i == 1)
			;                                /* compared in one line below */
		else if (n != 2) {
			struct json_object *fa = json_object_new_object();
			const char *say = "mod_about";

			J_STR(fa, "mod", f[i].mod);
			if (!f[i].have && !f[i].g && !f[i].meaning && f[i].known)
				say = "mod_cpt_nonotes";
			else if (!f[i].have && !f[i].g && !f[i].meaning) {
				say = "mod_unknown";
				J_STR(fa, "file", c->rel_hcpcs[0] ? c->rel_hcpcs : "none loaded");
			} else {
				J_BOOL(fa, "cpt", f[i].level == 1);
				J_STR(fa, "meaning", one);
				if (f[i].g)
					J_STR(fa, "on", f[i].g->sits_on);
				/* the status when codes are named or the validity is asked */
				if (st && (c->n || util_strcasestr(c->text ? c->text : "", "valid") ||
				    util_strcasestr(c->text ? c->text : "", "still") ||
				    util_strcasestr(c->text ? c->text : "", "deleted")))
					json_object_object_add(fa, "status", json_object_get(st));
			}
			ap_say(lead, "modinfo", f[i].mod, say, fa);
			if (f[i].g)
				ap_lead_topic(lead, f[i].g->topic);
			if (f[i].have && f[i].level == 2)
				ap_lead_source(lead, c->rel_hcpcs);
		} else {
			struct json_object *fa = json_object_new_object();
			char two[240];

			first_sentence(f[1].meaning, two, sizeof(two));
			J_STR(fa, "a", f[0].mod);
			J_STR(fa, "a_meaning", one);
			J_STR(fa, "b", f[1].mod);
			J_STR(fa, "b_meaning", two);
			ap_say(lead, "modinfo-compare", f[0].mod, "mod_or", fa);
			ap_lead_topic(lead, f[0].g ? f[0].g->topic : f[1].g ? f[1].g->topic : NULL);
		}
		json_object_put(st);
	}
	json_object_object_add(body, "mods", list);
	json_object_object_add(sec, "modinfo", body);
	for (i = 0; i < n; i++)
		cdb_modifier_free(&f[i].cm);
	return sec;
}
