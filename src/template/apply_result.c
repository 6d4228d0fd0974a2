/* The apply result: built from the plans and the deletion marks (step 8,
 * with the template state of new records), its accessors, the lazily built
 * final zone, and its JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/conflicts.h"
#include "template/apply_internal.h"

/* ---- the result object */

struct dc_apply_result {
  dc_zone *newz;
  dc_zone *delz;
  dc_zone *finalz;        /* built on first dc_apply_result_final */
  const dc_zone *src;     /* referenced: the final zone is built from it */
  size_t *del;            /* deleted record indices of src, ascending */
  size_t ndel;
  dc_conflicts *conflicts;
};

DC_API void dc_apply_result_free(dc_apply_result *r)
{
  if (r == NULL) return;
  dc_zone_free(r->newz);
  dc_zone_free(r->delz);
  dc_zone_free(r->finalz);
  dc_zone_free((dc_zone *)(uintptr_t)r->src);
  free(r->del);
  dc_conflicts_free(r->conflicts);
  free(r);
}

DCI_GETTER(const dc_zone *, dc_apply_result_added, dc_apply_result, newz, NULL)
DCI_GETTER(const dc_zone *, dc_apply_result_deleted, dc_apply_result, delz, NULL)

DC_API const dc_zone *dc_apply_result_final(const dc_apply_result *r)
{
  if (r == NULL) return NULL;
  if (r->finalz != NULL) return r->finalz;
  dc_apply_result *m = (dc_apply_result *)(uintptr_t)r;
  dc_zone *f = dci_zone_alloc();
  if (f == NULL) return NULL;
  size_t n = r->src->n - r->ndel + r->newz->n;
  f->recs = malloc((n ? n : 1) * sizeof *f->recs);
  if (f->recs == NULL) {
    dc_zone_free(f);
    return NULL;
  }
  f->cap = n ? n : 1;
  size_t d = 0;
  for (size_t i = 0; i < r->src->n; i++) {
    if (d < r->ndel && r->del[d] == i) {
      d++;
      continue;
    }
    dci_rec_ref(r->src->recs[i]);
    f->recs[f->n++] = r->src->recs[i];
  }
  for (size_t i = 0; i < r->newz->n; i++) {
    dci_rec_ref(r->newz->recs[i]);
    f->recs[f->n++] = r->newz->recs[i];
  }
  if (dci_zone_index(f) != DC_OK) {
    dc_zone_free(f);
    return NULL;
  }
  m->finalz = f;
  return f;
}

DCI_GETTER(const dc_conflicts *, dc_apply_result_conflicts, dc_apply_result, conflicts, NULL)

DC_API dc_status dc_apply_result_to_json(const dc_apply_result *r, char **out)
{
  dc_status status = DC_OK;
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  if (r == NULL) return DC_E_INVALID_ARG;
  dci_buf b;
  dci_buf_init(&b, (size_t)-1 / 2);
  if (r->conflicts != NULL) {
    DCI_TRY(dci_buf_append_str(&b, "{\"conflicts\":["));
    for (size_t i = 0; i < dc_conflicts_count(r->conflicts); i++) {
      if (i > 0) DCI_TRY(dci_buf_append_char(&b, ','));
      DCI_TRY(dci_buf_append_str(&b, "{\"type\":"));
      DCI_TRY(dci_json_append_str(&b, dc_conflicts_type(r->conflicts, i)));
      DCI_TRY(dci_buf_append_str(&b, ",\"host\":"));
      DCI_TRY(dci_json_append_str(&b, dc_conflicts_host(r->conflicts, i)));
      DCI_TRY(dci_buf_append_str(&b, ",\"data\":"));
      DCI_TRY(dci_json_append_str(&b, dc_conflicts_data(r->conflicts, i)));
      DCI_TRY(dci_buf_append_char(&b, '}'));
    }
    DCI_TRY(dci_buf_append_str(&b, "]}"));
  } else {
    const dc_zone *f = dc_apply_result_final(r);
    if (f == NULL) {
      status = DC_E_NOMEM;
      goto done;
    }
    DCI_TRY(dci_buf_append_str(&b, "{\"new\":"));
    DCI_TRY(dci_zone_append_json(&b, r->newz));
    DCI_TRY(dci_buf_append_str(&b, ",\"deleted\":"));
    DCI_TRY(dci_zone_append_json(&b, r->delz));
    DCI_TRY(dci_buf_append_str(&b, ",\"final\":"));
    DCI_TRY(dci_zone_append_json(&b, f));
    DCI_TRY(dci_buf_append_char(&b, '}'));
  }
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;
done:
  dci_buf_free(&b);
  return status;
}

/* ---- building the result (step 8), with the state (_dc) of new records */

