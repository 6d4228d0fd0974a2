/* dc_sync_apply_url and the dc_request builder.
 * - python profile: the reference client's vector, and byte equality with
 *   Python's own urllib (tests/tools/pyref_sync_url.py) over a case table;
 * - default profile: RFC 3986 shape, order, an independent Python model, and
 *   signatures that verify with dc_verify_query (and fail when altered);
 * - bad input: one row per rule, each with its own status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include "core/internal.h"
#include "proto/settings.h" /* to give parsed settings a discovered host */

#define PYREF DC_TEST_DATA_DIR "/../tools/pyref_sync_url.py"
#define DEMO_KEY "vectors/dck1_exampleservice_priv_pkcs1.pem"

struct fixture {
  dc_client *c;
  dc_settings *s;
  dc_signer *signer;
  char **records; /* public-key TXT records of the demo key */
  size_t nrecords;
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_status(dc_client_new(&f->c), DC_OK);
  f->s = tu_settings(f->c, tu_ionos_settings);
  assert_status(dc_signer_new_from_file(f->c, tu_data(DEMO_KEY), NULL, "_dck1", &f->signer),
                DC_OK);
  assert_status(dc_pubkey_txt_records(f->c, f->signer, &f->records), DC_OK);
  while (f->records[f->nrecords] != NULL) f->nrecords++;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  dc_strv_free(f->records);
  dc_signer_free(f->signer);
  dc_settings_free(f->s);
  dc_client_free(f->c);
  free(f);
  return 0;
}

/* ---- the case table ------------------------------------------------------ */

struct kv {
  const char *name, *value;
};

struct sync_case {
  const char *label;
  const char *domain;   /* given to the builder */
  const char *zone;     /* what the URL must carry (normalised) */
  const char *host;     /* given (NULL: not set) */
  const char *host_out; /* what the URL must carry ("" / NULL: no host) */
  const char *redirect_uri, *state;
  const char *groups[4];
  const char *provider_name, *service_name, *instance_id;
  struct kv vars[10];
};

static const struct sync_case k_cases[] = {
  {.label = "apex", .domain = "diabtrack.com", .zone = "diabtrack.com",
   .vars = {{"IP", "132.148.25.185"}, {"RANDOMTEXT", "shm:1531371203:Hejo"}}},
  {.label = "sub-domain, redirect, state", .domain = "example.com", .zone = "example.com",
   .host = "www", .host_out = "www",
   .redirect_uri = "https://app.example.org/done?x=1&y=%2F~a*b",
   .state = "a b+c/=&~*%20\"'<>",
   .vars = {{"IP", "192.0.2.1"}}},
  {.label = "groups, instance, names", .domain = "example.net", .zone = "example.net",
   .host = "mail.sub", .host_out = "mail.sub",
   .groups = {"g1", "g-2", "g.3", "G_4"}, .instance_id = "inst_1",
   .provider_name = "Example Co.", .service_name = "Mail & Web / \xe2\x98\x83",
   .vars = {{"target", "mx.example.org"}}},
  {.label = "special values", .domain = "example.org", .zone = "example.org",
   .vars = {{"space", "a b  c"}, {"slash", "/path/x/"}, {"tilde", "~t~"},
            {"star", "*s*"}, {"plus", "1+1"}, {"amp", "a&b=c"}, {"eq", "=="},
            {"pct", "100%25%"}, {"utf8", "zo\xc3\xab \xe2\x98\x83"},
            {"emoji", "\xf0\x9f\x98\x80"}}},
  {.label = "names that sort differently", .domain = "example.com", .zone = "example.com",
   .vars = {{"x:", "colon"}, {"x0", "zero"}, {"A", "upper"}, {"a", "lower"},
            {"_u", "under"}, {"~t", "tilde"}, {"Z!", "bang"}, {"Z-", "dash"},
            {"empty", ""}}},
  {.label = "normalised domain and host", .domain = "Example.COM.", .zone = "example.com",
   .host = "Sub.Domain", .host_out = "sub.domain", .vars = {{"v", "1"}}},
  {.label = "IDN domain", .domain = "b\xc3\xbc" "cher.example", .zone = "xn--bcher-kva.example",
   .vars = {{"v", "b\xc3\xbc" "cher"}}},
  {.label = "empty host is the apex", .domain = "example.com", .zone = "example.com",
   .host = "", .vars = {{"v", "1"}}},
  {.label = "no variables", .domain = "example.com", .zone = "example.com",
   .redirect_uri = "https://example.com/", .state = "1234567890abcdef"},
};

