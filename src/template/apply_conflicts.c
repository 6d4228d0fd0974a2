/* Deletion marks: which zone records an apply removes, and why (steps 2
 * to 7; docs/template-engine.md, "Conflict rules", "Identical records",
 * "SPF merging", "Template state"). Every step looks only at the names the
 * plans touch (hash lookups in the zone's index), at the subtree below a
 * new NS, and at the instances involved: never at the whole zone. */
#include <stdlib.h>
#include <string.h>

#include "template/apply_internal.h"

/* ---- deletion marks: zone record index -> reason */

static size_t marks_slot(const struct dci_marks *m, size_t idx)
{
  size_t mask = m->nslots - 1;
  size_t i = (size_t)(idx * 0x9E3779B97F4A7C15ULL) & mask;
  while (m->slots[i] != 0 && m->slots[i] != idx + 1) i = (i + 1) & mask;
  return i;
}

int dci_marks_get(const struct dci_marks *m, size_t idx)
{
  if (m->nslots == 0) return 0;
  size_t s = marks_slot(m, idx);
  return m->slots[s] ? m->why[s] : 0;
}

static dc_status marks_grow(struct dci_marks *m)
{
  size_t ns = m->nslots ? m->nslots * 2 : 64;
  size_t *slots = calloc(ns, sizeof *slots);
  unsigned char *why = calloc(ns, 1);
  if (slots == NULL || why == NULL) {
    free(slots);
    free(why);
    return DC_E_NOMEM;
  }
  struct dci_marks old = *m;
  m->slots = slots;
  m->why = why;
  m->nslots = ns;
  for (size_t i = 0; i < old.nslots; i++)
    if (old.slots[i]) {
      size_t s = marks_slot(m, old.slots[i] - 1);
      m->slots[s] = old.slots[i];
      m->why[s] = old.why[i];
    }
  free(old.slots);
  free(old.why);
  return DC_OK;
}

/* Marks a record; an earlier mark wins. */
static dc_status mark(struct dci_marks *m, size_t idx, int why)
{
  if ((m->n + 1) * 2 > m->nslots) {
    dc_status st = marks_grow(m);
    if (st != DC_OK) return st;
  }
  size_t s = marks_slot(m, idx);
  if (m->slots[s] != 0) return DC_OK;
  if (m->n == m->cap) {
    size_t nc = m->cap ? m->cap * 2 : 32;
    size_t *nl = realloc(m->list, nc * sizeof *nl);
    if (nl == NULL) return DC_E_NOMEM;
    m->list = nl;
    m->cap = nc;
  }
  m->slots[s] = idx + 1;
  m->why[s] = (unsigned char)why;
  m->list[m->n++] = idx;
  return DC_OK;
}

static void marks_set(struct dci_marks *m, size_t idx, int why)
{
  size_t s = marks_slot(m, idx);
  if (m->slots[s]) m->why[s] = (unsigned char)why;
}

void dci_marks_free(struct dci_marks *m)
{
  free(m->slots);
  free(m->why);
  free(m->list);
}
/* ---- comparisons */

