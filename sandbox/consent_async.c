/* domainconnect-sandbox: the OAuth consent page of the asynchronous flow
 * (docs/protocol.md §3.2; RFC 6749 4.1): GET .../providers/{id}?client_id=..
 * checks the client and its redirect_uri, the scope, domain and hosts,
 * shows the templates with their conflicts (dry runs) and asks the user;
 * the form answer (consent.c) issues an authorization code (oauth.c) and
 * redirects with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <domainconnect/dc.h>

#include "app.h"
#include "pages.h"

static json_t *strv_to_json(char *const *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; a != NULL && i < n; i++) json_array_append_new(a, json_string(v[i]));
  return a;
}

static bool push_unique(char ***v, size_t *n, const char *s)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*v)[i], s) == 0) return true;
  char **nv = realloc(*v, (*n + 2) * sizeof *nv);
  if (nv == NULL) return false;
  *v = nv;
  if ((nv[*n] = dcx_strdup(s)) == NULL) return false;
  nv[++*n] = NULL;
  return true;
}

/* RFC 6749 4.1.2.1: without a known client and its registered
 * redirect_uri, the error is shown here, never redirected. The client, or
 * NULL with the error page set. */
static const struct sbx_client *async_client(struct sbx_app *app, const struct sbx_kvlist *q,
                                             struct sbx_resp *resp)
{
  const char *cid = sbx_kv_get(q, "client_id"), *ruri = sbx_kv_get(q, "redirect_uri");
  const struct sbx_client *cl = sbx_config_client(app->cfg, cid);
  if (cl == NULL) {
    sbx_page_error(resp, 400, "Unknown application", "The client_id is not registered here.");
    return NULL;
  }
  bool registered = false;
  for (size_t i = 0; ruri != NULL && i < cl->n_redirect_uris; i++)
    registered = registered || strcmp(cl->redirect_uris[i], ruri) == 0;
  if (!registered) {
    sbx_page_error(resp, 400, "Bad redirect",
                   "The redirect_uri is missing or not registered for this application.");
    return NULL;
  }
  return cl;
}

/* The errors below go back to the redirect_uri: each step returns NULL, or
 * the OAuth error code with *desc. */

/* scope: space-separated serviceIds ('+' decodes to a space); the
 * serviceId-in-path variant supplies one. Every one must be a template
 * this provider supports. */
static const char *async_scopes(struct sbx_app *app, const struct sbx_req *req,
                                const struct sbx_kvlist *q, const char *provider,
                                struct sbx_grant *g, const char **desc)
{
  size_t nseg = 0;
  char **seg = sbx_path_segments(req->path, &nseg);
  const char *scope = sbx_kv_get(q, "scope");
  bool ok = !(seg != NULL && nseg == 6 && !push_unique(&g->scopes, &g->n_scopes, seg[5]));
  sbx_strv_free(seg);
  if (!ok) goto oom;
  for (const char *p = scope ? scope : ""; *p != '\0';) {
    size_t len = strcspn(p, " ");
    if (len > 0) {
      char *svc = dcx_strndup(p, len);
      ok = svc != NULL && push_unique(&g->scopes, &g->n_scopes, svc);
      free(svc);
      if (!ok) goto oom;
    }
    p += len;
    while (*p == ' ') p++;
  }
  if (g->n_scopes == 0 || g->n_scopes > 64) {
    *desc = "scope is required";
    return "invalid_scope";
  }
  for (size_t i = 0; i < g->n_scopes; i++)
    if (sbx_templates_find(app->templates, provider, g->scopes[i]) == NULL) {
      *desc = "a template in the scope is not supported here";
      return "invalid_scope";
    }
  return NULL;
oom:
  *desc = "out of memory";
  return "server_error";
}

/* host: comma-separated, an empty entry is the apex (docs/protocol.md
 * §3.2); each one normalised, below g->domain. */
