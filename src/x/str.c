/* Bytes and strings (x/str.h). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "x/str.h"

char *dcx_strndup(const char *s, size_t n)
{
  char *p = malloc(n + 1);
  if (p == NULL) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *dcx_strdup(const char *s)
{
  return s ? dcx_strndup(s, strlen(s)) : NULL;
}

bool dcx_streq_nocase(const char *a, const char *b)
{
  if (a == NULL || b == NULL) return a == b;
  for (;; a++, b++) {
    if (dcx_lower((unsigned char)*a) != dcx_lower((unsigned char)*b)) return false;
    if (*a == '\0') return true;
  }
}

void dcx_wipe(void *p, size_t n)
{
  if (p != NULL && n > 0) explicit_bzero(p, n);
}

void dcx_free_secret(char *s)
{
  if (s == NULL) return;
  dcx_wipe(s, strlen(s));
  free(s);
}

bool dcx_parse_long(const char *s, long min, long max, long *out)
{
  if (s == NULL) return false;
  bool neg = s[0] == '-' && min < 0;
  const char *p = neg ? s + 1 : s;
  /* the magnitude, in unsigned arithmetic so that LONG_MIN fits */
  unsigned long lim = neg ? (unsigned long)LONG_MAX + 1ul : (unsigned long)LONG_MAX;
  unsigned long v = 0;
  if (*p == '\0') return false;
  for (; *p != '\0'; p++) {
    if (!dcx_is_digit((unsigned char)*p)) return false;
    unsigned d = (unsigned)(*p - '0');
    if (v > (lim - d) / 10) return false;
    v = v * 10 + d;
  }
  long n = neg ? (v == lim ? LONG_MIN : -(long)v) : (long)v;
  if (n < min || n > max) return false;
  *out = n;
  return true;
}
