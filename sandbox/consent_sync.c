/* domainconnect-sandbox: the synchronous flow's consent page (docs/protocol.md
 * §2.2, §2.5): GET .../services/{id}/apply checks the request (template,
 * syncBlock, signature against the key the sandbox publishes, hostRequired,
 * shared names, the zone), previews the records with a dry run and asks
 * the user; the form answer (consent.c) applies them and redirects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <domainconnect/dc.h>

#include "app.h"
#include "pages.h"

/* The host of an https URL without userinfo or fragment; NULL otherwise. */
static char *https_host(const char *uri)
{
  if (uri == NULL || strlen(uri) > 2048) return NULL;
  for (const char *p = uri; *p != '\0'; p++)
    if (!dcx_is_print((unsigned char)*p) || *p == ' ' || *p == '#' || *p == '\\') return NULL;
  if (strncmp(uri, "https://", 8) != 0) return NULL;
  const char *h = uri + 8;
  size_t len = strcspn(h, "/?");
  const char *colon = memchr(h, ':', len);
  if (memchr(h, '@', len) != NULL) return NULL;
  size_t hlen = colon ? (size_t)(colon - h) : len;
  if (colon != NULL) {
    if (colon + 1 == h + len) return NULL;
    for (const char *p = colon + 1; p < h + len; p++)
      if (!dcx_is_digit((unsigned char)*p)) return NULL;
  }
  char *host = dcx_strndup(h, hlen);
  char *norm = host ? sbx_normalize_name(host, false) : NULL;
  free(host);
  return norm;
}

/* The redirect rule of docs/protocol.md §2.5: the redirect_uri host equals,
 * or is below, an entry of syncRedirectDomain (comma-separated, spaces
 * trimmed, case ignored). */
static bool in_redirect_domains(const struct sbx_template *t, const char *host)
{
  const char *list = dc_template_sync_redirect_domain(t->t);
  if (list == NULL || host == NULL) return false;
  const char *p = list;
  while (*p != '\0') {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    while (len > 0 && *p == ' ') {
      p++;
      len--;
    }
    while (len > 0 && p[len - 1] == ' ') len--;
    if (len > 0) {
      char *d = dcx_strndup(p, len);
      char *n = d ? sbx_normalize_name(d, true) : NULL;
      bool hit = n != NULL && sbx_name_in_zone(host, n);
      free(d);
      free(n);
      if (hit) return true;
    }
    if (end == NULL) break;
    p = end + 1;
  }
  return false;
}

/* name, then " (extra)" when the request gives one. */
static void add_name(dcx_buf *b, const char *name, const char *extra)
{
  sbx_add_html(b, name);
  if (extra != NULL) {
    dcx_buf_adds(b, " (");
    sbx_add_html(b, extra);
    dcx_buf_adds(b, ")");
  }
}

/* The display name: the template's, augmented by the request's when the
 * template allows it (docs/protocol.md §2.2). */
static void display_names(dcx_buf *b, const struct sbx_template *t, const char *pname,
                          const char *sname)
{
  dcx_buf_adds(b, "<p><strong>");
  add_name(b, dc_template_provider_name(t->t) ? dc_template_provider_name(t->t)
                                              : t->provider_id, pname);
  dcx_buf_adds(b, "</strong> wants to set up <strong>");
  add_name(b, dc_template_service_name(t->t) ? dc_template_service_name(t->t)
                                             : t->service_id, sname);
  dcx_buf_adds(b, "</strong>");
}

struct sync_req {
  struct sbx_kvlist q;
  const struct sbx_template *t;
  char *domain, *host;
  char *redirect;        /* allowed redirect_uri or NULL */
  bool redirect_refused; /* one was given but may not be used */
  bool signed_ok;
  const char *state;
  char **key_txt;
  size_t n_key_txt;
};

static void sync_req_clear(struct sync_req *s)
{
  sbx_kv_free(&s->q);
  free(s->domain);
  free(s->host);
  free(s->redirect);
  sbx_strv_free(s->key_txt);
  memset(s, 0, sizeof *s);
}

/* An error in the sync flow: redirect with error/state when a redirect is
 * allowed, else an error page (docs/protocol.md §2.5). */
static void sync_error(struct sbx_resp *resp, const struct sync_req *s, unsigned status,
                       const char *error, const char *desc)
{
  if (s->redirect != NULL) {
    const char *kv[] = {"error", error, "error_description", desc, "state", s->state, NULL};
    sbx_resp_redirect_with(resp, 302, s->redirect, kv);
    return;
  }
  sbx_page_error(resp, status, "Domain Connect request refused", desc);
}

