/* The pure DNS response parsers of src/dns (parse.c) on hand-built messages:
 * header and rcode, counts, names (compression, loops, label types, length),
 * CNAME chains, TXT strings, A/AAAA, SOA, limits. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "dns/resolver.h"

/* ---- a tiny message builder */

typedef struct mb {
  unsigned char b[70000];
  size_t n;
} mb;

static void put8(mb *m, unsigned v) { m->b[m->n++] = (unsigned char)v; }
static void put16(mb *m, unsigned v) { put8(m, (v >> 8) & 0xff); put8(m, v & 0xff); }
static void put32(mb *m, unsigned long v)
{
  put16(m, (unsigned)(v >> 16) & 0xffff);
  put16(m, (unsigned)v & 0xffff);
}
static void set16(mb *m, size_t at, unsigned v)
{
  m->b[at] = (unsigned char)(v >> 8);
  m->b[at + 1] = (unsigned char)v;
}

/* "a.b.c" as labels; "" is the root; "^N" is a compression pointer to N;
 * "x.^N" is a label then a pointer. */
static void put_name(mb *m, const char *name)
{
  const char *p = name;
  while (*p) {
    if (*p == '^') {
      unsigned long off = strtoul(p + 1, NULL, 10);
      put16(m, 0xC000u | (unsigned)off);
      return;
    }
    const char *dot = strchr(p, '.');
    size_t l = dot ? (size_t)(dot - p) : strlen(p);
    put8(m, (unsigned)l);
    memcpy(m->b + m->n, p, l);
    m->n += l;
    p += l;
    if (*p == '.') p++;
  }
  put8(m, 0);
}

#define QR 0x8000u
#define RD 0x0100u
#define RA 0x0080u
#define TC 0x0200u

static void hdr(mb *m, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
  m->n = 0;
  put16(m, 0x1234);
  put16(m, flags);
  put16(m, qd);
  put16(m, an);
  put16(m, ns);
  put16(m, ar);
}

static void question(mb *m, const char *name, unsigned type)
{
  put_name(m, name);
  put16(m, type);
  put16(m, 1);
}

/* Starts an RR; returns where RDLENGTH goes (fixed by rr_end). */
static size_t rr_begin(mb *m, const char *owner, unsigned type)
{
  put_name(m, owner);
  put16(m, type);
  put16(m, 1);
  put32(m, 300);
  size_t at = m->n;
  put16(m, 0);
  return at;
}
static void rr_end(mb *m, size_t at) { set16(m, at, (unsigned)(m->n - at - 2)); }

static void rr_txt(mb *m, const char *owner, const char *const *strs, size_t n)
{
  size_t at = rr_begin(m, owner, 16);
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(strs[i]);
    put8(m, (unsigned)l);
    memcpy(m->b + m->n, strs[i], l);
    m->n += l;
  }
  rr_end(m, at);
}
static void rr_txt1(mb *m, const char *owner, const char *s) { rr_txt(m, owner, &s, 1); }

/* A response to "example.test TXT" with the given counts and one TXT "v"
 * (whatever the counts say). */
static void one_txt_msg(mb *m, unsigned an, unsigned ns, unsigned ar)
{
  hdr(m, QR, 1, an, ns, ar);
  question(m, "example.test", 16);
  rr_txt1(m, "^12", "v");
}

static void rr_cname(mb *m, const char *owner, const char *target)
{
  size_t at = rr_begin(m, owner, 5);
  put_name(m, target);
  rr_end(m, at);
}

static void rr_a(mb *m, const char *owner, unsigned last)
{
  size_t at = rr_begin(m, owner, 1);
  put8(m, 8); put8(m, 8); put8(m, 8); put8(m, last);
  rr_end(m, at);
}

static void rr_aaaa(mb *m, const char *owner, unsigned last)
{
  size_t at = rr_begin(m, owner, 28);
  put16(m, 0x2606); put16(m, 0x4700); put16(m, 0x4700);
  for (int i = 0; i < 4; i++) put16(m, 0);
  put16(m, last);
  rr_end(m, at);
}

static void rr_soa(mb *m, const char *owner)
{
  size_t at = rr_begin(m, owner, 6);
  put_name(m, "ns1.example.test");
  put_name(m, "hostmaster.example.test");
  for (int i = 0; i < 5; i++) put32(m, 300);
  rr_end(m, at);
}

