/* Unit tests: policy (answer-or-not verdicts, reason codes, Authentication-Results parser)
 * and the must-not-answer / must-answer corpora in tests/corpus/.
 *
 * Rule tests build struct message by hand; the corpus tests parse every .eml file with
 * message_parse() and run policy_check() with the settings in corpus_pc(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "limits.h"
#include "message.h"
#include "policy.h"
#include "util.h"

/* ---- hand-built messages ---- */

#define TM_MAXH 64

struct tmsg {
	struct message   m;
	struct msg_header h[TM_MAXH];
	struct msg_addr  to[8], cc[8];
};

static void
tm_hdr(struct tmsg *t, const char *name, const char *value)
{
	assert_true(t->m.nheaders < TM_MAXH);
	t->h[t->m.nheaders].name = (char *)name;
	t->h[t->m.nheaders].value = (char *)value;
	t->h[t->m.nheaders].raw = (char *)value;
	t->m.nheaders++;
}

static void
tm_to(struct tmsg *t, const char *addr)
{
	t->to[t->m.nto].name = (char *)"";
	t->to[t->m.nto].addr = (char *)addr;
	t->m.nto++;
}

static void
tm_cc(struct tmsg *t, const char *addr)
{
	t->cc[t->m.ncc].name = (char *)"";
	t->cc[t->m.ncc].addr = (char *)addr;
	t->m.ncc++;
}

static void
tm_from(struct tmsg *t, const char *addr)
{
	t->m.from.name = (char *)"";
	t->m.from.addr = (char *)addr;
}

/* An ordinary, authenticated question to us. */
static void
tm_base(struct tmsg *t)
{
	memset(t, 0, sizeof(*t));
	t->m.headers = t->h;
	t->m.to = t->to;
	t->m.cc = t->cc;
	t->m.subject = (char *)"Question about CPT 99213";
	t->m.content_type = (char *)"text/plain";
	t->m.report_type = (char *)"";
	t->m.message_id = (char *)"abc123@mail.example.test";
	t->m.in_reply_to = (char *)"";
	t->m.references = (char *)"";
	tm_from(t, "alice@example.test");
	tm_hdr(t, "Return-Path", "<alice@example.test>");
	tm_hdr(t, "Authentication-Results",
	       "mx.codes.example.com; dkim=pass header.d=example.test header.s=s1; "
	       "spf=pass smtp.mailfrom=alice@example.test; dmarc=pass header.from=example.test");
	tm_hdr(t, "Received", "from mail.example.test by mx.codes.example.com");
	tm_hdr(t, "From", "Alice <alice@example.test>");
	tm_hdr(t, "To", "consult@codes.example.com");
	tm_hdr(t, "Subject", "Question about CPT 99213");
	tm_to(t, "consult@codes.example.com");
}

/* Adds a header field above all others (where our MTA adds its own). */
static void
tm_hdr_top(struct tmsg *t, const char *name, const char *value)
{
	assert_true(t->m.nheaders < TM_MAXH);
	memmove(&t->h[1], &t->h[0], t->m.nheaders * sizeof(t->h[0]));
	t->h[0].name = (char *)name;
	t->h[0].value = t->h[0].raw = (char *)value;
	t->m.nheaders++;
}

/* Replaces the first header named name (value and raw). */
static void
tm_set(struct tmsg *t, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < t->m.nheaders; i++)
		if (util_strcaseeq(t->h[i].name, name)) {
			t->h[i].value = t->h[i].raw = (char *)value;
			return;
		}
	tm_hdr(t, name, value);
}

static void
tm_del(struct tmsg *t, const char *name)
{
	size_t i, j;

	for (i = j = 0; i < t->m.nheaders; i++)
		if (!util_strcaseeq(t->h[i].name, name))
			t->h[j++] = t->h[i];
	t->m.nheaders = j;
}

static void
pc_base(struct policy_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->consultant_address = "consult@codes.example.com";
	pc->aliases = "help@codes.example.com, Coding@Example.com";
	pc->authserv_ids = "mx.codes.example.com, mx2.codes.example.com";
	pc->require_auth = POLICY_AUTH_DMARC;
	pc->unauth_action = POLICY_UNAUTH_IGNORE;
	pc->max_received = 30;
	pc->require_recipient = 1;
	pc->loop_header = "X-Codemaild-Loop";
}

/* Runs policy_check and asserts the reason (and answer = reason is ok*). */
static void
expect(const struct tmsg *t, const struct policy_conf *pc, const char *reason)
{
	struct verdict v;
	int r = policy_check(&t->m, pc, &v);

	if (strcmp(v.reason, reason) != 0)
		print_error("expected %s, got %s (%s)\n", reason, v.reason, v.detail);
	assert_string_equal(v.reason, reason);
	assert_int_equal(r, strncmp(reason, "ok", 2) == 0 ? 1 : 0);
	assert_int_equal(v.answer, r);
	assert_true(policy_reason_known(v.reason));
}

/* ---- ordinary mail ---- */

static void
test_ordinary_question_is_answered(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	assert_int_equal(policy_check(&t.m, &pc, &v), 1);
	assert_string_equal(v.reason, "ok");
	assert_int_equal(v.authenticated, 1);
	assert_int_equal(v.identity_trusted, 1);
	assert_string_equal(v.auth_method, "dmarc");
	assert_string_equal(v.auth_state_text, "pass");
	assert_int_equal(v.auth_state, POLICY_AS_PASS);
}

static void
test_null_arguments(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	assert_int_equal(policy_check(NULL, &pc, &v), -1);
	assert_int_equal(v.answer, 0);
	assert_string_equal(v.reason, "unparseable");
	assert_int_equal(policy_check(&t.m, NULL, &v), -1);
	assert_int_equal(policy_check(&t.m, &pc, NULL), -1);
}

static void
test_unparseable(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	t.m.error = MSG_E_TOO_BIG;
	expect(&t, &pc, "unparseable");
}

/* ---- loops and our own mail ---- */

static void
test_own_loop_header_any_value(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	tm_hdr(&t, "x-codemaild-loop", "some.other.instance.example");
	expect(&t, &pc, "own-loop-header");
	pc.loop_header = "";            /* rule off */
	expect(&t, &pc, "ok");
}

