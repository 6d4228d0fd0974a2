/* Asynchronous (OAuth) flow, offline parts: the callback query, the token
 * model, and the 409 conflict body. The network calls come with the
 * transport (see the project issues). */
#ifndef DOMAINCONNECT_OAUTH_H
#define DOMAINCONNECT_OAUTH_H

#include <time.h>

#include "domainconnect/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- callback: the query the provider redirects the user agent back with */
typedef struct dc_callback dc_callback;

/* Parses the callback query (everything after '?'; a leading '?' is
 * skipped). Values are percent-decoded ('+' is a space). Known parameters
 * (code, state, error, error_description) given twice are refused; unknown
 * ones are ignored. `expected_state` (may be NULL when the request carried no
 * state) is compared in constant time with the received state; a missing or
 * different state is DC_E_STATE_MISMATCH.
 * The callback's outcome is returned as the status, and *out is set for
 * every outcome in which the query itself was well formed, so the caller can
 * read error and error_description:
 *   DC_OK                code present, no error
 *   DC_E_USER_CANCEL     error=access_denied, description starts "user_cancel"
 *   DC_E_ACCESS_DENIED   error=access_denied otherwise
 *   DC_E_PROVIDER_ERROR  another error code
 * With a malformed query *out is NULL and the status is DC_E_CALLBACK
 * (duplicate parameter, bad escape, neither code nor error, both),
 * DC_E_STATE_MISMATCH, DC_E_LIMIT (longer than DC_MAX_CALLBACK_QUERY),
 * DC_E_INVALID_ARG or DC_E_NOMEM. The state is checked before anything else
 * is reported, so an error outcome is only seen with a matching state. */
DC_API DC_WUR dc_status dc_callback_parse(dc_client *c, const char *query, size_t len,
                                          const char *expected_state, dc_callback **out);
DC_API void dc_callback_free(dc_callback *cb); /* wipes the code */
/* Borrowed; NULL when absent. error and description are sanitised
 * (printable ASCII only, at most 256 bytes). */
DC_API const char *dc_callback_code(const dc_callback *cb);
DC_API const char *dc_callback_state(const dc_callback *cb);
DC_API const char *dc_callback_error(const dc_callback *cb);
DC_API const char *dc_callback_error_description(const dc_callback *cb);

/* ---- token */
typedef struct dc_token dc_token;

/* Parses a token endpoint response body (JSON object, at most
 * DC_MAX_TOKEN_JSON bytes, duplicate keys refused):
 *   access_token  required, RFC 6750 b64token, 1..DC_MAX_TOKEN_LEN bytes
 *   token_type    required, "bearer" in any case (else DC_E_TOKEN_TYPE)
 *   expires_in    required, integer 1..DC_MAX_EXPIRES_IN (number or
 *                 decimal string)
 *   refresh_token optional, VSCHAR (0x20-0x7E), 1..DC_MAX_TOKEN_LEN
 * `api_url` and `provider_id` record which provider API issued it (both
 * required); `now` is the issue time (expiry = now + expires_in).
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_LIMIT, DC_E_JSON,
 * DC_E_TOKEN, DC_E_TOKEN_TYPE. */
DC_API DC_WUR dc_status dc_token_parse_response(dc_client *c, const char *json,
                                                size_t len, const char *api_url,
                                                const char *provider_id, time_t now,
                                                dc_token **out);
/* Serialises for storage: {"access_token","token_type":"bearer",
 * "refresh_token"?, "issued_at","expires_at","api_url","provider_id"}.
 * The result holds secrets: wipe it after use. */
DC_API DC_WUR dc_status dc_token_to_json(const dc_token *t, char **out);
/* Reads what dc_token_to_json wrote (same rules as the response parser).
 * Also reads a refresh-only document: {"refresh_token", "api_url"
 * [, "provider_id"]} with none of access_token, token_type, issued_at,
 * expires_at. The result is a refresh-only token: no access token (NULL),
 * issued_at and expires_at 0 (always expired), provider_id NULL when the
 * document has none; it serves dc_token_refresh (and auto-refresh) only,
 * and dc_token_to_json refuses it (DC_E_INVALID_ARG). */
DC_API DC_WUR dc_status dc_token_from_json(dc_client *c, const char *json, size_t len,
                                           dc_token **out);
/* dc_token_from_json for one API: `api_url` (NULL: as dc_token_from_json)
 * supplies the API of a refresh-only document that names none
 * ({"refresh_token"} alone) and must otherwise equal, compared in canonical
 * form, the document's api_url. Returns as dc_token_from_json, plus
 * DC_E_UNSAFE_URL (`api_url` or the document's breaks the URL rules) and
 * DC_E_API_MISMATCH (another API). */
DC_API DC_WUR dc_status dc_token_from_json_api(dc_client *c, const char *json, size_t len,
                                               const char *api_url, dc_token **out);
/* A copy of `t` (*out: dc_token_free). DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_token_copy(const dc_token *t, dc_token **out);
DC_API void dc_token_free(dc_token *t); /* wipes the tokens */
DC_API const char *dc_token_access_token(const dc_token *t); /* NULL: refresh-only */
DC_API const char *dc_token_refresh_token(const dc_token *t); /* NULL if none */
DC_API const char *dc_token_api_url(const dc_token *t);
DC_API const char *dc_token_provider_id(const dc_token *t); /* may be NULL: refresh-only */
DC_API time_t dc_token_issued_at(const dc_token *t);
DC_API time_t dc_token_expires_at(const dc_token *t);
/* True when now + skew >= expires_at, where skew is skew_seconds (< 0:
 * the default DC_DEFAULT_TOKEN_SKEW) but never more than a quarter of the
 * token's lifetime (expires_at - issued_at), so a token whose lifetime is
 * shorter than the skew is still usable right after it is issued. */
DC_API bool dc_token_expired(const dc_token *t, time_t now, long skew_seconds);

/* ---- 409 conflict body: {"code":"409","message":...,"records":[{type,host,data}]} */
typedef struct dc_conflicts dc_conflicts;

/* Parses a 409 body (at most DC_MAX_CONFLICT_JSON bytes). `code` may be a
 * string or a number; `message` optional; `records` optional array of
 * objects whose type, host and data are strings (host and data may be
 * absent: empty). Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_LIMIT,
 * DC_E_JSON, DC_E_CONFLICT_BODY. */
DC_API DC_WUR dc_status dc_conflicts_parse(dc_client *c, const char *json, size_t len,
                                           dc_conflicts **out);
DC_API void dc_conflicts_free(dc_conflicts *cf);
DC_API const char *dc_conflicts_code(const dc_conflicts *cf);    /* NULL if absent */
DC_API const char *dc_conflicts_message(const dc_conflicts *cf); /* NULL if absent */
DC_API size_t dc_conflicts_count(const dc_conflicts *cf);
DC_API const char *dc_conflicts_type(const dc_conflicts *cf, size_t i);
DC_API const char *dc_conflicts_host(const dc_conflicts *cf, size_t i);
DC_API const char *dc_conflicts_data(const dc_conflicts *cf, size_t i);

#ifdef __cplusplus
}
#endif
#endif
