/* Applying a template to a zone: dc_template_apply and the steps it runs,
 * in order (spec "Steps to Apply a Template"; docs/template-engine.md):
 *  1. domain/host, hostRequired, signature (syncPubKeyDomain), group filter;
 *  2. render every active record (substitution, owner name, per-type
 *     checks) into "plans" (apply_plan.c); drop exact duplicates; refuse
 *     records of the template that conflict with each other (DC_E_RECORD);
 *  3. multi-aware: mark the previous instance of the template on this host
 *     (unless multiInstance) and the instance being re-applied;
 *  4. mark zone records that conflict with a plan (at the plan's name, NS
 *     above it, and everything below a new NS);
 *  5. SPFM: merge into the SPF TXT at the name (or create one);
 *  6. multi-aware: a conflicting essential record takes its whole instance;
 *  7. identical records: an identical record that stays is not written
 *     again; one that goes and comes back is not reported as a conflict;
 *  8. without force, any remaining conflict is DC_E_CONFLICT.
 * Steps 2 (end) to 7 mark zone records in apply_conflicts.c, step 8 builds
 * the result in apply_result.c; the options object is apply_opts.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "domainconnect/names.h"
#include "domainconnect/sign.h"
#include "template/apply_internal.h"

/* ---- step 1: scope */

