/* import_hcpcs — the HCPCS Level II alpha-numeric file (HCPCyyyy_MMM_ANWEB_*.txt), fixed
 * width 320 (HCPCyyyy_recordlayout.txt). RIC (col 11): 3 first line of a code, 4 its
 * continuation lines (long description goes on, same code, higher sequence number in
 * cols 6-10), 7 first line of a modifier (2 chars in cols 4-5), 8 its continuation.
 * Fields by position; anything after column 320 is ignored (one CMS line is 547 long);
 * all-blank lines are skipped. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"
#include "util.h"

struct hrec {
	int    active;           /* a first line is pending */
	int    is_mod;
	char   key[6];
	long   seq;
	long   line;
	struct buf longd;
	char   shortd[32], cov[2], betos[4], action[2], pricing[9], tos[6], xref[32];
	char   added[11], act_eff[11], term[11];
};

static int
flush(struct imp *im, struct hrec *r, sqlite3_stmt *code_st, sqlite3_stmt *mod_st)
{
	sqlite3_stmt *s = r->is_mod ? mod_st : code_st;
	long save = im->line;

	if (!r->active)
		return 0;
	r->active = 0;
	im->line = r->line;
	sqlite3_bind_text(s, 1, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, buf_cstr(&r->longd), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->shortd, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->action, -1, SQLITE_STATIC);
	if (r->added[0])
		sqlite3_bind_text(s, 5, r->added, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 5);
	if (r->term[0])
		sqlite3_bind_text(s, 6, r->term, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 6);
	if (!r->is_mod) {
		sqlite3_bind_text(s, 7, r->cov, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 8, r->betos, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, r->act_eff, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 10, r->xref, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 11, r->pricing, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 12, r->tos, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 13, im->release[DS_HCPCS], -1, SQLITE_STATIC);
	}
	if (imp_step(im, s) < 0)
		return -1;
	im->line = save;
	im->f->loaded++;
	im->rows[DS_HCPCS]++;
	return 0;
}

static int
all_blank(const char *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] != ' ' && l[i] != '\t')
			return 0;
	return 1;
}

/* Long-description piece of a line, appended with one space between pieces. */
static int
add_long(struct buf *b, const char *l, size_t n)
{
	char piece[96];

	imp_field(l, n, 12, 91, piece, sizeof(piece));
	if (piece[0] == '\0')
		return 0;
	if (b->len && buf_addc(b, ' ') < 0)
		return -1;
	return buf_addstr(b, piece);
}

