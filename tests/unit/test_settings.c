/* Settings document parsing (docs/protocol.md §1.3; IETF draft "DNS
 * Provider Discovery" settings table; docs/security.md §4.3 for the URLs). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "proto/settings.h"

/* The example of the spec (the same in the master spec and the IETF
 * draft), with the lines that the document wraps inside strings joined
 * again. */
static const char k_spec_example[] =
  "{\n"
  "    \"providerId\": \"virtucondomains.example\",\n"
  "    \"providerName\": \"Virtucon Domains\",\n"
  "    \"providerDisplayName\": \"Virtucon Domains\",\n"
  "    \"urlSyncUX\": \"https://domainconnect.virtucondomains.example\",\n"
  "    \"urlAsyncUX\": \"https://domainconnect.virtucondomains.example\",\n"
  "    \"urlAPI\": \"https://api.domainconnect.virtucondomains.example\",\n"
  "    \"width\": 750,\n"
  "    \"height\": 750,\n"
  "    \"urlControlPanel\": \"https://domaincontrolpanel.virtucondomains.example/?domain=%domain%\",\n"
  "    \"nameServers\": [\"ns01.virtucondomainsdns.example\", \"ns02.virtucondomainsdns.example\"]\n"
  "}\n";

/* The smallest valid document. */
#define MIN_FIELDS "\"providerId\":\"p.example\",\"providerName\":\"P\",\"urlAPI\":\"https://api.p.example\""

static dc_status parse(dc_client *c, const char *json, const char *zone, dc_settings **out)
{
  return dc_settings_parse(c, json, strlen(json), zone, out);
}

static void test_spec_example(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_settings *s = NULL;
  assert_status(parse(c, k_spec_example, "example.com", &s), DC_OK);
  assert_string_equal(dc_client_error(c), "");
  tu_expect_settings(s, &(struct tu_settings_want){
    .provider_id = "virtucondomains.example", .provider_name = "Virtucon Domains",
    .display_name = "Virtucon Domains",
    .sync_ux = "https://domainconnect.virtucondomains.example",
    .async_ux = "https://domainconnect.virtucondomains.example",
    .api = "https://api.domainconnect.virtucondomains.example",
    .control_panel = "https://domaincontrolpanel.virtucondomains.example/?domain=example.com",
    .zone = "example.com", .width = 750});
  assert_int_equal(dc_settings_height(s), 750);
  assert_int_equal(dc_settings_name_server_count(s), 2);
  assert_string_equal(dc_settings_name_server(s, 0), "ns01.virtucondomainsdns.example");
  assert_string_equal(dc_settings_name_server(s, 1), "ns02.virtucondomainsdns.example");
  assert_null(dc_settings_name_server(s, 2));
  /* the internal struct other modules read */
  assert_string_equal(s->url_sync_ux, "https://domainconnect.virtucondomains.example");
  assert_string_equal(s->provider_id, "virtucondomains.example");
  assert_null(s->name_servers[2]);
  dc_settings_free(s);

  /* no zone: urlControlPanel is kept as given */
  assert_status(parse(c, k_spec_example, NULL, &s), DC_OK);
  assert_string_equal(dc_settings_url_control_panel(s),
                      "https://domaincontrolpanel.virtucondomains.example/?domain=%domain%");
  assert_null(dc_settings_zone(s));
  dc_settings_free(s);
  dc_client_free(c);
}

static void test_minimal_and_defaults(void **state)
{
  (void)state;
  dc_settings *s = NULL;
  assert_status(parse(NULL, "{" MIN_FIELDS "}", NULL, &s), DC_OK);
  assert_string_equal(dc_settings_url_api(s), "https://api.p.example");
  assert_null(dc_settings_provider_display_name(s));
  assert_null(dc_settings_url_sync_ux(s));
  assert_null(dc_settings_url_async_ux(s));
  assert_null(dc_settings_url_control_panel(s));
  assert_int_equal(dc_settings_width(s), 750);
  assert_int_equal(dc_settings_height(s), 750);
  assert_int_equal(dc_settings_name_server_count(s), 0);
  assert_null(dc_settings_name_server(s, 0));
  assert_null(s->name_servers);
  dc_settings_free(s);

  /* NULL accessors */
  assert_null(dc_settings_provider_id(NULL));
  assert_null(dc_settings_url_api(NULL));
  assert_null(dc_settings_zone(NULL));
  assert_int_equal(dc_settings_width(NULL), 0);
  assert_int_equal(dc_settings_name_server_count(NULL), 0);
  assert_null(dc_settings_name_server(NULL, 0));
  dc_settings_free(NULL);
}

