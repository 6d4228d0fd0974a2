/* The c-ares resolver (src/dns) against the harness's Knot server
 * (DC_TEST_DNS, zones in tests/integration/zones) and its silent server
 * (DC_TEST_SILENT_DNS): TXT, A/AAAA, SOA, every outcome told apart, the
 * DNS timeout, and many lookups in flight on one resolver. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "it_support.h"

#include "core/internal.h"
#include "dns/resolver.h"

/* Clients: it_knot() (the harness's Knot, 5 s DNS timeout) and
 * it_client_dns(SERVER, TIMEOUT_MS); tests/support/it_support.h. */

/* The strings of one RR joined with '|' (static buffer). */
static const char *rr_text(const dc_txt_rr *rr)
{
  static char buf[4096];
  size_t o = 0;
  for (size_t i = 0; i < rr->count; i++) {
    if (i > 0 && o + 1 < sizeof buf) buf[o++] = '|';
    for (size_t k = 0; k < rr->lens[i] && o + 1 < sizeof buf; k++) buf[o++] = rr->strings[i][k];
  }
  buf[o] = '\0';
  return buf;
}

static void expect_txt(dc_client *c, const char *name, size_t n_rrs,
                       const char *const *want /* n_rrs texts, any order */)
{
  dci_txt_answer a;
  dci_dns_result r;
  dc_status st = dci_dns_txt(c, name, &a, &r);
  if (st != DC_OK) fail_msg("%s: %s (%s)", name, dc_status_name(st), dc_client_error(c));
  assert_int_equal(r, DCI_DNS_OK);
  assert_int_equal(a.n, n_rrs);
  bool seen[8] = {false};
  for (size_t i = 0; i < a.n; i++) {
    const char *t = rr_text(&a.rrs[i]);
    bool found = false;
    for (size_t k = 0; k < n_rrs && k < 8; k++) {
      if (!seen[k] && strcmp(t, want[k]) == 0) {
        seen[k] = found = true;
        break;
      }
    }
    if (!found) fail_msg("%s: unexpected RR '%s'", name, t);
  }
  dci_txt_answer_free(&a);
}

static void expect_txt_fail(dc_client *c, const char *name, dc_status want_st,
                            dci_dns_result want_r, const char *detail_part)
{
  dci_txt_answer a;
  dci_dns_result r;
  dc_status st = dci_dns_txt(c, name, &a, &r);
  if (st != want_st)
    fail_msg("%s: %s, expected %s (%s)", name, dc_status_name(st), dc_status_name(want_st),
             dc_client_error(c));
  assert_int_equal(r, want_r);
  assert_int_equal(a.n, 0);
  assert_null(a.rrs);
  const char *d = dc_client_error(c);
  if (strstr(d, name) == NULL) fail_msg("detail '%s' does not name %s", d, name);
  if (detail_part && strstr(d, detail_part) == NULL)
    fail_msg("detail '%s' lacks '%s'", d, detail_part);
  dci_txt_answer_free(&a);
}

/* ---- TXT */

static void test_txt_answers(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  static const char *const apex[] = {"api.provider.test"};
  expect_txt(c, "_domainconnect.example.test", 1, apex);
  expect_txt(c, "_DomainConnect.Example.Test.", 1, apex); /* case, trailing dot */
  static const char *const multi[] = {"part-one|part-two"};
  expect_txt(c, "multi.example.test", 1, multi);
  static const char *const two[] = {"api.provider.test", "api2.provider.test"};
  expect_txt(c, "_domainconnect.multi-rr.test", 2, two);
  static const char *const dup[] = {"api.provider.test", "API.Provider.Test.",
                                    "api.provider|.test"};
  expect_txt(c, "_domainconnect.dup-rr.test", 3, dup);
  static const char *const path[] = {"api.provider.test/dc/v1"};
  expect_txt(c, "_domainconnect.pathprefix.test", 1, path);
  static const char *const sub[] = {"api2.provider.test"};
  expect_txt(c, "_domainconnect.sub.example.test", 1, sub);
  expect_txt(c, "_domainconnect.example.co.uk", 1, apex);
  static const char *const empty[] = {"|x"};
  expect_txt(c, "empty.resolver.test", 1, empty);
  dc_client_free(c);
}

