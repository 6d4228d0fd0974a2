/* One application described as a JSON document (dc_apply_request_*): the
 * input of `domainconnect template apply --batch`, one per line. Parsing
 * only: no I/O (file members are returned as paths for the caller to read).
 * docs/template-engine.md, "Apply requests", lists the members. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "template/apply_internal.h"

struct dc_apply_request {
  dc_template *tpl;   /* "template" (inline), or NULL */
  char *tpl_file;     /* "templateFile", or NULL */
  dc_zone *zone;      /* "zone" (inline; an empty zone when neither is given) */
  char *zone_file;    /* "zoneFile", or NULL */
  dc_apply_opts *opts;
};

DC_API void dc_apply_request_free(dc_apply_request *r)
{
  if (r == NULL) return;
  dc_template_free(r->tpl);
  free(r->tpl_file);
  dc_zone_free(r->zone);
  free(r->zone_file);
  dc_apply_opts_free(r->opts);
  free(r);
}

/* A setter's status as the request's: detail names the member. */
static dc_status setter(dc_client *c, dc_status st, const char *member)
{
  switch (st) {
  case DC_OK: return DC_OK;
  case DC_E_NOMEM: return dci_fail(c, st, "out of memory");
  case DC_E_LIMIT: return dci_fail(c, st, "request.%s: over its limit", member);
  case DC_E_INVALID_ID:
    return dci_fail(c, st, "request.%s: not a dc-id (1..63 letters, digits, '-', '_', '.')",
                    member);
  default: return dci_fail(c, st, "request.%s: unusable value", member);
  }
}

/* A string member (no NUL inside). */
static dc_status str_member(dc_client *c, json_t *v, const char *member, const char **out)
{
  if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
    return dci_fail(c, DC_E_INVALID_ARG, "request.%s: not a string", member);
  *out = json_string_value(v);
  return DC_OK;
}

static dc_status bool_member(dc_client *c, json_t *v, const char *member, bool *out)
{
  if (!json_is_boolean(v))
    return dci_fail(c, DC_E_INVALID_ARG, "request.%s: not a boolean", member);
  *out = json_is_true(v);
  return DC_OK;
}

/* "params": {"NAME": "VALUE", ...} (strings only: a number would have to
 * be formatted, and the template decides what a value must look like). */
static dc_status params_member(dc_client *c, json_t *v, dc_apply_opts *o)
{
  const char *name;
  json_t *val;
  if (!json_is_object(v)) return dci_fail(c, DC_E_INVALID_ARG, "request.params: not an object");
  json_object_foreach(v, name, val) {
    const char *s = NULL;
    if (str_member(c, val, "params member", &s) != DC_OK) return DC_E_INVALID_ARG;
    dc_status st = dc_apply_opts_set_param(o, name, s);
    if (st != DC_OK) return setter(c, st, "params");
  }
  return DC_OK;
}

