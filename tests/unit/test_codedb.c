/* test_codedb — the reference DB built from data/sample by the importer, read through the
 * codedb API: every lookup kind, sample flag and vintage, reopen after a swap, copy forward
 * of untouched datasets, bad rows (--strict), refused formats. Values asserted are the true
 * values copied into data/sample from the CMS/CDC files (see data/sample/README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "codedb.h"
#include "import.h"

static char tmpdir[256];
static char dbpath[300];
static char sample[1024];

static int
run_import(const char *db, const char *kind, const char *file, int strict, FILE *report)
{
	struct import_opts o;
	struct buf err;
	char *files[1];
	int rc;

	import_opts_init(&o);
	o.db_path = db;
	o.quiet = report == NULL;
	o.progress = 0;
	o.strict = strict;
	o.report = report;
	files[0] = (char *)(uintptr_t)file;
	buf_init(&err, 65536);
	rc = import_run(kind, files, 1, &o, &err);
	if (rc != EX_OK && getenv("TEST_VERBOSE"))
		fprintf(stderr, "import: %s\n", buf_cstr(&err));
	buf_free(&err);
	return rc;
}

static int
setup_all(void **state)
{
	const char *top = getenv("CODEMAILD_TOP");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_codedb.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/codes.db", tmpdir);
	snprintf(sample, sizeof(sample), "%s/data/sample", top ? top : ".");
	return run_import(dbpath, "lay", sample, 1, NULL) == EX_OK ? 0 : -1;
}

static int
teardown_all(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct codedb *
open_db(void)
{
	struct buf err;
	struct codedb *db;

	buf_init(&err, 4096);
	db = codedb_open(dbpath, &err);
	if (db == NULL)
		fprintf(stderr, "open: %s\n", buf_cstr(&err));
	buf_free(&err);
	assert_non_null(db);
	return db;
}

static void
test_sample_and_vintage(void **state)
{
	struct codedb *db = open_db();
	struct buf v;

	(void)state;
	assert_int_equal(codedb_is_sample(db), 1);
	buf_init(&v, 4096);
	assert_int_equal(codedb_vintage(db, &v), 0);
	assert_non_null(strstr(buf_cstr(&v), "sample data"));
	buf_free(&v);
	assert_int_equal(codedb_datasets(db, NULL, NULL), 6);
	codedb_close(db);
}

static void
test_known(void **state)
{
	struct codedb *db = open_db();

	(void)state;
	assert_int_equal(codedb_known(db, "99213"), 1);
	assert_int_equal(codedb_known(db, "j1745"), 1);
	assert_int_equal(codedb_known(db, "E11.40"), 1);
	assert_int_equal(codedb_known(db, "99999"), 0);
	assert_int_equal(codedb_known(db, "!!"), 0);
	assert_int_equal(codedb_known_cb(db, "E11.40", CODE_ICD10), 1);
	assert_int_equal(codedb_known_cb(db, "E11.40", CODE_CPT1), 0);
	assert_int_equal(codedb_known_cb(db, "99213", CODE_CPT1), 1);
	codedb_close(db);
}

static void
test_code(void **state)
{
	struct codedb *db = open_db();
	struct cdb_code c;

	(void)state;
	assert_int_equal(codedb_code(db, "99213", "2026-03-01", &c), 1);
	assert_string_equal(c.family, "cpt1");
	assert_non_null(c.lay);
	assert_int_equal(c.licensed, 0);
	assert_null(c.descriptor);
	assert_int_equal(c.in_rvu, 1);
	assert_int_equal(c.in_mue, 1);
	cdb_code_free(&c);

	assert_int_equal(codedb_code(db, "J1745", NULL, &c), 1);
	assert_string_equal(c.family, "hcpcs");
	assert_string_equal(c.hcpcs_long, "Injection, infliximab, excludes biosimilar, 10 mg");
	assert_string_equal(c.coverage, "D");
	assert_string_equal(c.betos, "O1E");
	assert_string_equal(c.effective, "2000-01-01");
	assert_int_equal(c.status, CDB_ACTIVE);
	cdb_code_free(&c);

	/* before it existed */
	assert_int_equal(codedb_code(db, "G2211", "2020-06-01", &c), 1);
	assert_int_equal(c.status, CDB_NOT_YET);
	assert_string_equal(c.status_date, "2021-01-01");
	cdb_code_free(&c);

	assert_int_equal(codedb_code(db, "3074F", NULL, &c), 1);
	assert_string_equal(c.family, "cpt2");
	cdb_code_free(&c);
	assert_int_equal(codedb_code(db, "0591T", NULL, &c), 1);
	assert_string_equal(c.family, "cpt3");
	cdb_code_free(&c);
	assert_int_equal(codedb_code(db, "I10", NULL, &c), 1);
	assert_string_equal(c.family, "icd10");
	cdb_code_free(&c);
	assert_int_equal(codedb_code(db, "12345", NULL, &c), 0);
	cdb_code_free(&c);
	codedb_close(db);
}

