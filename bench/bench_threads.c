/* The thread-per-request baseline of the latency bench (the shape of the
 * reference Python client, which runs dc_discover-like calls on 32
 * threads): N threads share one configured dc_client (docs/api/common.md:
 * calls from several threads at once) and each takes the next domain of
 * the list and calls dc_discover, until the list or the time is used up.
 *
 *   bench_threads --dns-server IP:PORT --ca-file PEM --psl-file PSL
 *                 [--test-allow-address IP]... [--threads N] [--count N]
 *                 [--seconds S] DOMAINS_FILE
 *
 * Prints:
 *   bench_threads: threads=N domains=D seconds=S rate=R/s client_cpu=P% maxrss_kb=K
 *   outcomes: ok=N no_record=N ... */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_num.h"
#include "bench_outcomes.h"
#include "bench_proc.h"
#include "domainconnect/net.h"

#define MAX_THREADS 4096

static char **domains;
static long ndomains;
static atomic_long next_index, results;
static double end_time;
static dc_client *client;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct bench_outcomes outc;

static void count(dc_status st)
{
  pthread_mutex_lock(&lock);
  bench_outcome(&outc, st);
  pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
  (void)arg;
  for (;;) {
    if (now() >= end_time) break;
    long i = atomic_fetch_add(&next_index, 1);
    if (i >= ndomains) break;
    dc_settings *s = NULL;
    dc_status st = dc_discover(client, domains[i], &s);
    dc_settings_free(s);
    count(st);
    atomic_fetch_add(&results, 1);
  }
  return NULL;
}

static long load(const char *path, long max)
{
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  char line[512];
  domains = calloc((size_t)max, sizeof *domains);
  long n = 0;
  while (domains != NULL && n < max && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] != '\0' && (domains[n] = strdup(line)) != NULL) n++;
  }
  fclose(f);
  return n;
}

int main(int argc, char **argv)
{
  struct bench_net net = {0};
  long threads = 32, max = 100000;
  double seconds = 60;
  int i;
  for (i = 1; i < argc - 1 && strncmp(argv[i], "--", 2) == 0; i += 2) {
    const char *o = argv[i], *v = argv[i + 1];
    if (bench_net_opt(&net, o, v)) continue;
    if (strcmp(o, "--threads") == 0) threads = bench_long_or(v, 0);
    else if (strcmp(o, "--count") == 0) max = bench_long_or(v, 0);
    else if (strcmp(o, "--seconds") == 0) seconds = bench_double_or(v, 0);
    else break;
  }
  if (i != argc - 1 || threads < 1 || threads > MAX_THREADS || max < 1 || seconds <= 0) {
    fprintf(stderr, "usage: bench_threads [OPTIONS] DOMAINS_FILE (see the source)\n");
    return 2;
  }
  ndomains = load(argv[i], max);
  if (ndomains <= 0) { fprintf(stderr, "bench_threads: no domains in %s\n", argv[i]); return 2; }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  dc_status st = dc_client_new(&client);
  if (st == DC_OK) st = bench_net_apply(&net, client);
  if (st != DC_OK) {
    fprintf(stderr, "bench_threads: setup: %s\n", dc_status_name(st));
    return 1;
  }
  static pthread_t tid[MAX_THREADS];
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512 * 1024);
  double t0 = now();
  end_time = t0 + seconds;
  long started = 0;
  for (long k = 0; k < threads; k++, started++)
    if (pthread_create(&tid[k], &attr, worker, NULL) != 0) break;
  for (long k = 0; k < started; k++) pthread_join(tid[k], NULL);
  double el = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  long done = atomic_load(&results);
  printf("bench_threads: threads=%ld domains=%ld seconds=%.3f rate=%.1f/s client_cpu=%.0f%% maxrss_kb=%ld\n",
         started, done, el, (double)done / el, 100 * cpu / el, peak_rss_kb());
  bench_outcomes_print(&outc);
  dc_client_free(client);
  for (long k = 0; k < ndomains; k++) free(domains[k]);
  free(domains);
  return done > 0 && started == threads ? 0 : 1;
}
