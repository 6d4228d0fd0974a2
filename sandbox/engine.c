/* domainconnect-sandbox: the template engine glue. Applies a template to a
 * hosted zone with dc_template_apply (include/domainconnect/template.h),
 * for the asynchronous API (api.c) and the synchronous consent page
 * (consent_sync.c): the request's parameters become apply options, the
 * stored zone goes in, and the final zone is written back through the
 * store (or only previewed in a dry run). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <domainconnect/dc.h>

#include "app.h"

void sbx_apply_out_clear(struct sbx_apply_out *o)
{
  json_decref(o->conflicts);
  json_decref(o->preview);
  memset(o, 0, sizeof *o);
}

static void out_err(struct sbx_apply_out *o, int http, const char *error, const char *fmt, ...)
    DCX_PRINTF(4, 5);
static void out_err(struct sbx_apply_out *o, int http, const char *error, const char *fmt, ...)
{
  va_list ap;
  o->http = http;
  snprintf(o->error, sizeof o->error, "%s", error);
  va_start(ap, fmt);
  vsnprintf(o->desc, sizeof o->desc, fmt, ap);
  va_end(ap);
}

struct apply_ctx {
  struct sbx_app *app;
  const struct sbx_apply_req *ar;
  struct sbx_apply_out *out;
  bool dry_run;
};

/* The apply options from the request. A variable the engine refuses
 * (DC_E_LIMIT: longer than DC_MAX_PARAM_VALUE_LEN) is an error naming it
 * (`why`), never dropped: dropping it would read as "variable has no value". */
static dc_status fill_opts(struct sbx_app *app, const struct sbx_apply_req *ar, dc_apply_opts *o,
                           char *why, size_t whysz)
{
  dc_status st = DC_OK;
  const struct sbx_kvlist *p = ar->params;
  if ((st = dc_apply_opts_set_domain(o, ar->domain)) != DC_OK) return st;
  if ((st = dc_apply_opts_set_host(o, ar->host)) != DC_OK) return st;
  for (size_t i = 0; i < p->n; i++) {
    /* the protocol's own names, of the URLs and of OAuth, are never template
     * variables (dc_param_kind_of; docs/security.md §4.5) */
    if (dc_param_kind_of(p->items[i].name) != DC_PARAM_VARIABLE) continue;
    st = dc_apply_opts_set_param(o, p->items[i].name, p->items[i].value);
    if (st == DC_E_LIMIT) {
      struct sbx_kvlist blame = {0};
      sbx_kv_blame(&blame, p->items[i].name, strlen(p->items[i].name));
      snprintf(why, whysz, "variable %s: the value is longer than %d bytes (DC_MAX_PARAM_VALUE_LEN)",
               blame.err_name, DC_MAX_PARAM_VALUE_LEN);
      return st;
    }
    /* docs/protocol.md §2.2: parameters the template does not use are ignored,
     * including names that cannot be variables */
    if (st == DC_E_NOMEM) return st;
    st = DC_OK;
  }
  const char *groups = sbx_kv_get(p, "groupId");
  if (groups != NULL) {
    const char *g = groups;
    while (*g != '\0') {
      const char *end = strchr(g, ',');
      size_t len = end ? (size_t)(end - g) : strlen(g);
      while (len > 0 && *g == ' ') {
        g++;
        len--;
      }
      while (len > 0 && g[len - 1] == ' ') len--;
      if (len > 0) {
        char *id = dcx_strndup(g, len);
        if (id == NULL) return DC_E_NOMEM;
        st = dc_apply_opts_add_group_id(o, id);
        free(id);
        if (st != DC_OK) return st;
      }
      if (end == NULL) break;
      g = end + 1;
    }
  }
  if ((st = dc_apply_opts_set_multi_aware(o, ar->multi_aware)) != DC_OK) return st;
  const char *inst = sbx_kv_get(p, "instanceId");
  if (inst != NULL && inst[0] != '\0' && (st = dc_apply_opts_set_instance_id(o, inst)) != DC_OK)
    return st;
  if ((st = dc_apply_opts_set_force(o, ar->force)) != DC_OK) return st;
  for (size_t i = 0; i < app->cfg->n_redir; i++) {
    const struct sbx_redir_rec *r = &app->cfg->redir[i];
    const char *data = r->data;
    if (data == NULL) {
      /* default: the sandbox's own address, when the family matches */
      if ((strcmp(r->type, "AAAA") == 0) != app->store->listen_v6) continue;
      data = app->store->listen_ip;
    }
    if ((st = dc_apply_opts_add_redirect_record(o, r->type, data, r->ttl)) != DC_OK) return st;
  }
  if (ar->ignore_signature) {
    st = dc_apply_opts_set_ignore_signature(o, 1);
  } else if (ar->sig_query != NULL) {
    st = dc_apply_opts_set_signature(o, ar->sig_query, (const char *const *)ar->key_txt,
                                     ar->n_key_txt);
  }
  return st;
}

