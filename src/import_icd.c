/* import_icd — ICD-10-CM from CDC/CMS:
 *   the order file (icd10cm-order-YYYY.txt): cols 1-5 order number, 7-13 code (no dot),
 *   15 valid flag (1 billable, 0 header), 17-76 short title, 78- long title;
 *   the plain codes file (icd10cm-codes-YYYY.txt): code (no dot), blanks, long title;
 *   every code in it is billable;
 *   the codes-only list (icd10cm_codes_YYYY.txt with one code a line, no title): billable
 *   codes of that release, titles come from another loaded release (or are "not loaded").
 * Several releases are kept side by side (an FY2021 order file and an FY2026 code list). 
 * The format is told from the first line. Release from the name: FY = the year, or the
 * next year for an October release; "order-Jan-2021" is the January 2021 update of FY2021. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"
#include "util.h"

static int
icd_code_ok(const char *c)
{
	size_t n = strlen(c), i;

	/* the second character is a digit, or a letter in FY2026's "QA0" chapter (QA00101) */
	if (n < 3 || n > 7 || !isupper((unsigned char)c[0]) ||
	    !(isdigit((unsigned char)c[1]) || isupper((unsigned char)c[1])))
		return 0;
	for (i = 2; i < n; i++)
		if (!isdigit((unsigned char)c[i]) && !isupper((unsigned char)c[i]))
			return 0;
	return 1;
}

static int
looks_order(const char *l, size_t n)
{
	size_t i;

	if (n < 17)
		return 0;
	for (i = 0; i < 5; i++)
		if (!isdigit((unsigned char)l[i]))
			return 0;
	return l[5] == ' ' && l[13] == ' ' && (l[14] == '0' || l[14] == '1') && l[15] == ' ';
}

