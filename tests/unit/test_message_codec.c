/* Unit tests: mime.c — base64, quoted-printable, RFC 2047 words, RFC 2231 parameters,
 * charsets to UTF-8, UTF-8 repair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"

static char *
b64(const char *in, int *bad)
{
	struct buf b;
	char *r;

	buf_init(&b, 1 << 20);
	assert_int_equal(mime_b64_decode(in, strlen(in), &b, bad), 0);
	r = buf_steal(&b);
	buf_free(&b);
	return r;
}

static void
test_base64(void **state)
{
	int bad = 0;
	char *r;

	(void)state;
	r = b64("SGVsbG8gV29ybGQh", &bad);
	assert_string_equal(r, "Hello World!");
	assert_int_equal(bad, 0);
	free(r);
	/* line breaks inside, missing padding */
	r = b64("SGVs\r\nbG8g\nV29y bGQ", &bad);
	assert_string_equal(r, "Hello World");
	assert_int_equal(bad, 0);
	free(r);
	/* junk characters skipped, flagged */
	r = b64("SGV*sbG8!", &bad);
	assert_string_equal(r, "Hello");
	assert_int_equal(bad, 1);
	free(r);
	/* two encodings concatenated: padding in the middle */
	bad = 0;
	r = b64("YQ==Yg==", &bad);
	assert_string_equal(r, "ab");
	free(r);
	/* a lone trailing character cannot make a byte */
	bad = 0;
	r = b64("SGVsbG8gV29ybGQhA", &bad);
	assert_string_equal(r, "Hello World!");
	assert_int_equal(bad, 1);
	free(r);
}

static char *
qp(const char *in, int *bad)
{
	struct buf b;
	char *r;

	buf_init(&b, 1 << 20);
	assert_int_equal(mime_qp_decode(in, strlen(in), &b, bad), 0);
	r = buf_steal(&b);
	buf_free(&b);
	return r;
}

static void
test_qp(void **state)
{
	int bad = 0;
	char *r;

	(void)state;
	r = qp("caf=C3=A9 soft=\r\nbreak and=\nlf", &bad);
	assert_string_equal(r, "caf\xc3\xa9 softbreak andlf");
	assert_int_equal(bad, 0);
	free(r);
	r = qp("lower =c3=a9 ok", &bad);
	assert_string_equal(r, "lower \xc3\xa9 ok");
	free(r);
	/* bad escapes kept literally */
	r = qp("100=% and =ZZ", &bad);
	assert_string_equal(r, "100=% and =ZZ");
	assert_int_equal(bad, 1);
	free(r);
	/* libetpan over-read: "abc=" at the very end is a soft break, nothing read past */
	bad = 0;
	r = qp("abc=", &bad);
	assert_string_equal(r, "abc");
	free(r);
	r = qp("x=4", &bad);
	assert_string_equal(r, "x=4");
	free(r);
	/* transport whitespace before a line end dropped, inner whitespace kept */
	r = qp("a b  \r\nc\t\nd", &bad);
	assert_string_equal(r, "a b\r\nc\nd");
	free(r);
	/* soft break with whitespace after the '=' */
	r = qp("a= \r\nb", &bad);
	assert_string_equal(r, "ab");
	free(r);
}

static char *
hdr(const char *in, size_t *nbroken)
{
	struct buf b;
	char *r;

	buf_init(&b, 1 << 20);
	assert_int_equal(mime_decode_header(in, strlen(in), &b, nbroken), 0);
	r = buf_steal(&b);
	buf_free(&b);
	return r;
}

