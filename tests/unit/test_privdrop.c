/* Unit tests: privdrop. The refusal logic runs in-process; actual dropping runs in a forked
 * child (it cannot be undone) and needs root, which CI has; as non-root those checks
 * verify that privdrop is a no-op instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "privdrop.h"

static int
am_root(void)
{
	return geteuid() == 0;
}

static void
test_root_without_user_refused(void **state)
{
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	if (!am_root()) {
		assert_int_equal(privdrop(NULL, 0, &err), 0);   /* not root: nothing to do */
		assert_int_equal(privdrop("", 0, &err), 0);
		buf_free(&err);
		return;
	}
	assert_int_equal(privdrop(NULL, 0, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "refusing to run as root"));
	buf_reset(&err);
	assert_int_equal(privdrop("", 0, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "allow_root"));
	assert_int_equal(getuid(), 0);                       /* nothing changed */
	buf_free(&err);
}

static void
test_root_allowed(void **state)
{
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(privdrop(NULL, 1, &err), 0);
	assert_int_equal(privdrop("", 1, &err), 0);
	assert_string_equal(buf_cstr(&err), "");
	if (am_root()) {
		/* user = root: refused unless allowed, then a no-op */
		assert_int_equal(privdrop("root", 0, &err), -1);
		assert_non_null(strstr(buf_cstr(&err), "uid 0"));
		buf_reset(&err);
		assert_int_equal(privdrop("root", 1, &err), 0);
		assert_int_equal(getuid(), 0);
	}
	buf_free(&err);
}

static void
test_unknown_user(void **state)
{
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	if (!am_root()) {
		assert_int_equal(privdrop("no-such-user-codemaild-test", 0, &err), 0);
		buf_free(&err);
		return;
	}
	assert_int_equal(privdrop("no-such-user-codemaild-test", 0, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "unknown user 'no-such-user-codemaild-test'"));
	assert_int_equal(privdrop("no-such-user-codemaild-test", 1, &err), -1);  /* still an error */
	assert_int_equal(getuid(), 0);
	buf_free(&err);
}

/* In a child: drop to nobody, then report what the ids and groups are by exit code. */
static int
child_drop(const char *user, uid_t want_uid, gid_t want_gid)
{
	struct buf err;
	gid_t groups[64];
	int n, i;

	buf_init(&err, 1024);
	if (privdrop(user, 0, &err) != 1)
		return 10;
	if (getuid() != want_uid || geteuid() != want_uid)
		return 11;
	if (getgid() != want_gid || getegid() != want_gid)
		return 12;
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return 13;
	n = getgroups(64, groups);
	if (n < 0)
		return 14;
	for (i = 0; i < n; i++)
		if (groups[i] == 0)       /* root's supplementary groups must be gone */
			return 15;
	if (access("/root", W_OK) == 0)
		return 16;
	/* Running as nobody now: a second call is a no-op. */
	if (privdrop(user, 0, &err) != 0)
		return 17;
	buf_free(&err);
	return 0;
}

static void
test_drop_to_nobody(void **state)
{
	struct passwd *pw;
	pid_t pid;
	int status;

	(void)state;
	if (!am_root()) {
		skip();
		return;
	}
	pw = getpwnam("nobody");
	if (pw == NULL) {
		skip();
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_drop("nobody", pw->pw_uid, pw->pw_gid));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(getuid(), 0);   /* the parent kept its identity */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_without_user_refused),
		cmocka_unit_test(test_root_allowed),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_drop_to_nobody),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
