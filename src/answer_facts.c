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

/* facts.dos = the date of service (absent: the sentence says "today") */
static void
jdos(struct json_object *f, const char *dos)
{
	if (dos)
		J_STR(f, "dos", dos);
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
	int from_question = 1;
	size_t i, k;
	char b[32];

	if (db == NULL || n == 0)
		return 0;
	if (!((text && codedb_gpci_find(db, text, dos, &g) == 1) ||
	    (subject && codedb_gpci_find(db, subject, dos, &g) == 1))) {
		from_question = 0;
		if (conf_locality == NULL || *conf_locality == '\0' ||
		    codedb_gpci(db, conf_locality, dos, &g) != 1)
			return 0;
	}
	loc = json_object_new_object();
	rows = json_object_new_array();
	J_STR(loc, "name", g.name);
	J_STR(loc, "state", g.state);
	J_STR(loc, "mac", g.mac);
	J_STR(loc, "locality", g.locality);
	J_STR(loc, "release", g.release);
	J_BOOL(loc, "release_exact", g.exact);
	util_fmt(b, sizeof(b), "%.3f", g.work); J_STR(loc, "gpci_work", b);
	util_fmt(b, sizeof(b), "%.3f", g.pe); J_STR(loc, "gpci_pe", b);
	util_fmt(b, sizeof(b), "%.3f", g.mp); J_STR(loc, "gpci_mp", b);
	J_BOOL(loc, "from_question", from_question);
	{
		struct json_object *f = json_object_new_object();

		J_STR(f, "name", g.name);
		J_STR(f, "state", g.state);
		J_STR(f, "mac", g.mac);
		J_STR(f, "locality", g.locality);
		J_BOOL(f, "from_question", from_question);
		J_STR(f, "release", g.release);
		util_fmt(b, sizeof(b), "%.3f", g.work); J_STR(f, "work", b);
		util_fmt(b, sizeof(b), "%.3f", g.pe); J_STR(f, "pe", b);
		util_fmt(b, sizeof(b), "%.3f", g.mp); J_STR(f, "mp", b);
		ap_j_say(loc, "title", "fee_local_title", f);
	}
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
			J_STR(o, "code", codes[i]);
			J_STR(o, "mod", mods[k]);
			util_fmt(b, sizeof(b), "%.4f", r.conv_factor); J_STR(o, "cf", b);
			money(b, sizeof(b), r.pe_nf_na ? -1 : r.total_nf * r.conv_factor);
			J_STR(o, "nat_nf", b);
			money(b, sizeof(b), r.pe_f_na ? -1 : r.total_f * r.conv_factor);
			J_STR(o, "nat_f", b);
			money(b, sizeof(b), codedb_local_payment(&r, &g, 0)); J_STR(o, "loc_nf", b);
			money(b, sizeof(b), codedb_local_payment(&r, &g, 1)); J_STR(o, "loc_f", b);
			json_object_array_add(rows, o);
			cdb_rvu_free(&r);
		}
	json_object_object_add(loc, "rows", rows);
	json_object_object_add(body, "local", loc);
	J_BOOL(body, "has_local", json_object_array_length(rows) > 0);
	return json_object_array_length(rows) > 0;
}

int
answer_fee_change(struct codedb *db, const char *code, const char *dos, struct json_object *arr)
{
	struct cdb_change ch;
	struct json_object *f;
	const char *w, *say;

	if (db == NULL || codedb_change(db, "pfs_rvu", code, dos, &ch) != 1)
		return 0;
	w = codedb_change_word(&ch);
	if (strcmp(w, "added") == 0)
		say = "fee_change_added";
	else if (strcmp(w, "deleted") == 0)
		say = "fee_change_deleted";
	else if (strcmp(w, "dropped") == 0)
		say = "fee_change_dropped";
	else if (strcmp(w, "later") == 0)
		say = "fee_change_later";
	else
		return 0;
	f = json_object_new_object();
	J_STR(f, "code", code);
	J_STR(f, "cur", ch.cur);
	J_STR(f, "prev", ch.prev);
	J_STR(f, "next", ch.next);
	json_object_array_add(arr, ap_say_new(say, f));
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
		J_STR(o, "dataset", r.dataset);
		J_STR(o, "release", r.release);
		J_STR(o, "effective", r.effective);
		J_STR(o, "end", r.end);
		J_BOOL(o, "exact", r.exact);
		json_object_array_add(arr, o);
	}
	J_BOOL(m, "has_release", json_object_array_length(arr) > 0);
}

/* ---- ICD-10-CM ------------------------------------------------------------------------- */

struct notes {
	struct json_object *arr;
	int n;
	int seen_kind[9];
};

