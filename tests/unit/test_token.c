/* Token model: endpoint response parsing (docs/protocol.md §3.3,
 * docs/security.md §6.4), storage form round trip, expiry with skew. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "testutil.h"

#define API "https://api.provider.test/v2"
#define PID "provider.test"
#define NOW ((time_t)1700000000)

/* The response shape of docs/protocol.md §3.3 with RFC 6749's example values. */
#define SPEC_EXAMPLE                                                           \
  "{\"access_token\": \"2YotnFZFEjr1zCsicMWpAA\", \"token_type\": \"bearer\", " \
  "\"expires_in\": 3600, \"refresh_token\": \"tGzv3JOkF0XG5Qx2TlKWIA\"}"

struct row {
  const char *name;
  const char *json;
  dc_status want;
  const char *access;  /* on DC_OK */
  const char *refresh; /* on DC_OK; NULL = none */
  long expires_in;     /* on DC_OK */
};

#define AT "\"access_token\":\"abc\""
#define TT "\"token_type\":\"bearer\""
#define EI "\"expires_in\":3600"
/* a response with one member's value V (the JSON text) changed, refused */
#define BAD_TT(name, v, want) {name, "{" AT ",\"token_type\":" v "," EI "}", want, 0, 0, 0}
#define BAD_EI(name, v) {name, "{" AT "," TT ",\"expires_in\":" v "}", DC_E_TOKEN, 0, 0, 0}
#define BAD_AT(name, v) {name, "{\"access_token\":" v "," TT "," EI "}", DC_E_TOKEN, 0, 0, 0}
#define BAD_RT(name, v) \
  {name, "{" AT "," TT "," EI ",\"refresh_token\":" v "}", DC_E_TOKEN, 0, 0, 0}

