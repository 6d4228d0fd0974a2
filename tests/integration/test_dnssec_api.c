/* DNSSEC-validated discovery through the API (docs/security.md §8), against
 * the lab of tests/integration/dnssec/lab.py (a private signed root with
 * secure, insecure and bogus zones) and the HTTPS test provider on
 * 127.0.0.2 (test_dnssec_api.harness). Run by harness.py, the program re-runs
 * itself under lab.py. The CLI suite (cli_dnssec.sh) covers every zone x
 * policy; this one covers what only the API shows: the states of a failed
 * dc_discover, a batch driven by the caller's own poll() loop (libunbound's
 * one descriptor among the batch's), and freeing a batch whose validating
 * lookups are in flight. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it_support.h"
#include "domainconnect/batch.h"
#include "domainconnect/net.h"

static dc_client *lab_client(dc_dnssec_policy p, bool allow)
{
  dc_client *c = it_client_tls(it_env("DC_LAB_DNS"), allow ? IT_ALLOW_API : IT_ALLOW_NONE);
  assert_non_null(c);
  assert_int_equal(dc_client_set_dnssec(c, p), DC_OK);
  assert_int_equal(dc_client_add_trust_anchor_file(c, it_env("DC_LAB_ANCHOR")), DC_OK);
  return c;
}

static void expect_last(dc_client *c, dc_dnssec_state a, dc_dnssec_state t, dc_dnssec_state h)
{
  dc_dnssec_state ga, gt, gh;
  dc_client_dnssec_last(c, &ga, &gt, &gh);
  assert_int_equal(ga, a);
  assert_int_equal(gt, t);
  assert_int_equal(gh, h);
}

static void test_discover_states(void **state)
{
  (void)state;
  dc_client *c = lab_client(DC_DNSSEC_VALIDATE, true);
  dc_settings *s = NULL;
  assert_int_equal(dc_discover(c, "good.example", &s), DC_OK);
  assert_int_equal(dc_settings_dnssec(s), DC_DNSSEC_SECURE);
  assert_int_equal(dc_settings_dnssec_txt(s), DC_DNSSEC_SECURE);
  assert_int_equal(dc_settings_dnssec_host(s), DC_DNSSEC_SECURE);
  assert_null(dc_settings_dnssec_why(s));
  expect_last(c, DC_DNSSEC_SECURE, DC_DNSSEC_SECURE, DC_DNSSEC_SECURE);
  dc_settings_free(s);
  /* refused: no settings, the states on the client; the host never asked */
  assert_int_equal(dc_discover(c, "tampered.example", &s), DC_E_DNSSEC_BOGUS);
  assert_null(s);
  assert_non_null(strstr(dc_client_error(c), "ECDSA signature verification failed"));
  expect_last(c, DC_DNSSEC_BOGUS, DC_DNSSEC_BOGUS, DC_DNSSEC_UNCHECKED);
  /* the next call starts from unchecked again */
  assert_int_equal(dc_discover(c, "unsigned.example", &s), DC_OK);
  expect_last(c, DC_DNSSEC_INSECURE, DC_DNSSEC_INSECURE, DC_DNSSEC_SECURE);
  dc_settings_free(s);
  dc_client_free(c);
  /* report: the bogus reason travels with the settings */
  c = lab_client(DC_DNSSEC_REPORT, true);
  assert_int_equal(dc_discover(c, "expired.example", &s), DC_OK);
  assert_int_equal(dc_settings_dnssec(s), DC_DNSSEC_BOGUS);
  assert_non_null(dc_settings_dnssec_why(s));
  assert_non_null(strstr(dc_settings_dnssec_why(s), "signature expired"));
  dc_settings_free(s);
  dc_client_free(c);
}

/* An anchor that covers only example.'s sibling: every answer is without a
 * verdict (indeterminate), which require refuses and validate accepts. */
