/* Unit tests: message.c — header fields, addresses, ids, MIME structure, body choice,
 * attachments, limits, hostile inputs. (Codecs: test_message_codec.c; quotes, signatures
 * and HTML: test_message_quote.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "message.h"

static struct message *
P(const char *s)
{
	struct message *m = message_parse(s, strlen(s), NULL);

	assert_non_null(m);
	return m;
}

static struct message *
PL(const char *s, size_t n, const struct msg_limits *lim)
{
	struct message *m = message_parse(s, n, lim);

	assert_non_null(m);
	return m;
}

static struct message *
PLS(const char *s, const struct msg_limits *lim)
{
	return PL(s, strlen(s), lim);
}

static int
has_warning(const struct message *m, const char *part)
{
	size_t i;

	for (i = 0; i < m->nwarnings; i++)
		if (strstr(m->warnings[i], part))
			return 1;
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- headers */

static void
test_unfolding_and_subject(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: a@example.com\r\nSubject: a long\r\n\tfolded\r\n  subject\r\n"
	      "X-Empty:\r\nX-Dup: one\r\nx-dup: two\r\n\r\nbody\r\n");
	assert_int_equal(m->error, 0);
	assert_string_equal(m->subject, "a long\tfolded  subject");
	assert_string_equal(message_header(m, "subject", 0), "a long\tfolded  subject");
	assert_string_equal(message_header_raw(m, "SUBJECT", 0), "a long\tfolded  subject");
	assert_string_equal(message_header(m, "X-Empty", 0), "");
	assert_int_equal(message_header_count(m, "X-DUP"), 2);
	assert_string_equal(message_header(m, "x-dup", 1), "two");
	assert_null(message_header(m, "x-dup", 2));
	assert_null(message_header(m, "Nope", 0));
	assert_string_equal(m->headers[0].name, "From");
	assert_string_equal(m->body_text, "body\n");
	message_free(m);
}

static void
test_encoded_subject(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: a@example.com\nSubject: =?UTF-8?B?Q29kZSA5OTIxMyDigJQgcXVlc3Rpb24=?=\n"
	      " =?iso-8859-1?Q?_caf=E9?=\n\nx\n");
	assert_string_equal(m->subject, "Code 99213 \xe2\x80\x94 question caf\xc3\xa9");
	/* raw keeps the encoded words, decoded value does not */
	assert_non_null(strstr(message_header_raw(m, "Subject", 0), "=?UTF-8?B?"));
	message_free(m);
	/* broken encoded word stays visible */
	m = P("From: a@example.com\nSubject: =?utf-8?B?***?= rest\n\nx\n");
	assert_string_equal(m->subject, "=?utf-8?B?***?= rest");
	message_free(m);
	/* raw 8-bit subject: UTF-8 if valid, else windows-1252 */
	m = P("From: a@example.com\nSubject: caf\xe9\n\nx\n");
	assert_string_equal(m->subject, "caf\xc3\xa9");
	message_free(m);
}

static void
test_header_block_edges(void **state)
{
	struct message *m;

	(void)state;
	/* mbox "From " line first; a BOM; obsolete "Name :" syntax */
	m = P("\xef\xbb\xbf" "From someone Mon Jan 1 00:00:00 2026\nFrom: a@example.com\n"
	      "Subject : spaced\n\nbody\n");
	assert_int_equal(m->error, 0);
	assert_string_equal(m->from.addr, "a@example.com");
	assert_string_equal(m->subject, "spaced");
	message_free(m);
	/* a line that is no header field ends the header block and starts the body */
	m = P("From: a@example.com\nSubject: s\nthis is body text\nmore\n");
	assert_string_equal(m->subject, "s");
	assert_string_equal(m->body_text, "this is body text\nmore\n");
	message_free(m);
	/* a continuation line before any field is ignored */
	m = P(" stray\nFrom: a@example.com\n\nb\n");
	assert_string_equal(m->from.addr, "a@example.com");
	message_free(m);
	/* lone CR line ends */
	m = P("From: a@example.com\rSubject: cr\r\rline1\rline2\r");
	assert_string_equal(m->subject, "cr");
	assert_string_equal(m->body_text, "line1\nline2\n");
	message_free(m);
	/* no header at all: not a mail message */
	m = P("just some text\nwith lines\n");
	assert_int_equal(m->error, MSG_E_NO_HEADER);
	assert_non_null(strstr(m->error_reason, "no header"));
	message_free(m);
	m = P("");
	assert_int_equal(m->error, MSG_E_NO_HEADER);
	assert_string_equal(m->subject, "");
	message_free(m);
	/* headers only, no body */
	m = P("From: a@example.com\nSubject: only");
	assert_int_equal(m->error, 0);
	assert_string_equal(m->subject, "only");
	assert_string_equal(m->body_text, "");
	message_free(m);
}