static const struct row k_rows[] = {
  {"spec example", SPEC_EXAMPLE, DC_OK, "2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA", 3600},
  {"BEARER", "{" AT ",\"token_type\":\"BEARER\"," EI "}", DC_OK, "abc", NULL, 3600},
  {"Bearer", "{" AT ",\"token_type\":\"Bearer\"," EI "}", DC_OK, "abc", NULL, 3600},
  {"no refresh_token", "{" AT "," TT "," EI "}", DC_OK, "abc", NULL, 3600},
  {"refresh_token null", "{" AT "," TT "," EI ",\"refresh_token\":null}", DC_OK, "abc", NULL, 3600},
  {"unknown keys ignored", "{" AT "," TT "," EI ",\"scope\":\"a b\",\"x\":[1,{}]}", DC_OK,
   "abc", NULL, 3600},
  {"b64token alphabet and padding",
   "{\"access_token\":\"aZ09-._~+/==\"," TT "," EI "}", DC_OK, "aZ09-._~+/==", NULL, 3600},
  {"refresh_token with VSCHAR punctuation",
   "{" AT "," TT "," EI ",\"refresh_token\":\"a b\\\"c\\\\d~\"}", DC_OK, "abc",
   "a b\"c\\d~", 3600},
  {"expires_in string", "{" AT "," TT ",\"expires_in\":\"3600\"}", DC_OK, "abc", NULL, 3600},
  {"expires_in 1", "{" AT "," TT ",\"expires_in\":1}", DC_OK, "abc", NULL, 1},
  {"expires_in max", "{" AT "," TT ",\"expires_in\":2592000}", DC_OK, "abc", NULL, 2592000},
  {"expires_in string max", "{" AT "," TT ",\"expires_in\":\"2592000\"}", DC_OK, "abc",
   NULL, 2592000},

  /* required fields */
  {"missing access_token", "{" TT "," EI "}", DC_E_TOKEN, 0, 0, 0},
  {"missing token_type", "{" AT "," EI "}", DC_E_TOKEN, 0, 0, 0},
  {"missing expires_in", "{" AT "," TT "}", DC_E_TOKEN, 0, 0, 0},
  {"empty object", "{}", DC_E_TOKEN, 0, 0, 0},

  /* token_type */
  BAD_TT("token_type mac", "\"mac\"", DC_E_TOKEN_TYPE),
  BAD_TT("token_type bearer with space", "\"bearer \"", DC_E_TOKEN_TYPE),
  BAD_TT("token_type empty", "\"\"", DC_E_TOKEN_TYPE),
  BAD_TT("token_type number", "1", DC_E_TOKEN),

  /* expires_in */
  BAD_EI("expires_in 0", "0"),
  BAD_EI("expires_in -1", "-1"),
  BAD_EI("expires_in 1e9", "1e9"),
  BAD_EI("expires_in 1000000000", "1000000000"),
  BAD_EI("expires_in max+1", "2592001"),
  BAD_EI("expires_in 3600.5", "3600.5"),
  BAD_EI("expires_in 3600.0", "3600.0"),
  BAD_EI("expires_in abc", "\"abc\""),
  BAD_EI("expires_in empty string", "\"\""),
  BAD_EI("expires_in string 0", "\"0\""),
  BAD_EI("expires_in string -5", "\"-5\""),
  BAD_EI("expires_in string +5", "\"+5\""),
  BAD_EI("expires_in string space", "\" 3600\""),
  BAD_EI("expires_in string fraction", "\"3600.5\""),
  BAD_EI("expires_in string huge", "\"99999999999999999999999\""),
  BAD_EI("expires_in true", "true"),
  BAD_EI("expires_in null", "null"),

  /* access_token */
  BAD_AT("access_token with space", "\"ab c\""),
  BAD_AT("access_token with CRLF", "\"ab\\r\\nX-Evil: 1\""),
  BAD_AT("access_token with quote", "\"ab\\\"c\""),
  BAD_AT("access_token empty", "\"\""),
  BAD_AT("access_token only padding", "\"==\""),
  BAD_AT("access_token inner padding", "\"ab=c\""),
  BAD_AT("access_token non-ASCII", "\"ab\\u00e9\""),
  BAD_AT("access_token number", "123"),
  BAD_AT("access_token null", "null"),

  /* refresh_token */
  BAD_RT("refresh_token control byte", "\"a\\u0001b\""),
  BAD_RT("refresh_token DEL", "\"a\\u007fb\""),
  BAD_RT("refresh_token tab", "\"a\\tb\""),
  BAD_RT("refresh_token empty", "\"\""),
  BAD_RT("refresh_token number", "5"),

  /* document level */
  {"duplicate access_token", "{" AT "," AT "," TT "," EI "}", DC_E_JSON, 0, 0, 0},
  {"duplicate expires_in", "{" AT "," TT "," EI "," EI "}", DC_E_JSON, 0, 0, 0},
  {"array", "[" AT "]", DC_E_JSON, 0, 0, 0},
  {"string", "\"abc\"", DC_E_JSON, 0, 0, 0},
  {"empty input", "", DC_E_JSON, 0, 0, 0},
  {"truncated", "{" AT "," TT, DC_E_JSON, 0, 0, 0},
  {"trailing garbage", "{" AT "," TT "," EI "} x", DC_E_JSON, 0, 0, 0},
  {"NUL escape", "{\"access_token\":\"a\\u0000b\"," TT "," EI "}", DC_E_JSON, 0, 0, 0},
};

static void check_response_row(dc_client *c, const struct row *r)
{
  dc_token *t = (dc_token *)1;
  dc_status st = dc_token_parse_response(c, r->json, strlen(r->json), API, PID, NOW, &t);
  assert_status(st, r->want);
  if (st != DC_OK) {
    assert_null(t);
    assert_true(dc_client_error(c)[0] != '\0');
    return;
  }
  assert_string_equal(dc_client_error(c), "");
  assert_string_equal(dc_token_access_token(t), r->access);
  if (r->refresh == NULL) assert_null(dc_token_refresh_token(t));
  else assert_string_equal(dc_token_refresh_token(t), r->refresh);
  assert_int_equal(dc_token_issued_at(t), NOW);
  assert_int_equal(dc_token_expires_at(t), NOW + r->expires_in);
  assert_string_equal(dc_token_api_url(t), API);
  assert_string_equal(dc_token_provider_id(t), PID);
  dc_token_free(t);
}

static void test_response_table(void **state)
{
  (void)state;
  TU_TABLE(k_rows, check_response_row);
}

