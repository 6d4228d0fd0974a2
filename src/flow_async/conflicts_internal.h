/* Building a dc_conflicts in the library (the DNS Provider side produces
 * the same {type, host, data} list that a 409 body carries). Internal. */
#ifndef DC_FLOW_ASYNC_CONFLICTS_INTERNAL_H
#define DC_FLOW_ASYNC_CONFLICTS_INTERNAL_H

#include "core/internal.h"
#include "domainconnect/oauth.h"

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
