/* The OAuth calls of the asynchronous flow (docs/protocol.md §3.3-§3.8;
 * docs/security.md §6): provider registrations, token exchange and refresh, and
 * the bearer calls apply and revert.
 *
 * Decisions beyond net.h:
 *   - Registration: client_id is 1..DC_MAX_PARAM_VALUE printable ASCII
 *     (RFC 6749 A.1, VSCHAR); client_secret may be NULL (a secret-less
 *     deployment agreed at onboarding: the field is then not sent), else the
 *     same syntax. redirect_uri is checked like the consent URL's. A
 *     dns_provider_id must be a dc-id; without one the API URL's host is
 *     used, and a host longer than a dc-id (63) needs an explicit id.
 *     Registrations are keyed by the canonical API URL.
 *   - Token calls: the body is {"grant_type", "code" | "refresh_token",
 *     "redirect_uri" (when registered, also on refresh: RFC 6749 lets the
 *     server ignore it), "client_id", "client_secret" (when registered)},
 *     built by the escaper below into a buffer that is wiped. The code must
 *     be 1..DC_MAX_TOKEN_LEN VSCHAR (RFC 6749 A.11).
 *   - 4xx/5xx of the token endpoint: DC_E_HTTP_STATUS; the detail holds the
 *     provider's error (<= 64 bytes) and error_description (<= 160 bytes),
 *     sanitised, and any occurrence of the client secret, code or refresh
 *     token in them is masked.
 *   - Refresh keeps the issuing token's provider_id; the API URL is the
 *     registration's (the same canonical URL).
 *   - Apply/revert need no registration: the token carries its API URL (the
 *     registered one it was issued by) and the call goes there only. The
 *     request is validated as for dc_sync_apply_url (redirect_uri and state
 *     are not part of these calls and are ignored); revert validates the
 *     same fields but sends only domain, host and instanceId. The body is
 *     capped at DC_MAX_QUERY_LEN bytes (DC_E_LIMIT), like the sync query.
 *     Expiry (dc_token_expired with the default skew) is checked after the
 *     request, right before sending.
 *   - Every OAuth call uses a fresh connection (they all carry a secret) and
 *     a total timeout of DC_DEFAULT_OAUTH_TIMEOUT_MS unless the client set
 *     one.
 *   - 409 on revert is DC_E_CONFLICT too (no records are returned). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/validate.h"
#include "proto/settings.h"
#include "domainconnect/net.h"
#include "proto/request.h"
#include "guard/url_rules.h"
#include "http/transport.h"

/* Room for an API URL plus the longest path we append. */
#define API_URL_MAX (DC_MAX_URL_LEN + 256)
/* Token request body: five fields of at most 4 KiB each, escaped. */
#define TOKEN_BODY_MAX (64 * 1024)

/* ---- small helpers */

/* 1..max bytes of VSCHAR (%x20-7E). */
static bool vschar(const char *s, size_t max)
{
  size_t n = 0;
  for (; s[n] != '\0'; n++) {
    if (n >= max) return false;
    unsigned char ch = (unsigned char)s[n];
    if (ch < 0x20 || ch > 0x7e) return false;
  }
  return n > 0;
}

static bool is_2xx(long code) { return code >= 200 && code <= 299; }

/* Appends ,"key":"value" (no comma before the first member). */
static dc_status json_member(dci_buf *b, const char *key, const char *value)
{
  dc_status st = DC_OK;
  if (b->len > 1) st = dci_buf_append_char(b, ',');
  if (st == DC_OK) st = dci_json_append_str(b, key);
  if (st == DC_OK) st = dci_buf_append_char(b, ':');
  if (st == DC_OK) st = dci_json_append_str(b, value);
  return st;
}

static dc_status json_int_member(dci_buf *b, const char *key, long long v)
{
  char num[32];
  int n = snprintf(num, sizeof num, "%lld", v);
  if (n < 0 || (size_t)n >= sizeof num) return DC_E_INTERNAL;
  dc_status st = DC_OK;
  if (b->len > 1) st = dci_buf_append_char(b, ',');
  if (st == DC_OK) st = dci_json_append_str(b, key);
  if (st == DC_OK) st = dci_buf_append_char(b, ':');
  if (st == DC_OK) st = dci_buf_append(b, num, (size_t)n);
  return st;
}

