/* mime — the byte-level codecs of MIME: base64, quoted-printable, RFC 2047 encoded words,
 * RFC 2231 parameters, charsets to UTF-8 (iconv with sane fallbacks), UTF-8 repair.
 * Pure: no I/O, no globals written. Every function appends to a caller-owned struct buf and
 * returns 0, or -1 when the buffer's cap was reached (the output then holds what fitted,
 * cut at a character boundary where the function knows one). */
#ifndef CODEMAILD_MIME_H
#define CODEMAILD_MIME_H

#include <stddef.h>

#include "buf.h"

/* Base64 body: characters outside the alphabet are skipped, padding may be missing or
 * repeated (concatenated encodings decode). *bad (may be NULL) is set to 1 on junk. */
int mime_b64_decode(const char *s, size_t n, struct buf *out, int *bad);
/* The number of bytes mime_b64_decode would produce, without producing them. */
size_t mime_b64_size(const char *s, size_t n);
/* Quoted-printable body (RFC 2045 6.7): soft line breaks, =XX escapes (either case); a bad
 * escape is kept literally and sets *bad; transport whitespace before a line end dropped. */
int mime_qp_decode(const char *s, size_t n, struct buf *out, int *bad);
/* RFC 2047 "Q": like QP but '_' is a space and there are no line breaks. */
int mime_q_decode(const char *s, size_t n, struct buf *out, int *bad);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates, no NUL), else 0. */
int mime_utf8_valid(const char *s, size_t n);
/* 1 if s[0..n) is 7-bit ASCII. */
int mime_is_ascii(const char *s, size_t n);
/* Appends s, replacing each invalid UTF-8 sequence and each NUL by U+FFFD; *nbad (may be
 * NULL) counts replacements. */
int mime_utf8_sanitize(const char *s, size_t n, struct buf *out, size_t *nbad);
/* The largest len' <= len that does not cut a UTF-8 sequence of s. */
size_t mime_utf8_cut(const char *s, size_t len);

/* Converts n bytes written in charset (label as in the header; NULL or "" = undeclared) to
 * UTF-8 and appends them. Fallbacks: undeclared or ASCII label with 8-bit bytes -> UTF-8 if
 * valid, else windows-1252; gb2312/gbk -> gb18030; unknown label -> UTF-8 if valid, else
 * windows-1252; bytes invalid in the declared charset -> UTF-8 if the whole is valid UTF-8,
 * else U+FFFD for each bad byte. *warn (may be NULL) is set to a static description of the
 * fallback taken, or left alone. The output is always valid UTF-8 (NUL -> U+FFFD). */
int mime_to_utf8(const char *charset, const char *s, size_t n, struct buf *out,
                 const char **warn);

/* Unstructured header value (unfolded raw bytes) -> UTF-8: RFC 2047 encoded words decoded,
 * whitespace between adjacent encoded words dropped and their bytes joined before charset
 * conversion; broken words are kept as written. Raw 8-bit text is read as UTF-8 if valid,
 * else windows-1252. *nbroken (may be NULL) counts words kept undecoded. */
int mime_decode_header(const char *s, size_t n, struct buf *out, size_t *nbroken);

/* The main token of a structured value ("Text/Plain; charset=x" -> "text/plain"), lower-
 * cased, comments skipped, into out (always NUL-terminated). Returns its length. */
size_t mime_value_token(const char *s, size_t n, char *out, size_t outlen);
/* Parameter name (case-insensitive) of a Content-Type/-Disposition value: quoted strings
 * with backslash escapes, RFC 2231 continuations (name*0, name*1*…) and charset'lang'%XX
 * values, and RFC 2047 words inside (as many mailers write them). The decoded value (UTF-8
 * when decode is 1; raw bytes as written when 0, e.g. for boundaries) is appended to out.
 * Returns 1 found, 0 absent, -1 cap. */
int mime_param(const char *s, size_t n, const char *name, int decode, struct buf *out);

#endif
