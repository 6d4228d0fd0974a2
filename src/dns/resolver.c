/* DNS over c-ares: an asynchronous core (many lookups on one channel,
 * driven by poll() or the caller's loop) and the synchronous lookups of
 * resolver.h on top of it. c-ares only carries our queries (ares_send with
 * a query built by ares_create_query; never ares_search, so no search list,
 * and no hosts file); the answers are parsed by parse.c. */
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <ares.h>

#include "dns/addr_cache.h"
#include "dns/outcome.h"
#include "dns/resolver.h"
#include "domainconnect/net.h"

/* c-ares tries every server DNS_ROUNDS times and doubles the per-try
 * timeout each round: with t per try and N servers that is N*t + 2*N*t, so
 * t = ceil(T / (3 * N)) spends the client's DNS timeout T; our own deadline
 * at exactly T ends the lookup. */
#define DNS_ROUNDS 2
#define DNS_ROUND_WEIGHT 3

struct lookup;

/* One c-ares query in flight. Owned by c-ares until its callback runs;
 * `l` is cleared when the lookup no longer waits for it (deadline, free). */
struct sub {
  struct lookup *l;
  int slot;
  char name[DC_MAX_NAME_LEN + 2]; /* the name asked (CNAME targets differ) */
};

struct lookup {
  dci_resolver *r;
  struct lookup *prev, *next; /* in the queued, in-flight or done list */
  dci_dns_kind kind;
  char name[DC_MAX_NAME_LEN + 1];
  int64_t deadline_us;
  dci_dns_cb cb;
  void *arg;
  int nslots;                 /* 2 for A + AAAA, else 1 */
  struct sub *sub[2];
  bool slot_done[2];
  unsigned hops[2];           /* CNAMEs followed so far */
  dci_dns_result res[2];
  const char *why[2];
  dci_txt_answer txt;
  dci_addr_list addrs[2];
  bool ttl_set[2];            /* ADDRS: ttl[slot] is known */
  uint32_t ttl[2];            /* ADDRS: smallest TTL seen for the slot */
  bool from_cache;            /* ADDRS: answered from the address cache */
  bool has_soa;
  unsigned qtype;             /* RRSET */
  dci_rrset rrset;
};

struct dci_resolver {
  ares_channel ch;
  long timeout_ms;
  struct lookup *q_head, *q_tail;     /* started, waiting for room */
  struct lookup *fl_head, *fl_tail;   /* in flight, ordered by deadline */
  struct lookup *done_head, *done_tail;
  size_t active;                      /* lookups in flight */
  size_t max_active;                  /* DC_MAX_DNS_INFLIGHT, or the batch's */
  size_t pending;                     /* started, callback not yet run */
  bool in_callbacks;
  char err[256];
  dci_addr_cache cache;   /* A/AAAA answers kept for their TTL */
  size_t cache_hits;
};


/* ---- lists */

static void list_unlink(struct lookup **head, struct lookup **tail, struct lookup *l)
{
  if (l->prev) l->prev->next = l->next; else *head = l->next;
  if (l->next) l->next->prev = l->prev; else *tail = l->prev;
  l->prev = l->next = NULL;
}

static void list_append(struct lookup **head, struct lookup **tail, struct lookup *l)
{
  l->prev = *tail;
  l->next = NULL;
  if (*tail) (*tail)->next = l; else *head = l;
  *tail = l;
}

static void lookup_detach(struct lookup *l)
{
  for (int i = 0; i < 2; i++) {
    if (l->sub[i]) {
      l->sub[i]->l = NULL;
      l->sub[i] = NULL;
    }
  }
}

size_t dci_resolver_cache_hits(const dci_resolver *r)
{
  return r ? r->cache_hits : 0;
}

static void lookup_free(struct lookup *l)
{
  lookup_detach(l);
  dci_txt_answer_free(&l->txt);
  dci_rrset_free(&l->rrset);
  free(l);
}

