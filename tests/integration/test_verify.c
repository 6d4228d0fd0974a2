/* DNS verification against the harness's Knot server (DC_TEST_DNS; zone
 * tests/integration/zones/verify.test.zone, template
 * tests/data/templates/verify.json): the generic RRset lookup
 * (dci_dns_rrset) for each type, then dc_dns_check_applied: every record
 * present, a different or missing record (DC_E_NOT_VERIFIED naming it),
 * DNS failures, and a record that appears while it retries (added with
 * knotc, DC_TEST_KNOT_CONF, from a child process). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_support.h"

#include "core/internal.h"
#include "dns/resolver.h"

/* Clients: it_knot() (the harness's Knot, 5 s DNS timeout) and
 * it_client_dns(SERVER, TIMEOUT_MS); tests/support/it_support.h. */

/* ---- dci_dns_rrset over Knot */

/* The RRset's data fields, sorted, joined with '|' (static buffer). */
static const char *rrset_text(const dci_rrset *s)
{
  static char buf[2048];
  const char *items[DCI_MAX_RRSET_RRS];
  size_t n = s->n < DCI_MAX_RRSET_RRS ? s->n : DCI_MAX_RRSET_RRS;
  for (size_t i = 0; i < n; i++) items[i] = s->rrs[i].data;
  /* order-independent: sort by data */
  for (size_t i = 1; i < n; i++)
    for (size_t k = i; k > 0 && strcmp(items[k - 1], items[k]) > 0; k--) {
      const char *t = items[k];
      items[k] = items[k - 1];
      items[k - 1] = t;
    }
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    int k = snprintf(buf + o, sizeof buf - o, "%s%s", i ? "|" : "", items[i]);
    if (k < 0 || (size_t)k >= sizeof buf - o) break;
    o += (size_t)k;
  }
  return buf;
}

static void expect_rrset(dc_client *c, const char *name, unsigned qtype, const char *want)
{
  dci_rrset s;
  dci_dns_result r;
  dc_status st = dci_dns_rrset(c, name, qtype, &s, &r);
  if (st != DC_OK) fail_msg("%s/%u: %s (%s)", name, qtype, dc_status_name(st), dc_client_error(c));
  assert_int_equal(r, DCI_DNS_OK);
  const char *got = rrset_text(&s);
  if (strcmp(got, want) != 0) fail_msg("%s/%u: got '%s', want '%s'", name, qtype, got, want);
  dci_rrset_free(&s);
}

