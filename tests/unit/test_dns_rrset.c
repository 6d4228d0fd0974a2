/* dci_dns_parse_rrset (src/dns/parse.c) on hand-built responses: every
 * type's presentation form (A, AAAA, CNAME, NS, MX, TXT, SRV, CAA, generic
 * RFC 3597), CNAME handling (followed except for a CNAME question), the NS
 * referral, outcomes, malformed RDATA, limits; and the type-name helpers. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "dns/resolver.h"

/* ---- message builder: names given as dotted text, "^N" = pointer to N */

typedef struct msgb {
  unsigned char b[80000];
  size_t n;
} msgb;

static msgb g;

static void u8(unsigned v) { g.b[g.n++] = (unsigned char)v; }
static void u16(unsigned v) { u8((v >> 8) & 0xffu); u8(v & 0xffu); }
static void u32(unsigned long v) { u16((unsigned)(v >> 16) & 0xffffu); u16((unsigned)v & 0xffffu); }
static void raw(const void *p, size_t l) { memcpy(g.b + g.n, p, l); g.n += l; }

static void name(const char *s)
{
  while (*s) {
    if (*s == '^') {
      u16(0xC000u | (unsigned)strtoul(s + 1, NULL, 10));
      return;
    }
    const char *dot = strchr(s, '.');
    size_t l = dot ? (size_t)(dot - s) : strlen(s);
    u8((unsigned)l);
    raw(s, l);
    s += l;
    if (*s == '.') s++;
  }
  u8(0);
}

/* Header (QR, RD, RA, rcode) and one question. */
static void start(unsigned rcode, const char *qname, unsigned qtype,
                  unsigned an, unsigned ns, unsigned ar)
{
  g.n = 0;
  u16(0x4242);
  u16(0x8180u | rcode);
  u16(1);
  u16(an);
  u16(ns);
  u16(ar);
  name(qname);
  u16(qtype);
  u16(1);
}

static size_t rr(const char *owner, unsigned type, unsigned cls)
{
  name(owner);
  u16(type);
  u16(cls);
  u32(3600);
  size_t at = g.n;
  u16(0);
  return at;
}

static void end(size_t at)
{
  size_t l = g.n - at - 2;
  g.b[at] = (unsigned char)(l >> 8);
  g.b[at + 1] = (unsigned char)l;
}

static void rr_name(const char *owner, unsigned type, const char *target)
{
  size_t at = rr(owner, type, 1);
  name(target);
  end(at);
}

static void rr_mx(const char *owner, unsigned pref, const char *exch)
{
  size_t at = rr(owner, 15, 1);
  u16(pref);
  name(exch);
  end(at);
}

static void rr_a(const char *owner, unsigned a, unsigned b, unsigned c, unsigned d)
{
  size_t at = rr(owner, 1, 1);
  u8(a); u8(b); u8(c); u8(d);
  end(at);
}

static void rr_txt(const char *owner, const char *const *strs, size_t n)
{
  size_t at = rr(owner, 16, 1);
  for (size_t i = 0; i < n; i++) {
    u8((unsigned)strlen(strs[i]));
    raw(strs[i], strlen(strs[i]));
  }
  end(at);
}

static void rr_caa(const char *owner, unsigned flags, const char *tag,
                   const void *val, size_t vlen)
{
  size_t at = rr(owner, 257, 1);
  u8(flags);
  u8((unsigned)strlen(tag));
  raw(tag, strlen(tag));
  raw(val, vlen);
  end(at);
}

/* Parses g as an answer to qtype. */
static dc_status parse(unsigned qtype, dci_rrset *s, dci_dns_result *r, dci_dns_info *info)
{
  return dci_dns_parse_rrset(g.b, g.n, qtype, s, r, info);
}

