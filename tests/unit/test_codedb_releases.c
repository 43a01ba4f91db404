/* test_codedb_releases — issue 16 through the codedb API, on the genuine files in
 * $SHARED/data (skipped when absent): releases side by side and the one in effect on a
 * date (exact or nearest), GPCI by MAC-locality and by a name in free text, local payment
 * by CMS's formula, CARC/RARC lookups with their status, ICD-10-CM tabular notes inherited
 * from category and chapter, Excludes1 between two codes, 7th characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "codedb.h"
#include "import.h"

static char tmpdir[256], dbpath[300], shared[1024];
static struct codedb *db;
static int have_data;

static int
imp(const char *kind, const char *rel)
{
	struct import_opts o;
	struct buf err;
	char path[1400], *files[1];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", shared, rel);
	import_opts_init(&o);
	o.db_path = dbpath;
	o.quiet = 1;
	o.progress = 0;
	o.strict = 1;            /* 0 rejected rows, or the import fails */
	files[0] = path;
	buf_init(&err, 65536);
	rc = import_run(kind, files, 1, &o, &err);
	if (rc != EX_OK)
		fprintf(stderr, "import %s %s: %s\n", kind, rel, buf_cstr(&err));
	buf_free(&err);
	return rc;
}

static int
setup_all(void **state)
{
	const char *sh = getenv("SHARED"), *top = getenv("CODEMAILD_TOP");
	struct buf err;
	char probe[1100];

	(void)state;
	if (sh)
		snprintf(shared, sizeof(shared), "%s/data", sh);
	else
		snprintf(shared, sizeof(shared), "%s/../shared/data", top ? top : ".");
	snprintf(probe, sizeof(probe), "%s/pfs_rvu/GPCI2025.csv", shared);
	have_data = access(probe, R_OK) == 0;
	if (!have_data)
		return 0;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_codedb_rel.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/codes.db", tmpdir);
	if (imp("gpci", "pfs_rvu/GPCI2025.csv") != EX_OK || imp("gpci", "pfs_rvu/GPCI2026.csv") != EX_OK ||
	    imp("carc", "x12/carc.tsv") != EX_OK || imp("rarc", "x12/rarc.tsv") != EX_OK ||
	    imp("icd10cm-tabular", "icd10cm/icd10cm_tabular_2026.excerpt.xml") != EX_OK)
		return -1;
	buf_init(&err, 4096);
	db = codedb_open(dbpath, &err);
	buf_free(&err);
	return db ? 0 : -1;
}

static int
teardown_all(void **state)
{
	char p[400];

	(void)state;
	codedb_close(db);
	if (!have_data)
		return 0;
	snprintf(p, sizeof(p), "%s.lock", dbpath);
	unlink(p);
	unlink(dbpath);
	rmdir(tmpdir);
	return 0;
}

#define NEED_DATA() do { if (!have_data) { skip(); } } while (0)

static void
test_release_for(void **state)
{
	struct cdb_release r;

	(void)state;
	NEED_DATA();
	assert_int_equal(codedb_release_for(db, "gpci", "2025-03-01", &r), 1);
	assert_string_equal(r.release, "CY2025");
	assert_string_equal(r.effective, "2025-01-01");
	assert_string_equal(r.end, "2025-12-31");
	assert_int_equal(r.exact, 1);
	assert_int_equal(codedb_release_for(db, "gpci", "2026-12-31", &r), 1);
	assert_string_equal(r.release, "CY2026");
	assert_int_equal(r.exact, 1);
	/* no release covers 2027 or 2024: the nearest is used and said to be */
	assert_int_equal(codedb_release_for(db, "gpci", "2027-02-01", &r), 1);
	assert_string_equal(r.release, "CY2026");
	assert_int_equal(r.exact, 0);
	assert_int_equal(codedb_release_for(db, "gpci", "2024-05-01", &r), 1);
	assert_string_equal(r.release, "CY2025");
	assert_int_equal(r.exact, 0);
	assert_int_equal(codedb_release_for(db, "pfs_rvu", "2026-01-01", &r), 0);
	assert_int_equal(codedb_releases(db, "gpci", NULL, NULL), 2);
}

static void
test_gpci(void **state)
{
	struct cdb_gpci g;

	(void)state;
	NEED_DATA();
	/* GPCI2025.csv: 13202,NY,01,MANHATTAN,1.065,1.166,1.656 (values checked in the CSV) */
	assert_int_equal(codedb_gpci(db, "13202-01", "2025-06-01", &g), 1);
	assert_string_equal(g.name, "MANHATTAN");
	assert_true(fabs(g.work - 1.065) < 1e-9 && fabs(g.pe - 1.166) < 1e-9 && fabs(g.mp - 1.656) < 1e-9);
	/* GPCI2026.csv: 13202,NY,01,MANHATTAN,1.063,1.318,1.285 */
	assert_int_equal(codedb_gpci(db, "1320201", "2026-06-01", &g), 1);
	assert_true(fabs(g.pe - 1.318) < 1e-9);
	assert_string_equal(g.release, "CY2026");
	assert_int_equal(codedb_gpci(db, "99999-01", "2026-06-01", &g), 0);
	assert_int_equal(codedb_gpci(db, "13202", "2026-06-01", &g), 0);
	/* by name in a question */
	assert_int_equal(codedb_gpci_find(db, "what does it pay in Texas?", "2026-06-01", &g), 1);
	assert_string_equal(g.name, "REST OF TEXAS");
	assert_int_equal(codedb_gpci_find(db, "our office in Arkansas", "2026-06-01", &g), 1);
	assert_string_equal(g.state, "AR");
	assert_int_equal(codedb_gpci_find(db, "billing in west virginia", "2026-06-01", &g), 1);
	assert_string_equal(g.name, "REST OF WEST VIRGINIA");
	assert_int_equal(codedb_gpci_find(db, "a practice in Los Angeles", "2026-06-01", &g), 1);
	assert_string_equal(g.state, "CA");
	assert_int_equal(codedb_gpci_find(db, "locality 02102-01 please", "2026-06-01", &g), 1);
	assert_string_equal(g.state, "AK");
	assert_int_equal(codedb_gpci_find(db, "no place named here", "2026-06-01", &g), 0);
}