/* Overwrites every occurrence of `secret` in `text` with '*'. */
static void mask(char *text, const char *secret)
{
  if (secret == NULL) return;
  size_t n = strlen(secret);
  if (n < 4) return; /* too short to tell apart from ordinary words */
  for (char *p = strstr(text, secret); p != NULL; p = strstr(p + n, secret))
    memset(p, '*', n);
}

/* The provider's error text from a JSON error body, sanitised:
 * " (error: description)" / " (message)"; "" when the body has none.
 * *error_code (may be NULL) gets the sanitised "error" value. */
static void provider_error(const dci_http_resp *resp, char *out, size_t outsz,
                           char *error_code, size_t ecsz)
{
  json_t *root = NULL;
  out[0] = '\0';
  if (error_code != NULL) error_code[0] = '\0';
  if (resp->body.data == NULL || resp->body.len == 0) return;
  if (dci_json_load(NULL, "error body", resp->body.data, resp->body.len,
                    DC_MAX_CONFLICT_JSON, true, true, &root) != DC_OK)
    return;
  json_t *e = json_object_get(root, "error");
  json_t *d = json_object_get(root, "error_description");
  json_t *m = json_object_get(root, "message");
  char es[80] = "", ds[200] = "";
  if (json_is_string(e))
    dci_sanitize(es, sizeof es, json_string_value(e), json_string_length(e), 64);
  if (json_is_string(d))
    dci_sanitize(ds, sizeof ds, json_string_value(d), json_string_length(d), 160);
  else if (json_is_string(m))
    dci_sanitize(ds, sizeof ds, json_string_value(m), json_string_length(m), 160);
  if (es[0] != '\0' && ds[0] != '\0') snprintf(out, outsz, " (%s: %s)", es, ds);
  else if (es[0] != '\0') snprintf(out, outsz, " (%s)", es);
  else if (ds[0] != '\0') snprintf(out, outsz, " (%s)", ds);
  if (error_code != NULL) snprintf(error_code, ecsz, "%s", es);
  json_decref(root);
}

/* Total timeout of an OAuth call: the client's, else the OAuth default
 * (docs/security.md §5.1: 15 s for token, refresh, apply, revert). */
static long oauth_timeout(const dc_client *c)
{
  long ms = c->cfg->timeout_total_ms;
  return ms > 0 ? ms : DC_DEFAULT_OAUTH_TIMEOUT_MS;
}

/* The response body may hold tokens: wipe it before it is released. */
static void resp_free_secret(dci_http_resp *resp)
{
  if (resp->body.data != NULL) dci_wipe(resp->body.data, resp->body.len);
  dci_http_resp_free(resp);
}

/* ---- registrations */

static const struct dci_registration *find_reg(const struct dci_config *cfg,
                                               const char *canon_api)
{
  for (size_t i = 0; i < cfg->n_regs; i++)
    if (strcmp(cfg->regs[i].api_url, canon_api) == 0) return &cfg->regs[i];
  return NULL;
}

static void reg_clear(struct dci_registration *r)
{
  free(r->api_url);
  free(r->client_id);
  dci_free_secret(r->client_secret);
  free(r->redirect_uri);
  free(r->provider_id);
  memset(r, 0, sizeof *r);
}

