/* What the fuzz targets that parse one document share: the input as a heap
 * copy of exactly `size` bytes (no NUL after it), so that a read past the
 * end is caught by ASan, and a client for the details. */
#ifndef DC_FUZZ_INPUT_H
#define DC_FUZZ_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domainconnect/common.h"

/* *copy and *c, or false (the input is skipped) when either cannot be made. */
static inline bool fuzz_begin(const uint8_t *data, size_t size, char **copy, dc_client **c)
{
  *c = NULL;
  *copy = malloc(size ? size : 1);
  if (*copy == NULL) return false;
  memcpy(*copy, data, size);
  if (dc_client_new(c) == DC_OK) return true;
  free(*copy);
  return false;
}

static inline void fuzz_end(char *copy, dc_client *c)
{
  dc_client_free(c);
  free(copy);
}

#endif
