/* src_imap — the IMAP source driver (libetpan), behind struct source_ops (source.h).
 *
 * Connection: implicit TLS or STARTTLS (required unless allow_plaintext, loopback only);
 * tls = none only with allow_plaintext and only to a loopback address. libetpan's GnuTLS
 * build accepts any certificate, so the peer chain is checked by tlsverify_chain() before
 * any credential is sent. Authentication: PLAIN (SASL, falling back to LOGIN), LOGIN, or
 * XOAUTH2 with a token re-read from its file/command at every connect.
 *
 * Messages are keyed on (mailbox, UIDVALIDITY, UID): id "imap:<mailbox>:<uidvalidity>:<uid>".
 * list_new() asks `UID SEARCH UID last+1:*` (results filtered: `n:*` always returns the
 * highest UID) and, after every (re)connect and every sweep_interval, a full sweep of the
 * mailbox; both exclude \Deleted messages and, in flag mode, our keywords. Sizes come from
 * RFC822.SIZE before any body is fetched; bodies from BODY.PEEK[] (never sets \Seen).
 * mark() queues the UID; queued marks go to the server as one command per outcome (a
 * Dovecot UID MOVE costs ~10 ms of fsyncs, nearly the same for 1 UID as for 100) before the
 * next list_new(), wait() or close(), or when IMAP_MARK_BATCH are queued. A mark lost with
 * the connection or a crash is harmless: the message is listed again by the next sweep and
 * the state DB has it as handled, so it is only re-marked. Marking is
 * UID MOVE (RFC 6851) into the outcome's folder (created when missing), or UID COPY
 * + UID STORE +FLAGS.SILENT (\Deleted) + UID EXPUNGE (UIDPLUS), or only the copy and the
 * \Deleted flag when UIDPLUS is missing (never a bare EXPUNGE), or a keyword in flag mode.
 * wait(): IDLE written and read by hand (idle_raw: libetpan's mailimap_idle() can block when
 * untagged data precedes "+ idling"), with our own deadline (poll() on the socket, IDLE
 * re-issued at most every idle_restart, each read bounded by the stream timeout as the
 * watchdog), or a sleep of poll_interval and a NOOP without IDLE.
 * Reconnects back off exponentially with jitter (1 s .. 5 min); authentication and
 * certificate failures are SRC_CONN_FATAL and back off at once to the maximum. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "conf.h"
#include "limits.h"
#include "log.h"
#include "secret.h"
#include "source.h"
#include "tlsverify.h"
#include "util.h"

#define IMAP_BACKOFF_MIN   1.0
#define IMAP_BACKOFF_MAX   300.0
#define IMAP_FETCH_CHUNK   500          /* UIDs per RFC822.SIZE fetch */
#define IMAP_PREFETCH_MAX  32           /* bodies per UID FETCH ahead (a pipeline group) */
#define IMAP_MARK_BATCH    100          /* queued marks that force a flush */

static const char *const kw_for[] = { "$CodemaildAnswered", "$CodemaildIgnored", "$CodemaildFailed" };

struct imap {
	mailimap *m;
	int       selected;
	uint32_t  uidvalidity;      /* of the selected mailbox */
	uint32_t  known_uidv;       /* first seen by this process (0 = none yet) */
	uint32_t  last_uid;         /* highest UID listed or known to exist at a sweep */
	uint32_t  uidnext_select;   /* UIDNEXT reported by the last SELECT (0 = none) */
	int       has_move, has_uidplus, has_idle;
	int       need_sweep;
	double    next_sweep;
	double    next_connect;     /* monotonic time before which we do not reconnect */
	double    backoff;
	int       fatal;            /* the last connect failed for auth/cert reasons */
	int       created[3];       /* folder known to exist */
	uint32_t *pend[3];          /* marks not yet sent to the server, per outcome */
	size_t    npend[3], cappend[3];
	unsigned  seed;
	/* bodies fetched ahead (imap_prefetch), valid for this connection only: drop() and
	 * every new prefetch empty it; fetch() takes an entry out once */
	struct buf pf;
	struct { uint32_t uid; size_t off, len; } pfe[IMAP_PREFETCH_MAX];
	size_t    npf;
};

static enum src_status flush_marks(struct source *s);
static struct mailimap_set *uid_set(const uint32_t *uids, size_t n);

static struct imap *
P(struct source *s)
{
	return s->priv;
}

static void
seterr(struct source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
seterr(struct source *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

static int
port_of(const struct conf *c)
{
	if (c->imap_port > 0)
		return (int)c->imap_port;
	return c->imap_tls == CONF_TLS_IMPLICIT ? 993 : 143;
}

/* 1 if every address host resolves to is a loopback address. */
static int
host_is_loopback(const char *host)
{
	struct addrinfo hints, *res = NULL, *ai;
	int all = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
		return 0;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)ai->ai_addr;

			if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
				all = 0;
		} else if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;

			if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
				all = 0;
		} else {
			all = 0;
		}
	}
	freeaddrinfo(res);
	return all;
}

/* Maps a libetpan error to how much broke. */
static enum src_status
classify(int r)
{
	switch (r) {
	case MAILIMAP_NO_ERROR:
	case MAILIMAP_NO_ERROR_AUTHENTICATED:
	case MAILIMAP_NO_ERROR_NON_AUTHENTICATED:
		return SRC_OK;
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_PROTOCOL:
		return SRC_CONN_TEMP;
	case MAILIMAP_ERROR_LOGIN:
	case MAILIMAP_ERROR_SASL:
		return SRC_CONN_FATAL;
	default:
		return SRC_MSG_BAD;
	}
}

