/* privdrop — leave root for a named unprivileged user, once, for good.
 *
 * codemaild never needs root: under systemd it is started as User=codemaild and this is a
 * no-op. When an admin starts it as root (a shell, cron, an init script), the [general]
 * user key names the account to become, and allow_root = yes is the only way to stay root.
 */
#ifndef CODEMAILD_PRIVDROP_H
#define CODEMAILD_PRIVDROP_H

#include "buf.h"

/* Drops privileges when running as root.
 *
 * Not root (real or effective uid != 0): nothing to do, returns 0 (user is not checked;
 * the caller simply keeps its own identity).
 * Root and user NULL or "": returns 0 if allow_root, else -1 ("refusing to run as root").
 * Root and user given: looks the user up (an unknown user, or one with uid 0 while
 * allow_root is 0, is an error), sets the supplementary groups with initgroups(), then the
 * real, effective and saved gid and uid (setresgid/setresuid), and checks the result:
 * every id is the user's, and setuid(0) fails. Returns 1 when privileges were dropped.
 * Should run before any file of the state is opened, so files are created as the user.
 * On -1 a one-line reason is appended to err (no newline); the process may then be in a
 * half-dropped state and must exit (EX_NOPERM / EX_OSERR). Not thread-safe (getpwnam_r is,
 * but set*id affects the whole process): call it before starting threads. */
int privdrop(const char *user, int allow_root, struct buf *err);

#endif