DC_API dc_status dc_client_register_provider(dc_client *c, const char *api_url,
                                             const char *client_id,
                                             const char *client_secret,
                                             const char *redirect_uri,
                                             const char *dns_provider_id)
{
  dc_status status = DC_OK;
  struct dci_registration n = {0};
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  struct dci_config *cfg = dci_config_mut(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (api_url == NULL || client_id == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "register: api_url and client_id are required");
  if (!vschar(client_id, DC_MAX_PARAM_VALUE))
    return dci_fail(c, DC_E_INVALID_ARG,
                    "register: client_id must be 1..%d printable ASCII bytes",
                    DC_MAX_PARAM_VALUE);
  if (client_secret != NULL && !vschar(client_secret, DC_MAX_PARAM_VALUE))
    return dci_fail(c, DC_E_INVALID_ARG,
                    "register: client_secret must be 1..%d printable ASCII bytes",
                    DC_MAX_PARAM_VALUE);
  if (dns_provider_id != NULL && !dci_valid_dc_id(dns_provider_id)) {
    char safe[96];
    dci_sanitize(safe, sizeof safe, dns_provider_id, strlen(dns_provider_id), 64);
    return dci_fail(c, DC_E_INVALID_ARG,
                    "register: DNS provider id \"%s\" is not a dc-id", safe);
  }
  if (redirect_uri != NULL) DCI_TRY(dci_request_check_redirect_uri(c, redirect_uri));
  DCI_TRY(dci_check_https_url(c, "api_url", api_url, false, &n.api_url));

  if (dns_provider_id != NULL) {
    n.provider_id = dci_strdup(dns_provider_id);
  } else {
    /* canonical: "https://" host [":" test port] [path] */
    const char *h = n.api_url + sizeof "https://" - 1;
    size_t hl = strcspn(h, ":/");
    n.provider_id = dci_strndup(h, hl);
    if (n.provider_id != NULL && !dci_valid_dc_id(n.provider_id)) {
      status = dci_fail(c, DC_E_INVALID_ARG,
                        "register: the API host is longer than a dc-id (63 bytes); "
                        "give the DNS provider id");
      goto done;
    }
  }
  n.client_id = dci_strdup(client_id);
  n.client_secret = client_secret ? dci_strdup(client_secret) : NULL;
  n.redirect_uri = redirect_uri ? dci_strdup(redirect_uri) : NULL;
  if (n.provider_id == NULL || n.client_id == NULL ||
      (client_secret != NULL && n.client_secret == NULL) ||
      (redirect_uri != NULL && n.redirect_uri == NULL)) {
    status = DC_E_NOMEM;
    goto done;
  }

  /* Re-registering an API URL replaces the entry. */
  struct dci_registration *old = NULL;
  for (size_t i = 0; i < cfg->n_regs && old == NULL; i++)
    if (strcmp(cfg->regs[i].api_url, n.api_url) == 0) old = &cfg->regs[i];
  if (old != NULL) {
    reg_clear(old);
    *old = n;
    memset(&n, 0, sizeof n);
    goto done;
  }
  if (cfg->n_regs >= DC_MAX_REGISTRATIONS) {
    status = dci_fail(c, DC_E_LIMIT, "register: more than %d registered providers",
                      DC_MAX_REGISTRATIONS);
    goto done;
  }
  struct dci_registration *grown =
      realloc(cfg->regs, (cfg->n_regs + 1) * sizeof *cfg->regs);
  if (grown == NULL) { status = DC_E_NOMEM; goto done; }
  cfg->regs = grown;
  cfg->regs[cfg->n_regs++] = n;
  memset(&n, 0, sizeof n);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "register: out of memory");
  reg_clear(&n);
  return status;
}

DC_API dc_status dc_check_registered_api(dc_client *c, const dc_settings *s)
{
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  if (s == NULL || s->url_api == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "check registered API: NULL settings");
  if (find_reg(c->cfg, s->url_api) != NULL) return DC_OK;
  /* docs/protocol.md §3.8: a settings document pointing elsewhere must never
   * receive the client secret. */
  return dci_fail(c, DC_E_API_MISMATCH,
                  "the discovered urlAPI %s is not a registered provider API",
                  s->url_api);
}

/* ---- token endpoint */

/* POST {api}/v2/oauth/access_token with `body`; parses a 2xx into *out. */
static dc_status token_call(dc_client *c, const struct dci_registration *reg,
                            const dci_buf *body, const char *provider_id,
                            bool refresh, const char *code_or_refresh,
                            dc_token **out)
{
  dc_status status = DC_OK;
  char *url = NULL;
  dci_http_resp resp;
  dci_buf u;
  dci_http_resp_init(&resp);
  resp.body.secret = true;
  dci_buf_init(&u, API_URL_MAX);

  /* docs/security.md §6.3: nothing in the query string. */
  DCI_TRY(dci_buf_append_str(&u, reg->api_url));
  DCI_TRY(dci_buf_append_str(&u, "/v2/oauth/access_token"));
  url = dci_buf_take(&u);
  if (url == NULL) { status = DC_E_NOMEM; goto done; }
  dci_http_req req = {
    .method = "POST",
    .url = url,
    .content_type = "application/json",
    .body = body->data,
    .body_len = body->len,
    .max_body = DC_MAX_TOKEN_BODY,
    .total_timeout_ms = oauth_timeout(c),
    .fresh_connection = true,
  };
  DCI_TRY(dci_http_perform(c, &req, &resp));
  if (!is_2xx(resp.status)) {
    /* docs/security.md §6.4: surface error / error_description, sanitised;
     * invalid_grant on a refresh means the user must consent again. */
    char perr[300], ecode[80];
    provider_error(&resp, perr, sizeof perr, ecode, sizeof ecode);
    mask(perr, reg->client_secret);
    mask(perr, code_or_refresh);
    bool reconsent = refresh && strcmp(ecode, "invalid_grant") == 0;
    status = dci_fail(c, DC_E_HTTP_STATUS, "token endpoint: HTTP %ld from %s%s%s",
                      resp.status, url, perr,
                      reconsent ? "; re-consent needed (the refresh token was refused)"
                                : "");
    goto done;
  }
  status = dc_token_parse_response(c, resp.body.data ? resp.body.data : "",
                                   resp.body.len, reg->api_url, provider_id,
                                   time(NULL), out);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "token: out of memory");
  resp_free_secret(&resp);
  dci_buf_free(&u);
  free(url);
  return status;
}

