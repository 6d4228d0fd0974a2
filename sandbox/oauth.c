/* domainconnect-sandbox: authorization codes and tokens (docs/protocol.md
 * §3.2-§3.3). */
#include "oauth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util.h"

struct code_ent {
  char hash[65];
  char family[65];   /* the code's hash: links tokens to the code */
  struct sbx_grant g;
  time_t expires;
  bool used;
};

struct token_ent {
  char hash[65];
  char family[65];
  bool refresh;
  bool revoked;
  time_t expires;
  struct sbx_grant g;
};

struct sbx_oauth {
  pthread_mutex_t mu;
  char *path;
  long code_lifetime, token_lifetime;
  struct code_ent *codes;
  size_t n_codes;
  struct token_ent *tokens;
  size_t n_tokens;
};

/* ---- grants */
static void strv_free(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static char **strv_copy(char *const *v, size_t n)
{
  char **d = calloc(n + 1, sizeof *d);
  if (d == NULL) return NULL;
  for (size_t i = 0; i < n; i++)
    if ((d[i] = dcx_strdup(v[i])) == NULL) {
      strv_free(d, i);
      return NULL;
    }
  return d;
}

void sbx_grant_clear(struct sbx_grant *g)
{
  free(g->client_id);
  free(g->redirect_uri);
  free(g->domain);
  strv_free(g->hosts, g->n_hosts);
  free(g->provider_id);
  strv_free(g->scopes, g->n_scopes);
  memset(g, 0, sizeof *g);
}

bool sbx_grant_copy(struct sbx_grant *d, const struct sbx_grant *s)
{
  memset(d, 0, sizeof *d);
  d->client_id = dcx_strdup(s->client_id);
  d->redirect_uri = s->redirect_uri ? dcx_strdup(s->redirect_uri) : NULL;
  d->domain = dcx_strdup(s->domain);
  d->provider_id = dcx_strdup(s->provider_id);
  d->hosts = strv_copy(s->hosts, s->n_hosts);
  d->n_hosts = s->n_hosts;
  d->scopes = strv_copy(s->scopes, s->n_scopes);
  d->n_scopes = s->n_scopes;
  if (d->client_id == NULL || d->domain == NULL || d->provider_id == NULL || d->hosts == NULL ||
      d->scopes == NULL || (s->redirect_uri != NULL && d->redirect_uri == NULL)) {
    if (d->hosts == NULL) d->n_hosts = 0;
    if (d->scopes == NULL) d->n_scopes = 0;
    sbx_grant_clear(d);
    return false;
  }
  return true;
}

bool sbx_grant_has_host(const struct sbx_grant *g, const char *host)
{
  for (size_t i = 0; i < g->n_hosts; i++)
    if (dcx_streq_nocase(g->hosts[i], host)) return true;
  return false;
}

bool sbx_grant_has_scope(const struct sbx_grant *g, const char *service_id)
{
  for (size_t i = 0; i < g->n_scopes; i++)
    if (strcmp(g->scopes[i], service_id) == 0) return true;
  return false;
}

void sbx_tokens_clear(struct sbx_tokens *t)
{
  dcx_free_secret(t->access_token);
  dcx_free_secret(t->refresh_token);
  memset(t, 0, sizeof *t);
}

/* ---- persistence of token hashes */
static json_t *strv_json(char *const *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; a != NULL && i < n; i++)
    if (json_array_append_new(a, json_string(v[i])) != 0) {
      json_decref(a);
      return NULL;
    }
  return a;
}

static bool json_strv(const json_t *a, char ***out, size_t *n)
{
  if (!json_is_array(a)) return false;
  size_t cnt = json_array_size(a);
  char **v = calloc(cnt + 1, sizeof *v);
  if (v == NULL) return false;
  for (size_t i = 0; i < cnt; i++) {
    const json_t *s = json_array_get(a, i);
    if (!json_is_string(s) || (v[i] = dcx_strdup(json_string_value(s))) == NULL) {
      strv_free(v, i);
      return false;
    }
  }
  *out = v;
  *n = cnt;
  return true;
}

