/* Discovery against real servers (run by harness.py): Knot DNS serving
 * tests/integration/zones, HTTPS test servers on 127.0.0.2 (api.provider.test)
 * and 127.0.0.3 (api2.provider.test) with provider_routes.py and
 * provider_config.json.
 *
 * Every test that needs the TEST-ONLY allow list has a twin refused without
 * it (test_twin_without_allow_list). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#include "it_support.h"

/* Clients (it_client: the test DNS and CA; `allow` adds the test servers'
 * addresses to the TEST-ONLY allow list), env and request log:
 * tests/support/it_support.h. */

static dc_settings *discover_ok(dc_client *c, const char *domain)
{
  dc_settings *s = NULL;
  dc_status st = dc_discover(c, domain, &s);
  if (st != DC_OK)
    fail_msg("discover %s: %s: %s", domain, dc_status_name(st), dc_client_error(c));
  assert_non_null(s);
  assert_string_equal(dc_client_error(c), "");
  return s;
}

static void discover_fails(dc_client *c, const char *domain, dc_status want)
{
  dc_settings *s = (dc_settings *)1;
  dc_status st = dc_discover(c, domain, &s);
  if (st != want)
    fail_msg("discover %s: %s (%s), expected %s", domain, dc_status_name(st),
             dc_client_error(c), dc_status_name(want));
  assert_null(s);
  assert_true(dc_client_error(c)[0] != '\0');
}

/* A minimal settings document naming the test provider's API. */
static const char k_doc[] =
  "{\"providerId\":\"p\",\"providerName\":\"P\",\"urlAPI\":\"https://api.provider.test\"}";

/* ---- success paths */

static void test_apex(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  dc_settings *s = discover_ok(c, "example.test");
  tu_expect_settings(s, &(struct tu_settings_want){
    .zone = "example.test", .host = "", .provider_id = "provider.test",
    .provider_name = "Test DNS Provider", .api = "https://api.provider.test",
    .async_ux = "https://consent.provider.test",
    .control_panel = "https://cp.provider.test/zones?domain=example.test", .width = 800});
  assert_int_equal(dc_settings_name_server_count(s), 2);
  assert_int_equal(dc_client_http_status(c), 200);
  /* The settings request went to the TXT's host with the zone in the path. */
  const char *line = it_log_last_line();
  assert_non_null(strstr(line, "\"path_and_query\": \"/v2/example.test/settings\""));
  assert_non_null(strstr(line, "\"addr\": \"127.0.0.2\""));
  assert_non_null(strstr(line, "\"sni\": \"api.provider.test\""));
  dc_settings_free(s);
  dc_client_free(c);
}

static void test_subdomain(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  dc_settings *s = discover_ok(c, "WWW.Example.Test.");
  assert_string_equal(dc_settings_zone(s), "example.test");
  assert_string_equal(dc_settings_host(s), "www");
  dc_settings_free(s);
  s = discover_ok(c, "a.b.example.test");
  assert_string_equal(dc_settings_zone(s), "example.test");
  assert_string_equal(dc_settings_host(s), "a.b");
  dc_settings_free(s);
  dc_client_free(c);
}

static void test_multi_label_suffix(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  dc_settings *s = discover_ok(c, "www.example.co.uk");
  assert_string_equal(dc_settings_zone(s), "example.co.uk");
  assert_string_equal(dc_settings_host(s), "www");
  assert_string_equal(dc_settings_url_api(s), "https://api.provider.test");
  assert_non_null(strstr(it_log_last_line(), "/v2/example.co.uk/settings"));
  dc_settings_free(s);
  discover_fails(c, "co.uk", DC_E_PUBLIC_SUFFIX);
  discover_fails(c, "bad..name.test", DC_E_INVALID_DOMAIN);
  dc_client_free(c);
}

static void test_path_prefix(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  dc_settings *s = discover_ok(c, "pathprefix.test");
  assert_string_equal(dc_settings_url_api(s), "https://api.provider.test/dc/v1");
  assert_non_null(strstr(it_log_last_line(),
                         "\"path_and_query\": \"/dc/v1/v2/pathprefix.test/settings\""));
  dc_settings_free(s);
  dc_client_free(c);
}

static void test_cname_and_duplicates(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  /* _domainconnect.cname.test is a CNAME to _dc.provider.test's TXT. */
  dc_settings *s = discover_ok(c, "cname.test");
  assert_string_equal(dc_settings_zone(s), "cname.test");
  dc_settings_free(s);
  /* Three RRs with one canonical value are one value. */
  s = discover_ok(c, "dup-rr.test");
  assert_string_equal(dc_settings_provider_id(s), "provider.test");
  dc_settings_free(s);
  dc_client_free(c);
}