static bool same_opt(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool plans_identical(const struct dci_plan *a, const struct dci_plan *b)
{
  return a->kind != DCI_K_SPFM && b->kind != DCI_K_SPFM && strcmp(a->type, b->type) == 0 &&
         strcmp(a->name, b->name) == 0 && strcmp(a->data, b->data) == 0 &&
         a->priority == b->priority && a->weight == b->weight && a->port == b->port &&
         same_opt(a->protocol, b->protocol) && same_opt(a->service, b->service);
}

/* A plan and a zone record hold the same record (TTL aside; TXT compares
 * the logical value). */
static bool rec_identical(const struct dci_plan *p, const struct dci_rec *r)
{
  if (p->kind == DCI_K_SPFM || strcmp(p->type, r->type) != 0 || strcmp(p->name, r->name) != 0)
    return false;
  if (p->kind == DCI_K_TXT) {
    char *l = dci_txt_logical(p->data);
    bool same = l != NULL && strcmp(l, r->txt) == 0;
    free(l);
    if (!same) return false;
  } else if (strcmp(p->data, r->data) != 0) {
    return false;
  }
  return p->priority == r->priority && p->weight == r->weight && p->port == r->port &&
         same_opt(p->protocol, r->protocol) && same_opt(p->service, r->service);
}

/* Is `below` strictly below `above` (both zone-relative)? */
static bool is_below(const char *below, const char *above)
{
  if (strcmp(above, "@") == 0) return strcmp(below, "@") != 0;
  size_t a = strlen(above), b = strlen(below);
  return b > a + 1 && below[b - a - 1] == '.' && strcmp(below + b - a, above) == 0;
}

static bool in_set(enum dci_kind k, unsigned set)
{
  return (set >> (unsigned)k) & 1u;
}
#define KS(k) (1u << (unsigned)(k))
#define KS_ADDR (KS(DCI_K_A) | KS(DCI_K_AAAA))
#define KS_REDIR (KS(DCI_K_REDIR301) | KS(DCI_K_REDIR302))

/* Does new record kind `nk` (at the same name) conflict with `r`? NS
 * above or at the name is handled by the caller. */
static bool conflicts_with(enum dci_kind nk, const struct dci_plan *p,
                           const struct dci_rec *r)
{
  if (r->kind == DCI_K_CNAME) return true;
  if (r->kind == DCI_K_NS) return nk == DCI_K_NS;
  switch (nk) {
  case DCI_K_CNAME:
  case DCI_K_NS:
    return true;
  case DCI_K_A:
  case DCI_K_AAAA:
    return in_set(r->kind, KS_ADDR | KS_REDIR | KS(DCI_K_APEXCNAME));
  case DCI_K_MX:
    return in_set(r->kind, KS(DCI_K_MX) | KS(DCI_K_APEXCNAME));
  case DCI_K_SRV:
    return r->kind == DCI_K_SRV;
  case DCI_K_TXT:
    if (r->kind == DCI_K_APEXCNAME) return true;
    if (r->kind != DCI_K_TXT) return false;
    if (p->txt_mode == DCI_TXT_ALL) return true;
    if (p->txt_mode == DCI_TXT_PREFIX)
      return strncmp(r->txt, p->txt_prefix, strlen(p->txt_prefix)) == 0;
    return false;
  case DCI_K_SPFM:
    return r->kind == DCI_K_APEXCNAME;
  case DCI_K_APEXCNAME:
    return in_set(r->kind, KS_ADDR | KS_REDIR | KS(DCI_K_CNAME) | KS(DCI_K_MX) |
                               KS(DCI_K_TXT) | KS(DCI_K_APEXCNAME));
  case DCI_K_REDIR301:
  case DCI_K_REDIR302:
    return in_set(r->kind, KS_ADDR | KS_REDIR | KS(DCI_K_CNAME) | KS(DCI_K_APEXCNAME));
  case DCI_K_OTHER:
  default:
    return false;
  }
}

/* Two records of the same template that cannot both be written. */
static bool self_conflict(const struct dci_plan *a, const struct dci_plan *b)
{
  if (a->tpl == b->tpl) return false; /* a REDIR and its backing records */
  bool same = strcmp(a->name, b->name) == 0;
  /* NS at the apex is the zone's own NS set, not a delegation */
  bool a_del = a->kind == DCI_K_NS && strcmp(a->name, "@") != 0;
  bool b_del = b->kind == DCI_K_NS && strcmp(b->name, "@") != 0;
  if (same) {
    if (a->kind == DCI_K_CNAME || b->kind == DCI_K_CNAME) return true;
    if ((a_del || b_del) && a->kind != b->kind) return true;
    unsigned apex_set = KS_ADDR | KS_REDIR | KS(DCI_K_CNAME) | KS(DCI_K_MX) | KS(DCI_K_TXT) |
                        KS(DCI_K_SPFM) | KS(DCI_K_APEXCNAME);
    if ((a->kind == DCI_K_APEXCNAME && in_set(b->kind, apex_set)) ||
        (b->kind == DCI_K_APEXCNAME && in_set(a->kind, apex_set)))
      return true;
    unsigned redir_set = KS_ADDR | KS_REDIR | KS(DCI_K_CNAME);
    if ((dci_kind_is_redir(a->kind) && in_set(b->kind, redir_set)) ||
        (dci_kind_is_redir(b->kind) && in_set(a->kind, redir_set)))
      return true;
    return false;
  }
  if (a_del && is_below(b->name, a->name)) return true;
  if (b_del && is_below(a->name, b->name)) return true;
  return false;
}

dc_status dci_plans_check(struct dci_apply *x)
{
  struct dci_plan *pl = x->plans;
  for (size_t a = 0; a < x->np; a++) {
    for (size_t b = a + 1; b < x->np; b++) {
      if (plans_identical(&pl[a], &pl[b])) { /* written once */
        dci_plan_free(&pl[b]);
        memmove(&pl[b], &pl[b + 1], (x->np - b - 1) * sizeof pl[0]);
        x->np--;
        b--;
        continue;
      }
      if (self_conflict(&pl[a], &pl[b]))
        return dci_fail(x->c, DC_E_RECORD,
                        "records[%zu] (%s %s) and records[%zu] (%s %s) of the template "
                        "conflict with each other", pl[a].tpl, pl[a].type, pl[a].name,
                        pl[b].tpl, pl[b].type, pl[b].name);
    }
  }
  return DC_OK;
}

/* ---- zone lookups */

static size_t name_lookup(const dc_zone *z, const char *name)
{
  return dci_strmap_get(&z->names, name, dci_hash(name));
}

static bool group_selected(const struct dci_apply *x, const char *g)
{
  if (x->o->ngroups == 0 || g == NULL) return true;
  for (size_t i = 0; i < x->o->ngroups; i++)
    if (strcmp(x->o->groups[i], g) == 0) return true;
  return false;
}

/* Marks the records of a map entry (instances) as UPDATE, honouring the
 * group filter (additive group apply). */
static dc_status mark_entry(struct dci_apply *x, const struct dci_strmap *m,
                            const size_t *next, const char *key, const char **first_id)
{
  size_t node = dci_strmap_get(m, key, dci_hash(key));
  if (node == DCI_NONE) return DC_OK;
  for (size_t i = m->first[node]; i != DCI_NONE; i = next[i]) {
    const struct dci_rec *r = x->z->recs[i];
    if (first_id != NULL && *first_id == NULL) *first_id = r->dc_id;
    if (!group_selected(x, r->dc_group)) continue;
    dc_status st = mark(&x->m, i, DCI_R_UPDATE);
    if (st != DC_OK) return dci_fail(x->c, st, "out of memory");
  }
  return DC_OK;
}

dc_status dci_prior_instances(struct dci_apply *x, const char **reuse_id)
{
  dc_status status = DC_OK;
  char *key = NULL;
  const dc_template *t = x->t;
  if (!t->multi_instance) {
    key = dci_tmpl_key(t->provider_id, t->service_id, x->host);
    if (key == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    DCI_TRY(mark_entry(x, &x->z->tmpl, x->z->next_tmpl, key, reuse_id));
    free(key);
    key = NULL;
  }
  if (x->o->instance_id != NULL) {
    key = dci_inst_key(t->provider_id, t->service_id, x->o->instance_id);
    if (key == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    DCI_TRY(mark_entry(x, &x->z->inst, x->z->next_inst, key, NULL));
  }
done:
  free(key);
  return status;
}

static dc_status mark_conflict(struct dci_apply *x, size_t idx)
{
  dc_status st = mark(&x->m, idx, DCI_R_CONFLICT);
  return st == DC_OK ? DC_OK : dci_fail(x->c, st, "out of memory");
}

dc_status dci_plan_conflicts(struct dci_apply *x, const struct dci_plan *p)
{
  dc_status status = DC_OK;
  const dc_zone *z = x->z;
  size_t *stack = NULL;
  size_t node = name_lookup(z, p->name);
  /* NS at the apex adds to the zone's own NS set: not a delegation, so it
   * conflicts with nothing but a CNAME (which the apex cannot have) */
  bool apex_ns = p->kind == DCI_K_NS && strcmp(p->name, "@") == 0;
  enum dci_kind nk = apex_ns ? DCI_K_OTHER : p->kind;
  if (node != DCI_NONE)
    for (size_t i = z->names.first[node]; i != DCI_NONE; i = z->next_name[i])
      if (conflicts_with(nk, p, z->recs[i])) DCI_TRY(mark_conflict(x, i));
  /* NS at or above the name (a delegation), except the apex's own NS */
  for (const char *n = p->name; strcmp(n, "@") != 0;) {
    size_t a = name_lookup(z, n);
    if (a != DCI_NONE)
      for (size_t i = z->names.first[a]; i != DCI_NONE; i = z->next_name[i])
        if (z->recs[i]->kind == DCI_K_NS) DCI_TRY(mark_conflict(x, i));
    const char *dot = strchr(n, '.');
    n = dot ? dot + 1 : "@";
  }
  /* a new NS takes everything below it */
  if (p->kind == DCI_K_NS && !apex_ns && node != DCI_NONE) {
    size_t sp = 0, cap = 16;
    stack = malloc(cap * sizeof *stack);
    if (stack == NULL) goto oom;
    for (size_t ch = z->first_child[node]; ch != DCI_NONE; ch = z->next_sibling[ch]) {
      if (sp == cap) {
        size_t *ns = realloc(stack, (cap *= 2) * sizeof *ns);
        if (ns == NULL) goto oom;
        stack = ns;
      }
      stack[sp++] = ch;
    }
    while (sp > 0) {
      size_t nd = stack[--sp];
      for (size_t i = z->names.first[nd]; i != DCI_NONE; i = z->next_name[i])
        DCI_TRY(mark_conflict(x, i));
      for (size_t ch = z->first_child[nd]; ch != DCI_NONE; ch = z->next_sibling[ch]) {
        if (sp == cap) {
          size_t *ns = realloc(stack, (cap *= 2) * sizeof *ns);
          if (ns == NULL) goto oom;
          stack = ns;
        }
        stack[sp++] = ch;
      }
    }
  }
  goto done;
oom:
  status = dci_fail(x->c, DC_E_NOMEM, "out of memory");
done:
  free(stack);
  return status;
}

/* SPFM: merge into the one SPF TXT at the name (a record written by this
 * apply first, else the zone's), or create one. Several SPF records at the
 * name cannot be merged: they are conflicts, and the rules start a fresh
 * record. */
dc_status dci_spfm(struct dci_apply *x, size_t pi)
{
  dc_status status = DC_OK;
  char *merged = NULL;
  const dc_zone *z = x->z;
  const char *name = x->plans[pi].name;
  const char *rules = x->plans[pi].spf_rules;
  size_t zspf[2] = {DCI_NONE, DCI_NONE}, nz = 0;
  size_t node = name_lookup(z, name);
  if (node != DCI_NONE)
    for (size_t i = z->names.first[node]; i != DCI_NONE; i = z->next_name[i]) {
      const struct dci_rec *r = z->recs[i];
      if (r->kind != DCI_K_TXT || !dci_is_spf(r->txt) || dci_marks_get(&x->m, i)) continue;
      if (nz < 2) zspf[nz] = i;
      nz++;
    }
  size_t pspf = DCI_NONE, np = 0;
  for (size_t k = 0; k < x->np; k++) {
    const struct dci_plan *q = &x->plans[k];
    if (q->kind != DCI_K_TXT || strcmp(q->name, name) != 0) continue;
    char *l = dci_txt_logical(q->data);
    if (l == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    if (dci_is_spf(l)) {
      pspf = k;
      np++;
    }
    free(l);
  }
  bool fresh = false;
  size_t target_plan = DCI_NONE;
  long ttl = x->plans[pi].ttl >= 0 ? x->plans[pi].ttl : DC_SPF_DEFAULT_TTL;
  if (np == 1 && nz == 0) {
    target_plan = pspf;
  } else if (np == 0 && nz == 1) {
    const struct dci_rec *r = z->recs[zspf[0]];
    status = dci_spf_merge(rules, r->txt, &merged);
    if (status == DC_E_LIMIT) {
      status = DC_OK;
      DCI_TRY(mark_conflict(x, zspf[0])); /* too many terms to merge */
      fresh = true;
    } else if (status != DC_OK) {
      return dci_fail(x->c, status, "out of memory");
    } else if (merged == NULL) {
      return DC_OK; /* every rule is there already */
    } else {
      dc_status st = mark(&x->m, zspf[0], DCI_R_SPF);
      if (st != DC_OK) {
        free(merged);
        return dci_fail(x->c, st, "out of memory");
      }
      ttl = r->ttl >= 0 ? r->ttl : ttl;
    }
  } else if (np == 0 && nz == 0) {
    fresh = true;
  } else {
    /* several SPF records: not mergeable, a conflict */
    if (node != DCI_NONE)
      for (size_t i = z->names.first[node]; i != DCI_NONE; i = z->next_name[i])
        if (z->recs[i]->kind == DCI_K_TXT && dci_is_spf(z->recs[i]->txt))
          DCI_TRY(mark_conflict(x, i));
    if (np == 1) target_plan = pspf;
    else fresh = true;
  }
  if (target_plan != DCI_NONE) {
    struct dci_plan *q = &x->plans[target_plan];
    char *l = dci_txt_logical(q->data);
    if (l == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    status = dci_spf_merge(rules, l, &merged);
    free(l);
    if (status == DC_E_LIMIT)
      return dci_fail(x->c, DC_E_LIMIT, "records[%zu].spfRules: the merged SPF record has "
                      "too many terms", x->plans[pi].tpl);
    if (status != DC_OK) return dci_fail(x->c, status, "out of memory");
    if (merged != NULL) {
      free(q->data);
      q->data = merged;
    }
    return DC_OK;
  }
  if (fresh) {
    status = dci_spf_new(rules, &merged);
    if (status == DC_E_LIMIT)
      return dci_fail(x->c, DC_E_LIMIT, "records[%zu].spfRules: too many terms",
                      x->plans[pi].tpl);
    if (status != DC_OK) return dci_fail(x->c, status, "out of memory");
  }
  if (strlen(merged) > DC_MAX_RENDERED_VALUE) {
    free(merged);
    return dci_fail(x->c, DC_E_LIMIT, "records[%zu].spfRules: the SPF record would be longer "
                    "than %d bytes", x->plans[pi].tpl, DC_MAX_RENDERED_VALUE);
  }
  /* the SPF TXT becomes a plan in place of the SPFM one */
  struct dci_plan *p = &x->plans[pi];
  free(p->spf_rules);
  p->spf_rules = NULL;
  free(p->type);
  p->type = dci_strdup("TXT");
  if (p->type == NULL) {
    free(merged);
    return dci_fail(x->c, DC_E_NOMEM, "out of memory");
  }
  p->kind = DCI_K_TXT;
  p->data = merged;
  p->ttl = ttl;
  p->txt_mode = DCI_TXT_NONE;
  p->stateless = true;
done:
  return status;
}

/* Would removing this record remove its whole template instance? */
static bool cascades(const struct dci_apply *x, const struct dci_rec *r)
{
  return x->o->multi_aware && r->dc_id != NULL && r->dc_provider != NULL &&
         r->dc_service != NULL &&
         !(r->dc_essential != NULL && dci_streq_nocase(r->dc_essential, "OnApply"));
}

dc_status dci_cascade(struct dci_apply *x)
{
  size_t n = x->m.n; /* records marked later are cascaded ones */
  for (size_t k = 0; k < n; k++) {
    size_t idx = x->m.list[k];
    if (dci_marks_get(&x->m, idx) != DCI_R_CONFLICT) continue;
    const struct dci_rec *r = x->z->recs[idx];
    if (!cascades(x, r)) continue;
    char *key = dci_inst_key(r->dc_provider, r->dc_service, r->dc_id);
    if (key == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    size_t node = dci_strmap_get(&x->z->inst, key, dci_hash(key));
    free(key);
    if (node == DCI_NONE) continue;
    for (size_t i = x->z->inst.first[node]; i != DCI_NONE; i = x->z->next_inst[i]) {
      dc_status st = mark(&x->m, i, DCI_R_CASCADE);
      if (st != DC_OK) return dci_fail(x->c, st, "out of memory");
    }
  }
  return DC_OK;
}

void dci_identical(struct dci_apply *x)
{
  const dc_zone *z = x->z;
  for (size_t k = 0; k < x->np; k++) {
    struct dci_plan *p = &x->plans[k];
    size_t node = name_lookup(z, p->name);
    if (node == DCI_NONE) continue;
    for (size_t i = z->names.first[node]; i != DCI_NONE; i = z->next_name[i]) {
      const struct dci_rec *r = z->recs[i];
      if (!rec_identical(p, r)) continue;
      int why = dci_marks_get(&x->m, i);
      if (why == 0) {
        p->skip = true;
        break;
      }
      if (why == DCI_R_CONFLICT && !cascades(x, r)) marks_set(&x->m, i, DCI_R_IDENTICAL);
    }
  }
}

