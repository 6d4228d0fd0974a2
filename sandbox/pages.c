/* domainconnect-sandbox: the HTML pages' pieces (pages.h), shared by the
 * consent pages, and the two read-only views of the zones (the index and
 * one zone). There is one implicit user, who owns every hosted zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <domainconnect/dc.h>

#include "app.h"
#include "pages.h"

/* ---- page pieces */
void sbx_page_begin(dcx_buf *b, const char *title)
{
  dcx_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width\"><title>");
  sbx_add_html(b, title);
  dcx_buf_adds(b, "</title><style>"
                  "body{font-family:sans-serif;max-width:52em;margin:1.5em auto;padding:0 1em;"
                  "color:#222}"
                  "table{border-collapse:collapse;margin:.5em 0 1em}"
                  "td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left;"
                  "font-family:monospace;word-break:break-all}"
                  ".warn{background:#fff3cd;border:1px solid #e0c36a;padding:.6em}"
                  ".err{background:#f8d7da;border:1px solid #d9828b;padding:.6em}"
                  ".ok{background:#d4edda;border:1px solid #8cc79b;padding:.6em}"
                  "button{font-size:1.05em;padding:.4em 1.4em;margin-right:1em}"
                  "header{color:#555;border-bottom:1px solid #ccc;margin-bottom:1em}"
                  "</style></head><body><header>domainconnect-sandbox</header>\n");
}

void sbx_page_end(dcx_buf *b) { dcx_buf_adds(b, "\n</body></html>\n"); }

/* A page with a heading and one message: `open` starts the message's
 * paragraph, `tail` follows it. */
static void message_page(struct sbx_resp *resp, unsigned status, const char *title,
                         const char *open, const char *msg, const char *tail)
{
  dcx_buf b;
  dcx_buf_init(&b, SBX_MAX_BUF);
  sbx_page_begin(&b, title);
  dcx_buf_adds(&b, "<h1>");
  sbx_add_html(&b, title);
  dcx_buf_adds(&b, "</h1>");
  dcx_buf_adds(&b, open);
  sbx_add_html(&b, msg);
  dcx_buf_adds(&b, tail);
  sbx_page_end(&b);
  sbx_resp_html(resp, status, dcx_buf_take(&b));
}

void sbx_page_error(struct sbx_resp *resp, unsigned status, const char *title,
                    const char *msg)
{
  message_page(resp, status, title, "<p class=\"err\">", msg, "</p>");
}

void sbx_page_done(struct sbx_resp *resp, const char *title, const char *msg)
{
  message_page(resp, 200, title, "<p class=\"ok\" id=\"result\">", msg,
               "</p><p>You can close this window.</p>");
}

void sbx_page_records(dcx_buf *b, const json_t *recs, const char *zone)
{
  size_t i;
  json_t *r;
  dcx_buf_adds(b, "<table><tr><th>type</th><th>name</th><th>data</th><th>ttl</th></tr>\n");
  json_array_foreach(recs, i, r) {
    const char *type = sbx_json_str(r, "type"), *name = sbx_json_str(r, "name");
    const char *data = sbx_json_str(r, "data");
    const json_t *ttl = json_object_get(r, "ttl"), *prio = json_object_get(r, "priority");
    dcx_buf_adds(b, "<tr><td>");
    sbx_add_html(b, type ? type : "?");
    dcx_buf_adds(b, "</td><td>");
    if (name == NULL || strcmp(name, "@") == 0) {
      sbx_add_html(b, zone);
    } else {
      sbx_add_html(b, name);
      dcx_buf_addc(b, '.');
      sbx_add_html(b, zone);
    }
    dcx_buf_adds(b, "</td><td>");
    if (json_is_integer(prio)) dcx_buf_addf(b, "%lld ", (long long)json_integer_value(prio));
    sbx_add_html(b, data ? data : "");
    dcx_buf_adds(b, "</td><td>");
    if (json_is_integer(ttl)) dcx_buf_addf(b, "%lld", (long long)json_integer_value(ttl));
    dcx_buf_adds(b, "</td></tr>\n");
  }
  dcx_buf_adds(b, "</table>\n");
}

void sbx_page_conflicts(dcx_buf *b, const json_t *recs)
{
  size_t i;
  json_t *r;
  dcx_buf_adds(b, "<table><tr><th>type</th><th>host</th><th>data</th></tr>\n");
  json_array_foreach(recs, i, r) {
    dcx_buf_adds(b, "<tr><td>");
    sbx_add_html(b, sbx_json_str(r, "type"));
    dcx_buf_adds(b, "</td><td>");
    sbx_add_html(b, sbx_json_str(r, "host"));
    dcx_buf_adds(b, "</td><td>");
    sbx_add_html(b, sbx_json_str(r, "data"));
    dcx_buf_adds(b, "</td></tr>\n");
  }
  dcx_buf_adds(b, "</table>\n");
}

