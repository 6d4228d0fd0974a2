/* RSA-SHA256 request signing, public-key TXT records, and verification. */
#ifndef DOMAINCONNECT_SIGN_H
#define DOMAINCONNECT_SIGN_H

#include "domainconnect/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dc_signer dc_signer;

/* Loads an RSA private key (PEM: PKCS#1 "RSA PRIVATE KEY", PKCS#8
 * "PRIVATE KEY", or encrypted PKCS#8/legacy-encrypted PEM with
 * `passphrase`) and binds it to `key_id`, the DNS label under the
 * template's syncPubKeyDomain where the public key is published (e.g.
 * "_dck1"). The key must be RSA with DC_MIN_RSA_BITS..DC_MAX_RSA_BITS bits.
 * The PEM bytes and passphrase are not kept; key material is wiped on free.
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_LIMIT (PEM too long),
 * DC_E_KEY (not a PEM private key, not RSA, wrong size),
 * DC_E_KEY_PASSPHRASE (encrypted and no or a wrong passphrase),
 * DC_E_KEY_ID (not a 1..63 byte label of A-Za-z0-9-_). */
DC_API DC_WUR dc_status dc_signer_new(dc_client *c, const char *pem, size_t pem_len,
                                      const char *passphrase, const char *key_id,
                                      dc_signer **out);
/* The same, reading the PEM from a file (DC_E_IO if unreadable). */
DC_API DC_WUR dc_status dc_signer_new_from_file(dc_client *c, const char *path,
                                                const char *passphrase,
                                                const char *key_id, dc_signer **out);
DC_API void dc_signer_free(dc_signer *s); /* NULL is a no-op; wipes the key */
DC_API const char *dc_signer_key_id(const dc_signer *s);

/* Signs `len` bytes with RSASSA-PKCS1-v1_5 SHA-256; *sig_b64 is the
 * standard base64 (with padding) of the signature (dc_free).
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_SIGN. */
DC_API DC_WUR dc_status dc_sign(dc_client *c, const dc_signer *s, const char *data,
                                size_t len, char **sig_b64);

/* The TXT records that publish the signer's public key at
 * <key_id>.<syncPubKeyDomain>: each "p=N,a=RS256,d=FRAGMENT", N from 1, the
 * base64 DER SubjectPublicKeyInfo split so that each record fits one DNS
 * character-string (255 bytes). *records is a NULL-terminated array
 * (dc_strv_free). Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_KEY. */
DC_API DC_WUR dc_status dc_pubkey_txt_records(dc_client *c, const dc_signer *s,
                                              char ***records);

/* Verifies `sig_b64` (standard base64; spaces are read as '+', for a form
 * decoder that turned '+' into ' ') over `data` with the public key
 * published in `txt` (each entry one TXT RR's strings joined): the records
 * are split into "k=v" items, fragments sorted by p and joined, decoded as a
 * DER SubjectPublicKeyInfo RSA key. a= must be RS256 and t= x509 when given.
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_PUBKEY_RECORD (no usable
 * fragment, duplicate p, bad base64, unknown a/t, not an RSA key),
 * DC_E_SIG_INVALID. */
DC_API DC_WUR dc_status dc_verify_signature(dc_client *c, const char *data, size_t len,
                                            const char *sig_b64,
                                            const char *const *txt, size_t ntxt);

/* Verifies a received query string (everything after '?'): removes the sig
 * and key pairs without re-encoding or reordering the rest (spec: Signature
 * Verification), percent-decodes sig, and checks it against the records.
 * If `expected_key_id` is not NULL, the key parameter must equal it.
 * Returns as dc_verify_signature, plus DC_E_SIG_MISSING (no sig or key, or
 * either given twice), DC_E_KEY_ID (key differs from expected_key_id),
 * DC_E_LIMIT (query longer than DC_MAX_QUERY_LEN). */
DC_API DC_WUR dc_status dc_verify_query(dc_client *c, const char *query, size_t len,
                                        const char *expected_key_id,
                                        const char *const *txt, size_t ntxt);

#ifdef __cplusplus
}
#endif
#endif
