/* SSRF guard (src/guard/addr.c, src/guard/guard.c, src/cli/cmd_guard.c):
 * the classifier table of docs/security.md §3.8 (first and last address of
 * every block, the IPv6 forms embedding each IPv4 block, the public
 * neighbours of each block), strict literal parsing (§3.6), the TEST-ONLY
 * allow list with its twin, dc_guard_ip/txt/url without resolving, and the
 * machine-readable reasons (dc_client_guard_reason, guard --json). */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "guard/addr.h"

static dci_addr parse_ok(const char *text)
{
  dci_addr a;
  if (!dci_addr_parse(text, &a)) fail_msg("'%s' does not parse", text);
  return a;
}

/* Refused by the policy, with `want` in the reason (with the embedded
 * address when there is one). */
static void expect_refused(const char *text, const char *want)
{
  dci_addr a = parse_ok(text);
  const char *why = dci_addr_problem(&a);
  if (why == NULL) fail_msg("%s: allowed, expected refusal (%s)", text, want);
  char full[200];
  dci_addr_reason(&a, why, full, sizeof full);
  if (want != NULL && strstr(full, want) == NULL)
    fail_msg("%s: reason \"%s\", expected \"%s\"", text, full, want);
  /* the guard with no allow list agrees */
  if (dci_guard_addr(NULL, &a) != why) fail_msg("%s: guard disagrees", text);
}

static void expect_allowed(const char *text)
{
  dci_addr a = parse_ok(text);
  const char *why = dci_addr_problem(&a);
  if (why != NULL) fail_msg("%s: refused (%s), expected allowed", text, why);
}

/* ---- IPv4 blocks of docs/security.md §3.2 and §3.7 */
struct v4block {
  const char *first, *last, *why;
};
static const struct v4block k_v4[] = {
  {"0.0.0.0", "0.255.255.255", "\"this network\" 0.0.0.0/8"},
  {"10.0.0.0", "10.255.255.255", "private-use 10.0.0.0/8"},
  {"100.64.0.0", "100.127.255.255", "shared address space (CGNAT) 100.64.0.0/10"},
  {"127.0.0.0", "127.255.255.255", "loopback 127.0.0.0/8"},
  {"169.254.0.0", "169.254.255.255", "link-local 169.254.0.0/16"},
  {"172.16.0.0", "172.31.255.255", "private-use 172.16.0.0/12"},
  {"192.0.0.0", "192.0.0.255", "IETF protocol assignments 192.0.0.0/24"},
  {"192.0.2.0", "192.0.2.255", "TEST-NET-1"},
  {"192.88.99.0", "192.88.99.255", "6to4 relay anycast 192.88.99.0/24"},
  {"192.168.0.0", "192.168.255.255", "private-use 192.168.0.0/16"},
  {"198.18.0.0", "198.19.255.255", "benchmarking 198.18.0.0/15"},
  {"198.51.100.0", "198.51.100.255", "TEST-NET-2"},
  {"203.0.113.0", "203.0.113.255", "TEST-NET-3"},
  {"224.0.0.0", "239.255.255.255", "multicast 224.0.0.0/4"},
  {"240.0.0.0", "255.255.255.255", "reserved 240.0.0.0/4"},
  {"192.31.196.0", "192.31.196.255", "AS112 anycast 192.31.196.0/24"},
  {"192.175.48.0", "192.175.48.255", "AS112 direct delegation 192.175.48.0/24"},
  {"192.52.193.0", "192.52.193.255", "AMT relay anycast 192.52.193.0/24"},
  {"168.63.129.16", "168.63.129.16", "cloud platform endpoint 168.63.129.16"},
};

/* Every IPv6 form that embeds `v4` is refused under its own name (3.4),
 * and the message names the embedded address. */
static void check_embeddings(const char *v4)
{
  dci_addr a4 = parse_ok(v4);
  const unsigned char *q = a4.b;
  char text[80], want[120];

  snprintf(text, sizeof text, "::ffff:%s", v4);
  snprintf(want, sizeof want, "IPv4-mapped IPv6 ::ffff:0:0/96 (embeds %s)", v4);
  expect_refused(text, want);

  snprintf(text, sizeof text, "::%s", v4);
  if (strcmp(v4, "0.0.0.0") == 0) {
    expect_refused(text, "unspecified address ::/128");
  } else {
    snprintf(want, sizeof want, "IPv4-compatible IPv6 ::/96 (embeds %s)", v4);
    expect_refused(text, want);
  }

  snprintf(text, sizeof text, "::ffff:0:%s", v4);
  snprintf(want, sizeof want, "IPv4-translated IPv6 ::ffff:0:0:0/96 (embeds %s)", v4);
  expect_refused(text, want);

  snprintf(text, sizeof text, "64:ff9b::%s", v4);
  snprintf(want, sizeof want, "NAT64 well-known prefix 64:ff9b::/96 (embeds %s)", v4);
  expect_refused(text, want);

  /* RFC 6052 /48: octets 6,7 then (after u = octet 8) 9,10 */
  snprintf(text, sizeof text, "64:ff9b:1:%x:%x:%x::", (unsigned)(q[0] << 8 | q[1]),
           (unsigned)q[2], (unsigned)(q[3] << 8));
  snprintf(want, sizeof want, "local-use NAT64 64:ff9b:1::/48 (embeds %s)", v4);
  expect_refused(text, want);

  snprintf(text, sizeof text, "2002:%x:%x::", (unsigned)(q[0] << 8 | q[1]),
           (unsigned)(q[2] << 8 | q[3]));
  snprintf(want, sizeof want, "6to4 2002::/16 (embeds %s)", v4);
  expect_refused(text, want);
  snprintf(text, sizeof text, "2002:%x:%x:ffff:ffff:ffff:ffff:ffff",
           (unsigned)(q[0] << 8 | q[1]), (unsigned)(q[2] << 8 | q[3]));
  expect_refused(text, want);

  /* Teredo: server 65.54.227.120, client address inverted in the low 32 */
  snprintf(text, sizeof text, "2001:0:4136:e378:8000:63bf:%x:%x",
           (unsigned)((q[0] ^ 0xff) << 8 | (q[1] ^ 0xff)),
           (unsigned)((q[2] ^ 0xff) << 8 | (q[3] ^ 0xff)));
  snprintf(want, sizeof want, "Teredo 2001::/32 (embeds %s)", v4);
  expect_refused(text, want);
}

static void test_v4_blocks(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_v4 / sizeof k_v4[0]; i++) {
    expect_refused(k_v4[i].first, k_v4[i].why);
    expect_refused(k_v4[i].last, k_v4[i].why);
    check_embeddings(k_v4[i].first);
    check_embeddings(k_v4[i].last);
  }
  /* well-known addresses inside the blocks */
  expect_refused("169.254.169.254", "link-local");
  expect_refused("169.254.170.2", "link-local");
  expect_refused("100.100.100.200", "CGNAT");
  expect_refused("192.0.0.192", "IETF protocol assignments");
  expect_refused("192.88.99.2", "6to4 relay");
  expect_refused("255.255.255.255", "broadcast 255.255.255.255");
}

/* The embedded IPv4 being public changes nothing (3.4: strict refusal). */
static void test_embedded_public(void **state)
{
  (void)state;
  check_embeddings("8.8.8.8");
  check_embeddings("1.1.1.1");
  /* the decoding vector and the DNS64 example of docs/security.md §3.4 */
  expect_refused("64:ff9b:1:a00:0:100::", "local-use NAT64 64:ff9b:1::/48 (embeds 10.0.0.1)");
  expect_refused("64:ff9b::a9fe:a9fe", "(embeds 169.254.169.254)");
  expect_refused("::127.0.0.1", "IPv4-compatible IPv6 ::/96 (embeds 127.0.0.1)");
  expect_refused("::ffff:127.0.0.1", "IPv4-mapped IPv6 ::ffff:0:0/96 (embeds 127.0.0.1)");

  dci_addr a = parse_ok("2606:4700:4700::1111"), v4;
  assert_false(dci_addr_embedded_ipv4(&a, &v4));
  a = parse_ok("8.8.8.8");
  assert_false(dci_addr_embedded_ipv4(&a, &v4));
  a = parse_ok("::ffff:10.1.2.3");
  assert_true(dci_addr_embedded_ipv4(&a, &v4));
  char text[64];
  dci_addr_format(&v4, text, sizeof text);
  assert_string_equal(text, "10.1.2.3");
}