/* Builds {"access_token":"<n x fill>","token_type":"bearer",...} */
static char *token_json(const char *key, size_t n, char fill)
{
  size_t cap = n + 200;
  char *j = malloc(cap);
  assert_non_null(j);
  char *tok = malloc(n + 1);
  assert_non_null(tok);
  memset(tok, fill, n);
  tok[n] = '\0';
  if (strcmp(key, "access_token") == 0)
    snprintf(j, cap, "{\"access_token\":\"%s\"," TT "," EI "}", tok);
  else
    snprintf(j, cap, "{" AT "," TT "," EI ",\"%s\":\"%s\"}", key, tok);
  free(tok);
  return j;
}

static void test_token_lengths(void **state)
{
  (void)state;
  static const struct { const char *key; size_t n; dc_status want; } rows[] = {
    {"access_token", DC_MAX_TOKEN_LEN, DC_OK},
    {"access_token", DC_MAX_TOKEN_LEN + 1, DC_E_TOKEN},
    {"refresh_token", DC_MAX_TOKEN_LEN, DC_OK},
    {"refresh_token", DC_MAX_TOKEN_LEN + 1, DC_E_TOKEN},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char *j = token_json(rows[i].key, rows[i].n, 'A');
    dc_token *t = NULL;
    assert_status(dc_token_parse_response(NULL, j, strlen(j), API, PID, NOW, &t), rows[i].want);
    if (rows[i].want == DC_OK) {
      /* and the storage form of the longest tokens reads back */
      char *s = NULL;
      assert_status(dc_token_to_json(t, &s), DC_OK);
      dc_token *t2 = NULL;
      assert_status(dc_token_from_json(NULL, s, strlen(s), &t2), DC_OK);
      dc_token_free(t2);
      free(s);
    }
    dc_token_free(t);
    free(j);
  }
}

static void test_document_limits(void **state)
{
  (void)state;
  dc_token *t = (dc_token *)1;
  /* nesting deeper than DC_MAX_JSON_DEPTH */
  char deep[256];
  size_t n = 0;
  n += (size_t)snprintf(deep, sizeof deep, "{" AT "," TT "," EI ",\"x\":");
  for (int i = 0; i < DC_MAX_JSON_DEPTH + 2; i++) deep[n++] = '[';
  for (int i = 0; i < DC_MAX_JSON_DEPTH + 2; i++) deep[n++] = ']';
  deep[n++] = '}';
  deep[n] = '\0';
  assert_status(dc_token_parse_response(NULL, deep, n, API, PID, NOW, &t), DC_E_LIMIT);
  assert_null(t);

  /* larger than DC_MAX_TOKEN_JSON (padding in an unknown key) */
  size_t big = DC_MAX_TOKEN_JSON + 1;
  char *j = malloc(big + 1);
  assert_non_null(j);
  int pre = snprintf(j, big + 1, "{" AT "," TT "," EI ",\"pad\":\"");
  memset(j + pre, 'p', big - (size_t)pre - 2);
  memcpy(j + big - 2, "\"}", 3);
  assert_int_equal(strlen(j), big);
  t = (dc_token *)1;
  assert_status(dc_token_parse_response(NULL, j, big, API, PID, NOW, &t), DC_E_LIMIT);
  assert_null(t);
  free(j);
}

