/* DNSSEC-validating lookups on libunbound, and dci_dres (dns/validate.h;
 * docs/security.md §8). */
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/anchors.h"
#include "dns/outcome.h"
#include "dns/validate.h"
#include "domainconnect/net.h"

#ifndef DC_DNSSEC_ROOT_KEY_FILE
#define DC_DNSSEC_ROOT_KEY_FILE "/usr/share/dns/root.key"
#endif

static int rank(int st)
{
  switch (st) {
  case DC_DNSSEC_SECURE: return 4;
  case DC_DNSSEC_INSECURE: return 3;
  case DC_DNSSEC_INDETERMINATE: return 2;
  case DC_DNSSEC_BOGUS: return 1;
  default: return 0;
  }
}

int dci_dnssec_weakest(int a, int b)
{
  if (rank(a) == 0) return b;
  if (rank(b) == 0) return a;
  return rank(a) <= rank(b) ? a : b;
}

#ifdef DC_HAVE_UNBOUND
#include <unbound.h>

struct vlookup {
  dci_vres *r;
  struct vlookup *prev, *next; /* queued, in-flight or done list */
  dci_dns_kind kind;
  char name[DC_MAX_NAME_LEN + 1];
  int64_t deadline_us;
  dci_dns_cb cb;
  void *arg;
  int nslots;
  int ub_id[2];
  bool inflight[2], slot_done[2];
  dci_dns_result res[2];
  const char *why[2];
  int sec[2];
  char bogus[DC_MAX_DNSSEC_WHY + 1];
  dci_txt_answer txt;
  dci_addr_list addrs[2];
  bool has_soa;
};

typedef struct vlist {
  struct vlookup *head, *tail;
} vlist;

struct dci_vres {
  struct ub_ctx *ctx;
  long timeout_ms;
  struct dci_ta_list ta;     /* every anchor's owner (coverage) */
  size_t n_autr;             /* the first n_autr came from the RFC 5011 file */
  vlist queued, flight, done;
  size_t active, pending;
  bool in_callbacks;
  char err[256];
};


static void vl_unlink(vlist *L, struct vlookup *l)
{
  if (l->prev) l->prev->next = l->next; else L->head = l->next;
  if (l->next) l->next->prev = l->prev; else L->tail = l->prev;
  l->prev = l->next = NULL;
}

static void vl_append(vlist *L, struct vlookup *l)
{
  l->prev = L->tail;
  l->next = NULL;
  if (L->tail) L->tail->next = l; else L->head = l;
  L->tail = l;
}

static void vlookup_free(struct vlookup *l)
{
  for (int i = 0; i < l->nslots; i++)
    if (l->inflight[i] && l->r->ctx) (void)ub_cancel(l->r->ctx, l->ub_id[i]);
  dci_txt_answer_free(&l->txt);
  free(l);
}

static int slot_qtype(const struct vlookup *l, int slot)
{
  switch (l->kind) {
  case DCI_DNS_KIND_SOA: return DCI_T_SOA;
  case DCI_DNS_KIND_ADDRS: return slot == 0 ? DCI_T_A : DCI_T_AAAA;
  case DCI_DNS_KIND_TXT:
  case DCI_DNS_KIND_RRSET: break;
  }
  return DCI_T_TXT;
}

static void slot_finish(struct vlookup *l, int slot, dci_dns_result res,
                        const char *why, int sec)
{
  l->inflight[slot] = false;
  l->slot_done[slot] = true;
  l->res[slot] = res;
  l->why[slot] = why;
  l->sec[slot] = sec;
  for (int i = 0; i < l->nslots; i++)
    if (!l->slot_done[i]) return;
  vl_unlink(&l->r->flight, l);
  l->r->active--;
  vl_append(&l->r->done, l);
}

/* The state libunbound's flags give (dns/validate.h). */
static int state_of(struct vlookup *l, const struct ub_result *u)
{
  if (u->bogus) {
    dci_sanitize(l->bogus, sizeof l->bogus, u->why_bogus ? u->why_bogus : "bogus",
                 u->why_bogus ? strlen(u->why_bogus) : 5, DC_MAX_DNSSEC_WHY - 4);
    return DC_DNSSEC_BOGUS;
  }
  if (u->rcode == 2) return DC_DNSSEC_INDETERMINATE; /* SERVFAIL, not bogus */
  if (u->secure) return DC_DNSSEC_SECURE;
  return dci_ta_covers(&l->r->ta, l->name) ? DC_DNSSEC_INSECURE : DC_DNSSEC_INDETERMINATE;
}

