/* log — one event per line, with a priority, to stderr (terminal) or syslog/journal.
 *
 * Rule: nothing from a message body or subject ever reaches a log call; messages are named
 * by their short id (state_short_id), addresses only through log_addr() which masks them
 * unless debug logging of addresses was explicitly enabled. */
#ifndef CODEMAILD_LOG_H
#define CODEMAILD_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_dest { LOG_DEST_AUTO = 0, LOG_DEST_STDERR, LOG_DEST_SYSLOG };

void log_init(const char *ident, enum log_dest dest, enum log_level level, int show_addresses);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(int exitcode, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* Masks an e-mail address for logs ("j***@e***.com") unless addresses are shown.
 * Writes into out (always NUL-terminated); returns out. */
const char *log_addr(const char *addr, char *out, size_t outlen);

#endif
