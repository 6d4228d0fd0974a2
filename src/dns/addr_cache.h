/* The A/AAAA answers a resolver keeps for their TTL (dns/resolver.c): a
 * batch asks for each provider API host's addresses once per TTL, not once
 * per domain. At most DC_MAX_ADDR_CACHE names, each for at most
 * DC_MAX_ADDR_CACHE_TTL seconds (src/core/limits.h). Not thread-safe: it
 * belongs to its resolver. */
#ifndef DC_DNS_ADDR_CACHE_H
#define DC_DNS_ADDR_CACHE_H

#include <stdint.h>

#include "dns/resolver.h"

#define DCI_ADDR_CACHE_BUCKETS 256

typedef struct dci_addr_cache {
  struct dci_addr_entry *bucket[DCI_ADDR_CACHE_BUCKETS];
  size_t n;
} dci_addr_cache;

/* The list kept for `name` (case-insensitive, one trailing dot ignored) if
 * it has not expired at `now_us` (CLOCK_MONOTONIC microseconds), else NULL.
 * Borrowed until the next call on the cache. */
const dci_addr_list *dci_addr_cache_get(dci_addr_cache *k, const char *name, int64_t now_us);
/* Keeps a successful answer for min(ttl, DC_MAX_ADDR_CACHE_TTL) seconds.
 * Nothing is kept for a TTL of 0, an empty list, a full cache, or when
 * memory runs out (the next lookup then asks again). */
void dci_addr_cache_put(dci_addr_cache *k, const char *name, const dci_addr_list *addrs,
                        uint32_t ttl, int64_t now_us);
void dci_addr_cache_free(dci_addr_cache *k);

#endif
