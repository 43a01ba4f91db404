/* answer_guide — see answer_guide.h. The texts are knowledge/modifiers.tsv, imported into the
 * reference DB (kn_modifier, knmod.h); this is only their process-wide cache. */
#include "answer_guide.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "codedb.h"
#include "log.h"
#include "util.h"

struct entry {
	struct guide_mod g;       /* points into the strings below */
	char  mod[3];
	char *meaning, *sits_on, *when, *topic;
};

static struct entry *cache;
static size_t ncache;
static unsigned long cache_gen;   /* codedb_current's counter when the cache was filled */
static int cache_set;             /* 0: never filled */

static void
cache_clear(void)
{
	size_t i;

	for (i = 0; i < ncache; i++) {
		free(cache[i].meaning);
		free(cache[i].sits_on);
		free(cache[i].when);
		free(cache[i].topic);
	}
	free(cache);
	cache = NULL;
	ncache = 0;
}

static char *
col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

int
guide_load(struct codedb *db)
{
	sqlite3 *h = codedb_handle(db);
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int step, rc = -1;

	cache_clear();
	cache_set = 1;
	codedb_current(&cache_gen);
	if (h == NULL)
		return 0;
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
	    " name = 'kn_modifier'", -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
		goto sqlerr;
	if (sqlite3_column_int(s, 0) == 0) {     /* a DB older than the modifier guide */
		sqlite3_finalize(s);
		return 0;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(h, "SELECT mod, meaning, goes_on, when_, topic FROM kn_modifier"
	    " ORDER BY mod", -1, &s, NULL) != SQLITE_OK)
		goto sqlerr;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(s, 0);
		struct entry *e;

		if (m == NULL || strlen((const char *)m) != 2)
			continue;
		if (ncache == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct entry *ne = realloc(cache, nc * sizeof(*ne));

			if (ne == NULL)
				goto oom;
			cache = ne;
			cap = nc;
		}
		e = &cache[ncache];
		memset(e, 0, sizeof(*e));
		memcpy(e->mod, m, 3);
		e->meaning = col(s, 1);
		e->sits_on = col(s, 2);
		e->when = col(s, 3);
		e->topic = col(s, 4);
		ncache++;
		if (!e->meaning || !e->sits_on || !e->when || (!e->topic &&
		    sqlite3_column_type(s, 4) != SQLITE_NULL))
			goto oom;
	}
	if (step != SQLITE_DONE)
		goto sqlerr;
	sqlite3_finalize(s);
	/* the pointers last: realloc may have moved the entries */
	for (size_t i = 0; i < ncache; i++) {
		cache[i].g.mod = cache[i].mod;
		cache[i].g.meaning = cache[i].meaning;
		cache[i].g.sits_on = cache[i].sits_on;
		cache[i].g.when = cache[i].when;
		cache[i].g.topic = cache[i].topic;
	}
	return (int)ncache;
oom:
	log_err("modifier guide: out of memory");
	goto fail;
sqlerr:
	log_err("reference DB %s: modifier guide: %s", codedb_path(db), sqlite3_errmsg(h));
fail:
	sqlite3_finalize(s);
	cache_clear();
	return rc;
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
	for (i = 0; i < ncache; i++)
		if (util_strcaseeq(cache[i].mod, mod))
			return &cache[i].g;
	return NULL;
}

int
guide_count(void)
{
	refresh();
	return (int)ncache;
}