/* All slots answered (or timed out): move to the done list. */
static void lookup_done(struct lookup *l)
{
  dci_resolver *r = l->r;
  list_unlink(&r->fl_head, &r->fl_tail, l);
  r->active--;
  list_append(&r->done_head, &r->done_tail, l);
}

static void slot_finish(struct lookup *l, int slot, dci_dns_result res,
                        const char *why)
{
  l->slot_done[slot] = true;
  l->res[slot] = res;
  l->why[slot] = why;
  for (int i = 0; i < l->nslots; i++)
    if (!l->slot_done[i]) return;
  lookup_done(l);
}

/* ---- queries */

static int slot_qtype(const struct lookup *l, int slot)
{
  switch (l->kind) {
  case DCI_DNS_KIND_TXT: return DCI_T_TXT;
  case DCI_DNS_KIND_SOA: return DCI_T_SOA;
  case DCI_DNS_KIND_ADDRS: return slot == 0 ? DCI_T_A : DCI_T_AAAA;
  case DCI_DNS_KIND_RRSET: return (int)l->qtype;
  }
  return DCI_T_TXT;
}

static dci_dns_result map_ares_status(int st, const char **why)
{
  *why = NULL;
  switch (st) {
  case ARES_ETIMEOUT: return DCI_DNS_TIMEOUT;
  case ARES_ESERVFAIL: return DCI_DNS_SERVFAIL;
  case ARES_EREFUSED: return DCI_DNS_REFUSED;
  case ARES_ENOMEM: return DCI_DNS_NOMEM;
  case ARES_ECONNREFUSED: *why = "connection refused by the DNS server"; break;
  case ARES_ENOTIMP: *why = "NOTIMP from the server"; break;
  case ARES_EFORMERR: *why = "FORMERR from the server"; break;
  case ARES_EBADRESP: *why = "malformed response"; break;
  case ARES_ECANCELLED:
  case ARES_EDESTRUCTION: *why = "lookup cancelled"; break;
  default: *why = "c-ares could not complete the query"; break;
  }
  return DCI_DNS_BADRESP;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf,
                      int alen);

/* Sends one query for `name` on `slot`. on_answer may run before this
 * returns (c-ares reports some failures at once). */
