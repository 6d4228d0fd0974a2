/* dc_consent_url: the asynchronous flow's authorization URL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/limits.h"
#include "proto/settings.h" /* to give parsed settings a discovered host */

#define PREFIX "https://domainconnect.ionos.de/async/v2/domainTemplates/providers/" \
               "exampleservice.domainconnect.org?"
/* The query's usual parts: client_id (the default) and domain, and the
 * redirect URI. */
#define CLIENT_DOMAIN "client_id=exampleservice.domainconnect.org&domain=example.com"
#define REDIRECT "redirect_uri=https%3A%2F%2Fexample.org%2Fcb"

struct fixture {
  dc_client *c;
  dc_settings *s;
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_status(dc_client_new(&f->c), DC_OK);
  f->s = tu_settings(f->c, tu_ionos_settings);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  dc_settings_free(f->s);
  dc_client_free(f->c);
  free(f);
  return 0;
}

static dc_request *base_request(void)
{
  dc_request *r = tu_request();
  assert_status(dc_request_set_redirect_uri(r, "https://example.org/cb"), DC_OK);
  return r;
}

static void expect_url(struct fixture *f, const dc_request *r, const char *want)
{
  char *url = NULL;
  dc_status st = dc_consent_url(f->c, f->s, r, &url);
  if (st != DC_OK) fail_msg("%s (%s)", dc_status_name(st), dc_client_error(f->c));
  if (strcmp(url, want) != 0) fail_msg("\n got: %s\nwant: %s", url, want);
  assert_string_equal(dc_client_error(f->c), "");
  dc_free(url);
}

/* Several service ids: scope is space-separated, so %20; client_id defaults
 * to the provider id; no host added: no host parameter. */
static void test_multi_scope(void **state)
{
  struct fixture *f = *state;
  dc_request *r = base_request();
  assert_status(dc_request_add_service_id(r, "template2"), DC_OK);
  assert_status(dc_request_add_service_id(r, "t.3"), DC_OK);
  assert_status(dc_request_set_state(r, "xyz"), DC_OK);
  expect_url(f, r, PREFIX CLIENT_DOMAIN "&" REDIRECT
             "&response_type=code&scope=template1%20template2%20t.3&state=xyz");
  /* set_service_id replaces the first scope entry only */
  assert_status(dc_request_set_service_id(r, "first"), DC_OK);
  assert_status(dc_request_set_state(r, NULL), DC_OK);
  expect_url(f, r, PREFIX CLIENT_DOMAIN "&" REDIRECT
             "&response_type=code&scope=first%20template2%20t.3");
  dc_request_free(r);
}

/* Host list with an empty entry (the apex); ',' is encoded. Explicit
 * client_id, display names and variables, all sorted by encoded name. */