static void
test_rvu(void **state)
{
	struct codedb *db = open_db();
	struct cdb_rvu r;

	(void)state;
	assert_int_equal(codedb_rvu(db, "27447", NULL, &r), 1);
	assert_string_equal(r.global, "090");
	assert_int_equal(r.bilateral, 1);
	assert_int_equal(r.mult_proc, 2);
	assert_true(r.work > 19.59 && r.work < 19.61);
	assert_true(r.conv_factor > 32.346 && r.conv_factor < 32.347);
	assert_int_equal(r.status, 'A');
	assert_string_equal(r.release, "2025 Oct (RVU25D)");
	assert_int_equal(codedb_rvu(db, "29881", NULL, &r), 1);
	assert_int_equal(r.mult_proc, 3);
	assert_int_equal(codedb_rvu(db, "10060", NULL, &r), 1);
	assert_string_equal(r.global, "010");
	assert_int_equal(codedb_rvu(db, "11045", NULL, &r), 1);
	assert_string_equal(r.global, "ZZZ");
	assert_int_equal(codedb_rvu(db, "59400", NULL, &r), 1);
	assert_string_equal(r.global, "MMM");
	assert_int_equal(codedb_rvu_mod(db, "71046", "26", NULL, &r), 1);
	assert_int_equal(r.pctc, 1);
	assert_true(r.work > 0.21 && r.work < 0.23);
	assert_int_equal(codedb_rvu_mod(db, "71046", "tc", NULL, &r), 1);
	assert_true(r.work < 0.001);
	assert_int_equal(codedb_rvu_mod(db, "99213", "26", NULL, &r), 0);
	assert_int_equal(codedb_rvu(db, "G2211", NULL, &r), 1);
	cdb_rvu_free(&r);
	codedb_close(db);
}

static void
test_mue(void **state)
{
	struct codedb *db = open_db();
	struct cdb_mue m;

	(void)state;
	assert_int_equal(codedb_mue(db, "J1745", NULL, &m), 1);
	assert_int_equal(m.value, 150);
	assert_int_equal(m.mai, 3);
	assert_string_equal(m.mai_text, "Date of Service Edit: Clinical");
	assert_string_equal(m.rationale, "Prescribing Information");
	assert_string_equal(m.setting, "practitioner");
	assert_string_equal(m.effective, "2026-04-01");
	cdb_mue_free(&m);
	assert_int_equal(codedb_mue(db, "G0439", NULL, &m), 1);
	assert_int_equal(m.value, 1);
	assert_int_equal(m.mai, 2);
	cdb_mue_free(&m);
	assert_int_equal(codedb_mue(db, "G2211", NULL, &m), 0);
	cdb_mue_free(&m);
	codedb_close(db);
}

