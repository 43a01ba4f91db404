/* conf — see conf.h. One table of keys; inih does the INI syntax. */
#include "conf.h"

#include <ini.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "reply.h"
#include "util.h"

enum ktype { K_STR, K_LONG, K_DUR, K_SIZE, K_BOOL, K_TRI, K_CHOICE };

struct key {
	const char *section, *name;
	enum ktype type;
	size_t off;
	const char *deflt;
	const char *choices;   /* K_CHOICE (an int: the index): "a|b|c" */
	long min, max;         /* K_LONG */
	const char *doc;
};

#define O(f) offsetof(struct conf, f)
#define LO(f) (offsetof(struct conf, msg_limits) + offsetof(struct msg_limits, f))
#define STR(s, n, f, d, doc)          { s, n, K_STR, O(f), d, NULL, 0, 0, doc }
#define CHOICE(s, n, f, d, ch, doc)   { s, n, K_CHOICE, O(f), d, ch, 0, 0, doc }
#define LONG(s, n, f, d, mn, mx, doc) { s, n, K_LONG, O(f), d, NULL, mn, mx, doc }
#define DUR(s, n, f, d, doc)          { s, n, K_DUR, O(f), d, NULL, 0, 0, doc }
#define BOOL(s, n, f, d, doc)         { s, n, K_BOOL, O(f), d, NULL, 0, 0, doc }
#define SIZE(s, n, f, d, doc)         { s, n, K_SIZE, LO(f), d, NULL, 0, 0, doc }

