/* src_maildir — the Maildir source driver.
 *
 * Claiming: a message in new/ is renamed to cur/NAME:2, (as Maildir clients do when they
 * first see a message). A message in cur/ without the S flag is claimed but not done.
 * Marking: answered -> cur/NAME:2,RS; ignored -> cur/NAME:2,S; failed -> set aside (never
 * deleted) into the Maildir++ folder .Failed/cur/NAME:2,S. The source id is the unique part
 * of the file name (before ':'), so it stays the same across every rename. A crash at any
 * point leaves the message either in new/, or in cur/ without S (seen again next pass), or
 * done: never lost. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "source.h"
#include "util.h"

struct md {
	char root[PATH_MAX];
	int  ino;          /* inotify fd, or -1 */
};

static int
md_path(char *out, size_t outlen, const char *root, const char *sub, const char *name)
{
	return util_fmt(out, outlen, "%s/%s%s%s", root, sub, name ? "/" : "", name ? name : "");
}

static enum src_status
md_open(struct source *s)
{
	struct md *m = s->priv;
	static const char *subs[] = { "new", "cur", "tmp", ".Failed/new", ".Failed/cur", ".Failed/tmp" };
	char p[PATH_MAX];
	size_t i;

	if (m == NULL) {
		m = calloc(1, sizeof(*m));
		if (m == NULL)
			return SRC_CONN_TEMP;
		m->ino = -1;
		s->priv = m;
	}
	if (util_fmt(m->root, sizeof(m->root), "%s", s->conf->maildir) < 0)
		return SRC_BOX_BAD;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (md_path(p, sizeof(p), m->root, subs[i], NULL) < 0 || util_mkdirs(p, 0700) < 0) {
			util_fmt(s->err, sizeof(s->err), "maildir %s: %s", p, strerror(errno));
			return SRC_BOX_BAD;
		}
	}
	if (m->ino < 0) {
		m->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (m->ino >= 0) {
			md_path(p, sizeof(p), m->root, "new", NULL);
			if (inotify_add_watch(m->ino, p, IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE) < 0) {
				close(m->ino);
				m->ino = -1;
			}
		}
	}
	return SRC_OK;
}

/* unique part of a Maildir file name: up to the ':' info separator */
static void
md_unique(const char *name, char *out, size_t outlen)
{
	const char *colon = strchr(name, ':');
	size_t n = colon ? (size_t)(colon - name) : strlen(name);

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, name, n);
	out[n] = '\0';
}

static int
md_has_flag(const char *name, char flag)
{
	const char *info = strstr(name, ":2,");

	return info && strchr(info + 3, flag) != NULL;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct src_item *x = a, *y = b;

	return strcmp(x->name, y->name);   /* Maildir names start with the delivery time */
}

static int
md_add(struct source *s, struct src_list *out, const char *name)
{
	struct src_item it;
	char unique[200], p[PATH_MAX];
	struct stat sb;
	struct md *m = s->priv;

	memset(&it, 0, sizeof(it));
	md_unique(name, unique, sizeof(unique));
	if (util_fmt(it.id, sizeof(it.id), "maildir:%s", unique) < 0 ||
	    util_fmt(it.name, sizeof(it.name), "%s", name) < 0) {
		log_warn("maildir: file name too long, skipped (rename it): %.60s…", name);
		return 0;
	}
	if (md_path(p, sizeof(p), m->root, "cur", name) == 0 && stat(p, &sb) == 0)
		it.size = (size_t)sb.st_size;
	return src_list_push(out, &it);
}

