/* Fuzz target: the DNSSEC trust anchor parser (dci_ta_parse_text, which
 * dc_client_add_trust_anchor_file and the default root key file use;
 * docs/security.md §8.3). Invariants checked with abort():
 *   - on failure the list is left as it was (no anchor from a file with a
 *     bad line), and a bad line's number is within the input;
 *   - every accepted anchor is "OWNER. DS|DNSKEY RDATA" of printable ASCII,
 *     at most DC_MAX_TRUST_ANCHOR_LINE bytes, whose owner is the stored
 *     owner (lower case, no trailing dot), and it parses again to itself;
 *   - never more than DC_MAX_TRUST_ANCHORS anchors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/anchors.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_anchor(const char *rr, const char *owner)
{
  size_t n = strlen(rr);
  if (n == 0 || n > DC_MAX_TRUST_ANCHOR_LINE) abort();
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)rr[i] < 0x20 || (unsigned char)rr[i] > 0x7e) abort();
  size_t on = strlen(owner);
  if (on == 0 ? rr[0] != '.' : (strncmp(rr, owner, on) != 0 || rr[on] != '.')) abort();
  for (size_t i = 0; i < on; i++)
    if (owner[i] >= 'A' && owner[i] <= 'Z') abort();
  const char *type = rr + (on == 0 ? 1 : on + 1);
  if (strncmp(type, " DS ", 4) != 0 && strncmp(type, " DNSKEY ", 8) != 0) abort();
  char *again = malloc(DC_MAX_TRUST_ANCHOR_LINE + 1);
  char o2[DC_MAX_NAME_LEN + 1];
  bool empty = true;
  const char *why = NULL;
  if (again == NULL) return;
  if (dci_ta_parse_line(rr, n, again, o2, &empty, &why) != DC_OK || empty ||
      strcmp(again, rr) != 0 || strcmp(o2, owner) != 0)
    abort();
  free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > DC_MAX_TRUST_ANCHOR_FILE) return 0;
  char *copy = NULL;
  dc_client *c = NULL;
  if (!fuzz_begin(data, size, &copy, &c)) return 0;
  struct dci_ta_list l = {0};
  size_t line_no = 0;
  const char *why = NULL;
  dc_status st = dci_ta_parse_text(copy, size, &l, &line_no, &why);
  if (st == DC_OK) {
    if (l.n == 0 || l.n > DC_MAX_TRUST_ANCHORS || line_no != 0) abort();
    for (size_t i = 0; i < l.n; i++) check_anchor(l.rr[i], l.owner[i]);
  } else {
    if (l.n != 0 || why == NULL || why[0] == '\0') abort();
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += copy[i] == '\n';
    if (line_no > lines) abort();
  }
  dci_ta_list_free(&l);
  fuzz_end(copy, c);
  return 0;
}
