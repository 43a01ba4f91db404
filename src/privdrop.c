/* privdrop — see privdrop.h. */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int
privdrop(const char *user, int allow_root, struct buf *err)
{
	struct passwd pw, *res = NULL;
	char *pwbuf = NULL;
	long sz;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int r, rc = -1;

	if (getuid() != 0 && geteuid() != 0)
		return 0;
	if (user == NULL || *user == '\0') {
		if (allow_root)
			return 0;
		buf_addstr(err, "refusing to run as root: set [general] user = NAME to drop "
		    "privileges, or allow_root = yes");
		return -1;
	}
	sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	if (sz < 1024)
		sz = 16384;
	pwbuf = malloc((size_t)sz);
	if (pwbuf == NULL) {
		buf_addstr(err, "out of memory");
		goto out;
	}
	r = getpwnam_r(user, &pw, pwbuf, (size_t)sz, &res);
	if (res == NULL) {
		if (r != 0)
			buf_printf(err, "cannot look up user '%s': %s", user, strerror(r));
		else
			buf_printf(err, "unknown user '%s' ([general] user)", user);
		goto out;
	}
	if (pw.pw_uid == 0) {
		if (allow_root) {
			rc = 0;
			goto out;
		}
		buf_printf(err, "refusing to run as root: user '%s' has uid 0", user);
		goto out;
	}
	if (initgroups(pw.pw_name, pw.pw_gid) < 0) {
		buf_printf(err, "initgroups(%s): %s", user, strerror(errno));
		goto out;
	}
	if (setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) < 0) {
		buf_printf(err, "setresgid(%lu): %s", (unsigned long)pw.pw_gid, strerror(errno));
		goto out;
	}
	if (setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) < 0) {
		buf_printf(err, "setresuid(%lu): %s", (unsigned long)pw.pw_uid, strerror(errno));
		goto out;
	}
	/* Trust, but verify: all three ids changed and root cannot be regained. */
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 ||
	    ruid != pw.pw_uid || euid != pw.pw_uid || suid != pw.pw_uid ||
	    rgid != pw.pw_gid || egid != pw.pw_gid || sgid != pw.pw_gid) {
		buf_printf(err, "privileges of '%s' not fully taken", user);
		goto out;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		buf_addstr(err, "could regain root after dropping privileges");
		goto out;
	}
	rc = 1;
out:
	free(pwbuf);
	return rc;
}