static int apply_fn(void *vctx, const json_t *records, json_t **next)
{
  struct apply_ctx *ctx = vctx;
  struct sbx_apply_out *out = ctx->out;
  dc_client *c = NULL;
  dc_zone *zone = NULL;
  dc_apply_opts *o = NULL;
  dc_apply_result *res = NULL;
  char *text = NULL, *rtext = NULL;
  json_t *doc = NULL;
  int rc = 500;
  *next = NULL;
  out_err(out, 500, "server_error", "internal error");
  if (dc_client_new(&c) != DC_OK || dc_apply_opts_new(&o) != DC_OK) goto done;
  text = json_dumps(records, JSON_COMPACT);
  if (text == NULL) goto done;
  dc_status st = dc_zone_from_json(c, text, strlen(text), &zone);
  if (st != DC_OK) {
    out_err(out, 500, "server_error", "the stored zone does not load: %s", dc_client_error(c));
    goto done;
  }
  char why[300] = "";
  st = fill_opts(ctx->app, ctx->ar, o, why, sizeof why);
  if (st == DC_OK) st = dc_template_apply(c, ctx->ar->tmpl->t, zone, o, &res);
  else if (why[0] != '\0') {
    out_err(out, 400, "invalid_request", "%s", why);
    rc = 400;
    goto done;
  }
  switch (st) {
  case DC_OK:
    break;
  case DC_E_CONFLICT:
    if (res != NULL && dc_apply_result_to_json(res, &rtext) == DC_OK)
      doc = json_loads(rtext, 0, NULL);
    out->conflicts = json_incref(json_object_get(doc, "conflicts"));
    if (out->conflicts == NULL) out->conflicts = json_array();
    out_err(out, 409, "conflict", "Conflicting records");
    rc = 409;
    goto done;
  case DC_E_NOMEM:
  case DC_E_INTERNAL:
    out_err(out, 500, "server_error", "%s", dc_status_str(st));
    goto done;
  default:
    out_err(out, 400, "invalid_request", "%s: %s", dc_status_name(st), dc_client_error(c));
    rc = 400;
    goto done;
  }
  if (dc_apply_result_to_json(res, &rtext) != DC_OK || (doc = json_loads(rtext, 0, NULL)) == NULL)
    goto done;
  if (ctx->dry_run) {
    out->preview = json_pack("{s:O, s:O}", "new", json_object_get(doc, "new"), "deleted",
                             json_object_get(doc, "deleted"));
    if (out->preview == NULL) goto done;
  } else {
    json_t *final = json_object_get(doc, "final");
    if (!json_is_array(final)) goto done;
    *next = json_incref(final);
  }
  out_err(out, 204, "", "%s", "");
  rc = 0;
done:
  json_decref(doc);
  dc_free(rtext);
  free(text);
  dc_apply_result_free(res);
  dc_apply_opts_free(o);
  dc_zone_free(zone);
  dc_client_free(c);
  return rc;
}

void sbx_apply(struct sbx_app *app, const struct sbx_apply_req *ar, bool dry_run,
               struct sbx_apply_out *out)
{
  struct apply_ctx ctx = {app, ar, out, dry_run};
  char err[400];
  memset(out, 0, sizeof *out);
  struct sbx_zone *z = sbx_store_find(app->store, ar->domain);
  if (z == NULL) {
    out_err(out, 404, "not_found", "this DNS provider does not host that zone");
    return;
  }
  if (dry_run) {
    json_t *recs = NULL, *next = NULL;
    if (!sbx_store_read(app->store, z, &recs, NULL)) {
      out_err(out, 500, "server_error", "cannot read the zone");
      return;
    }
    (void)apply_fn(&ctx, recs, &next);
    json_decref(next);
    json_decref(recs);
    return;
  }
  int rc = sbx_store_update(app->store, z, apply_fn, &ctx, err, sizeof err);
  switch (rc) {
  case SBX_UPDATE_OK: out_err(out, 204, "", "%s", ""); break;
  case SBX_UPDATE_INVALID:
  case SBX_UPDATE_LIMIT:
    out_err(out, 400, "invalid_request", "the records cannot be served: %s", err);
    break;
  case SBX_UPDATE_IO: out_err(out, 500, "server_error", "the zone could not be updated"); break;
  default: break; /* apply_fn's own outcome is in out */
  }
}

/* providerName / serviceName only with the shared* flags (docs/protocol.md
 * §2.2 step 5). */
const char *sbx_check_shared(const struct sbx_template *t, const struct sbx_kvlist *p)
{
  if (sbx_kv_get(p, "providerName") != NULL && !dc_template_shared_provider_name(t->t))
    return "providerName is not allowed: the template is not sharedProviderName";
  if (sbx_kv_get(p, "serviceName") != NULL && !dc_template_shared_service_name(t->t))
    return "serviceName is not allowed: the template is not sharedServiceName";
  return NULL;
}