/* Public neighbours of every IPv4 block. */
static void test_v4_neighbours(void **state)
{
  (void)state;
  static const char *const k_public[] = {
    "1.0.0.0", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
    "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0",
    "172.15.255.255", "172.32.0.0", "191.255.255.255", "192.0.1.0",
    "192.0.3.0", "192.88.98.255", "192.88.100.0", "192.167.255.255",
    "192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255",
    "198.51.101.0", "203.0.112.255", "203.0.114.0", "223.255.255.255",
    "192.31.195.255", "192.31.197.0", "192.175.47.255", "192.175.49.0",
    "192.52.192.255", "192.52.194.0", "168.63.129.15", "168.63.129.17",
    "8.8.8.8", "1.1.1.1", "9.9.9.9",
  };
  for (size_t i = 0; i < sizeof k_public / sizeof k_public[0]; i++)
    expect_allowed(k_public[i]);
}

/* ---- IPv6 rules: first and last address of each */
static void test_v6_rules(void **state)
{
  (void)state;
  static const struct {
    const char *first, *last, *why;
  } k_v6[] = {
    {"::", "::", "unspecified address ::/128"},
    {"::1", "::1", "loopback ::1/128"},
    {"::2", "::ffff:ffff", "IPv4-compatible IPv6 ::/96"},
    {"::ffff:0:0", "::ffff:ffff:ffff", "IPv4-mapped IPv6 ::ffff:0:0/96"},
    {"::ffff:0:0:0", "::ffff:0:ffff:ffff", "IPv4-translated IPv6 ::ffff:0:0:0/96"},
    {"64:ff9b::", "64:ff9b::ffff:ffff", "NAT64 well-known prefix 64:ff9b::/96"},
    {"64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use NAT64 64:ff9b:1::/48"},
    {"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local fc00::/7"},
    {"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local fe80::/10"},
    {"fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local fec0::/10"},
    {"ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast ff00::/8"},
    /* outside 2000::/3, below and above it */
    {"::1:0:0:0", "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "outside global unicast 2000::/3"},
    {"4000::", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "outside global unicast 2000::/3"},
    {"fe00::", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "outside global unicast 2000::/3"},
    {"100::", "100::ffff:ffff:ffff:ffff", "outside global unicast 2000::/3"},
    {"64:ff9b::1:0:0", "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "outside global unicast 2000::/3"},
    /* inside 2000::/3 */
    {"2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "Teredo 2001::/32"},
    {"2001:1::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "IETF protocol assignments 2001::/23"},
    {"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation 2001:db8::/32"},
    {"2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "6to4 2002::/16"},
    {"3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation 3fff::/20"},
    {"2620:4f:8000::", "2620:4f:8000:ffff:ffff:ffff:ffff:ffff", "AS112 2620:4f:8000::/48"},
  };
  for (size_t i = 0; i < sizeof k_v6 / sizeof k_v6[0]; i++) {
    expect_refused(k_v6[i].first, k_v6[i].why);
    expect_refused(k_v6[i].last, k_v6[i].why);
  }
  /* the edge cases of docs/security.md §3.1 that other guards call "unicast" */
  expect_refused("fe7f::1", "outside global unicast 2000::/3");
  expect_refused("4000::1", "outside global unicast 2000::/3");
  expect_refused("100:0:0:1::1", "outside global unicast 2000::/3");
  expect_refused("5f00::1", "outside global unicast 2000::/3");
  expect_refused("fec0::1", "site-local");
  expect_refused("fd00:ec2::254", "unique local fc00::/7");
  expect_refused("fd00:ec2::23", "unique local");
  expect_refused("2001:1::1", "IETF protocol assignments");
  expect_refused("2001:2::1", "IETF protocol assignments");
  expect_refused("2001:4:112::1", "IETF protocol assignments");
  expect_refused("2001:10::1", "IETF protocol assignments");
  expect_refused("2001:20::1", "IETF protocol assignments");
  expect_refused("2001:30::1", "IETF protocol assignments");
  expect_refused("ff02::1", "multicast");
}

/* Global unicast neighbours of the IPv6 rules, and public addresses. */
static void test_v6_allowed(void **state)
{
  (void)state;
  static const char *const k_public[] = {
    "2606:4700:4700::1111", "2a00:1450::1", "2001:4860:4860::8888",
    "2000::", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:200::", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::",
    "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2003::", "3ffe:ffff::1",
    "3fff:1000::", "2620:4f:7fff:ffff:ffff:ffff:ffff:ffff", "2620:4f:8001::",
    "[2606:4700:4700::1111]", "2606:4700:4700:0:0:0:0:1111",
  };
  for (size_t i = 0; i < sizeof k_public / sizeof k_public[0]; i++)
    expect_allowed(k_public[i]);
}

/* ---- strict parsing (3.6, 3.1 2a) */
static void test_parse(void **state)
{
  (void)state;
  static const char *const k_not[] = {
    "127.1", "0x7f.0.0.1", "010.0.0.1", "2130706433", "0127.0.0.1",
    "017700000001", "0x7f000001", "127.0.0.01", "127.0.0.1.", " 127.0.0.1",
    "127.0.0.1 ", "256.0.0.1", "1.2.3.4.5", "1.2.3", "", "0", "localhost",
    "[127.0.0.1]", "[::1", "::1]", "[]", "[[::1]]", "fe80::1%eth0",
    "fe80::1%25eth0", "[fe80::1%25eth0]", "[fe80::1%eth0]", "::1%1",
    "1:2:3:4:5:6:7:8:9", ":::", "::ffff:127.1", "::ffff:010.0.0.1",
    "0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:1",
    "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.0.0.1",
  };
  dci_addr a;
  for (size_t i = 0; i < sizeof k_not / sizeof k_not[0]; i++)
    if (dci_addr_parse(k_not[i], &a)) fail_msg("'%s' parsed as an address", k_not[i]);
  assert_false(dci_addr_parse(NULL, &a));
  assert_false(dci_addr_parse("::1", NULL));

  /* spellings of one address give the same bytes */
  dci_addr one = parse_ok("::1"), two = parse_ok("[0:0:0:0:0:0:0:1]");
  assert_true(dci_addr_equal(&one, &two));
  two = parse_ok("0000::0001");
  assert_true(dci_addr_equal(&one, &two));
  one = parse_ok("::FFFF:127.0.0.1");
  two = parse_ok("0:0:0:0:0:ffff:7f00:1");
  assert_true(dci_addr_equal(&one, &two));
  assert_int_equal(one.family, AF_INET6);
  one = parse_ok("127.0.0.1");
  assert_int_equal(one.family, AF_INET);
  assert_memory_equal(one.b, "\x7f\x00\x00\x01", 4);
  /* IPv4 and its mapped form are different addresses */
  assert_false(dci_addr_equal(&one, &two));

  /* formatting round-trips */
  static const char *const k_fmt[][2] = {
    {"127.0.0.1", "127.0.0.1"},
    {"0:0:0:0:0:ffff:7f00:1", "::ffff:127.0.0.1"},
    {"[2606:4700:4700:0:0:0:0:1111]", "2606:4700:4700::1111"},
    {"64:ff9b::7f00:1", "64:ff9b::7f00:1"},
    {"FE80::1", "fe80::1"},
  };
  for (size_t i = 0; i < sizeof k_fmt / sizeof k_fmt[0]; i++) {
    char text[INET6_ADDRSTRLEN];
    dci_addr x = parse_ok(k_fmt[i][0]), y;
    dci_addr_format(&x, text, sizeof text);
    assert_string_equal(text, k_fmt[i][1]);
    y = parse_ok(text);
    assert_true(dci_addr_equal(&x, &y));
  }
  char small[4] = "xyz";
  one = parse_ok("2606:4700:4700::1111");
  dci_addr_format(&one, small, sizeof small); /* truncates, terminated */
  assert_int_equal(strlen(small), 3);
  assert_non_null(dci_addr_problem(NULL));
  dci_addr bad = {.family = AF_UNIX};
  assert_non_null(dci_addr_problem(&bad));
}

static void test_sockaddr(void **state)
{
  (void)state;
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(443)};
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  dci_addr a;
  unsigned port = 0;
  bool scoped = true;
  assert_true(dci_addr_from_sockaddr((const struct sockaddr *)&sin, &a, &port, &scoped));
  assert_int_equal(port, 443);
  assert_false(scoped);
  assert_string_equal(dci_addr_problem(&a), "loopback 127.0.0.0/8");

  struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(8443),
                              .sin6_scope_id = 2};
  inet_pton(AF_INET6, "fe80::1", &sin6.sin6_addr);
  assert_true(dci_addr_from_sockaddr((const struct sockaddr *)&sin6, &a, &port, &scoped));
  assert_int_equal(port, 8443);
  assert_true(scoped);
  assert_int_equal(a.family, AF_INET6);

  struct sockaddr other = {.sa_family = AF_UNIX};
  assert_false(dci_addr_from_sockaddr(&other, &a, &port, &scoped));
  assert_false(dci_addr_from_sockaddr(NULL, &a, NULL, NULL));
}

/* ---- TEST-ONLY allow list, with its twin */
static void test_allow_list(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dci_addr two = parse_ok("127.0.0.2"), three = parse_ok("127.0.0.3");
  dci_addr v6 = parse_ok("::1"), mapped = parse_ok("::ffff:127.0.0.2");

  /* twin: refused without the list */
  assert_string_equal(dci_guard_addr(c, &two), "loopback 127.0.0.0/8");
  assert_status(dc_guard_ip(c, "127.0.0.2"), DC_E_BLOCKED);
  assert_string_equal(dc_client_error(c), "127.0.0.2: loopback 127.0.0.0/8");

  assert_status(dc_client_test_only_allow_address(c, "127.0.0.2"), DC_OK);
  assert_null(dci_guard_addr(c, &two));
  assert_status(dc_guard_ip(c, "127.0.0.2"), DC_OK);
  assert_string_equal(dc_client_error(c), "");
  /* only that exact address (and family) */
  assert_non_null(dci_guard_addr(c, &three));
  assert_status(dc_guard_ip(c, "127.0.0.3"), DC_E_BLOCKED);
  assert_non_null(dci_guard_addr(c, &mapped));
  assert_non_null(dci_guard_addr(c, &v6));

  assert_status(dc_client_test_only_allow_address(c, "::1"), DC_OK);
  assert_null(dci_guard_addr(c, &v6));
  assert_status(dc_guard_ip(c, "[::1]"), DC_OK);
  assert_non_null(dci_guard_addr(c, &mapped));
  dc_client_free(c);

  /* a fresh client has no list */
  assert_status(dc_client_new(&c), DC_OK);
  assert_non_null(dci_guard_addr(c, &two));
  assert_non_null(dci_guard_addr(c, &v6));
  dc_client_free(c);
}

/* ---- TEST-ONLY allow list entries with a port: dc_client_test_only_allow_address
 * parses "IP", "[IPv6]", "IPv4:PORT" and "[IPv6]:PORT" strictly */
static void test_allow_spec_good(void **state)
{
  (void)state;
  static const struct {
    const char *spec;
    const char *addr; /* dci_addr_parse form of the address */
    unsigned port;
  } k_good[] = {
    {"127.0.0.2", "127.0.0.2", 443},          /* bare: port 443, as before */
    {"::1", "::1", 443},
    {"[::1]", "::1", 443},
    {"127.0.0.1:8443", "127.0.0.1", 8443},
    {"[::1]:8443", "::1", 8443},
    {"[2001:db8::7]:1", "2001:db8::7", 1},
    {"127.0.0.1:65535", "127.0.0.1", 65535},
    {"127.0.0.1:443", "127.0.0.1", 443},      /* the same as bare */
    {"::1:8443", "::1:8443", 443},            /* unbracketed: a whole IPv6 address */
    {"::ffff:127.0.0.1", "::ffff:127.0.0.1", 443},
  };
  for (size_t i = 0; i < sizeof k_good / sizeof k_good[0]; i++) {
    dc_client *c = tu_client();
    dc_status st = dc_client_test_only_allow_address(c, k_good[i].spec);
    if (st != DC_OK)
      fail_msg("'%s': %s (%s)", k_good[i].spec, dc_status_name(st), dc_client_error(c));
    assert_string_equal(dc_client_error(c), "");
    assert_int_equal(c->cfg->n_test_allow, 1);
    dci_addr want = parse_ok(k_good[i].addr), got;
    got.family = c->cfg->test_allow[0].family;
    memcpy(got.b, c->cfg->test_allow[0].b, sizeof got.b);
    if (!dci_addr_equal(&got, &want)) fail_msg("'%s': wrong address", k_good[i].spec);
    if (c->cfg->test_allow[0].port != k_good[i].port)
      fail_msg("'%s': port %u, want %u", k_good[i].spec, c->cfg->test_allow[0].port,
               k_good[i].port);
    /* the entry allows exactly its pair */
    assert_null(dci_guard_addr_port(c, &want, k_good[i].port));
    dc_client_free(c);
  }
}

static void test_allow_spec_bad(void **state)
{
  (void)state;
  static const struct {
    const char *spec;
    const char *reason; /* substring of the detail */
  } k_bad[] = {
    {"", "empty"},
    {"x", "not an IP address"},
    {"localhost", "not an IP address"},
    {"127.1", "not an IP address"},
    {"127.0.0.1:", "empty port"},
    {"[::1]:", "empty port"},
    {"127.0.0.1:0", "port outside 1..65535"},
    {"127.0.0.1:65536", "port outside 1..65535"},
    {"127.0.0.1:99999999999999999999", "port outside 1..65535"},
    {"127.0.0.1:08443", "port with a leading zero"},
    {"127.0.0.1:00", "port with a leading zero"},
    {"127.0.0.1:+8443", "port is not decimal digits"},
    {"127.0.0.1:-1", "port is not decimal digits"},
    {"127.0.0.1:8443x", "port is not decimal digits"},
    {"127.0.0.1:84 43", "port is not decimal digits"},
    {"127.0.0.1:8443 ", "port is not decimal digits"},
    {"127.0.0.1:0x20fb", "port is not decimal digits"},
    {"127.0.0.1:8443:1", "port is not decimal digits"},
    {"127.0.0.1:https", "port is not decimal digits"},
    {":8443", "not an IP address"},
    {"127.1:8443", "not an IP address before ':'"},
    {"localhost:8443", "not an IP address before ':'"},
    {" 127.0.0.1:8443", "not an IP address before ':'"},
    {"2001:db8::1:99999", "not an IP address before ':'"},
    {"fe80::1%eth0", "not an IP address before ':'"},
    {"[::1]8443", "bytes after ']'"},
    {"[::1]]:8443", "bytes after ']'"},
    {"[::1", "'[' without ']'"},
    {"[]:8443", "not an IP address"},
    {"[127.0.0.1]:8443", "no IPv6 address inside [...]"},
    {"[fe80::1%eth0]:8443", "no IPv6 address inside [...]"},
    {"[::1]:8443\n", "port is not decimal digits"},
    {"1111111111111111111111111111111111111111111111111111111111111111111:1",
     "too long"},
  };
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
    dc_status st = dc_client_test_only_allow_address(c, k_bad[i].spec);
    if (st != DC_E_INVALID_ARG)
      fail_msg("'%s': %s, want invalid_arg", k_bad[i].spec, dc_status_name(st));
    const char *d = dc_client_error(c);
    if (strncmp(d, "test-only address '", 19) != 0 || strstr(d, k_bad[i].reason) == NULL)
      fail_msg("'%s': detail \"%s\" lacks \"%s\"", k_bad[i].spec, d, k_bad[i].reason);
    for (const char *p = d; *p; p++) /* sanitised: printable ASCII only */
      if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
        fail_msg("'%s': unsanitised byte in the detail", k_bad[i].spec);
    assert_int_equal(c->cfg->n_test_allow, 0); /* nothing was added */
  }
  assert_status(dc_client_test_only_allow_address(c, NULL), DC_E_INVALID_ARG);
  assert_status(dc_client_test_only_allow_address(NULL, "127.0.0.1:8443"), DC_E_INVALID_ARG);
  /* the limit counts entries of every form */
  for (int i = 0; i < DC_MAX_TEST_ALLOW; i++)
    assert_status(dc_client_test_only_allow_address(c, i % 2 ? "127.0.0.1:8443" : "[::1]"),
                  DC_OK);
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.1:9443"), DC_E_LIMIT);
  assert_non_null(strstr(dc_client_error(c), "test-only addresses"));
  dc_client_free(c);
}

/* exact address+port pairs; a port entry never widens port 443 and a bare
 * entry never opens another port; other ports refuse public addresses */
static void test_allow_ports(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dci_addr one = parse_ok("127.0.0.1"), two = parse_ok("127.0.0.2");
  dci_addr v6 = parse_ok("::1"), pub = parse_ok("8.8.8.8");
  const char *k_port_why =
      "port other than 443 for an address not on the test-only allow list with that port";

  /* twin: nothing allowed on 8443 without an entry, public addresses included */
  assert_string_equal(dci_guard_addr_port(c, &one, 8443), k_port_why);
  assert_string_equal(dci_guard_addr_port(c, &pub, 8443), k_port_why);
  assert_null(dci_guard_addr_port(c, &pub, 443));
  assert_false(dci_guard_test_port(c, 8443));
  assert_false(dci_guard_test_port(NULL, 8443));

  assert_status(dc_client_test_only_allow_address(c, "127.0.0.1:8443"), DC_OK);
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.2"), DC_OK);
  assert_status(dc_client_test_only_allow_address(c, "[::1]:9443"), DC_OK);
  assert_null(dci_guard_addr_port(c, &one, 8443));
  assert_string_equal(dci_guard_addr_port(c, &one, 443), "loopback 127.0.0.0/8");
  assert_string_equal(dci_guard_addr(c, &one), "loopback 127.0.0.0/8");
  assert_string_equal(dci_guard_addr_port(c, &one, 8444), k_port_why);
  assert_string_equal(dci_guard_addr_port(c, &one, 9443), k_port_why);
  assert_string_equal(dci_guard_addr_port(c, &two, 8443), k_port_why);
  assert_null(dci_guard_addr_port(c, &two, 443));
  assert_null(dci_guard_addr(c, &two));
  assert_null(dci_guard_addr_port(c, &v6, 9443));
  assert_string_equal(dci_guard_addr_port(c, &v6, 8443), k_port_why);
  assert_non_null(dci_guard_addr_port(c, &v6, 443));
  assert_string_equal(dci_guard_addr_port(c, &pub, 8443), k_port_why);
  assert_null(dci_guard_addr_port(c, &pub, 443));
  /* which ports a URL or TXT value may name */
  assert_true(dci_guard_test_port(c, 8443));
  assert_true(dci_guard_test_port(c, 9443));
  assert_false(dci_guard_test_port(c, 443));
  assert_false(dci_guard_test_port(c, 8444));
  /* dc_guard_ip judges port 443 */
  assert_status(dc_guard_ip(c, "127.0.0.1"), DC_E_BLOCKED);
  assert_status(dc_guard_ip(c, "127.0.0.2"), DC_OK);
  dc_client_free(c);
}

/* URLs and TXT values naming a port, without resolving */
static void test_allow_port_urls(void **state)
{
  (void)state;
  static const struct {
    int kind;           /* 't' or 'u' */
    const char *input;
    const char *allow;  /* NULL: no entry */
    dc_status want;
    const char *detail; /* substring (NULL: empty) */
  } k[] = {
    {'u', "https://api.example.com:8443/", NULL, DC_E_BLOCKED, "port other than 443"},
    {'u', "https://api.example.com:8443/", "127.0.0.1", DC_E_BLOCKED, "port other than 443"},
    {'u', "https://api.example.com:8443/", "127.0.0.1:8444", DC_E_BLOCKED, "port other than 443"},
    {'u', "https://api.example.com:8443/", "127.0.0.1:8443", DC_OK, NULL},
    {'u', "https://api.example.com:8443/v1", "[::1]:8443", DC_OK, NULL},
    {'u', "https://api.example.com:08443/", "127.0.0.1:8443", DC_E_BLOCKED, "port other than 443"},
    {'u', "https://api.example.com:+8443/", "127.0.0.1:8443", DC_E_BLOCKED, "port other than 443"},
    {'u', "https://api.example.com:8443:8443/", "127.0.0.1:8443", DC_E_BLOCKED,
     "port other than 443"},
    {'u', "https://api.example.com:/", "127.0.0.1:8443", DC_E_BLOCKED, "empty port"},
    {'u', "https://api.example.com:443/", "127.0.0.1:8443", DC_OK, NULL},
    {'t', "api.example.com:8443/dc", NULL, DC_E_BLOCKED, "a scheme or port (':')"},
    {'t', "api.example.com:8443/dc", "127.0.0.1", DC_E_BLOCKED, "a scheme or port (':')"},
    {'t', "api.example.com:8443/dc", "127.0.0.1:8443", DC_OK, NULL},
    {'t', "api.example.com:8443", "127.0.0.1:8443", DC_OK, NULL},
    {'t', "api.example.com:443", "127.0.0.1", DC_E_BLOCKED, "a scheme or port (':')"},
    {'t', "api.example.com:443", "127.0.0.1:8443", DC_E_BLOCKED, "a scheme or port (':')"},
    {'t', "api.example.com:9443", "127.0.0.1:8443", DC_E_BLOCKED, "a scheme or port (':')"},
  };
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    dc_client *c = tu_client();
    if (k[i].allow != NULL)
      assert_status(dc_client_test_only_allow_address(c, k[i].allow), DC_OK);
    dc_status st = k[i].kind == 't' ? dc_guard_txt(c, k[i].input, 0)
                                    : dc_guard_url(c, k[i].input, 0);
    if (st != k[i].want)
      fail_msg("%c \"%s\" allow %s: %s, want %s (%s)", k[i].kind, k[i].input,
               k[i].allow ? k[i].allow : "-", dc_status_name(st), dc_status_name(k[i].want),
               dc_client_error(c));
    if (k[i].detail == NULL) assert_string_equal(dc_client_error(c), "");
    else if (strstr(dc_client_error(c), k[i].detail) == NULL)
      fail_msg("%c \"%s\": detail \"%s\" lacks \"%s\"", k[i].kind, k[i].input,
               dc_client_error(c), k[i].detail);
    dc_client_free(c);
  }
}

/* ---- docs/security.md §3.1 step 3: this host's own addresses */
static void test_local_interfaces(void **state)
{
  (void)state;
  dci_addr lo = parse_ok("127.0.0.1");
  /* lo normally carries 127.0.0.1; where it does, the check names it */
  struct ifaddrs *list = NULL;
  assert_int_equal(getifaddrs(&list), 0);
  bool have_lo = false;
  dc_client *c = tu_client();
  for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next) {
    dci_addr own;
    if (i->ifa_addr == NULL || !dci_addr_from_sockaddr(i->ifa_addr, &own, NULL, NULL))
      continue;
    if (dci_addr_equal(&own, &lo)) have_lo = true;
    /* every address of this host is refused, by the policy or by step 3 */
    char text[INET6_ADDRSTRLEN];
    dci_addr_format(&own, text, sizeof text);
    const char *why = dci_guard_addr(c, &own);
    if (why == NULL) fail_msg("own address %s allowed", text);
    if (dci_addr_problem(&own) == NULL)
      assert_string_equal(why, "address of a local network interface");
    assert_non_null(dci_local_interface_problem(&own));
  }
  freeifaddrs(list);
  if (have_lo)
    assert_string_equal(dci_local_interface_problem(&lo),
                        "address of a local network interface");
  dci_addr pub = parse_ok("8.8.8.8");
  assert_null(dci_local_interface_problem(&pub));
  assert_null(dci_guard_addr(c, &pub));
  dc_client_free(c);
}

