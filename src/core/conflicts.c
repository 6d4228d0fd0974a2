/* The dc_conflicts model: free, accessors and building (core/conflicts.h). */
#include <stdlib.h>
#include <string.h>

#include "core/conflicts.h"

DC_API void dc_conflicts_free(dc_conflicts *cf)
{
  if (cf == NULL) return;
  for (size_t i = 0; i < cf->count; i++) {
    free(cf->recs[i].type);
    free(cf->recs[i].host);
    free(cf->recs[i].data);
  }
  free(cf->recs);
  free(cf->code);
  free(cf->message);
  free(cf);
}

DCI_GETTER(const char *, dc_conflicts_code, dc_conflicts, code, NULL)
DCI_GETTER(const char *, dc_conflicts_message, dc_conflicts, message, NULL)
DCI_GETTER(size_t, dc_conflicts_count, dc_conflicts, count, 0)

DC_API const char *dc_conflicts_type(const dc_conflicts *cf, size_t i)
{
  return (cf && i < cf->count) ? cf->recs[i].type : NULL;
}

DC_API const char *dc_conflicts_host(const dc_conflicts *cf, size_t i)
{
  if (cf == NULL || i >= cf->count) return NULL;
  return cf->recs[i].host ? cf->recs[i].host : "";
}

DC_API const char *dc_conflicts_data(const dc_conflicts *cf, size_t i)
{
  if (cf == NULL || i >= cf->count) return NULL;
  return cf->recs[i].data ? cf->recs[i].data : "";
}

/* ---- building (the DNS Provider side, and the 409 parser) */

dc_status dci_conflicts_new(const char *code, const char *message,
                            dc_conflicts **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  dc_conflicts *cf = calloc(1, sizeof *cf);
  if (cf == NULL) return DC_E_NOMEM;
  if ((code != NULL && (cf->code = dci_strdup(code)) == NULL) ||
      (message != NULL && (cf->message = dci_strdup(message)) == NULL)) {
    dc_conflicts_free(cf);
    return DC_E_NOMEM;
  }
  *out = cf;
  return DC_OK;
}

dc_status dci_conflicts_add(dc_conflicts *cf, const char *type, const char *host,
                            const char *data)
{
  if (cf == NULL || type == NULL) return DC_E_INVALID_ARG;
  if (cf->count == cf->cap) {
    size_t ncap = cf->cap ? cf->cap * 2 : 8;
    struct dci_conflict_record *nr = realloc(cf->recs, ncap * sizeof *nr);
    if (nr == NULL) return DC_E_NOMEM;
    cf->recs = nr;
    cf->cap = ncap;
  }
  struct dci_conflict_record *r = &cf->recs[cf->count];
  r->type = dci_strdup(type);
  r->host = host ? dci_strdup(host) : NULL;
  r->data = data ? dci_strdup(data) : NULL;
  if (r->type == NULL || (host && r->host == NULL) || (data && r->data == NULL)) {
    free(r->type);
    free(r->host);
    free(r->data);
    return DC_E_NOMEM;
  }
  cf->count++;
  return DC_OK;
}