/* Rows of documents that parse; the check function verifies one getter. */
struct ok_row {
  const char *json;
  const char *zone;
  const char *field;  /* getter to compare, see get_field() */
  const char *want;
};

static const char *get_field(const dc_settings *s, const char *field, char *buf, size_t n)
{
  if (strcmp(field, "urlAPI") == 0) return dc_settings_url_api(s);
  if (strcmp(field, "urlSyncUX") == 0) return dc_settings_url_sync_ux(s);
  if (strcmp(field, "urlAsyncUX") == 0) return dc_settings_url_async_ux(s);
  if (strcmp(field, "urlControlPanel") == 0) return dc_settings_url_control_panel(s);
  if (strcmp(field, "providerName") == 0) return dc_settings_provider_name(s);
  if (strcmp(field, "providerDisplayName") == 0) return dc_settings_provider_display_name(s);
  if (strcmp(field, "zone") == 0) return dc_settings_zone(s);
  if (strcmp(field, "ns0") == 0) return dc_settings_name_server(s, 0);
  if (strcmp(field, "nscount") == 0) {
    snprintf(buf, n, "%zu", dc_settings_name_server_count(s));
    return buf;
  }
  if (strcmp(field, "width") == 0) { snprintf(buf, n, "%ld", dc_settings_width(s)); return buf; }
  if (strcmp(field, "height") == 0) { snprintf(buf, n, "%ld", dc_settings_height(s)); return buf; }
  fail_msg("unknown field %s", field);
  return NULL;
}

static const struct ok_row k_ok[] = {
  /* URL canonical forms */
  {"{" MIN_FIELDS ",\"urlSyncUX\":\"HTTPS://Sync.P.Example:443/dc/\"}", NULL, "urlSyncUX",
   "https://sync.p.example/dc"},
  {"{\"providerId\":\"p\",\"providerName\":\"P\",\"urlAPI\":\"https://api.p.example/\"}", NULL,
   "urlAPI", "https://api.p.example"},
  {"{\"providerId\":\"p\",\"providerName\":\"P\",\"urlAPI\":\"https://api.cloudflare.com/client/v4/dns/domainconnect\"}",
   NULL, "urlAPI", "https://api.cloudflare.com/client/v4/dns/domainconnect"},
  {"{" MIN_FIELDS ",\"urlAsyncUX\":\"https://async.p.example./\"}", NULL, "urlAsyncUX",
   "https://async.p.example"},
  /* width / height forms */
  {"{" MIN_FIELDS ",\"width\":800}", NULL, "width", "800"},
  {"{" MIN_FIELDS ",\"width\":\"800\"}", NULL, "width", "800"},
  {"{" MIN_FIELDS ",\"height\":\"600\"}", NULL, "height", "600"},
  {"{" MIN_FIELDS ",\"width\":800.0}", NULL, "width", "800"},
  {"{" MIN_FIELDS ",\"width\":1}", NULL, "width", "1"},
  {"{" MIN_FIELDS ",\"width\":10000}", NULL, "width", "10000"},
  {"{" MIN_FIELDS ",\"width\":null}", NULL, "width", "750"},
  {"{" MIN_FIELDS ",\"width\":500}", NULL, "height", "750"},
  /* %domain% filled with the percent-encoded ACE zone */
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/manage/%domain%/dns\"}",
   "m\xc3\xbcnchen.de", "urlControlPanel", "https://cp.p.example/manage/xn--mnchen-3ya.de/dns"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/manage/%domain%/dns\"}",
   "M\xc3\x9cNCHEN.DE.", "zone", "xn--mnchen-3ya.de"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/?d=%domain%&again=%domain%\"}",
   "Example.COM", "urlControlPanel", "https://cp.p.example/?d=example.com&again=example.com"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/dns\"}", "example.com",
   "urlControlPanel", "https://cp.p.example/dns"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/manage/%domain%/dns\"}", NULL,
   "urlControlPanel", "https://cp.p.example/manage/%domain%/dns"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/?d=%DOMAIN%\"}", "example.com",
   "urlControlPanel", "https://cp.p.example/?d=%DOMAIN%"}, /* token is case-sensitive */
  /* nameServers normalised */
  {"{" MIN_FIELDS ",\"nameServers\":[\"NS1.Example.NET.\",\"ns2.example.net\"]}", NULL, "ns0",
   "ns1.example.net"},
  {"{" MIN_FIELDS ",\"nameServers\":[]}", NULL, "nscount", "0"},
  /* unknown fields ignored, null optional fields absent */
  {"{" MIN_FIELDS ",\"futureField\":{\"a\":[1,2,{\"b\":null}]},\"x\":true}", NULL, "urlAPI",
   "https://api.p.example"},
  {"{" MIN_FIELDS ",\"urlSyncUX\":null,\"providerDisplayName\":null}", NULL, "urlAPI",
   "https://api.p.example"},
  /* display names: Unicode is fine */
  {"{\"providerId\":\"p\",\"providerName\":\"M\\u00fcnchen DNS \xe2\x9c\x93\",\"urlAPI\":\"https://a.p.example\"}",
   NULL, "providerName", "M\xc3\xbcnchen DNS \xe2\x9c\x93"},
  {"{" MIN_FIELDS ",\"providerDisplayName\":\"Brand X\"}", NULL, "providerDisplayName", "Brand X"},
};

