/* Host, path-prefix and https URL rules (src/guard/url_rules.c): every
 * pitfall of docs/security.md §4.1, the names of §3.7 and the numeric
 * forms of §3.6. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "guard/url_rules.h"

#define LONG_LABEL_63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG_LABEL_64 LONG_LABEL_63 "a"

/* Builds "a...a.b...b.example" style names of exactly `len` bytes made of
 * 50-byte labels (last label alphabetic). Static buffer. */
static const char *make_name(size_t len)
{
  static char buf[600];
  size_t o = 0;
  while (o < len) {
    size_t left = len - o;
    size_t lab = left > 51 ? 50 : left; /* leave room for the dot */
    for (size_t i = 0; i < lab; i++) buf[o++] = 'x';
    if (o < len) buf[o++] = '.';
  }
  buf[o] = '\0';
  /* a trailing '.' would shorten the name: make the last byte a letter */
  if (o > 0 && buf[o - 1] == '.') buf[o - 1] = 'x';
  return buf;
}

struct host_row {
  const char *host;
  bool underscore;
  const char *reason; /* NULL: must pass; else a substring of the reason */
};

static const struct host_row k_hosts[] = {
  {"api.example.com", false, NULL},
  {"API.Example.COM", false, NULL},
  {"api.example.com.", false, NULL},      /* one trailing dot is fine */
  {"xn--mnchen-3ya.de", false, NULL},
  {"a.test", false, NULL},                /* .test is not special */
  {"dc.example", false, NULL},            /* nor is .example */
  {"local.com", false, NULL},             /* label boundary, not suffix */
  {"xlocalhost.com", false, NULL},
  {"my-localhost.net", false, NULL},
  {"1a.example.com", false, NULL},
  {"a.b1", false, NULL},                  /* last label not all digits */
  {"_dc.example.com", true, NULL},
  {"_dc.example.com", false, "character other than"},
  {"", false, "empty host"},
  {".", false, "empty host"},
  {"api.example.com..", false, "empty label"},
  {"api..example.com", false, "empty label"},
  {".api.example.com", false, "empty label"},
  {"-api.example.com", false, "starts or ends with '-'"},
  {"api-.example.com", false, "starts or ends with '-'"},
  {"api example.com", false, "character other than"},
  {"api.exa\r\nmple.com", false, "control byte"},
  {"m\xc3\xbcnchen.de", false, "non-ASCII"},
  {"\xe2\x93\x9b\xe2\x93\x9e\xe2\x93\x92\xe2\x93\x90\xe2\x93\x9b", false, "non-ASCII"},
  {LONG_LABEL_63 ".com", false, NULL},
  {LONG_LABEL_64 ".com", false, "label longer than 63"},
  /* IP literals: dotted quads and the WHATWG "ends in a number" rule */
  {"127.0.0.1", false, "IP literal"},
  {"127.0.0.1.", false, "IP literal"},
  {"8.8.8.8", false, "IP literal"},
  {"127.1", false, "IP literal"},
  {"0", false, "IP literal"},
  {"2130706433", false, "IP literal"},
  {"017700000001", false, "IP literal"},
  {"012.0.0.1", false, "IP literal"},
  {"0127.0.0.1", false, "IP literal"},
  {"0x7f.1", false, "IP literal"},
  {"0x7f000001", false, "IP literal"},
  {"1.0x7f", false, "IP literal"},
  {"1.0X", false, "IP literal"},
  {"1.2.3.4.5", false, "IP literal"},
  {"api.x.123", false, "IP literal"},
  {"425.510.425.510", false, "IP literal"},
  {"7147006462", false, "IP literal"},
  /* special-use names (docs/security.md §3.7) */
  {"localhost", false, "localhost"},
  {"LOCALHOST.", false, "localhost"},
  {"foo.localhost", false, "localhost"},
  {"printer.local", false, ".local"},
  {"metadata.google.internal", false, ".internal"},
  {"host.docker.internal", false, ".internal"},
  {"router.home.arpa", false, ".home.arpa"},
  {"home.arpa", false, ".home.arpa"},
  {"duckduck.onion", false, ".onion"},
  {"x.alt", false, ".alt"},
  {"x.invalid", false, ".invalid"},
  /* single-label names */
  {"metadata", false, "single-label"},
  {"kubernetes.", false, "single-label"},
  {"instance-data", false, "single-label"},
};

