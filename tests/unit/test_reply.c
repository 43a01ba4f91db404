/* Unit tests: reply composition (headers, encoding, threading, injection). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "message.h"
#include "reply.h"

static void
subject_case(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, 1000);
	assert_int_equal(reply_subject(in, &b), 0);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
test_subject_prefixes(void **state)
{
	(void)state;
	subject_case("What is 32120?", "Re: What is 32120?");
	subject_case("Re: Re: RE: What is 32120?", "Re: What is 32120?");
	subject_case("Fwd: Re: AW: SV: question", "Re: question");
	subject_case("Re[3]: Re(2): x", "Re: x");
	subject_case("", "Re: your coding question");
	subject_case("Reminder: MUE", "Re: Reminder: MUE");   /* not a prefix */
}

/* no header line may appear that the composer did not write */
static void
assert_no_injection(const char *msg)
{
	const char *p;

	assert_null(strstr(msg, "\r\nBcc:"));
	assert_null(strstr(msg, "\nBcc:"));
	for (p = msg; *p; p++) {
		if (*p == '\n')
			assert_true(p > msg && p[-1] == '\r');      /* only CRLF */
		if (*p == '\r')
			assert_true(p[1] == '\n');
	}
}

static void
test_header_injection(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10000);
	assert_int_equal(reply_header(&b, "Subject", "Re: hi\r\nBcc: x@y"), 0);
	assert_no_injection(buf_cstr(&b));
	/* CR/LF became spaces: one header line, ending in the only CRLF */
	assert_string_equal(buf_cstr(&b), "Subject: Re: hi Bcc: x@y\r\n");
	buf_reset(&b);
	assert_int_equal(reply_header(&b, "Subject", "R\xc3\xa9: hi\r\nBcc: x@y"), 0);
	assert_no_injection(buf_cstr(&b));
	assert_non_null(strstr(buf_cstr(&b), "=?UTF-8?B?"));
	buf_reset(&b);
	assert_int_equal(reply_header(&b, "Subject", "Re: hi\nBcc: x@y\x01"), 0);
	assert_no_injection(buf_cstr(&b));
	buf_free(&b);
}

static void
test_header_folding(void **state)
{
	struct buf b;
	const char *p, *line;
	char longv[600];

	(void)state;
	memset(longv, 0, sizeof(longv));
	for (int i = 0; i < 100; i++)
		memcpy(longv + i * 5, "word ", 5);
	buf_init(&b, 10000);
	assert_int_equal(reply_header(&b, "Subject", longv), 0);
	line = buf_cstr(&b);
	while ((p = strstr(line, "\r\n")) != NULL) {
		assert_true(p - line <= 78);
		line = p + 2;
	}
	/* UTF-8 words are split only between characters */
	buf_reset(&b);
	assert_int_equal(reply_header(&b, "Subject", "Réponse: ééééééééééééééééééééééééééééééééééééééééééééééééé"), 0);
	assert_non_null(strstr(buf_cstr(&b), "\r\n =?UTF-8?B?"));
	buf_free(&b);
}

static void
test_qp(void **state)
{
	struct buf b;
	char longline[300];

	(void)state;
	buf_init(&b, 10000);
	assert_int_equal(reply_qp(&b, "a=b é \nline two\t\n.dot"), 0);
	assert_string_equal(buf_cstr(&b), "a=3Db =C3=A9=20\r\nline two=09\r\n=2Edot\r\n");
	buf_reset(&b);
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(reply_qp(&b, longline), 0);
	for (const char *p = buf_cstr(&b), *q; (q = strstr(p, "\r\n")) != NULL; p = q + 2)
		assert_true(q - p <= 76);
	buf_free(&b);
}

static void
test_msgid_deterministic(void **state)
{
	char a[256], b[256], c[256];

	(void)state;
	reply_msgid("maildir:123.M1.host", "q1@x", "example.test", a, sizeof(a));
	reply_msgid("maildir:123.M1.host", "q1@x", "example.test", b, sizeof(b));
	reply_msgid("maildir:124.M1.host", "q1@x", "example.test", c, sizeof(c));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_non_null(strstr(a, "@example.test"));
}

static void
test_addr_ok(void **state)
{
	(void)state;
	assert_true(reply_addr_ok("maria@clinic.example"));
	assert_false(reply_addr_ok("maria@clinic.example\r\nBcc: x@y"));
	assert_false(reply_addr_ok("a b@c.d"));
	assert_false(reply_addr_ok("<a@b.c>"));
	assert_false(reply_addr_ok("nodomain"));
	assert_false(reply_addr_ok("a@b@c.d"));
}

static void
test_compose_full(void **state)
{
	static const char raw[] =
	    "From: =?UTF-8?Q?Mar=C3=ADa_L=C3=B3pez?= <maria@clinic.example>\r\n"
	    "To: consult@codemaild.example\r\n"
	    "Subject: =?UTF-8?Q?Re:_hi=0D=0ABcc:_x@y?=\r\n"
	    "Message-ID: <q1@clinic.example>\r\n"
	    "References: <a@x> <b@y>\r\n"
	    "\r\nWhat is 99213?\r\n";
	struct conf c;
	struct message *m;
	struct reply_in in;
	struct reply_out ro;
	struct buf out;
	const char *why = NULL, *s;

	(void)state;
	assert_int_equal(conf_defaults(&c), 0);
	m = message_parse(raw, sizeof(raw) - 1, NULL);
	assert_non_null(m);
	memset(&in, 0, sizeof(in));
	in.conf = &c;
	in.q = m;
	in.source_id = "maildir:1";
	in.text = "Answer text\n";
	in.html = "<p>Answer</p>\n";
	in.date = 1790000000;
	buf_init(&out, 100000);
	assert_int_equal(reply_compose(&in, &out, &ro, &why), 0);
	s = buf_cstr(&out);
	assert_no_injection(s);
	assert_string_equal(ro.rcpt, "maria@clinic.example");
	assert_non_null(strstr(s, "From: Coding Consultant <consult@codemaild.example>\r\n"));
	assert_non_null(strstr(s, "<maria@clinic.example>\r\n"));
	assert_non_null(strstr(s, "In-Reply-To: <q1@clinic.example>\r\n"));
	assert_non_null(strstr(s, "References: <a@x>\r\n <b@y>\r\n <q1@clinic.example>\r\n"));
	assert_non_null(strstr(s, "Auto-Submitted: auto-replied\r\n"));
	assert_non_null(strstr(s, "X-Auto-Response-Suppress: All\r\n"));
	assert_non_null(strstr(s, "X-Codemaild-Loop: codemaild.example\r\n"));
	assert_non_null(strstr(s, "Content-Type: multipart/alternative;"));
	assert_true(strstr(s, "text/plain") < strstr(s, "text/html"));
	assert_non_null(strstr(s, "Date: "));
	buf_free(&out);
	message_free(m);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject_prefixes),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_header_folding),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_msgid_deterministic),
		cmocka_unit_test(test_addr_ok),
		cmocka_unit_test(test_compose_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
