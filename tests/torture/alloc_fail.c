/* Allocation-failure injection for the torture test (tests/torture/torture.c).
 *
 * The torture executable is linked with -Wl,--wrap=malloc,... so that every
 * allocation made by the library's own objects (linked statically) and by
 * jansson (through json_set_alloc_funcs) comes through here. While a run is
 * being tracked, each allocation gets a number; the one numbered `fail_at`
 * returns NULL, and every pointer handed out is remembered until it is
 * freed, so the driver can tell a leak from the live set after the run.
 * Allocations made by other shared libraries (libc internals, OpenSSL,
 * libcurl, c-ares) are not counted: they are not ours to handle.
 * jansson's allocations are tracked (a json_t the library forgets to
 * release shows as a leak) but never failed: jansson 2.14's lexer aborts
 * on an assertion (load.c, lex_scan_string) when some of its allocations
 * fail, which no caller can handle. */
#include "alloc_fail.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* Live pointers of the tracked run: open addressing, no deletion holes
 * (a freed slot holds TOMBSTONE). Big enough for any one parser call. */
#define LIVE_SLOTS (1u << 18)
#define TOMBSTONE ((void *)(uintptr_t)1)
static void *live[LIVE_SLOTS];
static size_t live_count;

static struct {
  bool tracking;
  unsigned long count;   /* allocations numbered so far in this run */
  unsigned long fail_at; /* 0: none fails */
  bool failed;           /* the numbered allocation did fail */
  bool in_json;          /* inside torture_json_malloc */
  bool overflow;         /* the live table was full: leak check invalid */
} st;

static size_t slot_of(const void *p)
{
  uintptr_t h = (uintptr_t)p;
  h ^= h >> 17;
  h *= 0x9e3779b97f4a7c15ull;
  return (size_t)(h >> 20) & (LIVE_SLOTS - 1);
}

static void live_add(void *p)
{
  if (p == NULL) return;
  if (live_count + 1 >= LIVE_SLOTS / 2) {
    st.overflow = true;
    return;
  }
  size_t i = slot_of(p);
  while (live[i] != NULL && live[i] != TOMBSTONE) i = (i + 1) & (LIVE_SLOTS - 1);
  live[i] = p;
  live_count++;
}

static void live_del(void *p)
{
  if (p == NULL || live_count == 0) return;
  size_t i = slot_of(p);
  for (size_t probes = 0; live[i] != NULL && probes < LIVE_SLOTS; probes++) {
    if (live[i] == p) {
      live[i] = TOMBSTONE;
      live_count--;
      return;
    }
    i = (i + 1) & (LIVE_SLOTS - 1);
  }
  /* not ours: allocated before tracking began, or by an unwrapped allocator */
}

/* True when this allocation is the one to fail. */
static bool numbered_fails(void)
{
  if (!st.tracking || st.in_json) return false;
  st.count++;
  if (st.fail_at != 0 && st.count == st.fail_at) {
    st.failed = true;
    return true;
  }
  return false;
}

void *__wrap_malloc(size_t n)
{
  if (numbered_fails()) return NULL;
  void *p = __real_malloc(n);
  if (st.tracking) live_add(p);
  return p;
}

void *__wrap_calloc(size_t n, size_t m)
{
  if (numbered_fails()) return NULL;
  void *p = __real_calloc(n, m);
  if (st.tracking) live_add(p);
  return p;
}

void *__wrap_realloc(void *p, size_t n)
{
  if (p == NULL) return __wrap_malloc(n);
  if (numbered_fails()) return NULL; /* p stays valid, as realloc promises */
  void *q = __real_realloc(p, n);
  if (q != NULL && st.tracking) {
    live_del(p);
    live_add(q);
  }
  return q;
}

void __wrap_free(void *p)
{
  if (p == NULL) return;
  if (st.tracking) live_del(p);
  __real_free(p);
}

char *__wrap_strdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = __wrap_malloc(n);
  if (p != NULL) memcpy(p, s, n);
  return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
  size_t len = strnlen(s, n);
  char *p = __wrap_malloc(len + 1);
  if (p != NULL) {
    memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}

void *torture_json_malloc(size_t n)
{
  st.in_json = true;
  void *p = __wrap_malloc(n);
  st.in_json = false;
  return p;
}
void torture_json_free(void *p) { __wrap_free(p); }

void torture_begin(unsigned long fail_at)
{
  memset(live, 0, sizeof live);
  live_count = 0;
  st.tracking = true;
  st.count = 0;
  st.fail_at = fail_at;
  st.failed = false;
  st.overflow = false;
}

struct torture_run torture_end(void)
{
  struct torture_run r = {st.count, st.failed, live_count, st.overflow};
  st.tracking = false;
  return r;
}
