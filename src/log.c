/* log — see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static enum log_level cur_level = LOG_LVL_INFO;
static int use_syslog;
static int show_addr;
static const char *log_ident = "codemaild";

void
log_init(const char *ident, enum log_dest dest, enum log_level level, int show_addresses)
{
	if (ident)
		log_ident = ident;
	cur_level = level;
	show_addr = show_addresses;
	if (dest == LOG_DEST_AUTO)
		dest = (isatty(STDERR_FILENO) || getenv("CODEMAILD_LOG_STDERR")) ?
		    LOG_DEST_STDERR : LOG_DEST_SYSLOG;
	if (use_syslog)
		closelog();
	use_syslog = dest == LOG_DEST_SYSLOG;
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level
log_get_level(void)
{
	return cur_level;
}

static void log_emit(enum log_level lvl, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
log_emit(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *tag[] = { "error", "warning", "info", "debug" };
	char line[2048];
	size_t i;

	if (lvl > cur_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* one event, one line: fold any control character */
	for (i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';
	if (use_syslog) {
		syslog(prio[lvl], "%s", line);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s[%ld] %s: %s\n", when, ts.tv_nsec / 1000000L,
		    log_ident, (long)getpid(), tag[lvl], line);
	}
}

#define LOG_FN(name, lvl) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		log_emit(lvl, fmt, ap); \
		va_end(ap); \
	}
LOG_FN(log_err, LOG_LVL_ERR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
fatal(int exitcode, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(exitcode);
}

const char *
log_addr(const char *addr, char *out, size_t outlen)
{
	const char *at;
	size_t o = 0;

	if (outlen == 0)
		return out;
	if (addr == NULL || *addr == '\0') {
		snprintf(out, outlen, "<>");
		return out;
	}
	if (show_addr) {
		snprintf(out, outlen, "%s", addr);
		return out;
	}
	at = strrchr(addr, '@');
	/* first character of local part, first of domain, and the top-level domain */
#define PUT(c) do { if (o + 1 < outlen) out[o++] = (c); } while (0)
	PUT(addr[0]);
	PUT('*'); PUT('*'); PUT('*');
	if (at && at[1]) {
		const char *tld = strrchr(at + 1, '.');

		PUT('@');
		PUT(at[1]);
		PUT('*'); PUT('*'); PUT('*');
		if (tld)
			for (; *tld && o + 1 < outlen; tld++)
				PUT(*tld);
	}
#undef PUT
	out[o] = '\0';
	return out;
}
