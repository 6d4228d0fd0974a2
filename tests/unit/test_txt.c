/* _domainconnect TXT value parsing and selection (docs/protocol.md §1.2;
 * docs/security.md §4.2). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define LABEL_63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LABEL_64 LABEL_63 "a"
/* 63*3 + 3 dots + "example" (7) + ... built at run time for 253/254 */

struct txt_row {
  const char *in;
  size_t len;          /* 0: strlen(in) */
  dc_status want;
  const char *canon;   /* expected output when DC_OK */
};

#define OK(in, out) {in, 0, DC_OK, out}
#define BAD(in) {in, 0, DC_E_TXT_INVALID, NULL}

static const struct txt_row k_rows[] = {
  OK("domainconnect.virtucondomains.example", "domainconnect.virtucondomains.example"),
  /* real providers publish a path */
  OK("api.cloudflare.com/client/v4/dns/domainconnect",
     "api.cloudflare.com/client/v4/dns/domainconnect"),
  OK("api.cloudflare.com/client/v4/dns/domainconnect/",
     "api.cloudflare.com/client/v4/dns/domainconnect"),
  OK("public-api.wordpress.com/rest/v1.3/domain-connect",
     "public-api.wordpress.com/rest/v1.3/domain-connect"),
  OK("DomainConnect.GoDaddy.COM", "domainconnect.godaddy.com"),
  OK("api.example.com.", "api.example.com"),
  OK("api.example.com/", "api.example.com"),
  OK("api.example.com./v1/", "api.example.com/v1"),
  OK("api.example.com/Path/Keeps/Case", "api.example.com/Path/Keeps/Case"),
  OK("  api.example.com  ", "api.example.com"),
  OK("\tapi.example.com\r\n", "api.example.com"),
  OK("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
  OK("dc.example.test", "dc.example.test"),
  OK("api.example.com/~user/a-b_c.d", "api.example.com/~user/a-b_c.d"),
  OK(LABEL_63 ".example", LABEL_63 ".example"),
  /* empty */
  BAD(""),
  BAD("   "),
  BAD("\r\n"),
  BAD("/"),
  BAD("/v2"),
  /* a scheme inside the value */
  BAD("http://api.x"),
  BAD("https://api.example.com"),
  BAD("HTTPS://api.example.com/"),
  BAD("https:/api.example.com"),
  BAD("https:///api.example.com"),
  BAD("javascript:alert(1)"),
  /* userinfo and backslashes */
  BAD("user@api.example.com"),
  BAD("api.godaddy.com@127.0.0.1"),
  BAD("api.godaddy.com\\@127.0.0.1"),
  BAD("127.1.1.1:80\\@127.2.2.2:80"),
  BAD("api.example.com\\v2"),
  /* percent-encoding */
  BAD("%31%32%37%2e%30%2e%30%2e%31"),
  BAD("%30x7f.1"),
  BAD("api.example.com/%2e%2e"),
  BAD("api.example.com%0d%0a"),
  /* IP literals and numeric forms */
  BAD("127.0.0.1"),
  BAD("127.0.0.1."),
  BAD("8.8.8.8/v2"),
  BAD("0x7f.1"),
  BAD("017700000001"),
  BAD("2130706433"),
  BAD("127.1"),
  BAD("0"),
  BAD("012.0.0.1"),
  BAD("0127.0.0.1"),
  BAD("425.510.425.510"),
  BAD("1.2.3.4.5"),
  BAD("api.x.123"),
  BAD("[::1]"),
  BAD("[fe80::1%25eth0]"),
  BAD("[fe80::1%eth0]"),
  /* trailing dots, empty labels */
  BAD("api.example.com.."),
  BAD("api..example.com"),
  BAD(".api.example.com"),
  BAD("."),
  /* special and single-label names */
  BAD("localhost"),
  BAD("localhost."),
  BAD("foo.localhost"),
  BAD("printer.local"),
  BAD("metadata.google.internal"),
  BAD("nas.home.arpa"),
  BAD("hidden.onion"),
  BAD("x.alt"),
  BAD("x.invalid"),
  BAD("metadata"),
  /* ports */
  BAD("api.example.com:443"),
  BAD("api.example.com:22"),
  BAD("api.example.com:0"),
  BAD("api.example.com:65536"),
  BAD("api.example.com:+443"),
  BAD("api.example.com:"),
  /* query or fragment */
  BAD("api.example.com?x=1"),
  BAD("api.example.com/v2?x"),
  BAD("api.example.com#frag"),
  BAD("api.godaddy.com#@127.0.0.1"),
  /* control bytes, CR/LF, non-ASCII, spaces inside */
  BAD("api.exa\r\nmple.com"),
  BAD("api.example.com\r\nHost: evil.example"),
  BAD("api.example.com/a\tb"),
  BAD("api example.com"),
  BAD("m\xc3\xbcnchen.de"),
  BAD("\xe2\x93\x9b\xe2\x93\x9e\xe2\x93\x92\xe2\x93\x90\xe2\x93\x9b.com"),
  BAD("api.example.com/\xc3\xa4"),
  {"api.example.com\0.evil.example", 29, DC_E_TXT_INVALID, NULL},
  /* host syntax */
  BAD("-api.example.com"),
  BAD("api-.example.com"),
  BAD("api_dc.example.com"),
  BAD("api!.example.com"),
  BAD(LABEL_64 ".example"),
  /* path rules */
  BAD("api.example.com//"),
  BAD("api.example.com//v2"),
  BAD("api.example.com/a//b"),
  BAD("api.example.com/./v2"),
  BAD("api.example.com/../v2"),
  BAD("api.example.com/v2/.."),
  BAD("api.example.com/a;b"),
  BAD("api.example.com/a+b"),
  BAD("api.example.com/a b"),
};

static void check_rows(dc_client *c)
{
  for (size_t i = 0; i < sizeof k_rows / sizeof k_rows[0]; i++) {
    const struct txt_row *r = &k_rows[i];
    size_t len = r->len ? r->len : strlen(r->in);
    char *out = (char *)"sentinel";
    dc_status st = dc_txt_value_parse(c, r->in, len, &out);
    if (st != r->want)
      fail_msg("row %zu \"%s\": status %s, want %s (%s)", i, r->in, dc_status_name(st),
               dc_status_name(r->want), dc_client_error(c));
    if (st == DC_OK) {
      assert_string_equal(out, r->canon);
      if (c != NULL) assert_string_equal(dc_client_error(c), "");
      /* the canonical value parses to itself */
      char *again = NULL;
      assert_status(dc_txt_value_parse(c, out, strlen(out), &again), DC_OK);
      assert_string_equal(again, out);
      dc_free(again);
      dc_free(out);
    } else {
      assert_null(out);
      if (c != NULL) {
        const char *d = dc_client_error(c);
        if (strstr(d, "_domainconnect TXT value") == NULL)
          fail_msg("row %zu: detail \"%s\"", i, d);
        for (const char *p = d; *p; p++)
          if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            fail_msg("row %zu: unsanitised byte in detail", i);
      }
    }
  }
}

static void test_value_table(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  check_rows(c);
  dc_client_free(c);
  check_rows(NULL); /* a NULL handle only drops the detail */
}

static void test_value_details(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  char *out = NULL;
  static const struct { const char *in; const char *reason; } k[] = {
    {"http://api.x", "scheme"},
    {"a@api.example.com", "userinfo"},
    {"api.example.com:443", "port"},
    {"api.example.com?x", "query"},
    {"api.example.com#x", "fragment"},
    {"api.example.com\\x", "backslash"},
    {"%61pi.example.com", "percent"},
    {"127.0.0.1", "IP literal"},
    {"[::1]", "IP literal"},
    {"metadata", "single-label"},
    {"x.local", ".local"},
    {"api.example.com/../x", "'..'"},
    {"", "empty"},
  };
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    assert_status(dc_txt_value_parse(c, k[i].in, strlen(k[i].in), &out), DC_E_TXT_INVALID);
    if (strstr(dc_client_error(c), k[i].reason) == NULL)
      fail_msg("\"%s\": detail \"%s\" lacks \"%s\"", k[i].in, dc_client_error(c), k[i].reason);
  }
  /* a success clears the previous detail */
  assert_status(dc_txt_value_parse(c, "api.example.com", 15, &out), DC_OK);
  assert_string_equal(dc_client_error(c), "");
  dc_free(out);
  dc_client_free(c);
}