/* ---- DNS failures */

static void test_txt_multiple(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  size_t before = it_log_lines();
  discover_fails(c, "multi-rr.test", DC_E_TXT_MULTIPLE);
  assert_int_equal(it_log_lines(), before); /* nothing fetched */
  dc_client_free(c);
}

static void test_no_record(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  discover_fails(c, "nodc.test", DC_E_NO_RECORD);   /* NXDOMAIN */
  discover_fails(c, "nodata.test", DC_E_NO_RECORD); /* NODATA */
  assert_int_equal(dc_client_http_status(c), 0);
  dc_client_free(c);
}

static void test_servfail(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  discover_fails(c, "servfail.test", DC_E_DNS);
  dc_client_free(c);
}

static void test_silent_dns(void **state)
{
  (void)state;
  dc_client *c = it_client_dns(it_env("DC_TEST_SILENT_DNS"), 800);
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.2"), DC_OK);
  double t0 = it_now_ms();
  discover_fails(c, "example.test", DC_E_DNS_TIMEOUT);
  double ms = it_now_ms() - t0;
  /* One lookup (the TXT) bounded by the DNS timeout (net.h: all tries). */
  if (ms > 800.0 + 700.0) fail_msg("silent DNS took %.0f ms, bound 800 ms", ms);
  dc_client_free(c);
}

/* ---- HTTPS failures */

static void test_settings_http_status(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  discover_fails(c, "missing.test", DC_E_HTTP_STATUS);
  assert_int_equal(dc_client_http_status(c), 404);
  assert_non_null(strstr(dc_client_error(c), "404"));
  discover_fails(c, "error500.test", DC_E_HTTP_STATUS);
  assert_int_equal(dc_client_http_status(c), 500);
  assert_non_null(strstr(dc_client_error(c), "500"));
  dc_client_free(c);
}

static void test_settings_bad_body(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  discover_fails(c, "badjson.test", DC_E_JSON);
  discover_fails(c, "huge.test", DC_E_TOO_LARGE);
  discover_fails(c, "redirect.test", DC_E_REDIRECT);
  dc_client_free(c);
}

static void test_wrong_ca(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  assert_status(dc_client_set_ca_file(c, it_env("DC_TEST_WRONG_CA")), DC_OK);
  discover_fails(c, "example.test", DC_E_TRANSPORT);
  dc_client_free(c);
}

/* The twin of every allow-list test: without it the loopback server is
 * refused by the guard, before any connection. */
static void test_twin_without_allow_list(void **state)
{
  (void)state;
  dc_client *c = it_client(false);
  size_t before = it_log_lines();
  discover_fails(c, "example.test", DC_E_BLOCKED);
  assert_non_null(strstr(dc_client_error(c), "127.0.0.2"));
  discover_fails(c, "sub.example.test", DC_E_BLOCKED);
  assert_int_equal(it_log_lines(), before);
  dc_settings *s = NULL;
  assert_status(dc_settings_parse(c, k_doc, strlen(k_doc), "example.test", &s), DC_OK);
  assert_status(dc_check_template(c, s, "exampleservice.domainconnect.org",
                                  "template1", NULL), DC_E_BLOCKED);
  dc_settings_free(s);
  dc_client_free(c);
}

/* ---- SOA walk */

static void test_soa_walk(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  /* PSL mode: the registrable domain, whatever the delegation. */
  dc_settings *s = discover_ok(c, "www.sub.example.test");
  assert_string_equal(dc_settings_zone(s), "example.test");
  assert_string_equal(dc_settings_host(s), "www.sub");
  assert_string_equal(dc_settings_url_api(s), "https://api.provider.test");
  dc_settings_free(s);

  assert_status(dc_client_set_zone_mode(c, DC_ZONE_SOA), DC_OK);
  s = discover_ok(c, "www.sub.example.test");
  assert_string_equal(dc_settings_zone(s), "sub.example.test");
  assert_string_equal(dc_settings_host(s), "www");
  assert_string_equal(dc_settings_url_api(s), "https://api2.provider.test");
  assert_string_equal(dc_settings_provider_id(s), "other.provider.test");
  assert_non_null(strstr(it_log_last_line(), "\"addr\": \"127.0.0.3\""));
  dc_settings_free(s);
  s = discover_ok(c, "sub.example.test");
  assert_string_equal(dc_settings_zone(s), "sub.example.test");
  assert_string_equal(dc_settings_host(s), "");
  dc_settings_free(s);
  /* No cut below the registrable domain: same answer as PSL mode. */
  s = discover_ok(c, "x.y.example.test");
  assert_string_equal(dc_settings_zone(s), "example.test");
  assert_string_equal(dc_settings_host(s), "x.y");
  dc_settings_free(s);
  s = discover_ok(c, "www.example.co.uk");
  assert_string_equal(dc_settings_zone(s), "example.co.uk");
  dc_settings_free(s);
  discover_fails(c, "co.uk", DC_E_PUBLIC_SUFFIX);
  /* A failure during the walk ends discovery. */
  discover_fails(c, "www.servfail.test", DC_E_DNS);
  dc_client_free(c);
}