static void rr_opt(mb *m, unsigned ext_rcode)
{
  put8(m, 0);
  put16(m, 41);
  put16(m, 1232);
  put32(m, (unsigned long)ext_rcode << 24);
  put16(m, 0);
}

static dci_dns_result txt_result(const mb *m, dc_status *st, dci_txt_answer *a)
{
  dci_dns_result r = (dci_dns_result)-1;
  dci_txt_answer local;
  dc_status s = dci_dns_parse_txt(m->b, m->n, a ? a : &local, &r, NULL);
  if (st) *st = s;
  if (a == NULL) dci_txt_answer_free(&local);
  return r;
}

static mb g_m;

/* The tests' message builder, as their state. */
static int setup(void **state)
{
  *state = &g_m;
  return 0;
}

/* ---- header */

static void test_header(void **state)
{
  dci_dns_header h;
  mb *m = *state;
  hdr(m, QR | RD | RA | 3, 1, 2, 3, 4);
  for (size_t len = 0; len < 12; len++) {
    assert_status(dci_dns_parse_header(m->b, len, &h), DC_E_DNS);
    dci_txt_answer a;
    dci_dns_result r;
    assert_status(dci_dns_parse_txt(m->b, len, &a, &r, NULL), DC_E_DNS);
    assert_int_equal(r, DCI_DNS_BADRESP);
    assert_int_equal(a.n, 0);
    dci_txt_answer_free(&a);
  }
  assert_status(dci_dns_parse_header(m->b, 12, &h), DC_OK);
  assert_int_equal(h.id, 0x1234);
  assert_true(h.qr);
  assert_true(h.rd);
  assert_true(h.ra);
  assert_false(h.tc);
  assert_int_equal(h.rcode, 3);
  assert_int_equal(h.qdcount, 1);
  assert_int_equal(h.ancount, 2);
  assert_int_equal(h.nscount, 3);
  assert_int_equal(h.arcount, 4);
  assert_status(dci_dns_parse_header(NULL, 0, &h), DC_E_DNS);
  assert_status(dci_dns_parse_header(m->b, 12, NULL), DC_E_INVALID_ARG);
}

/* ---- rcode: the low 4 bits of byte 3 */

struct rcode_row {
  unsigned rcode;
  dci_dns_result want;
  dc_status status;
};

static void test_rcodes(void **state)
{
  static const struct rcode_row rows[] = {
    {0, DCI_DNS_OK, DC_OK},
    {1, DCI_DNS_BADRESP, DC_E_DNS},       /* FORMERR */
    {2, DCI_DNS_SERVFAIL, DC_E_DNS},
    {3, DCI_DNS_NXDOMAIN, DC_E_NO_RECORD},
    {4, DCI_DNS_BADRESP, DC_E_DNS},       /* NOTIMP */
    {5, DCI_DNS_REFUSED, DC_E_DNS},
    {6, DCI_DNS_BADRESP, DC_E_DNS},       /* YXDOMAIN */
    {9, DCI_DNS_BADRESP, DC_E_DNS},       /* NOTAUTH */
    {15, DCI_DNS_BADRESP, DC_E_DNS},
  };
  mb *m = *state;
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    hdr(m, QR | RD | RA | rows[i].rcode, 1, 1, 0, 0);
    question(m, "example.test", 16);
    rr_txt1(m, "^12", "v");
    dc_status st;
    dci_dns_info info;
    dci_txt_answer a;
    dci_dns_result r;
    st = dci_dns_parse_txt(m->b, m->n, &a, &r, &info);
    if (r != rows[i].want) fail_msg("rcode %u: result %d", rows[i].rcode, (int)r);
    assert_status(st, rows[i].status);
    assert_int_equal(info.rcode, rows[i].rcode);
    assert_int_equal(a.n, rows[i].want == DCI_DNS_OK ? 1 : 0);
    dci_txt_answer_free(&a);
    assert_int_equal(dci_dns_result_status(r), rows[i].status);
  }
  /* The other high flag bits do not disturb the rcode. */
  hdr(m, 0xFFF0u & ~TC & ~0x7800u, 1, 0, 0, 0);
  question(m, "example.test", 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_NODATA);
  /* SERVFAIL / REFUSED need no question section. */
  hdr(m, QR | 2, 0, 0, 0, 0);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_SERVFAIL);
  hdr(m, QR | 5, 0, 0, 0, 0);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_REFUSED);
}

