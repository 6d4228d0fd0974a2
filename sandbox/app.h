/* domainconnect-sandbox: the application state shared by the HTTP
 * handlers, and the request/response model they use. */
#ifndef SBX_APP_H
#define SBX_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "oauth.h"
#include "store.h"
#include "templates.h"
#include "util.h"

struct sbx_pending; /* consent requests waiting for a click (consent.c) */

struct sbx_app {
  const struct sbx_config *cfg;
  struct sbx_store *store;
  struct sbx_templates *templates;
  struct sbx_oauth *oauth;
  struct sbx_pending *pending;
  char api_url[300];  /* https://api.sandbox.test[:PORT] (PORT when not 443) */
  char ux_url[300];   /* https://connect.sandbox.test[:PORT] */
};

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

/* Routes one request (api.c). Never fails: the response is always set. */
void sbx_route(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp);

/* ---- parameters: query, then a JSON or form body, merged; a name given
 * twice with different values is refused (parameter pollution). */
enum sbx_perr { SBX_P_OK = 0, SBX_P_NOMEM, SBX_P_SYNTAX, SBX_P_LIMIT, SBX_P_DUP, SBX_P_TYPE };
enum sbx_perr sbx_params(const struct sbx_req *req, bool use_body, struct sbx_kvlist *out);
/* Splits a path into percent-decoded segments (no empty segment other than
 * the first); NULL-terminated, free with sbx_strv_free. */
char **sbx_path_segments(const char *path, size_t *n);

/* ---- API handlers (api.c) */
void sbx_api_settings(struct sbx_app *app, const char *zone, struct sbx_resp *resp);

/* ---- applying a template to a hosted zone (api.c), shared by the
 * asynchronous API and the synchronous consent page. */
struct sbx_apply_req {
  const struct sbx_template *tmpl;
  const char *domain;         /* normalised zone */
  const char *host;           /* normalised, "" = apex */
  const struct sbx_kvlist *params; /* every parameter; protocol ones skipped */
  bool force;
  bool multi_aware;
  const char *sig_query;      /* raw query for the signature check, or NULL */
  char **key_txt;             /* public-key records for it */
  size_t n_key_txt;
  bool ignore_signature;
};
struct sbx_apply_out {
  int http;                   /* 204, 409, 400, 500 ... */
  char error[64];             /* OAuth-style error code */
  char desc[300];             /* error_description */
  json_t *conflicts;          /* [{type,host,data}] on 409 */
  json_t *preview;            /* {"new":[..],"deleted":[..]} in dry runs */
};
/* Applies (dry_run: computes only, the zone is not changed). */
void sbx_apply(struct sbx_app *app, const struct sbx_apply_req *ar, bool dry_run,
               struct sbx_apply_out *out);
void sbx_apply_out_clear(struct sbx_apply_out *o);
/* NULL, or why providerName/serviceName are not allowed for the template
 * (docs/protocol.md §2.2 step 5). */
const char *sbx_check_shared(const struct sbx_template *t, const struct sbx_kvlist *p);
/* True for the protocol's own parameter names (never template variables). */
bool sbx_reserved_param(const char *name);

/* ---- consent pages (consent.c) */
struct sbx_pending *sbx_pending_new(void);
void sbx_pending_free(struct sbx_pending *p);
void sbx_consent_sync(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                      const char *service, struct sbx_resp *resp);
void sbx_consent_async(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                       struct sbx_resp *resp);
void sbx_consent_post(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp);
void sbx_page_index(struct sbx_app *app, struct sbx_resp *resp);
void sbx_page_zone(struct sbx_app *app, const char *zone, bool json, struct sbx_resp *resp);

#endif
