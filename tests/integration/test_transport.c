/* Integration tests of the HTTPS transport and its SSRF guard
 * (src/http/transport.c) against Knot (zones/transport.test.zone) and
 * httpsd.py on 127.0.0.2:443, both started by harness.py.
 * Environment: DC_TEST_DNS, DC_TEST_CA, DC_TEST_WRONG_CA, DC_TEST_HTTPS_LOG. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "it_support.h"

#include "core/internal.h"
#include "domainconnect/net.h"
#include "http/transport.h"
#include "http/xfer.h"

#define BASE "https://ok.transport.test"

/* ---- the request log of httpsd.py (one JSON object per line):
 * it_log_lines, it_log_json (tests/support/it_support.h) */

/* Line count once the server had time to log a request it might have got;
 * used where the assertion is that nothing arrived. */
static size_t log_lines_settled(void)
{
  struct timespec ts = {0, 200 * 1000 * 1000};
  nanosleep(&ts, NULL);
  return it_log_lines();
}

/* The JSON object on line `idx` (0-based) of the log. */
static json_t *log_entry(size_t idx)
{
  return it_log_json((long)idx);
}

static const char *jstr(json_t *obj, const char *key)
{
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v)) fail_msg("no string \"%s\" in the JSON", key);
  return json_string_value(v);
}

/* ---- fixtures */

typedef struct {
  dc_client *c;
  dci_http_req req;
  dci_http_resp resp;
} fx;

/* The test DNS and CA; `allow` puts 127.0.0.2 (only) on the allow list. */
static dc_client *new_client(bool allow)
{
  return it_client_tls(it_env("DC_TEST_DNS"), allow ? IT_ALLOW_API : IT_ALLOW_NONE);
}

static int setup(void **state)
{
  fx *f = calloc(1, sizeof *f);
  if (f == NULL) return -1;
  f->c = new_client(true);
  f->req.method = "GET";
  f->req.max_body = 16 * 1024;
  dci_http_resp_init(&f->resp);
  dci_http_set_test_hooks(NULL);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fx *f = *state;
  dci_http_set_test_hooks(NULL);
  dci_http_resp_free(&f->resp);
  dc_client_free(f->c);
  free(f);
  return 0;
}

static dc_status get(fx *f, const char *url)
{
  f->req.url = url;
  return dci_http_perform(f->c, &f->req, &f->resp);
}

static void assert_detail_has(const dc_client *c, const char *needle)
{
  const char *d = dc_client_error(c);
  if (strstr(d, needle) == NULL) fail_msg("detail \"%s\" lacks \"%s\"", d, needle);
}

static void assert_detail_lacks(const dc_client *c, const char *needle)
{
  const char *d = dc_client_error(c);
  if (strstr(d, needle) != NULL) fail_msg("detail \"%s\" contains \"%s\"", d, needle);
}

/* GET url fails with `want` after `sent` requests reached the server (the
 * request log), with HTTP status `http` (0: none) and a detail that names
 * each of `has` and none of `lacks` (NULL-terminated lists). */
static void expect_refused(fx *f, const char *url, dc_status want, long http, size_t sent,
                           const char *const *has, const char *const *lacks)
{
  size_t before = it_log_lines();
  assert_status(get(f, url), want);
  assert_int_equal(dc_client_http_status(f->c), http);
  for (; *has != NULL; has++) assert_detail_has(f->c, *has);
  for (; *lacks != NULL; lacks++) assert_detail_lacks(f->c, *lacks);
  assert_int_equal(log_lines_settled(), before + sent);
}

#define NONE ((const char *const[]){NULL})
#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static double now_s(void) { return it_now_ms() / 1000.0; }

/* ---- plain requests */

