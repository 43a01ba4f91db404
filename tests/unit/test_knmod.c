/* test_knmod — the modifier guide as data (knowledge/modifiers.tsv): the parser (the shipped
 * file, every refusal with its file:line), the lint (topic ids), the import into a temp
 * reference DB (the office's rows win by mod, a row naming no imported topic refuses the
 * import) and answer_guide's cache (guide_modifier refilled after a reopen; NULL with an old
 * DB that has no kn_modifier table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "answer_guide.h"
#include "buf.h"
#include "codedb.h"
#include "import.h"
#include "knmod.h"
#include "knowledge.h"
#include "util.h"

static char tmpdir[256];
static char dbpath[300];
static char kdir[300];
static char odir[300];

#define HDR "mod\tmeaning\tgoes_on\twhen\ttopic\n"

static void
write_file(const char *dir, const char *sub, const char *name, const char *text)
{
	char path[700];
	FILE *fp;

	if (sub) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	} else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
topic(const char *dir, const char *id)
{
	char text[1024], name[128];

	snprintf(text, sizeof(text), "id: %s\ntitle: Test topic %s\narea: modifiers\nscope: medicare\n"
	    "triggers: test %s\neffective: 2021-01-01\nsource: Test Manual | ch.1 §1 | 2025\n\n"
	    "answer:\nA test answer.\n", id, id, id);
	snprintf(name, sizeof(name), "%s.topic", id);
	write_file(dir, "modifiers", name, text);
}

/* Imports knowledge from kdir (+ odir as the override directory); the error text in err. */
static int
run_import(const char *path, struct buf *err)
{
	struct import_opts o;
	char *dirs[2] = { kdir, odir };

	import_opts_init(&o);
	o.db_path = path;
	o.quiet = 1;
	o.progress = 0;
	o.knowledge_override = odir;
	buf_reset(err);
	return import_run("knowledge", dirs, 2, &o, err);
}

static int
setup_all(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_knmod.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/codes.db", tmpdir);
	snprintf(kdir, sizeof(kdir), "%s/knowledge", tmpdir);
	snprintf(odir, sizeof(odir), "%s/local", tmpdir);
	mkdir(kdir, 0700);
	mkdir(odir, 0700);
	topic(kdir, "mod-25");
	topic(kdir, "ncci-mod-59-xepsu");
	topic(odir, "office-25");
	return 0;
}

static int
teardown_all(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
parse(const char *text, struct knmod_row **rows, size_t *n, struct buf *err)
{
	buf_reset(err);
	return knmod_parse("m.tsv", text, strlen(text), rows, n, err);
}

static void
test_parse_shipped(void **state)
{
	const char *top = getenv("CODEMAILD_TOP");
	char path[1024];
	struct buf data, err;
	struct knmod_row *rows;
	size_t n, i;
	int saw25 = 0, saw51 = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/knowledge/modifiers.tsv", top ? top : ".");
	buf_init(&data, 1 << 20);
	buf_init(&err, 65536);
	assert_int_equal(util_read_file(path, 1 << 20, &data), 0);
	assert_int_equal(knmod_parse(path, data.data, data.len, &rows, &n, &err), 0);
	assert_int_equal(n, 25);
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].mod, "25") == 0) {
			saw25 = 1;
			assert_string_equal(rows[i].goes_on, "the E/M code, never the procedure");
			assert_string_equal(rows[i].topic, "mod-25");
		}
		if (strcmp(rows[i].mod, "51") == 0) {
			saw51 = 1;
			assert_string_equal(rows[i].topic, "");
		}
	}
	assert_true(saw25 && saw51);
	knmod_free(rows, n);
	buf_free(&data);
	buf_free(&err);
}

