/* import_lay — our own TSV format (data/sample): plain-language descriptions, and for the
 * bundled sample also excerpts of the official datasets with their true values.
 *
 * Every file: UTF-8, one record per line, tab-separated, '#' lines are comments, the first
 * other line names the columns (any order; unknown columns are ignored). The file's base
 * name says what it holds:
 *   meta.tsv       key, value              (is_sample = 1 marks every dataset as sample)
 *   sources.tsv    dataset, release, effective, vintage   (names the releases of the others)
 *   codes.tsv      code, family, lay [, replacement]      -> lay
 *   modifiers.tsv  mod, level, lay [, official_long, official_short] -> lay_mod (+ hcpcs_mod)
 *   hcpcs.tsv      code, long, short, coverage, betos, action, added, action_eff, end
 *   rvu.tsv        code, mod, status, work, pe_nf, pe_nf_na, pe_f, pe_f_na, mp, total_nf,
 *                  total_f, pctc, global, pre_op, intra_op, post_op, mult_proc, bilateral,
 *                  assistant, co_surgery, team_surgery, conv_factor
 *   mue.tsv        code, value, mai, mai_text, rationale
 *   icd10.tsv      code, billable, short_title, long_title
 *   ptp.tsv        col1, col2, pre1996, effective, deletion, modifier, rationale (CMS forms:
 *                  dates YYYYMMDD, '*' = no deletion)
 * Any other name: a lay file recognised by its header (code+lay or mod+lay). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codedb.h"
#include "import_priv.h"
#include "util.h"

#define MAXCOLS 40

struct tsv {
	char  *names[MAXCOLS];
	int    ncols;
	char  *vals[MAXCOLS];
	int    nvals;
	char  *line;           /* owned copy of the current line (split in place) */
	size_t cap;
};

static int
tsv_split(struct tsv *t, const char *l, size_t n, char **out, int *nout)
{
	char *p;
	int k = 0;

	if (n + 1 > t->cap) {
		char *nl = realloc(t->line, n + 1);

		if (nl == NULL)
			return -1;
		t->line = nl;
		t->cap = n + 1;
	}
	memcpy(t->line, l, n);
	t->line[n] = '\0';
	p = t->line;
	out[k++] = p;
	while ((p = strchr(p, '\t')) != NULL && k < MAXCOLS) {
		*p++ = '\0';
		out[k++] = p;
	}
	*nout = k;
	return 0;
}

static const char *
tsv_get(const struct tsv *t, const char *name)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->names[i], name) == 0)
			return i < t->nvals ? t->vals[i] : "";
	return "";
}

static int
tsv_has(const struct tsv *t, const char *name)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->names[i], name) == 0)
			return 1;
	return 0;
}

static void
bind_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL || *v == '\0')
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static int
bind_num(sqlite3_stmt *s, int i, const char *v)
{
	double d;

	if (v == NULL || *v == '\0') {
		sqlite3_bind_null(s, i);
		return 0;
	}
	if (imp_number(v, &d) < 0)
		return -1;
	sqlite3_bind_double(s, i, d);
	return 0;
}

static int
bind_int(sqlite3_stmt *s, int i, const char *v, long min, long max)
{
	long l;

	if (v == NULL || *v == '\0') {
		sqlite3_bind_null(s, i);
		return 0;
	}
	if (util_parse_long(v, min, max, &l) < 0)
		return -1;
	sqlite3_bind_int64(s, i, l);
	return 0;
}

enum lay_kind { L_META, L_SOURCES, L_CODES, L_MODS, L_HCPCS, L_RVU, L_MUE, L_ICD, L_PTP };

static const struct {
	const char *file;
	enum lay_kind kind;
	const char *required;      /* space-separated required columns */
} laykinds[] = {
	{ "meta.tsv", L_META, "key value" },
	{ "sources.tsv", L_SOURCES, "dataset release" },
	{ "codes.tsv", L_CODES, "code lay" },
	{ "modifiers.tsv", L_MODS, "mod lay" },
	{ "hcpcs.tsv", L_HCPCS, "code long short" },
	{ "rvu.tsv", L_RVU, "code mod status work pe_nf pe_f mp global" },
	{ "mue.tsv", L_MUE, "code value mai" },
	{ "icd10.tsv", L_ICD, "code billable" },
	{ "ptp.tsv", L_PTP, "col1 col2 effective deletion modifier rationale" },
};

