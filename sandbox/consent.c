/* domainconnect-sandbox: the HTML pages a user sees: the synchronous apply
 * consent page (docs/protocol.md §2.2, §2.5), the OAuth consent page (§3.2),
 * the form they post to (/consent), and two read-only views of the zones.
 * No JavaScript; every value shown is HTML-escaped. There is one implicit
 * user, who owns every hosted zone. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <domainconnect/dc.h>

#include "app.h"

/* ---- pending consent requests: one-time, CSRF token bound, short-lived */
enum { KIND_SYNC = 1, KIND_ASYNC = 2 };

struct pending_ent {
  char id[64];
  char csrf[64];
  time_t expires;
  int kind;
  json_t *data;
};

struct sbx_pending {
  pthread_mutex_t mu;
  struct pending_ent *items;
  size_t n;
};

struct sbx_pending *sbx_pending_new(void)
{
  struct sbx_pending *p = calloc(1, sizeof *p);
  if (p != NULL) pthread_mutex_init(&p->mu, NULL);
  return p;
}

void sbx_pending_free(struct sbx_pending *p)
{
  if (p == NULL) return;
  for (size_t i = 0; i < p->n; i++) json_decref(p->items[i].data);
  free(p->items);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

/* Stores `data` (reference taken); id and csrf receive fresh values. */
static bool pending_add(struct sbx_pending *p, int kind, json_t *data, char id[64], char csrf[64])
{
  char *i = sbx_random_token(""), *c = sbx_random_token("");
  bool ok = false;
  pthread_mutex_lock(&p->mu);
  time_t now = time(NULL);
  size_t w = 0;
  for (size_t k = 0; k < p->n; k++) {
    if (p->items[k].expires < now) {
      json_decref(p->items[k].data);
      continue;
    }
    p->items[w++] = p->items[k];
  }
  p->n = w;
  if (i == NULL || c == NULL) goto done;
  if (p->n >= SBX_MAX_PENDING) { /* drop the oldest */
    json_decref(p->items[0].data);
    memmove(p->items, p->items + 1, (p->n - 1) * sizeof *p->items);
    p->n--;
  }
  struct pending_ent *v = realloc(p->items, (p->n + 1) * sizeof *v);
  if (v == NULL) goto done;
  p->items = v;
  struct pending_ent *e = &p->items[p->n++];
  snprintf(e->id, sizeof e->id, "%s", i);
  snprintf(e->csrf, sizeof e->csrf, "%s", c);
  e->expires = now + SBX_PENDING_LIFETIME;
  e->kind = kind;
  e->data = data;
  data = NULL;
  memcpy(id, e->id, sizeof e->id);
  memcpy(csrf, e->csrf, sizeof e->csrf);
  ok = true;
done:
  pthread_mutex_unlock(&p->mu);
  json_decref(data);
  free(i);
  sbx_wipe_free(c);
  return ok;
}

/* Removes and returns the request when id and csrf match (constant time
 * for the CSRF token). 0: unknown or expired; -1: bad CSRF token (the
 * request stays). */
static int pending_take(struct sbx_pending *p, const char *id, const char *csrf, json_t **data)
{
  int kind = 0;
  *data = NULL;
  if (id == NULL || csrf == NULL) return 0;
  pthread_mutex_lock(&p->mu);
  time_t now = time(NULL);
  for (size_t k = 0; k < p->n; k++) {
    if (strcmp(p->items[k].id, id) != 0) continue;
    if (p->items[k].expires < now) break;
    if (!sbx_const_eq(p->items[k].csrf, csrf)) {
      kind = -1;
      break;
    }
    kind = p->items[k].kind;
    *data = p->items[k].data;
    memmove(p->items + k, p->items + k + 1, (p->n - k - 1) * sizeof *p->items);
    p->n--;
    break;
  }
  pthread_mutex_unlock(&p->mu);
  return kind;
}

/* ---- HTML */
static void page_begin(struct sbuf *b, const char *title)
{
  sbuf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width\"><title>");
  sbuf_add_html(b, title);
  sbuf_adds(b, "</title><style>"
               "body{font-family:sans-serif;max-width:52em;margin:1.5em auto;padding:0 1em;"
               "color:#222}"
               "table{border-collapse:collapse;margin:.5em 0 1em}"
               "td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left;"
               "font-family:monospace;word-break:break-all}"
               ".warn{background:#fff3cd;border:1px solid #e0c36a;padding:.6em}"
               ".err{background:#f8d7da;border:1px solid #d9828b;padding:.6em}"
               ".ok{background:#d4edda;border:1px solid #8cc79b;padding:.6em}"
               "button{font-size:1.05em;padding:.4em 1.4em;margin-right:1em}"
               "header{color:#555;border-bottom:1px solid #ccc;margin-bottom:1em}"
               "</style></head><body><header>domainconnect-sandbox</header>\n");
}

