/* IP addresses and ports (internal): the library's names for the shared
 * tier's one parser of address and port text (x/addr.h, where they are
 * documented). The policy that judges them is the guard's (guard/addr.h). */
#ifndef DC_CORE_ADDR_H
#define DC_CORE_ADDR_H

#include "x/addr.h"

/* The only port the guard connects to in production (docs/security.md §2.2);
 * other ports only through the TEST-ONLY allow list. */
#define DCI_HTTPS_PORT 443u

typedef dcx_addr dci_addr;
#define dci_addr_parse dcx_addr_parse
#define dci_addr_format dcx_addr_format
#define dci_addr_equal dcx_addr_equal
#define dci_addr_from_sockaddr dcx_addr_from_sockaddr
#define dci_port_problem dcx_port_problem
#define dci_hostport_parse dcx_hostport_parse

#endif