static dc_request *build(const struct sync_case *k)
{
  dc_request *r = NULL;
  assert_status(dc_request_new(&r), DC_OK);
  assert_status(dc_request_set_domain(r, k->domain), DC_OK);
  assert_status(dc_request_set_provider_id(r, "exampleservice.domainconnect.org"), DC_OK);
  assert_status(dc_request_set_service_id(r, "template2"), DC_OK);
  if (k->host) assert_status(dc_request_set_host(r, k->host), DC_OK);
  if (k->redirect_uri) assert_status(dc_request_set_redirect_uri(r, k->redirect_uri), DC_OK);
  if (k->state) assert_status(dc_request_set_state(r, k->state), DC_OK);
  for (size_t i = 0; i < 4 && k->groups[i]; i++)
    assert_status(dc_request_add_group_id(r, k->groups[i]), DC_OK);
  if (k->provider_name) assert_status(dc_request_set_provider_name(r, k->provider_name), DC_OK);
  if (k->service_name) assert_status(dc_request_set_service_name(r, k->service_name), DC_OK);
  if (k->instance_id) assert_status(dc_request_set_instance_id(r, k->instance_id), DC_OK);
  for (size_t i = 0; i < 10 && k->vars[i].name; i++)
    assert_status(dc_request_set_param(r, k->vars[i].name, k->vars[i].value), DC_OK);
  return r;
}

/* Runs the Python oracle on the case; profile "python" or "rfc3986". */
static char *oracle(const struct sync_case *k, bool sign, const char *profile)
{
  json_t *d = json_object();
  json_t *params = json_object();
  json_object_set_new(d, "url_sync_ux", json_string("https://domainconnect.ionos.de/sync"));
  json_object_set_new(d, "provider_id", json_string("exampleservice.domainconnect.org"));
  json_object_set_new(d, "service_id", json_string("template2"));
  json_object_set_new(d, "domain", json_string(k->zone));
  json_object_set_new(d, "profile", json_string(profile));
  if (k->host_out) json_object_set_new(d, "host", json_string(k->host_out));
  if (k->redirect_uri) json_object_set_new(d, "redirect_uri", json_string(k->redirect_uri));
  if (k->state) json_object_set_new(d, "state", json_string(k->state));
  if (k->groups[0]) {
    json_t *g = json_array();
    for (size_t i = 0; i < 4 && k->groups[i]; i++) json_array_append_new(g, json_string(k->groups[i]));
    json_object_set_new(d, "group_ids", g);
  }
  for (size_t i = 0; i < 10 && k->vars[i].name; i++)
    json_object_set_new(params, k->vars[i].name, json_string(k->vars[i].value));
  if (k->provider_name) json_object_set_new(params, "providerName", json_string(k->provider_name));
  if (k->service_name) json_object_set_new(params, "serviceName", json_string(k->service_name));
  if (k->instance_id) json_object_set_new(params, "instanceId", json_string(k->instance_id));
  json_object_set_new(d, "params", params);
  if (sign) {
    json_object_set_new(d, "key_file", json_string(tu_data(DEMO_KEY)));
    json_object_set_new(d, "key_id", json_string("_dck1"));
  }
  char *text = json_dumps(d, JSON_COMPACT);
  json_decref(d);
  assert_non_null(text);

  char path[] = "/tmp/dc_pyref_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  size_t tl = strlen(text);
  assert_true(write(fd, text, tl) == (ssize_t)tl);
  close(fd);
  free(text);

  char cmd[8192];
  int n = snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' < '%s'", PYREF, path);
  assert_true(n > 0 && (size_t)n < sizeof cmd);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t cap = 4096, len = 0;
  char *out = malloc(cap);
  assert_non_null(out);
  for (;;) {
    if (len + 1024 >= cap) {
      cap *= 2;
      out = realloc(out, cap);
      assert_non_null(out);
    }
    size_t got = fread(out + len, 1, cap - len - 1, p);
    if (got == 0) break;
    len += got;
  }
  out[len] = '\0';
  int rc = pclose(p);
  unlink(path);
  if (rc != 0 || len == 0) fail_msg("oracle failed (%d) for case %s", rc, k->label);
  return out;
}

static void expect_same(const char *label, const char *what, const char *got,
                        const char *want)
{
  if (strcmp(got, want) != 0)
    fail_msg("%s (%s)\n  C: %s\n py: %s", label, what, got, want);
}