static void expect_ok(unsigned qtype, dci_rrset *s, size_t n)
{
  dci_dns_result r = (dci_dns_result)-1;
  dc_status st = parse(qtype, s, &r, NULL);
  assert_status(st, DC_OK);
  assert_int_equal(r, DCI_DNS_OK);
  assert_int_equal(s->n, n);
  for (size_t i = 0; i < s->n; i++) {
    assert_int_equal(s->rrs[i].type, qtype);
    assert_int_equal(s->rrs[i].data[s->rrs[i].len], '\0');
  }
}

static void expect_fail(unsigned qtype, dc_status want, dci_dns_result want_r)
{
  dci_rrset s;
  dci_dns_result r = (dci_dns_result)-1;
  assert_status(parse(qtype, &s, &r, NULL), want);
  assert_int_equal(r, want_r);
  assert_int_equal(s.n, 0);
  assert_null(s.rrs);
  dci_rrset_free(&s);
}

/* ---- types */

static void test_addresses(void **state)
{
  (void)state;
  dci_rrset s;
  start(0, "www.example.test", 1, 2, 0, 0);
  rr_a("^12", 8, 8, 8, 8);
  rr_a("^12", 8, 8, 4, 4);
  expect_ok(1, &s, 2);
  assert_string_equal(s.rrs[0].data, "8.8.8.8");
  assert_string_equal(s.rrs[1].data, "8.8.4.4");
  assert_int_equal(s.rrs[0].ttl, 3600);
  dci_rrset_free(&s);
  assert_null(s.storage);

  static const unsigned char v6[16] = {0x26, 0x06, 0x47, 0, 0x47, 0, 0, 0,
                                       0, 0, 0, 0, 0, 0, 0x11, 0x11};
  start(0, "www.example.test", 28, 1, 0, 0);
  size_t at = rr("^12", 28, 1);
  raw(v6, 16);
  end(at);
  expect_ok(28, &s, 1);
  assert_string_equal(s.rrs[0].data, "2606:4700:4700::1111");
  dci_rrset_free(&s);
}

static void test_cname_question(void **state)
{
  (void)state;
  dci_rrset s;
  dci_dns_info info;
  /* A CNAME question is answered by the name's own CNAME: a chain in the
   * answer is not followed, the target is lower-cased, no trailing dot. */
  start(0, "www.example.test", 5, 2, 0, 0);
  rr_name("^12", 5, "Target.Example.TEST");
  rr_name("target.example.test", 5, "further.example.test");
  dci_dns_result r;
  assert_status(parse(5, &s, &r, &info), DC_OK);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.rrs[0].data, "target.example.test");
  assert_int_equal(info.cname_hops, 0);
  dci_rrset_free(&s);
  /* compressed target (pointer into the question name) */
  start(0, "www.example.test", 5, 1, 0, 0);
  rr_name("^12", 5, "alias.^16");
  expect_ok(5, &s, 1);
  assert_string_equal(s.rrs[0].data, "alias.example.test");
  dci_rrset_free(&s);
  /* no CNAME at the name: NODATA (the other records do not count) */
  start(0, "www.example.test", 5, 1, 0, 0);
  rr_a("^12", 8, 8, 8, 8);
  expect_fail(5, DC_E_NO_RECORD, DCI_DNS_NODATA);
}