static dci_dns_result send_query(struct lookup *l, int slot, const char *name,
                                 const char **why)
{
  unsigned char *q = NULL;
  int qlen = 0;
  *why = NULL;
  /* id 0: ares_send puts a random id in; rd 1 for recursive servers; no
   * EDNS (large answers come over TCP after TC). */
  int rc = ares_create_query(name, DCI_C_IN, slot_qtype(l, slot), 0, 1, &q,
                             &qlen, 0);
  if (rc != ARES_SUCCESS) {
    if (rc == ARES_ENOMEM) return DCI_DNS_NOMEM;
    *why = "the query could not be built";
    return DCI_DNS_BADRESP;
  }
  struct sub *s = malloc(sizeof *s);
  if (s == NULL) {
    ares_free_string(q);
    return DCI_DNS_NOMEM;
  }
  s->l = l;
  s->slot = slot;
  snprintf(s->name, sizeof s->name, "%s", name);
  l->sub[slot] = s;
  ares_send(l->r->ch, q, qlen, on_answer, s);
  ares_free_string(q);
  return DCI_DNS_OK;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf,
                      int alen)
{
  struct sub *s = arg;
  struct lookup *l = s->l;
  int slot = s->slot;
  if (l == NULL) { /* timed out or dropped meanwhile */
    free(s);
    return;
  }
  l->sub[slot] = NULL;

  dci_dns_result res;
  const char *why = NULL;
  if (status != ARES_SUCCESS || abuf == NULL || alen < 0) {
    free(s);
    res = map_ares_status(status == ARES_SUCCESS ? ARES_EBADRESP : status, &why);
    slot_finish(l, slot, res, why);
    return;
  }
  size_t len = (size_t)alen;
  /* c-ares 1.18 drops answers whose question differs even with
   * NOCHECKRESP; checked again here so no c-ares version can hand us one. */
  bool ours = dci_dns_question_matches(abuf, len, s->name,
                                       (unsigned)slot_qtype(l, slot));
  free(s);
  if (!ours) {
    slot_finish(l, slot, DCI_DNS_BADRESP, "answer to another question");
    return;
  }
  dci_dns_info info;
  switch (l->kind) {
  case DCI_DNS_KIND_TXT:
    dci_txt_answer_free(&l->txt);
    (void)dci_dns_parse_txt(abuf, len, &l->txt, &res, &info);
    break;
  case DCI_DNS_KIND_ADDRS:
    l->addrs[slot].n = 0;
    (void)dci_dns_parse_addrs(abuf, len, (unsigned)slot_qtype(l, slot),
                              &l->addrs[slot], &res, &info);
    if (info.has_ttl && (!l->ttl_set[slot] || info.min_ttl < l->ttl[slot])) {
      l->ttl[slot] = info.min_ttl; /* the smallest along a CNAME chain too */
      l->ttl_set[slot] = true;
    }
    break;
  case DCI_DNS_KIND_RRSET:
    dci_rrset_free(&l->rrset);
    (void)dci_dns_parse_rrset(abuf, len, l->qtype, &l->rrset, &res, &info);
    break;
  case DCI_DNS_KIND_SOA:
  default:
    (void)dci_dns_parse_soa(abuf, len, &l->has_soa, &res, &info);
    break;
  }
  why = info.why;
  l->hops[slot] += info.cname_hops;
  if (l->hops[slot] > DC_MAX_CNAME_CHAIN) {
    res = DCI_DNS_BADRESP;
    why = "CNAME chain too long (or a loop)";
  } else if (res == DCI_DNS_NODATA && info.cname_target[0] != '\0') {
    /* The server stopped at a CNAME into a zone it does not serve (an
     * authoritative server does): ask for the target. */
    res = send_query(l, slot, info.cname_target, &why);
    if (res == DCI_DNS_OK) return;
  }
  slot_finish(l, slot, res, why);
}

/* ---- resolver */

static dc_status ares_fail(dc_client *c, int rc, const char *what)
{
  if (rc == ARES_ENOMEM) return dci_fail(c, DC_E_NOMEM, "out of memory");
  return dci_fail(c, DC_E_DNS, "DNS: %s: %s", what, ares_strerror(rc));
}

static int channel_init(ares_channel *ch, long per_try_ms, int tries)
{
  static char lookups[] = "b"; /* DNS only, never the hosts file */
  struct ares_options o;
  memset(&o, 0, sizeof o);
  /* NOCHECKRESP: c-ares 1.18 would swallow SERVFAIL / NOTIMP / REFUSED
   * answers (moving on to the next server and in the end reporting
   * ARES_ECONNREFUSED); we want the rcode. It still drops answers to
   * another question (and we check that again). */
  o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
  o.timeout = (int)per_try_ms;
  o.tries = tries;
  o.ndots = 1;
  o.domains = NULL; /* no search list, whatever resolv.conf says */
  o.ndomains = 0;
  o.lookups = lookups;
  o.socket_receive_buffer_size = DC_DNS_RCVBUF;
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
             ARES_OPT_NDOTS | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS |
             ARES_OPT_NOROTATE | ARES_OPT_SOCK_RCVBUF;
  return ares_init_options(ch, &o, mask);
}

