/* The OAuth calls against a real test provider (run by harness.py): Knot DNS,
 * HTTPS servers on 127.0.0.2 (api.provider.test) and 127.0.0.3
 * (api2.provider.test) with provider_routes.py / provider_config.json.
 *
 * The tests run in order and share the provider's state (one-time codes,
 * rotated refresh tokens, applied templates). Every secret the suite sees
 * (client secrets, codes, tokens) is remembered: no dc_client_error() text
 * may contain one, and test_no_secret_in_request_lines (last) checks the
 * HTTPS servers' request log: no secret in any request line, the client
 * secret and codes only in token-endpoint bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/internal.h"
#include "http/transport.h"
#include "it_support.h"

#define API "https://api.provider.test"
#define API2 "https://api2.provider.test"
#define CLIENT_ID "sp-client"
#define SECRET "s3cr3t-Client-Secret-7f2a9c"
#define NOROTATE_ID "sp-norotate"
#define NOROTATE_SECRET "another-Secret-b81d44e0"
#define REDIRECT "https://app.example/cb"
#define SP "exampleservice.domainconnect.org"

/* ---- shared state */

static dc_client *g_c;           /* registered for API with CLIENT_ID */
static dc_settings *g_settings;  /* discovered for example.test (urlAPI API) */
static dc_settings *g_other;     /* discovered for sub.example.test (API2) */
static dc_token *g_token;        /* from the round trip */
static dc_token *g_rotated;      /* g_token refreshed */

#define MAX_SECRETS 64
static char *g_secrets[MAX_SECRETS]; /* every secret seen */
static size_t g_nsecrets;
static char *g_body_secrets[MAX_SECRETS]; /* client secrets and codes */
static size_t g_nbody;

static void remember(const char *s, bool body_only)
{
  if (s == NULL) return;
  if (g_nsecrets >= MAX_SECRETS || g_nbody >= MAX_SECRETS) fail_msg("too many secrets");
  g_secrets[g_nsecrets++] = strdup(s);
  if (body_only) g_body_secrets[g_nbody++] = strdup(s);
}

static void remember_token(const dc_token *t)
{
  remember(dc_token_access_token(t), false);
  remember(dc_token_refresh_token(t), true);
}

/* No secret in the handle's detail. */
static void no_secret_in_error(const dc_client *c)
{
  const char *e = dc_client_error(c);
  for (size_t i = 0; i < g_nsecrets; i++)
    if (strstr(e, g_secrets[i]) != NULL) fail_msg("a secret leaked into: %s", e);
}

#define CHECK(c, expr, want)                                                   \
  do {                                                                         \
    dc_status st_ = (expr);                                                    \
    no_secret_in_error(c);                                                     \
    if (st_ != (want))                                                         \
      fail_msg("%s: %s (%s), expected %s", #expr, dc_status_name(st_),         \
               dc_client_error(c), dc_status_name(want));                      \
  } while (0)

/* ---- request log (it_log_lines, it_log_json(-1): the last request;
 * clients and env: tests/support/it_support.h) */

static const char *jstr(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The last request's body as a JSON object (json_decref it). */
static json_t *last_body(json_t **req_out)
{
  json_t *req = it_log_json(-1);
  const char *logged = jstr(req, "body");
  assert_non_null(logged);
  /* httpsd logs the body decoded as latin-1: back to the bytes sent. */
  size_t n = strlen(logged), k = 0;
  char *body = malloc(n + 1);
  assert_non_null(body);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)logged[i];
    if (ch == 0xc2 || ch == 0xc3) {
      body[k++] = (char)(((ch & 0x03u) << 6) | ((unsigned char)logged[++i] & 0x3fu));
    } else {
      body[k++] = (char)ch;
    }
  }
  body[k] = '\0';
  json_t *b = json_loads(body, 0, NULL);
  if (!json_is_object(b)) fail_msg("request body is not a JSON object: %s", body);
  free(body);
  if (req_out != NULL) *req_out = req;
  else json_decref(req);
  return b;
}

/* ---- helpers */

static dc_request *request(const char *service, const char *host)
{
  dc_request *r = NULL;
  assert_status(dc_request_new(&r), DC_OK);
  assert_status(dc_request_set_domain(r, "example.test"), DC_OK);
  if (host != NULL) assert_status(dc_request_set_host(r, host), DC_OK);
  assert_status(dc_request_set_provider_id(r, SP), DC_OK);
  assert_status(dc_request_set_service_id(r, service), DC_OK);
  return r;
}

