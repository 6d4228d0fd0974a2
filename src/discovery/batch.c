/* Batch discovery (include/domainconnect/batch.h): the steps of
 * discover_steps.h driven by callbacks of the asynchronous resolver and of
 * one curl multi handle (multi_socket API), so every domain gets what
 * dc_discover would give it.
 *
 * Each domain in flight is a job with a call context of the client
 * (dci_client_context): a handle that reads the client's configuration by
 * reference and records its detail and HTTP status in the job's own
 * dci_call, so the steps and the transport record failures per domain
 * exactly as they do on the client in dc_discover. The context can neither
 * change nor free the configuration. The jobs' transfers share the multi
 * handle's connection cache (connections reused per provider host). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "discovery/discover_steps.h"
#include "proto/settings.h"
#include "dns/resolver.h"
#include "dns/validate.h"
#include "domainconnect/batch.h"
#include "domainconnect/net.h"
#include "http/transport.h"

enum job_state { J_SOA, J_TXT, J_ADDRS, J_HTTP, J_DONE };

typedef struct job {
  struct dc_batch *b;
  struct job *next;        /* free list, or the done list */
  char *input;
  dc_client c;             /* call context of the batch's client */
  struct dci_call call;    /* c's detail and HTTP status */
  dci_disc d;
  enum job_state state;
  dci_http_req req;
  dci_http_resp resp;
  dci_http_xfer *x;
  CURL *easy;              /* while in the multi */
  char host[DC_MAX_NAME_LEN + 1];
  dc_status status;
  dc_settings *s;
  bool dns_pending;        /* a lookup of this job awaits its callback */
  bool orphaned;           /* delivered (deadline) while a lookup was pending:
                              the slot is free again once its callback runs */
} job;

typedef struct qitem {
  struct qitem *next;
  char *domain;
} qitem;

typedef struct cache_entry {
  struct cache_entry *next;
  char *url;
  char *body;
  size_t len;
  time_t expires;
} cache_entry;
#define CACHE_BUCKETS 4096u

typedef struct sock_entry {
  curl_socket_t fd;
  short events;
} sock_entry;

struct dc_batch {
  dc_client *client;
  size_t concurrency;
  dc_batch_result_fn on_result;
  void *result_arg;
  dc_batch_next_fn next;
  void *next_arg;
  bool source_ended;
  qitem *qhead, *qtail;
  job *jobs;               /* concurrency slots */
  job *free_jobs;
  job *done_head, *done_tail;
  size_t active;           /* jobs taken, result not delivered */
  dci_dres r;             /* c-ares, or libunbound with DNSSEC on */
  job *current;            /* the job whose result is being delivered */
  CURLM *m;
  sock_entry *socks;
  size_t nsocks, capsocks;
  long curl_timer_ms;      /* -1 = none */
  struct timespec curl_timer_set;
  bool curl_timer_armed;
  long cache_ttl;
  cache_entry **cache;
  size_t ncache;
  dc_status fatal;
  bool in_callback;
};

/* CLOCK_MONOTONIC (core's dci_now_us) in milliseconds and seconds */
static long now_ms(void) { return (long)(dci_now_us() / 1000); }
static time_t now_s(void) { return (time_t)(dci_now_us() / 1000000); }

/* ---- cache */

static size_t hash_str(const char *s)
{
  size_t h = 1469598103934665603ull & SIZE_MAX;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    h = (h ^ *p) * (1099511628211ull & SIZE_MAX);
  return h;
}

static void cache_entry_free(cache_entry *e)
{
  free(e->url);
  free(e->body);
  free(e);
}

static void cache_clear(dc_batch *b)
{
  if (b->cache == NULL) return;
  for (size_t i = 0; i < CACHE_BUCKETS; i++) {
    cache_entry *e = b->cache[i];
    while (e != NULL) {
      cache_entry *n = e->next;
      cache_entry_free(e);
      e = n;
    }
  }
  free(b->cache);
  b->cache = NULL;
  b->ncache = 0;
}

static void cache_purge(dc_batch *b, time_t now)
{
  for (size_t i = 0; i < CACHE_BUCKETS; i++) {
    cache_entry **pp = &b->cache[i];
    while (*pp != NULL) {
      cache_entry *e = *pp;
      if (e->expires <= now) {
        *pp = e->next;
        cache_entry_free(e);
        b->ncache--;
      } else {
        pp = &e->next;
      }
    }
  }
}

