/* domainconnect-sandbox: libmicrohttpd glue. libmicrohttpd parses HTTP;
 * this file collects the raw URI (for signature checks, the query must be
 * seen exactly as sent), caps the body, and turns sbx_resp into a
 * response with the security headers. */
#include "http.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#define DISCARD_MAX (1024 * 1024) /* body bytes read past the cap before closing */

struct sbx_http {
  struct MHD_Daemon *d;
  struct sbx_app *app;
};

struct conn_ctx {
  char *uri;          /* raw request target; NULL when too long */
  bool uri_too_long;
  bool started;
  bool too_large;
  size_t discarded;
  dcx_buf body;
};

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
  (void)cls;
  (void)con;
  struct conn_ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  dcx_buf_init(&c->body, SBX_MAX_BUF);
  c->body.secret = true; /* bodies may hold client secrets and tokens */
  if (uri == NULL) uri = "";
  if (strlen(uri) > SBX_MAX_URI) c->uri_too_long = true;
  else c->uri = dcx_strdup(uri);
  return c;
}

static void completed_cb(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)con;
  (void)toe;
  struct conn_ctx *c = *con_cls;
  if (c == NULL) return;
  dcx_buf_free(&c->body); /* wiped: secret */
  free(c->uri);
  free(c);
  *con_cls = NULL;
}

static void log_cb(void *cls, const char *fmt, va_list ap) DCX_PRINTF(2, 0);
static void log_cb(void *cls, const char *fmt, va_list ap)
{
  (void)cls;
  char line[512];
  vsnprintf(line, sizeof line, fmt, ap);
  size_t l = strlen(line);
  while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = '\0';
  sbx_log(SBX_DEBUG, "libmicrohttpd: %s", line);
}

static enum MHD_Result send_resp(struct MHD_Connection *con, const char *method,
                                 const char *path, struct sbx_resp *r)
{
  struct MHD_Response *mr;
  if (r->body != NULL && r->len > 0) {
    mr = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
    if (mr != NULL) r->body = NULL;
  } else {
    mr = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  }
  if (mr == NULL) return MHD_NO;
  bool ok = true;
  if (r->ctype != NULL) ok = ok && MHD_add_response_header(mr, "Content-Type", r->ctype);
  ok = ok && MHD_add_response_header(mr, "Cache-Control", "no-store");
  ok = ok && MHD_add_response_header(mr, "Pragma", "no-cache");
  ok = ok && MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
  ok = ok && MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
  if (r->html) {
    ok = ok && MHD_add_response_header(mr, "Content-Security-Policy",
                                       "default-src 'none'; style-src 'unsafe-inline'; "
                                       "frame-ancestors 'none'; base-uri 'none'");
    ok = ok && MHD_add_response_header(mr, "X-Frame-Options", "DENY");
  }
  if (r->location != NULL) ok = ok && MHD_add_response_header(mr, "Location", r->location);
  if (r->www_authenticate != NULL)
    ok = ok && MHD_add_response_header(mr, "WWW-Authenticate", r->www_authenticate);
  if (r->allow != NULL) ok = ok && MHD_add_response_header(mr, "Allow", r->allow);
  enum MHD_Result res = MHD_NO;
  if (ok) res = MHD_queue_response(con, r->status, mr);
  MHD_destroy_response(mr);
  /* the access log: method, path (never the query: it may carry secrets),
   * status */
  char p[160];
  size_t i = 0;
  for (; path != NULL && path[i] != '\0' && i + 1 < sizeof p; i++)
    p[i] = dcx_is_print((unsigned char)path[i]) ? path[i] : '?';
  p[i] = '\0';
  sbx_log(SBX_INFO, "%s %s -> %u", method, p, r->status);
  return res;
}