static void test_hostname_table(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_hosts / sizeof k_hosts[0]; i++) {
    const struct host_row *r = &k_hosts[i];
    const char *why = dci_hostname_problem(r->host, strlen(r->host), r->underscore);
    if (r->reason == NULL) {
      if (why != NULL) fail_msg("row %zu \"%s\": refused: %s", i, r->host, why);
      assert_status(dci_check_hostname(r->host, strlen(r->host), r->underscore), DC_OK);
    } else {
      if (why == NULL) fail_msg("row %zu \"%s\": accepted", i, r->host);
      if (strstr(why, r->reason) == NULL)
        fail_msg("row %zu \"%s\": reason \"%s\", want \"%s\"", i, r->host, why, r->reason);
      assert_status(dci_check_hostname(r->host, strlen(r->host), r->underscore),
                    DC_E_UNSAFE_URL);
    }
    /* dci_hostname_reason: the same text, and the kind of rule behind it */
    dc_guard_reason reason = DC_GUARD_NONE;
    const char *why2 = dci_hostname_reason(r->host, strlen(r->host), r->underscore, &reason);
    assert_ptr_equal(why, why2);
    if (why == NULL) continue;
    dc_guard_reason want = DC_GUARD_INVALID_HOST;
    if (strstr(why, "IP literal") != NULL) want = DC_GUARD_IP_LITERAL;
    else if (strstr(why, "special-use") != NULL) want = DC_GUARD_SPECIAL_NAME;
    else if (strstr(why, "empty host") != NULL) want = DC_GUARD_EMPTY;
    else if (strstr(why, "control byte") != NULL || strstr(why, "non-ASCII") != NULL)
      want = DC_GUARD_CHARACTERS;
    if (reason != want)
      fail_msg("row %zu \"%s\": reason %s, want %s", i, r->host,
               dc_guard_reason_name(reason), dc_guard_reason_name(want));
  }
}

static void test_hostname_lengths(void **state)
{
  (void)state;
  const char *n253 = make_name(253);
  assert_int_equal(strlen(n253), 253);
  assert_null(dci_hostname_problem(n253, 253, false));
  /* 253 plus the one trailing dot that is ignored */
  char with_dot[300];
  memcpy(with_dot, n253, 253);
  with_dot[253] = '.';
  assert_null(dci_hostname_problem(with_dot, 254, false));
  const char *n254 = make_name(254);
  assert_int_equal(strlen(n254), 254);
  assert_non_null(strstr(dci_hostname_problem(n254, 254, false), "longer than 253"));
  /* the length argument bounds the scan: no NUL needed */
  assert_null(dci_hostname_problem("api.example.comXXXX", 15, false));
  assert_non_null(dci_hostname_problem(NULL, 0, false));
}

struct path_row {
  const char *path;
  const char *reason; /* NULL: passes */
};

static const struct path_row k_paths[] = {
  {"", NULL},
  {"/v2", NULL},
  {"/client/v4/dns/domainconnect", NULL},
  {"/a-b_c.d~e/F0", NULL},
  {"/...", NULL},                    /* three dots is an ordinary segment */
  {"/.well-known", NULL},
  {"v2", "does not start with '/'"},
  {"/", "empty path segment"},       /* caller strips one trailing '/' */
  {"//x", "empty path segment"},
  {"/a//b", "empty path segment"},
  {"/a/", "empty path segment"},
  {"/.", "'.' path segment"},
  {"/a/./b", "'.' path segment"},
  {"/..", "'..' path segment"},
  {"/a/../b", "'..' path segment"},
  {"/a%2e%2e", "character outside"},
  {"/a b", "character outside"},
  {"/a?x", "character outside"},
  {"/a#x", "character outside"},
  {"/a;b", "character outside"},
  {"/a@b", "character outside"},
  {"/a\\b", "character outside"},
  {"/\xc3\xa4", "character outside"},
};

