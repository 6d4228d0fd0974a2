/* Domain normalisation (IDNA, case, lengths), zone/host split with the
 * built-in and a custom public suffix list, and the host-part check
 * (docs/protocol.md §1.1, §1.4). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "proto/names.h"

#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L64 L63 "a"

/* A name of exactly `len` bytes: 63-byte labels, last label alphabetic. */
static char *name_of_len(size_t len, const char *tail)
{
  char *buf = malloc(len + 1);
  assert_non_null(buf);
  size_t tl = strlen(tail);
  size_t o = 0;
  while (o + tl < len) {
    size_t room = len - tl - o; /* bytes before the tail, incl. dots */
    size_t lab = room > 64 ? 63 : room - 1;
    if (lab == 0) { buf[o++] = 'b'; continue; }
    memset(buf + o, 'b', lab);
    o += lab;
    buf[o++] = '.';
  }
  memcpy(buf + o, tail, tl);
  buf[len] = '\0';
  return buf;
}

struct norm_row {
  const char *in;
  dc_status want;
  const char *out;
};

static const struct norm_row k_norm[] = {
  {"example.com", DC_OK, "example.com"},
  {"EXAMPLE.COM", DC_OK, "example.com"},
  {"Example.Com.", DC_OK, "example.com"},
  {"www.Sub.Example.CO.UK", DC_OK, "www.sub.example.co.uk"},
  {"a-b.example", DC_OK, "a-b.example"},
  {"r3---sn-abc.example.com", DC_OK, "r3---sn-abc.example.com"},
  {"com", DC_OK, "com"},                         /* no label count rule here */
  /* IDNA2008 + UTS#46 non-transitional */
  {"m\xc3\xbcnchen.de", DC_OK, "xn--mnchen-3ya.de"},
  {"M\xc3\x9cNCHEN.DE", DC_OK, "xn--mnchen-3ya.de"},       /* upper-case U-label */
  {"m\xc3\xbcnchen.de.", DC_OK, "xn--mnchen-3ya.de"},
  {"m\xc3\xbcnchen\xe3\x80\x82" "de", DC_OK, "xn--mnchen-3ya.de"}, /* ideographic dot */
  {"xn--mnchen-3ya.de", DC_OK, "xn--mnchen-3ya.de"},
  {"XN--MNCHEN-3YA.DE", DC_OK, "xn--mnchen-3ya.de"},
  {"fa\xc3\x9f.de", DC_OK, "xn--fa-hia.de"},               /* non-transitional: keeps sharp s */
  {"www.m\xc3\xbcnchen.de", DC_OK, "www.xn--mnchen-3ya.de"},
  {"\xe4\xbe\x8b\xe5\xad\x90.\xe5\x85\xac\xe5\x8f\xb8.cn", DC_OK, "xn--fsqu00a.xn--55qx5d.cn"},
  /* invalid IDNA */
  {"xn--a.com", DC_E_INVALID_DOMAIN, NULL},
  {"xn--zz.com", DC_E_INVALID_DOMAIN, NULL},
  {"www.XN--A.com", DC_E_INVALID_DOMAIN, NULL},
  {"\xf0\x9f\x92\xa9.la", DC_E_INVALID_DOMAIN, NULL},      /* disallowed code point (emoji) */
  {"a\xe2\x81\x84" "b.com", DC_E_INVALID_DOMAIN, NULL},     /* U+2044 fraction slash */
  {"\xff.com", DC_E_INVALID_DOMAIN, NULL},                 /* not UTF-8 */
  {"m\xc3\xbcnchen..de", DC_E_INVALID_DOMAIN, NULL},
  /* syntax */
  {"", DC_E_INVALID_DOMAIN, NULL},
  {".", DC_E_INVALID_DOMAIN, NULL},
  {"..", DC_E_INVALID_DOMAIN, NULL},
  {"example.com..", DC_E_INVALID_DOMAIN, NULL},
  {"example..com", DC_E_INVALID_DOMAIN, NULL},
  {".example.com", DC_E_INVALID_DOMAIN, NULL},
  {"-example.com", DC_E_INVALID_DOMAIN, NULL},
  {"example-.com", DC_E_INVALID_DOMAIN, NULL},
  {"_dmarc.example.com", DC_E_INVALID_DOMAIN, NULL},
  {"exa mple.com", DC_E_INVALID_DOMAIN, NULL},
  {"example.com/", DC_E_INVALID_DOMAIN, NULL},
  {"user@example.com", DC_E_INVALID_DOMAIN, NULL},
  {"example.com:443", DC_E_INVALID_DOMAIN, NULL},
  {"exa\r\nmple.com", DC_E_INVALID_DOMAIN, NULL},
  {"https://example.com", DC_E_INVALID_DOMAIN, NULL},
  {"127.0.0.1", DC_E_INVALID_DOMAIN, NULL},
  {"2130706433", DC_E_INVALID_DOMAIN, NULL},
  /* label lengths */
  {L63 ".com", DC_OK, L63 ".com"},
  {L64 ".com", DC_E_INVALID_DOMAIN, NULL},
};