/* Checks a sync request (query in s->q): steps 1-6 of docs/protocol.md §2.2.
 * Returns false with the response set. */
static bool sync_check(struct sbx_app *app, const char *query, const char *provider,
                       const char *service, struct sync_req *s, struct sbx_resp *resp)
{
  dc_client *c = NULL;
  bool ok = false;
  char msg[800];
  static const char *const once[] = {"domain", "host", "redirect_uri", "state", "sig", "key",
                                     "groupId", "instanceId", "providerName", "serviceName",
                                     NULL};
  if (!sbx_page_query(query, once, &s->q, resp)) return false;
  /* step 1: the template */
  s->t = sbx_templates_find(app->templates, provider, service);
  if (s->t == NULL) {
    sbx_page_error(resp, 404, "Unknown template",
                   "This DNS provider does not support the requested template.");
    return false;
  }
  s->state = sbx_kv_get(&s->q, "state");
  const char *ruri = sbx_kv_get(&s->q, "redirect_uri");
  char *rhost = ruri != NULL ? https_host(ruri) : NULL;
  if (ruri != NULL && in_redirect_domains(s->t, rhost)) s->redirect = dcx_strdup(ruri);
  /* step 2: syncBlock */
  if (dc_template_sync_block(s->t->t)) {
    sync_error(resp, s, 400, "invalid_request",
               "the template does not allow the synchronous flow");
    goto done;
  }
  /* step 3: the signature, against the key the sandbox publishes */
  const char *pkd = dc_template_sync_pub_key_domain(s->t->t);
  const char *sig = sbx_kv_get(&s->q, "sig"), *key = sbx_kv_get(&s->q, "key");
  if (pkd != NULL || (sig != NULL && key != NULL)) {
    if (pkd == NULL) {
      /* signed, but the template names no key domain: not verifiable */
    } else if (sig == NULL || key == NULL) {
      sync_error(resp, s, 400, "invalid_request", "the template requires a signed request");
      goto done;
    } else {
      char fqdn[600];
      bool label = strlen(key) > 0 && strlen(key) <= 63;
      for (const char *p = key; *p != '\0'; p++)
        if (!(dcx_is_alnum((unsigned char)*p) || *p == '-' || *p == '_')) label = false;
      char *pk = sbx_normalize_name(pkd, true);
      if (!label || pk == NULL || !sbx_fmt(fqdn, sizeof fqdn, "%s.%s", key, pk)) {
        free(pk);
        sync_error(resp, s, 400, "invalid_request", "the key parameter is not a DNS label");
        goto done;
      }
      free(pk);
      for (char *p = fqdn; *p != '\0'; p++) *p = (char)dcx_lower((unsigned char)*p);
      if (!sbx_store_txt(app->store, fqdn, &s->key_txt, &s->n_key_txt) || s->n_key_txt == 0) {
        snprintf(msg, sizeof msg, "no public key is published at %s", fqdn);
        sync_error(resp, s, 400, "invalid_request", msg);
        goto done;
      }
      if (dc_client_new(&c) != DC_OK) {
        sbx_page_error(resp, 500, "Server error", "Out of memory.");
        goto done;
      }
      dc_status st = dc_verify_query(c, query, strlen(query), NULL,
                                     (const char *const *)s->key_txt, s->n_key_txt);
      if (st != DC_OK) {
        snprintf(msg, sizeof msg, "the signature does not verify (%s)", dc_status_name(st));
        sync_error(resp, s, 400, "invalid_request", msg);
        goto done;
      }
      s->signed_ok = true;
      /* a verified signature allows any https redirect_uri (docs/protocol.md §2.5) */
      if (s->redirect == NULL && ruri != NULL && rhost != NULL) s->redirect = dcx_strdup(ruri);
    }
  }
  s->redirect_refused = ruri != NULL && s->redirect == NULL;
  /* step 4: hostRequired; step 5: shared names */
  const char *h = sbx_kv_get(&s->q, "host");
  bool no_host = h == NULL || h[0] == '\0' || strcmp(h, "@") == 0;
  if (dc_template_host_required(s->t->t) && no_host) {
    sync_error(resp, s, 400, "invalid_request", "the template requires a host");
    goto done;
  }
  const char *why = sbx_check_shared(s->t, &s->q);
  if (why != NULL) {
    sync_error(resp, s, 400, "invalid_request", why);
    goto done;
  }
  /* step 6: the zone is the user's (every hosted zone is) */
  const char *d = sbx_kv_get(&s->q, "domain");
  s->domain = d ? sbx_normalize_name(d, false) : NULL;
  if (s->domain == NULL) {
    sync_error(resp, s, 400, "invalid_request", "domain is missing or not a domain name");
    goto done;
  }
  if (sbx_store_find(app->store, s->domain) == NULL) {
    sync_error(resp, s, 400, "access_denied", "the domain is not in your account here");
    goto done;
  }
  s->host = no_host ? dcx_strdup("") : sbx_normalize_name(h, true);
  if (s->host == NULL || strlen(s->host) + strlen(s->domain) + 1 > SBX_MAX_NAME) {
    sync_error(resp, s, 400, "invalid_request", "host is not a valid host name");
    goto done;
  }
  ok = true;
done:
  free(rhost);
  dc_client_free(c);
  return ok;
}

