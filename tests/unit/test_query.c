/* dci_query_encode / dci_query_append_sig: the two encoding profiles. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "proto/query.h"

static char *encode(const struct dci_pair *p, size_t n, dc_profile prof)
{
  dci_buf b;
  dci_buf_init(&b, DC_MAX_QUERY_LEN);
  assert_status(dci_query_encode(p, n, prof, &b), DC_OK);
  return dci_buf_take(&b);
}

static void expect_query(const struct dci_pair *p, size_t n, dc_profile prof,
                         const char *want)
{
  char *got = encode(p, n, prof);
  if (strcmp(got, want) != 0)
    fail_msg("profile %d\n got: %s\nwant: %s", (int)prof, got, want);
  free(got);
}

static void test_empty(void **state)
{
  (void)state;
  dci_buf b;
  dci_buf_init(&b, 100);
  assert_status(dci_query_encode(NULL, 0, DC_PROFILE_DEFAULT, &b), DC_OK);
  assert_int_equal(b.len, 0);
  assert_status(dci_query_encode(NULL, 0, DC_PROFILE_PYTHON, &b), DC_OK);
  assert_int_equal(b.len, 0);
  dci_buf_free(&b);
}

/* Sorting: the default profile orders by the encoded name, the python
 * profile by the raw name (code points = UTF-8 bytes). The two differ for
 * "x:" / "x0" (':' > '0' raw, but "%3A" < "0") and for non-ASCII names.
 * Expected strings computed with Python's urllib.parse (urlencode over
 * sorted items; quote(safe='') for RFC 3986). */
static void test_sort_orders(void **state)
{
  (void)state;
  const struct dci_pair p[] = {
    {"z", "1"}, {"\xc3\xa9", "2"}, {"A", "3"}, {"\xf0\x9f\x98\x80", "4"},
    {"\xef\xbf\xbd", "5"}, {"x:", "6"}, {"x0", "7"}, {"a b", "c d"},
  };
  expect_query(p, 8, DC_PROFILE_PYTHON,
               "A=3&a+b=c+d&x0=7&x%3A=6&z=1&%C3%A9=2&%EF%BF%BD=5&%F0%9F%98%80=4");
  expect_query(p, 8, DC_PROFILE_DEFAULT,
               "%C3%A9=2&%EF%BF%BD=5&%F0%9F%98%80=4&A=3&a%20b=c%20d&x%3A=6&x0=7&z=1");
}

/* Equal names keep their input order (stable), and value encoding of the
 * special characters. */
static void test_values_and_stability(void **state)
{
  (void)state;
  const struct dci_pair p[] = {
    {"v", "a b"}, {"v", "/p/x"}, {"v", "~t"}, {"v", "*s*"},
    {"v", "1+1=2"}, {"v", "a&b"}, {"v", "100%"}, {"v", "zo\xc3\xab \xe2\x98\x83"},
  };
  expect_query(p, 8, DC_PROFILE_PYTHON,
               "v=a+b&v=%2Fp%2Fx&v=~t&v=%2As%2A&v=1%2B1%3D2&v=a%26b&v=100%25"
               "&v=zo%C3%AB+%E2%98%83");
  expect_query(p, 8, DC_PROFILE_DEFAULT,
               "v=a%20b&v=%2Fp%2Fx&v=~t&v=%2As%2A&v=1%2B1%3D2&v=a%26b&v=100%25"
               "&v=zo%C3%AB%20%E2%98%83");
  /* reversed input: reversed output for equal names */
  const struct dci_pair r[] = {{"k", "2"}, {"b", "x"}, {"k", "1"}, {"a", ""}};
  expect_query(r, 4, DC_PROFILE_DEFAULT, "a=&b=x&k=2&k=1");
  expect_query(r, 4, DC_PROFILE_PYTHON, "a=&b=x&k=2&k=1");
}

/* Every byte value: unreserved kept, the rest upper-case %XX. */
static void test_all_bytes(void **state)
{
  (void)state;
  char val[256];
  for (int i = 1; i < 256; i++) val[i - 1] = (char)i;
  val[255] = '\0';
  const struct dci_pair p[] = {{"b", val}};
  char *def = encode(p, 1, DC_PROFILE_DEFAULT);
  char *py = encode(p, 1, DC_PROFILE_PYTHON);
  /* 66 unreserved bytes stay, 189 others become 3 bytes: "b=" + 66 + 567 */
  assert_int_equal(strlen(def), 2 + 66 + 189 * 3);
  assert_int_equal(strlen(py), 2 + 66 + 188 * 3 + 1);
  tu_expect_has(def, TU_PARTS("%1F%20%21", "-.%2F0123456789%3A", "XYZ%5B%5C%5D%5E_%60abc",
                              "xyz%7B%7C%7D~%7F%80", "%FE%FF"));
  tu_expect_has(py, TU_PARTS("%1F+%21"));
  for (const char *q = def; *q; q++) assert_true(*q > 0x20 && *q < 0x7f);
  free(def);
  free(py);
}