static void test_ns(void **state)
{
  (void)state;
  dci_rrset s;
  start(0, "example.test", 2, 2, 0, 0);
  rr_name("^12", 2, "ns1.^12");
  rr_name("^12", 2, "NS2.Provider.Test.");
  expect_ok(2, &s, 2);
  assert_string_equal(s.rrs[0].data, "ns1.example.test");
  assert_string_equal(s.rrs[1].data, "ns2.provider.test");
  dci_rrset_free(&s);
  /* A delegation point: the referral's NS RRs (authority section). */
  start(0, "sub.example.test", 2, 0, 2, 1);
  rr_name("^12", 2, "ns1.^12");
  rr_name("^12", 2, "ns2.example.org");
  rr_a("ns1.^12", 127, 0, 0, 1);
  expect_ok(2, &s, 2);
  assert_string_equal(s.rrs[0].data, "ns1.sub.example.test");
  assert_string_equal(s.rrs[1].data, "ns2.example.org");
  dci_rrset_free(&s);
  /* NODATA: the authority holds the SOA, not NS of the name */
  start(0, "www.example.test", 2, 0, 1, 0);
  size_t at = rr("example.test", 6, 1);
  name("ns1.example.test");
  name("hostmaster.example.test");
  for (int i = 0; i < 5; i++) u32(300);
  end(at);
  expect_fail(2, DC_E_NO_RECORD, DCI_DNS_NODATA);
  /* referral NS RDATA is checked too */
  start(0, "sub.example.test", 2, 0, 1, 0);
  at = rr("^12", 2, 1);
  u8(5);
  raw("ab", 2);
  end(at);
  expect_fail(2, DC_E_DNS, DCI_DNS_BADRESP);
  /* NS of another name (the parent) in the authority: not a referral for it */
  start(0, "sub.example.test", 2, 0, 1, 0);
  rr_name("example.test", 2, "ns1.example.test");
  expect_fail(2, DC_E_NO_RECORD, DCI_DNS_NODATA);
}

static void test_mx(void **state)
{
  (void)state;
  dci_rrset s;
  start(0, "example.test", 15, 3, 0, 0);
  rr_mx("^12", 10, "mx1.^12");
  rr_mx("^12", 20, "MX2.Example.Org");
  rr_mx("^12", 0, ""); /* null MX (RFC 7505) */
  expect_ok(15, &s, 3);
  assert_string_equal(s.rrs[0].data, "mx1.example.test");
  assert_int_equal(s.rrs[0].priority, 10);
  assert_string_equal(s.rrs[1].data, "mx2.example.org");
  assert_int_equal(s.rrs[1].priority, 20);
  assert_string_equal(s.rrs[2].data, ".");
  assert_int_equal(s.rrs[2].priority, 0);
  dci_rrset_free(&s);
  /* through a CNAME inside the answer: the RRs of the chain's end */
  start(0, "www.example.test", 15, 3, 0, 0);
  rr_name("^12", 5, "mail.example.test");
  rr_mx("mail.example.test", 5, "mx.example.test");
  rr_mx("^12", 7, "not-this.example.test"); /* owned by the question name */
  dci_dns_info info;
  dci_dns_result r;
  assert_status(parse(15, &s, &r, &info), DC_OK);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.rrs[0].data, "mx.example.test");
  assert_int_equal(info.cname_hops, 1);
  dci_rrset_free(&s);
  /* a CNAME into a zone the server does not serve: the target to ask next */
  start(0, "www.example.test", 15, 1, 0, 0);
  rr_name("^12", 5, "mail.other.test");
  assert_status(parse(15, &s, &r, &info), DC_E_NO_RECORD);
  assert_int_equal(r, DCI_DNS_NODATA);
  assert_string_equal(info.cname_target, "mail.other.test");
  dci_rrset_free(&s);
}

