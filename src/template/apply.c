/* Applying a template to a zone: options, rendering, conflict detection,
 * SPF merging, template state (multi-aware mode), and the result.
 *
 * Steps (spec "Steps to Apply a Template"; docs/template-engine.md):
 *  1. domain/host, hostRequired, signature (syncPubKeyDomain), group filter;
 *  2. render every active record (substitution, owner name, per-type
 *     checks) into "plans"; drop exact duplicates; refuse records of the
 *     template that conflict with each other (DC_E_RECORD);
 *  3. multi-aware: mark the previous instance of the template on this host
 *     (unless multiInstance) and the instance being re-applied;
 *  4. mark zone records that conflict with a plan (at the plan's name, NS
 *     above it, and everything below a new NS);
 *  5. SPFM: merge into the SPF TXT at the name (or create one);
 *  6. multi-aware: a conflicting essential record takes its whole instance;
 *  7. identical records: an identical record that stays is not written
 *     again; one that goes and comes back is not reported as a conflict;
 *  8. without force, any remaining conflict is DC_E_CONFLICT.
 * Every step looks only at the names the plans touch (hash lookups in the
 * zone's index), at the subtree below a new NS, and at the instances
 * involved: never at the whole zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/json.h"
#include "core/validate.h"
#include "domainconnect/names.h"
#include "domainconnect/sign.h"
#include "flow_async/conflicts_internal.h"
#include "template/tpl_internal.h"

/* ---- options */

struct dci_redir {
  char *type;
  char *data;
  long ttl;
};

struct dc_apply_opts {
  char *domain;
  char *host;
  struct dci_param *params;
  size_t nparams;
  char **groups;
  size_t ngroups;
  bool multi_aware;
  char *instance_id;
  bool force;
  struct dci_redir redir[DC_MAX_REDIRECT_RECORDS];
  size_t nredir;
  char *sig_query;
  char **key_txt;
  size_t nkey;
  bool ignore_sig;
};

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
  if (strlen(name) > DC_MAX_PARAM_NAME || strlen(value) > DC_MAX_PARAM_VALUE) return DC_E_LIMIT;
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

DC_API dc_status dc_apply_opts_set_multi_aware(dc_apply_opts *o, int on)
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

DC_API dc_status dc_apply_opts_set_force(dc_apply_opts *o, int on)
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

DC_API dc_status dc_apply_opts_set_ignore_signature(dc_apply_opts *o, int on)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  o->ignore_sig = on != 0;
  return DC_OK;
}

/* ---- result */

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

DC_API const dc_zone *dc_apply_result_new(const dc_apply_result *r)
{
  return r ? r->newz : NULL;
}

DC_API const dc_zone *dc_apply_result_deleted(const dc_apply_result *r)
{
  return r ? r->delz : NULL;
}

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

DC_API const dc_conflicts *dc_apply_result_conflicts(const dc_apply_result *r)
{
  return r ? r->conflicts : NULL;
}

static dc_status zone_json_into(dci_buf *b, const dc_zone *z)
{
  dc_status status = DC_OK;
  DCI_TRY(dci_buf_append_char(b, '['));
  for (size_t i = 0; i < z->n; i++) {
    if (i > 0) DCI_TRY(dci_buf_append_char(b, ','));
    DCI_TRY(dci_rec_append_json(b, z->recs[i]));
  }
  DCI_TRY(dci_buf_append_char(b, ']'));
done:
  return status;
}

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
    DCI_TRY(zone_json_into(&b, r->newz));
    DCI_TRY(dci_buf_append_str(&b, ",\"deleted\":"));
    DCI_TRY(zone_json_into(&b, r->delz));
    DCI_TRY(dci_buf_append_str(&b, ",\"final\":"));
    DCI_TRY(zone_json_into(&b, f));
    DCI_TRY(dci_buf_append_char(&b, '}'));
  }
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;
done:
  dci_buf_free(&b);
  return status;
}


/* ---- deletion marks: zone record index -> reason */

enum { R_UPDATE = 1, R_CONFLICT, R_CASCADE, R_SPF, R_IDENTICAL };

