/* Unit tests: buf (capped growable buffer) and util parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

static void
test_append_and_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_addstr(&b, "hello"), 0);
	assert_int_equal(buf_addc(&b, ' '), 0);
	assert_int_equal(buf_addstr(&b, "worl"), 0);
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_addc(&b, 'd'), -1);          /* over the cap */
	assert_string_equal(buf_cstr(&b), "hello worl");  /* unchanged */
	buf_free(&b);
}

static void
test_printf_grows_and_caps(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 1000);
	for (i = 0; i < 100; i++)
		assert_int_equal(buf_printf(&b, "%02d,", i % 100), 0);
	assert_int_equal(b.len, 300);
	assert_int_equal(strncmp(buf_cstr(&b), "00,01,02,", 9), 0);
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%0999d", 1), 0);
	assert_int_equal(buf_printf(&b, "%d", 12), -1);
	assert_int_equal(b.len, 999);
	buf_free(&b);
}

static void
test_steal(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 100);
	s = buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
	buf_addstr(&b, "abc");
	s = buf_steal(&b);
	assert_string_equal(s, "abc");
	assert_int_equal(b.len, 0);
	free(s);
	buf_free(&b);
}

static void
test_parsers(void **state)
{
	long l;
	size_t sz;
	int bo;

	(void)state;
	assert_int_equal(util_parse_long("42", 0, 100, &l), 0);
	assert_int_equal(l, 42);
	assert_int_equal(util_parse_long("42x", 0, 100, &l), -1);
	assert_int_equal(util_parse_long("", 0, 100, &l), -1);
	assert_int_equal(util_parse_long("101", 0, 100, &l), -1);
	assert_int_equal(util_parse_duration("5m", &l), 0);
	assert_int_equal(l, 300);
	assert_int_equal(util_parse_duration("2d", &l), 0);
	assert_int_equal(l, 172800);
	assert_int_equal(util_parse_duration("5x", &l), -1);
	assert_int_equal(util_parse_size("10M", &sz), 0);
	assert_int_equal(sz, 10 * 1024 * 1024);
	assert_int_equal(util_parse_size("10Q", &sz), -1);
	assert_int_equal(util_parse_bool("Yes", &bo), 0);
	assert_int_equal(bo, 1);
	assert_int_equal(util_parse_bool("maybe", &bo), -1);
}

static void
test_read_file_cap(void **state)
{
	struct buf b;
	char path[64];
	int r;

	(void)state;
	util_fmt(path, sizeof(path), "/tmp/codemaild-test-read-%ld", (long)getpid());
	assert_int_equal(util_write_file_atomic(path, "0123456789", 10, 0600), 0);
	buf_init(&b, 100);
	assert_int_equal(util_read_file(path, 10, &b), 0);      /* exactly the limit: fine */
	assert_int_equal(b.len, 10);
	buf_reset(&b);
	errno = 0;
	r = util_read_file(path, 4, &b);                         /* over: EFBIG, first 4 kept */
	assert_int_equal(r, -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(b.len, 4);
	assert_string_equal(buf_cstr(&b), "0123");
	buf_free(&b);
	unlink(path);
}

static void
test_sha256(void **state)
{
	char hex[65];

	(void)state;
	util_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_cap),
		cmocka_unit_test(test_printf_grows_and_caps),
		cmocka_unit_test(test_steal),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_read_file_cap),
		cmocka_unit_test(test_sha256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
