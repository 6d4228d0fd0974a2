/* Number arguments of the bench tools: whole numbers by the shared tier's
 * parser (x/str.h), the rest with strtol/strtod and every check
 * (atoi/atol/atof are banned: tests/support/check_banned.sh). */
#ifndef BENCH_NUM_H
#define BENCH_NUM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "x/str.h"

/* The whole of s as a decimal long (dcx_parse_long); `bad` when it is not
 * one or is out of range. */
static inline long bench_long_or(const char *s, long bad)
{
  long v = 0;
  return dcx_parse_long(s, LONG_MIN, LONG_MAX, &v) ? v : bad;
}

/* The same for a floating-point number (as strtod reads it). */
static inline double bench_double_or(const char *s, double bad)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  return end == s || *end != '\0' || errno != 0 ? bad : v;
}

/* The arguments of the blasters (dnsblast, httpsblast): `fixed` required
 * ones (argv[0] counted; fewer: `usage` on stderr and false), then the
 * optional [COUNT] [SECONDS] [N], each left at the caller's default when
 * absent and 0 when it is not a number (for the caller's range check). */
static inline bool bench_blast_args(int argc, char **argv, int fixed, const char *usage,
                                    long *count, double *seconds, long *n)
{
  if (argc < fixed) {
    fprintf(stderr, "%s\n", usage);
    return false;
  }
  if (argc > fixed) *count = bench_long_or(argv[fixed], 0);
  if (argc > fixed + 1) *seconds = bench_double_or(argv[fixed + 1], 0);
  if (argc > fixed + 2) *n = bench_long_or(argv[fixed + 2], 0);
  return true;
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