/* ---- dc_guard_ip / dc_guard_txt / dc_guard_url without resolving */
struct api_row {
  int kind; /* 'i', 't', 'u' */
  const char *input;
  dc_status want;
  const char *detail; /* substring (NULL: detail empty) */
};

static const struct api_row k_api[] = {
  {'i', "8.8.8.8", DC_OK, NULL},
  {'i', "2606:4700:4700::1111", DC_OK, NULL},
  {'i', "[2a00:1450::1]", DC_OK, NULL},
  {'i', "127.0.0.1", DC_E_BLOCKED, "127.0.0.1: loopback 127.0.0.0/8"},
  {'i', "10.1.2.3", DC_E_BLOCKED, "10.1.2.3: private-use 10.0.0.0/8"},
  {'i', "169.254.169.254", DC_E_BLOCKED, "link-local 169.254.0.0/16"},
  {'i', "168.63.129.16", DC_E_BLOCKED, "cloud platform endpoint"},
  {'i', "0:0:0:0:0:ffff:7f00:1", DC_E_BLOCKED,
   "::ffff:127.0.0.1: IPv4-mapped IPv6 ::ffff:0:0/96 (embeds 127.0.0.1)"},
  {'i', "64:ff9b::a9fe:a9fe", DC_E_BLOCKED,
   "64:ff9b::a9fe:a9fe: NAT64 well-known prefix 64:ff9b::/96 (embeds 169.254.169.254)"},
  {'i', "2002:808:808::1", DC_E_BLOCKED, "6to4 2002::/16 (embeds 8.8.8.8)"},
  {'i', "::1", DC_E_BLOCKED, "::1: loopback ::1/128"},
  {'i', "fd00:ec2::254", DC_E_BLOCKED, "unique local fc00::/7"},
  {'i', "fe80::1%eth0", DC_E_BLOCKED, "fe80::1 with a zone id"},
  {'i', "[fe80::1%25eth0]", DC_E_BLOCKED, "fe80::1 with a zone id"},
  {'i', "2606:4700:4700::1111%eth0", DC_E_BLOCKED, "zone id"},
  {'i', "127.1", DC_E_INVALID_ARG, "'127.1' is not an IP address"},
  {'i', "2130706433", DC_E_INVALID_ARG, "not an IP address"},
  {'i', "api.example.com", DC_E_INVALID_ARG, "not an IP address"},
  {'i', "1.2.3.4%eth0", DC_E_INVALID_ARG, "not an IP address"},
  {'i', "bad\x01\n", DC_E_INVALID_ARG, "'bad?" "?' is not"},

  {'t', "api.example.com", DC_OK, NULL},
  {'t', "API.Example.com.", DC_OK, NULL},
  {'t', "api.cloudflare.com/client/v4/dns/domainconnect", DC_OK, NULL},
  {'t', "127.0.0.1", DC_E_BLOCKED, "IP literal"},
  {'t', "8.8.8.8", DC_E_BLOCKED, "IP literal"},
  {'t', "0x7f.1", DC_E_BLOCKED, "IP literal"},
  {'t', "http://api.example.com", DC_E_BLOCKED, "scheme"},
  {'t', "api.example.com:8443", DC_E_BLOCKED, "port"},
  {'t', "user@api.example.com", DC_E_BLOCKED, "userinfo"},
  {'t', "localhost", DC_E_BLOCKED, "_domainconnect TXT value"},
  {'t', "metadata.google.internal", DC_E_BLOCKED, "_domainconnect TXT value"},
  {'t', "api.example.com/a/../b", DC_E_BLOCKED, "_domainconnect TXT value"},
  {'t', "", DC_E_BLOCKED, "empty value"},

  {'u', "https://api.example.com", DC_OK, NULL},
  {'u', "https://api.example.com:443/v1/", DC_OK, NULL},
  {'u', "HTTPS://API.example.com/dc", DC_OK, NULL},
  {'u', "http://api.example.com", DC_E_BLOCKED, "does not start with https://"},
  {'u', "https://127.0.0.1/", DC_E_BLOCKED, "IP literal"},
  {'u', "https://[::1]/", DC_E_BLOCKED, "IP literal"},
  {'u', "https://api.example.com:8443/", DC_E_BLOCKED, "port other than 443"},
  {'u', "https://api.example.com@127.0.0.1/", DC_E_BLOCKED, "userinfo"},
  {'u', "https://api.example.com\\@127.0.0.1/", DC_E_BLOCKED, "backslash"},
  {'u', "https:///127.0.0.1/", DC_E_BLOCKED, "no host"},
  {'u', "https://%31%32%37%2e%30%2e%30%2e%31/", DC_E_BLOCKED, "percent"},
  {'u', "https://api.example.com/?x=1", DC_E_BLOCKED, "query"},
  {'u', "https://api.example.com#@127.0.0.1/", DC_E_BLOCKED, "fragment"},
  {'u', "https://metadata.google.internal/", DC_E_BLOCKED, "URL: "},
  {'u', "https://foo.localhost/", DC_E_BLOCKED, "URL: "},
};

