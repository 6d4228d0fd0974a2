/* dc_sync_apply_url: the synchronous apply URL (docs/protocol.md §2.2, §2.3;
 * spec "Apply Template" synchronous flow, "Digitally Sign Requests"). The
 * domain and host come from the request or, for settings that know them
 * (dc_discover), from the settings (dci_request_target). */
#include <stdlib.h>
#include <string.h>

#include "proto/settings.h"
#include "domainconnect/sign.h"
#include "proto/query.h"
#include "proto/request.h"

/* Protocol parameters the sync URL may carry besides the variables:
 * domain, host, redirect_uri, state, groupId, providerName, serviceName,
 * instanceId. */
#define SYNC_FIXED_PARAMS 8

DC_API dc_status dc_sync_apply_url(dc_client *c, const dc_settings *s,
                                   const dc_request *r, const dc_signer *signer,
                                   dc_profile profile, char **url)
{
  dc_status status = DC_OK;
  char *zone = NULL, *sig = NULL;
  char *hosts[DC_MAX_IDS] = {NULL};
  size_t n_hosts = 0;
  struct dci_pair *pairs = NULL;
  dci_buf groups, q;
  dci_buf_init(&groups, DC_MAX_QUERY_LEN);
  dci_buf_init(&q, DC_MAX_QUERY_LEN);

  if ((status = dci_request_url_args(c, s, r, url)) != DC_OK) return status;
  if (profile != DC_PROFILE_DEFAULT && profile != DC_PROFILE_PYTHON)
    return dci_fail(c, DC_E_INVALID_ARG, "unknown query profile %d", (int)profile);
  status = dci_request_url_needs(c, s->url_sync_ux, DC_E_NO_SYNC_UX, "urlSyncUX", r);
  if (status != DC_OK) return status;
  if (r->n_service_ids == 0) return dci_fail(c, DC_E_INVALID_ARG, "no service id set");
  if (r->n_service_ids > 1)
    return dci_fail(c, DC_E_INVALID_ARG,
                    "the synchronous flow applies one service id, %zu given",
                    r->n_service_ids);
  if (r->n_hosts > 1)
    return dci_fail(c, DC_E_INVALID_ARG,
                    "the synchronous flow takes one host, %zu given", r->n_hosts);

  /* Validate everything before building anything. */
  DCI_TRY(dci_request_check_id(c, "provider id", r->provider_id));
  DCI_TRY(dci_request_check_id(c, "service id", r->service_ids[0]));
  for (size_t i = 0; i < r->n_group_ids; i++)
    DCI_TRY(dci_request_check_id(c, "group id", r->group_ids[i]));
  if (r->instance_id != NULL) DCI_TRY(dci_request_check_id(c, "instance id", r->instance_id));
  /* zone and host: the request's, checked against (or taken from) the
   * settings' own when they know them (discovered settings). */
  DCI_TRY(dci_request_target(c, s, r, &zone, hosts, &n_hosts));
  const char *host = n_hosts == 1 ? hosts[0] : NULL;
  DCI_TRY(dci_request_check_vars(c, r));
  if (r->redirect_uri != NULL) DCI_TRY(dci_request_check_redirect_uri(c, r->redirect_uri));
  if (r->state != NULL) DCI_TRY(dci_request_check_vschar(c, "state", r->state));
  if (r->provider_name != NULL)
    DCI_TRY(dci_request_check_text(c, "providerName", r->provider_name));
  if (r->service_name != NULL)
    DCI_TRY(dci_request_check_text(c, "serviceName", r->service_name));
  if (signer != NULL && dc_signer_key_id(signer) == NULL) {
    status = dci_fail(c, DC_E_INVALID_ARG, "signer has no key id");
    goto done;
  }

  /* The pairs: the order here does not matter, the profile sorts them. */
  size_t n = 0;
  pairs = calloc(SYNC_FIXED_PARAMS + r->n_vars, sizeof *pairs);
  if (pairs == NULL) {
    status = DC_E_NOMEM;
    goto done;
  }
  pairs[n++] = (struct dci_pair){"domain", zone};
  if (host != NULL && host[0] != '\0') pairs[n++] = (struct dci_pair){"host", host};
  for (size_t i = 0; i < r->n_vars; i++)
    pairs[n++] = (struct dci_pair){r->vars[i].name, r->vars[i].value};
  if (r->redirect_uri != NULL) pairs[n++] = (struct dci_pair){"redirect_uri", r->redirect_uri};
  if (r->state != NULL) pairs[n++] = (struct dci_pair){"state", r->state};
  if (r->n_group_ids > 0) {
    for (size_t i = 0; i < r->n_group_ids; i++) {
      if (i > 0) DCI_TRY(dci_buf_append_char(&groups, ','));
      DCI_TRY(dci_buf_append_str(&groups, r->group_ids[i]));
    }
    pairs[n++] = (struct dci_pair){"groupId", groups.data};
  }
  if (r->provider_name != NULL) pairs[n++] = (struct dci_pair){"providerName", r->provider_name};
  if (r->service_name != NULL) pairs[n++] = (struct dci_pair){"serviceName", r->service_name};
  if (r->instance_id != NULL) pairs[n++] = (struct dci_pair){"instanceId", r->instance_id};

  DCI_TRY(dci_query_encode_checked(c, pairs, n, profile, &q));

  /* Spec "Digitally Sign Requests": the signature covers exactly the query
   * bytes that are sent, before the sig and key pairs. */
  if (signer != NULL) {
    DCI_TRY(dc_sign(c, signer, q.data ? q.data : "", q.len, &sig));
    status = dci_query_append_sig(&q, profile, sig, dc_signer_key_id(signer));
    if (status == DC_E_LIMIT) {
      status = dci_fail(c, DC_E_LIMIT, "signed query is longer than %d bytes",
                        DC_MAX_QUERY_LEN);
      goto done;
    }
    if (status != DC_OK) goto done;
  }

  /* {urlSyncUX}/v2/domainTemplates/providers/{providerId}/services/{serviceId}/apply?QUERY */
  status = dci_request_url(s->url_sync_ux, r->provider_id, r->service_ids[0], &q, url);

done:
  if (status == DC_E_NOMEM) dci_fail(c, DC_E_NOMEM, "out of memory");
  free(pairs);
  free(zone);
  for (size_t i = 0; i < n_hosts; i++) free(hosts[i]);
  dc_free(sig);
  dci_buf_free(&groups);
  dci_buf_free(&q);
  return status;
}
