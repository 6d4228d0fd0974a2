/* What the fuzz targets of the two return queries share (fuzz_callback.c:
 * dc_callback_parse, the OAuth callback; fuzz_sync_return.c:
 * dc_sync_return_parse, the synchronous flow's return). Both take one input
 * the same way, byte 0 selecting the expected state (bit 0: "fuzz-state",
 * else NULL) and the rest the query (a heap copy, fuzz_input.h), and both
 * hold these invariants, checked with abort():
 *   - *out is set exactly for DC_OK and the three provider outcomes;
 *   - error / error_description are printable ASCII, at most 256 bytes;
 *   - with an expected state, a returned state equals it;
 *   - every failure leaves a detail.
 * What differs per parser (the code) is the target's own check. */
#ifndef DC_FUZZ_RETURN_H
#define DC_FUZZ_RETURN_H

#include "fuzz_input.h"

#include "domainconnect/oauth.h"

typedef dc_status (*fuzz_return_parse)(dc_client *c, const char *query, size_t len,
                                       const char *expected_state, dc_callback **out);
/* The target's own invariants on a result (cb not NULL); abort() on a
 * breach. */
typedef void (*fuzz_return_check)(dc_status st, const dc_callback *cb);

/* s (when not NULL) is at most max printable ASCII bytes, else abort(). */
static inline void fuzz_check_text(const char *s, size_t max)
{
  if (s == NULL) return;
  size_t n = strlen(s);
  if (n > max) abort();
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) abort();
}

/* One input through parse, the shared invariants and then check. */
static inline int fuzz_return_run(const uint8_t *data, size_t size, fuzz_return_parse parse,
                                  fuzz_return_check check)
{
  static const char k_state[] = "fuzz-state";
  if (size < 1) return 0;
  const char *expected = (data[0] & 1) ? k_state : NULL;
  char *q = NULL;
  dc_client *c = NULL;
  if (!fuzz_begin(data + 1, size - 1, &q, &c)) return 0;
  dc_callback *cb = NULL;
  dc_status st = parse(c, q, size - 1, expected, &cb);
  bool sets = st == DC_OK || st == DC_E_USER_CANCEL || st == DC_E_ACCESS_DENIED ||
              st == DC_E_PROVIDER_ERROR;
  if (sets != (cb != NULL)) abort();
  if (cb != NULL) {
    check(st, cb);
    fuzz_check_text(dc_callback_error(cb), 256);
    fuzz_check_text(dc_callback_error_description(cb), 256);
    if (expected != NULL && strcmp(dc_callback_state(cb), expected) != 0) abort();
  }
  if (st != DC_OK && dc_client_error(c)[0] == '\0') abort();
  dc_callback_free(cb);
  fuzz_end(q, c);
  return 0;
}

#endif
