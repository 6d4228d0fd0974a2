/* domainconnect-sandbox: the request/response model of the HTTP handlers
 * (http_model.h): responses (JSON, HTML, empty, redirects), the request
 * parameters (query, then a form or JSON body; parameter pollution
 * refused), and path segments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_model.h"
#include "store.h"

/* ---- responses */
void sbx_resp_clear(struct sbx_resp *r)
{
  free(r->body);
  free(r->location);
  free(r->www_authenticate);
  memset(r, 0, sizeof *r);
}

void sbx_resp_json(struct sbx_resp *r, unsigned status, json_t *doc)
{
  char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  free(r->body);
  r->body = NULL;
  r->len = 0;
  if (text == NULL) {
    static const char oom[] =
        "{\"error\":\"server_error\",\"error_description\":\"out of memory\"}";
    r->status = 500;
    r->body = dcx_strdup(oom);
    r->len = r->body ? strlen(r->body) : 0;
    r->ctype = "application/json";
    return;
  }
  r->status = status;
  r->body = text;
  r->len = strlen(text);
  r->ctype = "application/json";
  r->html = false;
}

void sbx_resp_error(struct sbx_resp *r, unsigned status, const char *error, const char *desc)
{
  sbx_resp_json(r, status,
                json_pack("{s:s, s:s}", "error", error, "error_description", desc ? desc : ""));
}

void sbx_resp_empty(struct sbx_resp *r, unsigned status)
{
  free(r->body);
  r->body = NULL;
  r->len = 0;
  r->status = status;
  r->ctype = NULL;
}

void sbx_resp_html(struct sbx_resp *r, unsigned status, char *html)
{
  free(r->body);
  r->body = html;
  r->len = html ? strlen(html) : 0;
  r->status = html ? status : 500;
  r->ctype = "text/html; charset=utf-8";
  r->html = true;
}

void sbx_resp_redirect(struct sbx_resp *r, unsigned status, const char *url)
{
  sbx_resp_empty(r, status);
  free(r->location);
  r->location = dcx_strdup(url);
  if (r->location == NULL) sbx_resp_error(r, 500, "server_error", "out of memory");
}

/* base + ('?' or '&') + name=value pairs (NULL values skipped). */
static char *redirect_url(const char *base, const char *const *kv)
{
  dcx_buf b;
  dcx_buf_init(&b, SBX_MAX_BUF);
  dcx_buf_adds(&b, base);
  char sep = strchr(base, '?') ? '&' : '?';
  if (strchr(base, '?') && base[strlen(base) - 1] == '?') sep = 0;
  for (size_t i = 0; kv[i] != NULL; i += 2) {
    if (kv[i + 1] == NULL) continue;
    if (sep) dcx_buf_addc(&b, sep);
    sep = '&';
    dcx_buf_adds(&b, kv[i]);
    dcx_buf_addc(&b, '=');
    dcx_pct_encode(&b, kv[i + 1], strlen(kv[i + 1]), false);
  }
  return dcx_buf_take(&b);
}