static void test_args_and_limits(void **state)
{
  (void)state;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_QUERY_LEN);
  const struct dci_pair ok[] = {{"a", "1"}};
  const struct dci_pair bad_name[] = {{NULL, "1"}};
  const struct dci_pair bad_val[] = {{"a", NULL}};
  assert_status(dci_query_encode(ok, 1, DC_PROFILE_DEFAULT, NULL), DC_E_INVALID_ARG);
  assert_status(dci_query_encode(NULL, 1, DC_PROFILE_DEFAULT, &b), DC_E_INVALID_ARG);
  assert_status(dci_query_encode(bad_name, 1, DC_PROFILE_DEFAULT, &b), DC_E_INVALID_ARG);
  assert_status(dci_query_encode(bad_val, 1, DC_PROFILE_PYTHON, &b), DC_E_INVALID_ARG);
  assert_status(dci_query_encode(ok, 1, (dc_profile)7, &b), DC_E_INVALID_ARG);

  /* DC_MAX_PARAMS pairs fit, one more does not */
  struct dci_pair *many = calloc(DC_MAX_PARAMS + 1, sizeof *many);
  assert_non_null(many);
  for (size_t i = 0; i <= DC_MAX_PARAMS; i++) many[i] = (struct dci_pair){"n", "v"};
  assert_status(dci_query_encode(many, DC_MAX_PARAMS, DC_PROFILE_DEFAULT, &b), DC_OK);
  assert_int_equal(b.len, DC_MAX_PARAMS * 4 - 1);
  dci_buf_free(&b);
  dci_buf_init(&b, DC_MAX_QUERY_LEN);
  assert_status(dci_query_encode(many, DC_MAX_PARAMS + 1, DC_PROFILE_DEFAULT, &b),
                DC_E_LIMIT);
  free(many);

  /* bytes: a value that encodes to more than DC_MAX_QUERY_LEN */
  size_t vlen = DC_MAX_QUERY_LEN / 3 + 1;
  char *big = malloc(vlen + 1);
  assert_non_null(big);
  memset(big, '/', vlen);
  big[vlen] = '\0';
  const struct dci_pair bp[] = {{"x", big}};
  assert_status(dci_buf_append_str(&b, "keep"), DC_OK);
  assert_status(dci_query_encode(bp, 1, DC_PROFILE_PYTHON, &b), DC_E_LIMIT);
  assert_string_equal(b.data, "keep"); /* untouched on failure */
  /* the caller's ceiling counts as well */
  dci_buf small;
  dci_buf_init(&small, 5);
  assert_status(dci_query_encode(ok, 1, DC_PROFILE_DEFAULT, &small), DC_OK);
  assert_status(dci_buf_append_str(&small, "&"), DC_OK);
  assert_status(dci_query_encode(ok, 1, DC_PROFILE_DEFAULT, &small), DC_E_LIMIT);
  assert_string_equal(small.data, "a=1&");
  dci_buf_free(&small);
  free(big);
  dci_buf_free(&b);
}

static void test_append_sig(void **state)
{
  (void)state;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_QUERY_LEN);
  assert_status(dci_buf_append_str(&b, "a=1"), DC_OK);
  assert_status(dci_query_append_sig(&b, DC_PROFILE_DEFAULT, "ab+/c=", "_dck1"), DC_OK);
  assert_string_equal(b.data, "a=1&key=_dck1&sig=ab%2B%2Fc%3D");
  dci_buf_free(&b);

  dci_buf_init(&b, DC_MAX_QUERY_LEN);
  assert_status(dci_buf_append_str(&b, "a=1"), DC_OK);
  assert_status(dci_query_append_sig(&b, DC_PROFILE_PYTHON, "ab+/c=", "_dck1"), DC_OK);
  assert_string_equal(b.data, "a=1&sig=ab%2B%2Fc%3D&key=_dck1");
  assert_status(dci_query_append_sig(&b, (dc_profile)3, "x", "k"), DC_E_INVALID_ARG);
  assert_status(dci_query_append_sig(&b, DC_PROFILE_PYTHON, NULL, "k"), DC_E_INVALID_ARG);
  assert_status(dci_query_append_sig(NULL, DC_PROFILE_PYTHON, "x", "k"), DC_E_INVALID_ARG);
  assert_string_equal(b.data, "a=1&sig=ab%2B%2Fc%3D&key=_dck1");
  dci_buf_free(&b);

  /* the python profile's suffix equals the reference vector's sigparams */
  dci_buf_init(&b, DC_MAX_QUERY_LEN);
  const char *sig =
    "pDgKCqDX+YafD8fqchYjayZt6bgf5ncz/JlYVGV0SbZrcUPb5tgMyqpn4g+lY/igpgKYFhkXGcA"
    "eNOrQ0aiTu31bLo7ODkK2fWsdz4G+pSa5Lkb7NhwS07o6cpQMcvO8aihA7pU5+IbPd3Im1ncUN"
    "ol3zfjeyAl+aBkfcXOAl2xnWY8NobMzaI0jqVwPnWperRj5VGfX6vu5mPviDFzcS0RvruRAHv0"
    "8X8zDp+BvCnpk4L1cWn49/ZceS8Hifo7/kVd4j+dFGvze7H4cGZ2Kx6ZrSShW3a7AwvV6cVGxq"
    "n/dQlpYYsHBHlv9Zbhe2pKuqpAhB/xDN2G/jQaDqmcWGw==";
  assert_status(dci_query_append_sig(&b, DC_PROFILE_PYTHON, sig, "_dck1"), DC_OK);
  json_error_t jerr;
  json_t *doc = json_load_file(tu_data("vectors/signature_vectors.json"),
                               0, &jerr);
  if (doc == NULL) fail_msg("signature_vectors.json: %s", jerr.text);
  const char *want = NULL;
  for (size_t i = 0; i < json_array_size(doc); i++) {
    json_t *v = json_array_get(doc, i);
    if (strcmp(json_string_value(json_object_get(v, "id")), "py_generate_sig_params") == 0)
      want = json_string_value(json_object_get(v, "expected_sigparams"));
  }
  assert_non_null(want);
  assert_string_equal(b.data, want);
  json_decref(doc);
  dci_buf_free(&b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_empty),
    cmocka_unit_test(test_sort_orders),
    cmocka_unit_test(test_values_and_stability),
    cmocka_unit_test(test_all_bytes),
    cmocka_unit_test(test_args_and_limits),
    cmocka_unit_test(test_append_sig),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
