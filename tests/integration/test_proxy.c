/* The HTTP CONNECT proxy (dc_client_set_proxy) and the overall discovery
 * deadline (dc_client_set_deadline_ms) through the API, under harness.py
 * with Knot DNS, the HTTPS test provider on 127.0.0.2/127.0.0.3 and
 * tinyproxy (test_proxy.harness). docs/security.md §2.9, docs/limits.md.
 * Token, apply and revert through the proxy: cli_proxy.sh. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "it_support.h"

#define CHECK(c, expr, want)                                                   \
  do {                                                                         \
    dc_status got_ = (expr);                                                   \
    if (got_ != (want))                                                        \
      print_message("detail: %s\n", dc_client_error(c));                       \
    assert_status(got_, want);                                                 \
  } while (0)

static char g_proxy[64];

/* Lines of tinyproxy's log. */
static char *proxy_log(void)
{
  return tu_read_file(it_env("DC_TEST_PROXY_LOG"), NULL);
}

static size_t count(const char *hay, const char *needle)
{
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
  return n;
}

/* Part of the proxy's log after `before` bytes. */
static const char *since(const char *log, size_t before)
{
  return strlen(log) >= before ? log + before : "";
}

static size_t log_size(void)
{
  char *l = proxy_log();
  size_t n = strlen(l);
  free(l);
  return n;
}

/* Connections the proxy has accepted so far (tinyproxy may still append
 * the closing lines of an earlier connection: those are not counted). */
static size_t proxy_connects(void)
{
  char *l = proxy_log();
  size_t n = count(l, "Connect (file descriptor");
  free(l);
  return n;
}

static dc_client *proxied(bool allow)
{
  dc_client *c = it_client(allow);
  CHECK(c, dc_client_set_proxy(c, g_proxy), DC_OK);
  return c;
}

static int setup(void **state)
{
  (void)state;
  snprintf(g_proxy, sizeof g_proxy, "http://%s", it_env("DC_TEST_PROXY"));
  return 0;
}

/* Discovery and the template query through the proxy: the proxy is asked
 * to CONNECT to the checked address, never the name. */
static void test_discover_through_proxy(void **state)
{
  (void)state;
  dc_client *c = proxied(true);
  size_t before = log_size();
  dc_settings *s = NULL;
  CHECK(c, dc_discover(c, "example.test", &s), DC_OK);
  assert_string_equal(dc_settings_url_api(s), "https://api.provider.test");
  long version = 0;
  CHECK(c, dc_check_template(c, s, "exampleservice.domainconnect.org", "template1", &version),
        DC_OK);
  assert_int_equal(version, 2);
  char *log = proxy_log();
  const char *tail = since(log, before);
  assert_int_equal(count(tail, "Request (file descriptor"), 2);
  assert_int_equal(count(tail, ": CONNECT 127.0.0.2:443 HTTP/1.1"), 2);
  assert_null(strstr(tail, "provider.test"));
  free(log);
  dc_settings_free(s);
  dc_client_free(c);
}

/* A target the guard refuses never reaches the proxy; and the twin: the
 * allow list's target without the allow list is refused the same way. */
static void test_refused_target_never_reaches_proxy(void **state)
{
  (void)state;
  dc_client *c = proxied(true);
  dc_client *twin = proxied(false);
  size_t before = proxy_connects();
  dc_settings *s = NULL;
  CHECK(c, dc_discover(c, "batch-blocked.test", &s), DC_E_BLOCKED);
  assert_non_null(strstr(dc_client_error(c), "10.0.0.1"));
  CHECK(twin, dc_discover(twin, "example.test", &s), DC_E_BLOCKED);
  assert_non_null(strstr(dc_client_error(twin), "loopback"));
  assert_null(s);
  assert_int_equal(proxy_connects(), before);
  dc_client_free(c);
  dc_client_free(twin);
}

/* Proxy variables of the environment are never used; NO_PROXY does not
 * bypass a configured proxy. */
static void test_environment_ignored(void **state)
{
  (void)state;
  const char *vars[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) setenv(vars[i], g_proxy, 1);
  dc_client *c = it_client(true);
  size_t connects = proxy_connects();
  size_t before = log_size();
  dc_settings *s = NULL;
  CHECK(c, dc_discover(c, "example.test", &s), DC_OK);
  dc_settings_free(s);
  s = NULL;
  assert_int_equal(proxy_connects(), connects);
  /* the environment's proxy pointing nowhere changes nothing either */
  setenv("https_proxy", "http://127.0.0.1:1", 1);
  CHECK(c, dc_discover(c, "example.test", &s), DC_OK);
  dc_settings_free(s);
  s = NULL;
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
  setenv("NO_PROXY", "*", 1);
  setenv("no_proxy", "*", 1);
  dc_client *p = proxied(true);
  CHECK(p, dc_discover(p, "example.test", &s), DC_OK);
  char *log = proxy_log();
  assert_int_equal(count(since(log, before), ": CONNECT 127.0.0.2:443 HTTP/1.1"), 1);
  free(log);
  unsetenv("NO_PROXY");
  unsetenv("no_proxy");
  dc_settings_free(s);
  dc_client_free(p);
  dc_client_free(c);
}

