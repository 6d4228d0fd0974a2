/* HTTPS transport over libcurl with the SSRF guard (internal).
 * docs/security.md §2 and §5. */
#ifndef DC_HTTP_TRANSPORT_H
#define DC_HTTP_TRANSPORT_H

#include <curl/curl.h>

#include "core/internal.h"

typedef struct dci_http_req {
  const char *method;       /* "GET" or "POST" */
  const char *url;          /* https URL; query allowed; checked again here */
  const char *content_type; /* POST body type, e.g. "application/json" */
  const char *body;         /* POST body (may be NULL) */
  size_t body_len;
  const char *bearer;       /* Authorization: Bearer value, or NULL */
  size_t max_body;          /* cap on the response body (DC_E_TOO_LARGE);
                               0 = DC_MAX_API_BODY */
  long total_timeout_ms;    /* 0 = the client's total timeout */
  bool fresh_connection;    /* secret-bearing call: no connection reuse */
} dci_http_req;

typedef struct dci_http_resp {
  long status;              /* HTTP status (0 if none) */
  dci_buf body;             /* response body, NUL-terminated, capped; wiped
                               on growth and free (may hold a token) */
  char content_type[128];   /* sanitised, "" if none */
} dci_http_resp;

void dci_http_resp_init(dci_http_resp *r);
void dci_http_resp_free(dci_http_resp *r);

/* Performs one request: URL rules, resolve once through the client's DNS,
 * refuse the name if any address is forbidden, pin the checked addresses,
 * re-check in the open-socket and pre-request callbacks, TLS verified with
 * the client's CA, no redirects (a 3xx is DC_E_REDIRECT with the sanitised
 * Location in the detail), no proxy but the client's (CONNECT to the checked
 * address, docs/security.md §2.9), caps and timeouts (cut to a discovery's
 * overall deadline when one runs).
 * Returns DC_OK whenever a non-3xx HTTP response arrived (the caller judges
 * resp->status; c's last HTTP status is set), else DC_E_UNSAFE_URL,
 * DC_E_BLOCKED, DC_E_NO_RECORD/DC_E_DNS/DC_E_DNS_TIMEOUT (resolving the
 * host), DC_E_TRANSPORT, DC_E_TIMEOUT, DC_E_TOO_LARGE, DC_E_REDIRECT,
 * DC_E_NOMEM, DC_E_INVALID_ARG (bad method, CR/LF in a header value).
 * `resp` must have been initialised with dci_http_resp_init; on failure it
 * may hold a partial body (free it either way).
 *
 * Implemented as dci_http_prepare + dci_http_run. */
dc_status dci_http_perform(dc_client *c, const dci_http_req *req,
                           dci_http_resp *resp);

/* ---- the two halves, for running several transfers on one curl multi.
 *
 * A transfer context owns one easy handle configured with every guard
 * option, the parsed URL, the pinned address set and the caps.
 *
 *   dci_http_xfer *x;
 *   DCI_TRY(dci_http_prepare(c, req, resp, &x));
 *   curl_multi_add_handle(m, dci_http_xfer_easy(x));
 *   ... run the multi until CURLMSG_DONE for that easy handle, result rc ...
 *   curl_multi_remove_handle(m, dci_http_xfer_easy(x));
 *   status = dci_http_finish(x, rc);   (always frees x)
 *
 * Lifetimes: `req` (its strings, including the body and bearer, which are
 * not copied) and `resp` must stay valid until dci_http_finish; `c` until
 * then too, and the transfer must be finished on the thread that prepared
 * it when `c` is a client (finish writes the detail and HTTP status into
 * the calling thread's record; a call context has its own). The callbacks
 * only read c's configuration (the allow list).
 * dci_http_prepare resolves the host synchronously (the client's DNS
 * timeout bounds it).
 *
 * Connection reuse: easy handles that share one multi may reuse each
 * other's connections and the multi's DNS cache. That stays safe because
 * every transfer installs its own CURLOPT_RESOLVE pin and the pre-request
 * callback re-checks the connected address against *this* transfer's
 * checked set before a byte of the request is sent; secret-bearing requests
 * (fresh_connection) never reuse and never leave a connection behind.
 * Between calls, the calling thread's connection cache for the client
 * (dci_conn_cache: a share handle, connection cache only, never used by two
 * threads) keeps connections of the other requests, with the same re-check. */
