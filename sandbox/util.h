/* domainconnect-sandbox: small helpers (logging, query strings, escaping,
 * randomness, names). Buffers, strings, percent-coding, numbers and files
 * come from the shared tier (src/x/, docs/internals/design.md), compiled
 * into the sandbox too. No <ctype.h>: protocol bytes are classified with the
 * tier's ASCII helpers (x/str.h). */
#ifndef SBX_UTIL_H
#define SBX_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <domainconnect/template.h>

#include "x/buf.h"
#include "x/file.h"
#include "x/str.h"

/* ---- limits (docs/sandbox.md, "Limits") */
#define SBX_MAX_BODY (64 * 1024)        /* request body; more is 413 */
#define SBX_MAX_URI (80 * 1024)         /* request line URI; more is 414 */
#define SBX_MAX_PARAMS 256              /* query/form/JSON parameters */
#define SBX_MAX_PARAM_NAME 256
/* the engine's limit (template.h), so a value the engine would refuse is
 * a 400 naming the parameter, never a misleading "variable has no value" */
#define SBX_MAX_PARAM_VALUE DC_MAX_PARAM_VALUE_LEN
#define SBX_MAX_HEADER_BYTES (64 * 1024) /* request header fields in all; more is 431 */
/* libmicrohttpd's per-connection memory pool (MHD_OPTION_CONNECTION_MEMORY_LIMIT).
 * It holds the request line and headers, and one record per query argument
 * (64 bytes each on libmicrohttpd 0.9.75; SBX_MHD_ARG_COST leaves a margin) parsed
 * before the handler runs. A URI of SBX_MAX_URI bytes has at most that many
 * arguments ("&&&..."), so the pool is sized for that worst case: running
 * out drops the connection without an answer (docs/sandbox.md, "Limits").
 * The pool is mapped per connection and unmapped when it closes. */
#define SBX_MHD_ARG_COST 72
#define SBX_CONN_MEMORY \
  ((size_t)SBX_MAX_URI * (SBX_MHD_ARG_COST + 3) + SBX_MAX_HEADER_BYTES * 2 + 64 * 1024)
#define SBX_MAX_NAME 253                /* a domain name in text form */
#define SBX_MAX_PENDING 1024            /* consent requests waiting for a click */
#define SBX_MAX_PENDING_PER_CLIENT 64   /* ... of one client_id (sync: one providerId) */
#define SBX_PENDING_LIFETIME 600        /* seconds a consent page stays valid */
#define SBX_MAX_CODES 1024              /* authorization codes outstanding */
#define SBX_MAX_CODES_PER_CLIENT 64     /* ... of one client_id */
#define SBX_MAX_CONSENT_CHECKS 32       /* hosts x scopes dry runs of one consent page */
#define SBX_MAX_TOKENS 4096             /* access + refresh tokens kept */
#define SBX_REFRESH_LIFETIME (86400L * 30)
#define SBX_MAX_ZONE_RECORDS 20000      /* records in one hosted zone */
#define SBX_MAX_BUF (64u * 1024u * 1024u) /* ceiling of every dcx_buf */

/* ---- logging (stderr, one line per call; never pass secrets) */
enum sbx_level { SBX_DEBUG = 0, SBX_INFO = 1, SBX_WARN = 2, SBX_ERROR = 3 };
void sbx_log(enum sbx_level level, const char *fmt, ...) DCX_PRINTF(2, 3);
void sbx_vlog(enum sbx_level level, const char *fmt, va_list ap) DCX_PRINTF(2, 0);
void sbx_log_set_level(enum sbx_level level);

/* ---- escaping into a dcx_buf */
/* Appends text HTML-escaped (& < > " ' and control bytes). */
bool sbx_add_html(dcx_buf *b, const char *s);

/* ---- strings */
/* ASCII lower-case copy. */
char *sbx_lower_dup(const char *s);
/* mkdir -p for one level; 0 if it exists. */
int sbx_mkdir(const char *path, unsigned mode);
/* snprintf into a fixed buffer; false when truncated or failed. */
bool sbx_fmt(char *out, size_t outsz, const char *fmt, ...) DCX_PRINTF(3, 4);

/* ---- query / form strings: name=value pairs, percent-decoded ('+' is a
 * space), "%00" and malformed escapes refused. */
struct sbx_kv {
  char *name;
  char *value;
};
struct sbx_kvlist {
  struct sbx_kv *items;
  size_t n, cap;
  /* after an error: the parameter it is about (printable ASCII, cut), or "" */
  char err_name[72];
};
/* Records `name` (len bytes, not NUL-terminated) as l->err_name. */
void sbx_kv_blame(struct sbx_kvlist *l, const char *name, size_t len);
enum sbx_qerr { SBX_Q_OK = 0, SBX_Q_NOMEM, SBX_Q_SYNTAX, SBX_Q_LIMIT };
enum sbx_qerr sbx_query_parse(const char *q, size_t len, struct sbx_kvlist *out);
bool sbx_kv_add(struct sbx_kvlist *l, const char *name, const char *value);
const char *sbx_kv_get(const struct sbx_kvlist *l, const char *name);
size_t sbx_kv_count(const struct sbx_kvlist *l, const char *name);
void sbx_kv_free(struct sbx_kvlist *l);

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

/* ---- per-owner caps (docs/sandbox.md, "Limits") */
/* Names the owner of entry k of `items` (owner_of's first argument). */
typedef const char *(*sbx_owner_fn)(const void *items, size_t k);
/* Which entry must go before one more of `owner` joins the n entries of
 * `items` (oldest first), one owner holding at most per_owner of them and
 * all at most total: the owner's own oldest when it holds per_owner; else,
 * at total, the oldest of the owner holding the most (a flood from one owner
 * never pushes out another's); else SIZE_MAX, none. */
size_t sbx_evict_pick(const void *items, size_t n, sbx_owner_fn owner_of, const char *owner,
                      size_t per_owner, size_t total);

#endif