static void test_indeterminate(void **state)
{
  (void)state;
  dc_client *c = it_client_tls(it_env("DC_LAB_DNS"), IT_ALLOW_API);
  assert_non_null(c);
  assert_int_equal(dc_client_set_dnssec(c, DC_DNSSEC_VALIDATE), DC_OK);
  assert_int_equal(dc_client_add_trust_anchor(c, "org. DS 1 13 2 aabbccdd"), DC_OK);
  dc_settings *s = NULL;
  assert_int_equal(dc_discover(c, "good.example", &s), DC_OK);
  assert_int_equal(dc_settings_dnssec(s), DC_DNSSEC_INDETERMINATE);
  dc_settings_free(s);
  assert_int_equal(dc_client_set_dnssec(c, DC_DNSSEC_REQUIRE), DC_OK);
  assert_int_equal(dc_discover(c, "good.example", &s), DC_E_DNSSEC_INSECURE);
  assert_non_null(strstr(dc_client_error(c), "is indeterminate"));
  dc_client_free(c);
}

/* RFC 5011: the state file starts as the lab's anchor file; libunbound
 * validates with it and rewrites it in its own format. */
static void test_autr(void **state)
{
  (void)state;
  char path[512], cmd[1200];
  snprintf(path, sizeof path, "%s/root.autr", it_env("DC_LAB_DIR"));
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", it_env("DC_LAB_ANCHOR"), path);
  assert_int_equal(system(cmd), 0);
  dc_client *c = it_client_tls(it_env("DC_LAB_DNS"), IT_ALLOW_API);
  assert_non_null(c);
  assert_int_equal(dc_client_set_dnssec(c, DC_DNSSEC_REQUIRE), DC_OK);
  assert_int_equal(dc_client_set_trust_anchor_autr(c, "/nonexistent/root.autr"), DC_E_IO);
  assert_int_equal(dc_client_set_trust_anchor_autr(c, path), DC_OK);
  dc_settings *s = NULL;
  assert_int_equal(dc_discover(c, "good.example", &s), DC_OK);
  assert_int_equal(dc_settings_dnssec(s), DC_DNSSEC_SECURE);
  dc_settings_free(s);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  assert_non_null(strstr(buf, ";;id: . 1")); /* libunbound's autotrust state */
  /* and it is still an anchor file for the next resolver */
  assert_int_equal(dc_client_set_trust_anchor_autr(c, path), DC_OK);
  assert_int_equal(dc_discover(c, "unsigned.example", &s), DC_E_DNSSEC_INSECURE);
  dc_client_free(c);
}

struct results {
  dc_batch *b;
  int n;
  char line[16][160];
};

static void on_result(void *arg, const char *input, dc_status st, const dc_settings *s,
                      const char *detail)
{
  (void)s;
  (void)detail;
  struct results *r = arg;
  dc_dnssec_state a, t, h;
  dc_batch_result_dnssec(r->b, &a, &t, &h);
  if (r->n < 16)
    snprintf(r->line[r->n], sizeof r->line[0], "%s %s %s/%s/%s", input, dc_status_name(st),
             dc_dnssec_state_name(a), dc_dnssec_state_name(t), dc_dnssec_state_name(h));
  r->n++;
}

static bool has_line(const struct results *r, const char *want)
{
  for (int i = 0; i < r->n && i < 16; i++)
    if (strcmp(r->line[i], want) == 0) return true;
  return false;
}