static void page_end(struct sbuf *b) { sbuf_adds(b, "\n</body></html>\n"); }

static void error_page(struct sbx_resp *resp, unsigned status, const char *title,
                       const char *msg)
{
  struct sbuf b;
  sbuf_init(&b);
  page_begin(&b, title);
  sbuf_adds(&b, "<h1>");
  sbuf_add_html(&b, title);
  sbuf_adds(&b, "</h1><p class=\"err\">");
  sbuf_add_html(&b, msg);
  sbuf_adds(&b, "</p>");
  page_end(&b);
  sbx_resp_html(resp, status, sbuf_take(&b));
}

/* ---- redirect_uri */

/* The host of an https URL without userinfo or fragment; NULL otherwise. */
static char *https_host(const char *uri)
{
  if (uri == NULL || strlen(uri) > 2048) return NULL;
  for (const char *p = uri; *p != '\0'; p++)
    if (!sbx_is_print((unsigned char)*p) || *p == ' ' || *p == '#' || *p == '\\') return NULL;
  if (strncmp(uri, "https://", 8) != 0) return NULL;
  const char *h = uri + 8;
  size_t len = strcspn(h, "/?");
  const char *colon = memchr(h, ':', len);
  if (memchr(h, '@', len) != NULL) return NULL;
  size_t hlen = colon ? (size_t)(colon - h) : len;
  if (colon != NULL) {
    if (colon + 1 == h + len) return NULL;
    for (const char *p = colon + 1; p < h + len; p++)
      if (!sbx_is_digit((unsigned char)*p)) return NULL;
  }
  char *host = sbx_strndup(h, hlen);
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
      char *d = sbx_strndup(p, len);
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

/* base + ('?' or '&') + name=value pairs (NULL values skipped). */
static char *redirect_url(const char *base, const char *const *kv)
{
  struct sbuf b;
  sbuf_init(&b);
  sbuf_adds(&b, base);
  char sep = strchr(base, '?') ? '&' : '?';
  if (strchr(base, '?') && base[strlen(base) - 1] == '?') sep = 0;
  for (size_t i = 0; kv[i] != NULL; i += 2) {
    if (kv[i + 1] == NULL) continue;
    if (sep) sbuf_addc(&b, sep);
    sep = '&';
    sbuf_adds(&b, kv[i]);
    sbuf_addc(&b, '=');
    sbuf_add_pct(&b, kv[i + 1]);
  }
  return sbuf_take(&b);
}

static void redirect_with(struct sbx_resp *resp, unsigned status, const char *base,
                          const char *const *kv)
{
  char *url = redirect_url(base, kv);
  if (url == NULL) {
    sbx_resp_error(resp, 500, "server_error", "out of memory");
    return;
  }
  sbx_resp_redirect(resp, status, url);
  free(url);
}

/* ---- shared bits */
static const char *jstr(const json_t *o, const char *k)
{
  const json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static void record_rows(struct sbuf *b, const json_t *recs, const char *zone)
{
  size_t i;
  json_t *r;
  sbuf_adds(b, "<table><tr><th>type</th><th>name</th><th>data</th><th>ttl</th></tr>\n");
  json_array_foreach(recs, i, r) {
    const char *type = jstr(r, "type"), *name = jstr(r, "name"), *data = jstr(r, "data");
    const json_t *ttl = json_object_get(r, "ttl"), *prio = json_object_get(r, "priority");
    sbuf_adds(b, "<tr><td>");
    sbuf_add_html(b, type ? type : "?");
    sbuf_adds(b, "</td><td>");
    if (name == NULL || strcmp(name, "@") == 0) {
      sbuf_add_html(b, zone);
    } else {
      sbuf_add_html(b, name);
      sbuf_addc(b, '.');
      sbuf_add_html(b, zone);
    }
    sbuf_adds(b, "</td><td>");
    if (json_is_integer(prio)) sbuf_addf(b, "%lld ", (long long)json_integer_value(prio));
    sbuf_add_html(b, data ? data : "");
    sbuf_adds(b, "</td><td>");
    if (json_is_integer(ttl)) sbuf_addf(b, "%lld", (long long)json_integer_value(ttl));
    sbuf_adds(b, "</td></tr>\n");
  }
  sbuf_adds(b, "</table>\n");
}

static void conflict_rows(struct sbuf *b, const json_t *recs)
{
  size_t i;
  json_t *r;
  sbuf_adds(b, "<table><tr><th>type</th><th>host</th><th>data</th></tr>\n");
  json_array_foreach(recs, i, r) {
    sbuf_adds(b, "<tr><td>");
    sbuf_add_html(b, jstr(r, "type"));
    sbuf_adds(b, "</td><td>");
    sbuf_add_html(b, jstr(r, "host"));
    sbuf_adds(b, "</td><td>");
    sbuf_add_html(b, jstr(r, "data"));
    sbuf_adds(b, "</td></tr>\n");
  }
  sbuf_adds(b, "</table>\n");
}

static void form(struct sbuf *b, const char *id, const char *csrf, const char *yes_value,
                 const char *yes, const char *no_value, const char *no)
{
  sbuf_adds(b, "<form method=\"post\" action=\"/consent\">"
               "<input type=\"hidden\" name=\"request\" value=\"");
  sbuf_add_html(b, id);
  sbuf_adds(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
  sbuf_add_html(b, csrf);
  sbuf_adds(b, "\"><button type=\"submit\" name=\"action\" value=\"");
  sbuf_add_html(b, yes_value);
  sbuf_adds(b, "\" id=\"");
  sbuf_add_html(b, yes_value);
  sbuf_adds(b, "\">");
  sbuf_add_html(b, yes);
  sbuf_adds(b, "</button><button type=\"submit\" name=\"action\" value=\"");
  sbuf_add_html(b, no_value);
  sbuf_adds(b, "\" id=\"");
  sbuf_add_html(b, no_value);
  sbuf_adds(b, "\">");
  sbuf_add_html(b, no);
  sbuf_adds(b, "</button></form>\n");
}

/* The display name: the template's, augmented by the request's when the
 * template allows it (docs/protocol.md §2.2). */
static void display_names(struct sbuf *b, const struct sbx_template *t, const char *pname,
                          const char *sname)
{
  sbuf_adds(b, "<p><strong>");
  sbuf_add_html(b, dc_template_provider_name(t->t) ? dc_template_provider_name(t->t)
                                                   : t->provider_id);
  if (pname != NULL) {
    sbuf_adds(b, " (");
    sbuf_add_html(b, pname);
    sbuf_adds(b, ")");
  }
  sbuf_adds(b, "</strong> wants to set up <strong>");
  sbuf_add_html(b, dc_template_service_name(t->t) ? dc_template_service_name(t->t)
                                                  : t->service_id);
  if (sname != NULL) {
    sbuf_adds(b, " (");
    sbuf_add_html(b, sname);
    sbuf_adds(b, ")");
  }
  sbuf_adds(b, "</strong>");
}

/* ---- synchronous flow */
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
    redirect_with(resp, 302, s->redirect, kv);
    return;
  }
  error_page(resp, status, "Domain Connect request refused", desc);
}

/* Checks a sync request (query in s->q): steps 1-6 of docs/protocol.md §2.2.
 * Returns false with the response set. */
static bool sync_check(struct sbx_app *app, const char *query, const char *provider,
                       const char *service, struct sync_req *s, struct sbx_resp *resp)
{
  dc_client *c = NULL;
  bool ok = false;
  char msg[800];
  enum sbx_qerr qe = sbx_query_parse(query, strlen(query), &s->q);
  if (qe != SBX_Q_OK) {
    error_page(resp, qe == SBX_Q_NOMEM ? 500 : 400, "Bad request", "The query is malformed.");
    return false;
  }
  static const char *const once[] = {"domain", "host", "redirect_uri", "state", "sig", "key",
                                     "groupId", "instanceId", "providerName", "serviceName",
                                     NULL};
  for (size_t i = 0; once[i] != NULL; i++)
    if (sbx_kv_count(&s->q, once[i]) > 1) {
      snprintf(msg, sizeof msg, "The parameter %s is given more than once.", once[i]);
      error_page(resp, 400, "Bad request", msg);
      return false;
    }
  /* step 1: the template */
  s->t = sbx_templates_find(app->templates, provider, service);
  if (s->t == NULL) {
    error_page(resp, 404, "Unknown template",
               "This DNS provider does not support the requested template.");
    return false;
  }
  s->state = sbx_kv_get(&s->q, "state");
  const char *ruri = sbx_kv_get(&s->q, "redirect_uri");
  char *rhost = ruri != NULL ? https_host(ruri) : NULL;
  if (ruri != NULL && in_redirect_domains(s->t, rhost)) s->redirect = sbx_strdup(ruri);
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
        if (!(sbx_is_alnum((unsigned char)*p) || *p == '-' || *p == '_')) label = false;
      char *pk = sbx_normalize_name(pkd, true);
      if (!label || pk == NULL || !sbx_fmt(fqdn, sizeof fqdn, "%s.%s", key, pk)) {
        free(pk);
        sync_error(resp, s, 400, "invalid_request", "the key parameter is not a DNS label");
        goto done;
      }
      free(pk);
      for (char *p = fqdn; *p != '\0'; p++) *p = (char)sbx_lower((unsigned char)*p);
      if (!sbx_store_txt(app->store, fqdn, &s->key_txt, &s->n_key_txt) || s->n_key_txt == 0) {
        snprintf(msg, sizeof msg, "no public key is published at %s", fqdn);
        sync_error(resp, s, 400, "invalid_request", msg);
        goto done;
      }
      if (dc_client_new(&c) != DC_OK) {
        error_page(resp, 500, "Server error", "Out of memory.");
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
      if (s->redirect == NULL && ruri != NULL && rhost != NULL) s->redirect = sbx_strdup(ruri);
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
  s->host = no_host ? sbx_strdup("") : sbx_normalize_name(h, true);
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
  struct sbuf b;
  json_t *data = NULL;
  char id[64], csrf[64];
  sbuf_init(&b);
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
  if (data == NULL || !pending_add(app->pending, KIND_SYNC, json_incref(data), id, csrf)) {
    error_page(resp, 500, "Server error", "Out of memory.");
    goto done;
  }
  char fqdn[600];
  snprintf(fqdn, sizeof fqdn, "%s%s%s", s->host, s->host[0] ? "." : "", s->domain);
  page_begin(&b, "Apply a DNS template");
  sbuf_adds(&b, "<h1>Connect your domain</h1>\n");
  if (note != NULL) {
    sbuf_adds(&b, "<p class=\"warn\">");
    sbuf_add_html(&b, note);
    sbuf_adds(&b, "</p>\n");
  }
  display_names(&b, s->t, sbx_kv_get(&s->q, "providerName"), sbx_kv_get(&s->q, "serviceName"));
  sbuf_adds(&b, " on <strong id=\"fqdn\">");
  sbuf_add_html(&b, fqdn);
  sbuf_adds(&b, "</strong>.</p>\n");
  if (dc_template_warn_phishing(s->t->t) && !s->signed_ok)
    sbuf_adds(&b, "<p class=\"warn\">Check these records carefully: this template takes values "
                  "from the link you followed and the request is not signed. Only continue if "
                  "you started this from the service named above.</p>\n");
  if (s->signed_ok)
    sbuf_adds(&b, "<p class=\"ok\" id=\"signed\">The request is signed by the service; the "
                  "signature was verified.</p>\n");
  sbuf_adds(&b, "<h2>Records to add</h2>\n");
  record_rows(&b, json_object_get(preview, "new"), s->domain);
  if (first.http == 409) {
    sbuf_adds(&b, "<h2>Conflicts</h2><p class=\"warn\" id=\"conflicts\">These records conflict "
                  "with the template and will be removed if you apply it:</p>\n");
    conflict_rows(&b, first.conflicts);
  }
  const json_t *del = json_object_get(preview, "deleted");
  if (json_array_size(del) > 0) {
    sbuf_adds(&b, "<h2>Records to remove</h2>\n");
    record_rows(&b, del, s->domain);
  }
  if (s->redirect != NULL) {
    sbuf_adds(&b, "<p>Afterwards you go back to <code>");
    char *h = https_host(s->redirect);
    sbuf_add_html(&b, h ? h : "");
    free(h);
    sbuf_adds(&b, "</code>.</p>\n");
  } else if (s->redirect_refused) {
    sbuf_adds(&b, "<p class=\"warn\">The service asked to send you back to an address this "
                  "template does not allow; you will stay here.</p>\n");
  }
  form(&b, id, csrf, "apply", "Apply", "cancel", "Cancel");
  page_end(&b);
  sbx_resp_html(resp, 200, sbuf_take(&b));
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

static void done_page(struct sbx_resp *resp, const char *title, const char *msg)
{
  struct sbuf b;
  sbuf_init(&b);
  page_begin(&b, title);
  sbuf_adds(&b, "<h1>");
  sbuf_add_html(&b, title);
  sbuf_adds(&b, "</h1><p class=\"ok\" id=\"result\">");
  sbuf_add_html(&b, msg);
  sbuf_adds(&b, "</p><p>You can close this window.</p>");
  page_end(&b);
  sbx_resp_html(resp, 200, sbuf_take(&b));
}

static void sync_post(struct sbx_app *app, json_t *data, const char *action,
                      struct sbx_resp *resp)
{
  struct sync_req s;
  struct sbx_apply_out chk = {0}, out = {0};
  struct sbx_apply_req ar;
  memset(&s, 0, sizeof s);
  const char *query = jstr(data, "query"), *redirect = jstr(data, "redirect");
  const char *state = jstr(data, "state");
  if (strcmp(action, "cancel") == 0) {
    if (redirect != NULL) {
      const char *kv[] = {"error", "access_denied", "error_description", "user_cancel",
                          "state", state, NULL};
      redirect_with(resp, 303, redirect, kv);
    } else {
      done_page(resp, "Cancelled", "Nothing was changed.");
    }
    goto done;
  }
  if (strcmp(action, "apply") != 0 || query == NULL) {
    error_page(resp, 400, "Bad request", "Unknown action.");
    goto done;
  }
  /* the checks again: the template, keys or zone may have changed */
  if (!sync_check(app, query, jstr(data, "provider"), jstr(data, "service"), &s, resp)) goto done;
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
    redirect_with(resp, 303, s.redirect, kv);
  } else {
    done_page(resp, "Done", "The records were added to your domain.");
  }
done:
  sbx_apply_out_clear(&chk);
  sbx_apply_out_clear(&out);
  sync_req_clear(&s);
}

/* ---- asynchronous flow (OAuth consent) */
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
  if ((nv[*n] = sbx_strdup(s)) == NULL) return false;
  nv[++*n] = NULL;
  return true;
}

void sbx_consent_async(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                       struct sbx_resp *resp)
{
  struct sbx_kvlist q = {0};
  struct sbx_grant g = {0};
  struct sbuf b;
  json_t *data = NULL;
  char id[64], csrf[64], msg[400];
  sbuf_init(&b);
  enum sbx_qerr qe = sbx_query_parse(req->query, strlen(req->query), &q);
  if (qe != SBX_Q_OK) {
    error_page(resp, qe == SBX_Q_NOMEM ? 500 : 400, "Bad request", "The query is malformed.");
    goto done;
  }
  static const char *const once[] = {"client_id", "redirect_uri", "state", "scope", "domain",
                                     "host", "response_type", NULL};
  for (size_t i = 0; once[i] != NULL; i++)
    if (sbx_kv_count(&q, once[i]) > 1) {
      snprintf(msg, sizeof msg, "The parameter %s is given more than once.", once[i]);
      error_page(resp, 400, "Bad request", msg);
      goto done;
    }
  /* RFC 6749 4.1.2.1: without a known client and its registered
   * redirect_uri, the error is shown here, never redirected */
  const char *cid = sbx_kv_get(&q, "client_id"), *ruri = sbx_kv_get(&q, "redirect_uri");
  const struct sbx_client *cl = sbx_config_client(app->cfg, cid);
  if (cl == NULL) {
    error_page(resp, 400, "Unknown application", "The client_id is not registered here.");
    goto done;
  }
  bool registered = false;
  for (size_t i = 0; ruri != NULL && i < cl->n_redirect_uris; i++)
    registered = registered || strcmp(cl->redirect_uris[i], ruri) == 0;
  if (!registered) {
    error_page(resp, 400, "Bad redirect",
               "The redirect_uri is missing or not registered for this application.");
    goto done;
  }
  const char *state = sbx_kv_get(&q, "state");
#define ASYNC_FAIL(err, desc)                                                                  \
  do {                                                                                         \
    const char *kv_[] = {"error", (err), "error_description", (desc), "state", state, NULL};   \
    redirect_with(resp, 302, ruri, kv_);                                                       \
    goto done;                                                                                 \
  } while (0)
  const char *rt = sbx_kv_get(&q, "response_type");
  if (rt != NULL && strcmp(rt, "code") != 0)
    ASYNC_FAIL("unsupported_response_type", "response_type must be code");
  bool allowed = cl->n_provider_ids == 0;
  for (size_t i = 0; i < cl->n_provider_ids; i++)
    allowed = allowed || strcmp(cl->provider_ids[i], provider) == 0;
  if (!allowed) ASYNC_FAIL("unauthorized_client", "the client may not use this providerId");
  /* scope: space-separated serviceIds ('+' decodes to a space); the
   * serviceId-in-path variant supplies one */
  size_t nseg = 0;
  char **seg = sbx_path_segments(req->path, &nseg);
  const char *scope = sbx_kv_get(&q, "scope");
  if (seg != NULL && nseg == 6 && !push_unique(&g.scopes, &g.n_scopes, seg[5])) {
    sbx_strv_free(seg);
    ASYNC_FAIL("server_error", "out of memory");
  }
  sbx_strv_free(seg);
  for (const char *p = scope ? scope : ""; *p != '\0';) {
    size_t len = strcspn(p, " ");
    if (len > 0) {
      char *svc = sbx_strndup(p, len);
      bool ok = svc != NULL && push_unique(&g.scopes, &g.n_scopes, svc);
      free(svc);
      if (!ok) ASYNC_FAIL("server_error", "out of memory");
    }
    p += len;
    while (*p == ' ') p++;
  }
  if (g.n_scopes == 0 || g.n_scopes > 64) ASYNC_FAIL("invalid_scope", "scope is required");
  for (size_t i = 0; i < g.n_scopes; i++)
    if (sbx_templates_find(app->templates, provider, g.scopes[i]) == NULL)
      ASYNC_FAIL("invalid_scope", "a template in the scope is not supported here");
  const char *d = sbx_kv_get(&q, "domain");
  g.domain = d ? sbx_normalize_name(d, false) : NULL;
  if (g.domain == NULL) ASYNC_FAIL("invalid_request", "domain is missing or not a domain name");
  if (sbx_store_find(app->store, g.domain) == NULL)
    ASYNC_FAIL("access_denied", "the domain is not in your account here");
  /* host: comma-separated, an empty entry is the apex (docs/protocol.md §3.2) */
  const char *hosts = sbx_kv_get(&q, "host");
  if (hosts == NULL) hosts = "";
  for (const char *p = hosts;;) {
    size_t len = strcspn(p, ",");
    char *h = sbx_strndup(p, len);
    if (h == NULL) ASYNC_FAIL("server_error", "out of memory");
    char *t = h;
    while (*t == ' ') t++;
    size_t tl = strlen(t);
    while (tl > 0 && t[tl - 1] == ' ') t[--tl] = '\0';
    char *n = tl == 0 || strcmp(t, "@") == 0 ? sbx_strdup("") : sbx_normalize_name(t, true);
    free(h);
    if (n == NULL || strlen(n) + strlen(g.domain) + 1 > SBX_MAX_NAME || g.n_hosts >= 64) {
      free(n);
      ASYNC_FAIL("invalid_request", "a host is not a valid host name");
    }
    bool ok = push_unique(&g.hosts, &g.n_hosts, n);
    free(n);
    if (!ok) ASYNC_FAIL("server_error", "out of memory");
    p += len;
    if (*p == '\0') break;
    p++;
  }
  g.client_id = sbx_strdup(cid);
  g.redirect_uri = sbx_strdup(ruri);
  g.provider_id = sbx_strdup(provider);
  if (g.client_id == NULL || g.redirect_uri == NULL || g.provider_id == NULL)
    ASYNC_FAIL("server_error", "out of memory");
  data = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:o, s:o}", "redirect_uri", ruri, "state", state,
                   "client_id", cid, "domain", g.domain, "provider", provider, "hosts",
                   strv_to_json(g.hosts, g.n_hosts), "scopes",
                   strv_to_json(g.scopes, g.n_scopes));
  if (data == NULL || !pending_add(app->pending, KIND_ASYNC, json_incref(data), id, csrf))
    ASYNC_FAIL("server_error", "out of memory");
  /* the page: templates, hosts, and conflicts for every combination */
  const struct sbx_template *t0 = sbx_templates_find(app->templates, provider, g.scopes[0]);
  page_begin(&b, "Allow access to your domain");
  sbuf_adds(&b, "<h1>Allow access to your domain</h1>\n<p><strong>");
  sbuf_add_html(&b, dc_template_provider_name(t0->t) ? dc_template_provider_name(t0->t) : provider);
  sbuf_adds(&b, "</strong> (application <code>");
  sbuf_add_html(&b, cid);
  sbuf_adds(&b, "</code>) asks to manage DNS records of <strong id=\"domain\">");
  sbuf_add_html(&b, g.domain);
  sbuf_adds(&b, "</strong> for these services:</p><ul>\n");
  for (size_t i = 0; i < g.n_scopes; i++) {
    const struct sbx_template *t = sbx_templates_find(app->templates, provider, g.scopes[i]);
    sbuf_adds(&b, "<li>");
    sbuf_add_html(&b, dc_template_service_name(t->t) ? dc_template_service_name(t->t)
                                                     : g.scopes[i]);
    sbuf_adds(&b, " (<code>");
    sbuf_add_html(&b, g.scopes[i]);
    sbuf_adds(&b, "</code>)</li>\n");
  }
  sbuf_adds(&b, "</ul><p>on these names:</p><ul>\n");
  for (size_t i = 0; i < g.n_hosts; i++) {
    sbuf_adds(&b, "<li><code>");
    if (g.hosts[i][0] != '\0') {
      sbuf_add_html(&b, g.hosts[i]);
      sbuf_addc(&b, '.');
    }
    sbuf_add_html(&b, g.domain);
    sbuf_adds(&b, "</code></li>\n");
  }
  sbuf_adds(&b, "</ul>\n");
  bool any_conflict = false;
  for (size_t i = 0; i < g.n_scopes; i++)
    for (size_t h = 0; h < g.n_hosts; h++) {
      struct sbx_apply_out out = {0};
      struct sbx_apply_req ar = {
          .tmpl = sbx_templates_find(app->templates, provider, g.scopes[i]), .domain = g.domain,
          .host = g.hosts[h], .params = &q, .multi_aware = true, .ignore_signature = true};
      sbx_apply(app, &ar, true, &out);
      if (out.http == 409) {
        if (!any_conflict)
          sbuf_adds(&b, "<h2>Conflicts</h2><p class=\"warn\" id=\"conflicts\">Applying a "
                        "template may replace existing records:</p>\n");
        any_conflict = true;
        sbuf_adds(&b, "<p><code>");
        sbuf_add_html(&b, g.scopes[i]);
        sbuf_adds(&b, "</code> on <code>");
        if (g.hosts[h][0] != '\0') {
          sbuf_add_html(&b, g.hosts[h]);
          sbuf_addc(&b, '.');
        }
        sbuf_add_html(&b, g.domain);
        sbuf_adds(&b, "</code>:</p>\n");
        conflict_rows(&b, out.conflicts);
      } else if (out.http != 204) {
        /* e.g. a variable the consent request did not carry */
        sbuf_adds(&b, "<p class=\"warn\">Conflicts of <code>");
        sbuf_add_html(&b, g.scopes[i]);
        sbuf_adds(&b, "</code> on <code>");
        if (g.hosts[h][0] != '\0') {
          sbuf_add_html(&b, g.hosts[h]);
          sbuf_addc(&b, '.');
        }
        sbuf_add_html(&b, g.domain);
        sbuf_adds(&b, "</code> cannot be checked now (");
        sbuf_add_html(&b, out.desc);
        sbuf_adds(&b, "); they are checked again when it is applied.</p>\n");
      }
      sbx_apply_out_clear(&out);
    }
  sbuf_adds(&b, "<p>The application can apply and remove these templates until you revoke its "
                "access.</p>\n");
  form(&b, id, csrf, "allow", "Allow", "deny", "Deny");
  page_end(&b);
  sbx_resp_html(resp, 200, sbuf_take(&b));