static void test_txt(void **state)
{
  (void)state;
  dci_rrset s;
  static const char *const spf[] = {"v=spf1 ", "include:spf.example.org", " ~all"};
  static const char *const other[] = {"other"};
  static const char *const empty[] = {""};
  start(0, "example.test", 16, 3, 0, 0);
  rr_txt("^12", spf, 3);
  rr_txt("^12", other, 1);
  rr_txt("^12", empty, 1);
  expect_ok(16, &s, 3);
  assert_string_equal(s.rrs[0].data, "v=spf1 include:spf.example.org ~all");
  assert_int_equal(s.rrs[0].len, strlen("v=spf1 include:spf.example.org ~all"));
  assert_string_equal(s.rrs[1].data, "other");
  assert_string_equal(s.rrs[2].data, "");
  assert_int_equal(s.rrs[2].len, 0);
  dci_rrset_free(&s);
  /* bytes kept as they are, NUL included (len tells) */
  start(0, "example.test", 16, 1, 0, 0);
  size_t at = rr("^12", 16, 1);
  u8(3);
  raw("a\0b", 3);
  u8(1);
  raw("\"", 1);
  end(at);
  expect_ok(16, &s, 1);
  assert_int_equal(s.rrs[0].len, 4);
  assert_memory_equal(s.rrs[0].data, "a\0b\"", 4);
  dci_rrset_free(&s);
  /* an RR with no string at all */
  start(0, "example.test", 16, 1, 0, 0);
  at = rr("^12", 16, 1);
  end(at);
  expect_ok(16, &s, 1);
  assert_int_equal(s.rrs[0].len, 0);
  dci_rrset_free(&s);
}

static void test_srv(void **state)
{
  (void)state;
  dci_rrset s;
  start(0, "_sip._tls.example.test", 33, 2, 0, 0);
  size_t at = rr("^12", 33, 1);
  u16(10); u16(20); u16(443);
  name("SIP.example.test");
  end(at);
  at = rr("^12", 33, 1);
  u16(0); u16(0); u16(0);
  name("");
  end(at);
  expect_ok(33, &s, 2);
  assert_string_equal(s.rrs[0].data, "sip.example.test");
  assert_int_equal(s.rrs[0].priority, 10);
  assert_int_equal(s.rrs[0].weight, 20);
  assert_int_equal(s.rrs[0].port, 443);
  assert_string_equal(s.rrs[1].data, ".");
  dci_rrset_free(&s);
}

static void test_caa(void **state)
{
  (void)state;
  dci_rrset s;
  start(0, "example.test", 257, 3, 0, 0);
  rr_caa("^12", 0, "issue", "letsencrypt.org", 15);
  rr_caa("^12", 128, "IssueWild", "ca2.example.", 12);
  rr_caa("^12", 0, "iodef", "a\"b\\c\x01\xff", 7);
  expect_ok(257, &s, 3);
  assert_string_equal(s.rrs[0].data, "0 issue \"letsencrypt.org\"");
  assert_int_equal(s.rrs[0].priority, 0);
  assert_string_equal(s.rrs[0].tag, "issue");
  assert_int_equal(s.rrs[0].value_len, 15);
  assert_memory_equal(s.rrs[0].value, "letsencrypt.org", 15);
  assert_string_equal(s.rrs[1].data, "128 issuewild \"ca2.example.\"");
  assert_int_equal(s.rrs[1].priority, 128);
  assert_string_equal(s.rrs[1].tag, "issuewild");
  assert_string_equal(s.rrs[2].data, "0 iodef \"a\\\"b\\\\c\\001\\255\"");
  assert_int_equal(s.rrs[2].value_len, 7);
  assert_memory_equal(s.rrs[2].value, "a\"b\\c\x01\xff", 7);
  assert_int_equal(s.rrs[0].len, strlen(s.rrs[0].data));
  dci_rrset_free(&s);
  /* an empty value */
  start(0, "example.test", 257, 1, 0, 0);
  rr_caa("^12", 0, "issue", "", 0);
  expect_ok(257, &s, 1);
  assert_string_equal(s.rrs[0].data, "0 issue \"\"");
  assert_int_equal(s.rrs[0].value_len, 0);
  dci_rrset_free(&s);
  /* a tag byte that is not alphanumeric is written as \DDD */
  start(0, "example.test", 257, 1, 0, 0);
  rr_caa("^12", 0, "a b", "v", 1);
  expect_ok(257, &s, 1);
  assert_string_equal(s.rrs[0].data, "0 a\\032b \"v\"");
  dci_rrset_free(&s);
}