static void save_locked(struct sbx_oauth *o)
{
  json_t *arr = json_array();
  time_t now = time(NULL);
  for (size_t i = 0; arr != NULL && i < o->n_tokens; i++) {
    const struct token_ent *t = &o->tokens[i];
    if (t->revoked || t->expires < now) continue;
    json_t *e = json_pack("{s:s, s:s, s:b, s:I, s:s, s:s?, s:s, s:o, s:s, s:o}", "hash", t->hash,
                          "family", t->family, "refresh", t->refresh, "expires",
                          (json_int_t)t->expires, "client_id", t->g.client_id, "redirect_uri",
                          t->g.redirect_uri, "domain", t->g.domain, "hosts",
                          strv_json(t->g.hosts, t->g.n_hosts), "provider_id", t->g.provider_id,
                          "scopes", strv_json(t->g.scopes, t->g.n_scopes));
    if (e == NULL || json_array_append_new(arr, e) != 0) {
      json_decref(arr);
      arr = NULL;
    }
  }
  json_t *root = arr ? json_pack("{s:o}", "tokens", arr) : NULL;
  char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
  if (text == NULL || dcx_write_file_atomic(o->path, text, strlen(text), 0600) != DCX_WRITE_OK)
    sbx_log(SBX_ERROR, "cannot save the token store %s", o->path);
  free(text);
  json_decref(root);
}

static bool load(struct sbx_oauth *o, char *err, size_t errsz)
{
  size_t len = 0;
  char *text = dcx_read_file(o->path, 16 * 1024 * 1024, false, &len, NULL);
  if (text == NULL) return true; /* first start */
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  free(text);
  json_t *arr = json_object_get(root, "tokens");
  bool ok = json_is_array(arr);
  size_t i;
  json_t *e;
  time_t now = time(NULL);
  if (ok) {
    o->tokens = calloc(json_array_size(arr) + 1, sizeof *o->tokens);
    ok = o->tokens != NULL;
  }
  if (ok) {
    json_array_foreach(arr, i, e) {
      struct token_ent *t = &o->tokens[o->n_tokens];
      const char *hash = NULL, *family = NULL, *cid = NULL, *ruri = NULL, *dom = NULL, *pid = NULL;
      int refresh = 0;
      json_int_t exp = 0;
      json_t *hosts = NULL, *scopes = NULL;
      if (json_unpack(e, "{s:s, s:s, s:b, s:I, s:s, s?s, s:s, s:o, s:s, s:o}", "hash", &hash,
                      "family", &family, "refresh", &refresh, "expires", &exp, "client_id",
                      &cid, "redirect_uri", &ruri, "domain", &dom, "hosts", &hosts,
                      "provider_id", &pid, "scopes", &scopes) != 0 ||
          strlen(hash) != 64 || strlen(family) != 64) {
        ok = false;
        break;
      }
      if ((time_t)exp < now) continue;
      memcpy(t->hash, hash, 65);
      memcpy(t->family, family, 65);
      t->refresh = refresh != 0;
      t->expires = (time_t)exp;
      t->g.client_id = dcx_strdup(cid);
      t->g.redirect_uri = ruri ? dcx_strdup(ruri) : NULL;
      t->g.domain = dcx_strdup(dom);
      t->g.provider_id = dcx_strdup(pid);
      bool hs = json_strv(hosts, &t->g.hosts, &t->g.n_hosts);
      bool ss = json_strv(scopes, &t->g.scopes, &t->g.n_scopes);
      o->n_tokens++;
      if (!hs || !ss || t->g.client_id == NULL || t->g.domain == NULL || t->g.provider_id == NULL) {
        ok = false;
        break;
      }
    }
  }
  json_decref(root);
  if (!ok) snprintf(err, errsz, "%s is not a token store of the sandbox", o->path);
  return ok;
}

struct sbx_oauth *sbx_oauth_new(const char *path, long code_lifetime, long token_lifetime,
                                char *err, size_t errsz)
{
  struct sbx_oauth *o = calloc(1, sizeof *o);
  if (o == NULL || (o->path = dcx_strdup(path)) == NULL) {
    free(o);
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&o->mu, NULL);
  o->code_lifetime = code_lifetime;
  o->token_lifetime = token_lifetime;
  if (!load(o, err, errsz)) {
    sbx_oauth_free(o);
    return NULL;
  }
  return o;
}

void sbx_oauth_free(struct sbx_oauth *o)
{
  if (o == NULL) return;
  for (size_t i = 0; i < o->n_codes; i++) sbx_grant_clear(&o->codes[i].g);
  for (size_t i = 0; i < o->n_tokens; i++) sbx_grant_clear(&o->tokens[i].g);
  free(o->codes);
  free(o->tokens);
  free(o->path);
  pthread_mutex_destroy(&o->mu);
  free(o);
}

