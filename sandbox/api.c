/* domainconnect-sandbox: request routing and the provider API (docs/protocol.md
 * §1.3 settings, §2.1 template query, §3.3 token, §3.5 apply, §3.6
 * revert). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <domainconnect/dc.h>

#include "app.h"

/* ---- responses */
void sbx_resp_clear(struct sbx_resp *r)
{
  free(r->body);
  free(r->location);
  free(r->www_authenticate);
  memset(r, 0, sizeof *r);
}

void sbx_resp_json(struct sbx_resp *r, unsigned status, json_t *doc)
{
  char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  free(r->body);
  r->body = NULL;
  r->len = 0;
  if (text == NULL) {
    static const char oom[] =
        "{\"error\":\"server_error\",\"error_description\":\"out of memory\"}";
    r->status = 500;
    r->body = sbx_strdup(oom);
    r->len = r->body ? strlen(r->body) : 0;
    r->ctype = "application/json";
    return;
  }
  r->status = status;
  r->body = text;
  r->len = strlen(text);
  r->ctype = "application/json";
  r->html = false;
}

void sbx_resp_error(struct sbx_resp *r, unsigned status, const char *error, const char *desc)
{
  sbx_resp_json(r, status,
                json_pack("{s:s, s:s}", "error", error, "error_description", desc ? desc : ""));
}

void sbx_resp_empty(struct sbx_resp *r, unsigned status)
{
  free(r->body);
  r->body = NULL;
  r->len = 0;
  r->status = status;
  r->ctype = NULL;
}

void sbx_resp_html(struct sbx_resp *r, unsigned status, char *html)
{
  free(r->body);
  r->body = html;
  r->len = html ? strlen(html) : 0;
  r->status = html ? status : 500;
  r->ctype = "text/html; charset=utf-8";
  r->html = true;
}

void sbx_resp_redirect(struct sbx_resp *r, unsigned status, const char *url)
{
  sbx_resp_empty(r, status);
  free(r->location);
  r->location = sbx_strdup(url);
  if (r->location == NULL) sbx_resp_error(r, 500, "server_error", "out of memory");
}

/* ---- parameters */
static enum sbx_perr merge(struct sbx_kvlist *out, const char *name, const char *value)
{
  const char *have = sbx_kv_get(out, name);
  if (have != NULL) return strcmp(have, value) == 0 ? SBX_P_OK : SBX_P_DUP;
  if (out->n >= SBX_MAX_PARAMS) return SBX_P_LIMIT;
  if (strlen(name) > SBX_MAX_PARAM_NAME || strlen(value) > SBX_MAX_PARAM_VALUE) return SBX_P_LIMIT;
  return sbx_kv_add(out, name, value) ? SBX_P_OK : SBX_P_NOMEM;
}

static enum sbx_perr qerr(enum sbx_qerr q)
{
  switch (q) {
  case SBX_Q_OK: return SBX_P_OK;
  case SBX_Q_NOMEM: return SBX_P_NOMEM;
  case SBX_Q_LIMIT: return SBX_P_LIMIT;
  case SBX_Q_SYNTAX: break;
  }
  return SBX_P_SYNTAX;
}

