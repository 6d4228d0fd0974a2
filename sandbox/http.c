/* domainconnect-sandbox: libmicrohttpd glue. libmicrohttpd parses HTTP;
 * this file collects the raw URI (for signature checks, the query must be
 * seen exactly as sent), caps the body, and turns sbx_resp into a
 * response with the security headers. */
#include "http.h"

#include <netinet/in.h>
#include <stdint.h>
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

/* One request. Owned by its connection's conn_state (below) from the URI
 * callback on, so that it is freed on every path: by the completion
 * callback, or when the connection closes without one (libmicrohttpd drops
 * a connection it cannot parse without calling it). */
struct conn_ctx {
  char *uri;          /* raw request target; NULL when too long */
  uintptr_t raw;      /* where libmicrohttpd's copy of it starts ... */
  size_t raw_len;     /* ... and its length up to the first NUL */
  bool uri_too_long;
  bool bad_byte;      /* a byte outside 0x21..0x7e in the request target */
  bool too_many;      /* more than SBX_MAX_PARAMS query parameters */
  bool started;
  bool too_large;
  size_t discarded;
  dcx_buf body;
};

/* One connection (libmicrohttpd's socket context): its current request. */
struct conn_state {
  struct conn_ctx *cur;
};

static void ctx_free(struct conn_ctx *c)
{
  if (c == NULL) return;
  dcx_buf_free(&c->body); /* wiped: secret */
  free(c->uri);
  free(c);
}

static void conn_cb(void *cls, struct MHD_Connection *con, void **socket_context,
                    enum MHD_ConnectionNotificationCode code)
{
  (void)cls;
  (void)con;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    *socket_context = calloc(1, sizeof(struct conn_state)); /* NULL: requests fail */
    return;
  }
  /* closed: the last call for this connection */
  struct conn_state *st = *socket_context;
  if (st != NULL) {
    ctx_free(st->cur);
    free(st);
  }
  *socket_context = NULL;
}

static struct conn_state *state_of(struct MHD_Connection *con)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

/* Query parameters in a request target: '&'-separated pieces after '?'
 * (empty ones too: libmicrohttpd stores each). */
static size_t count_params(const char *uri)
{
  const char *q = strchr(uri, '?');
  if (q == NULL || q[1] == '\0') return 0;
  size_t n = 1;
  for (q++; *q != '\0' && *q != '#'; q++)
    if (*q == '&') n++;
  return n;
}

_Static_assert(SBX_MAX_PARAMS == 256, "the 400 text below names the parameter cap");

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
  (void)cls;
  struct conn_state *st = state_of(con);
  if (st == NULL) return NULL;
  ctx_free(st->cur); /* a request whose completion never came */
  st->cur = NULL;
  struct conn_ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  dcx_buf_init(&c->body, SBX_MAX_BUF);
  c->body.secret = true; /* bodies may hold client secrets and tokens */
  if (uri == NULL) uri = "";
  c->raw = (uintptr_t)uri;
  c->raw_len = strlen(uri);
  /* RFC 3986: a request target is printable ASCII without spaces; a control
   * byte (NUL included, see line_intact) is a 400 (docs/security.md §5) */
  for (size_t i = 0; i < c->raw_len && !c->bad_byte; i++) {
    unsigned char b = (unsigned char)uri[i];
    c->bad_byte = b <= 0x20 || b >= 0x7f;
  }
  c->too_many = count_params(uri) > SBX_MAX_PARAMS;
  if (c->raw_len > SBX_MAX_URI) c->uri_too_long = true;
  else c->uri = dcx_strdup(uri);
  st->cur = c;
  return c;
}

static void completed_cb(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)toe;
  struct conn_ctx *c = *con_cls;
  struct conn_state *st = state_of(con);
  if (st != NULL && st->cur == c) st->cur = NULL;
  ctx_free(c);
  *con_cls = NULL;
}

/* libmicrohttpd parses the request line "METHOD SP TARGET SP VERSION" in
 * place, ending each part with a NUL where the space was, and hands the
 * parts over as C strings: a raw NUL byte inside the method or the target
 * hides the bytes after it. The parts are adjacent in its buffer, so a gap
 * between where one string ends and the next begins is such a byte.
 * (When the parts are not where that layout puts them, nothing is
 * concluded.) */
static bool line_intact(const char *method, const struct conn_ctx *c, const char *version)
{
  uintptr_t m = (uintptr_t)method, t = c->raw, v = (uintptr_t)version;
  uintptr_t m_end = m + strlen(method) + 1, t_end = t + c->raw_len + 1;
  if (t > m_end && t - m <= 4096) return false;
  if (version != NULL && version[0] != '\0' && v > t_end && v - t <= SBX_CONN_MEMORY)
    return false;
  return true;
}

struct hdr_sum {
  size_t bytes;
  bool nul;
};

static enum MHD_Result hdr_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                              size_t key_size, const char *value, size_t value_size)
{
  struct hdr_sum *s = cls;
  (void)kind;
  s->bytes += key_size + value_size + 4;
  if (strlen(key) != key_size || (value != NULL && strlen(value) != value_size)) s->nul = true;
  return MHD_YES;
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
  if (c == NULL) return MHD_NO; /* out of memory in uri_cb */
  if (!c->started) {
    c->started = true;
    struct hdr_sum hs = {0, false};
    (void)MHD_get_connection_values_n(con, MHD_HEADER_KIND, hdr_cb, &hs);
    if (!line_intact(method, c, version))
      return early(con, method, 400, "invalid_request", "the request line carries a NUL byte");
    if (c->uri_too_long)
      return early(con, method, 414, "invalid_request", "the request URI is too long");
    if (c->bad_byte)
      return early(con, method, 400, "invalid_request",
                   "the request target carries a control byte, a space or a byte outside "
                   "ASCII (percent-encode it)");
    if (c->too_many)
      return early(con, method, 400, "invalid_request",
                   "too many query parameters (at most 256)");
    if (hs.nul) return early(con, method, 400, "invalid_request", "a header carries a NUL byte");
    if (hs.bytes > SBX_MAX_HEADER_BYTES)
      return early(con, method, 431, "invalid_request", "the request header fields are too large");
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
                          /* sized for the longest URI's arguments (util.h) */
                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SBX_CONN_MEMORY,
                          /* no MHD_OPTION_LISTENING_ADDRESS_REUSE: its "1"
                           * is SO_REUSEPORT (a second server would share our
                           * connections), its "0" drops SO_REUSEADDR (a
                           * restart would wait for TIME_WAIT); the default
                           * is SO_REUSEADDR only */
                          MHD_OPTION_URI_LOG_CALLBACK, uri_cb, (void *)h,
                          MHD_OPTION_NOTIFY_COMPLETED, completed_cb, (void *)h,
                          MHD_OPTION_NOTIFY_CONNECTION, conn_cb, (void *)h,
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