static void on_result(struct vlookup *l, int slot, int err, struct ub_result *u)
{
  dci_dns_result res = DCI_DNS_BADRESP;
  const char *why = NULL;
  int sec = DC_DNSSEC_INDETERMINATE;
  dci_dns_info info;
  memset(&info, 0, sizeof info);
  if (err != 0 || u == NULL) {
    why = err != 0 ? ub_strerror(err) : "no result";
    goto out;
  }
  sec = state_of(l, u);
  const unsigned char *pkt = u->answer_packet;
  size_t len = u->answer_len > 0 ? (size_t)u->answer_len : 0;
  if (pkt == NULL || len == 0) {
    why = "no answer packet from the validator";
    goto out;
  }
  if (!dci_dns_question_matches(pkt, len, l->name, (unsigned)slot_qtype(l, slot))) {
    why = "answer to another question";
    goto out;
  }
  switch (l->kind) {
  case DCI_DNS_KIND_TXT:
    dci_txt_answer_free(&l->txt);
    (void)dci_dns_parse_txt(pkt, len, &l->txt, &res, &info);
    break;
  case DCI_DNS_KIND_ADDRS:
    l->addrs[slot].n = 0;
    (void)dci_dns_parse_addrs(pkt, len, (unsigned)slot_qtype(l, slot), &l->addrs[slot],
                              &res, &info);
    break;
  case DCI_DNS_KIND_SOA:
  case DCI_DNS_KIND_RRSET:
    (void)dci_dns_parse_soa(pkt, len, &l->has_soa, &res, &info);
    break;
  }
  why = info.why;
out:
  if (u != NULL) ub_resolve_free(u);
  slot_finish(l, slot, res, why, sec);
}

static void on_ub0(void *arg, int err, struct ub_result *u) { on_result(arg, 0, err, u); }
static void on_ub1(void *arg, int err, struct ub_result *u) { on_result(arg, 1, err, u); }

static void activate(struct vlookup *l)
{
  dci_vres *r = l->r;
  vl_unlink(&r->queued, l);
  l->deadline_us = dci_now_us() + (int64_t)r->timeout_ms * 1000;
  vl_append(&r->flight, l);
  r->active++;
  for (int slot = 0; slot < l->nslots; slot++) {
    l->inflight[slot] = true;
    int rc = ub_resolve_async(r->ctx, l->name, slot_qtype(l, slot), DCI_C_IN, l,
                              slot == 0 ? on_ub0 : on_ub1, &l->ub_id[slot]);
    if (rc != 0) slot_finish(l, slot, DCI_DNS_BADRESP, ub_strerror(rc), DC_DNSSEC_INDETERMINATE);
  }
}

static void pump(dci_vres *r)
{
  while (r->queued.head && r->active < DC_MAX_DNS_INFLIGHT) activate(r->queued.head);
}

static dc_status vstart(dci_vres *r, dci_dns_kind kind, const char *name, dci_dns_cb cb,
                        void *arg)
{
  r->err[0] = '\0';
  if (name == NULL || cb == NULL || !dci_dns_name_ok(name)) {
    char safe[80];
    dci_sanitize(safe, sizeof safe, name ? name : "", name ? strlen(name) : 0, 64);
    snprintf(r->err, sizeof r->err,
             "DNS lookup: '%s' is not a DNS name that can be asked for", safe);
    return DC_E_INVALID_ARG;
  }
  struct vlookup *l = calloc(1, sizeof *l);
  if (l == NULL) {
    snprintf(r->err, sizeof r->err, "out of memory");
    return DC_E_NOMEM;
  }
  size_t len = strlen(name);
  if (name[len - 1] == '.') len--;
  memcpy(l->name, name, len);
  l->r = r;
  l->kind = kind;
  l->cb = cb;
  l->arg = arg;
  l->nslots = kind == DCI_DNS_KIND_ADDRS ? 2 : 1;
  vl_append(&r->queued, l);
  r->pending++;
  pump(r);
  return DC_OK;
}

static dci_dns_result combine(const struct vlookup *l, dci_addr_list *all, const char **why)
{
  *why = l->why[0];
  if (l->kind != DCI_DNS_KIND_ADDRS) return l->res[0];
  return dci_dns_merge_addrs((dci_dns_half){l->res[0], &l->addrs[0], l->why[0]},
                             (dci_dns_half){l->res[1], &l->addrs[1], l->why[1]}, all, why);
}

