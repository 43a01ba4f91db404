/* secret — see secret.h. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static void
trim_newline(struct buf *b)
{
	size_t n = b->len;

	while (n > 0 && (b->data[n - 1] == '\n' || b->data[n - 1] == '\r'))
		n--;
	buf_truncate(b, n);
}

void
secret_wipe(struct buf *b)
{
	if (b->data != NULL && b->cap > 0)
		explicit_bzero(b->data, b->cap);
	buf_free(b);
}

int
secret_read(const char *spec, struct buf *out, char *err, size_t errlen)
{
	char path[4096];
	const char *credir = getenv("CREDENTIALS_DIRECTORY");
	struct stat st;
	int fd = -1, rc = -1;

	if (spec == NULL || *spec == '\0') {
		snprintf(err, errlen, "no secret file configured");
		return -1;
	}
	if (strlen(spec) >= sizeof(path)) {
		snprintf(err, errlen, "secret path too long");
		return -1;
	}
	memcpy(path, spec, strlen(spec) + 1);
	if (credir != NULL && *credir != '\0' && strchr(spec, '/') == NULL) {
		int n = snprintf(path, sizeof(path), "%s/%s", credir, spec);

		if (n < 0 || (size_t)n >= sizeof(path) || access(path, R_OK) != 0)
			memcpy(path, spec, strlen(spec) + 1);   /* not a credential: a relative file */
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open secret file %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0)
		log_warn("secret file %s is readable by group or others (mode %03o); chmod 600 it",
		         path, (unsigned)(st.st_mode & 0777));
	buf_reset(out);
	if (util_read_fd(fd, SECRET_MAX, out) < 0) {
		snprintf(err, errlen, "cannot read secret file %s: %s", path,
		         errno == EFBIG ? "too large" : strerror(errno));
		secret_wipe(out);
		goto out;
	}
	trim_newline(out);
	if (out->len == 0) {
		snprintf(err, errlen, "secret file %s is empty", path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int
secret_command(const char *cmd, int timeout_s, struct buf *out, char *err, size_t errlen)
{
	int pfd[2] = { -1, -1 }, devnull = -1, status = 0, rc = -1, timed_out = 0;
	pid_t pid = -1;
	double deadline = util_mono() + (timeout_s > 0 ? timeout_s : SECRET_CMD_TIMEOUT);
	char chunk[4096];
	char *nl;

	buf_reset(out);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = (int)((deadline - util_mono()) * 1000);
		ssize_t n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			timed_out = n == 0;
			break;
		}
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > SECRET_MAX || buf_add(out, chunk, (size_t)n) < 0) {
			snprintf(err, errlen, "token command printed more than %u bytes", SECRET_MAX);
			kill(-pid, SIGKILL);
			goto reap;
		}
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		snprintf(err, errlen, "token command timed out after %d s", timeout_s);
		goto reap;
	}
	explicit_bzero(chunk, sizeof(chunk));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "token command failed (%s %d)",
		         WIFEXITED(status) ? "exit status" : "signal",
		         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		goto out;
	}
	nl = out->data != NULL ? memchr(out->data, '\n', out->len) : NULL;
	if (nl != NULL)
		buf_truncate(out, (size_t)(nl - out->data));
	trim_newline(out);
	if (out->len == 0) {
		snprintf(err, errlen, "token command printed nothing");
		goto out;
	}
	rc = 0;
	goto out;
reap:
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
out:
	explicit_bzero(chunk, sizeof(chunk));
	if (rc != 0)
		secret_wipe(out);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return rc;
}
