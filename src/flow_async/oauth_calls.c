/* The OAuth calls of the asynchronous flow, first half (docs/protocol.md
 * §3.3, §3.8; docs/security.md §6): provider registrations and the token
 * endpoint (exchange and refresh). Apply and revert: oauth_bearer.c.
 *
 * Decisions beyond net.h:
 *   - Registration: client_id is 1..DC_MAX_PARAM_VALUE printable ASCII
 *     (RFC 6749 A.1, VSCHAR); client_secret may be NULL (a secret-less
 *     deployment agreed at onboarding: the field is then not sent), else the
 *     same syntax. redirect_uri is checked like the consent URL's. A
 *     dns_provider_id must be a dc-id; without one the API URL's host is
 *     used, and a host longer than a dc-id (63) needs an explicit id.
 *     Registrations are keyed by the canonical API URL; (re-)registering
 *     sets the token placement to DC_TOKEN_PARAMS_DEFAULT.
 *   - Token calls (placement by the registration's dc_token_params, net.h):
 *     query pairs are encoded as the reference client's urlencode does
 *     (DC_PROFILE_PYTHON: sorted by name, quote_plus), the body is a JSON
 *     object built by the escaper below into a buffer that is wiped. A URL
 *     that would exceed DC_MAX_URL_LEN is DC_E_LIMIT before anything is
 *     sent (the guard would refuse it and quote its start). The code must
 *     be 1..DC_MAX_TOKEN_LEN VSCHAR (RFC 6749 A.11). Details never quote a
 *     URL's query: they name the endpoint without it.
 *   - 4xx/5xx of the token endpoint: DC_E_HTTP_STATUS; the detail holds the
 *     provider's error (<= 64 bytes) and error_description (<= 160 bytes),
 *     masked with the call's secrets (client secret, code or refresh token:
 *     core/mask.h) before they are sanitised and cut.
 *   - Refresh keeps the issuing token's provider_id (a refresh-only token
 *     without one gets the registration's); the API URL is the
 *     registration's (the same canonical URL).
 *   - Every OAuth call uses a fresh connection (they all carry a secret) and
 *     a total timeout of DC_DEFAULT_OAUTH_TIMEOUT_MS unless the client set
 *     one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/validate.h"
#include "flow_async/oauth_internal.h"
#include "guard/url_rules.h"
#include "proto/query.h"
#include "proto/request.h"
#include "proto/settings.h"

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

dc_status dci_oauth_json_member(dci_buf *b, const char *key, const char *value)
{
  dc_status st = DC_OK;
  if (b->len > 1) st = dci_buf_append_char(b, ',');
  if (st == DC_OK) st = dci_json_append_str(b, key);
  if (st == DC_OK) st = dci_buf_append_char(b, ':');
  if (st == DC_OK) st = dci_json_append_str(b, value);
  return st;
}
#define json_member dci_oauth_json_member

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

/* A string member's bytes copied for masking (NULL when absent, not a
 * string, or out of memory). */
static char *member_copy(json_t *root, const char *key, size_t *len)
{
  json_t *v = json_object_get(root, key);
  *len = 0;
  if (!json_is_string(v)) return NULL;
  *len = json_string_length(v);
  char *p = malloc(*len + 1);
  if (p != NULL) memcpy(p, json_string_value(v), *len + 1);
  return p;
}

void dci_oauth_provider_error(dc_client *c, const dci_http_resp *resp, char *out,
                              size_t outsz, char *error_code, size_t ecsz)
{
  json_t *root = NULL;
  out[0] = '\0';
  if (error_code != NULL) error_code[0] = '\0';
  if (resp->body.data == NULL || resp->body.len == 0) return;
  if (dci_json_load(NULL, "error body", resp->body.data, resp->body.len,
                    DC_MAX_CONFLICT_JSON, true, true, &root) != DC_OK)
    return;
  size_t len[2];
  char *text[2];
  text[0] = member_copy(root, "error", &len[0]);
  text[1] = member_copy(root, "error_description", &len[1]);
  if (text[1] == NULL) text[1] = member_copy(root, "message", &len[1]);
  json_decref(root);
  /* One rule for both fields, compared joined: a secret split across them
   * is found (core/mask.h); masked before anything is cut. */
  char *ptrs[2] = {text[0] ? text[0] : (char *)"", text[1] ? text[1] : (char *)""};
  size_t lens[2] = {text[0] ? len[0] : 0, text[1] ? len[1] : 0};
  (void)dci_mask_texts(dci_secrets_current(c), ptrs, lens, 2);
  char es[80] = "", ds[200] = "";
  if (text[0] != NULL) dci_sanitize(es, sizeof es, text[0], len[0], 64);
  if (text[1] != NULL) dci_sanitize(ds, sizeof ds, text[1], len[1], 160);
  if (es[0] != '\0' && ds[0] != '\0') snprintf(out, outsz, " (%s: %s)", es, ds);
  else if (es[0] != '\0') snprintf(out, outsz, " (%s)", es);
  else if (ds[0] != '\0') snprintf(out, outsz, " (%s)", ds);
  if (error_code != NULL) snprintf(error_code, ecsz, "%s", es);
  for (size_t i = 0; i < 2; i++)
    if (text[i] != NULL) dci_free_secret(text[i]);
}

