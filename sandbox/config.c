/* domainconnect-sandbox: configuration file (JSON) and its defaults. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "util.h"

#ifndef DC_SBX_DATA_DIR
#define DC_SBX_DATA_DIR "."
#endif

#define MAX_CONFIG_BYTES (1024 * 1024)
/* Bytes of base64 key material per public-key TXT record ("p=NN,a=RS256,d="
 * plus this fits one 255-byte character-string). */
#define PUBKEY_FRAGMENT 200

struct cerr {
  char *buf;
  size_t sz;
};

static bool fail(struct cerr *e, const char *fmt, ...) DCX_PRINTF(2, 3);
static bool fail(struct cerr *e, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->buf, e->sz, fmt, ap);
  va_end(ap);
  return false;
}

static void free_strv(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

/* Optional string member; `*out` stays as is when absent. */
static bool get_str(struct cerr *e, json_t *obj, const char *key, char **out, const char *what)
{
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return true;
  if (!json_is_string(v) || json_string_length(v) == 0 ||
      strlen(json_string_value(v)) != json_string_length(v))
    return fail(e, "%s.%s: a non-empty string is needed", what, key);
  char *s = dcx_strdup(json_string_value(v));
  if (s == NULL) return fail(e, "out of memory");
  free(*out);
  *out = s;
  return true;
}

static bool get_long(struct cerr *e, json_t *obj, const char *key, long min, long max,
                     long *out, const char *what)
{
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return true;
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
    return fail(e, "%s.%s: an integer in %ld..%ld is needed", what, key, min, max);
  *out = (long)json_integer_value(v);
  return true;
}

static bool get_bool(struct cerr *e, json_t *obj, const char *key, bool *out, const char *what)
{
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return true;
  if (!json_is_boolean(v)) return fail(e, "%s.%s: true or false is needed", what, key);
  *out = json_is_true(v);
  return true;
}

static bool get_strv(struct cerr *e, json_t *obj, const char *key, char ***out, size_t *n,
                     const char *what)
{
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return true;
  if (!json_is_array(v)) return fail(e, "%s.%s: an array of strings is needed", what, key);
  size_t cnt = json_array_size(v);
  char **arr = calloc(cnt + 1, sizeof *arr);
  if (arr == NULL) return fail(e, "out of memory");
  for (size_t i = 0; i < cnt; i++) {
    json_t *s = json_array_get(v, i);
    if (!json_is_string(s) || json_string_length(s) == 0 ||
        strlen(json_string_value(s)) != json_string_length(s)) {
      free_strv(arr, i);
      return fail(e, "%s.%s[%zu]: a non-empty string is needed", what, key, i);
    }
    arr[i] = dcx_strdup(json_string_value(s));
    if (arr[i] == NULL) {
      free_strv(arr, i);
      return fail(e, "out of memory");
    }
  }
  free_strv(*out, *n);
  *out = arr;
  *n = cnt;
  return true;
}

/* successStatus: 200, 202 or 204. */
static bool get_success_status(struct cerr *e, json_t *obj, long *out, const char *what)
{
  if (!get_long(e, obj, "successStatus", 200, 204, out, what)) return false;
  if (*out != 0 && *out != 200 && *out != 202 && *out != 204)
    return fail(e, "%s.successStatus: 200, 202 or 204 is needed", what);
  return true;
}

static bool check_keys(struct cerr *e, json_t *obj, const char *what, const char *const *known)
{
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    (void)v;
    bool ok = key[0] == '_'; /* "_comment" and friends */
    for (size_t i = 0; known[i] != NULL && !ok; i++) ok = strcmp(key, known[i]) == 0;
    if (!ok) return fail(e, "%s: unknown member \"%s\"", what, key);
  }
  return true;
}

static char *resolve_path(const char *base, const char *p)
{
  if (p[0] == '/') return dcx_strdup(p);
  char buf[PATH_MAX];
  if (!sbx_fmt(buf, sizeof buf, "%s/%s", base, p)) return NULL;
  return dcx_strdup(buf);
}

static bool norm_name(struct cerr *e, char **name, bool underscore, const char *what)
{
  char *n = sbx_normalize_name(*name, underscore);
  if (n == NULL || strchr(n, '.') == NULL) {
    free(n);
    return fail(e, "%s: \"%s\" is not a valid domain name (two labels or more)", what, *name);
  }
  free(*name);
  *name = n;
  return true;
}