dc_status dci_resolver_new(dc_client *c, dci_resolver **out)
{
  dc_status status = DC_OK;
  ares_channel probe = NULL;
  struct ares_addr_port_node *servers = NULL, *cut = NULL, *cut_next = NULL;
  dci_resolver *r = NULL;
  if (out) *out = NULL;
  if (c == NULL || out == NULL) return DC_E_INVALID_ARG;
  if (dc_global_init() != DC_OK)
    return dci_fail(c, DC_E_INTERNAL, "library initialisation failed");
  r = calloc(1, sizeof *r);
  if (r == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  r->max_active = DC_MAX_DNS_INFLIGHT;
  long dns_ms = c->cfg->timeout_dns_ms;
  r->timeout_ms = dns_ms > 0 ? dns_ms : DC_DEFAULT_DNS_TIMEOUT_MS;

  size_t nservers = c->cfg->n_dns_servers;
  if (c->cfg->dns_servers == NULL || nservers == 0) {
    /* The system's servers: read them once to size the per-try timeout,
     * keeping at most DC_MAX_DNS_SERVERS. */
    int rc = channel_init(&probe, 1000, 1);
    if (rc != ARES_SUCCESS) {
      probe = NULL;
      DCI_TRY(ares_fail(c, rc, "cannot read the system's DNS configuration"));
    }
    rc = ares_get_servers_ports(probe, &servers);
    if (rc != ARES_SUCCESS) DCI_TRY(ares_fail(c, rc, "cannot list the system's DNS servers"));
    nservers = 0;
    for (struct ares_addr_port_node *n = servers; n; n = n->next) {
      if (++nservers == DC_MAX_DNS_SERVERS && n->next) {
        cut = n;
        cut_next = n->next;
        n->next = NULL;
        break;
      }
    }
    if (nservers == 0) DCI_TRY(dci_fail(c, DC_E_DNS, "DNS: no DNS server configured"));
  }
  long denom = DNS_ROUND_WEIGHT * (long)nservers;
  long per_try = (r->timeout_ms + denom - 1) / denom;
  if (per_try < 1) per_try = 1;
  int rc = channel_init(&r->ch, per_try, DNS_ROUNDS);
  if (rc != ARES_SUCCESS) {
    r->ch = NULL;
    DCI_TRY(ares_fail(c, rc, "cannot set up c-ares"));
  }
  if (servers != NULL) rc = ares_set_servers_ports(r->ch, servers);
  else rc = ares_set_servers_ports_csv(r->ch, c->cfg->dns_servers);
  if (rc != ARES_SUCCESS) DCI_TRY(ares_fail(c, rc, "cannot set the DNS servers"));
  *out = r;
  r = NULL;
done:
  if (cut) cut->next = cut_next;
  if (servers) ares_free_data(servers);
  if (probe) ares_destroy(probe);
  dci_resolver_free(r);
  return status;
}

void dci_resolver_free(dci_resolver *r)
{
  if (r == NULL) return;
  while (r->q_head) {
    struct lookup *l = r->q_head;
    list_unlink(&r->q_head, &r->q_tail, l);
    lookup_free(l);
  }
  while (r->fl_head) {
    struct lookup *l = r->fl_head;
    list_unlink(&r->fl_head, &r->fl_tail, l);
    lookup_free(l);
  }
  while (r->done_head) {
    struct lookup *l = r->done_head;
    list_unlink(&r->done_head, &r->done_tail, l);
    lookup_free(l);
  }
  /* Pending c-ares queries end here with ARES_EDESTRUCTION; their subs are
   * detached, so on_answer only frees them. */
  if (r->ch) ares_destroy(r->ch);
  dci_addr_cache_free(&r->cache);
  free(r);
}

/* The type a lookup asks for, for details ("MX", "TYPE65280", "A/AAAA"). */
static const char *lookup_type_name(const struct lookup *l, char *buf, size_t n)
{
  if (l->kind == DCI_DNS_KIND_RRSET) return dci_dns_type_name(l->qtype, buf, n);
  return dci_dns_kind_name(l->kind);
}

/* Puts a queued lookup on the wire; its deadline starts now. A query that
 * cannot be sent ends its slot at once (reported like any outcome). */
static void activate(struct lookup *l)
{
  dci_resolver *r = l->r;
  list_unlink(&r->q_head, &r->q_tail, l);
  l->deadline_us = dci_now_us() + (int64_t)r->timeout_ms * 1000;
  list_append(&r->fl_head, &r->fl_tail, l);
  r->active++;
  for (int slot = 0; slot < l->nslots; slot++) {
    const char *why;
    dci_dns_result res = send_query(l, slot, l->name, &why);
    if (res != DCI_DNS_OK) slot_finish(l, slot, res, why);
  }
}

/* Starts queued lookups while there is room (DC_MAX_DNS_INFLIGHT): a
 * burst of thousands of UDP queries would only be dropped by some socket
 * buffer on the way. Iterative, so lookups that end at once cannot nest. */
static void pump(dci_resolver *r)
{
  while (r->q_head && r->active < r->max_active) activate(r->q_head);
}

void dci_resolver_set_max_inflight(dci_resolver *r, size_t n)
{
  if (r == NULL) return;
  if (n < DC_MAX_DNS_INFLIGHT) n = DC_MAX_DNS_INFLIGHT;
  if (n > DC_MAX_DNS_INFLIGHT_BATCH) n = DC_MAX_DNS_INFLIGHT_BATCH;
  r->max_active = n;
  pump(r);
}

static dc_status start(dci_resolver *r, dci_dns_kind kind, unsigned qtype,
                       const char *name, dci_dns_cb cb, void *arg)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  r->err[0] = '\0';
  if (kind == DCI_DNS_KIND_RRSET &&
      (qtype == 0 || qtype > 65535 || qtype == 41 || (qtype >= 249 && qtype <= 255))) {
    snprintf(r->err, sizeof r->err, "DNS lookup: type %u cannot be asked for", qtype);
    return DC_E_INVALID_ARG;
  }
  if (name == NULL || cb == NULL) {
    snprintf(r->err, sizeof r->err, "DNS %s lookup: no name or no callback",
             dci_dns_kind_name(kind));
    return DC_E_INVALID_ARG;
  }
  if (!dci_dns_name_ok(name)) {
    char safe[80];
    dci_sanitize(safe, sizeof safe, name, strlen(name), 64);
    snprintf(r->err, sizeof r->err,
             "DNS %s lookup: '%s' is not a DNS name that can be asked for",
             dci_dns_kind_name(kind), safe);
    return DC_E_INVALID_ARG;
  }
  struct lookup *l = calloc(1, sizeof *l);
  if (l == NULL) {
    snprintf(r->err, sizeof r->err, "out of memory");
    return DC_E_NOMEM;
  }
  size_t len = strlen(name);
  if (name[len - 1] == '.') len--;
  memcpy(l->name, name, len);
  l->name[len] = '\0';
  l->r = r;
  l->kind = kind;
  l->qtype = qtype;
  l->cb = cb;
  l->arg = arg;
  l->nslots = kind == DCI_DNS_KIND_ADDRS ? 2 : 1;
  r->pending++;
  const dci_addr_list *hit =
    kind == DCI_DNS_KIND_ADDRS ? dci_addr_cache_get(&r->cache, l->name, dci_now_us()) : NULL;
  if (hit != NULL) {
    /* answered now, reported from the event loop like any other */
    l->addrs[0] = *hit;
    l->res[0] = DCI_DNS_OK;
    l->res[1] = DCI_DNS_NODATA;
    l->slot_done[0] = l->slot_done[1] = true;
    l->from_cache = true;
    r->cache_hits++;
    list_append(&r->done_head, &r->done_tail, l);
    return DC_OK;
  }
  list_append(&r->q_head, &r->q_tail, l);
  pump(r);
  return DC_OK;
}

