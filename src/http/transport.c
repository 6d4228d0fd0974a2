/* HTTPS transport over libcurl with the SSRF guard.
 *
 * docs/security.md §2 (the steps) and §2.10 (the option table), limits
 * from §5. In order:
 *   1. the URL passes dci_check_https_url (https, port 443, a host name that
 *      is not an IP literal or special-use name) and is then parsed once by
 *      curl_url(); the same CURLU is the transfer's URL (CURLOPT_CURLU).
 *      TEST ONLY: a port other than 443 passes when the client's test-only
 *      allow list names it; the transfer's port is then that one;
 *   2. the host is resolved once through the client's DNS (dci_dns_addrs);
 *      if any address is forbidden for the transfer's port
 *      (dci_guard_addr_port) the name is refused;
 *   3. the checked set is pinned with CURLOPT_RESOLVE for host:port, and a
 *      resolver-start callback makes any attempt by libcurl to resolve
 *      again a failure;
 *   4. brace 1, the open-socket callback: IP connection, AF_INET/AF_INET6,
 *      the transfer's port, address in the checked set and allowed by the
 *      guard for that port, else
 *      no socket (the reason is kept in the transfer context because libcurl
 *      reports CURLE_COULDNT_CONNECT for refusals and real failures alike);
 *   5. brace 2, the pre-request callback: the same checks on the connected
 *      address after TLS and before any request byte (covers reused
 *      connections too).
 * No redirects, https only, no proxy but the client's own (an HTTP CONNECT
 * tunnel to the checked address, docs/security.md §2.9), TLS verification untouched (only the
 * trust anchors may be replaced), TLS 1.2+, no content decoding, capped body
 * and headers, timeouts, no signals. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "dns/resolver.h"
#include "guard/addr.h"
#include "guard/url_rules.h"
#include "http/transport.h"
#include "http/xfer.h"

#ifndef DC_VERSION_STRING
#define DC_VERSION_STRING "0"
#endif

/* Bytes of untrusted text (Location, libcurl's error) kept in a detail. */
#define DCI_DETAIL_TEXT 200

/* struct dci_http_xfer: http/xfer.h (shared with http/braces.c) */

/* ---- TEST ONLY hooks (see transport.h). Zero in every production run. */
static struct dci_http_test_hooks g_test_hooks;

void dci_http_set_test_hooks(const struct dci_http_test_hooks *h)
{
  if (h != NULL)
    g_test_hooks = *h;
  else
    memset(&g_test_hooks, 0, sizeof g_test_hooks);
}

/* ---- typed curl_easy_setopt wrappers (libcurl's varargs check nothing). */
static CURLcode set_long(CURL *e, CURLoption o, long v) { return curl_easy_setopt(e, o, v); }
static CURLcode set_off(CURL *e, CURLoption o, curl_off_t v) { return curl_easy_setopt(e, o, v); }
static CURLcode set_str(CURL *e, CURLoption o, const char *v) { return curl_easy_setopt(e, o, v); }
static CURLcode set_ptr(CURL *e, CURLoption o, void *v) { return curl_easy_setopt(e, o, v); }
static CURLcode set_slist(CURL *e, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(e, o, v); }
static CURLcode set_blob(CURL *e, CURLoption o, struct curl_blob *v) { return curl_easy_setopt(e, o, v); }
static CURLcode set_curlu(CURL *e, CURLoption o, CURLU *v) { return curl_easy_setopt(e, o, v); }
static CURLcode set_write_fn(CURL *e, CURLoption o, curl_write_callback f) { return curl_easy_setopt(e, o, f); }
static CURLcode set_opensocket_fn(CURL *e, CURLoption o, curl_opensocket_callback f) { return curl_easy_setopt(e, o, f); }
static CURLcode set_prereq_fn(CURL *e, CURLoption o, curl_prereq_callback f) { return curl_easy_setopt(e, o, f); }
static CURLcode set_resolver_start_fn(CURL *e, CURLoption o, curl_resolver_start_callback f) { return curl_easy_setopt(e, o, f); }

static dc_status opt_status(dc_client *c, CURLcode rc, const char *name)
{
  if (rc == CURLE_OK) return DC_OK;
  if (rc == CURLE_OUT_OF_MEMORY)
    return dci_fail(c, DC_E_NOMEM, "out of memory setting %s", name);
  return dci_fail(c, DC_E_INTERNAL, "libcurl refused %s: %s", name, curl_easy_strerror(rc));
}

/* Sets one option on `e` with the typed wrapper `fn`; jumps to done: on
 * failure (needs `c`, `e` and `status` in scope). */
#define DCI_SETOPT(fn, opt, val) DCI_TRY(opt_status(c, fn(e, opt, val), #opt))

/* ---- responses */

