#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

char *tu_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) fail_msg("cannot open %s", path);
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      buf = realloc(buf, cap);
      if (buf == NULL) fail_msg("out of memory");
    }
    size_t r = fread(buf + n, 1, 4096, f);
    if (r == 0) break;
    n += r;
  }
  fclose(f);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

void tu_expect_has(const char *text, const char *const *parts)
{
  assert_non_null(text);
  for (; *parts != NULL; parts++)
    if (strstr(text, *parts) == NULL) fail_msg("\"%s\" lacks \"%s\"", text, *parts);
}

dc_client *tu_client(void)
{
  dc_client *c = NULL;
  assert_status(dc_client_new(&c), DC_OK);
  return c;
}

const char *tu_data(const char *rel)
{
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", DC_TEST_DATA_DIR, rel);
  return path;
}

void tu_expect_spec_conflicts(const dc_conflicts *cf)
{
  assert_non_null(cf);
  assert_string_equal(dc_conflicts_code(cf), "409");
  assert_string_equal(dc_conflicts_message(cf), "Conflicting records");
  assert_int_equal(dc_conflicts_count(cf), 2);
  assert_string_equal(dc_conflicts_type(cf, 0), "CNAME");
  assert_string_equal(dc_conflicts_host(cf, 0), "www");
  assert_string_equal(dc_conflicts_data(cf, 0), "@");
  assert_string_equal(dc_conflicts_type(cf, 1), "A");
  assert_string_equal(dc_conflicts_host(cf, 1), "@");
  assert_string_equal(dc_conflicts_data(cf, 1), "random ip");
  assert_null(dc_conflicts_type(cf, 2));
  assert_null(dc_conflicts_host(cf, 2));
  assert_null(dc_conflicts_data(cf, 2));
}

/* want NULL: not checked */
static void expect_field(const char *what, const char *got, const char *want)
{
  if (want == NULL) return;
  if (got == NULL || strcmp(got, want) != 0)
    fail_msg("settings %s: \"%s\", expected \"%s\"", what, got ? got : "(null)", want);
}

void tu_expect_settings(const dc_settings *s, const struct tu_settings_want *w)
{
  assert_non_null(s);
  expect_field("zone", dc_settings_zone(s), w->zone);
  expect_field("host", dc_settings_host(s), w->host);
  expect_field("providerId", dc_settings_provider_id(s), w->provider_id);
  expect_field("providerName", dc_settings_provider_name(s), w->provider_name);
  expect_field("providerDisplayName", dc_settings_provider_display_name(s), w->display_name);
  expect_field("urlSyncUX", dc_settings_url_sync_ux(s), w->sync_ux);
  expect_field("urlAsyncUX", dc_settings_url_async_ux(s), w->async_ux);
  expect_field("urlAPI", dc_settings_url_api(s), w->api);
  expect_field("urlControlPanel", dc_settings_url_control_panel(s), w->control_panel);
  if (w->width != 0) assert_int_equal(dc_settings_width(s), w->width);
}

/* ---- the URL suites */

const char tu_ionos_settings[] =
  "{\"providerId\":\"ionos.de\",\"providerName\":\"IONOS\","
  "\"urlSyncUX\":\"https://domainconnect.ionos.de/sync\","
  "\"urlAsyncUX\":\"https://domainconnect.ionos.de/async\","
  "\"urlAPI\":\"https://api.domainconnect.ionos.de\"}";
const char tu_ionos_settings_noasync[] =
  "{\"providerId\":\"ionos.de\",\"providerName\":\"IONOS\","
  "\"urlSyncUX\":\"https://domainconnect.ionos.de/sync\","
  "\"urlAPI\":\"https://api.domainconnect.ionos.de\"}";
const char tu_ionos_settings_nosync[] =
  "{\"providerId\":\"ionos.de\",\"providerName\":\"IONOS\","
  "\"urlAsyncUX\":\"https://domainconnect.ionos.de/async\","
  "\"urlAPI\":\"https://api.domainconnect.ionos.de\"}";

dc_settings *tu_settings(dc_client *c, const char *json)
{
  dc_settings *s = NULL;
  dc_status st = dc_settings_parse(c, json, strlen(json), NULL, &s);
  if (st != DC_OK) fail_msg("settings: %s (%s)", dc_status_name(st), dc_client_error(c));
  return s;
}