static void test_flags(void **state)
{
  mb *m = *state;
  /* a query, not a response */
  hdr(m, RD, 1, 0, 0, 0);
  question(m, "example.test", 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* opcode STATUS */
  hdr(m, QR | (2u << 11), 1, 0, 0, 0);
  question(m, "example.test", 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* truncated */
  hdr(m, QR | TC, 1, 1, 0, 0);
  question(m, "example.test", 16);
  rr_txt1(m, "^12", "v");
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* EDNS extended rcode (BADVERS) */
  hdr(m, QR, 1, 0, 0, 1);
  question(m, "example.test", 16);
  rr_opt(m, 1);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  hdr(m, QR, 1, 1, 0, 1);
  question(m, "example.test", 16);
  rr_txt1(m, "^12", "v");
  rr_opt(m, 0);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_OK);
}

/* ---- counts */

static void test_counts(void **state)
{
  mb *m = *state;
  hdr(m, QR, 0, 0, 0, 0);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  hdr(m, QR, 2, 0, 0, 0);
  question(m, "example.test", 16);
  question(m, "example.test", 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* ANCOUNT says 2, one RR present */
  one_txt_msg(m, 2, 0, 0);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* NSCOUNT / ARCOUNT past the end */
  one_txt_msg(m, 1, 1, 0);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  one_txt_msg(m, 1, 0, 65535);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* RDLENGTH past the end */
  one_txt_msg(m, 1, 0, 0);
  set16(m, m->n - 4, 200);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* question cut short */
  hdr(m, QR, 1, 0, 0, 0);
  put_name(m, "example.test");
  put16(m, 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* every truncation of a good message is refused, never read past */
  hdr(m, QR, 1, 2, 1, 0);
  question(m, "example.test", 16);
  rr_txt1(m, "^12", "one");
  rr_txt1(m, "^12", "two");
  rr_soa(m, "^12");
  size_t full = m->n;
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_OK);
  for (size_t len = 12; len < full; len++) {
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, m->b, len);
    dci_txt_answer a;
    dci_dns_result r;
    dci_dns_parse_txt(copy, len, &a, &r, NULL);
    if (r != DCI_DNS_BADRESP) fail_msg("len %zu: result %d", len, (int)r);
    dci_txt_answer_free(&a);
    free(copy);
  }
  /* trailing bytes after the counted records are ignored */
  put8(m, 0xff);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_OK);
}

/* ---- names */

static void test_compression(void **state)
{
  mb *m = *state;
  /* question name is a pointer to itself */
  hdr(m, QR, 1, 0, 0, 0);
  put16(m, 0xC00C);
  put16(m, 16);
  put16(m, 1);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* a label, then a pointer back to that label (a loop through the name) */
  hdr(m, QR, 1, 0, 0, 0);
  put_name(m, "a.^12");
  put16(m, 16);
  put16(m, 1);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* forward pointer */
  hdr(m, QR, 1, 0, 0, 0);
  put16(m, 0xC000u | 14);
  put_name(m, "example.test");
  put16(m, 16);
  put16(m, 1);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* two pointers into each other (30 -> 34 -> 30): any loop needs a jump
   * that does not go backwards */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "example.test", 16);
  assert_int_equal(m->n, 30);
  put8(m, 1);
  put8(m, 'x');
  put16(m, 0xC000u | 34);
  put16(m, 0xC000u | 30);
  put16(m, 16);
  put16(m, 1);
  put32(m, 300);
  put16(m, 2);
  put8(m, 1);
  put8(m, 'v');
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* a valid backward pointer, and a pointer inside RDATA */
  hdr(m, QR, 1, 2, 0, 0);
  question(m, "name.example.test", 16);
  rr_cname(m, "^12", "t.^17"); /* t.example.test */
  rr_txt1(m, "t.^17", "target");
  dci_txt_answer a;
  dc_status st;
  assert_int_equal(txt_result(m, &st, &a), DCI_DNS_OK);
  assert_int_equal(a.n, 1);
  assert_string_equal(a.rrs[0].strings[0], "target");
  dci_txt_answer_free(&a);
  /* a pointer byte at the very end */
  hdr(m, QR, 1, 0, 0, 0);
  put8(m, 0xC0);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
}