static void test_rrset_types(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  expect_rrset(c, "verify.test", 1, "8.8.4.4|8.8.8.8");
  expect_rrset(c, "www.verify.test", 28, "2606:4700:4700::1111");
  expect_rrset(c, "app.verify.test", 5, "apps.verify-svc.test");
  expect_rrset(c, "_verify.verify.test", 16, "other-token|token=abc123");
  expect_rrset(c, "_sip._tls.verify.test", 33, "sip.verify-svc.test|sip2.verify-svc.test");
  expect_rrset(c, "verify.test", 257,
               "0 iodef \"mailto:security@verify-svc.test\"|0 issue \"ca.verify-svc.test\"");
  expect_rrset(c, "verify.test", 2, "ns1.verify.test");
  /* a delegation point: the referral */
  expect_rrset(c, "delegated.verify.test", 2, "ns1.verify-svc.test");
  /* MX: preferences, and a CNAME followed (in zone) */
  dci_rrset s;
  dci_dns_result r;
  assert_status(dci_dns_rrset(c, "mxalias.verify.test", 15, &s, &r), DC_OK);
  assert_int_equal(s.n, 2);
  for (size_t i = 0; i < s.n; i++) {
    if (strcmp(s.rrs[i].data, "mx1.verify-svc.test") == 0) assert_int_equal(s.rrs[i].priority, 10);
    else if (strcmp(s.rrs[i].data, "mx2.verify-svc.test") == 0) assert_int_equal(s.rrs[i].priority, 20);
    else fail_msg("unexpected MX %s", s.rrs[i].data);
  }
  dci_rrset_free(&s);
  /* SRV fields */
  assert_status(dci_dns_rrset(c, "_sip._tls.verify.test.", 33, &s, &r), DC_OK);
  bool seen = false;
  for (size_t i = 0; i < s.n; i++) {
    if (strcmp(s.rrs[i].data, "sip.verify-svc.test") != 0) continue;
    seen = true;
    assert_int_equal(s.rrs[i].priority, 10);
    assert_int_equal(s.rrs[i].weight, 20);
    assert_int_equal(s.rrs[i].port, 5061);
  }
  assert_true(seen);
  dci_rrset_free(&s);
  /* a CNAME question is not followed; another type at the CNAME is */
  assert_status(dci_dns_rrset(c, "mxalias.verify.test", 5, &s, &r), DC_OK);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.rrs[0].data, "verify.test");
  dci_rrset_free(&s);
  /* a CNAME into another zone (cname.test -> provider.test), TXT asked */
  expect_rrset(c, "_domainconnect.cname.test", 16, "api.provider.test");
  /* 33 A records: over DCI_MAX_ADDRS, as for dci_dns_addrs */
  assert_status(dci_dns_rrset(c, "manyaddr.resolver.test", 1, &s, &r), DC_E_LIMIT);
  assert_int_equal(r, DCI_DNS_LIMIT);
  dci_rrset_free(&s);
  dc_client_free(c);
}

static void test_rrset_outcomes(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  dci_rrset s;
  dci_dns_result r;
  assert_status(dci_dns_rrset(c, "nothing.verify.test", 15, &s, &r), DC_E_NO_RECORD);
  assert_int_equal(r, DCI_DNS_NXDOMAIN);
  assert_non_null(strstr(dc_client_error(c), "DNS MX lookup of nothing.verify.test"));
  assert_int_equal(s.n, 0);
  dci_rrset_free(&s);
  assert_status(dci_dns_rrset(c, "www.verify.test", 15, &s, &r), DC_E_NO_RECORD);
  assert_int_equal(r, DCI_DNS_NODATA);
  assert_non_null(strstr(dc_client_error(c), "no MX record"));
  dci_rrset_free(&s);
  assert_status(dci_dns_rrset(c, "www.verify.test", 65280, &s, &r), DC_E_NO_RECORD);
  assert_non_null(strstr(dc_client_error(c), "TYPE65280"));
  dci_rrset_free(&s);
  assert_status(dci_dns_rrset(c, "x.servfail.test", 257, &s, &r), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_SERVFAIL);
  dci_rrset_free(&s);
  dc_client_free(c);
  c = it_client_dns(it_env("DC_TEST_SILENT_DNS"), 300);
  assert_status(dci_dns_rrset(c, "verify.test", 15, &s, &r), DC_E_DNS_TIMEOUT);
  assert_int_equal(r, DCI_DNS_TIMEOUT);
  dci_rrset_free(&s);
  dc_client_free(c);
}

/* ---- dc_dns_check_applied */

static dc_template *load_template(dc_client *c)
{
  dc_template *t = NULL;
  dc_status st = dc_template_load(c, tu_data("templates/verify.json"), &t);
  if (st != DC_OK) fail_msg("template: %s (%s)", dc_status_name(st), dc_client_error(c));
  return t;
}

/* Options for verify.test with the zone's parameters and one group. */
static dc_apply_opts *opts_for(const char *group, const char *host)
{
  dc_apply_opts *o = NULL;
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, "verify.test"), DC_OK);
  if (host) assert_status(dc_apply_opts_set_host(o, host), DC_OK);
  assert_status(dc_apply_opts_set_param(o, "ip", "8.8.8.8"), DC_OK);
  assert_status(dc_apply_opts_set_param(o, "target", "verify-svc.test"), DC_OK);
  assert_status(dc_apply_opts_set_param(o, "token", "abc123"), DC_OK);
  if (group) assert_status(dc_apply_opts_add_group_id(o, group), DC_OK);
  assert_status(dc_apply_opts_add_redirect_record(o, "A", "8.8.8.8", 600), DC_OK);
  return o;
}