static const char *
etpan_err(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM: return "connection lost or timed out";
	case MAILIMAP_ERROR_CONNECTION_REFUSED: return "connection refused";
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION: return "server refused the connection";
	case MAILIMAP_ERROR_SSL: return "TLS handshake failed";
	case MAILIMAP_ERROR_PARSE: return "unparsable server response";
	case MAILIMAP_ERROR_LOGIN: return "authentication failed";
	case MAILIMAP_ERROR_SASL: return "SASL authentication failed";
	case MAILIMAP_ERROR_STARTTLS: return "STARTTLS failed";
	case MAILIMAP_ERROR_SELECT: return "SELECT refused";
	case MAILIMAP_ERROR_UID_MOVE: return "UID MOVE refused";
	case MAILIMAP_ERROR_UID_COPY: return "UID COPY refused";
	case MAILIMAP_ERROR_UID_STORE: return "UID STORE refused";
	case MAILIMAP_ERROR_UID_FETCH: return "UID FETCH refused";
	case MAILIMAP_ERROR_UID_SEARCH: return "UID SEARCH refused";
	case MAILIMAP_ERROR_CREATE: return "CREATE refused";
	case MAILIMAP_ERROR_EXTENSION: return "extension command refused";
	default: return "IMAP error";
	}
}

static void
drop(struct source *s)
{
	struct imap *p = P(s);

	if (p->m != NULL) {
		mailimap_free(p->m);   /* closes the socket; no LOGOUT on a broken stream */
		p->m = NULL;
	}
	p->selected = 0;
	p->has_idle = p->has_move = p->has_uidplus = 0;
	memset(p->created, 0, sizeof(p->created));
	memset(p->npend, 0, sizeof(p->npend));   /* re-marked after the next sweep */
	p->npf = 0;
	buf_reset(&p->pf);
}

/* A command failed with r: drop the connection if the stream is unusable. */
static enum src_status
fail(struct source *s, int r, const char *what)
{
	enum src_status st = classify(r);

	if (r == MAILIMAP_ERROR_STREAM || st == SRC_CONN_TEMP || st == SRC_CONN_FATAL) {
		seterr(s, "imap %s: %s: %s", s->conf->imap_host, what, etpan_err(r));
		drop(s);
		if (st == SRC_OK || st == SRC_MSG_BAD)
			st = SRC_CONN_TEMP;
	} else {
		seterr(s, "imap %s: %s: %s", s->conf->imap_host, what, etpan_err(r));
	}
	return st;
}

static void
sni_cb(struct mailstream_ssl_context *ctx, void *data)
{
	mailstream_ssl_set_server_name(ctx, data);
}

/* Checks the server's certificate chain (after connect or STARTTLS). */
static enum src_status
verify_peer(struct source *s)
{
	const struct conf *c = s->conf;
	struct imap *p = P(s);
	carray *chain = mailstream_get_certificate_chain(p->m->imap_stream);
	struct tlsv_cert certs[16];
	size_t n = 0, i;
	char err[400];
	int r;

	if (chain != NULL)
		for (i = 0; i < carray_count(chain) && n < 16; i++) {
			MMAPString *str = carray_get(chain, (unsigned)i);

			certs[n].der = (const unsigned char *)str->str;
			certs[n].len = str->len;
			n++;
		}
	if (!c->imap_tls_verify)
		log_warn("imap %s: tls_verify = no: the server certificate is NOT verified%s",
		         c->imap_host, *c->imap_fingerprint ? " (only the fingerprint pin is checked)" :
		         "; anyone on the path can read the password and the mail");
	r = tlsverify_chain(certs, n, c->imap_host, c->imap_ca_file, c->imap_fingerprint,
	                    c->imap_tls_verify, err, sizeof(err));
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	if (r != 0) {
		seterr(s, "imap %s: %s", c->imap_host, err);
		return SRC_CONN_FATAL;
	}
	return SRC_OK;
}

static int
has_cap(struct imap *p, const char *name)
{
	return mailimap_has_extension(p->m, (char *)(uintptr_t)name) != 0;
}

static int
refresh_caps(struct imap *p)
{
	struct mailimap_capability_data *cd = NULL;
	int r = mailimap_capability(p->m, &cd);

	if (r == MAILIMAP_NO_ERROR && cd != NULL)
		mailimap_capability_data_free(cd);
	return r;
}

