/* The dc_conflicts list ({code, message, records of {type, host, data}}):
 * what a 409 body carries (parsed in flow_async/conflicts.c) and what the
 * DNS Provider side's template engine reports (template/). Both build it
 * here, below them. Internal. */
#ifndef DC_CORE_CONFLICTS_H
#define DC_CORE_CONFLICTS_H

#include "core/internal.h"
#include "domainconnect/oauth.h"

struct dci_conflict_record {
  char *type;
  char *host; /* NULL when absent (reads as "") */
  char *data; /* NULL when absent (reads as "") */
};

struct dc_conflicts {
  char *code;
  char *message;
  size_t count;
  struct dci_conflict_record *recs;
  size_t cap; /* allocated recs (dci_conflicts_add); parse sizes exactly */
};

/* A new, empty list with the given code and message (either may be NULL:
 * absent). Returns DC_OK or DC_E_NOMEM (no detail: there is no handle). */
dc_status dci_conflicts_new(const char *code, const char *message,
                            dc_conflicts **out);
/* Appends one record (strings copied; host and data may be NULL, read
 * back as ""). No limit is applied here: callers keep their lists within
 * DC_MAX_CONFLICT_RECORDS so that the 409 body they send stays readable by
 * dc_conflicts_parse. Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM. */
dc_status dci_conflicts_add(dc_conflicts *cf, const char *type, const char *host,
                            const char *data);

#endif