static const struct key keys[] = {
	STR("general", "consultant_address", consultant_address, "consult@codemaild.example",
	    "address questions are sent to and replies come from"),
	STR("general", "consultant_name", consultant_name, "Coding Consultant",
	    "display name of the consultant address"),
	STR("general", "aliases", aliases, "", "other addresses of ours, comma-separated"),
	STR("general", "hostname", hostname, "", "right-hand side of reply Message-IDs (default: the consultant address's domain)"),
	STR("general", "state_db", state_db, "spool/state.db", "state database: handled messages, queue, senders, quotas"),
	STR("general", "reference_db", reference_db, "data/sample/codes.db", "reference database built by 'codemaild import'"),
	STR("general", "cpt_columns", cpt_columns, "", "column map of a licensed CPT descriptor file for 'codemaild import cpt' (e.g. code=1,short=2,long=3; empty = that default)"),
	STR("general", "templates", templates, "templates", "directory of the shipped templates"),
	STR("general", "templates_override", templates_override, "", "directory of admin templates searched first"),
	STR("general", "status_file", status_file, "spool/codemaild.status", "small status file the daemon keeps for 'codemaild status'"),
	STR("general", "user", user, "", "user to drop privileges to when started as root"),
	BOOL("general", "allow_root", allow_root, "no", "allow running as root without dropping privileges"),
	STR("general", "loop_header", loop_header, "X-Codemaild-Loop", "our loop-detection header"),
	{ "general", "sample_data_notice", K_TRI, O(sample_data_notice), "auto", "auto|yes|no", 0, 0,
	  "say in every reply that sample data answered (auto: when the reference DB is the sample)" },

	STR("answers", "locality", locality, "", "PFS payment locality as MAC-locality number (e.g. 10112-00 for Alabama, 13202-01 for Manhattan) for local payment amounts; empty = national only"),

	CHOICE("source", "type", source_type, "maildir", "maildir|imap", "where questions are read from"),
	STR("source", "maildir", maildir, "spool/inbox", "Maildir of the embedded mode"),
	DUR("source", "poll_interval", poll_interval, "60s", "poll interval when no push (IDLE/inotify) is available"),

	STR("imap", "host", imap_host, "", "IMAP server host name (checked against its certificate)"),
	LONG("imap", "port", imap_port, "0", 0, 65535, "IMAP port (0: 993 for implicit TLS, 143 otherwise)"),
	CHOICE("imap", "tls", imap_tls, "implicit", "implicit|starttls|none", "TLS mode"),
	BOOL("imap", "tls_verify", imap_tls_verify, "yes", "verify the server certificate and host name"),
	STR("imap", "ca_file", imap_ca_file, "", "CA bundle to trust instead of the system store"),
	STR("imap", "fingerprint", imap_fingerprint, "", "SHA-256 pin of the server certificate (hex)"),
	BOOL("imap", "allow_plaintext", imap_allow_plaintext, "no", "allow tls = none (loopback only)"),
	STR("imap", "user", imap_user, "", "login name"),
	STR("imap", "password_file", imap_password_file, "", "file holding the password (or a systemd credential name via $CREDENTIALS_DIRECTORY)"),
	CHOICE("imap", "auth", imap_auth, "plain", "plain|login|xoauth2", "authentication mechanism"),
	STR("imap", "oauth2_token_file", imap_oauth2_token_file, "", "file holding an OAuth2 access token"),
	STR("imap", "oauth2_token_command", imap_oauth2_token_command, "", "command printing an OAuth2 access token"),
	STR("imap", "mailbox", imap_mailbox, "INBOX", "mailbox questions arrive in"),
	STR("imap", "answered_folder", imap_answered_folder, "Consult/Answered", "folder answered questions move to"),
	STR("imap", "ignored_folder", imap_ignored_folder, "Consult/Ignored", "folder ignored messages move to"),
	STR("imap", "failed_folder", imap_failed_folder, "Consult/Failed", "folder messages that could not be handled move to"),
	CHOICE("imap", "mark_mode", imap_mark_mode, "move", "move|flag", "move handled messages, or only flag them"),
	BOOL("imap", "idle", imap_idle, "yes", "use IMAP IDLE when the server offers it"),
	DUR("imap", "idle_restart", imap_idle_restart, "10m", "re-issue IDLE at least this often"),
	DUR("imap", "sweep_interval", imap_sweep_interval, "5m", "full UID sweep interval"),
	DUR("imap", "timeout", imap_timeout, "60s", "network timeout per IMAP command"),

	CHOICE("sender", "type", sender_type, "file", "file|smtp", "how replies leave"),
	STR("sender", "outbox", outbox, "spool/outbox", "directory of the file sender"),
	STR("sender", "smtp_url", smtp_url, "", "smtps://host:465 or smtp://host:587 (STARTTLS required)"),
	STR("sender", "user", smtp_user, "", "SMTP login name"),
	STR("sender", "password_file", smtp_password_file, "", "file holding the SMTP password"),
	CHOICE("sender", "auth", smtp_auth, "plain", "plain|login|xoauth2|none", "SMTP authentication"),
	STR("sender", "oauth2_token_file", smtp_oauth2_token_file, "", "file holding an OAuth2 access token"),
	BOOL("sender", "tls_verify", smtp_tls_verify, "yes", "verify the SMTP server certificate"),
	STR("sender", "ca_file", smtp_ca_file, "", "CA bundle for the SMTP server"),
	BOOL("sender", "allow_plaintext", smtp_allow_plaintext, "no", "allow smtp:// without TLS (loopback only)"),
	STR("sender", "envelope_from", envelope_from, "", "envelope sender; empty = null sender <> (RFC 3834)"),
	DUR("sender", "retry_min", retry_min, "1m", "first retry delay after a temporary failure"),
	DUR("sender", "retry_max", retry_max, "1h", "longest retry delay"),
	DUR("sender", "give_up", give_up, "48h", "give up on a reply after this long"),
	DUR("sender", "timeout", smtp_timeout, "600s", "SMTP server response timeout"),
	LONG("sender", "batch_size", batch_size, "50", 1, 10000, "replies sent per connection"),
	LONG("sender", "connections", smtp_connections, "4", 1, 16, "SMTP connections used in parallel when several replies are due"),

	SIZE("limits", "message_size", max_size, "10M", "largest message handled"),
	SIZE("limits", "mime_depth", max_depth, "100", "deepest MIME nesting"),
	SIZE("limits", "mime_parts", max_parts, "10000", "most MIME parts"),
	SIZE("limits", "header_size", max_header, "256k", "largest header block"),
	SIZE("limits", "line_length", max_line, "1M", "longest physical line"),
	SIZE("limits", "boundary_length", max_boundary, "200", "longest MIME boundary"),
	SIZE("limits", "text_size", max_text, "2M", "largest decoded text"),
	LONG("limits", "codes_per_message", codes_per_message, "25", 1, 1000, "codes answered per message; the rest are listed as skipped"),

	STR("policy", "authserv_id", authserv_ids, "", "authserv-id(s) of our own receiving servers whose Authentication-Results we trust"),
	STR("policy", "internal_hosts", internal_hosts, "", "more of our own hosts (besides the authserv-ids): a Received field 'by' any other host ends the Authentication-Results we trust"),
	CHOICE("policy", "require_auth", require_auth, "dmarc", "dmarc|aligned|none", "what makes a From address authenticated"),
	CHOICE("policy", "unauth_action", unauth_action, "ignore", "ignore|answer", "what to do with mail that fails authentication"),
	LONG("policy", "max_received", max_received, "30", 1, 1000, "more Received: headers than this = loop"),
	BOOL("policy", "require_recipient", require_recipient, "yes", "the consultant address must be in To or Cc"),
	BOOL("policy", "honour_reply_to", honour_reply_to, "no", "reply to Reply-To instead of From"),

	LONG("rate", "sender_per_hour", rate_sender_hour, "20", 0, 1000000, "answers per sender per hour (0 = no limit)"),
	LONG("rate", "sender_per_day", rate_sender_day, "100", 0, 1000000, "answers per sender per day (0 = no limit)"),
	LONG("rate", "domain_per_day", rate_domain_day, "1000", 0, 10000000, "answers per sender domain per day (0 = no limit)"),
	LONG("rate", "global_per_minute", rate_global_minute, "120", 0, 1000000, "outbound circuit breaker: replies per minute (0 = none)"),

	CHOICE("quota", "unit", quota_unit, "code", "code|message", "what a lookup is"),
	LONG("quota", "guest", quota_guest, "3", -1, 100000000, "lookups for unregistered senders (-1 = unlimited)"),
	CHOICE("quota", "guest_period", quota_guest_period, "lifetime", "day|month|lifetime", "guest allowance period"),
	LONG("quota", "registered", quota_registered, "10", -1, 100000000, "lookups for registered senders (-1 = unlimited)"),
	CHOICE("quota", "registered_period", quota_registered_period, "month", "day|month|lifetime", "registered allowance period"),
	LONG("quota", "subscriber", quota_subscriber, "200", -1, 100000000, "lookups for subscribers (-1 = unlimited)"),
	CHOICE("quota", "subscriber_period", quota_subscriber_period, "month", "day|month|lifetime", "subscriber allowance period"),
	STR("quota", "subscriber_addresses", subscriber_addresses, "", "subscriber addresses, comma-separated"),
	STR("quota", "subscriber_domains", subscriber_domains, "", "subscriber domains, comma-separated"),
	DUR("quota", "token_ttl", token_ttl, "2d", "how long a REGISTER token is valid"),
	STR("quota", "subaddress_separator", subaddress_separator, "+", "sender keys: the local part ends at this character (kim+1@ counts as kim@); several characters = several separators; empty = none"),
	STR("quota", "dotless_domains", dotless_domains, "", "sender keys: domains whose mailboxes ignore dots in the local part (e.g. gmail.com, googlemail.com); empty = none"),

	CHOICE("log", "level", log_level, "info", "err|warn|info|debug", "log level"),
	CHOICE("log", "destination", log_destination, "auto", "auto|stderr|syslog", "auto: stderr on a terminal, else syslog/journal"),
	BOOL("log", "show_addresses", log_show_addresses, "no", "log full addresses (debugging only)"),

	LONG("retention", "days", retention_days, "30", 1, 36500, "days raw messages and reply bodies are kept"),
	DUR("retention", "purge_interval", purge_interval, "1d", "how often the daemon purges"),

	STR("answers", "knowledge_override", knowledge_override, "", "directory of the office's own knowledge topics (*.topic); a topic there wins over ours with the same id"),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int
set_key(struct conf *c, const struct key *k, const char *v, const char **why)
{
	char *base = (char *)c;
	long l;
	size_t sz;
	int b;

	switch (k->type) {
	case K_CHOICE: {
		const char *p = k->choices;
		size_t n = strlen(v);
		int ok = -1, idx = 0;

		while (p && *p) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);

			if (ok < 0 && len == n && strncmp(p, v, n) == 0)
				ok = idx;
			idx++;
			p = bar ? bar + 1 : NULL;
		}
		if (ok < 0) {
			*why = "must be one of the listed choices";
			return -1;
		}
		*(int *)(base + k->off) = ok;
		return 0;
	}
	case K_STR: {
		char **dst = (char **)(base + k->off);
		char *dup = strdup(v);

		if (dup == NULL) {
			*why = "out of memory";
			return -1;
		}
		free(*dst);
		*dst = dup;
		return 0;
	}
	case K_LONG:
		if (util_parse_long(v, k->min, k->max, &l) < 0) {
			*why = "must be a whole number in range";
			return -1;
		}
		*(long *)(base + k->off) = l;
		return 0;
	case K_DUR:
		if (util_parse_duration(v, &l) < 0) {
			*why = "must be a duration like 30s, 5m, 2h, 7d";
			return -1;
		}
		*(long *)(base + k->off) = l;
		return 0;
	case K_SIZE:
		if (util_parse_size(v, &sz) < 0 || sz == 0) {
			*why = "must be a positive size like 100, 512k, 10M";
			return -1;
		}
		*(size_t *)(base + k->off) = sz;
		return 0;
	case K_BOOL:
		if (util_parse_bool(v, &b) < 0) {
			*why = "must be yes or no";
			return -1;
		}
		*(int *)(base + k->off) = b;
		return 0;
	case K_TRI:
		if (strcmp(v, "auto") == 0)
			b = -1;
		else if (util_parse_bool(v, &b) < 0) {
			*why = "must be auto, yes or no";
			return -1;
		}
		*(int *)(base + k->off) = b;
		return 0;
	}
	*why = "bad key type";
	return -1;
}

