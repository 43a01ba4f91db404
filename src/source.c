/* source — driver factory and the item list shared by the drivers. See source.h. */
#include "source.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"

struct source *
source_new(const struct conf *conf)
{
	struct source *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->conf = conf;
	s->ops = conf->source_type == CONF_SOURCE_IMAP ? &src_imap_ops : &src_maildir_ops;
	return s;
}

void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s);
}

int
src_list_push(struct src_list *l, const struct src_item *it)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct src_item *p = realloc(l->items, ncap * sizeof(*p));

		if (p == NULL)
			return -1;
		l->items = p;
		l->cap = ncap;
	}
	l->items[l->n++] = *it;
	return 0;
}

void
src_list_free(struct src_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}
