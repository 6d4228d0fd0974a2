/* The OAuth calls of the asynchronous flow, second half (docs/protocol.md
 * §3.5, §3.6; docs/security.md §6.5): the bearer calls apply and revert,
 * their options, signing and auto-refresh.
 *
 * Decisions beyond net.h:
 *   - Apply/revert need no registration: the token carries its API URL (the
 *     registered one it was issued by) and the call goes there only (an
 *     auto-refresh needs the registration, as dc_token_refresh does). The
 *     request is validated as for dc_sync_apply_url (redirect_uri and state
 *     are not part of these calls and are ignored); revert validates the
 *     same fields but sends only domain, host and instanceId.
 *   - Query placement (the default): the pairs are encoded with the
 *     default profile (proto/query.c: RFC 3986, sorted by encoded name)
 *     after the path, the body is empty (no Content-Type). A signer signs
 *     exactly those query bytes (dc_sign) and appends &key=..&sig=..
 *     (dci_query_append_sig), as the synchronous flow does. A URL over
 *     DC_MAX_URL_LEN (the guard's limit) is DC_E_LIMIT.
 *   - Body placement: a JSON object capped at DC_MAX_QUERY_LEN (DC_E_LIMIT).
 *     A signer with body placement, or on revert, is DC_E_INVALID_ARG: what
 *     the signature would cover is not defined there.
 *   - Expiry (dc_token_expired with the default skew) is checked after the
 *     request, right before sending; with auto-refresh the token is
 *     refreshed there instead, the callback stores the rotated token, and
 *     the call is made once with it.
 *   - The call's secrets (the access token, the refresh token, and the
 *     registration's client secret when known) mask every piece of server
 *     text: the Location of a redirect, the error fields, and every string
 *     of a 409 body handed back in *conflicts (core/mask.h). A 409 body that
 *     does not parse is reported by its status only.
 *   - 409 on revert is DC_E_CONFLICT too (no records are returned). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/conflicts.h"
#include "domainconnect/sign.h"
#include "flow_async/oauth_internal.h"
#include "guard/url_rules.h"
#include "proto/query.h"
#include "proto/request.h"
#include "proto/settings.h"

/* Fixed parameters besides the variables: domain, host, groupId, force,
 * instanceId, providerName, serviceName. */
#define BEARER_FIXED_PARAMS 7

struct dc_oauth_opts {
  bool force;
  dc_params_in where;
  const dc_signer *signer;
  dc_token_rotated_fn rotated;
  void *user;
};

DC_API dc_status dc_oauth_opts_new(dc_oauth_opts **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = calloc(1, sizeof **out);
  return *out ? DC_OK : DC_E_NOMEM;
}

DC_API void dc_oauth_opts_free(dc_oauth_opts *o) { free(o); }

DC_API dc_status dc_oauth_opts_set_force(dc_oauth_opts *o, bool force)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  o->force = force;
  return DC_OK;
}

DC_API dc_status dc_oauth_opts_set_params_in(dc_oauth_opts *o, dc_params_in where)
{
  if (o == NULL || (where != DC_PARAMS_IN_QUERY && where != DC_PARAMS_IN_BODY))
    return DC_E_INVALID_ARG;
  o->where = where;
  return DC_OK;
}

DC_API dc_status dc_oauth_opts_set_signer(dc_oauth_opts *o, const dc_signer *s)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  o->signer = s;
  return DC_OK;
}

DC_API dc_status dc_oauth_opts_set_auto_refresh(dc_oauth_opts *o, dc_token_rotated_fn fn,
                                                void *user)
{
  if (o == NULL) return DC_E_INVALID_ARG;
  o->rotated = fn;
  o->user = fn ? user : NULL;
  return DC_OK;
}

/* ---- the request */

