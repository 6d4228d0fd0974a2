/* The client handle (core/internal.h, "The client model"): creation and
 * freeing, and what calls leave for their caller, kept per thread.
 *
 * A client made by dc_client_new may be used by several threads at once for
 * calls: its configuration is only read by them. What a call writes lives
 * in a record of the calling thread for that client (struct slot): the
 * detail, the HTTP status and the thread's libcurl connection cache. A
 * thread finds its record by the client's id in a thread-local list, so
 * dc_client_error(c) in a thread reads what that thread's last call on c
 * left, and no record is ever touched by two threads.
 *
 * Lifetimes: the id is reference counted (one for the client, one per
 * record). dc_client_free drops the freeing thread's record, marks the id
 * dead and drops the client's reference; every other thread drops its own
 * record of a dead client the next time it looks through its list (any call
 * on any client), or when it exits (the destructor of g_key). */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/internal.h"
#include "domainconnect/net.h"

struct dci_client_id {
  atomic_uint refs;  /* the client + one per thread record */
  atomic_bool alive; /* false once dc_client_free has run */
};

/* One thread's record of its calls on one client. */
struct slot {
  struct slot *next;
  struct dci_client_id *id;
  struct dci_call call;
  CURLSH *share; /* the thread's connection cache for the client, or NULL */
  CURLM *multi;  /* the thread's multi handle for single calls, or NULL */
};

static _Thread_local struct slot *t_slots;      /* this thread's records */
static _Thread_local struct dci_call t_scratch; /* when no record can be made */

static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key; /* its value only arms the destructor */
static bool g_key_ok;

static void id_drop(struct dci_client_id *id)
{
  if (atomic_fetch_sub_explicit(&id->refs, 1, memory_order_acq_rel) == 1) free(id);
}

void dci_call_release(struct dci_call *call)
{
  if (call != NULL && call->spare_easy != NULL) {
    curl_easy_cleanup(call->spare_easy);
    call->spare_easy = NULL;
  }
}

static void slot_free(struct slot *s)
{
  dci_call_release(&s->call); /* before the multi: its connections are the share's */
  if (s->multi != NULL) curl_multi_cleanup(s->multi);
  if (s->share != NULL) curl_share_cleanup(s->share);
  dci_wipe(s->call.err, sizeof s->call.err);
  id_drop(s->id);
  free(s);
}

/* Thread exit: the thread's records go (no call of it is running). */
static void thread_exit(void *marker)
{
  (void)marker;
  while (t_slots != NULL) {
    struct slot *s = t_slots;
    t_slots = s->next;
    slot_free(s);
  }
}

static void key_init(void)
{
  g_key_ok = pthread_key_create(&g_key, thread_exit) == 0;
}

/* This thread's record for `id`, or NULL. Records of clients freed since
 * (by any thread) are dropped on the way. */
static struct slot *find_slot(const struct dci_client_id *id)
{
  struct slot **pp = &t_slots;
  while (*pp != NULL) {
    struct slot *s = *pp;
    if (s->id == id) return s;
    if (!atomic_load_explicit(&s->id->alive, memory_order_acquire)) {
      *pp = s->next;
      slot_free(s);
    } else {
      pp = &s->next;
    }
  }
  return NULL;
}

/* A new record of this thread for `id`; NULL when out of memory or when the
 * thread-exit destructor cannot be armed (the record would leak). */
static struct slot *new_slot(struct dci_client_id *id)
{
  if (pthread_once(&g_key_once, key_init) != 0 || !g_key_ok) return NULL;
  struct slot *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  if (pthread_setspecific(g_key, &t_slots) != 0) {
    free(s);
    return NULL;
  }
  atomic_fetch_add_explicit(&id->refs, 1, memory_order_relaxed);
  s->id = id;
  s->next = t_slots;
  t_slots = s;
  return s;
}

static struct slot *thread_slot(const dc_client *c)
{
  struct slot *s = find_slot(c->cfg->id);
  return s != NULL ? s : new_slot(c->cfg->id);
}

struct dci_call *dci_call_of(dc_client *c)
{
  if (c->call != NULL) return c->call;
  struct slot *s = thread_slot(c);
  /* Out of memory for a record: the call still runs, its detail is lost
   * (dc_client_error reads "" for a client without a record). */
  return s != NULL ? &s->call : &t_scratch;
}

dc_status dci_fail(dc_client *c, dc_status st, const char *fmt, ...)
{
  if (c != NULL) {
    struct dci_call *call = dci_call_of(c);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(call->err, sizeof call->err, fmt, ap);
    va_end(ap);
    if (n < 0) call->err[0] = '\0';
  }
  return st;
}

void dci_clear(dc_client *c)
{
  if (c == NULL) return;
  struct dci_call *call = dci_call_of(c);
  call->err[0] = '\0';
  call->guard_reason = 0; /* DC_GUARD_NONE (src/guard/guard.c) */
}

void dci_set_http_status(dc_client *c, long code)
{
  if (c != NULL) dci_call_of(c)->http_status = code;
}

void dci_client_context(dc_client *ctx, const dc_client *client, struct dci_call *call)
{
  void *spare = call->spare_easy;
  memset(call, 0, sizeof *call);
  call->spare_easy = spare;
  ctx->cfg = client->cfg;
  ctx->call = call;
}

struct dci_config *dci_config_mut(dc_client *c)
{
  if (c != NULL && c->cfg != NULL && c->cfg->owner == c)
    return (struct dci_config *)c->cfg; /* the owner's own, allocated non-const */
  dci_fail(c, DC_E_INVALID_ARG, "a call context cannot change the client's configuration");
  return NULL;
}

