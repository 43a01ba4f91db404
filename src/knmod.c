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

/* ---- the files ------------------------------------------------------------------------ */

enum ctype { C_MOD, C_TEXT, C_TOPIC, C_WITH, C_WHY };

struct kind {
	const char *file, *table;
	const char *header;
	size_t ncols;
	const char *const *names;       /* the column names (as in the header) */
	const enum ctype *types;
	size_t nkey;                    /* the first nkey columns are the row's key */
};

static const char *const guide_names[5] = { "mod", "meaning", "goes_on", "when", "topic" };
static const enum ctype guide_types[5] = { C_MOD, C_TEXT, C_TEXT, C_TEXT, C_TOPIC };
static const char *const conf_names[3] = { "mod", "with", "why" };
static const enum ctype conf_types[3] = { C_MOD, C_WITH, C_WHY };
static const char *const note_names[2] = { "mod", "meaning" };
static const enum ctype note_types[2] = { C_MOD, C_TEXT };

enum { K_GUIDE, K_CONF, K_NOTE, K_N };

static const struct kind kinds[K_N] = {
	[K_GUIDE] = { KNMOD_FILE, "kn_modifier", KNMOD_HEADER, 5, guide_names, guide_types, 1 },
	[K_CONF] = { KNMOD_CONF_FILE, "kn_mod_confusion", KNMOD_CONF_HEADER, 3, conf_names, conf_types, 2 },
	[K_NOTE] = { KNMOD_NOTE_FILE, "kn_cpt_modifier", KNMOD_NOTE_HEADER, 2, note_names, note_types, 1 },
};

#define MAXCOLS 5

const char *
knmod_file(int i)
{
	return i >= 0 && i < K_N ? kinds[i].file : NULL;
}

const char *
knmod_table(int i)
{
	return i >= 0 && i < K_N ? kinds[i].table : NULL;
}

int
knmod_file_index(const char *base)
{
	int i;

	for (i = 0; base && i < K_N; i++)
		if (strcmp(base, kinds[i].file) == 0)
			return i;
	return -1;
}

/* A parsed line: the columns, each owned (strndup). */
struct raw {
	char *f[MAXCOLS];
	long  line;
};

static void
raw_clear(struct raw *r)
{
	size_t i;

	for (i = 0; i < MAXCOLS; i++)
		free(r->f[i]);
	memset(r, 0, sizeof(*r));
}

static void
raw_free(struct raw *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		raw_clear(&rows[i]);
	free(rows);
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

/* "GZ", "RT/LT", "XE/XS/XP/XU": modifiers separated by '/' */
static int
with_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > KNMOD_WITH || (n + 1) % 3 != 0)
		return 0;
	for (i = 0; i < n; i += 3)
		if (!mod_ok(p + i, 2) || (i + 2 < n && p[i + 2] != '/'))
			return 0;
	return 1;
}

/* 1 when the with w (valid) names the modifier mod */
static int
with_names(const char *w, const char *mod)
{
	size_t i, n = strlen(w);

	for (i = 0; i + 1 < n; i += 3)
		if (w[i] == mod[0] && w[i + 1] == mod[1])
			return 1;
	return 0;
}

/* One data line (without its newline) into r; returns the number of errors (reported). */
static int
parse_row(const struct kind *k, const char *file, long ln, const char *p, size_t len,
    struct raw *r, struct buf *err)
{
	const char *f[MAXCOLS];
	size_t fl[MAXCOLS], nf = 0, i;
	const char *s = p, *end = p + len;
	int nerr = 0;