static void test_args(void **state)
{
  (void)state;
  static const struct { const char *url; const char *pid; } bad[] = {
    {"http://api.provider.test", PID},
    {"https://", PID},
    {"", PID},
    {"api.provider.test", PID},
    {"https://api.provider.test/a b", PID},
    {"https://api.provider.test/\r\n", PID},
    {"https://api.provider.test/\x01", PID},
    {"https://api.provider.test/\"x", PID},
    {"https://api.provider.t\xc3\xa9st", PID},
    {API, ""},
    {API, "bad id"},
    {API, "a/b"},
    {API, "0123456789012345678901234567890123456789012345678901234567890123"},
  };
  const char *j = SPEC_EXAMPLE;
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    dc_token *t = (dc_token *)1;
    assert_status(dc_token_parse_response(c, j, strlen(j), bad[i].url, bad[i].pid, NOW, &t),
                  DC_E_INVALID_ARG);
    assert_null(t);
    assert_true(dc_client_error(c)[0] != '\0');
  }
  dc_token *t = (dc_token *)1;
  assert_status(dc_token_parse_response(c, NULL, 0, API, PID, NOW, &t), DC_E_INVALID_ARG);
  assert_null(t);
  assert_status(dc_token_parse_response(c, j, strlen(j), NULL, PID, NOW, &t), DC_E_INVALID_ARG);
  assert_status(dc_token_parse_response(c, j, strlen(j), API, NULL, NOW, &t), DC_E_INVALID_ARG);
  assert_status(dc_token_parse_response(c, j, strlen(j), API, PID, NOW, NULL), DC_E_INVALID_ARG);
  assert_status(dc_token_parse_response(c, j, strlen(j), API, PID, -1, &t), DC_E_INVALID_ARG);
  /* upper-case scheme is accepted by the minimal check */
  assert_status(dc_token_parse_response(c, j, strlen(j), "HTTPS://api.provider.test", PID,
                                        NOW, &t), DC_OK);
  dc_token_free(t);

  char *s = (char *)1;
  assert_status(dc_token_to_json(NULL, &s), DC_E_INVALID_ARG);
  assert_null(s);
  assert_status(dc_token_from_json(c, NULL, 0, &t), DC_E_INVALID_ARG);
  assert_status(dc_token_from_json(c, "{}", 2, NULL), DC_E_INVALID_ARG);
  dc_token_free(NULL);
  assert_null(dc_token_access_token(NULL));
  assert_null(dc_token_refresh_token(NULL));
  assert_null(dc_token_api_url(NULL));
  assert_null(dc_token_provider_id(NULL));
  assert_int_equal(dc_token_issued_at(NULL), 0);
  assert_int_equal(dc_token_expires_at(NULL), 0);
  assert_int_equal(dc_token_expired(NULL, NOW, 0), 1);
  dc_client_free(c);
}

/* The storage form's members (dc_token_from_json): a valid document has
 * all of them; each row of the table below changes one. */
enum { M_AT, M_TT, M_IA, M_EA, M_URL, M_PID, M_N, M_NONE = M_N };
static const char *const k_members[M_N] = {
  "\"access_token\":\"abc\"", "\"token_type\":\"bearer\"", "\"issued_at\":100",
  "\"expires_at\":3700", "\"api_url\":\"https://api.provider.test\"", "\"provider_id\":\"p\"",
};

struct from_row {
  const char *name;
  int member;       /* the member replaced (M_NONE: the valid document) */
  const char *with; /* what stands in its place; "" drops it */
  dc_status want;
  const char *json; /* instead of the above, a whole document */
};

/* The valid document with r's change, or r->json: in buf. */
static const char *from_doc(const struct from_row *r, char *buf, size_t cap)
{
  if (r->json != NULL) return r->json;
  size_t n = 0;
  buf[n++] = '{';
  for (int m = 0; m < M_N; m++) {
    const char *v = m == r->member ? r->with : k_members[m];
    if (v[0] == '\0') continue;
    int w = snprintf(buf + n, cap - n, "%s%s", n > 1 ? "," : "", v);
    assert_true(w > 0 && (size_t)w < cap - n);
    n += (size_t)w;
  }
  assert_true(n + 2 <= cap);
  memcpy(buf + n, "}", 2);
  return buf;
}

