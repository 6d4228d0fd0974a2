/* One configured client used by several threads at once (docs/embedding.md,
 * "Threads"), against the servers of test_discovery (run by harness.py):
 * Knot DNS, HTTPS servers on 127.0.0.2 (api.provider.test) and 127.0.0.3
 * (api2.provider.test) with provider_routes.py and provider_config.json.
 *
 * N_THREADS threads run rounds of calls on ONE client: discoveries that
 * succeed and fail, guard checks, the template query, a token exchange the
 * provider refuses, DNS verification. In every round each thread runs a
 * different case and checks its status, its results, its own detail and
 * HTTP status (dc_client_error / dc_client_http_status); then all threads
 * meet at a barrier (every other thread's call of the round has finished)
 * and check the detail and HTTP status again: nothing another thread did
 * may show. Meanwhile one more thread runs a batch on the same client. The
 * main thread's own detail survives it all.
 *
 * Built with -fsanitize=thread by `make tsan` (which must report no race);
 * under valgrind by the valgrind_only twin. The worker threads never call
 * cmocka (not thread-safe): they record the first failure, the main thread
 * asserts after joining them. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "it_support.h"

#define API "https://api.provider.test"
#define SP "exampleservice.domainconnect.org"
#define N_THREADS 8
#define N_ROUNDS 6

static dc_client *g_c;          /* the one client every thread uses */
static dc_settings *g_settings; /* example.test's, discovered in setup */
static dc_template *g_template; /* tests/data/templates/verify.json */

/* ---- the cases (each one call, with what it must leave) */

typedef struct tcase {
  const char *name;
  dc_status (*run)(const struct tcase *k, char *why, size_t whysz);
  const char *arg;
  dc_status want;
  long http;          /* the HTTP status the call leaves; -1: not checked */
  const char *detail; /* a substring of the detail; NULL: the detail is "" */
  const char *zone, *host, *provider; /* a discovery's settings */
} tcase;

/* A failed check inside a case: the reason goes to `why`. */
DCI_PRINTF(3, 4)
static dc_status bad(char *why, size_t whysz, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, whysz, fmt, ap);
  va_end(ap);
  return DC_E_INTERNAL;
}

/* dc_discover; on success the settings must carry k's zone, host and
 * provider id. */
static dc_status run_discover(const tcase *k, char *why, size_t whysz)
{
  dc_settings *s = (dc_settings *)1;
  dc_status st = dc_discover(g_c, k->arg, &s);
  if (st != DC_OK) {
    if (s != NULL) return bad(why, whysz, "failed discovery left settings");
    return st;
  }
  if (strcmp(dc_settings_zone(s), k->zone) != 0 ||
      strcmp(dc_settings_host(s), k->host) != 0 ||
      strcmp(dc_settings_provider_id(s), k->provider) != 0)
    st = bad(why, whysz, "settings of %s: zone %s host %s provider %s", k->arg,
             dc_settings_zone(s), dc_settings_host(s), dc_settings_provider_id(s));
  dc_settings_free(s);
  return st;
}

static dc_status run_guard_txt(const tcase *k, char *why, size_t whysz)
{
  (void)why;
  (void)whysz;
  return dc_guard_txt(g_c, k->arg, 1);
}

static dc_status run_guard_ip(const tcase *k, char *why, size_t whysz)
{
  (void)why;
  (void)whysz;
  return dc_guard_ip(g_c, k->arg);
}

static dc_status run_template(const tcase *k, char *why, size_t whysz)
{
  long v = 0;
  dc_status st = dc_check_template(g_c, g_settings, SP, k->arg, &v);
  if (st == DC_OK && v != 2) return bad(why, whysz, "template version %ld, want 2", v);
  return st;
}

static dc_status run_exchange(const tcase *k, char *why, size_t whysz)
{
  dc_token *t = (dc_token *)1;
  dc_status st = dc_token_exchange(g_c, API, g_settings, k->arg, &t);
  if (t != NULL) {
    dc_token_free(t);
    return bad(why, whysz, "the provider accepted code %s", k->arg);
  }
  return st;
}

