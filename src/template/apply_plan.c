/* Rendering template records into plans (step 2; docs/template-engine.md,
 * "Applying", 4. Render): substitution, the owner name, and the checks of
 * each record type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/apply_internal.h"

void dci_plan_free(struct dci_plan *p)
{
  free(p->type);
  free(p->name);
  free(p->data);
  free(p->protocol);
  free(p->service);
  free(p->spf_rules);
}

/* A new plan for template record i (its index, essential and group set). */
static dc_status plan_add(struct dci_apply *x, size_t i, struct dci_plan **out)
{
  const struct dci_trec *r = &x->t->recs[i];
  if (x->np == x->capp) {
    size_t nc = x->capp ? x->capp * 2 : 16;
    struct dci_plan *np = realloc(x->plans, nc * sizeof *np);
    if (np == NULL) return dci_fail(x->c, DC_E_NOMEM, "out of memory");
    x->plans = np;
    x->capp = nc;
  }
  struct dci_plan *p = &x->plans[x->np++];
  memset(p, 0, sizeof *p);
  p->ttl = p->priority = p->weight = p->port = -1;
  p->tpl = i;
  p->essential = r->essential;
  p->group_id = r->group_id;
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

static dc_status bad(struct dci_apply *x, const char *field, const char *value, const char *why)
{
  char safe[96];
  dci_sanitize(safe, sizeof safe, value, strlen(value), 64);
  return dci_fail(x->c, DC_E_RECORD, "%s: '%s' %s", field, safe, why);
}

/* Substitutes a text field and checks it has no control bytes and is
 * UTF-8. */
static dc_status render_text(struct dci_apply *x, const char *field, const char *in, char **out)
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
static dc_status render_owner(struct dci_apply *x, const char *field, const char *in, char **out)
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
static dc_status render_target(struct dci_apply *x, const char *field, const char *in,
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

static dc_status render_num(struct dci_apply *x, const char *field, const struct dci_tnum *n,
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

/* "records[i].NAME" into f (FIELD_MAX bytes), for details. */
enum { FIELD_MAX = 64 };
static const char *rec_field(char *f, size_t i, const char *name)
{
  snprintf(f, FIELD_MAX, "records[%zu].%s", i, name);
  return f;
}

/* A provider's backing record of a redirect, at the redirect's owner. */
static dc_status render_backing(struct dci_apply *x, size_t i, const struct dci_redir *b,
                                const char *owner)
{
  struct dci_plan *p = NULL;
  if (dci_kind_of(b->type) == DCI_K_CNAME && strcmp(owner, "@") == 0)
    return dci_fail(x->c, DC_E_RECORD,
                    "records[%zu]: a redirect backed by a CNAME is not possible at "
                    "the zone apex", i);
  dc_status st = plan_add(x, i, &p);
  if (st != DC_OK) return st;
  p->kind = dci_kind_of(b->type);
  p->type = dci_strdup(b->type);
  p->name = dci_strdup(owner);
  p->data = dci_strdup(b->data);
  p->ttl = b->ttl;
  if (p->type == NULL || p->name == NULL || p->data == NULL)
    return dci_fail(x->c, DC_E_NOMEM, "out of memory");
  return DC_OK;
}

/* REDIR301/302: the provider's backing records, then the redirect itself
 * (its data is the URL). Takes *owner. */
static dc_status render_redirect(struct dci_apply *x, size_t i, char **owner)
{
  dc_status status = DC_OK;
  const struct dci_trec *r = &x->t->recs[i];
  struct dci_plan *p = NULL;
  char f[FIELD_MAX];
  char *url = NULL;
  DCI_TRY(render_text(x, rec_field(f, i, "target"), r->target, &url));
  const char *why = dci_url_problem(url);
  if (why != NULL) {
    char msg[96];
    snprintf(msg, sizeof msg, "is not a redirect URL: %s", why);
    status = bad(x, f, url, msg);
    goto done;
  }
  for (size_t k = 0; k < x->o->nredir; k++)
    DCI_TRY(render_backing(x, i, &x->o->redir[k], *owner));
  DCI_TRY(plan_add(x, i, &p));
  p->kind = r->kind;
  p->type = dci_strdup(r->type);
  p->name = *owner;
  *owner = NULL;
  p->data = url;
  url = NULL;
  if (p->type == NULL) status = dci_fail(x->c, DC_E_NOMEM, "out of memory");
done:
  free(url);
  return status;
}

/* A and AAAA: pointsTo is an address. */
static dc_status render_address(struct dci_apply *x, size_t i, struct dci_plan *p)
{
  dc_status status = DC_OK;
  const struct dci_trec *r = &x->t->recs[i];
  char f[FIELD_MAX];
  DCI_TRY(render_text(x, rec_field(f, i, "pointsTo"), r->points_to, &p->data));
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
done:
  return status;
}

/* CNAME, NS, MX and APEXCNAME: pointsTo is a host name; their placement. */
static dc_status render_pointer(struct dci_apply *x, size_t i, struct dci_plan *p)
{
  dc_status status = DC_OK;
  const struct dci_trec *r = &x->t->recs[i];
  char f[FIELD_MAX];
  DCI_TRY(render_target(x, rec_field(f, i, "pointsTo"), r->points_to, r->kind != DCI_K_NS,
                        false, &p->data));
  if (r->kind == DCI_K_MX)
    DCI_TRY(render_num(x, rec_field(f, i, "priority"), &r->priority, 65535, &p->priority));
  if (r->kind == DCI_K_CNAME && strcmp(p->name, "@") == 0) {
    status = dci_fail(x->c, DC_E_RECORD, "%s: a %s record is not possible at the zone apex",
                      rec_field(f, i, "host"), r->type);
    goto done;
  }
  if (r->kind == DCI_K_APEXCNAME && strcmp(p->name, "@") != 0) {
    status = bad(x, rec_field(f, i, "host"), p->name,
                 "is not the zone apex: APEXCNAME is only possible there");
    goto done;
  }
done:
  return status;
}

/* SRV: target, protocol, service and the three numbers. */
static dc_status render_srv(struct dci_apply *x, size_t i, struct dci_plan *p)
{
  dc_status status = DC_OK;
  const struct dci_trec *r = &x->t->recs[i];
  char f[FIELD_MAX];
  char *proto = NULL;
  DCI_TRY(render_target(x, rec_field(f, i, "target"), r->target, true, true, &p->data));
  DCI_TRY(render_text(x, rec_field(f, i, "protocol"), r->protocol, &proto));
  const char *pr = proto[0] == '_' ? proto + 1 : proto;
  static const char *const ok[] = {"tcp", "udp", "tls", "sctp", "dccp"};
  size_t known = 0;
  while (known < sizeof ok / sizeof ok[0] && !dci_streq_nocase(pr, ok[known])) known++;
  if (known == sizeof ok / sizeof ok[0]) {
    status = bad(x, f, proto, "is not one of _tcp, _udp, _tls, _sctp, _dccp");
    goto done;
  }
  p->protocol = dci_strdup(ok[known]);
  if (p->protocol == NULL) {
    status = dci_fail(x->c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  DCI_TRY(render_text(x, rec_field(f, i, "service"), r->service, &p->service));
  const char *why = dci_target_problem(p->service);
  if (why != NULL || p->service[strlen(p->service) - 1] == '.') {
    status = bad(x, f, p->service,
                 "is not a service name (labels of letters, digits, '-', '_')");
    goto done;
  }
  dci_lower_str(p->service);
  DCI_TRY(render_num(x, rec_field(f, i, "priority"), &r->priority, 65535, &p->priority));
  DCI_TRY(render_num(x, rec_field(f, i, "weight"), &r->weight, 65535, &p->weight));
  DCI_TRY(render_num(x, rec_field(f, i, "port"), &r->port, 65535, &p->port));
done:
  free(proto);
  return status;
}

/* SPFM: spfRules, merged later (dci_spfm). */
static dc_status render_spf_rules(struct dci_apply *x, size_t i, struct dci_plan *p)
{
  dc_status status = DC_OK;
  char f[FIELD_MAX];
  DCI_TRY(render_text(x, rec_field(f, i, "spfRules"), x->t->recs[i].spf_rules, &p->spf_rules));
  const char *why = dci_spf_rules_problem(p->spf_rules);
  if (why != NULL) status = bad(x, f, p->spf_rules, why);
done:
  return status;
}

/* TXT and every other type: data (TXT verbatim; others not empty nor '@'). */
static dc_status render_data(struct dci_apply *x, size_t i, struct dci_plan *p)
{
  dc_status status = DC_OK;
  char f[FIELD_MAX];
  DCI_TRY(render_text(x, rec_field(f, i, "data"), x->t->recs[i].data, &p->data));
  if (p->kind == DCI_K_TXT) goto done;
  if (p->data[0] == '\0') {
    status = dci_fail(x->c, DC_E_RECORD, "%s: empty", f);
    goto done;
  }
  if (strcmp(p->data, "@") == 0)
    status = bad(x, f, p->data, "is not record data ('@' is not resolved for this type)");
done:
  return status;
}

dc_status dci_render_record(struct dci_apply *x, size_t i)
{
  dc_status status = DC_OK;
  const struct dci_trec *r = &x->t->recs[i];
  struct dci_plan *p = NULL;
  char f[FIELD_MAX];
  char *owner = NULL;

  DCI_TRY(render_owner(x, rec_field(f, i, r->kind == DCI_K_SRV ? "name" : "host"),
                       r->host ? r->host : "@", &owner));
  if (dci_kind_is_redir(r->kind)) {
    status = render_redirect(x, i, &owner);
    goto done;
  }
  DCI_TRY(plan_add(x, i, &p));
  p->kind = r->kind;
  p->txt_mode = r->txt_mode;
  p->txt_prefix = r->txt_prefix;
  p->type = dci_strdup(r->type);
  p->name = owner;
  owner = NULL;
  if (p->type == NULL) {
    status = dci_fail(x->c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  DCI_TRY(render_num(x, rec_field(f, i, "ttl"), &r->ttl, DC_MAX_TTL, &p->ttl));
  switch (r->kind) {
  case DCI_K_A:
  case DCI_K_AAAA: status = render_address(x, i, p); break;
  case DCI_K_CNAME:
  case DCI_K_NS:
  case DCI_K_MX:
  case DCI_K_APEXCNAME: status = render_pointer(x, i, p); break;
  case DCI_K_SRV: status = render_srv(x, i, p); break;
  case DCI_K_SPFM: status = render_spf_rules(x, i, p); break;
  case DCI_K_TXT:
  case DCI_K_OTHER:
  default: status = render_data(x, i, p); break;
  }
done:
  free(owner);
  return status;
}
