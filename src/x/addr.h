/* The shared helper tier: IP addresses and ports as text, bytes and
 * numbers; the one parser of address and port text in the tree (library,
 * CLI and sandbox). The policy that judges an address is the guard's
 * (guard/addr.h); this file only reads and writes them. */
#ifndef DC_X_ADDR_H
#define DC_X_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef struct dcx_addr {
  int family;            /* AF_INET or AF_INET6 */
  unsigned char b[16];   /* network order; IPv4 uses b[0..3] */
} dcx_addr;

/* A bare literal of `family` (AF_INET, AF_INET6, or AF_UNSPEC for either):
 * IPv4 only as a canonical dotted quad (glibc's inet_pton(AF_INET): four
 * decimal parts without leading zeros), IPv6 as inet_pton(AF_INET6) takes
 * it; no brackets, no zone id. Returns true on success. */
bool dcx_ip_parse(const char *text, int family, dcx_addr *out);
/* dcx_ip_parse(AF_UNSPEC), or an IPv6 address in brackets ("[::1]"); a zone
 * id ("%eth0") is refused. Returns true on success. */
bool dcx_addr_parse(const char *text, dcx_addr *out);
/* Text form (inet_ntop) into buf (at least 46 bytes). */
void dcx_addr_format(const dcx_addr *a, char *buf, size_t n);
bool dcx_addr_equal(const dcx_addr *a, const dcx_addr *b);
/* From a sockaddr (AF_INET / AF_INET6); *port in host order. A sockaddr_in6
 * with a non-zero scope id is reported through *scoped. */
bool dcx_addr_from_sockaddr(const struct sockaddr *sa, dcx_addr *out,
                            unsigned *port, bool *scoped);
/* The sockaddr_in / sockaddr_in6 of `a` and `port` (host order) in *ss;
 * returns its length, 0 for an address of no family. */
size_t dcx_addr_to_sockaddr(const dcx_addr *a, unsigned port, struct sockaddr_storage *ss);

/* Checks the text of a port: `len` bytes of `s`, 1..5 decimal digits
 * without a sign or a leading zero, value 1..65535. Returns NULL and the
 * value in *port when it passes, else a fixed English reason ("empty port",
 * "port is not decimal digits", "port with a leading zero", "port outside
 * 1..65535"). */
const char *dcx_port_problem(const char *s, size_t len, unsigned *port);

/* "IP", "IPv4:PORT", "[IPv6]" or "[IPv6]:PORT" (len bytes, no NUL needed):
 * the address through dcx_addr_parse, the port through dcx_port_problem;
 * *port is `default_port` when none is written. An unbracketed IPv6 address
 * is always a whole address ("::1:8443" is ::1:8443, no port). Returns NULL
 * or a fixed English reason. */
const char *dcx_hostport_parse(const char *text, size_t len, unsigned default_port,
                               dcx_addr *out, unsigned *port);

#endif