static void
test_addresses(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: \"Doe, Jane\" <Jane.Doe@Clinic.EXAMPLE>\n"
	      "To: Bob <bob@a.example>, carol@b.example (Carol C), \"odd local\"@c.example,\n"
	      " Team: dan@d.example, Erin <erin@e.example>;, =?utf-8?q?Fran=C3=A7ois?= <f@f.example>\n"
	      "Cc: <@route.example:gina@g.example>, Pete(A wonderful \\) chap) <pete(his)@silly.test(host)>\n"
	      "Sender: s@s.example\nReply-To: Reply <r@r.example>\n\nx\n");
	assert_string_equal(m->from.name, "Doe, Jane");
	assert_string_equal(m->from.addr, "Jane.Doe@clinic.example");
	assert_int_equal(m->nto, 6);
	assert_string_equal(m->to[0].name, "Bob");
	assert_string_equal(m->to[0].addr, "bob@a.example");
	assert_string_equal(m->to[1].name, "Carol C");
	assert_string_equal(m->to[1].addr, "carol@b.example");
	assert_string_equal(m->to[2].addr, "\"odd local\"@c.example");
	assert_string_equal(m->to[3].addr, "dan@d.example");
	assert_string_equal(m->to[4].name, "Erin");
	assert_string_equal(m->to[5].name, "Fran\xc3\xa7ois");
	assert_int_equal(m->ncc, 2);
	assert_string_equal(m->cc[0].addr, "gina@g.example");
	assert_string_equal(m->cc[1].addr, "pete@silly.test");
	assert_string_equal(m->sender.addr, "s@s.example");
	assert_string_equal(m->reply_to.name, "Reply");
	message_free(m);
	/* run-together addresses: the first one counts */
	m = P("From: tim@a.example concierge@a.example\n\nx\n");
	assert_string_equal(m->from.addr, "tim@a.example");
	message_free(m);
	m = P("From: Bob D <bob@extern> Bobby D <bobby@extern>\n\nx\n");
	assert_string_equal(m->from.addr, "bob@extern");
	assert_string_equal(m->from.name, "Bob D");
	message_free(m);
	/* name and address without brackets */
	m = P("From: Big Bug bb@bug.com\n\nx\n");
	assert_string_equal(m->from.addr, "bb@bug.com");
	assert_string_equal(m->from.name, "Big Bug");
	message_free(m);
	/* empty group, empty From */
	m = P("From: undisclosed-recipients:;\nTo:\n\nx\n");
	assert_string_equal(m->from.addr, "");
	assert_int_equal(m->nto, 0);
	message_free(m);
}

static void
test_ids_and_date(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: a@example.com\nMessage-ID:   <abc.123@host.example> (comment)\n"
	      "In-Reply-To: <first@x> <second@y>\nReferences: <r1@x>\n\t<r2@y>  <r3@z>\n"
	      "Date: Tue, 24 Nov 2026 10:00:00 +0000\n\nx\n");
	assert_string_equal(m->message_id, "abc.123@host.example");
	assert_string_equal(m->in_reply_to, "first@x");
	assert_string_equal(m->references, "<r1@x> <r2@y> <r3@z>");
	assert_string_equal(m->date, "Tue, 24 Nov 2026 10:00:00 +0000");
	message_free(m);
	m = P("From: a@example.com\nMessage-Id: no-brackets@host\n\nx\n");
	assert_string_equal(m->message_id, "no-brackets@host");
	assert_string_equal(m->in_reply_to, "");
	assert_string_equal(m->references, "");
	message_free(m);
}

/* issue 13 point 7: white space inside an id is kept (the id stays recognisably invalid and a
 * reply leaves it out) unless it is the obsolete syntax's CFWS next to '@', '.' or a bracket */
static void
test_ids_with_spaces(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: a@example.com\nMessage-ID: <a b@x>\nIn-Reply-To: < c@d >\n"
	      "References: <r1@x> <r 2@y> <r3 @ z . example>\n\nx\n");
	assert_string_equal(m->message_id, "a b@x");
	assert_string_equal(m->in_reply_to, "c@d");
	assert_string_equal(m->references, "<r1@x> <r 2@y> <r3@z.example>");
	message_free(m);
}

