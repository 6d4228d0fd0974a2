/* DNSSEC without a network (docs/security.md §8): the trust anchor parser,
 * the anchor setters, coverage (indeterminate vs insecure), the weakest
 * state, the policy table applied to lookup outcomes, and the accessors'
 * defaults. The lab runs are tests/integration/cli_dnssec.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "core/anchors.h"
#include "discovery/discover_steps.h"
#include "dns/validate.h"
#include "domainconnect/batch.h"
#include "domainconnect/net.h"

#define ROOT_DS ". DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"

static void parse_one(const char *line, dc_status want, const char *want_rr,
                      const char *want_owner, const char *want_why)
{
  char rr[DC_MAX_TRUST_ANCHOR_LINE + 1], owner[DC_MAX_NAME_LEN + 1];
  bool empty = true;
  const char *why = NULL;
  dc_status st = dci_ta_parse_line(line, strlen(line), rr, owner, &empty, &why);
  if (st != want) fail_msg("'%s': status %d, expected %d (%s)", line, st, want, why);
  if (want == DC_OK && want_rr != NULL) {
    assert_false(empty);
    assert_string_equal(rr, want_rr);
    assert_string_equal(owner, want_owner);
  }
  if (want_why != NULL) assert_non_null(strstr(why, want_why));
}

static void test_parse_lines(void **state)
{
  (void)state;
  parse_one(ROOT_DS, DC_OK,
            ". DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
            "", NULL);
  parse_one("Example.COM. 3600 IN DS 370 13 2 BE74 3599 ; split digest", DC_OK,
            "example.com. DS 370 13 2 BE743599", "example.com", NULL);
  parse_one("test IN 300 dnskey 257 3 13 dXnV IFU7==", DC_OK,
            "test. DNSKEY 257 3 13 dXnVIFU7==", "test", NULL);
  parse_one(". DS 1 13 2 abc", DC_E_INVALID_ARG, NULL, NULL, "hexadecimal");
  parse_one(". DNSKEY 257 2 13 AAAA", DC_E_INVALID_ARG, NULL, NULL, "protocol");
  parse_one(". DNSKEY ( 257 3 13", DC_E_INVALID_ARG, NULL, NULL, "parentheses");
  parse_one(". CH DS 1 13 2 aa", DC_E_INVALID_ARG, NULL, NULL, "class IN only");
  parse_one("a..b. DS 1 13 2 aa", DC_E_INVALID_ARG, NULL, NULL, "owner");
  parse_one(". DS 65536 13 2 aa", DC_E_INVALID_ARG, NULL, NULL, "out of range");
  parse_one(". DS 1 13 2", DC_E_INVALID_ARG, NULL, NULL, "needs");
  parse_one(". TXT \"x\"", DC_E_INVALID_ARG, NULL, NULL, "quotes");
  char rr[DC_MAX_TRUST_ANCHOR_LINE + 1], owner[DC_MAX_NAME_LEN + 1];
  bool empty = false;
  const char *why = NULL;
  assert_int_equal(dci_ta_parse_line("  ; only a comment", 18, rr, owner, &empty, &why), DC_OK);
  assert_true(empty);
}

static void test_parse_text(void **state)
{
  (void)state;
  struct dci_ta_list l = {0};
  size_t line_no = 9;
  const char *why = NULL;
  const char *text = "; root\n" ROOT_DS "\n\nexample. DS 1 13 2 aabb\n";
  assert_int_equal(dci_ta_parse_text(text, strlen(text), &l, &line_no, &why), DC_OK);
  assert_int_equal(l.n, 2);
  assert_int_equal(line_no, 0);
  /* a bad line adds nothing and names its number */
  const char *bad = ROOT_DS "\n. DS 1 13 2 zz\n";
  assert_int_equal(dci_ta_parse_text(bad, strlen(bad), &l, &line_no, &why), DC_E_INVALID_ARG);
  assert_int_equal(line_no, 2);
  assert_int_equal(l.n, 2);
  assert_int_equal(dci_ta_parse_text("; x\n", 4, &l, &line_no, &why), DC_E_INVALID_ARG);
  assert_int_equal(line_no, 0);
  assert_string_equal(why, "no DS or DNSKEY record");
  /* coverage: the owners and their descendants only */
  assert_true(dci_ta_covers(&l, "example"));
  assert_true(dci_ta_covers(&l, "a.b.example."));
  dci_ta_list_free(&l);
  text = "example. DS 1 13 2 aabb\n";
  assert_int_equal(dci_ta_parse_text(text, strlen(text), &l, &line_no, &why), DC_OK);
  assert_true(dci_ta_covers(&l, "www.EXAMPLE"));
  assert_false(dci_ta_covers(&l, "notexample"));
  assert_false(dci_ta_covers(&l, "example.org"));
  dci_ta_list_free(&l);
}

