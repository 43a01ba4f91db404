/* test_knmod — the modifier knowledge as data (knowledge/modifiers.tsv,
 * modifier_confusions.tsv, cpt_modifiers.tsv): the parsers (the shipped files, every refusal
 * with its file:line), the lint (topic ids, the other files' rows), the import into a temp
 * reference DB (the office's rows win by mod or by (mod, with) and keep our order, a row
 * naming no imported topic refuses the import) and answer_guide's cache (guide_modifier,
 * guide_confusion, guide_cpt_note refilled after a reopen; none with an old DB that lacks the
 * tables). */
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
#define CHDR "mod\twith\twhy\n"
#define NHDR "mod\tmeaning\n"

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
test_parse_shipped_conf_notes(void **state)
{
	const char *top = getenv("CODEMAILD_TOP");
	char path[1024];
	struct buf data, err;
	struct knmod_conf *cr;
	struct knmod_note *nr;
	size_t n, i;
	int ga = 0;

	(void)state;
	buf_init(&data, 1 << 20);
	buf_init(&err, 65536);
	snprintf(path, sizeof(path), "%s/knowledge/%s", top ? top : ".", KNMOD_CONF_FILE);
	assert_int_equal(util_read_file(path, 1 << 20, &data), 0);
	assert_int_equal(knmod_parse_conf(path, data.data, data.len, &cr, &n, &err), 0);
	assert_int_equal(n, 29);
	/* the file order is the reply's: GA's rows are GZ, then GY */
	assert_string_equal(cr[0].mod, "GA");
	assert_string_equal(cr[0].with, "GZ");
	assert_string_equal(cr[1].with, "GY");
	for (i = 0; i < n; i++)
		if (strcmp(cr[i].mod, "59") == 0 && strcmp(cr[i].with, "XE/XS/XP/XU") == 0)
			ga = 1;
	assert_true(ga);
	knmod_conf_free(cr, n);
	buf_reset(&data);
	snprintf(path, sizeof(path), "%s/knowledge/%s", top ? top : ".", KNMOD_NOTE_FILE);
	assert_int_equal(util_read_file(path, 1 << 20, &data), 0);
	assert_int_equal(knmod_parse_note(path, data.data, data.len, &nr, &n, &err), 0);
	assert_int_equal(n, 23);
	assert_string_equal(nr[0].mod, "22");
	assert_non_null(strstr(nr[0].meaning, "Increased procedural services"));
	knmod_note_free(nr, n);
	buf_free(&data);
	buf_free(&err);
}

static int
parse_conf(const char *text, struct knmod_conf **rows, size_t *n, struct buf *err)
{
	buf_reset(err);
	return knmod_parse_conf("c.tsv", text, strlen(text), rows, n, err);
}

static int
parse_note(const char *text, struct knmod_note **rows, size_t *n, struct buf *err)
{
	buf_reset(err);
	return knmod_parse_note("n.tsv", text, strlen(text), rows, n, err);
}

