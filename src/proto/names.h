/* Name helpers shared with the URL builders (internal). */
#ifndef DC_PROTO_NAMES_H
#define DC_PROTO_NAMES_H

#include "core/internal.h"

/* Checks the `host` parameter of the sync/async URLs: the sub-domain part
 * left of the zone (docs/protocol.md §1.4). "" is the zone apex and passes.
 * Otherwise: labels separated by '.', each 1..DC_MAX_LABEL_LEN bytes of
 * ASCII letters, digits, '-' and '_' (underscore labels such as "_dmarc" are
 * legitimate owner names), not starting or ending with '-'; no empty label
 * (so no leading, trailing or doubled dot); at most DC_MAX_NAME_LEN bytes.
 * Letter case is not checked (DNS names are case-insensitive).
 * Returns NULL when it passes, else a fixed English reason. */
const char *dci_host_part_problem(const char *host);

/* dci_host_part_problem() as a status: DC_OK, DC_E_INVALID_HOST, or
 * DC_E_INVALID_ARG when host is NULL. Sets no detail (no handle): callers
 * add one with dci_fail, e.g. using dci_host_part_problem() as the reason. */
dc_status dci_check_host_part(const char *host);

#endif
