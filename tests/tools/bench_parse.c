/* bench_parse — loads every file named on the command line once, then runs message_parse +
 * extract_run over all of them ROUNDS times, in memory. Prints one line:
 *   files=N bytes=B rounds=R secs=S wall=W mb_per_s=X msgs_per_s=Y peak_rss_kb=K errors=E
 * secs is the process CPU time (fair on a busy machine; wall time is printed too).
 * Usage: bench_parse [--parse-only] ROUNDS FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "buf.h"
#include "extract.h"
#include "limits.h"
#include "message.h"
#include "util.h"

/* Peak RSS in kB: VmHWM from /proc (reset by exec, unlike ru_maxrss, which a child started
 * from a big parent inherits), else getrusage. */
static long
peak_rss_kb(void)
{
	struct rusage ru;
	struct buf b;
	const char *p;
	long kb = -1;

	buf_init(&b, 1 << 16);
	if (util_read_file("/proc/self/status", 1 << 16, &b) == 0 &&
	    (p = strstr(buf_cstr(&b), "VmHWM:")) != NULL) {
		char num[32];
		size_t i = 0;
		for (p += 6; *p == ' ' || *p == '\t'; p++)
			;
		while (*p >= '0' && *p <= '9' && i + 1 < sizeof(num))
			num[i++] = *p++;
		num[i] = '\0';
		if (util_parse_long(num, 0, 1L << 40, &kb) < 0)
			kb = -1;
	}
	buf_free(&b);
	if (kb < 0 && getrusage(RUSAGE_SELF, &ru) == 0)
		kb = ru.ru_maxrss;
	return kb;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct buf *files;
	struct ex_opts xo;
	size_t nfiles = 0, total = 0, i, errors = 0;
	long rounds, r;
	int extract = 1;
	double t0, w0, dt, wall;

	if (argc > 1 && strcmp(argv[1], "--parse-only") == 0) {
		extract = 0;
		argv++;
		argc--;
	}
	if (argc < 3 || util_parse_long(argv[1], 1, 1000000, &rounds) < 0) {
		fprintf(stderr, "usage: bench_parse [--parse-only] ROUNDS FILE...\n");
		return 2;
	}
	files = calloc((size_t)argc, sizeof(*files));
	if (files == NULL)
		return 1;
	for (i = 2; i < (size_t)argc; i++) {
		buf_init(&files[nfiles], LIM_MESSAGE_SIZE + 1);
		if (util_read_file(argv[i], LIM_MESSAGE_SIZE + 1, &files[nfiles]) < 0) {
			fprintf(stderr, "bench_parse: cannot read %s\n", argv[i]);
			return 1;
		}
		total += files[nfiles].len;
		nfiles++;
	}
	if (extract_init() < 0)
		return 1;
	memset(&xo, 0, sizeof(xo));
	xo.max_codes = LIM_CODES_PER_MESSAGE;
	t0 = cpu_now();
	w0 = util_mono();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nfiles; i++) {
			struct message *m = message_parse(files[i].data ? files[i].data : "",
			    files[i].len, NULL);
			struct ex_result x;

			if (m == NULL)
				return 1;
			if (m->error)
				errors++;
			else if (extract && extract_run(m->subject, m->question_text, &xo, &x) == 0)
				extract_result_free(&x);
			message_free(m);
		}
	}
	dt = cpu_now() - t0;
	wall = util_mono() - w0;
	printf("files=%zu bytes=%zu rounds=%ld secs=%.3f wall=%.3f mb_per_s=%.2f msgs_per_s=%.0f "
	    "peak_rss_kb=%ld errors=%zu\n", nfiles, total, rounds, dt, wall,
	    (double)total * (double)rounds / dt / 1e6, (double)nfiles * (double)rounds / dt,
	    peak_rss_kb(), errors / (size_t)rounds);
	for (i = 0; i < nfiles; i++)
		buf_free(&files[i]);
	free(files);
	extract_fini();
	return 0;
}