static const struct from_row k_from_rows[] = {
  {"complete", M_NONE, NULL, DC_OK, NULL},
  {"missing access_token", M_AT, "", DC_E_TOKEN, NULL},
  {"missing token_type", M_TT, "", DC_E_TOKEN, NULL},
  {"missing issued_at", M_IA, "", DC_E_TOKEN, NULL},
  {"missing expires_at", M_EA, "", DC_E_TOKEN, NULL},
  {"missing api_url", M_URL, "", DC_E_TOKEN, NULL},
  {"missing provider_id", M_PID, "", DC_E_TOKEN, NULL},
  {"token_type mac", M_TT, "\"token_type\":\"mac\"", DC_E_TOKEN_TYPE, NULL},
  {"access_token with space", M_AT, "\"access_token\":\"a b\"", DC_E_TOKEN, NULL},
  {"refresh_token control", M_TT, "\"refresh_token\":\"\\n\",\"token_type\":\"bearer\"",
   DC_E_TOKEN, NULL},
  {"issued_at string", M_IA, "\"issued_at\":\"100\"", DC_E_TOKEN, NULL},
  {"issued_at negative", M_IA, "\"issued_at\":-1", DC_E_TOKEN, NULL},
  {"issued_at real", M_IA, "\"issued_at\":100.0", DC_E_TOKEN, NULL},
  {"expires_at == issued_at", M_EA, "\"expires_at\":100", DC_E_TOKEN, NULL},
  {"expires_at before issued_at", M_EA, "\"expires_at\":50", DC_E_TOKEN, NULL},
  {"lifetime over the maximum", M_EA, "\"expires_at\":2592101", DC_E_TOKEN, NULL},
  {"lifetime at the maximum", M_EA, "\"expires_at\":2592100", DC_OK, NULL},
  {"api_url http", M_URL, "\"api_url\":\"http://x\"", DC_E_TOKEN, NULL},
  {"api_url number", M_URL, "\"api_url\":1", DC_E_TOKEN, NULL},
  {"provider_id invalid", M_PID, "\"provider_id\":\"a b\"", DC_E_TOKEN, NULL},
  {"duplicate key", M_AT, "\"access_token\":\"abc\",\"access_token\":\"abc\"", DC_E_JSON, NULL},
  {"other order, unknown key", M_NONE, NULL, DC_OK,
   "{\"provider_id\":\"p\",\"api_url\":\"https://api.provider.test\",\"expires_at\":3700,"
   "\"issued_at\":100,\"token_type\":\"bearer\",\"access_token\":\"abc\",\"v\":2}"},
  {"not an object", M_NONE, NULL, DC_E_JSON, "[1]"},
};

static void check_from_row(dc_client *c, const struct from_row *r)
{
  char buf[512];
  const char *j = from_doc(r, buf, sizeof buf);
  dc_token *t = (dc_token *)1;
  assert_status(dc_token_from_json(c, j, strlen(j), &t), r->want);
  if (r->want != DC_OK) {
    assert_null(t);
    assert_true(dc_client_error(c)[0] != '\0');
    return;
  }
  assert_string_equal(dc_token_access_token(t), "abc");
  assert_int_equal(dc_token_issued_at(t), 100);
  assert_string_equal(dc_token_api_url(t), "https://api.provider.test");
  assert_string_equal(dc_token_provider_id(t), "p");
  dc_token_free(t);
}

static void test_from_json_table(void **state)
{
  (void)state;
  TU_TABLE(k_from_rows, check_from_row);
}

static void round_trip(const char *response)
{
  dc_token *t = NULL, *t2 = NULL, *t3 = NULL;
  char *s1 = NULL, *s2 = NULL, *s3 = NULL;
  assert_status(dc_token_parse_response(NULL, response, strlen(response), API, PID, NOW, &t),
                DC_OK);
  assert_status(dc_token_to_json(t, &s1), DC_OK);
  assert_status(dc_token_from_json(NULL, s1, strlen(s1), &t2), DC_OK);
  assert_string_equal(dc_token_access_token(t2), dc_token_access_token(t));
  if (dc_token_refresh_token(t) == NULL) assert_null(dc_token_refresh_token(t2));
  else assert_string_equal(dc_token_refresh_token(t2), dc_token_refresh_token(t));
  assert_string_equal(dc_token_api_url(t2), dc_token_api_url(t));
  assert_string_equal(dc_token_provider_id(t2), dc_token_provider_id(t));
  assert_int_equal(dc_token_issued_at(t2), dc_token_issued_at(t));
  assert_int_equal(dc_token_expires_at(t2), dc_token_expires_at(t));
  assert_status(dc_token_to_json(t2, &s2), DC_OK);
  assert_string_equal(s2, s1);
  assert_status(dc_token_from_json(NULL, s2, strlen(s2), &t3), DC_OK);
  assert_status(dc_token_to_json(t3, &s3), DC_OK);
  assert_string_equal(s3, s2);
  free(s1);
  free(s2);
  free(s3);
  dc_token_free(t);
  dc_token_free(t2);
  dc_token_free(t3);
}