dc_status dci_resolver_txt(dci_resolver *r, const char *name, dci_dns_cb cb, void *arg)
{
  return start(r, DCI_DNS_KIND_TXT, 0, name, cb, arg);
}

dc_status dci_resolver_addrs(dci_resolver *r, const char *name, dci_dns_cb cb, void *arg)
{
  return start(r, DCI_DNS_KIND_ADDRS, 0, name, cb, arg);
}

dc_status dci_resolver_soa(dci_resolver *r, const char *name, dci_dns_cb cb, void *arg)
{
  return start(r, DCI_DNS_KIND_SOA, 0, name, cb, arg);
}

dc_status dci_resolver_rrset(dci_resolver *r, const char *name, unsigned qtype,
                             dci_dns_cb cb, void *arg)
{
  return start(r, DCI_DNS_KIND_RRSET, qtype, name, cb, arg);
}

const char *dci_resolver_error(const dci_resolver *r)
{
  return r ? r->err : "";
}

size_t dci_resolver_pending(const dci_resolver *r)
{
  return r ? r->pending : 0;
}

/* ---- outcomes */

/* The lookup's result from its slots; ADDRS merges A then AAAA into *all. */
static dci_dns_result combine(const struct lookup *l, dci_addr_list *all,
                              const char **why)
{
  *why = l->why[0];
  if (l->kind != DCI_DNS_KIND_ADDRS) return l->res[0];
  return dci_dns_merge_addrs((dci_dns_half){l->res[0], &l->addrs[0], l->why[0]},
                             (dci_dns_half){l->res[1], &l->addrs[1], l->why[1]}, all, why);
}

