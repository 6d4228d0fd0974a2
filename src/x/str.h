/* The shared helper tier (docs/internals/design.md, "The shared tier"):
 * bytes and strings. Compiled into the library, the CLI and the sandbox;
 * depends on nothing of the project and on libc only. No <ctype.h>:
 * protocol bytes are classified with the ASCII helpers below (no locale). */
#ifndef DC_X_STR_H
#define DC_X_STR_H

#include <stdbool.h>
#include <stddef.h>

/* ---- ASCII classification */
static inline bool dcx_is_alpha(unsigned char ch) { return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'; }
static inline bool dcx_is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }
static inline bool dcx_is_alnum(unsigned char ch) { return dcx_is_alpha(ch) || dcx_is_digit(ch); }
static inline bool dcx_is_print(unsigned char ch) { return ch >= 0x20 && ch < 0x7f; }
static inline bool dcx_is_hex(unsigned char ch) { return dcx_is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'); }
/* The value of a hex digit (dcx_is_hex(ch) must hold). */
static inline int dcx_hex_val(unsigned char ch) { return dcx_is_digit(ch) ? ch - '0' : (ch | 0x20) - 'a' + 10; }
static inline unsigned char dcx_lower(unsigned char ch) { return (ch >= 'A' && ch <= 'Z') ? (unsigned char)(ch | 0x20) : ch; }

/* ---- strings */
/* strdup/strndup with NULL on allocation failure; dcx_strdup(NULL) is NULL. */
char *dcx_strdup(const char *s);
char *dcx_strndup(const char *s, size_t n);
/* ASCII case-insensitive equality; two NULLs are equal, one NULL is not. */
bool dcx_streq_nocase(const char *a, const char *b);

/* ---- secrets */
/* Wipes n bytes (explicit_bzero: not optimised away). NULL is a no-op. */
void dcx_wipe(void *p, size_t n);
/* Wipes then frees a NUL-terminated string (codes, tokens, passphrases).
 * NULL is a no-op. */
void dcx_free_secret(char *s);

/* ---- numbers */
/* A whole decimal number in [min, max]: digits only, no blank, no '+'; a
 * leading '-' only when min < 0. False (and *out untouched) otherwise,
 * overflow included. */
bool dcx_parse_long(const char *s, long min, long max, long *out);

#endif