static const char *query_of(const char *url)
{
  const char *q = strchr(url, '?');
  assert_non_null(q);
  return q + 1;
}

/* A signed URL verifies; each altered byte of the signed part breaks it. */
static void check_verifies(struct fixture *f, const char *label, const char *url)
{
  const char *q = query_of(url);
  size_t len = strlen(q);
  dc_status st = dc_verify_query(f->c, q, len, "_dck1",
                                 (const char *const *)f->records, f->nrecords);
  if (st != DC_OK)
    fail_msg("%s: signed URL does not verify: %s (%s)", label, dc_status_name(st),
             dc_client_error(f->c));
  /* the signed part ends where the first of "&sig=" / "&key=" starts */
  const char *a = strstr(q, "&sig="), *b = strstr(q, "&key=");
  assert_non_null(a);
  assert_non_null(b);
  size_t signed_len = (size_t)((a < b ? a : b) - q);
  char *copy = dci_strdup(q);
  assert_non_null(copy);
  size_t pos[3] = {0, signed_len / 2, signed_len - 1};
  for (size_t i = 0; i < 3; i++) {
    char old = copy[pos[i]];
    copy[pos[i]] = old == 'Q' ? 'R' : 'Q';
    st = dc_verify_query(f->c, copy, len, "_dck1", (const char *const *)f->records,
                         f->nrecords);
    if (st != DC_E_SIG_INVALID)
      fail_msg("%s: byte %zu altered gave %s", label, pos[i], dc_status_name(st));
    copy[pos[i]] = old;
  }
  free(copy);
}

/* The default profile's shape: only unreserved bytes, '&', '=' and %XX with
 * upper-case hex; no '+'; names in non-decreasing byte order; when signed,
 * "&key=_dck1&sig=..." last. */
static void check_rfc3986_shape(const char *label, const char *url, bool sign)
{
  const char *q = query_of(url);
  for (const char *p = q; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch == '%') {
      if (!(dci_is_digit((unsigned char)p[1]) || (p[1] >= 'A' && p[1] <= 'F')) ||
          !(dci_is_digit((unsigned char)p[2]) || (p[2] >= 'A' && p[2] <= 'F')))
        fail_msg("%s: bad escape at %s", label, p);
      continue;
    }
    if (!(dci_is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
          ch == '&' || ch == '='))
      fail_msg("%s: byte 0x%02x in the query", label, ch);
  }
  const char *end = q + strlen(q);
  if (sign) {
    const char *k = strstr(q, "&key=_dck1&sig=");
    assert_non_null(k);
    assert_null(strchr(k + 15, '&')); /* sig is the last pair */
    end = k;
  }
  const char *prev = NULL;
  size_t prev_len = 0;
  for (const char *p = q; p < end;) {
    const char *eq = memchr(p, '=', (size_t)(end - p));
    assert_non_null(eq);
    size_t nlen = (size_t)(eq - p);
    if (prev) {
      size_t m = nlen < prev_len ? nlen : prev_len;
      int d = memcmp(prev, p, m);
      if (d > 0 || (d == 0 && prev_len > nlen))
        fail_msg("%s: %.*s sorted before %.*s", label, (int)prev_len, prev, (int)nlen, p);
    }
    prev = p;
    prev_len = nlen;
    const char *amp = memchr(eq, '&', (size_t)(end - eq));
    p = amp ? amp + 1 : end;
  }
}

