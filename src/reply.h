/* reply — composes the RFC 5322 reply. Pure: no I/O.
 *
 * From = the consultant address; To = the question's From (Reply-To only with
 * honour_reply_to); Subject "Re: <original>" with repeated prefixes collapsed; In-Reply-To
 * and References threading; a Message-ID derived from the question's identity (a re-queued
 * reply is recognisably the same); Auto-Submitted: auto-replied;
 * X-Auto-Response-Suppress: All; our loop header; multipart/alternative with text/plain then
 * text/html, both UTF-8 quoted-printable; CRLF; lines <= 998 octets (QP keeps them <= 76).
 * Every header value taken from the question is cleaned of control characters (C0, DEL, C1,
 * line separators, bidi overrides) and invalid UTF-8; display names become RFC 5322 phrases
 * (atoms, one quoted-string, or RFC 2047 encoded words), unstructured text is RFC 2047-encoded
 * when not plain ASCII; header lines fold at 78 columns (only an address can make one longer,
 * never over 998). Subject is cut at LIM_REPLY_SUBJECT bytes, names at LIM_DISPLAY_NAME,
 * between characters. So nothing can inject a header and every reply parses back to exactly
 * one From and one To address. */
#ifndef CODEMAILD_REPLY_H
#define CODEMAILD_REPLY_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct conf;
struct message;

struct reply_in {
	const struct conf *conf;
	const struct message *q;       /* the question (borrowed) */
	const char *source_id;         /* the question's identity, for the Message-ID */
	const char *text;              /* text/plain part, UTF-8 (required) */
	const char *html;              /* text/html part, UTF-8, or NULL for text only */
	const char *subject;           /* NULL: "Re: " + the question's subject */
	time_t date;
};

struct reply_out {
	char msgid[256];               /* without angle brackets */
	char rcpt[321];                /* the one recipient */
};

/* Appends the whole message to out. Returns 0, or a REPLY_E_* code with why set (static
 * string): REPLY_E_RCPT, no usable recipient address (a decision: the question cannot be
 * answered); REPLY_E_COMPOSE, the reply could not be written (out's cap reached): a failure.
 * A long Subject is cut, never a failure. */
enum { REPLY_E_RCPT = -1, REPLY_E_COMPOSE = -2 };
int reply_compose(const struct reply_in *in, struct buf *out, struct reply_out *ro,
                  const char **why);

/* Pieces, exposed for tests. */
int  reply_subject(const char *orig, struct buf *out);          /* "Re: " + collapsed */
int  reply_header(struct buf *out, const char *name, const char *value);  /* encoded+folded */
int  reply_qp(struct buf *out, const char *text);                /* QP body, CRLF */
void reply_msgid(const char *source_id, const char *question_msgid, const char *host,
                 char *out, size_t outlen);
/* 1 if addr is usable as the recipient: one '@', a dotted domain, no spaces, quotes, brackets
 * or controls; UTF-8 (RFC 6531) allowed: see reply_addr_utf8 */
int  reply_addr_ok(const char *addr);
/* 1 if addr is not ASCII: the reply then goes only through a server offering SMTPUTF8 and
 * carries the address raw in To (RFC 6532) */
int  reply_addr_utf8(const char *addr);
/* 1 if name can be a display name in From (consultant_name): valid UTF-8, no control or line
 * separator characters, at most LIM_DISPLAY_NAME bytes; it is then quoted or encoded. */
int  reply_name_ok(const char *name);
/* Appends v as one line of text (for a header or a greeting): invalid UTF-8 -> U+FFFD, control
 * and line separator characters -> space, white space runs -> one space, trimmed, at most cap
 * bytes cut between characters. Returns 0 or -1 (out's cap). */
int  reply_clean(const char *v, size_t cap, struct buf *out);

#endif
