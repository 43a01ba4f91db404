/* import_cpt — a licensed CPT descriptor file (from the AMA or a licensed distributor):
 * CSV or TSV (tab for *.tsv or when tabs outnumber commas), with the columns given by --columns
 * "code=1,short=2,long=3" (1-based; default exactly that). A first line whose code column
 * is not a code is taken as a header; lines before the first code (notices) are skipped.
 * The text is stored as licensed (replies carry the AMA notice); nothing here is printed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codedb.h"
#include "import_priv.h"
#include "util.h"

struct cpt {
	int  ccode, cshort, clong;    /* 0-based, -1 absent */
	int  started;
	sqlite3_stmt *s;
	char eff[11];
	struct buf t1, t2;
};

static int
parse_columns(const char *spec, struct cpt *c)
{
	const char *p = spec;

	c->ccode = 0;
	c->cshort = 1;
	c->clong = 2;
	if (spec == NULL || *spec == '\0')
		return 0;
	c->ccode = c->cshort = c->clong = -1;
	while (*p) {
		char name[16], num[8];
		size_t nl = strcspn(p, "="), vl;
		long v;

		if (p[nl] != '=' || nl >= sizeof(name))
			return -1;
		memcpy(name, p, nl);
		name[nl] = '\0';
		p += nl + 1;
		vl = strcspn(p, ",");
		if (vl == 0 || vl >= sizeof(num))
			return -1;
		memcpy(num, p, vl);
		num[vl] = '\0';
		p += vl;
		if (*p == ',')
			p++;
		if (util_parse_long(num, 1, IMP_CSV_MAXF, &v) < 0)
			return -1;
		if (strcmp(name, "code") == 0)
			c->ccode = (int)v - 1;
		else if (strcmp(name, "short") == 0)
			c->cshort = (int)v - 1;
		else if (strcmp(name, "long") == 0)
			c->clong = (int)v - 1;
		else
			return -1;
	}
	return c->ccode >= 0 && (c->cshort >= 0 || c->clong >= 0) ? 0 : -1;
}

static int
cpt_rec(struct imp *im, void *ctx, char **fld, size_t *len, int nf)
{
	struct cpt *c = ctx;
	char code[16];
	const char *fam;

	if (nf == 1 && len[0] == 0)
		return 0;
	if (c->ccode >= nf || codedb_norm(fld[c->ccode], code, sizeof(code)) < 0 ||
	    (fam = codedb_family_of(code)) == NULL || strcmp(fam, "hcpcs") == 0) {
		if (!c->started)
			return 0;           /* header or notice before the data */
		im->f->read++;
		im->rows_all++;
		imp_reject(im, "column %d is not a CPT code", c->ccode + 1);
		return 0;
	}
	c->started = 1;
	im->f->read++;
	im->rows_all++;
	buf_reset(&c->t1);
	buf_reset(&c->t2);
	if ((c->cshort >= 0 && c->cshort < nf && imp_cp1252(fld[c->cshort], len[c->cshort], &c->t1) < 0) ||
	    (c->clong >= 0 && c->clong < nf && imp_cp1252(fld[c->clong], len[c->clong], &c->t2) < 0)) {
		imp_reject(im, "descriptor too long");
		return 0;
	}
	if (c->t1.len == 0 && c->t2.len == 0) {
		imp_reject(im, "no descriptor in the mapped columns");
		return 0;
	}
	sqlite3_bind_text(c->s, 1, code, -1, SQLITE_TRANSIENT);
	if (c->t1.len)
		sqlite3_bind_text(c->s, 2, buf_cstr(&c->t1), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(c->s, 2);
	if (c->t2.len)
		sqlite3_bind_text(c->s, 3, buf_cstr(&c->t2), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(c->s, 3);
	if (c->eff[0])
		sqlite3_bind_text(c->s, 4, c->eff, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(c->s, 4);
	if (imp_step(im, c->s) < 0)
		return -1;
	im->f->loaded++;
	im->rows[DS_CPT]++;
	return 0;
}

int
imp_parse_cpt(struct imp *im, struct imp_file *f)
{
	struct cpt c;
	char rel[64] = "", tmp[16];
	int y, m, rc;
	unsigned char delim = ',';

	memset(&c, 0, sizeof(c));
	if (parse_columns(im->o->columns, &c) < 0)
		return imp_refuse(im, "bad --columns '%s' (want e.g. code=1,short=2,long=3)",
		    im->o->columns);
	if (f->size == 0)
		return imp_refuse(im, "empty file");
	{
		/* TSV by the name, else by which separator is commoner in the first 8 KB */
		size_t i, lim = f->size < 8192 ? f->size : 8192, tabs = 0, commas = 0, bl = strlen(f->base);

		for (i = 0; i < lim; i++) {
			tabs += f->data[i] == '\t';
			commas += f->data[i] == ',';
		}
		if ((bl > 4 && util_strcaseeq(f->base + bl - 4, ".tsv")) || tabs > commas)
			delim = '\t';
	}
	if (imp_month_of(f->base, &y, &m) == 0) {
		snprintf(rel, sizeof(rel), "%d", y);
		snprintf(tmp, sizeof(tmp), "%04d-01-01", y % 10000);
		memcpy(c.eff, tmp, 11);
	}
	if (im->o->release)
		snprintf(rel, sizeof(rel), "%s", im->o->release);
	if (im->o->effective)
		snprintf(c.eff, sizeof(c.eff), "%s", im->o->effective);
	buf_init(&c.t1, 64 * 1024);
	buf_init(&c.t2, 64 * 1024);
	imp_dataset(im, DS_CPT, rel, c.eff, NULL);
	c.s = imp_prepare(im, "INSERT INTO cpt(code, short_desc, long_desc, effective, end_date)"
	    " VALUES(?1,?2,?3,?4,NULL)");
	rc = c.s ? imp_csv(im, f, delim, cpt_rec, &c) : -1;
	if (rc == 0 && !c.started)
		rc = imp_refuse(im, "no CPT code found in column %d (check --columns)", c.ccode + 1);
	sqlite3_finalize(c.s);
	buf_free(&c.t1);
	buf_free(&c.t2);
	return rc;
}
