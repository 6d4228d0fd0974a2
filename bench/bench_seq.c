/* The naive sequential baseline: dc_discover over a list of domains, one at
 * a time, in one process.
 *
 *   bench_seq --dns-server IP:PORT --ca-file PEM --psl-file PSL
 *             [--test-allow-address IP]... [--new-client-per-domain]
 *             [--count N] [--seconds S] DOMAINS_FILE
 *
 * With one dc_client for the whole loop (default) or a new dc_client per
 * domain (--new-client-per-domain). Stops after N domains (default 1000) or
 * S seconds (default 20), whichever comes first. Prints one line:
 *   bench_seq: mode=one-client domains=N seconds=S rate=R/s maxrss_kb=K
 *   outcomes: ok=N no_record=N http_status=N ... */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_num.h"
#include "bench_outcomes.h"
#include "bench_proc.h"
#include "domainconnect/net.h"

static dc_client *make_client(const struct bench_net *o)
{
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return NULL;
  dc_status st = bench_net_apply(o, c);
  if (st != DC_OK) {
    fprintf(stderr, "bench_seq: client setup: %s: %s\n", dc_status_name(st), dc_client_error(c));
    dc_client_free(c);
    return NULL;
  }
  return c;
}

int main(int argc, char **argv)
{
  static const struct option lo[] = {
    {"dns-server", required_argument, NULL, 'd'},
    {"ca-file", required_argument, NULL, 'c'},
    {"psl-file", required_argument, NULL, 'p'},
    {"test-allow-address", required_argument, NULL, 'a'},
    {"new-client-per-domain", no_argument, NULL, 'n'},
    {"count", required_argument, NULL, 'N'},
    {"seconds", required_argument, NULL, 'S'},
    {NULL, 0, NULL, 0},
  };
  struct bench_net o;
  memset(&o, 0, sizeof o);
  int per_domain = 0, ch;
  long count = 1000;
  double seconds = 20;
  while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    switch (ch) {
    case 'd': o.dns = optarg; break;
    case 'c': o.ca = optarg; break;
    case 'p': o.psl = optarg; break;
    case 'a':
      if (o.nallow < BENCH_MAX_ALLOW) o.allow[o.nallow++] = optarg;
      break;
    case 'n': per_domain = 1; break;
    case 'N': count = bench_long_or(optarg, 0); break;      /* 0: refused below */
    case 'S': seconds = bench_double_or(optarg, 0); break;  /* 0: refused below */
    default: return 2;
    }
  }
  if (optind + 1 != argc || count < 1 || seconds <= 0) {
    fprintf(stderr, "usage: bench_seq [OPTIONS] DOMAINS_FILE (see the source)\n");
    return 2;
  }
  FILE *f = fopen(argv[optind], "r");
  if (f == NULL) { perror(argv[optind]); return 2; }

  struct bench_outcomes outc = {.n = 0};
  dc_client *shared = per_domain ? NULL : make_client(&o);
  if (!per_domain && shared == NULL) return 1;
  long n = 0;
  char line[512];
  double t0 = now(), end = t0 + seconds;
  while (n < count && now() < end && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0') continue;
    dc_client *c = per_domain ? make_client(&o) : shared;
    if (c == NULL) return 1;
    dc_settings *s = NULL;
    dc_status st = dc_discover(c, line, &s);
    dc_settings_free(s);
    if (per_domain) dc_client_free(c);
    bench_outcome(&outc, st);
    n++;
  }
  double el = now() - t0;
  fclose(f);
  dc_client_free(shared);
  printf("bench_seq: mode=%s domains=%ld seconds=%.3f rate=%.1f/s maxrss_kb=%ld\n",
         per_domain ? "new-client-per-domain" : "one-client", n, el,
         (double)n / el, peak_rss_kb());
  bench_outcomes_print(&outc);
  return n > 0 ? 0 : 1;
}