/* POST /_admin/revoke through the guarded transport (stands in for the user
 * revoking access in the provider's UI). */
static void admin_revoke(const char *access_token)
{
  dc_client *c = it_client(true);
  char body[512];
  snprintf(body, sizeof body, "{\"access_token\":\"%s\"}", access_token);
  dci_http_req req = {.method = "POST", .url = API "/_admin/revoke",
                      .content_type = "application/json", .body = body,
                      .body_len = strlen(body), .max_body = 4096};
  dci_http_resp resp;
  dci_http_resp_init(&resp);
  assert_status(dci_http_perform(c, &req, &resp), DC_OK);
  assert_int_equal(resp.status, 200);
  dci_http_resp_free(&resp);
  dc_client_free(c);
}

/* ---- group setup */

static int setup(void **state)
{
  (void)state;
  remember(SECRET, true);
  remember(NOROTATE_SECRET, true);
  remember("wrong-secret-value-123", true);
  remember("code-roundtrip-1a2b3c", true);
  remember("code-second-4d5e6f", true);
  remember("code-norotate-7a8b9c", true);
  g_c = it_client(true);
  if (dc_client_register_provider(g_c, API, CLIENT_ID, SECRET, REDIRECT, NULL) != DC_OK)
    return -1;
  g_settings = NULL;
  if (dc_discover(g_c, "example.test", &g_settings) != DC_OK) return -1;
  dc_client *soa = it_client(true);
  dc_status st = dc_client_set_zone_mode(soa, DC_ZONE_SOA);
  if (st == DC_OK) st = dc_discover(soa, "sub.example.test", &g_other);
  dc_client_free(soa);
  return st == DC_OK ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  dc_token_free(g_token);
  dc_token_free(g_rotated);
  dc_settings_free(g_settings);
  dc_settings_free(g_other);
  dc_client_free(g_c);
  for (size_t i = 0; i < g_nsecrets; i++) free(g_secrets[i]);
  for (size_t i = 0; i < g_nbody; i++) free(g_body_secrets[i]);
  return 0;
}

/* ---- tests */

static void test_register(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  CHECK(c, dc_client_register_provider(c, "http://api.provider.test", CLIENT_ID, SECRET,
                                       NULL, NULL), DC_E_UNSAFE_URL);
  CHECK(c, dc_client_register_provider(c, "https://api.provider.test:8443", CLIENT_ID,
                                       SECRET, NULL, NULL), DC_E_UNSAFE_URL);
  CHECK(c, dc_client_register_provider(c, API "?x=1", CLIENT_ID, SECRET, NULL, NULL),
        DC_E_UNSAFE_URL);
  CHECK(c, dc_client_register_provider(c, API, "", SECRET, NULL, NULL), DC_E_INVALID_ARG);
  CHECK(c, dc_client_register_provider(c, API, NULL, SECRET, NULL, NULL), DC_E_INVALID_ARG);
  CHECK(c, dc_client_register_provider(c, API, CLIENT_ID, "bad\nsecret", NULL, NULL),
        DC_E_INVALID_ARG);
  CHECK(c, dc_client_register_provider(c, API, CLIENT_ID, SECRET, NULL, "bad id!"),
        DC_E_INVALID_ARG);
  CHECK(c, dc_client_register_provider(c, API, CLIENT_ID, SECRET, "http://app.example/cb",
                                       NULL), DC_E_UNSAFE_URL);
  assert_int_equal(c->cfg->n_regs, 0);
  /* Stored canonical; the provider id defaults to the API host. */
  CHECK(c, dc_client_register_provider(c, "https://API.Provider.Test.:443/", CLIENT_ID,
                                       SECRET, REDIRECT, NULL), DC_OK);
  assert_int_equal(c->cfg->n_regs, 1);
  assert_string_equal(c->cfg->regs[0].api_url, API);
  assert_string_equal(c->cfg->regs[0].provider_id, "api.provider.test");
  assert_string_equal(c->cfg->regs[0].client_secret, SECRET);
  assert_string_equal(c->cfg->regs[0].redirect_uri, REDIRECT);
  /* Re-registering replaces. */
  CHECK(c, dc_client_register_provider(c, API, "other-client", NULL, NULL, "p.test"),
        DC_OK);
  assert_int_equal(c->cfg->n_regs, 1);
  assert_string_equal(c->cfg->regs[0].client_id, "other-client");
  assert_null(c->cfg->regs[0].client_secret);
  assert_string_equal(c->cfg->regs[0].provider_id, "p.test");
  CHECK(c, dc_client_register_provider(c, API2 "/dc", CLIENT_ID, SECRET, NULL,
                                       "other.provider.test"), DC_OK);
  assert_int_equal(c->cfg->n_regs, 2);
  /* The registered API accepts settings naming it, and only those. */
  CHECK(c, dc_check_registered_api(c, g_other), DC_E_API_MISMATCH);
  CHECK(c, dc_check_registered_api(c, g_settings), DC_OK);
  CHECK(c, dc_check_registered_api(c, NULL), DC_E_INVALID_ARG);
  dc_client_free(c);
}