static const char *async_hosts(const struct sbx_kvlist *q, struct sbx_grant *g,
                               const char **desc)
{
  const char *hosts = sbx_kv_get(q, "host");
  if (hosts == NULL) hosts = "";
  for (const char *p = hosts;;) {
    size_t len = strcspn(p, ",");
    char *h = dcx_strndup(p, len);
    if (h == NULL) goto oom;
    char *t = h;
    while (*t == ' ') t++;
    size_t tl = strlen(t);
    while (tl > 0 && t[tl - 1] == ' ') t[--tl] = '\0';
    char *n = tl == 0 || strcmp(t, "@") == 0 ? dcx_strdup("") : sbx_normalize_name(t, true);
    free(h);
    if (n == NULL || strlen(n) + strlen(g->domain) + 1 > SBX_MAX_NAME || g->n_hosts >= 64) {
      free(n);
      *desc = "a host is not a valid host name";
      return "invalid_request";
    }
    bool ok = push_unique(&g->hosts, &g->n_hosts, n);
    free(n);
    if (!ok) goto oom;
    p += len;
    if (*p == '\0') break;
    p++;
  }
  return NULL;
oom:
  *desc = "out of memory";
  return "server_error";
}

/* The grant the user is asked for: response_type, the client's providerIds,
 * scopes, the domain (one of the user's zones) and hosts. */
_Static_assert(SBX_MAX_CONSENT_CHECKS == 32, "the error text below names the cap");

static const char *async_grant(struct sbx_app *app, const struct sbx_req *req,
                               const struct sbx_kvlist *q, const char *provider,
                               const struct sbx_client *cl, struct sbx_grant *g,
                               const char **desc)
{
  const char *rt = sbx_kv_get(q, "response_type");
  if (rt != NULL && strcmp(rt, "code") != 0) {
    *desc = "response_type must be code";
    return "unsupported_response_type";
  }
  bool allowed = cl->n_provider_ids == 0;
  for (size_t i = 0; i < cl->n_provider_ids; i++)
    allowed = allowed || strcmp(cl->provider_ids[i], provider) == 0;
  if (!allowed) {
    *desc = "the client may not use this providerId";
    return "unauthorized_client";
  }
  const char *err = async_scopes(app, req, q, provider, g, desc);
  if (err != NULL) return err;
  const char *d = sbx_kv_get(q, "domain");
  g->domain = d ? sbx_normalize_name(d, false) : NULL;
  if (g->domain == NULL) {
    *desc = "domain is missing or not a domain name";
    return "invalid_request";
  }
  if (sbx_store_find(app->store, g->domain) == NULL) {
    *desc = "the domain is not in your account here";
    return "access_denied";
  }
  err = async_hosts(q, g, desc);
  if (err != NULL) return err;
  /* the page checks every template on every host with a dry run: the work
   * one unauthenticated GET may cause is capped (docs/sandbox.md, "Limits") */
  if (g->n_hosts * g->n_scopes > SBX_MAX_CONSENT_CHECKS) {
    *desc = "too many hosts x scopes for one consent request (at most 32 combinations)";
    return "invalid_request";
  }
  g->client_id = dcx_strdup(sbx_kv_get(q, "client_id"));
  g->redirect_uri = dcx_strdup(sbx_kv_get(q, "redirect_uri"));
  g->provider_id = dcx_strdup(provider);
  if (g->client_id == NULL || g->redirect_uri == NULL || g->provider_id == NULL) {
    *desc = "out of memory";
    return "server_error";
  }
  return NULL;
}

/* "host.domain" (or the domain) as HTML. */
static void add_fqdn(dcx_buf *b, const char *host, const char *domain)
{
  if (host[0] != '\0') {
    sbx_add_html(b, host);
    dcx_buf_addc(b, '.');
  }
  sbx_add_html(b, domain);
}

/* `open` "<code>SCOPE</code> on <code>HOST.DOMAIN</code>" */
static void add_scope_on(dcx_buf *b, const char *open, const char *scope,
                         const char *host, const char *domain)
{
  dcx_buf_adds(b, open);
  dcx_buf_adds(b, "<code>");
  sbx_add_html(b, scope);
  dcx_buf_adds(b, "</code> on <code>");
  add_fqdn(b, host, domain);
  dcx_buf_adds(b, "</code>");
}

/* The conflicts of every template on every host (dry runs), or why they
 * cannot be checked yet. */
