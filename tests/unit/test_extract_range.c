/* Unit test: a code range costs the same whatever its width (issue 12, point 3). A 2 MB
 * body of "00100-99499" lines once took 6.6 s in extract_run (every value of every range
 * was visited although only the two end points are kept). The bound is on CPU time, with
 * a wide margin: 0.1 s where the old code took seconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extract.h"

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_wide_ranges_linear(void **unused)
{
	static const char line[] = "00100-99499\n";
	size_t n = 2u * 1024 * 1024 / (sizeof(line) - 1), i;
	char *text = malloc(n * (sizeof(line) - 1) + 1);
	struct ex_opts o;
	struct ex_result r;
	double t0, t;
	int lo = 0, hi = 0;

	(void)unused;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		memcpy(text + i * (sizeof(line) - 1), line, sizeof(line) - 1);
	text[n * (sizeof(line) - 1)] = '\0';
	memset(&o, 0, sizeof(o));
	assert_int_equal(extract_init(), 0);
	t0 = cpu_s();
	assert_int_equal(extract_run(NULL, text, &o, &r), 0);
	t = cpu_s() - t0;
	printf("# 2 MB of \"00100-99499\" lines (%zu ranges): extract_run %.3f s CPU\n", n, t);
	/* the end points only, each once; the range itself is listed */
	for (i = 0; i < r.ncodes; i++) {
		lo += strcmp(r.codes[i].code, "00100") == 0;
		hi += strcmp(r.codes[i].code, "99499") == 0;
	}
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 1);
	assert_int_equal(r.ncodes, 2);
	assert_true(r.nranges >= 1);
	assert_string_equal(r.ranges[0].lo, "00100");
	assert_string_equal(r.ranges[0].hi, "99499");
	assert_int_equal(r.ranges[0].expanded, 0);
	assert_true(t < 0.1);
	extract_result_free(&r);
	free(text);
}

/* a narrow range is still expanded (every value visited, as before) */
static void
test_narrow_range_expanded(void **unused)
{
	struct ex_opts o;
	struct ex_result r;

	(void)unused;
	memset(&o, 0, sizeof(o));
	assert_int_equal(extract_init(), 0);
	assert_int_equal(extract_run(NULL, "Is 99211-99215 right?", &o, &r), 0);
	assert_int_equal(r.nranges, 1);
	assert_int_equal(r.ranges[0].expanded, 1);
	assert_int_equal(r.ncodes, 5);
	extract_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wide_ranges_linear),
		cmocka_unit_test(test_narrow_range_expanded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
