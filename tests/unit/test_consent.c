/* dc_consent_url: the asynchronous flow's authorization URL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/limits.h"

static const char k_settings[] =
  "{\"providerId\":\"ionos.de\",\"providerName\":\"IONOS\","
  "\"urlSyncUX\":\"https://domainconnect.ionos.de/sync\","
  "\"urlAsyncUX\":\"https://domainconnect.ionos.de/async\","
  "\"urlAPI\":\"https://api.domainconnect.ionos.de\"}";
static const char k_settings_noasync[] =
  "{\"providerId\":\"ionos.de\",\"providerName\":\"IONOS\","
  "\"urlSyncUX\":\"https://domainconnect.ionos.de/sync\","
  "\"urlAPI\":\"https://api.domainconnect.ionos.de\"}";

#define PREFIX "https://domainconnect.ionos.de/async/v2/domainTemplates/providers/" \
               "exampleservice.domainconnect.org?"

struct fixture {
  dc_client *c;
  dc_settings *s;
};

static dc_settings *parse_settings(dc_client *c, const char *json)
{
  dc_settings *s = NULL;
  dc_status st = dc_settings_parse(c, json, strlen(json), NULL, &s);
  if (st != DC_OK) fail_msg("settings: %s (%s)", dc_status_name(st), dc_client_error(c));
  return s;
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_status(dc_client_new(&f->c), DC_OK);
  f->s = parse_settings(f->c, k_settings);
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
  dc_request *r = NULL;
  assert_status(dc_request_new(&r), DC_OK);
  assert_status(dc_request_set_domain(r, "example.com"), DC_OK);
  assert_status(dc_request_set_provider_id(r, "exampleservice.domainconnect.org"), DC_OK);
  assert_status(dc_request_set_service_id(r, "template1"), DC_OK);
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
  expect_url(f, r, PREFIX
             "client_id=exampleservice.domainconnect.org&domain=example.com"
             "&redirect_uri=https%3A%2F%2Fexample.org%2Fcb&response_type=code"
             "&scope=template1%20template2%20t.3&state=xyz");
  /* set_service_id replaces the first scope entry only */
  assert_status(dc_request_set_service_id(r, "first"), DC_OK);
  assert_status(dc_request_set_state(r, NULL), DC_OK);
  expect_url(f, r, PREFIX
             "client_id=exampleservice.domainconnect.org&domain=example.com"
             "&redirect_uri=https%3A%2F%2Fexample.org%2Fcb&response_type=code"
             "&scope=first%20template2%20t.3");
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
  expect_url(f, r, PREFIX
             "IP=192.0.2.1&client_id=my%20client&domain=example.com&host=sub1%2C"
             "&providerName=Example%20Co&redirect_uri=https%3A%2F%2Fexample.org%2Fcb"
             "&response_type=code&scope=template1&serviceName=Web%20%2B%20Mail"
             "&x%3A=zo%C3%AB&x0=0");

  /* upper-case hosts are lower-cased; the apex alone is "host=" */
  assert_status(dc_request_set_client_id(r, NULL), DC_OK); /* back to the default */
  assert_status(dc_request_set_provider_name(r, NULL), DC_OK);
  assert_status(dc_request_set_service_name(r, NULL), DC_OK);
  assert_status(dc_request_set_param(r, "IP", NULL), DC_OK);
  assert_status(dc_request_set_param(r, "x:", NULL), DC_OK);
  assert_status(dc_request_set_param(r, "x0", NULL), DC_OK);
  assert_status(dc_request_set_host(r, "Sub1"), DC_OK);
  assert_status(dc_request_add_host(r, "WWW.Sub2"), DC_OK);
  expect_url(f, r, PREFIX
             "client_id=exampleservice.domainconnect.org&domain=example.com"
             "&host=sub1%2Cwww.sub2&redirect_uri=https%3A%2F%2Fexample.org%2Fcb"
             "&response_type=code&scope=template1");
  assert_status(dc_request_set_host(r, ""), DC_OK);
  assert_status(dc_request_set_domain(r, "Example.COM."), DC_OK);
  expect_url(f, r, PREFIX
             "client_id=exampleservice.domainconnect.org&domain=example.com"
             "&host=&redirect_uri=https%3A%2F%2Fexample.org%2Fcb"
             "&response_type=code&scope=template1");
  /* sync-only fields (group ids, instance id) are not part of consent */
  assert_status(dc_request_add_group_id(r, "g1"), DC_OK);
  assert_status(dc_request_set_instance_id(r, "i1"), DC_OK);
  assert_status(dc_request_set_host(r, NULL), DC_OK);
  expect_url(f, r, PREFIX
             "client_id=exampleservice.domainconnect.org&domain=example.com"
             "&redirect_uri=https%3A%2F%2Fexample.org%2Fcb"
             "&response_type=code&scope=template1");
  dc_request_free(r);
}