/* (1) The reference client's signed sync URL, byte for byte. */
static void test_python_vector(void **state)
{
  struct fixture *f = *state;
  json_error_t jerr;
  json_t *doc = json_load_file(tu_data("vectors/signature_vectors.json"), 0, &jerr);
  if (doc == NULL) fail_msg("signature_vectors.json: %s", jerr.text);
  const char *want = NULL;
  for (size_t i = 0; i < json_array_size(doc); i++) {
    json_t *v = json_array_get(doc, i);
    if (strcmp(json_string_value(json_object_get(v, "id")), "py_sync_url_with_signature") == 0)
      want = json_string_value(json_object_get(v, "expected_url"));
  }
  assert_non_null(want);

  dc_request *r = build(&k_cases[0]);
  char *url = NULL;
  assert_status(dc_sync_apply_url(f->c, f->s, r, f->signer, DC_PROFILE_PYTHON, &url), DC_OK);
  expect_same("py_sync_url_with_signature", "vector", url, want);
  assert_string_equal(dc_client_error(f->c), "");
  check_verifies(f, "vector", url);
  dc_free(url);

  /* unsigned, both profiles: the same query (already in sorted order) */
  const char *plain = "https://domainconnect.ionos.de/sync/v2/domainTemplates/providers/"
                      "exampleservice.domainconnect.org/services/template2/apply?"
                      "IP=132.148.25.185&RANDOMTEXT=shm%3A1531371203%3AHejo&domain=diabtrack.com";
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_PYTHON, &url), DC_OK);
  assert_string_equal(url, plain);
  dc_free(url);
  assert_status(dc_sync_apply_url(NULL, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  assert_string_equal(url, plain);
  dc_free(url);
  dc_request_free(r);
  json_decref(doc);
}

/* Every case of k_cases in `profile`, unsigned and signed: the URL must
 * be built, equal the Python oracle's (tests/tools/pyref_sync_url.py, in
 * its profile `model`) and, signed, verify; `shape` (may be NULL) checks it
 * too. */
static void each_case(struct fixture *f, dc_profile profile, const char *model,
                      void (*shape)(const char *label, const char *url, bool sign))
{
  for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
    const struct sync_case *k = &k_cases[i];
    dc_request *r = build(k);
    for (int sign = 0; sign <= 1; sign++) {
      char *url = NULL;
      dc_status st = dc_sync_apply_url(f->c, f->s, r, sign ? f->signer : NULL, profile, &url);
      if (st != DC_OK)
        fail_msg("%s: %s (%s)", k->label, dc_status_name(st), dc_client_error(f->c));
      if (shape != NULL) shape(k->label, url, sign);
      char *want = oracle(k, sign, model);
      char what[32];
      snprintf(what, sizeof what, "%s%s", model, sign ? ", signed" : "");
      expect_same(k->label, what, url, want);
      if (sign) check_verifies(f, k->label, url);
      free(want);
      dc_free(url);
    }
    dc_request_free(r);
  }
}

/* (2) python profile == Python's urllib for every case, unsigned and signed. */
static void test_python_oracle(void **state)
{
  each_case(*state, DC_PROFILE_PYTHON, "python", NULL);
}

/* (3) default profile: RFC 3986 shape and order, equal to an independent
 * Python model, signatures verify. */
static void test_default_profile(void **state)
{
  each_case(*state, DC_PROFILE_DEFAULT, "rfc3986", check_rfc3986_shape);
}

/* Hand-checked default-profile details. */
static void test_default_examples(void **state)
{
  struct fixture *f = *state;
  dc_request *r = build(&k_cases[3]); /* special values */
  char *url = NULL;
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  assert_string_equal(query_of(url),
                      "amp=a%26b%3Dc&domain=example.org&emoji=%F0%9F%98%80&eq=%3D%3D"
                      "&pct=100%2525%25&plus=1%2B1&slash=%2Fpath%2Fx%2F&space=a%20b%20%20c"
                      "&star=%2As%2A&tilde=~t~&utf8=zo%C3%AB%20%E2%98%83");
  dc_free(url);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_PYTHON, &url), DC_OK);
  assert_string_equal(query_of(url),
                      "amp=a%26b%3Dc&domain=example.org&emoji=%F0%9F%98%80&eq=%3D%3D"
                      "&pct=100%2525%25&plus=1%2B1&slash=%2Fpath%2Fx%2F&space=a+b++c"
                      "&star=%2As%2A&tilde=~t~&utf8=zo%C3%AB+%E2%98%83");
  dc_free(url);
  dc_request_free(r);

  r = build(&k_cases[4]); /* names: "x:" sorts before "x0" only when encoded */
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  assert_string_equal(query_of(url),
                      "A=upper&Z%21=bang&Z-=dash&_u=under&a=lower&domain=example.com"
                      "&empty=&x%3A=colon&x0=zero&~t=tilde");
  dc_free(url);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_PYTHON, &url), DC_OK);
  assert_string_equal(query_of(url),
                      "A=upper&Z%21=bang&Z-=dash&_u=under&a=lower&domain=example.com"
                      "&empty=&x0=zero&x%3A=colon&~t=tilde");
  dc_free(url);
  dc_request_free(r);

  r = build(&k_cases[2]); /* groups, host, names */
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  assert_string_equal(url,
                      "https://domainconnect.ionos.de/sync/v2/domainTemplates/providers/"
                      "exampleservice.domainconnect.org/services/template2/apply?"
                      "domain=example.net&groupId=g1%2Cg-2%2Cg.3%2CG_4&host=mail.sub"
                      "&instanceId=inst_1&providerName=Example%20Co."
                      "&serviceName=Mail%20%26%20Web%20%2F%20%E2%98%83&target=mx.example.org");
  dc_free(url);
  dc_request_free(r);
}