long dci_oauth_timeout(const dc_client *c)
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

const struct dci_registration *dci_oauth_find_reg(const struct dci_config *cfg,
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
  if (dci_oauth_find_reg(c->cfg, s->url_api) != NULL) return DC_OK;
  /* docs/protocol.md §3.8: a settings document pointing elsewhere must never
   * receive the client secret. */
  return dci_fail(c, DC_E_API_MISMATCH,
                  "the discovered urlAPI %s is not a registered provider API",
                  s->url_api);
}

DC_API dc_status dc_client_set_token_params(dc_client *c, const char *api_url,
                                            dc_token_params p)
{
  dc_status status = DC_OK;
  char *canon = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  struct dci_config *cfg = dci_config_mut(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (api_url == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "token params: api_url is NULL");
  if (p != DC_TOKEN_PARAMS_DEFAULT && p != DC_TOKEN_PARAMS_REFERENCE &&
      p != DC_TOKEN_PARAMS_BODY)
    return dci_fail(c, DC_E_INVALID_ARG, "token params: unknown placement %d", (int)p);
  DCI_TRY(dci_check_https_url(c, "api_url", api_url, false, &canon));
  struct dci_registration *reg = NULL;
  for (size_t i = 0; i < cfg->n_regs && reg == NULL; i++)
    if (strcmp(cfg->regs[i].api_url, canon) == 0) reg = &cfg->regs[i];
  if (reg == NULL) {
    status = dci_fail(c, DC_E_NOT_REGISTERED, "token params: no provider registered for %s",
                      canon);
    goto done;
  }
  reg->token_params = (int)p;
done:
  free(canon);
  return status;
}

/* ---- token endpoint */

/* One token request being built: the pairs of its query (raw; encoded
 * later) and its JSON body (a secret buffer). */
struct token_req {
  struct dci_pair q[8];
  size_t nq;
  dci_buf body;
};

static void q_add(struct token_req *tr, const char *name, const char *value)
{
  tr->q[tr->nq++] = (struct dci_pair){name, value};
}

/* docs/protocol.md §3.3 with the registration's placement (net.h
 * dc_token_params). `grant_key` is "code" or "refresh_token". */
static dc_status token_params(const struct dci_registration *reg, bool refresh,
                              const char *grant_value, struct token_req *tr)
{
  dc_status status = DC_OK;
  const char *grant = refresh ? "refresh_token" : "authorization_code";
  const char *key = refresh ? "refresh_token" : "code";
  int mode = reg->token_params;
  /* everything in the body: BODY always, DEFAULT for refresh */
  bool all_body = mode == DC_TOKEN_PARAMS_BODY || (refresh && mode == DC_TOKEN_PARAMS_DEFAULT);
  DCI_TRY(dci_buf_append_char(&tr->body, '{'));
  if (all_body) {
    DCI_TRY(json_member(&tr->body, "grant_type", grant));
    DCI_TRY(json_member(&tr->body, key, grant_value));
    if (reg->redirect_uri != NULL)
      DCI_TRY(json_member(&tr->body, "redirect_uri", reg->redirect_uri));
  } else {
    /* The reference client: grant_type, the code or refresh token and
     * redirect_uri in the query; on refresh (REFERENCE only) the client
     * credentials in the query too. */
    q_add(tr, "grant_type", grant);
    q_add(tr, key, grant_value);
    if (reg->redirect_uri != NULL) q_add(tr, "redirect_uri", reg->redirect_uri);
    if (refresh) {
      q_add(tr, "client_id", reg->client_id);
      if (reg->client_secret != NULL) q_add(tr, "client_secret", reg->client_secret);
    }
  }
  DCI_TRY(json_member(&tr->body, "client_id", reg->client_id));
  if (reg->client_secret != NULL)
    DCI_TRY(json_member(&tr->body, "client_secret", reg->client_secret));
  DCI_TRY(dci_buf_append_char(&tr->body, '}'));
done:
  return status;
}

/* The endpoint URL with the request's query (a secret buffer). The detail
 * never quotes it. */
static dc_status token_url(dc_client *c, const struct dci_registration *reg,
                           const struct token_req *tr, dci_buf *u)
{
  dc_status status = DC_OK;
  DCI_TRY(dci_buf_append_str(u, reg->api_url));
  DCI_TRY(dci_buf_append_str(u, "/v2/oauth/access_token"));
  if (tr->nq > 0) {
    DCI_TRY(dci_buf_append_char(u, '?'));
    status = dci_query_encode(tr->q, tr->nq, DC_PROFILE_PYTHON, u);
  }
  if (status == DC_OK && u->len > DC_MAX_URL_LEN)
    status = DC_E_LIMIT;
  if (status == DC_E_LIMIT)
    status = dci_fail(c, DC_E_LIMIT,
                      "token endpoint: the request's URL would be longer than %d bytes "
                      "(the code or refresh token is too long for this placement)",
                      DC_MAX_URL_LEN);
done:
  return status;
}

static bool is_client_error(const char *ecode)
{
  return strcmp(ecode, "invalid_client") == 0 || strcmp(ecode, "invalid_request") == 0;
}

/* The detail of a non-2xx token answer (the endpoint named without a
 * query); docs/security.md §6.4. */
static dc_status token_failure(dc_client *c, const struct dci_registration *reg,
                               bool refresh, const dci_http_resp *resp)
{
  char perr[300], ecode[80];
  dci_oauth_provider_error(c, resp, perr, sizeof perr, ecode, sizeof ecode);
  const char *hint = "";
  /* invalid_grant on a refresh: the user must consent again. */
  if (refresh && strcmp(ecode, "invalid_grant") == 0)
    hint = "; re-consent needed (the refresh token was refused)";
  else if (refresh && is_client_error(ecode) &&
           reg->token_params != DC_TOKEN_PARAMS_REFERENCE)
    hint = "; some providers accept a refresh only with the client credentials in "
           "the query: try the reference placement (dc_client_set_token_params "
           "DC_TOKEN_PARAMS_REFERENCE, CLI --token-params reference), which puts "
           "the client secret and refresh token in the URL";
  return dci_fail(c, DC_E_HTTP_STATUS, "token endpoint: HTTP %ld from %s/v2/oauth/"
                  "access_token%s%s", resp->status, reg->api_url, perr, hint);
}

/* POST {api}/v2/oauth/access_token; parses a 2xx into *out. The client
 * secret and `grant_value` (code or refresh token) are the call's secrets. */
static dc_status token_call(dc_client *c, const struct dci_registration *reg,
                            bool refresh, const char *grant_value,
                            const char *provider_id, dc_token **out)
{
  dc_status status = DC_OK;
  struct token_req tr = {.nq = 0};
  struct dci_secrets secrets = {.n = 0};
  dci_http_resp resp;
  dci_buf u;
  dci_http_resp_init(&resp);
  resp.body.secret = true;
  dci_buf_init(&u, DCI_API_URL_MAX + DC_MAX_QUERY_LEN);
  u.secret = true;
  dci_buf_init(&tr.body, TOKEN_BODY_MAX);
  tr.body.secret = true;
  dci_secrets_add(&secrets, reg->client_secret);
  dci_secrets_add(&secrets, grant_value);
  const struct dci_secrets *prev = dci_secrets_begin(c, &secrets);

  DCI_TRY(token_params(reg, refresh, grant_value, &tr));
  DCI_TRY(token_url(c, reg, &tr, &u));
  dci_http_req req = {
    .method = "POST",
    .url = u.data,
    .content_type = "application/json",
    .body = tr.body.data,
    .body_len = tr.body.len,
    .max_body = DC_MAX_TOKEN_BODY,
    .total_timeout_ms = dci_oauth_timeout(c),
    .fresh_connection = true,
  };
  DCI_TRY(dci_http_perform(c, &req, &resp));
  if (!dci_is_2xx(resp.status)) {
    status = token_failure(c, reg, refresh, &resp);
    goto done;
  }
  status = dc_token_parse_response(c, resp.body.data ? resp.body.data : "",
                                   resp.body.len, reg->api_url, provider_id,
                                   time(NULL), out);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "token: out of memory");
  dci_secrets_end(c, prev);
  resp_free_secret(&resp);
  dci_buf_free(&u);
  dci_buf_free(&tr.body);
  return status;
}

