/* The apply-options object (dc_apply_opts_*): what dc_template_apply is
 * told besides the template and the zone (docs/template-engine.md,
 * "Model"). */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/validate.h"
#include "template/apply_internal.h"

/* One variable-length limit for the engine and every caller (the sandbox
 * refuses longer request parameters with it): the public constant and the
 * library's internal limit must agree (docs/limits.md). */
_Static_assert(DC_MAX_PARAM_VALUE_LEN == DC_MAX_PARAM_VALUE,
               "DC_MAX_PARAM_VALUE_LEN (template.h) and DC_MAX_PARAM_VALUE (core/limits.h) differ");

DC_API dc_status dc_apply_opts_new(dc_apply_opts **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = calloc(1, sizeof **out);
  return *out ? DC_OK : DC_E_NOMEM;
}

static void free_keys(dc_apply_opts *o)
{
  for (size_t i = 0; i < o->nkey; i++) free(o->key_txt[i]);
  free(o->key_txt);
  o->key_txt = NULL;
  o->nkey = 0;
}

DC_API void dc_apply_opts_free(dc_apply_opts *o)
{
  if (o == NULL) return;
  free(o->domain);
  free(o->host);
  for (size_t i = 0; i < o->nparams; i++) {
    free(o->params[i].name);
    dci_free_secret(o->params[i].value);
  }
  free(o->params);
  for (size_t i = 0; i < o->ngroups; i++) free(o->groups[i]);
  free(o->groups);
  free(o->instance_id);
  for (size_t i = 0; i < o->nredir; i++) {
    free(o->redir[i].type);
    free(o->redir[i].data);
  }
  free(o->sig_query);
  free_keys(o);
  free(o);
}

static dc_status replace_str(char **slot, const char *s)
{
  char *n = NULL;
  if (s != NULL && (n = dci_strdup(s)) == NULL) return DC_E_NOMEM;
  free(*slot);
  *slot = n;
  return DC_OK;
}

DC_API dc_status dc_apply_opts_set_domain(dc_apply_opts *o, const char *domain)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  if (domain != NULL && strlen(domain) > DC_MAX_DOMAIN_INPUT) return DC_E_LIMIT;
  return replace_str(&o->domain, domain);
}

const char *dci_apply_opts_domain(const dc_apply_opts *o)
{
  return o ? o->domain : NULL;
}

DC_API dc_status dc_apply_opts_set_host(dc_apply_opts *o, const char *host)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  if (host != NULL && strlen(host) > DC_MAX_DOMAIN_INPUT) return DC_E_LIMIT;
  return replace_str(&o->host, host);
}

DC_API dc_status dc_apply_opts_set_param(dc_apply_opts *o, const char *name, const char *value)
{
  if (o == NULL || name == NULL || value == NULL || name[0] == '\0') return DC_E_INVALID_ARG;
  /* a value that does not fit is refused here, never stored cut or dropped
   * silently (the caller names the variable in its error) */
  if (strlen(name) > DC_MAX_PARAM_NAME || strlen(value) > DC_MAX_PARAM_VALUE_LEN)
    return DC_E_LIMIT;
  for (size_t i = 0; i < o->nparams; i++) {
    if (strcmp(o->params[i].name, name) != 0) continue;
    char *v = dci_strdup(value);
    if (v == NULL) return DC_E_NOMEM;
    dci_free_secret(o->params[i].value);
    o->params[i].value = v;
    return DC_OK;
  }
  if (o->nparams == DC_MAX_PARAMS) return DC_E_LIMIT;
  struct dci_param *np = realloc(o->params, (o->nparams + 1) * sizeof *np);
  if (np == NULL) return DC_E_NOMEM;
  o->params = np;
  char *n = dci_strdup(name), *v = dci_strdup(value);
  if (n == NULL || v == NULL) {
    free(n);
    free(v);
    return DC_E_NOMEM;
  }
  o->params[o->nparams].name = n;
  o->params[o->nparams].value = v;
  o->nparams++;
  return DC_OK;
}