static void test_txt_multi_string_kept_apart(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  dci_txt_answer a;
  assert_status(dci_dns_txt(c, "multi.example.test", &a, NULL), DC_OK);
  assert_int_equal(a.n, 1);
  assert_int_equal(a.rrs[0].count, 2);
  assert_int_equal(a.rrs[0].lens[0], 8);
  assert_memory_equal(a.rrs[0].strings[0], "part-one", 8);
  assert_memory_equal(a.rrs[0].strings[1], "part-two", 8);
  assert_int_equal(a.rrs[0].lens[1], 8);
  dci_txt_answer_free(&a);
  char *v = NULL;
  /* duplicates through different spellings select one value */
  assert_status(dci_dns_txt(c, "_domainconnect.dup-rr.test", &a, NULL), DC_OK);
  assert_status(dc_txt_select(c, a.rrs, a.n, &v), DC_OK);
  assert_string_equal(v, "api.provider.test");
  dc_free(v);
  dci_txt_answer_free(&a);
  dc_client_free(c);
}

static void test_txt_cname(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  static const char *const apex[] = {"api.provider.test"};
  /* into another zone: Knot stops at the CNAME, the resolver asks on */
  expect_txt(c, "_domainconnect.cname.test", 1, apex);
  /* inside one zone: the chain is in the answer */
  static const char *const c07[] = {"value-07"};
  expect_txt(c, "txtalias.resolver.test", 1, c07);
  /* a loop, and a CNAME to a name that does not exist */
  expect_txt_fail(c, "loop1.resolver.test", DC_E_DNS, DCI_DNS_BADRESP, "CNAME");
  expect_txt_fail(c, "dangling.resolver.test", DC_E_NO_RECORD, DCI_DNS_NXDOMAIN, "NXDOMAIN");
  dc_client_free(c);
}

static void test_txt_outcomes(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  expect_txt_fail(c, "_domainconnect.nodc.test", DC_E_NO_RECORD, DCI_DNS_NXDOMAIN, "NXDOMAIN");
  expect_txt_fail(c, "_domainconnect.nodata.test", DC_E_NO_RECORD, DCI_DNS_NODATA,
                  "no TXT record");
  expect_txt_fail(c, "_domainconnect.servfail.test", DC_E_DNS, DCI_DNS_SERVFAIL, "SERVFAIL");
  expect_txt_fail(c, "x.notserved.invalid", DC_E_DNS, DCI_DNS_REFUSED, "REFUSED");
  /* names that are never asked */
  dci_txt_answer a;
  dci_dns_result r;
  assert_status(dci_dns_txt(c, "bad name.test", &a, &r), DC_E_INVALID_ARG);
  assert_non_null(strstr(dc_client_error(c), "bad name.test"));
  assert_status(dci_dns_txt(c, "a..test", &a, &r), DC_E_INVALID_ARG);
  assert_status(dci_dns_txt(c, "", &a, &r), DC_E_INVALID_ARG);
  assert_status(dci_dns_txt(c, NULL, &a, &r), DC_E_INVALID_ARG);
  assert_status(dci_dns_txt(c, "example.test", NULL, &r), DC_E_INVALID_ARG);
  assert_status(dci_dns_txt(NULL, "example.test", &a, &r), DC_E_INVALID_ARG);
  dc_client_free(c);
}

static void test_txt_large_and_limits(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  /* ~2.5 KB: truncated over UDP, fetched over TCP */
  dci_txt_answer a;
  assert_status(dci_dns_txt(c, "big.resolver.test", &a, NULL), DC_OK);
  assert_int_equal(a.n, 1);
  assert_int_equal(a.rrs[0].count, 12);
  for (size_t i = 0; i < 12; i++) {
    assert_int_equal(a.rrs[0].lens[i], 200);
    char want[3];
    snprintf(want, sizeof want, "%02zu", i);
    assert_memory_equal(a.rrs[0].strings[i], want, 2);
  }
  dci_txt_answer_free(&a);
  /* exactly DC_MAX_DNS_TXT_RRS RRs, then one more */
  assert_status(dci_dns_txt(c, "cap.resolver.test", &a, NULL), DC_OK);
  assert_int_equal(a.n, DC_MAX_DNS_TXT_RRS);
  dci_txt_answer_free(&a);
  expect_txt_fail(c, "many.resolver.test", DC_E_LIMIT, DCI_DNS_LIMIT, "too large");
  dc_client_free(c);
}

