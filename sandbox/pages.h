/* domainconnect-sandbox: the pieces of the HTML pages (pages.c): a page
 * frame, error and result pages, record tables and the consent form. No
 * JavaScript; every value shown is HTML-escaped. */
#ifndef SBX_PAGES_H
#define SBX_PAGES_H

#include <stdbool.h>

#include <jansson.h>

#include "http_model.h"
#include "util.h"

/* The document head (title escaped) and the end of the page. */
void sbx_page_begin(dcx_buf *b, const char *title);
void sbx_page_end(dcx_buf *b);
/* A whole page: an error message, or a result ("you can close this
 * window"). */
void sbx_page_error(struct sbx_resp *resp, unsigned status, const char *title, const char *msg);
void sbx_page_done(struct sbx_resp *resp, const char *title, const char *msg);
/* Tables: zone records {type,name,data,ttl,priority} with names shown in
 * full below `zone`, and conflicts {type,host,data}. */
void sbx_page_records(dcx_buf *b, const json_t *recs, const char *zone);
void sbx_page_conflicts(dcx_buf *b, const json_t *recs);
/* The consent form (posted to /consent): the request id, the CSRF token
 * and two buttons. */
void sbx_page_form(dcx_buf *b, const char *id, const char *csrf, const char *yes_value,
                   const char *yes, const char *no_value, const char *no);
/* Parses a consent page's query into q; a malformed query, or a name of
 * `once` (NULL-terminated) given more than once, is an error page (false). */
bool sbx_page_query(const char *query, const char *const *once, struct sbx_kvlist *q,
                    struct sbx_resp *resp);

#endif