static void test_limits(void **state)
{
  (void)state;
  struct dci_ta_list l = {0};
  size_t line_no = 0;
  const char *why = NULL;
  char *text = malloc((DC_MAX_TRUST_ANCHORS + 1) * 32);
  assert_non_null(text);
  text[0] = '\0';
  for (int i = 0; i <= DC_MAX_TRUST_ANCHORS; i++) strcat(text, ". DS 1 13 2 aabb\n");
  assert_int_equal(dci_ta_parse_text(text, strlen(text), &l, &line_no, &why), DC_E_LIMIT);
  assert_int_equal(l.n, 0);
  assert_int_equal(line_no, DC_MAX_TRUST_ANCHORS + 1);
  free(text);
  char *line = malloc(DC_MAX_TRUST_ANCHOR_LINE + 16);
  assert_non_null(line);
  memset(line, 'a', DC_MAX_TRUST_ANCHOR_LINE + 8);
  memcpy(line, ". DS 1 13 2 ", 12);
  line[DC_MAX_TRUST_ANCHOR_LINE + 8] = '\0';
  assert_int_equal(dci_ta_parse_text(line, strlen(line), &l, &line_no, &why), DC_E_LIMIT);
  free(line);
}

static void test_setters(void **state)
{
  (void)state;
  dc_client *c = NULL;
  assert_int_equal(dc_client_new(&c), DC_OK);
  assert_int_equal(dc_client_set_dnssec(c, (dc_dnssec_policy)4), DC_E_INVALID_ARG);
  assert_int_equal(dc_client_set_dnssec(c, (dc_dnssec_policy)-1), DC_E_INVALID_ARG);
  /* DC_OK with libunbound; the build-without status otherwise */
  dc_status st = dc_client_set_dnssec(c, DC_DNSSEC_REQUIRE);
  assert_true(st == DC_OK || st == DC_E_DNSSEC_UNAVAILABLE);
  if (st == DC_OK) assert_int_equal(c->cfg->dnssec_policy, DC_DNSSEC_REQUIRE);
  else assert_non_null(strstr(dc_client_error(c), "without libunbound"));
  assert_int_equal(dc_client_set_dnssec(c, DC_DNSSEC_OFF), DC_OK);
  assert_int_equal(dc_client_add_trust_anchor(c, NULL), DC_E_INVALID_ARG);
  assert_int_equal(dc_client_add_trust_anchor(c, ". DS 1 13 2 a"), DC_E_INVALID_ARG);
  assert_non_null(strstr(dc_client_error(c), "trust anchor: DS digest"));
  assert_int_equal(dc_client_add_trust_anchor(c, ROOT_DS "\n" ROOT_DS), DC_E_INVALID_ARG);
  assert_int_equal(dc_client_add_trust_anchor(c, ROOT_DS), DC_OK);
  assert_int_equal(dc_client_add_trust_anchor_file(c, "/nonexistent/root.key"), DC_E_IO);
  assert_non_null(strstr(dc_client_error(c), "trust anchor file /nonexistent/root.key"));
  assert_int_equal(dc_client_add_trust_anchor_file(c, "/dev/zero"), DC_E_IO);
  char path[] = "/tmp/dc-ta-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *bad = "; x\n" ROOT_DS "\n. DNSKEY 257 3 13 !!\n";
  assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
  close(fd);
  assert_int_equal(dc_client_add_trust_anchor_file(c, path), DC_E_INVALID_ARG);
  assert_non_null(strstr(dc_client_error(c), "line 3: DNSKEY key is not base64"));
  assert_int_equal(c->cfg->ta.n, 1);
  unlink(path);
  dc_dnssec_state a = DC_DNSSEC_BOGUS, t = DC_DNSSEC_BOGUS, h = DC_DNSSEC_BOGUS;
  dc_client_dnssec_last(c, &a, &t, &h);
  assert_int_equal(a, DC_DNSSEC_UNCHECKED);
  assert_int_equal(t + h, 0);
  dc_client_free(c);
}