static enum src_status
authenticate(struct source *s)
{
	const struct conf *c = s->conf;
	struct imap *p = P(s);
	struct buf sec;
	char err[300];
	int r;

	buf_init(&sec, SECRET_MAX);
	if (c->imap_auth == CONF_MECH_XOAUTH2) {
		if (*c->imap_oauth2_token_command)
			r = secret_command(c->imap_oauth2_token_command, SECRET_CMD_TIMEOUT, &sec, err, sizeof(err));
		else
			r = secret_read(c->imap_oauth2_token_file, &sec, err, sizeof(err));
		if (r != 0) {
			seterr(s, "imap %s: OAuth2 token: %s", c->imap_host, err);
			secret_wipe(&sec);
			return SRC_CONN_FATAL;
		}
		r = mailimap_oauth2_authenticate(p->m, c->imap_user, buf_cstr(&sec));
	} else {
		if (secret_read(c->imap_password_file, &sec, err, sizeof(err)) != 0) {
			seterr(s, "imap %s: password: %s", c->imap_host, err);
			secret_wipe(&sec);
			return SRC_CONN_FATAL;
		}
		if (c->imap_auth == CONF_MECH_PLAIN && has_cap(p, "AUTH=PLAIN")) {
			r = mailimap_authenticate(p->m, "PLAIN", c->imap_host, NULL, NULL, c->imap_user,
			                          c->imap_user, buf_cstr(&sec), NULL);
			if (r == MAILIMAP_ERROR_SASL && p->m->imap_stream != NULL)   /* no SASL plugin */
				r = mailimap_login(p->m, c->imap_user, buf_cstr(&sec));
		} else {
			r = mailimap_login(p->m, c->imap_user, buf_cstr(&sec));
		}
	}
	secret_wipe(&sec);
	if (r != MAILIMAP_NO_ERROR) {
		enum src_status st = classify(r);

		if (r == MAILIMAP_ERROR_STREAM || st == SRC_CONN_TEMP) {
			seterr(s, "imap %s: connection lost during authentication", c->imap_host);
			return SRC_CONN_TEMP;
		}
		char masked[64];

		seterr(s, "imap %s: authentication failed for user %s (%s); not retrying soon "
		       "to avoid an account lock-out: check the credentials", c->imap_host,
		       log_addr(c->imap_user, masked, sizeof(masked)), etpan_err(r));
		return SRC_CONN_FATAL;
	}
	return SRC_OK;
}

static enum src_status
select_box(struct source *s)
{
	const struct conf *c = s->conf;
	struct imap *p = P(s);
	uint32_t uidv;
	int r;

	r = mailimap_select(p->m, c->imap_mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		if (r == MAILIMAP_ERROR_STREAM || classify(r) == SRC_CONN_TEMP)
			return fail(s, r, "SELECT");
		seterr(s, "imap %s: cannot select mailbox %s", c->imap_host, c->imap_mailbox);
		return SRC_BOX_BAD;
	}
	uidv = p->m->imap_selection_info != NULL ? p->m->imap_selection_info->sel_uidvalidity : 0;
	p->uidnext_select = p->m->imap_selection_info != NULL ? p->m->imap_selection_info->sel_uidnext : 0;
	p->selected = 1;
	p->need_sweep = 1;
	if (p->known_uidv != 0 && uidv != p->known_uidv) {
		seterr(s, "imap %s: UIDVALIDITY of %s changed from %u to %u: stored UIDs are void; "
		       "messages are re-matched by Message-ID and hash, none is answered twice",
		       c->imap_host, c->imap_mailbox, p->known_uidv, uidv);
		log_warn("%s", s->err);
		p->known_uidv = uidv;
		p->uidvalidity = uidv;
		p->last_uid = 0;
		return SRC_BOX_BAD;
	}
	p->known_uidv = uidv;
	p->uidvalidity = uidv;
	return SRC_OK;
}

static double
jitter(struct imap *p, double d)
{
	return d * (0.75 + 0.5 * (double)rand_r(&p->seed) / (double)RAND_MAX);
}

/* Connects, secures, verifies, authenticates and selects. */
static enum src_status
do_connect(struct source *s)
{
	const struct conf *c = s->conf;
	struct imap *p = P(s);
	int port = port_of(c), r;
	int implicit = c->imap_tls == CONF_TLS_IMPLICIT;
	int none = c->imap_tls == CONF_TLS_NONE;
	enum src_status st;

	drop(s);
	if (none && (!c->imap_allow_plaintext || !host_is_loopback(c->imap_host))) {
		seterr(s, "imap %s: tls = none is allowed only with allow_plaintext = yes and a "
		       "loopback address", c->imap_host);
		return SRC_CONN_FATAL;
	}
	p->m = mailimap_new(0, NULL);
	if (p->m == NULL) {
		seterr(s, "imap: out of memory");
		return SRC_CONN_TEMP;
	}
	mailimap_set_timeout(p->m, (time_t)(c->imap_timeout > 0 ? c->imap_timeout : LIM_NET_TIMEOUT));
	if (implicit)
		r = mailimap_ssl_connect_with_callback(p->m, c->imap_host, (uint16_t)port, sni_cb,
		                                       c->imap_host);
	else
		r = mailimap_socket_connect(p->m, c->imap_host, (uint16_t)port);
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		seterr(s, "imap %s:%d: cannot connect: %s", c->imap_host, port, etpan_err(r));
		drop(s);
		return SRC_CONN_TEMP;
	}
	if (implicit && (st = verify_peer(s)) != SRC_OK)
		goto bad;
	if ((r = refresh_caps(p)) != MAILIMAP_NO_ERROR) {
		st = fail(s, r, "CAPABILITY");
		goto bad;
	}
	if (c->imap_tls == CONF_TLS_STARTTLS) {
		if (!has_cap(p, "STARTTLS")) {
			if (!(c->imap_allow_plaintext && host_is_loopback(c->imap_host))) {
				seterr(s, "imap %s:%d: server does not offer STARTTLS; refusing to send "
				       "credentials in clear text", c->imap_host, port);
				st = SRC_CONN_FATAL;
				goto bad;
			}
			log_warn("imap %s: no STARTTLS offered; continuing in plain text (loopback, "
			         "allow_plaintext = yes)", c->imap_host);
		} else {
			r = mailimap_socket_starttls_with_callback(p->m, sni_cb, c->imap_host);
			if (r != MAILIMAP_NO_ERROR) {
				seterr(s, "imap %s:%d: STARTTLS failed: %s", c->imap_host, port, etpan_err(r));
				st = SRC_CONN_TEMP;
				goto bad;
			}
			if ((st = verify_peer(s)) != SRC_OK)
				goto bad;
			if ((r = refresh_caps(p)) != MAILIMAP_NO_ERROR) {
				st = fail(s, r, "CAPABILITY");
				goto bad;
			}
		}
	} else if (none) {
		log_warn("imap %s: tls = none: plain text to a loopback address", c->imap_host);
	}
	if ((st = authenticate(s)) != SRC_OK)
		goto bad;
	if ((r = refresh_caps(p)) != MAILIMAP_NO_ERROR) {   /* capabilities change after login */
		st = fail(s, r, "CAPABILITY");
		goto bad;
	}
	p->has_move = has_cap(p, "MOVE");
	p->has_uidplus = has_cap(p, "UIDPLUS");
	p->has_idle = c->imap_idle && has_cap(p, "IDLE");
	st = select_box(s);
	if (st != SRC_OK && st != SRC_BOX_BAD)
		goto bad;
	p->backoff = 0;
	p->fatal = 0;
	p->next_sweep = util_mono() + (double)c->imap_sweep_interval;
	log_info("imap %s: connected (%s%s%s%s), mailbox %s uidvalidity %u", c->imap_host,
	         implicit ? "TLS" : none ? "plain text" : "STARTTLS", p->has_idle ? ", IDLE" : "",
	         p->has_move ? ", MOVE" : "", p->has_uidplus ? ", UIDPLUS" : "", c->imap_mailbox,
	         p->uidvalidity);
	return st;