static void test_batch_own_loop(void **state)
{
  (void)state;
  dc_client *c = lab_client(DC_DNSSEC_VALIDATE, true);
  struct results r;
  memset(&r, 0, sizeof r);
  assert_int_equal(dc_batch_new(c, 4, on_result, &r, &r.b), DC_OK);
  static const char *const in[] = {"good.example", "unsigned.example", "wrongds.example",
                                   "nosig.example", "stripped.example"};
  for (size_t i = 0; i < 5; i++) assert_int_equal(dc_batch_add(r.b, in[i]), DC_OK);
  struct pollfd fds[64];
  int rounds = 0;
  size_t most = 0;
  while (dc_batch_pending(r.b) > 0 && rounds++ < 10000) {
    size_t n = dc_batch_fds(r.b, fds, 64);
    assert_true(n <= 64);
    if (n > most) most = n;
    long t = dc_batch_timeout_ms(r.b);
    (void)poll(fds, (nfds_t)n, t < 0 || t > 1000 ? 1000 : (int)t);
    assert_int_equal(dc_batch_process(r.b, fds, n), DC_OK);
  }
  assert_true(most >= 1); /* libunbound's descriptor was in the set */
  assert_int_equal(r.n, 5);
  assert_true(has_line(&r, "good.example ok secure/secure/secure"));
  assert_true(has_line(&r, "unsigned.example ok insecure/insecure/secure"));
  assert_true(has_line(&r, "wrongds.example dnssec_bogus bogus/bogus/unchecked"));
  assert_true(has_line(&r, "nosig.example dnssec_bogus bogus/bogus/unchecked"));
  assert_true(has_line(&r, "stripped.example dnssec_bogus bogus/bogus/unchecked"));
  dc_dnssec_state a = DC_DNSSEC_SECURE;
  dc_batch_result_dnssec(r.b, &a, NULL, NULL); /* outside a callback */
  assert_int_equal(a, DC_DNSSEC_UNCHECKED);
  dc_batch_free(r.b);
  dc_client_free(c);
}

/* Lookups in flight at a silent server when the batch is freed: no result
 * is delivered, nothing leaks (valgrind twin), the free does not wait for
 * libunbound's own give-up. */
static void test_batch_free_in_flight(void **state)
{
  (void)state;
  dc_client *c = it_client_dns(it_env("DC_TEST_SILENT_DNS"), 0);
  assert_non_null(c);
  assert_int_equal(dc_client_set_dnssec(c, DC_DNSSEC_VALIDATE), DC_OK);
  assert_int_equal(dc_client_add_trust_anchor_file(c, it_env("DC_LAB_ANCHOR")), DC_OK);
  struct results r;
  memset(&r, 0, sizeof r);
  assert_int_equal(dc_batch_new(c, 4, on_result, &r, &r.b), DC_OK);
  assert_int_equal(dc_batch_add(r.b, "good.example"), DC_OK);
  assert_int_equal(dc_batch_add(r.b, "unsigned.example"), DC_OK);
  assert_int_equal(dc_batch_process(r.b, NULL, 0), DC_OK);
  assert_int_equal(dc_batch_pending(r.b), 2);
  double t0 = it_now_ms();
  dc_batch_free(r.b);
  assert_true(it_now_ms() - t0 < 1000.0);
  assert_int_equal(r.n, 0);
  dc_client_free(c);
}

int main(int argc, char **argv)
{
  (void)argc;
  if (getenv("DC_LAB_DNS") == NULL) {
    /* under harness.py: build the lab and run again inside it (under
     * valgrind again when this run is: the valgrind_only twin) */
    const char *lab = DC_TEST_DATA_DIR "/../integration/dnssec/lab.py";
    const char *pre = getenv("LD_PRELOAD");
    if (pre != NULL && strstr(pre, "vgpreload") != NULL)
      execl("/usr/bin/python3", "python3", lab, "--", "valgrind", "-q", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", argv[0],
            (char *)NULL);
    else
      execl("/usr/bin/python3", "python3", lab, "--", argv[0], (char *)NULL);
    perror("test_dnssec_api: python3");
    return 1;
  }
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_discover_states),
    cmocka_unit_test(test_indeterminate),
    cmocka_unit_test(test_autr),
    cmocka_unit_test(test_batch_own_loop),
    cmocka_unit_test(test_batch_free_in_flight),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