/* TEST ONLY: "host:PORT[/path]" with a test-only entry for that port, and
 * its twins (no entry, a bare entry, another port) refused as in production */
static void test_value_test_port(void **state)
{
  (void)state;
  dc_client *c = NULL, *plain = NULL;
  char *out = NULL;
  assert_status(dc_client_new(&c), DC_OK);
  assert_status(dc_client_new(&plain), DC_OK);
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.1:8443"), DC_OK);
  assert_status(dc_client_test_only_allow_address(plain, "127.0.0.1"), DC_OK);
  static const struct { const char *in, *canon; } k_ok[] = {
    {"api.sandbox.test:8443", "api.sandbox.test:8443"},
    {" API.Sandbox.Test.:8443/dc/v2/ ", "api.sandbox.test:8443/dc/v2"},
  };
  for (size_t i = 0; i < sizeof k_ok / sizeof k_ok[0]; i++) {
    assert_status(dc_txt_value_parse(c, k_ok[i].in, strlen(k_ok[i].in), &out), DC_OK);
    assert_string_equal(out, k_ok[i].canon);
    dc_free(out);
    assert_status(dc_txt_value_parse(plain, k_ok[i].in, strlen(k_ok[i].in), &out),
                  DC_E_TXT_INVALID);
    assert_non_null(strstr(dc_client_error(plain), "a scheme or port (':')"));
    assert_status(dc_txt_value_parse(NULL, k_ok[i].in, strlen(k_ok[i].in), &out),
                  DC_E_TXT_INVALID);
  }
  static const char *const k_bad[] = {
    "api.sandbox.test:8444", "api.sandbox.test:443", "api.sandbox.test:08443",
    "api.sandbox.test:8443:8443", "api.sandbox.test:", "api.sandbox.test/x:8443",
    "http://api.sandbox.test:8443", "u@api.sandbox.test:8443", "127.0.0.1:8443",
    "api.sandbox.test:8443?x", "api.sandbox.test:8443/../x", ":8443",
  };
  for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
    dc_status st = dc_txt_value_parse(c, k_bad[i], strlen(k_bad[i]), &out);
    if (st != DC_E_TXT_INVALID)
      fail_msg("\"%s\": %s, want txt_invalid", k_bad[i], dc_status_name(st));
    assert_null(out);
  }
  dc_client_free(c);
  dc_client_free(plain);
}

