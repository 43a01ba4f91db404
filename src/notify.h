/* notify — tell the service manager (systemd, Type=notify) what the daemon is doing.
 *
 * Thin wrapper over sd_notify(3) when built with libsystemd (HAVE_SYSTEMD, set by the
 * Makefile when pkg-config finds it); every function is a no-op otherwise, and also when
 * the daemon was not started by systemd ($NOTIFY_SOCKET unset). Never fails from the
 * caller's point of view: errors are ignored, the daemon works the same without a manager.
 *
 * Protocol in the daemon:
 *   start-up done (config read, DBs open, first connection tried) -> notify_ready()
 *   every main-loop turn, and at least every notify_watchdog_usec()/2 -> notify_watchdog()
 *   SIGHUP: notify_reloading(), reload, then notify_ready() again (also if the new config
 *   was rejected: the old one keeps running)
 *   SIGTERM: notify_stopping() before draining and exiting
 *   notify_status("idle; 0 queued") whenever the one-line state changes */
#ifndef CODEMAILD_NOTIFY_H
#define CODEMAILD_NOTIFY_H

void notify_ready(void);                 /* READY=1 */
void notify_reloading(void);             /* RELOADING=1 + MONOTONIC_USEC (systemd >= 253) */
void notify_stopping(void);              /* STOPPING=1 */
/* WATCHDOG=1, sent only when the manager asked for it ($WATCHDOG_USEC set for this pid),
 * and at most once a second: safe to call from the main loop AND from progress callbacks
 * of long network operations (curl XFERINFOFUNCTION, libetpan progress), which is where a
 * blocking SMTP/IMAP exchange longer than WatchdogSec must feed it. */
void notify_watchdog(void);
/* The watchdog timeout in microseconds, 0 when there is none: feed at half of it. */
unsigned long long notify_watchdog_usec(void);
/* STATUS=text. text is borrowed; newlines become spaces, and it is cut at 200 bytes. */
void notify_status(const char *text);

#endif