static void test_normalize_table(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof k_norm / sizeof k_norm[0]; i++) {
    const struct norm_row *r = &k_norm[i];
    char *out = (char *)"sentinel";
    dc_status st = dc_domain_normalize(c, r->in, &out);
    if (st != r->want)
      fail_msg("row %zu \"%s\": status %s, want %s (%s)", i, r->in, dc_status_name(st),
               dc_status_name(r->want), dc_client_error(c));
    if (st == DC_OK) {
      assert_string_equal(out, r->out);
      assert_string_equal(dc_client_error(c), "");
      /* normalising is idempotent */
      char *again = NULL;
      assert_status(dc_domain_normalize(c, out, &again), DC_OK);
      assert_string_equal(again, out);
      dc_free(again);
      dc_free(out);
    } else {
      assert_null(out);
      assert_true(strlen(dc_client_error(c)) > 0);
    }
  }
  dc_client_free(c);
}

static void test_normalize_lengths(void **state)
{
  (void)state;
  char *out = NULL;
  char *n253 = name_of_len(253, "example.com");
  assert_int_equal(strlen(n253), 253);
  assert_status(dc_domain_normalize(NULL, n253, &out), DC_OK);
  assert_string_equal(out, n253);
  dc_free(out);
  /* 253 + the one trailing dot that is removed */
  char *dotted = malloc(255);
  assert_non_null(dotted);
  memcpy(dotted, n253, 253);
  dotted[253] = '.';
  dotted[254] = '\0';
  assert_status(dc_domain_normalize(NULL, dotted, &out), DC_OK);
  assert_string_equal(out, n253);
  dc_free(out);
  free(dotted);
  free(n253);

  char *n254 = name_of_len(254, "example.com");
  assert_int_equal(strlen(n254), 254);
  assert_status(dc_domain_normalize(NULL, n254, &out), DC_E_INVALID_DOMAIN);
  assert_null(out);
  free(n254);

  /* IDNs whose A-label form is too long although the input is short in
   * characters: each label of 30 x U+00FC becomes a 36-byte A-label.
   * 6 of them + 29 ASCII bytes + "de" = 254 bytes (libidn2 accepts up to
   * 255, our check refuses); 8 of them: libidn2 itself refuses. */
  char idn[1024];
  size_t o = 0;
  for (int l = 0; l < 6; l++) {
    for (int k = 0; k < 30; k++) { idn[o++] = '\xc3'; idn[o++] = '\xbc'; }
    idn[o++] = '.';
  }
  memset(idn + o, 'a', 29);
  o += 29;
  memcpy(idn + o, ".de", 4);
  assert_status(dc_domain_normalize(NULL, idn, &out), DC_E_INVALID_DOMAIN);
  memcpy(idn + o - 29, "de", 3); /* drop the ASCII label: 224 bytes, fine */
  assert_status(dc_domain_normalize(NULL, idn, &out), DC_OK);
  assert_int_equal(strlen(out), 224);
  dc_free(out);
  o = 0;
  for (int l = 0; l < 8; l++) {
    for (int k = 0; k < 30; k++) { idn[o++] = '\xc3'; idn[o++] = '\xbc'; }
    idn[o++] = '.';
  }
  memcpy(idn + o, "de", 3);
  assert_status(dc_domain_normalize(NULL, idn, &out), DC_E_INVALID_DOMAIN);

  /* input cap before IDNA */
  char *huge = malloc(DC_MAX_DOMAIN_INPUT + 2);
  assert_non_null(huge);
  memset(huge, 'a', DC_MAX_DOMAIN_INPUT + 1);
  huge[DC_MAX_DOMAIN_INPUT + 1] = '\0';
  assert_status(dc_domain_normalize(NULL, huge, &out), DC_E_LIMIT);
  huge[DC_MAX_DOMAIN_INPUT] = '\0'; /* exactly at the cap: not LIMIT */
  assert_status(dc_domain_normalize(NULL, huge, &out), DC_E_INVALID_DOMAIN);
  free(huge);

  assert_status(dc_domain_normalize(NULL, NULL, &out), DC_E_INVALID_ARG);
  assert_status(dc_domain_normalize(NULL, "example.com", NULL), DC_E_INVALID_ARG);
}

