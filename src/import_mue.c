/* import_mue — NCCI MUE tables (CSV, Windows-1252): an optional quoted multi-line AMA notice
 * record, a header record whose first field is "HCPCS/\nCPT Code" and whose second names
 * the setting ("Practitioner Services MUE Values", "Outpatient Hospital Services …",
 * "DME Supplier Services …"), then one row per code: code, MUE value, adjudication
 * indicator ("2 Date of Service Edit: Policy"), rationale. Effective date from the file
 * name ("…_Eff_04-01-2026.csv") or --effective. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"
#include "util.h"

struct mue {
	int   header_seen;
	int   setting;            /* enum ds_id of the MUE dataset */
	const char *setname;
	sqlite3_stmt *s;
	char  eff[11];
	char  rel[64];
	struct buf t1, t2;
};

static int
setting_from(const char *text, int *ds, const char **name)
{
	if (util_strcasestr(text, "practitioner")) {
		*ds = DS_MUE_PRAC;
		*name = "practitioner";
	} else if (util_strcasestr(text, "hospital") || util_strcasestr(text, "facility")) {
		*ds = DS_MUE_HOSP;
		*name = "hospital";
	} else if (util_strcasestr(text, "dme")) {
		*ds = DS_MUE_DME;
		*name = "dme";
	} else
		return -1;
	return 0;
}

static int
mue_rec(struct imp *im, void *ctx, char **fld, size_t *len, int nf)
{
	struct mue *m = ctx;
	long v, mai;
	char num[4];
	const char *sp;
	int i;

	if (nf == 1 && len[0] == 0)
		return 0;                       /* blank line */
	if (!m->header_seen) {
		if (util_strcasestr(fld[0], "copyright") || util_strcasestr(fld[0], "CPT) codes"))
			return 0;               /* the AMA notice record */
		if (nf >= 4 && util_strncaseeq(fld[0], "HCPCS", 5) && util_strcasestr(fld[1], "MUE")) {
			const char *name = NULL;
			int ds;

			m->header_seen = 1;
			if (im->o->setting) {
				if (setting_from(im->o->setting, &ds, &name) < 0)
					return imp_refuse(im, "--setting must be practitioner, hospital or dme");
			} else if (setting_from(fld[1], &ds, &name) < 0 &&
			    setting_from(im->f->base, &ds, &name) < 0) {
				return imp_refuse(im, "cannot tell the MUE setting from the header '%s'"
				    " (use --setting)", fld[1]);
			}
			m->setting = ds;
			m->setname = name;
			imp_dataset(im, (enum ds_id)ds, m->rel, m->eff, NULL);
			m->s = imp_prepare(im, "INSERT INTO mue(code, setting, value, mai, mai_text,"
			    " rationale, effective, end_date) VALUES(?1,?2,?3,?4,?5,?6,?7,NULL)");
			return m->s ? 0 : -1;
		}
		return imp_refuse(im, "not an NCCI MUE table (want the header 'HCPCS/CPT Code,"
		    "… MUE Values,MUE Adjudication Indicator,MUE Rationale')");
	}
	im->f->read++;
	im->rows_all++;
	if (nf < 3) {
		imp_reject(im, "%d fields, want 4", nf);
		return 0;
	}
	if (len[0] != 5) {
		imp_reject(im, "bad code");
		return 0;
	}
	for (i = 0; i < 5; i++)
		if (!isdigit((unsigned char)fld[0][i]) && !isupper((unsigned char)fld[0][i]))
			break;
	if (i < 5) {
		imp_reject(im, "bad code");
		return 0;
	}
	if (util_parse_long(fld[1], 0, 100000000, &v) < 0) {
		imp_reject(im, "MUE value is not a whole number");
		return 0;
	}
	snprintf(num, sizeof(num), "%.1s", fld[2]);
	sp = strchr(fld[2], ' ');
	if (util_parse_long(num, 1, 3, &mai) < 0 || (fld[2][1] != ' ' && fld[2][1] != '\0')) {
		imp_reject(im, "adjudication indicator must start with 1, 2 or 3");
		return 0;
	}
	buf_reset(&m->t1);
	buf_reset(&m->t2);
	if ((sp && imp_cp1252(sp + 1, strlen(sp + 1), &m->t1) < 0) ||
	    (nf > 3 && imp_cp1252(fld[3], len[3], &m->t2) < 0)) {
		imp_reject(im, "text too long");
		return 0;
	}
	sqlite3_bind_text(m->s, 1, fld[0], 5, SQLITE_STATIC);
	sqlite3_bind_text(m->s, 2, m->setname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(m->s, 3, v);
	sqlite3_bind_int64(m->s, 4, mai);
	sqlite3_bind_text(m->s, 5, buf_cstr(&m->t1), -1, SQLITE_STATIC);
	if (m->t2.len)
		sqlite3_bind_text(m->s, 6, buf_cstr(&m->t2), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(m->s, 6);
	if (m->eff[0])
		sqlite3_bind_text(m->s, 7, m->eff, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(m->s, 7);
	if (imp_step(im, m->s) < 0)
		return -1;
	im->f->loaded++;
	im->rows[m->setting]++;
	return 0;
}

/* "…Eff_04-01-2026…" -> 2026-04-01 */
static void
mue_date(const char *base, char eff[11])
{
	const char *p;

	eff[0] = '\0';
	for (p = base; *p; p++) {
		if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == '-' &&
		    isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4]) && p[5] == '-' &&
		    isdigit((unsigned char)p[6]) && isdigit((unsigned char)p[7]) &&
		    isdigit((unsigned char)p[8]) && isdigit((unsigned char)p[9])) {
			memcpy(eff, p + 6, 4);
			eff[4] = '-';
			memcpy(eff + 5, p, 2);
			eff[7] = '-';
			memcpy(eff + 8, p + 3, 2);
			eff[10] = '\0';
			return;
		}
	}
}

int
imp_parse_mue(struct imp *im, struct imp_file *f)
{
	struct mue m;
	int rc;

	memset(&m, 0, sizeof(m));
	buf_init(&m.t1, 64 * 1024);
	buf_init(&m.t2, 64 * 1024);
	mue_date(f->base, m.eff);
	if (im->o->effective)
		snprintf(m.eff, sizeof(m.eff), "%s", im->o->effective);
	snprintf(m.rel, sizeof(m.rel), "%s", im->o->release ? im->o->release : m.eff);
	rc = imp_csv(im, f, ',', mue_rec, &m);
	if (rc == 0 && !m.header_seen)
		rc = imp_refuse(im, "not an NCCI MUE table (no header record)");
	sqlite3_finalize(m.s);
	buf_free(&m.t1);
	buf_free(&m.t2);
	return rc;
}
