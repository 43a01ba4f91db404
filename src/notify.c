/* notify — see notify.h. */
#include "notify.h"

#ifdef HAVE_SYSTEMD

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#define NOTIFY_STATUS_MAX 200

void
notify_ready(void)
{
	(void)sd_notify(0, "READY=1");
}

void
notify_reloading(void)
{
	struct timespec ts;
	unsigned long long usec = 0;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		usec = (unsigned long long)ts.tv_sec * 1000000ULL +
		    (unsigned long long)ts.tv_nsec / 1000ULL;
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", usec);
}

void
notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

unsigned long long
notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0)
		return (unsigned long long)usec;
	return 0;
}

/* At most one keep-alive a second: cheap enough to call from transfer progress callbacks
 * (curl's XFERINFOFUNCTION runs many times a second). */
void
notify_watchdog(void)
{
	static struct timespec last;
	struct timespec now;

	if (notify_watchdog_usec() == 0)
		return;
	if (clock_gettime(CLOCK_MONOTONIC, &now) == 0) {
		if ((last.tv_sec != 0 || last.tv_nsec != 0) && now.tv_sec - last.tv_sec < 1)
			return;
		last = now;
	}
	(void)sd_notify(0, "WATCHDOG=1");
}

void
notify_status(const char *text)
{
	char line[sizeof("STATUS=") + NOTIFY_STATUS_MAX];
	size_t i, n = strlen("STATUS=");

	memcpy(line, "STATUS=", n);
	for (i = 0; text && text[i] && i < NOTIFY_STATUS_MAX; i++)
		line[n++] = (text[i] == '\n' || text[i] == '\r') ? ' ' : text[i];
	line[n] = '\0';
	(void)sd_notify(0, line);
}

#else /* !HAVE_SYSTEMD: no service manager support compiled in */

void notify_ready(void) {}
void notify_reloading(void) {}
void notify_stopping(void) {}
void notify_watchdog(void) {}
unsigned long long notify_watchdog_usec(void) { return 0; }
void notify_status(const char *text) { (void)text; }

#endif
