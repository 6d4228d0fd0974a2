/* domainconnect-sandbox: request routing. Maps method and path to the
 * handler: the REST API (api.c), the consent pages (consent_sync.c,
 * consent_async.c, consent.c) and the read-only views (pages.c). */
#include <string.h>

#include "app.h"

static void method_not_allowed(struct sbx_resp *resp, const char *allow)
{
  sbx_resp_error(resp, 405, "method_not_allowed", "this path does not take that method");
  resp->allow = allow;
}

void sbx_route(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp)
{
  size_t n = 0;
  char **seg = sbx_path_segments(req->path, &n);
  bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
  if (seg == NULL) {
    sbx_resp_error(resp, 400, "invalid_request", "malformed path");
    return;
  }
  if (n == 0) {
    if (get) sbx_page_index(app, resp);
    else method_not_allowed(resp, "GET, HEAD");
  } else if (strcmp(seg[0], "consent") == 0 && n == 1) {
    if (post) sbx_consent_post(app, req, resp);
    else method_not_allowed(resp, "POST");
  } else if (strcmp(seg[0], "zones") == 0 && (n == 2 || (n == 3 && strcmp(seg[2], "records") == 0))) {
    if (get) sbx_page_zone(app, seg[1], n == 3, resp);
    else method_not_allowed(resp, "GET, HEAD");
  } else if (strcmp(seg[0], "v2") == 0 && n == 3 && strcmp(seg[2], "settings") == 0) {
    if (get) sbx_api_settings(app, seg[1], resp);
    else method_not_allowed(resp, "GET, HEAD");
  } else if (strcmp(seg[0], "v2") == 0 && n == 3 && strcmp(seg[1], "oauth") == 0 &&
             strcmp(seg[2], "access_token") == 0) {
    if (post) sbx_api_token(app, req, resp);
    else method_not_allowed(resp, "POST");
  } else if (strcmp(seg[0], "v2") == 0 && n >= 4 && strcmp(seg[1], "domainTemplates") == 0 &&
             strcmp(seg[2], "providers") == 0) {
    const char *prov = seg[3];
    if (n == 4) {
      if (get) sbx_consent_async(app, req, prov, resp);
      else method_not_allowed(resp, "GET, HEAD");
    } else if (n >= 6 && strcmp(seg[4], "services") == 0 && n <= 7) {
      const char *svc = seg[5];
      if (n == 6) {
        struct sbx_kvlist q = {0};
        bool consent = sbx_query_parse(req->query, strlen(req->query), &q) == SBX_Q_OK &&
                       sbx_kv_get(&q, "client_id") != NULL;
        sbx_kv_free(&q);
        /* docs/protocol.md §3.2: some clients put the serviceId in the
         * consent path; a query with client_id is a consent request */
        if (get && consent) sbx_consent_async(app, req, prov, resp);
        else if (get) sbx_api_template(app, prov, svc, resp);
        else method_not_allowed(resp, "GET, HEAD");
      } else if (strcmp(seg[6], "apply") == 0) {
        if (get) sbx_consent_sync(app, req, prov, svc, resp);
        else if (post) sbx_api_apply(app, req, prov, svc, resp);
        else method_not_allowed(resp, "GET, HEAD, POST");
      } else if (strcmp(seg[6], "revert") == 0) {
        if (post) sbx_api_revert(app, req, prov, svc, resp);
        else method_not_allowed(resp, "POST");
      } else {
        sbx_resp_error(resp, 404, "not_found", "no such endpoint");
      }
    } else {
      sbx_resp_error(resp, 404, "not_found", "no such endpoint");
    }
  } else {
    sbx_resp_error(resp, 404, "not_found", "no such endpoint");
  }
  sbx_strv_free(seg);
}
