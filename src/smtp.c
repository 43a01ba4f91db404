/* smtp — STUB until the SMTP sender lands (issue #4). */
#include <stdio.h>

#include "sender.h"

static enum send_status
smtp_send(struct sender *s, const char *id, const char *f, const char *r, const char *d,
    size_t l, char *detail, size_t dl)
{
	(void)s; (void)id; (void)f; (void)r; (void)d; (void)l;
	snprintf(detail, dl, "SMTP support is not built yet");
	return SEND_PAUSE;
}

static void smtp_noop(struct sender *s) { (void)s; }

const struct sender_ops smtp_ops = { "smtp", smtp_send, smtp_noop, smtp_noop };