static bool ctype_is(const char *ct, const char *want)
{
  if (ct == NULL) return false;
  size_t n = strlen(want);
  for (size_t i = 0; i < n; i++)
    if (sbx_lower((unsigned char)ct[i]) != (unsigned char)want[i]) return false;
  return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

enum sbx_perr sbx_params(const struct sbx_req *req, bool use_body, struct sbx_kvlist *out)
{
  enum sbx_perr e = qerr(sbx_query_parse(req->query, strlen(req->query), out));
  if (e != SBX_P_OK) return e;
  for (size_t i = 0; i < out->n; i++)
    for (size_t k = i + 1; k < out->n; k++)
      if (strcmp(out->items[i].name, out->items[k].name) == 0) return SBX_P_DUP;
  if (!use_body || req->body_len == 0) return SBX_P_OK;
  bool blank = true;
  for (size_t i = 0; i < req->body_len && blank; i++)
    blank = req->body[i] == ' ' || req->body[i] == '\n' || req->body[i] == '\r' ||
            req->body[i] == '\t';
  if (blank) return SBX_P_OK;
  if (ctype_is(req->content_type, "application/x-www-form-urlencoded")) {
    struct sbx_kvlist form = {0};
    e = qerr(sbx_query_parse(req->body, req->body_len, &form));
    for (size_t i = 0; e == SBX_P_OK && i < form.n; i++)
      for (size_t k = i + 1; e == SBX_P_OK && k < form.n; k++)
        if (strcmp(form.items[i].name, form.items[k].name) == 0) e = SBX_P_DUP;
    for (size_t i = 0; e == SBX_P_OK && i < form.n; i++)
      e = merge(out, form.items[i].name, form.items[i].value);
    sbx_kv_free(&form);
    return e;
  }
  /* JSON (docs/protocol.md §3.3, §3.5: application/json; also without a type) */
  json_error_t je;
  json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
  if (doc == NULL) return SBX_P_SYNTAX;
  if (!json_is_object(doc)) {
    json_decref(doc);
    return SBX_P_TYPE;
  }
  const char *key;
  json_t *v;
  json_object_foreach(doc, key, v) {
    char num[32];
    const char *val = NULL;
    if (json_is_string(v)) {
      val = json_string_value(v);
    } else if (json_is_integer(v)) {
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
      val = num;
    } else if (json_is_boolean(v)) {
      val = json_is_true(v) ? "true" : "false";
    } else if (json_is_null(v)) {
      continue;
    } else {
      e = SBX_P_TYPE;
      break;
    }
    e = merge(out, key, val);
    if (e != SBX_P_OK) break;
  }
  json_decref(doc);
  return e;
}

static void params_error(struct sbx_resp *resp, enum sbx_perr e)
{
  switch (e) {
  case SBX_P_NOMEM: sbx_resp_error(resp, 500, "server_error", "out of memory"); return;
  case SBX_P_LIMIT:
    sbx_resp_error(resp, 400, "invalid_request", "too many or too long parameters");
    return;
  case SBX_P_DUP:
    sbx_resp_error(resp, 400, "invalid_request", "a parameter is given twice with different values");
    return;
  case SBX_P_TYPE:
    sbx_resp_error(resp, 400, "invalid_request",
                   "the body must be a JSON object of strings, numbers or booleans");
    return;
  case SBX_P_SYNTAX:
    sbx_resp_error(resp, 400, "invalid_request", "malformed query, form or JSON body");
    return;
  case SBX_P_OK: break;
  }
}

char **sbx_path_segments(const char *path, size_t *n)
{
  char **v = NULL;
  size_t cnt = 0;
  *n = 0;
  if (path[0] != '/') return NULL;
  const char *p = path + 1;
  v = calloc(1, sizeof *v);
  if (v == NULL) return NULL;
  if (*p == '\0') return v;
  for (;;) {
    const char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char *seg = sbx_pct_decode(p, len, false);
    if (seg == NULL || strchr(seg, '/') != NULL || (len == 0 && end != NULL)) {
      free(seg);
      goto fail;
    }
    char **nv = realloc(v, (cnt + 2) * sizeof *nv);
    if (nv == NULL) {
      free(seg);
      goto fail;
    }
    v = nv;
    v[cnt++] = seg;
    v[cnt] = NULL;
    if (end == NULL) break;
    p = end + 1;
    if (*p == '\0') break; /* one trailing slash is tolerated */
    if (cnt > 16) goto fail;
  }
  *n = cnt;
  return v;
fail:
  sbx_strv_free(v);
  return NULL;
}

/* ---- protocol parameter names (docs/security.md §4.5) */
bool sbx_reserved_param(const char *name)
{
  static const char *const names[] = {
      "domain", "host", "redirect_uri", "state", "groupId", "providerName", "serviceName",
      "instanceId", "sig", "key", "client_id", "client_secret", "scope", "response_type",
      "force", "grant_type", "code", "refresh_token", "access_token", NULL};
  for (size_t i = 0; names[i] != NULL; i++)
    if (strcmp(name, names[i]) == 0) return true;
  return false;
}

/* ---- settings (docs/protocol.md §1.3) */
void sbx_api_settings(struct sbx_app *app, const char *zone, struct sbx_resp *resp)
{
  const struct sbx_config *cfg = app->cfg;
  char *z = sbx_normalize_name(zone, false);
  if (z == NULL || sbx_store_find(app->store, z) == NULL) {
    free(z);
    sbx_resp_error(resp, 404, "not_found", "this DNS provider does not host that zone");
    return;
  }
  char cp[400];
  snprintf(cp, sizeof cp, "%s/zones/%%domain%%", app->ux_url);
  sbx_resp_json(resp, 200,
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:[s]}", "providerId",
                          cfg->provider_id, "providerName", cfg->provider_name,
                          "providerDisplayName", cfg->display_name, "urlSyncUX", app->ux_url,
                          "urlAsyncUX", app->ux_url, "urlAPI", app->api_url, "width",
                          (json_int_t)cfg->width, "height", (json_int_t)cfg->height,
                          "urlControlPanel", cp, "nameServers", cfg->ns_host));
  free(z);
}