void dci_http_resp_init(dci_http_resp *r)
{
  if (r == NULL) return;
  r->status = 0;
  dci_buf_init(&r->body, 0);
  r->body.secret = true;
  r->content_type[0] = '\0';
}

void dci_http_resp_free(dci_http_resp *r)
{
  if (r == NULL) return;
  dci_buf_free(&r->body);
  r->status = 0;
  r->content_type[0] = '\0';
}

/* ---- transfer context */

static void slist_free_wiped(struct curl_slist *l)
{
  for (struct curl_slist *p = l; p != NULL; p = p->next)
    if (p->data != NULL) dci_wipe(p->data, strlen(p->data));
  curl_slist_free_all(l);
}

/* An easy handle for a transfer of `c`: the caller's record's spare one
 * (reset when it was parked), else a new one. */
static CURL *easy_take(dc_client *c)
{
  struct dci_call *call = dci_call_of(c);
  CURL *e = call->spare_easy;
  call->spare_easy = NULL;
  return e != NULL ? e : curl_easy_init();
}

/* Parks a finished transfer's easy handle (no longer in any multi) on its
 * caller's record, all options reset (the connection it used stays in the
 * connection cache, not with the handle), or frees it when one is parked
 * already. */
static void easy_park(dc_client *c, CURL *e)
{
  struct dci_call *call = c != NULL ? dci_call_of(c) : NULL;
  if (call != NULL && call->spare_easy == NULL) {
    curl_easy_reset(e);
    call->spare_easy = e;
  } else {
    curl_easy_cleanup(e);
  }
}

void dci_http_xfer_free(dci_http_xfer *x)
{
  if (x == NULL) return;
  if (x->easy != NULL) easy_park(x->c, x->easy);
  if (x->url != NULL) curl_url_cleanup(x->url);
  curl_slist_free_all(x->resolve);
  curl_slist_free_all(x->connect_to);
  slist_free_wiped(x->headers);
  dci_wipe(x, sizeof *x);
  free(x);
}

CURL *dci_http_xfer_easy(dci_http_xfer *x)
{
  return x ? x->easy : NULL;
}

/* ---- the guard's two braces: http/braces.c */

/* ---- caps */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *clientp)
{
  dci_http_xfer *x = clientp;
  if (size != 0 && nmemb > SIZE_MAX / size) {
    x->body_over = true;
    return 0;
  }
  size_t n = size * nmemb;
  dc_status st = dci_buf_append(&x->resp->body, ptr, n);
  if (st == DC_OK) return n;
  if (st == DC_E_LIMIT)
    x->body_over = true;
  else
    x->nomem = true;
  return n == 0 ? 1 : 0; /* anything but n aborts the transfer */
}

static size_t on_header(char *ptr, size_t size, size_t nitems, void *clientp)
{
  dci_http_xfer *x = clientp;
  if (size != 0 && nitems > SIZE_MAX / size) {
    x->headers_over = true;
    return 0;
  }
  size_t n = size * nitems;
  if (n > DC_MAX_HEADER_BYTES || x->header_bytes > DC_MAX_HEADER_BYTES - n) {
    x->headers_over = true;
    return n == 0 ? 1 : 0;
  }
  x->header_bytes += n;
  return n;
}

/* ---- request checks */

/* A header value we put on the wire: printable ASCII (space allowed only
 * where `space_ok`); no CR, LF or other control byte. */
static bool header_value_ok(const char *s, bool space_ok)
{
  if (s == NULL || *s == '\0') return false;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p < 0x20 || *p >= 0x7f) return false;
    if (*p == ' ' && !space_ok) return false;
  }
  return true;
}

static dc_status add_header(dc_client *c, struct curl_slist **l, const char *name,
                            const char *value)
{
  dc_status status = DC_OK;
  dci_buf b;
  dci_buf_init(&b, 16 * 1024);
  b.secret = true;
  DCI_TRY(dci_buf_append_str(&b, name));
  DCI_TRY(dci_buf_append_str(&b, value));
  struct curl_slist *n = curl_slist_append(*l, b.data);
  if (n == NULL) {
    status = DC_E_NOMEM;
    goto done;
  }
  *l = n;
done:
  dci_buf_free(&b);
  if (status == DC_E_LIMIT)
    return dci_fail(c, DC_E_INVALID_ARG, "%s header value is too long", name);
  if (status != DC_OK) return dci_fail(c, DC_E_NOMEM, "out of memory");
  return DC_OK;
}