static const cache_entry *cache_get(dc_batch *b, const char *url)
{
  if (b->cache == NULL || b->cache_ttl <= 0) return NULL;
  time_t now = now_s();
  for (cache_entry *e = b->cache[hash_str(url) % CACHE_BUCKETS]; e; e = e->next)
    if (e->expires > now && strcmp(e->url, url) == 0) return e;
  return NULL;
}

static void cache_put(dc_batch *b, const char *url, const dci_buf *body)
{
  if (b->cache_ttl <= 0) return;
  if (b->cache == NULL) {
    b->cache = calloc(CACHE_BUCKETS, sizeof *b->cache);
    if (b->cache == NULL) return;
  }
  time_t now = now_s();
  if (cache_get(b, url) != NULL) return;
  if (b->ncache >= DC_BATCH_CACHE_MAX) cache_purge(b, now);
  if (b->ncache >= DC_BATCH_CACHE_MAX) return;
  cache_entry *e = calloc(1, sizeof *e);
  if (e == NULL) return;
  e->url = dci_strdup(url);
  e->body = dci_strndup(body->data ? body->data : "", body->len);
  if (e->url == NULL || e->body == NULL) {
    cache_entry_free(e);
    return;
  }
  e->len = body->len;
  e->expires = now + b->cache_ttl;
  size_t h = hash_str(url) % CACHE_BUCKETS;
  e->next = b->cache[h];
  b->cache[h] = e;
  b->ncache++;
}

/* ---- jobs */

static void job_reset(job *j)
{
  if (j->easy != NULL) {
    curl_multi_remove_handle(j->b->m, j->easy);
    j->easy = NULL;
  }
  dci_http_xfer_free(j->x);
  j->x = NULL;
  dci_http_resp_free(&j->resp);
  dci_disc_free(&j->d);
  dc_settings_free(j->s);
  j->s = NULL;
  free(j->input);
  j->input = NULL;
  j->state = J_DONE;
}

static const char *state_step(enum job_state st)
{
  switch (st) {
  case J_SOA: return "the SOA walk";
  case J_TXT: return "the TXT lookup";
  case J_ADDRS: return "the settings request (its address lookup)";
  case J_HTTP: return "the settings request";
  case J_DONE: break;
  }
  return "discovery";
}

/* The job has its result: queue it for delivery. */
static void job_finish(job *j, dc_status status)
{
  if (status == DC_E_NOMEM) dci_fail(&j->c, status, "discovery: out of memory");
  /* a step's timeout at the job's overall deadline says so (docs/limits.md) */
  if (status != DC_OK && j->state != J_DONE)
    status = dci_disc_deadline_status(&j->c, j->input, status, state_step(j->state));
  j->status = status;
  j->state = J_DONE;
  dc_batch *b = j->b;
  j->next = NULL;
  if (b->done_tail) b->done_tail->next = j;
  else b->done_head = j;
  b->done_tail = j;
}

static void on_soa(void *arg, dci_dns_outcome *o);
static void on_txt(void *arg, dci_dns_outcome *o);
static void on_addrs(void *arg, dci_dns_outcome *o);

/* A lookup that could not start fails as dci_dns_* would. */
static dc_status start_failed(job *j, dc_status st)
{
  return dci_fail(&j->c, st, "%s", dci_dres_error(&j->b->r));
}

static void step_txt(job *j)
{
  dc_status st;
  const char *name = NULL;
  if ((st = dci_disc_txt_name(&j->c, &j->d, &name)) != DC_OK) {
    job_finish(j, st);
    return;
  }
  j->state = J_TXT;
  st = dci_dres_txt(&j->b->r, name, on_txt, j);
  if (st != DC_OK) job_finish(j, start_failed(j, st));
  else j->dns_pending = true;
}

static void step_soa(job *j, const char *name)
{
  j->state = J_SOA;
  dc_status st = dci_dres_soa(&j->b->r, name, on_soa, j);
  if (st != DC_OK) job_finish(j, start_failed(j, st));
  else j->dns_pending = true;
}

/* A lookup's callback for job j: false when the job was already delivered
 * (its deadline passed while the lookup ran): the slot is then freed. */