	for (;;) {
		const char *t = memchr(s, '\t', (size_t)(end - s));
		const char *e = t ? t : end;

		if (nf < MAXCOLS) {
			f[nf] = s;
			fl[nf] = (size_t)(e - s);
		}
		nf++;
		if (t == NULL)
			break;
		s = t + 1;
	}
	if (nf != k->ncols) {
		if (err) {
			buf_printf(err, "%s:%ld: %zu column%s, a row has %zu (", file, ln, nf,
			    nf == 1 ? "" : "s", k->ncols);
			for (i = 0; i < k->ncols; i++)
				buf_printf(err, "%s%s", i ? ", " : "", k->names[i]);
			buf_printf(err, "; separated by tabs)\n");
		}
		return 1;
	}
	for (i = 0; i < k->ncols; i++) {
		const char *what = NULL;
		int shown = 20;

		switch (k->types[i]) {
		case C_MOD:
			if (!mod_ok(f[i], fl[i]))
				what = "is not 2 upper-case letters or digits";
			break;
		case C_TOPIC:
			if (!topic_ok(f[i], fl[i])) {
				what = "is not a topic id (a-z, 0-9, '-')";
				shown = 64;
			}
			break;
		case C_WITH:
			if (!with_ok(f[i], fl[i])) {
				what = "is not modifiers separated by '/' (GZ, RT/LT, XE/XS/XP/XU)";
				shown = 40;
			}
			break;
		case C_TEXT:
		case C_WHY:
			if (fl[i] == 0) {
				if (err)
					buf_printf(err, "%s:%ld: empty %s\n", file, ln, k->names[i]);
				nerr++;
			} else if (fl[i] > KNMOD_FIELD) {
				if (err)
					buf_printf(err, "%s:%ld: %s longer than %u bytes\n", file, ln,
					    k->names[i], KNMOD_FIELD);
				nerr++;
			} else if (k->types[i] == C_WHY && f[i][fl[i] - 1] == '.') {
				if (err)
					buf_printf(err, "%s:%ld: %s ends with '.' (the reply adds the"
					    " period)\n", file, ln, k->names[i]);
				nerr++;
			}
			break;
		}
		if (what) {
			if (err)
				buf_printf(err, "%s:%ld: %s '%.*s' %s\n", file, ln, k->names[i],
				    (int)(fl[i] > (size_t)shown ? (size_t)shown : fl[i]), f[i], what);
			nerr++;
		}
	}
	if (nerr)
		return nerr;
	for (i = 0; i < k->ncols; i++)
		if ((r->f[i] = strndup(f[i], fl[i])) == NULL) {
			if (err)
				buf_printf(err, "%s:%ld: out of memory\n", file, ln);
			return 1;
		}
	r->line = ln;
	if (k->types[1] == C_WITH && with_names(r->f[1], r->f[0])) {
		if (err)
			buf_printf(err, "%s:%ld: with '%s' names the mod itself\n", file, ln, r->f[1]);
		return 1;
	}
	return 0;
}

/* "mod 'GA'" or "mod 'GA' with 'GZ'": the key of a row, for the messages */
static void
key_words(const struct kind *k, char *const *f, struct buf *out)
{
	size_t i;

	for (i = 0; i < k->nkey; i++)
		buf_printf(out, "%s%s '%s'", i ? " " : "", k->names[i], f[i]);
}

/* The lines of one file of kind k into rows (see knmod_parse). */
static int
parse_file(const struct kind *k, const char *file, const char *data, size_t len,
    struct raw **rows, size_t *n, struct buf *err)
{
	struct raw *out = NULL;
	size_t cnt = 0, pos = 0, i, j;
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
			if (l != strlen(k->header) || memcmp(p, k->header, l) != 0) {
				if (err) {
					buf_printf(err, "%s:%ld: the first line must be the header '", file, ln);
					for (i = 0; i < k->ncols; i++)
						buf_printf(err, "%s%s", i ? "<TAB>" : "", k->names[i]);
					buf_printf(err, "'\n");
				}
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
		if ((pe = parse_row(k, file, ln, p, l, &out[cnt], err)) != 0) {
			nerr += pe;
			raw_clear(&out[cnt]);
			continue;
		}
		for (i = 0; i < cnt; i++) {
			for (j = 0; j < k->nkey; j++)
				if (strcmp(out[i].f[j], out[cnt].f[j]) != 0)
					break;
			if (j == k->nkey)
				break;
		}
		if (i < cnt) {
			if (err) {
				buf_printf(err, "%s:%ld: duplicate ", file, ln);
				key_words(k, out[cnt].f, err);
				buf_printf(err, " (first at line %ld)\n", out[i].line);
			}
			nerr++;
			raw_clear(&out[cnt]);
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
		raw_free(out, cnt);
		return nerr;
	}
	*rows = out;
	*n = cnt;
	return 0;
}

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

void
knmod_conf_free(struct knmod_conf *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(rows[i].with);
		free(rows[i].why);
	}
	free(rows);
}

void
knmod_note_free(struct knmod_note *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].meaning);
	free(rows);
}