static void detail_of(const struct vlookup *l, dci_dns_result res, const char *why,
                      char *buf, size_t n)
{
  const char *type = dci_dns_kind_name(l->kind);
  dci_dns_failure_detail(type, l->kind == DCI_DNS_KIND_ADDRS ? "A or AAAA" : type, l->name,
                         res, why, l->r->timeout_ms, "the validating resolver", buf, n);
}

static void run_callbacks(dci_vres *r)
{
  if (r->in_callbacks) return;
  r->in_callbacks = true;
  while (r->done.head) {
    struct vlookup *l = r->done.head;
    vl_unlink(&r->done, l);
    dci_addr_list all;
    all.n = 0;
    const char *why;
    dci_dns_result res = combine(l, &all, &why);
    dci_dns_outcome o;
    dci_dns_outcome_init(&o, l->kind, l->name, res, &l->txt);
    char detail[DCI_DNS_DETAIL_MAX];
    if (o.status != DC_OK) {
      detail_of(l, res, why, detail, sizeof detail);
      o.detail = detail;
    }
    if (l->kind == DCI_DNS_KIND_ADDRS) o.addrs = &all;
    o.has_soa = l->kind == DCI_DNS_KIND_SOA && res == DCI_DNS_OK && l->has_soa;
    o.dnssec = l->sec[0];
    if (l->nslots == 2) o.dnssec = dci_dnssec_weakest(l->sec[0], l->sec[1]);
    o.dnssec_why = o.dnssec == DC_DNSSEC_BOGUS ? l->bogus : NULL;
    r->pending--;
    l->cb(l->arg, &o);
    vlookup_free(l);
  }
  r->in_callbacks = false;
}

/* Lookups past their deadline: their queries are cancelled (no callback
 * from libunbound afterwards) and they end with DCI_DNS_TIMEOUT. */
static void expire(dci_vres *r)
{
  int64_t now = dci_now_us();
  struct vlookup *l = r->flight.head;
  while (l) {
    struct vlookup *next = l->next;
    if (l->deadline_us <= now) {
      for (int i = 0; i < l->nslots; i++) {
        if (l->slot_done[i]) continue;
        if (l->inflight[i]) (void)ub_cancel(r->ctx, l->ub_id[i]);
        slot_finish(l, i, DCI_DNS_TIMEOUT, NULL, DC_DNSSEC_INDETERMINATE);
      }
    }
    l = next;
  }
}

static void vres_free(dci_vres *r)
{
  if (r == NULL) return;
  vlist *lists[3] = {&r->queued, &r->flight, &r->done};
  for (int i = 0; i < 3; i++) {
    while (lists[i]->head) {
      struct vlookup *l = lists[i]->head;
      vl_unlink(lists[i], l);
      vlookup_free(l);
    }
  }
  if (r->ctx) ub_ctx_delete(r->ctx); /* joins the worker thread */
  dci_ta_list_free(&r->ta);
  free(r);
}

/* "127.0.0.1:5353" -> "127.0.0.1@5353", "[::1]:53" -> "::1@53", "10.0.0.1"
 * as is: one entry of the client's server list (options.c's form). */
static bool fwd_text(const char *e, size_t n, char *out, size_t cap)
{
  const char *addr = e, *port = NULL;
  size_t alen = n, plen = 0;
  if (n > 0 && e[0] == '[') {
    const char *close = memchr(e, ']', n);
    if (close == NULL) return false;
    addr = e + 1;
    alen = (size_t)(close - addr);
    const char *rest = close + 1;
    size_t rlen = n - (size_t)(rest - e);
    if (rlen > 0) {
      if (rest[0] != ':') return false;
      port = rest + 1;
      plen = rlen - 1;
    }
  } else {
    const char *colon = memchr(e, ':', n);
    if (colon) {
      alen = (size_t)(colon - e);
      port = colon + 1;
      plen = n - alen - 1;
    }
  }
  int w = port ? snprintf(out, cap, "%.*s@%.*s", (int)alen, addr, (int)plen, port)
               : snprintf(out, cap, "%.*s", (int)alen, addr);
  return w > 0 && (size_t)w < cap;
}

