/* policy — TEMPORARY minimal answer-or-not verdict (the full module lands with issue #7). */
#ifndef CODEMAILD_POLICY_H
#define CODEMAILD_POLICY_H

struct conf;
struct message;

struct policy_conf {
	const char *consultant_address;
	const char *aliases;
	const char *loop_header;
};

struct verdict {
	int answer;
	const char *reason;
	char detail[160];
	int authenticated;
};

void policy_conf_from(struct policy_conf *pc, const struct conf *c);
int  policy_check(const struct message *m, const struct policy_conf *pc, struct verdict *v);

#endif