/* ---- template support (docs/protocol.md §2.1) */
static void api_template(struct sbx_app *app, const char *p, const char *s, struct sbx_resp *resp)
{
  const struct sbx_template *t = sbx_templates_find(app->templates, p, s);
  if (t == NULL) {
    sbx_resp_error(resp, 404, "not_found", "template not supported");
    return;
  }
  long v = dc_template_version(t->t);
  sbx_resp_json(resp, 200, v >= 0 ? json_pack("{s:I}", "version", (json_int_t)v) : json_object());
}

/* ---- token endpoint (docs/protocol.md §3.3) */
static void api_token(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp)
{
  struct sbx_kvlist p = {0};
  struct sbx_tokens tok = {0};
  enum sbx_perr pe = sbx_params(req, true, &p);
  if (pe != SBX_P_OK) {
    params_error(resp, pe);
    goto done;
  }
  const char *grant = sbx_kv_get(&p, "grant_type"), *cid = sbx_kv_get(&p, "client_id");
  const char *secret = sbx_kv_get(&p, "client_secret"), *code = sbx_kv_get(&p, "code");
  const char *rt = sbx_kv_get(&p, "refresh_token");
  if (grant == NULL || cid == NULL) {
    sbx_resp_error(resp, 400, "invalid_request", "grant_type and client_id are required");
    goto done;
  }
  const struct sbx_client *cl = sbx_config_client(app->cfg, cid);
  if (cl == NULL || (cl->secret != NULL && !sbx_const_eq(cl->secret, secret))) {
    sbx_resp_error(resp, 401, "invalid_client", "client authentication failed");
    goto done;
  }
  if (code != NULL && rt != NULL) {
    sbx_resp_error(resp, 400, "invalid_request", "code and refresh_token must not come together");
    goto done;
  }
  enum sbx_oauth_status st;
  if (strcmp(grant, "authorization_code") == 0) {
    if (code == NULL) {
      sbx_resp_error(resp, 400, "invalid_request", "code is required");
      goto done;
    }
    st = sbx_oauth_redeem_code(app->oauth, code, cid, sbx_kv_get(&p, "redirect_uri"), &tok);
  } else if (strcmp(grant, "refresh_token") == 0) {
    if (rt == NULL) {
      sbx_resp_error(resp, 400, "invalid_request", "refresh_token is required");
      goto done;
    }
    st = sbx_oauth_refresh(app->oauth, rt, cid, cl->rotate, &tok);
  } else {
    sbx_resp_error(resp, 400, "unsupported_grant_type",
                   "grant_type must be authorization_code or refresh_token");
    goto done;
  }
  switch (st) {
  case SBX_OAUTH_OK: break;
  case SBX_OAUTH_INVALID_GRANT:
    sbx_resp_error(resp, 400, "invalid_grant",
                   "the code or refresh token is unknown, used, expired, or was issued to "
                   "another client or redirect_uri");
    goto done;
  case SBX_OAUTH_FULL:
    sbx_resp_error(resp, 503, "temporarily_unavailable", "too many tokens outstanding");
    goto done;
  case SBX_OAUTH_ERROR:
    sbx_resp_error(resp, 500, "server_error", "cannot issue a token");
    goto done;
  }
  json_t *doc = json_pack("{s:s, s:s, s:I}", "access_token", tok.access_token, "token_type",
                          "bearer", "expires_in", (json_int_t)tok.expires_in);
  if (doc != NULL && tok.refresh_token != NULL)
    json_object_set_new(doc, "refresh_token", json_string(tok.refresh_token));
  sbx_resp_json(resp, 200, doc);
  sbx_log(SBX_INFO, "token issued to client %s (%s grant)", cid, grant);
done:
  sbx_tokens_clear(&tok);
  sbx_kv_free(&p);
}