static void test_check_registered_api(void **state)
{
  (void)state;
  CHECK(g_c, dc_check_registered_api(g_c, g_settings), DC_OK);
  CHECK(g_c, dc_check_registered_api(g_c, g_other), DC_E_API_MISMATCH);
  assert_non_null(strstr(dc_client_error(g_c), API2));
  /* A settings document from anywhere naming another API is refused. */
  dc_settings *fake = NULL;
  static const char doc[] = "{\"providerId\":\"provider.test\",\"providerName\":\"Evil\","
                            "\"urlAPI\":\"https://api.provider.test.evil.example\"}";
  assert_status(dc_settings_parse(g_c, doc, strlen(doc), "example.test", &fake), DC_OK);
  CHECK(g_c, dc_check_registered_api(g_c, fake), DC_E_API_MISMATCH);
  dc_settings_free(fake);
}

static void test_exchange_refused_before_sending(void **state)
{
  (void)state;
  size_t before = it_log_lines();
  dc_token *t = (dc_token *)1;
  CHECK(g_c, dc_token_exchange(g_c, API2, NULL, "code-second-4d5e6f", &t),
        DC_E_NOT_REGISTERED);
  assert_null(t);
  CHECK(g_c, dc_token_exchange(g_c, API, g_other, "code-second-4d5e6f", &t),
        DC_E_API_MISMATCH);
  CHECK(g_c, dc_token_exchange(g_c, API, NULL, "bad\ncode", &t), DC_E_INVALID_ARG);
  CHECK(g_c, dc_token_exchange(g_c, API, NULL, "", &t), DC_E_INVALID_ARG);
  CHECK(g_c, dc_token_exchange(g_c, API, NULL, NULL, &t), DC_E_INVALID_ARG);
  CHECK(g_c, dc_token_exchange(g_c, "ftp://x", NULL, "c", &t), DC_E_UNSAFE_URL);
  assert_int_equal(it_log_lines(), before);
}

static void test_exchange_provider_errors(void **state)
{
  (void)state;
  dc_token *t = NULL;
  /* Wrong secret: 401 invalid_client, the secret in no message. */
  dc_client *c = it_client(true);
  CHECK(c, dc_client_register_provider(c, API, CLIENT_ID, "wrong-secret-value-123",
                                       REDIRECT, NULL), DC_OK);
  CHECK(c, dc_token_exchange(c, API, NULL, "code-second-4d5e6f", &t), DC_E_HTTP_STATUS);
  assert_null(t);
  assert_int_equal(dc_client_http_status(c), 401);
  assert_non_null(strstr(dc_client_error(c), "invalid_client"));
  dc_client_free(c);
  /* Unknown code: 400 invalid_grant. */
  remember("code-that-does-not-exist", true);
  CHECK(g_c, dc_token_exchange(g_c, API, NULL, "code-that-does-not-exist", &t),
        DC_E_HTTP_STATUS);
  assert_int_equal(dc_client_http_status(g_c), 400);
  assert_non_null(strstr(dc_client_error(g_c), "invalid_grant"));
  assert_null(strstr(dc_client_error(g_c), "re-consent"));
}