static void
test_parse_conf_refusals(void **state)
{
	struct knmod_conf *rows;
	size_t n;
	struct buf err;

	(void)state;
	buf_init(&err, 65536);
	/* comments, blank lines, CRLF; a mod may have several rows; with may be a list */
	assert_int_equal(parse_conf("# c\n\n" CHDR "GA\tGZ\tno ABN there\r\nGA\tGY\tnot a benefit\n"
	    "59\tXE/XS/XP/XU\tthe X modifiers are more precise\n50\tRT/LT\tone side each\n", &rows,
	    &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(rows[0].why, "no ABN there");
	assert_int_equal(rows[0].line, 4);
	assert_string_equal(rows[1].with, "GY");
	assert_string_equal(rows[2].with, "XE/XS/XP/XU");
	assert_int_equal(rows[3].line, 7);
	knmod_conf_free(rows, n);
	/* the column count, the header */
	assert_int_equal(parse_conf(CHDR "GA\tGZ\n", &rows, &n, &err), 1);
	assert_null(rows);
	assert_int_equal(n, 0);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:2: 2 columns, a row has 3 (mod, with, why;"));
	assert_int_equal(parse_conf(CHDR "GA\tGZ\tw\tx\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:2: 4 columns"));
	assert_int_equal(parse_conf(HDR "GA\tGZ\tw\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:1: the first line must be the header"
	    " 'mod<TAB>with<TAB>why'"));
	assert_int_equal(parse_conf("", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:1: empty (no header line)"));
	/* a bad mod, a bad with (each shape), a with naming the mod itself */
	assert_int_equal(parse_conf(CHDR "ga\tGZ\tw\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:2: mod 'ga' is not 2 upper-case letters or digits"));
	assert_int_equal(parse_conf(CHDR "GA\tG\tw\nGA\tRT/\tw\nGA\tRT,LT\tw\nGA\trt\tw\n"
	    "GA\tRT/LTX\tw\nGA\t\tw\n", &rows, &n, &err), 6);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:2: with 'G' is not modifiers separated by '/'"));
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:3: with 'RT/'"));
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:4: with 'RT,LT'"));
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:5: with 'rt'"));
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:6: with 'RT/LTX'"));
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:7: with ''"));
	assert_int_equal(parse_conf(CHDR "LT\tRT/LT\tw\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:2: with 'RT/LT' names the mod itself"));
	/* why: required, capped, without the period the reply adds */
	assert_int_equal(parse_conf(CHDR "GA\tGZ\t\nGA\tGY\tnot a benefit.\n", &rows, &n, &err), 2);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:2: empty why"));
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:3: why ends with '.' (the reply adds the period)"));
	{
		char big[800];

		memset(big, 'x', sizeof(big));
		snprintf(big, sizeof(big), CHDR "GA\tGZ\t");
		memset(big + strlen(big), 'x', 700);
		big[sizeof(big) - 2] = '\n';
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(parse_conf(big, &rows, &n, &err), 1);
		assert_non_null(strstr(buf_cstr(&err), "c.tsv:2: why longer than 600 bytes"));
	}
	/* a (mod, with) pair twice */
	assert_int_equal(parse_conf(CHDR "GA\tGZ\tw\nGA\tGY\tw\nGA\tGZ\tv\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "c.tsv:4: duplicate mod 'GA' with 'GZ' (first at line 2)"));
	buf_free(&err);
}

static void
test_parse_note_refusals(void **state)
{
	struct knmod_note *rows;
	size_t n;
	struct buf err;

	(void)state;
	buf_init(&err, 65536);
	assert_int_equal(parse_note("# c\n" NHDR "22\tIncreased work\n52\tReduced\n", &rows, &n,
	    &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[1].mod, "52");
	assert_string_equal(rows[1].meaning, "Reduced");
	assert_int_equal(rows[1].line, 4);
	knmod_note_free(rows, n);
	assert_int_equal(parse_note(NHDR "22\tIncreased\tmore\n", &rows, &n, &err), 1);
	assert_null(rows);
	assert_non_null(strstr(buf_cstr(&err), "n.tsv:2: 3 columns, a row has 2 (mod, meaning;"));
	assert_int_equal(parse_note(NHDR "222\tx\n22\t\n", &rows, &n, &err), 2);
	assert_non_null(strstr(buf_cstr(&err), "n.tsv:2: mod '222' is not 2 upper-case"));
	assert_non_null(strstr(buf_cstr(&err), "n.tsv:3: empty meaning"));
	assert_int_equal(parse_note(CHDR "22\tx\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "n.tsv:1: the first line must be the header"
	    " 'mod<TAB>meaning'"));
	assert_int_equal(parse_note(NHDR "22\tx\n52\ty\n22\tz\n", &rows, &n, &err), 1);
	assert_non_null(strstr(buf_cstr(&err), "n.tsv:4: duplicate mod '22' (first at line 2)"));
	/* the error report of the importer's entry: no final newline, the file by its name */
	{
		sqlite3 *h;
		const char *bad = CHDR "GA\tGZ\tw.\n";

		assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
		assert_int_equal(knmod_create_schema(h, &err), 0);
		buf_reset(&err);
		assert_int_equal(knmod_import_file(h, "d/" KNMOD_CONF_FILE, bad, strlen(bad), 0, &err), -1);
		assert_string_equal(buf_cstr(&err), "d/" KNMOD_CONF_FILE ":2: why ends with '.' (the"
		    " reply adds the period)");
		buf_reset(&err);
		assert_int_equal(knmod_import_file(h, "d/other.tsv", bad, strlen(bad), 0, &err), -1);
		sqlite3_close(h);
	}
	buf_free(&err);
}

/* The (with, origin) of GA's confusions in reply order, as "GZ1 GY0 ...". */
static void
ga_order(sqlite3 *h, char *out, size_t outlen)
{
	sqlite3_stmt *s;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT with_, origin FROM kn_mod_confusion WHERE"
	    " mod = 'GA' ORDER BY ord", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s%d", out[0] ? " " : "",
		    (const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1));
	sqlite3_finalize(s);
}

static void
test_override_order(void **state)
{
	static const char ours[] = CHDR "GA\tGZ\tour GZ\nGA\tGY\tour GY\nGZ\tGA\tour GA\n";
	static const char office[] = CHDR "GA\tKX\toffice KX\nGA\tGY\toffice GY\n";
	struct knmod_conf *o = NULL, *f = NULL;
	size_t no, nf, pass;
	struct buf err;
	char got[200];

	(void)state;
	buf_init(&err, 65536);
	assert_int_equal(knmod_parse_conf("ours", ours, strlen(ours), &o, &no, &err), 0);
	assert_int_equal(knmod_parse_conf("office", office, strlen(office), &f, &nf, &err), 0);
	/* whichever file is read first: the office's GY takes our GY's place, its KX comes last */
	for (pass = 0; pass < 2; pass++) {
		sqlite3 *h;

		assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
		assert_int_equal(knmod_create_schema(h, &err), 0);
		if (pass == 0) {
			assert_int_equal(knmod_insert_conf(h, o, no, "ours", 0, &err), 3);
			assert_int_equal(knmod_insert_conf(h, f, nf, "office", 1, &err), 2);
		} else {
			assert_int_equal(knmod_insert_conf(h, f, nf, "office", 1, &err), 2);
			assert_int_equal(knmod_insert_conf(h, o, no, "ours", 0, &err), 2);
		}
		ga_order(h, got, sizeof(got));
		assert_string_equal(got, "GZ0 GY1 KX1");
		/* the same origin twice is an error naming both places */
		buf_reset(&err);
		assert_int_equal(knmod_insert_conf(h, o, no, "again", 0, &err), -1);
		assert_non_null(strstr(buf_cstr(&err), "again:2: duplicate mod 'GA' with 'GZ' (first in"
		    " ours:2)"));
		sqlite3_close(h);
	}
	knmod_conf_free(o, no);
	knmod_conf_free(f, nf);
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
	/* the other data files are linted too; a directory with only one of them has no topics
	 * and that is fine */
	snprintf(d, sizeof(d), "%s/lint-conf", tmpdir);
	mkdir(d, 0700);
	write_file(d, NULL, KNMOD_NOTE_FILE, NHDR "22\tIncreased work\n");
	buf_reset(&err);
	assert_int_equal(kn_lint(dirs, 1, &err, &nt, NULL), 0);
	write_file(d, NULL, KNMOD_CONF_FILE, CHDR "GA\tGZ\tno ABN\nGA\tG Z\tw\n");
	write_file(d, NULL, KNMOD_NOTE_FILE, NHDR "22\tIncreased work\n22\tagain\n");
	buf_reset(&err);
	assert_int_equal(kn_lint_opts(dirs, 1, 0, &err, &nt, NULL), 2);
	assert_non_null(strstr(buf_cstr(&err), "lint-conf/modifier_confusions.tsv:3: with 'G Z'"));
	assert_non_null(strstr(buf_cstr(&err), "lint-conf/cpt_modifiers.tsv:3: duplicate mod '22'"));
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
test_import_conf_notes(void **state)
{
	struct buf err;
	struct codedb *db;
	const struct guide_confusion *cf;

	(void)state;
	buf_init(&err, 65536);
	write_file(kdir, NULL, KNMOD_FILE, HDR "59\tNew 59.\tthe column 2 code\tw\t\n");
	write_file(kdir, NULL, KNMOD_CONF_FILE, CHDR "GA\tGZ\tour GZ\nGA\tGY\tour GY\n"
	    "GZ\tGA\tour GA\n");
	write_file(kdir, NULL, KNMOD_NOTE_FILE, NHDR "22\tOur 22\n52\tOur 52\n");
	write_file(odir, NULL, KNMOD_CONF_FILE, CHDR "GA\tGY\tthe office's GY\nGA\tKX\tthe office's KX\n");
	write_file(odir, NULL, KNMOD_NOTE_FILE, NHDR "22\tThe office's 22\n");
	assert_int_equal(run_import(dbpath, &err), EX_OK);
	db = codedb_open(dbpath, &err);
	assert_non_null(db);
	assert_int_equal(guide_count_confusions(), 4);
	assert_int_equal(guide_count_notes(), 2);
	/* GA's rows in our order, the office's GY in our GY's place, its KX after ours */
	cf = guide_confusion("ga", 0);
	assert_non_null(cf);
	assert_string_equal(cf->mod, "GA");
	assert_string_equal(cf->with, "GZ");
	assert_string_equal(cf->why, "our GZ");
	assert_string_equal(guide_confusion("GA", 1)->why, "the office's GY");
	assert_string_equal(guide_confusion("GA", 2)->with, "KX");
	assert_null(guide_confusion("GA", 3));
	assert_string_equal(guide_confusion("GZ", 0)->why, "our GA");
	assert_null(guide_confusion("GZ", 1));
	assert_null(guide_confusion("KX", 0));
	assert_null(guide_confusion(NULL, 0));
	assert_string_equal(guide_cpt_note("22"), "The office's 22");
	assert_string_equal(guide_cpt_note("52"), "Our 52");
	assert_null(guide_cpt_note("25"));
	assert_null(guide_cpt_note(NULL));
	/* a new import is picked up after a reopen */
	write_file(kdir, NULL, KNMOD_NOTE_FILE, NHDR "52\tOur new 52\n91\tOur 91\n");
	sleep(1);
	assert_int_equal(run_import(dbpath, &err), EX_OK);
	assert_int_equal(codedb_reopen_if_changed(db), 1);
	assert_string_equal(guide_cpt_note("52"), "Our new 52");
	assert_string_equal(guide_cpt_note("22"), "The office's 22");     /* the office's alone */
	assert_int_equal(guide_count_notes(), 3);
	codedb_close(db);
	/* a malformed row refuses the import (file:line); the DB in place stays */
	write_file(odir, NULL, KNMOD_CONF_FILE, CHDR "GA\tGY\tthe office's GY.\n");
	assert_int_equal(run_import(dbpath, &err), EX_DATAERR);
	assert_non_null(strstr(buf_cstr(&err), "local/modifier_confusions.tsv:2: why ends with '.'"));
	write_file(odir, NULL, KNMOD_CONF_FILE, CHDR "GA\tGY\tthe office's GY\nGA\tKX\tthe office's KX\n");
	db = codedb_open(dbpath, &err);
	assert_non_null(db);
	assert_string_equal(guide_confusion("GA", 1)->why, "the office's GY");
	codedb_close(db);
	buf_free(&err);
}

/* A copy of the DB without the named tables (';'-separated DROPs), opened. */
static struct codedb *
open_without(const char *name, const char *drops, struct buf *err)
{
	char old[400], cmd[900];
	sqlite3 *h;

	snprintf(old, sizeof(old), "%s/%s", tmpdir, name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", dbpath, old);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(old, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, drops, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	return codedb_open(old, err);
}

static void
test_old_db_conf_notes(void **state)
{
	struct buf err;
	struct codedb *db;

	(void)state;
	buf_init(&err, 4096);
	/* built before the two files: the guide is there, no confusions, no notes */
	db = open_without("old2.db", "DROP TABLE kn_mod_confusion; DROP TABLE kn_cpt_modifier", &err);
	assert_non_null(db);
	assert_non_null(guide_modifier("59"));
	assert_null(guide_confusion("GA", 0));
	assert_null(guide_cpt_note("22"));
	assert_int_equal(guide_count_confusions(), 0);
	assert_int_equal(guide_count_notes(), 0);
	assert_int_equal(guide_load(db), 2);       /* 59 ours, 25 the office's */
	codedb_close(db);
	/* built before any modifier data */
	db = open_without("old3.db", "DROP TABLE kn_modifier; DROP TABLE kn_mod_confusion;"
	    " DROP TABLE kn_cpt_modifier", &err);
	assert_non_null(db);
	assert_null(guide_modifier("59"));
	assert_null(guide_confusion("GA", 0));
	assert_null(guide_cpt_note("22"));
	codedb_close(db);
	db = codedb_open(dbpath, &err);
	assert_non_null(db);
	assert_non_null(guide_confusion("GA", 0));
	assert_non_null(guide_cpt_note("22"));
	codedb_close(db);
	assert_null(guide_confusion("GA", 0));          /* closed: none */
	assert_null(guide_cpt_note("22"));
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
		cmocka_unit_test(test_parse_shipped_conf_notes),
		cmocka_unit_test(test_parse_conf_refusals),
		cmocka_unit_test(test_parse_note_refusals),
		cmocka_unit_test(test_override_order),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_import_and_guide),
		cmocka_unit_test(test_import_conf_notes),
		cmocka_unit_test(test_old_db_conf_notes),
		cmocka_unit_test(test_old_db),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