static void test_labels(void **state)
{
  mb *m = *state;
  char l63[64], l64[65];
  memset(l63, 'a', 63);
  l63[63] = '\0';
  memset(l64, 'a', 64);
  l64[64] = '\0';
  /* 63 is fine */
  char name[300];
  snprintf(name, sizeof name, "%s.test", l63);
  hdr(m, QR, 1, 0, 0, 0);
  question(m, name, 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_NODATA);
  /* a length byte of 64 (0x40, the extended label type) */
  snprintf(name, sizeof name, "%s.test", l64);
  hdr(m, QR, 1, 0, 0, 0);
  question(m, name, 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* 0x80 (reserved label type) */
  hdr(m, QR, 1, 0, 0, 0);
  put8(m, 0x80);
  put8(m, 0);
  put16(m, 16);
  put16(m, 1);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* 255 octets in wire form is the most: 4 labels of 63 = 256 */
  snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l63);
  hdr(m, QR, 1, 0, 0, 0);
  question(m, name, 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* 3*64 + 62 + 1 = 255 is accepted */
  char l61[62];
  memset(l61, 'b', 61);
  l61[61] = '\0';
  snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l61);
  hdr(m, QR, 1, 0, 0, 0);
  question(m, name, 16);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_NODATA);
  /* the same made long through a pointer */
  hdr(m, QR, 1, 1, 0, 0);
  snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l61);
  question(m, name, 16);
  rr_txt1(m, "x.^12", "v"); /* 2 more octets: 257 */
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* name running past the end */
  hdr(m, QR, 1, 0, 0, 0);
  put8(m, 10);
  put8(m, 'a');
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
}

static void test_name_ok(void **state)
{
  (void)state;
  assert_true(dci_dns_name_ok("example.test"));
  assert_true(dci_dns_name_ok("example.test."));
  assert_true(dci_dns_name_ok("_domainconnect.example.co.uk"));
  assert_true(dci_dns_name_ok("localhost"));
  assert_true(dci_dns_name_ok("xn--mnchen-3ya.de"));
  assert_false(dci_dns_name_ok(NULL));
  assert_false(dci_dns_name_ok(""));
  assert_false(dci_dns_name_ok("."));
  assert_false(dci_dns_name_ok("a..b"));
  assert_false(dci_dns_name_ok(".a"));
  assert_false(dci_dns_name_ok("a.b.."));
  assert_false(dci_dns_name_ok("a b"));
  assert_false(dci_dns_name_ok("a\\.b"));
  assert_false(dci_dns_name_ok("m\xc3\xbcnchen.de"));
  assert_false(dci_dns_name_ok("*.example.test"));
  char l[300];
  memset(l, 'a', 64);
  l[64] = '\0';
  assert_false(dci_dns_name_ok(l));
  l[63] = '\0';
  assert_true(dci_dns_name_ok(l));
  /* 253 characters, not 254 */
  memset(l, 'a', 253);
  for (size_t i = 50; i < 253; i += 50) l[i] = '.';
  l[253] = '\0';
  assert_true(dci_dns_name_ok(l));
  l[253] = 'a';
  l[254] = '\0';
  assert_false(dci_dns_name_ok(l));
}

/* ---- TXT */

