/* util — see util.h. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
util_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_parse_duration(const char *s, long *secs)
{
	char *end;
	long v, mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v < 0)
		return -1;
	switch (*end) {
	case '\0': case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: return -1;
	}
	if (*end && end[1] != '\0')
		return -1;
	if (v > LONG_MAX / mul)
		return -1;
	*secs = v * mul;
	return 0;
}

int
util_parse_size(const char *s, size_t *bytes)
{
	char *end;
	unsigned long long v, mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1024ULL; break;
	case 'm': case 'M': mul = 1024ULL * 1024; break;
	case 'g': case 'G': mul = 1024ULL * 1024 * 1024; break;
	default: return -1;
	}
	if (*end && end[1] != '\0' && !((end[1] == 'b' || end[1] == 'B') && end[2] == '\0'))
		return -1;
	if (v > (unsigned long long)SIZE_MAX / mul)
		return -1;
	*bytes = (size_t)(v * mul);
	return 0;
}

int
util_parse_bool(const char *s, int *out)
{
	if (util_strcaseeq(s, "yes") || util_strcaseeq(s, "true") || util_strcaseeq(s, "on") ||
	    strcmp(s, "1") == 0) {
		*out = 1;
		return 0;
	}
	if (util_strcaseeq(s, "no") || util_strcaseeq(s, "false") || util_strcaseeq(s, "off") ||
	    strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

int
util_read_fd(int fd, size_t max, struct buf *b)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > max) {
			/* keep what fits, so the caller sees exactly max bytes: "over the limit" */
			if (max > b->len)
				buf_add(b, chunk, max - b->len);
			errno = EFBIG;
			return -1;
		}
		if (buf_add(b, chunk, (size_t)n) < 0) {
			errno = ENOMEM;
			return -1;
		}
	}
}

int
util_read_file(const char *path, size_t max, struct buf *b)
{
	int fd, r, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = util_read_fd(fd, max, b);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
util_fsync_path(const char *path)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
util_fsync_dir(const char *dir)
{
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static void
dirname_of(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, outlen, ".");
	else if (slash == path)
		snprintf(out, outlen, "/");
	else
		snprintf(out, outlen, "%.*s", (int)(slash - path), path);
}

int
util_write_file_atomic(const char *path, const void *data, size_t len, int mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *p = data;
	int fd = -1, saved;
	size_t off = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	dirname_of(path, dir, sizeof(dir));
	return util_fsync_dir(dir);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
util_mkdirs(const char *path, int mode)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] == '/' || tmp[i] == '\0') {
			char c = tmp[i];

			tmp[i] = '\0';
			if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
				return -1;
			tmp[i] = c;
		}
	}
	return 0;
}

void
util_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	static const char hex[] = "0123456789abcdef";
	size_t i;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, md);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

double
util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double
util_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
util_rfc5322_date(time_t t, char *out, size_t outlen)
{
	static const char *wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday],
	    tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int
util_strcaseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lc((unsigned char)*a) != lc((unsigned char)*b))
			return 0;
	return *a == *b;
}

int
util_strncaseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
			return 0;
		if (a[i] == '\0')
			return 1;
	}
	return 1;
}

const char *
util_strcasestr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	char first[3];

	if (n == 0)
		return hay;
	/* jump between the places where the first character stands (either case): strpbrk
	 * is vectorised, a byte-by-byte compare is not (retrieval calls this per trigger) */
	first[0] = (char)tolower((unsigned char)needle[0]);
	first[1] = (char)toupper((unsigned char)needle[0]);
	first[2] = '\0';
	if (first[1] == first[0])
		first[1] = '\0';
	for (; (hay = strpbrk(hay, first)) != NULL; hay++)
		if (util_strncaseeq(hay, needle, n))
			return hay;
	return NULL;
}

int
util_fmt(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (outlen == 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	if (n < 0) {
		out[0] = '\0';
		return -1;
	}
	return (size_t)n >= outlen ? -1 : 0;
}
