/* answer_ncci — NCCI procedure-to-procedure edits among the message's codes: loading the
 * PTP rows of every pair (both orders, on the date of service) and the ncci section. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer_priv.h"
#include "buf.h"
#include "util.h"

/* Pairs without an edit are listed one by one up to this many. */
#define PAIRS_LISTED 15

/* what modifier indicator mi means */
static struct json_object *
mi_words(int mi)
{
	struct json_object *f = json_object_new_object();

	J_BOOL(f, "i0", mi == 0);
	J_BOOL(f, "i1", mi == 1);
	J_BOOL(f, "i9", mi == 9);
	return ap_say_new("ncci_mi_words", f);
}

/* the edit's state on the date answered for */
static struct json_object *
edit_state(const struct ctx *c, const struct cdb_ptp *p)
{
	struct json_object *f = json_object_new_object();

	J_STR(f, "date", c->asof);
	J_BOOL(f, "active", p->active);
	J_BOOL(f, "deleted", !p->active && p->deletion[0] && strcmp(p->deletion, c->asof) <= 0);  /* as state_short */
	J_STR(f, "deletion", p->deletion);
	return ap_say_new("ncci_state", f);
}

void
ap_load_edits(struct ctx *c)
{
	size_t i, j, cap = 0;

	for (i = 0; i < c->n; i++) {
		if (!c->it[i].found || c->it[i].icd)
			continue;
		for (j = i + 1; j < c->n; j++) {
			int o;

			if (!c->it[j].found || c->it[j].icd)
				continue;
			c->pairs++;
			for (o = 0; o < 2 && c->db; o++) {
				const char *a = o ? c->it[j].ex->code : c->it[i].ex->code;
				const char *b = o ? c->it[i].ex->code : c->it[j].ex->code;
				struct cdb_ptp p;

				if (codedb_ptp(c->db, a, b, c->dos, &p) != 1) {
					cdb_ptp_free(&p);
					continue;
				}
				if (c->ned == cap) {
					size_t nc = cap ? cap * 2 : 8;
					struct edit *ne = realloc(c->ed, nc * sizeof(*ne));

					if (ne == NULL) {
						cdb_ptp_free(&p);
						continue;
					}
					c->ed = ne;
					cap = nc;
				}
				c->ed[c->ned++].p = p;
			}
		}
	}
}

const struct cdb_ptp *
ap_find_edit(const struct ctx *c, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < c->ned; i++)
		if ((strcmp(c->ed[i].p.col1, a) == 0 && strcmp(c->ed[i].p.col2, b) == 0) ||
		    (strcmp(c->ed[i].p.col1, b) == 0 && strcmp(c->ed[i].p.col2, a) == 0))
			return &c->ed[i].p;
	return NULL;
}