static void test_path_prefix_table(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_paths / sizeof k_paths[0]; i++) {
    const struct path_row *r = &k_paths[i];
    const char *why = dci_path_prefix_problem(r->path, strlen(r->path));
    if (r->reason == NULL) {
      if (why != NULL) fail_msg("row %zu \"%s\": refused: %s", i, r->path, why);
    } else {
      if (why == NULL) fail_msg("row %zu \"%s\": accepted", i, r->path);
      if (strstr(why, r->reason) == NULL)
        fail_msg("row %zu \"%s\": reason \"%s\", want \"%s\"", i, r->path, why, r->reason);
    }
  }
}

struct url_row {
  const char *url;
  bool allow_query;
  dc_status want;
  const char *expect; /* canonical form on DC_OK; reason substring otherwise */
};

static const struct url_row k_urls[] = {
  /* accepted, with their canonical form */
  {"https://api.example.com", false, DC_OK, "https://api.example.com"},
  {"https://api.example.com/", false, DC_OK, "https://api.example.com"},
  {"https://api.example.com/v2/", false, DC_OK, "https://api.example.com/v2"},
  {"HTTPS://API.Example.COM:443/Path/", false, DC_OK, "https://api.example.com/Path"},
  {"https://api.example.com.:443", false, DC_OK, "https://api.example.com"},
  {"https://api.cloudflare.com/client/v4/dns/domainconnect", false, DC_OK,
   "https://api.cloudflare.com/client/v4/dns/domainconnect"},
  {"https://xn--mnchen-3ya.de/dc", false, DC_OK, "https://xn--mnchen-3ya.de/dc"},
  {"https://dc.example/", false, DC_OK, "https://dc.example"},
  {"https://cp.example.com/?domain=example.com", true, DC_OK,
   "https://cp.example.com/?domain=example.com"},
  {"https://cp.example.com/manage/dns/?d=a%20b&x=1", true, DC_OK,
   "https://cp.example.com/manage/dns/?d=a%20b&x=1"},
  {"https://cp.example.com/manage/dns/", true, DC_OK, "https://cp.example.com/manage/dns"},
  {"https://cp.example.com/?", true, DC_OK, "https://cp.example.com"},
  {"https://cp.example.com?d=x", true, DC_OK, "https://cp.example.com?d=x"},
  /* scheme and slash count */
  {"api.godaddy.com", false, DC_E_UNSAFE_URL, "does not start with https://"},
  {"http://api.example.com", false, DC_E_UNSAFE_URL, "does not start with https://"},
  {"ftp://api.example.com", false, DC_E_UNSAFE_URL, "does not start with https://"},
  {"https:/127.0.0.1/", false, DC_E_UNSAFE_URL, "does not start with https://"},
  {"https:///127.0.0.1/", false, DC_E_UNSAFE_URL, "no host"},
  {"https://", false, DC_E_UNSAFE_URL, "no host"},
  {"https:", false, DC_E_UNSAFE_URL, "does not start with https://"},
  {"", false, DC_E_UNSAFE_URL, "empty URL"},
  /* userinfo, backslash, Orange Tsai variants */
  {"https://api.godaddy.com@127.0.0.1/", false, DC_E_UNSAFE_URL, "userinfo"},
  {"https://user:pw@api.example.com/", false, DC_E_UNSAFE_URL, "userinfo"},
  {"https://@api.example.com/", false, DC_E_UNSAFE_URL, "userinfo"},
  {"https://api.godaddy.com\\@127.0.0.1/", false, DC_E_UNSAFE_URL, "backslash"},
  {"https://127.1.1.1:80\\@127.2.2.2:80/", false, DC_E_UNSAFE_URL, "backslash"},
  {"https://127.1.1.1:80\\@@127.2.2.2:80/", false, DC_E_UNSAFE_URL, "backslash"},
  {"https:\\\\api.example.com/", false, DC_E_UNSAFE_URL, "backslash"},
  {"https://api.example.com/a\\b", false, DC_E_UNSAFE_URL, "backslash"},
  /* percent-encoding in the authority */
  {"https://%31%32%37%2e%30%2e%30%2e%31/", false, DC_E_UNSAFE_URL, "percent"},
  {"https://%30x7f.1/", false, DC_E_UNSAFE_URL, "percent"},
  {"https://api.example.com%0d%0a/", false, DC_E_UNSAFE_URL, "percent"},
  {"https://api.example.com%00/", false, DC_E_UNSAFE_URL, "percent"},
  /* numeric IPv4 forms (docs/security.md §3.6) */
  {"https://127.0.0.1/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://8.8.8.8/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://0x7f.1/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://017700000001/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://2130706433/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://127.1/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://0/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://012.0.0.1/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://0127.0.0.1/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://425.510.425.510/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://7147006462/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://1.2.3.4.5/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://api.x.123/", false, DC_E_UNSAFE_URL, "IP literal"},
  /* trailing dots */
  {"https://127.0.0.1./", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://localhost./", false, DC_E_UNSAFE_URL, "localhost"},
  {"https://api.godaddy.com../", false, DC_E_UNSAFE_URL, "empty label"},
  {"https://./", false, DC_E_UNSAFE_URL, "empty host"},
  /* IPv6 literals, zone ids, IPvFuture */
  {"https://[::1]/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://[0:0:0:0:0:0:0:1]/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://[2001:4860:4860::8888]/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://[fe80::1%25eth0]/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://[fe80::1%eth0]/", false, DC_E_UNSAFE_URL, "IP literal"},
  {"https://[v1.fe80::a+en1]/", false, DC_E_UNSAFE_URL, "IP literal"},
  /* Unicode / IDNA: no non-ASCII byte at all */
  {"https://\xe2\x93\x9b\xe2\x93\x9e\xe2\x93\x92\xe2\x93\x90\xe2\x93\x9b\xe2\x93\x97"
   "\xe2\x93\x9e\xe2\x93\xa2\xe2\x93\xa3/", false, DC_E_UNSAFE_URL, "non-ASCII"},
  {"https://\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97\xef\xbc\x8e\xef\xbc\x90\xef\xbc\x8e"
   "\xef\xbc\x90\xef\xbc\x8e\xef\xbc\x91/", false, DC_E_UNSAFE_URL, "non-ASCII"},
  {"https://127\xe3\x80\x82" "0\xe3\x80\x82" "0\xe3\x80\x82" "1/", false,
   DC_E_UNSAFE_URL, "non-ASCII"},
  {"https://m\xc3\xbcnchen.de/", false, DC_E_UNSAFE_URL, "non-ASCII"},
  {"https://api.example.com/\xc3\xa4", false, DC_E_UNSAFE_URL, "non-ASCII"},
  /* special names */
  {"https://foo.localhost/", false, DC_E_UNSAFE_URL, "localhost"},
  {"https://metadata.google.internal/", false, DC_E_UNSAFE_URL, ".internal"},
  {"https://nas.local/", false, DC_E_UNSAFE_URL, ".local"},
  {"https://metadata/", false, DC_E_UNSAFE_URL, "single-label"},
  /* query or fragment in a prefix */
  {"https://api.godaddy.com#@127.0.0.1/", false, DC_E_UNSAFE_URL, "fragment"},
  {"https://api.example.com/v2#x", false, DC_E_UNSAFE_URL, "fragment"},
  {"https://cp.example.com/#x", true, DC_E_UNSAFE_URL, "fragment"},
  {"https://api.godaddy.com?x=", false, DC_E_UNSAFE_URL, "query"},
  {"https://api.example.com/v2?x=1", false, DC_E_UNSAFE_URL, "query"},
  {"https://cp.example.com/?a b", true, DC_E_UNSAFE_URL, "space"},
  /* ports */
  {"https://api.example.com:22/", false, DC_E_UNSAFE_URL, "port other than 443"},
  {"https://api.example.com:0/", false, DC_E_UNSAFE_URL, "port other than 443"},
  {"https://api.example.com:65536/", false, DC_E_UNSAFE_URL, "port other than 443"},
  {"https://api.example.com:+443/", false, DC_E_UNSAFE_URL, "port other than 443"},
  {"https://api.example.com:0443/", false, DC_E_UNSAFE_URL, "port other than 443"},
  {"https://api.example.com:443:443/", false, DC_E_UNSAFE_URL, "port other than 443"},
  {"https://api.example.com:/", false, DC_E_UNSAFE_URL, "empty port"},
  {"https://api.example.com:", false, DC_E_UNSAFE_URL, "empty port"},
  /* CR, LF, NUL, space, control */
  {"https://api.exa\r\nmple.com/", false, DC_E_UNSAFE_URL, "control byte"},
  {"https://api.example.com/\t", false, DC_E_UNSAFE_URL, "control byte"},
  {"https://api.example.com/a\x7f", false, DC_E_UNSAFE_URL, "control byte"},
  {"https://api.example.com /", false, DC_E_UNSAFE_URL, "space"},
  {" https://api.example.com/", false, DC_E_UNSAFE_URL, "space"},
  /* lengths */
  {"https://" LONG_LABEL_64 ".com/", false, DC_E_UNSAFE_URL, "label longer than 63"},
  {"https://" LONG_LABEL_63 ".com/", false, DC_OK, "https://" LONG_LABEL_63 ".com"},
  /* path rules */
  {"https://api.example.com//", false, DC_E_UNSAFE_URL, "empty path segment"},
  {"https://api.example.com/a/../b", false, DC_E_UNSAFE_URL, "'..' path segment"},
  {"https://api.example.com/a/./b", false, DC_E_UNSAFE_URL, "'.' path segment"},
  {"https://api.example.com/..", false, DC_E_UNSAFE_URL, "'..' path segment"},
  {"https://api.example.com/a%2fb", false, DC_E_UNSAFE_URL, "character outside"},
  {"https://api.example.com/a;b", false, DC_E_UNSAFE_URL, "character outside"},
  {"https://cp.example.com/a/../?x", true, DC_E_UNSAFE_URL, "'..' path segment"},
  {"https://cp.example.com/%domain%/dns", true, DC_E_UNSAFE_URL, "character outside"},
};

static void test_url_table(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof k_urls / sizeof k_urls[0]; i++) {
    const struct url_row *r = &k_urls[i];
    char *canon = (char *)"sentinel";
    dc_status st = dci_check_https_url(c, "urlAPI", r->url, r->allow_query, &canon);
    if (st != r->want)
      fail_msg("row %zu \"%s\": status %s, want %s (%s)", i, r->url, dc_status_name(st),
               dc_status_name(r->want), dc_client_error(c));
    if (st == DC_OK) {
      assert_non_null(canon);
      if (strcmp(canon, r->expect) != 0)
        fail_msg("row %zu \"%s\": canonical \"%s\", want \"%s\"", i, r->url, canon, r->expect);
      /* canonical form is a fixed point */
      char *again = NULL;
      assert_status(dci_check_https_url(c, "urlAPI", canon, r->allow_query, &again), DC_OK);
      assert_string_equal(again, canon);
      free(again);
      free(canon);
    } else {
      assert_null(canon);
      const char *d = dc_client_error(c);
      if (strncmp(d, "urlAPI: ", 8) != 0) fail_msg("row %zu: detail \"%s\"", i, d);
      if (strstr(d, r->expect) == NULL)
        fail_msg("row %zu \"%s\": detail \"%s\", want \"%s\"", i, r->url, d, r->expect);
      /* the URL text in the detail is sanitised: printable ASCII only */
      for (const char *p = d; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
          fail_msg("row %zu: unsanitised byte in detail", i);
    }
  }
  dc_client_free(c);
}

/* TEST ONLY ports (dc_client_test_only_allow_address "IP:PORT"): accepted
 * only for a port an entry names, kept in the canonical form, cross-checked
 * with libcurl; the same URLs without the entry are refused as in
 * production. And the strict port text. */
static void test_url_test_ports(void **state)
{
  (void)state;
  static const struct {
    const char *url;
    bool allow_query;
    dc_status want;
    const char *expect; /* canonical, or a substring of the detail */
  } k[] = {
    {"https://API.Example.com:8443/dc/", false, DC_OK, "https://api.example.com:8443/dc"},
    {"https://api.example.com.:8443", false, DC_OK, "https://api.example.com:8443"},
    {"https://cp.example.com:8443/z/?a=1", true, DC_OK, "https://cp.example.com:8443/z/?a=1"},
    {"https://api.example.com:443/dc", false, DC_OK, "https://api.example.com/dc"},
    {"https://api.example.com:9443/", false, DC_OK, "https://api.example.com:9443"},
    {"https://api.example.com:8444/", false, DC_E_UNSAFE_URL, "port other than 443"},
    {"https://api.example.com:08443/", false, DC_E_UNSAFE_URL, "port other than 443"},
    {"https://api.example.com:+8443/", false, DC_E_UNSAFE_URL, "port other than 443"},
    {"https://api.example.com:8443x/", false, DC_E_UNSAFE_URL, "port other than 443"},
    {"https://api.example.com:/", false, DC_E_UNSAFE_URL, "empty port"},
    {"https://u@api.example.com:8443/", false, DC_E_UNSAFE_URL, "userinfo"},
    {"https://127.0.0.1:8443/", false, DC_E_UNSAFE_URL, "IP literal host"},
    {"https://[::1]:8443/", false, DC_E_UNSAFE_URL, "IP literal host"},
  };
  dc_client *c = NULL, *plain = NULL;
  assert_status(dc_client_new(&c), DC_OK);
  assert_status(dc_client_new(&plain), DC_OK);
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.1:8443"), DC_OK);
  assert_status(dc_client_test_only_allow_address(c, "[::1]:9443"), DC_OK);
  /* a bare entry opens no port */
  assert_status(dc_client_test_only_allow_address(plain, "127.0.0.1"), DC_OK);
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    char *canon = NULL;
    dc_status st = dci_check_https_url(c, "urlAPI", k[i].url, k[i].allow_query, &canon);
    if (st != k[i].want)
      fail_msg("\"%s\": %s, want %s (%s)", k[i].url, dc_status_name(st),
               dc_status_name(k[i].want), dc_client_error(c));
    if (st == DC_OK) {
      assert_string_equal(canon, k[i].expect);
      char *again = NULL; /* a fixed point */
      assert_status(dci_check_https_url(c, "urlAPI", canon, k[i].allow_query, &again), DC_OK);
      assert_string_equal(again, canon);
      free(again);
      free(canon);
      canon = NULL;
      /* the twin without a port entry: refused unless the port is 443 */
      bool port443 = strstr(k[i].url, ":443/") != NULL;
      st = dci_check_https_url(plain, "urlAPI", k[i].url, k[i].allow_query, &canon);
      assert_status(st, port443 ? DC_OK : DC_E_UNSAFE_URL);
      if (!port443) assert_non_null(strstr(dc_client_error(plain), "port other than 443"));
      free(canon);
      canon = NULL;
      st = dci_check_https_url(NULL, "urlAPI", k[i].url, k[i].allow_query, &canon);
      assert_status(st, port443 ? DC_OK : DC_E_UNSAFE_URL);
      free(canon);
    } else {
      assert_null(canon);
      if (strstr(dc_client_error(c), k[i].expect) == NULL)
        fail_msg("\"%s\": detail \"%s\" lacks \"%s\"", k[i].url, dc_client_error(c),
                 k[i].expect);
    }
  }
  dc_client_free(c);
  dc_client_free(plain);

  static const struct { const char *s; unsigned port; const char *why; } kp[] = {
    {"1", 1, NULL}, {"443", 443, NULL}, {"8443", 8443, NULL}, {"65535", 65535, NULL},
    {"", 0, "empty port"}, {"0", 0, "port outside 1..65535"},
    {"65536", 0, "port outside 1..65535"}, {"123456", 0, "port outside 1..65535"},
    {"0443", 0, "port with a leading zero"}, {"+443", 0, "port is not decimal digits"},
    {"44 3", 0, "port is not decimal digits"}, {"0x1bb", 0, "port is not decimal digits"},
  };
  for (size_t i = 0; i < sizeof kp / sizeof kp[0]; i++) {
    unsigned port = 77;
    const char *why = dci_port_problem(kp[i].s, strlen(kp[i].s), &port);
    if (kp[i].why == NULL) {
      if (why != NULL) fail_msg("port \"%s\": %s", kp[i].s, why);
      assert_int_equal(port, kp[i].port);
    } else {
      if (why == NULL || strcmp(why, kp[i].why) != 0)
        fail_msg("port \"%s\": \"%s\", want \"%s\"", kp[i].s, why ? why : "(ok)", kp[i].why);
      assert_int_equal(port, 0);
    }
  }
}

