/* bench_pairs — "check all pairs" for a message with 25 codes: the 300 ordered pairs looked
 * up with codedb_ptp() against a (full-scale) reference DB. Picks 25 codes that occur in
 * the PTP table (column-1 codes with their column-2 partners, so many pairs hit), then
 * times ROUNDS rounds of the 300 lookups and prints min / median / max per round.
 *
 * usage: bench_pairs DB [ROUNDS]    (prints: pairs=300 hits=N min_ms=… median_ms=… max_ms=…) */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "codedb.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	char codes[25][6];
	int ncodes = 0, rounds = 200, r, i, j, hits = 0;
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	struct codedb *db;
	struct buf err;
	double *t;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_pairs DB [ROUNDS]\n");
		return 64;
	}
	if (argc > 2)
		rounds = (int)strtol(argv[2], NULL, 10);
	if (rounds < 1)
		rounds = 1;
	/* 10 column-1 codes spread over the table, and 15 of their column-2 partners */
	if (sqlite3_open_v2(argv[1], &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT col1 FROM (SELECT DISTINCT col1 FROM ptp)"
	    " WHERE abs(random()) % 500 = 0 LIMIT 10", -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_pairs: %s\n", sqlite3_errmsg(h));
		return 66;
	}
	while (sqlite3_step(s) == SQLITE_ROW && ncodes < 10)
		snprintf(codes[ncodes++], 6, "%.5s", sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	for (i = 0; i < 10 && ncodes < 25 && i < ncodes; i++) {
		if (sqlite3_prepare_v2(h, "SELECT col2 FROM ptp WHERE col1 = ?1 ORDER BY random()"
		    " LIMIT 2", -1, &s, NULL) != SQLITE_OK)
			return 70;
		sqlite3_bind_text(s, 1, codes[i], -1, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW && ncodes < 25) {
			const char *c = (const char *)sqlite3_column_text(s, 0);
			int dup = 0;

			for (j = 0; j < ncodes; j++)
				if (strcmp(codes[j], c) == 0)
					dup = 1;
			if (!dup)
				snprintf(codes[ncodes++], 6, "%.5s", c);
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
	while (ncodes < 25)                  /* pad with codes that are rarely edited */
		snprintf(codes[ncodes], 6, "%05d", 99400 + ncodes), ncodes++;

	buf_init(&err, 4096);
	db = codedb_open(argv[1], &err);
	if (db == NULL) {
		fprintf(stderr, "bench_pairs: %s\n", buf_cstr(&err));
		return 66;
	}
	t = calloc((size_t)rounds, sizeof(*t));
	if (t == NULL)
		return 71;
	for (r = -1; r < rounds; r++) {        /* round -1 warms the cache */
		double t0 = now();
		int h2 = 0;

		for (i = 0; i < 25; i++)
			for (j = 0; j < 25; j++) {
				struct cdb_ptp p;

				if (i == j)
					continue;
				if (codedb_ptp(db, codes[i], codes[j], "2026-08-01", &p) == 1)
					h2++;
				cdb_ptp_free(&p);
			}
		if (r >= 0)
			t[r] = (now() - t0) * 1000.0;
		hits = h2;
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmpd);
	printf("pairs=300 hits=%d rounds=%d min_ms=%.3f median_ms=%.3f max_ms=%.3f\n", hits, rounds,
	    t[0], t[rounds / 2], t[rounds - 1]);
	free(t);
	codedb_close(db);
	buf_free(&err);
	return 0;
}