void sbx_page_form(dcx_buf *b, const char *id, const char *csrf, const char *yes_value,
                   const char *yes, const char *no_value, const char *no)
{
  dcx_buf_adds(b, "<form method=\"post\" action=\"/consent\">"
                  "<input type=\"hidden\" name=\"request\" value=\"");
  sbx_add_html(b, id);
  dcx_buf_adds(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
  sbx_add_html(b, csrf);
  dcx_buf_adds(b, "\"><button type=\"submit\" name=\"action\" value=\"");
  sbx_add_html(b, yes_value);
  dcx_buf_adds(b, "\" id=\"");
  sbx_add_html(b, yes_value);
  dcx_buf_adds(b, "\">");
  sbx_add_html(b, yes);
  dcx_buf_adds(b, "</button><button type=\"submit\" name=\"action\" value=\"");
  sbx_add_html(b, no_value);
  dcx_buf_adds(b, "\" id=\"");
  sbx_add_html(b, no_value);
  dcx_buf_adds(b, "\">");
  sbx_add_html(b, no);
  dcx_buf_adds(b, "</button></form>\n");
}

bool sbx_page_query(const char *query, const char *const *once, struct sbx_kvlist *q,
                    struct sbx_resp *resp)
{
  char msg[400];
  enum sbx_qerr qe = sbx_query_parse(query, strlen(query), q);
  if (qe == SBX_Q_LIMIT) {
    if (q->err_name[0] != '\0')
      snprintf(msg, sizeof msg, "The parameter %s is too long (a name of at most %d bytes, a "
               "value of at most %d).", q->err_name, SBX_MAX_PARAM_NAME, SBX_MAX_PARAM_VALUE);
    else
      snprintf(msg, sizeof msg, "The query has more than %d parameters.", SBX_MAX_PARAMS);
    sbx_page_error(resp, 400, "Bad request", msg);
    return false;
  }
  if (qe != SBX_Q_OK) {
    sbx_page_error(resp, qe == SBX_Q_NOMEM ? 500 : 400, "Bad request", "The query is malformed.");
    return false;
  }
  for (size_t i = 0; once[i] != NULL; i++)
    if (sbx_kv_count(q, once[i]) > 1) {
      snprintf(msg, sizeof msg, "The parameter %s is given more than once.", once[i]);
      sbx_page_error(resp, 400, "Bad request", msg);
      return false;
    }
  return true;
}

/* ---- read-only views */
void sbx_page_index(struct sbx_app *app, struct sbx_resp *resp)
{
  dcx_buf b;
  dcx_buf_init(&b, SBX_MAX_BUF);
  sbx_page_begin(&b, "domainconnect-sandbox");
  dcx_buf_adds(&b, "<h1>");
  sbx_add_html(&b, app->cfg->display_name);
  dcx_buf_adds(&b, "</h1><p>A local Domain Connect DNS Provider. API: <code>");
  sbx_add_html(&b, app->api_url);
  dcx_buf_adds(&b, "</code></p><h2>Zones</h2><ul>\n");
  for (size_t i = 0; i < app->store->n_zones; i++) {
    const char *z = app->store->zones[i].name;
    dcx_buf_adds(&b, "<li><a href=\"/zones/");
    sbx_add_html(&b, z);
    dcx_buf_adds(&b, "\">");
    sbx_add_html(&b, z);
    dcx_buf_adds(&b, "</a></li>\n");
  }
  dcx_buf_adds(&b, "</ul><h2>Templates</h2><ul>\n");
  for (size_t i = 0; i < app->templates->n; i++) {
    const struct sbx_template *t = &app->templates->items[i];
    dcx_buf_adds(&b, "<li><code>");
    sbx_add_html(&b, t->provider_id);
    dcx_buf_addc(&b, '/');
    sbx_add_html(&b, t->service_id);
    dcx_buf_adds(&b, "</code> ");
    sbx_add_html(&b, dc_template_service_name(t->t));
    dcx_buf_adds(&b, "</li>\n");
  }
  dcx_buf_adds(&b, "</ul>");
  sbx_page_end(&b);
  sbx_resp_html(resp, 200, dcx_buf_take(&b));
}

void sbx_page_zone(struct sbx_app *app, const char *zone, bool json, struct sbx_resp *resp)
{
  char *z = sbx_normalize_name(zone, false);
  struct sbx_zone *sz = z ? sbx_store_find(app->store, z) : NULL;
  json_t *recs = NULL;
  uint32_t serial = 0;
  if (sz == NULL) {
    if (json) sbx_resp_error(resp, 404, "not_found", "no such zone");
    else sbx_page_error(resp, 404, "Not found", "No such zone.");
    goto done;
  }
  if (!sbx_store_read(app->store, sz, &recs, &serial)) {
    sbx_resp_error(resp, 500, "server_error", "cannot read the zone");
    goto done;
  }
  if (json) {
    sbx_resp_json(resp, 200,
                  json_pack("{s:s, s:I, s:O}", "zone", z, "serial", (json_int_t)serial, "records",
                            recs));
    goto done;
  }
  dcx_buf b;
  dcx_buf_init(&b, SBX_MAX_BUF);
  sbx_page_begin(&b, z);
  dcx_buf_adds(&b, "<h1>");
  sbx_add_html(&b, z);
  dcx_buf_addf(&b, "</h1><p>Serial %u. SOA, NS and _domainconnect are added by the sandbox.</p>\n",
               serial);
  sbx_page_records(&b, recs, z);
  sbx_page_end(&b);
  sbx_resp_html(resp, 200, dcx_buf_take(&b));
done:
  json_decref(recs);
  free(z);
}