/* ---- template support */

static void test_check_template(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  dc_settings *s = discover_ok(c, "example.test");
  long v = 0;
  assert_status(dc_check_template(c, s, "exampleservice.domainconnect.org",
                                  "template1", &v), DC_OK);
  assert_int_equal(v, 2);
  assert_non_null(strstr(it_log_last_line(),
                         "/v2/domainTemplates/providers/exampleservice.domainconnect.org"
                         "/services/template1\""));
  v = 0;
  assert_status(dc_check_template(c, s, "exampleservice.domainconnect.org",
                                  "noversion", &v), DC_OK);
  assert_int_equal(v, -1);
  assert_string_equal(dc_client_error(c), "");
  assert_status(dc_check_template(c, s, "exampleservice.domainconnect.org",
                                  "noversion", NULL), DC_OK);
  v = 0;
  assert_status(dc_check_template(c, s, "exampleservice.domainconnect.org",
                                  "unknown", &v), DC_E_NOT_SUPPORTED);
  assert_int_equal(v, -1);
  assert_int_equal(dc_client_http_status(c), 404);
  size_t before = it_log_lines();
  assert_status(dc_check_template(c, s, "bad/id", "template1", &v), DC_E_INVALID_ID);
  assert_status(dc_check_template(c, s, "p", "x?y", &v), DC_E_INVALID_ID);
  assert_int_equal(it_log_lines(), before);
  assert_status(dc_check_template(c, NULL, "p", "s", &v), DC_E_INVALID_ARG);
  dc_settings_free(s);

  /* Through a path prefix. */
  s = discover_ok(c, "pathprefix.test");
  assert_status(dc_check_template(c, s, "exampleservice.domainconnect.org",
                                  "template1", &v), DC_OK);
  assert_int_equal(v, 2);
  assert_non_null(strstr(it_log_last_line(), "\"/dc/v1/v2/domainTemplates/"));
  dc_settings_free(s);
  dc_client_free(c);
}

/* ---- one step from a domain (issue 10.5): URLs built from discovered
 * settings take the zone and host from them; a request naming others is
 * refused. */
