/* The dc_request builder's struct and the checks shared by every URL/call
 * built from it (sync apply URL, async consent URL, async apply) (internal).
 *
 * The builder only copies and counts; every content rule is applied when a
 * URL is built, by the dci_request_* checks below. */
#ifndef DC_PROTO_REQUEST_H
#define DC_PROTO_REQUEST_H

#include "core/internal.h"
#include "domainconnect/request.h"

/* One template variable, as given (not encoded). */
struct dci_var {
  char *name;  /* 1..DC_MAX_PARAM_NAME bytes at the setter; syntax checked later */
  char *value; /* 0..DC_MAX_PARAM_VALUE bytes */
};

/* Every string is an owned copy or NULL (= not set). Lists hold n entries.
 * Semantics of the setters (request.c):
 * - set_host replaces the whole host list by one entry; add_host appends;
 *   either with NULL clears the list. The sync flow takes at most one host.
 * - set_service_id replaces entry 0 (or appends to an empty list);
 *   add_service_id appends; NULL clears the list. The sync flow takes
 *   exactly one service id, the consent URL one or more (scope).
 * - add_group_id appends; NULL clears the list.
 * - set_param replaces the value of a variable with the same (byte-equal)
 *   name, keeping its position; a NULL value removes the variable.
 * - state is wiped when replaced or freed (docs/security.md §6.2). */
struct dc_request {
  char *domain;
  char *provider_id;
  char *redirect_uri;
  char *state;
  char *provider_name;
  char *service_name;
  char *instance_id;
  char *client_id;
  char *hosts[DC_MAX_IDS];
  size_t n_hosts;
  char *service_ids[DC_MAX_IDS];
  size_t n_service_ids;
  char *group_ids[DC_MAX_IDS];
  size_t n_group_ids;
  struct dci_var vars[DC_MAX_PARAMS];
  size_t n_vars;
};

/* The checks below set a specific detail on `c` with dci_fail on failure
 * (never quoting state, values or signatures). */

/* r->domain normalised with dc_domain_normalize (A-label, lower case).
 * DC_E_INVALID_ARG (no domain), DC_E_INVALID_DOMAIN, DC_E_NOMEM.
 * *zone: free(). */
dc_status dci_request_zone(dc_client *c, const dc_request *r, char **zone);

/* The zone and hosts a URL is built for, from the request and the settings
 * (docs/api/request.md, "Settings that know their domain"):
 *  - zone: the request's domain (dci_request_zone); settings that know
 *    their zone (dc_settings_zone: discovered, or parsed with a zone) must
 *    name the same one, else DC_E_SETTINGS_MISMATCH; without a request
 *    domain the settings' zone is used; neither: DC_E_INVALID_ARG.
 *  - hosts: the request's (each checked with dci_request_host) into
 *    hosts[0..*n_hosts) (at most DC_MAX_IDS); discovered settings
 *    (dc_settings_host not NULL) with a host other than "" give that host
 *    when the request has none, and must be among the request's hosts
 *    otherwise (DC_E_SETTINGS_MISMATCH). A discovery at the zone apex ("")
 *    says nothing about hosts.
 * On failure nothing is left to free. */
dc_status dci_request_target(dc_client *c, const dc_settings *s, const dc_request *r,
                             char **zone, char **hosts, size_t *n_hosts);

/* One host part: lower-cased copy, checked with dci_check_host_part
 * ("" = apex is valid). DC_E_INVALID_HOST, DC_E_NOMEM. *out: free(). */
dc_status dci_request_host(dc_client *c, const char *host, char **out);

/* A dc-id (providerId, serviceId, groupId, instanceId); `what` names the
 * field in the detail. DC_E_INVALID_ID. */
dc_status dci_request_check_id(dc_client *c, const char *what, const char *id);

/* Every template variable: name syntax (dci_valid_param_name, else
 * DC_E_INVALID_PARAM), not a protocol name (dci_is_reserved_param, else
 * DC_E_RESERVED_PARAM), value valid UTF-8 (else DC_E_INVALID_PARAM). The
 * detail names the variable. */
dc_status dci_request_check_vars(dc_client *c, const dc_request *r);

/* redirect_uri: "https://" then a non-empty authority, printable ASCII
 * without spaces, no fragment, at most DC_MAX_URL_LEN bytes.
 * DC_E_UNSAFE_URL, DC_E_LIMIT. */
dc_status dci_request_check_redirect_uri(dc_client *c, const char *uri);

/* The start of both URL builders: the detail cleared; DC_E_INVALID_ARG for
 * a NULL url ("url is NULL"; else *url = NULL) and for NULL settings or
 * request. */
dc_status dci_request_url_args(dc_client *c, const dc_settings *s, const dc_request *r,
                               char **url);
/* What both URL builders need next, in this order: the flow's URL in the
 * settings (`ux` NULL: `ux_status` with "the provider's settings have no
 * UX_NAME"), a provider id (DC_E_INVALID_ARG). The domain may come from the
 * settings: dci_request_target. */
dc_status dci_request_url_needs(dc_client *c, const char *ux, dc_status ux_status,
                                const char *ux_name, const dc_request *r);

/* The URL a builder returns in *url (dc_free):
 *   {ux}/v2/domainTemplates/providers/{provider_id}?{query}       (consent)
 *   {ux}/v2/domainTemplates/providers/{provider_id}/services/{service}/apply?{query}
 * (service not NULL: the sync flow). Ids are dc-ids: nothing to encode in the
 * path. DC_E_NOMEM (no detail). */
dc_status dci_request_url(const char *ux, const char *provider_id, const char *service,
                          const dci_buf *query, char **url);

/* 1 or more VSCHAR (%x20-7E, RFC 6749 appendix A: state, client_id); the
 * value, perhaps a secret, is never quoted. DC_E_INVALID_PARAM naming
 * `what`. */
dc_status dci_request_check_vschar(dc_client *c, const char *what, const char *value);

/* A free-text value (providerName, serviceName): valid UTF-8 (strict: no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 * DC_E_INVALID_PARAM; `what` names the field in the detail. */
dc_status dci_request_check_text(dc_client *c, const char *what, const char *value);

#endif
