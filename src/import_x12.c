/* import_x12 — X12 code lists for remittance advice: claim adjustment reason codes (CARC)
 * and remittance advice remark codes (RARC), as TSV with the header "code<TAB>status<TAB>
 * text" (status current | tobe | deactivated, kept as given: a deactivated code is still
 * explained, with its status). The texts are X12's: the operator's copy is imported, the
 * project ships none. Release: --release, else "X12 list". */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "import_priv.h"

struct x12 {
	sqlite3_stmt *s;
	int header_seen;
	int rarc;
	enum ds_id ds;
};

static int
x12_rec(struct imp *im, void *ctx, char **fld, size_t *len, int nf)
{
	struct x12 *x = ctx;
	size_t i, n;

	if (!x->header_seen) {
		if (nf >= 3 && strcmp(fld[0], "code") == 0 && strcmp(fld[1], "status") == 0) {
			x->header_seen = 1;
			return 0;
		}
		return imp_refuse(im, "not an X12 code list (want the header 'code<TAB>status<TAB>text')");
	}
	if (nf == 1 && len[0] == 0)
		return 0;
	im->f->read++;
	im->rows_all++;
	if (nf < 3) {
		imp_reject(im, "%d columns, want 3", nf);
		return 0;
	}
	n = len[0];
	if (n < 1 || n > 5) {
		imp_reject(im, "bad code '%s'", fld[0]);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)fld[0][i]) && !isupper((unsigned char)fld[0][i])) {
			imp_reject(im, "bad code '%s'", fld[0]);
			return 0;
		}
	if (x->rarc ? !(fld[0][0] == 'M' || fld[0][0] == 'N') : (fld[0][0] == 'M' || fld[0][0] == 'N')) {
		imp_reject(im, "'%s' is not a %s code", fld[0], x->rarc ? "RARC" : "CARC");
		return 0;
	}
	if (strcmp(fld[1], "current") != 0 && strcmp(fld[1], "tobe") != 0 &&
	    strcmp(fld[1], "deactivated") != 0) {
		imp_reject(im, "unknown status '%s' (current, tobe, deactivated)", fld[1]);
		return 0;
	}
	if (len[2] == 0) {
		imp_reject(im, "no text");
		return 0;
	}
	sqlite3_bind_text(x->s, 1, fld[0], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(x->s, 2, x->rarc ? "rarc" : "carc", -1, SQLITE_STATIC);
	sqlite3_bind_text(x->s, 3, fld[1], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(x->s, 4, fld[2], -1, SQLITE_TRANSIENT);
	if (imp_step(im, x->s) < 0)
		return -1;
	im->f->loaded++;
	im->rows[x->ds]++;
	return 0;
}

static int
parse_x12(struct imp *im, struct imp_file *f, int rarc)
{
	struct x12 x;
	char vint[96];
	const char *rel = im->o->release ? im->o->release : "X12 list";
	int rc;

	memset(&x, 0, sizeof(x));
	x.rarc = rarc;
	x.ds = rarc ? DS_RARC : DS_CARC;
	snprintf(vint, sizeof(vint), "%s %s", rarc ? "RARC" : "CARC", rel);
	imp_dataset(im, x.ds, rel, im->o->effective ? im->o->effective : "", vint);
	x.s = imp_prepare(im, "INSERT INTO denial(code, kind, status, text) VALUES(?1,?2,?3,?4)");
	if (x.s == NULL)
		return -1;
	rc = imp_csv(im, f, '\t', x12_rec, &x);
	imp_progress(im, f->size);
	sqlite3_finalize(x.s);
	return rc;
}

int
imp_parse_carc(struct imp *im, struct imp_file *f)
{
	return parse_x12(im, f, 0);
}

int
imp_parse_rarc(struct imp *im, struct imp_file *f)
{
	return parse_x12(im, f, 1);
}
