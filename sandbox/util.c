/* domainconnect-sandbox: small helpers. */
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* ---- logging */
static enum sbx_level g_level = SBX_INFO;
static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;

void sbx_log_set_level(enum sbx_level level) { g_level = level; }

void sbx_vlog(enum sbx_level level, const char *fmt, va_list ap)
{
  static const char *const names[] = {"debug", "info", "warning", "error"};
  if (level < g_level) return;
  char line[2048];
  int n = vsnprintf(line, sizeof line, fmt, ap);
  if (n < 0) return;
  /* keep one line per message, printable */
  for (char *p = line; *p != '\0'; p++)
    if (!dcx_is_print((unsigned char)*p)) *p = '?';
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  pthread_mutex_lock(&g_log_mu);
  fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ sandbox %s: %s\n",
          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
          tm.tm_sec, ts.tv_nsec / 1000000L, names[level], line);
  fflush(stderr);
  pthread_mutex_unlock(&g_log_mu);
}

void sbx_log(enum sbx_level level, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  sbx_vlog(level, fmt, ap);
  va_end(ap);
}

/* ---- escaping */
bool sbx_add_html(dcx_buf *b, const char *s)
{
  if (s == NULL) return true;
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
    const char *rep = NULL;
    switch (*p) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    case '\'': rep = "&#39;"; break;
    default: break;
    }
    if (rep != NULL) {
      if (!dcx_buf_adds(b, rep)) return false;
    } else if (*p < 0x20 || *p == 0x7f) {
      if (!dcx_buf_adds(b, "&#xFFFD;")) return false;
    } else if (!dcx_buf_addc(b, (char)*p)) {
      return false;
    }
  }
  return true;
}

/* ---- strings */
char *sbx_lower_dup(const char *s)
{
  char *d = dcx_strdup(s);
  if (d != NULL)
    for (char *p = d; *p != '\0'; p++) *p = (char)dcx_lower((unsigned char)*p);
  return d;
}

bool sbx_fmt(char *out, size_t outsz, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out, outsz, fmt, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < outsz;
}

int sbx_mkdir(const char *path, unsigned mode)
{
  if (mkdir(path, (mode_t)mode) == 0) return 0;
  if (errno != EEXIST) return -1;
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

/* ---- query strings */
void sbx_kv_blame(struct sbx_kvlist *l, const char *name, size_t len)
{
  size_t o = 0;
  for (size_t i = 0; i < len && o + 4 < sizeof l->err_name; i++)
    l->err_name[o++] = dcx_is_print((unsigned char)name[i]) ? name[i] : '?';
  if (len > 0 && o + 4 >= sizeof l->err_name) {
    memcpy(l->err_name + o, "...", 3);
    o += 3;
  }
  l->err_name[o] = '\0';
}

bool sbx_kv_add(struct sbx_kvlist *l, const char *name, const char *value)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    struct sbx_kv *it = realloc(l->items, cap * sizeof *it);
    if (it == NULL) return false;
    l->items = it;
    l->cap = cap;
  }
  char *n = dcx_strdup(name), *v = dcx_strdup(value);
  if (n == NULL || v == NULL) {
    free(n);
    free(v);
    return false;
  }
  l->items[l->n].name = n;
  l->items[l->n].value = v;
  l->n++;
  return true;
}

enum sbx_qerr sbx_query_parse(const char *q, size_t len, struct sbx_kvlist *out)
{
  enum sbx_qerr err = SBX_Q_OK;
  size_t i = 0;
  char *name = NULL, *value = NULL;
  while (i < len) {
    size_t start = i, eq = (size_t)-1;
    while (i < len && q[i] != '&') {
      if (q[i] == '=' && eq == (size_t)-1) eq = i;
      i++;
    }
    size_t end = i;
    i++; /* skip '&' */
    if (end == start) continue;
    size_t nend = eq == (size_t)-1 ? end : eq;
    if (nend - start > SBX_MAX_PARAM_NAME * 3 ||
        (eq != (size_t)-1 && end - eq - 1 > SBX_MAX_PARAM_VALUE * 3)) {
      sbx_kv_blame(out, q + start, nend - start);
      err = SBX_Q_LIMIT;
      goto done;
    }
    if (out->n >= SBX_MAX_PARAMS) {
      out->err_name[0] = '\0';
      err = SBX_Q_LIMIT;
      goto done;
    }
    /* NULL on a malformed escape, an encoded NUL or no memory */
    (void)dcx_pct_decode(q + start, nend - start, true, &name);
    if (eq == (size_t)-1) value = dcx_strdup("");
    else (void)dcx_pct_decode(q + eq + 1, end - eq - 1, true, &value);
    if (name == NULL || value == NULL) {
      err = SBX_Q_SYNTAX;
      goto done;
    }
    if (strlen(name) > SBX_MAX_PARAM_NAME || strlen(value) > SBX_MAX_PARAM_VALUE) {
      sbx_kv_blame(out, name, strlen(name));
      err = SBX_Q_LIMIT;
      goto done;
    }
    if (!sbx_kv_add(out, name, value)) {
      err = SBX_Q_NOMEM;
      goto done;
    }
    dcx_free_secret(name);
    dcx_free_secret(value);
    name = value = NULL;
  }
done:
  dcx_free_secret(name);
  dcx_free_secret(value);
  return err;
}

