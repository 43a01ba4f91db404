/* libFuzzer target: policy. Each input is (1) parsed as a message and judged by
 * policy_check() under three settings (dmarc / aligned+answer / none, no authserv-id), and
 * (2) given whole to policy_ar_parse() as one Authentication-Results value, whose domains
 * are then compared with policy_domain_aligned(). Checks the verdict's invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_verdict(const struct verdict *v, int r)
{
	if (r != v->answer || (r != 0 && r != 1) || !policy_reason_known(v->reason) ||
	    memchr(v->detail, '\0', sizeof(v->detail)) == NULL || v->auth_method == NULL ||
	    v->auth_state_text == NULL || (v->authenticated && v->auth_state != POLICY_AS_PASS))
		abort();
	if (v->answer != (strncmp(v->reason, "ok", 2) == 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct policy_conf confs[3] = {
		{ "consult@codes.example.com", "help@codes.example.com",
		  "mx.codes.example.com", POLICY_AUTH_DMARC, POLICY_UNAUTH_IGNORE, 30, 1,
		  "X-Codemaild-Loop", 0 },
		{ "consult@codes.example.com", "help@codes.example.com, a@b.test",
		  "mx.codes.example.com,mx.google.com,mx.example.test", POLICY_AUTH_ALIGNED,
		  POLICY_UNAUTH_ANSWER, 5, 0, "X-Loop-Test", 1 },
		{ "consult@codes.example.com", NULL, NULL, POLICY_AUTH_NONE, POLICY_UNAUTH_IGNORE,
		  0, 1, NULL, 1 },
	};
	struct message *m;
	struct verdict v;
	struct policy_ar ar;
	char *s;
	size_t i;

	m = message_parse((const char *)data, size, NULL);
	if (m) {
		for (i = 0; i < 3; i++)
			check_verdict(&v, policy_check(m, &confs[i], &v));
		message_free(m);
	}
	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (policy_ar_parse(s, &ar) == 0) {
		if (ar.nresults > POLICY_AR_MAX_RESULTS)
			abort();
		for (i = 0; i < ar.nresults; i++) {
			const struct policy_ar_result *r = &ar.results[i];

			if (!r->method[0] || !r->result[0])
				abort();
			(void)policy_domain_aligned(r->header_d, r->header_from);
			(void)policy_domain_aligned(r->smtp_mailfrom, r->header_i);
		}
	} else if (ar.authserv_id[0] || ar.nresults) {
		abort();
	}
	free(s);
	return 0;
}