static dc_status set_servers(dc_client *c, dci_vres *r)
{
  const char *csv = c->cfg->dns_servers;
  if (csv == NULL || c->cfg->n_dns_servers == 0) {
    int rc = ub_ctx_resolvconf(r->ctx, NULL);
    if (rc != 0)
      return dci_fail(c, DC_E_DNS, "DNSSEC: cannot read the system's DNS servers: %s",
                      ub_strerror(rc));
    return DC_OK;
  }
  for (const char *p = csv; *p;) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char fwd[80];
    if (!fwd_text(p, n, fwd, sizeof fwd))
      return dci_fail(c, DC_E_INTERNAL, "DNSSEC: a DNS server cannot be given to libunbound");
    int rc = ub_ctx_set_fwd(r->ctx, fwd);
    if (rc != 0) return dci_fail(c, DC_E_DNS, "DNSSEC: libunbound refused a DNS server: %s",
                                 ub_strerror(rc));
    p = end ? end + 1 : p + n;
  }
  return DC_OK;
}

static dc_status set_anchors(dc_client *c, dci_vres *r)
{
  dc_status status = DC_OK;
  const struct dci_ta_list *src = &c->cfg->ta;
  const char *autr = c->cfg->ta_autr;
  if (autr != NULL) {
    /* its owners, for coverage; libunbound reads (and maintains) the file */
    DCI_TRY(dci_ta_read_file(c, autr, &r->ta));
    int rc = ub_ctx_add_ta_autr(r->ctx, autr);
    if (rc != 0) DCI_TRY(dci_fail(c, DC_E_DNS, "DNSSEC: the trust anchor state file was "
                                  "refused: %s", ub_strerror(rc)));
    r->n_autr = r->ta.n;
  }
  if (src->n == 0 && autr == NULL) {
    DCI_TRY(dci_ta_read_file(c, DC_DNSSEC_ROOT_KEY_FILE, &r->ta));
  } else {
    for (size_t i = 0; i < src->n; i++) {
      char *a = dci_strdup(src->rr[i]), *o = dci_strdup(src->owner[i]);
      char **na = realloc(r->ta.rr, (r->ta.n + 1) * sizeof *na);
      if (na) r->ta.rr = na;
      char **no = na ? realloc(r->ta.owner, (r->ta.n + 1) * sizeof *no) : NULL;
      if (no) r->ta.owner = no;
      if (a == NULL || o == NULL || na == NULL || no == NULL) {
        free(a);
        free(o);
        return dci_fail(c, DC_E_NOMEM, "out of memory");
      }
      r->ta.rr[r->ta.n] = a;
      r->ta.owner[r->ta.n] = o;
      r->ta.n++;
    }
  }
  for (size_t i = r->n_autr; i < r->ta.n; i++) {
    int rc = ub_ctx_add_ta(r->ctx, r->ta.rr[i]);
    if (rc != 0) DCI_TRY(dci_fail(c, DC_E_INVALID_ARG, "DNSSEC: trust anchor %zu refused: %s",
                                  i + 1, ub_strerror(rc)));
  }
done:
  return status;
}