int
conf_defaults(struct conf *c)
{
	size_t i;
	const char *why;

	memset(c, 0, sizeof(*c));
	c->path = strdup("(defaults)");
	if (c->path == NULL)
		return -1;
	for (i = 0; i < NKEYS; i++)
		if (set_key(c, &keys[i], keys[i].deflt, &why) < 0)
			return -1;
	return 0;
}

struct load_ctx {
	struct conf *c;
	struct buf *errs;
	const char *path;
	int nerr;
	int line;          /* lines read so far (our reader counts them) */
	FILE *fp;
};

static void conf_error(struct load_ctx *lc, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conf_error(struct load_ctx *lc, int line, const char *fmt, ...)
{
	va_list ap;

	lc->nerr++;
	buf_printf(lc->errs, "%s:%d: ", lc->path, line);
	va_start(ap, fmt);
	buf_vprintf(lc->errs, fmt, ap);
	va_end(ap);
	buf_addc(lc->errs, '\n');
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *lc = user;
	const char *why = NULL;
	int known_section = 0;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (set_key(lc->c, &keys[i], value, &why) < 0)
			conf_error(lc, lc->line, "%s: %s", name, why);
		return 1;
	}
	if (!known_section)
		conf_error(lc, lc->line, "unknown section [%s]", section);
	else
		conf_error(lc, lc->line, "unknown key '%s' in [%s]", name, section);
	return 1;   /* keep going: report every error */
}

