/* Unit tests: reply composition (headers, encoding, threading, injection). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
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
	/* RFC 6531 addresses are usable (SMTPUTF8); broken or control-laden ones are not */
	assert_true(reply_addr_ok("jos\xc3\xa9@cl\xc3\xadnica.example"));
	assert_true(reply_addr_utf8("jos\xc3\xa9@clinica.example"));
	assert_false(reply_addr_utf8("jose@clinica.example"));
	assert_false(reply_addr_ok("jos\xe9@clinica.example"));           /* latin-1 byte */
	assert_false(reply_addr_ok("a\xc2\x85" "b@clinica.example"));      /* NEL */
	assert_false(reply_addr_ok("a\xe2\x80\xa8" "b@clinica.example"));  /* line separator */
	assert_false(reply_addr_ok("a\xc2\xa0" "b@clinica.example"));      /* no-break space */
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

/* compose a reply to raw; returns the reply (caller frees) and the return code */
static char *
compose_raw(const char *raw, const char *consultant_name, int *rc)
{
	struct conf c;
	struct message *m;
	struct reply_in in;
	struct reply_out ro;
	struct buf out;
	const char *why = NULL;
	char *r;

	assert_int_equal(conf_defaults(&c), 0);
	if (consultant_name) {
		free(c.consultant_name);
		c.consultant_name = strdup(consultant_name);
	}
	m = message_parse(raw, strlen(raw), NULL);
	assert_non_null(m);
	memset(&in, 0, sizeof(in));
	in.conf = &c;
	in.q = m;
	in.source_id = "maildir:1";
	in.text = "Answer text\n";
	in.date = 1790000000;
	buf_init(&out, 100000);
	*rc = reply_compose(&in, &out, &ro, &why);
	r = buf_steal(&out);
	buf_free(&out);
	message_free(m);
	conf_free(&c);
	return r;
}

/* the To line(s) of a reply, unfolded */
static void
header_of(const char *msg, const char *name, char *out, size_t n)
{
	const char *p = msg, *e;
	size_t j = 0, nl = strlen(name);

	out[0] = '\0';
	while (p && *p && !(p[0] == '\r' && p[1] == '\n')) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while ((e = strstr(p, "\r\n")) != NULL) {
				while (p < e && j + 1 < n)
					out[j++] = *p++;
				p = e + 2;
				if (*p != ' ' && *p != '\t')
					break;
			}
			out[j] = '\0';
			return;
		}
		p = strstr(p, "\r\n");
		p = p ? p + 2 : NULL;
	}
}