const char *sbx_kv_get(const struct sbx_kvlist *l, const char *name)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].name, name) == 0) return l->items[i].value;
  return NULL;
}

size_t sbx_kv_count(const struct sbx_kvlist *l, const char *name)
{
  size_t n = 0;
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].name, name) == 0) n++;
  return n;
}

void sbx_kv_free(struct sbx_kvlist *l)
{
  for (size_t i = 0; i < l->n; i++) {
    dcx_free_secret(l->items[i].name);
    dcx_free_secret(l->items[i].value);
  }
  free(l->items);
  memset(l, 0, sizeof *l);
}

/* ---- randomness */
char *sbx_random_token(const char *prefix)
{
  static const char b64u[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char raw[33];
  if (RAND_bytes(raw, (int)sizeof raw) != 1) return NULL;
  size_t plen = strlen(prefix);
  char *out = malloc(plen + 44 + 1);
  if (out == NULL) return NULL;
  memcpy(out, prefix, plen);
  size_t o = plen;
  for (size_t i = 0; i < sizeof raw; i += 3) { /* 33 bytes = 44 chars */
    unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
    out[o++] = b64u[(v >> 18) & 63];
    out[o++] = b64u[(v >> 12) & 63];
    out[o++] = b64u[(v >> 6) & 63];
    out[o++] = b64u[v & 63];
  }
  out[o] = '\0';
  OPENSSL_cleanse(raw, sizeof raw);
  return out;
}

bool sbx_sha256_hex(const char *s, char out[65])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  static const char hex[] = "0123456789abcdef";
  if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
    return false;
  for (unsigned i = 0; i < 32; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[64] = '\0';
  return true;
}

bool sbx_const_eq(const char *a, const char *b)
{
  if (a == NULL || b == NULL) return false;
  size_t la = strlen(a), lb = strlen(b);
  if (la != lb) return false;
  return CRYPTO_memcmp(a, b, la) == 0;
}

/* ---- names */
bool sbx_valid_hostname(const char *s, bool underscore)
{
  size_t len = strlen(s), label = 0;
  if (len == 0 || len > SBX_MAX_NAME) return false;
  for (size_t i = 0; i <= len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.' || c == '\0') {
      if (label == 0 || label > 63) return false;
      if (s[i - 1] == '-' || s[i - label] == '-') return false;
      label = 0;
      continue;
    }
    if (!(dcx_is_alnum(c) || c == '-' || (underscore && c == '_'))) return false;
    label++;
  }
  return true;
}

char *sbx_normalize_name(const char *s, bool underscore)
{
  if (s == NULL) return NULL;
  size_t len = strlen(s);
  if (len > 0 && s[len - 1] == '.') len--;
  char *d = dcx_strndup(s, len);
  if (d == NULL) return NULL;
  for (char *p = d; *p != '\0'; p++) *p = (char)dcx_lower((unsigned char)*p);
  if (!sbx_valid_hostname(d, underscore)) {
    free(d);
    return NULL;
  }
  return d;
}

bool sbx_name_in_zone(const char *name, const char *zone)
{
  size_t ln = strlen(name), lz = strlen(zone);
  if (ln == lz) return strcmp(name, zone) == 0;
  if (ln < lz + 1) return false;
  return name[ln - lz - 1] == '.' && strcmp(name + ln - lz, zone) == 0;
}

/* ---- per-owner caps */

/* How many of the n entries `owner` holds; *oldest = the first of them. */
static size_t owner_count(const void *items, size_t n, sbx_owner_fn owner_of, const char *owner,
                          size_t *oldest)
{
  size_t cnt = 0;
  for (size_t k = n; k-- > 0;)
    if (strcmp(owner_of(items, k), owner) == 0) {
      cnt++;
      *oldest = k;
    }
  return cnt;
}

size_t sbx_evict_pick(const void *items, size_t n, sbx_owner_fn owner_of, const char *owner,
                      size_t per_owner, size_t total)
{
  size_t oldest = 0;
  if (owner_count(items, n, owner_of, owner, &oldest) >= per_owner) return oldest;
  if (n < total) return SIZE_MAX;
  size_t best = 0, best_cnt = 0;
  for (size_t k = 0; k < n; k++) {
    size_t first = k, cnt = owner_count(items, n, owner_of, owner_of(items, k), &first);
    if (cnt > best_cnt) {
      best_cnt = cnt;
      best = first;
    }
  }
  return best;
}