/* UTF-7 encoded words (pure ASCII bytes) go through iconv, not the ASCII shortcut */
static void
test_utf7_subject(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: a@example.com\nSubject: =?UTF-7?Q?Hi_+AOk-t+AOk-?=\n\nx\n");
	assert_string_equal(m->subject, "Hi \xc3\xa9t\xc3\xa9");
	message_free(m);
	m = P("From: a@example.com\nSubject: =?utf-7?B?K1plVm5MSXFlLQ==?=\n\nx\n");
	assert_string_equal(m->subject, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	message_free(m);
	m = P("From: a@example.com\nContent-Type: text/plain; charset=utf-7\n\nHi +AOk-t+AOk-\n");
	assert_non_null(strstr(m->body_text, "Hi \xc3\xa9t\xc3\xa9"));
	message_free(m);
}

/* ---------------------------------------------------------------- bodies */

static void
test_single_part_encodings(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: a@example.com\nContent-Type: text/plain; charset=utf-8\n"
	      "Content-Transfer-Encoding: quoted-printable\n\nCan I bill 99213-25 =\nwith 20610? caf=C3=A9\n");
	assert_string_equal(m->body_text, "Can I bill 99213-25 with 20610? caf\xc3\xa9\n");
	assert_int_equal(m->body_source, MSG_BODY_PLAIN);
	assert_string_equal(m->content_type, "text/plain");
	message_free(m);
	m = P("From: a@example.com\nContent-Type: text/plain; charset=\"iso-8859-1\"\n"
	      "Content-Transfer-Encoding: BASE64\n\nY2Fm6SBhdSBsYWl0\nCg\n");
	assert_string_equal(m->body_text, "caf\xc3\xa9 au lait\n");
	message_free(m);
	/* 8bit with an undeclared charset: windows-1252 when not UTF-8 */
	m = P("From: a@example.com\nContent-Transfer-Encoding: 8bit\n\n\x93quoted\x94\r\n");
	assert_string_equal(m->body_text, "\xe2\x80\x9cquoted\xe2\x80\x9d\n");
	assert_true(has_warning(m, "windows-1252"));
	message_free(m);
	/* unknown charset label */
	m = P("From: a@example.com\nContent-Type: text/plain; charset=x-fake\n\nplain caf\xe9\n");
	assert_string_equal(m->body_text, "plain caf\xc3\xa9\n");
	assert_true(has_warning(m, "unknown charset"));
	message_free(m);
	/* binary CTE and an unknown CTE are read as is */
	m = P("From: a@example.com\nContent-Transfer-Encoding: x-weird\n\nas is\n");
	assert_string_equal(m->body_text, "as is\n");
	message_free(m);
	/* an invalid Content-Type is text/plain */
	m = P("From: a@example.com\nContent-Type: garbage\n\ntext\n");
	assert_string_equal(m->content_type, "text/plain");
	assert_string_equal(m->body_text, "text\n");
	message_free(m);
	/* a non-text single part: no body, listed as an attachment */
	m = P("From: a@example.com\nContent-Type: application/pdf; name=\"x.pdf\"\n"
	      "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n");
	assert_int_equal(m->body_source, MSG_BODY_NONE);
	assert_string_equal(m->body_text, "");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "x.pdf");
	assert_int_equal(m->attachments[0].size, 9);
	message_free(m);
}

static const char alt_msg[] =
	"From: a@example.com\nMIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
	"This is the preamble.\n--outer\n"
	"Content-Type: multipart/alternative; boundary=inner\n\n"
	"--inner\nContent-Type: text/html; charset=utf-8\n\n<p>HTML <b>version</b></p>\n"
	"--inner\nContent-Type: text/plain; charset=utf-8\n\nPlain version\n"
	"--inner--\ninner epilogue\n"
	"--outer\nContent-Type: image/png; name=a.png\nContent-Disposition: attachment; "
	"filename*=utf-8''r%C3%B6ntgen.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
	"--outer\nContent-Type: text/plain\nContent-Disposition: attachment; filename=notes.txt\n\n"
	"attached text, not the body\n"
	"--outer--\nouter epilogue\n";