/* TXT records publishing an RSA public key (PEM "PUBLIC KEY"), in the
 * fragment format of docs/protocol.md §2.4: "p=N,a=RS256,d=...". */
static bool pubkey_records(struct cerr *e, const char *path, struct sbx_pubkey *pk)
{
  bool ok = false;
  BIO *bio = NULL;
  EVP_PKEY *key = NULL;
  unsigned char *der = NULL;
  char *b64 = NULL;
  size_t len = 0;
  char *pem = dcx_read_file(path, 64 * 1024, false, &len, NULL);
  if (pem == NULL) return fail(e, "publicKeys: cannot read %s", path);
  bio = BIO_new_mem_buf(pem, (int)len);
  if (bio != NULL) key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
  if (key == NULL || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    fail(e, "publicKeys: %s is not an RSA public key (PEM \"PUBLIC KEY\")", path);
    goto done;
  }
  int dlen = i2d_PUBKEY(key, &der);
  if (dlen <= 0) {
    fail(e, "publicKeys: cannot encode %s", path);
    goto done;
  }
  b64 = malloc((size_t)dlen / 3 * 4 + 8);
  if (b64 == NULL) goto nomem;
  int blen = EVP_EncodeBlock((unsigned char *)b64, der, dlen);
  size_t nfrag = ((size_t)blen + PUBKEY_FRAGMENT - 1) / PUBKEY_FRAGMENT;
  pk->txt = calloc(nfrag + 1, sizeof *pk->txt);
  if (pk->txt == NULL) goto nomem;
  for (size_t i = 0; i < nfrag; i++) {
    char rec[300];
    size_t off = i * PUBKEY_FRAGMENT;
    size_t n = (size_t)blen - off < PUBKEY_FRAGMENT ? (size_t)blen - off : PUBKEY_FRAGMENT;
    if (!sbx_fmt(rec, sizeof rec, "p=%zu,a=RS256,d=%.*s", i + 1, (int)n, b64 + off)) goto nomem;
    pk->txt[i] = dcx_strdup(rec);
    if (pk->txt[i] == NULL) goto nomem;
    pk->n_txt = i + 1;
  }
  ok = true;
  goto done;
nomem:
  fail(e, "out of memory");
done:
  free(b64);
  OPENSSL_free(der);
  EVP_PKEY_free(key);
  BIO_free(bio);
  free(pem);
  return ok;
}

/* Calls one(e, o, "NAME[i]", c) for each element o of the configuration's
 * array NAME, which must hold objects; stops at the first failure. */
static bool each_object(struct cerr *e, json_t *arr, const char *name, struct sbx_config *c,
                        bool (*one)(struct cerr *e, json_t *o, const char *what,
                                    struct sbx_config *c))
{
  if (!json_is_array(arr)) return fail(e, "%s: an array is needed", name);
  size_t i;
  json_t *o;
  json_array_foreach(arr, i, o) {
    char what[64];
    snprintf(what, sizeof what, "%s[%zu]", name, i);
    if (!json_is_object(o)) return fail(e, "%s: an object is needed", what);
    if (!one(e, o, what, c)) return false;
  }
  return true;
}

static bool one_client(struct cerr *e, json_t *o, const char *what, struct sbx_config *c)
{
  static const char *const known[] = {"clientId", "clientSecret", "redirectUris",
                                      "providerIds", "rotateRefreshTokens", "successStatus",
                                      NULL};
  struct sbx_client *cl = &c->clients[c->n_clients++];
  cl->rotate = true;
  if (!check_keys(e, o, what, known) || !get_str(e, o, "clientId", &cl->id, what) ||
      !get_str(e, o, "clientSecret", &cl->secret, what) ||
      !get_strv(e, o, "redirectUris", &cl->redirect_uris, &cl->n_redirect_uris, what) ||
      !get_strv(e, o, "providerIds", &cl->provider_ids, &cl->n_provider_ids, what) ||
      !get_bool(e, o, "rotateRefreshTokens", &cl->rotate, what) ||
      !get_success_status(e, o, &cl->success_status, what))
    return false;
  if (cl->id == NULL) return fail(e, "%s: clientId is required", what);
  if (cl->n_redirect_uris == 0) return fail(e, "%s: redirectUris is required", what);
  for (size_t k = 0; k < cl->n_redirect_uris; k++)
    if (strncmp(cl->redirect_uris[k], "https://", 8) != 0 ||
        strchr(cl->redirect_uris[k], '#') != NULL)
      return fail(e, "%s: redirect URI %zu must be https:// without a fragment", what, k);
  for (size_t k = 0; k + 1 < c->n_clients; k++)
    if (strcmp(c->clients[k].id, cl->id) == 0)
      return fail(e, "%s: clientId \"%s\" given twice", what, cl->id);
  return true;
}