static void test_value_limits_and_args(void **state)
{
  (void)state;
  char *out = NULL;
  /* a 253-byte host is the largest value; 254 bytes is over the cap */
  char name[300];
  size_t o = 0;
  for (int k = 0; k < 3; k++) {
    memcpy(name + o, LABEL_63 ".", 64);
    o += 64;
  }
  memcpy(name + o, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", 61);
  o += 61;
  name[o] = '\0';
  assert_int_equal(o, 253);
  assert_status(dc_txt_value_parse(NULL, name, o, &out), DC_OK);
  assert_string_equal(out, name);
  dc_free(out);
  name[o] = '.';   /* 254 bytes with a trailing dot: over the byte cap */
  name[o + 1] = '\0';
  assert_status(dc_txt_value_parse(NULL, name, o + 1, &out), DC_E_LIMIT);
  assert_null(out);
  name[o] = 'x';   /* a 254-byte name */
  assert_status(dc_txt_value_parse(NULL, name, o + 1, &out), DC_E_LIMIT);
  /* the cap counts the bytes as received, whitespace included */
  char padded[300];
  memset(padded, ' ', sizeof padded);
  memcpy(padded + 100, "api.example.com", 15);
  assert_status(dc_txt_value_parse(NULL, padded, 253, &out), DC_OK);
  dc_free(out);
  assert_status(dc_txt_value_parse(NULL, padded, 254, &out), DC_E_LIMIT);

  assert_status(dc_txt_value_parse(NULL, "api.example.com", 15, NULL), DC_E_INVALID_ARG);
  assert_status(dc_txt_value_parse(NULL, NULL, 3, &out), DC_E_INVALID_ARG);
  assert_status(dc_txt_value_parse(NULL, NULL, 0, &out), DC_E_TXT_INVALID);
  /* len bounds the read: no NUL terminator needed */
  assert_status(dc_txt_value_parse(NULL, "api.example.comGARBAGE", 15, &out), DC_OK);
  assert_string_equal(out, "api.example.com");
  dc_free(out);
}

/* Helpers to build RRs from string lists. */
struct rr_spec {
  const char *s[4];
};

static void build(const struct rr_spec *spec, size_t n, dc_txt_rr *rrs, size_t lens[][4])
{
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < 4 && spec[i].s[k] != NULL) {
      lens[i][k] = strlen(spec[i].s[k]);
      k++;
    }
    rrs[i].strings = spec[i].s;
    rrs[i].lens = lens[i];
    rrs[i].count = k;
  }
}

struct select_row {
  struct rr_spec rr[3];
  size_t n;
  dc_status want;
  const char *value;
};