static void test_get_ok(void **state)
{
  fx *f = *state;
  size_t before = it_log_lines();
  assert_status(get(f, BASE "/_test/status/200"), DC_OK);
  assert_int_equal(f->resp.status, 200);
  assert_int_equal(dc_client_http_status(f->c), 200);
  assert_string_equal(f->resp.body.data, "{\"status\": 200}");
  assert_string_equal(f->resp.content_type, "application/json");
  assert_int_equal(it_log_lines(), before + 1);
  json_t *e = log_entry(before);
  assert_string_equal(jstr(e, "method"), "GET");
  assert_string_equal(jstr(e, "path_and_query"), "/_test/status/200");
  assert_string_equal(jstr(e, "addr"), "127.0.0.2");
  json_decref(e);
}

/* The twin of every allowed request: without the TEST-ONLY allowance the
 * loopback test server is refused and never contacted. */
static void test_blocked_without_allowance(void **state)
{
  fx *f = *state;
  dc_client_free(f->c);
  f->c = new_client(false);
  expect_refused(f, BASE "/_test/status/200", DC_E_BLOCKED, 0, 0,
                 LIST("127.0.0.2", "ok.transport.test", "loopback"), NONE);
}

/* Host and SNI carry the name although the address is pinned. */
static void test_host_and_sni(void **state)
{
  fx *f = *state;
  assert_status(get(f, BASE "/_test/echo?a=1&b=2"), DC_OK);
  json_error_t err;
  json_t *j = json_loads(f->resp.body.data, 0, &err);
  assert_non_null(j);
  assert_string_equal(jstr(j, "sni"), "ok.transport.test");
  assert_string_equal(jstr(j, "query"), "a=1&b=2");
  json_t *h = json_object_get(j, "headers");
  assert_string_equal(jstr(h, "Host"), "ok.transport.test");
  /* no content decoding offered, no bearer on an unauthenticated call */
  assert_null(json_object_get(h, "Accept-Encoding"));
  assert_null(json_object_get(h, "Authorization"));
  json_decref(j);
}

static void test_status_codes_are_ok(void **state)
{
  fx *f = *state;
  assert_status(get(f, BASE "/_test/status/404"), DC_OK);
  assert_int_equal(f->resp.status, 404);
  assert_int_equal(dc_client_http_status(f->c), 404);
  assert_string_equal(f->resp.body.data, "{\"status\": 404}");
  assert_status(get(f, BASE "/_test/status/500"), DC_OK);
  assert_int_equal(f->resp.status, 500);
  assert_int_equal(dc_client_http_status(f->c), 500);
  assert_status(get(f, BASE "/_test/status/204"), DC_OK);
  assert_int_equal(f->resp.status, 204);
  assert_non_null(f->resp.body.data);
  assert_string_equal(f->resp.body.data, "");
}

static void test_post_json_with_bearer(void **state)
{
  fx *f = *state;
  static const char body[] = "{\"grant_type\":\"x\",\"n\":1}";
  f->req.method = "POST";
  f->req.body = body;
  f->req.body_len = sizeof body - 1;
  f->req.content_type = "application/json";
  f->req.bearer = "tok.EN-123~_+/=";
  f->req.fresh_connection = true;
  size_t before = it_log_lines();
  assert_status(get(f, BASE "/_test/echo"), DC_OK);
  assert_int_equal(f->resp.status, 200);
  assert_int_equal(it_log_lines(), before + 1);
  json_t *e = log_entry(before);
  assert_string_equal(jstr(e, "method"), "POST");
  assert_string_equal(jstr(e, "body"), body);
  json_t *h = json_object_get(e, "headers");
  assert_string_equal(jstr(h, "Authorization"), "Bearer tok.EN-123~_+/=");
  assert_string_equal(jstr(h, "Content-Type"), "application/json");
  assert_null(json_object_get(h, "Expect"));
  json_decref(e);
}

/* Connections are reused across calls of one client (the share handle),
 * never for secret-bearing (fresh_connection) requests. */
