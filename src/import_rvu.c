/* import_rvu — the PFS national RVU file PPRRVUyyyy_Mmm, fixed-width TXT (7 "HDR" lines
 * first) or CSV (title/notice lines, a column header stacked over five lines ending with
 * "HCPCS,MOD,DESCRIPTION,…", then 31 columns). Positions and meanings from CMS's RVUyyX.pdf.
 *
 * The DESCRIPTION column holds CPT short descriptors (AMA copyright): it is never read into
 * the DB, never printed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"
#include "util.h"

enum { R_CODE, R_MOD, R_STATUS, R_NOTUSED, R_WORK, R_PENF, R_PENF_NA, R_PEF, R_PEF_NA, R_MP,
	R_TOTNF, R_TOTF, R_PCTC, R_GLOB, R_PRE, R_INTRA, R_POST, R_MULT, R_BILAT, R_ASST,
	R_COSURG, R_TEAM, R_ENDO, R_CF, R_SUPER, R_CALC, R_IMG, R_N };

/* TXT columns (1-based, inclusive) of each field */
static const int txtpos[R_N][2] = {
	[R_CODE] = { 1, 5 }, [R_MOD] = { 6, 7 }, [R_STATUS] = { 58, 58 }, [R_NOTUSED] = { 59, 59 },
	[R_WORK] = { 60, 65 }, [R_PENF] = { 67, 72 }, [R_PENF_NA] = { 73, 74 },
	[R_PEF] = { 76, 81 }, [R_PEF_NA] = { 82, 83 }, [R_MP] = { 85, 89 },
	[R_TOTNF] = { 91, 96 }, [R_TOTF] = { 97, 102 }, [R_PCTC] = { 103, 103 },
	[R_GLOB] = { 104, 106 }, [R_PRE] = { 107, 109 }, [R_INTRA] = { 110, 112 },
	[R_POST] = { 113, 115 }, [R_MULT] = { 116, 116 }, [R_BILAT] = { 117, 117 },
	[R_ASST] = { 118, 118 }, [R_COSURG] = { 119, 119 }, [R_TEAM] = { 120, 120 },
	[R_ENDO] = { 128, 132 }, [R_CF] = { 133, 140 }, [R_SUPER] = { 142, 143 },
	[R_CALC] = { 144, 144 }, [R_IMG] = { 146, 147 },
};

/* CSV column (0-based) of each field; 2 = DESCRIPTION is skipped */
static const int csvcol[R_N] = {
	[R_CODE] = 0, [R_MOD] = 1, [R_STATUS] = 3, [R_NOTUSED] = 4, [R_WORK] = 5, [R_PENF] = 6,
	[R_PENF_NA] = 7, [R_PEF] = 8, [R_PEF_NA] = 9, [R_MP] = 10, [R_TOTNF] = 11, [R_TOTF] = 12,
	[R_PCTC] = 13, [R_GLOB] = 14, [R_PRE] = 15, [R_INTRA] = 16, [R_POST] = 17, [R_MULT] = 18,
	[R_BILAT] = 19, [R_ASST] = 20, [R_COSURG] = 21, [R_TEAM] = 22, [R_ENDO] = 23, [R_CF] = 24,
	[R_SUPER] = 25, [R_CALC] = 26, [R_IMG] = 27,
};

struct rvu {
	sqlite3_stmt *s;
	int header_seen;
	int pric;                  /* 1: CY2026 layout, PRIC IND column before ENDO BASE */
	char rel[64], eff[11];
};

