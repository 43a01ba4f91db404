/* sender — factory for the reply senders. See sender.h. */
#include "sender.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"

struct sender *
sender_new(const struct conf *conf)
{
	struct sender *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->conf = conf;
	s->ops = conf->sender_type == CONF_SENDER_SMTP ? &smtp_ops : &outbox_ops;
	return s;
}

void
sender_free(struct sender *s)
{
	if (s == NULL)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s);
}