struct split_row {
  const char *in;
  dc_status want;
  const char *zone;
  const char *host;
};

static const struct split_row k_split[] = {
  {"www.sub.example.co.uk", DC_OK, "example.co.uk", "www.sub"},
  {"example.com", DC_OK, "example.com", ""},
  {"WWW.Example.COM.", DC_OK, "example.com", "www"},
  {"a.b.c.example.org", DC_OK, "example.org", "a.b.c"},
  {"www.m\xc3\xbcnchen.de", DC_OK, "xn--mnchen-3ya.de", "www"},
  {"shop.\xe4\xbe\x8b\xe5\xad\x90.\xe5\x85\xac\xe5\x8f\xb8.cn", DC_OK,
   "xn--fsqu00a.xn--55qx5d.cn", "shop"},
  {"foo.unknowntld", DC_OK, "foo.unknowntld", ""},  /* PSL default rule "*" */
  {"co.uk", DC_E_PUBLIC_SUFFIX, NULL, NULL},
  {"CO.UK.", DC_E_PUBLIC_SUFFIX, NULL, NULL},
  {"com", DC_E_PUBLIC_SUFFIX, NULL, NULL},
  {"localhost", DC_E_PUBLIC_SUFFIX, NULL, NULL},
  {"xn--55qx5d.cn", DC_E_PUBLIC_SUFFIX, NULL, NULL},
  {"example..com", DC_E_INVALID_DOMAIN, NULL, NULL},
  {"xn--a.com", DC_E_INVALID_DOMAIN, NULL, NULL},
  {"", DC_E_INVALID_DOMAIN, NULL, NULL},
};

static void check_split(dc_client *c, const struct split_row *rows, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const struct split_row *r = &rows[i];
    char *zone = (char *)"sentinel", *host = (char *)"sentinel";
    dc_status st = dc_zone_split(c, r->in, &zone, &host);
    if (st != r->want)
      fail_msg("row %zu \"%s\": status %s, want %s (%s)", i, r->in, dc_status_name(st),
               dc_status_name(r->want), dc_client_error(c));
    if (st == DC_OK) {
      assert_string_equal(zone, r->zone);
      assert_string_equal(host, r->host);
      dc_free(zone);
      dc_free(host);
    } else {
      assert_null(zone);
      assert_null(host);
      if (c != NULL) assert_true(strlen(dc_client_error(c)) > 0);
    }
  }
}

static void test_split_builtin(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  check_split(c, k_split, sizeof k_split / sizeof k_split[0]);
  check_split(NULL, k_split, sizeof k_split / sizeof k_split[0]);
  char *z = NULL, *h = NULL;
  assert_status(dc_zone_split(c, NULL, &z, &h), DC_E_INVALID_ARG);
  assert_status(dc_zone_split(c, "example.com", NULL, &h), DC_E_INVALID_ARG);
  assert_status(dc_zone_split(c, "example.com", &z, NULL), DC_E_INVALID_ARG);
  assert_status(dc_zone_split(c, "co.uk", &z, &h), DC_E_PUBLIC_SUFFIX);
  assert_non_null(strstr(dc_client_error(c), "co.uk"));
  dc_client_free(c);
}