#undef ASYNC_FAIL
done:
  sbuf_free(&b);
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

static void async_post(struct sbx_app *app, json_t *data, const char *action,
                       struct sbx_resp *resp)
{
  struct sbx_grant g = {0};
  char *code = NULL;
  const char *ruri = jstr(data, "redirect_uri"), *state = jstr(data, "state");
  if (ruri == NULL) {
    error_page(resp, 500, "Server error", "The request lost its redirect_uri.");
    goto done;
  }
  if (strcmp(action, "deny") == 0) {
    const char *kv[] = {"error", "access_denied", "error_description", "user_cancel", "state",
                        state, NULL};
    redirect_with(resp, 303, ruri, kv);
    goto done;
  }
  if (strcmp(action, "allow") != 0) {
    error_page(resp, 400, "Bad request", "Unknown action.");
    goto done;
  }
  g.client_id = sbx_strdup(jstr(data, "client_id"));
  g.redirect_uri = sbx_strdup(ruri);
  g.domain = sbx_strdup(jstr(data, "domain"));
  g.provider_id = sbx_strdup(jstr(data, "provider"));
  if (g.client_id == NULL || g.redirect_uri == NULL || g.domain == NULL || g.provider_id == NULL ||
      !json_to_strv(json_object_get(data, "hosts"), &g.hosts, &g.n_hosts) ||
      !json_to_strv(json_object_get(data, "scopes"), &g.scopes, &g.n_scopes)) {
    error_page(resp, 500, "Server error", "Out of memory.");
    goto done;
  }
  enum sbx_oauth_status st = sbx_oauth_issue_code(app->oauth, &g, &code);
  if (st != SBX_OAUTH_OK) {
    const char *kv[] = {"error", "temporarily_unavailable", "error_description",
                        "cannot issue a code now", "state", state, NULL};
    redirect_with(resp, 303, ruri, kv);
    goto done;
  }
  sbx_log(SBX_INFO, "consent given to client %s for %s", g.client_id, g.domain);
  const char *kv[] = {"code", code, "state", state, NULL};
  redirect_with(resp, 303, ruri, kv);
done:
  sbx_wipe_free(code);
  sbx_grant_clear(&g);
}

