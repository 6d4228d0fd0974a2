/* Query-string encoding for the URLs we build (internal).
 *
 * Two profiles (docs/internals/query-encoding.md, request.h dc_profile):
 * - DC_PROFILE_DEFAULT: names and values percent-encoded per RFC 3986
 *   (unreserved A-Za-z0-9-._~ kept, everything else %XX upper-case, so a
 *   space is %20), pairs ordered by the ENCODED name, compared as bytes
 *   (IETF draft, "Signing Procedure" steps 2-4).
 * - DC_PROFILE_PYTHON: what the reference Python client produces with
 *   urllib.parse.urlencode(sorted(params.items())): pairs ordered by the RAW
 *   name, then encoded with quote_plus (same unreserved set, space -> '+').
 *   Python orders str by code point; for valid UTF-8, byte order of the
 *   encoding is the same as code-point order, so a byte comparison of the
 *   raw names gives Python's order.
 * In both profiles the sort is stable: pairs with equal sort keys keep their
 * input order (Python's sorted() is stable and, like the reference client,
 * compares the names only). */
#ifndef DC_PROTO_QUERY_H
#define DC_PROTO_QUERY_H

#include "core/internal.h"
#include "domainconnect/request.h"

/* One query parameter: NUL-terminated name and value, raw (not encoded). */
struct dci_pair {
  const char *name;
  const char *value;
};

/* Appends "n1=v1&n2=v2..." for the `n` pairs, ordered and encoded per
 * `profile`, to `out` (nothing is appended for n == 0). The appended bytes
 * may not exceed DC_MAX_QUERY_LEN (nor out->max).
 * Returns DC_OK; DC_E_INVALID_ARG (out NULL, pairs NULL with n > 0, a NULL
 * name or value, unknown profile); DC_E_LIMIT (n > DC_MAX_PARAMS or too many
 * bytes); DC_E_NOMEM. On failure `out` keeps its previous content. */
dc_status dci_query_encode(const struct dci_pair *pairs, size_t n,
                           dc_profile profile, dci_buf *out);

/* Appends the signature pairs to a query already in `q`:
 *   DC_PROFILE_DEFAULT: "&key=<pct(key_id)>&sig=<pct(sig_b64)>"
 *   DC_PROFILE_PYTHON:  "&sig=<quote_plus(sig_b64)>&key=<quote_plus(key_id)>"
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_LIMIT, DC_E_NOMEM. On failure `q`
 * keeps its previous content. */
dc_status dci_query_append_sig(dci_buf *q, dc_profile profile,
                               const char *sig_b64, const char *key_id);

/* dci_query_encode() for a public call: on DC_E_LIMIT the handle's detail
 * says which limit (pair count or query length) was hit. */
dc_status dci_query_encode_checked(dc_client *c, const struct dci_pair *pairs,
                                   size_t n, dc_profile profile, dci_buf *out);

#endif
