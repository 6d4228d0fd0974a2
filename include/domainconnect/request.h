/* Building the URLs a user agent is sent to: the synchronous apply URL
 * (optionally signed) and the asynchronous (OAuth) consent URL. */
#ifndef DOMAINCONNECT_REQUEST_H
#define DOMAINCONNECT_REQUEST_H

#include "domainconnect/common.h"
#include "domainconnect/settings.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dc_signer dc_signer;     /* see sign.h */
typedef struct dc_callback dc_callback; /* see oauth.h */

/* Query encoding profiles (docs/internals/query-encoding.md).
 * DC_PROFILE_DEFAULT: RFC 3986 (unreserved A-Za-z0-9-._~ kept, %20 for
 *   space, upper-case hex), pairs sorted by encoded name (byte order),
 *   signature appended as "&key=K&sig=S".
 * DC_PROFILE_PYTHON: byte-identical to the reference Python client: pairs
 *   sorted by raw name (code-point order), values as urllib.parse.urlencode
 *   (space -> '+', unreserved kept, rest %XX of UTF-8), signature appended as
 *   "&sig=S&key=K". */
typedef enum dc_profile { DC_PROFILE_DEFAULT = 0, DC_PROFILE_PYTHON = 1 } dc_profile;

/* What to apply, for which domain: one builder for both flows. */
typedef struct dc_request dc_request;

/* Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_request_new(dc_request **out);
DC_API void dc_request_free(dc_request *r); /* NULL is a no-op */

/* The protocol's own parameter names, which are never template variables
 * (docs/security.md §4.5); one list for both sides of the protocol.
 * DC_PARAM_URL: the names of the URLs and calls a service provider builds
 *   (domain, host, redirect_uri, state, groupId, providerName, serviceName,
 *   instanceId, sig, key, client_id, scope, response_type, force): a
 *   variable so named would replace what the user consented to, so URLs and
 *   calls refuse it (DC_E_RESERVED_PARAM).
 * DC_PARAM_OAUTH: the names of the OAuth token exchange (client_secret,
 *   grant_type, code, refresh_token, access_token). They never share a query
 *   or body with the variables a service provider sends, so it does not
 *   refuse them; a DNS provider reading a request's parameters must still not
 *   take them for variables (a %code% would copy a secret into DNS). */
typedef enum dc_param_kind {
  DC_PARAM_VARIABLE = 0, /* none of them: may be a template variable */
  DC_PARAM_URL = 1,
  DC_PARAM_OAUTH = 2
} dc_param_kind;

/* Which protocol parameter `name` is: exact, case-sensitive (the protocol's
 * names are); NULL is DC_PARAM_VARIABLE. A DNS provider sorting a request's
 * parameters from template variables drops every name that is not
 * DC_PARAM_VARIABLE. */
DC_API dc_param_kind dc_param_kind_of(const char *name);

/* Setters copy their argument. A NULL value clears an optional field.
 * Each returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM or DC_E_LIMIT; content is
 * validated when a URL is built, so the builder never half-fails. */
DC_API DC_WUR dc_status dc_request_set_domain(dc_request *r, const char *zone);
/* Sync flow: the single host (sub-domain inside the zone; "" = apex). */
DC_API DC_WUR dc_status dc_request_set_host(dc_request *r, const char *host);
/* Async consent: adds one host to the list ("" = the apex). */
DC_API DC_WUR dc_status dc_request_add_host(dc_request *r, const char *host);
DC_API DC_WUR dc_status dc_request_set_provider_id(dc_request *r, const char *provider_id);
/* Sync flow: the service id. Async: the first (or only) scope entry. */
DC_API DC_WUR dc_status dc_request_set_service_id(dc_request *r, const char *service_id);
/* Async consent: adds another service id to the scope. */
DC_API DC_WUR dc_status dc_request_add_service_id(dc_request *r, const char *service_id);
DC_API DC_WUR dc_status dc_request_set_redirect_uri(dc_request *r, const char *uri);
DC_API DC_WUR dc_status dc_request_set_state(dc_request *r, const char *state);
DC_API DC_WUR dc_status dc_request_add_group_id(dc_request *r, const char *group_id);
DC_API DC_WUR dc_status dc_request_set_provider_name(dc_request *r, const char *name);
DC_API DC_WUR dc_status dc_request_set_service_name(dc_request *r, const char *name);
DC_API DC_WUR dc_status dc_request_set_instance_id(dc_request *r, const char *instance_id);
/* Async consent: client_id (default: the provider id). */
DC_API DC_WUR dc_status dc_request_set_client_id(dc_request *r, const char *client_id);
/* Adds (or replaces) a template variable. */
DC_API DC_WUR dc_status dc_request_set_param(dc_request *r, const char *name, const char *value);

