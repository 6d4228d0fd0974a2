/* domainconnect-sandbox: the zone store (one JSON file per hosted zone in
 * STATE/zones) and its mirror in Knot DNS. */
#ifndef SBX_STORE_H
#define SBX_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "knot.h"

struct sbx_zone {
  char *name;
  char *json_path;   /* STATE/zones/NAME.json */
  int lock_fd;       /* STATE/zones/NAME.lock, flock()ed during an update */
  pthread_mutex_t mu;
};

struct sbx_store {
  const struct sbx_config *cfg;
  struct sbx_knot *knot;
  char *dir;
  char *listen_ip;   /* what the provider host names resolve to */
  bool listen_v6;
  int listen_port;   /* HTTPS port; the _domainconnect TXT names it when not 443 */
  struct sbx_zone *zones; /* hosted zones */
  size_t n_zones;
  char **served;     /* every zone Knot serves: hosted, provider, key zones */
  size_t n_served;
};

/* Opens STATE/zones: creates a hosted zone's file from the configuration
 * the first time, checks the others load. Writes every zone file for Knot
 * (call before sbx_knot_start). `listen_port` other than 443 is published in
 * every hosted zone's _domainconnect TXT ("api.host:PORT"). */
bool sbx_store_open(struct sbx_store *s, const struct sbx_config *cfg, const char *state_dir,
                    struct sbx_knot *knot, const char *listen_ip, bool listen_v6,
                    int listen_port, char *err, size_t errsz);
/* The zone names Knot must serve (valid after sbx_store_plan). */
bool sbx_store_plan(struct sbx_store *s, const struct sbx_config *cfg, char *err, size_t errsz);
void sbx_store_close(struct sbx_store *s);
struct sbx_zone *sbx_store_find(struct sbx_store *s, const char *name);

/* A snapshot of a zone's records (under the zone's locks). */
bool sbx_store_read(struct sbx_store *s, struct sbx_zone *z, json_t **records, uint32_t *serial);

/* An update: `fn` gets the current records and returns 0 with *out set to
 * the new records (NULL: nothing changes), or an error code of its own
 * choosing, which sbx_store_update returns unchanged. While it runs the zone
 * is locked (mutex + flock), so concurrent updates are serialised and none
 * is lost. */
typedef int (*sbx_update_fn)(void *ctx, const json_t *records, json_t **out);
enum {
  SBX_UPDATE_OK = 0,
  /* codes below are sbx_store_update's own; fn's codes must be > 0 */
  SBX_UPDATE_IO = -1,      /* store or Knot failure (500) */
  SBX_UPDATE_INVALID = -2, /* the new records cannot be served (400) */
  SBX_UPDATE_LIMIT = -3    /* too many records (400) */
};
int sbx_store_update(struct sbx_store *s, struct sbx_zone *z, sbx_update_fn fn, void *ctx,
                     char *err, size_t errsz);

/* TXT records at an absolute name (lower case, no trailing dot) as the
 * sandbox serves them: from a hosted zone or a configured public key.
 * *txt is NULL-terminated (free each entry and the array). */
bool sbx_store_txt(struct sbx_store *s, const char *fqdn, char ***txt, size_t *n);
void sbx_strv_free(char **v);
/* The string member k of the JSON object o, or NULL (absent, not a string). */
const char *sbx_json_str(const json_t *o, const char *k);

/* Renders the zone file text of a hosted zone (also a validity check).
 * Exposed for tests. */
char *sbx_render_zone(const struct sbx_store *s, const char *zone, uint32_t serial,
                      const json_t *records, bool hosted, char *err, size_t errsz);

#endif
