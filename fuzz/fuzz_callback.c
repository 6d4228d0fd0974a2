/* Fuzz target: dc_callback_parse (OAuth callback query).
 * Byte 0 selects the expected state (bit 0: "fuzz-state", else NULL); the
 * rest is the query. Invariants checked with abort():
 *   - *out is set exactly for DC_OK and the three provider outcomes;
 *   - a code is 1..DC_MAX_TOKEN_LEN printable ASCII bytes;
 *   - error / error_description are printable ASCII, at most 256 bytes;
 *   - with an expected state, a returned state equals it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "domainconnect/oauth.h"

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
  dc_status st = dc_callback_parse(c, q, size - 1, expected, &cb);
  int sets = st == DC_OK || st == DC_E_USER_CANCEL || st == DC_E_ACCESS_DENIED ||
             st == DC_E_PROVIDER_ERROR;
  if (sets != (cb != NULL)) abort();
  if (cb != NULL) {
    const char *code = dc_callback_code(cb);
    if ((st == DC_OK) != (code != NULL)) abort();
    if (code != NULL && (code[0] == '\0')) abort();
    check_text(code, DC_MAX_TOKEN_LEN);
    check_text(dc_callback_error(cb), 256);
    check_text(dc_callback_error_description(cb), 256);
    if ((st != DC_OK) && dc_callback_error(cb) == NULL) abort();
    if (expected != NULL && strcmp(dc_callback_state(cb), expected) != 0) abort();
  }
  if (st != DC_OK && dc_client_error(c)[0] == '\0') abort();
  dc_callback_free(cb);
  dc_client_free(c);
  free(q);
  return 0;
}