static void test_txt_strings(void **state)
{
  mb *m = *state;
  dci_txt_answer a;
  dc_status st;
  /* zero-length strings: "" alone, "" then "x", and an RR with no string */
  hdr(m, QR, 1, 3, 0, 0);
  question(m, "example.test", 16);
  static const char *const s1[] = {""};
  static const char *const s2[] = {"", "x"};
  rr_txt(m, "^12", s1, 1);
  rr_txt(m, "^12", s2, 2);
  rr_txt(m, "^12", NULL, 0);
  assert_int_equal(txt_result(m, &st, &a), DCI_DNS_OK);
  assert_status(st, DC_OK);
  assert_int_equal(a.n, 3);
  assert_int_equal(a.rrs[0].count, 1);
  assert_int_equal(a.rrs[0].lens[0], 0);
  assert_string_equal(a.rrs[0].strings[0], "");
  assert_int_equal(a.rrs[1].count, 2);
  assert_int_equal(a.rrs[1].lens[0], 0);
  assert_int_equal(a.rrs[1].lens[1], 1);
  assert_string_equal(a.rrs[1].strings[1], "x");
  assert_int_equal(a.rrs[2].count, 0);
  dci_txt_answer_free(&a);
  assert_null(a.rrs);
  dci_txt_answer_free(&a); /* twice is fine */
  dci_txt_answer_free(NULL);

  /* multi-string RR kept per RR; other owners and types ignored; NUL kept */
  hdr(m, QR, 1, 4, 0, 0);
  question(m, "Example.TEST", 16);
  static const char *const parts[] = {"part-one", "part-two"};
  rr_txt(m, "example.test", parts, 2);
  rr_txt1(m, "other.example.test", "not mine");
  rr_a(m, "^12", 1);
  size_t at = rr_begin(m, "^12", 16);
  put8(m, 3); put8(m, 'a'); put8(m, 0); put8(m, 'b');
  rr_end(m, at);
  assert_int_equal(txt_result(m, &st, &a), DCI_DNS_OK);
  assert_int_equal(a.n, 2);
  assert_int_equal(a.rrs[0].count, 2);
  assert_memory_equal(a.rrs[0].strings[0], "part-one", 9);
  assert_memory_equal(a.rrs[0].strings[1], "part-two", 9);
  assert_int_equal(a.rrs[1].count, 1);
  assert_int_equal(a.rrs[1].lens[0], 3);
  assert_memory_equal(a.rrs[1].strings[0], "a\0b", 3);
  dci_txt_answer_free(&a);

  /* a string running past its RDATA */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "example.test", 16);
  at = rr_begin(m, "^12", 16);
  put8(m, 5); put8(m, 'a'); put8(m, 'b');
  rr_end(m, at);
  put8(m, 'c'); put8(m, 'd'); put8(m, 'e');
  assert_int_equal(txt_result(m, &st, &a), DCI_DNS_BADRESP);
  assert_status(st, DC_E_DNS);
  assert_int_equal(a.n, 0);
  dci_txt_answer_free(&a);

  /* a malformed TXT of another owner still makes the message bad */
  hdr(m, QR, 1, 2, 0, 0);
  question(m, "example.test", 16);
  rr_txt1(m, "^12", "ok");
  at = rr_begin(m, "x.^12", 16);
  put8(m, 9);
  rr_end(m, at);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);

  /* question of another type */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "example.test", 1);
  rr_txt1(m, "^12", "v");
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);

  /* NODATA: no TXT; class CH TXT does not count */
  hdr(m, QR, 1, 1, 1, 0);
  question(m, "example.test", 16);
  at = rr_begin(m, "^12", 16);
  set16(m, at - 8, 3); /* class CH */
  put8(m, 1); put8(m, 'v');
  rr_end(m, at);
  rr_soa(m, "^12");
  dci_dns_info info;
  assert_status(dci_dns_parse_txt(m->b, m->n, &a, NULL, &info), DC_E_NO_RECORD);
  assert_string_equal(info.cname_target, "");
  dci_txt_answer_free(&a);
  assert_status(dci_dns_parse_txt(m->b, m->n, NULL, NULL, NULL), DC_E_INVALID_ARG);
}

static void test_txt_limits(void **state)
{
  mb *m = *state;
  dci_txt_answer a;
  dc_status st;
  for (unsigned n = DC_MAX_DNS_TXT_RRS; n <= DC_MAX_DNS_TXT_RRS + 1; n++) {
    hdr(m, QR, 1, n, 0, 0);
    question(m, "example.test", 16);
    for (unsigned i = 0; i < n; i++) {
      char v[16];
      snprintf(v, sizeof v, "rr-%u", i);
      rr_txt1(m, "^12", v);
    }
    dci_dns_result r = txt_result(m, &st, &a);
    if (n == DC_MAX_DNS_TXT_RRS) {
      assert_int_equal(r, DCI_DNS_OK);
      assert_int_equal(a.n, n);
      assert_string_equal(a.rrs[n - 1].strings[0], "rr-63");
    } else {
      assert_int_equal(r, DCI_DNS_LIMIT);
      assert_status(st, DC_E_LIMIT);
      assert_int_equal(a.n, 0);
    }
    dci_txt_answer_free(&a);
  }
  /* bytes: 64 KiB of string data cannot fit one message with its framing,
   * so the byte cap holds by construction; a near-full message passes. */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "example.test", 16);
  size_t at = rr_begin(m, "^12", 16);
  for (int i = 0; i < 250; i++) {
    put8(m, 255);
    memset(m->b + m->n, 'z', 255);
    m->n += 255;
  }
  rr_end(m, at);
  assert_int_equal(txt_result(m, &st, &a), DCI_DNS_OK);
  assert_int_equal(a.rrs[0].count, 250);
  dci_txt_answer_free(&a);
}

/* ---- CNAME chains */

