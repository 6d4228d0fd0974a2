/* OAuth token model: the token endpoint response, a storage form, expiry.
 *
 * Protocol: docs/protocol.md §3.3 (response {access_token, token_type,
 * expires_in, refresh_token}); docs/security.md §6.4 (syntax and range
 * rules) and §7 (wipe, never log). RFC 6750 2.1 (b64token), RFC 6749 A.17
 * (refresh_token = 1*VSCHAR).
 *
 * Decisions beyond the header contract:
 *   - expires_in outside 1..DC_MAX_EXPIRES_IN is refused (DC_E_TOKEN), not
 *     clamped. A decimal string is 1*DIGIT (no sign, no spaces, no
 *     fraction); JSON reals (3600.5, 1e9, even 3600.0) are refused.
 *   - "refresh_token": null is treated as absent (some servers send it).
 *   - An access/refresh token longer than DC_MAX_TOKEN_LEN is DC_E_TOKEN.
 *   - api_url (argument): at most DC_MAX_URL_LEN bytes, starts with
 *     "https://" (scheme case-insensitive) plus at least one byte, and every
 *     byte is in 0x21..0x7E and not one RFC 3986 never allows in a URI
 *     ("<>\"\\^`{|}"). The full URL policy is applied elsewhere.
 *   - now must be >= 0 and now + expires_in must fit in time_t, else
 *     DC_E_INVALID_ARG.
 *   - Storage form: keys always in this order, no whitespace:
 *       {"access_token":..,"token_type":"bearer","refresh_token":..,
 *        "issued_at":N,"expires_at":N,"api_url":..,"provider_id":..}
 *     (refresh_token omitted when absent; issued_at/expires_at integers,
 *     Unix seconds). dc_token_from_json ignores unknown keys, requires
 *     0 <= issued_at < expires_at <= issued_at + DC_MAX_EXPIRES_IN, and
 *     reports bad api_url / provider_id inside the document as DC_E_TOKEN.
 *   - Malformed JSON is reported without jansson's text (which can quote
 *     bytes of the input, i.e. of a token).
 *   - dc_token_expired(NULL, ...) is 1 (an absent token is unusable).
 *   - A refresh-only document ({refresh_token, api_url[, provider_id]},
 *     none of access_token, token_type, issued_at, expires_at) reads as a
 *     token without an access token, issued_at = expires_at = 0 (expired);
 *     a document with any of those members is read as a full one. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/validate.h"
#include "domainconnect/oauth.h"
#include "guard/url_rules.h"

_Static_assert((time_t)-1 < 0, "time_t must be a signed integer type");
#define DCI_TIME_T_MAX                                                         \
  ((time_t)(((uintmax_t)1 << (sizeof(time_t) * CHAR_BIT - 1)) - 1))

struct dc_token {
  char *access_token;  /* secret */
  char *refresh_token; /* secret; NULL when none */
  char *api_url;
  char *provider_id;
  time_t issued_at;
  time_t expires_at;
};

DC_API void dc_token_free(dc_token *t)
{
  if (t == NULL) return;
  dci_free_secret(t->access_token);
  dci_free_secret(t->refresh_token);
  free(t->api_url);
  free(t->provider_id);
  dci_wipe(t, sizeof *t);
  free(t);
}

/* ---- syntax rules */

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
 * "/" ) *"=" */
static bool valid_access_token(const char *s, size_t n)
{
  if (n == 0 || n > DC_MAX_TOKEN_LEN) return false;
  size_t i = 0;
  while (i < n) {
    unsigned char ch = (unsigned char)s[i];
    if (!dci_is_alnum(ch) && ch != '-' && ch != '.' && ch != '_' && ch != '~' &&
        ch != '+' && ch != '/')
      break;
    i++;
  }
  if (i == 0) return false;
  while (i < n && s[i] == '=') i++;
  return i == n;
}

/* RFC 6749 A.17: refresh-token = 1*VSCHAR */
static bool valid_refresh_token(const char *s, size_t n)
{
  if (n == 0 || n > DC_MAX_TOKEN_LEN) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch > 0x7e) return false;
  }
  return true;
}

static bool valid_api_url(const char *s)
{
  static const char k_prefix[] = "https://";
  size_t n = strlen(s);
  size_t plen = sizeof k_prefix - 1;
  if (n <= plen || n > DC_MAX_URL_LEN) return false;
  for (size_t i = 0; i < plen; i++)
    if (dci_lower((unsigned char)s[i]) != (unsigned char)k_prefix[i]) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch <= 0x20 || ch >= 0x7f) return false;
    if (strchr("<>\"\\^`{|}", ch) != NULL) return false;
  }
  return true;
}