dc_status dci_conn_cache(dc_client *c, void **out)
{
  *out = NULL;
  if (c == NULL || c->call != NULL) return DC_OK;
  struct slot *s = thread_slot(c);
  if (s == NULL) return DC_OK; /* no record: no reuse */
  if (s->share == NULL) {
    CURLSH *sh = curl_share_init();
    if (sh == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
    if (curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
      curl_share_cleanup(sh);
      return dci_fail(c, DC_E_INTERNAL, "libcurl cannot share connections");
    }
    s->share = sh;
  }
  *out = s->share;
  return DC_OK;
}

dc_status dci_thread_multi(dc_client *c, void **out)
{
  *out = NULL;
  if (c == NULL || c->call != NULL) return DC_OK;
  struct slot *s = thread_slot(c);
  if (s == NULL) return DC_OK; /* no record: a private multi per call */
  if (s->multi == NULL) {
    CURLM *m = curl_multi_init();
    if (m == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
    CURLMcode mc = curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)DC_MAX_IDLE_CONNECTIONS);
    if (mc != CURLM_OK) {
      curl_multi_cleanup(m);
      return dci_fail(c, mc == CURLM_OUT_OF_MEMORY ? DC_E_NOMEM : DC_E_INTERNAL,
                      "libcurl multi interface failed: %s", curl_multi_strerror(mc));
    }
    s->multi = m;
  }
  *out = s->multi;
  return DC_OK;
}

DC_API dc_status dc_client_new(dc_client **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  dc_status st = dc_global_init();
  if (st != DC_OK) return st;
  dc_client *c = calloc(1, sizeof *c);
  struct dci_config *cfg = calloc(1, sizeof *cfg);
  struct dci_client_id *id = calloc(1, sizeof *id);
  if (c == NULL || cfg == NULL || id == NULL) {
    free(c);
    free(cfg);
    free(id);
    return DC_E_NOMEM;
  }
  atomic_init(&id->refs, 1u);
  atomic_init(&id->alive, true);
  cfg->owner = c;
  cfg->id = id;
  cfg->timeout_dns_ms = DC_DEFAULT_DNS_TIMEOUT_MS;
  cfg->timeout_connect_ms = DC_DEFAULT_CONNECT_TIMEOUT_MS;
  c->cfg = cfg;
  /* The creating thread's record now, so a single-threaded program never
   * loses a detail to a failed allocation later. */
  if (new_slot(id) == NULL) {
    dc_client_free(c);
    return DC_E_NOMEM;
  }
  *out = c;
  return DC_OK;
}

DC_API void dc_client_free(dc_client *c)
{
  /* A call context owns nothing (and was not allocated by dc_client_new). */
  if (c == NULL || c->cfg == NULL || c->cfg->owner != c) return;
  struct dci_client_id *id = c->cfg->id;
  for (struct slot **pp = &t_slots; *pp != NULL; pp = &(*pp)->next) {
    if ((*pp)->id == id) {
      struct slot *s = *pp;
      *pp = s->next;
      slot_free(s);
      break;
    }
  }
  /* Other threads drop their records of it lazily (find_slot, thread_exit). */
  atomic_store_explicit(&id->alive, false, memory_order_release);
  id_drop(id);
  dci_config_free((struct dci_config *)c->cfg);
  free(c);
}

DC_API const char *dc_client_error(const dc_client *c)
{
  if (c == NULL) return "";
  if (c->call != NULL) return c->call->err;
  const struct slot *s = find_slot(c->cfg->id);
  return s != NULL ? s->call.err : "";
}

DC_API long dc_client_http_status(const dc_client *c)
{
  if (c == NULL) return 0;
  if (c->call != NULL) return c->call->http_status;
  const struct slot *s = find_slot(c->cfg->id);
  return s != NULL ? s->call.http_status : 0;
}

/* ---- the overall deadline of a discovery (core/internal.h) */

int64_t dci_now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long dci_deadline_ms(const dc_client *c)
{
  long ms = c != NULL && c->cfg != NULL ? c->cfg->deadline_ms : 0;
  return ms > 0 ? ms : DC_DEFAULT_DISCOVERY_DEADLINE_MS;
}

long dci_deadline_left_ms(dc_client *c)
{
  if (c == NULL) return LONG_MAX;
  int64_t end = dci_call_of(c)->deadline_us;
  if (end == 0) return LONG_MAX;
  int64_t left = end - dci_now_us();
  if (left <= 0) return left / 1000 - 1; /* passed: never 0 */
  return (long)((left + 999) / 1000);
}

long dci_deadline_cap(dc_client *c, long step_ms)
{
  long left = dci_deadline_left_ms(c);
  if (left == LONG_MAX) return step_ms;
  if (left < 1) left = 1;
  return step_ms < left ? step_ms : left;
}

dc_client *dci_deadline_dns(dc_client *c, struct dci_config *tmp, dc_client *ctx)
{
  if (c == NULL || dci_deadline_left_ms(c) == LONG_MAX) return c;
  *tmp = *c->cfg;
  long dns = tmp->timeout_dns_ms > 0 ? tmp->timeout_dns_ms : DC_DEFAULT_DNS_TIMEOUT_MS;
  tmp->timeout_dns_ms = dci_deadline_cap(c, dns);
  ctx->cfg = tmp;
  ctx->call = dci_call_of(c);
  return ctx;
}