/* Body common part: redirect_uri, client_id, client_secret. */
static dc_status token_body_tail(dci_buf *b, const struct dci_registration *reg)
{
  dc_status status = DC_OK;
  if (reg->redirect_uri != NULL) DCI_TRY(json_member(b, "redirect_uri", reg->redirect_uri));
  DCI_TRY(json_member(b, "client_id", reg->client_id));
  if (reg->client_secret != NULL)
    DCI_TRY(json_member(b, "client_secret", reg->client_secret));
  DCI_TRY(dci_buf_append_char(b, '}'));
done:
  return status;
}

static dc_status canonical_api(dc_client *c, const char *what, const char *url,
                               char **out)
{
  return dci_check_https_url(c, what, url, false, out);
}

/* What both token calls start with: *out NULL, the request body's buffer
 * (a secret: it carries the code or refresh token and the client secret),
 * and, with a handle (false without one), its detail and HTTP status
 * cleared. */
static bool token_call_start(dc_client *c, dci_buf *b, dc_token **out)
{
  dci_buf_init(b, TOKEN_BODY_MAX);
  b->secret = true;
  if (out != NULL) *out = NULL;
  if (c == NULL) return false;
  dci_clear(c);
  dci_set_http_status(c, 0);
  return true;
}

DC_API dc_status dc_token_exchange(dc_client *c, const char *api_url,
                                   const dc_settings *settings,
                                   const char *code, dc_token **out)
{
  dc_status status = DC_OK;
  char *canon = NULL;
  dci_buf b;
  if (!token_call_start(c, &b, out)) return DC_E_INVALID_ARG;
  if (api_url == NULL || code == NULL || out == NULL) {
    status = dci_fail(c, DC_E_INVALID_ARG, "token exchange: NULL api_url, code or out");
    goto done;
  }
  if (!vschar(code, DC_MAX_TOKEN_LEN)) {
    status = dci_fail(c, DC_E_INVALID_ARG,
                      "token exchange: the authorization code is empty, longer than "
                      "%d bytes or not printable ASCII", DC_MAX_TOKEN_LEN);
    goto done;
  }
  DCI_TRY(canonical_api(c, "api_url", api_url, &canon));
  const struct dci_registration *reg = find_reg(c->cfg, canon);
  if (reg == NULL) {
    status = dci_fail(c, DC_E_NOT_REGISTERED,
                      "token exchange: no provider registered for %s", canon);
    goto done;
  }
  if (settings != NULL && (settings->url_api == NULL ||
                           strcmp(settings->url_api, canon) != 0)) {
    status = dci_fail(c, DC_E_API_MISMATCH,
                      "token exchange: the settings' urlAPI %s is not %s",
                      settings->url_api ? settings->url_api : "(none)", canon);
    goto done;
  }
  /* docs/protocol.md §3.3; docs/security.md §6.3: a JSON body. */
  DCI_TRY(dci_buf_append_char(&b, '{'));
  DCI_TRY(json_member(&b, "grant_type", "authorization_code"));
  DCI_TRY(json_member(&b, "code", code));
  DCI_TRY(token_body_tail(&b, reg));
  status = token_call(c, reg, &b, reg->provider_id, false, code, out);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "token exchange: out of memory");
  dci_buf_free(&b);
  free(canon);
  return status;
}

/* A copy of `t` with `refresh` as its refresh token (storage form round
 * trip, so the token stays opaque here). */
