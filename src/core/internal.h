/* Internal helpers shared by every module (never exported). */
#ifndef DC_CORE_INTERNAL_H
#define DC_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domainconnect/common.h"
#include "core/limits.h"
#include "x/buf.h"
#include "x/str.h"

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

/* A public accessor that reads one field of an opaque handle and answers
 * `none` for a NULL handle: the library's null-safe getter, written once.
 * The public header keeps the declaration and its documentation, e.g.
 *   DCI_GETTER(const char *, dc_token_api_url, dc_token, api_url, NULL)
 * defines `const char *dc_token_api_url(const dc_token *h)`. */
#define DCI_GETTER(type, name, handle, field, none)                            \
  DC_API type name(const handle *h) { return h != NULL ? h->field : (none); }

struct psl_ctx_st;
struct dci_client_id;

/* One onboarded DNS Provider (dc_client_register_provider). */
struct dci_registration {
  char *api_url;         /* canonical (dci_check_https_url) */
  char *client_id;
  char *client_secret;   /* wiped on free */
  char *redirect_uri;    /* may be NULL */
  char *provider_id;     /* DNS provider id, or the API URL's host */
  int token_params;      /* dc_token_params (dc_client_set_token_params) */
};

/* An address the TEST-ONLY allow list accepts (family + 16 bytes), on
 * exactly one destination port (443 when given without one). */
struct dci_allowed_addr {
  int family;
  unsigned char b[16];
  unsigned port;
};

/* The client model (docs/internals/design.md, "The client handle").
 *
 * A client's configuration: everything the setters write (dc_client_set_*,
 * dc_client_add_dns_server, dc_client_test_only_allow_address,
 * dc_client_register_provider). Calls only read it, through the const
 * pointer every handle holds, so any number of threads may make calls on one
 * client while nobody changes it. Created and freed by dc_client_new and
 * dc_client_free with the handle named by `owner`; nothing else owns or
 * frees it (a call context borrows it, see dci_client_context). */
struct dci_config {
  const struct dc_client *owner; /* the one handle that may change or free it */
  struct dci_client_id *id;      /* keys each thread's record (core/client.c) */
  struct psl_ctx_st *psl;        /* loaded list; NULL = libpsl's built-in one */
  /* network options (src/core/options.c) */
  long timeout_dns_ms;           /* DC_DEFAULT_DNS_TIMEOUT_MS */
  long timeout_connect_ms;       /* DC_DEFAULT_CONNECT_TIMEOUT_MS */
  long timeout_total_ms;         /* 0 = per-call default (10 s / 15 s) */
  char *dns_servers;             /* c-ares CSV "ip:port,[ip6]:port"; NULL = system */
  size_t n_dns_servers;
  char *ca_file;
  unsigned char *ca_blob;
  size_t ca_blob_len;
  int zone_mode;                 /* dc_zone_mode */
  struct dci_allowed_addr test_allow[DC_MAX_TEST_ALLOW];
  size_t n_test_allow;
  struct dci_registration *regs;
  size_t n_regs;
  /* HTTP CONNECT proxy (dc_client_set_proxy; docs/security.md §2.9):
   * proxy_url NULL = none (and no proxy from the environment either). The
   * address is the caller's configuration, never resolved: the transport's
   * socket checks allow exactly proxy_addr on its port. */
  char *proxy_url;               /* "http://ADDR:PORT" (no userinfo) */
  struct dci_allowed_addr proxy_addr;
  char *proxy_user;              /* from the URL's userinfo, or NULL */
  char *proxy_pass;              /* wiped on free; NULL when none */
  /* Overall deadline of one discovery (dc_client_set_deadline_ms); 0 means
   * DC_DEFAULT_DISCOVERY_DEADLINE_MS. */
  long deadline_ms;
  /* DNSSEC (dc_client_set_dnssec, dc_client_add_trust_anchor*;
   * core/options_dnssec.c): the policy (dc_dnssec_policy) and the anchors,
   * each a normalised one-line DS/DNSKEY RR ("OWNER TYPE RDATA") with its
   * owner name apart (lower case, no trailing dot, "" = the root). No
   * anchor: the root key file is read when a validating resolver starts. */
  int dnssec_policy;
  struct dci_ta_list {
    char **rr;
    char **owner;
    size_t n;
  } ta;
  char *ta_autr;  /* RFC 5011 state file (dc_client_set_trust_anchor_autr) */
};

/* What calls leave for their caller: the detail of the last failure and the
 * last HTTP status seen (0 = none). Plain data, owns nothing. */