static dc_status run_verify(const tcase *k, char *why, size_t whysz)
{
  dc_apply_opts *o = NULL;
  dc_status st = dc_apply_opts_new(&o);
  if (st == DC_OK) st = dc_apply_opts_set_domain(o, "verify.test");
  if (st == DC_OK) st = dc_apply_opts_set_host(o, "h1");
  if (st == DC_OK) st = dc_apply_opts_set_param(o, "ip", "8.8.8.8");
  if (st == DC_OK) st = dc_apply_opts_set_param(o, "target", "verify-svc.test");
  if (st == DC_OK) st = dc_apply_opts_set_param(o, "token", "abc123");
  if (st == DC_OK) st = dc_apply_opts_add_group_id(o, k->arg);
  if (st != DC_OK) {
    dc_apply_opts_free(o);
    return bad(why, whysz, "apply options: %s", dc_status_name(st));
  }
  st = dc_dns_check_applied(g_c, g_template, o, 1, 0);
  dc_apply_opts_free(o);
  return st;
}

/* Cases other than a successful discovery have no settings to compare. */
#define NO_SETTINGS NULL, NULL, NULL
static const tcase k_cases[] = {
  {"discover apex", run_discover, "example.test", DC_OK, 200, NULL,
   "example.test", "", "provider.test"},
  {"discover 404", run_discover, "missing.test", DC_E_HTTP_STATUS, 404, "404",
   NO_SETTINGS},
  {"guard private", run_guard_txt, "private.guard.test", DC_E_BLOCKED, -1, "10.0.0.1",
   NO_SETTINGS},
  {"discover host", run_discover, "www.example.co.uk", DC_OK, 200, NULL,
   "example.co.uk", "www", "provider.test"},
  {"token refused", run_exchange, "code-from-no-consent", DC_E_HTTP_STATUS, 400,
   "invalid_grant", NO_SETTINGS},
  {"discover no record", run_discover, "nodc.test", DC_E_NO_RECORD, 0, "nodc.test",
   NO_SETTINGS},
  {"template", run_template, "template1", DC_OK, 200, NULL, NO_SETTINGS},
  {"discover 500", run_discover, "error500.test", DC_E_HTTP_STATUS, 500, "500",
   NO_SETTINGS},
  {"guard metadata", run_guard_ip, "169.254.169.254", DC_E_BLOCKED, -1, "169.254.169.254",
   NO_SETTINGS},
  {"discover api2", run_discover, "www.batch-01.test", DC_OK, 200, NULL,
   "batch-01.test", "www", "batch-b.provider.test"},
  {"template unknown", run_template, "unknown", DC_E_NOT_SUPPORTED, 404, "unknown",
   NO_SETTINGS},
  {"guard public", run_guard_txt, "public.guard.test", DC_OK, -1, NULL, NO_SETTINGS},
  {"verify", run_verify, "hosted", DC_OK, -1, NULL, NO_SETTINGS},
  {"verify missing", run_verify, "wrongmx", DC_E_NOT_VERIFIED, -1, "mx1.verify-svc.test",
   NO_SETTINGS},
  {"discover invalid", run_discover, "bad..name.test", DC_E_INVALID_DOMAIN, 0, "bad..name",
   NO_SETTINGS},
};
#define N_CASES (sizeof k_cases / sizeof k_cases[0])

/* The detail and HTTP status this thread sees on g_c match case k. */
static bool left_as(const tcase *k, const char *when, char *why, size_t whysz)
{
  const char *e = dc_client_error(g_c);
  long http = dc_client_http_status(g_c);
  if (k->detail == NULL ? e[0] != '\0' : strstr(e, k->detail) == NULL) {
    snprintf(why, whysz, "%s, %s: detail \"%s\", want %s%s%s", k->name, when, e,
             k->detail ? "one with \"" : "\"\"", k->detail ? k->detail : "",
             k->detail ? "\"" : "");
    return false;
  }
  if (k->http >= 0 && http != k->http) {
    snprintf(why, whysz, "%s, %s: HTTP status %ld, want %ld", k->name, when, http, k->http);
    return false;
  }
  return true;
}

/* ---- the threads */

static pthread_barrier_t g_barrier;

typedef struct worker {
  pthread_t tid;
  size_t idx;
  size_t calls;
  char failure[512]; /* the first failure, "" if none */
} worker;

/* One round: run the case, check it, wait until every thread ran its own,
 * check again. Returns false after recording a failure (the thread keeps
 * meeting the barrier so that the others finish). */