static dc_status check_req(dc_client *c, const dci_http_req *req, bool *post)
{
  if (req->method != NULL && strcmp(req->method, "GET") == 0) {
    *post = false;
  } else if (req->method != NULL && strcmp(req->method, "POST") == 0) {
    *post = true;
  } else {
    return dci_fail(c, DC_E_INVALID_ARG, "HTTP method must be GET or POST");
  }
  if (req->url == NULL) return dci_fail(c, DC_E_INVALID_ARG, "no request URL");
  if (req->body == NULL && req->body_len > 0)
    return dci_fail(c, DC_E_INVALID_ARG, "request body length without a body");
  if (!*post && req->body != NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "a GET request carries no body");
  /* The caller checked the token's syntax (RFC 6750 b64token); this only
   * keeps a bad one from splitting the header. */
  if (req->bearer != NULL && !header_value_ok(req->bearer, false))
    return dci_fail(c, DC_E_INVALID_ARG,
                    "bearer token is empty or holds a space, control or non-ASCII byte");
  if (req->content_type != NULL && !header_value_ok(req->content_type, true))
    return dci_fail(c, DC_E_INVALID_ARG,
                    "content type is empty or holds a control or non-ASCII byte");
  if (req->total_timeout_ms < 0 || req->total_timeout_ms > DC_MAX_TIMEOUT_MS)
    return dci_fail(c, DC_E_INVALID_ARG, "total timeout %ld ms is outside 0..%ld",
                    req->total_timeout_ms, DC_MAX_TIMEOUT_MS);
  return DC_OK;
}

/* "host:443:a1,[a2]" for CURLOPT_RESOLVE (no '+': permanent, no fallback);
 * the port is the URL's (443, or an allowed test port): libcurl uses an
 * entry only for the host and port it connects to. */
static dc_status pin_string(dc_client *c, const dci_http_xfer *x, dci_buf *b)
{
  dc_status status = DC_OK;
  char port[16];
  snprintf(port, sizeof port, ":%u:", x->port);
  DCI_TRY(dci_buf_append_str(b, x->host));
  DCI_TRY(dci_buf_append_str(b, port));
  for (size_t i = 0; i < x->checked.n; i++) {
    char text[64];
    dci_addr_format(&x->checked.a[i], text, sizeof text);
    if (i > 0) DCI_TRY(dci_buf_append_char(b, ','));
    bool v6 = x->checked.a[i].family == AF_INET6;
    if (v6) DCI_TRY(dci_buf_append_char(b, '['));
    DCI_TRY(dci_buf_append_str(b, text));
    if (v6) DCI_TRY(dci_buf_append_char(b, ']'));
  }
done:
  if (status != DC_OK) return dci_fail(c, DC_E_NOMEM, "out of memory");
  return DC_OK;
}

/* Through a proxy: "host:port:ADDR:port" for CURLOPT_CONNECT_TO, so the
 * proxy is asked to CONNECT to the first checked address (never the name)
 * while TLS and the Host header keep the name (docs/security.md §2.9). */
static dc_status connect_to_string(dc_client *c, const dci_http_xfer *x, dci_buf *b)
{
  dc_status status = DC_OK;
  char port[16], text[64];
  snprintf(port, sizeof port, ":%u:", x->port);
  dci_addr_format(&x->checked.a[0], text, sizeof text);
  bool v6 = x->checked.a[0].family == AF_INET6;
  DCI_TRY(dci_buf_append_str(b, x->host));
  DCI_TRY(dci_buf_append_str(b, port));
  if (v6) DCI_TRY(dci_buf_append_char(b, '['));
  DCI_TRY(dci_buf_append_str(b, text));
  if (v6) DCI_TRY(dci_buf_append_char(b, ']'));
  snprintf(port, sizeof port, ":%u", x->port);
  DCI_TRY(dci_buf_append_str(b, port));
done:
  if (status != DC_OK) return dci_fail(c, DC_E_NOMEM, "out of memory");
  return DC_OK;
}