static void test_hosts_and_client_id(void **state)
{
  struct fixture *f = *state;
  dc_request *r = base_request();
  assert_status(dc_request_add_host(r, "sub1"), DC_OK);
  assert_status(dc_request_add_host(r, ""), DC_OK);
  assert_status(dc_request_set_client_id(r, "my client"), DC_OK);
  assert_status(dc_request_set_provider_name(r, "Example Co"), DC_OK);
  assert_status(dc_request_set_service_name(r, "Web + Mail"), DC_OK);
  assert_status(dc_request_set_param(r, "IP", "192.0.2.1"), DC_OK);
  assert_status(dc_request_set_param(r, "x:", "zo\xc3\xab"), DC_OK);
  assert_status(dc_request_set_param(r, "x0", "0"), DC_OK);
  expect_url(f, r, PREFIX "IP=192.0.2.1&client_id=my%20client&domain=example.com&host=sub1%2C"
             "&providerName=Example%20Co&" REDIRECT "&response_type=code&scope=template1"
             "&serviceName=Web%20%2B%20Mail&x%3A=zo%C3%AB&x0=0");

  /* upper-case hosts are lower-cased; the apex alone is "host=" */
  assert_status(dc_request_set_client_id(r, NULL), DC_OK); /* back to the default */
  assert_status(dc_request_set_provider_name(r, NULL), DC_OK);
  assert_status(dc_request_set_service_name(r, NULL), DC_OK);
  assert_status(dc_request_set_param(r, "IP", NULL), DC_OK);
  assert_status(dc_request_set_param(r, "x:", NULL), DC_OK);
  assert_status(dc_request_set_param(r, "x0", NULL), DC_OK);
  assert_status(dc_request_set_host(r, "Sub1"), DC_OK);
  assert_status(dc_request_add_host(r, "WWW.Sub2"), DC_OK);
  expect_url(f, r, PREFIX CLIENT_DOMAIN "&host=sub1%2Cwww.sub2&" REDIRECT
             "&response_type=code&scope=template1");
  assert_status(dc_request_set_host(r, ""), DC_OK);
  assert_status(dc_request_set_domain(r, "Example.COM."), DC_OK);
  expect_url(f, r, PREFIX CLIENT_DOMAIN "&host=&" REDIRECT "&response_type=code&scope=template1");
  /* sync-only fields (group ids, instance id) are not part of consent */
  assert_status(dc_request_add_group_id(r, "g1"), DC_OK);
  assert_status(dc_request_set_instance_id(r, "i1"), DC_OK);
  assert_status(dc_request_set_host(r, NULL), DC_OK);
  expect_url(f, r, PREFIX CLIENT_DOMAIN "&" REDIRECT "&response_type=code&scope=template1");
  dc_request_free(r);
}

/* Row b: the URL is refused as tu_expect_refused says. */
static void check_bad(void *fixture, const struct tu_bad_row *b)
{
  struct fixture *f = fixture;
  dc_request *r = base_request();
  tu_apply_bad(r, b);
  char *url = (char *)"sentinel";
  dc_status st = dc_consent_url(f->c, f->s, r, &url);
  tu_expect_refused(f->c, b, st, url);
  dc_request_free(r);
}

static void test_bad_input(void **state)
{
  tu_each_bad(*state, TU_CONSENT, check_bad);
}

static void test_missing_and_null(void **state)
{
  struct fixture *f = *state;
  char *url = NULL;
  dc_request *r = base_request();
  assert_status(dc_consent_url(f->c, NULL, r, &url), DC_E_INVALID_ARG);
  assert_status(dc_consent_url(f->c, f->s, NULL, &url), DC_E_INVALID_ARG);
  assert_status(dc_consent_url(f->c, f->s, r, NULL), DC_E_INVALID_ARG);
  assert_null(url);

  dc_settings *noasync = tu_settings(f->c, tu_ionos_settings_noasync);
  assert_status(dc_consent_url(f->c, noasync, r, &url), DC_E_NO_ASYNC_UX);
  assert_null(url);
  dc_settings_free(noasync);

  assert_status(dc_request_set_redirect_uri(r, NULL), DC_OK);
  assert_status(dc_consent_url(f->c, f->s, r, &url), DC_E_INVALID_ARG);
  assert_non_null(strstr(dc_client_error(f->c), "redirect_uri"));
  assert_status(dc_request_set_redirect_uri(r, "https://example.org/cb"), DC_OK);
  assert_status(dc_request_set_service_id(r, NULL), DC_OK);
  assert_status(dc_consent_url(f->c, f->s, r, &url), DC_E_INVALID_ARG);
  assert_status(dc_request_set_service_id(r, "template1"), DC_OK);
  assert_status(dc_request_set_domain(r, NULL), DC_OK);
  assert_status(dc_consent_url(f->c, f->s, r, &url), DC_E_INVALID_ARG);
  assert_status(dc_request_set_domain(r, "example.com"), DC_OK);
  assert_status(dc_request_set_provider_id(r, NULL), DC_OK);
  assert_status(dc_consent_url(f->c, f->s, r, &url), DC_E_INVALID_ARG);
  assert_status(dc_request_set_provider_id(r, "exampleservice.domainconnect.org"), DC_OK);
  assert_status(dc_consent_url(NULL, f->s, r, &url), DC_OK); /* no handle is fine */
  dc_free(url);
  dc_request_free(r);
}