/* ---- bad input ----------------------------------------------------------- */

static dc_request *base_request(void)
{
  dc_request *r = tu_request();
  assert_status(dc_request_set_host(r, "www"), DC_OK);
  assert_status(dc_request_set_param(r, "IP", "192.0.2.1"), DC_OK);
  return r;
}

/* Row b: the URL is refused in both profiles, as tu_expect_refused says. */
static void check_bad(void *fixture, const struct tu_bad_row *b)
{
  struct fixture *f = fixture;
  dc_request *r = base_request();
  char *url = NULL;
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  dc_free(url);
  tu_apply_bad(r, b);
  for (int prof = 0; prof <= 1; prof++) {
    url = (char *)"sentinel";
    dc_status st = dc_sync_apply_url(f->c, f->s, r, f->signer, (dc_profile)prof, &url);
    tu_expect_refused(f->c, b, st, url);
  }
  dc_request_free(r);
}

static void test_bad_input(void **state)
{
  tu_each_bad(*state, TU_SYNC, check_bad);
}

/* dc_param_kind_of: the reserved names of tu_bad are the URL kind, the
 * OAuth names the other kind, anything else a variable. */
static void test_param_kinds(void **state)
{
  (void)state;
  size_t n_url = 0;
  for (size_t i = 0; i < tu_bad_n; i++) {
    if (tu_bad[i].want != DC_E_RESERVED_PARAM) continue;
    assert_int_equal(dc_param_kind_of(tu_bad[i].value), DC_PARAM_URL);
    n_url++;
  }
  assert_int_equal(n_url, 14);
  static const char *const oauth[] = {"client_secret", "grant_type", "code",
                                      "refresh_token", "access_token"};
  for (size_t i = 0; i < sizeof oauth / sizeof oauth[0]; i++)
    assert_int_equal(dc_param_kind_of(oauth[i]), DC_PARAM_OAUTH);
  /* matched ignoring ASCII case (docs/security.md §4.5) */
  assert_int_equal(dc_param_kind_of("Domain"), DC_PARAM_URL);
  assert_int_equal(dc_param_kind_of("REDIRECT_URI"), DC_PARAM_URL);
  assert_int_equal(dc_param_kind_of("GroupID"), DC_PARAM_URL);
  assert_int_equal(dc_param_kind_of("Client_Secret"), DC_PARAM_OAUTH);
  assert_int_equal(dc_param_kind_of("domains"), DC_PARAM_VARIABLE);
  assert_int_equal(dc_param_kind_of("IP"), DC_PARAM_VARIABLE);
  assert_int_equal(dc_param_kind_of(""), DC_PARAM_VARIABLE);
  assert_int_equal(dc_param_kind_of(NULL), DC_PARAM_VARIABLE);
}

static void test_missing_and_null(void **state)
{
  struct fixture *f = *state;
  char *url = NULL;
  dc_request *r = base_request();

  assert_status(dc_sync_apply_url(f->c, NULL, r, NULL, DC_PROFILE_DEFAULT, &url), DC_E_INVALID_ARG);
  assert_status(dc_sync_apply_url(f->c, f->s, NULL, NULL, DC_PROFILE_DEFAULT, &url), DC_E_INVALID_ARG);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, NULL), DC_E_INVALID_ARG);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, (dc_profile)2, &url), DC_E_INVALID_ARG);
  assert_null(url);
  assert_status(dc_sync_apply_url(NULL, f->s, r, NULL, (dc_profile)-1, &url), DC_E_INVALID_ARG);

  /* no urlSyncUX */
  dc_settings *nosync = tu_settings(f->c, tu_ionos_settings_nosync);
  assert_status(dc_sync_apply_url(f->c, nosync, r, NULL, DC_PROFILE_DEFAULT, &url), DC_E_NO_SYNC_UX);
  assert_null(url);
  dc_settings_free(nosync);

  /* each required field missing */
  assert_status(dc_request_set_domain(r, NULL), DC_OK);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_E_INVALID_ARG);
  assert_status(dc_request_set_domain(r, "example.com"), DC_OK);
  assert_status(dc_request_set_provider_id(r, NULL), DC_OK);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_E_INVALID_ARG);
  assert_status(dc_request_set_provider_id(r, "p"), DC_OK);
  assert_status(dc_request_set_service_id(r, NULL), DC_OK);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_E_INVALID_ARG);
  assert_status(dc_request_set_service_id(r, "s"), DC_OK);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  assert_string_equal(dc_client_error(f->c), ""); /* cleared on success */
  dc_free(url);
  dc_request_free(r);
}

