/* answer_guide — see answer_guide.h. The texts are knowledge/modifiers.tsv,
 * modifier_confusions.tsv and cpt_modifiers.tsv, imported into the reference DB (kn_modifier,
 * kn_mod_confusion, kn_cpt_modifier; knmod.h); this is only their process-wide cache. */
#include "answer_guide.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "codedb.h"
#include "log.h"
#include "util.h"

/* One table's rows: n * ncols strings (owned; NULL for an SQL NULL). */
struct tab {
	char  **s;
	size_t  n;
};

enum { T_GUIDE, T_CONF, T_NOTE, T_N };

static const struct {
	const char *table, *sql;
	size_t ncols;
} tabdefs[T_N] = {
	[T_GUIDE] = { "kn_modifier", "SELECT mod, meaning, goes_on, when_, topic FROM kn_modifier"
	    " ORDER BY mod", 5 },
	[T_CONF] = { "kn_mod_confusion", "SELECT mod, with_, why FROM kn_mod_confusion ORDER BY"
	    " ord, mod, with_", 3 },
	[T_NOTE] = { "kn_cpt_modifier", "SELECT mod, meaning FROM kn_cpt_modifier ORDER BY mod", 2 },
};

static struct tab tabs[T_N];
static struct guide_mod *mods;          /* views into tabs[T_GUIDE] */
static struct guide_confusion *confs;   /* views into tabs[T_CONF] */
static unsigned long cache_gen;   /* codedb_current's counter when the cache was filled */
static int cache_set;             /* 0: never filled */

static void
cache_clear(void)
{
	size_t t, i;

	for (t = 0; t < T_N; t++) {
		for (i = 0; i < tabs[t].n * tabdefs[t].ncols; i++)
			free(tabs[t].s[i]);
		free(tabs[t].s);
		tabs[t].s = NULL;
		tabs[t].n = 0;
	}
	free(mods);
	free(confs);
	mods = NULL;
	confs = NULL;
}

/* Reads table t into tabs[t]: 0 ok (a DB without the table: no rows), -1 out of memory, -2 a
 * DB error (h's message). Rows whose mod is not 2 characters are skipped. */
static int
load_tab(sqlite3 *h, int t)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0, nc = tabdefs[t].ncols, c;
	int step, present;

	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
	    " name = ?1", -1, &s, NULL) != SQLITE_OK)
		return -2;
	sqlite3_bind_text(s, 1, tabdefs[t].table, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return -2;
	}
	present = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (!present)                           /* a DB older than the file */
		return 0;
	if (sqlite3_prepare_v2(h, tabdefs[t].sql, -1, &s, NULL) != SQLITE_OK)
		return -2;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(s, 0);
		char **row;

		if (m == NULL || strlen((const char *)m) != 2)
			continue;
		if (tabs[t].n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **ns = realloc(tabs[t].s, ncap * nc * sizeof(*ns));

			if (ns == NULL)
				goto oom;
			tabs[t].s = ns;
			cap = ncap;
		}
		row = tabs[t].s + tabs[t].n * nc;
		memset(row, 0, nc * sizeof(*row));
		tabs[t].n++;
		for (c = 0; c < nc; c++) {
			const unsigned char *v = sqlite3_column_text(s, (int)c);

			if (v == NULL && sqlite3_column_type(s, (int)c) == SQLITE_NULL)
				continue;
			if (v == NULL || (row[c] = strdup((const char *)v)) == NULL)
				goto oom;
		}
		/* the texts are required (knmod.h): a NULL there is a damaged table */
		for (c = 0; c < nc; c++)
			if (row[c] == NULL && !(t == T_GUIDE && c == 4))
				goto oom;
	}
	sqlite3_finalize(s);
	return step == SQLITE_DONE ? 0 : -2;
oom:
	sqlite3_finalize(s);
	return -1;
}

int
guide_load(struct codedb *db)
{
	sqlite3 *h = codedb_handle(db);
	size_t i;
	int t, rc = 0;

	cache_clear();
	cache_set = 1;
	codedb_current(&cache_gen);
	if (h == NULL)
		return 0;
	for (t = 0; t < T_N && rc == 0; t++)
		rc = load_tab(h, t);
	if (rc == 0) {
		mods = calloc(tabs[T_GUIDE].n + 1, sizeof(*mods));
		confs = calloc(tabs[T_CONF].n + 1, sizeof(*confs));
		if (mods == NULL || confs == NULL)
			rc = -1;
	}
	if (rc == -1)
		log_err("modifier guide: out of memory");
	else if (rc == -2)
		log_err("reference DB %s: modifier guide: %s", codedb_path(db), sqlite3_errmsg(h));
	if (rc < 0) {
		cache_clear();
		return -1;
	}
	for (i = 0; i < tabs[T_GUIDE].n; i++) {
		char **r = tabs[T_GUIDE].s + i * 5;

		mods[i].mod = r[0];
		mods[i].meaning = r[1];
		mods[i].sits_on = r[2];
		mods[i].when = r[3];
		mods[i].topic = r[4];
	}
	for (i = 0; i < tabs[T_CONF].n; i++) {
		char **r = tabs[T_CONF].s + i * 3;

		confs[i].mod = r[0];
		confs[i].with = r[1];
		confs[i].why = r[2];
	}
	return (int)tabs[T_GUIDE].n;
}

/* Refills the cache when the reference DB was opened, reopened or closed since. */
static void
refresh(void)
{
	unsigned long gen;
	struct codedb *db = codedb_current(&gen);

	if (!cache_set || gen != cache_gen)
		guide_load(db);
}

const struct guide_mod *
guide_modifier(const char *mod)
{
	size_t i;

	if (mod == NULL)
		return NULL;
	refresh();
	for (i = 0; i < tabs[T_GUIDE].n; i++)
		if (util_strcaseeq(mods[i].mod, mod))
			return &mods[i];
	return NULL;
}

const struct guide_confusion *
guide_confusion(const char *mod, size_t k)
{
	size_t i;

	if (mod == NULL)
		return NULL;
	refresh();
	for (i = 0; i < tabs[T_CONF].n; i++)
		if (util_strcaseeq(confs[i].mod, mod) && k-- == 0)
			return &confs[i];
	return NULL;
}

const char *
guide_cpt_note(const char *mod)
{
	size_t i;

	if (mod == NULL)
		return NULL;
	refresh();
	for (i = 0; i < tabs[T_NOTE].n; i++)
		if (util_strcaseeq(tabs[T_NOTE].s[i * 2], mod))
			return tabs[T_NOTE].s[i * 2 + 1];
	return NULL;
}

int
guide_count(void)
{
	refresh();
	return (int)tabs[T_GUIDE].n;
}

int
guide_count_confusions(void)
{
	refresh();
	return (int)tabs[T_CONF].n;
}

int
guide_count_notes(void)
{
	refresh();
	return (int)tabs[T_NOTE].n;
}