enum field { F_DOMAIN, F_ADD_HOST, F_PROVIDER, F_ADD_SERVICE, F_REDIRECT, F_STATE,
             F_CLIENT, F_PNAME, F_VAR_NAME, F_VAR_VALUE };

struct bad_row {
  enum field f;
  const char *value;
  dc_status want;
};

static const struct bad_row k_bad[] = {
  {F_VAR_NAME, "client_id", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "scope", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "response_type", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "domain", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "host", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "redirect_uri", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "state", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "groupId", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "providerName", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "serviceName", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "instanceId", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "sig", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "key", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "force", DC_E_RESERVED_PARAM},
  {F_VAR_NAME, "a b", DC_E_INVALID_PARAM},
  {F_VAR_NAME, "", DC_E_INVALID_PARAM},
  {F_VAR_VALUE, "\xfe", DC_E_INVALID_PARAM},
  {F_PNAME, "\xc3(", DC_E_INVALID_PARAM},
  {F_PROVIDER, "bad/id", DC_E_INVALID_ID},
  {F_ADD_SERVICE, "t 2", DC_E_INVALID_ID},
  {F_ADD_SERVICE, "", DC_E_INVALID_ID},
  {F_DOMAIN, "exa mple.com", DC_E_INVALID_DOMAIN},
  {F_DOMAIN, "", DC_E_INVALID_DOMAIN},
  {F_ADD_HOST, "bad host", DC_E_INVALID_HOST},
  {F_ADD_HOST, "a,b", DC_E_INVALID_HOST},
  {F_ADD_HOST, "-x", DC_E_INVALID_HOST},
  {F_REDIRECT, "http://example.org/cb", DC_E_UNSAFE_URL},
  {F_REDIRECT, "https://example.org/cb#x", DC_E_UNSAFE_URL},
  {F_REDIRECT, "/relative", DC_E_UNSAFE_URL},
  {F_STATE, "ab\x02", DC_E_INVALID_PARAM},
  {F_STATE, "", DC_E_INVALID_PARAM},
  {F_CLIENT, "", DC_E_INVALID_PARAM},
  {F_CLIENT, "cl\x01ient", DC_E_INVALID_PARAM},
  {F_CLIENT, "cli\xc3\xa9nt", DC_E_INVALID_PARAM},
};

static void test_bad_input(void **state)
{
  struct fixture *f = *state;
  for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
    const struct bad_row *b = &k_bad[i];
    dc_request *r = base_request();
    dc_status st = DC_OK;
    switch (b->f) {
    case F_DOMAIN: st = dc_request_set_domain(r, b->value); break;
    case F_ADD_HOST: st = dc_request_add_host(r, b->value); break;
    case F_PROVIDER: st = dc_request_set_provider_id(r, b->value); break;
    case F_ADD_SERVICE: st = dc_request_add_service_id(r, b->value); break;
    case F_REDIRECT: st = dc_request_set_redirect_uri(r, b->value); break;
    case F_STATE: st = dc_request_set_state(r, b->value); break;
    case F_CLIENT: st = dc_request_set_client_id(r, b->value); break;
    case F_PNAME: st = dc_request_set_provider_name(r, b->value); break;
    case F_VAR_NAME: st = dc_request_set_param(r, b->value, "1"); break;
    case F_VAR_VALUE: st = dc_request_set_param(r, "v", b->value); break;
    }
    assert_status(st, DC_OK);
    char *url = (char *)"sentinel";
    st = dc_consent_url(f->c, f->s, r, &url);
    if (st != b->want)
      fail_msg("row %zu: %s, expected %s (%s)", i, dc_status_name(st),
               dc_status_name(b->want), dc_client_error(f->c));
    assert_null(url);
    assert_true(dc_client_error(f->c)[0] != '\0');
    if (b->want == DC_E_RESERVED_PARAM)
      assert_non_null(strstr(dc_client_error(f->c), b->value));
    if (b->f == F_STATE && b->value[0] != '\0')
      assert_null(strstr(dc_client_error(f->c), b->value));
    dc_request_free(r);
  }
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

  dc_settings *noasync = parse_settings(f->c, k_settings_noasync);
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
  char name[32];
  dc_request *r = base_request();
  /* 5 protocol parameters (client_id, scope, domain, redirect_uri,
   * response_type) + 251 variables = DC_MAX_PARAMS */
  for (int i = 0; i < DC_MAX_PARAMS - 5; i++) {
    snprintf(name, sizeof name, "v%d", i);
    assert_status(dc_request_set_param(r, name, "x"), DC_OK);
  }
  assert_status(dc_consent_url(f->c, f->s, r, &url), DC_OK);
  dc_free(url);
  assert_status(dc_request_set_state(r, "one-more"), DC_OK);
  assert_status(dc_consent_url(f->c, f->s, r, &url), DC_E_LIMIT);
  assert_null(url);
  dc_request_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_multi_scope),
    cmocka_unit_test(test_hosts_and_client_id),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_missing_and_null),
    cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