/* ---- field readers over a loaded object. `what` names the document. */

/* Scrubs jansson's private copy of a secret string before it is released. */
static void scrub_json_string(json_t *v)
{
  if (json_is_string(v))
    dci_wipe((char *)(uintptr_t)json_string_value(v), json_string_length(v));
}

/* The token string member `key`: a string that passes valid(s, n), copied
 * into *out; else DC_E_TOKEN naming what it is not (`rule`). Absent: DC_E_TOKEN
 * when `required`; else (absent or null) *out stays NULL. */
static dc_status read_token_string(dc_client *c, const char *what, json_t *root,
                                   const char *key, bool required,
                                   bool (*valid)(const char *s, size_t n), const char *rule,
                                   char **out)
{
  json_t *v = json_object_get(root, key);
  if (v == NULL && required) return dci_fail(c, DC_E_TOKEN, "%s: %s missing", what, key);
  if (v == NULL || (!required && json_is_null(v))) return DC_OK;
  if (!json_is_string(v))
    return dci_fail(c, DC_E_TOKEN, "%s: %s is not a string", what, key);
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  if (strlen(s) != n || !valid(s, n))
    return dci_fail(c, DC_E_TOKEN, "%s: %s is empty, longer than %d bytes or not %s", what,
                    key, DC_MAX_TOKEN_LEN, rule);
  *out = dci_strndup(s, n);
  return *out ? DC_OK : dci_fail(c, DC_E_NOMEM, "out of memory");
}

static dc_status read_access_token(dc_client *c, const char *what, json_t *root,
                                   char **out)
{
  return read_token_string(c, what, root, "access_token", true, valid_access_token,
                           "an RFC 6750 b64token", out);
}

static dc_status read_refresh_token(dc_client *c, const char *what, json_t *root,
                                    char **out)
{
  return read_token_string(c, what, root, "refresh_token", false, valid_refresh_token,
                           "printable ASCII", out);
}

/* docs/security.md §6.4 / RFC 6749 7.1: bearer, case-insensitively. */
static dc_status check_token_type(dc_client *c, const char *what, json_t *root)
{
  json_t *v = json_object_get(root, "token_type");
  if (v == NULL) return dci_fail(c, DC_E_TOKEN, "%s: token_type missing", what);
  if (!json_is_string(v))
    return dci_fail(c, DC_E_TOKEN, "%s: token_type is not a string", what);
  const char *s = json_string_value(v);
  if (strlen(s) != json_string_length(v) || !dci_streq_nocase(s, "bearer")) {
    char safe[80];
    dci_sanitize(safe, sizeof safe, s, strlen(s), 64);
    return dci_fail(c, DC_E_TOKEN_TYPE, "%s: token_type \"%s\" is not bearer",
                    what, safe);
  }
  return DC_OK;
}

/* expires_in: integer or decimal string, 1..DC_MAX_EXPIRES_IN. */
static dc_status read_expires_in(dc_client *c, const char *what, json_t *root,
                                 long *out)
{
  json_t *v = json_object_get(root, "expires_in");
  if (v == NULL) return dci_fail(c, DC_E_TOKEN, "%s: expires_in missing", what);
  long val = -1;
  if (json_is_integer(v)) {
    json_int_t i = json_integer_value(v);
    if (i >= 1 && i <= DC_MAX_EXPIRES_IN) val = (long)i;
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    long acc = 0;
    bool ok = n > 0;
    for (size_t i = 0; ok && i < n; i++) {
      unsigned char ch = (unsigned char)s[i];
      if (!dci_is_digit(ch)) ok = false;
      else if (acc <= DC_MAX_EXPIRES_IN) acc = acc * 10 + (ch - '0'); /* no overflow */
    }
    if (ok && acc >= 1 && acc <= DC_MAX_EXPIRES_IN) val = acc;
  } else {
    return dci_fail(c, DC_E_TOKEN, "%s: expires_in is not an integer", what);
  }
  if (val < 0)
    return dci_fail(c, DC_E_TOKEN,
                    "%s: expires_in is not an integer between 1 and %ld", what,
                    (long)DC_MAX_EXPIRES_IN);
  *out = val;
  return DC_OK;
}

static dc_status read_time(dc_client *c, json_t *root, const char *key, time_t *out)
{
  json_t *v = json_object_get(root, key);
  if (v == NULL) return dci_fail(c, DC_E_TOKEN, "token document: %s missing", key);
  if (!json_is_integer(v))
    return dci_fail(c, DC_E_TOKEN, "token document: %s is not an integer", key);
  json_int_t i = json_integer_value(v);
  if (i < 0 || (uintmax_t)i > (uintmax_t)DCI_TIME_T_MAX)
    return dci_fail(c, DC_E_TOKEN, "token document: %s is out of range", key);
  *out = (time_t)i;
  return DC_OK;
}

