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
void sbx_page_begin(struct sbuf *b, const char *title)
{
  sbuf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width\"><title>");
  sbuf_add_html(b, title);
  sbuf_adds(b, "</title><style>"
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

void sbx_page_end(struct sbuf *b) { sbuf_adds(b, "\n</body></html>\n"); }

/* A page with a heading and one message: `open` starts the message's
 * paragraph, `tail` follows it. */
static void message_page(struct sbx_resp *resp, unsigned status, const char *title,
                         const char *open, const char *msg, const char *tail)
{
  struct sbuf b;
  sbuf_init(&b);
  sbx_page_begin(&b, title);
  sbuf_adds(&b, "<h1>");
  sbuf_add_html(&b, title);
  sbuf_adds(&b, "</h1>");
  sbuf_adds(&b, open);
  sbuf_add_html(&b, msg);
  sbuf_adds(&b, tail);
  sbx_page_end(&b);
  sbx_resp_html(resp, status, sbuf_take(&b));
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

void sbx_page_records(struct sbuf *b, const json_t *recs, const char *zone)
{
  size_t i;
  json_t *r;
  sbuf_adds(b, "<table><tr><th>type</th><th>name</th><th>data</th><th>ttl</th></tr>\n");
  json_array_foreach(recs, i, r) {
    const char *type = sbx_json_str(r, "type"), *name = sbx_json_str(r, "name");
    const char *data = sbx_json_str(r, "data");
    const json_t *ttl = json_object_get(r, "ttl"), *prio = json_object_get(r, "priority");
    sbuf_adds(b, "<tr><td>");
    sbuf_add_html(b, type ? type : "?");
    sbuf_adds(b, "</td><td>");
    if (name == NULL || strcmp(name, "@") == 0) {
      sbuf_add_html(b, zone);
    } else {
      sbuf_add_html(b, name);
      sbuf_addc(b, '.');
      sbuf_add_html(b, zone);
    }
    sbuf_adds(b, "</td><td>");
    if (json_is_integer(prio)) sbuf_addf(b, "%lld ", (long long)json_integer_value(prio));
    sbuf_add_html(b, data ? data : "");
    sbuf_adds(b, "</td><td>");
    if (json_is_integer(ttl)) sbuf_addf(b, "%lld", (long long)json_integer_value(ttl));
    sbuf_adds(b, "</td></tr>\n");
  }
  sbuf_adds(b, "</table>\n");
}

void sbx_page_conflicts(struct sbuf *b, const json_t *recs)
{
  size_t i;
  json_t *r;
  sbuf_adds(b, "<table><tr><th>type</th><th>host</th><th>data</th></tr>\n");
  json_array_foreach(recs, i, r) {
    sbuf_adds(b, "<tr><td>");
    sbuf_add_html(b, sbx_json_str(r, "type"));
    sbuf_adds(b, "</td><td>");
    sbuf_add_html(b, sbx_json_str(r, "host"));
    sbuf_adds(b, "</td><td>");
    sbuf_add_html(b, sbx_json_str(r, "data"));
    sbuf_adds(b, "</td></tr>\n");
  }
  sbuf_adds(b, "</table>\n");
}

void sbx_page_form(struct sbuf *b, const char *id, const char *csrf, const char *yes_value,
                   const char *yes, const char *no_value, const char *no)
{
  sbuf_adds(b, "<form method=\"post\" action=\"/consent\">"
               "<input type=\"hidden\" name=\"request\" value=\"");
  sbuf_add_html(b, id);
  sbuf_adds(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
  sbuf_add_html(b, csrf);
  sbuf_adds(b, "\"><button type=\"submit\" name=\"action\" value=\"");
  sbuf_add_html(b, yes_value);
  sbuf_adds(b, "\" id=\"");
  sbuf_add_html(b, yes_value);
  sbuf_adds(b, "\">");
  sbuf_add_html(b, yes);
  sbuf_adds(b, "</button><button type=\"submit\" name=\"action\" value=\"");
  sbuf_add_html(b, no_value);
  sbuf_adds(b, "\" id=\"");
  sbuf_add_html(b, no_value);
  sbuf_adds(b, "\">");
  sbuf_add_html(b, no);
  sbuf_adds(b, "</button></form>\n");
}

bool sbx_page_query(const char *query, const char *const *once, struct sbx_kvlist *q,
                    struct sbx_resp *resp)
{
  char msg[400];
  enum sbx_qerr qe = sbx_query_parse(query, strlen(query), q);
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
  struct sbuf b;
  sbuf_init(&b);
  sbx_page_begin(&b, "domainconnect-sandbox");
  sbuf_adds(&b, "<h1>");
  sbuf_add_html(&b, app->cfg->display_name);
  sbuf_adds(&b, "</h1><p>A local Domain Connect DNS Provider. API: <code>");
  sbuf_add_html(&b, app->api_url);
  sbuf_adds(&b, "</code></p><h2>Zones</h2><ul>\n");
  for (size_t i = 0; i < app->store->n_zones; i++) {
    const char *z = app->store->zones[i].name;
    sbuf_adds(&b, "<li><a href=\"/zones/");
    sbuf_add_html(&b, z);
    sbuf_adds(&b, "\">");
    sbuf_add_html(&b, z);
    sbuf_adds(&b, "</a></li>\n");
  }
  sbuf_adds(&b, "</ul><h2>Templates</h2><ul>\n");
  for (size_t i = 0; i < app->templates->n; i++) {
    const struct sbx_template *t = &app->templates->items[i];
    sbuf_adds(&b, "<li><code>");
    sbuf_add_html(&b, t->provider_id);
    sbuf_addc(&b, '/');
    sbuf_add_html(&b, t->service_id);
    sbuf_adds(&b, "</code> ");
    sbuf_add_html(&b, dc_template_service_name(t->t));
    sbuf_adds(&b, "</li>\n");
  }
  sbuf_adds(&b, "</ul>");
  sbx_page_end(&b);
  sbx_resp_html(resp, 200, sbuf_take(&b));
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
  struct sbuf b;
  sbuf_init(&b);
  sbx_page_begin(&b, z);
  sbuf_adds(&b, "<h1>");
  sbuf_add_html(&b, z);
  sbuf_addf(&b, "</h1><p>Serial %u. SOA, NS and _domainconnect are added by the sandbox.</p>\n",
            serial);
  sbx_page_records(&b, recs, z);
  sbx_page_end(&b);
  sbx_resp_html(resp, 200, sbuf_take(&b));
done:
  json_decref(recs);
  free(z);
}
