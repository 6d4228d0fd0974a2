/* Fuzzes signature verification with untrusted input:
 * (a) the whole input as a received query string for dc_verify_query,
 *     checked against the published demo key's TXT records;
 * (b) the input split on its first newline: the first line is a base64
 *     signature over a fixed signed string, every following line one
 *     public-key TXT record, for dc_verify_signature. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domainconnect/dc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Public half of the Domain Connect demo key (_dck1.exampleservice.
 * domainconnect.org), as the spec example publishes it. Public data. */
static const char *const k_demo_records[] = {
  "p=1,a=RS256,d=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA18SgvpmeasN4BHkkv0SBjAzIc4grYLjiAXRtNiBUiGUDMeTzQrKTsWvy9NuxU1dIHCZy9o1CrKNg5EzLIZLNyMfI6qiXnM+HMd4byp97zs/3D39Q8iR5poubQcRaGozWx8yQpG0OcVdmEVcTfy",
  "p=2,a=RS256,d=R/XSEWC5u16EBNvRnNAOAvZYUdWqVyQvXsjnxQot8KcK0QP8iHpoL/1dbdRy2opRPQ2FdZpovUgknybq/6FkeDtW7uCQ6Mvu4QxcUa3+WP9nYHKtgWip/eFxpeb+qLvcLHf1h0JXtxLVdyy6OLk3f2JRYUX2ZZVDvG3biTpeJz6iRzjGg6MfGxXZHjI8",
  "p=3,a=RS256,d=weDjXrJwIDAQAB",
};

/* The spec example's signed string (its signature verifies with the key). */
static const char k_signed[] = "a=1&b=2&ip=10.10.10.10&domain=example.net";

#define MAX_LINES 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 70000) return 0; /* beyond every input limit; keep runs fast */
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return 0;

  /* (a) raw query bytes (embedded NULs included). Any status is a valid
   * outcome here: the target looks for crashes, so the statuses are
   * dropped ((void)! because GCC ignores a plain (void) on DC_WUR). */
  (void)!dc_verify_query(c, (const char *)data, size, "_dck1", k_demo_records, 3);
  (void)!dc_verify_query(c, (const char *)data, size, NULL, k_demo_records, 3);

  /* (b) signature line + record lines, as C strings. */
  char *copy = malloc(size + 1);
  if (copy != NULL) {
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *lines[MAX_LINES];
    size_t n = 0;
    char *sig = copy;
    char *p = memchr(copy, '\n', size);
    if (p != NULL) {
      *p++ = '\0';
      while (n < MAX_LINES) {
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (nl == NULL) break;
        *nl = '\0';
        p = nl + 1;
      }
    }
    /* any status is a valid outcome (see (a)) */
    (void)!dc_verify_signature(c, k_signed, sizeof k_signed - 1, sig, lines, n);
    /* and the same signature against the genuine records */
    (void)!dc_verify_signature(c, k_signed, sizeof k_signed - 1, sig, k_demo_records, 3);
    free(copy);
  }
  (void)dc_client_error(c);
  dc_client_free(c);
  return 0;
}
