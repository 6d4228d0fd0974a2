/* Growable buffer and percent-coding (x/buf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x/buf.h"
#include "x/str.h"

void dcx_buf_init(dcx_buf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
  b->secret = false;
  b->err = DCX_OK;
}

static bool failed(dcx_buf *b, enum dcx_err e)
{
  b->err = e;
  return false;
}

/* Room for `extra` more bytes and the NUL. A secret buffer is moved by
 * hand so that no copy is left unwiped (realloc may leave one). */
static bool reserve(dcx_buf *b, size_t extra)
{
  if (extra > b->max || b->len > b->max - extra) return failed(b, DCX_ELIMIT);
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return true;
  size_t ncap = b->cap ? b->cap : 64;
  while (ncap < need) ncap *= 2;
  char *nd;
  if (b->secret) {
    nd = malloc(ncap);
    if (nd == NULL) return failed(b, DCX_ENOMEM);
    if (b->data != NULL) {
      memcpy(nd, b->data, b->len + 1);
      dcx_wipe(b->data, b->cap);
      free(b->data);
    }
  } else {
    nd = realloc(b->data, ncap);
    if (nd == NULL) return failed(b, DCX_ENOMEM);
  }
  b->data = nd;
  b->cap = ncap;
  return true;
}

bool dcx_buf_add(dcx_buf *b, const void *data, size_t len)
{
  if (!reserve(b, len)) return false;
  if (len > 0) memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return true;
}

bool dcx_buf_adds(dcx_buf *b, const char *s)
{
  return dcx_buf_add(b, s, strlen(s));
}

bool dcx_buf_addc(dcx_buf *b, char ch)
{
  return dcx_buf_add(b, &ch, 1);
}

bool dcx_buf_addf(dcx_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char tmp[512];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return failed(b, DCX_EINVAL);
  if ((size_t)n < sizeof tmp) return dcx_buf_add(b, tmp, (size_t)n);
  if (!reserve(b, (size_t)n)) return false;
  va_start(ap, fmt);
  int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  if (m != n) {
    b->data[b->len] = '\0';
    return failed(b, DCX_EINVAL);
  }
  b->len += (size_t)n;
  return true;
}

char *dcx_buf_take(dcx_buf *b)
{
  char *p = NULL;
  if (b->err == DCX_OK) {
    p = b->data != NULL ? b->data : dcx_strdup("");
    if (p == b->data) b->data = NULL;
  }
  dcx_buf_free(b);
  return p;
}

void dcx_buf_free(dcx_buf *b)
{
  if (b->data != NULL && b->secret) dcx_wipe(b->data, b->cap);
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->err = DCX_OK;
}

bool dcx_pct_encode(dcx_buf *b, const char *s, size_t len, bool space_plus)
{
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    bool ok;
    if (dcx_is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      ok = dcx_buf_addc(b, (char)ch);
    } else if (ch == ' ' && space_plus) {
      ok = dcx_buf_addc(b, '+');
    } else {
      char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
      ok = dcx_buf_add(b, esc, 3);
    }
    if (!ok) return false;
  }
  return true;
}

enum dcx_err dcx_pct_decode(const char *s, size_t len, bool plus_space, char **out)
{
  *out = NULL;
  char *p = malloc(len + 1);
  if (p == NULL) return DCX_ENOMEM;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '%') {
      if (len - i < 3 || !dcx_is_hex((unsigned char)s[i + 1]) ||
          !dcx_is_hex((unsigned char)s[i + 2]))
        goto bad;
      ch = (unsigned char)(dcx_hex_val((unsigned char)s[i + 1]) * 16 +
                           dcx_hex_val((unsigned char)s[i + 2]));
      i += 2;
    } else if (ch == '+' && plus_space) {
      ch = ' ';
    }
    if (ch == '\0') goto bad;
    p[o++] = (char)ch;
  }
  p[o] = '\0';
  *out = p;
  return DCX_OK;
bad:
  dcx_wipe(p, o);
  free(p);
  return DCX_EINVAL;
}
