/* IP address classification for the SSRF guard (internal).
 * docs/security.md §3: classify 4- or 16-byte addresses, never text. */
#ifndef DC_GUARD_ADDR_H
#define DC_GUARD_ADDR_H

#include <sys/socket.h>

#include "core/addr.h"
#include "core/internal.h"
#include "domainconnect/net.h" /* dc_guard_reason */

/* Records `reason` as the guard reason of the caller's record on `c`
 * (dc_client_guard_reason); NULL c: nothing. Every refusal by a guard rule
 * notes its reason where it is decided: dci_guard_addr_port,
 * dci_check_https_url, the TXT value parser, dc_guard_ip, the guard's
 * resolution. The record is writable per-caller state, like the detail, so
 * a const handle may note too. */
void dci_guard_note(const dc_client *c, dc_guard_reason reason);


/* The policy alone: NULL when the address may be connected to, else a fixed
 * reason naming the block ("loopback 127.0.0.0/8", "IPv4-mapped IPv6
 * ::ffff:0:0/96", "outside global unicast 2000::/3", ...). */
const char *dci_addr_problem(const dci_addr *a);

/* The guard's decision for this client and destination port 443:
 * dci_guard_addr_port(c, a, DCI_HTTPS_PORT). */
const char *dci_guard_addr(const dc_client *c, const dci_addr *a);
/* The guard's decision for this client, address and destination port: an
 * entry of the client's TEST-ONLY allow list with exactly this address and
 * this port passes (a bare address is an entry for port 443; an entry for
 * 127.0.0.1:8443 does not allow 127.0.0.1 on 443, nor the reverse). On
 * port 443 everything else goes through dci_addr_problem() and
 * dci_local_interface_problem(); on any other port everything else is
 * refused, public addresses included. Returns NULL or a fixed reason; a
 * refusal also notes its dc_guard_reason on c (dci_guard_note: PORT,
 * BLOCKED_ADDRESS or LOCAL_ADDRESS). */
const char *dci_guard_addr_port(const dc_client *c, const dci_addr *a, unsigned port);
/* TEST ONLY: true when `port` is not 443 and an entry of the client's allow
 * list names exactly that port. Only then may a URL or a _domainconnect TXT
 * value carry that port; each address the host resolves to is still judged
 * with it (dci_guard_addr_port). NULL c: false. */
bool dci_guard_test_port(const dc_client *c, unsigned port);

/* Refuses an address assigned to one of this host's interfaces (docs/security.md
 * §3.1 step 3: a public address of our own reaches our own listeners). NULL when
 * not local. Fails closed when the interfaces cannot be listed. */
const char *dci_local_interface_problem(const dci_addr *a);
/* For the IPv6 forms that embed an IPv4 address (mapped, compatible,
 * translated, NAT64, 6to4, Teredo): true and the IPv4 in *v4. Messages only;
 * the policy never unwraps. */
bool dci_addr_embedded_ipv4(const dci_addr *a, dci_addr *v4);
/* `why` plus, for embedding forms, " (embeds A.B.C.D)" into buf. */
void dci_addr_reason(const dci_addr *a, const char *why, char *buf, size_t n);

#endif