static enum MHD_Result early(struct MHD_Connection *con, const char *method, unsigned status,
                             const char *error, const char *desc)
{
  struct sbx_resp r;
  memset(&r, 0, sizeof r);
  sbx_resp_error(&r, status, error, desc);
  enum MHD_Result res = send_resp(con, method, "-", &r);
  sbx_resp_clear(&r);
  return res;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
  struct sbx_http *h = cls;
  struct conn_ctx *c = *con_cls;
  (void)url;
  (void)version;
  if (c == NULL) return MHD_NO; /* out of memory in uri_cb */
  if (!c->started) {
    c->started = true;
    if (c->uri_too_long)
      return early(con, method, 414, "invalid_request", "the request URI is too long");
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
    long n = 0;
    if (cl != NULL && (!dcx_parse_long(cl, 0, 1L << 40, &n) || n > SBX_MAX_BODY))
      return early(con, method, 413, "invalid_request", "the request body is too large");
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    size_t size = *upload_data_size;
    *upload_data_size = 0;
    if (!c->too_large && c->body.len + size > SBX_MAX_BODY) {
      c->too_large = true;
      dcx_buf_free(&c->body);
    }
    if (c->too_large) {
      c->discarded += size;
      return c->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
    }
    if (!dcx_buf_add(&c->body, upload_data, size)) return MHD_NO;
    return MHD_YES;
  }
  if (c->too_large)
    return early(con, method, 413, "invalid_request", "the request body is too large");
  if (c->uri == NULL) return early(con, method, 500, "server_error", "out of memory");
  /* the whole request is here */
  struct sbx_req req;
  struct sbx_resp resp;
  memset(&req, 0, sizeof req);
  memset(&resp, 0, sizeof resp);
  char *uri = c->uri;
  char *frag = strchr(uri, '#');
  if (frag != NULL) *frag = '\0';
  char *q = strchr(uri, '?');
  req.path = uri;
  req.query = (char *)"";
  if (q != NULL) {
    *q = '\0';
    req.query = q + 1;
  }
  req.method = strcmp(method, "HEAD") == 0 ? "GET" : method;
  req.body = c->body.data != NULL ? c->body.data : "";
  req.body_len = c->body.len;
  req.content_type = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
  req.authorization = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
  if (req.path[0] != '/') {
    sbx_resp_error(&resp, 400, "invalid_request", "the request target must be a path");
  } else {
    sbx_route(h->app, &req, &resp);
  }
  if (resp.status == 0) sbx_resp_error(&resp, 500, "server_error", "no response");
  enum MHD_Result res = send_resp(con, method, req.path, &resp);
  sbx_resp_clear(&resp);
  return res;
}

struct sbx_http *sbx_http_start(struct sbx_app *app, const struct sockaddr *addr,
                                const char *key_pem, const char *cert_pem, char *err,
                                size_t errsz)
{
  struct sbx_http *h = calloc(1, sizeof *h);
  if (h == NULL) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  h->app = app;
  unsigned flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD |
                   MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
  if (addr->sa_family == AF_INET6) flags |= MHD_USE_IPv6;
  uint16_t port = addr->sa_family == AF_INET6
                      ? ntohs(((const struct sockaddr_in6 *)(const void *)addr)->sin6_port)
                      : ntohs(((const struct sockaddr_in *)(const void *)addr)->sin_port);
  h->d = MHD_start_daemon(flags, port, NULL, NULL, handler, h,
                          MHD_OPTION_SOCK_ADDR, addr,
                          MHD_OPTION_HTTPS_MEM_KEY, key_pem,
                          MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned int)128,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
                          /* no MHD_OPTION_LISTENING_ADDRESS_REUSE: its "1"
                           * is SO_REUSEPORT (a second server would share our
                           * connections), its "0" drops SO_REUSEADDR (a
                           * restart would wait for TIME_WAIT); the default
                           * is SO_REUSEADDR only */
                          MHD_OPTION_URI_LOG_CALLBACK, uri_cb, (void *)h,
                          MHD_OPTION_NOTIFY_COMPLETED, completed_cb, (void *)h,
                          MHD_OPTION_EXTERNAL_LOGGER, log_cb, (void *)h,
                          MHD_OPTION_END);
  if (h->d == NULL) {
    snprintf(err, errsz, "cannot start the HTTPS server (address in use, or not allowed to "
                         "bind the port?)");
    free(h);
    return NULL;
  }
  return h;
}

void sbx_http_stop(struct sbx_http *h)
{
  if (h == NULL) return;
  MHD_stop_daemon(h->d);
  free(h);
}
