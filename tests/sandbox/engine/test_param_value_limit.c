/* One variable-length limit for the sandbox and the engine (issue 11
 * point 7): DC_MAX_PARAM_VALUE_LEN is public, a value of that length is
 * taken and applied, one byte more is DC_E_LIMIT from the setter and is not
 * stored (the template then reports the variable as missing, never a cut or
 * silently different value), and a refused value leaves an earlier value of
 * the same name in place. The sandbox side (a 400 naming the parameter) is
 * tests/sandbox/sandbox_compat.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <domainconnect/dc.h>

static const char k_template[] =
    "{\"providerId\":\"p.test\",\"providerName\":\"P\",\"serviceId\":\"s\",\"serviceName\":\"S\","
    "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"v=%token%\",\"ttl\":600}]}";

static char *value_of(size_t n)
{
  char *v = malloc(n + 1);
  assert_non_null(v);
  memset(v, 'x', n);
  v[n] = '\0';
  return v;
}

/* Applies k_template with `o` to an empty zone: the status, and the TXT
 * data length in *len when it applied. */
static dc_status apply(dc_apply_opts *o, size_t *len)
{
  dc_client *c = NULL;
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_result *r = NULL;
  assert_int_equal(dc_client_new(&c), DC_OK);
  assert_int_equal(dc_template_parse(c, k_template, strlen(k_template), &t), DC_OK);
  assert_int_equal(dc_zone_new(&z), DC_OK);
  dc_status st = dc_template_apply(c, t, z, o, &r);
  if (st == DC_OK) {
    const dc_zone *added = dc_apply_result_added(r);
    assert_int_equal(dc_zone_count(added), 1);
    *len = strlen(dc_zone_data(added, 0));
  }
  dc_apply_result_free(r);
  dc_zone_free(z);
  dc_template_free(t);
  dc_client_free(c);
  return st;
}

static void test_constant(void **state)
{
  (void)state;
  assert_int_equal(DC_MAX_PARAM_VALUE_LEN, 4096);
}

static void test_at_the_limit(void **state)
{
  (void)state;
  dc_apply_opts *o = NULL;
  char *v = value_of(DC_MAX_PARAM_VALUE_LEN);
  size_t len = 0;
  assert_int_equal(dc_apply_opts_new(&o), DC_OK);
  assert_int_equal(dc_apply_opts_set_domain(o, "example.test"), DC_OK);
  assert_int_equal(dc_apply_opts_set_param(o, "token", v), DC_OK);
  assert_int_equal(apply(o, &len), DC_OK);
  assert_int_equal(len, strlen("v=") + DC_MAX_PARAM_VALUE_LEN);
  free(v);
  dc_apply_opts_free(o);
}

static void test_over_the_limit(void **state)
{
  (void)state;
  dc_apply_opts *o = NULL;
  char *v = value_of(DC_MAX_PARAM_VALUE_LEN + 1);
  size_t len = 0;
  assert_int_equal(dc_apply_opts_new(&o), DC_OK);
  assert_int_equal(dc_apply_opts_set_domain(o, "example.test"), DC_OK);
  assert_int_equal(dc_apply_opts_set_param(o, "token", v), DC_E_LIMIT);
  /* not stored: the variable has no value */
  assert_int_equal(apply(o, &len), DC_E_MISSING_VARIABLE);
  /* an earlier value stays when a longer one is refused */
  assert_int_equal(dc_apply_opts_set_param(o, "token", "short"), DC_OK);
  assert_int_equal(dc_apply_opts_set_param(o, "token", v), DC_E_LIMIT);
  assert_int_equal(apply(o, &len), DC_OK);
  assert_int_equal(len, strlen("v=short"));
  free(v);
  dc_apply_opts_free(o);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_constant),
      cmocka_unit_test(test_at_the_limit),
      cmocka_unit_test(test_over_the_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
