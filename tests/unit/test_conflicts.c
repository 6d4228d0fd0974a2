/* 409 conflict body (docs/protocol.md §3.5, §5.15). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "testutil.h"

/* The example body of the spec (Domain-Connect-Spec-Draft, async apply). */
static const char k_spec_example[] =
  "{\n"
  "    \"code\": \"409\",\n"
  "    \"message\": \"Conflicting records\",\n"
  "    \"records\": [\n"
  "        {\n"
  "            \"type\": \"CNAME\",\n"
  "            \"host\": \"www\",\n"
  "            \"data\": \"@\"\n"
  "        },\n"
  "        {\n"
  "            \"type\": \"A\",\n"
  "            \"host\": \"@\",\n"
  "            \"data\": \"random ip\"\n"
  "        }\n"
  "    ]\n"
  "}\n";

static void test_spec_example(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_conflicts *cf = NULL;
  assert_status(dc_conflicts_parse(c, k_spec_example, strlen(k_spec_example), &cf), DC_OK);
  assert_string_equal(dc_client_error(c), "");
  tu_expect_spec_conflicts(cf);
  dc_conflicts_free(cf);
  dc_client_free(c);
}

struct row {
  const char *name;
  const char *json;
  dc_status want;
  const char *code;    /* on DC_OK; NULL = absent */
  const char *message; /* on DC_OK; NULL = absent */
  size_t count;        /* on DC_OK */
  const char *type0, *host0, *data0; /* first record, when count > 0 */
};

static const struct row k_rows[] = {
  {"numeric code", "{\"code\":409,\"message\":\"m\",\"records\":[]}", DC_OK, "409", "m", 0, 0, 0, 0},
  {"negative numeric code", "{\"code\":-1}", DC_OK, "-1", NULL, 0, 0, 0, 0},
  {"missing records", "{\"code\":\"409\",\"message\":\"Conflicting records\"}", DC_OK, "409",
   "Conflicting records", 0, 0, 0, 0},
  {"empty object", "{}", DC_OK, NULL, NULL, 0, 0, 0, 0},
  {"host and data absent", "{\"records\":[{\"type\":\"TXT\"}]}", DC_OK, NULL, NULL, 1,
   "TXT", "", ""},
  {"unknown keys ignored",
   "{\"code\":\"409\",\"extra\":{\"a\":[1]},\"records\":[{\"type\":\"MX\",\"host\":\"@\","
   "\"data\":\"mx.example.\",\"priority\":10}]}", DC_OK, "409", NULL, 1, "MX", "@", "mx.example."},
  {"strings kept raw",
   "{\"message\":\"line1\\nline2 \\u00e9\",\"records\":[{\"type\":\"TXT\",\"host\":\"\","
   "\"data\":\"v=spf1 \\\"q\\\"\"}]}", DC_OK, NULL, "line1\nline2 \xc3\xa9", 1, "TXT", "",
   "v=spf1 \"q\""},

  {"records not an array", "{\"code\":\"409\",\"records\":{\"type\":\"A\"}}", DC_E_CONFLICT_BODY,
   0, 0, 0, 0, 0, 0},
  {"records a string", "{\"records\":\"none\"}", DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},
  {"records null", "{\"records\":null}", DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},
  {"record not an object", "{\"records\":[\"A\"]}", DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},
  {"record without type", "{\"records\":[{\"host\":\"www\",\"data\":\"@\"}]}",
   DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},
  {"second record without type",
   "{\"records\":[{\"type\":\"A\",\"host\":\"x\"},{\"host\":\"www\"}]}", DC_E_CONFLICT_BODY,
   0, 0, 0, 0, 0, 0},
  {"type number", "{\"records\":[{\"type\":1}]}", DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},
  {"host as number", "{\"records\":[{\"type\":\"A\",\"host\":5,\"data\":\"1.2.3.4\"}]}",
   DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},
  {"data as object", "{\"records\":[{\"type\":\"A\",\"data\":{}}]}", DC_E_CONFLICT_BODY,
   0, 0, 0, 0, 0, 0},
  {"host null", "{\"records\":[{\"type\":\"A\",\"host\":null}]}", DC_E_CONFLICT_BODY,
   0, 0, 0, 0, 0, 0},
  {"code real", "{\"code\":409.0}", DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},
  {"code boolean", "{\"code\":true}", DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},
  {"message number", "{\"message\":1}", DC_E_CONFLICT_BODY, 0, 0, 0, 0, 0, 0},

  {"duplicate key", "{\"code\":\"409\",\"code\":\"409\"}", DC_E_JSON, 0, 0, 0, 0, 0, 0},
  {"NUL in a string", "{\"message\":\"a\\u0000b\"}", DC_E_JSON, 0, 0, 0, 0, 0, 0},
  {"not an object", "[{\"type\":\"A\"}]", DC_E_JSON, 0, 0, 0, 0, 0, 0},
  {"not JSON", "Conflict", DC_E_JSON, 0, 0, 0, 0, 0, 0},
  {"empty body", "", DC_E_JSON, 0, 0, 0, 0, 0, 0},
};