static void test_limits(void **state)
{
  struct fixture *f = *state;
  char *url = NULL;
  char name[32];

  /* DC_MAX_PARAMS variables fit the builder; with domain the query does not */
  dc_request *r = base_request();
  assert_status(dc_request_set_host(r, NULL), DC_OK);
  assert_status(dc_request_set_param(r, "IP", NULL), DC_OK);
  tu_add_vars(r, DC_MAX_PARAMS - 1);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  dc_free(url);
  assert_status(dc_request_set_param(r, "last", "x"), DC_OK);
  assert_status(dc_request_set_param(r, "one.too.many", "x"), DC_E_LIMIT);
  assert_status(dc_request_set_param(r, "last", "replaced"), DC_OK); /* replacing is fine */
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_E_LIMIT);
  assert_null(url);
  dc_request_free(r);

  /* value and name lengths */
  r = base_request();
  char *big = malloc(DC_MAX_PARAM_VALUE + 2);
  assert_non_null(big);
  memset(big, '/', DC_MAX_PARAM_VALUE + 1);
  big[DC_MAX_PARAM_VALUE + 1] = '\0';
  assert_status(dc_request_set_param(r, "big", big), DC_E_LIMIT);
  assert_status(dc_request_set_state(r, big), DC_E_LIMIT);
  assert_status(dc_request_set_redirect_uri(r, big), DC_E_LIMIT);
  assert_status(dc_request_add_group_id(r, big), DC_E_LIMIT);
  assert_status(dc_request_set_param(r, big, "x"), DC_E_LIMIT);
  big[DC_MAX_PARAM_VALUE] = '\0';
  /* 16 values of 4096 '/' encode to 16 * 12288 bytes: over DC_MAX_QUERY_LEN */
  for (int i = 0; i < 16; i++) {
    snprintf(name, sizeof name, "big%d", i);
    assert_status(dc_request_set_param(r, name, big), DC_OK);
  }
  assert_status(dc_sync_apply_url(f->c, f->s, r, f->signer, DC_PROFILE_PYTHON, &url), DC_E_LIMIT);
  assert_null(url);
  free(big);
  dc_request_free(r);

  /* id lists */
  assert_status(dc_request_new(&r), DC_OK);
  for (int i = 0; i < DC_MAX_IDS; i++) {
    snprintf(name, sizeof name, "g%d", i);
    assert_status(dc_request_add_group_id(r, name), DC_OK);
    assert_status(dc_request_add_host(r, name), DC_OK);
    assert_status(dc_request_add_service_id(r, name), DC_OK);
  }
  assert_status(dc_request_add_group_id(r, "x"), DC_E_LIMIT);
  assert_status(dc_request_add_host(r, "x"), DC_E_LIMIT);
  assert_status(dc_request_add_service_id(r, "x"), DC_E_LIMIT);
  dc_request_free(r);
}

