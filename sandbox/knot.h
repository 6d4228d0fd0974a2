/* domainconnect-sandbox: the Knot DNS server it runs (a child process) and
 * the knotc calls that keep it in step with the zone store. */
#ifndef SBX_KNOT_H
#define SBX_KNOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sbx_knot {
  char *dir;        /* STATE/knot */
  char *conf;       /* STATE/knot/knot.conf */
  char *zone_dir;   /* STATE/knot/zones */
  char *knotd, *knotc;
  int port;         /* 127.0.0.1 UDP+TCP */
  pid_t pid;        /* knotd, 0 when not running */
};

/* Prepares STATE/knot and knot.conf for `zones`. `port` 0 picks one: the
 * port of the previous run when it is free, else a free high port; never
 * `avoid` (the HTTPS listen port, bound after Knot starts; 0: none). */
bool sbx_knot_setup(struct sbx_knot *k, const char *state_dir, int port, int avoid,
                    char *const *zones, size_t nzones, char *err, size_t errsz);
/* Writes STATE/knot/zones/ZONE.zone atomically. */
bool sbx_knot_write_zone(const struct sbx_knot *k, const char *zone, const char *text);
/* Starts knotd and waits until every zone answers its SOA (10 s). */
bool sbx_knot_start(struct sbx_knot *k, char *const *zones, size_t nzones, char *err,
                    size_t errsz);
/* knotc zone-reload ZONE (blocking), then waits until the zone's SOA
 * serial over DNS is `serial`. `err` gets knotc's output on failure. */
bool sbx_knot_reload(const struct sbx_knot *k, const char *zone, uint32_t serial, char *err,
                     size_t errsz);
/* Asks one SOA over UDP: true and *serial when the zone answers. */
bool sbx_knot_soa(int port, const char *zone, uint32_t *serial);
/* True while knotd runs (reaps it when it has exited). */
bool sbx_knot_alive(struct sbx_knot *k);
/* SIGTERM to knotd (by PID), waits up to 5 s, then SIGKILL. */
void sbx_knot_stop(struct sbx_knot *k);
void sbx_knot_free(struct sbx_knot *k);

#endif