static void test_ok_table(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof k_ok / sizeof k_ok[0]; i++) {
    dc_settings *s = NULL;
    dc_status st = parse(c, k_ok[i].json, k_ok[i].zone, &s);
    if (st != DC_OK)
      fail_msg("row %zu: status %s (%s)", i, dc_status_name(st), dc_client_error(c));
    char buf[32];
    const char *got = get_field(s, k_ok[i].field, buf, sizeof buf);
    if (got == NULL || strcmp(got, k_ok[i].want) != 0)
      fail_msg("row %zu: %s = \"%s\", want \"%s\"", i, k_ok[i].field, got ? got : "(null)",
               k_ok[i].want);
    dc_settings_free(s);
  }
  dc_client_free(c);
}

struct bad_row {
  const char *json;
  const char *zone;
  dc_status want;
  const char *detail; /* substring of dc_client_error() */
};

#define NO_ID "\"providerName\":\"P\",\"urlAPI\":\"https://api.p.example\""
#define NO_NAME "\"providerId\":\"p\",\"urlAPI\":\"https://api.p.example\""
#define NO_API "\"providerId\":\"p\",\"providerName\":\"P\""

static const struct bad_row k_bad[] = {
  /* required fields missing (null counts as missing) */
  {"{" NO_ID "}", NULL, DC_E_SETTINGS_MISSING, "providerId"},
  {"{" NO_NAME "}", NULL, DC_E_SETTINGS_MISSING, "providerName"},
  {"{" NO_API "}", NULL, DC_E_SETTINGS_MISSING, "urlAPI"},
  {"{}", NULL, DC_E_SETTINGS_MISSING, "providerId"},
  {"{\"providerId\":null," NO_ID "}", NULL, DC_E_SETTINGS_MISSING, "providerId"},
  {"{" NO_API ",\"urlAPI\":null}", NULL, DC_E_SETTINGS_MISSING, "urlAPI"},
  {"{\"providerid\":\"p\"," NO_ID "}", NULL, DC_E_SETTINGS_MISSING, "providerId"}, /* case */
  /* wrong types / values */
  {"{\"providerId\":5," NO_ID "}", NULL, DC_E_SETTINGS_TYPE, "providerId"},
  {"{\"providerId\":[\"p\"]," NO_ID "}", NULL, DC_E_SETTINGS_TYPE, "providerId"},
  {"{\"providerId\":\"\"," NO_ID "}", NULL, DC_E_SETTINGS_TYPE, "providerId"},
  {"{\"providerId\":\"bad id\"," NO_ID "}", NULL, DC_E_SETTINGS_TYPE, "providerId"},
  {"{\"providerId\":\"p/x\"," NO_ID "}", NULL, DC_E_SETTINGS_TYPE, "providerId"},
  {"{\"providerId\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"," NO_ID "}",
   NULL, DC_E_SETTINGS_TYPE, "providerId"},
  {"{\"providerName\":true," NO_NAME "}", NULL, DC_E_SETTINGS_TYPE, "providerName"},
  {"{\"providerName\":\"\"," NO_NAME "}", NULL, DC_E_SETTINGS_TYPE, "providerName"},
  {"{\"providerName\":\"bell\\u0007\"," NO_NAME "}", NULL, DC_E_SETTINGS_TYPE, "providerName"},
  {"{\"providerName\":\"two\\nlines\"," NO_NAME "}", NULL, DC_E_SETTINGS_TYPE, "providerName"},
  {"{\"providerName\":\"c1\\u0085\"," NO_NAME "}", NULL, DC_E_SETTINGS_TYPE, "providerName"},
  {"{\"providerName\":\"nonchar\\ufdd0\"," NO_NAME "}", NULL, DC_E_SETTINGS_TYPE, "providerName"},
  {"{" MIN_FIELDS ",\"providerDisplayName\":[]}", NULL, DC_E_SETTINGS_TYPE, "providerDisplayName"},
  {"{" MIN_FIELDS ",\"providerDisplayName\":\"\"}", NULL, DC_E_SETTINGS_TYPE, "providerDisplayName"},
  {"{" NO_API ",\"urlAPI\":5}", NULL, DC_E_SETTINGS_TYPE, "urlAPI"},
  {"{" MIN_FIELDS ",\"urlSyncUX\":true}", NULL, DC_E_SETTINGS_TYPE, "urlSyncUX"},
  {"{" MIN_FIELDS ",\"urlAsyncUX\":{}}", NULL, DC_E_SETTINGS_TYPE, "urlAsyncUX"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":1}", NULL, DC_E_SETTINGS_TYPE, "urlControlPanel"},
  {"{" MIN_FIELDS ",\"width\":0}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":-1}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":10001}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":9999999999}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":1.5}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":1e300}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":true}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":[800]}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"abc\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"80px\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\" 800\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"+800\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"-800\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"0\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"800.5\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"10001\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"width\":\"1000000\"}", NULL, DC_E_SETTINGS_TYPE, "width"},
  {"{" MIN_FIELDS ",\"height\":\"tall\"}", NULL, DC_E_SETTINGS_TYPE, "height"},
  {"{" MIN_FIELDS ",\"nameServers\":\"ns1.example.net\"}", NULL, DC_E_SETTINGS_TYPE, "nameServers"},
  {"{" MIN_FIELDS ",\"nameServers\":[5]}", NULL, DC_E_SETTINGS_TYPE, "nameServers[0]"},
  {"{" MIN_FIELDS ",\"nameServers\":[\"ns1.example.net\",\"bad..name\"]}", NULL,
   DC_E_SETTINGS_TYPE, "nameServers[1]"},
  {"{" MIN_FIELDS ",\"nameServers\":[\"ns_1.example.net\"]}", NULL, DC_E_SETTINGS_TYPE, "nameServers"},
  {"{" MIN_FIELDS ",\"nameServers\":[\"192.0.2.1\"]}", NULL, DC_E_SETTINGS_TYPE, "IP literal"},
  {"{" MIN_FIELDS ",\"nameServers\":[\"ns1\"]}", NULL, DC_E_SETTINGS_TYPE, "single-label"},
  {"{" MIN_FIELDS ",\"nameServers\":[\"\"]}", NULL, DC_E_SETTINGS_TYPE, "nameServers"},
  {"{" MIN_FIELDS ",\"nameServers\":[null]}", NULL, DC_E_SETTINGS_TYPE, "nameServers"},
  /* URL safety */
  {"{" NO_API ",\"urlAPI\":\"http://api.p.example\"}", NULL, DC_E_UNSAFE_URL, "urlAPI"},
  {"{" NO_API ",\"urlAPI\":\"https://api.p.example@127.0.0.1\"}", NULL, DC_E_UNSAFE_URL, "userinfo"},
  {"{" NO_API ",\"urlAPI\":\"https://127.0.0.1\"}", NULL, DC_E_UNSAFE_URL, "IP literal"},
  {"{" NO_API ",\"urlAPI\":\"https://api.p.example:8443\"}", NULL, DC_E_UNSAFE_URL, "port"},
  {"{" NO_API ",\"urlAPI\":\"https://api.p.example/v2?x=1\"}", NULL, DC_E_UNSAFE_URL, "query"},
  {"{" NO_API ",\"urlAPI\":\"\"}", NULL, DC_E_UNSAFE_URL, "urlAPI"},
  {"{" NO_API ",\"urlAPI\":\"api.p.example\"}", NULL, DC_E_UNSAFE_URL, "urlAPI"},
  {"{" MIN_FIELDS ",\"urlSyncUX\":\"https://a\\\\@127.0.0.1\"}", NULL, DC_E_UNSAFE_URL, "urlSyncUX"},
  {"{" MIN_FIELDS ",\"urlSyncUX\":\"https://metadata.google.internal\"}", NULL, DC_E_UNSAFE_URL,
   "urlSyncUX"},
  {"{" MIN_FIELDS ",\"urlAsyncUX\":\"https://async.p.example/?x\"}", NULL, DC_E_UNSAFE_URL,
   "urlAsyncUX"},
  {"{" MIN_FIELDS ",\"urlAsyncUX\":\"https://[::1]/\"}", NULL, DC_E_UNSAFE_URL, "urlAsyncUX"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/#%domain%\"}", "example.com",
   DC_E_UNSAFE_URL, "urlControlPanel"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"http://cp.p.example/?d=%domain%\"}", "example.com",
   DC_E_UNSAFE_URL, "urlControlPanel"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/?d=%domain%#x\"}", NULL,
   DC_E_UNSAFE_URL, "urlControlPanel"},
  {"{" MIN_FIELDS ",\"urlControlPanel\":\"javascript:alert(1)\"}", NULL, DC_E_UNSAFE_URL,
   "urlControlPanel"},
  /* the zone argument */
  {"{" MIN_FIELDS "}", "bad..zone", DC_E_INVALID_DOMAIN, "domain"},
  {"{" MIN_FIELDS "}", "xn--a.com", DC_E_INVALID_DOMAIN, "IDNA"},
  {"{" MIN_FIELDS "}", "", DC_E_INVALID_DOMAIN, "domain"},
  /* JSON syntax and structure */
  {"", NULL, DC_E_JSON, "settings"},
  {"{", NULL, DC_E_JSON, "settings"},
  {"[]", NULL, DC_E_JSON, "object"},
  {"\"providerId\"", NULL, DC_E_JSON, "settings"},
  {"{" MIN_FIELDS "} trailing", NULL, DC_E_JSON, "settings"},
  {"{" MIN_FIELDS ",\"providerId\":\"q\"}", NULL, DC_E_JSON, "settings"},       /* duplicate key */
  {"{" MIN_FIELDS ",\"x\":1,\"x\":2}", NULL, DC_E_JSON, "settings"},            /* duplicate unknown key */
  {"{" MIN_FIELDS ",\"providerName\":\"Q\"}", NULL, DC_E_JSON, "settings"},
  {"{\"providerId\":\"p\\u0000x\"," NO_ID "}", NULL, DC_E_JSON, "settings"},    /* NUL in string */
};