static void
test_x_loop_naming_us(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	tm_hdr(&t, "X-Loop", "someone-else@example.test");
	expect(&t, &pc, "ok");
	tm_hdr(&t, "X-Loop", "xhelp@codes.example.com");          /* not a substring match */
	expect(&t, &pc, "ok");
	tm_hdr(&t, "X-Loop", "Codes Help <HELP@codes.example.com> (procmail)");
	expect(&t, &pc, "own-loop-header");
}

static void
test_own_address_and_aliases(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	tm_from(&t, "Consult@codes.example.com");
	expect(&t, &pc, "own-address");
	tm_from(&t, "consult+bounce@codes.example.com");
	expect(&t, &pc, "own-address");
	tm_from(&t, "coding@example.com");
	expect(&t, &pc, "own-address");
	tm_from(&t, "consultant@codes.example.com");      /* a colleague, not us */
	expect(&t, &pc, "auth-fail");                     /* From domain != dmarc header.from */
}

static void
test_reply_to_when_honoured(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	t.m.reply_to.name = (char *)"";
	t.m.reply_to.addr = (char *)"help@codes.example.com";
	expect(&t, &pc, "ok");                  /* Reply-To not used: not looked at */
	pc.honour_reply_to = 1;
	expect(&t, &pc, "own-address");
	t.m.reply_to.addr = (char *)"no-reply@tickets.example.test";
	expect(&t, &pc, "noreply-sender");
	t.m.reply_to.addr = (char *)"coders-request@lists.example.test";
	expect(&t, &pc, "list-sender");
	t.m.reply_to.addr = (char *)"bob@example.test";
	expect(&t, &pc, "ok");
	t.m.reply_to.addr = NULL;
	expect(&t, &pc, "ok");
}

static void
test_received_hops(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	int i;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	for (i = 1; i < 30; i++)        /* tm_base has one */
		tm_hdr(&t, "Received", "from a by b");
	expect(&t, &pc, "ok");          /* exactly max_received */
	tm_hdr(&t, "RECEIVED", "from a by b");
	expect(&t, &pc, "too-many-hops");
	pc.max_received = 0;            /* off */
	expect(&t, &pc, "ok");
}

/* ---- reports ---- */

static void
test_dsn(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	t.m.content_type = (char *)"multipart/report";
	t.m.report_type = (char *)"delivery-status";
	tm_set(&t, "Return-Path", "<>");        /* the more specific reason wins */
	expect(&t, &pc, "dsn");
	t.m.content_type = (char *)"message/delivery-status";
	t.m.report_type = (char *)"";
	expect(&t, &pc, "dsn");
	t.m.content_type = (char *)"message/global-delivery-status";
	expect(&t, &pc, "dsn");
}

static void
test_mdn_and_other_reports(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	tm_base(&t);
	pc_base(&pc);
	t.m.content_type = (char *)"multipart/report";
	t.m.report_type = (char *)"disposition-notification";
	expect(&t, &pc, "mdn");
	t.m.report_type = (char *)"feedback-report";
	expect(&t, &pc, "report");
	t.m.report_type = (char *)"";
	expect(&t, &pc, "report");
	t.m.content_type = (char *)"multipart/mixed";
	expect(&t, &pc, "ok");
}

/* ---- RFC 3834 / vendor markers ---- */

static void
test_auto_submitted_values(void **state)
{
	static const char *const robots[] = {
		"auto-replied", "Auto-Generated", "auto-notified", "auto-replied (vacation)",
		"auto-replied; owner-email=\"bob@example.test\"", "", "  ", "(only a comment)",
		"x-custom-auto",
	};
	static const char *const humans[] = { "no", "No", " NO (a person wrote this)", "no;" };
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(robots) / sizeof(robots[0]); i++) {
		tm_base(&t);
		tm_hdr(&t, "Auto-Submitted", robots[i]);
		expect(&t, &pc, "auto-submitted");
	}
	for (i = 0; i < sizeof(humans) / sizeof(humans[0]); i++) {
		tm_base(&t);
		tm_hdr(&t, "auto-submitted", humans[i]);
		expect(&t, &pc, "ok");
	}
}

static void
test_vendor_autoreply_headers(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_hdr(&t, "X-Autoreply", "yes");
	expect(&t, &pc, "auto-reply-header");
	tm_base(&t);
	tm_hdr(&t, "X-Autoreply", "no");
	expect(&t, &pc, "ok");
	tm_base(&t);
	tm_hdr(&t, "X-Autogenerated", "Reply");
	expect(&t, &pc, "auto-reply-header");
	tm_base(&t);
	tm_hdr(&t, "X-Precedence", "auto_reply");
	expect(&t, &pc, "auto-reply-header");
	tm_base(&t);
	tm_hdr(&t, "X-Precedence", "first-class");
	expect(&t, &pc, "ok");
}

static void
test_x_auto_response_suppress(void **state)
{
	static const char *const stop[] = { "All", "all", "DR, OOF", "RN,NRN,AutoReply",
	                                     " OOF " };
	static const char *const go[] = { "DR", "RN, NRN", "NDR,DR", "" };
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(stop) / sizeof(stop[0]); i++) {
		tm_base(&t);
		tm_hdr(&t, "X-Auto-Response-Suppress", stop[i]);
		expect(&t, &pc, "x-auto-response-suppress");
	}
	for (i = 0; i < sizeof(go) / sizeof(go[0]); i++) {
		tm_base(&t);
		tm_hdr(&t, "X-Auto-Response-Suppress", go[i]);
		expect(&t, &pc, "ok");
	}
}

static void
test_list_headers(void **state)
{
	static const char *const names[] = { "List-Id", "List-Unsubscribe", "list-post",
	                                     "List-Help", "List-Subscribe", "List-Owner",
	                                     "List-Archive", "List-Unsubscribe-Post" };
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tm_base(&t);
		tm_hdr(&t, names[i], "<mailto:x@lists.example.test>");
		expect(&t, &pc, "list-header");
	}
	tm_base(&t);
	tm_hdr(&t, "Listing", "not a list header");
	tm_hdr(&t, "X-Listed", "neither");
	expect(&t, &pc, "ok");
}