static bool round_once(worker *w, const tcase *k)
{
  char why[400] = "";
  dc_status st = k->run(k, why, sizeof why);
  w->calls++;
  bool ok = true;
  if (why[0] != '\0') {
    snprintf(w->failure, sizeof w->failure, "%s: %s", k->name, why);
    ok = false;
  } else if (st != k->want) {
    snprintf(w->failure, sizeof w->failure, "%s: %s (%s), want %s", k->name,
             dc_status_name(st), dc_client_error(g_c), dc_status_name(k->want));
    ok = false;
  } else if (!left_as(k, "after the call", why, sizeof why)) {
    snprintf(w->failure, sizeof w->failure, "%s", why);
    ok = false;
  }
  pthread_barrier_wait(&g_barrier);
  if (ok && !left_as(k, "after every thread's call", why, sizeof why)) {
    snprintf(w->failure, sizeof w->failure, "%s", why);
    ok = false;
  }
  pthread_barrier_wait(&g_barrier);
  return ok;
}

static void *worker_main(void *arg)
{
  worker *w = arg;
  bool ok = true;
  for (size_t r = 0; r < N_ROUNDS; r++) {
    const tcase *k = &k_cases[(w->idx * 2 + r) % N_CASES];
    if (!round_once(w, k) && ok) ok = false;
    if (!ok) {
      /* keep meeting the barrier, without calls */
      for (r++; r < N_ROUNDS; r++) {
        pthread_barrier_wait(&g_barrier);
        pthread_barrier_wait(&g_barrier);
      }
    }
  }
  return NULL;
}

/* The batch thread: a batch on g_c while the workers run. */
typedef struct batcher {
  pthread_t tid;
  size_t results, ok, http404;
  char failure[512];
} batcher;

static const char *const k_batch[] = {
  "example.test", "missing.test", "www.example.test", "nodc.test", "batch-00.test",
  "batch-01.test", "error500.test", "www.batch-02.test", "a.b.example.test", "co.uk",
};
#define N_BATCH (sizeof k_batch / sizeof k_batch[0])

static void on_batch(void *arg, const char *input, dc_status st, const dc_settings *s,
                     const char *detail)
{
  batcher *b = arg;
  b->results++;
  bool want_ok = strstr(input, "example.test") != NULL ||
                 strncmp(input, "batch-", 6) == 0 || strncmp(input, "www.batch-", 10) == 0;
  if ((st == DC_OK) != want_ok || (st == DC_OK) != (s != NULL) ||
      (st == DC_OK) != (detail[0] == '\0')) {
    if (b->failure[0] == '\0')
      snprintf(b->failure, sizeof b->failure, "batch %s: %s (%s)", input,
               dc_status_name(st), detail);
    return;
  }
  if (st == DC_OK) b->ok++;
  if (strcmp(input, "missing.test") == 0 && strstr(detail, "404") != NULL) b->http404++;
}

static void *batcher_main(void *arg)
{
  batcher *b = arg;
  dc_batch *batch = NULL;
  dc_status st = dc_batch_new(g_c, 4, on_batch, b, &batch);
  for (size_t i = 0; st == DC_OK && i < N_BATCH; i++) st = dc_batch_add(batch, k_batch[i]);
  if (st == DC_OK) st = dc_batch_run(batch);
  if (st != DC_OK)
    snprintf(b->failure, sizeof b->failure, "batch: %s (%s)", dc_status_name(st),
             dc_client_error(g_c));
  else if (dc_client_error(g_c)[0] != '\0')
    snprintf(b->failure, sizeof b->failure, "batch thread's detail: %s",
             dc_client_error(g_c));
  dc_batch_free(batch);
  return NULL;
}

/* ---- tests */

static int setup(void **state)
{
  (void)state;
  g_c = it_client(true);
  if (dc_client_register_provider(g_c, API, "sp-client", "s3cr3t-Client-Secret-7f2a9c",
                                  "https://app.example/cb", NULL) != DC_OK)
    return -1;
  if (dc_discover(g_c, "example.test", &g_settings) != DC_OK) return -1;
  if (dc_template_load(g_c, tu_data("templates/verify.json"), &g_template) != DC_OK)
    return -1;
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  dc_template_free(g_template);
  dc_settings_free(g_settings);
  dc_client_free(g_c);
  return 0;
}