static bool lookup_arrived(job *j)
{
  j->dns_pending = false;
  if (!j->orphaned) return true;
  j->orphaned = false;
  j->next = j->b->free_jobs;
  j->b->free_jobs = j;
  return false;
}

static void on_soa(void *arg, dci_dns_outcome *o)
{
  job *j = arg;
  if (!lookup_arrived(j)) return;
  dc_status st = dci_disc_dnssec_judge(&j->c, 1, o, "SOA");
  if (st != DC_OK) {
    job_finish(j, st);
    return;
  }
  const char *next = NULL;
  st = dci_disc_soa(&j->c, &j->d, o->has_soa, &next);
  if (st != DC_OK) job_finish(j, st);
  else if (next != NULL) step_soa(j, next);
  else step_txt(j);
}

static void step_settings(job *j)
{
  dc_status st = dci_disc_settings(&j->c, &j->d, &j->resp, &j->s);
  if (st == DC_OK) dci_disc_dnssec_attach(&j->c, j->s);
  job_finish(j, st);
}

static void on_txt(void *arg, dci_dns_outcome *o)
{
  job *j = arg;
  dc_status st;
  if (!lookup_arrived(j)) return;
  if ((st = dci_disc_dnssec_judge(&j->c, 1, o, "TXT")) != DC_OK) {
    job_finish(j, st);
    return;
  }
  if ((st = dci_disc_txt(&j->c, &j->d, o->txt)) != DC_OK) {
    job_finish(j, st);
    return;
  }
  dci_disc_request(&j->d, &j->req);
  /* the checks dci_http_prepare makes before resolving, in its order */
  if ((st = dci_http_target_host(&j->c, &j->req, j->host)) != DC_OK) {
    job_finish(j, st);
    return;
  }
  /* DNSSEC on: every host is resolved (and validated), no cache */
  const cache_entry *e = j->b->r.v ? NULL : cache_get(j->b, j->d.url);
  if (e != NULL) {
    dci_http_resp_free(&j->resp);
    dci_http_resp_init(&j->resp);
    j->resp.body.max = DC_MAX_SETTINGS_BODY;
    j->resp.status = 200;
    dci_set_http_status(&j->c, 200);
    if ((st = dci_buf_append(&j->resp.body, e->body, e->len)) != DC_OK) {
      job_finish(j, dci_fail(&j->c, DC_E_NOMEM, "out of memory"));
      return;
    }
    step_settings(j);
    return;
  }
  j->state = J_ADDRS;
  st = dci_dres_addrs(&j->b->r, j->host, on_addrs, j);
  if (st != DC_OK) job_finish(j, start_failed(j, st));
  else j->dns_pending = true;
}

static void on_addrs(void *arg, dci_dns_outcome *o)
{
  job *j = arg;
  dc_status st;
  if (!lookup_arrived(j)) return;
  if ((st = dci_disc_dnssec_judge(&j->c, 2, o, "A/AAAA")) != DC_OK) {
    job_finish(j, st);
    return;
  }
  st = dci_http_prepare_resolved(&j->c, &j->req, &j->resp, j->host, o->addrs, &j->x);
  if (st != DC_OK) {
    job_finish(j, st);
    return;
  }
  CURL *e = dci_http_xfer_easy(j->x);
  if (curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)j) != CURLE_OK) {
    job_finish(j, dci_fail(&j->c, DC_E_INTERNAL, "libcurl refused CURLOPT_PRIVATE"));
    return;
  }
  CURLMcode mc = curl_multi_add_handle(j->b->m, e);
  if (mc != CURLM_OK) {
    job_finish(j, dci_fail(&j->c, mc == CURLM_OUT_OF_MEMORY ? DC_E_NOMEM : DC_E_INTERNAL,
                           "libcurl multi interface failed: %s", curl_multi_strerror(mc)));
    return;
  }
  j->easy = e;
  j->state = J_HTTP;
}

static void http_done(job *j, CURLcode rc)
{
  curl_multi_remove_handle(j->b->m, j->easy);
  j->easy = NULL;
  dci_http_xfer *x = j->x;
  j->x = NULL;
  dc_status st = dci_http_finish(x, rc);
  if (st != DC_OK) {
    job_finish(j, st);
    return;
  }
  if (j->resp.status >= 200 && j->resp.status <= 299) cache_put(j->b, j->d.url, &j->resp.body);
  step_settings(j);
}

