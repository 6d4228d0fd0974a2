/* The A/AAAA answers a resolver keeps for their TTL: see dns/addr_cache.h. */
#include "dns/addr_cache.h"

#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* One kept answer: the merged A and AAAA list, until expires_us. */
struct dci_addr_entry {
  struct dci_addr_entry *next;
  int64_t expires_us;
  dci_addr_list addrs;
  char name[DC_MAX_NAME_LEN + 1]; /* as asked, without a trailing dot */
};

/* The name's length without one trailing dot. */
static size_t name_len(const char *name)
{
  size_t n = strlen(name);
  return n > 0 && name[n - 1] == '.' ? n - 1 : n;
}

static size_t bucket_of(const char *name, size_t n)
{
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ dcx_lower((unsigned char)name[i])) * 16777619u;
  return h % DCI_ADDR_CACHE_BUCKETS;
}

static bool same_name(const char *kept, const char *name, size_t n)
{
  if (strlen(kept) != n) return false;
  for (size_t i = 0; i < n; i++)
    if (dcx_lower((unsigned char)kept[i]) != dcx_lower((unsigned char)name[i])) return false;
  return true;
}

const dci_addr_list *dci_addr_cache_get(dci_addr_cache *k, const char *name, int64_t now_us)
{
  if (k == NULL || name == NULL) return NULL;
  size_t n = name_len(name);
  for (struct dci_addr_entry **pp = &k->bucket[bucket_of(name, n)]; *pp != NULL;) {
    struct dci_addr_entry *e = *pp;
    if (e->expires_us <= now_us) { /* expired entries go on the way */
      *pp = e->next;
      free(e);
      k->n--;
      continue;
    }
    if (same_name(e->name, name, n)) return &e->addrs;
    pp = &e->next;
  }
  return NULL;
}

void dci_addr_cache_put(dci_addr_cache *k, const char *name, const dci_addr_list *addrs,
                        uint32_t ttl, int64_t now_us)
{
  if (k == NULL || name == NULL || addrs == NULL) return;
  size_t n = name_len(name);
  if (ttl == 0 || addrs->n == 0 || n > DC_MAX_NAME_LEN || k->n >= DC_MAX_ADDR_CACHE) return;
  if (dci_addr_cache_get(k, name, now_us) != NULL) return;
  if (ttl > DC_MAX_ADDR_CACHE_TTL) ttl = DC_MAX_ADDR_CACHE_TTL;
  struct dci_addr_entry *e = calloc(1, sizeof *e);
  if (e == NULL) return;
  memcpy(e->name, name, n);
  e->name[n] = '\0';
  e->addrs = *addrs;
  e->expires_us = now_us + (int64_t)ttl * 1000000;
  size_t b = bucket_of(name, n);
  e->next = k->bucket[b];
  k->bucket[b] = e;
  k->n++;
}

void dci_addr_cache_free(dci_addr_cache *k)
{
  if (k == NULL) return;
  for (size_t b = 0; b < DCI_ADDR_CACHE_BUCKETS; b++) {
    while (k->bucket[b] != NULL) {
      struct dci_addr_entry *e = k->bucket[b];
      k->bucket[b] = e->next;
      free(e);
    }
  }
  k->n = 0;
}