/* ---- applying */
void sbx_apply_out_clear(struct sbx_apply_out *o)
{
  json_decref(o->conflicts);
  json_decref(o->preview);
  memset(o, 0, sizeof *o);
}

static void out_err(struct sbx_apply_out *o, int http, const char *error, const char *fmt, ...)
    SBX_PRINTF(4, 5);
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

static dc_status fill_opts(struct sbx_app *app, const struct sbx_apply_req *ar, dc_apply_opts *o)
{
  dc_status st = DC_OK;
  const struct sbx_kvlist *p = ar->params;
  if ((st = dc_apply_opts_set_domain(o, ar->domain)) != DC_OK) return st;
  if ((st = dc_apply_opts_set_host(o, ar->host)) != DC_OK) return st;
  for (size_t i = 0; i < p->n; i++) {
    if (sbx_reserved_param(p->items[i].name)) continue;
    st = dc_apply_opts_set_param(o, p->items[i].name, p->items[i].value);
    /* docs/protocol.md §2.2: parameters the template does not use are ignored,
     * including names that cannot be variables */
    if (st == DC_E_NOMEM) return st;
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
        char *id = sbx_strndup(g, len);
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
  st = fill_opts(ctx->app, ctx->ar, o);
  if (st == DC_OK) st = dc_template_apply(c, ctx->ar->tmpl->t, zone, o, &res);
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

/* ---- bearer calls: apply and revert (docs/protocol.md §3.5, §3.6) */
static bool b64token(const char *t)
{
  /* RFC 6750 2.1 */
  if (*t == '\0') return false;
  const char *p = t;
  for (; *p != '\0' && *p != '='; p++)
    if (!(sbx_is_alnum((unsigned char)*p) || strchr("-._~+/", *p) != NULL)) return false;
  for (; *p == '='; p++) {
  }
  return *p == '\0';
}

static bool bearer(struct sbx_app *app, const struct sbx_req *req, struct sbx_grant *g,
                   struct sbx_resp *resp)
{
  const char *a = req->authorization;
  char scheme[7] = {0};
  if (a != NULL && strlen(a) > 7) memcpy(scheme, a, 6);
  if (a == NULL || strlen(a) <= 7 || !sbx_streq_ci(scheme, "bearer") || a[6] != ' ') {
    sbx_resp_error(resp, 401, "invalid_token", "an Authorization: Bearer token is required");
    resp->www_authenticate = sbx_strdup("Bearer realm=\"domainconnect-sandbox\"");
    return false;
  }
  const char *t = a + 7;
  while (*t == ' ') t++;
  if (!b64token(t) || !sbx_oauth_check_access(app->oauth, t, g)) {
    sbx_resp_error(resp, 401, "invalid_token", "the access token is unknown, expired or revoked");
    resp->www_authenticate =
        sbx_strdup("Bearer realm=\"domainconnect-sandbox\", error=\"invalid_token\"");
    return false;
  }
  return true;
}

/* Checks the call against the token (spec: domain and host MUST match what
 * was authorised; providerId and serviceId too). */
static bool authorised(const struct sbx_grant *g, const char *provider, const char *service,
                       const char *domain, const char *host, struct sbx_resp *resp)
{
  const char *why = NULL;
  if (strcmp(g->provider_id, provider) != 0) why = "the token was issued for another providerId";
  else if (!sbx_grant_has_scope(g, service)) why = "the template is not in the token's scope";
  else if (strcmp(g->domain, domain) != 0) why = "the token does not cover this domain";
  else if (!sbx_grant_has_host(g, host)) why = "the token does not cover this host";
  if (why == NULL) return true;
  sbx_resp_error(resp, 401, "access_denied", why);
  return false;
}

/* domain (required) and host from the parameters, normalised. */
static bool domain_host(const struct sbx_kvlist *p, char **domain, char **host,
                        struct sbx_resp *resp)
{
  const char *d = sbx_kv_get(p, "domain"), *h = sbx_kv_get(p, "host");
  *domain = *host = NULL;
  if (d == NULL || d[0] == '\0') {
    sbx_resp_error(resp, 400, "invalid_request", "domain is required");
    return false;
  }
  *domain = sbx_normalize_name(d, false);
  if (*domain == NULL) {
    sbx_resp_error(resp, 400, "invalid_request", "domain is not a valid domain name");
    return false;
  }
  if (h == NULL || h[0] == '\0' || strcmp(h, "@") == 0) {
    *host = sbx_strdup("");
  } else {
    *host = sbx_normalize_name(h, true);
    if (*host == NULL || strlen(*host) + strlen(*domain) + 1 > SBX_MAX_NAME) {
      free(*host);
      *host = NULL;
      sbx_resp_error(resp, 400, "invalid_request", "host is not a valid host name");
      free(*domain);
      *domain = NULL;
      return false;
    }
  }
  if (*host == NULL) {
    free(*domain);
    *domain = NULL;
    sbx_resp_error(resp, 500, "server_error", "out of memory");
    return false;
  }
  return true;
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

static void api_apply(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                      const char *service, struct sbx_resp *resp)
{
  struct sbx_grant g = {0};
  struct sbx_kvlist p = {0};
  struct sbx_apply_out out = {0};
  char *domain = NULL, *host = NULL;
  if (!bearer(app, req, &g, resp)) goto done;
  enum sbx_perr pe = sbx_params(req, true, &p);
  if (pe != SBX_P_OK) {
    params_error(resp, pe);
    goto done;
  }
  if (!domain_host(&p, &domain, &host, resp)) goto done;
  if (!authorised(&g, provider, service, domain, host, resp)) goto done;
  const struct sbx_template *t = sbx_templates_find(app->templates, provider, service);
  if (t == NULL) {
    sbx_resp_error(resp, 404, "not_found", "template not supported");
    goto done;
  }
  const char *f = sbx_kv_get(&p, "force");
  bool force = false;
  if (f != NULL) {
    if (strcmp(f, "1") == 0 || sbx_streq_ci(f, "true")) force = true;
    else if (strcmp(f, "0") != 0 && !sbx_streq_ci(f, "false") && f[0] != '\0') {
      sbx_resp_error(resp, 400, "invalid_request", "force must be 0, 1, true or false");
      goto done;
    }
  }
  const char *why = sbx_check_shared(t, &p);
  if (why != NULL) {
    sbx_resp_error(resp, 400, "invalid_request", why);
    goto done;
  }
  struct sbx_apply_req ar = {.tmpl = t, .domain = domain, .host = host, .params = &p,
                             .force = force, .multi_aware = true, .ignore_signature = true};
  sbx_apply(app, &ar, false, &out);
  if (out.http == 204) {
    sbx_resp_empty(resp, 204);
    sbx_log(SBX_INFO, "applied %s/%s to %s%s%s%s", provider, service, host, host[0] ? "." : "",
            domain, force ? " (force)" : "");
  } else if (out.http == 409) {
    sbx_resp_json(resp, 409,
                  json_pack("{s:s, s:s, s:O}", "code", "409", "message", "Conflicting records",
                            "records", out.conflicts));
  } else {
    sbx_resp_error(resp, (unsigned)out.http, out.error, out.desc);
  }
done:
  sbx_apply_out_clear(&out);
  free(domain);
  free(host);
  sbx_kv_free(&p);
  sbx_grant_clear(&g);
}

struct revert_ctx {
  const char *provider, *service, *host, *instance;
  size_t removed;
};

static const char *dc_field(const json_t *r, const char *k)
{
  const json_t *dc = json_object_get(r, "_dc");
  const json_t *v = json_object_get(dc, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static int revert_fn(void *vctx, const json_t *records, json_t **next)
{
  struct revert_ctx *ctx = vctx;
  json_t *out = json_array();
  size_t i;
  json_t *r;
  *next = NULL;
  if (out == NULL) return 500;
  json_array_foreach(records, i, r) {
    const char *p = dc_field(r, "providerId"), *s = dc_field(r, "serviceId");
    const char *h = dc_field(r, "host"), *id = dc_field(r, "id");
    if (h == NULL || strcmp(h, "@") == 0) h = "";
    bool mine = p != NULL && s != NULL && strcmp(p, ctx->provider) == 0 &&
                strcmp(s, ctx->service) == 0 && sbx_streq_ci(h, ctx->host) &&
                (ctx->instance == NULL || (id != NULL && strcmp(id, ctx->instance) == 0));
    if (mine) {
      ctx->removed++;
      continue;
    }
    if (json_array_append(out, r) != 0) {
      json_decref(out);
      return 500;
    }
  }
  if (ctx->removed == 0) {
    json_decref(out);
    return 410;
  }
  *next = out;
  return 0;
}

static void api_revert(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                       const char *service, struct sbx_resp *resp)
{
  struct sbx_grant g = {0};
  struct sbx_kvlist p = {0};
  char *domain = NULL, *host = NULL;
  char err[400];
  if (!bearer(app, req, &g, resp)) goto done;
  enum sbx_perr pe = sbx_params(req, true, &p);
  if (pe != SBX_P_OK) {
    params_error(resp, pe);
    goto done;
  }
  if (!domain_host(&p, &domain, &host, resp)) goto done;
  if (!authorised(&g, provider, service, domain, host, resp)) goto done;
  if (sbx_templates_find(app->templates, provider, service) == NULL) {
    sbx_resp_error(resp, 404, "not_found", "template not supported");
    goto done;
  }
  if (sbx_config_no_revert(app->cfg, provider, service)) {
    sbx_resp_error(resp, 501, "not_implemented", "revert is not supported for this template");
    goto done;
  }
  struct sbx_zone *z = sbx_store_find(app->store, domain);
  if (z == NULL) {
    sbx_resp_error(resp, 404, "not_found", "this DNS provider does not host that zone");
    goto done;
  }
  const char *inst = sbx_kv_get(&p, "instanceId");
  struct revert_ctx ctx = {provider, service, host, inst && inst[0] ? inst : NULL, 0};
  int rc = sbx_store_update(app->store, z, revert_fn, &ctx, err, sizeof err);
  switch (rc) {
  case SBX_UPDATE_OK:
    sbx_resp_empty(resp, 204);
    sbx_log(SBX_INFO, "reverted %s/%s on %s%s%s (%zu records)", provider, service, host,
            host[0] ? "." : "", domain, ctx.removed);
    break;
  case 410: sbx_resp_error(resp, 410, "not_applied", "the template is not applied there"); break;
  case SBX_UPDATE_INVALID:
  case SBX_UPDATE_LIMIT: sbx_resp_error(resp, 400, "invalid_request", err); break;
  default: sbx_resp_error(resp, 500, "server_error", "the zone could not be updated"); break;
  }
done:
  free(domain);
  free(host);
  sbx_kv_free(&p);
  sbx_grant_clear(&g);
}

/* ---- routing */
static void method_not_allowed(struct sbx_resp *resp, const char *allow)
{
  sbx_resp_error(resp, 405, "method_not_allowed", "this path does not take that method");
  resp->allow = allow;
}

void sbx_route(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp)
{
  size_t n = 0;
  char **seg = sbx_path_segments(req->path, &n);
  bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
  if (seg == NULL) {
    sbx_resp_error(resp, 400, "invalid_request", "malformed path");
    return;
  }
  if (n == 0) {
    if (get) sbx_page_index(app, resp);
    else method_not_allowed(resp, "GET, HEAD");
  } else if (strcmp(seg[0], "consent") == 0 && n == 1) {
    if (post) sbx_consent_post(app, req, resp);
    else method_not_allowed(resp, "POST");
  } else if (strcmp(seg[0], "zones") == 0 && (n == 2 || (n == 3 && strcmp(seg[2], "records") == 0))) {
    if (get) sbx_page_zone(app, seg[1], n == 3, resp);
    else method_not_allowed(resp, "GET, HEAD");
  } else if (strcmp(seg[0], "v2") == 0 && n == 3 && strcmp(seg[2], "settings") == 0) {
    if (get) sbx_api_settings(app, seg[1], resp);
    else method_not_allowed(resp, "GET, HEAD");
  } else if (strcmp(seg[0], "v2") == 0 && n == 3 && strcmp(seg[1], "oauth") == 0 &&
             strcmp(seg[2], "access_token") == 0) {
    if (post) api_token(app, req, resp);
    else method_not_allowed(resp, "POST");
  } else if (strcmp(seg[0], "v2") == 0 && n >= 4 && strcmp(seg[1], "domainTemplates") == 0 &&
             strcmp(seg[2], "providers") == 0) {
    const char *prov = seg[3];
    if (n == 4) {
      if (get) sbx_consent_async(app, req, prov, resp);
      else method_not_allowed(resp, "GET, HEAD");
    } else if (n >= 6 && strcmp(seg[4], "services") == 0 && n <= 7) {
      const char *svc = seg[5];
      if (n == 6) {
        struct sbx_kvlist q = {0};
        bool consent = sbx_query_parse(req->query, strlen(req->query), &q) == SBX_Q_OK &&
                       sbx_kv_get(&q, "client_id") != NULL;
        sbx_kv_free(&q);
        /* docs/protocol.md §3.2: some clients put the serviceId in the
         * consent path; a query with client_id is a consent request */
        if (get && consent) sbx_consent_async(app, req, prov, resp);
        else if (get) api_template(app, prov, svc, resp);
        else method_not_allowed(resp, "GET, HEAD");
      } else if (strcmp(seg[6], "apply") == 0) {
        if (get) sbx_consent_sync(app, req, prov, svc, resp);
        else if (post) api_apply(app, req, prov, svc, resp);
        else method_not_allowed(resp, "GET, HEAD, POST");
      } else if (strcmp(seg[6], "revert") == 0) {
        if (post) api_revert(app, req, prov, svc, resp);
        else method_not_allowed(resp, "POST");
      } else {
        sbx_resp_error(resp, 404, "not_found", "no such endpoint");
      }
    } else {
      sbx_resp_error(resp, 404, "not_found", "no such endpoint");
    }
  } else {
    sbx_resp_error(resp, 404, "not_found", "no such endpoint");
  }
  sbx_strv_free(seg);
}