static const struct {
	const char *name;
	enum ds_id ds;
} dsnames[] = {
	{ "hcpcs", DS_HCPCS }, { "icd10cm", DS_ICD10 }, { "ptp_practitioner", DS_PTP_PRAC },
	{ "ptp_hospital", DS_PTP_HOSP }, { "mue_practitioner", DS_MUE_PRAC },
	{ "mue_hospital", DS_MUE_HOSP }, { "mue_dme", DS_MUE_DME }, { "pfs_rvu", DS_RVU },
	{ "cpt", DS_CPT }, { "lay", DS_LAY }, { "gem", DS_GEM },
};

static const char *const lay_sql[] = {
	[L_META] = NULL,
	[L_SOURCES] = NULL,
	[L_CODES] = "INSERT INTO lay(code, family, lay, replacement) VALUES(?1,?2,?3,?4)",
	[L_MODS] = "INSERT INTO lay_mod(mod, level, lay) VALUES(?1,?2,?3)",
	[L_HCPCS] = "INSERT INTO hcpcs(code, long_desc, short_desc, coverage, betos, action, added,"
	    " action_eff, effective, end_date, xref, pricing, tos, release)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?7,?9,?10,NULL,NULL,?11)",
	[L_RVU] = "INSERT INTO rvu(code, mod, status, not_used, work, pe_nf, pe_nf_na, pe_f, pe_f_na,"
	    " mp, total_nf, total_f, pctc, glob, pre_op, intra_op, post_op, mult_proc, bilat, asst,"
	    " cosurg, team, endo_base, conv_factor, supervision, calc_flag, img_family, release,"
	    " effective, end_date) VALUES(?1,?2,?3,'',?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
	    "?17,?18,?19,?20,?21,?22,?23,NULL,NULL,NULL,?24,?25,NULL)",
	[L_MUE] = "INSERT INTO mue(code, setting, value, mai, mai_text, rationale, effective, end_date)"
	    " VALUES(?1,'practitioner',?2,?3,?4,?5,?6,NULL)",
	[L_ICD] = "INSERT INTO icd10(code, ord, billable, short_title, long_title, release)"
	    " VALUES(?1,?2,?3,?4,?5,?6)",
	[L_PTP] = "INSERT INTO ptp(setting, col1, col2, pre1996, eff, del, modind, rationale, file)"
	    " VALUES(1,?1,?2,?3,?4,?5,?6,?7,?8)",
};

