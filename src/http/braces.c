/* The guard's two braces inside libcurl (docs/security.md §2.5-§2.7,
 * §2.9 through a proxy): the open-socket and pre-request callbacks, and the
 * resolver-start refusal. See http/xfer.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "guard/addr.h"
#include "http/xfer.h"

/* ---- the guard's two braces */

static bool in_checked_set(const dci_http_xfer *x, const dci_addr *a)
{
  for (size_t i = 0; i < x->checked.n && i < DCI_MAX_ADDRS; i++)
    if (dci_addr_equal(&x->checked.a[i], a)) return true;
  return false;
}

/* Records the first refusal (later ones would only repeat it) and notes its
 * reason on the caller's record (docs/security.md §2.11), again after a
 * later refusal, whose own rule (dci_guard_addr_port) may have noted
 * another. */
DCI_PRINTF(3, 4)
static void refuse(dci_http_xfer *x, dc_guard_reason reason, const char *fmt, ...)
{
  if (!x->blocked) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(x->why, sizeof x->why, fmt, ap);
    va_end(ap);
    if (n < 0) x->why[0] = '\0';
    x->reason = reason;
  }
  x->blocked = true;
  dci_guard_note(x->c, x->reason);
}

/* Everything an address must satisfy when libcurl is about to use it. */
static bool addr_acceptable(dci_http_xfer *x, const dci_addr *a, unsigned port,
                            bool scoped, const char *when)
{
  char text[64];
  dci_addr_format(a, text, sizeof text);
  const char *why = NULL;
  dc_guard_reason reason = DC_GUARD_BLOCKED_ADDRESS;
  if (scoped) {
    why = "an IPv6 address with a zone (scope) id";
    reason = DC_GUARD_SCOPED_ADDRESS;
  } else if (port != x->port) {
    why = x->port == DCI_HTTPS_PORT ? "not port 443" : "not the port of the URL";
    reason = DC_GUARD_PORT;
  } else if ((why = dci_guard_addr_port(x->c, a, port)) != NULL) {
    reason = dc_client_guard_reason(x->c); /* the guard's own, noted by it */
  } else if (!in_checked_set(x, a)) {
    why = "not one of the addresses checked for the host (DNS rebinding?)";
  }
  if (why == NULL) return true;
  refuse(x, reason, "guard refused connecting to %s port %u for %s (%s): %s", text, port,
         x->host, when, why);
  return false;
}

/* Through a proxy (docs/security.md §2.9) both braces see the connection to
 * the proxy: it must be exactly the configured proxy address and port
 * (configuration, not DNS; the target was judged before the CONNECT). */
static bool proxy_acceptable(dci_http_xfer *x, const dci_addr *a, unsigned port,
                             bool scoped, const char *when)
{
  const struct dci_allowed_addr *p = &x->c->cfg->proxy_addr;
  if (!scoped && port == p->port && a->family == p->family &&
      memcmp(a->b, p->b, sizeof p->b) == 0)
    return true;
  char text[64];
  dci_addr_format(a, text, sizeof text);
  dc_guard_reason reason = scoped             ? DC_GUARD_SCOPED_ADDRESS
                           : port != p->port ? DC_GUARD_PORT
                                             : DC_GUARD_BLOCKED_ADDRESS;
  refuse(x, reason, "guard refused connecting to %s port %u for %s (%s): not the "
                    "configured proxy", text, port, x->host, when);
  return false;
}

/* Brace 1 (docs/security.md §2.6): runs before the TCP SYN. */
curl_socket_t dci_xfer_on_open_socket(void *clientp, curlsocktype purpose,
                                      struct curl_sockaddr *sa)
{
  dci_http_xfer *x = clientp;
  if (purpose != CURLSOCKTYPE_IPCXN) {
    refuse(x, DC_GUARD_BLOCKED_ADDRESS,
           "guard refused a socket for %s that is not an IP connection", x->host);
    return CURL_SOCKET_BAD;
  }
  if (sa == NULL || (sa->family != AF_INET && sa->family != AF_INET6) ||
      sa->addr.sa_family != sa->family) {
    refuse(x, DC_GUARD_BLOCKED_ADDRESS, "guard refused a socket for %s of an address "
           "family other than IPv4 or IPv6", x->host);
    return CURL_SOCKET_BAD;
  }
  size_t need = sa->family == AF_INET ? sizeof(struct sockaddr_in)
                                      : sizeof(struct sockaddr_in6);
  dci_addr a;
  unsigned port = 0;
  bool scoped = false;
  if (sa->addrlen < need || !dci_addr_from_sockaddr(&sa->addr, &a, &port, &scoped)) {
    refuse(x, DC_GUARD_BLOCKED_ADDRESS, "guard refused a socket for %s: malformed socket "
           "address", x->host);
    return CURL_SOCKET_BAD;
  }
  if (x->proxied) {
    if (!proxy_acceptable(x, &a, port, scoped, "opening the socket"))
      return CURL_SOCKET_BAD;
  } else if (!x->skip_socket_check &&
             !addr_acceptable(x, &a, port, scoped, "opening the socket")) {
    return CURL_SOCKET_BAD;
  }
  return socket(sa->family, sa->socktype | SOCK_CLOEXEC, sa->protocol);
}

/* Brace 2 (docs/security.md §2.7): after TLS, before the first request byte. */
int dci_xfer_on_prereq(void *clientp, char *primary_ip, char *local_ip,
                       int primary_port, int local_port)
{
  dci_http_xfer *x = clientp;
  dci_addr a;
  memset(&a, 0, sizeof a);
  if (primary_ip != NULL && inet_pton(AF_INET, primary_ip, a.b) == 1) {
    a.family = AF_INET;
  } else if (primary_ip != NULL && inet_pton(AF_INET6, primary_ip, a.b) == 1) {
    a.family = AF_INET6;
  } else {
    refuse(x, DC_GUARD_BLOCKED_ADDRESS, "guard refused the connection for %s before the "
           "request: libcurl reports no parsable peer address", x->host);
    return CURL_PREREQFUNC_ABORT;
  }
  unsigned port = (primary_port > 0 && primary_port <= 65535) ? (unsigned)primary_port : 0u;
  if (x->proxied ? !proxy_acceptable(x, &a, port, false, "before sending the request")
                 : !addr_acceptable(x, &a, port, false, "before sending the request"))
    return CURL_PREREQFUNC_ABORT;
  return CURL_PREREQFUNC_OK;
}

/* The pin covers host:port, so libcurl has no reason to resolve anything. */
int dci_xfer_on_resolver_start(void *resolver_state, void *reserved, void *clientp)
{
  dci_http_xfer *x = clientp;
  x->resolve_attempted = true;
  return 1; /* abort the resolve */
}