bad:
	drop(s);
	return st;
}

/* Makes sure we are connected and selected, honouring the back-off. */
static enum src_status
ensure(struct source *s)
{
	struct imap *p = P(s);
	enum src_status st;
	double now = util_mono();

	if (p->m != NULL && p->selected)
		return SRC_OK;
	if (now < p->next_connect) {
		if (s->err[0] == '\0')
			seterr(s, "imap %s: waiting before reconnecting", s->conf->imap_host);
		return p->fatal ? SRC_CONN_FATAL : SRC_CONN_TEMP;
	}
	st = do_connect(s);
	if (st == SRC_OK || (st == SRC_BOX_BAD && p->selected))
		return st;   /* BOX_BAD while selected: UIDVALIDITY changed, reported once */
	p->fatal = st == SRC_CONN_FATAL;
	if (p->fatal)
		p->backoff = IMAP_BACKOFF_MAX;
	else
		p->backoff = p->backoff <= 0 ? IMAP_BACKOFF_MIN : p->backoff * 2;
	if (p->backoff > IMAP_BACKOFF_MAX)
		p->backoff = IMAP_BACKOFF_MAX;
	p->next_connect = util_mono() + jitter(p, p->backoff);
	return st;
}

static enum src_status
imap_open(struct source *s)
{
	struct imap *p;
	struct sigaction sa;

	if (s->priv != NULL)
		return ensure(s);
	/* a write on a socket the server closed must be an error, not the end of the daemon */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		seterr(s, "out of memory");
		return SRC_CONN_TEMP;
	}
	p->seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	buf_init(&p->pf, LIM_PREFETCH_BYTES);
	s->priv = p;
	return ensure(s);
}

static void
imap_close(struct source *s)
{
	struct imap *p = P(s);

	if (p == NULL)
		return;
	if (p->m != NULL && p->selected)
		flush_marks(s);
	if (p->m != NULL && p->m->imap_stream != NULL)
		mailimap_logout(p->m);
	drop(s);
	for (int o = 0; o < 3; o++)
		free(p->pend[o]);
	buf_free(&p->pf);
	free(p);
	s->priv = NULL;
}

static struct mailimap_search_key *
key_simple(int type)
{
	return mailimap_search_key_new(type, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	                               NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL,
	                               NULL, NULL, 0, NULL, NULL, NULL);
}

static int
flag_mode(const struct conf *c)
{
	return c->imap_mark_mode == CONF_MARK_FLAG;
}

/* UID SEARCH [UID from:*] UNDELETED [NOT KEYWORD ...]; result sorted, filtered > min. */
static enum src_status
search(struct source *s, uint32_t from, uint32_t **uids, size_t *n)
{
	struct imap *p = P(s);
	struct mailimap_search_key *key = mailimap_search_key_new_multiple_empty();
	clist *res = NULL;
	clistiter *it;
	size_t cap = 0;
	int r, i;

	*uids = NULL;
	*n = 0;
	if (key == NULL)
		return SRC_CONN_TEMP;
	if (from > 1)
		mailimap_search_key_multiple_add(key, mailimap_search_key_new_uid(
		        mailimap_set_new_interval(from, 0)));
	mailimap_search_key_multiple_add(key, key_simple(MAILIMAP_SEARCH_KEY_UNDELETED));
	if (flag_mode(s->conf))
		for (i = 0; i < 3; i++)
			mailimap_search_key_multiple_add(key, mailimap_search_key_new_not(
			        mailimap_search_key_new_keyword(strdup(kw_for[i]))));
	r = mailimap_uid_search(p->m, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "UID SEARCH");
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		uint32_t u = *(uint32_t *)clist_content(it);

		if (u < from)
			continue;   /* "n:*" always matches the highest UID */
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			uint32_t *nu = realloc(*uids, nc * sizeof(*nu));

			if (nu == NULL) {
				mailimap_search_result_free(res);
				free(*uids);
				*uids = NULL;
				seterr(s, "out of memory");
				return SRC_CONN_TEMP;
			}
			*uids = nu;
			cap = nc;
		}
		(*uids)[(*n)++] = u;
	}
	mailimap_search_result_free(res);
	return SRC_OK;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct src_item *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static void