static void expect_verify(const char *group, const char *host, int attempts,
                          long interval, dc_status want, const char *const *parts)
{
  dc_client *c = it_knot();
  dc_template *t = load_template(c);
  dc_apply_opts *o = opts_for(group, host);
  dc_status st = dc_dns_check_applied(c, t, o, attempts, interval);
  if (st != want)
    fail_msg("group %s: %s, expected %s (%s)", group ? group : "(all)", dc_status_name(st),
             dc_status_name(want), dc_client_error(c));
  for (size_t i = 0; parts && parts[i]; i++)
    if (strstr(dc_client_error(c), parts[i]) == NULL)
      fail_msg("group %s: detail '%s' lacks '%s'", group ? group : "(all)",
               dc_client_error(c), parts[i]);
  dc_apply_opts_free(o);
  dc_template_free(t);
  dc_client_free(c);
}

static void test_verify_present(void **state)
{
  (void)state;
  /* A, AAAA (another spelling), CNAME, MX, TXT among others, SPF merged
   * with other rules, SRV, CAA, NS at a delegation point */
  expect_verify("main", NULL, 1, 0, DC_OK, NULL);
  /* a host: "@" is the host's name */
  expect_verify("hosted", "h1", 1, 0, DC_OK, NULL);
  /* a redirect: its backing A record is checked, the redirect is not (the
   * detail says so on success) */
  static const char *const redir[] = {"not checked", "REDIR301", NULL};
  expect_verify("redir", NULL, 1, 0, DC_OK, redir);
}

static void test_verify_missing(void **state)
{
  (void)state;
  /* MX with another preference: the record, the name and the data are
   * named, and what DNS has */
  static const char *const mx[] = {"MX", "verify.test", "30", "mx1.verify-svc.test",
                                   "DNS has", "1 attempt", NULL};
  expect_verify("wrongmx", NULL, 1, 0, DC_E_NOT_VERIFIED, mx);
  /* a name that does not exist, after 3 attempts */
  static const char *const txt[] = {"TXT", "_missing.verify.test", "nothing", "NXDOMAIN",
                                    "3 attempts", NULL};
  double t0 = it_now_ms();
  expect_verify("missingtxt", NULL, 3, 100, DC_E_NOT_VERIFIED, txt);
  if (it_now_ms() - t0 < 190) fail_msg("3 attempts 100 ms apart took %.0f ms", it_now_ms() - t0);
  /* everything at once: the first missing one is named */
  static const char *const all[] = {"not in DNS", NULL};
  expect_verify(NULL, NULL, 1, 0, DC_E_NOT_VERIFIED, all);
  /* the host applies: "hosted" without h1 looks at the apex */
  static const char *const apex[] = {"hosted-value", NULL};
  expect_verify("hosted", NULL, 1, 0, DC_E_NOT_VERIFIED, apex);
}