static dc_status canonical_api(dc_client *c, const char *what, const char *url,
                               char **out)
{
  return dci_check_https_url(c, what, url, false, out);
}

/* What both token calls start with: *out NULL and, with a handle (false
 * without one), its detail and HTTP status cleared. */
static bool token_call_start(dc_client *c, dc_token **out)
{
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
  if (!token_call_start(c, out)) return DC_E_INVALID_ARG;
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
  const struct dci_registration *reg = dci_oauth_find_reg(c->cfg, canon);
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
  status = token_call(c, reg, false, code, reg->provider_id, out);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "token exchange: out of memory");
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
  if (!token_call_start(c, out)) return DC_E_INVALID_ARG;
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
  const struct dci_registration *reg = dci_oauth_find_reg(c->cfg, canon);
  if (reg == NULL) {
    status = dci_fail(c, DC_E_NOT_REGISTERED,
                      "token refresh: no provider registered for %s", canon);
    goto done;
  }
  /* docs/protocol.md §3.3 (refresh grant); placement: net.h
   * dc_token_params (docs/security.md §6.3). */
  const char *pid = dc_token_provider_id(t) ? dc_token_provider_id(t) : reg->provider_id;
  DCI_TRY(token_call(c, reg, true, rt, pid, &fresh));
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
  free(canon);
  return status;
}
