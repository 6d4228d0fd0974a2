/* domainconnect-sandbox: small helpers. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    if (!sbx_is_print((unsigned char)*p)) *p = '?';
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

/* ---- buffer */
#define SBUF_MAX (64u * 1024u * 1024u)

void sbuf_init(struct sbuf *b) { memset(b, 0, sizeof *b); }

static bool sbuf_reserve(struct sbuf *b, size_t extra)
{
  if (b->err) return false;
  if (extra > SBUF_MAX || b->len > SBUF_MAX - extra - 1) {
    b->err = true;
    return false;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  char *d = realloc(b->d, cap);
  if (d == NULL) {
    b->err = true;
    return false;
  }
  b->d = d;
  b->cap = cap;
  return true;
}

bool sbuf_add(struct sbuf *b, const void *p, size_t n)
{
  if (!sbuf_reserve(b, n)) return false;
  if (n > 0) memcpy(b->d + b->len, p, n);
  b->len += n;
  b->d[b->len] = '\0';
  return true;
}

bool sbuf_adds(struct sbuf *b, const char *s) { return sbuf_add(b, s, strlen(s)); }
bool sbuf_addc(struct sbuf *b, char c) { return sbuf_add(b, &c, 1); }

bool sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char tmp[512];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->err = true;
    return false;
  }
  if ((size_t)n < sizeof tmp) return sbuf_add(b, tmp, (size_t)n);
  if (!sbuf_reserve(b, (size_t)n)) return false;
  va_start(ap, fmt);
  int m = vsnprintf(b->d + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  if (m != n) {
    b->err = true;
    return false;
  }
  b->len += (size_t)n;
  return true;
}

char *sbuf_take(struct sbuf *b)
{
  char *d = NULL;
  if (!b->err) {
    if (b->d == NULL) {
      d = calloc(1, 1);
    } else {
      d = b->d;
      b->d = NULL;
    }
  }
  sbuf_free(b);
  return d;
}

void sbuf_free(struct sbuf *b)
{
  free(b->d);
  memset(b, 0, sizeof *b);
}

bool sbuf_add_html(struct sbuf *b, const char *s)
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
      if (!sbuf_adds(b, rep)) return false;
    } else if (*p < 0x20 || *p == 0x7f) {
      if (!sbuf_adds(b, "&#xFFFD;")) return false;
    } else if (!sbuf_addc(b, (char)*p)) {
      return false;
    }
  }
  return true;
}

bool sbuf_add_pct(struct sbuf *b, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
    if (sbx_is_alnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
      if (!sbuf_addc(b, (char)*p)) return false;
    } else {
      char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      if (!sbuf_add(b, e, 3)) return false;
    }
  }
  return true;
}

/* ---- strings */
char *sbx_strndup(const char *s, size_t n)
{
  char *d = malloc(n + 1);
  if (d == NULL) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *sbx_strdup(const char *s) { return s == NULL ? NULL : sbx_strndup(s, strlen(s)); }

bool sbx_streq_ci(const char *a, const char *b)
{
  if (a == NULL || b == NULL) return a == b;
  for (; *a != '\0' && *b != '\0'; a++, b++)
    if (sbx_lower((unsigned char)*a) != sbx_lower((unsigned char)*b)) return false;
  return *a == *b;
}

char *sbx_lower_dup(const char *s)
{
  char *d = sbx_strdup(s);
  if (d != NULL)
    for (char *p = d; *p != '\0'; p++) *p = (char)sbx_lower((unsigned char)*p);
  return d;
}

bool sbx_parse_long(const char *s, long min, long max, long *out)
{
  if (s == NULL || *s == '\0') return false;
  long v = 0;
  for (const char *p = s; *p != '\0'; p++) {
    if (!sbx_is_digit((unsigned char)*p)) return false;
    if (v > (LONG_MAX - 9) / 10) return false;
    v = v * 10 + (*p - '0');
  }
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

char *sbx_read_file(const char *path, size_t max, size_t *len)
{
  char *data = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uintmax_t)st.st_size > max) {
    errno = EFBIG;
    goto done;
  }
  size_t size = (size_t)st.st_size;
  data = malloc(size + 1);
  if (data == NULL) goto done;
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, data + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      free(data);
      data = NULL;
      goto done;
    }
    got += (size_t)n;
  }
  data[got] = '\0';
  if (len != NULL) *len = got;
