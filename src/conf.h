/* conf — the config file (INI, parsed with libinih) -> struct conf.
 *
 * Every key is one row in the table in conf.c (name, type, default, one-line doc); unknown
 * sections and keys are errors. All errors are collected and reported as "file:line: msg".
 * Strings in struct conf are owned by it (conf_free). Relative paths are kept as written and
 * resolved against the working directory (the repo, in the embedded default). */
#ifndef CODEMAILD_CONF_H
#define CODEMAILD_CONF_H

#include <stddef.h>

#include "buf.h"
#include "message.h"

/* Choice values: the order is the order of the choices in the key table (conf.c). */
enum conf_source { CONF_SOURCE_MAILDIR = 0, CONF_SOURCE_IMAP };
enum conf_tls { CONF_TLS_IMPLICIT = 0, CONF_TLS_STARTTLS, CONF_TLS_NONE };
/* [imap] auth takes the first three, [sender] auth all four */
enum conf_auth_mech { CONF_MECH_PLAIN = 0, CONF_MECH_LOGIN, CONF_MECH_XOAUTH2, CONF_MECH_NONE };
enum conf_mark_mode { CONF_MARK_MOVE = 0, CONF_MARK_FLAG };
enum conf_sender { CONF_SENDER_FILE = 0, CONF_SENDER_SMTP };
enum conf_log_level { CONF_LOG_ERR = 0, CONF_LOG_WARN, CONF_LOG_INFO, CONF_LOG_DEBUG };
enum conf_log_dest { CONF_LOGDEST_AUTO = 0, CONF_LOGDEST_STDERR, CONF_LOGDEST_SYSLOG };
enum conf_require_auth { CONF_AUTH_DMARC = 0, CONF_AUTH_ALIGNED, CONF_AUTH_NONE };
enum conf_unauth_action { CONF_UNAUTH_IGNORE = 0, CONF_UNAUTH_ANSWER };
enum conf_quota_unit { CONF_UNIT_CODE = 0, CONF_UNIT_MESSAGE };
enum conf_period { CONF_PERIOD_DAY = 0, CONF_PERIOD_MONTH, CONF_PERIOD_LIFETIME };
const char *conf_period_name(enum conf_period p);     /* "day" | "month" | "lifetime" */
const char *conf_source_name(enum conf_source s);     /* "maildir" | "imap" */
const char *conf_sender_name(enum conf_sender s);     /* "file" | "smtp" */

struct conf {
	char *path;                     /* file read, or "(defaults)" */

	/* [general] */
	char *consultant_address;       /* From of replies */
	char *consultant_name;
	char *aliases;                  /* comma-separated other addresses of ours */
	char *hostname;                 /* right side of our Message-IDs */
	char *state_db;
	char *reference_db;
	char *cpt_columns;              /* import cpt column map, "" = code=1,short=2,long=3 */
	char *templates;                /* template directory (shipped) */
	char *templates_override;       /* admin overrides, searched first; "" = none */
	char *knowledge_override;       /* [answers] office topics, win over ours; "" = none */
	char *status_file;
	char *user;                     /* drop privileges to this user when started as root */
	int   allow_root;
	char *loop_header;              /* our own loop-detection header name */
	int   sample_data_notice;       /* -1 auto (from DB metadata), 0 no, 1 yes */

	/* [answers] */
	char *locality;                 /* PFS locality for local payment: "MAC-NN" ("10112-00"),
	                                   "" = national amounts only (a locality or state named in
	                                   a question still gives the local amount) */

	/* [source] */
	enum conf_source source_type;
	char *maildir;
	long  poll_interval;            /* seconds */