static dc_status with_refresh_token(dc_client *c, const dc_token *t,
                                    const char *refresh, dc_token **out)
{
  dc_status status = DC_OK;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_TOKEN_JSON);
  b.secret = true;
  *out = NULL;
  DCI_TRY(dci_buf_append_char(&b, '{'));
  DCI_TRY(json_member(&b, "access_token", dc_token_access_token(t)));
  DCI_TRY(json_member(&b, "token_type", "bearer"));
  DCI_TRY(json_member(&b, "refresh_token", refresh));
  DCI_TRY(json_int_member(&b, "issued_at", (long long)dc_token_issued_at(t)));
  DCI_TRY(json_int_member(&b, "expires_at", (long long)dc_token_expires_at(t)));
  DCI_TRY(json_member(&b, "api_url", dc_token_api_url(t)));
  DCI_TRY(json_member(&b, "provider_id", dc_token_provider_id(t)));
  DCI_TRY(dci_buf_append_char(&b, '}'));
  status = dc_token_from_json(c, b.data, b.len, out);
done:
  dci_buf_free(&b);
  return status;
}

DC_API dc_status dc_token_refresh(dc_client *c, const dc_token *t, dc_token **out)
{
  dc_status status = DC_OK;
  char *canon = NULL;
  dc_token *fresh = NULL;
  dci_buf b;
  if (!token_call_start(c, &b, out)) return DC_E_INVALID_ARG;
  if (t == NULL || out == NULL) {
    status = dci_fail(c, DC_E_INVALID_ARG, "token refresh: NULL token or out");
    goto done;
  }
  const char *rt = dc_token_refresh_token(t);
  if (rt == NULL) {
    status = dci_fail(c, DC_E_TOKEN, "token refresh: the token has no refresh token");
    goto done;
  }
  DCI_TRY(canonical_api(c, "token api_url", dc_token_api_url(t), &canon));
  const struct dci_registration *reg = find_reg(c->cfg, canon);
  if (reg == NULL) {
    status = dci_fail(c, DC_E_NOT_REGISTERED,
                      "token refresh: no provider registered for %s", canon);
    goto done;
  }
  /* docs/protocol.md §3.3 (refresh grant); docs/security.md §6.3: nothing
   * secret in the URL (the reference client puts the secret in the query
   * here). */
  DCI_TRY(dci_buf_append_char(&b, '{'));
  DCI_TRY(json_member(&b, "grant_type", "refresh_token"));
  DCI_TRY(json_member(&b, "refresh_token", rt));
  DCI_TRY(token_body_tail(&b, reg));
  DCI_TRY(token_call(c, reg, &b, dc_token_provider_id(t), true, rt, &fresh));
  /* docs/security.md §6.6: a rotated refresh token replaces the old one; an
   * absent one keeps it. */
  if (dc_token_refresh_token(fresh) != NULL) {
    *out = fresh;
    fresh = NULL;
  } else {
    DCI_TRY(with_refresh_token(c, fresh, rt, out));
  }
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "token refresh: out of memory");
  dc_token_free(fresh);
  dci_buf_free(&b);
  free(canon);
  return status;
}

/* ---- bearer calls: apply and revert */

/* What the request checks produce. */
struct target {
  char *zone;
  char *host; /* NULL or "" = apex */
};

/* The same checks as dc_sync_apply_url (flow_sync/sync_url.c), minus
 * redirect_uri and state, which these calls do not carry. */
static dc_status check_request(dc_client *c, const dc_request *r, struct target *tg)
{
  dc_status status = DC_OK;
  if (r->domain == NULL) return dci_fail(c, DC_E_INVALID_ARG, "no domain set");
  if (r->provider_id == NULL) return dci_fail(c, DC_E_INVALID_ARG, "no provider id set");
  if (r->n_service_ids == 0) return dci_fail(c, DC_E_INVALID_ARG, "no service id set");
  if (r->n_service_ids > 1)
    return dci_fail(c, DC_E_INVALID_ARG, "one service id per call, %zu given",
                    r->n_service_ids);
  if (r->n_hosts > 1)
    return dci_fail(c, DC_E_INVALID_ARG, "one host per call, %zu given", r->n_hosts);
  DCI_TRY(dci_request_check_id(c, "provider id", r->provider_id));
  DCI_TRY(dci_request_check_id(c, "service id", r->service_ids[0]));
  for (size_t i = 0; i < r->n_group_ids; i++)
    DCI_TRY(dci_request_check_id(c, "group id", r->group_ids[i]));
  if (r->instance_id != NULL) DCI_TRY(dci_request_check_id(c, "instance id", r->instance_id));
  DCI_TRY(dci_request_zone(c, r, &tg->zone));
  if (r->n_hosts == 1) DCI_TRY(dci_request_host(c, r->hosts[0], &tg->host));
  DCI_TRY(dci_request_check_vars(c, r));
  if (r->provider_name != NULL)
    DCI_TRY(dci_request_check_text(c, "providerName", r->provider_name));
  if (r->service_name != NULL)
    DCI_TRY(dci_request_check_text(c, "serviceName", r->service_name));
done:
  return status;
}

