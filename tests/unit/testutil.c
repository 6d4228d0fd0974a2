#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

char *tu_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) fail_msg("cannot open %s", path);
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      buf = realloc(buf, cap);
      if (buf == NULL) fail_msg("out of memory");
    }
    size_t r = fread(buf + n, 1, 4096, f);
    if (r == 0) break;
    n += r;
  }
  fclose(f);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

const char *tu_data(const char *rel)
{
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", DC_TEST_DATA_DIR, rel);
  return path;
}