/* Takes the next domain (queue first, then the source) into a free job. */
static bool take_next(dc_batch *b)
{
  if (b->free_jobs == NULL) return false;
  char *domain = NULL;
  if (b->qhead != NULL) {
    qitem *q = b->qhead;
    b->qhead = q->next;
    if (b->qhead == NULL) b->qtail = NULL;
    domain = q->domain;
    free(q);
  } else if (b->next != NULL && !b->source_ended) {
    const char *d = b->next(b->next_arg);
    if (d == NULL) {
      b->source_ended = true;
      return false;
    }
    domain = dci_strdup(d);
    if (domain == NULL) {
      b->fatal = dci_fail(b->client, DC_E_NOMEM, "batch: out of memory");
      return false;
    }
  } else {
    return false;
  }
  job *j = b->free_jobs;
  b->free_jobs = j->next;
  j->next = NULL;
  b->active++;
  j->input = domain;
  dci_client_context(&j->c, b->client, &j->call);
  /* the overall deadline is per domain, from when its job starts */
  dci_disc_deadline_start(&j->c);
  j->status = DC_OK;
  dci_disc_init(&j->d);
  dci_http_resp_init(&j->resp);
  const char *soa = NULL;
  dc_status st = dci_disc_start(&j->c, &j->d, domain, &soa);
  if (st != DC_OK) job_finish(j, st);
  else if (soa != NULL) step_soa(j, soa);
  else step_txt(j);
  return true;
}

static void fill(dc_batch *b)
{
  while (b->fatal == DC_OK && take_next(b)) {
  }
}

static void deliver(dc_batch *b)
{
  while (b->done_head != NULL) {
    job *j = b->done_head;
    b->done_head = j->next;
    if (b->done_head == NULL) b->done_tail = NULL;
    b->in_callback = true;
    b->current = j;
    b->on_result(b->result_arg, j->input, j->status,
                 j->status == DC_OK ? j->s : NULL,
                 j->status == DC_OK ? "" : dc_client_error(&j->c));
    b->in_callback = false;
    b->current = NULL;
    job_reset(j);
    dci_wipe(j->call.err, sizeof j->call.err);
    if (j->dns_pending) {
      j->orphaned = true; /* lookup_arrived frees the slot */
    } else {
      j->next = b->free_jobs;
      b->free_jobs = j;
    }
    b->active--;
  }
}

/* Jobs past their overall deadline end now with DC_E_TIMEOUT: a transfer
 * is taken out of the multi; a pending lookup is left to finish (within
 * its own DNS timeout) on an orphaned slot. */
static void expire_jobs(dc_batch *b)
{
  for (size_t i = 0; i < b->concurrency; i++) {
    job *j = &b->jobs[i];
    if (j->state == J_DONE || j->orphaned || j->input == NULL) continue;
    if (dci_deadline_left_ms(&j->c) > 0) continue;
    if (j->easy != NULL) {
      curl_multi_remove_handle(b->m, j->easy);
      j->easy = NULL;
    }
    dci_http_xfer_free(j->x);
    j->x = NULL;
    j->call.err[0] = '\0';
    job_finish(j, DC_E_TIMEOUT); /* job_finish words the deadline's detail */
  }
}

/* Milliseconds until the first running job's deadline, or -1. */
static long next_deadline_ms(dc_batch *b)
{
  long t = -1;
  for (size_t i = 0; i < b->concurrency; i++) {
    job *j = &b->jobs[i];
    if (j->state == J_DONE || j->orphaned || j->input == NULL) continue;
    long left = dci_deadline_left_ms(&j->c);
    if (left < 0) left = 0;
    if (t < 0 || left < t) t = left;
  }
  return t;
}

/* ---- curl multi_socket plumbing */

