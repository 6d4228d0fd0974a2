/* Integration tests of the guard's resolve step (dc_guard_txt/dc_guard_url
 * with resolve = 1, src/guard/guard.c) against Knot serving
 * zones/guard.test.zone, started by harness.py.
 * Environment: DC_TEST_DNS, DC_TEST_SILENT_DNS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_support.h"

#include "dns/resolver.h"
#include "guard/guard.h"
#include "domainconnect/net.h"

/* A client of the test DNS (tests/support/it_support.h). */
static dc_client *client(void)
{
  return it_client_dns(it_env("DC_TEST_DNS"), 0);
}

struct row {
  const char *txt;  /* TXT value; the URL is https:// + txt */
  dc_status want;
  const char *detail; /* exact detail for the TXT call, NULL = "" */
};

static const struct row k_rows[] = {
  {"public.guard.test", DC_OK, NULL},
  {"public.guard.test/some/path", DC_OK, NULL},
  {"PUBLIC.guard.test.", DC_OK, NULL},
  {"v6pub.guard.test", DC_OK, NULL},
  /* one private address poisons the name */
  {"mixed.guard.test", DC_E_BLOCKED,
   "mixed.guard.test resolves to 127.0.0.1: loopback 127.0.0.0/8"},
  {"private.guard.test", DC_E_BLOCKED,
   "private.guard.test resolves to 10.0.0.1: private-use 10.0.0.0/8"},
  {"mapped.guard.test", DC_E_BLOCKED,
   "mapped.guard.test resolves to ::ffff:127.0.0.1: IPv4-mapped IPv6 "
   "::ffff:0:0/96 (embeds 127.0.0.1)"},
  {"loop.guard.test/dc", DC_E_BLOCKED,
   "loop.guard.test resolves to 127.0.0.2: loopback 127.0.0.0/8"},
  {"ns1.guard.test", DC_E_BLOCKED,
   "ns1.guard.test resolves to 127.0.0.1: loopback 127.0.0.0/8"},
  {"nonexistent.guard.test", DC_E_NO_RECORD, ""},
  {"guard.test", DC_E_NO_RECORD, ""}, /* the apex owns no A or AAAA */
};

static void test_rows(void **state)
{
  (void)state;
  dc_client *c = client();
  for (size_t i = 0; i < sizeof k_rows / sizeof k_rows[0]; i++) {
    const struct row *r = &k_rows[i];
    char url[300];
    snprintf(url, sizeof url, "https://%s", r->txt);
    for (int k = 0; k < 2; k++) {
      dc_status st = k == 0 ? dc_guard_txt(c, r->txt, 1) : dc_guard_url(c, url, 1);
      const char *d = dc_client_error(c);
      if (st != r->want)
        fail_msg("%s '%s': %s (%s), expected %s", k ? "url" : "txt", r->txt,
                 dc_status_name(st), d, dc_status_name(r->want));
      if (r->detail == NULL && d[0] != '\0')
        fail_msg("'%s': unexpected detail \"%s\"", r->txt, d);
      if (r->detail != NULL && r->detail[0] != '\0' && strcmp(d, r->detail) != 0)
        fail_msg("'%s': detail \"%s\", expected \"%s\"", r->txt, d, r->detail);
      if (r->detail != NULL && d[0] == '\0')
        fail_msg("'%s': empty detail", r->txt);
    }
    /* without resolving, every one of these names is acceptable */
    assert_status(dc_guard_txt(c, r->txt, 0), DC_OK);
    assert_status(dc_guard_url(c, url, 0), DC_OK);
  }
  dc_client_free(c);
}

/* loop.guard.test -> 127.0.0.2: refused, and allowed only through the
 * TEST-ONLY allow list (the twin pattern). */
static void test_allow_twin(void **state)
{
  (void)state;
  dc_client *c = client();
  assert_status(dc_guard_txt(c, "loop.guard.test", 1), DC_E_BLOCKED);
  assert_status(dc_guard_url(c, "https://loop.guard.test/v2", 1), DC_E_BLOCKED);
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.3"), DC_OK);
  assert_status(dc_guard_txt(c, "loop.guard.test", 1), DC_E_BLOCKED);
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.2"), DC_OK);
  assert_status(dc_guard_txt(c, "loop.guard.test", 1), DC_OK);
  assert_string_equal(dc_client_error(c), "");
  assert_status(dc_guard_url(c, "https://loop.guard.test/v2", 1), DC_OK);
  /* the list admits that address only: mixed still has 127.0.0.1 */
  assert_status(dc_guard_txt(c, "mixed.guard.test", 1), DC_E_BLOCKED);
  dc_client_free(c);

  c = client();
  assert_status(dc_guard_txt(c, "loop.guard.test", 1), DC_E_BLOCKED);
  dc_client_free(c);
}

static void test_resolve_list(void **state)
{
  (void)state;
  dc_client *c = client();
  dci_addr_list list;
  assert_status(dci_guard_resolve(c, "public.guard.test", &list), DC_OK);
  assert_int_equal(list.n, 1);
  char text[64];
  dci_addr_format(&list.a[0], text, sizeof text);
  assert_string_equal(text, "8.8.8.8");
  assert_status(dci_guard_resolve(c, "mixed.guard.test", &list), DC_E_BLOCKED);
  assert_int_equal(list.n, 0);
  assert_status(dci_guard_resolve(c, "nonexistent.guard.test", &list), DC_E_NO_RECORD);
  assert_int_equal(list.n, 0);
  assert_status(dci_guard_resolve(c, "x.guard.test", NULL), DC_E_NO_RECORD);
  dc_client_free(c);
}

/* A DNS server that never answers: the resolver's status comes through. */
static void test_dns_timeout(void **state)
{
  (void)state;
  dc_client *c = it_client_dns(it_env("DC_TEST_SILENT_DNS"), 300);
  assert_status(dc_guard_txt(c, "public.guard.test", 1), DC_E_DNS_TIMEOUT);
  assert_status(dc_guard_url(c, "https://public.guard.test", 1), DC_E_DNS_TIMEOUT);
  /* a syntax refusal is decided before any lookup */
  assert_status(dc_guard_txt(c, "127.0.0.1", 1), DC_E_BLOCKED);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rows),
    cmocka_unit_test(test_allow_twin),
    cmocka_unit_test(test_resolve_list),
    cmocka_unit_test(test_dns_timeout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
