/* knmod — see knmod.h. */
#include "knmod.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codedb.h"
#include "limits.h"
#include "util.h"

void
knmod_free(struct knmod_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(rows[i].meaning);
		free(rows[i].goes_on);
		free(rows[i].when);
		free(rows[i].topic);
	}
	free(rows);
}

static void
row_clear(struct knmod_row *r)
{
	free(r->meaning);
	free(r->goes_on);
	free(r->when);
	free(r->topic);
	memset(r, 0, sizeof(*r));
}

static int
mod_ok(const char *p, size_t n)
{
	size_t i;

	if (n != 2)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
			return 0;
	return 1;
}

static int
topic_ok(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
			return 0;
	return n < 64;
}

/* One data line (without its newline) into r; errors counted and reported. */
static int
parse_row(const char *file, long ln, const char *p, size_t len, struct knmod_row *r,
    struct buf *err)
{
	const char *f[5];
	size_t fl[5], nf = 0, i;
	const char *s = p, *end = p + len;
	int nerr = 0;
	static const char *const names[5] = { "mod", "meaning", "goes_on", "when", "topic" };

	for (;;) {
		const char *t = memchr(s, '\t', (size_t)(end - s));
		const char *e = t ? t : end;

		if (nf < 5) {
			f[nf] = s;
			fl[nf] = (size_t)(e - s);
		}
		nf++;
		if (t == NULL)
			break;
		s = t + 1;
	}
	if (nf != 5) {
		if (err)
			buf_printf(err, "%s:%ld: %zu column%s, a row has 5 (mod, meaning, goes_on, when,"
			    " topic; separated by tabs)\n", file, ln, nf, nf == 1 ? "" : "s");
		return 1;
	}
	if (!mod_ok(f[0], fl[0])) {
		if (err)
			buf_printf(err, "%s:%ld: mod '%.*s' is not 2 upper-case letters or digits\n", file,
			    ln, (int)(fl[0] > 20 ? 20 : fl[0]), f[0]);
		nerr++;
	}
	for (i = 1; i < 4; i++) {
		if (fl[i] == 0) {
			if (err)
				buf_printf(err, "%s:%ld: empty %s\n", file, ln, names[i]);
			nerr++;
		} else if (fl[i] > KNMOD_FIELD) {
			if (err)
				buf_printf(err, "%s:%ld: %s longer than %u bytes\n", file, ln, names[i],
				    KNMOD_FIELD);
			nerr++;
		}
	}
	if (!topic_ok(f[4], fl[4])) {
		if (err)
			buf_printf(err, "%s:%ld: topic '%.*s' is not a topic id (a-z, 0-9, '-')\n", file,
			    ln, (int)(fl[4] > 64 ? 64 : fl[4]), f[4]);
		nerr++;
	}
	if (nerr)
		return nerr;
	memcpy(r->mod, f[0], 2);
	r->mod[2] = '\0';
	r->meaning = strndup(f[1], fl[1]);
	r->goes_on = strndup(f[2], fl[2]);
	r->when = strndup(f[3], fl[3]);
	r->topic = strndup(f[4], fl[4]);
	r->line = ln;
	if (!r->meaning || !r->goes_on || !r->when || !r->topic) {
		if (err)
			buf_printf(err, "%s:%ld: out of memory\n", file, ln);
		return 1;
	}
	return 0;
}

int
knmod_parse(const char *file, const char *data, size_t len, struct knmod_row **rows, size_t *n,
    struct buf *err)
{
	struct knmod_row *out = NULL;
	size_t cnt = 0, pos = 0, i;
	long ln = 0;
	int nerr = 0, header = 0, pe;

	*rows = NULL;
	*n = 0;
	while (pos < len) {
		const char *p = data + pos, *nl = memchr(p, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - p) : len - pos;

		pos += l + (nl ? 1 : 0);
		ln++;
		if (l && p[l - 1] == '\r')
			l--;
		if (l == 0 || p[0] == '#')
			continue;
		if (memchr(p, '\0', l)) {
			if (err)
				buf_printf(err, "%s:%ld: NUL byte\n", file, ln);
			nerr++;
			continue;
		}
		if (!header) {
			header = 1;
			if (l != strlen(KNMOD_HEADER) || memcmp(p, KNMOD_HEADER, l) != 0) {
				if (err)
					buf_printf(err, "%s:%ld: the first line must be the header"
					    " 'mod<TAB>meaning<TAB>goes_on<TAB>when<TAB>topic'\n", file, ln);
				nerr++;
			}
			continue;
		}
		if (cnt == KNMOD_MAX) {
			if (err)
				buf_printf(err, "%s:%ld: more than %u rows\n", file, ln, KNMOD_MAX);
			nerr++;
			break;
		}
		if (out == NULL && (out = calloc(KNMOD_MAX, sizeof(*out))) == NULL) {
			if (err)
				buf_printf(err, "%s:%ld: out of memory\n", file, ln);
			return nerr + 1;
		}
		if ((pe = parse_row(file, ln, p, l, &out[cnt], err)) != 0) {
			nerr += pe;
			row_clear(&out[cnt]);
			continue;
		}
		for (i = 0; i < cnt; i++)
			if (strcmp(out[i].mod, out[cnt].mod) == 0)
				break;
		if (i < cnt) {
			if (err)
				buf_printf(err, "%s:%ld: duplicate mod '%s' (first at line %ld)\n", file, ln,
				    out[cnt].mod, out[i].line);
			nerr++;
			row_clear(&out[cnt]);
			continue;
		}
		cnt++;
	}
	if (!header) {
		if (err)
			buf_printf(err, "%s:1: empty (no header line)\n", file);
		nerr++;
	}
	if (nerr) {
		knmod_free(out, cnt);
		return nerr;
	}
	*rows = out;
	*n = cnt;
	return 0;
}