static void sync_apply_req(const struct sync_req *s, const char *query, bool force,
                           struct sbx_apply_req *ar)
{
  memset(ar, 0, sizeof *ar);
  ar->tmpl = s->t;
  ar->domain = s->domain;
  ar->host = s->host;
  ar->params = &s->q;
  ar->force = force;
  ar->multi_aware = true;
  if (s->signed_ok) {
    ar->sig_query = query;
    ar->key_txt = s->key_txt;
    ar->n_key_txt = s->n_key_txt;
  } else {
    /* no syncPubKeyDomain (or checked above) */
    ar->ignore_signature = true;
  }
}

/* Renders the consent page and stores the pending request. `note` is an
 * extra message (e.g. the zone changed). */
static void sync_page(struct sbx_app *app, const char *query, struct sync_req *s,
                      const char *note, struct sbx_resp *resp)
{
  struct sbx_apply_out first = {0}, forced = {0};
  struct sbx_apply_req ar;
  dcx_buf b;
  json_t *data = NULL;
  char id[64], csrf[64];
  dcx_buf_init(&b, SBX_MAX_BUF);
  sync_apply_req(s, query, false, &ar);
  sbx_apply(app, &ar, true, &first);
  const json_t *preview = first.preview;
  if (first.http == 409) {
    sync_apply_req(s, query, true, &ar);
    sbx_apply(app, &ar, true, &forced);
    preview = forced.preview;
    if (forced.http != 204) {
      sync_error(resp, s, 400, forced.error, forced.desc);
      goto done;
    }
  } else if (first.http != 204) {
    sync_error(resp, s, first.http == 500 ? 500u : 400u, first.error, first.desc);
    goto done;
  }
  data = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:O?}", "provider", s->t->provider_id, "service",
                   s->t->service_id, "query", query, "redirect", s->redirect, "state", s->state,
                   "conflicts", first.http == 409 ? first.conflicts : NULL);
  char owner[300];
  snprintf(owner, sizeof owner, "sync:%s", s->t->provider_id);
  if (data == NULL ||
      !sbx_pending_add(app->pending, SBX_PENDING_SYNC, owner, json_incref(data), id, csrf)) {
    sbx_page_error(resp, 500, "Server error", "Out of memory.");
    goto done;
  }
  char fqdn[600];
  snprintf(fqdn, sizeof fqdn, "%s%s%s", s->host, s->host[0] ? "." : "", s->domain);
  sbx_page_begin(&b, "Apply a DNS template");
  dcx_buf_adds(&b, "<h1>Connect your domain</h1>\n");
  if (note != NULL) {
    dcx_buf_adds(&b, "<p class=\"warn\">");
    sbx_add_html(&b, note);
    dcx_buf_adds(&b, "</p>\n");
  }
  display_names(&b, s->t, sbx_kv_get(&s->q, "providerName"), sbx_kv_get(&s->q, "serviceName"));
  dcx_buf_adds(&b, " on <strong id=\"fqdn\">");
  sbx_add_html(&b, fqdn);
  dcx_buf_adds(&b, "</strong>.</p>\n");
  if (dc_template_warn_phishing(s->t->t) && !s->signed_ok)
    dcx_buf_adds(&b, "<p class=\"warn\">Check these records carefully: this template takes values "
                     "from the link you followed and the request is not signed. Only continue if "
                     "you started this from the service named above.</p>\n");
  if (s->signed_ok)
    dcx_buf_adds(&b, "<p class=\"ok\" id=\"signed\">The request is signed by the service; the "
                     "signature was verified.</p>\n");
  dcx_buf_adds(&b, "<h2>Records to add</h2>\n");
  sbx_page_records(&b, json_object_get(preview, "new"), s->domain);
  if (first.http == 409) {
    dcx_buf_adds(&b, "<h2>Conflicts</h2><p class=\"warn\" id=\"conflicts\">These records conflict "
                     "with the template and will be removed if you apply it:</p>\n");
    sbx_page_conflicts(&b, first.conflicts);
  }
  const json_t *del = json_object_get(preview, "deleted");
  if (json_array_size(del) > 0) {
    dcx_buf_adds(&b, "<h2>Records to remove</h2>\n");
    sbx_page_records(&b, del, s->domain);
  }
  if (s->redirect != NULL) {
    dcx_buf_adds(&b, "<p>Afterwards you go back to <code>");
    char *h = https_host(s->redirect);
    sbx_add_html(&b, h ? h : "");
    free(h);
    dcx_buf_adds(&b, "</code>.</p>\n");
  } else if (s->redirect_refused) {
    dcx_buf_adds(&b, "<p class=\"warn\">The service asked to send you back to an address this "
                     "template does not allow; you will stay here.</p>\n");
  }
  sbx_page_form(&b, id, csrf, "apply", "Apply", "cancel", "Cancel");
  sbx_page_end(&b);
  sbx_resp_html(resp, 200, dcx_buf_take(&b));