static void
to_case(const char *from, const char *want_to)
{
	char raw[1024], to[1024];
	char *r;
	int rc;

	snprintf(raw, sizeof(raw), "From: %s\r\nTo: consult@codemaild.example\r\nSubject: q\r\n"
	    "Message-ID: <q@x>\r\n\r\nWhat is 99213?\r\n", from);
	r = compose_raw(raw, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_no_injection(r);
	header_of(r, "To", to, sizeof(to));
	assert_string_equal(to, want_to);
	free(r);
}

/* display names: atoms as they are, specials in one quoted-string, non-ASCII or "=?" as
 * encoded words; never raw */
static void
test_to_phrases(void **state)
{
	(void)state;
	to_case("Pat Coder <pat@clinic.example>", " Pat Coder <pat@clinic.example>");
	to_case("\"Smith, John (Billing)\" <js@clinic.example>",
	    " \"Smith, John (Billing)\" <js@clinic.example>");
	to_case("\"Kim <kim@evil.example>\" <kim@clinic.example>",
	    " \"Kim <kim@evil.example>\" <kim@clinic.example>");
	to_case("\"Dr. Ann Lee, MD\" <ann@clinic.example>", " \"Dr. Ann Lee, MD\" <ann@clinic.example>");
	to_case("\"Quote \\\"Me\\\" \\\\\" <q@clinic.example>",
	    " \"Quote \\\"Me\\\" \\\\\" <q@clinic.example>");
	/* an encoded CRLF + Bcc: one line, quoted, no header */
	to_case("=?UTF-8?B?RXZpbA0KQmNjOiB2aWN0aW1AZXZpbC5leGFtcGxl?= <evil@clinic.example>",
	    " \"Evil Bcc: victim@evil.example\" <evil@clinic.example>");
	/* a name that reads as an encoded word is encoded, so no reader decodes it again */
	to_case("=?UTF-8?Q?=3D=3FUTF-8=3FB=3FQmNjOg=3D=3D=3F=3D?= <dbl@clinic.example>",
	    " =?UTF-8?B?PT9VVEYtOD9CP1FtTmpPZz09Pz0=?= <dbl@clinic.example>");
	to_case("=?UTF-8?Q?Mar=C3=ADa_L=C3=B3pez?= <maria@clinic.example>",
	    " =?UTF-8?B?TWFyw61hIEzDs3Bleg==?= <maria@clinic.example>");
	to_case("\"\" <empty@clinic.example>", " <empty@clinic.example>");
	to_case("bare@clinic.example", " <bare@clinic.example>");
}

static void
test_from_phrase(void **state)
{
	static const char raw[] = "From: Pat <pat@clinic.example>\r\nTo: consult@codemaild.example\r\n"
	    "Subject: q\r\n\r\nx\r\n";
	char from[512];
	char *r;
	int rc;

	(void)state;
	r = compose_raw(raw, "Coding Desk, Billing (Main)", &rc);
	assert_int_equal(rc, 0);
	header_of(r, "From", from, sizeof(from));
	assert_string_equal(from, " \"Coding Desk, Billing (Main)\" <consult@codemaild.example>");
	free(r);
	assert_true(reply_name_ok("Coding Desk, Billing (Main) \"x\" \\"));
	assert_true(reply_name_ok("Caf\xc3\xa9"));
	assert_false(reply_name_ok("a\rb"));
	assert_false(reply_name_ok("a\nBcc: x@y"));
	assert_false(reply_name_ok("a\xc2\x85" "b"));     /* NEL */
	assert_false(reply_name_ok("bad \xff"));
}

/* issue 12 point 4: a long Subject is cut between characters, folded within 78 columns and
 * never fails the composition */
static void
test_long_subject(void **state)
{
	char *raw, *r, subj[4096];
	const char *p, *q;
	int rc, i;
	struct buf b;

	(void)state;
	for (int kind = 0; kind < 3; kind++) {
		buf_init(&b, 20000);
		buf_addstr(&b, "From: Pat <pat@clinic.example>\r\nTo: consult@codemaild.example\r\nSubject: ");
		for (i = 0; i < 2100; i++)
			buf_addstr(&b, kind == 0 ? "z" : kind == 1 ? "\xc3\xa9" : "word ");
		buf_addstr(&b, "\r\n\r\nWhat is 99213?\r\n");
		raw = buf_steal(&b);
		buf_free(&b);
		r = compose_raw(raw, NULL, &rc);
		assert_int_equal(rc, 0);
		for (p = r; (q = strstr(p, "\r\n")) != NULL && q != p; p = q + 2)
			assert_true(q - p <= 78);
		header_of(r, "Subject", subj, sizeof(subj));
		assert_true(strlen(subj) > 20);
		if (kind == 2)
			assert_non_null(strstr(subj, "word word..."));
		free(r);
		free(raw);
	}
	/* reply_subject itself: cut, marked, between characters */
	buf_init(&b, 10000);
	{
		char in[3000];

		for (i = 0; i < 1400; i++)
			memcpy(in + 2 * i, "\xc3\xa9", 2);
		in[2800] = '\0';
		assert_int_equal(reply_subject(in, &b), 0);
	}
	assert_true(b.len <= 250);
	assert_string_equal(buf_cstr(&b) + b.len - 3, "...");
	assert_true(((unsigned char)buf_cstr(&b)[b.len - 4] & 0xc0) != 0xc0);
	buf_free(&b);
}

static void
test_references_root(void **state)
{
	struct buf b;
	char *r, refs[4096];
	int rc, i;

	(void)state;
	buf_init(&b, 20000);
	buf_addstr(&b, "From: Pat <pat@clinic.example>\r\nTo: consult@codemaild.example\r\nSubject: q\r\n"
	    "Message-ID: <q30@x>\r\nReferences:");
	for (i = 0; i < 30; i++)
		buf_printf(&b, " <r%d@x>", i);
	buf_addstr(&b, "\r\n\r\nx\r\n");
	r = compose_raw(buf_cstr(&b), NULL, &rc);
	buf_free(&b);
	assert_int_equal(rc, 0);
	header_of(r, "References", refs, sizeof(refs));
	assert_true(strncmp(refs, " <r0@x> <r11@x> ", 16) == 0);
	assert_non_null(strstr(refs, " <r29@x> <q30@x>"));
	assert_null(strstr(refs, "<r10@x>"));
	free(r);
	/* an id with an inner space is left out, not joined into another id */
	r = compose_raw("From: Pat <pat@clinic.example>\r\nTo: consult@codemaild.example\r\n"
	    "Subject: q\r\nMessage-ID: <a b@x>\r\nReferences: <c d@x> <e@x>\r\n\r\nx\r\n", NULL, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(r, "<ab@x>"));
	assert_null(strstr(r, "<cd@x>"));
	assert_null(strstr(r, "In-Reply-To"));
	header_of(r, "References", refs, sizeof(refs));
	assert_string_equal(refs, " <e@x>");
	free(r);
}

static void
test_compose_errors(void **state)
{
	char *r;
	int rc;

	(void)state;
	r = compose_raw("From: nobody\r\nTo: consult@codemaild.example\r\nSubject: q\r\n\r\nx\r\n",
	    NULL, &rc);
	assert_int_equal(rc, REPLY_E_RCPT);
	free(r);
	/* a reply that does not fit is a composition failure, never "no usable address" */
	{
		static const char raw[] = "From: Pat <pat@clinic.example>\r\nTo: consult@codemaild.example\r\n"
		    "Subject: q\r\n\r\nx\r\n";
		struct conf c;
		struct message *m;
		struct reply_in in;
		struct reply_out ro;
		struct buf out;
		const char *why = NULL;

		assert_int_equal(conf_defaults(&c), 0);
		m = message_parse(raw, sizeof(raw) - 1, NULL);
		memset(&in, 0, sizeof(in));
		in.conf = &c;
		in.q = m;
		in.source_id = "maildir:1";
		in.text = "Answer text\n";
		in.date = 1790000000;
		buf_init(&out, 200);
		assert_int_equal(reply_compose(&in, &out, &ro, &why), REPLY_E_COMPOSE);
		assert_non_null(why);
		assert_null(strstr(why, "address"));
		buf_free(&out);
		message_free(m);
		conf_free(&c);
	}
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
		cmocka_unit_test(test_to_phrases),
		cmocka_unit_test(test_from_phrase),
		cmocka_unit_test(test_long_subject),
		cmocka_unit_test(test_references_root),
		cmocka_unit_test(test_compose_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