static void test_connection_reuse(void **state)
{
  fx *f = *state;
  size_t before = it_log_lines();
  assert_status(get(f, BASE "/_test/status/200"), DC_OK);
  dci_http_resp_free(&f->resp);
  dci_http_resp_init(&f->resp);
  assert_status(get(f, BASE "/_test/status/200"), DC_OK);
  dci_http_resp_free(&f->resp);
  dci_http_resp_init(&f->resp);
  f->req.fresh_connection = true;
  assert_status(get(f, BASE "/_test/status/200"), DC_OK);
  dci_http_resp_free(&f->resp);
  dci_http_resp_init(&f->resp);
  assert_status(get(f, BASE "/_test/status/200"), DC_OK);
  assert_int_equal(it_log_lines(), before + 4);
  json_t *e0 = log_entry(before), *e1 = log_entry(before + 1);
  json_t *e2 = log_entry(before + 2), *e3 = log_entry(before + 3);
  /* same client port: the second call reused the first call's connection */
  assert_string_equal(jstr(e0, "client"), jstr(e1, "client"));
  /* fresh connections: neither reuses a pooled one nor is reused */
  assert_string_not_equal(jstr(e1, "client"), jstr(e2, "client"));
  assert_string_not_equal(jstr(e2, "client"), jstr(e3, "client"));
  json_decref(e0);
  json_decref(e1);
  json_decref(e2);
  json_decref(e3);
}

static void test_ca_blob(void **state)
{
  fx *f = *state;
  dc_client_free(f->c);
  f->c = NULL;
  assert_status(dc_client_new(&f->c), DC_OK);
  assert_status(dc_client_add_dns_server(f->c, it_env("DC_TEST_DNS")), DC_OK);
  assert_status(dc_client_test_only_allow_address(f->c, "127.0.0.2"), DC_OK);
  size_t len = 0;
  char *pem = tu_read_file(it_env("DC_TEST_CA"), &len);
  assert_status(dc_client_set_ca_blob(f->c, pem, len), DC_OK);
  free(pem);
  assert_status(get(f, BASE "/_test/status/200"), DC_OK);
  assert_int_equal(f->resp.status, 200);
}

/* Proxy variables from the environment are ignored (CURLOPT_PROXY ""): with
 * them honoured, libcurl would connect to 127.0.0.1:9 instead. */