static const struct split_row k_split_custom[] = {
  {"a.b.example", DC_OK, "b.example", "a"},
  {"b.example", DC_OK, "b.example", ""},
  {"x.y.z.example", DC_OK, "z.example", "x.y"},
  {"example", DC_E_PUBLIC_SUFFIX, NULL, NULL},
  {"www.shop.corp.test", DC_OK, "shop.corp.test", "www"},
  {"corp.test", DC_E_PUBLIC_SUFFIX, NULL, NULL},
  /* co.uk is not in this list: "co.uk" is registrable under "uk" ("*") */
  {"www.example.co.uk", DC_OK, "co.uk", "www.example"},
};

static void test_split_custom_psl(void **state)
{
  (void)state;
  char path[] = "/tmp/dc_test_psl_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fputs("// test list\n"
        "// ===BEGIN ICANN DOMAINS===\n"
        "example\n"
        "corp.test\n"
        "// ===END ICANN DOMAINS===\n", f);
  fclose(f);

  dc_client *c = tu_client();
  assert_status(dc_client_set_psl_file(c, path), DC_OK);
  check_split(c, k_split_custom, sizeof k_split_custom / sizeof k_split_custom[0]);
  /* a failed load keeps the previous list */
  assert_status(dc_client_set_psl_file(c, "/nonexistent/psl.dat"), DC_E_PSL_FILE);
  check_split(c, k_split_custom, 1);
  dc_client_free(c);
  unlink(path);
}

struct host_row {
  const char *host;
  dc_status want;
};

static const struct host_row k_hosts[] = {
  {"", DC_OK},
  {"www", DC_OK},
  {"WWW", DC_OK},
  {"www.sub", DC_OK},
  {"_dmarc", DC_OK},
  {"_acme-challenge.www", DC_OK},
  {"s1._domainkey", DC_OK},
  {"a-b.c_d", DC_OK},
  {L63, DC_OK},
  {L64, DC_E_INVALID_HOST},
  {"-www", DC_E_INVALID_HOST},
  {"www-", DC_E_INVALID_HOST},
  {"www.", DC_E_INVALID_HOST},
  {".www", DC_E_INVALID_HOST},
  {"a..b", DC_E_INVALID_HOST},
  {".", DC_E_INVALID_HOST},
  {"w w", DC_E_INVALID_HOST},
  {"a@b", DC_E_INVALID_HOST},
  {"a/b", DC_E_INVALID_HOST},
  {"a:b", DC_E_INVALID_HOST},
  {"*", DC_E_INVALID_HOST},
  {"@", DC_E_INVALID_HOST},
  {"a\r\nb", DC_E_INVALID_HOST},
  {"m\xc3\xbcnchen", DC_E_INVALID_HOST},
};

static void test_host_part(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_hosts / sizeof k_hosts[0]; i++) {
    dc_status st = dci_check_host_part(k_hosts[i].host);
    if (st != k_hosts[i].want)
      fail_msg("row %zu \"%s\": status %s, want %s", i, k_hosts[i].host,
               dc_status_name(st), dc_status_name(k_hosts[i].want));
    if (st == DC_OK) assert_null(dci_host_part_problem(k_hosts[i].host));
    else assert_non_null(dci_host_part_problem(k_hosts[i].host));
  }
  char *h253 = name_of_len(253, "x");
  assert_status(dci_check_host_part(h253), DC_OK);
  free(h253);
  char *h254 = name_of_len(254, "x");
  assert_status(dci_check_host_part(h254), DC_E_INVALID_HOST);
  free(h254);
  assert_status(dci_check_host_part(NULL), DC_E_INVALID_ARG);
  assert_non_null(dci_host_part_problem(NULL));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_normalize_table),
    cmocka_unit_test(test_normalize_lengths),
    cmocka_unit_test(test_split_builtin),
    cmocka_unit_test(test_split_custom_psl),
    cmocka_unit_test(test_host_part),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
