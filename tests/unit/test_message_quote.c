/* Unit tests: quote.c (new text vs quoted text vs signature) and html2text.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "html2text.h"
#include "message.h"
#include "quote.h"

struct qs3 {
	char *q, *quoted, *sig;
};

static struct qs3
S(const char *text)
{
	struct quote_split s;
	struct qs3 r;

	assert_int_equal(quote_split(text, &s), 0);
	r.q = s.question;
	r.quoted = s.quoted;
	r.sig = s.signature;
	return r;
}

static void
F(struct qs3 r)
{
	free(r.q);
	free(r.quoted);
	free(r.sig);
}

static void
test_gt_quotes_and_attribution(void **state)
{
	struct qs3 r;

	(void)state;
	r = S("Is 99214 ok instead?\n\nOn Mon, Mar 2, 2026 at 10:00 AM Codemaild <ask@x> wrote:\n"
	      "> 99213 is an office visit.\n>> older\n");
	assert_string_equal(r.q, "Is 99214 ok instead?\n");
	assert_non_null(strstr(r.quoted, "wrote:"));
	assert_non_null(strstr(r.quoted, "> 99213"));
	assert_string_equal(r.sig, "");
	F(r);
	/* attribution wrapped over two lines (Gmail) */
	r = S("New text\n\nOn Mon, Mar 2, 2026 at 10:00 AM Some Long Name <\nask@example.com> wrote:\n> old 99213\n");
	assert_string_equal(r.q, "New text\n");
	assert_null(strstr(r.q, "ask@example.com"));
	F(r);
	/* interleaved (bottom-posted) answers keep every new line */
	r = S("> question one?\nanswer one\n> question two?\nanswer two\n");
	assert_string_equal(r.q, "answer one\nanswer two\n");
	assert_string_equal(r.quoted, "> question one?\n> question two?\n");
	F(r);
	/* an attribution followed by the old message without '>' marks: all of it is quoted */
	r = S("Is 99215 better?\n\nOn Mon, Mar 2, 2026 at 10:00 AM Ask <ask@x> wrote:\n\n"
	      "99213 is an office visit.\nMore old text about 99214.\n");
	assert_string_equal(r.q, "Is 99215 better?\n");
	assert_non_null(strstr(r.quoted, "99214"));
	F(r);
	/* "My doctor wrote:" is no attribution: the question stays */
	r = S("My doctor wrote:\n99213 for the visit, is it right?\n");
	assert_non_null(strstr(r.q, "99213 for the visit"));
	F(r);
	/* other languages */
	r = S("Neu\n\nAm 02.03.2026 um 10:00 schrieb X <x@y>:\n> alt\n");
	assert_string_equal(r.q, "Neu\n");
	F(r);
	r = S("Nouveau\n\nLe lun. 2 mars 2026, X <x@y> a \xc3\xa9" "crit :\n> ancien\n");
	assert_string_equal(r.q, "Nouveau\n");
	F(r);
}

static void
test_outlook_blocks(void **state)
{
	struct qs3 r;

	(void)state;
	r = S("Does 20610 need modifier 59?\n\n-----Original Message-----\nFrom: Coder\n"
	      "Sent: Monday, March 2, 2026 10:00 AM\nTo: Ask\nSubject: RE: codes\n\nold 99213\n");
	assert_string_equal(r.q, "Does 20610 need modifier 59?\n");
	assert_non_null(strstr(r.quoted, "old 99213"));
	F(r);
	/* "From: … Sent: …" without the dashes, after an underscore line */
	r = S("New question\n\n________________________________\nFrom: Someone <s@x>\n"
	      "Sent: Monday\nTo: Ask\nSubject: RE: x\n\nold 99213\n");
	assert_string_equal(r.q, "New question\n");
	assert_null(strstr(r.q, "99213"));
	F(r);
	r = S("Top\n\n*From:* Someone\n*Sent:* Monday\n*To:* Ask\n*Subject:* x\n\nold 99213\n");
	assert_string_equal(r.q, "Top\n");
	F(r);
	/* a lone "From:" line in the question is not a quote block */
	r = S("From: the billing office, is 99213 right?\nThanks for checking\n");
	assert_non_null(strstr(r.q, "99213"));
	F(r);
}

