/* Number arguments of the bench tools, parsed with strtol/strtod and every
 * check (atoi/atol/atof are banned: tests/support/check_banned.sh). */
#ifndef BENCH_NUM_H
#define BENCH_NUM_H

#include <errno.h>
#include <stdlib.h>

/* The whole of s as a decimal long; `bad` when s is empty, has anything
 * after the number or is out of range. */
static inline long bench_long_or(const char *s, long bad)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  return end == s || *end != '\0' || errno != 0 ? bad : v;
}

/* The same for a floating-point number (as strtod reads it). */
static inline double bench_double_or(const char *s, double bad)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  return end == s || *end != '\0' || errno != 0 ? bad : v;
}

/* The number that starts s (after blanks), as in "VmHWM:   1234 kB" past
 * the colon; -1 when there is none or it is out of range. */
static inline long bench_leading_long(const char *s)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  return end == s || errno != 0 ? -1 : v;
}

#endif
