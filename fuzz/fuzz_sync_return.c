/* Fuzz target: dc_sync_return_parse (the synchronous flow's return query,
 * docs/protocol.md §2.5).
 * Byte 0 selects the expected state (bit 0: "fuzz-state", else NULL); the
 * rest is the query. Invariants checked with abort():
 *   - *out is set exactly for DC_OK and the three provider outcomes;
 *   - there is never a code;
 *   - DC_OK carries no error, the other outcomes carry one;
 *   - error / error_description are printable ASCII, at most 256 bytes;
 *   - with an expected state, a returned state equals it;
 *   - every failure leaves a detail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domainconnect/oauth.h"
#include "domainconnect/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t max)
{
  if (s == NULL) return;
  size_t n = strlen(s);
  if (n > max) abort();
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char k_state[] = "fuzz-state";
  if (size < 1) return 0;
  const char *expected = (data[0] & 1) ? k_state : NULL;
  /* copy so that reads past `size` are caught by ASan */
  char *q = malloc(size - 1 ? size - 1 : 1);
  if (q == NULL) return 0;
  memcpy(q, data + 1, size - 1);

  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) { free(q); return 0; }
  dc_callback *cb = NULL;
  dc_status st = dc_sync_return_parse(c, q, size - 1, expected, &cb);
  int sets = st == DC_OK || st == DC_E_USER_CANCEL || st == DC_E_ACCESS_DENIED ||
             st == DC_E_PROVIDER_ERROR;
  if (sets != (cb != NULL)) abort();
  if (cb != NULL) {
    if (dc_callback_code(cb) != NULL) abort();
    if ((st == DC_OK) != (dc_callback_error(cb) == NULL)) abort();
    check_text(dc_callback_error(cb), 256);
    check_text(dc_callback_error_description(cb), 256);
    if (expected != NULL && strcmp(dc_callback_state(cb), expected) != 0) abort();
  }
  if (st != DC_OK && dc_client_error(c)[0] == '\0') abort();
  dc_callback_free(cb);
  dc_client_free(c);
  free(q);
  return 0;
}
