/* Fuzz target: dc_conflicts_parse (409 body). Checks that every record
 * reads back with a type and non-NULL host/data, within the record limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "domainconnect/oauth.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *j = NULL;
  dc_client *c = NULL;
  if (!fuzz_begin(data, size, &j, &c)) return 0;
  dc_conflicts *cf = NULL;
  dc_status st = dc_conflicts_parse(c, j, size, &cf);
  if ((st == DC_OK) != (cf != NULL)) abort();
  if (cf != NULL) {
    size_t n = dc_conflicts_count(cf);
    if (n > DC_MAX_CONFLICT_RECORDS) abort();
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
      const char *ty = dc_conflicts_type(cf, i), *h = dc_conflicts_host(cf, i),
                 *d = dc_conflicts_data(cf, i);
      if (ty == NULL || h == NULL || d == NULL) abort();
      total += strlen(ty) + strlen(h) + strlen(d);
    }
    if (dc_conflicts_type(cf, n) != NULL) abort();
    if (dc_conflicts_code(cf) != NULL) total += strlen(dc_conflicts_code(cf));
    if (dc_conflicts_message(cf) != NULL) total += strlen(dc_conflicts_message(cf));
    if (total > size) abort(); /* nothing is invented */
  } else if (dc_client_error(c)[0] == '\0') {
    abort();
  }
  dc_conflicts_free(cf);
  fuzz_end(j, c);
  return 0;
}
