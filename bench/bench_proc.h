/* What the bench tools measure about themselves: the peak RSS of the process
 * and a monotonic clock. */
#ifndef BENCH_PROC_H
#define BENCH_PROC_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_num.h"

/* Peak RSS of this process image (VmHWM). Not getrusage's ru_maxrss: Linux
 * keeps that across execve, so it would report the parent's (Python's)
 * peak when the parent was larger. */
static inline long peak_rss_kb(void)
{
  char l[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(l, sizeof l, f))
    if (strncmp(l, "VmHWM:", 6) == 0) kb = bench_leading_long(l + 6);
  fclose(f);
  return kb;
}

/* CLOCK_MONOTONIC in seconds. */
static inline double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