static int
require_cols(struct imp *im, const struct tsv *t, const char *req)
{
	char name[32];
	const char *p = req;

	while (*p) {
		size_t n = strcspn(p, " ");

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (!tsv_has(t, name))
			return imp_refuse(im, "missing column '%s' in the header line", name);
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static int
is_code5(const char *c)
{
	return strlen(c) == 5 && codedb_family_of(c) != NULL;
}

static int
is_mod(const char *m)
{
	return strlen(m) == 2 && isalnum((unsigned char)m[0]) && isalnum((unsigned char)m[1]) &&
	    !islower((unsigned char)m[0]) && !islower((unsigned char)m[1]);
}

static void
mark(struct imp *im, enum ds_id ds)
{
	imp_dataset(im, ds, ds == DS_LAY ? "codemaild" : NULL, NULL, NULL);
	if (im->lay_sample)
		im->sample[ds] = 1;
}

/* One data row. 1 loaded, 0 rejected (reported), -1 fatal. */
static int
lay_row(struct imp *im, enum lay_kind kind, struct tsv *t, sqlite3_stmt *s, long long *ord)
{
	const char *c;
	char d1[11], d2[11], d3[11];
	enum ds_id ds = DS_LAY;
	size_t i;

	switch (kind) {
	case L_META:
		if (strcmp(tsv_get(t, "key"), "is_sample") == 0)
			im->lay_sample = strcmp(tsv_get(t, "value"), "1") == 0;
		return 1;
	case L_SOURCES:
		for (i = 0; i < sizeof(dsnames) / sizeof(dsnames[0]); i++)
			if (strcmp(dsnames[i].name, tsv_get(t, "dataset")) == 0) {
				struct imp_file *save = im->f;

				im->f = NULL;       /* sources.tsv itself is not a source of the data */
				imp_dataset(im, dsnames[i].ds, tsv_get(t, "release"),
				    tsv_get(t, "effective"), tsv_get(t, "vintage"));
				im->f = save;
				if (im->lay_sample)
					im->sample[dsnames[i].ds] = 1;
				return 1;
			}
		imp_reject(im, "unknown dataset '%s'", tsv_get(t, "dataset"));
		return 0;
	case L_CODES:
		c = tsv_get(t, "code");
		if (!is_code5(c) && !(strcmp(tsv_get(t, "family"), "icd10") == 0 && strlen(c) >= 3)) {
			imp_reject(im, "not a CPT/HCPCS code: '%s'", c);
			return 0;
		}
		if (*tsv_get(t, "lay") == '\0') {
			imp_reject(im, "empty lay text");
			return 0;
		}
		sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
		bind_or_null(s, 2, *tsv_get(t, "family") ? tsv_get(t, "family") : codedb_family_of(c));
		bind_or_null(s, 3, tsv_get(t, "lay"));
		bind_or_null(s, 4, tsv_get(t, "replacement"));
		break;
	case L_MODS:
		c = tsv_get(t, "mod");
		if (!is_mod(c)) {
			imp_reject(im, "not a modifier: '%s'", c);
			return 0;
		}
		sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
		if (bind_int(s, 2, tsv_get(t, "level"), 1, 2) < 0) {
			imp_reject(im, "level must be 1 or 2");
			return 0;
		}
		bind_or_null(s, 3, tsv_get(t, "lay"));
		/* official Level II text only with the bundled sample: otherwise a lay import
		 * would replace the imported HCPCS dataset */
		if (im->lay_sample && *tsv_get(t, "official_long")) {
			sqlite3_stmt *h = imp_prepare(im, "INSERT INTO hcpcs_mod(mod, long_desc, short_desc,"
			    " action, effective, end_date) VALUES(?1,?2,?3,NULL,NULL,NULL)");

			if (h == NULL)
				return -1;
			sqlite3_bind_text(h, 1, c, -1, SQLITE_TRANSIENT);
			bind_or_null(h, 2, tsv_get(t, "official_long"));
			bind_or_null(h, 3, tsv_get(t, "official_short"));
			if (imp_step(im, h) < 0) {
				sqlite3_finalize(h);
				return -1;
			}
			sqlite3_finalize(h);
			mark(im, DS_HCPCS);
			im->rows[DS_HCPCS]++;
		}
		break;
	case L_HCPCS:
		ds = DS_HCPCS;
		c = tsv_get(t, "code");
		if (!is_code5(c) || imp_date8(tsv_get(t, "added"), d1) < 0 ||
		    imp_date8(tsv_get(t, "action_eff"), d2) < 0 || imp_date8(tsv_get(t, "end"), d3) < 0) {
			imp_reject(im, "bad code or date");
			return 0;
		}
		sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
		bind_or_null(s, 2, tsv_get(t, "long"));
		bind_or_null(s, 3, tsv_get(t, "short"));
		bind_or_null(s, 4, tsv_get(t, "coverage"));
		bind_or_null(s, 5, tsv_get(t, "betos"));
		bind_or_null(s, 6, tsv_get(t, "action"));
		bind_or_null(s, 7, d1);
		bind_or_null(s, 8, d2);
		bind_or_null(s, 9, d3);
		bind_or_null(s, 10, tsv_get(t, "xref"));
		bind_or_null(s, 11, im->release[DS_HCPCS]);
		break;
	case L_RVU: {
		static const char *const nums[] = { "work", "pe_nf", NULL, "pe_f", NULL, "mp",
		    "total_nf", "total_f" };
		static const char *const inds[] = { "mult_proc", "bilateral", "assistant",
		    "co_surgery", "team_surgery" };
		const char *st = tsv_get(t, "status"), *g = tsv_get(t, "global");

		ds = DS_RVU;
		c = tsv_get(t, "code");
		if (!is_code5(c) || strlen(st) != 1 || !isupper((unsigned char)st[0]) ||
		    strlen(g) != 3) {
			imp_reject(im, "bad code, status or global");
			return 0;
		}
		sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, tsv_get(t, "mod"), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, st, -1, SQLITE_TRANSIENT);
		for (i = 0; i < 8; i++) {
			if (nums[i] == NULL)
				continue;
			if (bind_num(s, (int)(4 + i), tsv_get(t, nums[i])) < 0) {
				imp_reject(im, "bad number in %s", nums[i]);
				return 0;
			}
		}
		sqlite3_bind_int(s, 6, strcmp(tsv_get(t, "pe_nf_na"), "NA") == 0);
		sqlite3_bind_int(s, 8, strcmp(tsv_get(t, "pe_f_na"), "NA") == 0);
		if (bind_int(s, 12, tsv_get(t, "pctc"), 0, 9) < 0) {
			imp_reject(im, "bad pctc");
			return 0;
		}
		sqlite3_bind_text(s, 13, g, -1, SQLITE_TRANSIENT);
		if (bind_num(s, 14, tsv_get(t, "pre_op")) < 0 || bind_num(s, 15, tsv_get(t, "intra_op")) < 0 ||
		    bind_num(s, 16, tsv_get(t, "post_op")) < 0) {
			imp_reject(im, "bad pre/intra/post share");
			return 0;
		}
		for (i = 0; i < 5; i++)
			if (bind_int(s, (int)(17 + i), tsv_get(t, inds[i]), 0, 9) < 0) {
				imp_reject(im, "bad %s indicator", inds[i]);
				return 0;
			}
		bind_or_null(s, 22, tsv_get(t, "endo_base"));
		if (bind_num(s, 23, tsv_get(t, "conv_factor")) < 0) {
			imp_reject(im, "bad conversion factor");
			return 0;
		}
		bind_or_null(s, 24, im->release[DS_RVU]);
		bind_or_null(s, 25, im->effective[DS_RVU]);
		break;
	}
	case L_MUE:
		ds = DS_MUE_PRAC;
		c = tsv_get(t, "code");
		if (!is_code5(c) || bind_int(s, 2, tsv_get(t, "value"), 0, 1000000) < 0 ||
		    bind_int(s, 3, tsv_get(t, "mai"), 1, 3) < 0) {
			imp_reject(im, "bad code, value or adjudication indicator");
			return 0;
		}
		sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
		bind_or_null(s, 4, tsv_get(t, "mai_text"));
		bind_or_null(s, 5, tsv_get(t, "rationale"));
		bind_or_null(s, 6, im->effective[DS_MUE_PRAC]);
		break;
	case L_ICD: {
		char code[12];

		ds = DS_ICD10;
		if (codedb_norm(tsv_get(t, "code"), code, sizeof(code)) < 0 ||
		    bind_int(s, 3, tsv_get(t, "billable"), 0, 1) < 0) {
			imp_reject(im, "bad ICD-10-CM code or billable flag");
			return 0;
		}
		sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, ++*ord);
		bind_or_null(s, 4, tsv_get(t, "short_title"));
		bind_or_null(s, 5, tsv_get(t, "long_title"));
		bind_or_null(s, 6, im->release[DS_ICD10]);
		break;
	}
	case L_PTP: {
		long eff, del = 0, mi;
		long long rat, file;
		const char *dv = tsv_get(t, "deletion");

		ds = DS_PTP_PRAC;
		if (!is_code5(tsv_get(t, "col1")) || !is_code5(tsv_get(t, "col2")) ||
		    imp_date8(tsv_get(t, "effective"), d1) < 0 ||
		    util_parse_long(tsv_get(t, "effective"), 19000101, 29991231, &eff) < 0 ||
		    (strcmp(dv, "*") != 0 && (imp_date8(dv, d2) < 0 ||
		    util_parse_long(dv, 19000101, 29991231, &del) < 0)) ||
		    util_parse_long(tsv_get(t, "modifier"), 0, 9, &mi) < 0 ||
		    (mi != 0 && mi != 1 && mi != 9)) {
			imp_reject(im, "bad PTP row");
			return 0;
		}
		rat = imp_ptp_text(im, 1, "rationale", tsv_get(t, "rationale"), NULL);
		file = imp_ptp_text(im, 1, "file", *tsv_get(t, "file") ? tsv_get(t, "file") : im->f->base,
		    im->release[DS_PTP_PRAC]);
		if (rat < 0 || file < 0)
			return -1;
		sqlite3_bind_text(s, 1, tsv_get(t, "col1"), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, tsv_get(t, "col2"), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 3, strcmp(tsv_get(t, "pre1996"), "*") == 0);
		sqlite3_bind_int64(s, 4, eff);
		if (del)
			sqlite3_bind_int64(s, 5, del);
		else
			sqlite3_bind_null(s, 5);
		sqlite3_bind_int64(s, 6, mi);
		sqlite3_bind_int64(s, 7, rat);
		sqlite3_bind_int64(s, 8, file);
		break;
	}
	}
	if (imp_step(im, s) < 0)
		return -1;
	mark(im, ds);
	im->rows[ds]++;
	return 1;
}