/* The builder: copies, replacement, NULL clears. */
static void test_builder(void **state)
{
  struct fixture *f = *state;
  char *url = NULL;
  assert_status(dc_request_new(NULL), DC_E_INVALID_ARG);
  dc_request_free(NULL);
  /* every setter refuses a NULL builder */
  static dc_status (*const setters[])(dc_request *, const char *) = {
    dc_request_set_domain, dc_request_set_host, dc_request_add_host,
    dc_request_set_provider_id, dc_request_set_service_id, dc_request_add_service_id,
    dc_request_set_redirect_uri, dc_request_set_state, dc_request_add_group_id,
    dc_request_set_provider_name, dc_request_set_service_name, dc_request_set_instance_id,
    dc_request_set_client_id,
  };
  for (size_t i = 0; i < sizeof setters / sizeof setters[0]; i++)
    assert_status(setters[i](NULL, "x"), DC_E_INVALID_ARG);
  assert_status(dc_request_set_param(NULL, "x", "y"), DC_E_INVALID_ARG);

  dc_request *r = NULL;
  assert_status(dc_request_new(&r), DC_OK);
  assert_status(dc_request_set_param(r, NULL, "y"), DC_E_INVALID_ARG);
  char buf[32] = "example.com";
  assert_status(dc_request_set_domain(r, buf), DC_OK);
  memcpy(buf, "changed.org", 12); /* the builder copied */
  assert_status(dc_request_set_provider_id(r, "p"), DC_OK);
  assert_status(dc_request_set_service_id(r, "s1"), DC_OK);
  assert_status(dc_request_set_service_id(r, "s"), DC_OK); /* replaces */
  assert_status(dc_request_set_param(r, "b", "1"), DC_OK);
  assert_status(dc_request_set_param(r, "a", "2"), DC_OK);
  assert_status(dc_request_set_param(r, "b", "3"), DC_OK); /* replaces */
  assert_status(dc_request_set_param(r, "c", "4"), DC_OK);
  assert_status(dc_request_set_param(r, "c", NULL), DC_OK); /* removes */
  assert_status(dc_request_set_param(r, "zz", NULL), DC_OK); /* absent: no-op */
  assert_status(dc_request_set_state(r, "s1"), DC_OK);
  assert_status(dc_request_set_state(r, NULL), DC_OK);
  assert_status(dc_request_set_redirect_uri(r, "https://x.example/"), DC_OK);
  assert_status(dc_request_set_redirect_uri(r, NULL), DC_OK);
  assert_status(dc_request_add_group_id(r, "g1"), DC_OK);
  assert_status(dc_request_add_group_id(r, NULL), DC_OK); /* clears the list */
  assert_status(dc_request_add_group_id(r, "g2"), DC_OK);
  assert_status(dc_request_set_host(r, "a"), DC_OK);
  assert_status(dc_request_add_host(r, "b"), DC_OK);
  assert_status(dc_request_set_host(r, "c"), DC_OK); /* one host again */
  assert_status(dc_request_set_instance_id(r, "i"), DC_OK);
  assert_status(dc_request_set_instance_id(r, NULL), DC_OK);
  assert_status(dc_request_set_provider_name(r, "P"), DC_OK);
  assert_status(dc_request_set_provider_name(r, NULL), DC_OK);
  assert_status(dc_request_set_service_name(r, "S"), DC_OK);
  assert_status(dc_request_set_service_name(r, NULL), DC_OK);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  assert_string_equal(url, "https://domainconnect.ionos.de/sync/v2/domainTemplates/providers/p"
                           "/services/s/apply?a=2&b=3&domain=example.com&groupId=g2&host=c");
  dc_free(url);
  assert_status(dc_request_set_host(r, NULL), DC_OK);
  assert_status(dc_sync_apply_url(f->c, f->s, r, NULL, DC_PROFILE_PYTHON, &url), DC_OK);
  assert_string_equal(url, "https://domainconnect.ionos.de/sync/v2/domainTemplates/providers/p"
                           "/services/s/apply?a=2&b=3&domain=example.com&groupId=g2");
  dc_free(url);
  dc_request_free(r);
}

/* ---- settings that know their domain (issue 10.5) */

/* tu_ionos_settings parsed for `zone`, with `host` as dc_discover leaves
 * it (NULL: parsed settings, no discovery). */
static dc_settings *settings_for(dc_client *c, const char *zone, const char *host)
{
  dc_settings *s = NULL;
  assert_status(dc_settings_parse(c, tu_ionos_settings, strlen(tu_ionos_settings), zone, &s),
                DC_OK);
  if (host != NULL) {
    s->host = strdup(host);
    assert_non_null(s->host);
  }
  return s;
}

#define SYNC_PREFIX "https://domainconnect.ionos.de/sync/v2/domainTemplates/providers/" \
                    "exampleservice.domainconnect.org/services/template1/apply?"

