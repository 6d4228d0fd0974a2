/* Fuzz target: the https URL rules (dci_check_https_url, both query modes)
 * and the strict address parser (dci_addr_parse). Invariants checked with
 * abort():
 *   - an accepted URL is canonical: printable ASCII, "https://" then a
 *     non-empty authority without '@', '\\', '%', ':' (no port left),
 *     '[' or ']'; lower-case host without a trailing dot; no '#'; no '?'
 *     unless queries are allowed; at most DC_MAX_URL_LEN bytes; and checking
 *     it again gives the same string;
 *   - a parsed address has a family, is classified, and formatting it then
 *     parsing the text gives the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "domainconnect/dc.h"
#include "guard/addr.h"
#include "guard/url_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (DC_MAX_URL_LEN + 64) /* a little past the cap */

static void check_canonical(dc_client *c, const char *u, bool allow_query)
{
  static const char k_prefix[] = "https://";
  const size_t plen = sizeof k_prefix - 1;
  size_t len = strlen(u);
  if (len > DC_MAX_URL_LEN || len <= plen) abort();
  if (memcmp(u, k_prefix, plen) != 0) abort();
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)u[i];
    if (ch <= 0x20 || ch >= 0x7f || ch == '\\' || ch == '#') abort();
  }
  if (!allow_query && strchr(u, '?') != NULL) abort();
  const char *auth = u + plen;
  size_t alen = strcspn(auth, "/?");
  if (alen == 0 || auth[alen - 1] == '.') abort();
  for (size_t i = 0; i < alen; i++) {
    unsigned char ch = (unsigned char)auth[i];
    if (ch == '@' || ch == '%' || ch == ':' || ch == '[' || ch == ']') abort();
    if (ch >= 'A' && ch <= 'Z') abort();
  }
  char *again = NULL;
  if (dci_check_https_url(c, "fuzz", u, allow_query, &again) != DC_OK) abort();
  if (strcmp(again, u) != 0) abort();
  free(again);
}

static void check_addr(const char *text)
{
  dci_addr a, b;
  if (!dci_addr_parse(text, &a)) return;
  if (a.family != AF_INET && a.family != AF_INET6) abort();
  const char *why = dci_addr_problem(&a);
  char reason[200], fmt[64];
  dci_addr_reason(&a, why, reason, sizeof reason);
  dci_addr_format(&a, fmt, sizeof fmt);
  if (!dci_addr_parse(fmt, &b) || !dci_addr_equal(&a, &b)) abort();
  if (memcmp(a.b, b.b, sizeof a.b) != 0) abort();
  if (dci_addr_problem(&b) != why) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > MAX_INPUT) size = MAX_INPUT;
  char *text = malloc(size + 1);
  if (text == NULL) return 0;
  memcpy(text, data, size);
  text[size] = '\0'; /* an embedded NUL ends the string, as in C callers */

  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) {
    free(text);
    return 0;
  }
  for (int q = 0; q < 2; q++) {
    char *canon = NULL;
    dc_status st = dci_check_https_url(c, "fuzz", text, q == 1, &canon);
    if (st == DC_OK) {
      if (canon == NULL) abort();
      check_canonical(c, canon, q == 1);
      free(canon);
    } else if (canon != NULL) {
      abort();
    }
  }
  (void)dc_client_error(c);
  check_addr(text);
  dc_client_free(c);
  free(text);
  return 0;
}
