/* Internal helpers shared by every module (never exported). */
#ifndef DC_CORE_INTERNAL_H
#define DC_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domainconnect/common.h"
#include "core/limits.h"

#if defined(__GNUC__)
#define DCI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DCI_PRINTF(a, b)
#endif

/* Evaluate a dc_status expression; on failure store it in `status` and jump
 * to the function's `done:` label. */
#define DCI_TRY(expr)                                                          \
  do {                                                                         \
    status = (expr);                                                           \
    if (status != DC_OK) goto done;                                            \
  } while (0)

struct psl_ctx_st;

/* One onboarded DNS Provider (dc_client_register_provider). */
struct dci_registration {
  char *api_url;         /* canonical (dci_check_https_url) */
  char *client_id;
  char *client_secret;   /* wiped on free */
  char *redirect_uri;    /* may be NULL */
  char *provider_id;     /* DNS provider id, or the API URL's host */
};

/* An address the TEST-ONLY allow list accepts (family + 16 bytes), on
 * exactly one destination port (443 when given without one). */
struct dci_allowed_addr {
  int family;
  unsigned char b[16];
  unsigned port;
};

struct dc_client {
  char err[512];              /* detail of the last failure */
  struct psl_ctx_st *psl;     /* loaded list; NULL = libpsl's built-in one */
  /* network options (src/core/options.c) */
  long timeout_dns_ms;        /* DC_DEFAULT_DNS_TIMEOUT_MS */
  long timeout_connect_ms;    /* DC_DEFAULT_CONNECT_TIMEOUT_MS */
  long timeout_total_ms;      /* 0 = per-call default (10 s / 15 s) */
  char *dns_servers;          /* c-ares CSV "ip:port,[ip6]:port"; NULL = system */
  size_t n_dns_servers;
  char *ca_file;
  unsigned char *ca_blob;
  size_t ca_blob_len;
  int zone_mode;              /* dc_zone_mode */
  struct dci_allowed_addr test_allow[DC_MAX_TEST_ALLOW];
  size_t n_test_allow;
  long http_status;           /* last HTTP status seen, 0 = none */
  struct dci_registration *regs;
  size_t n_regs;
  /* libcurl share handle (CURLSH *) holding the connection cache, so calls
   * that may reuse a connection (not secret-bearing) do so across calls;
   * created on first use by the transport, freed with the client. */
  void *curl_share;
};

/* Frees what the network options own (called by dc_client_free). */
void dci_client_options_free(dc_client *c);

/* Records a detail on the handle (if any) and returns `st`. The format must
 * never receive secrets; untrusted text is passed through dci_sanitize. */
dc_status dci_fail(dc_client *c, dc_status st, const char *fmt, ...)
    DCI_PRINTF(3, 4);
/* Clears the handle's detail (called on entry by public functions). */
void dci_clear(dc_client *c);

/* Copies at most `max` bytes of untrusted text into `out` (size outsz),
 * replacing control and non-ASCII bytes with '?' and truncating with "...". */
void dci_sanitize(char *out, size_t outsz, const char *in, size_t len, size_t max);

/* ASCII classification of protocol bytes (no locale). */
static inline bool dci_is_alpha(unsigned char ch) { return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'; }
static inline bool dci_is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }
static inline bool dci_is_alnum(unsigned char ch) { return dci_is_alpha(ch) || dci_is_digit(ch); }
static inline unsigned char dci_lower(unsigned char ch) { return (ch >= 'A' && ch <= 'Z') ? (unsigned char)(ch + 32) : ch; }
static inline bool dci_is_hex(unsigned char ch) { return dci_is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'); }
static inline int dci_hex_val(unsigned char ch) { return dci_is_digit(ch) ? ch - '0' : (ch | 0x20) - 'a' + 10; }

/* ASCII case-insensitive comparison of two NUL-terminated strings. */
bool dci_streq_nocase(const char *a, const char *b);
/* Constant-time equality of two byte strings (length leaks, content not). */
bool dci_consttime_eq(const void *a, size_t alen, const void *b, size_t blen);

/* strdup/strndup with NULL on allocation failure. */
char *dci_strdup(const char *s);
char *dci_strndup(const char *s, size_t n);
/* Wipes then frees a NUL-terminated string (for secrets). NULL is a no-op. */
void dci_free_secret(char *s);
/* Wipes n bytes (not optimised away). */
void dci_wipe(void *p, size_t n);

/* Growable byte buffer with a hard ceiling. Always NUL-terminated when
 * data != NULL. */
typedef struct dci_buf {
  char *data;
  size_t len;
  size_t cap;
  size_t max;    /* ceiling on len; exceeding it gives DC_E_LIMIT */
  bool secret;   /* wipe on growth and free */
} dci_buf;

void dci_buf_init(dci_buf *b, size_t max);
dc_status dci_buf_append(dci_buf *b, const void *data, size_t len);
dc_status dci_buf_append_str(dci_buf *b, const char *s);
dc_status dci_buf_append_char(dci_buf *b, char ch);
/* Hands the string over (caller frees with free/dc_free); the buffer is reset.
 * Returns an empty allocated string if nothing was appended. */
char *dci_buf_take(dci_buf *b);
void dci_buf_free(dci_buf *b);

/* Percent-encodes `len` bytes: bytes in the unreserved set A-Za-z0-9-._~
 * stay, space becomes "+" when `space_plus`, everything else %XX (upper). */
dc_status dci_pct_encode(dci_buf *b, const char *s, size_t len, bool space_plus);
/* Percent-decodes into a new string; `plus_space` maps '+' to ' '.
 * Returns DC_E_INVALID_PARAM on a malformed escape or a decoded NUL. */
dc_status dci_pct_decode(const char *s, size_t len, bool plus_space, size_t max,
                         char **out);

#endif