make_id(struct source *s, uint32_t uid, struct src_item *it)
{
	snprintf(it->id, sizeof(it->id), "imap:%s:%u:%u", s->conf->imap_mailbox, P(s)->uidvalidity, uid);
	it->uid = uid;
	it->name[0] = '\0';
}

/* Fetches UID + RFC822.SIZE for uids[0..n) and appends items to out. */
static enum src_status
fetch_sizes(struct source *s, const uint32_t *uids, size_t n, struct src_list *out)
{
	struct imap *p = P(s);
	size_t i = 0;

	while (i < n) {
		size_t end = i + IMAP_FETCH_CHUNK < n ? i + IMAP_FETCH_CHUNK : n;
		struct mailimap_set *set = uid_set(uids + i, end - i);
		struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
		clist *res = NULL;
		clistiter *it;
		int r;

		if (set == NULL || ft == NULL) {
			if (set)
				mailimap_set_free(set);
			if (ft)
				mailimap_fetch_type_free(ft);
			seterr(s, "out of memory");
			return SRC_CONN_TEMP;
		}
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
		r = mailimap_uid_fetch(p->m, set, ft, &res);
		mailimap_set_free(set);
		mailimap_fetch_type_free(ft);
		if (r != MAILIMAP_NO_ERROR)
			return fail(s, r, "UID FETCH RFC822.SIZE");
		for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
			struct mailimap_msg_att *ma = clist_content(it);
			struct src_item item;
			clistiter *a;
			uint32_t uid = 0, size = 0;

			for (a = clist_begin(ma->att_list); a != NULL; a = clist_next(a)) {
				struct mailimap_msg_att_item *ai = clist_content(a);

				if (ai->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
					continue;
				if (ai->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
					uid = ai->att_data.att_static->att_data.att_uid;
				else if (ai->att_data.att_static->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
					size = ai->att_data.att_static->att_data.att_rfc822_size;
			}
			/* only what we asked for: an unsolicited FETCH (another client changing
			 * flags) may name any message */
			if (uid == 0 || bsearch(&uid, uids + i, end - i, sizeof(*uids), cmp_u32) == NULL)
				continue;
			memset(&item, 0, sizeof(item));
			make_id(s, uid, &item);
			item.size = size;
			if (src_list_push(out, &item) < 0) {
				mailimap_fetch_list_free(res);
				seterr(s, "out of memory");
				return SRC_CONN_TEMP;
			}
		}
		mailimap_fetch_list_free(res);
		i = end;
	}
	return SRC_OK;
}

static enum src_status
imap_list_new(struct source *s, struct src_list *out)
{
	struct imap *p = P(s);
	enum src_status st;
	uint32_t *uids = NULL, from;
	size_t n = 0, before = out->n;
	int sweep;

	if ((st = ensure(s)) != SRC_OK)
		return st;
	if ((st = flush_marks(s)) == SRC_CONN_TEMP || st == SRC_CONN_FATAL)
		return st;
	sweep = p->need_sweep || util_mono() >= p->next_sweep;
	if (sweep && !p->need_sweep) {
		/* a periodic sweep re-selects: a server may recreate the mailbox (new
		 * UIDVALIDITY) without dropping the session */
		st = select_box(s);
		if (st != SRC_OK)
			return st;
	}
	from = sweep ? 1 : p->last_uid + 1;
	/* an EXISTS the server sends after this search (during our fetches and moves) must
	 * end the next wait() at once: the server will not repeat it once IDLE starts */
	if (p->m->imap_selection_info != NULL)
		p->m->imap_selection_info->sel_has_exists = 0;
	if ((st = search(s, from, &uids, &n)) != SRC_OK)
		return st;
	if (n > 0) {
		qsort(uids, n, sizeof(*uids), cmp_u32);
		st = fetch_sizes(s, uids, n, out);
		if (st == SRC_OK) {
			if (uids[n - 1] > p->last_uid)
				p->last_uid = uids[n - 1];
			qsort(out->items + before, out->n - before, sizeof(*out->items), cmp_item);
		}
	}
	free(uids);
	if (st == SRC_OK && sweep) {
		/* every UID below the UIDNEXT of the SELECT that preceded this full search was
		 * covered by it: later incremental searches start above, even when all of those
		 * messages were already handled (flag mode) and none was listed */
		if (p->uidnext_select > 1 && p->uidnext_select - 1 > p->last_uid)
			p->last_uid = p->uidnext_select - 1;
		p->need_sweep = 0;
		p->next_sweep = util_mono() + (double)s->conf->imap_sweep_interval;
	}
	return st;
}

/* The item must belong to the selected mailbox and UIDVALIDITY. */
static enum src_status
check_item(struct source *s, const struct src_item *it)
{
	char want[160];

	snprintf(want, sizeof(want), "imap:%s:%u:%u", s->conf->imap_mailbox, P(s)->uidvalidity, it->uid);
	if (it->uid == 0 || strcmp(want, it->id) != 0) {
		seterr(s, "imap: %s does not belong to %s with UIDVALIDITY %u (now %s)", it->id,
		       s->conf->imap_mailbox, P(s)->uidvalidity, want);
		return SRC_BOX_BAD;
	}
	return SRC_OK;
}

/* UID and BODY[] of one FETCH response (body NULL if it carries none). */
static uint32_t
att_body(struct mailimap_msg_att *ma, const char **body, size_t *len)
{
	clistiter *a;
	uint32_t uid = 0;

	*body = NULL;
	*len = 0;
	for (a = clist_begin(ma->att_list); a != NULL; a = clist_next(a)) {
		struct mailimap_msg_att_item *ai = clist_content(a);

		if (ai->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		if (ai->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID) {
			uid = ai->att_data.att_static->att_data.att_uid;
		} else if (ai->att_data.att_static->att_type == MAILIMAP_MSG_ATT_BODY_SECTION) {
			*body = ai->att_data.att_static->att_data.att_body_section->sec_body_part;
			*len = ai->att_data.att_static->att_data.att_body_section->sec_length;
		}
	}
	return uid;
}

/* One UID FETCH BODY.PEEK[] for as many of items as fit in LIM_PREFETCH_BYTES (by their
 * RFC822.SIZE), instead of one round trip each. */
static void
imap_prefetch(struct source *s, const struct src_item *items, size_t n)
{
	struct imap *p = P(s);
	uint32_t uids[IMAP_PREFETCH_MAX];
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	clist *res = NULL;
	clistiter *c;
	size_t i, k = 0, total = 0;
	int r;

	p->npf = 0;
	buf_reset(&p->pf);
	if (p->m == NULL || !p->selected)
		return;
	for (i = 0; i < n && k < IMAP_PREFETCH_MAX; i++) {
		if (items[i].size == 0 || items[i].size > s->conf->msg_limits.max_size ||
		    total + items[i].size > LIM_PREFETCH_BYTES ||
		    check_item(s, &items[i]) != SRC_OK)
			continue;
		total += items[i].size;
		uids[k++] = items[i].uid;
	}
	s->err[0] = '\0';
	if (k < 2)
		return;          /* nothing gained over fetch() */
	qsort(uids, k, sizeof(*uids), cmp_u32);
	set = uid_set(uids, k);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (set == NULL || ft == NULL) {
		if (set)
			mailimap_set_free(set);
		if (ft)
			mailimap_fetch_type_free(ft);
		return;
	}
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	        mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	r = mailimap_uid_fetch(p->m, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR) {
		fail(s, r, "UID FETCH BODY.PEEK[] (ahead)");   /* fetch() reports it again */
		return;
	}
	for (c = clist_begin(res); c != NULL && p->npf < IMAP_PREFETCH_MAX; c = clist_next(c)) {
		const char *body;
		size_t len, off = p->pf.len;
		uint32_t uid = att_body(clist_content(c), &body, &len);

		/* only what we asked for (an unsolicited FETCH may name any message) */
		if (uid == 0 || body == NULL || bsearch(&uid, uids, k, sizeof(*uids), cmp_u32) == NULL)
			continue;
		if (buf_add(&p->pf, body, len) < 0) {
			p->pf.len = off;        /* grew past its size: fetch() gets it alone */
			continue;
		}
		p->pfe[p->npf].uid = uid;
		p->pfe[p->npf].off = off;
		p->pfe[p->npf].len = len;
		p->npf++;
	}
	mailimap_fetch_list_free(res);
	log_debug("imap: %zu of %zu bodies (%zu bytes) fetched ahead in one UID FETCH", p->npf, k,
	    p->pf.len);
}

/* Serves it from the prefetched bodies: 1 done (raw filled, or st set), 0 not held. */
static int
from_prefetch(struct source *s, const struct src_item *it, struct buf *raw,
    enum src_status *st)
{
	struct imap *p = P(s);

	for (size_t i = 0; i < p->npf; i++) {
		if (p->pfe[i].uid != it->uid)
			continue;
		p->pfe[i].uid = 0;     /* once */
		buf_reset(raw);
		*st = SRC_OK;
		if (buf_add(raw, p->pf.data + p->pfe[i].off, p->pfe[i].len) < 0) {
			seterr(s, "imap: %s is larger than the message size limit (%zu bytes)", it->id,
			    p->pfe[i].len);
			*st = SRC_MSG_BAD;
		}
		return 1;
	}
	return 0;
}

static enum src_status
imap_fetch(struct source *s, const struct src_item *it, struct buf *raw)
{
	struct imap *p = P(s);
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	clist *res = NULL;
	clistiter *c;
	enum src_status st;
	int r, found = 0;

	if ((st = ensure(s)) != SRC_OK)
		return st;
	if ((st = check_item(s, it)) != SRC_OK)
		return st;
	if (from_prefetch(s, it, raw, &st))
		return st;
	set = mailimap_set_new_single(it->uid);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	        mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	r = mailimap_uid_fetch(p->m, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "UID FETCH BODY.PEEK[]");
	buf_reset(raw);
	st = SRC_OK;
	for (c = clist_begin(res); c != NULL && !found; c = clist_next(c)) {
		const char *body;
		size_t len;
		uint32_t uid = att_body(clist_content(c), &body, &len);

		if (uid != it->uid || body == NULL)
			continue;
		found = 1;
		if (buf_add(raw, body, len) < 0) {
			seterr(s, "imap: %s is larger than the message size limit (%zu bytes)", it->id, len);
			st = SRC_MSG_BAD;
		}
	}
	mailimap_fetch_list_free(res);
	if (!found && st == SRC_OK) {
		seterr(s, "imap: %s is gone from the mailbox", it->id);
		st = SRC_MSG_BAD;
	}
	return st;
}

static const char *
folder_for(const struct conf *c, enum src_outcome o)
{
	switch (o) {
	case SRC_DONE_ANSWERED: return c->imap_answered_folder;
	case SRC_DONE_IGNORED:  return c->imap_ignored_folder;
	default:                return c->imap_failed_folder;
	}
}

/* Creates the folder if LIST does not show it. */
static enum src_status
ensure_folder(struct source *s, enum src_outcome o)
{
	struct imap *p = P(s);
	const char *f = folder_for(s->conf, o);
	clist *res = NULL;
	int r, exists;

	if (p->created[o])
		return SRC_OK;
	r = mailimap_list(p->m, "", f, &res);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "LIST");
	exists = res != NULL && clist_count(res) > 0;
	if (res != NULL)
		mailimap_list_result_free(res);
	if (!exists) {
		r = mailimap_create(p->m, f);
		if (r != MAILIMAP_NO_ERROR) {
			if (classify(r) == SRC_CONN_TEMP)
				return fail(s, r, "CREATE");
			seterr(s, "imap %s: cannot create folder %s", s->conf->imap_host, f);
			return SRC_BOX_BAD;
		}
		log_info("imap %s: created folder %s", s->conf->imap_host, f);
		mailimap_subscribe(p->m, f);
	}
	p->created[o] = 1;
	return SRC_OK;
}

/* A UID set with runs of consecutive UIDs as ranges; uids sorted. */
static struct mailimap_set *
uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0;

	while (set != NULL && i < n) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (j == i)
			mailimap_set_add_single(set, uids[i]);
		else
			mailimap_set_add_interval(set, uids[i], uids[j]);
		i = j + 1;
	}
	return set;
}