struct dci_secrets;
struct dci_call {
  char err[512];
  long http_status;
  int guard_reason; /* dc_guard_reason of the last guard refusal (net.h),
                       cleared with the detail (dci_clear) */
  /* Overall deadline of the running discovery (CLOCK_MONOTONIC, in
   * microseconds; 0 = none): set by dc_discover for its duration and by the
   * batch per job; every step is cut to the time left (dci_deadline_*). */
  int64_t deadline_us;
  /* A reset libcurl easy handle (CURL *) kept for this record's next
   * transfer (http/transport.c), so a batch job or a thread does not
   * allocate one per request; freed by dci_call_release. */
  void *spare_easy;
  /* The secrets the current OAuth call sends (core/mask.h), borrowed for
   * the call's duration; NULL outside one. Server text quoted in a detail
   * while it is set is masked against them (docs/security.md §7.3). */
  const struct dci_secrets *secrets;
  /* DNSSEC states of the last discovery (dc_dnssec_state; 0 = unchecked):
   * overall, TXT (with the SOA walk), provider host; set by discovery. */
  int dnssec[3];
  char dnssec_why[DC_MAX_DNSSEC_WHY + 1]; /* the bogus reason, "" if none */
};

/* The handle every function takes. Two kinds, one layout:
 *  - a client (dc_client_new): cfg is its own configuration (cfg->owner is
 *    this handle) and call is NULL: each thread's calls record into that
 *    thread's own dci_call for this client (core/client.c), which is what
 *    makes one client usable from several threads at once;
 *  - a call context (dci_client_context, e.g. one per batch job): cfg is
 *    borrowed from a client and call is the context's own record. It can
 *    neither change the configuration (dci_config_mut gives NULL) nor free
 *    it (dc_client_free ignores it), so copying one is harmless.
 * Neither owns anything through these two pointers: never copy a client's
 * handle to make a context, use dci_client_context. The connection cache
 * (libcurl share handle) is per thread too and lives with the thread's
 * record; a call context has none (dci_conn_cache). */
struct dc_client {
  const struct dci_config *cfg;
  struct dci_call *call;
};

/* Makes `ctx` a call context of `client`: its configuration, `call` as its
 * record (cleared here, but for its spare easy handle, which is kept). `call` must outlive every use of `ctx`. */
void dci_client_context(dc_client *ctx, const dc_client *client, struct dci_call *call);
/* Frees what a call record holds beyond its text (the spare easy handle);
 * for the owner of a record made with dci_client_context, when it is done
 * with it. */
void dci_call_release(struct dci_call *call);
/* The configuration to change, or NULL (detail set, DC_E_INVALID_ARG for
 * the caller to return) when `c` is not the handle that owns it (a call
 * context). For setters only: not thread-safe. */
struct dci_config *dci_config_mut(dc_client *c);
/* Entry of every setter (core/options*.c): clears the detail, then
 * dci_config_mut. */
struct dci_config *dci_setter_entry(dc_client *c);
/* Frees what the configuration owns (called by dc_client_free). */
void dci_config_free(struct dci_config *cfg);
/* DNSSEC trust anchors (core/anchors.c): frees the list's strings. */
void dci_ta_list_free(struct dci_ta_list *l);
/* The caller's record on `c`: the context's own, or this thread's for a
 * client (created on first use; never NULL for a non-NULL c). */
struct dci_call *dci_call_of(dc_client *c);
/* Records the last HTTP status seen by this caller (0 = none). */
void dci_set_http_status(dc_client *c, long code);
/* This thread's connection cache for client `c` (a CURLSH * sharing
 * CURL_LOCK_DATA_CONNECT), created on first use and used by this thread
 * only: libcurl does not support one connection cache used by concurrent
 * threads. *out is NULL for a call context (its transfers share their multi
 * handle's cache instead) and when the thread has no record (out of
 * memory). DC_E_NOMEM / DC_E_INTERNAL when it cannot be created. */
dc_status dci_conn_cache(dc_client *c, void **out);
/* This thread's multi handle for single calls on client `c` (a CURLM *,
 * its connection cache sized DC_MAX_IDLE_CONNECTIONS), created on first use
 * and kept with the thread's record, so that libcurl's per-multi CA store
 * cache loads and verifies the trust anchors once, not on every call. *out
 * is NULL for a call context and when the thread has no record: the caller
 * then uses a private multi handle. DC_E_NOMEM / DC_E_INTERNAL. */
dc_status dci_thread_multi(dc_client *c, void **out);

