/* One masking rule for server text in calls that sent a secret (internal;
 * docs/security.md §7.3).
 *
 * A call that sends a secret (client secret, authorization code, access or
 * refresh token) lists them in a dci_secrets set and installs it on its
 * caller's record for the call's duration (dci_secrets_begin/end). Every
 * piece of server text that may reach a detail or an output in that call
 * (a redirect's whole Location, every field of an error body, a 409 body's
 * strings) goes through dci_mask_texts or dci_sanitize_server first:
 *
 *   - the text is compared after normalising it: ASCII letters lower-cased,
 *     control bytes (0x00-0x1f, 0x7f) removed, %XX escapes decoded;
 *   - every run of DC_SECRET_PIECE_LEN normalised bytes that also occurs in
 *     a secret (lower-cased) is masked, i.e. each original byte it came from
 *     becomes '*'; a secret shorter than that (but at least
 *     DC_SECRET_MIN_LEN bytes) is masked wherever it occurs whole;
 *   - several texts are compared as one joined text, so a secret split
 *     across two fields (error + error_description) is found;
 *   - masking happens before any truncation, so a secret cut by the cut
 *     is masked too;
 *   - when memory for the comparison cannot be had, everything is masked
 *     (when in doubt, the server's text is dropped).
 * What survives is at most DC_SECRET_PIECE_LEN - 1 bytes of a secret in a
 * row. */
#ifndef DC_CORE_MASK_H
#define DC_CORE_MASK_H

#include "core/internal.h"

struct dci_secrets {
  const char *s[DC_MAX_CALL_SECRETS]; /* borrowed; NULL entries never stored */
  size_t n;
};

/* Adds `secret` (NULL or shorter than DC_SECRET_MIN_LEN: ignored; a full
 * set ignores further ones, so keep the list short). */
void dci_secrets_add(struct dci_secrets *set, const char *secret);

/* Installs `set` as the secrets of `c`'s current call and returns the set
 * it replaces, for dci_secrets_end. NULL c: nothing (returns NULL). */
const struct dci_secrets *dci_secrets_begin(dc_client *c, const struct dci_secrets *set);
void dci_secrets_end(dc_client *c, const struct dci_secrets *prev);
/* The set installed on `c`'s current call, or NULL. */
const struct dci_secrets *dci_secrets_current(dc_client *c);

/* Masks in place every byte of the `n` texts (texts[i], lens[i] bytes) that
 * belongs to a piece of a secret of `set`, comparing the texts as one joined
 * text. Returns true when it masked anything. NULL or empty set: false. */
bool dci_mask_texts(const struct dci_secrets *set, char *const *texts,
                    const size_t *lens, size_t n);

/* dci_sanitize_server (declared in core/internal.h) masks with the
 * current set, then sanitises. */

#endif