static void test_api_no_resolve(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof k_api / sizeof k_api[0]; i++) {
    const struct api_row *r = &k_api[i];
    dc_status st = r->kind == 'i'   ? dc_guard_ip(c, r->input)
                   : r->kind == 't' ? dc_guard_txt(c, r->input, 0)
                                    : dc_guard_url(c, r->input, 0);
    if (st != r->want)
      fail_msg("%c '%s': %s (%s), expected %s", r->kind, r->input,
               dc_status_name(st), dc_client_error(c), dc_status_name(r->want));
    const char *d = dc_client_error(c);
    if (r->detail == NULL ? d[0] != '\0' : strstr(d, r->detail) == NULL)
      fail_msg("%c '%s': detail \"%s\", expected \"%s\"", r->kind, r->input, d,
               r->detail ? r->detail : "");
  }
  /* a value over the TXT cap is a refusal too */
  char big[400];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_status(dc_guard_txt(c, big, 0), DC_E_BLOCKED);
  assert_non_null(strstr(dc_client_error(c), "limit"));
  /* the detail of a refused literal holds the formatted address only */
  assert_status(dc_guard_ip(c, "0000:0000:0000:0000:0000:ffff:0a00:0001"), DC_E_BLOCKED);
  assert_string_equal(dc_client_error(c),
                      "::ffff:10.0.0.1: IPv4-mapped IPv6 ::ffff:0:0/96 (embeds 10.0.0.1)");
  /* NULL arguments */
  assert_status(dc_guard_ip(NULL, "8.8.8.8"), DC_E_INVALID_ARG);
  assert_status(dc_guard_ip(c, NULL), DC_E_INVALID_ARG);
  assert_status(dc_guard_txt(NULL, "a.example", 0), DC_E_INVALID_ARG);
  assert_status(dc_guard_txt(c, NULL, 0), DC_E_INVALID_ARG);
  assert_status(dc_guard_url(NULL, "https://a.example", 0), DC_E_INVALID_ARG);
  assert_status(dc_guard_url(c, NULL, 1), DC_E_INVALID_ARG);
  /* a refusal before resolving never reaches DNS */
  assert_status(dc_guard_txt(c, "127.0.0.1", 1), DC_E_BLOCKED);
  assert_status(dc_guard_url(c, "https://localhost/", 1), DC_E_BLOCKED);
  /* the allow list does not make a literal host acceptable (syntax rule) */
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.1"), DC_OK);
  assert_status(dc_guard_url(c, "https://127.0.0.1/", 0), DC_E_BLOCKED);
  dc_client_free(c);
}

