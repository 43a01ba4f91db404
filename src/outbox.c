/* outbox — the file sender: each reply becomes a complete .eml in the outbox directory,
 * written durably (temp file, fsync, rename, fsync dir). The file name is derived from the
 * reply's Message-ID, so sending the same queued reply twice (a crash between the write and
 * the queue update) rewrites the same file: the outbox never holds a duplicate. An
 * "X-Codemaild-Envelope" first line is NOT added: the envelope goes to NAME.env beside it. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "sender.h"
#include "util.h"

static void
safe_name(const char *msgid, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; msgid[i] && o + 1 < outlen; i++) {
		char c = msgid[i];

		out[o++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_') ? c : '_';
	}
	out[o] = '\0';
}

/* Temporary files left by a killed writer ("NAME.tmp.PID") are removed once per process:
 * their reply is still queued and will be written again. */
static void
outbox_sweep(const char *dir)
{
	static int done;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (done)
		return;
	done = 1;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp.") && util_fmt(path, sizeof(path), "%s/%s", dir, de->d_name) == 0)
			unlink(path);
	closedir(d);
}

static enum send_status
outbox_send(struct sender *s, const char *id, const char *env_from, const char *rcpt,
    const char *data, size_t len, char *detail, size_t detail_len)
{
	char name[200], path[PATH_MAX], env[1024];

	safe_name(id, name, sizeof(name));
	outbox_sweep(s->conf->outbox);
	if (util_mkdirs(s->conf->outbox, 0700) < 0 ||
	    util_fmt(path, sizeof(path), "%s/%s.env", s->conf->outbox, name) < 0 ||
	    util_fmt(env, sizeof(env), "MAIL FROM:<%s>\nRCPT TO:<%s>\n", env_from, rcpt) < 0 ||
	    util_write_file_atomic(path, env, strlen(env), 0600) < 0 ||
	    util_fmt(path, sizeof(path), "%s/%s.eml", s->conf->outbox, name) < 0 ||
	    util_write_file_atomic(path, data, len, 0600) < 0) {
		util_fmt(detail, detail_len, "outbox %s: %s", s->conf->outbox, strerror(errno));
		return SEND_TEMP;
	}
	util_fmt(detail, detail_len, "written %s.eml", name);
	return SEND_OK;
}

static void
outbox_noop(struct sender *s)
{
	(void)s;
}

const struct sender_ops outbox_ops = { "file", outbox_send, outbox_noop, outbox_noop, NULL, NULL };
