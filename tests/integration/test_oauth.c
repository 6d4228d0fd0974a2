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
#include "x/buf.h"

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
static dc_oauth_opts *g_force;   /* force=1 */
static dc_oauth_opts *g_body;    /* parameters in a JSON body */

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

/* The value of `name` in the last (idx -1) or an earlier request's query,
 * percent-decoded ('+' a space), or NULL (free it). *count gets the number
 * of pairs (may be NULL). */
static char *qget(json_t *req, const char *name, size_t *count)
{
  const char *pq = jstr(req, "path_and_query");
  const char *q = pq ? strchr(pq, '?') : NULL;
  char *found = NULL;
  size_t n = 0;
  if (count != NULL) *count = 0;
  if (q == NULL) return NULL;
  for (const char *p = q + 1; *p != '\0';) {
    size_t len = strcspn(p, "&");
    const char *eq = memchr(p, '=', len);
    size_t nl = eq ? (size_t)(eq - p) : len;
    n++;
    if (found == NULL && nl == strlen(name) && strncmp(p, name, nl) == 0) {
      const char *v = eq ? eq + 1 : p + len;
      assert_int_equal(dcx_pct_decode(v, (size_t)(p + len - v), true, &found), DCX_OK);
    }
    p += len;
    if (*p == '&') p++;
  }
  if (count != NULL) *count = n;
  return found;
}

static void expect_q(json_t *req, const char *name, const char *want)
{
  char *v = qget(req, name, NULL);
  if (want == NULL) {
    if (v != NULL) fail_msg("query has %s=%s", name, v);
    return;
  }
  if (v == NULL) fail_msg("query lacks %s (%s)", name, jstr(req, "path_and_query"));
  assert_string_equal(v, want);
  free(v);
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
  if (dc_oauth_opts_new(&g_force) != DC_OK || dc_oauth_opts_set_force(g_force, true) != DC_OK ||
      dc_oauth_opts_new(&g_body) != DC_OK ||
      dc_oauth_opts_set_params_in(g_body, DC_PARAMS_IN_BODY) != DC_OK)
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
  dc_oauth_opts_free(g_force);
  dc_oauth_opts_free(g_body);
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

  /* The request, as the reference client sends it: code, grant_type and
   * redirect_uri in the query; the client credentials only in a JSON body. */
  json_t *req = NULL;
  json_t *b = last_body(&req);
  assert_string_equal(jstr(req, "method"), "POST");
  assert_string_equal(jstr(req, "path_and_query"),
                      "/v2/oauth/access_token?code=code-roundtrip-1a2b3c&grant_type="
                      "authorization_code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb");
  json_t *h = json_object_get(req, "headers");
  assert_non_null(strstr(jstr(h, "Content-Type"), "application/json"));
  assert_null(json_object_get(h, "Authorization"));
  assert_string_equal(jstr(b, "client_id"), CLIENT_ID);
  assert_string_equal(jstr(b, "client_secret"), SECRET);
  assert_int_equal(json_object_size(b), 2);
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
  CHECK(c, dc_oauth_apply(c, g_token, NULL, r, NULL, &cf), DC_E_BLOCKED);
  assert_null(cf);
  CHECK(c, dc_oauth_revert(c, g_token, NULL, r, NULL), DC_E_BLOCKED);
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
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, &cf), DC_OK);
  assert_null(cf);
  assert_int_equal(dc_client_http_status(g_c), 204);
  assert_string_equal(dc_client_error(g_c), "");

  /* Default placement: everything in the query (sorted, RFC 3986), the
   * token in the header, an empty body. */
  json_t *req = it_log_json(-1);
  assert_string_equal(jstr(req, "path_and_query"),
                      "/v2/domainTemplates/providers/" SP "/services/template1/apply?"
                      "IP=192.0.2.1&RANDOMTEXT=a%20%22quoted%22%20value%5C%20%0A%01%20%C3%A9&"
                      "domain=example.test&groupId=g1%2Cg2&host=www&instanceId=inst-1&"
                      "providerName=Shared%20Provider&serviceName=Shared%20Service");
  json_t *h = json_object_get(req, "headers");
  char bearer[256];
  snprintf(bearer, sizeof bearer, "Bearer %s", dc_token_access_token(g_token));
  assert_string_equal(jstr(h, "Authorization"), bearer);
  /* (libcurl labels an empty POST as a form; nothing is in it) */
  assert_true(jstr(h, "Content-Type") == NULL ||
              strstr(jstr(h, "Content-Type"), "json") == NULL);
  assert_string_equal(jstr(req, "body"), "");
  json_decref(req);

  /* The same in a JSON body (the option). */
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, g_body, NULL), DC_OK);
  json_t *b = last_body(&req);
  assert_string_equal(jstr(req, "path_and_query"),
                      "/v2/domainTemplates/providers/" SP "/services/template1/apply");
  h = json_object_get(req, "headers");
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

  /* Apex: no host; no settings given is fine. */
  dc_request_free(r);
  r = request("template1", NULL);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, NULL, r, NULL, NULL), DC_OK);
  req = it_log_json(-1);
  expect_q(req, "host", NULL);
  expect_q(req, "domain", "example.test");
  json_decref(req);
  dc_request_free(r);
  r = request("template1", "");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, NULL, r, g_body, NULL), DC_OK);
  b = last_body(NULL);
  assert_null(json_object_get(b, "host"));
  json_decref(b);
  dc_request_free(r);
}