static enum src_status
store_set(struct source *s, struct mailimap_set *set, struct mailimap_flag *flag, const char *what)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sf;
	int r;

	mailimap_flag_list_add(fl, flag);
	sf = mailimap_store_att_flags_new_add_flags_silent(fl);
	r = mailimap_uid_store(P(s)->m, set, sf);
	mailimap_store_att_flags_free(sf);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, what);
	return SRC_OK;
}

/* Sends the queued marks of one outcome: one command (or three without MOVE). */
static enum src_status
flush_outcome(struct source *s, enum src_outcome o)
{
	struct imap *p = P(s);
	const struct conf *c = s->conf;
	struct mailimap_set *set;
	enum src_status st = SRC_OK;
	int r;

	qsort(p->pend[o], p->npend[o], sizeof(uint32_t), cmp_u32);
	set = uid_set(p->pend[o], p->npend[o]);
	if (set == NULL) {
		seterr(s, "out of memory");
		return SRC_CONN_TEMP;
	}
	if (flag_mode(c)) {
		st = store_set(s, set, mailimap_flag_new_flag_keyword(strdup(kw_for[o])), "UID STORE keyword");
	} else if ((st = ensure_folder(s, o)) != SRC_OK) {
		/* nothing sent */
	} else if (p->has_move) {
		r = mailimap_uid_move(p->m, set, folder_for(c, o));
		if (r != MAILIMAP_NO_ERROR)
			st = fail(s, r, "UID MOVE");
	} else {
		r = mailimap_uid_copy(p->m, set, folder_for(c, o));
		if (r != MAILIMAP_NO_ERROR)
			st = fail(s, r, "UID COPY");
		else
			st = store_set(s, set, mailimap_flag_new_deleted(), "UID STORE \\Deleted");
		if (st == SRC_OK && p->has_uidplus) {
			r = mailimap_uid_expunge(p->m, set);   /* only these UIDs: never a bare EXPUNGE */
			if (r != MAILIMAP_NO_ERROR)
				st = fail(s, r, "UID EXPUNGE");
		}
	}
	mailimap_set_free(set);
	if (p->m != NULL)
		p->npend[o] = 0;
	return st;
}