const struct tu_bad_row tu_bad[] = {
  /* reserved variable names: each of the protocol's parameters */
  {TU_VAR_NAME, "domain", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "host", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "redirect_uri", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "state", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "groupId", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "providerName", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "serviceName", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "instanceId", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "sig", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "key", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "client_id", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "scope", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "response_type", DC_E_RESERVED_PARAM, TU_BOTH},
  {TU_VAR_NAME, "force", DC_E_RESERVED_PARAM, TU_BOTH},
  /* variable names we do not send */
  {TU_VAR_NAME, "", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_NAME, "a b", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_NAME, "a=b", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_NAME, "a&b", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_NAME, "a#b", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_NAME, "a%b", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_NAME, "a\tb", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_NAME, "caf\xc3\xa9", DC_E_INVALID_PARAM, TU_BOTH},
  /* values that are not UTF-8 */
  {TU_VAR_VALUE, "\xfe", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_VALUE, "\xff", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_VALUE, "a\xc3", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_VALUE, "\xc0\xaf", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_VALUE, "\xed\xa0\x80", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_VAR_VALUE, "\xf4\x90\x80\x80", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_PNAME, "\x80", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_PNAME, "\xc3(", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_SNAME, "x\xe2\x98", DC_E_INVALID_PARAM, TU_BOTH},
  /* the provider id */
  {TU_PROVIDER, "", DC_E_INVALID_ID, TU_BOTH},
  {TU_PROVIDER, "exa mple", DC_E_INVALID_ID, TU_BOTH},
  {TU_PROVIDER, "a/b", DC_E_INVALID_ID, TU_BOTH},
  {TU_PROVIDER, "bad/id", DC_E_INVALID_ID, TU_BOTH},
  {TU_PROVIDER, "a?b", DC_E_INVALID_ID, TU_BOTH},
  {TU_PROVIDER, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", DC_E_INVALID_ID, TU_BOTH},
  /* the domain */
  {TU_DOMAIN, "", DC_E_INVALID_DOMAIN, TU_BOTH},
  {TU_DOMAIN, "exa mple.com", DC_E_INVALID_DOMAIN, TU_BOTH},
  {TU_DOMAIN, "-bad.com", DC_E_INVALID_DOMAIN, TU_BOTH},
  {TU_DOMAIN, "a..b.com", DC_E_INVALID_DOMAIN, TU_BOTH},
  {TU_DOMAIN, "exa/mple.com", DC_E_INVALID_DOMAIN, TU_BOTH},
  {TU_DOMAIN, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
   DC_E_INVALID_DOMAIN, TU_BOTH},
  /* redirect_uri */
  {TU_REDIRECT, "http://example.com/cb", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "example.com/cb", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "/relative", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "https://", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "https:///cb", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "https://exa mple.com/", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "https://example.com/\x01", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "https://example.com/\xc3\xa9", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "https://example.com/#frag", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "javascript:alert(1)", DC_E_UNSAFE_URL, TU_BOTH},
  {TU_REDIRECT, "", DC_E_UNSAFE_URL, TU_BOTH},
  /* state */
  {TU_STATE, "ab\x01" "cd", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_STATE, "ab\x02", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_STATE, "ab\x7f", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_STATE, "ab\ncd", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_STATE, "caf\xc3\xa9", DC_E_INVALID_PARAM, TU_BOTH},
  {TU_STATE, "", DC_E_INVALID_PARAM, TU_BOTH},
  /* ids of the sync flow */
  {TU_SERVICE, "t/1", DC_E_INVALID_ID, TU_SYNC},
  {TU_SERVICE, "", DC_E_INVALID_ID, TU_SYNC},
  {TU_GROUP, "g,1", DC_E_INVALID_ID, TU_SYNC},
  {TU_GROUP, "", DC_E_INVALID_ID, TU_SYNC},
  {TU_INSTANCE, "i 1", DC_E_INVALID_ID, TU_SYNC},
  /* the sync flow's one host */
  {TU_HOST, "bad host", DC_E_INVALID_HOST, TU_SYNC},
  {TU_HOST, "a..b", DC_E_INVALID_HOST, TU_SYNC},
  {TU_HOST, "-lead", DC_E_INVALID_HOST, TU_SYNC},
  {TU_HOST, "x/y", DC_E_INVALID_HOST, TU_SYNC},
  {TU_HOST, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", DC_E_INVALID_HOST,
   TU_SYNC},
  /* the sync flow takes one host and one service id */
  {TU_ADD_HOST, "www", DC_E_INVALID_ARG, TU_SYNC},
  {TU_ADD_SERVICE, "template1", DC_E_INVALID_ARG, TU_SYNC},
  /* the consent URL's scope, host list and client_id */
  {TU_ADD_SERVICE, "t 2", DC_E_INVALID_ID, TU_CONSENT},
  {TU_ADD_SERVICE, "", DC_E_INVALID_ID, TU_CONSENT},
  {TU_ADD_HOST, "bad host", DC_E_INVALID_HOST, TU_CONSENT},
  {TU_ADD_HOST, "a,b", DC_E_INVALID_HOST, TU_CONSENT},
  {TU_ADD_HOST, "-x", DC_E_INVALID_HOST, TU_CONSENT},
  {TU_CLIENT, "", DC_E_INVALID_PARAM, TU_CONSENT},
  {TU_CLIENT, "cl\x01ient", DC_E_INVALID_PARAM, TU_CONSENT},
  {TU_CLIENT, "cli\xc3\xa9nt", DC_E_INVALID_PARAM, TU_CONSENT},
};
const size_t tu_bad_n = sizeof tu_bad / sizeof tu_bad[0];

void tu_apply_bad(dc_request *r, const struct tu_bad_row *b)
{
  dc_status st = DC_OK;
  switch (b->f) {
  case TU_DOMAIN: st = dc_request_set_domain(r, b->value); break;
  case TU_HOST: st = dc_request_set_host(r, b->value); break;
  case TU_ADD_HOST: st = dc_request_add_host(r, b->value); break;
  case TU_PROVIDER: st = dc_request_set_provider_id(r, b->value); break;
  case TU_SERVICE: st = dc_request_set_service_id(r, b->value); break;
  case TU_ADD_SERVICE: st = dc_request_add_service_id(r, b->value); break;
  case TU_REDIRECT: st = dc_request_set_redirect_uri(r, b->value); break;
  case TU_STATE: st = dc_request_set_state(r, b->value); break;
  case TU_GROUP: st = dc_request_add_group_id(r, b->value); break;
  case TU_INSTANCE: st = dc_request_set_instance_id(r, b->value); break;
  case TU_CLIENT: st = dc_request_set_client_id(r, b->value); break;
  case TU_PNAME: st = dc_request_set_provider_name(r, b->value); break;
  case TU_SNAME: st = dc_request_set_service_name(r, b->value); break;
  case TU_VAR_NAME: st = dc_request_set_param(r, b->value, "1"); break;
  case TU_VAR_VALUE: st = dc_request_set_param(r, "v", b->value); break;
  }
  assert_status(st, DC_OK);
}

void tu_expect_refused(dc_client *c, const struct tu_bad_row *b, dc_status st,
                       const char *url)
{
  if (st != b->want)
    fail_msg("field %d \"%s\": %s, expected %s (%s)", (int)b->f, b->value,
             dc_status_name(st), dc_status_name(b->want), dc_client_error(c));
  assert_null(url);
  assert_true(dc_client_error(c)[0] != '\0');
  if (b->want == DC_E_RESERVED_PARAM)
    assert_non_null(strstr(dc_client_error(c), b->value));
  if (b->f == TU_STATE && b->value[0] != '\0')
    assert_null(strstr(dc_client_error(c), b->value));
}

void tu_each_bad(void *fixture, unsigned in,
                 void (*check)(void *fixture, const struct tu_bad_row *b))
{
  for (size_t i = 0; i < tu_bad_n; i++)
    if (tu_bad[i].in & in) check(fixture, &tu_bad[i]);
}

dc_request *tu_request(void)
{
  dc_request *r = NULL;
  assert_status(dc_request_new(&r), DC_OK);
  assert_status(dc_request_set_domain(r, "example.com"), DC_OK);
  assert_status(dc_request_set_provider_id(r, "exampleservice.domainconnect.org"), DC_OK);
  assert_status(dc_request_set_service_id(r, "template1"), DC_OK);
  return r;
}

void tu_add_vars(dc_request *r, int n)
{
  char name[32];
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "v%d", i);
    assert_status(dc_request_set_param(r, name, "x"), DC_OK);
  }
}
