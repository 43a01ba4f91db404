/* Unit tests: senderkey (the canonical sender key of issue 13, point 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "senderkey.h"

static void
key_is(const struct senderkey_conf *kc, const char *addr, const char *want)
{
	char out[330];

	senderkey_canon(addr, kc, out, sizeof(out));
	if (strcmp(out, want) != 0)
		print_error("%s -> %s, want %s\n", addr, out, want);
	assert_string_equal(out, want);
}

static void
test_variants_one_key(void **state)
{
	static const char *const variants[] = {
		"kim@clinic.example", "Kim@Clinic.Example", "KIM@CLINIC.EXAMPLE",
		"kim+1@clinic.example", "kim+2@clinic.example", "Kim+Billing@clinic.example.",
		"kim@clinic.example.", "kim@clinic.example..", " <kim@clinic.example> ",
		"kim+a+b@clinic.example",
	};
	struct senderkey_conf kc = { "+", "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		key_is(&kc, variants[i], "kim@clinic.example");
	/* dots count where no dotless domain is configured */
	key_is(&kc, "k.i.m@clinic.example", "k.i.m@clinic.example");
	key_is(&kc, "k.i.m@gmail.com", "k.i.m@gmail.com");
	key_is(NULL, "Kim+x@Clinic.Example.", "kim@clinic.example");   /* NULL = defaults */
}

static void
test_dotless_domains(void **state)
{
	struct senderkey_conf kc = { "+", "gmail.com, GoogleMail.com" };

	(void)state;
	key_is(&kc, "k.i.m@gmail.com", "kim@gmail.com");
	key_is(&kc, "K.I.M+tag@GMail.com.", "kim@gmail.com");
	key_is(&kc, "k.im@googlemail.com", "kim@googlemail.com");
	key_is(&kc, "k.i.m@clinic.example", "k.i.m@clinic.example");
	key_is(&kc, "k.i.m@mail.gmail.com", "k.i.m@mail.gmail.com");   /* exact domain only */
}

static void
test_separator(void **state)
{
	struct senderkey_conf none = { "", "" }, dash = { "-+", "" };

	(void)state;
	key_is(&none, "Kim+1@clinic.example.", "kim+1@clinic.example");
	key_is(&dash, "kim-billing@clinic.example", "kim@clinic.example");
	key_is(&dash, "kim+x@clinic.example", "kim@clinic.example");
	key_is(&dash, "+x@clinic.example", "+x@clinic.example");        /* nothing would remain */
	key_is(&dash, "-@clinic.example", "-@clinic.example");
}

static void
test_unauth_prefix_and_odd_input(void **state)
{
	struct senderkey_conf kc = { "+", "" };
	char out[16];

	(void)state;
	key_is(&kc, "unauth:Kim+2@Clinic.Example.", "unauth:kim@clinic.example");
	key_is(&kc, "", "");
	key_is(&kc, "NoAt", "noat");
	key_is(&kc, "@clinic.example", "@clinic.example");
	assert_int_equal(senderkey_canon("averyveryverylonglocal@clinic.example", &kc, out,
	    sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(senderkey_canon(NULL, &kc, out, sizeof(out)), -1);
	assert_int_equal(senderkey_domain("Kim@Clinic.Example.", out, sizeof(out)), 0);
	assert_string_equal(out, "clinic.example");
	assert_int_equal(senderkey_domain("Clinic.EXAMPLE", out, sizeof(out)), 0);
	assert_string_equal(out, "clinic.example");
}

static void
test_fingerprint(void **state)
{
	struct senderkey_conf a = { "+", "" }, b = { "", "" }, c = { "+", "Gmail.com" };
	char fa[64], fb[64], fc[64];

	(void)state;
	senderkey_fingerprint(&a, fa, sizeof(fa));
	senderkey_fingerprint(&b, fb, sizeof(fb));
	senderkey_fingerprint(&c, fc, sizeof(fc));
	assert_string_not_equal(fa, fb);
	assert_string_not_equal(fa, fc);
	assert_string_equal(fc, "v1 sep=+ dotless=gmail.com");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants_one_key),
		cmocka_unit_test(test_dotless_domains),
		cmocka_unit_test(test_separator),
		cmocka_unit_test(test_unauth_prefix_and_odd_input),
		cmocka_unit_test(test_fingerprint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