static void test_round_trip(void **state)
{
  (void)state;
  round_trip(SPEC_EXAMPLE);
  round_trip("{" AT "," TT "," EI "}");
  round_trip("{" AT "," TT "," EI ",\"refresh_token\":\"q \\\"u\\\\o~te\"}");
}

/* The storage form is pinned: key order, no whitespace, integers. */
static void test_storage_format(void **state)
{
  (void)state;
  dc_token *t = NULL;
  char *s = NULL;
  const char *j = SPEC_EXAMPLE;
  assert_status(dc_token_parse_response(NULL, j, strlen(j), API, PID, NOW, &t), DC_OK);
  assert_status(dc_token_to_json(t, &s), DC_OK);
  assert_string_equal(s,
    "{\"access_token\":\"2YotnFZFEjr1zCsicMWpAA\",\"token_type\":\"bearer\","
    "\"refresh_token\":\"tGzv3JOkF0XG5Qx2TlKWIA\",\"issued_at\":1700000000,"
    "\"expires_at\":1700003600,\"api_url\":\"https://api.provider.test/v2\","
    "\"provider_id\":\"provider.test\"}");
  free(s);
  dc_token_free(t);

  /* refresh token escaping */
  j = "{" AT "," TT "," EI ",\"refresh_token\":\"a\\\"b\\\\c\"}";
  assert_status(dc_token_parse_response(NULL, j, strlen(j), API, PID, 0, &t), DC_OK);
  assert_status(dc_token_to_json(t, &s), DC_OK);
  assert_string_equal(s,
    "{\"access_token\":\"abc\",\"token_type\":\"bearer\",\"refresh_token\":\"a\\\"b\\\\c\","
    "\"issued_at\":0,\"expires_at\":3600,\"api_url\":\"https://api.provider.test/v2\","
    "\"provider_id\":\"provider.test\"}");
  free(s);
  dc_token_free(t);
}

/* issue 11 point 5: a token living 30 s (under the 60 s default skew) is
 * usable when issued; the skew is then 7 s. */
static void test_short_token_skew(void **state)
{
  (void)state;
  static const char j[] =
    "{\"access_token\":\"a\",\"token_type\":\"bearer\",\"expires_in\":30}";
  dc_token *t = NULL;
  assert_status(dc_token_parse_response(NULL, j, strlen(j), API, PID, NOW, &t), DC_OK);
  assert_int_equal(dc_token_expired(t, NOW, -1), 0);
  assert_int_equal(dc_token_expired(t, NOW + 22, -1), 0);
  assert_int_equal(dc_token_expired(t, NOW + 23, -1), 1);
  dc_token_free(t);
}

/* A refresh-only document, and the API a caller supplies or confirms. */
static void test_refresh_only_doc(void **state)
{
  (void)state;
  static const char d1[] = "{\"refresh_token\":\"r 1\",\"api_url\":\"https://api.provider.test\"}";
  static const char d2[] = "{\"refresh_token\":\"r 1\"}";
  static const char d3[] = "{\"refresh_token\":\"r 1\",\"token_type\":\"bearer\","
                           "\"api_url\":\"https://api.provider.test\"}";
  dc_client *c = tu_client();
  dc_token *t = NULL;
  char *s = NULL;
  assert_status(dc_token_from_json(c, d1, strlen(d1), &t), DC_OK);
  assert_null(dc_token_access_token(t));
  assert_string_equal(dc_token_refresh_token(t), "r 1");
  assert_int_equal(dc_token_expired(t, NOW, 0), 1);
  assert_status(dc_token_to_json(t, &s), DC_E_INVALID_ARG);
  dc_token *cp = NULL;
  assert_status(dc_token_copy(t, &cp), DC_OK);
  assert_string_equal(dc_token_api_url(cp), "https://api.provider.test");
  dc_token_free(cp);
  dc_token_free(t);
  assert_status(dc_token_from_json(c, d2, strlen(d2), &t), DC_E_TOKEN);
  assert_status(dc_token_from_json_api(c, d2, strlen(d2), "https://API.provider.test", &t),
                DC_OK);
  assert_string_equal(dc_token_api_url(t), "https://api.provider.test");
  dc_token_free(t);
  assert_status(dc_token_from_json_api(c, d1, strlen(d1), "https://api.provider.test:443/", &t),
                DC_OK);
  dc_token_free(t);
  assert_status(dc_token_from_json_api(c, d1, strlen(d1), "https://api2.provider.test", &t),
                DC_E_API_MISMATCH);
  assert_null(t);
  assert_status(dc_token_from_json_api(c, d1, strlen(d1), "http://x", &t), DC_E_UNSAFE_URL);
  /* not refresh-only (token_type present): read as a full document */
  assert_status(dc_token_from_json(c, d3, strlen(d3), &t), DC_E_TOKEN);
  dc_client_free(c);
}