static enum src_status
flush_marks(struct source *s)
{
	struct imap *p = P(s);
	enum src_status st = SRC_OK, r;
	int o;

	for (o = 0; o < 3 && p->m != NULL; o++) {
		if (p->npend[o] == 0)
			continue;
		r = flush_outcome(s, (enum src_outcome)o);
		if (r != SRC_OK) {
			log_warn("%s (the messages stay and are re-marked after the next sweep)", s->err);
			p->need_sweep = 1;
			p->npend[o] = 0;
			if (st == SRC_OK)
				st = r;
		}
	}
	return st;
}

static enum src_status
imap_mark(struct source *s, const struct src_item *it, enum src_outcome o)
{
	struct imap *p = P(s);
	enum src_status st;
	size_t i, total;

	if (o > SRC_DONE_FAILED)
		o = SRC_DONE_FAILED;
	if ((st = ensure(s)) != SRC_OK)
		return st;
	if ((st = check_item(s, it)) != SRC_OK)
		return st;
	for (i = 0; i < p->npend[o]; i++)
		if (p->pend[o][i] == it->uid)
			return SRC_OK;   /* already queued */
	if (p->npend[o] == p->cappend[o]) {
		size_t nc = p->cappend[o] ? p->cappend[o] * 2 : 64;
		uint32_t *nu = realloc(p->pend[o], nc * sizeof(*nu));

		if (nu == NULL) {
			seterr(s, "out of memory");
			return SRC_CONN_TEMP;
		}
		p->pend[o] = nu;
		p->cappend[o] = nc;
	}
	p->pend[o][p->npend[o]++] = it->uid;
	total = p->npend[0] + p->npend[1] + p->npend[2];
	if (total >= IMAP_MARK_BATCH) {
		st = flush_marks(s);
		if (st == SRC_CONN_TEMP || st == SRC_CONN_FATAL)
			return st;
	}
	return SRC_OK;
}

/* Sleeps up to ms without spinning; returns early on a signal. */
static void
nap(int ms)
{
	if (ms > 0)
		poll(NULL, 0, ms);
}