/* docs/protocol.md §3.5 / §3.6: the parameters as an application/json body. */
static dc_status build_body(const dc_request *r, const struct target *tg,
                            bool revert, bool force, dci_buf *b)
{
  dc_status status = DC_OK;
  dci_buf groups;
  dci_buf_init(&groups, DC_MAX_QUERY_LEN);
  DCI_TRY(dci_buf_append_char(b, '{'));
  DCI_TRY(json_member(b, "domain", tg->zone));
  if (tg->host != NULL && tg->host[0] != '\0') DCI_TRY(json_member(b, "host", tg->host));
  if (!revert) {
    for (size_t i = 0; i < r->n_vars; i++)
      DCI_TRY(json_member(b, r->vars[i].name, r->vars[i].value));
    if (r->n_group_ids > 0) {
      for (size_t i = 0; i < r->n_group_ids; i++) {
        if (i > 0) DCI_TRY(dci_buf_append_char(&groups, ','));
        DCI_TRY(dci_buf_append_str(&groups, r->group_ids[i]));
      }
      DCI_TRY(json_member(b, "groupId", groups.data));
    }
    if (force) DCI_TRY(json_member(b, "force", "1"));
  }
  if (r->instance_id != NULL) DCI_TRY(json_member(b, "instanceId", r->instance_id));
  if (!revert) {
    if (r->provider_name != NULL) DCI_TRY(json_member(b, "providerName", r->provider_name));
    if (r->service_name != NULL) DCI_TRY(json_member(b, "serviceName", r->service_name));
  }
  DCI_TRY(dci_buf_append_char(b, '}'));
done:
  dci_buf_free(&groups);
  return status;
}

/* A 409 answer (docs/protocol.md §3.5: {"code","message","records"}): the
 * records go to *conflicts when the caller asked for them. */
static dc_status conflict_answer(dc_client *c, const char *op, const char *url,
                                 const dci_http_resp *resp, dc_conflicts **conflicts)
{
  dc_status status = DC_E_CONFLICT;
  if (conflicts == NULL) {
    dci_fail(c, status, "%s: HTTP 409 from %s: conflicting records", op, url);
    return status;
  }
  dc_conflicts *cf = NULL;
  dc_status pst = dc_conflicts_parse(c, resp->body.data ? resp->body.data : "",
                                     resp->body.len, &cf);
  if (pst == DC_OK) {
    *conflicts = cf;
    dci_fail(c, status, "%s: HTTP 409 from %s: %zu conflicting record%s", op, url,
             dc_conflicts_count(cf), dc_conflicts_count(cf) == 1 ? "" : "s");
  } else {
    char why[200];
    snprintf(why, sizeof why, "%s", dc_client_error(c));
    dci_fail(c, status, "%s: HTTP 409 from %s; the body was not usable (%s: %s)",
             op, url, dc_status_name(pst), why);
  }
  return status;
}

/* A non-2xx answer to apply or revert: its status and detail. */
static dc_status bearer_failure(dc_client *c, const char *op, bool revert,
                                const char *url, const dci_http_resp *resp,
                                const dc_token *t, dc_conflicts **conflicts)
{
  long code = resp->status;
  if (code == 409) return conflict_answer(c, op, url, resp, conflicts);
  char perr[300];
  provider_error(resp, perr, sizeof perr, NULL, 0);
  mask(perr, dc_token_access_token(t));
  if (code == 401)
    return dci_fail(c, DC_E_UNAUTHORIZED,
                    "%s: HTTP 401 from %s: the token is invalid, expired or "
                    "revoked%s", op, url, perr);
  if (revert && code == 501)
    return dci_fail(c, DC_E_REVERT_UNSUPPORTED,
                    "revert: HTTP 501 from %s: the provider does not support "
                    "revert%s", url, perr);
  if (revert && code == 410)
    return dci_fail(c, DC_E_NOT_APPLIED,
                    "revert: HTTP 410 from %s: the template is not applied "
                    "there%s", url, perr);
  return dci_fail(c, DC_E_HTTP_STATUS, "%s: HTTP %ld from %s%s", op, code, url, perr);
}