static dc_status check_host(struct dci_apply *x)
{
  const char *h = x->o->host;
  if (h == NULL || h[0] == '\0' || strcmp(h, "@") == 0) {
    x->host[0] = '\0';
    return DC_OK;
  }
  bool ascii = true;
  for (const char *p = h; *p; p++)
    if ((unsigned char)*p >= 0x80) ascii = false;
  char *norm = NULL;
  if (!ascii) {
    dc_status st = dc_domain_normalize(x->c, h, &norm);
    if (st != DC_OK) {
      char why[256];
      snprintf(why, sizeof why, "%s", dc_client_error(x->c));
      return dci_fail(x->c, DC_E_INVALID_HOST, "host: not a valid host name (%s)", why);
    }
  } else {
    norm = dci_strdup(h);
    if (norm == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    dci_lower_str(norm);
    size_t n = strlen(norm);
    if (n > 0 && norm[n - 1] == '.') norm[n - 1] = '\0';
  }
  const char *why = norm[0] ? dci_target_problem(norm) : "empty";
  size_t n = strlen(norm);
  if (why == NULL && n + 1 + strlen(x->domain) > DC_MAX_NAME_LEN) why = "host.domain is longer than 253 bytes";
  if (why != NULL) {
    char safe[80];
    dci_sanitize(safe, sizeof safe, h, strlen(h), 64);
    free(norm);
    return dci_fail(x->c, DC_E_INVALID_HOST, "host '%s': %s", safe, why);
  }
  memcpy(x->host, norm, n + 1);
  free(norm);
  return DC_OK;
}

static dc_status check_signature(struct dci_apply *x)
{
  if (x->t->sync_pub_key_domain == NULL || x->o->ignore_sig) return DC_OK;
  if (x->o->sig_query == NULL)
    return dci_fail(x->c, DC_E_SIG_MISSING,
                    "the template has syncPubKeyDomain %s: the request must be signed "
                    "(dc_apply_opts_set_signature)", x->t->sync_pub_key_domain);
  return dc_verify_query(x->c, x->o->sig_query, strlen(x->o->sig_query), NULL,
                         (const char *const *)x->o->key_txt, x->o->nkey);
}

/* Step 1: domain, host and fqdn, hostRequired, signature, what multi-aware
 * mode needs. */
static dc_status check_scope(struct dci_apply *x)
{
  dc_status status = DC_OK;
  DCI_TRY(dc_domain_normalize(x->c, x->o->domain, &x->domain));
  DCI_TRY(check_host(x));
  if (x->host[0]) snprintf(x->fqdn, sizeof x->fqdn, "%s.%s", x->host, x->domain);
  else snprintf(x->fqdn, sizeof x->fqdn, "%s", x->domain);
  if (x->t->host_required && x->host[0] == '\0') {
    status = dci_fail(x->c, DC_E_HOST_REQUIRED,
                      "the template has hostRequired: a host is needed");
    goto done;
  }
  DCI_TRY(check_signature(x));
  dci_clear(x->c);
  if (x->o->multi_aware && (x->t->provider_id == NULL || x->t->service_id == NULL))
    status = dci_fail(x->c, DC_E_TEMPLATE,
                      "multi-aware mode needs the template's providerId and serviceId");
done:
  return status;
}

/* Step 1, group filter: active[i] for each template record (array of
 * t->nrecs). Refuses group ids that select nothing, and active redirects
 * without the provider's redirect records. */
static dc_status select_records(struct dci_apply *x, bool *active)
{
  const dc_template *t = x->t;
  const dc_apply_opts *o = x->o;
  bool group_hit = false, redir = false;
  for (size_t i = 0; i < t->nrecs; i++) {
    const char *g = t->recs[i].group_id;
    active[i] = g == NULL || o->ngroups == 0;
    for (size_t k = 0; g != NULL && k < o->ngroups; k++)
      if (strcmp(g, o->groups[k]) == 0) active[i] = group_hit = true;
    if (active[i] && dci_kind_is_redir(t->recs[i].kind)) redir = true;
  }
  if (o->ngroups > 0 && !group_hit) {
    char safe[96];
    dci_sanitize(safe, sizeof safe, o->groups[0], strlen(o->groups[0]), 63);
    return dci_fail(x->c, DC_E_TEMPLATE,
                    "groupId: no record of the template is in group '%s'%s", safe,
                    o->ngroups > 1 ? " (or the other groups given)" : "");
  }
  if (redir && o->nredir == 0)
    return dci_fail(x->c, DC_E_TEMPLATE,
                    "REDIR301/REDIR302 need the provider's redirect records "
                    "(dc_apply_opts_add_redirect_record)");
  return DC_OK;
}

/* ---- step 3: template state */

static dc_status random_id(char **out)
{
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return DC_E_INTERNAL;
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  static const char hex[] = "0123456789abcdef";
  char s[37];
  size_t o = 0;
  for (size_t i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s[o++] = '-';
    s[o++] = hex[b[i] >> 4];
    s[o++] = hex[b[i] & 15];
  }
  s[o] = '\0';
  *out = dci_strdup(s);
  return *out ? DC_OK : DC_E_NOMEM;
}

/* Marks the prior instances and picks the instance id: the caller's, the
 * re-applied instance's for a group apply of a single-instance template,
 * else a new random one. */
static dc_status template_state(struct dci_apply *x)
{
  dc_status status = DC_OK;
  const char *reuse = NULL;
  DCI_TRY(dci_prior_instances(x, &reuse));
  dc_status st = DC_OK;
  if (x->o->instance_id != NULL) x->inst_id = dci_strdup(x->o->instance_id);
  else if (reuse != NULL && x->o->ngroups > 0 && !x->t->multi_instance)
    x->inst_id = dci_strdup(reuse);
  else st = random_id(&x->inst_id);
  if (st == DC_OK && x->inst_id == NULL) st = DC_E_NOMEM;
  if (st != DC_OK) status = dci_fail(x->c, st, "cannot make an instance id");
done:
  return status;
}

/* ---- entry point */

DC_API dc_status dc_template_apply(dc_client *c, const dc_template *t,
                                   const dc_zone *zone, const dc_apply_opts *o,
                                   dc_apply_result **out)
{
  dc_status status = DC_OK;
  struct dci_apply x;
  memset(&x, 0, sizeof x);
  x.c = c;
  x.t = t;
  x.z = zone;
  x.o = o;
  bool *active = NULL;

  dci_clear(c);
  if (out == NULL) return dci_fail(c, DC_E_INVALID_ARG, "apply: out is NULL");
  *out = NULL;
  if (t == NULL || zone == NULL || o == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "apply: template, zone or options is NULL");
  if (!zone->indexed) return dci_fail(c, DC_E_INVALID_ARG, "apply: zone is not indexed");
  if (o->domain == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "apply: no domain (dc_apply_opts_set_domain)");

  /* 1. scope, template-level checks */
  DCI_TRY(check_scope(&x));
  active = calloc(t->nrecs ? t->nrecs : 1, sizeof *active);
  if (active == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  DCI_TRY(select_records(&x, active));

  /* 2. render */
  x.sx.domain = x.domain;
  x.sx.host = x.host;
  x.sx.fqdn = x.fqdn;
  x.sx.params = o->params;
  x.sx.nparams = o->nparams;
  for (size_t i = 0; i < t->nrecs; i++)
    if (active[i]) DCI_TRY(dci_render_record(&x, i));
  DCI_TRY(dci_plans_check(&x));

  /* 3. template state */
  if (o->multi_aware) DCI_TRY(template_state(&x));

  /* 4. conflicts, 5. SPF */
  for (size_t k = 0; k < x.np; k++)
    if (x.plans[k].kind != DCI_K_SPFM) DCI_TRY(dci_plan_conflicts(&x, &x.plans[k]));
  for (size_t k = 0; k < x.np; k++) {
    if (x.plans[k].kind != DCI_K_SPFM) continue;
    DCI_TRY(dci_plan_conflicts(&x, &x.plans[k]));
    DCI_TRY(dci_spfm(&x, k));
    if (x.plans[k].kind == DCI_K_SPFM) x.plans[k].skip = true; /* merged elsewhere */
  }

  /* 6. whole instances, 7. identical records */
  if (o->multi_aware) DCI_TRY(dci_cascade(&x));
  dci_identical(&x);

  /* 8. result */
  bool conflict = false;
  DCI_TRY(dci_build_result(&x, out, &conflict));
  if (conflict)
    status = dci_fail(c, DC_E_CONFLICT, "%s (force removes them)",
                      dc_conflicts_message(dc_apply_result_conflicts(*out)));
done:
  for (size_t k = 0; k < x.np; k++) dci_plan_free(&x.plans[k]);
  free(x.plans);
  dci_marks_free(&x.m);
  free(x.inst_id);
  free(x.domain);
  free(active);
  return status;
}