static void test_from_settings(void **state)
{
  struct fixture *f = *state;
  static const struct {
    const char *label;
    const char *zone, *disc_host;   /* the settings' */
    const char *domain, *host;      /* the request's (NULL: not set) */
    dc_status want;
    const char *query;              /* the URL's query on DC_OK */
  } k_rows[] = {
    {"zone from parsed settings", "example.com", NULL, NULL, NULL, DC_OK, "domain=example.com"},
    {"same zone, other spelling", "example.com", NULL, "EXAMPLE.com.", NULL, DC_OK,
     "domain=example.com"},
    {"request host kept", "example.com", NULL, NULL, "api", DC_OK,
     "domain=example.com&host=api"},
    {"zone mismatch", "example.com", NULL, "example.org", NULL, DC_E_SETTINGS_MISMATCH, NULL},
    {"zone mismatch, sub-domain as domain", "example.com", NULL, "www.example.com", NULL,
     DC_E_SETTINGS_MISMATCH, NULL},
    {"discovered: zone and host", "example.com", "www", NULL, NULL, DC_OK,
     "domain=example.com&host=www"},
    {"discovered: same host", "example.com", "www", "example.com", "WWW", DC_OK,
     "domain=example.com&host=www"},
    {"discovered: host mismatch", "example.com", "www", NULL, "api",
     DC_E_SETTINGS_MISMATCH, NULL},
    {"discovered: apex host mismatch", "example.com", "www", NULL, "",
     DC_E_SETTINGS_MISMATCH, NULL},
    {"discovered: deep host", "example.com", "a.b", NULL, NULL, DC_OK,
     "domain=example.com&host=a.b"},
    {"discovered at the apex: no host", "example.com", "", NULL, NULL, DC_OK,
     "domain=example.com"},
    {"discovered at the apex: request host", "example.com", "", NULL, "api", DC_OK,
     "domain=example.com&host=api"},
    {"discovered: zone mismatch first", "example.com", "www", "example.net", "www",
     DC_E_SETTINGS_MISMATCH, NULL},
    {"no zone anywhere", NULL, NULL, NULL, NULL, DC_E_INVALID_ARG, NULL},
  };
  for (size_t i = 0; i < sizeof k_rows / sizeof k_rows[0]; i++) {
    print_message("row: %s\n", k_rows[i].label);
    dc_settings *s = settings_for(f->c, k_rows[i].zone, k_rows[i].disc_host);
    dc_request *r = tu_request();
    assert_status(dc_request_set_domain(r, k_rows[i].domain), DC_OK);
    if (k_rows[i].host != NULL) assert_status(dc_request_set_host(r, k_rows[i].host), DC_OK);
    char *url = NULL;
    dc_status st = dc_sync_apply_url(f->c, s, r, NULL, DC_PROFILE_DEFAULT, &url);
    if (st != k_rows[i].want)
      fail_msg("%s: %s (%s)", k_rows[i].label, dc_status_name(st), dc_client_error(f->c));
    if (st == DC_OK) {
      assert_int_equal(strncmp(url, SYNC_PREFIX, strlen(SYNC_PREFIX)), 0);
      assert_string_equal(query_of(url), k_rows[i].query);
    } else {
      assert_null(url);
    }
    dc_free(url);
    dc_request_free(r);
    dc_settings_free(s);
  }
  /* the detail names both sides */
  dc_settings *s = settings_for(f->c, "example.com", "www");
  dc_request *r = tu_request();
  char *url = NULL;
  assert_status(dc_sync_apply_url(f->c, s, r, NULL, DC_PROFILE_DEFAULT, &url), DC_OK);
  dc_free(url);
  assert_status(dc_request_set_domain(r, "example.org"), DC_OK);
  assert_status(dc_sync_apply_url(f->c, s, r, NULL, DC_PROFILE_DEFAULT, &url),
                DC_E_SETTINGS_MISMATCH);
  assert_string_equal(dc_client_error(f->c), "request domain example.org is not the zone "
                                             "the settings are for (example.com)");
  assert_status(dc_request_set_domain(r, NULL), DC_OK);
  assert_status(dc_request_set_host(r, "api"), DC_OK);
  assert_status(dc_sync_apply_url(f->c, s, r, NULL, DC_PROFILE_DEFAULT, &url),
                DC_E_SETTINGS_MISMATCH);
  assert_string_equal(dc_client_error(f->c), "the settings were discovered for host www of "
                                             "example.com, which the request's host does "
                                             "not name");
  /* signed: the taken zone and host are what is signed */
  assert_status(dc_request_set_host(r, NULL), DC_OK);
  assert_status(dc_sync_apply_url(f->c, s, r, f->signer, DC_PROFILE_DEFAULT, &url), DC_OK);
  check_verifies(f, "from settings", url);
  assert_non_null(strstr(url, "?domain=example.com&host=www&key=_dck1&sig="));
  dc_free(url);
  dc_request_free(r);
  dc_settings_free(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_python_vector),
    cmocka_unit_test(test_python_oracle),
    cmocka_unit_test(test_default_profile),
    cmocka_unit_test(test_default_examples),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_param_kinds),
    cmocka_unit_test(test_missing_and_null),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_builder),
    cmocka_unit_test(test_from_settings),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