static void test_cname(void **state)
{
  mb *m = *state;
  dci_txt_answer a;
  dci_dns_info info;
  dci_dns_result r;
  /* answer order does not matter */
  hdr(m, QR, 1, 3, 0, 0);
  question(m, "a.test", 16);
  rr_txt1(m, "c.test", "at-c");
  rr_cname(m, "b.test", "C.test");
  rr_cname(m, "^12", "b.test");
  assert_status(dci_dns_parse_txt(m->b, m->n, &a, &r, &info), DC_OK);
  assert_int_equal(info.cname_hops, 2);
  assert_int_equal(a.n, 1);
  assert_string_equal(a.rrs[0].strings[0], "at-c");
  dci_txt_answer_free(&a);
  /* a TXT at the question name does not count once it is a CNAME */
  hdr(m, QR, 1, 2, 0, 0);
  question(m, "a.test", 16);
  rr_txt1(m, "^12", "ignored");
  rr_cname(m, "^12", "elsewhere.test");
  assert_status(dci_dns_parse_txt(m->b, m->n, &a, &r, &info), DC_E_NO_RECORD);
  assert_int_equal(r, DCI_DNS_NODATA);
  /* the target to ask next */
  assert_string_equal(info.cname_target, "elsewhere.test");
  dci_txt_answer_free(&a);
  /* a target that cannot be asked for (a space in a label) */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "a.test", 16);
  rr_cname(m, "^12", "bad name.test");
  assert_status(dci_dns_parse_txt(m->b, m->n, &a, &r, &info), DC_E_NO_RECORD);
  assert_string_equal(info.cname_target, "");
  dci_txt_answer_free(&a);
  /* loop */
  hdr(m, QR, 1, 2, 0, 0);
  question(m, "loop1.test", 16);
  rr_cname(m, "^12", "loop2.test");
  rr_cname(m, "loop2.test", "loop1.test");
  assert_status(dci_dns_parse_txt(m->b, m->n, &a, &r, &info), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_BADRESP);
  assert_non_null(info.why);
  dci_txt_answer_free(&a);
  /* DC_MAX_CNAME_CHAIN links pass, one more does not */
  for (unsigned n = DC_MAX_CNAME_CHAIN; n <= DC_MAX_CNAME_CHAIN + 1; n++) {
    hdr(m, QR, 1, n + 1, 0, 0);
    question(m, "n0.test", 16);
    for (unsigned i = 0; i < n; i++) {
      char o[16], t[16];
      snprintf(o, sizeof o, "n%u.test", i);
      snprintf(t, sizeof t, "n%u.test", i + 1);
      rr_cname(m, o, t);
    }
    char last[16];
    snprintf(last, sizeof last, "n%u.test", n);
    rr_txt1(m, last, "end");
    r = txt_result(m, NULL, NULL);
    assert_int_equal(r, n == DC_MAX_CNAME_CHAIN ? DCI_DNS_OK : DCI_DNS_BADRESP);
  }
  /* CNAME RDATA longer than its name */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "a.test", 16);
  size_t at = rr_begin(m, "^12", 5);
  put_name(m, "b.test");
  put8(m, 0);
  rr_end(m, at);
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_BADRESP);
  /* NXDOMAIN at the end of a chain */
  hdr(m, QR | 3, 1, 1, 0, 0);
  question(m, "a.test", 16);
  rr_cname(m, "^12", "gone.test");
  assert_int_equal(txt_result(m, NULL, NULL), DCI_DNS_NXDOMAIN);
}

/* ---- A / AAAA */

