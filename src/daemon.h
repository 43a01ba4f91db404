/* daemon — the main loop: wait for mail (IDLE/inotify/poll), handle it, drain the queue,
 * keep the status file, reload on SIGHUP, stop on SIGTERM/SIGINT. Signal handlers only set
 * flags; the loop acts on them. */
#ifndef CODEMAILD_DAEMON_H
#define CODEMAILD_DAEMON_H

#include "conf.h"

/* once = 1: one pass (handle new mail, drain the queue), then return.
 * conf_path is re-read on SIGHUP (NULL: defaults only). Takes ownership of *c (it may be
 * replaced by a reloaded config; freed before returning). Returns a sysexits.h code. */
int daemon_main(struct conf *c, const char *conf_path, int once);

#endif