/* Moves the strings of one parsed line into row i of a typed array (the mod is copied). */
typedef void (*fill_fn)(void *rows, size_t i, struct raw *r);

static void
fill_guide(void *rows, size_t i, struct raw *r)
{
	struct knmod_row *o = (struct knmod_row *)rows + i;

	memcpy(o->mod, r->f[0], 3);
	o->meaning = r->f[1];
	o->goes_on = r->f[2];
	o->when = r->f[3];
	o->topic = r->f[4];
	o->line = r->line;
}

static void
fill_conf(void *rows, size_t i, struct raw *r)
{
	struct knmod_conf *o = (struct knmod_conf *)rows + i;

	memcpy(o->mod, r->f[0], 3);
	o->with = r->f[1];
	o->why = r->f[2];
	o->line = r->line;
}

static void
fill_note(void *rows, size_t i, struct raw *r)
{
	struct knmod_note *o = (struct knmod_note *)rows + i;

	memcpy(o->mod, r->f[0], 3);
	o->meaning = r->f[1];
	o->line = r->line;
}

/* Parses file as kind k into a new array of n typed rows of size sz (caller frees with the
 * kind's free function); the parsed lines' strings move into the rows. */
static int
parse_typed(int k, fill_fn fill, size_t sz, const char *file, const char *data, size_t len,
    void **rows, size_t *n, struct buf *err)
{
	struct raw *raw;
	size_t cnt, i;
	int nerr = parse_file(&kinds[k], file, data, len, &raw, &cnt, err);

	*rows = NULL;
	*n = 0;
	if (nerr)
		return nerr;
	if ((*rows = calloc(cnt ? cnt : 1, sz)) == NULL) {
		raw_free(raw, cnt);
		if (err)
			buf_printf(err, "%s: out of memory\n", file);
		return 1;
	}
	for (i = 0; i < cnt; i++) {
		fill(*rows, i, &raw[i]);
		free(raw[i].f[0]);
	}
	free(raw);
	*n = cnt;
	return 0;
}

int
knmod_parse(const char *file, const char *data, size_t len, struct knmod_row **rows, size_t *n,
    struct buf *err)
{
	void *r;
	int rc = parse_typed(K_GUIDE, fill_guide, sizeof(**rows), file, data, len, &r, n, err);

	*rows = r;
	return rc;
}

int
knmod_parse_conf(const char *file, const char *data, size_t len, struct knmod_conf **rows,
    size_t *n, struct buf *err)
{
	void *r;
	int rc = parse_typed(K_CONF, fill_conf, sizeof(**rows), file, data, len, &r, n, err);

	*rows = r;
	return rc;
}

int
knmod_parse_note(const char *file, const char *data, size_t len, struct knmod_note **rows,
    size_t *n, struct buf *err)
{
	void *r;
	int rc = parse_typed(K_NOTE, fill_note, sizeof(**rows), file, data, len, &r, n, err);

	*rows = r;
	return rc;
}

/* ---- reference DB ----------------------------------------------------------------------- */

int
knmod_create_schema(void *h, struct buf *err)
{
	return codedb_exec(h, "CREATE TABLE IF NOT EXISTS kn_modifier(mod TEXT PRIMARY KEY,"
	    " meaning TEXT NOT NULL, goes_on TEXT NOT NULL, when_ TEXT NOT NULL, topic TEXT,"
	    " origin INTEGER NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL);"
	    "CREATE TABLE IF NOT EXISTS kn_mod_confusion(mod TEXT NOT NULL, with_ TEXT NOT NULL,"
	    " why TEXT NOT NULL, ord INTEGER NOT NULL, origin INTEGER NOT NULL, file TEXT NOT NULL,"
	    " line INTEGER NOT NULL, PRIMARY KEY(mod, with_));"
	    "CREATE TABLE IF NOT EXISTS kn_cpt_modifier(mod TEXT PRIMARY KEY, meaning TEXT NOT NULL,"
	    " origin INTEGER NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL);", err);
}

/* The statements of a kind: the row with the key ?1[, ?2] (origin, file, line, ord); insert
 * or replace (the columns ?1.., then origin, file, line, ord); move a row to another ord. */
