/* dc_consent_url: the asynchronous flow's OAuth authorization URL
 * (docs/protocol.md §3.2; spec "Async: OAuth Flow", "Getting Authorization").
 * The domain and hosts come from the request or, for settings that know
 * them (dc_discover), from the settings (dci_request_target). */
#include <stdlib.h>
#include <string.h>

#include "proto/settings.h"
#include "proto/query.h"
#include "proto/request.h"

/* client_id, scope, domain, host, redirect_uri, response_type, state,
 * providerName, serviceName. */
#define CONSENT_FIXED_PARAMS 9

DC_API dc_status dc_consent_url(dc_client *c, const dc_settings *s,
                                const dc_request *r, char **url)
{
  dc_status status = DC_OK;
  char *zone = NULL;
  char *hosts[DC_MAX_IDS] = {NULL};
  size_t n_hosts = 0;
  struct dci_pair *pairs = NULL;
  dci_buf scope, hostlist, q;
  dci_buf_init(&scope, DC_MAX_QUERY_LEN);
  dci_buf_init(&hostlist, DC_MAX_QUERY_LEN);
  dci_buf_init(&q, DC_MAX_QUERY_LEN);

  if ((status = dci_request_url_args(c, s, r, url)) != DC_OK ||
      (status = dci_request_url_needs(c, s->url_async_ux, DC_E_NO_ASYNC_UX, "urlAsyncUX",
                                      r)) != DC_OK)
    return status;
  if (r->n_service_ids == 0)
    return dci_fail(c, DC_E_INVALID_ARG, "no service id set (the scope is empty)");
  if (r->redirect_uri == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "the consent URL needs a redirect_uri");

  const char *client_id = r->client_id ? r->client_id : r->provider_id;
  DCI_TRY(dci_request_check_id(c, "provider id", r->provider_id));
  for (size_t i = 0; i < r->n_service_ids; i++)
    DCI_TRY(dci_request_check_id(c, "service id", r->service_ids[i]));
  /* OAuth client_id (RFC 6749 appendix A.1: *VSCHAR; we want at least one) */
  DCI_TRY(dci_request_check_vschar(c, "client_id", client_id));
  /* zone and hosts: the request's, checked against (or taken from) the
   * settings' own when they know them (discovered settings). */
  DCI_TRY(dci_request_target(c, s, r, &zone, hosts, &n_hosts));
  DCI_TRY(dci_request_check_vars(c, r));
  DCI_TRY(dci_request_check_redirect_uri(c, r->redirect_uri));
  if (r->state != NULL) DCI_TRY(dci_request_check_vschar(c, "state", r->state));
  if (r->provider_name != NULL)
    DCI_TRY(dci_request_check_text(c, "providerName", r->provider_name));
  if (r->service_name != NULL)
    DCI_TRY(dci_request_check_text(c, "serviceName", r->service_name));

  /* scope: the service ids separated by a space (an OAuth scope list). */
  for (size_t i = 0; i < r->n_service_ids; i++) {
    if (i > 0) DCI_TRY(dci_buf_append_char(&scope, ' '));
    DCI_TRY(dci_buf_append_str(&scope, r->service_ids[i]));
  }
  /* host: comma-separated; an empty entry stands for the zone apex. */
  for (size_t i = 0; i < n_hosts; i++) {
    if (i > 0) DCI_TRY(dci_buf_append_char(&hostlist, ','));
    DCI_TRY(dci_buf_append_str(&hostlist, hosts[i]));
  }

  size_t n = 0;
  pairs = calloc(CONSENT_FIXED_PARAMS + r->n_vars, sizeof *pairs);
  if (pairs == NULL) {
    status = DC_E_NOMEM;
    goto done;
  }
  pairs[n++] = (struct dci_pair){"client_id", client_id};
  pairs[n++] = (struct dci_pair){"scope", scope.data};
  pairs[n++] = (struct dci_pair){"domain", zone};
  if (n_hosts > 0) pairs[n++] = (struct dci_pair){"host", hostlist.data ? hostlist.data : ""};
  pairs[n++] = (struct dci_pair){"redirect_uri", r->redirect_uri};
  pairs[n++] = (struct dci_pair){"response_type", "code"};
  if (r->state != NULL) pairs[n++] = (struct dci_pair){"state", r->state};
  if (r->provider_name != NULL) pairs[n++] = (struct dci_pair){"providerName", r->provider_name};
  if (r->service_name != NULL) pairs[n++] = (struct dci_pair){"serviceName", r->service_name};
  for (size_t i = 0; i < r->n_vars; i++)
    pairs[n++] = (struct dci_pair){r->vars[i].name, r->vars[i].value};

  DCI_TRY(dci_query_encode_checked(c, pairs, n, DC_PROFILE_DEFAULT, &q));

  /* {urlAsyncUX}/v2/domainTemplates/providers/{providerId}?QUERY */
  status = dci_request_url(s->url_async_ux, r->provider_id, NULL, &q, url);

done:
  if (status == DC_E_NOMEM) dci_fail(c, DC_E_NOMEM, "out of memory");
  free(pairs);
  free(zone);
  for (size_t i = 0; i < n_hosts; i++) free(hosts[i]);
  dci_buf_free(&scope);
  dci_buf_free(&hostlist);
  dci_buf_free(&q);
  return status;
}
