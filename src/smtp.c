/* smtp — the SMTP sender (libcurl, GnuTLS flavour) behind struct sender_ops (sender.h).
 *
 * smtps:// (implicit TLS) or smtp:// with STARTTLS required (CURLUSESSL_ALL, never _TRY);
 * smtp:// in plain text only with allow_plaintext and a loopback host. libcurl verifies the
 * certificate and host name (CURLOPT_SSL_VERIFYPEER/HOST, CURLOPT_CAINFO = ca_file).
 * AUTH PLAIN/LOGIN with a password from password_file, or XOAUTH2 with a bearer token from
 * oauth2_token_file; the secret is re-read for every connection and never logged.
 * One recipient per message; our own CRLF bytes through a read callback (no CURLOPT_CRLF);
 * the envelope sender "" is the null sender <>. One easy handle (so one connection) is
 * reused across a batch: flush() or batch_size messages end it.
 *
 * Classification by the server's reply code (CURLINFO_RESPONSE_CODE), then curl's error:
 * 530/534/535/538, CURLE_LOGIN_DENIED, certificate and STARTTLS-refused errors -> SEND_PAUSE;
 * other 5xx -> SEND_PERM with the server's text; 4xx, connection, timeout and TLS handshake
 * failures -> SEND_TEMP.
 *
 * A recipient that is not ASCII (RFC 6531) needs a server that offers SMTPUTF8: libcurl then
 * adds SMTPUTF8 to MAIL FROM by itself; when the EHLO reply lacks it, the message is not
 * sent (the read callback aborts before the first byte of DATA) and the failure is permanent
 * with that reason. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "conf.h"
#include "limits.h"
#include "log.h"
#include "secret.h"
#include "sender.h"
#include "util.h"

#define SMTP_MAX_CONN 16

/* One connection slot: an easy handle (its connection is reused) and one message in flight. */
struct smtp {
	CURL *h;
	struct curl_slist *rcpts;      /* envelope of the message in flight */
	char  from[LIM_ADDR_LEN + 3], to[LIM_ADDR_LEN + 3];
	long  in_batch;
	char  errbuf[CURL_ERROR_SIZE];
	char  last[512];        /* last server reply line (for detail) */
	char  lastbad[512];     /* last 4xx/5xx reply line (curl sends QUIT after a failure) */
	const char *data;       /* current message, borrowed during send */
	size_t len, off;
	int   utf8_offered;     /* this session's EHLO reply lists SMTPUTF8 */
	int  *utf8_server;      /* some session's did (a multi may hand a slot another's
	                         * connection, whose EHLO this slot never saw) */
	int   utf8_needed;      /* the message in flight has a non-ASCII recipient */
	int   utf8_refused;     /* ... and was stopped because the server lacks SMTPUTF8 */
};

/* The sender's private state: slot 0 serves send(); send_many() uses up to
 * [sender] connections slots at once through one curl multi handle. */
struct smtp_priv {
	struct smtp slot[SMTP_MAX_CONN];
	CURLM *multi;
	int down;               /* a connection-level failure in this batch: skip to flush() */
	int utf8_server;        /* the server offered SMTPUTF8 on some session */
	char down_why[256];
};

static int curl_ready;

/* Every socket curl opens for us, so that smtp_abort() (another thread) can shut them
 * down: one sending thread at a time per process. */
#define SMTP_MAX_SOCKS 64
static pthread_mutex_t sock_mu = PTHREAD_MUTEX_INITIALIZER;
static curl_socket_t socks[SMTP_MAX_SOCKS];
static int nsocks, aborting;

static curl_socket_t
open_sock_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	curl_socket_t fd;

	(void)ud; (void)purpose;
	pthread_mutex_lock(&sock_mu);
	if (aborting || nsocks == SMTP_MAX_SOCKS) {
		pthread_mutex_unlock(&sock_mu);
		return CURL_SOCKET_BAD;
	}
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd != CURL_SOCKET_BAD)
		socks[nsocks++] = fd;
	pthread_mutex_unlock(&sock_mu);
	return fd;
}

static int
close_sock_cb(void *ud, curl_socket_t fd)
{
	(void)ud;
	pthread_mutex_lock(&sock_mu);
	for (int i = 0; i < nsocks; i++)
		if (socks[i] == fd) {
			socks[i] = socks[--nsocks];
			break;
		}
	close(fd);          /* under the lock: abort never shuts down a reused number */
	pthread_mutex_unlock(&sock_mu);
	return 0;
}

