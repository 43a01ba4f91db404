/* answer_facts — see answer_facts.h. */
#include "answer_facts.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "answer_priv.h"
#include "codedb.h"
#include "util.h"


static void
jstr(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void
jbool(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v ? 1 : 0));
}


static void
jparaf(struct json_object *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
jparaf(struct json_object *o, const char *key, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 8192);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	jstr(o, key, buf_cstr(&b));
	buf_free(&b);
}

static void
money(char *out, size_t outlen, double v)
{
	if (v < 0)
		util_fmt(out, outlen, "NA");
	else
		util_fmt(out, outlen, "$%.2f", v);
}

static int
priced(char status)
{
	return status == 'A' || status == 'R' || status == 'T';
}

/* ---- fee ------------------------------------------------------------------------------ */

int
answer_fee_local(struct codedb *db, const char *conf_locality, const char *text,
    const char *subject, const char *dos, const char *const *codes, size_t n,
    struct json_object *body)
{
	static const char *const mods[] = { "", "26", "TC" };
	struct cdb_gpci g;
	struct json_object *loc, *rows;
	const char *from = "your question";
	size_t i, k;
	char b[32];

	if (db == NULL || n == 0)
		return 0;
	if (!((text && codedb_gpci_find(db, text, dos, &g) == 1) ||
	    (subject && codedb_gpci_find(db, subject, dos, &g) == 1))) {
		from = "the configured locality";
		if (conf_locality == NULL || *conf_locality == '\0' ||
		    codedb_gpci(db, conf_locality, dos, &g) != 1)
			return 0;
	}
	loc = json_object_new_object();
	rows = json_object_new_array();
	jstr(loc, "name", g.name);
	jstr(loc, "state", g.state);
	jstr(loc, "mac", g.mac);
	jstr(loc, "locality", g.locality);
	jstr(loc, "release", g.release);
	jbool(loc, "release_exact", g.exact);
	util_fmt(b, sizeof(b), "%.3f", g.work); jstr(loc, "gpci_work", b);
	util_fmt(b, sizeof(b), "%.3f", g.pe); jstr(loc, "gpci_pe", b);
	util_fmt(b, sizeof(b), "%.3f", g.mp); jstr(loc, "gpci_mp", b);
	jstr(loc, "from", from);
	jparaf(loc, "title", "Local payment, %s (%s, MAC %s, locality %s; from %s); GPCI %s: work %.3f,"
	    " PE %.3f, MP %.3f", g.name, g.state, g.mac, g.locality, from, g.release, g.work, g.pe,
	    g.mp);
	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof(mods) / sizeof(mods[0]); k++) {
			struct cdb_rvu r;
			struct json_object *o;

			if (codedb_rvu_mod(db, codes[i], mods[k], dos, &r) != 1 || !priced(r.status) ||
			    r.conv_factor <= 0) {
				cdb_rvu_free(&r);
				continue;
			}
			o = json_object_new_object();
			jstr(o, "code", codes[i]);
			jstr(o, "mod", mods[k]);
			util_fmt(b, sizeof(b), "%.4f", r.conv_factor); jstr(o, "cf", b);
			money(b, sizeof(b), r.pe_nf_na ? -1 : r.total_nf * r.conv_factor);
			jstr(o, "nat_nf", b);
			money(b, sizeof(b), r.pe_f_na ? -1 : r.total_f * r.conv_factor);
			jstr(o, "nat_f", b);
			money(b, sizeof(b), codedb_local_payment(&r, &g, 0)); jstr(o, "loc_nf", b);
			money(b, sizeof(b), codedb_local_payment(&r, &g, 1)); jstr(o, "loc_f", b);
			json_object_array_add(rows, o);
			cdb_rvu_free(&r);
		}
	json_object_object_add(loc, "rows", rows);
	json_object_object_add(body, "local", loc);
	jbool(body, "has_local", json_object_array_length(rows) > 0);
	return json_object_array_length(rows) > 0;
}

int
answer_fee_change(struct codedb *db, const char *code, const char *dos, struct json_object *arr)
{
	struct cdb_change ch;
	const char *w;
	char line[400];

	if (db == NULL || codedb_change(db, "pfs_rvu", code, dos, &ch) != 1)
		return 0;
	w = codedb_change_word(&ch);
	if (strcmp(w, "added") == 0)
		util_fmt(line, sizeof(line), "%s: new in the %s fee schedule (not in %s).", code, ch.cur,
		    ch.prev);
	else if (strcmp(w, "deleted") == 0)
		util_fmt(line, sizeof(line), "%s: not in the %s fee schedule used for this date; it was"
		    " in %s (deleted or renumbered since).", code, ch.cur, ch.prev);
	else if (strcmp(w, "dropped") == 0)
		util_fmt(line, sizeof(line), "%s: in %s, but no longer in the next loaded release %s.",
		    code, ch.cur, ch.next);
	else if (strcmp(w, "later") == 0)
		util_fmt(line, sizeof(line), "%s: not in the %s fee schedule used for this date; first in"
		    " the next loaded release, %s.", code, ch.cur, ch.next);
	else
		return 0;
	{
		struct json_object *o = json_object_new_object();

		jstr(o, "text", line);
		json_object_array_add(arr, o);
	}
	return 1;
}

