/* DNSSEC options of the client (include/domainconnect/net.h;
 * docs/security.md §8): the policy and the trust anchors. The validation
 * itself is src/dns/validate.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/anchors.h"
#include "domainconnect/net.h"

DC_API dc_status dc_client_set_dnssec(dc_client *c, dc_dnssec_policy policy)
{
  if (c == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if ((int)policy < DC_DNSSEC_OFF || (int)policy > DC_DNSSEC_REQUIRE)
    return dci_fail(c, DC_E_INVALID_ARG, "DNSSEC: %d is not a policy", (int)policy);
#ifndef DC_HAVE_UNBOUND
  if (policy != DC_DNSSEC_OFF)
    return dci_fail(c, DC_E_DNSSEC_UNAVAILABLE,
                    "DNSSEC: this build has no DNSSEC support (built without libunbound)");
#endif
  cfg->dnssec_policy = (int)policy;
  return DC_OK;
}

DC_API dc_status dc_client_add_trust_anchor(dc_client *c, const char *rr)
{
  if (c == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (rr == NULL) return dci_fail(c, DC_E_INVALID_ARG, "trust anchor: NULL");
  size_t line_no = 0;
  const char *why = "";
  if (memchr(rr, '\n', strlen(rr)) != NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "trust anchor: one record, without a newline");
  dc_status st = dci_ta_parse_text(rr, strlen(rr), &cfg->ta, &line_no, &why);
  if (st == DC_E_NOMEM) return dci_fail(c, st, "out of memory");
  if (st != DC_OK) return dci_fail(c, st, "trust anchor: %s", why);
  return DC_OK;
}

DC_API dc_status dc_client_add_trust_anchor_file(dc_client *c, const char *path)
{
  if (c == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (path == NULL) return dci_fail(c, DC_E_INVALID_ARG, "trust anchor file: NULL path");
  return dci_ta_read_file(c, path, &cfg->ta);
}

DC_API dc_status dc_client_set_trust_anchor_autr(dc_client *c, const char *path)
{
  dc_status status = DC_OK;
  struct dci_ta_list probe = {0};
  char *copy = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (path == NULL) {
    free(cfg->ta_autr);
    cfg->ta_autr = NULL;
    return DC_OK;
  }
  DCI_TRY(dci_ta_read_file(c, path, &probe));
  if (access(path, W_OK) != 0) {
    char safe[160];
    dci_sanitize(safe, sizeof safe, path, strlen(path), 120);
    status = dci_fail(c, DC_E_IO, "trust anchor state file %s: not writable (%s)", safe,
                      strerror(errno));
    goto done;
  }
  copy = dci_strdup(path);
  if (copy == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  free(cfg->ta_autr);
  cfg->ta_autr = copy;
done:
  dci_ta_list_free(&probe);
  return status;
}

DC_API void dc_client_dnssec_last(const dc_client *c, dc_dnssec_state *overall,
                                  dc_dnssec_state *txt, dc_dnssec_state *host)
{
  int st[3] = {0, 0, 0};
  if (c != NULL) {
    /* the caller's record, as dc_client_error reads it */
    const struct dci_call *call = dci_call_of((dc_client *)c);
    memcpy(st, call->dnssec, sizeof st);
  }
  if (overall) *overall = (dc_dnssec_state)st[0];
  if (txt) *txt = (dc_dnssec_state)st[1];
  if (host) *host = (dc_dnssec_state)st[2];
}

DC_API const char *dc_dnssec_state_name(dc_dnssec_state state)
{
  switch (state) {
  case DC_DNSSEC_UNCHECKED: return "unchecked";
  case DC_DNSSEC_SECURE: return "secure";
  case DC_DNSSEC_INSECURE: return "insecure";
  case DC_DNSSEC_INDETERMINATE: return "indeterminate";
  case DC_DNSSEC_BOGUS: return "bogus";
  }
  return "unknown";
}