int
imp_parse_icd10cm(struct imp *im, struct imp_file *f)
{
	struct imp_lines it;
	const char *l;
	size_t n;
	sqlite3_stmt *s = NULL;
	int rc = -1, fmt = -1, y, m;
	char rel[64] = "", eff[11] = "", code[16], shortt[80], tmp[16];
	struct buf longt;
	long long ord = 0;

	buf_init(&longt, 4096);
	if (imp_month_of(f->base, &y, &m) == 0) {
		int fy = m >= 10 ? y + 1 : y;

		snprintf(rel, sizeof(rel), "FY%d", fy);
		snprintf(tmp, sizeof(tmp), "%04d-%02d-01", (m && m < 10 ? y : fy - 1) % 10000,
		    m ? m : 10);
		memcpy(eff, tmp, 11);
	}
	if (im->o->release)
		snprintf(rel, sizeof(rel), "%s", im->o->release);
	if (im->o->effective)
		snprintf(eff, sizeof(eff), "%s", im->o->effective);
	imp_lines_init(&it, f);
	while (imp_lines_next(&it, &l, &n)) {
		im->line = it.line;
		if (n == 0)
			continue;
		if (fmt < 0) {
			if (looks_order(l, n))
				fmt = 1;
			else {
				size_t k = 0;

				while (k < n && k < 8 && l[k] != ' ')
					k++;
				size_t letters = 0, q;

				snprintf(code, sizeof(code), "%.*s", (int)k, l);
				for (q = k; q < n; q++)
					letters += isalpha((unsigned char)l[q]) != 0;
				size_t rest = k;

				while (rest < n && (l[rest] == ' ' || l[rest] == '\t'))
					rest++;
				if (icd_code_ok(code) && rest == n)
					fmt = 3;                /* codes only, no titles */
				else if (!icd_code_ok(code) || k >= n || letters < 2)
					return imp_refuse(im, "not an ICD-10-CM order or codes file (want"
					    " 'NNNNN CODE    F short… long…', 'CODE    title' or 'CODE')");
				else
					fmt = 2;
			}
			imp_dataset(im, DS_ICD10, rel, eff, NULL);
			s = imp_prepare(im, "INSERT INTO icd10(code, ord, billable, short_title, long_title,"
			    " release) VALUES(?1,?2,?3,?4,?5,?6)");
			if (s == NULL)
				goto out;
		}
		f->read++;
		im->rows_all++;
		if ((f->read & 0x3fff) == 0)
			imp_progress(im, (size_t)(it.p - f->data));
		buf_reset(&longt);
		if (fmt == 1) {
			long o;
			char ords[8], flag[4];

			if (n < 17 || !looks_order(l, n)) {
				if (!it.last_had_nl)
					{ imp_refuse(im, "truncated: incomplete last record"); goto out; }
				imp_reject(im, "not an order-file record");
				continue;
			}
			imp_field(l, n, 1, 5, ords, sizeof(ords));
			imp_field(l, n, 7, 13, code, sizeof(code));
			imp_field(l, n, 15, 15, flag, sizeof(flag));
			imp_field(l, n, 17, 76, shortt, sizeof(shortt));
			if (n > 77) {
				char lt[400];

				imp_field(l, n, 78, n, lt, sizeof(lt));
				buf_addstr(&longt, lt);
			}
			if (!icd_code_ok(code) || util_parse_long(ords, 0, 99999, &o) < 0) {
				imp_reject(im, "bad ICD-10-CM code '%s'", code);
				continue;
			}
			if (shortt[0] == '\0') {
				if (!it.last_had_nl)
					{ imp_refuse(im, "truncated: incomplete last record"); goto out; }
				imp_reject(im, "missing title");
				continue;
			}
			sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, ++ord);
			sqlite3_bind_int(s, 3, flag[0] == '1');
			sqlite3_bind_text(s, 4, shortt, -1, SQLITE_STATIC);
			if (longt.len)
				sqlite3_bind_text(s, 5, buf_cstr(&longt), -1, SQLITE_STATIC);
			else
				sqlite3_bind_text(s, 5, shortt, -1, SQLITE_STATIC);
		} else if (fmt == 3) {
			size_t k = 0;

			while (k < n && l[k] != ' ' && l[k] != '\t')
				k++;
			snprintf(code, sizeof(code), "%.*s", (int)(k < 15 ? k : 15), l);
			while (k < n && (l[k] == ' ' || l[k] == '\t'))
				k++;
			if (!icd_code_ok(code) || k < n) {
				if (!it.last_had_nl && icd_code_ok(code))
					{ imp_refuse(im, "truncated: incomplete last record"); goto out; }
				imp_reject(im, "want one ICD-10-CM code a line");
				continue;
			}
			sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, ++ord);
			sqlite3_bind_int(s, 3, 1);
			sqlite3_bind_null(s, 4);
			sqlite3_bind_null(s, 5);
		} else {
			size_t k = 0, t;
			char lt[400];

			while (k < n && l[k] != ' ')
				k++;
			snprintf(code, sizeof(code), "%.*s", (int)(k < 15 ? k : 15), l);
			t = k;
			while (t < n && l[t] == ' ')
				t++;
			if (!icd_code_ok(code) || t >= n) {
				if (!it.last_had_nl)
					{ imp_refuse(im, "truncated: incomplete last record"); goto out; }
				imp_reject(im, "want 'CODE title'");
				continue;
			}
			imp_field(l, n, t + 1, n, lt, sizeof(lt));
			sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, ++ord);
			sqlite3_bind_int(s, 3, 1);
			sqlite3_bind_null(s, 4);
			sqlite3_bind_text(s, 5, lt, -1, SQLITE_TRANSIENT);
		}
		sqlite3_bind_text(s, 6, im->release[DS_ICD10], -1, SQLITE_STATIC);
		if (imp_step(im, s) < 0)
			goto out;
		f->loaded++;
		im->rows[DS_ICD10]++;
	}
	if (fmt < 0) {
		imp_refuse(im, "empty file");
		goto out;
	}
	imp_progress(im, f->size);
	rc = 0;
out:
	sqlite3_finalize(s);
	buf_free(&longt);
	return rc;
}