static void test_round_trip_exchange(void **state)
{
  (void)state;
  time_t now = time(NULL);
  CHECK(g_c, dc_check_registered_api(g_c, g_settings), DC_OK);
  CHECK(g_c, dc_token_exchange(g_c, dc_settings_url_api(g_settings), g_settings,
                               "code-roundtrip-1a2b3c", &g_token), DC_OK);
  remember_token(g_token);
  assert_string_equal(dc_token_api_url(g_token), API);
  assert_string_equal(dc_token_provider_id(g_token), "api.provider.test");
  assert_non_null(dc_token_refresh_token(g_token));
  assert_true(dc_token_expires_at(g_token) >= now + 3600 &&
              dc_token_expires_at(g_token) <= time(NULL) + 3600);
  assert_int_equal(dc_client_http_status(g_c), 200);

  /* The request: POST, JSON body with everything, nothing in the URL. */
  json_t *req = NULL;
  json_t *b = last_body(&req);
  assert_string_equal(jstr(req, "method"), "POST");
  assert_string_equal(jstr(req, "path_and_query"), "/v2/oauth/access_token");
  json_t *h = json_object_get(req, "headers");
  assert_non_null(strstr(jstr(h, "Content-Type"), "application/json"));
  assert_null(json_object_get(h, "Authorization"));
  assert_string_equal(jstr(b, "grant_type"), "authorization_code");
  assert_string_equal(jstr(b, "code"), "code-roundtrip-1a2b3c");
  assert_string_equal(jstr(b, "redirect_uri"), REDIRECT);
  assert_string_equal(jstr(b, "client_id"), CLIENT_ID);
  assert_string_equal(jstr(b, "client_secret"), SECRET);
  assert_null(json_object_get(b, "refresh_token"));
  json_decref(b);
  json_decref(req);

  /* A code is good once. */
  dc_token *t = NULL;
  CHECK(g_c, dc_token_exchange(g_c, API, NULL, "code-roundtrip-1a2b3c", &t),
        DC_E_HTTP_STATUS);
  assert_null(t);
  assert_int_equal(dc_client_http_status(g_c), 400);
  assert_non_null(strstr(dc_client_error(g_c), "invalid_grant"));
}

/* The twin of every test above: the same calls from a client WITHOUT the
 * test-only allow list are refused by the guard (the provider's API host
 * resolves to loopback) and no request reaches the server. */
static void test_twin_guard_refuses_without_allow_list(void **state)
{
  (void)state;
  dc_client *c = it_client(false);
  CHECK(c, dc_client_register_provider(c, API, CLIENT_ID, SECRET, REDIRECT, NULL), DC_OK);
  size_t before = it_log_lines();
  dc_token *t = NULL;
  CHECK(c, dc_token_exchange(c, API, NULL, "code-second-4d5e6f", &t), DC_E_BLOCKED);
  assert_null(t);
  assert_non_null(strstr(dc_client_error(c), "loopback"));
  assert_non_null(g_token);
  dc_request *r = request("template1", NULL);
  dc_conflicts *cf = NULL;
  CHECK(c, dc_oauth_apply(c, g_token, NULL, r, 0, &cf), DC_E_BLOCKED);
  assert_null(cf);
  CHECK(c, dc_oauth_revert(c, g_token, NULL, r), DC_E_BLOCKED);
  CHECK(c, dc_token_refresh(c, g_token, &t), DC_E_BLOCKED);
  assert_null(t);
  assert_int_equal(it_log_lines(), before);
  dc_request_free(r);
  dc_client_free(c);
}