static int on_curl_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
  (void)e;
  (void)socketp;
  dc_batch *b = userp;
  size_t i;
  for (i = 0; i < b->nsocks; i++)
    if (b->socks[i].fd == s) break;
  if (what == CURL_POLL_REMOVE) {
    if (i < b->nsocks) b->socks[i] = b->socks[--b->nsocks];
    return 0;
  }
  short ev = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev |= POLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev |= POLLOUT;
  if (i == b->nsocks) {
    if (b->nsocks == b->capsocks) {
      size_t cap = b->capsocks ? b->capsocks * 2 : 16;
      sock_entry *n = realloc(b->socks, cap * sizeof *n);
      if (n == NULL) {
        b->fatal = DC_E_NOMEM;
        return -1;
      }
      b->socks = n;
      b->capsocks = cap;
    }
    b->socks[b->nsocks].fd = s;
    b->nsocks++;
  }
  b->socks[i].events = ev;
  return 0;
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
  (void)m;
  dc_batch *b = userp;
  if (timeout_ms < 0) {
    b->curl_timer_armed = false;
  } else {
    b->curl_timer_armed = true;
    b->curl_timer_ms = now_ms() + timeout_ms;
  }
  return 0;
}

static void read_curl_messages(dc_batch *b)
{
  CURLMsg *msg;
  int left = 0;
  while ((msg = curl_multi_info_read(b->m, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE) continue;
    void *p = NULL;
    CURL *e = msg->easy_handle;
    CURLcode rc = msg->data.result;
    if (curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&p) != CURLE_OK || p == NULL)
      continue;
    http_done(p, rc);
  }
}

static void curl_action(dc_batch *b, curl_socket_t fd, int mask)
{
  int running = 0;
  CURLMcode mc = curl_multi_socket_action(b->m, fd, mask, &running);
  if (mc != CURLM_OK && mc != CURLM_BAD_SOCKET && b->fatal == DC_OK)
    b->fatal = dci_fail(b->client, mc == CURLM_OUT_OF_MEMORY ? DC_E_NOMEM : DC_E_INTERNAL,
                        "libcurl multi interface failed: %s", curl_multi_strerror(mc));
}

/* ---- public */

/* Curl's multi setter wrappers (typed, as transport.c does for easy). */
static CURLMcode mset_sockfn(CURLM *m, curl_socket_callback f) { return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, f); }
static CURLMcode mset_timerfn(CURLM *m, curl_multi_timer_callback f) { return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, f); }
static CURLMcode mset_ptr(CURLM *m, CURLMoption o, void *p) { return curl_multi_setopt(m, o, p); }

DC_API dc_status dc_batch_new(dc_client *c, size_t concurrency,
                              dc_batch_result_fn on_result, void *arg,
                              dc_batch **out)
{
  dc_status status = DC_OK;
  dc_batch *b = NULL;
  if (out != NULL) *out = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  if (out == NULL || on_result == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "batch: NULL callback or out");
  if (concurrency == 0) concurrency = DC_BATCH_DEFAULT_CONCURRENCY;
  if (concurrency > DC_BATCH_MAX_CONCURRENCY)
    return dci_fail(c, DC_E_INVALID_ARG, "batch: concurrency %zu is over %d",
                    concurrency, DC_BATCH_MAX_CONCURRENCY);
  DCI_TRY(dc_global_init());
  b = calloc(1, sizeof *b);
  if (b == NULL) { status = dci_fail(c, DC_E_NOMEM, "out of memory"); goto done; }
  b->client = c;
  b->concurrency = concurrency;
  b->on_result = on_result;
  b->result_arg = arg;
  b->source_ended = true;
  b->jobs = calloc(concurrency, sizeof *b->jobs);
  if (b->jobs == NULL) { status = dci_fail(c, DC_E_NOMEM, "out of memory"); goto done; }
  for (size_t i = concurrency; i-- > 0;) {
    b->jobs[i].b = b;
    b->jobs[i].state = J_DONE;
    b->jobs[i].next = b->free_jobs;
    b->free_jobs = &b->jobs[i];
  }
  DCI_TRY(dci_dres_new(c, &b->r));
  /* every job has at most one lookup out: room for all of them */
  if (b->r.plain != NULL) dci_resolver_set_max_inflight(b->r.plain, concurrency);
  b->m = curl_multi_init();
  if (b->m == NULL) { status = dci_fail(c, DC_E_NOMEM, "out of memory"); goto done; }
  if (mset_sockfn(b->m, on_curl_socket) != CURLM_OK ||
      mset_ptr(b->m, CURLMOPT_SOCKETDATA, b) != CURLM_OK ||
      mset_timerfn(b->m, on_curl_timer) != CURLM_OK ||
      mset_ptr(b->m, CURLMOPT_TIMERDATA, b) != CURLM_OK ||
      /* Room for every job's connection plus the idle ones: libcurl's
       * default (4 per handle in the multi at the time) shrinks when few
       * jobs run and closed connections the next jobs then reopened. */
      curl_multi_setopt(b->m, CURLMOPT_MAXCONNECTS,
                        (long)(concurrency + DC_MAX_IDLE_CONNECTIONS)) != CURLM_OK) {
    status = dci_fail(c, DC_E_INTERNAL, "libcurl refused the multi socket callbacks");
    goto done;
  }
  *out = b;
  b = NULL;
done:
  dc_batch_free(b);
  return status;
}

