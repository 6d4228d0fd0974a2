/* IP addresses and ports as bytes and numbers (internal): the one parser of
 * address and port text in the library. The policy that judges them is the
 * guard's (guard/addr.h); this file only reads and writes them. */
#ifndef DC_CORE_ADDR_H
#define DC_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* The only port the guard connects to in production (docs/security.md §2.2);
 * other ports only through the TEST-ONLY allow list. */
#define DCI_HTTPS_PORT 443u

typedef struct dci_addr {
  int family;            /* AF_INET or AF_INET6 */
  unsigned char b[16];   /* network order; IPv4 uses b[0..3] */
} dci_addr;

/* Strict literal parse: IPv4 only as a canonical dotted quad
 * (inet_pton(AF_INET)), IPv6 as inet_pton(AF_INET6) accepts it, optionally
 * in brackets; a zone id ("%eth0") is refused. Returns true on success. */
bool dci_addr_parse(const char *text, dci_addr *out);
/* Text form (inet_ntop) into buf (at least 46 bytes). */
void dci_addr_format(const dci_addr *a, char *buf, size_t n);
bool dci_addr_equal(const dci_addr *a, const dci_addr *b);
/* From a sockaddr (AF_INET / AF_INET6); *port in host order. A sockaddr_in6
 * with a non-zero scope id is reported through *scoped. */
bool dci_addr_from_sockaddr(const struct sockaddr *sa, dci_addr *out,
                            unsigned *port, bool *scoped);

/* Checks the text of a port: `len` bytes of `s`, 1..5 decimal digits
 * without a sign or a leading zero, value 1..65535. Returns NULL and the
 * value in *port when it passes, else a fixed English reason ("empty port",
 * "port is not decimal digits", "port with a leading zero", "port outside
 * 1..65535"). */
const char *dci_port_problem(const char *s, size_t len, unsigned *port);

/* "IP", "IPv4:PORT", "[IPv6]" or "[IPv6]:PORT" (len bytes, no NUL needed):
 * the address through dci_addr_parse, the port through dci_port_problem;
 * *port is `default_port` when none is written. An unbracketed IPv6 address
 * is always a whole address ("::1:8443" is ::1:8443, no port). Returns NULL
 * or a fixed English reason. */
const char *dci_hostport_parse(const char *text, size_t len, unsigned default_port,
                               dci_addr *out, unsigned *port);

#endif
