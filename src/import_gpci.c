/* import_gpci — CMS PFS Addendum E, "geographic practice cost indices by state and Medicare
 * locality" (GPCIyyyy.csv): title and blank lines, a header line starting "Medicare
 * Administrative Contractor", then rows MAC (5 digits), state, locality number (2 digits),
 * locality name (may end with '*' footnote marks), work GPCI, PE GPCI, MP GPCI; then
 * footnote lines (first field not a MAC number: not data, not counted).
 * Release "CYyyyy" from the file name (or --release), effective yyyy-01-01. Several
 * releases are kept side by side (dataset "gpci"). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "import_priv.h"

struct gp {
	sqlite3_stmt *s;
	int header_seen;
};

static int
digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static void
trim(char *s)
{
	size_t n = strlen(s), a = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[a] == ' ')
		a++;
	if (a)
		memmove(s, s + a, n - a + 1);
}

static int
gpci_rec(struct imp *im, void *ctx, char **fld, size_t *len, int nf)
{
	struct gp *g = ctx;
	double w, pe, mp;
	int i;

	(void)len;
	for (i = 0; i < nf; i++)
		trim(fld[i]);
	if (!g->header_seen) {
		if (nf >= 7 && strncmp(fld[0], "Medicare Administrative Contractor", 34) == 0)
			g->header_seen = 1;
		else if (nf >= 7 && digits(fld[0], 5))
			return imp_refuse(im, "not a GPCI file (data before the 'Medicare Administrative"
			    " Contractor' header)");
		return 0;
	}
	if (nf < 1 || !digits(fld[0], 5))
		return 0;                       /* footnotes and blank lines */
	im->f->read++;
	im->rows_all++;
	if (nf < 7) {
		imp_reject(im, "%d columns, want 7", nf);
		return 0;
	}
	if (strlen(fld[1]) != 2 || !digits(fld[2], 2) || fld[3][0] == '\0') {
		imp_reject(im, "bad state, locality number or name");
		return 0;
	}
	if (imp_number(fld[4], &w) < 0 || imp_number(fld[5], &pe) < 0 ||
	    imp_number(fld[6], &mp) < 0 || w <= 0 || pe <= 0 || mp <= 0 || w > 5 || pe > 5 ||
	    mp > 5) {
		imp_reject(im, "bad GPCI value");
		return 0;
	}
	sqlite3_bind_text(g->s, 1, fld[0], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(g->s, 2, fld[1], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(g->s, 3, fld[2], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(g->s, 4, fld[3], -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(g->s, 5, w);
	sqlite3_bind_double(g->s, 6, pe);
	sqlite3_bind_double(g->s, 7, mp);
	sqlite3_bind_text(g->s, 8, im->release[DS_GPCI], -1, SQLITE_STATIC);
	if (imp_step(im, g->s) < 0)
		return -1;
	im->f->loaded++;
	im->rows[DS_GPCI]++;
	return 0;
}

int
imp_parse_gpci(struct imp *im, struct imp_file *f)
{
	struct gp g;
	char rel[64] = "", eff[16] = "", vint[96];
	int y, m, rc;

	memset(&g, 0, sizeof(g));
	if (imp_month_of(f->base, &y, &m) == 0) {
		snprintf(rel, sizeof(rel), "CY%d", y);
		snprintf(eff, sizeof(eff), "%04d-01-01", y % 10000);
	}
	if (im->o->release)
		snprintf(rel, sizeof(rel), "%s", im->o->release);
	if (im->o->effective)
		snprintf(eff, sizeof(eff), "%s", im->o->effective);
	if (rel[0] == '\0')
		return imp_refuse(im, "no year in the file name: give --release CYyyyy --effective"
		    " yyyy-01-01");
	snprintf(vint, sizeof(vint), "GPCI %s", rel);
	imp_dataset(im, DS_GPCI, rel, eff, vint);
	g.s = imp_prepare(im, "INSERT INTO gpci(mac, state, locality, name, work, pe, mp, release)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
	if (g.s == NULL)
		return -1;
	rc = imp_csv(im, f, ',', gpci_rec, &g);
	if (rc == 0 && !g.header_seen)
		rc = imp_refuse(im, "not a GPCI file (no 'Medicare Administrative Contractor' header)");
	imp_progress(im, f->size);
	sqlite3_finalize(g.s);
	return rc;
}