void
answer_release_key(struct codedb *db, const char *dos, const char *const *datasets, size_t n,
    struct json_object *m)
{
	struct json_object *arr;
	size_t i;

	if (db == NULL)
		return;
	if (!json_object_object_get_ex(m, "release", &arr)) {
		arr = json_object_new_array();
		json_object_object_add(m, "release", arr);
	}
	for (i = 0; i < n; i++) {
		struct cdb_release r;
		struct json_object *o;
		size_t k;
		int dup = 0;

		if (codedb_release_for(db, datasets[i], dos, &r) != 1)
			continue;
		for (k = 0; k < json_object_array_length(arr); k++) {
			struct json_object *e = json_object_array_get_idx(arr, k), *v;

			if (json_object_object_get_ex(e, "dataset", &v) &&
			    strcmp(json_object_get_string(v), datasets[i]) == 0)
				dup = 1;
		}
		if (dup)
			continue;
		o = json_object_new_object();
		jstr(o, "dataset", r.dataset);
		jstr(o, "release", r.release);
		jstr(o, "effective", r.effective);
		jstr(o, "end", r.end);
		jbool(o, "exact", r.exact);
		json_object_array_add(arr, o);
	}
	jbool(m, "has_release", json_object_array_length(arr) > 0);
}

/* ---- ICD-10-CM ------------------------------------------------------------------------- */

struct notes {
	struct json_object *arr;
	int n;
	int seen_kind[9];
};

static const struct { const char *kind, *label; int max; } note_kinds[] = {
	/* the notes that matter when choosing and sequencing codes; includes, inclusion terms,
	 * Excludes2 and the 7th-character note (its meaning is shown apart) are left out */
	{ "excludes1", "Excludes1 (never together with)", 2 },
	{ "codeFirst", "Code first", 2 },
	{ "useAdditionalCode", "Use additional code", 2 },
	{ "codeAlso", "Code also", 1 },
};
#define NKIND (sizeof(note_kinds) / sizeof(note_kinds[0]))

static int
note_cb(void *vctx, const char *kind, const char *text, const char *from)
{
	struct notes *ns = vctx;
	size_t i;

	for (i = 0; i < NKIND; i++) {
		struct json_object *o;
		char t[600];

		if (strcmp(note_kinds[i].kind, kind) != 0)
			continue;
		if (ns->seen_kind[i] >= note_kinds[i].max || ns->n >= 6)
			return 0;
		if (text[0] && text[strlen(text) - 1] == ':')
			return 0;               /* "code to identify:" heads the list that follows */
		ns->seen_kind[i]++;
		ns->n++;
		o = json_object_new_object();
		jstr(o, "kind", kind);
		jstr(o, "label", note_kinds[i].label);
		jstr(o, "from", from);
		util_fmt(t, sizeof(t), "%s (at %s%s): %s", note_kinds[i].label,
		    strncmp(from, "ch", 2) == 0 ? "chapter " : "", strncmp(from, "ch", 2) == 0 ?
		    from + 2 : from, text);
		jstr(o, "text", t);
		json_object_array_add(ns->arr, o);
		return 0;
	}
	return 0;
}

static int
note_rank(struct json_object *o)
{
	struct json_object *k;
	size_t i;

	if (!json_object_object_get_ex(o, "kind", &k))
		return 99;
	for (i = 0; i < NKIND; i++)
		if (strcmp(note_kinds[i].kind, json_object_get_string(k)) == 0)
			return (int)i;
	return 99;
}

static int
note_cmp(const void *a, const void *b)
{
	struct json_object *const *x = a, *const *y = b;

	return note_rank(*x) - note_rank(*y);
}

static int
kid_cb(void *ctx, const char *code, const char *display, const char *title)
{
	(void)code;
	(void)title;
	json_object_array_add(ctx, json_object_new_string(display));
	return 0;
}