static void outcome_detail(const struct lookup *l, dci_dns_result res,
                           const char *why, char *buf, size_t n)
{
  char tname[16];
  const char *type = lookup_type_name(l, tname, sizeof tname);
  dci_dns_failure_detail(type, l->kind == DCI_DNS_KIND_ADDRS ? "A or AAAA" : type, l->name,
                         res, why, l->r->timeout_ms, "the DNS server", buf, n);
}

static void run_callbacks(dci_resolver *r)
{
  if (r->in_callbacks) return; /* a callback drove the loop: finish later */
  r->in_callbacks = true;
  while (r->done_head) {
    struct lookup *l = r->done_head;
    list_unlink(&r->done_head, &r->done_tail, l);
    dci_addr_list all;
    all.n = 0;
    const char *why;
    dci_dns_result res = combine(l, &all, &why);
    dci_dns_outcome o;
    dci_dns_outcome_init(&o, l->kind, l->name, res, &l->txt);
    char detail[DCI_DNS_DETAIL_MAX];
    if (o.status != DC_OK) {
      outcome_detail(l, res, why, detail, sizeof detail);
      o.detail = detail;
    }
    if (l->kind == DCI_DNS_KIND_ADDRS) {
      o.addrs = &all;
      if (res == DCI_DNS_OK && !l->from_cache) {
        uint32_t ttl = UINT32_MAX; /* the smaller of the two answers' */
        for (int i = 0; i < 2; i++)
          if (l->ttl_set[i] && l->ttl[i] < ttl) ttl = l->ttl[i];
        if (ttl != UINT32_MAX) dci_addr_cache_put(&r->cache, l->name, &all, ttl, dci_now_us());
      }
    }
    if (l->kind == DCI_DNS_KIND_RRSET) {
      if (res != DCI_DNS_OK) dci_rrset_free(&l->rrset);
      o.qtype = l->qtype;
      o.rrset = &l->rrset;
    }
    o.has_soa = l->kind == DCI_DNS_KIND_SOA && res == DCI_DNS_OK && l->has_soa;
    r->pending--;
    l->cb(l->arg, &o);
    lookup_free(l);
  }
  r->in_callbacks = false;
}

/* Lookups past their deadline end with DCI_DNS_TIMEOUT (the c-ares queries
 * still out are left to end on their own). */