void sbx_consent_post(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp)
{
  struct sbx_kvlist f = {0};
  json_t *data = NULL;
  enum sbx_qerr qe = sbx_query_parse(req->body, req->body_len, &f);
  if (qe != SBX_Q_OK || strlen(req->body) != req->body_len) {
    error_page(resp, 400, "Bad request", "The form is malformed.");
    goto done;
  }
  const char *action = sbx_kv_get(&f, "action");
  int kind = pending_take(app->pending, sbx_kv_get(&f, "request"), sbx_kv_get(&f, "csrf"), &data);
  if (kind == -1) {
    error_page(resp, 403, "Forbidden", "The form's security token does not match.");
    goto done;
  }
  if (kind == 0) {
    error_page(resp, 400, "Request expired",
               "This request expired or was already answered. Start again from the service.");
    goto done;
  }
  if (action == NULL) {
    error_page(resp, 400, "Bad request", "No action was chosen.");
    goto done;
  }
  if (kind == KIND_SYNC) sync_post(app, data, action, resp);
  else async_post(app, data, action, resp);
done:
  json_decref(data);
  sbx_kv_free(&f);
}

/* ---- read-only views */
void sbx_page_index(struct sbx_app *app, struct sbx_resp *resp)
{
  struct sbuf b;
  sbuf_init(&b);
  page_begin(&b, "domainconnect-sandbox");
  sbuf_adds(&b, "<h1>");
  sbuf_add_html(&b, app->cfg->display_name);
  sbuf_adds(&b, "</h1><p>A local Domain Connect DNS Provider. API: <code>");
  sbuf_add_html(&b, app->api_url);
  sbuf_adds(&b, "</code></p><h2>Zones</h2><ul>\n");
  for (size_t i = 0; i < app->store->n_zones; i++) {
    const char *z = app->store->zones[i].name;
    sbuf_adds(&b, "<li><a href=\"/zones/");
    sbuf_add_html(&b, z);
    sbuf_adds(&b, "\">");
    sbuf_add_html(&b, z);
    sbuf_adds(&b, "</a></li>\n");
  }
  sbuf_adds(&b, "</ul><h2>Templates</h2><ul>\n");
  for (size_t i = 0; i < app->templates->n; i++) {
    const struct sbx_template *t = &app->templates->items[i];
    sbuf_adds(&b, "<li><code>");
    sbuf_add_html(&b, t->provider_id);
    sbuf_addc(&b, '/');
    sbuf_add_html(&b, t->service_id);
    sbuf_adds(&b, "</code> ");
    sbuf_add_html(&b, dc_template_service_name(t->t));
    sbuf_adds(&b, "</li>\n");
  }
  sbuf_adds(&b, "</ul>");
  page_end(&b);
  sbx_resp_html(resp, 200, sbuf_take(&b));
}

