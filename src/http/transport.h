/* HTTPS transport over libcurl with the SSRF guard (internal).
 * Security policy sections 5 and 6. */
#ifndef DC_HTTP_TRANSPORT_H
#define DC_HTTP_TRANSPORT_H

#include "core/internal.h"

typedef struct dci_http_req {
  const char *method;       /* "GET" or "POST" */
  const char *url;          /* https URL; query allowed; checked again here */
  const char *content_type; /* POST body type, e.g. "application/json" */
  const char *body;         /* POST body (may be NULL) */
  size_t body_len;
  const char *bearer;       /* Authorization: Bearer value, or NULL */
  size_t max_body;          /* cap on the response body (DC_E_TOO_LARGE) */
  long total_timeout_ms;    /* 0 = the client's total timeout */
  bool fresh_connection;    /* secret-bearing call: no connection reuse */
} dci_http_req;

typedef struct dci_http_resp {
  long status;              /* HTTP status (0 if none) */
  dci_buf body;             /* response body, NUL-terminated, capped */
  char content_type[128];   /* sanitised, "" if none */
} dci_http_resp;

void dci_http_resp_init(dci_http_resp *r);
void dci_http_resp_free(dci_http_resp *r);

/* Performs one request: URL rules, resolve once through the client's DNS,
 * refuse the name if any address is forbidden, pin the checked addresses,
 * re-check in the open-socket and pre-request callbacks, TLS verified with
 * the client's CA, no redirects (a 3xx is DC_E_REDIRECT with the sanitised
 * Location in the detail), no proxy, caps and timeouts.
 * Returns DC_OK whenever a non-3xx HTTP response arrived (the caller judges
 * resp->status; c's last HTTP status is set), else DC_E_UNSAFE_URL,
 * DC_E_BLOCKED, DC_E_NO_RECORD/DC_E_DNS/DC_E_DNS_TIMEOUT (resolving the
 * host), DC_E_TRANSPORT, DC_E_TIMEOUT, DC_E_TOO_LARGE, DC_E_REDIRECT,
 * DC_E_NOMEM. */
dc_status dci_http_perform(dc_client *c, const dci_http_req *req,
                           dci_http_resp *resp);

#endif
