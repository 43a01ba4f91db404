/* gen_ptp — writes a full-scale synthetic NCCI PTP file in the exact CMS layout (the six
 * header lines of ccipra-v322r0-f1, CRLF, 7 tab-separated fields, rows sorted by column 1
 * then column 2) for benchmarks and tests. The pairs are made up; the shape is realistic:
 * column-1 codes drawn from real CPT/HCPCS code ranges, a skewed number of edits per
 * column-1 code (a few with thousands, many with a handful), column-2 codes mostly near the
 * column-1 code plus common bundled services, deleted edits, indicators 0/1/9, the real
 * rationale categories.
 *
 * usage: gen_ptp OUT ROWS [SEED]     (ROWS: 1700000 for full scale) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static double
gauss(void)
{
	double u = unif(), v = unif();

	if (u < 1e-12)
		u = 1e-12;
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

struct range {
	char prefix;     /* 0 = numeric code; else the letter of HCPCS Level II */
	char suffix;     /* 0 = none; else the trailing letter (T, U, A, F) */
	int  lo, hi, step;
};

/* Real code ranges with a density step (real CPT has about one code in 5 here). */
static const struct range ranges[] = {
	{ 0, 'A', 1, 172, 1 },        /* vaccine administration 0001A… */
	{ 0, 'T', 1, 999, 2 },        /* Category III */
	{ 0, 'U', 1, 500, 2 },        /* PLA */
	{ 0, 0, 100, 1999, 10 },      /* anesthesia 00100-01999 */
	{ 0, 0, 10004, 69990, 5 },    /* surgery */
	{ 0, 0, 70010, 79999, 10 },   /* radiology */
	{ 0, 0, 80047, 89398, 10 },   /* pathology and laboratory */
	{ 0, 0, 90281, 99607, 5 },    /* medicine, E/M */
	{ 'G', 0, 8, 9999, 20 },
	{ 'J', 0, 120, 9999, 25 },
	{ 'C', 0, 1052, 9899, 30 },
	{ 'Q', 0, 35, 9999, 60 },
};

static const char *const rationales[] = {
	"Misuse of Column Two code with Column One code",
	"Mutually exclusive procedures",
	"Standards of medical/surgical practice",
	"CPT Manual or CMS manual coding instruction",
	"CPT Separate Procedure definition",
	"HCPCS/CPT procedure code definition",
	"More extensive procedure",
	"Gender-specific procedures",
	"Anesthesia service included in surgical procedure",
	"Laboratory panel",
	"Deleted/Changed code",
	"Designation of sequential procedures",
};