static void
test_precedence(void **state)
{
	static const char *const stop[] = { "bulk", "BULK", "list", "junk", "auto_reply",
	                                    " bulk (newsletter)" };
	static const char *const go[] = { "normal", "first-class", "urgent", "", "bulky" };
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(stop) / sizeof(stop[0]); i++) {
		tm_base(&t);
		tm_hdr(&t, "Precedence", stop[i]);
		expect(&t, &pc, "precedence");
	}
	for (i = 0; i < sizeof(go) / sizeof(go[0]); i++) {
		tm_base(&t);
		tm_hdr(&t, "Precedence", go[i]);
		expect(&t, &pc, "ok");
	}
}

/* ---- senders ---- */

static void
test_null_sender(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_set(&t, "Return-Path", "<>");
	expect(&t, &pc, "null-sender");
	tm_set(&t, "Return-Path", " < > (null)");
	expect(&t, &pc, "null-sender");
	tm_base(&t);
	tm_from(&t, "");
	expect(&t, &pc, "null-sender");
	tm_base(&t);
	t.m.from.addr = NULL;
	expect(&t, &pc, "null-sender");
	tm_base(&t);
	tm_del(&t, "Return-Path");      /* IMAP copies often have none: fine */
	expect(&t, &pc, "ok");
}

static void
test_mailer_daemon_and_postmaster(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_from(&t, "MAILER-DAEMON@example.test");
	expect(&t, &pc, "mailer-daemon");
	tm_from(&t, "postmaster@example.test");
	expect(&t, &pc, "mailer-daemon");
	tm_base(&t);
	tm_set(&t, "Return-Path", "<Postmaster@example.test>");
	expect(&t, &pc, "mailer-daemon");
	tm_set(&t, "Return-Path", "<double-bounce@mx.example.test>");
	expect(&t, &pc, "mailer-daemon");
}

static void
test_list_senders(void **state)
{
	static const char *const robots[] = {
		"owner-coders@lists.example.test", "coders-request@lists.example.test",
		"coders-owner@lists.example.test", "LISTSERV@lists.example.test",
		"majordomo@lists.example.test", "mailman@lists.example.test",
	};
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(robots) / sizeof(robots[0]); i++) {
		tm_base(&t);
		tm_from(&t, robots[i]);
		expect(&t, &pc, "list-sender");
	}
	tm_base(&t);                    /* Mailman VERP envelope sender */
	tm_set(&t, "Return-Path", "<coders-bounces+alice=example.test@lists.example.test>");
	expect(&t, &pc, "list-sender");
	tm_base(&t);
	tm_from(&t, "owner@example.test");         /* "owner-" needs the dash and more */
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; dmarc=pass header.from=example.test");
	expect(&t, &pc, "ok");
}

static void
test_noreply_senders(void **state)
{
	static const char *const robots[] = {
		"noreply@example.test", "no-reply@example.test", "No_Reply@example.test",
		"donotreply@example.test", "do-not-reply@example.test", "do.not.reply@example.test",
		"notifications-noreply@example.test", "noreply+ticket-4711@example.test",
	};
	static const char *const people[] = { "norman@example.test", "reply@example.test",
	                                      "nora.reply@example.test" };
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(robots) / sizeof(robots[0]); i++) {
		tm_base(&t);
		tm_from(&t, robots[i]);
		expect(&t, &pc, "noreply-sender");
	}
	for (i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
		tm_base(&t);
		tm_from(&t, people[i]);
		expect(&t, &pc, "ok");
	}
	tm_base(&t);
	tm_set(&t, "Return-Path", "<no-reply@bounces.example.test>");
	expect(&t, &pc, "noreply-sender");
}

static void
test_auto_reply_subject(void **state)
{
	static const char *const robots[] = {
		"Automatic reply: Question about CPT 99213", "AUTO-REPLY: away",
		"Out of Office: back Monday", "Abwesenheitsnotiz: Frage",
		"R\xc3\xa9ponse automatique : absent", "Autosvar: ferie",
	};
	static const char *const people[] = {
		"Question on auto-reply billing", "Re: Question about automatic reply: billing",
		"", "Out of office visit coding (99213)",
	};
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(robots) / sizeof(robots[0]); i++) {
		tm_base(&t);
		t.m.subject = (char *)robots[i];
		expect(&t, &pc, "auto-reply-subject");
	}
	for (i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
		tm_base(&t);
		t.m.subject = (char *)people[i];
		expect(&t, &pc, "ok");
	}
	tm_base(&t);
	t.m.subject = NULL;
	expect(&t, &pc, "ok");
}

/* ---- recipients ---- */

static void
test_recipient_required(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	t.m.nto = 0;
	tm_to(&t, "coders@lists.example.test");     /* we were Bcc'd */
	expect(&t, &pc, "not-addressed-to-us");
	tm_hdr(&t, "Delivered-To", "consult@codes.example.com");   /* not consulted */
	tm_hdr(&t, "X-Original-To", "consult@codes.example.com");
	expect(&t, &pc, "not-addressed-to-us");
	tm_cc(&t, "CONSULT@codes.example.com");
	expect(&t, &pc, "ok");
	pc.require_recipient = 0;
	t.m.ncc = 0;
	expect(&t, &pc, "ok");
}

static void
test_recipient_alias_and_detail(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	t.m.nto = 0;
	tm_to(&t, "consult+icd10@codes.example.com");
	expect(&t, &pc, "ok");
	t.m.nto = 0;
	tm_to(&t, "coding@example.com");
	expect(&t, &pc, "ok");
	t.m.nto = 0;
	tm_to(&t, "consult@codes.example.com.evil.test");
	expect(&t, &pc, "not-addressed-to-us");
	t.m.nto = 0;                    /* undisclosed-recipients:; */
	expect(&t, &pc, "not-addressed-to-us");
}

/* ---- authentication verdicts ---- */