static void
test_rfc2047(void **state)
{
	size_t nb = 0;
	char *r;

	(void)state;
	r = hdr("=?UTF-8?B?Q2Fmw6k=?=", &nb);
	assert_string_equal(r, "Caf\xc3\xa9");
	free(r);
	r = hdr("=?iso-8859-1?q?caf=E9_au_lait?=", &nb);
	assert_string_equal(r, "caf\xc3\xa9 au lait");
	free(r);
	/* adjacent words: whitespace between them dropped */
	r = hdr("=?utf-8?q?a?= =?utf-8?q?b?=\r\n =?utf-8?q?c?=", &nb);
	assert_string_equal(r, "abc");
	free(r);
	/* text between words kept */
	r = hdr("Re: =?utf-8?q?x?= and =?utf-8?q?y?= end", &nb);
	assert_string_equal(r, "Re: x and y end");
	free(r);
	/* a UTF-8 character split over two words is joined before conversion */
	r = hdr("=?utf-8?B?w6?= =?utf-8?B?kK?=", &nb);
	(void)r;
	free(r);
	r = hdr("=?utf-8?q?=C3?= =?utf-8?q?=A9?=", &nb);
	assert_string_equal(r, "\xc3\xa9");
	free(r);
	/* RFC 2231 language suffix */
	r = hdr("=?utf-8*en?q?hi?=", &nb);
	assert_string_equal(r, "hi");
	free(r);
	/* broken base64 word kept visible */
	nb = 0;
	r = hdr("x =?utf-8?B?%%%?= y", &nb);
	assert_string_equal(r, "x =?utf-8?B?%%%?= y");
	assert_int_equal(nb, 1);
	free(r);
	/* not an encoded word at all */
	r = hdr("=?foo bar?= =?utf-8?X?abc?=", &nb);
	assert_string_equal(r, "=?foo bar?= =?utf-8?X?abc?=");
	free(r);
	/* unknown charset: bytes still shown (UTF-8 if valid) */
	r = hdr("=?x-unknown-cs?q?caf=C3=A9?=", &nb);
	assert_string_equal(r, "caf\xc3\xa9");
	free(r);
	/* gb2312 read as gb18030 */
	r = hdr("=?gb2312?B?1tDOxA==?=", &nb);
	assert_string_equal(r, "\xe4\xb8\xad\xe6\x96\x87");
	free(r);
	/* raw 8-bit: UTF-8 when valid, else windows-1252 */
	r = hdr("caf\xc3\xa9", &nb);
	assert_string_equal(r, "caf\xc3\xa9");
	free(r);
	r = hdr("caf\xe9 \x93q\x94", &nb);
	assert_string_equal(r, "caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d");
	free(r);
}

static char *
param(const char *v, const char *name, int decode, int *found)
{
	struct buf b;
	char *r;

	buf_init(&b, 1 << 16);
	*found = mime_param(v, strlen(v), name, decode, &b);
	r = buf_steal(&b);
	buf_free(&b);
	return r;
}

static void
test_params(void **state)
{
	int f;
	char *r;

	(void)state;
	r = param("text/plain; charset=\"UTF-8\"; format=flowed", "charset", 1, &f);
	assert_int_equal(f, 1);
	assert_string_equal(r, "UTF-8");
	free(r);
	r = param("text/plain; format=flowed", "charset", 1, &f);
	assert_int_equal(f, 0);
	free(r);
	/* quoted with escapes: the libetpan crash input */
	r = param("multipart/mixed; boundary=\"\\\"\"", "boundary", 0, &f);
	assert_int_equal(f, 1);
	assert_string_equal(r, "\"");
	free(r);
	/* comments and case */
	r = param("text/plain (comment; x=y); CHARSET=us-ascii (another)", "charset", 1, &f);
	assert_string_equal(r, "us-ascii");
	free(r);
	/* RFC 2231 extended value */
	r = param("attachment; filename*=utf-8''caf%C3%A9.pdf", "filename", 1, &f);
	assert_int_equal(f, 1);
	assert_string_equal(r, "caf\xc3\xa9.pdf");
	free(r);
	/* RFC 2231 continuations, mixed encoded and plain, out of order */
	r = param("attachment; filename*1=\"_part.txt\"; filename*0*=iso-8859-1'en'r%E9sum%E9",
	    "filename", 1, &f);
	assert_string_equal(r, "r\xc3\xa9sum\xc3\xa9_part.txt");
	free(r);
	/* the extended form wins over the plain one */
	r = param("attachment; filename=\"plain.txt\"; filename*=utf-8''ext.txt", "filename", 1, &f);
	assert_string_equal(r, "ext.txt");
	free(r);
	/* RFC 2047 inside a quoted filename, as many mailers write it */
	r = param("attachment; filename=\"=?utf-8?B?Q2Fmw6kucGRm?=\"", "filename", 1, &f);
	assert_string_equal(r, "Caf\xc3\xa9.pdf");
	free(r);
	/* unquoted value with '=' (Outlook boundaries) */
	r = param("multipart/alternative; boundary=----=_NextPart_000_0093", "boundary", 0, &f);
	assert_string_equal(r, "----=_NextPart_000_0093");
	free(r);
	/* a parameter name that is only a prefix does not match */
	r = param("text/plain; charsetx=a", "charset", 1, &f);
	assert_int_equal(f, 0);
	free(r);
}

