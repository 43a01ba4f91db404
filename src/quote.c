/* quote — new text vs quoted text vs signature. See quote.h. */
#include "quote.h"

#include <stdlib.h>
#include <string.h>

int
quote_split(const char *text, struct quote_split *out)
{
	out->question = strdup(text);
	out->quoted = strdup("");
	out->signature = strdup("");
	if (!out->question || !out->quoted || !out->signature) {
		free(out->question); free(out->quoted); free(out->signature);
		out->question = out->quoted = out->signature = NULL;
		return -1;
	}
	return 0;
}
