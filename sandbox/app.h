/* domainconnect-sandbox: the application state shared by the HTTP
 * handlers, and the functions the sandbox's files call in each other.
 *
 * Files, each calling only the ones after it (no cycle):
 *   main.c           startup, the main loop
 *   http.c           libmicrohttpd glue: a request in, a response out
 *   router.c         method and path -> handler
 *   api.c            REST API: settings, template query, token, apply, revert
 *   consent.c        the /consent form answer -> one of the two flows
 *   consent_sync.c   the synchronous flow's consent page and its answer
 *   consent_async.c  the OAuth consent page and its answer
 *   pages.c          HTML page pieces (pages.h) and the read-only views
 *   pending.c        pending consent requests (one-time, CSRF-bound)
 *   engine.c         applying a template to a hosted zone (the engine glue)
 *   http_model.c     requests, responses, parameters (http_model.h)
 *   oauth.c, store.c, knot.c, pki.c, templates.c, config.c, util.c */
#ifndef SBX_APP_H
#define SBX_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "http_model.h"
#include "oauth.h"
#include "store.h"
#include "templates.h"
#include "util.h"

struct sbx_pending; /* consent requests waiting for a click (pending.c) */

struct sbx_app {
  const struct sbx_config *cfg;
  struct sbx_store *store;
  struct sbx_templates *templates;
  struct sbx_oauth *oauth;
  struct sbx_pending *pending;
  char api_url[300];  /* https://api.sandbox.test[:PORT] (PORT when not 443) */
  char ux_url[300];   /* https://connect.sandbox.test[:PORT] */
};

/* Routes one request (router.c). Never fails: the response is always set. */
void sbx_route(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp);

/* ---- API handlers (api.c) */
void sbx_api_settings(struct sbx_app *app, const char *zone, struct sbx_resp *resp);
void sbx_api_template(struct sbx_app *app, const char *p, const char *s,
                      struct sbx_resp *resp);
void sbx_api_token(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp);
void sbx_api_apply(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                   const char *service, struct sbx_resp *resp);
void sbx_api_revert(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                    const char *service, struct sbx_resp *resp);

/* ---- applying a template to a hosted zone (engine.c), shared by the
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

/* ---- pending consent requests (pending.c) */
enum { SBX_PENDING_SYNC = 1, SBX_PENDING_ASYNC = 2 };
struct sbx_pending *sbx_pending_new(void);
void sbx_pending_free(struct sbx_pending *p);
/* Stores `data` (reference taken) as a request of `kind` for `owner`
 * ("client:ID" or "sync:PROVIDERID"; per-owner and global caps, pending.c);
 * id and csrf receive fresh values. */
bool sbx_pending_add(struct sbx_pending *p, int kind, const char *owner, json_t *data,
                     char id[64], char csrf[64]);
/* Removes and returns the request when id and csrf match (constant time
 * for the CSRF token): its kind. 0: unknown or expired; -1: bad CSRF token
 * (the request stays). */
int sbx_pending_take(struct sbx_pending *p, const char *id, const char *csrf, json_t **data);

/* ---- consent pages (consent_sync.c, consent_async.c) and the form they
 * post to (consent.c); `data` is what the page stored (pending.c). */
void sbx_consent_sync(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                      const char *service, struct sbx_resp *resp);
void sbx_consent_sync_post(struct sbx_app *app, json_t *data, const char *action,
                           struct sbx_resp *resp);
void sbx_consent_async(struct sbx_app *app, const struct sbx_req *req, const char *provider,
                       struct sbx_resp *resp);
void sbx_consent_async_post(struct sbx_app *app, json_t *data, const char *action,
                            struct sbx_resp *resp);
void sbx_consent_post(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp);

/* ---- read-only views (pages.c) */
void sbx_page_index(struct sbx_app *app, struct sbx_resp *resp);
void sbx_page_zone(struct sbx_app *app, const char *zone, bool json, struct sbx_resp *resp);

#endif