DC_API void dc_batch_free(dc_batch *b)
{
  if (b == NULL) return;
  for (size_t i = 0; b->jobs != NULL && i < b->concurrency; i++) {
    job_reset(&b->jobs[i]);
    dci_call_release(&b->jobs[i].call);
    dci_wipe(b->jobs[i].call.err, sizeof b->jobs[i].call.err);
  }
  /* the resolver drops pending lookups without callbacks */
  dci_dres_free(&b->r);
  if (b->m != NULL) curl_multi_cleanup(b->m);
  free(b->jobs);
  while (b->qhead != NULL) {
    qitem *q = b->qhead;
    b->qhead = q->next;
    free(q->domain);
    free(q);
  }
  free(b->socks);
  cache_clear(b);
  free(b);
}

DC_API dc_status dc_batch_set_source(dc_batch *b, dc_batch_next_fn next, void *arg)
{
  if (b == NULL) return DC_E_INVALID_ARG;
  b->next = next;
  b->next_arg = arg;
  b->source_ended = next == NULL;
  return DC_OK;
}

DC_API dc_status dc_batch_add(dc_batch *b, const char *domain)
{
  if (b == NULL || domain == NULL) return DC_E_INVALID_ARG;
  qitem *q = calloc(1, sizeof *q);
  if (q == NULL) return DC_E_NOMEM;
  q->domain = dci_strdup(domain);
  if (q->domain == NULL) {
    free(q);
    return DC_E_NOMEM;
  }
  if (b->qtail) b->qtail->next = q;
  else b->qhead = q;
  b->qtail = q;
  return DC_OK;
}

DC_API dc_status dc_batch_set_cache_ttl(dc_batch *b, long seconds)
{
  if (b == NULL || seconds < 0 || seconds > 86400) return DC_E_INVALID_ARG;
  b->cache_ttl = seconds;
  if (seconds == 0) cache_clear(b);
  return DC_OK;
}

DC_API size_t dc_batch_fds(dc_batch *b, struct pollfd *fds, size_t max)
{
  if (b == NULL) return 0;
  struct pollfd rf[DCI_RESOLVER_MAX_FDS];
  size_t nr = dci_dres_fds(&b->r, rf, DCI_RESOLVER_MAX_FDS);
  size_t k = 0;
  for (size_t i = 0; i < nr; i++, k++)
    if (fds != NULL && k < max) fds[k] = rf[i];
  for (size_t i = 0; i < b->nsocks; i++, k++) {
    if (fds != NULL && k < max) {
      fds[k].fd = b->socks[i].fd;
      fds[k].events = b->socks[i].events;
      fds[k].revents = 0;
    }
  }
  return k;
}

static bool can_take(const dc_batch *b)
{
  return b->free_jobs != NULL &&
         (b->qhead != NULL || (b->next != NULL && !b->source_ended));
}

DC_API long dc_batch_timeout_ms(dc_batch *b)
{
  if (b == NULL) return -1;
  if (b->done_head != NULL || can_take(b)) return 0;
  long t = dci_dres_timeout_ms(&b->r);
  long dl = next_deadline_ms(b);
  if (dl >= 0 && (t < 0 || dl < t)) t = dl;
  if (b->curl_timer_armed) {
    long left = b->curl_timer_ms - now_ms();
    if (left < 0) left = 0;
    if (t < 0 || left < t) t = left;
  }
  if (t < 0 && b->active > 0) t = 1000; /* transfers in flight: curl's sockets */
  return t;
}