static void
smtp_abort(struct sender *s)
{
	(void)s;
	pthread_mutex_lock(&sock_mu);
	aborting = 1;
	for (int i = 0; i < nsocks; i++)
		shutdown(socks[i], SHUT_RDWR);
	pthread_mutex_unlock(&sock_mu);
}

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct smtp *p = ud;
	size_t room = size * nmemb, n = p->len - p->off;

	if (p->utf8_needed && !p->utf8_offered && !(p->utf8_server && *p->utf8_server)) {
		p->utf8_refused = 1;
		return CURL_READFUNC_ABORT;
	}
	if (n > room)
		n = room;
	memcpy(dst, p->data + p->off, n);
	p->off += n;
	return n;
}

static int
stopping(const struct sender *s)
{
	return s->stop != NULL && *s->stop != 0;
}

/* curl calls this about once a second even while the server is silent: a stop request
 * abandons the transfer (CURLE_ABORTED_BY_CALLBACK). The watchdog is not fed here: the
 * sender runs beside the intake, which feeds it; a hung SMTP server is no reason to be
 * killed, and no proof that the intake is alive either. */
static int
progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
	return stopping(ud) ? 1 : 0;
}

static int
debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct smtp *p = ud;
	size_t n = size, i, o = 0;

	(void)h;
	if (type != CURLINFO_HEADER_IN || size == 0)
		return 0;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	if (n == 0)
		return 0;
	if (n >= 3 && memcmp(data, "220", 3) == 0)
		p->utf8_offered = 0;             /* greeting (or STARTTLS): EHLO follows */
	else if (n == 12 && memcmp(data, "250", 3) == 0 && util_strncaseeq(data + 4, "SMTPUTF8", 8)) {
		p->utf8_offered = 1;
		if (p->utf8_server)
			*p->utf8_server = 1;
	}
	for (i = 0; i < n && o + 1 < sizeof(p->last); i++)
		p->last[o++] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : ' ';
	p->last[o] = '\0';
	if (o >= 3 && (p->last[0] == '4' || p->last[0] == '5'))
		memcpy(p->lastbad, p->last, o + 1);
	return 0;
}

static int
url_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int lo = 0;

	if (u == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host != NULL)
		lo = strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
		     strcmp(host, "[::1]") == 0;
	curl_free(host);
	curl_url_cleanup(u);
	return lo;
}

/* Ends the session (QUIT on a live connection); the next send opens a new one. */
static void
end_session(struct smtp *p)
{
	if (p != NULL && p->h != NULL) {
		curl_easy_cleanup(p->h);
		p->h = NULL;
		p->in_batch = 0;
	}
}

static void
smtp_flush(struct sender *s)
{
	struct smtp_priv *pv = s->priv;

	if (pv == NULL)
		return;
	for (int i = 0; i < SMTP_MAX_CONN; i++)
		end_session(&pv->slot[i]);
	pv->down = 0;    /* the next batch tries the server again */
}

static void
smtp_close(struct sender *s)
{
	struct smtp_priv *pv = s->priv;

	smtp_flush(s);
	if (pv != NULL && pv->multi != NULL)
		curl_multi_cleanup(pv->multi);
	free(s->priv);
	s->priv = NULL;
	pthread_mutex_lock(&sock_mu);
	aborting = 0;           /* the next sender (after a reload) starts afresh */
	pthread_mutex_unlock(&sock_mu);
}