static void expire(dci_resolver *r)
{
  if (r->fl_head == NULL) return;
  int64_t now = dci_now_us();
  while (r->fl_head && r->fl_head->deadline_us <= now) {
    struct lookup *l = r->fl_head;
    lookup_detach(l);
    for (int i = 0; i < l->nslots; i++) {
      if (l->slot_done[i]) continue;
      l->slot_done[i] = true;
      l->res[i] = DCI_DNS_TIMEOUT;
      l->why[i] = NULL;
    }
    lookup_done(l);
  }
}

/* ---- event loop */

size_t dci_resolver_fds(dci_resolver *r, struct pollfd *fds, size_t max)
{
  if (r == NULL) return 0;
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  int bits = ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
  size_t n = 0;
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
    short ev = 0;
    if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
    if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
    if (ev == 0) break;
    if (fds != NULL && n < max) {
      fds[n].fd = socks[i];
      fds[n].events = ev;
      fds[n].revents = 0;
    }
    n++;
  }
  return n;
}

long dci_resolver_timeout_ms(dci_resolver *r)
{
  if (r == NULL) return -1;
  if (r->done_head) return 0;
  if (r->fl_head == NULL) return r->q_head ? 0 : -1;
  int64_t left = r->fl_head->deadline_us - dci_now_us();
  if (left < 0) left = 0;
  struct timeval tv;
  struct timeval *tp = ares_timeout(r->ch, NULL, &tv);
  if (tp != NULL) {
    int64_t a = (int64_t)tp->tv_sec * 1000000 + tp->tv_usec;
    if (a < left) left = a;
  }
  return (long)((left + 999) / 1000);
}

void dci_resolver_process(dci_resolver *r, const struct pollfd *fds, size_t n)
{
  if (r == NULL) return;
  bool any = false;
  for (size_t i = 0; fds != NULL && i < n; i++) {
    short ev = fds[i].revents;
    if (ev == 0) continue;
    any = true;
    ares_socket_t rfd = (ev & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) ? fds[i].fd : ARES_SOCKET_BAD;
    ares_socket_t wfd = (ev & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
    ares_process_fd(r->ch, rfd, wfd);
  }
  if (!any) ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  expire(r);
  pump(r);
  run_callbacks(r);
}

void dci_resolver_process_fd(dci_resolver *r, int read_fd, int write_fd)
{
  if (r == NULL) return;
  ares_process_fd(r->ch, read_fd >= 0 ? read_fd : ARES_SOCKET_BAD,
                  write_fd >= 0 ? write_fd : ARES_SOCKET_BAD);
  expire(r);
  pump(r);
  run_callbacks(r);
}

dc_status dci_resolver_run(dci_resolver *r)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  if (r->in_callbacks) return DC_E_INTERNAL; /* not from a callback */
  while (r->pending > 0) {
    struct pollfd fds[DCI_RESOLVER_MAX_FDS];
    size_t n = dci_resolver_fds(r, fds, DCI_RESOLVER_MAX_FDS);
    if (n > DCI_RESOLVER_MAX_FDS) n = DCI_RESOLVER_MAX_FDS;
    long t = dci_resolver_timeout_ms(r);
    if (t < 0 || t > INT_MAX) t = t < 0 ? 100 : INT_MAX;
    int rc = poll(fds, (nfds_t)n, (int)t);
    if (rc <= 0) {
      /* timeout, EINTR or a poll failure: a timeouts-only pass (the
       * lookups' deadlines bound the loop either way) */
      n = 0;
    }
    dci_resolver_process(r, fds, n);
  }
  return DC_OK;
}

/* ---- synchronous lookups */

struct sync_ctx {
  bool called;
  dc_status status;
  dci_dns_result result;
  char detail[DC_MAX_NAME_LEN + 160];
  dci_txt_answer txt;
  dci_addr_list addrs;
  bool has_soa;
  dci_rrset rrset;
};