static dc_status bearer_call(dc_client *c, const dc_token *t,
                             const dc_settings *s, const dc_request *r,
                             bool revert, bool force, dc_conflicts **conflicts)
{
  const char *op = revert ? "revert" : "apply";
  dc_status status = DC_OK;
  char *canon = NULL, *url = NULL;
  struct target tg = {0};
  dci_http_resp resp;
  dci_buf u, b;
  dci_http_resp_init(&resp);
  dci_buf_init(&u, API_URL_MAX);
  dci_buf_init(&b, DC_MAX_QUERY_LEN);

  if (conflicts != NULL) *conflicts = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  dci_set_http_status(c, 0);
  if (t == NULL || r == NULL) {
    status = dci_fail(c, DC_E_INVALID_ARG, "%s: NULL token or request", op);
    goto done;
  }
  /* The token is bound to the API that issued it (docs/security.md §6.5):
   * the call goes there, and settings naming another API are refused. */
  DCI_TRY(canonical_api(c, "token api_url", dc_token_api_url(t), &canon));
  if (s != NULL && (s->url_api == NULL || strcmp(s->url_api, canon) != 0)) {
    status = dci_fail(c, DC_E_TOKEN_BINDING,
                      "%s: the settings' urlAPI %s is not the API the token was "
                      "issued by (%s)", op, s->url_api ? s->url_api : "(none)", canon);
    goto done;
  }
  DCI_TRY(check_request(c, r, &tg));
  status = build_body(r, &tg, revert, force, &b);
  if (status == DC_E_LIMIT) {
    status = dci_fail(c, DC_E_LIMIT, "%s: request body longer than %d bytes", op,
                      DC_MAX_QUERY_LEN);
    goto done;
  }
  if (status != DC_OK) goto done;

  DCI_TRY(dci_buf_append_str(&u, canon));
  DCI_TRY(dci_buf_append_str(&u, "/v2/domainTemplates/providers/"));
  DCI_TRY(dci_buf_append_str(&u, r->provider_id));
  DCI_TRY(dci_buf_append_str(&u, "/services/"));
  DCI_TRY(dci_buf_append_str(&u, r->service_ids[0]));
  DCI_TRY(dci_buf_append_str(&u, revert ? "/revert" : "/apply"));
  url = dci_buf_take(&u);
  if (url == NULL) { status = DC_E_NOMEM; goto done; }

  time_t now = time(NULL);
  if (dc_token_expired(t, now, -1)) {
    status = dci_fail(c, DC_E_TOKEN_EXPIRED,
                      "%s: the access token expired (or expires within %d s); "
                      "refresh it first", op, DC_DEFAULT_TOKEN_SKEW);
    goto done;
  }
  dci_http_req req = {
    .method = "POST",
    .url = url,
    .content_type = "application/json",
    .body = b.data,
    .body_len = b.len,
    .bearer = dc_token_access_token(t),
    .max_body = DC_MAX_API_BODY,
    .total_timeout_ms = oauth_timeout(c),
    .fresh_connection = true,
  };
  DCI_TRY(dci_http_perform(c, &req, &resp));
  /* any 2xx, 202 with no body included */
  if (!is_2xx(resp.status))
    status = bearer_failure(c, op, revert, url, &resp, t, conflicts);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "%s: out of memory", op);
  dci_http_resp_free(&resp);
  dci_buf_free(&u);
  dci_buf_free(&b);
  free(tg.zone);
  free(tg.host);
  free(canon);
  free(url);
  return status;
}

DC_API dc_status dc_oauth_apply(dc_client *c, const dc_token *t,
                                const dc_settings *settings, const dc_request *r,
                                bool force, dc_conflicts **conflicts)
{
  return bearer_call(c, t, settings, r, false, force, conflicts);
}

DC_API dc_status dc_oauth_revert(dc_client *c, const dc_token *t,
                                 const dc_settings *settings, const dc_request *r)
{
  return bearer_call(c, t, settings, r, true, 0, NULL);
}