int
answer_icd_facts(struct codedb *db, const char *code, const char *dos,
    const char *const *others, size_t nothers, struct json_object *d)
{
	struct cdb_icd_valid v;
	struct notes ns;
	struct json_object *conf = json_object_new_array();
	char c[16], disp[16], asof[16], buf[600];
	size_t i, len;
	int nconf = 0;

	if (db == NULL || codedb_norm(code, c, sizeof(c)) < 0) {
		json_object_put(conf);
		return 0;
	}
	len = strlen(c);
	if (len > 3)
		util_fmt(disp, sizeof(disp), "%.3s.%s", c, c + 3);
	else
		util_fmt(disp, sizeof(disp), "%s", c);
	if (dos)
		util_fmt(asof, sizeof(asof), "on %s", dos);
	else
		util_fmt(asof, sizeof(asof), "today");
	/* validity in the release in effect */
	if (codedb_icd_validity(db, c, dos, &v) == 1) {
		struct cdb_icd row;
		int header21 = codedb_icd(db, c, &row) == 1 && !row.billable && row.long_title;

		cdb_icd_free(&row);
		jstr(d, "fy_release", v.release);
		if (v.v == CDB_ICD_VALID || v.v == CDB_ICD_VALID_NO_TITLE)
			jstr(d, "release", v.release);  /* the card names the release in effect */
		switch (v.v) {
		case CDB_ICD_VALID:
			jparaf(d, "validity", "Valid in ICD-10-CM %s, the release in effect %s%s%s%s.",
			    v.release, asof, strcmp(v.title_release, v.release) && v.title_release[0] ?
			    " (title as worded in " : "", strcmp(v.title_release, v.release) &&
			    v.title_release[0] ? v.title_release : "", strcmp(v.title_release,
			    v.release) && v.title_release[0] ? "; it may have changed since)" : "");
			break;
		case CDB_ICD_VALID_NO_TITLE:
			jparaf(d, "validity", "Valid in ICD-10-CM %s (in effect %s), title not loaded:"
			    " the %s list loaded holds codes only.", v.release, asof, v.release);
			jbool(d, "title_missing", 1);
			break;
		case CDB_ICD_DELETED:
			if (header21 && v.below > 0)
				jparaf(d, "validity", "A category (header) in ICD-10-CM %s: %d billable"
				    " codes below it.", v.release, v.below);
			else if (v.below > 0) {
				struct json_object *kids = json_object_new_array();
				struct buf kl;
				size_t k;

				buf_init(&kl, 4096);
				codedb_icd_children(db, c, kid_cb, kids, 8);
				for (k = 0; k < json_object_array_length(kids); k++)
					buf_printf(&kl, "%s%s", k ? ", " : "",
					    json_object_get_string(json_object_array_get_idx(kids, k)));
				jparaf(d, "validity", "No longer billable: %s is in the %s titles but not in"
				    " the %s code list (in effect %s): deleted by %s as a billable code;"
				    " report one of the %d codes below it%s%s%s.", disp, v.title_release,
				    v.release, asof, v.release, v.below, kl.len ? " (" : "", buf_cstr(&kl),
				    kl.len ? (v.below > 8 ? ", ...)" : ")") : "");
				buf_free(&kl);
				json_object_put(kids);
				jbool(d, "deleted", 1);
			} else {
				jparaf(d, "validity", "Deleted by %s: %s is in the %s titles but not in the"
				    " %s code list in effect %s; do not report it for that date.",
				    v.release, disp, v.title_release, v.release, asof);
				jbool(d, "deleted", 1);
			}
			break;
		case CDB_ICD_NOT_IN_RELEASE:
			jparaf(d, "validity", "Not valid %s: not in ICD-10-CM %s, the release in effect"
			    " then; only in a later loaded release.", asof, v.release);
			break;
		default:
			break;
		}
		if (!v.exact)
			jbool(d, "release_inexact", 1);
	}
	/* notes */
	memset(&ns, 0, sizeof(ns));
	ns.arr = json_object_new_array();
	if (codedb_icd_notes(db, c, note_cb, &ns) > 0 && json_object_array_length(ns.arr) > 1)
		json_object_array_sort(ns.arr, note_cmp);
	jbool(d, "has_notes", json_object_array_length(ns.arr) > 0);
	json_object_object_add(d, "notes", ns.arr);
	/* 7th character and placeholder X */
	if (len == 7 && codedb_icd_seventh(db, c, buf, sizeof(buf)) == 1)
		jparaf(d, "seventh", "7th character %c = %s.", c[6], buf);
	if (len == 7 && (c[4] == 'X' || c[5] == 'X')) {
		jbool(d, "placeholder", 1);
		jparaf(d, "placeholder_text", "X in %s is a placeholder: it fills the empty positions so"
		    " the 7th character stays in the 7th place.", disp);
	}
	/* Excludes1 between this code and the message's other ICD-10-CM codes */
	for (i = 0; i < nothers; i++) {
		char note[600], od[16];
		struct json_object *o;

		if (codedb_norm(others[i], od, sizeof(od)) < 0 || strcmp(od, c) == 0)
			continue;
		if (codedb_icd_excludes1(db, c, od, note, sizeof(note)) != 1)
			continue;
		o = json_object_new_object();
		util_fmt(buf, sizeof(buf), "EXCLUDES1 CONFLICT: %s and %s may not be reported together"
		    " (Excludes1 note that applies to %s: \"%s\").", disp, others[i], disp, note);
		jstr(o, "text", buf);
		json_object_array_add(conf, o);
		nconf++;
	}
	jbool(d, "has_conflicts", nconf > 0);
	json_object_object_add(d, "conflicts", conf);
	return nconf;
}