/* Builds the synchronous apply URL:
 *   {urlSyncUX}/v2/domainTemplates/providers/{providerId}/services/{serviceId}/apply?QUERY
 * QUERY holds domain, host (omitted when empty), the template variables,
 * redirect_uri, state, groupId (comma list), providerName, serviceName,
 * instanceId, encoded and ordered per `profile`; with a signer, the signature
 * over exactly those query bytes is appended (sig and key).
 * Returns DC_OK; DC_E_INVALID_ARG (no settings/request/out, no domain,
 * provider or service id, or more than one host); DC_E_NO_SYNC_UX;
 * DC_E_INVALID_DOMAIN / DC_E_INVALID_HOST; DC_E_INVALID_ID (ids not dc-id);
 * DC_E_RESERVED_PARAM (a variable named domain, host, redirect_uri, state,
 * groupId, providerName, serviceName, instanceId, sig, key, client_id,
 * scope, response_type or force); DC_E_INVALID_PARAM (empty or non-printable
 * name, value that is not valid UTF-8, empty or non-printable state);
 * DC_E_UNSAFE_URL (redirect_uri not an absolute https URL with a host, or
 * with a fragment); DC_E_LIMIT (more than DC_MAX_PARAMS pairs in all, query
 * longer than DC_MAX_QUERY_LEN, redirect_uri longer than DC_MAX_URL_LEN);
 * DC_E_NOMEM; DC_E_SIGN. *url: dc_free. */
DC_API DC_WUR dc_status dc_sync_apply_url(dc_client *c, const dc_settings *s,
                                          const dc_request *r, const dc_signer *signer,
                                          dc_profile profile, char **url);

/* Builds the asynchronous consent URL:
 *   {urlAsyncUX}/v2/domainTemplates/providers/{providerId}?QUERY
 * Group ids and the instance id are not part of the consent request (they
 * go with the later apply call) and are ignored here.
 * QUERY holds client_id (default providerId), scope (service ids joined by a
 * space, so encoded as %20 / '+'), domain, host (comma list, "" entry = apex;
 * omitted when no host was added), redirect_uri (required), response_type=code,
 * state, providerName, serviceName, and the variables; RFC 3986 encoding,
 * sorted by name.
 * Returns as dc_sync_apply_url, with DC_E_NO_ASYNC_UX instead of
 * DC_E_NO_SYNC_UX and DC_E_INVALID_ARG also when redirect_uri is missing. */
DC_API DC_WUR dc_status dc_consent_url(dc_client *c, const dc_settings *s,
                                       const dc_request *r, char **url);

/* Parses the synchronous flow's return: the query the provider appends to
 * the apply URL's redirect_uri (docs/protocol.md §2.5): state (echoed when
 * the request carried one) and, on failure, error and error_description
 * (RFC 6749 4.1.2.1 codes). Everything after '?' (a leading '?' skipped);
 * values percent-decoded ('+' is a space); state, error and
 * error_description given twice are refused; other parameters (the
 * redirect_uri's own query, a code) are ignored. `expected_state` (NULL
 * when the apply URL carried no state) is compared in constant time with
 * the received state before anything else is reported.
 * The outcome is the status; *out (read with dc_callback_state, _error and
 * _error_description of oauth.h; dc_callback_code is always NULL; free with
 * dc_callback_free) is set for the four outcomes:
 *   DC_OK                no error (a redirect proves nothing about DNS:
 *                        check it with dc_dns_check_applied)
 *   DC_E_USER_CANCEL     error=access_denied, description starts "user_cancel"
 *   DC_E_ACCESS_DENIED   error=access_denied otherwise
 *   DC_E_PROVIDER_ERROR  another error code
 * Otherwise *out is NULL and the status is DC_E_STATE_MISMATCH (missing or
 * different state), DC_E_CALLBACK (duplicate parameter, bad escape, NUL
 * byte, an error that is not an RFC 6749 error code), DC_E_LIMIT (longer than
 * DC_MAX_CALLBACK_QUERY), DC_E_INVALID_ARG or DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_sync_return_parse(dc_client *c, const char *query, size_t len,
                                             const char *expected_state,
                                             dc_callback **out);

#ifdef __cplusplus
}
#endif
#endif