static void test_generic(void **state)
{
  (void)state;
  dci_rrset s;
  start(0, "x.example.test", 65280, 2, 0, 0);
  size_t at = rr("^12", 65280, 1);
  u8(0x0a); u8(0xbc); u8(0xff);
  end(at);
  at = rr("^12", 65280, 1);
  end(at);
  expect_ok(65280, &s, 2);
  assert_string_equal(s.rrs[0].data, "\\# 3 0abcff");
  assert_string_equal(s.rrs[1].data, "\\# 0");
  dci_rrset_free(&s);
  /* SOA is not formatted field by field: generic form too */
  start(0, "example.test", 6, 1, 0, 0);
  at = rr("^12", 6, 1);
  name("a");
  name("b");
  for (int i = 0; i < 5; i++) u32(1);
  end(at);
  expect_ok(6, &s, 1);
  assert_string_equal(s.rrs[0].data,
                      "\\# 26 01610001620000000001000000010000000100000001"
                      "00000001");
  dci_rrset_free(&s);
}

static void test_name_escapes(void **state)
{
  (void)state;
  dci_rrset s;
  start(0, "example.test", 5, 1, 0, 0);
  size_t at = rr("^12", 5, 1);
  u8(3); raw("a.b", 3);
  u8(2); raw(" x", 2);
  u8(2); raw("\\\x80", 2);
  u8(1); raw("*", 1);
  u8(0);
  end(at);
  expect_ok(5, &s, 1);
  assert_string_equal(s.rrs[0].data, "a\\.b.\\032x.\\\\\\128.*");
  dci_rrset_free(&s);
}

/* ---- outcomes and malformed answers */

static void test_outcomes(void **state)
{
  (void)state;
  start(3, "nx.example.test", 15, 0, 0, 0);
  expect_fail(15, DC_E_NO_RECORD, DCI_DNS_NXDOMAIN);
  start(2, "sf.example.test", 15, 0, 0, 0);
  expect_fail(15, DC_E_DNS, DCI_DNS_SERVFAIL);
  start(5, "rf.example.test", 15, 0, 0, 0);
  expect_fail(15, DC_E_DNS, DCI_DNS_REFUSED);
  /* records of another type or class do not count */
  start(0, "example.test", 15, 2, 0, 0);
  rr_a("^12", 8, 8, 8, 8);
  size_t at = rr("^12", 15, 3); /* class CH */
  u16(1);
  name("mx");
  end(at);
  expect_fail(15, DC_E_NO_RECORD, DCI_DNS_NODATA);
  /* the question must be the one parsed for */
  start(0, "example.test", 1, 1, 0, 0);
  rr_a("^12", 8, 8, 8, 8);
  expect_fail(15, DC_E_DNS, DCI_DNS_BADRESP);
  /* a truncated message */
  start(0, "example.test", 15, 1, 0, 0);
  rr_mx("^12", 1, "mx.example.test");
  g.n -= 3;
  expect_fail(15, DC_E_DNS, DCI_DNS_BADRESP);
}

