/* limits — every limit the daemon enforces, named in one place with its default.
 * The config file can change most of them ([limits] section, see conf.c); the code reads
 * them from struct conf / struct msg_limits, never from literals. */
#ifndef CODEMAILD_LIMITS_H
#define CODEMAILD_LIMITS_H

/* message parser (message.c) */
#define LIM_MESSAGE_SIZE      (10u * 1024 * 1024) /* whole raw message */
#define LIM_MIME_DEPTH        100u                /* nested multiparts / message/rfc822 */
#define LIM_MIME_PARTS        10000u              /* leaf and container parts in total */
#define LIM_HEADER_BLOCK      (256u * 1024)       /* one header block, all fields */
#define LIM_LINE_LENGTH       (1024u * 1024)      /* one physical line */
#define LIM_BOUNDARY_LENGTH   200u                /* RFC 2046 allows 70; be lenient */
#define LIM_TEXT_SIZE         (2u * 1024 * 1024)  /* decoded chosen text */
#define LIM_HEADER_FIELDS     2000u               /* header fields kept per part */

/* extractor (extract.c) */
#define LIM_CODES_PER_MESSAGE 25u

/* knowledge topics (knowledge.c) */
#define LIM_TOPIC_FILE        (64u * 1024)        /* one *.topic file */
#define LIM_TOPIC_ANSWER      2000u               /* bytes of an answer block (~120 words) */
#define LIM_TOPIC_WATCH       1200u               /* bytes of a watch block */

/* reply (reply.c, tmpl.c) */
#define LIM_REPLY_SIZE        (1024u * 1024)
#define LIM_TEMPLATE_SIZE     (256u * 1024)
#define LIM_HEADER_VALUE      2048u               /* one composed header value */
#define LIM_REPLY_SUBJECT     250u                /* reply Subject text ("Re: " included), then cut */
#define LIM_DISPLAY_NAME      128u                /* a display name in To/From, then cut */

/* mailbox (src_imap.c): bodies fetched ahead in one UID FETCH, in all */
#define LIM_PREFETCH_BYTES    (4u * 1024 * 1024)

/* config and state */
#define LIM_CONFIG_SIZE       (1024u * 1024)
#define LIM_ADDR_LEN          320u
#define LIM_KEY_DOMAIN        256u                /* domain of a canonical sender key */

/* registration (intake.c): wrong tokens before the address is locked out, and for how long */
#define LIM_REGISTER_TRIES    5
#define LIM_REGISTER_LOCKOUT  86400               /* seconds */

/* time per step (seconds). LIM_STEP_TIMEOUT: CPU time to decide one message (parse,
 * policy, extract, answer, render); past it the message is set aside as failed,
 * "step-timeout" (pipeline.c), and the watchdog is fed between messages. */
#define LIM_STEP_TIMEOUT      120
#define LIM_NET_TIMEOUT       60

#endif