/* ---- machine-readable reasons (net.h dc_guard_reason, docs/security.md §2.11) */

/* The stable names, pinned: changing one is an API change. */
static const struct {
  dc_guard_reason r;
  const char *name;
} k_reason_names[] = {
  {DC_GUARD_NONE, "none"},
  {DC_GUARD_INVALID_HOST, "invalid_host"},
  {DC_GUARD_IP_LITERAL, "ip_literal"},
  {DC_GUARD_SPECIAL_NAME, "special_name"},
  {DC_GUARD_SCHEME, "scheme"},
  {DC_GUARD_USERINFO, "userinfo"},
  {DC_GUARD_PORT, "port"},
  {DC_GUARD_QUERY, "query"},
  {DC_GUARD_FRAGMENT, "fragment"},
  {DC_GUARD_PATH, "path"},
  {DC_GUARD_CHARACTERS, "characters"},
  {DC_GUARD_TOO_LONG, "too_long"},
  {DC_GUARD_EMPTY, "empty"},
  {DC_GUARD_PARSER_MISMATCH, "parser_mismatch"},
  {DC_GUARD_BLOCKED_ADDRESS, "blocked_address"},
  {DC_GUARD_LOCAL_ADDRESS, "local_address"},
  {DC_GUARD_SCOPED_ADDRESS, "scoped_address"},
  {DC_GUARD_UNRESOLVABLE, "unresolvable"},
};

