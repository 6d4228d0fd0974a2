/* OAuth callback query (what the DNS Provider redirects the user agent back
 * with at the end of the consent step), and its sibling, the synchronous
 * flow's return (dc_sync_return_parse, request.h: the redirect_uri of an
 * apply URL with state and, on failure, error/error_description appended;
 * docs/protocol.md §2.5). Both run the same checks in the same order; the
 * sync return ignores any code and takes the absence of an error for the
 * success outcome.
 *
 * Protocol: docs/protocol.md §3.2 (success: code + state; error: error
 * [+ error_description] + state) and §2.5 (error codes, the user_cancel
 * convention); RFC 6749 4.1.2 / 4.1.2.1. docs/security.md §6.2 (state
 * compared in constant time, duplicates refused) and §7 (code and state
 * wiped, never put in details).
 *
 * Order of checks, so that an attacker-controlled redirect without the right
 * state learns nothing else from us:
 *   1. arguments, length (DC_E_LIMIT);
 *   2. the state: more than one state parameter or a malformed escape in it
 *      is DC_E_CALLBACK (there is no single value to compare), a missing or
 *      different state is DC_E_STATE_MISMATCH;
 *   3. everything else (raw NUL bytes, duplicate code/error/description,
 *      escapes, code and error syntax, both or neither) is DC_E_CALLBACK;
 *   4. the outcome: DC_OK, DC_E_USER_CANCEL, DC_E_ACCESS_DENIED or
 *      DC_E_PROVIDER_ERROR, with *out set for all four.
 *
 * Decisions beyond the header contract:
 *   - expected_state == NULL means "the request carried no state": a state
 *     in the query is then accepted (and returned by dc_callback_state()).
 *     An empty expected_state ("") is compared like any other: the query
 *     must then carry an empty state ("state=" or "state").
 *   - Parameter names are the raw bytes before the first '=' (not decoded),
 *     compared case-sensitively; a pair without '=' has an empty value.
 *   - A code longer than DC_MAX_TOKEN_LEN or with bytes outside VSCHAR is
 *     DC_E_CALLBACK (a malformed code), not DC_E_LIMIT.
 *   - error_description on a success (code, no error) is ignored.
 *   - error and error_description are stored sanitised and cut to
 *     DC_MAX_OAUTH_ERROR_TEXT bytes (including a "..." marker when cut). The
 *     access_denied / user_cancel tests run on the decoded, uncut values. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "domainconnect/oauth.h"
#include "domainconnect/request.h" /* dc_sync_return_parse */

struct dc_callback {
  char *code;              /* secret: wiped on free */
  char *state;             /* wiped on free too (docs/security.md §7.2) */
  char *error;             /* sanitised */
  char *error_description; /* sanitised */
};

/* The parameters we know; anything else is ignored. */
enum { P_CODE, P_STATE, P_ERROR, P_DESC, P_COUNT };
static const char *const k_names[P_COUNT] = {
  "code", "state", "error", "error_description",
};

struct raw_param {
  const char *val; /* first occurrence (raw, still encoded) */
  size_t len;
  unsigned seen;   /* occurrences (saturates at 2) */
};

/* Splits the query into '&'-separated pairs and records the known ones. */
static void scan_query(const char *q, size_t len, struct raw_param *p)
{
  size_t i = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && q[i] != '&') i++;
    size_t end = i;
    if (i < len) i++; /* skip '&' */
    if (end == start) continue; /* empty pair ("&&", leading/trailing '&') */
    size_t eq = start;
    while (eq < end && q[eq] != '=') eq++;
    size_t nlen = eq - start;
    for (int k = 0; k < P_COUNT; k++) {
      if (strlen(k_names[k]) != nlen || memcmp(q + start, k_names[k], nlen) != 0)
        continue;
      if (p[k].seen == 0) {
        p[k].val = eq < end ? q + eq + 1 : q + end;
        p[k].len = eq < end ? end - eq - 1 : 0;
      }
      if (p[k].seen < 2) p[k].seen++;
      break;
    }
  }
}

static dc_status decode_param(dc_client *c, const struct raw_param *p,
                              const char *name, char **out)
{
  dc_status st = dci_pct_decode(p->val, p->len, true, DC_MAX_CALLBACK_QUERY, out);
  if (st == DC_E_INVALID_PARAM || st == DC_E_LIMIT)
    return dci_fail(c, DC_E_CALLBACK,
                    "callback parameter %s has a malformed percent escape or "
                    "an encoded NUL byte", name);
  if (st != DC_OK) return dci_fail(c, st, "out of memory decoding the callback");
  return DC_OK;
}

