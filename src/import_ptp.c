/* import_ptp — NCCI procedure-to-procedure edit files (ccipra-vNNNrN-fN.TXT practitioner,
 * ccioph-… hospital outpatient). Six header lines, then 7 tab-separated fields per line:
 * column 1, column 2, '*' if in existence prior to 1996, effective YYYYMMDD, deletion
 * YYYYMMDD or '*', modifier indicator 0/1/9, rationale text. CRLF or LF.
 *
 * This is the big one (about 1.7 million rows): the line is validated in place, codes are
 * bound straight from the mapped file (no copies), dates as integers, the rationale and the
 * file name as ids into ptp_text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"
#include "log.h"
#include "util.h"

long long
imp_ptp_text(struct imp *im, int setting, const char *kind, const char *text, const char *release)
{
	sqlite3_stmt *s = NULL;
	long long id = -1;

	s = imp_prepare(im, "SELECT id FROM ptp_text WHERE setting = ?1 AND kind = ?2 AND text = ?3");
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, setting);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (id >= 0)
		return id;
	s = imp_prepare(im, "INSERT INTO ptp_text(setting, kind, text, release) VALUES(?1,?2,?3,?4)");
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, setting);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
	if (release && *release)
		sqlite3_bind_text(s, 4, release, -1, SQLITE_STATIC);
	if (imp_step(im, s) == 0)
		id = sqlite3_last_insert_rowid(im->h);
	sqlite3_finalize(s);
	return id;
}

static inline int
code_ok(const char *p, size_t n)
{
	size_t i;

	if (n != 5)
		return 0;
	for (i = 0; i < 5; i++)
		if (!(isdigit((unsigned char)p[i]) || isupper((unsigned char)p[i])))
			return 0;
	return 1;
}

/* YYYYMMDD -> integer, validated; -1 if bad. */
static inline long
date_ok(const char *p, size_t n)
{
	long y, m, d;
	size_t i;

	if (n != 8)
		return -1;
	for (i = 0; i < 8; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	m = (p[4] - '0') * 10 + (p[5] - '0');
	d = (p[6] - '0') * 10 + (p[7] - '0');
	if (y < 1980 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	return y * 10000 + m * 100 + d;
}

/* Release from a CMS file name: "ccipra-v322r0-f1.TXT" -> v32.2, 2026 Q3, 2026-07-01. */
static void
ptp_release(const char *base, char *rel, size_t rlen, char eff[11])
{
	const char *p = base;

	rel[0] = '\0';
	eff[0] = '\0';
	while ((p = strchr(p, 'v')) != NULL) {
		if (isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		    isdigit((unsigned char)p[3]) && (p[4] == 'r' || p[4] == 'R')) {
			int major = (p[1] - '0') * 10 + (p[2] - '0'), minor = p[3] - '0';
			int year = 1994 + major, q = minor + 1;

			if (q >= 1 && q <= 4) {
				char tmp[32];

				snprintf(rel, rlen, "%d Q%d v%d.%d", year, q, major, minor);
				snprintf(tmp, sizeof(tmp), "%04d-%02d-01", year % 10000, (q - 1) * 3 + 1);
				memcpy(eff, tmp, 11);
				eff[10] = '\0';
			} else {
				snprintf(rel, rlen, "v%d.%d", major, minor);
			}
			return;
		}
		p++;
	}
}

static int
setting_of(struct imp *im, const char *base)
{
	const char *s = im->o->setting;
	char low[256];
	size_t i;

	if (s && *s) {
		if (strcmp(s, "practitioner") == 0)
			return 1;
		if (strcmp(s, "hospital") == 0)
			return 2;
		return -1;
	}
	for (i = 0; base[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)base[i]);
	low[i] = '\0';
	if (strstr(low, "oph") || strstr(low, "hosp") || strstr(low, "outpatient"))
		return 2;
	if (!strstr(low, "pra") && !strstr(low, "prac"))
		log_warn("%s: cannot tell practitioner from hospital by the name; assuming"
		    " practitioner (use --setting)", base);
	return 1;
}

struct rat {
	const char *p;
	size_t n;
	long long id;
};

int
imp_parse_ptp(struct imp *im, struct imp_file *f)
{
	struct imp_lines it;
	const char *l, *fld[8];
	size_t n, fl[8];
	sqlite3_stmt *ins = NULL;
	struct rat rats[64];
	int nrats = 0, setting, rc = -1, k;
	long long fileid;
	char rel[64], eff[11], text[512];
	long e, d;

	ptp_release(f->base, rel, sizeof(rel), eff);
	if (im->o->release)
		snprintf(rel, sizeof(rel), "%s", im->o->release);
	if (im->o->effective)
		snprintf(eff, sizeof(eff), "%s", im->o->effective);
	imp_lines_init(&it, f);
	/* the six header lines */
	for (k = 0; k < 6; k++) {
		if (!imp_lines_next(&it, &l, &n))
			return imp_refuse(im, "truncated: fewer than the six header lines of an NCCI PTP"
			    " file");
		im->line = it.line;
		if (k == 0 && !util_strcasestr((snprintf(text, sizeof(text), "%.*s",
		    (int)(n < 500 ? n : 500), l), text), "copyright"))
			return imp_refuse(im, "not an NCCI PTP file (line 1 should be the AMA copyright"
			    " notice)");
		if (k == 2 && (n < 17 || memcmp(l, "Column 1\tColumn 2", 17) != 0))
			return imp_refuse(im, "not an NCCI PTP file (line 3 should start with"
			    " 'Column 1<TAB>Column 2')");
	}
	setting = setting_of(im, f->base);
	if (setting < 0)
		return imp_refuse(im, "--setting must be practitioner or hospital for ncci-ptp");
	imp_dataset(im, setting == 1 ? DS_PTP_PRAC : DS_PTP_HOSP, rel, eff, NULL);
	fileid = imp_ptp_text(im, setting, "file", f->base, rel);
	if (fileid < 0)
		return -1;
	ins = imp_prepare(im, "INSERT INTO ptp(setting, col1, col2, pre1996, eff, del, modind,"
	    " rationale, file) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");
	if (ins == NULL)
		return -1;
	sqlite3_bind_int(ins, 1, setting);
	sqlite3_bind_int64(ins, 9, fileid);
	while (imp_lines_next(&it, &l, &n)) {
		const char *p = l, *end = l + n, *tab;
		long long ratid = -1;
		int nf = 0, r;

		im->line = it.line;
		if (n == 0)
			continue;
		f->read++;
		im->rows_all++;
		if ((f->read & 0x3fff) == 0)
			imp_progress(im, (size_t)(it.p - f->data));
		while (nf < 7) {
			tab = nf < 6 ? memchr(p, '\t', (size_t)(end - p)) : NULL;
			fld[nf] = p;
			if (tab == NULL) {
				fl[nf++] = (size_t)(end - p);
				break;
			}
			fl[nf++] = (size_t)(tab - p);
			p = tab + 1;
		}
		if (nf != 7) {
			if (!it.last_had_nl) {
				imp_refuse(im, "truncated: the last line has %d of 7 fields", nf);
				goto out;
			}
			imp_reject(im, "%d fields, want 7 tab-separated", nf);
			continue;
		}
		if (!code_ok(fld[0], fl[0]) || !code_ok(fld[1], fl[1])) {
			imp_reject(im, "bad code in column 1 or 2");
			continue;
		}
		if (!(fl[2] == 0 || (fl[2] == 1 && fld[2][0] == '*'))) {
			imp_reject(im, "field 3 must be '*' or empty");
			continue;
		}
		if ((e = date_ok(fld[3], fl[3])) < 0) {
			imp_reject(im, "bad effective date");
			continue;
		}
		d = 0;
		if (!(fl[4] == 1 && fld[4][0] == '*') && ((d = date_ok(fld[4], fl[4])) < 0 || d < e)) {
			imp_reject(im, "bad deletion date (YYYYMMDD on or after the effective date, or '*')");
			continue;
		}
		if (fl[5] != 1 || (fld[5][0] != '0' && fld[5][0] != '1' && fld[5][0] != '9')) {
			imp_reject(im, "modifier indicator must be 0, 1 or 9");
			continue;
		}
		while (fl[6] > 0 && (fld[6][fl[6] - 1] == ' ' || fld[6][fl[6] - 1] == '\t'))
			fl[6]--;
		if (fl[6] == 0 || fl[6] >= sizeof(text)) {
			imp_reject(im, "missing or overlong rationale");
			continue;
		}
		for (r = 0; r < nrats; r++)
			if (rats[r].n == fl[6] && memcmp(rats[r].p, fld[6], fl[6]) == 0) {
				ratid = rats[r].id;
				break;
			}
		if (ratid < 0) {
			struct buf u;

			buf_init(&u, 4096);
			if (imp_cp1252(fld[6], fl[6], &u) < 0) {
				buf_free(&u);
				imp_reject(im, "bad rationale text");
				continue;
			}
			ratid = imp_ptp_text(im, setting, "rationale", buf_cstr(&u), NULL);
			buf_free(&u);
			if (ratid < 0)
				goto out;
			if (nrats < (int)(sizeof(rats) / sizeof(rats[0]))) {
				rats[nrats].p = fld[6];
				rats[nrats].n = fl[6];
				rats[nrats].id = ratid;
				nrats++;
			}
		}
		sqlite3_bind_text(ins, 2, fld[0], 5, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, fld[1], 5, SQLITE_STATIC);
		sqlite3_bind_int(ins, 4, fl[2] == 1);
		sqlite3_bind_int64(ins, 5, e);
		if (d)
			sqlite3_bind_int64(ins, 6, d);
		else
			sqlite3_bind_null(ins, 6);
		sqlite3_bind_int(ins, 7, fld[5][0] - '0');
		sqlite3_bind_int64(ins, 8, ratid);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			sqlite3_reset(ins);
			imp_refuse(im, "line %ld: sqlite: %s", it.line, sqlite3_errmsg(im->h));
			goto out;
		}
		sqlite3_reset(ins);
		f->loaded++;
		im->rows[setting == 1 ? DS_PTP_PRAC : DS_PTP_HOSP]++;
	}
	imp_progress(im, f->size);
	rc = 0;
out:
	sqlite3_finalize(ins);
	return rc;
}