DC_API dc_status dc_apply_opts_add_group_id(dc_apply_opts *o, const char *group_id)
{
  if (o == NULL || group_id == NULL) return DC_E_INVALID_ARG;
  if (!dci_valid_dc_id(group_id)) return DC_E_INVALID_ID;
  for (size_t i = 0; i < o->ngroups; i++)
    if (strcmp(o->groups[i], group_id) == 0) return DC_OK;
  if (o->ngroups == DC_MAX_IDS) return DC_E_LIMIT;
  char **ng = realloc(o->groups, (o->ngroups + 1) * sizeof *ng);
  if (ng == NULL) return DC_E_NOMEM;
  o->groups = ng;
  if ((o->groups[o->ngroups] = dci_strdup(group_id)) == NULL) return DC_E_NOMEM;
  o->ngroups++;
  return DC_OK;
}

DC_API dc_status dc_apply_opts_set_multi_aware(dc_apply_opts *o, bool on)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  o->multi_aware = on != 0;
  return DC_OK;
}

DC_API dc_status dc_apply_opts_set_instance_id(dc_apply_opts *o, const char *id)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  if (id != NULL && !dci_valid_dc_id(id)) return DC_E_INVALID_ID;
  return replace_str(&o->instance_id, id);
}

DC_API dc_status dc_apply_opts_set_force(dc_apply_opts *o, bool on)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  o->force = on != 0;
  return DC_OK;
}

DC_API dc_status dc_apply_opts_add_redirect_record(dc_apply_opts *o, const char *type,
                                                   const char *data, long ttl)
{
  if (o == NULL || type == NULL || data == NULL || ttl < 0 || ttl > DC_MAX_TTL)
    return DC_E_INVALID_ARG;
  char up[DC_MAX_TYPE_LEN + 1];
  if (dci_type_problem(type, up) != NULL) return DC_E_INVALID_ARG;
  enum dci_kind k = dci_kind_of(up);
  if (!((k == DCI_K_A && dci_valid_ipv4(data)) || (k == DCI_K_AAAA && dci_valid_ipv6(data)) ||
        (k == DCI_K_CNAME && dci_target_problem(data) == NULL)))
    return DC_E_INVALID_ARG;
  if (o->nredir == DC_MAX_REDIRECT_RECORDS) return DC_E_LIMIT;
  char *t = dci_strdup(up), *d = dci_strdup(data);
  if (t == NULL || d == NULL) {
    free(t);
    free(d);
    return DC_E_NOMEM;
  }
  dci_lower_str(d);
  o->redir[o->nredir].type = t;
  o->redir[o->nredir].data = d;
  o->redir[o->nredir].ttl = ttl;
  o->nredir++;
  return DC_OK;
}

DC_API dc_status dc_apply_opts_set_signature(dc_apply_opts *o, const char *query,
                                             const char *const *key_txt, size_t n)
{
  if (o == NULL || query == NULL || (key_txt == NULL && n > 0)) return DC_E_INVALID_ARG;
  if (n > DC_MAX_DNS_TXT_RRS) return DC_E_LIMIT;
  if (strlen(query) > DC_MAX_QUERY_LEN) return DC_E_LIMIT;
  char *q = dci_strdup(query);
  char **keys = calloc(n ? n : 1, sizeof *keys);
  if (q == NULL || keys == NULL) {
    free(q);
    free(keys);
    return DC_E_NOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    if (key_txt[i] == NULL || (keys[i] = dci_strdup(key_txt[i])) == NULL) {
      dc_status st = key_txt[i] == NULL ? DC_E_INVALID_ARG : DC_E_NOMEM;
      for (size_t k = 0; k < i; k++) free(keys[k]);
      free(keys);
      free(q);
      return st;
    }
  }
  free(o->sig_query);
  free_keys(o);
  o->sig_query = q;
  o->key_txt = keys;
  o->nkey = n;
  return DC_OK;
}

DC_API dc_status dc_apply_opts_set_ignore_signature(dc_apply_opts *o, bool on)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  o->ignore_sig = on != 0;
  return DC_OK;
}