static void
test_auth_forged_pass_from_foreign_id(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_set(&t, "Authentication-Results",
	       "mx.codes.example.com; spf=fail smtp.mailfrom=alice@example.test; dmarc=fail "
	       "(p=reject) header.from=example.test");
	tm_hdr(&t, "Authentication-Results",
	       "mx.attacker.test; dmarc=pass header.from=example.test");
	expect(&t, &pc, "auth-fail");
	assert_int_equal(policy_check(&t.m, &pc, &v), 0);
	assert_int_equal(v.authenticated, 0);
	assert_int_equal(v.identity_trusted, 0);
	assert_string_equal(v.auth_state_text, "fail");
	/* ours absent: only the foreign one */
	tm_del(&t, "Authentication-Results");
	tm_hdr(&t, "Authentication-Results", "mx.attacker.test; dmarc=pass header.from=example.test");
	expect(&t, &pc, "auth-missing");
}

static void
test_auth_forged_from_dmarc_fail(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_set(&t, "Authentication-Results",
	       "MX.Codes.Example.COM; dkim=none; spf=softfail smtp.mailfrom=evil.test; "
	       "dmarc=fail (p=quarantine dis=quarantine) header.from=example.test");
	expect(&t, &pc, "auth-fail");
}

static void
test_auth_fail_wins_over_forged_pass_with_our_id(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_set(&t, "Authentication-Results",
	       "mx.codes.example.com; dmarc=fail header.from=example.test");
	/* a second field claiming our id, further down: forged by the sender */
	tm_hdr(&t, "Authentication-Results", "mx.codes.example.com; dmarc=pass header.from=example.test");
	expect(&t, &pc, "auth-fail");
}

static void
test_auth_dmarc_pass_for_other_domain(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; dmarc=pass header.from=evil.test");
	expect(&t, &pc, "auth-fail");
	/* issue 13: a dmarc=pass must name the From domain */
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; dmarc=pass");  /* no header.from */
	expect(&t, &pc, "auth-fail");
}

static void
test_auth_multiple_from_fields(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_hdr(&t, "From", "victim@example.test");
	expect(&t, &pc, "auth-fail");
}

static void
test_auth_unauth_action_answer(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	pc_base(&pc);
	pc.unauth_action = POLICY_UNAUTH_ANSWER;
	tm_base(&t);
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; dmarc=fail header.from=example.test");
	expect(&t, &pc, "ok-unauthenticated");
	assert_int_equal(policy_check(&t.m, &pc, &v), 1);
	assert_int_equal(v.identity_trusted, 0);
	assert_int_equal(v.authenticated, 0);
	/* robots stay unanswered whatever unauth_action says */
	tm_hdr(&t, "Auto-Submitted", "auto-replied");
	expect(&t, &pc, "auto-submitted");
}

static void
test_auth_require_none(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	pc_base(&pc);
	pc.require_auth = POLICY_AUTH_NONE;
	tm_base(&t);
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; dmarc=fail header.from=example.test");
	assert_int_equal(policy_check(&t.m, &pc, &v), 1);
	assert_string_equal(v.reason, "ok");
	assert_int_equal(v.authenticated, 0);           /* what was seen */
	assert_int_equal(v.identity_trusted, 1);        /* what the admin chose */
	assert_non_null(policy_conf_warning(&pc));
	tm_base(&t);
	assert_int_equal(policy_check(&t.m, &pc, &v), 1);
	assert_int_equal(v.authenticated, 1);
}

static void
test_auth_unconfigured(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	pc_base(&pc);
	pc.authserv_ids = " , ";
	tm_base(&t);
	tm_del(&t, "Authentication-Results");
	assert_int_equal(policy_check(&t.m, &pc, &v), 1);
	assert_string_equal(v.reason, "ok");
	assert_int_equal(v.auth_state, POLICY_AS_UNCONFIGURED);
	assert_int_equal(v.authenticated, 0);
	assert_int_equal(v.identity_trusted, 1);
	assert_non_null(policy_conf_warning(&pc));
	pc.authserv_ids = NULL;
	assert_int_equal(policy_check(&t.m, &pc, &v), 1);
	pc_base(&pc);
	assert_null(policy_conf_warning(&pc));
}

static void
test_auth_aligned_dkim(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_set(&t, "Authentication-Results",
	       "mx.codes.example.com; dkim=pass (2048-bit key) header.d=mail.example.test "
	       "header.s=sel1 header.b=AbC123; dmarc=none header.from=example.test");
	expect(&t, &pc, "auth-fail");           /* dmarc mode: dmarc=none is no pass */
	pc.require_auth = POLICY_AUTH_ALIGNED;
	assert_int_equal(policy_check(&t.m, &pc, &v), 1);
	assert_string_equal(v.auth_method, "dkim");
	tm_set(&t, "Authentication-Results",
	       "mx.codes.example.com; dkim=pass header.d=esp-mailer.test; dmarc=none");
	expect(&t, &pc, "auth-fail");           /* third-party signature: not aligned */
	tm_set(&t, "Authentication-Results",
	       "mx.codes.example.com; dkim=pass header.i=@example.test");
	expect(&t, &pc, "ok");                  /* header.i when there is no header.d */
	tm_set(&t, "Authentication-Results",
	       "mx.codes.example.com; dkim=pass header.d=example.test; dmarc=fail header.from=example.test");
	expect(&t, &pc, "auth-fail");           /* dmarc=fail vetoes */
}

static void
test_auth_aligned_spf(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	pc_base(&pc);
	pc.require_auth = POLICY_AUTH_ALIGNED;
	tm_base(&t);
	tm_set(&t, "Authentication-Results",
	       "mx.codes.example.com; spf=pass (sender SPF authorized) smtp.mailfrom=bounce@out.example.test");
	assert_int_equal(policy_check(&t.m, &pc, &v), 1);
	assert_string_equal(v.auth_method, "spf");
	tm_hdr_top(&t, "Authentication-Results", "mx2.codes.example.com; spf=softfail smtp.mailfrom=example.test");
	expect(&t, &pc, "auth-fail");           /* conflicting spf: fail wins */
	tm_base(&t);
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; spf=pass smtp.helo=mail.example.test");
	expect(&t, &pc, "auth-fail");           /* HELO-only says nothing about From */
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; spf=pass smtp.mailfrom=evil.test");
	expect(&t, &pc, "auth-fail");
}

static void
test_auth_only_other_methods_is_missing(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; iprev=pass policy.iprev=192.0.2.1");
	expect(&t, &pc, "auth-missing");
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; none");
	expect(&t, &pc, "auth-missing");
}

