/* libFuzzer target: the knowledge topic parser (kn_parse) on arbitrary bytes, and the pure
 * question helpers (FTS query, denial codes, search words, question test) on the same
 * bytes as text. A parsed topic must have every required field; a refused one none. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "knowledge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kn_topic t;
	struct buf err, b;
	char *text, hint[8];
	int n;

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