static void test_verify_dns_errors(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  dc_template *t = load_template(c);
  dc_apply_opts *o = NULL;
  /* SERVFAIL is returned as such, not retried into NOT_VERIFIED */
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, "servfail.test"), DC_OK);
  assert_status(dc_apply_opts_add_group_id(o, "hosted"), DC_OK);
  double t0 = it_now_ms();
  assert_status(dc_dns_check_applied(c, t, o, 5, 1000), DC_E_DNS);
  if (it_now_ms() - t0 > 900) fail_msg("SERVFAIL was retried");
  assert_non_null(strstr(dc_client_error(c), "servfail.test"));
  dc_apply_opts_free(o);
  dc_client_free(c);
  /* a server that never answers */
  c = it_client_dns(it_env("DC_TEST_SILENT_DNS"), 300);
  o = opts_for("hosted", "h1");
  assert_status(dc_dns_check_applied(c, t, o, 2, 10), DC_E_DNS_TIMEOUT);
  dc_apply_opts_free(o);
  /* arguments */
  o = opts_for("main", NULL);
  assert_status(dc_dns_check_applied(c, t, o, 0, 10), DC_E_INVALID_ARG);
  assert_status(dc_dns_check_applied(c, t, o, 1001, 10), DC_E_INVALID_ARG);
  assert_status(dc_dns_check_applied(c, t, o, 1, -1), DC_E_INVALID_ARG);
  assert_status(dc_dns_check_applied(c, t, o, 1, 600001), DC_E_INVALID_ARG);
  assert_status(dc_dns_check_applied(c, NULL, o, 1, 0), DC_E_INVALID_ARG);
  assert_status(dc_dns_check_applied(c, t, NULL, 1, 0), DC_E_INVALID_ARG);
  assert_status(dc_dns_check_applied(NULL, t, o, 1, 0), DC_E_INVALID_ARG);
  dc_apply_opts_free(o);
  /* the template's own errors come back unchanged (no variable) */
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, "verify.test"), DC_OK);
  assert_status(dc_apply_opts_add_group_id(o, "main"), DC_OK);
  assert_status(dc_dns_check_applied(c, t, o, 1, 0), DC_E_MISSING_VARIABLE);
  dc_apply_opts_free(o);
  dc_template_free(t);
  dc_client_free(c);
}

/* Adds late.verify.test TXT "added-later" with knotc after `delay_ms`, in a
 * child process; returns its pid. */
static pid_t add_record_later(long delay_ms)
{
  const char *conf = it_env("DC_TEST_KNOT_CONF");
  char script[1024];
  snprintf(script, sizeof script,
           "knotc -c '%s' zone-begin verify.test >/dev/null && "
           "knotc -c '%s' zone-set verify.test late 60 TXT added-later >/dev/null && "
           "knotc -c '%s' zone-commit verify.test >/dev/null",
           conf, conf, conf);
  pid_t pid = fork();
  if (pid < 0) fail_msg("fork failed");
  if (pid == 0) {
    struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    execl("/bin/sh", "sh", "-c", script, (char *)NULL);
    _exit(127);
  }
  return pid;
}

static void test_verify_retry(void **state)
{
  (void)state;
  static const char *const absent[] = {"late.verify.test", "added-later", NULL};
  expect_verify("late", NULL, 1, 0, DC_E_NOT_VERIFIED, absent);
  double t0 = it_now_ms();
  pid_t pid = add_record_later(300);
  /* 200 ms between tries: absent on the first ones, present later */
  dc_client *c = it_knot();
  dc_template *t = load_template(c);
  dc_apply_opts *o = opts_for("late", NULL);
  dc_status st = dc_dns_check_applied(c, t, o, 25, 200);
  double took = it_now_ms() - t0;
  int wst = 0;
  assert_int_equal(waitpid(pid, &wst, 0), pid);
  if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0) fail_msg("knotc failed (status %d)", wst);
  if (st != DC_OK) fail_msg("retry: %s (%s)", dc_status_name(st), dc_client_error(c));
  if (took < 250) fail_msg("verified after %.0f ms: before the record was added?", took);
  /* now at once */
  assert_status(dc_dns_check_applied(c, t, o, 1, 0), DC_OK);
  dc_apply_opts_free(o);
  dc_template_free(t);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rrset_types),
    cmocka_unit_test(test_rrset_outcomes),
    cmocka_unit_test(test_verify_present),
    cmocka_unit_test(test_verify_missing),
    cmocka_unit_test(test_verify_dns_errors),
    cmocka_unit_test(test_verify_retry),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
