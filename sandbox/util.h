/* domainconnect-sandbox: small helpers (buffers, logging, query strings,
 * escaping, randomness, names). No <ctype.h>: protocol bytes are classified
 * with the ASCII helpers below. */
#ifndef SBX_UTIL_H
#define SBX_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SBX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SBX_PRINTF(a, b)
#endif

/* ---- limits (docs/sandbox.md, "Limits") */
#define SBX_MAX_BODY (64 * 1024)        /* request body; more is 413 */
#define SBX_MAX_URI (80 * 1024)         /* request line URI; more is 414 */
#define SBX_MAX_PARAMS 256              /* query/form/JSON parameters */
#define SBX_MAX_PARAM_NAME 256
#define SBX_MAX_PARAM_VALUE 8192
#define SBX_MAX_NAME 253                /* a domain name in text form */
#define SBX_MAX_PENDING 1024            /* consent requests waiting for a click */
#define SBX_PENDING_LIFETIME 600        /* seconds a consent page stays valid */
#define SBX_MAX_CODES 1024              /* authorization codes outstanding */
#define SBX_MAX_TOKENS 4096             /* access + refresh tokens kept */
#define SBX_REFRESH_LIFETIME (86400L * 30)
#define SBX_MAX_ZONE_RECORDS 20000      /* records in one hosted zone */

/* ---- ASCII classification (no locale) */
static inline bool sbx_is_alpha(unsigned char ch) { return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'; }
static inline bool sbx_is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }
static inline bool sbx_is_alnum(unsigned char ch) { return sbx_is_alpha(ch) || sbx_is_digit(ch); }
static inline bool sbx_is_print(unsigned char ch) { return ch >= 0x20 && ch < 0x7f; }
static inline unsigned char sbx_lower(unsigned char ch) { return (ch >= 'A' && ch <= 'Z') ? (unsigned char)(ch | 0x20) : ch; }

/* ---- logging (stderr, one line per call; never pass secrets) */
enum sbx_level { SBX_DEBUG = 0, SBX_INFO = 1, SBX_WARN = 2, SBX_ERROR = 3 };
void sbx_log(enum sbx_level level, const char *fmt, ...) SBX_PRINTF(2, 3);
void sbx_vlog(enum sbx_level level, const char *fmt, va_list ap) SBX_PRINTF(2, 0);
void sbx_log_set_level(enum sbx_level level);

/* ---- growable buffer; `err` is sticky (allocation failure or limit) */
struct sbuf {
  char *d;
  size_t len, cap;
  bool err;
};
void sbuf_init(struct sbuf *b);
bool sbuf_add(struct sbuf *b, const void *p, size_t n);
bool sbuf_adds(struct sbuf *b, const char *s);
bool sbuf_addc(struct sbuf *b, char c);
bool sbuf_addf(struct sbuf *b, const char *fmt, ...) SBX_PRINTF(2, 3);
/* Returns the NUL-terminated string (caller frees) or NULL on error; the
 * buffer is reset either way. */
char *sbuf_take(struct sbuf *b);
void sbuf_free(struct sbuf *b);
/* Appends text HTML-escaped (& < > " ' and control bytes). */
bool sbuf_add_html(struct sbuf *b, const char *s);
/* Appends text percent-encoded (RFC 3986 unreserved bytes kept). */
bool sbuf_add_pct(struct sbuf *b, const char *s);

/* ---- strings */
char *sbx_strdup(const char *s);
char *sbx_strndup(const char *s, size_t n);
/* ASCII case-insensitive comparison. */
bool sbx_streq_ci(const char *a, const char *b);
/* ASCII lower-case copy. */
char *sbx_lower_dup(const char *s);
/* Whole decimal number in [min, max]; no sign, no spaces. */
bool sbx_parse_long(const char *s, long min, long max, long *out);
/* Reads a whole file (at most `max` bytes) into a NUL-terminated buffer. */
char *sbx_read_file(const char *path, size_t max, size_t *len);
/* Writes a file atomically: DIR/.NAME.tmp.PID, fsync, rename, fsync(DIR).
 * `mode` for a new file. Returns 0 or -1 (errno set). */
int sbx_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);
/* mkdir -p for one level; 0 if it exists. */
int sbx_mkdir(const char *path, unsigned mode);
/* snprintf into a fixed buffer; false when truncated or failed. */
bool sbx_fmt(char *out, size_t outsz, const char *fmt, ...) SBX_PRINTF(3, 4);
/* Secret wiping before free. */
void sbx_wipe_free(char *s);

/* ---- query / form strings: name=value pairs, percent-decoded ('+' is a
 * space), "%00" and malformed escapes refused. */
struct sbx_kv {
  char *name;
  char *value;
};
struct sbx_kvlist {
  struct sbx_kv *items;
  size_t n, cap;
};
enum sbx_qerr { SBX_Q_OK = 0, SBX_Q_NOMEM, SBX_Q_SYNTAX, SBX_Q_LIMIT };
enum sbx_qerr sbx_query_parse(const char *q, size_t len, struct sbx_kvlist *out);
bool sbx_kv_add(struct sbx_kvlist *l, const char *name, const char *value);
const char *sbx_kv_get(const struct sbx_kvlist *l, const char *name);
size_t sbx_kv_count(const struct sbx_kvlist *l, const char *name);
void sbx_kv_free(struct sbx_kvlist *l);
/* Percent-decodes [s, s+len) into a new string; `plus` maps '+' to ' '.
 * NULL on a bad escape, an encoded NUL or no memory. */
char *sbx_pct_decode(const char *s, size_t len, bool plus);

/* ---- randomness and hashing */
/* A fresh random token: prefix + base64url(32 random bytes). NULL on error. */
char *sbx_random_token(const char *prefix);
/* Lower-case hex SHA-256 of s (65 bytes with the NUL). */
bool sbx_sha256_hex(const char *s, char out[65]);
/* Constant-time equality of two NUL-terminated strings. */
bool sbx_const_eq(const char *a, const char *b);

/* ---- names */
/* A host name: LDH labels (plus '_' when `underscore`), 1..63 bytes each,
 * at most 253 bytes, no empty label, no trailing dot. */
bool sbx_valid_hostname(const char *s, bool underscore);
/* Lower-cases and drops one trailing dot; NULL when not a valid name. */
char *sbx_normalize_name(const char *s, bool underscore);
/* True when `name` equals `zone` or ends with "." + zone (both lower case). */
bool sbx_name_in_zone(const char *name, const char *zone);

#endif