static void test_names_and_weakest(void **state)
{
  (void)state;
  assert_string_equal(dc_dnssec_state_name(DC_DNSSEC_UNCHECKED), "unchecked");
  assert_string_equal(dc_dnssec_state_name(DC_DNSSEC_SECURE), "secure");
  assert_string_equal(dc_dnssec_state_name(DC_DNSSEC_INSECURE), "insecure");
  assert_string_equal(dc_dnssec_state_name(DC_DNSSEC_INDETERMINATE), "indeterminate");
  assert_string_equal(dc_dnssec_state_name(DC_DNSSEC_BOGUS), "bogus");
  assert_string_equal(dc_dnssec_state_name((dc_dnssec_state)9), "unknown");
  assert_int_equal(dci_dnssec_weakest(DC_DNSSEC_UNCHECKED, DC_DNSSEC_SECURE), DC_DNSSEC_SECURE);
  assert_int_equal(dci_dnssec_weakest(DC_DNSSEC_SECURE, DC_DNSSEC_INSECURE), DC_DNSSEC_INSECURE);
  assert_int_equal(dci_dnssec_weakest(DC_DNSSEC_INDETERMINATE, DC_DNSSEC_INSECURE),
                   DC_DNSSEC_INDETERMINATE);
  assert_int_equal(dci_dnssec_weakest(DC_DNSSEC_INDETERMINATE, DC_DNSSEC_BOGUS), DC_DNSSEC_BOGUS);
  assert_int_equal(dci_dnssec_weakest(DC_DNSSEC_BOGUS, DC_DNSSEC_SECURE), DC_DNSSEC_BOGUS);
  assert_int_equal(dc_settings_dnssec(NULL), DC_DNSSEC_UNCHECKED);
  assert_int_equal(dc_settings_dnssec_txt(NULL), DC_DNSSEC_UNCHECKED);
  assert_int_equal(dc_settings_dnssec_host(NULL), DC_DNSSEC_UNCHECKED);
  assert_null(dc_settings_dnssec_why(NULL));
  dc_dnssec_state a = DC_DNSSEC_BOGUS;
  dc_batch_result_dnssec(NULL, &a, NULL, NULL);
  assert_int_equal(a, DC_DNSSEC_UNCHECKED);
}

/* The policy table (net.h) over every state, on a call context so the
 * policy can be set without a libunbound build. */
static void test_policy_table(void **state)
{
  (void)state;
  static const dc_status want[4][5] = {
    /* unchecked, secure, insecure, indeterminate, bogus */
    {DC_OK, DC_OK, DC_OK, DC_OK, DC_OK},                                     /* off */
    {DC_OK, DC_OK, DC_OK, DC_OK, DC_OK},                                     /* report */
    {DC_OK, DC_OK, DC_OK, DC_OK, DC_E_DNSSEC_BOGUS},                         /* validate */
    {DC_E_DNSSEC_INSECURE, DC_OK, DC_E_DNSSEC_INSECURE, DC_E_DNSSEC_INSECURE,
     DC_E_DNSSEC_BOGUS},                                                     /* require */
  };
  dc_client *c = NULL;
  assert_int_equal(dc_client_new(&c), DC_OK);
  struct dci_config cfg = *c->cfg;
  for (int p = 0; p < 4; p++) {
    for (int s = 0; s < 5; s++) {
      cfg.dnssec_policy = p;
      struct dci_call call;
      dc_client ctx;
      dci_client_context(&ctx, c, &call);
      ctx.cfg = &cfg;
      dci_dns_outcome o;
      memset(&o, 0, sizeof o);
      o.name = "_domainconnect.example.com";
      o.status = DC_OK;
      o.detail = "";
      o.dnssec = s;
      o.dnssec_why = s == DC_DNSSEC_BOGUS ? "signature expired for trust anchor ." : NULL;
      dc_status got = dci_disc_dnssec_judge(&ctx, 1, &o, "TXT");
      if (got != want[p][s]) fail_msg("policy %d state %d: %d, expected %d", p, s, got, want[p][s]);
      assert_int_equal(call.dnssec[0], s);
      assert_int_equal(call.dnssec[1], s);
      if (got == DC_E_DNSSEC_BOGUS)
        assert_non_null(strstr(call.err, "the TXT answer for _domainconnect.example.com is bogus"));
      /* a failed lookup keeps its status, unless the answer was bogus and refused */
      o.status = DC_E_DNS_TIMEOUT;
      o.detail = "DNS TXT lookup of x: no answer within 3000 ms";
      got = dci_disc_dnssec_judge(&ctx, 2, &o, "TXT");
      assert_int_equal(got, want[p][s] == DC_E_DNSSEC_BOGUS ? DC_E_DNSSEC_BOGUS : DC_E_DNS_TIMEOUT);
    }
  }
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_lines),
    cmocka_unit_test(test_parse_text),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_setters),
    cmocka_unit_test(test_names_and_weakest),
    cmocka_unit_test(test_policy_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