static void
test_auth_second_trusted_id(void **state)
{
	struct tmsg t;
	struct policy_conf pc;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_set(&t, "Authentication-Results", "Mx2.Codes.Example.Com 1; dmarc=pass header.from=example.test");
	expect(&t, &pc, "ok");
	/* a look-alike id is not ours */
	tm_set(&t, "Authentication-Results", "mx.codes.example.com.attacker.test; dmarc=pass header.from=example.test");
	expect(&t, &pc, "auth-missing");
}

/* ---- Authentication-Results parser ---- */

static void
test_ar_parse_gmail_style(void **state)
{
	struct policy_ar ar;

	(void)state;
	assert_int_equal(policy_ar_parse(
		"mx.google.com;\r\n       dkim=pass header.i=@example.test header.s=20230601 "
		"header.b=Xy12AbCd;\r\n       spf=pass (google.com: domain of alice@example.test "
		"designates 192.0.2.10 as permitted sender) smtp.mailfrom=alice@example.test;\r\n"
		"       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.test", &ar), 0);
	assert_string_equal(ar.authserv_id, "mx.google.com");
	assert_int_equal(ar.nresults, 3);
	assert_string_equal(ar.results[0].method, "dkim");
	assert_string_equal(ar.results[0].result, "pass");
	assert_string_equal(ar.results[0].header_i, "example.test");
	assert_string_equal(ar.results[1].method, "spf");
	assert_string_equal(ar.results[1].smtp_mailfrom, "example.test");
	assert_string_equal(ar.results[2].method, "dmarc");
	assert_string_equal(ar.results[2].header_from, "example.test");
}

static void
test_ar_parse_comments_versions_quotes(void **state)
{
	struct policy_ar ar;

	(void)state;
	assert_int_equal(policy_ar_parse(
		"(leading (nested) comment) \"MX.Example.Test\" 1 (v1); DKIM/1 (sig ; one) = Pass "
		"(good (really)) header.d = \"Example.Test.\" ; spf (x) = fail smtp . mailfrom = "
		"\"john doe\"@Evil.Test", &ar), 0);
	assert_string_equal(ar.authserv_id, "mx.example.test");
	assert_int_equal(ar.nresults, 2);
	assert_string_equal(ar.results[0].method, "dkim");
	assert_string_equal(ar.results[0].result, "pass");
	assert_string_equal(ar.results[0].header_d, "example.test");
	assert_string_equal(ar.results[1].result, "fail");
	assert_string_equal(ar.results[1].smtp_mailfrom, "evil.test");
}

static void
test_ar_parse_none_and_empty(void **state)
{
	struct policy_ar ar;

	(void)state;
	assert_int_equal(policy_ar_parse("mx.example.test; none", &ar), 0);
	assert_int_equal(ar.nresults, 0);
	assert_int_equal(policy_ar_parse("mx.example.test", &ar), 0);
	assert_int_equal(ar.nresults, 0);
	assert_int_equal(policy_ar_parse("", &ar), -1);
	assert_int_equal(policy_ar_parse("   (just a comment)", &ar), -1);
	assert_int_equal(policy_ar_parse(NULL, &ar), -1);
}

static void
test_ar_parse_no_authserv_id(void **state)
{
	struct policy_ar ar;

	(void)state;
	/* the style of some large providers: no authserv-id at all */
	assert_int_equal(policy_ar_parse(
		"spf=pass (sender IP is 192.0.2.7) smtp.mailfrom=example.test; dkim=pass "
		"(signature was verified) header.d=example.test;dmarc=pass action=none "
		"header.from=example.test;compauth=pass reason=100", &ar), -1);
	assert_string_equal(ar.authserv_id, "");
	assert_int_equal(ar.nresults, 0);
	assert_int_equal(policy_ar_parse("mx.example.test dkim=pass", &ar), -1);
}

static void
test_ar_parse_reason_and_unknown_props(void **state)
{
	struct policy_ar ar;

	(void)state;
	assert_int_equal(policy_ar_parse(
		"mx.example.test; dmarc=pass action=none reason=\"a; quoted ; reason\" "
		"header.from=example.test; compauth=pass reason=100; arc=pass (i=1) "
		"smtp.remote-ip=192.0.2.1", &ar), 0);
	assert_int_equal(ar.nresults, 3);
	assert_string_equal(ar.results[0].method, "dmarc");
	assert_string_equal(ar.results[0].header_from, "example.test");
	assert_string_equal(ar.results[1].method, "compauth");
	assert_string_equal(ar.results[2].method, "arc");
}

static void
test_ar_parse_malformed_resinfo_skipped(void **state)
{
	struct policy_ar ar;

	(void)state;
	assert_int_equal(policy_ar_parse(
		"mx.example.test; =pass header.d=x.test; dkim pass; ;; @@@; dmarc=pass "
		"header.from=example.test; spf=", &ar), 0);
	assert_int_equal(ar.nresults, 1);
	assert_string_equal(ar.results[0].method, "dmarc");
	assert_string_equal(ar.results[0].header_from, "example.test");
}

static void
test_ar_parse_truncation(void **state)
{
	struct policy_ar ar;
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 8192);
	assert_int_equal(buf_addstr(&b, "mx.example.test"), 0);
	for (i = 0; i < POLICY_AR_MAX_RESULTS + 4; i++)
		assert_int_equal(buf_printf(&b, "; dkim=pass header.d=d%d.example.test", i), 0);
	assert_int_equal(policy_ar_parse(buf_cstr(&b), &ar), 0);
	assert_int_equal(ar.nresults, POLICY_AR_MAX_RESULTS);
	assert_int_equal(ar.truncated, 1);
	assert_string_equal(ar.results[POLICY_AR_MAX_RESULTS - 1].header_d, "d15.example.test");
	buf_free(&b);
}