struct marks {
  size_t *slots;      /* index + 1; 0 empty */
  unsigned char *why; /* per slot */
  size_t nslots;
  size_t *list;       /* marked indices, in marking order */
  size_t n, cap;
};

static size_t marks_slot(const struct marks *m, size_t idx)
{
  size_t mask = m->nslots - 1;
  size_t i = (size_t)(idx * 0x9E3779B97F4A7C15ULL) & mask;
  while (m->slots[i] != 0 && m->slots[i] != idx + 1) i = (i + 1) & mask;
  return i;
}

static int marks_get(const struct marks *m, size_t idx)
{
  if (m->nslots == 0) return 0;
  size_t s = marks_slot(m, idx);
  return m->slots[s] ? m->why[s] : 0;
}

static dc_status marks_grow(struct marks *m)
{
  size_t ns = m->nslots ? m->nslots * 2 : 64;
  size_t *slots = calloc(ns, sizeof *slots);
  unsigned char *why = calloc(ns, 1);
  if (slots == NULL || why == NULL) {
    free(slots);
    free(why);
    return DC_E_NOMEM;
  }
  struct marks old = *m;
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
static dc_status mark(struct marks *m, size_t idx, int why)
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

static void marks_set(struct marks *m, size_t idx, int why)
{
  size_t s = marks_slot(m, idx);
  if (m->slots[s]) m->why[s] = (unsigned char)why;
}

static void marks_free(struct marks *m)
{
  free(m->slots);
  free(m->why);
  free(m->list);
}

/* ---- plans: rendered records */

struct plan {
  enum dci_kind kind;
  char *type;
  char *name;          /* zone-relative, lower case */
  char *data;
  char *protocol, *service;
  long ttl, priority, weight, port;
  int txt_mode;
  const char *txt_prefix;
  int essential;
  const char *group_id;
  size_t tpl;          /* template record index */
  bool skip;           /* identical record already in the zone */
  bool stateless;      /* SPF TXT made by SPFM: no _dc */
  char *spf_rules;     /* SPFM */
};

struct ctx {
  dc_client *c;
  const dc_template *t;
  const dc_zone *z;
  const dc_apply_opts *o;
  char *domain;
  char host[DC_MAX_NAME_LEN + 2];
  char fqdn[2 * DC_MAX_NAME_LEN + 4]; /* host (checked <= 253 with the domain) + domain */
  struct dci_subst_ctx sx;
  struct plan *plans;
  size_t np, capp;
  struct marks m;
  char *inst_id;
};

static void plan_free(struct plan *p)
{
  free(p->type);
  free(p->name);
  free(p->data);
  free(p->protocol);
  free(p->service);
  free(p->spf_rules);
}

static dc_status plan_add(struct ctx *x, struct plan **out)
{
  if (x->np == x->capp) {
    size_t nc = x->capp ? x->capp * 2 : 16;
    struct plan *np = realloc(x->plans, nc * sizeof *np);
    if (np == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    x->plans = np;
    x->capp = nc;
  }
  struct plan *p = &x->plans[x->np++];
  memset(p, 0, sizeof *p);
  p->ttl = p->priority = p->weight = p->port = -1;
  *out = p;
  return DC_OK;
}

static bool utf8_ok(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    if (*p < 0x80) { p++; continue; }
    int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
    if (n < 0 || *p == 0xc0 || *p == 0xc1 || *p > 0xf4) return false;
    for (int i = 1; i <= n; i++)
      if ((p[i] & 0xc0) != 0x80) return false;
    p += n + 1;
  }
  return true;
}

static dc_status bad(struct ctx *x, const char *field, const char *value, const char *why)
{
  char safe[96];
  dci_sanitize(safe, sizeof safe, value, strlen(value), 64);
  return dci_fail(x->c, DC_E_RECORD, "%s: '%s' %s", field, safe, why);
}

/* Substitutes a text field and checks it has no control bytes and is
 * UTF-8. */
static dc_status render_text(struct ctx *x, const char *field, const char *in, char **out)
{
  dc_status st = dci_subst(x->c, &x->sx, field, in, out);
  if (st != DC_OK) return st;
  if (dci_has_ctl(*out)) st = bad(x, field, *out, "contains a control character");
  else if (!utf8_ok(*out)) st = bad(x, field, *out, "is not UTF-8");
  if (st != DC_OK) {
    free(*out);
    *out = NULL;
  }
  return st;
}

/* Owner name rendering (spec "Host Name Rendering"). */
static dc_status render_owner(struct ctx *x, const char *field, const char *in, char **out)
{
  dc_status status = DC_OK;
  char *v = NULL, *name = NULL;
  *out = NULL;
  DCI_TRY(render_text(x, field, in, &v));
  size_t n = strlen(v);
  size_t dl = strlen(x->domain);
  if (n == 0 || strcmp(v, "@") == 0) {
    name = dci_strdup(x->host[0] ? x->host : "@");
  } else if (v[n - 1] == '.') {
    v[--n] = '\0';
    dci_lower_str(v);
    if (strcmp(v, x->domain) == 0) {
      name = dci_strdup("@");
    } else if (n > dl + 1 && v[n - dl - 1] == '.' && strcmp(v + n - dl, x->domain) == 0) {
      name = dci_strndup(v, n - dl - 1);
    } else {
      status = bad(x, field, in, "is an absolute name outside the zone");
      goto done;
    }
  } else {
    dci_lower_str(v);
    size_t hl = strlen(x->host);
    name = malloc(n + hl + 2);
    if (name != NULL) {
      memcpy(name, v, n);
      if (hl > 0) {
        name[n] = '.';
        memcpy(name + n + 1, x->host, hl + 1);
      } else {
        name[n] = '\0';
      }
    }
  }
  if (name == NULL) {
    status = dci_fail(x->c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if (strcmp(name, "@") != 0) {
    size_t nl = strlen(name);
    if (nl + 1 + dl > DC_MAX_NAME_LEN) {
      status = bad(x, field, name, "makes a name longer than 253 bytes");
      goto done;
    }
    size_t start = 0;
    for (size_t i = 0; i <= nl; i++) {
      if (i < nl && name[i] != '.') {
        unsigned char ch = (unsigned char)name[i];
        if (ch == '*') {
          if (i != 0 || (i + 1 < nl && name[i + 1] != '.')) {
            status = bad(x, field, name, "has a '*' that is not the whole leftmost label");
            goto done;
          }
        } else if (!dci_is_alnum(ch) && ch != '-' && ch != '_') {
          status = bad(x, field, name, "has a character other than letter, digit, '-', '_'");
          goto done;
        }
        continue;
      }
      if (i == start) {
        status = bad(x, field, name, "has an empty label");
        goto done;
      }
      if (i - start > DC_MAX_LABEL_LEN) {
        status = bad(x, field, name, "has a label longer than 63 bytes");
        goto done;
      }
      if (name[start] == '-' || name[i - 1] == '-') {
        status = bad(x, field, name, "has a label that starts or ends with '-'");
        goto done;
      }
      start = i + 1;
    }
  }
  *out = name;
  name = NULL;
done:
  free(v);
  free(name);
  return status;
}

/* A host-name target (pointsTo, SRV target): "@" is the fqdn. */
static dc_status render_target(struct ctx *x, const char *field, const char *in,
                               bool allow_at, bool allow_dot, char **out)
{
  dc_status st = render_text(x, field, in, out);
  if (st != DC_OK) return st;
  if (strcmp(*out, "@") == 0) {
    if (!allow_at) {
      st = bad(x, field, *out, "must not be '@' (a circular delegation)");
    } else {
      free(*out);
      *out = dci_strdup(x->fqdn);
      if (*out == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
      return DC_OK;
    }
  } else if (allow_dot && strcmp(*out, ".") == 0) {
    return DC_OK;
  } else {
    const char *why = dci_target_problem(*out);
    if (why != NULL) {
      char msg[96];
      snprintf(msg, sizeof msg, "is not a host name: %s", why);
      st = bad(x, field, *out, msg);
    }
  }
  if (st != DC_OK) {
    free(*out);
    *out = NULL;
    return st;
  }
  dci_lower_str(*out);
  return DC_OK;
}

static dc_status render_num(struct ctx *x, const char *field, const struct dci_tnum *n,
                            long max, long *out)
{
  *out = -1;
  if (!n->present) return DC_OK;
  if (n->expr == NULL) {
    *out = n->value;
    return DC_OK;
  }
  if (!dci_is_sole_var(n->expr))
    return bad(x, field, n->expr, "must be an integer or exactly one %variable%");
  char *v = NULL;
  dc_status st = dci_subst(x->c, &x->sx, field, n->expr, &v);
  if (st != DC_OK) return st;
  size_t len = strlen(v);
  long val = 0;
  bool ok = len > 0 && len <= 10;
  for (size_t i = 0; ok && i < len; i++) {
    if (!dci_is_digit((unsigned char)v[i])) ok = false;
    else val = val * 10 + (v[i] - '0');
  }
  if (!ok || val > max) {
    char msg[64];
    snprintf(msg, sizeof msg, "is not an integer in 0..%ld", max);
    st = bad(x, field, v, msg);
  } else {
    *out = val;
  }
  free(v);
  return st;
}

static dc_status render_record(struct ctx *x, size_t i)
{
  dc_status status = DC_OK;
  const struct dci_trec *r = &x->t->recs[i];
  struct plan *p = NULL;
  char f[64];
  char *owner = NULL;
  const char *hostf = r->kind == DCI_K_SRV ? "name" : "host";

  snprintf(f, sizeof f, "records[%zu].%s", i, hostf);
  DCI_TRY(render_owner(x, f, r->host ? r->host : "@", &owner));

  if (dci_kind_is_redir(r->kind)) {
    char *url = NULL;
    snprintf(f, sizeof f, "records[%zu].target", i);
    DCI_TRY(render_text(x, f, r->target, &url));
    const char *why = dci_url_problem(url);
    if (why != NULL) {
      char msg[96];
      snprintf(msg, sizeof msg, "is not a redirect URL: %s", why);
      status = bad(x, f, url, msg);
      free(url);
      goto done;
    }
    for (size_t k = 0; k < x->o->nredir; k++) {
      const struct dci_redir *b = &x->o->redir[k];
      if (dci_kind_of(b->type) == DCI_K_CNAME && strcmp(owner, "@") == 0) {
        free(url);
        status = dci_fail(x->c, DC_E_RECORD,
                          "records[%zu]: a redirect backed by a CNAME is not possible at "
                          "the zone apex", i);
        goto done;
      }
      if ((status = plan_add(x, &p)) != DC_OK) {
        free(url);
        goto done;
      }
      p->kind = dci_kind_of(b->type);
      p->type = dci_strdup(b->type);
      p->name = dci_strdup(owner);
      p->data = dci_strdup(b->data);
      p->ttl = b->ttl;
      p->essential = r->essential;
      p->group_id = r->group_id;
      p->tpl = i;
      if (p->type == NULL || p->name == NULL || p->data == NULL) {
        free(url);
        status = dci_fail(x->c, DC_E_NOMEM, "out of memory");
        goto done;
      }
    }
    if ((status = plan_add(x, &p)) != DC_OK) {
      free(url);
      goto done;
    }
    p->kind = r->kind;
    p->type = dci_strdup(r->type);
    p->name = owner;
    owner = NULL;
    p->data = url;
    p->essential = r->essential;
    p->group_id = r->group_id;
    p->tpl = i;
    if (p->type == NULL) status = dci_fail(x->c, DC_E_NOMEM, "out of memory");
    goto done;
  }

  DCI_TRY(plan_add(x, &p));
  p->kind = r->kind;
  p->tpl = i;
  p->essential = r->essential;
  p->group_id = r->group_id;
  p->txt_mode = r->txt_mode;
  p->txt_prefix = r->txt_prefix;
  p->type = dci_strdup(r->type);
  p->name = owner;
  owner = NULL;
  if (p->type == NULL) {
    status = dci_fail(x->c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  snprintf(f, sizeof f, "records[%zu].ttl", i);
  DCI_TRY(render_num(x, f, &r->ttl, DC_MAX_TTL, &p->ttl));

  switch (r->kind) {
  case DCI_K_A:
  case DCI_K_AAAA:
    snprintf(f, sizeof f, "records[%zu].pointsTo", i);
    DCI_TRY(render_text(x, f, r->points_to, &p->data));
    if (strcmp(p->data, "@") == 0) {
      status = bad(x, f, p->data, "must not be '@' for an address record");
      goto done;
    }
    if (r->kind == DCI_K_A ? !dci_valid_ipv4(p->data) : !dci_valid_ipv6(p->data)) {
      status = bad(x, f, p->data,
                   r->kind == DCI_K_A ? "is not an IPv4 address" : "is not an IPv6 address");
      goto done;
    }
    dci_lower_str(p->data);
    break;
  case DCI_K_CNAME:
  case DCI_K_NS:
  case DCI_K_MX:
  case DCI_K_APEXCNAME:
    snprintf(f, sizeof f, "records[%zu].pointsTo", i);
    DCI_TRY(render_target(x, f, r->points_to, r->kind != DCI_K_NS, false, &p->data));
    if (r->kind == DCI_K_MX) {
      snprintf(f, sizeof f, "records[%zu].priority", i);
      DCI_TRY(render_num(x, f, &r->priority, 65535, &p->priority));
    }
    if (r->kind == DCI_K_CNAME && strcmp(p->name, "@") == 0) {
      snprintf(f, sizeof f, "records[%zu].host", i);
      status = dci_fail(x->c, DC_E_RECORD, "%s: a %s record is not possible at the zone apex",
                        f, r->type);
      goto done;
    }
    if (r->kind == DCI_K_APEXCNAME && strcmp(p->name, "@") != 0) {
      snprintf(f, sizeof f, "records[%zu].host", i);
      status = bad(x, f, p->name, "is not the zone apex: APEXCNAME is only possible there");
      goto done;
    }
    break;
  case DCI_K_TXT:
    snprintf(f, sizeof f, "records[%zu].data", i);
    DCI_TRY(render_text(x, f, r->data, &p->data));
    break;
  case DCI_K_SRV: {
    snprintf(f, sizeof f, "records[%zu].target", i);
    DCI_TRY(render_target(x, f, r->target, true, true, &p->data));
    snprintf(f, sizeof f, "records[%zu].protocol", i);
    char *proto = NULL;
    DCI_TRY(render_text(x, f, r->protocol, &proto));
    const char *pr = proto[0] == '_' ? proto + 1 : proto;
    static const char *const ok[] = {"tcp", "udp", "tls", "sctp", "dccp"};
    for (size_t k = 0; k < sizeof ok / sizeof ok[0] && p->protocol == NULL; k++)
      if (dci_streq_nocase(pr, ok[k])) p->protocol = dci_strdup(ok[k]);
    if (p->protocol == NULL) {
      status = bad(x, f, proto, "is not one of _tcp, _udp, _tls, _sctp, _dccp");
      free(proto);
      goto done;
    }
    free(proto);
    snprintf(f, sizeof f, "records[%zu].service", i);
    DCI_TRY(render_text(x, f, r->service, &p->service));
    const char *why = dci_target_problem(p->service);
    if (why != NULL || p->service[strlen(p->service) - 1] == '.') {
      status = bad(x, f, p->service, "is not a service name (labels of letters, digits, '-', '_')");
      goto done;
    }
    dci_lower_str(p->service);
    snprintf(f, sizeof f, "records[%zu].priority", i);
    DCI_TRY(render_num(x, f, &r->priority, 65535, &p->priority));
    snprintf(f, sizeof f, "records[%zu].weight", i);
    DCI_TRY(render_num(x, f, &r->weight, 65535, &p->weight));
    snprintf(f, sizeof f, "records[%zu].port", i);
    DCI_TRY(render_num(x, f, &r->port, 65535, &p->port));
    break;
  }
  case DCI_K_SPFM: {
    snprintf(f, sizeof f, "records[%zu].spfRules", i);
    DCI_TRY(render_text(x, f, r->spf_rules, &p->spf_rules));
    const char *why = dci_spf_rules_problem(p->spf_rules);
    if (why != NULL) {
      status = bad(x, f, p->spf_rules, why);
      goto done;
    }
    break;
  }
  case DCI_K_OTHER:
  default:
    snprintf(f, sizeof f, "records[%zu].data", i);
    DCI_TRY(render_text(x, f, r->data, &p->data));
    if (p->data[0] == '\0') {
      status = dci_fail(x->c, DC_E_RECORD, "%s: empty", f);
      goto done;
    }
    if (strcmp(p->data, "@") == 0) {
      status = bad(x, f, p->data, "is not record data ('@' is not resolved for this type)");
      goto done;
    }
    break;
  }
done:
  free(owner);
  return status;
}

/* ---- comparisons */

static bool same_opt(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool plans_identical(const struct plan *a, const struct plan *b)
{
  return a->kind != DCI_K_SPFM && b->kind != DCI_K_SPFM && strcmp(a->type, b->type) == 0 &&
         strcmp(a->name, b->name) == 0 && strcmp(a->data, b->data) == 0 &&
         a->priority == b->priority && a->weight == b->weight && a->port == b->port &&
         same_opt(a->protocol, b->protocol) && same_opt(a->service, b->service);
}

/* A plan and a zone record hold the same record (TTL aside; TXT compares
 * the logical value). */
static bool rec_identical(const struct plan *p, const struct dci_rec *r)
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
static bool conflicts_with(enum dci_kind nk, const struct plan *p, const struct dci_rec *r)
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
static bool self_conflict(const struct plan *a, const struct plan *b)
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

/* ---- zone lookups */

static size_t name_lookup(const dc_zone *z, const char *name)
{
  return dci_strmap_get(&z->names, name, dci_hash(name));
}

static bool group_selected(const struct ctx *x, const char *g)
{
  if (x->o->ngroups == 0 || g == NULL) return true;
  for (size_t i = 0; i < x->o->ngroups; i++)
    if (strcmp(x->o->groups[i], g) == 0) return true;
  return false;
}

/* Marks the records of a map entry (instances) as UPDATE, honouring the
 * group filter (additive group apply). */
static dc_status mark_entry(struct ctx *x, const struct dci_strmap *m, const size_t *next,
                            const char *key, const char **first_id)
{
  size_t node = dci_strmap_get(m, key, dci_hash(key));
  if (node == DCI_NONE) return DC_OK;
  for (size_t i = m->first[node]; i != DCI_NONE; i = next[i]) {
    const struct dci_rec *r = x->z->recs[i];
    if (first_id != NULL && *first_id == NULL) *first_id = r->dc_id;
    if (!group_selected(x, r->dc_group)) continue;
    dc_status st = mark(&x->m, i, R_UPDATE);
    if (st != DC_OK) return dci_fail(x->c, st, "out of memory");
  }
  return DC_OK;
}

static dc_status prior_instances(struct ctx *x, const char **reuse_id)
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

static dc_status mark_conflict(struct ctx *x, size_t idx)
{
  dc_status st = mark(&x->m, idx, R_CONFLICT);
  return st == DC_OK ? DC_OK : dci_fail(x->c, st, "out of memory");
}

static dc_status plan_conflicts(struct ctx *x, const struct plan *p)
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
static dc_status spfm(struct ctx *x, size_t pi)
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
      if (r->kind != DCI_K_TXT || !dci_is_spf(r->txt) || marks_get(&x->m, i)) continue;
      if (nz < 2) zspf[nz] = i;
      nz++;
    }
  size_t pspf = DCI_NONE, np = 0;
  for (size_t k = 0; k < x->np; k++) {
    const struct plan *q = &x->plans[k];
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
      dc_status st = mark(&x->m, zspf[0], R_SPF);
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
    struct plan *q = &x->plans[target_plan];
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
  struct plan *p = &x->plans[pi];
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
static bool cascades(const struct ctx *x, const struct dci_rec *r)
{
  return x->o->multi_aware && r->dc_id != NULL && r->dc_provider != NULL &&
         r->dc_service != NULL &&
         !(r->dc_essential != NULL && dci_streq_nocase(r->dc_essential, "OnApply"));
}

static dc_status cascade(struct ctx *x)
{
  size_t n = x->m.n; /* records marked later are cascaded ones */
  for (size_t k = 0; k < n; k++) {
    size_t idx = x->m.list[k];
    if (marks_get(&x->m, idx) != R_CONFLICT) continue;
    const struct dci_rec *r = x->z->recs[idx];
    if (!cascades(x, r)) continue;
    char *key = dci_inst_key(r->dc_provider, r->dc_service, r->dc_id);
    if (key == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    size_t node = dci_strmap_get(&x->z->inst, key, dci_hash(key));
    free(key);
    if (node == DCI_NONE) continue;
    for (size_t i = x->z->inst.first[node]; i != DCI_NONE; i = x->z->next_inst[i]) {
      dc_status st = mark(&x->m, i, R_CASCADE);
      if (st != DC_OK) return dci_fail(x->c, st, "out of memory");
    }
  }
  return DC_OK;
}

static void identical(struct ctx *x)
{
  const dc_zone *z = x->z;
  for (size_t k = 0; k < x->np; k++) {
    struct plan *p = &x->plans[k];
    size_t node = name_lookup(z, p->name);
    if (node == DCI_NONE) continue;
    for (size_t i = z->names.first[node]; i != DCI_NONE; i = z->next_name[i]) {
      const struct dci_rec *r = z->recs[i];
      if (!rec_identical(p, r)) continue;
      int why = marks_get(&x->m, i);
      if (why == 0) {
        p->skip = true;
        break;
      }
      if (why == R_CONFLICT && !cascades(x, r)) marks_set(&x->m, i, R_IDENTICAL);
    }
  }
}

/* ---- state (_dc) of new records */

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

static dc_status state_json(const struct ctx *x, const struct plan *p, const char *host,
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
static void state_host(const struct ctx *x, char *out, size_t outsz)
{
  const char *h = (x->o->host != NULL && strcmp(x->o->host, "@") == 0) ? "@" : x->host;
  snprintf(out, outsz, "%s", h);
}

static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

static dc_status build_result(struct ctx *x, dc_apply_result **out, bool *conflict)
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
    const struct plan *p = &x->plans[k];
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
    int why = marks_get(&x->m, res->del[k]);
    if (why == R_CONFLICT || why == R_CASCADE) nconf++;
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
      int why = marks_get(&x->m, res->del[k]);
      if (why != R_CONFLICT && why != R_CASCADE) continue;
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

/* ---- entry point */

static dc_status check_host(struct ctx *x)
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

static dc_status check_signature(struct ctx *x)
{
  if (x->t->sync_pub_key_domain == NULL || x->o->ignore_sig) return DC_OK;
  if (x->o->sig_query == NULL)
    return dci_fail(x->c, DC_E_SIG_MISSING,
                    "the template has syncPubKeyDomain %s: the request must be signed "
                    "(dc_apply_opts_set_signature)", x->t->sync_pub_key_domain);
  return dc_verify_query(x->c, x->o->sig_query, strlen(x->o->sig_query), NULL,
                         (const char *const *)x->o->key_txt, x->o->nkey);
}

DC_API dc_status dc_template_apply(dc_client *c, const dc_template *t,
                                   const dc_zone *zone, const dc_apply_opts *o,
                                   dc_apply_result **out)
{
  dc_status status = DC_OK;
  struct ctx x;
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
  DCI_TRY(dc_domain_normalize(c, o->domain, &x.domain));
  DCI_TRY(check_host(&x));
  if (x.host[0]) snprintf(x.fqdn, sizeof x.fqdn, "%s.%s", x.host, x.domain);
  else snprintf(x.fqdn, sizeof x.fqdn, "%s", x.domain);
  if (t->host_required && x.host[0] == '\0') {
    status = dci_fail(c, DC_E_HOST_REQUIRED, "the template has hostRequired: a host is needed");
    goto done;
  }
  DCI_TRY(check_signature(&x));
  dci_clear(c);
  if (o->multi_aware && (t->provider_id == NULL || t->service_id == NULL)) {
    status = dci_fail(c, DC_E_TEMPLATE,
                      "multi-aware mode needs the template's providerId and serviceId");
    goto done;
  }
  active = calloc(t->nrecs ? t->nrecs : 1, sizeof *active);
  if (active == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
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
    status = dci_fail(c, DC_E_TEMPLATE, "groupId: no record of the template is in group '%s'%s",
                      safe, o->ngroups > 1 ? " (or the other groups given)" : "");
    goto done;
  }
  if (redir && o->nredir == 0) {
    status = dci_fail(c, DC_E_TEMPLATE,
                      "REDIR301/REDIR302 need the provider's redirect records "
                      "(dc_apply_opts_add_redirect_record)");
    goto done;
  }

  /* 2. render */
  x.sx.domain = x.domain;
  x.sx.host = x.host;
  x.sx.fqdn = x.fqdn;
  x.sx.params = o->params;
  x.sx.nparams = o->nparams;
  for (size_t i = 0; i < t->nrecs; i++)
    if (active[i]) DCI_TRY(render_record(&x, i));
  for (size_t a = 0; a < x.np; a++) {
    for (size_t b = a + 1; b < x.np; b++) {
      if (plans_identical(&x.plans[a], &x.plans[b])) { /* written once */
        plan_free(&x.plans[b]);
        memmove(&x.plans[b], &x.plans[b + 1], (x.np - b - 1) * sizeof x.plans[0]);
        x.np--;
        b--;
        continue;
      }
      if (self_conflict(&x.plans[a], &x.plans[b])) {
        status = dci_fail(c, DC_E_RECORD,
                          "records[%zu] (%s %s) and records[%zu] (%s %s) of the template "
                          "conflict with each other", x.plans[a].tpl, x.plans[a].type,
                          x.plans[a].name, x.plans[b].tpl, x.plans[b].type, x.plans[b].name);
        goto done;
      }
    }
  }

  /* 3. template state */
  const char *reuse = NULL;
  if (o->multi_aware) DCI_TRY(prior_instances(&x, &reuse));
  if (o->multi_aware) {
    dc_status st = DC_OK;
    if (o->instance_id != NULL) x.inst_id = dci_strdup(o->instance_id);
    else if (reuse != NULL && o->ngroups > 0 && !t->multi_instance) x.inst_id = dci_strdup(reuse);
    else st = random_id(&x.inst_id);
    if (st == DC_OK && x.inst_id == NULL) st = DC_E_NOMEM;
    if (st != DC_OK) {
      status = dci_fail(c, st, "cannot make an instance id");
      goto done;
    }
  }

  /* 4. conflicts, 5. SPF */
  for (size_t k = 0; k < x.np; k++)
    if (x.plans[k].kind != DCI_K_SPFM) DCI_TRY(plan_conflicts(&x, &x.plans[k]));
  for (size_t k = 0; k < x.np; k++) {
    if (x.plans[k].kind != DCI_K_SPFM) continue;
    DCI_TRY(plan_conflicts(&x, &x.plans[k]));
    DCI_TRY(spfm(&x, k));
    if (x.plans[k].kind == DCI_K_SPFM) x.plans[k].skip = true; /* merged elsewhere */
  }

  /* 6. whole instances, 7. identical records */
  if (o->multi_aware) DCI_TRY(cascade(&x));
  identical(&x);

  /* 8. result */
  bool conflict = false;
  DCI_TRY(build_result(&x, out, &conflict));
  if (conflict)
    status = dci_fail(c, DC_E_CONFLICT, "%s (force removes them)",
                      dc_conflicts_message(dc_apply_result_conflicts(*out)));
done:
  for (size_t k = 0; k < x.np; k++) plan_free(&x.plans[k]);
  free(x.plans);
  marks_free(&x.m);
  free(x.inst_id);
  free(x.domain);
  free(active);
  return status;
}