void sbx_resp_redirect_with(struct sbx_resp *resp, unsigned status, const char *base,
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

/* ---- parameters */
static enum sbx_perr merge(struct sbx_kvlist *out, const char *name, const char *value)
{
  const char *have = sbx_kv_get(out, name);
  sbx_kv_blame(out, name, strlen(name));
  /* docs/sandbox.md, "Parameters": a name in the query and in the body must
   * carry the same value there; a different one is refused, never chosen */
  if (have != NULL) return strcmp(have, value) == 0 ? SBX_P_OK : SBX_P_DUP;
  if (strlen(name) > SBX_MAX_PARAM_NAME || strlen(value) > SBX_MAX_PARAM_VALUE) return SBX_P_LIMIT;
  if (out->n >= SBX_MAX_PARAMS) {
    out->err_name[0] = '\0';
    return SBX_P_LIMIT;
  }
  return sbx_kv_add(out, name, value) ? SBX_P_OK : SBX_P_NOMEM;
}

static enum sbx_perr qerr(enum sbx_qerr q)
{
  switch (q) {
  case SBX_Q_OK: return SBX_P_OK;
  case SBX_Q_NOMEM: return SBX_P_NOMEM;
  case SBX_Q_LIMIT: return SBX_P_LIMIT;
  case SBX_Q_SYNTAX: break;
  }
  return SBX_P_SYNTAX;
}

static bool ctype_is(const char *ct, const char *want)
{
  if (ct == NULL) return false;
  size_t n = strlen(want);
  for (size_t i = 0; i < n; i++)
    if (dcx_lower((unsigned char)ct[i]) != (unsigned char)want[i]) return false;
  return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

enum sbx_perr sbx_params(const struct sbx_req *req, bool use_body, struct sbx_kvlist *out)
{
  enum sbx_perr e = qerr(sbx_query_parse(req->query, strlen(req->query), out));
  if (e != SBX_P_OK) return e;
  for (size_t i = 0; i < out->n; i++)
    for (size_t k = i + 1; k < out->n; k++)
      if (strcmp(out->items[i].name, out->items[k].name) == 0) {
        sbx_kv_blame(out, out->items[i].name, strlen(out->items[i].name));
        return SBX_P_DUP;
      }
  if (!use_body || req->body_len == 0) return SBX_P_OK;
  bool blank = true;
  for (size_t i = 0; i < req->body_len && blank; i++)
    blank = req->body[i] == ' ' || req->body[i] == '\n' || req->body[i] == '\r' ||
            req->body[i] == '\t';
  if (blank) return SBX_P_OK;
  if (ctype_is(req->content_type, "application/x-www-form-urlencoded")) {
    struct sbx_kvlist form = {0};
    e = qerr(sbx_query_parse(req->body, req->body_len, &form));
    if (e != SBX_P_OK) memcpy(out->err_name, form.err_name, sizeof out->err_name);
    for (size_t i = 0; e == SBX_P_OK && i < form.n; i++)
      for (size_t k = i + 1; e == SBX_P_OK && k < form.n; k++)
        if (strcmp(form.items[i].name, form.items[k].name) == 0) {
          sbx_kv_blame(out, form.items[i].name, strlen(form.items[i].name));
          e = SBX_P_DUP;
        }
    for (size_t i = 0; e == SBX_P_OK && i < form.n; i++)
      e = merge(out, form.items[i].name, form.items[i].value);
    sbx_kv_free(&form);
    return e;
  }
  /* JSON (docs/protocol.md §3.3, §3.5: application/json; also without a type) */
  json_error_t je;
  json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
  if (doc == NULL) return SBX_P_SYNTAX;
  if (!json_is_object(doc)) {
    json_decref(doc);
    return SBX_P_TYPE;
  }
  const char *key;
  json_t *v;
  json_object_foreach(doc, key, v) {
    char num[32];
    const char *val = NULL;
    if (json_is_string(v)) {
      val = json_string_value(v);
    } else if (json_is_integer(v)) {
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
      val = num;
    } else if (json_is_boolean(v)) {
      val = json_is_true(v) ? "true" : "false";
    } else if (json_is_null(v)) {
      continue;
    } else {
      e = SBX_P_TYPE;
      break;
    }
    e = merge(out, key, val);
    if (e != SBX_P_OK) break;
  }
  json_decref(doc);
  return e;
}

void sbx_resp_params_error(struct sbx_resp *resp, enum sbx_perr e, const struct sbx_kvlist *p)
{
  char msg[300];
  const char *name = p != NULL ? p->err_name : "";
  switch (e) {
  case SBX_P_NOMEM: sbx_resp_error(resp, 500, "server_error", "out of memory"); return;
  case SBX_P_LIMIT:
    if (name[0] != '\0')
      snprintf(msg, sizeof msg,
               "parameter %s: the name is longer than %d bytes or the value longer than %d "
               "bytes (DC_MAX_PARAM_VALUE_LEN)", name, SBX_MAX_PARAM_NAME, SBX_MAX_PARAM_VALUE);
    else
      snprintf(msg, sizeof msg, "more than %d parameters", SBX_MAX_PARAMS);
    sbx_resp_error(resp, 400, "invalid_request", msg);
    return;
  case SBX_P_DUP:
    snprintf(msg, sizeof msg,
             "parameter %s is given twice with different values (in the query and the body, "
             "or twice in one of them)", name[0] ? name : "?");
    sbx_resp_error(resp, 400, "invalid_request", msg);
    return;
  case SBX_P_TYPE:
    sbx_resp_error(resp, 400, "invalid_request",
                   "the body must be a JSON object of strings, numbers or booleans");
    return;
  case SBX_P_SYNTAX:
    sbx_resp_error(resp, 400, "invalid_request", "malformed query, form or JSON body");
    return;
  case SBX_P_OK: break;
  }
}

/* ---- path */
char **sbx_path_segments(const char *path, size_t *n)
{
  char **v = NULL;
  size_t cnt = 0;
  *n = 0;
  if (path[0] != '/') return NULL;
  const char *p = path + 1;
  v = calloc(1, sizeof *v);
  if (v == NULL) return NULL;
  if (*p == '\0') return v;
  for (;;) {
    const char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char *seg = NULL;
    if (dcx_pct_decode(p, len, false, &seg) != DCX_OK || strchr(seg, '/') != NULL ||
        (len == 0 && end != NULL)) {
      free(seg);
      goto fail;
    }
    char **nv = realloc(v, (cnt + 2) * sizeof *nv);
    if (nv == NULL) {
      free(seg);
      goto fail;
    }
    v = nv;
    v[cnt++] = seg;
    v[cnt] = NULL;
    if (end == NULL) break;
    p = end + 1;
    if (*p == '\0') break; /* one trailing slash is tolerated */
    if (cnt > 16) goto fail;
  }
  *n = cnt;
  return v;
fail:
  sbx_strv_free(v);
  return NULL;
}