static bool parse_clients(struct cerr *e, json_t *arr, struct sbx_config *c)
{
  if (arr == NULL) return true;
  c->clients = calloc(json_array_size(arr) + 1, sizeof *c->clients);
  if (c->clients == NULL) return fail(e, "out of memory");
  return each_object(e, arr, "clients", c, one_client);
}

static bool one_zone(struct cerr *e, json_t *o, const char *what, struct sbx_config *c)
{
  static const char *const known[] = {"name", "records", NULL};
  struct sbx_zone_cfg *z = &c->zones[c->n_zones++];
  if (!check_keys(e, o, what, known) || !get_str(e, o, "name", &z->name, what)) return false;
  if (z->name == NULL) return fail(e, "%s: name is required", what);
  if (!norm_name(e, &z->name, false, what)) return false;
  json_t *recs = json_object_get(o, "records");
  if (recs != NULL && !json_is_array(recs)) return fail(e, "%s.records: an array is needed", what);
  z->records = recs != NULL ? json_deep_copy(recs) : json_array();
  if (z->records == NULL) return fail(e, "out of memory");
  for (size_t k = 0; k + 1 < c->n_zones; k++)
    if (strcmp(c->zones[k].name, z->name) == 0)
      return fail(e, "%s: zone %s given twice", what, z->name);
  return true;
}

static bool parse_zones(struct cerr *e, json_t *arr, struct sbx_config *c)
{
  if (arr == NULL) return true;
  c->zones = calloc(json_array_size(arr) + 1, sizeof *c->zones);
  if (c->zones == NULL) return fail(e, "out of memory");
  return each_object(e, arr, "zones", c, one_zone);
}

static bool one_pubkey(struct cerr *e, json_t *o, const char *what, struct sbx_config *c)
{
  static const char *const known[] = {"domain", "keyId", "file", "records", NULL};
  char *file = NULL;
  struct sbx_pubkey *pk = &c->pubkeys[c->n_pubkeys++];
  if (!check_keys(e, o, what, known) || !get_str(e, o, "domain", &pk->domain, what) ||
      !get_str(e, o, "keyId", &pk->key_id, what) || !get_str(e, o, "file", &file, what) ||
      !get_strv(e, o, "records", &pk->txt, &pk->n_txt, what)) {
    free(file);
    return false;
  }
  if (pk->domain == NULL || pk->key_id == NULL) {
    free(file);
    return fail(e, "%s: domain and keyId are required", what);
  }
  if (!norm_name(e, &pk->domain, true, what)) {
    free(file);
    return false;
  }
  bool label_ok = strlen(pk->key_id) <= 63;
  for (const char *p = pk->key_id; *p != '\0'; p++)
    if (!(dcx_is_alnum((unsigned char)*p) || *p == '-' || *p == '_')) label_ok = false;
  if (!label_ok) {
    free(file);
    return fail(e, "%s: keyId must be one DNS label", what);
  }
  if ((file == NULL) == (pk->txt == NULL)) {
    free(file);
    return fail(e, "%s: give either file (a PEM public key) or records", what);
  }
  if (file != NULL) {
    char *path = resolve_path(c->base_dir, file);
    free(file);
    if (path == NULL) return fail(e, "%s: path too long", what);
    bool ok = pubkey_records(e, path, pk);
    free(path);
    if (!ok) return false;
  }
  return true;
}

static bool parse_pubkeys(struct cerr *e, json_t *arr, struct sbx_config *c)
{
  if (arr == NULL) return true;
  c->pubkeys = calloc(json_array_size(arr) + 1, sizeof *c->pubkeys);
  if (c->pubkeys == NULL) return fail(e, "out of memory");
  return each_object(e, arr, "publicKeys", c, one_pubkey);
}

