/* What the OAuth calls share (internal to flow_async): oauth_calls.c
 * (registrations, token endpoint) and oauth_bearer.c (apply, revert,
 * their options, auto-refresh). */
#ifndef DC_FLOW_ASYNC_OAUTH_INTERNAL_H
#define DC_FLOW_ASYNC_OAUTH_INTERNAL_H

#include "core/internal.h"
#include "core/mask.h"
#include "domainconnect/net.h"
#include "http/transport.h"

/* Room for an API URL plus the longest path we append. */
#define DCI_API_URL_MAX (DC_MAX_URL_LEN + 256)

static inline bool dci_is_2xx(long code) { return code >= 200 && code <= 299; }

/* Appends ,"key":"value" to a JSON object under construction in `b` (no
 * comma after the opening brace). */
dc_status dci_oauth_json_member(dci_buf *b, const char *key, const char *value);

/* The provider's error text from a JSON error body: error (<= 64 bytes) and
 * error_description, else message (<= 160 bytes), masked together with the
 * call's secrets (core/mask.h) and then sanitised, as " (error: text)",
 * " (error)", " (text)" or "". *error_code (may be NULL) gets the masked,
 * sanitised "error" value. */
void dci_oauth_provider_error(dc_client *c, const dci_http_resp *resp, char *out,
                              size_t outsz, char *error_code, size_t ecsz);

/* Total timeout of an OAuth call: the client's, else the OAuth default
 * (docs/security.md §5.1). */
long dci_oauth_timeout(const dc_client *c);

/* The registration for a canonical API URL, or NULL. */
const struct dci_registration *dci_oauth_find_reg(const struct dci_config *cfg,
                                                  const char *canon_api);

#endif