static void test_reason_names(void **state)
{
  (void)state;
  size_t n = sizeof k_reason_names / sizeof k_reason_names[0];
  for (size_t i = 0; i < n; i++) {
    /* the table lists every value in order, so none is missing */
    assert_int_equal((int)k_reason_names[i].r, (int)i);
    assert_string_equal(dc_guard_reason_name(k_reason_names[i].r), k_reason_names[i].name);
    /* lower case, digits and '_' only: safe to store and compare */
    for (const char *p = k_reason_names[i].name; *p != '\0'; p++)
      assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
    for (size_t j = i + 1; j < n; j++)
      assert_string_not_equal(k_reason_names[i].name, k_reason_names[j].name);
  }
  /* every value past the last (and before the first) is "unknown" */
  assert_string_equal(dc_guard_reason_name((dc_guard_reason)n), "unknown");
  assert_string_equal(dc_guard_reason_name((dc_guard_reason)-1), "unknown");
  assert_string_equal(dc_guard_reason_name((dc_guard_reason)1000), "unknown");
  assert_int_equal(dc_client_guard_reason(NULL), DC_GUARD_NONE);
}

/* Every refusal the guard can make without DNS, and its reason: at least
 * one row per reason, except DC_GUARD_TOO_LONG (test_reasons, below),
 * DC_GUARD_UNRESOLVABLE (needs a DNS server: integration test_discovery),
 * DC_GUARD_LOCAL_ADDRESS (needs an own public address:
 * test_reason_local_address) and DC_GUARD_PARSER_MISMATCH: libcurl's
 * cross-check (docs/security.md §2.2) is defence in depth and no URL that
 * passes the guard's own rules makes libcurl disagree, so no input reaches
 * it. */
static const struct reason_row {
  int kind; /* 'i' ip, 't' txt, 'u' url, 'T' dc_txt_value_parse, 'S' settings urlAPI */
  const char *input;
  dc_guard_reason want;
} k_reasons[] = {
  {'i', "8.8.8.8", DC_GUARD_NONE},
  {'t', "api.example.com/dc", DC_GUARD_NONE},
  {'u', "https://api.example.com/dc", DC_GUARD_NONE},
  /* invalid_host: every name rule that is not one of the kinds below */
  {'u', "https://single/", DC_GUARD_INVALID_HOST},
  {'u', "https://a..example.com/", DC_GUARD_INVALID_HOST},
  {'u', "https://-a.example.com/", DC_GUARD_INVALID_HOST},
  {'u', "https://a_b.example.com/", DC_GUARD_INVALID_HOST},
  {'t', "api!.example.com", DC_GUARD_INVALID_HOST},
  {'t', "x.0123456789012345678901234567890123456789012345678901234567890123.example",
   DC_GUARD_INVALID_HOST},
  /* ip_literal */
  {'u', "https://127.0.0.1/", DC_GUARD_IP_LITERAL},
  {'u', "https://[::1]/", DC_GUARD_IP_LITERAL},
  {'u', "https://api.0x7f/", DC_GUARD_IP_LITERAL},
  {'t', "8.8.8.8", DC_GUARD_IP_LITERAL},
  {'t', "[::1]", DC_GUARD_IP_LITERAL},
  /* special_name */
  {'u', "https://localhost/", DC_GUARD_SPECIAL_NAME},
  {'u', "https://metadata.google.internal/", DC_GUARD_SPECIAL_NAME},
  {'t', "printer.local", DC_GUARD_SPECIAL_NAME},
  {'t', "x.onion", DC_GUARD_SPECIAL_NAME},
  /* scheme */
  {'u', "http://api.example.com/", DC_GUARD_SCHEME},
  {'u', "https:///api.example.com/", DC_GUARD_SCHEME},
  {'u', "ftp://api.example.com/", DC_GUARD_SCHEME},
  {'t', "https://api.example.com", DC_GUARD_SCHEME},
  /* userinfo */
  {'u', "https://user@api.example.com/", DC_GUARD_USERINFO},
  {'u', "https://api.example.com@127.0.0.1/", DC_GUARD_USERINFO},
  {'t', "user@api.example.com", DC_GUARD_USERINFO},
  /* port */
  {'u', "https://api.example.com:8443/", DC_GUARD_PORT},
  {'u', "https://api.example.com:/", DC_GUARD_PORT},
  {'t', "api.example.com:8443", DC_GUARD_PORT},
  /* query */
  {'u', "https://api.example.com/?x=1", DC_GUARD_QUERY},
  {'t', "api.example.com?x", DC_GUARD_QUERY},
  /* fragment */
  {'u', "https://api.example.com/#x", DC_GUARD_FRAGMENT},
  {'t', "api.example.com#x", DC_GUARD_FRAGMENT},
  /* path */
  {'u', "https://api.example.com/a/../b", DC_GUARD_PATH},
  {'u', "https://api.example.com//x", DC_GUARD_PATH},
  {'u', "https://api.example.com/a;b", DC_GUARD_PATH},
  {'t', "api.example.com/a/./b", DC_GUARD_PATH},
  /* characters */
  {'u', "https://api.example.com/\\x", DC_GUARD_CHARACTERS},
  {'u', "https://api.example.com/a b", DC_GUARD_CHARACTERS},
  {'u', "https://api.example.com/\x01", DC_GUARD_CHARACTERS},
  {'u', "https://api.ex\xc3\xa4mple.com/", DC_GUARD_CHARACTERS},
  {'u', "https://%31%32%37%2e%30%2e%30%2e%31/", DC_GUARD_CHARACTERS},
  {'t', "api.example.com/a%2e", DC_GUARD_CHARACTERS},
  {'t', "api example.com", DC_GUARD_CHARACTERS},
  {'T', "api.ex\x01mple.com", DC_GUARD_CHARACTERS},
  /* empty */
  {'u', "", DC_GUARD_EMPTY},
  {'u', "https://", DC_GUARD_SCHEME}, /* "no host after https://" */
  {'t', "", DC_GUARD_EMPTY},
  {'t', "   ", DC_GUARD_EMPTY},
  /* blocked_address */
  {'i', "127.0.0.1", DC_GUARD_BLOCKED_ADDRESS},
  {'i', "169.254.169.254", DC_GUARD_BLOCKED_ADDRESS},
  {'i', "::ffff:10.0.0.1", DC_GUARD_BLOCKED_ADDRESS},
  {'i', "fd00::1", DC_GUARD_BLOCKED_ADDRESS},
  /* scoped_address */
  {'i', "fe80::1%eth0", DC_GUARD_SCOPED_ADDRESS},
  /* settings: the same rules, the same reasons (DC_E_UNSAFE_URL there) */
  {'S', "https://user@api.example.com", DC_GUARD_USERINFO},
  {'S', "https://10.0.0.1", DC_GUARD_IP_LITERAL},
  /* not a refusal: no reason */
  {'i', "127.1", DC_GUARD_NONE},
};