/* Sets up a fresh handle with URL, TLS, timeouts and credentials. */
static enum send_status
setup(struct sender *s, struct smtp *p, char *detail, size_t dlen)
{
	const struct conf *c = s->conf;
	int plain = strncmp(c->smtp_url, "smtp://", 7) == 0;
	struct buf sec;
	char err[300];
	long t = c->smtp_timeout > 0 ? c->smtp_timeout : 600;
	CURL *h;

	if (plain && c->smtp_allow_plaintext && !url_is_loopback(c->smtp_url)) {
		snprintf(detail, dlen, "smtp: allow_plaintext works only with a loopback host");
		return SEND_PAUSE;
	}
	h = curl_easy_init();
	if (h == NULL) {
		snprintf(detail, dlen, "smtp: curl_easy_init failed");
		return SEND_TEMP;
	}
	curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, t);
	/* a stop request must not wait for a silent server (timeout up to 600 s) */
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_sock_cb);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, close_sock_cb);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(t < LIM_NET_TIMEOUT ? t : LIM_NET_TIMEOUT));
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);          /* feeds debug_cb only */
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, p);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, p);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	if (plain)
		curl_easy_setopt(h, CURLOPT_USE_SSL,
		                 c->smtp_allow_plaintext ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->smtp_tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->smtp_tls_verify ? 2L : 0L);
	if (!c->smtp_tls_verify)
		log_warn("smtp: tls_verify = no: the SMTP server certificate is NOT verified");
	if (*c->smtp_ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->smtp_ca_file);
	if (c->smtp_auth != CONF_MECH_NONE) {
		int xo = c->smtp_auth == CONF_MECH_XOAUTH2;
		int r;

		buf_init(&sec, SECRET_MAX);
		r = secret_read(xo ? c->smtp_oauth2_token_file : c->smtp_password_file, &sec, err, sizeof(err));
		if (r != 0) {
			secret_wipe(&sec);
			curl_easy_cleanup(h);
			snprintf(detail, dlen, "smtp: %s", err);
			return SEND_PAUSE;
		}
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		if (xo) {
			curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, buf_cstr(&sec));
			curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
		} else {
			curl_easy_setopt(h, CURLOPT_PASSWORD, buf_cstr(&sec));
			curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS,
			                 c->smtp_auth == CONF_MECH_LOGIN ? "AUTH=LOGIN" : "AUTH=PLAIN");
		}
		secret_wipe(&sec);   /* curl keeps its own copy */
	}
	p->h = h;
	p->in_batch = 0;
	return SEND_OK;
}

static enum send_status
classify(CURLcode res, long code)
{
	if (res == CURLE_OK)
		return SEND_OK;
	if (code == 530 || code == 534 || code == 535 || code == 538 || res == CURLE_LOGIN_DENIED)
		return SEND_PAUSE;
	switch (res) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:       /* STARTTLS not offered: never send in clear */
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return SEND_PAUSE;
	default:
		break;
	}
	if (code >= 500 && code < 600)
		return SEND_PERM;
	return SEND_TEMP;   /* 4xx, no code (connection, timeout, TLS handshake) */
}