static struct json_object *
ncci_build(struct ctx *c, const char *partial, struct json_object *summary)
{
	struct json_object *body, *sec, *edits = json_object_new_array(), *none = json_object_new_array();
	size_t i, j, nnone = 0, nactive = 0;
	char h[96];

	util_fmt(h, sizeof(h), "NCCI procedure-to-procedure edits (date of service %s)", c->asof);
	sec = ap_new_section(&body, partial, h);
	for (i = 0; i < c->ned; i++) {
		const struct cdb_ptp *p = &c->ed[i].p;
		struct json_object *e = json_object_new_object(), *st = edit_state(c, p), *mw = mi_words(p->modifier);
		struct json_object *f;
		int deleted = !p->active && p->deletion[0] && strcmp(p->deletion, c->asof) <= 0;

		J_STR(e, "col1", p->col1);
		J_STR(e, "col2", p->col2);
		J_FMT(e, "mi", "%d", p->modifier);
		json_object_object_add(e, "mi_words", mw);
		J_STR(e, "rationale", p->rationale);
		J_STR(e, "effective", p->effective);
		J_STR(e, "deletion", p->deletion[0] ? p->deletion : "none");
		json_object_object_add(e, "state", st);
		J_STR(e, "state_short", p->active ? "in effect" : deleted ? "deleted" : "not yet");
		f = json_object_new_object();
		J_INT(f, "indicator", p->modifier);
		json_object_object_add(f, "words", json_object_get(mw));
		json_object_object_add(e, "mi_kv", ap_say_new("ncci_mi_kv", f));
		f = json_object_new_object();
		J_STR(f, "effective", p->effective);
		J_STR(f, "deletion", p->deletion[0] ? p->deletion : "none");
		json_object_object_add(f, "state", json_object_get(st));
		json_object_object_add(e, "dates_kv", ap_say_new("ncci_dates", f));
		J_BOOL(e, "active", p->active);
		J_STR(e, "setting", p->setting);
		if (p->active) {
			f = json_object_new_object();
			nactive++;
			J_STR(f, "col1", p->col1);
			J_STR(f, "col2", p->col2);
			if (p->modifier == 0 || p->modifier == 1)
				ap_j_say(e, "advice", p->modifier == 0 ? "verdict_0" : "verdict_1", f);
			else
				json_object_put(f);
		} else
			ap_j_say(e, "advice", "verdict_off", NULL);
		json_object_array_add(edits, e);
	}
	for (i = 0; i < c->n; i++) {
		if (!c->it[i].found || c->it[i].icd)
			continue;
		for (j = i + 1; j < c->n; j++) {
			if (!c->it[j].found || c->it[j].icd)
				continue;
			if (ap_find_edit(c, c->it[i].ex->code, c->it[j].ex->code))
				continue;
			nnone++;
			if (nnone <= PAIRS_LISTED || !c->claim)
				A_FMT(none, "%s + %s", c->it[i].ex->code, c->it[j].ex->code);
		}
	}
	J_INT(body, "pairs", (long)c->pairs);
	J_BOOL(body, "compact", c->claim);
	J_INT(body, "nedits", (long)c->ned);
	J_BOOL(body, "has_edits", c->ned > 0);
	json_object_object_add(body, "edits", edits);
	J_INT(body, "nnone", (long)nnone);
	J_BOOL(body, "has_none", nnone > 0);
	if (c->claim && nnone > PAIRS_LISTED) {
		struct json_object *f = json_object_new_object();

		J_BOOL(body, "none_compact", 1);
		J_INT(f, "n", (int64_t)nnone);
		J_INT(f, "more", (int64_t)(nnone - PAIRS_LISTED));
		ap_add_list(f, "examples", json_object_get(none));
		ap_j_say(body, "none_text", "ncci_none_many", f);
	}
	ap_add_list(body, "none", none);
	if (!c->ptp_loaded)
		ap_j_say(body, "caveat", "ncci_caveat_noptp", NULL);
	else if (c->ptp_rows < 100000) {
		struct json_object *f = json_object_new_object();

		J_STR(f, "release", c->ptp_release);
		J_INT(f, "rows", c->ptp_rows);
		ap_j_say(body, "caveat", "ncci_caveat_excerpt", f);
	}
	if (c->pairs == 0)
		A_STR(summary, "NCCI edits: fewer than two procedure codes found, so there is no pair to check");
	else if (c->ned == 0)
		A_FMT(summary, "NCCI edits: no PTP edit found for %zu pair%s (both orders checked)", c->pairs, c->pairs == 1 ? "" : "s");
	else
		A_FMT(summary, "NCCI edits: %zu edit%s found (%zu in effect on %s), %zu pair%s without an edit",
		    c->ned, c->ned == 1 ? "" : "s", nactive, c->asof, nnone, nnone == 1 ? "" : "s");
	return sec;
}

struct json_object *
ap_ncci_section(struct ctx *c, const char *partial, struct json_object *summary)
{
	if (c->nproc < 2)           /* no pair to check */
		return NULL;
	return ncci_build(c, partial, summary);
}