/* What the request checks produce, and the parameters to send. */
struct target {
  char *zone;
  char *host; /* NULL or "" = apex */
  struct dci_pair *pairs;
  size_t n;
  dci_buf groups;
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

/* docs/protocol.md §3.5 / §3.6: the parameters, in the order they go into
 * a body (a query sorts them). groupId is one comma-separated value; force
 * is "1" (the spec's grammar) and absent when false. */
static dc_status collect_params(const dc_request *r, bool revert, bool force,
                                struct target *tg)
{
  dc_status status = DC_OK;
  tg->pairs = calloc(BEARER_FIXED_PARAMS + r->n_vars, sizeof *tg->pairs);
  if (tg->pairs == NULL) return DC_E_NOMEM;
  struct dci_pair *p = tg->pairs;
  size_t n = 0;
  p[n++] = (struct dci_pair){"domain", tg->zone};
  if (tg->host != NULL && tg->host[0] != '\0') p[n++] = (struct dci_pair){"host", tg->host};
  if (!revert) {
    for (size_t i = 0; i < r->n_vars; i++)
      p[n++] = (struct dci_pair){r->vars[i].name, r->vars[i].value};
    for (size_t i = 0; i < r->n_group_ids; i++) {
      if (i > 0) DCI_TRY(dci_buf_append_char(&tg->groups, ','));
      DCI_TRY(dci_buf_append_str(&tg->groups, r->group_ids[i]));
    }
    if (r->n_group_ids > 0) p[n++] = (struct dci_pair){"groupId", tg->groups.data};
    if (force) p[n++] = (struct dci_pair){"force", "1"};
  }
  if (r->instance_id != NULL) p[n++] = (struct dci_pair){"instanceId", r->instance_id};
  if (!revert) {
    if (r->provider_name != NULL) p[n++] = (struct dci_pair){"providerName", r->provider_name};
    if (r->service_name != NULL) p[n++] = (struct dci_pair){"serviceName", r->service_name};
  }
done:
  tg->n = n;
  return status;
}

static dc_status build_body(const struct target *tg, dci_buf *b)
{
  dc_status status = DC_OK;
  DCI_TRY(dci_buf_append_char(b, '{'));
  for (size_t i = 0; i < tg->n; i++)
    DCI_TRY(dci_oauth_json_member(b, tg->pairs[i].name, tg->pairs[i].value));
  DCI_TRY(dci_buf_append_char(b, '}'));
done:
  return status;
}

/* {api}/v2/domainTemplates/providers/{p}/services/{s}/{op}[?query] into u,
 * the query signed when `signer` is set. */
static dc_status build_url(dc_client *c, const char *op, const char *canon,
                           const dc_request *r, const struct target *tg, bool query,
                           const dc_signer *signer, dci_buf *u)
{
  dc_status status = DC_OK;
  char *sig = NULL;
  dci_buf q;
  dci_buf_init(&q, DC_MAX_QUERY_LEN);
  DCI_TRY(dci_buf_append_str(u, canon));
  DCI_TRY(dci_buf_append_str(u, "/v2/domainTemplates/providers/"));
  DCI_TRY(dci_buf_append_str(u, r->provider_id));
  DCI_TRY(dci_buf_append_str(u, "/services/"));
  DCI_TRY(dci_buf_append_str(u, r->service_ids[0]));
  DCI_TRY(dci_buf_append_char(u, '/'));
  DCI_TRY(dci_buf_append_str(u, op));
  if (query) {
    DCI_TRY(dci_query_encode_checked(c, tg->pairs, tg->n, DC_PROFILE_DEFAULT, &q));
    /* Spec "Digitally Sign Requests": the signature covers exactly the
     * query bytes that are sent, before the key and sig pairs. */
    if (signer != NULL) {
      DCI_TRY(dc_sign(c, signer, q.data ? q.data : "", q.len, &sig));
      DCI_TRY(dci_query_append_sig(&q, DC_PROFILE_DEFAULT, sig, dc_signer_key_id(signer)));
    }
    DCI_TRY(dci_buf_append_char(u, '?'));
    DCI_TRY(dci_buf_append(u, q.data ? q.data : "", q.len));
  }
  if (u->len > DC_MAX_URL_LEN) status = DC_E_LIMIT;
done:
  if (status == DC_E_LIMIT)
    status = dci_fail(c, DC_E_LIMIT,
                      "%s: the URL with its query would be longer than %d bytes; "
                      "send the parameters in the body (DC_PARAMS_IN_BODY)", op,
                      DC_MAX_URL_LEN);
  dc_free(sig);
  dci_buf_free(&q);
  return status;
}

/* ---- answers */

/* Masks every string of a parsed 409 body with the call's secrets, as one
 * joined text (core/mask.h). */
static void mask_conflicts(dc_client *c, dc_conflicts *cf)
{
  const struct dci_secrets *set = dci_secrets_current(c);
  size_t n = 2 + 3 * cf->count, k = 0;
  char **texts = calloc(n, sizeof *texts);
  size_t *lens = calloc(n, sizeof *lens);
  if (texts == NULL || lens == NULL) {
    /* when in doubt, drop the server's text */
    free(cf->message);
    cf->message = NULL;
    for (size_t i = 0; i < cf->count; i++) {
      if (cf->recs[i].data) memset(cf->recs[i].data, '*', strlen(cf->recs[i].data));
      if (cf->recs[i].host) memset(cf->recs[i].host, '*', strlen(cf->recs[i].host));
    }
    goto done;
  }
  char *fixed[2] = {cf->code, cf->message};
  for (size_t i = 0; i < 2; i++)
    if (fixed[i] != NULL) texts[k++] = fixed[i];
  for (size_t i = 0; i < cf->count; i++) {
    char *f[3] = {cf->recs[i].type, cf->recs[i].host, cf->recs[i].data};
    for (size_t j = 0; j < 3; j++)
      if (f[j] != NULL) texts[k++] = f[j];
  }
  for (size_t i = 0; i < k; i++) lens[i] = strlen(texts[i]);
  (void)dci_mask_texts(set, texts, lens, k);
done:
  free(texts);
  free(lens);
}

/* A 409 answer (docs/protocol.md §3.5: {"code","message","records"}): the
 * records go to *conflicts when the caller asked for them. `where` names
 * the endpoint (no query). */
static dc_status conflict_answer(dc_client *c, const char *op, const char *where,
                                 const dci_http_resp *resp, dc_conflicts **conflicts)
{
  dc_status status = DC_E_CONFLICT;
  if (conflicts == NULL) {
    dci_fail(c, status, "%s: HTTP 409 from %s: conflicting records", op, where);
    return status;
  }
  dc_conflicts *cf = NULL;
  dc_status pst = dc_conflicts_parse(c, resp->body.data ? resp->body.data : "",
                                     resp->body.len, &cf);
  if (pst == DC_OK) {
    mask_conflicts(c, cf);
    *conflicts = cf;
    dci_fail(c, status, "%s: HTTP 409 from %s: %zu conflicting record%s", op, where,
             dc_conflicts_count(cf), dc_conflicts_count(cf) == 1 ? "" : "s");
  } else {
    /* the parser's detail may quote the body: only its status */
    dci_fail(c, status, "%s: HTTP 409 from %s; the body was not usable (%s)", op, where,
             dc_status_name(pst));
  }
  return status;
}

/* A non-2xx answer to apply or revert: its status and detail. */
static dc_status bearer_failure(dc_client *c, const char *op, bool revert,
                                const char *where, const dci_http_resp *resp,
                                dc_conflicts **conflicts)
{
  long code = resp->status;
  if (code == 409) return conflict_answer(c, op, where, resp, conflicts);
  char perr[300];
  dci_oauth_provider_error(c, resp, perr, sizeof perr, NULL, 0);
  if (code == 401)
    return dci_fail(c, DC_E_UNAUTHORIZED,
                    "%s: HTTP 401 from %s: the token is invalid, expired or "
                    "revoked%s", op, where, perr);
  if (revert && code == 501)
    return dci_fail(c, DC_E_REVERT_UNSUPPORTED,
                    "revert: HTTP 501 from %s: the provider does not support "
                    "revert%s", where, perr);
  if (revert && code == 410)
    return dci_fail(c, DC_E_NOT_APPLIED,
                    "revert: HTTP 410 from %s: the template is not applied "
                    "there%s", where, perr);
  return dci_fail(c, DC_E_HTTP_STATUS, "%s: HTTP %ld from %s%s", op, code, where, perr);
}

/* ---- expiry and auto-refresh */

/* A usable token in *use: `t` itself, or (auto-refresh) a refreshed one in
 * *fresh, handed to the caller's callback first. */
static dc_status usable_token(dc_client *c, const char *op, const dc_token *t,
                              const dc_oauth_opts *o, dc_token **fresh,
                              const dc_token **use)
{
  dc_status status = DC_OK;
  *use = t;
  if (!dc_token_expired(t, time(NULL), -1)) return DC_OK;
  if (o == NULL || o->rotated == NULL)
    return dci_fail(c, DC_E_TOKEN_EXPIRED,
                    "%s: the access token expired (or expires within the skew: %d s, "
                    "at most a quarter of its lifetime); refresh it first", op,
                    DC_DEFAULT_TOKEN_SKEW);
  status = dc_token_refresh(c, t, fresh);
  if (status != DC_OK) {
    char why[sizeof dci_call_of(c)->err];
    snprintf(why, sizeof why, "%s", dc_client_error(c));
    return dci_fail(c, status, "%s: auto-refresh failed: %s", op, why);
  }
  status = o->rotated(o->user, *fresh);
  if (status != DC_OK)
    return dci_fail(c, status, "%s: the rotated token was not stored (%s); the call "
                    "was not made", op, dc_status_name(status));
  *use = *fresh;
  return DC_OK;
}

/* ---- the call */

static dc_status bearer_call(dc_client *c, const dc_token *t,
                             const dc_settings *s, const dc_request *r,
                             const dc_oauth_opts *o, bool revert,
                             dc_conflicts **conflicts)
{
  const char *op = revert ? "revert" : "apply";
  dc_status status = DC_OK;
  char *canon = NULL, *where = NULL;
  dc_token *fresh = NULL;
  const dc_token *use = t;
  struct target tg = {0};
  struct dci_secrets secrets = {.n = 0};
  const struct dci_secrets *prev = NULL;
  bool body = o != NULL && o->where == DC_PARAMS_IN_BODY;
  dci_http_resp resp;
  dci_buf u, b;
  dci_http_resp_init(&resp);
  dci_buf_init(&u, DCI_API_URL_MAX + DC_MAX_QUERY_LEN);
  dci_buf_init(&b, DC_MAX_QUERY_LEN);
  dci_buf_init(&tg.groups, DC_MAX_QUERY_LEN);

  if (conflicts != NULL) *conflicts = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  dci_set_http_status(c, 0);
  prev = dci_secrets_begin(c, &secrets);
  if (t == NULL || r == NULL) {
    status = dci_fail(c, DC_E_INVALID_ARG, "%s: NULL token or request", op);
    goto done;
  }
  if (o != NULL && o->signer != NULL && (body || revert)) {
    status = dci_fail(c, DC_E_INVALID_ARG,
                      "%s: a signature covers the query: it cannot sign %s", op,
                      revert ? "a revert" : "parameters sent in the body");
    goto done;
  }
  /* The token is bound to the API that issued it (docs/security.md §6.5):
   * the call goes there, and settings naming another API are refused. */
  DCI_TRY(dci_check_https_url(c, "token api_url", dc_token_api_url(t), false, &canon));
  if (s != NULL && (s->url_api == NULL || strcmp(s->url_api, canon) != 0)) {
    status = dci_fail(c, DC_E_TOKEN_BINDING,
                      "%s: the settings' urlAPI %s is not the API the token was "
                      "issued by (%s)", op, s->url_api ? s->url_api : "(none)", canon);
    goto done;
  }
  const struct dci_registration *reg = dci_oauth_find_reg(c->cfg, canon);
  dci_secrets_add(&secrets, dc_token_access_token(t));
  dci_secrets_add(&secrets, dc_token_refresh_token(t));
  if (reg != NULL) dci_secrets_add(&secrets, reg->client_secret);
  DCI_TRY(check_request(c, r, &tg));
  DCI_TRY(collect_params(r, revert, o != NULL && o->force, &tg));
  if (body) {
    status = build_body(&tg, &b);
    if (status == DC_E_LIMIT)
      status = dci_fail(c, DC_E_LIMIT, "%s: request body longer than %d bytes", op,
                        DC_MAX_QUERY_LEN);
    if (status != DC_OK) goto done;
  }
  DCI_TRY(build_url(c, op, canon, r, &tg, !body, o ? o->signer : NULL, &u));
  where = dcx_strndup(u.data, strcspn(u.data, "?"));
  if (where == NULL) { status = DC_E_NOMEM; goto done; }

  DCI_TRY(usable_token(c, op, t, o, &fresh, &use));
  dci_secrets_add(&secrets, dc_token_access_token(use));
  dci_secrets_add(&secrets, dc_token_refresh_token(use));
  dci_http_req req = {
    .method = "POST",
    .url = u.data,
    .content_type = body ? "application/json" : NULL,
    .body = body ? b.data : NULL,
    .body_len = body ? b.len : 0,
    .bearer = dc_token_access_token(use),
    .max_body = DC_MAX_API_BODY,
    .total_timeout_ms = dci_oauth_timeout(c),
    .fresh_connection = true,
  };
  DCI_TRY(dci_http_perform(c, &req, &resp));
  /* any 2xx, 202 with no body included */
  if (!dci_is_2xx(resp.status))
    status = bearer_failure(c, op, revert, where, &resp, conflicts);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "%s: out of memory", op);
  dci_secrets_end(c, prev);
  dci_http_resp_free(&resp);
  dc_token_free(fresh);
  dci_buf_free(&u);
  dci_buf_free(&b);
  dci_buf_free(&tg.groups);
  free(tg.pairs);
  free(tg.zone);
  free(tg.host);
  free(canon);
  free(where);
  return status;
}

DC_API dc_status dc_oauth_apply(dc_client *c, const dc_token *t,
                                const dc_settings *settings, const dc_request *r,
                                const dc_oauth_opts *o, dc_conflicts **conflicts)
{
  return bearer_call(c, t, settings, r, o, false, conflicts);
}

DC_API dc_status dc_oauth_revert(dc_client *c, const dc_token *t,
                                 const dc_settings *settings, const dc_request *r,
                                 const dc_oauth_opts *o)
{
  return bearer_call(c, t, settings, r, o, true, NULL);
}