/* ---- the overall deadline of a discovery (docs/limits.md, "Deadline") */
/* CLOCK_MONOTONIC now, in microseconds. */
int64_t dci_now_us(void);
/* The deadline `c`'s configuration gives one discovery, in ms
 * (dc_client_set_deadline_ms, else DC_DEFAULT_DISCOVERY_DEADLINE_MS). */
long dci_deadline_ms(const dc_client *c);
/* Milliseconds left before the caller's deadline (dci_call_of(c)):
 * LONG_MAX when none is set, <= 0 when it has passed. */
long dci_deadline_left_ms(dc_client *c);
/* `step_ms` cut to the time left (at least 1 ms; `step_ms` itself when no
 * deadline is set). */
long dci_deadline_cap(dc_client *c, long step_ms);
/* For a DNS lookup under the caller's deadline: when one is set, *ctx
 * becomes a call context of c recording into c's own record, whose
 * configuration is *tmp, a copy of c's with the DNS timeout cut to the time
 * left, and ctx is returned; else c itself. *tmp must outlive the lookup
 * (it owns nothing: never free it). */
dc_client *dci_deadline_dns(dc_client *c, struct dci_config *tmp, dc_client *ctx);

/* Records a detail in the caller's record (dci_call_of; none if c is NULL)
 * and returns `st`. The format must never receive secrets; untrusted text is
 * passed through dci_sanitize. */
dc_status dci_fail(dc_client *c, dc_status st, const char *fmt, ...)
    DCI_PRINTF(3, 4);
/* Clears the caller's detail (called on entry by public functions). */
void dci_clear(dc_client *c);

/* Copies at most `max` bytes of untrusted text into `out` (size outsz),
 * replacing control and non-ASCII bytes with '?' and truncating with "...". */
void dci_sanitize(char *out, size_t outsz, const char *in, size_t len, size_t max);
/* dci_sanitize of server text after masking it with the secrets of `c`'s
 * current call (core/mask.h: the one masking rule; none: dci_sanitize). */
void dci_sanitize_server(dc_client *c, char *out, size_t outsz, const char *in,
                         size_t len, size_t max);

/* The shared tier (src/x/, docs/internals/design.md "The shared tier")
 * under the library's names: ASCII classification of protocol bytes (no
 * locale), strings, secrets, the buffer and percent-coding. Where the tier
 * reports a failure as a dcx_err, the library's name returns a dc_status. */
#define dci_is_alpha dcx_is_alpha
#define dci_is_digit dcx_is_digit
#define dci_is_alnum dcx_is_alnum
#define dci_is_hex dcx_is_hex
#define dci_hex_val dcx_hex_val
#define dci_lower dcx_lower
#define dci_streq_nocase dcx_streq_nocase
#define dci_strdup dcx_strdup
#define dci_strndup dcx_strndup
#define dci_free_secret dcx_free_secret
#define dci_wipe dcx_wipe

/* Constant-time equality of two byte strings (length leaks, content not). */
bool dci_consttime_eq(const void *a, size_t alen, const void *b, size_t blen);

/* The growable buffer (x/buf.h); exceeding `max` gives DC_E_LIMIT. */
typedef dcx_buf dci_buf;
#define dci_buf_init dcx_buf_init
#define dci_buf_take dcx_buf_take
#define dci_buf_free dcx_buf_free

/* DC_OK when `ok`, else the status of the buffer's last failure. */
static inline dc_status dci_buf_status(const dci_buf *b, bool ok)
{
  if (ok) return DC_OK;
  return b->err == DCX_ELIMIT ? DC_E_LIMIT : b->err == DCX_ENOMEM ? DC_E_NOMEM : DC_E_INTERNAL;
}
static inline dc_status dci_buf_append(dci_buf *b, const void *data, size_t len)
{
  return dci_buf_status(b, dcx_buf_add(b, data, len));
}
static inline dc_status dci_buf_append_str(dci_buf *b, const char *s)
{
  return dci_buf_status(b, dcx_buf_adds(b, s));
}
static inline dc_status dci_buf_append_char(dci_buf *b, char ch)
{
  return dci_buf_status(b, dcx_buf_addc(b, ch));
}
static inline dc_status dci_pct_encode(dci_buf *b, const char *s, size_t len, bool space_plus)
{
  return dci_buf_status(b, dcx_pct_encode(b, s, len, space_plus));
}
/* dcx_pct_decode with a cap: DC_E_LIMIT when the input is longer than
 * 3 * max or the result longer than max, DC_E_INVALID_PARAM on a malformed
 * escape or a NUL. */
dc_status dci_pct_decode(const char *s, size_t len, bool plus_space, size_t max,
                         char **out);

#endif
