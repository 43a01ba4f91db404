/* import_gem — CMS ICD-10-CM/ICD-9-CM diagnosis GEMs, fixed width, 19 columns, no header:
 *   yyyy_I10gem.txt (ICD-10 -> ICD-9):  1-7 ICD-10-CM, 9-13 ICD-9-CM, 15-19 flags
 *   yyyy_I9gem.txt  (ICD-9 -> ICD-10):  1-5 ICD-9-CM, 7-13 ICD-10-CM, 15-19 flags
 * flags = approximate, no map, combination, scenario, choice list. The direction is taken
 * from the name (I10gem / I9gem), else from the layout of the first line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"
#include "util.h"

static int
flags_ok(const char *l)
{
	int i;

	for (i = 14; i < 19; i++)
		if (!isdigit((unsigned char)l[i]))
			return 0;
	return (l[14] == '0' || l[14] == '1') && (l[15] == '0' || l[15] == '1') &&
	    (l[16] == '0' || l[16] == '1');
}

int
imp_parse_gem(struct imp *im, struct imp_file *f)
{
	struct imp_lines it;
	const char *l;
	size_t n;
	sqlite3_stmt *s = NULL;
	int backward = -1, rc = -1, y, m;
	char a[12], b[12], flags[8], rel[64] = "", eff[11] = "", tmp[16];

	if (util_strcasestr(f->base, "I10gem"))
		backward = 1;
	else if (util_strcasestr(f->base, "I9gem"))
		backward = 0;
	if (imp_month_of(f->base, &y, &m) == 0) {
		snprintf(rel, sizeof(rel), "FY%d", y);
		snprintf(tmp, sizeof(tmp), "%04d-10-01", (y - 1) % 10000);
		memcpy(eff, tmp, 11);
	}
	if (im->o->release)
		snprintf(rel, sizeof(rel), "%s", im->o->release);
	imp_lines_init(&it, f);
	while (imp_lines_next(&it, &l, &n)) {
		im->line = it.line;
		if (n == 0)
			continue;
		if (s == NULL) {
			if (n != 19 || !flags_ok(l))
				return imp_refuse(im, "not a GEM file (want 19-column lines: code, code,"
				    " 5 flag digits)");
			if (backward < 0)
				backward = l[5] == ' ' && l[6] != ' ' ? 0 : 1;
			imp_dataset(im, DS_GEM, rel, eff, NULL);
			s = imp_prepare(im, "INSERT INTO gem(icd10, icd9, flags, backward)"
			    " VALUES(?1,?2,?3,?4)");
			if (s == NULL)
				return -1;
		}
		f->read++;
		im->rows_all++;
		if ((f->read & 0x3fff) == 0)
			imp_progress(im, (size_t)(it.p - f->data));
		if (n != 19 || !flags_ok(l)) {
			if (!it.last_had_nl)
				{ imp_refuse(im, "truncated: incomplete last line"); goto out; }
			imp_reject(im, "want 19 columns ending in 5 flag digits");
			continue;
		}
		if (backward) {
			imp_field(l, n, 1, 7, a, sizeof(a));
			imp_field(l, n, 9, 13, b, sizeof(b));
		} else {
			imp_field(l, n, 1, 5, b, sizeof(b));
			imp_field(l, n, 7, 13, a, sizeof(a));
		}
		imp_field(l, n, 15, 19, flags, sizeof(flags));
		if (a[0] == '\0' || b[0] == '\0') {
			imp_reject(im, "missing code");
			continue;
		}
		sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, flags, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 4, backward);
		if (imp_step(im, s) < 0)
			goto out;
		f->loaded++;
		im->rows[DS_GEM]++;
	}
	if (s == NULL) {
		imp_refuse(im, "empty file");
		goto out;
	}
	imp_progress(im, f->size);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}