static enum src_status
md_list_new(struct source *s, struct src_list *out)
{
	struct md *m = s->priv;
	char dir[PATH_MAX], from[PATH_MAX], to[PATH_MAX], name[NAME_MAX + 8];
	struct dirent *de;
	DIR *d;

	/* claim everything in new/ */
	md_path(dir, sizeof(dir), m->root, "new", NULL);
	if ((d = opendir(dir)) == NULL) {
		util_fmt(s->err, sizeof(s->err), "maildir %s: %s", dir, strerror(errno));
		return SRC_BOX_BAD;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (util_fmt(name, sizeof(name), "%s%s", de->d_name,
		    strchr(de->d_name, ':') ? "" : ":2,") < 0)
			continue;
		if (md_path(from, sizeof(from), m->root, "new", de->d_name) < 0 ||
		    md_path(to, sizeof(to), m->root, "cur", name) < 0)
			continue;
		if (rename(from, to) < 0 && errno != ENOENT)
			log_warn("maildir: cannot claim a message: %s", strerror(errno));
	}
	closedir(d);

	/* everything claimed and not yet done */
	md_path(dir, sizeof(dir), m->root, "cur", NULL);
	if ((d = opendir(dir)) == NULL) {
		util_fmt(s->err, sizeof(s->err), "maildir %s: %s", dir, strerror(errno));
		return SRC_BOX_BAD;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || md_has_flag(de->d_name, 'S'))
			continue;
		if (md_add(s, out, de->d_name) < 0) {
			closedir(d);
			return SRC_CONN_TEMP;
		}
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->items, out->n, sizeof(out->items[0]), item_cmp);
	return SRC_OK;
}

static enum src_status
md_fetch(struct source *s, const struct src_item *it, struct buf *raw)
{
	struct md *m = s->priv;
	char p[PATH_MAX];

	if (md_path(p, sizeof(p), m->root, "cur", it->name) < 0)
		return SRC_MSG_BAD;
	if (util_read_file(p, raw->max, raw) < 0) {
		util_fmt(s->err, sizeof(s->err), "read %s: %s", it->name, strerror(errno));
		return errno == EFBIG ? SRC_MSG_BAD : SRC_CONN_TEMP;
	}
	return SRC_OK;
}

static enum src_status
md_mark(struct source *s, const struct src_item *it, enum src_outcome o)
{
	struct md *m = s->priv;
	char unique[200], from[PATH_MAX], to[PATH_MAX], name[300];
	const char *flags = o == SRC_DONE_ANSWERED ? "RS" : "S";
	const char *dir = o == SRC_DONE_FAILED ? ".Failed/cur" : "cur";

	md_unique(it->name, unique, sizeof(unique));
	if (util_fmt(name, sizeof(name), "%s:2,%s", unique, flags) < 0)
		return SRC_MSG_BAD;
	if (md_path(from, sizeof(from), m->root, "cur", it->name) < 0 ||
	    md_path(to, sizeof(to), m->root, dir, name) < 0)
		return SRC_MSG_BAD;
	if (rename(from, to) < 0) {
		struct stat sb;

		if (errno == ENOENT && stat(to, &sb) == 0)
			return SRC_OK;          /* already marked (idempotent) */
		util_fmt(s->err, sizeof(s->err), "mark %s: %s", it->name, strerror(errno));
		return SRC_MSG_BAD;
	}
	md_path(from, sizeof(from), m->root, dir, NULL);
	util_fsync_dir(from);
	return SRC_OK;
}

static int
md_wait(struct source *s, int timeout_ms)
{
	struct md *m = s->priv;
	struct pollfd pfd;
	char ev[4096];
	int r;

	if (m == NULL || m->ino < 0) {
		poll(NULL, 0, timeout_ms);
		return 0;
	}
	pfd.fd = m->ino;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, timeout_ms);
	if (r > 0) {
		while (read(m->ino, ev, sizeof(ev)) > 0)
			;
		return 1;
	}
	return 0;
}

static void
md_close(struct source *s)
{
	struct md *m = s->priv;

	if (m) {
		if (m->ino >= 0)
			close(m->ino);
		free(m);
	}
	s->priv = NULL;
}

const struct source_ops src_maildir_ops = {
	.name = "maildir",
	.open = md_open,
	.list_new = md_list_new,
	.fetch = md_fetch,           /* no prefetch: a file read has no round trip to save */
	.mark = md_mark,
	.wait = md_wait,
	.close = md_close,
};