/* ---- lead lines -------------------------------------------------------------------------- */

static void
lead_add(struct json_object *lead, const char *text, const char *code, const char *rule)
{
	struct json_object *o = json_object_new_object();

	jstr(o, "text", text);
	jstr(o, "code", code);
	jstr(o, "rule", rule);
	json_object_array_add(lead, o);
}

int
answer_icd_lead(struct codedb *db, const char *const *icd, size_t n, const char *dos,
    struct json_object *lead)
{
	size_t i, j;
	int added = 0;
	char line[700], note[600], buf[200], when[16];

	if (db == NULL)
		return 0;
	if (dos)
		util_fmt(when, sizeof(when), "on %s", dos);
	else
		util_fmt(when, sizeof(when), "today");
	for (i = 0; i < n; i++) {
		struct cdb_icd_valid v;
		struct cdb_icd row;
		char c[16];
		int header;

		if (codedb_norm(icd[i], c, sizeof(c)) < 0)
			continue;
		header = codedb_icd(db, c, &row) == 1 && !row.billable;
		cdb_icd_free(&row);
		if (codedb_icd_validity(db, c, dos, &v) == 1 && v.v == CDB_ICD_DELETED && !header) {
			if (v.below > 0)
				util_fmt(line, sizeof(line), "%s is no longer a billable code in ICD-10-CM %s"
				    " (in effect %s): report a more specific code below it.", icd[i],
				    v.release, when);
			else
				util_fmt(line, sizeof(line), "%s was deleted by ICD-10-CM %s (in effect"
				    " %s): it is not valid for that date.", icd[i], v.release, when);
			lead_add(lead, line, icd[i], "icd-deleted");
			added++;
		}
		if (strlen(c) == 7 && codedb_icd_seventh(db, c, buf, sizeof(buf)) == 1) {
			util_fmt(line, sizeof(line), "%s: the 7th character %c means %s.", icd[i], c[6], buf);
			lead_add(lead, line, icd[i], "icd-7th");
			added++;
		}
		for (j = 0; j < n; j++) {
			if (j == i || codedb_icd_excludes1(db, icd[i], icd[j], note, sizeof(note)) != 1)
				continue;
			util_fmt(line, sizeof(line), "%s and %s should not be reported together: an"
			    " Excludes1 note that applies to %s covers %s (\"%s\").", icd[i], icd[j], icd[i], icd[j],
			    note);
			lead_add(lead, line, icd[i], "icd-excludes1");
			added++;
		}
	}
	return added;
}

int
answer_fee_lead(struct codedb *db, const char *conf_locality, const char *text,
    const char *subject, const char *code, const char *dos, struct json_object *lead)
{
	struct cdb_rvu r;
	struct cdb_gpci g;
	char line[600], loc[300] = "";
	int facility, have_loc;
	double nat, lp;

	if (db == NULL || codedb_rvu(db, code, dos, &r) != 1 || !priced(r.status) ||
	    r.conv_factor <= 0)
		return 0;
	facility = r.pe_nf_na;
	if (facility && r.pe_f_na)
		return 0;
	nat = (facility ? r.total_f : r.total_nf) * r.conv_factor;
	have_loc = (text && codedb_gpci_find(db, text, dos, &g) == 1) ||
	    (subject && codedb_gpci_find(db, subject, dos, &g) == 1) ||
	    (conf_locality && *conf_locality && codedb_gpci(db, conf_locality, dos, &g) == 1);
	if (have_loc && (lp = codedb_local_payment(&r, &g, facility)) >= 0)
		util_fmt(loc, sizeof(loc), "; %s (%s, locality %s-%s): $%.2f", g.name, g.state, g.mac,
		    g.locality, lp);
	util_fmt(line, sizeof(line), "%s %s%s: national Medicare amount $%.2f %s (PFS %s, CF %.4f%s)%s.",
	    code, dos ? "on " : "today", dos ? dos : "", nat, facility ? "facility" : "non-facility", r.release,
	    r.conv_factor, r.release_exact ? "" : ", the nearest loaded release", loc);
	lead_add(lead, line, code, loc[0] ? "fee-local" : "fee-national");
	return 1;
}