static void test_apply_other_2xx(void **state)
{
  (void)state;
  dc_request *r = request("accepted", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), DC_OK);
  assert_int_equal(dc_client_http_status(g_c), 202);
  dc_request_free(r);
  r = request("ok200", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), DC_OK);
  assert_int_equal(dc_client_http_status(g_c), 200);
  dc_request_free(r);
}

static void test_apply_conflict_and_force(void **state)
{
  (void)state;
  dc_request *r = request("conflict", "www");
  dc_conflicts *cf = NULL;
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, &cf), DC_E_CONFLICT);
  assert_int_equal(dc_client_http_status(g_c), 409);
  tu_expect_spec_conflicts(cf);
  assert_non_null(strstr(dc_client_error(g_c), "2 conflicting records"));
  dc_conflicts_free(cf);
  /* conflicts may be NULL */
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), DC_E_CONFLICT);
  /* force=1: applied despite the conflicts */
  cf = (dc_conflicts *)1;
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, g_force, &cf), DC_OK);
  assert_null(cf);
  assert_int_equal(dc_client_http_status(g_c), 204);
  json_t *req = it_log_json(-1);
  expect_q(req, "force", "1");
  expect_q(req, "host", "www");
  json_decref(req);
  dc_request_free(r);

  /* A 409 whose body is not the spec's shape: still a conflict. */
  r = request("badconflict", "www");
  cf = (dc_conflicts *)1;
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, &cf), DC_E_CONFLICT);
  assert_null(cf);
  assert_non_null(strstr(dc_client_error(g_c), "409"));
  assert_non_null(strstr(dc_client_error(g_c), "not usable"));
  dc_request_free(r);
}

static void test_apply_errors(void **state)
{
  (void)state;
  dc_request *r = request("error400", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), DC_E_HTTP_STATUS);
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
    CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), DC_E_RESERVED_PARAM);
    CHECK(g_c, dc_oauth_revert(g_c, g_token, g_settings, r, NULL), DC_E_RESERVED_PARAM);
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
    CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), rows[i].want);
    dc_request_free(r);
  }
  r = request("template1", "www");
  CHECK(g_c, dc_oauth_apply(g_c, NULL, g_settings, r, NULL, NULL), DC_E_INVALID_ARG);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, NULL, NULL, NULL), DC_E_INVALID_ARG);
  assert_status(dc_oauth_apply(NULL, g_token, g_settings, r, NULL, NULL), DC_E_INVALID_ARG);
  dc_request_free(r);
  assert_int_equal(it_log_lines(), before);
}

