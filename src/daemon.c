/* daemon — see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "codedb.h"
#include "extract.h"
#include "log.h"
#include "pipeline.h"
#include "notify.h"
#include "policy.h"
#include "privdrop.h"
#include "render.h"
#include "sender.h"
#include "source.h"
#include "state.h"
#include "util.h"

static volatile sig_atomic_t want_stop, want_reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		want_reload = 1;
	else
		want_stop = 1;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;             /* no SA_RESTART: waits return at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

struct run {
	struct conf conf;
	struct state *st;
	struct codedb *db;
	struct render *rd;
	struct source *src;
	struct sender *snd;
	const char *conf_path;
	int lockfd;
	/* status */
	int connected;
	time_t last_event, last_poll, started;
	char last_error[256];
	long answered, ignored, failed;
};

static void
write_status(struct run *r, const char *state)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	int64_t oldest = 0;
	int depth = state_queue_depth(r->st, &oldest);

	json_object_object_add(o, "pid", json_object_new_int64((int64_t)getpid()));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "source", json_object_new_string(r->conf.source_type));
	json_object_object_add(o, "connected", json_object_new_boolean(r->connected));
	json_object_object_add(o, "started", json_object_new_int64(r->started));
	json_object_object_add(o, "last_event", json_object_new_int64(r->last_event));
	json_object_object_add(o, "last_poll", json_object_new_int64(r->last_poll));
	json_object_object_add(o, "updated", json_object_new_int64(time(NULL)));
	json_object_object_add(o, "last_error", json_object_new_string(r->last_error));
	json_object_object_add(o, "queue_depth", json_object_new_int(depth));
	json_object_object_add(o, "queue_oldest", json_object_new_int64(oldest));
	json_object_object_add(o, "answered", json_object_new_int64(r->answered));
	json_object_object_add(o, "ignored", json_object_new_int64(r->ignored));
	json_object_object_add(o, "failed", json_object_new_int64(r->failed));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	{
		char tmp[4096];

		/* not durable on purpose: a status, not state */
		if (util_fmt(tmp, sizeof(tmp), "%s.tmp", r->conf.status_file) == 0) {
			FILE *fp = fopen(tmp, "w");

			if (fp) {
				fputs(s, fp);
				fputc('\n', fp);
				if (fclose(fp) == 0)
					rename(tmp, r->conf.status_file);
			}
		}
	}
	json_object_put(o);
}

/* One daemon per state DB: an exclusive lock on STATE_DB.lock, held until exit (the kernel
 * drops it when the process dies, even by SIGKILL). */
static int
lock_state(const char *state_db, struct buf *err)
{
	char path[4096];
	int fd;

	if (util_fmt(path, sizeof(path), "%s.lock", state_db) < 0) {
		buf_addstr(err, "state_db path too long");
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		buf_printf(err, "another codemaild is running on %s", state_db);
		close(fd);
		return -1;
	}
	return fd;
}

static int
open_all(struct run *r, struct buf *err)
{
	if ((r->lockfd = lock_state(r->conf.state_db, err)) < 0)
		return EX_TEMPFAIL;
	r->st = state_open(r->conf.state_db, err);
	if (r->st == NULL)
		return EX_CANTCREAT;
	r->db = codedb_open(r->conf.reference_db, err);
	if (r->db == NULL)
		return EX_NOINPUT;
	r->rd = render_load(&r->conf, err);
	if (r->rd == NULL)
		return EX_CONFIG;
	if (extract_init() < 0) {
		buf_addstr(err, "cannot compile the extractor's patterns");
		return EX_SOFTWARE;
	}
	r->src = source_new(&r->conf);
	r->snd = sender_new(&r->conf);
	if (r->src == NULL || r->snd == NULL) {
		buf_addstr(err, "out of memory");
		return EX_OSERR;
	}
	return EX_OK;
}

static void
close_all(struct run *r)
{
	source_free(r->src);
	sender_free(r->snd);
	render_free(r->rd);
	codedb_close(r->db);
	state_close(r->st);
	if (r->lockfd > 0)
		close(r->lockfd);
	r->lockfd = -1;
	r->src = NULL;
	r->snd = NULL;
	r->rd = NULL;
	r->db = NULL;
	r->st = NULL;
}

/* SIGHUP: a new config and templates, or the old ones if anything is wrong */
static void
reload(struct run *r)
{
	struct conf nc;
	struct buf errs;
	struct render *nrd;
	int nerr = 0;

	buf_init(&errs, 64 * 1024);
	if (conf_defaults(&nc) < 0)
		goto out;
	if (r->conf_path)
		nerr = conf_load(&nc, r->conf_path, &errs);
	nerr += conf_validate(&nc, &errs);
	if (nerr) {
		log_err("reload refused, keeping the running configuration: %s", buf_cstr(&errs));
		conf_free(&nc);
		goto out;
	}
	nrd = render_load(&nc, &errs);
	if (nrd == NULL) {
		log_err("reload refused (templates), keeping the running configuration: %s",
		    buf_cstr(&errs));
		conf_free(&nc);
		goto out;
	}
	/* drivers borrow the conf: rebuild them on the new one */
	source_free(r->src);
	sender_free(r->snd);
	render_free(r->rd);
	conf_free(&r->conf);
	r->conf = nc;
	r->rd = nrd;
	r->src = source_new(&r->conf);
	r->snd = sender_new(&r->conf);
	r->connected = 0;
	log_info("configuration reloaded from %s", r->conf_path ? r->conf_path : "(defaults)");
out:
	buf_free(&errs);
}