static void test_one_client_many_threads(void **state)
{
  (void)state;
  /* The main thread's own detail: no worker's call may change it. */
  assert_status(dc_guard_ip(g_c, "10.1.2.3"), DC_E_BLOCKED);
  char mine[512];
  snprintf(mine, sizeof mine, "%s", dc_client_error(g_c));
  assert_non_null(strstr(mine, "10.1.2.3"));

  worker w[N_THREADS];
  batcher b;
  memset(w, 0, sizeof w);
  memset(&b, 0, sizeof b);
  assert_int_equal(pthread_barrier_init(&g_barrier, NULL, N_THREADS), 0);
  assert_int_equal(pthread_create(&b.tid, NULL, batcher_main, &b), 0);
  for (size_t i = 0; i < N_THREADS; i++) {
    w[i].idx = i;
    assert_int_equal(pthread_create(&w[i].tid, NULL, worker_main, &w[i]), 0);
  }
  for (size_t i = 0; i < N_THREADS; i++) assert_int_equal(pthread_join(w[i].tid, NULL), 0);
  assert_int_equal(pthread_join(b.tid, NULL), 0);
  pthread_barrier_destroy(&g_barrier);

  size_t calls = 0;
  for (size_t i = 0; i < N_THREADS; i++) {
    if (w[i].failure[0] != '\0') fail_msg("thread %zu: %s", i, w[i].failure);
    calls += w[i].calls;
  }
  assert_int_equal(calls, N_THREADS * N_ROUNDS);
  if (b.failure[0] != '\0') fail_msg("%s", b.failure);
  assert_int_equal(b.results, N_BATCH);
  assert_int_equal(b.ok, 6);
  assert_int_equal(b.http404, 1);
  assert_string_equal(dc_client_error(g_c), mine);
}

/* Each thread sees its own last HTTP status, and a thread that never
 * called on the client sees neither a detail nor a status. */
static void *fresh_thread(void *arg)
{
  int *seen = arg;
  *seen = dc_client_error(g_c)[0] != '\0' || dc_client_http_status(g_c) != 0;
  return NULL;
}

static void test_fresh_thread_sees_nothing(void **state)
{
  (void)state;
  dc_settings *s = NULL;
  assert_status(dc_discover(g_c, "missing.test", &s), DC_E_HTTP_STATUS);
  assert_int_equal(dc_client_http_status(g_c), 404);
  int seen = -1;
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, fresh_thread, &seen), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(seen, 0);
  assert_int_equal(dc_client_http_status(g_c), 404);
}

/* A call context (what a batch job holds) reads the configuration by
 * reference and can neither change nor free it; neither can a shallow
 * copy of the client's handle. */
static void test_context_owns_nothing(void **state)
{
  (void)state;
  dc_client ctx;
  struct dci_call call;
  dci_client_context(&ctx, g_c, &call);
  assert_ptr_equal(ctx.cfg, g_c->cfg);
  assert_status(dc_client_set_timeout_ms(&ctx, DC_TIMEOUT_DNS, 1), DC_E_INVALID_ARG);
  assert_non_null(strstr(dc_client_error(&ctx), "call context"));
  assert_status(dc_client_add_dns_server(&ctx, "127.0.0.1"), DC_E_INVALID_ARG);
  assert_status(dc_client_register_provider(&ctx, API, "x", NULL, NULL, NULL),
                DC_E_INVALID_ARG);
  assert_int_equal(g_c->cfg->timeout_dns_ms, DC_DEFAULT_DNS_TIMEOUT_MS);
  assert_int_equal(g_c->cfg->n_regs, 1);
  /* its detail is its own */
  assert_status(dc_guard_ip(&ctx, "10.9.9.9"), DC_E_BLOCKED);
  assert_non_null(strstr(call.err, "10.9.9.9"));
  assert_null(strstr(dc_client_error(g_c), "10.9.9.9"));
  dc_client_free(&ctx); /* not a client: nothing happens */
  dc_client copy = *g_c;
  dc_client_free(&copy); /* not the owner: nothing happens */
  dc_settings *s = NULL;
  assert_status(dc_discover(g_c, "example.test", &s), DC_OK);
  dc_settings_free(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_one_client_many_threads),
    cmocka_unit_test(test_fresh_thread_sees_nothing),
    cmocka_unit_test(test_context_owns_nothing),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