static dc_status reason_call(dc_client *c, const struct reason_row *r)
{
  switch (r->kind) {
  case 'i': return dc_guard_ip(c, r->input);
  case 't': return dc_guard_txt(c, r->input, false);
  case 'u': return dc_guard_url(c, r->input, false);
  case 'T': {
    char *out = NULL;
    dc_status st = dc_txt_value_parse(c, r->input, strlen(r->input), &out);
    dc_free(out);
    return st;
  }
  default: {
    char doc[512];
    snprintf(doc, sizeof doc,
             "{\"providerId\":\"p.example\",\"providerName\":\"P\",\"urlAPI\":\"%s\"}",
             r->input);
    dc_settings *s = NULL;
    dc_status st = dc_settings_parse(c, doc, strlen(doc), NULL, &s);
    dc_settings_free(s);
    return st;
  }
  }
}

static void check_reason_row(dc_client *c, const struct reason_row *r)
{
  /* a refusal first, so that a stale reason would show */
  assert_status(dc_guard_url(c, "https://user@stale.example/", false), DC_E_BLOCKED);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_USERINFO);
  dc_status st = reason_call(c, r);
  dc_guard_reason got = dc_client_guard_reason(c);
  if (got != r->want)
    fail_msg("%c '%s': reason %s (%s: %s), expected %s", r->kind, r->input,
             dc_guard_reason_name(got), dc_status_name(st), dc_client_error(c),
             dc_guard_reason_name(r->want));
  /* a reason comes exactly with a refusal */
  dc_status refusal = r->kind == 'S'   ? DC_E_UNSAFE_URL
                      : r->kind == 'T' ? DC_E_TXT_INVALID
                                       : DC_E_BLOCKED;
  if (r->want == DC_GUARD_NONE) assert_true(st != refusal);
  else assert_status(st, refusal);
}

static void test_reasons(void **state)
{
  (void)state;
  dc_client *rc = tu_client();
  for (size_t i = 0; i < sizeof k_reasons / sizeof k_reasons[0]; i++)
    check_reason_row(rc, &k_reasons[i]);
  dc_client_free(rc);
  /* every reason but those named above the table has a row */
  for (int v = DC_GUARD_INVALID_HOST; v <= DC_GUARD_UNRESOLVABLE; v++) {
    if (v == DC_GUARD_LOCAL_ADDRESS || v == DC_GUARD_UNRESOLVABLE ||
        v == DC_GUARD_TOO_LONG || v == DC_GUARD_PARSER_MISMATCH)
      continue;
    bool seen = false;
    for (size_t i = 0; i < sizeof k_reasons / sizeof k_reasons[0]; i++)
      if ((int)k_reasons[i].want == v) seen = true;
    if (!seen) fail_msg("no row for %s", dc_guard_reason_name((dc_guard_reason)v));
  }
  dc_client *c = tu_client();
  /* too_long: a TXT value or a URL over its cap */
  char big[3000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  big[300] = '\0';
  assert_status(dc_guard_txt(c, big, false), DC_E_BLOCKED);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_TOO_LONG);
  big[300] = 'a';
  memcpy(big, "https://a.example/", 18);
  assert_status(dc_guard_url(c, big, false), DC_E_BLOCKED);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_TOO_LONG);
  /* port: an allowed address on a port its entry does not name */
  assert_status(dc_client_test_only_allow_address(c, "127.0.0.1:8443"), DC_OK);
  dci_addr lo = parse_ok("127.0.0.1");
  assert_non_null(dci_guard_addr_port(c, &lo, 8444));
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_PORT);
  assert_null(dci_guard_addr_port(c, &lo, 8443));
  /* the next call clears it, also when it succeeds */
  assert_status(dc_guard_ip(c, "8.8.8.8"), DC_OK);
  assert_int_equal(dc_client_guard_reason(c), DC_GUARD_NONE);
  dc_client_free(c);
}

/* local_address: an address the table allows that is one of this host's
 * own. In a fresh user + network namespace 1.2.3.4 is put on lo; where
 * namespaces are not available the test is skipped (never passed). */
/* Sets lo's IPv4 address to `ip` (replacing the one it has); false when
 * the namespace does not allow it. */
static bool set_lo_addr(const char *ip)
{
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, "lo", 3);
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  bool ok = fd >= 0 && inet_pton(AF_INET, ip, &sin.sin_addr) == 1;
  memcpy(&ifr.ifr_addr, &sin, sizeof sin);
  ok = ok && ioctl(fd, SIOCSIFADDR, &ifr) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

/* Runs `body` in a child in a fresh user + network namespace; skipped
 * (never passed) where namespaces are not available (exit 77). */
static void in_netns(int (*body)(void))
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) _exit(body());
  int ws = 0;
  assert_int_equal(waitpid(pid, &ws, 0), pid);
  assert_true(WIFEXITED(ws));
  if (WEXITSTATUS(ws) == 77) skip();
  assert_int_equal(WEXITSTATUS(ws), 0);
}

static bool blocked_local(dc_client *c, const char *ip)
{
  return dc_guard_ip(c, ip) == DC_E_BLOCKED &&
         dc_client_guard_reason(c) == DC_GUARD_LOCAL_ADDRESS;
}

/* The interface list is cached (src/guard/addr.c): a change must still be
 * seen at the next check, and so must a move to another namespace. */
static int local_cache_body(void)
{
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return 2;
  /* cache filled in the namespace the process starts in */
  if (dc_guard_ip(c, "5.6.7.8") != DC_OK) return 3;
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return 77;
  if (!set_lo_addr("5.6.7.8")) return 77;
  int rc = 0;
  if (!blocked_local(c, "5.6.7.8")) rc = 4;              /* new namespace seen */
  if (rc == 0 && !set_lo_addr("9.9.9.9")) rc = 5;
  if (rc == 0 && !blocked_local(c, "9.9.9.9")) rc = 6;   /* a change seen */
  if (rc == 0 && dc_guard_ip(c, "5.6.7.8") != DC_OK) rc = 7; /* and the old one gone */
  for (int i = 0; rc == 0 && i < 1000; i++)              /* cached: same answers */
    if (!blocked_local(c, "9.9.9.9") || dc_guard_ip(c, "5.6.7.8") != DC_OK) rc = 8;
  dc_client_free(c);
  return rc;
}

static void test_local_interface_cache(void **state)
{
  (void)state;
  in_netns(local_cache_body);
}

static int local_address_body(void)
{
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return 77;
  if (!set_lo_addr("1.2.3.4")) return 77;
  {
    dc_client *c = NULL;
    if (dc_client_new(&c) != DC_OK) _exit(2);
    dc_status st = dc_guard_ip(c, "1.2.3.4");
    bool ok = st == DC_E_BLOCKED && dc_client_guard_reason(c) == DC_GUARD_LOCAL_ADDRESS &&
              strcmp(dc_client_error(c), "1.2.3.4: address of a local network interface") == 0;
    /* the same address is public for the table */
    dci_addr a = parse_ok("1.2.3.4");
    ok = ok && dci_addr_problem(&a) == NULL;
    dc_client_free(c);
    return ok ? 0 : 1;
  }
}

static void test_reason_local_address(void **state)
{
  (void)state;
  in_netns(local_address_body);
}

/* ---- the CLI: domainconnect guard */
struct cli_result {
  int code;
  char out[4096];
  char err[1024];
};