static void test_environment_proxy_ignored(void **state)
{
  fx *f = *state;
  static const char *const vars[] = {"https_proxy", "HTTPS_PROXY", "all_proxy",
                                     "ALL_PROXY"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    assert_int_equal(setenv(vars[i], "http://127.0.0.1:9", 1), 0);
  dc_status st = get(f, BASE "/_test/status/200");
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
  assert_status(st, DC_OK);
  assert_int_equal(f->resp.status, 200);
}

/* The CURLOPT_RESOLVE pin accepts bracketed IPv6 entries: ::1 (no listener)
 * is tried and refused by the kernel, then 127.0.0.2 answers. */
static void test_dual_stack_pin(void **state)
{
  fx *f = *state;
  assert_status(dc_client_test_only_allow_address(f->c, "::1"), DC_OK);
  assert_status(get(f, "https://dual.transport.test/_test/status/200"), DC_OK);
  assert_int_equal(f->resp.status, 200);
}

/* ---- redirects are never followed */

static void test_redirect_302(void **state)
{
  fx *f = *state;
  expect_refused(f, BASE "/_test/redirect", DC_E_REDIRECT, 302, 1,
                 LIST("https://127.0.0.1/secret"), LIST("x=1", "?"));
}

static void test_redirect_307_post(void **state)
{
  fx *f = *state;
  static const char body[] = "{\"secret\":\"s3cr3t-value\"}";
  f->req.method = "POST";
  f->req.body = body;
  f->req.body_len = sizeof body - 1;
  f->req.content_type = "application/json";
  /* one request: the POST was not replayed anywhere */
  expect_refused(f, BASE "/_test/redirect307", DC_E_REDIRECT, 307, 1, LIST("307"),
                 LIST("x=1", "s3cr3t"));
}

/* ---- caps and timeouts */

static void test_big_chunked(void **state)
{
  fx *f = *state;
  assert_status(get(f, BASE "/_test/big-chunked?bytes=1048576"), DC_E_TOO_LARGE);
  assert_detail_has(f->c, "16384");
  assert_true(f->resp.body.len <= 16 * 1024);
}

static void test_big_length(void **state)
{
  fx *f = *state;
  assert_status(get(f, BASE "/_test/big-length?bytes=1048576"), DC_E_TOO_LARGE);
  assert_true(f->resp.body.len <= 16 * 1024);
}

/* The cap is inclusive: exactly max_body bytes pass, one more does not. */
static void test_body_cap_edge(void **state)
{
  fx *f = *state;
  assert_status(get(f, BASE "/_test/big-length?bytes=16384"), DC_OK);
  assert_int_equal(f->resp.body.len, 16384);
  assert_status(get(f, BASE "/_test/big-chunked?bytes=16384"), DC_OK);
  assert_int_equal(f->resp.body.len, 16384);
  assert_status(get(f, BASE "/_test/big-length?bytes=16385"), DC_E_TOO_LARGE);
  assert_status(get(f, BASE "/_test/big-chunked?bytes=16385"), DC_E_TOO_LARGE);
}

static void test_big_headers(void **state)
{
  fx *f = *state;
  assert_status(get(f, BASE "/_test/big-headers?bytes=65536"), DC_E_TOO_LARGE);
  assert_detail_has(f->c, "headers");
  /* a modest header is fine */
  assert_status(get(f, BASE "/_test/big-headers?bytes=1000"), DC_OK);
}

static void test_slow_body_times_out(void **state)
{
  fx *f = *state;
  f->req.total_timeout_ms = 1000;
  double t0 = now_s();
  assert_status(get(f, BASE "/_test/slow?seconds=30"), DC_E_TIMEOUT);
  double dt = now_s() - t0;
  if (dt >= 2.0) fail_msg("timeout took %.2f s", dt);
  assert_true(dt >= 0.9);
}

static void test_client_total_timeout(void **state)
{
  fx *f = *state;
  assert_status(dc_client_set_timeout_ms(f->c, DC_TIMEOUT_TOTAL, 600), DC_OK);
  double t0 = now_s();
  assert_status(get(f, BASE "/_test/slow?seconds=30"), DC_E_TIMEOUT);
  assert_true(now_s() - t0 < 1.5);
}

/* ---- TLS */

static void test_wrong_ca(void **state)
{
  fx *f = *state;
  static const char body[] = "{\"client_secret\":\"never-in-a-detail\"}";
  assert_status(dc_client_set_ca_file(f->c, it_env("DC_TEST_WRONG_CA")), DC_OK);
  f->req.method = "POST";
  f->req.body = body;
  f->req.body_len = sizeof body - 1;
  f->req.content_type = "application/json";
  f->req.bearer = "bearer-never-in-a-detail";
  expect_refused(f, BASE "/_test/echo", DC_E_TRANSPORT, 0, 0,
                 LIST("ok.transport.test", "certificate"), LIST("never-in-a-detail"));
}

/* x.nocert.transport.test resolves (CNAME) to 127.0.0.2 but is not in the
 * server certificate. */
static void test_wrong_host_name(void **state)
{
  fx *f = *state;
  size_t before = it_log_lines();
  assert_status(get(f, "https://x.nocert.transport.test/_test/status/200"),
                DC_E_TRANSPORT);
  assert_detail_has(f->c, "x.nocert.transport.test");
  assert_int_equal(log_lines_settled(), before);
}

/* ---- the guard */

/* One forbidden address among allowed ones refuses the whole name before
 * any connection. */
static void test_mixed_answer_refused(void **state)
{
  fx *f = *state;
  size_t before = it_log_lines();
  assert_status(get(f, "https://mixed.transport.test/_test/status/200"), DC_E_BLOCKED);
  assert_detail_has(f->c, "127.0.0.3");
  assert_detail_has(f->c, "loopback");
  assert_detail_has(f->c, "no connection made");
  assert_status(get(f, "https://mixed6.transport.test/_test/status/200"), DC_E_BLOCKED);
  assert_detail_has(f->c, "::1");
  assert_int_equal(log_lines_settled(), before);
}

/* A plain TCP listener on 127.0.0.1:443 that must never see a connection. */
static int open_trap(void)
{
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  assert_true(s >= 0);
  int one = 1;
  assert_int_equal(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons(443);
  sin.sin_addr.s_addr = htonl(0x7f000001);
  if (bind(s, (struct sockaddr *)&sin, sizeof sin) != 0)
    fail_msg("bind 127.0.0.1:443: %s", strerror(errno));
  assert_int_equal(listen(s, 16), 0);
  return s;
}

static void assert_trap_untouched(int s)
{
  int a = accept(s, NULL, NULL);
  if (a >= 0) {
    close(a);
    close(s);
    fail_msg("the rebinding target accepted a connection");
  }
  assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
  close(s);
}

/* DNS rebinding, brace 1: the guard checked 127.0.0.2 but libcurl is told
 * 127.0.0.1. 127.0.0.1 is even on the allow list here, so only the
 * "in the checked set" rule of the open-socket callback stands between the
 * transfer and the listener. */
static void test_rebinding_not_in_checked_set(void **state)
{
  fx *f = *state;
  assert_status(dc_client_test_only_allow_address(f->c, "127.0.0.1"), DC_OK);
  int trap = open_trap();
  struct dci_http_test_hooks h = {.override_resolve = "ok.transport.test:443:127.0.0.1"};
  dci_http_set_test_hooks(&h);
  size_t before = it_log_lines();
  dc_status st = get(f, BASE "/_test/status/200");
  dci_http_set_test_hooks(NULL);
  assert_trap_untouched(trap);
  assert_status(st, DC_E_BLOCKED);
  assert_detail_has(f->c, "guard refused connecting to 127.0.0.1 port 443");
  assert_detail_has(f->c, "opening the socket");
  assert_detail_has(f->c, "not one of the addresses checked");
  assert_int_equal(dc_client_guard_reason(f->c), DC_GUARD_BLOCKED_ADDRESS);
  assert_int_equal(log_lines_settled(), before);
}

/* The same without the allowance: the classification refuses it too. */
static void test_rebinding_to_loopback(void **state)
{
  fx *f = *state;
  int trap = open_trap();
  struct dci_http_test_hooks h = {.override_resolve = "ok.transport.test:443:127.0.0.1"};
  dci_http_set_test_hooks(&h);
  dc_status st = get(f, BASE "/_test/status/200");
  dci_http_set_test_hooks(NULL);
  assert_trap_untouched(trap);
  assert_status(st, DC_E_BLOCKED);
  assert_detail_has(f->c, "127.0.0.1");
  assert_detail_has(f->c, "loopback");
  assert_int_equal(dc_client_guard_reason(f->c), DC_GUARD_BLOCKED_ADDRESS);
}

/* Brace 2 alone: the open-socket check is switched off (test hook), the
 * checked set is pre.transport.test = 127.0.0.3, the transfer is pinned to
 * the real server at 127.0.0.2 (allowed, certificate valid for the name).
 * TLS completes; the pre-request callback must stop the request. */
static void test_prereq_brace(void **state)
{
  fx *f = *state;
  assert_status(dc_client_test_only_allow_address(f->c, "127.0.0.3"), DC_OK);
  struct dci_http_test_hooks h = {.override_resolve = "pre.transport.test:443:127.0.0.2",
                                  .skip_socket_check = true};
  dci_http_set_test_hooks(&h);
  static const char body[] = "{\"client_secret\":\"abc\"}";
  f->req.method = "POST";
  f->req.body = body;
  f->req.body_len = sizeof body - 1;
  f->req.content_type = "application/json";
  size_t before = it_log_lines();
  dc_status st = get(f, "https://pre.transport.test/_test/echo");
  dci_http_set_test_hooks(NULL);
  assert_status(st, DC_E_BLOCKED);
  assert_detail_has(f->c, "127.0.0.2");
  assert_detail_has(f->c, "before sending the request");
  assert_detail_has(f->c, "not one of the addresses checked");
  assert_int_equal(dc_client_guard_reason(f->c), DC_GUARD_BLOCKED_ADDRESS);
  assert_int_equal(log_lines_settled(), before);
}

/* The braces' own rules carry reasons too (docs/security.md §2.11): called
 * directly, as libcurl calls them, with a transfer whose checked set is
 * 127.0.0.3 for ok.transport.test on 443. 127.0.0.2 is on the allow list, so
 * only the braces' rules refuse it: outside the checked set
 * (blocked_address), another port (port). The first refusal's reason
 * stays. */
static void brace_xfer(dci_http_xfer *x, dc_client *c)
{
  memset(x, 0, sizeof *x);
  x->c = c;
  snprintf(x->host, sizeof x->host, "ok.transport.test");
  x->port = DCI_HTTPS_PORT;
  x->checked.n = 1;
  x->checked.a[0].family = AF_INET;
  assert_int_equal(inet_pton(AF_INET, "127.0.0.3", x->checked.a[0].b), 1);
}

static struct curl_sockaddr brace_sockaddr(const char *ip, unsigned port)
{
  struct curl_sockaddr sa;
  memset(&sa, 0, sizeof sa);
  sa.family = AF_INET;
  sa.socktype = SOCK_STREAM;
  sa.protocol = IPPROTO_TCP;
  sa.addrlen = sizeof(struct sockaddr_in);
  struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&sa.addr;
  sin->sin_family = AF_INET;
  sin->sin_port = htons((uint16_t)port);
  assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
  return sa;
}

/* Brace 1 (the socket check) refuses ip:port with `why` in the detail and
 * `reason` on the call record. */
static void socket_refused(dci_http_xfer *x, dc_client *c, const char *ip, unsigned port,
                           const char *why, dc_guard_reason reason)
{
  struct curl_sockaddr sa = brace_sockaddr(ip, port);
  assert_true(dci_xfer_on_open_socket(x, CURLSOCKTYPE_IPCXN, &sa) == CURL_SOCKET_BAD);
  assert_true(x->blocked);
  assert_non_null(strstr(x->why, why));
  assert_int_equal(dc_client_guard_reason(c), reason);
}

static void test_brace_reasons(void **state)
{
  fx *f = *state;
  dci_http_xfer x;
  /* brace 1: outside the checked set */
  brace_xfer(&x, f->c);
  dci_clear(f->c);
  socket_refused(&x, f->c, "127.0.0.2", 443, "not one of the addresses checked",
                 DC_GUARD_BLOCKED_ADDRESS);
  /* brace 1: another port; a later refusal keeps the first reason */
  brace_xfer(&x, f->c);
  dci_clear(f->c);
  socket_refused(&x, f->c, "127.0.0.3", 8443, "not port 443",
                 DC_GUARD_PORT);
  socket_refused(&x, f->c, "127.0.0.2", 443, "not port 443",
                 DC_GUARD_PORT);
  /* brace 1: the guard's own rule (loopback, not allowed) keeps its reason */
  brace_xfer(&x, f->c);
  dci_clear(f->c);
  socket_refused(&x, f->c, "127.0.0.1", 443, "loopback",
                 DC_GUARD_BLOCKED_ADDRESS);
  /* brace 2: another port, then outside the checked set */
  char ip3[] = "127.0.0.3", ip2[] = "127.0.0.2", local[] = "127.0.0.9";
  brace_xfer(&x, f->c);
  dci_clear(f->c);
  assert_int_equal(dci_xfer_on_prereq(&x, ip3, local, 444, 50000), CURL_PREREQFUNC_ABORT);
  assert_non_null(strstr(x.why, "before sending the request"));
  assert_int_equal(dc_client_guard_reason(f->c), DC_GUARD_PORT);
  brace_xfer(&x, f->c);
  dci_clear(f->c);
  assert_int_equal(dci_xfer_on_prereq(&x, ip2, local, 443, 50000), CURL_PREREQFUNC_ABORT);
  assert_int_equal(dc_client_guard_reason(f->c), DC_GUARD_BLOCKED_ADDRESS);
  /* the checked address on 443 passes and notes nothing */
  brace_xfer(&x, f->c);
  assert_status(dc_client_test_only_allow_address(f->c, "127.0.0.3"), DC_OK);
  dci_clear(f->c);
  assert_int_equal(dci_xfer_on_prereq(&x, ip3, local, 443, 50000), CURL_PREREQFUNC_OK);
  assert_false(x.blocked);
  assert_int_equal(dc_client_guard_reason(f->c), DC_GUARD_NONE);
}

/* ---- refused before DNS or the network */

static void test_unsafe_urls(void **state)
{
  fx *f = *state;
  static const char *const bad[] = {
    "http://ok.transport.test/_test/status/200",
    "https://ok.transport.test:8443/_test/status/200",
    "https://127.0.0.2/_test/status/200",
    "https://user@ok.transport.test/_test/status/200",
    "https://ok.transport.test/_test/status/200#frag",
    "https://localhost/_test/status/200",
  };
  size_t before = it_log_lines();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    dc_status st = get(f, bad[i]);
    if (st != DC_E_UNSAFE_URL)
      fail_msg("%s: %s, expected unsafe_url", bad[i], dc_status_name(st));
  }
  assert_int_equal(log_lines_settled(), before);
}

static void test_dns_failure_status(void **state)
{
  fx *f = *state;
  assert_status(get(f, "https://absent.transport.test/x"), DC_E_NO_RECORD);
}

static void test_bad_requests(void **state)
{
  fx *f = *state;
  f->req.method = "PUT";
  assert_status(get(f, BASE "/_test/echo"), DC_E_INVALID_ARG);
  f->req.method = "GET";
  f->req.bearer = "abc\r\nX-Injected: 1";
  assert_status(get(f, BASE "/_test/echo"), DC_E_INVALID_ARG);
  assert_detail_lacks(f->c, "Injected");
  f->req.bearer = "has space";
  assert_status(get(f, BASE "/_test/echo"), DC_E_INVALID_ARG);
  f->req.bearer = NULL;
  f->req.method = "POST";
  f->req.body = "{}";
  f->req.body_len = 2;
  f->req.content_type = "application/json\nX-Injected: 1";
  assert_status(get(f, BASE "/_test/echo"), DC_E_INVALID_ARG);
  f->req.method = "GET";
  f->req.content_type = NULL;
  assert_status(get(f, BASE "/_test/echo"), DC_E_INVALID_ARG); /* GET with a body */
}

/* The two halves on a caller's own multi handle, two transfers at once. */
static void test_prepare_finish_on_shared_multi(void **state)
{
  fx *f = *state;
  dci_http_req r2 = f->req;
  dci_http_resp resp2;
  dci_http_resp_init(&resp2);
  f->req.url = BASE "/_test/status/201";
  r2.url = BASE "/_test/status/202";
  dci_http_xfer *x1 = NULL, *x2 = NULL;
  assert_status(dci_http_prepare(f->c, &f->req, &f->resp, &x1), DC_OK);
  assert_status(dci_http_prepare(f->c, &r2, &resp2, &x2), DC_OK);
  CURLM *m = curl_multi_init();
  assert_non_null(m);
  assert_int_equal(curl_multi_add_handle(m, dci_http_xfer_easy(x1)), CURLM_OK);
  assert_int_equal(curl_multi_add_handle(m, dci_http_xfer_easy(x2)), CURLM_OK);
  int running = 1;
  while (running > 0) {
    assert_int_equal(curl_multi_perform(m, &running), CURLM_OK);
    if (running > 0) assert_int_equal(curl_multi_poll(m, NULL, 0, 1000, NULL), CURLM_OK);
  }
  CURLcode rc1 = CURLE_GOT_NOTHING, rc2 = CURLE_GOT_NOTHING;
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(m, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE) continue;
    if (msg->easy_handle == dci_http_xfer_easy(x1)) rc1 = msg->data.result;
    if (msg->easy_handle == dci_http_xfer_easy(x2)) rc2 = msg->data.result;
  }
  curl_multi_remove_handle(m, dci_http_xfer_easy(x1));
  curl_multi_remove_handle(m, dci_http_xfer_easy(x2));
  assert_status(dci_http_finish(x1, rc1), DC_OK);
  assert_status(dci_http_finish(x2, rc2), DC_OK);
  curl_multi_cleanup(m);
  assert_int_equal(f->resp.status, 201);
  assert_int_equal(resp2.status, 202);
  dci_http_resp_free(&resp2);
}