static void test_bad_table(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
    dc_settings *s = (dc_settings *)&c; /* sentinel: must become NULL */
    dc_status st = parse(c, k_bad[i].json, k_bad[i].zone, &s);
    if (st != k_bad[i].want)
      fail_msg("row %zu %s: status %s, want %s (%s)", i, k_bad[i].json, dc_status_name(st),
               dc_status_name(k_bad[i].want), dc_client_error(c));
    assert_null(s);
    if (strstr(dc_client_error(c), k_bad[i].detail) == NULL)
      fail_msg("row %zu: detail \"%s\" lacks \"%s\"", i, dc_client_error(c), k_bad[i].detail);
  }
  dc_client_free(c);
}

static void test_limits(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_settings *s = NULL;
  char *doc = NULL;

  /* depth: 40 nested arrays under an unknown member */
  char deep[256];
  size_t o = (size_t)snprintf(deep, sizeof deep, "{" MIN_FIELDS ",\"x\":");
  for (int i = 0; i < 40; i++) deep[o++] = '[';
  for (int i = 0; i < 40; i++) deep[o++] = ']';
  deep[o++] = '}';
  deep[o] = '\0';
  assert_status(dc_settings_parse(c, deep, o, NULL, &s), DC_E_LIMIT);
  assert_null(s);
  assert_non_null(strstr(dc_client_error(c), "settings"));
  /* depth 32 exactly (top-level object + 31 arrays) is fine */
  o = (size_t)snprintf(deep, sizeof deep, "{" MIN_FIELDS ",\"x\":");
  for (int i = 0; i < 31; i++) deep[o++] = '[';
  for (int i = 0; i < 31; i++) deep[o++] = ']';
  deep[o++] = '}';
  deep[o] = '\0';
  assert_status(dc_settings_parse(c, deep, o, NULL, &s), DC_OK);
  dc_settings_free(s);

  /* size: one byte over DC_MAX_SETTINGS_JSON, padded with an unknown field */
  size_t cap = DC_MAX_SETTINGS_JSON;
  doc = malloc(cap + 2);
  assert_non_null(doc);
  const char *head = "{" MIN_FIELDS ",\"pad\":\"";
  size_t hl = strlen(head);
  memcpy(doc, head, hl);
  memset(doc + hl, 'x', cap + 1 - hl - 2);
  memcpy(doc + cap + 1 - 2, "\"}", 2);
  doc[cap + 1] = '\0';
  assert_int_equal(strlen(doc), cap + 1);
  assert_status(dc_settings_parse(c, doc, cap + 1, NULL, &s), DC_E_LIMIT);
  assert_null(s);
  /* one byte shorter: exactly the cap. One pad string would be over the
   * 8 KiB string cap, so split the padding into three members. */
  memcpy(doc + hl + 6000, "\",\"pad2\":\"", 10);
  memcpy(doc + hl + 12000, "\",\"pad3\":\"", 10);
  memcpy(doc + cap - 2, "\"}", 2);
  doc[cap] = '\0';
  assert_status(dc_settings_parse(c, doc, cap, NULL, &s), DC_OK);
  dc_settings_free(s);
  free(doc);

  /* nameServers: DC_MAX_NAME_SERVERS entries fine, one more is LIMIT */
  char ns[4096];
  for (int extra = 0; extra < 2; extra++) {
    o = (size_t)snprintf(ns, sizeof ns, "{" MIN_FIELDS ",\"nameServers\":[");
    for (int i = 0; i < DC_MAX_NAME_SERVERS + extra; i++)
      o += (size_t)snprintf(ns + o, sizeof ns - o, "%s\"ns%d.example.net\"", i ? "," : "", i);
    o += (size_t)snprintf(ns + o, sizeof ns - o, "]}");
    dc_status st = dc_settings_parse(c, ns, o, NULL, &s);
    if (extra == 0) {
      assert_status(st, DC_OK);
      assert_int_equal(dc_settings_name_server_count(s), DC_MAX_NAME_SERVERS);
      assert_string_equal(dc_settings_name_server(s, 31), "ns31.example.net");
      dc_settings_free(s);
    } else {
      assert_status(st, DC_E_LIMIT);
      assert_non_null(strstr(dc_client_error(c), "nameServers"));
    }
  }

  /* a URL over DC_MAX_URL_LEN */
  char *big = malloc(DC_MAX_URL_LEN + 200);
  assert_non_null(big);
  o = (size_t)snprintf(big, DC_MAX_URL_LEN + 200, "{" NO_API ",\"urlAPI\":\"https://api.p.example");
  while (o < DC_MAX_URL_LEN + 100) { big[o++] = '/'; big[o++] = 'a'; }
  memcpy(big + o, "\"}", 3);
  o += 2;
  assert_status(dc_settings_parse(c, big, o, NULL, &s), DC_E_UNSAFE_URL);
  assert_non_null(strstr(dc_client_error(c), "urlAPI"));
  assert_non_null(strstr(dc_client_error(c), "2048"));
  /* urlControlPanel that only grows past the cap once %domain% is filled */
  o = (size_t)snprintf(big, DC_MAX_URL_LEN + 200,
                       "{" MIN_FIELDS ",\"urlControlPanel\":\"https://cp.p.example/?");
  size_t start = o;
  while (o - start + 40 < DC_MAX_URL_LEN - 30) { memcpy(big + o, "%domain%", 8); o += 8; }
  memcpy(big + o, "\"}", 3);
  o += 2;
  assert_status(dc_settings_parse(c, big, o, "example.com", &s), DC_E_UNSAFE_URL);
  assert_non_null(strstr(dc_client_error(c), "urlControlPanel"));
  assert_status(dc_settings_parse(c, big, o, "a.co", &s), DC_OK); /* shorter zone fits */
  dc_settings_free(s);
  free(big);

  /* arguments */
  assert_status(dc_settings_parse(c, "{}", 2, NULL, NULL), DC_E_INVALID_ARG);
  assert_status(dc_settings_parse(c, NULL, 5, NULL, &s), DC_E_INVALID_ARG);
  assert_status(dc_settings_parse(c, NULL, 0, NULL, &s), DC_E_JSON);
  /* len bounds the read */
  const char *two = "{" MIN_FIELDS "}GARBAGE";
  assert_status(dc_settings_parse(c, two, strlen(two) - 7, NULL, &s), DC_OK);
  dc_settings_free(s);
  dc_client_free(c);
}

