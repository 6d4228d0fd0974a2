/* Fuzz target: the _domainconnect TXT value parser and RR selection.
 * The input is parsed once as one value; then it is cut into RRs at '\n'
 * and each RR into character-strings at '|' for dc_txt_select(). Any value
 * that is accepted must be a fixed point of the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domainconnect/dc.h"

#define MAX_RRS 20     /* a few over DC_MAX_TXT_RRS, to reach the limit */
#define MAX_STRINGS 8

static void check_fixed_point(dc_client *c, const char *value)
{
  char *again = NULL;
  if (dc_txt_value_parse(c, value, strlen(value), &again) != DC_OK ||
      strcmp(again, value) != 0)
    abort();
  dc_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return 0;
  const char *text = (const char *)data;

  char *out = NULL;
  if (dc_txt_value_parse(c, text, size, &out) == DC_OK) {
    check_fixed_point(c, out);
    dc_free(out);
    out = NULL;
  }

  /* Split into RRs and strings (pointers into the input, no copies). */
  static const char *strings[MAX_RRS][MAX_STRINGS];
  static size_t lens[MAX_RRS][MAX_STRINGS];
  dc_txt_rr rrs[MAX_RRS];
  size_t n = 0, pos = 0;
  while (pos <= size && n < MAX_RRS) {
    size_t end = pos;
    while (end < size && text[end] != '\n') end++;
    size_t k = 0, sp = pos;
    while (k < MAX_STRINGS) {
      size_t se = sp;
      while (se < end && text[se] != '|') se++;
      strings[n][k] = text + sp;
      lens[n][k] = se - sp;
      k++;
      if (se >= end) break;
      sp = se + 1;
    }
    rrs[n].strings = strings[n];
    rrs[n].lens = lens[n];
    rrs[n].count = k;
    n++;
    pos = end + 1;
  }
  if (dc_txt_select(c, rrs, n, &out) == DC_OK) {
    check_fixed_point(c, out);
    dc_free(out);
  }
  (void)dc_client_error(c);
  dc_client_free(c);
  return 0;
}