void sbx_page_zone(struct sbx_app *app, const char *zone, bool json, struct sbx_resp *resp)
{
  char *z = sbx_normalize_name(zone, false);
  struct sbx_zone *sz = z ? sbx_store_find(app->store, z) : NULL;
  json_t *recs = NULL;
  uint32_t serial = 0;
  if (sz == NULL) {
    if (json) sbx_resp_error(resp, 404, "not_found", "no such zone");
    else error_page(resp, 404, "Not found", "No such zone.");
    goto done;
  }
  if (!sbx_store_read(app->store, sz, &recs, &serial)) {
    sbx_resp_error(resp, 500, "server_error", "cannot read the zone");
    goto done;
  }
  if (json) {
    sbx_resp_json(resp, 200,
                  json_pack("{s:s, s:I, s:O}", "zone", z, "serial", (json_int_t)serial, "records",
                            recs));
    goto done;
  }
  struct sbuf b;
  sbuf_init(&b);
  page_begin(&b, z);
  sbuf_adds(&b, "<h1>");
  sbuf_add_html(&b, z);
  sbuf_addf(&b, "</h1><p>Serial %u. SOA, NS and _domainconnect are added by the sandbox.</p>\n",
            serial);
  record_rows(&b, recs, z);
  page_end(&b);
  sbx_resp_html(resp, 200, sbuf_take(&b));
done:
  json_decref(recs);
  free(z);
}