/* Drops expired codes and expired or revoked tokens. */
static void purge_locked(struct sbx_oauth *o, time_t now)
{
  size_t w = 0;
  for (size_t i = 0; i < o->n_codes; i++) {
    /* a used code is kept until it expires, to detect a replay */
    if (o->codes[i].expires < now) {
      sbx_grant_clear(&o->codes[i].g);
      continue;
    }
    o->codes[w++] = o->codes[i];
  }
  o->n_codes = w;
  w = 0;
  for (size_t i = 0; i < o->n_tokens; i++) {
    if (o->tokens[i].expires < now || o->tokens[i].revoked) {
      sbx_grant_clear(&o->tokens[i].g);
      continue;
    }
    o->tokens[w++] = o->tokens[i];
  }
  o->n_tokens = w;
}

static void drop_code_locked(struct sbx_oauth *o, size_t k)
{
  sbx_grant_clear(&o->codes[k].g);
  memmove(o->codes + k, o->codes + k + 1, (o->n_codes - k - 1) * sizeof *o->codes);
  o->n_codes--;
}

static const char *code_owner(const void *codes, size_t k)
{
  return ((const struct code_ent *)codes)[k].g.client_id;
}

/* Room for one more code of `client_id` (docs/sandbox.md, "Limits"): a
 * client keeps at most SBX_MAX_CODES_PER_CLIENT outstanding, its own oldest
 * going first; at SBX_MAX_CODES in all, the oldest code of the client
 * holding the most goes. A flood of consents for one client_id never takes
 * the codes of another. */
static void make_code_room_locked(struct sbx_oauth *o, const char *client_id)
{
  size_t k = sbx_evict_pick(o->codes, o->n_codes, code_owner, client_id,
                            SBX_MAX_CODES_PER_CLIENT, SBX_MAX_CODES);
  if (k != SIZE_MAX) drop_code_locked(o, k);
}

enum sbx_oauth_status sbx_oauth_issue_code(struct sbx_oauth *o, const struct sbx_grant *g,
                                           char **code)
{
  enum sbx_oauth_status st = SBX_OAUTH_ERROR;
  char *c = sbx_random_token("sbx_ac_");
  *code = NULL;
  if (c == NULL) return SBX_OAUTH_ERROR;
  pthread_mutex_lock(&o->mu);
  time_t now = time(NULL);
  purge_locked(o, now);
  make_code_room_locked(o, g->client_id);
  struct code_ent *v = realloc(o->codes, (o->n_codes + 1) * sizeof *v);
  if (v == NULL) goto done;
  o->codes = v;
  struct code_ent *e = &o->codes[o->n_codes];
  memset(e, 0, sizeof *e);
  if (!sbx_sha256_hex(c, e->hash) || !sbx_grant_copy(&e->g, g)) goto done;
  memcpy(e->family, e->hash, 65);
  e->expires = now + o->code_lifetime;
  o->n_codes++;
  *code = c;
  c = NULL;
  st = SBX_OAUTH_OK;
done:
  pthread_mutex_unlock(&o->mu);
  dcx_free_secret(c);
  return st;
}

/* Adds one token entry; *plain gets the value. */
static bool add_token_locked(struct sbx_oauth *o, const struct sbx_grant *g, const char *family,
                             bool refresh, time_t expires, char **plain)
{
  char *t = sbx_random_token(refresh ? "sbx_rt_" : "sbx_at_");
  if (t == NULL) return false;
  struct token_ent *v = realloc(o->tokens, (o->n_tokens + 1) * sizeof *v);
  if (v == NULL) {
    dcx_free_secret(t);
    return false;
  }
  o->tokens = v;
  struct token_ent *e = &o->tokens[o->n_tokens];
  memset(e, 0, sizeof *e);
  if (!sbx_sha256_hex(t, e->hash) || !sbx_grant_copy(&e->g, g)) {
    dcx_free_secret(t);
    return false;
  }
  memcpy(e->family, family, 65);
  e->refresh = refresh;
  e->expires = expires;
  o->n_tokens++;
  *plain = t;
  return true;
}

static enum sbx_oauth_status issue_locked(struct sbx_oauth *o, const struct sbx_grant *g,
                                          const char *family, bool with_refresh, time_t now,
                                          struct sbx_tokens *out)
{
  if (o->n_tokens + 2 > SBX_MAX_TOKENS) return SBX_OAUTH_FULL;
  if (!add_token_locked(o, g, family, false, now + o->token_lifetime, &out->access_token))
    return SBX_OAUTH_ERROR;
  if (with_refresh &&
      !add_token_locked(o, g, family, true, now + SBX_REFRESH_LIFETIME, &out->refresh_token))
    return SBX_OAUTH_ERROR;
  out->expires_in = o->token_lifetime;
  save_locked(o);
  return SBX_OAUTH_OK;
}