static dc_status parse_len(const char *json, size_t len, dc_settings **out)
{
  return dc_settings_parse(NULL, json, len, NULL, out);
}

static void assert_same_settings(const dc_settings *a, const dc_settings *b)
{
  const char *(*getters[])(const dc_settings *) = {
    dc_settings_provider_id, dc_settings_provider_name, dc_settings_provider_display_name,
    dc_settings_url_sync_ux, dc_settings_url_async_ux, dc_settings_url_api,
    dc_settings_url_control_panel, dc_settings_zone,
  };
  for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++) {
    const char *x = getters[i](a), *y = getters[i](b);
    if (x == NULL || y == NULL) assert_ptr_equal(x, y);
    else assert_string_equal(x, y);
  }
  assert_int_equal(dc_settings_width(a), dc_settings_width(b));
  assert_int_equal(dc_settings_height(a), dc_settings_height(b));
  assert_int_equal(dc_settings_name_server_count(a), dc_settings_name_server_count(b));
  for (size_t i = 0; i < dc_settings_name_server_count(a); i++)
    assert_string_equal(dc_settings_name_server(a, i), dc_settings_name_server(b, i));
}

static void test_to_json_roundtrip(void **state)
{
  (void)state;
  static const struct { const char *json; const char *zone; } k_docs[] = {
    {k_spec_example, "example.com"},
    {k_spec_example, NULL},
    {"{" MIN_FIELDS "}", NULL},
    {"{" MIN_FIELDS ",\"width\":\"800\",\"height\":321,\"nameServers\":[\"NS.Example.org.\"],"
     "\"providerDisplayName\":\"Br\\u00e4nd \\\"X\\\"\",\"urlSyncUX\":\"https://S.p.example:443/a/\"}",
     "m\xc3\xbcnchen.de"},
  };
  for (size_t i = 0; i < sizeof k_docs / sizeof k_docs[0]; i++) {
    dc_settings *a = NULL, *b = NULL;
    char *json = NULL;
    assert_status(parse(NULL, k_docs[i].json, k_docs[i].zone, &a), DC_OK);
    assert_status(dc_settings_to_json(a, &json), DC_OK);
    assert_non_null(strstr(json, "\"width\":"));
    assert_non_null(strstr(json, "\"height\":"));
    assert_null(strstr(json, "zone"));
    assert_status(parse(NULL, json, dc_settings_zone(a), &b), DC_OK);
    assert_same_settings(a, b);
    /* serialising again gives the same bytes */
    char *json2 = NULL;
    assert_status(dc_settings_to_json(b, &json2), DC_OK);
    assert_string_equal(json, json2);
    dc_free(json);
    dc_free(json2);
    dc_settings_free(a);
    dc_settings_free(b);
  }
  /* absent optional fields are not emitted */
  dc_settings *m = NULL;
  char *json = NULL;
  assert_status(parse(NULL, "{" MIN_FIELDS "}", NULL, &m), DC_OK);
  assert_status(dc_settings_to_json(m, &json), DC_OK);
  assert_string_equal(json, "{\"providerId\":\"p.example\",\"providerName\":\"P\","
                            "\"urlAPI\":\"https://api.p.example\",\"width\":750,\"height\":750}");
  dc_free(json);
  assert_status(dc_settings_to_json(NULL, &json), DC_E_INVALID_ARG);
  assert_status(dc_settings_to_json(m, NULL), DC_E_INVALID_ARG);
  dc_settings_free(m);
}

