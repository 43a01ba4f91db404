/* tlsverify — our own check of a TLS server's certificate chain and host name.
 *
 * Debian's libetpan (GnuTLS build) completes a handshake with any certificate, so the IMAP
 * driver hands the peer chain (DER, leaf first, from mailstream_get_certificate_chain()) to
 * tlsverify_chain() right after connect/STARTTLS and before sending any credential.
 * The chain is verified with a GnuTLS trust list built from the system CA store, or only
 * from ca_file when one is configured; the host name (or IP literal) must match the leaf,
 * which must be valid for TLS server authentication. An optional SHA-256 pin of the leaf
 * certificate is checked in addition; with verify = 0 (tls_verify = no, an explicit choice
 * the caller logs loudly) the pin, if any, is the only check. */
#ifndef CODEMAILD_TLSVERIFY_H
#define CODEMAILD_TLSVERIFY_H

#include <stddef.h>

struct tlsv_cert {
	const unsigned char *der;    /* borrowed */
	size_t len;
};

/* 0 = trusted; -1 = refused, with a one-line reason in err (names the subject and issuer
 * and what failed: unknown CA, name mismatch, expired, pin mismatch, ...). */
int tlsverify_chain(const struct tlsv_cert *chain, size_t n, const char *host,
                    const char *ca_file, const char *fingerprint, int verify,
                    char *err, size_t errlen);

/* Normalises a SHA-256 fingerprint written as hex with optional ':' separators (any case)
 * into 64 lower-case hex digits in out[65]. 0 ok, -1 not a SHA-256 fingerprint. */
int tlsverify_norm_fingerprint(const char *in, char out[65]);

#endif