static dc_status read_plain_string(dc_client *c, json_t *root, const char *key,
                                   char **out)
{
  json_t *v = json_object_get(root, key);
  if (v == NULL) return dci_fail(c, DC_E_TOKEN, "token document: %s missing", key);
  if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
    return dci_fail(c, DC_E_TOKEN, "token document: %s is not a string", key);
  *out = dci_strdup(json_string_value(v));
  return *out ? DC_OK : dci_fail(c, DC_E_NOMEM, "out of memory");
}

/* Loads the JSON as a sensitive document: a syntax error's detail gives the
 * position only, never jansson's text, which may quote part of a token. */
static dc_status load(dc_client *c, const char *what, const char *json,
                      size_t len, json_t **root)
{
  return dci_json_load(c, what, json, len, DC_MAX_TOKEN_JSON, true, true, root);
}

static void release(json_t *root)
{
  if (root == NULL) return;
  scrub_json_string(json_object_get(root, "access_token"));
  scrub_json_string(json_object_get(root, "refresh_token"));
  json_decref(root);
}

/* What both parsers start with: the document loaded as a sensitive one, a
 * new token *t, its access_token and its token_type. */
static dc_status start(dc_client *c, const char *what, const char *json, size_t len,
                       json_t **root, dc_token **t)
{
  dc_status status = load(c, what, json, len, root);
  if (status != DC_OK) return status;
  *t = calloc(1, sizeof **t);
  if (*t == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  status = read_access_token(c, what, *root, &(*t)->access_token);
  return status == DC_OK ? check_token_type(c, what, *root) : status;
}

/* What both parsers end with: the document released (its secrets scrubbed),
 * and *out = t on success, else t freed. */
static dc_status finish(dc_status status, json_t *root, dc_token *t, dc_token **out)
{
  release(root);
  if (status == DC_OK) *out = t;
  else dc_token_free(t);
  return status;
}

DC_API dc_status dc_token_parse_response(dc_client *c, const char *json,
                                         size_t len, const char *api_url,
                                         const char *provider_id, time_t now,
                                         dc_token **out)
{
  static const char what[] = "token response";
  dc_status status = DC_OK;
  json_t *root = NULL;
  dc_token *t = NULL;
  long expires_in = 0;

  dci_clear(c);
  if (out == NULL) return dci_fail(c, DC_E_INVALID_ARG, "token: out is NULL");
  *out = NULL;
  if (json == NULL || api_url == NULL || provider_id == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "token: NULL argument");
  if (!valid_api_url(api_url))
    return dci_fail(c, DC_E_INVALID_ARG, "token: api_url is not an https URL");
  if (!dci_valid_dc_id(provider_id))
    return dci_fail(c, DC_E_INVALID_ARG, "token: provider_id is not a valid dc-id");
  if (now < 0) return dci_fail(c, DC_E_INVALID_ARG, "token: issue time is negative");

  DCI_TRY(start(c, what, json, len, &root, &t));
  DCI_TRY(read_expires_in(c, what, root, &expires_in));
  DCI_TRY(read_refresh_token(c, what, root, &t->refresh_token));
  if (now > DCI_TIME_T_MAX - (time_t)expires_in) {
    status = dci_fail(c, DC_E_INVALID_ARG, "token: issue time too large");
    goto done;
  }
  t->issued_at = now;
  t->expires_at = now + (time_t)expires_in;
  t->api_url = dci_strdup(api_url);
  t->provider_id = dci_strdup(provider_id);
  if (t->api_url == NULL || t->provider_id == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
done:
  return finish(status, root, t, out);
}

/* A refresh-only document: a refresh token and an API URL, and none of the
 * access token's members. */
static bool refresh_only_doc(json_t *root)
{
  return json_object_get(root, "access_token") == NULL &&
         json_object_get(root, "token_type") == NULL &&
         json_object_get(root, "issued_at") == NULL &&
         json_object_get(root, "expires_at") == NULL &&
         json_object_get(root, "refresh_token") != NULL;
}

/* {refresh_token, api_url [, provider_id]} into a refresh-only token
 * (access token NULL, issued_at = expires_at = 0: always expired). */
static dc_status refresh_only(dc_client *c, json_t *root, const char *api_url,
                              dc_token **t)
{
  static const char what[] = "refresh-only token document";
  dc_status status = DC_OK;
  *t = calloc(1, sizeof **t);
  if (*t == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  DCI_TRY(read_token_string(c, what, root, "refresh_token", true, valid_refresh_token,
                            "printable ASCII", &(*t)->refresh_token));
  if (api_url != NULL && json_object_get(root, "api_url") == NULL) {
    (*t)->api_url = dci_strdup(api_url); /* supplied by the caller */
    if ((*t)->api_url == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  } else {
    DCI_TRY(read_plain_string(c, root, "api_url", &(*t)->api_url));
  }
  if (!valid_api_url((*t)->api_url)) {
    status = dci_fail(c, DC_E_TOKEN, "%s: api_url is not an https URL", what);
    goto done;
  }
  if (json_object_get(root, "provider_id") != NULL) {
    DCI_TRY(read_plain_string(c, root, "provider_id", &(*t)->provider_id));
    if (!dci_valid_dc_id((*t)->provider_id))
      status = dci_fail(c, DC_E_TOKEN, "%s: provider_id is not a valid dc-id", what);
  }
done:
  return status;
}

static dc_status from_json(dc_client *c, const char *json, size_t len,
                           const char *api_url, dc_token **out)
{
  static const char what[] = "token document";
  dc_status status = DC_OK;
  json_t *root = NULL;
  dc_token *t = NULL;

  if (out != NULL) *out = NULL;
  DCI_TRY(dci_json_args(c, "token", out != NULL, json != NULL));

  DCI_TRY(load(c, what, json, len, &root));
  if (refresh_only_doc(root)) {
    status = refresh_only(c, root, api_url, &t);
    goto done;
  }
  release(root); /* read again as a full document */
  root = NULL;
  DCI_TRY(start(c, what, json, len, &root, &t));
  DCI_TRY(read_refresh_token(c, what, root, &t->refresh_token));
  DCI_TRY(read_time(c, root, "issued_at", &t->issued_at));
  DCI_TRY(read_time(c, root, "expires_at", &t->expires_at));
  if (t->expires_at <= t->issued_at ||
      t->expires_at - t->issued_at > (time_t)DC_MAX_EXPIRES_IN) {
    status = dci_fail(c, DC_E_TOKEN,
                      "%s: expires_at is not 1..%ld seconds after issued_at",
                      what, (long)DC_MAX_EXPIRES_IN);
    goto done;
  }
  DCI_TRY(read_plain_string(c, root, "api_url", &t->api_url));
  if (!valid_api_url(t->api_url)) {
    status = dci_fail(c, DC_E_TOKEN, "%s: api_url is not an https URL", what);
    goto done;
  }
  DCI_TRY(read_plain_string(c, root, "provider_id", &t->provider_id));
  if (!dci_valid_dc_id(t->provider_id)) {
    status = dci_fail(c, DC_E_TOKEN, "%s: provider_id is not a valid dc-id", what);
    goto done;
  }
done:
  return finish(status, root, t, out);
}

DC_API dc_status dc_token_from_json(dc_client *c, const char *json, size_t len,
                                    dc_token **out)
{
  return from_json(c, json, len, NULL, out);
}

DC_API dc_status dc_token_from_json_api(dc_client *c, const char *json, size_t len,
                                        const char *api_url, dc_token **out)
{
  dc_status status = DC_OK;
  char *want = NULL, *have = NULL;
  dc_token *t = NULL;
  if (out != NULL) *out = NULL;
  if (api_url == NULL) return from_json(c, json, len, NULL, out);
  if (out == NULL) return dci_fail(c, DC_E_INVALID_ARG, "token: out is NULL");
  DCI_TRY(dci_check_https_url(c, "api_url", api_url, false, &want));
  DCI_TRY(from_json(c, json, len, want, &t));
  /* The document's API must be the one given (compared canonically). */
  status = dci_check_https_url(c, "token api_url", t->api_url, false, &have);
  if (status == DC_OK && strcmp(have, want) != 0)
    status = dci_fail(c, DC_E_API_MISMATCH,
                      "token document: its api_url %s is not the given %s", have, want);
  if (status != DC_OK) goto done;
  *out = t;
  t = NULL;
done:
  dc_token_free(t);
  free(want);
  free(have);
  return status;
}

/* ---- storage form */

static dc_status append_member(dci_buf *b, const char *key, bool first)
{
  dc_status st = first ? DC_OK : dci_buf_append_char(b, ',');
  if (st == DC_OK) st = dci_json_append_str(b, key);
  if (st == DC_OK) st = dci_buf_append_char(b, ':');
  return st;
}

static dc_status append_int(dci_buf *b, time_t v)
{
  char num[32];
  int n = snprintf(num, sizeof num, "%lld", (long long)v);
  if (n < 0 || (size_t)n >= sizeof num) return DC_E_INTERNAL;
  return dci_buf_append(b, num, (size_t)n);
}

DC_API dc_status dc_token_to_json(const dc_token *t, char **out)
{
  dc_status status = DC_OK;
  dci_buf b;

  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  if (t == NULL || t->access_token == NULL || t->api_url == NULL ||
      t->provider_id == NULL)
    return DC_E_INVALID_ARG;

  /* Bounded by DC_MAX_TOKEN_JSON so that dc_token_from_json always reads it
   * back; with the field limits above the worst case is about 15 KiB. */
  dci_buf_init(&b, DC_MAX_TOKEN_JSON);
  b.secret = true;
  DCI_TRY(dci_buf_append_char(&b, '{'));
  DCI_TRY(append_member(&b, "access_token", true));
  DCI_TRY(dci_json_append_str(&b, t->access_token));
  DCI_TRY(append_member(&b, "token_type", false));
  DCI_TRY(dci_json_append_str(&b, "bearer"));
  if (t->refresh_token != NULL) {
    DCI_TRY(append_member(&b, "refresh_token", false));
    DCI_TRY(dci_json_append_str(&b, t->refresh_token));
  }
  DCI_TRY(append_member(&b, "issued_at", false));
  DCI_TRY(append_int(&b, t->issued_at));
  DCI_TRY(append_member(&b, "expires_at", false));
  DCI_TRY(append_int(&b, t->expires_at));
  DCI_TRY(append_member(&b, "api_url", false));
  DCI_TRY(dci_json_append_str(&b, t->api_url));
  DCI_TRY(append_member(&b, "provider_id", false));
  DCI_TRY(dci_json_append_str(&b, t->provider_id));
  DCI_TRY(dci_buf_append_char(&b, '}'));
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;

done:
  dci_buf_free(&b);
  return status;
}

static char *dup_or_null(const char *s, bool *ok)
{
  if (s == NULL) return NULL;
  char *d = dci_strdup(s);
  if (d == NULL) *ok = false;
  return d;
}

DC_API dc_status dc_token_copy(const dc_token *t, dc_token **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  if (t == NULL) return DC_E_INVALID_ARG;
  dc_token *n = calloc(1, sizeof *n);
  if (n == NULL) return DC_E_NOMEM;
  bool ok = true;
  n->access_token = dup_or_null(t->access_token, &ok);
  n->refresh_token = dup_or_null(t->refresh_token, &ok);
  n->api_url = dup_or_null(t->api_url, &ok);
  n->provider_id = dup_or_null(t->provider_id, &ok);
  n->issued_at = t->issued_at;
  n->expires_at = t->expires_at;
  if (!ok) {
    dc_token_free(n);
    return DC_E_NOMEM;
  }
  *out = n;
  return DC_OK;
}

/* ---- getters */

DCI_GETTER(const char *, dc_token_access_token, dc_token, access_token, NULL)
DCI_GETTER(const char *, dc_token_refresh_token, dc_token, refresh_token, NULL)
DCI_GETTER(const char *, dc_token_api_url, dc_token, api_url, NULL)
DCI_GETTER(const char *, dc_token_provider_id, dc_token, provider_id, NULL)
DCI_GETTER(time_t, dc_token_issued_at, dc_token, issued_at, 0)
DCI_GETTER(time_t, dc_token_expires_at, dc_token, expires_at, 0)

/* docs/security.md §6.6: refresh when now + skew >= expiry, the skew being
 * at most a quarter (DC_TOKEN_SKEW_DIVISOR) of the token's lifetime, so a
 * token shorter-lived than the skew is usable when issued (issue 11 point
 * 5). Computed without signed overflow for any now / skew. */
DC_API bool dc_token_expired(const dc_token *t, time_t now, long skew_seconds)
{
  if (t == NULL) return 1;
  if (skew_seconds < 0) skew_seconds = DC_DEFAULT_TOKEN_SKEW;
  if (now >= t->expires_at) return 1;
  uintmax_t skew = (uintmax_t)skew_seconds;
  if (t->expires_at > t->issued_at) {
    uintmax_t cap = ((uintmax_t)t->expires_at - (uintmax_t)t->issued_at) /
                    DC_TOKEN_SKEW_DIVISOR;
    if (skew > cap) skew = cap;
  }
  uintmax_t left = (uintmax_t)t->expires_at - (uintmax_t)now; /* > 0 */
  return left <= skew;
}
