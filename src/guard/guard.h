/* Guard steps that need DNS (internal). */
#ifndef DC_GUARD_GUARD_H
#define DC_GUARD_GUARD_H

#include "dns/resolver.h"
#include "guard/addr.h"

/* Resolves `host` (a name that passed dci_hostname_problem) through the
 * client's DNS and judges every address with dci_guard_addr(): one
 * forbidden address refuses the whole name (docs/security.md §2.4).
 * DC_OK with the addresses in *out (may be NULL); DC_E_BLOCKED naming the
 * first forbidden address and its reason; the resolver's status unchanged
 * when the lookup fails. */
dc_status dci_guard_resolve(dc_client *c, const char *host, dci_addr_list *out);
/* The same for destination `port`: every address is judged with
 * dci_guard_addr_port() (dci_guard_resolve is this with port 443). */
dc_status dci_guard_resolve_port(dc_client *c, const char *host, unsigned port,
                                 dci_addr_list *out);

#endif