static void test_token_binding(void **state)
{
  (void)state;
  size_t before = it_log_lines();
  dc_request *r = request("template1", "www");
  /* Settings whose urlAPI is another provider's: the token is not theirs. */
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_other, r, NULL, NULL), DC_E_TOKEN_BINDING);
  CHECK(g_c, dc_oauth_revert(g_c, g_token, g_other, r, NULL), DC_E_TOKEN_BINDING);
  dc_settings *fake = NULL;
  static const char doc[] = "{\"providerId\":\"provider.test\",\"providerName\":\"P\","
                            "\"urlAPI\":\"https://api.provider.test/other\"}";
  assert_status(dc_settings_parse(g_c, doc, strlen(doc), NULL, &fake), DC_OK);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, fake, r, NULL, NULL), DC_E_TOKEN_BINDING);
  dc_settings_free(fake);
  assert_int_equal(it_log_lines(), before);
  /* The right settings pass, and the call goes to the token's API. */
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), DC_OK);
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
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), DC_OK);
  CHECK(g_c, dc_oauth_revert(g_c, g_token, g_settings, r, NULL), DC_OK);
  assert_int_equal(dc_client_http_status(g_c), 204);
  json_t *req = it_log_json(-1);
  /* no variables on revert */
  assert_string_equal(jstr(req, "path_and_query"),
                      "/v2/domainTemplates/providers/" SP "/services/template1/revert?"
                      "domain=example.test&host=rv");
  json_decref(req);
  /* Not applied (any more): 410. */
  CHECK(g_c, dc_oauth_revert(g_c, g_token, g_settings, r, NULL), DC_E_NOT_APPLIED);
  assert_int_equal(dc_client_http_status(g_c), 410);
  dc_request_free(r);
  /* instanceId goes along. */
  r = request("template1", "inst");
  assert_status(dc_request_set_instance_id(r, "i-7"), DC_OK);
  CHECK(g_c, dc_oauth_apply(g_c, g_token, NULL, r, NULL, NULL), DC_OK);
  CHECK(g_c, dc_oauth_revert(g_c, g_token, NULL, r, g_body), DC_OK);
  json_t *b = last_body(NULL);
  assert_string_equal(jstr(b, "instanceId"), "i-7");
  assert_int_equal(json_object_size(b), 3);
  json_decref(b);
  dc_request_free(r);
  /* A provider without revert: 501. */
  r = request("norevert", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_token, g_settings, r, NULL, NULL), DC_OK);
  CHECK(g_c, dc_oauth_revert(g_c, g_token, g_settings, r, NULL), DC_E_REVERT_UNSUPPORTED);
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
  CHECK(g_c, dc_oauth_apply(g_c, g_rotated, g_settings, r, NULL, NULL), DC_OK);
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

/* ---- placement, reference refresh, signing, auto-refresh, masking */

#define APIQ API "/q"
#define APIB API "/b"
#define APIRQ API "/rq"
#define APIS API "/s"
#define APIE API "/echo"
#define ECHO_SECRET "Echo-Client-Secret-5Qz8Lm2Rt"
#define ECHO_TAIL "Zq8mK3vT9pL2xW7c"
#define ECHO_AT "echo-at-Vb7Nm3Kq9Lp2Xz5Wc8"
#define ECHO_RT "split.Rf5Hn2Kw8Qm4Tz1"

/* A token for `api` with t's access and refresh tokens, issued at
 * `issued` for `life` seconds. */
static dc_token *rebind(const dc_token *t, const char *api, time_t issued, long life)
{
  char doc[4096];
  const char *rt = dc_token_refresh_token(t);
  snprintf(doc, sizeof doc,
           "{\"access_token\":\"%s\",\"token_type\":\"bearer\",%s%s%s\"issued_at\":%lld,"
           "\"expires_at\":%lld,\"api_url\":\"%s\",\"provider_id\":\"api.provider.test\"}",
           dc_token_access_token(t), rt ? "\"refresh_token\":\"" : "", rt ? rt : "",
           rt ? "\"," : "", (long long)issued, (long long)issued + life, api);
  dc_token *n = NULL;
  assert_status(dc_token_from_json(NULL, doc, strlen(doc), &n), DC_OK);
  return n;
}