static void
test_forwards(void **state)
{
	struct qs3 r;

	(void)state;
	/* a short note without codes above a forward asks about the forwarded text */
	r = S("Please look at this one\n\n---------- Forwarded message ---------\nFrom: Bob <b@x>\n"
	      "Date: Mon\nSubject: codes\nTo: a@b\n\nWhat is J1745?\n");
	assert_string_equal(r.q, "Please look at this one\n\nWhat is J1745?\n");
	assert_non_null(strstr(r.quoted, "J1745"));
	F(r);
	/* new text with codes of its own above a forward: only the new text is the question */
	r = S("Is 99213 right here?\n\n---------- Forwarded message ---------\nFrom: Bob <b@x>\n"
	      "Date: Mon\nSubject: codes\nTo: a@b\n\nWhat is J1745?\n");
	assert_string_equal(r.q, "Is 99213 right here?\n");
	F(r);
	/* a reply (not a forward) keeps the old message out even under a short note */
	r = S("Sounds good\n\n-----Original Message-----\nFrom: X\nSent: Y\nTo: Z\nSubject: RE: s\n\nUse 99213.\n");
	assert_string_equal(r.q, "Sounds good\n");
	F(r);
	/* a bare forward: the forwarded content is the question (headers dropped) */
	r = S("---------- Forwarded message ---------\nFrom: Bob <b@x>\nDate: Mon\nSubject: codes\n"
	      "To: a@b\n\nWhat is J1745?\n\n-- \nBob\n");
	assert_string_equal(r.q, "What is J1745?\n");
	assert_string_equal(r.sig, "-- \nBob\n");
	F(r);
	r = S("Begin forwarded message:\n\nFrom: Bob <b@x>\nSubject: x\nDate: Mon\nTo: y\n\nIs 97110 timed?\n");
	assert_string_equal(r.q, "Is 97110 timed?\n");
	F(r);
	/* an Outlook forward with nothing new */
	r = S("\n-----Original Message-----\nFrom: X\nSent: Y\nTo: Z\nSubject: FW: s\n\nCan 99213 go with 93000?\n");
	assert_string_equal(r.q, "Can 99213 go with 93000?\n");
	F(r);
}

static void
test_signatures(void **state)
{
	struct qs3 r;

	(void)state;
	r = S("What is the global period for 27447?\n-- \nJane Doe\nNPI 1234567890\n");
	assert_string_equal(r.q, "What is the global period for 27447?\n");
	assert_string_equal(r.sig, "-- \nJane Doe\nNPI 1234567890\n");
	F(r);
	/* sign-off followed by a contact block */
	r = S("Can I bill 99213-25 with 20610?\n\nThanks,\nJane Coder, CPC\nABC Clinic\n"
	      "Phone: (555) 123-4567 | Fax 555-123-4568\nNPI 1234567890\n");
	assert_string_equal(r.q, "Can I bill 99213-25 with 20610?\n");
	assert_non_null(strstr(r.sig, "NPI 1234567890"));
	assert_non_null(strstr(r.sig, "Thanks,"));
	F(r);
	r = S("Question about J1745 units.\n\nBest regards\nDr. Smith\n");
	assert_string_equal(r.q, "Question about J1745 units.\n");
	assert_string_equal(r.sig, "Best regards\nDr. Smith\n");
	F(r);
	r = S("Is 97110 timed?\nThanks, Jane\n");
	assert_string_equal(r.q, "Is 97110 timed?\n");
	assert_string_equal(r.sig, "Thanks, Jane\n");
	F(r);
	/* a contact block without a sign-off */
	r = S("Is 99406 billable with 99213?\n\nJane Coder\nPhone 555-123-4567\n");
	assert_string_equal(r.q, "Is 99406 billable with 99213?\n");
	assert_non_null(strstr(r.sig, "555-123-4567"));
	F(r);
	r = S("Does 11102 need a modifier?\n\nSent from my iPhone\n");
	assert_string_equal(r.q, "Does 11102 need a modifier?\n");
	assert_string_equal(r.sig, "Sent from my iPhone\n");
	F(r);
	r = S("Ist 99213 richtig?\n\nViele Gr\xc3\xbc\xc3\x9f" "e,\nJ\xc3\xb6rn\n");
	assert_string_equal(r.q, "Ist 99213 richtig?\n");
	F(r);
	/* uuencoded data is nobody's words */
	r = S("See attached 99213 notes.\nbegin 644 notes.dat\nM1F]O0F%R(\n`\nend\nMore text\n");
	assert_string_equal(r.q, "See attached 99213 notes.\nMore text\n");
	assert_string_equal(r.sig, "");
	F(r);
	/* a legal footer after the sign-off: all of it is signature */
	r = S("Hi,\n\nWhat is the MUE for J1745?\n\nThank you,\nMary Smith, CPC, CCS\nBilling Manager\n"
	      "P: 217-555-0100\nF: 217-555-0101\n\nCONFIDENTIALITY NOTICE: This e-mail message, including any "
	      "attachments, is for the sole use of the intended recipient(s) and may contain confidential "
	      "and privileged information protected by law (HIPAA).\n");
	assert_string_equal(r.q, "Hi,\n\nWhat is the MUE for J1745?\n");
	assert_non_null(strstr(r.sig, "Mary Smith"));
	assert_non_null(strstr(r.sig, "HIPAA"));
	F(r);
	/* "Thanks" followed by more question is not a signature */
	r = S("Thanks\nAlso, what about 99214?\n");
	assert_string_equal(r.q, "Thanks\nAlso, what about 99214?\n");
	assert_string_equal(r.sig, "");
	F(r);
	/* a closing paragraph about the claim is no contact block, NPI or not */
	r = S("Can we bill 99214 with 99406?\n\nDOS 03/15/2026\nRendering NPI 1234567890\n");
	assert_non_null(strstr(r.q, "DOS 03/15/2026"));
	assert_string_equal(r.sig, "");
	F(r);
	/* a text that is only a phone number paragraph stays the question */
	r = S("Call 555-123-4567\nabout 99213\n");
	assert_string_equal(r.q, "Call 555-123-4567\nabout 99213\n");
	F(r);
	/* signature, then the quoted message */
	r = S("New 99213 question\n\nRegards,\nBob\n\nOn Mon, X <x@y> wrote:\n> old\n");
	assert_string_equal(r.q, "New 99213 question\n");
	assert_string_equal(r.sig, "Regards,\nBob\n");
	assert_non_null(strstr(r.quoted, "> old"));
	F(r);
}