static const struct select_row k_select[] = {
  {{{{"api.example.com"}}}, 1, DC_OK, "api.example.com"},
  /* a multi-string RR is joined without separator */
  {{{{"domainconnect.part-one", ".part-two.example"}}}, 1, DC_OK,
   "domainconnect.part-one.part-two.example"},
  {{{{"api.cloudflare.com", "/client/v4/dns/domainconnect"}}}, 1, DC_OK,
   "api.cloudflare.com/client/v4/dns/domainconnect"},
  {{{{"api.", "example", ".", "com"}}}, 1, DC_OK, "api.example.com"},
  /* identical RRs (e.g. through a CNAME) are one value */
  {{{{"api.example.com"}}, {{"api.example.com"}}}, 2, DC_OK, "api.example.com"},
  {{{{"api.example.com"}}, {{"API.Example.com."}}, {{"api.", "example.com/"}}}, 3, DC_OK,
   "api.example.com"},
  /* distinct RRs: refused whatever their order */
  {{{{"api.example.com"}}, {{"api.example.net"}}}, 2, DC_E_TXT_MULTIPLE, NULL},
  {{{{"api.example.com"}}, {{"api.example.com"}}, {{"api.example.com/v2"}}}, 3,
   DC_E_TXT_MULTIPLE, NULL},
  /* an invalid RR gives its own status */
  {{{{"api.example.com"}}, {{"127.0.0.1"}}}, 2, DC_E_TXT_INVALID, NULL},
  {{{{"http://", "api.example.com"}}}, 1, DC_E_TXT_INVALID, NULL},
  {{{{NULL}}}, 1, DC_E_TXT_INVALID, NULL}, /* an RR with no strings is empty */
  {{{{"", ""}}}, 1, DC_E_TXT_INVALID, NULL},
};

static void test_select_table(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof k_select / sizeof k_select[0]; i++) {
    const struct select_row *r = &k_select[i];
    dc_txt_rr rrs[3];
    size_t lens[3][4];
    build(r->rr, r->n, rrs, lens);
    char *out = (char *)"sentinel";
    dc_status st = dc_txt_select(c, rrs, r->n, &out);
    if (st != r->want)
      fail_msg("row %zu: status %s, want %s (%s)", i, dc_status_name(st),
               dc_status_name(r->want), dc_client_error(c));
    if (st == DC_OK) {
      assert_string_equal(out, r->value);
      dc_free(out);
    } else {
      assert_null(out);
      assert_true(strlen(dc_client_error(c)) > 0);
    }
  }
  dc_client_free(c);
}

static void test_select_limits_and_args(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  char *out = NULL;
  const char *s1[] = {"api.example.com"};
  size_t l1[] = {15};
  dc_txt_rr rr = {s1, l1, 1};

  assert_status(dc_txt_select(c, &rr, 0, &out), DC_E_INVALID_ARG);
  assert_status(dc_txt_select(c, NULL, 1, &out), DC_E_INVALID_ARG);
  assert_status(dc_txt_select(c, &rr, 1, NULL), DC_E_INVALID_ARG);
  dc_txt_rr bad = {NULL, NULL, 1};
  assert_status(dc_txt_select(c, &bad, 1, &out), DC_E_INVALID_ARG);

  /* DC_MAX_TXT_RRS identical RRs are fine; one more is over the limit */
  dc_txt_rr many[17];
  for (size_t i = 0; i < 17; i++) many[i] = rr;
  assert_status(dc_txt_select(c, many, 16, &out), DC_OK);
  assert_string_equal(out, "api.example.com");
  dc_free(out);
  assert_status(dc_txt_select(c, many, 17, &out), DC_E_LIMIT);
  assert_null(out);

  /* the joined strings of one RR are capped like a single value */
  char chunk[200];
  memset(chunk, 'a', sizeof chunk);
  const char *s2[] = {chunk, chunk};
  size_t l2[] = {200, 200};
  dc_txt_rr big = {s2, l2, 2};
  assert_status(dc_txt_select(c, &big, 1, &out), DC_E_LIMIT);
  assert_null(out);

  /* TXT_MULTIPLE detail names both values */
  const char *s3[] = {"api.example.net"};
  size_t l3[] = {15};
  dc_txt_rr two[2] = {rr, {s3, l3, 1}};
  assert_status(dc_txt_select(c, two, 2, &out), DC_E_TXT_MULTIPLE);
  assert_non_null(strstr(dc_client_error(c), "api.example.com"));
  assert_non_null(strstr(dc_client_error(c), "api.example.net"));
  /* a string with an embedded NUL is refused, not truncated */
  const char *s4[] = {"api.example.com\0.evil.example"};
  size_t l4[] = {29};
  dc_txt_rr nul = {s4, l4, 1};
  assert_status(dc_txt_select(c, &nul, 1, &out), DC_E_TXT_INVALID);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_value_table),
    cmocka_unit_test(test_value_details),
    cmocka_unit_test(test_value_test_port),
    cmocka_unit_test(test_value_limits_and_args),
    cmocka_unit_test(test_select_table),
    cmocka_unit_test(test_select_limits_and_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