DC_API dc_status dc_batch_process(dc_batch *b, const struct pollfd *fds, size_t n)
{
  if (b == NULL) return DC_E_INVALID_ARG;
  if (b->in_callback) return dci_fail(b->client, DC_E_INVALID_ARG,
                                      "batch: dc_batch_process from a callback");
  if (b->fatal != DC_OK) return b->fatal;
  fill(b);
  /* curl's sockets first (a descriptor is either curl's or c-ares'). */
  struct pollfd rf[DCI_RESOLVER_MAX_FDS + 1];
  size_t nr = 0;
  for (size_t i = 0; fds != NULL && i < n; i++) {
    if (fds[i].revents == 0) continue;
    bool mine = false;
    for (size_t k = 0; k < b->nsocks; k++)
      if (b->socks[k].fd == fds[i].fd) { mine = true; break; }
    if (mine) {
      int mask = 0;
      if (fds[i].revents & (POLLIN | POLLHUP)) mask |= CURL_CSELECT_IN;
      if (fds[i].revents & POLLOUT) mask |= CURL_CSELECT_OUT;
      if (fds[i].revents & (POLLERR | POLLNVAL)) mask |= CURL_CSELECT_ERR;
      curl_action(b, fds[i].fd, mask);
    } else if (nr < DCI_RESOLVER_MAX_FDS) {
      rf[nr++] = fds[i];
    }
  }
  dci_dres_process(&b->r, rf, nr);
  if (b->curl_timer_armed && b->curl_timer_ms <= now_ms()) {
    b->curl_timer_armed = false;
    curl_action(b, CURL_SOCKET_TIMEOUT, 0);
  }
  read_curl_messages(b);
  expire_jobs(b);
  /* Deliver, refill; jobs that fail at once finish immediately. */
  for (int round = 0; round < 64 && b->fatal == DC_OK; round++) {
    deliver(b);
    fill(b);
    if (b->done_head == NULL) break;
  }
  /* Lookups started from callbacks in this pass are sent on the next one;
   * new transfers need curl's first kick (its timer fires at 0 ms). */
  return b->fatal;
}

DC_API size_t dc_batch_pending(const dc_batch *b)
{
  if (b == NULL) return 0;
  return b->active + ((b->qhead != NULL || (b->next != NULL && !b->source_ended)) ? 1 : 0);
}

DC_API void dc_batch_result_dnssec(const dc_batch *b, dc_dnssec_state *overall,
                                   dc_dnssec_state *txt, dc_dnssec_state *host)
{
  const job *j = b != NULL ? b->current : NULL;
  if (overall) *overall = j ? (dc_dnssec_state)j->call.dnssec[0] : DC_DNSSEC_UNCHECKED;
  if (txt) *txt = j ? (dc_dnssec_state)j->call.dnssec[1] : DC_DNSSEC_UNCHECKED;
  if (host) *host = j ? (dc_dnssec_state)j->call.dnssec[2] : DC_DNSSEC_UNCHECKED;
}

DC_API dc_status dc_batch_run(dc_batch *b)
{
  if (b == NULL) return DC_E_INVALID_ARG;
  dc_status status = DC_OK;
  struct pollfd *fds = NULL;
  size_t cap = 0;
  for (;;) {
    DCI_TRY(dc_batch_process(b, NULL, 0));
    if (dc_batch_pending(b) == 0) break;
    size_t n = dc_batch_fds(b, fds, cap);
    if (n > cap) {
      size_t ncap = n + 16;
      struct pollfd *nf = realloc(fds, ncap * sizeof *nf);
      if (nf == NULL) { status = dci_fail(b->client, DC_E_NOMEM, "out of memory"); goto done; }
      fds = nf;
      cap = ncap;
      n = dc_batch_fds(b, fds, cap);
    }
    long t = dc_batch_timeout_ms(b);
    int rc = poll(fds, (nfds_t)n, t < 0 ? 1000 : (t > 1000 ? 1000 : (int)t));
    if (rc < 0 && errno != EINTR) {
      status = dci_fail(b->client, DC_E_INTERNAL, "poll failed");
      goto done;
    }
    DCI_TRY(dc_batch_process(b, fds, rc > 0 ? n : 0));
  }
done:
  free(fds);
  return status;
}
