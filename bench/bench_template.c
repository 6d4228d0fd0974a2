/* dc_template_apply time against zone size.
 *
 * Zones of 1k, 10k and 100k records hold the same fixed records at the
 * names the template touches (apex, www, _dmarc, and a 10-record subtree
 * under "sub" that a new NS record takes); the rest are filler records at
 * other names, some of them below the touched names' siblings. Applying
 * must cost time proportional to the records at the affected names, so the
 * apply time should stay flat while the zone grows; building the final
 * zone (lazy, dc_apply_result_final) is O(zone) and is measured apart.
 * Ratios are against the 1k run of the same invocation.
 *
 * usage: bench_template [MIN_SECONDS_PER_SIZE]   (default 0.5) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domainconnect/template.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, dc_client *c, dc_status st)
{
  fprintf(stderr, "bench_template: %s: %s: %s\n", what, dc_status_name(st), dc_client_error(c));
  exit(1);
}

struct sbuf {
  char *p;
  size_t n, cap;
};

static void put(struct sbuf *b, const char *s)
{
  size_t l = strlen(s);
  if (b->n + l + 1 > b->cap) {
    b->cap = (b->cap + l + 1) * 2;
    b->p = realloc(b->p, b->cap);
    if (b->p == NULL) exit(1);
  }
  memcpy(b->p + b->n, s, l + 1);
  b->n += l;
}

/* The records at the affected names: the same in every zone. */
static const char *const k_fixed[] = {
  "{\"type\":\"A\",\"name\":\"@\",\"ttl\":300,\"data\":\"192.0.2.1\"}",
  "{\"type\":\"AAAA\",\"name\":\"@\",\"ttl\":300,\"data\":\"2001:db8::1\"}",
  "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"shm:old\"}",
  "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"v=spf1 a -all\"}",
  "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"google-site-verification=x\"}",
  "{\"type\":\"MX\",\"name\":\"@\",\"ttl\":300,\"data\":\"mx1.example.net\",\"priority\":10}",
  "{\"type\":\"MX\",\"name\":\"@\",\"ttl\":300,\"data\":\"mx2.example.net\",\"priority\":20}",
  "{\"type\":\"NS\",\"name\":\"@\",\"ttl\":300,\"data\":\"ns1.example.net\"}",
  "{\"type\":\"A\",\"name\":\"www\",\"ttl\":300,\"data\":\"192.0.2.2\"}",
  "{\"type\":\"TXT\",\"name\":\"_dmarc\",\"ttl\":300,\"data\":\"v=DMARC1; p=none\"}",
};
#define N_SUB 10 /* records below "sub" */

static const char k_template[] =
  "{\"providerId\":\"bench.example\",\"providerName\":\"Bench\",\"serviceId\":\"s1\","
  "\"serviceName\":\"Bench\",\"records\":["
  "{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"%IP%\",\"ttl\":600},"
  "{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"shm:%v%\",\"ttl\":600,"
  "\"txtConflictMatchingMode\":\"Prefix\",\"txtConflictMatchingPrefix\":\"shm:\"},"
  "{\"type\":\"MX\",\"host\":\"@\",\"pointsTo\":\"mx.bench.example\",\"priority\":5,\"ttl\":600},"
  "{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"include:spf.bench.example\"},"
  "{\"type\":\"CNAME\",\"host\":\"www\",\"pointsTo\":\"@\",\"ttl\":600},"
  "{\"type\":\"TXT\",\"host\":\"_dmarc\",\"data\":\"v=DMARC1; p=reject\",\"ttl\":600,"
  "\"txtConflictMatchingMode\":\"Prefix\",\"txtConflictMatchingPrefix\":\"v=DMARC1\"},"
  "{\"type\":\"NS\",\"host\":\"sub\",\"pointsTo\":\"ns.bench.example\",\"ttl\":600}]}";

static char *make_zone(size_t n)
{
  struct sbuf b = {0};
  char tmp[160];
  put(&b, "[");
  size_t count = 0;
  for (size_t i = 0; i < sizeof k_fixed / sizeof k_fixed[0]; i++, count++) {
    if (count) put(&b, ",");
    put(&b, k_fixed[i]);
  }
  for (size_t i = 0; i < N_SUB; i++, count++) {
    snprintf(tmp, sizeof tmp, ",{\"type\":\"A\",\"name\":\"h%zu.sub\",\"ttl\":300,\"data\":\"192.0.2.%zu\"}",
             i, i + 10);
    put(&b, tmp);
  }
  /* filler: names of 1..3 labels, siblings of the touched names included
   * ("wwwN", "subN", "x.subN") */
  for (size_t i = 0; count < n; i++, count++) {
    unsigned h = (unsigned)(i * 2654435761u);
    switch (h % 4) {
    case 0:
      snprintf(tmp, sizeof tmp, ",{\"type\":\"A\",\"name\":\"host%zu\",\"ttl\":300,\"data\":\"198.51.100.%u\"}",
               i, h % 250);
      break;
    case 1:
      snprintf(tmp, sizeof tmp, ",{\"type\":\"TXT\",\"name\":\"x%zu.sub%zu\",\"ttl\":300,\"data\":\"v%zu\"}",
               i, i % 97, i);
      break;
    case 2:
      snprintf(tmp, sizeof tmp, ",{\"type\":\"CNAME\",\"name\":\"www%zu\",\"ttl\":300,\"data\":\"t%zu.example.net\"}",
               i, i);
      break;
    default:
      snprintf(tmp, sizeof tmp, ",{\"type\":\"MX\",\"name\":\"m%zu.d%zu.e%zu\",\"ttl\":300,\"data\":\"mx.example.net\",\"priority\":%u}",
               i, i % 31, i % 7, h % 100);
      break;
    }
    put(&b, tmp);
  }
  put(&b, "]");
  return b.p;
}

