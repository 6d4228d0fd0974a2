/* IP address and port text (x/addr.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "x/addr.h"
#include "x/str.h"

bool dcx_ip_parse(const char *text, int family, dcx_addr *out)
{
  if (text == NULL || out == NULL) return false;
  memset(out, 0, sizeof *out);
  /* longer than INET6_ADDRSTRLEN (46 with the NUL) is no address */
  if (strnlen(text, INET6_ADDRSTRLEN) >= INET6_ADDRSTRLEN) return false;
  /* glibc's inet_pton(AF_INET) takes exactly four decimal parts without
   * leading zeros: "127.1", "0x7f.0.0.1", "010.0.0.1" and "2130706433"
   * are not addresses (docs/security.md §3.6). */
  if (family != AF_INET6 && inet_pton(AF_INET, text, out->b) == 1) {
    out->family = AF_INET;
    return true;
  }
  if (family != AF_INET && inet_pton(AF_INET6, text, out->b) == 1) {
    out->family = AF_INET6;
    return true;
  }
  memset(out, 0, sizeof *out);
  return false;
}

bool dcx_addr_parse(const char *text, dcx_addr *out)
{
  if (text == NULL || out == NULL) return false;
  memset(out, 0, sizeof *out);
  /* INET6_ADDRSTRLEN (46, with NUL) plus brackets; longer is no address. */
  char buf[INET6_ADDRSTRLEN + 2];
  size_t len = strnlen(text, sizeof buf);
  if (len == 0 || len >= sizeof buf) return false;
  /* A zone id ("%eth0", "%25eth0") is refused whatever follows
   * (docs/security.md §3.1 step 2a). */
  if (memchr(text, '%', len) != NULL) return false;
  if (text[0] != '[') return dcx_ip_parse(text, AF_UNSPEC, out);
  if (len < 3 || text[len - 1] != ']') return false;
  memcpy(buf, text + 1, len - 2);
  buf[len - 2] = '\0';
  return dcx_ip_parse(buf, AF_INET6, out);
}

void dcx_addr_format(const dcx_addr *a, char *buf, size_t n)
{
  if (buf == NULL || n == 0) return;
  buf[0] = '\0';
  if (a == NULL || (a->family != AF_INET && a->family != AF_INET6)) {
    snprintf(buf, n, "(no address)");
    return;
  }
  char tmp[INET6_ADDRSTRLEN];
  if (inet_ntop(a->family, a->b, tmp, sizeof tmp) == NULL) {
    snprintf(buf, n, "(unprintable address)");
    return;
  }
  snprintf(buf, n, "%s", tmp);
}

bool dcx_addr_equal(const dcx_addr *a, const dcx_addr *b)
{
  if (a == NULL || b == NULL || a->family != b->family) return false;
  size_t len = a->family == AF_INET ? 4 : 16;
  return memcmp(a->b, b->b, len) == 0;
}

bool dcx_addr_from_sockaddr(const struct sockaddr *sa, dcx_addr *out,
                            unsigned *port, bool *scoped)
{
  if (out != NULL) memset(out, 0, sizeof *out);
  if (port != NULL) *port = 0;
  if (scoped != NULL) *scoped = false;
  if (sa == NULL || out == NULL) return false;
  if (sa->sa_family == AF_INET) {
    struct sockaddr_in sin;
    memcpy(&sin, sa, sizeof sin);
    out->family = AF_INET;
    memcpy(out->b, &sin.sin_addr, 4);
    if (port != NULL) *port = ntohs(sin.sin_port);
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    struct sockaddr_in6 sin6;
    memcpy(&sin6, sa, sizeof sin6);
    out->family = AF_INET6;
    memcpy(out->b, &sin6.sin6_addr, 16);
    if (port != NULL) *port = ntohs(sin6.sin6_port);
    if (scoped != NULL) *scoped = sin6.sin6_scope_id != 0;
    return true;
  }
  return false;
}

size_t dcx_addr_to_sockaddr(const dcx_addr *a, unsigned port, struct sockaddr_storage *ss)
{
  memset(ss, 0, sizeof *ss);
  if (a->family != AF_INET && a->family != AF_INET6) return 0;
  ss->ss_family = (sa_family_t)a->family;
  if (a->family == AF_INET) {
    ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    memcpy(&((struct sockaddr_in *)ss)->sin_addr, a->b, 4);
    return sizeof(struct sockaddr_in);
  }
  ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
  memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, a->b, 16);
  return sizeof(struct sockaddr_in6);
}

const char *dcx_port_problem(const char *s, size_t len, unsigned *port)
{
  unsigned long v = 0;
  if (port != NULL) *port = 0;
  if (s == NULL || len == 0) return "empty port";
  for (size_t i = 0; i < len; i++)
    if (!dcx_is_digit((unsigned char)s[i])) return "port is not decimal digits";
  if (s[0] == '0') return len == 1 ? "port outside 1..65535" : "port with a leading zero";
  if (len > 5) return "port outside 1..65535";
  for (size_t i = 0; i < len; i++) v = v * 10 + (unsigned long)(s[i] - '0');
  if (v > 65535) return "port outside 1..65535";
  if (port != NULL) *port = (unsigned)v;
  return NULL;
}

const char *dcx_hostport_parse(const char *text, size_t len, unsigned default_port,
                               dcx_addr *out, unsigned *port)
{
  /* "[" + INET6_ADDRSTRLEN + "]" with NUL */
  char host[INET6_ADDRSTRLEN + 3];
  const char *colon = NULL;
  size_t hlen = len;
  memset(out, 0, sizeof *out);
  *port = default_port;
  if (text == NULL || len == 0) return "empty";
  if (memchr(text, '\0', len) != NULL) return "not an IP address: NUL byte";
  if (text[0] == '[') {
    const char *end = memchr(text, ']', len);
    if (end == NULL) return "not an IP address: '[' without ']'";
    hlen = (size_t)(end - text) + 1;
    if (hlen < len) {
      if (*(end + 1) != ':') return "not an IP address: bytes after ']' other than :PORT";
      colon = end + 1;
    }
  } else if (len < sizeof host) {
    /* an unbracketed address is whole ("::1:8443" is an IPv6 address);
     * otherwise the first ':' starts the port (IPv4:PORT) */
    memcpy(host, text, len);
    host[len] = '\0';
    if (!dcx_addr_parse(host, out)) {
      colon = memchr(text, ':', len);
      if (colon != NULL) hlen = (size_t)(colon - text);
    }
  }
  if (hlen == 0 || hlen >= sizeof host)
    return "not an IP address (IP, IPv4:PORT or [IPv6]:PORT)";
  memcpy(host, text, hlen);
  host[hlen] = '\0';
  if (!dcx_addr_parse(host, out)) {
    if (text[0] == '[') return "not an IP address: no IPv6 address inside [...]";
    return colon != NULL ? "not an IP address before ':' (an IPv6 address with a "
                           "port is written [IPv6]:PORT)"
                         : "not an IP address (IP, IPv4:PORT or [IPv6]:PORT)";
  }
  if (colon != NULL) {
    const char *why = dcx_port_problem(colon + 1, len - (size_t)(colon + 1 - text), port);
    if (why != NULL) return why;
  }
  return NULL;
}