static void
test_local_payment(void **state)
{
	struct cdb_gpci g;
	struct cdb_rvu r;
	double nf, f;

	(void)state;
	NEED_DATA();
	/* G0439 in PPRRVU2025_Oct: work 1.92, PE NF 1.86, PE F 1.86 (NA), MP 0.13, CF 32.3465 */
	memset(&r, 0, sizeof(r));
	r.work = 1.92;
	r.pe_nf = 1.86;
	r.pe_f = 1.86;
	r.pe_f_na = 1;
	r.mp = 0.13;
	r.conv_factor = 32.3465;
	assert_int_equal(codedb_gpci(db, "13202-01", "2025-11-01", &g), 1);
	nf = codedb_local_payment(&r, &g, 0);
	f = codedb_local_payment(&r, &g, 1);
	assert_true(fabs(nf - (1.92 * 1.065 + 1.86 * 1.166 + 0.13 * 1.656) * 32.3465) < 1e-9);
	assert_true(f < 0);     /* NA in the facility setting */
}

static void
test_denial(void **state)
{
	struct cdb_denial d;

	(void)state;
	NEED_DATA();
	assert_int_equal(codedb_denial(db, "97", NULL, &d), 1);
	assert_string_equal(d.kind, "carc");
	assert_string_equal(d.status, "current");
	assert_non_null(strstr(d.text, "included in the payment/allowance"));
	cdb_denial_free(&d);
	assert_int_equal(codedb_denial(db, "n362", NULL, &d), 1);
	assert_string_equal(d.kind, "rarc");
	assert_non_null(strstr(d.text, "Units of Service"));
	cdb_denial_free(&d);
	assert_int_equal(codedb_denial(db, "B5", NULL, &d), 1);
	assert_string_equal(d.status, "deactivated");
	cdb_denial_free(&d);
	assert_int_equal(codedb_denial(db, "1", "carc", &d), 1);
	assert_string_equal(d.text, "Deductible Amount");
	cdb_denial_free(&d);
	assert_int_equal(codedb_denial(db, "97", "rarc", &d), 0);
	assert_int_equal(codedb_denial(db, "N9999", NULL, &d), 0);
	cdb_denial_free(&d);
}

struct seen {
	int excl2_s33, seven_a, chapter_note, own;
};

static int
note_cb(void *ctx, const char *kind, const char *text, const char *from)
{
	struct seen *s = ctx;

	if (strcmp(kind, "excludes2") == 0 && strstr(text, "(S33.-)") && strcmp(from, "S39") == 0)
		s->excl2_s33 = 1;
	if (strcmp(kind, "sevenChrDef") == 0 && strcmp(text, "A=initial encounter") == 0)
		s->seven_a = 1;
	if (strncmp(from, "ch", 2) == 0)
		s->chapter_note = 1;
	return 0;
}

static void
test_icd_notes(void **state)
{
	struct seen s;
	char note[600], buf[100];

	(void)state;
	NEED_DATA();
	memset(&s, 0, sizeof(s));
	assert_true(codedb_icd_notes(db, "S39.012A", note_cb, &s) > 0);
	assert_int_equal(s.excl2_s33, 1);            /* inherited from category S39 */
	assert_int_equal(s.seven_a, 1);
	memset(&s, 0, sizeof(s));
	assert_true(codedb_icd_notes(db, "A04.6", note_cb, &s) > 0);
	assert_int_equal(s.chapter_note, 1);         /* chapter 1's notes reach A04.6 */
	/* Excludes1 at K20: "esophagitis with gastro-esophageal reflux disease (K21.0-)" */
	assert_int_equal(codedb_icd_excludes1(db, "K20.9", "K21.00", note, sizeof(note)), 1);
	assert_non_null(strstr(note, "K21.0-"));
	assert_int_equal(codedb_icd_excludes1(db, "K21.00", "K44.9", note, sizeof(note)), 0);
	/* a range: chapter 1 Excludes2 lists (P35-P39), but only Excludes1 counts */
	assert_int_equal(codedb_icd_excludes1(db, "A04.6", "P37.1", note, sizeof(note)), 0);
	assert_int_equal(codedb_icd_excludes1(db, "A04.6", "A28.2", note, sizeof(note)), 1);
	assert_int_equal(codedb_icd_excludes1(db, "A04.0", "A05.9", note, sizeof(note)), 1);
	assert_int_equal(codedb_icd_seventh(db, "S39.012D", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "subsequent encounter");
	assert_int_equal(codedb_icd_seventh(db, "S39.012", buf, sizeof(buf)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_for),
		cmocka_unit_test(test_gpci),
		cmocka_unit_test(test_local_payment),
		cmocka_unit_test(test_denial),
		cmocka_unit_test(test_icd_notes),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