static void
test_parse_refusals(void **state)
{
	struct knmod_row *rows;
	size_t n;
	struct buf err;

	(void)state;
	buf_init(&err, 65536);
	/* comments, blank lines and CRLF are fine; the topic may be empty */
	assert_int_equal(parse("# c\n\n" HDR "25\tM.\tthe E/M code\twhen\tmod-25\r\nKX\tK.\tline\tw\t\n",
	    &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].when, "when");
	assert_int_equal(rows[0].line, 4);
	assert_string_equal(rows[1].topic, "");
	knmod_free(rows, n);
	/* wrong column count */
	assert_int_equal(parse(HDR "25\tM.\tthe E/M code\twhen\n", &rows, &n, &err), 1);
	assert_null(rows);
	assert_int_equal(n, 0);
	assert_non_null(strstr(buf_cstr(&err), "m.tsv:2: 4 columns"));
	assert_int_equal(parse(HDR "25\tM.\tG\tW\tmod-25\textra\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "m.tsv:2: 6 columns"));
	/* a mod that is not 2 upper-case characters or digits */
	assert_int_equal(parse(HDR "#x\n2a\tM.\tG\tW\t\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "m.tsv:3: mod '2a' is not 2 upper-case"));
	assert_int_equal(parse(HDR "255\tM.\tG\tW\t\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "m.tsv:2: mod '255'"));
	/* empty texts, a topic that cannot be an id */
	assert_int_equal(parse(HDR "25\t\tG\tW\tMod 25\n", &rows, &n, &err), 2);
	assert_non_null(strstr(buf_cstr(&err), "m.tsv:2: empty meaning"));
	assert_non_null(strstr(buf_cstr(&err), "m.tsv:2: topic 'Mod 25' is not a topic id"));
	/* the header, and a mod twice */
	assert_int_equal(parse("25\tM.\tG\tW\t\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "m.tsv:1: the first line must be the header"));
	assert_int_equal(parse("# only a comment\n", &rows, &n, &err), 1);
	assert_int_equal(parse(HDR "25\tM.\tG\tW\t\n25\tN.\tG\tW\t\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "m.tsv:3: duplicate mod '25' (first at line 2)"));
	buf_free(&err);
}

static void
test_lint(void **state)
{
	char d[400];
	char *dirs[1] = { d };
	struct buf err;
	size_t nt;

	(void)state;
	snprintf(d, sizeof(d), "%s/lint", tmpdir);
	mkdir(d, 0700);
	topic(d, "mod-25");
	buf_init(&err, 65536);
	/* no modifiers.tsv: fine */
	assert_int_equal(kn_lint(dirs, 1, &err, &nt, NULL), 0);
	write_file(d, NULL, KNMOD_FILE, HDR "25\tM.\tG\tW\tmod-25\n59\tD.\tG\tW\tno-such-topic\n");
	assert_int_equal(kn_lint(dirs, 1, &err, &nt, NULL), 1);
	assert_non_null(strstr(buf_cstr(&err), "lint/modifiers.tsv:3: mod 59: topic 'no-such-topic'"
	    " is not a topic"));
	/* an override directory alone, with only a modifiers.tsv naming our topics: the ids are
	 * not checked (check-config), the rows are */
	snprintf(d, sizeof(d), "%s/lint-alone", tmpdir);
	mkdir(d, 0700);
	write_file(d, NULL, KNMOD_FILE, HDR "25\tOffice.\tG\tW\tmod-25\n");
	buf_reset(&err);
	assert_int_equal(kn_lint_opts(dirs, 1, 0, &err, &nt, NULL), 0);
	assert_int_equal(nt, 0);
	assert_int_equal(kn_lint(dirs, 1, &err, &nt, NULL), 1);
	write_file(d, NULL, KNMOD_FILE, HDR "25\tOffice.\tG\n");
	buf_reset(&err);
	assert_int_equal(kn_lint_opts(dirs, 1, 0, &err, &nt, NULL), 1);
	assert_non_null(strstr(buf_cstr(&err), "lint-alone/modifiers.tsv:2: 3 columns"));
	buf_free(&err);
}

static void
test_import_and_guide(void **state)
{
	struct buf err;
	struct codedb *db;
	const struct guide_mod *g;

	(void)state;
	buf_init(&err, 65536);
	write_file(kdir, NULL, KNMOD_FILE, "# ours\n" HDR
	    "25\tOur 25.\tthe E/M code\tour when\tmod-25\n"
	    "59\tOur 59.\tthe column 2 code\tour 59 when\tncci-mod-59-xepsu\n"
	    "KX\tOur KX.\tthe line\tKX when\t\n");
	write_file(odir, NULL, KNMOD_FILE, HDR "25\tThe office's 25.\tthe visit\toffice when\toffice-25\n");
	assert_int_equal(run_import(dbpath, &err), EX_OK);
	db = codedb_open(dbpath, &err);
	assert_non_null(db);
	assert_int_equal(guide_count(), 3);
	g = guide_modifier("25");                       /* the office's row wins */
	assert_non_null(g);
	assert_string_equal(g->mod, "25");
	assert_string_equal(g->meaning, "The office's 25.");
	assert_string_equal(g->sits_on, "the visit");
	assert_string_equal(g->topic, "office-25");
	g = guide_modifier("kx");                       /* any case; no topic is NULL */
	assert_non_null(g);
	assert_string_equal(g->when, "KX when");
	assert_null(g->topic);
	assert_string_equal(guide_modifier("59")->topic, "ncci-mod-59-xepsu");
	assert_null(guide_modifier("ZZ"));
	assert_null(guide_modifier(NULL));
	/* a new import is picked up after a reopen */
	write_file(kdir, NULL, KNMOD_FILE, HDR "59\tNew 59.\tthe column 2 code\tw\t\n");
	sleep(1);       /* a different mtime even on coarse file systems */
	assert_int_equal(run_import(dbpath, &err), EX_OK);
	assert_int_equal(codedb_reopen_if_changed(db), 1);
	assert_string_equal(guide_modifier("59")->meaning, "New 59.");
	assert_null(guide_modifier("KX"));
	assert_string_equal(guide_modifier("25")->meaning, "The office's 25.");
	codedb_close(db);
	/* a row naming no imported topic, or a malformed row, refuses the import (file:line) */
	write_file(kdir, NULL, KNMOD_FILE, HDR "59\tD.\tG\tW\tnot-a-topic\n");
	assert_int_equal(run_import(dbpath, &err), EX_DATAERR);
	assert_non_null(strstr(buf_cstr(&err), "knowledge/modifiers.tsv:2: mod 59: topic 'not-a-topic'"
	    " is not an imported topic"));
	write_file(kdir, NULL, KNMOD_FILE, HDR "59\tD.\tG\n");
	assert_int_equal(run_import(dbpath, &err), EX_DATAERR);
	assert_non_null(strstr(buf_cstr(&err), "knowledge/modifiers.tsv:2: 3 columns"));
	/* the DB in place is the last good one */
	db = codedb_open(dbpath, &err);
	assert_non_null(db);
	assert_string_equal(guide_modifier("59")->meaning, "New 59.");
	codedb_close(db);
	buf_free(&err);
}

static void
test_old_db(void **state)
{
	char old[400], cmd[900];
	struct buf err;
	struct codedb *db;
	sqlite3 *h;

	(void)state;
	snprintf(old, sizeof(old), "%s/old.db", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", dbpath, old);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(old, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DROP TABLE kn_modifier", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	buf_init(&err, 4096);
	db = codedb_open(old, &err);
	assert_non_null(db);
	assert_null(guide_modifier("59"));
	assert_int_equal(guide_count(), 0);
	assert_int_equal(guide_load(db), 0);
	codedb_close(db);
	/* and back with a DB that has it */
	db = codedb_open(dbpath, &err);
	assert_non_null(db);
	assert_non_null(guide_modifier("59"));
	codedb_close(db);
	assert_null(guide_modifier("59"));              /* closed: no guide */
	buf_free(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_shipped),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_import_and_guide),
		cmocka_unit_test(test_old_db),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