static void
test_ar_parse_unterminated(void **state)
{
	static const char *const bad[] = {
		"mx.example.test; dkim=pass (unterminated comment",
		"mx.example.test; dkim=pass header.d=\"unterminated",
		"mx.example.test; dkim=pass reason=\"x\\",
		"mx.example.test (\\", "\"mx", "mx.example.test; dkim/", "mx.example.test; dkim=pass header.",
		"mx.example.test; dkim=pass header.d", "mx.example.test; dkim=pass header.d=",
	};
	struct policy_ar ar;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = policy_ar_parse(bad[i], &ar);

		assert_true(r == 0 || r == -1);
		assert_true(ar.nresults <= 1);
	}
	assert_int_equal(policy_ar_parse(bad[1], &ar), 0);
	assert_string_equal(ar.results[0].header_d, "");        /* "unterminated" is no domain */
}

static void
test_ar_parse_long_values(void **state)
{
	struct policy_ar ar;
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 8192);
	assert_int_equal(buf_addstr(&b, "mx.example.test; dkim=pass header.d="), 0);
	for (i = 0; i < 300; i++)
		assert_int_equal(buf_addc(&b, 'a'), 0);
	assert_int_equal(buf_addstr(&b, ".test; dmarc=pass header.from=example.test"), 0);
	assert_int_equal(policy_ar_parse(buf_cstr(&b), &ar), 0);
	assert_int_equal(ar.nresults, 2);
	assert_string_equal(ar.results[0].header_d, "");        /* too long: dropped */
	assert_string_equal(ar.results[1].header_from, "example.test");
	buf_reset(&b);
	for (i = 0; i < 400; i++)
		assert_int_equal(buf_addc(&b, 'm'), 0);
	assert_int_equal(buf_addstr(&b, "; dmarc=pass"), 0);
	assert_int_equal(policy_ar_parse(buf_cstr(&b), &ar), -1); /* over-long authserv-id */
	buf_free(&b);
}

static void
test_domain_alignment(void **state)
{
	(void)state;
	assert_true(policy_domain_aligned("example.test", "example.test"));
	assert_true(policy_domain_aligned("Example.TEST", "example.test"));
	assert_true(policy_domain_aligned("mail.example.test", "example.test"));
	assert_true(policy_domain_aligned("example.test", "a.b.example.test"));
	assert_false(policy_domain_aligned("a.example.test", "b.example.test"));
	assert_false(policy_domain_aligned("badexample.test", "example.test"));
	assert_false(policy_domain_aligned("example.test", "test"));     /* TLD alone never */
	assert_false(policy_domain_aligned("", "example.test"));
	assert_false(policy_domain_aligned(NULL, "example.test"));
	assert_false(policy_domain_aligned("example.test.", "example.test"));
}

/* ---- reason table and configuration ---- */

static void
test_reason_table(void **state)
{
	static const char *const must[] = {
		"ok", "ok-unauthenticated", "unparseable", "own-loop-header", "own-address",
		"too-many-hops", "dsn", "mdn", "report", "auto-submitted", "auto-reply-header",
		"x-auto-response-suppress", "list-header", "precedence", "null-sender",
		"mailer-daemon", "list-sender", "noreply-sender", "auto-reply-subject",
		"not-addressed-to-us", "auth-fail", "auth-missing",
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		assert_true(policy_reason_known(must[i]));
		assert_string_not_equal(policy_reason_text(must[i]), "unknown reason code");
	}
	for (i = 0; policy_reason_code(i); i++)
		for (j = i + 1; policy_reason_code(j); j++)
			assert_string_not_equal(policy_reason_code(i), policy_reason_code(j));
	assert_int_equal(i, sizeof(must) / sizeof(must[0]));
	assert_false(policy_reason_known("nonsense"));
	assert_false(policy_reason_known(NULL));
	assert_string_equal(policy_reason_text("nonsense"), "unknown reason code");
}

static void
test_conf_from(void **state)
{
	struct conf c;
	struct policy_conf pc;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(conf_defaults(&c), 0);
	policy_conf_from(&pc, &c);
	assert_string_equal(pc.consultant_address, c.consultant_address);
	assert_int_equal(pc.require_auth, POLICY_AUTH_DMARC);
	assert_int_equal(pc.unauth_action, POLICY_UNAUTH_IGNORE);
	assert_int_equal(pc.max_received, 30);
	assert_int_equal(pc.require_recipient, 1);
	assert_string_equal(pc.loop_header, "X-Codemaild-Loop");
	assert_int_equal(pc.honour_reply_to, 0);
	assert_non_null(policy_conf_warning(&pc));      /* no authserv_id by default */
	c.require_auth = CONF_AUTH_ALIGNED;
	c.unauth_action = CONF_UNAUTH_ANSWER;
	policy_conf_from(&pc, &c);
	assert_int_equal(pc.require_auth, POLICY_AUTH_ALIGNED);
	assert_int_equal(pc.unauth_action, POLICY_UNAUTH_ANSWER);
	conf_free(&c);
}

static void
test_detail_has_no_addresses(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	pc_base(&pc);
	tm_base(&t);
	tm_from(&t, "noreply-patient.smith@example.test");
	policy_check(&t.m, &pc, &v);
	assert_string_equal(v.reason, "noreply-sender");
	assert_null(strchr(v.detail, '@'));
	tm_base(&t);
	tm_hdr(&t, "Auto-Submitted", "auto-replied\x01\xff; owner-email=\"x@example.test\" "
	       "and a very long tail that goes on and on and on");
	policy_check(&t.m, &pc, &v);
	assert_string_equal(v.reason, "auto-submitted");
	assert_true(strlen(v.detail) < 64);
	for (size_t i = 0; v.detail[i]; i++)
		assert_true(v.detail[i] >= 0x20 && v.detail[i] < 0x7f);
	/* header values that are addresses are not copied into the detail (it is logged) */
	tm_base(&t);
	tm_hdr(&t, "X-MS-Exchange-Inbox-Rules-Loop", "ben@example.test");
	policy_check(&t.m, &pc, &v);
	assert_string_equal(v.reason, "auto-reply-header");
	assert_null(strchr(v.detail, '@'));
	tm_base(&t);
	tm_hdr(&t, "X-AutoReply-From", "ben@example.test");
	policy_check(&t.m, &pc, &v);
	assert_null(strchr(v.detail, '@'));
}

/* ---- corpus ---- */


static const char *
top(void)
{
	const char *t = getenv("CODEMAILD_TOP");

	return t && *t ? t : ".";
}