static struct smtp_priv *
priv_get(struct sender *s, char *detail, size_t detail_len)
{
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(detail, detail_len, "smtp: curl_global_init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	if (s->priv == NULL && (s->priv = calloc(1, sizeof(struct smtp_priv))) == NULL)
		snprintf(detail, detail_len, "smtp: out of memory");
	return s->priv;
}

/* Prepares slot p to send one message: checks the envelope, opens (or reuses) the session,
 * sets MAIL FROM / RCPT TO and the read state. SEND_OK when ready to perform. */
static enum send_status
job_start(struct sender *s, struct smtp_priv *pv, struct smtp *p, const char *env_from,
    const char *rcpt, const char *data, size_t len, char *detail, size_t detail_len)
{
	enum send_status st;

	if (detail_len > 0)
		detail[0] = '\0';
	if (rcpt == NULL || *rcpt == '\0' || strlen(rcpt) > LIM_ADDR_LEN ||
	    strlen(env_from ? env_from : "") > LIM_ADDR_LEN || strpbrk(rcpt, "<>\r\n ") != NULL ||
	    (env_from != NULL && strpbrk(env_from, "<>\r\n ") != NULL)) {
		snprintf(detail, detail_len, "smtp: invalid envelope address");
		return SEND_PERM;
	}
	if (stopping(s)) {
		snprintf(detail, detail_len, "smtp: not sent, stopping");
		return SEND_TEMP;
	}
	if (pv->down) {   /* the server was unreachable a moment ago: no hammering per message */
		snprintf(detail, detail_len, "%s (not retried within this batch)", pv->down_why);
		return SEND_TEMP;
	}
	if (p->h == NULL && (st = setup(s, p, detail, detail_len)) != SEND_OK)
		return st;
	snprintf(p->from, sizeof(p->from), "<%s>", env_from != NULL ? env_from : "");
	snprintf(p->to, sizeof(p->to), "<%s>", rcpt);
	p->rcpts = curl_slist_append(NULL, p->to);
	if (p->rcpts == NULL) {
		snprintf(detail, detail_len, "smtp: out of memory");
		return SEND_TEMP;
	}
	p->data = data;
	p->len = len;
	p->off = 0;
	p->utf8_refused = 0;
	p->utf8_needed = 0;
	p->utf8_server = &pv->utf8_server;
	for (const char *c = rcpt; *c; c++)
		if ((unsigned char)*c >= 0x80)
			p->utf8_needed = 1;
	p->errbuf[0] = '\0';
	p->last[0] = '\0';
	p->lastbad[0] = '\0';
	curl_easy_setopt(p->h, CURLOPT_MAIL_FROM, p->from);
	curl_easy_setopt(p->h, CURLOPT_MAIL_RCPT, p->rcpts);
	curl_easy_setopt(p->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	return SEND_OK;
}

/* Classifies the transfer that just ended on slot p and fills detail. */
static enum send_status
job_finish(struct sender *s, struct smtp_priv *pv, struct smtp *p, const char *id,
    CURLcode res, char *detail, size_t detail_len)
{
	const struct conf *c = s->conf;
	enum send_status st;
	long code = 0;

	curl_easy_getinfo(p->h, CURLINFO_RESPONSE_CODE, &code);
	{
		long nc = 0;

		if (curl_easy_getinfo(p->h, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK && nc > 0)
			s->sessions += nc;
	}
	curl_easy_setopt(p->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(p->rcpts);
	p->rcpts = NULL;
	p->data = NULL;
	st = classify(res, code);
	if (p->utf8_refused) {
		st = SEND_PERM;
		snprintf(detail, detail_len, "recipient address is not ASCII and the server does not "
		    "offer SMTPUTF8 (RFC 6531): not sent");
		log_info("smtp: reply %s: permanent failure (SMTPUTF8 needed, not offered)", id);
		end_session(p);
		return st;
	}
	if (st == SEND_OK) {
		snprintf(detail, detail_len, "%s", p->last[0] ? p->last : "250 accepted");
		if (++p->in_batch >= (c->batch_size > 0 ? c->batch_size : 1))
			end_session(p);
		return SEND_OK;
	}
	if (p->lastbad[0] != '\0' && code >= 400)
		snprintf(detail, detail_len, "%s", p->lastbad);
	else
		snprintf(detail, detail_len, "%s (curl: %s)", p->errbuf[0] ? p->errbuf : curl_easy_strerror(res),
		         curl_easy_strerror(res));
	/* the server text may name addresses: it goes to the caller (state DB), not the log */
	log_info("smtp: reply %s: %s (reply code %ld, %s)", id,
	         st == SEND_TEMP ? "temporary failure" : st == SEND_PERM ? "permanent failure" : "paused",
	         code, curl_easy_strerror(res));
	if (st == SEND_TEMP && code == 0) {   /* no reply at all: connection, timeout, TLS */
		pv->down = 1;
		snprintf(pv->down_why, sizeof(pv->down_why), "%s", detail);
	}
	end_session(p);   /* a failed session is not reused */
	return st;
}

static enum send_status
smtp_send(struct sender *s, const char *id, const char *env_from, const char *rcpt,
          const char *data, size_t len, char *detail, size_t detail_len)
{
	struct smtp_priv *pv = priv_get(s, detail, detail_len);
	struct smtp *p;
	enum send_status st;

	if (pv == NULL)
		return SEND_TEMP;
	p = &pv->slot[0];
	st = job_start(s, pv, p, env_from, rcpt, data, len, detail, detail_len);
	if (st != SEND_OK)
		return st;
	return job_finish(s, pv, p, id, curl_easy_perform(p->h), detail, detail_len);
}

/* Several replies over up to [sender] connections sessions at once (curl multi): a free
 * slot takes the next job as soon as its previous transfer ends. Results per job are what
 * send() would give. */
static void
smtp_send_many(struct sender *s, struct send_job *jobs, int n, int (*done)(void *, int),
    void *ctx)
{
	struct smtp_priv *pv = priv_get(s, jobs[0].detail, sizeof(jobs[0].detail));
	int busy[SMTP_MAX_CONN], nslots, next = 0, running = 0, paused = 0, i;
	int halt = 0;     /* the caller cannot record results: start nothing more */

	if (pv == NULL) {
		for (i = 0; i < n; i++) {
			jobs[i].st = SEND_TEMP;
			done(ctx, i);
		}
		return;
	}
	if (pv->multi == NULL) {
		if ((pv->multi = curl_multi_init()) == NULL) {
			for (i = 0; i < n; i++) {
				jobs[i].st = SEND_TEMP;
				snprintf(jobs[i].detail, sizeof(jobs[i].detail),
				    "smtp: curl_multi_init failed");
				done(ctx, i);
			}
			return;
		}
		/* keep every session: by default the multi's cache holds 4 per handle *in* it,
		 * and handles leave it as their transfers end, so at the tail of every batch it
		 * closed sessions the next batch opened again (TLS handshake, CA file, AUTH) */
		curl_multi_setopt(pv->multi, CURLMOPT_MAXCONNECTS, (long)SMTP_MAX_CONN);
	}
	nslots = (int)(s->conf->smtp_connections > 0 ? s->conf->smtp_connections : 1);
	if (nslots > SMTP_MAX_CONN)
		nslots = SMTP_MAX_CONN;
	if (nslots > n)
		nslots = n;
	for (i = 0; i < nslots; i++)
		busy[i] = -1;
	for (;;) {
		CURLMsg *msg;
		int left;

		/* give every free slot the next job that can start (none after a PAUSE:
		 * credentials or certificate trouble is not retried per message) */
		if (stopping(s) && running > 0) {
			/* stop requested: abandon the transfers in flight (the server may have
			 * taken some: they stay queued, at most one per connection is sent again) */
			for (i = 0; i < nslots; i++) {
				struct send_job *j;

				if (busy[i] < 0)
					continue;
				j = &jobs[busy[i]];
				curl_multi_remove_handle(pv->multi, pv->slot[i].h);
				j->st = job_finish(s, pv, &pv->slot[i], j->id, CURLE_ABORTED_BY_CALLBACK,
				    j->detail, sizeof(j->detail));
				halt |= done(ctx, busy[i]);
				busy[i] = -1;
				running--;
			}
			done(ctx, -1);
		}
		if (stopping(s))
			halt = 1;
		for (i = 0; i < nslots && next < n && !paused && !halt; i++) {
			struct send_job *j;

			if (busy[i] >= 0)
				continue;
			while (next < n) {
				j = &jobs[next++];
				j->st = job_start(s, pv, &pv->slot[i], j->env_from, j->rcpt, j->data, j->len,
				    j->detail, sizeof(j->detail));
				if (j->st == SEND_PAUSE)
					paused = 1;
				if (j->st != SEND_OK) {
					halt |= done(ctx, (int)(j - jobs));
					break;              /* decided without a transfer */
				}
				curl_multi_add_handle(pv->multi, pv->slot[i].h);
				busy[i] = (int)(j - jobs);
				running++;
				break;
			}
		}
		if (running == 0 && (next >= n || paused || halt))
			break;
		if (running == 0)
			continue;
		curl_multi_perform(pv->multi, &left);
		while ((msg = curl_multi_info_read(pv->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (i = 0; i < nslots; i++) {
				struct send_job *j;
				CURL *h = pv->slot[i].h;

				if (busy[i] < 0 || h != msg->easy_handle)
					continue;
				j = &jobs[busy[i]];
				curl_multi_remove_handle(pv->multi, h);
				j->st = job_finish(s, pv, &pv->slot[i], j->id, msg->data.result, j->detail,
				    sizeof(j->detail));
				if (j->st == SEND_PAUSE)
					paused = 1;
				halt |= done(ctx, busy[i]);
				busy[i] = -1;
				running--;
				break;
			}
		}
		halt |= done(ctx, -1);          /* the results so far are in: record them */
		if (running > 0)
			curl_multi_poll(pv->multi, NULL, 0, 1000, NULL);
	}
	for (; next < n; next++) {
		jobs[next].st = SEND_SKIPPED;
		done(ctx, next);
	}
}

const struct sender_ops smtp_ops = {
	.name = "smtp",
	.send = smtp_send,
	.flush = smtp_flush,
	.close = smtp_close,
	.send_many = smtp_send_many,
	.abort = smtp_abort,
};