/* "groupIds" and "keyRecords": arrays of strings. */
static dc_status str_array(dc_client *c, json_t *v, const char *member, size_t max,
                           const char ***out, size_t *n)
{
  if (!json_is_array(v)) return dci_fail(c, DC_E_INVALID_ARG, "request.%s: not an array", member);
  *n = json_array_size(v);
  if (*n > max) return dci_fail(c, DC_E_LIMIT, "request.%s: more than %zu entries", member, max);
  *out = calloc(*n + 1, sizeof **out);
  if (*out == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  for (size_t i = 0; i < *n; i++)
    if (str_member(c, json_array_get(v, i), member, &(*out)[i]) != DC_OK) return DC_E_INVALID_ARG;
  return DC_OK;
}

/* "redirectRecords": [{"type","data","ttl"}, ...]. */
static dc_status redirect_member(dc_client *c, json_t *v, dc_apply_opts *o)
{
  if (!json_is_array(v))
    return dci_fail(c, DC_E_INVALID_ARG, "request.redirectRecords: not an array");
  size_t i;
  json_t *rec;
  json_array_foreach(v, i, rec) {
    json_t *type = json_object_get(rec, "type"), *data = json_object_get(rec, "data");
    json_t *ttl = json_object_get(rec, "ttl");
    if (!json_is_object(rec) || json_object_size(rec) != 3 || !json_is_string(type) ||
        !json_is_string(data) || !json_is_integer(ttl))
      return dci_fail(c, DC_E_INVALID_ARG,
                      "request.redirectRecords[%zu]: not {\"type\",\"data\",\"ttl\"}", i);
    json_int_t t = json_integer_value(ttl);
    if (t < 0 || t > DC_MAX_TTL)
      return dci_fail(c, DC_E_INVALID_ARG, "request.redirectRecords[%zu].ttl: out of range", i);
    dc_status st = dc_apply_opts_add_redirect_record(o, json_string_value(type),
                                                     json_string_value(data), (long)t);
    if (st != DC_OK) return setter(c, st, "redirectRecords");
  }
  return DC_OK;
}

/* The members that fill the options (everything but the template and the
 * zone). Returns DC_OK when `key` was one of them and was good. */
static dc_status opts_member(dc_client *c, const char *key, json_t *v, dc_apply_opts *o,
                             bool *known)
{
  const char *s = NULL;
  bool b = false;
  *known = true;
  if (strcmp(key, "domain") == 0) {
    if (str_member(c, v, key, &s) != DC_OK) return DC_E_INVALID_ARG;
    return setter(c, dc_apply_opts_set_domain(o, s), key);
  }
  if (strcmp(key, "host") == 0) {
    if (str_member(c, v, key, &s) != DC_OK) return DC_E_INVALID_ARG;
    return setter(c, dc_apply_opts_set_host(o, s), key);
  }
  if (strcmp(key, "instanceId") == 0) {
    if (str_member(c, v, key, &s) != DC_OK) return DC_E_INVALID_ARG;
    return setter(c, dc_apply_opts_set_instance_id(o, s), key);
  }
  if (strcmp(key, "multiAware") == 0 || strcmp(key, "force") == 0 ||
      strcmp(key, "ignoreSignature") == 0) {
    if (bool_member(c, v, key, &b) != DC_OK) return DC_E_INVALID_ARG;
    dc_status st = key[0] == 'm'   ? dc_apply_opts_set_multi_aware(o, b)
                   : key[0] == 'f' ? dc_apply_opts_set_force(o, b)
                                   : dc_apply_opts_set_ignore_signature(o, b);
    return setter(c, st, key);
  }
  if (strcmp(key, "params") == 0) return params_member(c, v, o);
  if (strcmp(key, "redirectRecords") == 0) return redirect_member(c, v, o);
  if (strcmp(key, "groupIds") == 0) {
    const char **ids = NULL;
    size_t n = 0;
    dc_status st = str_array(c, v, key, DC_MAX_IDS, &ids, &n);
    for (size_t i = 0; st == DC_OK && i < n; i++)
      st = setter(c, dc_apply_opts_add_group_id(o, ids[i]), key);
    free(ids);
    return st;
  }
  *known = false;
  return DC_OK;
}

/* "signedQuery" and "keyRecords" go together (dc_apply_opts_set_signature). */
static dc_status signature_members(dc_client *c, json_t *root, dc_apply_opts *o)
{
  json_t *q = json_object_get(root, "signedQuery"), *k = json_object_get(root, "keyRecords");
  if (q == NULL && k == NULL) return DC_OK;
  if (q == NULL || k == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "request: signedQuery and keyRecords go together");
  const char *query = NULL;
  const char **keys = NULL;
  size_t n = 0;
  dc_status st = str_member(c, q, "signedQuery", &query);
  if (st == DC_OK) st = str_array(c, k, "keyRecords", DC_MAX_DNS_TXT_RRS, &keys, &n);
  if (st == DC_OK) st = setter(c, dc_apply_opts_set_signature(o, query, keys, n), "signedQuery");
  free(keys);
  return st;
}

/* "template" / "templateFile" and "zone" / "zoneFile": one of each pair
 * (the zone may be left out: an empty zone). */
static dc_status source_members(dc_client *c, json_t *root, dc_apply_request *r)
{
  dc_status status = DC_OK;
  json_t *t = json_object_get(root, "template"), *tf = json_object_get(root, "templateFile");
  json_t *z = json_object_get(root, "zone"), *zf = json_object_get(root, "zoneFile");
  const char *s = NULL;
  if ((t == NULL) == (tf == NULL))
    return dci_fail(c, DC_E_INVALID_ARG, "request: give one of template and templateFile");
  if (z != NULL && zf != NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "request: give at most one of zone and zoneFile");
  if (tf != NULL) {
    DCI_TRY(str_member(c, tf, "templateFile", &s));
    if (s[0] == '\0') return dci_fail(c, DC_E_INVALID_ARG, "request.templateFile: empty");
    if ((r->tpl_file = dci_strdup(s)) == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  } else {
    DCI_TRY(dci_template_from_value(c, t, &r->tpl)); /* its own statuses */
  }
  if (zf != NULL) {
    DCI_TRY(str_member(c, zf, "zoneFile", &s));
    if (s[0] == '\0') return dci_fail(c, DC_E_INVALID_ARG, "request.zoneFile: empty");
    if ((r->zone_file = dci_strdup(s)) == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  } else if (z != NULL) {
    DCI_TRY(dci_zone_from_value(c, z, &r->zone));
  } else if (dc_zone_new(&r->zone) != DC_OK) {
    return dci_fail(c, DC_E_NOMEM, "out of memory");
  }
done:
  return status;
}

static dc_status parse_members(dc_client *c, json_t *root, dc_apply_request *r)
{
  dc_status status = DC_OK;
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    bool known = false;
    DCI_TRY(opts_member(c, key, v, r->opts, &known));
    if (known || strcmp(key, "template") == 0 || strcmp(key, "templateFile") == 0 ||
        strcmp(key, "zone") == 0 || strcmp(key, "zoneFile") == 0 ||
        strcmp(key, "signedQuery") == 0 || strcmp(key, "keyRecords") == 0)
      continue;
    /* strict: a misspelt "force" or "groupIds" must not be ignored */
    char safe[64];
    dci_sanitize(safe, sizeof safe, key, strlen(key), 40);
    return dci_fail(c, DC_E_INVALID_ARG, "request: unknown member '%s'", safe);
  }
  if (json_object_get(root, "domain") == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "request.domain: missing");
  DCI_TRY(signature_members(c, root, r->opts));
  DCI_TRY(source_members(c, root, r));
done:
  return status;
}

DC_API dc_status dc_apply_request_parse(dc_client *c, const char *json, size_t len,
                                        dc_apply_request **out)
{
  dc_status status = DC_OK;
  json_t *root = NULL;
  dc_apply_request *r = NULL;
  if (out != NULL) *out = NULL;
  DCI_TRY(dci_json_args(c, "request", out != NULL, json != NULL));
  DCI_TRY(dci_json_load(c, "request", json, len, DC_MAX_APPLY_REQUEST, true, false, &root));
  r = calloc(1, sizeof *r);
  if (r == NULL || dc_apply_opts_new(&r->opts) != DC_OK) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  DCI_TRY(parse_members(c, root, r));
  *out = r;
  r = NULL;
done:
  json_decref(root);
  dc_apply_request_free(r);
  return status;
}

DCI_GETTER(const dc_template *, dc_apply_request_template, dc_apply_request, tpl, NULL)
DCI_GETTER(const char *, dc_apply_request_template_file, dc_apply_request, tpl_file, NULL)
DCI_GETTER(const dc_zone *, dc_apply_request_zone, dc_apply_request, zone, NULL)
DCI_GETTER(const char *, dc_apply_request_zone_file, dc_apply_request, zone_file, NULL)
DCI_GETTER(const dc_apply_opts *, dc_apply_request_opts, dc_apply_request, opts, NULL)