static void check_opt(const char *what, const char *got, const char *want)
{
  if (want == NULL) {
    if (got != NULL) fail_msg("%s: expected NULL, got \"%s\"", what, got);
    return;
  }
  if (got == NULL) fail_msg("%s: expected \"%s\", got NULL", what, want);
  if (strcmp(got, want) != 0) fail_msg("%s: expected \"%s\", got \"%s\"", what, want, got);
}

static void check_row(dc_client *c, const struct row *r)
{
  dc_conflicts *cf = (dc_conflicts *)1;
  dc_status st = dc_conflicts_parse(c, r->json, strlen(r->json), &cf);
  assert_status(st, r->want);
  if (st != DC_OK) {
    assert_null(cf);
    assert_true(dc_client_error(c)[0] != '\0');
    return;
  }
  check_opt("code", dc_conflicts_code(cf), r->code);
  check_opt("message", dc_conflicts_message(cf), r->message);
  assert_int_equal(dc_conflicts_count(cf), r->count);
  if (r->count > 0) {
    check_opt("type", dc_conflicts_type(cf, 0), r->type0);
    check_opt("host", dc_conflicts_host(cf, 0), r->host0);
    check_opt("data", dc_conflicts_data(cf, 0), r->data0);
  }
  dc_conflicts_free(cf);
}

static void test_table(void **state)
{
  (void)state;
  TU_TABLE(k_rows, check_row);
}

/* {"code":"409","records":[{"type":"A","host":"h<i>","data":"1.2.3.4"},...]} */
static char *records_json(size_t n)
{
  size_t cap = 64 + n * 64;
  char *j = malloc(cap);
  assert_non_null(j);
  size_t o = (size_t)snprintf(j, cap, "{\"code\":\"409\",\"records\":[");
  for (size_t i = 0; i < n; i++)
    o += (size_t)snprintf(j + o, cap - o, "%s{\"type\":\"A\",\"host\":\"h%zu\",\"data\":\"1.2.3.4\"}",
                          i ? "," : "", i);
  snprintf(j + o, cap - o, "]}");
  return j;
}

static void test_record_limit(void **state)
{
  (void)state;
  dc_conflicts *cf = NULL;
  char *j = records_json(DC_MAX_CONFLICT_RECORDS);
  assert_true(strlen(j) <= DC_MAX_CONFLICT_JSON);
  assert_status(dc_conflicts_parse(NULL, j, strlen(j), &cf), DC_OK);
  assert_int_equal(dc_conflicts_count(cf), DC_MAX_CONFLICT_RECORDS);
  assert_string_equal(dc_conflicts_host(cf, DC_MAX_CONFLICT_RECORDS - 1), "h1023");
  dc_conflicts_free(cf);
  free(j);

  j = records_json(DC_MAX_CONFLICT_RECORDS + 1);
  assert_true(strlen(j) <= DC_MAX_CONFLICT_JSON);
  cf = (dc_conflicts *)1;
  assert_status(dc_conflicts_parse(NULL, j, strlen(j), &cf), DC_E_LIMIT);
  assert_null(cf);
  free(j);
}

static void test_document_limits(void **state)
{
  (void)state;
  dc_conflicts *cf = (dc_conflicts *)1;
  /* byte cap */
  size_t big = DC_MAX_CONFLICT_JSON + 1;
  char *j = malloc(big + 1);
  assert_non_null(j);
  int pre = snprintf(j, big + 1, "{\"message\":\"");
  memset(j + pre, ' ', big - (size_t)pre - 2);
  memcpy(j + big - 2, "\"}", 3);
  assert_status(dc_conflicts_parse(NULL, j, big, &cf), DC_E_LIMIT);
  assert_null(cf);
  free(j);
  /* nesting */
  char deep[128];
  size_t n = (size_t)snprintf(deep, sizeof deep, "{\"x\":");
  for (int i = 0; i < DC_MAX_JSON_DEPTH + 1; i++) deep[n++] = '[';
  for (int i = 0; i < DC_MAX_JSON_DEPTH + 1; i++) deep[n++] = ']';
  deep[n++] = '}';
  deep[n] = '\0';
  assert_status(dc_conflicts_parse(NULL, deep, n, &cf), DC_E_LIMIT);
  assert_null(cf);
}

static void test_args(void **state)
{
  (void)state;
  dc_conflicts *cf = (dc_conflicts *)1;
  assert_status(dc_conflicts_parse(NULL, NULL, 0, &cf), DC_E_INVALID_ARG);
  assert_null(cf);
  assert_status(dc_conflicts_parse(NULL, "{}", 2, NULL), DC_E_INVALID_ARG);
  dc_conflicts_free(NULL);
  assert_null(dc_conflicts_code(NULL));
  assert_null(dc_conflicts_message(NULL));
  assert_int_equal(dc_conflicts_count(NULL), 0);
  assert_null(dc_conflicts_type(NULL, 0));
  assert_null(dc_conflicts_host(NULL, 0));
  assert_null(dc_conflicts_data(NULL, 0));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_spec_example),
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_record_limit),
    cmocka_unit_test(test_document_limits),
    cmocka_unit_test(test_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