static int
cmpstr(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void
ymd(char *out, int y, int m, int d)
{
	char t[32];

	snprintf(t, sizeof(t), "%04d%02d%02d", y % 10000, m % 100, d % 100);
	memcpy(out, t, 8);
	out[8] = '\0';
}

int
main(int argc, char **argv)
{
	char (*pool)[6] = NULL;
	size_t npool = 0, cap = 0, i, j;
	long long rows, written = 0;
	double *w, wsum = 0;
	long long *k;
	unsigned char *mark;
	FILE *fp;
	size_t r;
	char *end;
	static const int common[] = { 36000, 36410, 36591, 96360, 96365, 96372, 96374, 99211,
	    99212, 99213, 99214, 99215, 99221, 99231, 99238, 1996, 69990, 64450, 20610, 93000 };

	if (argc < 3) {
		fprintf(stderr, "usage: gen_ptp OUT ROWS [SEED]\n");
		return 64;
	}
	rows = strtoll(argv[2], &end, 10);
	if (*end || rows < 1) {
		fprintf(stderr, "gen_ptp: bad ROWS\n");
		return 64;
	}
	if (argc > 3)
		rng ^= strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ULL;

	for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		int c;

		for (c = ranges[r].lo; c <= ranges[r].hi; c += ranges[r].step) {
			if (npool == cap) {
				cap = cap ? cap * 2 : 4096;
				pool = realloc(pool, cap * sizeof(*pool));
				if (pool == NULL)
					return 71;
			}
			char t[32];

			if (ranges[r].prefix)
				snprintf(t, sizeof(t), "%c%04d", ranges[r].prefix, c % 10000);
			else if (ranges[r].suffix)
				snprintf(t, sizeof(t), "%04d%c", c % 10000, ranges[r].suffix);
			else
				snprintf(t, sizeof(t), "%05d", c % 100000);
			memcpy(pool[npool], t, 5);
			pool[npool][5] = '\0';
			npool++;
		}
	}
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if (npool == cap) {
			cap *= 2;
			pool = realloc(pool, cap * sizeof(*pool));
			if (pool == NULL)
				return 71;
		}
		char t[32];

		snprintf(t, sizeof(t), "%05d", common[i] % 100000);
		memcpy(pool[npool], t, 5);
		pool[npool++][5] = '\0';
	}
	qsort(pool, npool, sizeof(*pool), cmpstr);
	for (i = 1, j = 1; i < npool; i++)          /* de-duplicate */
		if (strcmp(pool[i], pool[j - 1]) != 0)
			memcpy(pool[j++], pool[i], 6);
	npool = j;

	/* edits per column-1 code: log-normal weights, scaled to exactly ROWS */
	w = calloc(npool, sizeof(*w));
	k = calloc(npool, sizeof(*k));
	mark = calloc(npool, 1);
	if (w == NULL || k == NULL || mark == NULL)
		return 71;
	for (i = 0; i < npool; i++) {
		w[i] = unif() < 0.25 ? 0 : exp(1.3 * gauss());
		wsum += w[i];
	}
	{
		long long total = 0, maxk = (long long)npool / 2;

		for (i = 0; i < npool; i++) {
			k[i] = (long long)(w[i] / wsum * (double)rows + 0.5);
			if (w[i] > 0 && k[i] < 1)
				k[i] = 1;
			if (k[i] > maxk)
				k[i] = maxk;
			total += k[i];
		}
		/* fix the total by nudging random column-1 codes */
		while (total != rows) {
			i = (size_t)(rnd() % npool);
			if (total < rows && w[i] > 0 && k[i] < maxk) {
				k[i]++;
				total++;
			} else if (total > rows && k[i] > 1) {
				k[i]--;
				total--;
			}
		}
	}

	fp = fopen(argv[1], "wb");
	if (fp == NULL) {
		perror(argv[1]);
		return 73;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	fputs("CPT only copyright 2025 American Medical Association.  All rights reserved.\t\t\t\t\t\t\r\n"
	    "Column1/Column2 Edits\t\t\t\t\t\t\r\n"
	    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale\r\n"
	    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t\r\n"
	    "\t\t\t\t*=no data\t1=allowed\t\r\n"
	    "\t\t\t\t\t9=not applicable\t\r\n", fp);
	for (i = 0; i < npool; i++) {
		long long want = k[i], got = 0;
		size_t lo, hi, c;

		if (want == 0)
			continue;
		memset(mark, 0, npool);
		/* mostly neighbours within a window, plus common services and random others */
		lo = i > 3000 ? i - 3000 : 0;
		hi = i + 3000 < npool ? i + 3000 : npool - 1;
		while (got < want) {
			double u = unif();

			if (u < 0.70)
				c = lo + (size_t)(rnd() % (hi - lo + 1));
			else if (u < 0.80) {
				char tmp[32];
				void *hit;

				snprintf(tmp, sizeof(tmp), "%05d", common[rnd() % (sizeof(common) /
				    sizeof(common[0]))] % 100000);
				hit = bsearch(tmp, pool, npool, sizeof(*pool), cmpstr);
				c = hit ? (size_t)((char (*)[6])hit - pool) : i;
			} else
				c = (size_t)(rnd() % npool);
			if (c == i || mark[c])
				continue;
			mark[c] = 1;
			got++;
		}
		for (c = 0; c < npool; c++) {
			char eff[9], del[9];
			int ey, em, pre = 0, ind;
			double u;

			if (!mark[c])
				continue;
			u = unif();
			if (u < 0.12) {
				ey = 1996;
				em = 1;
				pre = unif() < 0.5;
			} else {
				ey = 1996 + (int)(rnd() % 31);
				em = 1 + 3 * (int)(rnd() % 4);
				if (ey == 2026 && em > 7)
					em = 7;
			}
			ymd(eff, ey, em, 1);
			if (unif() < 0.78) {
				memcpy(del, "*", 2);
			} else {
				int dy = ey + (int)(rnd() % (2027 - ey));
				int dq = (int)(rnd() % 4);
				static const int qend[4][2] = { { 3, 31 }, { 6, 30 }, { 9, 30 }, { 12, 31 } };

				if (dy > 2026)
					dy = 2026;
				if (dy == ey && qend[dq][0] < em)
					dq = 3;
				ymd(del, dy, qend[dq][0], qend[dq][1]);
			}
			u = unif();
			ind = u < 0.15 ? 0 : u < 0.95 ? 1 : 9;
			fprintf(fp, "%s\t%s\t%s\t%s\t%s\t%d\t%s\r\n", pool[i], pool[c], pre ? "*" : "",
			    eff, del, ind, rationales[rnd() % (sizeof(rationales) / sizeof(rationales[0]))]);
			written++;
		}
	}
	if (fclose(fp) != 0) {
		perror(argv[1]);
		return 74;
	}
	fprintf(stderr, "gen_ptp: %lld rows, %zu codes in the pool\n", written, npool);
	free(pool);
	free(w);
	free(k);
	free(mark);
	return written == rows ? 0 : 70;
}