static void test_addrs(void **state)
{
  mb *m = *state;
  dci_addr_list l;
  dci_dns_result r;
  memset(&l, 0, sizeof l);
  hdr(m, QR, 1, 4, 0, 0);
  question(m, "www.test", 1);
  rr_cname(m, "^12", "t.test");
  rr_a(m, "t.test", 1);
  rr_a(m, "t.test", 2);
  rr_a(m, "^12", 3); /* owned by the CNAME's owner: ignored */
  assert_status(dci_dns_parse_addrs(m->b, m->n, 1, &l, &r, NULL), DC_OK);
  assert_int_equal(l.n, 2);
  assert_int_equal(l.a[0].family, AF_INET);
  assert_memory_equal(l.a[0].b, "\x08\x08\x08\x01", 4);
  assert_memory_equal(l.a[1].b, "\x08\x08\x08\x02", 4);
  /* AAAA appends */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "www.test", 28);
  rr_aaaa(m, "^12", 0x1111);
  assert_status(dci_dns_parse_addrs(m->b, m->n, 28, &l, &r, NULL), DC_OK);
  assert_int_equal(l.n, 3);
  assert_int_equal(l.a[2].family, AF_INET6);
  assert_int_equal(l.a[2].b[0], 0x26);
  assert_int_equal(l.a[2].b[15], 0x11);
  /* the wrong question type for the call */
  assert_int_equal(dci_dns_parse_addrs(m->b, m->n, 1, &l, &r, NULL), DC_E_DNS);
  assert_int_equal(dci_dns_parse_addrs(m->b, m->n, 16, &l, &r, NULL), DC_E_INVALID_ARG);
  /* A with 5 bytes */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "www.test", 1);
  size_t at = rr_begin(m, "^12", 1);
  put32(m, 0x08080808);
  put8(m, 0);
  rr_end(m, at);
  l.n = 0;
  assert_int_equal(dci_dns_parse_addrs(m->b, m->n, 1, &l, &r, NULL), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_BADRESP);
  /* NODATA */
  hdr(m, QR, 1, 0, 0, 0);
  question(m, "www.test", 28);
  assert_int_equal(dci_dns_parse_addrs(m->b, m->n, 28, &l, &r, NULL), DC_E_NO_RECORD);
  assert_int_equal(r, DCI_DNS_NODATA);
  /* more than DCI_MAX_ADDRS */
  hdr(m, QR, 1, DCI_MAX_ADDRS + 1, 0, 0);
  question(m, "www.test", 1);
  for (unsigned i = 0; i <= DCI_MAX_ADDRS; i++) rr_a(m, "^12", i);
  l.n = 0;
  assert_int_equal(dci_dns_parse_addrs(m->b, m->n, 1, &l, &r, NULL), DC_E_LIMIT);
  assert_int_equal(r, DCI_DNS_LIMIT);
  hdr(m, QR, 1, DCI_MAX_ADDRS, 0, 0);
  question(m, "www.test", 1);
  for (unsigned i = 0; i < DCI_MAX_ADDRS; i++) rr_a(m, "^12", i);
  l.n = 0;
  assert_int_equal(dci_dns_parse_addrs(m->b, m->n, 1, &l, &r, NULL), DC_OK);
  assert_int_equal(l.n, DCI_MAX_ADDRS);
}

/* ---- SOA */

static void test_soa(void **state)
{
  mb *m = *state;
  bool has = true;
  dci_dns_result r;
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "Example.test", 6);
  rr_soa(m, "example.TEST");
  assert_status(dci_dns_parse_soa(m->b, m->n, &has, &r, NULL), DC_OK);
  assert_true(has);
  assert_int_equal(r, DCI_DNS_OK);
  /* NODATA: the zone's SOA in the authority section does not count */
  hdr(m, QR, 1, 0, 1, 0);
  question(m, "www.example.test", 6);
  rr_soa(m, "example.test");
  assert_status(dci_dns_parse_soa(m->b, m->n, &has, &r, NULL), DC_OK);
  assert_false(has);
  assert_int_equal(r, DCI_DNS_NODATA);
  /* an SOA of another owner in the answer (through a CNAME) does not count */
  hdr(m, QR, 1, 2, 0, 0);
  question(m, "www.example.test", 6);
  rr_cname(m, "^12", "other.test");
  rr_soa(m, "other.test");
  assert_status(dci_dns_parse_soa(m->b, m->n, &has, &r, NULL), DC_OK);
  assert_false(has);
  assert_int_equal(r, DCI_DNS_NODATA);
  /* NXDOMAIN */
  hdr(m, QR | 3, 1, 0, 1, 0);
  question(m, "nope.example.test", 6);
  rr_soa(m, "example.test");
  assert_status(dci_dns_parse_soa(m->b, m->n, &has, &r, NULL), DC_OK);
  assert_false(has);
  assert_int_equal(r, DCI_DNS_NXDOMAIN);
  /* SERVFAIL / REFUSED */
  hdr(m, QR | 2, 1, 0, 0, 0);
  question(m, "example.test", 6);
  assert_status(dci_dns_parse_soa(m->b, m->n, &has, &r, NULL), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_SERVFAIL);
  hdr(m, QR | 5, 1, 0, 0, 0);
  question(m, "example.test", 6);
  assert_status(dci_dns_parse_soa(m->b, m->n, &has, &r, NULL), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_REFUSED);
  /* SOA RDATA one byte longer than two names and five integers */
  hdr(m, QR, 1, 1, 0, 0);
  question(m, "example.test", 6);
  size_t at = rr_begin(m, "^12", 6);
  put_name(m, "ns1.example.test");
  put_name(m, "h.example.test");
  for (int i = 0; i < 5; i++) put32(m, 1);
  put8(m, 0);
  rr_end(m, at);
  assert_status(dci_dns_parse_soa(m->b, m->n, &has, &r, NULL), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_BADRESP);
  assert_status(dci_dns_parse_soa(m->b, m->n, NULL, &r, NULL), DC_E_INVALID_ARG);
}

