/* answer_global — global surgery days: the global indicator per code, the pre/intra/post
 * shares, what the package covers, and the payment indicators when asked. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_priv.h"
#include "buf.h"
#include "util.h"

const char *
ap_global_short(const char *g)
{
	if (strcmp(g, "000") == 0) return "0 days";
	if (strcmp(g, "010") == 0) return "10 days";
	if (strcmp(g, "090") == 0) return "90 days";
	if (strcmp(g, "MMM") == 0) return "maternity";
	if (strcmp(g, "XXX") == 0) return "not applicable";
	if (strcmp(g, "YYY") == 0) return "set by the contractor";
	if (strcmp(g, "ZZZ") == 0) return "add-on code";
	return g;
}

/* the pre/intra/post-operative shares matter for split care (54/55/56) */
static int
asks_shares(const struct ctx *c)
{
	static const char *const w[] = { "share", "split", "transfer", "54", "55", "56", NULL };

	return ap_asks(c, w);
}

static int
asks_indicators(const struct ctx *c)
{
	static const char *const w[] = { "indicator", "bilateral", "assistant", "co-surg",
	    "cosurg", "team surg", "multiple proc", "PC/TC", NULL };

	return ap_asks(c, w);
}

struct json_object *
ap_global_section(struct ctx *c, const char *partial, struct json_object *summary)
{
	struct json_object *body, *sec, *rows = json_object_new_array(), *none = json_object_new_array();
	size_t i;
	struct buf sl;

	sec = ap_new_section(&body, partial, "Global surgery days and payment indicators");
	buf_init(&sl, 4096);
	for (i = 0; i < c->n; i++) {
		struct item *it = &c->it[i];
		struct json_object *r;

		if (!it->found || it->icd)
			continue;
		if (!it->has_rvu) {
			A_STR(none, it->ex->code);
			continue;
		}
		r = json_object_new_object();
		J_STR(r, "code", it->ex->code);
		J_STR(r, "global", it->rvu.global);
		J_FMT(r, "global_text", "%s = %s", it->rvu.global, it->rvu.global_text ? it->rvu.global_text : "");
		if ((strcmp(it->rvu.global, "010") == 0 || strcmp(it->rvu.global, "090") == 0 ||
		    strcmp(it->rvu.global, "000") == 0) && (c->nproc == 1 || asks_shares(c))) {
			J_FMT(r, "shares", "pre-operative %.0f%%, intra-operative %.0f%%, post-operative %.0f%%", it->rvu.pre_op * 100, it->rvu.intra_op * 100, it->rvu.post_op * 100);
			ap_j_say(r, "window", strcmp(it->rvu.global, "090") == 0 ? "window_090" :
			    strcmp(it->rvu.global, "010") == 0 ? "window_010" : "window_000", NULL);
		}
		if (strcmp(it->rvu.global, "ZZZ") == 0)
			ap_j_say(r, "window", "window_zzz", NULL);
		/* the payment indicators only when asked about (they are not the global days) */
		if (ap_plain(c) || asks_indicators(c))
			ap_indicators(&it->rvu, r);
		J_FMT(r, "release", "CY%s", it->rvu.year);
		json_object_array_add(rows, r);
		buf_printf(&sl, "%s%s %s (%s)", sl.len ? "; " : "", it->ex->code, it->rvu.global,
		    ap_global_short(it->rvu.global));
	}
	json_object_object_add(body, "rows", rows);
	ap_add_list(body, "none", none);
	if (sl.len)
		A_FMT(summary, "Global days: %s", buf_cstr(&sl));
	else
		A_STR(summary, "Global days: none of these codes is in the loaded fee schedule");
	buf_free(&sl);
	return sec;
}