done:
  close(fd);
  return data;
}

bool sbx_fmt(char *out, size_t outsz, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out, outsz, fmt, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < outsz;
}

int sbx_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
  int rc = -1, fd = -1, saved = 0;
  char tmp[PATH_MAX], dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    if (!sbx_fmt(dir, sizeof dir, ".")) goto done;
  } else if (!sbx_fmt(dir, sizeof dir, "%.*s", (int)(slash - path), path)) {
    goto done;
  }
  if (!sbx_fmt(tmp, sizeof tmp, "%s/.%s.tmp.%ld", dir, slash ? slash + 1 : path,
               (long)getpid())) {
    errno = ENAMETOOLONG;
    goto done;
  }
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
  if (fd < 0) goto done;
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) goto fail;
    p += n;
    left -= (size_t)n;
  }
  if (fsync(fd) != 0) goto fail;
  if (close(fd) != 0) {
    fd = -1;
    goto fail;
  }
  fd = -1;
  if (rename(tmp, path) != 0) goto fail;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  rc = 0;
  goto done;
fail:
  saved = errno;
  if (fd >= 0) close(fd);
  fd = -1;
  unlink(tmp);
  errno = saved;
done:
  return rc;
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

void sbx_wipe_free(char *s)
{
  if (s == NULL) return;
  OPENSSL_cleanse(s, strlen(s));
  free(s);
}

/* ---- query strings */
static int hexval(unsigned char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  c = sbx_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

char *sbx_pct_decode(const char *s, size_t len, bool plus)
{
  char *d = malloc(len + 1);
  if (d == NULL) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%') {
      int h, l;
      if (i + 2 >= len) goto bad;
      h = hexval((unsigned char)s[i + 1]);
      l = hexval((unsigned char)s[i + 2]);
      if (h < 0 || l < 0 || (h == 0 && l == 0)) goto bad;
      d[o++] = (char)(h * 16 + l);
      i += 2;
    } else if (c == '+' && plus) {
      d[o++] = ' ';
    } else if (c == '\0') {
      goto bad;
    } else {
      d[o++] = (char)c;
    }
  }
  d[o] = '\0';
  return d;
bad:
  free(d);
  return NULL;
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
  char *n = sbx_strdup(name), *v = sbx_strdup(value);
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
      err = SBX_Q_LIMIT;
      goto done;
    }
    if (out->n >= SBX_MAX_PARAMS) {
      err = SBX_Q_LIMIT;
      goto done;
    }
    name = sbx_pct_decode(q + start, nend - start, true);
    value = eq == (size_t)-1 ? sbx_strdup("") : sbx_pct_decode(q + eq + 1, end - eq - 1, true);
    if (name == NULL || value == NULL) {
      err = SBX_Q_SYNTAX;
      goto done;
    }
    if (strlen(name) > SBX_MAX_PARAM_NAME || strlen(value) > SBX_MAX_PARAM_VALUE) {
      err = SBX_Q_LIMIT;
      goto done;
    }
    if (!sbx_kv_add(out, name, value)) {
      err = SBX_Q_NOMEM;
      goto done;
    }
    sbx_wipe_free(name);
    sbx_wipe_free(value);
    name = value = NULL;
  }
done:
  sbx_wipe_free(name);
  sbx_wipe_free(value);
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
    sbx_wipe_free(l->items[i].name);
    sbx_wipe_free(l->items[i].value);
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
    if (!(sbx_is_alnum(c) || c == '-' || (underscore && c == '_'))) return false;
    label++;
  }
  return true;
}

char *sbx_normalize_name(const char *s, bool underscore)
{
  if (s == NULL) return NULL;
  size_t len = strlen(s);
  if (len > 0 && s[len - 1] == '.') len--;
  char *d = sbx_strndup(s, len);
  if (d == NULL) return NULL;
  for (char *p = d; *p != '\0'; p++) *p = (char)sbx_lower((unsigned char)*p);
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
