/* Unit tests: config parsing (defaults, file:line errors, unknown keys, validation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

static const char *
write_tmp(const char *text)
{
	static char path[128];

	util_fmt(path, sizeof(path), "/tmp/codemaild-test-conf-%ld.conf", (long)getpid());
	assert_int_equal(util_write_file_atomic(path, text, strlen(text), 0600), 0);
	return path;
}

static void
test_defaults_valid(void **state)
{
	struct conf c;
	struct buf e;

	(void)state;
	buf_init(&e, 10000);
	assert_int_equal(conf_defaults(&c), 0);
	assert_int_equal(conf_validate(&c, &e), 0);
	assert_int_equal(c.source_type, CONF_SOURCE_MAILDIR);
	assert_int_equal(c.sender_type, CONF_SENDER_FILE);
	assert_string_equal(c.maildir, "spool/inbox");
	assert_int_equal(c.poll_interval, 60);
	assert_int_equal(c.msg_limits.max_size, 10 * 1024 * 1024);
	assert_int_equal(c.codes_per_message, 25);
	conf_free(&c);
	buf_free(&e);
}

static void
test_values(void **state)
{
	struct conf c;
	struct buf e;
	const char *p = write_tmp("# comment\n[source]\npoll_interval = 5m\n[limits]\nmessage_size = 2M\n"
	    "[general]\nconsultant_address = ask@coders.example\nallow_root = yes\n");

	(void)state;
	buf_init(&e, 10000);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, p, &e), 0);
	assert_int_equal(c.poll_interval, 300);
	assert_int_equal(c.msg_limits.max_size, 2 * 1024 * 1024);
	assert_string_equal(c.consultant_address, "ask@coders.example");
	assert_int_equal(c.allow_root, 1);
	conf_free(&c);
	buf_free(&e);
	unlink(p);
}

static void
test_all_errors_with_lines(void **state)
{
	struct conf c;
	struct buf e;
	const char *p = write_tmp("[general]\nconsultant_adress = typo@x.example\n[source]\n"
	    "type = pop3\npoll_interval = soon\n[nosuch]\nkey = 1\n");
	char want[256];

	(void)state;
	buf_init(&e, 10000);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, p, &e), 4);
	util_fmt(want, sizeof(want), "%s:2: unknown key 'consultant_adress' in [general]", p);
	assert_non_null(strstr(buf_cstr(&e), want));
	util_fmt(want, sizeof(want), "%s:4: type:", p);
	assert_non_null(strstr(buf_cstr(&e), want));
	util_fmt(want, sizeof(want), "%s:5: poll_interval:", p);
	assert_non_null(strstr(buf_cstr(&e), want));
	util_fmt(want, sizeof(want), "%s:7: unknown section [nosuch]", p);
	assert_non_null(strstr(buf_cstr(&e), want));
	/* a bad value keeps the default */
	assert_int_equal(c.source_type, CONF_SOURCE_MAILDIR);
	conf_free(&c);
	buf_free(&e);
	unlink(p);
}

static void
test_cross_validation(void **state)
{
	struct conf c;
	struct buf e;
	const char *p = write_tmp("[source]\ntype = imap\n[sender]\ntype = smtp\nsmtp_url = ftp://x\n");

	(void)state;
	buf_init(&e, 10000);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, p, &e), 0);
	assert_true(conf_validate(&c, &e) >= 3);   /* no host, no user, bad url */
	assert_non_null(strstr(buf_cstr(&e), "needs [imap] host"));
	assert_non_null(strstr(buf_cstr(&e), "smtp_url must start"));
	conf_free(&c);
	buf_free(&e);
	unlink(p);
}

/* consultant_name: anything a phrase can carry is accepted (replies quote or encode it);
 * control characters, invalid UTF-8 and over-long names are refused */
static void
name_case(const char *name, int want_ok)
{
	struct conf c;
	struct buf e, t;
	const char *p;

	buf_init(&t, 4096);
	buf_printf(&t, "[general]\nconsultant_name = %s\n", name);
	p = write_tmp(buf_cstr(&t));
	buf_init(&e, 10000);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, p, &e), 0);
	if (want_ok) {
		assert_int_equal(conf_validate(&c, &e), 0);
	} else {
		assert_int_equal(conf_validate(&c, &e), 1);
		assert_non_null(strstr(buf_cstr(&e), "consultant_name"));
	}
	conf_free(&c);
	buf_free(&e);
	buf_free(&t);
	unlink(p);
}