static dc_oauth_opts *opts(bool force, bool body)
{
  dc_oauth_opts *o = NULL;
  assert_status(dc_oauth_opts_new(&o), DC_OK);
  assert_status(dc_oauth_opts_set_force(o, force), DC_OK);
  assert_status(dc_oauth_opts_set_params_in(o, body ? DC_PARAMS_IN_BODY : DC_PARAMS_IN_QUERY),
                DC_OK);
  return o;
}

/* Against a provider that reads apply/revert parameters only from the
 * query (default placement) and one that reads only a JSON body (the
 * option): 204, 202, 409 with records, force, revert; and each provider
 * refuses the other placement (it sees no domain). */
static void test_placement_providers(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  CHECK(c, dc_client_register_provider(c, APIQ, CLIENT_ID, SECRET, REDIRECT, NULL), DC_OK);
  dc_token *tq = NULL;
  CHECK(c, dc_token_exchange(c, APIQ, NULL, "code-q-5e6f7a", &tq), DC_OK);
  remember_token(tq);
  dc_token *tb = rebind(tq, APIB, time(NULL), 3600);
  const dc_token *tok[2] = {tq, tb};
  for (int body = 0; body < 2; body++) {
    dc_oauth_opts *o = opts(false, body), *of = opts(true, body), *wrong = opts(false, !body);
    dc_request *r = request("template1", "www");
    CHECK(c, dc_oauth_apply(c, tok[body], NULL, r, o, NULL), DC_OK);
    assert_int_equal(dc_client_http_status(c), 204);
    CHECK(c, dc_oauth_revert(c, tok[body], NULL, r, o), DC_OK);
    assert_int_equal(dc_client_http_status(c), 204);
    CHECK(c, dc_oauth_revert(c, tok[body], NULL, r, o), DC_E_NOT_APPLIED);
    /* the other placement: the provider sees no parameters at all */
    CHECK(c, dc_oauth_apply(c, tok[body], NULL, r, wrong, NULL), DC_E_HTTP_STATUS);
    assert_int_equal(dc_client_http_status(c), 400);
    assert_non_null(strstr(dc_client_error(c), "domain missing"));
    dc_request_free(r);
    r = request("accepted", "www");
    CHECK(c, dc_oauth_apply(c, tok[body], NULL, r, o, NULL), DC_OK);
    assert_int_equal(dc_client_http_status(c), 202);
    dc_request_free(r);
    r = request("conflict", "www");
    dc_conflicts *cf = NULL;
    CHECK(c, dc_oauth_apply(c, tok[body], NULL, r, o, &cf), DC_E_CONFLICT);
    tu_expect_spec_conflicts(cf);
    dc_conflicts_free(cf);
    CHECK(c, dc_oauth_apply(c, tok[body], NULL, r, of, NULL), DC_OK);
    assert_int_equal(dc_client_http_status(c), 204);
    json_t *req = it_log_json(-1);
    if (body) {
      json_decref(req);
      json_t *b = last_body(&req);
      assert_string_equal(jstr(b, "force"), "1");
      json_decref(b);
    } else {
      expect_q(req, "force", "1");
    }
    json_decref(req);
    dc_request_free(r);
    dc_oauth_opts_free(o);
    dc_oauth_opts_free(of);
    dc_oauth_opts_free(wrong);
  }
  dc_token_free(tq);
  dc_token_free(tb);
  dc_client_free(c);
}

/* A provider that reads refresh credentials only from the query: refused
 * by default (with the hint), refreshed with the reference placement. */
