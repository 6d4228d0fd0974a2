/* domainconnect-sandbox: the pending consent requests. A consent page
 * (consent_sync.c, consent_async.c) stores what it showed under a fresh
 * request id and CSRF token; the form answer (consent.c) takes it back
 * once. Requests are short-lived (SBX_PENDING_LIFETIME) and bounded, so
 * that a flood of consent pages from one source cannot push out everyone
 * else's (docs/sandbox.md, "Limits"): each owner (a client_id; a providerId
 * for the synchronous flow) keeps at most SBX_MAX_PENDING_PER_CLIENT, its
 * own oldest dropped; at SBX_MAX_PENDING in all, the oldest request of the
 * owner holding the most goes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"

struct pending_ent {
  char id[64];
  char csrf[64];
  char owner[280];
  time_t expires;
  int kind;
  json_t *data;
};

struct sbx_pending {
  pthread_mutex_t mu;
  struct pending_ent *items; /* oldest first */
  size_t n;
};

struct sbx_pending *sbx_pending_new(void)
{
  struct sbx_pending *p = calloc(1, sizeof *p);
  if (p != NULL) pthread_mutex_init(&p->mu, NULL);
  return p;
}

void sbx_pending_free(struct sbx_pending *p)
{
  if (p == NULL) return;
  for (size_t i = 0; i < p->n; i++) json_decref(p->items[i].data);
  free(p->items);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

static void drop_locked(struct sbx_pending *p, size_t k)
{
  json_decref(p->items[k].data);
  memmove(p->items + k, p->items + k + 1, (p->n - k - 1) * sizeof *p->items);
  p->n--;
}

static const char *item_owner(const void *items, size_t k)
{
  return ((const struct pending_ent *)items)[k].owner;
}

/* Makes room for one request of `owner` (per-owner and global caps). */
static void make_room_locked(struct sbx_pending *p, const char *owner)
{
  size_t k = sbx_evict_pick(p->items, p->n, item_owner, owner, SBX_MAX_PENDING_PER_CLIENT,
                            SBX_MAX_PENDING);
  if (k != SIZE_MAX) drop_locked(p, k);
}

/* Stores `data` (reference taken) for `owner`; id and csrf receive fresh
 * values. */
bool sbx_pending_add(struct sbx_pending *p, int kind, const char *owner, json_t *data,
                     char id[64], char csrf[64])
{
  char *i = sbx_random_token(""), *c = sbx_random_token("");
  bool ok = false;
  pthread_mutex_lock(&p->mu);
  time_t now = time(NULL);
  size_t w = 0;
  for (size_t k = 0; k < p->n; k++) {
    if (p->items[k].expires < now) {
      json_decref(p->items[k].data);
      continue;
    }
    p->items[w++] = p->items[k];
  }
  p->n = w;
  if (i == NULL || c == NULL || strlen(owner) >= sizeof p->items[0].owner) goto done;
  make_room_locked(p, owner);
  struct pending_ent *v = realloc(p->items, (p->n + 1) * sizeof *v);
  if (v == NULL) goto done;
  p->items = v;
  struct pending_ent *e = &p->items[p->n++];
  snprintf(e->id, sizeof e->id, "%s", i);
  snprintf(e->csrf, sizeof e->csrf, "%s", c);
  snprintf(e->owner, sizeof e->owner, "%s", owner);
  e->expires = now + SBX_PENDING_LIFETIME;
  e->kind = kind;
  e->data = data;
  data = NULL;
  memcpy(id, e->id, sizeof e->id);
  memcpy(csrf, e->csrf, sizeof e->csrf);
  ok = true;
done:
  pthread_mutex_unlock(&p->mu);
  json_decref(data);
  free(i);
  dcx_free_secret(c);
  return ok;
}

/* Removes and returns the request when id and csrf match (constant time
 * for the CSRF token). 0: unknown or expired; -1: bad CSRF token (the
 * request stays). */
int sbx_pending_take(struct sbx_pending *p, const char *id, const char *csrf, json_t **data)
{
  int kind = 0;
  *data = NULL;
  if (id == NULL || csrf == NULL) return 0;
  pthread_mutex_lock(&p->mu);
  time_t now = time(NULL);
  for (size_t k = 0; k < p->n; k++) {
    if (strcmp(p->items[k].id, id) != 0) continue;
    if (p->items[k].expires < now) break;
    if (!sbx_const_eq(p->items[k].csrf, csrf)) {
      kind = -1;
      break;
    }
    kind = p->items[k].kind;
    *data = json_incref(p->items[k].data);
    drop_locked(p, k);
    break;
  }
  pthread_mutex_unlock(&p->mu);
  return kind;
}
