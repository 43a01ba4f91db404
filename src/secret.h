/* secret — passwords and OAuth2 tokens, read from a file, a systemd credential or a command.
 *
 * Secrets never come from the main config in clear text and never reach a log line: error
 * texts name the file or the command's exit status, never content. A buffer holding a
 * secret should be released with secret_wipe(). */
#ifndef CODEMAILD_SECRET_H
#define CODEMAILD_SECRET_H

#include <stddef.h>

#include "buf.h"

#define SECRET_MAX        (64u * 1024)  /* a password or an access token */
#define SECRET_CMD_TIMEOUT 30           /* seconds for oauth2_token_command */

/* Reads the secret named by spec into out (replacing its content): an absolute or relative
 * path, or, when $CREDENTIALS_DIRECTORY is set and spec is a bare name (no '/') found there,
 * that systemd credential. The trailing newline (LF or CRLF) is trimmed. Warns once if the
 * file is readable by group or others. 0 ok; -1 with a reason in err (no secret content). */
int secret_read(const char *spec, struct buf *out, char *err, size_t errlen);

/* Runs cmd with /bin/sh -c, stdin from /dev/null, and takes its standard output as the
 * secret (first line, trailing newline trimmed). Killed after timeout_s seconds. 0 ok; -1 on
 * a non-zero exit, a timeout, empty output or more than SECRET_MAX bytes (reason in err). */
int secret_command(const char *cmd, int timeout_s, struct buf *out, char *err, size_t errlen);

/* Overwrites the buffer's bytes and frees it. */
void secret_wipe(struct buf *b);

#endif
