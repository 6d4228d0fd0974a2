#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/internal.h"
#include "domainconnect/net.h"

void dci_sanitize(char *out, size_t outsz, const char *in, size_t len, size_t max)
{
  if (outsz == 0) return;
  size_t o = 0;
  size_t lim = len < max ? len : max;
  for (size_t i = 0; i < lim && o + 1 < outsz; i++) {
    unsigned char ch = (unsigned char)in[i];
    out[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
  }
  if (len > max) {
    for (int k = 0; k < 3 && o + 1 < outsz; k++) out[o++] = '.';
  }
  out[o] = '\0';
}

bool dci_consttime_eq(const void *a, size_t alen, const void *b, size_t blen)
{
  if (alen != blen) return false;
  return CRYPTO_memcmp(a, b, alen) == 0;
}

dc_status dci_pct_decode(const char *s, size_t len, bool plus_space, size_t max,
                         char **out)
{
  *out = NULL;
  if (len > max * 3) return DC_E_LIMIT;
  char *p = NULL;
  enum dcx_err e = dcx_pct_decode(s, len, plus_space, &p);
  if (e != DCX_OK) return e == DCX_ENOMEM ? DC_E_NOMEM : DC_E_INVALID_PARAM;
  if (strlen(p) > max) {
    dci_free_secret(p);  /* the value may be a secret (an OAuth code) */
    return DC_E_LIMIT;
  }
  *out = p;
  return DC_OK;
}

DC_API void dc_free(void *ptr) { free(ptr); }

DC_API void dc_strv_free(char **strv)
{
  if (strv == NULL) return;
  for (char **p = strv; *p != NULL; p++) free(*p);
  free(strv);
}
