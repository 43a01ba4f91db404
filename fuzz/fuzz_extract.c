/* libFuzzer target: extract_run on arbitrary bytes, as the text, as the subject, and
 * split in two at the first NUL (subject, text). Also exercises the known() callback
 * and a small cap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fz_known(void *ctx, const char *code, enum code_kind kind)
{
	size_t n = strlen(code);

	(void)ctx;
	if (n == 0 || n > 11)
		abort();                 /* the extractor must only pass normalised codes */
	return (code[n - 1] & 1) || kind == CODE_ICD10;
}

static void
check(const struct ex_result *r, size_t cap)
{
	size_t i;

	if (r->ncodes > cap || r->nskipped_listed > 100 || r->nskipped_listed > r->nskipped)
		abort();
	for (i = 0; i < r->ncodes; i++)
		if (!r->codes[i].why || r->codes[i].nmods > EX_MAX_MODS ||
		    strlen(r->codes[i].code) < 3 || r->codes[i].units < 0)
			abort();
	for (i = 0; i < r->nmods; i++)
		if (strlen(r->mods[i].mod) != 2 || !r->mods[i].why)
			abort();
	for (i = 0; i < r->ndates; i++)
		if (strlen(r->dates[i]) != 10)
			abort();
	if (r->token && (strlen(r->token) < 8 || strlen(r->token) > 64))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct ex_result r;
	struct ex_opts o;
	char *s, *nul;
	size_t i;

	if (!inited) {
		if (extract_init() < 0)
			abort();
		inited = 1;
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&o, 0, sizeof(o));
	if (extract_run(NULL, s, &o, &r) == 0) {
		check(&r, 25);
		for (i = 0; i < r.ncodes; i++)      /* positions lie inside the text */
			if (r.codes[i].pos >= strlen(s))
				abort();
		extract_result_free(&r);
	}
	o.known = fz_known;
	o.max_codes = 3;
	if (extract_run(s, NULL, &o, &r) == 0) {
		check(&r, 3);
		extract_result_free(&r);
	}
	nul = memchr(data, '\0', size);
	if (nul) {
		o.known = NULL;
		o.max_codes = 0;
		if (extract_run(s, s + (nul - (const char *)data) + 1, &o, &r) == 0) {
			check(&r, 25);
			extract_result_free(&r);
		}
	}
	free(s);
	return 0;
}