static void
test_multipart_choice_and_attachments(void **state)
{
	struct message *m;

	(void)state;
	m = P(alt_msg);
	assert_int_equal(m->error, 0);
	assert_string_equal(m->content_type, "multipart/mixed");
	assert_int_equal(m->body_source, MSG_BODY_PLAIN);
	assert_string_equal(m->body_text, "Plain version");
	assert_int_equal(m->nattachments, 2);
	assert_string_equal(m->attachments[0].filename, "r\xc3\xb6ntgen.png");
	assert_string_equal(m->attachments[0].content_type, "image/png");
	assert_int_equal(m->attachments[0].size, 8);
	assert_string_equal(m->attachments[1].filename, "notes.txt");
	assert_int_equal(m->attachments[1].size, strlen("attached text, not the body"));
	message_free(m);
}

static void
test_html_only(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: a@example.com\nContent-Type: multipart/alternative; boundary=b\n\n"
	      "--b\nContent-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
	      "<html><head><title>T</title><style>p{color:red}</style><script>var x=1;</script></head>"
	      "<body><p>Is 99213&nbsp;&amp; 20610 caf=E9?</p><table><tr><td>CPT</td><td>Units</td></tr>"
	      "<tr><td>97110</td><td>2</td></tr></table><div>line<br>break</div></body></html>\n"
	      "--b--\n");
	assert_int_equal(m->body_source, MSG_BODY_HTML);
	assert_null(strstr(m->body_text, "color"));
	assert_null(strstr(m->body_text, "var x"));
	assert_non_null(strstr(m->body_text, "Is 99213 & 20610 caf\xc3\xa9?"));
	assert_non_null(strstr(m->body_text, "CPT\tUnits\n97110\t2"));
	assert_non_null(strstr(m->body_text, "line\nbreak"));
	assert_int_equal(m->nattachments, 0);
	message_free(m);
}

static void
test_related_start_and_attachment_text(void **state)
{
	struct message *m;

	(void)state;
	/* related: only the start part is a body candidate */
	m = P("From: a@example.com\nContent-Type: multipart/related; boundary=r; start=\"<h@x>\"\n\n"
	      "--r\nContent-Type: text/plain\n\nnot the start\n"
	      "--r\nContent-Type: text/html\nContent-ID: <h@x>\n\n<p>the start</p>\n--r--\n");
	assert_int_equal(m->body_source, MSG_BODY_HTML);
	assert_string_equal(m->body_text, "the start\n");
	message_free(m);
	/* text/plain marked as attachment is not the body */
	m = P("From: a@example.com\nContent-Type: multipart/mixed; boundary=q\n\n"
	      "--q\nContent-Type: text/plain\nContent-Disposition: attachment\n\nattached\n--q--\n");
	assert_int_equal(m->body_source, MSG_BODY_NONE);
	assert_int_equal(m->nattachments, 1);
	message_free(m);
}

static void
test_nesting_preamble_missing_end(void **state)
{
	struct message *m;

	(void)state;
	/* missing final boundaries, inner part ended by the outer boundary */
	m = P("From: a@example.com\nContent-Type: multipart/mixed; boundary=o\n\n"
	      "--o\nContent-Type: multipart/alternative; boundary=i\n\n"
	      "--i\nContent-Type: text/plain\n\nfirst\n"
	      "--o\nContent-Type: application/octet-stream\n\nxx\n");
	assert_int_equal(m->error, 0);
	assert_string_equal(m->body_text, "first");
	assert_true(has_warning(m, "final boundary"));
	assert_int_equal(m->nattachments, 1);
	assert_int_equal(m->attachments[0].size, 3);
	message_free(m);
	/* a part with no header block ends straight at a boundary */
	m = P("From: a@example.com\nContent-Type: multipart/mixed; boundary=o\n\n"
	      "--o\n--o\n\nbody of second\n--o--\n");
	assert_string_equal(m->body_text, "");
	message_free(m);
	/* boundary lines with trailing whitespace; lines that only start like one */
	m = P("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b b\"\n\n"
	      "--b b  \nContent-Type: text/plain\n\nkeep --b bx and --b b-- x\n--b b--\t\n");
	assert_string_equal(m->body_text, "keep --b bx and --b b-- x");
	message_free(m);
	/* multipart without a boundary parameter: no body, a warning */
	m = P("From: a@example.com\nContent-Type: multipart/mixed\n\ntext\n");
	assert_int_equal(m->body_source, MSG_BODY_NONE);
	assert_true(has_warning(m, "without boundary"));
	message_free(m);
}