/* dc_settings_raw_json and dc_settings_unknown_json: what the parser
 * ignores is kept as it came (issue 10.6). */
static void test_raw_and_unknown(void **state)
{
  (void)state;
  static const struct {
    const char *json;
    const char *unknown;
  } k_docs[] = {
    {"{" MIN_FIELDS "}", "{}"},
    /* known members that are null are absent, not unknown */
    {"{" MIN_FIELDS ",\"urlSyncUX\":null,\"width\":null}", "{}"},
    /* values byte for byte (2.50 stays 2.50, escapes stay escapes), the
     * document's order, whitespace between tokens dropped, inside strings kept */
    {"{\"x-first\" : 1, " MIN_FIELDS ",\n \"zz\": [1, 2.50, {\"a\" : \"b  c\"}],\n"
     " \"esc\\u0041\":\"\\u00e9\\\"\", \"n\":null, \"t\":true, \"o\":{}}",
     "{\"x-first\":1,\"zz\":[1,2.50,{\"a\":\"b  c\"}],\"esc\\u0041\":\"\\u00e9\\\"\","
     "\"n\":null,\"t\":true,\"o\":{}}"},
    /* a name that only starts like a known one is unknown; a known name
     * written with an escape is the known one */
    {"{\"providerI\\u0064\":\"p.example\",\"providerName\":\"P\","
     "\"urlAPI\":\"https://api.p.example\",\"providerIdX\":\"y\",\"Width\":3}",
     "{\"providerIdX\":\"y\",\"Width\":3}"},
    /* brackets and quotes inside strings do not confuse the scanner */
    {"{" MIN_FIELDS ",\"s\":\"}]{[,\\\\\",\"after\":-1.5e3}",
     "{\"s\":\"}]{[,\\\\\",\"after\":-1.5e3}"},
  };
  for (size_t i = 0; i < sizeof k_docs / sizeof k_docs[0]; i++) {
    print_message("doc %zu\n", i);
    dc_settings *s = NULL;
    assert_status(parse(NULL, k_docs[i].json, NULL, &s), DC_OK);
    size_t len = 0;
    const char *raw = dc_settings_raw_json(s, &len);
    assert_int_equal(len, strlen(k_docs[i].json));
    assert_string_equal(raw, k_docs[i].json);
    assert_non_null(dc_settings_raw_json(s, NULL));
    char *unk = NULL;
    assert_status(dc_settings_unknown_json(s, &unk), DC_OK);
    assert_string_equal(unk, k_docs[i].unknown);
    dc_free(unk);
    /* dc_settings_to_json is unchanged: the spec's fields only */
    char *json = NULL;
    assert_status(dc_settings_to_json(s, &json), DC_OK);
    assert_null(strstr(json, "unknown"));
    assert_null(strstr(json, "zz"));
    dc_free(json);
    dc_settings_free(s);
  }
  /* the raw document is the bytes given: len bounds it */
  const char *two = "{" MIN_FIELDS ",\"x\":1}GARBAGE";
  dc_settings *s = NULL;
  assert_status(parse_len(two, strlen(two) - 7, &s), DC_OK);
  size_t len = 0;
  assert_string_equal(dc_settings_raw_json(s, &len), "{" MIN_FIELDS ",\"x\":1}");
  assert_int_equal(len, strlen(two) - 7);
  char *unk = NULL;
  assert_status(dc_settings_unknown_json(s, &unk), DC_OK);
  assert_string_equal(unk, "{\"x\":1}");
  dc_free(unk);
  /* arguments */
  assert_status(dc_settings_unknown_json(NULL, &unk), DC_E_INVALID_ARG);
  assert_status(dc_settings_unknown_json(s, NULL), DC_E_INVALID_ARG);
  len = 7;
  assert_null(dc_settings_raw_json(NULL, &len));
  assert_int_equal(len, 0);
  dc_settings_free(s);
}

static void test_detail_cleared(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_settings *s = NULL;
  assert_status(parse(c, "{" NO_API "}", NULL, &s), DC_E_SETTINGS_MISSING);
  assert_string_equal(dc_client_error(c), "settings: required field urlAPI is missing");
  assert_status(parse(c, "{" MIN_FIELDS "}", NULL, &s), DC_OK);
  assert_string_equal(dc_client_error(c), "");
  dc_settings_free(s);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_spec_example),
    cmocka_unit_test(test_minimal_and_defaults),
    cmocka_unit_test(test_ok_table),
    cmocka_unit_test(test_bad_table),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_to_json_roundtrip),
    cmocka_unit_test(test_raw_and_unknown),
    cmocka_unit_test(test_detail_cleared),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
