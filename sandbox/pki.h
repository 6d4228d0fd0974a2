/* domainconnect-sandbox: the CA and server certificate in STATE/pki. */
#ifndef SBX_PKI_H
#define SBX_PKI_H

#include <stdbool.h>
#include <stddef.h>

struct sbx_pki {
  char *ca_file;      /* STATE/pki/ca.crt: what a client trusts */
  char *server_key;   /* PEM text, for the HTTPS server (wiped on free) */
  char *server_cert;  /* PEM text: the server certificate then the CA */
};

/* Creates STATE/pki/{ca.key,ca.crt} on first use (ECDSA P-256, 10 years)
 * and a server key + certificate whose SANs are `names` (1 year), reusing
 * what is there when it still fits: the CA is kept as long as it loads; the
 * server certificate is re-issued when a name is missing, it expires within
 * 30 days, or it was not signed by the CA. */
bool sbx_pki_setup(const char *state_dir, char *const *names, size_t nnames,
                   struct sbx_pki *out, char *err, size_t errsz);
void sbx_pki_free(struct sbx_pki *p);

#endif