/* RFC 6749 A.11: code = 1*VSCHAR; we also bound it like a token. */
static bool valid_code(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > DC_MAX_TOKEN_LEN) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch > 0x7e) return false;
  }
  return true;
}

/* RFC 6749 A.7: error = 1*NQSCHAR (%x20-21 / %x23-5B / %x5D-7E). */
static bool valid_error_code(const char *s)
{
  size_t n = strlen(s);
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') return false;
  }
  return true;
}

/* Sanitised copy of at most DC_MAX_OAUTH_ERROR_TEXT bytes (a cut value ends
 * in "..." and still fits). */
static char *sanitized_copy(const char *s)
{
  char tmp[DC_MAX_OAUTH_ERROR_TEXT + 1];
  size_t n = strlen(s);
  size_t keep = n <= DC_MAX_OAUTH_ERROR_TEXT ? n : DC_MAX_OAUTH_ERROR_TEXT - 3;
  dci_sanitize(tmp, sizeof tmp, s, n, keep);
  return dci_strdup(tmp);
}

static bool starts_with(const char *s, const char *prefix)
{
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* 1. The state, before anything else is reported (docs/security.md §6.2).
 * *state (the caller's to free) gets the decoded state, if any. */
static dc_status check_state(dc_client *c, const struct raw_param *p,
                             const char *expected_state, char **state)
{
  dc_status status = DC_OK;
  if (p[P_STATE].seen > 1) {
    status = dci_fail(c, DC_E_CALLBACK, "callback has more than one state parameter");
    goto done;
  }
  if (p[P_STATE].seen == 1) DCI_TRY(decode_param(c, &p[P_STATE], "state", state));
  if (expected_state == NULL) goto done;
  if (*state == NULL) {
    status = dci_fail(c, DC_E_STATE_MISMATCH, "callback carries no state");
    goto done;
  }
  if (!dci_consttime_eq(*state, strlen(*state), expected_state,
                        strlen(expected_state)))
    status = dci_fail(c, DC_E_STATE_MISMATCH,
                      "callback state does not match the expected state");
done:
  return status;
}

/* 2. The rest of the query must be well formed: code, error and
 * error_description decoded into the caller's *code, *error and *desc.
 * `sync`: the synchronous flow's return (docs/protocol.md §2.5), where no
 * code is expected (scan_query did not record one) and neither an error nor
 * anything else is a success. */
static dc_status check_rest(dc_client *c, const char *query, size_t len,
                            const struct raw_param *p, bool sync, char **code,
                            char **error, char **desc)
{
  dc_status status = DC_OK;
  if (memchr(query, '\0', len) != NULL) {
    status = dci_fail(c, DC_E_CALLBACK, "callback query contains a NUL byte");
    goto done;
  }
  for (int k = 0; k < P_COUNT; k++) {
    if (p[k].seen > 1) {
      status = dci_fail(c, DC_E_CALLBACK, "callback has more than one %s parameter",
                        k_names[k]);
      goto done;
    }
  }
  if (p[P_CODE].seen) DCI_TRY(decode_param(c, &p[P_CODE], "code", code));
  if (p[P_ERROR].seen) DCI_TRY(decode_param(c, &p[P_ERROR], "error", error));
  if (p[P_DESC].seen)
    DCI_TRY(decode_param(c, &p[P_DESC], "error_description", desc));

  if (*code != NULL && *error != NULL) {
    status = dci_fail(c, DC_E_CALLBACK, "callback carries both code and error");
    goto done;
  }
  if (*code == NULL && *error == NULL && !sync) {
    status = dci_fail(c, DC_E_CALLBACK, "callback carries neither code nor error");
    goto done;
  }
  if (*code != NULL && !valid_code(*code)) {
    /* never the value: it may be a real (if mangled) authorization code */
    status = dci_fail(c, DC_E_CALLBACK,
                      "callback code is empty, longer than %d bytes or not "
                      "printable ASCII", DC_MAX_TOKEN_LEN);
    goto done;
  }
  if (*error != NULL && !valid_error_code(*error))
    status = dci_fail(c, DC_E_CALLBACK,
                      "callback error is not a valid OAuth error code");
done:
  return status;
}

/* 3b. The provider's error outcome: sanitised copies on cb, and the status
 * (DC_E_NOMEM when a copy failed). docs/protocol.md §2.5: a user cancel is
 * access_denied with a description starting "user_cancel". */
static dc_status error_outcome(dc_client *c, dc_callback *cb, const char *error,
                               const char *desc)
{
  cb->error = sanitized_copy(error);
  if (cb->error == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  if (desc != NULL) {
    cb->error_description = sanitized_copy(desc);
    if (cb->error_description == NULL)
      return dci_fail(c, DC_E_NOMEM, "out of memory");
  }
  if (strcmp(error, "access_denied") == 0) {
    if (desc != NULL && starts_with(desc, "user_cancel"))
      return dci_fail(c, DC_E_USER_CANCEL, "user cancelled at the provider (%s)",
                      cb->error_description);
    return dci_fail(c, DC_E_ACCESS_DENIED, "provider denied access: %s%s%s",
                    cb->error, cb->error_description ? ": " : "",
                    cb->error_description ? cb->error_description : "");
  }
  return dci_fail(c, DC_E_PROVIDER_ERROR, "provider returned error %s%s%s",
                  cb->error, cb->error_description ? ": " : "",
                  cb->error_description ? cb->error_description : "");
}

/* dc_callback_parse and dc_sync_return_parse: the same checks in the same
 * order; `sync` ignores any code and accepts a return without an error as
 * the success outcome. */
static dc_status parse_return(dc_client *c, const char *query, size_t len,
                              const char *expected_state, bool sync, dc_callback **out)
{
  dc_status status = DC_OK;
  dc_callback *cb = NULL;
  char *code = NULL, *state = NULL, *error = NULL, *desc = NULL;
  struct raw_param p[P_COUNT];

  dci_clear(c);
  if (out == NULL) return dci_fail(c, DC_E_INVALID_ARG, "callback: out is NULL");
  *out = NULL;
  if (query == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "callback: query is NULL");

  if (len > 0 && query[0] == '?') { query++; len--; }
  if (len > DC_MAX_CALLBACK_QUERY)
    return dci_fail(c, DC_E_LIMIT, "callback query is %zu bytes, limit %d", len,
                    DC_MAX_CALLBACK_QUERY);

  memset(p, 0, sizeof p);
  scan_query(query, len, p);
  /* The synchronous return carries no code; one there is not ours to read
   * (an unknown parameter, like a redirect_uri's own query). */
  if (sync) memset(&p[P_CODE], 0, sizeof p[P_CODE]);
  DCI_TRY(check_state(c, p, expected_state, &state));
  DCI_TRY(check_rest(c, query, len, p, sync, &code, &error, &desc));

  /* 3. the outcome. */
  cb = calloc(1, sizeof *cb);
  if (cb == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  cb->state = state;
  state = NULL;
  if (code != NULL || error == NULL) {
    cb->code = code;
    code = NULL;
    *out = cb;
    cb = NULL;
    status = DC_OK;
    goto done;
  }
  status = error_outcome(c, cb, error, desc);
  if (status == DC_E_NOMEM) goto done;
  *out = cb;
  cb = NULL;

done:
  dci_free_secret(code);
  dci_free_secret(state);
  dci_free_secret(error);
  dci_free_secret(desc);
  dc_callback_free(cb);
  return status;
}

DC_API dc_status dc_callback_parse(dc_client *c, const char *query, size_t len,
                                   const char *expected_state, dc_callback **out)
{
  return parse_return(c, query, len, expected_state, false, out);
}

DC_API dc_status dc_sync_return_parse(dc_client *c, const char *query, size_t len,
                                      const char *expected_state, dc_callback **out)
{
  return parse_return(c, query, len, expected_state, true, out);
}

DC_API void dc_callback_free(dc_callback *cb)
{
  if (cb == NULL) return;
  dci_free_secret(cb->code);
  dci_free_secret(cb->state);
  free(cb->error);
  free(cb->error_description);
  free(cb);
}

DCI_GETTER(const char *, dc_callback_code, dc_callback, code, NULL)
DCI_GETTER(const char *, dc_callback_state, dc_callback, state, NULL)
DCI_GETTER(const char *, dc_callback_error, dc_callback, error, NULL)
DCI_GETTER(const char *, dc_callback_error_description, dc_callback, error_description, NULL)