int main(void)
{
  if (dc_global_init() != DC_OK) return 1;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_get_ok, setup, teardown),
    cmocka_unit_test_setup_teardown(test_blocked_without_allowance, setup, teardown),
    cmocka_unit_test_setup_teardown(test_host_and_sni, setup, teardown),
    cmocka_unit_test_setup_teardown(test_status_codes_are_ok, setup, teardown),
    cmocka_unit_test_setup_teardown(test_post_json_with_bearer, setup, teardown),
    cmocka_unit_test_setup_teardown(test_connection_reuse, setup, teardown),
    cmocka_unit_test_setup_teardown(test_ca_blob, setup, teardown),
    cmocka_unit_test_setup_teardown(test_dual_stack_pin, setup, teardown),
    cmocka_unit_test_setup_teardown(test_environment_proxy_ignored, setup, teardown),
    cmocka_unit_test_setup_teardown(test_redirect_302, setup, teardown),
    cmocka_unit_test_setup_teardown(test_redirect_307_post, setup, teardown),
    cmocka_unit_test_setup_teardown(test_big_chunked, setup, teardown),
    cmocka_unit_test_setup_teardown(test_big_length, setup, teardown),
    cmocka_unit_test_setup_teardown(test_body_cap_edge, setup, teardown),
    cmocka_unit_test_setup_teardown(test_big_headers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_slow_body_times_out, setup, teardown),
    cmocka_unit_test_setup_teardown(test_client_total_timeout, setup, teardown),
    cmocka_unit_test_setup_teardown(test_wrong_ca, setup, teardown),
    cmocka_unit_test_setup_teardown(test_wrong_host_name, setup, teardown),
    cmocka_unit_test_setup_teardown(test_mixed_answer_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(test_rebinding_not_in_checked_set, setup, teardown),
    cmocka_unit_test_setup_teardown(test_rebinding_to_loopback, setup, teardown),
    cmocka_unit_test_setup_teardown(test_prereq_brace, setup, teardown),
    cmocka_unit_test_setup_teardown(test_brace_reasons, setup, teardown),
    cmocka_unit_test_setup_teardown(test_unsafe_urls, setup, teardown),
    cmocka_unit_test_setup_teardown(test_dns_failure_status, setup, teardown),
    cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
    cmocka_unit_test_setup_teardown(test_prepare_finish_on_shared_multi, setup, teardown),
  };
  return cmocka_run_group_tests_name("transport", tests, NULL, NULL);
}
