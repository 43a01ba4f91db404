/* libFuzzer target: the knowledge topic parser (kn_parse) and the modifier data parsers
 * (knmod_parse, knmod_parse_conf, knmod_parse_note) on arbitrary bytes, and the pure
 * question helpers (FTS query, denial codes, search words, question test) on the same
 * bytes as text. A parsed topic must have every required field; a refused one none; the
 * same for the modifier rows. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "knmod.h"
#include "knowledge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The three modifier data parsers: parsed rows are complete, a refusal leaves nothing. */
static void
fuzz_knmod(const uint8_t *data, size_t size)
{
	struct knmod_row *g;
	struct knmod_conf *c;
	struct knmod_note *nt;
	struct buf err;
	size_t n, i;

	buf_init(&err, 1024 * 1024);
	if (knmod_parse("m.tsv", (const char *)data, size, &g, &n, &err) == 0) {
		for (i = 0; i < n; i++)
			if (strlen(g[i].mod) != 2 || !*g[i].meaning || !*g[i].goes_on || !*g[i].when)
				abort();
		knmod_free(g, n);
	} else if (g != NULL || n != 0 || err.len == 0)
		abort();
	buf_reset(&err);
	if (knmod_parse_conf("c.tsv", (const char *)data, size, &c, &n, &err) == 0) {
		for (i = 0; i < n; i++)
			if (strlen(c[i].mod) != 2 || strlen(c[i].with) < 2 || !*c[i].why ||
			    c[i].why[strlen(c[i].why) - 1] == '.')
				abort();
		knmod_conf_free(c, n);
	} else if (c != NULL || n != 0 || err.len == 0)
		abort();
	buf_reset(&err);
	if (knmod_parse_note("n.tsv", (const char *)data, size, &nt, &n, &err) == 0) {
		for (i = 0; i < n; i++)
			if (strlen(nt[i].mod) != 2 || !*nt[i].meaning)
				abort();
		knmod_note_free(nt, n);
	} else if (nt != NULL || n != 0 || err.len == 0)
		abort();
	buf_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kn_topic t;
	struct buf err, b;
	char *text, hint[8];
	int n;

	fuzz_knmod(data, size);
	buf_init(&err, 1024 * 1024);
	n = kn_parse("k/fuzz.topic", (const char *)data, size, &t, &err);
	if (n == 0) {
		if (t.id == NULL || strcmp(t.id, "fuzz") != 0 || t.nsrc == 0 || t.answer == NULL ||
		    *t.answer == '\0' || strlen(t.effective) != 10)
			abort();
		kn_topic_free(&t);
	} else if (t.id != NULL || err.len == 0)
		abort();
	buf_free(&err);
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	buf_init(&b, 1024 * 1024);
	kn_fts_query(text, &b);
	if (strchr(buf_cstr(&b), '*') || strchr(buf_cstr(&b), '('))
		abort();                 /* only quoted [a-z0-9] words reach MATCH */
	buf_reset(&b);
	kn_denials_in(text, &b);
	buf_reset(&b);
	kn_search_words(text, &b, hint);
	if (strlen(hint) >= sizeof(hint))
		abort();
	kn_is_question(text);
	buf_free(&b);
	free(text);
	return 0;
}