done:
  json_decref(data);
  sbx_apply_out_clear(&first);
  sbx_apply_out_clear(&forced);
}

void sbx_consent_sync(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                      const char *service, struct sbx_resp *resp)
{
  struct sync_req s;
  memset(&s, 0, sizeof s);
  if (sync_check(app, req->query, provider, service, &s, resp))
    sync_page(app, req->query, &s, NULL, resp);
  sync_req_clear(&s);
}

void sbx_consent_sync_post(struct sbx_app *app, json_t *data, const char *action,
                           struct sbx_resp *resp)
{
  struct sync_req s;
  struct sbx_apply_out chk = {0}, out = {0};
  struct sbx_apply_req ar;
  memset(&s, 0, sizeof s);
  const char *query = sbx_json_str(data, "query"), *redirect = sbx_json_str(data, "redirect");
  const char *state = sbx_json_str(data, "state");
  if (strcmp(action, "cancel") == 0) {
    if (redirect != NULL) {
      const char *kv[] = {"error", "access_denied", "error_description", "user_cancel",
                          "state", state, NULL};
      sbx_resp_redirect_with(resp, 303, redirect, kv);
    } else {
      sbx_page_done(resp, "Cancelled", "Nothing was changed.");
    }
    goto done;
  }
  if (strcmp(action, "apply") != 0 || query == NULL) {
    sbx_page_error(resp, 400, "Bad request", "Unknown action.");
    goto done;
  }
  /* the checks again: the template, keys or zone may have changed */
  if (!sync_check(app, query, sbx_json_str(data, "provider"), sbx_json_str(data, "service"), &s,
                  resp))
    goto done;
  sync_apply_req(&s, query, false, &ar);
  sbx_apply(app, &ar, true, &chk);
  const json_t *shown = json_object_get(data, "conflicts");
  if (!json_is_array(shown)) shown = NULL; /* JSON null: none were shown */
  bool same = chk.http == 409 ? shown != NULL && json_equal(shown, chk.conflicts)
                              : chk.http == 204 && shown == NULL;
  if ((chk.http == 409 || chk.http == 204) && !same) {
    sync_page(app, query, &s, "The zone changed since the page was shown. Please review the "
                              "records again.", resp);
    goto done;
  }
  if (chk.http != 409 && chk.http != 204) {
    sync_error(resp, &s, chk.http == 500 ? 500u : 400u, chk.error, chk.desc);
    goto done;
  }
  /* the user saw the conflicts and chose to apply: they are removed */
  sync_apply_req(&s, query, chk.http == 409, &ar);
  sbx_apply(app, &ar, false, &out);
  if (out.http != 204) {
    sync_error(resp, &s, out.http == 500 ? 500u : 400u,
               out.http == 500 ? "server_error" : "invalid_request", out.desc);
    goto done;
  }
  sbx_log(SBX_INFO, "applied %s/%s to %s%s%s (sync)", s.t->provider_id, s.t->service_id, s.host,
          s.host[0] ? "." : "", s.domain);
  if (s.redirect != NULL) {
    const char *kv[] = {"state", s.state, NULL};
    sbx_resp_redirect_with(resp, 303, s.redirect, kv);
  } else {
    sbx_page_done(resp, "Done", "The records were added to your domain.");
  }
done:
  sbx_apply_out_clear(&chk);
  sbx_apply_out_clear(&out);
  sync_req_clear(&s);
}
