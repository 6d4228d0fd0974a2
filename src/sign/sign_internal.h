/* Signing helpers shared with other modules (internal, never exported). */
#ifndef DC_SIGN_INTERNAL_H
#define DC_SIGN_INTERNAL_H

#include <openssl/evp.h>

#include "core/internal.h"

/* Strict standard base64 decoding (alphabet A-Za-z0-9+/, length a multiple
 * of 4, '=' only as one or two final padding characters; no whitespace).
 * *out is a malloc'd buffer (free) of *out_len bytes, plus a trailing NUL
 * byte that is not counted. Returns DC_OK, DC_E_INVALID_PARAM (malformed
 * input, including the empty string), DC_E_NOMEM. Sets no detail. */
dc_status dci_b64_decode(const char *in, size_t len, unsigned char **out,
                         size_t *out_len);

/* Reassembles the public key published in `ntxt` TXT records (each one RR's
 * strings joined) as described for dc_verify_signature in sign.h: items
 * "p=", "a=", "t=", "d=" split on ',' and trimmed; records with p and d
 * kept; duplicate p, unknown a/t, bad base64, a non-RSA key or one outside
 * DC_MIN_RSA_BITS..DC_MAX_RSA_BITS give DC_E_PUBKEY_RECORD (detail set).
 * *out: EVP_PKEY_free. Returns DC_OK, DC_E_INVALID_ARG (txt NULL with
 * ntxt > 0, or a NULL entry), DC_E_NOMEM, DC_E_PUBKEY_RECORD.
 * Does not clear the handle's detail. */
dc_status dci_pubkey_from_txt(dc_client *c, const char *const *txt,
                              size_t ntxt, EVP_PKEY **out);

#endif
