/* daemon — see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <json-c/json.h>
#include <pthread.h>
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

/* The sender runs in its own thread with its own state DB connection, so a silent or
 * stopped SMTP server never holds up the intake (fetch, decide, commit, mark). The intake
 * wakes it after each group that queued replies; it also wakes for the next due retry.
 * All signals are blocked in it: the main thread gets them and stops it with a flag
 * (curl notices within about a second). */
struct sendthr {
	pthread_t t;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int kicked;                     /* under mu */
	volatile sig_atomic_t stop;
	const struct conf *conf;        /* borrowed; the thread is stopped across a reload */
	struct state *st;               /* its own connection */
	struct sender *snd;
	char fault[384];                /* under mu: the state fault that holds sending, "" */
	int paused;                     /* under mu: sending paused (PAUSE, breaker, fault) */
};

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
	char intake_fault[300];   /* the state DB cannot record new questions, "" */
	time_t intake_fault_since;
	struct sendthr sender;
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
	json_object_object_add(o, "source", json_object_new_string(conf_source_name(r->conf.source_type)));
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
	{
		/* state faults: why questions or sent replies cannot be recorded right now */
		char sf[800] = "";

		if (r->sender.running) {
			pthread_mutex_lock(&r->sender.mu);
			util_fmt(sf, sizeof(sf), "%s", r->sender.fault);
			pthread_mutex_unlock(&r->sender.mu);
		}
		if (*r->intake_fault)
			util_fmt(sf + strlen(sf), sizeof(sf) - strlen(sf), "%snew questions: %s (since "
			    "%ld s)", *sf ? "; " : "", r->intake_fault,
			    (long)(time(NULL) - r->intake_fault_since));
		json_object_object_add(o, "state_fault", json_object_new_string(sf));
	}
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
		return errno == EIO ? EX_IOERR : EX_CANTCREAT;
	/* a state DB that cannot be written would mean answering without a record: refuse */
	switch (state_check_writable(r->st, err)) {
	case 0:
		break;
	case -1:
		return EX_CANTCREAT;
	default:
		return EX_IOERR;
	}
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

static void *
sender_main(void *arg)
{
	struct sendthr *t = arg;
	struct pipeline p;
	time_t paused_until = 0;

	memset(&p, 0, sizeof(p));
	p.conf = t->conf;
	p.st = t->st;
	p.stop = &t->stop;
	while (!t->stop) {
		time_t now = time(NULL);
		long wait_s = 20, retry_in = 0;
		int64_t due;
		char why[384] = "";
		int fault;

		if (now >= paused_until) {
			int left = pipeline_drain(&p, t->snd);

			t->snd->ops->flush(t->snd);     /* no idle SMTP session while we wait */
			fault = pipeline_send_fault(why, sizeof(why), &retry_in);
			if (left < 0 && !t->stop) {
				if (fault)
					paused_until = time(NULL) + (retry_in > 0 ? retry_in : 1);
				else {
					paused_until = time(NULL) + t->conf->retry_min;
					log_err("sending paused for %ld s", t->conf->retry_min);
				}
			}
			pthread_mutex_lock(&t->mu);
			util_fmt(t->fault, sizeof(t->fault), "%s%s", fault ? "sending: " : "", why);
			t->paused = left < 0;
			pthread_mutex_unlock(&t->mu);
		}
		now = time(NULL);
		if (paused_until > now)
			wait_s = (long)(paused_until - now);
		else if ((due = state_next_due_in(t->st, (int64_t)now)) >= 0 && due < wait_s)
			wait_s = due < 1 ? 1 : (long)due;
		if (wait_s > 20)
			wait_s = 20;
		pthread_mutex_lock(&t->mu);
		if (!t->kicked && !t->stop) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += wait_s;
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
		}
		t->kicked = 0;
		pthread_mutex_unlock(&t->mu);
	}
	pipeline_drain_finish(&p);
	t->snd->ops->flush(t->snd);
	return NULL;
}

/* pipeline's queued() hook: new replies are in the queue */
static void
sender_kick(void *ctx)
{
	struct sendthr *t = ctx;

	if (!t->running)
		return;
	pthread_mutex_lock(&t->mu);
	t->kicked = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static int
sender_start(struct run *r, struct buf *err)
{
	struct sendthr *t = &r->sender;
	pthread_condattr_t ca;
	sigset_t all, old;
	int e;

	memset(t, 0, sizeof(*t));
	t->conf = &r->conf;
	t->st = state_open(r->conf.state_db, err);
	if (t->st == NULL)
		return -1;
	/* it waits for the intake's group transaction (which may hold the lock for a while),
	 * never past a stop request */
	state_set_wait(t->st, 60000, &t->stop);
	t->snd = sender_new(&r->conf);
	if (t->snd == NULL) {
		state_close(t->st);
		buf_addstr(err, "out of memory");
		return -1;
	}
	t->snd->stop = &t->stop;
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&t->t, NULL, sender_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		buf_printf(err, "cannot start the sender thread: %s", strerror(e));
		sender_free(t->snd);
		state_close(t->st);
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->cv);
		return -1;
	}
	t->running = 1;
	return 0;
}

