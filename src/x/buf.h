/* The shared helper tier: a growable byte buffer with a ceiling, and
 * percent-coding (RFC 3986). Compiled into the library, the CLI and the
 * sandbox (docs/internals/design.md, "The shared tier"). */
#ifndef DC_X_BUF_H
#define DC_X_BUF_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__)
#define DCX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DCX_PRINTF(a, b)
#endif

/* Why an operation of this tier failed. */
enum dcx_err {
  DCX_OK = 0,
  DCX_ENOMEM,   /* allocation failed */
  DCX_ELIMIT,   /* the buffer's ceiling (max) would be passed */
  DCX_EINVAL    /* malformed input (a bad percent escape, an encoded NUL) */
};

/* Always NUL-terminated when data != NULL. A failed operation leaves the
 * contents as they were and records its reason in `err`, which stays set
 * (later operations still run): a caller may add many pieces and look at
 * `err` once, or check each call. */
typedef struct dcx_buf {
  char *data;
  size_t len;
  size_t cap;
  size_t max;         /* ceiling on len */
  bool secret;        /* wipe on growth and free */
  enum dcx_err err;   /* the last failure, DCX_OK if none */
} dcx_buf;

void dcx_buf_init(dcx_buf *b, size_t max);
/* Each returns true, or false with b->err set. */
bool dcx_buf_add(dcx_buf *b, const void *data, size_t len);
bool dcx_buf_adds(dcx_buf *b, const char *s);
bool dcx_buf_addc(dcx_buf *b, char ch);
bool dcx_buf_addf(dcx_buf *b, const char *fmt, ...) DCX_PRINTF(2, 3);
/* Hands the string over (the caller frees it): an allocated "" when nothing
 * was added; NULL when an operation failed (b->err) or on no memory. The
 * buffer is reset either way. */
char *dcx_buf_take(dcx_buf *b);
void dcx_buf_free(dcx_buf *b);

/* Appends `len` bytes percent-encoded: the unreserved set A-Za-z0-9-._~
 * stays, a space becomes "+" when `space_plus`, every other byte %XX
 * (upper-case hex). */
bool dcx_pct_encode(dcx_buf *b, const char *s, size_t len, bool space_plus);
/* Percent-decodes `len` bytes into a new NUL-terminated string (*out, the
 * caller frees it); `plus_space` maps '+' to ' '. DCX_EINVAL on a malformed
 * escape or a NUL (raw or encoded), DCX_ENOMEM; *out is NULL on failure and
 * what was decoded is wiped (the text may be a secret). */
enum dcx_err dcx_pct_decode(const char *s, size_t len, bool plus_space, char **out);

#endif