enum sbx_oauth_status sbx_oauth_redeem_code(struct sbx_oauth *o, const char *code,
                                            const char *client_id, const char *redirect_uri,
                                            struct sbx_tokens *out)
{
  enum sbx_oauth_status st = SBX_OAUTH_INVALID_GRANT;
  char hash[65];
  memset(out, 0, sizeof *out);
  if (code == NULL || !sbx_sha256_hex(code, hash)) return SBX_OAUTH_INVALID_GRANT;
  pthread_mutex_lock(&o->mu);
  time_t now = time(NULL);
  purge_locked(o, now);
  struct code_ent *e = NULL;
  for (size_t i = 0; i < o->n_codes && e == NULL; i++)
    if (sbx_const_eq(o->codes[i].hash, hash)) e = &o->codes[i];
  if (e == NULL) goto done;
  if (e->used) {
    /* RFC 6749 4.1.2: a code used twice revokes what it gave */
    for (size_t i = 0; i < o->n_tokens; i++)
      if (strcmp(o->tokens[i].family, e->family) == 0) o->tokens[i].revoked = true;
    save_locked(o);
    sbx_log(SBX_WARN, "authorization code replayed: its tokens are revoked");
    goto done;
  }
  if (strcmp(e->g.client_id, client_id) != 0) goto done;
  if (e->g.redirect_uri != NULL &&
      (redirect_uri == NULL || strcmp(e->g.redirect_uri, redirect_uri) != 0))
    goto done;
  e->used = true;
  st = issue_locked(o, &e->g, e->family, true, now, out);
done:
  pthread_mutex_unlock(&o->mu);
  if (st != SBX_OAUTH_OK) sbx_tokens_clear(out);
  return st;
}

enum sbx_oauth_status sbx_oauth_refresh(struct sbx_oauth *o, const char *refresh_token,
                                        const char *client_id, bool rotate,
                                        struct sbx_tokens *out)
{
  enum sbx_oauth_status st = SBX_OAUTH_INVALID_GRANT;
  char hash[65];
  struct sbx_grant g;
  memset(&g, 0, sizeof g);
  memset(out, 0, sizeof *out);
  if (refresh_token == NULL || !sbx_sha256_hex(refresh_token, hash)) return st;
  pthread_mutex_lock(&o->mu);
  time_t now = time(NULL);
  purge_locked(o, now);
  size_t idx = o->n_tokens;
  for (size_t i = 0; i < o->n_tokens; i++)
    if (o->tokens[i].refresh && sbx_const_eq(o->tokens[i].hash, hash)) idx = i;
  if (idx == o->n_tokens || strcmp(o->tokens[idx].g.client_id, client_id) != 0) goto done;
  char family[65];
  memcpy(family, o->tokens[idx].family, 65);
  if (!sbx_grant_copy(&g, &o->tokens[idx].g)) {
    st = SBX_OAUTH_ERROR;
    goto done;
  }
  if (rotate) o->tokens[idx].revoked = true;
  st = issue_locked(o, &g, family, rotate, now, out);
  if (st != SBX_OAUTH_OK && rotate) o->tokens[idx].revoked = false;
done:
  pthread_mutex_unlock(&o->mu);
  sbx_grant_clear(&g);
  if (st != SBX_OAUTH_OK) sbx_tokens_clear(out);
  return st;
}

bool sbx_oauth_check_access(struct sbx_oauth *o, const char *access_token, struct sbx_grant *g)
{
  char hash[65];
  bool ok = false;
  memset(g, 0, sizeof *g);
  if (access_token == NULL || !sbx_sha256_hex(access_token, hash)) return false;
  pthread_mutex_lock(&o->mu);
  time_t now = time(NULL);
  for (size_t i = 0; i < o->n_tokens && !ok; i++) {
    const struct token_ent *t = &o->tokens[i];
    if (t->refresh || !sbx_const_eq(t->hash, hash)) continue;
    if (t->revoked || t->expires < now) break;
    ok = sbx_grant_copy(g, &t->g);
  }
  pthread_mutex_unlock(&o->mu);
  return ok;
}