static void
sender_stop(struct run *r)
{
	struct sendthr *t = &r->sender;

	if (!t->running)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (t->snd->ops->abort != NULL)
		t->snd->ops->abort(t->snd);       /* a server silent after DATA: break the wait */
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 3;
		if (pthread_timedjoin_np(t->t, NULL, &ts) != 0) {
			/* never seen; the process exits anyway: SQLite's WAL is crash-safe and an
			 * unrecorded reply is at most sent once more */
			log_err("the sender did not stop within 3 s: leaving it");
			t->running = 0;
			return;
		}
	}
	t->running = 0;
	sender_free(t->snd);
	state_close(t->st);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	t->snd = NULL;
	t->st = NULL;
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
	long fault_backoff = 0;    /* seconds, state DB cannot record new questions */
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
	    conf_source_name(r.conf.source_type), conf_sender_name(r.conf.sender_type));
	/* lock waits give up at once on SIGTERM */
	state_set_wait(r.st, 10000, &want_stop);
	if (once)
		r.snd->stop = &want_stop;
	else if (sender_start(&r, &err) < 0) {
		log_err("cannot start: %s", buf_cstr(&err));
		rc = EX_OSERR;
		goto out;
	}
	if (!once)
		notify_ready();

	while (!want_stop) {
		enum src_status s = SRC_OK;
		long wait_s;
		time_t now;

		if (want_reload) {
			want_reload = 0;
			notify_reloading();
			sender_stop(&r);         /* it borrows the conf that reload replaces */
			reload(&r);
			if (sender_start(&r, &err) < 0) {
				log_err("cannot restart the sender after the reload: %s", buf_cstr(&err));
				rc = EX_OSERR;
				break;
			}
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
		p.stop = &want_stop;
		if (!once) {
			p.queued = sender_kick;
			p.queued_ctx = &r.sender;
		}
		if (!r.connected) {
			s = r.src->ops->open(r.src);
			r.connected = s == SRC_OK;
			if (s == SRC_OK) {
				backoff = 0;
				r.last_error[0] = '\0';
			}
		}
		if (s == SRC_OK) {
			/* run: the sender thread sends; once: between groups, as before */
			s = pipeline_pass(&p, r.src, once && time(NULL) >= paused_until ? r.snd : NULL);
			r.last_poll = time(NULL);
		}
		r.answered += p.answered;
		r.ignored += p.ignored;
		r.failed += p.failed;
		if (p.answered + p.ignored + p.failed)
			r.last_event = time(NULL);
		if (p.state_fault) {
			/* the state DB, not the mailbox: keep the connection, say it once */
			if (!*r.intake_fault) {
				log_err("%s: new questions cannot be recorded; they stay unmarked at the "
				    "source and are handled once the state DB can be written", p.err);
				r.intake_fault_since = time(NULL);
			}
			util_fmt(r.intake_fault, sizeof(r.intake_fault), "%s", p.err);
			fault_backoff = backoff_next(fault_backoff);
			if (fault_backoff > 60)
				fault_backoff = 60;
			rc = EX_TEMPFAIL;
		} else if (s != SRC_OK) {
			const char *why = *r.src->err ? r.src->err : *p.err ? p.err : "unknown error";

			util_fmt(r.last_error, sizeof(r.last_error), "%s", why);
			r.connected = 0;
			r.src->ops->close(r.src);
			if (s == SRC_CONN_FATAL) {
				log_err("source: %s — not retrying fast (check credentials/certificate)", why);
				backoff = 300;
				rc = EX_UNAVAILABLE;
			} else {
				backoff = backoff_next(backoff);
				log_warn("source: %s — retrying in about %ld s", why, backoff);
				rc = EX_TEMPFAIL;
			}
		} else
			rc = EX_OK;
		if (!p.state_fault && *r.intake_fault && s == SRC_OK &&
		    (p.answered + p.ignored + p.failed > 0 || state_check_writable(r.st, NULL) == 0)) {
			log_warn("state DB: new questions are recorded again (the fault lasted %ld s)",
			    (long)(time(NULL) - r.intake_fault_since));
			r.intake_fault[0] = '\0';
			fault_backoff = 0;
		}
		now = time(NULL);
		if (once && now >= paused_until) {
			int left = pipeline_drain(&p, r.snd);

			r.snd->ops->flush(r.snd);       /* no idle SMTP session while we wait */
			if (left < 0) {
				paused_until = now + r.conf.retry_min;
				log_err("sending paused for %ld s", r.conf.retry_min);
			}
			if (left != 0 && rc == EX_OK)
				rc = EX_TEMPFAIL;
			if (pipeline_drain_finish(&p) > 0 && rc == EX_OK)
				rc = EX_IOERR;
		}
		if (now >= next_purge && !once) {
			long n = state_purge(r.st, (int64_t)now - r.conf.retention_days * 86400L);

			if (n > 0)
				log_info("purged %ld reply bodies past retention", n);
			next_purge = now + r.conf.purge_interval;
		}
		write_status(&r, once ? "once" : "running");
		if (once) {
			if (rc == EX_OK && state_queue_depth(r.st, NULL) != 0)
				rc = EX_TEMPFAIL;
			break;
		}
		/* sleep until mail, a retry, or the poll interval (the sender thread keeps its
		 * own time for the queue) */
		wait_s = r.conf.poll_interval;
		if (wait_s > 20)
			wait_s = 20;      /* feeds the systemd watchdog (WatchdogSec=60) */
		if (*r.intake_fault && fault_backoff < wait_s)
			wait_s = fault_backoff;
		if (!r.connected || *r.intake_fault) {
			long j = r.connected ? wait_s :
			    backoff + (backoff > 1 ? (long)(rand() % (backoff / 4 + 1)) : 0);

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
	sender_stop(&r);
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
