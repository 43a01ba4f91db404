/* quote — separates the sender's own new text from quoted earlier messages and from the
 * signature. Pure, line-based, linear.
 *
 * Quoted: lines starting with '>', attribution lines ("On … wrote:"), and everything after
 * an Outlook "-----Original Message-----" / "From: … Sent: …" header block, "Begin
 * forwarded message:" or "---------- Forwarded message ---------". Signature: from a "-- "
 * line, or a sign-off ("Thanks,", "Regards,") followed only by short lines, or a trailing
 * block of short lines with phone/fax/NPI. When there is no new text at all but a forwarded
 * message, the forwarded content is the question. */
#ifndef CODEMAILD_QUOTE_H
#define CODEMAILD_QUOTE_H

struct quote_split {
	char *question;     /* the new text (caller frees) */
	char *quoted;       /* quoted / forwarded earlier text, "" if none */
	char *signature;    /* signature block, "" if none */
};

/* Splits text (valid UTF-8, LF line ends). Returns 0, or -1 when out of memory (then
 * nothing is allocated). */
int quote_split(const char *text, struct quote_split *out);

#endif