static void test_apply_204(void **state)
{
  (void)state;
  dc_request *r = request("template1", "WWW");
  assert_status(dc_request_set_param(r, "IP", "192.0.2.1"), DC_OK);
  assert_status(dc_request_set_param(r, "RANDOMTEXT", "a \"quoted\" value\\ \n\x01 \xc3\xa9"),
                DC_OK);
  assert_status(dc_request_add_group_id(r, "g1"), DC_OK);
  assert_status(dc_request_add_group_id(r, "g2"), DC_OK);
  assert_status(dc_request_set_instance_id(r, "inst-1"), DC_OK);
  assert_status(dc_request_set_provider_name(r, "Shared Provider"), DC_OK);
  assert_status(dc_request_set_service_name(r, "Shared Service"), DC_OK);
  /* Not part of apply: ignored. */
  assert_status(dc_request_set_state(r, "st"), DC_OK);
  dc_conflicts *cf = (dc_conflicts *)1;
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, &cf), DC_OK);
  assert_null(cf);
  assert_int_equal(dc_client_http_status(g_c), 204);
  assert_string_equal(dc_client_error(g_c), "");

  json_t *req = NULL;
  json_t *b = last_body(&req);
  assert_string_equal(jstr(req, "path_and_query"),
                      "/v2/domainTemplates/providers/" SP "/services/template1/apply");
  json_t *h = json_object_get(req, "headers");
  char bearer[256];
  snprintf(bearer, sizeof bearer, "Bearer %s", dc_token_access_token(g_token));
  assert_string_equal(jstr(h, "Authorization"), bearer);
  assert_non_null(strstr(jstr(h, "Content-Type"), "application/json"));
  assert_string_equal(jstr(b, "domain"), "example.test");
  assert_string_equal(jstr(b, "host"), "www");
  assert_string_equal(jstr(b, "IP"), "192.0.2.1");
  assert_string_equal(jstr(b, "RANDOMTEXT"), "a \"quoted\" value\\ \n\x01 \xc3\xa9");
  assert_string_equal(jstr(b, "groupId"), "g1,g2");
  assert_string_equal(jstr(b, "instanceId"), "inst-1");
  assert_string_equal(jstr(b, "providerName"), "Shared Provider");
  assert_string_equal(jstr(b, "serviceName"), "Shared Service");
  assert_null(json_object_get(b, "force"));
  assert_null(json_object_get(b, "state"));
  assert_int_equal(json_object_size(b), 8);
  json_decref(b);
  json_decref(req);

  /* Apex: no host member; no settings given is fine. */
  dc_request_free(r);
  r = request("template1", NULL);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, NULL, r, 0, NULL), DC_OK);
  b = last_body(NULL);
  assert_null(json_object_get(b, "host"));
  json_decref(b);
  dc_request_free(r);
  r = request("template1", "");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, NULL, r, 0, NULL), DC_OK);
  b = last_body(NULL);
  assert_null(json_object_get(b, "host"));
  json_decref(b);
  dc_request_free(r);
}

static void test_apply_other_2xx(void **state)
{
  (void)state;
  dc_request *r = request("accepted", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), DC_OK);
  assert_int_equal(dc_client_http_status(g_c), 202);
  dc_request_free(r);
  r = request("ok200", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), DC_OK);
  assert_int_equal(dc_client_http_status(g_c), 200);
  dc_request_free(r);
}

static void test_apply_conflict_and_force(void **state)
{
  (void)state;
  dc_request *r = request("conflict", "www");
  dc_conflicts *cf = NULL;
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, &cf), DC_E_CONFLICT);
  assert_int_equal(dc_client_http_status(g_c), 409);
  tu_expect_spec_conflicts(cf);
  assert_non_null(strstr(dc_client_error(g_c), "2 conflicting records"));
  dc_conflicts_free(cf);
  /* conflicts may be NULL */
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), DC_E_CONFLICT);
  /* force=1: applied despite the conflicts */
  cf = (dc_conflicts *)1;
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 1, &cf), DC_OK);
  assert_null(cf);
  assert_int_equal(dc_client_http_status(g_c), 204);
  json_t *b = last_body(NULL);
  assert_string_equal(jstr(b, "force"), "1");
  json_decref(b);
  dc_request_free(r);

  /* A 409 whose body is not the spec's shape: still a conflict. */
  r = request("badconflict", "www");
  cf = (dc_conflicts *)1;
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, &cf), DC_E_CONFLICT);
  assert_null(cf);
  assert_non_null(strstr(dc_client_error(g_c), "409"));
  assert_non_null(strstr(dc_client_error(g_c), "not usable"));
  dc_request_free(r);
}