static long
backoff_next(long cur)
{
	long n = cur ? cur * 2 : 1;

	if (n > 300)
		n = 300;
	return n;
}

int
daemon_main(struct conf *c, const char *conf_path, int once)
{
	struct run r;
	struct pipeline p;
	struct buf err;
	int rc;
	long backoff = 0;          /* seconds, source reconnect */
	time_t paused_until = 0, next_purge = 0;

	memset(&r, 0, sizeof(r));
	r.conf = *c;
	memset(c, 0, sizeof(*c));
	r.conf_path = conf_path;
	r.started = time(NULL);
	buf_init(&err, 64 * 1024);
	install_signals();
	/* before any state file is opened, so files are created as the service user */
	if (privdrop(r.conf.user, r.conf.allow_root || getenv("CODEMAILD_ALLOW_ROOT") != NULL,
	    &err) < 0) {
		log_err("%s (set [general] user = codemaild, or allow_root = yes)", buf_cstr(&err));
		rc = EX_NOPERM;
		goto out;
	}
	rc = open_all(&r, &err);
	if (rc != EX_OK) {
		log_err("cannot start: %s", buf_cstr(&err));
		goto out;
	}
	{
		struct policy_conf pc;
		const char *w;

		policy_conf_from(&pc, &r.conf);
		if ((w = policy_conf_warning(&pc)) != NULL)
			log_warn("policy: %s", w);
	}
	log_info("codemaild %s %s: source=%s sender=%s", CODEMAILD_VERSION, once ? "once" : "started",
	    r.conf.source_type, r.conf.sender_type);
	if (!once)
		notify_ready();

	while (!want_stop) {
		enum src_status s = SRC_OK;
		int64_t due;
		long wait_s;
		time_t now;

		if (want_reload) {
			want_reload = 0;
			notify_reloading();
			reload(&r);
			notify_ready();
		}
		notify_watchdog();
		if (codedb_reopen_if_changed(r.db) == 1)
			log_info("reference DB changed on disk: reopened");
		memset(&p, 0, sizeof(p));
		p.conf = &r.conf;
		p.st = r.st;
		p.db = r.db;
		p.rd = r.rd;
		if (!r.connected) {
			s = r.src->ops->open(r.src);
			r.connected = s == SRC_OK;
			if (s == SRC_OK) {
				backoff = 0;
				r.last_error[0] = '\0';
			}
		}
		if (s == SRC_OK) {
			s = pipeline_pass(&p, r.src, time(NULL) >= paused_until ? r.snd : NULL);
			r.last_poll = time(NULL);
		}
		r.answered += p.answered;
		r.ignored += p.ignored;
		r.failed += p.failed;
		if (p.answered + p.ignored + p.failed)
			r.last_event = time(NULL);
		if (s != SRC_OK) {
			util_fmt(r.last_error, sizeof(r.last_error), "%s", r.src->err);
			r.connected = 0;
			r.src->ops->close(r.src);
			if (s == SRC_CONN_FATAL) {
				log_err("source: %s — not retrying fast (check credentials/certificate)", r.src->err);
				backoff = 300;
				rc = EX_UNAVAILABLE;
			} else {
				backoff = backoff_next(backoff);
				log_warn("source: %s — retrying in about %ld s", r.src->err, backoff);
				rc = EX_TEMPFAIL;
			}
		} else
			rc = EX_OK;
		now = time(NULL);
		if (now >= paused_until) {
			int left = pipeline_drain(&p, r.snd);

			r.snd->ops->flush(r.snd);       /* no idle SMTP session while we wait */

			if (left < 0) {
				paused_until = now + r.conf.retry_min;
				log_err("sending paused for %ld s", r.conf.retry_min);
			}
			if (left != 0 && rc == EX_OK)
				rc = EX_TEMPFAIL;
		}
		if (now >= next_purge && !once) {
			long n = state_purge(r.st, (int64_t)now - r.conf.retention_days * 86400L);

			if (n > 0)
				log_info("purged %ld reply bodies past retention", n);
			next_purge = now + r.conf.purge_interval;
		}
		write_status(&r, once ? "once" : "running");
		if (once) {
			if (rc == EX_OK && state_queue_depth(r.st, NULL) > 0)
				rc = EX_TEMPFAIL;
			break;
		}
		/* sleep until mail, the next queue item, a retry, or the poll interval */
		wait_s = r.conf.poll_interval;
		if (wait_s > 20)
			wait_s = 20;      /* feeds the systemd watchdog (WatchdogSec=60) */
		due = state_next_due_in(r.st, (int64_t)now);
		if (due >= 0 && due < wait_s)
			wait_s = due < 1 ? 1 : (long)due;
		if (!r.connected) {
			long j = backoff + (backoff > 1 ? (long)(rand() % (backoff / 4 + 1)) : 0);

			if (j < wait_s)
				wait_s = j;
			if (wait_s < 1)
				wait_s = 1;
			for (long t = 0; t < wait_s && !want_stop && !want_reload; t++)
				sleep(1);
		} else if (!want_stop && !want_reload) {
			int w = r.src->ops->wait(r.src, (int)(wait_s * 1000));

			if (w < 0)
				r.connected = 0;
		}
	}
	if (!once) {
		notify_stopping();
		write_status(&r, "stopped");
		log_info("stopped");
		rc = EX_OK;
	}
out:
	close_all(&r);
	conf_free(&r.conf);
	buf_free(&err);
	return rc;
}