static void
corpus_pc(struct policy_conf *pc)
{
	pc_base(pc);
	pc->aliases = "help@codes.example.com";
	pc->authserv_ids = "mx.codes.example.com";
}

/* Runs one file; returns the verdict's reason (static). */
static const char *
corpus_verdict(const char *path, struct verdict *v)
{
	struct policy_conf pc;
	struct buf raw;

	corpus_pc(&pc);
	buf_init(&raw, LIM_MESSAGE_SIZE);
	if (util_read_file(path, LIM_MESSAGE_SIZE, &raw) != 0)
		fail_msg("cannot read %s", path);
	{
		struct message *m = message_parse(buf_cstr(&raw), raw.len, NULL);

		assert_non_null(m);
		policy_check(m, &pc, v);
		message_free(m);
	}
	buf_free(&raw);
	return v->reason;
}

static int
ends_eml(const char *n)
{
	size_t l = strlen(n);

	return l > 4 && strcmp(n + l - 4, ".eml") == 0;
}

static void
test_corpus_noanswer(void **state)
{
	char path[4096], line[512];
	FILE *f;
	int n = 0, bad = 0;
	DIR *d;
	struct dirent *de;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/corpus/noanswer/expected.tsv", top());
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (set CODEMAILD_TOP)", path);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *nl, file[4096];
		struct verdict v;

		if (line[0] == '#' || line[0] == '\n' || !tab)
			continue;
		*tab = '\0';
		if ((nl = strchr(tab + 1, '\n')) != NULL)
			*nl = '\0';
		assert_true(policy_reason_known(tab + 1));
		snprintf(file, sizeof(file), "%s/tests/corpus/noanswer/%s", top(), line);
		corpus_verdict(file, &v);
		if (v.answer != 0 || strcmp(v.reason, tab + 1) != 0) {
			print_error("noanswer/%s: expected %s, got %s (%s)\n", line, tab + 1, v.reason,
			            v.detail);
			bad++;
		}
		n++;
	}
	fclose(f);
	/* every .eml is listed */
	snprintf(path, sizeof(path), "%s/tests/corpus/noanswer", top());
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (!ends_eml(de->d_name))
			continue;
		n--;
	}
	closedir(d);
	assert_int_equal(bad, 0);
	assert_int_equal(n, 0);         /* listed == present */
}

static void
test_corpus_answer(void **state)
{
	char path[2048], file[4096];
	int n = 0, bad = 0;
	DIR *d;
	struct dirent *de;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/corpus/answer", top());
	d = opendir(path);
	if (!d)
		fail_msg("cannot open %s (set CODEMAILD_TOP)", path);
	while ((de = readdir(d)) != NULL) {
		struct verdict v;

		if (!ends_eml(de->d_name))
			continue;
		if (snprintf(file, sizeof(file), "%s/%.1000s", path, de->d_name) >= (int)sizeof(file))
			fail_msg("path too long");
		corpus_verdict(file, &v);
		if (v.answer != 1 || strcmp(v.reason, "ok") != 0 || !v.authenticated) {
			print_error("answer/%s: got %s (%s)\n", de->d_name, v.reason, v.detail);
			bad++;
		}
		n++;
	}
	closedir(d);
	assert_int_equal(bad, 0);
	assert_true(n >= 8);
}

/* issue 13, point 3: only our topmost Authentication-Results count. */
static void
test_auth_trust_zone(void **state)
{
	struct tmsg t;
	struct policy_conf pc;
	struct verdict v;

	(void)state;
	pc_base(&pc);
	/* ours says nothing of DMARC; a forged dmarc=pass with our id below the Received of
	 * the hop it arrived on must not count */
	tm_base(&t);
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; spf=pass smtp.mailfrom=alice@example.test");
	tm_hdr(&t, "Authentication-Results", "mx.codes.example.com; dmarc=pass header.from=example.test");
	expect(&t, &pc, "auth-fail");
	/* the issue's case: our real dmarc=none above, a forged pass for the From below */
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; dmarc=none header.from=example.test");
	expect(&t, &pc, "auth-fail");
	/* the documented limit: a forged A-R alone right below the Received of our MX (which
	 * added none) cannot be told from ours; our MTA must add one to every message or strip
	 * incoming ones with our id (policy.h). Below a host that is not ours it never counts. */
	tm_base(&t);
	tm_del(&t, "Authentication-Results");
	tm_hdr(&t, "Authentication-Results", "mx.codes.example.com; dmarc=pass header.from=example.test");
	expect(&t, &pc, "ok");
	tm_set(&t, "Received", "from laptop by smtp.evil.example");
	pc.internal_hosts = "imap.codes.example.com";
	assert_int_equal(policy_check(&t.m, &pc, &v), 0);
	assert_string_equal(v.reason, "auth-missing");
	/* delivery hops above our A-R are fine; with internal_hosts only our own hosts */
	pc_base(&pc);
	tm_base(&t);
	tm_hdr_top(&t, "Received", "from mx.codes.example.com by imap.codes.example.com (Dovecot) with LMTP id x");
	expect(&t, &pc, "ok");
	pc.internal_hosts = "imap.codes.example.com";
	expect(&t, &pc, "ok");
	pc.internal_hosts = "other.codes.example.com";
	expect(&t, &pc, "auth-missing");
	pc.internal_hosts = "IMAP.Codes.Example.Com";
	tm_base(&t);
	tm_hdr_top(&t, "Received", "from mx (mx [10.0.0.1]) (using TLS)\r\n\tby imap.codes.example.com. "
	    "(Dovecot) with LMTP id x; Thu, 3 Dec 2026 10:00:00 +0000");
	expect(&t, &pc, "ok");
	/* two fields of ours in the top block both count; fail wins */
	pc_base(&pc);
	tm_base(&t);
	tm_hdr_top(&t, "Authentication-Results", "mx.codes.example.com; dmarc=fail header.from=example.test");
	expect(&t, &pc, "auth-fail");
}

