/* message — raw RFC 5322/MIME bytes -> parsed message. Pure: no I/O, no globals written.
 *
 * Never hands untrusted bytes to libetpan's parsers (see issue #3): this is our own bounded
 * parser. Cost is linear in the message size; every limit in struct msg_limits is enforced
 * with a clear outcome (msg->error set, never a crash). All strings in struct message are
 * valid UTF-8, NUL-terminated, owned by the message and freed by message_free(). */
#ifndef CODEMAILD_MESSAGE_H
#define CODEMAILD_MESSAGE_H

#include <stddef.h>

struct msg_limits {
	size_t max_size;        /* LIM_MESSAGE_SIZE */
	size_t max_depth;       /* LIM_MIME_DEPTH */
	size_t max_parts;       /* LIM_MIME_PARTS */
	size_t max_header;      /* LIM_HEADER_BLOCK */
	size_t max_line;        /* LIM_LINE_LENGTH */
	size_t max_boundary;    /* LIM_BOUNDARY_LENGTH */
	size_t max_text;        /* LIM_TEXT_SIZE */
};
void message_default_limits(struct msg_limits *lim);

enum msg_body_source { MSG_BODY_NONE = 0, MSG_BODY_PLAIN, MSG_BODY_HTML };

struct msg_header {             /* one top-level header field */
	char *name;             /* as written, e.g. "Auto-Submitted" */
	char *value;            /* unfolded, RFC 2047-decoded, UTF-8, trimmed */
	char *raw;              /* unfolded but not decoded (for Authentication-Results etc.) */
};

struct msg_addr {
	char *name;             /* display name, decoded; "" if none */
	char *addr;             /* local@domain as written (domain lower-cased); "" if none */
};

struct msg_attachment {
	char  *filename;        /* decoded; "" if none */
	char  *content_type;    /* lower-case type/subtype */
	size_t size;            /* decoded size in bytes */
};

struct message {
	/* top-level header fields in order (for policy: Auto-Submitted, List-*, Received…) */
	struct msg_header *headers;
	size_t             nheaders;

	char *subject;                  /* decoded; "" if none */
	struct msg_addr from;           /* first From mailbox */
	struct msg_addr sender;         /* Sender:, if any */
	struct msg_addr reply_to;       /* first Reply-To mailbox, if any */
	struct msg_addr *to;  size_t nto;
	struct msg_addr *cc;  size_t ncc;
	char *message_id;               /* without angle brackets; "" if none */
	char *in_reply_to;              /* first msg-id, without brackets; "" if none */
	char *references;               /* space-separated msg-ids with angle brackets; "" */
	char *date;                     /* Date header as written (decoded); "" if none */
	char *content_type;             /* top-level, lower-case "type/subtype" ("text/plain") */
	char *report_type;              /* multipart/report's report-type param, lower-case, or "" */

	char *body_text;                /* the chosen text, decoded, whole */
	enum msg_body_source body_source;
	char *question_text;            /* body_text without quoted replies and signature */
	char *quoted_text;              /* the quoted/forwarded-earlier parts, for context */
	char *signature;                /* the signature block, if found */

	struct msg_attachment *attachments; size_t nattachments;
	char **warnings;  size_t nwarnings;   /* e.g. "charset x-foo unknown, read as windows-1252" */

	int   error;                    /* 0, or a MSG_E_* code: the message cannot be used */
	char *error_reason;             /* human-readable reason when error != 0 */
	size_t raw_size;
};

enum {
	MSG_E_NONE = 0,
	MSG_E_TOO_BIG,          /* over max_size */
	MSG_E_TOO_DEEP,         /* over max_depth */
	MSG_E_TOO_MANY_PARTS,   /* over max_parts */
	MSG_E_HEADER_TOO_BIG,   /* over max_header */
	MSG_E_LINE_TOO_LONG,    /* over max_line */
	MSG_E_NO_HEADER,        /* not a mail message at all */
	MSG_E_NOMEM,
	MSG_E_BOUNDARY_TOO_LONG, /* a multipart boundary over max_boundary */
};

/* Parses raw bytes. Returns a message (caller frees with message_free) even when the
 * message is unusable: then msg->error and msg->error_reason say why. NULL only when out of
 * memory. lim may be NULL for the defaults. */
struct message *message_parse(const char *raw, size_t len, const struct msg_limits *lim);
void message_free(struct message *msg);

/* The idx-th (0-based) top-level header named name (case-insensitive), decoded value, or
 * NULL. Borrowed from msg. */
const char *message_header(const struct message *msg, const char *name, size_t idx);
const char *message_header_raw(const struct message *msg, const char *name, size_t idx);
size_t message_header_count(const struct message *msg, const char *name);

#endif