/* "ADDR:PORT:ADDR" for the proxy, appended to the transfer's pins. */
static dc_status proxy_pin(dc_client *c, dci_http_xfer *x)
{
  const struct dci_allowed_addr *p = &c->cfg->proxy_addr;
  dci_addr a;
  char text[64], entry[160];
  memset(&a, 0, sizeof a);
  a.family = p->family;
  memcpy(a.b, p->b, sizeof a.b);
  dci_addr_format(&a, text, sizeof text);
  int n = snprintf(entry, sizeof entry, a.family == AF_INET6 ? "[%s]:%u:[%s]" : "%s:%u:%s",
                   text, p->port, text);
  if (n < 0 || (size_t)n >= sizeof entry)
    return dci_fail(c, DC_E_INTERNAL, "proxy address cannot be pinned");
  struct curl_slist *l = curl_slist_append(x->resolve, entry);
  if (l == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  x->resolve = l;
  return DC_OK;
}

/* Parses the checked URL with libcurl (the transfer's one parse) and keeps
 * its host and port (443 when the URL names none). */
static dc_status parse_url(dc_client *c, dci_http_xfer *x, const char *canon)
{
  dc_status status = DC_OK;
  char *host = NULL, *port = NULL;
  x->url = curl_url();
  if (x->url == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  CURLUcode uc = curl_url_set(x->url, CURLUPART_URL, canon, CURLU_DISALLOW_USER);
  if (uc == CURLUE_OK) uc = curl_url_get(x->url, CURLUPART_HOST, &host, 0);
  if (uc == CURLUE_OUT_OF_MEMORY) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if (uc != CURLUE_OK || host == NULL) {
    status = dci_fail(c, DC_E_UNSAFE_URL, "libcurl cannot parse the request URL: %s",
                      curl_url_strerror(uc));
    goto done;
  }
  size_t n = strlen(host);
  if (n == 0 || n > DC_MAX_NAME_LEN || dci_check_hostname(host, n, false) != DC_OK) {
    status = dci_fail(c, DC_E_UNSAFE_URL, "libcurl sees an unacceptable host in the "
                      "request URL");
    goto done;
  }
  /* dci_check_https_url left a port in the canonical URL only when it is a
   * test port on the client's allow list; check it again all the same. */
  x->port = DCI_HTTPS_PORT;
  uc = curl_url_get(x->url, CURLUPART_PORT, &port, 0);
  if (uc == CURLUE_OUT_OF_MEMORY) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if (uc == CURLUE_OK &&
      (dci_port_problem(port, strlen(port), &x->port) != NULL ||
       (x->port != DCI_HTTPS_PORT && !dci_guard_test_port(c, x->port)))) {
    status = dci_fail(c, DC_E_UNSAFE_URL, "libcurl sees an unacceptable port in the "
                      "request URL");
    goto done;
  }
  memcpy(x->host, host, n + 1);
done:
  curl_free(host);
  curl_free(port);
  return status;
}

/* Refuses the whole name if any address of the resolved set is forbidden
 * (docs/security.md §2.4); an empty set is never allowed. */
static dc_status guard_checked(dc_client *c, dci_http_xfer *x)
{
  if (x->checked.n == 0 || x->checked.n > DCI_MAX_ADDRS)
    return dci_fail(c, DC_E_NO_RECORD, "%s has no A or AAAA record", x->host);
  for (size_t i = 0; i < x->checked.n; i++) {
    const dci_addr *a = &x->checked.a[i];
    const char *why;
    if (a->family != AF_INET && a->family != AF_INET6)
      why = "not an IPv4 or IPv6 address";
    else
      why = dci_guard_addr_port(c, a, x->port);
    if (why != NULL) {
      char text[64];
      dci_addr_format(a, text, sizeof text);
      return dci_fail(c, DC_E_BLOCKED,
                      "guard refused %s: it resolves to %s (%s); no connection made",
                      x->host, text, why);
    }
  }
  return DC_OK;
}

/* Resolves once through the client's DNS, then guard_checked. */
static dc_status resolve_and_guard(dc_client *c, dci_http_xfer *x)
{
  dc_status status = DC_OK;
  struct dci_config narrowed;
  dc_client ctx;
  /* under a discovery's deadline, the lookup gets at most the time left */
  DCI_TRY(dci_dns_addrs(dci_deadline_dns(c, &narrowed, &ctx), x->host, &x->checked, NULL));
  status = guard_checked(c, x);
done:
  return status;
}

/* The proxy options (docs/security.md §2.9): CURLOPT_PROXY "" and
 * CURLOPT_NOPROXY "" keep libcurl from reading http_proxy, https_proxy,
 * ALL_PROXY and NO_PROXY; with the client's proxy, an HTTP CONNECT tunnel
 * to the checked address (CURLOPT_CONNECT_TO). */
static dc_status configure_proxy(dc_client *c, dci_http_xfer *x)
{
  dc_status status = DC_OK;
  CURL *e = x->easy;
  const struct dci_config *cfg = c->cfg;
  DCI_SETOPT(set_str, CURLOPT_NOPROXY, "");
  if (!x->proxied) {
    DCI_SETOPT(set_str, CURLOPT_PROXY, "");
    goto done;
  }
  DCI_SETOPT(set_str, CURLOPT_PROXY, cfg->proxy_url);
  DCI_SETOPT(set_long, CURLOPT_PROXYTYPE, (long)CURLPROXY_HTTP);
  DCI_SETOPT(set_long, CURLOPT_HTTPPROXYTUNNEL, 1L);
  DCI_SETOPT(set_slist, CURLOPT_CONNECT_TO, x->connect_to);
  if (cfg->proxy_user != NULL) {
    DCI_SETOPT(set_long, CURLOPT_PROXYAUTH, (long)CURLAUTH_BASIC);
    DCI_SETOPT(set_str, CURLOPT_PROXYUSERNAME, cfg->proxy_user);
    DCI_SETOPT(set_str, CURLOPT_PROXYPASSWORD, cfg->proxy_pass ? cfg->proxy_pass : "");
  }
done:
  return status;
}

static dc_status configure(dc_client *c, dci_http_xfer *x, bool post)
{
  dc_status status = DC_OK;
  const dci_http_req *req = x->req;
  CURL *e = x->easy;
  size_t max_body = req->max_body ? req->max_body : (size_t)DC_MAX_API_BODY;
  const struct dci_config *cfg = c->cfg;
  long total = req->total_timeout_ms ? req->total_timeout_ms
             : cfg->timeout_total_ms ? cfg->timeout_total_ms
             : DC_DEFAULT_TOTAL_TIMEOUT_MS;
  long connect = cfg->timeout_connect_ms ? cfg->timeout_connect_ms
                                         : DC_DEFAULT_CONNECT_TIMEOUT_MS;
  /* a discovery's overall deadline cuts both (docs/limits.md) */
  total = dci_deadline_cap(c, total);
  connect = dci_deadline_cap(c, connect);

  /* no output anywhere but our callbacks (VERBOSE would print the bearer) */
  DCI_SETOPT(set_long, CURLOPT_VERBOSE, 0L);
  DCI_SETOPT(set_long, CURLOPT_NOSIGNAL, 1L);
  DCI_SETOPT(set_ptr, CURLOPT_ERRORBUFFER, x->errbuf);
  /* one parser: the checked parse is the transfer's URL */
  DCI_SETOPT(set_curlu, CURLOPT_CURLU, x->url);
  DCI_SETOPT(set_str, CURLOPT_PROTOCOLS_STR, "https");
  DCI_SETOPT(set_str, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  DCI_SETOPT(set_long, CURLOPT_FOLLOWLOCATION, 0L);
  DCI_SETOPT(set_long, CURLOPT_MAXREDIRS, 0L);
  /* never a proxy from the environment; the client's own, or none */
  DCI_TRY(configure_proxy(c, x));
  /* pin, and the two braces */
  DCI_SETOPT(set_slist, CURLOPT_RESOLVE, x->resolve);
  DCI_SETOPT(set_resolver_start_fn, CURLOPT_RESOLVER_START_FUNCTION, dci_xfer_on_resolver_start);
  DCI_SETOPT(set_ptr, CURLOPT_RESOLVER_START_DATA, x);
  DCI_SETOPT(set_opensocket_fn, CURLOPT_OPENSOCKETFUNCTION, dci_xfer_on_open_socket);
  DCI_SETOPT(set_ptr, CURLOPT_OPENSOCKETDATA, x);
  DCI_SETOPT(set_prereq_fn, CURLOPT_PREREQFUNCTION, dci_xfer_on_prereq);
  DCI_SETOPT(set_ptr, CURLOPT_PREREQDATA, x);
  /* TLS: verification stays at libcurl's defaults (peer and host on);
   * only the trust anchors may be replaced, and then replace the system
   * store instead of adding to it. */
  DCI_SETOPT(set_long, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
  if (cfg->ca_blob != NULL) {
    struct curl_blob blob = {cfg->ca_blob, cfg->ca_blob_len, CURL_BLOB_COPY};
    DCI_SETOPT(set_blob, CURLOPT_CAINFO_BLOB, &blob);
    DCI_SETOPT(set_str, CURLOPT_CAINFO, cfg->ca_file); /* NULL: blob only */
    DCI_SETOPT(set_str, CURLOPT_CAPATH, NULL);
  } else if (cfg->ca_file != NULL) {
    DCI_SETOPT(set_str, CURLOPT_CAINFO, cfg->ca_file);
    DCI_SETOPT(set_str, CURLOPT_CAPATH, NULL);
  }
  /* The verified store is kept per multi handle (the thread's, or the
   * batch's) for this long, then read again (docs/limits.md). */
  DCI_SETOPT(set_long, CURLOPT_CA_CACHE_TIMEOUT, DC_CA_CACHE_SECONDS);
  /* timeouts */
  DCI_SETOPT(set_long, CURLOPT_CONNECTTIMEOUT_MS, connect);
  DCI_SETOPT(set_long, CURLOPT_TIMEOUT_MS, total);
  /* caps; no CURLOPT_ACCEPT_ENCODING (no decompression) */
  DCI_SETOPT(set_write_fn, CURLOPT_WRITEFUNCTION, on_body);
  DCI_SETOPT(set_ptr, CURLOPT_WRITEDATA, x);
  DCI_SETOPT(set_write_fn, CURLOPT_HEADERFUNCTION, on_header);
  DCI_SETOPT(set_ptr, CURLOPT_HEADERDATA, x);
  DCI_SETOPT(set_off, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body);
  if (req->fresh_connection || x->proxied) {
    /* through a proxy too: the pre-request check cannot see where a reused
     * tunnel leads, so every transfer gets its own (docs/security.md §2.9) */
    DCI_SETOPT(set_long, CURLOPT_FRESH_CONNECT, 1L);
    DCI_SETOPT(set_long, CURLOPT_FORBID_REUSE, 1L);
  } else {
    /* Connection reuse across calls of this client in this thread
     * (docs/security.md §2.8): safe because this transfer's pre-request
     * callback checks the reused connection's address against this
     * transfer's checked set before a byte is sent. Secret-bearing calls
     * never join. A call context (batch job) has no cache of its own: its
     * transfers share their multi handle's. */
    void *share = NULL;
    DCI_TRY(dci_conn_cache(c, &share));
    if (share != NULL) DCI_SETOPT(set_ptr, CURLOPT_SHARE, share);
  }
  DCI_SETOPT(set_str, CURLOPT_USERAGENT, "libdomainconnect/" DC_VERSION_STRING);
  /* method and body (not copied: req outlives the transfer) */
  if (post) {
    DCI_SETOPT(set_long, CURLOPT_POST, 1L);
    DCI_SETOPT(set_off, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    DCI_SETOPT(set_ptr, CURLOPT_POSTFIELDS, (void *)(req->body ? req->body : ""));
    if (req->content_type != NULL)
      DCI_TRY(add_header(c, &x->headers, "Content-Type: ", req->content_type));
    /* no "Expect: 100-continue" round trip */
    DCI_TRY(add_header(c, &x->headers, "Expect:", ""));
  } else {
    DCI_SETOPT(set_long, CURLOPT_HTTPGET, 1L);
  }
  if (req->bearer != NULL)
    DCI_TRY(add_header(c, &x->headers, "Authorization: Bearer ", req->bearer));
  if (x->headers != NULL) DCI_SETOPT(set_slist, CURLOPT_HTTPHEADER, x->headers);
done:
  return status;
}

/* dci_http_prepare and dci_http_prepare_resolved: `given` NULL resolves the
 * host here, else it is the address set the caller resolved for
 * `given_host`, which must be the URL's host. */
static dc_status prepare(dc_client *c, const dci_http_req *req, dci_http_resp *resp,
                         const char *given_host, const dci_addr_list *given,
                         dci_http_xfer **out)
{
  dc_status status = DC_OK;
  char *canon = NULL;
  dci_http_xfer *x = NULL;
  bool post = false;
  dci_buf pin;
  dci_buf_init(&pin, DC_MAX_NAME_LEN + 8 + DCI_MAX_ADDRS * 64);

  if (out != NULL) *out = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  if (req == NULL || resp == NULL || out == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "missing request or response");
  dci_set_http_status(c, 0);
  dci_buf_free(&resp->body);
  dci_buf_init(&resp->body, req->max_body ? req->max_body : (size_t)DC_MAX_API_BODY);
  resp->body.secret = true;
  resp->status = 0;
  resp->content_type[0] = '\0';

  DCI_TRY(check_req(c, req, &post));
  DCI_TRY(dci_check_https_url(c, "request URL", req->url, true, &canon));
  x = calloc(1, sizeof *x);
  if (x == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  x->c = c;
  x->req = req;
  x->resp = resp;
  DCI_TRY(parse_url(c, x, canon));
  if (given == NULL) {
    DCI_TRY(resolve_and_guard(c, x));
  } else {
    /* The addresses must belong to this URL's host: the pin and both
     * braces compare against them. */
    if (given_host == NULL || !dci_streq_nocase(given_host, x->host)) {
      status = dci_fail(c, DC_E_INTERNAL,
                        "addresses given for another host than the URL's (%s)", x->host);
      goto done;
    }
    if (given->n > DCI_MAX_ADDRS) {
      status = dci_fail(c, DC_E_LIMIT, "too many addresses for %s", x->host);
      goto done;
    }
    x->checked = *given;
    DCI_TRY(guard_checked(c, x));
  }

  /* TEST ONLY: see dci_http_set_test_hooks. */
  x->skip_socket_check = g_test_hooks.skip_socket_check;
  if (g_test_hooks.override_resolve != NULL) {
    if (dci_buf_append_str(&pin, g_test_hooks.override_resolve) != DC_OK) {
      status = dci_fail(c, DC_E_INVALID_ARG, "test resolve override too long");
      goto done;
    }
  } else {
    DCI_TRY(pin_string(c, x, &pin));
  }
  x->resolve = curl_slist_append(NULL, pin.data);
  x->easy = easy_take(c);
  if (x->resolve == NULL || x->easy == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  x->proxied = c->cfg->proxy_url != NULL;
  if (x->proxied) {
    dci_buf_free(&pin);
    dci_buf_init(&pin, DC_MAX_NAME_LEN + 80);
    DCI_TRY(connect_to_string(c, x, &pin));
    x->connect_to = curl_slist_append(NULL, pin.data);
    /* libcurl asks the resolver-start callback even for the proxy's
     * address literal: pin the proxy to itself (configuration, not DNS) */
    DCI_TRY(proxy_pin(c, x));
  }
  if (x->proxied && x->connect_to == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  DCI_TRY(configure(c, x, post));
  *out = x;
  x = NULL;
done:
  free(canon);
  dci_buf_free(&pin);
  dci_http_xfer_free(x);
  return status;
}

dc_status dci_http_prepare(dc_client *c, const dci_http_req *req,
                           dci_http_resp *resp, dci_http_xfer **out)
{
  return prepare(c, req, resp, NULL, NULL, out);
}

dc_status dci_http_prepare_resolved(dc_client *c, const dci_http_req *req,
                                    dci_http_resp *resp, const char *host,
                                    const dci_addr_list *checked,
                                    dci_http_xfer **out)
{
  if (out != NULL) *out = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  if (checked == NULL || host == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "no address set for the request");
  return prepare(c, req, resp, host, checked, out);
}

dc_status dci_http_target_host(dc_client *c, const dci_http_req *req,
                               char host[DC_MAX_NAME_LEN + 1])
{
  dc_status status = DC_OK;
  char *canon = NULL;
  bool post = false;
  dci_http_xfer *x = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  if (req == NULL || host == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "missing request or response");
  host[0] = '\0';
  dci_set_http_status(c, 0);
  DCI_TRY(check_req(c, req, &post));
  DCI_TRY(dci_check_https_url(c, "request URL", req->url, true, &canon));
  x = calloc(1, sizeof *x);
  if (x == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  DCI_TRY(parse_url(c, x, canon));
  memcpy(host, x->host, sizeof x->host);
done:
  free(canon);
  dci_http_xfer_free(x);
  return status;
}

/* ---- finishing */

/* True when `text` holds the bearer or a piece of the request body: such
 * text never goes into a detail. libcurl's messages do not quote request
 * data; this makes sure of it. */
static bool leaks_request(const dci_http_xfer *x, const char *text, size_t len)
{
  const dci_http_req *req = x->req;
  const char *pw = x->c->cfg->proxy_pass;
  if (pw != NULL && pw[0] != '\0' && memmem(text, len, pw, strlen(pw)) != NULL) return true;
  if (req->bearer != NULL) {
    size_t bl = strlen(req->bearer);
    if (bl > 0 && bl <= len && memmem(text, len, req->bearer, bl) != NULL) return true;
  }
  if (req->body != NULL && req->body_len > 0) {
    size_t w = req->body_len < 8 ? req->body_len : 8;
    for (size_t i = 0; i + w <= len; i++)
      if (memmem(req->body, req->body_len, text + i, w) != NULL) return true;
  }
  return false;
}

static void curl_error_text(const dci_http_xfer *x, CURLcode rc, char *out, size_t n)
{
  const char *src = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc);
  size_t len = strnlen(src, sizeof x->errbuf);
  /* the error buffer may end in a newline */
  while (len > 0 && (src[len - 1] == '\n' || src[len - 1] == '\r')) len--;
  if (leaks_request(x, src, len)) {
    src = curl_easy_strerror(rc);
    len = strlen(src);
  }
  dci_sanitize(out, n, src, len, DCI_DETAIL_TEXT);
}

static void location_text(dci_http_xfer *x, char *out, size_t n)
{
  struct curl_header *h = NULL;
  if (curl_easy_header(x->easy, "Location", 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
      h == NULL || h->value == NULL) {
    dci_sanitize(out, n, "(none)", 6, DCI_DETAIL_TEXT);
    return;
  }
  /* never print a query or fragment: it may carry a code or token; and in
   * a call that sent a secret, the path is masked with the call's secrets
   * (core/mask.h, docs/security.md §7.3) before anything is cut */
  size_t len = strcspn(h->value, "?#");
  dci_sanitize_server(x->c, out, n, h->value, len, DCI_DETAIL_TEXT);
}

dc_status dci_http_finish(dci_http_xfer *x, CURLcode rc)
{
  if (x == NULL) return DC_E_INVALID_ARG;
  dc_client *c = x->c;
  dci_http_resp *resp = x->resp;
  dc_status status = DC_OK;
  long code = 0;
  char *ct = NULL;

  if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK) code = 0;
  resp->status = code;
  dci_set_http_status(c, code);
  if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
    dci_sanitize(resp->content_type, sizeof resp->content_type, ct, strlen(ct),
                 sizeof resp->content_type - 4);
  if (resp->body.data == NULL && dci_buf_append(&resp->body, "", 0) != DC_OK)
    x->nomem = true;

  /* A refusal by either brace fails the call even when libcurl then got
   * through on another pinned address: it means the addresses changed
   * under us, and the caller must not trust the answer. */
  if (x->blocked) {
    status = dci_fail(c, DC_E_BLOCKED, "%s", x->why);
  } else if (x->resolve_attempted) {
    status = dci_fail(c, DC_E_INTERNAL,
                      "libcurl tried to resolve %s although its addresses were pinned",
                      x->host);
  } else if (x->nomem || rc == CURLE_OUT_OF_MEMORY) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
  } else if (x->body_over || rc == CURLE_FILESIZE_EXCEEDED) {
    status = dci_fail(c, DC_E_TOO_LARGE, "response body from %s exceeds %zu bytes",
                      x->host, resp->body.max);
  } else if (x->headers_over) {
    status = dci_fail(c, DC_E_TOO_LARGE, "response headers from %s exceed %d bytes",
                      x->host, DC_MAX_HEADER_BYTES);
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    char text[DCI_DETAIL_TEXT + 8];
    curl_error_text(x, rc, text, sizeof text);
    status = dci_fail(c, DC_E_TIMEOUT, "HTTPS request to %s timed out: %s", x->host, text);
  } else if (rc != CURLE_OK) {
    char text[DCI_DETAIL_TEXT + 8];
    curl_error_text(x, rc, text, sizeof text);
    status = dci_fail(c, DC_E_TRANSPORT, "HTTPS request to %s failed%s%s: %s", x->host,
                      x->proxied ? " through the proxy " : "",
                      x->proxied ? c->cfg->proxy_url : "", text);
  } else if (code >= 300 && code <= 399) {
    char loc[DCI_DETAIL_TEXT + 8];
    location_text(x, loc, sizeof loc);
    status = dci_fail(c, DC_E_REDIRECT,
                      "%s answered HTTP %ld with Location %s; redirects are never followed",
                      x->host, code, loc);
  } else if (code < 100 || code > 999) {
    status = dci_fail(c, DC_E_TRANSPORT, "%s sent no usable HTTP status", x->host);
  }
  dci_http_xfer_free(x);
  return status;
}

/* ---- one request on the thread's multi handle */

dc_status dci_http_perform(dc_client *c, const dci_http_req *req,
                           dci_http_resp *resp)
{
  dci_http_xfer *x = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  dc_status status = dci_http_prepare(c, req, resp, &x);
  return status == DC_OK ? dci_http_run(c, x) : status;
}

dc_status dci_http_run(dc_client *c, dci_http_xfer *x)
{
  dc_status status = DC_OK;
  CURLM *m = NULL;
  bool added = false, own_multi = false;
  CURLMcode mc = CURLM_OK;

  if (c == NULL || x == NULL) {
    dci_http_xfer_free(x);
    return DC_E_INVALID_ARG;
  }
  /* The thread's multi handle for this client: its CA store cache (libcurl
   * keeps one per multi) is loaded once, not per call. */
  void *tm = NULL;
  DCI_TRY(dci_thread_multi(c, &tm));
  m = tm;
  if (m == NULL) {
    m = curl_multi_init();
    if (m == NULL) {
      status = dci_fail(c, DC_E_NOMEM, "out of memory");
      goto done;
    }
    own_multi = true;
    /* The size of the connection cache the transfer returns its connection
     * to (the client's shared one): a multi handle of one transfer would
     * allow 4 and close the oldest of the others. */
    mc = curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)DC_MAX_IDLE_CONNECTIONS);
    if (mc != CURLM_OK) goto multi_failed;
  }
  mc = curl_multi_add_handle(m, x->easy);
  if (mc != CURLM_OK) goto multi_failed;
  added = true;
  /* libcurl enforces the connect and total timeouts inside perform. */
  for (;;) {
    int running = 0;
    mc = curl_multi_perform(m, &running);
    if (mc != CURLM_OK || running == 0) break;
    mc = curl_multi_poll(m, NULL, 0, 1000, NULL);
    if (mc != CURLM_OK) break;
  }
  if (mc != CURLM_OK) goto multi_failed;
  CURLcode rc = CURLE_OK;
  bool done_msg = false;
  CURLMsg *msg;
  int left = 0;
  while ((msg = curl_multi_info_read(m, &left)) != NULL) {
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == x->easy) {
      rc = msg->data.result;
      done_msg = true;
    }
  }
  if (!done_msg) {
    status = dci_fail(c, DC_E_INTERNAL, "libcurl ended the transfer without a result");
    goto done;
  }
  curl_multi_remove_handle(m, x->easy);
  added = false;
  status = dci_http_finish(x, rc);
  x = NULL;
  goto done;
multi_failed:
  status = dci_fail(c, mc == CURLM_OUT_OF_MEMORY ? DC_E_NOMEM : DC_E_INTERNAL,
                    "libcurl multi interface failed: %s", curl_multi_strerror(mc));
done:
  if (added) curl_multi_remove_handle(m, x->easy);
  dci_http_xfer_free(x);
  if (own_multi) curl_multi_cleanup(m);
  return status;
}