/* issue 13, point 5: our own address with a trailing dot or as a %-hack. */
static void
test_own_address_variants(void **state)
{
	static const char *const ours[] = { "consult@codes.example.com.", "Consult@Codes.Example.COM..",
	                                    "consult%codes.example.com@relay.example.test",
	                                    "consult%codes.example.com.%relay.example.test@gw.example.test",
	                                    "help+x%codes.example.com@relay.example.test" };
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		tm_base(&t);
		tm_from(&t, ours[i]);
		expect(&t, &pc, "own-address");
	}
	tm_base(&t);
	tm_from(&t, "consult%other.example@relay.example.test");
	tm_set(&t, "Authentication-Results", "mx.codes.example.com; dmarc=pass header.from=relay.example.test");
	expect(&t, &pc, "ok");
}

/* issue 13, point 5: robot markers as header fields and local parts. */
static void
test_robot_markers_issue13(void **state)
{
	static const struct { const char *name, *value, *reason; } hs[] = {
		{ "Mailing-List", "list coders@lists.example.test", "list-header" },
		{ "X-Mailing-List", "<coders@lists.example.test>", "list-header" },
		{ "X-List", "coders@lists.example.test", "list-header" },
		{ "X-MS-Exchange-Inbox-Rules-Loop", "alice@example.test", "auto-reply-header" },
		{ "X-FC-MachineGenerated", "true", "auto-reply-header" },
		{ "X-POST-MessageClass", "9; Autoresponder", "auto-reply-header" },
	};
	static const struct { const char *from, *reason; } ls[] = {
		{ "mailer_daemon@example.test", "mailer-daemon" },
		{ "Mailer.Daemon@example.test", "mailer-daemon" },
		{ "bounce@example.test", "mailer-daemon" },
		{ "bounces+48213@example.test", "mailer-daemon" },
		{ "root@example.test", "mailer-daemon" },
	};
	static const char *const subjects[] = { "Re: Automatic reply: Question", "RE: AW: Abwesend: Frage",
	                                        "Abwesend: Frage zu 99213", "On vacation: your question" };
	struct tmsg t;
	struct policy_conf pc;
	size_t i;

	(void)state;
	pc_base(&pc);
	for (i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		tm_base(&t);
		tm_hdr(&t, hs[i].name, hs[i].value);
		expect(&t, &pc, hs[i].reason);
	}
	tm_base(&t);
	tm_hdr(&t, "X-POST-MessageClass", "1; Normal");
	expect(&t, &pc, "ok");
	tm_base(&t);
	tm_hdr(&t, "Precedence", "normal");
	tm_hdr(&t, "Precedence", "bulk");
	expect(&t, &pc, "precedence");
	for (i = 0; i < sizeof(ls) / sizeof(ls[0]); i++) {
		tm_base(&t);
		tm_from(&t, ls[i].from);
		expect(&t, &pc, ls[i].reason);
	}
	tm_base(&t);
	tm_from(&t, "rooted@example.test");             /* a person */
	expect(&t, &pc, "ok");
	tm_base(&t);
	t.m.sender.addr = (char *)"owner-coders@lists.example.test";
	expect(&t, &pc, "list-sender");
	t.m.sender.addr = (char *)"coders-bounces@lists.example.test";
	expect(&t, &pc, "list-sender");
	t.m.sender.addr = (char *)"assistant@example.test";
	expect(&t, &pc, "ok");
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		tm_base(&t);
		t.m.subject = (char *)subjects[i];
		expect(&t, &pc, "auto-reply-subject");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary_question_is_answered),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_unparseable),
		cmocka_unit_test(test_own_loop_header_any_value),
		cmocka_unit_test(test_x_loop_naming_us),
		cmocka_unit_test(test_own_address_and_aliases),
		cmocka_unit_test(test_reply_to_when_honoured),
		cmocka_unit_test(test_received_hops),
		cmocka_unit_test(test_dsn),
		cmocka_unit_test(test_mdn_and_other_reports),
		cmocka_unit_test(test_auto_submitted_values),
		cmocka_unit_test(test_vendor_autoreply_headers),
		cmocka_unit_test(test_x_auto_response_suppress),
		cmocka_unit_test(test_list_headers),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_null_sender),
		cmocka_unit_test(test_mailer_daemon_and_postmaster),
		cmocka_unit_test(test_list_senders),
		cmocka_unit_test(test_noreply_senders),
		cmocka_unit_test(test_auto_reply_subject),
		cmocka_unit_test(test_recipient_required),
		cmocka_unit_test(test_recipient_alias_and_detail),
		cmocka_unit_test(test_auth_forged_pass_from_foreign_id),
		cmocka_unit_test(test_auth_forged_from_dmarc_fail),
		cmocka_unit_test(test_auth_fail_wins_over_forged_pass_with_our_id),
		cmocka_unit_test(test_auth_dmarc_pass_for_other_domain),
		cmocka_unit_test(test_auth_multiple_from_fields),
		cmocka_unit_test(test_auth_unauth_action_answer),
		cmocka_unit_test(test_auth_require_none),
		cmocka_unit_test(test_auth_unconfigured),
		cmocka_unit_test(test_auth_aligned_dkim),
		cmocka_unit_test(test_auth_aligned_spf),
		cmocka_unit_test(test_auth_trust_zone),
		cmocka_unit_test(test_own_address_variants),
		cmocka_unit_test(test_robot_markers_issue13),
		cmocka_unit_test(test_auth_only_other_methods_is_missing),
		cmocka_unit_test(test_auth_second_trusted_id),
		cmocka_unit_test(test_ar_parse_gmail_style),
		cmocka_unit_test(test_ar_parse_comments_versions_quotes),
		cmocka_unit_test(test_ar_parse_none_and_empty),
		cmocka_unit_test(test_ar_parse_no_authserv_id),
		cmocka_unit_test(test_ar_parse_reason_and_unknown_props),
		cmocka_unit_test(test_ar_parse_malformed_resinfo_skipped),
		cmocka_unit_test(test_ar_parse_truncation),
		cmocka_unit_test(test_ar_parse_unterminated),
		cmocka_unit_test(test_ar_parse_long_values),
		cmocka_unit_test(test_domain_alignment),
		cmocka_unit_test(test_reason_table),
		cmocka_unit_test(test_conf_from),
		cmocka_unit_test(test_detail_has_no_addresses),
		cmocka_unit_test(test_corpus_noanswer),
		cmocka_unit_test(test_corpus_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