static void
test_forward_report_digest(void **state)
{
	struct message *m;

	(void)state;
	/* a bare forward: no text of its own, the question is the forwarded message's text */
	m = P("From: a@example.com\nSubject: Fwd: codes\nContent-Type: multipart/mixed; boundary=f\n\n"
	      "--f\nContent-Type: message/rfc822\n\nFrom: orig@example.com\nSubject: codes\n\n"
	      "What does J1745 cover?\n--f--\n");
	assert_int_equal(m->body_source, MSG_BODY_NONE);
	assert_string_equal(m->body_text, "");
	assert_string_equal(m->question_text, "What does J1745 cover?\n");
	assert_true(has_warning(m, "forwarded"));
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].content_type, "message/rfc822");
	message_free(m);
	/* a forwarded message that was itself base64-encoded is decoded and read */
	m = P("From: a@example.com\nContent-Type: multipart/mixed; boundary=f\n\n"
	      "--f\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
	      "RnJvbTogb0BleGFtcGxlLmNvbQoKSXMgOTcxMTAgdGltZWQ/Cg==\n--f--\n");
	assert_string_equal(m->question_text, "Is 97110 timed?\n");
	message_free(m);
	/* multipart/report: report_type for the policy module */
	m = P("From: MAILER-DAEMON@example.com\nContent-Type: multipart/report; "
	      "report-type=Delivery-Status; boundary=r\n\n--r\nContent-Type: text/plain\n\nbounced\n"
	      "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n--r--\n");
	assert_string_equal(m->report_type, "delivery-status");
	assert_string_equal(m->body_text, "bounced");
	message_free(m);
	/* digest: parts without Content-Type are message/rfc822 */
	m = P("From: a@example.com\nContent-Type: multipart/digest; boundary=d\n\n"
	      "--d\n\nFrom: x@example.com\nSubject: one\n\nfirst digest text\n--d--\n");
	assert_int_equal(m->body_source, MSG_BODY_NONE);
	assert_string_equal(m->question_text, "first digest text\n");
	message_free(m);
}

/* ---------------------------------------------------------------- hostile / limits */

static void
test_libetpan_regressions(void **state)
{
	struct message *m;

	(void)state;
	/* Debian libetpan 1.9.4 crashes here (negative-size copy) */
	m = P("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"\\\"\"\n\n"
	      "--\"\nContent-Type: text/plain\n\nquoted boundary works\n--\"--\n");
	assert_int_equal(m->error, 0);
	assert_string_equal(m->body_text, "quoted boundary works");
	message_free(m);
	/* ... and its QP decoder reads past a 4-byte body "abc=" */
	{
		static const char hdr[] = "From: a@example.com\nContent-Transfer-Encoding: quoted-printable\n\n";
		size_t n = sizeof(hdr) - 1 + 4;
		char *raw = malloc(n);     /* exact size: ASan sees any over-read */
		assert_non_null(raw);
		memcpy(raw, hdr, sizeof(hdr) - 1);
		memcpy(raw + sizeof(hdr) - 1, "abc=", 4);
		m = PL(raw, n, NULL);
		assert_string_equal(m->body_text, "abc");
		message_free(m);
		free(raw);
	}
}