static void
test_value_token(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(mime_value_token("Text/HTML; charset=x", 20, out, sizeof(out)), 9);
	assert_string_equal(out, "text/html");
	mime_value_token(" (c) multipart/Mixed ;b=1", 25, out, sizeof(out));
	assert_string_equal(out, "multipart/mixed");
	mime_value_token("base64", 6, out, 4);
	assert_string_equal(out, "bas");
}

static char *
conv(const char *cs, const char *in, size_t n, const char **w)
{
	struct buf b;
	char *r;

	buf_init(&b, 1 << 20);
	*w = NULL;
	assert_int_equal(mime_to_utf8(cs, in, n, &b, w), 0);
	r = buf_steal(&b);
	buf_free(&b);
	assert_true(mime_utf8_valid(r, strlen(r)));
	return r;
}

static void
test_charsets(void **state)
{
	const char *w;
	char *r;

	(void)state;
	r = conv("iso-8859-1", "caf\xe9", 4, &w);
	assert_string_equal(r, "caf\xc3\xa9");
	free(r);
	r = conv("windows-1252", "\x93hi\x94 \x80", 6, &w);
	assert_string_equal(r, "\xe2\x80\x9chi\xe2\x80\x9d \xe2\x82\xac");
	free(r);
	r = conv("koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", 6, &w);
	assert_string_equal(r, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
	free(r);
	r = conv("ISO-2022-JP", "\x1b$B$3$s\x1b(B", 10, &w);
	assert_string_equal(r, "\xe3\x81\x93\xe3\x82\x93");
	free(r);
	/* undeclared 8-bit: UTF-8 if valid ... */
	r = conv(NULL, "caf\xc3\xa9", 5, &w);
	assert_string_equal(r, "caf\xc3\xa9");
	free(r);
	/* ... else windows-1252 */
	r = conv("us-ascii", "caf\xe9", 4, &w);
	assert_string_equal(r, "caf\xc3\xa9");
	assert_non_null(w);
	free(r);
	/* unknown label */
	r = conv("x-no-such-charset", "caf\xe9", 4, &w);
	assert_string_equal(r, "caf\xc3\xa9");
	assert_non_null(w);
	free(r);
	/* invalid label characters */
	r = conv("utf-8\"; x=\"", "ok", 2, &w);
	assert_string_equal(r, "ok");
	free(r);
	/* declared UTF-8 but invalid: replacement characters */
	r = conv("utf-8", "a\xff" "b\xc3", 4, &w);
	assert_string_equal(r, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	assert_non_null(w);
	free(r);
	/* declared big5 but the text is UTF-8 */
	r = conv("big5", "caf\xc3\xa9 \xe4\xb8\xad", 9, &w);
	assert_string_equal(r, "caf\xc3\xa9 \xe4\xb8\xad");
	free(r);
	/* NUL becomes U+FFFD: strings stay NUL-terminated C strings */
	r = conv("utf-8", "a\0b", 3, &w);
	assert_string_equal(r, "a\xef\xbf\xbd" "b");
	free(r);
	r = conv("utf-16le", "h\0i\0", 4, &w);
	assert_string_equal(r, "hi");
	free(r);
}

static void
test_utf8(void **state)
{
	struct buf b;
	size_t nbad = 0;

	(void)state;
	assert_true(mime_utf8_valid("caf\xc3\xa9 \xf0\x9f\x98\x80", 10));
	assert_false(mime_utf8_valid("\xc0\xaf", 2));          /* overlong */
	assert_false(mime_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	assert_false(mime_utf8_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
	assert_false(mime_utf8_valid("\xe2\x82", 2));          /* truncated */
	buf_init(&b, 100);
	assert_int_equal(mime_utf8_sanitize("a\xc0\xafz", 4, &b, &nbad), 0);
	assert_string_equal(buf_cstr(&b), "a\xef\xbf\xbd\xef\xbf\xbdz");
	assert_int_equal(nbad, 2);
	buf_free(&b);
	assert_int_equal(mime_utf8_cut("ab\xe2\x82\xac", 4), 2);
	assert_int_equal(mime_utf8_cut("ab\xe2\x82\xac", 5), 5);
	assert_int_equal(mime_utf8_cut("abc", 2), 2);
}

static void
test_caps(void **state)
{
	struct buf b;
	int bad = 0;

	(void)state;
	buf_init(&b, 5);
	assert_int_equal(mime_qp_decode("0123456789", 10, &b, &bad), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_cstr(&b), "01234");
	buf_free(&b);
	buf_init(&b, 4);
	assert_int_equal(mime_b64_decode("SGVsbG8gV29ybGQh", 16, &b, &bad), -1);
	assert_int_equal(b.len, 4);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_value_token),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