static void test_refresh_reference_placement(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  CHECK(c, dc_client_register_provider(c, APIRQ, CLIENT_ID, SECRET, REDIRECT, NULL), DC_OK);
  dc_token *t = NULL, *t2 = NULL;
  CHECK(c, dc_token_exchange(c, APIRQ, NULL, "code-rq-8b9c0d", &t), DC_OK);
  remember_token(t);
  CHECK(c, dc_token_refresh(c, t, &t2), DC_E_HTTP_STATUS);
  assert_null(t2);
  assert_int_equal(dc_client_http_status(c), 401);
  assert_non_null(strstr(dc_client_error(c), "invalid_client"));
  assert_non_null(strstr(dc_client_error(c), "DC_TOKEN_PARAMS_REFERENCE"));
  json_t *req = it_log_json(-1);
  assert_string_equal(jstr(req, "path_and_query"), "/rq/v2/oauth/access_token");
  json_decref(req);
  CHECK(c, dc_client_set_token_params(c, APIRQ, 7), DC_E_INVALID_ARG);
  CHECK(c, dc_client_set_token_params(c, API2, DC_TOKEN_PARAMS_REFERENCE),
        DC_E_NOT_REGISTERED);
  CHECK(c, dc_client_set_token_params(c, APIRQ, DC_TOKEN_PARAMS_REFERENCE), DC_OK);
  CHECK(c, dc_token_refresh(c, t, &t2), DC_OK);
  remember_token(t2);
  req = it_log_json(-1);
  expect_q(req, "client_secret", SECRET);
  expect_q(req, "client_id", CLIENT_ID);
  expect_q(req, "refresh_token", dc_token_refresh_token(t));
  expect_q(req, "grant_type", "refresh_token");
  expect_q(req, "redirect_uri", REDIRECT);
  json_decref(req);
  dc_token_free(t);
  dc_token_free(t2);
  dc_client_free(c);
}

/* apply signed as the sync flow signs; the provider checks it with the
 * public key. */
static void test_signed_apply(void **state)
{
  (void)state;
  dc_client *c = it_client(true);
  dc_signer *sg = NULL;
  CHECK(c, dc_signer_new_from_file(c, DC_TEST_DATA_DIR "/vectors/dck1_exampleservice_priv_pkcs1.pem",
                                   NULL, "_dck1", &sg), DC_OK);
  dc_token *ts = rebind(g_rotated, APIS, time(NULL), 3600);
  dc_oauth_opts *o = opts(false, false);
  dc_request *r = request("template1", "www");
  assert_status(dc_request_set_param(r, "IP", "192.0.2.7"), DC_OK);
  CHECK(c, dc_oauth_apply(c, ts, NULL, r, o, NULL), DC_E_HTTP_STATUS); /* unsigned */
  assert_non_null(strstr(dc_client_error(c), "signature missing"));
  assert_status(dc_oauth_opts_set_signer(o, sg), DC_OK);
  CHECK(c, dc_oauth_apply(c, ts, NULL, r, o, NULL), DC_OK);
  assert_int_equal(dc_client_http_status(c), 204);
  json_t *req = it_log_json(-1);
  const char *pq = jstr(req, "path_and_query");
  assert_non_null(strstr(pq, "?IP=192.0.2.7&domain=example.test&host=www&key=_dck1&sig="));
  json_decref(req);
  /* not with a body, not on revert: nothing sent */
  size_t before = it_log_lines();
  assert_status(dc_oauth_opts_set_params_in(o, DC_PARAMS_IN_BODY), DC_OK);
  CHECK(c, dc_oauth_apply(c, ts, NULL, r, o, NULL), DC_E_INVALID_ARG);
  CHECK(c, dc_oauth_revert(c, ts, NULL, r, o), DC_E_INVALID_ARG);
  assert_int_equal(it_log_lines(), before);
  dc_request_free(r);
  dc_oauth_opts_free(o);
  dc_token_free(ts);
  dc_signer_free(sg);
  dc_client_free(c);
}

