/* libFuzzer target: message_parse + message_free on arbitrary bytes, with the default limits
 * and with tight ones (so the limit paths are fuzzed too). Seeds: fuzz/seeds/message/ and
 * the MIME corpus (fuzz/run.sh). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct message *m)
{
	/* every string must be a NUL-terminated C string: touch them all */
	size_t i, n = 0;

	n += strlen(m->subject) + strlen(m->from.addr) + strlen(m->from.name);
	n += strlen(m->body_text) + strlen(m->question_text) + strlen(m->quoted_text);
	n += strlen(m->signature) + strlen(m->message_id) + strlen(m->in_reply_to);
	n += strlen(m->references) + strlen(m->date) + strlen(m->content_type);
	n += strlen(m->report_type) + strlen(m->error_reason);
	for (i = 0; i < m->nheaders; i++)
		n += strlen(m->headers[i].name) + strlen(m->headers[i].value) +
		     strlen(m->headers[i].raw);
	for (i = 0; i < m->nto; i++)
		n += strlen(m->to[i].addr) + strlen(m->to[i].name);
	for (i = 0; i < m->nattachments; i++)
		n += strlen(m->attachments[i].filename) + strlen(m->attachments[i].content_type);
	for (i = 0; i < m->nwarnings; i++)
		n += strlen(m->warnings[i]);
	(void)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_limits lim;
	struct message *m;

	m = message_parse((const char *)data, size, NULL);
	if (m) {
		check(m);
		message_free(m);
	}
	message_default_limits(&lim);
	lim.max_depth = 4;
	lim.max_parts = 8;
	lim.max_header = 512;
	lim.max_line = 200;
	lim.max_boundary = 16;
	lim.max_text = 64;
	m = message_parse((const char *)data, size, &lim);
	if (m) {
		check(m);
		message_free(m);
	}
	return 0;
}
