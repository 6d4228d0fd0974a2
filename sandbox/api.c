/* domainconnect-sandbox: the provider's REST API (docs/protocol.md §1.3
 * settings, §2.1 template query, §3.3 token, §3.5 apply, §3.6 revert).
 * sbx_route (router.c) calls these handlers; applying goes through the
 * engine glue (engine.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <domainconnect/dc.h>

#include "app.h"

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
void sbx_api_template(struct sbx_app *app, const char *p, const char *s,
                      struct sbx_resp *resp)
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
void sbx_api_token(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp)
{
  struct sbx_kvlist p = {0};
  struct sbx_tokens tok = {0};
  enum sbx_perr pe = sbx_params(req, true, &p);
  if (pe != SBX_P_OK) {
    sbx_resp_params_error(resp, pe, &p);
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
    /* RFC 6749 5.2: 400 when the client authenticated with parameters (the
     * only way offered here: no HTTP Basic), the status the widely used
     * client reads the error body from */
    sbx_resp_error(resp, 400, "invalid_client", "client authentication failed");
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

/* ---- bearer calls: apply and revert (docs/protocol.md §3.5, §3.6) */
static bool b64token(const char *t)
{
  /* RFC 6750 2.1 */
  if (*t == '\0') return false;
  const char *p = t;
  for (; *p != '\0' && *p != '='; p++)
    if (!(dcx_is_alnum((unsigned char)*p) || strchr("-._~+/", *p) != NULL)) return false;
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
  if (a == NULL || strlen(a) <= 7 || !dcx_streq_nocase(scheme, "bearer") || a[6] != ' ') {
    sbx_resp_error(resp, 401, "invalid_token", "an Authorization: Bearer token is required");
    resp->www_authenticate = dcx_strdup("Bearer realm=\"domainconnect-sandbox\"");
    return false;
  }
  const char *t = a + 7;
  while (*t == ' ') t++;
  if (!b64token(t) || !sbx_oauth_check_access(app->oauth, t, g)) {
    sbx_resp_error(resp, 401, "invalid_token", "the access token is unknown, expired or revoked");
    resp->www_authenticate =
        dcx_strdup("Bearer realm=\"domainconnect-sandbox\", error=\"invalid_token\"");
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
    *host = dcx_strdup("");
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

/* What apply and revert start with: the token, the parameters (query and
 * body), domain and host, a grant that covers them, and the template (*t).
 * False when the response is written. */
static bool bearer_call(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                        const char *service, struct sbx_grant *g, struct sbx_kvlist *p,
                        char **domain, char **host, const struct sbx_template **t,
                        struct sbx_resp *resp)
{
  if (!bearer(app, req, g, resp)) return false;
  enum sbx_perr pe = sbx_params(req, true, p);
  if (pe != SBX_P_OK) {
    sbx_resp_params_error(resp, pe, p);
    return false;
  }
  if (!domain_host(p, domain, host, resp) ||
      !authorised(g, provider, service, *domain, *host, resp))
    return false;
  *t = sbx_templates_find(app->templates, provider, service);
  if (*t == NULL) {
    sbx_resp_error(resp, 404, "not_found", "template not supported");
    return false;
  }
  return true;
}

/* A successful apply or revert: the status the client's configuration
 * chooses (docs/sandbox.md, "successStatus"): 200 (default) or 202 with a
 * small JSON body, which the widely used reference client requires (it
 * accepts 200, 202 and 409 and then parses a body), or 204 without one, as
 * the specification words it. */
static void success(struct sbx_app *app, const struct sbx_grant *g, const char *result,
                    const char *provider, const char *service, const char *domain,
                    const char *host, struct sbx_resp *resp)
{
  long st = sbx_config_success_status(app->cfg, g->client_id);
  if (st == 204) {
    sbx_resp_empty(resp, 204);
    return;
  }
  sbx_resp_json(resp, (unsigned)st,
                json_pack("{s:s, s:s, s:s, s:s, s:s}", "result", result, "providerId", provider,
                          "serviceId", service, "domain", domain, "host", host));
}

void sbx_api_apply(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                   const char *service, struct sbx_resp *resp)
{
  struct sbx_grant g = {0};
  struct sbx_kvlist p = {0};
  struct sbx_apply_out out = {0};
  char *domain = NULL, *host = NULL;
  const struct sbx_template *t = NULL;
  if (!bearer_call(app, req, provider, service, &g, &p, &domain, &host, &t, resp)) goto done;
  const char *f = sbx_kv_get(&p, "force");
  bool force = false;
  if (f != NULL) {
    if (strcmp(f, "1") == 0 || dcx_streq_nocase(f, "true")) force = true;
    else if (strcmp(f, "0") != 0 && !dcx_streq_nocase(f, "false") && f[0] != '\0') {
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
    success(app, &g, "applied", provider, service, domain, host, resp);
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
                strcmp(s, ctx->service) == 0 && dcx_streq_nocase(h, ctx->host) &&
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

void sbx_api_revert(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                    const char *service, struct sbx_resp *resp)
{
  struct sbx_grant g = {0};
  struct sbx_kvlist p = {0};
  char *domain = NULL, *host = NULL;
  const struct sbx_template *t = NULL;
  char err[400];
  if (!bearer_call(app, req, provider, service, &g, &p, &domain, &host, &t, resp)) goto done;
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
    success(app, &g, "reverted", provider, service, domain, host, resp);
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