	/* [imap] */
	char *imap_host;
	long  imap_port;                /* 0 = by tls mode */
	enum conf_tls imap_tls;
	int   imap_tls_verify;
	char *imap_ca_file;
	char *imap_fingerprint;         /* sha256 pin of the server certificate, hex */
	int   imap_allow_plaintext;     /* only for loopback */
	char *imap_user;
	char *imap_password_file;
	enum conf_auth_mech imap_auth;  /* not CONF_MECH_NONE */
	char *imap_oauth2_token_file;
	char *imap_oauth2_token_command;
	char *imap_mailbox;
	char *imap_answered_folder;
	char *imap_ignored_folder;
	char *imap_failed_folder;
	enum conf_mark_mode imap_mark_mode;
	int   imap_idle;
	long  imap_idle_restart;        /* seconds */
	long  imap_sweep_interval;      /* seconds */
	long  imap_timeout;             /* seconds */

	/* [sender] */
	enum conf_sender sender_type;
	char *outbox;                   /* file sender directory */
	char *smtp_url;                 /* smtps://host:465 or smtp://host:587 */
	char *smtp_user;
	char *smtp_password_file;
	enum conf_auth_mech smtp_auth;
	char *smtp_oauth2_token_file;
	int   smtp_tls_verify;
	char *smtp_ca_file;
	int   smtp_allow_plaintext;
	char *envelope_from;            /* "" = null sender <> */
	long  retry_min, retry_max, give_up;   /* seconds */
	long  smtp_timeout;             /* seconds */
	long  batch_size;
	long  smtp_connections;         /* parallel SMTP connections per batch */

	/* [limits] */
	struct msg_limits msg_limits;
	long  codes_per_message;

	/* [policy] */
	char *authserv_ids;             /* comma-separated; "" = senders unauthenticated */
	char *internal_hosts;           /* more of our hosts (Received "by"), comma-separated */
	enum conf_require_auth require_auth;
	enum conf_unauth_action unauth_action;
	long  max_received;
	int   require_recipient;        /* consultant address must be in To/Cc */
	int   honour_reply_to;

	/* [rate] */
	long  rate_sender_hour, rate_sender_day, rate_domain_day, rate_global_minute;

	/* [quota] */
	enum conf_quota_unit quota_unit;
	long  quota_guest;      enum conf_period quota_guest_period;
	long  quota_registered; enum conf_period quota_registered_period;
	long  quota_subscriber; enum conf_period quota_subscriber_period;   /* -1 = unlimited */
	char *subscriber_addresses;
	char *subscriber_domains;
	long  token_ttl;                /* seconds */
	char *subaddress_separator;     /* sender keys: "+" by default, "" = none (senderkey.h) */
	char *dotless_domains;          /* sender keys: domains whose local parts ignore dots */

	/* [log] */
	enum conf_log_level log_level;
	enum conf_log_dest log_destination;
	int   log_show_addresses;

	/* [retention] */
	long  retention_days;
	long  purge_interval;           /* seconds */
};

/* Fills c with the embedded defaults (Maildir inbox, file outbox, sample data). */
int  conf_defaults(struct conf *c);
/* Reads path over the defaults. Returns the number of errors (0 = ok); every error is
 * appended to errs as "path:line: message\n". On errors c still holds defaults + good keys. */
int  conf_load(struct conf *c, const char *path, struct buf *errs);
/* Cross-key validation (e.g. imap without host). Appends errors, returns their count. */
int  conf_validate(const struct conf *c, struct buf *errs);
void conf_free(struct conf *c);

/* Key table access, for `check-config --keys`, man page tests and docs. */
size_t conf_nkeys(void);
/* i-th key as "section.key", its default as text, and its doc line; 0 ok, -1 past end. */
int conf_key_info(size_t i, const char **section, const char **key, const char **deflt,
                  const char **doc);

/* Which config file to use when -c was not given: $CODEMAILD_CONF, else
 * SYSCONFDIR/codemaild/codemaild.conf if it exists, else NULL (embedded defaults). */
const char *conf_default_path(void);

/* Splits a comma-separated list into trimmed items; calls fn for each; stops on nonzero. */
int conf_list_each(const char *list, int (*fn)(void *ctx, const char *item), void *ctx);
/* 1 if addr (case-insensitive) is in the comma-separated list. */
int conf_list_has(const char *list, const char *addr);

#endif