/* Reads one response line (CRLF removed) into line. 0 ok, -1 stream error/timeout. */
static int
read_line(struct imap *p, MMAPString *line)
{
	return mailstream_read_line_remove_eol(p->m->imap_stream, line) != NULL ? 0 : -1;
}

static int
is_exists(const char *l)
{
	return l[0] == '*' && (util_strcasestr(l, " EXISTS") != NULL || util_strcasestr(l, " RECENT") != NULL);
}

/* IDLE (RFC 2177) by hand: libetpan 1.9.4's mailimap_idle() blocks until the stream timeout
 * when the server sends untagged data before "+ idling". Here every line is read only when
 * poll() (or the stream's own buffer) says data is there, each read is bounded by the stream
 * timeout (our watchdog), and the whole IDLE by `until`. 1 new mail announced, 0 nothing
 * (deadline or a signal), <0 a negated src_status (the connection is dropped). */
static int
idle_raw(struct source *s, double until)
{
	static const char tag[] = "cmdidle";
	struct imap *p = P(s);
	mailstream *ms = p->m->imap_stream;
	MMAPString *line = mmap_string_new("");
	int ready = 0, fd, ms_left, r;

	if (line == NULL)
		return -(int)SRC_CONN_TEMP;
	if (mailstream_write(ms, "cmdidle IDLE\r\n", 14) != 14 || mailstream_flush(ms) < 0)
		goto lost;
	for (;;) {   /* until the continuation: untagged data may come first */
		if (read_line(p, line) < 0)
			goto lost;
		if (line->str[0] == '+')
			break;
		if (strncmp(line->str, tag, sizeof(tag) - 1) == 0) {   /* IDLE refused */
			log_warn("imap %s: IDLE refused; polling instead", s->conf->imap_host);
			p->has_idle = 0;
			mmap_string_free(line);
			return 1;
		}
		if (util_strncaseeq(line->str, "* BYE", 5))
			goto lost;
		if (is_exists(line->str))
			ready = 1;
	}
	fd = mailstream_low_get_fd(mailstream_get_low(ms));
	while (!ready) {
		if (ms->read_buffer_len == 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			ms_left = (int)((until - util_mono()) * 1000);
			if (ms_left <= 0)
				break;
			r = poll(&pfd, 1, ms_left);
			if (r < 0 && errno == EINTR)
				break;   /* a signal: the caller looks at its flags */
			if (r == 0)
				break;
			if (r < 0)
				goto lost;
		}
		if (read_line(p, line) < 0)
			goto lost;
		if (util_strncaseeq(line->str, "* BYE", 5))
			goto lost;
		if (is_exists(line->str))
			ready = 1;
	}
	if (mailstream_write(ms, "DONE\r\n", 6) != 6 || mailstream_flush(ms) < 0)
		goto lost;
	for (;;) {   /* drain up to our tagged reply; each read bounded by the stream timeout */
		if (read_line(p, line) < 0)
			goto lost;
		if (strncmp(line->str, tag, sizeof(tag) - 1) == 0)
			break;
		if (is_exists(line->str))
			ready = 1;
	}
	mmap_string_free(line);
	return ready;
lost:
	mmap_string_free(line);
	seterr(s, "imap %s: connection lost or timed out during IDLE", s->conf->imap_host);
	drop(s);
	return -(int)SRC_CONN_TEMP;
}

static int
imap_wait(struct source *s, int timeout_ms)
{
	struct imap *p = P(s);
	const struct conf *c = s->conf;
	double now = util_mono(), until;
	enum src_status st;
	int r, ms;

	if (p->m == NULL || !p->selected) {
		if (now < p->next_connect) {
			ms = (int)((p->next_connect - now) * 1000) + 1;
			nap(ms < timeout_ms ? ms : timeout_ms);
			if (util_mono() < p->next_connect)
				return 0;
		}
		st = ensure(s);
		if (st == SRC_OK || st == SRC_BOX_BAD)
			return 1;   /* reconnected: the caller lists (a full sweep) */
		return -(int)st;
	}
	st = flush_marks(s);
	if (st == SRC_CONN_TEMP || st == SRC_CONN_FATAL)
		return -(int)st;
	if (p->need_sweep || now >= p->next_sweep)
		return 1;
	if (p->m != NULL && p->m->imap_selection_info != NULL &&
	    p->m->imap_selection_info->sel_has_exists)
		return 1;   /* new mail announced while we were busy */
	until = now + timeout_ms / 1000.0;
	if (until > p->next_sweep)
		until = p->next_sweep;
	if (!p->has_idle) {   /* poll at poll_interval */
		if (c->poll_interval > 0 && until > now + (double)c->poll_interval)
			until = now + (double)c->poll_interval;
		nap((int)((until - now) * 1000));
		r = mailimap_noop(p->m);   /* notices a dead connection and new EXISTS */
		if (r != MAILIMAP_NO_ERROR) {
			st = fail(s, r, "NOOP");
			return -(int)st;
		}
		return 1;
	}
	if (until > now + (double)c->imap_idle_restart)
		until = now + (double)c->imap_idle_restart;
	r = idle_raw(s, until);
	return r < 0 ? r : (r || util_mono() >= p->next_sweep);
}

const struct source_ops src_imap_ops = {
	.name = "imap",
	.open = imap_open,
	.list_new = imap_list_new,
	.fetch = imap_fetch,
	.prefetch = imap_prefetch,
	.mark = imap_mark,
	.wait = imap_wait,
	.close = imap_close,
};