static void test_malformed_rdata(void **state)
{
  (void)state;
  size_t at;
  /* MX: preference only */
  start(0, "example.test", 15, 1, 0, 0);
  at = rr("^12", 15, 1);
  u16(10);
  end(at);
  expect_fail(15, DC_E_DNS, DCI_DNS_BADRESP);
  /* MX: a name running past RDLENGTH */
  start(0, "example.test", 15, 1, 0, 0);
  at = rr("^12", 15, 1);
  u16(10);
  u8(10);
  raw("abc", 3);
  end(at); /* RDLENGTH 6: the label of 10 runs past it */
  expect_fail(15, DC_E_DNS, DCI_DNS_BADRESP);
  /* MX: bytes left after the name */
  start(0, "example.test", 15, 1, 0, 0);
  at = rr("^12", 15, 1);
  u16(10);
  name("mx");
  u8(0);
  end(at);
  expect_fail(15, DC_E_DNS, DCI_DNS_BADRESP);
  /* SRV: too short */
  start(0, "_s._tcp.example.test", 33, 1, 0, 0);
  at = rr("^12", 33, 1);
  u16(1); u16(2); u16(3);
  end(at);
  expect_fail(33, DC_E_DNS, DCI_DNS_BADRESP);
  /* CAA: tag length 0, tag past the end, one byte only */
  start(0, "example.test", 257, 1, 0, 0);
  at = rr("^12", 257, 1);
  u8(0); u8(0); raw("x", 1);
  end(at);
  expect_fail(257, DC_E_DNS, DCI_DNS_BADRESP);
  start(0, "example.test", 257, 1, 0, 0);
  at = rr("^12", 257, 1);
  u8(0); u8(9); raw("issue", 5);
  end(at);
  expect_fail(257, DC_E_DNS, DCI_DNS_BADRESP);
  start(0, "example.test", 257, 1, 0, 0);
  at = rr("^12", 257, 1);
  u8(0);
  end(at);
  expect_fail(257, DC_E_DNS, DCI_DNS_BADRESP);
  /* CNAME with a forward compression pointer */
  start(0, "example.test", 5, 1, 0, 0);
  at = rr("^12", 5, 1);
  u16(0xC000u | 200u);
  end(at);
  expect_fail(5, DC_E_DNS, DCI_DNS_BADRESP);
  /* A of 5 bytes */
  start(0, "example.test", 1, 1, 0, 0);
  at = rr("^12", 1, 1);
  u8(1); u8(2); u8(3); u8(4); u8(5);
  end(at);
  expect_fail(1, DC_E_DNS, DCI_DNS_BADRESP);
}

/* ---- limits */

static void test_limits(void **state)
{
  (void)state;
  dci_rrset s;
  dci_dns_info info;
  dci_dns_result r;
  /* MX: DCI_MAX_RRSET_RRS fit, one more does not */
  for (unsigned extra = 0; extra <= 1; extra++) {
    unsigned n = DCI_MAX_RRSET_RRS + extra;
    start(0, "example.test", 15, n, 0, 0);
    for (unsigned i = 0; i < n; i++) rr_mx("^12", i, "mx.^12");
    if (extra == 0) {
      expect_ok(15, &s, DCI_MAX_RRSET_RRS);
      assert_int_equal(s.rrs[DCI_MAX_RRSET_RRS - 1].priority, DCI_MAX_RRSET_RRS - 1);
      dci_rrset_free(&s);
    } else {
      assert_status(parse(15, &s, &r, &info), DC_E_LIMIT);
      assert_int_equal(r, DCI_DNS_LIMIT);
      assert_non_null(strstr(info.why, "DCI_MAX_RRSET_RRS"));
      assert_int_equal(s.n, 0);
      dci_rrset_free(&s);
    }
  }
  /* A: DCI_MAX_ADDRS */
  start(0, "example.test", 1, DCI_MAX_ADDRS + 1, 0, 0);
  for (unsigned i = 0; i <= DCI_MAX_ADDRS; i++) rr_a("^12", 8, 8, 8, i);
  expect_fail(1, DC_E_LIMIT, DCI_DNS_LIMIT);
  /* TXT: DC_MAX_DNS_TXT_RRS RRs */
  start(0, "example.test", 16, DC_MAX_DNS_TXT_RRS + 1, 0, 0);
  static const char *const one[] = {"v"};
  for (unsigned i = 0; i <= DC_MAX_DNS_TXT_RRS; i++) rr_txt("^12", one, 1);
  expect_fail(16, DC_E_LIMIT, DCI_DNS_LIMIT);
  /* TXT: DC_MAX_DNS_TXT_BYTES in all (a buffer larger than UDP or TCP
   * would carry, which the parser must still bound) */
  static char big[256];
  memset(big, 'x', 255);
  big[255] = '\0';
  const char *const five[] = {big, big, big, big, big};
  unsigned nrr = DC_MAX_DNS_TXT_BYTES / (5 * 255) + 1;
  start(0, "example.test", 16, nrr, 0, 0);
  for (unsigned i = 0; i < nrr; i++) rr_txt("^12", five, 5);
  assert_true(g.n < sizeof g.b);
  assert_status(parse(16, &s, &r, &info), DC_E_LIMIT);
  assert_non_null(strstr(info.why, "DC_MAX_DNS_TXT_BYTES"));
  dci_rrset_free(&s);
}