static void test_apply_errors(void **state)
{
  (void)state;
  dc_request *r = request("error400", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), DC_E_HTTP_STATUS);
  assert_int_equal(dc_client_http_status(g_c), 400);
  assert_non_null(strstr(dc_client_error(g_c), "a template variable is missing"));
  dc_request_free(r);

  /* Refused before anything is sent: each reserved name as a variable (by
   * apply and revert), and the request rules apply shares with the URLs. */
  size_t before = it_log_lines();
  for (size_t i = 0; i < tu_bad_n; i++) {
    if (tu_bad[i].want != DC_E_RESERVED_PARAM) continue;
    r = request("template1", "www");
    tu_apply_bad(r, &tu_bad[i]);
    CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), DC_E_RESERVED_PARAM);
    CHECK(g_c, dc_oauth_revert(g_c, g_token, g_settings, r), DC_E_RESERVED_PARAM);
    dc_request_free(r);
  }
  static const struct tu_bad_row rows[] = {
    {TU_VAR_NAME, "bad=name", DC_E_INVALID_PARAM, TU_SYNC},
    {TU_SERVICE, "bad/service", DC_E_INVALID_ID, TU_SYNC},
    {TU_GROUP, "g,1", DC_E_INVALID_ID, TU_SYNC},
    {TU_ADD_HOST, "mail", DC_E_INVALID_ARG, TU_SYNC},    /* a second host */
    {TU_HOST, "bad host", DC_E_INVALID_HOST, TU_SYNC},
    {TU_DOMAIN, "co..uk", DC_E_INVALID_DOMAIN, TU_SYNC},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    r = request("template1", "www");
    tu_apply_bad(r, &rows[i]);
    CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), rows[i].want);
    dc_request_free(r);
  }
  r = request("template1", "www");
  CHECK(g_c, dc_oauth_apply(g_c, NULL, g_settings, r, 0, NULL), DC_E_INVALID_ARG);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, NULL, 0, NULL), DC_E_INVALID_ARG);
  assert_status(dc_oauth_apply(NULL, g_token, g_settings, r, 0, NULL), DC_E_INVALID_ARG);
  dc_request_free(r);
  assert_int_equal(it_log_lines(), before);
}

static void test_token_binding(void **state)
{
  (void)state;
  size_t before = it_log_lines();
  dc_request *r = request("template1", "www");
  /* Settings whose urlAPI is another provider's: the token is not theirs. */
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_other, r, 0, NULL), DC_E_TOKEN_BINDING);
  CHECK(g_c, dc_oauth_revert(g_c, g_token, g_other, r), DC_E_TOKEN_BINDING);
  dc_settings *fake = NULL;
  static const char doc[] = "{\"providerId\":\"provider.test\",\"providerName\":\"P\","
                            "\"urlAPI\":\"https://api.provider.test/other\"}";
  assert_status(dc_settings_parse(g_c, doc, strlen(doc), NULL, &fake), DC_OK);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, fake, r, 0, NULL), DC_E_TOKEN_BINDING);
  dc_settings_free(fake);
  assert_int_equal(it_log_lines(), before);
  /* The right settings pass, and the call goes to the token's API. */
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), DC_OK);
  json_t *req = it_log_json(-1);
  assert_string_equal(jstr(req, "addr"), "127.0.0.2");
  json_decref(req);
  dc_request_free(r);
}

static void test_revert(void **state)
{
  (void)state;
  dc_request *r = request("template1", "rv");
  assert_status(dc_request_set_param(r, "IP", "192.0.2.9"), DC_OK);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), DC_OK);
  CHECK(g_c, dc_oauth_revert(g_c, g_token, g_settings, r), DC_OK);
  assert_int_equal(dc_client_http_status(g_c), 204);
  json_t *req = NULL;
  json_t *b = last_body(&req);
  assert_string_equal(jstr(req, "path_and_query"),
                      "/v2/domainTemplates/providers/" SP "/services/template1/revert");
  assert_string_equal(jstr(b, "domain"), "example.test");
  assert_string_equal(jstr(b, "host"), "rv");
  assert_int_equal(json_object_size(b), 2); /* no variables on revert */
  json_decref(b);
  json_decref(req);
  /* Not applied (any more): 410. */
  CHECK(g_c, dc_oauth_revert(g_c, g_token, g_settings, r), DC_E_NOT_APPLIED);
  assert_int_equal(dc_client_http_status(g_c), 410);
  dc_request_free(r);
  /* instanceId goes along. */
  r = request("template1", "inst");
  assert_status(dc_request_set_instance_id(r, "i-7"), DC_OK);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, NULL, r, 0, NULL), DC_OK);
  CHECK(g_c, dc_oauth_revert(g_c, g_token, NULL, r), DC_OK);
  b = last_body(NULL);
  assert_string_equal(jstr(b, "instanceId"), "i-7");
  json_decref(b);
  dc_request_free(r);
  /* A provider without revert: 501. */
  r = request("norevert", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, 0, NULL), DC_OK);
  CHECK(g_c, dc_oauth_revert(g_c, g_token, g_settings, r), DC_E_REVERT_UNSUPPORTED);
  assert_int_equal(dc_client_http_status(g_c), 501);
  dc_request_free(r);
}

