#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>
#include <openssl/crypto.h>

#include "core/internal.h"
#include "domainconnect/net.h"

dc_status dci_fail(dc_client *c, dc_status st, const char *fmt, ...)
{
  if (c != NULL) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    if (n < 0) c->err[0] = '\0';
  }
  return st;
}

void dci_clear(dc_client *c)
{
  if (c != NULL) c->err[0] = '\0';
}

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

bool dci_streq_nocase(const char *a, const char *b)
{
  for (;; a++, b++) {
    if (dci_lower((unsigned char)*a) != dci_lower((unsigned char)*b)) return false;
    if (*a == '\0') return true;
  }
}

bool dci_consttime_eq(const void *a, size_t alen, const void *b, size_t blen)
{
  if (alen != blen) return false;
  return CRYPTO_memcmp(a, b, alen) == 0;
}

char *dci_strdup(const char *s)
{
  return s ? dci_strndup(s, strlen(s)) : NULL;
}

char *dci_strndup(const char *s, size_t n)
{
  char *p = malloc(n + 1);
  if (p == NULL) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void dci_wipe(void *p, size_t n)
{
  if (p != NULL && n > 0) OPENSSL_cleanse(p, n);
}

void dci_free_secret(char *s)
{
  if (s == NULL) return;
  dci_wipe(s, strlen(s));
  free(s);
}

void dci_buf_init(dci_buf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
  b->secret = false;
}

static dc_status buf_reserve(dci_buf *b, size_t extra)
{
  if (extra > b->max || b->len > b->max - extra) return DC_E_LIMIT;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return DC_OK;
  size_t ncap = b->cap ? b->cap : 64;
  while (ncap < need) ncap *= 2;
  char *nd = malloc(ncap);
  if (nd == NULL) return DC_E_NOMEM;
  if (b->data != NULL) {
    memcpy(nd, b->data, b->len + 1);
    if (b->secret) dci_wipe(b->data, b->cap);
    free(b->data);
  }
  b->data = nd;
  b->cap = ncap;
  return DC_OK;
}

dc_status dci_buf_append(dci_buf *b, const void *data, size_t len)
{
  dc_status st = buf_reserve(b, len);
  if (st != DC_OK) return st;
  if (len > 0) memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return DC_OK;
}

dc_status dci_buf_append_str(dci_buf *b, const char *s)
{
  return dci_buf_append(b, s, strlen(s));
}

dc_status dci_buf_append_char(dci_buf *b, char ch)
{
  return dci_buf_append(b, &ch, 1);
}

char *dci_buf_take(dci_buf *b)
{
  char *p = b->data;
  if (p == NULL) p = dci_strdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

void dci_buf_free(dci_buf *b)
{
  if (b->data != NULL && b->secret) dci_wipe(b->data, b->cap);
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

dc_status dci_pct_encode(dci_buf *b, const char *s, size_t len, bool space_plus)
{
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    dc_status st;
    if (dci_is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      st = dci_buf_append_char(b, (char)ch);
    } else if (ch == ' ' && space_plus) {
      st = dci_buf_append_char(b, '+');
    } else {
      char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
      st = dci_buf_append(b, esc, 3);
    }
    if (st != DC_OK) return st;
  }
  return DC_OK;
}

dc_status dci_pct_decode(const char *s, size_t len, bool plus_space, size_t max,
                         char **out)
{
  *out = NULL;
  if (len > max * 3) return DC_E_LIMIT;
  char *p = malloc(len + 1);
  if (p == NULL) return DC_E_NOMEM;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '%') {
      if (len - i < 3 || !dci_is_hex((unsigned char)s[i + 1]) ||
          !dci_is_hex((unsigned char)s[i + 2])) {
        dci_wipe(p, o);  /* the value may be a secret (an OAuth code) */
        free(p);
        return DC_E_INVALID_PARAM;
      }
      ch = (unsigned char)(dci_hex_val((unsigned char)s[i + 1]) * 16 +
                           dci_hex_val((unsigned char)s[i + 2]));
      i += 2;
    } else if (ch == '+' && plus_space) {
      ch = ' ';
    }
    if (ch == '\0') { dci_wipe(p, o); free(p); return DC_E_INVALID_PARAM; }
    p[o++] = (char)ch;
  }
  p[o] = '\0';
  if (o > max) { dci_wipe(p, o); free(p); return DC_E_LIMIT; }
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

DC_API dc_status dc_client_new(dc_client **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  dc_status st = dc_global_init();
  if (st != DC_OK) return st;
  dc_client *c = calloc(1, sizeof *c);
  if (c == NULL) return DC_E_NOMEM;
  c->timeout_dns_ms = DC_DEFAULT_DNS_TIMEOUT_MS;
  c->timeout_connect_ms = DC_DEFAULT_CONNECT_TIMEOUT_MS;
  *out = c;
  return DC_OK;
}

DC_API void dc_client_free(dc_client *c)
{
  if (c == NULL) return;
  if (c->psl != NULL) psl_free(c->psl);
  dci_client_options_free(c);
  free(c);
}

DC_API const char *dc_client_error(const dc_client *c)
{
  return c ? c->err : "";
}

DC_API dc_status dc_client_set_psl_file(dc_client *c, const char *path)
{
  if (c == NULL || path == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  psl_ctx_t *p = psl_load_file(path);
  if (p == NULL) {
    char safe[128];
    dci_sanitize(safe, sizeof safe, path, strlen(path), 100);
    return dci_fail(c, DC_E_PSL_FILE, "cannot load public suffix list from %s", safe);
  }
  if (c->psl != NULL) psl_free(c->psl);
  c->psl = p;
  return DC_OK;
}