/* ---- reference DB ----------------------------------------------------------------------- */

int
knmod_create_schema(void *h, struct buf *err)
{
	return codedb_exec(h, "CREATE TABLE IF NOT EXISTS kn_modifier(mod TEXT PRIMARY KEY,"
	    " meaning TEXT NOT NULL, goes_on TEXT NOT NULL, when_ TEXT NOT NULL, topic TEXT,"
	    " origin INTEGER NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL);", err);
}

int
knmod_insert(void *vh, const struct knmod_row *rows, size_t n, const char *file, int origin,
    struct buf *err)
{
	sqlite3 *h = vh;
	sqlite3_stmt *q = NULL, *ins = NULL;
	size_t i;
	int done = 0, rc = -1;

	if (sqlite3_prepare_v2(h, "SELECT origin, file, line FROM kn_modifier WHERE mod = ?1", -1,
	    &q, NULL) != SQLITE_OK || sqlite3_prepare_v2(h, "INSERT OR REPLACE INTO kn_modifier"
	    "(mod, meaning, goes_on, when_, topic, origin, file, line) VALUES (?1, ?2, ?3, ?4,"
	    " nullif(?5, ''), ?6, ?7, ?8)", -1, &ins, NULL) != SQLITE_OK)
		goto sqlerr;
	for (i = 0; i < n; i++) {
		const struct knmod_row *r = &rows[i];
		int step;

		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, r->mod, -1, SQLITE_STATIC);
		step = sqlite3_step(q);
		if (step == SQLITE_ROW) {
			int old = sqlite3_column_int(q, 0);

			if (old == origin) {
				buf_printf(err, "%s:%ld: duplicate mod '%s' (first in %s:%lld)", file,
				    r->line, r->mod, (const char *)sqlite3_column_text(q, 1),
				    (long long)sqlite3_column_int64(q, 2));
				goto out;
			}
			if (old > origin)
				continue;       /* the office's row is in: ours does not replace it */
		} else if (step != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, r->mod, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, r->meaning, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, r->goes_on, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, r->when, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, r->topic, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 6, origin);
		sqlite3_bind_text(ins, 7, file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 8, r->line);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sqlerr;
		done++;
	}
	rc = done;
	goto out;
sqlerr:
	buf_printf(err, "%s: kn_modifier: %s", file, sqlite3_errmsg(h));
out:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	return rc;
}

int
knmod_check_topics(void *vh, struct buf *err)
{
	sqlite3 *h = vh;
	sqlite3_stmt *s = NULL;
	int n = 0, step;

	if (sqlite3_prepare_v2(h, "SELECT file, line, topic, mod FROM kn_modifier WHERE topic IS NOT"
	    " NULL AND topic NOT IN (SELECT id FROM kn_topic) ORDER BY file, line", -1, &s, NULL) !=
	    SQLITE_OK) {
		buf_printf(err, "kn_modifier: %s", sqlite3_errmsg(h));
		return -1;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		buf_printf(err, "%s%s:%lld: mod %s: topic '%s' is not an imported topic", n ? "\n" : "",
		    (const char *)sqlite3_column_text(s, 0), (long long)sqlite3_column_int64(s, 1),
		    (const char *)sqlite3_column_text(s, 3), (const char *)sqlite3_column_text(s, 2));
		n++;
	}
	if (step != SQLITE_DONE) {
		buf_printf(err, "kn_modifier: %s", sqlite3_errmsg(h));
		n = -1;
	}
	sqlite3_finalize(s);
	return n;
}

/* ---- lint ------------------------------------------------------------------------------- */

int
knmod_lint(char *const *dirs, int ndirs, const char *const *ids, size_t nids, struct buf *err)
{
	int nerr = 0, di;

	for (di = 0; di < ndirs; di++) {
		char path[PATH_MAX];
		struct stat st;
		struct buf data;
		struct knmod_row *rows = NULL;
		size_t n = 0, i, j;
		int pe;

		if (util_fmt(path, sizeof(path), "%s/%s", dirs[di], KNMOD_FILE) < 0 ||
		    stat(path, &st) < 0)
			continue;
		buf_init(&data, LIM_TOPIC_FILE + 1);
		if (util_read_file(path, LIM_TOPIC_FILE + 1, &data) < 0) {
			buf_printf(err, "%s:1: cannot read (or larger than %u bytes)\n", path,
			    LIM_TOPIC_FILE);
			nerr++;
			buf_free(&data);
			continue;
		}
		pe = knmod_parse(path, data.data ? data.data : "", data.len, &rows, &n, err);
		nerr += pe;
		for (i = 0; ids && i < n; i++) {
			if (rows[i].topic[0] == '\0')
				continue;
			for (j = 0; j < nids; j++)
				if (strcmp(ids[j], rows[i].topic) == 0)
					break;
			if (j == nids) {
				buf_printf(err, "%s:%ld: mod %s: topic '%s' is not a topic\n", path,
				    rows[i].line, rows[i].mod, rows[i].topic);
				nerr++;
			}
		}
		knmod_free(rows, n);
		buf_free(&data);
	}
	return nerr;
}