static char *
reader(char *str, int num, void *stream)
{
	struct load_ctx *lc = stream;
	char *r = fgets(str, num, lc->fp);

	if (r)
		lc->line++;
	return r;
}

int
conf_load(struct conf *c, const char *path, struct buf *errs)
{
	struct load_ctx lc = { c, errs, path, 0, 0, NULL };
	int r;

	lc.fp = fopen(path, "r");
	if (lc.fp == NULL) {
		buf_printf(errs, "%s:0: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	free(c->path);
	c->path = strdup(path);
	r = ini_parse_stream(reader, &lc, handler, &lc);
	fclose(lc.fp);
	if (r > 0)
		conf_error(&lc, r, "syntax error (expected [section] or key = value)");
	else if (r < 0)
		conf_error(&lc, 0, "cannot read");
	return lc.nerr;
}

#define VERR(...) do { n++; buf_printf(errs, "%s:0: ", c->path); buf_printf(errs, __VA_ARGS__); buf_addc(errs, '\n'); } while (0)

int
conf_validate(const struct conf *c, struct buf *errs)
{
	int n = 0;

	if (strchr(c->consultant_address, '@') == NULL)
		VERR("consultant_address '%s' is not an address", c->consultant_address);
	if (!reply_name_ok(c->consultant_name))
		VERR("consultant_name must be UTF-8 text of at most %u bytes without control characters "
		    "(commas, quotes, parentheses are fine: replies quote or encode it)", LIM_DISPLAY_NAME);
	if (c->locality && *c->locality) {
		size_t k, nd = 0, bad = 0;

		for (k = 0; c->locality[k]; k++) {
			if (c->locality[k] >= '0' && c->locality[k] <= '9')
				nd++;
			else if (!strchr(" -/", c->locality[k]))
				bad = 1;
		}
		if (nd != 7 || bad)
			VERR("[answers] locality '%s' wants MAC-locality number, e.g. 10112-00", c->locality);
	}
	if (c->source_type == CONF_SOURCE_IMAP) {
		if (*c->imap_host == '\0')
			VERR("[source] type = imap needs [imap] host");
		if (*c->imap_user == '\0')
			VERR("[source] type = imap needs [imap] user");
		if (c->imap_tls == CONF_TLS_NONE && !c->imap_allow_plaintext)
			VERR("[imap] tls = none needs allow_plaintext = yes (loopback only)");
		if (c->imap_auth == CONF_MECH_XOAUTH2 && !*c->imap_oauth2_token_file &&
		    !*c->imap_oauth2_token_command)
			VERR("[imap] auth = xoauth2 needs oauth2_token_file or oauth2_token_command");
	}
	if (c->sender_type == CONF_SENDER_SMTP) {
		if (*c->smtp_url == '\0')
			VERR("[sender] type = smtp needs smtp_url");
		else if (strncmp(c->smtp_url, "smtps://", 8) != 0 && strncmp(c->smtp_url, "smtp://", 7) != 0)
			VERR("[sender] smtp_url must start with smtps:// or smtp://");
	}
	if (c->retry_min > c->retry_max)
		VERR("[sender] retry_min is longer than retry_max");
	return n;
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == K_STR) {
			char **p = (char **)((char *)c + keys[i].off);

			free(*p);
			*p = NULL;
		}
	free(c->path);
	c->path = NULL;
}

const char *
conf_period_name(enum conf_period p)
{
	switch (p) {
	case CONF_PERIOD_DAY: return "day";
	case CONF_PERIOD_MONTH: return "month";
	case CONF_PERIOD_LIFETIME: return "lifetime";
	}
	return "lifetime";
}

const char *
conf_source_name(enum conf_source s)
{
	switch (s) {
	case CONF_SOURCE_MAILDIR: return "maildir";
	case CONF_SOURCE_IMAP: return "imap";
	}
	return "maildir";
}

const char *
conf_sender_name(enum conf_sender s)
{
	switch (s) {
	case CONF_SENDER_FILE: return "file";
	case CONF_SENDER_SMTP: return "smtp";
	}
	return "file";
}

size_t
conf_nkeys(void)
{
	return NKEYS;
}

int
conf_key_info(size_t i, const char **section, const char **key, const char **deflt,
    const char **doc)
{
	if (i >= NKEYS)
		return -1;
	*section = keys[i].section;
	*key = keys[i].name;
	*deflt = keys[i].deflt;
	*doc = keys[i].doc;
	return 0;
}

const char *
conf_default_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("CODEMAILD_CONF");

	if (env && *env)
		return env;
	snprintf(path, sizeof(path), "%s/codemaild/codemaild.conf", SYSCONFDIR);
	if (access(path, R_OK) == 0)
		return path;
	return NULL;
}

int
conf_list_each(const char *list, int (*fn)(void *ctx, const char *item), void *ctx)
{
	char item[LIM_ADDR_LEN + 1];
	const char *p = list;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *s = p;
		size_t n;
		int r;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		n = (size_t)(end - s);
		if (n > 0 && n < sizeof(item)) {
			memcpy(item, s, n);
			item[n] = '\0';
			if ((r = fn(ctx, item)) != 0)
				return r;
		}
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static int
has_cb(void *ctx, const char *item)
{
	return util_strcaseeq(item, (const char *)ctx);
}

int
conf_list_has(const char *list, const char *addr)
{
	return conf_list_each(list, has_cb, (void *)addr) == 1;
}
