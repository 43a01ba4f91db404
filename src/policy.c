/* policy — TEMPORARY minimal verdict: RFC 3834 basics. Replaced by the policy module. */
#include "policy.h"

#include <string.h>

#include "conf.h"
#include "message.h"
#include "util.h"

void
policy_conf_from(struct policy_conf *pc, const struct conf *c)
{
	pc->consultant_address = c->consultant_address;
	pc->aliases = c->aliases;
	pc->loop_header = c->loop_header;
}

static int
verdict(struct verdict *v, int answer, const char *reason)
{
	v->answer = answer;
	v->reason = reason;
	v->detail[0] = '\0';
	return 0;
}

int
policy_check(const struct message *m, const struct policy_conf *pc, struct verdict *v)
{
	const char *as = message_header(m, "Auto-Submitted", 0);
	const char *prec = message_header(m, "Precedence", 0);
	size_t i;

	v->authenticated = 0;
	if (as && !util_strncaseeq(as, "no", 2))
		return verdict(v, 0, "auto-submitted");
	for (i = 0; i < m->nheaders; i++)
		if (util_strncaseeq(m->headers[i].name, "List-", 5))
			return verdict(v, 0, "list-header");
	if (prec && (util_strcasestr(prec, "bulk") || util_strcasestr(prec, "list") ||
	    util_strcasestr(prec, "junk")))
		return verdict(v, 0, "precedence-bulk");
	if (message_header(m, pc->loop_header, 0))
		return verdict(v, 0, "own-loop-header");
	if (m->from.addr == NULL || *m->from.addr == '\0')
		return verdict(v, 0, "null-sender");
	if (util_strcaseeq(m->from.addr, pc->consultant_address) ||
	    conf_list_has(pc->aliases, m->from.addr))
		return verdict(v, 0, "own-address");
	if (util_strncaseeq(m->from.addr, "mailer-daemon@", 14) ||
	    util_strncaseeq(m->from.addr, "postmaster@", 11))
		return verdict(v, 0, "mailer-daemon");
	return verdict(v, 1, "ok");
}