static void test_url_length_and_args(void **state)
{
  (void)state;
  char *canon = NULL;
  char url[DC_MAX_URL_LEN + 2];
  /* exactly DC_MAX_URL_LEN: "https://api.example.com" + "/a" * n */
  size_t o = (size_t)snprintf(url, sizeof url, "https://api.example.com");
  while (o + 2 <= DC_MAX_URL_LEN) { url[o++] = '/'; url[o++] = 'a'; }
  if (o < DC_MAX_URL_LEN) url[o++] = 'b';
  url[o] = '\0';
  assert_int_equal(strlen(url), DC_MAX_URL_LEN);
  assert_status(dci_check_https_url(NULL, "urlAPI", url, false, &canon), DC_OK);
  free(canon);
  url[o++] = 'c';
  url[o] = '\0';
  assert_status(dci_check_https_url(NULL, "urlAPI", url, false, &canon), DC_E_UNSAFE_URL);
  assert_null(canon);

  assert_status(dci_check_https_url(NULL, "urlAPI", NULL, false, &canon), DC_E_INVALID_ARG);
  assert_status(dci_check_https_url(NULL, "urlAPI", "https://a.example", false, NULL),
                DC_E_INVALID_ARG);
  /* field NULL still gives a detail */
  dc_client *c = tu_client();
  assert_status(dci_check_https_url(c, NULL, "http://x.example", false, &canon),
                DC_E_UNSAFE_URL);
  assert_true(strlen(dc_client_error(c)) > 0);
  /* a long hostile URL is truncated in the detail */
  assert_status(dci_check_https_url(c, "urlSyncUX", url, false, &canon), DC_E_UNSAFE_URL);
  assert_non_null(strstr(dc_client_error(c), "urlSyncUX"));
  assert_non_null(strstr(dc_client_error(c), "..."));
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hostname_table),
    cmocka_unit_test(test_hostname_lengths),
    cmocka_unit_test(test_path_prefix_table),
    cmocka_unit_test(test_url_table),
    cmocka_unit_test(test_url_test_ports),
    cmocka_unit_test(test_url_length_and_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