static dc_token *g_stored;
static int g_calls;
static dc_status g_store_status;

static dc_status store_cb(void *user, const dc_token *rotated)
{
  assert_ptr_equal(user, &g_calls);
  g_calls++;
  dc_token_free(g_stored);
  g_stored = NULL;
  assert_status(dc_token_copy(rotated, &g_stored), DC_OK);
  remember_token(g_stored);
  return g_store_status;
}

/* An expired token: refused before sending without auto-refresh; with it,
 * refreshed, handed to the callback, then used once. Refresh-only tokens;
 * a 30-second token is usable at once. */
static void test_auto_refresh(void **state)
{
  (void)state;
  remember("code-auto-2b3c4d", true);
  dc_client *c = it_client(true);
  CHECK(c, dc_client_register_provider(c, API, CLIENT_ID, SECRET, REDIRECT, NULL), DC_OK);
  dc_token *t = NULL;
  CHECK(c, dc_token_exchange(c, API, NULL, "code-auto-2b3c4d", &t), DC_OK);
  remember_token(t);
  dc_token *old = rebind(t, API, time(NULL) - 7200, 3600);
  dc_request *r = request("template1", "auto");
  size_t before = it_log_lines();
  CHECK(c, dc_oauth_apply(c, old, NULL, r, NULL, NULL), DC_E_TOKEN_EXPIRED);
  assert_int_equal(it_log_lines(), before);
  dc_oauth_opts *o = opts(false, false);
  assert_status(dc_oauth_opts_set_auto_refresh(o, store_cb, &g_calls), DC_OK);
  g_store_status = DC_OK;
  CHECK(c, dc_oauth_apply(c, old, NULL, r, o, NULL), DC_OK);
  assert_int_equal(g_calls, 1);
  assert_non_null(g_stored);
  assert_string_not_equal(dc_token_access_token(g_stored), dc_token_access_token(t));
  assert_int_equal(it_log_lines(), before + 2);
  json_t *req = it_log_json(-2);
  assert_non_null(strstr(jstr(req, "path_and_query"), "/v2/oauth/access_token"));
  json_decref(req);
  req = it_log_json(-1);
  char bearer[256];
  snprintf(bearer, sizeof bearer, "Bearer %s", dc_token_access_token(g_stored));
  assert_string_equal(jstr(json_object_get(req, "headers"), "Authorization"), bearer);
  json_decref(req);
  /* a fresh token is not refreshed */
  CHECK(c, dc_oauth_revert(c, g_stored, NULL, r, o), DC_OK);
  assert_int_equal(g_calls, 1);
  /* the callback refuses: the call is not made */
  dc_token *old2 = rebind(g_stored, API, time(NULL) - 7200, 3600);
  g_store_status = DC_E_IO;
  before = it_log_lines();
  CHECK(c, dc_oauth_apply(c, old2, NULL, r, o, NULL), DC_E_IO);
  assert_int_equal(it_log_lines(), before + 1);
  g_store_status = DC_OK;

  /* refresh-only documents */
  char doc[1024];
  snprintf(doc, sizeof doc, "{\"refresh_token\":\"%s\",\"api_url\":\"%s\"}",
           dc_token_refresh_token(g_stored), API);
  dc_token *ro = NULL, *t3 = NULL;
  CHECK(c, dc_token_from_json(c, doc, strlen(doc), &ro), DC_OK);
  assert_null(dc_token_access_token(ro));
  assert_null(dc_token_provider_id(ro));
  assert_true(dc_token_expired(ro, time(NULL), 0));
  CHECK(c, dc_token_from_json_api(c, doc, strlen(doc), API2, &t3), DC_E_API_MISMATCH);
  CHECK(c, dc_token_refresh(c, ro, &t3), DC_OK);
  remember_token(t3);
  assert_string_equal(dc_token_provider_id(t3), "api.provider.test");
  assert_non_null(dc_token_access_token(t3));
  dc_token_free(ro);
  ro = NULL;
  snprintf(doc, sizeof doc, "{\"refresh_token\":\"%s\"}", dc_token_refresh_token(t3));
  CHECK(c, dc_token_from_json(c, doc, strlen(doc), &ro), DC_E_TOKEN);
  CHECK(c, dc_token_from_json_api(c, doc, strlen(doc), API "/", &ro), DC_OK);
  assert_string_equal(dc_token_api_url(ro), API);
  /* apply auto-refreshes a refresh-only token */
  CHECK(c, dc_oauth_apply(c, ro, NULL, r, o, NULL), DC_OK);
  assert_int_equal(g_calls, 3);

  /* a 30-second token is usable when issued */
  dc_client *c2 = it_client(true);
  CHECK(c2, dc_client_register_provider(c2, API, "sp-short", "short-lived-Secret-4e9a",
                                        NULL, NULL), DC_OK);
  remember("short-lived-Secret-4e9a", true);
  remember("code-short-7g8h9i", true);
  dc_token *ts = NULL;
  CHECK(c2, dc_token_exchange(c2, API, NULL, "code-short-7g8h9i", &ts), DC_OK);
  remember_token(ts);
  assert_int_equal(dc_token_expires_at(ts) - dc_token_issued_at(ts), 30);
  assert_false(dc_token_expired(ts, time(NULL), -1));
  assert_true(dc_token_expired(ts, dc_token_expires_at(ts) - 7, -1));
  CHECK(c2, dc_oauth_apply(c2, ts, NULL, r, NULL, NULL), DC_OK);
  dc_token_free(ts);
  dc_client_free(c2);

  dc_request_free(r);
  dc_oauth_opts_free(o);
  dc_token_free(t);
  dc_token_free(t3);
  dc_token_free(ro);
  dc_token_free(old);
  dc_token_free(old2);
  dc_token_free(g_stored);
  g_stored = NULL;
  dc_client_free(c);
}