static void test_urls_from_discovery(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  dc_settings *s = discover_ok(c, "www.example.test");
  dc_request *r = NULL;
  assert_status(dc_request_new(&r), DC_OK);
  assert_status(dc_request_set_provider_id(r, "exampleservice.domainconnect.org"), DC_OK);
  assert_status(dc_request_set_service_id(r, "template1"), DC_OK);
  char *url = NULL;
  assert_status(dc_sync_apply_url(c, s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  assert_string_equal(url, "https://sync.provider.test/v2/domainTemplates/providers/"
                           "exampleservice.domainconnect.org/services/template1/apply?"
                           "domain=example.test&host=www");
  dc_free(url);
  assert_status(dc_request_set_redirect_uri(r, "https://app.example/cb"), DC_OK);
  assert_status(dc_consent_url(c, s, r, &url), DC_OK);
  assert_string_equal(url, "https://consent.provider.test/v2/domainTemplates/providers/"
                           "exampleservice.domainconnect.org?client_id=exampleservice."
                           "domainconnect.org&domain=example.test&host=www&redirect_uri="
                           "https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=template1");
  dc_free(url);
  /* the mismatches */
  assert_status(dc_request_set_domain(r, "example.co.uk"), DC_OK);
  assert_status(dc_consent_url(c, s, r, &url), DC_E_SETTINGS_MISMATCH);
  assert_null(url);
  assert_string_equal(dc_client_error(c), "request domain example.co.uk is not the zone "
                                          "the settings are for (example.test)");
  assert_status(dc_request_set_domain(r, "example.test"), DC_OK);
  assert_status(dc_request_set_host(r, "api"), DC_OK);
  assert_status(dc_sync_apply_url(c, s, r, NULL, DC_PROFILE_DEFAULT, &url),
                DC_E_SETTINGS_MISMATCH);
  assert_null(url);
  dc_settings_free(s);
  /* discovered at the apex: the request's host is used */
  s = discover_ok(c, "example.test");
  assert_status(dc_sync_apply_url(c, s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  assert_non_null(strstr(url, "/apply?domain=example.test&host=api"));
  dc_free(url);
  /* the settings as received: the body the server sent, unknown members none */
  size_t len = 0;
  const char *raw = dc_settings_raw_json(s, &len);
  json_error_t err;
  json_t *doc = json_loadb(raw, len, 0, &err);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "urlControlPanel")),
                      "https://cp.provider.test/zones?domain=%domain%");
  json_decref(doc);
  char *unk = NULL;
  assert_status(dc_settings_unknown_json(s, &unk), DC_OK);
  assert_string_equal(unk, "{}");
  dc_free(unk);
  dc_request_free(r);
  dc_settings_free(s);
  dc_client_free(c);
}

/* ---- the guard's reasons on network calls (docs/security.md §2.11) */
static void test_guard_reasons(void **state)
{
  (void)state;
  dc_client *c = it_client(false);
  dc_settings *s = NULL;
  /* the twin: the transport's guard refuses the loopback server */
  assert_status(dc_discover(c, "example.test", &s), DC_E_BLOCKED);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_BLOCKED_ADDRESS);
  assert_status(dc_guard_url(c, "https://api.provider.test", true), DC_E_BLOCKED);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_BLOCKED_ADDRESS);
  /* a TXT value that breaks the rules, found by discovery */
  assert_status(dc_discover(c, "batch-txtinvalid.test", &s), DC_E_TXT_INVALID);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_SCHEME);
  /* unresolvable: NXDOMAIN, and a name without addresses */
  assert_status(dc_guard_txt(c, "nosuch.guard.test", true), DC_E_NO_RECORD);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_UNRESOLVABLE);
  assert_status(dc_guard_url(c, "https://nowhere.batch-noaddr.test/", true), DC_E_NO_RECORD);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_UNRESOLVABLE);
  /* one forbidden address refuses the name */
  assert_status(dc_guard_txt(c, "mixed.guard.test", true), DC_E_BLOCKED);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_BLOCKED_ADDRESS);
  /* a public name passes and clears the reason */
  assert_status(dc_guard_txt(c, "public.guard.test", true), DC_OK);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_NONE);
  dc_client_free(c);
  /* with the allow list the same discovery succeeds: no reason */
  c = it_client(true);
  s = discover_ok(c, "example.test");
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_NONE);
  dc_settings_free(s);
  dc_client_free(c);
}

static void test_arguments(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  dc_settings *s = (dc_settings *)1;
  assert_status(dc_discover(c, NULL, &s), DC_E_INVALID_ARG);
  assert_null(s);
  assert_status(dc_discover(c, "example.test", NULL), DC_E_INVALID_ARG);
  assert_status(dc_discover(NULL, "example.test", &s), DC_E_INVALID_ARG);
  assert_null(dc_settings_host(NULL));
  /* Parsed settings have no host. */
  assert_status(dc_settings_parse(c, k_doc, strlen(k_doc), NULL, &s), DC_OK);
  assert_null(dc_settings_host(s));
  dc_settings_free(s);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_apex),
    cmocka_unit_test(test_subdomain),
    cmocka_unit_test(test_multi_label_suffix),
    cmocka_unit_test(test_path_prefix),
    cmocka_unit_test(test_cname_and_duplicates),
    cmocka_unit_test(test_txt_multiple),
    cmocka_unit_test(test_no_record),
    cmocka_unit_test(test_servfail),
    cmocka_unit_test(test_silent_dns),
    cmocka_unit_test(test_settings_http_status),
    cmocka_unit_test(test_settings_bad_body),
    cmocka_unit_test(test_wrong_ca),
    cmocka_unit_test(test_twin_without_allow_list),
    cmocka_unit_test(test_soa_walk),
    cmocka_unit_test(test_check_template),
    cmocka_unit_test(test_urls_from_discovery),
    cmocka_unit_test(test_guard_reasons),
    cmocka_unit_test(test_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