static void async_conflicts(struct sbx_app *app, const struct sbx_kvlist *q,
                            const struct sbx_grant *g, dcx_buf *b)
{
  bool any_conflict = false;
  for (size_t i = 0; i < g->n_scopes; i++)
    for (size_t h = 0; h < g->n_hosts; h++) {
      struct sbx_apply_out out = {0};
      struct sbx_apply_req ar = {
          .tmpl = sbx_templates_find(app->templates, g->provider_id, g->scopes[i]),
          .domain = g->domain, .host = g->hosts[h], .params = q, .multi_aware = true,
          .ignore_signature = true};
      sbx_apply(app, &ar, true, &out);
      if (out.http == 409) {
        if (!any_conflict)
          dcx_buf_adds(b, "<h2>Conflicts</h2><p class=\"warn\" id=\"conflicts\">Applying a "
                          "template may replace existing records:</p>\n");
        any_conflict = true;
        add_scope_on(b, "<p>", g->scopes[i], g->hosts[h], g->domain);
        dcx_buf_adds(b, ":</p>\n");
        sbx_page_conflicts(b, out.conflicts);
      } else if (out.http != 204) {
        /* e.g. a variable the consent request did not carry */
        add_scope_on(b, "<p class=\"warn\">Conflicts of ", g->scopes[i], g->hosts[h],
                     g->domain);
        dcx_buf_adds(b, " cannot be checked now (");
        sbx_add_html(b, out.desc);
        dcx_buf_adds(b, "); they are checked again when it is applied.</p>\n");
      }
      sbx_apply_out_clear(&out);
    }
}

/* The page: the application, templates, hosts, conflicts and the form. */
static void async_page(struct sbx_app *app, const struct sbx_kvlist *q,
                       const struct sbx_grant *g, const char *id, const char *csrf,
                       dcx_buf *b)
{
  const char *provider = g->provider_id;
  const struct sbx_template *t0 = sbx_templates_find(app->templates, provider, g->scopes[0]);
  sbx_page_begin(b, "Allow access to your domain");
  dcx_buf_adds(b, "<h1>Allow access to your domain</h1>\n<p><strong>");
  sbx_add_html(b, dc_template_provider_name(t0->t) ? dc_template_provider_name(t0->t) : provider);
  dcx_buf_adds(b, "</strong> (application <code>");
  sbx_add_html(b, g->client_id);
  dcx_buf_adds(b, "</code>) asks to manage DNS records of <strong id=\"domain\">");
  sbx_add_html(b, g->domain);
  dcx_buf_adds(b, "</strong> for these services:</p><ul>\n");
  for (size_t i = 0; i < g->n_scopes; i++) {
    const struct sbx_template *t = sbx_templates_find(app->templates, provider, g->scopes[i]);
    dcx_buf_adds(b, "<li>");
    sbx_add_html(b, dc_template_service_name(t->t) ? dc_template_service_name(t->t)
                                                    : g->scopes[i]);
    dcx_buf_adds(b, " (<code>");
    sbx_add_html(b, g->scopes[i]);
    dcx_buf_adds(b, "</code>)</li>\n");
  }
  dcx_buf_adds(b, "</ul><p>on these names:</p><ul>\n");
  for (size_t i = 0; i < g->n_hosts; i++) {
    dcx_buf_adds(b, "<li><code>");
    add_fqdn(b, g->hosts[i], g->domain);
    dcx_buf_adds(b, "</code></li>\n");
  }
  dcx_buf_adds(b, "</ul>\n");
  async_conflicts(app, q, g, b);
  dcx_buf_adds(b, "<p>The application can apply and remove these templates until you revoke its "
                  "access.</p>\n");
  sbx_page_form(b, id, csrf, "allow", "Allow", "deny", "Deny");
  sbx_page_end(b);
}

