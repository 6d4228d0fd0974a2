/* Batch discovery throughput and memory (include/domainconnect/batch.h).
 *
 *   bench_batch --dns-server IP:PORT --ca-file PEM --psl-file PSL
 *               [--test-allow-address IP]... [--concurrency C]
 *               [--seconds S] [--out FILE] DOMAINS_FILE
 *
 * Streams DOMAINS_FILE through one dc_batch (pull source: one line read per
 * free slot, so nothing but the in-flight domains is held) driven by
 * dc_batch_run(). After S seconds (default 600) the source ends early: the
 * run is bounded in time. --out writes "INPUT STATUS" per result. Prints:
 *   bench_batch: domains=N seconds=S rate=R/s concurrency=C maxrss_kb=K
 *   rss_kb_at: 0:K 10000:K 20000:K ...   (current RSS every 10,000 results)
 *   outcomes: ok=N no_record=N ... */
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_num.h"
#include "bench_outcomes.h"
#include "bench_proc.h"
#include "domainconnect/batch.h"
#include "domainconnect/net.h"

#define MAX_SAMPLES 256

static long rss_kb(void)
{
  long pages = 0, res = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) return -1;
  if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = -1;
  fclose(f);
  return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

struct run {
  FILE *in, *out;
  char line[512];
  double end;
  long results;
  struct bench_outcomes out_counts;
  long sample_at[MAX_SAMPLES], sample_kb[MAX_SAMPLES];
  int nsamples;
};

static const char *next_domain(void *arg)
{
  struct run *r = arg;
  if (now() >= r->end) return NULL;
  while (fgets(r->line, sizeof r->line, r->in)) {
    r->line[strcspn(r->line, "\r\n")] = '\0';
    if (r->line[0] != '\0') return r->line;
  }
  return NULL;
}

static void on_result(void *arg, const char *input, dc_status st,
                      const dc_settings *s, const char *detail)
{
  (void)s;
  (void)detail;
  struct run *r = arg;
  bench_outcome(&r->out_counts, st);
  if (r->out) fprintf(r->out, "%s %s\n", input, dc_status_name(st));
  r->results++;
  if (r->results % 10000 == 0 && r->nsamples < MAX_SAMPLES) {
    r->sample_at[r->nsamples] = r->results;
    r->sample_kb[r->nsamples++] = rss_kb();
  }
}

int main(int argc, char **argv)
{
  const char *outp = NULL;
  struct bench_net net = {0};
  long conc = 64;
  double seconds = 600;
  int i;
  for (i = 1; i < argc - 1 && strncmp(argv[i], "--", 2) == 0; i += 2) {
    const char *o = argv[i], *v = argv[i + 1];
    if (bench_net_opt(&net, o, v)) continue;
    if (strcmp(o, "--concurrency") == 0) conc = bench_long_or(v, 0); /* 0: refused */
    else if (strcmp(o, "--seconds") == 0) seconds = bench_double_or(v, 0);  /* 0: refused */
    else if (strcmp(o, "--out") == 0) outp = v;
    else break;
  }
  if (i != argc - 1 || conc < 1 || seconds <= 0) {
    fprintf(stderr, "usage: bench_batch [OPTIONS] DOMAINS_FILE (see the source)\n");
    return 2;
  }
  static struct run r;
  r.in = fopen(argv[i], "r");
  if (r.in == NULL) { perror(argv[i]); return 2; }
  if (outp && (r.out = fopen(outp, "w")) == NULL) { perror(outp); return 2; }

  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return 1;
  dc_status st = bench_net_apply(&net, c);
  dc_batch *b = NULL;
  if (st == DC_OK) st = dc_batch_new(c, (size_t)conc, on_result, &r, &b);
  if (st == DC_OK) st = dc_batch_set_source(b, next_domain, &r);
  if (st != DC_OK) {
    fprintf(stderr, "bench_batch: setup: %s: %s\n", dc_status_name(st), dc_client_error(c));
    return 1;
  }
  r.sample_at[0] = 0;
  r.sample_kb[0] = rss_kb();
  r.nsamples = 1;
  double t0 = now();
  r.end = t0 + seconds;
  st = dc_batch_run(b);
  double el = now() - t0;
  dc_batch_free(b);
  dc_client_free(c);
  fclose(r.in);
  if (r.out) fclose(r.out);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  printf("bench_batch: domains=%ld seconds=%.3f rate=%.1f/s concurrency=%ld maxrss_kb=%ld run=%s client_cpu=%.0f%%\n",
         r.results, el, (double)r.results / el, conc, peak_rss_kb(), dc_status_name(st),
         100 * cpu / el);
  printf("rss_kb_at:");
  for (int k = 0; k < r.nsamples; k++) printf(" %ld:%ld", r.sample_at[k], r.sample_kb[k]);
  printf("\n");
  bench_outcomes_print(&r.out_counts);
  return st == DC_OK && r.results > 0 ? 0 : 1;
}
