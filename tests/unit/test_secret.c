/* Unit tests: secret (password files, systemd credentials, token command) and the
 * tlsverify helpers that need no server (fingerprint normalisation, refusals). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"
#include "tlsverify.h"
#include "util.h"

static char dir[] = "/tmp/codemaild-secret-XXXXXX";

static void
put(const char *name, const char *content, int mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

static void
test_file_trims_newline(void **state)
{
	struct buf b;
	char err[256], path[256];

	(void)state;
	buf_init(&b, SECRET_MAX);
	put("pw", "s3cret pass\r\n\n", 0600);
	snprintf(path, sizeof(path), "%s/pw", dir);
	assert_int_equal(secret_read(path, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "s3cret pass");
	secret_wipe(&b);
	put("inner", "a\nb\n", 0600);   /* only the trailing newline goes */
	snprintf(path, sizeof(path), "%s/inner", dir);
	assert_int_equal(secret_read(path, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "a\nb");
	secret_wipe(&b);
}

static void
test_errors_name_no_content(void **state)
{
	struct buf b;
	char err[256], path[256];

	(void)state;
	buf_init(&b, SECRET_MAX);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(secret_read(path, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing"));
	put("empty", "\n", 0600);
	snprintf(path, sizeof(path), "%s/empty", dir);
	assert_int_equal(secret_read(path, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(secret_read("", &b, err, sizeof(err)), -1);
	secret_wipe(&b);
}

static void
test_credentials_directory(void **state)
{
	struct buf b;
	char err[256];

	(void)state;
	buf_init(&b, SECRET_MAX);
	put("imap-password", "from-credential\n", 0400);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	assert_int_equal(secret_read("imap-password", &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "from-credential");
	unsetenv("CREDENTIALS_DIRECTORY");
	secret_wipe(&b);
}

static void
test_command(void **state)
{
	struct buf b;
	char err[256];
	double t0;

	(void)state;
	buf_init(&b, SECRET_MAX);
	assert_int_equal(secret_command("printf 'tok-123\\nsecond line\\n'", 5, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "tok-123");
	assert_int_equal(secret_command("echo tok; exit 3", 5, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exit status 3"));
	assert_int_equal(b.len, 0);   /* nothing half-read is kept */
	assert_int_equal(secret_command("true", 5, &b, err, sizeof(err)), -1);
	t0 = util_mono();
	assert_int_equal(secret_command("sleep 30", 1, &b, err, sizeof(err)), -1);
	assert_true(util_mono() - t0 < 5);
	assert_non_null(strstr(err, "timed out"));
	secret_wipe(&b);
}

static void
test_fingerprint_norm(void **state)
{
	char out[65];
	const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	(void)state;
	assert_int_equal(tlsverify_norm_fingerprint(hex, out), 0);
	assert_string_equal(out, hex);
	assert_int_equal(tlsverify_norm_fingerprint(
	        "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
	        out), 0);
	assert_string_equal(out, hex);
	assert_int_equal(tlsverify_norm_fingerprint("0123", out), -1);           /* too short */
	assert_int_equal(tlsverify_norm_fingerprint("zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", out), -1);
}

static void
test_chain_refusals(void **state)
{
	struct tlsv_cert junk = { (const unsigned char *)"not a certificate", 17 };
	char err[512];

	(void)state;
	assert_int_equal(tlsverify_chain(NULL, 0, "localhost", "", "", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no certificate"));
	assert_int_equal(tlsverify_chain(&junk, 1, "localhost", "", "", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot parse"));
	/* a pin is checked first, on the raw bytes */
	assert_int_equal(tlsverify_chain(&junk, 1, "localhost", "", "00:11", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a SHA-256"));
	assert_int_equal(tlsverify_chain(&junk, 1, "localhost", "",
	        "0000000000000000000000000000000000000000000000000000000000000000", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fingerprint mismatch"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_trims_newline),
		cmocka_unit_test(test_errors_name_no_content),
		cmocka_unit_test(test_credentials_directory),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_fingerprint_norm),
		cmocka_unit_test(test_chain_refusals),
	};
	int rc;

	log_init("test_secret", LOG_DEST_STDERR, LOG_LVL_ERR, 0);
	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			rc = rc ? rc : 0;
	}
	return rc;
}
