/* domainconnect-sandbox: the request/response model of the HTTP handlers
 * (http_model.c): a request as http.c hands it over, the response a handler
 * fills in, and the helpers every handler uses to read parameters and
 * write responses. */
#ifndef SBX_HTTP_MODEL_H
#define SBX_HTTP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util.h"

/* One request as the handlers see it. */
struct sbx_req {
  const char *method;     /* "GET", "POST", ... (HEAD is routed as GET) */
  char *path;             /* raw path, before '?' */
  char *query;            /* raw query after '?', "" when none */
  const char *body;       /* NUL-terminated; may hold NUL bytes before len */
  size_t body_len;
  const char *content_type;  /* header value or NULL */
  const char *authorization; /* header value or NULL */
};

struct sbx_resp {
  unsigned status;
  char *body;             /* malloc'd; NULL for none */
  size_t len;
  const char *ctype;
  char *location;         /* Location header (redirects) */
  char *www_authenticate; /* WWW-Authenticate header */
  const char *allow;      /* Allow header (405) */
  bool html;
};

void sbx_resp_clear(struct sbx_resp *r);
/* {"error": error, "error_description": desc} (RFC 6749 5.2 shape). */
void sbx_resp_error(struct sbx_resp *r, unsigned status, const char *error, const char *desc);
/* Takes the reference. */
void sbx_resp_json(struct sbx_resp *r, unsigned status, json_t *doc);
void sbx_resp_empty(struct sbx_resp *r, unsigned status);
/* Takes the string. */
void sbx_resp_html(struct sbx_resp *r, unsigned status, char *html);
/* 303 See Other (after a form POST) or 302 to url (copied). */
void sbx_resp_redirect(struct sbx_resp *r, unsigned status, const char *url);
/* The same to base + ('?' or '&') + name=value pairs, percent-encoded: kv
 * is name, value, ..., NULL (pairs with a NULL value are skipped). */
void sbx_resp_redirect_with(struct sbx_resp *r, unsigned status, const char *base,
                            const char *const *kv);

/* ---- parameters: query, then a JSON or form body, merged; a name given
 * twice with different values is refused (parameter pollution), the same
 * value twice (query and body) is taken once. */
enum sbx_perr { SBX_P_OK = 0, SBX_P_NOMEM, SBX_P_SYNTAX, SBX_P_LIMIT, SBX_P_DUP, SBX_P_TYPE };
enum sbx_perr sbx_params(const struct sbx_req *req, bool use_body, struct sbx_kvlist *out);
/* The 400 (or 500) response for a parameter error other than SBX_P_OK,
 * naming the parameter it is about (p->err_name) when there is one. */
void sbx_resp_params_error(struct sbx_resp *resp, enum sbx_perr e, const struct sbx_kvlist *p);
/* Splits a path into percent-decoded segments (no empty segment other than
 * the first); NULL-terminated, free with sbx_strv_free. */
char **sbx_path_segments(const char *path, size_t *n);

#endif