static void test_expiry(void **state)
{
  (void)state;
  dc_token *t = NULL;
  const char *j = SPEC_EXAMPLE; /* expires_in 3600 */
  assert_status(dc_token_parse_response(NULL, j, strlen(j), API, PID, NOW, &t), DC_OK);
  time_t exp = NOW + 3600;
  assert_int_equal(dc_token_expires_at(t), exp);
  /* default skew (-1 -> 60 s): expired from now + expires_in - 60 */
  assert_int_equal(dc_token_expired(t, NOW, -1), 0);
  assert_int_equal(dc_token_expired(t, exp - 61, -1), 0);
  assert_int_equal(dc_token_expired(t, exp - 60, -1), 1);
  assert_int_equal(dc_token_expired(t, exp, -1), 1);
  assert_int_equal(dc_token_expired(t, exp + 100000, -1), 1);
  assert_int_equal(dc_token_expired(t, exp - 60, -1000), 1);
  /* explicit skews */
  assert_int_equal(dc_token_expired(t, exp - 1, 0), 0);
  assert_int_equal(dc_token_expired(t, exp, 0), 1);
  assert_int_equal(dc_token_expired(t, exp - 300, 300), 1);
  assert_int_equal(dc_token_expired(t, exp - 301, 300), 0);
  /* the skew is at most a quarter of the lifetime (900 s here) */
  assert_int_equal(dc_token_expired(t, NOW, 3600), 0);
  assert_int_equal(dc_token_expired(t, exp - 900, 3600), 1);
  assert_int_equal(dc_token_expired(t, exp - 901, 3600), 0);
  /* extreme values do not overflow */
  assert_int_equal(dc_token_expired(t, NOW, 0x7fffffffL), 0);
  assert_int_equal(dc_token_expired(t, exp - 900, 0x7fffffffL), 1);
  assert_int_equal(dc_token_expired(t, (time_t)-2000000000, 0), 0);
  dc_token_free(t);
}

/* Details never carry token bytes, also for malformed JSON. */
static void test_no_secret_in_detail(void **state)
{
  (void)state;
  static const char *const docs[] = {
    "{\"access_token\":\"SECRETTOKEN",
    "{\"access_token\":\"SECRETTOKEN\" \"token_type\":\"bearer\"}",
    "{\"access_token\":\"SECRETTOKEN x\"," TT "," EI "}",
    "{\"access_token\":SECRETTOKEN," TT "," EI "}",
    "{" AT "," TT "," EI ",\"refresh_token\":\"SECRETTOKEN\\u0001\"}",
  };
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    dc_token *t = NULL;
    assert_true(dc_token_parse_response(c, docs[i], strlen(docs[i]), API, PID, NOW, &t) != DC_OK);
    assert_true(dc_client_error(c)[0] != '\0');
    assert_null(strstr(dc_client_error(c), "SECRET"));
    assert_true(dc_token_from_json(c, docs[i], strlen(docs[i]), &t) != DC_OK);
    assert_null(strstr(dc_client_error(c), "SECRET"));
  }
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_response_table),
    cmocka_unit_test(test_token_lengths),
    cmocka_unit_test(test_document_limits),
    cmocka_unit_test(test_args),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_storage_format),
    cmocka_unit_test(test_from_json_table),
    cmocka_unit_test(test_expiry),
    cmocka_unit_test(test_short_token_skew),
    cmocka_unit_test(test_refresh_only_doc),
    cmocka_unit_test(test_no_secret_in_detail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