static void
test_limits(void **state)
{
	struct msg_limits lim;
	struct message *m;
	struct buf b;
	double t0;
	int i;

	(void)state;
	message_default_limits(&lim);
	assert_int_equal(lim.max_depth, 100);
	assert_int_equal(lim.max_size, 10u * 1024 * 1024);

	/* total size: header still read for logs, message set aside */
	lim.max_size = 100;
	m = PLS("From: a@example.com\nSubject: big\n\n0123456789012345678901234567890123456789"
	       "01234567890123456789012345678901234567890123456789", &lim);
	assert_int_equal(m->error, MSG_E_TOO_BIG);
	assert_string_equal(m->subject, "big");
	assert_non_null(strstr(m->error_reason, "limit"));
	message_free(m);

	/* depth: 20,000 nested multiparts rejected fast */
	message_default_limits(&lim);
	buf_init(&b, 64u << 20);
	assert_int_equal(buf_addstr(&b, "From: a@example.com\n"), 0);
	for (i = 0; i < 20000; i++)
		assert_int_equal(buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i), 0);
	t0 = now();
	m = PL(b.data, b.len, &lim);
	assert_true(now() - t0 < 0.5);
	assert_int_equal(m->error, MSG_E_TOO_DEEP);
	message_free(m);
	buf_free(&b);

	/* parts */
	lim.max_parts = 50;
	buf_init(&b, 1u << 20);
	assert_int_equal(buf_addstr(&b, "From: a@example.com\nContent-Type: multipart/mixed; boundary=p\n\n"), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(buf_addstr(&b, "--p\n\nx\n"), 0);
	m = PL(b.data, b.len, &lim);
	assert_int_equal(m->error, MSG_E_TOO_MANY_PARTS);
	message_free(m);
	buf_free(&b);

	/* header block */
	message_default_limits(&lim);
	lim.max_header = 64;
	m = PLS("From: a@example.com\nX-A: 0123456789012345678901234567890123456789012345678901234567890\n\nb\n",
	       &lim);
	assert_int_equal(m->error, MSG_E_HEADER_TOO_BIG);
	message_free(m);

	/* line length, in the body */
	message_default_limits(&lim);
	lim.max_line = 20;
	m = P("From: a@example.com\n\nshort\n");
	message_free(m);
	m = PLS("From: a@example.com\n\n0123456789012345678901234567890\n", &lim);
	assert_int_equal(m->error, MSG_E_LINE_TOO_LONG);
	message_free(m);

	/* boundary length */
	message_default_limits(&lim);
	lim.max_boundary = 10;
	m = PLS("From: a@example.com\nContent-Type: multipart/mixed; boundary=0123456789abc\n\nx\n", &lim);
	assert_int_equal(m->error, MSG_E_BOUNDARY_TOO_LONG);
	message_free(m);

	/* decoded text: cut with a warning, not an error; never inside a UTF-8 sequence */
	message_default_limits(&lim);
	lim.max_text = 10;
	m = PLS("From: a@example.com\n\n123456789\xc3\xa9xyz\n", &lim);
	assert_int_equal(m->error, 0);
	assert_string_equal(m->body_text, "123456789");
	assert_true(has_warning(m, "cut"));
	message_free(m);
}

static void
test_format_flowed(void **state)
{
	struct message *m;

	(void)state;
	m = P("From: a@example.com\nContent-Type: text/plain; format=flowed\n\n"
	      "Can I bill 99213 with \nmodifier 25 and\n 20610?\n> quoted \n> more\n-- \nsig\n");
	assert_string_equal(m->body_text,
	    "Can I bill 99213 with modifier 25 and\n20610?\n> quoted more\n-- \nsig\n");
	message_free(m);
	m = P("From: a@example.com\nContent-Type: text/plain; format=flowed; delsp=yes\n\n"
	      "spl \nit\n");
	assert_string_equal(m->body_text, "split\n");
	message_free(m);
	/* regression: quote marks without a space must not make the text grow in place */
	m = P("From: a@example.com\nContent-Type: text/plain; format=flowed\n\n"
	      ">>a \n>>b\n>>c\n>d \n>>e\n");
	assert_string_equal(m->body_text, ">>a b\n>>c\n>d \n>>e\n");
	message_free(m);
}

static void
test_nul_and_invalid_bytes(void **state)
{
	static const char raw[] = "From: a@exa\0mple.com\nSubject: nul\0here \xff\xfe\n"
	                          "Content-Type: text/plain; charset=utf-8\n\nbody\0with nul \xc3\n";
	struct message *m;

	(void)state;
	m = PL(raw, sizeof(raw) - 1, NULL);
	assert_int_equal(m->error, 0);
	assert_true(has_warning(m, "NUL"));
	assert_non_null(strstr(m->subject, "nul\xef\xbf\xbdhere"));
	assert_non_null(strstr(m->body_text, "body\xef\xbf\xbdwith nul \xef\xbf\xbd"));
	message_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unfolding_and_subject),
		cmocka_unit_test(test_encoded_subject),
		cmocka_unit_test(test_header_block_edges),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_ids_and_date),
		cmocka_unit_test(test_ids_with_spaces),
		cmocka_unit_test(test_utf7_subject),
		cmocka_unit_test(test_single_part_encodings),
		cmocka_unit_test(test_multipart_choice_and_attachments),
		cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_related_start_and_attachment_text),
		cmocka_unit_test(test_nesting_preamble_missing_end),
		cmocka_unit_test(test_forward_report_digest),
		cmocka_unit_test(test_libetpan_regressions),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_nul_and_invalid_bytes),
		cmocka_unit_test(test_format_flowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
