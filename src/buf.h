/* buf — the one growable byte buffer, with a hard cap (after curl's dynbuf).
 *
 * Every string the daemon builds goes through a buf. Appends fail (return -1, buffer
 * unchanged) when the result would exceed the cap given at buf_init or memory runs out;
 * callers must check. The content is always NUL-terminated (the NUL is not counted in len,
 * nor in the cap). A zeroed struct is NOT valid: call buf_init. */
#ifndef CODEMAILD_BUF_H
#define CODEMAILD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char   *data;  /* owned; NULL until the first append */
	size_t  len;   /* bytes used, excluding the terminating NUL */
	size_t  cap;   /* bytes allocated */
	size_t  max;   /* hard cap on len */
};

void  buf_init(struct buf *b, size_t max);
int   buf_add(struct buf *b, const void *p, size_t n);
int   buf_addstr(struct buf *b, const char *s);
int   buf_addc(struct buf *b, int c);
int   buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int   buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Always a valid NUL-terminated string ("" when empty); borrowed until the next append. */
const char *buf_cstr(const struct buf *b);
/* Hands the content to the caller (caller frees; never NULL unless out of memory) and
 * resets the buffer to empty, keeping its cap. */
char *buf_steal(struct buf *b);
void  buf_reset(struct buf *b);      /* len = 0, keeps memory */
void  buf_truncate(struct buf *b, size_t len);
void  buf_free(struct buf *b);       /* frees memory; buffer is empty and reusable */

#endif
