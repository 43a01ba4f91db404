/* Unit tests: denial codes (CARC/RARC) recognised by extract — "CO-97", "CO 97", "PR-1",
 * "N362", "M80", "MA130", "reason code 97", "remark code N130" — and not taken as procedure
 * or diagnosis codes; "N362 after dx" stays ICD-10 N36.2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "extract.h"

struct dcase {
	const char *text;
	const char *want;          /* "CO:97 N362" = group:code list in order; "" none */
	const char *codes;         /* procedure/diagnosis codes expected, space-separated */
};

static const struct dcase cases[] = {
	{ "We got CO-97 on the claim, why?", "CO:97", "" },
	{ "Denied CO 97 for 20610", "CO:97", "20610" },
	{ "PR-1 on the EOB, can we bill the patient?", "PR:1", "" },
	{ "Line denied with N362", ":N362", "" },
	{ "remark M80 came back", ":M80", "" },
	{ "The ERA shows MA130 for the whole claim", ":MA130", "" },
	{ "what does reason code 97 mean", ":97", "" },
	{ "got remark code N130 on 99214", ":N130", "99214" },
	{ "CO-16 with N290 and OA-23", "CO:16 :N290 OA:23", "" },
	{ "denied CO-B5", "CO:B5", "" },
	{ "PI-204 on J1745", "PI:204", "J1745" },
	{ "CO97 again", "CO:97", "" },
	{ "dx N362 on the claim for 51798", "", "N36.2 51798" },
	{ "64495 x3 denied with N362", ":N362", "64495" },
	{ "the remit says N290", ":N290", "" },
	{ "billed 99213 and 20610 same day", "", "99213 20610" },
};

static void
fmt_denials(const struct ex_result *r, char *out, size_t outlen)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < r->ndenials && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%s:%s", i ? " " : "",
		    r->denials[i].group, r->denials[i].code);
}

static void
fmt_codes(const struct ex_result *r, char *out, size_t outlen)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < r->ncodes && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%s", i ? " " : "", r->codes[i].code);
}

static void
test_cases(void **state)
{
	size_t i;
	char got[256], codes[256];
	struct ex_opts o = { 25, NULL, NULL };
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ex_result r;

		assert_int_equal(extract_run(NULL, cases[i].text, &o, &r), 0);
		fmt_denials(&r, got, sizeof(got));
		fmt_codes(&r, codes, sizeof(codes));
		if (strcmp(got, cases[i].want) != 0 || strcmp(codes, cases[i].codes) != 0)
			bad++, print_error("'%s': denials '%s' (want '%s'), codes '%s' (want '%s')\n", cases[i].text,
			    got, cases[i].want, codes, cases[i].codes);
		extract_result_free(&r);
	}
	assert_int_equal(bad, 0);
}

static void
test_rarc_flag(void **state)
{
	struct ex_result r;
	struct ex_opts o = { 25, NULL, NULL };

	(void)state;
	assert_int_equal(extract_run(NULL, "CO-97 and N122", &o, &r), 0);
	assert_int_equal(r.ndenials, 2);
	assert_int_equal(r.denials[0].rarc, 0);
	assert_int_equal(r.denials[1].rarc, 1);
	assert_true(r.denials[1].pos > r.denials[0].pos);
	extract_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_rarc_flag),
	};

	if (extract_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
