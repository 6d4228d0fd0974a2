/* The masking rule of core/mask.h (docs/security.md §7.3). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mask.h"

void dci_secrets_add(struct dci_secrets *set, const char *secret)
{
  if (set == NULL || secret == NULL || strlen(secret) < DC_SECRET_MIN_LEN) return;
  if (set->n >= DC_MAX_CALL_SECRETS) return;
  set->s[set->n++] = secret;
}

const struct dci_secrets *dci_secrets_begin(dc_client *c, const struct dci_secrets *set)
{
  if (c == NULL) return NULL;
  struct dci_call *call = dci_call_of(c);
  const struct dci_secrets *prev = call->secrets;
  call->secrets = set;
  return prev;
}

void dci_secrets_end(dc_client *c, const struct dci_secrets *prev)
{
  if (c == NULL) return;
  dci_call_of(c)->secrets = prev;
}

const struct dci_secrets *dci_secrets_current(dc_client *c)
{
  return c == NULL ? NULL : dci_call_of(c)->secrets;
}

/* The joined texts, normalised: ch[k] came from original bytes
 * [from[k], to[k]) of the joined texts. */
struct norm {
  unsigned char *ch;
  size_t *from, *to;
  size_t n;
};

static void normalise(const unsigned char *in, size_t len, size_t base, struct norm *nm)
{
  size_t i = 0;
  while (i < len) {
    unsigned char b = in[i];
    size_t span = 1;
    if (b == '%' && i + 2 < len && dci_is_hex(in[i + 1]) && dci_is_hex(in[i + 2])) {
      b = (unsigned char)(dci_hex_val(in[i + 1]) * 16 + dci_hex_val(in[i + 2]));
      span = 3;
    }
    if (b >= 0x20 && b != 0x7f) {
      nm->ch[nm->n] = (unsigned char)dci_lower(b);
      nm->from[nm->n] = base + i;
      nm->to[nm->n] = base + i + span;
      nm->n++;
    }
    i += span;
  }
}

static uint64_t piece_hash(const unsigned char *p, size_t k)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < k; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The hashes of every DC_SECRET_PIECE_LEN-byte piece of the (lower-cased)
 * secrets, sorted; *count of them. NULL with *count 0 when there are none;
 * NULL with *count 1 when out of memory. */
static uint64_t *piece_table(const struct dci_secrets *set, size_t *count)
{
  const size_t k = DC_SECRET_PIECE_LEN;
  size_t total = 0;
  *count = 0;
  for (size_t i = 0; i < set->n; i++) {
    size_t l = strlen(set->s[i]);
    if (l >= k) total += l - k + 1;
  }
  if (total == 0) return NULL;
  uint64_t *tab = malloc(total * sizeof *tab);
  unsigned char piece[DC_SECRET_PIECE_LEN];
  if (tab == NULL) {
    *count = 1;
    return NULL;
  }
  size_t t = 0;
  for (size_t i = 0; i < set->n; i++) {
    const unsigned char *s = (const unsigned char *)set->s[i];
    size_t l = strlen(set->s[i]);
    for (size_t j = 0; l >= k && j + k <= l; j++) {
      for (size_t m = 0; m < k; m++) piece[m] = (unsigned char)dci_lower(s[j + m]);
      tab[t++] = piece_hash(piece, k);
    }
  }
  dci_wipe(piece, sizeof piece);
  qsort(tab, t, sizeof *tab, cmp_u64);
  *count = t;
  return tab;
}

static void mark(bool *hit, const struct norm *nm, size_t first, size_t len)
{
  for (size_t g = nm->from[first]; g < nm->to[first + len - 1]; g++) hit[g] = true;
}

/* Short secrets (DC_SECRET_MIN_LEN..PIECE_LEN-1 bytes): whole matches. */
static void mark_short(const struct dci_secrets *set, const struct norm *nm, bool *hit)
{
  for (size_t i = 0; i < set->n; i++) {
    const unsigned char *s = (const unsigned char *)set->s[i];
    size_t l = strlen(set->s[i]);
    if (l >= DC_SECRET_PIECE_LEN) continue;
    for (size_t p = 0; p + l <= nm->n; p++) {
      size_t m = 0;
      while (m < l && nm->ch[p + m] == dci_lower(s[m])) m++;
      if (m == l) mark(hit, nm, p, l);
    }
  }
}

bool dci_mask_texts(const struct dci_secrets *set, char *const *texts,
                    const size_t *lens, size_t n)
{
  if (set == NULL || set->n == 0 || n == 0) return false;
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += lens[i];
  if (total == 0) return false;
  bool any = false, oom = false;
  struct norm nm = {0};
  size_t ntab = 0;
  uint64_t *tab = piece_table(set, &ntab);
  bool *hit = calloc(total, sizeof *hit);
  nm.ch = malloc(total);
  nm.from = malloc(total * sizeof *nm.from);
  nm.to = malloc(total * sizeof *nm.to);
  if (hit == NULL || nm.ch == NULL || nm.from == NULL || nm.to == NULL ||
      (tab == NULL && ntab != 0)) {
    oom = true;
    goto done;
  }
  for (size_t i = 0, base = 0; i < n; base += lens[i], i++)
    normalise((const unsigned char *)texts[i], lens[i], base, &nm);
  const size_t k = DC_SECRET_PIECE_LEN;
  for (size_t p = 0; ntab > 0 && p + k <= nm.n; p++) {
    uint64_t h = piece_hash(nm.ch + p, k);
    if (bsearch(&h, tab, ntab, sizeof *tab, cmp_u64) != NULL) mark(hit, &nm, p, k);
  }
  mark_short(set, &nm, hit);
done:
  /* Out of memory: when in doubt, the whole text goes. */
  for (size_t i = 0, g = 0; i < n; i++)
    for (size_t j = 0; j < lens[i]; j++, g++)
      if (oom || hit[g]) {
        texts[i][j] = '*';
        any = true;
      }
  if (nm.ch != NULL) dci_wipe(nm.ch, total);
  free(nm.ch);
  free(nm.from);
  free(nm.to);
  free(hit);
  free(tab);
  return any;
}

void dci_sanitize_server(dc_client *c, char *out, size_t outsz, const char *in,
                         size_t len, size_t max)
{
  const struct dci_secrets *set = dci_secrets_current(c);
  if (set == NULL || set->n == 0 || len == 0) {
    dci_sanitize(out, outsz, in, len, max);
    return;
  }
  char *copy = malloc(len);
  if (copy == NULL) {
    dci_sanitize(out, outsz, "(withheld)", 10, max);
    return;
  }
  memcpy(copy, in, len);
  (void)dci_mask_texts(set, &copy, &len, 1);
  dci_sanitize(out, outsz, copy, len, max);
  dci_wipe(copy, len);
  free(copy);
}