struct row {
  size_t n;
  double load_ms, apply_ns, final_ns;
  size_t deleted, added, iters;
};

static void run(struct row *r, double min_s)
{
  dc_client *c = NULL;
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_status st;
  if (dc_client_new(&c) != DC_OK) exit(1);
  if ((st = dc_template_parse(c, k_template, strlen(k_template), &t)) != DC_OK) die("template", c, st);
  char *zj = make_zone(r->n);
  double t0 = now();
  if ((st = dc_zone_from_json(c, zj, strlen(zj), &z)) != DC_OK) die("zone", c, st);
  r->load_ms = (now() - t0) * 1e3;
  free(zj);
  if (dc_zone_count(z) != r->n) {
    fprintf(stderr, "bench_template: zone has %zu records, wanted %zu\n", dc_zone_count(z), r->n);
    exit(1);
  }
  st = dc_apply_opts_new(&o);
  if (st == DC_OK) st = dc_apply_opts_set_domain(o, "bench.example");
  if (st == DC_OK) st = dc_apply_opts_set_param(o, "IP", "192.0.2.99");
  if (st == DC_OK) st = dc_apply_opts_set_param(o, "v", "new");
  if (st == DC_OK) st = dc_apply_opts_set_force(o, 1);
  if (st != DC_OK) die("apply options", c, st);

  /* warm-up and the counts */
  dc_apply_result *res = NULL;
  if ((st = dc_template_apply(c, t, z, o, &res)) != DC_OK) die("apply", c, st);
  r->deleted = dc_zone_count(dc_apply_result_deleted(res));
  r->added = dc_zone_count(dc_apply_result_added(res));
  dc_apply_result_free(res);

  size_t iters = 0;
  t0 = now();
  double el;
  do {
    for (int k = 0; k < 64; k++) {
      res = NULL;
      if ((st = dc_template_apply(c, t, z, o, &res)) != DC_OK) die("apply", c, st);
      dc_apply_result_free(res);
    }
    iters += 64;
    el = now() - t0;
  } while (el < min_s);
  r->apply_ns = el * 1e9 / (double)iters;
  r->iters = iters;

  size_t fiters = 0;
  t0 = now();
  do {
    res = NULL;
    if ((st = dc_template_apply(c, t, z, o, &res)) != DC_OK) die("apply", c, st);
    if (dc_apply_result_final(res) == NULL) die("final", c, DC_E_NOMEM);
    dc_apply_result_free(res);
    fiters++;
    el = now() - t0;
  } while (el < min_s / 2 || fiters < 3);
  r->final_ns = el * 1e9 / (double)fiters - r->apply_ns;

  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
  dc_client_free(c);
}

int main(int argc, char **argv)
{
  double min_s = argc > 1 ? strtod(argv[1], NULL) : 0.5;
  if (min_s <= 0) min_s = 0.5;
  struct row rows[] = {{.n = 1000}, {.n = 10000}, {.n = 100000}};
  size_t nr = sizeof rows / sizeof rows[0];
  for (size_t i = 0; i < nr; i++) run(&rows[i], min_s);
  printf("dc_template_apply vs zone size (7 template records; %zu zone records at the\n"
         "affected names in every zone; force on; ratios against the 1k run)\n\n",
         sizeof k_fixed / sizeof k_fixed[0] + N_SUB);
  printf("%8s %9s %7s %8s %12s %7s %14s %7s\n", "records", "load ms", "new", "deleted",
         "apply ns", "ratio", "final ns", "ratio");
  for (size_t i = 0; i < nr; i++) {
    const struct row *r = &rows[i];
    printf("%8zu %9.2f %7zu %8zu %12.0f %7.2f %14.0f %7.2f\n", r->n, r->load_ms, r->added,
           r->deleted, r->apply_ns, r->apply_ns / rows[0].apply_ns, r->final_ns,
           r->final_ns / rows[0].final_ns);
  }
  for (size_t i = 1; i < nr; i++)
    if (rows[i].deleted != rows[0].deleted || rows[i].added != rows[0].added) {
      fprintf(stderr, "bench_template: the affected records differ between zone sizes\n");
      return 1;
    }
  return 0;
}