static void test_timeout(void **state)
{
  (void)state;
  dc_client *c = it_client_dns(it_env("DC_TEST_SILENT_DNS"), 300);
  dci_txt_answer a;
  dci_dns_result r;
  double t0 = it_now_ms();
  dc_status st = dci_dns_txt(c, "_domainconnect.example.test", &a, &r);
  double el = it_now_ms() - t0;
  assert_status(st, DC_E_DNS_TIMEOUT);
  assert_int_equal(r, DCI_DNS_TIMEOUT);
  if (el < 300.0 || el > 800.0) fail_msg("timed out after %.1f ms, expected 300..800", el);
  assert_non_null(strstr(dc_client_error(c), "300 ms"));
  /* A and AAAA together are one lookup: one timeout, not two */
  dci_addr_list l;
  t0 = it_now_ms();
  st = dci_dns_addrs(c, "www.example.test", &l, &r);
  el = it_now_ms() - t0;
  assert_status(st, DC_E_DNS_TIMEOUT);
  assert_int_equal(l.n, 0);
  if (el < 300.0 || el > 800.0) fail_msg("A/AAAA timed out after %.1f ms", el);
  bool has = true;
  assert_status(dci_dns_has_soa(c, "example.test", &has, &r), DC_E_DNS_TIMEOUT);
  assert_false(has);
  dc_client_free(c);
}

static void test_second_server(void **state)
{
  (void)state;
  /* the silent server first, then Knot: the answer still comes within
   * the lookup's timeout */
  dc_client *c = it_client_dns(it_env("DC_TEST_SILENT_DNS"), 2000);
  assert_status(dc_client_add_dns_server(c, it_env("DC_TEST_DNS")), DC_OK);
  static const char *const apex[] = {"api.provider.test"};
  double t0 = it_now_ms();
  expect_txt(c, "_domainconnect.example.test", 1, apex);
  double el = it_now_ms() - t0;
  if (el > 2000.0) fail_msg("took %.1f ms", el);
  dc_client_free(c);
}

/* ---- answers Knot never gives: a small UDP server on a thread. The first
 * label of the question picks the answer:
 *   formerr / notimp   that rcode
 *   badcount           ANCOUNT 1 and no record
 *   wrongq             always the question "other.test" (not ours)
 *   lateonce           "other.test" once, then a good answer
 *   anything else      TXT "fine" */
struct fake {
  int fd;
  char addr[32];
  atomic_int stop;
  int late;
  pthread_t th;
};

