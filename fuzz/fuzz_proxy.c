/* Fuzz target: the proxy URL parser (dc_client_set_proxy; docs/security.md
 * §2.9). Invariants checked with abort():
 *   - an accepted URL leaves a canonical "http://ADDR:PORT" (IPv6 in
 *     brackets) without userinfo, at most 64 bytes, that is accepted again
 *     and gives itself back;
 *   - user and password hold printable ASCII only, a password never
 *     without a user;
 *   - a refused URL is never quoted in the detail (it may hold a password);
 *   - a refused URL leaves the previous proxy in place. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "domainconnect/net.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; s != NULL && *p; p++)
    if (*p < 0x20 || *p >= 0x7f) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > DC_MAX_PROXY_URL + 64) return 0;
  char *copy = NULL;
  dc_client *c = NULL;
  if (!fuzz_begin(data, size, &copy, &c)) return 0;
  char *url = malloc(size + 1);
  if (url == NULL) goto out;
  memcpy(url, data, size);
  url[size] = '\0';
  if (dc_client_set_proxy(c, "http://192.0.2.1:9") != DC_OK) abort();
  dc_status st = dc_client_set_proxy(c, url);
  const struct dci_config *cfg = c->cfg;
  if (st == DC_OK) {
    if (cfg->proxy_url != NULL) {
      char *kept = dci_strdup(cfg->proxy_url);
      if (kept == NULL) goto out_url;
      if (strncmp(kept, "http://", 7) != 0 || strlen(kept) > 64 || strchr(kept, '@')) abort();
      printable(cfg->proxy_user);
      printable(cfg->proxy_pass);
      if (cfg->proxy_pass != NULL && cfg->proxy_user == NULL) abort();
      if (dc_client_set_proxy(c, kept) != DC_OK || strcmp(cfg->proxy_url, kept) != 0) abort();
      free(kept);
    } else if (size > 0 && url[0] != '\0') {
      abort();
    }
  } else {
    if (cfg->proxy_url == NULL || strcmp(cfg->proxy_url, "http://192.0.2.1:9") != 0) abort();
    /* the detail names the rule, never the URL */
    if (size >= 12 && strstr(dc_client_error(c), url) != NULL) abort();
  }
out_url:
  free(url);
out:
  fuzz_end(copy, c);
  return 0;
}