/* A proxy that is not there: a transport failure naming the proxy. */
static void test_proxy_unreachable(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  CHECK(c, dc_client_set_proxy(c, "http://user:Pw-Not-Shown-77@127.0.0.1:1"), DC_OK);
  dc_settings *s = NULL;
  CHECK(c, dc_discover(c, "example.test", &s), DC_E_TRANSPORT);
  assert_non_null(strstr(dc_client_error(c), "through the proxy http://127.0.0.1:1"));
  assert_null(strstr(dc_client_error(c), "Pw-Not-Shown"));
  dc_client_free(c);
}

/* ---- the overall deadline, against a DNS server made here that reads
 * nothing and answers nothing (a bound UDP socket). */

static int silent_socket(char *addr, size_t n)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
  socklen_t len = sizeof sin;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
  snprintf(addr, n, "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
  return fd;
}

static void test_deadline_sync(void **state)
{
  (void)state;
  char dns[64];
  int fd = silent_socket(dns, sizeof dns);
  /* the DNS timeout alone (3 s a lookup, 4 SOA lookups) would take 12 s */
  dc_client *c = it_client_dns(dns, 0);
  CHECK(c, dc_client_set_zone_mode(c, DC_ZONE_SOA), DC_OK);
  CHECK(c, dc_client_set_deadline_ms(c, 500), DC_OK);
  dc_settings *s = NULL;
  double t0 = it_now_ms();
  CHECK(c, dc_discover(c, "a.b.c.example.test", &s), DC_E_TIMEOUT);
  double took = it_now_ms() - t0;
  print_message("SOA walk under a 500 ms deadline: %.0f ms\n", took);
  assert_true(took >= 480 && took < 500 + 400);
  assert_non_null(strstr(dc_client_error(c),
                         "discovery of a.b.c.example.test: overall deadline of 500 ms "
                         "exceeded (during the SOA walk"));
  /* PSL mode: the TXT lookup */
  CHECK(c, dc_client_set_zone_mode(c, DC_ZONE_PSL), DC_OK);
  t0 = it_now_ms();
  CHECK(c, dc_discover(c, "example.test", &s), DC_E_TIMEOUT);
  took = it_now_ms() - t0;
  assert_true(took < 500 + 400);
  assert_non_null(strstr(dc_client_error(c), "(during the TXT lookup"));
  /* the twin: a lookup's own timeout before the deadline is still itself */
  dc_client *d = it_client_dns(dns, 300);
  CHECK(d, dc_discover(d, "example.test", &s), DC_E_DNS_TIMEOUT);
  assert_null(strstr(dc_client_error(d), "overall deadline"));
  /* and a deadline longer than the work changes nothing */
  dc_client *ok = it_client(true);
  CHECK(ok, dc_client_set_deadline_ms(ok, 20000), DC_OK);
  CHECK(ok, dc_discover(ok, "example.test", &s), DC_OK);
  dc_settings_free(s);
  dc_client_free(ok);
  dc_client_free(d);
  dc_client_free(c);
  close(fd);
}

struct batch_seen {
  size_t n, timeouts;
  char detail[512];
};

static void on_result(void *arg, const char *input, dc_status status, const dc_settings *s,
                      const char *detail)
{
  (void)input;
  (void)s;
  struct batch_seen *b = arg;
  b->n++;
  if (status == DC_E_TIMEOUT) b->timeouts++;
  snprintf(b->detail, sizeof b->detail, "%s", detail);
}

/* The batch: the deadline is per domain, from when its job starts. */
static void test_deadline_batch(void **state)
{
  (void)state;
  char dns[64];
  int fd = silent_socket(dns, sizeof dns);
  dc_client *c = it_client_dns(dns, 0);
  CHECK(c, dc_client_set_deadline_ms(c, 400), DC_OK);
  struct batch_seen seen = {0};
  dc_batch *b = NULL;
  CHECK(c, dc_batch_new(c, 4, on_result, &seen, &b), DC_OK);
  const char *domains[] = {"example.test", "batch-00.test", "batch-01.test", "nodc.test"};
  for (size_t i = 0; i < 4; i++) assert_status(dc_batch_add(b, domains[i]), DC_OK);
  double t0 = it_now_ms();
  CHECK(c, dc_batch_run(b), DC_OK);
  double took = it_now_ms() - t0;
  print_message("batch of 4 under a 400 ms deadline each: %.0f ms\n", took);
  assert_int_equal(seen.n, 4);
  assert_int_equal(seen.timeouts, 4);
  assert_non_null(strstr(seen.detail, "overall deadline of 400 ms exceeded (during the TXT lookup"));
  /* all four at once: one deadline, not four; the orphaned lookups end
   * with the batch */
  assert_true(took < 400 + 600);
  dc_batch_free(b);
  /* a batch whose deadline is not reached answers as before */
  dc_client *k = it_client(true);
  CHECK(k, dc_client_set_deadline_ms(k, 20000), DC_OK);
  struct batch_seen fine = {0};
  CHECK(k, dc_batch_new(k, 4, on_result, &fine, &b), DC_OK);
  assert_status(dc_batch_add(b, "example.test"), DC_OK);
  CHECK(k, dc_batch_run(b), DC_OK);
  assert_int_equal(fine.n, 1);
  assert_int_equal(fine.timeouts, 0);
  assert_string_equal(fine.detail, "");
  dc_batch_free(b);
  dc_client_free(k);
  dc_client_free(c);
  close(fd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_discover_through_proxy),
    cmocka_unit_test(test_refused_target_never_reaches_proxy),
    cmocka_unit_test(test_environment_ignored),
    cmocka_unit_test(test_proxy_unreachable),
    cmocka_unit_test(test_deadline_sync),
    cmocka_unit_test(test_deadline_batch),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