static void *fake_main(void *arg)
{
  struct fake *f = arg;
  while (!atomic_load(&f->stop)) {
    struct pollfd p = {f->fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    unsigned char q[512], r[600];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t got = recvfrom(f->fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
    if (got < 12) continue;
    size_t n = (size_t)got, off = 12;
    while (off < n && q[off] != 0) off += 1u + q[off];
    off += 1 + 4;
    if (off > n || q[12] == 0 || q[12] > 63) continue;
    char label[64];
    memcpy(label, q + 13, q[12]);
    label[q[12]] = '\0';
    memcpy(r, q, off);
    r[2] = 0x81;
    r[3] = 0x80;
    memset(r + 6, 0, 6);
    size_t rn = off;
    bool other = strcmp(label, "wrongq") == 0 ||
                 (strcmp(label, "lateonce") == 0 && f->late++ == 0);
    if (strcmp(label, "formerr") == 0) {
      r[3] |= 1;
    } else if (strcmp(label, "notimp") == 0) {
      r[3] |= 4;
    } else if (strcmp(label, "badcount") == 0) {
      r[7] = 1;
    } else if (other) {
      static const unsigned char oq[] = {5, 'o', 't', 'h', 'e', 'r', 4, 't', 'e', 's', 't', 0,
                                         0, 16, 0, 1};
      memcpy(r + 12, oq, sizeof oq);
      rn = 12 + sizeof oq;
    } else {
      static const unsigned char ans[] = {0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 1, 44, 0, 5,
                                          4, 'f', 'i', 'n', 'e'};
      r[7] = 1;
      memcpy(r + rn, ans, sizeof ans);
      rn += sizeof ans;
    }
    (void)sendto(f->fd, r, rn, 0, (struct sockaddr *)&from, fl);
  }
  return NULL;
}

static void fake_start(struct fake *f)
{
  memset(f, 0, sizeof *f);
  f->fd = socket(AF_INET, SOCK_DGRAM, 0);
  assert_true(f->fd >= 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof sa), 0);
  socklen_t sl = sizeof sa;
  assert_int_equal(getsockname(f->fd, (struct sockaddr *)&sa, &sl), 0);
  snprintf(f->addr, sizeof f->addr, "127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
  atomic_init(&f->stop, 0);
  assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
  atomic_store(&f->stop, 1);
  pthread_join(f->th, NULL);
  close(f->fd);
}

static void test_odd_answers(void **state)
{
  (void)state;
  struct fake f;
  fake_start(&f);
  dc_client *c = it_client_dns(f.addr, 2000);
  static const char *const fine[] = {"fine"};
  expect_txt(c, "ok.fake.test", 1, fine);
  expect_txt_fail(c, "formerr.fake.test", DC_E_DNS, DCI_DNS_BADRESP, "FORMERR");
  expect_txt_fail(c, "notimp.fake.test", DC_E_DNS, DCI_DNS_BADRESP, "NOTIMP");
  expect_txt_fail(c, "badcount.fake.test", DC_E_DNS, DCI_DNS_BADRESP, "bad answer");
  /* an answer to another question is never taken: the lookup waits for
   * its own (c-ares asks again) ... */
  expect_txt(c, "lateonce.fake.test", 1, fine);
  dc_client_free(c);
  /* ... and times out if none comes */
  c = it_client_dns(f.addr, 300);
  expect_txt_fail(c, "wrongq.fake.test", DC_E_DNS_TIMEOUT, DCI_DNS_TIMEOUT, "300 ms");
  dc_client_free(c);
  fake_stop(&f);
}

/* ---- A / AAAA */

static void expect_addrs(dc_client *c, const char *name, size_t n, const char *const *want)
{
  dci_addr_list l;
  dci_dns_result r;
  dc_status st = dci_dns_addrs(c, name, &l, &r);
  if (st != DC_OK) fail_msg("%s: %s (%s)", name, dc_status_name(st), dc_client_error(c));
  assert_int_equal(r, DCI_DNS_OK);
  assert_int_equal(l.n, n);
  for (size_t i = 0; i < n; i++) {
    char text[64];
    dci_addr_format(&l.a[i], text, sizeof text);
    if (strcmp(text, want[i]) != 0) fail_msg("%s: address %zu is %s, expected %s", name, i, text, want[i]);
  }
}

static void test_addrs(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  static const char *const www[] = {"8.8.8.8"};
  expect_addrs(c, "www.example.test", 1, www);
  static const char *const dual[] = {"8.8.8.8", "2606:4700:4700::1111"};
  expect_addrs(c, "dual.example.test", 2, dual);
  static const char *const v6[] = {"2606:4700:4700::1111"};
  expect_addrs(c, "v6only.example.test", 1, v6);
  static const char *const chain[] = {"8.8.4.4", "2606:4700:4700::1001"};
  expect_addrs(c, "alias2.provider.test", 2, chain);
  static const char *const api[] = {"127.0.0.2"};
  expect_addrs(c, "api.provider.test", 1, api);

  dci_addr_list l;
  dci_dns_result r;
  assert_status(dci_dns_addrs(c, "nope.example.test", &l, &r), DC_E_NO_RECORD);
  assert_int_equal(r, DCI_DNS_NXDOMAIN);
  assert_non_null(strstr(dc_client_error(c), "nope.example.test"));
  assert_status(dci_dns_addrs(c, "_domainconnect.example.test", &l, &r), DC_E_NO_RECORD);
  assert_int_equal(r, DCI_DNS_NODATA);
  assert_non_null(strstr(dc_client_error(c), "no A or AAAA record"));
  assert_status(dci_dns_addrs(c, "www.servfail.test", &l, &r), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_SERVFAIL);
  assert_status(dci_dns_addrs(c, "www.notserved.invalid", &l, &r), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_REFUSED);
  /* 33 A records: refused, never cut to 32 */
  assert_status(dci_dns_addrs(c, "manyaddr.resolver.test", &l, &r), DC_E_LIMIT);
  assert_int_equal(r, DCI_DNS_LIMIT);
  assert_int_equal(l.n, 0);
  assert_status(dci_dns_addrs(c, "x y", &l, &r), DC_E_INVALID_ARG);
  dc_client_free(c);
}

/* ---- SOA */

static void test_soa(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  bool has = false;
  dci_dns_result r;
  assert_status(dci_dns_has_soa(c, "example.test", &has, &r), DC_OK);
  assert_true(has);
  assert_int_equal(r, DCI_DNS_OK);
  assert_status(dci_dns_has_soa(c, "sub.example.test", &has, &r), DC_OK);
  assert_true(has);
  assert_status(dci_dns_has_soa(c, "example.co.uk", &has, &r), DC_OK);
  assert_true(has);
  assert_status(dci_dns_has_soa(c, "www.example.test", &has, &r), DC_OK);
  assert_false(has);
  assert_int_equal(r, DCI_DNS_NODATA);
  assert_status(dci_dns_has_soa(c, "www.sub.example.test", &has, &r), DC_OK);
  assert_false(has);
  assert_status(dci_dns_has_soa(c, "nope.example.test", &has, &r), DC_OK);
  assert_false(has);
  assert_int_equal(r, DCI_DNS_NXDOMAIN);
  /* a CNAME owns no SOA */
  assert_status(dci_dns_has_soa(c, "_domainconnect.cname.test", &has, &r), DC_OK);
  assert_false(has);
  assert_status(dci_dns_has_soa(c, "servfail.test", &has, &r), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_SERVFAIL);
  assert_status(dci_dns_has_soa(c, "notserved.invalid", &has, &r), DC_E_DNS);
  assert_int_equal(r, DCI_DNS_REFUSED);
  dc_client_free(c);
}

/* ---- the asynchronous core */

struct conc {
  int idx;
  int calls;
  dc_status status;
  char text[64];
};

static void conc_cb(void *arg, dci_dns_outcome *o)
{
  struct conc *k = arg;
  k->calls++;
  k->status = o->status;
  assert_int_equal(o->kind, DCI_DNS_KIND_TXT);
  if (o->status == DC_OK && o->txt->n == 1)
    snprintf(k->text, sizeof k->text, "%s", rr_text(&o->txt->rrs[0]));
  else
    snprintf(k->text, sizeof k->text, "?");
}

static void test_concurrent(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  dci_resolver *r = NULL;
  assert_status(dci_resolver_new(c, &r), DC_OK);
  enum { N = 50 };
  struct conc k[N];
  for (int i = 0; i < N; i++) {
    char name[64];
    snprintf(name, sizeof name, "c%02d.resolver.test", i);
    memset(&k[i], 0, sizeof k[i]);
    k[i].idx = i;
    assert_status(dci_resolver_txt(r, name, conc_cb, &k[i]), DC_OK);
  }
  assert_int_equal(dci_resolver_pending(r), N);
  /* nothing is reported from inside the start calls */
  for (int i = 0; i < N; i++) assert_int_equal(k[i].calls, 0);
  assert_status(dci_resolver_run(r), DC_OK);
  assert_int_equal(dci_resolver_pending(r), 0);
  for (int i = 0; i < N; i++) {
    char want[32];
    snprintf(want, sizeof want, "value-%02d", i);
    assert_int_equal(k[i].calls, 1);
    assert_status(k[i].status, DC_OK);
    assert_string_equal(k[i].text, want);
  }
  assert_int_equal(dci_resolver_timeout_ms(r), -1);
  /* a bad name is refused at once and never called back */
  struct conc bad = {0};
  assert_status(dci_resolver_txt(r, "no spaces.test", conc_cb, &bad), DC_E_INVALID_ARG);
  assert_non_null(strstr(dci_resolver_error(r), "no spaces.test"));
  assert_int_equal(dci_resolver_pending(r), 0);
  dci_resolver_free(r);
  dc_client_free(c);
}

/* ---- the address cache: A/AAAA answers kept for their TTL */
struct addr_got {
  int calls;
  dc_status status;
  size_t n;
  char first[64];
};

static void addr_cb(void *arg, dci_dns_outcome *o)
{
  struct addr_got *g = arg;
  g->calls++;
  g->status = o->status;
  g->n = o->addrs ? o->addrs->n : 0;
  g->first[0] = '\0';
  if (g->n > 0) dci_addr_format(&o->addrs->a[0], g->first, sizeof g->first);
}

/* One lookup of `name` on `r`, run to its end. */
static struct addr_got addr_once(dci_resolver *r, const char *name)
{
  struct addr_got g = {0};
  assert_status(dci_resolver_addrs(r, name, addr_cb, &g), DC_OK);
  assert_int_equal(g.calls, 0); /* never from inside the start call */
  assert_status(dci_resolver_run(r), DC_OK);
  assert_int_equal(g.calls, 1);
  return g;
}

static void test_addr_cache(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  dci_resolver *r = NULL;
  assert_status(dci_resolver_new(c, &r), DC_OK);
  struct addr_got g = addr_once(r, "kept.resolver.test");
  assert_int_equal(g.n, 2);
  assert_int_equal(dci_resolver_cache_hits(r), 0);
  /* again, in another case and with a trailing dot: from the cache, same answer */
  g = addr_once(r, "KEPT.resolver.test.");
  assert_status(g.status, DC_OK);
  assert_int_equal(g.n, 2);
  assert_string_equal(g.first, "8.8.8.8");
  assert_int_equal(dci_resolver_cache_hits(r), 1);
  /* TTL 0: asked every time */
  g = addr_once(r, "ttl0.resolver.test");
  g = addr_once(r, "ttl0.resolver.test");
  assert_string_equal(g.first, "8.8.4.4");
  assert_int_equal(dci_resolver_cache_hits(r), 1);
  /* failures are not kept */
  g = addr_once(r, "nope.resolver.test");
  assert_status(g.status, DC_E_NO_RECORD);
  g = addr_once(r, "nope.resolver.test");
  assert_int_equal(dci_resolver_cache_hits(r), 1);
  /* the chain's smallest TTL (the CNAME's 1 s) bounds the time kept */
  g = addr_once(r, "short.resolver.test");
  assert_string_equal(g.first, "9.9.9.9");
  g = addr_once(r, "short.resolver.test");
  assert_int_equal(dci_resolver_cache_hits(r), 2);
  usleep(1100 * 1000);
  g = addr_once(r, "short.resolver.test");
  assert_string_equal(g.first, "9.9.9.9");
  assert_int_equal(dci_resolver_cache_hits(r), 2);
  /* a new resolver starts empty */
  dci_resolver_free(r);
  assert_status(dci_resolver_new(c, &r), DC_OK);
  g = addr_once(r, "kept.resolver.test");
  assert_int_equal(dci_resolver_cache_hits(r), 0);
  dci_resolver_free(r);
  dc_client_free(c);
}

/* Many more lookups than DC_MAX_DNS_INFLIGHT on one resolver. */
static void test_thousand(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  dci_resolver *r = NULL;
  assert_status(dci_resolver_new(c, &r), DC_OK);
  enum { N = 1000 };
  struct conc *k = calloc(N, sizeof *k);
  assert_non_null(k);
  for (int i = 0; i < N; i++) {
    char name[64];
    snprintf(name, sizeof name, "c%02d.resolver.test", i % 50);
    k[i].idx = i;
    assert_status(dci_resolver_txt(r, name, conc_cb, &k[i]), DC_OK);
  }
  assert_int_equal(dci_resolver_pending(r), N);
  assert_status(dci_resolver_run(r), DC_OK);
  for (int i = 0; i < N; i++) {
    char want[32];
    snprintf(want, sizeof want, "value-%02d", i % 50);
    assert_int_equal(k[i].calls, 1);
    assert_string_equal(k[i].text, want);
  }
  free(k);
  dci_resolver_free(r);
  dc_client_free(c);
}

/* A caller-driven loop with mixed kinds; callbacks start follow-ups. */
struct mixed {
  dci_resolver *r;
  int txt_ok, addrs_ok, soa_yes, soa_no, nx, followups;
};

static void mixed_cb(void *arg, dci_dns_outcome *o)
{
  struct mixed *m = arg;
  switch (o->kind) {
  case DCI_DNS_KIND_TXT:
    if (o->status == DC_OK) {
      m->txt_ok++;
      /* keep the answer (moved out), then free it ourselves */
      dci_txt_answer mine = *o->txt;
      *o->txt = (dci_txt_answer){0};
      assert_true(mine.n >= 1);
      dci_txt_answer_free(&mine);
      if (strcmp(o->name, "_domainconnect.example.test") == 0) {
        /* discovery's next step: resolve the provider's host */
        assert_status(dci_resolver_addrs(m->r, "api.provider.test", mixed_cb, m), DC_OK);
        m->followups++;
      }
    } else if (o->result == DCI_DNS_NXDOMAIN) {
      m->nx++;
      assert_non_null(strstr(o->detail, o->name));
    }
    break;
  case DCI_DNS_KIND_ADDRS:
    if (o->status == DC_OK) {
      assert_true(o->addrs->n >= 1);
      m->addrs_ok++;
    }
    break;
  case DCI_DNS_KIND_SOA:
    assert_status(o->status, DC_OK);
    if (o->has_soa) m->soa_yes++; else m->soa_no++;
    break;
  case DCI_DNS_KIND_RRSET: /* not started here (test_verify has its own) */
    fail_msg("unexpected RRset outcome");
    break;
  }
}

static void test_caller_loop(void **state)
{
  (void)state;
  dc_client *c = it_knot();
  struct mixed m;
  memset(&m, 0, sizeof m);
  assert_status(dci_resolver_new(c, &m.r), DC_OK);
  for (int round = 0; round < 5; round++) {
    assert_status(dci_resolver_txt(m.r, "_domainconnect.example.test", mixed_cb, &m), DC_OK);
    assert_status(dci_resolver_txt(m.r, "_domainconnect.nodc.test", mixed_cb, &m), DC_OK);
    assert_status(dci_resolver_addrs(m.r, "dual.example.test", mixed_cb, &m), DC_OK);
    assert_status(dci_resolver_soa(m.r, "sub.example.test", mixed_cb, &m), DC_OK);
    assert_status(dci_resolver_soa(m.r, "www.sub.example.test", mixed_cb, &m), DC_OK);
  }
  double t0 = it_now_ms();
  while (dci_resolver_pending(m.r) > 0) {
    if (it_now_ms() - t0 > 10000) fail_msg("loop did not finish");
    struct pollfd fds[DCI_RESOLVER_MAX_FDS];
    size_t n = dci_resolver_fds(m.r, fds, DCI_RESOLVER_MAX_FDS);
    assert_true(n <= DCI_RESOLVER_MAX_FDS);
    long t = dci_resolver_timeout_ms(m.r);
    assert_true(t >= 0);
    int rc = poll(fds, (nfds_t)n, (int)t);
    if (rc <= 0) {
      dci_resolver_process_fd(m.r, -1, -1);
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      if (fds[i].revents == 0) continue;
      dci_resolver_process_fd(m.r, (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : -1,
                              (fds[i].revents & POLLOUT) ? fds[i].fd : -1);
    }
  }
  assert_int_equal(m.txt_ok, 5);
  assert_int_equal(m.nx, 5);
  assert_int_equal(m.followups, 5);
  assert_int_equal(m.addrs_ok, 10);
  assert_int_equal(m.soa_yes, 5);
  assert_int_equal(m.soa_no, 5);
  dci_resolver_free(m.r);
  dc_client_free(c);
}

static void never_cb(void *arg, dci_dns_outcome *o)
{
  (void)arg;
  (void)o;
  fail_msg("callback of a dropped lookup ran");
}

static void count_cb(void *arg, dci_dns_outcome *o)
{
  int *n = arg;
  assert_status(o->status, DC_E_DNS_TIMEOUT);
  assert_int_equal(o->result, DCI_DNS_TIMEOUT);
  (*n)++;
}

static void test_async_timeouts_and_free(void **state)
{
  (void)state;
  /* many lookups against the silent server all time out at their deadline */
  dc_client *c = it_client_dns(it_env("DC_TEST_SILENT_DNS"), 200);
  dci_resolver *r = NULL;
  assert_status(dci_resolver_new(c, &r), DC_OK);
  int timeouts = 0;
  for (int i = 0; i < 20; i++) {
    char name[64];
    snprintf(name, sizeof name, "c%02d.resolver.test", i);
    assert_status(i % 2 ? dci_resolver_txt(r, name, count_cb, &timeouts)
                        : dci_resolver_addrs(r, name, count_cb, &timeouts), DC_OK);
  }
  double t0 = it_now_ms();
  assert_status(dci_resolver_run(r), DC_OK);
  double el = it_now_ms() - t0;
  assert_int_equal(timeouts, 20);
  if (el < 200.0 || el > 700.0) fail_msg("20 lookups timed out after %.1f ms", el);
  /* more than DC_MAX_DNS_INFLIGHT: the later ones wait, and each gets its
   * whole timeout once sent (three waves of 200 ms) */
  timeouts = 0;
  t0 = it_now_ms();
  for (int i = 0; i < 2 * DC_MAX_DNS_INFLIGHT + 1; i++)
    assert_status(dci_resolver_txt(r, "c00.resolver.test", count_cb, &timeouts), DC_OK);
  assert_status(dci_resolver_run(r), DC_OK);
  el = it_now_ms() - t0;
  assert_int_equal(timeouts, 2 * DC_MAX_DNS_INFLIGHT + 1);
  if (el < 600.0 || el > 1100.0) fail_msg("three waves timed out after %.1f ms", el);
  /* lookups pending at free: dropped without callbacks, nothing leaks */
  for (int i = 0; i < 10; i++)
    assert_status(dci_resolver_addrs(r, "www.example.test", never_cb, NULL), DC_OK);
  dci_resolver_free(r);
  dc_client_free(c);

  c = it_knot();
  assert_status(dci_resolver_new(c, &r), DC_OK);
  for (int i = 0; i < 10; i++)
    assert_status(dci_resolver_txt(r, "big.resolver.test", never_cb, NULL), DC_OK);
  /* let some answers arrive, then drop everything */
  struct pollfd fds[DCI_RESOLVER_MAX_FDS];
  size_t n = dci_resolver_fds(r, fds, DCI_RESOLVER_MAX_FDS);
  (void)poll(fds, (nfds_t)n, 20);
  dci_resolver_free(r);
  dc_client_free(c);
}

static void test_system_servers(void **state)
{
  (void)state;
  /* without configured servers the system's are used; only set-up is
   * checked here (no query leaves the machine) */
  dc_client *c = it_client_dns(NULL, 0);
  dci_resolver *r = NULL;
  assert_status(dci_resolver_new(c, &r), DC_OK);
  assert_int_equal(dci_resolver_timeout_ms(r), -1);
  assert_int_equal(dci_resolver_fds(r, NULL, 0), 0);
  dci_resolver_free(r);
  dci_resolver_free(NULL);
  assert_status(dci_resolver_new(NULL, &r), DC_E_INVALID_ARG);
  assert_status(dci_resolver_new(c, NULL), DC_E_INVALID_ARG);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_txt_answers),
    cmocka_unit_test(test_txt_multi_string_kept_apart),
    cmocka_unit_test(test_txt_cname),
    cmocka_unit_test(test_txt_outcomes),
    cmocka_unit_test(test_txt_large_and_limits),
    cmocka_unit_test(test_timeout),
    cmocka_unit_test(test_second_server),
    cmocka_unit_test(test_odd_answers),
    cmocka_unit_test(test_addrs),
    cmocka_unit_test(test_soa),
    cmocka_unit_test(test_concurrent),
    cmocka_unit_test(test_thousand),
    cmocka_unit_test(test_addr_cache),
    cmocka_unit_test(test_caller_loop),
    cmocka_unit_test(test_async_timeouts_and_free),
    cmocka_unit_test(test_system_servers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
