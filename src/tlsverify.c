/* tlsverify — see tlsverify.h. */
#include "tlsverify.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "util.h"

#define TLSV_MAX_CHAIN 16

int
tlsverify_norm_fingerprint(const char *in, char out[65])
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (*in == ':' || *in == ' ')
			continue;
		if (!isxdigit((unsigned char)*in) || n >= 64)
			return -1;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n == 64 ? 0 : -1;
}

static void
dn_of(gnutls_x509_crt_t crt, int issuer, char *out, size_t outlen)
{
	size_t len = outlen;
	int r = issuer ? gnutls_x509_crt_get_issuer_dn(crt, out, &len)
	               : gnutls_x509_crt_get_dn(crt, out, &len);

	if (r < 0)
		snprintf(out, outlen, "?");
}

int
tlsverify_chain(const struct tlsv_cert *chain, size_t n, const char *host,
                const char *ca_file, const char *fingerprint, int verify,
                char *err, size_t errlen)
{
	gnutls_x509_crt_t crts[TLSV_MAX_CHAIN];
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st vdata[2];
	gnutls_datum_t txt = { NULL, 0 };
	unsigned int status = 0, ncrt = 0, i;
	char subj[256], iss[256];
	int r, rc = -1;

	if (n == 0 || chain == NULL) {
		snprintf(err, errlen, "server sent no certificate");
		return -1;
	}
	if (n > TLSV_MAX_CHAIN)
		n = TLSV_MAX_CHAIN;
	if (fingerprint != NULL && *fingerprint != '\0') {
		char want[65], got[65];

		if (tlsverify_norm_fingerprint(fingerprint, want) < 0) {
			snprintf(err, errlen, "configured fingerprint is not a SHA-256 hex digest");
			return -1;
		}
		util_sha256_hex(chain[0].der, chain[0].len, got);
		if (strcmp(want, got) != 0) {
			snprintf(err, errlen, "certificate fingerprint mismatch: server presented sha256 %s", got);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		gnutls_datum_t d = { (unsigned char *)(uintptr_t)chain[i].der, (unsigned int)chain[i].len };

		if (gnutls_x509_crt_init(&crts[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		ncrt++;
		if ((r = gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER)) < 0) {
			snprintf(err, errlen, "cannot parse server certificate %u: %s", i, gnutls_strerror(r));
			goto out;
		}
	}
	dn_of(crts[0], 0, subj, sizeof(subj));
	dn_of(crts[0], 1, iss, sizeof(iss));
	if (!verify) {
		rc = 0;   /* tls_verify = no: the caller logged it; the pin (if any) was checked */
		goto out;
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (ca_file != NULL && *ca_file != '\0') {
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			snprintf(err, errlen, "no CA certificate loaded from ca_file %s: %s", ca_file,
			         r < 0 ? gnutls_strerror(r) : "empty");
			goto out;
		}
	} else {
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
		if (r <= 0) {
			snprintf(err, errlen, "no system CA certificates found (%s); set ca_file",
			         r < 0 ? gnutls_strerror(r) : "empty store");
			goto out;
		}
	}
	memset(vdata, 0, sizeof(vdata));
	vdata[0].type = GNUTLS_DT_DNS_HOSTNAME;
	vdata[0].data = (unsigned char *)(uintptr_t)host;
	vdata[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vdata[1].data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, ncrt, vdata, 2, 0, &status, NULL);
	if (r < 0) {
		snprintf(err, errlen, "certificate verification error: %s", gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		const char *what = (status & GNUTLS_CERT_UNEXPECTED_OWNER) ? "host name mismatch"
		                 : (status & GNUTLS_CERT_SIGNER_NOT_FOUND) ? "unknown CA"
		                 : (status & GNUTLS_CERT_EXPIRED) ? "expired"
		                 : (status & GNUTLS_CERT_NOT_ACTIVATED) ? "not yet valid"
		                 : (status & GNUTLS_CERT_REVOKED) ? "revoked"
		                 : (status & GNUTLS_CERT_PURPOSE_MISMATCH) ? "not for TLS servers"
		                 : "untrusted";

		gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt, 0);
		snprintf(err, errlen, "certificate refused for %s (%s): subject '%s', issuer '%s': %s",
		         host, what, subj, iss, txt.data != NULL ? (const char *)txt.data : "");
		goto out;
	}
	rc = 0;
out:
	if (txt.data != NULL)
		gnutls_free(txt.data);
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return rc;
}