int
imp_parse_hcpcs(struct imp *im, struct imp_file *f)
{
	struct imp_lines it;
	struct hrec r;
	const char *l;
	size_t n;
	sqlite3_stmt *code_st = NULL, *mod_st = NULL;
	int rc = -1, seen = 0, y, m, i;
	char rel[64] = "", eff[11] = "", seqs[8], key[8], tmp[16];
	static const char *const mname[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
	    "Sep", "Oct", "Nov", "Dec" };

	memset(&r, 0, sizeof(r));
	buf_init(&r.longd, 8192);
	if (imp_month_of(f->base, &y, &m) == 0) {
		if (m)
			snprintf(rel, sizeof(rel), "%d Q%d (%s)", y, (m - 1) / 3 + 1, mname[m - 1]);
		else
			snprintf(rel, sizeof(rel), "%d", y);
		snprintf(tmp, sizeof(tmp), "%04d-%02d-01", y % 10000, m ? m : 1);
		memcpy(eff, tmp, 11);
	}
	if (im->o->release)
		snprintf(rel, sizeof(rel), "%s", im->o->release);
	if (im->o->effective)
		snprintf(eff, sizeof(eff), "%s", im->o->effective);

	imp_lines_init(&it, f);
	while (imp_lines_next(&it, &l, &n)) {
		char ric;
		long seq;

		im->line = it.line;
		if (all_blank(l, n))
			continue;
		if (n > 320)
			n = 320;
		if (!it.last_had_nl && n < 320) {
			imp_refuse(im, "truncated: the last record has %zu of 320 columns", n);
			goto out;
		}
		ric = n >= 11 ? l[10] : '?';
		imp_field(l, n, 6, 10, seqs, sizeof(seqs));
		if (!seen) {
			/* layout check on the first record */
			if (n < 120 || strchr("3478", ric) == NULL || strlen(seqs) != 5 ||
			    util_parse_long(seqs, 0, 99999, &seq) < 0)
				return imp_refuse(im, "not an HCPCS alpha-numeric file (record layout 320:"
				    " sequence number in columns 6-10, record code 3/4/7/8 in column 11)");
			seen = 1;
			imp_dataset(im, DS_HCPCS, rel, eff, NULL);
			code_st = imp_prepare(im, "INSERT INTO hcpcs(code, long_desc, short_desc, action,"
			    " effective, end_date, coverage, betos, action_eff, xref, pricing, tos, release,"
			    " added) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?5)");
			mod_st = imp_prepare(im, "INSERT INTO hcpcs_mod(mod, long_desc, short_desc, action,"
			    " effective, end_date) VALUES(?1,?2,?3,?4,?5,?6)");
			if (code_st == NULL || mod_st == NULL)
				goto out;
		}
		if ((f->read & 0xfff) == 0)
			imp_progress(im, (size_t)(it.p - f->data));
		if (strchr("3478", ric) == NULL || util_parse_long(seqs, 0, 99999, &seq) < 0) {
			f->read++;
			im->rows_all++;
			if (!it.last_had_nl)
				{ imp_refuse(im, "truncated: the last record is incomplete"); goto out; }
			imp_reject(im, "unknown record code '%c' or bad sequence number", ric);
			continue;
		}
		if (ric == '3' || ric == '7') {
			char d1[16], d2[16], d3[16];

			if (flush(im, &r, code_st, mod_st) < 0)
				goto out;
			f->read++;
			im->rows_all++;
			if (n < 293) {
				if (!it.last_had_nl)
					{ imp_refuse(im, "truncated: the last record has %zu of 320 columns", n); goto out; }
				imp_reject(im, "short record: %zu columns, want 320", n);
				continue;
			}
			if (ric == '3')
				imp_field(l, n, 1, 5, key, sizeof(key));
			else
				imp_field(l, n, 4, 5, key, sizeof(key));
			if ((ric == '3' && (strlen(key) != 5 || !isupper((unsigned char)key[0]))) ||
			    (ric == '7' && strlen(key) != 2)) {
				imp_reject(im, "bad %s '%s'", ric == '3' ? "HCPCS code" : "modifier", key);
				continue;
			}
			for (i = 0; key[i]; i++)
				if (!isalnum((unsigned char)key[i]))
					break;
			if (key[i]) {
				imp_reject(im, "bad code characters");
				continue;
			}
			imp_field(l, n, 269, 276, d1, sizeof(d1));
			imp_field(l, n, 277, 284, d2, sizeof(d2));
			imp_field(l, n, 285, 292, d3, sizeof(d3));
			if (imp_date8(d1, r.added) < 0 || imp_date8(d2, r.act_eff) < 0 ||
			    imp_date8(d3, r.term) < 0) {
				imp_reject(im, "bad date in columns 269-292");
				continue;
			}
			r.active = 1;
			r.is_mod = ric == '7';
			memcpy(r.key, key, sizeof(r.key));
			r.seq = seq;
			r.line = it.line;
			buf_reset(&r.longd);
			if (add_long(&r.longd, l, n) < 0) {
				imp_reject(im, "long description too long");
				r.active = 0;
				continue;
			}
			imp_field(l, n, 92, 119, r.shortd, sizeof(r.shortd));
			imp_field(l, n, 230, 230, r.cov, sizeof(r.cov));
			imp_field(l, n, 257, 259, r.betos, sizeof(r.betos));
			imp_field(l, n, 293, 293, r.action, sizeof(r.action));
			imp_field(l, n, 120, 127, r.pricing, sizeof(r.pricing));
			imp_field(l, n, 261, 265, r.tos, sizeof(r.tos));
			r.xref[0] = '\0';
			for (i = 0; i < 5; i++) {
				char x[8];

				imp_field(l, n, (size_t)(205 + 5 * i), (size_t)(209 + 5 * i), x, sizeof(x));
				if (x[0] && strlen(r.xref) + strlen(x) + 2 < sizeof(r.xref)) {
					if (r.xref[0])
						strncat(r.xref, ",", sizeof(r.xref) - strlen(r.xref) - 1);
					strncat(r.xref, x, sizeof(r.xref) - strlen(r.xref) - 1);
				}
			}
			if (r.cov[0] && strchr("CDIMS", r.cov[0]) == NULL) {
				imp_reject(im, "unknown coverage code '%s'", r.cov);
				r.active = 0;
				continue;
			}
		} else {
			/* continuation: same code/modifier as the pending first line */
			if (ric == '4')
				imp_field(l, n, 1, 5, key, sizeof(key));
			else
				imp_field(l, n, 4, 5, key, sizeof(key));
			if (!r.active || strcmp(key, r.key) != 0 || r.is_mod != (ric == '8') ||
			    seq <= r.seq) {
				f->read++;
				im->rows_all++;
				if (!it.last_had_nl)
					{ imp_refuse(im, "truncated: the last record is incomplete"); goto out; }
				imp_reject(im, "continuation line without its first line (%s)", key);
				continue;
			}
			r.seq = seq;
			if (add_long(&r.longd, l, n) < 0) {
				imp_reject(im, "long description too long");
				r.active = 0;
			}
		}
	}
	if (!seen) {
		imp_refuse(im, "empty file");
		goto out;
	}
	if (flush(im, &r, code_st, mod_st) < 0)
		goto out;
	imp_progress(im, f->size);
	rc = 0;
out:
	sqlite3_finalize(code_st);
	sqlite3_finalize(mod_st);
	buf_free(&r.longd);
	return rc;
}