static void sync_cb(void *arg, dci_dns_outcome *o)
{
  struct sync_ctx *s = arg;
  s->called = true;
  s->status = o->status;
  s->result = o->result;
  snprintf(s->detail, sizeof s->detail, "%s", o->detail);
  if (o->txt) {
    s->txt = *o->txt;
    memset(o->txt, 0, sizeof *o->txt);
  }
  if (o->addrs) s->addrs = *o->addrs;
  s->has_soa = o->has_soa;
  if (o->rrset) {
    s->rrset = *o->rrset;
    memset(o->rrset, 0, sizeof *o->rrset);
  }
}

static dc_status sync_lookup(dc_client *c, dci_dns_kind kind, unsigned qtype,
                             const char *name, struct sync_ctx *s)
{
  dc_status status = DC_OK;
  dci_resolver *r = NULL;
  memset(s, 0, sizeof *s);
  s->result = DCI_DNS_BADRESP;
  status = dci_resolver_new(c, &r);
  if (status != DC_OK) {
    if (status == DC_E_NOMEM) s->result = DCI_DNS_NOMEM;
    goto done;
  }
  status = start(r, kind, qtype, name, sync_cb, s);
  if (status != DC_OK) {
    if (status == DC_E_NOMEM) s->result = DCI_DNS_NOMEM;
    status = dci_fail(c, status, "%s", r->err);
    goto done;
  }
  DCI_TRY(dci_resolver_run(r));
  if (!s->called) {
    status = dci_fail(c, DC_E_INTERNAL, "DNS lookup ended without an outcome");
    goto done;
  }
  status = s->status;
  if (status != DC_OK) dci_fail(c, status, "%s", s->detail);
done:
  dci_resolver_free(r);
  return status;
}

dc_status dci_dns_txt(dc_client *c, const char *name, dci_txt_answer *out,
                      dci_dns_result *result)
{
  if (out) memset(out, 0, sizeof *out);
  if (result) *result = DCI_DNS_BADRESP;
  if (c == NULL || out == NULL) return DC_E_INVALID_ARG;
  struct sync_ctx s;
  dc_status status = sync_lookup(c, DCI_DNS_KIND_TXT, 0, name, &s);
  if (result) *result = s.result;
  if (status == DC_OK) *out = s.txt;
  else dci_txt_answer_free(&s.txt);
  return status;
}

dc_status dci_dns_addrs(dc_client *c, const char *name, dci_addr_list *out,
                        dci_dns_result *result)
{
  if (out) out->n = 0;
  if (result) *result = DCI_DNS_BADRESP;
  if (c == NULL || out == NULL) return DC_E_INVALID_ARG;
  struct sync_ctx s;
  dc_status status = sync_lookup(c, DCI_DNS_KIND_ADDRS, 0, name, &s);
  if (result) *result = s.result;
  if (status == DC_OK) *out = s.addrs;
  return status;
}

dc_status dci_dns_has_soa(dc_client *c, const char *name, bool *has,
                          dci_dns_result *result)
{
  if (has) *has = false;
  if (result) *result = DCI_DNS_BADRESP;
  if (c == NULL || has == NULL) return DC_E_INVALID_ARG;
  struct sync_ctx s;
  dc_status status = sync_lookup(c, DCI_DNS_KIND_SOA, 0, name, &s);
  if (result) *result = s.result;
  if (status == DC_OK) *has = s.has_soa;
  return status;
}

dc_status dci_dns_rrset(dc_client *c, const char *name, unsigned qtype,
                        struct dci_rrset *out, dci_dns_result *result)
{
  if (out) memset(out, 0, sizeof *out);
  if (result) *result = DCI_DNS_BADRESP;
  if (c == NULL || out == NULL) return DC_E_INVALID_ARG;
  struct sync_ctx s;
  dc_status status = sync_lookup(c, DCI_DNS_KIND_RRSET, qtype, name, &s);
  if (result) *result = s.result;
  if (status == DC_OK) *out = s.rrset;
  else dci_rrset_free(&s.rrset);
  return status;
}