static bool one_redirect_record(struct cerr *e, json_t *o, const char *what,
                                struct sbx_config *c)
{
  static const char *const known[] = {"type", "data", "ttl", NULL};
  struct sbx_redir_rec *r = &c->redir[c->n_redir++];
  r->ttl = 600;
  if (!check_keys(e, o, what, known) || !get_str(e, o, "type", &r->type, what) ||
      !get_str(e, o, "data", &r->data, what) ||
      !get_long(e, o, "ttl", 0, 2147483647L, &r->ttl, what))
    return false;
  if (r->type == NULL || (strcmp(r->type, "A") != 0 && strcmp(r->type, "AAAA") != 0))
    return fail(e, "%s: type must be A or AAAA", what);
  return true;
}

static bool parse_redirect_records(struct cerr *e, json_t *arr, struct sbx_config *c)
{
  if (arr == NULL) return true;
  for (size_t i = 0; i < c->n_redir; i++) {
    free(c->redir[i].type);
    free(c->redir[i].data);
  }
  free(c->redir);
  c->n_redir = 0;
  c->redir = calloc(json_array_size(arr) + 1, sizeof *c->redir);
  if (c->redir == NULL) return fail(e, "out of memory");
  return each_object(e, arr, "redirectRecords", c, one_redirect_record);
}

static bool parse(struct cerr *e, json_t *root, struct sbx_config *c)
{
  static const char *const known[] = {
      "provider", "providerZone", "hosts", "zones", "templateDirs", "noRevert", "clients",
      "publicKeys", "redirectRecords", "tokenLifetime", "codeLifetime", "window",
      "defaultTtl", "successStatus", NULL};
  static const char *const kprov[] = {"id", "name", "displayName", NULL};
  static const char *const khosts[] = {"api", "ux", "extra", NULL};
  static const char *const kwin[] = {"width", "height", NULL};
  if (!json_is_object(root)) return fail(e, "the configuration must be a JSON object");
  if (!check_keys(e, root, "config", known)) return false;
  json_t *prov = json_object_get(root, "provider");
  if (prov != NULL) {
    if (!json_is_object(prov) || !check_keys(e, prov, "provider", kprov) ||
        !get_str(e, prov, "id", &c->provider_id, "provider") ||
        !get_str(e, prov, "name", &c->provider_name, "provider") ||
        !get_str(e, prov, "displayName", &c->display_name, "provider"))
      return prov == NULL || json_is_object(prov) ? false : fail(e, "provider: an object is needed");
  }
  if (!get_str(e, root, "providerZone", &c->provider_zone, "config")) return false;
  if (!norm_name(e, &c->provider_zone, false, "providerZone")) return false;
  json_t *hosts = json_object_get(root, "hosts");
  char **extra = NULL, *api = NULL, *ux = NULL;
  size_t n_extra = 0;
  bool ok = false;
  if (hosts != NULL) {
    if (!json_is_object(hosts)) return fail(e, "hosts: an object is needed");
    if (!check_keys(e, hosts, "hosts", khosts) || !get_str(e, hosts, "api", &api, "hosts") ||
        !get_str(e, hosts, "ux", &ux, "hosts") ||
        !get_strv(e, hosts, "extra", &extra, &n_extra, "hosts"))
      goto hosts_done;
  }
  {
    char buf[300];
    if (api == NULL && sbx_fmt(buf, sizeof buf, "api.%s", c->provider_zone)) api = dcx_strdup(buf);
    if (ux == NULL && sbx_fmt(buf, sizeof buf, "connect.%s", c->provider_zone)) ux = dcx_strdup(buf);
  }
  c->hosts = calloc(n_extra + 3, sizeof *c->hosts);
  if (api == NULL || ux == NULL || c->hosts == NULL) {
    fail(e, "out of memory");
    goto hosts_done;
  }
  if (!norm_name(e, &api, false, "hosts.api") || !norm_name(e, &ux, false, "hosts.ux"))
    goto hosts_done;
  c->hosts[c->n_hosts++] = api;
  api = NULL;
  if (strcmp(c->hosts[0], ux) != 0) {
    c->hosts[c->n_hosts++] = ux;
    ux = NULL;
  }
  for (size_t i = 0; i < n_extra; i++) {
    if (!norm_name(e, &extra[i], false, "hosts.extra")) goto hosts_done;
    bool dup = false;
    for (size_t k = 0; k < c->n_hosts; k++) dup = dup || strcmp(c->hosts[k], extra[i]) == 0;
    if (dup) continue;
    c->hosts[c->n_hosts++] = extra[i];
    extra[i] = NULL;
  }
  for (size_t i = 0; i < c->n_hosts; i++)
    if (!sbx_name_in_zone(c->hosts[i], c->provider_zone) ||
        strcmp(c->hosts[i], c->provider_zone) == 0) {
      fail(e, "hosts: %s must be a name below providerZone %s", c->hosts[i], c->provider_zone);
      goto hosts_done;
    }
  c->api_host = c->hosts[0];
  c->ux_host = c->n_hosts > 1 && ux == NULL ? c->hosts[1] : c->hosts[0];
  ok = true;
hosts_done:
  free(api);
  free(ux);
  free_strv(extra, n_extra);
  if (!ok) return false;
  if (!get_strv(e, root, "templateDirs", &c->template_dirs, &c->n_template_dirs, "config") ||
      !get_strv(e, root, "noRevert", &c->no_revert, &c->n_no_revert, "config"))
    return false;
  for (size_t i = 0; i < c->n_template_dirs; i++) {
    char *p = resolve_path(c->base_dir, c->template_dirs[i]);
    if (p == NULL) return fail(e, "templateDirs: path too long");
    free(c->template_dirs[i]);
    c->template_dirs[i] = p;
  }
  if (!parse_zones(e, json_object_get(root, "zones"), c) ||
      !parse_clients(e, json_object_get(root, "clients"), c) ||
      !parse_pubkeys(e, json_object_get(root, "publicKeys"), c) ||
      !parse_redirect_records(e, json_object_get(root, "redirectRecords"), c))
    return false;
  if (!get_long(e, root, "tokenLifetime", 60, 86400L * 30, &c->token_lifetime, "config") ||
      !get_long(e, root, "codeLifetime", 10, 3600, &c->code_lifetime, "config") ||
      !get_long(e, root, "defaultTtl", 1, 86400, &c->default_ttl, "config") ||
      !get_success_status(e, root, &c->success_status, "config"))
    return false;
  json_t *win = json_object_get(root, "window");
  if (win != NULL) {
    if (!json_is_object(win) || !check_keys(e, win, "window", kwin) ||
        !get_long(e, win, "width", 1, 10000, &c->width, "window") ||
        !get_long(e, win, "height", 1, 10000, &c->height, "window"))
      return json_is_object(win) ? false : fail(e, "window: an object is needed");
  }
  for (size_t i = 0; i < c->n_zones; i++)
    if (sbx_name_in_zone(c->zones[i].name, c->provider_zone) ||
        sbx_name_in_zone(c->provider_zone, c->zones[i].name))
      return fail(e, "zones: %s overlaps providerZone %s", c->zones[i].name, c->provider_zone);
  return true;
}