static void
test_consultant_name(void **state)
{
	(void)state;
	name_case("Coding Consultant", 1);
	name_case("Smith, Coding (Billing) \"Desk\"", 1);
	name_case("Dr. Lee; O'Brien <x@y> \\", 1);
	name_case("Caf\xc3\xa9 Codage, D\xc3\xa9" "pt", 1);
	name_case("Coding\rBcc: x@evil.example", 0);
	name_case("Coding\x01" "Desk", 0);
	name_case("Coding\x7f", 0);
	name_case("Line\xe2\x80\xa8Sep", 0);
	name_case("Bad \xff UTF-8", 0);
	name_case("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0);
}

static void
test_lists(void **state)
{
	(void)state;
	assert_true(conf_list_has("a@x.example, B@Y.example ,c@z", "b@y.example"));
	assert_false(conf_list_has("a@x.example", "x.example"));
	assert_false(conf_list_has("", "a@x.example"));
}

static void
test_key_table(void **state)
{
	const char *s, *k, *d, *doc;
	size_t i;

	(void)state;
	assert_true(conf_nkeys() > 50);
	for (i = 0; i < conf_nkeys(); i++) {
		assert_int_equal(conf_key_info(i, &s, &k, &d, &doc), 0);
		assert_true(strlen(doc) > 5);     /* every key documented */
	}
	assert_int_equal(conf_key_info(i, &s, &k, &d, &doc), -1);
}

/* issue 13: choice values as enums, sender key settings */
static void
test_choices_and_sender_keys(void **state)
{
	struct conf c;
	struct buf e;
	const char *p = write_tmp("[policy]\nrequire_auth = aligned\nunauth_action = answer\n"
	    "internal_hosts = imap.clinic.example\n[quota]\nunit = message\nguest_period = day\n"
	    "registered_period = lifetime\nsubaddress_separator =\ndotless_domains = gmail.com\n"
	    "subscriber_period = weekly\n");
	char want[256];

	(void)state;
	buf_init(&e, 10000);
	conf_defaults(&c);
	assert_int_equal(c.require_auth, CONF_AUTH_DMARC);
	assert_int_equal(c.unauth_action, CONF_UNAUTH_IGNORE);
	assert_int_equal(c.quota_unit, CONF_UNIT_CODE);
	assert_int_equal(c.quota_guest_period, CONF_PERIOD_LIFETIME);
	assert_int_equal(c.quota_registered_period, CONF_PERIOD_MONTH);
	assert_string_equal(c.subaddress_separator, "+");
	assert_string_equal(c.dotless_domains, "");
	assert_int_equal(conf_load(&c, p, &e), 1);
	util_fmt(want, sizeof(want), "%s:11: subscriber_period: must be one of", p);
	assert_non_null(strstr(buf_cstr(&e), want));
	assert_int_equal(c.require_auth, CONF_AUTH_ALIGNED);
	assert_int_equal(c.unauth_action, CONF_UNAUTH_ANSWER);
	assert_int_equal(c.quota_unit, CONF_UNIT_MESSAGE);
	assert_int_equal(c.quota_guest_period, CONF_PERIOD_DAY);
	assert_int_equal(c.quota_registered_period, CONF_PERIOD_LIFETIME);
	assert_int_equal(c.quota_subscriber_period, CONF_PERIOD_MONTH);   /* bad value: default */
	assert_string_equal(c.subaddress_separator, "");
	assert_string_equal(c.dotless_domains, "gmail.com");
	assert_string_equal(c.internal_hosts, "imap.clinic.example");
	assert_string_equal(conf_period_name(CONF_PERIOD_DAY), "day");
	conf_free(&c);
	buf_free(&e);
	unlink(p);
}

static void
test_former_text_choices(void **state)
{
	struct conf c;
	struct buf e;
	const char *p = write_tmp("[source]\ntype = imap\n[imap]\ntls = starttls\nauth = login\n"
	    "mark_mode = flag\n[sender]\ntype = smtp\nauth = none\n[log]\nlevel = debug\n"
	    "destination = syslog\n[imap]\ntls = ssl\n");
	char want[256];

	(void)state;
	buf_init(&e, 10000);
	conf_defaults(&c);
	assert_int_equal(c.source_type, CONF_SOURCE_MAILDIR);
	assert_int_equal(c.imap_tls, CONF_TLS_IMPLICIT);
	assert_int_equal(c.imap_auth, CONF_MECH_PLAIN);
	assert_int_equal(c.imap_mark_mode, CONF_MARK_MOVE);
	assert_int_equal(c.sender_type, CONF_SENDER_FILE);
	assert_int_equal(c.smtp_auth, CONF_MECH_PLAIN);
	assert_int_equal(c.log_level, CONF_LOG_INFO);
	assert_int_equal(c.log_destination, CONF_LOGDEST_AUTO);
	assert_int_equal(conf_load(&c, p, &e), 1);
	util_fmt(want, sizeof(want), "%s:14: tls: must be one of the listed choices", p);
	assert_non_null(strstr(buf_cstr(&e), want));
	assert_int_equal(c.source_type, CONF_SOURCE_IMAP);
	assert_int_equal(c.imap_tls, CONF_TLS_STARTTLS);   /* the bad later value keeps it */
	assert_int_equal(c.imap_auth, CONF_MECH_LOGIN);
	assert_int_equal(c.imap_mark_mode, CONF_MARK_FLAG);
	assert_int_equal(c.sender_type, CONF_SENDER_SMTP);
	assert_int_equal(c.smtp_auth, CONF_MECH_NONE);
	assert_int_equal(c.log_level, CONF_LOG_DEBUG);
	assert_int_equal(c.log_destination, CONF_LOGDEST_SYSLOG);
	assert_string_equal(conf_source_name(c.source_type), "imap");
	assert_string_equal(conf_source_name(CONF_SOURCE_MAILDIR), "maildir");
	assert_string_equal(conf_sender_name(c.sender_type), "smtp");
	assert_string_equal(conf_sender_name(CONF_SENDER_FILE), "file");
	conf_free(&c);
	buf_free(&e);
	unlink(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_valid),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_all_errors_with_lines),
		cmocka_unit_test(test_cross_validation),
		cmocka_unit_test(test_consultant_name),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_choices_and_sender_keys),
		cmocka_unit_test(test_former_text_choices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
