/* hdrcheck — a second, independent reading of a reply's header (libetpan's RFC 5322
 * parser, mailimf_fields_parse), for tests/it/test_reply_headers.py.
 *
 * Usage: hdrcheck FILE
 * Prints one line per header field, in order:
 *   field NAME               a field libetpan parsed as structured (From, To, Subject…)
 *   optional NAME            a field it kept unparsed (an unknown name, or a known one whose
 *                            value did not parse: a broken To shows up here)
 *   from ADDR<TAB>NAME       each mailbox of From (NAME decoded to UTF-8, "" if none)
 *   to ADDR<TAB>NAME         each mailbox of To
 *   group NAME               each group in To
 *   subject TEXT             Subject decoded to UTF-8
 *   maxline N                the longest header line in octets (without CRLF)
 * Exit 0, or 2 when the header could not be read at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

static char *
decode(const char *s)
{
	size_t idx = 0;
	char *r = NULL;

	if (s == NULL)
		return strdup("");
	if (mailmime_encoded_phrase_parse("us-ascii", s, strlen(s), &idx, "utf-8", &r) !=
	    MAILIMF_NO_ERROR || r == NULL)
		return strdup(s);
	return r;
}

static void
clean_print(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 ? '?' : *s);
}

static void
mailbox(const char *tag, const struct mailimf_mailbox *mb)
{
	char *n = decode(mb->mb_display_name);

	printf("%s ", tag);
	clean_print(mb->mb_addr_spec ? mb->mb_addr_spec : "");
	putchar('\t');
	clean_print(n);
	putchar('\n');
	free(n);
}

static void
mailbox_list(const char *tag, const struct mailimf_mailbox_list *l)
{
	clistiter *it;

	for (it = clist_begin(l->mb_list); it; it = clist_next(it))
		mailbox(tag, clist_content(it));
}

static void
address_list(const char *tag, const struct mailimf_address_list *l)
{
	clistiter *it;

	for (it = clist_begin(l->ad_list); it; it = clist_next(it)) {
		const struct mailimf_address *a = clist_content(it);

		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			mailbox(tag, a->ad_data.ad_mailbox);
		} else {
			char *n = decode(a->ad_data.ad_group->grp_display_name);
			printf("group ");
			clean_print(n);
			putchar('\n');
			free(n);
		}
	}
}

static const char *
field_name(int type)
{
	switch (type) {
	case MAILIMF_FIELD_RETURN_PATH: return "Return-Path";
	case MAILIMF_FIELD_ORIG_DATE: return "Date";
	case MAILIMF_FIELD_FROM: return "From";
	case MAILIMF_FIELD_SENDER: return "Sender";
	case MAILIMF_FIELD_REPLY_TO: return "Reply-To";
	case MAILIMF_FIELD_TO: return "To";
	case MAILIMF_FIELD_CC: return "Cc";
	case MAILIMF_FIELD_BCC: return "Bcc";
	case MAILIMF_FIELD_MESSAGE_ID: return "Message-ID";
	case MAILIMF_FIELD_IN_REPLY_TO: return "In-Reply-To";
	case MAILIMF_FIELD_REFERENCES: return "References";
	case MAILIMF_FIELD_SUBJECT: return "Subject";
	case MAILIMF_FIELD_COMMENTS: return "Comments";
	case MAILIMF_FIELD_KEYWORDS: return "Keywords";
	default: return "Resent-or-trace";
	}
}

int
main(int argc, char **argv)
{
	FILE *f;
	char *data;
	long len;
	size_t idx = 0, hlen, i, col = 0, maxcol = 0;
	struct mailimf_fields *fields = NULL;
	clistiter *it;

	if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: hdrcheck FILE\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)len + 1);
	if (data == NULL || fread(data, 1, (size_t)len, f) != (size_t)len)
		return 2;
	data[len] = '\0';
	fclose(f);
	/* the header section: up to the first empty line */
	{
		char *e = strstr(data, "\r\n\r\n");
		char *e2 = strstr(data, "\n\n");

		hlen = e ? (size_t)(e - data) + 2 : e2 ? (size_t)(e2 - data) + 1 : (size_t)len;
	}
	for (i = 0; i < hlen; i++) {
		if (data[i] == '\r' || data[i] == '\n') {
			if (col > maxcol)
				maxcol = col;
			col = 0;
		} else
			col++;
	}
	if (mailimf_fields_parse(data, hlen, &idx, &fields) != MAILIMF_NO_ERROR) {
		printf("unparsed header\n");
		return 2;
	}
	for (it = clist_begin(fields->fld_list); it; it = clist_next(it)) {
		const struct mailimf_field *fl = clist_content(it);

		if (fl->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD) {
			printf("optional %s\n", fl->fld_data.fld_optional_field->fld_name);
			continue;
		}
		printf("field %s\n", field_name(fl->fld_type));
		if (fl->fld_type == MAILIMF_FIELD_FROM)
			mailbox_list("from", fl->fld_data.fld_from->frm_mb_list);
		else if (fl->fld_type == MAILIMF_FIELD_TO)
			address_list("to", fl->fld_data.fld_to->to_addr_list);
		else if (fl->fld_type == MAILIMF_FIELD_CC)
			address_list("cc", fl->fld_data.fld_cc->cc_addr_list);
		else if (fl->fld_type == MAILIMF_FIELD_BCC && fl->fld_data.fld_bcc->bcc_addr_list)
			address_list("bcc", fl->fld_data.fld_bcc->bcc_addr_list);
		else if (fl->fld_type == MAILIMF_FIELD_SUBJECT) {
			char *s = decode(fl->fld_data.fld_subject->sbj_value);
			printf("subject ");
			clean_print(s);
			putchar('\n');
			free(s);
		}
	}
	printf("maxline %zu\n", maxcol);
	mailimf_fields_free(fields);
	free(data);
	return 0;
}