static void read_all(int fd, char *buf, size_t n)
{
  size_t o = 0;
  for (;;) {
    ssize_t r = read(fd, buf + o, n - 1 - o);
    if (r <= 0) break;
    o += (size_t)r;
    if (o + 1 >= n) break;
  }
  buf[o] = '\0';
}

static struct cli_result run_cli(const char *const *args)
{
  struct cli_result res = {.code = -1};
  char *argv[16];
  size_t k = 0;
  argv[k++] = (char *)DC_CLI_PATH;
  argv[k++] = (char *)"guard";
  for (; args[k - 2] != NULL && k < 15; k++) argv[k] = (char *)args[k - 2];
  argv[k] = NULL;
  int po[2], pe[2];
  assert_int_equal(pipe(po), 0);
  assert_int_equal(pipe(pe), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(po[1], 1);
    dup2(pe[1], 2);
    close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
    execv(argv[0], argv);
    _exit(127);
  }
  close(po[1]);
  close(pe[1]);
  read_all(po[0], res.out, sizeof res.out);
  read_all(pe[0], res.err, sizeof res.err);
  close(po[0]);
  close(pe[0]);
  int ws = 0;
  assert_int_equal(waitpid(pid, &ws, 0), pid);
  res.code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  return res;
}

static void test_cli(void **state)
{
  (void)state;
  static const struct {
    const char *args[6];
    int code;
    const char *out; /* exact stdout, or NULL */
    const char *err; /* substring of stderr, or NULL for empty */
  } k_cli[] = {
    {{"ip", "8.8.8.8"}, 0, "allow\n", NULL},
    {{"ip", "127.0.0.1"}, 1, "refuse: 127.0.0.1: loopback 127.0.0.0/8\n", NULL},
    {{"ip", "::ffff:127.0.0.1"}, 1,
     "refuse: ::ffff:127.0.0.1: IPv4-mapped IPv6 ::ffff:0:0/96 (embeds 127.0.0.1)\n", NULL},
    {{"ip", "127.0.0.2", "--test-allow-address", "127.0.0.2"}, 0, "allow\n", NULL},
    {{"ip", "127.0.0.3", "--test-allow-address", "127.0.0.2"}, 1, NULL, NULL},
    {{"ip", "127.1"}, 1, "", "invalid_arg: "},
    {{"txt", "api.example.com/dc"}, 0, "allow\n", NULL},
    {{"txt", "http://api.example.com"}, 1, NULL, NULL},
    {{"url", "https://api.example.com/v1"}, 0, "allow\n", NULL},
    {{"url", "https://api.example.com@127.0.0.1/"}, 1, NULL, NULL},
    {{"--", "txt", "-api.example.com"}, 1, NULL, NULL},
    {{"ip", "8.8.8.8", "--resolve"}, 2, "", "--resolve"},
    {{"dns", "8.8.8.8"}, 2, "", "ip, txt or url"},
    {{"ip"}, 2, "", "expected"},
    {{"ip", "1.1.1.1", "extra"}, 2, "", "expected"},
    {{"ip", "1.1.1.1", "--bogus"}, 2, "", "unknown option"},
    {{"ip", "1.1.1.1", "--dns-server", "nonsense"}, 2, "", "DNS server"},
    {{"ip", "1.1.1.1", "--test-allow-address", "x"}, 2, "", "not an IP address"},
    {{"ip", "1.1.1.1", "--test-allow-address", "127.0.0.1:0"}, 2, "", "port outside 1..65535"},
    {{"ip", "1.1.1.1", "--test-allow-address", "127.0.0.1:"}, 2, "", "empty port"},
    {{"url", "https://api.example.com:8443/", "--test-allow-address", "127.0.0.1:8443"}, 0,
     "allow\n", NULL},
    {{"url", "https://api.example.com:8443/", "--test-allow-address", "127.0.0.1"}, 1,
     NULL, NULL},
    {{"url", "https://api.example.com:8443/"}, 1, NULL, NULL},
    {{"txt", "api.example.com:8443", "--test-allow-address", "[::1]:8443"}, 0, "allow\n", NULL},
    {{"--help"}, 0, NULL, NULL},
    /* --json: {"verdict","reason","detail"} */
    {{"ip", "8.8.8.8", "--json"}, 0, "{\"verdict\":\"allow\",\"reason\":\"none\",\"detail\":null}\n",
     NULL},
    {{"ip", "127.0.0.1", "--json"}, 1,
     "{\"verdict\":\"refuse\",\"reason\":\"blocked_address\","
     "\"detail\":\"127.0.0.1: loopback 127.0.0.0/8\"}\n", NULL},
    {{"--json", "ip", "fe80::1%eth0"}, 1,
     "{\"verdict\":\"refuse\",\"reason\":\"scoped_address\","
     "\"detail\":\"fe80::1 with a zone id: scoped IPv6 address\"}\n", NULL},
    {{"txt", "user@api.example.com", "--json"}, 1,
     "{\"verdict\":\"refuse\",\"reason\":\"userinfo\",\"detail\":\"_domainconnect TXT "
     "value: userinfo ('@') in \\\"user@api.example.com\\\"\"}\n", NULL},
    {{"url", "https://api.example.com:8443/", "--json"}, 1,
     "{\"verdict\":\"refuse\",\"reason\":\"port\",\"detail\":\"URL: port other than 443 in "
     "\\\"https://api.example.com:8443/\\\"\"}\n", NULL},
    {{"url", "https://api.example.com/v1", "--json"}, 0,
     "{\"verdict\":\"allow\",\"reason\":\"none\",\"detail\":null}\n", NULL},
    /* not an address: a failure, not a verdict (stderr, nothing on stdout) */
    {{"ip", "127.1", "--json"}, 1, "", "invalid_arg: "},
  };
  for (size_t i = 0; i < sizeof k_cli / sizeof k_cli[0]; i++) {
    struct cli_result r = run_cli(k_cli[i].args);
    if (r.code != k_cli[i].code)
      fail_msg("guard %s %s: exit %d, expected %d (out \"%s\", err \"%s\")",
               k_cli[i].args[0], k_cli[i].args[1] ? k_cli[i].args[1] : "", r.code,
               k_cli[i].code, r.out, r.err);
    if (k_cli[i].out != NULL) assert_string_equal(r.out, k_cli[i].out);
    if (k_cli[i].code == 1 && k_cli[i].out == NULL)
      /* (the --json rows give their exact output) */
      assert_true(strncmp(r.out, "refuse: ", 8) == 0);
    if (k_cli[i].err == NULL) assert_string_equal(r.err, "");
    else if (strstr(r.err, k_cli[i].err) == NULL)
      fail_msg("guard %s: stderr \"%s\" lacks \"%s\"", k_cli[i].args[0], r.err,
               k_cli[i].err);
  }
  const char *help[] = {"--help", NULL};
  struct cli_result r = run_cli(help);
  assert_non_null(strstr(r.out, "usage: domainconnect guard"));
  assert_non_null(strstr(r.out, "--dns-server"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_v4_blocks),
    cmocka_unit_test(test_embedded_public),
    cmocka_unit_test(test_v4_neighbours),
    cmocka_unit_test(test_v6_rules),
    cmocka_unit_test(test_v6_allowed),
    cmocka_unit_test(test_parse),
    cmocka_unit_test(test_sockaddr),
    cmocka_unit_test(test_allow_list),
    cmocka_unit_test(test_allow_spec_good),
    cmocka_unit_test(test_allow_spec_bad),
    cmocka_unit_test(test_allow_ports),
    cmocka_unit_test(test_allow_port_urls),
    cmocka_unit_test(test_local_interfaces),
    cmocka_unit_test(test_api_no_resolve),
    cmocka_unit_test(test_reason_names),
    cmocka_unit_test(test_reasons),
    cmocka_unit_test(test_reason_local_address),
    cmocka_unit_test(test_local_interface_cache),
    cmocka_unit_test(test_cli),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