bool sbx_config_load(const char *path, struct sbx_config **out, char *err, size_t errsz)
{
  struct cerr e = {err, errsz};
  struct sbx_config *c = calloc(1, sizeof *c);
  char *text = NULL;
  json_t *root = NULL;
  bool ok = false;
  size_t len = 0;
  *out = NULL;
  if (c == NULL) return fail(&e, "out of memory");
  c->provider_id = dcx_strdup("sandbox.test");
  c->provider_name = dcx_strdup("Sandbox DNS");
  c->display_name = dcx_strdup("Sandbox DNS");
  c->provider_zone = dcx_strdup("sandbox.test");
  c->token_lifetime = 3600;
  c->code_lifetime = 600;
  c->width = 750;
  c->height = 750;
  c->default_ttl = 300;
  c->success_status = 200;
  c->redir = calloc(1, sizeof *c->redir);
  if (c->redir != NULL) {
    c->redir[0].type = dcx_strdup("A");
    c->redir[0].ttl = 600;
    c->n_redir = 1;
  }
  if (c->provider_id == NULL || c->provider_name == NULL || c->display_name == NULL ||
      c->provider_zone == NULL || c->redir == NULL || c->redir[0].type == NULL) {
    fail(&e, "out of memory");
    goto done;
  }
  if (path == NULL) {
    c->base_dir = dcx_strdup(DC_SBX_DATA_DIR);
    text = dcx_strndup((const char *)sbx_default_config, sbx_default_config_len);
    len = sbx_default_config_len;
  } else {
    char real[PATH_MAX];
    if (realpath(path, real) == NULL) {
      fail(&e, "cannot open %s", path);
      goto done;
    }
    char *slash = strrchr(real, '/');
    c->base_dir = slash == real ? dcx_strdup("/") : dcx_strndup(real, (size_t)(slash - real));
    text = dcx_read_file(real, MAX_CONFIG_BYTES, false, &len, NULL);
    if (text == NULL) {
      fail(&e, "cannot read %s (or larger than 1 MiB)", path);
      goto done;
    }
  }
  if (c->base_dir == NULL || text == NULL) {
    fail(&e, "out of memory");
    goto done;
  }
  json_error_t jerr;
  root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    fail(&e, "configuration: invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
         jerr.text);
    goto done;
  }
  if (!parse(&e, root, c)) goto done;
  if (c->n_template_dirs == 0) {
    c->template_dirs = calloc(2, sizeof *c->template_dirs);
    if (c->template_dirs == NULL ||
        (c->template_dirs[0] = resolve_path(DC_SBX_DATA_DIR, "templates")) == NULL) {
      fail(&e, "out of memory");
      goto done;
    }
    c->n_template_dirs = 1;
  }
  char ns[300];
  if (!sbx_fmt(ns, sizeof ns, "ns1.%s", c->provider_zone) || (c->ns_host = dcx_strdup(ns)) == NULL) {
    fail(&e, "providerZone too long");
    goto done;
  }
  ok = true;
  *out = c;
  c = NULL;