static void
test_empty_and_plain(void **state)
{
	struct qs3 r;

	(void)state;
	r = S("");
	assert_string_equal(r.q, "");
	assert_string_equal(r.quoted, "");
	assert_string_equal(r.sig, "");
	F(r);
	r = S("just one line");
	assert_string_equal(r.q, "just one line\n");
	F(r);
	r = S("\n\n  \npara one\n\n\npara two\n\n");
	assert_string_equal(r.q, "para one\n\n\npara two\n");
	F(r);
}

static void
test_message_level(void **state)
{
	struct message *m;
	static const char raw[] =
		"From: Jane <jane@clinic.example>\nSubject: Re: 99213\n\n"
		"Can I bill 99214 instead?\n\nThanks,\nJane\nNPI 1234567890\n\n"
		"On Mon, Mar 2, 2026 at 10:00 AM Ask <ask@x> wrote:\n> 99213 is fine.\n";

	(void)state;
	m = message_parse(raw, sizeof(raw) - 1, NULL);
	assert_non_null(m);
	assert_string_equal(m->question_text, "Can I bill 99214 instead?\n");
	assert_non_null(strstr(m->signature, "NPI 1234567890"));
	assert_non_null(strstr(m->quoted_text, "> 99213 is fine."));
	assert_non_null(strstr(m->body_text, "NPI 1234567890"));
	message_free(m);
}

static char *
H(const char *html)
{
	char *t = html_to_text(html, strlen(html), 1 << 20);

	assert_non_null(t);
	return t;
}

static void
test_html(void **state)
{
	char *t;

	(void)state;
	t = H("<html><head><title>x</title><style>.a{}</style></head><body>"
	      "<script>alert(1)</script><h1>Title</h1><p>One &amp; two &lt;3&gt; &eacute;&#233;&#x20AC;</p>"
	      "<div>a<br>b</div><ul><li>first</li><li>second</li></ul>"
	      "<table><tr><th>Code</th><th>Units</th></tr><tr><td>97110</td><td>2</td></tr></table>"
	      "<pre>  keep   spaces\n  here</pre><p>inline <b>bold</b>  and\n  wrapped</p></body></html>");
	assert_null(strstr(t, "alert"));
	assert_null(strstr(t, ".a{}"));
	assert_null(strstr(t, "x\n"));
	assert_non_null(strstr(t, "Title\n"));
	assert_non_null(strstr(t, "One & two <3> \xc3\xa9\xc3\xa9\xe2\x82\xac"));
	assert_non_null(strstr(t, "a\nb"));
	assert_non_null(strstr(t, "first\nsecond"));
	assert_non_null(strstr(t, "Code\tUnits\n97110\t2"));
	assert_non_null(strstr(t, "  keep   spaces\n  here"));
	assert_non_null(strstr(t, "inline bold and wrapped"));
	free(t);
	/* blockquotes come out as '>' lines, so quoted HTML replies separate like plain ones */
	t = H("<div>New 99215?</div><div>On Mon, Mar 2, 2026 X &lt;x@y&gt; wrote:</div>"
	      "<blockquote><div>old 99213</div><blockquote>older</blockquote></blockquote>");
	assert_non_null(strstr(t, "> old 99213\n"));
	assert_non_null(strstr(t, "> > older"));
	{
		struct qs3 r = S(t);
		assert_string_equal(r.q, "New 99215?\n");
		F(r);
	}
	free(t);
	/* broken HTML is recovered, not refused */
	t = H("<p>unclosed <b>bold <td>cell</i> &bogus; text");
	assert_non_null(strstr(t, "unclosed bold"));
	assert_non_null(strstr(t, "&bogus; text"));
	free(t);
	t = H("");
	assert_string_equal(t, "");
	free(t);
	/* the output cap holds */
	t = html_to_text("<p>0123456789</p>", 17, 4);
	assert_non_null(t);
	assert_true(strlen(t) <= 4);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gt_quotes_and_attribution),
		cmocka_unit_test(test_outlook_blocks),
		cmocka_unit_test(test_forwards),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_empty_and_plain),
		cmocka_unit_test(test_message_level),
		cmocka_unit_test(test_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