static dc_status state_json(const struct dci_apply *x, const struct dci_plan *p, const char *host,
                            char **out)
{
  dc_status status = DC_OK;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_JSON_STRING * 4);
  DCI_TRY(dci_buf_append_str(&b, "{\"id\":"));
  DCI_TRY(dci_json_append_str(&b, x->inst_id));
  DCI_TRY(dci_buf_append_str(&b, ",\"providerId\":"));
  DCI_TRY(dci_json_append_str(&b, x->t->provider_id));
  DCI_TRY(dci_buf_append_str(&b, ",\"serviceId\":"));
  DCI_TRY(dci_json_append_str(&b, x->t->service_id));
  DCI_TRY(dci_buf_append_str(&b, ",\"host\":"));
  DCI_TRY(dci_json_append_str(&b, host));
  DCI_TRY(dci_buf_append_str(&b, ",\"essential\":"));
  DCI_TRY(dci_json_append_str(&b, p->essential == DCI_ESS_ONAPPLY ? "OnApply" : "Always"));
  if (p->group_id != NULL) {
    DCI_TRY(dci_buf_append_str(&b, ",\"groupId\":"));
    DCI_TRY(dci_json_append_str(&b, p->group_id));
  }
  DCI_TRY(dci_buf_append_char(&b, '}'));
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;
done:
  dci_buf_free(&b);
  return status;
}

/* _dc.host: "@" when the caller said "@" (as the conformance suite keeps
 * it), else the normalised host ("" at the apex). Instances compare hosts
 * with "@" and "" equal (dci_norm_host). */
static void state_host(const struct dci_apply *x, char *out, size_t outsz)
{
  const char *h = (x->o->host != NULL && strcmp(x->o->host, "@") == 0) ? "@" : x->host;
  snprintf(out, outsz, "%s", h);
}

static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

dc_status dci_build_result(struct dci_apply *x, dc_apply_result **out, bool *conflict)
{
  dc_apply_result *res = calloc(1, sizeof *res);
  char *dcj = NULL;
  char ghost[DC_MAX_NAME_LEN + 2];
  state_host(x, ghost, sizeof ghost);
  if (res == NULL) goto oom;
  res->newz = dci_zone_alloc();
  res->delz = dci_zone_alloc();
  if (res->newz == NULL || res->delz == NULL) goto oom;
  dci_zone_ref(x->z);
  res->src = x->z;

  for (size_t k = 0; k < x->np; k++) {
    const struct dci_plan *p = &x->plans[k];
    if (p->skip) continue;
    struct dci_rec_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.type = p->type;
    sp.name = p->name;
    sp.data = p->data;
    sp.protocol = p->protocol;
    sp.service = p->service;
    sp.ttl = dci_kind_is_redir(p->kind) ? -1 : p->ttl;
    sp.priority = p->priority;
    sp.weight = p->weight;
    sp.port = p->port;
    if (x->o->multi_aware && !p->stateless) {
      if (state_json(x, p, ghost, &dcj) != DC_OK) goto oom;
      sp.dc_json = dcj;
      sp.dc_id = x->inst_id;
      sp.dc_provider = x->t->provider_id;
      sp.dc_service = x->t->service_id;
      sp.dc_host = ghost;
      sp.dc_essential = p->essential == DCI_ESS_ONAPPLY ? "OnApply" : "Always";
      sp.dc_group = p->group_id;
    }
    struct dci_rec *r = dci_rec_make(&sp);
    free(dcj);
    dcj = NULL;
    if (r == NULL || dci_zone_push(res->newz, r) != DC_OK) goto oom;
  }

  res->ndel = x->m.n;
  res->del = malloc((x->m.n ? x->m.n : 1) * sizeof *res->del);
  if (res->del == NULL) goto oom;
  if (x->m.n > 0) memcpy(res->del, x->m.list, x->m.n * sizeof *res->del);
  qsort(res->del, res->ndel, sizeof *res->del, cmp_size);
  size_t nconf = 0;
  for (size_t k = 0; k < res->ndel; k++) {
    struct dci_rec *r = x->z->recs[res->del[k]];
    dci_rec_ref(r);
    if (dci_zone_push(res->delz, r) != DC_OK) goto oom;
    int why = dci_marks_get(&x->m, res->del[k]);
    if (why == DCI_R_CONFLICT || why == DCI_R_CASCADE) nconf++;
  }
  if (dci_zone_index(res->newz) != DC_OK || dci_zone_index(res->delz) != DC_OK) goto oom;

  *conflict = nconf > 0 && !x->o->force;
  if (*conflict) {
    char msg[96];
    if (nconf > DC_MAX_CONFLICT_RECORDS)
      snprintf(msg, sizeof msg, "%zu conflicting records (the first %d listed)", nconf,
               DC_MAX_CONFLICT_RECORDS);
    else
      snprintf(msg, sizeof msg, "%zu conflicting record%s", nconf, nconf == 1 ? "" : "s");
    if (dci_conflicts_new("409", msg, &res->conflicts) != DC_OK) goto oom;
    size_t listed = 0;
    for (size_t k = 0; k < res->ndel && listed < DC_MAX_CONFLICT_RECORDS; k++) {
      int why = dci_marks_get(&x->m, res->del[k]);
      if (why != DCI_R_CONFLICT && why != DCI_R_CASCADE) continue;
      const struct dci_rec *r = x->z->recs[res->del[k]];
      if (dci_conflicts_add(res->conflicts, r->type, r->name, r->data) != DC_OK) goto oom;
      listed++;
    }
  }
  *out = res;
  return DC_OK;
oom:
  free(dcj);
  dc_apply_result_free(res);
  return dci_fail(x->c, DC_E_NOMEM, "out of memory");
}