void sbx_consent_async(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                       struct sbx_resp *resp)
{
  static const char *const once[] = {"client_id", "redirect_uri", "state", "scope", "domain",
                                     "host", "response_type", NULL};
  struct sbx_kvlist q = {0};
  struct sbx_grant g = {0};
  dcx_buf b;
  json_t *data = NULL;
  char id[64], csrf[64];
  const char *desc = NULL;
  dcx_buf_init(&b, SBX_MAX_BUF);
  if (!sbx_page_query(req->query, once, &q, resp)) goto done;
  const struct sbx_client *cl = async_client(app, &q, resp);
  if (cl == NULL) goto done;
  const char *ruri = sbx_kv_get(&q, "redirect_uri"), *state = sbx_kv_get(&q, "state");
  const char *err = async_grant(app, req, &q, provider, cl, &g, &desc);
  if (err == NULL) {
    data = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:o, s:o}", "redirect_uri", ruri, "state",
                     state, "client_id", g.client_id, "domain", g.domain, "provider", provider,
                     "hosts", strv_to_json(g.hosts, g.n_hosts), "scopes",
                     strv_to_json(g.scopes, g.n_scopes));
    char owner[300];
    snprintf(owner, sizeof owner, "client:%s", g.client_id);
    if (data == NULL ||
        !sbx_pending_add(app->pending, SBX_PENDING_ASYNC, owner, json_incref(data), id, csrf)) {
      err = "server_error";
      desc = "out of memory";
    }
  }
  if (err != NULL) {
    const char *kv[] = {"error", err, "error_description", desc, "state", state, NULL};
    sbx_resp_redirect_with(resp, 302, ruri, kv);
    goto done;
  }
  async_page(app, &q, &g, id, csrf, &b);
  sbx_resp_html(resp, 200, dcx_buf_take(&b));
done:
  dcx_buf_free(&b);
  json_decref(data);
  sbx_grant_clear(&g);
  sbx_kv_free(&q);
}

static bool json_to_strv(const json_t *a, char ***v, size_t *n)
{
  size_t i;
  json_t *s;
  json_array_foreach(a, i, s) {
    if (!json_is_string(s) || !push_unique(v, n, json_string_value(s))) return false;
  }
  return true;
}

void sbx_consent_async_post(struct sbx_app *app, json_t *data, const char *action,
                            struct sbx_resp *resp)
{
  struct sbx_grant g = {0};
  char *code = NULL;
  const char *ruri = sbx_json_str(data, "redirect_uri"), *state = sbx_json_str(data, "state");
  if (ruri == NULL) {
    sbx_page_error(resp, 500, "Server error", "The request lost its redirect_uri.");
    goto done;
  }
  if (strcmp(action, "deny") == 0) {
    const char *kv[] = {"error", "access_denied", "error_description", "user_cancel", "state",
                        state, NULL};
    sbx_resp_redirect_with(resp, 303, ruri, kv);
    goto done;
  }
  if (strcmp(action, "allow") != 0) {
    sbx_page_error(resp, 400, "Bad request", "Unknown action.");
    goto done;
  }
  g.client_id = dcx_strdup(sbx_json_str(data, "client_id"));
  g.redirect_uri = dcx_strdup(ruri);
  g.domain = dcx_strdup(sbx_json_str(data, "domain"));
  g.provider_id = dcx_strdup(sbx_json_str(data, "provider"));
  if (g.client_id == NULL || g.redirect_uri == NULL || g.domain == NULL || g.provider_id == NULL ||
      !json_to_strv(json_object_get(data, "hosts"), &g.hosts, &g.n_hosts) ||
      !json_to_strv(json_object_get(data, "scopes"), &g.scopes, &g.n_scopes)) {
    sbx_page_error(resp, 500, "Server error", "Out of memory.");
    goto done;
  }
  enum sbx_oauth_status st = sbx_oauth_issue_code(app->oauth, &g, &code);
  if (st != SBX_OAUTH_OK) {
    const char *kv[] = {"error", "temporarily_unavailable", "error_description",
                        "cannot issue a code now", "state", state, NULL};
    sbx_resp_redirect_with(resp, 303, ruri, kv);
    goto done;
  }
  sbx_log(SBX_INFO, "consent given to client %s for %s", g.client_id, g.domain);
  const char *kv[] = {"code", code, "state", state, NULL};
  sbx_resp_redirect_with(resp, 303, ruri, kv);
done:
  dcx_free_secret(code);
  sbx_grant_clear(&g);
}
