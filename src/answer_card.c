/* answer_card — the card of one code: describe (CPT/HCPCS: title, status on the date of
 * service, coverage, PFS status, global days, dose unit) or icd10 (title, billable, the
 * ICD-10-CM facts, billable codes below a header); a code the data lacks gets a notfound
 * card (answer_notfound.c). The sentences of a card (status, dose unit, the codes below a
 * header) are {say, facts} objects: their words are in templates/sentences.txt.tmpl. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "answer_facts.h"
#include "answer_priv.h"
#include "buf.h"
#include "util.h"

const char *
ap_item_title(const struct item *it)
{
	if (it->icd)
		return it->icd_row.long_title;
	if (it->cc.licensed && it->cc.descriptor)
		return it->cc.descriptor;
	if (it->cc.hcpcs_long)
		return it->cc.hcpcs_long;
	return it->cc.lay;
}

const char *
ap_item_code(const struct item *it)
{
	return it->icd && it->found ? it->icd_row.display : it->ex->code;
}

/* "10 mg" from a HCPCS drug description ("Injection, infliximab, ..., 10 mg",
 * "..., per 15 mg", "..., 1 unit"); "" when it has none. */
void
ap_dose_unit(const char *desc, char *out, size_t outlen)
{
	const char *last, *p;

	out[0] = '\0';
	if (desc == NULL)
		return;
	last = strrchr(desc, ',');
	p = last ? last + 1 : NULL;
	if (p == NULL)
		return;
	while (*p == ' ')
		p++;
	if (strncmp(p, "per ", 4) == 0)
		p += 4;
	if ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9') ||
	    strncmp(p, "dose", 4) == 0 || strncmp(p, "square c", 8) == 0)
		util_fmt(out, outlen, "%s", p);
}

/* code lists (ICD-10-CM children): the display form of each */
static int
nearest_cb(void *ctx, const char *code, const char *display, const char *title)
{
	(void)code;
	(void)title;
	json_object_array_add(ctx, json_object_new_string(display));
	return 0;
}

/* the status on the date answered (asof): a sentence of templates/sentences.txt.tmpl */
static struct json_object *
status_facts(struct ctx *c, struct item *it)
{
	struct json_object *f = json_object_new_object();

	J_STR(f, "asof", c->asof);
	if (it->has_rvu) {
		char st[2] = { it->rvu.status, '\0' };

		J_STR(f, "pfs_status", st);
		J_STR(f, "year", it->rvu.year);
		J_STR(f, "global", it->rvu.global);
	}
	return f;
}

static void
add_status(struct ctx *c, struct item *it, struct json_object *d)
{
	struct cdb_code *cc = &it->cc;
	struct json_object *f = status_facts(c, it);
	const char *say;

	switch (cc->status) {
	case CDB_ACTIVE:
		if (cc->effective[0])
			J_STR(f, "since", cc->effective);
		say = "status_active";
		break;
	case CDB_DELETED:
		J_STR(f, "date", cc->status_date);
		say = "status_deleted";
		break;
	case CDB_NOT_YET:
		J_STR(f, "date", cc->status_date);
		say = "status_not_yet";
		break;
	default:
		if (it->has_rvu && (it->rvu.status == 'D' || it->rvu.status == 'F'))
			say = "status_pfs_deleted";
		else if (it->has_rvu)
			say = "status_pfs_listed";
		else {
			J_STR(f, "status", codedb_status_name(cc->status));
			say = "status_undated";
		}
		break;
	}
	if (cc->replacement)
		J_FMT(d, "replacement", "%s", cc->replacement);
	if (cc->status == CDB_UNKNOWN_STATUS && it->has_rvu) {
		ap_j_say(d, "status", say, f);
		ap_j_say(d, "status_brief", "status_brief_pfs", status_facts(c, it));
	} else {
		ap_j_say(d, "status", say, json_object_get(f));
		ap_j_say(d, "status_brief", say, f);
	}
}

struct json_object *
ap_card(struct ctx *c, struct item *it)
{
	struct json_object *sec = json_object_new_object(), *d = json_object_new_object();
	const struct ex_code *x = it->ex;

	J_STR(d, "code", ap_item_code(it));
	J_STR(d, "family", extract_kind_name(x->kind));
	if (!it->found) {
		json_object_put(d);
		json_object_put(sec);
		return ap_notfound_card(c, it, c->lead);
	}
	if (it->icd) {
		struct cdb_icd *r = &it->icd_row;

		J_STR(d, "title", r->long_title);
		J_STR(d, "short", r->short_title);
		J_BOOL(d, "billable", r->billable);
		J_STR(d, "release", r->release);
		J_STR(d, "undotted", r->code);
		{
			const char *others[32];
			size_t no = 0, k;

			for (k = 0; k < c->n && no < 32; k++)
				if (&c->it[k] != it && c->it[k].icd && c->it[k].found)
					others[no++] = c->it[k].ex->code;
			answer_icd_facts(c->db, r->code, c->dos, others, no, d);
		}
		if (!r->billable && c->db) {
			struct json_object *kids = json_object_new_array();
			int n = codedb_icd_children(c->db, r->code, nearest_cb, kids, 0);
			size_t k, show = 12;

			if (n > 0) {
				struct json_object *list = json_object_new_array();

				for (k = 0; k < (size_t)n && k < show; k++)
					A_STR(list, json_object_get_string(json_object_array_get_idx(kids, k)));
				ap_add_list(d, "children", list);
				J_INT(d, "nchildren", n);
				if ((size_t)n > show)
					J_INT(d, "more_children", n - (int)show);
				{
					struct json_object *f = json_object_new_object();

					J_INT(f, "n", n);
					J_STR(f, "list", json_object_get_string(json_object_object_get(d,
					    "children_list")));
					if ((size_t)n > show)
						J_INT(f, "more", n - (int)show);
					ap_j_say(d, "children_text", "icd_children", f);
				}
			}
			json_object_put(kids);
		}
		json_object_object_add(sec, "icd10", d);
		return sec;
	}
	{
		const char *title = ap_item_title(it);
		int is_cpt = x->kind != CODE_HCPCS;
		char dose[48];

		if (title)
			J_STR(d, "title", title);
		else
			J_BOOL(d, "no_title", 1);
		J_BOOL(d, "licensed", it->cc.licensed);
		J_BOOL(d, "lay_only", is_cpt && !it->cc.licensed && title);
		J_BOOL(d, "is_cpt", is_cpt);
		add_status(c, it, d);
		J_BOOL(d, "active", it->cc.status == CDB_ACTIVE || it->cc.status == CDB_UNKNOWN_STATUS);
		if (it->cc.coverage[0])
			J_FMT(d, "coverage", "%s = %s", it->cc.coverage, it->cc.coverage_text);
		if (it->has_rvu) {
			J_FMT(d, "pfs", "%c = %s", it->rvu.status, it->rvu.status_text ? it->rvu.status_text : "");
			J_FMT(d, "global", "%s = %s", it->rvu.global, it->rvu.global_text ? it->rvu.global_text : "");
		}
		if (x->kind == CODE_HCPCS) {
			ap_dose_unit(it->cc.hcpcs_long, dose, sizeof(dose));
			if (dose[0] && it->ex->code[0] == 'J') {
				struct json_object *f = json_object_new_object();

				J_STR(f, "dose", dose);
				ap_j_say(d, "dose", "dose_unit", f);
			}
		}
		json_object_object_add(sec, "describe", d);
	}
	return sec;
}
