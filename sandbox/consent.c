/* domainconnect-sandbox: the form both consent pages post to (/consent).
 * The request id and CSRF token take the pending request back (pending.c);
 * its kind picks the flow that answers (consent_sync.c, consent_async.c). */
#include <string.h>

#include "app.h"
#include "pages.h"

void sbx_consent_post(struct sbx_app *app, const struct sbx_req *req, struct sbx_resp *resp)
{
  struct sbx_kvlist f = {0};
  json_t *data = NULL;
  enum sbx_qerr qe = sbx_query_parse(req->body, req->body_len, &f);
  if (qe != SBX_Q_OK || strlen(req->body) != req->body_len) {
    sbx_page_error(resp, 400, "Bad request", "The form is malformed.");
    goto done;
  }
  const char *action = sbx_kv_get(&f, "action");
  int kind = sbx_pending_take(app->pending, sbx_kv_get(&f, "request"), sbx_kv_get(&f, "csrf"),
                              &data);
  if (kind == -1) {
    sbx_page_error(resp, 403, "Forbidden", "The form's security token does not match.");
    goto done;
  }
  if (kind == 0) {
    sbx_page_error(resp, 400, "Request expired",
                   "This request expired or was already answered. Start again from the "
                   "service.");
    goto done;
  }
  if (action == NULL) {
    sbx_page_error(resp, 400, "Bad request", "No action was chosen.");
    goto done;
  }
  if (kind == SBX_PENDING_SYNC) sbx_consent_sync_post(app, data, action, resp);
  else sbx_consent_async_post(app, data, action, resp);
done:
  json_decref(data);
  sbx_kv_free(&f);
}
