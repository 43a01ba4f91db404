/* cdb_query — test helper: answers codedb lookups as "key=value" lines, so integration tests
 * exercise the real API (codedb.h) rather than SQL.
 *
 *   cdb_query DB code CODE [DOS]      cdb_query DB rvu CODE [MOD] [DOS]
 *   cdb_query DB mue CODE [DOS]       cdb_query DB ptp COL1 COL2 [DOS]
 *   cdb_query DB icd CODE             cdb_query DB children CODE
 *   cdb_query DB mod MOD              cdb_query DB nearest CODE N
 *   cdb_query DB known CODE           cdb_query DB gem CODE
 *   cdb_query DB vintage              cdb_query DB datasets
 *   cdb_query DB watch SECONDS PROBE...   (PROBE: rvu:CODE mue:CODE icd:CODE code:CODE
 *                                          ptp:COL1:COL2 known:CODE)
 * watch answers the probes in a loop for SECONDS, calling codedb_reopen_if_changed() before
 * each round, and counts rounds where any probe was not found ("failures"); it prints
 * "rounds=N reopens=R failures=F". Exit status 1 when nothing found / failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "codedb.h"

static const char *
nz(const char *s)
{
	return s ? s : "";
}

static int
pr_code(void *ctx, const char *code, const char *disp, const char *title)
{
	(void)ctx;
	printf("%s\t%s\t%s\n", code, disp, title);
	return 0;
}

static int
pr_gem(void *ctx, const struct cdb_gem *g)
{
	(void)ctx;
	printf("%s\t%s\tapprox=%d nomap=%d comb=%d scen=%d choice=%d backward=%d\n", g->icd10,
	    g->icd9, g->approximate, g->no_map, g->combination, g->scenario, g->choice, g->backward);
	return 0;
}

static int
pr_ds(void *ctx, const struct cdb_dataset *d)
{
	(void)ctx;
	printf("%s\t%s\t%s\t%lld\t%d\t%s\n", d->name, d->release, d->effective, d->rows, d->sample,
	    d->source);
	return 0;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
probe(struct codedb *db, const char *p)
{
	char buf[64], *a, *b;
	int r = 0;

	snprintf(buf, sizeof(buf), "%s", p);
	a = strchr(buf, ':');
	if (a == NULL)
		return 0;
	*a++ = '\0';
	if (strcmp(buf, "rvu") == 0) {
		struct cdb_rvu x;

		r = codedb_rvu(db, a, NULL, &x) == 1 && x.global[0] != '\0';
		cdb_rvu_free(&x);
	} else if (strcmp(buf, "mue") == 0) {
		struct cdb_mue x;

		r = codedb_mue(db, a, NULL, &x) == 1 && x.mai >= 1;
		cdb_mue_free(&x);
	} else if (strcmp(buf, "icd") == 0) {
		struct cdb_icd x;

		r = codedb_icd(db, a, &x) == 1 && x.short_title != NULL;
		cdb_icd_free(&x);
	} else if (strcmp(buf, "code") == 0) {
		struct cdb_code x;

		r = codedb_code(db, a, NULL, &x) == 1;
		cdb_code_free(&x);
	} else if (strcmp(buf, "known") == 0) {
		r = codedb_known(db, a) == 1;
	} else if (strcmp(buf, "ptp") == 0 && (b = strchr(a, ':')) != NULL) {
		struct cdb_ptp x;

		*b++ = '\0';
		r = codedb_ptp(db, a, b, NULL, &x) == 1 && x.rationale != NULL;
		cdb_ptp_free(&x);
	}
	return r;
}

int
main(int argc, char **argv)
{
	struct codedb *db;
	struct buf err;
	const char *cmd, *a1, *a2, *a3;
	int rc = 0, r;

	if (argc < 3) {
		fprintf(stderr, "usage: cdb_query DB COMMAND [ARGS]\n");
		return 64;
	}
	buf_init(&err, 4096);
	db = codedb_open(argv[1], &err);
	if (db == NULL) {
		fprintf(stderr, "cdb_query: %s\n", buf_cstr(&err));
		return 66;
	}
	cmd = argv[2];
	a1 = argc > 3 ? argv[3] : NULL;
	a2 = argc > 4 ? argv[4] : NULL;
	a3 = argc > 5 ? argv[5] : NULL;
	if (strcmp(cmd, "code") == 0 && a1) {
		struct cdb_code c;

		r = codedb_code(db, a1, a2, &c);
		printf("found=%d\n", r);
		if (r == 1)
			printf("code=%s\nfamily=%s\nlicensed=%d\ndescriptor=%s\nhcpcs_long=%s\n"
			    "hcpcs_short=%s\nlay=%s\nstatus=%s\nstatus_date=%s\neffective=%s\nend=%s\n"
			    "replacement=%s\ncoverage=%s\ncoverage_text=%s\nbetos=%s\naction=%s\nin_rvu=%d\n"
			    "in_mue=%d\n", c.code, c.family, c.licensed, nz(c.descriptor), nz(c.hcpcs_long),
			    nz(c.hcpcs_short), nz(c.lay), codedb_status_name(c.status), c.status_date,
			    c.effective, c.end, nz(c.replacement), c.coverage, c.coverage_text, c.betos,
			    c.action, c.in_rvu, c.in_mue);
		cdb_code_free(&c);
		rc = r == 1 ? 0 : 1;
	} else if (strcmp(cmd, "rvu") == 0 && a1) {
		struct cdb_rvu v;

		r = codedb_rvu_mod(db, a1, a2 ? a2 : "", a3, &v);
		printf("found=%d\n", r);
		if (r == 1)
			printf("status=%c\nstatus_text=%s\nwork=%.2f\npe_nf=%.2f\npe_nf_na=%d\npe_f=%.2f\n"
			    "pe_f_na=%d\nmp=%.2f\ntotal_nf=%.2f\ntotal_f=%.2f\npctc=%d\nglobal=%s\n"
			    "global_text=%s\nmult_proc=%d\nbilateral=%d\nassistant=%d\nco_surgery=%d\n"
			    "team_surgery=%d\nconv_factor=%.4f\nrelease=%s\nyear=%s\neffective=%s\n",
			    v.status, v.status_text, v.work, v.pe_nf, v.pe_nf_na, v.pe_f, v.pe_f_na, v.mp,
			    v.total_nf, v.total_f, v.pctc, v.global, v.global_text, v.mult_proc, v.bilateral,
			    v.assistant, v.co_surgery, v.team_surgery, v.conv_factor, v.release, v.year,
			    v.effective);
		cdb_rvu_free(&v);
		rc = r == 1 ? 0 : 1;
	} else if (strcmp(cmd, "mue") == 0 && a1) {
		struct cdb_mue m;

		r = codedb_mue(db, a1, a2, &m);
		printf("found=%d\n", r);
		if (r == 1)
			printf("value=%ld\nmai=%d\nmai_text=%s\nrationale=%s\nsetting=%s\neffective=%s\n",
			    m.value, m.mai, nz(m.mai_text), nz(m.rationale), m.setting, m.effective);
		cdb_mue_free(&m);
		rc = r == 1 ? 0 : 1;
	} else if (strcmp(cmd, "ptp") == 0 && a1 && a2) {
		struct cdb_ptp p;

		r = codedb_ptp(db, a1, a2, a3, &p);
		printf("found=%d\n", r);
		if (r == 1)
			printf("setting=%s\nfile=%s\nrelease=%s\neffective=%s\ndeletion=%s\npre1996=%d\n"
			    "modifier=%d\nrationale=%s\nactive=%d\n", p.setting, nz(p.file), p.release,
			    p.effective, p.deletion, p.pre1996, p.modifier, nz(p.rationale), p.active);
		cdb_ptp_free(&p);
		rc = r == 1 ? 0 : 1;
	} else if (strcmp(cmd, "icd") == 0 && a1) {
		struct cdb_icd i;

		r = codedb_icd(db, a1, &i);
		printf("found=%d\n", r);
		if (r == 1)
			printf("code=%s\ndisplay=%s\nbillable=%d\nheader=%d\nshort=%s\nlong=%s\nrelease=%s\n",
			    i.code, i.display, i.billable, i.header, nz(i.short_title), nz(i.long_title),
			    i.release);
		cdb_icd_free(&i);
		rc = r == 1 ? 0 : 1;
	} else if (strcmp(cmd, "children") == 0 && a1) {
		r = codedb_icd_children(db, a1, pr_code, NULL, 0);
		printf("count=%d\n", r);
	} else if (strcmp(cmd, "mod") == 0 && a1) {
		struct cdb_modifier m;

		r = codedb_modifier(db, a1, &m);
		printf("found=%d\n", r);
		if (r == 1)
			printf("level=%d\nofficial_long=%s\nofficial_short=%s\nlay=%s\n", m.level,
			    nz(m.official_long), nz(m.official_short), nz(m.lay));
		cdb_modifier_free(&m);
		rc = r == 1 ? 0 : 1;
	} else if (strcmp(cmd, "nearest") == 0 && a1) {
		r = codedb_nearest(db, a1, a2 ? (size_t)strtoul(a2, NULL, 10) : 5, pr_code, NULL);
		printf("count=%d\n", r);
	} else if (strcmp(cmd, "known") == 0 && a1) {
		r = codedb_known(db, a1);
		printf("known=%d\n", r);
	} else if (strcmp(cmd, "gem") == 0 && a1) {
		r = codedb_gem(db, a1, pr_gem, NULL);
		printf("count=%d\n", r);
	} else if (strcmp(cmd, "vintage") == 0) {
		struct buf v;

		buf_init(&v, 65536);
		codedb_vintage(db, &v);
		printf("vintage=%s\nsample=%d\n", buf_cstr(&v), codedb_is_sample(db));
		buf_free(&v);
	} else if (strcmp(cmd, "datasets") == 0) {
		r = codedb_datasets(db, pr_ds, NULL);
		printf("count=%d\n", r);
	} else if (strcmp(cmd, "watch") == 0 && a1) {
		double end = mono() + strtod(a1, NULL);
		long rounds = 0, reopens = 0, failures = 0;
		int i;

		while (mono() < end) {
			int bad = 0;

			r = codedb_reopen_if_changed(db);
			if (r == 1)
				reopens++;
			for (i = 4; i < argc; i++)
				if (!probe(db, argv[i])) {
					bad = 1;
					if (failures < 5)
						fprintf(stderr, "watch: probe %s failed (round %ld)\n", argv[i], rounds);
				}
			failures += bad;
			rounds++;
		}
		printf("rounds=%ld reopens=%ld failures=%ld\n", rounds, reopens, failures);
		rc = failures ? 1 : 0;
	} else {
		fprintf(stderr, "cdb_query: bad command\n");
		rc = 64;
	}
	codedb_close(db);
	buf_free(&err);
	return rc;
}