static const struct { const char *kind, *say; int max; } note_kinds[] = {
	/* the notes that matter when choosing and sequencing codes; includes, inclusion terms,
	 * Excludes2 and the 7th-character note (its meaning is shown apart) are left out */
	{ "excludes1", "icd_note_excludes1", 2 },
	{ "codeFirst", "icd_note_code_first", 2 },
	{ "useAdditionalCode", "icd_note_use_additional", 2 },
	{ "codeAlso", "icd_note_code_also", 1 },
};
#define NKIND (sizeof(note_kinds) / sizeof(note_kinds[0]))

static int
note_cb(void *vctx, const char *kind, const char *text, const char *from)
{
	struct notes *ns = vctx;
	size_t i;

	for (i = 0; i < NKIND; i++) {
		struct json_object *o, *f;
		int chapter = strncmp(from, "ch", 2) == 0;

		if (strcmp(note_kinds[i].kind, kind) != 0)
			continue;
		if (ns->seen_kind[i] >= note_kinds[i].max || ns->n >= 6)
			return 0;
		if (text[0] && text[strlen(text) - 1] == ':')
			return 0;               /* "code to identify:" heads the list that follows */
		ns->seen_kind[i]++;
		ns->n++;
		f = json_object_new_object();
		J_STR(f, "at", chapter ? from + 2 : from);
		J_BOOL(f, "chapter", chapter);
		J_STR(f, "note", text);
		o = ap_say_new(note_kinds[i].say, f);
		J_STR(o, "kind", kind);
		J_STR(o, "from", from);
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
	char c[16], disp[16], buf[600];
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
	/* validity in the release in effect */
	if (codedb_icd_validity(db, c, dos, &v) == 1) {
		struct cdb_icd row;
		int header21 = codedb_icd(db, c, &row) == 1 && !row.billable && row.long_title;
		struct json_object *f = json_object_new_object();
		const char *say = NULL;

		cdb_icd_free(&row);
		J_STR(d, "fy_release", v.release);
		if (v.v == CDB_ICD_VALID || v.v == CDB_ICD_VALID_NO_TITLE)
			J_STR(d, "release", v.release);  /* the card names the release in effect */
		J_STR(f, "code", disp);
		J_STR(f, "release", v.release);
		jdos(f, dos);
		switch (v.v) {
		case CDB_ICD_VALID:
			say = "icd_valid";
			if (strcmp(v.title_release, v.release) && v.title_release[0])
				J_STR(f, "title_release", v.title_release);
			break;
		case CDB_ICD_VALID_NO_TITLE:
			say = "icd_valid_no_title";
			J_BOOL(d, "title_missing", 1);
			break;
		case CDB_ICD_DELETED:
			J_STR(f, "title_release", v.title_release);
			J_INT(f, "below", v.below);
			if (header21 && v.below > 0)
				say = "icd_header";
			else if (v.below > 0) {
				struct json_object *kids = json_object_new_array();
				struct buf kl;
				size_t k;

				buf_init(&kl, 4096);
				codedb_icd_children(db, c, kid_cb, kids, 8);
				for (k = 0; k < json_object_array_length(kids); k++)
					buf_printf(&kl, "%s%s", k ? ", " : "",
					    json_object_get_string(json_object_array_get_idx(kids, k)));
				J_STR(f, "kids", buf_cstr(&kl));
				J_BOOL(f, "more", v.below > 8);
				buf_free(&kl);
				json_object_put(kids);
				say = "icd_no_longer_billable";
				J_BOOL(d, "deleted", 1);
			} else {
				say = "icd_deleted";
				J_BOOL(d, "deleted", 1);
			}
			break;
		case CDB_ICD_NOT_IN_RELEASE:
			say = "icd_not_in_release";
			break;
		default:
			break;
		}
		if (say)
			ap_j_say(d, "validity", say, f);
		else
			json_object_put(f);
		if (!v.exact)
			J_BOOL(d, "release_inexact", 1);
	}
	/* notes */
	memset(&ns, 0, sizeof(ns));
	ns.arr = json_object_new_array();
	if (codedb_icd_notes(db, c, note_cb, &ns) > 0 && json_object_array_length(ns.arr) > 1)
		json_object_array_sort(ns.arr, note_cmp);
	J_BOOL(d, "has_notes", json_object_array_length(ns.arr) > 0);
	json_object_object_add(d, "notes", ns.arr);
	/* 7th character and placeholder X */
	if (len == 7 && codedb_icd_seventh(db, c, buf, sizeof(buf)) == 1) {
		struct json_object *f = json_object_new_object();
		char ch[2] = { c[6], '\0' };

		J_STR(f, "char", ch);
		J_STR(f, "meaning", buf);
		ap_j_say(d, "seventh", "icd_seventh", f);
	}
	if (len == 7 && (c[4] == 'X' || c[5] == 'X')) {
		struct json_object *f = json_object_new_object();

		J_BOOL(d, "placeholder", 1);
		J_STR(f, "code", disp);
		ap_j_say(d, "placeholder_text", "icd_placeholder", f);
	}
	/* Excludes1 between this code and the message's other ICD-10-CM codes */
	for (i = 0; i < nothers; i++) {
		char note[600], od[16];
		struct json_object *f;

		if (codedb_norm(others[i], od, sizeof(od)) < 0 || strcmp(od, c) == 0)
			continue;
		if (codedb_icd_excludes1(db, c, od, note, sizeof(note)) != 1)
			continue;
		f = json_object_new_object();
		J_STR(f, "code", disp);
		J_STR(f, "other", others[i]);
		J_STR(f, "note", note);
		json_object_array_add(conf, ap_say_new("icd_excludes1_conflict", f));
		nconf++;
	}
	J_BOOL(d, "has_conflicts", nconf > 0);
	json_object_object_add(d, "conflicts", conf);
	return nconf;
}

/* ---- lead lines -------------------------------------------------------------------------- */

int
answer_icd_lead(struct codedb *db, const char *const *icd, size_t n, const char *dos,
    struct json_object *lead)
{
	size_t i, j;
	int added = 0;
	char note[600], buf[200];

	if (db == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		struct cdb_icd_valid v;
		struct cdb_icd row;
		struct json_object *f;
		char c[16];
		int header;

		if (codedb_norm(icd[i], c, sizeof(c)) < 0)
			continue;
		header = codedb_icd(db, c, &row) == 1 && !row.billable;
		cdb_icd_free(&row);
		if (codedb_icd_validity(db, c, dos, &v) == 1 && v.v == CDB_ICD_DELETED && !header) {
			f = json_object_new_object();
			J_STR(f, "code", icd[i]);
			J_STR(f, "release", v.release);
			jdos(f, dos);
			ap_say(lead, "icd-deleted", icd[i], v.below > 0 ? "icd_lead_not_billable" :
			    "icd_lead_deleted", f);
			added++;
		}
		if (strlen(c) == 7 && codedb_icd_seventh(db, c, buf, sizeof(buf)) == 1) {
			char ch[2] = { c[6], '\0' };

			f = json_object_new_object();
			J_STR(f, "code", icd[i]);
			J_STR(f, "char", ch);
			J_STR(f, "meaning", buf);
			ap_say(lead, "icd-7th", icd[i], "icd_lead_seventh", f);
			added++;
		}
		for (j = 0; j < n; j++) {
			if (j == i || codedb_icd_excludes1(db, icd[i], icd[j], note, sizeof(note)) != 1)
				continue;
			f = json_object_new_object();
			J_STR(f, "code", icd[i]);
			J_STR(f, "other", icd[j]);
			J_STR(f, "note", note);
			ap_say(lead, "icd-excludes1", icd[i], "icd_lead_excludes1", f);
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
	struct json_object *f;
	char b[64];
	int facility, have_loc, local = 0;
	double nat, lp = -1;

	if (db == NULL)
		return 0;
	if (codedb_rvu(db, code, dos, &r) != 1 || !priced(r.status) || r.conv_factor <= 0 ||
	    (r.pe_nf_na && r.pe_f_na)) {
		cdb_rvu_free(&r);
		return 0;
	}
	facility = r.pe_nf_na;
	nat = (facility ? r.total_f : r.total_nf) * r.conv_factor;
	have_loc = (text && codedb_gpci_find(db, text, dos, &g) == 1) ||
	    (subject && codedb_gpci_find(db, subject, dos, &g) == 1) ||
	    (conf_locality && *conf_locality && codedb_gpci(db, conf_locality, dos, &g) == 1);
	f = json_object_new_object();
	J_STR(f, "code", code);
	jdos(f, dos);
	util_fmt(b, sizeof(b), "%.2f", nat); J_STR(f, "amount", b);
	J_BOOL(f, "facility", facility);
	J_STR(f, "release", r.release);
	util_fmt(b, sizeof(b), "%.4f", r.conv_factor); J_STR(f, "cf", b);
	J_BOOL(f, "exact", r.release_exact);
	if (have_loc && (lp = codedb_local_payment(&r, &g, facility)) >= 0) {
		local = 1;
		J_BOOL(f, "local", 1);
		J_STR(f, "name", g.name);
		J_STR(f, "state", g.state);
		J_STR(f, "mac", g.mac);
		J_STR(f, "locality", g.locality);
		util_fmt(b, sizeof(b), "%.2f", lp); J_STR(f, "local_amount", b);
	}
	ap_say(lead, local ? "fee-local" : "fee-national", code, "fee_amount", f);
	cdb_rvu_free(&r);
	return 1;
}