static dc_status vres_new(dc_client *c, dci_vres **out)
{
  dc_status status = DC_OK;
  dci_vres *r = calloc(1, sizeof *r);
  if (r == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  long dns_ms = c->cfg->timeout_dns_ms;
  r->timeout_ms = dns_ms > 0 ? dns_ms : DC_DEFAULT_DNS_TIMEOUT_MS;
  r->ctx = ub_ctx_create();
  if (r->ctx == NULL) DCI_TRY(dci_fail(c, DC_E_DNS, "DNSSEC: libunbound could not be set up"));
  /* First: a worker thread (never a forked helper process); then servers and
   * anchors, before the first query finalises the context. */
  int rc = ub_ctx_async(r->ctx, 1);
  if (rc != 0) DCI_TRY(dci_fail(c, DC_E_DNS, "DNSSEC: libunbound: %s", ub_strerror(rc)));
  DCI_TRY(set_servers(c, r));
  DCI_TRY(set_anchors(c, r));
  *out = r;
  r = NULL;
done:
  vres_free(r);
  return status;
}
#endif /* DC_HAVE_UNBOUND */

/* ---- dci_dres: one or the other */

dc_status dci_dres_new(dc_client *c, dci_dres *out)
{
  memset(out, 0, sizeof *out);
  if (c == NULL) return DC_E_INVALID_ARG;
  if (c->cfg->dnssec_policy == DC_DNSSEC_OFF) return dci_resolver_new(c, &out->plain);
#ifdef DC_HAVE_UNBOUND
  return vres_new(c, &out->v);
#else
  return dci_fail(c, DC_E_DNSSEC_UNAVAILABLE, "DNSSEC: this build has no DNSSEC support");
#endif
}

void dci_dres_free(dci_dres *r)
{
  if (r == NULL) return;
  dci_resolver_free(r->plain);
#ifdef DC_HAVE_UNBOUND
  vres_free(r->v);
#endif
  memset(r, 0, sizeof *r);
}

#ifdef DC_HAVE_UNBOUND
#define VCALL(r, vexpr, pexpr) ((r)->v ? (vexpr) : (pexpr))
#else
#define VCALL(r, vexpr, pexpr) (pexpr)
#endif

dc_status dci_dres_txt(dci_dres *r, const char *name, dci_dns_cb cb, void *arg)
{
  return VCALL(r, vstart(r->v, DCI_DNS_KIND_TXT, name, cb, arg),
               dci_resolver_txt(r->plain, name, cb, arg));
}

dc_status dci_dres_addrs(dci_dres *r, const char *name, dci_dns_cb cb, void *arg)
{
  return VCALL(r, vstart(r->v, DCI_DNS_KIND_ADDRS, name, cb, arg),
               dci_resolver_addrs(r->plain, name, cb, arg));
}

dc_status dci_dres_soa(dci_dres *r, const char *name, dci_dns_cb cb, void *arg)
{
  return VCALL(r, vstart(r->v, DCI_DNS_KIND_SOA, name, cb, arg),
               dci_resolver_soa(r->plain, name, cb, arg));
}

const char *dci_dres_error(const dci_dres *r)
{
  return VCALL(r, (const char *)r->v->err, dci_resolver_error(r->plain));
}

void dci_dres_set_timeout_ms(dci_dres *r, long ms)
{
#ifdef DC_HAVE_UNBOUND
  if (r->v != NULL && ms > 0) r->v->timeout_ms = ms;
#else
  (void)r;
  (void)ms;
#endif
}

#ifdef DC_HAVE_UNBOUND
static size_t vfds(dci_vres *v, struct pollfd *fds, size_t max)
{
  if (v->pending == 0) return 0;
  if (fds != NULL && max > 0) {
    fds[0].fd = ub_fd(v->ctx);
    fds[0].events = POLLIN;
    fds[0].revents = 0;
  }
  return 1;
}

static long vtimeout(dci_vres *v)
{
  if (v->done.head || (v->queued.head && v->active < DC_MAX_DNS_INFLIGHT)) return 0;
  if (v->flight.head == NULL) return -1;
  int64_t first = v->flight.head->deadline_us;
  for (struct vlookup *l = v->flight.head; l; l = l->next)
    if (l->deadline_us < first) first = l->deadline_us;
  int64_t left = first - dci_now_us();
  if (left < 0) left = 0;
  return (long)((left + 999) / 1000);
}

static void vprocess(dci_vres *v)
{
  if (v->pending > 0 && ub_poll(v->ctx)) (void)ub_process(v->ctx);
  expire(v);
  pump(v);
  run_callbacks(v);
}
#endif

size_t dci_dres_fds(dci_dres *r, struct pollfd *fds, size_t max)
{
  return VCALL(r, vfds(r->v, fds, max), dci_resolver_fds(r->plain, fds, max));
}

long dci_dres_timeout_ms(dci_dres *r)
{
  return VCALL(r, vtimeout(r->v), dci_resolver_timeout_ms(r->plain));
}

void dci_dres_process(dci_dres *r, const struct pollfd *fds, size_t n)
{
#ifdef DC_HAVE_UNBOUND
  if (r->v != NULL) {
    vprocess(r->v);
    return;
  }
#endif
  dci_resolver_process(r->plain, fds, n);
}

dc_status dci_dres_run(dci_dres *r)
{
#ifdef DC_HAVE_UNBOUND
  if (r->v != NULL) {
    if (r->v->in_callbacks) return DC_E_INTERNAL;
    while (r->v->pending > 0) {
      struct pollfd fd;
      size_t n = vfds(r->v, &fd, 1);
      long t = vtimeout(r->v);
      if (t < 0 || t > INT_MAX) t = t < 0 ? 100 : INT_MAX;
      (void)poll(&fd, (nfds_t)n, (int)t);
      vprocess(r->v);
    }
    return DC_OK;
  }
#endif
  return dci_resolver_run(r->plain);
}
