/* Fuzz target: dc_token_parse_response, dc_token_from_json (refresh-only
 * documents too) and dc_token_from_json_api.
 * Whatever parses must survive to_json -> from_json -> to_json with the same
 * getters and byte-identical JSON (abort() otherwise). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domainconnect/oauth.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
  if (a == NULL || b == NULL) return a == b;
  return strcmp(a, b) == 0;
}

static void round_trip(const dc_token *t)
{
  char *s1 = NULL, *s2 = NULL;
  dc_token *t2 = NULL;
  if (dc_token_access_token(t) == NULL) {
    /* a refresh-only token: always expired, never stored */
    if (dc_token_refresh_token(t) == NULL || dc_token_api_url(t) == NULL) abort();
    if (!dc_token_expired(t, 0, 0)) abort();
    if (dc_token_to_json(t, &s1) != DC_E_INVALID_ARG || s1 != NULL) abort();
    return;
  }
  if (dc_token_to_json(t, &s1) != DC_OK) abort();
  if (dc_token_from_json(NULL, s1, strlen(s1), &t2) != DC_OK) abort();
  if (!same(dc_token_access_token(t), dc_token_access_token(t2)) ||
      !same(dc_token_refresh_token(t), dc_token_refresh_token(t2)) ||
      !same(dc_token_api_url(t), dc_token_api_url(t2)) ||
      !same(dc_token_provider_id(t), dc_token_provider_id(t2)) ||
      dc_token_issued_at(t) != dc_token_issued_at(t2) ||
      dc_token_expires_at(t) != dc_token_expires_at(t2))
    abort();
  if (dc_token_to_json(t2, &s2) != DC_OK) abort();
  if (strcmp(s1, s2) != 0) abort();
  if (!dc_token_expired(t, dc_token_expires_at(t), 0)) abort();
  if (dc_token_expired(t, dc_token_issued_at(t), 0)) abort();
  free(s1);
  free(s2);
  dc_token_free(t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *j = NULL;
  dc_client *c = NULL;
  if (!fuzz_begin(data, size, &j, &c)) return 0;

  dc_token *t = NULL;
  dc_status st = dc_token_parse_response(c, j, size, "https://api.provider.test/v2",
                                         "provider.test", (time_t)1700000000, &t);
  if ((st == DC_OK) != (t != NULL)) abort();
  if (t != NULL) round_trip(t);
  dc_token_free(t);

  t = NULL;
  st = dc_token_from_json(c, j, size, &t);
  if ((st == DC_OK) != (t != NULL)) abort();
  if (t != NULL) round_trip(t);
  dc_token_free(t);

  t = NULL;
  st = dc_token_from_json_api(c, j, size, "https://api.provider.test", &t);
  if ((st == DC_OK) != (t != NULL)) abort();
  if (t != NULL) round_trip(t);
  dc_token_free(t);

  fuzz_end(j, c);
  return 0;
}
