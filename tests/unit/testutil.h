/* Shared helpers for the cmocka suites. */
#ifndef DC_TESTUTIL_H
#define DC_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domainconnect/dc.h"

/* Reads a whole file into a NUL-terminated buffer (free()); fails the test
 * if it cannot. *len may be NULL. */
char *tu_read_file(const char *path, size_t *len);
/* Path under tests/data: static buffer. */
const char *tu_data(const char *rel);
/* Asserts a status equals the expected one, printing both names. */
#define assert_status(got, want)                                               \
  do {                                                                         \
    dc_status g_ = (got), w_ = (want);                                         \
    if (g_ != w_) fail_msg("status %s, expected %s", dc_status_name(g_),       \
                           dc_status_name(w_));                                \
  } while (0)
#endif