static void
test_ptp(void **state)
{
	struct codedb *db = open_db();
	struct cdb_ptp p;

	(void)state;
	assert_int_equal(codedb_ptp(db, "0001U", "0030U", "2026-08-01", &p), 1);
	assert_string_equal(p.deletion, "");
	assert_int_equal(p.modifier, 1);
	assert_int_equal(p.active, 1);
	assert_string_equal(p.setting, "practitioner");
	assert_string_equal(p.rationale, "Misuse of Column Two code with Column One code");
	assert_string_equal(p.effective, "2018-07-01");
	cdb_ptp_free(&p);
	assert_int_equal(codedb_ptp(db, "0030U", "0001U", NULL, &p), 0);
	cdb_ptp_free(&p);
	assert_int_equal(codedb_ptp(db, "0001A", "99213", "2023-06-01", &p), 1);
	assert_int_equal(p.active, 1);
	assert_string_equal(p.deletion, "2023-12-31");
	cdb_ptp_free(&p);
	assert_int_equal(codedb_ptp(db, "0001A", "99213", "2026-08-01", &p), 1);
	assert_int_equal(p.active, 0);
	cdb_ptp_free(&p);
	assert_int_equal(codedb_ptp(db, "0001A", "90473", NULL, &p), 1);
	assert_int_equal(p.modifier, 9);
	cdb_ptp_free(&p);
	codedb_close(db);
}

static void
test_modifier(void **state)
{
	struct codedb *db = open_db();
	struct cdb_modifier m;

	(void)state;
	assert_int_equal(codedb_modifier(db, "25", &m), 1);
	assert_int_equal(m.level, 1);
	assert_null(m.official_long);
	assert_non_null(m.lay);
	cdb_modifier_free(&m);
	assert_int_equal(codedb_modifier(db, "rt", &m), 1);
	assert_int_equal(m.level, 2);
	assert_string_equal(m.official_long,
	    "Right side (used to identify procedures performed on the right side of the body)");
	assert_non_null(m.lay);
	cdb_modifier_free(&m);
	assert_int_equal(codedb_modifier(db, "Q9", &m), 0);
	cdb_modifier_free(&m);
	codedb_close(db);
}

static int
count_cb(void *ctx, const char *code, const char *disp, const char *title)
{
	int *n = ctx;

	(void)code;
	(void)title;
	assert_true(strchr(disp, '.') != NULL || strlen(disp) <= 5);
	(*n)++;
	return 0;
}

static void
test_icd(void **state)
{
	struct codedb *db = open_db();
	struct cdb_icd i;
	int n = 0;

	(void)state;
	assert_int_equal(codedb_icd(db, "E11.4", &i), 1);
	assert_int_equal(i.header, 1);
	assert_int_equal(i.billable, 0);
	assert_string_equal(i.display, "E11.4");
	cdb_icd_free(&i);
	assert_int_equal(codedb_icd(db, "E1140", &i), 1);
	assert_int_equal(i.billable, 1);
	assert_string_equal(i.display, "E11.40");
	assert_non_null(strstr(i.long_title, "Type 2 diabetes mellitus"));
	cdb_icd_free(&i);
	assert_int_equal(codedb_icd_children(db, "E11.4", count_cb, &n, 0), 6);
	assert_int_equal(n, 6);
	assert_int_equal(codedb_icd_children(db, "E11.4", NULL, NULL, 2), 2);
	assert_int_equal(codedb_icd(db, "U07.1", &i), 0);
	cdb_icd_free(&i);
	codedb_close(db);
}

static void
test_nearest(void **state)
{
	struct codedb *db = open_db();
	int n = 0;

	(void)state;
	assert_true(codedb_nearest(db, "99216", 3, count_cb, &n) == 3);
	assert_int_equal(n, 3);
	n = 0;
	assert_true(codedb_nearest(db, "E11.48", 3, count_cb, &n) >= 1);
	codedb_close(db);
}

