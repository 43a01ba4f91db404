/* answer_notfound — a code written in code context ("What is 72291?") that no loaded
 * dataset holds. The reply says so, names the releases searched, and never offers
 * numerically near codes in its place (a near code is a different service). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_priv.h"
#include "buf.h"
#include "util.h"

/* "HCPCS 2026 Q1 (Jan), PFS RVU 2025 Oct (RVU25D), MUE 2026-04-01" */
static void
searched(const struct ctx *c, int icd, struct buf *b)
{
	const char *r[4];
	size_t i, n = 0;

	if (icd)
		r[n++] = c->rel_icd;
	else {
		r[n++] = c->rel_hcpcs;
		r[n++] = c->rel_rvu;
		r[n++] = c->rel_mue;
	}
	for (i = 0; i < n; i++)
		if (r[i][0])
			buf_printf(b, "%s%s", b->len ? ", " : "", r[i]);
	if (b->len == 0)
		buf_addstr(b, "no reference data loaded");
}

struct json_object *
ap_notfound_card(struct ctx *c, const struct item *it, struct json_object *lead)
{
	struct json_object *sec = json_object_new_object(), *d = json_object_new_object();
	const struct ex_code *x = it->ex;
	struct buf rel;
	int icd = x->kind == CODE_ICD10;

	buf_init(&rel, 1024);
	searched(c, icd, &rel);
	json_object_object_add(d, "code", json_object_new_string(x->code));
	json_object_object_add(d, "kind", json_object_new_string(extract_kind_key(x->kind)));
	json_object_object_add(d, "family", json_object_new_string(extract_kind_name(x->kind)));
	json_object_object_add(d, "status", json_object_new_string("not in the loaded data"));
	json_object_object_add(d, "dates", json_object_new_string(""));
	json_object_object_add(d, "release", json_object_new_string(buf_cstr(&rel)));
	{
		struct json_object *f = json_object_new_object();

		J_STR(f, "code", x->code);
		J_STR(f, "releases", buf_cstr(&rel));
		ap_j_say(d, "card", icd ? "notfound_card_icd" : "notfound_card", f);
	}
	json_object_object_add(d, "brief", json_object_new_boolean(c->nnotfound++ > 0));
	json_object_object_add(sec, "notfound", d);
	if (lead) {
		struct json_object *f = json_object_new_object();

		J_STR(f, "code", x->code);
		J_STR(f, "releases", buf_cstr(&rel));
		ap_say(lead, "notfound", x->code, icd ? "notfound_icd" : "notfound", f);
	}
	buf_free(&rel);
	return sec;
}