static void test_question_matches(void **state)
{
  mb *m = *state;
  hdr(m, QR, 1, 0, 0, 0);
  question(m, "_DomainConnect.Example.test", 16);
  assert_true(dci_dns_question_matches(m->b, m->n, "_domainconnect.example.test", 16));
  assert_true(dci_dns_question_matches(m->b, m->n, "_domainconnect.EXAMPLE.test.", 16));
  assert_false(dci_dns_question_matches(m->b, m->n, "_domainconnect.example.test", 1));
  assert_false(dci_dns_question_matches(m->b, m->n, "example.test", 16));
  assert_false(dci_dns_question_matches(m->b, m->n, "x._domainconnect.example.test", 16));
  assert_false(dci_dns_question_matches(m->b, m->n, "bad name", 16));
  assert_false(dci_dns_question_matches(m->b, m->n - 1, "_domainconnect.example.test", 16));
  assert_false(dci_dns_question_matches(m->b, 11, "_domainconnect.example.test", 16));
  /* class CH */
  m->b[m->n - 1] = 3;
  assert_false(dci_dns_question_matches(m->b, m->n, "_domainconnect.example.test", 16));
  /* two questions */
  hdr(m, QR, 2, 0, 0, 0);
  question(m, "example.test", 16);
  question(m, "example.test", 16);
  assert_false(dci_dns_question_matches(m->b, m->n, "example.test", 16));
  /* no question: only a bare error answer passes */
  hdr(m, QR | 2, 0, 0, 0, 0);
  assert_true(dci_dns_question_matches(m->b, m->n, "example.test", 16));
  hdr(m, QR, 0, 0, 0, 0);
  assert_false(dci_dns_question_matches(m->b, m->n, "example.test", 16));
}

static void test_result_names(void **state)
{
  (void)state;
  for (int r = DCI_DNS_OK; r <= DCI_DNS_LIMIT; r++) {
    assert_non_null(dci_dns_result_name((dci_dns_result)r));
    assert_true(strlen(dci_dns_result_name((dci_dns_result)r)) > 0);
  }
  assert_int_equal(dci_dns_result_status(DCI_DNS_NXDOMAIN), DC_E_NO_RECORD);
  assert_int_equal(dci_dns_result_status(DCI_DNS_NODATA), DC_E_NO_RECORD);
  assert_int_equal(dci_dns_result_status(DCI_DNS_SERVFAIL), DC_E_DNS);
  assert_int_equal(dci_dns_result_status(DCI_DNS_REFUSED), DC_E_DNS);
  assert_int_equal(dci_dns_result_status(DCI_DNS_BADRESP), DC_E_DNS);
  assert_int_equal(dci_dns_result_status(DCI_DNS_TIMEOUT), DC_E_DNS_TIMEOUT);
  assert_int_equal(dci_dns_result_status(DCI_DNS_NOMEM), DC_E_NOMEM);
  assert_int_equal(dci_dns_result_status(DCI_DNS_LIMIT), DC_E_LIMIT);
  assert_int_equal(dci_dns_result_status(DCI_DNS_OK), DC_OK);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_header),
    cmocka_unit_test(test_rcodes),
    cmocka_unit_test(test_flags),
    cmocka_unit_test(test_counts),
    cmocka_unit_test(test_compression),
    cmocka_unit_test(test_labels),
    cmocka_unit_test(test_name_ok),
    cmocka_unit_test(test_txt_strings),
    cmocka_unit_test(test_txt_limits),
    cmocka_unit_test(test_cname),
    cmocka_unit_test(test_addrs),
    cmocka_unit_test(test_soa),
    cmocka_unit_test(test_question_matches),
    cmocka_unit_test(test_result_names),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