/* No 10-byte piece of `secret`, in any letter case, in `text`. */
static void no_piece(const char *text, const char *secret)
{
  char piece[11];
  size_t n = strlen(secret);
  for (size_t i = 0; i + 10 <= n; i++) {
    memcpy(piece, secret + i, 10);
    piece[10] = '\0';
    if (strcasestr(text, piece) != NULL)
      fail_msg("a piece \"%s\" of a secret is in: %s", piece, text);
  }
}

static void no_pieces(const char *text, const char *const *secrets, size_t n)
{
  for (size_t i = 0; i < n; i++) no_piece(text, secrets[i]);
}

/* A hostile provider echoing the client secret, the code, the refresh
 * token and the access token in every way (provider_routes.py "echo"). */
static void test_echo_masking(void **state)
{
  (void)state;
  static const char *const modes[] = {"loc", "upper", "split", "ctl", "cut"};
  dc_client *c = it_client(true);
  CHECK(c, dc_client_register_provider(c, APIE, "echo-client", ECHO_SECRET, NULL, NULL),
        DC_OK);
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    char code[64];
    snprintf(code, sizeof code, "%s.%s", modes[i], ECHO_TAIL);
    dc_token *t = NULL;
    dc_status st = dc_token_exchange(c, APIE, NULL, code, &t);
    assert_int_equal(st, i == 0 ? DC_E_REDIRECT : DC_E_HTTP_STATUS);
    const char *sec[] = {ECHO_SECRET, code};
    no_pieces(dc_client_error(c), sec, 2);
    assert_null(t);
  }
  /* refresh: a refresh-only token at the echo API */
  static const char doc[] = "{\"refresh_token\":\"" ECHO_RT "\",\"api_url\":\"" APIE "\"}";
  dc_token *ro = NULL, *t2 = NULL;
  CHECK(c, dc_token_from_json(c, doc, strlen(doc), &ro), DC_OK);
  assert_status(dc_token_refresh(c, ro, &t2), DC_E_HTTP_STATUS);
  const char *sec2[] = {ECHO_SECRET, ECHO_RT};
  no_pieces(dc_client_error(c), sec2, 2);
  dc_token_free(ro);
  /* bearer calls */
  static const char resp[] = "{\"access_token\":\"" ECHO_AT "\",\"token_type\":\"bearer\","
                             "\"expires_in\":3600}";
  dc_token *te = NULL;
  assert_status(dc_token_parse_response(c, resp, strlen(resp), APIE, "p.test", time(NULL),
                                        &te), DC_OK);
  const char *sec3[] = {ECHO_AT, ECHO_SECRET};
  static const char *const services[] = {"echo-loc", "echo-upper", "echo-split",
                                         "echo-ctl", "echo-cut", "echo-c409"};
  for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
    dc_request *r = request(services[i], "www");
    dc_conflicts *cf = NULL;
    dc_status st = dc_oauth_apply(c, te, NULL, r, NULL, &cf);
    assert_true(st != DC_OK);
    no_pieces(dc_client_error(c), sec3, 2);
    if (i == 5) {
      assert_int_equal(st, DC_E_CONFLICT);
      assert_non_null(cf);
      assert_int_equal(dc_conflicts_count(cf), 2);
      no_pieces(dc_conflicts_message(cf), sec3, 2);
      for (size_t k = 0; k < dc_conflicts_count(cf); k++) {
        no_pieces(dc_conflicts_host(cf, k), sec3, 2);
        no_pieces(dc_conflicts_data(cf, k), sec3, 2);
      }
      assert_non_null(strstr(dc_conflicts_message(cf), "conflict with "));
    }
    dc_conflicts_free(cf);
    st = dc_oauth_revert(c, te, NULL, r, NULL);
    assert_int_equal(st, i == 0 ? DC_E_REDIRECT : i == 5 ? DC_E_CONFLICT : DC_E_HTTP_STATUS);
    no_pieces(dc_client_error(c), sec3, 2);
    dc_request_free(r);
  }
  dc_token_free(te);
  dc_client_free(c);
}