done:
  json_decref(root);
  free(text);
  sbx_config_free(c);
  return ok;
}

void sbx_config_free(struct sbx_config *c)
{
  if (c == NULL) return;
  free(c->base_dir);
  free(c->provider_id);
  free(c->provider_name);
  free(c->display_name);
  free(c->provider_zone);
  /* api_host and ux_host point into hosts[] */
  free_strv(c->hosts, c->n_hosts);
  free(c->ns_host);
  for (size_t i = 0; i < c->n_zones; i++) {
    free(c->zones[i].name);
    json_decref(c->zones[i].records);
  }
  free(c->zones);
  free_strv(c->template_dirs, c->n_template_dirs);
  free_strv(c->no_revert, c->n_no_revert);
  for (size_t i = 0; i < c->n_clients; i++) {
    struct sbx_client *cl = &c->clients[i];
    free(cl->id);
    dcx_free_secret(cl->secret);
    free_strv(cl->redirect_uris, cl->n_redirect_uris);
    free_strv(cl->provider_ids, cl->n_provider_ids);
  }
  free(c->clients);
  for (size_t i = 0; i < c->n_pubkeys; i++) {
    free(c->pubkeys[i].domain);
    free(c->pubkeys[i].key_id);
    free_strv(c->pubkeys[i].txt, c->pubkeys[i].n_txt);
  }
  free(c->pubkeys);
  for (size_t i = 0; i < c->n_redir; i++) {
    free(c->redir[i].type);
    free(c->redir[i].data);
  }
  free(c->redir);
  free(c);
}

const struct sbx_client *sbx_config_client(const struct sbx_config *c, const char *id)
{
  if (id == NULL) return NULL;
  for (size_t i = 0; i < c->n_clients; i++)
    if (strcmp(c->clients[i].id, id) == 0) return &c->clients[i];
  return NULL;
}

const struct sbx_zone_cfg *sbx_config_zone(const struct sbx_config *c, const char *name)
{
  for (size_t i = 0; i < c->n_zones; i++)
    if (strcmp(c->zones[i].name, name) == 0) return &c->zones[i];
  return NULL;
}

bool sbx_config_no_revert(const struct sbx_config *c, const char *provider, const char *service)
{
  size_t lp = strlen(provider);
  for (size_t i = 0; i < c->n_no_revert; i++) {
    const char *s = c->no_revert[i];
    if (strncmp(s, provider, lp) == 0 && s[lp] == '/' && strcmp(s + lp + 1, service) == 0)
      return true;
  }
  return false;
}

long sbx_config_success_status(const struct sbx_config *c, const char *client_id)
{
  const struct sbx_client *cl = sbx_config_client(c, client_id);
  return cl != NULL && cl->success_status != 0 ? cl->success_status : c->success_status;
}
