/* answer_crosswalk — ICD-10-CM to ICD-9-CM through the CMS General Equivalence Mappings
 * (both directions), and the HCPCS cross-reference for procedure codes. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_priv.h"
#include "buf.h"
#include "util.h"

struct gem_ctx {
	struct json_object *maps;   /* ICD-10 -> ICD-9 (I10 GEM) rows */
	struct json_object *back;   /* rows of the ICD-9 -> ICD-10 GEM that point at the code */
};

static void
icd9_dotted(const char *c, char *out, size_t outlen)
{
	size_t at = c[0] == 'E' ? 4 : 3;

	if (strlen(c) > at)
		util_fmt(out, outlen, "%.*s.%s", (int)at, c, c + at);
	else
		util_fmt(out, outlen, "%s", c);
}

static int
gem_cb(void *vctx, const struct cdb_gem *g)
{
	struct gem_ctx *gc = vctx;
	struct json_object *arr = g->backward ? gc->maps : gc->back;
	struct json_object *o;
	struct buf f;
	char d9[12];

	if (json_object_array_length(arr) >= 12)
		return 0;
	o = json_object_new_object();
	buf_init(&f, 256);
	if (g->no_map)
		buf_addstr(&f, "no ICD-9-CM equivalent");
	else {
		buf_addstr(&f, g->approximate ? "approximate" : "exact");
		if (g->combination)
			buf_printf(&f, ", combination: scenario %d, choice list %d", g->scenario, g->choice);
	}
	icd9_dotted(g->icd9, d9, sizeof(d9));
	J_STR(o, "icd9", g->no_map ? "none" : d9);
	J_STR(o, "flags", buf_cstr(&f));
	json_object_array_add(arr, o);
	buf_free(&f);
	return 0;
}

struct json_object *
ap_crosswalk_section(struct ctx *c, const char *partial, struct json_object *summary)
{
	struct json_object *body, *sec, *rows = json_object_new_array();
	size_t i;
	struct buf sl;

	sec = ap_new_section(&body, partial, "Crosswalk (CMS General Equivalence Mappings)");
	buf_init(&sl, 4096);
	for (i = 0; i < c->n; i++) {
		struct item *it = &c->it[i];
		struct json_object *r;
		struct gem_ctx gc;
		int n;

		if (!it->found)
			continue;
		r = json_object_new_object();
		J_STR(r, "code", ap_item_code(it));
		if (!it->icd) {
			struct json_object *f = json_object_new_object();

			if (it->cc.replacement)
				J_STR(f, "replacement", it->cc.replacement);
			ap_j_say(r, "rnote", it->cc.replacement ? "gem_hcpcs_xref" : "gem_proc_none", f);
			json_object_array_add(rows, r);
			continue;
		}
		gc.maps = json_object_new_array();
		gc.back = json_object_new_array();
		n = c->db && c->gem_loaded ? codedb_gem(c->db, it->icd_row.code, gem_cb, &gc) : -1;
		if (json_object_array_length(gc.maps) == 0 && json_object_array_length(gc.back) > 0) {
			json_object_put(gc.maps);
			gc.maps = gc.back;
			gc.back = NULL;
			ap_j_say(r, "direction", "gem_backward", NULL);
		}
		json_object_put(gc.back);
		if (n <= 0) {
			ap_j_say(r, "rnote", n < 0 ? "gem_not_loaded" : "gem_no_mapping", NULL);
			buf_printf(&sl, "%s%s: none", sl.len ? "; " : "", ap_item_code(it));
		} else {
			size_t k;

			buf_printf(&sl, "%s%s ->", sl.len ? "; " : "", ap_item_code(it));
			for (k = 0; k < json_object_array_length(gc.maps) && k < 4; k++)
				buf_printf(&sl, " %s", json_object_get_string(json_object_object_get(
				    json_object_array_get_idx(gc.maps, k), "icd9")));
		}
		json_object_object_add(r, "maps", gc.maps);
		J_BOOL(r, "has_maps", json_object_array_length(gc.maps) > 0);
		json_object_array_add(rows, r);
	}
	json_object_object_add(body, "rows", rows);
	ap_j_say(body, "note", "gem_note", NULL);
	if (sl.len)
		A_FMT(summary, "ICD-9-CM equivalents (GEM): %s", buf_cstr(&sl));
	else
		A_STR(summary, "Crosswalk: the GEM files map ICD-10-CM diagnosis codes only");
	buf_free(&sl);
	return sec;
}