static void test_revoked_token(void **state)
{
  (void)state;
  admin_revoke(dc_token_access_token(g_rotated));
  dc_request *r = request("template1", "www");
  CHECK(g_c, dc_oauth_apply(g_c, g_rotated, g_settings, r, NULL, NULL), DC_E_UNAUTHORIZED);
  assert_int_equal(dc_client_http_status(g_c), 401);
  CHECK(g_c, dc_oauth_revert(g_c, g_rotated, g_settings, r, NULL), DC_E_UNAUTHORIZED);
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
  CHECK(g_c, dc_oauth_apply(g_c, t, g_settings, r, NULL, NULL), DC_E_TOKEN_EXPIRED);
  CHECK(g_c, dc_oauth_revert(g_c, t, NULL, r, NULL), DC_E_TOKEN_EXPIRED);
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
    /* The opt-in reference placement (/rq, after set_token_params) puts the
     * client secret and refresh token in the query: not checked there. The
     * default placement puts the single-use code, and only it, in the token
     * endpoint's query. */
    bool reference = strncmp(pq, "/rq/", 4) == 0;
    for (size_t i = 0; i < g_nsecrets && !reference; i++) {
      bool code = strncmp(g_secrets[i], "code-", 5) == 0;
      if (token_endpoint && code) continue;
      if (strstr(pq, g_secrets[i]) != NULL)
        fail_msg("a secret is in the request line %s", pq);
    }
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
    cmocka_unit_test(test_placement_providers),
    cmocka_unit_test(test_refresh_reference_placement),
    cmocka_unit_test(test_signed_apply),
    cmocka_unit_test(test_auto_refresh),
    cmocka_unit_test(test_echo_masking),
    cmocka_unit_test(test_revoked_token),
    cmocka_unit_test(test_expired_token),
    cmocka_unit_test(test_no_secret_in_request_lines),
    cmocka_unit_test(test_twin_guard_refuses_without_allow_list),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
