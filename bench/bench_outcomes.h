/* What the discovery benches share: counting outcomes by status name, and
 * the network options that set up their client. */
#ifndef DC_BENCH_OUTCOMES_H
#define DC_BENCH_OUTCOMES_H

#include <stdio.h>
#include <string.h>

#include "domainconnect/net.h"

#define BENCH_MAX_OUTCOMES 64
#define BENCH_MAX_ALLOW 16

struct bench_outcomes {
  const char *names[BENCH_MAX_OUTCOMES];
  long counts[BENCH_MAX_OUTCOMES];
  int n;
};

/* One more result with status `st` (names are dc_status_name's). */
static inline void bench_outcome(struct bench_outcomes *o, dc_status st)
{
  const char *nm = dc_status_name(st);
  int k;
  for (k = 0; k < o->n && strcmp(o->names[k], nm) != 0; k++) {}
  if (k == o->n && o->n < BENCH_MAX_OUTCOMES) {
    o->names[o->n] = nm;
    o->counts[o->n++] = 0;
  }
  if (k < o->n) o->counts[k]++;
}

/* "outcomes: name=count ..." and a newline. */
static inline void bench_outcomes_print(const struct bench_outcomes *o)
{
  printf("outcomes:");
  for (int k = 0; k < o->n; k++) printf(" %s=%ld", o->names[k], o->counts[k]);
  printf("\n");
}

/* The network options every discovery bench takes. */
struct bench_net {
  const char *dns, *ca, *psl, *allow[BENCH_MAX_ALLOW];
  int nallow;
};

/* True when `opt` (with value `v`) is one of them, recorded in *n. */
static inline int bench_net_opt(struct bench_net *n, const char *opt, const char *v)
{
  if (strcmp(opt, "--dns-server") == 0) n->dns = v;
  else if (strcmp(opt, "--ca-file") == 0) n->ca = v;
  else if (strcmp(opt, "--psl-file") == 0) n->psl = v;
  else if (strcmp(opt, "--test-allow-address") == 0 && n->nallow < BENCH_MAX_ALLOW)
    n->allow[n->nallow++] = v;
  else return 0;
  return 1;
}

/* Applies them to client c; the first failing status. */
static inline dc_status bench_net_apply(const struct bench_net *n, dc_client *c)
{
  dc_status st = DC_OK;
  if (n->dns) st = dc_client_add_dns_server(c, n->dns);
  if (st == DC_OK && n->ca) st = dc_client_set_ca_file(c, n->ca);
  if (st == DC_OK && n->psl) st = dc_client_set_psl_file(c, n->psl);
  for (int k = 0; st == DC_OK && k < n->nallow; k++)
    st = dc_client_test_only_allow_address(c, n->allow[k]);
  return st;
}

#endif