static void
test_reopen_and_copy_forward(void **state)
{
	struct codedb *db = open_db();
	char lay[400];
	FILE *fp;
	struct cdb_mue m;
	struct cdb_code c;

	(void)state;
	assert_int_equal(codedb_reopen_if_changed(db), 0);
	/* a lay-only import replaces the lay dataset and keeps the others */
	snprintf(lay, sizeof(lay), "%s/mylay.tsv", tmpdir);
	fp = fopen(lay, "w");
	assert_non_null(fp);
	fputs("code\tlay\n99213\tOur own new words for a visit.\n", fp);
	fclose(fp);
	assert_int_equal(run_import(dbpath, "lay", lay, 1, NULL), EX_OK);
	assert_int_equal(codedb_reopen_if_changed(db), 1);
	assert_int_equal(codedb_code(db, "99213", NULL, &c), 1);
	assert_string_equal(c.lay, "Our own new words for a visit.");
	cdb_code_free(&c);
	assert_int_equal(codedb_mue(db, "J1745", NULL, &m), 1);
	assert_int_equal(m.value, 150);
	cdb_mue_free(&m);
	assert_int_equal(codedb_datasets(db, NULL, NULL), 6);
	assert_int_equal(codedb_reopen_if_changed(db), 0);
	codedb_close(db);
	/* restore the sample lay text for the other tests */
	assert_int_equal(run_import(dbpath, "lay", sample, 1, NULL), EX_OK);
}

static void
test_bad_rows_and_refusals(void **state)
{
	char bad[400], rep[400], line[512];
	FILE *fp;
	struct stat before, after;
	int found = 0;

	(void)state;
	snprintf(bad, sizeof(bad), "%s/bad.tsv", tmpdir);
	fp = fopen(bad, "w");
	assert_non_null(fp);
	fputs("code\tlay\n99213\tfine\nNOTACODE\tbad row\n99214\talso fine\n", fp);
	fclose(fp);
	assert_int_equal(stat(dbpath, &before), 0);
	assert_int_equal(run_import(dbpath, "lay", bad, 1, NULL), EX_DATAERR);
	assert_int_equal(stat(dbpath, &after), 0);
	assert_true(before.st_ino == after.st_ino);     /* live DB untouched */
	/* without --strict: loaded, the bad row reported as file:line: why */
	snprintf(rep, sizeof(rep), "%s/report.txt", tmpdir);
	fp = fopen(rep, "w+");
	assert_non_null(fp);
	assert_int_equal(run_import(dbpath, "lay", bad, 0, fp), EX_OK);
	rewind(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "bad.tsv:3: not a CPT/HCPCS code"))
			found = 1;
	fclose(fp);
	assert_int_equal(found, 1);
	/* a file of another kind is refused, the live DB stays */
	assert_int_equal(run_import(dbpath, "ncci-ptp", bad, 0, NULL), EX_DATAERR);
	assert_int_equal(run_import(dbpath, "hcpcs", bad, 0, NULL), EX_DATAERR);
	assert_int_equal(run_import(dbpath, "nonsense", bad, 0, NULL), EX_USAGE);
	assert_int_equal(run_import(dbpath, "lay", "/nonexistent/x.tsv", 0, NULL), EX_NOINPUT);
	assert_int_equal(run_import(dbpath, "lay", sample, 1, NULL), EX_OK);
}

static void
test_family_and_norm(void **state)
{
	char out[12];

	(void)state;
	assert_string_equal(codedb_family_of("99213"), "cpt1");
	assert_string_equal(codedb_family_of("0001F"), "cpt2");
	assert_string_equal(codedb_family_of("0042T"), "cpt3");
	assert_string_equal(codedb_family_of("0001U"), "pla");
	assert_string_equal(codedb_family_of("J1745"), "hcpcs");
	assert_null(codedb_family_of("E11.4"));
	assert_null(codedb_family_of("1234"));
	assert_int_equal(codedb_norm("e11.40", out, sizeof(out)), 0);
	assert_string_equal(out, "E1140");
	assert_int_equal(codedb_norm("99 213", out, sizeof(out)), -1);
	assert_string_equal(codedb_global_text("ZZZ") != NULL ? "ok" : "", "ok");
	assert_string_equal(codedb_coverage_text("M"), "non-covered by Medicare");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_norm),
		cmocka_unit_test(test_sample_and_vintage),
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_rvu),
		cmocka_unit_test(test_mue),
		cmocka_unit_test(test_ptp),
		cmocka_unit_test(test_modifier),
		cmocka_unit_test(test_icd),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_reopen_and_copy_forward),
		cmocka_unit_test(test_bad_rows_and_refusals),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
