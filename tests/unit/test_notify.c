/* Unit tests: notify (sd_notify wrapper). A datagram socket stands in for systemd's
 * $NOTIFY_SOCKET; we check what arrives, and that nothing arrives when it should not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

struct fixture {
	int fd;
	char dir[64];
	char path[100];
};

static int
setup(void **state)
{
	static struct fixture f;
	struct sockaddr_un sa;

	memset(&f, 0, sizeof(f));
	memcpy(f.dir, "/tmp/notify-test-XXXXXX", sizeof("/tmp/notify-test-XXXXXX"));
	if (mkdtemp(f.dir) == NULL)
		return -1;
	snprintf(f.path, sizeof(f.path), "%s/notify", f.dir);
	f.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f.fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f.path);
	if (bind(f.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setenv("NOTIFY_SOCKET", f.path, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

/* The next datagram, or "" when none is waiting. */
static const char *
next_msg(struct fixture *f)
{
	static char msg[512];
	ssize_t n = recv(f->fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);

	if (n < 0)
		n = 0;
	msg[n] = '\0';
	return msg;
}

#ifdef HAVE_SYSTEMD

static void
test_ready_stopping(void **state)
{
	struct fixture *f = *state;

	notify_ready();
	assert_string_equal(next_msg(f), "READY=1");
	notify_stopping();
	assert_string_equal(next_msg(f), "STOPPING=1");
	assert_string_equal(next_msg(f), "");
}

static void
test_reloading(void **state)
{
	struct fixture *f = *state;
	const char *m;

	notify_reloading();
	m = next_msg(f);
	assert_true(strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	assert_true(strlen(m) > 27);
}

static void
test_watchdog_only_when_asked(void **state)
{
	struct fixture *f = *state;
	char pid[32];

	assert_int_equal(notify_watchdog_usec(), 0);
	notify_watchdog();
	assert_string_equal(next_msg(f), "");           /* no WATCHDOG_USEC: nothing sent */

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "60000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 60000000ULL);
	notify_watchdog();
	assert_string_equal(next_msg(f), "WATCHDOG=1");
	notify_watchdog();                              /* within a second: rate-limited */
	notify_watchdog();
	assert_string_equal(next_msg(f), "");
	sleep(1);
	notify_watchdog();
	assert_string_equal(next_msg(f), "WATCHDOG=1");

	setenv("WATCHDOG_PID", "1", 1);                 /* meant for another process */
	assert_int_equal(notify_watchdog_usec(), 0);
	notify_watchdog();
	assert_string_equal(next_msg(f), "");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void
test_status_sanitised(void **state)
{
	struct fixture *f = *state;
	char longtext[400];
	const char *m;

	notify_status("idle; 2 queued\nREADY=1");
	m = next_msg(f);
	assert_string_equal(m, "STATUS=idle; 2 queued READY=1");   /* no injected line */

	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	notify_status(longtext);
	m = next_msg(f);
	assert_int_equal(strlen(m), strlen("STATUS=") + 200);
	notify_status(NULL);
	assert_string_equal(next_msg(f), "STATUS=");
}

static void
test_no_socket_is_harmless(void **state)
{
	struct fixture *f = *state;

	unsetenv("NOTIFY_SOCKET");
	notify_ready();
	notify_status("x");
	notify_watchdog();
	assert_string_equal(next_msg(f), "");
	setenv("NOTIFY_SOCKET", f->path, 1);
}

#else /* built without libsystemd: everything is a no-op */

static void
test_noop(void **state)
{
	struct fixture *f = *state;

	setenv("WATCHDOG_USEC", "60000000", 1);
	notify_ready();
	notify_reloading();
	notify_watchdog();
	notify_status("x");
	notify_stopping();
	assert_int_equal(notify_watchdog_usec(), 0);
	assert_string_equal(next_msg(f), "");
	unsetenv("WATCHDOG_USEC");
}

#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef HAVE_SYSTEMD
		cmocka_unit_test(test_ready_stopping),
		cmocka_unit_test(test_reloading),
		cmocka_unit_test(test_watchdog_only_when_asked),
		cmocka_unit_test(test_status_sanitised),
		cmocka_unit_test(test_no_socket_is_harmless),
#else
		cmocka_unit_test(test_noop),
#endif
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