int
imp_parse_lay(struct imp *im, struct imp_file *f)
{
	struct imp_lines it;
	struct tsv t;
	const char *l;
	size_t n, i;
	int kind = -1, r, rc = -1;
	sqlite3_stmt *s = NULL;
	long long ord = 0;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < sizeof(laykinds) / sizeof(laykinds[0]); i++)
		if (strcmp(f->base, laykinds[i].file) == 0)
			kind = (int)laykinds[i].kind;
	imp_lines_init(&it, f);
	while (imp_lines_next(&it, &l, &n)) {
		im->line = it.line;
		if (n == 0 || l[0] == '#')
			continue;
		if (t.ncols == 0) {
			char *names[MAXCOLS];
			int k;

			if (tsv_split(&t, l, n, names, &t.ncols) < 0)
				goto oom;
			for (k = 0; k < t.ncols; k++)
				if ((t.names[k] = strdup(names[k])) == NULL)
					goto oom;
			if (kind < 0) {
				/* recognised by its header */
				if (tsv_has(&t, "code") && tsv_has(&t, "lay"))
					kind = L_CODES;
				else if (tsv_has(&t, "mod") && tsv_has(&t, "lay"))
					kind = L_MODS;
				else {
					imp_refuse(im, "not a codemaild lay TSV (want a header line with"
					    " code/lay or mod/lay columns, or a data/sample file name)");
					goto out;
				}
			}
			for (i = 0; i < sizeof(laykinds) / sizeof(laykinds[0]); i++)
				if ((int)laykinds[i].kind == kind && require_cols(im, &t, laykinds[i].required) < 0)
					goto out;
			if (lay_sql[kind] && (s = imp_prepare(im, lay_sql[kind])) == NULL)
				goto out;
			continue;
		}
		if (tsv_split(&t, l, n, t.vals, &t.nvals) < 0)
			goto oom;
		f->read++;
		im->rows_all++;
		r = lay_row(im, (enum lay_kind)kind, &t, s, &ord);
		if (r < 0)
			goto out;
		if (r > 0)
			f->loaded++;
	}
	if (t.ncols == 0) {
		imp_refuse(im, "empty file (no header line)");
		goto out;
	}
	if (kind == L_META || kind == L_SOURCES) {
		/* bookkeeping files: not rows of a dataset */
		f->read = f->read ? f->read : 1;
		if (f->dataset < 0)
			f->dataset = -1;
	}
	imp_progress(im, f->size);
	rc = 0;
	goto out;
oom:
	imp_refuse(im, "out of memory");
out:
	sqlite3_finalize(s);
	for (i = 0; i < (size_t)t.ncols; i++)
		free(t.names[i]);
	free(t.line);
	return rc;
}