static void test_args(void **state)
{
  (void)state;
  dci_rrset s;
  dci_dns_result r;
  start(0, "example.test", 15, 0, 0, 0);
  static const unsigned bad[] = {0, 41, 249, 250, 251, 252, 253, 254, 255, 65536};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_status(dci_dns_parse_rrset(g.b, g.n, bad[i], &s, &r, NULL), DC_E_INVALID_ARG);
    assert_int_equal(s.n, 0);
    dci_rrset_free(&s);
  }
  assert_status(dci_dns_parse_rrset(g.b, g.n, 15, NULL, &r, NULL), DC_E_INVALID_ARG);
  assert_status(dci_dns_parse_rrset(NULL, 0, 15, &s, &r, NULL), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_BADRESP);
  dci_rrset_free(&s);
  dci_rrset_free(NULL);
  /* the synchronous lookup refuses the same types before any query */
  dc_client *c = tu_client();
  assert_status(dc_client_add_dns_server(c, "127.0.0.1:9"), DC_OK);
  assert_status(dci_dns_rrset(c, "example.test", 255, &s, &r), DC_E_INVALID_ARG);
  assert_int_equal(r, DCI_DNS_BADRESP);
  assert_non_null(strstr(dc_client_error(c), "255"));
  assert_status(dci_dns_rrset(c, "bad name!", 15, &s, &r), DC_E_INVALID_ARG);
  assert_status(dci_dns_rrset(NULL, "example.test", 15, &s, &r), DC_E_INVALID_ARG);
  assert_status(dci_dns_rrset(c, "example.test", 15, NULL, &r), DC_E_INVALID_ARG);
  dci_rrset_free(&s);
  dc_client_free(c);
}

static void test_type_names(void **state)
{
  (void)state;
  char buf[16];
  assert_string_equal(dci_dns_type_name(15, buf, sizeof buf), "MX");
  assert_string_equal(dci_dns_type_name(257, buf, sizeof buf), "CAA");
  assert_string_equal(dci_dns_type_name(65280, buf, sizeof buf), "TYPE65280");
  assert_int_equal(dci_dns_type_from_name("mx"), 15);
  assert_int_equal(dci_dns_type_from_name("Caa"), 257);
  assert_int_equal(dci_dns_type_from_name("AAAA"), 28);
  assert_int_equal(dci_dns_type_from_name("TYPE65280"), 65280);
  assert_int_equal(dci_dns_type_from_name("type1"), 1);
  static const char *const bad[] = {"", "SPFM", "REDIR301", "TYPE", "TYPE0",
                                    "TYPE065", "TYPE65536", "TYPE12x", "TYPE99999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (dci_dns_type_from_name(bad[i]) != 0) fail_msg("'%s' accepted", bad[i]);
  assert_int_equal(dci_dns_type_from_name(NULL), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_addresses),
    cmocka_unit_test(test_cname_question),
    cmocka_unit_test(test_ns),
    cmocka_unit_test(test_mx),
    cmocka_unit_test(test_txt),
    cmocka_unit_test(test_srv),
    cmocka_unit_test(test_caa),
    cmocka_unit_test(test_generic),
    cmocka_unit_test(test_name_escapes),
    cmocka_unit_test(test_outcomes),
    cmocka_unit_test(test_malformed_rdata),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_args),
    cmocka_unit_test(test_type_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