static void test_limits(void **state)
{
  struct fixture *f = *state;
  char *url = NULL;
  dc_request *r = base_request();
  /* 5 protocol parameters (client_id, scope, domain, redirect_uri,
   * response_type) + 251 variables = DC_MAX_PARAMS */
  tu_add_vars(r, DC_MAX_PARAMS - 5);
  assert_status(dc_consent_url(f->c, f->s, r, &url), DC_OK);
  dc_free(url);
  assert_status(dc_request_set_state(r, "one-more"), DC_OK);
  assert_status(dc_consent_url(f->c, f->s, r, &url), DC_E_LIMIT);
  assert_null(url);
  dc_request_free(r);
}

/* ---- settings that know their domain (issue 10.5): the zone and host
 * come from discovered settings; a request naming others is refused. */
static void test_from_settings(void **state)
{
  struct fixture *f = *state;
  static const struct {
    const char *label;
    const char *disc_host;       /* dc_settings_host (NULL: parsed settings) */
    const char *domain;          /* the request's (NULL: not set) */
    const char *hosts[3];        /* added to the request */
    dc_status want;
    const char *host_param;      /* the host pair on DC_OK ("" for none) */
  } k_rows[] = {
    {"zone from parsed settings", NULL, NULL, {NULL}, DC_OK, ""},
    {"discovered host taken", "www", NULL, {NULL}, DC_OK, "&host=www"},
    {"discovered host among the request's", "www", "example.com", {"api", "WWW"}, DC_OK,
     "&host=api%2Cwww"},
    {"discovered host not among them", "www", NULL, {"api", ""}, DC_E_SETTINGS_MISMATCH, NULL},
    {"discovered at the apex: request hosts", "", NULL, {"api", ""}, DC_OK,
     "&host=api%2C"},
    {"discovered at the apex: no host", "", NULL, {NULL}, DC_OK, ""},
    {"zone mismatch", "www", "www.example.com", {NULL}, DC_E_SETTINGS_MISMATCH, NULL},
    {"zone mismatch, parsed", NULL, "example.org", {NULL}, DC_E_SETTINGS_MISMATCH, NULL},
  };
  for (size_t i = 0; i < sizeof k_rows / sizeof k_rows[0]; i++) {
    print_message("row: %s\n", k_rows[i].label);
    dc_settings *s = NULL;
    assert_status(dc_settings_parse(f->c, tu_ionos_settings, strlen(tu_ionos_settings),
                                    "example.com", &s), DC_OK);
    if (k_rows[i].disc_host != NULL) {
      s->host = strdup(k_rows[i].disc_host);
      assert_non_null(s->host);
    }
    dc_request *r = base_request();
    assert_status(dc_request_set_domain(r, k_rows[i].domain), DC_OK);
    for (size_t k = 0; k < 3 && k_rows[i].hosts[k] != NULL; k++)
      assert_status(dc_request_add_host(r, k_rows[i].hosts[k]), DC_OK);
    char *url = NULL;
    dc_status st = dc_consent_url(f->c, s, r, &url);
    if (st != k_rows[i].want)
      fail_msg("%s: %s (%s)", k_rows[i].label, dc_status_name(st), dc_client_error(f->c));
    if (st == DC_OK) {
      char want[512];
      snprintf(want, sizeof want, "%s%s%s&%s&response_type=code&scope=template1", PREFIX,
               CLIENT_DOMAIN, k_rows[i].host_param, REDIRECT);
      assert_string_equal(url, want);
    } else {
      assert_null(url);
      assert_non_null(strstr(dc_client_error(f->c), "example.com"));
    }
    dc_free(url);
    dc_request_free(r);
    dc_settings_free(s);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_multi_scope),
    cmocka_unit_test(test_hosts_and_client_id),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_missing_and_null),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_from_settings),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