static int
alnum_up(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
bind_real(sqlite3_stmt *s, int i, const char *v)
{
	double d;

	if (*v == '\0') {
		sqlite3_bind_null(s, i);
		return 0;
	}
	if (imp_number(v, &d) < 0)
		return -1;
	sqlite3_bind_double(s, i, d);
	return 0;
}

static int
bind_ind(sqlite3_stmt *s, int i, const char *v)
{
	if (*v == '\0') {
		sqlite3_bind_null(s, i);
		return 0;
	}
	if (strlen(v) != 1 || !isdigit((unsigned char)v[0]))
		return -1;
	sqlite3_bind_int(s, i, v[0] - '0');
	return 0;
}

static void
bind_txt(sqlite3_stmt *s, int i, const char *v)
{
	if (*v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* One row from the field values (trimmed). 0 ok/rejected, -1 fatal. */
static int
rvu_row(struct imp *im, struct rvu *r, char v[R_N][16])
{
	static const char *const globs[] = { "000", "010", "090", "MMM", "XXX", "YYY", "ZZZ" };
	sqlite3_stmt *s = r->s;
	size_t i;
	int ok = 0;

	im->f->read++;
	im->rows_all++;
	if (!alnum_up(v[R_CODE], 5)) {
		imp_reject(im, "bad HCPCS/CPT code");
		return 0;
	}
	if (v[R_MOD][0] && !alnum_up(v[R_MOD], 2)) {
		imp_reject(im, "bad modifier");
		return 0;
	}
	if (strlen(v[R_STATUS]) != 1 || strchr("ABCDEFGHIJMNPRTX", v[R_STATUS][0]) == NULL) {
		imp_reject(im, "unknown status code '%s'", v[R_STATUS]);
		return 0;
	}
	for (i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
		if (strcmp(v[R_GLOB], globs[i]) == 0)
			ok = 1;
	if (!ok) {
		imp_reject(im, "unknown global days '%s'", v[R_GLOB]);
		return 0;
	}
	sqlite3_bind_text(s, 1, v[R_CODE], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, v[R_MOD], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, v[R_STATUS], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, v[R_NOTUSED], -1, SQLITE_TRANSIENT);
	if (bind_real(s, 5, v[R_WORK]) < 0 || bind_real(s, 6, v[R_PENF]) < 0 ||
	    bind_real(s, 8, v[R_PEF]) < 0 || bind_real(s, 10, v[R_MP]) < 0 ||
	    bind_real(s, 11, v[R_TOTNF]) < 0 || bind_real(s, 12, v[R_TOTF]) < 0 ||
	    bind_real(s, 15, v[R_PRE]) < 0 || bind_real(s, 16, v[R_INTRA]) < 0 ||
	    bind_real(s, 17, v[R_POST]) < 0 || bind_real(s, 24, v[R_CF]) < 0) {
		imp_reject(im, "bad number in an RVU column");
		return 0;
	}
	if ((v[R_PENF_NA][0] && strcmp(v[R_PENF_NA], "NA") != 0) ||
	    (v[R_PEF_NA][0] && strcmp(v[R_PEF_NA], "NA") != 0)) {
		imp_reject(im, "NA indicator must be 'NA' or blank");
		return 0;
	}
	sqlite3_bind_int(s, 7, v[R_PENF_NA][0] != '\0');
	sqlite3_bind_int(s, 9, v[R_PEF_NA][0] != '\0');
	if (bind_ind(s, 13, v[R_PCTC]) < 0 || bind_ind(s, 18, v[R_MULT]) < 0 ||
	    bind_ind(s, 19, v[R_BILAT]) < 0 || bind_ind(s, 20, v[R_ASST]) < 0 ||
	    bind_ind(s, 21, v[R_COSURG]) < 0 || bind_ind(s, 22, v[R_TEAM]) < 0) {
		imp_reject(im, "bad indicator (want one digit)");
		return 0;
	}
	sqlite3_bind_text(s, 14, v[R_GLOB], -1, SQLITE_TRANSIENT);
	bind_txt(s, 23, v[R_ENDO]);
	bind_txt(s, 25, v[R_SUPER]);
	bind_txt(s, 26, v[R_CALC]);
	bind_txt(s, 27, v[R_IMG]);
	bind_txt(s, 28, r->rel);
	bind_txt(s, 29, r->eff);
	if (imp_step(im, s) < 0)
		return -1;
	im->f->loaded++;
	im->rows[DS_RVU]++;
	return 0;
}

static int
rvu_csv_rec(struct imp *im, void *ctx, char **fld, size_t *len, int nf)
{
	struct rvu *r = ctx;
	char v[R_N][16];
	int i, spill;

	if (!r->header_seen) {
		if (nf >= 3 && strcmp(fld[0], "HCPCS") == 0 && strcmp(fld[1], "MOD") == 0) {
			r->header_seen = 1;
			/* CY2026 adds a pricing indicator ("PRIC IND") after TEAM SURG: 32 columns */
			r->pric = nf >= 32 && strcmp(fld[23], "IND") == 0;
		}
		else if (nf > 0 && len[0] == 5 && alnum_up(fld[0], 5))
			return imp_refuse(im, "not a PPRRVU CSV (data before the 'HCPCS,MOD,DESCRIPTION'"
			    " header line)");
		return 0;
	}
	if (nf == 1 && len[0] == 0)
		return 0;
	if (nf < 28 + r->pric) {
		im->f->read++;
		im->rows_all++;
		imp_reject(im, "%d columns, want 31", nf);
		return 0;
	}
	/* an unquoted comma in DESCRIPTION (two RVU26C rows) spills it over more fields: the
	 * columns after it are counted from the end of the spill */
	spill = nf > 31 + r->pric ? nf - 31 - r->pric : 0;
	for (i = 0; i < R_N; i++) {
		int col = csvcol[i] > 2 ? csvcol[i] + spill + (csvcol[i] >= 23 ? r->pric : 0) :
		    csvcol[i];
		const char *p = fld[col];
		size_t a = 0, b = len[col];

		while (a < b && p[a] == ' ')
			a++;
		while (b > a && p[b - 1] == ' ')
			b--;
		if (b - a >= sizeof(v[i]))
			b = a + sizeof(v[i]) - 1;
		memcpy(v[i], p + a, b - a);
		v[i][b - a] = '\0';
	}
	return rvu_row(im, r, v);
}

int
imp_parse_rvu(struct imp *im, struct imp_file *f)
{
	struct rvu r;
	struct imp_lines it;
	const char *l;
	size_t n;
	int rc = -1, y, m, i, is_txt;
	char tmp[16];
	static const char *const mname[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
	    "Sep", "Oct", "Nov", "Dec" };

	memset(&r, 0, sizeof(r));
	if (imp_month_of(f->base, &y, &m) == 0) {
		if (m)
			snprintf(r.rel, sizeof(r.rel), "%d %s (RVU%02d%c)", y, mname[m - 1], y % 100,
			    'A' + (m - 1) / 3);
		else
			snprintf(r.rel, sizeof(r.rel), "%d", y);
		snprintf(tmp, sizeof(tmp), "%04d-%02d-01", y % 10000, m ? m : 1);
		memcpy(r.eff, tmp, 11);
	}
	if (im->o->release)
		snprintf(r.rel, sizeof(r.rel), "%s", im->o->release);
	if (im->o->effective)
		snprintf(r.eff, sizeof(r.eff), "%s", im->o->effective);
	is_txt = f->size >= 3 && memcmp(f->data, "HDR", 3) == 0;
	if (!is_txt && (f->size < 1 || memchr(f->data, ',', f->size < 4096 ? f->size : 4096) == NULL))
		return imp_refuse(im, "not a PPRRVU file (TXT starts with 'HDR' lines, CSV has a"
		    " 'HCPCS,MOD,DESCRIPTION,…' header)");
	imp_dataset(im, DS_RVU, r.rel, r.eff, NULL);
	r.s = imp_prepare(im, "INSERT INTO rvu(code, mod, status, not_used, work, pe_nf, pe_nf_na,"
	    " pe_f, pe_f_na, mp, total_nf, total_f, pctc, glob, pre_op, intra_op, post_op, mult_proc,"
	    " bilat, asst, cosurg, team, endo_base, conv_factor, supervision, calc_flag, img_family,"
	    " release, effective, end_date) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
	    "?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,NULL)");
	if (r.s == NULL)
		return -1;
	if (!is_txt) {
		rc = imp_csv(im, f, ',', rvu_csv_rec, &r);
		if (rc == 0 && !r.header_seen)
			rc = imp_refuse(im, "not a PPRRVU CSV (no 'HCPCS,MOD,DESCRIPTION' header)");
		goto out;
	}
	imp_lines_init(&it, f);
	while (imp_lines_next(&it, &l, &n)) {
		char v[R_N][16];

		im->line = it.line;
		if (n >= 3 && memcmp(l, "HDR", 3) == 0)
			continue;
		if (n == 0)
			continue;
		if (n < 147) {
			im->f->read++;
			im->rows_all++;
			if (!it.last_had_nl) {
				imp_refuse(im, "truncated: the last record has %zu of 171 columns", n);
				goto out;
			}
			imp_reject(im, "short record: %zu columns", n);
			continue;
		}
		for (i = 0; i < R_N; i++)
			imp_field(l, n, (size_t)txtpos[i][0], (size_t)txtpos[i][1], v[i], sizeof(v[i]));
		if (rvu_row(im, &r, v) < 0)
			goto out;
		if ((f->read & 0xfff) == 0)
			imp_progress(im, (size_t)(it.p - f->data));
	}
	imp_progress(im, f->size);
	rc = 0;
out:
	sqlite3_finalize(r.s);
	return rc;
}
