/* Fuzz target: dc_sync_return_parse (the synchronous flow's return query,
 * docs/protocol.md §2.5). The input and the invariants shared with
 * fuzz_callback.c: fuzz_return.h. Its own, checked with abort():
 *   - there is never a code;
 *   - DC_OK carries no error, the other outcomes carry one. */
#include <stdint.h>
#include <stdlib.h>

#include "domainconnect/request.h"
#include "fuzz_return.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sync_return(dc_status st, const dc_callback *cb)
{
  if (dc_callback_code(cb) != NULL) abort();
  if ((st == DC_OK) != (dc_callback_error(cb) == NULL)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return fuzz_return_run(data, size, dc_sync_return_parse, check_sync_return);
}
