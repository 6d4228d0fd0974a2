/* Fuzz target: dc_callback_parse (OAuth callback query). The input and the
 * invariants shared with fuzz_sync_return.c: fuzz_return.h. Its own,
 * checked with abort():
 *   - a code exactly for DC_OK, 1..DC_MAX_TOKEN_LEN printable ASCII bytes;
 *   - every provider outcome carries an error. */
#include <stdint.h>
#include <stdlib.h>

#include "core/limits.h"
#include "fuzz_return.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_callback(dc_status st, const dc_callback *cb)
{
  const char *code = dc_callback_code(cb);
  if ((st == DC_OK) != (code != NULL)) abort();
  if (code != NULL && code[0] == '\0') abort();
  fuzz_check_text(code, DC_MAX_TOKEN_LEN);
  if (st != DC_OK && dc_callback_error(cb) == NULL) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return fuzz_return_run(data, size, dc_callback_parse, check_callback);
}