static void test_refresh_rotation(void **state)
{
  (void)state;
  CHECK(g_c, dc_token_refresh(g_c, g_token, &g_rotated), DC_OK);
  remember_token(g_rotated);
  assert_string_not_equal(dc_token_access_token(g_rotated), dc_token_access_token(g_token));
  assert_string_not_equal(dc_token_refresh_token(g_rotated),
                          dc_token_refresh_token(g_token));
  assert_string_equal(dc_token_api_url(g_rotated), API);
  assert_string_equal(dc_token_provider_id(g_rotated), "api.provider.test");
  json_t *req = NULL;
  json_t *b = last_body(&req);
  assert_string_equal(jstr(req, "path_and_query"), "/v2/oauth/access_token");
  assert_string_equal(jstr(b, "grant_type"), "refresh_token");
  assert_string_equal(jstr(b, "refresh_token"), dc_token_refresh_token(g_token));
  assert_string_equal(jstr(b, "client_secret"), SECRET);
  assert_null(json_object_get(b, "code"));
  json_decref(b);
  json_decref(req);

  /* The old refresh token was rotated away: re-consent needed. */
  dc_token *t = (dc_token *)1;
  CHECK(g_c, dc_token_refresh(g_c, g_token, &t), DC_E_HTTP_STATUS);
  assert_null(t);
  assert_int_equal(dc_client_http_status(g_c), 400);
  assert_non_null(strstr(dc_client_error(g_c), "invalid_grant"));
  assert_non_null(strstr(dc_client_error(g_c), "re-consent needed"));

  /* The new token works. */
  dc_request *r = request("template1", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_rotated, g_settings, r, 0, NULL), DC_OK);
  dc_request_free(r);

  /* No refresh token, unregistered API. */
  static const char resp[] =
    "{\"access_token\":\"no-refresh-at\",\"token_type\":\"bearer\",\"expires_in\":60}";
  dc_token *plain = NULL;
  assert_status(dc_token_parse_response(g_c, resp, strlen(resp), API, "p.test",
                                        time(NULL), &plain), DC_OK);
  CHECK(g_c, dc_token_refresh(g_c, plain, &t), DC_E_TOKEN);
  dc_token_free(plain);
  static const char resp2[] = "{\"access_token\":\"a\",\"token_type\":\"bearer\","
                              "\"expires_in\":60,\"refresh_token\":\"r-unregistered\"}";
  assert_status(dc_token_parse_response(g_c, resp2, strlen(resp2), API2, "p.test",
                                        time(NULL), &plain), DC_OK);
  size_t before = it_log_lines();
  CHECK(g_c, dc_token_refresh(g_c, plain, &t), DC_E_NOT_REGISTERED);
  assert_int_equal(it_log_lines(), before);
  dc_token_free(plain);
  CHECK(g_c, dc_token_refresh(g_c, NULL, &t), DC_E_INVALID_ARG);
}

static void test_refresh_without_rotation(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  CHECK(c, dc_client_register_provider(c, API, NOROTATE_ID, NOROTATE_SECRET, NULL,
                                       "provider.test"), DC_OK);
  dc_token *t = NULL, *t2 = NULL, *t3 = NULL;
  CHECK(c, dc_token_exchange(c, API, NULL, "code-norotate-7a8b9c", &t), DC_OK);
  remember_token(t);
  assert_string_equal(dc_token_provider_id(t), "provider.test");
  json_t *b = last_body(NULL);
  assert_null(json_object_get(b, "redirect_uri")); /* none registered */
  json_decref(b);
  CHECK(c, dc_token_refresh(c, t, &t2), DC_OK);
  remember_token(t2);
  /* The provider sent no refresh token: the old one is kept. */
  assert_string_equal(dc_token_refresh_token(t2), dc_token_refresh_token(t));
  assert_string_not_equal(dc_token_access_token(t2), dc_token_access_token(t));
  assert_string_equal(dc_token_provider_id(t2), "provider.test");
  assert_string_equal(dc_token_api_url(t2), API);
  assert_true(dc_token_expires_at(t2) > dc_token_issued_at(t2));
  /* ... and still works. */
  CHECK(c, dc_token_refresh(c, t2, &t3), DC_OK);
  remember_token(t3);
  dc_token_free(t);
  dc_token_free(t2);
  dc_token_free(t3);
  dc_client_free(c);
}

