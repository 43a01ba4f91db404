/* extract — STUB until the extractor lands (issue #3): finds nothing. */
#include "extract.h"

#include <stdlib.h>
#include <string.h>

const char *extract_kind_name(enum code_kind k) { (void)k; return "code"; }
const char *extract_kind_key(enum code_kind k) { (void)k; return "code"; }
const char *extract_intent_name(int bit) { (void)bit; return "other"; }
const char *extract_command_name(int bit) { (void)bit; return "help"; }
int extract_init(void) { return 0; }
void extract_fini(void) { }

int
extract_run(const char *subject, const char *text, const struct ex_opts *opts,
    struct ex_result *out)
{
	(void)subject; (void)text; (void)opts;
	memset(out, 0, sizeof(*out));
	return 0;
}

void
extract_result_free(struct ex_result *r)
{
	free(r->codes);
	free(r->skipped);
	free(r->mods);
	free(r->dates);
	free(r->token);
	memset(r, 0, sizeof(*r));
}
