/* Allocation-failure injection for the torture test: see alloc_fail.c. */
#ifndef DC_TORTURE_ALLOC_FAIL_H
#define DC_TORTURE_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>

struct torture_run {
  unsigned long allocations; /* numbered allocations the run made */
  bool failed;               /* the allocation numbered fail_at returned NULL */
  size_t leaked;             /* pointers allocated in the run and still live */
  bool overflow;             /* too many live pointers to track: no verdict */
};

/* Starts a tracked run in which allocation number fail_at (1-based) fails;
 * 0 counts without failing. */
void torture_begin(unsigned long fail_at);
struct torture_run torture_end(void);

/* For json_set_alloc_funcs: jansson's allocations are tracked for leaks,
 * never failed (see alloc_fail.c). */
void *torture_json_malloc(size_t n);
void torture_json_free(void *p);

#endif