static void test_revoked_token(void **state)
{
  (void)state;
  admin_revoke(dc_token_access_token(g_rotated));
  dc_request *r = request("template1", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_rotated, g_settings, r, 0, NULL), DC_E_UNAUTHORIZED);
  assert_int_equal(dc_client_http_status(g_c), 401);
  CHECK(g_c, dc_oauth_revert(g_c, g_rotated, g_settings, r), DC_E_UNAUTHORIZED);
  dc_request_free(r);
}

static void test_expired_token(void **state)
{
  (void)state;
  static const char resp[] = "{\"access_token\":\"expired-at\",\"token_type\":\"bearer\","
                             "\"expires_in\":3600}";
  dc_token *t = NULL;
  assert_status(dc_token_parse_response(g_c, resp, strlen(resp), API, "p.test",
                                        time(NULL) - 7200, &t), DC_OK);
  size_t before = it_log_lines();
  dc_request *r = request("template1", "www");
  CHECK(g_c, dc_oauth_apply(g_c, t, g_settings, r, 0, NULL), DC_E_TOKEN_EXPIRED);
  CHECK(g_c, dc_oauth_revert(g_c, t, NULL, r), DC_E_TOKEN_EXPIRED);
  assert_int_equal(it_log_lines(), before);
  dc_request_free(r);
  dc_token_free(t);
}

/* Last: every request the servers saw. */
static void test_no_secret_in_request_lines(void **state)
{
  (void)state;
  size_t len = 0, lines = 0, token_bodies_with_secret = 0;
  char *log = tu_read_file(it_env("DC_TEST_HTTPS_LOG"), &len);
  for (char *line = log, *nl; line < log + len; line = nl + 1) {
    nl = strchr(line, '\n');
    if (nl == NULL) nl = log + len;
    *nl = '\0';
    json_t *req = json_loads(line, 0, NULL);
    assert_non_null(req);
    lines++;
    const char *pq = jstr(req, "path_and_query");
    const char *body = jstr(req, "body");
    char *headers = json_dumps(json_object_get(req, "headers"), 0);
    assert_non_null(pq);
    assert_non_null(body);
    assert_non_null(headers);
    bool token_endpoint = strstr(pq, "/v2/oauth/access_token") != NULL;
    for (size_t i = 0; i < g_nsecrets; i++)
      if (strstr(pq, g_secrets[i]) != NULL)
        fail_msg("a secret is in the request line %s", pq);
    for (size_t i = 0; i < g_nbody; i++) {
      if (strstr(headers, g_body_secrets[i]) != NULL)
        fail_msg("a secret is in the headers of %s", pq);
      if (!token_endpoint && strstr(body, g_body_secrets[i]) != NULL)
        fail_msg("a secret is in the body of %s", pq);
    }
    if (token_endpoint && strstr(body, SECRET) != NULL) token_bodies_with_secret++;
    free(headers);
    json_decref(req);
  }
  free(log);
  assert_true(lines > 20);
  assert_true(token_bodies_with_secret >= 3);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_register),
    cmocka_unit_test(test_check_registered_api),
    cmocka_unit_test(test_exchange_refused_before_sending),
    cmocka_unit_test(test_exchange_provider_errors),
    cmocka_unit_test(test_round_trip_exchange),
    cmocka_unit_test(test_apply_204),
    cmocka_unit_test(test_apply_other_2xx),
    cmocka_unit_test(test_apply_conflict_and_force),
    cmocka_unit_test(test_apply_errors),
    cmocka_unit_test(test_token_binding),
    cmocka_unit_test(test_revert),
    cmocka_unit_test(test_refresh_rotation),
    cmocka_unit_test(test_refresh_without_rotation),
    cmocka_unit_test(test_revoked_token),
    cmocka_unit_test(test_expired_token),
    cmocka_unit_test(test_no_secret_in_request_lines),
    cmocka_unit_test(test_twin_guard_refuses_without_allow_list),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
