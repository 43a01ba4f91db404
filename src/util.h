/* util — small checked helpers: strict number parsing, files, hashing, time. */
#ifndef CODEMAILD_UTIL_H
#define CODEMAILD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

/* Whole-string decimal parse within [min,max]; 0 ok, -1 otherwise (out untouched). */
int  util_parse_long(const char *s, long min, long max, long *out);
/* "30", "30s", "5m", "2h", "7d" -> seconds. 0 ok, -1 bad. */
int  util_parse_duration(const char *s, long *secs);
/* "10M", "512k", "1G", "1000" -> bytes. 0 ok, -1 bad. */
int  util_parse_size(const char *s, size_t *bytes);
/* yes/no/true/false/on/off/1/0 -> 0|1. 0 ok, -1 bad. */
int  util_parse_bool(const char *s, int *out);

/* Reads a whole file into b. More than max bytes is an error (errno=EFBIG); b then holds
 * exactly the first max bytes, so a caller passing limit+1 sees "over the limit". */
int  util_read_file(const char *path, size_t max, struct buf *b);
int  util_read_fd(int fd, size_t max, struct buf *b);
/* Writes data durably: temp file in the same directory, fsync, rename, fsync directory. */
int  util_write_file_atomic(const char *path, const void *data, size_t len, int mode);
int  util_fsync_dir(const char *dir);
int  util_fsync_path(const char *path);          /* fsync a file by name */
int  util_mkdirs(const char *path, int mode);    /* mkdir -p */

/* Lower-case hex SHA-256 of data into out[65]. */
void util_sha256_hex(const void *data, size_t len, char out[65]);

double util_now(void);                /* CLOCK_REALTIME, seconds */
double util_mono(void);               /* CLOCK_MONOTONIC, seconds */
/* RFC 5322 date for t ("Tue, 24 Nov 2026 10:00:00 +0000") into out. */
void util_rfc5322_date(time_t t, char *out, size_t outlen);

/* Checked snprintf: formats into out; returns 0, or -1 when the result was truncated
 * (out still NUL-terminated). Use this instead of bare snprintf. */
int util_fmt(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ASCII case-insensitive helpers that do not depend on the locale. */
int  util_strcaseeq(const char *a, const char *b);
int  util_strncaseeq(const char *a, const char *b, size_t n);
const char *util_strcasestr(const char *hay, const char *needle);

#endif