typedef struct dci_http_xfer dci_http_xfer;

/* Checks the request and the URL, resolves and guards the host, and builds
 * the easy handle. Sets the caller's HTTP status to 0. On failure *out is
 * NULL and the detail is set. Statuses as for dci_http_perform before any
 * transfer (DC_E_UNSAFE_URL, DC_E_BLOCKED, the DNS ones, DC_E_INVALID_ARG,
 * DC_E_NOMEM, DC_E_INTERNAL when libcurl refuses an option). */
dc_status dci_http_prepare(dc_client *c, const dci_http_req *req,
                           dci_http_resp *resp, dci_http_xfer **out);
/* dci_http_prepare with the host already resolved by the caller (e.g. on
 * the asynchronous resolver): `checked` is what the client's DNS answered
 * for `host`, which must be the URL's host (else DC_E_INTERNAL). Every other
 * step is dci_http_prepare's: the request and URL checks, every address
 * judged by dci_guard_addr (one forbidden address refuses the name; an
 * empty set is DC_E_NO_RECORD), the pin, and both braces. */
struct dci_addr_list;
dc_status dci_http_prepare_resolved(dc_client *c, const dci_http_req *req,
                                    dci_http_resp *resp, const char *host,
                                    const struct dci_addr_list *checked,
                                    dci_http_xfer **out);
/* The checks dci_http_prepare makes before resolving (request, URL rules,
 * libcurl's parse), and the URL's host (what to resolve) into `host`.
 * Sets the caller's HTTP status to 0. Statuses as for dci_http_prepare. */
dc_status dci_http_target_host(dc_client *c, const dci_http_req *req,
                               char host[DC_MAX_NAME_LEN + 1]);
/* The easy handle of a prepared transfer (owned by the context). */
CURL *dci_http_xfer_easy(dci_http_xfer *x);
/* Turns libcurl's result for the transfer into a status (the mapping of
 * dci_http_perform), fills resp (status, content type, a NUL-terminated
 * body), sets the caller's HTTP status and the detail, and frees x (the
 * easy handle must already be removed from any multi). NULL x returns
 * DC_E_INVALID_ARG. */
dc_status dci_http_finish(dci_http_xfer *x, CURLcode rc);
/* Frees a prepared transfer that will not be finished (NULL is a no-op). */
void dci_http_xfer_free(dci_http_xfer *x);
/* Runs one prepared transfer to its end on the calling thread's multi
 * handle for c (its CA store and connections kept between calls; a private
 * one when there is none), then dci_http_finish. Always frees x. Statuses
 * as for dci_http_perform, plus DC_E_INTERNAL/DC_E_NOMEM when the multi
 * interface fails. */
dc_status dci_http_run(dc_client *c, dci_http_xfer *x);

/* ---- TEST ONLY. ------------------------------------------------------
 * Hooks that weaken the transport so the integration tests can prove the
 * guard's second and third lines hold on their own. Nothing in the library
 * sets them, nothing reads them from the environment, and they are not
 * exported from the shared library (internal symbol, hidden visibility);
 * only test programs linked against the static library can reach them.
 * Process-wide, not thread-safe: set them only while no transfer runs.
 * NEVER call this outside tests. */
struct dci_http_test_hooks {
  /* When non-NULL, given to CURLOPT_RESOLVE instead of the checked set
   * ("host:443:127.0.0.1"), i.e. libcurl connects somewhere other than
   * where the guard looked: DNS rebinding. The open-socket callback must
   * still refuse because the address is not in the checked set. */
  const char *override_resolve;
  /* When true, the open-socket callback accepts every address, so the
   * pre-request callback alone must refuse the connected address. */
  bool skip_socket_check;
};
/* Copies *h (the string it points to is not copied and must outlive its
 * use); NULL clears every hook. */
void dci_http_set_test_hooks(const struct dci_http_test_hooks *h);

#endif