static const struct {
	const char *sel, *ins, *ord;
} sqls[K_N] = {
	[K_GUIDE] = { "SELECT origin, file, line, 0 FROM kn_modifier WHERE mod = ?1",
	    "INSERT OR REPLACE INTO kn_modifier(mod, meaning, goes_on, when_, topic, origin, file,"
	    " line) VALUES (?1, ?2, ?3, ?4, nullif(?5, ''), ?6, ?7, ?8)", NULL },
	[K_CONF] = { "SELECT origin, file, line, ord FROM kn_mod_confusion WHERE mod = ?1 AND"
	    " with_ = ?2", "INSERT OR REPLACE INTO kn_mod_confusion(mod, with_, why, origin, file,"
	    " line, ord) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    "UPDATE kn_mod_confusion SET ord = ?3 WHERE mod = ?1 AND with_ = ?2" },
	[K_NOTE] = { "SELECT origin, file, line, 0 FROM kn_cpt_modifier WHERE mod = ?1",
	    "INSERT OR REPLACE INTO kn_cpt_modifier(mod, meaning, origin, file, line) VALUES (?1,"
	    " ?2, ?3, ?4, ?5)", NULL },
};

/* the ord of an office row that replaces none of ours: after all of ours, in its file order */
#define ORD_OFFICE (1LL << 40)

/* Inserts n rows of kind k, row i's columns v[i * ncols ...], its line lines[i]. */
static int
insert_rows(sqlite3 *h, int kind, char *const *v, const long *lines, size_t n, const char *file,
    int origin, struct buf *err)
{
	const struct kind *k = &kinds[kind];
	sqlite3_stmt *q = NULL, *ins = NULL, *upd = NULL;
	size_t i, c;
	int done = 0, rc = -1;

	if (sqlite3_prepare_v2(h, sqls[kind].sel, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, sqls[kind].ins, -1, &ins, NULL) != SQLITE_OK ||
	    (sqls[kind].ord && sqlite3_prepare_v2(h, sqls[kind].ord, -1, &upd, NULL) != SQLITE_OK))
		goto sqlerr;
	for (i = 0; i < n; i++) {
		char *const *f = v + i * k->ncols;
		long long ord = origin ? ORD_OFFICE + lines[i] : lines[i];
		int step, col;

		sqlite3_reset(q);
		for (c = 0; c < k->nkey; c++)
			sqlite3_bind_text(q, (int)c + 1, f[c], -1, SQLITE_STATIC);
		step = sqlite3_step(q);
		if (step == SQLITE_ROW) {
			int old = sqlite3_column_int(q, 0);

			if (old == origin) {
				buf_printf(err, "%s:%ld: duplicate ", file, lines[i]);
				key_words(k, f, err);
				buf_printf(err, " (first in %s:%lld)", (const char *)sqlite3_column_text(q, 1),
				    (long long)sqlite3_column_int64(q, 2));
				goto out;
			}
			if (old > origin) {
				/* the office's row is in: ours does not replace it, but gives it its place */
				if (upd) {
					sqlite3_reset(upd);
					for (c = 0; c < k->nkey; c++)
						sqlite3_bind_text(upd, (int)c + 1, f[c], -1, SQLITE_STATIC);
					sqlite3_bind_int64(upd, 3, ord);
					if (sqlite3_step(upd) != SQLITE_DONE)
						goto sqlerr;
				}
				continue;
			}
			ord = sqlite3_column_int64(q, 3);       /* the office's row takes our place */
		} else if (step != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(ins);
		for (c = 0; c < k->ncols; c++)
			sqlite3_bind_text(ins, (int)c + 1, f[c], -1, SQLITE_STATIC);
		col = (int)k->ncols + 1;
		sqlite3_bind_int(ins, col++, origin);
		sqlite3_bind_text(ins, col++, file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, col++, lines[i]);
		if (upd)
			sqlite3_bind_int64(ins, col, ord);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sqlerr;
		done++;
	}
	rc = done;
	goto out;
sqlerr:
	buf_printf(err, "%s: %s: %s", file, k->table, sqlite3_errmsg(h));
out:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	return rc;
}

/* The typed rows as the flat arrays insert_rows takes (the strings borrowed). */
static int
flat_alloc(size_t n, size_t ncols, char ***v, long **lines, const char *file, struct buf *err)
{
	*v = calloc(n * ncols + 1, sizeof(**v));
	*lines = calloc(n + 1, sizeof(**lines));
	if (*v == NULL || *lines == NULL) {
		free(*v);
		free(*lines);
		buf_printf(err, "%s: out of memory", file);
		return -1;
	}
	return 0;
}

int
knmod_insert(void *h, const struct knmod_row *rows, size_t n, const char *file, int origin,
    struct buf *err)
{
	char **v;
	long *lines;
	size_t i;
	int rc;

	if (flat_alloc(n, 5, &v, &lines, file, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		v[i * 5] = (char *)rows[i].mod;
		v[i * 5 + 1] = rows[i].meaning;
		v[i * 5 + 2] = rows[i].goes_on;
		v[i * 5 + 3] = rows[i].when;
		v[i * 5 + 4] = rows[i].topic;
		lines[i] = rows[i].line;
	}
	rc = insert_rows(h, K_GUIDE, v, lines, n, file, origin, err);
	free(v);
	free(lines);
	return rc;
}

int
knmod_insert_conf(void *h, const struct knmod_conf *rows, size_t n, const char *file,
    int origin, struct buf *err)
{
	char **v;
	long *lines;
	size_t i;
	int rc;

	if (flat_alloc(n, 3, &v, &lines, file, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		v[i * 3] = (char *)rows[i].mod;
		v[i * 3 + 1] = rows[i].with;
		v[i * 3 + 2] = rows[i].why;
		lines[i] = rows[i].line;
	}
	rc = insert_rows(h, K_CONF, v, lines, n, file, origin, err);
	free(v);
	free(lines);
	return rc;
}

int
knmod_insert_note(void *h, const struct knmod_note *rows, size_t n, const char *file,
    int origin, struct buf *err)
{
	char **v;
	long *lines;
	size_t i;
	int rc;

	if (flat_alloc(n, 2, &v, &lines, file, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		v[i * 2] = (char *)rows[i].mod;
		v[i * 2 + 1] = rows[i].meaning;
		lines[i] = rows[i].line;
	}
	rc = insert_rows(h, K_NOTE, v, lines, n, file, origin, err);
	free(v);
	free(lines);
	return rc;
}

int
knmod_import_file(void *h, const char *path, const char *data, size_t len, int origin,
    struct buf *err)
{
	const char *base = strrchr(path, '/');
	struct raw *raw = NULL;
	char **v = NULL;
	long *lines = NULL;
	size_t n = 0, i, c;
	int kind = knmod_file_index(base ? base + 1 : path), rc = -1;

	if (kind < 0) {
		buf_printf(err, "%s: not a modifier data file", path);
		return -1;
	}
	if (parse_file(&kinds[kind], path, data, len, &raw, &n, err) != 0) {
		while (err->len && err->data[err->len - 1] == '\n')
			buf_truncate(err, err->len - 1);
		return -1;
	}
	if (flat_alloc(n, kinds[kind].ncols, &v, &lines, path, err) == 0) {
		for (i = 0; i < n; i++) {
			for (c = 0; c < kinds[kind].ncols; c++)
				v[i * kinds[kind].ncols + c] = raw[i].f[c];
			lines[i] = raw[i].line;
		}
		rc = insert_rows(h, kind, v, lines, n, path, origin, err);
	}
	free(v);
	free(lines);
	raw_free(raw, n);
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
	int nerr = 0, di, kind;

	for (di = 0; di < ndirs; di++)
		for (kind = 0; kind < K_N; kind++) {
			char path[PATH_MAX];
			struct stat st;
			struct buf data;
			struct raw *rows = NULL;
			size_t n = 0, i, j;

			if (util_fmt(path, sizeof(path), "%s/%s", dirs[di], kinds[kind].file) < 0 ||
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
			nerr += parse_file(&kinds[kind], path, data.data ? data.data : "", data.len,
			    &rows, &n, err);
			/* the topic ids of the guide */
			for (i = 0; kind == K_GUIDE && ids && i < n; i++) {
				if (rows[i].f[4][0] == '\0')
					continue;
				for (j = 0; j < nids; j++)
					if (strcmp(ids[j], rows[i].f[4]) == 0)
						break;
				if (j == nids) {
					buf_printf(err, "%s:%ld: mod %s: topic '%s' is not a topic\n", path,
					    rows[i].line, rows[i].f[0], rows[i].f[4]);
					nerr++;
				}
			}
			raw_free(rows, n);
			buf_free(&data);
		}
	return nerr;
}
